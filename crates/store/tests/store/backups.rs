//! Backups are consistent, encrypted and verified before a restore puts anything in place.

use escalate_store::backup::restore;
use escalate_store::{CaseFilter, Passphrase};

use crate::support::*;

#[tokio::test]
async fn backup_while_in_use_then_restore_elsewhere() {
    let f = fixture().await;
    f.store.create_case(new_case(CANARY), now()).await.unwrap();
    let out = f.dir.path().join("backup.escalate");
    let size = f.store.backup(&out).await.unwrap();
    assert_eq!(std::fs::metadata(&out).unwrap().len(), size);
    // The store carries on being used after the backup.
    f.store
        .create_case(new_case("After Backup"), now())
        .await
        .unwrap();
    assert_eq!(
        plaintext_found(f.dir.path(), CANARY),
        Vec::<String>::new(),
        "the backup is encrypted too"
    );
    assert!(
        !f.path().join("backup-copy.db").exists(),
        "no working copy is left behind"
    );

    let target = f.dir.path().join("restored");
    let keys = MemoryKeys::default();
    let s = restore(&out, &target, &pass(), &keys).await.unwrap();
    let cases = s.list_cases(CaseFilter::All, None, now()).await.unwrap();
    assert_eq!(
        cases.len(),
        1,
        "the backup holds the store as it was when taken"
    );
    assert_eq!(cases[0].child_name, CANARY);
    assert!(s.verify_audit().await.unwrap().ok());
    assert_eq!(s.store_id(), f.store.store_id());
    assert!(!f.dir.path().join("restored.restoring").exists());
    s.close().await;
    // A restored store then opens from the keyring like any other.
    escalate_store::Store::open(&target, None, &keys)
        .await
        .unwrap();
}

#[tokio::test]
async fn damaged_backups_and_occupied_folders_are_refused() {
    let f = fixture().await;
    f.store.create_case(new_case(CANARY), now()).await.unwrap();
    let out = f.dir.path().join("backup.escalate");
    f.store.backup(&out).await.unwrap();
    assert_eq!(
        f.store.backup(&out).await.unwrap_err().code(),
        "field.invalid"
    );
    let bytes = std::fs::read(&out).unwrap();
    let keys = MemoryKeys::default();

    let tampered = f.dir.path().join("tampered.escalate");
    let mut t = bytes.clone();
    let mid = t.len() / 2;
    t[mid] ^= 0x01;
    std::fs::write(&tampered, &t).unwrap();
    let target = f.dir.path().join("t1");
    let e = restore(&tampered, &target, &pass(), &keys)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "backup.invalid");
    assert!(e.to_string().contains("checksum"), "{e}");
    assert!(!target.exists());

    let truncated = f.dir.path().join("truncated.escalate");
    std::fs::write(&truncated, &bytes[..bytes.len() - 1000]).unwrap();
    assert_eq!(
        restore(&truncated, &target, &pass(), &keys)
            .await
            .unwrap_err()
            .code(),
        "backup.invalid"
    );
    assert!(!target.exists());

    let e = restore(
        &out,
        &target,
        &Passphrase::new("wrong horse battery staple"),
        &keys,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "key.wrong_passphrase");
    assert!(!target.exists());

    // Restoring over an existing store is refused and leaves it alone.
    let before = fingerprint(&f.path());
    assert_eq!(
        restore(&out, &f.path(), &pass(), &keys)
            .await
            .unwrap_err()
            .code(),
        "store.not_empty"
    );
    assert_eq!(fingerprint(&f.path()), before);
}
