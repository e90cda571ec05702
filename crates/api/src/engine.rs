//! The questions answered without a store: when a deadline falls, a calendar's bank
//! holidays, the calendars and protocols there are, a protocol (shipped, or a file read
//! through its bound) and its check, and a plan of every stage's due date.
//!
//! Refusals name the input at fault (`from`, `working_days`, `closure_day`, …), so a
//! front end can point at it: the command line shows each as its option.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use escalate_core::calendar::{bank_holidays, LAST_YEAR};
use escalate_core::protocol::{builtin_ids, MAX_LIMIT_HOURS};
use escalate_core::{
    builtin_protocol, Calendar, CalendarError, CalendarId, ErrorCode, Holiday, PlannedStage,
    Protocol, ProtocolErrors,
};
use serde::Serialize;

use crate::files::{self, PROTOCOL_FILE};
use crate::{ApiError, ApiResult};

/// A calendar's refusal, as the fault of `field`.
fn calendar_error(field: &str, e: &CalendarError) -> ApiError {
    ApiError::field(field, e).with_code(e.code())
}

/// The calendars Escalate knows.
pub fn calendars() -> [CalendarId; 3] {
    CalendarId::ALL
}

/// A nation's calendar with the agency's closure days, which are not working days.
pub fn calendar(id: CalendarId, closure_days: &[NaiveDate]) -> ApiResult<Calendar> {
    Calendar::with_closures(id, closure_days.iter().copied())
        .map_err(|e| calendar_error("closure_day", &e))
}

/// How long until a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// The Nth working day strictly after the start, to the end of that day.
    WorkingDays(u32),
    /// N wall-clock hours after the start, holidays or not.
    Hours(u32),
    /// The start's own day, or the next working day if it is not one.
    SameWorkingDay,
}

/// When a deadline falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "at", rename_all = "kebab-case")]
pub enum Deadline {
    /// The end of this day.
    EndOfDay(NaiveDate),
    At(NaiveDateTime),
}

/// The deadline `count` after `from`. A start outside the calendar is refused naming
/// `from`; a count that runs past the calendar's end names the count (`working_days`
/// or `hours`), as does a number of hours outside 1 to a year.
pub fn deadline(calendar: &Calendar, from: NaiveDateTime, count: Count) -> ApiResult<Deadline> {
    let fault = |count: &'static str| {
        move |e: CalendarError| {
            let field = match e {
                CalendarError::TooManyWorkingDays { .. } | CalendarError::TooManyHours { .. } => {
                    count
                }
                _ => "from",
            };
            calendar_error(field, &e)
        }
    };
    match count {
        Count::WorkingDays(n) => calendar
            .add_working_days(from.date(), n)
            .map(Deadline::EndOfDay)
            .map_err(fault("working_days")),
        Count::Hours(h) => {
            if !(1..=MAX_LIMIT_HOURS).contains(&h) {
                return Err(ApiError::field(
                    "hours",
                    format!(
                        "give a number of hours from 1 to {MAX_LIMIT_HOURS} (a year); for longer, count in --working-days"
                    ),
                ));
            }
            calendar
                .add_hours(from, h)
                .map(Deadline::At)
                .map_err(fault("hours"))
        }
        Count::SameWorkingDay => calendar
            .same_working_day(from.date())
            .map(Deadline::EndOfDay)
            .map_err(fault("from")),
    }
}

/// The days that are not working days in `year`: the calendar's bank holidays, and the
/// agency's closure days when there are any. A year outside the calendar is refused
/// naming `year`.
pub fn holidays(id: CalendarId, year: i32, closure_days: &[NaiveDate]) -> ApiResult<Vec<Holiday>> {
    let days = if closure_days.is_empty() {
        bank_holidays(id, year)
    } else {
        calendar(id, closure_days)?.non_working_days(year)
    };
    days.map_err(|e| calendar_error("year", &e))
}

/// A protocol by a shipped protocol's id, or by the path of a protocol file (a name
/// ending `.toml`, or with a folder in it), read through its bound and checked. An id
/// Escalate does not ship is refused naming `protocol`.
pub fn protocol(id_or_path: &str) -> ApiResult<Protocol> {
    let looks_like_path =
        id_or_path.ends_with(".toml") || id_or_path.contains('/') || id_or_path.contains('\\');
    if looks_like_path {
        return Ok(protocol_file(Path::new(id_or_path))??);
    }
    match builtin_protocol(id_or_path)? {
        Some(p) => Ok(p.clone()),
        None => Err(ApiError::field(
            "protocol",
            format!(
                "no shipped protocol is called '{id_or_path}': use one of {}, or give the path of a .toml protocol file",
                builtin_ids().into_iter().collect::<Vec<_>>().join(", ")
            ),
        )
        .with_code(ErrorCode::ProtocolUnknown)),
    }
}

/// A protocol file read through its bound and parsed: `Err` when it cannot be read,
/// `Ok(Err)` with every problem (`file:line: field: message`) when it is not a protocol.
fn protocol_file(path: &Path) -> ApiResult<Result<Protocol, ProtocolErrors>> {
    let src = files::read_text(path, &PROTOCOL_FILE)?;
    Ok(Protocol::from_toml(&src, &path.display().to_string()))
}

/// Check protocol files: every problem in every file, each on a line of its own as
/// `file:line: field: message` (code `protocol.invalid`). A file that cannot be read
/// stops the check.
pub fn check_protocol_files(paths: &[PathBuf]) -> ApiResult<()> {
    let mut problems = Vec::new();
    for path in paths {
        if let Err(e) = protocol_file(path)? {
            problems.push(e.to_string());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::ProtocolInvalid,
            problems.join("\n"),
        ))
    }
}

/// Each stage's due date if every stage runs to its limit, for a case opened at
/// `opened`, in `calendar` (the protocol's own unless another is given) with the
/// agency's closure days. Refused naming `opened` when the stages would fall due past
/// the calendar's end.
pub fn plan<'a>(
    protocol: &'a Protocol,
    opened: NaiveDateTime,
    calendar_id: Option<CalendarId>,
    closure_days: &[NaiveDate],
) -> ApiResult<Vec<PlannedStage<'a>>> {
    let cal = calendar(calendar_id.unwrap_or(protocol.calendar), closure_days)?;
    escalate_core::plan(protocol, &cal, opened).map_err(|e| match e {
        // The protocol's own limits ran past the calendar: only the date can change.
        CalendarError::TooManyWorkingDays { .. } | CalendarError::TooManyHours { .. } => {
            ApiError::field(
                "opened",
                format!(
                    "a stage opened on {} would fall due after the calendar's last day, {LAST_YEAR}-12-31: give an earlier date",
                    opened.format("%Y-%m-%d")
                ),
            )
            .with_code(e.code())
        }
        e => calendar_error("opened", &e),
    })
}
