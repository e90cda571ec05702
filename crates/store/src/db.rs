//! Opening the SQLCipher database: raw key, WAL, synchronous=FULL, foreign keys, a busy
//! timeout, the no-plaintext guard and the schema-version guard.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection, Row, SqliteConnection, SqlitePool};
use zeroize::Zeroizing;

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

/// How the connection settings are given once the key is in: WAL, every commit synced,
/// 64 MiB of decrypted pages so the dashboard's scans stay in memory. They read the
/// database header, so they cannot run before the key (as pool options would).
const SETTINGS: &str =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -65536;";

/// The `PRAGMA key` statement, in a string that is wiped when dropped.
fn key_statement(key: &DataKey) -> Zeroizing<String> {
    let hex = key.expose_hex();
    let mut s = Zeroizing::new(String::with_capacity(20 + hex.len()));
    s.push_str("PRAGMA key = \"x'");
    s.push_str(&hex);
    s.push_str("'\"");
    s
}

/// Give SQLCipher the raw 256-bit key (no key derivation: opening costs milliseconds).
///
/// Sent as a one-off statement rather than a pool option: sqlx keeps its options, and
/// any cached statement, as plain strings for the pool's lifetime. This way the only
/// copies left after the call are SQLCipher's own key context and the text sqlx copied
/// to hand the statement to its worker thread, freed (not wiped) once it ran.
pub(crate) async fn apply_key(
    conn: &mut SqliteConnection,
    key: &DataKey,
) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    let statement = key_statement(key);
    // Through `Executor::execute`: `RawSql::execute`'s future is not `Send` for every
    // lifetime, which the app's command futures need.
    conn.execute(sqlx::raw_sql(&statement)).await?;
    Ok(())
}

/// Key a new pooled connection, then apply the settings.
async fn configure(
    conn: &mut SqliteConnection,
    key: Arc<Option<DataKey>>,
) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    let statement = key.as_ref().as_ref().map(key_statement);
    drop(key);
    if let Some(statement) = statement {
        conn.execute(sqlx::raw_sql(&statement)).await?;
    }
    conn.execute(sqlx::raw_sql(SETTINGS)).await?;
    Ok(())
}

fn base_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Statements never go to a log: they could carry values.
        .disable_statement_logging()
}

/// Open a pool on `path`. `key: None` opens a plain SQLite file (benchmarks only).
pub(crate) async fn connect(
    path: &Path,
    key: Option<&DataKey>,
    create: bool,
) -> Result<SqlitePool, StoreError> {
    openssl_without_atexit();
    let opts = base_options(path).create_if_missing(create);
    // The pool keeps the key (wiped on drop) to key each new connection.
    let key: Arc<Option<DataKey>> = Arc::new(key.cloned());
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .min_connections(0)
        .after_connect(move |conn, _| Box::pin(configure(conn, Arc::clone(&key))))
        .connect_with(opts)
        .await
        .map_err(|e| open_error(path, e))?;
    let version: Option<String> = sqlx::query_scalar("PRAGMA cipher_version")
        .fetch_optional(&pool)
        .await
        .map_err(|e| StoreError::Open(e.to_string()))?;
    if !is_sqlcipher(version.as_deref()) {
        close_pool(&pool).await;
        return Err(StoreError::NotEncrypted);
    }
    Ok(pool)
}

/// Close every connection of `pool` before returning, the last one alone, so that
/// SQLite folds the write-ahead log into `escalate.db` and removes the -wal and -shm
/// files. A store closed this way is one file (plus `key.json` and the lock file) that
/// nothing changes until it is opened again.
///
/// SQLite folds the log only in the connection that closes while no other connection
/// has the file open: it must get an exclusive lock. sqlx closes a pool's connections
/// from more than one task at once (`Pool::close` closes the idle ones while the task
/// giving back the connection used last closes that one), on their own threads; two
/// closing together each see the other open, neither folds the log, and the files stay
/// behind for the next open to change. So one connection is taken out of the pool
/// first, every other one is closed and waited for, and then that one closes alone.
///
/// Another Escalate with the store open keeps the log, correctly: it folds it when it
/// closes last.
pub(crate) async fn close_pool(pool: &SqlitePool) {
    // Detached, the connection no longer counts in the pool, which can then close.
    let last = if pool.is_closed() {
        None
    } else {
        pool.acquire().await.ok().map(|c| c.detach())
    };
    drain(pool).await;
    if let Some(last) = last {
        let _ = last.close().await;
    }
}

/// Close every connection still in `pool`. sqlx's `Pool::close` can return while a
/// connection that was being given back lands in the idle list afterwards, still open;
/// closing again closes it. A connection leaves the pool's count only once its close
/// has returned, when SQLite has let go of the file. Bounded: ten seconds at most.
async fn drain(pool: &SqlitePool) {
    let started = std::time::Instant::now();
    loop {
        pool.close().await;
        if pool.size() == 0 || started.elapsed() > Duration::from_secs(10) {
            return;
        }
        tokio::task::yield_now().await;
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// One keyed connection outside any pool, for rotation: `journal` is the journal mode
/// (`WAL` for the store in place, `DELETE` for a new file, so that once it is closed
/// everything is in the one file that will be renamed).
pub(crate) async fn connect_one(
    path: &Path,
    key: &DataKey,
    journal: &'static str,
) -> Result<SqliteConnection, StoreError> {
    openssl_without_atexit();
    let mut conn = base_options(path)
        .create_if_missing(false)
        .connect()
        .await
        .map_err(|e| open_error(path, e))?;
    let set = async {
        apply_key(&mut conn, key).await?;
        sqlx::Executor::execute(
            &mut conn,
            sqlx::raw_sql(match journal {
                "DELETE" => "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL;",
                _ => SETTINGS,
            }),
        )
        .await?;
        Ok::<(), sqlx::Error>(())
    }
    .await;
    if let Err(e) = set {
        let _ = conn.close().await;
        return Err(open_error(path, e));
    }
    Ok(conn)
}

/// SQLite's "file is not a database": a wrong key, or not a SQLCipher file.
fn is_not_a_database(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.code().as_deref() == Some("26") || d.message().contains("file is not a database")
        }
        _ => false,
    }
}

fn open_error(path: &Path, e: sqlx::Error) -> StoreError {
    if is_not_a_database(&e) {
        StoreError::NotADatabase {
            path: path.display().to_string(),
            why: "cannot be read with this store's key: it is damaged, or it is not this store's database",
        }
    } else {
        StoreError::Open(e.to_string())
    }
}

/// The first bytes of a plain (unencrypted) SQLite file. A SQLCipher file starts with
/// its random salt instead.
const PLAIN_SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";
/// The smallest page SQLCipher writes; a database is at least one page.
const MIN_PAGE: u64 = 512;

/// Look at `escalate.db` before any connection, which would write a schema into an
/// empty file or a plain SQLite one: refuse an empty, too short or unencrypted file,
/// reading 16 bytes and writing nothing.
pub(crate) fn check_file(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let refuse = |why| StoreError::NotADatabase {
        path: path.display().to_string(),
        why,
    };
    let mut f = std::fs::File::open(path).map_err(|source| StoreError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let meta = f.metadata().map_err(|source| StoreError::Io {
        path: path.display().to_string(),
        source,
    })?;
    if !meta.is_file() {
        return Err(refuse("is not a file"));
    }
    if meta.len() == 0 {
        return Err(refuse("is empty, so it is not an Escalate database"));
    }
    if meta.len() < MIN_PAGE {
        return Err(refuse("is too short to be an Escalate database"));
    }
    let mut head = [0u8; 16];
    f.read_exact(&mut head).map_err(|source| StoreError::Io {
        path: path.display().to_string(),
        source,
    })?;
    if &head == PLAIN_SQLITE_HEADER {
        return Err(refuse(
            "is a plain, unencrypted SQLite database, not an encrypted Escalate store",
        ));
    }
    Ok(())
}

/// `escalate.db-wal` and the like: SQLite's files beside the database.
fn side_file(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// The write-ahead log's header and each frame's (https://sqlite.org/walformat.html).
const WAL_HEADER: usize = 32;
const WAL_FRAME_HEADER: u64 = 24;

/// Whether SQLite would read anything from the write-ahead log: a header it accepts
/// and at least one whole frame after it. A crash before the first page is written
/// leaves a header alone, and a crash while the header is rewritten a torn one; SQLite
/// reads neither. Read directly: SQLite takes no lock on this file, so opening and
/// closing it here cannot drop one of this process's locks.
fn log_has_frames(path: &Path) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(side_file(path, "-wal")) else {
        return false;
    };
    let mut header = [0u8; WAL_HEADER];
    match (f.metadata(), f.read_exact(&mut header)) {
        (Ok(meta), Ok(())) => wal_header_has_frames(&header, meta.len()),
        _ => false,
    }
}

/// `header` checked as SQLite checks it when it reads a log of `len` bytes: magic,
/// version, page size and checksum, and room for one frame.
fn wal_header_has_frames(header: &[u8; WAL_HEADER], len: u64) -> bool {
    let word = |at: usize, big: bool| {
        let b = [header[at], header[at + 1], header[at + 2], header[at + 3]];
        if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    let magic = word(0, true);
    let page = u64::from(word(8, true));
    if magic & !1 != 0x377f_0682
        || word(4, true) != 3_007_000
        || !page.is_power_of_two()
        || !(512..=65536).contains(&page)
        || len < WAL_HEADER as u64 + WAL_FRAME_HEADER + page
    {
        return false;
    }
    // The first 24 bytes summed as 32-bit words, in the byte order the magic's low bit
    // names, two at a time.
    let big = magic & 1 == 1;
    let (mut s1, mut s2) = (0u32, 0u32);
    for at in (0..24).step_by(8) {
        s1 = s1.wrapping_add(word(at, big)).wrapping_add(s2);
        s2 = s2.wrapping_add(word(at + 4, big)).wrapping_add(s1);
    }
    s1 == word(24, true) && s2 == word(28, true)
}

/// `path` as an SQLite URI (https://sqlite.org/uri.html) with `query`, every byte but
/// letters and digits percent-encoded, as sqlx writes its own. `None` when the path is
/// not UTF-8, which sqlx cannot open anyway.
fn sqlite_uri(path: &Path, query: &str) -> Option<String> {
    use std::fmt::Write;
    let text = path.to_str()?;
    let mut uri = String::with_capacity(6 + 3 * text.len() + query.len());
    uri.push_str("file:");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            uri.push(char::from(b));
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    uri.push('?');
    uri.push_str(query);
    Some(uri)
}

/// A read-only keyed connection that has read the schema, writing nothing, so a store
/// it refuses is left byte for byte as it was. A key that does not decrypt the file is
/// `NotADatabase`; a build without SQLCipher, `NotEncrypted`.
///
/// When the log holds nothing (after a clean close there is none) it uses
/// `immutable=1`: no -wal or -shm file is created and no lock taken. When a session
/// ended without closing (a crash), or another Escalate has the store open, the log
/// holds committed records, so it reads through it; but a read-only connection still
/// writes SQLite's index of the log (the -shm file), truncating and rebuilding it when
/// it is the first to attach. `readonly_shm=1` opens that file read-only: SQLite then
/// reads the log into private memory instead (or uses the live index of the Escalate
/// that has it open), and writes nothing.
///
/// Should that fail (the index file is missing, which only a hand can do, or goes while
/// this looks, as the last connection elsewhere closes and folds the log away), it looks
/// again as any reader would: through the log if there still is one, making its index.
async fn look(path: &Path, key: &DataKey) -> Result<SqliteConnection, StoreError> {
    openssl_without_atexit();
    let options = || {
        SqliteConnectOptions::new()
            .create_if_missing(false)
            .read_only(true)
            .disable_statement_logging()
    };
    if log_has_frames(path) && side_file(path, "-shm").is_file() {
        if let Some(uri) = sqlite_uri(path, "readonly_shm=1") {
            match read_schema(options().filename(uri), path, key).await {
                Err(StoreError::Open(_)) => {}
                looked => return looked,
            }
        }
    }
    let opts = if log_has_frames(path) {
        options().filename(path)
    } else {
        options().filename(path).immutable(true)
    };
    read_schema(opts, path, key).await
}

/// Connect with `opts`, give the key and read the schema: the first read, where a key
/// that does not decrypt the file fails.
async fn read_schema(
    opts: SqliteConnectOptions,
    path: &Path,
    key: &DataKey,
) -> Result<SqliteConnection, StoreError> {
    let mut conn = opts.connect().await.map_err(|e| open_error(path, e))?;
    let read = async {
        apply_key(&mut conn, key)
            .await
            .map_err(|e| open_error(path, e))?;
        let version: Option<String> = sqlx::query_scalar("PRAGMA cipher_version")
            .fetch_optional(&mut conn)
            .await
            .map_err(|e| StoreError::Open(e.to_string()))?;
        if !is_sqlcipher(version.as_deref()) {
            return Err(StoreError::NotEncrypted);
        }
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_master")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| open_error(path, e))?;
        Ok(())
    }
    .await;
    match read {
        Ok(()) => Ok(conn),
        Err(e) => {
            let _ = conn.close().await;
            Err(e)
        }
    }
}

/// Whether `key` decrypts the database at `path`, changing nothing. For finishing an
/// interrupted rotation, where two keys are candidates.
pub(crate) async fn key_opens(path: &Path, key: &DataKey) -> Result<bool, StoreError> {
    check_file(path)?;
    match look(path, key).await {
        Ok(conn) => {
            let _ = conn.close().await;
            Ok(true)
        }
        Err(StoreError::NotADatabase { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Look at an existing store before opening it for real, changing nothing: refuse a
/// file that is not an encrypted Escalate database (empty, plain SQLite, another key,
/// no schema), a build without SQLCipher, or a schema newer than this binary.
pub(crate) async fn inspect(path: &Path, key: &DataKey) -> Result<(), StoreError> {
    check_file(path)?;
    let mut conn = look(path, key).await?;
    let result = async {
        let has_table: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(&mut conn)
        .await
        .map_err(|e| open_error(path, e))?;
        if has_table.is_none() {
            return Err(StoreError::NotADatabase {
                path: path.display().to_string(),
                why: "holds no Escalate schema",
            });
        }
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
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn the_key_is_not_kept_in_the_pool_options() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let key = DataKey::generate().unwrap();
        let hex = key.expose_hex();
        // Debug shows every pragma an option set would keep: the old way would show it.
        let old_way = SqliteConnectOptions::new().pragma("key", format!("\"x'{}'\"", hex.as_str()));
        assert!(format!("{old_way:?}").contains(hex.as_str()));

        let pool = connect(&path, Some(&key), true).await.unwrap();
        sqlx::query("CREATE TABLE t (x TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        // Several connections at once: each one is keyed as it is made.
        let mut a = pool.acquire().await.unwrap();
        let mut b = pool.acquire().await.unwrap();
        sqlx::query("INSERT INTO t VALUES ('a')")
            .execute(&mut *a)
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
            .fetch_one(&mut *b)
            .await
            .unwrap();
        assert_eq!(n, 1);
        drop((a, b));
        assert!(!format!("{:?}", pool.connect_options()).contains(hex.as_str()));
        close_pool(&pool).await;
        // And the file really is keyed: the wrong key cannot read it.
        assert!(key_opens(&path, &key).await.unwrap());
        assert!(!key_opens(&path, &DataKey::generate().unwrap())
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_log_counts_only_with_a_sound_header_and_a_whole_frame() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let key = DataKey::generate().unwrap();
        let pool = connect(&path, Some(&key), true).await.unwrap();
        assert!(!log_has_frames(&path));
        sqlx::query("CREATE TABLE t (x TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        assert!(log_has_frames(&path));
        let wal = std::fs::read(side_file(&path, "-wal")).unwrap();
        close_pool(&pool).await;
        assert!(!side_file(&path, "-wal").exists(), "the close folded it");

        let copy = dir.path().join("copy.db");
        let with_log = |bytes: &[u8]| {
            std::fs::write(side_file(&copy, "-wal"), bytes).unwrap();
            log_has_frames(&copy)
        };
        assert!(with_log(&wal));
        // What a crash leaves before the first page, or part way through one.
        assert!(!with_log(&wal[..WAL_HEADER]));
        assert!(!with_log(&wal[..WAL_HEADER + 100]));
        // A torn header: its checksum no longer matches.
        for at in [0, 4, 8, 16, 24, 31] {
            let mut torn = wal.clone();
            torn[at] ^= 0x01;
            assert!(!with_log(&torn), "byte {at}");
        }
        assert!(!with_log(b""));
        std::fs::remove_file(side_file(&copy, "-wal")).unwrap();
        assert!(!log_has_frames(&copy));
    }

    #[test]
    fn a_build_without_sqlcipher_is_recognised() {
        // A plain SQLite build answers `PRAGMA cipher_version` with no row at all.
        assert!(!is_sqlcipher(None));
        assert!(!is_sqlcipher(Some("")));
        assert!(is_sqlcipher(Some("4.5.7 community")));
    }
}
