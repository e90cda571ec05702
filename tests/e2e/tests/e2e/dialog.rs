//! The native GTK file dialog, answered the way a person would: find its window on the
//! X display, focus it, type, press a key. WebDriver cannot reach it; xdotool can.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::processes::output_within;

/// One xdotool command; `None` when it fails or does not finish within 5 s
/// (`windowfocus --sync` waits for ever on a window that never takes the focus).
fn xdotool(args: &[&str]) -> Option<String> {
    let out = output_within(Command::new("xdotool").args(args), Duration::from_secs(5))?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Wait for a visible window titled `title` and give it the keyboard.
pub async fn focus(title: &str) -> String {
    let started = Instant::now();
    loop {
        let found = xdotool(&["search", "--onlyvisible", "--name", title]);
        if let Some(id) = found.and_then(|ids| ids.lines().last().map(str::to_owned)) {
            if xdotool(&["windowfocus", "--sync", &id]).is_some() {
                // Let GTK settle the focus on the name field before typing.
                tokio::time::sleep(Duration::from_millis(500)).await;
                return id;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no '{title}' dialog appeared on the display"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Type a whole path into the save dialog's name field and press Enter.
pub async fn save_as(path: &std::path::Path) {
    focus("Save File").await;
    xdotool(&["key", "--clearmodifiers", "ctrl+a"]).expect("select the name");
    xdotool(&["type", "--delay", "20", &path.display().to_string()]).expect("type the path");
    xdotool(&["key", "Return"]).expect("press Enter");
}

/// Close the dialog without choosing, as Escape does.
pub async fn cancel(title: &str) {
    focus(title).await;
    xdotool(&["key", "Escape"]).expect("press Escape");
}

/// Choose a file in the open dialog titled `title`, as a person who knows the path
/// does: "/" opens GTK's location field (the keys typed while it opens are lost, so
/// the field is then selected whole and the path typed into it), then Enter once the
/// field's completion has settled.
pub async fn open(title: &str, path: &std::path::Path) {
    focus(title).await;
    xdotool(&["type", "/"]).expect("open the location field");
    tokio::time::sleep(Duration::from_millis(700)).await;
    xdotool(&["key", "--clearmodifiers", "ctrl+a"]).expect("select the location");
    xdotool(&["type", "--delay", "20", &path.display().to_string()]).expect("type the path");
    tokio::time::sleep(Duration::from_millis(500)).await;
    xdotool(&["key", "Return"]).expect("press Enter");
}
