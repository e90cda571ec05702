//! A store's life: creating one, opening it (unlocking, checking the file, bringing
//! its schema up to date, converting a store made before the case log) and the
//! folder's lock held while it is open. Closing is in `mod.rs`.

use super::*;
use crate::audit::AuditAction;

/// A protocol file to install, as read: the name it is known by, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolFile {
    pub file_name: String,
    pub text: String,
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
        Store::create_with(dir, profile, passphrase, keys, now, &[]).await
    }

    /// [`Store::create`], installing protocol files beside the shipped protocols, so the
    /// profile's protocol may be one of them. Every file is checked before anything is
    /// made; a file that does not install makes no store.
    pub async fn create_with(
        dir: &Path,
        profile: Profile,
        passphrase: &Passphrase,
        keys: &dyn KeyStore,
        now: NaiveDateTime,
        install: &[ProtocolFile],
    ) -> Result<Store, StoreError> {
        let profile = check_profile(&profile)?;
        let mut ids: Vec<String> = protocols::shipped()?
            .iter()
            .map(|(_, _, _, p)| p.id.clone())
            .collect();
        for f in install {
            ids.push(protocols::check_install(&f.text, &f.file_name)?.id);
        }
        if !ids.contains(&profile.protocol_id) {
            return Err(StoreError::Refused {
                code: escalate_core::ErrorCode::ProtocolUnknown,
                field: Some("protocol"),
                message: format!(
                    "'{}' is not a protocol Escalate ships: use one of {}, or give the path of its file to install it",
                    profile.protocol_id,
                    ids.join(", ")
                ),
            });
        }
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
        let made = Store::create_locked(dir, &profile, passphrase, now, lock, install).await;
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
        install: &[ProtocolFile],
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
            let pool = Store::create_db(dir, &key, profile, now, install).await?;
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
                    holidays: None,
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
        install: &[ProtocolFile],
    ) -> Result<SqlitePool, StoreError> {
        let pool = db::connect(&dir.join(DB_FILE), Some(key), false).await?;
        let written = async {
            db::migrate(&pool).await?;
            legacy::convert(&pool).await?;
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            insert_profile(&mut tx, profile, now).await?;
            // The store's first protocols are recorded in the entry that makes it.
            let at = ts(now);
            let mut installed = protocols::install_shipped(&mut tx, &at).await?;
            for f in install {
                installed.push(protocols::install_file(&mut tx, f, &at).await?);
            }
            audit::append(
                &mut tx,
                Change {
                    at: &ts(now),
                    actor: &profile.name,
                    action: AuditAction::StoreCreate,
                    entity: "profile",
                    entity_id: "1",
                    before: None,
                    // `settings_log`: this store's settings are its log's from the
                    // first entry, so it needs no conversion's baseline.
                    after: Some(json(&serde_json::json!({
                        "profile": profile,
                        "protocols": installed,
                        "settings_log": 1,
                    }))?),
                },
            )
            .await?;
            // The agency identity, in the entry after the one that makes the store.
            trust::create_identity(&mut tx, &at, &profile.name).await?;
            tx.commit().await?;
            // Nothing to convert in a new store: this notes it, so no open asks again.
            integrity::convert_content(&pool).await?;
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
        notices.append(&mut store.notices);
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
            legacy::convert(&pool).await?;
            protocols::sync_shipped(&pool).await?;
            integrity::convert_content(&pool).await?;
            // Settings move deadlines: the tables are the log's before anything is
            // counted from them.
            let altered = integrity::check_settings(&pool).await?;
            // A store made before agency identities gets one, once.
            trust::ensure_identity(&pool).await?;
            let profile = load_profile(&pool).await?;
            let closures = closure_dates(&pool).await?;
            let holidays = holidays::load(&pool).await?;
            let calendar = Calendar::with_data(profile.calendar, closures, holidays.as_ref())
                .map_err(|e| StoreError::Database(e.to_string()))?;
            Ok::<_, StoreError>((profile, calendar, holidays, altered))
        }
        .await;
        let (profile, calendar, holidays, altered) = match loaded {
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
            holidays,
            notices: altered_notice(&altered).into_iter().collect(),
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
            holidays: None,
            profile,
            notices: Vec::new(),
            lock,
        })
    }
}

/// What a lead is told when opening found settings altered outside Escalate.
fn altered_notice(found: &[escalate_core::model::Alteration]) -> Option<String> {
    if found.is_empty() {
        return None;
    }
    let fields: Vec<String> = found
        .iter()
        .map(|a| match &a.item {
            Some(item) => format!("{} ({item})", a.field),
            None => a.field.clone(),
        })
        .collect();
    Some(format!(
        "The store was altered outside Escalate: {} differed from the log. They are restored from the log, and the detection is logged; run `escalate audit verify`",
        fields.join(", ")
    ))
}
