//! The tar a bundle is: plain ustar regular files only, read through bounds. The same
//! rules as an export package's tar (escalate-report's `unpack`), for any set of names.

use std::io::Read;

use crate::TrustError;

/// One file of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub data: Vec<u8>,
}

/// What an archive may hold.
#[derive(Clone, Copy)]
pub struct Limits {
    /// At most this many files.
    pub max_entries: usize,
    /// At most this many bytes of files in all.
    pub max_total: u64,
    /// The most a file of this name may be, or `None` where the name is not allowed.
    pub limit: fn(&str) -> Option<u64>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("max_entries", &self.max_entries)
            .field("max_total", &self.max_total)
            .finish()
    }
}

fn bad(message: impl Into<String>) -> TrustError {
    TrustError::new("archive", message)
}

/// A tar of `files`, in order: mode 0600, time `mtime`, no owner names.
pub fn write_archive(files: &[(&str, &[u8])], mtime: i64) -> Result<Vec<u8>, TrustError> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        h.set_mtime(mtime.max(0) as u64);
        h.set_cksum();
        tar.append_data(&mut h, name, *data)
            .map_err(|e| bad(format!("{name} could not be written: {e}")))?;
    }
    tar.into_inner().map_err(|e| bad(e.to_string()))
}

/// Read an archive within `limits`: each entry's type, name and declared size are
/// checked from its header before a byte of it is read; no name twice; after the end
/// only zeros. No long names, pax headers, links, folders or sparse files.
pub fn read_archive<R: Read>(reader: R, limits: &Limits) -> Result<Vec<Entry>, TrustError> {
    let damaged = |e: &dyn std::fmt::Display| {
        bad(format!(
            "it is not an archive Escalate wrote, or it was changed or cut short ({e})"
        ))
    };
    let mut archive = tar::Archive::new(reader);
    let mut out: Vec<Entry> = Vec::new();
    let mut total = 0u64;
    {
        let entries = archive.entries().map_err(|e| damaged(&e))?.raw(true);
        for (n, entry) in entries.enumerate() {
            let mut entry = entry.map_err(|e| damaged(&e))?;
            let ordinal = n + 1;
            if n >= limits.max_entries {
                return Err(bad(format!(
                    "it holds more than {} files",
                    limits.max_entries
                )));
            }
            let header = entry.header();
            if header.as_ustar().is_none() {
                return Err(bad(format!("entry {ordinal} is not a plain ustar entry")));
            }
            if header.entry_type() != tar::EntryType::Regular {
                return Err(bad(format!(
                    "entry {ordinal} is not a regular file (a link, folder, sparse file, device or extended header)"
                )));
            }
            let name_bytes = header.path_bytes();
            let Ok(name) = std::str::from_utf8(&name_bytes) else {
                return Err(bad(format!("entry {ordinal} has a name that is not UTF-8")));
            };
            let name = name.to_owned();
            let Some(max) = (limits.limit)(&name) else {
                return Err(bad(format!(
                    "entry {ordinal} has a name this archive does not hold"
                )));
            };
            let declared = header.entry_size().map_err(|e| damaged(&e))?;
            if declared > max {
                return Err(bad(format!(
                    "{name} declares {declared} bytes; the limit is {max}"
                )));
            }
            total = total.saturating_add(declared);
            if total > limits.max_total {
                return Err(bad(format!(
                    "its files come to more than {} bytes",
                    limits.max_total
                )));
            }
            if out.iter().any(|e| e.name == name) {
                return Err(bad(format!("it holds {name} more than once")));
            }
            let mut data = Vec::new();
            (&mut entry)
                .take(declared)
                .read_to_end(&mut data)
                .map_err(|e| damaged(&e))?;
            if data.len() as u64 != declared {
                return Err(damaged(&format!("{name} is cut short")));
            }
            out.push(Entry { name, data });
        }
    }
    let mut rest = archive.into_inner();
    let mut buf = [0u8; 8192];
    loop {
        let n = rest.read(&mut buf).map_err(|e| damaged(&e))?;
        if n == 0 {
            break;
        }
        if buf[..n].iter().any(|&b| b != 0) {
            return Err(bad("it holds data after the end of its archive"));
        }
    }
    Ok(out)
}
