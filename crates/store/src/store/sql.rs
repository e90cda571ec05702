//! How values are kept in SQL: times and dates as fixed-width text, JSON columns, the
//! rows read back (named columns into `FromRow` structs, never `SELECT *`), and the
//! agency table shared by every case.

use chrono::{NaiveDate, NaiveDateTime};
use escalate_core::{CaseText, Sector};
use sqlx::SqliteConnection;

use crate::error::StoreError;
use escalate_core::model::{Participant, StageRecord};

/// Times are UK local date-times; fixed width, so they sort as text.
const TS: &str = "%Y-%m-%dT%H:%M:%S";

pub(crate) fn ts(t: NaiveDateTime) -> String {
    t.format(TS).to_string()
}

pub(crate) fn parse_ts(s: &str) -> Result<NaiveDateTime, StoreError> {
    NaiveDateTime::parse_from_str(s, TS)
        .map_err(|_| StoreError::Database(format!("a stored time is malformed: {s}")))
}

pub(crate) fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Database(format!("a stored date is malformed: {s}")))
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(format!("could not encode: {e}")))
}

/// A moment the store is asked to keep must lie inside the calendar (1990–2100): every
/// deadline is counted from stored moments, and none may be counted off its end.
pub(crate) fn in_calendar(field: &'static str, t: NaiveDateTime) -> Result<(), StoreError> {
    Ok(escalate_core::input::in_calendar(field, t)?)
}

pub(crate) fn date_in_calendar(field: &'static str, d: NaiveDate) -> Result<(), StoreError> {
    Ok(escalate_core::input::date_in_calendar(field, d)?)
}

/// The agency's id, adding it the first time it is named (names are case-insensitive).
pub(crate) async fn agency(
    conn: &mut SqliteConnection,
    name: &str,
    sector: Sector,
) -> Result<i64, StoreError> {
    if let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM agencies WHERE name = ?")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok(id);
    }
    Ok(
        sqlx::query_scalar("INSERT INTO agencies (name, sector) VALUES (?, ?) RETURNING id")
            .bind(name)
            .bind(sector.as_str())
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// The case's id, from its reference.
pub(crate) async fn case_id(
    conn: &mut SqliteConnection,
    reference: &str,
) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT id FROM cases WHERE reference = ?")
        .bind(reference.trim())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NoCase(reference.trim().to_owned()))
}

/// The `profile` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ProfileRow {
    pub name: String,
    pub designation: String,
    pub agency: String,
    pub sector: String,
    pub protocol_id: String,
    pub calendar: String,
    pub auto_lock_minutes: i64,
}

pub(crate) const PROFILE_COLUMNS: &str =
    "name, designation, agency, sector, protocol_id, calendar, auto_lock_minutes";

/// A `cases` row with its agencies' names.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CaseRow {
    pub id: i64,
    pub reference: String,
    pub protocol_id: String,
    pub protocol_version: String,
    /// `None` only for a case of a protocol this store never installed.
    pub protocol_sha256: Option<String>,
    pub child_name: String,
    pub child_dob: Option<String>,
    pub child_identifiers: String,
    pub category: String,
    pub summary: String,
    pub raising_agency: String,
    pub raising_professional: Option<String>,
    pub receiving_agency: String,
    pub receiving_professional: Option<String>,
    pub opened_at: String,
    pub immediate_risk_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Selects a [`CaseRow`]: `FROM cases c` joined to its two agencies, `WHERE` to follow.
pub(crate) const CASE_ROW: &str = "SELECT c.id, c.reference, c.protocol_id, c.protocol_version, c.protocol_sha256, c.child_name, c.child_dob,
        c.child_identifiers, c.category, c.summary, ra.name AS raising_agency, c.raising_professional,
        rb.name AS receiving_agency, c.receiving_professional, c.opened_at, c.immediate_risk_reason,
        c.created_at, c.updated_at
     FROM cases c
     JOIN agencies ra ON ra.id = c.raising_agency_id
     JOIN agencies rb ON rb.id = c.receiving_agency_id";

impl CaseRow {
    pub(crate) fn text(&self) -> Result<CaseText, StoreError> {
        Ok(CaseText {
            reference: self.reference.clone(),
            protocol_id: self.protocol_id.clone(),
            protocol_version: self.protocol_version.clone(),
            protocol_sha256: self.protocol_sha256.clone().unwrap_or_default(),
            child_name: self.child_name.clone(),
            child_dob: self.child_dob.as_deref().map(parse_date).transpose()?,
            child_identifiers: self.child_identifiers.clone(),
            category: self.category.clone(),
            summary: self.summary.clone(),
            raising_professional: self.raising_professional.clone(),
            receiving_professional: self.receiving_professional.clone(),
            opened_at: parse_ts(&self.opened_at)?,
            immediate_risk: self.immediate_risk_reason.clone(),
            created_at: parse_ts(&self.created_at)?,
            updated_at: parse_ts(&self.updated_at)?,
        })
    }
}

/// A `stage_records` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct StageRecordRow {
    pub id: i64,
    pub stage: i64,
    pub discussed_at: String,
    pub participants: String,
    pub raising_view: String,
    pub receiving_view: String,
    pub summary: String,
    pub agreed: String,
    pub resolved: bool,
    pub extra: String,
    pub next_step: String,
    pub approved_by: Option<String>,
    pub approved_on: Option<String>,
    pub recorded_at: String,
    pub recorded_by: String,
}

pub(crate) const STAGE_RECORD_COLUMNS: &str =
    "id, stage, discussed_at, participants, raising_view, receiving_view, summary, agreed,
        resolved, extra, next_step, approved_by, approved_on, recorded_at, recorded_by";

impl StageRecordRow {
    pub(crate) fn record(self) -> Result<StageRecord, StoreError> {
        let bad =
            |e: serde_json::Error| StoreError::Database(format!("stage record unreadable: {e}"));
        Ok(StageRecord {
            id: self.id,
            stage: u8::try_from(self.stage).map_err(|_| {
                StoreError::Database(format!("stage record {} has no valid stage", self.id))
            })?,
            discussed_at: parse_ts(&self.discussed_at)?,
            participants: serde_json::from_str::<Vec<Participant>>(&self.participants)
                .map_err(bad)?,
            raising_view: self.raising_view,
            receiving_view: self.receiving_view,
            summary: self.summary,
            agreed: self.agreed,
            resolved: self.resolved,
            extra: serde_json::from_str(&self.extra).map_err(bad)?,
            next_step: self.next_step,
            approved_by: self.approved_by,
            approved_on: self.approved_on.as_deref().map(parse_date).transpose()?,
            recorded_at: parse_ts(&self.recorded_at)?,
            recorded_by: self.recorded_by,
        })
    }
}
