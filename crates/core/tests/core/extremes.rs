//! The calendar and the engine at the edges: counts up to u32::MAX, dates at and beyond
//! the calendar's ends. Every answer is a date on or after the start, or an error that
//! says what range to use; nothing panics (chrono's `+` would).

use std::sync::OnceLock;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use escalate_core::calendar::{FIRST_YEAR, LAST_YEAR};
use escalate_core::engine::due_after;
use escalate_core::{
    builtin_protocols, plan, Calendar, CalendarError, CalendarId, Case, Due, Engine, Limit, Opening,
};
use proptest::prelude::*;

use crate::{d, dt};

fn calendars() -> &'static [Calendar] {
    static CALENDARS: OnceLock<Vec<Calendar>> = OnceLock::new();
    CALENDARS.get_or_init(|| CalendarId::ALL.into_iter().map(Calendar::new).collect())
}

/// Dates at the edges of the calendar and of chrono, and anywhere between.
fn edge_date() -> impl Strategy<Value = NaiveDate> {
    let first = d("1990-01-01");
    prop_oneof![
        Just(first),
        Just(d("2100-12-31")),
        Just(d("2100-12-30")),
        Just(d("1989-12-31")),
        Just(d("2101-01-01")),
        Just(NaiveDate::MIN),
        Just(NaiveDate::MAX),
        (0i64..40_178).prop_map(move |n| first + Duration::days(n)),
        (-1_000i64..42_000).prop_map(move |n| first + Duration::days(n)),
    ]
}

fn edge_time() -> impl Strategy<Value = NaiveDateTime> {
    (edge_date(), 0u32..86_400, prop::bool::weighted(0.1)).prop_map(|(day, s, last)| {
        let t = if last {
            NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).unwrap()
        } else {
            NaiveTime::from_num_seconds_from_midnight_opt(s, 0).unwrap()
        };
        day.and_time(t)
    })
}

fn edge_count() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(u32::MAX),
        Just(u32::MAX - 1),
        Just(1 << 31),
        Just(18_854),
        Just(18_855),
        0u32..40_000,
        any::<u32>(),
    ]
}

/// A refusal names the calendar's range or the count left in it.
fn assert_clear(e: &CalendarError) {
    assert_eq!(e.code(), "calendar.out_of_range", "{e}");
    let m = e.to_string();
    assert!(
        m.contains(&format!("{LAST_YEAR}-12-31")) || m.contains(&FIRST_YEAR.to_string()),
        "the message gives no range: {m}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn working_days_never_land_before_the_start(
        which in 0usize..3, from in edge_date(), n in edge_count()
    ) {
        let cal = &calendars()[which];
        match cal.add_working_days(from, n) {
            Ok(due) => {
                prop_assert!(due >= from, "{} working days after {} gave {}", n, from, due);
                prop_assert!(n == 0 || due > from);
                prop_assert_eq!(cal.working_days_between(from, due).unwrap(), n);
            }
            Err(e) => {
                assert_clear(&e);
                // The count left is exact: one more than it is refused, it is answered.
                if let CalendarError::TooManyWorkingDays { max, .. } = e {
                    prop_assert!(n > max);
                    if max > 0 {
                        prop_assert!(cal.add_working_days(from, max).is_ok());
                    }
                }
            }
        }
    }

    #[test]
    fn hours_never_land_before_the_start(
        which in 0usize..3, from in edge_time(), h in edge_count()
    ) {
        let cal = &calendars()[which];
        match cal.add_hours(from, h) {
            Ok(due) => {
                prop_assert!(due >= from);
                prop_assert_eq!(due - from, Duration::hours(i64::from(h)));
            }
            Err(e) => {
                assert_clear(&e);
                if let CalendarError::TooManyHours { max, .. } = e {
                    prop_assert!(h > max);
                    prop_assert!(cal.add_hours(from, max).is_ok());
                }
            }
        }
    }

    #[test]
    fn the_other_calendar_questions_answer_or_refuse(
        which in 0usize..3, a in edge_date(), b in edge_date()
    ) {
        let cal = &calendars()[which];
        match cal.same_working_day(a) {
            Ok(s) => prop_assert!(s >= a),
            Err(e) => assert_clear(&e),
        }
        if let Err(e) = cal.is_working_day(a) {
            assert_clear(&e);
        }
        if let Err(e) = cal.working_days_between(a, b) {
            assert_clear(&e);
        }
        if let Err(e) = cal.non_working_days(chrono::Datelike::year(&a)) {
            assert_clear(&e);
        }
    }

    #[test]
    fn the_engine_answers_or_refuses_at_any_moment(
        which in 0usize..5, now in edge_time(), opened in edge_time(), n in edge_count()
    ) {
        let protocol = &builtin_protocols().unwrap()[which];
        let cal = calendars().iter().find(|c| c.id() == protocol.calendar).unwrap();
        for limit in [Limit::WorkingDays(n), Limit::Hours(n), Limit::SameWorkingDay] {
            match due_after(limit, opened, cal) {
                Ok(Due::EndOfDay(day)) => prop_assert!(day >= opened.date()),
                Ok(Due::At(at)) => prop_assert!(at >= opened),
                Ok(other) => prop_assert!(false, "{:?} for a dated limit", other),
                Err(e) => assert_clear(&e),
            }
        }
        match plan(protocol, cal, opened) {
            Ok(stages) => prop_assert!(stages.iter().all(|s| s.starts.is_none_or(|t| t >= opened))),
            Err(e) => assert_clear(&e),
        }
        if let Ok(engine) = Engine::new(cal, now) {
            let case = Case::open(protocol, opened, Opening::default()).unwrap();
            if let Err(e) = engine.status(protocol, &case) {
                prop_assert_eq!(e.code(), "calendar.out_of_range");
            }
            if let Err(e) = engine.summary(protocol, &case) {
                prop_assert_eq!(e.code(), "calendar.out_of_range");
            }
        }
    }
}

#[test]
fn u32_max_working_days_is_refused_not_wrapped() {
    let cal = Calendar::new(CalendarId::EnglandAndWales);
    let e = cal.add_working_days(d("2026-06-15"), u32::MAX).unwrap_err();
    assert_eq!(
        e.to_string(),
        "4294967295 working days after 2026-06-15 is outside the calendar's range, which ends on 2100-12-31: give at most 18854 working days from that date"
    );
    assert!(cal.add_working_days(d("2026-06-15"), 18_854).is_ok());
    let e = cal.add_working_days(d("2026-06-15"), 18_855).unwrap_err();
    assert_eq!(e.code(), "calendar.out_of_range");
    assert!(
        e.to_string()
            .ends_with("give at most 18854 working days from that date"),
        "{e}"
    );
    let e = cal.add_hours(dt("2100-12-31T12:00"), 13).unwrap_err();
    assert_eq!(
        e.to_string(),
        "13 hours after 2100-12-31T12:00 is outside the calendar's range, which ends on 2100-12-31: give at most 11 hours from that time"
    );
    assert_eq!(
        cal.add_hours(dt("2100-12-31T12:00"), 11).unwrap(),
        dt("2100-12-31T23:00")
    );
    let e = cal.add_hours(dt("2026-06-15T00:00"), u32::MAX).unwrap_err();
    assert_eq!(e.code(), "calendar.out_of_range");
    assert!(
        e.to_string()
            .starts_with("4294967295 hours after 2026-06-15T00:00 is outside"),
        "{e}"
    );
    let e = cal.same_working_day(d("2100-12-31")).map(|_| ());
    assert!(e.is_ok() || e.is_err_and(|e| e.code() == "calendar.out_of_range"));
}
