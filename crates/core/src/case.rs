//! The case state machine: open at a stage, record a stage, escalate, resolve,
//! withdraw, redirect. Every move is checked against the protocol before anything
//! changes, so a refused move leaves the case exactly as it was.

use std::borrow::Borrow;
use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::code::ErrorCode;
use crate::deadline::{DeadlineId, Due};
use crate::protocol::{Anchor, Escalation, Protocol, RecordField, Requirement, RouteView, Stage};
use crate::sector::Sector;

/// Where a case is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum CaseState {
    Open,
    Resolved {
        at: NaiveDateTime,
        stage: u8,
    },
    Withdrawn {
        at: NaiveDateTime,
        reason: String,
    },
    /// Out of the protocol's scope: sent to the procedure the exclusion names.
    Redirected {
        at: NaiveDateTime,
        exclusion: String,
    },
}

impl CaseState {
    pub fn kind(&self) -> StateKind {
        match self {
            CaseState::Open => StateKind::Open,
            CaseState::Resolved { .. } => StateKind::Resolved,
            CaseState::Withdrawn { .. } => StateKind::Withdrawn,
            CaseState::Redirected { .. } => StateKind::Redirected,
        }
    }

    pub fn as_str(&self) -> &'static str {
        self.kind().as_str()
    }
}

/// What the engine needs to know about one written stage record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecordSummary {
    /// The stage record's number in the store, where it has been kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub record: Option<i64>,
    /// When the discussion or meeting took place.
    pub discussed_at: NaiveDateTime,
    pub resolved: bool,
    /// The protocol-specific fields the record fills in.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub fields: BTreeSet<RecordField>,
}

/// One stage the case has been at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StageEntry {
    pub stage: u8,
    /// The route the stage belongs to; `None`: the protocol's standard route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    pub started_at: NaiveDateTime,
    /// When the receiving agency received the matter, where recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<NaiveDateTime>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<RecordSummary>,
    /// When the case was escalated out of this stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_at: Option<NaiveDateTime>,
}

impl StageEntry {
    fn new(stage: u8, route: Option<String>, at: NaiveDateTime) -> StageEntry {
        StageEntry {
            stage,
            route,
            started_at: at,
            received_at: None,
            records: Vec::new(),
            left_at: None,
        }
    }

    /// The time an anchor event happened at this stage, if it has.
    pub fn anchor_time(&self, case: &Case, anchor: Anchor) -> Option<NaiveDateTime> {
        match anchor {
            Anchor::CaseStart => Some(case.opened_at),
            Anchor::StageStart => Some(self.started_at),
            Anchor::Receipt => Some(self.received_at.unwrap_or(self.started_at)),
            Anchor::Discussion => self.records.iter().map(|r| r.discussed_at).max(),
            Anchor::UnresolvedDiscussion => self
                .records
                .iter()
                .filter(|r| !r.resolved)
                .map(|r| r.discussed_at)
                .min(),
            Anchor::Resolution => match case.state {
                CaseState::Resolved { at, stage } if stage == self.stage => Some(at),
                _ => None,
            },
            Anchor::Escalation => self.left_at,
        }
    }

    fn has(&self, req: &Requirement) -> bool {
        match req {
            Requirement::Record => !self.records.is_empty(),
            Requirement::Field(f) => self.records.iter().any(|r| r.fields.contains(f)),
        }
    }
}

/// A child-protective deadline the lead set because the protocol's own is too long
/// for this child; it wins whenever it is earlier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ShorterDeadline {
    pub stage: u8,
    pub due: NaiveDateTime,
    pub reason: String,
}

/// A notification marked as sent. `stage` is `None` for the protocol's
/// on-resolution notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Sent {
    pub stage: Option<u8>,
    pub notification: String,
    pub at: NaiveDateTime,
}

/// Who decided to skip stages, and why: the protocol names the role where it lets one
/// (e.g. "The IRO may bypass any stage").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SkipDecision {
    pub reason: String,
    /// The name of who decided.
    pub decided_by: String,
    /// Their role, required where the protocol's `[skipping]` names one and is relied on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// Stages a case went past, kept for the chronology, the forms and the Board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Skipped {
    pub at: NaiveDateTime,
    /// The stage left; `None` when the case opened above its first stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<u8>,
    pub to: u8,
    /// The stages gone past, in order.
    pub stages: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    #[serde(flatten)]
    pub decision: SkipDecision,
}

/// Where a case is in its life, without the details: what lists, filters and
/// colours branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum StateKind {
    Open,
    Resolved,
    Withdrawn,
    Redirected,
}

impl StateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Open => "open",
            StateKind::Resolved => "resolved",
            StateKind::Withdrawn => "withdrawn",
            StateKind::Redirected => "redirected",
        }
    }
}

impl PartialEq<&str> for StateKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for StateKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A deadline extended by agreement, as the protocol allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Extension {
    /// When it was recorded.
    pub at: NaiveDateTime,
    /// The stage's own timescale (written `timescale`) or a limit's id.
    pub deadline: DeadlineId,
    /// For a stage's timescale: which stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// The new due.
    pub to: Due,
    /// Who agreed (name, and role).
    pub agreed_by: String,
    pub agreed_on: NaiveDate,
    pub reason: String,
}

/// A change of route in the middle of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RouteSwitch {
    pub at: NaiveDateTime,
    /// The route left and the route taken; `None`: the standard route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The stage the case is at on the new route.
    pub stage: u8,
    pub reason: String,
}

/// One installed version of a protocol, as a case is pinned to it: the version its
/// file names, and the SHA-256 of the file's text (which is what pins it: two files
/// may carry the same version and differ).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProtocolPin {
    pub version: String,
    /// Lower-case hex.
    pub sha256: String,
}

/// The engine's view of a case: only what the rules need, no names or free text
/// beyond reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Case {
    pub protocol: String,
    /// The outset of the concern; cumulative timescales count from here.
    pub opened_at: NaiveDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raising_sector: Option<Sector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiving_sector: Option<Sector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immediate_risk: Option<String>,
    pub state: CaseState,
    /// Every stage the case has been at, oldest first; the last is the current one.
    pub stages: Vec<StageEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shorter_deadlines: Vec<ShorterDeadline>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sent: Vec<Sent>,
    /// The route the case is on; `None`: the protocol's standard route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route_switches: Vec<RouteSwitch>,
    /// Stages gone past by a recorded decision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skips: Vec<Skipped>,
    /// Deadlines extended by agreement, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Extension>,
}

/// How a case opens.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Opening {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<NaiveDateTime>,
    /// `None` opens at the protocol's first formal stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immediate_risk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raising_sector: Option<Sector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiving_sector: Option<Sector>,
    /// The route, chosen at intake by its question; `None`: the standard route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// Who decided to open above the first stage, and why, where the protocol lets
    /// stages be skipped without immediate risk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<SkipDecision>,
}

/// One thing that happened to a case. A case is the sequence of its events: the store
/// keeps them, in order, in its hash-chained log, and [`Case::replay`] rebuilds the
/// case from them. The same type is what a move applies ([`Case::apply`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Event {
    /// The case was opened (always the first event).
    Open {
        at: NaiveDateTime,
        #[serde(flatten)]
        opening: Opening,
    },
    /// A written record of a discussion or meeting at the current stage.
    Record(RecordSummary),
    /// The receiving agency received the matter.
    Receive {
        at: NaiveDateTime,
    },
    /// To the next stage, or to `to_stage` where immediate risk allows skipping. Kept in
    /// the log with `to_stage` filled in, so a replay never depends on "the next stage".
    Escalate {
        at: NaiveDateTime,
        to_stage: Option<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// Who decided to skip the stages in between, and why (format 2 protocols).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        skip: Option<SkipDecision>,
    },
    Resolve {
        at: NaiveDateTime,
        /// The outcome in the lead's words (not needed by the rules; kept for the record).
        #[serde(default)]
        outcome: String,
    },
    Withdraw {
        at: NaiveDateTime,
        reason: String,
    },
    /// Out of scope: sent to the procedure the exclusion names.
    Redirect {
        at: NaiveDateTime,
        exclusion: String,
    },
    MarkSent {
        at: NaiveDateTime,
        stage: Option<u8>,
        notification: String,
        /// Who it was owed to and when it was due, as the engine saw it when marked.
        #[serde(default)]
        to: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<String>,
        #[serde(default)]
        note: String,
    },
    ShortenDeadline {
        /// When the shorter deadline was set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<NaiveDateTime>,
        due: NaiveDateTime,
        reason: String,
    },
    /// The whole case as a store made before the event log held it, where its history
    /// could not be replayed exactly: replay takes this state as it stands.
    Migrated {
        case: Box<Case>,
    },
    /// To another route of the protocol. The case stays at its stage where the new
    /// route has it (its clock runs on), or goes to `to_stage` on the new route.
    SwitchRoute {
        at: NaiveDateTime,
        route: String,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_stage: Option<u8>,
    },
    /// A deadline extended by agreement where the protocol allows it: `deadline` is
    /// `timescale` (the current stage's) or a limit's id.
    Extend {
        at: NaiveDateTime,
        deadline: DeadlineId,
        to: Due,
        agreed_by: String,
        agreed_on: NaiveDate,
        reason: String,
    },
    /// The lead moved the open case to another installed version of its protocol, on
    /// purpose: the events after this one run under `to`'s rules, those before it
    /// under `from`'s. The case's history (stages, records, times) is kept as it is.
    MoveProtocol {
        at: NaiveDateTime,
        from: ProtocolPin,
        to: ProtocolPin,
    },
}

impl Event {
    /// The event's name in the log (`type` in its JSON).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Open { .. } => "open",
            Event::Record(_) => "record",
            Event::Receive { .. } => "receive",
            Event::Escalate { .. } => "escalate",
            Event::Resolve { .. } => "resolve",
            Event::Withdraw { .. } => "withdraw",
            Event::Redirect { .. } => "redirect",
            Event::MarkSent { .. } => "mark-sent",
            Event::ShortenDeadline { .. } => "shorten-deadline",
            Event::Migrated { .. } => "migrated",
            Event::SwitchRoute { .. } => "switch-route",
            Event::Extend { .. } => "extend",
            Event::MoveProtocol { .. } => "move-protocol",
        }
    }
}

/// A case's history that does not replay: the log was changed outside Escalate, or a
/// protocol file it depends on was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the case's history does not replay at event {position} ({kind}): {reason}")]
pub struct ReplayError {
    /// 1 = the first event.
    pub position: usize,
    pub kind: &'static str,
    pub reason: String,
}

impl ReplayError {
    pub fn code(&self) -> ErrorCode {
        ErrorCode::CaseLogInvalid
    }
}

/// The new due of an extension and who agreed it.
struct NewDue {
    to: Due,
    agreed_by: String,
    agreed_on: NaiveDate,
    reason: String,
}

/// A refused move. Each names what is wrong and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("this case is {state}: no further stage moves are possible")]
    Closed { state: &'static str },
    #[error("case belongs to protocol '{case}', not '{protocol}'")]
    WrongProtocol { case: String, protocol: String },
    #[error("{field}: protocol '{protocol}' has no Stage {stage}: use one of {known}")]
    UnknownStage {
        field: &'static str,
        protocol: String,
        stage: u8,
        known: String,
    },
    #[error("Stage {stage} is the last stage of this protocol: resolve or withdraw the case")]
    NoNextStage { stage: u8 },
    #[error(
        "to_stage: Stage {to} is not above the current Stage {from}: a case only escalates upwards"
    )]
    NotHigher { from: u8, to: u8 },
    #[error(
        "stage: this protocol does not allow starting at or jumping to a higher stage ({words})"
    )]
    HigherStageNotAllowed { words: String },
    #[error("{field}: give the immediate risk to the child that justifies going straight to Stage {stage}")]
    ReasonRequired { field: &'static str, stage: u8 },
    #[error("Stage {stage} cannot be escalated yet: it still needs {missing}. {how} The protocol says: {next_step}")]
    RequirementsMissing {
        stage: u8,
        missing: String,
        /// How to give what is missing, in words any front end can show.
        how: String,
        /// The record fields still to be given, for a front end's own hint.
        fields: Vec<RecordField>,
        next_step: String,
    },
    #[error("exclusion: '{id}' is not an exclusion of this protocol: use one of {known}")]
    UnknownExclusion { id: String, known: String },
    #[error("notification: '{id}' is not a notification of {place}: use one of {known}")]
    UnknownNotification {
        id: String,
        place: String,
        known: String,
    },
    #[error("notification: '{id}' is not owed yet: it becomes owed on {on}")]
    NotOwed { id: String, on: &'static str },
    #[error("notification: '{id}' was already marked as sent on {at}")]
    AlreadySent { id: String, at: NaiveDateTime },
    #[error("{field}: {at} is before {what} ({earliest}): give a later date and time")]
    TooEarly {
        field: &'static str,
        at: NaiveDateTime,
        what: &'static str,
        earliest: NaiveDateTime,
    },
    #[error("{field}: must not be empty")]
    Empty { field: &'static str },
    #[error("received_at: receipt at this stage was already recorded on {at}")]
    AlreadyReceived { at: NaiveDateTime },
    #[error("record: this stage's record does not use the field '{field}': it uses {allowed}")]
    FieldNotInRecord { field: RecordField, allowed: String },
    #[error(
        "record: '{field}' is not a record field of protocol '{protocol}': use one of {known}"
    )]
    FieldUnknown {
        field: RecordField,
        protocol: String,
        known: String,
    },
    #[error("the case is already open: an opening or a carried-over state is not a move")]
    AlreadyOpen,
    #[error("route: protocol '{protocol}' has no route '{route}': use one of {known}")]
    UnknownRoute {
        protocol: String,
        route: String,
        known: String,
    },
    #[error("route: the case is already on the route '{route}'")]
    RouteUnchanged { route: String },
    #[error("to_stage: the route '{route}' has no Stage {stage}: give the stage to go to, one of {known}")]
    StageNotOnRoute {
        route: String,
        stage: u8,
        known: String,
    },
    #[error("{field}: Stage {stage} may not be skipped under this protocol{words}: go through Stage {stage}, or give the immediate risk where the protocol allows a higher stage for it")]
    SkipNotAllowed {
        field: &'static str,
        stage: u8,
        /// The protocol's words on skipping, where it has any (" (…)").
        words: String,
    },
    #[error("skip: going past Stage{} {stages} needs a recorded decision: give the reason and who decided{role}", if .stages.contains(',') { "s" } else { "" })]
    SkipDecisionRequired {
        stages: String,
        /// " (and their role: …)" where the protocol names the role that decides.
        role: String,
    },
    #[error(
        "skip: this move goes to the next stage and skips nothing: leave the skip decision out"
    )]
    NothingSkipped,
    #[error("deadline: '{id}' is not a deadline of this case: use one of {known}")]
    UnknownDeadline { id: String, known: String },
    #[error("deadline: {what} cannot be extended: the protocol does not allow it")]
    ExtensionNotAllowed { what: String },
    #[error("to: {to} is not later than the deadline as it stands ({current}): an extension gives more time")]
    ExtensionNotLater { to: String, current: String },
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

impl TransitionError {
    /// Stable code a front end can branch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            TransitionError::Closed { .. } => ErrorCode::CaseClosed,
            TransitionError::WrongProtocol { .. } => ErrorCode::CaseWrongProtocol,
            TransitionError::UnknownStage { .. } => ErrorCode::StageUnknown,
            TransitionError::NoNextStage { .. } => ErrorCode::StageLast,
            TransitionError::NotHigher { .. } => ErrorCode::StageNotHigher,
            TransitionError::HigherStageNotAllowed { .. } => ErrorCode::StageHigherNotAllowed,
            TransitionError::ReasonRequired { .. } => ErrorCode::StageReasonRequired,
            TransitionError::RequirementsMissing { .. } => ErrorCode::StageRequirementsMissing,
            TransitionError::UnknownExclusion { .. } => ErrorCode::ExclusionUnknown,
            TransitionError::UnknownNotification { .. } => ErrorCode::NotificationUnknown,
            TransitionError::NotOwed { .. } => ErrorCode::NotificationNotOwed,
            TransitionError::AlreadySent { .. } => ErrorCode::NotificationAlreadySent,
            TransitionError::TooEarly { .. } => ErrorCode::TimeTooEarly,
            TransitionError::Empty { .. } => ErrorCode::FieldEmpty,
            TransitionError::AlreadyReceived { .. } => ErrorCode::StageAlreadyReceived,
            TransitionError::FieldNotInRecord { .. } | TransitionError::FieldUnknown { .. } => {
                ErrorCode::RecordFieldNotUsed
            }
            TransitionError::AlreadyOpen => ErrorCode::CaseLogInvalid,
            TransitionError::UnknownRoute { .. } => ErrorCode::RouteUnknown,
            TransitionError::RouteUnchanged { .. } => ErrorCode::RouteUnchanged,
            TransitionError::StageNotOnRoute { .. } => ErrorCode::RouteStageMissing,
            TransitionError::SkipNotAllowed { .. } => ErrorCode::StageSkipNotAllowed,
            TransitionError::SkipDecisionRequired { .. } => ErrorCode::StageSkipDecisionRequired,
            TransitionError::NothingSkipped => ErrorCode::StageNothingSkipped,
            TransitionError::UnknownDeadline { .. } => ErrorCode::DeadlineUnknown,
            TransitionError::ExtensionNotAllowed { .. } => ErrorCode::ExtensionNotAllowed,
            TransitionError::ExtensionNotLater { .. } => ErrorCode::ExtensionNotLater,
            TransitionError::Invalid { .. } => ErrorCode::FieldInvalid,
        }
    }

    /// The input field at fault, as the forms name it, where there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            TransitionError::UnknownStage { field, .. }
            | TransitionError::ReasonRequired { field, .. }
            | TransitionError::TooEarly { field, .. }
            | TransitionError::Empty { field } => Some(field),
            TransitionError::NotHigher { .. } => Some("to_stage"),
            TransitionError::HigherStageNotAllowed { .. } => Some("stage"),
            TransitionError::UnknownExclusion { .. } => Some("exclusion"),
            TransitionError::UnknownNotification { .. }
            | TransitionError::NotOwed { .. }
            | TransitionError::AlreadySent { .. } => Some("notification"),
            TransitionError::AlreadyReceived { .. } => Some("received_at"),
            TransitionError::FieldNotInRecord { .. } | TransitionError::FieldUnknown { .. } => {
                Some("extra")
            }
            TransitionError::UnknownRoute { .. } | TransitionError::RouteUnchanged { .. } => {
                Some("route")
            }
            TransitionError::StageNotOnRoute { .. } => Some("to_stage"),
            TransitionError::SkipNotAllowed { field, .. } => Some(field),
            TransitionError::SkipDecisionRequired { .. } | TransitionError::NothingSkipped => {
                Some("skip")
            }
            TransitionError::UnknownDeadline { .. }
            | TransitionError::ExtensionNotAllowed { .. } => Some("deadline"),
            TransitionError::ExtensionNotLater { .. } => Some("to"),
            TransitionError::Invalid { field, .. } => Some(field),
            TransitionError::Closed { .. }
            | TransitionError::WrongProtocol { .. }
            | TransitionError::NoNextStage { .. }
            | TransitionError::RequirementsMissing { .. }
            | TransitionError::AlreadyOpen => None,
        }
    }
}

fn unknown_route(protocol: &Protocol, route: &str) -> TransitionError {
    TransitionError::UnknownRoute {
        protocol: protocol.id.clone(),
        route: route.to_owned(),
        known: protocol.route_ids(),
    }
}

fn stage_list(p: &Protocol) -> String {
    p.stages
        .iter()
        .map(|s| s.number.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn non_empty(field: &'static str, s: &str) -> Result<(), TransitionError> {
    if s.trim().is_empty() {
        Err(TransitionError::Empty { field })
    } else {
        Ok(())
    }
}

fn not_before(
    field: &'static str,
    at: NaiveDateTime,
    what: &'static str,
    earliest: NaiveDateTime,
) -> Result<(), TransitionError> {
    if at < earliest {
        Err(TransitionError::TooEarly {
            field,
            at,
            what,
            earliest,
        })
    } else {
        Ok(())
    }
}

/// The formal stages of `route` strictly after `after` (all, for `None`) and before `to`.
fn between(route: &RouteView<'_>, after: Option<u8>, to: u8) -> Vec<u8> {
    route
        .stages()
        .filter(|s| !s.informal && after.is_none_or(|a| s.number > a) && s.number < to)
        .map(|s| s.number)
        .collect()
}

/// How a jump past stages is allowed: by immediate risk (the v1 rule), or by a recorded
/// decision where every stage gone past is optional or the protocol lets it be skipped.
struct Jump {
    decision: Option<SkipDecision>,
    by_risk: bool,
}

/// What the protocol's rules make of a move that goes past `skipped`: the one answer
/// both the move's check ([`check_jump`]) and the offer of moves (`crate::next`) read,
/// so what is offered is what is accepted.
pub(crate) struct JumpRule<'p> {
    /// The first stage gone past that is neither optional nor one the protocol's
    /// `[skipping]` lets be skipped: no recorded decision may go past it.
    pub blocked: Option<u8>,
    /// A stage gone past is not optional, so a decision relies on `[skipping]`, and
    /// must give the role of who decided (the protocol names it).
    pub relies_on_rule: bool,
    pub skipping: Option<&'p crate::protocol::Skipping>,
    /// Immediate risk to the child, with its reason, may take the case past any stage.
    pub by_risk_allowed: bool,
}

impl JumpRule<'_> {
    /// A recorded decision may go past the stages.
    pub fn decision_allowed(&self) -> bool {
        self.blocked.is_none()
    }

    /// A decision must give the role of who decided.
    pub fn role_needed(&self) -> bool {
        self.relies_on_rule && self.skipping.is_some()
    }
}

/// The rule for a move on `route` that goes past `skipped` (the formal stages between
/// where it leaves and where it goes).
pub(crate) fn jump_rule<'p>(
    protocol: &'p Protocol,
    route: &RouteView<'_>,
    skipped: &[u8],
) -> JumpRule<'p> {
    let optional = |n: u8| route.stage(n).is_some_and(|s: &Stage| s.optional);
    let skippable = |n: u8| {
        optional(n)
            || protocol
                .skipping
                .as_ref()
                .is_some_and(|rule| rule.allows(n))
    };
    JumpRule {
        blocked: skipped.iter().copied().find(|n| !skippable(*n)),
        relies_on_rule: skipped.iter().any(|n| !optional(*n)),
        skipping: protocol.skipping.as_ref(),
        by_risk_allowed: protocol.immediate_risk.higher_stage,
    }
}

/// Check a move from `from` (`None`: opening) to `to` that goes past `skipped`.
fn check_jump(
    protocol: &Protocol,
    route: &RouteView<'_>,
    skipped: &[u8],
    to: u8,
    has_risk: bool,
    skip: Option<SkipDecision>,
    fields: (&'static str, &'static str),
) -> Result<Jump, TransitionError> {
    let (reason_field, stage_field) = fields;
    if skipped.is_empty() {
        if skip.is_some() {
            return Err(TransitionError::NothingSkipped);
        }
        return Ok(Jump {
            decision: None,
            by_risk: false,
        });
    }
    let rule = jump_rule(protocol, route, skipped);
    let by_risk = rule.by_risk_allowed && has_risk;
    match skip {
        Some(decision) => {
            non_empty("skip.reason", &decision.reason)?;
            non_empty("skip.decided_by", &decision.decided_by)?;
            if let Some(n) = rule.blocked {
                if by_risk {
                    return Ok(Jump {
                        decision: Some(decision),
                        by_risk,
                    });
                }
                return Err(TransitionError::SkipNotAllowed {
                    field: stage_field,
                    stage: n,
                    words: rule
                        .skipping
                        .map(|s| format!(" ({})", s.words.trim()))
                        .unwrap_or_default(),
                });
            }
            let role = decision.role.filter(|r| !r.trim().is_empty());
            if role.is_none() && rule.role_needed() {
                if let Some(s) = rule.skipping {
                    return Err(TransitionError::Invalid {
                        field: "skip.role",
                        message: format!(
                            "give the role of who decided: the protocol says '{}' decides",
                            s.by
                        ),
                    });
                }
            }
            Ok(Jump {
                decision: Some(SkipDecision { role, ..decision }),
                by_risk,
            })
        }
        None if by_risk => Ok(Jump {
            decision: None,
            by_risk,
        }),
        None if rule.decision_allowed() => Err(TransitionError::SkipDecisionRequired {
            stages: skipped
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            role: match rule.skipping {
                Some(s) if rule.relies_on_rule => {
                    format!(" (and their role: the protocol says '{}' decides)", s.by)
                }
                _ => String::new(),
            },
        }),
        None if !rule.by_risk_allowed => Err(TransitionError::HigherStageNotAllowed {
            words: protocol.immediate_risk.words.clone(),
        }),
        None => Err(TransitionError::ReasonRequired {
            field: reason_field,
            stage: to,
        }),
    }
}

/// The stages an opening at `stage` on `route` goes past: the formal stages before it,
/// where it is above the route's first; refused where the route lacks the stage.
pub(crate) fn opening_path(
    protocol: &Protocol,
    route: &RouteView<'_>,
    stage: u8,
) -> Result<Vec<u8>, TransitionError> {
    if route.stage(stage).is_none() {
        return Err(TransitionError::UnknownStage {
            field: "stage",
            protocol: protocol.id.clone(),
            stage,
            known: route.stage_list(),
        });
    }
    Ok(if stage > route.first_stage() {
        between(route, None, stage)
    } else {
        Vec::new()
    })
}

/// Where an escalation from `from` goes (`to_stage`, else the route's next stage) and
/// the stages it goes past; refused where there is nowhere to go or the stage is not a
/// higher one of the route.
pub(crate) fn escalation_path(
    protocol: &Protocol,
    route: &RouteView<'_>,
    from: u8,
    to_stage: Option<u8>,
) -> Result<(u8, Vec<u8>), TransitionError> {
    let Escalation { next, to } = route
        .escalation(from, to_stage)
        .ok_or(TransitionError::NoNextStage { stage: from })?;
    if route.stage(to).is_none() {
        return Err(TransitionError::UnknownStage {
            field: "to_stage",
            protocol: protocol.id.clone(),
            stage: to,
            known: route.stage_list(),
        });
    }
    if to <= from {
        return Err(TransitionError::NotHigher { from, to });
    }
    let skipped = if to > next {
        between(route, Some(from), to)
    } else {
        Vec::new()
    };
    Ok((to, skipped))
}

/// The stage a switch to `new` puts the case at: `to_stage`, else the stage it is at,
/// where the new route has it.
pub(crate) fn switch_stage(
    new: &RouteView<'_>,
    current: u8,
    to_stage: Option<u8>,
) -> Result<u8, TransitionError> {
    let stage = to_stage.unwrap_or(current);
    if new.stage(stage).is_none() {
        return Err(TransitionError::StageNotOnRoute {
            route: new.id().to_owned(),
            stage,
            known: new.stage_list(),
        });
    }
    Ok(stage)
}

/// A deadline of an open case that an extension may name: the current stage's dated
/// timescale (`timescale`), or a limit of the case's route that is counting; with the
/// protocol's rule on extending it, where it has one.
pub(crate) struct ExtensionCandidate<'p> {
    /// `timescale` or the limit's id: what [`Event::Extend`] names.
    pub deadline: &'p str,
    /// The stage, for a timescale.
    pub stage: Option<u8>,
    /// The protocol's words for the deadline.
    pub words: &'p str,
    pub rule: Option<&'p crate::protocol::ExtensionRule>,
}

impl Case {
    /// The deadlines an extension of this case at Stage `current` on `route` may name,
    /// the timescale first: the move's check and the offer of extensions both read
    /// this, so what is offered is what is accepted.
    pub(crate) fn extension_candidates<'p>(
        &self,
        route: &RouteView<'p>,
        current: u8,
    ) -> Vec<ExtensionCandidate<'p>> {
        let timescale = route
            .timescale(current)
            .filter(|t| t.within.is_dated())
            .map(|t| ExtensionCandidate {
                deadline: DeadlineId::TIMESCALE,
                stage: Some(current),
                words: &t.words,
                rule: t.extension.as_ref(),
            });
        timescale
            .into_iter()
            .chain(
                route
                    .limits()
                    .iter()
                    .filter(|l| self.limit_is_live(l))
                    .map(|l| ExtensionCandidate {
                        deadline: &l.id,
                        stage: None,
                        words: &l.words,
                        rule: l.extension.as_ref(),
                    }),
            )
            .collect()
    }
}

impl Case {
    /// Open a case under `protocol`. `opened_at` is required: the engine has no clock.
    pub fn open(
        protocol: &Protocol,
        opened_at: NaiveDateTime,
        opening: Opening,
    ) -> Result<Case, TransitionError> {
        let route = protocol
            .route(opening.route.as_deref())
            .ok_or_else(|| unknown_route(protocol, opening.route.as_deref().unwrap_or("")))?;
        let route_id = route.case_id();
        let stage = opening.stage.unwrap_or(route.first_stage());
        let skipped = opening_path(protocol, &route, stage)?;
        let risk = opening.immediate_risk.filter(|r| !r.trim().is_empty());
        let jump = check_jump(
            protocol,
            &route,
            &skipped,
            stage,
            risk.is_some(),
            opening.skip,
            ("immediate_risk", "stage"),
        )?;
        Ok(Case {
            protocol: protocol.id.clone(),
            opened_at,
            raising_sector: opening.raising_sector,
            receiving_sector: opening.receiving_sector,
            immediate_risk: risk,
            state: CaseState::Open,
            stages: vec![StageEntry::new(stage, route_id.clone(), opened_at)],
            shorter_deadlines: Vec::new(),
            sent: Vec::new(),
            skips: jump
                .decision
                .map(|decision| Skipped {
                    at: opened_at,
                    from: None,
                    to: stage,
                    stages: skipped,
                    route: route_id.clone(),
                    decision,
                })
                .into_iter()
                .collect(),
            route: route_id,
            route_switches: Vec::new(),
            extensions: Vec::new(),
        })
    }

    /// The route the case is on.
    pub fn route_view<'p>(&self, protocol: &'p Protocol) -> Result<RouteView<'p>, TransitionError> {
        protocol
            .route(self.route.as_deref())
            .ok_or_else(|| unknown_route(protocol, self.route.as_deref().unwrap_or("")))
    }

    /// The definition of the stage an entry of this case is at, on the entry's route.
    #[inline]
    pub fn stage_of<'p>(&self, protocol: &'p Protocol, entry: &StageEntry) -> Option<&'p Stage> {
        protocol
            .route(entry.route.as_deref())
            .and_then(|r| r.stage(entry.stage))
    }

    /// Stages whose timescale was extended: what the Board counts.
    pub fn extended_stages(&self) -> BTreeSet<u8> {
        self.extensions.iter().filter_map(|e| e.stage).collect()
    }

    /// When a limit of the case's route starts counting: the outset, or the start of
    /// the limit's stage (or the first later stage of the run the case reached on this
    /// route); `None` before that.
    pub fn limit_anchor(&self, limit: &crate::protocol::RunLimit) -> Option<NaiveDateTime> {
        match limit.anchor_stage() {
            None => Some(self.opened_at),
            Some(from) => {
                let last = limit.run().map_or(u8::MAX, |(_, last)| last);
                self.stages
                    .iter()
                    .find(|e| e.route == self.route && e.stage >= from && e.stage <= last)
                    .map(|e| e.started_at)
            }
        }
    }

    /// Whether a limit of the case's route is counting now: the case is open, the limit
    /// has started, and the case has not left the run's last stage.
    pub fn limit_is_live(&self, limit: &crate::protocol::RunLimit) -> bool {
        self.is_open()
            && limit
                .run()
                .is_none_or(|(_, last)| self.current_stage() <= last)
            && self.limit_anchor(limit).is_some()
    }

    /// The latest extension of a deadline: `timescale` of `stage`, or a limit.
    #[inline]
    pub fn extension_of(&self, deadline: &DeadlineId, stage: Option<u8>) -> Option<&Extension> {
        self.extensions
            .iter()
            .rev()
            .find(|e| e.deadline == *deadline && e.stage == stage && e.route == self.route)
    }

    /// The latest extension of the limit `id` (or the cap): [`Case::extension_of`]
    /// without building a [`DeadlineId`], for the dashboard's every case.
    #[inline]
    pub fn limit_extension(&self, id: &str) -> Option<&Extension> {
        self.extensions.iter().rev().find(|e| {
            matches!(&e.deadline, DeadlineId::Limit(l) if l == id)
                && e.stage.is_none()
                && e.route == self.route
        })
    }

    pub fn is_open(&self) -> bool {
        self.state == CaseState::Open
    }

    /// The stage the case is at (or ended at).
    pub fn current(&self) -> Option<&StageEntry> {
        self.stages.last()
    }

    pub fn current_stage(&self) -> u8 {
        self.current().map_or(0, |e| e.stage)
    }

    fn require_open(&self) -> Result<&StageEntry, TransitionError> {
        if !self.is_open() {
            return Err(TransitionError::Closed {
                state: self.state.as_str(),
            });
        }
        self.current()
            .ok_or(TransitionError::Closed { state: "empty" })
    }

    /// Requirements of the current stage that its records do not yet meet.
    pub fn escalation_blockers(&self, protocol: &Protocol) -> Vec<Requirement> {
        let Some(entry) = self.current() else {
            return Vec::new();
        };
        self.stage_of(protocol, entry)
            .map(|s| {
                // The stage's own list, then the fields the protocol requires before
                // escalation wherever a record asks for them.
                let declared = s.record.fields.iter().filter_map(|f| {
                    protocol
                        .record_field(f.as_str())
                        .filter(|d| d.required_to_escalate)
                        .map(|_| Requirement::Field(f.clone()))
                });
                let mut all: Vec<Requirement> = s.escalate_requires.clone();
                for r in declared {
                    if !all.contains(&r) {
                        all.push(r);
                    }
                }
                all.retain(|r| !entry.has(r));
                all
            })
            .unwrap_or_default()
    }

    /// Apply a move. On error the case is unchanged.
    pub fn apply(&mut self, protocol: &Protocol, event: Event) -> Result<(), TransitionError> {
        if self.protocol != protocol.id {
            return Err(TransitionError::WrongProtocol {
                case: self.protocol.clone(),
                protocol: protocol.id.clone(),
            });
        }
        match event {
            Event::Record(record) => self.record(protocol, record),
            Event::Receive { at } => self.receive(at),
            Event::Escalate {
                at,
                to_stage,
                reason,
                skip,
            } => self.escalate(protocol, at, to_stage, reason, skip),
            Event::Resolve { at, .. } => {
                let entry = self.require_open()?;
                not_before("at", at, "the start of the current stage", entry.started_at)?;
                let stage = entry.stage;
                self.state = CaseState::Resolved { at, stage };
                Ok(())
            }
            Event::Withdraw { at, reason } => {
                let entry = self.require_open()?;
                not_before("at", at, "the start of the current stage", entry.started_at)?;
                non_empty("reason", &reason)?;
                self.state = CaseState::Withdrawn { at, reason };
                Ok(())
            }
            Event::Redirect { at, exclusion } => {
                let entry = self.require_open()?;
                not_before("at", at, "the start of the current stage", entry.started_at)?;
                if protocol.exclusion(&exclusion).is_none() {
                    return Err(TransitionError::UnknownExclusion {
                        id: exclusion,
                        known: protocol
                            .exclusions
                            .iter()
                            .map(|e| e.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
                self.state = CaseState::Redirected { at, exclusion };
                Ok(())
            }
            Event::MarkSent {
                at,
                stage,
                notification,
                ..
            } => self.mark_sent(protocol, at, stage, notification),
            Event::ShortenDeadline { due, reason, .. } => {
                let entry = self.require_open()?;
                non_empty("reason", &reason)?;
                not_before(
                    "due",
                    due,
                    "the start of the current stage",
                    entry.started_at,
                )?;
                let stage = entry.stage;
                self.shorter_deadlines
                    .push(ShorterDeadline { stage, due, reason });
                Ok(())
            }
            Event::SwitchRoute {
                at,
                route,
                reason,
                to_stage,
            } => self.switch_route(protocol, at, route, reason, to_stage),
            Event::Extend {
                at,
                deadline,
                to,
                agreed_by,
                agreed_on,
                reason,
            } => self.extend(
                protocol,
                at,
                deadline,
                NewDue {
                    to,
                    agreed_by,
                    agreed_on,
                    reason,
                },
            ),
            Event::MoveProtocol { at, .. } => self.move_protocol(protocol, at),
            Event::Open { .. } | Event::Migrated { .. } => Err(TransitionError::AlreadyOpen),
        }
    }

    /// The checks a move to another version of the protocol needs, `protocol` being the
    /// version moved to: the case is open, and the new version has the case's route and
    /// its current stage on it, so every later event has rules to run under.
    fn move_protocol(
        &mut self,
        protocol: &Protocol,
        at: NaiveDateTime,
    ) -> Result<(), TransitionError> {
        let entry = self.require_open()?;
        not_before("at", at, "the start of the current stage", entry.started_at)?;
        let stage = entry.stage;
        let route = protocol.route(self.route.as_deref()).ok_or_else(|| TransitionError::Invalid {
            field: "to",
            message: format!(
                "version {} of protocol '{}' has no route '{}', which the case is on: it cannot move to that version",
                protocol.version,
                protocol.id,
                self.route.as_deref().unwrap_or_default()
            ),
        })?;
        if route.stage(stage).is_none() {
            return Err(TransitionError::Invalid {
                field: "to",
                message: format!(
                    "version {} of protocol '{}' has no Stage {stage} on the case's route (it has {}): the case is at Stage {stage}, so it cannot move to that version",
                    protocol.version,
                    protocol.id,
                    route.stage_list()
                ),
            });
        }
        Ok(())
    }

    /// The case its events make, from the first (`Open`, or `Migrated` for a case
    /// carried over from a store made before the log) through every move, each checked
    /// by the same rules as when it happened. Pure: the same events and protocol always
    /// give the same case. A move to another version of the protocol is refused here:
    /// [`Case::replay_pinned`] replays a case whose protocol version changed.
    pub fn replay<'e>(
        protocol: &Protocol,
        events: impl IntoIterator<Item = &'e Event>,
    ) -> Result<Case, ReplayError> {
        Case::replay_pinned(protocol, |_| None, events).map(|(case, _)| case)
    }

    /// [`Case::replay`] for a case whose protocol version may have changed: the events
    /// run under `opened_under` until a [`Event::MoveProtocol`], and under the version
    /// `resolve` gives for its `to` hash after it. Gives the case and the version it
    /// now runs under.
    ///
    /// `P` is how the caller holds a version: a borrow, or a shared handle to one a
    /// cache may drop later.
    pub fn replay_pinned<'e, P: Borrow<Protocol>>(
        opened_under: P,
        resolve: impl Fn(&str) -> Option<P>,
        events: impl IntoIterator<Item = &'e Event>,
    ) -> Result<(Case, P), ReplayError> {
        let mut protocol = opened_under;
        let mut case: Option<Case> = None;
        for (i, event) in events.into_iter().enumerate() {
            let fail = |reason: String| ReplayError {
                position: i + 1,
                kind: event.kind(),
                reason,
            };
            match (event, case.as_mut()) {
                (Event::Open { at, opening }, None) => {
                    case = Some(
                        Case::open(protocol.borrow(), *at, opening.clone())
                            .map_err(|e| fail(e.to_string()))?,
                    );
                }
                (Event::Migrated { case: whole }, _) => {
                    if whole.protocol != protocol.borrow().id {
                        return Err(fail(format!(
                            "it belongs to protocol '{}', not '{}'",
                            whole.protocol,
                            protocol.borrow().id
                        )));
                    }
                    case = Some((**whole).clone());
                }
                (Event::Open { .. }, Some(_)) => {
                    return Err(fail("the case was already open".to_owned()))
                }
                (_, None) => return Err(fail("the case was not opened first".to_owned())),
                (Event::MoveProtocol { to, .. }, Some(c)) => {
                    let next = resolve(&to.sha256).ok_or_else(|| {
                        fail(format!(
                            "version {} of its protocol (SHA-256 {}) is not installed",
                            to.version,
                            to.sha256.get(..12).unwrap_or(&to.sha256)
                        ))
                    })?;
                    c.apply(next.borrow(), event.clone())
                        .map_err(|e| fail(e.to_string()))?;
                    protocol = next;
                }
                (event, Some(c)) => c
                    .apply(protocol.borrow(), event.clone())
                    .map_err(|e| fail(e.to_string()))?,
            }
        }
        let case = case.ok_or_else(|| ReplayError {
            position: 0,
            kind: "none",
            reason: "the case has no events".to_owned(),
        })?;
        Ok((case, protocol))
    }

    fn record(
        &mut self,
        protocol: &Protocol,
        record: RecordSummary,
    ) -> Result<(), TransitionError> {
        let entry = self.require_open()?;
        not_before(
            "discussed_at",
            record.discussed_at,
            "the opening of the case",
            self.opened_at,
        )?;
        if let Some(stage) = self.stage_of(protocol, entry) {
            if let Some(f) = record
                .fields
                .iter()
                .find(|f| protocol.record_field(f.as_str()).is_none())
            {
                return Err(TransitionError::FieldUnknown {
                    field: f.clone(),
                    protocol: protocol.id.clone(),
                    known: protocol
                        .record_fields
                        .iter()
                        .map(|d| d.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            if let Some(f) = record
                .fields
                .iter()
                .find(|f| !stage.record.fields.contains(f))
            {
                return Err(TransitionError::FieldNotInRecord {
                    field: f.clone(),
                    allowed: if stage.record.fields.is_empty() {
                        "no extra fields".to_owned()
                    } else {
                        stage
                            .record
                            .fields
                            .iter()
                            .map(|f| f.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                });
            }
        }
        if let Some(entry) = self.stages.last_mut() {
            entry.records.push(record);
        }
        Ok(())
    }

    fn receive(&mut self, at: NaiveDateTime) -> Result<(), TransitionError> {
        let entry = self.require_open()?;
        not_before(
            "received_at",
            at,
            "the start of the current stage",
            entry.started_at,
        )?;
        if let Some(prev) = entry.received_at {
            return Err(TransitionError::AlreadyReceived { at: prev });
        }
        if let Some(entry) = self.stages.last_mut() {
            entry.received_at = Some(at);
        }
        Ok(())
    }

    fn escalate(
        &mut self,
        protocol: &Protocol,
        at: NaiveDateTime,
        to_stage: Option<u8>,
        reason: Option<String>,
        skip: Option<SkipDecision>,
    ) -> Result<(), TransitionError> {
        let entry = self.require_open()?;
        not_before("at", at, "the start of the current stage", entry.started_at)?;
        let from = entry.stage;
        let route = self.route_view(protocol)?;
        let (to, skipped) = escalation_path(protocol, &route, from, to_stage)?;
        let reason = reason.filter(|r| !r.trim().is_empty());
        let jump = check_jump(
            protocol,
            &route,
            &skipped,
            to,
            reason.is_some() || self.immediate_risk.is_some(),
            skip,
            ("reason", "to_stage"),
        )?;
        let missing = self.escalation_blockers(protocol);
        if !missing.is_empty() {
            let fields: Vec<RecordField> = missing
                .iter()
                .filter_map(|r| match r {
                    Requirement::Field(f) => Some(f.clone()),
                    Requirement::Record => None,
                })
                .collect();
            let how = if fields.is_empty() {
                format!("Add a stage record of the Stage {from} discussion or meeting.")
            } else {
                format!(
                    "Add a Stage {from} record that fills in {}.",
                    fields
                        .iter()
                        .map(|f| format!("'{f}' ({})", protocol.field_label(f)))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )
            };
            return Err(TransitionError::RequirementsMissing {
                stage: from,
                missing: missing
                    .iter()
                    .map(|r| match r {
                        Requirement::Record => "a written record of this stage".to_owned(),
                        Requirement::Field(f) => format!("a stage record with the '{f}' field"),
                    })
                    .collect::<Vec<_>>()
                    .join(" and "),
                how,
                fields,
                next_step: route
                    .stage(from)
                    .map(|s| s.next_step.clone())
                    .unwrap_or_default(),
            });
        }
        if jump.by_risk && self.immediate_risk.is_none() {
            self.immediate_risk = reason;
        }
        if let Some(entry) = self.stages.last_mut() {
            entry.left_at = Some(at);
        }
        self.stages
            .push(StageEntry::new(to, self.route.clone(), at));
        if let Some(decision) = jump.decision {
            self.skips.push(Skipped {
                at,
                from: Some(from),
                to,
                stages: skipped,
                route: self.route.clone(),
                decision,
            });
        }
        Ok(())
    }

    fn switch_route(
        &mut self,
        protocol: &Protocol,
        at: NaiveDateTime,
        route: String,
        reason: String,
        to_stage: Option<u8>,
    ) -> Result<(), TransitionError> {
        let entry = self.require_open()?;
        not_before("at", at, "the start of the current stage", entry.started_at)?;
        let current = entry.stage;
        let new = protocol
            .route(Some(&route))
            .ok_or_else(|| unknown_route(protocol, &route))?;
        let old = self.route_view(protocol)?;
        if new.id() == old.id() {
            return Err(TransitionError::RouteUnchanged {
                route: new.id().to_owned(),
            });
        }
        non_empty("reason", &reason)?;
        let stage = switch_stage(&new, current, to_stage)?;
        let new_id = new.case_id();
        match to_stage {
            // The same stage on the new route: its clock runs on.
            None => {
                if let Some(entry) = self.stages.last_mut() {
                    entry.route = new_id.clone();
                }
            }
            Some(n) => {
                if let Some(entry) = self.stages.last_mut() {
                    entry.left_at = Some(at);
                }
                self.stages.push(StageEntry::new(n, new_id.clone(), at));
            }
        }
        self.route_switches.push(RouteSwitch {
            at,
            from: old.case_id(),
            to: new_id.clone(),
            stage,
            reason,
        });
        self.route = new_id;
        Ok(())
    }

    /// The checks an extension needs that do not depend on the calendar (the new due
    /// being later than the deadline as it stands is checked by [`Case::apply_on`]).
    fn extend(
        &mut self,
        protocol: &Protocol,
        at: NaiveDateTime,
        deadline: DeadlineId,
        new: NewDue,
    ) -> Result<(), TransitionError> {
        let entry = self.require_open()?;
        not_before("at", at, "the start of the current stage", entry.started_at)?;
        let current = entry.stage;
        let route = self.route_view(protocol)?;
        let candidates = self.extension_candidates(&route, current);
        let Some(found) = candidates.iter().find(|c| c.deadline == deadline.as_str()) else {
            return Err(TransitionError::UnknownDeadline {
                id: deadline.as_str().to_owned(),
                known: if candidates.is_empty() {
                    "none: no deadline of this stage is dated".to_owned()
                } else {
                    candidates
                        .iter()
                        .map(|c| c.deadline)
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            });
        };
        if found.rule.is_none() {
            return Err(TransitionError::ExtensionNotAllowed {
                what: match found.stage {
                    Some(n) => format!("Stage {n}'s timescale"),
                    None => format!("the limit '{}'", found.deadline),
                },
            });
        }
        let stage = found.stage;
        non_empty("agreed_by", &new.agreed_by)?;
        non_empty("reason", &new.reason)?;
        if !matches!(new.to, Due::EndOfDay(_) | Due::At(_)) {
            return Err(TransitionError::Invalid {
                field: "to",
                message: "give the new due date, or date and time".to_owned(),
            });
        }
        if new.agreed_on > at.date() {
            return Err(TransitionError::Invalid {
                field: "agreed_on",
                message: format!(
                    "{} is after the extension is recorded ({}): give the day it was agreed",
                    new.agreed_on,
                    at.date()
                ),
            });
        }
        if new.agreed_on < self.opened_at.date() {
            return Err(TransitionError::Invalid {
                field: "agreed_on",
                message: format!(
                    "{} is before the case opened ({}): give the day it was agreed",
                    new.agreed_on,
                    self.opened_at.date()
                ),
            });
        }
        // A stage's timescale can only be extended once the stage has begun: an agreement
        // dated earlier was about something else.
        if let (Some(stage), Some(entry)) = (stage, self.stages.last()) {
            if new.agreed_on < entry.started_at.date() {
                return Err(TransitionError::Invalid {
                    field: "agreed_on",
                    message: format!(
                        "{} is before Stage {stage} began ({}): give the day it was agreed",
                        new.agreed_on,
                        entry.started_at.date()
                    ),
                });
            }
        }
        if let Some(prev) = self.extension_of(&deadline, stage) {
            if new.to.order_key() <= prev.to.order_key() {
                return Err(TransitionError::ExtensionNotLater {
                    to: new.to.to_string(),
                    current: prev.to.to_string(),
                });
            }
        }
        self.extensions.push(Extension {
            at,
            deadline,
            stage,
            route: self.route.clone(),
            to: new.to,
            agreed_by: new.agreed_by,
            agreed_on: new.agreed_on,
            reason: new.reason,
        });
        Ok(())
    }

    fn mark_sent(
        &mut self,
        protocol: &Protocol,
        at: NaiveDateTime,
        stage: Option<u8>,
        id: String,
    ) -> Result<(), TransitionError> {
        not_before("at", at, "the opening of the case", self.opened_at)?;
        let (notification, on) = match stage {
            Some(n) => {
                // The stage as the case was at it (its route), else on the case's route.
                let def = self
                    .stages
                    .iter()
                    .rev()
                    .find(|e| e.stage == n)
                    .and_then(|e| self.stage_of(protocol, e))
                    .or_else(|| self.route_view(protocol).ok().and_then(|r| r.stage(n)))
                    .ok_or_else(|| TransitionError::UnknownStage {
                        field: "stage",
                        protocol: protocol.id.clone(),
                        stage: n,
                        known: self
                            .route_view(protocol)
                            .map(|r| r.stage_list())
                            .unwrap_or_else(|_| stage_list(protocol)),
                    })?;
                let notification = def.notifications.iter().find(|x| x.id == id);
                let known = def
                    .notifications
                    .iter()
                    .map(|x| x.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let notification =
                    notification.ok_or_else(|| TransitionError::UnknownNotification {
                        id: id.clone(),
                        place: format!("Stage {n}"),
                        known,
                    })?;
                let owed = self
                    .stages
                    .iter()
                    .filter(|e| e.stage == n)
                    .any(|e| e.anchor_time(self, notification.on).is_some());
                (owed, notification.on)
            }
            None => {
                let notification = protocol
                    .on_resolution
                    .iter()
                    .find(|x| x.id == id)
                    .ok_or_else(|| TransitionError::UnknownNotification {
                        id: id.clone(),
                        place: "the protocol's on-resolution list".to_owned(),
                        known: protocol
                            .on_resolution
                            .iter()
                            .map(|x| x.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })?;
                (
                    matches!(self.state, CaseState::Resolved { .. }),
                    notification.on,
                )
            }
        };
        if !notification {
            return Err(TransitionError::NotOwed {
                id,
                on: on.as_str(),
            });
        }
        if let Some(prev) = self
            .sent
            .iter()
            .find(|s| s.stage == stage && s.notification == id)
        {
            return Err(TransitionError::AlreadySent { id, at: prev.at });
        }
        self.sent.push(Sent {
            stage,
            notification: id,
            at,
        });
        Ok(())
    }
}
