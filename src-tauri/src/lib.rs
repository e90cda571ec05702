//! Escalate's desktop shell. It wires the crates to a window and does nothing else:
//! no SQL, no file paths from the webview, no protocol logic. See docs/architecture.md.

#[macro_use]
pub mod ipc;
pub mod bindings;
pub mod board_import;
mod clock;
pub mod commands;
pub mod error;
pub mod files;
pub mod partnership;
pub mod reports;
pub mod session;
pub mod state;
pub mod views;

use std::time::{Duration, Instant};

use tauri::{Builder, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::state::{AppState, DataPaths, EscalateExt, StoreKind};

/// When the process started, for the cold-start measurement.
static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// The UI says (`ui_ready`) when its first screen is interactive. With
/// `ESCALATE_STARTUP_PROBE` set, the shell writes the time since start to stderr
/// (bench/app-start reads it); otherwise it does nothing.
fn startup_probe(screen: &str) {
    if std::env::var_os("ESCALATE_STARTUP_PROBE").is_some() {
        let ms = STARTED.get().map(|s| s.elapsed().as_millis()).unwrap_or(0);
        #[allow(clippy::print_stderr, reason = "the benchmark's only channel")]
        {
            eprintln!("escalate-startup: {screen} interactive after {ms} ms");
        }
    }
}

/// Only the app's own pages may load in the webview: no remote URL, ever.
fn navigation_guard<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_, url| is_app_url(url))
        .build()
}

/// The bundled assets: tauri://localhost (Linux, macOS), http://tauri.localhost
/// (Windows). Debug builds serve the same bundle (no dev server is configured).
pub fn is_app_url(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

/// Tell the lead once when a deadline comes within a working day and once when it
/// passes. The words carry the case reference only: notifications show on locked
/// screens.
fn watch_deadlines<R: Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        loop {
            let state = app.escalate();
            let alerts = {
                let session = state.session().await;
                // A lead's store only (not the Board's), and not the demo store's
                // made-up deadlines.
                match (session.store(), session.demo) {
                    (Ok(store), false) => escalate_api::cases::new_alerts(store, clock::now())
                        .await
                        .unwrap_or_default(),
                    _ => Vec::new(),
                }
            };
            for alert in alerts {
                // No notification service (a bare X session) is not an error worth a dialog.
                let _ = app
                    .notification()
                    .builder()
                    .title("Escalate: deadline")
                    .body(escalate_api::present::alert_text(&alert))
                    .show();
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(60)) => {}
                () = state.deadlines_change() => {}
            }
        }
    });
}

/// Open the lead's store with the key in the OS keyring before the UI asks, so a
/// normal start goes straight to the dashboard. Setup runs before any IPC is served, so
/// the UI's first `app_status` already sees the outcome. Any failure (no store yet, no
/// key in this keyring) leaves the app locked, and the UI asks for what it needs.
fn unlock_from_keyring<R: Runtime>(app: &tauri::AppHandle<R>) {
    let state = app.escalate();
    if !escalate_api::session::exists(state.paths.of(StoreKind::Lead)) {
        return;
    }
    // A failure is the locked app the UI then shows, so it is not reported here.
    let _ = tauri::async_runtime::block_on(crate::session::unlock(&state, StoreKind::Lead, None));
}

/// The app on any runtime, so tests can run it on `tauri::test::mock_builder()`.
pub fn build_app<R: Runtime>(builder: Builder<R>, paths: DataPaths) -> Builder<R> {
    builder
        .plugin(navigation_guard())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .manage(AppState::new(paths))
        .setup(|app| {
            unlock_from_keyring(app.handle());
            watch_deadlines(app.handle().clone());
            Ok(())
        })
        .invoke_handler(commands::handler())
}

/// Refuse WebDriver automation in release builds: WebKitGTK switches it on whenever
/// TAURI_WEBVIEW_AUTOMATION is set, and an automated window could read every case.
fn refuse_automation() -> Result<(), String> {
    if cfg!(not(debug_assertions)) && std::env::var_os("TAURI_WEBVIEW_AUTOMATION").is_some() {
        return Err("TAURI_WEBVIEW_AUTOMATION is set: this release build of Escalate refuses to run under automation. Unset it and start again".to_owned());
    }
    Ok(())
}

#[allow(
    clippy::print_stderr,
    reason = "before a window exists, stderr is the only voice"
)]
pub fn run() {
    let _ = STARTED.set(Instant::now());
    let started = refuse_automation().and_then(|()| {
        let paths = DataPaths::resolve().map_err(|e| e.message)?;
        let builder = tauri::Builder::default()
            .plugin(tauri_plugin_single_instance::init(|app, _, _| {
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.unminimize();
                    let _ = w.set_focus();
                }
            }))
            .plugin(tauri_plugin_window_state::Builder::default().build());
        build_app(builder, paths)
            .run(tauri::generate_context!("tauri.conf.json"))
            .map_err(|e| format!("the window could not start: {e}"))
    });
    if let Err(message) = started {
        eprintln!("escalate: {message}");
        std::process::exit(1);
    }
}
