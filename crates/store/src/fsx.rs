//! Owner-only files and folders, written so a crash leaves the old version or the new
//! one: every file the store writes goes through here.
//!
//! Modes are given explicitly when a file or folder is created, not left to the umask,
//! because the store is a library and cannot know the umask of the program using it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::StoreError;

/// Files: read and write for the owner only.
pub(crate) const FILE_MODE: u32 = 0o600;
/// Folders: the owner only.
pub(crate) const DIR_MODE: u32 = 0o700;

pub(crate) fn io_error(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE);
    }
    o
}

/// Create a new owner-only file; fails with `AlreadyExists` when the name is taken, so
/// two processes can never both believe they made it.
pub(crate) fn create_new(path: &Path) -> std::io::Result<File> {
    options().write(true).create_new(true).open(path)
}

/// Open (creating if needed) an owner-only file for reading and writing, without
/// truncating it. An existing file found too open is tightened.
pub(crate) fn open_or_create(path: &Path) -> std::io::Result<File> {
    let f = options().read(true).write(true).create(true).open(path)?;
    tighten_file(&f)?;
    Ok(f)
}

#[cfg(unix)]
fn tighten_file(f: &File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = f.metadata()?.permissions().mode();
    if mode & 0o077 != 0 {
        f.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten_file(_: &File) -> std::io::Result<()> {
    Ok(())
}

/// Remove group and other permissions from an existing file or folder of the store.
/// Best effort: a file owned by someone else stays as it is.
pub(crate) fn tighten(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::symlink_metadata(path) {
            let mode = m.permissions().mode();
            if !m.file_type().is_symlink() && mode & 0o077 != 0 {
                let _ =
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Make `dir` (and any missing parents) owner-only. Returns whether `dir` itself was
/// created, so a failed operation knows whether the folder is its own to remove.
pub(crate) fn create_dir_all(dir: &Path) -> Result<bool, StoreError> {
    if dir.is_dir() {
        tighten(dir);
        return Ok(false);
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(DIR_MODE);
    }
    b.create(dir).map_err(io_error(dir))?;
    Ok(true)
}

/// Create a new owner-only folder beside `near` (same parent, so renames out of it stay
/// on one file system), named `<near's name>.<purpose>-<random>`. It never reuses a
/// name: a folder that exists already is left alone and another name is tried.
pub(crate) fn create_unique_dir(near: &Path, purpose: &str) -> Result<PathBuf, StoreError> {
    let parent = near
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let base = near
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "escalate".to_owned());
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(DIR_MODE);
    }
    let mut last = None;
    for _ in 0..16 {
        let mut suffix = [0u8; 8];
        getrandom::fill(&mut suffix).map_err(|e| StoreError::Random(e.to_string()))?;
        let path = parent.join(format!("{base}.{purpose}-{}", hex::encode(suffix)));
        match b.create(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(io_error(&path)(e)),
        }
    }
    Err(io_error(parent)(last.unwrap_or_else(|| {
        std::io::Error::other("no unused folder name could be found")
    })))
}

/// Flush a folder's entries (new names, renames) to disk.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error(dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Flush a file's contents to disk.
pub(crate) fn sync_file(path: &Path) -> Result<(), StoreError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io_error(path))
}

/// Write `bytes` to `dir/name` so that a crash leaves either the old file or the whole
/// new one: a fresh owner-only temporary file, flushed, renamed over `name`, and the
/// folder flushed.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let path = dir.join(name);
    let tmp = dir.join(format!("{name}.new"));
    // A leftover from a crash mid-write is ours and incomplete.
    match std::fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&tmp)(e)),
    }
    let written = (|| {
        let mut f = create_new(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_error(&path)(e));
    }
    if let Err(e) = std::fs::rename(&tmp, &path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_error(&path)(e));
    }
    sync_dir(dir)
}

/// Remove a file if it is there.
pub(crate) fn remove_if_present(path: &Path) -> Result<(), StoreError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// Wait (ten seconds at most) until no file descriptor of this process refers to the
/// file at `path`. sqlx's `Pool::close` can return while a connection that was just
/// given back is still being closed by a task of its own; this makes sure the last
/// SQLite handle has really gone. It yields to the runtime while it waits, since on a
/// single-threaded runtime that task cannot run otherwise.
pub(crate) async fn wait_until_closed(path: &Path) -> Result<(), StoreError> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        use std::time::{Duration, Instant};
        let Ok(meta) = std::fs::metadata(path) else {
            return Ok(());
        };
        let target = (meta.dev(), meta.ino());
        let started = Instant::now();
        loop {
            let held = match std::fs::read_dir("/proc/self/fd") {
                Ok(entries) => entries.flatten().any(|e| {
                    std::fs::metadata(e.path()).is_ok_and(|m| (m.dev(), m.ino()) == target)
                }),
                // No /proc: nothing to look at; the pool's close has returned.
                Err(_) => false,
            };
            if !held {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err(StoreError::Database(format!(
                    "{} is still open in this process after it was closed",
                    path.display()
                )));
            }
            tokio::task::yield_now().await;
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        Ok(())
    }
}
