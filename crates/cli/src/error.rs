//! The CLI's errors: each names the option or file at fault and says what to do.

use std::fmt;

use escalate_core::{CalendarError, ErrorCode, ProtocolErrors, TransitionError};

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
    /// Protocol files with problems; each line is `file:line: field: what is wrong`.
    Protocol(Vec<ProtocolErrors>),
    /// A bank-holiday file with a problem, as `file:line: field: what is wrong`.
    HolidayFile(escalate_core::HolidayFileError),
    /// A file the user named cannot be used as given (a device, too large, not text).
    File {
        path: String,
        message: String,
    },
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
    /// A store error followed by how to put it right on the command line.
    Hinted {
        source: Box<escalate_store::StoreError>,
        hint: String,
    },
    /// The audit trail is broken: the verification ran, the answer is bad.
    AuditBroken(String),
    /// A use case refused or failed; its message names the field and the fix.
    Api(escalate_api::ApiError),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid { .. }
            | CliError::Calendar { .. }
            | CliError::Protocol(_)
            | CliError::HolidayFile(_)
            | CliError::File { .. }
            | CliError::UnknownProtocol { .. } => 2,
            CliError::Io { .. } | CliError::Output(_) | CliError::Json(_) => 1,
            CliError::Store(e) => store_exit_code(e),
            CliError::Hinted { source, .. } => store_exit_code(source),
            CliError::AuditBroken(_) => 3,
            CliError::Api(e) => exit_code(e.code),
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn store_exit_code(e: &escalate_store::StoreError) -> u8 {
    exit_code(e.code())
}

/// 1 when the machine failed (a disk, the database, the PDF writer), 2 when the input
/// was refused: scripts tell "try again" from "fix what you gave".
pub(crate) fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::Io
        | ErrorCode::Database
        | ErrorCode::Random
        | ErrorCode::StoreOpen
        | ErrorCode::ReportPdf
        | ErrorCode::ReportFont => 1,
        _ => 2,
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Invalid { option, message } => write!(f, "escalate: {option}: {message}"),
            CliError::Calendar { option, source } => write!(f, "escalate: {option}: {source}"),
            // Already in `file:line: field: message` form, one a line, for editors to jump to.
            CliError::Protocol(files) => {
                for (i, errors) in files.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\n")?;
                    }
                    write!(f, "{errors}")?;
                }
                Ok(())
            }
            CliError::HolidayFile(e) => write!(f, "{e}"),
            CliError::File { path, message } => write!(f, "escalate: {path}: {message}"),
            CliError::UnknownProtocol { id, known } => write!(
                f,
                "escalate: --protocol: no shipped protocol is called '{id}': use one of {known}, or give the path of a .toml protocol file"
            ),
            CliError::Io { path, source } => write!(f, "escalate: {path}: {source}"),
            CliError::Output(e) => write!(f, "escalate: could not write output: {e}"),
            CliError::Json(e) => write!(f, "escalate: could not write JSON: {e}"),
            CliError::Store(e) => write!(f, "escalate: {e}"),
            CliError::Hinted { source, hint } => {
                // The protocol's words often end a sentence; the hint starts a new one.
                let said = source.to_string();
                match said.strip_suffix('.') {
                    Some(_) => write!(f, "escalate: {said} {}.", capitalised(hint)),
                    None => write!(f, "escalate: {said}: {hint}"),
                }
            }
            CliError::AuditBroken(m) => write!(f, "escalate: {m}"),
            CliError::Api(e) => write!(f, "escalate: {}", e.message),
        }
    }
}

impl CliError {
    /// A refused escalation; when the stage's record still lacks something, the store's
    /// words (which the app shows too) plus the command that gives it.
    pub fn escalation(reference: &str, e: escalate_store::StoreError) -> CliError {
        let hint = match &e {
            escalate_store::StoreError::Transition(TransitionError::RequirementsMissing {
                fields,
                ..
            }) => {
                let mut command = format!(
                    "escalate stage record {} --summary TEXT --agreed TEXT",
                    reference.trim()
                );
                for f in fields {
                    command.push_str(&format!(" --field {f}=TEXT"));
                }
                command
            }
            _ => return CliError::Store(e),
        };
        CliError::Hinted {
            source: Box::new(e),
            hint: format!("record it with `{hint}`"),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Output(e)
    }
}

impl From<escalate_api::ApiError> for CliError {
    fn from(e: escalate_api::ApiError) -> Self {
        CliError::Api(e)
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

impl From<escalate_core::FieldError> for CliError {
    fn from(e: escalate_core::FieldError) -> Self {
        CliError::Store(e.into())
    }
}
