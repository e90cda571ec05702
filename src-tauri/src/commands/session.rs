//! First run, unlock, lock, and the demo store.

use escalate_store::{demo, NoKeyring, OsKeyring, Passphrase, Profile, Store};
use serde::Serialize;
use tauri::State;

use crate::clock::now;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::{AppState, Session, StoreKind};

/// What the UI needs to choose its first screen.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AppStatus {
    /// A lead's store exists in the data folder (so: unlock, not first run).
    pub store_exists: bool,
    /// A Board administrator's store exists beside it.
    pub board_exists: bool,
    pub unlocked: bool,
    /// Which store is open.
    pub kind: Option<StoreKind>,
    /// The open store is the demo store.
    pub demo: bool,
    pub profile: Option<Profile>,
    /// Things the lead should know (e.g. the keyring could not be used).
    pub notices: Vec<String>,
    pub data_dir: String,
}

pub(crate) fn status(state: &AppState, session: &Session) -> AppStatus {
    AppStatus {
        store_exists: state
            .paths
            .main
            .join(escalate_store::key::KEY_FILE)
            .exists(),
        board_exists: state
            .paths
            .board
            .join(escalate_store::key::KEY_FILE)
            .exists(),
        unlocked: session.store.is_some(),
        kind: session.kind,
        demo: session.demo,
        profile: session.store.as_ref().map(|s| s.profile().clone()),
        notices: session
            .store
            .as_ref()
            .map(|s| s.notices.clone())
            .unwrap_or_default(),
        data_dir: state.paths.main.display().to_string(),
    }
}

async fn close(session: &mut Session) {
    if let Some(store) = session.store.take() {
        store.close().await;
    }
    session.demo = false;
    session.kind = None;
    session.saved.clear();
}

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> AppResult<AppStatus> {
    let session = state.session().await;
    Ok(status(&state, &session))
}

/// A fresh recovery passphrase to show once at first run.
#[tauri::command]
pub fn new_passphrase() -> AppResult<String> {
    Ok(Passphrase::generate()?.expose().to_owned())
}

#[tauri::command]
pub async fn create_store(
    state: State<'_, AppState>,
    kind: StoreKind,
    profile: Profile,
    passphrase: String,
    confirm: String,
) -> AppResult<AppStatus> {
    if passphrase != confirm {
        return Err(AppError::field(
            "confirm",
            "does not match the recovery passphrase shown: type it again exactly as you wrote it down",
        ));
    }
    let mut session = state.session().await;
    close(&mut session).await;
    let store = Store::create(
        state.paths.of(kind),
        profile,
        &Passphrase::new(passphrase),
        &OsKeyring::default(),
        now(),
    )
    .await?;
    session.store = Some(store);
    session.kind = Some(kind);
    state.deadlines_changed();
    Ok(status(&state, &session))
}

/// Unlock with the key in the OS keyring (no passphrase) or the recovery passphrase.
#[tauri::command]
pub async fn unlock(
    state: State<'_, AppState>,
    kind: StoreKind,
    passphrase: Option<String>,
) -> AppResult<AppStatus> {
    let mut session = state.session().await;
    close(&mut session).await;
    let pass = passphrase.filter(|p| !p.is_empty()).map(Passphrase::new);
    let store = Store::open(state.paths.of(kind), pass.as_ref(), &OsKeyring::default()).await?;
    session.store = Some(store);
    session.kind = Some(kind);
    state.deadlines_changed();
    Ok(status(&state, &session))
}

/// Close the store and drop its key from memory (auto-lock, or the lead's choice).
#[tauri::command]
pub async fn lock(state: State<'_, AppState>) -> AppResult<AppStatus> {
    let mut session = state.session().await;
    close(&mut session).await;
    Ok(status(&state, &session))
}

/// A new demo store, filled with sample cases dated up to now, opened in place of
/// the lead's own store. It is remade each time so its deadlines stay realistic.
#[tauri::command]
pub async fn open_demo(state: State<'_, AppState>) -> AppResult<AppStatus> {
    let mut session = state.session().await;
    close(&mut session).await;
    let dir = &state.paths.demo;
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| {
            AppError::new(
                ErrorCode::Io,
                format!("{}: could not clear the old demo store: {e}", dir.display()),
            )
        })?;
    }
    let at = now();
    let store = Store::create(
        dir,
        demo::profile(),
        &Passphrase::new(demo::PASSPHRASE),
        &NoKeyring,
        at,
    )
    .await?;
    demo::populate(&store, at).await?;
    // A demo store is meant to ask for no passphrase and live in no keyring.
    let mut store = store;
    store.notices.clear();
    session.store = Some(store);
    session.kind = Some(StoreKind::Lead);
    session.demo = true;
    Ok(status(&state, &session))
}
