//! Cases: the dashboard list, one case in full, its chronology and its plan, and every
//! move a lead makes on a case (open, record a stage, escalate — skipping stages on a
//! recorded decision where the protocol allows —, switch route, extend a deadline by
//! agreement, resolve, withdraw, redirect, mark a notification sent, shorten a deadline,
//! move to another installed version of its protocol), with the protocols and record
//! fields a front end offers. Each move's input is checked and its event built here
//! (`checks`); the store writes it in one unit of work.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use escalate_core::engine::DeadlineKind;
use escalate_core::input::{
    date_in_calendar, in_calendar, optional, optional_text, required, LONG, NAME, SHORT,
};
use escalate_core::model::{
    Alert, AlertLevel, CaseDetail, CaseFilter, CaseListItem, ChronologyEntry, NewCase,
};
use escalate_core::protocol::RecordField;
use escalate_core::{
    Case, DeadlineId, Due, Engine, ErrorCode, Event, PlannedLimit, PlannedStage, Protocol,
    ProtocolPin, SkipDecision, StateKind, TransitionError, Urgency,
};
use escalate_store::{CacheReport, Dashboard, DashboardRow, StageRecordInput, Store, StoreError};
use serde::Serialize;

use crate::checks;
use crate::present;
use crate::{ApiError, ApiResult};

/// Cases with their urgency and next deadline, most urgent first: the open ones, or
/// every one. A blank search is no search. A case whose state cannot be read or
/// answered (a damaged cache, a protocol this version no longer has) is still listed,
/// as overdue with no next deadline, so it is seen rather than hiding the others.
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
    let engine = Engine::new(store.calendar(), now).map_err(|e| ApiError::field("now", e))?;
    let Dashboard { rows, protocols } = store.dashboard(filter, search).await?;
    let mut out: Vec<CaseListItem> = rows
        .into_iter()
        .map(|row| list_item(&engine, row, &protocols))
        .collect();
    out.sort_by(|a, b| {
        b.urgency
            .rank()
            .cmp(&a.urgency.rank())
            .then_with(|| {
                let ka = a.next_due.map(|d| d.order_key());
                let kb = b.next_due.map(|d| d.order_key());
                match (ka, kb) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                }
            })
            .then_with(|| a.reference.cmp(&b.reference))
    });
    Ok(out)
}

/// One dashboard row with the engine's answer: its urgency, next deadline (and that in
/// words), stage, state and route.
fn list_item(
    engine: &Engine<'_>,
    row: DashboardRow,
    protocols: &HashMap<String, std::sync::Arc<Protocol>>,
) -> CaseListItem {
    let DashboardRow {
        reference,
        child_name,
        raising_agency,
        receiving_agency,
        pin,
        case,
        integrity,
    } = row;
    match case {
        Some(case) => {
            let protocol = protocols.get(&pin).map(|p| &**p);
            let route = protocol.and_then(|p| {
                p.route(case.route.as_deref())?
                    .definition()
                    .map(|r| r.name.clone())
            });
            let summary = protocol
                .ok_or(())
                .and_then(|p| engine.summary(p, &case).map_err(drop));
            let (urgency, next_due) = match summary {
                Ok(s) => (s.urgency, s.next_due),
                Err(_) => (Urgency::Overdue { working_days: 0 }, None),
            };
            CaseListItem {
                reference,
                child_name,
                raising_agency,
                receiving_agency,
                stage: case.current_stage(),
                state: case.state.kind(),
                urgency,
                next_due_text: next_due.as_ref().map(escalate_core::format::due),
                next_due,
                protocol_id: case.protocol,
                route,
                integrity,
            }
        }
        None => CaseListItem {
            reference,
            child_name,
            raising_agency,
            receiving_agency,
            stage: 0,
            state: StateKind::Open,
            urgency: Urgency::Overdue { working_days: 0 },
            next_due: None,
            next_due_text: None,
            protocol_id: String::new(),
            route: None,
            integrity,
        },
    }
}

/// Desktop alerts not yet shown for open cases (a deadline within a working day, or
/// passed), remembered as shown in the same call: each deadline alerts once at each
/// level, across restarts.
pub async fn new_alerts(store: &Store, now: NaiveDateTime) -> ApiResult<Vec<Alert>> {
    let due = list(store, false, None, now)
        .await?
        .into_iter()
        .filter_map(|item| {
            let level = match item.urgency {
                Urgency::OnTrack => return None,
                Urgency::DueSoon => AlertLevel::DueSoon,
                Urgency::Overdue { .. } => AlertLevel::Overdue,
            };
            Some(Alert {
                reference: item.reference,
                level,
                due: item.next_due.unwrap_or(Due::WithoutDelay),
            })
        })
        .collect();
    Ok(store.record_alerts(due, now).await?)
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
    let case = checks::new_case(case, store.profile(), now)?;
    Ok(store.add_case(case, now).await?)
}

/// Record a discussion or meeting at the case's current stage (removing the record
/// form's draft with it). Gives the record's number.
pub async fn record_stage(
    store: &Store,
    reference: &str,
    record: StageRecordInput,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let record = checks::stage_record(record, now)?;
    Ok(store.add_stage_record(reference, record, now).await?)
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
    let record = checks::stage_record(record, now)?;
    store
        .add_stage_record(reference, record, now)
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
    escalate_skipping(store, reference, to_stage, reason, None, now).await
}

/// `escalate`, going past stages on a recorded decision (`skip`: why, who decided, and
/// their role where the protocol names the role that decides) where every stage gone
/// past is optional or the protocol lets it be skipped. A decision on a move that goes
/// past no stage is refused naming `skip`.
pub async fn escalate_skipping(
    store: &Store,
    reference: &str,
    to_stage: Option<u8>,
    reason: Option<&str>,
    skip: Option<SkipDecision>,
    now: NaiveDateTime,
) -> ApiResult<u8> {
    let reason = optional("reason", reason, LONG)?;
    let skip = skip.as_ref().map(checks::skip).transpose()?;
    let event = Event::Escalate {
        at: now,
        to_stage,
        reason,
        skip,
    };
    Ok(move_case(store, reference, event, now)
        .await?
        .current_stage())
}

/// Move the case to another route of its protocol, for `reason`: it stays at its stage
/// where the new route has it, or goes to `to_stage` on the new route. Gives the stage
/// the case is now at.
pub async fn switch_route(
    store: &Store,
    reference: &str,
    route: &str,
    reason: &str,
    to_stage: Option<u8>,
    now: NaiveDateTime,
) -> ApiResult<u8> {
    let route = required("route", route, NAME)?;
    let reason = required("reason", reason, LONG)?;
    let event = Event::SwitchRoute {
        at: now,
        route,
        reason,
        to_stage,
    };
    Ok(move_case(store, reference, event, now)
        .await?
        .current_stage())
}

/// An agreed extension of a deadline, as a lead records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ExtensionRequest {
    /// The current stage's own timescale (`timescale`) or a limit's id.
    pub deadline: DeadlineId,
    /// The new due: the end of a day, or a moment.
    pub to: Due,
    /// Who agreed, with their role.
    pub agreed_by: String,
    pub agreed_on: NaiveDate,
    pub reason: String,
}

/// Extend a deadline where the protocol allows it, by agreement of the role it names:
/// refused naming `deadline` where it may not be extended, `to` where the new due is
/// not later than the deadline as it stands, `agreed_on` where the day is after today
/// or before the case opened.
pub async fn extend_deadline(
    store: &Store,
    reference: &str,
    request: ExtensionRequest,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let deadline = DeadlineId::from(required("deadline", request.deadline.as_str(), NAME)?);
    let agreed_by = required("agreed_by", &request.agreed_by, NAME)?;
    let reason = required("reason", &request.reason, LONG)?;
    date_in_calendar("agreed_on", request.agreed_on)?;
    let event = Event::Extend {
        at: now,
        deadline,
        to: request.to,
        agreed_by,
        agreed_on: request.agreed_on,
        reason,
    };
    move_case(store, reference, event, now).await.map(drop)
}

/// A case's plan on the route it is on: each stage's and each limit's due, had every
/// stage run to its limit from the outset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CasePlan {
    pub route: String,
    pub route_name: String,
    pub stages: Vec<PlannedStage<'static>>,
    pub limits: Vec<PlannedLimit<'static>>,
}

/// The case's plan on its route, in the store's calendar.
pub async fn plan(store: &Store, reference: &str) -> ApiResult<CasePlan> {
    let file = store.case_file(reference).await?;
    let plan = escalate_core::plan_route(
        &file.protocol,
        store.calendar(),
        file.engine.opened_at,
        file.engine.route.as_deref(),
    )?;
    Ok(CasePlan {
        route: plan.route.into_owned(),
        route_name: plan.route_name.into_owned(),
        stages: plan
            .stages
            .into_iter()
            .map(PlannedStage::into_owned)
            .collect(),
        limits: plan
            .limits
            .into_iter()
            .map(PlannedLimit::into_owned)
            .collect(),
    })
}

/// One deadline of a case before and after a move to another version of its protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeadlineChange {
    pub kind: DeadlineKind,
    /// The deadline's id (a notification's, a step's, a limit's, or `timescale`).
    pub id: String,
    pub stage: Option<u8>,
    /// What it is, in the version's words (the new version's where it has it).
    pub what: String,
    /// `None`: the version has no such deadline.
    pub before: Option<Due>,
    pub after: Option<Due>,
    /// `before` and `after` in words for people (`escalate_core::format::due`).
    pub before_text: Option<String>,
    pub after_text: Option<String>,
}

impl DeadlineChange {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// What moving a case to another version of its protocol does to its deadlines, to see
/// before the lead decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProtocolMove {
    pub reference: String,
    pub protocol: String,
    pub from: ProtocolPin,
    pub to: ProtocolPin,
    /// Every deadline the case has under either version, as of `now`.
    pub deadlines: Vec<DeadlineChange>,
    /// The move was made (`move_protocol`), or only previewed.
    pub moved: bool,
}

/// Each deadline of the case under the version it runs under and under `to` (a version,
/// or the start of a SHA-256, of an installed version of its protocol), as of `now`.
/// Nothing is written. A closed case, a version that lacks the case's route or stage,
/// or the version it already runs under, is refused naming `to`.
pub async fn move_protocol_preview(
    store: &Store,
    reference: &str,
    to: &str,
    now: NaiveDateTime,
) -> ApiResult<ProtocolMove> {
    let file = store.case_file(reference).await?;
    let (pin, target) = store.protocol_version(&file.protocol.id, to).await?;
    let from = ProtocolPin {
        version: file.case.protocol_version.clone(),
        sha256: file.case.protocol_sha256.clone(),
    };
    if pin == from {
        return Err(already_under(&pin, &file.protocol.id));
    }
    let mut moved = file.engine.clone();
    moved.apply(
        &target,
        Event::MoveProtocol {
            at: now,
            from: from.clone(),
            to: pin.clone(),
        },
    )?;
    let engine = Engine::new(store.calendar(), now).map_err(|e| ApiError::field("now", e))?;
    let before = engine.status(&file.protocol, &file.engine)?;
    let after = engine.status(&target, &moved)?;
    let mut deadlines: Vec<DeadlineChange> = Vec::new();
    for d in &before.deadlines {
        deadlines.push(DeadlineChange {
            kind: d.kind,
            id: d.id.to_string(),
            stage: d.stage,
            what: d.what.to_string(),
            before: Some(d.due),
            after: None,
            before_text: Some(d.due_text.clone()),
            after_text: None,
        });
    }
    for d in &after.deadlines {
        match deadlines
            .iter_mut()
            .find(|c| c.kind == d.kind && c.id == d.id && c.stage == d.stage && c.after.is_none())
        {
            Some(c) => {
                c.after = Some(d.due);
                c.after_text = Some(d.due_text.clone());
                c.what = d.what.to_string();
            }
            None => deadlines.push(DeadlineChange {
                kind: d.kind,
                id: d.id.to_string(),
                stage: d.stage,
                what: d.what.to_string(),
                before: None,
                after: Some(d.due),
                before_text: None,
                after_text: Some(d.due_text.clone()),
            }),
        }
    }
    Ok(ProtocolMove {
        reference: file.case.reference.clone(),
        protocol: file.protocol.id.clone(),
        from,
        to: pin,
        deadlines,
        moved: false,
    })
}

/// Move an open case to another installed version of its protocol, on purpose, after
/// the preview: later deadlines follow that version, the history stays. Audited as an
/// event of the case's log. Gives the deadlines before and after, as the preview did.
pub async fn move_protocol(
    store: &Store,
    reference: &str,
    to: &str,
    now: NaiveDateTime,
) -> ApiResult<ProtocolMove> {
    let mut preview = move_protocol_preview(store, reference, to, now).await?;
    in_calendar("now", now)?;
    let mut tx = store.begin_case(reference).await?;
    let pin = tx.protocol_version(&preview.to.sha256).await?;
    // Read again in the unit of work: another move may have come between.
    if pin == *tx.pin() {
        return Err(already_under(&pin, &tx.protocol().id));
    }
    let from = tx.pin().clone();
    tx.apply(Event::MoveProtocol {
        at: now,
        from,
        to: pin,
    })?;
    tx.commit(now).await?;
    preview.moved = true;
    Ok(preview)
}

/// The refusal of a move to the version a case already runs under.
fn already_under(pin: &ProtocolPin, protocol: &str) -> ApiError {
    ApiError::field(
        "to",
        format!(
            "the case already runs under version {} of '{protocol}'",
            pin.version
        ),
    )
}

/// The difference is resolved at the current stage.
pub async fn resolve(
    store: &Store,
    reference: &str,
    outcome: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let outcome = required("outcome", outcome, LONG)?;
    let event = Event::Resolve { at: now, outcome };
    move_case(store, reference, event, now).await.map(drop)
}

/// The difference is withdrawn, for `reason`.
pub async fn withdraw(
    store: &Store,
    reference: &str,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let reason = required("reason", reason, LONG)?;
    let event = Event::Withdraw { at: now, reason };
    move_case(store, reference, event, now).await.map(drop)
}

/// Out of the protocol's scope: the case goes to the procedure its `exclusion` names.
/// Gives that procedure, in the protocol's words.
pub async fn redirect(
    store: &Store,
    reference: &str,
    exclusion: &str,
    now: NaiveDateTime,
) -> ApiResult<String> {
    let exclusion = required("exclusion", exclusion, NAME)?;
    in_calendar("now", now)?;
    let mut tx = store.begin_case(reference).await?;
    let protocol = tx.protocol();
    tx.apply(Event::Redirect {
        at: now,
        exclusion: exclusion.clone(),
    })?;
    tx.commit(now).await?;
    Ok(protocol
        .exclusion(&exclusion)
        .map(|e| e.redirect.clone())
        .unwrap_or_default())
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
    let notification = required("notification", notification, NAME)?;
    let note = optional_text("note", note, SHORT)?;
    checks::not_in_future("sent_at", sent_at, now, "mark it once it has been sent")?;
    in_calendar("now", now)?;
    let engine = Engine::new(store.calendar(), now).map_err(|e| ApiError::field("now", e))?;
    let mut tx = store.begin_case(reference).await?;
    // What was owed, to whom and by when, as the engine saw it before the marking.
    let protocol = tx.protocol();
    let (to, due): (String, Option<String>) = match tx.case() {
        Some(case) => engine
            .status(&protocol, case)?
            .deadlines
            .iter()
            .find(|d| d.stage == stage && d.id == notification)
            .map(|d| {
                (
                    d.to.as_deref().unwrap_or_default().to_owned(),
                    d.due.date().map(|_| d.due.to_string()),
                )
            })
            .unwrap_or_default(),
        None => Default::default(),
    };
    tx.apply(Event::MarkSent {
        at: sent_at,
        stage,
        notification,
        to,
        due,
        note,
    })?;
    tx.commit(now).await?;
    Ok(())
}

/// A shorter deadline for the current stage, because the child's safety needs it.
pub async fn shorten_deadline(
    store: &Store,
    reference: &str,
    due: NaiveDateTime,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let reason = required("reason", reason, LONG)?;
    let event = Event::ShortenDeadline {
        at: Some(now),
        due,
        reason,
    };
    move_case(store, reference, event, now).await.map(drop)
}

/// A move that writes no rows of its own, in one unit of work: the event checked by the
/// state machine, its log entry and the dashboard's cache. Gives the case after it.
async fn move_case(
    store: &Store,
    reference: &str,
    event: Event,
    now: NaiveDateTime,
) -> ApiResult<Case> {
    in_calendar("now", now)?;
    let mut tx = store.begin_case(reference).await?;
    tx.apply(event)?;
    Ok(tx.commit(now).await?)
}

/// The protocols a case can be opened under (the version of each installed protocol
/// new cases use): intake asks their scope questions, the case screen shows their stages.
pub async fn protocols(store: &Store) -> ApiResult<Vec<Protocol>> {
    Ok(store
        .protocols()
        .await?
        .into_iter()
        .map(Arc::unwrap_or_clone)
        .collect())
}

/// The version of installed protocol `id` new cases are opened under. Refused naming
/// `protocol` when it is not installed.
pub async fn protocol(store: &Store, id: &str) -> ApiResult<Protocol> {
    Ok(Arc::unwrap_or_clone(store.protocol(id).await?))
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
