//! The settings screen's use cases and the stage record's drafts, on a real store.

use chrono::NaiveDate;
use escalate_api::{cases, drafts, settings};
use escalate_core::ErrorCode;

use crate::*;

fn now() -> NaiveDateTime {
    t("2026-11-23T17:00")
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[tokio::test]
async fn the_profile_and_closure_days_change_and_deadlines_count_them() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = store(tmp.path(), "western-bay").await;
    let mut profile = s.profile().clone();
    profile.auto_lock_minutes = 5;
    profile.protocol_id = "london".into();
    let kept = settings::update_profile(&mut s, profile.clone(), now())
        .await
        .unwrap();
    assert_eq!((kept, s.profile()), (profile.clone(), &profile));
    let e = settings::update_profile(
        &mut s,
        escalate_store::Profile {
            name: String::new(),
            ..profile.clone()
        },
        now(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("name"));
    assert_eq!(s.profile(), &profile, "a refused change changes nothing");

    let opened = escalate_store::NewCase {
        opened_at: Some(t("2026-11-23T09:00")),
        // London's first stage: 5 working days.
        protocol: Some("london".into()),
        ..new_case("Counts closure days")
    };
    let r = cases::create(&s, opened, now()).await.unwrap();
    let first_due = |d: &escalate_store::CaseDetail| d.status.deadlines[0].due;
    let before = first_due(&cases::detail(&s, &r, now()).await.unwrap());
    let day = before.date().unwrap();
    let days = settings::add_closure_day(&mut s, day, "Training day", now())
        .await
        .unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!((days[0].day, days[0].note.as_str()), (day, "Training day"));
    let after = first_due(&cases::detail(&s, &r, now()).await.unwrap());
    assert!(after.date().unwrap() > day, "{before:?} then {after:?}");
    assert_eq!(settings::closure_days(&s).await.unwrap(), days);
    let e = settings::remove_closure_day(&mut s, d("2026-12-01"), now())
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("day"));
    assert!(settings::remove_closure_day(&mut s, day, now())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        first_due(&cases::detail(&s, &r, now()).await.unwrap()),
        before
    );
    s.close().await;
}

#[tokio::test]
async fn the_audit_view_checks_the_chain_and_the_caches_and_shows_the_newest() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path(), "western-bay").await;
    for n in 0..3 {
        cases::create(&s, new_case(&format!("Case {n}")), now())
            .await
            .unwrap();
    }
    let checked = settings::verify(&s).await.unwrap();
    assert!(checked.ok());
    // store.create, identity.create, and the three cases.
    assert_eq!((checked.audit.entries, checked.caches.cases), (5, 3));
    let view = settings::audit_view(&s, 2).await.unwrap();
    assert_eq!(view.verification, checked.audit);
    assert_eq!(view.caches, checked.caches);
    let seqs: Vec<i64> = view.lines.iter().map(|l| l.seq).collect();
    assert_eq!(seqs, [5, 4], "the newest first");
    s.close().await;
}

#[tokio::test]
async fn a_draft_is_kept_until_the_stage_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let s = store(tmp.path(), "western-bay").await;
    let r = cases::create(&s, new_case("Drafted"), now()).await.unwrap();
    assert_eq!(drafts::load(&s, &r).await.unwrap(), None);
    drafts::save(&s, &r, r#"{"summary":"Half"}"#, now())
        .await
        .unwrap();
    drafts::save(&s, &r, r#"{"summary":"Half written"}"#, now())
        .await
        .unwrap();
    assert_eq!(
        drafts::load(&s, &r).await.unwrap().as_deref(),
        Some(r#"{"summary":"Half written"}"#)
    );
    let e = drafts::save(&s, "RPD-2099-0001", "{}", now())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::CaseNotFound);
    cases::record_stage(&s, &r, record(1, 3, false), now())
        .await
        .unwrap();
    assert_eq!(drafts::load(&s, &r).await.unwrap(), None);
    s.close().await;
}

#[tokio::test]
async fn the_same_bank_holiday_file_twice_says_already_imported_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = store(tmp.path(), "western-bay").await;
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/calendars/bank-holidays.json");
    let first = settings::import_holidays(&mut s, &file, now())
        .await
        .unwrap();
    assert!(!first.already_imported);
    let again = settings::import_holidays(&mut s, &file, now())
        .await
        .unwrap();
    assert!(again.already_imported);
    assert_eq!(again.imports, first.imports, "no second import kept");
}
