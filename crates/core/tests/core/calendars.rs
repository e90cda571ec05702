//! Calendars as data: the shipped official lists, GOV.UK files imported over them,
//! calendar days and how far ahead the data is confirmed.

use chrono::{Datelike, Duration, NaiveDate};
use escalate_core::calendar::{bank_holidays, projected_bank_holidays};
use escalate_core::{Calendar, CalendarId, HolidayData};
use proptest::prelude::*;

use crate::d;

/// The years of the published GOV.UK lists shipped in `assets/calendars/`.
const SHIPPED_YEARS: std::ops::RangeInclusive<i32> = 2018..=2027;

const SHIPPED_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/calendars/bank-holidays.json"
);

fn shipped_text() -> String {
    std::fs::read_to_string(SHIPPED_PATH).unwrap()
}

/// The shipped file is the published lists, which for these years are exactly the
/// nations' rules plus the proclaimed days (each also typed in by hand from GOV.UK in
/// the calendar's unit tests). `UPDATE_CALENDARS=1` rewrites it from them.
#[test]
fn the_shipped_file_holds_the_published_lists() {
    let lists = SHIPPED_YEARS.flat_map(|year| {
        CalendarId::ALL
            .into_iter()
            .map(move |id| (id, year, projected_bank_holidays(id, year).unwrap()))
    });
    let expected = HolidayData::from_lists(lists).to_govuk_json();
    if std::env::var_os("UPDATE_CALENDARS").is_some() {
        std::fs::write(SHIPPED_PATH, &expected).unwrap();
    }
    assert_eq!(
        shipped_text(),
        expected,
        "assets/calendars/bank-holidays.json is stale: run UPDATE_CALENDARS=1 cargo test -p escalate-core --test core shipped"
    );
    let data = HolidayData::shipped();
    for id in CalendarId::ALL {
        assert_eq!(
            data.years(id).into_iter().collect::<Vec<_>>(),
            SHIPPED_YEARS.collect::<Vec<_>>()
        );
        assert_eq!(data.confirmed_until(id), Some(d("2027-12-31")));
    }
}

#[test]
fn scotland_2026_has_the_world_cup_bank_holiday() {
    let scot = Calendar::new(CalendarId::Scotland);
    let names: Vec<(String, String)> = scot
        .bank_holidays(2026)
        .unwrap()
        .into_iter()
        .map(|h| (h.date.to_string(), h.name))
        .collect();
    assert!(names.contains(&(
        "2026-06-15".to_owned(),
        "Extra bank holiday (FIFA World Cup)".to_owned()
    )));
    // Thursday 11 June: Friday 12th is one, Monday 15th is a bank holiday in Scotland
    // only, so the second is Tuesday 16th.
    assert_eq!(
        scot.add_working_days(d("2026-06-11"), 2).unwrap(),
        d("2026-06-16")
    );
    let ew = Calendar::new(CalendarId::EnglandAndWales);
    assert_eq!(
        ew.add_working_days(d("2026-06-11"), 2).unwrap(),
        d("2026-06-15")
    );
    assert!(!bank_holidays(CalendarId::NorthernIreland, 2026)
        .unwrap()
        .iter()
        .any(|h| h.date == d("2026-06-15")));
}

#[test]
fn twenty_eight_calendar_days_pass_over_christmas_without_roll_forward() {
    let ew = Calendar::new(CalendarId::EnglandAndWales);
    // Sunday 20 December 2026 + 28 days: Sunday 17 January 2027, not the Monday after.
    assert_eq!(
        ew.add_calendar_days(d("2026-12-20"), 28).unwrap(),
        d("2027-01-17")
    );
    // Friday 25 December 2026 itself, a bank holiday, stays the due date.
    assert_eq!(
        ew.add_calendar_days(d("2026-12-24"), 1).unwrap(),
        d("2026-12-25")
    );
    assert_eq!(
        ew.add_calendar_days(d("2026-12-24"), 0).unwrap(),
        d("2026-12-24")
    );
    let e = ew.add_calendar_days(d("2100-12-30"), 5).unwrap_err();
    assert_eq!(
        e.to_string(),
        "5 days after 2100-12-30 is outside the calendar's range, which ends on 2100-12-31: give at most 1 day from that date"
    );
    assert_eq!(e.code(), "calendar.out_of_range");
}

#[test]
fn the_data_is_confirmed_to_the_end_of_2027() {
    let scot = Calendar::new(CalendarId::Scotland);
    assert_eq!(scot.confirmed_until(), Some(d("2027-12-31")));
    assert!(scot.next_twelve_months_confirmed(d("2026-11-23")));
    assert!(scot.next_twelve_months_confirmed(d("2026-12-31")));
    // From 1 January 2027 the next twelve months reach into 2028.
    assert!(!scot.next_twelve_months_confirmed(d("2027-01-01")));
    assert!(!scot.is_confirmed(d("2017-06-01"), d("2018-06-01")));
}

/// A GOV.UK file for `years`, from the shipped lists, with `edit` applied to the
/// Scottish list of 2026.
fn govuk_file(
    years: std::ops::RangeInclusive<i32>,
    edit: impl Fn(&mut Vec<(String, String)>),
) -> String {
    let mut divisions = Vec::new();
    for id in CalendarId::ALL {
        let mut events = Vec::new();
        for year in years.clone() {
            let mut days: Vec<(String, String)> = bank_holidays(id, year)
                .unwrap()
                .into_iter()
                .map(|h| (h.date.to_string(), h.name))
                .collect();
            if id == CalendarId::Scotland && year == 2026 {
                edit(&mut days);
            }
            for (date, name) in days {
                let (title, notes) = match name.strip_suffix(" (substitute day)") {
                    Some(t) => (t.to_owned(), "Substitute day"),
                    None => (name, ""),
                };
                events.push(format!(
                    "      {{\"title\": {}, \"date\": \"{date}\", \"notes\": \"{notes}\", \"bunting\": true}}",
                    serde_json::to_string(&title).unwrap()
                ));
            }
        }
        divisions.push(format!(
            "  \"{id}\": {{\n    \"division\": \"{id}\",\n    \"events\": [\n{}\n    ]\n  }}",
            events.join(",\n")
        ));
    }
    format!("{{\n{}\n}}\n", divisions.join(",\n"))
}

/// Every deadline of 1 to 10 working days started on any day of 2026.
fn deadlines(cal: &Calendar) -> Vec<(NaiveDate, u32, NaiveDate)> {
    let mut out = Vec::new();
    let mut from = d("2026-01-01");
    while from.year() == 2026 {
        for n in 1..=10 {
            out.push((from, n, cal.add_working_days(from, n).unwrap()));
        }
        from += Duration::days(1);
    }
    out
}

#[test]
fn an_imported_file_changes_exactly_the_deadlines_it_should() {
    // Scotland's list as GOV.UK published it before the proclamation of 4 February
    // 2026, and as it published it after.
    let before = govuk_file(2025..=2027, |days| {
        days.retain(|(date, _)| date != "2026-06-15")
    });
    let after = govuk_file(2025..=2027, |_| {});
    assert!(after.contains("\"date\": \"2026-06-15\""));
    let before = HolidayData::from_govuk_json(&before, "before.json").unwrap();
    let after_text = after;
    let after = HolidayData::from_govuk_json(&after_text, "after.json").unwrap();
    // The same file as Windows Notepad saves it, with a byte-order mark, reads the same.
    let with_bom = format!("\u{feff}{after_text}");
    assert_eq!(
        HolidayData::from_govuk_json(&with_bom, "after.json").unwrap(),
        after
    );
    let without = Calendar::with_data(CalendarId::Scotland, [], Some(&before)).unwrap();
    let with = Calendar::with_data(CalendarId::Scotland, [], Some(&after)).unwrap();
    assert!(without.is_working_day(d("2026-06-15")).unwrap());
    assert!(!with.is_working_day(d("2026-06-15")).unwrap());

    let extra = d("2026-06-15");
    let (a, b) = (deadlines(&without), deadlines(&with));
    let mut changed = 0;
    for ((from, n, due_without), (_, _, due_with)) in a.iter().zip(&b) {
        // A count over 15 June gains exactly one working day; no other count changes.
        let spans = *from < extra && *due_without >= extra;
        if spans {
            changed += 1;
            assert_eq!(
                with.working_days_between(*due_without, *due_with).unwrap(),
                1,
                "{n} working days from {from}"
            );
            assert!(due_with > due_without);
        } else {
            assert_eq!(due_with, due_without, "{n} working days from {from}");
        }
    }
    // Counted by hand: from Fri 12 to Sun 14 June every count (3 x 10); from Thu 11 to
    // Mon 8 June, counts of 2 to 10 down to 5 to 10 (9 + 8 + 7 + 6); from Sun 7, Sat 6
    // and Fri 5 June, 6 to 10 (3 x 5); from Thu 4 to Mon 1 June, 7 to 10 down to 10
    // (4 + 3 + 2 + 1).
    assert_eq!(changed, 30 + 30 + 15 + 10);
    // England and Wales, in the same files, is not changed at all.
    let ew_before = Calendar::with_data(CalendarId::EnglandAndWales, [], Some(&before)).unwrap();
    let ew_after = Calendar::with_data(CalendarId::EnglandAndWales, [], Some(&after)).unwrap();
    assert_eq!(deadlines(&ew_before), deadlines(&ew_after));
    // The shipped data already has the day: importing the new file changes nothing.
    assert_eq!(deadlines(&Calendar::new(CalendarId::Scotland)), b);
}

#[test]
fn an_import_covering_later_years_extends_what_is_confirmed() {
    let later = govuk_file(2026..=2029, |_| {});
    let data = HolidayData::from_govuk_json(&later, "later.json").unwrap();
    let cal = Calendar::with_data(CalendarId::Scotland, [], Some(&data)).unwrap();
    assert_eq!(cal.confirmed_until(), Some(d("2029-12-31")));
    assert!(cal.next_twelve_months_confirmed(d("2028-06-01")));
    // Years the import does not cover keep the shipped lists.
    assert_eq!(
        cal.bank_holidays(2020).unwrap(),
        bank_holidays(CalendarId::Scotland, 2020).unwrap()
    );
}

fn refused(src: &str) -> escalate_core::HolidayFileError {
    HolidayData::from_govuk_json(src, "b.json").unwrap_err()
}

#[test]
fn a_malformed_file_is_refused_with_its_line_and_field() {
    let good = govuk_file(2026..=2026, |_| {});
    let line_of =
        |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;

    let bad = good.replacen("\"date\": \"2026-06-15\"", "\"date\": \"15/06/2026\"", 1);
    let e = refused(&bad);
    assert_eq!(e.field, "scotland.events[5].date", "{e}");
    assert_eq!(e.line, Some(line_of(&bad, "15/06/2026")), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "b.json:{}: scotland.events[5].date: is not a date: use YYYY-MM-DD, e.g. 2026-06-15",
            line_of(&bad, "15/06/2026")
        )
    );
    assert_eq!(e.code(), "calendar.file_invalid");

    let bad = good.replacen("\"bunting\": true", "\"bunting\": \"yes\"", 1);
    let e = refused(&bad);
    assert_eq!(e.field, "england-and-wales.events[0].bunting", "{e}");
    assert!(!e.message.contains("yes"), "never the value found: {e}");

    let bad = good.replacen("\"scotland\": {", "\"scotlnd\": {", 1);
    let e = refused(&bad);
    assert!(e.message.contains("unknown field `scotlnd`"), "{e}");
    assert_eq!(e.line, Some(line_of(&bad, "scotlnd")), "{e}");

    // A year with one day would replace the rules with that day: refused.
    let short = "{\"scotland\": {\"events\": [\n{\"title\": \"Extra\", \"date\": \"2026-06-15\", \"notes\": \"\", \"bunting\": true}\n]}}";
    let e = refused(short);
    assert_eq!(e.field, "scotland.events[0]", "{e}");
    assert_eq!(e.line, Some(2), "{e}");
    assert!(
        e.message
            .contains("2026 lists 1 bank holiday where Scotland has at least 9"),
        "{e}"
    );

    let twice = good.replacen(
        "\"date\": \"2026-06-15\", \"notes\": \"\", \"bunting\": true}",
        "\"date\": \"2026-06-15\", \"notes\": \"\", \"bunting\": true},\n      {\"title\": \"Again\", \"date\": \"2026-06-15\", \"notes\": \"\", \"bunting\": true}",
        1,
    );
    let e = refused(&twice);
    assert_eq!(e.field, "scotland.events[6].date", "{e}");
    assert_eq!(e.line, Some(line_of(&twice, "Again")), "{e}");

    let e = refused(&good.replacen("\"date\": \"2026-01-01\"", "\"date\": \"2101-01-01\"", 1));
    assert!(e.message.contains("outside the calendar's range"), "{e}");
    let e = refused("{}");
    assert!(e.message.contains("lists no nation"), "{e}");
    let e = refused(&good[..good.len() / 2]);
    assert!(e.message.starts_with("not valid JSON"), "{e}");
    assert!(e.line.is_some(), "{e}");
    let e = refused(&" ".repeat(escalate_core::holiday_data::MAX_HOLIDAY_FILE_BYTES + 1));
    assert!(e.message.contains("at most 1 MiB"), "{e}");
    let e = refused(&good.replacen(
        "\"division\": \"scotland\"",
        "\"division\": \"england-and-wales\"",
        1,
    ));
    assert_eq!(e.field, "scotland.division", "{e}");
}

fn json_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"\"".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just("null".to_owned()),
        Just("\"2026-02-30\"".to_owned()),
        Just("\"+262143-12-31\"".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[".to_owned()),
        "[\\[\\]{}:,\" a-z0-9\\\\-]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_text_is_read_or_refused_with_a_place(src in any::<String>()) {
        if let Err(e) = HolidayData::from_govuk_json(&src, "b.json") {
            prop_assert!(!e.field.is_empty() && !e.message.trim().is_empty());
        }
    }

    #[test]
    fn edited_official_files_are_read_or_refused_with_a_place(
        at in 0usize..40_000, cut in 0usize..60, piece in json_piece()
    ) {
        let src = shipped_text();
        let clamp = |i: usize| {
            let mut i = i.min(src.len());
            while !src.is_char_boundary(i) { i -= 1; }
            i
        };
        let edited = format!("{}{}{}", &src[..clamp(at)], piece, &src[clamp(at + cut)..]);
        match HolidayData::from_govuk_json(&edited, "b.json") {
            Ok(data) => {
                // Whatever was read builds a calendar.
                for id in CalendarId::ALL {
                    prop_assert!(Calendar::with_data(id, [], Some(&data)).is_ok());
                }
            }
            Err(e) => {
                let lines = edited.lines().count() + 1;
                prop_assert!(e.line.is_none_or(|l| (1..=lines).contains(&l)), "{}", e);
                prop_assert!(!e.field.is_empty(), "{}", e);
            }
        }
    }

    #[test]
    fn calendar_day_deadlines_are_exactly_n_days_after(
        from in (0i64..40_000).prop_map(|n| d("1990-01-01") + Duration::days(n)),
        n in 0u32..=366,
    ) {
        let cal = Calendar::new(CalendarId::EnglandAndWales);
        let due = cal.add_calendar_days(from, n).unwrap();
        prop_assert_eq!((due - from).num_days(), i64::from(n));
        let via_engine = escalate_core::engine::due_after(
            escalate_core::Limit::CalendarDays(n),
            from.and_hms_opt(15, 30, 0).unwrap(),
            &cal,
        ).unwrap();
        prop_assert_eq!(via_engine, escalate_core::Due::EndOfDay(due));
    }
}

/// A GOV.UK file listing one nation's `days` only.
fn one_nation_file(id: CalendarId, days: &[(NaiveDate, String)]) -> String {
    let events: Vec<String> = days
        .iter()
        .map(|(date, name)| {
            format!(
                "      {{\"title\": {}, \"date\": \"{date}\", \"notes\": \"\", \"bunting\": true}}",
                serde_json::to_string(name).unwrap()
            )
        })
        .collect();
    format!(
        "{{\n  \"{id}\": {{\n    \"division\": \"{id}\",\n    \"events\": [\n{}\n    ]\n  }}\n}}\n",
        events.join(",\n")
    )
}

fn shipped_days(id: CalendarId, year: i32) -> Vec<(NaiveDate, String)> {
    bank_holidays(id, year)
        .unwrap()
        .into_iter()
        .map(|h| (h.date, h.name))
        .collect()
}

#[test]
fn every_weekday_listed_as_a_bank_holiday_is_refused_naming_the_year_and_nation() {
    let mut days = Vec::new();
    let mut day = d("2027-01-01");
    while day <= d("2033-12-31") {
        if day.weekday().num_days_from_monday() < 5 {
            days.push((day, "Holiday".to_owned()));
        }
        day += Duration::days(1);
    }
    let e = refused(&one_nation_file(CalendarId::EnglandAndWales, &days));
    assert!(
        e.message
            .contains("2027 lists 261 bank holidays for England and Wales")
            && e.message.contains("no year has more than 15"),
        "{e}"
    );
}

#[test]
fn a_year_of_saturdays_is_refused_naming_the_day() {
    // The eight Saturdays of January and February 2027 (2 January 2027 is a Saturday).
    let days: Vec<_> = (0..8)
        .map(|w| (d("2027-01-02") + Duration::weeks(w), "Holiday".to_owned()))
        .collect();
    let e = refused(&one_nation_file(CalendarId::EnglandAndWales, &days));
    assert_eq!(e.field, "england-and-wales.events[0]", "{e}");
    assert!(
        e.message
            .starts_with("2027 lists 2027-01-02 (Holiday) for England and Wales, a Saturday"),
        "{e}"
    );
}

#[test]
fn a_year_without_its_christmas_substitute_is_refused() {
    // Christmas Day 2027 is a Saturday and Boxing Day a Sunday: GOV.UK lists Monday 27
    // and Tuesday 28 December as their substitutes. Moving the 27th to Wednesday 29th
    // keeps eight weekdays but loses Christmas.
    let mut days = shipped_days(CalendarId::EnglandAndWales, 2027);
    assert!(days.contains(&(d("2027-12-27"), "Christmas Day (substitute day)".to_owned())));
    assert!(days.contains(&(d("2027-12-28"), "Boxing Day (substitute day)".to_owned())));
    for day in &mut days {
        if day.0 == d("2027-12-27") {
            day.0 = d("2027-12-29");
        }
    }
    let e = refused(&one_nation_file(CalendarId::EnglandAndWales, &days));
    assert!(
        e.message.starts_with(
            "2027 does not list Christmas Day (2027-12-27), which England and Wales has every year"
        ),
        "{e}"
    );
    // As published, the year reads, and a deadline counted over it skips both days:
    // 2 working days from Friday 24 December 2027 end on Thursday 30 December.
    let data = HolidayData::from_govuk_json(
        &one_nation_file(
            CalendarId::EnglandAndWales,
            &shipped_days(CalendarId::EnglandAndWales, 2027),
        ),
        "b.json",
    )
    .unwrap();
    let cal = Calendar::with_data(CalendarId::EnglandAndWales, [], Some(&data)).unwrap();
    assert_eq!(
        cal.add_working_days(d("2027-12-24"), 2).unwrap(),
        d("2027-12-30")
    );
}

/// The names of the days each nation has every year on a fixed date.
const FIXED: [&str; 7] = [
    "New Year's Day",
    "2nd January",
    "St Patrick's Day",
    "Battle of the Boyne",
    "St Andrew's Day",
    "Christmas Day",
    "Boxing Day",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any published year with one of its fixed-date days moved to an ordinary weekday
    /// (the second Wednesday of October, never a bank holiday) is refused, naming the
    /// year and the nation; as published, it reads.
    #[test]
    fn a_year_missing_a_fixed_day_is_refused(
        year in SHIPPED_YEARS, nation in 0usize..3, pick in any::<prop::sample::Index>()
    ) {
        let id = CalendarId::ALL[nation];
        let days = shipped_days(id, year);
        prop_assert!(HolidayData::from_govuk_json(&one_nation_file(id, &days), "b.json").is_ok());
        let fixed: Vec<usize> = days
            .iter()
            .enumerate()
            .filter(|(_, (_, name))| FIXED.iter().any(|f| name.starts_with(f)))
            .map(|(i, _)| i)
            .collect();
        prop_assert!(fixed.len() >= 3);
        let mut edited = days.clone();
        let october = NaiveDate::from_ymd_opt(year, 10, 1).unwrap();
        let first_wednesday = october
            + Duration::days((7 + 2 - i64::from(october.weekday().num_days_from_monday())) % 7);
        edited[fixed[pick.index(fixed.len())]].0 = first_wednesday + Duration::weeks(1);
        let e = HolidayData::from_govuk_json(&one_nation_file(id, &edited), "b.json").unwrap_err();
        prop_assert!(
            e.message.starts_with(&format!("{year} does not list ")) && e.message.contains(id.name()),
            "{}", e
        );
    }
}
