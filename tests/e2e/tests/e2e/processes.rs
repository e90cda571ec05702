//! Processes the tests start, and proof that they are gone.
//!
//! A scenario's tauri-driver, WebKitWebDriver and app run in a process group of their
//! own, so one signal reaches them all; and each carries a marker in its environment,
//! so a process that left the group (a double fork, `setsid`) is still found in /proc.
//! A survivor would own the app's single-instance name on the tests' D-Bus session and
//! make the next scenario's app quit at once.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use std::os::unix::process::CommandExt;

use rustix::process::{kill_process, kill_process_group, waitpid, Pid, Signal, WaitOptions};

/// How long a process may take to end after SIGTERM before it is sent SIGKILL.
const GRACE: Duration = Duration::from_secs(3);
/// How long the kernel may take to end a process after SIGKILL.
const AFTER_KILL: Duration = Duration::from_secs(10);
/// How long dead children may take to be reaped once nothing of a group runs.
const SETTLE: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(50);

/// A live process as /proc shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    pub pid: i32,
    pub comm: String,
    pub pgrp: i32,
    pub exe: Option<PathBuf>,
}

/// The fields of /proc/PID/stat we use: command name (which may hold spaces and
/// parentheses of its own), state, parent, process group.
fn stat(pid: i32) -> Option<(String, char, i32, i32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    let mut rest = text.get(close + 1..)?.split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    let pgrp = rest.next()?.parse().ok()?;
    Some((comm, state, ppid, pgrp))
}

fn pids() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Orphans of a stopped scenario (WebKitWebDriver, the app, WebKit's helpers, once
/// tauri-driver is gone) come to this process instead of init, so they are reaped
/// here and leave no zombie in `ps`.
fn adopt_orphans() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
    });
}

/// This process's children in group `pgid` other than `leader` (whose `Child` reaps
/// it): once the group has stopped they are all dead, waiting to be reaped.
fn children_in(pgid: i32, leader: i32) -> Vec<i32> {
    let me = std::process::id() as i32;
    pids()
        .into_iter()
        .filter(|&pid| pid != leader)
        .filter(|&pid| stat(pid).is_some_and(|(_, _, ppid, pgrp)| ppid == me && pgrp == pgid))
        .collect()
}

fn reap_group(pgid: i32, leader: i32) {
    children_in(pgid, leader).into_iter().for_each(reap);
}

fn reap(raw: i32) {
    if let Some(id) = pid(raw) {
        let _ = waitpid(Some(id), WaitOptions::NOHANG);
    }
}

/// A process is dead when it is a zombie with no thread left: a multi-threaded
/// process's first thread shows 'Z' as soon as it ends, while the others still run.
fn dead(pid: i32, state: char) -> bool {
    (state == 'Z' || state == 'X')
        && std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |t| t.count()) <= 1
}

/// Every running process (the dead only wait for their parent to read their exit
/// status, and hold nothing).
fn running() -> Vec<Proc> {
    pids()
        .into_iter()
        .filter_map(|pid| {
            let (comm, state, _, pgrp) = stat(pid)?;
            (!dead(pid, state)).then(|| Proc {
                pid,
                comm,
                pgrp,
                exe: std::fs::read_link(format!("/proc/{pid}/exe")).ok(),
            })
        })
        .collect()
}

/// The running members of process group `pgid`.
pub fn members(pgid: i32) -> Vec<Proc> {
    running().into_iter().filter(|p| p.pgrp == pgid).collect()
}

fn environment(pid: i32) -> Vec<Vec<u8>> {
    std::fs::read(format!("/proc/{pid}/environ"))
        .map(|env| env.split(|b| *b == 0).map(<[u8]>::to_vec).collect())
        .unwrap_or_default()
}

/// The value of `name` in a process's environment.
pub fn env_value(pid: i32, name: &str) -> Option<String> {
    let prefix = format!("{name}=").into_bytes();
    environment(pid)
        .into_iter()
        .find_map(|v| v.strip_prefix(prefix.as_slice()).map(<[u8]>::to_vec))
        .map(|v| String::from_utf8_lossy(&v).into_owned())
}

/// Running processes whose environment holds `name=value` exactly.
pub fn carrying(name: &str, value: &str) -> Vec<Proc> {
    let wanted = format!("{name}={value}").into_bytes();
    running()
        .into_iter()
        .filter(|p| p.pid != std::process::id() as i32)
        .filter(|p| environment(p.pid).contains(&wanted))
        .collect()
}

/// Running processes of `exe` with `name=value` in their environment.
pub fn running_binary(exe: &Path, name: &str, value: &str) -> Vec<Proc> {
    let exe = exe.canonicalize().unwrap_or_else(|_| exe.to_owned());
    carrying(name, value)
        .into_iter()
        .filter(|p| p.exe.as_deref() == Some(exe.as_path()))
        .collect()
}

/// Those of `procs` still running (the same pid and command name: a pid may be reused).
pub fn still_running(procs: &[Proc]) -> Vec<Proc> {
    let now = running();
    procs
        .iter()
        .filter(|p| now.iter().any(|q| q.pid == p.pid && q.comm == p.comm))
        .cloned()
        .collect()
}

/// Those of `procs` still in /proc at all, zombies included: a stopped scenario's
/// processes are reaped here, so none should be.
pub fn still_listed(procs: &[Proc]) -> Vec<Proc> {
    procs
        .iter()
        .filter(|p| stat(p.pid).is_some_and(|(comm, ..)| comm == p.comm))
        .cloned()
        .collect()
}

fn pid(raw: i32) -> Option<Pid> {
    Pid::from_raw(raw)
}

/// Poll until `gone()` or `limit` passes; `reap` runs on each turn, so a child of this
/// process does not linger as a zombie that a group signal still reaches.
fn until(limit: Duration, mut reap: impl FnMut(), mut gone: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    loop {
        reap();
        if gone() {
            return true;
        }
        if started.elapsed() >= limit {
            return false;
        }
        std::thread::sleep(POLL);
    }
}

/// Stop single processes (found by marker, outside any group we know): SIGTERM, a
/// grace period, SIGKILL. `Err` names the ones still running.
pub fn stop_each(procs: &[Proc]) -> Result<(), String> {
    let alive = || still_running(procs);
    // Those that are this process's children (adopted orphans) are reaped as they die.
    let reap_all = || procs.iter().for_each(|p| reap(p.pid));
    let me = std::process::id() as i32;
    let unreaped = || {
        procs
            .iter()
            .any(|p| stat(p.pid).is_some_and(|(comm, _, ppid, _)| comm == p.comm && ppid == me))
    };
    let signal = |signal| {
        for p in alive() {
            if let Some(id) = pid(p.pid) {
                let _ = kill_process(id, signal);
            }
        }
    };
    if term_then_kill(signal, reap_all, || alive().is_empty()) {
        until(SETTLE, reap_all, || !unreaped());
        return Ok(());
    }
    Err(format!("still running after SIGKILL: {:?}", alive()))
}

/// SIGTERM, a grace period for them to go, then SIGKILL and a wait, reaping as they
/// die: `true` once `gone`.
fn term_then_kill(
    mut signal: impl FnMut(Signal),
    mut reap: impl FnMut(),
    mut gone: impl FnMut() -> bool,
) -> bool {
    signal(Signal::TERM);
    if until(GRACE, &mut reap, &mut gone) {
        return true;
    }
    signal(Signal::KILL);
    until(AFTER_KILL, reap, gone)
}

/// A child started as the leader of a new process group: everything it starts joins
/// the group unless it leaves on purpose.
#[derive(Debug)]
pub struct Group {
    child: Child,
    pgid: i32,
}

impl Group {
    pub fn spawn(cmd: &mut Command) -> std::io::Result<Group> {
        adopt_orphans();
        let child = cmd.process_group(0).spawn()?;
        let pgid = child.id() as i32;
        Ok(Group { child, pgid })
    }

    pub fn pgid(&self) -> i32 {
        self.pgid
    }

    /// The leader's exit status, if it has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM to the whole group, a grace period, then SIGKILL; `Ok` once no member
    /// is running, `Err` naming those that are.
    pub fn stop(&mut self) -> Result<(), String> {
        let Some(group) = pid(self.pgid) else {
            return Err(format!("{} is not a process group id", self.pgid));
        };
        let child = &mut self.child;
        let pgid = self.pgid;
        let leader = child.id() as i32;
        let mut reap = || {
            let _ = child.try_wait();
            reap_group(pgid, leader);
        };
        reap();
        // Signal only a group that still has members: once it is empty its number may
        // be given to someone else's group.
        let stopped = members(pgid).is_empty()
            || term_then_kill(
                |signal| {
                    let _ = kill_process_group(group, signal);
                },
                &mut reap,
                || members(pgid).is_empty(),
            );
        if !stopped {
            return Err(format!(
                "process group {pgid} still has members after SIGKILL: {:?}",
                members(pgid)
            ));
        }
        // Reaping a dead parent hands its dead children to this process in turn.
        until(SETTLE, &mut reap, || children_in(pgid, leader).is_empty());
        Ok(())
    }
}

impl Drop for Group {
    /// The last resort when the owner did not stop it: nothing outlives the test.
    fn drop(&mut self) {
        if !members(self.pgid).is_empty() {
            let _ = self.stop();
        }
        // Reap the leader; after SIGKILL this returns at once.
        if self.exited().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Run a short helper command (xdotool, dunstctl, pdftotext) and take its output, or
/// `None` if it fails to start or has not finished within `limit`; then it and anything
/// it started are killed. Some of these can wait forever (`xdotool windowfocus --sync`
/// on a window that never takes focus), and a blocked call cannot be cut off from
/// outside, because the tests' async timeouts only fire at an `.await`.
pub fn output_within(cmd: &mut Command, limit: Duration) -> Option<Output> {
    let mut group = Group::spawn(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .ok()?;
    let pipe = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = pipe(
        group
            .child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let stderr = pipe(
        group
            .child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = group.exited() {
            break Some(status);
        }
        if started.elapsed() >= limit {
            break None;
        }
        std::thread::sleep(POLL);
    };
    // Ends stragglers too, so the pipes close and the readers return.
    let _ = group.stop();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    status.map(|status| Output {
        status,
        stdout,
        stderr,
    })
}
