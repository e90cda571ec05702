//! Cases: one case in full, its chronology, and the check that every case's cached
//! state is the replay of its log. Each reads the case's file from the store once.

use chrono::NaiveDateTime;
use escalate_core::model::{CaseDetail, ChronologyEntry};
use escalate_store::{CacheReport, Store};

use crate::present;
use crate::ApiResult;

/// Everything about one case, with the engine's answer at `now`.
pub async fn detail(store: &Store, reference: &str, now: NaiveDateTime) -> ApiResult<CaseDetail> {
    let file = store.case_file(reference).await?;
    present::case_detail(&file, store.calendar(), now)
}

/// Every event of a case and every deadline still to come, in date order.
pub async fn chronology(
    store: &Store,
    reference: &str,
    now: NaiveDateTime,
) -> ApiResult<Vec<ChronologyEntry>> {
    let file = store.case_file(reference).await?;
    present::chronology(&file, store.calendar(), now)
}

/// Replay every case's log and compare it with the dashboard's cache and the stage
/// records kept beside it (`escalate audit verify` reports it).
pub async fn check_caches(store: &Store) -> ApiResult<CacheReport> {
    Ok(store.check_caches().await?)
}
