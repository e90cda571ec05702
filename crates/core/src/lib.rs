//! Escalate's domain: Resolution of Professional Differences protocols as data, UK
//! working-day calendars, the case state machine and the deadline engine.
//!
//! Pure: no I/O, no clock, no async. Every function that depends on time takes it as
//! an argument, so the same inputs always give the same answers.

pub mod calendar;
pub mod case;
pub mod case_file;
pub mod code;
pub mod engine;
pub mod form;
pub mod format;
pub mod holiday_data;
pub mod input;
mod json_error;
pub mod model;
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
pub use engine::{
    plan, plan_route, CaseStatus, Due, Engine, EngineError, Plan, PlanDue, PlannedLimit,
    PlannedStage, Summary, Urgency,
};
pub use holiday_data::{HolidayData, HolidayFileError};
pub use model::{FieldError, StateKind};
pub use protocol::{
    builtin_protocol, builtin_protocols, FormId, Limit, Protocol, ProtocolError, ProtocolErrors,
    Route, RouteView, RunLimit,
};
pub use sector::Sector;
