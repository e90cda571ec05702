//! Every move a lead makes on a case, through the use cases both front ends call, on a
//! real store: the refusals name their field (as the command line's options and the
//! app's inputs show them) and change nothing.

use std::collections::BTreeMap;

use escalate_api::cases::{self, FieldPairs};
use escalate_api::files::{self, STAGE_RECORD_FILE};
use escalate_api::{settings, ApiError};
use escalate_core::protocol::RecordField;
use escalate_core::{Due, ErrorCode, StateKind};

use crate::*;

fn now() -> NaiveDateTime {
    t("2026-11-23T17:00")
}

fn pairs(given: &[&str]) -> Result<FieldPairs, ApiError> {
    FieldPairs::parse(&given.iter().map(|g| (*g).to_owned()).collect::<Vec<_>>())
}

fn child(name: &str, protocol: &str) -> NewCase {
    NewCase {
        child_name: name.into(),
        protocol: Some(protocol.into()),
        ..new_case("Threshold met")
    }
}

/// Noon on a day in November 2026: each stage below starts at noon and is recorded
/// the next morning.
fn at(day: u32) -> NaiveDateTime {
    t(&format!("2026-11-{day:02}T12:00"))
}

/// The audit trail's length: a refusal must not add to it.
async fn entries(s: &Store) -> u64 {
    settings::verify(s).await.unwrap().audit.entries
}

#[tokio::test]
async fn a_case_is_opened_recorded_escalated_and_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "western-bay").await;
    let r = cases::create(&s, new_case("Opened through the use case"), now())
        .await
        .unwrap();
    assert_eq!(r, "RPD-2026-0001");
    let id = cases::record_stage(&s, &r, record(1, 3, false), now())
        .await
        .unwrap();
    assert_eq!(id, 1);
    // A blank reason is no reason.
    let stage = cases::escalate(&s, &r, None, Some("  "), now())
        .await
        .unwrap();
    assert_eq!(stage, 2);
    cases::resolve(&s, &r, "Agreed at Stage 2", now())
        .await
        .unwrap();
    let d = cases::detail(&s, &r, now()).await.unwrap();
    assert_eq!(
        (d.state, d.outcome.as_deref()),
        (StateKind::Resolved, Some("Agreed at Stage 2"))
    );
    let before = entries(&s).await;
    let e = cases::withdraw(&s, &r, "Too late", now())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::CaseClosed);
    let e = cases::create(&s, child("", "western-bay"), now())
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("child_name"));
    assert_eq!(entries(&s).await, before, "a refusal wrote nothing");
    assert!(settings::verify(&s).await.unwrap().ok());
    s.close().await;
}

#[tokio::test]
async fn the_list_holds_the_open_cases_unless_every_one_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "western-bay").await;
    let open = cases::create(&s, child("Carys", "western-bay"), now())
        .await
        .unwrap();
    let closed = cases::create(&s, child("Dafydd", "western-bay"), now())
        .await
        .unwrap();
    cases::withdraw(&s, &closed, "Raised in error", now())
        .await
        .unwrap();
    let refs = |list: Vec<escalate_core::model::CaseListItem>| {
        list.into_iter().map(|c| c.reference).collect::<Vec<_>>()
    };
    assert_eq!(
        refs(cases::list(&s, false, None, now()).await.unwrap()),
        [open]
    );
    assert_eq!(
        refs(cases::list(&s, true, None, now()).await.unwrap()).len(),
        2
    );
    // A blank search is no search; a search matches the child's name or reference.
    assert_eq!(
        refs(cases::list(&s, true, Some("   "), now()).await.unwrap()).len(),
        2
    );
    assert_eq!(
        refs(cases::list(&s, true, Some("dafydd"), now()).await.unwrap()),
        [closed]
    );
    s.close().await;
}

#[tokio::test]
async fn a_refused_escalation_gives_the_missing_record_fields_as_data() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "western-bay").await;
    let r = cases::create(&s, new_case("Western Bay to Stage 3"), at(2))
        .await
        .unwrap();
    // No record yet: one is needed, with no field in particular.
    let e = cases::escalate(&s, &r, None, None, at(2))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::StageRequirementsMissing);
    assert!(e.missing_fields.is_empty(), "{:?}", e.missing_fields);
    assert!(
        e.message
            .contains("it still needs a written record of this stage"),
        "{e}"
    );
    for (stage, day) in [(1, 3), (2, 4)] {
        cases::record_stage(&s, &r, record(stage, day, false), at(day))
            .await
            .unwrap();
        cases::escalate(&s, &r, None, None, at(day)).await.unwrap();
    }
    cases::record_stage(&s, &r, record(3, 5, false), at(5))
        .await
        .unwrap();
    let before = entries(&s).await;
    let e = cases::escalate(&s, &r, None, None, at(5))
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.missing_fields.as_slice()),
        (
            ErrorCode::StageRequirementsMissing,
            &[RecordField::new("risk-analysis").unwrap()][..]
        )
    );
    // The words the app shows: the data is not sent across IPC, the message says it.
    let sent = serde_json::to_value(&e).unwrap();
    assert_eq!(
        sent.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["code", "message"]
    );
    assert!(e.message.contains("'risk-analysis'"), "{e}");
    assert_eq!(entries(&s).await, before, "a refusal wrote nothing");
    s.close().await;
}

#[tokio::test]
async fn record_fields_given_as_pairs_are_refused_naming_field_and_never_echoed() {
    let refused: &[(&[&str], &str)] = &[
        (
            &["Colour Red=red"],
            "field: field 1: the ID before '=' is not a record field: an id is lower-case letters and digits joined by hyphens",
        ),
        (&["Aled Canary has a bruise"], "field: field 1 has no '=': give ID=TEXT"),
        (&["risk-analysis=  "], "field: risk-analysis has no text"),
        (
            &["risk-analysis=Canary", "risk-analysis=Canary"],
            "field: risk-analysis is given twice",
        ),
    ];
    for (given, expected) in refused {
        let e = pairs(given).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::FieldInvalid, Some("field"))
        );
        assert!(e.message.starts_with(expected), "{given:?}: {e}");
        assert!(!e.message.contains("Canary"), "the text was echoed: {e}");
    }
    assert!(pairs(&[]).unwrap().is_empty());

    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "western-bay").await;
    let r = cases::create(&s, new_case("Pairs"), at(2)).await.unwrap();
    for (stage, day) in [(1, 3), (2, 4)] {
        cases::record_stage(&s, &r, record(stage, day, false), at(day))
            .await
            .unwrap();
        cases::escalate(&s, &r, None, None, at(day)).await.unwrap();
    }
    let before = entries(&s).await;
    // An id is open: whether it is a record field is the case's protocol's to say.
    let e = cases::record_stage_with_fields(
        &s,
        &r,
        record(3, 5, false),
        pairs(&["risk-analysis=Canary", "colour=red"]).unwrap(),
        at(5),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::FieldInvalid, Some("field"))
    );
    assert!(
        e.message.starts_with("field: field 2: the ID before '=' is not a record field: use one of risk-analysis, evidence, lead-advice, desired-outcome, minutes, route, lessons"),
        "{e}"
    );
    assert!(!e.message.contains("Canary"), "the text was echoed: {e}");
    // A field this stage's record does not use is the pairs' fault when they gave it…
    let e = cases::record_stage_with_fields(
        &s,
        &r,
        record(3, 5, false),
        pairs(&["evidence=Aled Canary said so"]).unwrap(),
        at(5),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref(), e.message.as_str()),
        (
            ErrorCode::RecordFieldNotUsed,
            Some("field"),
            "field: this stage's record does not use 'evidence': it uses risk-analysis"
        )
    );
    // …and the record form's when it did.
    let mut form = record(3, 5, false);
    form.extra = BTreeMap::from([(
        RecordField::new("evidence").unwrap(),
        "Aled Canary said so".to_owned(),
    )]);
    let e = cases::record_stage(&s, &r, form, at(5)).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("extra"));
    assert!(!e.message.contains("Canary"), "{e}");
    assert_eq!(entries(&s).await, before, "a refusal wrote nothing");

    cases::record_stage_with_fields(
        &s,
        &r,
        record(3, 5, false),
        pairs(&["risk-analysis=Rising risk"]).unwrap(),
        at(5),
    )
    .await
    .unwrap();
    assert_eq!(cases::escalate(&s, &r, None, None, at(5)).await.unwrap(), 4);
    let d = cases::detail(&s, &r, at(5)).await.unwrap();
    assert_eq!(
        d.records[2]
            .extra
            .get(&RecordField::new("risk-analysis").unwrap())
            .map(String::as_str),
        Some("Rising risk")
    );
    s.close().await;
}

#[tokio::test]
async fn a_stage_record_file_is_read_through_its_bound_and_parsed_in_one_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("record.json");
    std::fs::write(
        &file,
        r#"{"summary": "s", "agreed": "a", "resolved": true}"#,
    )
    .unwrap();
    let text = files::read_text(&file, &STAGE_RECORD_FILE).unwrap();
    let input = cases::stage_record_from_json(&text, &file).unwrap();
    assert!(input.resolved);

    std::fs::write(
        &file,
        r#"{"summary": "s", "agreed": "a", "resolved": "Aled"}"#,
    )
    .unwrap();
    let text = files::read_text(&file, &STAGE_RECORD_FILE).unwrap();
    let e = cases::stage_record_from_json(&text, &file).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("file"));
    assert!(
        e.message.starts_with(&format!(
            "file: {} is not a stage record: resolved: line 1, column 50: wrong type: expected a boolean, found text",
            file.display()
        )),
        "{e}"
    );
    assert!(!e.message.contains("Aled"), "never a value: {e}");
    let e = files::read_text(Path::new("/dev/zero"), &STAGE_RECORD_FILE).unwrap_err();
    assert_eq!(
        e.message,
        "/dev/zero: is not a regular file: give a stage record file (JSON) of at most 1 MiB (1048576 bytes)"
    );
}

#[test]
fn a_byte_order_mark_is_accepted_in_a_stage_record_and_a_protocol_file() {
    let dir = tempfile::tempdir().unwrap();
    // A stage record saved by Notepad: the mark is read past, not refused.
    let record = dir.path().join("record.json");
    std::fs::write(
        &record,
        "\u{FEFF}{\"summary\": \"s\", \"agreed\": \"a\", \"resolved\": true}",
    )
    .unwrap();
    let text = files::read_text(&record, &STAGE_RECORD_FILE).unwrap();
    assert!(!text.starts_with('\u{FEFF}'));
    assert!(
        cases::stage_record_from_json(&text, &record)
            .unwrap()
            .resolved
    );
    // A protocol file with one checks and reads as the file without it.
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/protocols/doncaster.toml"
    ))
    .unwrap();
    let protocol = dir.path().join("doncaster.toml");
    std::fs::write(&protocol, format!("\u{FEFF}{shipped}")).unwrap();
    escalate_api::engine::check_protocol_files(std::slice::from_ref(&protocol)).unwrap();
    assert_eq!(
        files::read_text(&protocol, &files::PROTOCOL_FILE).unwrap(),
        shipped
    );
}

#[tokio::test]
async fn notifications_deadlines_withdrawals_and_redirections() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "western-bay").await;
    let efa = NewCase {
        opened_at: Some(t("2026-11-23T09:00")),
        ..child("Efa", "doncaster")
    };
    let r = cases::create(&s, efa, now()).await.unwrap();
    // Sent now, when not said otherwise.
    cases::mark_sent(
        &s,
        &r,
        Some(1),
        "form-to-business-unit",
        None,
        "emailed",
        now(),
    )
    .await
    .unwrap();
    let e = cases::mark_sent(&s, &r, Some(1), "carrier-pigeon", None, "", now())
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::NotificationUnknown, Some("notification"))
    );
    let due = t("2026-11-24T12:00");
    cases::shorten_deadline(&s, &r, due, "Child at risk", now())
        .await
        .unwrap();
    let d = cases::detail(&s, &r, now()).await.unwrap();
    assert_eq!(
        (
            d.notifications_sent[0].sent_at,
            d.notifications_sent[0].note.as_str()
        ),
        (now(), "emailed")
    );
    assert!(
        d.status
            .deadlines
            .iter()
            .any(|dl| dl.due == Due::At(due) && dl.shortened.as_deref() == Some("Child at risk")),
        "{:?}",
        d.status.deadlines
    );
    cases::withdraw(&s, &r, "Agreed informally", now())
        .await
        .unwrap();
    assert_eq!(
        cases::detail(&s, &r, now()).await.unwrap().state,
        StateKind::Withdrawn
    );

    let w = cases::create(&s, child("Gwen", "western-bay"), now())
        .await
        .unwrap();
    let e = cases::redirect(&s, &w, "nonesuch", now())
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("exclusion"));
    let to = cases::redirect(&s, &w, "complaint-about-professional", now())
        .await
        .unwrap();
    assert!(to.contains("complaints procedure"), "{to}");
    assert_eq!(
        cases::detail(&s, &w, now()).await.unwrap().state,
        StateKind::Redirected
    );
    s.close().await;
}

#[tokio::test]
async fn the_protocols_and_record_fields_a_front_end_offers() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "western-bay").await;
    let ids: Vec<String> = cases::protocols(&s)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    for id in [
        "western-bay",
        "london",
        "four-stage",
        "doncaster",
        "south-gloucestershire",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} in {ids:?}");
    }
    // A format 1 protocol that declares no record fields has the seven stored records
    // have always used, labelled from data.
    let western_bay = escalate_core::builtin_protocol("western-bay")
        .unwrap()
        .unwrap();
    let fields = cases::record_fields(western_bay);
    assert_eq!(
        fields.len(),
        escalate_core::protocol::default_record_fields().len()
    );
    assert_eq!(fields[0].field, RecordField::new("risk-analysis").unwrap());
    assert_eq!(
        fields[0].label,
        western_bay.field_label(&RecordField::new("risk-analysis").unwrap())
    );
    assert!(fields.iter().all(|f| !f.label.is_empty()));
    s.close().await;
}
