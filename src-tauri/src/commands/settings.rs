//! Profile, closure days, auto-lock, and the audit trail.

use chrono::NaiveDate;
use escalate_store::{AuditLine, AuditReport, ClosureDay, Profile};
use serde::Serialize;
use tauri::State;

use crate::clock::now;
use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command]
pub async fn update_profile(state: State<'_, AppState>, profile: Profile) -> AppResult<Profile> {
    let mut session = state.session().await;
    let store = session.store_mut()?;
    store.update_profile(profile, now()).await?;
    Ok(store.profile().clone())
}

#[tauri::command]
pub async fn closure_days(state: State<'_, AppState>) -> AppResult<Vec<ClosureDay>> {
    let session = state.session().await;
    Ok(session.store()?.closure_days().await?)
}

#[tauri::command]
pub async fn add_closure_day(
    state: State<'_, AppState>,
    day: NaiveDate,
    note: String,
) -> AppResult<Vec<ClosureDay>> {
    let mut session = state.session().await;
    let store = session.store_mut()?;
    store.add_closure_day(day, &note, now()).await?;
    let days = store.closure_days().await?;
    state.deadlines_changed();
    Ok(days)
}

#[tauri::command]
pub async fn remove_closure_day(
    state: State<'_, AppState>,
    day: NaiveDate,
) -> AppResult<Vec<ClosureDay>> {
    let mut session = state.session().await;
    let store = session.store_mut()?;
    store.remove_closure_day(day, now()).await?;
    let days = store.closure_days().await?;
    state.deadlines_changed();
    Ok(days)
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AuditView {
    /// The whole chain checked from the first entry.
    pub verification: AuditReport,
    /// The newest entries, newest first.
    pub lines: Vec<AuditLine>,
}

#[tauri::command]
pub async fn audit_trail(state: State<'_, AppState>) -> AppResult<AuditView> {
    let session = state.session().await;
    let store = session.store()?;
    Ok(AuditView {
        verification: store.verify_audit().await?,
        lines: store.audit_lines(200).await?,
    })
}
