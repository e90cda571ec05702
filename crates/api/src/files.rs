//! Files a person names (a protocol, a stage record, a passphrase, the Board's identity),
//! read through a bound: a device (`/dev/zero`), a pipe or a huge file is refused from
//! its metadata before a byte is read, and a file that grows while it is read is cut
//! off one byte past the limit and refused, so nothing is held in memory unbounded.
//! Refusals name the file and the limit, never its content, and carry no field: the
//! path is the subject of the message.

use std::io::Read;
use std::path::Path;

use escalate_core::holiday_data::MAX_HOLIDAY_FILE_BYTES;
use escalate_core::model::MAX_STAGE_RECORD_JSON_BYTES;
use escalate_core::protocol::MAX_PROTOCOL_FILE_BYTES;
use escalate_core::ErrorCode;
use zeroize::Zeroizing;

use crate::{ApiError, ApiResult};

/// What a kind of file may hold at most, and how a refusal words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub limit: u64,
    /// The kind of file, after "give": "a protocol file (.toml)".
    pub what: &'static str,
    /// The limit for people: "1 MiB".
    pub limit_words: &'static str,
}

pub const PROTOCOL_FILE: Bound = Bound {
    limit: MAX_PROTOCOL_FILE_BYTES as u64,
    what: "a protocol file (.toml)",
    limit_words: "1 MiB",
};

pub const HOLIDAY_FILE: Bound = Bound {
    limit: MAX_HOLIDAY_FILE_BYTES as u64,
    what: "a bank-holiday file (GOV.UK's bank-holidays.json)",
    limit_words: "1 MiB",
};

pub const STAGE_RECORD_FILE: Bound = Bound {
    limit: MAX_STAGE_RECORD_JSON_BYTES as u64,
    what: "a stage record file (JSON)",
    limit_words: "1 MiB",
};

/// A secret holds a line or two: a larger file is not one, and reading it whole would
/// let a wrong choice fill memory.
pub const SECRET_LIMIT: u64 = 64 * 1024;

pub const PASSPHRASE_FILE: Bound = Bound {
    limit: SECRET_LIMIT,
    what: "a passphrase file",
    limit_words: "64 KiB",
};

pub const IDENTITY_FILE: Bound = Bound {
    limit: SECRET_LIMIT,
    what: "an age identity file (AGE-SECRET-KEY-1…)",
    limit_words: "64 KiB",
};

/// A file's text, through `bound`, without a leading byte-order mark: Notepad and
/// Word save UTF-8 with one, and a protocol or stage-record file refused for it (or a
/// protocol whose first key read as `\u{FEFF}format`) would tell the author nothing
/// they could see.
pub fn read_text(path: &Path, bound: &Bound) -> ApiResult<String> {
    let bytes = read_bytes(path, bound, Vec::new())?;
    let mut text = String::from_utf8(bytes).map_err(|e| not_utf8(path, e.utf8_error()))?;
    if text.starts_with(BOM) {
        text.drain(..BOM.len_utf8());
    }
    Ok(text)
}

/// The byte-order mark, U+FEFF, as a leading character.
const BOM: char = '\u{FEFF}';

/// A secret file's text, through `bound`, in memory that is zeroed when dropped. The
/// buffer is sized for the whole bound first, so reading never leaves a copy behind in
/// memory given back by a reallocation.
pub fn read_secret(path: &Path, bound: &Bound) -> ApiResult<Zeroizing<String>> {
    let capacity = usize::try_from(bound.limit.saturating_add(1)).unwrap_or(0);
    let bytes = Zeroizing::new(read_bytes(path, bound, Vec::with_capacity(capacity))?);
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(Zeroizing::new(text.to_owned())),
        Err(e) => Err(not_utf8(path, e)),
    }
}

fn not_utf8(path: &Path, e: std::str::Utf8Error) -> ApiError {
    refused(
        path,
        format!(
            "is not UTF-8 text (byte {} is not): save it as UTF-8",
            e.valid_up_to()
        ),
    )
}

fn refused(path: &Path, message: String) -> ApiError {
    ApiError::new(
        ErrorCode::FieldInvalid,
        format!("{}: {message}", path.display()),
    )
}

fn read_bytes(path: &Path, bound: &Bound, bytes: Vec<u8>) -> ApiResult<Vec<u8>> {
    let Bound {
        limit,
        what,
        limit_words,
    } = *bound;
    read_within(path, limit, bytes).map_err(|e| match e {
        Unread::Io(e) => ApiError::io(path, &e),
        Unread::NotRegular => refused(
            path,
            format!("is not a regular file: give {what} of at most {limit_words} ({limit} bytes)"),
        ),
        Unread::TooLarge(size) => refused(
            path,
            format!(
                "is {size} bytes; {what} may be at most {limit_words} ({limit} bytes): give a smaller file"
            ),
        ),
    })
}

/// Why a file was not read through its bound; each reader words it its own way.
#[derive(Debug)]
pub(crate) enum Unread {
    Io(std::io::Error),
    NotRegular,
    /// The size found, from the metadata or by reading one byte past the limit.
    TooLarge(u64),
}

/// The one bounded read: a regular file of at most `limit` bytes, appended to `bytes`.
pub(crate) fn read_within(path: &Path, limit: u64, mut bytes: Vec<u8>) -> Result<Vec<u8>, Unread> {
    // Opening a FIFO would wait for a writer, so look before opening, then check again
    // what was opened.
    let meta = std::fs::metadata(path).map_err(Unread::Io)?;
    if !meta.is_file() {
        return Err(Unread::NotRegular);
    }
    if meta.len() > limit {
        return Err(Unread::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(Unread::Io)?;
    let meta = file.metadata().map_err(Unread::Io)?;
    if !meta.is_file() {
        return Err(Unread::NotRegular);
    }
    bytes.reserve(usize::try_from(meta.len().min(limit)).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Unread::Io)?;
    if bytes.len() as u64 > limit {
        return Err(Unread::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}
