//! The commands. Each writes to `out` so tests and the binary share one path.

use std::io::{Read, Write};
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use escalate_core::calendar::bank_holidays;
use escalate_core::calendar::{FIRST_YEAR, LAST_YEAR};
use escalate_core::holiday_data::MAX_HOLIDAY_FILE_BYTES;
use escalate_core::protocol::{
    builtin_ids, Anchor, ExtensionRule, Notification, RunLimit, Stage, MAX_LIMIT_HOURS,
    MAX_PROTOCOL_FILE_BYTES, STARTER,
};
use escalate_core::{
    builtin_protocol, builtin_protocols, plan_route, Calendar, CalendarError, CalendarId,
    EngineError, HolidayData, Limit, Protocol,
};

use crate::args::{
    CalendarCommand, Cli, Command, DeadlineArgs, HolidaysArgs, PlanArgs, ProtocolCommand,
};
use crate::error::CliError;

pub fn run(cli: Cli, out: &mut impl Write) -> Result<(), CliError> {
    match cli.command {
        Command::Deadline(a) => deadline(a, out),
        Command::Holidays(a) => {
            let now = crate::store_commands::now(&cli.store)?;
            holidays(a, now.date(), out)
        }
        Command::Calendar(CalendarCommand::Check { file }) => calendar_check(&file, out),
        Command::Protocol(ProtocolCommand::New) => {
            out.write_all(STARTER.as_bytes())?;
            Ok(())
        }
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
                CalendarError::TooManyWorkingDays { .. }
                | CalendarError::TooManyHours { .. }
                | CalendarError::TooManyDays { .. } => count,
                _ => "--from",
            },
            source,
        }
    };
    match (a.working_days, a.hours, a.same_working_day, a.days) {
        (None, None, false, Some(n)) => {
            let due = cal
                .add_calendar_days(from.date(), n)
                .map_err(cal_err("--days"))?;
            writeln!(out, "{}", due.format("%Y-%m-%d"))?;
        }
        (Some(n), None, false, None) => {
            let due = cal
                .add_working_days(from.date(), n)
                .map_err(cal_err("--working-days"))?;
            writeln!(out, "{}", due.format("%Y-%m-%d"))?;
        }
        (None, Some(h), false, None) => {
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
        (None, None, true, None) => {
            let due = cal
                .same_working_day(from.date())
                .map_err(cal_err("--from"))?;
            writeln!(out, "{}", due.format("%Y-%m-%d"))?;
        }
        _ => {
            return Err(CliError::Invalid {
                option: "--working-days",
                message:
                    "say how long: give one of --working-days N, --hours N or --same-working-day, or --days N for calendar days"
                        .to_owned(),
            })
        }
    }
    Ok(())
}

fn holidays(a: HolidaysArgs, today: NaiveDate, out: &mut impl Write) -> Result<(), CliError> {
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
    let cal = Calendar::new(id);
    for line in coverage(&cal, year, today) {
        // On stderr, so the list stays one holiday a line for scripts.
        let _ = writeln!(std::io::stderr(), "{line}");
    }
    Ok(())
}

/// How far ahead official data confirms a calendar's bank holidays, said gently: a
/// note, and a warning when the next 12 months from `today` are not covered.
fn coverage(cal: &Calendar, year: i32, today: NaiveDate) -> Vec<String> {
    let id = cal.id();
    let mut lines = Vec::new();
    let Some(until) = cal.confirmed_until() else {
        lines.push(format!(
            "escalate: warning: no official bank-holiday data for {id}: every year is projected from the usual rules. Check GOV.UK's list with `escalate calendar check FILE`."
        ));
        return lines;
    };
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(until);
    let year_start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(until);
    lines.push(if cal.is_confirmed(year_start, year_end) {
        format!(
            "escalate: note: {id} bank holidays are confirmed by official data up to {}",
            until.format("%Y-%m-%d")
        )
    } else {
        format!(
            "escalate: note: {id} bank holidays are confirmed by official data up to {}; {year} is projected from the usual rules, so a day proclaimed later would be missing",
            until.format("%Y-%m-%d")
        )
    });
    if !cal.next_twelve_months_confirmed(today) {
        lines.push(format!(
            "escalate: warning: official {id} bank-holiday data ends on {}, within the next 12 months from {}: deadlines after it count on projected holidays. Get the latest list from https://www.gov.uk/bank-holidays.json and check it with `escalate calendar check FILE`.",
            until.format("%Y-%m-%d"),
            today.format("%Y-%m-%d")
        ));
    }
    lines
}

/// What a GOV.UK bank-holiday file would change: per nation the years it covers, each
/// date it adds or removes compared with this build's data, and the confirmed horizon.
fn calendar_check(path: &Path, out: &mut impl Write) -> Result<(), CliError> {
    let src = read_text_file(
        path,
        MAX_HOLIDAY_FILE_BYTES as u64,
        "a bank-holiday file (GOV.UK's bank-holidays.json)",
        "1 MiB",
    )?;
    let data = HolidayData::from_govuk_json(&src, &path.display().to_string())
        .map_err(CliError::HolidayFile)?;
    for id in data.nations() {
        let years = data.years(id);
        let (Some(first), Some(last)) = (years.first(), years.last()) else {
            continue;
        };
        let current = Calendar::new(id);
        let mut added = Vec::new();
        let mut removed = Vec::new();
        for year in &years {
            let new = data.holidays(id, *year).unwrap_or_default();
            let old = current
                .bank_holidays(*year)
                .map_err(|source| CliError::Calendar {
                    option: "FILE",
                    source,
                })?;
            added.extend(
                new.iter()
                    .filter(|h| !old.iter().any(|o| o.date == h.date))
                    .cloned(),
            );
            removed.extend(
                old.iter()
                    .filter(|o| !new.iter().any(|h| h.date == o.date))
                    .cloned(),
            );
        }
        let span = if first == last {
            first.to_string()
        } else {
            format!("{first}-{last}")
        };
        let summary = if added.is_empty() && removed.is_empty() {
            "no change".to_owned()
        } else {
            format!("{} added, {} removed", added.len(), removed.len())
        };
        writeln!(out, "{id}\t{span}\t{summary}")?;
        for h in &added {
            writeln!(
                out,
                "{id}\tadded\t{}\t{}",
                h.date.format("%Y-%m-%d"),
                h.name
            )?;
        }
        for h in &removed {
            writeln!(
                out,
                "{id}\tremoved\t{}\t{}",
                h.date.format("%Y-%m-%d"),
                h.name
            )?;
        }
        let confirmed = [current.confirmed_until(), data.confirmed_until(id)]
            .into_iter()
            .flatten()
            .max();
        if let Some(c) = confirmed {
            writeln!(out, "{id}\tconfirmed to\t{}", c.format("%Y-%m-%d"))?;
        }
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
    let plan = plan_route(&protocol, &cal, opened, a.route.as_deref()).map_err(|e| match e {
        // The protocol's own limits ran past the calendar: only the date can change.
        EngineError::Calendar(
            CalendarError::TooManyWorkingDays { .. }
            | CalendarError::TooManyHours { .. }
            | CalendarError::TooManyDays { .. },
        ) => CliError::Invalid {
            option: "--opened",
            message: format!(
                "a stage opened on {} would fall due after the calendar's last day, {LAST_YEAR}-12-31: give an earlier date",
                opened.format("%Y-%m-%d")
            ),
        },
        EngineError::Calendar(source) => CliError::Calendar {
            option: "--opened",
            source,
        },
        EngineError::UnknownRoute { route, known, .. } => CliError::Invalid {
            option: "--route",
            message: format!(
                "'{route}' is not a route of protocol '{}': use one of {known}",
                protocol.id
            ),
        },
        other => CliError::Invalid {
            option: "--protocol",
            message: other.to_string(),
        },
    })?;
    let has_routes = !protocol.routes.is_empty();
    if a.json {
        // The stage rows as before, then a row per limit, then the route where the
        // protocol has more than one: readers of the stage rows need not change.
        let mut rows = Vec::new();
        for s in &plan.stages {
            rows.push(serde_json::to_value(s)?);
        }
        for l in &plan.limits {
            rows.push(serde_json::to_value(l)?);
        }
        if has_routes {
            rows.push(serde_json::json!({ "route": plan.route, "name": plan.route_name }));
        }
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
    } else {
        for s in &plan.stages {
            writeln!(out, "{}\t{}\t{}", s.stage, s.due, s.title)?;
        }
        for l in &plan.limits {
            match l.capped_by {
                Some(cap) => writeln!(
                    out,
                    "limit\t{}\t{} (the cap '{cap}' falls due first)",
                    l.due, l.words
                )?,
                None => writeln!(out, "limit\t{}\t{}", l.due, l.words)?,
            }
        }
        if has_routes {
            writeln!(out, "route\t{}\t{}", plan.route, plan.route_name)?;
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

fn extension_line(e: &ExtensionRule) -> String {
    format!(
        "may be extended with the agreement of {} — {}",
        e.by, e.words
    )
}

fn limit_line(l: &RunLimit) -> String {
    let from = match (l.from, l.anchor_stage()) {
        (Anchor::StageStart, Some(n)) => format!("the start of Stage {n}"),
        (anchor, _) => anchor.to_string(),
    };
    let what = match l.run() {
        Some((first, last)) => format!("Limit {}: Stages {first} to {last}", l.id),
        None => format!("Cap {}: the whole process", l.id),
    };
    format!("{what}, {} from {from} — {}", l.within, l.words)
}

fn show_limits(limits: &[RunLimit], indent: &str, out: &mut impl Write) -> Result<(), CliError> {
    for l in limits {
        writeln!(out, "{indent}{}", limit_line(l))?;
        if let Some(e) = &l.extension {
            writeln!(out, "{indent}  Extension: {}", extension_line(e))?;
        }
    }
    Ok(())
}

fn show(p: &Protocol, out: &mut impl Write) -> Result<(), CliError> {
    writeln!(out, "{}\t{}", p.id, p.name)?;
    writeln!(out, "Partnership: {}", p.partnership)?;
    writeln!(out, "Version: {}", p.version)?;
    if p.format > 1 {
        writeln!(out, "Format: {}", p.format)?;
    }
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
    if let Some(k) = &p.skipping {
        let which = if k.stages.is_empty() {
            "any stage".to_owned()
        } else {
            format!(
                "Stages {}",
                k.stages
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        writeln!(
            out,
            "Skipping: {} may skip {which}, with a recorded reason — {}",
            k.by, k.words
        )?;
    }
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
    if !p.routes.is_empty() || p.standard_route.is_some() {
        writeln!(out, "\nRoutes:")?;
        let standard = p.standard();
        writeln!(
            out,
            "  {}: {} — the stages below (the default)",
            standard.id(),
            standard.name()
        )?;
        if let Some(w) = p.standard_route.as_ref().and_then(|s| s.words.as_ref()) {
            writeln!(out, "    {w}")?;
        }
        for r in &p.routes {
            writeln!(out, "  {}: {}", r.id, r.name)?;
            if let Some(q) = &r.question {
                writeln!(out, "    Asked at intake: {q}")?;
            }
            writeln!(out, "    {}", r.words)?;
        }
    }
    if !p.limits.is_empty() {
        writeln!(out, "\nLimits:")?;
        show_limits(&p.limits, "  ", out)?;
    }
    for s in &p.stages {
        show_stage(p, s, "", out)?;
    }
    for r in &p.routes {
        let view = p.route(Some(&r.id));
        writeln!(out, "\nRoute {}: {}", r.id, r.name)?;
        if let Some(view) = view {
            let taken: Vec<String> = view
                .stages()
                .filter(|s| !r.stages.iter().any(|own| std::ptr::eq(own, *s)))
                .map(|s| s.number.to_string())
                .collect();
            if !taken.is_empty() {
                writeln!(out, "  Takes the protocol's Stages {}", taken.join(", "))?;
            }
        }
        for t in &r.timescales {
            writeln!(
                out,
                "  Stage {} timescale on this route: {} — {}",
                t.stage,
                limit_text(t.timescale.within, t.timescale.from.as_str()),
                t.timescale.words
            )?;
            if let Some(e) = &t.timescale.extension {
                writeln!(out, "    Extension: {}", extension_line(e))?;
            }
        }
        show_limits(&r.limits, "  ", out)?;
        for s in &r.stages {
            show_stage(p, s, &format!("Route {}, ", r.id), out)?;
        }
    }
    if !p.on_resolution.is_empty() {
        writeln!(out, "\nOn resolution:")?;
        for n in &p.on_resolution {
            writeln!(out, "  Notify {}", notification_line(n))?;
        }
    }
    Ok(())
}

fn show_stage(p: &Protocol, s: &Stage, prefix: &str, out: &mut impl Write) -> Result<(), CliError> {
    writeln!(out)?;
    writeln!(
        out,
        "{prefix}Stage {}{}: {}",
        s.number,
        if s.informal { " (informal)" } else { "" },
        s.title
    )?;
    if s.optional {
        writeln!(
            out,
            "  Optional: may be skipped, with a recorded reason and who decided"
        )?;
    }
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
        if let Some(e) = &t.extension {
            writeln!(out, "  Extension: {}", extension_line(e))?;
        }
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
    Ok(())
}
