//! `passphrase change` and `key rotate`.

use std::io::Write;
use std::path::PathBuf;

use escalate_api::{keys, session};

use crate::cmd::{block_on, Ctx};
use crate::error::{options, CliError};
use crate::term;

pub fn change_passphrase(
    new_passphrase_file: Option<PathBuf>,
    ctx: &Ctx,
    out: &mut impl Write,
) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let mut secrets = ctx.secrets(false);
        secrets.new_passphrase_file = new_passphrase_file;
        let current = secrets
            .require_recovery("changing the passphrase")
            .map_err(options(&["passphrase_file"]))?;
        let new = secrets
            .new_recovery()
            .map_err(options(&["new_passphrase_file"]))?;
        ctx.with_store(&secrets, async |s| {
            keys::change_passphrase(s, &current, &new, now).await
        })
        .await?;
        writeln!(out, "ok")?;
        Ok(())
    })
}

pub fn rotate(ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let secrets = ctx.secrets(false);
        let passphrase = secrets
            .require_recovery("rotating the key")
            .map_err(options(&["passphrase_file"]))?;
        let mut store = ctx.open(&secrets).await?;
        let rotated = keys::rotate(&mut store, &passphrase, ctx.keys(), now).await;
        // The open's notices again, with what the rotation adds.
        term::notices(&store);
        session::close(store).await;
        rotated?;
        writeln!(out, "ok")?;
        Ok(())
    })
}
