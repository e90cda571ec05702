//! The one error type that crosses IPC: `{code, message}`. The UI branches on `code`
//! (stable, dotted) and shows `message` (names the field and the fix).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AppError {
    pub code: String,
    pub message: String,
}

impl AppError {
    pub fn new(code: &str, message: impl Into<String>) -> AppError {
        AppError {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub fn locked() -> AppError {
        AppError::new(
            "store.locked",
            "Escalate is locked: unlock it to see and change cases",
        )
    }

    pub fn field(field: &str, message: impl std::fmt::Display) -> AppError {
        AppError::new("field.invalid", format!("{field}: {message}"))
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for AppError {}

impl From<escalate_store::StoreError> for AppError {
    fn from(e: escalate_store::StoreError) -> Self {
        AppError::new(e.code(), e.to_string())
    }
}

impl From<escalate_report::ReportError> for AppError {
    fn from(e: escalate_report::ReportError) -> Self {
        AppError::new(e.code(), e.to_string())
    }
}

pub type AppResult<T> = Result<T, AppError>;
