//! Escalate's use cases: what a lead or a Board administrator can do, each one function
//! with typed arguments, called by both front ends (the `escalate` command line and the
//! desktop app's shell). The front ends parse, call and show; the decisions are here.
//! Time is passed in (`now`), so every use case is reproducible in tests.
//!
//! escalate-store is this layer's repository: the front ends depend on the api alone
//! and name the store's handles through [`store`].

pub mod board;
pub mod cases;
mod checks;
pub mod demo;
pub mod drafts;
pub mod engine;
pub mod error;
pub mod export;
pub mod files;
pub mod keys;
pub mod next;
pub mod present;
pub mod reports;
pub mod session;
pub mod settings;
pub mod trust;

pub use error::{ApiError, ApiResult};

/// What a front end holds or shows of the store: the open store's handle, the secrets
/// and key stores that open it, and the records the use cases give back. The front
/// ends take them from here, so that they depend on the api alone.
pub mod store {
    pub use escalate_store::audit::{AuditReport, Broken};
    pub use escalate_store::{
        AuditAction, AuditEntity, AuditLine, CacheMismatch, CacheReport, DirectoryEntry,
        DirectoryRole, HeldReason, HeldSummary, HolidayImport, ImportOutcome, ImportedNation,
        ImportedPackage, InstalledProtocol, KeyStore, NoKeyring, OsKeyring, Passphrase, Store,
    };
}

/// The process's own hardening (no core dumps, files private to the user), which each
/// front end's `main` applies first.
pub use escalate_store::process;
