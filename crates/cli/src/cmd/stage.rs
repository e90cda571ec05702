//! `stage record`: a discussion or meeting at the case's current stage, from options
//! or from a JSON file.

use std::io::Write;

use escalate_api::cases::{self, FieldPairs};
use escalate_api::files::{self, STAGE_RECORD_FILE};
use escalate_api::ApiError;
use escalate_core::model::{Participant, StageRecordInput};

use crate::args::StageRecordArgs;
use crate::cmd::{block_on, Ctx};
use crate::error::{options, CliError};
use crate::parse;

pub fn record(a: StageRecordArgs, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let input = match &a.file {
            // Read through a bound, parsed in one place, refused by field path and
            // position, never with a value.
            Some(f) => {
                let text = files::read_text(f, &STAGE_RECORD_FILE)?;
                cases::stage_record_from_json(&text, f).map_err(options(&["file"]))?
            }
            None => StageRecordInput {
                discussed_at: parse::optional_moment("--discussed", a.discussed.as_deref())?,
                participants: a
                    .participants
                    .iter()
                    .map(|p| Participant::parse(p))
                    .collect::<Result<_, _>>()
                    .map_err(ApiError::from)?,
                summary: a.summary.unwrap_or_default(),
                agreed: a.agreed.unwrap_or_default(),
                resolved: a.resolved,
                ..StageRecordInput::default()
            },
        };
        let fields = FieldPairs::parse(&a.fields).map_err(options(&["field"]))?;
        let id = ctx
            .with_store(&ctx.secrets(false), async |s| {
                cases::record_stage_with_fields(s, &a.reference, input, fields, now)
                    .await
                    .map_err(options(&["field"]))
            })
            .await?;
        writeln!(out, "recorded {id}")?;
        Ok(())
    })
}
