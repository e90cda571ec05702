//! What goes into and comes out of a store, as plain data: the store writes and reads
//! these, the forms and the front ends show them. Documented in docs/data-model.md.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::calendar::CalendarId;
pub use crate::case::StateKind;
use crate::code::ErrorCode;
use crate::deadline::Due;
use crate::form::NOT_A_RECORD_FIELD;
use crate::json_error::json_message;
use crate::protocol::{default_record_fields, RecordField};
use crate::sector::Sector;
use crate::Urgency;

/// A value a lead gave that cannot be used: the field it belongs to and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            message: message.into(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        ErrorCode::FieldInvalid
    }

    pub fn field(&self) -> Option<&'static str> {
        Some(self.field)
    }
}

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
    /// Defaults to the route's first stage; higher only with immediate risk, or with a
    /// skip decision where the protocol lets the stages in between be skipped.
    #[serde(default)]
    pub stage: Option<u8>,
    /// The route chosen at intake by its question; defaults to the standard route.
    #[serde(default)]
    pub route: Option<String>,
    /// Who decided to open above the route's first stage, and why, where the protocol
    /// lets the stages in between be skipped.
    #[serde(default)]
    pub skip: Option<crate::case::SkipDecision>,
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
    pub fn parse(s: &str) -> Result<Participant, FieldError> {
        let parts: Vec<&str> = s.split('|').map(str::trim).collect();
        match parts.as_slice() {
            [name, role, agency] if !name.is_empty() && !role.is_empty() && !agency.is_empty() => {
                Ok(Participant {
                    name: (*name).to_owned(),
                    role: (*role).to_owned(),
                    agency: (*agency).to_owned(),
                })
            }
            _ => Err(FieldError::new(
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

/// The largest stage record file (`escalate stage record --file`) read: every text
/// field at its limit of 20,000 characters fits with room to spare.
pub const MAX_STAGE_RECORD_JSON_BYTES: usize = 1024 * 1024;

/// The keys a stage record file may use; a path segment outside these is never echoed,
/// because a misplaced key may be a child's name.
const RECORD_KEYS: [&str; 14] = [
    "discussed_at",
    "participants",
    "raising_view",
    "receiving_view",
    "summary",
    "agreed",
    "resolved",
    "extra",
    "next_step",
    "approved_by",
    "approved_on",
    "name",
    "role",
    "agency",
];

impl StageRecordInput {
    /// A stage record from JSON (`docs/data-model.md`). A problem is reported by its
    /// field path, line and column and what kind of problem it is; never with the
    /// value found, which may be a child's name.
    pub fn from_json(text: &str) -> Result<StageRecordInput, FieldError> {
        if text.len() > MAX_STAGE_RECORD_JSON_BYTES {
            return Err(FieldError::new(
                "record",
                format!(
                    "is {} bytes; a stage record file may be at most 1 MiB ({MAX_STAGE_RECORD_JSON_BYTES} bytes): shorten the texts or attach the full text",
                    text.len()
                ),
            ));
        }
        // serde would read a struct from a list as well; say what the file must be.
        if !text.trim_start().starts_with('{') {
            return Err(FieldError::new(
                "record",
                "the file must hold one JSON object, {\"summary\": …, \"agreed\": …} (the stage record file's fields: docs/data-model.md)",
            ));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let record = serde_path_to_error::deserialize::<_, StageRecordInput>(&mut de)
            .map_err(|e| json_problem(Some(e.path()), e.inner()))?;
        de.end().map_err(|e| json_problem(None, &e))?;
        Ok(record)
    }
}

/// The field path as the file spells it, with unknown keys left out.
fn json_path(path: Option<&serde_path_to_error::Path>) -> (&'static str, String) {
    use serde_path_to_error::Segment;
    let known = |k: &str| {
        RECORD_KEYS
            .iter()
            .copied()
            .chain(default_record_fields().iter().map(|f| f.id.as_str()))
            .find(|n| *n == k)
    };
    let mut top = "record";
    let mut text = String::new();
    for (i, seg) in path.into_iter().flatten().enumerate() {
        match seg {
            Segment::Seq { index } => text.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                let name = known(key).unwrap_or("(unknown key)");
                if i == 0 {
                    top = RECORD_KEYS
                        .iter()
                        .copied()
                        .find(|n| *n == name)
                        .unwrap_or(top);
                } else {
                    text.push('.');
                }
                text.push_str(name);
            }
            // A map key serde could not name (an `extra` key): the column says where.
            Segment::Unknown => {}
        }
    }
    (top, text)
}

/// A stage record file's JSON error as a field error: where, and what is wrong without
/// the value found.
fn json_problem(path: Option<&serde_path_to_error::Path>, e: &serde_json::Error) -> FieldError {
    let (field, mut path_text) = json_path(path);
    if e.to_string().starts_with(NOT_A_RECORD_FIELD) {
        // The key itself is at fault: the place is the map it is in, not a key it names.
        if let Some(map) = path_text.strip_suffix(".(unknown key)") {
            path_text = map.to_owned();
        }
    }
    let problem = json_message(e, stage_record_problem);
    let place = if path_text.is_empty() || path_text == field {
        format!("line {}, column {}", e.line(), e.column())
    } else {
        format!("{path_text}, line {}, column {}", e.line(), e.column())
    };
    FieldError::new(
        field,
        format!("{place}: {problem} (the stage record file's fields: docs/data-model.md)"),
    )
}

/// A data message other than a wrong type or value, in the stage record's terms.
fn stage_record_problem(message: &str) -> String {
    if message.starts_with("invalid length ") {
        // "invalid length 2, expected …": a count and the type's own words.
        return message.to_owned();
    }
    if message.starts_with(NOT_A_RECORD_FIELD) {
        return format!(
            "not a record field: use one of {}, or another id its protocol's record fields declare (lower-case words joined by hyphens)",
            default_record_fields()
                .iter()
                .map(|f| f.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if message.starts_with("unknown field ") {
        let exp = message
            .rfind(", expected ")
            .map(|i| message[i + 2..].to_owned())
            .unwrap_or_else(|| "no fields here".to_owned());
        return format!("unknown field: {exp}");
    }
    if let Some(name) = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("duplicate field `"))
        .and_then(|rest| rest.strip_suffix('`'))
    {
        // A struct's own field name, from Escalate's types.
        if let Some(known) = RECORD_KEYS.iter().find(|k| **k == name) {
            let what = if message.starts_with("missing") {
                "is missing: give it"
            } else {
                "is given twice: give it once"
            };
            return format!("'{known}' {what}");
        }
    }
    // chrono's parse errors are fixed texts too.
    const DATE_PROBLEMS: [&str; 7] = [
        "input is out of range",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "bad or unsupported format string",
    ];
    if DATE_PROBLEMS.contains(&message) {
        return format!(
            "not a date or time ({message}): write a date as YYYY-MM-DD and a time as YYYY-MM-DDTHH:MM:SS"
        );
    }
    "is not valid here".to_owned()
}

/// A stage record as stored (and as its log entry carries it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The name of the route the case is on, where that is not the protocol's standard
    /// route (an urgent route, say): the dashboard shows it beside the stage.
    pub route: Option<String>,
    pub stage: u8,
    pub state: StateKind,
    pub urgency: Urgency,
    pub next_due: Option<Due>,
    /// `next_due` in words for people (`escalate_core::format::due`), written by
    /// escalate-api for the front ends; `None` as the store lists it.
    pub next_due_text: Option<String>,
    /// The case's record was found altered outside Escalate, or its history broken, by
    /// a read of the case or by `audit verify`: the case's own screen says what and where.
    pub integrity: Option<IntegrityFlag>,
}

/// What the dashboard says of a case whose record cannot simply be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum IntegrityFlag {
    /// Values kept beside the log differed from it; what is shown is the log's.
    Altered,
    /// The hash chain breaks inside its history.
    Broken,
}

impl IntegrityFlag {
    /// As `case_state.integrity` keeps it.
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrityFlag::Altered => "altered",
            IntegrityFlag::Broken => "broken",
        }
    }

    pub fn parse(s: &str) -> Option<IntegrityFlag> {
        [IntegrityFlag::Altered, IntegrityFlag::Broken]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
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
    /// The installed version of the protocol the case runs under.
    pub protocol_version: String,
    /// The SHA-256 of that version's text, which the case is pinned to.
    pub protocol_sha256: String,
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
    pub state: StateKind,
    pub outcome: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub records: Vec<StageRecord>,
    /// Notifications marked as sent, oldest first.
    pub notifications_sent: Vec<SentNotification>,
    /// The engine's view of the case: stages entered and left, with times.
    pub engine: crate::Case,
    /// Each of `engine.extensions`' `to` in words for people
    /// (`escalate_core::format::due`), in the same order.
    pub extensions_to_text: Vec<String>,
    /// The engine's answer now: deadlines, urgency, next step, contacts, forms.
    pub status: crate::CaseStatus<'static>,
    /// Each formal stage's due date on the case's route, had every stage run to its
    /// limit from the outset.
    pub plan: Vec<crate::PlannedStage<'static>>,
    /// What the lead may do next: where the case may escalate to, which deadlines may
    /// be extended, the routes it may switch to.
    pub next: crate::NextSteps,
    /// Whether what is shown is what the log holds: the store altered outside Escalate,
    /// or the hash chain broken inside the case's history.
    pub integrity: CaseIntegrity,
}

/// How far a case's record can be trusted, as its last read found it. Everything a
/// case shows is its log's; this says where the store beside it was altered, and where
/// the log itself stops being attested by the hash chain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseIntegrity {
    /// Values kept beside the log (the case's row, its stage records, the dashboard's
    /// cache) that differed from it: shown as the log holds them, and rebuilt.
    pub altered: Vec<Alteration>,
    /// Log entries in which an earlier read already found the store altered.
    #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
    pub detected: Vec<i64>,
    /// The hash chain breaks at this entry of the case's history: nothing from it on is
    /// shown, printed or sent as true.
    pub broken: Option<HistoryBreak>,
}

impl CaseIntegrity {
    /// The store was altered outside Escalate, now or at an earlier read.
    pub fn altered(&self) -> bool {
        !self.altered.is_empty() || !self.detected.is_empty()
    }
}

/// One value kept beside the log that differs from it. Names the field, never the
/// values (they may be a child's name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Alteration {
    /// The table and column, e.g. `cases.child_name`, `stage_records.agreed`,
    /// `closure_days`, `profile.calendar`.
    pub field: String,
    /// The stage record, closure day or protocol version the value belongs to.
    pub item: Option<String>,
    /// The log entry that holds the true value (none where the table holds something
    /// the log never did).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub entry: Option<i64>,
}

/// Where the hash chain stops attesting a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryBreak {
    /// The audit entry (its number in the chain) where it breaks.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub entry: i64,
    pub reason: String,
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

/// What a line of the chronology is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum ChronologyKind {
    Opened,
    Escalated,
    Resolved,
    Withdrawn,
    Redirected,
    /// A written record of a discussion or meeting.
    Record,
    /// A notification marked as sent.
    NotificationSent,
    /// A shorter, child-protective deadline was set.
    DeadlineShortened,
    /// A deadline extended by agreement, where the protocol allows it.
    DeadlineExtended,
    /// The case moved to another of the protocol's routes.
    RouteSwitched,
    /// The case moved to another installed version of its protocol.
    ProtocolMoved,
    /// A notification still owed, with when it is due.
    NotificationDue,
    /// A deadline still to come (or passed), from the engine.
    Deadline,
}

impl ChronologyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChronologyKind::Opened => "opened",
            ChronologyKind::Escalated => "escalated",
            ChronologyKind::Resolved => "resolved",
            ChronologyKind::Withdrawn => "withdrawn",
            ChronologyKind::Redirected => "redirected",
            ChronologyKind::Record => "record",
            ChronologyKind::NotificationSent => "notification-sent",
            ChronologyKind::DeadlineShortened => "deadline-shortened",
            ChronologyKind::DeadlineExtended => "deadline-extended",
            ChronologyKind::RouteSwitched => "route-switched",
            ChronologyKind::ProtocolMoved => "protocol-moved",
            ChronologyKind::NotificationDue => "notification-due",
            ChronologyKind::Deadline => "deadline",
        }
    }
}

/// How pressing a deadline alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum AlertLevel {
    /// Due within one working day.
    DueSoon,
    Overdue,
}

impl AlertLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertLevel::DueSoon => "due-soon",
            AlertLevel::Overdue => "overdue",
        }
    }
}

impl PartialEq<&str> for AlertLevel {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A deadline the lead should hear about. Carries no child data: a desktop
/// notification can show on a locked screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Alert {
    pub reference: String,
    pub level: AlertLevel,
    /// When it is or was due, as the engine gives it.
    pub due: Due,
}

impl PartialEq<&str> for ChronologyKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for ChronologyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of a case's chronology.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChronologyEntry {
    pub at: NaiveDateTime,
    pub stage: Option<u8>,
    pub kind: ChronologyKind,
    pub text: String,
    /// A deadline or owed notification that has passed.
    pub overdue: bool,
}

/// An export package the Board's import has decrypted and checked, ready to keep: what
/// escalate-report's check makes from a file's bytes and the store writes.
#[derive(Debug, Clone)]
pub struct BoardPackage {
    /// The file it came from, as the import named it.
    pub file_name: String,
    /// The SHA-256 of the file as received, in hex: the same file again is a duplicate.
    pub file_sha256: String,
    /// The exporting agency (`exported_by.agency`).
    pub source_agency: String,
    pub reference: String,
    pub exported_at: NaiveDateTime,
    /// `monitoring.json`, checked and cleaned, as JSON.
    pub monitoring: String,
    pub pdf: Vec<u8>,
    /// The protocol file the package carries (`escalate-monitoring/2`), checked to be
    /// the version `monitoring.json` names, so the Board can count timeliness under a
    /// protocol it never installed; `None` for an `escalate-monitoring/1` package.
    pub protocol: Option<PackageProtocol>,
}

/// A protocol file carried by an export package: its text as sent, and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageProtocol {
    /// The protocol's id and version, as the package's record names them (the check
    /// made sure the file says the same).
    pub id: String,
    pub version: String,
    pub sha256: String,
    pub text: String,
}

#[cfg(test)]
mod tests {
    // Test code: a panic here is a failed check, not a crash in front of a user.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use proptest::prelude::*;

    use super::*;

    /// A name that must never come back in an error.
    const CHILD: &str = "Aled Canary-Jones";

    fn valid() -> String {
        format!(
            r#"{{
  "discussed_at": "2026-11-23T14:00:00",
  "participants": [{{"name": "{CHILD}", "role": "DSL", "agency": "Ysgol Gyfun Bryn"}}],
  "raising_view": "{CHILD} is at risk", "receiving_view": "Early help",
  "summary": "Discussed {CHILD}", "agreed": "Escalate", "resolved": false,
  "extra": {{"risk-analysis": "{CHILD} is not safe"}},
  "next_step": "Stage 4", "approved_by": "Head", "approved_on": "2026-11-23"
}}"#
        )
    }

    fn message(text: &str) -> String {
        StageRecordInput::from_json(text).unwrap_err().to_string()
    }

    /// Every refusal names a field, or the record as a whole, and never the child.
    fn assert_clear(text: &str, e: &FieldError) {
        let m = e.to_string();
        assert!(
            !m.contains("Canary"),
            "a value was echoed: {m}\nfrom {text}"
        );
        assert_eq!(e.code(), ErrorCode::FieldInvalid, "{m}");
        let field = m.split(':').next().unwrap_or_default();
        assert!(
            field == "record" || RECORD_KEYS.contains(&field),
            "no field named: {m}"
        );
    }

    #[test]
    fn a_whole_record_reads() {
        let r = StageRecordInput::from_json(&valid()).unwrap();
        assert_eq!(r.participants[0].name, CHILD);
        assert_eq!(r.extra["risk-analysis"], format!("{CHILD} is not safe"));
        assert_eq!(r.approved_on, NaiveDate::from_ymd_opt(2026, 11, 23));
    }

    #[test]
    fn a_name_in_a_wrongly_typed_field_is_not_echoed() {
        let m =
            message(&valid().replace("\"resolved\": false", &format!("\"resolved\": \"{CHILD}\"")));
        assert_eq!(
            m,
            "resolved: line 5, column 97: wrong type: expected a boolean, found text (the stage record file's fields: docs/data-model.md)"
        );
        let m = message(&valid().replace("\"2026-11-23T14:00:00\"", &format!("\"{CHILD}\"")));
        assert!(
            m.starts_with("discussed_at: line 2, column 37: not a date or time"),
            "{m}"
        );
        let m = message(&valid().replace("\"Early help\"", &format!("[\"{CHILD}\"]")));
        assert!(m.starts_with("receiving_view: line 4, column "), "{m}");
        assert!(m.contains("expected a string, found a list"), "{m}");
        assert!(!m.contains("Canary"), "{m}");
    }

    #[test]
    fn a_name_as_a_key_is_not_echoed() {
        let keyed = |key: &str| message(&valid().replace(key, &format!("\"{CHILD}\"")));
        let m = keyed("\"next_step\"");
        assert!(
            m.starts_with("record: (unknown key), line 7, column "),
            "{m}"
        );
        assert!(
            m.contains("unknown field: expected one of `discussed_at`"),
            "{m}"
        );
        assert!(!m.contains("Canary"), "{m}");
        let m = keyed("\"risk-analysis\"");
        assert!(m.starts_with("extra: line 6, column "), "{m}");
        assert!(
            m.contains("not a record field: use one of risk-analysis, evidence"),
            "{m}"
        );
        assert!(!m.contains("Canary"), "{m}");
        let m = keyed("\"role\"");
        assert!(
            m.starts_with("participants: participants[0].(unknown key), line 3"),
            "{m}"
        );
        assert!(!m.contains("Canary"), "{m}");
    }

    #[test]
    fn missing_and_malformed_files_say_what_is_wrong() {
        let m = message(r#"{"summary": "s"}"#);
        assert!(
            m.starts_with("record: line 1, column 16: 'agreed' is missing"),
            "{m}"
        );
        let m = message(&format!("{} {CHILD}", valid()));
        assert!(
            m.starts_with("record: line 8, column 3: not valid JSON: trailing characters"),
            "{m}"
        );
        let m = message(&format!("[\"{CHILD}\"]"));
        assert!(
            m.starts_with("record: the file must hold one JSON object"),
            "{m}"
        );
        let m = message(&valid()[..100]);
        assert!(m.contains("not valid JSON: EOF while parsing"), "{m}");
        let big = format!(
            "{{\"summary\": \"{}\"}}",
            "x".repeat(MAX_STAGE_RECORD_JSON_BYTES)
        );
        let m = message(&big);
        assert!(
            m.starts_with("record: is 1048591 bytes; a stage record file may be at most 1 MiB"),
            "{m}"
        );
    }

    /// One change to the text of a valid record: a cut, an insertion or a value
    /// swapped for the child's name in another JSON type.
    #[derive(Debug, Clone)]
    enum Mutation {
        Cut(usize, usize),
        Insert(usize, String),
        Replace(usize, String),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        let piece = prop_oneof![
            Just(format!("\"{CHILD}\"")),
            Just(format!("[\"{CHILD}\"]")),
            Just(format!("{{\"{CHILD}\": \"{CHILD}\"}}")),
            Just(format!("\"{CHILD}\": ")),
            Just(CHILD.to_owned()),
            "[{}\\[\\]\",:0-9a-z\\\\ \n-]{0,8}",
            Just("null".to_owned()),
            Just("1e999".to_owned()),
        ];
        prop_oneof![
            (0usize..600, 0usize..40).prop_map(|(at, n)| Mutation::Cut(at, n)),
            (0usize..600, piece.clone()).prop_map(|(at, p)| Mutation::Insert(at, p)),
            (0usize..600, piece).prop_map(|(at, p)| Mutation::Replace(at, p)),
        ]
    }

    fn apply(text: &str, m: &Mutation) -> String {
        let clamp = |i: usize| {
            let mut i = i.min(text.len());
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        match m {
            Mutation::Cut(at, n) => {
                let (a, b) = (clamp(*at), clamp(at + n));
                format!("{}{}", &text[..a], &text[b..])
            }
            Mutation::Insert(at, p) => {
                let a = clamp(*at);
                format!("{}{p}{}", &text[..a], &text[a..])
            }
            Mutation::Replace(at, p) => {
                // Replace the JSON value that starts after the next ':' up to its ',' or '}'.
                let a = clamp(*at);
                let Some(colon) = text[a..].find(':').map(|c| a + c + 1) else {
                    return text.to_owned();
                };
                let end = text[colon..]
                    .find([',', '}'])
                    .map_or(text.len(), |e| colon + e);
                format!("{}{p}{}", &text[..colon], &text[end..])
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text_is_read_or_refused_clearly(text in any::<String>()) {
            if let Err(e) = StageRecordInput::from_json(&text) {
                let m = e.to_string();
                let field = m.split(':').next().unwrap_or_default();
                prop_assert!(field == "record" || RECORD_KEYS.contains(&field), "{}", m);
            }
        }

        #[test]
        fn json_like_text_is_read_or_refused_clearly(
            text in "[{}\\[\\]\",:0-9a-z_ -]{0,80}"
        ) {
            if let Err(e) = StageRecordInput::from_json(&text) {
                let m = e.to_string();
                let field = m.split(':').next().unwrap_or_default();
                prop_assert!(field == "record" || RECORD_KEYS.contains(&field), "{}", m);
            }
        }

        #[test]
        fn a_mutated_record_never_echoes_the_child(
            mutations in prop::collection::vec(mutation(), 1..4)
        ) {
            let text = mutations.iter().fold(valid(), |t, m| apply(&t, m));
            if let Err(e) = StageRecordInput::from_json(&text) {
                assert_clear(&text, &e);
            }
        }
    }
}
