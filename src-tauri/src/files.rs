//! Files the lead saves: the native save dialog chooses where, and the shell remembers
//! each file so the UI can ask for it again by number. The webview never names a path.

use std::path::PathBuf;

use serde::Serialize;
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;

/// A file the lead saved.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SavedFile {
    /// Ask for it again by this number (open for printing).
    pub id: u32,
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// A file name from a case reference, safe on every OS: `RPD-2026-0001-board`.
pub fn file_stem(reference: &str, what: &str) -> String {
    let safe: String = reference
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}-{what}")
}

/// Where to save: the native dialog (or, in debug builds under the end-to-end tests
/// only, a folder the test names, because WebDriver cannot reach a native dialog).
fn choose_path<R: Runtime>(app: &AppHandle<R>, name: &str) -> Option<PathBuf> {
    #[cfg(debug_assertions)]
    if let Some(dir) = std::env::var_os("ESCALATE_E2E_SAVE_DIR") {
        return Some(PathBuf::from(dir).join(name));
    }
    let ext = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    app.dialog()
        .file()
        .set_file_name(name)
        .add_filter(ext.to_uppercase(), &[ext])
        .blocking_save_file()
        .and_then(|p| p.into_path().ok())
}

/// A file the lead opens: which kind, for the dialog's title and filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// A protocol file to install (.toml).
    Protocol,
    /// GOV.UK's bank-holidays.json.
    BankHolidays,
}

impl Choice {
    fn title(self) -> &'static str {
        match self {
            Choice::Protocol => "Choose the protocol file to install",
            Choice::BankHolidays => "Choose GOV.UK's bank-holidays.json",
        }
    }

    fn filter(self) -> (&'static str, &'static str) {
        match self {
            Choice::Protocol => ("Protocol files", "toml"),
            Choice::BankHolidays => ("Bank-holiday files", "json"),
        }
    }
}

/// The file the lead chooses in the native open dialog (or, in debug builds under the
/// end-to-end tests only, the one file of the kind's extension in the folder the test
/// names, because WebDriver cannot reach a native dialog). `None`: cancelled.
pub async fn choose<R: Runtime>(app: &AppHandle<R>, kind: Choice) -> AppResult<Option<PathBuf>> {
    let (what, ext) = kind.filter();
    #[cfg(debug_assertions)]
    if let Some(dir) = std::env::var_os("ESCALATE_E2E_OPEN_DIR") {
        let found = std::fs::read_dir(dir)
            .ok()
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == ext));
        return Ok(found);
    }
    let handle = app.clone();
    // The dialog blocks: keep it off the async workers.
    tauri::async_runtime::spawn_blocking(move || {
        handle
            .dialog()
            .file()
            .set_title(kind.title())
            .add_filter(what, &[ext])
            .blocking_pick_file()
            .and_then(|f| f.into_path().ok())
    })
    .await
    .map_err(|e| AppError::new(ErrorCode::Dialog, format!("the file dialog failed: {e}")))
}

/// Save `bytes` where the lead chooses, offering `name`. `None`: the dialog was cancelled.
pub async fn save<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    name: String,
    bytes: Vec<u8>,
) -> AppResult<Option<SavedFile>> {
    let handle = app.clone();
    // The dialog blocks: keep it off the async workers.
    let chosen = tauri::async_runtime::spawn_blocking(move || choose_path(&handle, &name))
        .await
        .map_err(|e| AppError::new(ErrorCode::Dialog, format!("the save dialog failed: {e}")))?;
    let Some(path) = chosen else {
        return Ok(None);
    };
    std::fs::write(&path, &bytes).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("{}: {e}: choose another folder", path.display()),
        )
    })?;
    let mut session = state.session().await;
    session.saved.push(path.clone());
    Ok(Some(SavedFile {
        id: u32::try_from(session.saved.len() - 1).unwrap_or(u32::MAX),
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
    }))
}

/// Open a file saved this session in the system's viewer, for printing and signing.
pub async fn open<R: Runtime>(app: &AppHandle<R>, state: &AppState, id: u32) -> AppResult<()> {
    let path = state
        .session()
        .await
        .saved
        .get(id as usize)
        .cloned()
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::FileUnknown,
                "that file was not saved in this session: save it again",
            )
        })?;
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| {
            AppError::new(
                ErrorCode::Open,
                format!("the system could not open the PDF: {e}"),
            )
        })
}
