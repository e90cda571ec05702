//! Converting a store made before the case log (it still has `stage_moves`): run by
//! `open` and `create` after the SQL migrations, in one `BEGIN IMMEDIATE` transaction,
//! so a crash or a failure leaves the store as it was and the next open converts it.
//!
//! For each case the events are rebuilt from the old history tables, in the order of
//! the case's old audit entries (each entry takes the next old row of its kind),
//! replayed through the state machine and compared with the state the store kept. One
//! `case.migrate` entry is appended with the events; if the replay does not give the
//! kept state exactly, the kept state follows them as a `migrated` event, so nothing a
//! lead saw is lost. Old entries are never rewritten. Then the history tables and the
//! columns the log now answers (`cases.status`, `outcome`, `closed_at`) are dropped.

use std::collections::VecDeque;

use escalate_core::protocol::RecordField;
use escalate_core::{Case, CaseState, Event, Opening, Protocol, RecordSummary, Sector};

use super::*;
use crate::store::sql::parse_ts;

/// Who the conversion's entries name: the program, not the lead.
const ACTOR: &str = "Escalate (conversion to the case log)";

#[derive(Debug, sqlx::FromRow)]
struct LegacyCase {
    id: i64,
    reference: String,
    protocol_id: String,
    opened_at: String,
    immediate_risk_reason: Option<String>,
    status: String,
    outcome: Option<String>,
    closed_at: Option<String>,
    raising_sector: String,
    receiving_sector: String,
}

#[derive(Debug, sqlx::FromRow)]
struct MoveRow {
    kind: String,
    to_stage: Option<i64>,
    at: String,
    reason: String,
}

#[derive(Debug, sqlx::FromRow)]
struct RecordRow {
    id: i64,
    discussed_at: String,
    resolved: bool,
    extra: String,
}

#[derive(Debug, sqlx::FromRow)]
struct SentRow {
    stage: Option<i64>,
    notification_id: String,
    sent_to: String,
    due: Option<String>,
    sent_at: String,
    note: String,
}

#[derive(Debug, sqlx::FromRow)]
struct OverrideRow {
    due: String,
    reason: String,
    set_at: String,
}

/// Convert the store if it was made before the case log; nothing to do otherwise.
pub(crate) async fn convert(pool: &SqlitePool) -> Result<(), StoreError> {
    const LEGACY: &str =
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stage_moves'";
    // Looked at first without the write lock: every open asks, almost always of a
    // store converted long ago, and may run while another Escalate is writing.
    let legacy: Option<i64> = sqlx::query_scalar(LEGACY).fetch_optional(pool).await?;
    if legacy.is_none() {
        return Ok(());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    // Asked again under the lock: another process may have converted it meanwhile.
    let legacy: Option<i64> = sqlx::query_scalar(LEGACY).fetch_optional(&mut *tx).await?;
    if legacy.is_none() {
        return Ok(());
    }
    let converted = async {
        // The conversion happens as of the store's last entry: opening has no clock,
        // and the log's times never go backwards.
        let last: Option<String> =
            sqlx::query_scalar("SELECT at FROM audit ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        let cases: Vec<LegacyCase> = sqlx::query_as(
            "SELECT c.id, c.reference, c.protocol_id, c.opened_at, c.immediate_risk_reason, c.status,
                    c.outcome, c.closed_at, ra.sector AS raising_sector, rb.sector AS receiving_sector
             FROM cases c
             JOIN agencies ra ON ra.id = c.raising_agency_id
             JOIN agencies rb ON rb.id = c.receiving_agency_id
             ORDER BY c.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        if let Some(first) = cases.first() {
            // The cases run under the protocols this build ships, kept as installed
            // versions; each case's `case.migrate` entry records the version it is
            // pinned to.
            let at = last.clone().unwrap_or_else(|| first.opened_at.clone());
            super::protocols::install_shipped(&mut tx, &at).await?;
        }
        for case in &cases {
            let at = last.clone().unwrap_or_else(|| case.opened_at.clone());
            convert_case(&mut tx, case, &at).await?;
        }
        for table in ["stage_moves", "notifications_sent", "deadline_overrides"] {
            sqlx::query(&format!("DROP TABLE {table}"))
                .execute(&mut *tx)
                .await?;
        }
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info('cases')")
            .fetch_all(&mut *tx)
            .await?;
        for column in ["status", "outcome", "closed_at"] {
            if columns.iter().any(|c| c == column) {
                sqlx::query(&format!("ALTER TABLE cases DROP COLUMN {column}"))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        rotation::fault("legacy-converted")?;
        Ok::<(), StoreError>(())
    }
    .await;
    if let Err(e) = converted {
        return Err(StoreError::Open(format!(
            "the store could not be converted to this version's case log ({e}); nothing was changed, and the previous version of Escalate still opens it"
        )));
    }
    tx.commit().await?;
    Ok(())
}

/// One case's events, rebuilt and appended as its `case.migrate` entry; its dashboard
/// cache rewritten from them.
async fn convert_case(
    conn: &mut SqliteConnection,
    case: &LegacyCase,
    at: &str,
) -> Result<(), StoreError> {
    let moves: Vec<MoveRow> = sqlx::query_as(
        "SELECT kind, to_stage, at, reason FROM stage_moves WHERE case_id = ? ORDER BY id",
    )
    .bind(case.id)
    .fetch_all(&mut *conn)
    .await?;
    let records: VecDeque<RecordRow> = sqlx::query_as(
        "SELECT id, discussed_at, resolved, extra FROM stage_records WHERE case_id = ? ORDER BY id",
    )
    .bind(case.id)
    .fetch_all(&mut *conn)
    .await?
    .into();
    let sent: VecDeque<SentRow> = sqlx::query_as(
        "SELECT stage, notification_id, sent_to, due, sent_at, note FROM notifications_sent WHERE case_id = ? ORDER BY id",
    )
    .bind(case.id)
    .fetch_all(&mut *conn)
    .await?
    .into();
    let overrides: VecDeque<OverrideRow> = sqlx::query_as(
        "SELECT due, reason, set_at FROM deadline_overrides WHERE case_id = ? ORDER BY id",
    )
    .bind(case.id)
    .fetch_all(&mut *conn)
    .await?
    .into();
    let entries: Vec<(i64, String)> = sqlx::query_as(
        "SELECT seq, action FROM audit WHERE entity = 'case' AND entity_id = ? ORDER BY seq",
    )
    .bind(&case.reference)
    .fetch_all(&mut *conn)
    .await?;
    let kept: Option<String> =
        sqlx::query_scalar("SELECT engine FROM case_state WHERE case_id = ?")
            .bind(case.id)
            .fetch_optional(&mut *conn)
            .await?;
    let kept: Option<Case> = kept.and_then(|e| serde_json::from_str(&e).ok());
    let pinned = super::protocols::current(&mut *conn, &case.protocol_id)
        .await
        .ok();
    let protocol = pinned.as_ref().map(|(_, p)| &**p);

    let rebuilt = Rebuild {
        case,
        kept: kept.as_ref(),
        protocol,
        opened: moves.iter().filter(|m| m.kind == "opened").collect(),
        escalated: moves.iter().filter(|m| m.kind == "escalated").collect(),
        closed: moves
            .iter()
            .filter(|m| matches!(m.kind.as_str(), "resolved" | "withdrawn" | "redirected"))
            .collect(),
        records,
        sent,
        overrides,
    }
    .events(&entries)?;

    let (mut events, mut sources, unreplayed, replayed) = replay_leniently(protocol, rebuilt);
    let state = match (replayed, &kept) {
        (Some(r), Some(k)) if without_record_numbers(&r) == without_record_numbers(k) => r,
        (Some(r), None) => r,
        (_, Some(k)) => {
            events.push(Event::Migrated {
                case: Box::new(k.clone()),
            });
            sources.push(None);
            k.clone()
        }
        (None, None) => {
            return Err(StoreError::Database(format!(
                "case {}: its history does not replay and its saved state is unreadable",
                case.reference
            )))
        }
    };
    let mut payload = serde_json::json!({ "events": events, "sources": sources });
    if !unreplayed.is_empty() {
        payload["unreplayed"] = serde_json::json!(unreplayed);
    }
    if let Some((pin, _)) = &pinned {
        payload["protocol"] = serde_json::json!(pin);
        sqlx::query("UPDATE cases SET protocol_sha256 = ? WHERE id = ?")
            .bind(&pin.sha256)
            .bind(case.id)
            .execute(&mut *conn)
            .await?;
    }
    audit::append(
        conn,
        Change {
            at,
            actor: ACTOR,
            action: AuditAction::CaseMigrate,
            entity: "case",
            entity_id: &case.reference,
            before: None,
            after: Some(json(&payload)?),
        },
    )
    .await?;
    sqlx::query(
        "UPDATE case_state SET status = ?, engine = ?, protocol_sha256 = ? WHERE case_id = ?",
    )
    .bind(state.state.as_str())
    .bind(json(&state)?)
    .bind(pinned.as_ref().map_or("", |(pin, _)| pin.sha256.as_str()))
    .bind(case.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The old rows of one case, taken in the order its old audit entries name them.
struct Rebuild<'a> {
    case: &'a LegacyCase,
    kept: Option<&'a Case>,
    protocol: Option<&'a Protocol>,
    opened: VecDeque<&'a MoveRow>,
    escalated: VecDeque<&'a MoveRow>,
    closed: VecDeque<&'a MoveRow>,
    records: VecDeque<RecordRow>,
    sent: VecDeque<SentRow>,
    overrides: VecDeque<OverrideRow>,
}

type Sourced = (Event, Option<i64>);

impl Rebuild<'_> {
    fn events(mut self, entries: &[(i64, String)]) -> Result<Vec<Sourced>, StoreError> {
        let mut out: Vec<Sourced> = Vec::new();
        for (seq, action) in entries {
            let event = match action.as_str() {
                "case.create" => self.opened.pop_front().map(|m| self.open(m)).transpose()?,
                "stage.record" => self.records.pop_front().map(record).transpose()?,
                "case.escalate" => self.escalated.pop_front().map(escalate).transpose()?,
                "case.resolve" | "case.withdraw" | "case.redirect" => {
                    let kind = match action.as_str() {
                        "case.resolve" => "resolved",
                        "case.withdraw" => "withdrawn",
                        _ => "redirected",
                    };
                    let i = self.closed.iter().position(|m| m.kind == kind);
                    i.and_then(|i| self.closed.remove(i))
                        .map(close)
                        .transpose()?
                }
                "notification.sent" => self.sent.pop_front().map(mark_sent).transpose()?,
                "deadline.shorten" => self.overrides.pop_front().map(shorten).transpose()?,
                // attachment.add and anything else: no history row.
                _ => None,
            };
            if let Some(e) = event {
                out.push((e, Some(*seq)));
            }
        }
        // Rows no entry named (a store written without its trail, e.g. by a benchmark)
        // are kept too: an opening first, the rest after, in time order.
        if !out.iter().any(|(e, _)| matches!(e, Event::Open { .. })) {
            let open = match self.opened.pop_front() {
                Some(m) => self.open(m)?,
                None => self.open_from_case()?,
            };
            out.insert(0, (open, None));
        }
        let mut rest: Vec<(NaiveDateTime, Event)> = Vec::new();
        for m in std::mem::take(&mut self.opened) {
            rest.push((parse_ts(&m.at)?, self.open(m)?));
        }
        for r in std::mem::take(&mut self.records) {
            rest.push((parse_ts(&r.discussed_at)?, record(r)?));
        }
        for m in std::mem::take(&mut self.escalated) {
            rest.push((parse_ts(&m.at)?, escalate(m)?));
        }
        for s in std::mem::take(&mut self.sent) {
            rest.push((parse_ts(&s.sent_at)?, mark_sent(s)?));
        }
        for o in std::mem::take(&mut self.overrides) {
            rest.push((parse_ts(&o.set_at)?, shorten(o)?));
        }
        for m in std::mem::take(&mut self.closed) {
            rest.push((parse_ts(&m.at)?, close(m)?));
        }
        if !rest.iter().any(|(_, e)| is_closing(e)) && !out.iter().any(|(e, _)| is_closing(e)) {
            if let Some(closing) = self.closing_from_case()? {
                rest.push(closing);
            }
        }
        rest.sort_by_key(|(at, _)| *at);
        out.extend(rest.into_iter().map(|(_, e)| (e, None)));
        Ok(out)
    }

    fn sectors(&self) -> (Option<Sector>, Option<Sector>) {
        match self.kept {
            Some(k) => (k.raising_sector, k.receiving_sector),
            None => (
                self.case.raising_sector.parse().ok(),
                self.case.receiving_sector.parse().ok(),
            ),
        }
    }

    fn open(&self, m: &MoveRow) -> Result<Event, StoreError> {
        let (raising_sector, receiving_sector) = self.sectors();
        Ok(Event::Open {
            at: parse_ts(&m.at)?,
            opening: Opening {
                at: None,
                stage: m.to_stage.and_then(|s| u8::try_from(s).ok()),
                immediate_risk: self.case.immediate_risk_reason.clone(),
                raising_sector,
                receiving_sector,
                ..Opening::default()
            },
        })
    }

    /// An opening from the case's own row, where no history row records it.
    fn open_from_case(&self) -> Result<Event, StoreError> {
        let (raising_sector, receiving_sector) = self.sectors();
        let stage = self
            .kept
            .and_then(|k| k.stages.first().map(|s| s.stage))
            .or_else(|| self.protocol.map(|p| p.first_stage()));
        Ok(Event::Open {
            at: parse_ts(&self.case.opened_at)?,
            opening: Opening {
                at: None,
                stage,
                immediate_risk: self.case.immediate_risk_reason.clone(),
                raising_sector,
                receiving_sector,
                ..Opening::default()
            },
        })
    }

    /// How a closed case ended, from its own row, where no history row records it.
    fn closing_from_case(&self) -> Result<Option<(NaiveDateTime, Event)>, StoreError> {
        let Some(at) = self.case.closed_at.as_deref().map(parse_ts).transpose()? else {
            return Ok(None);
        };
        let words = self.case.outcome.clone().unwrap_or_default();
        let event = match self.case.status.as_str() {
            "resolved" => Event::Resolve { at, outcome: words },
            "withdrawn" => Event::Withdraw { at, reason: words },
            "redirected" => match self.kept.map(|k| &k.state) {
                Some(CaseState::Redirected { exclusion, .. }) => Event::Redirect {
                    at,
                    exclusion: exclusion.clone(),
                },
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        Ok(Some((at, event)))
    }
}

fn is_closing(e: &Event) -> bool {
    matches!(
        e,
        Event::Resolve { .. } | Event::Withdraw { .. } | Event::Redirect { .. }
    )
}

fn record(r: RecordRow) -> Result<Event, StoreError> {
    // Keys only: which protocol fields the record fills in.
    let extra: std::collections::BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&r.extra).map_err(|e| {
            StoreError::Database(format!(
                "stage record {} has unreadable fields: {}",
                r.id,
                log::unreadable(&e)
            ))
        })?;
    let fields = extra
        .keys()
        .filter_map(|k| RecordField::new(k).ok())
        .collect();
    Ok(Event::Record(RecordSummary {
        record: Some(r.id),
        discussed_at: parse_ts(&r.discussed_at)?,
        resolved: r.resolved,
        fields,
    }))
}

fn escalate(m: &MoveRow) -> Result<Event, StoreError> {
    Ok(Event::Escalate {
        at: parse_ts(&m.at)?,
        to_stage: m.to_stage.and_then(|s| u8::try_from(s).ok()),
        reason: Some(m.reason.clone()).filter(|r| !r.trim().is_empty()),
        skip: None,
    })
}

fn close(m: &MoveRow) -> Result<Event, StoreError> {
    let at = parse_ts(&m.at)?;
    let words = m.reason.clone();
    Ok(match m.kind.as_str() {
        "resolved" => Event::Resolve { at, outcome: words },
        "withdrawn" => Event::Withdraw { at, reason: words },
        _ => Event::Redirect {
            at,
            exclusion: words,
        },
    })
}

fn mark_sent(s: SentRow) -> Result<Event, StoreError> {
    Ok(Event::MarkSent {
        at: parse_ts(&s.sent_at)?,
        stage: s.stage.and_then(|n| u8::try_from(n).ok()),
        notification: s.notification_id,
        to: s.sent_to,
        due: s.due,
        note: s.note,
    })
}

fn shorten(o: OverrideRow) -> Result<Event, StoreError> {
    Ok(Event::ShortenDeadline {
        at: Some(parse_ts(&o.set_at)?),
        due: parse_ts(&o.due)?,
        reason: o.reason,
    })
}

/// Apply each event in turn through the state machine, as a replay will; one that
/// does not apply (a protocol changed since) is set aside rather than stopping the
/// rest. Gives the events that apply with their sources, those set aside, and the
/// case they make.
fn replay_leniently(
    protocol: Option<&Protocol>,
    events: Vec<Sourced>,
) -> (Vec<Event>, Vec<Option<i64>>, Vec<Event>, Option<Case>) {
    let mut applied = Vec::new();
    let mut sources = Vec::new();
    let mut unreplayed = Vec::new();
    let mut case: Option<Case> = None;
    for (event, source) in events {
        let ok = match (protocol, case.as_mut(), &event) {
            (None, _, _) => false,
            (Some(p), None, Event::Open { at, opening }) => {
                match Case::open(p, *at, opening.clone()) {
                    Ok(c) => {
                        case = Some(c);
                        true
                    }
                    Err(_) => false,
                }
            }
            (Some(_), None, _) => false,
            // A refused move leaves the case exactly as it was.
            (Some(p), Some(c), _) => c.apply(p, event.clone()).is_ok(),
        };
        if ok {
            applied.push(event);
            sources.push(source);
        } else {
            unreplayed.push(event);
        }
    }
    (applied, sources, unreplayed, case)
}

/// The old store kept no record numbers in its state; the log does.
fn without_record_numbers(case: &Case) -> Case {
    let mut c = case.clone();
    for stage in &mut c.stages {
        for r in &mut stage.records {
            r.record = None;
        }
    }
    c
}
