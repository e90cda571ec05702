//! The app's state: where the data lives and the open store, reached from commands
//! through one typed handle.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use escalate_api::store::Store;
use tauri::{Manager, Runtime, State};
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard, Notify};

use crate::error::{AppError, AppResult, ErrorCode};

/// The lead's data folder and, beside it, the demo store's and the Board
/// administrator's.
#[derive(Debug, Clone)]
pub struct DataPaths {
    pub main: PathBuf,
    pub demo: PathBuf,
    pub board: PathBuf,
}

/// Which store a command means: the lead's cases, or the Board administrator's
/// imported packages (a separate store, as the CLI keeps it in its own data folder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    Lead,
    Board,
}

impl DataPaths {
    /// `ESCALATE_DATA_DIR` (as the CLI reads it) or the OS data folder.
    pub fn resolve() -> AppResult<DataPaths> {
        let given = std::env::var_os("ESCALATE_DATA_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from);
        let main = escalate_api::session::data_dir(given.as_deref())?;
        Ok(DataPaths::beside(&main))
    }

    pub fn beside(main: &Path) -> DataPaths {
        let sibling = |suffix: &str| {
            let mut p = main.as_os_str().to_owned();
            p.push(suffix);
            PathBuf::from(p)
        };
        DataPaths {
            main: main.to_owned(),
            demo: sibling("-demo"),
            board: sibling("-board"),
        }
    }

    pub fn of(&self, kind: StoreKind) -> &Path {
        match kind {
            StoreKind::Lead => &self.main,
            StoreKind::Board => &self.board,
        }
    }
}

/// What is open now.
#[derive(Debug, Default)]
pub struct Session {
    pub store: Option<Store>,
    /// Which store is open.
    pub kind: Option<StoreKind>,
    /// The open store is the demo store.
    pub demo: bool,
    /// Files the lead saved through the native dialog this session; the UI names them
    /// by index, so it never hands the shell a path.
    pub saved: Vec<PathBuf>,
    /// A bundle or card shown to the person and not yet confirmed (partnership.rs).
    pub pending: Option<crate::partnership::Pending>,
}

impl Session {
    /// The lead's (or the demo) store: cases and stage records.
    pub fn store(&self) -> AppResult<&Store> {
        self.check(StoreKind::Lead)?;
        self.store.as_ref().ok_or_else(crate::error::locked)
    }

    /// The Board administrator's store: imported packages.
    pub fn board(&self) -> AppResult<&Store> {
        self.check(StoreKind::Board)?;
        self.store.as_ref().ok_or_else(crate::error::locked)
    }

    fn check(&self, want: StoreKind) -> AppResult<()> {
        match self.kind {
            Some(k) if k != want => Err(AppError::new(
                ErrorCode::StoreWrongKind,
                match want {
                    StoreKind::Lead => "the Board administrator's store is open: cases are in a lead's store",
                    StoreKind::Board => "a lead's store is open: open the Board administrator's store for the monitoring report",
                },
            )),
            _ => Ok(()),
        }
    }
}

#[derive(Debug)]
pub struct AppState {
    pub paths: DataPaths,
    pub session: Mutex<Session>,
    /// Wakes the deadline watch early: once a store opens or a case changes, a
    /// deadline already due should be heard about now, not at the next minute's check.
    deadlines_changed: Notify,
    /// A Board import is under way (one at a time).
    pub(crate) importing: AtomicBool,
}

impl AppState {
    pub fn new(paths: DataPaths) -> AppState {
        AppState {
            paths,
            session: Mutex::new(Session::default()),
            deadlines_changed: Notify::new(),
            importing: AtomicBool::new(false),
        }
    }

    pub async fn session(&self) -> MutexGuard<'_, Session> {
        self.session.lock().await
    }

    /// The lead's (or the demo) store, held for one command: the session stays locked
    /// until the guard drops.
    pub async fn lead(&self) -> AppResult<MappedMutexGuard<'_, Store>> {
        self.open(StoreKind::Lead).await
    }

    /// The Board administrator's store, held like [`AppState::lead`].
    pub async fn board(&self) -> AppResult<MappedMutexGuard<'_, Store>> {
        self.open(StoreKind::Board).await
    }

    /// Whichever store is open, lead's or Board's: both have a card and a directory.
    pub async fn either(&self) -> AppResult<MappedMutexGuard<'_, Store>> {
        let session = self.session().await;
        MutexGuard::try_map(session, |s| s.store.as_mut()).map_err(|_| crate::error::locked())
    }

    async fn open(&self, kind: StoreKind) -> AppResult<MappedMutexGuard<'_, Store>> {
        let session = self.session().await;
        session.check(kind)?;
        MutexGuard::try_map(session, |s| s.store.as_mut()).map_err(|_| crate::error::locked())
    }

    /// Ask the deadline watch to look again now.
    pub fn deadlines_changed(&self) {
        // One stored permit is enough: the watch reads every open case when it wakes.
        self.deadlines_changed.notify_one();
    }

    /// The next time a store opens or a case changes.
    pub async fn deadlines_change(&self) {
        self.deadlines_changed.notified().await;
    }
}

/// The typed handle: `app.escalate()` from anything that can reach the app.
pub trait EscalateExt<R: Runtime> {
    fn escalate(&self) -> State<'_, AppState>;
}

impl<R: Runtime, M: Manager<R>> EscalateExt<R> for M {
    fn escalate(&self) -> State<'_, AppState> {
        self.state::<AppState>()
    }
}
