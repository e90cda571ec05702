//! Every form: labels word for word, every filled value, the font embedded, a valid file.

use std::collections::BTreeMap;

use escalate_core::protocol::RecordField;
use escalate_core::FormId;
use escalate_store::{NewCase, StageRecordInput};

use crate::*;

/// A Western Bay case taken to Stage 5 and resolved there on Friday 20 November.
async fn western_bay(dir: &std::path::Path, summary: &str) -> (escalate_store::Store, String) {
    let s = store(dir, "western-bay").await;
    let r = s
        .create_case(new_case(summary), t("2026-11-02T09:00"))
        .await
        .unwrap();
    for stage in 1..=5u8 {
        let mut rec = record(stage, 10 + u32::from(stage), stage == 5);
        if stage == 3 {
            rec.extra = BTreeMap::from([(
                RecordField::new("risk-analysis").unwrap(),
                "Perceived risk: rising neglect.".to_owned(),
            )]);
        }
        // Written as it happened: the log never goes back.
        let written = t(&format!("2026-11-{:02}T11:00", 10 + u32::from(stage)));
        s.record_stage(&r, rec, written).await.unwrap();
        if stage < 5 {
            s.escalate(
                &r,
                None,
                None,
                t(&format!("2026-11-{:02}T12:00", 10 + u32::from(stage))),
            )
            .await
            .unwrap();
        }
    }
    s.resolve(&r, "Section 47 enquiry agreed.", t("2026-11-20T16:00"))
        .await
        .unwrap();
    (s, r)
}

#[tokio::test]
async fn resolution_of_professional_differences_report() {
    let dir = tempfile::tempdir().unwrap();
    let (s, r) = western_bay(dir.path(), "Neglect concerns — lateness, hunger, a bruise.").await;
    let pdf = pdf(
        &s,
        &r,
        FormId::new("rpd-report").unwrap(),
        None,
        "The stages were clear; Stage 3 was slow.",
        t("2026-11-20T17:00"),
    )
    .await;
    check_pdf(&pdf);
    let text = text(&pdf, None);
    assert_contains_all(
        &text,
        &[
            // The seed form's labels, word for word.
            "Western Bay Safeguarding Children Board",
            "Resolution of Professional Differences Report",
            "Summary of reason for dispute – include views of all agencies concerned",
            "Agreed outcomes or actions if satisfactorily resolved – includes escalation to next stage if unresolved",
            "Please complete for monitoring purposes",
            "Stage at which resolution achieved- 5 and 6",
            "Time taken to reach resolution-",
            "Please note how effective this Protocol was in resolving the issue and please make suggestions as to how the protocol can be improved:",
            "Additional Notes:",
            "Agency/Organisation raising the professional difference",
            "Agency/Organisation receiving the professional difference",
            "Name:", "Designation:", "Agency:", "Date:", "Signature:",
            // Values from the store.
            "Case reference: RPD-2026-0001",
            "Neglect concerns — lateness, hunger, a bruise.",
            "Stage 3 — view of Swansea Children’s Services: Receiving view at Stage 3",
            "Escalated from Stage 4 to Stage 5",
            "Resolved: Section 47 enquiry agreed.",
            "☒ Stage 5", "☐ Stage 6",
            // 2 Nov to 20 Nov 2026: 18 days; working days 3-6, 9-13, 16-20 Nov.
            "18 calendar days (14 working days), from 02/11/2026 to 20/11/2026",
            "The stages were clear; Stage 3 was slow.",
            "Head 5", "Head of Service", "Manager 5", "Service Manager",
            "Page 1 of 2", "Page 2 of 2",
        ],
    );
}

#[tokio::test]
async fn stage_record_with_the_protocols_extra_field() {
    let dir = tempfile::tempdir().unwrap();
    let (s, r) = western_bay(dir.path(), "Summary").await;
    let pdf = pdf(
        &s,
        &r,
        FormId::STAGE_RECORD,
        Some(3),
        "",
        t("2026-11-20T17:00"),
    )
    .await;
    check_pdf(&pdf);
    assert_contains_all(
        &text(&pdf, None),
        &[
            "Stage record", CHILD, "Stage 3 — Manager to manager", "13/11/2026 10:00",
            "Participants", "Name", "Role", "Agency", "Head 3", "Manager 3",
            "The difference as Ysgol Gyfun Bryn sees it", "Raising view at Stage 3",
            "The difference as Swansea Children’s Services sees it", "Receiving view at Stage 3",
            "Summary of the discussion", "Stage 3 discussion — summary", "What was agreed", "Stage 3 agreed actions",
            "Resolved", "☐ Yes", "☒ No",
            "Analysis of the perceived risk to the child and the steps taken to try to resolve the matter",
            "Perceived risk: rising neglect.",
            "Next step and its deadline", "Where the professional difference remains unresolved the case must be escalated to stage 4",
            "Approved by", "Date approved", "Recorded by", "Alex Morgan",
        ],
    );
}

#[tokio::test]
async fn chronology_marks_overdue_items() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "south-gloucestershire").await;
    let r = s
        .create_case(new_case("Summary"), t("2026-11-02T09:00"))
        .await
        .unwrap();
    let pdf = pdf(&s, &r, FormId::CHRONOLOGY, None, "", t("2026-11-20T17:00")).await;
    check_pdf(&pdf);
    assert_contains_all(
        &text(&pdf, None),
        &[
            "Case chronology",
            CHILD,
            "Date and time",
            "Stage",
            "Event",
            "Detail",
            "02/11/2026 09:00",
            "Opened at Stage 1",
            "OVERDUE deadline",
            "overdue by 13 working days",
        ],
    );
}

#[tokio::test]
async fn monitoring_form_at_stage_4() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "south-gloucestershire").await;
    let r = s
        .create_case(
            new_case("Disagreement about a strategy discussion."),
            t("2026-11-02T09:00"),
        )
        .await
        .unwrap();
    for stage in 1..=3u8 {
        s.record_stage(
            &r,
            record(stage, 2 + u32::from(stage), false),
            t(&format!("2026-11-{:02}T11:00", 2 + u32::from(stage))),
        )
        .await
        .unwrap();
        s.escalate(
            &r,
            None,
            None,
            t(&format!("2026-11-{:02}T12:00", 2 + u32::from(stage))),
        )
        .await
        .unwrap();
    }
    let mut rec = record(4, 6, true);
    rec.extra = BTreeMap::from([(RecordField::new("route").unwrap(), "Mediation".to_owned())]);
    s.record_stage(&r, rec, t("2026-11-06T14:00"))
        .await
        .unwrap();
    s.resolve(
        &r,
        "Mediation decision: joint visit.",
        t("2026-11-06T15:00"),
    )
    .await
    .unwrap();
    let pdf = pdf(
        &s,
        &r,
        FormId::new("monitoring-form").unwrap(),
        None,
        "Mediation was quick.",
        t("2026-11-20T17:00"),
    )
    .await;
    check_pdf(&pdf);
    assert_contains_all(
        &text(&pdf, None),
        &[
            "Monitoring Form - a tool to record decisions and to monitor the Resolution of Professional Differences policy",
            "This form is to be used at stage three and stage four of the resolution of professional differences policy, must be stored on file and submitted to the Strategic Safeguarding Service Manager",
            "Full Name of Child", CHILD,
            "Summary of reason for dispute. Include views of all agencies involved.", "Disagreement about a strategy discussion.",
            "Agreed outcomes or actions if satisfactorily resolved – includes escalation to next stage if unresolved",
            "Action Note: Copy of this form to be held on child/family file in all agencies involved in resolution of professional difference, if escalating to next stage use as basis of report to manager at next stage, send a copy to the SGCP for monitoring purposes.",
            "Initiating Manager Signature", "Receiving Manager Signature", "Name", "Role", "Organisation",
            "Head 4", "Manager 4", "Swansea Children’s Services",
            "Please complete for monitoring purposes:", "Stage at which Resolution reached", "☐ Stage 3", "☒ Stage 4",
            "Number of days taken to resolve", "4 days (4 working days)",
            "Please note how effective this policy was in resolving the issue and please make suggestions as to how the policy can be improved",
            "Mediation was quick.",
        ],
    );
}

#[tokio::test]
async fn doncaster_escalation_form() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "doncaster").await;
    let r = s
        .create_case(
            new_case("School place withdrawn without a safeguarding plan."),
            t("2026-11-02T09:00"),
        )
        .await
        .unwrap();
    let rec = StageRecordInput {
        extra: BTreeMap::from([
            (
                RecordField::new("evidence").unwrap(),
                "Attendance record and two incident logs.".to_owned(),
            ),
            (
                RecordField::new("lead-advice").unwrap(),
                "DSL advised formal escalation.".to_owned(),
            ),
            (
                RecordField::new("desired-outcome").unwrap(),
                "A multi-agency meeting this week.".to_owned(),
            ),
        ]),
        ..record(1, 2, false)
    };
    s.record_stage(&r, rec, t("2026-11-02T16:00"))
        .await
        .unwrap();
    s.mark_sent(
        &r,
        Some(1),
        "form-to-receiving-worker",
        t("2026-11-02T15:00"),
        "",
        t("2026-11-02T16:00"),
    )
    .await
    .unwrap();
    s.mark_sent(
        &r,
        Some(1),
        "form-to-business-unit",
        t("2026-11-02T15:30"),
        "",
        t("2026-11-02T16:00"),
    )
    .await
    .unwrap();
    let pdf = pdf(
        &s,
        &r,
        FormId::new("escalation-form").unwrap(),
        None,
        "",
        t("2026-11-02T17:00"),
    )
    .await;
    check_pdf(&pdf);
    assert_contains_all(
        &text(&pdf, None),
        &[
            "Doncaster Safeguarding Children Partnership (DSCP)",
            "Form for Submitting Cases for Escalation and Resolution",
            "Complainant agency",
            "Ysgol Gyfun Bryn",
            "Complainant worker",
            "Alex Morgan",
            "Agency the disagreement is being lodged with",
            "Swansea Children’s Services",
            "Relevant worker in that agency",
            "Jo Evans",
            "Child or young person",
            CHILD,
            "Date of birth",
            "02/04/2015",
            "Local identifiers",
            "WCCIS 448812",
            "Nature of the disagreement, with clear evidence based reasons",
            "School place withdrawn without a safeguarding plan.",
            "Evidence: Attendance record and two incident logs.",
            "Advice taken from the safeguarding lead in the agency raising the complaint",
            "DSL advised formal escalation.",
            "What the complainant would like to happen",
            "A multi-agency meeting this week.",
            "Date sent to the relevant worker in the receiving agency",
            "Date sent to the DSCP Business Unit",
            "02/11/2026",
        ],
    );
}

#[tokio::test]
async fn long_answers_flow_onto_further_pages() {
    let dir = tempfile::tempdir().unwrap();
    let long = (1..=120)
        .map(|i| format!("Sentence {i} of a long account of the disagreement."))
        .collect::<Vec<_>>()
        .join(" ");
    let (s, r) = western_bay(dir.path(), &long).await;
    let pdf = pdf(
        &s,
        &r,
        FormId::new("rpd-report").unwrap(),
        None,
        "",
        t("2026-11-20T17:00"),
    )
    .await;
    check_pdf(&pdf);
    let all = text(&pdf, None);
    assert!(all.contains("Page 1 of 4"), "{all}");
    assert_contains_all(
        &all,
        &[
            "Sentence 1 of",
            "Sentence 120 of a long account of the disagreement.",
            "(continued)",
        ],
    );
    // The title and page numbers repeat on a later page.
    let p2 = text(&pdf, Some((2, 2)));
    assert_contains_all(
        &p2,
        &[
            "Resolution of Professional Differences Report",
            "Page 2 of 4",
            "Case reference: RPD-2026-0001",
        ],
    );
    // Nothing is lost at the page break: every sentence is there once.
    for i in [1, 60, 61, 119] {
        assert_eq!(
            all.matches(&format!("Sentence {i} of")).count(),
            1,
            "sentence {i}"
        );
    }
}

#[tokio::test]
async fn empty_optional_fields_leave_room_to_write() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "western-bay").await;
    let r = s
        .create_case(
            NewCase {
                raising_professional: None,
                receiving_professional: None,
                ..new_case("Summary")
            },
            t("2026-11-02T09:00"),
        )
        .await
        .unwrap();
    let pdf = pdf(
        &s,
        &r,
        FormId::new("rpd-report").unwrap(),
        None,
        "",
        t("2026-11-03T09:00"),
    )
    .await;
    check_pdf(&pdf);
    let text = text(&pdf, None);
    assert_contains_all(
        &text,
        &[
            "Not resolved",
            "Not yet resolved: the case is at Stage 1.",
            "☐ Stage 5",
            "☐ Stage 6",
            "Additional Notes:",
        ],
    );
}

#[tokio::test]
async fn the_same_input_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (s, r) = western_bay(dir.path(), "Summary").await;
    let a = pdf(
        &s,
        &r,
        FormId::new("rpd-report").unwrap(),
        None,
        "x",
        t("2026-11-20T17:00"),
    )
    .await;
    let b = pdf(
        &s,
        &r,
        FormId::new("rpd-report").unwrap(),
        None,
        "x",
        t("2026-11-20T17:00"),
    )
    .await;
    assert_eq!(a, b);
    let c = pdf(
        &s,
        &r,
        FormId::new("rpd-report").unwrap(),
        None,
        "x",
        t("2026-11-21T17:00"),
    )
    .await;
    assert_ne!(a, c, "the creation date is part of the file");
}

#[tokio::test]
async fn a_form_the_protocol_does_not_use_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "london").await;
    let r = s
        .create_case(new_case("Summary"), t("2026-11-02T09:00"))
        .await
        .unwrap();
    let case = s
        .case_file(&r)
        .await
        .unwrap()
        .detail(s.calendar(), t("2026-11-03T09:00"))
        .unwrap();
    let protocol = escalate_core::builtin_protocol("london").unwrap().unwrap();
    let input = escalate_report::ReportInput {
        profile: s.profile(),
        case: &case,
        chronology: &[],
        protocol,
        calendar: s.calendar(),
    };
    let opts = escalate_report::ReportOptions {
        form: FormId::new("rpd-report").unwrap(),
        stage: None,
        effectiveness: String::new(),
        notes: String::new(),
        generated_at: t("2026-11-03T09:00"),
    };
    let e = escalate_report::render(&input, &opts).unwrap_err();
    assert_eq!(e.code(), "report.form_not_in_protocol");
    assert!(
        e.to_string().contains("uses stage-record, chronology"),
        "{e}"
    );
    let opts = escalate_report::ReportOptions {
        form: FormId::STAGE_RECORD,
        ..opts
    };
    assert!(escalate_report::render(&input, &opts)
        .unwrap_err()
        .to_string()
        .contains("there is no record of Stage 1 yet"));
}

#[tokio::test]
async fn rpd_report_text_snapshot() {
    // The whole extracted text of a fixed report, so any change to the form is seen in
    // review. Rewrite with UPDATE_SNAPSHOTS=1 after a deliberate change.
    let dir = tempfile::tempdir().unwrap();
    let (s, r) = western_bay(dir.path(), "Neglect concerns — lateness, hunger, a bruise.").await;
    let pdf = pdf(
        &s,
        &r,
        FormId::new("rpd-report").unwrap(),
        None,
        "Clear.",
        t("2026-11-20T17:00"),
    )
    .await;
    let got = text(&pdf, None);
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/rpd-report.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let want =
        std::fs::read_to_string(&path).expect("snapshot exists: run with UPDATE_SNAPSHOTS=1 once");
    assert_eq!(
        got, want,
        "the RPD Report's text changed: check it, then UPDATE_SNAPSHOTS=1"
    );
}

/// A protocol file of the fixtures, shared as a case file holds its protocol.
fn fixture_protocol(file: &str) -> std::sync::Arc<escalate_core::Protocol> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/protocols")
        .join(file);
    let src = std::fs::read_to_string(&path).unwrap();
    std::sync::Arc::new(
        escalate_core::Protocol::from_toml(&src, file).unwrap_or_else(|e| panic!("{e}")),
    )
}

/// A Darlington case taken to its Stage 3 interagency meeting, built from its events as
/// the store's case file holds it (the store does not yet run cases under a protocol
/// file it was not shipped with).
fn darlington_case() -> (escalate_core::CaseFile, escalate_core::model::Profile) {
    use escalate_core::case::{Event, Opening, RecordSummary};
    use escalate_core::model::{Participant, Profile, StageRecord};
    use escalate_core::{Case, CaseFile, CaseText, LoggedEvent};
    let protocol = fixture_protocol("darlington.toml");
    let issues = RecordField::new("outstanding-issues").unwrap();
    let record = |id: i64, stage: u8, day: u32, extra: &[(&RecordField, &str)]| StageRecord {
        id,
        stage,
        discussed_at: t(&format!("2026-11-{day:02}T10:00")),
        participants: vec![Participant {
            name: format!("Manager {stage}"),
            role: "Team Manager".into(),
            agency: "Darlington Children's Services".into(),
        }],
        raising_view: String::new(),
        receiving_view: String::new(),
        summary: format!("Stage {stage}: the difference discussed."),
        agreed: format!("Stage {stage}: actions agreed."),
        resolved: false,
        extra: extra
            .iter()
            .map(|(k, v)| ((*k).clone(), (*v).to_owned()))
            .collect(),
        next_step: if stage == 3 {
            "Review at the core group on 1 December.".into()
        } else {
            String::new()
        },
        approved_by: None,
        approved_on: None,
        recorded_at: t(&format!("2026-11-{day:02}T12:00")),
        recorded_by: "Alex Morgan".into(),
    };
    let records = vec![
        record(1, 1, 2, &[]),
        record(2, 2, 3, &[]),
        record(3, 3, 5, &[(&issues, "Who convenes the next review.")]),
    ];
    let summary = |r: &StageRecord| {
        Event::Record(RecordSummary {
            record: Some(r.id),
            discussed_at: r.discussed_at,
            resolved: r.resolved,
            fields: r.extra.keys().cloned().collect(),
        })
    };
    let escalate = |day: u32, to: u8| Event::Escalate {
        at: t(&format!("2026-11-{day:02}T15:00")),
        to_stage: Some(to),
        reason: None,
        skip: None,
    };
    let events = vec![
        Event::Open {
            at: t("2026-11-02T09:00"),
            opening: Opening::default(),
        },
        summary(&records[0]),
        escalate(2, 2),
        summary(&records[1]),
        escalate(3, 3),
        summary(&records[2]),
        Event::MarkSent {
            at: t("2026-11-05T16:00"),
            stage: Some(3),
            notification: "recording-tool-to-business-unit".into(),
            to: "DSP Business Unit".into(),
            due: None,
            note: String::new(),
        },
    ];
    let engine = Case::replay(&protocol, &events).unwrap_or_else(|e| panic!("{e}"));
    let file = CaseFile {
        case: CaseText {
            reference: "RPD-2026-0007".into(),
            protocol_id: protocol.id.clone(),
            protocol_version: protocol.version.clone(),
            protocol_sha256: String::new(),
            child_name: CHILD.into(),
            child_dob: None,
            child_identifiers: String::new(),
            category: "Closure of a case".into(),
            summary: "Disagreement about closing the case while concerns remain.".into(),
            raising_professional: Some("Alex Morgan".into()),
            receiving_professional: Some("Jo Evans".into()),
            opened_at: t("2026-11-02T09:00"),
            immediate_risk: None,
            created_at: t("2026-11-02T09:00"),
            updated_at: t("2026-11-05T16:00"),
        },
        raising_agency: "Darlington Primary School".into(),
        receiving_agency: "Darlington Children's Services".into(),
        records,
        events: events
            .into_iter()
            .enumerate()
            .map(|(i, event)| LoggedEvent {
                seq: i as i64 + 1,
                at: t("2026-11-05T16:00"),
                actor: "Alex Morgan".into(),
                event,
            })
            .collect(),
        engine,
        protocol: std::sync::Arc::clone(&protocol),
        integrity: Default::default(),
    };
    let profile = Profile {
        name: "Alex Morgan".into(),
        designation: "Designated Safeguarding Lead".into(),
        agency: "Darlington Primary School".into(),
        sector: Sector::Schools,
        protocol_id: protocol.id.clone(),
        calendar: CalendarId::EnglandAndWales,
        auto_lock_minutes: 10,
    };
    (file, profile)
}

#[test]
fn a_partnership_specific_form_prints_with_its_own_labels() {
    let (file, profile) = darlington_case();
    let calendar = escalate_core::Calendar::new(CalendarId::EnglandAndWales);
    let now = t("2026-11-06T09:00");
    let case = file.detail(&calendar, now).unwrap();
    let chronology = file.chronology(&calendar, now).unwrap();
    let input = escalate_report::ReportInput {
        profile: &profile,
        case: &case,
        chronology: &chronology,
        protocol: &file.protocol,
        calendar: &calendar,
    };
    let form = FormId::new("professional-challenge-recording-tool").unwrap();
    assert_eq!(file.protocol.form_ids()[0], form);
    let opts = escalate_report::ReportOptions {
        form,
        stage: None,
        effectiveness: String::new(),
        notes: String::new(),
        generated_at: now,
    };
    let pdf = escalate_report::render(&input, &opts).unwrap();
    check_pdf(&pdf);
    // Kept for a look (docs/screenshots has it as a PNG).
    std::fs::write(
        std::env::temp_dir().join("escalate-recording-tool.pdf"),
        &pdf,
    )
    .unwrap();
    let text = text(&pdf, None);
    assert_contains_all(
        &text,
        &[
            // Its own title, heading, words and labels, from the fixture.
            "Darlington Safeguarding Partnership",
            "Professional Challenge Recording Tool",
            "Details of next steps should also be captured.",
            "The professional challenge",
            "Child or adult at risk",
            "Practitioner raising the",
            "The reason for",
            "Stage 3: interagency meeting",
            "Date of the meeting",
            "Record of discussion",
            "Agreed outcomes/actions",
            "Details of any outstanding",
            "Details of next steps",
            "Resolved at this stage",
            "Copy to the DSP Business Unit",
            "Completed by",
            // Values, from Stage 3 only where the form says so.
            CHILD,
            "Alex Morgan",
            "Darlington Primary School",
            "Jo Evans",
            "Darlington Children's Services",
            "Disagreement about closing the case while concerns remain.",
            "05/11/2026 10:00",
            "Stage 3: the difference discussed.",
            "Stage 3: actions agreed.",
            "Who convenes the next review.",
            "Review at the core group on 1 December.",
            "☐ Yes",
            "☒ No",
            "05/11/2026",
            "Designated Safeguarding Lead",
            "06/11/2026",
            "Case reference: RPD-2026-0007",
        ],
    );
    // Nothing of another partnership's form, and nothing from Stages 1 and 2.
    for absent in [
        "Western Bay",
        "Monitoring Form",
        "Stage 1: the difference discussed.",
        "Stage 2: actions agreed.",
    ] {
        assert!(!text.contains(absent), "{absent} printed:\n{text}");
    }
}

#[test]
fn the_recording_tool_says_a_left_out_stage_was_left_out() {
    use escalate_core::case::Event;
    use escalate_core::{Case, LoggedEvent};
    // Darlington's Stage 3 meeting is optional: this case went from Stage 2 to 4 on a
    // recorded decision, so the tool's Stage 3 boxes have no record to show.
    let (mut file, profile) = darlington_case();
    file.records.truncate(2);
    let mut events: Vec<Event> = file
        .events
        .iter()
        .take(4)
        .map(|e| e.event.clone())
        .collect();
    events.push(Event::Escalate {
        at: t("2026-11-03T15:00"),
        to_stage: Some(4),
        reason: None,
        skip: Some(escalate_core::SkipDecision {
            reason: "No meeting needed: the managers agreed the way forward.".into(),
            decided_by: "Jo Evans".into(),
            role: None,
        }),
    });
    file.engine = Case::replay(&file.protocol, &events).unwrap_or_else(|e| panic!("{e}"));
    file.events.truncate(4);
    file.events.push(LoggedEvent {
        seq: 5,
        at: t("2026-11-03T15:00"),
        actor: "Alex Morgan".into(),
        event: events[4].clone(),
    });
    let calendar = escalate_core::Calendar::new(CalendarId::EnglandAndWales);
    let now = t("2026-11-06T09:00");
    let case = file.detail(&calendar, now).unwrap();
    let chronology = file.chronology(&calendar, now).unwrap();
    let input = escalate_report::ReportInput {
        profile: &profile,
        case: &case,
        chronology: &chronology,
        protocol: &file.protocol,
        calendar: &calendar,
    };
    let opts = escalate_report::ReportOptions {
        form: FormId::new("professional-challenge-recording-tool").unwrap(),
        stage: None,
        effectiveness: String::new(),
        notes: String::new(),
        generated_at: now,
    };
    let pdf = escalate_report::render(&input, &opts).unwrap();
    check_pdf(&pdf);
    let text = text(&pdf, None);
    // Each box filled from the Stage 3 record says why it is empty.
    let said = text.matches("Stage 3 left out").count();
    assert!(said >= 4, "{said} times:\n{text}");
    // Boxes filled from the case itself are filled as before.
    assert_contains_all(&text, &[CHILD, "Disagreement about closing the case"]);
    for absent in [
        "Stage 2: the difference discussed.",
        "Stage 2: actions agreed.",
    ] {
        assert!(!text.contains(absent), "{absent} printed:\n{text}");
    }
}

/// Every word a specimen prints: the form's own words and the layout's.
fn form_words(p: &escalate_core::Protocol, f: &escalate_core::protocol::FormDef) -> Vec<String> {
    use escalate_core::form::ItemKind;
    let mut words = vec![
        f.title.clone(),
        f.organisation
            .clone()
            .unwrap_or_else(|| p.partnership.clone()),
        "Specimen: not filled in".to_owned(),
    ];
    words.extend(f.intro.clone());
    for s in &f.sections {
        words.extend(s.heading.clone());
        for item in &s.items {
            match item.kind() {
                ItemKind::Paragraph(w) => words.push(w.to_owned()),
                ItemKind::Ticks { label, .. } | ItemKind::Field { label, .. } => {
                    words.push(label.to_owned());
                }
            }
            words.extend(item.labels.iter().cloned());
        }
    }
    words
}

fn folded(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The PDF's text in the order it is drawn (`pdftotext -raw`): a label's lines stay
/// together and a line ending in a hyphen is not joined to the next.
fn raw_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.pdf");
    std::fs::write(&f, pdf).unwrap();
    crate::tool("pdftotext", &["-raw", f.to_str().unwrap(), "-"])
}

#[test]
fn a_blank_specimen_shows_every_label_and_no_case_data() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/protocols");
    let mut protocols: Vec<std::sync::Arc<escalate_core::Protocol>> =
        escalate_core::builtin_protocols()
            .unwrap()
            .iter()
            .cloned()
            .map(std::sync::Arc::new)
            .collect();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".toml") {
            protocols.push(fixture_protocol(&name));
        }
    }
    let mut printed = 0;
    for p in &protocols {
        for f in &p.forms {
            let pdf = escalate_api::reports::specimen(p, &f.id, t("2026-11-20T17:00")).unwrap();
            check_pdf(&pdf);
            let text = folded(&raw_text(&pdf));
            let words = form_words(p, f);
            for w in &words {
                assert!(
                    text.contains(&folded(w)),
                    "{}/{}: '{w}' not printed:\n{text}",
                    p.id,
                    f.id
                );
            }
            // What is left once every label is taken out is the layout's own: boxes to
            // tick, their stage numbers or yes and no, and the page numbers.
            let mut rest = text.clone();
            let mut by_length = words.clone();
            by_length.sort_by_key(|w| std::cmp::Reverse(w.len()));
            for w in &by_length {
                rest = rest.replace(&folded(w), " ");
            }
            for word in rest.split_whitespace() {
                assert!(
                    ["☐", "Stage", "Yes", "No", "Page", "of"].contains(&word)
                        || word.chars().all(|c| c.is_ascii_digit()),
                    "{}/{}: '{word}' is not the form's own: {rest}",
                    p.id,
                    f.id
                );
            }
            assert!(!text.contains('☒'), "{}/{}: a box is ticked", p.id, f.id);
            printed += 1;
        }
    }
    assert_eq!(printed, 4, "the three seed forms and the fixture's own");
    // The two forms every protocol has are Escalate's, with no specimen of their own.
    let wb = escalate_core::builtin_protocol("western-bay")
        .unwrap()
        .unwrap();
    let e = escalate_api::reports::specimen(wb, &FormId::CHRONOLOGY, t("2026-11-20T17:00"))
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("form"));
    assert!(e.message.contains("use one of rpd-report"), "{e}");
}
