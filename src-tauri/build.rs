// Each command needs a capability grant (capabilities/main.json): without an app
// manifest every command would be open to every window.
const COMMANDS: &[&str] = &[
    "app_status",
    "new_passphrase",
    "create_store",
    "unlock",
    "lock",
    "open_demo",
    "list_cases",
    "case_detail",
    "chronology",
    "protocols",
    "record_fields",
    "create_case",
    "escalate_case",
    "resolve_case",
    "withdraw_case",
    "mark_sent",
    "record_stage",
    "save_draft",
    "load_draft",
    "report_forms",
    "preview_report",
    "save_report",
    "open_saved",
    "export_package",
    "update_profile",
    "closure_days",
    "add_closure_day",
    "remove_closure_day",
    "audit_trail",
    "board_overview",
    "board_cases",
    "board_import",
    "board_save_report",
    "ui_ready",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script's only way to report: cargo shows this and stops.
        #[allow(clippy::panic, reason = "build scripts fail by panicking")]
        {
            panic!("tauri-build: {e:#}");
        }
    }
}
