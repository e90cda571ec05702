//! The unit of work on one case: begin (the write lock is taken and the case is
//! replayed from its log), apply one event through the state machine, write the rows
//! the event needs, commit (the event is appended to the log, the dashboard's cache
//! updated, all in the one transaction). Dropped without a commit, nothing is written.
//!
//! ```text
//! let mut tx = store.begin_case(reference).await?;
//! let case = tx.apply(event)?;
//! /* rows via tx.conn() */
//! tx.commit(now).await?;
//! ```

use std::sync::Arc;

use escalate_core::{Case, Event, LoggedEvent, Protocol, ProtocolPin};

use super::*;
use crate::store::protocols;
use crate::store::sql::{CaseRow, StageRecordRow, CASE_ROW, STAGE_RECORD_COLUMNS};

/// A case's write in progress. Holds the store's write lock until committed or dropped.
pub struct CaseTx<'s> {
    store: &'s Store,
    tx: Transaction<'static, Sqlite>,
    reference: String,
    /// `None` for a case being created, until it is written.
    case_id: Option<i64>,
    /// The version of its protocol the case runs under, and what pins it there.
    protocol: Arc<Protocol>,
    pin: ProtocolPin,
    /// The case before this move; `None` for a new case.
    before: Option<Case>,
    /// The move, as the log keeps it, and the case after it (and, for a move to
    /// another version, that version).
    applied: Option<(Event, Case)>,
    moved_to: Option<(ProtocolPin, Arc<Protocol>)>,
}

/// A case's log replayed under the versions of its protocol it ran under: the case,
/// the version it runs under now, and its pin.
pub(crate) async fn replay_log(
    conn: &mut SqliteConnection,
    reference: &str,
    pinned: Option<&str>,
    events: &[LoggedEvent],
) -> Result<(Case, Arc<Protocol>), StoreError> {
    let (opened, later) = protocols::for_log(conn, reference, pinned, events).await?;
    let (case, protocol) = Case::replay_pinned(
        opened,
        |sha| later.get(sha).cloned(),
        events.iter().map(|e| &e.event),
    )?;
    Ok((case, protocol))
}

impl std::fmt::Debug for CaseTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseTx")
            .field("reference", &self.reference)
            .field("applied", &self.applied.as_ref().map(|(e, _)| e.kind()))
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Begin a move on an existing case: its state is replayed from its log.
    pub async fn begin_case(&self, reference: &str) -> Result<CaseTx<'_>, StoreError> {
        let reference = reference.trim();
        let mut tx = self.begin().await?;
        let (case_id, version, sha): (i64, String, Option<String>) = sqlx::query_as(
            "SELECT id, protocol_version, protocol_sha256 FROM cases WHERE reference = ?",
        )
        .bind(reference)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NoCase(reference.to_owned()))?;
        let events = log::case_events(&mut tx, reference).await?;
        let (case, protocol) = replay_log(&mut tx, reference, sha.as_deref(), &events).await?;
        Ok(CaseTx {
            store: self,
            tx,
            reference: reference.to_owned(),
            case_id: Some(case_id),
            protocol,
            pin: ProtocolPin {
                version,
                sha256: sha.unwrap_or_default(),
            },
            before: Some(case),
            applied: None,
            moved_to: None,
        })
    }

    /// Begin a new case under `protocol`, opened at `opened`: its reference is the next
    /// of that year's (`RPD-2026-0001`, …). The first event applied must open it.
    pub async fn begin_new_case(
        &self,
        protocol: &str,
        opened: NaiveDateTime,
    ) -> Result<CaseTx<'_>, StoreError> {
        use chrono::Datelike;
        let mut tx = self.begin().await?;
        let (pin, protocol) = protocols::current(&mut tx, protocol).await?;
        let prefix = format!("RPD-{}-", opened.year());
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE reference LIKE ? || '%'")
                .bind(&prefix)
                .fetch_one(&mut *tx)
                .await?;
        Ok(CaseTx {
            store: self,
            tx,
            reference: format!("{prefix}{:04}", count + 1),
            case_id: None,
            protocol,
            pin,
            before: None,
            applied: None,
            moved_to: None,
        })
    }
}

impl CaseTx<'_> {
    pub fn reference(&self) -> &str {
        &self.reference
    }

    /// The case's row id; `None` for a new case.
    pub fn case_id(&self) -> Option<i64> {
        self.case_id
    }

    /// The version of its protocol the case runs under (before this move): a shared
    /// handle, so it may be held while the move goes on.
    pub fn protocol(&self) -> Arc<Protocol> {
        Arc::clone(&self.protocol)
    }

    /// What pins the case to that version.
    pub fn pin(&self) -> &ProtocolPin {
        &self.pin
    }

    /// The case as it was when the move began (`None` for a new case).
    pub fn case(&self) -> Option<&Case> {
        self.before.as_ref()
    }

    /// The transaction's connection, for the rows the move writes.
    pub fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }

    /// Check `event` with the state machine and keep it for the commit. A refused
    /// event changes nothing. One event per unit of work: the log holds one entry
    /// per operation. Returns the case after the move.
    pub fn apply(&mut self, event: Event) -> Result<&Case, StoreError> {
        if self.applied.is_some() {
            return Err(StoreError::Database(
                "a case operation applies one event: begin another for the next".to_owned(),
            ));
        }
        check_times(&event)?;
        let (event, case) = match (&self.before, event) {
            (None, Event::Open { at, mut opening }) => {
                // The moment is the event's own; the opening keeps only the choices.
                opening.at = None;
                let case = Case::open(&self.protocol, at, opening.clone())?;
                opening.stage = Some(case.current_stage());
                (Event::Open { at, opening }, case)
            }
            (None, _) => {
                return Err(StoreError::Database(
                    "a new case's first event must open it".to_owned(),
                ))
            }
            (Some(before), Event::MoveProtocol { at, to, .. }) => {
                // The version moved to is installed and already read (`move_protocol`
                // finds it); the move is checked against its rules.
                let target = protocols::cached(&to.sha256).ok_or_else(|| {
                    StoreError::invalid(
                        "to",
                        format!("version {} of the protocol is not installed", to.version),
                    )
                })?;
                let mut case = before.clone();
                let event = Event::MoveProtocol {
                    at,
                    from: self.pin.clone(),
                    to,
                };
                case.apply(&target, event.clone())?;
                if let Event::MoveProtocol { to, .. } = &event {
                    self.moved_to = Some((to.clone(), target));
                }
                (event, case)
            }
            (Some(before), event) => {
                let mut case = before.clone();
                // Live, a move is checked with the calendar too (an extension must give
                // more time than the deadline as it stands); a replay is not.
                case.apply_on(&self.protocol, &self.store.calendar, event.clone())?;
                // The log never depends on "the next stage": it keeps where the case went.
                let event = match event {
                    Event::Escalate {
                        at, reason, skip, ..
                    } => Event::Escalate {
                        at,
                        to_stage: Some(case.current_stage()),
                        reason,
                        skip,
                    },
                    other => other,
                };
                (event, case)
            }
        };
        let (_, case) = self.applied.insert((event, case));
        Ok(case)
    }

    /// Append the event to the case's log, save the dashboard's cache of the case and
    /// commit. Returns the case as it now is.
    pub async fn commit(mut self, now: NaiveDateTime) -> Result<Case, StoreError> {
        in_calendar("now", now)?;
        let Some((event, case)) = self.applied.take() else {
            return Err(StoreError::Database(
                "a case operation was committed without an event".to_owned(),
            ));
        };
        let after = match &event {
            // The opening entry also carries the case's own text, as written, so the
            // log alone tells what the case is about.
            Event::Open { .. } => {
                let row: CaseRow = sqlx::query_as(&format!("{CASE_ROW} WHERE c.reference = ?"))
                    .bind(&self.reference)
                    .fetch_optional(&mut *self.tx)
                    .await?
                    .ok_or_else(|| {
                        StoreError::Database("a new case was committed without its row".to_owned())
                    })?;
                json(&serde_json::json!({
                    "event": event,
                    "case": {
                        "reference": row.reference, "child_name": row.child_name,
                        "child_dob": row.child_dob, "child_identifiers": row.child_identifiers,
                        "category": row.category, "summary": row.summary,
                        "raising_agency": row.raising_agency,
                        "raising_professional": row.raising_professional,
                        "receiving_agency": row.receiving_agency,
                        "receiving_professional": row.receiving_professional,
                        "protocol": row.protocol_id, "protocol_version": row.protocol_version,
                        "protocol_sha256": row.protocol_sha256,
                        "opened_at": row.opened_at, "immediate_risk": row.immediate_risk_reason,
                    },
                }))?
            }
            // A record's entry carries the whole record, every word as written, so the
            // log alone holds it and the row beside it is a cache.
            Event::Record(summary) => {
                let id = summary.record.ok_or_else(|| {
                    StoreError::Database("a stage record was committed without its row".to_owned())
                })?;
                let row: StageRecordRow = sqlx::query_as(&format!(
                    "SELECT {STAGE_RECORD_COLUMNS} FROM stage_records WHERE id = ?"
                ))
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?
                .ok_or_else(|| {
                    StoreError::Database("a stage record was committed without its row".to_owned())
                })?;
                json(&serde_json::json!({ "event": event, "record": row.record()? }))?
            }
            _ => json(&event)?,
        };
        self.store
            .log(
                &mut self.tx,
                now,
                AuditAction::for_event(&event),
                ("case", &self.reference),
                None,
                Some(after),
            )
            .await?;
        let cached =
            sqlx::query("UPDATE case_state SET status = ?, engine = ? WHERE reference = ?")
                .bind(case.state.as_str())
                .bind(json(&case)?)
                .bind(&self.reference)
                .execute(&mut *self.tx)
                .await?
                .rows_affected();
        if cached != 1 {
            return Err(StoreError::Database(format!(
                "case {} has no dashboard row to update",
                self.reference
            )));
        }
        sqlx::query("UPDATE cases SET updated_at = ? WHERE reference = ?")
            .bind(ts(now))
            .bind(&self.reference)
            .execute(&mut *self.tx)
            .await?;
        if let Some((pin, _)) = &self.moved_to {
            // The row and the dashboard follow the log: later moves run under this version.
            sqlx::query(
                "UPDATE cases SET protocol_version = ?, protocol_sha256 = ? WHERE reference = ?",
            )
            .bind(&pin.version)
            .bind(&pin.sha256)
            .bind(&self.reference)
            .execute(&mut *self.tx)
            .await?;
            sqlx::query("UPDATE case_state SET protocol_sha256 = ? WHERE reference = ?")
                .bind(&pin.sha256)
                .bind(&self.reference)
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        Ok(case)
    }
}

/// Every moment an event carries must lie inside the calendar, named as the operation
/// that takes it names its input.
fn check_times(event: &Event) -> Result<(), StoreError> {
    match event {
        Event::Open { at, .. } => in_calendar("opened", *at),
        Event::Record(r) => in_calendar("discussed_at", r.discussed_at),
        Event::Receive { at } => in_calendar("received_at", *at),
        Event::Escalate { at, .. }
        | Event::Resolve { at, .. }
        | Event::Withdraw { at, .. }
        | Event::Redirect { at, .. } => in_calendar("now", *at),
        Event::MarkSent { at, .. } => in_calendar("sent_at", *at),
        Event::ShortenDeadline { at, due, .. } => {
            if let Some(at) = at {
                in_calendar("now", *at)?;
            }
            in_calendar("due", *due)
        }
        Event::Migrated { case } => in_calendar("opened", case.opened_at),
        Event::SwitchRoute { at, .. } | Event::MoveProtocol { at, .. } => in_calendar("now", *at),
        Event::Extend { at, to, .. } => {
            in_calendar("now", *at)?;
            match to.date() {
                Some(day) => in_calendar("to", day.and_time(chrono::NaiveTime::MIN)),
                None => Ok(()),
            }
        }
    }
}
