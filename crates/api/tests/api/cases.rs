//! One case in full and its chronology, made from the store's one load of the case
//! (its file): the words are made here, never in the store. Real stores on disk.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDateTime;
use escalate_api::{cases, present};

use crate::Lead;
use escalate_core::protocol::RecordField;
use escalate_core::ErrorCode;
use escalate_core::{CalendarId, Sector};
use escalate_store::{
    ChronologyKind, NewCase, NoKeyring, Participant, Passphrase, Profile, StageRecordInput, Store,
};

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

fn now() -> NaiveDateTime {
    t("2026-11-23T17:00")
}

async fn store(dir: &Path) -> Store {
    let profile = Profile {
        name: "Alex Morgan".into(),
        designation: "Designated Safeguarding Lead".into(),
        agency: "Ysgol Gyfun Bryn".into(),
        sector: Sector::Schools,
        protocol_id: "western-bay".into(),
        calendar: CalendarId::EnglandAndWales,
        auto_lock_minutes: 10,
    };
    Store::create(
        &dir.join("data"),
        profile,
        &Passphrase::new("correct horse battery staple"),
        &NoKeyring,
        now(),
    )
    .await
    .unwrap()
}

fn new_case(child: &str, protocol: &str) -> NewCase {
    NewCase {
        child_name: child.into(),
        category: "Threshold for assessment".into(),
        summary: "School believes the threshold is met.".into(),
        raising_agency: "Ysgol Gyfun Bryn".into(),
        receiving_agency: "Swansea Children's Services".into(),
        receiving_sector: Some(Sector::LocalAuthority),
        protocol: Some(protocol.into()),
        opened_at: Some(t("2026-11-23T08:30")),
        ..NewCase::default()
    }
}

fn record(summary: &str, resolved: bool) -> StageRecordInput {
    StageRecordInput {
        discussed_at: Some(t("2026-11-23T10:00")),
        participants: vec![Participant::parse("Jo Evans|Social Worker|Swansea").unwrap()],
        summary: summary.into(),
        agreed: "Escalate to managers.".into(),
        resolved,
        ..StageRecordInput::default()
    }
}

#[tokio::test]
async fn a_resolved_case_reads_in_date_order() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let r = s
        .create_case(new_case("Child A", "western-bay"), now())
        .await
        .unwrap();
    for stage in 1..=4u8 {
        let mut rec = record(&format!("Stage {stage} discussion"), false);
        if stage == 3 {
            rec.extra = BTreeMap::from([(
                RecordField::new("risk-analysis").unwrap(),
                "Rising.".to_owned(),
            )]);
        }
        s.record_stage(&r, rec, now()).await.unwrap();
        s.escalate(&r, None, None, now()).await.unwrap();
    }
    s.record_stage(&r, record("Heads of Service agree", true), now())
        .await
        .unwrap();
    s.resolve(&r, "Section 47 enquiry to start today.", now())
        .await
        .unwrap();

    let chronology = cases::chronology(&s, &r, now()).await.unwrap();
    let kinds: Vec<_> = chronology.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "escalated").count(), 4);
    assert!(kinds.contains(&"resolved") && kinds.contains(&"opened"));
    assert!(
        chronology.windows(2).all(|w| w[0].at <= w[1].at),
        "chronology is in date order"
    );
    let texts: Vec<&str> = chronology.iter().map(|c| c.text.as_str()).collect();
    for line in [
        "Opened at Stage 1",
        "Stage 1 record: Stage 1 discussion",
        "Escalated from Stage 1 to Stage 2",
        "Escalated from Stage 4 to Stage 5",
        "Stage 5 record (resolved): Heads of Service agree",
        "Resolved at Stage 5: Section 47 enquiry to start today.",
    ] {
        assert!(texts.contains(&line), "{line} in {texts:?}");
    }
    let escalated = chronology
        .iter()
        .find(|c| c.text == "Escalated from Stage 2 to Stage 3")
        .unwrap();
    assert_eq!((escalated.stage, escalated.at), (Some(3), now()));

    let detail = cases::detail(&s, &r, now()).await.unwrap();
    assert_eq!(detail.state, "resolved");
    assert_eq!(detail.records.len(), 5);
    assert_eq!(
        detail.outcome.as_deref(),
        Some("Section 47 enquiry to start today.")
    );
    assert_eq!(detail.closed_at, Some(now()));
    s.close().await;
}

#[tokio::test]
async fn a_sent_notification_reads_with_its_due_date() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let r = s
        .create_case(new_case("Child E", "doncaster"), now())
        .await
        .unwrap();
    s.mark_sent(
        &r,
        Some(1),
        "form-to-business-unit",
        t("2026-11-23T11:00"),
        "emailed",
        now(),
    )
    .await
    .unwrap();
    s.shorten_deadline(
        &r,
        t("2026-11-24T17:00"),
        "Child discharged from hospital tomorrow",
        now(),
    )
    .await
    .unwrap();
    let chronology = cases::chronology(&s, &r, now()).await.unwrap();
    assert!(
        chronology
            .iter()
            .any(|c| c.kind == ChronologyKind::NotificationSent
                && c.text == "Sent: form-to-business-unit to DSCP Business Unit (due 23/11/2026)"
                && c.at == t("2026-11-23T11:00")),
        "{chronology:?}"
    );
    assert!(
        chronology.iter().any(|c| {
            c.kind == ChronologyKind::DeadlineShortened
            && c.text
                == "Deadline shortened to 24/11/2026 17:00: Child discharged from hospital tomorrow"
            && c.at == now()
        }),
        "{chronology:?}"
    );
    // The engine's deadlines, in the same words as every other date.
    let stage = chronology
        .iter()
        .find(|c| c.kind == ChronologyKind::Deadline)
        .unwrap();
    assert!(
        stage.text.starts_with("Due 24/11/2026 17:00"),
        "{}",
        stage.text
    );
    let detail = cases::detail(&s, &r, now()).await.unwrap();
    assert_eq!(detail.notifications_sent.len(), 1);
    assert_eq!(detail.notifications_sent[0].note, "emailed");
    s.close().await;
}

#[tokio::test]
async fn withdrawn_and_redirected_cases_say_how_they_ended() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let w = s
        .create_case(new_case("Child W", "western-bay"), now())
        .await
        .unwrap();
    s.withdraw(&w, "Agreed informally", now()).await.unwrap();
    let r = s
        .create_case(new_case("Child R", "western-bay"), now())
        .await
        .unwrap();
    let words = s
        .redirect(&r, "complaint-about-professional", now())
        .await
        .unwrap();

    let withdrawn = cases::chronology(&s, &w, now()).await.unwrap();
    assert!(withdrawn.iter().any(|c| c.kind == ChronologyKind::Withdrawn
        && c.text == "Withdrawn at Stage 1: Agreed informally"));
    let redirected = cases::chronology(&s, &r, now()).await.unwrap();
    assert!(redirected
        .iter()
        .any(|c| c.kind == ChronologyKind::Redirected
            && c.text == "Redirected (complaint-about-professional)"));
    let detail = cases::detail(&s, &r, now()).await.unwrap();
    assert_eq!(detail.outcome.as_deref(), Some(words.as_str()));
    assert!(words.contains("complaints procedure"));
    assert_eq!(detail.closed_at, Some(now()));
    let detail = cases::detail(&s, &w, now()).await.unwrap();
    assert_eq!(detail.outcome.as_deref(), Some("Agreed informally"));
    s.close().await;
}

#[tokio::test]
async fn the_words_come_from_one_load_of_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path()).await;
    let r = s
        .create_case(new_case("Child F", "western-bay"), now())
        .await
        .unwrap();
    let file = s.case_file(&r).await.unwrap();
    assert_eq!(
        present::case_detail(&file, s.calendar(), now()).unwrap(),
        cases::detail(&s, &r, now()).await.unwrap()
    );
    assert_eq!(
        present::chronology(&file, s.calendar(), now()).unwrap(),
        cases::chronology(&s, &r, now()).await.unwrap()
    );
    let e = cases::detail(&s, "RPD-2099-0001", now()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::CaseNotFound);
    assert_eq!(e.field.as_deref(), Some("reference"));
    assert!(cases::check_caches(&s).await.unwrap().ok());
    s.close().await;
}

#[tokio::test]
async fn a_store_from_before_the_log_reads_as_it_did() {
    let backup = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../store/tests/fixtures/legacy.escalate-backup");
    let dir = tempfile::tempdir().unwrap();
    let s = escalate_store::backup::restore(
        &backup,
        &dir.path().join("data"),
        &Passphrase::new("legacy fixture passphrase 2026"),
        &NoKeyring,
    )
    .await
    .unwrap();
    let at = t("2026-11-20T15:00");
    let chronology = cases::chronology(&s, "RPD-2026-0001", at).await.unwrap();
    let texts: Vec<&str> = chronology.iter().map(|c| c.text.as_str()).collect();
    for line in [
        "Opened at Stage 1",
        "Stage 1 record: Discussed the referral",
        "Escalated from Stage 1 to Stage 2",
        "Escalated from Stage 3 to Stage 4",
        "Deadline shortened to 06/11/2026 12:00: Child at risk over the weekend",
        "Stage 4 record (resolved): Leads agreed",
        "Resolved at Stage 4: Assessment to start within 5 working days",
    ] {
        assert!(texts.contains(&line), "{line} in {texts:?}");
    }
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Sent: stage-2-record-copy to ")),
        "{texts:?}"
    );
    assert!(chronology.windows(2).all(|w| w[0].at <= w[1].at));
    let withdrawn = cases::chronology(&s, "RPD-2026-0002", at).await.unwrap();
    assert!(withdrawn
        .iter()
        .any(|c| c.text == "Withdrawn at Stage 1: Raised in error"));
    s.close().await;
}
