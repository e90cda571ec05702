//! `identity`, `directory` and `partnership`: this agency's card, the agencies it
//! trusts, and the bundle its Board signs.

use std::io::{BufRead, IsTerminal, Write};

use escalate_api::session;
use escalate_api::trust::{self, AgencyCard, CardPreview, DirectoryOutcome};

use crate::args::{DirectoryCommand, IdentityArgs, IdentityCommand, PartnershipCommand};
use crate::cmd::{block_on, Ctx};
use crate::error::{file_named, option_named, options, CliError};
use crate::parse;
use crate::term::{self, clean, kebab};

fn print_card(out: &mut impl Write, c: &AgencyCard) -> Result<(), CliError> {
    writeln!(out, "agency\t{}", clean(&c.agency))?;
    writeln!(out, "sector\t{}", clean(&c.sector))?;
    writeln!(out, "signing key\t{}", c.signing_key)?;
    writeln!(out, "key id\t{}", c.key_id)?;
    writeln!(out, "recipient\t{}", c.recipient)?;
    writeln!(out, "fingerprint\t{}", c.fingerprint)?;
    writeln!(out, "created\t{}", c.created_at.format("%Y-%m-%dT%H:%M:%S"))?;
    for r in &c.retired {
        writeln!(
            out,
            "retired key\t{}\t{}\t{} to {}",
            r.key_id,
            r.fingerprint,
            r.created_at.format("%Y-%m-%d"),
            r.retired_at.format("%Y-%m-%d")
        )?;
    }
    Ok(())
}

pub fn identity(a: IdentityArgs, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let secrets = ctx.secrets(false);
        match a.action {
            None => {
                let card = ctx
                    .with_store(&secrets, async |s| trust::card(s).await)
                    .await?;
                if a.json {
                    term::json(out, &card)?;
                } else {
                    print_card(out, &card)?;
                }
            }
            Some(IdentityCommand::Export { out: file }) => {
                let card = ctx
                    .with_store(&secrets, async |s| trust::export_card(s, &file).await)
                    .await
                    .map_err(|e| match e {
                        CliError::Api(e) => options(&["out"])(e),
                        e => e,
                    })?;
                writeln!(out, "{}\tcard of {}", file.display(), clean(&card.agency))?;
                writeln!(out, "fingerprint\t{}", card.fingerprint)?;
            }
            Some(IdentityCommand::Rotate) => {
                let card = ctx
                    .with_store(&secrets, async |s| trust::rotate(s, now).await)
                    .await
                    .map_err(|e| ctx.now_option(e))?;
                writeln!(out, "new signing key")?;
                print_card(out, &card)?;
            }
        }
        Ok(())
    })
}

fn print_preview(out: &mut impl Write, what: &str, p: &CardPreview) -> Result<(), CliError> {
    writeln!(out, "{what}\t{}\t{}", clean(&p.agency), clean(&p.sector))?;
    writeln!(out, "key id\t{}", p.key_id)?;
    writeln!(out, "fingerprint\t{}", p.fingerprint)?;
    if let Some(by) = &p.endorsed_by {
        writeln!(out, "endorsed by key\t{by}")?;
    }
    Ok(())
}

/// Asks whether the fingerprint shown matches the one the other party reads out. In a
/// script (`--yes`) the person running it has compared it; with no terminal to ask on,
/// nothing is trusted.
fn confirm(fingerprint: &str, yes: bool) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    let refused = || {
        CliError::option(
            "--yes",
            format!(
                "compare the fingerprint {fingerprint} with the one its owner reads out to you (by phone, not by email), then run again with --yes"
            ),
        )
    };
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(refused());
    }
    let mut err = std::io::stderr();
    write!(
        err,
        "Does the fingerprint {fingerprint} match the one its owner reads out to you? [y/N] "
    )?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
        Ok(())
    } else {
        Err(refused())
    }
}

pub fn directory(d: DirectoryCommand, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let secrets = ctx.secrets(false);
        match d {
            DirectoryCommand::Add { card, yes } => {
                let card = trust::read_card(&card).map_err(file_named("card", &card))?;
                let preview = trust::preview(&card)?;
                print_preview(out, "card", &preview)?;
                out.flush()?;
                confirm(&preview.fingerprint, yes)?;
                let change = ctx
                    .with_store(&secrets, async |s| trust::add(s, &card, now).await)
                    .await
                    .map_err(|e| ctx.now_option(e))?;
                let word = match change.outcome {
                    DirectoryOutcome::Added => "added",
                    DirectoryOutcome::AlreadyPresent => "already in the directory: nothing changed",
                    DirectoryOutcome::Rotated => {
                        "added: a new key of an agency in the directory, endorsed by its key there"
                    }
                };
                writeln!(out, "{}\t{word}", clean(&change.entry.agency))?;
                if change.counted > 0 {
                    writeln!(
                        out,
                        "{} held packages signed by this key are now verified and counted",
                        change.counted
                    )?;
                }
            }
            DirectoryCommand::List { json } => {
                let list = ctx
                    .with_store(&secrets, async |s| trust::directory(s).await)
                    .await?;
                if json {
                    term::json(out, &list)?;
                } else {
                    for e in &list {
                        writeln!(
                            out,
                            "{}\t{}\t{}\t{}\t{}\tadded {}\t{}",
                            clean(&e.agency),
                            clean(&e.sector),
                            kebab(&e.role),
                            e.key_id,
                            e.fingerprint,
                            e.added_at.format("%Y-%m-%d"),
                            e.revoked_from
                                .map(|d| format!("revoked from {}", d.format("%Y-%m-%d")))
                                .unwrap_or_else(|| "trusted".to_owned())
                        )?;
                    }
                }
            }
            DirectoryCommand::Revoke { agency, from, key } => {
                let from = parse::date("--from", &from)?;
                let revoked = ctx
                    .with_store(&secrets, async |s| {
                        trust::revoke(s, &agency, from, key.as_deref(), now).await
                    })
                    .await
                    .map_err(|e| match e {
                        CliError::Api(e) if e.field.as_deref() == Some("key") => {
                            option_named("key", "--key")(e)
                        }
                        CliError::Api(e) => option_named("agency", "AGENCY")(e),
                        e => ctx.now_option(e),
                    })?;
                let day = from.format("%Y-%m-%d");
                writeln!(
                    out,
                    "{}\t{} keys revoked from {day}",
                    clean(&agency),
                    revoked.keys
                )?;
                // Counted before the revocation, they stay counted: the administrator
                // decides on each (`board remove`).
                writeln!(
                    out,
                    "{} counted packages were signed by these keys from {day}: `escalate board list` shows them",
                    revoked.counted.len()
                )?;
                for p in &revoked.counted {
                    writeln!(
                        out,
                        "{}\t{}\t{}\texported {}\tsigned {}",
                        p.id,
                        clean(&p.source_agency),
                        clean(&p.reference),
                        p.exported_at.format("%Y-%m-%dT%H:%M:%S"),
                        p.signer_key_id.as_deref().unwrap_or("-"),
                    )?;
                }
            }
        }
        Ok(())
    })
}

pub fn partnership(p: PartnershipCommand, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let secrets = ctx.secrets(false);
        let PartnershipCommand::Install { file, board, yes } = p;
        let bytes = trust::read_bundle(&file).map_err(option_named("bundle", "FILE"))?;
        let given = board
            .as_deref()
            .map(trust::read_card)
            .transpose()
            .map_err(option_named("card", "--board"))?;
        let mut store = ctx.open(&secrets).await?;
        let result = async {
            let preview = trust::bundle_preview(&store, &bytes, given.as_ref()).await?;
            Ok::<_, escalate_api::ApiError>(preview)
        }
        .await;
        let preview = match result {
            Ok(p) => p,
            Err(e) => {
                session::close(store).await;
                return Err(option_named("board", "--board")(e));
            }
        };
        print_preview(out, "board", &preview.board)?;
        out.flush()?;
        if preview.first_time {
            if let Err(e) = confirm(&preview.board.fingerprint, yes) {
                session::close(store).await;
                return Err(e);
            }
        }
        let installed = trust::install_bundle(&mut store, &bytes, given.as_ref(), now).await;
        session::close(store).await;
        let installed = installed.map_err(|e| ctx.now_option(CliError::Api(e)))?;
        for p in &installed.protocols {
            writeln!(out, "protocol\t{}\tinstalled", clean(p))?;
        }
        if installed.calendar_imported {
            writeln!(out, "calendar\tbank-holidays.json\timported")?;
        }
        writeln!(out, "directory\t{} cards added", installed.cards_added)?;
        writeln!(
            out,
            "board\t{}\t{}\tpackages go to this Board",
            clean(&installed.board.agency),
            installed.board.fingerprint
        )?;
        Ok(())
    })
}
