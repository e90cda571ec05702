//! escalate-core's integration tests: one binary, a module per concern.

// Test and benchmark code: a panic here is a failed check, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod engine;
mod plan;
mod properties;
mod protocols;
mod state_machine;

use chrono::{NaiveDate, NaiveDateTime};
use escalate_core::{builtin_protocol, Protocol};

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

pub fn protocol(id: &str) -> &'static Protocol {
    builtin_protocol(id).unwrap().unwrap()
}
