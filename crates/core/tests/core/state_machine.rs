//! The case state machine refuses illegal moves with typed errors and changes nothing.

use escalate_core::protocol::RecordField;
use escalate_core::{Case, CaseState, Event, Opening, Sector, TransitionError};

use crate::{dt, open, protocol, record};

fn escalate(at: &str) -> Event {
    Event::Escalate {
        at: dt(at),
        to_stage: None,
        reason: None,
        skip: None,
    }
}

/// Apply and check that a refused move left the case as it was.
fn refused(case: &mut Case, id: &str, event: Event) -> TransitionError {
    let before = case.clone();
    let e = case.apply(protocol(id), event).unwrap_err();
    assert_eq!(*case, before, "a refused move must not change the case");
    e
}

#[test]
fn opens_at_the_first_formal_stage() {
    assert_eq!(open("doncaster", "2026-11-23T09:00").current_stage(), 1);
    assert_eq!(open("western-bay", "2026-11-23T09:00").current_stage(), 1);
    // Doncaster's informal stage may be recorded as the start.
    let informal = Case::open(
        protocol("doncaster"),
        dt("2026-11-23T09:00"),
        Opening {
            stage: Some(0),
            ..Opening::default()
        },
    )
    .unwrap();
    assert_eq!(informal.current_stage(), 0);
}

#[test]
fn higher_start_needs_protocol_permission_and_a_reason() {
    let at = dt("2026-11-23T09:00");
    let sg = protocol("south-gloucestershire");
    let higher = |risk: Option<&str>| Opening {
        stage: Some(3),
        immediate_risk: risk.map(str::to_owned),
        ..Opening::default()
    };
    let e = Case::open(sg, at, higher(None)).unwrap_err();
    assert_eq!(e.code(), "stage.reason_required");
    assert!(e.to_string().contains("immediate_risk"));
    let e = Case::open(sg, at, higher(Some("   "))).unwrap_err();
    assert_eq!(e.code(), "stage.reason_required");
    let c = Case::open(sg, at, higher(Some("Child left alone overnight"))).unwrap();
    assert_eq!(c.current_stage(), 3);
    assert_eq!(
        c.immediate_risk.as_deref(),
        Some("Child left alone overnight")
    );

    let e = Case::open(protocol("western-bay"), at, higher(Some("risk"))).unwrap_err();
    assert_eq!(e.code(), "stage.higher_not_allowed");
    let e = Case::open(
        sg,
        at,
        Opening {
            stage: Some(9),
            ..Opening::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "stage.unknown");
    assert!(e.to_string().contains("1, 2, 3, 4"));
}

#[test]
fn western_bay_stage_3_needs_the_risk_analysis_before_stage_4() {
    let id = "western-bay";
    let mut c = open(id, "2026-11-23T09:00");
    let p = protocol(id);
    for (i, at) in ["2026-11-23T12:00", "2026-11-24T10:00"].iter().enumerate() {
        c.apply(p, record(at, false, &[])).unwrap();
        c.apply(p, escalate(at)).unwrap();
        assert_eq!(c.current_stage(), i as u8 + 2);
    }
    // Stage 3 with no record at all.
    let e = refused(&mut c, id, escalate("2026-11-25T10:00"));
    assert_eq!(e.code(), "stage.requirements_missing");
    // A record without the analysis is not enough.
    c.apply(p, record("2026-11-25T10:00", false, &[])).unwrap();
    let e = refused(&mut c, id, escalate("2026-11-25T11:00"));
    assert!(e.to_string().contains("'risk-analysis'"), "{e}");
    assert_eq!(c.escalation_blockers(p).len(), 1);
    c.apply(
        p,
        record(
            "2026-11-25T12:00",
            false,
            &[RecordField::new("risk-analysis").unwrap()],
        ),
    )
    .unwrap();
    c.apply(p, escalate("2026-11-25T13:00")).unwrap();
    assert_eq!(c.current_stage(), 4);
    assert!(c
        .escalation_blockers(p)
        .contains(&escalate_core::protocol::Requirement::Record));
}

#[test]
fn a_record_may_only_fill_fields_the_stage_asks_for() {
    let mut c = open("western-bay", "2026-11-23T09:00");
    let e = refused(
        &mut c,
        "western-bay",
        record(
            "2026-11-23T10:00",
            false,
            &[RecordField::new("risk-analysis").unwrap()],
        ),
    );
    assert_eq!(e.code(), "record.field_not_used");
}

#[test]
fn no_stage_after_the_last() {
    let id = "south-gloucestershire";
    let mut c = Case::open(
        protocol(id),
        dt("2026-11-23T09:00"),
        Opening {
            stage: Some(4),
            immediate_risk: Some("immediate harm".to_owned()),
            ..Opening::default()
        },
    )
    .unwrap();
    let e = refused(&mut c, id, escalate("2026-11-23T10:00"));
    assert_eq!(e.code(), "stage.last");
}

#[test]
fn skipping_stages_only_with_immediate_risk_where_allowed() {
    let skip = |reason: Option<&str>| Event::Escalate {
        at: dt("2026-11-23T10:00"),
        to_stage: Some(3),
        reason: reason.map(str::to_owned),
        skip: None,
    };
    let mut sg = open("south-gloucestershire", "2026-11-23T09:00");
    sg.apply(
        protocol("south-gloucestershire"),
        record("2026-11-23T09:30", false, &[]),
    )
    .unwrap();
    let e = refused(&mut sg, "south-gloucestershire", skip(None));
    assert_eq!(e.code(), "stage.reason_required");
    sg.apply(
        protocol("south-gloucestershire"),
        skip(Some("Threats to the child today")),
    )
    .unwrap();
    assert_eq!(sg.current_stage(), 3);

    let mut london = open("london", "2026-11-23T09:00");
    london
        .apply(protocol("london"), record("2026-11-23T09:30", false, &[]))
        .unwrap();
    let e = refused(&mut london, "london", skip(Some("urgent")));
    assert_eq!(e.code(), "stage.higher_not_allowed");
    let e = refused(
        &mut london,
        "london",
        Event::Escalate {
            at: dt("2026-11-23T10:00"),
            to_stage: Some(1),
            reason: None,
            skip: None,
        },
    );
    assert_eq!(e.code(), "stage.not_higher");
}

#[test]
fn closed_cases_refuse_stage_moves() {
    let id = "doncaster";
    let p = protocol(id);
    let mut c = open(id, "2026-11-23T09:00");
    c.apply(
        p,
        Event::Resolve {
            outcome: String::new(),
            at: dt("2026-11-24T09:00"),
        },
    )
    .unwrap();
    assert_eq!(
        c.state,
        CaseState::Resolved {
            at: dt("2026-11-24T09:00"),
            stage: 1
        }
    );
    for event in [
        escalate("2026-11-24T10:00"),
        Event::Resolve {
            outcome: String::new(),
            at: dt("2026-11-24T10:00"),
        },
        Event::Withdraw {
            at: dt("2026-11-24T10:00"),
            reason: "x".into(),
        },
        record("2026-11-24T10:00", true, &[]),
    ] {
        assert_eq!(refused(&mut c, id, event).code(), "case.closed");
    }
}

#[test]
fn withdraw_needs_a_reason() {
    let mut c = open("london", "2026-11-23T09:00");
    let e = refused(
        &mut c,
        "london",
        Event::Withdraw {
            at: dt("2026-11-23T10:00"),
            reason: " ".into(),
        },
    );
    assert_eq!(e.code(), "field.empty");
    assert!(e.to_string().starts_with("reason"));
}

#[test]
fn redirect_names_the_exclusions() {
    let id = "western-bay";
    let mut c = open(id, "2026-11-23T09:00");
    let e = refused(
        &mut c,
        id,
        Event::Redirect {
            at: dt("2026-11-23T09:00"),
            exclusion: "weather".into(),
        },
    );
    assert_eq!(e.code(), "exclusion.unknown");
    assert!(e.to_string().contains("registered-child-not-protected"));
    c.apply(
        protocol(id),
        Event::Redirect {
            at: dt("2026-11-23T09:00"),
            exclusion: "intra-agency".into(),
        },
    )
    .unwrap();
    assert_eq!(c.state.as_str(), "redirected");
}

#[test]
fn times_before_the_stage_are_refused() {
    let id = "doncaster";
    let mut c = open(id, "2026-11-23T09:00");
    let e = refused(&mut c, id, escalate("2026-11-22T09:00"));
    assert_eq!(e.code(), "time.too_early");
    let e = refused(&mut c, id, record("2026-11-20T09:00", false, &[]));
    assert!(e.to_string().starts_with("discussed_at"));
}

#[test]
fn notifications_are_marked_once_and_only_when_owed() {
    let id = "doncaster";
    let p = protocol(id);
    let mut c = open(id, "2026-11-23T09:00");
    let sent = |stage: Option<u8>, n: &str| Event::MarkSent {
        to: String::new(),
        due: None,
        note: String::new(),
        at: dt("2026-11-23T15:00"),
        stage,
        notification: n.to_owned(),
    };
    c.apply(p, sent(Some(1), "form-to-business-unit")).unwrap();
    assert_eq!(
        refused(&mut c, id, sent(Some(1), "form-to-business-unit")).code(),
        "notification.already_sent"
    );
    assert_eq!(
        refused(&mut c, id, sent(Some(1), "outcome-in-writing")).code(),
        "notification.not_owed"
    );
    assert_eq!(
        refused(&mut c, id, sent(Some(1), "pigeon")).code(),
        "notification.unknown"
    );
    assert_eq!(
        refused(&mut c, id, sent(None, "final-resolution-to-all")).code(),
        "notification.not_owed"
    );
    assert_eq!(
        refused(&mut c, id, sent(Some(2), "escalation-to-business-unit")).code(),
        "notification.not_owed"
    );
}

#[test]
fn receipt_is_recorded_once() {
    let id = "doncaster";
    let mut c = open(id, "2026-11-23T09:00");
    c.apply(
        protocol(id),
        Event::Receive {
            at: dt("2026-11-24T09:00"),
        },
    )
    .unwrap();
    assert_eq!(
        refused(
            &mut c,
            id,
            Event::Receive {
                at: dt("2026-11-24T10:00")
            }
        )
        .code(),
        "stage.already_received"
    );
}

#[test]
fn sectors_are_kept() {
    let c = Case::open(
        protocol("south-gloucestershire"),
        dt("2026-11-23T09:00"),
        Opening {
            raising_sector: Some(Sector::Schools),
            receiving_sector: Some(Sector::Police),
            ..Opening::default()
        },
    )
    .unwrap();
    assert_eq!(c.raising_sector, Some(Sector::Schools));
}

#[test]
fn a_case_of_another_protocol_is_refused() {
    let mut c = open("doncaster", "2026-11-23T09:00");
    let before = c.clone();
    let e = c
        .apply(protocol("london"), escalate("2026-11-24T09:00"))
        .unwrap_err();
    assert_eq!(e.code(), "case.wrong_protocol");
    assert_eq!(c, before);
}
