//! Process hardening for the programs that open a store (the CLI and the app).

/// Call first thing in `main`:
/// - umask 077, so every file and folder the process creates (reports, exports, caches)
///   is owner-only even where the code creating it gives no mode;
/// - no core dumps (`RLIMIT_CORE` 0): an abort would otherwise write decrypted pages
///   and the data key to disk;
/// - on Linux, `PR_SET_DUMPABLE` 0: no core dump either way, and other processes of the
///   same user cannot ptrace it or read its memory through /proc.
///
/// Every step is tried; the first failure is returned after the others have run.
pub fn harden() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use rustix::fs::Mode;
        use rustix::process::{setrlimit, umask, Resource, Rlimit};
        umask(Mode::from_raw_mode(0o077));
        let core = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        );
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let dumpable =
            rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let dumpable: rustix::io::Result<()> = Ok(());
        core?;
        dumpable?;
    }
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rustix::process::{dumpable_behavior, getrlimit, DumpableBehavior, Resource};

    #[test]
    fn harden_switches_off_core_dumps_and_group_access() {
        harden_and_check();
    }

    fn harden_and_check() {
        super::harden().unwrap();
        assert_eq!(dumpable_behavior().unwrap(), DumpableBehavior::NotDumpable);
        let core = getrlimit(Resource::Core);
        assert_eq!((core.current, core.maximum), (Some(0), Some(0)));
        // The umask is read by setting it; put back what harden set.
        let mask = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
        assert_eq!(mask.bits() & 0o777, 0o077);
        let dir = std::env::temp_dir().join(format!("escalate-umask-{}", std::process::id()));
        std::fs::create_dir(&dir).unwrap();
        let file = dir.join("f");
        std::fs::write(&file, b"x").unwrap();
        use std::os::unix::fs::PermissionsExt;
        let fmode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        let dmode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!((fmode, dmode), (0o600, 0o700));
    }
}
