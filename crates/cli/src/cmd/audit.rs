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
        // Every value kept beside the log must be the log's.
        if caches.mismatches.is_empty() {
            if !json {
                writeln!(out, "caches: ok")?;
            }
            return Ok(());
        }
        let lines: Vec<String> = caches
            .mismatches
            .iter()
            .map(|m| {
                let subject = if m.reference == "settings" {
                    "settings".to_owned()
                } else {
                    format!("case {}", clean(&m.reference))
                };
                format!("{subject}: {}", clean(&m.reason))
            })
            .collect();
        Err(CliError::AuditBroken(format!(
            "caches: {} difference{} from the log:\n  {}",
            lines.len(),
            if lines.len() == 1 { "" } else { "s" },
            lines.join("\n  ")
        )))
    })
}
