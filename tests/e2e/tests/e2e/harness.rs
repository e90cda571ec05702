//! The harness's own tests: a failing, hanging or leaking scenario ends in bounded
//! time, leaves no process behind, and keeps what the app printed.

use std::ffi::OsStr;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use crate::driver::{open_session, scenario_within, App, MARKER};
use crate::processes::{carrying, members, still_listed, still_running, Proc};

/// Every process of one start of the app, found by its marker.
fn of_this_start(app: &App) -> Vec<Proc> {
    carrying(MARKER, app.marker())
}

/// The words a panic carried.
fn panic_words(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_scenario_stops_every_process_of_the_app_and_keeps_its_output() {
    let logs = tempfile::tempdir().unwrap();
    // The shell writes a line to stderr when the first screen is ready (the start-up
    // benchmark's probe): proof that the app's own output reaches the files.
    let app =
        App::start_logging_to(logs.path(), &[("ESCALATE_STARTUP_PROBE", OsStr::new("1"))]).await;
    app.see("Welcome to Escalate").await;
    let files = app.log_files();
    let stderr = files[2].clone();
    let started = Instant::now();
    while !std::fs::read_to_string(&stderr)
        .unwrap_or_default()
        .contains("escalate-startup: first-run interactive")
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the app's stderr never reached {}",
            stderr.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let group = app.process_group();
    let before = of_this_start(&app);
    let names: Vec<&str> = before.iter().map(|p| p.comm.as_str()).collect();
    for wanted in ["tauri-driver", "WebKitWebDriver", "escalate-app"] {
        assert!(
            names.contains(&wanted),
            "{wanted} runs with this start's marker: {before:?}"
        );
    }
    assert!(
        members(group).iter().any(|p| p.comm == "escalate-app"),
        "the app is in the start's process group: {:?}",
        members(group)
    );

    // A scenario fails with the app open: the App is dropped during the panic.
    let failed = std::panic::catch_unwind(AssertUnwindSafe(move || {
        let _app = app;
        panic!("a simulated failure (the harness's own test)");
    }));
    // The scenario's own panic, not one of the harness while dropping the App.
    let payload = failed.unwrap_err();
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"a simulated failure (the harness's own test)")
    );

    assert_eq!(
        members(group),
        vec![],
        "nothing is left in the process group"
    );
    let left = still_running(&before);
    assert_eq!(left, vec![], "every process of the start is gone");
    assert_eq!(
        still_listed(&before),
        vec![],
        "and reaped: no zombie is left"
    );
    let driver_log = &files[0];
    assert!(driver_log.exists(), "{} was written", driver_log.display());
    assert!(files[1].exists(), "{} was written", files[1].display());
    assert!(std::fs::read_to_string(&stderr)
        .unwrap()
        .contains("escalate-startup: first-run interactive"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scenario_that_hangs_is_cut_off_at_its_time_limit_and_leaves_no_process() {
    let logs = tempfile::tempdir().unwrap();
    let app = App::start_logging_to(logs.path(), &[]).await;
    let group = app.process_group();
    let marker = app.marker().to_owned();
    let before = carrying(MARKER, &marker);
    // Waits for ever, as the old harness did for a session that never opened.
    let hung = tokio::spawn(scenario_within(Duration::from_secs(2), async move {
        let _app = app;
        std::future::pending::<()>().await;
    }));
    let ended = tokio::time::timeout(Duration::from_secs(60), hung)
        .await
        .expect("the time limit ended the scenario");
    let err = ended.expect_err("the scenario failed");
    assert!(err.is_panic());
    let words = panic_words(err.into_panic());
    assert!(words.contains("did not finish within 2s"), "{words}");
    assert_eq!(members(group), vec![]);
    assert_eq!(carrying(MARKER, &marker), vec![]);
    assert_eq!(
        still_listed(&before),
        vec![],
        "and reaped: no zombie is left"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webdriver_server_that_never_answers_cannot_hold_the_session_start() {
    // Accepts connections and never answers, as a stuck driver would.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let opened = tokio::time::timeout(
        Duration::from_secs(60),
        open_session(port, serde_json::Map::new(), Duration::from_secs(3), || {
            Ok(())
        }),
    )
    .await
    .expect("the session start gave up by its own deadline");
    server.abort();
    let Err(err) = opened else {
        panic!("a session from a server that never answers");
    };
    assert!(err.contains("no WebDriver session within 3s"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_left_running_is_found_and_stopped_before_the_next_start() {
    // The fault seen on a fresh clone: the first scenario's app outlived its test, and
    // the next start met it through the single-instance plugin.
    let leaked = App::start().await;
    let marker = leaked.marker().to_owned();
    let data = leaked.data.path().to_owned();
    let before = carrying(MARKER, &marker);
    assert!(!before.is_empty());
    std::mem::forget(leaked);

    let next = tokio::spawn(App::start()).await;
    let words = panic_words(next.err().expect("the next start refused").into_panic());
    assert!(
        words.contains("an earlier start of the app was still running"),
        "{words}"
    );
    assert_eq!(
        carrying(MARKER, &marker),
        vec![],
        "the leaked start's app and drivers were stopped"
    );
    assert_eq!(
        still_listed(&before),
        vec![],
        "and reaped: no zombie is left"
    );
    // The forgotten App did not remove its data folder.
    std::fs::remove_dir_all(data).unwrap();
}
