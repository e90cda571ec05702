//! Escalate's domain: Resolution of Professional Differences protocols as data, UK
//! working-day calendars, the case state machine and the deadline engine.
//!
//! Pure: no I/O, no clock, no async. Every function that depends on time takes it as
//! an argument, so the same inputs always give the same answers.

pub mod calendar;
pub mod case;
pub mod case_file;
pub mod code;
pub mod deadline;
pub mod engine;
pub mod form;
pub mod format;
pub mod holiday_data;
mod holiday_rules;
pub mod input;
mod json_error;
pub mod model;
pub mod next;
pub mod protocol;
mod protocol_file;
pub mod sector;

pub use calendar::{Calendar, CalendarError, CalendarId, Holiday};
pub use case::{
    Case, CaseState, Event, Extension, Opening, ProtocolPin, RecordSummary, ReplayError,
    RouteSwitch, SkipDecision, Skipped, TransitionError,
};
pub use case_file::{CaseFile, CaseText, LoggedEvent};
pub use code::ErrorCode;
pub use deadline::{DeadlineId, Due};
pub use engine::{
    plan, plan_route, CaseStatus, Engine, EngineError, Plan, PlanDue, PlannedLimit, PlannedStage,
    Summary, Urgency,
};
pub use holiday_data::{HolidayData, HolidayFileError};
pub use model::{FieldError, StateKind};
pub use next::{
    intake, DecisionNeeds, ExtendableDeadline, Intake, IntakeRoute, NextSteps, RiskNeeds,
    RouteChoice, StageRef, StageTarget, SwitchTargets,
};
pub use protocol::{
    FormId, Limit, Protocol, ProtocolError, ProtocolErrors, Route, RouteView, RunLimit,
};
pub use protocol_file::{builtin_ids, builtin_protocol, builtin_protocols, builtin_texts};
pub use sector::Sector;
