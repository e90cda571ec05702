//! Properties of format 2 over many generated protocols and histories: a run's limit is
//! never later than the cap; routes, skips and extensions never panic; a refused move
//! changes nothing; the recorded events replay to the same case.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use escalate_core::engine::DeadlineKind;
use escalate_core::{
    plan_route, Calendar, Case, Due, Engine, Event, Opening, PlanDue, Protocol, RecordSummary,
    SkipDecision,
};
use proptest::prelude::*;

use crate::fixtures::{fixture, FIXTURES};

fn any_limit() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..40).prop_map(|n| format!("{n} working days")),
        (0u32..60).prop_map(|n| format!("{n} days")),
        (1u32..900).prop_map(|n| format!("{n} hours")),
        Just("same working day".to_owned()),
    ]
}

fn any_moment() -> impl Strategy<Value = NaiveDateTime> {
    (0i64..(90 * 365 * 24)).prop_map(|h| {
        NaiveDate::from_ymd_opt(2000, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            + Duration::hours(h)
    })
}

/// West Yorkshire with its run's limit and a cap as given, the cap counted from the
/// outset or from step 2.
fn capped(run: &str, cap: &str, cap_from_stage_2: bool) -> Protocol {
    let from = if cap_from_stage_2 {
        "from = \"stage-start\"\nfrom_stage = 2\n"
    } else {
        ""
    };
    let src = include_str!("../../../../tests/protocols/west-yorkshire.toml")
        .replace("within = \"5 working days\"", &format!("within = \"{run}\""))
        .replace(
            "[[stages]]\nnumber = 1\n",
            &format!("[[limits]]\nid = \"overall\"\ncap = true\nwithin = \"{cap}\"\n{from}words = \"The whole process.\"\n\n[[stages]]\nnumber = 1\n"),
        );
    Protocol::from_toml(&src, "capped.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn key(d: PlanDue) -> Option<NaiveDateTime> {
    match d {
        PlanDue::Date(day) => Some(Due::EndOfDay(day).order_key().1),
        PlanDue::At(t) => Some(t),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_shared_limit_is_never_later_than_the_cap(
        run in any_limit(), cap in any_limit(), cap_from_stage_2 in any::<bool>(),
        opened in any_moment(), steps in prop::collection::vec(1i64..100, 0..6), later in 0i64..400,
    ) {
        let p = capped(&run, &cap, cap_from_stage_2);
        let cal = Calendar::new(p.calendar);
        let plan = plan_route(&p, &cal, opened, None).unwrap();
        let cap_due = plan.limits.iter().find(|l| l.cap).and_then(|l| key(l.due));
        for l in plan.limits.iter().filter(|l| !l.cap) {
            if let (Some(run_due), Some(cap_due)) = (key(l.due), cap_due) {
                prop_assert!(run_due <= cap_due, "{} after the cap {}", l.due, cap_due);
                if l.capped_by.is_some() {
                    prop_assert_eq!(run_due, cap_due);
                }
            }
        }
        // A stage of the run is due no later than the run's limit, once the cap that
        // bounds it has started (a cap counted from step 2 starts when step 1 ends).
        let run_due = plan.limits.iter().find(|l| !l.cap).and_then(|l| key(l.due));
        let cap_start = if cap_from_stage_2 { 2 } else { 1 };
        for s in plan.stages.iter().filter(|s| (cap_start..=5).contains(&s.stage)) {
            if let (Some(stage_due), Some(run_due)) = (key(s.due), run_due) {
                prop_assert!(stage_due <= run_due);
            }
        }

        let mut case = Case::open(&p, opened, Opening::default()).unwrap();
        let mut at = opened;
        for gap in steps {
            at += Duration::hours(gap);
            let _ = case.apply_on(&p, &cal, Event::Escalate { at, to_stage: None, reason: None, skip: None });
        }
        let now = at + Duration::hours(later);
        let engine = Engine::new(&cal, now).unwrap();
        let status = engine.status(&p, &case).unwrap();
        let cap = status.deadlines.iter().find(|d| d.kind == DeadlineKind::Cap);
        for limit in status.deadlines.iter().filter(|d| d.kind == DeadlineKind::Limit) {
            prop_assert!(case.current_stage() <= 5, "the run's limit stops after step 5");
            if let Some(cap) = cap {
                prop_assert!(limit.due.order_key() <= cap.due.order_key());
            }
        }
    }
}

/// One generated move, resolved against the case's protocol when applied.
#[derive(Debug, Clone)]
enum Move {
    Record {
        resolved: bool,
    },
    Escalate {
        up: u8,
        skip: Option<(bool, bool)>,
        risk: bool,
    },
    Switch {
        route: usize,
        to_stage: Option<u8>,
        reason: bool,
    },
    Extend {
        deadline: usize,
        days: i64,
        hours: bool,
        who: bool,
        agreed_back: i64,
    },
    Resolve,
    Withdraw,
    MarkSent(usize),
    Shorten(i64),
}

fn any_move() -> impl Strategy<Value = Move> {
    prop_oneof![
        6 => any::<bool>().prop_map(|resolved| Move::Record { resolved }),
        8 => (0u8..4, prop::option::of((any::<bool>(), any::<bool>())), any::<bool>())
            .prop_map(|(up, skip, risk)| Move::Escalate { up, skip, risk }),
        5 => (0usize..4, prop_oneof![2 => Just(None), 1 => (0u8..7).prop_map(Some)], prop::bool::weighted(0.8))
            .prop_map(|(route, to_stage, reason)| Move::Switch { route, to_stage, reason }),
        8 => (prop_oneof![3 => Just(0usize), 1 => 0usize..4], -5i64..60, any::<bool>(), prop::bool::weighted(0.8), prop_oneof![3 => Just(0i64), 1 => -2i64..3])
            .prop_map(|(deadline, days, hours, who, agreed_back)| Move::Extend { deadline, days, hours, who, agreed_back }),
        1 => Just(Move::Resolve),
        1 => Just(Move::Withdraw),
        2 => (0usize..4).prop_map(Move::MarkSent),
        2 => (-48i64..240).prop_map(Move::Shorten),
    ]
}

/// A fixture where every timescale and limit may be extended, so that extensions are
/// tried on every kind of deadline.
fn generous(p: &Protocol) -> Protocol {
    let rule = escalate_core::protocol::ExtensionRule {
        by: "A senior manager".to_owned(),
        words: "For this test.".to_owned(),
    };
    let mut p = p.clone();
    let stages = p
        .stages
        .iter_mut()
        .chain(p.routes.iter_mut().flat_map(|r| r.stages.iter_mut()));
    for t in stages.filter_map(|s| s.timescale.as_mut()) {
        t.extension = Some(rule.clone());
    }
    for t in p.routes.iter_mut().flat_map(|r| r.timescales.iter_mut()) {
        t.timescale.extension = Some(rule.clone());
    }
    for l in p
        .limits
        .iter_mut()
        .chain(p.routes.iter_mut().flat_map(|r| r.limits.iter_mut()))
    {
        l.extension = Some(rule.clone());
    }
    p
}

fn protocols() -> &'static [Protocol] {
    static ALL: std::sync::OnceLock<Vec<Protocol>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let plain: Vec<Protocol> = FIXTURES
            .iter()
            .map(|(file, _)| fixture(file.trim_end_matches(".toml")).clone())
            .collect();
        let extended: Vec<Protocol> = plain.iter().map(generous).collect();
        plain.into_iter().chain(extended).collect()
    })
}

fn decision(role: bool) -> SkipDecision {
    SkipDecision {
        reason: "reason".to_owned(),
        decided_by: "Sam Patel".to_owned(),
        role: role.then(|| "IRO".to_owned()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn routes_skips_and_extensions_keep_the_invariants_and_replay(
        which in 0usize..(2 * FIXTURES.len()),
        start in any_moment(),
        route in prop_oneof![3 => 0usize..2, 1 => 0usize..4],
        stage in prop_oneof![3 => Just(None), 1 => (0u8..5).prop_map(Some)],
        open_skip in prop_oneof![3 => Just(None), 1 => any::<bool>().prop_map(Some)],
        moves in prop::collection::vec((any_move(), 0i64..72), 1..40),
    ) {
        let p = &protocols()[which];
        let cal = Calendar::new(p.calendar);
        let routes: Vec<String> = p.all_routes().map(|r| r.id().to_owned()).chain(["bogus".to_owned()]).collect();
        let opening = Opening {
            route: routes.get(route).cloned(),
            stage,
            skip: open_skip.map(decision),
            ..Opening::default()
        };
        let Ok(mut case) = Case::open(p, start, opening.clone()) else {
            return Ok(());
        };
        let mut events = vec![Event::Open { at: start, opening }];
        let mut now = start;
        for (mv, gap) in moves {
            now += Duration::hours(gap);
            let stage = case.current_stage();
            let view = case.route_view(p).unwrap();
            let deadlines: Vec<String> = ["timescale".to_owned(), "bogus".to_owned()]
                .into_iter()
                .chain(view.limits().iter().map(|l| l.id.clone()))
                .collect();
            let event = match mv {
                Move::Record { resolved } => Event::Record(RecordSummary {
                    record: None, discussed_at: now, resolved, fields: Default::default(),
                }),
                Move::Escalate { up, skip, risk } => Event::Escalate {
                    at: now,
                    to_stage: (up > 0).then(|| stage.saturating_add(up)),
                    reason: risk.then(|| "immediate risk".to_owned()),
                    skip: skip.map(|(role, _)| decision(role)),
                },
                Move::Switch { route, to_stage, reason } => Event::SwitchRoute {
                    at: now,
                    route: routes.get(route).cloned().unwrap_or_default(),
                    reason: if reason { "risk changed".to_owned() } else { String::new() },
                    to_stage,
                },
                Move::Extend { deadline, days, hours, who, agreed_back } => Event::Extend {
                    at: now,
                    deadline: deadlines.get(deadline).cloned().unwrap_or_default().into(),
                    to: if hours { Due::At(now + Duration::hours(days * 7)) } else { Due::EndOfDay(now.date() + Duration::days(days)) },
                    agreed_by: if who { "Jo Reid".to_owned() } else { " ".to_owned() },
                    agreed_on: now.date() - Duration::days(agreed_back),
                    reason: "interim plan".to_owned(),
                },
                Move::Resolve => Event::Resolve { at: now, outcome: String::new() },
                Move::Withdraw => Event::Withdraw { at: now, reason: "withdrawn".into() },
                Move::MarkSent(i) => Event::MarkSent {
                    at: now, stage: Some(stage), to: String::new(), due: None, note: String::new(),
                    notification: view.stage(stage).and_then(|s| s.notifications.get(i)).map_or("none".to_owned(), |n| n.id.clone()),
                },
                Move::Shorten(h) => Event::ShortenDeadline { at: None, due: now + Duration::hours(h), reason: "child".into() },
            };
            let before = case.clone();
            match case.apply_on(p, &cal, event.clone()) {
                Ok(()) => {
                    events.push(event);
                    let route = case.route_view(p).unwrap();
                    prop_assert!(route.stage(case.current_stage()).is_some());
                    for e in &case.stages {
                        prop_assert!(case.stage_of(p, e).is_some(), "stage {} off its route", e.stage);
                    }
                    if !before.is_open() {
                        prop_assert_eq!(&case.stages, &before.stages);
                        prop_assert_eq!(&case.state, &before.state);
                    }
                    prop_assert!(case.skips.iter().all(|s| !s.stages.is_empty() && !s.decision.reason.trim().is_empty()));
                }
                Err(e) => {
                    prop_assert_eq!(&case, &before, "refused with {} but changed the case", e);
                    prop_assert!(!e.code().as_str().is_empty());
                    prop_assert!(!e.to_string().is_empty());
                }
            }
            let engine = Engine::new(&cal, now).unwrap();
            let status = engine.status(p, &case).unwrap();
            let summary = engine.summary(p, &case).unwrap();
            prop_assert_eq!(summary.urgency, status.urgency);
            if let Some(cap) = status.deadlines.iter().find(|d| d.kind == DeadlineKind::Cap) {
                for l in status.deadlines.iter().filter(|d| d.kind == DeadlineKind::Limit) {
                    prop_assert!(l.due.order_key() <= cap.due.order_key());
                }
            }
        }
        prop_assert_eq!(Case::replay(p, &events).unwrap(), case.clone());
        let json = serde_json::to_string(&events).unwrap();
        let back: Vec<Event> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(Case::replay(p, &back).unwrap(), case);
    }
}
