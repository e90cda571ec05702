//! `board import|list|remove|report`: the Board administrator's store. Here
//! `--passphrase-file` is the packages' passphrase; the store unlocks from the keyring
//! or ESCALATE_PASSPHRASE.

use std::io::Write;

use escalate_api::board::{self, Selection};
use escalate_api::reports;

use crate::args::BoardCommand;
use crate::cmd::{block_on, Ctx};
use crate::error::{option_named, options, CliError};
use crate::parse;
use crate::term::{self, clean, kebab};

/// Imports this large say how far they have got.
const PROGRESS_FROM: usize = 1000;

pub fn run(b: BoardCommand, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let secrets = ctx.secrets(true);
        match b {
            BoardCommand::Import { paths, identity } => {
                // The store's own key opens packages sealed to it; an identity file or
                // passphrase given opens the others.
                let identity = identity
                    .as_deref()
                    .map(escalate_api::export::read_identity)
                    .transpose()?;
                let passphrase = secrets.package().map_err(options(&["passphrase_file"]))?;
                let extra = match (identity, passphrase) {
                    (None, None) => None,
                    (i, p) => {
                        Some(escalate_api::export::opener(i, p).map_err(options(&["identity"]))?)
                    }
                };
                let files = board::package_files(&paths)?;
                let summary = ctx
                    .with_store(&secrets, async |s| {
                        board::import_files(s, &files, extra, now, |done, all| {
                            if all >= PROGRESS_FROM {
                                let _ = writeln!(
                                    std::io::stderr(),
                                    "escalate: imported {done} of {all}"
                                );
                            }
                        })
                        .await
                    })
                    .await?;
                for r in &summary.files {
                    // File names come from whoever filled the folder.
                    match (&r.refused, &r.outcome) {
                        (Some(why), _) => {
                            writeln!(out, "{}\trefused: {}", clean(&r.file), clean(why))?
                        }
                        (None, None) if r.held.is_some() => {
                            writeln!(out, "{}\theld: {}", clean(&r.file), kebab(&r.held),)?
                        }
                        (None, Some(outcome)) => {
                            writeln!(out, "{}\t{}", clean(&r.file), kebab(outcome))?
                        }
                        (None, None) => writeln!(out, "{}\trefused", clean(&r.file))?,
                    }
                }
                writeln!(
                    out,
                    "{} files: {} new, {} replaced, {} duplicate, {} older, {} held, {} refused",
                    summary.files.len(),
                    summary.new,
                    summary.replaced,
                    summary.duplicate,
                    summary.older,
                    summary.held,
                    summary.refused
                )?;
                if summary.held > 0 {
                    let _ = writeln!(
                        std::io::stderr(),
                        "escalate: {} packages are held and not counted: `escalate board held` lists them with their signers' fingerprints",
                        summary.held
                    );
                }
                if summary.refused > 0 {
                    return Err(CliError::option(
                        "import",
                        "some packages were refused (listed above); the others were imported",
                    ));
                }
            }
            BoardCommand::List { json } => {
                let list = ctx
                    .with_store(&secrets, async |s| board::packages(s).await)
                    .await?;
                if json {
                    term::json(out, &list)?;
                } else {
                    for p in &list {
                        writeln!(
                            out,
                            "{}\t{}\t{}\texported {}\t{}\timported {}\t{}\t{}",
                            p.id,
                            clean(&p.source_agency),
                            clean(&p.reference),
                            p.exported_at.format("%Y-%m-%dT%H:%M:%S"),
                            if p.current { "current" } else { "older" },
                            p.imported_at.format("%Y-%m-%dT%H:%M:%S"),
                            p.signer_key_id
                                .as_deref()
                                .map_or_else(|| "unsigned".to_owned(), |k| format!("signed {k}")),
                            clean(&p.file_name)
                        )?;
                    }
                }
            }
            BoardCommand::Held { json } => {
                let list = ctx
                    .with_store(&secrets, async |s| board::held(s).await)
                    .await?;
                if json {
                    term::json(out, &list)?;
                } else {
                    for h in &list {
                        writeln!(
                            out,
                            "{}\t{}\t{}\texported {}\t{}\t{}\t{}",
                            h.id,
                            clean(&h.source_agency),
                            clean(&h.reference),
                            h.exported_at.format("%Y-%m-%dT%H:%M:%S"),
                            kebab(&h.reason),
                            h.fingerprint.as_deref().unwrap_or("-"),
                            clean(&h.file_name)
                        )?;
                    }
                }
            }
            BoardCommand::Accept { id } => {
                let outcome = ctx
                    .with_store(&secrets, async |s| board::accept(s, id, now).await)
                    .await
                    .map_err(|e| match e {
                        crate::error::CliError::Api(e) => option_named("id", "ID")(e),
                        e => ctx.now_option(e),
                    })?;
                writeln!(out, "{id}\taccepted\t{}", kebab(&outcome))?;
            }
            BoardCommand::Discard { id } => {
                let gone = ctx
                    .with_store(&secrets, async |s| board::discard(s, id, now).await)
                    .await
                    .map_err(|e| match e {
                        crate::error::CliError::Api(e) => option_named("id", "ID")(e),
                        e => ctx.now_option(e),
                    })?;
                writeln!(
                    out,
                    "{id}\tdiscarded\t{}\t{}",
                    clean(&gone.package.source_agency),
                    clean(&gone.package.reference)
                )?;
            }
            BoardCommand::Bundle {
                out: file,
                protocols,
                calendar,
            } => {
                let bytes = ctx
                    .with_store(&secrets, async |s| {
                        escalate_api::trust::make_bundle(s, &protocols, calendar.as_deref(), now)
                            .await
                    })
                    .await
                    .map_err(|e| match e {
                        crate::error::CliError::Api(e) => options(&["protocol", "calendar"])(e),
                        e => e,
                    })?;
                reports::save(&file, &bytes).map_err(options(&["out"]))?;
                writeln!(out, "{}\t{} bytes", file.display(), bytes.len())?;
            }
            BoardCommand::Remove { id } => {
                let removed = ctx
                    .with_store(&secrets, async |s| board::remove(s, id, now).await)
                    .await?;
                writeln!(
                    out,
                    "removed {}\t{}\t{}\texported {}",
                    removed.id,
                    clean(&removed.source_agency),
                    clean(&removed.reference),
                    removed.exported_at.format("%Y-%m-%dT%H:%M:%S")
                )?;
            }
            BoardCommand::Report {
                from,
                to,
                json,
                csv,
                out: pdf_out,
            } => {
                let from = parse::date("--from", &from)?;
                let to = parse::date("--to", &to)?;
                board::period(from, to).map_err(options(&["to"]))?;
                let selection = Selection {
                    from,
                    to,
                    agency: None,
                    protocol: None,
                };
                let (f, pdf) = ctx
                    .with_store(&secrets, async |s| {
                        let f = board::figures(s, &selection, now).await?;
                        let pdf = match &pdf_out {
                            Some(_) => Some(board::report_pdf(s, &f, now)?),
                            None => None,
                        };
                        Ok::<_, escalate_api::ApiError>((f, pdf))
                    })
                    .await?;
                if let Some(path) = &csv {
                    reports::save(path, board::report_csv(&f).as_bytes())
                        .map_err(option_named("out", "--csv"))?;
                }
                if let (Some(path), Some(pdf)) = (&pdf_out, &pdf) {
                    reports::save(path, pdf).map_err(options(&["out"]))?;
                }
                if json {
                    term::json(out, &f)?;
                } else {
                    writeln!(
                        out,
                        "Cases opened {} to {}: {} ({} resolved)",
                        f.from, f.to, f.total, f.resolved
                    )?;
                    let median = f
                        .median_working_days
                        .map(|m| format!("{m}"))
                        .unwrap_or_else(|| "-".to_owned());
                    writeln!(out, "Median working days to resolution: {median}")?;
                    if let Some(share) = f.share_within_timescale {
                        writeln!(
                            out,
                            "Stages within timescale: {}/{} ({:.0}%)",
                            f.stages_within_timescale,
                            f.stages_with_timescale,
                            share * 100.0
                        )?;
                    }
                    // As the PDF and --json say them: extended and left-out stages
                    // only where a package says so, overdue cases always.
                    if f.stages_extended > 0 {
                        writeln!(
                            out,
                            "Stages extended by agreement (counted apart): {} ({} within the agreed extension)",
                            f.stages_extended, f.stages_extended_within
                        )?;
                    }
                    if f.stages_skipped > 0 {
                        writeln!(
                            out,
                            "Stages left out by a recorded decision: {}",
                            f.stages_skipped
                        )?;
                    }
                    writeln!(
                        out,
                        "Open cases older than their protocol's whole timescale: {}",
                        f.open_past_whole_timescale.len()
                    )?;
                    for c in &f.open_past_whole_timescale {
                        writeln!(
                            out,
                            "  {}\t{}\t{}\topened {}\tall stages due {}",
                            clean(&c.reference),
                            clean(&c.raising_agency),
                            clean(&c.protocol),
                            c.opened_at.format("%Y-%m-%d"),
                            c.all_stages_due.format("%Y-%m-%d")
                        )?;
                    }
                    for (title, map) in [
                        ("Raising agency", &f.by_raising_agency),
                        ("Receiving agency", &f.by_receiving_agency),
                        ("Stage resolved", &f.by_stage_resolved),
                    ] {
                        writeln!(out, "{title}:")?;
                        for (k, v) in map {
                            writeln!(out, "  {}\t{v}", clean(k))?;
                        }
                    }
                }
            }
        }
        Ok(())
    })
}
