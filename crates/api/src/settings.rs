//! Settings: the lead's profile, the agency's closure days (which are not working
//! days), the protocols installed in the store (install a file, remove one no case
//! uses, list each version with how many cases use it), the official bank holidays
//! imported into the store and how far ahead they are confirmed, and the audit trail
//! as the settings screen and `escalate audit verify` show it.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use escalate_core::CalendarId;
use escalate_store::{
    AuditLine, AuditReport, CacheReport, ClosureDay, HolidayImport, InstalledProtocol, Profile,
    Store,
};
use serde::Serialize;

use crate::files::{self, HOLIDAY_FILE, PROTOCOL_FILE};
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

/// Every installed version of every protocol, with how many cases use each.
pub async fn protocols(store: &Store) -> ApiResult<Vec<InstalledProtocol>> {
    Ok(store.installed_protocols().await?)
}

/// Install a protocol file (read through its 1 MiB bound): checked whole first, every
/// problem as `file:line: field: message` (code `protocol.invalid`), nothing installed
/// on error; then kept whole with its hash and audited. It becomes the version new
/// cases of its id are opened under; open cases keep theirs.
pub async fn install_protocol(
    store: &Store,
    path: &Path,
    now: NaiveDateTime,
) -> ApiResult<InstalledProtocol> {
    let text = files::read_text(path, &PROTOCOL_FILE)?;
    Ok(store
        .install_protocol(&path.display().to_string(), &text, now)
        .await?)
}

/// [`install_protocol`], where a file whose id Escalate ships, with another text, is
/// installed only with `replace_shipped` (refused naming `replace_shipped` without
/// it, saying what it does): it becomes the version new cases of the id use; the
/// shipped version stays installed and [`make_protocol_current`] makes it current again.
pub async fn install_protocol_replacing(
    store: &Store,
    path: &Path,
    replace_shipped: bool,
    now: NaiveDateTime,
) -> ApiResult<InstalledProtocol> {
    let text = files::read_text(path, &PROTOCOL_FILE)?;
    Ok(store
        .install_protocol_replacing(&path.display().to_string(), &text, replace_shipped, now)
        .await?)
}

/// Make an installed version of protocol `id` (by version or the start of its SHA-256)
/// the one new cases of `id` use; open cases keep theirs. Audited. Refused naming
/// `version` where there is no such version, or it is current already.
pub async fn make_protocol_current(
    store: &Store,
    id: &str,
    version: &str,
    now: NaiveDateTime,
) -> ApiResult<InstalledProtocol> {
    Ok(store.make_protocol_current(id, version, now).await?)
}

/// Remove one installed version of protocol `id` that nothing uses: refused naming
/// `version` for a shipped version, one a case uses, or the current one while the
/// profile names `id` or other versions remain. Gives the version removed.
pub async fn remove_protocol_version(
    store: &Store,
    id: &str,
    version: &str,
    now: NaiveDateTime,
) -> ApiResult<InstalledProtocol> {
    Ok(store.remove_protocol_version(id, version, now).await?)
}

/// Remove an installed protocol no case uses (every version of it). Refused for the
/// shipped ones (`protocol.shipped`), while a case uses it or the profile names it
/// (`protocol.in_use`). Gives the versions removed.
pub async fn remove_protocol(
    store: &Store,
    id: &str,
    now: NaiveDateTime,
) -> ApiResult<Vec<InstalledProtocol>> {
    Ok(store.remove_protocol(id, now).await?)
}

/// How far ahead official bank-holiday data confirms the store's calendar, and the
/// files imported into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalendarCoverage {
    pub calendar: CalendarId,
    /// The last day official data (shipped or imported) covers.
    pub confirmed_until: Option<NaiveDate>,
    /// Official data covers the twelve months from today. When it does not, a front
    /// end warns, gently, and offers to import GOV.UK's latest `bank-holidays.json`.
    pub next_twelve_months_confirmed: bool,
    /// The bank-holiday files imported, oldest first.
    pub imports: Vec<HolidayImport>,
    /// The file just given was imported before (the same SHA-256), so nothing changed.
    pub already_imported: bool,
}

/// The store's calendar coverage as of `today`.
pub async fn calendar_coverage(store: &Store, today: NaiveDate) -> ApiResult<CalendarCoverage> {
    let calendar = store.calendar();
    Ok(CalendarCoverage {
        calendar: calendar.id(),
        confirmed_until: calendar.confirmed_until(),
        next_twelve_months_confirmed: calendar.next_twelve_months_confirmed(today),
        imports: store.holiday_imports().await?,
        already_imported: false,
    })
}

/// The days that are not working days in `year` as the store counts them: the bank
/// holidays (imported, shipped or projected) and the closure days given. A year outside
/// the calendar is refused naming `year`.
pub fn holidays(
    store: &Store,
    id: CalendarId,
    year: i32,
    closure_days: &[NaiveDate],
) -> ApiResult<Vec<escalate_core::Holiday>> {
    crate::engine::holidays_with(id, year, closure_days, store.holiday_data())
}

/// How far ahead official data (shipped, or imported into the store) confirms `id`'s
/// bank holidays, for `year` and for the twelve months from `today`.
pub fn coverage(
    store: &Store,
    id: CalendarId,
    year: i32,
    today: NaiveDate,
) -> ApiResult<crate::engine::Coverage> {
    let calendar = crate::engine::calendar_with(id, &[], store.holiday_data())?;
    Ok(crate::engine::coverage_of(&calendar, year, today))
}

/// Import an official bank-holiday file in GOV.UK's format (`bank-holidays.json`, read
/// through its 1 MiB bound) into the store: for every year it lists a nation's bank
/// holidays, its list replaces the shipped one and the rules, for every deadline the
/// store counts from now on. A malformed file is refused with `file:line: field:
/// message` (code `calendar.file_invalid`), and nothing changes. A file imported
/// before changes nothing either (`already_imported`). Gives the coverage as it now is.
pub async fn import_holidays(
    store: &mut Store,
    path: &Path,
    now: NaiveDateTime,
) -> ApiResult<CalendarCoverage> {
    let text = files::read_text(path, &HOLIDAY_FILE)?;
    let before = store.holiday_imports().await?.len();
    store
        .import_holidays(&path.display().to_string(), &text, now)
        .await?;
    let mut coverage = calendar_coverage(store, now.date()).await?;
    coverage.already_imported = coverage.imports.len() == before;
    Ok(coverage)
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
