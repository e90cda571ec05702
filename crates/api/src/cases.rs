//! Cases: the dashboard list, one case in full and its chronology, and every move a
//! lead makes on a case (open, record a stage, escalate, resolve, withdraw, redirect,
//! mark a notification sent, shorten a deadline), with the protocols and record fields
//! a front end offers. Each move is one unit of work in the store.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDateTime;
use escalate_core::model::{CaseDetail, CaseFilter, CaseListItem, ChronologyEntry, NewCase};
use escalate_core::protocol::RecordField;
use escalate_core::{ErrorCode, Protocol, TransitionError};
use escalate_store::{CacheReport, StageRecordInput, Store, StoreError};
use serde::Serialize;

use crate::present;
use crate::{ApiError, ApiResult};

/// Cases with their urgency and next deadline, most urgent first: the open ones, or
/// every one. A blank search is no search.
pub async fn list(
    store: &Store,
    include_closed: bool,
    search: Option<&str>,
    now: NaiveDateTime,
) -> ApiResult<Vec<CaseListItem>> {
    let filter = if include_closed {
        CaseFilter::All
    } else {
        CaseFilter::Open
    };
    let search = search.filter(|s| !s.trim().is_empty());
    Ok(store.list_cases(filter, search, now).await?)
}

/// Everything about one case, with the engine's answer at `now`.
pub async fn detail(store: &Store, reference: &str, now: NaiveDateTime) -> ApiResult<CaseDetail> {
    let file = store.case_file(reference).await?;
    present::case_detail(&file, store.calendar(), now)
}

/// Every event of a case and every deadline still to come, in date order.
pub async fn chronology(
    store: &Store,
    reference: &str,
    now: NaiveDateTime,
) -> ApiResult<Vec<ChronologyEntry>> {
    let file = store.case_file(reference).await?;
    present::chronology(&file, store.calendar(), now)
}

/// Replay every case's log and compare it with the dashboard's cache and the stage
/// records kept beside it (`escalate audit verify` reports it).
pub async fn check_caches(store: &Store) -> ApiResult<CacheReport> {
    Ok(store.check_caches().await?)
}

/// Open a new professional difference. Gives its reference, e.g. `RPD-2026-0001`.
pub async fn create(store: &Store, case: NewCase, now: NaiveDateTime) -> ApiResult<String> {
    Ok(store.create_case(case, now).await?)
}

/// Record a discussion or meeting at the case's current stage (removing the record
/// form's draft with it). Gives the record's number.
pub async fn record_stage(
    store: &Store,
    reference: &str,
    record: StageRecordInput,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    Ok(store.record_stage(reference, record, now).await?)
}

/// The extra record fields of a stage record given as `ID=TEXT` pairs (the command
/// line's `--field`), each ID a record field id and given once, each with text. Which
/// ids the case's protocol declares is checked when the record is made. A refusal
/// names `field` and never echoes the text: it is about a child.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPairs {
    fields: BTreeMap<RecordField, String>,
    /// The ids in the order given, so a refusal can say which pair.
    order: Vec<RecordField>,
}

impl FieldPairs {
    pub fn parse(pairs: &[String]) -> ApiResult<FieldPairs> {
        let invalid = |message: String| ApiError::field("field", message);
        let mut out = FieldPairs::default();
        for (i, pair) in pairs.iter().enumerate() {
            let nth = i + 1;
            let Some((id, text)) = pair.split_once('=') else {
                return Err(invalid(format!(
                    "field {nth} has no '=': give ID=TEXT, e.g. --field risk-analysis=\"…\""
                )));
            };
            let Ok(field) = RecordField::new(id.trim()) else {
                return Err(invalid(format!(
                    "field {nth}: the ID before '=' is not a record field: an id is lower-case letters and digits joined by hyphens, e.g. risk-analysis (`escalate protocol show` lists the fields each stage's record uses)"
                )));
            };
            if text.trim().is_empty() {
                return Err(invalid(format!(
                    "{field} has no text: give it after '=', e.g. --field {field}=\"…\""
                )));
            }
            if out.fields.insert(field.clone(), text.to_owned()).is_some() {
                return Err(invalid(format!(
                    "{field} is given twice: give each field once"
                )));
            }
            out.order.push(field);
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Which pair gave `field`, counting from 1.
    fn nth(&self, field: &RecordField) -> usize {
        self.order
            .iter()
            .position(|f| f == field)
            .map_or(0, |i| i + 1)
    }
}

/// `record_stage` with the record's extra fields given as pairs: a field the stage's
/// record does not use, or the protocol does not have, is then the pairs' fault,
/// refused naming `field`.
pub async fn record_stage_with_fields(
    store: &Store,
    reference: &str,
    mut record: StageRecordInput,
    fields: FieldPairs,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let from_pairs = !fields.is_empty();
    if from_pairs {
        record.extra = fields.fields.clone();
    }
    store
        .record_stage(reference, record, now)
        .await
        .map_err(|e| match e {
            StoreError::Transition(TransitionError::FieldNotInRecord { field, allowed })
                if from_pairs =>
            {
                ApiError::field(
                    "field",
                    format!("this stage's record does not use '{field}': it uses {allowed}"),
                )
                .with_code(ErrorCode::RecordFieldNotUsed)
            }
            StoreError::Transition(TransitionError::FieldUnknown { field, known, .. })
                if from_pairs =>
            {
                ApiError::field(
                    "field",
                    format!(
                        "field {}: the ID before '=' is not a record field: use one of {known} (`escalate protocol show` lists the fields each stage's record uses)",
                        fields.nth(&field)
                    ),
                )
            }
            e => e.into(),
        })
}

/// A stage record written as JSON (docs/data-model.md), read from `source` (a file the
/// caller read through `files::STAGE_RECORD_FILE`). Refused naming `file`, by field
/// path and position, never with a value.
pub fn stage_record_from_json(text: &str, source: &Path) -> ApiResult<StageRecordInput> {
    StageRecordInput::from_json(text).map_err(|e| {
        ApiError::field(
            "file",
            format!("{} is not a stage record: {e}", source.display()),
        )
    })
}

/// Escalate to the next stage, or to `to_stage` where immediate risk allows (`reason`
/// says why; blank is none). Gives the stage the case is now at. A stage whose record
/// still lacks something is refused with `stage.requirements_missing`, the missing
/// record fields in `missing_fields`.
pub async fn escalate(
    store: &Store,
    reference: &str,
    to_stage: Option<u8>,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> ApiResult<u8> {
    let reason = reason.filter(|r| !r.trim().is_empty());
    Ok(store.escalate(reference, to_stage, reason, now).await?)
}

/// The difference is resolved at the current stage.
pub async fn resolve(
    store: &Store,
    reference: &str,
    outcome: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    Ok(store.resolve(reference, outcome, now).await?)
}

/// The difference is withdrawn, for `reason`.
pub async fn withdraw(
    store: &Store,
    reference: &str,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    Ok(store.withdraw(reference, reason, now).await?)
}

/// Out of the protocol's scope: the case goes to the procedure its `exclusion` names.
/// Gives that procedure, in the protocol's words.
pub async fn redirect(
    store: &Store,
    reference: &str,
    exclusion: &str,
    now: NaiveDateTime,
) -> ApiResult<String> {
    Ok(store.redirect(reference, exclusion, now).await?)
}

/// A notification the protocol requires was sent: at `sent_at`, or now when not said.
/// `stage` is the stage it belongs to, none for the protocol's on-resolution ones.
pub async fn mark_sent(
    store: &Store,
    reference: &str,
    stage: Option<u8>,
    notification: &str,
    sent_at: Option<NaiveDateTime>,
    note: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let sent_at = sent_at.unwrap_or(now);
    Ok(store
        .mark_sent(reference, stage, notification, sent_at, note, now)
        .await?)
}

/// A shorter deadline for the current stage, because the child's safety needs it.
pub async fn shorten_deadline(
    store: &Store,
    reference: &str,
    due: NaiveDateTime,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    Ok(store.shorten_deadline(reference, due, reason, now).await?)
}

/// The protocols a case can be opened under: intake asks their scope questions, the
/// case screen shows their stages.
pub fn protocols() -> ApiResult<Vec<Protocol>> {
    Ok(escalate_core::builtin_protocols()?.to_vec())
}

/// A record field as a stage record form shows it, in the protocol's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldLabel {
    pub field: RecordField,
    pub label: String,
    /// What to write, shown under the label.
    pub help: Option<String>,
    /// A box for paragraphs rather than one line.
    pub multiline: bool,
    /// Must be filled in before the case may leave a stage whose record asks for it.
    pub required_to_escalate: bool,
}

/// Every record field a stage record form under `protocol` may ask for, with its label.
pub fn record_fields(protocol: &Protocol) -> Vec<FieldLabel> {
    protocol
        .record_fields
        .iter()
        .map(|f| FieldLabel {
            field: f.id.clone(),
            label: f.label.clone(),
            help: f.help.clone(),
            multiline: f.multiline,
            required_to_escalate: f.required_to_escalate,
        })
        .collect()
}
