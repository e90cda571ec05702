//! escalate-trust's tests: one binary.

// Test code: a panic here is a failed check, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cards;
mod interop;
mod manifests;
mod never_panic;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};

/// A fixed moment: tests never read the clock.
pub fn at(y: i32, m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(10, 30, 0))
        .unwrap()
}

/// A folder of its own under the system temp folder, removed when dropped. (The crate
/// has no tempfile dependency; its tests do not need one for this.)
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn make() -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "escalate-trust-test-{}",
            escalate_trust::new_id().unwrap()
        ));
        std::fs::create_dir(&dir).unwrap();
        Scratch(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run a program in `dir` with no stdin, waiting at most a minute: a tool that prompts
/// for a password it should not need would otherwise hang the suite. The program must
/// be installed (Debian's minisign is a test dependency): missing, the test fails.
pub fn run(program: &str, args: &[&str], dir: &Path) -> Output {
    use std::io::Read;
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{program} could not be run ({e}): these tests need it installed \
                 (Debian: apt-get install {program}); they fail rather than skip without it"
            )
        });
    // Read both pipes on threads so that a chatty child cannot fill a pipe and stall.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{program} {args:?} still running after a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}
