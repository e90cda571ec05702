//! escalate-core's integration tests: one binary, a module per concern.

// Test and benchmark code: a panic here is a failed check, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod calendars;
mod engine;
mod extremes;
mod fixtures;
mod format2;
mod format2_files;
mod format2_properties;
mod forms;
mod layers;
mod next;
mod no_protocol_words;
mod plan;
mod properties;
mod protocol_files;
mod protocols;
mod state_machine;

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use escalate_core::protocol::RecordField;
use escalate_core::{builtin_protocol, Case, Event, Opening, Protocol, RecordSummary};

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

pub fn protocol(id: &str) -> &'static Protocol {
    builtin_protocol(id).unwrap().unwrap()
}

pub fn open(id: &str, at: &str) -> Case {
    Case::open(protocol(id), dt(at), Opening::default()).unwrap()
}

/// A stage record of a discussion at `at`.
pub fn record(at: &str, resolved: bool, fields: &[RecordField]) -> Event {
    Event::Record(RecordSummary {
        record: None,
        discussed_at: dt(at),
        resolved,
        fields: fields.iter().cloned().collect::<BTreeSet<_>>(),
    })
}
