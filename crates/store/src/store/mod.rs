//! The repository the CLI and the app share. Each concern has its own file: a store's
//! life (`lifecycle`), the profile and closure days (`profile`), the unit of work on a
//! case (`unit`), the case operations (`cases`), the case log (`log`), reading
//! (`read`), the conversion of stores made before the log (`legacy`), files, keys, the
//! Board's imported packages and desktop alerts; `sql` holds how values are kept.

pub use board::{BoardPackage, ImportOutcome, ImportedPackage, PackageSigner};
pub use cases::{CheckedCase, CheckedRecord};
pub use holidays::{HolidayImport, ImportedNation};
pub use lifecycle::ProtocolFile;
pub use protocols::{check_install, sha256_hex, shipped_protocols, InstalledProtocol};
pub use read::{CacheMismatch, CacheReport, Dashboard, DashboardRow};
pub use trust::{
    AgencyIdentity, DirectoryAdded, DirectoryEntry, DirectoryRevoked, DirectoryRole, HeldPackage,
    HeldReason, HeldSummary, HoldOutcome, PartnershipInstall, PartnershipInstalled,
    ProtocolInstallOutcome, RetiredKey,
};
pub use unit::CaseTx;

mod alerts;
mod board;
mod cases;
mod files;
mod holidays;
mod integrity;
mod keys;
mod legacy;
pub(crate) mod lifecycle;
mod log;
mod profile;
pub(crate) mod protocols;
mod read;
mod rotation;
pub(crate) mod sql;
mod trust;
mod unit;

#[cfg(feature = "bench")]
pub(crate) use legacy::convert as convert_legacy;
pub(crate) use profile::insert_profile;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use escalate_core::{Calendar, CalendarId, HolidayData};
use sqlx::{Row, Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::audit::{self, AuditAction, AuditLine, AuditReport, Change};
use crate::db::{self, DB_FILE};
use crate::error::StoreError;
use crate::fsx;
use crate::key::{new_store_id, DataKey, KdfParams, KeyFile, Passphrase, KEY_FILE};
use crate::keystore::{next_entry, KeyStore};
use crate::lock::{self, DirLock, Purpose, LOCK_FILE};
use crate::validate::{optional_text, required, LONG, NAME, SHORT};
use escalate_core::model::*;
use profile::{check_profile, closure_dates, load_profile};
use sql::{date_in_calendar, in_calendar, json, parse_date, parse_ts, ts};

/// The draft kind of a half-written stage record: recording the stage removes it.
pub const STAGE_RECORD_DRAFT: &str = "stage-record";

/// Largest attachment kept in the store.
pub const ATTACHMENT_LIMIT: u64 = 10 * 1024 * 1024;

/// An open store.
pub struct Store {
    pool: SqlitePool,
    dir: PathBuf,
    store_id: String,
    profile: Profile,
    calendar: Calendar,
    /// The official bank holidays imported into the store, merged; the calendar uses them.
    holidays: Option<HolidayData>,
    /// Things the user should know about the open (e.g. the keyring could not be used).
    pub notices: Vec<String>,
    /// The data folder's lock, shared for the store's lifetime.
    lock: DirLock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("store_id", &self.store_id)
            .finish_non_exhaustive()
    }
}

/// How an open is unlocked.
#[derive(Clone, Copy)]
enum Unlock<'a> {
    /// The OS keyring only.
    Keyring(&'a dyn KeyStore),
    /// The recovery passphrase; the key is then put back in the keyring.
    Passphrase(&'a Passphrase, &'a dyn KeyStore),
    /// The data key itself.
    Key(&'a DataKey),
}

impl Store {
    /// Close the store: every database connection is closed (and with it SQLCipher's
    /// copy of the key) before this returns, the last one alone, so the write-ahead log
    /// is folded into `escalate.db` and the -wal and -shm files are gone (unless
    /// another Escalate has the store open); then the folder's lock is let go.
    pub async fn close(self) {
        db::close_pool(&self.pool).await;
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn store_id(&self) -> &str {
        &self.store_id
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn begin(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Append to the audit trail; `subject` is (entity, id).
    async fn log(
        &self,
        conn: &mut SqliteConnection,
        now: NaiveDateTime,
        action: AuditAction,
        subject: (&str, &str),
        before: Option<String>,
        after: Option<String>,
    ) -> Result<(), StoreError> {
        audit::append(
            conn,
            Change {
                at: &ts(now),
                actor: &self.profile.name,
                action,
                entity: subject.0,
                entity_id: subject.1,
                before,
                after,
            },
        )
        .await
    }
}

/// The desktop app awaits these from Tauri commands, whose futures must be `Send` for
/// any lifetime of their arguments: a compile-time check, since a non-`Send` future
/// here only shows as an error deep in the app's command macros.
#[cfg(test)]
#[allow(dead_code)]
mod send_futures {
    use super::*;

    fn is_send<T: Send>(_: T) {}

    fn checked_case() -> CheckedCase {
        CheckedCase {
            protocol: String::new(),
            opened: NaiveDateTime::MIN,
            opening: escalate_core::Opening::default(),
            child_name: String::new(),
            child_dob: None,
            child_identifiers: String::new(),
            category: String::new(),
            summary: String::new(),
            raising_agency: String::new(),
            raising_sector: escalate_core::Sector::Other,
            raising_professional: None,
            receiving_agency: String::new(),
            receiving_sector: escalate_core::Sector::Other,
            receiving_professional: None,
            immediate_risk: None,
        }
    }

    fn checked_record() -> CheckedRecord {
        CheckedRecord {
            event: escalate_core::RecordSummary {
                record: None,
                discussed_at: NaiveDateTime::MIN,
                resolved: false,
                fields: BTreeSet::new(),
            },
            participants: Vec::new(),
            raising_view: String::new(),
            receiving_view: String::new(),
            summary: String::new(),
            agreed: String::new(),
            extra: Default::default(),
            next_step: String::new(),
            approved_by: None,
            approved_on: None,
        }
    }

    fn partnership() -> PartnershipInstall {
        PartnershipInstall {
            bundle_id: String::new(),
            created_at: NaiveDateTime::MIN,
            board: escalate_trust::Card {
                format: String::new(),
                agency: String::new(),
                sector: String::new(),
                signing_key: String::new(),
                recipient: String::new(),
                created_at: NaiveDateTime::MIN,
                endorsed_by: None,
                signature: String::new(),
            },
            cards: Vec::new(),
            protocols: Vec::new(),
            calendar: None,
        }
    }

    fn futures_are_send<'a>(
        dir: &'a Path,
        pass: &'a Passphrase,
        key: &'a DataKey,
        keys: &'a dyn KeyStore,
        store: &'a mut Store,
        profile: Profile,
    ) {
        is_send(Store::open(dir, None, keys));
        is_send(Store::open(dir, Some(pass), keys));
        is_send(Store::open_with_key(dir, key));
        is_send(Store::create(dir, profile, pass, keys, NaiveDateTime::MIN));
        is_send(crate::backup::restore(dir, dir, pass, keys));
        is_send(store.rotate_key(pass, keys, NaiveDateTime::MIN));
        is_send(store.install_partnership(partnership(), NaiveDateTime::MIN));
        let store = &*store;
        is_send(store.case_file("RPD-2026-0001"));
        is_send(store.check_caches());
        is_send(store.begin_case("RPD-2026-0001"));
        is_send(store.add_case(checked_case(), NaiveDateTime::MIN));
        is_send(store.add_stage_record("RPD-2026-0001", checked_record(), NaiveDateTime::MIN));
        is_send(store.dashboard(CaseFilter::All, None));
        is_send(store.record_alerts(Vec::new(), NaiveDateTime::MIN));
        is_send(store.identity());
        is_send(store.age_identity());
        is_send(store.rotate_signing_key(NaiveDateTime::MIN));
        is_send(store.directory());
        is_send(store.board_anchor());
        is_send(store.directory_add(
            &partnership().board,
            DirectoryRole::Agency,
            NaiveDateTime::MIN,
        ));
        is_send(store.directory_revoke("", NaiveDate::MIN, None, NaiveDateTime::MIN));
        is_send(store.board_hold(&[], NaiveDateTime::MIN));
        is_send(store.board_held());
        is_send(store.board_held_package(1));
        is_send(store.board_accept(1, NaiveDateTime::MIN));
        is_send(async {
            if let Ok(tx) = store.begin_case("RPD-2026-0001").await {
                let _ = tx.commit(NaiveDateTime::MIN).await;
            }
        });
    }
}
