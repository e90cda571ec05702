//! Reading: the dashboard's rows (from their cache), one case's file (from its rows and
//! its log, in one read transaction), and the check that every cache agrees with the log.

use std::collections::HashMap;

use escalate_core::{Case, CaseFile, Protocol};
use serde::Serialize;

use super::*;
use crate::store::protocols;
use crate::store::sql::{CaseRow, StageRecordRow, CASE_ROW, STAGE_RECORD_COLUMNS};
use crate::store::unit::replay_log;

/// The outcome of replaying every case's log and comparing it with what the store
/// keeps beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CacheReport {
    /// How many cases were replayed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cases: u64,
    pub first_mismatch: Option<CacheMismatch>,
}

impl CacheReport {
    pub fn ok(&self) -> bool {
        self.first_mismatch.is_none()
    }
}

/// The first case whose cache or rows disagree with its log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CacheMismatch {
    pub reference: String,
    pub reason: String,
}

/// Which dashboard rows: open ones unless all are asked for, and those whose reference
/// or child's name matches a search.
const LIST_WHERE: &str = r"WHERE (? OR status = 'open')
       AND (? IS NULL OR reference LIKE ? ESCAPE '\' OR child_name LIKE ? ESCAPE '\')";

/// One dashboard row as SQLite hands it over; the engine state is parsed per case, so
/// one unreadable state spoils only its own row.
#[derive(serde::Deserialize)]
struct ListRow<'a>(
    String,
    String,
    String,
    String,
    String,
    #[serde(borrow)] &'a serde_json::value::RawValue,
);

/// One case as the dashboard's cache keeps it.
#[derive(Debug, Clone)]
pub struct DashboardRow {
    pub reference: String,
    pub child_name: String,
    pub raising_agency: String,
    pub receiving_agency: String,
    /// The SHA-256 of the version of its protocol the case runs under.
    pub pin: String,
    /// The engine's state of the case; `None` when the cache cannot be read (changed
    /// outside Escalate), so that the case is still listed, in its error state.
    pub case: Option<Case>,
}

/// The dashboard's rows and the versions of the protocols they run under.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub rows: Vec<DashboardRow>,
    /// Each version the rows are pinned to, read once: a handful for any number of
    /// cases. A version this store cannot read (no longer installed, or changed outside
    /// Escalate) is absent.
    pub protocols: HashMap<String, &'static Protocol>,
}

impl Store {
    /// The dashboard's cached rows: the open cases, or every one, whose reference or
    /// child's name contains `search`, in no particular order; with the protocol
    /// versions they run under. The engine's answers are escalate-api's to give.
    pub async fn dashboard(
        &self,
        filter: CaseFilter,
        search: Option<&str>,
    ) -> Result<Dashboard, StoreError> {
        let pattern = search.map(|s| {
            format!(
                "%{}%",
                s.trim()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        let all = filter == CaseFilter::All;
        // One row holding the whole list as JSON: SQLite builds it in C, so the cost is
        // one decode rather than a round of driver overhead per case.
        let list: Result<Option<String>, sqlx::Error> = sqlx::query_scalar(&format!(
            "SELECT json_group_array(json_array(reference, child_name, raising_agency, receiving_agency, protocol_sha256, json(engine)))
             FROM case_state {LIST_WHERE}"
        ))
        .bind(all)
        .bind(&pattern)
        .bind(&pattern)
        .bind(&pattern)
        .fetch_one(&self.pool)
        .await;
        let list = match list {
            Ok(list) => list,
            // A cached state SQLite cannot read (changed outside Escalate) spoils the
            // one-row list: the rows are read one by one instead, so that only its own
            // case shows the damage.
            Err(sqlx::Error::Database(_)) => Some(self.list_rows_one_by_one(all, &pattern).await?),
            Err(e) => return Err(e.into()),
        };
        let list = list.as_deref().unwrap_or("[]");
        // Every state decoded in the one pass; only if one of them does not decode is
        // the list read again state by state, so that case alone shows the damage.
        type Row = (String, String, String, String, String, Case);
        let rows: Vec<DashboardRow> = match serde_json::from_str::<Vec<Row>>(list) {
            Ok(rows) => rows
                .into_iter()
                .map(|(r, c, a, b, pin, case)| DashboardRow {
                    reference: r,
                    child_name: c,
                    raising_agency: a,
                    receiving_agency: b,
                    pin,
                    case: Some(case),
                })
                .collect(),
            Err(_) => serde_json::from_str::<Vec<ListRow<'_>>>(list)
                .map_err(|e| {
                    StoreError::Database(format!("case list unreadable: {}", log::unreadable(&e)))
                })?
                .into_iter()
                .map(|ListRow(r, c, a, b, pin, engine)| DashboardRow {
                    reference: r,
                    child_name: c,
                    raising_agency: a,
                    receiving_agency: b,
                    pin,
                    case: serde_json::from_str::<Case>(engine.get()).ok(),
                })
                .collect(),
        };
        let mut protocols: HashMap<String, &'static Protocol> = HashMap::new();
        let mut unread: Vec<&str> = Vec::new();
        let mut conn = None;
        for row in &rows {
            let pin = row.pin.as_str();
            if protocols.contains_key(pin) || unread.contains(&pin) {
                continue;
            }
            let found = match protocols::interned(pin) {
                Some(p) => Some(p),
                None => {
                    let conn = match &mut conn {
                        Some(c) => c,
                        None => conn.insert(self.pool.acquire().await?),
                    };
                    protocols::by_hash(conn, pin).await.ok().flatten()
                }
            };
            match found {
                Some(p) => {
                    protocols.insert(pin.to_owned(), p);
                }
                None => unread.push(pin),
            }
        }
        Ok(Dashboard { rows, protocols })
    }

    /// The dashboard's rows as the one-row query gives them, read row by row: a state
    /// that is not JSON becomes `null`, which lists the case in its error state.
    async fn list_rows_one_by_one(
        &self,
        all: bool,
        pattern: &Option<String>,
    ) -> Result<String, StoreError> {
        use serde_json::value::RawValue;
        type Row = (String, String, String, String, String, String);
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT reference, child_name, raising_agency, receiving_agency, protocol_sha256, engine FROM case_state {LIST_WHERE}"
        ))
        .bind(all)
        .bind(pattern)
        .bind(pattern)
        .bind(pattern)
        .fetch_all(&self.pool)
        .await?;
        let rows = rows
            .into_iter()
            .map(|(reference, child, raising, receiving, pin, engine)| {
                let engine = serde_json::from_str::<Box<RawValue>>(&engine).ok();
                json(&(reference, child, raising, receiving, pin, engine))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(format!("[{}]", rows.join(",")))
    }

    /// Everything about one case, in one read transaction: its row, its agencies, its
    /// stage records, its log, and the state the log replays to. Words for people are
    /// made from it by `escalate_api::present`.
    pub async fn case_file(&self, reference: &str) -> Result<CaseFile, StoreError> {
        let reference = reference.trim();
        let mut tx = self.pool.begin().await?;
        let row: CaseRow = sqlx::query_as(&format!("{CASE_ROW} WHERE c.reference = ?"))
            .bind(reference)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NoCase(reference.to_owned()))?;
        let records: Vec<StageRecordRow> = sqlx::query_as(&format!(
            "SELECT {STAGE_RECORD_COLUMNS} FROM stage_records WHERE case_id = ? ORDER BY discussed_at, id"
        ))
        .bind(row.id)
        .fetch_all(&mut *tx)
        .await?;
        let events = log::case_events(&mut tx, reference).await?;
        let (engine, protocol) =
            replay_log(&mut tx, reference, row.protocol_sha256.as_deref(), &events).await?;
        tx.commit().await?;
        Ok(CaseFile {
            case: row.text()?,
            raising_agency: row.raising_agency,
            receiving_agency: row.receiving_agency,
            records: records
                .into_iter()
                .map(StageRecordRow::record)
                .collect::<Result<_, _>>()?,
            events,
            engine,
            protocol,
        })
    }

    /// Replay every case's log and compare it with what is kept beside it: the
    /// dashboard's cache (state and status) and the stage records' rows (each one named
    /// by exactly one event of its case's log). Stops at the first case that differs.
    pub async fn check_caches(&self) -> Result<CacheReport, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let cases: Vec<(i64, String, Option<String>)> =
            sqlx::query_as("SELECT id, reference, protocol_sha256 FROM cases ORDER BY id")
                .fetch_all(&mut *conn)
                .await?;
        let mut checked = 0u64;
        for (id, reference, pin) in cases {
            checked += 1;
            if let Some(reason) = self
                .differs(&mut conn, id, &reference, pin.as_deref())
                .await?
            {
                return Ok(CacheReport {
                    cases: checked,
                    first_mismatch: Some(CacheMismatch { reference, reason }),
                });
            }
        }
        Ok(CacheReport {
            cases: checked,
            first_mismatch: None,
        })
    }

    /// Why one case's cache or rows differ from its log, if they do.
    async fn differs(
        &self,
        conn: &mut SqliteConnection,
        id: i64,
        reference: &str,
        pin: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        let events = match log::case_events(conn, reference).await {
            Ok(e) => e,
            Err(e) => return Ok(Some(e.to_string())),
        };
        let replayed = match replay_log(conn, reference, pin, &events).await {
            Ok((c, _)) => c,
            Err(e) => return Ok(Some(e.to_string())),
        };
        // The version the case is pinned to is the one its last move took it to, each
        // move starting from where the one before ended; a case opened by this version
        // names its version in its opening entry too.
        let mut at = None;
        for e in &events {
            if let escalate_core::Event::MoveProtocol { from, to, .. } = &e.event {
                if at.is_some_and(|s: &str| s != from.sha256) {
                    return Ok(Some(
                        "its moves between protocol versions do not follow on from each other"
                            .to_owned(),
                    ));
                }
                at = Some(to.sha256.as_str());
            }
        }
        let opened_pin = log::opening_pin(conn, reference).await?;
        let first_from = events.iter().find_map(|e| match &e.event {
            escalate_core::Event::MoveProtocol { from, .. } => Some(from.sha256.as_str()),
            _ => None,
        });
        if let Some(opened) = opened_pin.as_deref() {
            if opened != first_from.or(pin).unwrap_or_default() {
                return Ok(Some(
                    "it runs under a protocol version other than the one its log says it was opened under".to_owned(),
                ));
            }
        }
        if let Some(last) = at {
            if pin != Some(last) {
                return Ok(Some(
                    "it is pinned to a protocol version other than the one its log moved it to"
                        .to_owned(),
                ));
            }
        }
        let cached: Option<(String, String, String)> = sqlx::query_as(
            "SELECT status, engine, protocol_sha256 FROM case_state WHERE case_id = ?",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((status, engine, cached_pin)) = cached else {
            return Ok(Some("it has no dashboard row".to_owned()));
        };
        if Some(cached_pin.as_str()) != pin {
            return Ok(Some(
                "the dashboard shows it under another protocol version than its own".to_owned(),
            ));
        }
        if status != replayed.state.as_str() {
            return Ok(Some(format!(
                "the dashboard shows it {status}, its log {}",
                replayed.state.as_str()
            )));
        }
        match serde_json::from_str::<Case>(&engine) {
            Ok(c) if c == replayed => {}
            Ok(_) => {
                return Ok(Some(
                    "the dashboard's state differs from the replay of its log".to_owned(),
                ))
            }
            Err(e) => {
                return Ok(Some(format!(
                    "the dashboard's state is unreadable: {}",
                    log::unreadable(&e)
                )))
            }
        }
        let rows: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM stage_records WHERE case_id = ? ORDER BY id")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
        let mut logged: Vec<i64> = events
            .iter()
            .filter_map(|e| match &e.event {
                escalate_core::Event::Record(r) => r.record,
                _ => None,
            })
            .collect();
        logged.sort_unstable();
        if let Some(row) = rows.iter().find(|r| logged.binary_search(r).is_err()) {
            return Ok(Some(format!("stage record {row} is not in its log")));
        }
        if let Some(ev) = logged.iter().find(|r| rows.binary_search(r).is_err()) {
            return Ok(Some(format!(
                "its log names stage record {ev}, which is not kept"
            )));
        }
        if logged.windows(2).any(|w| w[0] == w[1]) {
            return Ok(Some("its log names one stage record twice".to_owned()));
        }
        Ok(None)
    }
}
