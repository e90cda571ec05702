//! The data folder and every file in it are the owner's alone; a closed store is its
//! three files and nothing else; two creations at once leave one store; a restore never
//! touches a folder it did not make.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use escalate_store::backup::restore;
use escalate_store::{CaseFilter, NoKeyring, Store};

use crate::support::*;

fn assert_private(dir: &Path, context: &str) {
    assert_eq!(mode(dir), 0o700, "{context}: {}", dir.display());
    for n in names(dir) {
        let p = dir.join(&n);
        if p.is_file() {
            assert_eq!(mode(&p), 0o600, "{context}: {n}");
        }
    }
}

#[tokio::test]
async fn store_files_backups_and_restores_are_owner_only() {
    // Whatever the umask of the program using the store (this test's is usually 022),
    // the store gives its own modes.
    let f = fixture().await;
    let r = f.store.create_case(new_case(CANARY), now()).await.unwrap();
    f.store
        .save_draft(Some(&r), "stage-record", "draft", now())
        .await
        .unwrap();
    let dir = f.path();
    // While open: escalate.db, its -wal and -shm, key.json, the lock.
    assert!(names(&dir).contains(&"escalate.db-wal".to_owned()));
    assert_private(&dir, "open");
    let out = f.dir.path().join("store.escalate");
    f.store.backup(&out).await.unwrap();
    assert_eq!(mode(&out), 0o600, "backup");
    f.store.close().await;
    assert_private(&dir, "closed");

    let target = f.dir.path().join("restored");
    let s = restore(&out, &target, &pass(), &MemoryKeys::default())
        .await
        .unwrap();
    assert_private(&target, "restored and open");
    s.close().await;
    assert_private(&target, "restored");
}

/// Closing folds SQLite's log into escalate.db and removes the -wal and -shm files
/// before it returns, however many pooled connections were busy, or still being given
/// back, when it began. sqlx closes those from several tasks at once; closed together,
/// none of them folded the log, the files stayed, and the next open (even one that
/// refused) changed them.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_store_is_three_files_however_busy_it_was() {
    const CLOSED: [&str; 3] = ["escalate.db", "escalate.lock", "key.json"];
    let f = fixture().await;
    let dir = f.path();
    let key = key_of(&dir);
    f.store.close().await;
    assert_eq!(names(&dir), CLOSED, "after creating");
    for round in 0..25 {
        let s = Store::open_with_key(&dir, &key).await.unwrap();
        let (saved, listed, integrity, audit) = tokio::join!(
            s.create_case(new_case(&format!("{CANARY} {round}")), now()),
            s.list_cases(CaseFilter::All, None, now()),
            s.integrity_check(),
            s.verify_audit(),
        );
        saved.unwrap();
        listed.unwrap();
        assert_eq!(integrity.unwrap(), "ok");
        assert!(audit.unwrap().ok());
        s.close().await;
        assert_eq!(names(&dir), CLOSED, "round {round}");
    }
}

#[tokio::test]
async fn a_store_found_too_open_is_tightened_when_it_opens() {
    let f = fixture().await;
    let dir = f.path();
    f.store.close().await;
    for p in [dir.clone(), dir.join("key.json"), dir.join("escalate.db")] {
        let m = if p.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
    }
    let s = Store::open(&dir, None, &f.keys).await.unwrap();
    assert!(s.notices.is_empty(), "silently: {:?}", s.notices);
    assert_private(&dir, "after open");
    s.close().await;
}

#[test]
fn two_creations_at_once_leave_exactly_one_store() {
    const ROUNDS: usize = 12;
    for round in 0..ROUNDS {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let results: Vec<Result<String, String>> = (0..2)
            .map(|_| {
                let dir = dir.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    barrier.wait();
                    rt.block_on(async {
                        match Store::create(&dir, profile(), &pass(), &NoKeyring, now()).await {
                            Ok(s) => {
                                let id = s.store_id().to_owned();
                                s.close().await;
                                Ok(id)
                            }
                            Err(e) => Err(e.code().as_str().to_owned()),
                        }
                    })
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        let won: Vec<&String> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        let lost: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(won.len(), 1, "round {round}: {results:?}");
        assert_eq!(lost, ["store.exists"], "round {round}: {results:?}");
        // The winner's store is whole and opens with its passphrase.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let s = Store::open(&dir, Some(&pass()), &NoKeyring)
                .await
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert_eq!(s.store_id(), won[0].as_str(), "round {round}");
            assert!(s.verify_audit().await.unwrap().ok());
            assert_eq!(s.integrity_check().await.unwrap(), "ok");
            s.close().await;
        });
    }
}

#[tokio::test]
async fn restore_never_removes_a_folder_it_did_not_make() {
    let f = fixture().await;
    f.store.create_case(new_case(CANARY), now()).await.unwrap();
    let out = f.dir.path().join("store.escalate");
    f.store.backup(&out).await.unwrap();
    let rs = f.dir.path().join("rs");
    let target = rs.join("target");
    // The old staging name, holding someone's files.
    let theirs = rs.join("target.restoring");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("notes.txt"), b"not Escalate's").unwrap();

    // A failed restore (wrong passphrase) and a good one both leave it alone.
    let e = restore(
        &out,
        &target,
        &escalate_store::Passphrase::new("wrong horse battery staple"),
        &MemoryKeys::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "key.wrong_passphrase");
    assert!(!target.exists());
    assert_eq!(names(&rs), ["target.restoring"]);
    let s = restore(&out, &target, &pass(), &MemoryKeys::default())
        .await
        .unwrap();
    assert_eq!(
        s.list_cases(CaseFilter::All, None, now()).await.unwrap()[0].child_name,
        CANARY
    );
    s.close().await;
    assert_eq!(
        std::fs::read(theirs.join("notes.txt")).unwrap(),
        b"not Escalate's"
    );
    // Nothing of the restore's own staging is left beside the target.
    assert_eq!(names(&rs), ["target", "target.restoring"]);
}
