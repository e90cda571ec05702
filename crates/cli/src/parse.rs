//! Options' text into typed values. A refusal names the option and shows the form
//! wanted, with an example; it echoes only what cannot be about a child (a date, a
//! name from a closed list).

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use escalate_core::calendar::{FIRST_YEAR, LAST_YEAR};
use escalate_core::{CalendarError, CalendarId, FormId, Sector};

use crate::error::CliError;

fn calendar_error(option: &str, e: &CalendarError) -> CliError {
    CliError::Option {
        option: option.to_owned(),
        code: e.code(),
        message: e.to_string(),
    }
}

pub fn calendar(option: &str, s: &str) -> Result<CalendarId, CliError> {
    s.parse().map_err(|e| calendar_error(option, &e))
}

pub fn sector(option: &str, s: &str) -> Result<Sector, CliError> {
    s.parse::<Sector>()
        .map_err(|e| CliError::option(option, e.to_string()))
}

/// chrono also reads signed years of five or six digits (`+262143-12-31`), where adding
/// a few minutes overflows; every date Escalate takes is written with four.
fn four_digit_year(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

pub fn date(option: &str, s: &str) -> Result<NaiveDate, CliError> {
    let t = s.trim();
    four_digit_year(t)
        .then(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| {
            CliError::option(
                option,
                format!("'{s}' is not a date: use YYYY-MM-DD, e.g. 2026-11-23"),
            )
        })
}

/// Each of a repeated date option (`--closure-day`).
pub fn dates(option: &str, given: &[String]) -> Result<Vec<NaiveDate>, CliError> {
    given.iter().map(|d| date(option, d)).collect()
}

/// A date, or a date and time. A bare date starts at midnight. Every moment (the start
/// of a deadline, when a case opened, `--now`) must be one the calendar covers, so that
/// no deadline the engine later counts from it can fall outside the calendar.
pub fn moment(option: &str, s: &str) -> Result<NaiveDateTime, CliError> {
    let t = s.trim();
    let covered = |at: NaiveDateTime| {
        if (FIRST_YEAR..=LAST_YEAR).contains(&at.year()) {
            Ok(at)
        } else {
            Err(calendar_error(
                option,
                &CalendarError::OutOfRange { date: at.date() },
            ))
        }
    };
    if four_digit_year(t) {
        for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
            if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
                return covered(dt);
            }
        }
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return covered(d.and_time(NaiveTime::MIN));
        }
    }
    Err(CliError::option(
        option,
        format!(
            "'{s}' is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM, e.g. 2026-12-24T15:30"
        ),
    ))
}

pub fn optional_moment(option: &str, s: Option<&str>) -> Result<Option<NaiveDateTime>, CliError> {
    s.map(|s| moment(option, s)).transpose()
}

pub fn year(s: &str) -> Result<i32, CliError> {
    s.trim().parse().map_err(|_| {
        CliError::option(
            "--year",
            format!("'{s}' is not a year: give four digits, e.g. 2026"),
        )
    })
}

pub fn form(s: &str) -> Result<FormId, CliError> {
    FormId::new(s.trim()).map_err(|_| {
        CliError::option(
            "--form",
            format!("'{s}' is not a form: give a form's id, e.g. stage-record or chronology (`escalate protocol show` lists a protocol's forms)"),
        )
    })
}
