//! The commands. Each writes to `out` so tests and the binary share one path.

use std::io::Write;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use escalate_core::calendar::bank_holidays;
use escalate_core::protocol::{builtin_ids, Notification};
use escalate_core::{
    builtin_protocol, builtin_protocols, plan, Calendar, CalendarId, Limit, Protocol,
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
            for p in builtin_protocols().map_err(CliError::Protocol)? {
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
                let name = file.display().to_string();
                let src = std::fs::read_to_string(file).map_err(|source| CliError::Io {
                    path: name.clone(),
                    source,
                })?;
                if let Err(e) = Protocol::from_toml(&src, &name) {
                    all.extend(e.0);
                }
            }
            if all.is_empty() {
                writeln!(out, "ok")?;
                Ok(())
            } else {
                Err(CliError::Protocol(escalate_core::ProtocolErrors(all)))
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

pub(crate) fn parse_date(option: &'static str, s: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| CliError::Invalid {
        option,
        message: format!("'{s}' is not a date: use YYYY-MM-DD, e.g. 2026-11-23"),
    })
}

/// A date, or a date and time. A bare date starts at midnight.
pub(crate) fn parse_moment(
    option: &'static str,
    s: &str,
) -> Result<(NaiveDateTime, bool), CliError> {
    let t = s.trim();
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok((dt, true));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok((d.and_time(NaiveTime::MIN), false));
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
    let cal_err = |source| CliError::Calendar {
        option: "--from",
        source,
    };
    match (a.working_days, a.hours, a.same_working_day) {
        (Some(n), None, false) => {
            let due = cal.add_working_days(from.date(), n).map_err(cal_err)?;
            writeln!(out, "{}", due.format("%Y-%m-%d"))?;
        }
        (None, Some(h), false) => {
            if h == 0 {
                return Err(CliError::Invalid {
                    option: "--hours",
                    message: "give a number of hours from 1 up".to_owned(),
                });
            }
            let due = cal.add_hours(from, h).map_err(cal_err)?;
            writeln!(out, "{}", due.format("%Y-%m-%dT%H:%M"))?;
        }
        (None, None, true) => {
            let due = cal.same_working_day(from.date()).map_err(cal_err)?;
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
        return match builtin_protocol(arg).map_err(CliError::Protocol)? {
            Some(p) => Ok(p.clone()),
            None => Err(CliError::UnknownProtocol {
                id: arg.to_owned(),
                known: builtin_ids().into_iter().collect::<Vec<_>>().join(", "),
            }),
        };
    }
    let src = std::fs::read_to_string(arg).map_err(|source| CliError::Io {
        path: arg.to_owned(),
        source,
    })?;
    Protocol::from_toml(&src, arg).map_err(CliError::Protocol)
}

fn plan_cmd(a: PlanArgs, out: &mut impl Write) -> Result<(), CliError> {
    let protocol = load_protocol(&a.protocol)?;
    let (opened, _) = parse_moment("--opened", &a.opened)?;
    let id = match &a.calendar {
        Some(c) => parse_calendar("--calendar", c)?,
        None => protocol.calendar,
    };
    let cal = calendar_with(id, &a.closure_days)?;
    let stages = plan(&protocol, &cal, opened).map_err(|source| CliError::Calendar {
        option: "--opened",
        source,
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
