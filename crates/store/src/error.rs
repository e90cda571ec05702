//! The store's errors. Each has a stable `code()` a front end can branch on and a
//! message that names the field and says what to do. None carries child data or keys.

use escalate_core::{
    EngineError, ErrorCode, FieldError, HolidayFileError, ProtocolErrors, ReplayError,
    TransitionError,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("there is no Escalate store in {dir}: run `escalate init` first, or give --data-dir")]
    NoStore { dir: String },
    #[error("{dir} already holds an Escalate store: use it, or choose an empty folder")]
    AlreadyExists { dir: String },
    #[error("{dir} is not empty: restore into an empty data folder so nothing is overwritten")]
    NotEmpty { dir: String },
    #[error("the recovery passphrase is wrong: check it and try again (nothing was changed)")]
    WrongPassphrase,
    #[error("the key could not be taken from the OS keyring ({reason}): unlock with the recovery passphrase instead (ESCALATE_PASSPHRASE or --passphrase-file)")]
    Keyring { reason: String },
    #[error("this store needs its recovery passphrase: the OS keyring has no key for it here. Give it with ESCALATE_PASSPHRASE or --passphrase-file")]
    PassphraseNeeded,
    #[error("{0}")]
    KeyFile(String),
    #[error("this build of Escalate has no SQLCipher encryption, so it would write records in plain text: it refuses to start. Install an official build")]
    NotEncrypted,
    #[error("the store was written by a newer version of Escalate (schema {found}, this version knows up to {known}): update Escalate; nothing was changed")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("the store could not be opened: {0}")]
    Open(String),
    #[error("the key was not rotated, and the store, key.json and the keyring are as they were: {0}. Check the free disk space and try again")]
    NotRotated(String),
    #[error("{dir} is in use: {why}")]
    Busy { dir: String, why: &'static str },
    #[error("{path} {why}. Nothing was changed: restore the store from a backup (`escalate restore`) into an empty folder")]
    NotADatabase { path: String, why: &'static str },
    #[error("no case with reference '{0}': check it with `escalate case list`")]
    NoCase(String),
    /// A case's log that cannot be read: changed outside Escalate, or damaged.
    #[error("the log of case {reference} cannot be read at audit entry {seq}: {why}. Run `escalate audit verify`, and restore a backup if it reports a break")]
    CaseLog {
        reference: String,
        seq: i64,
        why: String,
    },
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error("attachment: {name} is {size} bytes; the limit is {limit} bytes: attach a smaller file, or a summary of it")]
    AttachmentTooLarge { name: String, size: u64, limit: u64 },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the backup is not usable: {0}; nothing was changed")]
    BadBackup(String),
    #[error("could not make random numbers: {0}")]
    Random(String),
    #[error("database error: {0}")]
    Database(String),
    /// SQLite could not grow the store's file (SQLITE_FULL): the write's transaction was
    /// rolled back whole.
    #[error("the disk is full: nothing was saved. Free some space on the disk that holds the store, then try again")]
    DiskFull,
    /// A protocol file that cannot be installed: each problem as `file:line: field: message`.
    #[error("{0}")]
    ProtocolInvalid(ProtocolErrors),
    /// A bank-holiday file that cannot be imported: `file:line: field: message`.
    #[error("{0}")]
    HolidayFile(HolidayFileError),
    /// A refusal with its own code (a protocol in use, a shipped one, a version already
    /// installed), naming the input at fault where there is one.
    #[error("{}{message}", field.map(|f| format!("{f}: ")).unwrap_or_default())]
    Refused {
        code: ErrorCode,
        field: Option<&'static str>,
        message: String,
    },
}

impl StoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::Invalid { .. } => ErrorCode::FieldInvalid,
            StoreError::NoStore { .. } => ErrorCode::StoreMissing,
            StoreError::AlreadyExists { .. } => ErrorCode::StoreExists,
            StoreError::NotEmpty { .. } => ErrorCode::StoreNotEmpty,
            StoreError::WrongPassphrase => ErrorCode::KeyWrongPassphrase,
            StoreError::Keyring { .. } => ErrorCode::KeyKeyringUnavailable,
            StoreError::PassphraseNeeded => ErrorCode::KeyPassphraseNeeded,
            StoreError::KeyFile(_) => ErrorCode::KeyFile,
            StoreError::NotEncrypted => ErrorCode::StoreNotEncrypted,
            StoreError::SchemaTooNew { .. } => ErrorCode::StoreSchemaTooNew,
            StoreError::Open(_) => ErrorCode::StoreOpen,
            StoreError::Busy { .. } => ErrorCode::StoreBusy,
            StoreError::NotRotated(_) => ErrorCode::KeyNotRotated,
            StoreError::NotADatabase { .. } => ErrorCode::StoreNotADatabase,
            StoreError::NoCase(_) => ErrorCode::CaseNotFound,
            StoreError::CaseLog { .. } => ErrorCode::CaseLogInvalid,
            StoreError::Transition(e) => e.code(),
            StoreError::Engine(e) => e.code(),
            StoreError::Replay(e) => e.code(),
            StoreError::AttachmentTooLarge { .. } => ErrorCode::AttachmentTooLarge,
            StoreError::Io { .. } => ErrorCode::Io,
            StoreError::BadBackup(_) => ErrorCode::BackupInvalid,
            StoreError::Random(_) => ErrorCode::Random,
            StoreError::Database(_) => ErrorCode::Database,
            // The machine's trouble, not the input's: try again once space is freed.
            StoreError::DiskFull => ErrorCode::Io,
            StoreError::ProtocolInvalid(e) => e.code(),
            StoreError::HolidayFile(e) => e.code(),
            StoreError::Refused { code, .. } => *code,
        }
    }

    /// The input field at fault, where there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            StoreError::Invalid { field, .. } => Some(field),
            StoreError::Transition(e) => e.field(),
            StoreError::WrongPassphrase | StoreError::PassphraseNeeded => Some("passphrase"),
            StoreError::NoCase(_) => Some("reference"),
            StoreError::AttachmentTooLarge { .. } => Some("attachment"),
            StoreError::Refused { field, .. } => *field,
            _ => None,
        }
    }

    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The same error naming `to` where it named the field `from`: one lookup serves
    /// commands whose option for it has another name.
    pub(crate) fn renamed(self, from: &str, to: &'static str) -> StoreError {
        match self {
            StoreError::Invalid { field, message } if field == from => {
                StoreError::Invalid { field: to, message }
            }
            e => e,
        }
    }
}

impl From<FieldError> for StoreError {
    fn from(e: FieldError) -> Self {
        StoreError::Invalid {
            field: e.field,
            message: e.message,
        }
    }
}

/// SQLite's primary result code for a full disk (or a store at its page limit).
const SQLITE_FULL: i32 = 13;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        // SQLite gives "(code: 13) database or disk is full", which says neither that
        // the write was lost nor what to do. The code may be an extended one: its low
        // byte is the primary code.
        if let sqlx::Error::Database(db) = &e {
            let full = db
                .code()
                .and_then(|c| c.parse::<i32>().ok())
                .is_some_and(|c| c & 0xff == SQLITE_FULL);
            if full {
                return StoreError::DiskFull;
            }
        }
        // sqlx's messages name tables and constraints, never row values.
        StoreError::Database(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Database(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{Connection, Executor};

    /// A real SQLITE_FULL: an in-memory database held to two pages refuses to grow.
    #[tokio::test]
    async fn a_full_disk_says_nothing_was_saved_and_what_to_do() {
        let mut db = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        db.execute("CREATE TABLE t (x BLOB)").await.unwrap();
        db.execute("PRAGMA max_page_count = 2").await.unwrap();
        let e = db
            .execute("INSERT INTO t VALUES (zeroblob(100000))")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("(code: 13)"), "{e}");
        let e = StoreError::from(e);
        assert!(matches!(e, StoreError::DiskFull), "{e:?}");
        assert_eq!(e.code(), ErrorCode::Io);
        assert_eq!(
            e.to_string(),
            "the disk is full: nothing was saved. Free some space on the disk that holds the store, then try again"
        );
        // Any other database error keeps SQLite's words.
        let other = StoreError::from(db.execute("SELECT * FROM missing").await.unwrap_err());
        assert!(matches!(other, StoreError::Database(_)), "{other:?}");
    }
}
