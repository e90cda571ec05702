//! The Board administrator's screen: import agencies' packages, see the monitoring
//! figures for a period, agency and protocol, list the cases behind any number, and
//! save the report as PDF.

use escalate_report::board::{self, BoardFigures, CaseLine, Dimension, FileResult, Selection};
use escalate_report::export::Key;
use escalate_store::{BoardPackage, ImportOutcome};
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;
use tauri::{AppHandle, Emitter, Runtime, State};

use tauri_plugin_dialog::DialogExt;

use crate::clock::now;
use crate::commands::reports::{save, SavedFile};
use crate::error::{AppError, AppResult, ErrorCode};
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
    let _running = ImportRunning::claim(&state)?;
    let pass = zeroize::Zeroizing::new(passphrase.unwrap_or_default());
    let use_identity = pass.is_empty();
    let handle = app.clone();
    let picked =
        tauri::async_runtime::spawn_blocking(move || choose_packages(&handle, use_identity))
            .await
            .map_err(|e| {
                AppError::new(ErrorCode::Dialog, format!("the file dialog failed: {e}"))
            })?;
    let Some((files, identity)) = picked else {
        return Ok(None);
    };
    let opener = match identity {
        Some(path) => Opener::Identity(read_identity(&path)?),
        None => Opener::Passphrase(pass),
    };
    import_files(&app, &state, files, opener).await.map(Some)
}

/// What opens the packages, owned so that each can be opened on a blocking thread;
/// zeroed when the import ends.
pub enum Opener {
    /// The text of the Board's identity file (`AGE-SECRET-KEY-1…`).
    Identity(zeroize::Zeroizing<String>),
    /// The passphrase agreed with the agencies.
    Passphrase(zeroize::Zeroizing<String>),
}

impl std::fmt::Debug for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Opener(<redacted>)")
    }
}

impl Opener {
    fn key(&self) -> Key<'_> {
        match self {
            Opener::Identity(text) => Key::Identity(text),
            Opener::Passphrase(p) => Key::Passphrase(p),
        }
    }
}

/// An identity file holds a line or two: a larger file is not one, and reading it
/// whole would let a wrong choice in the dialog fill memory.
const IDENTITY_LIMIT: u64 = 64 * 1024;

fn read_identity(path: &Path) -> AppResult<zeroize::Zeroizing<String>> {
    let refuse = |why: &dyn std::fmt::Display| {
        AppError::new(
            ErrorCode::FieldInvalid,
            format!(
                "{}: {why}: choose the Board's identity file (board.key)",
                path.display()
            ),
        )
        .with_field(Some("identity"))
    };
    let file = std::fs::File::open(path).map_err(|e| refuse(&e))?;
    let mut text = zeroize::Zeroizing::new(String::new());
    file.take(IDENTITY_LIMIT + 1)
        .read_to_string(&mut text)
        .map_err(|e| refuse(&e))?;
    if text.len() as u64 > IDENTITY_LIMIT {
        return Err(refuse(&"it is far larger than an identity file"));
    }
    Ok(text)
}

/// Packages per store transaction. Small, so the session lock is held only briefly and
/// the other screens' commands get their turn between batches.
const BATCH: usize = 25;
/// A batch is also written once it holds this much, so a batch of large (hostile)
/// packages cannot hold 25 times the package limit in memory.
const BATCH_BYTES: usize = 64 * 1024 * 1024;
/// A batch is also written once it is this old, so a slow batch (passphrase packages
/// each cost a key derivation) still shows progress.
const BATCH_AGE: std::time::Duration = std::time::Duration::from_secs(1);

/// Import `files` into the open Board store. Each package is read, decrypted and checked
/// on a blocking thread without the session lock; the checked ones are written in small
/// batches, each one store transaction under the lock, and `board-import-progress` is
/// sent after each batch once the lock is released.
pub async fn import_files<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    files: Vec<PathBuf>,
    opener: Opener,
) -> AppResult<ImportSummary> {
    // Refuse at once, not after decrypting everything, when no Board store is open.
    state.session().await.board()?;
    let total = files.len();
    let opener = std::sync::Arc::new(opener);
    let at = now();
    let progress = |done: usize| {
        let _ = app.emit("board-import-progress", ImportProgress { done, total });
    };
    progress(0);
    let mut results: Vec<FileResult> = Vec::with_capacity(total);
    let mut batch: Vec<(usize, BoardPackage)> = Vec::with_capacity(BATCH);
    let mut bytes = 0;
    let mut started = Instant::now();
    for (i, path) in files.into_iter().enumerate() {
        let opener = opener.clone();
        let name = path.display().to_string();
        let checked = tauri::async_runtime::spawn_blocking(move || check_package(&path, &opener))
            .await
            .map_err(|e| {
                AppError::new(
                    ErrorCode::Io,
                    format!("a package could not be checked: {e}"),
                )
            })?;
        results.push(FileResult {
            file: name,
            outcome: None,
            refused: checked.as_ref().err().cloned(),
        });
        if let Ok(package) = checked {
            if batch.is_empty() {
                started = Instant::now();
                bytes = 0;
            }
            bytes += package.pdf.len() + package.monitoring.len();
            batch.push((i, package));
        }
        let full = batch.len() >= BATCH || bytes >= BATCH_BYTES;
        let old = !batch.is_empty() && started.elapsed() >= BATCH_AGE;
        if full || old || i + 1 == total {
            write_batch(state, &mut batch, &mut results, at, i + 1, total).await?;
            progress(i + 1);
        }
    }
    let count = |o: ImportOutcome| results.iter().filter(|r| r.outcome == Some(o)).count();
    Ok(ImportSummary {
        new: count(ImportOutcome::New),
        replaced: count(ImportOutcome::Replaced),
        duplicate: count(ImportOutcome::Duplicate),
        older: count(ImportOutcome::Older),
        refused: results.iter().filter(|r| r.outcome.is_none()).count(),
        files: results,
    })
}

/// One store transaction for the batch, under the session lock for that long only.
async fn write_batch(
    state: &AppState,
    batch: &mut Vec<(usize, BoardPackage)>,
    results: &mut [FileResult],
    at: chrono::NaiveDateTime,
    done: usize,
    total: usize,
) -> AppResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let session = state.session().await;
    // The administrator may lock the app (or it may lock itself) while packages are
    // being checked: stop, and say what is kept.
    let store = session.board().map_err(|e| {
        let kept = done - batch.len();
        AppError::new(
            e.code,
            format!(
                "the import stopped after {kept} of {total} files because the Board's store was closed ({}): the packages imported so far are kept; unlock and import the same files again (those already kept come back as duplicate)",
                e.message
            ),
        )
    })?;
    let (files, packages): (Vec<usize>, Vec<BoardPackage>) = batch.drain(..).unzip();
    let outcomes = store.board_import(&packages, at).await?;
    drop(session);
    for (i, outcome) in files.into_iter().zip(outcomes) {
        if let Some(r) = results.get_mut(i) {
            r.outcome = Some(outcome);
        }
    }
    Ok(())
}

/// Read one file through a bound, decrypt and check it. `Err`: why it is refused.
/// This is `escalate_report::board::import`'s work for one file, without the store.
fn check_package(path: &Path, opener: &Opener) -> Result<BoardPackage, String> {
    use sha2::{Digest, Sha256};
    // From the metadata first, then through a bound: a FIFO or a device would block or
    // never end, and a huge file would be read only to be refused.
    let bytes = escalate_report::export::read_package_file(path).map_err(|e| e.to_string())?;
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let package = escalate_report::export::open(&bytes, opener.key(), crate::clock::now())
        .map_err(|e| e.to_string())?;
    let monitoring = serde_json::to_string(&package.monitoring).map_err(|e| e.to_string())?;
    Ok(BoardPackage {
        file_name: path.display().to_string(),
        file_sha256: sha,
        source_agency: package.monitoring.exported_by.agency.clone(),
        reference: package.monitoring.reference.clone(),
        exported_at: package.monitoring.exported_at,
        monitoring,
        pdf: package.pdf,
    })
}

/// One import at a time: a second would interleave its batches with the first's.
struct ImportRunning<'a>(&'a AppState);

impl<'a> ImportRunning<'a> {
    fn claim(state: &'a AppState) -> AppResult<ImportRunning<'a>> {
        if state.importing.swap(true, Ordering::AcqRel) {
            return Err(AppError::new(
                ErrorCode::BoardImportRunning,
                "an import is already under way: wait for it to finish, then import more",
            ));
        }
        Ok(ImportRunning(state))
    }
}

impl Drop for ImportRunning<'_> {
    fn drop(&mut self) {
        self.0.importing.store(false, Ordering::Release);
    }
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
