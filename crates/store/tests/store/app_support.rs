//! What the desktop app relies on from the store: the demo store's sample cases,
//! deadline alerts that fire once, generated recovery passphrases, the audit lines.

use escalate_api::demo;
use escalate_core::Urgency;
use escalate_store::{CaseFilter, Passphrase};

use crate::support::*;

#[tokio::test]
async fn the_demo_store_has_overdue_open_and_resolved_cases_under_all_five_protocols() {
    let f = fixture().await;
    let refs = demo::populate(&f.store, now()).await.unwrap();
    let all = f
        .store
        .list_cases(CaseFilter::All, None, now())
        .await
        .unwrap();
    assert_eq!(all.len(), refs.len());
    let protocols: std::collections::BTreeSet<&str> =
        all.iter().map(|c| c.protocol_id.as_str()).collect();
    assert_eq!(protocols.len(), 5, "{protocols:?}");
    assert!(all
        .iter()
        .any(|c| c.state == "open" && matches!(c.urgency, Urgency::Overdue { .. })));
    assert!(all
        .iter()
        .any(|c| c.state == "open" && c.urgency == Urgency::OnTrack));
    assert!(all.iter().filter(|c| c.state == "resolved").count() >= 2);
    // One sample reached Stage 5 through real escalations, each with its record.
    let ffion = all.iter().find(|c| c.child_name == "Ffion Jones").unwrap();
    assert_eq!((ffion.stage, ffion.state.as_str()), (5, "resolved"));
    let detail = detail(&f.store, &ffion.reference, now()).await;
    assert_eq!(detail.records.len(), 5);
    assert!(f.store.verify_audit().await.unwrap().ok());
}

#[tokio::test]
async fn a_deadline_alerts_once_per_level_and_carries_no_child_name() {
    let f = fixture().await;
    let mut case = new_case("Rhys Bowen");
    case.protocol = Some("doncaster".into());
    case.opened_at = Some(t("2026-10-01T09:00"));
    let reference = f
        .store
        .create_case(case, t("2026-10-01T09:00"))
        .await
        .unwrap();

    let first = f.store.new_alerts(now()).await.unwrap();
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].reference, reference);
    assert_eq!(first[0].level, "overdue");
    // The alert carries the reference and when it is due, nothing about the child
    // (its words are made from these by escalate-api, tested there).
    let carried = serde_json::to_string(&first[0]).unwrap();
    assert!(carried.contains(&reference));
    assert!(!carried.contains("Rhys"));
    assert!(
        f.store.new_alerts(now()).await.unwrap().is_empty(),
        "no repeats"
    );

    // Remembered across a restart of the app.
    let dir = f.path();
    f.store.close().await;
    let store = escalate_store::Store::open(&dir, None, &f.keys)
        .await
        .unwrap();
    assert!(store.new_alerts(now()).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_case_on_track_raises_no_alert() {
    let f = fixture().await;
    f.store
        .create_case(new_case("Cerys Lloyd"), t("2026-11-23T08:30"))
        .await
        .unwrap();
    let alerts = f.store.new_alerts(t("2026-11-23T09:00")).await.unwrap();
    assert!(alerts.iter().all(|a| a.level != "overdue"), "{alerts:?}");
}

#[test]
fn generated_recovery_passphrases_are_strong_distinct_and_typeable() {
    let a = Passphrase::generate().unwrap();
    let b = Passphrase::generate().unwrap();
    assert_ne!(a.expose(), b.expose());
    for p in [&a, &b] {
        let groups: Vec<&str> = p.expose().split('-').collect();
        assert_eq!(groups.len(), 8);
        assert!(groups.iter().all(|g| g.len() == 5));
        assert!(p
            .expose()
            .chars()
            .all(|c| c == '-' || (c.is_ascii_alphanumeric() && !"01OIL".contains(c))));
        p.check_strength("passphrase").unwrap();
    }
}

#[tokio::test]
async fn audit_lines_are_newest_first_and_match_the_verified_chain() {
    let f = fixture().await;
    f.store
        .create_case(new_case("Dewi Price"), t("2026-11-23T08:30"))
        .await
        .unwrap();
    let lines = f.store.audit_lines(10).await.unwrap();
    let report = f.store.verify_audit().await.unwrap();
    assert_eq!(lines.len() as u64, report.entries);
    assert!(lines.windows(2).all(|w| w[0].seq > w[1].seq));
    let first = lines.last().unwrap();
    assert_eq!(first.action, escalate_store::AuditAction::StoreCreate);
    assert_eq!(first.entity, escalate_store::AuditEntity::Profile);
    assert_eq!(lines[0].action, escalate_store::AuditAction::CaseCreate);
    assert_eq!(lines[0].entity, escalate_store::AuditEntity::Case);
}

/// The stage record form's draft survives a refused record and goes with a kept one.
#[tokio::test]
async fn recording_the_stage_removes_its_draft_and_a_refused_record_keeps_it() {
    use escalate_store::{StageRecordInput, STAGE_RECORD_DRAFT};
    let f = fixture().await;
    let reference = f
        .store
        .create_case(new_case("Nia Hughes"), t("2026-11-23T08:30"))
        .await
        .unwrap();
    let body = r#"{"summary":"half typed"}"#;
    f.store
        .save_draft(Some(&reference), STAGE_RECORD_DRAFT, body, now())
        .await
        .unwrap();
    let refused = f
        .store
        .record_stage(&reference, StageRecordInput::default(), now())
        .await
        .unwrap_err();
    assert_eq!(refused.code, "field.invalid");
    assert_eq!(
        f.store
            .draft(Some(&reference), STAGE_RECORD_DRAFT)
            .await
            .unwrap()
            .as_deref(),
        Some(body)
    );
    f.store
        .record_stage(
            &reference,
            StageRecordInput {
                summary: "Discussed.".into(),
                agreed: "Not agreed.".into(),
                ..StageRecordInput::default()
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        f.store
            .draft(Some(&reference), STAGE_RECORD_DRAFT)
            .await
            .unwrap(),
        None
    );
}
