//! Format 2 in the engine and the state machine: limits over runs and the cap, routes,
//! optional and skippable stages, extensions. Each refused move changes nothing.

use escalate_core::engine::DeadlineKind;
use escalate_core::{
    Calendar, Case, DeadlineId, Due, Engine, Event, Opening, Protocol, SkipDecision,
    TransitionError,
};

use crate::fixtures::fixture;
use crate::{d, dt};

fn escalate(at: &str, to: Option<u8>, skip: Option<SkipDecision>) -> Event {
    Event::Escalate {
        at: dt(at),
        to_stage: to,
        reason: None,
        skip,
    }
}

fn decision(role: Option<&str>) -> SkipDecision {
    SkipDecision {
        reason: "The placement is breaking down this week".to_owned(),
        decided_by: "Sam Patel".to_owned(),
        role: role.map(str::to_owned),
    }
}

fn open_on(p: &Protocol, at: &str, opening: Opening) -> Case {
    Case::open(p, dt(at), opening).unwrap()
}

/// Apply (with the calendar checks) and check that a refused move changed nothing.
fn refused(case: &mut Case, p: &Protocol, event: Event) -> TransitionError {
    let before = case.clone();
    let cal = Calendar::new(p.calendar);
    let e = case.apply_on(p, &cal, event).unwrap_err();
    assert_eq!(*case, before, "a refused move must not change the case");
    e
}

fn applied(case: &mut Case, p: &Protocol, event: Event) {
    let cal = Calendar::new(p.calendar);
    case.apply_on(p, &cal, event)
        .unwrap_or_else(|e| panic!("{e}"));
}

fn status_of(
    p: &Protocol,
    case: &Case,
    now: &str,
) -> Vec<(DeadlineKind, String, String, Option<String>)> {
    let cal = Calendar::new(p.calendar);
    let engine = Engine::new(&cal, dt(now)).unwrap();
    let status = engine.status(p, case).unwrap();
    let summary = engine.summary(p, case).unwrap();
    assert_eq!(summary.urgency, status.urgency);
    status
        .deadlines
        .iter()
        .map(|x| {
            (
                x.kind,
                x.id.to_string(),
                x.due.to_string(),
                x.capped_by.as_deref().map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn a_run_limit_is_a_deadline_until_the_case_leaves_the_run() {
    let p = fixture("west-yorkshire");
    let mut c = open_on(p, "2026-11-23T09:00", Opening::default());
    let cal = Calendar::new(p.calendar);
    let engine = Engine::new(&cal, dt("2026-11-27T12:00")).unwrap();
    let s = engine.status(p, &c).unwrap();
    assert_eq!(s.route, "standard");
    assert_eq!(
        s.route_name,
        "Process of Resolving Professional Disagreements (section 3)"
    );
    let limit = s
        .deadlines
        .iter()
        .find(|x| x.kind == DeadlineKind::Limit)
        .unwrap();
    assert_eq!(limit.id, "steps-1-5");
    assert_eq!(limit.due, Due::EndOfDay(d("2026-11-30")));
    assert_eq!(
        limit.what,
        "Steps 1-5 in the process should not exceed 5 working days."
    );
    // Friday: due by the end of the next working day, Monday.
    assert_eq!(s.urgency.words(), "due within one working day");
    assert_eq!(s.next_deadline.unwrap().id, "steps-1-5");

    for (i, at) in ["2026-11-24T09:00", "2026-11-25T09:00", "2026-11-26T09:00"]
        .iter()
        .enumerate()
    {
        applied(&mut c, p, escalate(at, None, None));
        assert_eq!(c.current_stage(), i as u8 + 2);
        // Still in the run: still counting from the outset.
        assert_eq!(
            status_of(p, &c, at),
            [(
                DeadlineKind::Limit,
                "steps-1-5".to_owned(),
                "2026-11-30".to_owned(),
                None
            )]
        );
    }
    applied(&mut c, p, escalate("2026-11-27T09:00", None, None));
    // Overdue on Tuesday 1 December by one working day while still at step 5.
    let cal = Calendar::new(p.calendar);
    let late = Engine::new(&cal, dt("2026-12-01T09:00")).unwrap();
    assert_eq!(
        late.summary(p, &c).unwrap().urgency.words(),
        "overdue by 1 working day"
    );
    // Step 6 on Monday 30 November: the run's limit stops; step 6's own 14 days run.
    applied(&mut c, p, escalate("2026-11-30T10:00", None, None));
    assert_eq!(
        status_of(p, &c, "2026-11-30T10:00"),
        [(
            DeadlineKind::Stage,
            "timescale".to_owned(),
            "2026-12-18".to_owned(),
            None
        )]
    );
    applied(
        &mut c,
        p,
        Event::Resolve {
            at: dt("2026-12-01T10:00"),
            outcome: "Agreed".to_owned(),
        },
    );
    assert!(status_of(p, &c, "2026-12-01T10:00").is_empty());
}

/// West Yorkshire with an overall cap of `cap` on top of its run.
fn with_cap(cap: &str) -> Protocol {
    let src = include_str!("../../../../tests/protocols/west-yorkshire.toml").replace(
        "[[stages]]\nnumber = 1\n",
        &format!(
            "[[limits]]\nid = \"overall\"\ncap = true\nwithin = \"{cap}\"\nwords = \"The whole process.\"\n\n[[stages]]\nnumber = 1\n"
        ),
    );
    Protocol::from_toml(&src, "capped.toml").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_cap_wins_over_a_later_run_limit_and_says_so() {
    let p = with_cap("3 working days");
    let c = open_on(&p, "2026-11-23T09:00", Opening::default());
    assert_eq!(
        status_of(&p, &c, "2026-11-23T10:00"),
        [
            (
                DeadlineKind::Cap,
                "overall".to_owned(),
                "2026-11-26".to_owned(),
                None
            ),
            (
                DeadlineKind::Limit,
                "steps-1-5".to_owned(),
                "2026-11-26".to_owned(),
                Some("overall".to_owned())
            ),
        ]
    );
    let plan =
        escalate_core::plan_route(&p, &Calendar::new(p.calendar), dt("2026-11-23T09:00"), None)
            .unwrap();
    let run = plan.limits.iter().find(|l| l.id == "steps-1-5").unwrap();
    assert_eq!(run.due.to_string(), "2026-11-26");
    assert_eq!(run.capped_by.as_deref(), Some("overall"));
    // The stages of the run fall due with it, and step 6 starts then.
    assert_eq!(plan.stages[0].due.to_string(), "2026-11-26");
    assert_eq!(plan.stages[5].starts, Some(dt("2026-11-26T09:00")));

    // A later cap leaves the run's own due alone.
    let p = with_cap("20 working days");
    let c = open_on(&p, "2026-11-23T09:00", Opening::default());
    let s = status_of(&p, &c, "2026-11-23T10:00");
    assert!(s.contains(&(
        DeadlineKind::Limit,
        "steps-1-5".to_owned(),
        "2026-11-30".to_owned(),
        None
    )));
    assert!(s.contains(&(
        DeadlineKind::Cap,
        "overall".to_owned(),
        "2026-12-21".to_owned(),
        None
    )));
}

#[test]
fn the_iro_cap_counts_from_the_formal_process_and_the_iro_may_bypass_any_stage() {
    let p = fixture("iro-handbook-style");
    // Opened at the informal step: the cap has not started.
    let mut c = open_on(
        p,
        "2026-11-16T09:00",
        Opening {
            stage: Some(0),
            ..Opening::default()
        },
    );
    assert!(status_of(p, &c, "2026-11-16T10:00").is_empty());
    applied(&mut c, p, escalate("2026-11-23T09:00", None, None));
    assert!(status_of(p, &c, "2026-11-23T10:00").contains(&(
        DeadlineKind::Cap,
        "formal-process".to_owned(),
        "2026-12-21".to_owned(),
        None
    )));

    // Stage 1 to Stage 3 goes past Stage 2: the protocol lets the IRO bypass it, with a
    // recorded reason, who decided and their role.
    let e = refused(&mut c, p, escalate("2026-11-24T09:00", Some(3), None));
    assert_eq!(e.code(), "stage.skip_decision_required");
    assert_eq!(
        e.to_string(),
        "skip: going past Stage 2 needs a recorded decision: give the reason and who decided (and their role: the protocol says 'The IRO' decides)"
    );
    let e = refused(
        &mut c,
        p,
        escalate("2026-11-24T09:00", Some(3), Some(decision(None))),
    );
    assert_eq!(e.field(), Some("skip.role"));
    let mut blank = decision(Some("IRO"));
    blank.decided_by = " ".to_owned();
    let e = refused(
        &mut c,
        p,
        escalate("2026-11-24T09:00", Some(3), Some(blank)),
    );
    assert_eq!(e.code(), "field.empty");
    assert_eq!(e.field(), Some("skip.decided_by"));
    // A decision for a move that skips nothing is refused, not stored.
    let e = refused(
        &mut c,
        p,
        escalate("2026-11-24T09:00", None, Some(decision(Some("IRO")))),
    );
    assert_eq!(e.code(), "stage.nothing_skipped");

    applied(
        &mut c,
        p,
        escalate("2026-11-24T09:00", Some(3), Some(decision(Some("IRO")))),
    );
    assert_eq!(c.current_stage(), 3);
    let skip = &c.skips[0];
    assert_eq!(
        (skip.from, skip.to, skip.stages.clone()),
        (Some(1), 3, vec![2])
    );
    assert_eq!(skip.decision.role.as_deref(), Some("IRO"));
    assert_eq!(skip.decision.decided_by, "Sam Patel");
}

#[test]
fn a_chair_may_open_straight_at_a_later_stage_where_the_protocol_allows() {
    let p = fixture("iro-handbook-style");
    let opening = |skip| Opening {
        stage: Some(3),
        skip,
        ..Opening::default()
    };
    let e = Case::open(p, dt("2026-11-23T09:00"), opening(None)).unwrap_err();
    assert_eq!(e.code(), "stage.skip_decision_required");
    assert_eq!(e.to_string(), "skip: going past Stages 1, 2 needs a recorded decision: give the reason and who decided (and their role: the protocol says 'The IRO' decides)");
    let c = Case::open(
        p,
        dt("2026-11-23T09:00"),
        opening(Some(decision(Some("IRO")))),
    )
    .unwrap();
    assert_eq!(c.current_stage(), 3);
    assert_eq!(c.skips[0].from, None);
    assert_eq!(c.skips[0].stages, [1, 2]);
    // The cap counts from the first stage of the formal process the case reached.
    assert!(status_of(p, &c, "2026-11-23T10:00").contains(&(
        DeadlineKind::Cap,
        "formal-process".to_owned(),
        "2026-12-21".to_owned(),
        None
    )));
}

#[test]
fn an_optional_stage_may_be_skipped_with_a_reason_and_no_other_may() {
    let p = fixture("darlington");
    let mut c = open_on(p, "2026-11-23T09:00", Opening::default());
    applied(&mut c, p, crate::record("2026-11-23T15:00", false, &[]));
    // Stage 1 to 3 goes past Stage 2, which is not optional: refused as in format 1.
    let e = refused(&mut c, p, escalate("2026-11-24T09:00", Some(3), None));
    assert_eq!(e.code(), "stage.higher_not_allowed");
    let e = refused(
        &mut c,
        p,
        escalate("2026-11-24T09:00", Some(3), Some(decision(None))),
    );
    assert_eq!(e.code(), "stage.skip_not_allowed");
    assert!(
        e.to_string()
            .starts_with("to_stage: Stage 2 may not be skipped under this protocol"),
        "{e}"
    );

    applied(&mut c, p, escalate("2026-11-24T09:00", None, None));
    // Stage 2 to 4 goes past the optional Stage 3: a decision is needed, no role (the
    // protocol names none).
    let e = refused(&mut c, p, escalate("2026-11-26T09:00", Some(4), None));
    assert_eq!(e.code(), "stage.skip_decision_required");
    assert_eq!(
        e.to_string(),
        "skip: going past Stage 3 needs a recorded decision: give the reason and who decided"
    );
    applied(
        &mut c,
        p,
        escalate("2026-11-26T09:00", Some(4), Some(decision(None))),
    );
    assert_eq!(c.current_stage(), 4);
    assert_eq!(c.skips.len(), 1);
    assert_eq!(c.skips[0].stages, [3]);
}

#[test]
fn a_case_opens_on_the_route_its_question_chose() {
    let p = fixture("west-yorkshire");
    let c = open_on(
        p,
        "2026-11-23T15:30",
        Opening {
            route: Some("immediate".to_owned()),
            ..Opening::default()
        },
    );
    assert_eq!(c.route.as_deref(), Some("immediate"));
    let cal = Calendar::new(p.calendar);
    let s = Engine::new(&cal, dt("2026-11-23T16:00"))
        .unwrap()
        .status(p, &c)
        .unwrap();
    assert_eq!(s.route, "immediate");
    assert_eq!(s.route_name, "Immediate / 24 hour Escalation (section 4)");
    assert_eq!(s.stage_title, "Immediate / 24 hour Escalation");
    assert_eq!(
        s.deadlines.len(),
        1,
        "the standard route's limit is not this route's"
    );
    assert_eq!(s.deadlines[0].due, Due::At(dt("2026-11-24T15:30")));
    // The standard route's id opens on the standard route, kept as None.
    let std = open_on(
        p,
        "2026-11-23T15:30",
        Opening {
            route: Some("standard".to_owned()),
            ..Opening::default()
        },
    );
    assert_eq!(std.route, None);
    let e = Case::open(
        p,
        dt("2026-11-23T15:30"),
        Opening {
            route: Some("urgent".to_owned()),
            ..Opening::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "route.unknown");
    assert_eq!(e.field(), Some("route"));
}

#[test]
fn switching_route_keeps_the_stage_where_the_new_route_has_it() {
    let p = fixture("lincolnshire");
    let mut c = open_on(p, "2026-11-23T09:00", Opening::default());
    applied(&mut c, p, escalate("2026-11-24T09:00", None, None));
    applied(&mut c, p, escalate("2026-11-25T09:00", None, None));
    assert_eq!(c.current_stage(), 3);
    let switch = |reason: &str, to_stage| Event::SwitchRoute {
        at: dt("2026-11-25T12:00"),
        route: "urgent".to_owned(),
        reason: reason.to_owned(),
        to_stage,
    };
    let e = refused(&mut c, p, switch("  ", None));
    assert_eq!(e.field(), Some("reason"));
    applied(&mut c, p, switch("The child is at risk tonight", None));
    assert_eq!(c.route.as_deref(), Some("urgent"));
    assert_eq!(c.current_stage(), 3);
    assert_eq!(c.stages.len(), 3, "the same stage, its clock running on");
    assert_eq!(c.route_switches[0].reason, "The child is at risk tonight");
    // Step 3's two working days still count from when it started (beside step 1's
    // acknowledgement, owed without delay and not yet marked sent).
    assert_eq!(
        status_of(p, &c, "2026-11-25T12:00"),
        [
            (
                DeadlineKind::Notification,
                "acknowledgement".to_owned(),
                "without delay".to_owned(),
                None
            ),
            (
                DeadlineKind::Stage,
                "timescale".to_owned(),
                "2026-11-27".to_owned(),
                None
            )
        ]
    );
    let e = refused(&mut c, p, switch("again", None));
    assert_eq!(e.code(), "route.unchanged");
    applied(&mut c, p, escalate("2026-11-26T09:00", None, None));
    let cal = Calendar::new(p.calendar);
    let s = Engine::new(&cal, dt("2026-11-26T10:00"))
        .unwrap()
        .status(p, &c)
        .unwrap();
    assert_eq!(
        s.stage_title,
        "Step 4 a) Urgent resolution required, LSAB or LSCP independent chaired meeting"
    );
}

#[test]
fn switching_to_a_route_without_the_stage_needs_a_stage_to_go_to() {
    let p = fixture("west-yorkshire");
    let mut c = open_on(p, "2026-11-23T09:00", Opening::default());
    applied(&mut c, p, escalate("2026-11-24T09:00", None, None));
    applied(&mut c, p, escalate("2026-11-24T10:00", None, None));
    let switch = |to_stage| Event::SwitchRoute {
        at: dt("2026-11-24T11:00"),
        route: "immediate".to_owned(),
        reason: "Significant risk: the usual 5 days are not viable".to_owned(),
        to_stage,
    };
    let e = refused(&mut c, p, switch(None));
    assert_eq!(e.code(), "route.stage_missing");
    assert_eq!(
        e.to_string(),
        "to_stage: the route 'immediate' has no Stage 3: give the stage to go to, one of 1"
    );
    let e = refused(&mut c, p, switch(Some(2)));
    assert_eq!(e.code(), "route.stage_missing");
    let e = refused(
        &mut c,
        p,
        Event::SwitchRoute {
            at: dt("2026-11-24T11:00"),
            route: "fast".to_owned(),
            reason: "r".to_owned(),
            to_stage: None,
        },
    );
    assert_eq!(e.code(), "route.unknown");
    applied(&mut c, p, switch(Some(1)));
    assert_eq!(c.current_stage(), 1);
    assert_eq!(c.stages.len(), 4);
    assert_eq!(c.stages[2].left_at, Some(dt("2026-11-24T11:00")));
    assert_eq!(c.stages[3].route.as_deref(), Some("immediate"));
    // The new route's 24 hours, and no more of the standard route's limit.
    assert_eq!(
        status_of(p, &c, "2026-11-24T12:00"),
        [(
            DeadlineKind::Stage,
            "timescale".to_owned(),
            "2026-11-25T11:00".to_owned(),
            None
        )]
    );
    // Back to the standard route, at a stage it has.
    applied(
        &mut c,
        p,
        Event::SwitchRoute {
            at: dt("2026-11-24T13:00"),
            route: "standard".to_owned(),
            reason: "Risk reassessed".to_owned(),
            to_stage: Some(3),
        },
    );
    assert_eq!(c.route, None);
    assert_eq!(c.route_switches.len(), 2);
}

#[test]
fn a_stage_timescale_is_not_extended_by_an_agreement_from_before_the_stage_began() {
    let p = fixture("south-ayrshire");
    let mut c = open_on(p, "2026-12-20T10:00", Opening::default());
    applied(&mut c, p, crate::record("2026-12-20T11:00", false, &[]));
    // Stage 2 begins on 5 January; an agreement dated 4 January cannot be about it.
    applied(&mut c, p, escalate("2027-01-05T09:00", None, None));
    let mut early = extend(
        "timescale",
        Due::EndOfDay(d("2027-02-20")),
        "Jo Reid",
        "Why",
    );
    if let Event::Extend { agreed_on, .. } = &mut early {
        *agreed_on = d("2027-01-04");
    }
    let e = refused(&mut c, p, early);
    assert_eq!(e.field(), Some("agreed_on"));
    assert!(
        e.to_string().contains("before Stage 2 began (2027-01-05)"),
        "{e}"
    );
    // Dated the day the stage began, it stands.
    applied(
        &mut c,
        p,
        extend(
            "timescale",
            Due::EndOfDay(d("2027-02-20")),
            "Jo Reid",
            "Why",
        ),
    );
}

fn extend(deadline: &str, to: Due, agreed_by: &str, reason: &str) -> Event {
    Event::Extend {
        at: dt("2027-01-10T10:00"),
        deadline: deadline.into(),
        to,
        agreed_by: agreed_by.to_owned(),
        agreed_on: d("2027-01-08"),
        reason: reason.to_owned(),
    }
}

#[test]
fn a_deadline_is_extended_only_where_allowed_later_and_with_who_and_why() {
    let p = fixture("south-ayrshire");
    let mut c = open_on(p, "2026-12-20T10:00", Opening::default());
    // Stage 1's timescale is "without delay": there is no date to extend.
    let e = refused(
        &mut c,
        p,
        extend(
            "timescale",
            Due::EndOfDay(d("2027-01-30")),
            "A Manager",
            "Why",
        ),
    );
    assert_eq!(e.code(), "deadline.unknown");
    applied(&mut c, p, crate::record("2026-12-20T11:00", false, &[]));
    applied(&mut c, p, escalate("2026-12-20T12:00", None, None));
    // Stage 2: 28 calendar days from 20 December, to 17 January 2027.
    assert_eq!(
        status_of(p, &c, "2027-01-10T10:00"),
        [(
            DeadlineKind::Stage,
            "timescale".to_owned(),
            "2027-01-17".to_owned(),
            None
        )]
    );
    let to = Due::EndOfDay(d("2027-01-31"));
    let e = refused(
        &mut c,
        p,
        extend("timescale", to, " ", "Interim safety plan in place"),
    );
    assert_eq!(e.field(), Some("agreed_by"));
    let e = refused(
        &mut c,
        p,
        extend("timescale", to, "Jo Reid, accountable senior manager", ""),
    );
    assert_eq!(e.field(), Some("reason"));
    let e = refused(
        &mut c,
        p,
        extend(
            "timescale",
            Due::EndOfDay(d("2027-01-17")),
            "Jo Reid",
            "Why",
        ),
    );
    assert_eq!(e.code(), "extension.not_later");
    assert_eq!(
        e.to_string(),
        "to: 2027-01-17 is not later than the deadline as it stands (2027-01-17): an extension gives more time"
    );
    let e = refused(&mut c, p, extend("steps-1-5", to, "Jo Reid", "Why"));
    assert_eq!(e.code(), "deadline.unknown");
    assert_eq!(
        e.to_string(),
        "deadline: 'steps-1-5' is not a deadline of this case: use one of timescale"
    );
    let e = refused(
        &mut c,
        p,
        extend("timescale", Due::WithoutDelay, "Jo Reid", "Why"),
    );
    assert_eq!(e.field(), Some("to"));
    let mut late = extend("timescale", to, "Jo Reid", "Why");
    if let Event::Extend { agreed_on, .. } = &mut late {
        *agreed_on = d("2027-01-11");
    }
    let e = refused(&mut c, p, late);
    assert_eq!(e.field(), Some("agreed_on"));

    applied(
        &mut c,
        p,
        extend(
            "timescale",
            to,
            "Jo Reid, accountable senior manager",
            "Interim safety plan in place and shared",
        ),
    );
    let cal = Calendar::new(p.calendar);
    let s = Engine::new(&cal, dt("2027-01-18T09:00"))
        .unwrap()
        .status(p, &c)
        .unwrap();
    let t = &s.deadlines[0];
    assert_eq!(t.due, to);
    let ext = t.extended.as_ref().unwrap();
    assert_eq!(ext.agreed_by, "Jo Reid, accountable senior manager");
    assert_eq!(ext.was, Due::EndOfDay(d("2027-01-17")));
    assert_eq!(ext.was_text, "17/01/2027");
    assert_eq!(
        s.urgency.words(),
        "on track",
        "no longer overdue on the 18th"
    );
    assert_eq!(c.extended_stages().into_iter().collect::<Vec<_>>(), [2]);
    // A second extension must be later than the first.
    let e = refused(
        &mut c,
        p,
        extend(
            "timescale",
            Due::EndOfDay(d("2027-01-25")),
            "Jo Reid",
            "Why",
        ),
    );
    assert_eq!(e.code(), "extension.not_later");
}

#[test]
fn a_deadline_without_an_extension_rule_cannot_be_extended() {
    let p = fixture("west-yorkshire");
    let mut c = open_on(p, "2026-11-23T09:00", Opening::default());
    let e = refused(
        &mut c,
        p,
        Event::Extend {
            at: dt("2026-11-24T09:00"),
            deadline: "steps-1-5".into(),
            to: Due::EndOfDay(d("2026-12-04")),
            agreed_by: "A Manager".to_owned(),
            agreed_on: d("2026-11-24"),
            reason: "Why".to_owned(),
        },
    );
    assert_eq!(e.code(), "extension.not_allowed");
    assert_eq!(
        e.to_string(),
        "deadline: the limit 'steps-1-5' cannot be extended: the protocol does not allow it"
    );
}

#[test]
fn a_limit_with_an_extension_rule_is_extended() {
    let src = include_str!("../../../../tests/protocols/west-yorkshire.toml").replace(
        "words = \"Steps 1-5 in the process should not exceed 5 working days.\"",
        "words = \"Steps 1-5 in the process should not exceed 5 working days.\"\nextension = { by = \"The Board's business manager\", words = \"Invented for this test.\" }",
    );
    let p = Protocol::from_toml(&src, "wy.toml").unwrap();
    let mut c = open_on(&p, "2026-11-23T09:00", Opening::default());
    applied(
        &mut c,
        &p,
        Event::Extend {
            at: dt("2026-11-24T09:00"),
            deadline: "steps-1-5".into(),
            to: Due::EndOfDay(d("2026-12-04")),
            agreed_by: "A Manager".to_owned(),
            agreed_on: d("2026-11-24"),
            reason: "Why".to_owned(),
        },
    );
    assert_eq!(
        status_of(&p, &c, "2026-11-24T10:00"),
        [(
            DeadlineKind::Limit,
            "steps-1-5".to_owned(),
            "2026-12-04".to_owned(),
            None
        )]
    );
    assert_eq!(c.extensions[0].stage, None);
    assert!(c.extended_stages().is_empty());
}

#[test]
fn the_new_events_replay_to_the_same_case() {
    let p = fixture("darlington");
    let at = dt("2026-11-23T09:00");
    let opening = Opening::default();
    let mut c = Case::open(p, at, opening.clone()).unwrap();
    let mut events = vec![Event::Open { at, opening }];
    for e in [
        crate::record("2026-11-23T15:00", false, &[]),
        escalate("2026-11-24T09:00", None, None),
        escalate("2026-11-26T09:00", Some(4), Some(decision(None))),
    ] {
        applied(&mut c, p, e.clone());
        events.push(e);
    }
    assert_eq!(Case::replay(p, &events).unwrap(), c);
    // Through JSON, as the store keeps them.
    let json = serde_json::to_string(&events).unwrap();
    assert!(json.contains("\"skip\":{\"reason\""), "{json}");
    let back: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(Case::replay(p, &back).unwrap(), c);
    let case_json = serde_json::to_string(&c).unwrap();
    let case_back: Case = serde_json::from_str(&case_json).unwrap();
    assert_eq!(case_back, c);
}

#[test]
fn a_case_made_before_format_2_reads_and_writes_as_it_did() {
    // The JSON a store keeps for a case: no route, skip or extension keys appear for a
    // case that has none, so existing caches compare equal.
    let c = crate::open("doncaster", "2026-11-23T09:00");
    let json = serde_json::to_string(&c).unwrap();
    for key in ["route", "skips", "extensions", "route_switches"] {
        assert!(!json.contains(key), "{key} in {json}");
    }
    let old = r#"{"protocol":"doncaster","opened_at":"2026-11-23T09:00:00","state":{"state":"open"},"stages":[{"stage":1,"started_at":"2026-11-23T09:00:00"}]}"#;
    let back: Case = serde_json::from_str(old).unwrap();
    assert_eq!(back, c);
    let escalate_v1 = r#"{"type":"escalate","at":"2026-11-24T09:00:00","to_stage":2}"#;
    let e: Event = serde_json::from_str(escalate_v1).unwrap();
    assert!(matches!(e, Event::Escalate { skip: None, .. }));
    assert_eq!(serde_json::to_string(&e).unwrap(), escalate_v1);
}

#[test]
fn calendar_days_never_roll_forward_in_a_status() {
    let p = fixture("south-ayrshire");
    let c = open_on(
        p,
        "2026-12-20T10:00",
        Opening {
            route: Some("appeal".to_owned()),
            ..Opening::default()
        },
    );
    let mut c2 = c.clone();
    applied(&mut c2, p, crate::record("2026-12-21T10:00", false, &[]));
    applied(&mut c2, p, escalate("2026-12-24T10:00", None, None));
    // 28 days from Thursday 24 December 2026 is Thursday 21 January 2027.
    assert_eq!(
        status_of(p, &c2, "2026-12-24T11:00"),
        [(
            DeadlineKind::Stage,
            "timescale".to_owned(),
            "2027-01-21".to_owned(),
            None
        )]
    );
}

/// Three stages, and a route that goes from Stage 1 straight to Stage 3 and on to a
/// Stage 4 of its own: on it, the next stage is never the standard route's.
const FAST_ROUTE: &str = r#"format = 2
id = "test"
name = "Test protocol"
partnership = "Test Partnership"
version = "1"
source = "unit test"
calendar = "england-and-wales"
record_keeping = "Keep records."

[immediate_risk]
higher_stage = false
words = "No skipping."

[[stages]]
number = 1
title = "Practitioners"
led_by = "Practitioners"
contact = "The other practitioner"
actions = ["Discuss."]
next_step = "Escalate to Stage 2."
record = { required = false, words = "Write it down." }

[[stages]]
number = 2
title = "Managers"
led_by = "Managers"
contact = "The other manager"
actions = ["Discuss."]
next_step = "Escalate to Stage 3."
record = { required = false, words = "Write it down." }

[[stages]]
number = 3
title = "Heads of service"
led_by = "Heads of service"
contact = "The other head of service"
actions = ["Discuss."]
next_step = "Refer to the Board."
record = { required = false, words = "Write it down." }

[[routes]]
id = "fast"
name = "Fast"
question = "Is it urgent?"
words = "Straight to the heads of service, then an independent chair."
use_stages = [1, 3]

[[routes.stages]]
number = 4
title = "Independent chair"
led_by = "An independent chair"
contact = "The Board"
actions = ["Meet."]
next_step = "The chair decides."
record = { required = false, words = "Write it down." }
"#;

/// The "Escalated from Stage A to Stage B" lines of the chronology of a case logged
/// as `events`, each beside the stage the case replays to after that escalation.
fn escalation_lines(p: &'static Protocol, events: &[Event]) -> Vec<(String, u8)> {
    use escalate_core::{CaseFile, CaseText, LoggedEvent};
    let opened_at = dt("2026-11-23T09:00");
    let mut lines = Vec::new();
    for n in 1..=events.len() {
        let logged = &events[..n];
        let engine = Case::replay(p, logged).unwrap();
        let file = CaseFile {
            case: CaseText {
                reference: "ESC-1".to_owned(),
                protocol_id: p.id.clone(),
                protocol_version: p.version.clone(),
                protocol_sha256: String::new(),
                child_name: "A".to_owned(),
                child_dob: None,
                child_identifiers: String::new(),
                category: String::new(),
                summary: String::new(),
                raising_professional: None,
                receiving_professional: None,
                opened_at,
                immediate_risk: None,
                created_at: opened_at,
                updated_at: opened_at,
            },
            raising_agency: "Raising".to_owned(),
            receiving_agency: "Receiving".to_owned(),
            records: Vec::new(),
            events: logged
                .iter()
                .enumerate()
                .map(|(i, event)| LoggedEvent {
                    seq: i64::try_from(i).unwrap(),
                    at: opened_at,
                    actor: "lead".to_owned(),
                    event: event.clone(),
                })
                .collect(),
            engine: engine.clone(),
            protocol: std::sync::Arc::new(p.clone()),
            integrity: Default::default(),
        };
        if matches!(logged[n - 1], Event::Escalate { .. }) {
            let cal = Calendar::new(p.calendar);
            let chronology = file.chronology(&cal, dt("2026-11-30T09:00")).unwrap();
            let line = chronology
                .iter()
                .rfind(|e| e.text.starts_with("Escalated"))
                .unwrap();
            lines.push((line.text.clone(), engine.current_stage()));
        }
    }
    lines
}

#[test]
fn the_chronology_escalates_along_the_route_the_case_is_on() {
    let p: &'static Protocol =
        Box::leak(Box::new(Protocol::from_toml(FAST_ROUTE, "p.toml").unwrap()));
    let open = |route: Option<&str>| Event::Open {
        at: dt("2026-11-23T09:00"),
        opening: Opening {
            route: route.map(str::to_owned),
            ..Opening::default()
        },
    };
    // Opened on the route: 1 → 3 → 4, none of them the standard route's next stage.
    assert_eq!(
        escalation_lines(
            p,
            &[
                open(Some("fast")),
                escalate("2026-11-24T09:00", None, None),
                escalate("2026-11-25T09:00", None, None),
            ]
        ),
        [
            ("Escalated from Stage 1 to Stage 3".to_owned(), 3),
            ("Escalated from Stage 3 to Stage 4".to_owned(), 4),
        ]
    );
    // Switched onto the route at Stage 1: the next escalation follows it.
    assert_eq!(
        escalation_lines(
            p,
            &[
                open(None),
                Event::SwitchRoute {
                    at: dt("2026-11-23T12:00"),
                    route: "fast".to_owned(),
                    reason: "It became urgent".to_owned(),
                    to_stage: None,
                },
                escalate("2026-11-24T09:00", None, None),
            ]
        ),
        [("Escalated from Stage 1 to Stage 3".to_owned(), 3)]
    );
    // On the standard route the next stage is the protocol's.
    assert_eq!(
        escalation_lines(p, &[open(None), escalate("2026-11-24T09:00", None, None)]),
        [("Escalated from Stage 1 to Stage 2".to_owned(), 2)]
    );
}

#[test]
fn each_deadline_names_the_id_an_extension_of_it_is_recorded_under() {
    // A run's limit and the cap: each by its own id.
    let p = with_cap("3 working days");
    let c = open_on(&p, "2026-11-23T09:00", Opening::default());
    let cal = Calendar::new(p.calendar);
    let status = Engine::new(&cal, dt("2026-11-23T10:00"))
        .unwrap()
        .status(&p, &c)
        .unwrap();
    let ids: Vec<_> = status
        .deadlines
        .iter()
        .map(|d| (d.kind, d.extension_id()))
        .collect();
    assert_eq!(
        ids,
        [
            (DeadlineKind::Cap, Some(DeadlineId::Limit("overall".into()))),
            (
                DeadlineKind::Limit,
                Some(DeadlineId::Limit("steps-1-5".into()))
            ),
        ]
    );

    // A stage's own timescale: `timescale`, and an extension under that id is its.
    let p = fixture("south-ayrshire");
    let mut c = open_on(p, "2026-12-20T10:00", Opening::default());
    applied(&mut c, p, crate::record("2026-12-20T11:00", false, &[]));
    applied(&mut c, p, escalate("2027-01-05T09:00", None, None));
    let status = Engine::new(&Calendar::new(p.calendar), dt("2027-01-10T10:00"))
        .unwrap()
        .status(p, &c)
        .unwrap();
    let own = status
        .deadlines
        .iter()
        .find(|d| d.stage == Some(2) && d.extension_id().is_some())
        .unwrap();
    assert_eq!(own.extension_id(), Some(DeadlineId::Timescale));
    assert_eq!(own.id, DeadlineId::TIMESCALE);
    let id = own.extension_id().unwrap();
    applied(
        &mut c,
        p,
        extend(
            id.as_str(),
            Due::EndOfDay(d("2027-02-20")),
            "Jo Reid",
            "Why",
        ),
    );
    assert_eq!(c.extensions[0].deadline, DeadlineId::Timescale);
    assert_eq!(
        serde_json::to_value(&c.extensions[0]).unwrap()["deadline"],
        "timescale"
    );
    // Steps and notifications are not extended: they name no such id.
    assert!(status
        .deadlines
        .iter()
        .filter(|d| matches!(d.kind, DeadlineKind::Step | DeadlineKind::Notification))
        .all(|d| d.extension_id().is_none()));
}

/// Dates checked by hand over Christmas 2026 (Friday 25 December; Boxing Day's
/// substitute Monday 28 December; New Year's Day Friday 1 January 2027): escalated to
/// Stage 1 on Monday 14 December, its 5 working days end Monday 21 December, and the
/// 20 working days of the formal process end Thursday 14 January 2027.
#[test]
fn an_extension_goes_no_later_than_the_cap() {
    let text = crate::fixtures::FIXTURES
        .iter()
        .find(|(file, _)| file.contains("iro-handbook-style"))
        .map(|(_, src)| *src)
        .unwrap()
        .replacen(
            "words = \"ATM or TM to respond within 5 working days.\"",
            "words = \"ATM or TM to respond within 5 working days.\"\nextension = { by = \"The IRO\", words = \"The IRO may agree more time.\" }",
            1,
        );
    let p = &Protocol::from_toml(&text, "iro.toml").unwrap_or_else(|e| panic!("{e}"));
    let mut c = open_on(
        p,
        "2026-12-07T09:00",
        Opening {
            stage: Some(0),
            ..Opening::default()
        },
    );
    applied(&mut c, p, escalate("2026-12-14T09:00", None, None));
    let s = status_of(p, &c, "2026-12-14T10:00");
    assert!(
        s.contains(&(
            DeadlineKind::Stage,
            "timescale".to_owned(),
            "2026-12-21".to_owned(),
            None
        )) && s.contains(&(
            DeadlineKind::Cap,
            "formal-process".to_owned(),
            "2027-01-14".to_owned(),
            None
        )),
        "{s:?}"
    );
    let ext = |to: &str| Event::Extend {
        at: dt("2026-12-15T10:00"),
        deadline: "timescale".into(),
        to: Due::EndOfDay(d(to)),
        agreed_by: "The IRO".to_owned(),
        agreed_on: d("2026-12-15"),
        reason: "Awaiting the health assessment".to_owned(),
    };
    let e = refused(&mut c, p, ext("2027-01-15"));
    assert_eq!(e.field(), Some("to"));
    assert_eq!(
        e.to_string(),
        "to: 2027-01-15 is too late: the latest allowed is 2027-01-14 (the protocol's overall limit 'formal-process'): give a date no later than that"
    );
    applied(&mut c, p, ext("2027-01-14"));
}

/// Stage 2 of South Ayrshire counts 28 calendar days from 20 December 2026, to 17
/// January 2027: no extension, nor any later one, takes it past 17 January 2028.
#[test]
fn an_extension_goes_no_more_than_a_year_past_the_deadline_it_extends() {
    let p = fixture("south-ayrshire");
    let mut c = open_on(p, "2026-12-20T10:00", Opening::default());
    applied(&mut c, p, crate::record("2026-12-20T11:00", false, &[]));
    applied(&mut c, p, escalate("2026-12-20T12:00", None, None));
    for far in ["2100-12-31", "2028-01-18"] {
        let e = refused(
            &mut c,
            p,
            extend("timescale", Due::EndOfDay(d(far)), "Jo Reid", "Why"),
        );
        assert_eq!(e.field(), Some("to"));
        assert!(
            e.to_string().starts_with(&format!(
                "to: {far} is too late: the latest allowed is 2028-01-17 (a year after the deadline it extends)"
            )),
            "{e}"
        );
    }
    applied(
        &mut c,
        p,
        extend(
            "timescale",
            Due::EndOfDay(d("2027-12-31")),
            "Jo Reid",
            "Why",
        ),
    );
    // A second extension is bounded by the deadline as the protocol set it, not walked
    // on from the first.
    let e = refused(
        &mut c,
        p,
        extend(
            "timescale",
            Due::EndOfDay(d("2028-02-01")),
            "Jo Reid",
            "Why",
        ),
    );
    assert_eq!(e.field(), Some("to"));
    applied(
        &mut c,
        p,
        extend(
            "timescale",
            Due::EndOfDay(d("2028-01-17")),
            "Jo Reid",
            "Why",
        ),
    );
}
