//! The CLI's errors: each names the option or file at fault and says what to do.

use std::fmt;

use escalate_core::{CalendarError, ProtocolErrors};

#[derive(Debug)]
pub enum CliError {
    /// An option's value is malformed.
    Invalid {
        option: &'static str,
        message: String,
    },
    Calendar {
        option: &'static str,
        source: CalendarError,
    },
    /// A protocol file has problems; each line is `file:line: field: what is wrong`.
    Protocol(ProtocolErrors),
    UnknownProtocol {
        id: String,
        known: String,
    },
    Io {
        path: String,
        source: std::io::Error,
    },
    Output(std::io::Error),
    Json(serde_json::Error),
    /// A store operation failed; its message names the field and the fix.
    Store(escalate_store::StoreError),
    /// The audit trail is broken: the verification ran, the answer is bad.
    AuditBroken(String),
    Report(escalate_report::ReportError),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid { .. }
            | CliError::Calendar { .. }
            | CliError::Protocol(_)
            | CliError::UnknownProtocol { .. } => 2,
            CliError::Io { .. } | CliError::Output(_) | CliError::Json(_) => 1,
            CliError::Store(e) => match e.code() {
                "io" | "database" | "random" | "store.open" => 1,
                _ => 2,
            },
            CliError::AuditBroken(_) => 3,
            CliError::Report(e) => match e.code() {
                "report.pdf" | "report.font" => 1,
                _ => 2,
            },
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Invalid { option, message } => write!(f, "escalate: {option}: {message}"),
            CliError::Calendar { option, source } => write!(f, "escalate: {option}: {source}"),
            // Already in `file:line: field: message` form, one a line, for editors to jump to.
            CliError::Protocol(errors) => write!(f, "{errors}"),
            CliError::UnknownProtocol { id, known } => write!(
                f,
                "escalate: --protocol: no shipped protocol is called '{id}': use one of {known}, or give the path of a .toml protocol file"
            ),
            CliError::Io { path, source } => write!(f, "escalate: {path}: {source}"),
            CliError::Output(e) => write!(f, "escalate: could not write output: {e}"),
            CliError::Json(e) => write!(f, "escalate: could not write JSON: {e}"),
            CliError::Store(e) => write!(f, "escalate: {e}"),
            CliError::AuditBroken(m) => write!(f, "escalate: {m}"),
            CliError::Report(e) => write!(f, "escalate: {e}"),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Output(e)
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::Json(e)
    }
}

impl From<escalate_store::StoreError> for CliError {
    fn from(e: escalate_store::StoreError) -> Self {
        CliError::Store(e)
    }
}
