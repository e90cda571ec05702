//! Forms: preview, save as PDF through the native dialog, open for printing; and
//! Board export packages. The webview never names a path: the dialog does, and the
//! shell remembers what was saved so the UI can ask for it by number.

use std::path::PathBuf;

use escalate_api::export::PackageRequest;
use escalate_core::FormId;
use escalate_report::ReportOptions;
use escalate_store::Passphrase;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::clock::now;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    pub reference: String,
    pub form: FormId,
    /// For a stage record: which stage (default: the current one).
    pub stage: Option<u8>,
    /// How effective the protocol was, and suggestions (RPD Report, Monitoring Form).
    pub effectiveness: String,
    /// Additional notes (RPD Report).
    pub notes: String,
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    pub reference: String,
    /// The Board's age public key (`age1…`); or leave empty and give a passphrase.
    pub recipient: String,
    pub passphrase: String,
    /// Initials and age band instead of the child's name and date of birth.
    pub minimise: bool,
    pub effectiveness: String,
}

/// A file the lead saved.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SavedFile {
    /// Ask for it again by this number (open for printing).
    pub id: u32,
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

fn options(r: &ReportRequest) -> ReportOptions {
    ReportOptions {
        form: r.form,
        stage: r.stage,
        effectiveness: r.effectiveness.clone(),
        notes: r.notes.clone(),
        generated_at: now(),
    }
}

fn file_stem(reference: &str, what: &str) -> String {
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

/// A form the case's protocol uses, with its title as printed.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct FormChoice {
    pub form: FormId,
    pub title: String,
}

impl FormChoice {
    pub fn of(forms: Vec<FormId>) -> Vec<FormChoice> {
        forms
            .into_iter()
            .map(|form| FormChoice {
                form,
                title: form.title().to_owned(),
            })
            .collect()
    }
}

/// The forms this case's protocol uses.
#[tauri::command]
pub async fn report_forms(
    state: State<'_, AppState>,
    reference: String,
) -> AppResult<Vec<FormChoice>> {
    let session = state.session().await;
    let forms = escalate_api::reports::forms(session.store()?, &reference, now()).await?;
    Ok(FormChoice::of(forms))
}

/// Each page's text, from the same layout as the PDF.
#[tauri::command]
pub async fn preview_report(
    state: State<'_, AppState>,
    request: ReportRequest,
) -> AppResult<Vec<Vec<String>>> {
    let session = state.session().await;
    escalate_api::reports::preview(session.store()?, &request.reference, &options(&request)).await
}

/// Where to save: the native dialog (or, in debug builds under the end-to-end tests
/// only, a folder the test names, because WebDriver cannot reach a native dialog).
fn choose_path<R: Runtime>(app: &AppHandle<R>, name: &str, ext: &str) -> Option<PathBuf> {
    #[cfg(debug_assertions)]
    if let Some(dir) = std::env::var_os("ESCALATE_E2E_SAVE_DIR") {
        return Some(PathBuf::from(dir).join(name));
    }
    app.dialog()
        .file()
        .set_file_name(name)
        .add_filter(ext.to_uppercase(), &[ext])
        .blocking_save_file()
        .and_then(|p| p.into_path().ok())
}

pub(crate) async fn save<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    name: String,
    ext: &str,
    bytes: Vec<u8>,
) -> AppResult<Option<SavedFile>> {
    let handle = app.clone();
    let ext_owned = ext.to_owned();
    // The dialog blocks: keep it off the async workers.
    let chosen =
        tauri::async_runtime::spawn_blocking(move || choose_path(&handle, &name, &ext_owned))
            .await
            .map_err(|e| {
                AppError::new(ErrorCode::Dialog, format!("the save dialog failed: {e}"))
            })?;
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

/// Render the form and save it where the lead chooses. `None`: the dialog was cancelled.
#[tauri::command]
pub async fn save_report<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: ReportRequest,
) -> AppResult<Option<SavedFile>> {
    let pdf = {
        let session = state.session().await;
        escalate_api::reports::render(session.store()?, &request.reference, &options(&request))
            .await?
    };
    let name = format!(
        "{}.pdf",
        file_stem(&request.reference, request.form.as_str())
    );
    save(&app, &state, name, "pdf", pdf).await
}

/// Open a saved file in the system's viewer, for printing and signing by hand.
#[tauri::command]
pub async fn open_saved<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: u32,
) -> AppResult<()> {
    let path = {
        let session = state.session().await;
        session.saved.get(id as usize).cloned().ok_or_else(|| {
            AppError::new(
                ErrorCode::FileUnknown,
                "that file was not saved in this session: save it again",
            )
        })?
    };
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| {
            AppError::new(
                ErrorCode::Open,
                format!("the system could not open the PDF: {e}"),
            )
        })
}

/// An encrypted package for the Board administrator.
#[tauri::command]
pub async fn export_package<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: ExportRequest,
) -> AppResult<Option<SavedFile>> {
    let recipients = vec![request.recipient.trim().to_owned()];
    let pass = Passphrase::new(request.passphrase.clone());
    // The one rule, the CLI's too: exactly one of a public key or a passphrase.
    let seal = escalate_api::export::seal_with(&recipients, Some(pass.expose()))?;
    let package = {
        let session = state.session().await;
        escalate_api::export::package(
            session.store()?,
            &request.reference,
            PackageRequest {
                form: None,
                effectiveness: &request.effectiveness,
                minimise: request.minimise,
                seal,
                now: now(),
            },
        )
        .await?
    };
    let name = format!("{}.escalate-export", file_stem(&request.reference, "board"));
    save(&app, &state, name, "escalate-export", package).await
}
