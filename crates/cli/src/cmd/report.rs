//! `report`: a form as PDF, filled from the store.

use std::io::Write;

use escalate_api::reports;
use escalate_report::ReportOptions;

use crate::args::ReportArgs;
use crate::cmd::{block_on, Ctx};
use crate::error::{options, CliError};
use crate::parse;

pub fn report(a: ReportArgs, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let options_ = ReportOptions {
            form: parse::form(&a.form)?,
            stage: a.stage,
            effectiveness: a.effectiveness,
            notes: a.notes,
            generated_at: now,
        };
        let pdf = ctx
            .with_store(&ctx.secrets(false), async |s| {
                reports::render(s, &a.reference, &options_)
                    .await
                    .map_err(options(&["form", "stage"]))
            })
            .await?;
        reports::save(&a.out, &pdf).map_err(options(&["out"]))?;
        writeln!(out, "{}\t{} bytes", a.out.display(), pdf.len())?;
        Ok(())
    })
}
