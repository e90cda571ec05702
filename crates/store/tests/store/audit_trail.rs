//! The audit chain shows any later edit, deletion or reordering.

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::support::*;

/// Open the raw database with the key, as someone with the key and a SQL tool could.
async fn raw(dir: &std::path::Path) -> sqlx::SqliteConnection {
    let key = key_of(dir);
    SqliteConnectOptions::new()
        .filename(dir.join("escalate.db"))
        .pragma("key", format!("\"x'{}'\"", key.expose_hex().as_str()))
        .connect()
        .await
        .unwrap()
}

/// Change the closed store's database with SQL, as a key holder could, then reopen it
/// and check the chain.
async fn tamper_and_verify(dir: &std::path::Path, sql: &str) -> escalate_store::AuditReport {
    let mut c = raw(dir).await;
    sqlx::query(sql).execute(&mut c).await.unwrap();
    c.close().await.unwrap();
    let s = escalate_store::Store::open_with_key(dir, &key_of(dir))
        .await
        .unwrap();
    let report = s.verify_audit().await.unwrap();
    s.close().await;
    report
}

async fn store_with_history() -> (Fixture, String) {
    let f = fixture().await;
    let r = f.store.create_case(new_case(CANARY), now()).await.unwrap();
    f.store
        .create_case(new_case("Second Child"), now())
        .await
        .unwrap();
    f.store.resolve(&r, "Agreed", now()).await.unwrap();
    (f, r)
}

#[tokio::test]
async fn every_change_is_in_the_chain() {
    let (f, _) = store_with_history().await;
    let report = f.store.verify_audit().await.unwrap();
    assert!(report.ok());
    assert_eq!(report.entries, 5); // store.create, identity.create, two cases, one resolution
    assert_eq!(report.head.len(), 64);
}

#[tokio::test]
async fn one_changed_byte_is_named() {
    let (f, _) = store_with_history().await;
    let dir = f.path();
    f.store.close().await;
    // Change one letter of the child's name inside the first case's recorded content
    // (entry 3: after store.create and identity.create).
    let report = tamper_and_verify(
        &dir,
        "UPDATE audit SET after = replace(after, 'Canarywhistle', 'Canarywhistlf') WHERE seq = 3",
    )
    .await;
    let broken = report.first_broken.unwrap();
    assert_eq!((broken.position, broken.seq), (3, 3));
    assert!(
        broken.reason.contains("content was changed"),
        "{}",
        broken.reason
    );
}

/// An action or entity Escalate never writes is not shown as one it knows: reading the
/// lines fails naming the entry, while verify (which hashes the columns as they are)
/// still reports where the chain breaks.
#[tokio::test]
async fn a_line_escalate_never_writes_is_refused_by_name() {
    let (f, _) = store_with_history().await;
    let dir = f.path();
    f.store.close().await;
    for (sql, said) in [
        (
            "UPDATE audit SET action = 'store.delete' WHERE seq = 1",
            "audit entry 1 has the action 'store.delete', which this version of Escalate does not write",
        ),
        (
            "UPDATE audit SET action = 'store.create', entity = 'stage_record' WHERE seq = 1",
            "audit entry 1 has the entity 'stage_record', which this version of Escalate does not write",
        ),
    ] {
        let report = tamper_and_verify(&dir, sql).await;
        let broken = report.first_broken.unwrap();
        assert_eq!((broken.position, broken.seq), (1, 1), "{sql}");
        let s = escalate_store::Store::open_with_key(&dir, &key_of(&dir))
            .await
            .unwrap();
        let e = s.audit_lines(10).await.unwrap_err();
        assert_eq!(e.code(), "database", "{sql}");
        assert!(e.to_string().contains(said), "{e}");
        assert!(e.to_string().contains("escalate audit verify"), "{e}");
        s.close().await;
    }
    // Put back as written, the lines read again and the chain holds.
    let report = tamper_and_verify(&dir, "UPDATE audit SET entity = 'profile' WHERE seq = 1").await;
    assert!(report.ok(), "{report:?}");
}

#[tokio::test]
async fn deletion_and_reordering_are_named() {
    let (f, _) = store_with_history().await;
    let dir = f.path();
    f.store.close().await;
    let report = tamper_and_verify(&dir, "DELETE FROM audit WHERE seq = 2").await;
    let broken = report.first_broken.unwrap();
    assert_eq!(broken.position, 2);

    // Renumber to close the gap: the links still break.
    let report = tamper_and_verify(&dir, "UPDATE audit SET seq = seq - 1 WHERE seq > 2").await;
    let broken = report.first_broken.unwrap();
    assert_eq!(broken.position, 2);
    assert!(
        broken.reason.contains("link to the previous entry"),
        "{}",
        broken.reason
    );
}
