//! The Board administrator's import of agencies' packages: chosen in the native
//! dialog, then escalate-api's import loop, with packages decrypted and checked off the
//! session lock, written in small batches, and progress sent to the webview as an event.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::NaiveDateTime;
use escalate_api::board::{self, BoardTrust, Import, ImportHost, Pace, Sorted};
use escalate_api::export;
use escalate_api::store::Passphrase;
use serde::Serialize;
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

/// Choose packages in the native dialog and open them with the Board store's own key;
/// with `identity_file` (and no passphrase), also with an identity file chosen the same
/// way (packages sealed to a key made before the store had its own), or with the
/// passphrase agreed with agencies. `None`: cancelled.
pub async fn from_dialog<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    passphrase: Option<String>,
    identity_file: bool,
) -> AppResult<Option<ImportSummary>> {
    let _running = ImportRunning::claim(state)?;
    let pass = passphrase.filter(|p| !p.is_empty()).map(Passphrase::new);
    let use_identity = identity_file && pass.is_none();
    let Some((files, identity)) = crate::files::choose_packages(app, use_identity).await? else {
        return Ok(None);
    };
    let extra = match (
        identity.map(|p| export::read_identity(&p)).transpose()?,
        pass,
    ) {
        (Some(text), _) => Some(Opener::Identity(text)),
        (None, Some(p)) => Some(Opener::Passphrase(p)),
        (None, None) => None,
    };
    import_files(app, state, files, extra).await.map(Some)
}

/// Import `files` into the open Board store: escalate-api's one import loop (the
/// CLI's too) at its shared pace, the packages opened with the store's own key (and
/// `extra`, where given) and sorted against its directory as it was when the import
/// began. Each package is read, decrypted and checked on a blocking thread without
/// the session lock; the checked ones are written in small batches, each one store
/// transaction under the lock, and `board-import-progress` is sent after each batch
/// once the lock is released.
pub async fn import_files<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    files: Vec<PathBuf>,
    extra: Option<Opener>,
) -> AppResult<ImportSummary> {
    // Refused at once, not after decrypting everything, when no Board store is open.
    let (opener, trust) = board::opener_for(&*state.board().await?, extra).await?;
    let mut host = Shared {
        app,
        state,
        keys: Arc::new((opener, trust)),
    };
    host.progress(0, files.len());
    board::run_import(&mut host, files, Pace::SHARED, now()).await
}

/// The app's side of an import: the session's Board store, lent batch by batch.
struct Shared<'a, R: Runtime> {
    app: &'a AppHandle<R>,
    state: &'a AppState,
    /// What opens the packages, and what the Board trusts.
    keys: Arc<(Opener, BoardTrust)>,
}

impl<R: Runtime> ImportHost for Shared<'_, R> {
    fn check(
        &self,
        path: PathBuf,
        at: NaiveDateTime,
    ) -> impl Future<Output = AppResult<Result<Sorted, String>>> + Send {
        let keys = self.keys.clone();
        async move {
            tauri::async_runtime::spawn_blocking(move || {
                let (opener, trust) = &*keys;
                board::check_file(&path, opener.key(), trust, at)
            })
            .await
            .map_err(|e| {
                AppError::new(
                    ErrorCode::Io,
                    format!("a package could not be checked: {e}"),
                )
            })
        }
    }

    fn write(
        &self,
        import: &mut Import,
        at: NaiveDateTime,
    ) -> impl Future<Output = AppResult<()>> + Send {
        write_batch(self.state, import, at)
    }

    fn progress(&mut self, done: usize, total: usize) {
        let _ = self
            .app
            .emit(IMPORT_PROGRESS.name, ImportProgress { done, total });
    }
}

/// One store transaction for the batch, under the session lock for that long only.
async fn write_batch(state: &AppState, import: &mut Import, at: NaiveDateTime) -> AppResult<()> {
    let session = state.session().await;
    // The administrator may lock the app (or it may lock itself) while packages are
    // being checked: stop, and say what is kept.
    let store = session.board().map_err(|e| {
        let kept = import.done() - import.waiting();
        AppError::new(
            e.code,
            format!(
                "the import stopped after {kept} of {} files because the Board's store was closed ({}): the packages imported so far are kept; unlock and import the same files again (those already kept come back as duplicate)",
                import.total(),
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
