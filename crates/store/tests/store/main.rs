//! escalate-store's integration tests, on real SQLCipher files on disk.
//!
//! Needs what `make test` sets up: a Secret Service keyring on a D-Bus session
//! (`scripts/with-keyring`) and Python's `sqlcipher3` module (an independent SQLCipher
//! 4 reader). Tests that need them fail with a message saying so.

// Test code: a panic here is a failed check, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod app_support;
mod audit_trail;
mod backups;
mod cases;
mod crash;
mod encryption;
mod event_log;
mod folders;
mod hostile_files;
mod keys;
mod lead;
mod legacy;
mod parsers;
mod protocols;
mod rotation;
mod support;
mod trust;
mod versions;

/// Every allocation of this test binary is counted, so a child process can cap its own
/// memory and prove a parser stays within a bound (parsers.rs). No limit otherwise.
#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);
