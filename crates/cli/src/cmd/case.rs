//! `case new|list|show|chronology|escalate|resolve|withdraw|redirect|notified|shorten`.
//! Every option is parsed before the store is opened: bad input never reaches it.

use std::io::Write;

use escalate_api::{cases, ApiError};
use escalate_core::{Due, ErrorCode, StateKind};
use escalate_store::{CaseDetail, NewCase};

use crate::args::{CaseCommand, CaseNewArgs};
use crate::cmd::{block_on, Ctx};
use crate::error::CliError;
use crate::parse;
use crate::term::{self, clean, kebab};

pub fn run(c: CaseCommand, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let secrets = ctx.secrets(false);
        match c {
            CaseCommand::New(a) => {
                let new = new_case(*a)?;
                let reference = ctx
                    .with_store(&secrets, async |s| cases::create(s, new, now).await)
                    .await?;
                writeln!(out, "{reference}")?;
            }
            CaseCommand::List { all, search, json } => {
                let list = ctx
                    .with_store(&secrets, async |s| {
                        cases::list(s, all, search.as_deref(), now).await
                    })
                    .await?;
                if json {
                    term::json(out, &list)?;
                } else {
                    for c in list {
                        let due = c.next_due.map_or("-".to_owned(), |d| d.to_string());
                        let status = if c.state == StateKind::Open {
                            c.urgency.words()
                        } else {
                            c.state.to_string()
                        };
                        writeln!(
                            out,
                            "{}\t{}\t{}\tStage {}\t{}\t{} → {}",
                            clean(&c.reference),
                            clean(&status),
                            due,
                            c.stage,
                            clean(&c.child_name),
                            clean(&c.raising_agency),
                            clean(&c.receiving_agency)
                        )?;
                    }
                }
            }
            CaseCommand::Show { reference, json } => {
                let d = ctx
                    .with_store(&secrets, async |s| cases::detail(s, &reference, now).await)
                    .await?;
                if json {
                    term::json(out, &d)?;
                } else {
                    show(&d, out)?;
                }
            }
            CaseCommand::Chronology { reference, json } => {
                let entries = ctx
                    .with_store(&secrets, async |s| {
                        cases::chronology(s, &reference, now).await
                    })
                    .await?;
                if json {
                    term::json(out, &entries)?;
                } else {
                    for e in entries {
                        writeln!(
                            out,
                            "{}\t{}\t{}{}",
                            e.at.format("%Y-%m-%d %H:%M"),
                            clean(e.kind.as_str()),
                            clean(&e.text),
                            if e.overdue { "\tOVERDUE" } else { "" }
                        )?;
                    }
                }
            }
            CaseCommand::Escalate {
                reference,
                to_stage,
                reason,
            } => {
                let stage = ctx
                    .with_store(&secrets, async |s| {
                        cases::escalate(s, &reference, to_stage, reason.as_deref(), now)
                            .await
                            .map_err(|e| escalation_refused(&reference, e))
                    })
                    .await?;
                writeln!(out, "{reference}\tStage {stage}")?;
            }
            CaseCommand::Resolve { reference, outcome } => {
                ctx.with_store(&secrets, async |s| {
                    cases::resolve(s, &reference, &outcome, now).await
                })
                .await?;
                writeln!(out, "{reference}\tresolved")?;
            }
            CaseCommand::Withdraw { reference, reason } => {
                ctx.with_store(&secrets, async |s| {
                    cases::withdraw(s, &reference, &reason, now).await
                })
                .await?;
                writeln!(out, "{reference}\twithdrawn")?;
            }
            CaseCommand::Redirect {
                reference,
                exclusion,
            } => {
                let to = ctx
                    .with_store(&secrets, async |s| {
                        cases::redirect(s, &reference, &exclusion, now).await
                    })
                    .await?;
                writeln!(out, "{reference}\tredirected\t{to}")?;
            }
            CaseCommand::Notified {
                reference,
                notification,
                stage,
                sent,
                note,
            } => {
                let sent = parse::optional_moment("--sent", sent.as_deref())?;
                ctx.with_store(&secrets, async |s| {
                    cases::mark_sent(s, &reference, stage, &notification, sent, &note, now).await
                })
                .await?;
                writeln!(out, "{reference}\t{notification}\tsent")?;
            }
            CaseCommand::Shorten {
                reference,
                due,
                reason,
            } => {
                let due = parse::moment("--due", &due)?;
                ctx.with_store(&secrets, async |s| {
                    cases::shorten_deadline(s, &reference, due, &reason, now).await
                })
                .await?;
                writeln!(out, "{reference}\tdue {}", due.format("%Y-%m-%dT%H:%M"))?;
            }
        }
        Ok(())
    })
}

fn new_case(a: CaseNewArgs) -> Result<NewCase, CliError> {
    let sector = |option, s: Option<String>| s.map(|s| parse::sector(option, &s)).transpose();
    Ok(NewCase {
        child_name: a.child_name,
        child_dob: a
            .child_dob
            .map(|d| parse::date("--child-dob", &d))
            .transpose()?,
        child_identifiers: a.child_identifiers,
        category: a.category,
        summary: a.summary,
        raising_agency: a.raising_agency,
        raising_sector: sector("--raising-sector", a.raising_sector)?,
        raising_professional: a.raising_professional,
        receiving_agency: a.receiving_agency,
        receiving_sector: sector("--receiving-sector", a.receiving_sector)?,
        receiving_professional: a.receiving_professional,
        protocol: a.protocol,
        opened_at: parse::optional_moment("--opened", a.opened.as_deref())?,
        immediate_risk: a.immediate_risk,
        stage: a.stage,
    })
}

/// A refused escalation. When the stage's record still lacks something, the use case's
/// words (which the app shows too) and then the command that gives it.
fn escalation_refused(reference: &str, e: ApiError) -> CliError {
    if e.code != ErrorCode::StageRequirementsMissing {
        return CliError::Api(e);
    }
    let mut command = format!(
        "escalate stage record {} --summary TEXT --agreed TEXT",
        reference.trim()
    );
    for f in &e.missing_fields {
        command.push_str(&format!(" --field {f}=TEXT"));
    }
    CliError::Hinted {
        error: e,
        hint: format!("record it with `{command}`"),
    }
}

fn show(d: &CaseDetail, out: &mut impl Write) -> Result<(), CliError> {
    let s = &d.status;
    writeln!(out, "{}\t{}", clean(&d.reference), clean(&d.child_name))?;
    writeln!(
        out,
        "Protocol: {} (version {})",
        clean(&d.protocol_id),
        clean(&d.protocol_version)
    )?;
    writeln!(
        out,
        "Status: {} — Stage {}: {}",
        clean(d.state.as_str()),
        s.stage,
        clean(s.stage_title)
    )?;
    writeln!(
        out,
        "Raising: {}{}",
        clean(&d.raising_agency),
        professional(d.raising_professional.as_deref())
    )?;
    writeln!(
        out,
        "Receiving: {}{}",
        clean(&d.receiving_agency),
        professional(d.receiving_professional.as_deref())
    )?;
    writeln!(out, "Category: {}", clean(&d.category))?;
    writeln!(out, "Opened: {}", d.opened_at.format("%Y-%m-%d %H:%M"))?;
    if let Some(r) = &d.immediate_risk {
        writeln!(out, "Immediate risk: {}", clean(r))?;
    }
    writeln!(out, "Summary: {}", clean(&d.summary))?;
    if let Some(o) = &d.outcome {
        writeln!(out, "Outcome: {}", clean(o))?;
    }
    writeln!(out, "Next step: {}", clean(s.next_step))?;
    for c in &s.contacts {
        writeln!(out, "Contact ({}): {}", kebab(&c.side), clean(c.who))?;
    }
    for dl in &s.deadlines {
        let due = match dl.due {
            Due::WithoutDelay => "without delay".to_owned(),
            Due::NoLimit => "no limit".to_owned(),
            Due::EndOfDay(day) => day.format("%Y-%m-%d").to_string(),
            Due::At(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
        };
        let to = dl
            .to
            .map(|t| format!(" to {}", clean(t)))
            .unwrap_or_default();
        writeln!(
            out,
            "Due {due}\t{}{}\t{}\t[{}]",
            clean(dl.id),
            to,
            clean(dl.what),
            kebab(&dl.urgency)
        )?;
    }
    for f in &s.forms {
        writeln!(
            out,
            "Form: {} on {}{}",
            f.form.form,
            f.form.on.as_str(),
            if f.owed { " (owed)" } else { "" }
        )?;
    }
    for r in &d.records {
        writeln!(
            out,
            "Record {} — Stage {} — {}{}: {}",
            r.id,
            r.stage,
            r.discussed_at.format("%Y-%m-%d %H:%M"),
            if r.resolved { " (resolved)" } else { "" },
            clean(&r.summary)
        )?;
    }
    Ok(())
}

/// ` (the professional)`, when one is named.
fn professional(who: Option<&str>) -> String {
    who.map(|p| format!(" ({})", clean(p))).unwrap_or_default()
}
