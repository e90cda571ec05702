//! Board administrator mode on records alone: the cases behind every number add up to
//! it, and the check each imported package passes, from its bytes. (Imports into a
//! store, with every figure counted by hand, are escalate-api's tests.)

use escalate_report::board::{self, figures};
use escalate_report::export::{self, Key, Monitoring, Seal};

use crate::*;

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

/// The app lists the cases behind any number: for every table, the lists add up to
/// the counts, and a filter by agency or protocol narrows both alike.
#[test]
fn the_cases_behind_each_number_add_up_to_it() {
    use board::{behind, Dimension, Selection};
    let no_stages = serde_json::json!([]);
    let records = vec![
        rec(
            "School A",
            "schools",
            "western-bay",
            "A-1",
            "2026-04-10",
            Some((2, 6)),
            no_stages.clone(),
            "2026-06-01T10:00",
        ),
        rec(
            "School A",
            "schools",
            "western-bay",
            "A-2",
            "2026-05-10",
            Some((5, 30)),
            no_stages.clone(),
            "2026-06-01T10:00",
        ),
        rec(
            "Police B",
            "police",
            "london",
            "B-1",
            "2026-07-01",
            None,
            no_stages.clone(),
            "2026-08-01T10:00",
        ),
        rec(
            "GP C",
            "health-primary",
            "london",
            "C-1",
            "2026-10-02",
            Some((1, 2)),
            no_stages.clone(),
            "2026-11-01T10:00",
        ),
        rec(
            "GP C",
            "health-primary",
            "london",
            "C-2",
            "2025-10-02",
            Some((1, 2)),
            no_stages,
            "2025-11-01T10:00",
        ),
    ];
    let sel = Selection {
        from: d("2026-04-01"),
        to: d("2027-03-31"),
        agency: None,
        protocol: None,
    };
    let f = figures(
        &sel.apply(&records),
        &shipped(),
        sel.from,
        sel.to,
        t("2026-11-23T09:00"),
    );
    assert_eq!(f.total, 4, "C-2 was opened before the period");
    assert_eq!(behind(&records, &sel, Dimension::All, "").len(), f.total);
    for (dim, map) in [
        (Dimension::RaisingAgency, &f.by_raising_agency),
        (Dimension::RaisingSector, &f.by_raising_sector),
        (Dimension::ReceivingAgency, &f.by_receiving_agency),
        (Dimension::Category, &f.by_category),
        (Dimension::Protocol, &f.by_protocol),
        (Dimension::StageResolved, &f.by_stage_resolved),
    ] {
        for (key, n) in map {
            assert_eq!(behind(&records, &sel, dim, key).len(), *n, "{dim:?} {key}");
        }
    }
    for q in &f.by_quarter {
        assert_eq!(
            behind(&records, &sel, Dimension::Quarter, &q.quarter).len(),
            q.opened
        );
    }
    let late = behind(&records, &sel, Dimension::StageResolved, "5");
    assert_eq!(
        late.iter()
            .map(|c| c.reference.as_str())
            .collect::<Vec<_>>(),
        ["A-2"]
    );

    let london = Selection {
        protocol: Some("london".into()),
        ..sel.clone()
    };
    assert_eq!(
        figures(
            &london.apply(&records),
            &shipped(),
            sel.from,
            sel.to,
            t("2026-11-23T09:00")
        )
        .total,
        2
    );
    let health = Selection {
        agency: Some("Health Board".into()),
        ..sel.clone()
    };
    assert_eq!(
        behind(&records, &health, Dimension::All, "").len(),
        4,
        "receiving agency counts too"
    );
    let school = Selection {
        agency: Some("School A".into()),
        ..sel
    };
    let (agencies, protocols) = board::choices(&records);
    assert_eq!(protocols, ["london", "western-bay"]);
    assert!(agencies.contains(&"Health Board".to_owned()));
    assert_eq!(behind(&records, &school, Dimension::All, "").len(), 2);
}

/// The check an import makes of each package, on its bytes: what is kept is the checked,
/// cleaned record, the PDF, and the hash of the file as received; anything else is
/// refused with the reason.
#[test]
fn a_package_is_checked_from_its_bytes() {
    use sha2::{Digest, Sha256};
    let (identity, public) = export::keygen(t("2026-12-20T09:00"));
    let mut m = rec(
        "Ysgol Gyfun Bryn",
        "schools",
        "western-bay",
        "RPD-2026-0001",
        "2026-11-02",
        Some((2, 3)),
        serde_json::json!([]),
        "2026-11-10T10:00",
    );
    // A bidi override in a name, as a hostile sender could write it.
    m.category = "Threshold\u{202e} for assessment".to_owned();
    let bytes = export::seal(b"%PDF-1.3 test", &m, Seal::Recipients(&[public])).unwrap();
    let p = board::check_package(
        "in/a.escalate-export",
        &bytes,
        Key::Identity(&identity),
        t("2026-12-20T09:00"),
    )
    .unwrap();
    assert!(p.signed.is_none(), "sealed as releases before signing did");
    let p = p.package;
    assert_eq!(p.file_name, "in/a.escalate-export");
    assert_eq!(p.file_sha256, hex::encode(Sha256::digest(&bytes)));
    assert_eq!(
        (p.source_agency.as_str(), p.reference.as_str()),
        ("Ysgol Gyfun Bryn", "RPD-2026-0001")
    );
    assert_eq!(p.exported_at, t("2026-11-10T10:00"));
    assert_eq!(p.pdf, b"%PDF-1.3 test");
    let kept: Monitoring = serde_json::from_str(&p.monitoring).unwrap();
    assert_eq!(kept.category, "Threshold for assessment");
    assert_eq!(kept.reference, m.reference);

    let (other, _) = export::keygen(t("2026-12-20T09:00"));
    let e = board::check_package(
        "in/a.escalate-export",
        &bytes,
        Key::Identity(&other),
        t("2026-12-20T09:00"),
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("identity"));
    assert!(
        e.to_string()
            .starts_with("identity: this key cannot open the package"),
        "{e}"
    );
    let e = board::check_package(
        "junk",
        b"not a package",
        Key::Identity(&identity),
        t("2026-12-20T09:00"),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("package: it is not an Escalate export package"),
        "{e}"
    );
}

/// The shipped protocols as a Board's store holds them: what `escalate-monitoring/1`
/// records, which carry no protocol file, are counted under.
pub fn shipped() -> escalate_report::board::BoardProtocols {
    let mut p = escalate_report::board::BoardProtocols::new();
    for protocol in escalate_core::builtin_protocols().unwrap() {
        p.add_installed(protocol);
    }
    p
}
