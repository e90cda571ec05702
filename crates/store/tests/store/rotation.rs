//! Key rotation never loses the key: a failure at any step before the new database
//! takes the old one's place leaves every file and the keyring as they were; a crash
//! at any step leaves a store that opens, from the keyring or with the passphrase,
//! with every record, and rotates again. Faults are injected in a child process (the
//! test binary itself), since the fault hook is an environment variable.

use std::path::Path;
use std::process::Command;

use escalate_store::{CaseFilter, NoKeyring, Store};

use crate::support::*;

const CASES: usize = 12;

/// The child: open the store with the passphrase and the file keyring, rotate, and say
/// how it went. Ignored so it only runs when a test below starts it.
#[tokio::test]
#[ignore = "run by the rotation tests"]
async fn rotate_child() {
    const PARENT: &str = "the rotation tests";
    let dir = from_parent("ESCALATE_ROTATE_DIR", PARENT);
    let keys = from_parent("ESCALATE_ROTATE_KEYS", PARENT);
    let keys = FileKeys(keys.into());
    let mut store = Store::open(Path::new(&dir), Some(&pass()), &keys)
        .await
        .unwrap();
    match store.rotate_key(&pass(), &keys, now()).await {
        Ok(()) => println!("rotated"),
        Err(e) => println!("refused {} {e}", e.code()),
    }
    store.close().await;
}

/// Run the child on `dir` with `fault`; gives its exit code and what it printed.
fn rotate_in_child(dir: &Path, keys: &Path, fault: &str) -> (Option<i32>, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "rotation::rotate_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ESCALATE_ROTATE_DIR", dir)
        .env("ESCALATE_ROTATE_KEYS", keys)
        .env("ESCALATE_TEST_FAULT", fault)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// A closed store with `CASES` cases, its key in a file keyring.
async fn store_with_cases(root: &Path) -> (std::path::PathBuf, FileKeys) {
    let dir = root.join("data");
    let keys = FileKeys(root.join("keyring.json"));
    let s = Store::create(&dir, profile(), &pass(), &keys, now())
        .await
        .unwrap();
    for i in 0..CASES {
        s.create_case(new_case(&format!("{CANARY} {i}")), now())
            .await
            .unwrap();
    }
    s.close().await;
    (dir, keys)
}

/// Every record is there, the file is sound and the audit chain holds.
async fn assert_whole(s: &Store, context: &str) {
    let names: std::collections::BTreeSet<String> = s
        .list_cases(CaseFilter::All, None, now())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.child_name)
        .collect();
    for i in 0..CASES {
        assert!(
            names.contains(&format!("{CANARY} {i}")),
            "{context}: case {i} is missing"
        );
    }
    assert_eq!(s.integrity_check().await.unwrap(), "ok", "{context}");
    let audit = s.verify_audit().await.unwrap();
    assert!(audit.ok(), "{context}: {:?}", audit.first_broken);
}

/// No file a rotation makes is left in the folder.
fn assert_no_rotation_files(dir: &Path, context: &str) {
    let left: Vec<String> = names(dir)
        .into_iter()
        .filter(|n| n.contains("rotating") || n.starts_with("key.json.") || n.ends_with(".new"))
        .collect();
    assert!(left.is_empty(), "{context}: left behind {left:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_before_the_swap_leaves_every_file_and_the_keyring_as_they_were() {
    for step in ["attached", "exported", "verified", "next-written"] {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, keys) = store_with_cases(tmp.path()).await;
        let before = fingerprint(&dir);
        let keyring = keys.entries();
        let (code, said) = rotate_in_child(&dir, &keys.0, step);
        assert_eq!(code, Some(0), "{step}: {said}");
        assert!(
            said.contains("refused key.not_rotated") && said.contains("as they were"),
            "{step}: {said}"
        );
        assert_eq!(fingerprint(&dir), before, "{step}: a file changed");
        assert_eq!(keys.entries(), keyring, "{step}: the keyring changed");
        assert_no_rotation_files(&dir, step);
        // Daily use carries on with the old key, and a rotation then works.
        let mut s = Store::open(&dir, None, &keys).await.unwrap();
        assert!(s.notices.is_empty(), "{step}: {:?}", s.notices);
        assert_whole(&s, step).await;
        let old = key_of(&dir);
        s.rotate_key(&pass(), &keys, now()).await.unwrap();
        assert_whole(&s, step).await;
        s.close().await;
        assert_ne!(key_of(&dir), old, "{step}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_after_the_swap_is_finished_at_the_next_open() {
    for step in ["db-renamed", "key-renamed"] {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, keys) = store_with_cases(tmp.path()).await;
        let old = key_of(&dir);
        let (code, said) = rotate_in_child(&dir, &keys.0, step);
        assert_eq!(code, Some(0), "{step}: {said}");
        assert!(
            said.contains("refused store.open") && said.contains("open the store again"),
            "{step}: {said}"
        );
        let s = Store::open(&dir, None, &keys).await.unwrap();
        assert_whole(&s, step).await;
        s.close().await;
        assert_ne!(key_of(&dir), old, "{step}: the new key is in key.json");
        assert_no_rotation_files(&dir, step);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_at_any_step_opens_with_every_record_from_the_keyring_or_the_passphrase() {
    for (step, rotated) in [
        ("attached", false),
        ("exported", false),
        ("verified", false),
        ("next-written", false),
        ("db-renamed", true),
        ("key-renamed", true),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, keys) = store_with_cases(tmp.path()).await;
        let old = key_of(&dir);
        let (code, said) = rotate_in_child(&dir, &keys.0, &format!("{step}:exit"));
        assert_eq!(
            code,
            Some(86),
            "{step}: the child did not stop there: {said}"
        );

        // The same crashed folder, opened the two ways a lead can.
        let by_passphrase = tmp.path().join("by-passphrase");
        copy_store(&dir, &by_passphrase);
        let s = Store::open(&by_passphrase, Some(&pass()), &NoKeyring)
            .await
            .unwrap_or_else(|e| panic!("{step}: with the passphrase: {e}"));
        assert_whole(&s, step).await;
        s.close().await;
        assert_no_rotation_files(&by_passphrase, step);

        let mut s = Store::open(&dir, None, &keys)
            .await
            .unwrap_or_else(|e| panic!("{step}: from the keyring: {e}"));
        assert_whole(&s, step).await;
        assert_no_rotation_files(&dir, step);
        let now_key = key_of(&dir);
        assert_eq!(now_key != old, rotated, "{step}: rotated or not");
        assert_eq!(key_of(&by_passphrase), now_key, "{step}: both ways agree");
        // The keyring was put right: the next open needs no passphrase, and holds no
        // second entry.
        assert_eq!(
            keys.entries().len(),
            1,
            "{step}: {:?}",
            keys.entries().keys()
        );
        // And the store rotates again.
        s.rotate_key(&pass(), &keys, now()).await.unwrap();
        s.close().await;
        let s = Store::open(&dir, None, &keys).await.unwrap();
        assert_whole(&s, step).await;
        s.close().await;
        assert_ne!(key_of(&dir), now_key, "{step}: the later rotation");
    }
}

#[tokio::test]
async fn rotation_needs_the_store_to_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, keys) = store_with_cases(tmp.path()).await;
    let elsewhere = Store::open(&dir, None, &keys).await.unwrap();
    let mut s = Store::open(&dir, None, &keys).await.unwrap();
    let before_key = key_of(&dir);
    let e = s.rotate_key(&pass(), &keys, now()).await.unwrap_err();
    assert_eq!(e.code(), "store.busy");
    assert!(
        e.to_string().contains("close Escalate elsewhere first"),
        "{e}"
    );
    assert_eq!(key_of(&dir), before_key);
    // Both stores carry on working.
    assert_whole(&elsewhere, "elsewhere").await;
    assert_whole(&s, "here").await;
    elsewhere.close().await;
    s.rotate_key(&pass(), &keys, now()).await.unwrap();
    assert_whole(&s, "after").await;
    s.close().await;
    assert_ne!(key_of(&dir), before_key);
}

#[tokio::test]
async fn a_wrong_passphrase_refuses_rotation_before_anything_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, keys) = store_with_cases(tmp.path()).await;
    let before = fingerprint(&dir);
    let mut s = Store::open(&dir, None, &keys).await.unwrap();
    let e = s
        .rotate_key(
            &escalate_store::Passphrase::new("wrong horse battery staple"),
            &keys,
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "key.wrong_passphrase");
    assert_whole(&s, "after a refused rotation").await;
    s.close().await;
    assert_eq!(fingerprint(&dir), before);
}
