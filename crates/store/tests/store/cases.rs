//! Cases and Stage records through the store: the state machine guards every write,
//! and a refused operation leaves the store exactly as it was.

use std::collections::BTreeMap;

use escalate_core::protocol::RecordField;
use escalate_core::Urgency;
use escalate_store::{CaseFilter, NewCase, Participant, StageRecordInput};

use crate::support::*;

fn record(summary: &str, resolved: bool) -> StageRecordInput {
    StageRecordInput {
        discussed_at: Some(t("2026-11-23T10:00")),
        participants: vec![
            Participant::parse("Alex Morgan|Designated Safeguarding Lead|Ysgol Gyfun Bryn")
                .unwrap(),
            Participant::parse("Jo Evans|Social Worker|Swansea Children's Services").unwrap(),
        ],
        raising_view: "The threshold is met.".into(),
        receiving_view: "Early help is the right response.".into(),
        summary: summary.into(),
        agreed: "Escalate to managers.".into(),
        resolved,
        ..StageRecordInput::default()
    }
}

#[tokio::test]
async fn references_count_up_within_the_year() {
    let f = fixture().await;
    let a = f
        .store
        .create_case(new_case("Child A"), now())
        .await
        .unwrap();
    let b = f
        .store
        .create_case(new_case("Child B"), now())
        .await
        .unwrap();
    assert_eq!((a.as_str(), b.as_str()), ("RPD-2026-0001", "RPD-2026-0002"));
}

#[tokio::test]
async fn a_western_bay_case_runs_to_stage_5_and_resolves() {
    let f = fixture().await;
    let s = &f.store;
    let r = s.create_case(new_case(CANARY), now()).await.unwrap();
    for stage in 1..=4u8 {
        let mut rec = record(&format!("Stage {stage} discussion"), false);
        if stage == 3 {
            // Stage 3 -> 4 needs the analysis of perceived risk.
            let e = {
                s.record_stage(&r, rec.clone(), now()).await.unwrap();
                s.escalate(&r, None, None, now()).await.unwrap_err()
            };
            assert_eq!(e.code, "stage.requirements_missing");
            rec.extra = BTreeMap::from([(
                RecordField::new("risk-analysis").unwrap(),
                "Risk of neglect is rising.".to_owned(),
            )]);
        }
        s.record_stage(&r, rec, now()).await.unwrap();
        assert_eq!(s.escalate(&r, None, None, now()).await.unwrap(), stage + 1);
    }
    s.record_stage(&r, record("Heads of Service agree", true), now())
        .await
        .unwrap();
    s.resolve(&r, "Section 47 enquiry to start today.", now())
        .await
        .unwrap();
    let d = detail(s, &r, now()).await;
    assert_eq!(d.state, "resolved");
    assert_eq!(d.child_name, CANARY);
    assert_eq!(d.records.len(), 6);
    assert_eq!(d.records[2].extra.len(), 0);
    assert_eq!(
        d.records[3].extra[&RecordField::new("risk-analysis").unwrap()],
        "Risk of neglect is rising."
    );
    assert_eq!(
        d.records[0].participants[1].agency,
        "Swansea Children's Services"
    );
    assert_eq!(
        d.outcome.as_deref(),
        Some("Section 47 enquiry to start today.")
    );
    // The Report goes to the Board administrator: still owed after resolution.
    let status = serde_json::to_value(&d.status).unwrap();
    let owed = status["deadlines"].as_array().unwrap();
    assert!(
        owed.iter().any(|x| x["id"] == "report-to-administrator"),
        "{owed:?}"
    );
    // Its chronology is tested in escalate-api (cases::a_resolved_case_reads_in_date_order).
}

#[tokio::test]
async fn refused_moves_change_nothing() {
    let f = fixture().await;
    let s = &f.store;
    let r = s.create_case(new_case("Child C"), now()).await.unwrap();
    let before = s.verify_audit().await.unwrap();
    let detail_before = detail(s, &r, now()).await;
    // No record yet, so Western Bay refuses the escalation.
    assert_eq!(
        s.escalate(&r, None, None, now()).await.unwrap_err().code,
        "stage.requirements_missing"
    );
    // Western Bay never allows jumping stages.
    assert_eq!(
        s.escalate(&r, Some(4), Some("risk"), now())
            .await
            .unwrap_err()
            .code,
        "stage.higher_not_allowed"
    );
    assert_eq!(
        s.redirect(&r, "weather", now()).await.unwrap_err().code,
        "exclusion.unknown"
    );
    assert_eq!(
        s.mark_sent(&r, Some(5), "report-to-administrator", now(), "", now())
            .await
            .unwrap_err()
            .code,
        "notification.not_owed"
    );
    let e = s
        .record_stage(
            &r,
            StageRecordInput {
                summary: " ".into(),
                ..record("x", false)
            },
            now(),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().starts_with("summary: is required"), "{e}");
    assert_eq!(s.verify_audit().await.unwrap(), before);
    assert_eq!(detail(s, &r, now()).await, detail_before);
    s.resolve(&r, "Agreed at Stage 1", now()).await.unwrap();
    assert_eq!(
        s.escalate(&r, None, None, now()).await.unwrap_err().code,
        "case.closed"
    );
    assert!(matches!(
        s.resolve("RPD-2099-0001", "x", now()).await,
        Err(e) if e.code == escalate_core::ErrorCode::CaseNotFound
    ));
}

#[tokio::test]
async fn bad_intake_names_the_field() {
    let f = fixture().await;
    let s = &f.store;
    let cases: Vec<(NewCase, &str)> = vec![
        (
            NewCase {
                child_name: "".into(),
                ..new_case("x")
            },
            "child_name: is required",
        ),
        (
            NewCase {
                receiving_agency: "ysgol gyfun bryn".into(),
                ..new_case("x")
            },
            "receiving_agency: must differ",
        ),
        (
            NewCase {
                protocol: Some("leeds".into()),
                ..new_case("x")
            },
            "protocol: 'leeds' is not a protocol",
        ),
        (
            NewCase {
                opened_at: Some(t("2027-01-01T00:00")),
                ..new_case("x")
            },
            "opened: is in the future",
        ),
        (
            NewCase {
                child_dob: Some("1960-01-01".parse().unwrap()),
                ..new_case("x")
            },
            "child_dob: must be within",
        ),
        (
            NewCase {
                stage: Some(3),
                immediate_risk: Some("danger".into()),
                ..new_case("x")
            },
            "does not allow starting at or jumping to a higher stage",
        ),
        (
            NewCase {
                summary: "x".repeat(20_001),
                ..new_case("x")
            },
            "summary: is 20001 characters long",
        ),
        (
            NewCase {
                category: "a\u{0007}b".into(),
                ..new_case("x")
            },
            "category: contains control characters",
        ),
    ];
    for (new, expected) in cases {
        let e = s.create_case(new, now()).await.unwrap_err();
        assert!(
            e.to_string().contains(expected),
            "expected '{expected}' in '{e}'"
        );
    }
    assert!(
        s.list_cases(CaseFilter::All, None, now())
            .await
            .unwrap()
            .is_empty(),
        "nothing was written"
    );
    // store.create and identity.create only.
    assert_eq!(s.verify_audit().await.unwrap().entries, 2);
}

#[tokio::test]
async fn immediate_risk_starts_higher_where_the_protocol_allows() {
    let f = fixture().await;
    let r = f
        .store
        .create_case(
            NewCase {
                protocol: Some("south-gloucestershire".into()),
                stage: Some(3),
                immediate_risk: Some("Child reports being hit last night".into()),
                ..new_case("Child D")
            },
            now(),
        )
        .await
        .unwrap();
    let d = detail(&f.store, &r, now()).await;
    assert_eq!(serde_json::to_value(&d.status).unwrap()["stage"], 3);
    assert_eq!(
        d.immediate_risk.as_deref(),
        Some("Child reports being hit last night")
    );
}

#[tokio::test]
async fn the_dashboard_lists_the_most_urgent_first_and_searches() {
    let f = fixture().await;
    let s = &f.store;
    // An old South Gloucestershire case is overdue; a fresh one is due soon; a London
    // one is on track.
    let old = s
        .create_case(
            NewCase {
                protocol: Some("south-gloucestershire".into()),
                opened_at: Some(t("2026-11-02T09:00")),
                ..new_case("Overdue Child")
            },
            now(),
        )
        .await
        .unwrap();
    let fresh = s
        .create_case(
            NewCase {
                protocol: Some("south-gloucestershire".into()),
                ..new_case("Fresh Child")
            },
            now(),
        )
        .await
        .unwrap();
    let london = s
        .create_case(
            NewCase {
                protocol: Some("london".into()),
                ..new_case("Calm Child")
            },
            now(),
        )
        .await
        .unwrap();
    let closed = s
        .create_case(new_case("Closed Child"), now())
        .await
        .unwrap();
    s.withdraw(&closed, "Agreed informally", now())
        .await
        .unwrap();

    let list = s.list_cases(CaseFilter::Open, None, now()).await.unwrap();
    let refs: Vec<_> = list.iter().map(|c| c.reference.as_str()).collect();
    assert_eq!(refs, [old.as_str(), fresh.as_str(), london.as_str()]);
    // Due 3 Nov; 4-6, 9-13, 16-20 Nov and Mon 23 Nov have passed: 14 working days.
    assert_eq!(list[0].urgency, Urgency::Overdue { working_days: 14 });
    assert_eq!(list[1].urgency, Urgency::DueSoon);
    assert_eq!(list[2].urgency, Urgency::OnTrack);
    assert_eq!(list[0].receiving_agency, "Swansea Children's Services");

    assert_eq!(
        s.list_cases(CaseFilter::All, None, now())
            .await
            .unwrap()
            .len(),
        4
    );
    let found = s
        .list_cases(CaseFilter::All, Some("calm"), now())
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].reference, london);
    assert_eq!(
        s.list_cases(CaseFilter::All, Some(&old), now())
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        s.list_cases(CaseFilter::All, Some("%"), now())
            .await
            .unwrap()
            .is_empty(),
        "% is literal"
    );
}

#[tokio::test]
async fn notifications_and_shorter_deadlines() {
    let f = fixture().await;
    let s = &f.store;
    let r = s
        .create_case(
            NewCase {
                protocol: Some("doncaster".into()),
                ..new_case("Child E")
            },
            now(),
        )
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
    assert_eq!(
        s.mark_sent(
            &r,
            Some(1),
            "form-to-business-unit",
            t("2026-11-23T11:00"),
            "",
            now()
        )
        .await
        .unwrap_err()
        .code,
        "notification.already_sent"
    );
    s.shorten_deadline(
        &r,
        t("2026-11-24T17:00"),
        "Child discharged from hospital tomorrow",
        now(),
    )
    .await
    .unwrap();
    let d = detail(s, &r, now()).await;
    let stage = serde_json::to_value(&d.status).unwrap()["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "stage")
        .cloned()
        .unwrap();
    assert_eq!(stage["due"]["at"], "2026-11-24T17:00:00");
    assert_eq!(
        stage["shortened"],
        "Child discharged from hospital tomorrow"
    );
    // What was owed, to whom and by when, is kept with the marking.
    assert_eq!(d.notifications_sent.len(), 1);
    let sent = &d.notifications_sent[0];
    assert_eq!(
        (
            sent.sent_to.as_str(),
            sent.due.as_deref(),
            sent.note.as_str()
        ),
        ("DSCP Business Unit", Some("2026-11-23"), "emailed")
    );
    // Its chronology line is tested in escalate-api (cases::a_sent_notification_reads_with_its_due_date).
}

#[tokio::test]
async fn attachments_are_size_limited_and_drafts_survive() {
    let f = fixture().await;
    let s = &f.store;
    let r = s.create_case(new_case("Child F"), now()).await.unwrap();
    let id = s
        .add_attachment(&r, "minutes.txt", "text/plain", CANARY.as_bytes(), now())
        .await
        .unwrap();
    assert_eq!(s.attachment(id).await.unwrap().1, CANARY.as_bytes());
    let big = vec![0u8; escalate_store::ATTACHMENT_LIMIT as usize + 1];
    let e = s
        .add_attachment(&r, "scan.pdf", "application/pdf", &big, now())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "attachment.too_large");
    assert!(e
        .to_string()
        .contains("scan.pdf is 10485761 bytes; the limit is 10485760 bytes"));

    s.save_draft(
        Some(&r),
        "stage-record",
        "{\"summary\":\"half written\"}",
        now(),
    )
    .await
    .unwrap();
    s.save_draft(Some(&r), "stage-record", "{\"summary\":\"more\"}", now())
        .await
        .unwrap();
    let f = f.reopen().await;
    let reopened = &f.store;
    assert_eq!(
        reopened
            .draft(Some(&r), "stage-record")
            .await
            .unwrap()
            .as_deref(),
        Some("{\"summary\":\"more\"}")
    );
}

#[tokio::test]
async fn closure_days_move_deadlines() {
    let mut f = fixture().await;
    let r = f
        .store
        .create_case(
            NewCase {
                protocol: Some("south-gloucestershire".into()),
                ..new_case("Child G")
            },
            now(),
        )
        .await
        .unwrap();
    f.store
        .add_closure_day("2026-11-24".parse().unwrap(), "INSET day", now())
        .await
        .unwrap();
    let d = detail(&f.store, &r, now()).await;
    let cumulative = serde_json::to_value(&d.status).unwrap()["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "cumulative")
        .cloned()
        .unwrap();
    assert_eq!(cumulative["due"]["at"], "2026-11-25");
    // Survives reopening.
    let f = f.reopen().await;
    let s = &f.store;
    assert!(s
        .calendar()
        .closures()
        .contains(&"2026-11-24".parse().unwrap()));
}

#[tokio::test]
async fn closure_days_keep_their_notes_oldest_first() {
    let mut f = fixture().await;
    for (day, note) in [
        ("2026-12-29", "Office closed"),
        ("2026-11-24", "INSET day"),
        ("2026-11-25", ""),
    ] {
        f.store
            .add_closure_day(day.parse().unwrap(), note, now())
            .await
            .unwrap();
    }
    // Adding a day again replaces its note.
    f.store
        .add_closure_day("2026-12-29".parse().unwrap(), "Christmas closure", now())
        .await
        .unwrap();
    let listed = |days: Vec<escalate_store::ClosureDay>| {
        days.into_iter()
            .map(|c| (c.day.to_string(), c.note))
            .collect::<Vec<_>>()
    };
    let want = vec![
        ("2026-11-24".to_owned(), "INSET day".to_owned()),
        ("2026-11-25".to_owned(), String::new()),
        ("2026-12-29".to_owned(), "Christmas closure".to_owned()),
    ];
    assert_eq!(listed(f.store.closure_days().await.unwrap()), want);
    f.store
        .remove_closure_day("2026-11-25".parse().unwrap(), now())
        .await
        .unwrap();
    let f = f.reopen().await;
    let s = &f.store;
    assert_eq!(
        listed(s.closure_days().await.unwrap()),
        vec![want[0].clone(), want[2].clone()]
    );
}
