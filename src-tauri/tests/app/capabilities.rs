//! Tauri needs each command named three times: in `generate_handler!` (lib.rs), in the
//! app manifest (build.rs) and as a grant (capabilities/main.json). A command missing
//! from the last two is refused at run time; one granted but not handled is a stale
//! permission. These must be the same set.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn handled() -> BTreeSet<String> {
    let lib = read("src/lib.rs");
    let start = lib.find("tauri::generate_handler![").unwrap();
    let end = start + lib[start..].find(']').unwrap();
    lib[start..end]
        .split(',')
        .filter_map(|p| p.trim().rsplit("::").next())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty() && !name.contains('['))
        .collect()
}

fn in_manifest() -> BTreeSet<String> {
    let build = read("build.rs");
    let start = build.find("const COMMANDS").unwrap();
    let end = start + build[start..].find("];").unwrap();
    build[start..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
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

#[test]
fn every_command_is_handled_in_the_manifest_and_granted_once() {
    let handled = handled();
    assert!(handled.contains("app_status") && handled.contains("board_import"));
    assert_eq!(
        in_manifest(),
        handled,
        "build.rs COMMANDS and generate_handler! differ"
    );
    assert_eq!(
        granted(),
        handled,
        "capabilities/main.json and generate_handler! differ"
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
