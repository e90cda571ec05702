//! Properties of the calendars and the state machine over many generated inputs.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use escalate_core::calendar::bank_holidays;
use escalate_core::protocol::RecordField;
use escalate_core::{
    builtin_protocols, Calendar, CalendarId, Case, Engine, Event, Opening, RecordSummary,
};
use proptest::prelude::*;

fn any_calendar() -> impl Strategy<Value = CalendarId> {
    prop::sample::select(CalendarId::ALL.to_vec())
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    // 1990-01-01 .. 2099-12-31, leaving room for deadlines after it.
    (0i64..40_177).prop_map(|n| NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + Duration::days(n))
}

fn closures() -> impl Strategy<Value = Vec<NaiveDate>> {
    prop::collection::vec(any_date(), 0..20)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_deadline_is_never_a_weekend_holiday_or_closure_day(
        id in any_calendar(), from in any_date(), n in 1u32..60, closed in closures()
    ) {
        let cal = Calendar::with_closures(id, closed.clone()).unwrap();
        let due = cal.add_working_days(from, n).unwrap();
        prop_assert!(!matches!(due.weekday(), Weekday::Sat | Weekday::Sun));
        prop_assert!(!closed.contains(&due));
        let holidays = bank_holidays(id, due.year()).unwrap();
        prop_assert!(holidays.iter().all(|h| h.date != due));
        prop_assert!(due > from);
        // Exactly n working days in (from, due].
        prop_assert_eq!(cal.working_days_between(from, due).unwrap(), n);
    }

    #[test]
    fn deadlines_are_monotone_in_n_and_zero_is_the_start(
        id in any_calendar(), from in any_date(), n in 0u32..40, closed in closures()
    ) {
        let cal = Calendar::with_closures(id, closed).unwrap();
        prop_assert_eq!(cal.add_working_days(from, 0).unwrap(), from);
        let a = cal.add_working_days(from, n).unwrap();
        let b = cal.add_working_days(from, n + 1).unwrap();
        prop_assert!(b > a);
        // Nothing between two consecutive deadlines is a working day.
        let mut day = a + Duration::days(1);
        while day < b {
            prop_assert!(!cal.is_working_day(day).unwrap());
            day += Duration::days(1);
        }
    }

    #[test]
    fn same_working_day_is_the_first_working_day_on_or_after(id in any_calendar(), from in any_date()) {
        let cal = Calendar::new(id);
        let s = cal.same_working_day(from).unwrap();
        prop_assert!(s >= from && cal.is_working_day(s).unwrap());
        let mut day = from;
        while day < s {
            prop_assert!(!cal.is_working_day(day).unwrap());
            day += Duration::days(1);
        }
    }

    #[test]
    fn hours_are_wall_clock(from in any_date(), minutes in 0u32..1440, h in 1u32..200) {
        let cal = Calendar::new(CalendarId::EnglandAndWales);
        let start = from.and_hms_opt(minutes / 60, minutes % 60, 0).unwrap();
        prop_assert_eq!(cal.add_hours(start, h).unwrap() - start, Duration::hours(i64::from(h)));
    }

    #[test]
    fn every_year_has_its_holidays_on_distinct_weekdays(id in any_calendar(), year in 1990i32..=2100) {
        let hs = bank_holidays(id, year).unwrap();
        let dates: BTreeSet<_> = hs.iter().map(|h| h.date).collect();
        prop_assert_eq!(dates.len(), hs.len());
        prop_assert!(hs.iter().all(|h| h.date.year() == year || (h.date.month() == 1 && h.date.year() == year + 1)));
        prop_assert!(hs.iter().all(|h| !matches!(h.date.weekday(), Weekday::Sat | Weekday::Sun)));
        let usual = match id { CalendarId::EnglandAndWales => 8, CalendarId::Scotland => 8, CalendarId::NorthernIreland => 10 };
        prop_assert!(hs.len() >= usual, "{} {} has {}", id, year, hs.len());
    }
}

/// One generated move, resolved against the case's protocol when applied.
#[derive(Debug, Clone)]
enum Move {
    Record { resolved: bool, analysis: bool },
    Escalate { skip: u8, reason: bool },
    Resolve,
    Withdraw,
    Redirect(usize),
    MarkSent(usize),
    Shorten(i64),
}

fn any_move() -> impl Strategy<Value = Move> {
    prop_oneof![
        4 => (any::<bool>(), any::<bool>()).prop_map(|(resolved, analysis)| Move::Record { resolved, analysis }),
        4 => (0u8..3, any::<bool>()).prop_map(|(skip, reason)| Move::Escalate { skip, reason }),
        1 => Just(Move::Resolve),
        1 => Just(Move::Withdraw),
        1 => (0usize..6).prop_map(Move::Redirect),
        2 => (0usize..8).prop_map(Move::MarkSent),
        1 => (-48i64..240).prop_map(Move::Shorten),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_state_machine_keeps_its_invariants(
        which in 0usize..5,
        start_hour in 0i64..(24 * 365),
        moves in prop::collection::vec((any_move(), 0i64..72), 1..30),
    ) {
        let protocol = &builtin_protocols().unwrap()[which];
        let cal = Calendar::new(protocol.calendar);
        let opened = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
            + Duration::hours(start_hour);
        let mut case = Case::open(protocol, opened, Opening::default()).unwrap();
        let mut now = opened;
        for (mv, gap) in moves {
            now += Duration::hours(gap);
            let stage = case.current_stage();
            let event = match mv {
                Move::Record { resolved, analysis } => Event::Record(RecordSummary { record: None,
                    discussed_at: now,
                    resolved,
                    fields: if analysis { BTreeSet::from([RecordField::new("risk-analysis").unwrap()]) } else { BTreeSet::new() },
                }),
                Move::Escalate { skip, reason } => Event::Escalate {
                    at: now,
                    to_stage: if skip == 0 { None } else { Some(stage.saturating_add(1 + skip)) },
                    reason: reason.then(|| "immediate risk".to_owned()),
                    skip: None,
                },
                Move::Resolve => Event::Resolve { outcome: String::new(),  at: now },
                Move::Withdraw => Event::Withdraw { at: now, reason: "withdrawn".into() },
                Move::Redirect(i) => Event::Redirect {
                    at: now,
                    exclusion: protocol.exclusions.get(i).map_or("none".to_owned(), |e| e.id.clone()),
                },
                Move::MarkSent(i) => Event::MarkSent { to: String::new(), due: None, note: String::new(),
                    at: now,
                    stage: Some(stage),
                    notification: protocol.stage(stage).and_then(|s| s.notifications.get(i)).map_or("none".to_owned(), |n| n.id.clone()),
                },
                Move::Shorten(h) => Event::ShortenDeadline { at: None,  due: now + Duration::hours(h), reason: "child".into() },
            };
            let before = case.clone();
            match case.apply(protocol, event) {
                Ok(()) => {
                    // Stages only go up, and every stage exists in the protocol.
                    prop_assert!(case.current_stage() >= before.current_stage());
                    prop_assert!(case.stages.iter().all(|e| protocol.stage(e.stage).is_some()));
                    prop_assert!(case.stages.windows(2).all(|w| w[0].stage < w[1].stage && w[0].left_at.is_some()));
                    if !before.is_open() {
                        // Only notifications may be marked on a closed case.
                        prop_assert_eq!(&case.stages, &before.stages);
                        prop_assert_eq!(&case.state, &before.state);
                    }
                }
                Err(e) => {
                    prop_assert_eq!(&case, &before, "refused with {} but changed the case", e);
                    prop_assert!(!e.code().as_str().is_empty());
                }
            }
            // The engine answers for every reachable case.
            let engine = Engine::new(&cal, now).unwrap();
            let status = engine.status(protocol, &case).unwrap();
            let summary = engine.summary(protocol, &case).unwrap();
            prop_assert_eq!(summary.urgency, status.urgency);
            if !case.is_open() {
                prop_assert!(status.deadlines.iter().all(|d| d.kind == escalate_core::engine::DeadlineKind::Notification));
            }
        }
    }
}
