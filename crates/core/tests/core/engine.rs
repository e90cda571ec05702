//! The engine's answers for real cases at real moments, counted by hand.

use escalate_core::engine::{DeadlineKind, Side};
use escalate_core::protocol::RecordField;
use escalate_core::{Calendar, CalendarId, Case, Due, Engine, Event, Opening, Sector, Urgency};

use crate::{d, dt, open, protocol, record};

fn ew() -> Calendar {
    Calendar::new(CalendarId::EnglandAndWales)
}

fn sent(stage: Option<u8>, id: &str, at: &str) -> Event {
    Event::MarkSent {
        to: String::new(),
        due: None,
        note: String::new(),
        at: dt(at),
        stage,
        notification: id.to_owned(),
    }
}

#[test]
fn doncaster_stage_1_on_the_day_it_opens() {
    let cal = ew();
    let c = open("doncaster", "2026-11-23T09:00");
    let s = Engine::new(&cal, dt("2026-11-23T10:00"))
        .unwrap()
        .status(protocol("doncaster"), &c)
        .unwrap();
    assert_eq!(s.stage, 1);
    assert_eq!(s.state, "open");
    let stage = s
        .deadlines
        .iter()
        .find(|x| x.kind == DeadlineKind::Stage)
        .unwrap();
    assert_eq!(stage.due, Due::EndOfDay(d("2026-11-30")));
    assert_eq!(stage.urgency, Urgency::OnTrack);
    // Copies to the receiving worker and the Business Unit: the same working day.
    let copies: Vec<_> = s
        .deadlines
        .iter()
        .filter(|x| x.due == Due::EndOfDay(d("2026-11-23")))
        .map(|x| x.id.as_ref())
        .collect();
    assert_eq!(
        copies,
        ["form-to-receiving-worker", "form-to-business-unit"]
    );
    assert_eq!(s.urgency, Urgency::DueSoon);
    assert_eq!(
        s.next_deadline.as_ref().unwrap().due,
        Due::EndOfDay(d("2026-11-23"))
    );
    // The escalation form is owed from the start of Stage 1.
    assert!(s
        .forms
        .iter()
        .any(|f| f.form.form == escalate_core::FormId::new("escalation-form").unwrap() && f.owed));
    assert!(s
        .next_step
        .starts_with("If the issue is not resolved within the 5 working days"));
    assert_eq!(
        s.contacts[0].who,
        "The relevant worker in the agency that the disagreement is being lodged with"
    );
}

#[test]
fn urgency_moves_from_on_track_to_overdue_by_working_days() {
    let cal = ew();
    let p = protocol("doncaster");
    let mut c = open("doncaster", "2026-11-23T09:00");
    c.apply(
        p,
        sent(Some(1), "form-to-receiving-worker", "2026-11-23T11:00"),
    )
    .unwrap();
    c.apply(
        p,
        sent(Some(1), "form-to-business-unit", "2026-11-23T11:00"),
    )
    .unwrap();
    c.apply(p, sent(Some(1), "acknowledgement", "2026-11-23T11:00"))
        .unwrap();
    let at = |now: &str| {
        Engine::new(&cal, dt(now))
            .unwrap()
            .status(p, &c)
            .unwrap()
            .urgency
    };
    assert_eq!(at("2026-11-25T10:00"), Urgency::OnTrack);
    // Friday 27th: due Monday 30th, the next working day.
    assert_eq!(at("2026-11-27T10:00"), Urgency::DueSoon);
    assert_eq!(at("2026-11-30T23:59"), Urgency::DueSoon);
    assert_eq!(at("2026-12-01T00:01"), Urgency::Overdue { working_days: 1 });
    assert_eq!(at("2026-12-03T10:00"), Urgency::Overdue { working_days: 3 });
    // Saturday 5th: Tuesday to Friday have passed since the deadline.
    assert_eq!(at("2026-12-05T10:00"), Urgency::Overdue { working_days: 4 });
    assert_eq!(
        Urgency::Overdue { working_days: 4 }.words(),
        "overdue by 4 working days"
    );
}

#[test]
fn south_gloucestershire_counts_from_the_outset_and_names_sector_roles() {
    let cal = ew();
    let p = protocol("south-gloucestershire");
    let mut c = Case::open(
        p,
        dt("2026-11-23T09:00"),
        Opening {
            raising_sector: Some(Sector::Schools),
            receiving_sector: Some(Sector::Police),
            ..Opening::default()
        },
    )
    .unwrap();
    let engine = Engine::new(&cal, dt("2026-11-23T10:00")).unwrap();
    let s = engine.status(p, &c).unwrap();
    let cumulative = s
        .deadlines
        .iter()
        .find(|x| x.kind == DeadlineKind::Cumulative)
        .unwrap();
    assert_eq!(cumulative.due, Due::EndOfDay(d("2026-11-24")));
    let worker = s
        .deadlines
        .iter()
        .find(|x| x.id == "worker-discussion")
        .unwrap();
    assert_eq!(worker.due, Due::At(dt("2026-11-24T09:00")));
    let roles: Vec<_> = s
        .contacts
        .iter()
        .skip(1)
        .map(|c| (c.side, c.who.as_ref()))
        .collect();
    assert_eq!(
        roles,
        [
            (Side::Raising, "Staff member and line manager"),
            (
                Side::Receiving,
                "Staff member /Police Officer and Detective Sergeant"
            )
        ]
    );

    // The practitioners fail at 14:00: managers must make contact within 24 hours.
    c.apply(
        p,
        record(
            "2026-11-23T14:00",
            false,
            &[RecordField::new("evidence").unwrap()],
        ),
    )
    .unwrap();
    let s = engine.status(p, &c).unwrap();
    assert!(s.deadlines.iter().all(|x| x.id != "worker-discussion"));
    let mgr = s
        .deadlines
        .iter()
        .find(|x| x.id == "managers-contact")
        .unwrap();
    assert_eq!(mgr.due, Due::At(dt("2026-11-24T14:00")));

    // Escalated on the 24th: Stage 2 is due on the 25th (2 working days from the
    // outset), not the 26th (2 from the stage).
    c.apply(
        p,
        Event::Escalate {
            at: dt("2026-11-24T09:00"),
            to_stage: None,
            reason: None,
            skip: None,
        },
    )
    .unwrap();
    let s = Engine::new(&cal, dt("2026-11-24T10:00"))
        .unwrap()
        .status(p, &c)
        .unwrap();
    assert_eq!(s.stage, 2);
    let cumulative = s
        .deadlines
        .iter()
        .find(|x| x.kind == DeadlineKind::Cumulative)
        .unwrap();
    assert_eq!(cumulative.due, Due::EndOfDay(d("2026-11-25")));
    assert_eq!(s.contacts[1].who, "Line manager and Head Teacher");
}

#[test]
fn an_old_south_gloucestershire_case_is_overdue_by_working_days() {
    let cal = ew();
    let c = open("south-gloucestershire", "2026-11-02T09:00");
    let s = Engine::new(&cal, dt("2026-11-21T10:00"))
        .unwrap()
        .status(protocol("south-gloucestershire"), &c)
        .unwrap();
    // Due 3 Nov; working days 4-6, 9-13, 16-20 Nov have passed.
    assert_eq!(s.urgency, Urgency::Overdue { working_days: 13 });
}

#[test]
fn a_shorter_child_protective_deadline_wins_only_when_earlier() {
    let cal = ew();
    let p = protocol("london");
    let mut c = open("london", "2026-11-23T09:00");
    c.apply(
        p,
        Event::ShortenDeadline {
            at: None,
            due: dt("2026-12-10T17:00"),
            reason: "later".into(),
        },
    )
    .unwrap();
    let engine = Engine::new(&cal, dt("2026-11-23T10:00")).unwrap();
    let s = engine.status(p, &c).unwrap();
    let stage = s
        .deadlines
        .iter()
        .find(|x| x.kind == DeadlineKind::Stage)
        .unwrap();
    assert_eq!(
        (stage.due, stage.shortened.as_deref()),
        (Due::EndOfDay(d("2026-11-30")), None)
    );

    c.apply(
        p,
        Event::ShortenDeadline {
            at: None,
            due: dt("2026-11-25T17:00"),
            reason: "Baby due home on Wednesday".into(),
        },
    )
    .unwrap();
    let s = engine.status(p, &c).unwrap();
    let stage = s
        .deadlines
        .iter()
        .find(|x| x.kind == DeadlineKind::Stage)
        .unwrap();
    assert_eq!(stage.due, Due::At(dt("2026-11-25T17:00")));
    assert_eq!(
        stage.shortened.as_deref(),
        Some("Baby due home on Wednesday")
    );
    let overdue = Engine::new(&cal, dt("2026-11-25T17:01"))
        .unwrap()
        .status(p, &c)
        .unwrap();
    assert_eq!(overdue.urgency, Urgency::Overdue { working_days: 1 });
}

#[test]
fn resolution_leaves_only_what_is_owed() {
    let cal = ew();
    let p = protocol("doncaster");
    let mut c = open("doncaster", "2026-11-23T09:00");
    c.apply(
        p,
        Event::Resolve {
            outcome: String::new(),
            at: dt("2026-11-26T11:00"),
        },
    )
    .unwrap();
    let s = Engine::new(&cal, dt("2026-11-26T12:00"))
        .unwrap()
        .status(p, &c)
        .unwrap();
    assert_eq!(s.state, "resolved");
    assert!(s
        .deadlines
        .iter()
        .all(|x| x.kind == DeadlineKind::Notification));
    let outcome = s
        .deadlines
        .iter()
        .find(|x| x.id == "outcome-in-writing")
        .unwrap();
    // Within 2 working days of Thursday 26th: Monday 30th.
    assert_eq!(outcome.due, Due::EndOfDay(d("2026-11-30")));
    let final_notes: Vec<_> = s
        .deadlines
        .iter()
        .filter(|x| x.stage.is_none())
        .map(|x| x.id.as_ref())
        .collect();
    assert_eq!(
        final_notes,
        ["final-resolution-to-all", "lessons-learned-shared"]
    );
    assert!(s.escalation_blockers.is_empty());
}

#[test]
fn withdrawn_and_redirected_cases_owe_nothing() {
    let cal = ew();
    let p = protocol("western-bay");
    let mut c = open("western-bay", "2026-11-23T09:00");
    c.apply(
        p,
        Event::Redirect {
            at: dt("2026-11-23T09:30"),
            exclusion: "conference-without-consensus".into(),
        },
    )
    .unwrap();
    let s = Engine::new(&cal, dt("2026-11-23T10:00"))
        .unwrap()
        .status(p, &c)
        .unwrap();
    assert!(s.deadlines.is_empty());
    assert!(s.next_step.contains("3.14.16"));
    assert_eq!(s.redirected_to, Some(s.next_step));
}

#[test]
fn western_bay_stage_5_report_goes_to_the_administrator() {
    let cal = ew();
    let p = protocol("western-bay");
    let mut c = Case::open(p, dt("2026-11-02T09:00"), Opening::default()).unwrap();
    for (stage, at) in [
        (1, "2026-11-02T10:00"),
        (2, "2026-11-03T10:00"),
        (3, "2026-11-04T10:00"),
        (4, "2026-11-05T10:00"),
    ] {
        let fields: &[RecordField] = if stage == 3 {
            &[RecordField::new("risk-analysis").unwrap()]
        } else {
            &[]
        };
        c.apply(p, record(at, false, fields)).unwrap();
        c.apply(
            p,
            Event::Escalate {
                at: dt(at),
                to_stage: None,
                reason: None,
                skip: None,
            },
        )
        .unwrap();
    }
    assert_eq!(c.current_stage(), 5);
    c.apply(p, record("2026-11-06T10:00", false, &[])).unwrap();
    let s = Engine::new(&cal, dt("2026-11-06T11:00"))
        .unwrap()
        .status(p, &c)
        .unwrap();
    assert!(s.deadlines.iter().any(
        |x| x.id == "report-to-administrator" && x.to.as_deref() == Some("WBSCB Administrator")
    ));
    // Owed from earlier stages too: the Stage 2 record copy and the risk analysis.
    assert!(s
        .deadlines
        .iter()
        .any(|x| x.id == "stage-2-record-copy" && x.stage == Some(3)));
    assert!(s
        .deadlines
        .iter()
        .any(|x| x.id == "risk-analysis-to-safeguarding-lead"));
    let report = s
        .forms
        .iter()
        .find(|f| f.form.form == escalate_core::FormId::new("rpd-report").unwrap() && f.owed)
        .unwrap();
    assert!(report
        .form
        .send_to
        .iter()
        .any(|t| t == "WBSCB Administrator"));
}

#[test]
fn summary_agrees_with_status() {
    let cal = ew();
    let engine = Engine::new(&cal, dt("2026-11-25T10:00")).unwrap();
    for id in [
        "western-bay",
        "london",
        "four-stage",
        "doncaster",
        "south-gloucestershire",
    ] {
        let p = protocol(id);
        let c = open(id, "2026-11-20T09:00");
        let full = engine.status(p, &c).unwrap();
        let quick = engine.summary(p, &c).unwrap();
        assert_eq!(quick.urgency, full.urgency, "{id}");
        assert_eq!(quick.next_due, full.next_deadline.map(|x| x.due), "{id}");
    }
}

#[test]
fn the_wrong_protocol_is_an_error() {
    let cal = ew();
    let c = open("doncaster", "2026-11-23T09:00");
    let e = Engine::new(&cal, dt("2026-11-23T10:00"))
        .unwrap()
        .status(protocol("london"), &c)
        .unwrap_err();
    assert_eq!(e.code(), "case.wrong_protocol");
}
