//! Printable forms for a case: which forms its protocol uses, each page's text for a
//! preview, the PDF, and saving it as a new file. The CLI and the app call these, so
//! both fill the same form from the same sources.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDateTime;
use escalate_core::model::{CaseDetail, ChronologyEntry};
use escalate_core::{ErrorCode, FormId, Protocol};
use escalate_report::{ReportInput, ReportOptions};
use escalate_store::Store;

use crate::{ApiError, ApiResult};

/// What every form of a case is filled from: the case, its chronology and its protocol,
/// as of one moment.
#[derive(Debug, Clone)]
pub struct Sources {
    pub case: CaseDetail,
    pub chronology: Vec<ChronologyEntry>,
    pub protocol: &'static Protocol,
}

impl Sources {
    /// The report crate's input: these sources, with the store's profile and calendar.
    pub fn input<'a>(&'a self, store: &'a Store) -> ReportInput<'a> {
        ReportInput {
            profile: store.profile(),
            case: &self.case,
            chronology: &self.chronology,
            protocol: self.protocol,
            calendar: store.calendar(),
        }
    }
}

/// Read a case's sources as of `now`, from one load of the case.
pub async fn sources(store: &Store, reference: &str, now: NaiveDateTime) -> ApiResult<Sources> {
    let file = store.case_file(reference).await?;
    Ok(Sources {
        case: crate::present::case_detail(&file, store.calendar(), now)?,
        chronology: crate::present::chronology(&file, store.calendar(), now)?,
        protocol: file.protocol,
    })
}

/// The forms the case's protocol uses, in the order a lead reaches for them.
pub async fn forms(store: &Store, reference: &str, now: NaiveDateTime) -> ApiResult<Vec<FormId>> {
    let src = sources(store, reference, now).await?;
    Ok(escalate_report::forms_for(src.protocol))
}

/// Each page's text, from the very layout the PDF is written from. The case is read as
/// of `options.generated_at`, the moment the form is dated.
pub async fn preview(
    store: &Store,
    reference: &str,
    options: &ReportOptions,
) -> ApiResult<Vec<Vec<String>>> {
    let src = sources(store, reference, options.generated_at).await?;
    Ok(escalate_report::preview(&src.input(store), options)?)
}

/// The form as PDF. The case is read as of `options.generated_at`, the moment the form
/// is dated.
pub async fn render(store: &Store, reference: &str, options: &ReportOptions) -> ApiResult<Vec<u8>> {
    let src = sources(store, reference, options.generated_at).await?;
    Ok(escalate_report::render(&src.input(store), options)?)
}

/// Write `bytes` to a new file at `path`, readable by its owner alone from the moment
/// it exists (forms, packages and extracts carry case data; a key file is a secret),
/// and never over an existing file: that is refused naming `out`, with nothing written.
pub fn save(path: &Path, bytes: &[u8]) -> ApiResult<()> {
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()));
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
