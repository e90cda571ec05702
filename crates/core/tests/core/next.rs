//! "What may I do next" agrees with the state machine, exhaustively over every shipped
//! protocol, every test protocol and variants that turn on the rules they leave off:
//! every stage offered (to open at, to escalate to, to switch to) and every deadline
//! offered for extension is accepted by `Case::open` / `Case::apply` with exactly what
//! the answer says it needs, leaving out what it says; dropping anything it says is
//! needed is refused; and every stage or deadline not offered is refused whatever is
//! given.

use chrono::{Duration, NaiveDateTime};
use escalate_core::next::{openings, StageTarget};
use escalate_core::DeadlineId;
use escalate_core::{
    builtin_protocols, Case, CaseState, Due, ErrorCode, Event, Opening, Protocol, RecordSummary,
    SkipDecision,
};

use crate::dt;
use crate::fixtures::FIXTURES;

/// Every stage number a protocol could name, and some it cannot.
const NUMBERS: std::ops::RangeInclusive<u8> = 0..=30;

fn parse(file: &str, src: &str) -> Protocol {
    Protocol::from_toml(src, file).unwrap_or_else(|e| panic!("{e}"))
}

/// Every protocol the answers are checked on: the shipped ones, the test fixtures, the
/// end-to-end test's, and variants where immediate risk allows a higher stage beside a
/// rule on skipping and optional stages (no real protocol has all three).
fn protocols() -> Vec<Protocol> {
    let mut all: Vec<Protocol> = builtin_protocols().unwrap().to_vec();
    for (file, src) in FIXTURES {
        all.push(parse(file, src));
    }
    let e2e = include_str!("../../../../tests/e2e/protocols/darlington-urgent.toml");
    all.push(parse("darlington-urgent.toml", e2e));
    let iro = FIXTURES
        .iter()
        .find(|(f, _)| *f == "iro-handbook-style.toml")
        .unwrap()
        .1;
    let risky = "[immediate_risk]\nhigher_stage = true";
    all.push(parse(
        "iro-risk.toml",
        &iro.replace("[immediate_risk]\nhigher_stage = false", risky)
            .replace("id = \"iro-handbook-style\"", "id = \"iro-risk\""),
    ));
    // The IRO's rule limited to Stage 2, and Stage 3 optional: some jumps by decision,
    // some by neither.
    all.push(parse(
        "iro-some.toml",
        &iro.replace(
            "words = \"The IRO may bypass any stage",
            "stages = [2]\nwords = \"The IRO may bypass any stage",
        )
        .replace("number = 3\ntitle", "number = 3\noptional = true\ntitle")
        .replace("id = \"iro-handbook-style\"", "id = \"iro-some\""),
    ));
    all.push(parse(
        "darlington-risk.toml",
        &e2e.replace("[immediate_risk]\nhigher_stage = false", risky)
            .replace("id = \"darlington\"", "id = \"darlington-risk\""),
    ));
    all
}

fn decision(role: Option<&str>) -> SkipDecision {
    SkipDecision {
        reason: "Decided at the strategy meeting".to_owned(),
        decided_by: "Sam Patel".to_owned(),
        role: role.map(str::to_owned),
    }
}

const RISK: &str = "Disclosure of a serious injury today";

/// Each way a move past stages could be asked for: the immediate risk given, and the
/// decision (none, with a role, without one).
fn every_input() -> Vec<(Option<&'static str>, Option<SkipDecision>)> {
    let mut out = Vec::new();
    for risk in [None, Some(RISK)] {
        for skip in [None, Some(decision(Some("The IRO"))), Some(decision(None))] {
            out.push((risk, skip));
        }
    }
    out
}

fn numbers(stages: &[escalate_core::StageRef]) -> Vec<u8> {
    stages.iter().map(|s| s.number).collect()
}

fn code(e: &escalate_core::TransitionError) -> ErrorCode {
    e.code()
}

/// The role to give where the answer asks for one.
fn role_for(t: &StageTarget) -> Option<String> {
    t.decision
        .as_ref()
        .and_then(|d| d.role.clone())
        .or_else(|| Some("Their manager".to_owned()))
}

#[test]
fn the_stages_a_case_may_open_at_are_those_an_opening_accepts_with_what_each_needs() {
    let at = dt("2026-11-23T09:00");
    let mut checked = 0;
    for p in protocols() {
        for route in p.all_routes() {
            let offered = openings(&p, &route);
            let first = route.first_stage();
            assert!(
                offered
                    .iter()
                    .any(|t| t.stage == first && t.leaves_out.is_empty()),
                "{} {}: the route's first stage is offered",
                p.id,
                route.id()
            );
            let opening = |stage: u8, risk: Option<&str>, skip: Option<SkipDecision>| Opening {
                stage: Some(stage),
                route: route.case_id(),
                immediate_risk: risk.map(str::to_owned),
                skip,
                ..Opening::default()
            };
            for n in NUMBERS {
                let what = format!("{} route {} opening at {n}", p.id, route.id());
                let Some(t) = offered.iter().find(|t| t.stage == n) else {
                    for (risk, skip) in every_input() {
                        let e = Case::open(&p, at, opening(n, risk, skip.clone())).expect_err(
                            &format!("{what} is not offered: refused ({risk:?}, {skip:?})"),
                        );
                        assert_ne!(code(&e), ErrorCode::FieldEmpty, "{what}: {e}");
                    }
                    continue;
                };
                checked += 1;
                if t.leaves_out.is_empty() {
                    let c = Case::open(&p, at, opening(n, None, None))
                        .unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(c.current_stage(), n);
                    assert!(c.skips.is_empty());
                    let e = Case::open(&p, at, opening(n, None, Some(decision(Some("x")))))
                        .unwrap_err();
                    assert_eq!(code(&e), ErrorCode::StageNothingSkipped, "{what}");
                    continue;
                }
                match &t.decision {
                    Some(d) => {
                        let role = if d.role_needed { role_for(t) } else { None };
                        let skip = SkipDecision {
                            role: role.clone(),
                            ..decision(None)
                        };
                        let c = Case::open(&p, at, opening(n, None, Some(skip)))
                            .unwrap_or_else(|e| panic!("{what} on a decision: {e}"));
                        assert_eq!(c.current_stage(), n);
                        assert_eq!(
                            c.skips[0].stages,
                            numbers(&t.leaves_out),
                            "{what}: leaves out"
                        );
                        assert_eq!(c.skips[0].decision.role, role);
                        if d.role_needed {
                            let e = Case::open(&p, at, opening(n, None, Some(decision(None))))
                                .unwrap_err();
                            assert_eq!(code(&e), ErrorCode::FieldInvalid, "{what}: {e}");
                            assert_eq!(e.field(), Some("skip.role"));
                        }
                        assert_eq!(d.role, p.skipping.as_ref().map(|s| s.by.clone()));
                    }
                    None => {
                        let e =
                            Case::open(&p, at, opening(n, None, Some(decision(Some("The IRO")))))
                                .unwrap_err();
                        assert_eq!(code(&e), ErrorCode::StageSkipNotAllowed, "{what}: {e}");
                    }
                }
                match &t.risk {
                    Some(r) => {
                        assert!(r.reason_needed, "an opening gives its own reason");
                        let c = Case::open(&p, at, opening(n, Some(RISK), None))
                            .unwrap_or_else(|e| panic!("{what} on immediate risk: {e}"));
                        assert_eq!(c.current_stage(), n);
                        assert_eq!(c.immediate_risk.as_deref(), Some(RISK));
                    }
                    None => {
                        let e = Case::open(&p, at, opening(n, Some(RISK), None)).unwrap_err();
                        assert!(
                            matches!(
                                code(&e),
                                ErrorCode::StageSkipDecisionRequired
                                    | ErrorCode::StageHigherNotAllowed
                            ),
                            "{what}: {e}"
                        );
                    }
                }
                // Nothing given: refused, naming what is missing.
                let e = Case::open(&p, at, opening(n, None, None)).unwrap_err();
                assert!(
                    matches!(
                        code(&e),
                        ErrorCode::StageSkipDecisionRequired | ErrorCode::StageReasonRequired
                    ),
                    "{what}: {e}"
                );
            }
        }
    }
    assert!(checked > 30, "only {checked} openings were checked");
}

/// A record of the case's current stage that fills in every field it asks for, so
/// nothing blocks an escalation.
fn complete_record(p: &Protocol, case: &mut Case, at: NaiveDateTime) {
    let entry = case.current().unwrap().clone();
    let stage = case.stage_of(p, &entry).unwrap();
    case.apply(
        p,
        Event::Record(RecordSummary {
            record: None,
            discussed_at: at,
            resolved: false,
            fields: stage.record.fields.iter().cloned().collect(),
        }),
    )
    .unwrap();
}

/// Every case the checks start from: on each route, opened at its first stage (with and
/// without immediate risk recorded) and taken up the route one stage at a time.
fn cases(p: &Protocol) -> Vec<Case> {
    let mut out = Vec::new();
    for route in p.all_routes() {
        for risk in [None, Some(RISK)] {
            let mut at = dt("2026-11-23T09:00");
            let Ok(mut case) = Case::open(
                p,
                at,
                Opening {
                    route: route.case_id(),
                    immediate_risk: risk.map(str::to_owned),
                    ..Opening::default()
                },
            ) else {
                continue;
            };
            loop {
                at += Duration::hours(2);
                complete_record(p, &mut case, at);
                out.push(case.clone());
                at += Duration::hours(2);
                if case
                    .apply(
                        p,
                        Event::Escalate {
                            at,
                            to_stage: None,
                            reason: None,
                            skip: None,
                        },
                    )
                    .is_err()
                {
                    break;
                }
            }
        }
    }
    out
}

fn escalate(case: &Case, reason: Option<&str>, to: u8, skip: Option<SkipDecision>) -> Event {
    Event::Escalate {
        at: case.current().unwrap().started_at + Duration::hours(5),
        to_stage: Some(to),
        reason: reason.map(str::to_owned),
        skip,
    }
}

fn try_move(
    p: &Protocol,
    case: &Case,
    event: Event,
) -> Result<Case, escalate_core::TransitionError> {
    let mut next = case.clone();
    let outcome = next.apply(p, event);
    match outcome {
        Ok(()) => Ok(next),
        Err(e) => {
            assert_eq!(next, *case, "a refused move changes nothing");
            Err(e)
        }
    }
}

#[test]
fn the_escalation_targets_are_the_stages_an_escalation_accepts_with_what_each_needs() {
    let mut checked = 0;
    for p in protocols() {
        for case in cases(&p) {
            let next = case.next_steps(&p).unwrap();
            let from = case.current_stage();
            if let Some(first) = next.escalation.first() {
                assert!(
                    first.leaves_out.is_empty(),
                    "{}: the next stage first",
                    p.id
                );
                let moved = try_move(
                    &p,
                    &case,
                    Event::Escalate {
                        at: case.current().unwrap().started_at + Duration::hours(5),
                        to_stage: None,
                        reason: None,
                        skip: None,
                    },
                )
                .unwrap();
                assert_eq!(
                    moved.current_stage(),
                    first.stage,
                    "{}: escalating with no stage named goes to the first target",
                    p.id
                );
            }
            for n in NUMBERS {
                let what = format!(
                    "{} route {:?} from {from} to {n} (risk {:?})",
                    p.id, case.route, case.immediate_risk
                );
                let Some(t) = next.escalation.iter().find(|t| t.stage == n) else {
                    for (risk, skip) in every_input() {
                        let e = try_move(&p, &case, escalate(&case, risk, n, skip.clone()))
                            .expect_err(&format!(
                                "{what} is not offered: refused ({risk:?}, {skip:?})"
                            ));
                        assert_ne!(code(&e), ErrorCode::FieldEmpty, "{what}: {e}");
                    }
                    continue;
                };
                checked += 1;
                if t.leaves_out.is_empty() {
                    let moved = try_move(&p, &case, escalate(&case, None, n, None))
                        .unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(moved.current_stage(), n);
                    assert_eq!(moved.skips.len(), case.skips.len());
                    continue;
                }
                match &t.decision {
                    Some(d) => {
                        let role = if d.role_needed { role_for(t) } else { None };
                        let skip = SkipDecision {
                            role: role.clone(),
                            ..decision(None)
                        };
                        let moved = try_move(&p, &case, escalate(&case, None, n, Some(skip)))
                            .unwrap_or_else(|e| panic!("{what} on a decision: {e}"));
                        assert_eq!(moved.current_stage(), n);
                        let skipped = moved.skips.last().unwrap();
                        assert_eq!(skipped.stages, numbers(&t.leaves_out), "{what}: leaves out");
                        assert_eq!(skipped.from, Some(from));
                        if d.role_needed {
                            let e =
                                try_move(&p, &case, escalate(&case, None, n, Some(decision(None))))
                                    .unwrap_err();
                            assert_eq!(code(&e), ErrorCode::FieldInvalid, "{what}: {e}");
                            assert_eq!(e.field(), Some("skip.role"));
                        }
                    }
                    None if t.risk.as_ref().is_some_and(|r| !r.reason_needed) => {}
                    None => {
                        let e = try_move(
                            &p,
                            &case,
                            escalate(&case, None, n, Some(decision(Some("The IRO")))),
                        )
                        .unwrap_err();
                        assert_eq!(code(&e), ErrorCode::StageSkipNotAllowed, "{what}: {e}");
                    }
                }
                match &t.risk {
                    Some(r) => {
                        assert_eq!(r.reason_needed, case.immediate_risk.is_none(), "{what}");
                        let reason = r.reason_needed.then_some(RISK);
                        let moved = try_move(&p, &case, escalate(&case, reason, n, None))
                            .unwrap_or_else(|e| panic!("{what} on immediate risk: {e}"));
                        assert_eq!(moved.current_stage(), n);
                        assert!(moved.immediate_risk.is_some());
                    }
                    None => {
                        let e =
                            try_move(&p, &case, escalate(&case, Some(RISK), n, None)).unwrap_err();
                        assert!(
                            matches!(
                                code(&e),
                                ErrorCode::StageSkipDecisionRequired
                                    | ErrorCode::StageHigherNotAllowed
                            ),
                            "{what}: {e}"
                        );
                    }
                }
                if t.risk.as_ref().is_none_or(|r| r.reason_needed) {
                    let e = try_move(&p, &case, escalate(&case, None, n, None)).unwrap_err();
                    assert!(
                        matches!(
                            code(&e),
                            ErrorCode::StageSkipDecisionRequired | ErrorCode::StageReasonRequired
                        ),
                        "{what}: {e}"
                    );
                }
            }
        }
    }
    assert!(checked > 40, "only {checked} escalations were checked");
}

#[test]
fn a_case_whose_stage_record_lacks_something_or_that_is_closed_is_offered_no_escalation() {
    let mut blocked = 0;
    for p in protocols() {
        for route in p.all_routes() {
            let at = dt("2026-11-23T09:00");
            let opening = Opening {
                route: route.case_id(),
                ..Opening::default()
            };
            let Ok(case) = Case::open(&p, at, opening) else {
                continue;
            };
            if !case.escalation_blockers(&p).is_empty() {
                blocked += 1;
                assert!(
                    case.next_steps(&p).unwrap().escalation.is_empty(),
                    "{}",
                    p.id
                );
                let e = try_move(
                    &p,
                    &case,
                    Event::Escalate {
                        at: at + Duration::hours(1),
                        to_stage: None,
                        reason: None,
                        skip: None,
                    },
                )
                .unwrap_err();
                assert_eq!(code(&e), ErrorCode::StageRequirementsMissing);
            }
            let mut closed = case.clone();
            closed
                .apply(
                    &p,
                    Event::Resolve {
                        at: at + Duration::hours(1),
                        outcome: String::new(),
                    },
                )
                .unwrap();
            assert!(matches!(closed.state, CaseState::Resolved { .. }));
            let next = closed.next_steps(&p).unwrap();
            assert!(next.escalation.is_empty() && next.extendable.is_empty());
            assert!(next.routes.iter().all(|r| r.switch.is_none()));
            assert_eq!(next.routes.iter().filter(|r| r.current).count(), 1);
        }
    }
    assert!(
        blocked > 0,
        "some protocol requires a record before escalating"
    );
}

#[test]
fn the_deadlines_offered_for_extension_are_those_an_extension_accepts() {
    let mut offered_count = 0;
    for p in protocols() {
        for case in cases(&p) {
            let next = case.next_steps(&p).unwrap();
            let route = case.route_view(&p).unwrap();
            let ids = std::iter::once("timescale".to_owned())
                .chain(route.limits().iter().map(|l| l.id.clone()))
                .chain(
                    p.all_routes()
                        .flat_map(|r| r.limits().iter().map(|l| l.id.clone())),
                )
                .chain(std::iter::once("no-such-deadline".to_owned()));
            for id in ids {
                let at = case.current().unwrap().started_at + Duration::hours(5);
                let extend = Event::Extend {
                    at,
                    deadline: DeadlineId::from(id.clone()),
                    to: Due::EndOfDay(dt("2030-01-01T00:00").date()),
                    agreed_by: "Jo Reed".to_owned(),
                    agreed_on: at.date(),
                    reason: "Waiting for the police report".to_owned(),
                };
                let what = format!(
                    "{} route {:?} at {}: extending '{id}'",
                    p.id,
                    case.route,
                    case.current_stage()
                );
                match next.extendable.iter().find(|x| x.deadline == id) {
                    Some(x) => {
                        offered_count += 1;
                        let moved =
                            try_move(&p, &case, extend).unwrap_or_else(|e| panic!("{what}: {e}"));
                        let recorded = moved.extensions.last().unwrap();
                        assert_eq!(recorded.deadline.as_str(), id);
                        assert_eq!(recorded.stage, x.stage, "{what}");
                        let rule = match x.stage {
                            Some(n) => route.timescale(n).and_then(|t| t.extension.clone()),
                            None => route.limit(&id).and_then(|l| l.extension.clone()),
                        };
                        assert_eq!(Some(x.rule.clone()), rule, "{what}: the protocol's rule");
                    }
                    None => {
                        let e = try_move(&p, &case, extend).expect_err(&what);
                        assert!(
                            matches!(
                                code(&e),
                                ErrorCode::DeadlineUnknown | ErrorCode::ExtensionNotAllowed
                            ),
                            "{what}: {e}"
                        );
                    }
                }
            }
        }
    }
    assert!(
        offered_count >= 3,
        "only {offered_count} extensions were offered"
    );
}

#[test]
fn the_route_switches_offered_are_those_a_switch_accepts() {
    let mut offered = 0;
    for p in protocols() {
        for case in cases(&p) {
            let next = case.next_steps(&p).unwrap();
            assert_eq!(next.routes.len(), p.all_routes().count());
            for r in &next.routes {
                let switch = |to_stage: Option<u8>| Event::SwitchRoute {
                    at: case.current().unwrap().started_at + Duration::hours(5),
                    route: r.id.clone(),
                    reason: "The risk has passed".to_owned(),
                    to_stage,
                };
                let what = format!(
                    "{} from {:?} at {} to {}",
                    p.id,
                    case.route,
                    case.current_stage(),
                    r.id
                );
                let Some(s) = &r.switch else {
                    assert!(
                        r.current,
                        "{what}: an open case may switch to every other route"
                    );
                    let e = try_move(&p, &case, switch(None)).unwrap_err();
                    assert_eq!(code(&e), ErrorCode::RouteUnchanged);
                    continue;
                };
                assert!(!r.current);
                match try_move(&p, &case, switch(None)) {
                    Ok(moved) => {
                        assert!(s.stay, "{what}: staying is accepted, so offered");
                        assert_eq!(moved.current_stage(), case.current_stage());
                    }
                    Err(e) => {
                        assert!(!s.stay, "{what}: staying is offered: {e}");
                        assert_eq!(code(&e), ErrorCode::RouteStageMissing);
                    }
                }
                for n in NUMBERS {
                    let result = try_move(&p, &case, switch(Some(n)));
                    if s.stages.iter().any(|x| x.number == n) {
                        offered += 1;
                        let moved = result.unwrap_or_else(|e| panic!("{what} at {n}: {e}"));
                        assert_eq!(moved.current_stage(), n);
                    } else {
                        let e = result.expect_err(&format!("{what} at {n} is not offered"));
                        assert_eq!(code(&e), ErrorCode::RouteStageMissing);
                    }
                }
            }
        }
    }
    assert!(offered > 10, "only {offered} switches were checked");
}

#[test]
fn intake_lists_every_route_the_standard_first_with_its_question() {
    let p = protocols()
        .into_iter()
        .find(|p| p.id == "darlington" && !p.routes.is_empty())
        .unwrap();
    let intake = escalate_core::intake(&p);
    assert_eq!(intake.protocol, "darlington");
    assert!(intake.routes[0].standard && intake.routes[0].question.is_none());
    let urgent = intake.routes.iter().find(|r| r.id == "urgent").unwrap();
    assert!(urgent.question.is_some());
    assert!(!urgent.standard);
    // The urgent route takes Stages 2, 3 and 4: a case opens at Stage 2, since Stage 2
    // is not optional and nothing lets it be skipped.
    let stages: Vec<u8> = urgent.openings.iter().map(|t| t.stage).collect();
    assert_eq!(stages, vec![2]);
    // Under the IRO's rule a case may open at Stage 3, leaving out Stages 1 and 2 on a
    // decision that names the IRO's role, in the protocol's words.
    let iro = protocols()
        .into_iter()
        .find(|p| p.id == "iro-handbook-style")
        .unwrap();
    let intake = escalate_core::intake(&iro);
    let three = intake.routes[0]
        .openings
        .iter()
        .find(|t| t.stage == 3)
        .unwrap();
    assert_eq!(numbers(&three.leaves_out), vec![1, 2]);
    let d = three.decision.as_ref().unwrap();
    assert!(d.role_needed);
    assert_eq!(d.role.as_deref(), Some("The IRO"));
    assert_eq!(d.words, iro.skipping.as_ref().map(|s| s.words.clone()));
    assert!(three.risk.is_none());
}
