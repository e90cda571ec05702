// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before anything is read or written: owner-only files, no core dumps. Best
    // effort: a system that refuses one of them still gets the others.
    let _ = escalate_api::process::harden();
    escalate_app::run();
}
