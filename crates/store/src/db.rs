//! Opening the SQLCipher database: raw key, WAL, synchronous=FULL, foreign keys, a busy
//! timeout, the no-plaintext guard and the schema-version guard.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Row, SqlitePool};

use crate::error::StoreError;
use crate::key::DataKey;

pub const DB_FILE: &str = "escalate.db";

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The newest schema this binary knows.
pub fn known_schema() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Whether a `PRAGMA cipher_version` answer shows an encrypting build.
pub(crate) fn is_sqlcipher(cipher_version: Option<&str>) -> bool {
    cipher_version.is_some_and(|v| !v.trim().is_empty())
}

/// OpenSSL's flag for "do not register an atexit handler" (openssl/crypto.h).
const OPENSSL_INIT_NO_ATEXIT: u64 = 0x0008_0000;

extern "C" {
    // libcrypto is linked by SQLCipher (libsqlite3-sys, bundled-sqlcipher).
    fn OPENSSL_init_crypto(opts: u64, settings: *const std::ffi::c_void) -> std::ffi::c_int;
}

/// SQLCipher encrypts with OpenSSL's libcrypto. OpenSSL 3 frees its global state in an
/// atexit handler, while each sqlx worker thread frees its thread-local OpenSSL state
/// as it ends, just after acknowledging that its connection is closed. When a process
/// exits at that moment the two race and glibc aborts ("double free or corruption"),
/// seen about once in 150 runs under load. Initialising OpenSSL first, without the
/// atexit handler, removes the race; the operating system reclaims the memory at exit.
fn openssl_without_atexit() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: OPENSSL_init_crypto is thread-safe, takes a flag word and an optional
        // settings pointer (null: defaults), and is called before SQLCipher first uses
        // libcrypto, so the flag applies. Its return value only reports failure, in
        // which case OpenSSL initialises itself as usual on first use.
        #[allow(unsafe_code)]
        unsafe {
            OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, std::ptr::null());
        }
    });
}

/// Open a pool on `path`. `key: None` opens a plain SQLite file (benchmarks only).
pub(crate) async fn connect(
    path: &Path,
    key: Option<&DataKey>,
    create: bool,
) -> Result<SqlitePool, StoreError> {
    openssl_without_atexit();
    let mut opts = SqliteConnectOptions::from_str("sqlite:")
        .map_err(|e| StoreError::Open(e.to_string()))?
        .filename(path)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // 64 MiB of decrypted pages: the dashboard's scans stay in memory.
        .pragma("cache_size", "-65536")
        // Statements never go to a log: they could carry values.
        .disable_statement_logging();
    if let Some(key) = key {
        // Raw 256-bit key: no key derivation, so opening costs milliseconds.
        opts = opts.pragma("key", format!("\"x'{}'\"", key.expose_hex().as_str()));
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .min_connections(0)
        .connect_with(opts)
        .await
        .map_err(|e| StoreError::Open(e.to_string()))?;
    let version: Option<String> = sqlx::query_scalar("PRAGMA cipher_version")
        .fetch_optional(&pool)
        .await
        .map_err(|e| StoreError::Open(e.to_string()))?;
    if !is_sqlcipher(version.as_deref()) {
        pool.close().await;
        return Err(StoreError::NotEncrypted);
    }
    Ok(pool)
}

/// Look at an existing store before opening it for real, and refuse a build without
/// SQLCipher or a schema newer than this binary. After a clean close there is no WAL
/// content, so the look uses `immutable=1`: no -wal or -shm file is created and no lock
/// taken, and a refused open leaves every file exactly as it was. When an earlier
/// session ended without closing (a crash), its WAL holds committed records, so the
/// look reads through it, read-only.
pub(crate) async fn inspect(path: &Path, key: &DataKey) -> Result<(), StoreError> {
    use sqlx::Connection;
    openssl_without_atexit();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let clean = std::fs::metadata(&wal).map_or(true, |m| m.len() == 0);
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .immutable(clean)
        .read_only(true)
        .disable_statement_logging()
        .pragma("key", format!("\"x'{}'\"", key.expose_hex().as_str()));
    let mut conn = opts
        .connect()
        .await
        .map_err(|e| StoreError::Open(e.to_string()))?;
    let result = async {
        let version: Option<String> = sqlx::query_scalar("PRAGMA cipher_version")
            .fetch_optional(&mut conn)
            .await
            .map_err(|e| StoreError::Open(e.to_string()))?;
        if !is_sqlcipher(version.as_deref()) {
            return Err(StoreError::NotEncrypted);
        }
        let has_table: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(&mut conn)
        .await
        .map_err(|e| StoreError::Open(e.to_string()))?;
        if has_table.is_some() {
            let rows = sqlx::query("SELECT version FROM _sqlx_migrations WHERE success = 1")
                .fetch_all(&mut conn)
                .await?;
            let known = known_schema();
            for r in rows {
                let v: i64 = r.try_get("version")?;
                if MIGRATOR.iter().all(|m| m.version != v) {
                    return Err(StoreError::SchemaTooNew { found: v, known });
                }
            }
        }
        Ok(())
    }
    .await;
    let _ = conn.close().await;
    result
}

/// Bring the schema up to date.
pub(crate) async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_without_sqlcipher_is_recognised() {
        // A plain SQLite build answers `PRAGMA cipher_version` with no row at all.
        assert!(!is_sqlcipher(None));
        assert!(!is_sqlcipher(Some("")));
        assert!(is_sqlcipher(Some("4.5.7 community")));
    }
}
