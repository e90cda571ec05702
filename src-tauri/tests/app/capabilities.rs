//! Tauri needs each command in three places: the handler (made by the command table),
//! the app manifest (build.rs, which includes the same table) and a grant
//! (capabilities/main.json, generated from the table). A command missing from the last
//! two is refused at run time; one granted but not handled is a stale permission.
//! These must be the same set.

use std::collections::BTreeSet;

use escalate_app::commands::COMMANDS;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn table() -> BTreeSet<String> {
    COMMANDS.iter().map(|c| c.name.to_owned()).collect()
}

fn granted() -> BTreeSet<String> {
    let caps: serde_json::Value = serde_json::from_str(&read("capabilities/main.json")).unwrap();
    caps["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect()
}

/// What build.rs gave tauri-build: the app manifest, as tauri-build wrote it when this
/// crate was built (gen/schemas is its output, refreshed on every build-script run).
fn in_manifest() -> BTreeSet<String> {
    let acl: serde_json::Value =
        serde_json::from_str(&read("gen/schemas/acl-manifests.json")).unwrap();
    acl["__app-acl__"]["permissions"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|p| p["commands"]["allow"].as_array().unwrap().clone())
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_command_in_the_table_is_in_the_manifest_and_granted_once() {
    let table = table();
    assert!(table.contains("app_status") && table.contains("board_import"));
    assert_eq!(
        table.len(),
        COMMANDS.len(),
        "a name appears twice in the table"
    );
    assert_eq!(
        in_manifest(),
        table,
        "build.rs's app manifest and the command table differ"
    );
    assert_eq!(
        granted(),
        table,
        "capabilities/main.json and the command table differ: run `make bindings`"
    );
}

#[test]
fn the_webview_gets_no_plugin_permission() {
    let caps: serde_json::Value = serde_json::from_str(&read("capabilities/main.json")).unwrap();
    let other: Vec<&str> = caps["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| !p.starts_with("allow-"))
        .collect();
    assert_eq!(
        other,
        ["core:event:allow-listen", "core:event:allow-unlisten"]
    );
}
