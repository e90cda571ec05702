//! What the UI asks of a form or an export package, and the file names they are
//! offered under.

use chrono::NaiveDateTime;
use escalate_api::export::PackageRequest;
use escalate_api::store::Passphrase;
use escalate_core::FormId;
use escalate_report::ReportOptions;
use serde::Deserialize;

use crate::error::AppResult;
use crate::files::file_stem;
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    pub reference: String,
    pub form: FormId,
    /// For a stage record: which stage (default: the current one).
    pub stage: Option<u8>,
    /// How effective the protocol was, and suggestions (where the form asks:
    /// `FormChoice.asks_effectiveness`).
    pub effectiveness: String,
    /// Further notes (where the form asks: `FormChoice.asks_notes`).
    pub notes: String,
}

impl ReportRequest {
    pub fn options(&self, now: NaiveDateTime) -> ReportOptions {
        ReportOptions {
            form: self.form.clone(),
            stage: self.stage,
            effectiveness: self.effectiveness.clone(),
            notes: self.notes.clone(),
            generated_at: now,
        }
    }

    pub fn file_name(&self) -> String {
        format!("{}.pdf", file_stem(&self.reference, self.form.as_str()))
    }
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    pub reference: String,
    /// The Board's age public key (`age1…`); or leave empty and give a passphrase; or
    /// leave both empty, and the package goes to the Board the partnership bundle named.
    pub recipient: String,
    pub passphrase: String,
    /// Initials and age band instead of the child's name and date of birth.
    pub minimise: bool,
    pub effectiveness: String,
}

impl ExportRequest {
    /// The sealed package. Bad input is refused before the store is touched.
    pub async fn package(&self, state: &AppState, now: NaiveDateTime) -> AppResult<Vec<u8>> {
        let recipients = vec![self.recipient.trim().to_owned()];
        let pass = Passphrase::new(self.passphrase.clone());
        // The one rule, the CLI's too: a public key or a passphrase, not both; neither
        // seals it to the Board the installed bundle named.
        let seal = escalate_api::export::seal_with(&recipients, Some(pass.expose()))?;
        let request = PackageRequest {
            form: None,
            effectiveness: &self.effectiveness,
            minimise: self.minimise,
            seal,
            now,
        };
        escalate_api::export::package(&*state.lead().await?, &self.reference, request).await
    }

    pub fn file_name(&self) -> String {
        format!("{}.escalate-export", file_stem(&self.reference, "board"))
    }
}

/// A form the case's protocol can print, with its title from the protocol and what
/// the lead is asked for when printing it.
pub use escalate_api::reports::FormChoice;
