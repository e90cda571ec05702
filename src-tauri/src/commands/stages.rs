//! Stage records and their drafts.

use escalate_store::StageRecordInput;
use tauri::State;

use crate::clock::now;
use crate::error::AppResult;
use crate::state::AppState;

const DRAFT_KIND: &str = "stage-record";

#[tauri::command]
pub async fn record_stage(
    state: State<'_, AppState>,
    reference: String,
    record: StageRecordInput,
) -> AppResult<i64> {
    let session = state.session().await;
    let store = session.store()?;
    let id = store.record_stage(&reference, record, now()).await?;
    // The record is kept; its draft has done its job.
    store
        .save_draft(Some(&reference), DRAFT_KIND, "", now())
        .await?;
    Ok(id)
}

/// Keep the form as typed so far, in the encrypted store, so a crash or a closed
/// window loses nothing.
#[tauri::command]
pub async fn save_draft(
    state: State<'_, AppState>,
    reference: String,
    body: String,
) -> AppResult<()> {
    let session = state.session().await;
    Ok(session
        .store()?
        .save_draft(Some(&reference), DRAFT_KIND, &body, now())
        .await?)
}

#[tauri::command]
pub async fn load_draft(
    state: State<'_, AppState>,
    reference: String,
) -> AppResult<Option<String>> {
    let session = state.session().await;
    Ok(session
        .store()?
        .draft(Some(&reference), DRAFT_KIND)
        .await?
        .filter(|d| !d.is_empty()))
}
