//! The store's hardening through the real `escalate` binary: a key rotation that meets
//! a full disk (strace injects ENOSPC) or a crash at any step keeps a store that opens
//! with every case; two `init` at once leave one store; `--no-keyring` says nothing
//! about the keyring; every file the store writes is the owner's alone; secret files
//! are read through a bound.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::lead::{INIT, PASS};
use crate::{escalate_with, within_a_minute};

fn require_keyring() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests use the real OS keyring: run `make test` or `scripts/with-keyring cargo test`"
    );
}

/// `escalate ARGS` on the store in `data`, with or without the passphrase.
fn run(data: &Path, args: &[&str], pass: bool) -> Output {
    let mut env = vec![("ESCALATE_DATA_DIR", data.to_str().unwrap())];
    if pass {
        env.push(("ESCALATE_PASSPHRASE", PASS));
    }
    escalate_with(args, &env, &[])
}

fn ok(data: &Path, args: &[&str], pass: bool) -> String {
    let out = run(data, args, pass);
    assert!(
        out.status.success(),
        "escalate {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn new_case(data: &Path, child: &str, keyring: bool) -> String {
    let mut args = vec![
        "case",
        "new",
        "--child-name",
        child,
        "--child-dob",
        "2015-04-02",
        "--raising-agency",
        "Ysgol Gyfun Bryn",
        "--receiving-agency",
        "Swansea Children's Services",
        "--category",
        "Threshold for assessment",
        "--summary",
        "School believes the threshold for a section 47 enquiry is met.",
    ];
    if !keyring {
        args.push("--no-keyring");
    }
    ok(data, &args, !keyring).trim().to_owned()
}

/// A store with `n` cases, its key in the real keyring.
fn store_with_cases(root: &Path, n: usize) -> PathBuf {
    require_keyring();
    let data = root.join("data");
    ok(&data, INIT, true);
    for i in 0..n {
        new_case(&data, &format!("Child {i}"), true);
    }
    data
}

/// Every case is listed, and the audit trail verifies.
fn assert_all_cases(data: &Path, n: usize, keyring: bool, context: &str) {
    let extra: &[&str] = if keyring { &[] } else { &["--no-keyring"] };
    let list = run(
        data,
        &[&["case", "list", "--all"][..], extra].concat(),
        !keyring,
    );
    assert!(
        list.status.success(),
        "{context}: {}",
        String::from_utf8_lossy(&list.stderr)
    );
    let text = String::from_utf8_lossy(&list.stdout);
    for i in 0..n {
        assert!(
            text.contains(&format!("Child {i}\t")),
            "{context}: case {i} is missing"
        );
    }
    let audit = run(data, &[&["audit", "verify"][..], extra].concat(), !keyring);
    assert!(
        audit.status.success(),
        "{context}: {}",
        String::from_utf8_lossy(&audit.stderr)
    );
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for (name, bytes) in files(from) {
        std::fs::write(to.join(name), bytes).unwrap();
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// strace, which injects the full disk. Without it the test fails: a test that
/// passes having checked nothing would claim what was never tried.
fn strace() -> PathBuf {
    let found = Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "strace is not installed: `make deps` installs it (this test fills the disk with it)"
    );
    PathBuf::from("strace")
}

#[test]
fn a_full_disk_during_key_rotation_keeps_the_store_and_its_key() {
    let strace = strace();
    const CASES: usize = 60;
    let tmp = tempfile::tempdir().unwrap();
    let seed = store_with_cases(tmp.path(), CASES);
    // Where the disk fills: the new database, the store's own WAL and file (the
    // issue's reproduction), the new key file; and a flush that fails.
    // (file, fault, --no-keyring, whether the rotation can still finish). The store's
    // own database and WAL are not written by a rotation until the swap (the new file
    // is already in WAL mode), so faults there cannot stop it.
    let faults: &[(&str, &str, bool, bool)] = &[
        (
            "escalate.db.rotating",
            "pwrite64:error=ENOSPC:when=10+",
            false,
            false,
        ),
        (
            "escalate.db.rotating",
            "pwrite64:error=ENOSPC:when=2+",
            true,
            false,
        ),
        ("escalate.db.rotating", "fsync:error=EIO", false, false),
        ("key.json.next.new", "write:error=ENOSPC", false, false),
        (
            "escalate.db-wal",
            "pwrite64:error=ENOSPC:when=10+",
            true,
            true,
        ),
        ("escalate.db", "pwrite64:error=ENOSPC", false, true),
    ];
    for (i, (file, inject, no_keyring, finishes)) in faults.iter().enumerate() {
        let context = format!("{inject} on {file}");
        let data = tmp.path().join(format!("case-{i}"));
        copy_dir(&seed, &data);
        // Opening with the passphrase puts this copy's key in the keyring.
        assert_all_cases(&data, CASES, false, &context);
        ok(&data, &["audit", "verify"], true);
        let before = files(&data);
        let mut args: Vec<String> = vec![
            "-f".into(),
            "-qq".into(),
            "-o".into(),
            "/dev/null".into(),
            "-P".into(),
            data.join(file).display().to_string(),
            "-e".into(),
            format!("inject={inject}"),
            env!("CARGO_BIN_EXE_escalate").into(),
        ];
        if *no_keyring {
            args.push("--no-keyring".into());
        }
        args.extend(["key".into(), "rotate".into()]);
        let out = Command::new(&strace)
            .args(&args)
            .env("ESCALATE_DATA_DIR", &data)
            .env("ESCALATE_PASSPHRASE", PASS)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.success(), *finishes, "{context}: {said}");
        if out.status.success() {
            // The fault missed what the rotation writes: it finished, verified.
            assert_ne!(
                files(&data).get("key.json"),
                before.get("key.json"),
                "{context}"
            );
        } else {
            assert!(
                said.contains("the key was not rotated"),
                "{context}: {said}"
            );
            assert!(!said.contains("note:"), "{context}: {said}");
            assert_eq!(files(&data), before, "{context}: a file changed");
        }
        let left: Vec<String> = files(&data)
            .into_keys()
            .filter(|n| n.contains("rotating") || n.contains(".next") || n.ends_with(".new"))
            .collect();
        assert!(left.is_empty(), "{context}: left behind {left:?}");
        // Every case, with the passphrase and (unless switched off) from the keyring,
        // and a later rotation works.
        assert_all_cases(&data, CASES, false, &context);
        if *no_keyring && out.status.success() {
            // Rotated with the keyring switched off: the keyring still has the old
            // key, until one open with the passphrase puts the new one there.
            let e = run(&data, &["case", "list"], false);
            assert!(
                String::from_utf8_lossy(&e.stderr).contains("needs its recovery passphrase"),
                "{context}"
            );
            ok(&data, &["case", "list"], true);
        }
        assert_all_cases(&data, CASES, true, &context);
        ok(&data, &["key", "rotate"], true);
        assert_all_cases(&data, CASES, true, &format!("{context}, rotated again"));
    }
}

#[test]
fn a_crash_at_any_step_of_key_rotation_keeps_every_case() {
    const CASES: usize = 3;
    let tmp = tempfile::tempdir().unwrap();
    let seed = store_with_cases(tmp.path(), CASES);
    for step in [
        "attached",
        "exported",
        "verified",
        "next-written",
        "db-renamed",
        "key-renamed",
    ] {
        let data = tmp.path().join(step);
        copy_dir(&seed, &data);
        assert_all_cases(&data, CASES, false, step);
        let out = escalate_with(
            &["key", "rotate"],
            &[
                ("ESCALATE_DATA_DIR", data.to_str().unwrap()),
                ("ESCALATE_PASSPHRASE", PASS),
                ("ESCALATE_TEST_FAULT", &format!("{step}:exit")),
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(86), "{step}: did not stop there");
        // From the real keyring alone, as the next start would.
        assert_all_cases(&data, CASES, true, step);
        let left: Vec<String> = files(&data)
            .into_keys()
            .filter(|n| n.contains("rotating") || n.contains(".next"))
            .collect();
        assert!(left.is_empty(), "{step}: left behind {left:?}");
        ok(&data, &["key", "rotate"], true);
        assert_all_cases(&data, CASES, true, &format!("{step}, rotated again"));
        assert_all_cases(&data, CASES, false, &format!("{step}, rotated again"));
    }
}

#[test]
fn two_inits_at_once_leave_one_store_that_opens() {
    const ROUNDS: usize = 15;
    let tmp = tempfile::tempdir().unwrap();
    for round in 0..ROUNDS {
        let data = tmp.path().join(format!("round-{round}"));
        let spawn = || {
            Command::new(env!("CARGO_BIN_EXE_escalate"))
                .args(INIT)
                .arg("--no-keyring")
                .env("ESCALATE_DATA_DIR", &data)
                .env("ESCALATE_PASSPHRASE", PASS)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        let won = outs.iter().filter(|o| o.status.success()).count();
        assert_eq!(won, 1, "round {round}: {outs:?}");
        let lost = outs.iter().find(|o| !o.status.success()).unwrap();
        let said = String::from_utf8_lossy(&lost.stderr);
        assert!(
            said.contains("already holds an Escalate store"),
            "round {round}: {said}"
        );
        let out = run(&data, &["audit", "verify", "--no-keyring"], true);
        assert!(
            out.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: 2 entries"));
    }
}

#[test]
fn no_keyring_means_no_note_about_the_keyring() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for args in [
        INIT.to_vec(),
        vec!["case", "list"],
        vec!["audit", "verify"],
        vec!["key", "rotate"],
    ] {
        let args = [&args[..], &["--no-keyring"]].concat();
        let out = run(&data, &args, true);
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {said}");
        assert!(said.is_empty(), "{args:?} printed: {said}");
    }
    new_case(&data, "Child 0", false);
    assert_all_cases(&data, 1, false, "no keyring");
}

#[test]
fn the_store_its_backups_and_restores_are_the_owners_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let data = store_with_cases(tmp.path(), 1);
    assert_eq!(mode(&data), 0o700);
    for (name, _) in files(&data) {
        assert_eq!(mode(&data.join(&name)), 0o600, "{name}");
    }
    let backup = tmp.path().join("store.escalate");
    ok(&data, &["backup", "--out", backup.to_str().unwrap()], false);
    assert_eq!(mode(&backup), 0o600, "backup");
    let restored = tmp.path().join("restored");
    ok(&restored, &["restore", backup.to_str().unwrap()], true);
    assert_eq!(mode(&restored), 0o700);
    for (name, _) in files(&restored) {
        assert_eq!(mode(&restored.join(&name)), 0o600, "restored {name}");
    }
    // A file the CLI writes with no mode of its own is owner-only too: the process
    // runs with umask 077 (escalate_store::process::harden).
    let r = new_case(&data, "Child 1", true);
    let pdf = tmp.path().join("chronology.pdf");
    ok(
        &data,
        &[
            "report",
            &r,
            "--form",
            "chronology",
            "--out",
            pdf.to_str().unwrap(),
        ],
        false,
    );
    assert_eq!(mode(&pdf), 0o600, "report");
}

#[test]
fn secret_files_are_read_through_a_bound() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let big = dir.path().join("big");
    std::fs::write(&big, vec![b'a'; 64 * 1024 + 1]).unwrap();
    let passphrase = "a passphrase file of at most 64 KiB (65536 bytes)";
    let identity = "an age identity file (AGE-SECRET-KEY-1…) of at most 64 KiB (65536 bytes)";
    // A device never ends and a pipe waits for a writer: both are refused from what
    // they are, before a byte is read, and so is a file larger than any secret.
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["case", "list", "--no-keyring", "--passphrase-file", "/dev/zero"],
            format!("/dev/zero: is not a regular file: give {passphrase}"),
        ),
        (
            vec!["case", "list", "--passphrase-file", fifo.to_str().unwrap()],
            format!("{}: is not a regular file: give {passphrase}", fifo.display()),
        ),
        (
            vec!["case", "list", "--passphrase-file", big.to_str().unwrap()],
            format!(
                "{}: is 65537 bytes; a passphrase file may be at most 64 KiB (65536 bytes): give a smaller file",
                big.display()
            ),
        ),
        (
            vec!["export", "open", "p.escalate-export", "--identity", "/dev/zero"],
            format!("/dev/zero: is not a regular file: give {identity}"),
        ),
        (
            vec!["board", "import", "p.escalate-export", "--passphrase-file", "/dev/zero"],
            format!("/dev/zero: is not a regular file: give {passphrase}"),
        ),
    ];
    for (args, expected) in cases {
        let args = [&args[..], &["--data-dir", data]].concat();
        let out = within_a_minute(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err, format!("escalate: {expected}\n"), "{args:?}");
    }
    assert!(!Path::new(data).exists(), "a refusal makes no store");
}
