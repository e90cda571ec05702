//! The log is the record: every table beside it is a cache, and this is where the
//! caches are compared with the log and, where they differ, rebuilt from it.
//!
//! - A case: its row's text, its stage records and the dashboard's cache against its
//!   log's words and replay ([`case_alterations`]); and the hash chain over its own
//!   entries ([`chain_break`]), so a forged entry stops its history from being shown or
//!   sent as true while other cases work on.
//! - The settings that move a deadline (the profile, closure days, bank-holiday
//!   imports, installed protocols and which version is current) are replayed from their
//!   entries ([`SettingsLog`]) when the store opens and compared with their tables; so
//!   are the agency identity's public halves and the directory of trusted agencies
//!   (trust.rs), whose secrets are checked to derive the public halves logged.
//!
//! A difference means the store was altered outside Escalate: what the log holds is
//! what is shown, the cache is rebuilt from it in one transaction, and the first
//! detection is logged as an `integrity.altered` entry naming each field and the entry
//! holding the true value, never the values (they may be a child's name). Those
//! entries stay in the log: `audit verify` reports them for ever after.

use std::collections::{BTreeMap, BTreeSet};

use escalate_core::model::{Alteration, HistoryBreak, StageRecord};
use escalate_core::{Case, CaseText, Sector};
use serde::{Deserialize, Serialize};

use super::log::{CaseLog, LogRow, LoggedCase};
use super::*;
use crate::store::sql::{CaseRow, ProfileRow, StageRecordRow, PROFILE_COLUMNS};

/// Who writes the entries the checks write: not the lead.
pub(crate) const INTEGRITY_ACTOR: &str = "Escalate (integrity check)";

fn altered(field: &str, item: Option<String>, entry: Option<i64>) -> Alteration {
    Alteration {
        field: field.to_owned(),
        item,
        entry,
    }
}

/// Where the hash chain stops attesting a case's entries: each entry's hash must be
/// that of its own content, and link to the entry before it in the whole chain.
pub(super) async fn chain_break(
    conn: &mut SqliteConnection,
    rows: &[LogRow],
) -> Result<Option<HistoryBreak>, StoreError> {
    if rows.is_empty() {
        return Ok(None);
    }
    let before: Vec<i64> = rows.iter().map(|r| r.seq.saturating_sub(1)).collect();
    let links: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit WHERE seq IN (SELECT value FROM json_each(?))")
            .bind(json(&before)?)
            .fetch_all(&mut *conn)
            .await?;
    let links: BTreeMap<i64, String> = links.into_iter().collect();
    for r in rows {
        let expect = crate::audit::entry_hash(
            &r.prev_hash,
            r.seq,
            [&r.at, &r.actor, &r.action, &r.entity, &r.entity_id],
            r.before.as_deref(),
            r.after.as_deref(),
        );
        let reason = if expect != r.hash {
            Some("its content was changed after it was written")
        } else {
            let prev = if r.seq == 1 {
                Some(crate::audit::GENESIS)
            } else {
                links.get(&r.seq.saturating_sub(1)).map(String::as_str)
            };
            (prev != Some(r.prev_hash.as_str())).then_some(
                "its link to the entry before it does not match: an entry was removed, inserted or changed",
            )
        };
        if let Some(reason) = reason {
            return Ok(Some(HistoryBreak {
                entry: r.seq,
                reason: reason.to_owned(),
            }));
        }
    }
    Ok(None)
}

/// The case's text as the log holds it.
pub(super) fn text_of(
    log: &LoggedCase,
    pin: (&str, &str),
    created: NaiveDateTime,
    updated: NaiveDateTime,
) -> Result<CaseText, StoreError> {
    Ok(CaseText {
        reference: log.reference.clone(),
        protocol_id: log.protocol.clone(),
        protocol_version: pin.0.to_owned(),
        protocol_sha256: pin.1.to_owned(),
        child_name: log.child_name.clone(),
        child_dob: log.child_dob.as_deref().map(parse_date).transpose()?,
        child_identifiers: log.child_identifiers.clone(),
        category: log.category.clone(),
        summary: log.summary.clone(),
        raising_professional: log.raising_professional.clone(),
        receiving_professional: log.receiving_professional.clone(),
        opened_at: parse_ts(&log.opened_at)?,
        immediate_risk: log.immediate_risk.clone(),
        created_at: created,
        updated_at: updated,
    })
}

/// The `case_state` row: the dashboard's cache of a case.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct StateRow {
    pub child_name: String,
    pub raising_agency: String,
    pub receiving_agency: String,
    pub status: String,
    pub engine: String,
    pub protocol_sha256: String,
}

pub(super) const STATE_COLUMNS: &str =
    "child_name, raising_agency, receiving_agency, status, engine, protocol_sha256";

/// The version a case runs under as its log says: the opening's (or the conversion's)
/// pin, then each move's.
pub(super) fn logged_pin(log: &CaseLog) -> Option<(String, String)> {
    let mut pin = log.text.as_ref().and_then(|(t, _)| {
        t.protocol_sha256
            .clone()
            .map(|sha| (t.protocol_version.clone(), sha))
    });
    for e in &log.events {
        if let escalate_core::Event::MoveProtocol { to, .. } = &e.event {
            pin = Some((to.version.clone(), to.sha256.clone()));
        }
    }
    pin
}

/// Every value kept beside a case's log that differs from it: its row's text, its
/// stage records, and the dashboard's cache.
pub(super) fn case_alterations(
    row: &CaseRow,
    state: Option<&StateRow>,
    records: &[StageRecordRow],
    log: &CaseLog,
    replayed: &Case,
) -> Vec<Alteration> {
    let mut out = Vec::new();
    if let Some((t, seq)) = &log.text {
        let seq = Some(*seq);
        let pairs: [(&str, Option<&str>, Option<&str>); 11] = [
            (
                "cases.child_name",
                Some(&row.child_name),
                Some(&t.child_name),
            ),
            (
                "cases.child_dob",
                row.child_dob.as_deref(),
                t.child_dob.as_deref(),
            ),
            (
                "cases.child_identifiers",
                Some(&row.child_identifiers),
                Some(&t.child_identifiers),
            ),
            ("cases.category", Some(&row.category), Some(&t.category)),
            ("cases.summary", Some(&row.summary), Some(&t.summary)),
            (
                "cases.raising_agency",
                Some(&row.raising_agency),
                Some(&t.raising_agency),
            ),
            (
                "cases.raising_professional",
                row.raising_professional.as_deref(),
                t.raising_professional.as_deref(),
            ),
            (
                "cases.receiving_agency",
                Some(&row.receiving_agency),
                Some(&t.receiving_agency),
            ),
            (
                "cases.receiving_professional",
                row.receiving_professional.as_deref(),
                t.receiving_professional.as_deref(),
            ),
            ("cases.opened_at", Some(&row.opened_at), Some(&t.opened_at)),
            (
                "cases.immediate_risk",
                row.immediate_risk_reason.as_deref(),
                t.immediate_risk.as_deref(),
            ),
        ];
        for (field, kept, logged) in pairs {
            if kept != logged {
                out.push(altered(field, None, seq));
            }
        }
        if row.protocol_id != t.protocol {
            out.push(altered("cases.protocol_id", None, seq));
        }
    }
    if let Some((version, sha)) = logged_pin(log) {
        if row.protocol_sha256.as_deref() != Some(sha.as_str()) || row.protocol_version != version {
            out.push(altered(
                "cases.protocol_sha256",
                None,
                log.text.as_ref().map(|t| t.1),
            ));
        }
    }
    let logged_state = log.text.as_ref().map(|(t, seq)| (t, *seq));
    match state {
        None => out.push(altered("case_state", None, None)),
        Some(s) => {
            if let Some((t, seq)) = logged_state {
                for (field, kept, logged) in [
                    ("case_state.child_name", &s.child_name, &t.child_name),
                    (
                        "case_state.raising_agency",
                        &s.raising_agency,
                        &t.raising_agency,
                    ),
                    (
                        "case_state.receiving_agency",
                        &s.receiving_agency,
                        &t.receiving_agency,
                    ),
                ] {
                    if kept != logged {
                        out.push(altered(field, None, Some(seq)));
                    }
                }
            }
            let last = log.events.last().map(|e| e.seq);
            if s.status != replayed.state.as_str() {
                out.push(altered("case_state.status", None, last));
            }
            if serde_json::from_str::<Case>(&s.engine).ok().as_ref() != Some(replayed) {
                out.push(altered("case_state.engine", None, last));
            }
            if let Some(sha) = row.protocol_sha256.as_deref() {
                if s.protocol_sha256 != sha {
                    out.push(altered("case_state.protocol_sha256", None, None));
                }
            }
        }
    }
    // Every stage record the log names, as the log holds it; a row the log does not
    // name is not the case's.
    let named: BTreeSet<i64> = log
        .events
        .iter()
        .filter_map(|e| match &e.event {
            escalate_core::Event::Record(r) => r.record,
            _ => None,
        })
        .collect();
    let mut kept = BTreeMap::new();
    for r in records {
        kept.insert(r.id, r);
    }
    for id in &named {
        let item = Some(format!("record {id}"));
        match (log.records.get(id), kept.get(id)) {
            (Some((logged, seq)), Some(row)) => {
                for field in record_differences(logged, row) {
                    out.push(altered(field, item.clone(), Some(*seq)));
                }
            }
            (Some((_, seq)), None) => out.push(altered("stage_records", item, Some(*seq))),
            // Named but its words never logged (a store not yet converted): nothing to
            // compare it with.
            (None, _) => {}
        }
    }
    for id in kept.keys().filter(|id| !named.contains(id)) {
        out.push(altered("stage_records", Some(format!("record {id}")), None));
    }
    out
}

/// The fields of a stage record's row that differ from its logged words.
fn record_differences(logged: &StageRecord, row: &StageRecordRow) -> Vec<&'static str> {
    let mut out = Vec::new();
    let participants = serde_json::to_string(&logged.participants).unwrap_or_default();
    let extra = serde_json::to_string(&logged.extra).unwrap_or_default();
    let same_json = |kept: &str, logged: &str| {
        serde_json::from_str::<serde_json::Value>(kept).ok()
            == serde_json::from_str::<serde_json::Value>(logged).ok()
    };
    let checks: [(&'static str, bool); 13] = [
        ("stage_records.stage", i64::from(logged.stage) == row.stage),
        (
            "stage_records.discussed_at",
            ts(logged.discussed_at) == row.discussed_at,
        ),
        (
            "stage_records.participants",
            same_json(&row.participants, &participants),
        ),
        (
            "stage_records.raising_view",
            logged.raising_view == row.raising_view,
        ),
        (
            "stage_records.receiving_view",
            logged.receiving_view == row.receiving_view,
        ),
        ("stage_records.summary", logged.summary == row.summary),
        ("stage_records.agreed", logged.agreed == row.agreed),
        ("stage_records.resolved", logged.resolved == row.resolved),
        ("stage_records.extra", same_json(&row.extra, &extra)),
        ("stage_records.next_step", logged.next_step == row.next_step),
        (
            "stage_records.approved_by",
            logged.approved_by == row.approved_by,
        ),
        (
            "stage_records.approved_on",
            logged.approved_on.map(|d| d.to_string()) == row.approved_on,
        ),
        (
            "stage_records.recorded_by",
            logged.recorded_by == row.recorded_by,
        ),
    ];
    for (field, same) in checks {
        if !same {
            out.push(field);
        }
    }
    if ts(logged.recorded_at) != row.recorded_at {
        out.push("stage_records.recorded_at");
    }
    out
}

/// The time a check's entry is dated: as of the store's last entry (the store has no
/// clock, and the log's times never go backwards).
pub(super) async fn last_at(conn: &mut SqliteConnection) -> Result<String, StoreError> {
    Ok(
        sqlx::query_scalar::<_, String>("SELECT at FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or_else(|| "1990-01-01T00:00:00".to_owned()),
    )
}

/// Rebuild a case's caches from its log and log the detection, in one transaction.
pub(super) async fn rebuild_case(
    conn: &mut SqliteConnection,
    case_id: i64,
    reference: &str,
    log: &CaseLog,
    replayed: &Case,
    found: &[Alteration],
) -> Result<(), StoreError> {
    if let Some((t, _)) = &log.text {
        let raising_sector = agency_sector(conn, &t.raising_agency).await?;
        let receiving_sector = agency_sector(conn, &t.receiving_agency).await?;
        let raising = sql::agency(conn, &t.raising_agency, raising_sector).await?;
        let receiving = sql::agency(conn, &t.receiving_agency, receiving_sector).await?;
        sqlx::query(
            "UPDATE cases SET protocol_id = ?, child_name = ?, child_dob = ?, child_identifiers = ?, category = ?, summary = ?,
                raising_agency_id = ?, raising_professional = ?, receiving_agency_id = ?, receiving_professional = ?,
                opened_at = ?, immediate_risk = ?, immediate_risk_reason = ?
             WHERE id = ?",
        )
        .bind(&t.protocol)
        .bind(&t.child_name)
        .bind(&t.child_dob)
        .bind(&t.child_identifiers)
        .bind(&t.category)
        .bind(&t.summary)
        .bind(raising)
        .bind(&t.raising_professional)
        .bind(receiving)
        .bind(&t.receiving_professional)
        .bind(&t.opened_at)
        .bind(t.immediate_risk.is_some())
        .bind(&t.immediate_risk)
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE case_state SET child_name = ?, raising_agency = ?, receiving_agency = ? WHERE case_id = ?",
        )
        .bind(&t.child_name)
        .bind(&t.raising_agency)
        .bind(&t.receiving_agency)
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    }
    if let Some((version, sha)) = logged_pin(log) {
        sqlx::query("UPDATE cases SET protocol_version = ?, protocol_sha256 = ? WHERE id = ?")
            .bind(&version)
            .bind(&sha)
            .bind(case_id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "UPDATE case_state SET status = ?, engine = ?,
            protocol_sha256 = (SELECT protocol_sha256 FROM cases WHERE id = ?) WHERE case_id = ?",
    )
    .bind(replayed.state.as_str())
    .bind(json(replayed)?)
    .bind(case_id)
    .bind(case_id)
    .execute(&mut *conn)
    .await?;
    // Stage records: exactly those the log holds, as it holds them.
    let named: Vec<i64> = log.records.keys().copied().collect();
    sqlx::query(
        "DELETE FROM stage_records WHERE case_id = ? AND id NOT IN (SELECT value FROM json_each(?))",
    )
    .bind(case_id)
    .bind(json(&named)?)
    .execute(&mut *conn)
    .await?;
    for (r, _) in log.records.values() {
        sqlx::query(
            "INSERT INTO stage_records (id, case_id, stage, discussed_at, participants, raising_view, receiving_view, summary, agreed, resolved, extra, next_step, approved_by, approved_on, recorded_at, recorded_by)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET case_id = excluded.case_id, stage = excluded.stage,
                discussed_at = excluded.discussed_at, participants = excluded.participants,
                raising_view = excluded.raising_view, receiving_view = excluded.receiving_view,
                summary = excluded.summary, agreed = excluded.agreed, resolved = excluded.resolved,
                extra = excluded.extra, next_step = excluded.next_step, approved_by = excluded.approved_by,
                approved_on = excluded.approved_on, recorded_at = excluded.recorded_at,
                recorded_by = excluded.recorded_by",
        )
        .bind(r.id)
        .bind(case_id)
        .bind(i64::from(r.stage))
        .bind(ts(r.discussed_at))
        .bind(json(&r.participants)?)
        .bind(&r.raising_view)
        .bind(&r.receiving_view)
        .bind(&r.summary)
        .bind(&r.agreed)
        .bind(r.resolved)
        .bind(json(&r.extra)?)
        .bind(&r.next_step)
        .bind(&r.approved_by)
        .bind(r.approved_on.map(|d| d.to_string()))
        .bind(ts(r.recorded_at))
        .bind(&r.recorded_by)
        .execute(&mut *conn)
        .await?;
    }
    let at = last_at(conn).await?;
    crate::audit::append(
        conn,
        crate::audit::Change {
            at: &at,
            actor: INTEGRITY_ACTOR,
            action: AuditAction::IntegrityAltered,
            entity: "case",
            entity_id: reference,
            before: None,
            after: Some(json(&serde_json::json!({ "altered": found }))?),
        },
    )
    .await
}

/// An agency's sector as kept, for an agency the log names that the table lost.
async fn agency_sector(conn: &mut SqliteConnection, name: &str) -> Result<Sector, StoreError> {
    let s: Option<String> = sqlx::query_scalar("SELECT sector FROM agencies WHERE name = ?")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(s.and_then(|s| s.parse().ok()).unwrap_or(Sector::Other))
}

// ---------------------------------------------------------------------------------
// Settings

/// One protocol version as the log installed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LoggedProtocol {
    pub protocol: String,
    pub version: String,
    pub sha256: String,
    #[serde(default)]
    pub file: String,
    #[serde(default)]
    pub shipped: bool,
    #[serde(default)]
    pub current: bool,
    /// When it was installed: the entry's time, or as a baseline kept it.
    #[serde(default)]
    pub installed_at: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

/// One bank-holiday file as the log imported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LoggedImport {
    pub sha256: String,
    pub file: String,
    #[serde(default)]
    pub imported_at: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LoggedClosure {
    pub day: String,
    pub note: String,
}

/// A conversion's baseline: the settings as they stood, whole.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Baseline {
    pub profile: Profile,
    pub closure_days: Vec<LoggedClosure>,
    pub imports: Vec<LoggedImport>,
    pub protocols: Vec<LoggedProtocol>,
}

#[derive(Deserialize)]
struct Created {
    profile: Profile,
    #[serde(default)]
    protocols: Vec<LoggedProtocol>,
    #[serde(default)]
    settings_log: Option<u32>,
}

#[derive(Deserialize)]
struct Removed {
    protocol: String,
    /// The versions removed; an entry that removes one version lists only it.
    #[serde(default)]
    versions: Vec<RemovedVersion>,
}

#[derive(Deserialize)]
struct RemovedVersion {
    sha256: String,
}

/// The version a `protocol.current` entry made current.
#[derive(Deserialize)]
struct MadeCurrent {
    protocol: String,
    sha256: String,
}

/// The settings as their log replays: each value with the entry that set it.
#[derive(Debug, Default)]
pub(crate) struct SettingsLog {
    pub profile: Option<(Profile, i64)>,
    pub closure_days: BTreeMap<String, (String, i64)>,
    pub imports: Vec<(LoggedImport, i64)>,
    /// By SHA-256.
    pub protocols: BTreeMap<String, (LoggedProtocol, i64)>,
    /// The log gives every setting from the first entry, or from a baseline.
    pub complete: bool,
    /// The agency identity's public halves and the directory.
    pub trust: super::trust::TrustLog,
}

#[derive(Debug, sqlx::FromRow)]
struct SettingsRow {
    seq: i64,
    at: String,
    action: String,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
}

impl SettingsLog {
    pub(crate) async fn read(conn: &mut SqliteConnection) -> Result<SettingsLog, StoreError> {
        let rows: Vec<SettingsRow> = sqlx::query_as(
            "SELECT seq, at, action, entity_id, before, after FROM audit
             WHERE entity IN ('profile', 'closure_day', 'calendar', 'protocol', 'settings', 'identity', 'directory')
             ORDER BY seq",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut log = SettingsLog::default();
        for r in rows {
            let bad = |e: serde_json::Error| StoreError::CaseLog {
                reference: "settings".to_owned(),
                seq: r.seq,
                why: log::unreadable(&e),
            };
            let after = r.after.as_deref().unwrap_or("null");
            match AuditAction::parse(&r.action) {
                // A store is made once, by its first entry; a later one was not
                // written by Escalate.
                Some(AuditAction::StoreCreate) if r.seq != 1 => {
                    return Err(StoreError::CaseLog {
                        reference: "settings".to_owned(),
                        seq: r.seq,
                        why: "a second store.create entry: the log was changed outside Escalate"
                            .to_owned(),
                    })
                }
                Some(AuditAction::StoreCreate) => {
                    // A store of the first releases logged its profile alone.
                    let created = match serde_json::from_str::<Created>(after) {
                        Ok(c) => c,
                        Err(_) => Created {
                            profile: serde_json::from_str(after).map_err(bad)?,
                            protocols: Vec::new(),
                            settings_log: None,
                        },
                    };
                    log.profile = Some((created.profile, r.seq));
                    for mut p in created.protocols {
                        p.installed_at = Some(r.at.clone());
                        log.install(p, r.seq);
                    }
                    log.complete = created.settings_log.is_some();
                }
                // A baseline is taken only where the log did not already give every
                // setting: one after that (appended, or written while the first entry
                // was tampered with) changes nothing.
                Some(AuditAction::SettingsAdopt) if log.complete => {}
                Some(AuditAction::SettingsAdopt) => {
                    let b: Baseline = serde_json::from_str(after).map_err(bad)?;
                    log.profile = Some((b.profile, r.seq));
                    log.closure_days = b
                        .closure_days
                        .into_iter()
                        .map(|c| (c.day, (c.note, r.seq)))
                        .collect();
                    log.imports = b.imports.into_iter().map(|i| (i, r.seq)).collect();
                    log.protocols = b
                        .protocols
                        .into_iter()
                        .map(|p| (p.sha256.clone(), (p, r.seq)))
                        .collect();
                    log.complete = true;
                }
                Some(AuditAction::ProfileUpdate) => {
                    log.profile = Some((serde_json::from_str(after).map_err(bad)?, r.seq));
                }
                Some(AuditAction::ClosureDayAdd) => {
                    // The note is kept as written, not as JSON.
                    let note = r.after.clone().unwrap_or_default();
                    log.closure_days.insert(r.entity_id.clone(), (note, r.seq));
                }
                Some(AuditAction::ClosureDayRemove) => {
                    log.closure_days.remove(&r.entity_id);
                }
                Some(AuditAction::CalendarImport) => {
                    let mut i: LoggedImport = serde_json::from_str(after).map_err(bad)?;
                    // When it applies from is the entry's own time, never a time the
                    // entry claims.
                    i.imported_at = Some(r.at.clone());
                    log.imports.push((i, r.seq));
                }
                Some(AuditAction::ProtocolInstall) => {
                    let mut p: LoggedProtocol = serde_json::from_str(after).map_err(bad)?;
                    p.installed_at = Some(r.at.clone());
                    log.install(p, r.seq);
                }
                Some(AuditAction::ProtocolRemove) => {
                    let removed: Removed =
                        serde_json::from_str(r.before.as_deref().unwrap_or("null")).map_err(bad)?;
                    // An entry that lists its versions removes those (one version can
                    // be removed alone); one that lists none, the whole protocol.
                    log.protocols.retain(|_, (p, _)| {
                        p.protocol != removed.protocol
                            || (!removed.versions.is_empty()
                                && !removed.versions.iter().any(|v| v.sha256 == p.sha256))
                    });
                }
                Some(AuditAction::ProtocolCurrent) => {
                    let made: MadeCurrent = serde_json::from_str(after).map_err(bad)?;
                    for (p, seq) in log.protocols.values_mut() {
                        if p.protocol == made.protocol {
                            p.current = p.sha256 == made.sha256;
                            *seq = r.seq;
                        }
                    }
                }
                Some(
                    a @ (AuditAction::IdentityCreate
                    | AuditAction::IdentityRotate
                    | AuditAction::DirectoryAdd
                    | AuditAction::DirectoryRevoke),
                ) => {
                    log.trust
                        .apply(a, &r.at, r.after.as_deref(), r.seq)
                        .map_err(bad)?;
                }
                _ => {}
            }
        }
        Ok(log)
    }

    fn install(&mut self, p: LoggedProtocol, seq: i64) {
        if p.current {
            for (other, _) in self.protocols.values_mut() {
                if other.protocol == p.protocol {
                    other.current = false;
                }
            }
        }
        self.protocols.insert(p.sha256.clone(), (p, seq));
    }
}

#[derive(Debug, sqlx::FromRow)]
struct ProtocolRow {
    protocol_id: String,
    version: String,
    sha256: String,
    text: String,
    shipped: bool,
    file_name: String,
    installed_at: String,
    current: bool,
}

#[derive(Debug, sqlx::FromRow)]
struct ImportRow {
    sha256: String,
    file_name: String,
    text: String,
    imported_at: String,
}

/// The settings' tables as kept.
struct Kept {
    profile: Option<ProfileRow>,
    closure_days: BTreeMap<String, String>,
    imports: Vec<ImportRow>,
    protocols: Vec<ProtocolRow>,
    keys: Vec<super::trust::KeyRow>,
    recipient: Option<super::trust::RecipientRow>,
    directory: Vec<super::trust::DirectoryRow>,
}

async fn kept(conn: &mut SqliteConnection) -> Result<Kept, StoreError> {
    let profile: Option<ProfileRow> = sqlx::query_as(&format!(
        "SELECT {PROFILE_COLUMNS} FROM profile WHERE id = 1"
    ))
    .fetch_optional(&mut *conn)
    .await?;
    let closure_days: Vec<(String, String)> = sqlx::query_as("SELECT day, note FROM closure_days")
        .fetch_all(&mut *conn)
        .await?;
    let imports: Vec<ImportRow> = sqlx::query_as(
        "SELECT sha256, file_name, text, imported_at FROM holiday_imports ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let protocols: Vec<ProtocolRow> = sqlx::query_as(
        "SELECT protocol_id, version, sha256, text, shipped, file_name, installed_at, current FROM protocols ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Kept {
        profile,
        closure_days: closure_days.into_iter().collect(),
        imports,
        protocols,
        keys: super::trust::key_rows(conn).await?,
        recipient: super::trust::recipient_row(conn).await?,
        directory: super::trust::directory_rows(conn).await?,
    })
}

/// Every setting kept that differs from the log. `texts`: hash every protocol text too
/// (verify does; an open need not, since a text is checked against its SHA-256 whenever
/// it is parsed).
fn settings_alterations(log: &SettingsLog, kept: &Kept, texts: bool) -> Vec<Alteration> {
    let mut out = Vec::new();
    if let Some((p, seq)) = &log.profile {
        let seq = Some(*seq);
        match &kept.profile {
            None => out.push(altered("profile", None, seq)),
            Some(k) => {
                for (field, same) in [
                    ("profile.name", k.name == p.name),
                    ("profile.designation", k.designation == p.designation),
                    ("profile.agency", k.agency == p.agency),
                    ("profile.sector", k.sector == p.sector.as_str()),
                    ("profile.protocol_id", k.protocol_id == p.protocol_id),
                    ("profile.calendar", k.calendar == p.calendar.as_str()),
                    (
                        "profile.auto_lock_minutes",
                        k.auto_lock_minutes == i64::from(p.auto_lock_minutes),
                    ),
                ] {
                    if !same {
                        out.push(altered(field, None, seq));
                    }
                }
            }
        }
    }
    for (day, (note, seq)) in &log.closure_days {
        if kept.closure_days.get(day) != Some(note) {
            out.push(altered("closure_days", Some(day.clone()), Some(*seq)));
        }
    }
    for day in kept.closure_days.keys() {
        if !log.closure_days.contains_key(day) {
            out.push(altered("closure_days", Some(day.clone()), None));
        }
    }
    let logged_imports: Vec<(&str, &str, Option<&str>)> = log
        .imports
        .iter()
        .map(|(i, _)| (i.sha256.as_str(), i.file.as_str(), i.imported_at.as_deref()))
        .collect();
    let kept_imports: Vec<(&str, &str, Option<&str>)> = kept
        .imports
        .iter()
        .map(|i| {
            (
                i.sha256.as_str(),
                i.file_name.as_str(),
                Some(i.imported_at.as_str()),
            )
        })
        .collect();
    if logged_imports != kept_imports {
        let entry = log.imports.last().map(|(_, seq)| *seq);
        out.push(altered("holiday_imports", None, entry));
    }
    for i in &kept.imports {
        if super::protocols::sha256_hex(&i.text) != i.sha256 {
            out.push(altered(
                "holiday_imports.text",
                Some(short(&i.sha256)),
                log.imports
                    .iter()
                    .find(|(l, _)| l.sha256 == i.sha256)
                    .map(|(_, s)| *s),
            ));
        }
    }
    for (sha, (p, seq)) in &log.protocols {
        let item = Some(format!("{} {}", p.protocol, p.version));
        match kept.protocols.iter().find(|k| &k.sha256 == sha) {
            None => out.push(altered("protocols", item, Some(*seq))),
            Some(k) => {
                if k.current != p.current {
                    out.push(altered("protocols.current", item.clone(), Some(*seq)));
                }
                if k.protocol_id != p.protocol || k.version != p.version || k.shipped != p.shipped {
                    out.push(altered("protocols.version", item.clone(), Some(*seq)));
                }
                if texts && super::protocols::sha256_hex(&k.text) != k.sha256 {
                    out.push(altered("protocols.text", item, Some(*seq)));
                }
            }
        }
    }
    for k in &kept.protocols {
        if !log.protocols.contains_key(&k.sha256) {
            out.push(altered(
                "protocols",
                Some(format!("{} {}", k.protocol_id, k.version)),
                None,
            ));
        }
    }
    out.extend(super::trust::alterations(
        &log.trust,
        &kept.keys,
        kept.recipient.as_ref(),
        &kept.directory,
    ));
    out
}

fn short(sha: &str) -> String {
    sha.chars().take(12).collect()
}

/// Every setting kept that differs from `log`.
pub(crate) async fn settings_differences(
    conn: &mut SqliteConnection,
    log: &SettingsLog,
) -> Result<Vec<Alteration>, StoreError> {
    Ok(settings_alterations(log, &kept(conn).await?, true))
}

/// A store made before its settings were replayed from the log gets a baseline: its
/// settings as they stand, one entry, audited as a conversion.
async fn adopt(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    let k = kept(conn).await?;
    let Some(profile) = k.profile else {
        return Ok(());
    };
    let profile = super::profile::profile_of(profile)?;
    let baseline = Baseline {
        profile,
        closure_days: k
            .closure_days
            .into_iter()
            .map(|(day, note)| LoggedClosure { day, note })
            .collect(),
        imports: k
            .imports
            .into_iter()
            .map(|i| LoggedImport {
                sha256: i.sha256,
                file: i.file_name,
                imported_at: Some(i.imported_at),
                text: Some(i.text),
            })
            .collect(),
        protocols: k
            .protocols
            .into_iter()
            .map(|p| LoggedProtocol {
                protocol: p.protocol_id,
                version: p.version,
                sha256: p.sha256,
                file: p.file_name,
                shipped: p.shipped,
                current: p.current,
                installed_at: Some(p.installed_at),
                text: Some(p.text),
            })
            .collect(),
    };
    let at = last_at(conn).await?;
    crate::audit::append(
        conn,
        crate::audit::Change {
            at: &at,
            actor: CONVERSION_ACTOR,
            action: AuditAction::SettingsAdopt,
            entity: "settings",
            entity_id: "settings",
            before: None,
            after: Some(json(&baseline)?),
        },
    )
    .await
}

/// Who the conversions' entries name.
pub(crate) const CONVERSION_ACTOR: &str = "Escalate (conversion: the log carries every word)";

/// Rebuild the settings' tables from the log.
async fn rebuild_settings(
    conn: &mut SqliteConnection,
    log: &SettingsLog,
) -> Result<(), StoreError> {
    if let Some((p, _)) = &log.profile {
        super::profile::write_profile(conn, p).await?;
    }
    sqlx::query("DELETE FROM closure_days")
        .execute(&mut *conn)
        .await?;
    for (day, (note, _)) in &log.closure_days {
        sqlx::query("INSERT INTO closure_days (day, note) VALUES (?, ?)")
            .bind(day)
            .bind(note)
            .execute(&mut *conn)
            .await?;
    }
    // Imports: those the log holds, in its order, with its texts where it has them
    // (a kept text that still hashes right serves where it does not).
    let kept_imports = kept(conn).await?.imports;
    sqlx::query("DELETE FROM holiday_imports")
        .execute(&mut *conn)
        .await?;
    for (i, _) in &log.imports {
        let text = i.text.clone().or_else(|| {
            kept_imports
                .iter()
                .find(|k| k.sha256 == i.sha256 && super::protocols::sha256_hex(&k.text) == i.sha256)
                .map(|k| k.text.clone())
        });
        let Some(text) = text else { continue };
        sqlx::query(
            "INSERT INTO holiday_imports (sha256, file_name, text, imported_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&i.sha256)
        .bind(&i.file)
        .bind(&text)
        .bind(i.imported_at.as_deref().unwrap_or_default())
        .execute(&mut *conn)
        .await?;
    }
    // Protocols: a row the log never installed goes; each logged version is kept with
    // its logged facts and a text that hashes to it.
    let kept_protocols = kept(conn).await?.protocols;
    for k in &kept_protocols {
        let right_text = super::protocols::sha256_hex(&k.text) == k.sha256;
        if !log.protocols.contains_key(&k.sha256) || !right_text {
            sqlx::query("DELETE FROM protocols WHERE sha256 = ?")
                .bind(&k.sha256)
                .execute(&mut *conn)
                .await?;
        }
    }
    let remaining: BTreeSet<String> =
        sqlx::query_scalar::<_, String>("SELECT sha256 FROM protocols")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    for (sha, (p, _)) in &log.protocols {
        if remaining.contains(sha) {
            sqlx::query(
                "UPDATE protocols SET protocol_id = ?, version = ?, shipped = ?, current = ? WHERE sha256 = ?",
            )
            .bind(&p.protocol)
            .bind(&p.version)
            .bind(p.shipped)
            .bind(p.current)
            .bind(sha)
            .execute(&mut *conn)
            .await?;
            continue;
        }
        let text = p.text.clone().or_else(|| {
            super::protocols::shipped().ok().and_then(|all| {
                all.into_iter()
                    .find(|(_, _, s, _)| s == sha)
                    .map(|(_, t, _, _)| t.to_owned())
            })
        });
        let Some(text) = text else { continue };
        sqlx::query(
            "INSERT INTO protocols (protocol_id, version, sha256, text, shipped, file_name, installed_at, current)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.protocol)
        .bind(&p.version)
        .bind(sha)
        .bind(&text)
        .bind(p.shipped)
        .bind(&p.file)
        .bind(p.installed_at.as_deref().unwrap_or_default())
        .bind(p.current)
        .execute(&mut *conn)
        .await?;
    }
    super::trust::rebuild(conn, &log.trust).await
}

/// At open: a store without a settings baseline gets one; then the settings' tables are
/// compared with their log and, where they differ, rebuilt from it, with the detection
/// logged. Gives what differed (empty almost always).
pub(crate) async fn check_settings(pool: &SqlitePool) -> Result<Vec<Alteration>, StoreError> {
    let mut conn = pool.acquire().await?;
    let log = SettingsLog::read(&mut conn).await?;
    if log.complete && settings_alterations(&log, &kept(&mut conn).await?, false).is_empty() {
        return Ok(Vec::new());
    }
    drop(conn);
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut log = SettingsLog::read(&mut tx).await?;
    if !log.complete {
        adopt(&mut tx).await?;
        log = SettingsLog::read(&mut tx).await?;
    }
    let mut found = settings_alterations(&log, &kept(&mut tx).await?, false);
    // A secret that no longer derives its logged key cannot be rebuilt: it stays
    // altered, and is logged once, not at every open.
    let logged: BTreeSet<(String, Option<String>)> = detections(&mut tx)
        .await?
        .into_iter()
        .filter(|(id, _, _)| id == "settings")
        .flat_map(|(_, _, found)| found.into_iter().map(|a| (a.field, a.item)))
        .collect();
    found.retain(|a| {
        !(SECRETS.contains(&a.field.as_str())
            && logged.contains(&(a.field.clone(), a.item.clone())))
    });
    if !found.is_empty() {
        rebuild_settings(&mut tx, &log).await?;
        let at = last_at(&mut tx).await?;
        crate::audit::append(
            &mut tx,
            crate::audit::Change {
                at: &at,
                actor: INTEGRITY_ACTOR,
                action: AuditAction::IntegrityAltered,
                entity: "settings",
                entity_id: "settings",
                before: None,
                after: Some(json(&serde_json::json!({ "altered": found }))?),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(found)
}

/// The secrets a settings check compares with their logged public halves.
const SECRETS: [&str; 4] = [
    "identity_keys.signing_secret",
    "identity_recipient.age_secret",
    "identity_keys",
    "identity_recipient",
];

/// Every detection the log holds: (entity id — a case's reference, or `settings` —,
/// the entry, what was altered).
pub(crate) async fn detections(
    conn: &mut SqliteConnection,
) -> Result<Vec<(String, i64, Vec<Alteration>)>, StoreError> {
    #[derive(Deserialize)]
    struct Found {
        #[serde(default)]
        altered: Vec<Alteration>,
    }
    let rows: Vec<(String, i64, Option<String>)> =
        sqlx::query_as("SELECT entity_id, seq, after FROM audit WHERE action = ? ORDER BY seq")
            .bind(AuditAction::IntegrityAltered.as_str())
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, seq, after)| {
            let found = after
                .and_then(|a| serde_json::from_str::<Found>(&a).ok())
                .map(|f| f.altered)
                .unwrap_or_default();
            (id, seq, found)
        })
        .collect())
}

/// The words a converted case's log lacked, written into it: its text (where only its
/// row had it) and the stage records its `record` events name by number alone.
pub(crate) async fn convert_content(pool: &SqlitePool) -> Result<(), StoreError> {
    // Asked without the write lock first: almost every open has nothing to convert.
    if done(&mut *pool.acquire().await?, CONTENT_CONVERSION).await? {
        return Ok(());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    if done(&mut tx, CONTENT_CONVERSION).await? {
        return Ok(());
    }
    let refs: Vec<(i64, String)> = sqlx::query_as("SELECT id, reference FROM cases ORDER BY id")
        .fetch_all(&mut *tx)
        .await?;
    let at = last_at(&mut tx).await?;
    for (id, reference) in refs {
        let log = log::case_log(&mut tx, &reference).await?;
        let row: CaseRow = sqlx::query_as(&format!("{} WHERE c.reference = ?", sql::CASE_ROW))
            .bind(&reference)
            .fetch_one(&mut *tx)
            .await?;
        let case = log.text.is_none().then(|| logged_case(&row));
        let named: Vec<i64> = log
            .events
            .iter()
            .filter_map(|e| match &e.event {
                escalate_core::Event::Record(r) => r.record,
                _ => None,
            })
            .filter(|r| !log.records.contains_key(r))
            .collect();
        let rows: Vec<StageRecordRow> = sqlx::query_as(&format!(
            "SELECT {} FROM stage_records WHERE case_id = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY id",
            sql::STAGE_RECORD_COLUMNS
        ))
        .bind(id)
        .bind(json(&named)?)
        .fetch_all(&mut *tx)
        .await?;
        let records = rows
            .into_iter()
            .map(StageRecordRow::record)
            .collect::<Result<Vec<_>, _>>()?;
        if case.is_none() && records.is_empty() {
            continue;
        }
        crate::audit::append(
            &mut tx,
            crate::audit::Change {
                at: &at,
                actor: CONVERSION_ACTOR,
                action: AuditAction::CaseContent,
                entity: "case",
                entity_id: &reference,
                before: None,
                after: Some(json(&log::Content { case, records })?),
            },
        )
        .await?;
    }
    sqlx::query("INSERT INTO conversions (name, done_at) VALUES (?, ?)")
        .bind(CONTENT_CONVERSION)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The conversion that writes the words older logs lacked.
const CONTENT_CONVERSION: &str = "content-log";

async fn done(conn: &mut SqliteConnection, name: &str) -> Result<bool, StoreError> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT 1 FROM conversions WHERE name = ?")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

/// A case's row as its log keeps its text.
pub(super) fn logged_case(row: &CaseRow) -> LoggedCase {
    LoggedCase {
        reference: row.reference.clone(),
        child_name: row.child_name.clone(),
        child_dob: row.child_dob.clone(),
        child_identifiers: row.child_identifiers.clone(),
        category: row.category.clone(),
        summary: row.summary.clone(),
        raising_agency: row.raising_agency.clone(),
        raising_professional: row.raising_professional.clone(),
        receiving_agency: row.receiving_agency.clone(),
        receiving_professional: row.receiving_professional.clone(),
        protocol: row.protocol_id.clone(),
        protocol_version: row.protocol_version.clone(),
        protocol_sha256: row.protocol_sha256.clone(),
        opened_at: row.opened_at.clone(),
        immediate_risk: row.immediate_risk_reason.clone(),
    }
}
