//! The desktop's notification service, for real: dunst on the tests' own D-Bus session
//! and X display, read back with `dunstctl`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::processes::output_within;

/// One notification as the desktop received it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub summary: String,
    pub body: String,
}

pub struct Notifications {
    daemon: Child,
    _config: tempfile::NamedTempFile,
}

/// A helper command may hang on a stuck bus; these are bounded.
const HELPER: Duration = Duration::from_secs(10);

fn dunstctl(args: &[&str]) -> Option<String> {
    let out = output_within(Command::new("dunstctl").args(args), HELPER)?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn name_has_owner(name: &str) -> bool {
    let out = output_within(
        Command::new("dbus-send").args([
            "--session",
            "--print-reply=literal",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{name}"),
        ]),
        HELPER,
    )
    .expect("dbus-send (dbus-bin, installed with dbus-daemon) answered");
    String::from_utf8_lossy(&out.stdout).contains("true")
}

impl Notifications {
    /// Start the service; the app finds it on the session bus as a desktop would.
    pub fn start() -> Notifications {
        // dunst's defaults, never the machine's own, except that it must not fold a
        // repeated notification into the first: repeats are what the tests look for.
        let config = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            config.path(),
            "[global]\nstack_duplicates = false\nhistory_length = 100\n",
        )
        .unwrap();
        let daemon = Command::new("dunst")
            .arg("-config")
            .arg(config.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst is not installed: `make e2e` installs it");
        let started = Instant::now();
        // Ask the bus, not dunst: a call to the service name before dunst owns it would
        // make the bus start a second dunst from its service file.
        while !name_has_owner("org.freedesktop.Notifications") {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "dunst did not take the notification service name on the session bus"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Notifications {
            daemon,
            _config: config,
        }
    }

    /// Everything shown so far, oldest first.
    pub fn shown(&self) -> Vec<Shown> {
        // History holds closed notifications only: close the ones on screen first.
        dunstctl(&["close-all"]).expect("dunstctl close-all");
        let history: Value =
            serde_json::from_str(&dunstctl(&["history"]).expect("dunstctl history")).unwrap();
        let text = |n: &Value, key: &str| n[key]["data"].as_str().unwrap_or("").to_owned();
        let mut shown: Vec<(i64, Shown)> = history["data"][0]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|n| {
                (
                    n["id"]["data"].as_i64().unwrap_or(0),
                    Shown {
                        summary: text(n, "summary"),
                        body: text(n, "body"),
                    },
                )
            })
            .collect();
        shown.sort_by_key(|(id, _)| *id);
        shown.into_iter().map(|(_, s)| s).collect()
    }

    /// Wait until a notification whose body holds `needle` has been shown.
    pub async fn wait_for(&self, needle: &str) -> Vec<Shown> {
        let started = Instant::now();
        loop {
            let shown = self.shown();
            if shown.iter().any(|s| s.body.contains(needle)) {
                return shown;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no notification mentioning '{needle}'; shown: {shown:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Notifications {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
