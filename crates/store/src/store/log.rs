//! A case's log, read from the audit chain: its entries (`entity = 'case'`,
//! `entity_id` = the reference) in order. A case carried over from a store made before
//! the log starts at its `case.migrate` entry, which holds the events rebuilt from the
//! old tables; the entries before it are the old trail, kept as they were written.

use std::collections::HashMap;

use escalate_core::{Event, LoggedEvent};
use serde::Deserialize;

use super::*;
use crate::store::sql::parse_ts;

#[derive(Debug, sqlx::FromRow)]
struct LogRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    after: Option<String>,
}

/// What a `case.create` entry holds: the opening and the case's own text.
#[derive(Deserialize)]
struct Opened {
    event: Event,
}

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
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT seq, at, actor, action, after FROM audit
         WHERE entity = 'case' AND entity_id = ? ORDER BY seq",
    )
    .bind(reference)
    .fetch_all(&mut *conn)
    .await?;
    events_of(reference, &rows)
}

fn events_of(reference: &str, rows: &[LogRow]) -> Result<Vec<LoggedEvent>, StoreError> {
    let migrate = AuditAction::CaseMigrate.as_str();
    let start = rows.iter().rposition(|r| r.action == migrate).unwrap_or(0);
    let (old, log) = rows.split_at(start);
    let old: HashMap<i64, &LogRow> = old.iter().map(|r| (r.seq, r)).collect();
    let mut out = Vec::with_capacity(log.len());
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
                out.push(logged(row, o.event)?);
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
    Ok(out)
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
