//! escalate-report's tests, on data alone (the crate reads no file and no store):
//! hostile packages refused within bounds, the schema checked against an independent
//! validator, the Board's figures, CSV and PDF (read back with poppler and checked with
//! qpdf). Forms filled from a real store, and imports into one, are escalate-api's tests.

// Test code: a panic here is a failed check, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod board;
mod exchange;
mod export;
mod hostile;
mod robust;
mod schema;

use chrono::NaiveDateTime;

pub fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

pub use escalate_testkit::pdf::{assert_contains_all, check_pdf, text, tool};
