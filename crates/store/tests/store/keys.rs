//! Keys: the real OS keyring, the recovery passphrase, keyring faults, passphrase
//! change and key rotation. A failed open never changes any file.

use escalate_store::{KeyStore, OsKeyring, Passphrase, Store, StoreError};
use keyring::mock::MockCredential;

use crate::support::*;

fn faulty_keyring(make: fn() -> keyring::Error) -> OsKeyring {
    OsKeyring::with_entries(move |_| {
        let entry = keyring::Entry::new_with_credential(Box::new(MockCredential::default()));
        let mock: &MockCredential = entry
            .get_credential()
            .downcast_ref()
            .expect("a mock credential");
        mock.set_error(make());
        Ok(entry)
    })
}

fn require_secret_service() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests use the real Secret Service keyring: run them with `make test` or `scripts/with-keyring cargo test`"
    );
}

#[tokio::test]
async fn daily_use_unlocks_from_the_real_os_keyring() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let keys = OsKeyring::default();
    let s = Store::create(&data, profile(), &pass(), &keys, now())
        .await
        .unwrap();
    assert!(s.notices.is_empty(), "{:?}", s.notices);
    let id = s.store_id().to_owned();
    s.create_case(new_case(CANARY), now()).await.unwrap();
    s.close().await;
    // No passphrase: the key comes from gnome-keyring over D-Bus.
    let s = Store::open(&data, None, &keys).await.unwrap();
    assert_eq!(
        s.list_cases(escalate_store::CaseFilter::Open, None, now())
            .await
            .unwrap()[0]
            .child_name,
        CANARY
    );
    s.close().await;
    // A wiped keyring: the passphrase still opens, and puts the key back.
    keys.delete(&id).unwrap();
    assert!(matches!(
        Store::open(&data, None, &keys).await,
        Err(StoreError::PassphraseNeeded)
    ));
    Store::open(&data, Some(&pass()), &keys)
        .await
        .unwrap()
        .close()
        .await;
    assert!(keys.get(&id).unwrap().is_some());
    Store::open(&data, None, &keys).await.unwrap().close().await;
    keys.delete(&id).unwrap();
}

#[tokio::test]
async fn keyring_faults_say_to_use_the_passphrase_and_change_nothing() {
    let f = fixture().await;
    let dir = f.path();
    f.store.close().await;
    let before = fingerprint(&dir);
    for (fault, expect) in [
        (
            (|| keyring::Error::PlatformFailure("org.freedesktop.DBus.Error.ServiceUnknown".into()))
                as fn() -> keyring::Error,
            "no keyring service is available",
        ),
        (
            || keyring::Error::NoStorageAccess("collection is locked".into()),
            "the keyring is locked or refused access",
        ),
    ] {
        let e = Store::open(&dir, None, &faulty_keyring(fault))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "key.keyring_unavailable");
        let msg = e.to_string();
        assert!(
            msg.contains(expect) && msg.contains("recovery passphrase"),
            "{msg}"
        );
        assert_eq!(fingerprint(&dir), before);
    }
    // With the passphrase, a broken keyring does not stop the lead working.
    let s = Store::open(
        &dir,
        Some(&pass()),
        &faulty_keyring(|| keyring::Error::NoStorageAccess("locked".into())),
    )
    .await
    .unwrap();
    assert!(
        s.notices[0].contains("will ask for the passphrase again"),
        "{:?}",
        s.notices
    );
}

#[tokio::test]
async fn wrong_passphrase_and_missing_keys_change_nothing() {
    let f = fixture().await;
    let dir = f.path();
    f.store.close().await;
    let before = fingerprint(&dir);
    let e = Store::open(
        &dir,
        Some(&Passphrase::new("wrong horse battery staple")),
        &f.keys,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "key.wrong_passphrase");
    assert!(e.to_string().contains("passphrase is wrong"));
    assert_eq!(fingerprint(&dir), before);
    // A new laptop: nothing in the keyring.
    let empty = MemoryKeys::default();
    assert_eq!(
        Store::open(&dir, None, &empty).await.unwrap_err().code(),
        "key.passphrase_needed"
    );
    // A stale key from another store.
    empty
        .set(
            &escalate_store::KeyFile::read(&dir).unwrap().store_id,
            &escalate_store::DataKey::generate().unwrap(),
        )
        .unwrap();
    assert_eq!(
        Store::open(&dir, None, &empty).await.unwrap_err().code(),
        "key.passphrase_needed"
    );
    assert_eq!(fingerprint(&dir), before);
    // Nothing there at all.
    let nowhere = tempfile::tempdir().unwrap();
    assert_eq!(
        Store::open(nowhere.path(), None, &empty)
            .await
            .unwrap_err()
            .code(),
        "store.missing"
    );
}

#[tokio::test]
async fn a_newer_schema_is_refused_and_left_alone() {
    let f = fixture().await;
    let dir = f.path();
    let key = key_of(&dir);
    f.store.close().await;
    {
        use sqlx::{ConnectOptions, Connection};
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.join("escalate.db"))
            .pragma("key", format!("\"x'{}'\"", key.expose_hex().as_str()))
            .connect()
            .await
            .unwrap();
        sqlx::query("INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) VALUES (29991231000000, 'from the future', '2999-12-31', 1, x'00', 1)")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }
    let before = fingerprint(&dir);
    let e = Store::open(&dir, Some(&pass()), &f.keys).await.unwrap_err();
    assert_eq!(e.code(), "store.schema_too_new");
    assert!(e.to_string().contains("update Escalate"), "{e}");
    assert_eq!(fingerprint(&dir), before);
}

/// A store that was not closed (a crash, or a copy taken while it was open) keeps
/// committed records in SQLite's log, here a newer schema. Looking at it reads through
/// the log, and SQLite would rebuild the log's index (escalate.db-shm) as it did: the
/// refusal must leave that file, too, as it was.
#[tokio::test]
async fn a_newer_schema_still_in_the_log_is_refused_and_every_file_left_alone() {
    let f = fixture().await;
    let dir = f.path();
    let key = key_of(&dir);
    {
        // Committed while the store is open, so it stays in the log.
        use sqlx::{ConnectOptions, Connection};
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.join("escalate.db"))
            .pragma("key", format!("\"x'{}'\"", key.expose_hex().as_str()))
            .connect()
            .await
            .unwrap();
        sqlx::query("INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) VALUES (29991231000000, 'from the future', '2999-12-31', 1, x'00', 1)")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }
    let crashed = f.dir.path().join("crashed");
    copy_store(&dir, &crashed);
    f.store.close().await;
    let side: Vec<String> = names(&crashed)
        .into_iter()
        .filter(|n| n.ends_with("-wal") || n.ends_with("-shm"))
        .collect();
    assert_eq!(side, ["escalate.db-shm", "escalate.db-wal"]);
    let before = fingerprint(&crashed);
    for (how, e) in [
        (
            "passphrase",
            Store::open(&crashed, Some(&pass()), &f.keys)
                .await
                .unwrap_err(),
        ),
        (
            "key",
            Store::open_with_key(&crashed, &key).await.unwrap_err(),
        ),
    ] {
        assert_eq!(e.code(), "store.schema_too_new", "{how}: {e}");
        assert_eq!(fingerprint(&crashed), before, "{how}: a file changed");
    }
}

#[tokio::test]
async fn creating_refuses_weak_passphrases_and_existing_stores() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let e = Store::create(
        &data,
        profile(),
        &Passphrase::new("short"),
        &MemoryKeys::default(),
        now(),
    )
    .await
    .unwrap_err();
    assert!(e
        .to_string()
        .starts_with("passphrase: the recovery passphrase must be at least 12 characters"));
    assert!(!data.join("key.json").exists());
    let mut p = profile();
    p.name = "  ".into();
    assert!(
        Store::create(&data, p, &pass(), &MemoryKeys::default(), now())
            .await
            .unwrap_err()
            .to_string()
            .starts_with("name: is required")
    );
    Store::create(&data, profile(), &pass(), &MemoryKeys::default(), now())
        .await
        .unwrap()
        .close()
        .await;
    let before = fingerprint(&data);
    let e = Store::create(&data, profile(), &pass(), &MemoryKeys::default(), now())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "store.exists");
    assert_eq!(fingerprint(&data), before);
}

#[tokio::test]
async fn changing_the_passphrase_rewraps_the_same_key() {
    let f = fixture().await;
    let dir = f.path();
    let new = Passphrase::new("a much longer new recovery phrase");
    assert_eq!(
        f.store
            .change_passphrase(&Passphrase::new("wrong horse battery staple"), &new, now())
            .await
            .unwrap_err()
            .code(),
        "key.wrong_passphrase"
    );
    f.store
        .change_passphrase(&pass(), &new, now())
        .await
        .unwrap();
    f.store.close().await;
    let nobody = MemoryKeys::default();
    assert_eq!(
        Store::open(&dir, Some(&pass()), &nobody)
            .await
            .unwrap_err()
            .code(),
        "key.wrong_passphrase"
    );
    let s = Store::open(&dir, Some(&new), &nobody).await.unwrap();
    let report = s.verify_audit().await.unwrap();
    assert!(report.ok());
    assert_eq!(report.entries, 3);
}

#[tokio::test]
async fn rotating_the_key_re_encrypts_the_store() {
    let mut f = fixture().await;
    f.store.create_case(new_case(CANARY), now()).await.unwrap();
    let dir = f.path();
    let old = key_of(&dir);
    f.store.rotate_key(&pass(), &f.keys, now()).await.unwrap();
    assert_eq!(
        f.store
            .list_cases(escalate_store::CaseFilter::Open, None, now())
            .await
            .unwrap()
            .len(),
        1
    );
    f.store.close().await;
    let new = key_of(&dir);
    assert_ne!(old, new);
    let db = dir.join("escalate.db");
    let refused =
        python_sqlcipher(&db, Some(&old.expose_hex()), "SELECT count(*) FROM cases").unwrap_err();
    assert!(refused.contains("file is not a database"), "{refused}");
    assert!(
        python_sqlcipher(&db, Some(&new.expose_hex()), "SELECT child_name FROM cases")
            .unwrap()
            .contains(CANARY)
    );
    // The keyring holds the new key; daily use carries on.
    let s = Store::open(&dir, None, &f.keys).await.unwrap();
    assert!(s.verify_audit().await.unwrap().ok());
    assert!(!dir.join("key.json.next").exists());
}
