//! Test support shared by the crates' integration tests (a dev-dependency only): the
//! PDF checks with poppler and qpdf, and hostile export packages made by hand. One copy,
//! so that escalate-report's tests on bytes and escalate-api's tests on a real store
//! check PDFs and build packages alike. It depends on no Escalate crate but escalate-trust
//! (which depends on none), so that any of them can use it without a cycle.

// Test code: a panic here is a failed check, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod package;
pub mod pdf;
pub mod record;
pub mod signers;
pub mod tools;
