//! Backups: one file holding `key.json` (passphrase-wrapped) and a consistent copy of
//! the encrypted database, made while the store is in use. Restoring verifies the
//! copy before anything is put in place, and only into an empty data folder.
//!
//! File layout: `ESCALATE-BACKUP\n`, `1\n`, the key file's length (u32, big-endian)
//! and bytes, the database's length (u64, big-endian) and bytes, then SHA-256 of
//! everything before it (32 bytes). A truncated or altered file is refused.
//!
//! The checksum is not keyed: anyone can write a file that passes it. What protects a
//! restore from a crafted backup is that every length is checked against the file's
//! size before it is used, nothing is read whole into memory (the database is streamed
//! to disk), and the key file's fields (Argon2id's costs included) are bounded before
//! any key derivation.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::db::DB_FILE;
use crate::error::StoreError;
use crate::fsx::{self, io_error as io};
use crate::key::{KeyFile, Passphrase, KEY_FILE, MAX_KEY_FILE_BYTES};
use crate::keystore::KeyStore;
use crate::lock::{DirLock, Mode, Purpose, LOCK_FILE};
use crate::store::Store;

const MAGIC: &[u8] = b"ESCALATE-BACKUP\n1\n";
const DIGEST_BYTES: u64 = 32;
/// Everything in a backup that is not the key file or the database.
const OVERHEAD: u64 = MAGIC.len() as u64 + 4 + 8 + DIGEST_BYTES;
/// Largest backup restored: far beyond any lead's store (attachments are at most
/// 10 MiB each), and refused from the file's size before anything is read.
pub const MAX_BACKUP_BYTES: u64 = 32 * 1024 * 1024 * 1024;
/// Chunk the database is streamed in.
const CHUNK: usize = 64 * 1024;

fn bad(why: &str) -> StoreError {
    StoreError::BadBackup(why.to_owned())
}

/// A writer that feeds everything through the checksum on its way to `inner`.
struct Hashing<'a, W> {
    inner: W,
    hasher: &'a mut Sha256,
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Store {
    /// Write a backup to `out`, which must not exist yet. Returns its size in bytes.
    /// The database is streamed, never held in memory whole.
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
        // and it never sits in a shared temporary folder. Made owner-only and empty
        // first, since VACUUM INTO would create it with the umask's mode.
        let copy = self.dir().join("backup-copy.db");
        fsx::remove_if_present(&copy)?;
        fsx::create_new(&copy).map_err(io(&copy))?;
        let made = sqlx::query("VACUUM INTO ?")
            .bind(copy.to_string_lossy().into_owned())
            .execute(self.pool())
            .await;
        let tmp = partial_name(out)?;
        let result = async {
            made?;
            let key = KeyFile::read_bytes(self.dir(), KEY_FILE)?.ok_or_else(|| {
                StoreError::KeyFile(format!(
                    "{KEY_FILE} is missing from the data folder: restore it from a backup"
                ))
            })?;
            let mut db = std::fs::File::open(&copy).map_err(io(&copy))?;
            let db_len = db.metadata().map_err(io(&copy))?.len();
            let key_len = u32::try_from(key.len()).map_err(|_| bad("key.json is too large"))?;
            let mut f = fsx::create_new(&tmp).map_err(io(&tmp))?;
            let mut hasher = Sha256::new();
            let mut w = Hashing {
                inner: &mut f,
                hasher: &mut hasher,
            };
            w.write_all(MAGIC).map_err(io(&tmp))?;
            w.write_all(&key_len.to_be_bytes()).map_err(io(&tmp))?;
            w.write_all(&key).map_err(io(&tmp))?;
            w.write_all(&db_len.to_be_bytes()).map_err(io(&tmp))?;
            let copied = std::io::copy(&mut (&mut db).take(db_len), &mut w).map_err(io(&tmp))?;
            if copied != db_len {
                return Err(StoreError::Io {
                    path: copy.display().to_string(),
                    source: std::io::Error::other("the database copy changed while it was read"),
                });
            }
            let digest = hasher.finalize();
            f.write_all(&digest).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
            drop(f);
            std::fs::rename(&tmp, out).map_err(io(out))?;
            fsx::sync_dir(parent)?;
            Ok::<u64, StoreError>(OVERHEAD + u64::from(key_len) + db_len)
        }
        .await;
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        let _ = std::fs::remove_file(&copy);
        result
    }
}

/// A fresh name beside `out` for the backup while it is written.
fn partial_name(out: &Path) -> Result<PathBuf, StoreError> {
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|e| StoreError::Random(e.to_string()))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".to_owned());
    Ok(out.with_file_name(format!(".{name}.partial-{}", hex::encode(suffix))))
}

/// A backup's header, read and checked against the file's size.
struct Header {
    key_file: KeyFile,
    key_bytes: Vec<u8>,
    db_len: u64,
    hasher: Sha256,
}

fn read_exact(r: &mut impl Read, buf: &mut [u8]) -> Result<(), StoreError> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => bad("it is truncated"),
        _ => StoreError::BadBackup(format!("it could not be read ({e})")),
    })
}

/// Read the header of a backup of `len` bytes: every length is checked against `len`
/// before anything is allocated or read by it.
fn read_header(r: &mut impl Read, len: u64) -> Result<Header, StoreError> {
    if len > MAX_BACKUP_BYTES {
        return Err(StoreError::BadBackup(format!(
            "it is {len} bytes, more than the {MAX_BACKUP_BYTES} a backup can be"
        )));
    }
    if len < OVERHEAD {
        return Err(bad("it is not an Escalate backup file"));
    }
    let mut hasher = Sha256::new();
    let mut magic = [0u8; MAGIC.len()];
    read_exact(r, &mut magic)?;
    if magic != MAGIC {
        return Err(bad("it is not an Escalate backup file"));
    }
    hasher.update(magic);
    let mut word = [0u8; 4];
    read_exact(r, &mut word)?;
    hasher.update(word);
    let key_len = u64::from(u32::from_be_bytes(word));
    if key_len > MAX_KEY_FILE_BYTES || key_len > len - OVERHEAD {
        return Err(bad(
            "its key file's length does not fit the file: it is damaged or not an Escalate backup",
        ));
    }
    let mut key_bytes = vec![0u8; key_len as usize];
    read_exact(r, &mut key_bytes)?;
    hasher.update(&key_bytes);
    let mut long = [0u8; 8];
    read_exact(r, &mut long)?;
    hasher.update(long);
    let db_len = u64::from_be_bytes(long);
    if Some(db_len) != (len - OVERHEAD).checked_sub(key_len) {
        return Err(bad(
            "its database's length does not match the file's size: it is truncated or damaged",
        ));
    }
    let key_file = KeyFile::parse(&key_bytes, "the backup's key.json").map_err(|e| match e {
        StoreError::KeyFile(m) => StoreError::BadBackup(m),
        other => other,
    })?;
    Ok(Header {
        key_file,
        key_bytes,
        db_len,
        hasher,
    })
}

/// Stream the database to `sink` and check the checksum over the whole file.
fn copy_database(
    r: &mut impl Read,
    header: &mut Header,
    sink: impl Write,
) -> Result<(), StoreError> {
    let mut w = Hashing {
        inner: sink,
        hasher: &mut header.hasher,
    };
    let mut buf = vec![0u8; CHUNK];
    let mut left = header.db_len;
    while left > 0 {
        let want = usize::try_from(left.min(CHUNK as u64)).unwrap_or(CHUNK);
        let chunk = buf
            .get_mut(..want)
            .ok_or_else(|| bad("it could not be read"))?;
        read_exact(r, chunk)?;
        w.write_all(chunk).map_err(|e| {
            StoreError::BadBackup(format!("its database could not be written out ({e})"))
        })?;
        left -= want as u64;
    }
    w.flush().map_err(|e| {
        StoreError::BadBackup(format!("its database could not be written out ({e})"))
    })?;
    let mut digest = [0u8; DIGEST_BYTES as usize];
    read_exact(r, &mut digest)?;
    if header.hasher.clone().finalize().as_slice() != digest {
        return Err(bad(
            "it is damaged or incomplete (its checksum does not match)",
        ));
    }
    Ok(())
}

/// Check a backup container held in memory (for tests of the parser): every check a
/// restore makes before it needs the passphrase, with the database thrown away.
#[doc(hidden)]
pub fn check_container(bytes: &[u8]) -> Result<KeyFile, StoreError> {
    let mut r = bytes;
    let mut header = read_header(&mut r, bytes.len() as u64)?;
    copy_database(&mut r, &mut header, std::io::sink())?;
    Ok(header.key_file)
}

fn is_empty_dir(dir: &Path, allow: &[&str]) -> Result<bool, StoreError> {
    if !dir.exists() {
        return Ok(true);
    }
    for e in std::fs::read_dir(dir).map_err(io(dir))? {
        let e = e.map_err(io(dir))?;
        if !allow.iter().any(|a| e.file_name() == **a) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Restore `file` into `dir`, which must be empty or not exist. The copy is written to
/// a new staging folder of its own beside `dir`, opened, checked (`integrity_check`,
/// the audit chain, the schema) and only then put in place. On failure nothing is left
/// behind, and no file or folder that was there before is touched.
pub async fn restore(
    file: &Path,
    dir: &Path,
    passphrase: &Passphrase,
    keys: &dyn KeyStore,
) -> Result<Store, StoreError> {
    let not_empty = || StoreError::NotEmpty {
        dir: dir.display().to_string(),
    };
    if !is_empty_dir(dir, &[])? {
        return Err(not_empty());
    }
    let mut reader = std::fs::File::open(file).map_err(io(file))?;
    let len = reader.metadata().map_err(io(file))?.len();
    let mut header = read_header(
        &mut std::io::BufReader::new(&mut reader).take(OVERHEAD + MAX_KEY_FILE_BYTES),
        len,
    )?;
    // The header was read through a buffer: start again after it, exactly.
    let after_header = OVERHEAD - DIGEST_BYTES + header.key_bytes.len() as u64;
    use std::io::Seek;
    reader
        .seek(std::io::SeekFrom::Start(after_header))
        .map_err(io(file))?;

    let made_dir = fsx::create_dir_all(dir)?;
    let had_lock_file = dir.join(LOCK_FILE).exists();
    let lock = match DirLock::acquire(dir, Mode::Exclusive, Purpose::Restore) {
        Ok(l) => l,
        Err(e) => {
            if made_dir {
                let _ = std::fs::remove_dir(dir);
            }
            return Err(e);
        }
    };
    let undo = |lock: DirLock| {
        if had_lock_file {
            drop(lock);
        } else {
            lock.remove();
        }
        if made_dir {
            let _ = std::fs::remove_dir(dir);
        }
    };
    // Checked again under the lock: another restore or creation may have got there.
    if !is_empty_dir(dir, &[LOCK_FILE])? {
        drop(lock);
        return Err(not_empty());
    }
    let staging = match fsx::create_unique_dir(dir, "restoring") {
        Ok(s) => s,
        Err(e) => {
            undo(lock);
            return Err(e);
        }
    };
    let staged = stage(&mut reader, &mut header, &staging, passphrase).await;
    let key = match staged {
        Ok(key) => key,
        Err(e) => {
            // The staging folder is this restore's own: made by it, under a name no
            // one else had.
            let _ = std::fs::remove_dir_all(&staging);
            undo(lock);
            return Err(e);
        }
    };
    let moved = (|| {
        // The database first and key.json last: a store is there once key.json is.
        for f in [DB_FILE, KEY_FILE] {
            std::fs::rename(staging.join(f), dir.join(f)).map_err(io(dir))?;
        }
        fsx::sync_dir(dir)
    })();
    let _ = std::fs::remove_dir_all(&staging);
    if let Err(e) = moved {
        for f in [DB_FILE, KEY_FILE] {
            let _ = std::fs::remove_file(dir.join(f));
        }
        undo(lock);
        return Err(e);
    }
    let _ = keys.set(&header.key_file.store_id, &key);
    let mut lock = lock;
    lock.downgrade()?;
    Store::open_locked(dir, &key, lock).await
}

/// Write the backup's database and key file into `staging` and check them there.
async fn stage(
    reader: &mut std::fs::File,
    header: &mut Header,
    staging: &Path,
    passphrase: &Passphrase,
) -> Result<crate::key::DataKey, StoreError> {
    let db_path = staging.join(DB_FILE);
    let mut db = fsx::create_new(&db_path).map_err(io(&db_path))?;
    copy_database(
        &mut std::io::BufReader::with_capacity(CHUNK, reader),
        header,
        &mut db,
    )?;
    db.sync_all().map_err(io(&db_path))?;
    drop(db);
    let key = header.key_file.unwrap_key(passphrase)?;
    fsx::write_atomic(staging, KEY_FILE, &header.key_bytes)?;
    let store = Store::open_with_key(staging, &key)
        .await
        .map_err(|e| StoreError::BadBackup(e.to_string()))?;
    let checked = async {
        let integrity = store.integrity_check().await?;
        if integrity != "ok" {
            return Err(StoreError::BadBackup(format!(
                "the database inside fails its integrity check ({integrity})"
            )));
        }
        let audit = store.verify_audit().await?;
        if let Some(b) = audit.first_broken {
            return Err(StoreError::BadBackup(format!(
                "its audit trail is broken at entry {}: {}",
                b.position, b.reason
            )));
        }
        Ok(())
    }
    .await;
    store.close().await;
    checked?;
    // The file is about to move: no handle on it may outlive the check.
    fsx::wait_until_closed(&db_path).await?;
    // The staging store's lock file stays behind with the staging folder.
    Ok(key)
}

pub use restore as restore_backup;
