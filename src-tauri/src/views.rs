//! Answers the shell puts together for the UI from more than one crate call.

use escalate_core::protocol::RecordField;
use escalate_store::{AuditLine, AuditReport, Store};
use serde::Serialize;

use crate::error::AppResult;

/// A protocol record field and its label, in the protocols' words.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct FieldLabel {
    pub field: RecordField,
    pub label: String,
}

pub fn record_fields() -> Vec<FieldLabel> {
    RecordField::ALL
        .into_iter()
        .map(|field| FieldLabel {
            field,
            label: field.label().to_owned(),
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AuditView {
    /// The whole chain checked from the first entry.
    pub verification: AuditReport,
    /// The newest entries, newest first.
    pub lines: Vec<AuditLine>,
}

pub async fn audit(store: &Store) -> AppResult<AuditView> {
    Ok(AuditView {
        verification: store.verify_audit().await?,
        lines: store.audit_lines(200).await?,
    })
}

/// A stage record's row id. A JSON number: ts-rs would call an `i64` a `bigint`.
#[derive(Debug, Clone, Copy, Serialize, ts_rs::TS)]
#[serde(transparent)]
pub struct RecordId(#[ts(type = "number")] pub i64);
