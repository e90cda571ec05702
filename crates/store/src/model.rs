//! What goes into and comes out of the store. Documented in docs/data-model.md.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use escalate_core::engine::Due;
use escalate_core::protocol::RecordField;
use escalate_core::{CalendarId, Sector, Urgency};
use serde::{Deserialize, Serialize};

use crate::error::StoreError;

/// The lead using this laptop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub designation: String,
    pub agency: String,
    pub sector: Sector,
    /// The protocol new cases use unless told otherwise.
    pub protocol_id: String,
    pub calendar: CalendarId,
    #[serde(default = "default_lock")]
    pub auto_lock_minutes: u32,
}

fn default_lock() -> u32 {
    10
}

/// A day the lead's agency is closed, and why (an INSET day, an office move).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClosureDay {
    pub day: NaiveDate,
    /// Empty when none was given.
    pub note: String,
}

/// A new professional difference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub child_name: String,
    #[serde(default)]
    pub child_dob: Option<NaiveDate>,
    /// Local identifiers (e.g. a social care or NHS number), as the agency writes them.
    #[serde(default)]
    pub child_identifiers: String,
    /// Category of disagreement (e.g. "Threshold for assessment").
    pub category: String,
    pub summary: String,
    pub raising_agency: String,
    #[serde(default)]
    pub raising_sector: Option<Sector>,
    #[serde(default)]
    pub raising_professional: Option<String>,
    pub receiving_agency: String,
    #[serde(default)]
    pub receiving_sector: Option<Sector>,
    #[serde(default)]
    pub receiving_professional: Option<String>,
    /// Defaults to the profile's protocol.
    #[serde(default)]
    pub protocol: Option<String>,
    /// Defaults to now.
    #[serde(default)]
    pub opened_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub immediate_risk: Option<String>,
    /// Defaults to the protocol's first stage; higher only with immediate risk.
    #[serde(default)]
    pub stage: Option<u8>,
}

/// Someone at a discussion or meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Participant {
    pub name: String,
    pub role: String,
    pub agency: String,
}

impl Participant {
    /// `Name|Role|Agency`, as the CLI takes it.
    pub fn parse(s: &str) -> Result<Participant, StoreError> {
        let parts: Vec<&str> = s.split('|').map(str::trim).collect();
        match parts.as_slice() {
            [name, role, agency] if !name.is_empty() && !role.is_empty() && !agency.is_empty() => {
                Ok(Participant {
                    name: (*name).to_owned(),
                    role: (*role).to_owned(),
                    agency: (*agency).to_owned(),
                })
            }
            _ => Err(StoreError::invalid(
                "participant",
                format!("'{s}' is not Name|Role|Agency: give all three, separated by |"),
            )),
        }
    }
}

/// The written record of one discussion or meeting at the current stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct StageRecordInput {
    /// When it took place; defaults to now.
    #[serde(default)]
    pub discussed_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub raising_view: String,
    #[serde(default)]
    pub receiving_view: String,
    pub summary: String,
    /// Agreed outcome and actions.
    pub agreed: String,
    #[serde(default)]
    pub resolved: bool,
    /// Protocol-specific fields (e.g. "risk-analysis") and their text.
    #[serde(default)]
    pub extra: BTreeMap<RecordField, String>,
    #[serde(default)]
    pub next_step: String,
    #[serde(default)]
    pub approved_by: Option<String>,
    #[serde(default)]
    pub approved_on: Option<NaiveDate>,
}

/// A stage record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StageRecord {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub stage: u8,
    pub discussed_at: NaiveDateTime,
    pub participants: Vec<Participant>,
    pub raising_view: String,
    pub receiving_view: String,
    pub summary: String,
    pub agreed: String,
    pub resolved: bool,
    pub extra: BTreeMap<RecordField, String>,
    pub next_step: String,
    pub approved_by: Option<String>,
    pub approved_on: Option<NaiveDate>,
    pub recorded_at: NaiveDateTime,
    pub recorded_by: String,
}

/// One row of the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseListItem {
    pub reference: String,
    pub child_name: String,
    pub raising_agency: String,
    pub receiving_agency: String,
    pub protocol_id: String,
    pub stage: u8,
    pub state: String,
    pub urgency: Urgency,
    pub next_due: Option<Due>,
}

/// Which cases to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseFilter {
    #[default]
    Open,
    All,
}

/// A whole case.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseDetail {
    pub reference: String,
    pub protocol_id: String,
    pub protocol_version: String,
    pub child_name: String,
    pub child_dob: Option<NaiveDate>,
    pub child_identifiers: String,
    pub category: String,
    pub summary: String,
    pub raising_agency: String,
    pub raising_professional: Option<String>,
    pub receiving_agency: String,
    pub receiving_professional: Option<String>,
    pub opened_at: NaiveDateTime,
    pub immediate_risk: Option<String>,
    pub state: String,
    pub outcome: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub records: Vec<StageRecord>,
    /// Notifications marked as sent, oldest first.
    pub notifications_sent: Vec<SentNotification>,
    /// The engine's view of the case: stages entered and left, with times.
    pub engine: escalate_core::Case,
    /// The engine's answer now: deadlines, urgency, next step, contacts, forms.
    pub status: escalate_core::CaseStatus<'static>,
    /// Each formal stage's due date had every stage run to its limit from the outset.
    pub plan: Vec<escalate_core::PlannedStage<'static>>,
}

/// A notification the protocol required, marked as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SentNotification {
    pub stage: Option<u8>,
    pub notification: String,
    pub sent_to: String,
    /// When it was due, as the engine saw it when it was marked.
    pub due: Option<String>,
    pub sent_at: NaiveDateTime,
    pub note: String,
}

/// One line of a case's chronology.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChronologyEntry {
    pub at: NaiveDateTime,
    pub stage: Option<u8>,
    pub kind: String,
    pub text: String,
    /// A deadline or owed notification that has passed.
    pub overdue: bool,
}
