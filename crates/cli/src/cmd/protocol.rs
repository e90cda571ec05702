//! `protocols`, `protocol show|check|new|form|install|remove|current` and `plan`: protocols,
//! the store's installed ones where there is a store.

use std::io::Write;
use std::path::{Path, PathBuf};

use escalate_api::store::InstalledProtocol;
use escalate_api::{cases, engine, reports, session, settings};
use escalate_core::form::{ItemKind, Value};
use escalate_core::protocol::{Anchor, ExtensionRule, FormDef, Notification, RunLimit, Stage};
use escalate_core::{Limit, Protocol};

use crate::args::PlanArgs;
use crate::cmd::{block_on, Ctx};
use crate::error::{file_named, option_named, options, CliError};
use crate::{parse, term};

/// The protocols installed in the store, a version a line; without a store, the
/// shipped ones a new store would install.
pub fn list(ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    let dir = ctx.data_dir()?;
    if !session::exists(&dir) {
        for p in engine::shipped_protocols()? {
            writeln!(out, "{}\t{}", p.id, p.name)?;
        }
        return Ok(());
    }
    let installed = block_on(async {
        ctx.with_store(&ctx.secrets(false), async |s| settings::protocols(s).await)
            .await
    })?;
    for p in installed {
        writeln!(
            out,
            "{}\t{}\t{}\t{}",
            version_line(&p),
            p.cases,
            if p.current { "current" } else { "older" },
            term::clean(&p.name)
        )?;
    }
    Ok(())
}

/// An installed version as the list, install and remove lines begin: its id, version
/// and the start of its text's SHA-256, tab-separated.
fn version_line(p: &InstalledProtocol) -> String {
    format!(
        "{}\t{}\t{}",
        term::clean(&p.id),
        term::clean(&p.version),
        p.sha256.get(..12).unwrap_or(&p.sha256)
    )
}

/// A protocol by file, shipped id, or (where a store exists) the id of one installed in it.
fn find(protocol: &str, ctx: &Ctx) -> Result<Protocol, CliError> {
    match engine::protocol(protocol) {
        Ok(p) => Ok(p),
        Err(e) if !engine::is_protocol_path(protocol) => {
            let dir = ctx.data_dir()?;
            if !session::exists(&dir) {
                return Err(options(&["protocol"])(e));
            }
            block_on(async {
                ctx.with_store(&ctx.secrets(false), async |s| {
                    cases::protocol(s, protocol).await
                })
                .await
            })
            .map_err(|e| match e {
                CliError::Api(e) => options(&["protocol"])(e),
                e => e,
            })
        }
        Err(e) => Err(options(&["protocol"])(e)),
    }
}

pub fn show(protocol: &str, json: bool, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    let p = find(protocol, ctx)?;
    if json {
        term::json(out, &p)
    } else {
        // Every line carries the protocol file's own words: laid out first, then
        // cleaned whole, so no value (an escape in a stage title, say) reaches the
        // terminal raw.
        let mut text = Vec::new();
        show_text(&p, &mut text)?;
        out.write_all(term::clean_layout(&String::from_utf8_lossy(&text)).as_bytes())?;
        Ok(())
    }
}

/// Install a protocol file in the store; one whose id Escalate ships only with
/// `--replace-shipped`.
pub fn install(
    file: &Path,
    replace_shipped: bool,
    ctx: &Ctx,
    out: &mut impl Write,
) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let p = ctx
            .with_store(&ctx.secrets(false), async |s| {
                settings::install_protocol_replacing(s, file, replace_shipped, now)
                    .await
                    .map_err(|e| match e.field.as_deref() {
                        Some("replace_shipped") => options(&["replace_shipped"])(e),
                        _ => file_named("file", file)(e),
                    })
            })
            .await?;
        writeln!(out, "{}	installed", version_line(&p))?;
        Ok(())
    })
}

/// Remove a protocol no case uses, or one version of it.
pub fn remove(
    id: &str,
    version: Option<&str>,
    ctx: &Ctx,
    out: &mut impl Write,
) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let removed = ctx
            .with_store(&ctx.secrets(false), async |s| match version {
                Some(v) => settings::remove_protocol_version(s, id, v, now)
                    .await
                    .map(|p| vec![p])
                    .map_err(|e| match e.field.as_deref() {
                        Some("version") => options(&["version"])(e),
                        _ => option_named("protocol", "ID")(e),
                    }),
                None => settings::remove_protocol(s, id, now)
                    .await
                    .map_err(option_named("protocol", "ID")),
            })
            .await?;
        for p in removed {
            writeln!(out, "{}\tremoved", version_line(&p))?;
        }
        Ok(())
    })
}

/// Make an installed version the one new cases of its protocol use.
pub fn current(id: &str, version: &str, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let p = ctx
            .with_store(&ctx.secrets(false), async |s| {
                settings::make_protocol_current(s, id, version, now)
                    .await
                    .map_err(|e| match e.field.as_deref() {
                        Some("version") => option_named("version", "VERSION")(e),
                        _ => option_named("protocol", "ID")(e),
                    })
            })
            .await?;
        writeln!(out, "{}\tcurrent", version_line(&p))?;
        Ok(())
    })
}

pub fn check(files: &[PathBuf], out: &mut impl Write) -> Result<(), CliError> {
    engine::check_protocol_files(files)?;
    writeln!(out, "ok")?;
    Ok(())
}

/// The commented starter file, to redirect into a file of one's own.
pub fn new(out: &mut impl Write) -> Result<(), CliError> {
    out.write_all(engine::starter().as_bytes())?;
    Ok(())
}

/// A blank specimen of one of the protocol's own forms, written to a new file.
pub fn specimen(
    protocol: &str,
    form: &str,
    file: &Path,
    ctx: &Ctx,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let form = parse::form(form)?;
    let now = ctx.now()?;
    let p = find(protocol, ctx)?;
    let pdf = reports::specimen(&p, &form, now).map_err(options(&["form"]))?;
    reports::save(file, &pdf).map_err(options(&["out"]))?;
    writeln!(out, "{}\t{} bytes", file.display(), pdf.len())?;
    Ok(())
}

pub fn plan(a: PlanArgs, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    let protocol = find(&a.protocol, ctx)?;
    let opened = parse::moment("--opened", &a.opened)?;
    let calendar = a
        .calendar
        .as_deref()
        .map(|c| parse::calendar("--calendar", c))
        .transpose()?;
    let closure_days = parse::dates("--closure-day", &a.closure_days)?;
    let plan = engine::plan_route(
        &protocol,
        opened,
        calendar,
        &closure_days,
        a.route.as_deref(),
    )
    .map_err(options(&["closure_day", "opened", "route", "protocol"]))?;
    print_plan(&plan, a.json, out)
}

/// A plan's lines: one per stage, one per limit, then the route where the protocol has
/// more than one; or, with `json`, the same rows.
pub fn print_plan(
    plan: &engine::RoutePlan<'_>,
    json: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    if json {
        // The stage rows as before, then a row per limit, then the route where the
        // protocol has more than one: readers of the stage rows need not change.
        let mut rows = Vec::new();
        for s in &plan.stages {
            rows.push(serde_json::to_value(s)?);
        }
        for l in &plan.limits {
            rows.push(serde_json::to_value(l)?);
        }
        if let Some(r) = &plan.route {
            rows.push(serde_json::to_value(r)?);
        }
        term::json(out, &rows)?;
    } else {
        // Titles, words and names are the protocol file's: cleaned one by one, so none
        // can add a column or a line.
        for s in &plan.stages {
            writeln!(out, "{}\t{}\t{}", s.stage, s.due, term::clean(&s.title))?;
        }
        for l in &plan.limits {
            match &l.capped_by {
                Some(cap) => writeln!(
                    out,
                    "limit\t{}\t{} (the cap '{}' falls due first)",
                    l.due,
                    term::clean(&l.words),
                    term::clean(cap)
                )?,
                None => writeln!(out, "limit\t{}\t{}", l.due, term::clean(&l.words))?,
            }
        }
        if let Some(r) = &plan.route {
            writeln!(
                out,
                "route\t{}\t{}",
                term::clean(&r.route),
                term::clean(&r.name)
            )?;
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

/// The protocol as a lead will see it: stages, timescales, who to contact, records,
/// notifications, forms and exclusions; for format 2, its routes, limits, skipping,
/// optional stages and extensions.
fn show_text(p: &Protocol, out: &mut impl Write) -> Result<(), CliError> {
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
        writeln!(out, "\nRoute {}: {}", r.id, r.name)?;
        let taken = engine::stages_taken(p, r);
        if !taken.is_empty() {
            let taken: Vec<String> = taken.iter().map(u8::to_string).collect();
            writeln!(out, "  Takes the protocol's Stages {}", taken.join(", "))?;
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
    if !p.record_fields.is_empty() {
        writeln!(out, "\nRecord fields:")?;
        for f in &p.record_fields {
            let mut how = vec![if f.multiline {
                "paragraphs"
            } else {
                "one line"
            }];
            if f.required_to_escalate {
                how.push("required before escalating");
            }
            writeln!(out, "  {}: {} ({})", f.id, f.label, how.join(", "))?;
            if let Some(h) = &f.help {
                writeln!(out, "    {h}")?;
            }
        }
    }
    writeln!(out, "\nForms:")?;
    for f in &p.forms {
        show_form(f, out)?;
    }
    for id in escalate_core::FormId::BUILT_IN {
        writeln!(
            out,
            "  {id}: {} (every protocol)",
            id.built_in_title().unwrap_or_default()
        )?;
    }
    if let Some(b) = &p.board_report {
        let stages: Vec<String> = b.list_resolved_at.iter().map(u8::to_string).collect();
        writeln!(
            out,
            "\nBoard report: lists cases resolved at Stage {} one by one — {}",
            stages.join(", "),
            b.words
        )?;
    }
    Ok(())
}

/// A declared form: its title and heading, then each section's items by label and
/// what fills them, so an author can read the layout back.
fn show_form(f: &FormDef, out: &mut impl Write) -> Result<(), CliError> {
    writeln!(
        out,
        "  {}: {}{}",
        f.id,
        f.title,
        if f.board {
            " (what a Board package carries)"
        } else {
            ""
        }
    )?;
    if let Some(o) = &f.organisation {
        writeln!(out, "    Heading: {o}")?;
    }
    if !f.stages.is_empty() {
        let stages: Vec<String> = f.stages.iter().map(u8::to_string).collect();
        writeln!(out, "    Filled from Stages {}", stages.join(", "))?;
    }
    for section in &f.sections {
        if let Some(h) = &section.heading {
            writeln!(out, "    [{h}]")?;
        }
        for item in &section.items {
            match item.kind() {
                ItemKind::Paragraph(words) => writeln!(out, "    \"{words}\"")?,
                ItemKind::Ticks { label, tick } => {
                    writeln!(out, "    {label} — tick: {}", tick.as_str())?;
                }
                ItemKind::Field {
                    label,
                    value,
                    space,
                } => match value {
                    Value::From(source) => writeln!(out, "    {label} — {source}")?,
                    Value::Text(_) => writeln!(
                        out,
                        "    {label} — {}",
                        item.sources()
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )?,
                    Value::Blank => writeln!(out, "    {label} — blank, {space} to write in")?,
                },
            }
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
        write!(
            out,
            "  Form: {} ({}) on {}",
            p.form_title(&f.form).unwrap_or_default(),
            f.form,
            f.on
        )?;
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
