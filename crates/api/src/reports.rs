//! Printable forms for a case: which forms its protocol uses, each page's text for a
//! preview, the PDF, and saving it as a new file. The CLI and the app call these, so
//! both fill the same form from the same sources.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDateTime;
use escalate_core::form::Fact;
use escalate_core::model::{CaseDetail, ChronologyEntry};
use escalate_core::{ErrorCode, FormId, Protocol};
use escalate_report::{ReportInput, ReportOptions};
use escalate_store::Store;
use serde::Serialize;

use crate::{ApiError, ApiResult};

/// What every form of a case is filled from: the case, its chronology and its protocol,
/// as of one moment.
#[derive(Debug, Clone)]
pub struct Sources {
    pub case: CaseDetail,
    pub chronology: Vec<ChronologyEntry>,
    pub protocol: Arc<Protocol>,
}

impl Sources {
    /// The report crate's input: these sources, with the store's profile and calendar.
    pub fn input<'a>(&'a self, store: &'a Store) -> ReportInput<'a> {
        ReportInput {
            profile: store.profile(),
            case: &self.case,
            chronology: &self.chronology,
            protocol: &self.protocol,
            calendar: store.calendar(),
        }
    }
}

/// Read a case's sources as of `now`, from one load of the case.
pub async fn sources(store: &Store, reference: &str, now: NaiveDateTime) -> ApiResult<Sources> {
    let file = store.case_file(reference).await?;
    // A form or a package says what happened as true: never from a history the chain
    // no longer attests.
    if let Some(b) = &file.integrity.broken {
        return Err(ApiError::new(
            ErrorCode::CaseHistoryBroken,
            format!(
                "the history of case {} is broken at entry {} ({}): it cannot be printed or exported. Run `escalate audit verify`, and restore a backup",
                file.case.reference, b.entry, b.reason
            ),
        ));
    }
    let case = crate::present::case_detail(&file, store.calendar(), now)?;
    Ok(Sources {
        chronology: file.chronology_with(&case.status, now),
        case,
        protocol: file.protocol,
    })
}

/// A form a case's protocol can print: its id, its title as printed, and what the lead
/// is asked for when printing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormChoice {
    pub form: FormId,
    pub title: String,
    /// The form prints how effective the protocol was (`form.effectiveness`).
    pub asks_effectiveness: bool,
    /// The form prints further notes (`form.notes`).
    pub asks_notes: bool,
    /// The form is one stage's record: the lead may pick the stage.
    pub asks_stage: bool,
}

/// The forms `protocol`'s cases can print, in the order a lead reaches for them, with
/// their titles from the protocol.
pub fn form_choices(protocol: &Protocol) -> Vec<FormChoice> {
    protocol
        .form_ids()
        .into_iter()
        .map(|form| {
            let def = protocol.form(&form);
            FormChoice {
                title: protocol.form_title(&form).unwrap_or_default().to_owned(),
                asks_effectiveness: def.is_some_and(|d| d.reads(Fact::FormEffectiveness)),
                asks_notes: def.is_some_and(|d| d.reads(Fact::FormNotes)),
                asks_stage: form == FormId::STAGE_RECORD,
                form,
            }
        })
        .collect()
}

/// The forms the case's protocol can print, in the order a lead reaches for them.
pub async fn forms(
    store: &Store,
    reference: &str,
    now: NaiveDateTime,
) -> ApiResult<Vec<FormChoice>> {
    let src = sources(store, reference, now).await?;
    Ok(form_choices(&src.protocol))
}

/// A form the case's protocol does not have is refused naming `form` and listing the
/// ones it has; one no protocol has is "not a form".
fn check_form(protocol: &Protocol, form: &FormId) -> ApiResult<()> {
    if form.is_built_in() || protocol.form(form).is_some() {
        return Ok(());
    }
    let elsewhere = crate::engine::shipped_protocols()
        .unwrap_or_default()
        .iter()
        .any(|p| p.form(form).is_some());
    let has = protocol
        .form_ids()
        .iter()
        .map(FormId::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if elsewhere {
        return Err(escalate_report::ReportError::FormNotInProtocol {
            form: form.clone(),
            protocol: protocol.id.clone(),
            allowed: has,
        }
        .into());
    }
    Err(ApiError::field(
        "form",
        format!(
            "'{form}' is not a form: protocol '{}' has {has}",
            protocol.id
        ),
    )
    .with_code(ErrorCode::ReportFormNotInProtocol))
}

/// Each page's text, from the very layout the PDF is written from. The case is read as
/// of `options.generated_at`, the moment the form is dated.
pub async fn preview(
    store: &Store,
    reference: &str,
    options: &ReportOptions,
) -> ApiResult<Vec<Vec<String>>> {
    let src = sources(store, reference, options.generated_at).await?;
    check_form(&src.protocol, &options.form)?;
    Ok(escalate_report::preview(&src.input(store), options)?)
}

/// The form as PDF. The case is read as of `options.generated_at`, the moment the form
/// is dated.
pub async fn render(store: &Store, reference: &str, options: &ReportOptions) -> ApiResult<Vec<u8>> {
    let src = sources(store, reference, options.generated_at).await?;
    check_form(&src.protocol, &options.form)?;
    Ok(escalate_report::render(&src.input(store), options)?)
}

/// A blank specimen of one of `protocol`'s own forms, for checking its layout: no case,
/// so no case data; dated `now`.
pub fn specimen(protocol: &Protocol, form: &FormId, now: NaiveDateTime) -> ApiResult<Vec<u8>> {
    Ok(escalate_report::specimen(protocol, form, now)?)
}

/// Write `bytes` to a new file at `path`, readable by its owner alone from the moment
/// it exists (forms, packages and extracts carry case data; a key file is a secret),
/// and never over an existing file: that is refused naming `out`, with nothing written.
pub fn save(path: &Path, bytes: &[u8]) -> ApiResult<()> {
    let io = |e: std::io::Error| ApiError::io(path, &e);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ApiError::field(
                "out",
                format!("{} already exists: choose a new file name", path.display()),
            )
        } else {
            io(e)
        }
    })?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        // A file cut short (a full disk) is not left behind as if it were the form.
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(io(e));
    }
    Ok(())
}
