//! The dashboard, a case, and the moves a lead makes on it.

use chrono::NaiveDateTime;
use escalate_core::Protocol;
use escalate_store::{CaseDetail, CaseFilter, CaseListItem, ChronologyEntry, NewCase};
use tauri::State;

use crate::clock::now;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;

#[tauri::command]
pub async fn list_cases(
    state: State<'_, AppState>,
    include_closed: bool,
    search: Option<String>,
) -> AppResult<Vec<CaseListItem>> {
    let session = state.session().await;
    let filter = if include_closed {
        CaseFilter::All
    } else {
        CaseFilter::Open
    };
    let search = search.filter(|s| !s.trim().is_empty());
    Ok(session
        .store()?
        .list_cases(filter, search.as_deref(), now())
        .await?)
}

#[tauri::command]
pub async fn case_detail(state: State<'_, AppState>, reference: String) -> AppResult<CaseDetail> {
    let session = state.session().await;
    escalate_api::cases::detail(session.store()?, &reference, now()).await
}

#[tauri::command]
pub async fn chronology(
    state: State<'_, AppState>,
    reference: String,
) -> AppResult<Vec<ChronologyEntry>> {
    let session = state.session().await;
    escalate_api::cases::chronology(session.store()?, &reference, now()).await
}

/// The shipped protocols, for intake (scope questions, stages) and the case screen.
#[tauri::command]
pub fn protocols() -> AppResult<Vec<Protocol>> {
    escalate_core::builtin_protocols()
        .map(|all| all.to_vec())
        .map_err(|e| AppError::new(ErrorCode::ProtocolInvalid, e.to_string()))
}

/// A protocol record field and its label, in the protocols' words.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct FieldLabel {
    pub field: escalate_core::protocol::RecordField,
    pub label: String,
}

#[tauri::command]
pub fn record_fields() -> Vec<FieldLabel> {
    escalate_core::protocol::RecordField::ALL
        .into_iter()
        .map(|field| FieldLabel {
            field,
            label: field.label().to_owned(),
        })
        .collect()
}

#[tauri::command]
pub async fn create_case(state: State<'_, AppState>, case: NewCase) -> AppResult<String> {
    let session = state.session().await;
    let reference = session.store()?.create_case(case, now()).await?;
    state.deadlines_changed();
    Ok(reference)
}

#[tauri::command]
pub async fn escalate_case(
    state: State<'_, AppState>,
    reference: String,
    reason: Option<String>,
) -> AppResult<u8> {
    let session = state.session().await;
    let reason = reason.filter(|r| !r.trim().is_empty());
    let stage = session
        .store()?
        .escalate(&reference, None, reason.as_deref(), now())
        .await?;
    state.deadlines_changed();
    Ok(stage)
}

#[tauri::command]
pub async fn resolve_case(
    state: State<'_, AppState>,
    reference: String,
    outcome: String,
) -> AppResult<()> {
    let session = state.session().await;
    Ok(session
        .store()?
        .resolve(&reference, &outcome, now())
        .await?)
}

#[tauri::command]
pub async fn withdraw_case(
    state: State<'_, AppState>,
    reference: String,
    reason: String,
) -> AppResult<()> {
    let session = state.session().await;
    Ok(session
        .store()?
        .withdraw(&reference, &reason, now())
        .await?)
}

/// Mark a notification the protocol requires as sent, with when.
#[tauri::command]
pub async fn mark_sent(
    state: State<'_, AppState>,
    reference: String,
    stage: Option<u8>,
    notification: String,
    sent_at: NaiveDateTime,
    note: String,
) -> AppResult<()> {
    let session = state.session().await;
    Ok(session
        .store()?
        .mark_sent(&reference, stage, &notification, sent_at, &note, now())
        .await?)
}
