//! The Board administrator's import of agencies' packages: chosen in the native
//! dialog, decrypted and checked off the session lock, written in small batches, with
//! progress sent to the webview as an event.

use escalate_api::board::{self, Import};
use escalate_api::export;
use escalate_store::Passphrase;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tauri::{AppHandle, Emitter, Runtime};

use crate::clock::now;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::EventSignature;
use crate::state::AppState;

/// The import's tally: escalate-api's, the CLI's too.
pub use escalate_api::board::ImportSummary;
/// What opens the packages: escalate-api's, the CLI's too.
pub use escalate_api::export::Opener;

/// Progress of a large import, sent as the [`IMPORT_PROGRESS`] event.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ImportProgress {
    pub done: usize,
    pub total: usize,
}

pub const IMPORT_PROGRESS: EventSignature = EventSignature {
    name: "board-import-progress",
    doc: " After each batch of a Board import is written (and once before the first).",
    payload: <ImportProgress as ts_rs::TS>::name,
};

/// Choose packages in the native dialog, then open them with the Board's identity
/// file (chosen the same way) or the agreed passphrase. `None`: cancelled.
pub async fn from_dialog<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    passphrase: Option<String>,
) -> AppResult<Option<ImportSummary>> {
    let _running = ImportRunning::claim(state)?;
    let pass = passphrase.filter(|p| !p.is_empty()).map(Passphrase::new);
    let use_identity = pass.is_none();
    let Some((files, identity)) = crate::files::choose_packages(app, use_identity).await? else {
        return Ok(None);
    };
    let identity = identity.map(|p| export::read_identity(&p)).transpose()?;
    let opener = export::opener(identity, pass)?;
    import_files(app, state, files, opener).await.map(Some)
}

/// Packages per store transaction. Small, so the session lock is held only briefly and
/// the other screens' commands get their turn between batches. (A batch is also written
/// once it holds `escalate_api::board::BATCH_BYTES`.)
const BATCH: usize = 25;
/// A batch is also written once it is this old, so a slow batch (passphrase packages
/// each cost a key derivation) still shows progress.
const BATCH_AGE: std::time::Duration = std::time::Duration::from_secs(1);

/// Import `files` into the open Board store. Each package is read, decrypted and checked
/// (escalate-api's `check_file`, as the CLI does) on a blocking thread without the
/// session lock; the checked ones are written in small batches, each one store
/// transaction under the lock, and `board-import-progress` is sent after each batch once
/// the lock is released. The tally is escalate-api's `Import`, the CLI's too.
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
        let _ = app.emit(IMPORT_PROGRESS.name, ImportProgress { done, total });
    };
    progress(0);
    let mut import = Import::new(total);
    let mut started = Instant::now();
    for (i, path) in files.into_iter().enumerate() {
        let opener = opener.clone();
        let name = path.display().to_string();
        let checked = tauri::async_runtime::spawn_blocking(move || {
            board::check_file(&path, opener.key(), at)
        })
        .await
        .map_err(|e| {
            AppError::new(
                ErrorCode::Io,
                format!("a package could not be checked: {e}"),
            )
        })?;
        let was_empty = import.waiting() == 0;
        import.add(name, checked);
        if was_empty && import.waiting() > 0 {
            started = Instant::now();
        }
        let full = import.is_full(BATCH);
        let old = import.waiting() > 0 && started.elapsed() >= BATCH_AGE;
        if full || old || i + 1 == total {
            write_batch(state, &mut import, at, total).await?;
            progress(i + 1);
        }
    }
    Ok(import.summary())
}

/// One store transaction for the batch, under the session lock for that long only.
async fn write_batch(
    state: &AppState,
    import: &mut Import,
    at: chrono::NaiveDateTime,
    total: usize,
) -> AppResult<()> {
    if import.waiting() == 0 {
        return Ok(());
    }
    let session = state.session().await;
    // The administrator may lock the app (or it may lock itself) while packages are
    // being checked: stop, and say what is kept.
    let store = session.board().map_err(|e| {
        let kept = import.done() - import.waiting();
        AppError::new(
            e.code,
            format!(
                "the import stopped after {kept} of {total} files because the Board's store was closed ({}): the packages imported so far are kept; unlock and import the same files again (those already kept come back as duplicate)",
                e.message
            ),
        )
    })?;
    import.write(store, at).await?;
    drop(session);
    Ok(())
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
