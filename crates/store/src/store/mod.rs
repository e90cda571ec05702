//! The repository the CLI and the app share: opening and creating here; cases,
//! reading, files, keys and the Board's imported packages in the submodules.

pub use alerts::Alert;
pub use board::{BoardPackage, ImportOutcome, ImportedPackage};

mod alerts;
mod board;
mod cases;
mod files;
mod keys;
mod read;
mod rotation;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use escalate_core::protocol::RecordField;
use escalate_core::{
    builtin_protocol, Calendar, CalendarId, Case, Engine, Event, Opening, Protocol, RecordSummary,
    Sector,
};
use sqlx::{Row, Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::audit::{self, AuditLine, AuditReport, Change};
use crate::db::{self, DB_FILE};
use crate::error::StoreError;
use crate::fsx;
use crate::key::{new_store_id, DataKey, KdfParams, KeyFile, Passphrase, KEY_FILE};
use crate::keystore::{next_entry, KeyStore};
use crate::lock::{self, DirLock, Purpose, LOCK_FILE};
use crate::model::*;
use crate::validate::{optional, optional_text, required, LONG, NAME, SHORT};

/// The draft kind of a half-written stage record: recording the stage removes it.
pub const STAGE_RECORD_DRAFT: &str = "stage-record";

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
    /// The data folder's lock, shared for the store's lifetime.
    lock: DirLock,
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

/// The store's one profile row, as a new store (or a benchmark's) begins.
pub(crate) async fn insert_profile(
    conn: &mut SqliteConnection,
    profile: &Profile,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
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
    .execute(&mut *conn)
    .await?;
    Ok(())
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

/// How an open is unlocked.
#[derive(Clone, Copy)]
enum Unlock<'a> {
    /// The OS keyring only.
    Keyring(&'a dyn KeyStore),
    /// The recovery passphrase; the key is then put back in the keyring.
    Passphrase(&'a Passphrase, &'a dyn KeyStore),
    /// The data key itself.
    Key(&'a DataKey),
}

impl Store {
    /// Create a new store in `dir` (which must not already hold one). Two creations at
    /// once in the same folder: exactly one wins, the other fails with `store.exists`
    /// and touches nothing of the winner's.
    pub async fn create(
        dir: &Path,
        profile: Profile,
        passphrase: &Passphrase,
        keys: &dyn KeyStore,
        now: NaiveDateTime,
    ) -> Result<Store, StoreError> {
        let profile = check_profile(&profile)?;
        passphrase.check_strength("passphrase")?;
        let exists = || StoreError::AlreadyExists {
            dir: dir.display().to_string(),
        };
        if dir.join(KEY_FILE).exists() || dir.join(DB_FILE).exists() {
            return Err(exists());
        }
        let made_dir = fsx::create_dir_all(dir)?;
        let had_lock_file = dir.join(LOCK_FILE).exists();
        let undo_dir = || {
            if made_dir {
                // Only when empty: a racing creation may have filled it.
                let _ = std::fs::remove_dir(dir);
            }
        };
        let lock = match DirLock::acquire(dir, lock::Mode::Exclusive, Purpose::Create) {
            Ok(l) => l,
            Err(StoreError::Busy { .. }) => return Err(exists()),
            Err(e) => {
                undo_dir();
                return Err(e);
            }
        };
        // Checked again under the lock: another creation may have finished meanwhile.
        if dir.join(KEY_FILE).exists() || dir.join(DB_FILE).exists() {
            return Err(exists());
        }
        let made = Store::create_locked(dir, &profile, passphrase, now, lock).await;
        match made {
            Ok((mut store, key)) => {
                store.lock.downgrade()?;
                if let Err(e) = keys.set(&store.store_id, &key) {
                    store.notices.push(format!(
                        "{e}. The store is ready, but it will ask for the recovery passphrase each time it opens."
                    ));
                }
                Ok(store)
            }
            Err((e, lock)) => {
                // Leave the folder as it was: no half-made store.
                for f in [
                    KEY_FILE,
                    DB_FILE,
                    "escalate.db-wal",
                    "escalate.db-shm",
                    "escalate.db-journal",
                ] {
                    let _ = std::fs::remove_file(dir.join(f));
                }
                if had_lock_file {
                    drop(lock);
                } else {
                    lock.remove();
                }
                undo_dir();
                Err(e)
            }
        }
    }

    /// The creation itself, under the folder's exclusive lock; on failure the lock is
    /// handed back so the caller can clean up while still holding it.
    async fn create_locked(
        dir: &Path,
        profile: &Profile,
        passphrase: &Passphrase,
        now: NaiveDateTime,
        lock: DirLock,
    ) -> Result<(Store, DataKey), (StoreError, DirLock)> {
        let made = async {
            let store_id = new_store_id()?;
            let key = DataKey::generate()?;
            let key_file = KeyFile::wrap(&store_id, &key, passphrase, KdfParams::DEFAULT)?;
            // Owner-only from the first byte: SQLite gives the -wal and -shm files the
            // database file's mode. O_EXCL: a file someone else made is never adopted.
            let db_path = dir.join(DB_FILE);
            fsx::create_new(&db_path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    StoreError::AlreadyExists {
                        dir: dir.display().to_string(),
                    }
                } else {
                    fsx::io_error(&db_path)(e)
                }
            })?;
            key_file.write(dir)?;
            let pool = Store::create_db(dir, &key, profile, now).await?;
            Ok::<_, StoreError>((store_id, key, pool))
        }
        .await;
        match made {
            Ok((store_id, key, pool)) => Ok((
                Store {
                    pool,
                    dir: dir.to_owned(),
                    store_id,
                    calendar: Calendar::new(profile.calendar),
                    profile: profile.clone(),
                    notices: Vec::new(),
                    lock,
                },
                key,
            )),
            Err(e) => Err((e, lock)),
        }
    }

    async fn create_db(
        dir: &Path,
        key: &DataKey,
        profile: &Profile,
        now: NaiveDateTime,
    ) -> Result<SqlitePool, StoreError> {
        let pool = db::connect(&dir.join(DB_FILE), Some(key), false).await?;
        let written = async {
            db::migrate(&pool).await?;
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            insert_profile(&mut tx, profile, now).await?;
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
            Ok::<(), StoreError>(())
        }
        .await;
        if let Err(e) = written {
            db::close_pool(&pool).await;
            return Err(e);
        }
        Ok(pool)
    }

    /// Open the store in `dir`: the key from the keyring, or from the recovery
    /// passphrase when one is given (which also puts the key back in the keyring). A
    /// failed open changes no file. A key rotation that a crash interrupted is finished
    /// or undone first, whichever the database shows.
    pub async fn open(
        dir: &Path,
        passphrase: Option<&Passphrase>,
        keys: &dyn KeyStore,
    ) -> Result<Store, StoreError> {
        match passphrase {
            Some(p) => Store::open_as(dir, Unlock::Passphrase(p, keys)).await,
            None => Store::open_as(dir, Unlock::Keyring(keys)).await,
        }
    }

    /// Open with the data key itself (from the keyring, or recovered).
    pub async fn open_with_key(dir: &Path, key: &DataKey) -> Result<Store, StoreError> {
        Store::open_as(dir, Unlock::Key(key)).await
    }

    async fn open_as(dir: &Path, unlock: Unlock<'_>) -> Result<Store, StoreError> {
        // Looked at before the lock file is made, so a folder that is not a store, or
        // holds a file that is not an Escalate database, is left exactly as it was.
        if !dir.join(KEY_FILE).is_file() || !dir.join(DB_FILE).exists() {
            return Err(StoreError::NoStore {
                dir: dir.display().to_string(),
            });
        }
        db::check_file(&dir.join(DB_FILE))?;
        let mut lock = DirLock::acquire(dir, lock::Mode::Shared, Purpose::Open)?;
        let mut notices = Vec::new();
        if rotation::interrupted(dir) {
            drop(lock);
            lock = DirLock::acquire(dir, lock::Mode::Exclusive, Purpose::Open)?;
            if let Some(note) = rotation::recover(dir, unlock).await? {
                notices.push(note);
            }
            lock.downgrade()?;
        }
        let key_file = KeyFile::read(dir)?;
        let key = match unlock {
            Unlock::Key(k) => k.clone(),
            Unlock::Passphrase(p, keys) => {
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
            Unlock::Keyring(keys) => match keys.get(&key_file.store_id)? {
                Some(k) if key_file.matches(&k) => k,
                _ => {
                    // A rotation that stopped after key.json but before the keyring:
                    // the new key waits under its second entry.
                    let next_id = next_entry(&key_file.store_id);
                    match keys.get(&next_id) {
                        Ok(Some(k)) if key_file.matches(&k) => {
                            if let Err(e) = keys.set(&key_file.store_id, &k) {
                                notices.push(format!("{e}. The store is open; it will ask for the passphrase next time."));
                            } else {
                                let _ = keys.delete(&next_id);
                            }
                            k
                        }
                        _ => return Err(StoreError::PassphraseNeeded),
                    }
                }
            },
        };
        let mut store = Store::open_locked(dir, &key, lock).await?;
        store.notices = notices;
        Ok(store)
    }

    /// Open with the folder's lock already held (shared).
    pub(crate) async fn open_locked(
        dir: &Path,
        key: &DataKey,
        lock: DirLock,
    ) -> Result<Store, StoreError> {
        let key_file = KeyFile::read(dir)?;
        if !key_file.matches(key) {
            return Err(StoreError::KeyFile(
                "that key does not belong to this store: unlock with its recovery passphrase"
                    .to_owned(),
            ));
        }
        db::inspect(&dir.join(DB_FILE), key).await?;
        let pool = db::connect(&dir.join(DB_FILE), Some(key), false).await?;
        let loaded = async {
            db::migrate(&pool).await?;
            let profile = load_profile(&pool).await?;
            let closures = closure_days(&pool).await?;
            let calendar = Calendar::with_closures(profile.calendar, closures)
                .map_err(|e| StoreError::Database(e.to_string()))?;
            Ok::<_, StoreError>((profile, calendar))
        }
        .await;
        let (profile, calendar) = match loaded {
            Ok(v) => v,
            Err(e) => {
                db::close_pool(&pool).await;
                return Err(e);
            }
        };
        // Our own files, found too open (made by an older version, or copied in with a
        // loose umask): owner-only, silently.
        fsx::tighten(dir);
        for f in [
            KEY_FILE,
            DB_FILE,
            "escalate.db-wal",
            "escalate.db-shm",
            LOCK_FILE,
        ] {
            fsx::tighten(&dir.join(f));
        }
        Ok(Store {
            pool,
            dir: dir.to_owned(),
            store_id: key_file.store_id,
            profile,
            calendar,
            notices: Vec::new(),
            lock,
        })
    }

    /// A plaintext store, for benchmarks only.
    #[cfg(feature = "bench")]
    pub(crate) async fn open_plain(dir: &Path) -> Result<Store, StoreError> {
        let lock = DirLock::acquire(dir, lock::Mode::Shared, Purpose::Open)?;
        let pool = db::connect(&dir.join(DB_FILE), None, false).await?;
        let profile = load_profile(&pool).await?;
        Ok(Store {
            pool,
            dir: dir.to_owned(),
            store_id: "plain".to_owned(),
            calendar: Calendar::new(profile.calendar),
            profile,
            notices: Vec::new(),
            lock,
        })
    }

    /// Close the store: every database connection is closed (and with it SQLCipher's
    /// copy of the key) before this returns, the last one alone, so the write-ahead log
    /// is folded into `escalate.db` and the -wal and -shm files are gone (unless
    /// another Escalate has the store open); then the folder's lock is let go.
    pub async fn close(self) {
        db::close_pool(&self.pool).await;
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

    /// The lead's closure days (training days, office closures) with their notes,
    /// oldest first.
    pub async fn closure_days(&self) -> Result<Vec<ClosureDay>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT day, note FROM closure_days ORDER BY day")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(day, note)| {
                Ok(ClosureDay {
                    day: parse_date(&day)?,
                    note,
                })
            })
            .collect()
    }

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

/// The desktop app awaits these from Tauri commands, whose futures must be `Send` for
/// any lifetime of their arguments: a compile-time check, since a non-`Send` future
/// here only shows as an error deep in the app's command macros.
#[cfg(test)]
#[allow(dead_code)]
mod send_futures {
    use super::*;

    fn is_send<T: Send>(_: T) {}

    fn futures_are_send<'a>(
        dir: &'a Path,
        pass: &'a Passphrase,
        key: &'a DataKey,
        keys: &'a dyn KeyStore,
        store: &'a mut Store,
        profile: Profile,
    ) {
        is_send(Store::open(dir, None, keys));
        is_send(Store::open(dir, Some(pass), keys));
        is_send(Store::open_with_key(dir, key));
        is_send(Store::create(dir, profile, pass, keys, NaiveDateTime::MIN));
        is_send(crate::backup::restore(dir, dir, pass, keys));
        is_send(store.rotate_key(pass, keys, NaiveDateTime::MIN));
    }
}
