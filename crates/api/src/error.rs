//! The one error both front ends receive: a closed code to branch on, the input field
//! at fault when there is one, and a message that names the field and the fix. The
//! desktop app sends it across IPC as is (`{code, field?, message}`).

use escalate_core::ErrorCode;
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
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            field: None,
            message: message.into(),
        }
    }

    /// A field's value cannot be used. The message is prefixed with the field's name,
    /// as every field error reads (`confirm: does not match …`).
    pub fn field(field: &str, message: impl std::fmt::Display) -> ApiError {
        ApiError {
            code: ErrorCode::FieldInvalid,
            field: Some(field.to_owned()),
            message: format!("{field}: {message}"),
        }
    }

    pub fn with_field(mut self, field: Option<&str>) -> ApiError {
        self.field = field.map(str::to_owned);
        self
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

from_domain!(
    escalate_store::StoreError,
    escalate_report::ReportError,
    escalate_core::TransitionError,
    escalate_core::FieldError
);

impl From<escalate_core::CalendarError> for ApiError {
    fn from(e: escalate_core::CalendarError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

impl From<escalate_core::EngineError> for ApiError {
    fn from(e: escalate_core::EngineError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

impl From<escalate_core::ReplayError> for ApiError {
    fn from(e: escalate_core::ReplayError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

impl From<escalate_core::ProtocolErrors> for ApiError {
    fn from(e: escalate_core::ProtocolErrors) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}
