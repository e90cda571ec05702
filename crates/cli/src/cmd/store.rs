//! `init`, `backup` and `restore`: a store made, copied and brought back.

use std::io::Write;
use std::path::Path;

use escalate_api::settings::DEFAULT_AUTO_LOCK_MINUTES;
use escalate_api::{engine, keys, session};
use escalate_core::model::Profile;

use crate::args::InitArgs;
use crate::cmd::{block_on, Ctx};
use crate::error::{options, CliError};
use crate::{parse, term};

pub fn init(a: InitArgs, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let profile = Profile {
            name: a.name,
            designation: a.designation,
            agency: a.agency,
            sector: parse::sector("--sector", &a.sector)?,
            protocol_id: a.protocol,
            calendar: parse::calendar("--calendar", &a.calendar)?,
            auto_lock_minutes: DEFAULT_AUTO_LOCK_MINUTES,
        };
        let passphrase = ctx
            .secrets(false)
            .require_recovery("creating a store")
            .map_err(options(&["passphrase_file"]))?;
        let dir = ctx.data_dir()?;
        // A file is installed in the new store and becomes its protocol for new cases.
        let store = if engine::is_protocol_path(&profile.protocol_id) {
            let file = std::path::PathBuf::from(&profile.protocol_id);
            session::create_with_protocol_file(&dir, profile, &passphrase, &file, ctx.keys(), now)
                .await
                .map_err(crate::error::option_named("file", "--protocol"))?
        } else {
            session::create(&dir, profile, &passphrase, None, ctx.keys(), now)
                .await
                .map_err(options(&["protocol"]))?
        };
        term::notices(&store);
        let printed = writeln!(out, "{}", dir.display());
        session::close(store).await;
        Ok(printed?)
    })
}

pub fn backup(file: &Path, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        ctx.now()?;
        let size = ctx
            .with_store(&ctx.secrets(false), async |s| keys::backup(s, file).await)
            .await?;
        writeln!(out, "{}\t{size} bytes", file.display())?;
        Ok(())
    })
}

pub fn restore(file: &Path, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        ctx.now()?;
        let passphrase = ctx
            .secrets(false)
            .require_recovery("restoring a backup")
            .map_err(options(&["passphrase_file"]))?;
        let dir = ctx.data_dir()?;
        let store = keys::restore(file, &dir, &passphrase, ctx.keys()).await?;
        session::close(store).await;
        writeln!(out, "{}", dir.display())?;
        Ok(())
    })
}
