//! Settings: the lead's profile, the agency's closure days (which are not working
//! days), and the audit trail as the settings screen and `escalate audit verify` show
//! it.

use chrono::{NaiveDate, NaiveDateTime};
use escalate_store::{AuditLine, AuditReport, CacheReport, ClosureDay, Profile, Store};
use serde::Serialize;

use crate::ApiResult;

/// Minutes idle before the app locks, for a profile made without saying.
pub const DEFAULT_AUTO_LOCK_MINUTES: u32 = 10;

/// Change the profile; gives it as kept.
pub async fn update_profile(
    store: &mut Store,
    profile: Profile,
    now: NaiveDateTime,
) -> ApiResult<Profile> {
    store.update_profile(profile, now).await?;
    Ok(store.profile().clone())
}

/// The closure days with their notes, oldest first.
pub async fn closure_days(store: &Store) -> ApiResult<Vec<ClosureDay>> {
    Ok(store.closure_days().await?)
}

/// Add a closure day (or change its note); every deadline counts it from now on. Gives
/// the closure days as they now are.
pub async fn add_closure_day(
    store: &mut Store,
    day: NaiveDate,
    note: &str,
    now: NaiveDateTime,
) -> ApiResult<Vec<ClosureDay>> {
    store.add_closure_day(day, note, now).await?;
    closure_days(store).await
}

/// Remove a closure day. Gives the closure days as they now are.
pub async fn remove_closure_day(
    store: &mut Store,
    day: NaiveDate,
    now: NaiveDateTime,
) -> ApiResult<Vec<ClosureDay>> {
    store.remove_closure_day(day, now).await?;
    closure_days(store).await
}

/// The store checked: the audit trail's hash chain from its first entry, and every
/// case's cached state against the replay of its log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verification {
    pub audit: AuditReport,
    pub caches: CacheReport,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.audit.ok() && self.caches.ok()
    }
}

pub async fn verify(store: &Store) -> ApiResult<Verification> {
    Ok(Verification {
        audit: store.verify_audit().await?,
        caches: store.check_caches().await?,
    })
}

/// The audit screen: the checks, and the newest entries.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditView {
    /// The whole chain checked from the first entry.
    pub verification: AuditReport,
    /// Every case's cache checked against its log.
    pub caches: CacheReport,
    /// The newest entries, newest first.
    pub lines: Vec<AuditLine>,
}

/// The audit screen with its `newest` entries.
pub async fn audit_view(store: &Store, newest: u32) -> ApiResult<AuditView> {
    let Verification { audit, caches } = verify(store).await?;
    Ok(AuditView {
        verification: audit,
        caches,
        lines: store.audit_lines(newest).await?,
    })
}
