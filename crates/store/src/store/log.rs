//! A case's log, read from the audit chain: its entries (`entity = 'case'`,
//! `entity_id` = the reference) in order. A case carried over from a store made before
//! the log starts at its `case.migrate` entry, which holds the events rebuilt from the
//! old tables; the entries before it are the old trail, kept as they were written.

use std::collections::HashMap;

use escalate_core::{Event, LoggedEvent};
use serde::Deserialize;

use super::*;
use crate::store::sql::parse_ts;

/// A case's entry as kept: the audit trail's own row, all of it, for the chain's check.
pub(super) type LogRow = crate::audit::AuditEntry;

/// What a `case.create` entry holds: the opening and the case's own text.
#[derive(Deserialize)]
struct Opened {
    event: Event,
    #[serde(default)]
    case: Option<LoggedCase>,
}

/// The case's own text as its log holds it: written beside the opening (and, for a
/// store made before the log held it, by the conversion's `case.content` entry),
/// exactly as the `cases` row was written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub(crate) struct LoggedCase {
    pub reference: String,
    pub child_name: String,
    pub child_dob: Option<String>,
    pub child_identifiers: String,
    pub category: String,
    pub summary: String,
    pub raising_agency: String,
    pub raising_professional: Option<String>,
    pub receiving_agency: String,
    pub receiving_professional: Option<String>,
    pub protocol: String,
    pub protocol_version: String,
    #[serde(default)]
    pub protocol_sha256: Option<String>,
    pub opened_at: String,
    pub immediate_risk: Option<String>,
}

/// What a `stage.record` entry holds since the log carries every word: the event and
/// the whole record. Older entries hold the event alone.
#[derive(Deserialize)]
struct Recorded {
    event: Event,
    record: escalate_core::model::StageRecord,
}

/// What a conversion's `case.content` entry holds: what the case's log lacked.
#[derive(Debug, Deserialize, serde::Serialize)]
pub(crate) struct Content {
    #[serde(default)]
    pub case: Option<LoggedCase>,
    #[serde(default)]
    pub records: Vec<escalate_core::model::StageRecord>,
}

/// A case's whole log: its events, and every word it holds, each with the entry that
/// holds it; and the raw entries, for the chain's check.
#[derive(Debug, Default)]
pub(crate) struct CaseLog {
    pub events: Vec<LoggedEvent>,
    pub text: Option<(LoggedCase, i64)>,
    pub records: std::collections::BTreeMap<i64, (escalate_core::model::StageRecord, i64)>,
    /// Entries in which a read found the store altered.
    pub detected: Vec<i64>,
    pub rows: Vec<LogRow>,
}

/// Every entry of a case, with what the chain's check needs.
pub(super) const LOG_COLUMNS: &str =
    "seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash";

/// What a `case.migrate` entry holds. `sources` names, for each event, the older entry
/// it was rebuilt from (none for a carried-over state).
#[derive(Deserialize)]
pub(super) struct Migration {
    pub events: Vec<Event>,
    #[serde(default)]
    pub sources: Vec<Option<i64>>,
}

/// The case's events, oldest first.
pub(super) async fn case_events(
    conn: &mut SqliteConnection,
    reference: &str,
) -> Result<Vec<LoggedEvent>, StoreError> {
    Ok(case_log(conn, reference).await?.events)
}

/// The case's whole log: events, words, detections and raw entries.
pub(super) async fn case_log(
    conn: &mut SqliteConnection,
    reference: &str,
) -> Result<CaseLog, StoreError> {
    log_of(reference, case_rows(conn, reference).await?)
}

/// The case's entries as kept, unread.
pub(super) async fn case_rows(
    conn: &mut SqliteConnection,
    reference: &str,
) -> Result<Vec<LogRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {LOG_COLUMNS} FROM audit WHERE entity = 'case' AND entity_id = ? ORDER BY seq"
    ))
    .bind(reference)
    .fetch_all(&mut *conn)
    .await?)
}

/// The log of a case from its entries (those the chain attests, where it breaks).
pub(super) fn log_of(reference: &str, rows: Vec<LogRow>) -> Result<CaseLog, StoreError> {
    let mut log = events_of(reference, &rows)?;
    log.rows = rows;
    Ok(log)
}

fn events_of(reference: &str, rows: &[LogRow]) -> Result<CaseLog, StoreError> {
    let migrate = AuditAction::CaseMigrate.as_str();
    // A case is converted once: its history starts at its first conversion entry. A
    // second one was not written by Escalate and would rewrite the history before it.
    let start = rows.iter().position(|r| r.action == migrate).unwrap_or(0);
    // A conversion entry follows only the old trail (written before the case log, in
    // another shape): one after an entry of the case log itself was not Escalate's.
    let logged_shape = |r: &LogRow| {
        r.after.as_deref().is_some_and(|a| {
            a.starts_with("{\"case\":{")
                || a.starts_with("{\"type\":")
                || a.starts_with("{\"event\":")
        })
    };
    if rows.get(start).is_some_and(|r| r.action == migrate) {
        if let Some(r) = rows[..start].iter().find(|r| logged_shape(r)) {
            return Err(StoreError::CaseLog {
                reference: reference.to_owned(),
                seq: rows[start].seq,
                why: format!(
                    "a second conversion entry, after entry {} of the case's log: the log was changed outside Escalate",
                    r.seq
                ),
            });
        }
    }
    if let Some(second) = rows.iter().skip(start + 1).find(|r| r.action == migrate) {
        return Err(StoreError::CaseLog {
            reference: reference.to_owned(),
            seq: second.seq,
            why: "a second conversion entry: the log was changed outside Escalate".to_owned(),
        });
    }
    let (old, log) = rows.split_at(start);
    let old: HashMap<i64, &LogRow> = old.iter().map(|r| (r.seq, r)).collect();
    let mut out = Vec::with_capacity(log.len());
    let mut content = CaseLog::default();
    for row in log {
        let bad = |why: String| StoreError::CaseLog {
            reference: reference.to_owned(),
            seq: row.seq,
            why,
        };
        let Some(action) = AuditAction::parse(&row.action) else {
            return Err(bad(format!(
                "'{}' is not an action Escalate writes",
                row.action
            )));
        };
        match action {
            AuditAction::CaseContent => {
                let c: Content = serde_json::from_str(row.after.as_deref().unwrap_or("{}"))
                    .map_err(|e| bad(unreadable(&e)))?;
                // Words are written once: an entry that would give a case's text or
                // a record's words again changes nothing of what the log holds.
                if let Some(text) = c.case {
                    content.text.get_or_insert((text, row.seq));
                }
                for r in c.records {
                    content.records.entry(r.id).or_insert((r, row.seq));
                }
                continue;
            }
            AuditAction::IntegrityAltered => {
                content.detected.push(row.seq);
                continue;
            }
            _ => {}
        }
        if action != AuditAction::CaseMigrate && !action.is_case_event() {
            // A case's entry that is not one of its events (an attachment kept).
            continue;
        }
        let after = row
            .after
            .as_deref()
            .ok_or_else(|| bad("the entry holds no event".to_owned()))?;
        let logged = |r: &LogRow, event: Event| -> Result<LoggedEvent, StoreError> {
            Ok(LoggedEvent {
                seq: r.seq,
                at: parse_ts(&r.at)?,
                actor: r.actor.clone(),
                event,
            })
        };
        match action {
            AuditAction::CaseMigrate => {
                let m: Migration = serde_json::from_str(after).map_err(|e| bad(unreadable(&e)))?;
                for (i, event) in m.events.into_iter().enumerate() {
                    let source = m
                        .sources
                        .get(i)
                        .copied()
                        .flatten()
                        .and_then(|seq| old.get(&seq).copied())
                        .unwrap_or(row);
                    out.push(logged(source, event)?);
                }
            }
            AuditAction::CaseCreate => {
                let o: Opened = serde_json::from_str(after).map_err(|e| bad(unreadable(&e)))?;
                if let Some(text) = o.case {
                    content.text.get_or_insert((text, row.seq));
                }
                out.push(logged(row, o.event)?);
            }
            AuditAction::StageRecord if after.starts_with("{\"event\"") => {
                let r: Recorded = serde_json::from_str(after).map_err(|e| bad(unreadable(&e)))?;
                if !matches!(&r.event, Event::Record(s) if s.record == Some(r.record.id)) {
                    return Err(bad("its record is not the one its event names".to_owned()));
                }
                content
                    .records
                    .entry(r.record.id)
                    .or_insert((r.record, row.seq));
                out.push(logged(row, r.event)?);
            }
            _ => {
                let event: Event = serde_json::from_str(after).map_err(|e| bad(unreadable(&e)))?;
                if AuditAction::for_event(&event) != action {
                    return Err(bad(format!(
                        "a {} entry holds a '{}' event",
                        row.action,
                        event.kind()
                    )));
                }
                out.push(logged(row, event)?);
            }
        }
    }
    content.events = out;
    Ok(content)
}

/// The version of its protocol a case was opened under, as its opening entry names it
/// (cases opened before protocols were installed, or converted, name none).
pub(super) async fn opening_pin(
    conn: &mut SqliteConnection,
    reference: &str,
) -> Result<Option<String>, StoreError> {
    #[derive(Deserialize)]
    struct Text {
        #[serde(default)]
        protocol_sha256: Option<String>,
    }
    #[derive(Deserialize)]
    struct Opening {
        case: Text,
    }
    let after: Option<Option<String>> = sqlx::query_scalar(
        "SELECT after FROM audit WHERE entity = 'case' AND entity_id = ? AND action = ? ORDER BY seq LIMIT 1",
    )
    .bind(reference)
    .bind(AuditAction::CaseCreate.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(after
        .flatten()
        .and_then(|a| serde_json::from_str::<Opening>(&a).ok())
        .and_then(|o| o.case.protocol_sha256))
}

/// Why an entry does not read, without quoting it: serde's messages can hold the value
/// found, which may be a child's name.
pub(super) fn unreadable(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Data => "it is not an event this version of Escalate reads",
        _ => "it is not valid JSON",
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}
