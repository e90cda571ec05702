//! A lead's store in a folder of its own, driven through the `escalate` binary with the
//! real OS keyring: what the store command tests share.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::escalate_with;

pub const PASS: &str = "correct horse battery staple";

/// `escalate init` for the lead every store test uses.
pub const INIT: &[&str] = &[
    "init",
    "--name",
    "Alex Morgan",
    "--designation",
    "Designated Safeguarding Lead",
    "--agency",
    "Ysgol Gyfun Bryn",
    "--sector",
    "schools",
    "--protocol",
    "western-bay",
    "--calendar",
    "england-and-wales",
];

pub struct Lead {
    tmp: tempfile::TempDir,
    pub data: PathBuf,
}

impl Lead {
    /// A folder with no store yet.
    pub fn empty() -> Lead {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "the store commands use the real OS keyring: run `make test` or `scripts/with-keyring cargo test`"
        );
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        Lead { tmp, data }
    }

    /// A store made by `escalate init`.
    pub fn new() -> Lead {
        let lead = Lead::empty();
        lead.init();
        lead
    }

    /// The lead's own folder, beside the data folder.
    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    pub fn run(&self, args: &[&str], pass: bool) -> Output {
        let mut env = vec![("ESCALATE_DATA_DIR", self.data.to_str().unwrap())];
        if pass {
            env.push(("ESCALATE_PASSPHRASE", PASS));
        }
        let mut all = args.to_vec();
        all.extend(["--now", "2026-11-23T17:00"]);
        escalate_with(&all, &env, &[])
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, false);
        assert!(
            out.status.success(),
            "escalate {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A command that must fail: its status and what it said on stderr.
    pub fn fails(&self, args: &[&str], pass: bool) -> (i32, String) {
        let out = self.run(args, pass);
        assert!(
            !out.status.success(),
            "escalate {args:?} should have failed"
        );
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    /// A command refused outright: it fails and says so on stderr only, printing
    /// nothing (unlike `audit verify`, which prints what it checked before failing).
    pub fn refuses(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args, false);
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

    pub fn init(&self) {
        let out = self.run(INIT, true);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
