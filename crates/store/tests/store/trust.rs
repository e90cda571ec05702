//! Issue 16 on real stores: every store has an agency identity whose secrets never
//! leave the encrypted tables (not the log, not a backup's plain bytes); a store from
//! before gets one at its first open, once; a rotation keeps the old key; the directory
//! refuses what would let one agency speak as another, logs every change, and is
//! rebuilt from the log when altered; a secret altered outside Escalate is never
//! signed with; held packages never count until accepted; a partnership bundle
//! installs whole or not at all.

use std::path::Path;

use chrono::NaiveDate;
use escalate_store::{
    BoardPackage, DataKey, DirectoryAdded, DirectoryRole, HeldPackage, HeldReason, HoldOutcome,
    ImportOutcome, PackageSigner, PartnershipInstall, Passphrase, ProtocolFile,
    ProtocolInstallOutcome, Store,
};
use escalate_trust::{Card, SigningKey};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::protocols::{west_yorkshire, west_yorkshire_revised, BANK_HOLIDAYS};
use crate::support::*;

/// The database itself, keyed, as someone with the key and a SQL tool could open it.
async fn raw(dir: &Path, key: &DataKey) -> sqlx::SqliteConnection {
    SqliteConnectOptions::new()
        .filename(dir.join("escalate.db"))
        .pragma("key", format!("\"x'{}'\"", key.expose_hex().as_str()))
        .connect()
        .await
        .unwrap()
}

async fn sql(dir: &Path, statement: &str) {
    let mut c = raw(dir, &key_of(dir)).await;
    sqlx::query(statement).execute(&mut c).await.unwrap();
    c.close().await.unwrap();
}

/// An audit row's at, actor, action, entity id, before and after.
type LogRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// Every audit row as text: every column of every entry, joined.
async fn log_text(dir: &Path, key: &DataKey) -> String {
    let mut c = raw(dir, key).await;
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT at, actor, action, entity_id, before, after FROM audit ORDER BY seq",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    rows.iter()
        .map(|r| format!("{r:?}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each entry's action, in order.
async fn actions(store: &Store) -> Vec<String> {
    store
        .audit_lines(u32::MAX)
        .await
        .unwrap()
        .iter()
        .rev()
        .map(|l| l.action.as_str().to_owned())
        .collect()
}

fn count(actions: &[String], action: &str) -> usize {
    actions.iter().filter(|a| *a == action).count()
}

/// An agency's card as `escalate identity export` makes it, with its key.
fn card(agency: &str, endorse: Option<&SigningKey>) -> (Card, SigningKey) {
    let key = SigningKey::generate().unwrap();
    let (_, recipient) = escalate_trust::new_recipient();
    let card = Card::make(
        agency,
        "Local authority",
        &key,
        &recipient,
        t("2026-11-20T09:00"),
        endorse,
    )
    .unwrap();
    (card, key)
}

#[tokio::test]
async fn a_new_store_has_an_identity_whose_secrets_are_in_no_entry() {
    let f = fixture().await;
    let id = f.store.identity().await.unwrap();
    assert!(id.previous.is_none() && id.retired.is_empty());
    assert!(id.recipient.starts_with("age1"));
    assert_eq!(id.created_at, t("2026-09-01T09:00"));
    assert_eq!(
        escalate_trust::recipient_of(&f.store.age_identity().await.unwrap()).unwrap(),
        id.recipient
    );
    // It signs, and its public half verifies what it signed.
    let sig = id
        .signing
        .sign(b"monitoring", "escalate-package/1")
        .unwrap();
    id.signing
        .public()
        .verify(
            b"monitoring",
            &escalate_trust::Signature::parse(sig.as_bytes()).unwrap(),
        )
        .unwrap();

    let lines = actions(&f.store).await;
    assert_eq!(lines[..2], ["store.create", "identity.create"]);
    let dir = f.path();
    let key = key_of(&dir);
    let secret = id.signing.secret_text().to_string();
    let age = f.store.age_identity().await.unwrap().to_string();
    f.store.close().await;
    let log = log_text(&dir, &key).await;
    assert!(
        log.contains(id.signing.public().base64()),
        "the public key is logged"
    );
    assert!(log.contains(&id.recipient));
    assert!(!log.contains(&secret), "the signing secret is in the log");
    assert!(!log.contains(&age), "the age secret is in the log");
    assert!(!log.contains("AGE-SECRET-KEY"));
    // Nor in any file in plain text: the tables holding them are encrypted.
    assert!(plaintext_found(&dir, &secret).is_empty());
    assert!(plaintext_found(&dir, &age).is_empty());
    // And never in a Debug.
    assert!(!format!("{id:?}").contains(&secret));
}

#[tokio::test]
async fn a_store_from_before_identities_gets_one_at_its_first_open_and_only_then() {
    let tmp = tempfile::tempdir().unwrap();
    let backup =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/legacy.escalate-backup");
    let dir = tmp.path().join("restored");
    let pass = Passphrase::new("legacy fixture passphrase 2026");
    let keys = MemoryKeys::default();
    let store = escalate_store::backup::restore(&backup, &dir, &pass, &keys)
        .await
        .unwrap();
    let id = store.identity().await.unwrap();
    let lines = actions(&store).await;
    assert_eq!(count(&lines, "identity.create"), 1);
    assert_eq!(lines.last().map(String::as_str), Some("identity.create"));
    let entries = store.verify_audit().await.unwrap();
    assert!(entries.ok());
    store.close().await;

    let store = Store::open(&dir, Some(&pass), &keys).await.unwrap();
    assert_eq!(
        store.verify_audit().await.unwrap(),
        entries,
        "nothing appended"
    );
    let again = store.identity().await.unwrap();
    assert_eq!(again.signing.public(), id.signing.public());
    assert_eq!(again.recipient, id.recipient);
    assert!(store.directory().await.unwrap().is_empty());
    assert!(store.check_caches().await.unwrap().ok());
    // Dated as of the last entry: a later write at the old time is still in order.
    store
        .resolve("RPD-2026-0006", "Agreed with the Trust", now())
        .await
        .unwrap();
    store.close().await;
}

#[tokio::test]
async fn a_rotation_keeps_the_old_key_retired_and_is_logged() {
    let f = fixture().await;
    let old = f.store.identity().await.unwrap();
    let at = t("2026-11-23T10:00");
    let new = f.store.rotate_signing_key(at).await.unwrap();
    assert_ne!(new.signing.public(), old.signing.public());
    assert_eq!(new.created_at, at);
    assert_eq!(new.recipient, old.recipient, "the age identity stays");
    assert_eq!(
        new.previous.as_ref().map(|k| k.public().clone()),
        Some(old.signing.public().clone())
    );
    assert_eq!(new.retired.len(), 1);
    assert_eq!(&new.retired[0].public, old.signing.public());
    assert_eq!(new.retired[0].retired_at, at);
    // The new card, endorsed by the old key, verifies.
    let card = Card::make(
        "Ysgol Gyfun Bryn",
        "Schools",
        &new.signing,
        &new.recipient,
        at,
        new.previous.as_ref(),
    )
    .unwrap();
    card.verify().unwrap();

    let lines = f.store.audit_lines(1).await.unwrap();
    assert_eq!(lines[0].action.as_str(), "identity.rotate");
    assert_eq!(lines[0].entity_id, new.signing.public().key_id());

    // A second rotation: both retired keys listed, oldest first.
    let third = f
        .store
        .rotate_signing_key(t("2026-11-24T10:00"))
        .await
        .unwrap();
    assert_eq!(third.retired.len(), 2);
    assert_eq!(&third.retired[0].public, old.signing.public());
    assert_eq!(&third.retired[1].public, new.signing.public());

    // The tables are the log's: reopening reports nothing.
    let f = f.reopen().await;
    assert!(f.store.notices.is_empty(), "{:?}", f.store.notices);
    let reopened = f.store.identity().await.unwrap();
    assert_eq!(reopened.signing.public(), third.signing.public());
    assert_eq!(reopened.retired, third.retired);
    assert!(f.store.verify_audit().await.unwrap().ok());
}

#[tokio::test]
async fn the_directory_refuses_one_agency_speaking_as_another_and_logs_every_change() {
    let f = fixture().await;
    let s = &f.store;
    let at = now();
    let (swansea, swansea_key) = card("Swansea Children's Services", None);
    let added = s
        .directory_add(&swansea, DirectoryRole::Agency, at)
        .await
        .unwrap();
    let DirectoryAdded::Added(entry) = &added else {
        panic!("{added:?}")
    };
    assert_eq!(entry.agency, "Swansea Children's Services");
    assert_eq!(entry.fingerprint, swansea.fingerprint().unwrap());
    assert_eq!(entry.key_id, swansea.key_id().unwrap());
    assert_eq!(entry.role, DirectoryRole::Agency);
    let before = actions(s).await.len();

    // The same card again: nothing changes.
    let again = s
        .directory_add(&swansea, DirectoryRole::Agency, at)
        .await
        .unwrap();
    assert_eq!(again, DirectoryAdded::AlreadyPresent(entry.clone()));
    assert_eq!(actions(s).await.len(), before);

    // Another key under the same name, not endorsed: refused.
    let (impostor, _) = card("Swansea Children's Services", None);
    let e = s
        .directory_add(&impostor, DirectoryRole::Agency, at)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "field.invalid");
    assert_eq!(e.field(), Some("card"));
    assert!(
        e.to_string()
            .contains("already in the directory with another key"),
        "{e}"
    );
    assert!(e.to_string().contains("revoke it first"), "{e}");

    // The same key under another name: refused.
    let mut renamed = Card::make(
        "Neath Port Talbot Children's Services",
        "Local authority",
        &swansea_key,
        &swansea.recipient,
        swansea.created_at,
        None,
    )
    .unwrap();
    let e = s
        .directory_add(&renamed, DirectoryRole::Agency, at)
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("card"), "{e}");

    // A card that does not verify is refused, though the caller should have checked.
    renamed.sector = "Police".into();
    let e = s
        .directory_add(&renamed, DirectoryRole::Agency, at)
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("card"), "{e}");
    assert_eq!(actions(s).await.len(), before, "nothing refused was logged");

    // A new key endorsed by the current one: a rotation, both kept.
    let (rotated, _) = card("Swansea Children's Services", Some(&swansea_key));
    let r = s
        .directory_add(&rotated, DirectoryRole::Agency, at)
        .await
        .unwrap();
    assert!(matches!(r, DirectoryAdded::Rotated(_)), "{r:?}");
    assert_eq!(s.directory().await.unwrap().len(), 2);

    // Revoking: every key of the agency, from the day given.
    let from = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    assert_eq!(
        s.directory_revoke("Swansea Children's Services", from, None, at)
            .await
            .unwrap()
            .keys,
        2
    );
    assert!(s
        .directory()
        .await
        .unwrap()
        .iter()
        .all(|d| d.revoked_from == Some(from)));
    let e = s
        .directory_revoke("Swansea", from, None, at)
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("agency"));
    assert!(e.to_string().contains("`escalate directory list`"), "{e}");
    // Revoked, the agency may be trusted again with a new key; the old is not taken back.
    let (fresh, _) = card("Swansea Children's Services", None);
    assert!(matches!(
        s.directory_add(&fresh, DirectoryRole::Agency, at)
            .await
            .unwrap(),
        DirectoryAdded::Added(_)
    ));
    assert!(s
        .directory_add(&swansea, DirectoryRole::Agency, at)
        .await
        .is_err());

    // The Board: one anchor; a new Board card must be endorsed by it.
    let (board, board_key) = card("Western Bay Safeguarding Board", None);
    assert!(matches!(
        s.directory_add(&board, DirectoryRole::Board, at)
            .await
            .unwrap(),
        DirectoryAdded::Added(_)
    ));
    let (other_board, _) = card("Another Board", None);
    let e = s
        .directory_add(&other_board, DirectoryRole::Board, at)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("endorsed by it"), "{e}");
    let (next_board, _) = card("Western Bay Safeguarding Board", Some(&board_key));
    assert!(matches!(
        s.directory_add(&next_board, DirectoryRole::Board, at)
            .await
            .unwrap(),
        DirectoryAdded::Rotated(_)
    ));
    assert_eq!(
        s.board_anchor().await.unwrap().map(|e| e.signing_key),
        Some(next_board.signing_key.clone()),
        "the endorsed card is the anchor now"
    );

    let lines = actions(s).await;
    assert_eq!(count(&lines, "directory.add"), 5);
    assert_eq!(count(&lines, "directory.revoke"), 1);
    let f = f.reopen().await;
    assert!(f.store.notices.is_empty(), "{:?}", f.store.notices);
    assert!(f.store.verify_audit().await.unwrap().ok());
}

#[tokio::test]
async fn a_directory_altered_outside_escalate_is_reported_and_rebuilt_from_the_log() {
    let f = fixture().await;
    let (swansea, _) = card("Swansea Children's Services", None);
    f.store
        .directory_add(&swansea, DirectoryRole::Agency, now())
        .await
        .unwrap();
    f.store
        .directory_revoke(
            "Swansea Children's Services",
            NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            None,
            now(),
        )
        .await
        .unwrap();
    let kept = f.store.directory().await.unwrap();
    let dir = f.path();
    f.store.close().await;

    // Someone with the key un-revokes the agency and swaps in their own key.
    let (forged, _) = card("Swansea Children's Services", None);
    sql(
        &dir,
        &format!(
            "UPDATE directory SET revoked_from = NULL, signing_key = '{}'",
            forged.signing_key
        ),
    )
    .await;
    let keys = MemoryKeys::default();
    let store = Store::open(&dir, Some(&pass()), &keys).await.unwrap();
    let notice = store.notices.join("\n");
    assert!(notice.contains("directory.revoked_from"), "{notice}");
    assert!(notice.contains("directory.signing_key"), "{notice}");
    assert_eq!(
        store.directory().await.unwrap(),
        kept,
        "rebuilt from the log"
    );
    assert_eq!(
        store.audit_lines(1).await.unwrap()[0].action.as_str(),
        "integrity.altered"
    );
    store.close().await;
    let store = Store::open(&dir, Some(&pass()), &keys).await.unwrap();
    assert!(store.notices.is_empty(), "{:?}", store.notices);
    store.close().await;
}

#[tokio::test]
async fn an_identity_secret_altered_outside_escalate_is_never_signed_with() {
    let f = fixture().await;
    let dir = f.path();
    f.store.close().await;
    let other = SigningKey::generate().unwrap();
    sql(
        &dir,
        &format!(
            "UPDATE identity_keys SET signing_secret = '{}'",
            other.secret_text().as_str()
        ),
    )
    .await;
    let keys = MemoryKeys::default();
    let store = Store::open(&dir, Some(&pass()), &keys).await.unwrap();
    assert!(
        store
            .notices
            .join("\n")
            .contains("identity_keys.signing_secret"),
        "{:?}",
        store.notices
    );
    let e = store.identity().await.unwrap_err();
    assert_eq!(e.code(), "identity.altered");
    assert!(!e.to_string().contains(other.secret_text().as_str()));
    assert!(store.rotate_signing_key(now()).await.is_err());
    let entries = store.verify_audit().await.unwrap().entries;
    store.close().await;
    // Reported once: the next open does not log it again.
    let store = Store::open(&dir, Some(&pass()), &keys).await.unwrap();
    assert_eq!(store.verify_audit().await.unwrap().entries, entries);
    assert_eq!(
        store.identity().await.unwrap_err().code(),
        "identity.altered"
    );
    store.close().await;

    // The age secret likewise.
    let (age, _) = escalate_trust::new_recipient();
    sql(
        &dir,
        &format!(
            "UPDATE identity_recipient SET age_secret = '{}'",
            age.as_str()
        ),
    )
    .await;
    let store = Store::open(&dir, Some(&pass()), &keys).await.unwrap();
    assert!(
        store
            .notices
            .join("\n")
            .contains("identity_recipient.age_secret"),
        "{:?}",
        store.notices
    );
    assert_eq!(
        store.age_identity().await.unwrap_err().code(),
        "identity.altered"
    );
    store.close().await;
}

#[tokio::test]
async fn a_backup_restored_elsewhere_has_the_same_identity_and_directory() {
    let f = fixture().await;
    let (swansea, _) = card("Swansea Children's Services", None);
    f.store
        .directory_add(&swansea, DirectoryRole::Agency, now())
        .await
        .unwrap();
    let id = f.store.identity().await.unwrap();
    let age = f.store.age_identity().await.unwrap();
    let out = f.dir.path().join("backup.escalate");
    f.store.backup(&out).await.unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let keys = MemoryKeys::default();
    let restored =
        escalate_store::backup::restore(&out, &elsewhere.path().join("data"), &pass(), &keys)
            .await
            .unwrap();
    let back = restored.identity().await.unwrap();
    assert_eq!(back.signing.public(), id.signing.public());
    assert_eq!(
        back.signing.secret_text().as_str(),
        id.signing.secret_text().as_str()
    );
    assert_eq!(back.recipient, id.recipient);
    assert_eq!(restored.age_identity().await.unwrap(), age);
    assert_eq!(
        restored.directory().await.unwrap(),
        f.store.directory().await.unwrap()
    );
    restored.close().await;
}

fn package(reference: &str, file_sha256: &str) -> BoardPackage {
    BoardPackage {
        file_name: format!("{reference}.escalate-export"),
        file_sha256: file_sha256.into(),
        source_agency: "Ysgol Gyfun Bryn".into(),
        reference: reference.into(),
        exported_at: t("2026-11-20T12:00"),
        monitoring: r#"{"reference":"x"}"#.into(),
        pdf: b"%PDF-1.7".to_vec(),
        protocol: None,
    }
}

/// A package's manifest as the sender signed it (the store reads its id and time).
fn manifest(id: &str, key_id: &str, created_at: &str) -> String {
    serde_json::json!({
        "format": "escalate-package/1",
        "id": id,
        "sender": {"agency": "Ysgol Gyfun Bryn", "key_id": key_id, "signing_key": "RWQ"},
        "recipients": [],
        "passphrase": false,
        "created_at": created_at,
        "files": [],
    })
    .to_string()
}

/// A manifest id for a reference: one package, however often sealed.
fn manifest_id(reference: &str) -> String {
    format!("{:0>32}", reference.replace(['R', 'P', 'D', '-'], ""))
}

fn held(reference: &str, file_sha256: &str) -> HeldPackage {
    HeldPackage {
        package: package(reference, file_sha256),
        manifest: Some(manifest(
            &manifest_id(reference),
            "0123456789ABCDEF",
            "2026-11-20T12:00:00",
        )),
        signature: Some("untrusted comment: x".into()),
        signing_key: Some("RWQ".into()),
        key_id: Some("0123456789ABCDEF".into()),
        fingerprint: Some("7F3A 91C2 0B44 E1D9 5A60".into()),
        reason: HeldReason::UnknownSigner,
    }
}

#[tokio::test]
async fn held_packages_never_count_until_accepted() {
    let f = fixture().await;
    let s = &f.store;
    let at = now();
    let out = s
        .board_hold(
            &[held("RPD-2026-0001", "aa"), held("RPD-2026-0001", "aa")],
            at,
        )
        .await
        .unwrap();
    assert_eq!(out, [HoldOutcome::Held, HoldOutcome::Duplicate]);
    assert!(s.board_packages().await.unwrap().is_empty());
    assert!(s.board_current().await.unwrap().is_empty());
    let list = s.board_held().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].reason, HeldReason::UnknownSigner);
    assert_eq!(list[0].key_id.as_deref(), Some("0123456789ABCDEF"));
    let whole = s.board_held_package(list[0].id).await.unwrap();
    assert_eq!(whole.package.pdf, b"%PDF-1.7");
    assert!(whole
        .manifest
        .as_deref()
        .is_some_and(|m| m.contains(&manifest_id("RPD-2026-0001"))));

    // An unsigned one too; a file already counted is a duplicate, not held.
    s.board_import(&[(package("RPD-2026-0002", "bb"), None)], at)
        .await
        .unwrap();
    let mut unsigned = held("RPD-2026-0003", "cc");
    unsigned.reason = HeldReason::Unsigned;
    let out = s
        .board_hold(&[held("RPD-2026-0002", "bb"), unsigned], at)
        .await
        .unwrap();
    assert_eq!(out, [HoldOutcome::Duplicate, HoldOutcome::Held]);
    assert_eq!(s.board_packages().await.unwrap().len(), 1);

    // Accepted: counted as an import would count it, and no longer held.
    assert_eq!(
        s.board_accept(list[0].id, at).await.unwrap(),
        ImportOutcome::New
    );
    let counted = s.board_packages().await.unwrap();
    assert_eq!(counted.len(), 2);
    assert!(counted
        .iter()
        .any(|p| p.reference == "RPD-2026-0001" && p.current));
    assert_eq!(s.board_held().await.unwrap().len(), 1);
    let e = s.board_accept(list[0].id, at).await.unwrap_err();
    assert_eq!(e.field(), Some("id"));
    assert_eq!(
        s.board_hold(&[held("RPD-2026-0001", "aa")], at)
            .await
            .unwrap(),
        [HoldOutcome::Duplicate]
    );
    let lines = actions(s).await;
    assert_eq!(count(&lines, "board.hold"), 2);
    assert_eq!(count(&lines, "board.accept"), 1);
    assert_eq!(count(&lines, "board.import"), 2);

    // One carrying another text of a protocol version the store holds is not counted,
    // and stays held rather than be lost.
    let shipped = s
        .installed_protocols()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.id == "western-bay")
        .unwrap();
    let mut rival = held("RPD-2026-0009", "dd");
    rival.package.protocol = Some(escalate_core::model::PackageProtocol {
        id: shipped.id,
        version: shipped.version,
        sha256: "00".repeat(32),
        text: "not the shipped text".into(),
    });
    s.board_hold(&[rival], at).await.unwrap();
    let id = s.board_held().await.unwrap().last().unwrap().id;
    let entries = s.verify_audit().await.unwrap().entries;
    assert_eq!(
        s.board_accept(id, at).await.unwrap(),
        ImportOutcome::ProtocolConflict
    );
    assert_eq!(
        s.board_held_package(id).await.unwrap().package.reference,
        "RPD-2026-0009"
    );
    assert_eq!(s.board_packages().await.unwrap().len(), 2);
    assert_eq!(s.verify_audit().await.unwrap().entries, entries);
}

fn bundle(protocols: Vec<(&str, String)>, calendar: bool) -> (PartnershipInstall, Card) {
    let (board, _) = card("Western Bay Safeguarding Board", None);
    let (swansea, _) = card("Swansea Children's Services", None);
    (
        PartnershipInstall {
            bundle_id: "0123456789abcdef0123456789abcdef".into(),
            created_at: "2026-11-20T09:00:00".parse().unwrap(),
            board: board.clone(),
            cards: vec![swansea],
            protocols: protocols
                .into_iter()
                .map(|(name, text)| ProtocolFile {
                    file_name: name.into(),
                    text,
                })
                .collect(),
            calendar: calendar.then(|| ("bank-holidays.json".into(), BANK_HOLIDAYS.into())),
        },
        board,
    )
}

#[tokio::test]
async fn a_partnership_bundle_installs_whole_or_not_at_all() {
    let mut f = fixture().await;
    f.store
        .install_protocol("west-yorkshire.toml", &west_yorkshire(), now())
        .await
        .unwrap();
    let installed = f.store.installed_protocols().await.unwrap();
    let entries = f.store.verify_audit().await.unwrap().entries;

    // Its second protocol is another text of a version already installed: nothing of
    // the bundle is kept, not the cards, not the first protocol, not the calendar.
    let conflicting = format!("# edited\n{}", west_yorkshire());
    let (p, _) = bundle(
        vec![
            ("west-yorkshire-2026.toml", west_yorkshire_revised()),
            ("west-yorkshire.toml", conflicting),
        ],
        true,
    );
    let e = f.store.install_partnership(p, now()).await.unwrap_err();
    assert_eq!(e.code(), "protocol.version_exists", "{e}");
    assert!(f.store.directory().await.unwrap().is_empty());
    assert_eq!(f.store.board_anchor().await.unwrap(), None);
    assert_eq!(f.store.installed_protocols().await.unwrap(), installed);
    assert!(f.store.holiday_imports().await.unwrap().is_empty());
    assert!(f.store.holiday_data().is_none());
    assert_eq!(f.store.verify_audit().await.unwrap().entries, entries);

    // A good bundle: the version held already is skipped, the new one installed.
    let (p, board) = bundle(
        vec![
            ("west-yorkshire-2026.toml", west_yorkshire_revised()),
            ("west-yorkshire.toml", west_yorkshire()),
        ],
        true,
    );
    let again = p.clone();
    let done = f.store.install_partnership(p, now()).await.unwrap();
    let outcomes: Vec<ProtocolInstallOutcome> = done.protocols.iter().map(|p| p.2).collect();
    assert_eq!(
        outcomes,
        [
            ProtocolInstallOutcome::Installed,
            ProtocolInstallOutcome::AlreadyInstalled
        ]
    );
    assert_eq!(done.protocols[0].0, "west-yorkshire");
    assert!(done.calendar_imported);
    assert_eq!(done.cards_added, 1);
    assert_eq!(done.board.role, DirectoryRole::Board);
    assert_eq!(done.board.signing_key, board.signing_key);
    assert!(
        f.store.holiday_data().is_some(),
        "the calendar is the store's now"
    );
    assert_eq!(f.store.directory().await.unwrap().len(), 2);
    let versions: Vec<(String, bool)> = f
        .store
        .installed_protocols()
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.id == "west-yorkshire")
        .map(|p| (p.version, p.current))
        .collect();
    assert_eq!(
        versions,
        [
            ("Amended December 2019 (as retrieved)".to_owned(), false),
            ("Revised 2026".to_owned(), true)
        ]
    );
    let lines = actions(&f.store).await;
    assert_eq!(count(&lines, "partnership.install"), 1);
    assert_eq!(
        lines.last().map(String::as_str),
        Some("partnership.install")
    );

    // The same bundle again: nothing more is installed or imported.
    let done = f.store.install_partnership(again, now()).await.unwrap();
    assert!(done
        .protocols
        .iter()
        .all(|p| p.2 == ProtocolInstallOutcome::AlreadyInstalled));
    assert!(!done.calendar_imported);
    assert_eq!(done.cards_added, 0);
    assert_eq!(f.store.holiday_imports().await.unwrap().len(), 1);

    // An older bundle, replayed after a later one, is refused whole: it could make an
    // older protocol version current again.
    let (mut older, _) = bundle(vec![], false);
    older.bundle_id = "fedcba9876543210fedcba9876543210".into();
    older.created_at = "2026-11-19T09:00:00".parse().unwrap();
    let entries = f.store.verify_audit().await.unwrap().entries;
    let e = f.store.install_partnership(older, now()).await.unwrap_err();
    assert_eq!(e.code(), "bundle.invalid", "{e}");
    assert_eq!(e.field(), Some("bundle"));
    assert_eq!(f.store.verify_audit().await.unwrap().entries, entries);

    // What it installed is the log's: reopening reports nothing.
    let f = f.reopen().await;
    assert!(f.store.notices.is_empty(), "{:?}", f.store.notices);
    assert!(f.store.verify_audit().await.unwrap().ok());
    assert!(f.store.holiday_data().is_some());
}

#[tokio::test]
async fn identity_public_columns_altered_outside_escalate_are_rebuilt_from_the_log() {
    let f = fixture().await;
    f.store.rotate_signing_key(now()).await.unwrap();
    let id = f.store.identity().await.unwrap();
    let dir = f.path();
    f.store.close().await;
    // The two keys' public columns swapped, and the current one marked retired: the
    // secrets are untouched, so each row is still found by the key it holds.
    for statement in [
        "UPDATE identity_keys SET signing_key = 'x' || signing_key, retired_at = '2026-01-01T00:00:00'",
        "UPDATE identity_keys SET signing_key = (SELECT substr(o.signing_key, 2) FROM identity_keys o WHERE o.id <> identity_keys.id)",
    ] {
        sql(&dir, statement).await;
    }
    let keys = MemoryKeys::default();
    let store = Store::open(&dir, Some(&pass()), &keys).await.unwrap();
    let notice = store.notices.join("\n");
    assert!(notice.contains("identity_keys.signing_key"), "{notice}");
    assert!(notice.contains("identity_keys.retired_at"), "{notice}");
    assert!(!notice.contains("signing_secret"), "{notice}");
    let back = store.identity().await.unwrap();
    assert_eq!(back.signing.public(), id.signing.public());
    assert_eq!(back.retired, id.retired);
    store.close().await;
    let store = Store::open(&dir, Some(&pass()), &keys).await.unwrap();
    assert!(store.notices.is_empty(), "{:?}", store.notices);
    store.close().await;
}

#[tokio::test]
async fn a_rotation_retires_the_endorsing_key_from_the_new_cards_day_and_one_key_can_be_revoked() {
    let f = fixture().await;
    let s = &f.store;
    let at = now();
    let (old, old_key) = card("Swansea Children's Services", None);
    s.directory_add(&old, DirectoryRole::Agency, at)
        .await
        .unwrap();
    let (new, _) = card("Swansea Children's Services", Some(&old_key));
    assert!(matches!(
        s.directory_add(&new, DirectoryRole::Agency, at)
            .await
            .unwrap(),
        DirectoryAdded::Rotated(_)
    ));
    let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let revoked_from = |key: &str, dir: &[escalate_store::DirectoryEntry]| {
        dir.iter()
            .find(|e| e.signing_key == key)
            .map(|e| e.revoked_from)
    };
    let dir = s.directory().await.unwrap();
    assert_eq!(
        revoked_from(&old.signing_key, &dir),
        Some(Some(day)),
        "the old key signs nothing believed from the new card's day"
    );
    assert_eq!(revoked_from(&new.signing_key, &dir), Some(None));

    // One key of an agency: the other stays trusted.
    let (police, police_key) = card("South Wales Police", None);
    s.directory_add(&police, DirectoryRole::Agency, at)
        .await
        .unwrap();
    let (police_next, _) = card("South Wales Police", Some(&police_key));
    s.directory_add(&police_next, DirectoryRole::Agency, at)
        .await
        .unwrap();
    let next_id = police_next.key_id().unwrap();
    let from = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let r = s
        .directory_revoke("South Wales Police", from, Some(&next_id), at)
        .await
        .unwrap();
    assert_eq!(r.keys, 1);
    let dir = s.directory().await.unwrap();
    assert_eq!(
        revoked_from(&police_next.signing_key, &dir),
        Some(Some(from))
    );
    assert_eq!(
        revoked_from(&police.signing_key, &dir),
        Some(Some(day)),
        "the rotated-out key keeps its earlier day"
    );
    let e = s
        .directory_revoke("South Wales Police", from, Some(&old.key_id().unwrap()), at)
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("key"), "{e}");
    assert!(e.to_string().contains("`escalate directory list`"), "{e}");

    // Both are facts of the log: an open replays them and reports nothing altered, and
    // the entry names the one key.
    let text = log_text(&f.path(), &key_of(&f.path())).await;
    assert!(
        text.contains(&format!("\\\"key_id\\\":\\\"{next_id}\\\"")),
        "{text}"
    );
    let expected = s.directory().await.unwrap();
    let f = f.reopen().await;
    assert!(f.store.notices.is_empty(), "{:?}", f.store.notices);
    assert!(f.store.verify_audit().await.unwrap().ok());
    let dir = f.path();
    f.store.close().await;
    // Altered outside Escalate, the revocations are rebuilt from the log as they were.
    sql(&dir, "UPDATE directory SET revoked_from = NULL").await;
    let keys = MemoryKeys::default();
    let store = Store::open(&dir, Some(&pass()), &keys).await.unwrap();
    let notice = store.notices.join("\n");
    assert!(notice.contains("directory.revoked_from"), "{notice}");
    assert_eq!(store.directory().await.unwrap(), expected);
    store.close().await;
}

fn signer(reference: &str, key_id: &str, created_at: &str) -> PackageSigner {
    PackageSigner {
        key_id: key_id.into(),
        manifest: manifest(&manifest_id(reference), key_id, created_at),
        signature: "untrusted comment: signature from minisign secret key".into(),
    }
}

#[tokio::test]
async fn a_counted_package_remembers_its_signer_and_a_revocation_lists_what_it_signed_from_the_day()
{
    let f = fixture().await;
    let s = &f.store;
    let at = now();
    let (bryn, _) = card("Ysgol Gyfun Bryn", None);
    s.directory_add(&bryn, DirectoryRole::Agency, at)
        .await
        .unwrap();
    let key_id = bryn.key_id().unwrap();
    let mut early = package("RPD-2026-0001", "aa");
    early.exported_at = t("2026-11-10T12:00");
    let late = package("RPD-2026-0002", "bb");
    s.board_import(
        &[
            (
                early,
                Some(signer("RPD-2026-0001", &key_id, "2026-11-10T12:00:00")),
            ),
            (
                late,
                Some(signer("RPD-2026-0002", &key_id, "2026-11-20T12:00:00")),
            ),
            (package("RPD-2026-0003", "cc"), None),
        ],
        at,
    )
    .await
    .unwrap();
    let counted = s.board_packages().await.unwrap();
    let signed_by = |r: &str| {
        counted
            .iter()
            .find(|p| p.reference == r)
            .and_then(|p| p.signer_key_id.clone())
    };
    assert_eq!(signed_by("RPD-2026-0001"), Some(key_id.clone()));
    assert_eq!(signed_by("RPD-2026-0003"), None, "unsigned: no signer");

    // The log names the signer, not the manifest.
    let text = log_text(&f.path(), &key_of(&f.path())).await;
    assert!(
        text.lines()
            .any(|l| l.contains("\"board.import\"") && l.contains(&key_id)),
        "{text}"
    );
    assert!(!text.contains(&manifest_id("RPD-2026-0002")), "{text}");

    // The same signed manifest sealed again in another file is not counted twice.
    let mut again = package("RPD-2026-0002", "b2");
    again.exported_at = t("2026-11-21T12:00");
    assert_eq!(
        s.board_import(
            &[(
                again,
                Some(signer("RPD-2026-0002", &key_id, "2026-11-20T12:00:00"))
            )],
            at
        )
        .await
        .unwrap(),
        [ImportOutcome::Duplicate]
    );

    // Revoked from the 15th: the package signed on the 20th is listed, the one from the
    // 10th is not, and neither is uncounted by the revocation itself.
    let r = s
        .directory_revoke(
            "Ysgol Gyfun Bryn",
            NaiveDate::from_ymd_opt(2026, 11, 15).unwrap(),
            None,
            at,
        )
        .await
        .unwrap();
    assert_eq!(r.keys, 1);
    let listed: Vec<&str> = r.counted.iter().map(|p| p.reference.as_str()).collect();
    assert_eq!(listed, ["RPD-2026-0002"]);
    assert_eq!(r.counted[0].signer_key_id.as_deref(), Some(key_id.as_str()));
    assert_eq!(s.board_packages().await.unwrap().len(), 3);
}

#[tokio::test]
async fn the_same_package_sealed_again_is_held_once_whatever_its_file_hash() {
    let f = fixture().await;
    let s = &f.store;
    let at = now();
    let out = s
        .board_hold(
            &[held("RPD-2026-0001", "aa"), held("RPD-2026-0001", "a2")],
            at,
        )
        .await
        .unwrap();
    assert_eq!(out, [HoldOutcome::Held, HoldOutcome::Duplicate]);
    assert_eq!(s.board_held().await.unwrap().len(), 1);

    // Counted (accepted, keeping its manifest), it is not held again either.
    let id = s.board_held().await.unwrap()[0].id;
    s.board_accept(id, at).await.unwrap();
    assert_eq!(
        s.board_packages().await.unwrap()[0]
            .signer_key_id
            .as_deref(),
        Some("0123456789ABCDEF"),
        "an accepted signed package keeps who signed it"
    );
    assert_eq!(
        s.board_hold(&[held("RPD-2026-0001", "a3")], at)
            .await
            .unwrap(),
        [HoldOutcome::Duplicate]
    );
    assert!(s.board_held().await.unwrap().is_empty());
}
