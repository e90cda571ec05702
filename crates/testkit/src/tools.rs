//! The real tools a Board member or an attacker has (Debian's age, age-keygen,
//! minisign, tar, sha256sum), run from tests: no stdin, at most a minute, both pipes
//! read on threads. A tool that is not installed fails the test rather than skip it.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Run `program` in `dir` with no stdin, waiting at most a minute: a tool that asks for
/// a password it should not need would otherwise hang the suite. Stopped and failed
/// past the minute; failed when it cannot be run (`make test` installs it).
pub fn run_tool(program: &str, args: &[&str], dir: &Path) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{program} could not be run ({e}): `make test` installs it (Debian packages age, minisign, tar, coreutils); these tests fail rather than skip without it"
            )
        });
    // Both pipes read on threads, so a chatty child cannot fill one and stall.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{program} {args:?} still running after a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}
