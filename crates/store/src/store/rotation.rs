//! Key rotation's moving parts: a copy of the database under the new key, verified
//! before anything depends on it; and, at open, finishing or undoing a rotation that a
//! crash interrupted.
//!
//! The order that makes every crash point recoverable (see `Store::rotate_key`):
//! 1. `escalate.db.rotating`: the database exported under the new key, reopened with
//!    it, checked and flushed. The store in place is untouched.
//! 2. `key.json.next`: the new key wrapped by the passphrase, flushed with its folder;
//!    the new key also goes in the keyring under a second entry.
//! 3. `escalate.db.rotating` renamed over `escalate.db` — the commit point.
//! 4. `key.json.next` renamed over `key.json`.
//! 5. The keyring's main entry gets the new key; the second entry goes.
//!
//! With `key.json.next` present, whichever key opens `escalate.db` says whether step 3
//! happened: then the rotation is finished, else undone. Without it, any `rotating`
//! file is a copy that was never used, and goes.

use sqlx::Connection;
use zeroize::Zeroizing;

use super::*;
use crate::key::NEXT_KEY_FILE;

/// The new database while a rotation builds and checks it.
pub(super) const ROTATING: &str = "escalate.db.rotating";
/// SQLite's files beside it while it is open.
const ROTATING_SIDE_FILES: [&str; 3] = [
    "escalate.db.rotating-journal",
    "escalate.db.rotating-wal",
    "escalate.db.rotating-shm",
];
/// `key.json.next` while `KeyFile::write_next` writes it.
const NEXT_KEY_TMP: &str = "key.json.next.new";

/// Whether a rotation left files behind (a crash, or a process killed mid-way).
pub(super) fn interrupted(dir: &Path) -> bool {
    [NEXT_KEY_FILE, NEXT_KEY_TMP, ROTATING]
        .iter()
        .chain(ROTATING_SIDE_FILES.iter())
        .any(|f| dir.join(f).exists())
}

/// Remove the new database and its side files.
pub(super) fn remove_copy(dir: &Path) -> Result<(), StoreError> {
    for f in std::iter::once(&ROTATING).chain(ROTATING_SIDE_FILES.iter()) {
        fsx::remove_if_present(&dir.join(f))?;
    }
    Ok(())
}

/// Test-only fault injection (hidden, and harmless in use: it can only make a rotation
/// stop). `ESCALATE_TEST_FAULT=STEP` makes the rotation fail at STEP as an I/O error
/// would; `STEP:exit` ends the process there, as a crash or power cut would. Steps:
/// `attached`, `exported`, `verified`, `next-written`, `db-renamed`, `key-renamed`.
pub(super) fn fault(step: &str) -> Result<(), StoreError> {
    let Some(spec) = std::env::var_os("ESCALATE_TEST_FAULT") else {
        return Ok(());
    };
    let spec = spec.to_string_lossy();
    let (at, exit) = match spec.strip_suffix(":exit") {
        Some(at) => (at, true),
        None => (spec.as_ref(), false),
    };
    if at != step {
        return Ok(());
    }
    if exit {
        std::process::exit(86);
    }
    Err(StoreError::Io {
        path: format!("key rotation ({step})"),
        source: std::io::Error::other("fault injected for a test"),
    })
}

/// What the copy must match: the row count of every table, and the audit chain.
#[derive(Debug, PartialEq)]
pub(super) struct Snapshot {
    counts: Vec<(String, i64)>,
    audit_entries: u64,
    audit_head: String,
    audit_broken_at: Option<u64>,
}

async fn snapshot(conn: &mut SqliteConnection) -> Result<Snapshot, StoreError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = Vec::with_capacity(tables.len());
    for t in tables {
        // Table names come from the schema, not from input; quoted all the same.
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM main.\"{}\"",
            t.replace('"', "\"\"")
        ))
        .fetch_one(&mut *conn)
        .await?;
        counts.push((t, n));
    }
    let audit = audit::verify(conn).await?;
    Ok(Snapshot {
        counts,
        audit_entries: audit.entries,
        audit_head: audit.head,
        audit_broken_at: audit.first_broken.map(|b| b.position),
    })
}

/// Step 1a: export the store under `new` into a new owner-only file, through one
/// connection of its own (the store's pool is closed and the folder locked, so nothing
/// writes meanwhile). Returns what the copy must match.
pub(super) async fn export(
    dir: &Path,
    old: &DataKey,
    new: &DataKey,
) -> Result<Snapshot, StoreError> {
    let copy = dir.join(ROTATING);
    fsx::create_new(&copy).map_err(fsx::io_error(&copy))?;
    let mut conn = db::connect_one(&dir.join(DB_FILE), old, "WAL").await?;
    let exported = async {
        let mut key_text = Zeroizing::new(String::with_capacity(67));
        key_text.push_str("x'");
        key_text.push_str(&new.expose_hex());
        key_text.push('\'');
        sqlx::query("ATTACH DATABASE ? AS rotated KEY ?")
            .bind(copy.to_string_lossy().into_owned())
            .bind(key_text.as_str())
            .persistent(false)
            .execute(&mut conn)
            .await?;
        drop(key_text);
        fault("attached")?;
        sqlx::Executor::execute(
            &mut conn,
            sqlx::raw_sql(
                "PRAGMA rotated.journal_mode = DELETE; PRAGMA rotated.synchronous = FULL; \
                 SELECT sqlcipher_export('rotated'); DETACH DATABASE rotated;",
            ),
        )
        .await?;
        fault("exported")?;
        let snap = snapshot(&mut conn).await?;
        // Every committed page into escalate.db itself, so no -wal content is left to
        // be mistaken for the new file's once it takes the name.
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut conn)
            .await?;
        if busy != 0 {
            return Err(StoreError::Database(
                "the store's write-ahead log could not be folded in: another connection is reading it".to_owned(),
            ));
        }
        Ok(snap)
    }
    .await;
    let _ = conn.close().await;
    exported
}

/// Step 1b: reopen the copy with the new key only, check it (`quick_check`, the same
/// row count in every table, the same audit chain), append the rotation to its audit
/// trail, and flush it. Anything short of this and the copy is never used.
pub(super) async fn verify(
    dir: &Path,
    new: &DataKey,
    expected: &Snapshot,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let copy = dir.join(ROTATING);
    let bad = |what: String| {
        StoreError::Database(format!(
            "the re-encrypted copy failed its check ({what}); the store was left as it was"
        ))
    };
    let mut conn = db::connect_one(&copy, new, "DELETE").await?;
    let checked = async {
        let quick: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_all(&mut conn)
            .await?;
        if quick != ["ok"] {
            return Err(bad(format!("quick_check: {}", quick.join("; "))));
        }
        let got = snapshot(&mut conn).await?;
        if &got != expected {
            return Err(bad(
                "its tables or audit trail differ from the store's".to_owned()
            ));
        }
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        audit::append(&mut tx, change).await?;
        tx.commit().await?;
        let after = audit::verify(&mut conn).await?;
        if after.entries != expected.audit_entries + 1 {
            return Err(bad("the rotation's audit entry is missing".to_owned()));
        }
        // Switched to WAL now, while it is still a copy, so that opening it as the
        // store needs no write: the swap cannot be followed by a failure to open.
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode = WAL")
            .fetch_one(&mut conn)
            .await?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(bad(format!("its journal mode stayed {mode}")));
        }
        Ok(())
    }
    .await;
    let _ = conn.close().await;
    checked?;
    fsx::wait_until_closed(&copy).await?;
    for f in ROTATING_SIDE_FILES {
        if dir.join(f).exists() {
            return Err(bad(format!("{f} was left beside it")));
        }
    }
    fsx::sync_file(&copy)?;
    fault("verified")
}

/// Before the rename: no connection of this process may still be open on the old
/// database (a late close would delete `escalate.db-wal` by name, which by then is the
/// new file's), and its write-ahead log must be empty. Then its -wal and -shm files go.
pub(super) async fn release_old(dir: &Path) -> Result<(), StoreError> {
    let db_path = dir.join(DB_FILE);
    let wal = dir.join("escalate.db-wal");
    fsx::wait_until_closed(&db_path).await?;
    fsx::wait_until_closed(&wal).await?;
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(StoreError::Database(
            "the store's write-ahead log still holds pages; the key was not rotated".to_owned(),
        ));
    }
    fsx::remove_if_present(&wal)?;
    fsx::remove_if_present(&dir.join("escalate.db-shm"))?;
    Ok(())
}

/// At open, under the folder's exclusive lock: finish or undo a rotation a crash
/// interrupted. Returns a notice for the user when there was one to deal with.
pub(super) async fn recover(dir: &Path, unlock: Unlock<'_>) -> Result<Option<String>, StoreError> {
    let next_path = dir.join(NEXT_KEY_FILE);
    if !next_path.exists() {
        // The new key was never written, so the copy was never used.
        remove_copy(dir)?;
        fsx::remove_if_present(&dir.join(NEXT_KEY_TMP))?;
        fsx::sync_dir(dir)?;
        return Ok(None);
    }
    let key_file = KeyFile::read(dir)?;
    // key.json.next is written whole or not at all (write, flush, rename), so one that
    // does not read is damaged on disk: it can only be undone.
    let next = KeyFile::read_named(dir, NEXT_KEY_FILE)
        .ok()
        .flatten()
        .filter(|n| n.store_id == key_file.store_id);
    let id = key_file.store_id.clone();
    let mut candidates: Vec<DataKey> = Vec::new();
    let mut first_error = None;
    match unlock {
        Unlock::Key(k) => candidates.push(k.clone()),
        Unlock::Passphrase(p, _) => {
            for f in std::iter::once(&key_file).chain(next.iter()) {
                match f.unwrap_key(p) {
                    Ok(k) => candidates.push(k),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        Unlock::Keyring(keys) => {
            for entry in [id.clone(), next_entry(&id)] {
                match keys.get(&entry) {
                    Ok(Some(k)) => candidates.push(k),
                    Ok(None) => {}
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
    }
    let db_path = dir.join(DB_FILE);
    let mut opener = None;
    for k in candidates {
        if db::key_opens(&db_path, &k).await? {
            opener = Some(k);
            break;
        }
    }
    let Some(key) = opener else {
        return Err(match unlock {
            Unlock::Keyring(_) => first_error.unwrap_or(StoreError::PassphraseNeeded),
            Unlock::Passphrase(..) => first_error.unwrap_or(StoreError::NotADatabase {
                path: db_path.display().to_string(),
                why: "cannot be read with either key of an interrupted key rotation",
            }),
            Unlock::Key(_) => StoreError::KeyFile(
                "that key does not belong to this store: unlock with its recovery passphrase"
                    .to_owned(),
            ),
        });
    };
    let keys = match unlock {
        Unlock::Keyring(k) | Unlock::Passphrase(_, k) => Some(k),
        Unlock::Key(_) => None,
    };
    if next.as_ref().is_some_and(|n| n.matches(&key)) {
        // The new database is in place: finish.
        remove_copy(dir)?;
        std::fs::rename(&next_path, dir.join(KEY_FILE)).map_err(fsx::io_error(&next_path))?;
        fsx::sync_dir(dir)?;
        if let Some(keys) = keys {
            if keys.set(&id, &key).is_ok() {
                let _ = keys.delete(&next_entry(&id));
            }
        }
        Ok(Some(
            "a key rotation was interrupted after the store was re-encrypted; it has now been finished"
                .to_owned(),
        ))
    } else if key_file.matches(&key) {
        // The old database is still in place: undo.
        remove_copy(dir)?;
        fsx::remove_if_present(&next_path)?;
        fsx::remove_if_present(&dir.join(NEXT_KEY_TMP))?;
        fsx::sync_dir(dir)?;
        if let Some(keys) = keys {
            let _ = keys.delete(&next_entry(&id));
        }
        Ok(Some(
            "a key rotation was interrupted before it changed the store; it was undone and the store keeps its key: rotate again when ready"
                .to_owned(),
        ))
    } else {
        Err(StoreError::KeyFile(
            "the key that opens escalate.db matches neither key.json nor key.json.next: restore the store from a backup"
                .to_owned(),
        ))
    }
}
