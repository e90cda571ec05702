//! Escalate's printable forms as PDF, export packages and the Board's figures: pure
//! functions from data to bytes. Nothing here reads a file or a store; escalate-api
//! loads the data and writes the results.
//!
//! A4, laid out like the forms Boards know, labels word for word from the protocols,
//! DejaVu Sans embedded (subset) so Welsh names and dashes print and extract correctly,
//! text wrapped by measured glyph widths and flowing onto further pages with the title
//! and "Page N of M" repeated. The same input and date give byte-identical output.

pub mod board;
pub mod bundle;
mod declared;
pub mod exchange;
pub mod export;
mod forms;
mod layout;
mod pdf;
pub mod schema;

pub use forms::{preview, render, specimen, ReportInput, ReportOptions};
pub use pdf::PdfProperties;

use escalate_core::{ErrorCode, FormId};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("form: {form} is not used by protocol '{protocol}': it uses {allowed}")]
    FormNotInProtocol {
        form: FormId,
        protocol: String,
        allowed: String,
    },
    #[error("form: {form} is not one of protocol '{protocol}''s own forms, which a specimen shows: use one of {allowed}")]
    NoSpecimen {
        form: FormId,
        protocol: String,
        allowed: String,
    },
    #[error("stage: {0}")]
    Stage(String),
    #[error("the embedded font could not be read: {0}")]
    Font(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    #[error("protocol: {0}")]
    Protocol(String),
    #[error("{field}: {message}")]
    Export {
        field: &'static str,
        message: String,
    },
}

impl ReportError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ReportError::FormNotInProtocol { .. } | ReportError::NoSpecimen { .. } => {
                ErrorCode::ReportFormNotInProtocol
            }
            ReportError::Stage(_) => ErrorCode::ReportStage,
            ReportError::Font(_) => ErrorCode::ReportFont,
            ReportError::Pdf(_) => ErrorCode::ReportPdf,
            ReportError::Export { .. } => ErrorCode::ExportInvalid,
            ReportError::Protocol(_) => ErrorCode::ProtocolUnknown,
        }
    }

    /// The input field at fault, where there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ReportError::FormNotInProtocol { .. } | ReportError::NoSpecimen { .. } => Some("form"),
            ReportError::Stage(_) => Some("stage"),
            ReportError::Export { field, .. } => Some(field),
            ReportError::Font(_) | ReportError::Pdf(_) | ReportError::Protocol(_) => None,
        }
    }
}
