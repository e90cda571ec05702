//! `deadline`, `holidays` and `calendars`: working days without a store.

use std::io::Write;

use escalate_api::engine::{self, Count, Deadline};

use crate::args::{DeadlineArgs, HolidaysArgs};
use crate::error::{options, CliError};
use crate::parse;

pub fn deadline(a: DeadlineArgs, out: &mut impl Write) -> Result<(), CliError> {
    let id = parse::calendar("--calendar", &a.calendar)?;
    let from = parse::moment("--from", &a.from)?;
    let closure_days = parse::dates("--closure-day", &a.closure_days)?;
    let calendar = engine::calendar(id, &closure_days).map_err(options(&["closure_day"]))?;
    let count = match (a.working_days, a.hours, a.same_working_day) {
        (Some(n), None, false) => Count::WorkingDays(n),
        (None, Some(h), false) => Count::Hours(h),
        (None, None, true) => Count::SameWorkingDay,
        _ => {
            return Err(CliError::option(
                "--working-days",
                "say how long: give one of --working-days N, --hours N or --same-working-day",
            ))
        }
    };
    match engine::deadline(&calendar, from, count).map_err(options(&[
        "working_days",
        "hours",
        "from",
    ]))? {
        Deadline::EndOfDay(day) => writeln!(out, "{}", day.format("%Y-%m-%d"))?,
        Deadline::At(at) => writeln!(out, "{}", at.format("%Y-%m-%dT%H:%M"))?,
    }
    Ok(())
}

pub fn holidays(a: HolidaysArgs, out: &mut impl Write) -> Result<(), CliError> {
    let id = parse::calendar("--calendar", &a.calendar)?;
    let year = parse::year(&a.year)?;
    let closure_days = parse::dates("--closure-day", &a.closure_days)?;
    let days =
        engine::holidays(id, year, &closure_days).map_err(options(&["closure_day", "year"]))?;
    for h in days {
        writeln!(out, "{}\t{}", h.date.format("%Y-%m-%d"), h.name)?;
    }
    Ok(())
}

pub fn calendars(out: &mut impl Write) -> Result<(), CliError> {
    for c in engine::calendars() {
        writeln!(out, "{}\t{}", c.as_str(), c.name())?;
    }
    Ok(())
}
