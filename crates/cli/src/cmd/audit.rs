//! `audit verify`: the hash chain, and every case's cache against its log.

use std::io::Write;

use escalate_api::settings::{self, Verification};

use crate::cmd::{block_on, Ctx};
use crate::error::CliError;
use crate::term::{self, clean};

pub fn verify(json: bool, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        ctx.now()?;
        let Verification { audit, caches } = ctx
            .with_store(&ctx.secrets(false), async |s| settings::verify(s).await)
            .await?;
        if json {
            term::json(out, &audit)?;
        }
        if let Some(b) = &audit.first_broken {
            return Err(CliError::AuditBroken(format!(
                "the audit trail is broken at entry {} (seq {}): {}",
                b.position, b.seq, b.reason
            )));
        }
        if !json {
            writeln!(out, "ok: {} entries, head {}", audit.entries, audit.head)?;
        }
        // Each case's cached state must be the replay of its log.
        match &caches.first_mismatch {
            None => {
                if !json {
                    writeln!(out, "caches: ok")?;
                }
                Ok(())
            }
            Some(m) => Err(CliError::AuditBroken(format!(
                "caches: case {} differs from its log: {}",
                clean(&m.reference),
                clean(&m.reason)
            ))),
        }
    })
}
