//! Backups: one file holding `key.json` (passphrase-wrapped) and a consistent copy of
//! the encrypted database, made while the store is in use. Restoring verifies the
//! copy before anything is put in place, and only into an empty data folder.
//!
//! File layout: `ESCALATE-BACKUP\n`, `1\n`, the key file's length (u32, big-endian)
//! and bytes, the database's length (u64, big-endian) and bytes, then SHA-256 of
//! everything before it (32 bytes). A truncated or altered file is refused.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::db::DB_FILE;
use crate::error::StoreError;
use crate::key::{KeyFile, Passphrase, KEY_FILE};
use crate::keystore::KeyStore;
use crate::store::Store;

const MAGIC: &[u8] = b"ESCALATE-BACKUP\n1\n";

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Store {
    /// Write a backup to `out`, which must not exist yet. Returns its size in bytes.
    pub async fn backup(&self, out: &Path) -> Result<u64, StoreError> {
        if out.exists() {
            return Err(StoreError::invalid(
                "out",
                format!("{} already exists: choose a new file name", out.display()),
            ));
        }
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !parent.is_dir() {
            return Err(StoreError::invalid(
                "out",
                format!("the folder {} does not exist", parent.display()),
            ));
        }
        // The copy is made inside the data folder: it is encrypted with the data key,
        // and it never sits in a shared temporary folder.
        let copy = self.dir().join("backup-copy.db");
        let _ = std::fs::remove_file(&copy);
        let made = sqlx::query("VACUUM INTO ?")
            .bind(copy.to_string_lossy().into_owned())
            .execute(self.pool())
            .await;
        let result = async {
            made?;
            let db = std::fs::read(&copy).map_err(io(&copy))?;
            let key =
                std::fs::read(self.dir().join(KEY_FILE)).map_err(io(&self.dir().join(KEY_FILE)))?;
            let mut body = Vec::with_capacity(db.len() + key.len() + 64);
            body.extend_from_slice(MAGIC);
            body.extend_from_slice(&(key.len() as u32).to_be_bytes());
            body.extend_from_slice(&key);
            body.extend_from_slice(&(db.len() as u64).to_be_bytes());
            body.extend_from_slice(&db);
            let digest = Sha256::digest(&body);
            body.extend_from_slice(&digest);
            let tmp = out.with_extension("partial");
            {
                let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
                f.write_all(&body).map_err(io(&tmp))?;
                f.sync_all().map_err(io(&tmp))?;
            }
            std::fs::rename(&tmp, out).map_err(io(out))?;
            Ok::<u64, StoreError>(body.len() as u64)
        }
        .await;
        let _ = std::fs::remove_file(&copy);
        result
    }
}

struct Parsed<'a> {
    key_file: &'a [u8],
    db: &'a [u8],
}

fn parse(bytes: &[u8]) -> Result<Parsed<'_>, StoreError> {
    let bad = |why: &str| StoreError::BadBackup(why.to_owned());
    if bytes.len() < MAGIC.len() + 4 + 8 + 32 || !bytes.starts_with(MAGIC) {
        return Err(bad("it is not an Escalate backup file"));
    }
    let (body, digest) = bytes.split_at(bytes.len() - 32);
    if Sha256::digest(body).as_slice() != digest {
        return Err(bad(
            "it is damaged or incomplete (its checksum does not match)",
        ));
    }
    let mut at = MAGIC.len();
    let take = |at: &mut usize, n: usize| -> Result<&[u8], StoreError> {
        let s = body
            .get(*at..*at + n)
            .ok_or_else(|| bad("it is truncated"))?;
        *at += n;
        Ok(s)
    };
    let klen = u32::from_be_bytes(
        take(&mut at, 4)?
            .try_into()
            .map_err(|_| bad("bad length"))?,
    ) as usize;
    let key_file = take(&mut at, klen)?;
    let dlen = u64::from_be_bytes(
        take(&mut at, 8)?
            .try_into()
            .map_err(|_| bad("bad length"))?,
    ) as usize;
    let db = take(&mut at, dlen)?;
    if at != body.len() {
        return Err(bad("it has unexpected bytes at the end"));
    }
    Ok(Parsed { key_file, db })
}

/// Restore `file` into `dir`, which must be empty or not exist. The copy is opened,
/// checked (`integrity_check`, the audit chain, the schema) and only then put in place.
pub async fn restore(
    file: &Path,
    dir: &Path,
    passphrase: &Passphrase,
    keys: &dyn KeyStore,
) -> Result<Store, StoreError> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            return Err(StoreError::NotEmpty {
                dir: dir.display().to_string(),
            });
        }
    }
    let bytes = std::fs::read(file).map_err(io(file))?;
    let parsed = parse(&bytes)?;
    let key_file: KeyFile = serde_json::from_slice(parsed.key_file)
        .map_err(|e| StoreError::BadBackup(format!("its key file is unreadable ({e})")))?;
    let key = key_file.unwrap_key(passphrase)?;

    // Verify in a staging folder beside the target, then move into place.
    let staging = dir.with_extension("restoring");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(io(&staging))?;
    let checked = async {
        std::fs::write(staging.join(DB_FILE), parsed.db).map_err(io(&staging))?;
        key_file.write(&staging)?;
        let store = Store::open_with_key(&staging, &key)
            .await
            .map_err(|e| StoreError::BadBackup(e.to_string()))?;
        let integrity = store.integrity_check().await?;
        let audit = store.verify_audit().await?;
        store.close().await;
        if integrity != "ok" {
            return Err(StoreError::BadBackup(format!(
                "the database inside fails its integrity check ({integrity})"
            )));
        }
        if let Some(b) = audit.first_broken {
            return Err(StoreError::BadBackup(format!(
                "its audit trail is broken at entry {}: {}",
                b.position, b.reason
            )));
        }
        Ok(())
    }
    .await;
    if let Err(e) = checked {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for f in [DB_FILE, KEY_FILE] {
        std::fs::rename(staging.join(f), dir.join(f)).map_err(io(dir))?;
    }
    let _ = std::fs::remove_dir_all(&staging);
    let _ = keys.set(&key_file.store_id, &key);
    Store::open_with_key(dir, &key).await
}

pub use restore as restore_backup;
