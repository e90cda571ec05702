//! Drafts: a half-written stage record kept in the encrypted store as it is typed, so a
//! crash or a closed window loses nothing. Recording the stage removes it.

use chrono::NaiveDateTime;
use escalate_store::{Store, STAGE_RECORD_DRAFT};

use crate::ApiResult;

/// Keep the stage record form of case `reference` as typed so far (one draft a case).
pub async fn save(store: &Store, reference: &str, body: &str, now: NaiveDateTime) -> ApiResult<()> {
    Ok(store
        .save_draft(Some(reference), STAGE_RECORD_DRAFT, body, now)
        .await?)
}

/// The stage record form of case `reference` as last kept, if there is one.
pub async fn load(store: &Store, reference: &str) -> ApiResult<Option<String>> {
    Ok(store.draft(Some(reference), STAGE_RECORD_DRAFT).await?)
}
