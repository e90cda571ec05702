//! Versions and ids from the command line: a shipped id replaced only with
//! `--replace-shipped`, made current again, one version removed; an extension bounded;
//! an empty route refused; the same bank-holiday file imported once.

use crate::lead::Lead;

fn shipped_doncaster() -> (String, String) {
    let text = escalate_core::builtin_texts()
        .find(|(f, _)| *f == "doncaster.toml")
        .map(|(_, t)| t.to_owned())
        .unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("version = "))
        .unwrap()
        .to_owned();
    let version = line
        .trim_start_matches("version = \"")
        .trim_end_matches('"')
        .to_owned();
    (
        text.replacen(&line, "version = \"Neighbours 2030\"", 1),
        version,
    )
}

#[test]
fn a_shipped_id_is_replaced_only_with_the_flag_and_its_shipped_version_made_current_again() {
    let lead = Lead::new();
    let (text, shipped) = shipped_doncaster();
    let file = lead.root().join("neighbours.toml");
    std::fs::write(&file, text).unwrap();
    let file = file.to_str().unwrap();
    let (_, err) = lead.refuses(&["protocol", "install", file]);
    assert!(err.starts_with("escalate: --replace-shipped: "), "{err}");
    assert!(err.contains("The shipped version stays installed"), "{err}");
    let out = lead.ok(&["protocol", "install", file, "--replace-shipped"]);
    assert!(out.starts_with("doncaster\tNeighbours 2030\t"), "{out}");
    let out = lead.ok(&["protocol", "current", "doncaster", &shipped]);
    assert!(
        out.starts_with(&format!("doncaster\t{shipped}\t")) && out.ends_with("\tcurrent\n"),
        "{out}"
    );
    let (_, err) = lead.refuses(&["protocol", "current", "doncaster", "No such"]);
    assert!(err.starts_with("escalate: VERSION: "), "{err}");
    let (_, err) = lead.refuses(&["protocol", "remove", "doncaster", "--version", &shipped]);
    assert!(err.starts_with("escalate: --version: "), "{err}");
    let out = lead.ok(&[
        "protocol",
        "remove",
        "doncaster",
        "--version",
        "Neighbours 2030",
    ]);
    assert!(out.ends_with("\tremoved\n"), "{out}");
    let list = lead.ok(&["protocols"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with(&format!("doncaster\t{shipped}\t")) && l.contains("\tcurrent\t"))
            && !list.contains("Neighbours 2030"),
        "{list}"
    );
    assert!(lead.ok(&["audit", "verify"]).contains("ok"));
}

#[test]
fn an_empty_route_and_an_extension_decades_away_are_refused_naming_the_option() {
    let lead = Lead::new();
    let file = lead.root().join("south-ayrshire.toml");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/protocols/south-ayrshire.toml"),
        &file,
    )
    .unwrap();
    lead.ok(&["protocol", "install", file.to_str().unwrap()]);
    let new_case = |route: Option<&str>| {
        let mut args = vec![
            "case",
            "new",
            "--child-name",
            "Siân Llŷr Ŵyn",
            "--raising-agency",
            "Ysgol Gyfun Bryn",
            "--receiving-agency",
            "South Ayrshire Children's Services",
            "--category",
            "Threshold for assessment",
            "--summary",
            "School believes the threshold is met.",
            "--opened",
            "2026-11-23T09:00",
            "--protocol",
            "south-ayrshire",
        ];
        if let Some(r) = route {
            args.extend(["--route", r]);
        }
        args.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()
    };
    let args = new_case(Some(""));
    let (_, err) = lead.refuses(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.starts_with("escalate: --route: is empty"), "{err}");
    let args = new_case(None);
    let reference = lead
        .ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .trim_end()
        .to_owned();
    lead.ok(&[
        "stage",
        "record",
        &reference,
        "--summary",
        "Discussed",
        "--agreed",
        "Not agreed",
        "--discussed",
        "2026-11-23T10:00",
    ]);
    lead.ok(&["case", "escalate", &reference]);
    // Stage 2: 28 calendar days from 23 November 2026, to 21 December 2026; a year
    // after that is the latest an extension may give.
    let extend = |to: &str| {
        lead.run(
            &[
                "case",
                "extend",
                &reference,
                "--deadline",
                "timescale",
                "--to",
                to,
                "--agreed-by",
                "Pat Lee, accountable senior manager",
                "--agreed-on",
                "2026-11-23",
                "--reason",
                "The dissenting person is away.",
            ],
            false,
        )
    };
    let out = extend("2100-12-31");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.starts_with("escalate: --to: 2100-12-31 is too late: the latest allowed is 2027-12-21"),
        "{err}"
    );
    assert!(extend("2027-12-21").status.success());
}

#[test]
fn the_same_bank_holiday_file_is_imported_once() {
    let lead = Lead::new();
    let file = lead.root().join("bank-holidays.json");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../assets/calendars/bank-holidays.json"),
        &file,
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let first = lead.ok(&["calendar", "import", file]);
    assert!(first.contains("imported"), "{first}");
    let again = lead.ok(&["calendar", "import", file]);
    assert!(again.contains("already imported"), "{again}");
    // The store is still whole: one import, one entry (the store's tests count them).
    assert!(lead.ok(&["audit", "verify"]).contains("ok"));
}
