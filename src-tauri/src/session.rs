//! What is open: first run, unlock, lock and the demo store (each escalate-api's
//! `session`, the CLI's too), and the status the UI chooses its first screen by.

use escalate_api::session;
use escalate_api::store::{OsKeyring, Passphrase, Store};
use escalate_core::model::Profile;
use serde::Serialize;

use crate::clock::now;
use crate::error::AppResult;
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

pub async fn status(state: &AppState) -> AppStatus {
    status_of(state, &*state.session().await)
}

fn status_of(state: &AppState, session: &Session) -> AppStatus {
    let exists = |kind| session::exists(state.paths.of(kind));
    AppStatus {
        store_exists: exists(StoreKind::Lead),
        board_exists: exists(StoreKind::Board),
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
        session::close(store).await;
    }
    session.demo = false;
    session.kind = None;
    session.saved.clear();
    session.pending = None;
}

/// Close whatever is open, then open what `open` makes in its place.
async fn replace<F>(state: &AppState, kind: StoreKind, demo: bool, open: F) -> AppResult<AppStatus>
where
    F: std::future::Future<Output = AppResult<Store>>,
{
    let mut session = state.session().await;
    close(&mut session).await;
    session.store = Some(open.await?);
    session.kind = Some(kind);
    session.demo = demo;
    // The demo store's made-up deadlines are not the lead's to be told about.
    if !demo {
        state.deadlines_changed();
    }
    Ok(status_of(state, &session))
}

/// A new store of `kind`, its key in the OS keyring and under the recovery passphrase.
pub async fn create(
    state: &AppState,
    kind: StoreKind,
    profile: Profile,
    passphrase: String,
    confirm: String,
) -> AppResult<AppStatus> {
    let dir = state.paths.of(kind);
    let pass = Passphrase::new(passphrase);
    let keys = OsKeyring::default();
    let made = session::create(dir, profile, &pass, Some(&confirm), &keys, now());
    replace(state, kind, false, made).await
}

/// Unlock with the key in the OS keyring (no passphrase) or the recovery passphrase.
pub async fn unlock(
    state: &AppState,
    kind: StoreKind,
    passphrase: Option<String>,
) -> AppResult<AppStatus> {
    let dir = state.paths.of(kind);
    let keys = OsKeyring::default();
    let opened = session::unlock(dir, passphrase.as_deref(), &keys);
    replace(state, kind, false, opened).await
}

/// Close the store and drop its key from memory (auto-lock, or the lead's choice).
pub async fn lock(state: &AppState) -> AppStatus {
    let mut session = state.session().await;
    close(&mut session).await;
    status_of(state, &session)
}

/// A new demo store, filled with sample cases dated up to now, opened in place of
/// the lead's own store. It is remade each time so its deadlines stay realistic.
pub async fn open_demo(state: &AppState) -> AppResult<AppStatus> {
    let made = session::open_demo(&state.paths.demo, now());
    replace(state, StoreKind::Lead, true, made).await
}
