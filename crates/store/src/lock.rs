//! One advisory lock per data folder (`escalate.lock`), so two processes never change
//! a store's files under each other.
//!
//! Every open store holds the lock shared for its lifetime; creating a store, restoring
//! into a folder, finishing an interrupted key rotation and rotating the key hold it
//! exclusively. Nothing waits for it without a bound: a holder that does not let go in
//! a few seconds gets a clear "close Escalate elsewhere" error instead of a hang.
//!
//! `flock` locks belong to the open file, so two stores opened on one folder in the
//! same process exclude each other just as two processes do.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::StoreError;
use crate::fsx;

pub const LOCK_FILE: &str = "escalate.lock";

/// How long an open waits for a rotation or creation elsewhere to finish.
const WAIT: Duration = Duration::from_secs(3);
const POLL: Duration = Duration::from_millis(25);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Shared,
    Exclusive,
}

/// What the lock is being taken for, to say what to do when it is held elsewhere.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Purpose {
    Open,
    Create,
    Restore,
    Rotate,
}

impl Purpose {
    fn busy(self, dir: &Path) -> StoreError {
        let dir = dir.display().to_string();
        let why = match self {
            Purpose::Open => "another Escalate is creating, restoring or re-keying it: wait until that has finished, then try again",
            Purpose::Create => "another Escalate is using or creating a store there: close Escalate elsewhere first, or choose another folder",
            Purpose::Restore => "another Escalate is using that folder: close Escalate elsewhere first, or choose another folder",
            Purpose::Rotate => "the store is open in another Escalate (the app or another command): close Escalate elsewhere first, then rotate the key",
        };
        StoreError::Busy { dir, why }
    }
}

/// A held lock on a data folder; released when dropped.
#[derive(Debug)]
pub(crate) struct DirLock {
    file: File,
    path: PathBuf,
    mode: Mode,
}

impl DirLock {
    /// Take the folder's lock, waiting a few seconds at most when `Purpose::Open` meets
    /// an exclusive holder; the other purposes fail at once.
    pub(crate) fn acquire(dir: &Path, mode: Mode, purpose: Purpose) -> Result<DirLock, StoreError> {
        let path = dir.join(LOCK_FILE);
        let started = Instant::now();
        loop {
            let file = fsx::open_or_create(&path).map_err(fsx::io_error(&path))?;
            match try_lock(&file, mode) {
                Ok(true) => {
                    // Someone may have removed the lock file (a failed create cleaning
                    // up) between our open and our lock: a lock on a removed file locks
                    // nothing, so start again on the file now there.
                    if same_file(&file, &path) {
                        return Ok(DirLock { file, path, mode });
                    }
                }
                Ok(false) => {
                    if !matches!(purpose, Purpose::Open) || started.elapsed() >= WAIT {
                        return Err(purpose.busy(dir));
                    }
                    std::thread::sleep(POLL);
                }
                Err(e) => return Err(fsx::io_error(&path)(e)),
            }
            if started.elapsed() >= WAIT {
                return Err(purpose.busy(dir));
            }
        }
    }

    /// From shared to exclusive, without waiting: fails when anyone else holds it.
    pub(crate) fn upgrade(&mut self, purpose: Purpose, dir: &Path) -> Result<(), StoreError> {
        if self.mode == Mode::Exclusive {
            return Ok(());
        }
        match try_lock(&self.file, Mode::Exclusive) {
            Ok(true) => {
                self.mode = Mode::Exclusive;
                Ok(())
            }
            Ok(false) => Err(purpose.busy(dir)),
            Err(e) => Err(fsx::io_error(&self.path)(e)),
        }
    }

    /// From exclusive back to shared, for an open store's lifetime.
    pub(crate) fn downgrade(&mut self) -> Result<(), StoreError> {
        if self.mode == Mode::Shared {
            return Ok(());
        }
        match try_lock(&self.file, Mode::Shared) {
            Ok(true) => {
                self.mode = Mode::Shared;
                Ok(())
            }
            // Going down from exclusive cannot conflict with anyone.
            Ok(false) => Ok(()),
            Err(e) => Err(fsx::io_error(&self.path)(e)),
        }
    }

    /// Remove the lock file, for an operation undoing a folder it made. Only while held
    /// exclusively, so no one else is relying on it.
    pub(crate) fn remove(self) {
        if self.mode == Mode::Exclusive {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(unix)]
fn try_lock(file: &File, mode: Mode) -> std::io::Result<bool> {
    use rustix::fs::{flock, FlockOperation};
    let op = match mode {
        Mode::Shared => FlockOperation::NonBlockingLockShared,
        Mode::Exclusive => FlockOperation::NonBlockingLockExclusive,
    };
    match flock(file, op) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
        Err(rustix::io::Errno::INTR) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

// Elsewhere the folder is not locked: on Windows an open database file cannot be
// renamed over, so a rotation meeting another user fails before it changes anything.
#[cfg(not(unix))]
fn try_lock(_: &File, _: Mode) -> std::io::Result<bool> {
    Ok(true)
}

#[cfg(not(unix))]
fn same_file(_: &File, _: &Path) -> bool {
    true
}
