//! `protocols`, `protocol show|check` and `plan`: protocols without a store.

use std::io::Write;
use std::path::PathBuf;

use escalate_api::{cases, engine};
use escalate_core::protocol::Notification;
use escalate_core::{Limit, Protocol};

use crate::args::PlanArgs;
use crate::error::{options, CliError};
use crate::{parse, term};

pub fn list(out: &mut impl Write) -> Result<(), CliError> {
    for p in cases::protocols()? {
        writeln!(out, "{}\t{}", p.id, p.name)?;
    }
    Ok(())
}

pub fn show(protocol: &str, json: bool, out: &mut impl Write) -> Result<(), CliError> {
    let p = engine::protocol(protocol).map_err(options(&["protocol"]))?;
    if json {
        term::json(out, &p)
    } else {
        show_text(&p, out)
    }
}

pub fn check(files: &[PathBuf], out: &mut impl Write) -> Result<(), CliError> {
    engine::check_protocol_files(files)?;
    writeln!(out, "ok")?;
    Ok(())
}

pub fn plan(a: PlanArgs, out: &mut impl Write) -> Result<(), CliError> {
    let protocol = engine::protocol(&a.protocol).map_err(options(&["protocol"]))?;
    let opened = parse::moment("--opened", &a.opened)?;
    let calendar = a
        .calendar
        .as_deref()
        .map(|c| parse::calendar("--calendar", c))
        .transpose()?;
    let closure_days = parse::dates("--closure-day", &a.closure_days)?;
    let stages = engine::plan(&protocol, opened, calendar, &closure_days)
        .map_err(options(&["closure_day", "opened"]))?;
    if a.json {
        term::json(out, &stages)?;
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

/// The protocol as a lead will see it: stages, timescales, who to contact, records,
/// notifications, forms and exclusions.
fn show_text(p: &Protocol, out: &mut impl Write) -> Result<(), CliError> {
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
