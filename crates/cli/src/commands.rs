//! The commands. Each writes to `out` so tests and the binary share one path.

use std::io::{Read, Write};
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use escalate_core::calendar::bank_holidays;
use escalate_core::calendar::{FIRST_YEAR, LAST_YEAR};
use escalate_core::protocol::{
    builtin_ids, Notification, MAX_LIMIT_HOURS, MAX_PROTOCOL_FILE_BYTES,
};
use escalate_core::{
    builtin_protocol, builtin_protocols, plan, Calendar, CalendarError, CalendarId, Limit, Protocol,
};

use crate::args::{Cli, Command, DeadlineArgs, HolidaysArgs, PlanArgs, ProtocolCommand};
use crate::error::CliError;

pub fn run(cli: Cli, out: &mut impl Write) -> Result<(), CliError> {
    match cli.command {
        Command::Deadline(a) => deadline(a, out),
        Command::Holidays(a) => holidays(a, out),
        Command::Calendars => {
            for c in CalendarId::ALL {
                writeln!(out, "{}\t{}", c.as_str(), c.name())?;
            }
            Ok(())
        }
        Command::Protocols => {
            for p in builtin_protocols().map_err(|e| CliError::Protocol(vec![e]))? {
                writeln!(out, "{}\t{}", p.id, p.name)?;
            }
            Ok(())
        }
        Command::Protocol(ProtocolCommand::Show { protocol, json }) => {
            let p = load_protocol(&protocol)?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &p)?;
                writeln!(out)?;
            } else {
                show(&p, out)?;
            }
            Ok(())
        }
        Command::Protocol(ProtocolCommand::Check { files }) => {
            let mut all = Vec::new();
            for file in &files {
                let src = read_protocol_file(file)?;
                if let Err(e) = Protocol::from_toml(&src, &file.display().to_string()) {
                    all.push(e);
                }
            }
            if all.is_empty() {
                writeln!(out, "ok")?;
                Ok(())
            } else {
                Err(CliError::Protocol(all))
            }
        }
        Command::Plan(a) => plan_cmd(a, out),
        store_cmd => crate::store_commands::run(store_cmd, &cli.store, out),
    }
}

pub(crate) fn parse_calendar(option: &'static str, s: &str) -> Result<CalendarId, CliError> {
    s.parse()
        .map_err(|source| CliError::Calendar { option, source })
}

/// chrono also reads signed years of five or six digits (`+262143-12-31`), where adding
/// a few minutes overflows; every date Escalate takes is written with four.
fn four_digit_year(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

pub(crate) fn parse_date(option: &'static str, s: &str) -> Result<NaiveDate, CliError> {
    let t = s.trim();
    four_digit_year(t)
        .then(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| CliError::Invalid {
            option,
            message: format!("'{s}' is not a date: use YYYY-MM-DD, e.g. 2026-11-23"),
        })
}

/// A date, or a date and time. A bare date starts at midnight. Every moment (the start
/// of a deadline, when a case opened, `--now`) must be one the calendar covers, so that
/// no deadline the engine later counts from it can fall outside the calendar.
pub(crate) fn parse_moment(
    option: &'static str,
    s: &str,
) -> Result<(NaiveDateTime, bool), CliError> {
    let t = s.trim();
    let covered = |at: NaiveDateTime| {
        if (FIRST_YEAR..=LAST_YEAR).contains(&at.year()) {
            Ok(at)
        } else {
            Err(CliError::Calendar {
                option,
                source: CalendarError::OutOfRange { date: at.date() },
            })
        }
    };
    if four_digit_year(t) {
        for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
            if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
                return Ok((covered(dt)?, true));
            }
        }
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return Ok((covered(d.and_time(NaiveTime::MIN))?, false));
        }
    }
    Err(CliError::Invalid {
        option,
        message: format!(
            "'{s}' is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM, e.g. 2026-12-24T15:30"
        ),
    })
}

fn calendar_with(id: CalendarId, closure_days: &[String]) -> Result<Calendar, CliError> {
    let days = closure_days
        .iter()
        .map(|d| parse_date("--closure-day", d))
        .collect::<Result<Vec<_>, _>>()?;
    Calendar::with_closures(id, days).map_err(|source| CliError::Calendar {
        option: "--closure-day",
        source,
    })
}

fn deadline(a: DeadlineArgs, out: &mut impl Write) -> Result<(), CliError> {
    let id = parse_calendar("--calendar", &a.calendar)?;
    let (from, _) = parse_moment("--from", &a.from)?;
    let cal = calendar_with(id, &a.closure_days)?;
    // A start outside the calendar is the start's fault; a count that runs past the
    // calendar's end is the count's, unless the count is the fixed one day.
    let cal_err = |count: &'static str| {
        move |source: CalendarError| CliError::Calendar {
            option: match source {
                CalendarError::TooManyWorkingDays { .. } | CalendarError::TooManyHours { .. } => {
                    count
                }
                _ => "--from",
            },
            source,
        }
    };
    match (a.working_days, a.hours, a.same_working_day) {
        (Some(n), None, false) => {
            let due = cal
                .add_working_days(from.date(), n)
                .map_err(cal_err("--working-days"))?;
            writeln!(out, "{}", due.format("%Y-%m-%d"))?;
        }
        (None, Some(h), false) => {
            if !(1..=MAX_LIMIT_HOURS).contains(&h) {
                return Err(CliError::Invalid {
                    option: "--hours",
                    message: format!(
                        "give a number of hours from 1 to {MAX_LIMIT_HOURS} (a year); for longer, count in --working-days"
                    ),
                });
            }
            let due = cal.add_hours(from, h).map_err(cal_err("--hours"))?;
            writeln!(out, "{}", due.format("%Y-%m-%dT%H:%M"))?;
        }
        (None, None, true) => {
            let due = cal
                .same_working_day(from.date())
                .map_err(cal_err("--from"))?;
            writeln!(out, "{}", due.format("%Y-%m-%d"))?;
        }
        _ => {
            return Err(CliError::Invalid {
                option: "--working-days",
                message:
                    "say how long: give one of --working-days N, --hours N or --same-working-day"
                        .to_owned(),
            })
        }
    }
    Ok(())
}

fn holidays(a: HolidaysArgs, out: &mut impl Write) -> Result<(), CliError> {
    let id = parse_calendar("--calendar", &a.calendar)?;
    let year: i32 = a.year.trim().parse().map_err(|_| CliError::Invalid {
        option: "--year",
        message: format!("'{}' is not a year: give four digits, e.g. 2026", a.year),
    })?;
    let days = if a.closure_days.is_empty() {
        bank_holidays(id, year)
    } else {
        calendar_with(id, &a.closure_days)?.non_working_days(year)
    }
    .map_err(|source| CliError::Calendar {
        option: "--year",
        source,
    })?;
    for h in days {
        writeln!(out, "{}\t{}", h.date.format("%Y-%m-%d"), h.name)?;
    }
    Ok(())
}

/// A shipped protocol by id, or a protocol file by path.
fn load_protocol(arg: &str) -> Result<Protocol, CliError> {
    let looks_like_path = arg.ends_with(".toml") || arg.contains('/') || arg.contains('\\');
    if !looks_like_path {
        return match builtin_protocol(arg).map_err(|e| CliError::Protocol(vec![e]))? {
            Some(p) => Ok(p.clone()),
            None => Err(CliError::UnknownProtocol {
                id: arg.to_owned(),
                known: builtin_ids().into_iter().collect::<Vec<_>>().join(", "),
            }),
        };
    }
    let src = read_protocol_file(Path::new(arg))?;
    Protocol::from_toml(&src, arg).map_err(|e| CliError::Protocol(vec![e]))
}

/// A protocol file's text, refused before it is read when it is not a regular file
/// or is over [`MAX_PROTOCOL_FILE_BYTES`].
fn read_protocol_file(path: &Path) -> Result<String, CliError> {
    read_text_file(
        path,
        MAX_PROTOCOL_FILE_BYTES as u64,
        "a protocol file (.toml)",
        "1 MiB",
    )
}

/// A user's file read through a bound: a device (`/dev/zero`), a pipe or a huge file
/// is refused from its metadata, and a file that grows while being read is cut off
/// at `limit + 1` bytes and refused, so nothing here is held in memory unbounded.
pub(crate) fn read_text_file(
    path: &Path,
    limit: u64,
    what: &str,
    limit_words: &str,
) -> Result<String, CliError> {
    let name = path.display().to_string();
    let io = |source| CliError::Io {
        path: name.clone(),
        source,
    };
    let refuse = |message: String| CliError::File {
        path: name.clone(),
        message,
    };
    let too_large = |size: u64| {
        refuse(format!(
            "is {size} bytes; {what} may be at most {limit_words} ({limit} bytes): give a smaller file"
        ))
    };
    let not_regular = || {
        refuse(format!(
            "is not a regular file: give {what} of at most {limit_words} ({limit} bytes)"
        ))
    };
    // Opening a FIFO would wait for a writer, so look before opening, then check again
    // what was opened.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len().min(limit)).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        refuse(format!(
            "is not UTF-8 text (byte {} is not): save it as UTF-8",
            e.utf8_error().valid_up_to()
        ))
    })
}

fn plan_cmd(a: PlanArgs, out: &mut impl Write) -> Result<(), CliError> {
    let protocol = load_protocol(&a.protocol)?;
    let (opened, _) = parse_moment("--opened", &a.opened)?;
    let id = match &a.calendar {
        Some(c) => parse_calendar("--calendar", c)?,
        None => protocol.calendar,
    };
    let cal = calendar_with(id, &a.closure_days)?;
    let stages = plan(&protocol, &cal, opened).map_err(|source| match source {
        // The protocol's own limits ran past the calendar: only the date can change.
        CalendarError::TooManyWorkingDays { .. } | CalendarError::TooManyHours { .. } => {
            CliError::Invalid {
                option: "--opened",
                message: format!(
                    "a stage opened on {} would fall due after the calendar's last day, {LAST_YEAR}-12-31: give an earlier date",
                    opened.format("%Y-%m-%d")
                ),
            }
        }
        source => CliError::Calendar {
            option: "--opened",
            source,
        },
    })?;
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &stages)?;
        writeln!(out)?;
    } else {
        for s in stages {
            writeln!(out, "{}\t{}\t{}", s.stage, s.due, s.title)?;
        }
    }
    Ok(())
}

fn limit_text(limit: Limit, from: &str) -> String {
    match limit {
        Limit::None => "no limit".to_owned(),
        Limit::WithoutDelay => "without delay".to_owned(),
        l => format!("{l} from {from}"),
    }
}

fn notification_line(n: &Notification) -> String {
    let mut s = format!("{}: to {} — on {}", n.id, n.to, n.on);
    if n.within != Limit::None {
        s.push_str(&format!(", within {}", n.within));
    }
    if let Some(by) = &n.by {
        s.push_str(&format!(", by {by}"));
    }
    s.push_str(&format!(" — {}", n.what));
    s
}

fn show(p: &Protocol, out: &mut impl Write) -> Result<(), CliError> {
    writeln!(out, "{}\t{}", p.id, p.name)?;
    writeln!(out, "Partnership: {}", p.partnership)?;
    writeln!(out, "Version: {}", p.version)?;
    writeln!(out, "Calendar: {}", p.calendar)?;
    writeln!(out, "Source: {}", p.source)?;
    if let Some(b) = &p.board_contact {
        writeln!(out, "Board contact: {b}")?;
    }
    writeln!(out, "Records: {}", p.record_keeping)?;
    writeln!(
        out,
        "Immediate risk: {} — {}",
        if p.immediate_risk.higher_stage {
            "may start at or jump to a higher stage, with a recorded reason"
        } else {
            "no higher start"
        },
        p.immediate_risk.words
    )?;
    if let Some(s) = &p.smaller_organisations {
        writeln!(out, "Smaller organisations: {s}")?;
    }
    for pr in &p.principles {
        writeln!(out, "Principle: {pr}")?;
    }
    if !p.exclusions.is_empty() {
        writeln!(out, "\nOut of scope:")?;
        for e in &p.exclusions {
            writeln!(out, "  {}: {}", e.id, e.question)?;
            writeln!(out, "    {}", e.words)?;
            writeln!(out, "    Instead: {}", e.redirect)?;
        }
    }
    for s in &p.stages {
        writeln!(out)?;
        writeln!(
            out,
            "Stage {}{}: {}",
            s.number,
            if s.informal { " (informal)" } else { "" },
            s.title
        )?;
        writeln!(out, "  Led by: {}", s.led_by)?;
        writeln!(out, "  Contact: {}", s.contact)?;
        for a in &s.also_involve {
            writeln!(out, "  Also involve: {a}")?;
        }
        if s.entry != Limit::None {
            writeln!(out, "  Reached: {}", s.entry)?;
        }
        if let Some(t) = &s.timescale {
            writeln!(
                out,
                "  Timescale: {}{} — {}",
                limit_text(t.within, t.from.as_str()),
                if t.shorter_if_child_needs {
                    ", or shorter where that protects the child"
                } else {
                    ""
                },
                t.words
            )?;
        } else {
            writeln!(out, "  Timescale: no limit")?;
        }
        for d in &s.deadlines {
            writeln!(
                out,
                "  Deadline {}: {} — {}",
                d.id,
                limit_text(d.within, d.from.as_str()),
                d.what
            )?;
        }
        writeln!(out, "  Actions:")?;
        for a in &s.actions {
            writeln!(out, "    - {a}")?;
        }
        writeln!(
            out,
            "  Record: {} — {}",
            if s.record.required {
                "required"
            } else {
                "optional"
            },
            s.record.words
        )?;
        if !s.record.fields.is_empty() {
            let fields: Vec<_> = s.record.fields.iter().map(|f| f.as_str()).collect();
            writeln!(out, "  Record fields: {}", fields.join(", "))?;
        }
        for k in &s.record.keep_on {
            writeln!(out, "  Keep a copy on: {k}")?;
        }
        for n in &s.notifications {
            writeln!(out, "  Notify {}", notification_line(n))?;
        }
        for f in &s.forms {
            write!(out, "  Form: {} ({}) on {}", f.form.title(), f.form, f.on)?;
            if !f.send_to.is_empty() {
                write!(out, ", send to {}", f.send_to.join("; "))?;
            }
            writeln!(out)?;
        }
        if !s.escalate_requires.is_empty() {
            let r: Vec<_> = s.escalate_requires.iter().map(|r| r.to_string()).collect();
            writeln!(out, "  Before escalating: {}", r.join(", "))?;
        }
        for roles in &p.sectors {
            if let Some(who) = roles.at(s.number) {
                writeln!(out, "  {}: {}", roles.sector.name(), who)?;
            }
        }
        if let Some(o) = &s.outcome {
            writeln!(out, "  Outcome: {o}")?;
        }
        writeln!(out, "  If unresolved: {}", s.next_step)?;
    }
    if !p.on_resolution.is_empty() {
        writeln!(out, "\nOn resolution:")?;
        for n in &p.on_resolution {
            writeln!(out, "  Notify {}", notification_line(n))?;
        }
    }
    Ok(())
}
