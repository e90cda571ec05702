//! Reading: the dashboard's rows (from their cache), one case's file (from its rows and
//! its log, in one read transaction), and the check that every cache agrees with the log.

use std::collections::HashMap;

use std::sync::Arc;

use escalate_core::model::{CaseIntegrity, IntegrityFlag, StageRecord};
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
    /// Every difference found, the first one first.
    pub mismatches: Vec<CacheMismatch>,
}

impl CacheReport {
    pub fn ok(&self) -> bool {
        self.first_mismatch.is_none()
    }
}

/// A value kept beside the log that differs from it, or a case's log that does not
/// hold together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CacheMismatch {
    /// The case's reference, or `settings`.
    pub reference: String,
    /// The table and column (`stage_records.agreed`, `profile.calendar`), where one
    /// value differs.
    pub field: Option<String>,
    /// The log entry holding the true value.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub entry: Option<i64>,
    pub reason: String,
}

impl CacheMismatch {
    fn altered(subject: &str, a: &escalate_core::model::Alteration) -> CacheMismatch {
        let item = a
            .item
            .as_ref()
            .map(|i| format!(" ({i})"))
            .unwrap_or_default();
        let reason = match a.entry {
            Some(e) => format!(
                "{}{item} was altered outside Escalate: the log holds its value at entry {e}",
                a.field
            ),
            None => format!(
                "{}{item} was altered outside Escalate: the log never held it",
                a.field
            ),
        };
        CacheMismatch {
            reference: subject.to_owned(),
            field: Some(a.field.clone()),
            entry: a.entry,
            reason,
        }
    }
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
    Option<String>,
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
    /// The case's record was found altered outside Escalate, or its history broken.
    pub integrity: Option<IntegrityFlag>,
}

/// The dashboard's rows and the versions of the protocols they run under.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub rows: Vec<DashboardRow>,
    /// Each version the rows are pinned to, read once: a handful for any number of
    /// cases. A version this store cannot read (no longer installed, or changed outside
    /// Escalate) is absent.
    pub protocols: HashMap<String, Arc<Protocol>>,
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
            "SELECT json_group_array(json_array(reference, child_name, raising_agency, receiving_agency, protocol_sha256, json(engine), integrity))
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
        type Row = (String, String, String, String, String, Case, Option<String>);
        let flag = |f: Option<String>| f.as_deref().and_then(IntegrityFlag::parse);
        let rows: Vec<DashboardRow> = match serde_json::from_str::<Vec<Row>>(list) {
            Ok(rows) => rows
                .into_iter()
                .map(|(r, c, a, b, pin, case, f)| DashboardRow {
                    reference: r,
                    child_name: c,
                    raising_agency: a,
                    receiving_agency: b,
                    pin,
                    case: Some(case),
                    integrity: flag(f),
                })
                .collect(),
            Err(_) => serde_json::from_str::<Vec<ListRow<'_>>>(list)
                .map_err(|e| {
                    StoreError::Database(format!("case list unreadable: {}", log::unreadable(&e)))
                })?
                .into_iter()
                .map(|ListRow(r, c, a, b, pin, engine, f)| DashboardRow {
                    reference: r,
                    child_name: c,
                    raising_agency: a,
                    receiving_agency: b,
                    pin,
                    case: serde_json::from_str::<Case>(engine.get()).ok(),
                    integrity: flag(f),
                })
                .collect(),
        };
        let mut protocols: HashMap<String, Arc<Protocol>> = HashMap::new();
        let mut unread: Vec<&str> = Vec::new();
        let mut conn = None;
        for row in &rows {
            let pin = row.pin.as_str();
            if protocols.contains_key(pin) || unread.contains(&pin) {
                continue;
            }
            let found = match protocols::cached(pin) {
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
        type Row = (
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT reference, child_name, raising_agency, receiving_agency, protocol_sha256, engine, integrity FROM case_state {LIST_WHERE}"
        ))
        .bind(all)
        .bind(pattern)
        .bind(pattern)
        .bind(pattern)
        .fetch_all(&self.pool)
        .await?;
        let rows = rows
            .into_iter()
            .map(
                |(reference, child, raising, receiving, pin, engine, flag)| {
                    let engine = serde_json::from_str::<Box<RawValue>>(&engine).ok();
                    json(&(reference, child, raising, receiving, pin, engine, flag))
                },
            )
            .collect::<Result<Vec<_>, _>>()?;
        Ok(format!("[{}]", rows.join(",")))
    }

    /// Everything about one case, in one read transaction: its log (as far as the hash
    /// chain attests it), the state it replays to, and its words as the log holds
    /// them. The rows kept beside the log are compared with it: where they differ the
    /// store was altered outside Escalate, the file says so and carries the log's words,
    /// and the rows are rebuilt from the log with the detection logged. Words for
    /// people are made from it by `escalate_api::present`.
    pub async fn case_file(&self, reference: &str) -> Result<CaseFile, StoreError> {
        let reference = reference.trim();
        let mut tx = self.pool.begin().await?;
        let loaded = load_case(&mut tx, reference).await?;
        tx.commit().await?;
        let Loaded {
            row,
            log,
            engine,
            protocol,
            mut integrity,
            records,
        } = loaded;
        if !integrity.altered.is_empty() && integrity.broken.is_none() {
            let mut tx = self.begin().await?;
            // Looked at again under the write lock: another read may have rebuilt it.
            let again = load_case(&mut tx, reference).await?;
            if !again.integrity.altered.is_empty() {
                integrity::rebuild_case(
                    &mut tx,
                    again.row.id,
                    reference,
                    &again.log,
                    &again.engine,
                    &again.integrity.altered,
                )
                .await?;
                sqlx::query("UPDATE case_state SET integrity = 'altered' WHERE case_id = ?")
                    .bind(again.row.id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        if integrity.broken.is_some() {
            // The dashboard says so too; a failure to note it hides nothing here.
            let _ = sqlx::query("UPDATE case_state SET integrity = 'broken' WHERE case_id = ?")
                .bind(row.id)
                .execute(&self.pool)
                .await;
        }
        integrity.detected.sort_unstable();
        let (version, sha) = integrity::logged_pin(&log).unwrap_or_else(|| {
            (
                row.protocol_version.clone(),
                row.protocol_sha256.clone().unwrap_or_default(),
            )
        });
        let first_at = log.rows.first().map(|r| parse_ts(&r.at)).transpose()?;
        let last_at = log.events.last().map(|e| e.at);
        let mut case = match &log.text {
            Some((text, _)) => integrity::text_of(
                text,
                (&version, &sha),
                first_at.unwrap_or(engine.opened_at),
                last_at.unwrap_or(engine.opened_at),
            )?,
            None => row.text()?,
        };
        case.protocol_version = version;
        case.protocol_sha256 = sha;
        let (raising_agency, receiving_agency) = match &log.text {
            Some((t, _)) => (t.raising_agency.clone(), t.receiving_agency.clone()),
            None => (row.raising_agency.clone(), row.receiving_agency.clone()),
        };
        Ok(CaseFile {
            case,
            raising_agency,
            receiving_agency,
            records,
            events: log.events,
            engine,
            protocol,
            integrity,
        })
    }

    /// Replay every case's log and the settings' and compare every value kept beside
    /// them: each case's row, stage records and dashboard cache, and every setting. Each
    /// difference names the case (or `settings`), the field and the entry holding the
    /// true value; detections logged earlier are listed too, since the store was
    /// altered then. Nothing is rebuilt here: reading a case does that.
    pub async fn check_caches(&self) -> Result<CacheReport, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let cases: Vec<String> = sqlx::query_scalar("SELECT reference FROM cases ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
        let mut checked = 0u64;
        let mut mismatches = Vec::new();
        let mut flagged = Vec::new();
        for reference in cases {
            checked += 1;
            match load_case(&mut conn, &reference).await {
                Ok(l) => {
                    if l.integrity.broken.is_some() {
                        flagged.push((reference.clone(), IntegrityFlag::Broken));
                    } else if l.integrity.altered() {
                        flagged.push((reference.clone(), IntegrityFlag::Altered));
                    }
                    if let Some(b) = &l.integrity.broken {
                        mismatches.push(CacheMismatch {
                            reference: reference.clone(),
                            field: None,
                            entry: Some(b.entry),
                            reason: format!(
                                "its history is broken at entry {}: {}",
                                b.entry, b.reason
                            ),
                        });
                    }
                    for a in &l.integrity.altered {
                        mismatches.push(CacheMismatch::altered(&reference, a));
                    }
                    if let Some(reason) = self.differs(&mut conn, &reference, &l).await? {
                        mismatches.push(CacheMismatch {
                            reference: reference.clone(),
                            field: None,
                            entry: None,
                            reason,
                        });
                    }
                }
                Err(e) => mismatches.push(CacheMismatch {
                    reference: reference.clone(),
                    field: None,
                    entry: None,
                    reason: e.to_string(),
                }),
            }
        }
        // A case the log holds whose rows are gone was removed outside Escalate.
        let missing: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT entity_id FROM audit WHERE entity = 'case'
               AND entity_id NOT IN (SELECT reference FROM cases) ORDER BY entity_id",
        )
        .fetch_all(&mut *conn)
        .await?;
        for reference in missing {
            mismatches.push(CacheMismatch {
                reference,
                field: Some("cases".to_owned()),
                entry: None,
                reason: "cases: the case's log is kept but its rows were removed outside Escalate"
                    .to_owned(),
            });
        }
        // The dashboard says so of each case found altered or broken (a note in a
        // cache; the log is untouched).
        for (reference, flag) in &flagged {
            sqlx::query("UPDATE case_state SET integrity = ? WHERE reference = ?")
                .bind(flag.as_str())
                .bind(reference)
                .execute(&mut *conn)
                .await?;
        }
        let log = integrity::SettingsLog::read(&mut conn).await?;
        for a in integrity::settings_differences(&mut conn, &log).await? {
            mismatches.push(CacheMismatch::altered("settings", &a));
        }
        for (subject, seq, found) in integrity::detections(&mut conn).await? {
            for a in found {
                let mut m = CacheMismatch::altered(&subject, &a);
                m.reason = format!(
                    "{} (found and restored from the log at entry {seq})",
                    m.reason
                );
                mismatches.push(m);
            }
        }
        Ok(CacheReport {
            cases: checked,
            first_mismatch: mismatches.first().cloned(),
            mismatches,
        })
    }

    /// Why one case's log does not hold together, where it does not.
    async fn differs(
        &self,
        conn: &mut SqliteConnection,
        reference: &str,
        loaded: &Loaded,
    ) -> Result<Option<String>, StoreError> {
        let events = &loaded.log.events;
        // Each move between protocol versions starts from where the one before ended.
        let mut at = None;
        for e in events {
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
        let pin = integrity::logged_pin(&loaded.log).map(|(_, sha)| sha);
        if let Some(opened) = opened_pin.as_deref() {
            if opened != first_from.or(pin.as_deref()).unwrap_or_default() {
                return Ok(Some(
                    "it runs under a protocol version other than the one its log says it was opened under".to_owned(),
                ));
            }
        }
        let mut named: Vec<i64> = events
            .iter()
            .filter_map(|e| match &e.event {
                escalate_core::Event::Record(r) => r.record,
                _ => None,
            })
            .collect();
        named.sort_unstable();
        if named.windows(2).any(|w| w[0] == w[1]) {
            return Ok(Some("its log names one stage record twice".to_owned()));
        }
        if let Some(id) = named.iter().find(|id| !loaded.log.records.contains_key(id)) {
            return Ok(Some(format!(
                "its log names stage record {id} but does not hold its words"
            )));
        }
        Ok(None)
    }
}

/// One case as read: its row, its log (as far as the chain attests it) replayed, its
/// records as the log holds them, and what differs.
pub(super) struct Loaded {
    row: CaseRow,
    log: log::CaseLog,
    engine: Case,
    protocol: std::sync::Arc<Protocol>,
    integrity: CaseIntegrity,
    records: Vec<StageRecord>,
}

async fn load_case(conn: &mut SqliteConnection, reference: &str) -> Result<Loaded, StoreError> {
    let row: CaseRow = sqlx::query_as(&format!("{CASE_ROW} WHERE c.reference = ?"))
        .bind(reference)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NoCase(reference.to_owned()))?;
    let kept: Vec<StageRecordRow> = sqlx::query_as(&format!(
        "SELECT {STAGE_RECORD_COLUMNS} FROM stage_records WHERE case_id = ? ORDER BY discussed_at, id"
    ))
    .bind(row.id)
    .fetch_all(&mut *conn)
    .await?;
    let state: Option<integrity::StateRow> = sqlx::query_as(&format!(
        "SELECT {} FROM case_state WHERE case_id = ?",
        integrity::STATE_COLUMNS
    ))
    .bind(row.id)
    .fetch_optional(&mut *conn)
    .await?;
    let mut rows = log::case_rows(conn, reference).await?;
    // Only what the chain attests is read as the case's history.
    let broken = integrity::chain_break(conn, &rows).await?;
    if let Some(b) = &broken {
        rows.retain(|r| r.seq < b.entry);
        if !rows
            .iter()
            .any(|r| r.action != AuditAction::IntegrityAltered.as_str())
        {
            return Err(StoreError::Refused {
                code: escalate_core::ErrorCode::CaseHistoryBroken,
                field: None,
                message: format!(
                    "the history of case {reference} is broken at entry {} ({}): nothing of it can be shown as true. Run `escalate audit verify`, and restore a backup",
                    b.entry, b.reason
                ),
            });
        }
    }
    let log = log::log_of(reference, rows)?;
    let pin = integrity::logged_pin(&log)
        .map(|(_, sha)| sha)
        .or_else(|| row.protocol_sha256.clone());
    let (engine, protocol) = replay_log(conn, reference, pin.as_deref(), &log.events).await?;
    let altered = if broken.is_some() {
        Vec::new()
    } else {
        integrity::case_alterations(&row, state.as_ref(), &kept, &log, &engine)
    };
    // The records as the log holds them; a record the log names only by number (a
    // store not yet converted) as its row has it.
    let mut records: Vec<StageRecord> = Vec::new();
    for e in &log.events {
        if let escalate_core::Event::Record(r) = &e.event {
            let Some(id) = r.record else { continue };
            match log.records.get(&id) {
                Some((rec, _)) => records.push(rec.clone()),
                None => {
                    if let Some(k) = kept.iter().find(|k| k.id == id) {
                        records.push(StageRecordRow::record(k.clone())?);
                    }
                }
            }
        }
    }
    records.sort_by(|a, b| a.discussed_at.cmp(&b.discussed_at).then(a.id.cmp(&b.id)));
    let integrity = CaseIntegrity {
        altered,
        detected: log.detected.clone(),
        broken,
    };
    Ok(Loaded {
        row,
        log,
        engine,
        protocol,
        integrity,
        records,
    })
}
