//! Stage records and their drafts.

use escalate_store::{StageRecordInput, STAGE_RECORD_DRAFT as DRAFT_KIND};
use tauri::State;

use crate::clock::now;
use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command]
pub async fn record_stage(
    state: State<'_, AppState>,
    reference: String,
    record: StageRecordInput,
) -> AppResult<i64> {
    let session = state.session().await;
    // The store removes the form's draft with the record.
    let id = session
        .store()?
        .record_stage(&reference, record, now())
        .await?;
    state.deadlines_changed();
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
    Ok(session.store()?.draft(Some(&reference), DRAFT_KIND).await?)
}
