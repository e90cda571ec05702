//! The repository the CLI and the app share.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use escalate_core::protocol::RecordField;
use escalate_core::{
    builtin_protocol, Calendar, CalendarId, Case, Engine, Event, Opening, Protocol, RecordSummary,
    Sector,
};
use sqlx::{Row, Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::audit::{self, AuditReport, Change};
use crate::db::{self, DB_FILE};
use crate::error::StoreError;
use crate::key::{new_store_id, DataKey, KdfParams, KeyFile, Passphrase, KEY_FILE};
use crate::keystore::KeyStore;
use crate::model::*;
use crate::validate::{optional, optional_text, required, LONG, NAME, SHORT};

/// Largest attachment kept in the store.
pub const ATTACHMENT_LIMIT: u64 = 10 * 1024 * 1024;

const TS: &str = "%Y-%m-%dT%H:%M:%S";

fn ts(t: NaiveDateTime) -> String {
    t.format(TS).to_string()
}

fn parse_ts(s: &str) -> Result<NaiveDateTime, StoreError> {
    NaiveDateTime::parse_from_str(s, TS)
        .map_err(|_| StoreError::Database(format!("a stored time is malformed: {s}")))
}

fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Database(format!("a stored date is malformed: {s}")))
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(format!("could not encode: {e}")))
}

fn protocol_for(id: &str) -> Result<&'static Protocol, StoreError> {
    builtin_protocol(id)
        .map_err(|e| StoreError::Database(e.to_string()))?
        .ok_or_else(|| {
            StoreError::invalid(
                "protocol",
                format!(
                    "'{id}' is not a protocol Escalate knows: use one of {}",
                    escalate_core::protocol::builtin_ids()
                        .into_iter()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
}

/// An open store.
pub struct Store {
    pool: SqlitePool,
    dir: PathBuf,
    store_id: String,
    profile: Profile,
    calendar: Calendar,
    /// Things the user should know about the open (e.g. the keyring could not be used).
    pub notices: Vec<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("store_id", &self.store_id)
            .finish_non_exhaustive()
    }
}

/// How a case ends, with the text the protocol or the lead gives.
enum Closing {
    Resolved(String),
    Withdrawn(String),
    /// The exclusion's id.
    Redirected(String),
}

/// A row of the stage history.
struct Move<'a> {
    kind: &'a str,
    from: u8,
    to: Option<u8>,
    at: NaiveDateTime,
    reason: &'a str,
    by: &'a str,
}

/// The loaded case a transition works on.
struct Loaded {
    id: i64,
    case: Case,
    protocol: &'static Protocol,
}

fn check_profile(p: &Profile) -> Result<Profile, StoreError> {
    protocol_for(&p.protocol_id)?;
    if p.auto_lock_minutes == 0 || p.auto_lock_minutes > 240 {
        return Err(StoreError::invalid(
            "auto_lock_minutes",
            "must be from 1 to 240 minutes",
        ));
    }
    Ok(Profile {
        name: required("name", &p.name, NAME)?,
        designation: required("designation", &p.designation, NAME)?,
        agency: required("agency", &p.agency, NAME)?,
        ..p.clone()
    })
}

impl Store {
    /// Create a new store in `dir` (which must not already hold one).
    pub async fn create(
        dir: &Path,
        profile: Profile,
        passphrase: &Passphrase,
        keys: &dyn KeyStore,
        now: NaiveDateTime,
    ) -> Result<Store, StoreError> {
        let profile = check_profile(&profile)?;
        passphrase.check_strength("passphrase")?;
        if dir.join(KEY_FILE).exists() || dir.join(DB_FILE).exists() {
            return Err(StoreError::AlreadyExists {
                dir: dir.display().to_string(),
            });
        }
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let store_id = new_store_id()?;
        let key = DataKey::generate()?;
        let key_file = KeyFile::wrap(&store_id, &key, passphrase, KdfParams::DEFAULT)?;
        key_file.write(dir)?;
        let created = Store::create_db(dir, &store_id, &key, &profile, now).await;
        let mut store = match created {
            Ok(s) => s,
            Err(e) => {
                // Leave the folder as it was: no half-made store.
                for f in [KEY_FILE, DB_FILE, "escalate.db-wal", "escalate.db-shm"] {
                    let _ = std::fs::remove_file(dir.join(f));
                }
                return Err(e);
            }
        };
        if let Err(e) = keys.set(&store_id, &key) {
            store.notices.push(format!(
                "{e}. The store is ready, but it will ask for the recovery passphrase each time it opens."
            ));
        }
        Ok(store)
    }

    async fn create_db(
        dir: &Path,
        store_id: &str,
        key: &DataKey,
        profile: &Profile,
        now: NaiveDateTime,
    ) -> Result<Store, StoreError> {
        let pool = db::connect(&dir.join(DB_FILE), Some(key), true).await?;
        db::migrate(&pool).await?;
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "INSERT INTO profile (id, name, designation, agency, sector, protocol_id, calendar, auto_lock_minutes, created_at, updated_at)
             VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&profile.name)
        .bind(&profile.designation)
        .bind(&profile.agency)
        .bind(profile.sector.as_str())
        .bind(&profile.protocol_id)
        .bind(profile.calendar.as_str())
        .bind(profile.auto_lock_minutes)
        .bind(ts(now))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            Change {
                at: &ts(now),
                actor: &profile.name,
                action: "store.create",
                entity: "profile",
                entity_id: "1",
                before: None,
                after: Some(json(profile)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Store {
            pool,
            dir: dir.to_owned(),
            store_id: store_id.to_owned(),
            calendar: Calendar::new(profile.calendar),
            profile: profile.clone(),
            notices: Vec::new(),
        })
    }

    /// Open the store in `dir`: the key from the keyring, or from the recovery
    /// passphrase when one is given (which also puts the key back in the keyring). A
    /// failed open changes no file.
    pub async fn open(
        dir: &Path,
        passphrase: Option<&Passphrase>,
        keys: &dyn KeyStore,
    ) -> Result<Store, StoreError> {
        let key_file = KeyFile::read(dir)?;
        if !dir.join(DB_FILE).exists() {
            return Err(StoreError::NoStore {
                dir: dir.display().to_string(),
            });
        }
        let mut notices = Vec::new();
        let key = match passphrase {
            Some(p) => {
                let key = key_file.unwrap_key(p)?;
                match keys.get(&key_file.store_id) {
                    Ok(Some(k)) if k == key => {}
                    _ => {
                        if let Err(e) = keys.set(&key_file.store_id, &key) {
                            notices.push(format!("{e}. The store is open; it will ask for the passphrase again next time."));
                        }
                    }
                }
                key
            }
            None => match keys.get(&key_file.store_id)? {
                Some(k) if key_file.matches(&k) => k,
                _ => return Err(StoreError::PassphraseNeeded),
            },
        };
        let mut store = Store::open_with_key(dir, &key).await?;
        store.notices = notices;
        Ok(store)
    }

    /// Open with the data key itself (from the keyring, or recovered).
    pub async fn open_with_key(dir: &Path, key: &DataKey) -> Result<Store, StoreError> {
        let key_file = KeyFile::read(dir)?;
        if !key_file.matches(key) {
            return Err(StoreError::KeyFile(
                "that key does not belong to this store: unlock with its recovery passphrase"
                    .to_owned(),
            ));
        }
        db::inspect(&dir.join(DB_FILE), key).await?;
        let pool = db::connect(&dir.join(DB_FILE), Some(key), false).await?;
        db::migrate(&pool).await?;
        let profile = load_profile(&pool).await?;
        let closures = closure_days(&pool).await?;
        let calendar = Calendar::with_closures(profile.calendar, closures)
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(Store {
            pool,
            dir: dir.to_owned(),
            store_id: key_file.store_id,
            profile,
            calendar,
            notices: Vec::new(),
        })
    }

    /// A plaintext store, for benchmarks only.
    #[cfg(feature = "bench")]
    pub(crate) async fn open_plain(dir: &Path) -> Result<Store, StoreError> {
        let pool = db::connect(&dir.join(DB_FILE), None, false).await?;
        let profile = load_profile(&pool).await?;
        Ok(Store {
            pool,
            dir: dir.to_owned(),
            store_id: "plain".to_owned(),
            calendar: Calendar::new(profile.calendar),
            profile,
            notices: Vec::new(),
        })
    }

    pub async fn close(self) {
        self.pool.close().await;
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn store_id(&self) -> &str {
        &self.store_id
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn begin(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Append to the audit trail; `subject` is (entity, id).
    async fn log(
        &self,
        conn: &mut SqliteConnection,
        now: NaiveDateTime,
        action: &str,
        subject: (&str, &str),
        before: Option<String>,
        after: Option<String>,
    ) -> Result<(), StoreError> {
        audit::append(
            conn,
            Change {
                at: &ts(now),
                actor: &self.profile.name,
                action,
                entity: subject.0,
                entity_id: subject.1,
                before,
                after,
            },
        )
        .await
    }

    // ------------------------------------------------------------------ profile

    pub async fn update_profile(
        &mut self,
        profile: Profile,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let p = check_profile(&profile)?;
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE profile SET name = ?, designation = ?, agency = ?, sector = ?, protocol_id = ?, calendar = ?, auto_lock_minutes = ?, updated_at = ? WHERE id = 1",
        )
        .bind(&p.name)
        .bind(&p.designation)
        .bind(&p.agency)
        .bind(p.sector.as_str())
        .bind(&p.protocol_id)
        .bind(p.calendar.as_str())
        .bind(p.auto_lock_minutes)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        self.log(
            &mut tx,
            now,
            "profile.update",
            ("profile", "1"),
            Some(json(&self.profile)?),
            Some(json(&p)?),
        )
        .await?;
        tx.commit().await?;
        let closures = self.calendar.closures().iter().copied();
        self.calendar = Calendar::with_closures(p.calendar, closures)
            .map_err(|e| StoreError::Database(e.to_string()))?;
        self.profile = p;
        Ok(())
    }

    // ------------------------------------------------------------------ closure days

    pub async fn add_closure_day(
        &mut self,
        day: NaiveDate,
        note: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let note = optional_text("note", note, SHORT)?;
        let mut days: BTreeSet<NaiveDate> = self.calendar.closures().clone();
        days.insert(day);
        let calendar = Calendar::with_closures(self.profile.calendar, days)
            .map_err(|e| StoreError::invalid("day", e.to_string()))?;
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO closure_days (day, note) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET note = excluded.note")
            .bind(day.to_string())
            .bind(&note)
            .execute(&mut *tx)
            .await?;
        self.log(
            &mut tx,
            now,
            "closure_day.add",
            ("closure_day", &day.to_string()),
            None,
            Some(note),
        )
        .await?;
        tx.commit().await?;
        self.calendar = calendar;
        Ok(())
    }

    pub async fn remove_closure_day(
        &mut self,
        day: NaiveDate,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let mut days: BTreeSet<NaiveDate> = self.calendar.closures().clone();
        if !days.remove(&day) {
            return Err(StoreError::invalid(
                "day",
                format!("{day} is not a closure day"),
            ));
        }
        let calendar = Calendar::with_closures(self.profile.calendar, days)
            .map_err(|e| StoreError::invalid("day", e.to_string()))?;
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM closure_days WHERE day = ?")
            .bind(day.to_string())
            .execute(&mut *tx)
            .await?;
        self.log(
            &mut tx,
            now,
            "closure_day.remove",
            ("closure_day", &day.to_string()),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        self.calendar = calendar;
        Ok(())
    }

    // ------------------------------------------------------------------ cases

    /// Open a new professional difference. Returns its reference, e.g. `RPD-2026-0001`.
    pub async fn create_case(
        &self,
        new: NewCase,
        now: NaiveDateTime,
    ) -> Result<String, StoreError> {
        let child_name = required("child_name", &new.child_name, NAME)?;
        let category = required("category", &new.category, NAME)?;
        let summary = required("summary", &new.summary, LONG)?;
        let identifiers = optional_text("child_identifiers", &new.child_identifiers, SHORT)?;
        let raising = required("raising_agency", &new.raising_agency, NAME)?;
        let receiving = required("receiving_agency", &new.receiving_agency, NAME)?;
        if raising.to_lowercase() == receiving.to_lowercase() {
            return Err(StoreError::invalid(
                "receiving_agency",
                "must differ from the raising agency: a disagreement inside one agency follows that agency's own arrangements",
            ));
        }
        let raising_prof = optional(
            "raising_professional",
            new.raising_professional.as_deref(),
            NAME,
        )?;
        let receiving_prof = optional(
            "receiving_professional",
            new.receiving_professional.as_deref(),
            NAME,
        )?;
        let risk = optional("immediate_risk", new.immediate_risk.as_deref(), LONG)?;
        let protocol = protocol_for(new.protocol.as_deref().unwrap_or(&self.profile.protocol_id))?;
        let opened = new.opened_at.unwrap_or(now);
        if opened > now + Duration::minutes(5) {
            return Err(StoreError::invalid(
                "opened",
                "is in the future: give when the concern arose",
            ));
        }
        if opened.year() < escalate_core::calendar::FIRST_YEAR {
            return Err(StoreError::invalid(
                "opened",
                "is before 1990: check the year",
            ));
        }
        if let Some(dob) = new.child_dob {
            // Unborn children (pre-birth concerns) may have an expected date up to a year ahead.
            if dob > now.date() + Duration::days(366) || dob < now.date() - Duration::days(366 * 26)
            {
                return Err(StoreError::invalid(
                    "child_dob",
                    "must be within the last 26 years (or an expected date within the next year): check the year",
                ));
            }
        }
        let raising_sector =
            new.raising_sector
                .unwrap_or(if raising.eq_ignore_ascii_case(&self.profile.agency) {
                    self.profile.sector
                } else {
                    Sector::Other
                });
        let receiving_sector = new.receiving_sector.unwrap_or(Sector::Other);
        let case = Case::open(
            protocol,
            opened,
            Opening {
                at: Some(opened),
                stage: new.stage,
                immediate_risk: risk.clone(),
                raising_sector: Some(raising_sector),
                receiving_sector: Some(receiving_sector),
            },
        )?;

        let mut tx = self.begin().await?;
        let raising_id = agency(&mut tx, &raising, raising_sector).await?;
        let receiving_id = agency(&mut tx, &receiving, receiving_sector).await?;
        let prefix = format!("RPD-{}-", opened.year());
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE reference LIKE ? || '%'")
                .bind(&prefix)
                .fetch_one(&mut *tx)
                .await?;
        let reference = format!("{prefix}{:04}", count + 1);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cases (reference, protocol_id, protocol_version, child_name, child_dob, child_identifiers, category, summary,
                raising_agency_id, raising_professional, receiving_agency_id, receiving_professional, opened_at,
                immediate_risk, immediate_risk_reason, status, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id",
        )
        .bind(&reference)
        .bind(&protocol.id)
        .bind(&protocol.version)
        .bind(&child_name)
        .bind(new.child_dob.map(|d| d.to_string()))
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
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO case_state (case_id, reference, child_name, raising_agency, receiving_agency, status, protocol_id, engine)
             VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
        )
        .bind(id)
        .bind(&reference)
        .bind(&child_name)
        .bind(&raising)
        .bind(&receiving)
        .bind(&protocol.id)
        .bind(json(&case)?)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO stage_moves (case_id, kind, to_stage, at, reason, by) VALUES (?, 'opened', ?, ?, ?, ?)")
            .bind(id)
            .bind(case.current_stage())
            .bind(ts(opened))
            .bind(risk.clone().unwrap_or_default())
            .bind(&self.profile.name)
            .execute(&mut *tx)
            .await?;
        let after = serde_json::json!({
            "reference": reference, "child_name": child_name, "child_dob": new.child_dob,
            "child_identifiers": identifiers, "category": category, "summary": summary,
            "raising_agency": raising, "raising_professional": raising_prof,
            "receiving_agency": receiving, "receiving_professional": receiving_prof,
            "protocol": protocol.id, "protocol_version": protocol.version,
            "opened_at": ts(opened), "immediate_risk": risk, "stage": case.current_stage(),
        });
        self.log(
            &mut tx,
            now,
            "case.create",
            ("case", &reference),
            None,
            Some(after.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(reference)
    }

    async fn load(
        &self,
        conn: &mut SqliteConnection,
        reference: &str,
    ) -> Result<Loaded, StoreError> {
        let row = sqlx::query("SELECT case_id, engine FROM case_state WHERE reference = ?")
            .bind(reference.trim())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NoCase(reference.to_owned()))?;
        let case: Case = serde_json::from_str(&row.try_get::<String, _>("engine")?)
            .map_err(|e| StoreError::Database(format!("case state unreadable: {e}")))?;
        let protocol = protocol_for(&case.protocol)?;
        Ok(Loaded {
            id: row.try_get("case_id")?,
            case,
            protocol,
        })
    }

    /// Apply `event` through the state machine, then let `write` add its rows, then
    /// save the new state and the audit entry: all in one transaction.
    async fn transition<T>(
        &self,
        reference: &str,
        now: NaiveDateTime,
        action: &str,
        event: impl FnOnce(&Loaded) -> Result<Event, StoreError>,
        write: impl for<'c> FnOnce(
            &'c mut SqliteConnection,
            i64,
            &'c Case,
        ) -> futures_like::BoxFuture<'c, Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let mut tx = self.begin().await?;
        let loaded = self.load(&mut tx, reference).await?;
        let mut case = loaded.case.clone();
        let ev = event(&loaded)?;
        case.apply(loaded.protocol, ev)?;
        let value = write(&mut tx, loaded.id, &case).await?;
        let status = case.state.as_str();
        sqlx::query("UPDATE case_state SET status = ?, engine = ? WHERE case_id = ?")
            .bind(status)
            .bind(json(&case)?)
            .bind(loaded.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE cases SET status = ?, updated_at = ? WHERE id = ?")
            .bind(status)
            .bind(ts(now))
            .bind(loaded.id)
            .execute(&mut *tx)
            .await?;
        self.log(
            &mut tx,
            now,
            action,
            ("case", reference.trim()),
            Some(json(&loaded.case)?),
            Some(json(&case)?),
        )
        .await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Record a discussion or meeting at the case's current stage.
    pub async fn record_stage(
        &self,
        reference: &str,
        input: StageRecordInput,
        now: NaiveDateTime,
    ) -> Result<i64, StoreError> {
        let discussed = input.discussed_at.unwrap_or(now);
        if discussed > now + Duration::minutes(5) {
            return Err(StoreError::invalid(
                "discussed_at",
                "is in the future: record a discussion once it has happened",
            ));
        }
        let summary = required("summary", &input.summary, LONG)?;
        let agreed = required("agreed", &input.agreed, LONG)?;
        let raising_view = optional_text("raising_view", &input.raising_view, LONG)?;
        let receiving_view = optional_text("receiving_view", &input.receiving_view, LONG)?;
        let next_step = optional_text("next_step", &input.next_step, LONG)?;
        let approved_by = optional("approved_by", input.approved_by.as_deref(), NAME)?;
        let mut participants = Vec::new();
        for p in &input.participants {
            participants.push(Participant {
                name: required("participant", &p.name, NAME)?,
                role: required("participant", &p.role, NAME)?,
                agency: required("participant", &p.agency, NAME)?,
            });
        }
        let mut extra = std::collections::BTreeMap::new();
        for (field, text) in &input.extra {
            let t = optional_text("extra", text, LONG)?;
            if !t.is_empty() {
                extra.insert(*field, t);
            }
        }
        let fields: BTreeSet<RecordField> = extra.keys().copied().collect();
        let record = RecordSummary {
            discussed_at: discussed,
            resolved: input.resolved,
            fields,
        };
        let by = self.profile.name.clone();
        let participants = json(&participants)?;
        let extra = json(&extra)?;
        self.transition(
            reference,
            now,
            "stage.record",
            |_| Ok(Event::Record(record)),
            move |conn, case_id, case| {
                Box::pin(async move {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO stage_records (case_id, stage, discussed_at, participants, raising_view, receiving_view, summary, agreed, resolved, extra, next_step, approved_by, approved_on, recorded_at, recorded_by)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    )
                    .bind(case_id)
                    .bind(case.current_stage())
                    .bind(ts(discussed))
                    .bind(participants)
                    .bind(raising_view)
                    .bind(receiving_view)
                    .bind(summary)
                    .bind(agreed)
                    .bind(input.resolved)
                    .bind(extra)
                    .bind(next_step)
                    .bind(approved_by)
                    .bind(input.approved_on.map(|d| d.to_string()))
                    .bind(ts(now))
                    .bind(by)
                    .fetch_one(&mut *conn)
                    .await?;
                    Ok(id)
                })
            },
        )
        .await
    }

    async fn move_row(
        conn: &mut SqliteConnection,
        case_id: i64,
        m: Move<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO stage_moves (case_id, kind, from_stage, to_stage, at, reason, by) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(case_id)
            .bind(m.kind)
            .bind(m.from)
            .bind(m.to)
            .bind(ts(m.at))
            .bind(m.reason)
            .bind(m.by)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Escalate to the next stage, or to `to_stage` where immediate risk allows.
    pub async fn escalate(
        &self,
        reference: &str,
        to_stage: Option<u8>,
        reason: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<u8, StoreError> {
        let reason = optional("reason", reason, LONG)?;
        let by = self.profile.name.clone();
        let why = reason.clone().unwrap_or_default();
        self.transition(
            reference,
            now,
            "case.escalate",
            |_| {
                Ok(Event::Escalate {
                    at: now,
                    to_stage,
                    reason,
                })
            },
            move |conn, id, case| {
                Box::pin(async move {
                    let to = case.current_stage();
                    let from = case.stages.iter().rev().nth(1).map_or(0, |e| e.stage);
                    Store::move_row(
                        conn,
                        id,
                        Move {
                            kind: "escalated",
                            from,
                            to: Some(to),
                            at: now,
                            reason: &why,
                            by: &by,
                        },
                    )
                    .await?;
                    Ok(to)
                })
            },
        )
        .await
    }

    /// The difference is resolved at the current stage.
    pub async fn resolve(
        &self,
        reference: &str,
        outcome: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let outcome = required("outcome", outcome, LONG)?;
        self.close_case(
            reference,
            now,
            "case.resolve",
            Event::Resolve { at: now },
            Closing::Resolved(outcome),
        )
        .await
        .map(drop)
    }

    pub async fn withdraw(
        &self,
        reference: &str,
        reason: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let reason = required("reason", reason, LONG)?;
        let event = Event::Withdraw {
            at: now,
            reason: reason.clone(),
        };
        self.close_case(
            reference,
            now,
            "case.withdraw",
            event,
            Closing::Withdrawn(reason),
        )
        .await
        .map(drop)
    }

    /// Out of scope: send the case to the procedure the protocol's exclusion names.
    /// Returns that procedure, in the protocol's words.
    pub async fn redirect(
        &self,
        reference: &str,
        exclusion: &str,
        now: NaiveDateTime,
    ) -> Result<String, StoreError> {
        let exclusion = required("exclusion", exclusion, NAME)?;
        let event = Event::Redirect {
            at: now,
            exclusion: exclusion.clone(),
        };
        self.close_case(
            reference,
            now,
            "case.redirect",
            event,
            Closing::Redirected(exclusion),
        )
        .await
    }

    /// End a case: the state machine's move, the outcome on the case, a history row.
    /// Returns the outcome text.
    async fn close_case(
        &self,
        reference: &str,
        now: NaiveDateTime,
        action: &str,
        event: Event,
        closing: Closing,
    ) -> Result<String, StoreError> {
        let by = self.profile.name.clone();
        self.transition(
            reference,
            now,
            action,
            |_| Ok(event),
            move |conn, id, case| {
                Box::pin(async move {
                    let (kind, outcome, reason) = match closing {
                        Closing::Resolved(o) => ("resolved", o.clone(), o),
                        Closing::Withdrawn(r) => ("withdrawn", r.clone(), r),
                        Closing::Redirected(ex) => {
                            let words = protocol_for(&case.protocol)?
                                .exclusion(&ex)
                                .map(|e| e.redirect.clone())
                                .unwrap_or_default();
                            ("redirected", words, ex)
                        }
                    };
                    sqlx::query("UPDATE cases SET outcome = ?, closed_at = ? WHERE id = ?")
                        .bind(&outcome)
                        .bind(ts(now))
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    let from = case.current_stage();
                    let m = Move {
                        kind,
                        from,
                        to: None,
                        at: now,
                        reason: &reason,
                        by: &by,
                    };
                    Store::move_row(conn, id, m).await?;
                    Ok(outcome)
                })
            },
        )
        .await
    }

    /// Mark a notification the protocol requires as sent.
    pub async fn mark_sent(
        &self,
        reference: &str,
        stage: Option<u8>,
        notification: &str,
        sent_at: NaiveDateTime,
        note: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let notification = required("notification", notification, NAME)?;
        let note = optional_text("note", note, SHORT)?;
        if sent_at > now + Duration::minutes(5) {
            return Err(StoreError::invalid(
                "sent_at",
                "is in the future: mark it once it has been sent",
            ));
        }
        let by = self.profile.name.clone();
        let n2 = notification.clone();
        let n3 = notification.clone();
        // What was owed, to whom and by when, as the engine saw it before the marking.
        let owed: std::sync::Arc<std::sync::Mutex<(String, Option<String>)>> = Default::default();
        let owed_w = owed.clone();
        let engine = Engine::new(&self.calendar, now)
            .map_err(|e| StoreError::invalid("now", e.to_string()))?;
        self.transition(
            reference,
            now,
            "notification.sent",
            |loaded| {
                let status = engine.status(loaded.protocol, &loaded.case)?;
                if let Some(d) = status.deadlines.iter().find(|d| d.stage == stage && d.id == n3) {
                    if let Ok(mut o) = owed.lock() {
                        *o = (d.to.unwrap_or_default().to_owned(), d.due.date().map(|_| d.due.to_string()));
                    }
                }
                Ok(Event::MarkSent { at: sent_at, stage, notification: n2 })
            },
            move |conn, id, _case| {
                Box::pin(async move {
                    let (to, due) = owed_w.lock().map(|o| o.clone()).unwrap_or_default();
                    sqlx::query("INSERT INTO notifications_sent (case_id, stage, notification_id, sent_to, due, sent_at, sent_by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                        .bind(id)
                        .bind(stage)
                        .bind(&notification)
                        .bind(to)
                        .bind(due)
                        .bind(ts(sent_at))
                        .bind(&by)
                        .bind(&note)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            },
        )
        .await
    }

    /// Set a shorter, child-protective deadline for the current stage.
    pub async fn shorten_deadline(
        &self,
        reference: &str,
        due: NaiveDateTime,
        reason: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let reason = required("reason", reason, LONG)?;
        let by = self.profile.name.clone();
        let r2 = reason.clone();
        self.transition(
            reference,
            now,
            "deadline.shorten",
            |_| Ok(Event::ShortenDeadline { due, reason: r2 }),
            move |conn, id, case| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO deadline_overrides (case_id, stage, due, reason, set_at, set_by) VALUES (?, ?, ?, ?, ?, ?)")
                        .bind(id)
                        .bind(case.current_stage())
                        .bind(ts(due))
                        .bind(&reason)
                        .bind(ts(now))
                        .bind(&by)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            },
        )
        .await
    }

    // ------------------------------------------------------------------ reading

    /// Cases with the engine's urgency and next deadline, most urgent first.
    pub async fn list_cases(
        &self,
        filter: CaseFilter,
        search: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseListItem>, StoreError> {
        let engine = Engine::new(&self.calendar, now)
            .map_err(|e| StoreError::invalid("now", e.to_string()))?;
        let pattern = search.map(|s| {
            format!(
                "%{}%",
                s.trim()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        // One row holding the whole list as JSON: SQLite builds it in C, so the cost is
        // one decode rather than a round of driver overhead per case.
        let list: Option<String> = sqlx::query_scalar(
            "SELECT json_group_array(json_array(reference, child_name, raising_agency, receiving_agency, json(engine)))
             FROM case_state
             WHERE (? OR status = 'open')
               AND (? IS NULL OR reference LIKE ? ESCAPE '\\' OR child_name LIKE ? ESCAPE '\\')",
        )
        .bind(filter == CaseFilter::All)
        .bind(&pattern)
        .bind(&pattern)
        .bind(&pattern)
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<(String, String, String, String, Case)> =
            serde_json::from_str(list.as_deref().unwrap_or("[]"))
                .map_err(|e| StoreError::Database(format!("case list unreadable: {e}")))?;
        let mut out = Vec::with_capacity(rows.len());
        for (reference, child_name, raising_agency, receiving_agency, case) in rows {
            let protocol = protocol_for(&case.protocol)?;
            let summary = engine.summary(protocol, &case)?;
            out.push(CaseListItem {
                reference,
                child_name,
                raising_agency,
                receiving_agency,
                stage: case.current_stage(),
                state: case.state.as_str().to_owned(),
                urgency: summary.urgency,
                next_due: summary.next_due,
                protocol_id: case.protocol,
            });
        }
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

    /// Everything about one case, with the engine's answer now.
    pub async fn case_detail(
        &self,
        reference: &str,
        now: NaiveDateTime,
    ) -> Result<CaseDetail, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let loaded = self.load(&mut conn, reference).await?;
        let r = sqlx::query(
            "SELECT c.*, ra.name AS raising, rb.name AS receiving FROM cases c
             JOIN agencies ra ON ra.id = c.raising_agency_id JOIN agencies rb ON rb.id = c.receiving_agency_id WHERE c.id = ?",
        )
        .bind(loaded.id)
        .fetch_one(&mut *conn)
        .await?;
        let records = self.records(&mut conn, loaded.id).await?;
        let notifications_sent = sqlx::query(
            "SELECT stage, notification_id, sent_to, due, sent_at, note FROM notifications_sent WHERE case_id = ? ORDER BY sent_at, id",
        )
        .bind(loaded.id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| {
            Ok(SentNotification {
                stage: r.try_get::<Option<i64>, _>("stage")?.map(|s| s as u8),
                notification: r.try_get("notification_id")?,
                sent_to: r.try_get("sent_to")?,
                due: r.try_get("due")?,
                sent_at: parse_ts(r.try_get("sent_at")?)?,
                note: r.try_get("note")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let engine = Engine::new(&self.calendar, now)
            .map_err(|e| StoreError::invalid("now", e.to_string()))?;
        let status = engine.status(loaded.protocol, &loaded.case)?;
        Ok(CaseDetail {
            reference: r.try_get("reference")?,
            protocol_id: r.try_get("protocol_id")?,
            protocol_version: r.try_get("protocol_version")?,
            child_name: r.try_get("child_name")?,
            child_dob: r
                .try_get::<Option<String>, _>("child_dob")?
                .as_deref()
                .map(parse_date)
                .transpose()?,
            child_identifiers: r.try_get("child_identifiers")?,
            category: r.try_get("category")?,
            summary: r.try_get("summary")?,
            raising_agency: r.try_get("raising")?,
            raising_professional: r.try_get("raising_professional")?,
            receiving_agency: r.try_get("receiving")?,
            receiving_professional: r.try_get("receiving_professional")?,
            opened_at: parse_ts(r.try_get("opened_at")?)?,
            immediate_risk: r.try_get("immediate_risk_reason")?,
            state: r.try_get("status")?,
            outcome: r.try_get("outcome")?,
            closed_at: r
                .try_get::<Option<String>, _>("closed_at")?
                .as_deref()
                .map(parse_ts)
                .transpose()?,
            records,
            notifications_sent,
            engine: loaded.case.clone(),
            status: serde_json::to_value(&status)
                .map_err(|e| StoreError::Database(e.to_string()))?,
        })
    }

    async fn records(
        &self,
        conn: &mut SqliteConnection,
        case_id: i64,
    ) -> Result<Vec<StageRecord>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM stage_records WHERE case_id = ? ORDER BY discussed_at, id")
                .bind(case_id)
                .fetch_all(&mut *conn)
                .await?;
        let bad =
            |e: serde_json::Error| StoreError::Database(format!("stage record unreadable: {e}"));
        rows.into_iter()
            .map(|r| {
                Ok(StageRecord {
                    id: r.try_get("id")?,
                    stage: r.try_get::<i64, _>("stage")? as u8,
                    discussed_at: parse_ts(r.try_get("discussed_at")?)?,
                    participants: serde_json::from_str(r.try_get("participants")?).map_err(bad)?,
                    raising_view: r.try_get("raising_view")?,
                    receiving_view: r.try_get("receiving_view")?,
                    summary: r.try_get("summary")?,
                    agreed: r.try_get("agreed")?,
                    resolved: r.try_get("resolved")?,
                    extra: serde_json::from_str(r.try_get("extra")?).map_err(bad)?,
                    next_step: r.try_get("next_step")?,
                    approved_by: r.try_get("approved_by")?,
                    approved_on: r
                        .try_get::<Option<String>, _>("approved_on")?
                        .as_deref()
                        .map(parse_date)
                        .transpose()?,
                    recorded_at: parse_ts(r.try_get("recorded_at")?)?,
                    recorded_by: r.try_get("recorded_by")?,
                })
            })
            .collect()
    }

    /// Every stage, record, notification and deadline of a case in date order.
    pub async fn chronology(
        &self,
        reference: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<ChronologyEntry>, StoreError> {
        let detail = self.case_detail(reference, now).await?;
        let mut conn = self.pool.acquire().await?;
        let loaded = self.load(&mut conn, reference).await?;
        let mut out = Vec::new();
        let moves = sqlx::query("SELECT kind, from_stage, to_stage, at, reason FROM stage_moves WHERE case_id = ? ORDER BY id")
            .bind(loaded.id)
            .fetch_all(&mut *conn)
            .await?;
        for m in moves {
            let kind: String = m.try_get("kind")?;
            let to: Option<i64> = m.try_get("to_stage")?;
            let from: Option<i64> = m.try_get("from_stage")?;
            let reason: String = m.try_get("reason")?;
            let text = match kind.as_str() {
                "opened" => format!("Opened at Stage {}", to.unwrap_or(0)),
                "escalated" => format!(
                    "Escalated from Stage {} to Stage {}",
                    from.unwrap_or(0),
                    to.unwrap_or(0)
                ),
                "resolved" => format!("Resolved at Stage {}: {reason}", from.unwrap_or(0)),
                "withdrawn" => format!("Withdrawn at Stage {}: {reason}", from.unwrap_or(0)),
                "redirected" => format!("Redirected ({reason})"),
                other => other.to_owned(),
            };
            out.push(ChronologyEntry {
                at: parse_ts(m.try_get("at")?)?,
                stage: to.or(from).map(|s| s as u8),
                kind,
                text,
                overdue: false,
            });
        }
        for r in &detail.records {
            out.push(ChronologyEntry {
                at: r.discussed_at,
                stage: Some(r.stage),
                kind: "record".to_owned(),
                text: format!(
                    "Stage {} record{}: {}",
                    r.stage,
                    if r.resolved { " (resolved)" } else { "" },
                    r.summary
                ),
                overdue: false,
            });
        }
        let sent = sqlx::query("SELECT stage, notification_id, sent_to, due, sent_at FROM notifications_sent WHERE case_id = ? ORDER BY id")
            .bind(loaded.id)
            .fetch_all(&mut *conn)
            .await?;
        for s in sent {
            out.push(ChronologyEntry {
                at: parse_ts(s.try_get("sent_at")?)?,
                stage: s.try_get::<Option<i64>, _>("stage")?.map(|x| x as u8),
                kind: "notification-sent".to_owned(),
                text: format!(
                    "Sent: {} to {}{}",
                    s.try_get::<String, _>("notification_id")?,
                    s.try_get::<String, _>("sent_to")?,
                    s.try_get::<Option<String>, _>("due")?
                        .map(|d| format!(" (due {d})"))
                        .unwrap_or_default()
                ),
                overdue: false,
            });
        }
        let engine = Engine::new(&self.calendar, now)
            .map_err(|e| StoreError::invalid("now", e.to_string()))?;
        let status = engine.status(loaded.protocol, &loaded.case)?;
        for d in &status.deadlines {
            let at = match d.due {
                escalate_core::Due::EndOfDay(day) => {
                    day.and_hms_opt(23, 59, 59).unwrap_or_default()
                }
                escalate_core::Due::At(t) => t,
                _ => now,
            };
            let kind = if d.kind == escalate_core::engine::DeadlineKind::Notification {
                "notification-due"
            } else {
                "deadline"
            };
            let who = d.to.map(|t| format!(" to {t}")).unwrap_or_default();
            out.push(ChronologyEntry {
                at,
                stage: d.stage,
                kind: kind.to_owned(),
                text: match d.due {
                    escalate_core::Due::NoLimit => format!("Owed{who} (no timescale): {}", d.what),
                    escalate_core::Due::WithoutDelay => {
                        format!("Due without delay{who}: {}", d.what)
                    }
                    due => format!("Due {due}{who}: {} ({})", d.what, d.urgency.words()),
                },
                overdue: matches!(d.urgency, escalate_core::Urgency::Overdue { .. }),
            });
        }
        out.sort_by_key(|e| e.at);
        Ok(out)
    }

    // ------------------------------------------------------------------ attachments and drafts

    /// Keep a file inside the encrypted store.
    pub async fn add_attachment(
        &self,
        reference: &str,
        file_name: &str,
        media_type: &str,
        content: &[u8],
        now: NaiveDateTime,
    ) -> Result<i64, StoreError> {
        let name = required("file_name", file_name, NAME)?;
        let media = required("media_type", media_type, NAME)?;
        let size = content.len() as u64;
        if size > ATTACHMENT_LIMIT {
            return Err(StoreError::AttachmentTooLarge {
                name,
                size,
                limit: ATTACHMENT_LIMIT,
            });
        }
        let digest = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(content))
        };
        let mut tx = self.begin().await?;
        let loaded = self.load(&mut tx, reference).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attachments (case_id, file_name, media_type, size, sha256, content, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(loaded.id)
        .bind(&name)
        .bind(&media)
        .bind(size as i64)
        .bind(&digest)
        .bind(content)
        .bind(ts(now))
        .bind(&self.profile.name)
        .fetch_one(&mut *tx)
        .await?;
        let after = serde_json::json!({ "file_name": name, "media_type": media, "size": size, "sha256": digest });
        self.log(
            &mut tx,
            now,
            "attachment.add",
            ("case", reference.trim()),
            None,
            Some(after.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn attachment(&self, id: i64) -> Result<(String, Vec<u8>), StoreError> {
        let r = sqlx::query("SELECT file_name, content FROM attachments WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| {
                StoreError::invalid("attachment", format!("there is no attachment {id}"))
            })?;
        Ok((r.try_get("file_name")?, r.try_get("content")?))
    }

    /// Save a draft (e.g. a half-written stage record) so a crash or closed window loses nothing.
    pub async fn save_draft(
        &self,
        reference: Option<&str>,
        kind: &str,
        body: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let kind = required("kind", kind, NAME)?;
        let body = optional_text("body", body, LONG * 4)?;
        let mut tx = self.begin().await?;
        let case_id = match reference {
            Some(r) => Some(self.load(&mut tx, r).await?.id),
            None => None,
        };
        sqlx::query("DELETE FROM drafts WHERE case_id IS ? AND kind = ?")
            .bind(case_id)
            .bind(&kind)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO drafts (case_id, kind, body, updated_at) VALUES (?, ?, ?, ?)")
            .bind(case_id)
            .bind(&kind)
            .bind(&body)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn draft(
        &self,
        reference: Option<&str>,
        kind: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let case_id = match reference {
            Some(r) => Some(self.load(&mut conn, r).await?.id),
            None => None,
        };
        Ok(
            sqlx::query_scalar("SELECT body FROM drafts WHERE case_id IS ? AND kind = ?")
                .bind(case_id)
                .bind(kind)
                .fetch_optional(&mut *conn)
                .await?,
        )
    }

    // ------------------------------------------------------------------ integrity and keys

    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let mut conn = self.pool.acquire().await?;
        audit::verify(&mut conn).await
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub async fn integrity_check(&self) -> Result<String, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.join("; "))
    }

    /// Re-wrap the data key with a new recovery passphrase.
    pub async fn change_passphrase(
        &self,
        current: &Passphrase,
        new: &Passphrase,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        new.check_strength("new_passphrase")?;
        let file = KeyFile::read(&self.dir)?;
        let key = file.unwrap_key(current)?;
        let rewrapped = KeyFile::wrap(&self.store_id, &key, new, file.params)?;
        let mut tx = self.begin().await?;
        self.log(
            &mut tx,
            now,
            "key.passphrase_change",
            ("store", &self.store_id),
            None,
            None,
        )
        .await?;
        rewrapped.write(&self.dir)?;
        tx.commit().await?;
        Ok(())
    }

    /// Replace the data key: the database is re-encrypted (`PRAGMA rekey`), `key.json`
    /// re-wrapped with the passphrase and the keyring updated.
    pub async fn rotate_key(
        &mut self,
        passphrase: &Passphrase,
        keys: &dyn KeyStore,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let file = KeyFile::read(&self.dir)?;
        let old = file.unwrap_key(passphrase)?;
        let new = DataKey::generate()?;
        let next = KeyFile::wrap(&self.store_id, &new, passphrase, file.params)?;
        {
            let mut tx = self.begin().await?;
            self.log(
                &mut tx,
                now,
                "key.rotate",
                ("store", &self.store_id),
                None,
                None,
            )
            .await?;
            tx.commit().await?;
        }
        // One connection, so every other connection closes first and none keeps the old key.
        self.pool.close().await;
        let db_path = self.dir.join(DB_FILE);
        let pool = db::connect(&db_path, Some(&old), false).await?;
        // Fold the WAL into the file so the rekey covers every page.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await?;
        // Keep the new key where recovery can find it before the file changes.
        std::fs::write(
            self.dir.join("key.json.next"),
            serde_json::to_string_pretty(&next).map_err(|e| StoreError::KeyFile(e.to_string()))?,
        )
        .map_err(|source| StoreError::Io {
            path: "key.json.next".to_owned(),
            source,
        })?;
        let result = sqlx::query(&format!(
            "PRAGMA rekey = \"x'{}'\"",
            new.expose_hex().as_str()
        ))
        .execute(&pool)
        .await;
        pool.close().await;
        if let Err(e) = result {
            let _ = std::fs::remove_file(self.dir.join("key.json.next"));
            let reopened = Store::open_with_key(&self.dir, &old).await?;
            self.pool = reopened.pool;
            return Err(e.into());
        }
        next.write(&self.dir)?;
        let _ = std::fs::remove_file(self.dir.join("key.json.next"));
        if let Err(e) = keys.set(&self.store_id, &new) {
            self.notices.push(format!(
                "{e}. The new key is in key.json; unlock with the passphrase."
            ));
        }
        let reopened = Store::open_with_key(&self.dir, &new).await?;
        self.pool = reopened.pool;
        Ok(())
    }
}

async fn agency(
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

async fn load_profile(pool: &SqlitePool) -> Result<Profile, StoreError> {
    let r = sqlx::query("SELECT * FROM profile WHERE id = 1")
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::Database("the store has no profile".to_owned()))?;
    let sector: String = r.try_get("sector")?;
    let calendar: String = r.try_get("calendar")?;
    Ok(Profile {
        name: r.try_get("name")?,
        designation: r.try_get("designation")?,
        agency: r.try_get("agency")?,
        sector: sector
            .parse()
            .map_err(|e: escalate_core::sector::UnknownSector| {
                StoreError::Database(e.to_string())
            })?,
        protocol_id: r.try_get("protocol_id")?,
        calendar: calendar
            .parse::<CalendarId>()
            .map_err(|e| StoreError::Database(e.to_string()))?,
        auto_lock_minutes: r.try_get::<i64, _>("auto_lock_minutes")? as u32,
    })
}

async fn closure_days(pool: &SqlitePool) -> Result<Vec<NaiveDate>, StoreError> {
    let days: Vec<String> = sqlx::query_scalar("SELECT day FROM closure_days")
        .fetch_all(pool)
        .await?;
    days.iter().map(|d| parse_date(d)).collect()
}

/// A boxed future, so a transition can take an async writer closure.
mod futures_like {
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}
