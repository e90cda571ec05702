//! Board administrator mode: packages from three agencies under two protocols,
//! imported (with duplicate, newer, older, malformed, tampered and schema-breaking
//! files) and reported on, every figure counted by hand; hostile packages beside
//! genuine ones; removal; the one period check and the one import tally.

use std::io::Write;
use std::path::PathBuf;

use escalate_api::board::{FileResult, ImportSummary, Selection};
use escalate_api::ApiResult;
use escalate_report::board::{self, figures};
use escalate_report::export::{self, Key, Monitoring};
use escalate_store::{ImportOutcome, Store};
use serde_json::json;

use crate::fixtures::{
    good_record, open_record, opener_of, package_file, sealed_plain, signed, sparse_bomb_tar,
    trust_agencies, with,
};
use crate::*;

/// Import through the use case the CLI calls; each file's result.
async fn import(
    store: &Store,
    files: &[PathBuf],
    key: Key<'_>,
    now: chrono::NaiveDateTime,
    progress: impl FnMut(usize, usize),
) -> ApiResult<Vec<FileResult>> {
    trust_agencies(store, now).await;
    escalate_api::board::import_files(store, files, opener_of(key), now, progress)
        .await
        .map(|s| s.files)
}

fn d(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// A record as an agency's export would hold it.
#[allow(clippy::too_many_arguments)]
fn rec(
    agency: &str,
    sector: &str,
    protocol: &str,
    reference: &str,
    opened: &str,
    resolved: Option<(u8, u32)>,
    stages: serde_json::Value,
    exported: &str,
) -> Monitoring {
    let v = escalate_testkit::record::board_record(
        agency, sector, protocol, reference, opened, resolved, stages, exported,
    );
    serde_json::from_value(v).unwrap()
}

fn sealed(m: &Monitoring, public: &str) -> Vec<u8> {
    signed(m, public)
}

#[tokio::test]
async fn import_then_report_with_hand_counted_figures() {
    let dir = tempfile::tempdir().unwrap();
    let admin = store(dir.path(), "western-bay").await;
    let (identity, public) = export::keygen(t("2026-11-20T17:00"));
    let files = dir.path().join("in");
    std::fs::create_dir(&files).unwrap();
    let none = serde_json::json!([]);
    let sg_b1 = serde_json::json!([{"stage": 1, "started_at": "2026-11-02T09:00:00", "ended_at": "2026-11-03T10:00:00", "due": "2026-11-03", "within_timescale": true}]);
    let sg_b2 = serde_json::json!([
        {"stage": 1, "started_at": "2026-11-09T09:00:00", "ended_at": "2026-11-11T10:00:00", "due": "2026-11-10", "within_timescale": false},
        {"stage": 2, "started_at": "2026-11-11T10:00:00", "ended_at": null, "due": "2026-11-11", "within_timescale": null}]);
    let a2_old = rec(
        "Ysgol Gyfun Bryn",
        "schools",
        "western-bay",
        "RPD-2026-0002",
        "2026-11-02",
        None,
        none.clone(),
        "2026-11-05T10:00",
    );
    let a2_new = rec(
        "Ysgol Gyfun Bryn",
        "schools",
        "western-bay",
        "RPD-2026-0002",
        "2026-11-02",
        Some((2, 3)),
        none.clone(),
        "2026-11-10T10:00",
    );
    let packages = [
        (
            "a1",
            rec(
                "Ysgol Gyfun Bryn",
                "schools",
                "western-bay",
                "RPD-2026-0001",
                "2026-10-05",
                Some((5, 12)),
                none.clone(),
                "2026-11-01T10:00",
            ),
        ),
        ("a2-old", a2_old.clone()),
        (
            "b1",
            rec(
                "Swansea Children’s Services",
                "local-authority",
                "south-gloucestershire",
                "RPD-2026-0001",
                "2026-11-02",
                Some((1, 1)),
                sg_b1,
                "2026-11-04T10:00",
            ),
        ),
        (
            "b2",
            rec(
                "Swansea Children’s Services",
                "local-authority",
                "south-gloucestershire",
                "RPD-2026-0002",
                "2026-11-09",
                None,
                sg_b2,
                "2026-11-12T10:00",
            ),
        ),
        (
            "c1",
            rec(
                "South Wales Police",
                "police",
                "western-bay",
                "RPD-2026-0001",
                "2026-12-01",
                Some((6, 20)),
                none.clone(),
                "2026-12-16T10:00",
            ),
        ),
        (
            "c2",
            rec(
                "South Wales Police",
                "police",
                "western-bay",
                "RPD-2026-0002",
                "2026-09-30",
                Some((1, 2)),
                none.clone(),
                "2026-12-16T10:00",
            ),
        ),
    ];
    for (name, m) in &packages {
        std::fs::write(
            files.join(format!("{name}.escalate-export")),
            sealed(m, &public),
        )
        .unwrap();
    }
    // A newer version of a2, a stranger's file, a changed package, and a package whose
    // monitoring.json breaks the schema.
    std::fs::write(
        files.join("a2-new.escalate-export"),
        sealed(&a2_new, &public),
    )
    .unwrap();
    std::fs::write(files.join("junk.escalate-export"), b"not a package at all").unwrap();
    let mut changed = sealed(&packages[0].1, &public);
    let mid = changed.len() / 2;
    changed[mid] ^= 1;
    std::fs::write(files.join("tampered.escalate-export"), changed).unwrap();
    std::fs::write(files.join("schema.escalate-export"), bad_schema(&public)).unwrap();

    let mut list: Vec<_> = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    list.sort();
    let mut progress = Vec::new();
    let results = import(
        &admin,
        &list,
        Key::Identity(&identity),
        t("2026-12-20T09:00"),
        |done, all| progress.push((done, all)),
    )
    .await
    .unwrap();
    assert_eq!(progress.last(), Some(&(10, 10)));
    let by_name = |n: &str| {
        results
            .iter()
            .find(|r| r.file.ends_with(&format!("/{n}.escalate-export")))
            .unwrap()
            .clone()
    };
    // a2-new sorts before a2-old: the newer arrives first, so the older one is kept but not current.
    assert_eq!(by_name("a2-new").outcome, Some(ImportOutcome::New));
    assert_eq!(by_name("a2-old").outcome, Some(ImportOutcome::Older));
    for n in ["a1", "b1", "b2", "c1", "c2"] {
        assert_eq!(by_name(n).outcome, Some(ImportOutcome::New), "{n}");
    }
    for (n, why) in [
        ("junk", "not an Escalate export package"),
        ("tampered", "changed or cut short"),
        ("schema", "does not follow escalate-monitoring/1"),
    ] {
        let r = by_name(n);
        assert_eq!(r.outcome, None, "{n}");
        assert!(
            r.refused.as_deref().unwrap().contains(why),
            "{n}: {:?}",
            r.refused
        );
    }
    // The same files again: all duplicates, nothing changes.
    let again = import(
        &admin,
        &list[..3],
        Key::Identity(&identity),
        t("2026-12-20T10:00"),
        |_, _| {},
    )
    .await
    .unwrap();
    assert!(again
        .iter()
        .filter(|r| r.outcome.is_some())
        .all(|r| r.outcome == Some(ImportOutcome::Duplicate)));
    // A newer version arriving after an older one replaces it; both stay in the audit trail.
    let a2_newest = rec(
        "Ysgol Gyfun Bryn",
        "schools",
        "western-bay",
        "RPD-2026-0002",
        "2026-11-02",
        Some((2, 3)),
        none.clone(),
        "2026-12-01T10:00",
    );
    let newest = files.join("a2-newest.escalate-export");
    std::fs::write(&newest, sealed(&a2_newest, &public)).unwrap();
    let r = import(
        &admin,
        &[newest],
        Key::Identity(&identity),
        t("2026-12-20T11:00"),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(r[0].outcome, Some(ImportOutcome::Replaced));
    let audit = admin.verify_audit().await.unwrap();
    assert!(audit.ok());
    // store.create, identity.create, a directory.add for each agency trusted, then 6 new
    // (a1, a2-new, b1, b2, c1, c2) + 1 older + 1 replaced.
    let trusted = admin.directory().await.unwrap().len() as u64;
    assert_eq!(audit.entries, 2 + trusted + 8);

    let records = escalate_api::board::records(&admin).await.unwrap();
    assert_eq!(records.len(), 6, "one current version per case");
    let f = figures(
        &records,
        &escalate_api::board::protocols(&admin).await.unwrap(),
        d("2026-10-01"),
        d("2026-12-31"),
        t("2026-11-20T17:00"),
    );
    // In the period: a1, a2 (newest), b1, b2, c1; c2 opened 30 September.
    assert_eq!((f.total, f.resolved), (5, 4));
    let counts = |m: &std::collections::BTreeMap<String, usize>| {
        m.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>()
    };
    assert_eq!(
        counts(&f.by_raising_agency),
        [
            ("South Wales Police".to_owned(), 1),
            ("Swansea Children’s Services".to_owned(), 2),
            ("Ysgol Gyfun Bryn".to_owned(), 2)
        ]
    );
    assert_eq!(
        counts(&f.by_raising_sector),
        [
            ("local-authority".to_owned(), 2),
            ("police".to_owned(), 1),
            ("schools".to_owned(), 2)
        ]
    );
    assert_eq!(
        counts(&f.by_protocol),
        [
            ("south-gloucestershire".to_owned(), 2),
            ("western-bay".to_owned(), 3)
        ]
    );
    assert_eq!(
        counts(&f.by_stage_resolved),
        [
            ("1".to_owned(), 1),
            ("2".to_owned(), 1),
            ("5".to_owned(), 1),
            ("6".to_owned(), 1),
            ("unresolved".to_owned(), 1)
        ]
    );
    // Working days 12, 3, 1, 20: median (3 + 12) / 2, 90th percentile by nearest rank 20.
    assert_eq!(f.median_working_days, Some(7.5));
    assert_eq!(
        (f.time_to_resolution.p90, f.time_to_resolution.longest),
        (Some(20), Some(20))
    );
    assert_eq!(f.time_to_resolution_by_stage["5"].median, Some(12.0));
    let late: Vec<_> = f
        .resolved_at_stage_5_or_6
        .iter()
        .map(|c| (c.raising_agency.as_str(), c.stage_resolved))
        .collect();
    assert_eq!(late, [("South Wales Police", 6), ("Ysgol Gyfun Bryn", 5)]);
    // b1's Stage 1 within, b2's Stage 1 late; b2's Stage 2 not ended.
    assert_eq!(
        (
            f.stages_with_timescale,
            f.stages_within_timescale,
            f.share_within_timescale
        ),
        (2, 1, Some(0.5))
    );
    // b2 (South Gloucestershire, opened Mon 9 Nov) had every stage due by Mon 16 Nov.
    assert_eq!(f.open_past_whole_timescale.len(), 1);
    assert_eq!(
        (
            f.open_past_whole_timescale[0].reference.as_str(),
            f.open_past_whole_timescale[0].all_stages_due
        ),
        ("RPD-2026-0002", d("2026-11-16"))
    );
    let comments: Vec<_> = f.effectiveness.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(comments.len(), 3);
    assert_eq!(f.by_quarter.len(), 1);
    assert_eq!(
        (
            f.by_quarter[0].quarter.as_str(),
            f.by_quarter[0].opened,
            f.by_quarter[0].resolved
        ),
        ("2026-Q4", 5, 4)
    );
    // The PDF: every table, with its values, readable when extracted.
    let pdf = board::pdf(
        &f,
        "Western Bay Safeguarding Children Board",
        "WBSCB",
        t("2026-12-20T09:00"),
    )
    .unwrap();
    check_pdf(&pdf);
    let text = text(&pdf, None);
    assert_contains_all(
        &text,
        &[
            "Resolution of Professional Differences — monitoring report",
            "Cases opened 01/10/2026 to 31/12/2026",
            "Professional differences opened",
            "Median working days to resolution",
            "7.5",
            "Stages completed within the protocol's timescale",
            "1 of 2 (50%)",
            "By raising agency",
            "Raising agency",
            "Cases",
            "South Wales Police",
            "By raising sector",
            "local-authority",
            "By receiving agency",
            "Health Board",
            "By category of disagreement",
            "Threshold for assessment",
            "By protocol",
            "south-gloucestershire",
            "By the stage at which each was resolved",
            "Stage 5",
            "Stage 6",
            "Not resolved",
            "Time to resolution by stage (working days)",
            "All stages",
            "90th percentile",
            "Cases resolved at Stage 5 or 6",
            "Open cases older than their protocol's whole timescale",
            "16/11/2026",
            "Quarter by quarter",
            "2026-Q4",
            "opened",
            "resolved",
            "How effective the protocol was, and suggestions",
            "Comment from Swansea Children’s Services",
        ],
    );
    std::fs::write(std::env::temp_dir().join("escalate-board-report.pdf"), &pdf).unwrap();
    let csv = board::csv(&f);
    assert!(
        csv.contains("raising_agency,cases\r\nSouth Wales Police,1\r\n"),
        "{csv}"
    );
    assert!(csv.contains("all,4,7.5,20,20\r\n"), "{csv}");
}

/// A properly encrypted package whose monitoring.json is missing a field.
fn bad_schema(public: &str) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in [
        ("report.pdf", b"%PDF-1.3".as_slice()),
        (
            "monitoring.json",
            b"{\"schema\":\"escalate-monitoring/1\"}".as_slice(),
        ),
        ("monitoring.csv", b"x".as_slice()),
    ] {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        h.set_cksum();
        tar.append_data(&mut h, name, data).unwrap();
    }
    let plain = tar.into_inner().unwrap();
    let r: age::x25519::Recipient = public.parse().unwrap();
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(&plain).unwrap();
    w.finish().unwrap();
    out
}

#[tokio::test]
async fn a_package_from_2099_cannot_make_the_genuine_update_older() {
    let dir = tempfile::tempdir().unwrap();
    let admin = store(dir.path(), "western-bay").await;
    let (identity, public) = export::keygen(t("2026-11-20T17:00"));
    let future = with(good_record(), "exported_at", json!("2099-01-01T00:00:00"));
    let forged = {
        // seal() refuses nothing about the clock, so a forger needs no special tool.
        package_file(dir.path(), "forged.escalate-export", &future, &public)
    };
    let genuine = package_file(
        dir.path(),
        "genuine.escalate-export",
        &good_record(),
        &public,
    );
    let bomb = dir.path().join("bomb.escalate-export");
    std::fs::write(&bomb, sealed_plain(&sparse_bomb_tar(), &public)).unwrap();
    let results = import(
        &admin,
        &[forged, bomb, genuine],
        Key::Identity(&identity),
        t("2026-11-20T18:00"),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(results[0].outcome, None);
    assert!(
        results[0]
            .refused
            .as_deref()
            .unwrap()
            .contains("exported_at: is more than a day after"),
        "{:?}",
        results[0]
    );
    assert_eq!(results[1].outcome, None, "the bomb is refused");
    assert!(results[1]
        .refused
        .as_deref()
        .unwrap()
        .contains("not a plain ustar entry"));
    assert_eq!(results[2].outcome, Some(ImportOutcome::New));
    let later = with(good_record(), "exported_at", json!("2026-11-21T09:00:00"));
    let update = package_file(dir.path(), "update.escalate-export", &later, &public);
    let r = import(
        &admin,
        &[update],
        Key::Identity(&identity),
        t("2026-11-21T10:00"),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(r[0].outcome, Some(ImportOutcome::Replaced));
}

/// `open_record()` at London's stage 1: London has no stage 0.
fn open_at_stage_1() -> serde_json::Value {
    with(
        with(open_record(), "stage_reached", json!(1)),
        "stages",
        json!([{"stage": 1, "started_at": "2026-11-02T09:00:00", "ended_at": null, "due": null, "within_timescale": null}]),
    )
}

/// An `escalate-monitoring/1` record carries no protocol: signed by an agency the Board
/// trusts, its stages are still checked against the version the Board has installed.
#[tokio::test]
async fn a_signed_first_schema_record_naming_a_stage_its_protocol_lacks_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let admin = store(dir.path(), "western-bay").await;
    let (identity, public) = export::keygen(t("2026-11-20T17:00"));
    // London's stages start at 1.
    let file = package_file(
        dir.path(),
        "stage-0.escalate-export",
        &open_record(),
        &public,
    );
    let r = import(
        &admin,
        &[file],
        Key::Identity(&identity),
        t("2026-11-20T19:00"),
        |_, _| {},
    )
    .await
    .unwrap();
    let why = r[0].refused.as_deref().unwrap_or_default();
    assert!(why.contains("stage_reached"), "{r:?}");
    assert!(admin.board_packages().await.unwrap().is_empty());
    assert!(admin.board_held().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_administrator_removes_an_imported_package() {
    let dir = tempfile::tempdir().unwrap();
    let admin = store(dir.path(), "western-bay").await;
    let (identity, public) = export::keygen(t("2026-11-20T17:00"));
    let first = package_file(dir.path(), "first.escalate-export", &good_record(), &public);
    let second = package_file(
        dir.path(),
        "second.escalate-export",
        &with(
            with(good_record(), "exported_at", json!("2026-11-20T18:00:00")),
            "category",
            json!("Second version"),
        ),
        &public,
    );
    let other = package_file(
        dir.path(),
        "other.escalate-export",
        &open_at_stage_1(),
        &public,
    );
    let r = import(
        &admin,
        &[first, second, other],
        Key::Identity(&identity),
        t("2026-11-20T19:00"),
        |_, _| {},
    )
    .await
    .unwrap();
    assert!(r.iter().all(|x| x.outcome.is_some()), "{r:?}");
    let list = escalate_api::board::packages(&admin).await.unwrap();
    let summary: Vec<_> = list
        .iter()
        .map(|p| (p.source_agency.as_str(), p.reference.as_str(), p.current))
        .collect();
    assert_eq!(
        summary,
        [
            ("C", "RPD-2026-0002", true),
            ("Ysgol Gyfun Bryn", "RPD-2026-0001", false),
            ("Ysgol Gyfun Bryn", "RPD-2026-0001", true)
        ]
    );
    assert_eq!(list[2].exported_at, t("2026-11-20T18:00"));
    assert!(list[2].file_name.ends_with("second.escalate-export"));
    let categories = |records: Vec<export::Monitoring>| {
        let mut c: Vec<String> = records.into_iter().map(|m| m.category).collect();
        c.sort();
        c
    };
    assert_eq!(
        categories(escalate_api::board::records(&admin).await.unwrap()),
        ["Second version", "c"]
    );

    // Removing the current version makes the older one current again.
    let removed = escalate_api::board::remove(&admin, list[2].id, t("2026-11-20T20:00"))
        .await
        .unwrap();
    assert_eq!(
        (removed.reference.as_str(), removed.current),
        ("RPD-2026-0001", true)
    );
    assert_eq!(
        categories(escalate_api::board::records(&admin).await.unwrap()),
        ["Threshold for assessment", "c"]
    );
    let list = escalate_api::board::packages(&admin).await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|p| p.current));
    // Removing the only version of a case removes the case from the figures.
    escalate_api::board::remove(&admin, list[0].id, t("2026-11-20T20:05"))
        .await
        .unwrap();
    assert_eq!(
        categories(escalate_api::board::records(&admin).await.unwrap()),
        ["Threshold for assessment"]
    );
    // An unknown id names the field and changes nothing.
    let e = escalate_api::board::remove(&admin, 999, t("2026-11-20T20:10"))
        .await
        .unwrap_err();
    assert_eq!(e.code, "field.invalid");
    assert!(
        e.to_string()
            .starts_with("id: no imported package has id 999"),
        "{e}"
    );
    assert_eq!(
        escalate_api::board::packages(&admin).await.unwrap().len(),
        1
    );
    // Each removal is in the audit trail, which still verifies.
    let audit = admin.verify_audit().await.unwrap();
    assert!(audit.ok());
    let lines = admin.audit_lines(10).await.unwrap();
    let removals: Vec<_> = lines
        .iter()
        .filter(|l| l.action == escalate_store::AuditAction::BoardRemove)
        .map(|l| l.entity_id.as_str())
        .collect();
    assert_eq!(
        removals,
        ["C / RPD-2026-0002", "Ysgol Gyfun Bryn / RPD-2026-0001"]
    );
    // The removed file imports again as a new version.
    let again = package_file(
        dir.path(),
        "again.escalate-export",
        &open_at_stage_1(),
        &public,
    );
    let r = import(
        &admin,
        &[again],
        Key::Identity(&identity),
        t("2026-11-20T21:00"),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(r[0].outcome, Some(ImportOutcome::New));
}

/// The one period check, for the CLI's `board report` and every Board screen call: a
/// period ending before it starts is refused naming `to`; a one-day period is fine.
#[tokio::test]
async fn a_period_that_ends_before_it_starts_is_refused_naming_to() {
    use escalate_api::board::{cases_behind, figures, overview, period, Dimension};
    let e = period(d("2026-12-01"), d("2026-11-30")).unwrap_err();
    assert_eq!(e.code, "field.invalid");
    assert_eq!(e.field.as_deref(), Some("to"));
    assert_eq!(
        e.message,
        "to: the period ends before it starts: choose an end on or after the start"
    );
    period(d("2026-12-01"), d("2026-12-01")).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let admin = store(dir.path(), "western-bay").await;
    let backwards = Selection {
        from: d("2026-12-01"),
        to: d("2026-11-01"),
        agency: None,
        protocol: None,
    };
    let now = t("2026-12-20T09:00");
    let refusals = [
        overview(&admin, &backwards, now).await.unwrap_err(),
        figures(&admin, &backwards, now).await.unwrap_err(),
        cases_behind(&admin, &backwards, Dimension::All, "")
            .await
            .unwrap_err(),
    ];
    for r in refusals {
        assert_eq!(r, e);
    }
    let year = Selection {
        from: d("2026-04-01"),
        to: d("2027-03-31"),
        ..backwards
    };
    let view = overview(&admin, &year, now).await.unwrap();
    assert_eq!((view.records, view.figures.total), (0, 0));
}

/// A batch that gives every outcome: two versions of case A (older first: new, then
/// replaced), two of case B (newer first: new, then older), a copy of B's newer file
/// (duplicate) and a file that is no package (refused). Sorted by name, that order.
/// The CLI's test makes the same batch and compares its lines with this summary.
pub fn every_outcome(dir: &std::path::Path, public: &str) -> Vec<PathBuf> {
    let version = |reference: &str, exported: &str| {
        with(
            with(good_record(), "reference", json!(reference)),
            "exported_at",
            json!(exported),
        )
    };
    let files = vec![
        package_file(
            dir,
            "1-a-old.escalate-export",
            &version("RPD-2026-0001", "2026-11-05T10:00:00"),
            public,
        ),
        package_file(
            dir,
            "2-a-new.escalate-export",
            &version("RPD-2026-0001", "2026-11-10T10:00:00"),
            public,
        ),
        package_file(
            dir,
            "3-b-new.escalate-export",
            &version("RPD-2026-0002", "2026-11-10T10:00:00"),
            public,
        ),
        package_file(
            dir,
            "4-b-old.escalate-export",
            &version("RPD-2026-0002", "2026-11-05T10:00:00"),
            public,
        ),
        dir.join("5-b-new-copy.escalate-export"),
        dir.join("6-junk.escalate-export"),
    ];
    std::fs::copy(&files[2], &files[4]).unwrap();
    std::fs::write(&files[5], b"not a package").unwrap();
    files
}

/// The one tally: the CLI's driver (`import_files`) and the app's way (`Import` fed one
/// checked file at a time, written in small batches) count the same batch the same.
#[tokio::test]
async fn one_tally_for_every_outcome_whoever_drives_the_import() {
    use escalate_api::board::{check_file, import_files, Import};
    let dir = tempfile::tempdir().unwrap();
    let (identity, public) = export::keygen(t("2026-11-20T17:00"));
    let inbox = dir.path().join("in");
    std::fs::create_dir(&inbox).unwrap();
    let files = every_outcome(&inbox, &public);
    let now = t("2026-11-20T18:00");
    let key = Key::Identity(&identity);

    std::fs::create_dir(dir.path().join("cli")).unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    let cli = store(&dir.path().join("cli"), "western-bay").await;
    let mut progress = Vec::new();
    trust_agencies(&cli, now).await;
    let by_driver = import_files(&cli, &files, opener_of(key), now, |done, all| {
        progress.push((done, all))
    })
    .await
    .unwrap();
    assert_eq!(progress, [(6, 6)]);
    let outcomes: Vec<_> = by_driver.files.iter().map(|f| f.outcome).collect();
    use ImportOutcome::*;
    assert_eq!(
        outcomes,
        [
            Some(New),
            Some(Replaced),
            Some(New),
            Some(Older),
            Some(Duplicate),
            None
        ]
    );
    assert_eq!(
        (
            by_driver.new,
            by_driver.replaced,
            by_driver.duplicate,
            by_driver.older,
            by_driver.refused
        ),
        (2, 1, 1, 1, 1)
    );
    let junk = &by_driver.files[5];
    assert!(junk.file.ends_with("6-junk.escalate-export"), "{junk:?}");
    assert!(
        junk.refused
            .as_deref()
            .unwrap()
            .starts_with("package: it is not an Escalate export package"),
        "{junk:?}"
    );
    assert!(by_driver.files[..5].iter().all(|f| f.refused.is_none()));

    let app = store(&dir.path().join("app"), "western-bay").await;
    trust_agencies(&app, now).await;
    let (opener, trust) = escalate_api::board::opener_for(&app, opener_of(key))
        .await
        .unwrap();
    let mut import = Import::new(files.len());
    for path in &files {
        import.add(
            path.display().to_string(),
            check_file(path, opener.key(), &trust, now),
        );
        if import.is_full(2) {
            import.write(&app, now).await.unwrap();
        }
    }
    assert_eq!(
        import.waiting(),
        1,
        "five packages in batches of two: the last waits"
    );
    import.write(&app, now).await.unwrap();
    let by_hand: ImportSummary = import.summary();
    assert_eq!(by_hand, by_driver);
    // Both stores hold the same: two current records, the older versions kept.
    for s in [&cli, &app] {
        assert_eq!(escalate_api::board::records(s).await.unwrap().len(), 2);
        assert_eq!(escalate_api::board::packages(s).await.unwrap().len(), 4);
    }
}

#[test]
fn a_folder_gives_its_files_in_name_order_and_files_are_taken_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(inbox.join("sub")).unwrap();
    for name in [
        "b.escalate-export",
        "a.escalate-export",
        "sub/c.escalate-export",
    ] {
        std::fs::write(inbox.join(name), b"x").unwrap();
    }
    let single = dir.path().join("z.escalate-export");
    let files = escalate_api::board::package_files(&[single.clone(), inbox.clone()]).unwrap();
    assert_eq!(
        files,
        [
            single,
            inbox.join("a.escalate-export"),
            inbox.join("b.escalate-export")
        ]
    );
}
