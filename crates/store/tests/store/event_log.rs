//! The audit trail is each case's log: one entry per operation, holding the event; the
//! replay of the log is the case; the dashboard's cache and the stage records' rows
//! agree with it, and a cache changed behind the store's back is found.

use std::collections::BTreeMap;

use escalate_api::ApiError;
use escalate_core::protocol::RecordField;
use escalate_core::{builtin_protocol, Case, Event, Urgency};
use escalate_store::{CaseFilter, NewCase, StageRecordInput, Store, StoreError};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::support::*;

fn record(summary: &str) -> StageRecordInput {
    StageRecordInput {
        discussed_at: Some(t("2026-11-23T10:00")),
        summary: summary.into(),
        agreed: "Not agreed".into(),
        ..StageRecordInput::default()
    }
}

/// The raw database, keyed, as someone with the key and a SQL tool could open it.
async fn raw(dir: &std::path::Path) -> sqlx::SqliteConnection {
    SqliteConnectOptions::new()
        .filename(dir.join("escalate.db"))
        .pragma(
            "key",
            format!("\"x'{}'\"", key_of(dir).expose_hex().as_str()),
        )
        .connect()
        .await
        .unwrap()
}

/// A store holding every kind of event the store writes, and a kept attachment (a
/// case's entry that is not an event). Gives the references.
async fn every_kind_of_event(s: &Store) -> Vec<String> {
    // Western Bay: records (one with a protocol field), escalations, notifications,
    // a shorter deadline, resolution.
    let wb = s.create_case(new_case(CANARY), now()).await.unwrap();
    s.record_stage(&wb, record("Stage 1"), now()).await.unwrap();
    s.escalate(&wb, None, Some("Not resolved"), now())
        .await
        .unwrap();
    s.record_stage(&wb, record("Stage 2"), now()).await.unwrap();
    s.escalate(&wb, None, None, now()).await.unwrap();
    s.record_stage(
        &wb,
        StageRecordInput {
            extra: BTreeMap::from([(
                RecordField::new("risk-analysis").unwrap(),
                "Rising".to_owned(),
            )]),
            ..record("Stage 3")
        },
        now(),
    )
    .await
    .unwrap();
    s.mark_sent(
        &wb,
        Some(3),
        "stage-2-record-copy",
        t("2026-11-23T11:00"),
        "by email",
        now(),
    )
    .await
    .unwrap();
    s.shorten_deadline(&wb, t("2026-11-24T12:00"), "Child at risk tonight", now())
        .await
        .unwrap();
    s.add_attachment(&wb, "minutes.txt", "text/plain", b"minutes", now())
        .await
        .unwrap();
    s.resolve(&wb, "Assessment agreed", now()).await.unwrap();
    // South Gloucestershire: opened at Stage 3 for immediate risk, then escalated
    // (the immediate risk carries it past a stage).
    let sg = s
        .create_case(
            NewCase {
                protocol: Some("south-gloucestershire".into()),
                stage: Some(2),
                immediate_risk: Some("Left alone overnight".into()),
                ..new_case("Child B")
            },
            now(),
        )
        .await
        .unwrap();
    s.record_stage(&sg, record("Stage 2"), now()).await.unwrap();
    s.escalate(&sg, Some(4), Some("Risk rising"), now())
        .await
        .unwrap();
    let withdrawn = s.create_case(new_case("Child C"), now()).await.unwrap();
    s.withdraw(&withdrawn, "Raised in error", now())
        .await
        .unwrap();
    let redirected = s.create_case(new_case("Child D"), now()).await.unwrap();
    let exclusion = builtin_protocol("western-bay").unwrap().unwrap().exclusions[0]
        .id
        .clone();
    s.redirect(&redirected, &exclusion, now()).await.unwrap();
    vec![wb, sg, withdrawn, redirected]
}

#[tokio::test]
async fn replaying_the_log_reproduces_every_case() {
    let f = fixture().await;
    let refs = every_kind_of_event(&f.store).await;
    let report = f.store.check_caches().await.unwrap();
    assert!(report.ok(), "{:?}", report.first_mismatch);
    assert_eq!(report.cases, 4);

    // Every kind of event is in the logs.
    let mut kinds = std::collections::BTreeSet::new();
    for r in &refs {
        let file = f.store.case_file(r).await.unwrap();
        kinds.extend(file.events.iter().map(|e| e.event.kind()));
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "escalate",
            "mark-sent",
            "open",
            "record",
            "redirect",
            "resolve",
            "shorten-deadline",
            "withdraw"
        ]
    );

    // The cache is the replay, compared directly: the state as SQL sees it.
    let dir = f.path();
    f.store.close().await;
    let mut c = raw(&dir).await;
    let cached: Vec<(String, String, String)> =
        sqlx::query_as("SELECT reference, status, engine FROM case_state ORDER BY reference")
            .fetch_all(&mut c)
            .await
            .unwrap();
    c.close().await.unwrap();
    let store = Store::open_with_key(&dir, &key_of(&dir)).await.unwrap();
    assert_eq!(cached.len(), 4);
    for (reference, status, engine) in cached {
        let file = store.case_file(&reference).await.unwrap();
        let replayed = Case::replay(&file.protocol, file.events.iter().map(|e| &e.event)).unwrap();
        let engine: Case = serde_json::from_str(&engine).unwrap();
        assert_eq!(engine, replayed, "{reference}");
        assert_eq!(status, replayed.state.as_str(), "{reference}");
        assert_eq!(file.engine, replayed);
    }
    store.close().await;
}

/// seq, actor, action, entity, entity id, before, after.
type AuditRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

#[tokio::test]
async fn each_case_operation_is_one_entry_holding_its_event() {
    let f = fixture().await;
    let refs = every_kind_of_event(&f.store).await;
    let dir = f.path();
    let profile_name = f.store.profile().name.clone();
    f.store.close().await;
    let mut c = raw(&dir).await;
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT seq, actor, action, entity, entity_id, before, after FROM audit ORDER BY seq",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(
        actions,
        [
            "store.create",
            "identity.create",
            "case.create",
            "stage.record",
            "case.escalate",
            "stage.record",
            "case.escalate",
            "stage.record",
            "notification.sent",
            "deadline.shorten",
            "attachment.add",
            "case.resolve",
            "case.create",
            "stage.record",
            "case.escalate",
            "case.create",
            "case.withdraw",
            "case.create",
            "case.redirect",
        ]
    );
    for (seq, actor, action, entity, id, before, after) in &rows[2..] {
        assert_eq!(actor, &profile_name);
        assert_eq!(entity, "case", "{seq}");
        assert!(refs.contains(id), "{seq}");
        assert_eq!(before, &None, "{seq}: the log keeps events, not states");
        let after: serde_json::Value = serde_json::from_str(after.as_deref().unwrap()).unwrap();
        let event = match action.as_str() {
            "attachment.add" => {
                assert_eq!(after["file_name"], "minutes.txt");
                continue;
            }
            // The opening also carries the case's own text.
            "case.create" => {
                assert_eq!(after["case"]["reference"], id.as_str());
                after["event"].clone()
            }
            // A record's entry carries the whole record, every word as written.
            "stage.record" => {
                assert_eq!(after["record"]["id"], after["event"]["record"]);
                assert!(!after["record"]["summary"].as_str().unwrap().is_empty());
                after["event"].clone()
            }
            _ => after,
        };
        let event: Event = serde_json::from_value(event).unwrap();
        assert_eq!(
            escalate_store::AuditAction::for_event(&event).as_str(),
            action
        );
        // Stored normalised: where an escalation went, which record row, what was owed.
        match event {
            Event::Escalate { to_stage, .. } => assert!(to_stage.is_some()),
            Event::Record(r) => assert!(r.record.is_some()),
            // Owed to whom, as the engine saw it (this one has no timescale: no due).
            Event::MarkSent { to, note, .. } => {
                assert!(!to.is_empty());
                assert_eq!(note, "by email");
            }
            Event::ShortenDeadline { at, .. } => assert_eq!(at, Some(now())),
            Event::Resolve { outcome, .. } => assert_eq!(outcome, "Assessment agreed"),
            Event::Open { opening, .. } => assert!(opening.stage.is_some() && opening.at.is_none()),
            _ => {}
        }
    }
}

/// Change the closed store with SQL, then check its caches.
async fn tamper(f: Fixture, sql: &str) -> escalate_store::CacheReport {
    let dir = f.path();
    f.store.close().await;
    let mut c = raw(&dir).await;
    sqlx::query(sql).execute(&mut c).await.unwrap();
    c.close().await.unwrap();
    let store = Store::open_with_key(&dir, &key_of(&dir)).await.unwrap();
    let report = store.check_caches().await.unwrap();
    store.close().await;
    report
}

#[tokio::test]
async fn a_cache_changed_behind_the_stores_back_is_found() {
    let cases: [(&str, &str); 4] = [
        (
            "UPDATE case_state SET status = 'resolved' WHERE reference = 'RPD-2026-0002'",
            "case_state.status was altered outside Escalate: the log holds its value at entry",
        ),
        (
            "UPDATE case_state SET engine = replace(engine, '\"stage\":2', '\"stage\":3') WHERE reference = 'RPD-2026-0002'",
            "case_state.engine was altered outside Escalate",
        ),
        (
            "DELETE FROM stage_records WHERE id = (SELECT max(id) FROM stage_records)",
            "stage_records (record ",
        ),
        (
            "UPDATE case_state SET engine = '{' WHERE reference = 'RPD-2026-0002'",
            "case_state.engine was altered outside Escalate",
        ),
    ];
    for (sql, reason) in cases {
        let f = fixture().await;
        every_kind_of_event(&f.store).await;
        let report = tamper(f, sql).await;
        let m = report
            .first_mismatch
            .unwrap_or_else(|| panic!("not found: {sql}"));
        assert_eq!(m.reference, "RPD-2026-0002", "{sql}");
        assert!(m.reason.starts_with(reason), "{sql}: {}", m.reason);
        assert!(!m.reason.contains("Child"), "no child data: {}", m.reason);
    }
}

#[tokio::test]
async fn a_case_whose_state_cannot_be_answered_is_listed_not_lost() {
    let f = fixture().await;
    let good = f
        .store
        .create_case(new_case("Child A"), now())
        .await
        .unwrap();
    let bad = f
        .store
        .create_case(new_case("Child B"), now())
        .await
        .unwrap();
    let unreadable = f
        .store
        .create_case(new_case("Child C"), now())
        .await
        .unwrap();
    let not_a_case = f
        .store
        .create_case(new_case("Child D"), now())
        .await
        .unwrap();
    let dir = f.path();
    f.store.close().await;
    let mut c = raw(&dir).await;
    // A stage the protocol does not have, and a state that is not JSON at all.
    sqlx::query("UPDATE case_state SET engine = replace(engine, '\"stage\":1', '\"stage\":9') WHERE reference = ?")
        .bind(&bad)
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query("UPDATE case_state SET engine = '{\"oops\"' WHERE reference = ?")
        .bind(&unreadable)
        .execute(&mut c)
        .await
        .unwrap();
    // JSON, but not a case's state.
    sqlx::query("UPDATE case_state SET engine = '{}' WHERE reference = ?")
        .bind(&not_a_case)
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let store = Store::open_with_key(&dir, &key_of(&dir)).await.unwrap();
    let list = store
        .list_cases(CaseFilter::All, None, now())
        .await
        .unwrap();
    assert_eq!(list.len(), 4);
    for r in [&bad, &unreadable, &not_a_case] {
        let item = list.iter().find(|c| &c.reference == r).unwrap();
        assert_eq!(item.urgency, Urgency::Overdue { working_days: 0 }, "{r}");
        assert_eq!(item.next_due, None, "{r}");
    }
    let fine = list.iter().find(|c| c.reference == good).unwrap();
    assert_eq!(fine.child_name, "Child A");
    assert_ne!(fine.urgency, Urgency::Overdue { working_days: 0 });
    assert_eq!(fine.stage, 1);
    // The errors sort first: they need looking at.
    assert_eq!(list[3].reference, good);
    // The log itself is untouched, so the case still reads, and the check names it.
    assert!(store.case_file(&bad).await.unwrap().engine.is_open());
    assert!(!store.check_caches().await.unwrap().ok());
    store.close().await;
}

#[tokio::test]
async fn a_unit_of_work_writes_nothing_until_it_commits() {
    let f = fixture().await;
    let s = &f.store;
    let r = s.create_case(new_case("Child A"), now()).await.unwrap();
    let before = s.verify_audit().await.unwrap();

    // Dropped without a commit: rolled back.
    {
        let mut tx = s.begin_case(&r).await.unwrap();
        tx.apply(Event::Withdraw {
            at: now(),
            reason: "test".into(),
        })
        .unwrap();
    }
    // Refused by the state machine: nothing kept, the unit still usable.
    {
        let mut tx = s.begin_case(&r).await.unwrap();
        let e = tx
            .apply(Event::Escalate {
                at: now(),
                to_stage: None,
                reason: None,
                skip: None,
            })
            .unwrap_err();
        assert_eq!(e.code(), "stage.requirements_missing");
        // One event per unit.
        tx.apply(Event::Resolve {
            at: now(),
            outcome: "Agreed".into(),
        })
        .unwrap();
        let e = tx
            .apply(Event::Resolve {
                at: now(),
                outcome: "Again".into(),
            })
            .unwrap_err();
        assert_eq!(e.code(), "database");
        assert!(e.to_string().contains("applies one event"), "{e}");
    }
    // A unit with no event has nothing to log.
    let tx = s.begin_case(&r).await.unwrap();
    let e = tx.commit(now()).await.unwrap_err();
    assert_eq!(e.code(), "database");
    assert!(e.to_string().contains("without an event"), "{e}");
    assert_eq!(s.verify_audit().await.unwrap(), before);
    assert!(s.case_file(&r).await.unwrap().engine.is_open());

    // Committed: one entry, the case moved.
    let mut tx = s.begin_case(&r).await.unwrap();
    assert_eq!(tx.reference(), r);
    let case = tx
        .apply(Event::Withdraw {
            at: now(),
            reason: "Agreed informally".into(),
        })
        .unwrap();
    assert!(!case.is_open());
    let committed = tx.commit(now()).await.unwrap();
    assert_eq!(s.verify_audit().await.unwrap().entries, before.entries + 1);
    assert_eq!(s.case_file(&r).await.unwrap().engine, committed);
    assert!(matches!(
        s.begin_case("RPD-2099-0001").await,
        Err(StoreError::NoCase(_))
    ));
}

#[tokio::test]
async fn moments_outside_the_calendar_are_refused_and_change_nothing() {
    let mut f = fixture().await;
    let r = f
        .store
        .create_case(new_case("Child A"), now())
        .await
        .unwrap();
    let before = f.store.verify_audit().await.unwrap();
    let late = t("2101-01-02T09:00");
    let early = t("1989-12-31T09:00");
    let s = &f.store;
    let refused: Vec<(ApiError, &str)> = vec![
        (
            s.record_stage(
                &r,
                StageRecordInput {
                    discussed_at: Some(early),
                    ..record("x")
                },
                now(),
            )
            .await
            .unwrap_err(),
            "discussed_at",
        ),
        (
            s.record_stage(
                &r,
                StageRecordInput {
                    approved_on: Some("2101-01-01".parse().unwrap()),
                    ..record("x")
                },
                now(),
            )
            .await
            .unwrap_err(),
            "approved_on",
        ),
        (s.resolve(&r, "x", late).await.unwrap_err(), "now"),
        (s.escalate(&r, None, None, late).await.unwrap_err(), "now"),
        (
            s.shorten_deadline(&r, late, "x", now()).await.unwrap_err(),
            "due",
        ),
        (
            s.mark_sent(&r, Some(1), "x", early, "", now())
                .await
                .unwrap_err(),
            "sent_at",
        ),
        (
            s.create_case(new_case("Child B"), late).await.unwrap_err(),
            "now",
        ),
        (
            s.add_attachment(&r, "a.txt", "text/plain", b"x", late)
                .await
                .unwrap_err()
                .into(),
            "now",
        ),
        (
            s.save_draft(Some(&r), "stage-record", "{}", early)
                .await
                .unwrap_err()
                .into(),
            "now",
        ),
    ];
    for (e, field) in &refused {
        assert_eq!(e.field.as_deref(), Some(*field), "{e}");
        assert!(
            e.to_string().contains("outside the calendar's range"),
            "{field}: {e}"
        );
    }
    let e = f
        .store
        .add_closure_day("2101-01-03".parse().unwrap(), "", now())
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("day"));
    assert_eq!(f.store.verify_audit().await.unwrap(), before);
}
