//! A Board import of many packages keeps the app responsive: packages are decrypted
//! without the session lock and written in small batches, with progress events.
//!
//! The import is paused inside its own progress event (a Rust listener runs in the
//! emitting task), so "while the import is under way" is a fact, not a race: with the
//! session lock held for the whole import, as before, the command sent during the pause
//! could not answer and the test fails at its timeout.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use std::time::Duration;

use chrono::NaiveDateTime;
use escalate_api::demo;
use escalate_api::reports::sources;
use escalate_api::store::{NoKeyring, Passphrase, Store};
use escalate_app::board_import::{import_files, ImportSummary, Opener};
use escalate_app::state::AppState;
use escalate_report::export::{self, Seal, Signer};
use escalate_report::ReportOptions;
use serde_json::{json, Value};
use tauri::{Listener, Manager};

use super::ipc::{app, create, invoke, window};

/// Long enough for a loaded 2-core machine; only a broken import waits this long.
const PATIENCE: Duration = Duration::from_secs(60);
/// Exports of each demo case, a minute apart: the later ones replace the earlier.
const VERSIONS: usize = 15;

#[allow(
    clippy::disallowed_methods,
    reason = "packages are dated like real exports"
)]
fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

/// Real packages sealed to a fresh Board key: every demo case exported `VERSIONS`
/// times, one file each, named so the folder's order is case by case, oldest first.
/// Each is signed by the agency store's own key. Returns the files, each file's case
/// reference, the identity text, and the agency's card (for the Board's directory).
fn packages(dir: &Path) -> (Vec<PathBuf>, Vec<String>, String, String) {
    let at = now() - chrono::Duration::hours(2);
    let (identity, public) = export::keygen(at);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (files, refs, card) = rt.block_on(async {
        let store = Store::create(
            &dir.join("agency"),
            demo::profile(),
            &Passphrase::new(demo::PASSPHRASE),
            &NoKeyring,
            demo::began(at).unwrap(),
        )
        .await
        .unwrap();
        let cases = demo::populate(&store, at).await.unwrap();
        let identity = store.identity().await.unwrap();
        let card = escalate_api::trust::card(&store).await.unwrap().json;
        let mut files = Vec::new();
        let mut refs = Vec::new();
        for (j, reference) in cases.iter().enumerate() {
            let sources = sources(&store, reference, at).await.unwrap();
            let pdf = escalate_report::render(
                &sources.input(&store),
                &ReportOptions {
                    form: sources.protocol.form_ids()[0].clone(),
                    stage: None,
                    effectiveness: String::new(),
                    notes: String::new(),
                    generated_at: at,
                },
            )
            .unwrap();
            // Each package carries its case's protocol (escalate-monitoring/2).
            let protocol = store
                .protocol_text(&sources.case.protocol_sha256)
                .await
                .unwrap();
            for k in 0..VERSIONS {
                let exported = at + chrono::Duration::minutes(k as i64);
                let m = export::monitoring(
                    store.profile(),
                    &sources.case,
                    &sources.protocol,
                    store.calendar(),
                    "",
                    true,
                    exported,
                );
                let sealed = export::seal_package(
                    &pdf,
                    &m,
                    Some(&protocol),
                    Seal::Recipients(std::slice::from_ref(&public)),
                    Some(Signer {
                        key: &identity.signing,
                        agency: &store.profile().agency,
                    }),
                )
                .unwrap();
                let file = dir.join(format!("{j:02}-{k:02}.escalate-export"));
                std::fs::write(&file, sealed).unwrap();
                files.push(file);
                refs.push(reference.clone());
            }
        }
        drop(identity);
        store.close().await;
        (files, refs, card)
    });
    (files, refs, identity, card)
}

/// The agency's card in the open Board store's directory, as the administrator adds it
/// (Board → Add card…) once its fingerprint is compared: its packages then verify.
fn trust_agency(app: &tauri::App<tauri::test::MockRuntime>, card: &str) {
    let state = app.state::<AppState>();
    tauri::async_runtime::block_on(async {
        let store = state.board().await.unwrap();
        let card = escalate_api::trust::parse_card(card).unwrap();
        escalate_api::trust::add(&store, &card, now())
            .await
            .unwrap();
    });
}

/// Every progress event, sent to the test; the first one from the middle of the
/// import holds the import until the test says go on.
struct Pause {
    events: Receiver<(usize, usize)>,
    go_on: Sender<()>,
}

fn pause_at_first_batch(app: &tauri::App<tauri::test::MockRuntime>) -> Pause {
    let (events_tx, events) = channel();
    let (go_on, go_on_rx) = channel::<()>();
    let go_on_rx = Mutex::new(Some(go_on_rx));
    app.listen("board-import-progress", move |event| {
        let p: Value = serde_json::from_str(event.payload()).unwrap();
        let (done, total) = (
            p["done"].as_u64().unwrap() as usize,
            p["total"].as_u64().unwrap() as usize,
        );
        let _ = events_tx.send((done, total));
        if done > 0 && done < total {
            // Only the first: take the receiver so later events pass straight on.
            if let Some(rx) = go_on_rx.lock().unwrap().take() {
                let _ = rx.recv_timeout(PATIENCE);
            }
        }
    });
    Pause { events, go_on }
}

/// Run the import on a thread of its own, as the command would on the async runtime.
fn start_import(
    app: &tauri::App<tauri::test::MockRuntime>,
    files: Vec<PathBuf>,
    identity: String,
) -> Receiver<Result<ImportSummary, escalate_app::error::AppError>> {
    let handle = app.handle().clone();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let state = handle.state::<AppState>();
        let result = tauri::async_runtime::block_on(import_files(
            &handle,
            &state,
            files,
            Some(Opener::Identity(zeroize::Zeroizing::new(identity))),
        ));
        let _ = tx.send(result);
    });
    rx
}

/// The first progress event from the middle of the import: it is paused there now.
fn wait_for_pause(pause: &Pause) -> (usize, usize) {
    loop {
        let (done, total) = pause
            .events
            .recv_timeout(PATIENCE)
            .expect("no progress event from the middle of the import");
        if done > 0 && done < total {
            return (done, total);
        }
    }
}

/// A command sent from another thread, answered within `PATIENCE` or the test fails.
fn invoke_meanwhile(
    w: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &'static str,
    body: Value,
) -> Result<Value, Value> {
    let w = w.clone();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let _ = tx.send(invoke(&w, cmd, body));
    });
    rx.recv_timeout(PATIENCE).unwrap_or_else(|_| {
        panic!("{cmd} did not answer while the import was under way: the import holds the session")
    })
}

fn period() -> Value {
    let today = now().date();
    json!({"selection": {"from": (today - chrono::Duration::days(3650)).to_string(),
                         "to": today.to_string(), "agency": null, "protocol": null}})
}

#[test]
fn other_commands_answer_while_a_large_import_is_under_way_and_progress_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut files, refs, identity, card) = packages(tmp.path());
    let cases = refs.iter().collect::<std::collections::BTreeSet<_>>().len();
    let genuine = files.len();
    // Hostile files at the end: one that is not a package, and a FIFO, which would
    // block the import forever if it were opened and read like a file.
    let broken = tmp.path().join("zz-broken.escalate-export");
    std::fs::write(&broken, b"age-encryption.org/v1\nnot really").unwrap();
    let fifo = tmp.path().join("zz-fifo.escalate-export");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo (coreutils) made the FIFO");
    files.push(broken);
    files.push(fifo);
    let total = files.len();

    let app = app(tmp.path());
    let w = window(&app);
    create(&w, "board", "Western Bay Safeguarding Children Board").unwrap();
    trust_agency(&app, &card);
    let pause = pause_at_first_batch(&app);
    let finished = start_import(&app, files, identity);

    let (done, reported_total) = wait_for_pause(&pause);
    assert_eq!(reported_total, total);
    // Meanwhile, with the import under way, the screens' commands answer.
    let status = invoke_meanwhile(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["kind"], "board");
    let view = invoke_meanwhile(&w, "board_overview", period()).unwrap();
    // And what is written so far is committed, batch by batch.
    let so_far = refs[..done]
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert_eq!(
        view["records"], so_far,
        "the cases of the first {done} files are in the store"
    );
    assert!(so_far < cases, "the import is not finished yet");
    pause.go_on.send(()).unwrap();

    let summary = finished
        .recv_timeout(PATIENCE)
        .expect("the import finished")
        .unwrap();
    assert_eq!(summary.files.len(), total);
    assert_eq!(summary.new, cases);
    assert_eq!(summary.replaced, genuine - cases);
    assert_eq!((summary.duplicate, summary.older), (0, 0));
    assert_eq!(summary.refused, 2);
    assert_eq!(
        summary.held, 0,
        "every package is signed by an agency in the directory, so none is held"
    );
    let fifo_result = summary.files.last().unwrap();
    assert!(
        fifo_result
            .refused
            .as_deref()
            .unwrap()
            .contains("not a regular file"),
        "{fifo_result:?}"
    );

    // Progress: from nothing, step by step, to every file.
    let mut seen = vec![(0, total), (done, total)];
    seen.extend(pause.events.try_iter());
    assert_eq!(seen.first(), Some(&(0, total)));
    assert_eq!(seen.last(), Some(&(total, total)));
    assert!(
        seen.windows(2).all(|p| p[0].0 <= p[1].0),
        "progress only goes forward: {seen:?}"
    );
    assert!(
        seen.len() >= 2 + genuine / 25,
        "a batch at a time, at most 25 packages each: {seen:?}"
    );
    let view = invoke(&w, "board_overview", period()).unwrap();
    assert_eq!(view["records"], cases);
}

#[test]
fn locking_the_app_during_an_import_stops_it_with_what_is_kept_and_a_way_on() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, refs, identity, card) = packages(tmp.path());
    let total = files.len();
    let app = app(tmp.path());
    let w = window(&app);
    create(&w, "board", "Western Bay Safeguarding Children Board").unwrap();
    trust_agency(&app, &card);
    let pause = pause_at_first_batch(&app);
    let finished = start_import(&app, files.clone(), identity.clone());
    let (done, _) = wait_for_pause(&pause);
    invoke_meanwhile(&w, "lock", json!({})).unwrap();
    pause.go_on.send(()).unwrap();

    let err = finished
        .recv_timeout(PATIENCE)
        .expect("the import ended")
        .unwrap_err();
    assert_eq!(err.code, "store.locked");
    assert!(
        err.message
            .contains(&format!("stopped after {done} of {total} files")),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("import the same files again"),
        "{}",
        err.message
    );

    // What was written stays; the same files again finish the job.
    invoke(&w, "unlock", json!({"kind": "board", "passphrase": null})).unwrap();
    let view = invoke(&w, "board_overview", period()).unwrap();
    let kept = refs[..done]
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert_eq!(view["records"], kept);
    let again = start_import(&app, files, identity)
        .recv_timeout(PATIENCE)
        .expect("the second import finished")
        .unwrap();
    assert_eq!(again.duplicate, done);
    assert_eq!(again.new + again.replaced, total - done);
}
