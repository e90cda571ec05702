//! `deadline`, `holidays`, `calendar check|import` and `calendars`: working days, with
//! the store's imported bank holidays where there is a store.

use std::io::Write;
use std::path::Path;

use escalate_api::engine::{self, Count, Coverage, Deadline};
use escalate_api::{session, settings};

use crate::args::{DeadlineArgs, HolidaysArgs};
use crate::cmd::{block_on, Ctx};
use crate::error::{file_named, options, CliError};
use crate::{parse, term};

pub fn deadline(a: DeadlineArgs, out: &mut impl Write) -> Result<(), CliError> {
    let id = parse::calendar("--calendar", &a.calendar)?;
    let from = parse::moment("--from", &a.from)?;
    let closure_days = parse::dates("--closure-day", &a.closure_days)?;
    let calendar = engine::calendar(id, &closure_days).map_err(options(&["closure_day"]))?;
    let count = match (a.working_days, a.hours, a.same_working_day, a.days) {
        (Some(n), None, false, None) => Count::WorkingDays(n),
        (None, Some(h), false, None) => Count::Hours(h),
        (None, None, true, None) => Count::SameWorkingDay,
        (None, None, false, Some(n)) => Count::CalendarDays(n),
        _ => {
            return Err(CliError::option(
                "--working-days",
                "say how long: give one of --working-days N, --hours N or --same-working-day, or --days N for calendar days",
            ))
        }
    };
    match engine::deadline(&calendar, from, count).map_err(options(&[
        "working_days",
        "hours",
        "days",
        "from",
    ]))? {
        Deadline::EndOfDay(day) => writeln!(out, "{}", day.format("%Y-%m-%d"))?,
        Deadline::At(at) => writeln!(out, "{}", at.format("%Y-%m-%dT%H:%M"))?,
    }
    Ok(())
}

pub fn holidays(a: HolidaysArgs, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    let today = ctx.now()?.date();
    let id = parse::calendar("--calendar", &a.calendar)?;
    let year = parse::year(&a.year)?;
    let closure_days = parse::dates("--closure-day", &a.closure_days)?;
    // With a store, its imported bank holidays count too.
    let stored = if session::exists(&ctx.data_dir()?) {
        let answer = block_on(async {
            ctx.with_store(&ctx.secrets(false), async |s| {
                Ok::<_, escalate_api::ApiError>((
                    settings::holidays(s, id, year, &closure_days)?,
                    settings::coverage(s, id, year, today)?,
                ))
            })
            .await
        });
        match answer {
            Ok(answer) => Some(answer),
            Err(CliError::Api(e)) if e.field.is_some() => {
                return Err(options(&["closure_day", "year"])(e))
            }
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "escalate: note: the store could not be opened ({}): these are the shipped bank holidays, without any imported into it",
                    e.to_string().trim_start_matches("escalate: ")
                );
                None
            }
        }
    } else {
        None
    };
    let (days, coverage) = match stored {
        Some(answer) => answer,
        None => (
            engine::holidays(id, year, &closure_days).map_err(options(&["closure_day", "year"]))?,
            engine::coverage(id, year, today),
        ),
    };
    for h in days {
        writeln!(
            out,
            "{}\t{}",
            h.date.format("%Y-%m-%d"),
            term::clean(&h.name)
        )?;
    }
    // On stderr, so the list stays one holiday a line for scripts.
    let mut err = std::io::stderr();
    for line in coverage_lines(&coverage, year, today) {
        let _ = writeln!(err, "{line}");
    }
    Ok(())
}

/// Import an official bank-holiday file into the store, and say how far ahead the
/// store's calendar is now confirmed.
pub fn import(file: &Path, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let mut store = ctx.open(&ctx.secrets(false)).await?;
        let imported = settings::import_holidays(&mut store, file, now).await;
        session::close(store).await;
        let coverage = imported.map_err(file_named("file", file))?;
        if coverage.already_imported {
            writeln!(
                out,
                "{}: already imported (the same file): nothing changed",
                file.display()
            )?;
        } else if let Some(i) = coverage.imports.last() {
            for n in &i.nations {
                let span = year_span(n.first_year, n.last_year);
                writeln!(
                    out,
                    "{}\t{span}\t{} bank holidays\timported",
                    n.calendar, n.holidays
                )?;
            }
        }
        if let Some(until) = coverage.confirmed_until {
            writeln!(
                out,
                "{}\tconfirmed to\t{}",
                coverage.calendar,
                until.format("%Y-%m-%d")
            )?;
        }
        if !coverage.next_twelve_months_confirmed {
            let _ = writeln!(
                std::io::stderr(),
                "escalate: warning: official {} bank-holiday data does not cover the next 12 months from {}: deadlines past it count on projected holidays",
                coverage.calendar,
                now.format("%Y-%m-%d")
            );
        }
        Ok(())
    })
}

/// The years a bank-holiday file covers: `2026`, or `2026-2028`.
fn year_span(first: i32, last: i32) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    }
}

/// How far ahead official data confirms the bank holidays, said gently: a note, and a
/// warning when the next 12 months from `today` are not covered.
fn coverage_lines(c: &Coverage, year: i32, today: chrono::NaiveDate) -> Vec<String> {
    let id = c.calendar;
    let Some(until) = c.confirmed_until else {
        return vec![format!(
            "escalate: warning: no official bank-holiday data for {id}: every year is projected from the usual rules. Check GOV.UK's list with `escalate calendar check FILE`."
        )];
    };
    let until = until.format("%Y-%m-%d");
    let mut lines = vec![if c.year_confirmed {
        format!("escalate: note: {id} bank holidays are confirmed by official data up to {until}")
    } else {
        format!(
            "escalate: note: {id} bank holidays are confirmed by official data up to {until}; {year} is projected from the usual rules, so a day proclaimed later would be missing"
        )
    }];
    if !c.next_twelve_months_confirmed {
        lines.push(format!(
            "escalate: warning: official {id} bank-holiday data ends on {until}, within the next 12 months from {}: deadlines after it count on projected holidays. Get the latest list from https://www.gov.uk/bank-holidays.json and check it with `escalate calendar check FILE`.",
            today.format("%Y-%m-%d")
        ));
    }
    lines
}

/// What an official bank-holiday file would change: per nation the years it covers,
/// each bank holiday it adds or removes, and how far ahead data would be confirmed.
pub fn check(file: &Path, out: &mut impl Write) -> Result<(), CliError> {
    for n in engine::check_calendar_file(file).map_err(file_named("file", file))? {
        let id = n.calendar;
        let span = year_span(n.first_year, n.last_year);
        let summary = if n.added.is_empty() && n.removed.is_empty() {
            "no change".to_owned()
        } else {
            format!("{} added, {} removed", n.added.len(), n.removed.len())
        };
        writeln!(out, "{id}\t{span}\t{summary}")?;
        for (what, days) in [("added", &n.added), ("removed", &n.removed)] {
            for h in days {
                // A file's words: shown, never obeyed.
                let name = term::clean(&h.name);
                writeln!(out, "{id}\t{what}\t{}\t{name}", h.date.format("%Y-%m-%d"))?;
            }
        }
        if let Some(c) = n.confirmed_until {
            writeln!(out, "{id}\tconfirmed to\t{}", c.format("%Y-%m-%d"))?;
        }
    }
    Ok(())
}

pub fn calendars(out: &mut impl Write) -> Result<(), CliError> {
    for c in engine::calendars() {
        writeln!(out, "{}\t{}", c.as_str(), c.name())?;
    }
    Ok(())
}
