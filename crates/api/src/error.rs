//! The one error both front ends receive: a closed code to branch on, the input field
//! at fault when there is one, and a message that names the field and the fix. The
//! desktop app sends it across IPC as is (`{code, field?, message}`).

use escalate_core::protocol::RecordField;
use escalate_core::{ErrorCode, TransitionError};
use escalate_store::StoreError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "AppError"))]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    /// The input field at fault, as the forms name it (`child_name`, `due`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub field: Option<String>,
    pub message: String,
    /// For `stage.requirements_missing`: the record fields the stage still needs, for a
    /// front end that words its own way of giving them (the command line's hint). Not
    /// sent across IPC: the message already says it in words.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub missing_fields: Vec<RecordField>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            field: None,
            message: message.into(),
            missing_fields: Vec::new(),
        }
    }

    /// A field's value cannot be used. The message is prefixed with the field's name,
    /// as every field error reads (`confirm: does not match …`).
    pub fn field(field: &str, message: impl std::fmt::Display) -> ApiError {
        ApiError {
            field: Some(field.to_owned()),
            ..ApiError::new(ErrorCode::FieldInvalid, format!("{field}: {message}"))
        }
    }

    pub fn with_field(mut self, field: Option<&str>) -> ApiError {
        self.field = field.map(str::to_owned);
        self
    }

    /// The same refusal under another code.
    pub fn with_code(mut self, code: ErrorCode) -> ApiError {
        self.code = code;
        self
    }

    /// A file could not be read: its path and the system's words, nothing of its content.
    pub(crate) fn io(path: &std::path::Path, e: &std::io::Error) -> ApiError {
        ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()))
    }
}

impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> Self {
        let missing_fields = match &e {
            TransitionError::RequirementsMissing { fields, .. } => fields.clone(),
            _ => Vec::new(),
        };
        ApiError {
            missing_fields,
            ..ApiError::new(e.code(), e.to_string()).with_field(e.field())
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Transition(t) => t.into(),
            e => ApiError::new(e.code(), e.to_string()).with_field(e.field()),
        }
    }
}

macro_rules! from_domain {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(e: $t) -> Self {
                ApiError::new(e.code(), e.to_string()).with_field(e.field())
            }
        }
    )*};
}

from_domain!(escalate_report::ReportError, escalate_core::FieldError);

macro_rules! from_unfielded {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(e: $t) -> Self {
                ApiError::new(e.code(), e.to_string())
            }
        }
    )*};
}

from_unfielded!(
    escalate_core::CalendarError,
    escalate_core::EngineError,
    escalate_core::ReplayError,
    escalate_core::ProtocolErrors,
    // Its field is a place in the file (`scotland.events[3].date`), not an input a
    // form shows: the message says it.
    escalate_core::HolidayFileError
);
