//! Cases written: a new case's rows, a stage record's row, each with its event, as
//! escalate-api checked and built them. Each is one unit of work ([`CaseTx`]): one
//! event, checked by the state machine before anything is written, one log entry, one
//! transaction. The moves that write no rows of their own go through [`CaseTx`] alone.

use std::collections::BTreeMap;

use escalate_core::protocol::RecordField;
use escalate_core::{Event, Opening, ProtocolPin, RecordSummary, Sector};

use super::*;
use crate::store::sql::agency;

/// A new case as escalate-api checked it (text trimmed and within its limits, two
/// different agencies, moments in range), with how it opens. Written as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCase {
    /// The id of the installed protocol it runs under (the version new cases use).
    pub protocol: String,
    pub opened: NaiveDateTime,
    /// The `Open` event's choices: the stage, route, risk, sectors and any skip decision.
    pub opening: Opening,
    pub child_name: String,
    pub child_dob: Option<NaiveDate>,
    pub child_identifiers: String,
    pub category: String,
    pub summary: String,
    pub raising_agency: String,
    pub raising_sector: Sector,
    pub raising_professional: Option<String>,
    pub receiving_agency: String,
    pub receiving_sector: Sector,
    pub receiving_professional: Option<String>,
    /// The case's row keeps the sectors and the risk too, as `opening` gives them.
    pub immediate_risk: Option<String>,
}

/// A stage record as escalate-api checked it, with its `Record` event (whose record
/// number the store gives when it writes the row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRecord {
    pub event: RecordSummary,
    pub participants: Vec<Participant>,
    pub raising_view: String,
    pub receiving_view: String,
    pub summary: String,
    pub agreed: String,
    /// The extra record fields given, none blank.
    pub extra: BTreeMap<RecordField, String>,
    pub next_step: String,
    pub approved_by: Option<String>,
    pub approved_on: Option<NaiveDate>,
}

impl Store {
    /// Write a new case, opened as `new.opening` says. Returns its reference, e.g.
    /// `RPD-2026-0001`.
    pub async fn add_case(
        &self,
        new: CheckedCase,
        now: NaiveDateTime,
    ) -> Result<String, StoreError> {
        in_calendar("now", now)?;
        let CheckedCase {
            protocol: protocol_id,
            opened,
            opening,
            child_name,
            child_dob,
            child_identifiers: identifiers,
            category,
            summary,
            raising_agency: raising,
            raising_sector,
            raising_professional: raising_prof,
            receiving_agency: receiving,
            receiving_sector,
            receiving_professional: receiving_prof,
            immediate_risk: risk,
        } = new;

        let mut tx = self.begin_new_case(&protocol_id, opened).await?;
        let case = tx.apply(Event::Open {
            at: opened,
            opening,
        })?;
        let engine = json(case)?;
        let status = case.state.as_str();
        let protocol = tx.protocol();
        let pin = tx.pin().clone();
        let reference = tx.reference().to_owned();
        let conn = tx.conn();
        let raising_id = agency(conn, &raising, raising_sector).await?;
        let receiving_id = agency(conn, &receiving, receiving_sector).await?;
        // The dashboard shows each agency as it is kept (names are case-insensitive,
        // and the first spelling stays): the same words the case's opening entry logs.
        let raising: String = sqlx::query_scalar("SELECT name FROM agencies WHERE id = ?")
            .bind(raising_id)
            .fetch_one(&mut *conn)
            .await?;
        let receiving: String = sqlx::query_scalar("SELECT name FROM agencies WHERE id = ?")
            .bind(receiving_id)
            .fetch_one(&mut *conn)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cases (reference, protocol_id, protocol_version, protocol_sha256, child_name, child_dob, child_identifiers, category, summary,
                raising_agency_id, raising_professional, receiving_agency_id, receiving_professional, opened_at,
                immediate_risk, immediate_risk_reason, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&reference)
        .bind(&protocol.id)
        .bind(&pin.version)
        .bind(&pin.sha256)
        .bind(&child_name)
        .bind(child_dob.map(|d| d.to_string()))
        .bind(&identifiers)
        .bind(&category)
        .bind(&summary)
        .bind(raising_id)
        .bind(&raising_prof)
        .bind(receiving_id)
        .bind(&receiving_prof)
        .bind(ts(opened))
        .bind(risk.is_some())
        .bind(&risk)
        .bind(ts(now))
        .bind(ts(now))
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO case_state (case_id, reference, child_name, raising_agency, receiving_agency, status, protocol_id, protocol_sha256, engine)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&reference)
        .bind(&child_name)
        .bind(&raising)
        .bind(&receiving)
        .bind(status)
        .bind(&protocol.id)
        .bind(&pin.sha256)
        .bind(engine)
        .execute(&mut *conn)
        .await?;
        tx.commit(now).await?;
        Ok(reference)
    }

    /// Write a stage record at the case's current stage, with its event, and remove
    /// the record form's draft. Returns the record's number.
    pub async fn add_stage_record(
        &self,
        reference: &str,
        input: CheckedRecord,
        now: NaiveDateTime,
    ) -> Result<i64, StoreError> {
        in_calendar("now", now)?;
        let CheckedRecord {
            event: mut record,
            participants,
            raising_view,
            receiving_view,
            summary,
            agreed,
            extra,
            next_step,
            approved_by,
            approved_on,
        } = input;
        let (discussed, resolved) = (record.discussed_at, record.resolved);

        let mut tx = self.begin_case(reference).await?;
        let case_id = tx
            .case_id()
            .ok_or_else(|| StoreError::NoCase(reference.trim().to_owned()))?;
        // The record's number is known before it is written (the write lock is held),
        // so the log's event names the row it belongs to.
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM stage_records")
            .fetch_one(&mut *tx.conn())
            .await?;
        record.record = Some(id);
        let stage = tx.apply(Event::Record(record))?.current_stage();
        let conn = tx.conn();
        sqlx::query(
            "INSERT INTO stage_records (id, case_id, stage, discussed_at, participants, raising_view, receiving_view, summary, agreed, resolved, extra, next_step, approved_by, approved_on, recorded_at, recorded_by)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(case_id)
        .bind(stage)
        .bind(ts(discussed))
        .bind(json(&participants)?)
        .bind(raising_view)
        .bind(receiving_view)
        .bind(summary)
        .bind(agreed)
        .bind(resolved)
        .bind(json(&extra)?)
        .bind(next_step)
        .bind(approved_by)
        .bind(approved_on.map(|d| d.to_string()))
        .bind(ts(now))
        .bind(&self.profile.name)
        .execute(&mut *conn)
        .await?;
        // The record is kept; its draft has done its job, in the same transaction so a
        // crash leaves neither a lost record nor a stale draft.
        sqlx::query("DELETE FROM drafts WHERE case_id = ? AND kind = ?")
            .bind(case_id)
            .bind(STAGE_RECORD_DRAFT)
            .execute(&mut *conn)
            .await?;
        tx.commit(now).await?;
        Ok(id)
    }
}

impl CaseTx<'_> {
    /// An installed version of the case's protocol (by version, or the start of its
    /// SHA-256), read in this unit of work. Refused naming `to` when there is none.
    pub async fn protocol_version(&mut self, to: &str) -> Result<ProtocolPin, StoreError> {
        let id = self.protocol().id.clone();
        let (pin, _) = super::protocols::find_version(self.conn(), &id, to).await?;
        Ok(pin)
    }
}
