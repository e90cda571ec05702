//! The questions answered without a store: deadlines, holidays, calendars, protocols
//! (shipped or from a file read through its bound) and plans. Each refusal names the
//! input at fault, which the command line shows as its option.

use std::path::PathBuf;

use chrono::NaiveDate;
use escalate_api::engine::{self, Count, Deadline};
use escalate_api::ApiError;
use escalate_core::{ErrorCode, PlanDue};

use crate::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn fault(e: &ApiError) -> (ErrorCode, Option<&str>) {
    (e.code, e.field.as_deref())
}

#[test]
fn deadlines_in_working_days_hours_or_the_same_working_day() {
    let ew = engine::calendar(CalendarId::EnglandAndWales, &[]).unwrap();
    let christmas = t("2026-12-24T15:30");
    assert_eq!(
        engine::deadline(&ew, christmas, Count::WorkingDays(5)).unwrap(),
        Deadline::EndOfDay(d("2027-01-05"))
    );
    assert_eq!(
        engine::deadline(&ew, christmas, Count::Hours(24)).unwrap(),
        Deadline::At(t("2026-12-25T15:30"))
    );
    assert_eq!(
        engine::deadline(&ew, t("2026-12-26T00:00"), Count::SameWorkingDay).unwrap(),
        Deadline::EndOfDay(d("2026-12-29"))
    );
    // A closure day is not a working day.
    let closed = engine::calendar(CalendarId::EnglandAndWales, &[d("2026-12-29")]).unwrap();
    assert_eq!(
        engine::deadline(&closed, t("2026-12-26T00:00"), Count::SameWorkingDay).unwrap(),
        Deadline::EndOfDay(d("2026-12-30"))
    );
    assert_eq!(
        serde_json::to_value(Deadline::EndOfDay(d("2027-01-05"))).unwrap(),
        serde_json::json!({"kind": "end-of-day", "at": "2027-01-05"})
    );
}

#[test]
fn a_deadline_refusal_names_the_start_or_the_count() {
    let ew = engine::calendar(CalendarId::EnglandAndWales, &[]).unwrap();
    let e = engine::deadline(&ew, t("2026-12-24T00:00"), Count::Hours(0)).unwrap_err();
    assert_eq!(fault(&e), (ErrorCode::FieldInvalid, Some("hours")));
    assert!(
        e.message
            .starts_with("hours: give a number of hours from 1 to 8784 (a year)"),
        "{e}"
    );
    let e = engine::deadline(&ew, t("2026-06-15T00:00"), Count::WorkingDays(u32::MAX)).unwrap_err();
    assert_eq!(
        fault(&e),
        (ErrorCode::CalendarOutOfRange, Some("working_days"))
    );
    assert!(
        e.message
            .ends_with("give at most 18854 working days from that date"),
        "{e}"
    );
    let e = engine::deadline(&ew, t("2100-12-31T12:00"), Count::Hours(8784)).unwrap_err();
    assert_eq!(fault(&e), (ErrorCode::CalendarOutOfRange, Some("hours")));
    let e = engine::deadline(&ew, t("1989-12-29T00:00"), Count::WorkingDays(1)).unwrap_err();
    assert_eq!(fault(&e), (ErrorCode::CalendarOutOfRange, Some("from")));
    assert_eq!(
        e.message,
        "from: 1989-12-29 is outside the calendar's range: use a date from 1990-01-01 to 2100-12-31"
    );
    let e = engine::calendar(CalendarId::Scotland, &[d("2200-01-01")]).unwrap_err();
    assert_eq!(
        fault(&e),
        (ErrorCode::CalendarOutOfRange, Some("closure_day"))
    );
}

#[test]
fn holidays_with_closure_days_and_the_calendars() {
    let ni = engine::holidays(CalendarId::NorthernIreland, 2026, &[]).unwrap();
    assert!(ni
        .iter()
        .any(|h| h.date == d("2026-03-17") && h.name == "St Patrick's Day"));
    let with = engine::holidays(CalendarId::NorthernIreland, 2026, &[d("2026-03-03")]).unwrap();
    assert_eq!(with.len(), ni.len() + 1);
    assert!(with.iter().any(|h| h.date == d("2026-03-03")));
    let e = engine::holidays(CalendarId::Scotland, 3000, &[]).unwrap_err();
    assert_eq!(fault(&e), (ErrorCode::CalendarOutOfRange, Some("year")));
    let e = engine::holidays(CalendarId::Scotland, 3000, &[d("2026-03-03")]).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("year"));
    assert_eq!(engine::calendars(), CalendarId::ALL);
}

#[test]
fn protocols_by_id_or_from_a_file_through_its_bound() {
    assert_eq!(engine::protocol("london").unwrap().id, "london");
    let e = engine::protocol("nonesuch").unwrap_err();
    assert_eq!(fault(&e), (ErrorCode::ProtocolUnknown, Some("protocol")));
    assert!(
        e.message.starts_with(
            "protocol: no shipped protocol is called 'nonesuch': use one of doncaster, four-stage, london"
        ),
        "{e}"
    );

    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("mine.toml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/protocols/london.toml"),
        &good,
    )
    .unwrap();
    let p = engine::protocol(good.to_str().unwrap()).unwrap();
    assert_eq!(p.id, "london");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "id = \"x\"\nname = 5\n").unwrap();
    let e = engine::protocol(bad.to_str().unwrap()).unwrap_err();
    assert_eq!(e.code, ErrorCode::ProtocolInvalid);
    assert!(e.message.starts_with(&format!("{}:", bad.display())), "{e}");
    // A device is refused before it is read; its refusal names the file.
    let e = engine::protocol("/dev/zero").unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::FieldInvalid, None)
    );
    assert_eq!(
        e.message,
        "/dev/zero: is not a regular file: give a protocol file (.toml) of at most 1 MiB (1048576 bytes)"
    );

    // A check gives every problem of every file, one a line.
    engine::check_protocol_files(std::slice::from_ref(&good)).unwrap();
    let bad2 = dir.path().join("bad2.toml");
    std::fs::write(&bad2, "id = \"y\"\n[[stages]]\nnumber = \"a\"\n").unwrap();
    let e = engine::check_protocol_files(&[good.clone(), bad.clone(), bad2.clone()]).unwrap_err();
    assert_eq!(e.code, ErrorCode::ProtocolInvalid);
    let lines: Vec<&str> = e.message.lines().collect();
    assert!(lines.len() >= 2, "{e}");
    assert!(lines[0].starts_with(&format!("{}:", bad.display())), "{e}");
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with(&format!("{}:", bad2.display())),
        "{e}"
    );
    let e = engine::check_protocol_files(&[PathBuf::from("missing.toml")]).unwrap_err();
    assert_eq!(e.code, ErrorCode::Io);
}

#[test]
fn a_plan_in_the_protocols_calendar_or_another() {
    let p = engine::protocol("south-gloucestershire").unwrap();
    let plan = engine::plan(&p, t("2026-11-23T00:00"), None, &[]).unwrap();
    let dues: Vec<PlanDue> = plan.iter().map(|s| s.due).collect();
    assert_eq!(
        dues,
        [
            PlanDue::Date(d("2026-11-24")),
            PlanDue::Date(d("2026-11-25")),
            PlanDue::Date(d("2026-11-26")),
            PlanDue::Date(d("2026-11-30")),
        ]
    );
    // A closure day moves every date after it.
    let closed = engine::plan(&p, t("2026-11-23T00:00"), None, &[d("2026-11-24")]).unwrap();
    assert_eq!(closed[0].due, PlanDue::Date(d("2026-11-25")));
    // Scotland keeps St Andrew's Day (Monday 30 November 2026).
    let scotland =
        engine::plan(&p, t("2026-11-23T00:00"), Some(CalendarId::Scotland), &[]).unwrap();
    assert_eq!(scotland[3].due, PlanDue::Date(d("2026-12-01")));
    let e = engine::plan(&p, t("2100-12-31T00:00"), None, &[]).unwrap_err();
    assert_eq!(fault(&e), (ErrorCode::CalendarOutOfRange, Some("opened")));
    assert_eq!(
        e.message,
        "opened: a stage opened on 2100-12-31 would fall due after the calendar's last day, 2100-12-31: give an earlier date"
    );
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/protocols")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

#[test]
fn calendar_days_do_not_roll_forward_and_past_the_end_name_days() {
    let ew = engine::calendar(CalendarId::EnglandAndWales, &[]).unwrap();
    assert_eq!(
        engine::deadline(&ew, t("2026-12-20T09:00"), Count::CalendarDays(28)).unwrap(),
        Deadline::EndOfDay(d("2027-01-17"))
    );
    // Christmas Day is a calendar day like any other.
    assert_eq!(
        engine::deadline(&ew, t("2026-12-24T09:00"), Count::CalendarDays(1)).unwrap(),
        Deadline::EndOfDay(d("2026-12-25"))
    );
    let e = engine::deadline(&ew, t("2100-12-20T00:00"), Count::CalendarDays(28)).unwrap_err();
    assert_eq!(fault(&e), (ErrorCode::CalendarOutOfRange, Some("days")));
    assert_eq!(
        e.message,
        "days: 28 days after 2100-12-20 is outside the calendar's range, which ends on 2100-12-31: give at most 11 days from that date"
    );
}

#[test]
fn coverage_says_how_far_ahead_official_data_confirms_a_calendar() {
    let c = engine::coverage(CalendarId::NorthernIreland, 2026, d("2026-11-23"));
    assert_eq!(c.confirmed_until, Some(d("2027-12-31")));
    assert!(c.year_confirmed);
    assert!(c.next_twelve_months_confirmed);
    // From mid-2027 the next twelve months reach past the data: a front end warns.
    let c = engine::coverage(CalendarId::NorthernIreland, 2027, d("2027-06-01"));
    assert!(c.year_confirmed);
    assert!(!c.next_twelve_months_confirmed);
    // A year past the data is projected.
    let c = engine::coverage(CalendarId::Scotland, 2031, d("2026-11-23"));
    assert!(!c.year_confirmed);
    assert!(c.next_twelve_months_confirmed);
}

#[test]
fn a_bank_holiday_file_says_what_it_would_change_or_where_it_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bank-holidays.json");
    let mut events: Vec<String> = engine::holidays(CalendarId::Scotland, 2028, &[])
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{{\"title\": \"{}\", \"date\": \"{}\", \"notes\": \"\", \"bunting\": true}}",
                h.name, h.date
            )
        })
        .collect();
    events.push(
        "{\"title\": \"A proclaimed day\", \"date\": \"2028-06-19\", \"notes\": \"\", \"bunting\": true}"
            .to_owned(),
    );
    let json = format!(
        "{{\"scotland\": {{\"division\": \"scotland\", \"events\": [\n{}\n]}}}}\n",
        events.join(",\n")
    );
    std::fs::write(&path, &json).unwrap();
    let changes = engine::check_calendar_file(&path).unwrap();
    assert_eq!(changes.len(), 1);
    let scotland = &changes[0];
    assert_eq!(scotland.calendar, CalendarId::Scotland);
    assert_eq!((scotland.first_year, scotland.last_year), (2028, 2028));
    assert_eq!(scotland.added.len(), 1);
    assert_eq!(scotland.added[0].date, d("2028-06-19"));
    assert_eq!(scotland.added[0].name, "A proclaimed day");
    assert!(scotland.removed.is_empty());
    assert_eq!(scotland.confirmed_until, Some(d("2028-12-31")));

    // Malformed: the file's line and place, no field of a form.
    std::fs::write(&path, json.replace("2028-06-19", "19/06/2028")).unwrap();
    let e = engine::check_calendar_file(&path).unwrap_err();
    assert_eq!(fault(&e), (ErrorCode::CalendarFileInvalid, None));
    assert!(
        e.message.starts_with(&format!("{}:", path.display())),
        "{e}"
    );
    assert!(e.message.contains("scotland.events["), "{e}");
    // A device is refused from its metadata.
    let e = engine::check_calendar_file(Path::new("/dev/zero")).unwrap_err();
    assert_eq!(
        e.message,
        "/dev/zero: is not a regular file: give a bank-holiday file (GOV.UK's bank-holidays.json) of at most 1 MiB (1048576 bytes)"
    );
}

#[test]
fn the_starter_protocol_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(&path, engine::starter()).unwrap();
    engine::check_protocol_files(std::slice::from_ref(&path)).unwrap();
    let p = engine::protocol(path.to_str().unwrap()).unwrap();
    assert_eq!(p.format, 2);
}

#[test]
fn a_plan_on_a_route_with_its_limits() {
    let wy = engine::protocol(&fixture("west-yorkshire.toml")).unwrap();
    let plan = engine::plan_route(&wy, t("2026-11-23T00:00"), None, &[], None).unwrap();
    assert_eq!(plan.stages.len(), 6);
    assert_eq!(plan.stages[5].due, PlanDue::Date(d("2026-12-18")));
    assert_eq!(plan.limits.len(), 1);
    assert_eq!(plan.limits[0].id, "steps-1-5");
    assert_eq!(plan.limits[0].due, PlanDue::Date(d("2026-11-30")));
    let route = plan.route.unwrap();
    assert_eq!(route.route, "standard");
    // The standard route's stages are the plan `plan` gives.
    assert_eq!(
        engine::plan(&wy, t("2026-11-23T00:00"), None, &[]).unwrap(),
        plan.stages
    );
    let urgent =
        engine::plan_route(&wy, t("2026-11-23T15:30"), None, &[], Some("immediate")).unwrap();
    assert_eq!(urgent.stages.len(), 1);
    assert_eq!(urgent.stages[0].due, PlanDue::At(t("2026-11-24T15:30")));
    assert_eq!(urgent.route.unwrap().route, "immediate");

    let e = engine::plan_route(&wy, t("2026-11-23T00:00"), None, &[], Some("fast")).unwrap_err();
    assert_eq!(fault(&e), (ErrorCode::RouteUnknown, Some("route")));
    assert_eq!(
        e.message,
        "route: 'fast' is not a route of protocol 'west-yorkshire': use one of standard, immediate"
    );
    // A protocol without routes says nothing of them.
    let doncaster = engine::protocol("doncaster").unwrap();
    let plan = engine::plan_route(&doncaster, t("2026-11-23T00:00"), None, &[], None).unwrap();
    assert!(plan.route.is_none());
    assert!(plan.limits.is_empty());
}

#[test]
fn the_stages_a_route_takes_from_the_protocol() {
    let lin = engine::protocol(&fixture("lincolnshire.toml")).unwrap();
    let urgent = lin.routes.iter().find(|r| r.id == "urgent").unwrap();
    assert_eq!(engine::stages_taken(&lin, urgent), [1, 2, 3]);
    let wy = engine::protocol(&fixture("west-yorkshire.toml")).unwrap();
    let immediate = wy.routes.iter().find(|r| r.id == "immediate").unwrap();
    assert!(engine::stages_taken(&wy, immediate).is_empty());
}
