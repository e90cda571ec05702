//! Export packages: encrypted to the Board's key or a passphrase, minimised on request,
//! and refused when changed or cut short; the one sealing rule both front ends follow;
//! package files read through a bound, opened and extracted.

use std::path::Path;

use escalate_api::export::{open_package, read_package_file, seal_with, PackageRequest};
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
    s.record_stage(&r, record(1, 2, false), t("2026-11-02T16:00"))
        .await
        .unwrap();
    s.escalate(&r, None, None, t("2026-11-03T10:00"))
        .await
        .unwrap();
    s.resolve(&r, "Agreed at Stage 2", t("2026-11-05T10:00"))
        .await
        .unwrap();
    let now = t("2026-11-20T17:00");
    let case = escalate_api::cases::detail(&s, &r, now).await.unwrap();
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
    let pdf = pdf(&s, &r, FormId::CHRONOLOGY, None, "", now).await;
    (export::seal(&pdf, &as_version_1(m), seal).unwrap(), pdf)
}

/// A record as an `escalate-monitoring/1` package carried it (no protocol file, route,
/// skips or extensions): what an agency on an older Escalate still sends, which the
/// Board still reads. A case's own package is version 2 (`the_package_use_case_round_trip`).
fn as_version_1(mut m: export::Monitoring) -> export::Monitoring {
    m.schema = export::SCHEMA_1.to_owned();
    m.protocol.sha256 = None;
    m.route = None;
    m.skipped = None;
    for s in &mut m.stages {
        s.extension = None;
    }
    m
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
        // The shipped file's version: "(rev. 2)" since its Monitoring Form became data.
        csv[1].starts_with("RPD-2026-0001,south-gloucestershire,October 2020 (rev. 2),"),
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
        assert_eq!(e.code(), "export.invalid");
        assert!(e.to_string().contains("changed or cut short"), "{e}");
    }
    let e = export::open(
        &bytes[..bytes.len() - 100],
        Key::Identity(&identity),
        t("2026-11-20T17:00"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "export.invalid");
    assert!(e.to_string().contains("changed or cut short"), "{e}");
    let e = export::open(
        b"%PDF-1.3 not a package",
        Key::Identity(&identity),
        t("2026-11-20T17:00"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "export.invalid");
    assert!(
        e.to_string()
            .starts_with("package: it is not an Escalate export package"),
        "{e}"
    );
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

/// The one rule for sealing, the CLI's and the app's: the Board's public keys or a
/// passphrase, never both (refused naming `recipient`); neither seals to the Board the
/// partnership bundle named.
#[test]
fn a_package_is_sealed_to_keys_or_a_passphrase_never_both() {
    use escalate_api::export::SealTo;
    let keys = ["age1qexample".to_owned()];
    let blank = ["  ".to_owned()];
    assert!(matches!(
        seal_with(&keys, None).unwrap(),
        SealTo::Given(Seal::Recipients(k)) if k == keys
    ));
    assert!(matches!(
        seal_with(&keys, Some("")).unwrap(),
        SealTo::Given(Seal::Recipients(_))
    ));
    assert!(matches!(
        seal_with(&[], Some("a long shared passphrase")).unwrap(),
        SealTo::Given(Seal::Passphrase("a long shared passphrase"))
    ));
    // The app sends its one key box as given, empty when a passphrase is used.
    assert!(matches!(
        seal_with(&blank, Some("a long shared passphrase")).unwrap(),
        SealTo::Given(Seal::Passphrase(_))
    ));
    let both = seal_with(&keys, Some("a long shared passphrase")).unwrap_err();
    assert_eq!(both.code, "field.invalid");
    assert_eq!(both.field.as_deref(), Some("recipient"));
    assert_eq!(
        both.message,
        "recipient: give either the Board's public key (age1…) or a passphrase agreed with the Board, not both"
    );
    for (recipients, passphrase) in [(&[][..], None), (&[][..], Some("")), (&blank[..], None)] {
        assert!(matches!(
            seal_with(recipients, passphrase).unwrap(),
            SealTo::Board
        ));
    }
}

/// Neither a key nor a passphrase, in a store no partnership bundle has named a Board
/// for: refused naming `recipient`, saying how to say who can open it.
#[tokio::test]
async fn a_package_for_no_board_is_refused_naming_the_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "western-bay").await;
    let r = s
        .create_case(new_case("Summary"), t("2026-11-02T09:00"))
        .await
        .unwrap();
    let request = escalate_api::export::PackageRequest {
        form: None,
        effectiveness: "",
        minimise: false,
        seal: seal_with(&[], None).unwrap(),
        now: t("2026-11-03T10:00"),
    };
    let e = escalate_api::export::package(&s, &r, request).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("recipient"));
    assert!(e.message.starts_with("recipient: say who can open it"), "{}", e.message);
}

/// A case's package through the use case: the protocol's report form, sealed by the
/// rule, opened from its file through the bound and extracted into a new folder.
#[tokio::test]
async fn the_package_use_case_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), "western-bay").await;
    let r = s
        .create_case(new_case("Summary"), t("2026-11-02T09:00"))
        .await
        .unwrap();
    s.record_stage(&r, record(1, 2, true), t("2026-11-02T16:00"))
        .await
        .unwrap();
    s.resolve(&r, "Agreed at Stage 1", t("2026-11-03T10:00"))
        .await
        .unwrap();
    let key_file = dir.path().join("board.key");
    let public = escalate_api::export::keygen(&key_file, t("2026-11-20T17:00")).unwrap();
    assert!(public.starts_with("age1"), "{public}");
    let identity = std::fs::read_to_string(&key_file).unwrap();
    let recipients = [public];
    let bytes = escalate_api::export::package(
        &s,
        &r,
        PackageRequest {
            form: None,
            effectiveness: "Useful.",
            minimise: true,
            seal: seal_with(&recipients, None).unwrap(),
            now: t("2026-11-20T17:00"),
        },
    )
    .await
    .unwrap();
    let file = dir.path().join("case.escalate-export");
    escalate_api::reports::save(&file, &bytes).unwrap();
    let p = open_package(&file, Key::Identity(&identity), t("2026-11-20T17:00")).unwrap();
    assert_eq!(p.monitoring.child.name, "S. L. Ŵ.");
    assert_eq!(p.monitoring.effectiveness, "Useful.");
    // Western Bay's package carries its RPD Report unless told otherwise.
    let text = text(&p.pdf, None);
    assert!(
        text.contains("Resolution of Professional Differences Report"),
        "{text}"
    );
    // A minimised package's form names the child as its record does.
    let chronology = escalate_api::export::package(
        &s,
        &r,
        PackageRequest {
            form: Some(FormId::CHRONOLOGY),
            effectiveness: "",
            minimise: true,
            seal: seal_with(&[], Some("a long shared passphrase")).unwrap(),
            now: t("2026-11-20T17:00"),
        },
    )
    .await
    .unwrap();
    let opened = export::open(
        &chronology,
        Key::Passphrase("a long shared passphrase"),
        t("2026-11-20T17:00"),
    )
    .unwrap();
    let minimised = crate::text(&opened.pdf, None);
    assert!(minimised.contains("S. L. Ŵ."), "{minimised}");
    assert!(
        !minimised.contains(CHILD),
        "the PDF names the child: {minimised}"
    );

    let out = dir.path().join("extracted");
    escalate_api::export::extract(&p, &out).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    // A case's package carries its protocol since escalate-monitoring/2 (issue 12).
    assert_eq!(
        names,
        [
            "monitoring.csv",
            "monitoring.json",
            "protocol.toml",
            "report.pdf"
        ]
    );
    assert_eq!(std::fs::read(out.join("report.pdf")).unwrap(), p.pdf);
    // Never into a folder that exists: nothing is written over.
    let e = escalate_api::export::extract(&p, &out).unwrap_err();
    assert_eq!(e.code, "io");
    // The key file is never overwritten either.
    let e = escalate_api::export::keygen(&key_file, t("2026-11-20T17:00")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("out"));
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), identity);
}

#[test]
fn files_that_are_not_packages_are_refused_from_their_metadata() {
    let e = read_package_file(Path::new("/dev/zero")).unwrap_err();
    assert!(e.to_string().contains("it is not a regular file"), "{e}");
    assert_eq!(
        (e.code, e.field.as_deref()),
        (escalate_core::ErrorCode::ExportInvalid, Some("package"))
    );
    let dir = tempfile::tempdir().unwrap();
    let e = read_package_file(dir.path()).unwrap_err();
    assert!(e.to_string().contains("it is not a regular file"), "{e}");
    // A sparse file on disk: 1 GiB by its metadata, nothing read.
    let big = dir.path().join("big.escalate-export");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let e = read_package_file(&big).unwrap_err();
    assert!(
        e.to_string()
            .contains("it is 1073741824 bytes, larger than any export package"),
        "{e}"
    );
    let e = open_package(
        &big,
        Key::Passphrase("a long shared passphrase"),
        t("2026-11-20T17:00"),
    )
    .unwrap_err();
    assert!(
        e.message.starts_with("package: it is 1073741824 bytes"),
        "{e}"
    );
}

#[test]
fn the_identity_is_read_through_a_bound_and_wins_over_a_passphrase() {
    use escalate_api::export::{opener, read_identity, Opener};
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("board.key");
    let public = escalate_api::export::keygen(&key_file, t("2026-11-20T17:00")).unwrap();
    let identity = read_identity(&key_file).unwrap();
    assert!(identity.contains("AGE-SECRET-KEY-1"));
    // A wrong choice (a device, a large file) is refused before it fills memory.
    let e = read_identity(Path::new("/dev/zero")).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (escalate_core::ErrorCode::FieldInvalid, Some("identity"))
    );
    assert!(
        e.message.starts_with("/dev/zero: is not a regular file"),
        "{e}"
    );
    let big = dir.path().join("big.key");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let e = read_identity(&big).unwrap_err();
    assert!(e.message.contains("is 1073741824 bytes"), "{e}");

    let pass = || Passphrase::new("a long shared passphrase");
    let o = opener(Some(identity), Some(pass())).unwrap();
    assert!(matches!(o, Opener::Identity(_)), "{o:?}");
    assert_eq!(format!("{o:?}"), "Opener(<redacted>)");
    // The identity opens what was sealed to its public key.
    let m: export::Monitoring = serde_json::from_value(crate::fixtures::good_record()).unwrap();
    let sealed = export::seal(b"%PDF-1.3 test", &m, Seal::Recipients(&[public])).unwrap();
    export::open(&sealed, o.key(), t("2026-11-20T17:00")).unwrap();
    assert!(matches!(
        opener(None, Some(pass())).unwrap(),
        Opener::Passphrase(_)
    ));
    let e = opener(None, None).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("identity"));
}
