//! The one error that crosses IPC is escalate-api's: `{code, field?, message}`, the code
//! from a closed list the UI receives as a TypeScript union. The UI branches on `code`
//! and marks `field`; it shows `message` (which names the field and the fix).

pub use escalate_api::ApiError as AppError;
pub use escalate_core::ErrorCode;

pub type AppResult<T> = Result<T, AppError>;

/// The shell's own refusal when no store is open.
pub fn locked() -> AppError {
    AppError::new(
        ErrorCode::StoreLocked,
        "Escalate is locked: unlock it to see and change cases",
    )
}
