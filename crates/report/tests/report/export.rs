//! Export packages: encrypted to the Board's key or a passphrase, minimised on request,
//! and refused when changed or cut short.

use escalate_core::FormId;
use escalate_report::export::{self, Key, Seal};

use crate::*;

async fn package(minimise: bool, seal: Seal<'_>) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "south-gloucestershire").await;
    let r = s
        .create_case(new_case("Summary, with a comma"), t("2026-11-02T09:00"))
        .await
        .unwrap();
    s.record_stage(&r, record(1, 2, false), t("2026-11-20T16:00"))
        .await
        .unwrap();
    s.escalate(&r, None, None, t("2026-11-03T10:00"))
        .await
        .unwrap();
    s.resolve(&r, "Agreed at Stage 2", t("2026-11-05T10:00"))
        .await
        .unwrap();
    let now = t("2026-11-20T17:00");
    let case = s
        .case_file(&r)
        .await
        .unwrap()
        .detail(s.calendar(), now)
        .unwrap();
    let protocol = escalate_core::builtin_protocol("south-gloucestershire")
        .unwrap()
        .unwrap();
    let m = export::monitoring(
        s.profile(),
        &case,
        protocol,
        s.calendar(),
        "Useful.",
        minimise,
        now,
    );
    let pdf = pdf(&s, &r, FormId::Chronology, None, "", now).await;
    (export::seal(&pdf, &m, seal).unwrap(), pdf)
}

#[tokio::test]
async fn round_trip_to_the_boards_key() {
    let (identity, public) = export::keygen(t("2026-11-20T17:00"));
    let (bytes, pdf) = package(false, Seal::Recipients(&[public])).await;
    let p = export::open(&bytes, Key::Identity(&identity), t("2026-11-20T17:00")).unwrap();
    assert_eq!(p.pdf, pdf);
    let names: Vec<_> = p.files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, ["report.pdf", "monitoring.json", "monitoring.csv"]);
    let m = &p.monitoring;
    assert_eq!(
        (
            m.schema.as_str(),
            m.reference.as_str(),
            m.child.name.as_str()
        ),
        ("escalate-monitoring/1", "RPD-2026-0001", CHILD)
    );
    assert_eq!(m.child.date_of_birth.as_deref(), Some("2015-04-02"));
    assert_eq!((m.stage_reached, m.stage_resolved), (2, Some(2)));
    // Opened Mon 2 Nov, resolved Thu 5 Nov: 3 calendar days, 3 working days.
    assert_eq!((m.calendar_days, m.working_days), (Some(3), Some(3)));
    // Stage 1 was due (cumulatively) on 3 Nov and ended then; Stage 2 was due 4 Nov and ended 5 Nov.
    let timing: Vec<_> = m
        .stages
        .iter()
        .map(|s| (s.stage, s.due.clone(), s.within_timescale))
        .collect();
    assert_eq!(
        timing,
        [
            (1, Some("2026-11-03".to_owned()), Some(true)),
            (2, Some("2026-11-04".to_owned()), Some(false))
        ]
    );
    assert_eq!(m.raising.sector.as_deref(), Some("schools"));
    let csv: Vec<&str> = p.csv.lines().collect();
    assert_eq!(csv.len(), 2);
    assert!(
        csv[1].starts_with("RPD-2026-0001,south-gloucestershire,October 2020,"),
        "{}",
        csv[1]
    );
    assert!(csv[1].ends_with(",false,2,1"), "{}", csv[1]);
    // Another key cannot open it.
    let (other, _) = export::keygen(t("2026-11-20T17:00"));
    assert_eq!(
        export::open(&bytes, Key::Identity(&other), t("2026-11-20T17:00"))
            .unwrap_err()
            .code(),
        "export.invalid"
    );
    // Nothing readable in the package itself.
    assert!(!bytes.windows(CHILD.len()).any(|w| w == CHILD.as_bytes()));
}

#[tokio::test]
async fn round_trip_with_a_passphrase_and_minimised() {
    let (bytes, _) = package(true, Seal::Passphrase("a long shared passphrase")).await;
    let p = export::open(
        &bytes,
        Key::Passphrase("a long shared passphrase"),
        t("2026-11-20T17:00"),
    )
    .unwrap();
    assert!(p.monitoring.minimised);
    assert_eq!(p.monitoring.child.name, "S. L. Ŵ.");
    assert_eq!(p.monitoring.child.date_of_birth.as_deref(), Some("2015"));
    assert_eq!(p.monitoring.child.identifiers, None);
    let e = export::open(
        &bytes,
        Key::Passphrase("not the passphrase"),
        t("2026-11-20T17:00"),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("passphrase: this passphrase cannot open the package"),
        "{e}"
    );
}

#[tokio::test]
async fn changed_or_truncated_packages_are_refused() {
    let (identity, public) = export::keygen(t("2026-11-20T17:00"));
    let (bytes, _) = package(false, Seal::Recipients(&[public])).await;
    for at in [bytes.len() / 2, bytes.len() - 5] {
        let mut changed = bytes.clone();
        changed[at] ^= 0x20;
        let e =
            export::open(&changed, Key::Identity(&identity), t("2026-11-20T17:00")).unwrap_err();
        assert!(e.to_string().contains("changed or cut short"), "{e}");
    }
    let e = export::open(
        &bytes[..bytes.len() - 100],
        Key::Identity(&identity),
        t("2026-11-20T17:00"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("changed or cut short"), "{e}");
    assert!(export::open(
        b"%PDF-1.3 not a package",
        Key::Identity(&identity),
        t("2026-11-20T17:00")
    )
    .is_err());
}

#[test]
fn bad_keys_and_weak_passphrases_are_named() {
    let e = export::seal(
        b"%PDF-",
        &dummy(),
        Seal::Recipients(&["age1nope".to_owned()]),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("recipient: 'age1nope' is not an age public key"),
        "{e}"
    );
    let e = export::seal(b"%PDF-", &dummy(), Seal::Passphrase("short")).unwrap_err();
    assert!(e
        .to_string()
        .starts_with("passphrase: a package passphrase must be at least 12 characters"));
    assert!(export::open(b"x", Key::Identity("not a key"), t("2026-11-20T17:00")).is_err());
}

fn dummy() -> export::Monitoring {
    serde_json::from_value(serde_json::json!({
        "schema": "escalate-monitoring/1", "exported_at": "2026-11-20T17:00:00",
        "exported_by": {"name": "A", "designation": "B", "agency": "C"}, "reference": "RPD-2026-0001",
        "protocol": {"id": "london", "version": "September 2021", "partnership": "P"}, "minimised": false,
        "child": {"name": "X", "date_of_birth": null, "identifiers": null}, "category": "c",
        "raising": {"agency": "A", "sector": null}, "receiving": {"agency": "B", "sector": null},
        "opened_at": "2026-11-02T09:00:00", "status": "open", "stage_reached": 1, "stage_resolved": null,
        "closed_at": null, "calendar_days": null, "working_days": null, "immediate_risk": false,
        "stages": [], "outcome": null, "effectiveness": ""
    }))
    .unwrap()
}

#[tokio::test]
async fn monitoring_json_follows_the_published_schema() {
    // The schema file in docs/ is what Boards build on: check real output against it
    // with an independent validator (Python's jsonschema, installed by make test).
    for minimise in [false, true] {
        let (identity, public) = export::keygen(t("2026-11-20T17:00"));
        let (bytes, _) = package(minimise, Seal::Recipients(&[public])).await;
        let p = export::open(&bytes, Key::Identity(&identity), t("2026-11-20T17:00")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("monitoring.json");
        std::fs::write(&json, serde_json::to_vec(&p.monitoring).unwrap()).unwrap();
        let schema =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/export-schema.json");
        let script = "import json, sys, jsonschema\nschema = json.load(open(sys.argv[1]))\njsonschema.Draft202012Validator.check_schema(schema)\njsonschema.validate(json.load(open(sys.argv[2])), schema, cls=jsonschema.Draft202012Validator)\n";
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                script,
                schema.to_str().unwrap(),
                json.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "monitoring.json does not follow docs/export-schema.json (make test installs jsonschema): {}", String::from_utf8_lossy(&out.stderr));
    }
}
