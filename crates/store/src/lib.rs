//! Escalate's encrypted local store.
//!
//! A SQLCipher database (`escalate.db`) and a passphrase-wrapped key (`key.json`) in
//! one data folder. The data key lives in the OS keyring for daily use. Every change
//! goes through the engine's state machine first, is written in one transaction and
//! appends to a hash-chained audit trail, which is also each case's log of events: a
//! case's state is the replay of its log. See docs/data-model.md and
//! docs/threat-model.md.

pub mod audit;
pub mod backup;
pub mod db;
pub mod error;
mod fsx;
pub mod key;
pub mod keystore;
pub mod lock;
pub mod process;
mod store;
mod validate;

pub use audit::{AuditAction, AuditEntity, AuditLine, AuditReport};
pub use error::StoreError;
/// The data types live in escalate-core (the forms read them without the store); they
/// are re-exported here so a store's caller names them from one place.
pub use escalate_core::model::*;
/// One case as one load gives it (`Store::case_file`).
pub use escalate_core::{CaseFile, CaseText, LoggedEvent};
pub use key::{DataKey, KdfParams, KeyFile, Passphrase};
pub use keystore::{KeyStore, NoKeyring, OsKeyring};
pub use store::{
    check_install, sha256_hex, shipped_protocols, AgencyIdentity, BoardPackage, CacheMismatch,
    CacheReport, CaseTx, CheckedCase, CheckedRecord, Dashboard, DashboardRow, DirectoryAdded,
    DirectoryEntry, DirectoryRevoked, DirectoryRole, HeldPackage, HeldReason, HeldSummary,
    HoldOutcome, HolidayImport, ImportOutcome, ImportedNation, ImportedPackage, InstalledProtocol,
    PackageSigner, PartnershipInstall, PartnershipInstalled, ProtocolFile, ProtocolInstallOutcome,
    RetiredKey, Store, ATTACHMENT_LIMIT, STAGE_RECORD_DRAFT,
};

/// Benchmark helpers: bulk seeding and a plaintext store to compare against. Only
/// built with the `bench` feature, so no shipped binary can open a store unencrypted.
#[cfg(feature = "bench")]
#[doc(hidden)]
pub mod bench_support;
