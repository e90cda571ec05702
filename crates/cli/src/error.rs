//! How the command line reports a failure: each message names the option or file at
//! fault and says what to do, and the exit status comes from the error's code.

use std::fmt;

use escalate_api::ApiError;
use escalate_core::ErrorCode;

#[derive(Debug)]
pub enum CliError {
    /// A use case refused or failed: its message names the field and the fix.
    Api(ApiError),
    /// What an option gave is refused: `escalate: <option>: <message>`.
    Option {
        option: String,
        code: ErrorCode,
        message: String,
    },
    /// A refusal followed by how to put it right on the command line.
    Hinted {
        error: ApiError,
        hint: String,
    },
    /// The audit trail or a case's cache failed its check: the check ran, and its answer
    /// is bad.
    AuditBroken(String),
    /// The output could not be written.
    Output(std::io::Error),
    Json(serde_json::Error),
}

impl CliError {
    /// A refusal of what `option` gave.
    pub fn option(option: &str, message: impl Into<String>) -> CliError {
        CliError::Option {
            option: option.to_owned(),
            code: ErrorCode::FieldInvalid,
            message: message.into(),
        }
    }

    /// The exit status: 1 when the machine failed (a disk, the database, the PDF
    /// writer), 2 when the input was refused, so scripts tell "try again" from "fix what
    /// you gave"; 3 when the audit trail's check found a break.
    pub fn exit_code(&self) -> u8 {
        let code = match self {
            CliError::Api(e) | CliError::Hinted { error: e, .. } => e.code,
            CliError::Option { code, .. } => *code,
            CliError::Output(_) | CliError::Json(_) => ErrorCode::Io,
            CliError::AuditBroken(_) => return 3,
        };
        // Every code is named, so a new one is placed here on purpose.
        match code {
            ErrorCode::Io
            | ErrorCode::Database
            | ErrorCode::Random
            | ErrorCode::StoreOpen
            | ErrorCode::ReportPdf
            | ErrorCode::ReportFont => 1,
            // The record cannot be trusted past a break: as `audit verify` finding one.
            // The store's own key no longer matches its log: as a broken record.
            ErrorCode::CaseHistoryBroken | ErrorCode::IdentityAltered => 3,
            ErrorCode::CardInvalid
            | ErrorCode::BundleInvalid
            | ErrorCode::FieldInvalid
            | ErrorCode::FieldEmpty
            | ErrorCode::TimeTooEarly
            | ErrorCode::CalendarUnknown
            | ErrorCode::CalendarOutOfRange
            | ErrorCode::ProtocolInvalid
            | ErrorCode::ProtocolUnknown
            | ErrorCode::ProtocolInUse
            | ErrorCode::ProtocolShipped
            | ErrorCode::ProtocolVersionExists
            | ErrorCode::CaseNotFound
            | ErrorCode::CaseClosed
            | ErrorCode::CaseWrongProtocol
            | ErrorCode::CaseEmpty
            | ErrorCode::CaseLogInvalid
            | ErrorCode::StoreClockBehind
            | ErrorCode::StageUnknown
            | ErrorCode::StageLast
            | ErrorCode::StageNotHigher
            | ErrorCode::StageHigherNotAllowed
            | ErrorCode::StageReasonRequired
            | ErrorCode::StageRequirementsMissing
            | ErrorCode::StageAlreadyReceived
            | ErrorCode::RecordFieldNotUsed
            | ErrorCode::ExclusionUnknown
            | ErrorCode::NotificationUnknown
            | ErrorCode::NotificationNotOwed
            | ErrorCode::NotificationAlreadySent
            | ErrorCode::CalendarFileInvalid
            | ErrorCode::RouteUnknown
            | ErrorCode::RouteUnchanged
            | ErrorCode::RouteStageMissing
            | ErrorCode::StageSkipNotAllowed
            | ErrorCode::StageSkipDecisionRequired
            | ErrorCode::StageNothingSkipped
            | ErrorCode::DeadlineUnknown
            | ErrorCode::ExtensionNotAllowed
            | ErrorCode::ExtensionNotLater
            | ErrorCode::AttachmentTooLarge
            | ErrorCode::StoreMissing
            | ErrorCode::StoreExists
            | ErrorCode::StoreNotEmpty
            | ErrorCode::StoreNotEncrypted
            | ErrorCode::StoreNotADatabase
            | ErrorCode::StoreSchemaTooNew
            | ErrorCode::StoreBusy
            | ErrorCode::StoreLocked
            | ErrorCode::StoreWrongKind
            | ErrorCode::KeyWrongPassphrase
            | ErrorCode::KeyPassphraseNeeded
            | ErrorCode::KeyKeyringUnavailable
            | ErrorCode::KeyFile
            | ErrorCode::KeyNotRotated
            | ErrorCode::BackupInvalid
            | ErrorCode::ReportFormNotInProtocol
            | ErrorCode::ReportStage
            | ErrorCode::ExportInvalid
            | ErrorCode::BoardImportRunning
            | ErrorCode::Dialog
            | ErrorCode::FileUnknown
            | ErrorCode::Open
            | ErrorCode::Ipc => 2,
        }
    }
}

/// A use case's refusal of a field the command line gives as an option, shown as every
/// other refusal of an option reads (`escalate: --to: …`), for the fields in `fields`
/// (`data_dir` is `--data-dir`). Other errors are shown as they are.
pub fn options(fields: &'static [&'static str]) -> impl Fn(ApiError) -> CliError {
    move |e| {
        let option = e
            .field
            .as_deref()
            .filter(|f| fields.contains(f))
            .map(|f| format!("--{}", f.replace('_', "-")));
        match option {
            Some(option) => named(e, &option),
            None => CliError::Api(e),
        }
    }
}

/// A use case's refusal of `field`, which this command gives as `option`.
pub fn option_named(field: &'static str, option: &'static str) -> impl Fn(ApiError) -> CliError {
    move |e| {
        if e.field.as_deref() == Some(field) {
            named(e, option)
        } else {
            CliError::Api(e)
        }
    }
}

/// A use case's refusal of `field`, a file this command was given by its path as a
/// positional argument: the message names the file as typed (`escalate: my.toml: …`),
/// not a placeholder such as `FILE`.
pub fn file_named(field: &'static str, path: &std::path::Path) -> impl Fn(ApiError) -> CliError {
    let shown = crate::term::clean(&path.display().to_string()).into_owned();
    move |e| {
        if e.field.as_deref() == Some(field) {
            named(e, &shown)
        } else {
            CliError::Api(e)
        }
    }
}

/// `e`, a refusal of its field, given as `option` (a field a command spells its own way).
pub fn option_named_as(e: ApiError, option: &str) -> CliError {
    named(e, option)
}

/// A field error (`field: message`) with the option's name in place of the field's.
fn named(e: ApiError, option: &str) -> CliError {
    let field = e.field.as_deref().unwrap_or_default();
    match e
        .message
        .strip_prefix(field)
        .and_then(|m| m.strip_prefix(": "))
    {
        Some(message) => CliError::Option {
            option: option.to_owned(),
            code: e.code,
            message: message.to_owned(),
        },
        // Not worded as the field's (a file's refusal names the file): as it is.
        None => CliError::Api(e),
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Already in `file:line: field: message` form, one a line, for editors to
            // jump to.
            CliError::Api(e)
                if matches!(
                    e.code,
                    ErrorCode::ProtocolInvalid | ErrorCode::CalendarFileInvalid
                ) =>
            {
                f.write_str(&e.message)
            }
            CliError::Api(e) => write!(f, "escalate: {}", e.message),
            CliError::Option {
                option, message, ..
            } => write!(f, "escalate: {option}: {message}"),
            CliError::Hinted { error, hint } => {
                // The protocol's words often end a sentence; the hint starts a new one.
                let said = &error.message;
                match said.strip_suffix('.') {
                    Some(_) => write!(f, "escalate: {said} {}.", capitalised(hint)),
                    None => write!(f, "escalate: {said}: {hint}"),
                }
            }
            CliError::AuditBroken(m) => write!(f, "escalate: {m}"),
            CliError::Output(e) => write!(f, "escalate: could not write output: {e}"),
            CliError::Json(e) => write!(f, "escalate: could not write JSON: {e}"),
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

impl From<ApiError> for CliError {
    fn from(e: ApiError) -> Self {
        CliError::Api(e)
    }
}
