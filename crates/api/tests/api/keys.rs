//! The store's keys and copies through the use cases: the passphrase changed, the key
//! rotated, a backup restored; each refusal changes nothing.

use escalate_api::{cases, keys, session};
use escalate_core::ErrorCode;

use crate::*;

const PASS: &str = "correct horse battery staple";

fn now() -> NaiveDateTime {
    t("2026-11-23T17:00")
}

#[tokio::test]
async fn the_passphrase_changes_and_the_key_rotates_keeping_every_case() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = store(tmp.path(), "western-bay").await;
    let dir = s.dir().to_owned();
    let r = cases::create(&s, new_case("Kept through it all"), now())
        .await
        .unwrap();
    let old = Passphrase::new(PASS);
    let new = Passphrase::new("a new and longer recovery passphrase");
    let e = keys::change_passphrase(&s, &Passphrase::new("not it at all, no"), &new, now())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::KeyWrongPassphrase);
    let e = keys::change_passphrase(&s, &old, &Passphrase::new("short"), now())
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("new_passphrase"));
    keys::change_passphrase(&s, &old, &new, now())
        .await
        .unwrap();

    let e = keys::rotate(&mut s, &old, &NoKeyring, now())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::KeyWrongPassphrase);
    keys::rotate(&mut s, &new, &NoKeyring, now()).await.unwrap();
    // Still open after the rotation, on the new key.
    assert_eq!(cases::detail(&s, &r, now()).await.unwrap().reference, r);
    session::close(s).await;

    let e = session::open(&dir, Some(&old), &NoKeyring)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::KeyWrongPassphrase);
    let s = session::open(&dir, Some(&new), &NoKeyring).await.unwrap();
    assert_eq!(cases::list(&s, true, None, now()).await.unwrap().len(), 1);
    assert!(escalate_api::settings::verify(&s).await.unwrap().ok());
    session::close(s).await;
}

#[tokio::test]
async fn a_backup_restores_into_an_empty_folder_only() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path(), "western-bay").await;
    let r = cases::create(&s, new_case("Backed up"), now())
        .await
        .unwrap();
    let file = tmp.path().join("store.backup");
    let size = keys::backup(&s, &file).await.unwrap();
    assert_eq!(size, std::fs::metadata(&file).unwrap().len());
    let pass = Passphrase::new(PASS);
    // Not over the store it came from.
    let e = keys::restore(&file, s.dir(), &pass, &NoKeyring)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::StoreNotEmpty);
    session::close(s).await;
    let e = keys::restore(
        &file,
        &tmp.path().join("wrong"),
        &Passphrase::new("not the passphrase at all"),
        &NoKeyring,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::KeyWrongPassphrase);
    assert!(!tmp.path().join("wrong").join("escalate.db").exists());
    let restored = keys::restore(&file, &tmp.path().join("restored"), &pass, &NoKeyring)
        .await
        .unwrap();
    assert_eq!(
        cases::detail(&restored, &r, now()).await.unwrap().summary,
        "Backed up"
    );
    session::close(restored).await;
}
