//! The real app, end to end: the built binary in a WebKitGTK window under Xvfb,
//! driven through tauri-driver and WebKitWebDriver, with a real SQLCipher store and
//! the real OS keyring (a D-Bus session from scripts/with-keyring).
//!
//! `make e2e` builds the UI and the app first and runs these one at a time: the app
//! is single-instance, so two windows at once would be one app. `driver.rs` makes sure
//! no scenario can hang or leave a process behind; `harness.rs` proves it.

// Test code: a panic here is a failed check, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod dialog;
mod driver;
mod harness;
mod notifications;
mod processes;
mod scenarios;
