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
