use crate::mock_ipc::{main_window, mock_app, send};

pub(crate) fn app(dir: &std::path::Path) -> tauri::App<tauri::test::MockRuntime> {
    mock_app(dir).unwrap()
}

pub(crate) fn window(
    app: &tauri::App<tauri::test::MockRuntime>,
) -> tauri::WebviewWindow<tauri::test::MockRuntime> {
    main_window(app).unwrap()
}

pub(crate) fn invoke(
    window: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    send(window, cmd, body)
}

#[test]
fn a_fresh_data_folder_reports_first_run_and_commands_need_an_unlocked_store() {
    let tmp = tempfile::tempdir().unwrap();
    let app = app(tmp.path());
    let w = window(&app);
    let status = invoke(&w, "app_status", serde_json::json!({})).unwrap();
    assert_eq!(status["store_exists"], false);
    assert_eq!(status["unlocked"], false);

    let err = invoke(
        &w,
        "list_cases",
        serde_json::json!({"includeClosed": false, "search": null}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "store.locked");
    assert!(err["message"].as_str().unwrap().contains("unlock"));
}

#[test]
fn a_mismatched_confirmation_is_a_field_error_and_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let app = app(tmp.path());
    let w = window(&app);
    let err = invoke(
        &w,
        "create_store",
        serde_json::json!({
            "kind": "lead",
            "profile": {"name": "A Lead", "designation": "DSL", "agency": "School",
                        "sector": "schools", "protocol_id": "london", "calendar": "england-and-wales",
                        "auto_lock_minutes": 10},
            "passphrase": "correct horse battery staple",
            "confirm": "correct horse battery stapler"
        }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "field.invalid");
    assert_eq!(err["field"], "confirm", "the UI marks the input by this");
    assert!(err["message"].as_str().unwrap().starts_with("confirm:"));
    assert!(!tmp.path().join("data").exists());
}

#[test]
fn protocols_are_served_with_their_scope_questions() {
    let tmp = tempfile::tempdir().unwrap();
    let app = app(tmp.path());
    let w = window(&app);
    let all = invoke(&w, "protocols", serde_json::json!({})).unwrap();
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    let core = escalate_core::builtin_protocols().unwrap();
    let core_ids: Vec<&str> = core.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, core_ids, "the core's protocols, in its order");
}

#[test]
fn only_the_apps_own_pages_may_load() {
    for ok in ["tauri://localhost/index.html", "http://tauri.localhost/"] {
        assert!(escalate_app::is_app_url(&ok.parse().unwrap()), "{ok}");
    }
    for bad in [
        "https://example.org/",
        "http://localhost.evil.example/",
        "file:///etc/passwd",
        "tauri://elsewhere/",
    ] {
        assert!(!escalate_app::is_app_url(&bad.parse().unwrap()), "{bad}");
    }
}

pub(crate) fn create(
    w: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    kind: &str,
    agency: &str,
) -> Result<serde_json::Value, serde_json::Value> {
    let pass = "correct horse battery staple";
    invoke(
        w,
        "create_store",
        serde_json::json!({"kind": kind, "profile": profile(agency), "passphrase": pass, "confirm": pass}),
    )
}

fn profile(agency: &str) -> serde_json::Value {
    serde_json::json!({"name": "A Lead", "designation": "DSL", "agency": agency,
                       "sector": "schools", "protocol_id": "western-bay", "calendar": "england-and-wales",
                       "auto_lock_minutes": 10})
}

/// The lead's cases and the Board's imported packages live in separate stores; each
/// command answers only for its own, with a code the UI can branch on.
#[test]
fn lead_and_board_stores_are_separate_and_commands_say_which_is_open() {
    let tmp = tempfile::tempdir().unwrap();
    let app = app(tmp.path());
    let w = window(&app);
    let lead = create(&w, "lead", "Hill School").unwrap();
    assert_eq!(
        (lead["kind"].as_str(), lead["store_exists"].as_bool()),
        (Some("lead"), Some(true))
    );
    let period = serde_json::json!({"from": "2026-04-01", "to": "2027-03-31", "agency": null, "protocol": null});
    let err = invoke(
        &w,
        "board_overview",
        serde_json::json!({"selection": period}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "store.wrong_kind");

    invoke(&w, "lock", serde_json::json!({})).unwrap();
    let board = create(&w, "board", "Western Bay Safeguarding Children Board").unwrap();
    assert_eq!(board["kind"], "board");
    assert_eq!(board["board_exists"], true);
    let view = invoke(
        &w,
        "board_overview",
        serde_json::json!({"selection": period}),
    )
    .unwrap();
    assert_eq!(view["figures"]["total"], 0);
    assert_eq!(view["records"], 0);
    let err = invoke(
        &w,
        "list_cases",
        serde_json::json!({"includeClosed": true, "search": null}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "store.wrong_kind");
    let backwards = serde_json::json!({"from": "2027-03-31", "to": "2026-04-01", "agency": null, "protocol": null});
    let err = invoke(
        &w,
        "board_overview",
        serde_json::json!({"selection": backwards}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "field.invalid");
    assert_eq!(err["field"], "to");
    assert!(err["message"].as_str().unwrap().starts_with("to:"));
    assert!(tmp.path().join("data-board").join("escalate.db").exists());
    assert!(tmp.path().join("data").join("escalate.db").exists());
}

/// A later start unlocks from the OS keyring in setup (needs the D-Bus keyring that
/// `make test` provides), so the UI opens straight onto the dashboard.
#[test]
fn a_later_start_is_unlocked_from_the_keyring_before_the_ui_asks() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let first = app(tmp.path());
        let w = window(&first);
        let made = create(&w, "lead", "Hill School").unwrap();
        assert_eq!(
            made["notices"],
            serde_json::json!([]),
            "the key went into the keyring"
        );
        invoke(&w, "lock", serde_json::json!({})).unwrap();
    }
    let mut again = app(tmp.path());
    // Setup runs when the event loop reports Ready: one iteration, not a loop, so the
    // deprecation (about busy-looping) does not apply.
    #[allow(deprecated)]
    again.run_iteration(|_, _| {});
    let w = window(&again);
    let status = invoke(&w, "app_status", serde_json::json!({})).unwrap();
    assert_eq!(status["unlocked"], true);
    assert_eq!(status["kind"], "lead");
    assert_eq!(status["profile"]["agency"], "Hill School");
}

/// commands.ts sends each argument under the name the table gives it, in camelCase;
/// Tauri reads them under its own rule. A command sent without its arguments is
/// refused, before its body runs, naming the first key it needs: that key is the one
/// commands.ts sends.
#[test]
fn the_argument_names_commands_ts_sends_are_the_keys_tauri_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let app = app(tmp.path());
    let w = window(&app);
    let mut checked = Vec::new();
    for c in escalate_app::commands::COMMANDS {
        // An optional argument may be left out, so the first required one is named.
        let Some((key, _)) = c.ipc_args().find(|(_, ts)| !ts.ends_with("| null")) else {
            continue;
        };
        let err = invoke(&w, c.name, serde_json::json!({})).unwrap_err();
        let said = err.as_str().unwrap_or_default();
        assert!(
            said.ends_with(&format!("command {} missing required key {key}", c.name)),
            "{}: {err}",
            c.name
        );
        checked.push(c.name);
    }
    assert!(checked.contains(&"list_cases") && checked.contains(&"mark_sent"));
    assert!(checked.len() >= 25, "{checked:?}");
    assert!(!tmp.path().join("data").exists(), "no body ran");
}
