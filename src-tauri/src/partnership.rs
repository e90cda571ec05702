//! Trust between parties, in the app: a partnership bundle or an agency's card is
//! chosen in the native open dialog and previewed (with the fingerprint to compare over
//! the phone); the shell keeps what was previewed until the person confirms, so what is
//! installed or added is exactly what they saw, and the webview never names a path.
//! Every decision is escalate-api's.

use std::path::Path;

use escalate_api::store::DirectoryEntry;
use escalate_api::trust::{self, BundleInstalled, BundlePreview, CardPreview, DirectoryChange};
use tauri::{AppHandle, Runtime};

use crate::clock::now;
use crate::error::{AppError, AppResult};
use crate::files::{self, Choice, SavedFile};
use crate::state::AppState;

/// What the person was shown and has not yet confirmed.
#[derive(Debug)]
pub enum Pending {
    /// A bundle read from its file, with the Board's card text the first time (the key
    /// the bundle is checked against), and the Board's fingerprint shown.
    Bundle {
        bytes: Vec<u8>,
        board_card: Option<String>,
        fingerprint: String,
    },
    /// An agency's card text, and the fingerprint shown.
    Card { text: String, fingerprint: String },
}

fn read_card_text(path: &Path) -> AppResult<String> {
    escalate_api::files::read_text(path, &trust::CARD_FILE).map_err(|e| e.with_field(Some("card")))
}

/// The refusal when the confirmation does not match what is kept: another window chose
/// another file since, or nothing was chosen.
fn not_previewed(what: &str) -> AppError {
    AppError::field(
        "fingerprint",
        format!("it is not the one of the {what} last shown: choose the file again and compare its fingerprint"),
    )
}

/// Choose a bundle (and, when this store trusts no Board yet, the Board's card) and say
/// what it holds, changing nothing. `None`: a dialog was cancelled.
pub async fn choose_bundle<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
) -> AppResult<Option<BundlePreview>> {
    // Refused before any dialog opens when no lead's store is open.
    drop(state.lead().await?);
    let Some(path) = files::choose(app, Choice::Bundle).await? else {
        return Ok(None);
    };
    let bytes = trust::read_bundle(&path)?;
    // The store is not held while a dialog is open: other commands keep their turn.
    let trusted = trust::board(&*state.lead().await?).await?;
    let board_card = if trusted.is_none() {
        let Some(card) = files::choose(app, Choice::BoardCard).await? else {
            return Ok(None);
        };
        Some(read_card_text(&card)?)
    } else {
        None
    };
    let given = board_card.as_deref().map(trust::parse_card).transpose()?;
    let preview = trust::bundle_preview(&*state.lead().await?, &bytes, given.as_ref()).await?;
    state.session().await.pending = Some(Pending::Bundle {
        bytes,
        board_card,
        fingerprint: preview.board.fingerprint.clone(),
    });
    Ok(Some(preview))
}

/// Install the bundle last previewed, once the lead has compared `fingerprint`.
pub async fn install_bundle(state: &AppState, fingerprint: &str) -> AppResult<BundleInstalled> {
    let pending = state.session().await.pending.take();
    let Some(Pending::Bundle {
        bytes,
        board_card,
        fingerprint: shown,
    }) = pending
    else {
        return Err(not_previewed("bundle"));
    };
    if shown != fingerprint {
        return Err(not_previewed("bundle"));
    }
    let given = board_card.as_deref().map(trust::parse_card).transpose()?;
    let installed =
        trust::install_bundle(&mut *state.lead().await?, &bytes, given.as_ref(), now()).await?;
    // Its bank holidays and protocols may move open cases' deadlines.
    state.deadlines_changed();
    Ok(installed)
}

/// Choose an agency's card and show it, changing nothing. `None`: cancelled.
pub async fn choose_card<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
) -> AppResult<Option<CardPreview>> {
    drop(state.either().await?);
    let Some(path) = files::choose(app, Choice::Card).await? else {
        return Ok(None);
    };
    let text = read_card_text(&path)?;
    let preview = trust::preview(&trust::parse_card(&text)?)?;
    state.session().await.pending = Some(Pending::Card {
        text,
        fingerprint: preview.fingerprint.clone(),
    });
    Ok(Some(preview))
}

/// Trust the card last previewed, once its fingerprint has been compared.
pub async fn add_card(state: &AppState, fingerprint: &str) -> AppResult<DirectoryChange> {
    let pending = state.session().await.pending.take();
    let Some(Pending::Card {
        text,
        fingerprint: shown,
    }) = pending
    else {
        return Err(not_previewed("card"));
    };
    if shown != fingerprint {
        return Err(not_previewed("card"));
    }
    let card = trust::parse_card(&text)?;
    trust::add(&*state.either().await?, &card, now()).await
}

/// Stop trusting an agency's keys from `from`; answers the directory as it now is.
pub async fn revoke(
    state: &AppState,
    agency: &str,
    from: chrono::NaiveDate,
) -> AppResult<Vec<DirectoryEntry>> {
    let store = state.either().await?;
    trust::revoke(&store, agency, from, None, now()).await?;
    trust::directory(&store).await
}

/// This store's card, saved where the person chooses as `<agency>-card.json`.
pub async fn export_card<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
) -> AppResult<Option<SavedFile>> {
    let card = trust::card(&*state.either().await?).await?;
    let name = format!("{}.json", files::file_stem(&card.agency, "card"));
    files::save(app, state, name, card.json.into_bytes()).await
}
