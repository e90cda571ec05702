//! The `escalate` binary, run as a user runs it.
//!
//! The store commands use the real OS keyring: run under `make test` or
//! `scripts/with-keyring cargo test`.

// Test code: a panic here is a failed check, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod engine_commands;
mod forms;
mod hardening;
mod installed;
mod lead;
mod packages;
mod printing;
mod record_is_log;
mod store_commands;
mod trust;
mod versions;

use std::process::{Command, Output};

/// Run escalate with no store environment leaking in from the caller.
pub fn escalate_with(args: &[&str], env: &[(&str, &str)], remove: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_escalate"));
    c.args(args)
        .env_remove("ESCALATE_DATA_DIR")
        .env_remove("ESCALATE_PASSPHRASE")
        .env_remove("ESCALATE_NEW_PASSPHRASE");
    for k in remove {
        c.env_remove(k);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the escalate binary runs")
}

pub fn escalate(args: &[&str]) -> Output {
    escalate_with(args, &[], &[])
}

pub fn ok(args: &[&str]) -> String {
    let out = escalate(args);
    assert!(
        out.status.success(),
        "escalate {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn fails(args: &[&str]) -> (i32, String) {
    let out = escalate(args);
    assert!(
        !out.status.success(),
        "escalate {args:?} should have failed"
    );
    assert!(out.stdout.is_empty(), "errors go to stderr only");
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Run escalate, waiting at most a minute: a command that reads a device or a pipe
/// it should have refused would otherwise hang the suite.
pub fn within_a_minute(args: &[&str]) -> std::process::Output {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("escalate {args:?} still running after a minute");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    std::process::Output {
        status,
        stdout,
        stderr,
    }
}
