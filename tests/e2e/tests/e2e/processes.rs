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

use rustix::process::{kill_process, kill_process_group, Pid, Signal};

/// How long a process may take to end after SIGTERM before it is sent SIGKILL.
const GRACE: Duration = Duration::from_secs(3);
/// How long the kernel may take to end a process after SIGKILL.
const AFTER_KILL: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// A live process as /proc shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    pub pid: i32,
    pub comm: String,
    pub pgrp: i32,
    pub exe: Option<PathBuf>,
}

/// The fields of /proc/PID/stat after the command name, which may hold spaces and
/// parentheses of its own.
fn stat(pid: i32) -> Option<(String, char, i32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    let mut rest = text.get(close + 1..)?.split_whitespace();
    let state = rest.next()?.chars().next()?;
    let _ppid = rest.next()?;
    let pgrp = rest.next()?.parse().ok()?;
    Some((comm, state, pgrp))
}

/// Every running process (zombies are dead: they only wait for their parent to read
/// their exit status, and hold nothing).
fn running() -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let (comm, state, pgrp) = stat(pid)?;
            (state != 'Z' && state != 'X').then(|| Proc {
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
    for p in procs {
        if let Some(id) = pid(p.pid) {
            let _ = kill_process(id, Signal::TERM);
        }
    }
    if until(GRACE, || {}, || alive().is_empty()) {
        return Ok(());
    }
    for p in alive() {
        if let Some(id) = pid(p.pid) {
            let _ = kill_process(id, Signal::KILL);
        }
    }
    if until(AFTER_KILL, || {}, || alive().is_empty()) {
        return Ok(());
    }
    Err(format!("still running after SIGKILL: {:?}", alive()))
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
        let _ = child.try_wait();
        // Signal only a group that still has members: once it is empty its number may
        // be given to someone else's group.
        if members(pgid).is_empty() {
            return Ok(());
        }
        let _ = kill_process_group(group, Signal::TERM);
        if until(
            GRACE,
            || {
                let _ = child.try_wait();
            },
            || members(pgid).is_empty(),
        ) {
            return Ok(());
        }
        let _ = kill_process_group(group, Signal::KILL);
        if until(
            AFTER_KILL,
            || {
                let _ = child.try_wait();
            },
            || members(pgid).is_empty(),
        ) {
            return Ok(());
        }
        Err(format!(
            "process group {pgid} still has members after SIGKILL: {:?}",
            members(pgid)
        ))
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
