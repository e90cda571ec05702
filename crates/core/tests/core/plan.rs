//! Each shipped protocol's plan, pinned against the seed text by hand-counted dates.

use escalate_core::{plan, Calendar, CalendarId, PlanDue};

use crate::{d, dt, protocol};

fn plan_of(id: &str, opened: &str, cal: &Calendar) -> Vec<(u8, String)> {
    plan(protocol(id), cal, dt(opened))
        .unwrap()
        .into_iter()
        .map(|s| (s.stage, s.due.to_string()))
        .collect()
}

fn ew() -> Calendar {
    Calendar::new(CalendarId::EnglandAndWales)
}

fn owned(v: &[(u8, &str)]) -> Vec<(u8, String)> {
    v.iter().map(|(n, s)| (*n, (*s).to_owned())).collect()
}

#[test]
fn doncaster_five_working_days_per_stage_informal_stage_not_planned() {
    // Opened Monday 23 November 2026: "resolve the complaint within 5 working days of
    // receipt" (Stage 1), then 5 working days at Stage 2, Stage 3 and Stage 4.
    assert_eq!(
        plan_of("doncaster", "2026-11-23T09:00", &ew()),
        owned(&[
            (1, "2026-11-30"),
            (2, "2026-12-07"),
            (3, "2026-12-14"),
            (4, "2026-12-21")
        ])
    );
}

#[test]
fn doncaster_over_christmas_skips_bank_holidays() {
    // 25 Dec (Fri) and 28 Dec (Mon, Boxing Day substitute) 2026 and 1 Jan 2027 are not
    // working days: Stage 1 from Mon 21 Dec runs 22, 23, 24, 29, 30.
    assert_eq!(
        plan_of("doncaster", "2026-12-21T09:00", &ew())[..2],
        owned(&[(1, "2026-12-30"), (2, "2027-01-07")])[..]
    );
}

#[test]
fn south_gloucestershire_is_cumulative_from_the_outset() {
    // "Within 1, 2, 3 and 5 working days" from the outset of the concern, not per stage
    // (per stage would give 24 Nov, 26 Nov, 1 Dec, 8 Dec).
    assert_eq!(
        plan_of("south-gloucestershire", "2026-11-23T09:00", &ew()),
        owned(&[
            (1, "2026-11-24"),
            (2, "2026-11-25"),
            (3, "2026-11-26"),
            (4, "2026-11-30")
        ])
    );
}

#[test]
fn south_gloucestershire_on_the_scottish_calendar_skips_st_andrews_day() {
    // Opened Friday 27 Nov 2026; Monday 30 Nov is St Andrew's Day in Scotland only.
    let scot = Calendar::new(CalendarId::Scotland);
    assert_eq!(
        plan_of("south-gloucestershire", "2026-11-27T09:00", &scot)[0].1,
        "2026-12-01"
    );
    assert_eq!(
        plan_of("south-gloucestershire", "2026-11-27T09:00", &ew())[0].1,
        "2026-11-30"
    );
}

#[test]
fn closure_days_move_the_plan() {
    let cal = Calendar::with_closures(CalendarId::EnglandAndWales, [d("2026-11-24")]).unwrap();
    assert_eq!(
        plan_of("south-gloucestershire", "2026-11-23T09:00", &cal),
        owned(&[
            (1, "2026-11-25"),
            (2, "2026-11-26"),
            (3, "2026-11-27"),
            (4, "2026-12-01")
        ])
    );
}

#[test]
fn london_working_week_then_without_delay() {
    // A working week for discussion, a further working week for first line managers,
    // then "referred without delay" to service managers, heads of service (no limit)
    // and "referred urgently" to the LSCP.
    assert_eq!(
        plan_of("london", "2026-11-23T09:00", &ew()),
        owned(&[
            (1, "2026-11-30"),
            (2, "2026-12-07"),
            (3, "without delay"),
            (4, "no limit"),
            (5, "without delay")
        ])
    );
}

#[test]
fn four_stage_one_working_day_then_without_delay() {
    assert_eq!(
        plan_of("four-stage", "2026-11-23T09:00", &ew()),
        owned(&[
            (1, "2026-11-24"),
            (2, "without delay"),
            (3, "no limit"),
            (4, "no limit")
        ])
    );
}

#[test]
fn western_bay_six_stages_escalated_immediately() {
    let p = plan_of("western-bay", "2026-11-23T09:00", &ew());
    assert_eq!(p.len(), 6);
    assert_eq!(p[0], (1, "no limit".to_owned()));
    for (_, due) in &p[1..] {
        assert_eq!(due, "without delay");
    }
}

#[test]
fn plan_reports_the_start_of_each_stage() {
    let p = plan(protocol("doncaster"), &ew(), dt("2026-11-23T09:00")).unwrap();
    assert_eq!(p[0].starts, Some(dt("2026-11-23T09:00")));
    assert_eq!(p[1].starts, Some(dt("2026-11-30T09:00")));
    assert_eq!(p[3].due, PlanDue::Date(d("2026-12-21")));
}

#[test]
fn a_stage_after_an_open_ended_one_cannot_be_dated() {
    // Four-stage Stage 2 has no limit of its own; give Stage 4 a stage-relative one.
    let mut p = protocol("four-stage").clone();
    p.stages[3].timescale = Some(escalate_core::protocol::Timescale {
        within: escalate_core::Limit::WorkingDays(5),
        from: escalate_core::protocol::Anchor::StageStart,
        words: "Within 5 working days.".to_owned(),
        shorter_if_child_needs: false,
        extension: None,
    });
    let planned = plan(&p, &ew(), dt("2026-11-23T09:00")).unwrap();
    assert_eq!(planned[3].due, PlanDue::AfterStage(2));
    assert_eq!(planned[3].due.to_string(), "after stage 2");
}
