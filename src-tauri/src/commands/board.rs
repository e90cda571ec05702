//! The Board administrator's screen: import agencies' packages, see the monitoring
//! figures for a period, agency and protocol, list the cases behind any number, and
//! save the report as PDF.

use escalate_report::board::{self, BoardFigures, CaseLine, Dimension, FileResult, Selection};
use escalate_report::export::Key;
use escalate_store::ImportOutcome;
use serde::Serialize;
use std::path::PathBuf;
use tauri::{AppHandle, Emitter, Runtime, State};

use tauri_plugin_dialog::DialogExt;

use crate::clock::now;
use crate::commands::reports::{save, SavedFile};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct BoardView {
    pub figures: BoardFigures,
    /// Every agency and protocol in the imported records, for the filters.
    pub agencies: Vec<String>,
    pub protocols: Vec<String>,
    /// Current records held (all periods).
    pub records: usize,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ImportSummary {
    pub files: Vec<FileResult>,
    pub new: usize,
    pub replaced: usize,
    pub duplicate: usize,
    pub older: usize,
    pub refused: usize,
}

/// Progress of a large import, sent as the `board-import-progress` event.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ImportProgress {
    pub done: usize,
    pub total: usize,
}

fn check(sel: &Selection) -> AppResult<()> {
    if sel.to < sel.from {
        return Err(AppError::field(
            "to",
            "the period ends before it starts: choose an end on or after the start",
        ));
    }
    Ok(())
}

#[tauri::command]
pub async fn board_overview(
    state: State<'_, AppState>,
    selection: Selection,
) -> AppResult<BoardView> {
    check(&selection)?;
    let session = state.session().await;
    let records = board::records(session.board()?).await?;
    let (agencies, protocols) = board::choices(&records);
    Ok(BoardView {
        figures: board::figures(
            &selection.apply(&records),
            selection.from,
            selection.to,
            now(),
        ),
        agencies,
        protocols,
        records: records.len(),
    })
}

/// The cases behind the number shown for `key` in the `dimension` table.
#[tauri::command]
pub async fn board_cases(
    state: State<'_, AppState>,
    selection: Selection,
    dimension: Dimension,
    key: String,
) -> AppResult<Vec<CaseLine>> {
    check(&selection)?;
    let session = state.session().await;
    let records = board::records(session.board()?).await?;
    Ok(board::behind(&records, &selection, dimension, &key))
}

/// Choose packages in the native dialog, then open them with the Board's identity
/// file (chosen the same way) or the agreed passphrase. `None`: cancelled.
#[tauri::command]
pub async fn board_import<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    passphrase: Option<String>,
) -> AppResult<Option<ImportSummary>> {
    let use_identity = passphrase.as_deref().is_none_or(str::is_empty);
    let handle = app.clone();
    let picked =
        tauri::async_runtime::spawn_blocking(move || choose_packages(&handle, use_identity))
            .await
            .map_err(|e| AppError::new("dialog", format!("the file dialog failed: {e}")))?;
    let Some((files, identity)) = picked else {
        return Ok(None);
    };
    let identity_text = match identity {
        Some(path) => Some(zeroize::Zeroizing::new(
            std::fs::read_to_string(&path).map_err(|e| {
                AppError::new(
                    "io",
                    format!("{}: {e}: choose the Board's identity file", path.display()),
                )
            })?,
        )),
        None => None,
    };
    let pass = zeroize::Zeroizing::new(passphrase.unwrap_or_default());
    let key = match &identity_text {
        Some(text) => Key::Identity(text),
        None => Key::Passphrase(&pass),
    };
    let session = state.session().await;
    let results = board::import(session.board()?, &files, key, now(), |done, total| {
        let _ = app.emit("board-import-progress", ImportProgress { done, total });
    })
    .await?;
    let count = |o: ImportOutcome| results.iter().filter(|r| r.outcome == Some(o)).count();
    Ok(Some(ImportSummary {
        new: count(ImportOutcome::New),
        replaced: count(ImportOutcome::Replaced),
        duplicate: count(ImportOutcome::Duplicate),
        older: count(ImportOutcome::Older),
        refused: results.iter().filter(|r| r.outcome.is_none()).count(),
        files: results,
    }))
}

/// The packages (and, without a passphrase, the identity file) from the native
/// dialogs; in debug builds under the end-to-end tests only, every package in the
/// folder the test names, because WebDriver cannot reach a native dialog.
fn choose_packages<R: Runtime>(
    app: &AppHandle<R>,
    use_identity: bool,
) -> Option<(Vec<PathBuf>, Option<PathBuf>)> {
    #[cfg(debug_assertions)]
    if let Some(dir) = std::env::var_os("ESCALATE_E2E_IMPORT_DIR") {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "escalate-export"))
            .collect();
        files.sort();
        return Some((files, None));
    }
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
}

/// The monitoring report for the selection, as PDF, where the administrator chooses.
#[tauri::command]
pub async fn board_save_report<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    selection: Selection,
) -> AppResult<Option<SavedFile>> {
    check(&selection)?;
    let pdf = {
        let session = state.session().await;
        let store = session.board()?;
        let records = board::records(store).await?;
        let f = board::figures(
            &selection.apply(&records),
            selection.from,
            selection.to,
            now(),
        );
        let partnership = store.profile().agency.clone();
        board::pdf(&f, &partnership, &partnership, now())?
    };
    let name = format!(
        "monitoring-report-{}-to-{}.pdf",
        selection.from, selection.to
    );
    save(&app, &state, name, "pdf", pdf).await
}
