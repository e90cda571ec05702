//! `case new|list|show|chronology|plan|escalate|switch-route|extend|resolve|withdraw|
//! redirect|notified|shorten|move-protocol`. Every option is parsed before the store is
//! opened: bad input never reaches it.

use std::io::Write;

use escalate_api::cases::{ExtensionRequest, ProtocolMove};
use escalate_api::engine::{PlannedRoute, RoutePlan};
use escalate_api::{cases, ApiError};
use escalate_core::model::{CaseDetail, CaseIntegrity, NewCase};
use escalate_core::{Due, ErrorCode, SkipDecision, StateKind};

use crate::args::{CaseCommand, CaseNewArgs, SkipArgs};
use crate::cmd::{block_on, Ctx};
use crate::error::{options, CliError};
use crate::parse;
use crate::term::{self, clean, kebab};

pub fn run(c: CaseCommand, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    let sent_given = matches!(&c, CaseCommand::Notified { sent: Some(_), .. });
    run_command(c, ctx, out).map_err(|e| moment_option(e, ctx, sent_given))
}

/// A refusal of a moment the engine checks (`at`, `due`, `sent_at`), named as the option
/// that gave it: `--sent` for a notification's sending, `--due` for a shortened
/// deadline, and `--now` for the moment of the change itself where it was given; without
/// `--now` that moment is the computer's clock, and the message says so.
fn moment_option(e: CliError, ctx: &Ctx, sent_given: bool) -> CliError {
    let CliError::Api(a) = e else { return e };
    let option = match a.field.as_deref() {
        Some("due") => "--due",
        Some("sent_at") => "--sent",
        Some("at") if sent_given => "--sent",
        Some("at") if ctx.now_given() => "--now",
        Some("at") => "the computer's clock (now)",
        _ => return CliError::Api(a),
    };
    crate::error::option_named_as(a, option)
}

fn run_command(c: CaseCommand, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let secrets = ctx.secrets(false);
        match c {
            CaseCommand::New(a) => {
                let new = new_case(*a)?;
                let reference = ctx
                    .with_store(&secrets, async |s| {
                        cases::create(s, new, now)
                            .await
                            .map_err(options(&["protocol", "route"]))
                    })
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
                // What is shown is the log's; a history the chain no longer attests past
                // an entry is shown up to it and makes the command fail, so a script
                // cannot take it as whole.
                if let Some(b) = &d.integrity.broken {
                    return Err(CliError::AuditBroken(format!(
                        "the history of case {} is broken at entry {} ({}): only what comes before it is shown; it cannot be printed or exported. Run `escalate audit verify`, and restore a backup",
                        clean(&d.reference),
                        b.entry,
                        clean(&b.reason)
                    )));
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
                skip,
            } => {
                let skip = skip_decision(skip);
                let stage = ctx
                    .with_store(&secrets, async |s| {
                        cases::escalate_skipping(
                            s,
                            &reference,
                            to_stage,
                            reason.as_deref(),
                            skip,
                            now,
                        )
                        .await
                        .map_err(|e| escalation_refused(&reference, e))
                    })
                    .await?;
                writeln!(out, "{reference}\tStage {stage}")?;
            }
            CaseCommand::SwitchRoute {
                reference,
                route,
                reason,
                to_stage,
            } => {
                let stage = ctx
                    .with_store(&secrets, async |s| {
                        cases::switch_route(s, &reference, &route, &reason, to_stage, now)
                            .await
                            .map_err(options(&["route", "reason", "to_stage"]))
                    })
                    .await?;
                writeln!(out, "{reference}\troute {}\tStage {stage}", clean(&route))?;
            }
            CaseCommand::Extend {
                reference,
                deadline,
                to,
                agreed_by,
                agreed_on,
                reason,
            } => {
                let request = ExtensionRequest {
                    deadline,
                    to: due("--to", &to)?,
                    agreed_by,
                    agreed_on: parse::date("--agreed-on", &agreed_on)?,
                    reason,
                };
                let (id, new_due) = (request.deadline.clone(), request.to);
                ctx.with_store(&secrets, async |s| {
                    cases::extend_deadline(s, &reference, request, now)
                        .await
                        .map_err(options(&[
                            "deadline",
                            "to",
                            "agreed_by",
                            "agreed_on",
                            "reason",
                        ]))
                })
                .await?;
                writeln!(
                    out,
                    "{reference}\t{}\textended to {new_due}",
                    clean(id.as_str())
                )?;
            }
            CaseCommand::Plan { reference, json } => {
                let (plan, routed) = ctx
                    .with_store(&secrets, async |s| {
                        let plan = cases::plan(s, &reference).await?;
                        let file = s.case_file(&reference).await.map_err(ApiError::from)?;
                        Ok::<_, ApiError>((plan, !file.protocol.routes.is_empty()))
                    })
                    .await?;
                // A protocol without routes has only its standard one: naming it would
                // suggest a choice the lead never had, as `plan` does not name it either.
                let lines = RoutePlan {
                    stages: plan.stages.clone(),
                    limits: plan.limits.clone(),
                    route: routed.then(|| PlannedRoute {
                        route: plan.route.as_str().into(),
                        name: plan.route_name.as_str().into(),
                    }),
                };
                crate::cmd::protocol::print_plan(&lines, json, out)?;
            }
            CaseCommand::MoveProtocol { reference, to, yes } => {
                let moved = ctx
                    .with_store(&secrets, async |s| {
                        let answer = if yes {
                            cases::move_protocol(s, &reference, &to, now).await
                        } else {
                            cases::move_protocol_preview(s, &reference, &to, now).await
                        };
                        answer.map_err(options(&["to"]))
                    })
                    .await?;
                protocol_move(&moved, out)?;
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
                // Where to go instead is the protocol's text.
                writeln!(out, "{reference}\tredirected\t{}", clean(&to))?;
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
        route: a.route,
        skip: skip_decision(a.skip),
    })
}

/// The recorded decision to go past stages, where one was given (clap requires the
/// reason and who decided together).
fn skip_decision(a: SkipArgs) -> Option<SkipDecision> {
    match (a.skip_reason, a.decided_by) {
        (Some(reason), Some(decided_by)) => Some(SkipDecision {
            reason,
            decided_by,
            role: a.role,
        }),
        _ => None,
    }
}

/// A due: `YYYY-MM-DD` is the end of that day, `YYYY-MM-DDTHH:MM` that moment.
fn due(option: &str, s: &str) -> Result<Due, CliError> {
    if s.trim().contains('T') {
        Ok(Due::At(parse::moment(option, s)?))
    } else {
        Ok(Due::EndOfDay(parse::date(option, s)?))
    }
}

/// Each deadline before and after a move to another protocol version, one a line:
/// `<id><TAB>Stage N or -<TAB><before><TAB><after><TAB>changed|same<TAB><what>`, then
/// whether it was moved.
fn protocol_move(m: &ProtocolMove, out: &mut impl Write) -> Result<(), CliError> {
    writeln!(
        out,
        "{}\t{} version {} -> version {}",
        clean(&m.reference),
        clean(&m.protocol),
        clean(&m.from.version),
        clean(&m.to.version)
    )?;
    let due = |d: Option<Due>| d.map_or_else(|| "-".to_owned(), |d| d.to_string());
    for d in &m.deadlines {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}",
            clean(&d.id),
            d.stage
                .map_or_else(|| "-".to_owned(), |n| format!("Stage {n}")),
            due(d.before),
            due(d.after),
            if d.changed() { "changed" } else { "same" },
            clean(&d.what)
        )?;
    }
    if m.moved {
        writeln!(
            out,
            "{}\tmoved to version {}",
            clean(&m.reference),
            clean(&m.to.version)
        )?;
    } else {
        writeln!(
            out,
            "not moved: run again with --yes to move {} to version {}",
            clean(&m.reference),
            clean(&m.to.version)
        )?;
    }
    Ok(())
}

/// A refused escalation. When the stage's record still lacks something, the use case's
/// words (which the app shows too) and then the command that gives it.
fn escalation_refused(reference: &str, e: ApiError) -> CliError {
    if e.code != ErrorCode::StageRequirementsMissing {
        // The skip decision's parts are given as options of their own.
        let option = match e.field.as_deref() {
            Some("skip" | "skip.reason") => "--skip-reason",
            Some("skip.decided_by") => "--decided-by",
            Some("skip.role") => "--role",
            _ => return options(&["to_stage", "reason"])(e),
        };
        return crate::error::option_named_as(e, option);
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
    integrity(&d.integrity, out)?;
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
        clean(&s.stage_title)
    )?;
    if d.engine.route.is_some() {
        writeln!(out, "Route: {} ({})", clean(&s.route_name), clean(&s.route))?;
    }
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
    writeln!(out, "Next step: {}", clean(&s.next_step))?;
    for c in &s.contacts {
        writeln!(out, "Contact ({}): {}", kebab(&c.side), clean(&c.who))?;
    }
    for dl in &s.deadlines {
        // "No time limit", as the app says it: "Due no limit" read as a deadline.
        let due = match dl.due {
            Due::WithoutDelay => "Due without delay".to_owned(),
            Due::NoLimit => "No time limit".to_owned(),
            Due::EndOfDay(day) => format!("Due {}", day.format("%Y-%m-%d")),
            Due::At(t) => format!("Due {}", t.format("%Y-%m-%dT%H:%M:%S")),
        };
        let to = dl
            .to
            .as_deref()
            .map(|t| format!(" to {}", clean(t)))
            .unwrap_or_default();
        writeln!(
            out,
            "{due}\t{}{}\t{}\t[{}]",
            clean(&dl.id),
            to,
            clean(&dl.what),
            kebab(&dl.urgency)
        )?;
    }
    for f in &s.forms {
        writeln!(
            out,
            "Form: {} on {}{}",
            clean(f.form.form.as_str()),
            clean(f.form.on.as_str()),
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

/// Said first, before anything of the case: where its record was altered outside
/// Escalate (what follows is the log's, not the altered tables'), or where its history
/// stops being attested.
fn integrity(i: &CaseIntegrity, out: &mut impl Write) -> Result<(), CliError> {
    if let Some(b) = &i.broken {
        writeln!(
            out,
            "WARNING: the history of this case is broken at entry {}: {}. Only what comes before it is shown.",
            b.entry,
            clean(&b.reason)
        )?;
    }
    if i.altered() {
        let mut fields: Vec<String> = i
            .altered
            .iter()
            .map(|a| match &a.item {
                Some(item) => format!("{} ({})", a.field, clean(item)),
                None => a.field.clone(),
            })
            .collect();
        fields.dedup();
        let found = if fields.is_empty() {
            format!(
                "found at entr{} {}",
                if i.detected.len() == 1 { "y" } else { "ies" },
                i.detected
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!("{} differed from the log", fields.join(", "))
        };
        writeln!(
            out,
            "WARNING: this case's record was altered outside Escalate ({found}). What is shown is what the log holds."
        )?;
    }
    Ok(())
}
