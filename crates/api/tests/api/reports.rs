//! Forms through the use cases: the list a protocol offers, preview and PDF from one
//! layout, and saving as a new file the owner alone can read.

use std::os::unix::fs::PermissionsExt;

use escalate_api::reports::{forms, preview, render, save};
use escalate_core::FormId;
use escalate_report::ReportOptions;

use crate::*;

#[tokio::test]
async fn forms_preview_and_render_from_one_load() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "south-gloucestershire").await;
    let r = s
        .create_case(new_case("Summary"), t("2026-11-02T09:00"))
        .await
        .unwrap();
    let now = t("2026-11-03T09:00");
    assert_eq!(
        forms(&s, &r, now)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.form)
            .collect::<Vec<_>>(),
        [
            FormId::new("monitoring-form").unwrap(),
            FormId::STAGE_RECORD,
            FormId::CHRONOLOGY
        ]
    );
    let opts = ReportOptions {
        form: FormId::CHRONOLOGY,
        stage: None,
        effectiveness: String::new(),
        notes: String::new(),
        generated_at: now,
    };
    let pages = preview(&s, &r, &opts).await.unwrap();
    let pdf = render(&s, &r, &opts).await.unwrap();
    let text = text(&pdf, None);
    for line in pages.iter().flatten().filter(|l| !l.trim().is_empty()) {
        let word = line.split_whitespace().next().unwrap();
        assert!(text.contains(word), "{word:?} previewed, not printed");
    }
    assert!(pages.concat().iter().any(|l| l.contains(CHILD)));
    // An unknown case names the reference, from the store's own words.
    let e = forms(&s, "RPD-2026-9999", now).await.unwrap_err();
    assert_eq!(e.code, "case.not_found");
}

#[test]
fn save_writes_a_new_file_for_its_owner_alone_and_never_over_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    save(&path, b"%PDF-1.7 first").unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read(&path).unwrap(), b"%PDF-1.7 first");

    let e = save(&path, b"%PDF-1.7 second").unwrap_err();
    assert_eq!(e.code, "field.invalid");
    assert_eq!(e.field.as_deref(), Some("out"));
    assert_eq!(
        e.message,
        format!(
            "out: {} already exists: choose a new file name",
            path.display()
        )
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"%PDF-1.7 first");

    // Nor through a link to another file.
    let target = dir.path().join("elsewhere.txt");
    std::fs::write(&target, b"kept").unwrap();
    let link = dir.path().join("link.pdf");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert_eq!(
        save(&link, b"%PDF-").unwrap_err().field.as_deref(),
        Some("out")
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"kept");

    // A folder that is not there is the machine's answer, named by its path.
    let e = save(&dir.path().join("no/such/folder/r.pdf"), b"%PDF-").unwrap_err();
    assert_eq!(e.code, "io");
    assert!(e.message.contains("no/such/folder/r.pdf"), "{}", e.message);
}

/// escalate-report stays pure: none of its dependencies, dev or not, is the store, so
/// nothing in it can read one. (Loading is this crate's job.)
#[test]
fn the_report_crate_does_not_depend_on_the_store() {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let report = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "escalate-report")
        .unwrap();
    let deps: Vec<&str> = report["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(deps.contains(&"escalate-core"), "{deps:?}");
    assert!(!deps.contains(&"escalate-store"), "{deps:?}");
}
