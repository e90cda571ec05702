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

/// The extension a partnership bundle is offered under (the open dialog's filter).
pub const BUNDLE_EXTENSION: &str = "escalate-bundle";

/// A file the lead opens: which kind, for the dialog's title and filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// A protocol file to install (.toml).
    Protocol,
    /// GOV.UK's bank-holidays.json.
    BankHolidays,
    /// A partnership bundle the Board signed (`escalate board bundle`).
    Bundle,
    /// The Board's card, the first time a bundle is installed: the key it is checked
    /// against.
    BoardCard,
    /// An agency's card, to add to the directory.
    Card,
}

impl Choice {
    fn title(self) -> &'static str {
        match self {
            Choice::Protocol => "Choose the protocol file to install",
            Choice::BankHolidays => "Choose GOV.UK's bank-holidays.json",
            Choice::Bundle => "Choose the partnership bundle to install",
            Choice::BoardCard => "Choose the Board's card (the first bundle is checked against it)",
            Choice::Card => "Choose the agency's card to add to the directory",
        }
    }

    fn filter(self) -> (&'static str, &'static str) {
        match self {
            Choice::Protocol => ("Protocol files", "toml"),
            Choice::BankHolidays => ("Bank-holiday files", "json"),
            Choice::Bundle => ("Partnership bundles", BUNDLE_EXTENSION),
            Choice::BoardCard | Choice::Card => ("Agency cards", "json"),
        }
    }
}

/// The file the lead chooses in the native open dialog (or, in debug builds under the
/// end-to-end tests only, the one file of the kind's extension in the folder the test
/// names, because WebDriver cannot reach a native dialog). `None`: cancelled.
pub async fn choose<R: Runtime>(app: &AppHandle<R>, kind: Choice) -> AppResult<Option<PathBuf>> {
    let (what, ext) = kind.filter();
    #[cfg(debug_assertions)]
    if let Some(files) = e2e_files("ESCALATE_E2E_OPEN_DIR", ext) {
        return Ok(files.ok().and_then(|f| f.into_iter().next()));
    }
    blocking_dialog(app, "file", move |app| {
        app.dialog()
            .file()
            .set_title(kind.title())
            .add_filter(what, &[ext])
            .blocking_pick_file()
            .and_then(|f| f.into_path().ok())
    })
    .await
}

/// The export packages the Board administrator chooses in the native dialog and, with
/// `use_identity` (no passphrase given), the Board's identity file chosen the same way;
/// in debug builds under the end-to-end tests only, every package in the folder the
/// test names, because WebDriver cannot reach a native dialog. `None`: cancelled.
pub async fn choose_packages<R: Runtime>(
    app: &AppHandle<R>,
    use_identity: bool,
) -> AppResult<Option<(Vec<PathBuf>, Option<PathBuf>)>> {
    #[cfg(debug_assertions)]
    if let Some(files) = e2e_files("ESCALATE_E2E_IMPORT_DIR", "escalate-export") {
        return Ok(files.ok().map(|f| (f, None)));
    }
    blocking_dialog(app, "file", move |app| {
        let files = app
            .dialog()
            .file()
            .set_title("Choose the export packages to import")
            .add_filter("Escalate export packages", &["escalate-export"])
            .blocking_pick_files()?
            .into_iter()
            .filter_map(|f| f.into_path().ok())
            .collect();
        let identity = if use_identity {
            Some(
                app.dialog()
                    .file()
                    .set_title("Choose the Board's identity file (board.key)")
                    .blocking_pick_file()?
                    .into_path()
                    .ok()?,
            )
        } else {
            None
        };
        Some((files, identity))
    })
    .await
}

/// The files with extension `ext`, in name order, in the folder the end-to-end tests
/// name in `var` in place of a native dialog. `None`: no such test is running.
#[cfg(debug_assertions)]
fn e2e_files(var: &str, ext: &str) -> Option<std::io::Result<Vec<PathBuf>>> {
    let dir = std::env::var_os(var)?;
    Some(std::fs::read_dir(dir).map(|entries| {
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == ext))
            .collect();
        files.sort();
        files
    }))
}

/// Run a native dialog, which blocks, off the async workers. `what` names it in the
/// error: "the file dialog failed".
async fn blocking_dialog<R: Runtime, T: Send + 'static>(
    app: &AppHandle<R>,
    what: &str,
    dialog: impl FnOnce(&AppHandle<R>) -> T + Send + 'static,
) -> AppResult<T> {
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || dialog(&handle))
        .await
        .map_err(|e| AppError::new(ErrorCode::Dialog, format!("the {what} dialog failed: {e}")))
}

/// Save `bytes` where the lead chooses, offering `name`. `None`: the dialog was cancelled.
pub async fn save<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    name: String,
    bytes: Vec<u8>,
) -> AppResult<Option<SavedFile>> {
    let chosen = blocking_dialog(app, "save", move |app| choose_path(app, &name)).await?;
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
