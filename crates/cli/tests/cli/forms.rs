//! The forms a protocol declares, from the command line without a store: a blank
//! specimen of any of them, and `protocol show` listing them with the record fields.

use std::path::Path;

use crate::{fails, ok};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/protocols")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

fn pdftotext(pdf: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-raw", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (make test installs poppler-utils)");
    assert!(out.status.success());
    // Labels wrap in their column: one space between words, wherever the lines break.
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_blank_specimen_of_a_shipped_or_a_files_form() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("specimen.pdf");
    let o = out.to_str().unwrap();
    let printed = ok(&[
        "protocol",
        "form",
        "south-gloucestershire",
        "monitoring-form",
        "--out",
        o,
        "--now",
        "2026-11-20T10:00",
    ]);
    assert!(printed.starts_with(&format!("{o}\t")), "{printed}");
    let text = pdftotext(&out);
    for label in [
        "Specimen: not filled in",
        "Full Name of Child",
        "Initiating Manager Signature",
        "Stage at which Resolution reached",
        "☐ Stage 3",
        "☐ Stage 4",
    ] {
        assert!(text.contains(label), "{label}: {text}");
    }
    assert!(!text.contains("Case reference"), "{text}");
    // Never over a file that is there.
    let (code, err) = fails(&[
        "protocol",
        "form",
        "south-gloucestershire",
        "monitoring-form",
        "--out",
        o,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--out:") && err.contains("already exists"),
        "{err}"
    );

    let darlington = fixture("darlington.toml");
    let out = dir.path().join("tool.pdf");
    ok(&[
        "protocol",
        "form",
        &darlington,
        "professional-challenge-recording-tool",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = pdftotext(&out);
    assert!(
        text.contains("Professional Challenge Recording Tool"),
        "{text}"
    );
    assert!(text.contains("Details of any outstanding issues"), "{text}");
}

#[test]
fn a_specimen_is_refused_naming_the_form_and_listing_the_protocols_own() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.pdf");
    let o = out.to_str().unwrap();
    let (code, err) = fails(&["protocol", "form", "western-bay", "letter", "--out", o]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim_end(),
        "escalate: --form: letter is not one of protocol 'western-bay''s own forms, which a specimen shows: use one of rpd-report"
    );
    let (_, err) = fails(&["protocol", "form", "western-bay", "Letter Form", "--out", o]);
    assert!(
        err.starts_with("escalate: --form: 'Letter Form' is not a form"),
        "{err}"
    );
    let (_, err) = fails(&["protocol", "form", "nowhere", "rpd-report", "--out", o]);
    assert!(err.starts_with("escalate: --protocol:"), "{err}");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn protocol_show_lists_the_forms_and_the_record_fields() {
    let shown = ok(&["protocol", "show", "western-bay"]);
    for line in [
        "Record fields:",
        "  risk-analysis: Analysis of the perceived risk to the child and the steps taken to try to resolve the matter (paragraphs)",
        "Forms:",
        "  rpd-report: Resolution of Professional Differences Report (what a Board package carries)",
        "    Heading: Western Bay Safeguarding Children Board",
        "    Stage at which resolution achieved- 5 and 6 — tick: stage-resolved",
        "    Time taken to reach resolution- — resolution.time-taken",
        "    Date: — blank, 1 line to write in",
        "    Signature: — blank, 18 mm to write in",
        "  stage-record: Stage record (every protocol)",
        "  chronology: Case chronology (every protocol)",
        "  Form: Resolution of Professional Differences Report (rpd-report) on discussion, send to Case records of both agencies/organisations; WBSCB Administrator",
    ] {
        assert!(
            shown.lines().any(|l| l == line),
            "no line '{line}' in:\n{shown}"
        );
    }
    let shown = ok(&["protocol", "show", &fixture("darlington.toml")]);
    assert!(
        shown.contains("  outstanding-issues: Details of any outstanding issues (paragraphs)"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "  professional-challenge-recording-tool: Professional Challenge Recording Tool\n"
        ),
        "{shown}"
    );
}
