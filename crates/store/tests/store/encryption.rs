//! The store is encrypted at rest: no plaintext in any file, readable by an
//! independent SQLCipher 4 reader with the key and not without it.

use escalate_store::Store;

use crate::support::*;

#[tokio::test]
async fn no_plaintext_in_any_file_while_open_or_after_close() {
    let f = fixture().await;
    let r = f.store.create_case(new_case(CANARY), now()).await.unwrap();
    f.store
        .add_attachment(
            &r,
            "note.txt",
            "text/plain",
            format!("about {CANARY}").as_bytes(),
            now(),
        )
        .await
        .unwrap();
    f.store
        .save_draft(Some(&r), "stage-record", CANARY, now())
        .await
        .unwrap();
    let dir = f.path();
    // While open the WAL holds the new pages: every byte of every file is checked.
    assert!(std::fs::read_dir(&dir).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with("-wal")));
    assert_eq!(plaintext_found(&dir, CANARY), Vec::<String>::new());
    assert_eq!(
        plaintext_found(&dir, "Threshold for assessment"),
        Vec::<String>::new()
    );
    // The canary is really in there: a search that finds nothing proves nothing otherwise.
    assert_eq!(detail(&f.store, &r, now()).await.child_name, CANARY);
    f.store.close().await;
    assert_eq!(plaintext_found(&dir, CANARY), Vec::<String>::new());
}

#[tokio::test]
async fn an_independent_sqlcipher_reader_needs_the_key() {
    let f = fixture().await;
    f.store.create_case(new_case(CANARY), now()).await.unwrap();
    let dir = f.path();
    f.store.close().await;
    let db = dir.join("escalate.db");
    let key = key_of(&dir);
    let with =
        python_sqlcipher(&db, Some(&key.expose_hex()), "SELECT child_name FROM cases").unwrap();
    assert!(with.contains(CANARY), "{with}");
    let without = python_sqlcipher(&db, None, "SELECT child_name FROM cases").unwrap_err();
    assert!(without.contains("file is not a database"), "{without}");
    let wrong = "00".repeat(32);
    let refused = python_sqlcipher(&db, Some(&wrong), "SELECT count(*) FROM cases").unwrap_err();
    assert!(refused.contains("file is not a database"), "{refused}");
}

#[tokio::test]
async fn the_build_is_sqlcipher() {
    // The guard's other half (refusing a plain build) is a unit test in db.rs: a plain
    // build cannot be linked into the same binary.
    let f = fixture().await;
    let dir = f.path();
    let key = key_of(&dir);
    f.store.close().await;
    let s = Store::open_with_key(&dir, &key).await.unwrap();
    assert_eq!(s.integrity_check().await.unwrap(), "ok");
}
