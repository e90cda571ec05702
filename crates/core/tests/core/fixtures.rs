//! The real protocols encoded in `tests/protocols/` (format 2): each parses, and each
//! has a plan pinned against dates counted by hand.

use escalate_core::{plan_route, Calendar, CalendarId, Protocol};

use crate::dt;

pub const FIXTURES: [(&str, &str); 5] = [
    (
        "west-yorkshire.toml",
        include_str!("../../../../tests/protocols/west-yorkshire.toml"),
    ),
    (
        "iro-handbook-style.toml",
        include_str!("../../../../tests/protocols/iro-handbook-style.toml"),
    ),
    (
        "south-ayrshire.toml",
        include_str!("../../../../tests/protocols/south-ayrshire.toml"),
    ),
    (
        "lincolnshire.toml",
        include_str!("../../../../tests/protocols/lincolnshire.toml"),
    ),
    (
        "darlington.toml",
        include_str!("../../../../tests/protocols/darlington.toml"),
    ),
];

/// A fixture by its id (its file name without `.toml`).
pub fn fixture(id: &str) -> &'static Protocol {
    static PARSED: std::sync::OnceLock<Vec<Protocol>> = std::sync::OnceLock::new();
    PARSED
        .get_or_init(|| {
            FIXTURES
                .iter()
                .map(|(file, src)| Protocol::from_toml(src, file).unwrap_or_else(|e| panic!("{e}")))
                .collect()
        })
        .iter()
        .find(|p| p.id == id)
        .unwrap()
}

/// Stage lines then limit lines, as `escalate plan` prints them.
fn plan_lines(id: &str, opened: &str, route: Option<&str>) -> Vec<String> {
    let p = fixture(id);
    let cal = Calendar::new(p.calendar);
    let plan = plan_route(p, &cal, dt(opened), route).unwrap();
    plan.stages
        .iter()
        .map(|s| format!("{} {}", s.stage, s.due))
        .chain(
            plan.limits
                .iter()
                .map(|l| format!("limit {} {}", l.id, l.due)),
        )
        .collect()
}

#[test]
fn every_fixture_is_format_2_and_checks_clean() {
    for (file, _) in FIXTURES {
        let id = file.trim_end_matches(".toml");
        assert_eq!(fixture(id).format, 2, "{file}");
    }
}

#[test]
fn west_yorkshire_steps_1_to_5_share_5_working_days_then_step_6_has_14() {
    // Opened Monday 23 November 2026: 5 working days are Tue 24 to Mon 30 November.
    // Every step of the run falls due by then at the latest, so step 6 starts on
    // Monday 30 November; 14 working days from it: 1-4, 7-11, 14-18 December.
    assert_eq!(
        plan_lines("west-yorkshire", "2026-11-23T09:00", None),
        [
            "1 2026-11-30",
            "2 2026-11-30",
            "3 2026-11-30",
            "4 2026-11-30",
            "5 2026-11-30",
            "6 2026-12-18",
            "limit steps-1-5 2026-11-30",
        ]
    );
    let p = fixture("west-yorkshire");
    let plan = plan_route(p, &Calendar::new(p.calendar), dt("2026-11-23T09:00"), None).unwrap();
    assert_eq!(plan.stages[5].starts, Some(dt("2026-11-30T09:00")));
    assert_eq!(plan.route, "standard");
}

#[test]
fn west_yorkshire_immediate_route_is_24_hours() {
    assert_eq!(
        plan_lines("west-yorkshire", "2026-11-23T09:00", Some("immediate")),
        ["1 2026-11-24T09:00"]
    );
}

#[test]
fn iro_style_cap_of_20_working_days_from_the_formal_process() {
    // Stage 1 from Monday 23 November 2026: 5 working days each, to 30 November,
    // 7 and 14 December; the whole formal process 20 working days, to Monday 21
    // December (24-27 Nov, 30 Nov-4 Dec, 7-11 Dec, 14-18 Dec, 21 Dec).
    assert_eq!(
        plan_lines("iro-handbook-style", "2026-11-23T09:00", None),
        [
            "1 2026-11-30",
            "2 2026-12-07",
            "3 2026-12-14",
            "4 no limit",
            "limit formal-process 2026-12-21",
        ]
    );
}

#[test]
fn south_ayrshire_28_calendar_days() {
    // Dissent raised on Sunday 20 December 2026 goes to the head of service without
    // delay; 28 calendar days from 20 December is Sunday 17 January 2027, over
    // Christmas and New Year with no roll-forward.
    assert_eq!(
        plan_lines("south-ayrshire", "2026-12-20T10:00", None),
        ["1 without delay", "2 2027-01-17"]
    );
    // An appeal from the same day: 5 working days in Scotland are 21, 22, 23, 24 and
    // 29 December (25 December and the Boxing Day substitute, Monday 28, are bank
    // holidays), then 28 calendar days to Tuesday 26 January 2027.
    assert_eq!(
        plan_lines("south-ayrshire", "2026-12-20T10:00", Some("appeal")),
        ["1 2026-12-29", "2 2027-01-26"]
    );
}

#[test]
fn lincolnshire_urgent_step_4_is_a_route_of_its_own() {
    // Step 2 within five working days of step 1 (30 November); step 3's action plan
    // two working days after it starts (1 and 2 December).
    let standard = plan_lines("lincolnshire", "2026-11-23T09:00", None);
    assert_eq!(
        standard,
        ["1 no limit", "2 2026-11-30", "3 2026-12-02", "4 no limit"]
    );
    assert_eq!(
        plan_lines("lincolnshire", "2026-11-23T09:00", Some("urgent")),
        standard
    );
    let p = fixture("lincolnshire");
    let urgent = p.route(Some("urgent")).unwrap();
    assert!(urgent
        .stage(4)
        .unwrap()
        .title
        .starts_with("Step 4 a) Urgent"));
    assert_eq!(p.standard().stage(4).unwrap().title, "Step 4");
}

#[test]
fn darlington_optional_stage_3() {
    // Stage 1 within one working day (Tue 24 Nov); Stage 2 within 3 working days of
    // that (25, 26, 27 Nov); Stages 3 and 4 have no timescale in the retrieved text.
    assert_eq!(
        plan_lines("darlington", "2026-11-23T09:00", None),
        ["1 2026-11-24", "2 2026-11-27", "3 no limit", "4 no limit"]
    );
    assert!(fixture("darlington").stage(3).unwrap().optional);
}

#[test]
fn an_unknown_route_is_refused_naming_the_routes() {
    let p = fixture("west-yorkshire");
    let e = plan_route(
        p,
        &Calendar::new(CalendarId::EnglandAndWales),
        dt("2026-11-23T09:00"),
        Some("fast"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "route.unknown");
    assert_eq!(
        e.to_string(),
        "route: protocol 'west-yorkshire' has no route 'fast': use one of standard, immediate"
    );
}
