//! Packages made by someone who holds the Board's public key and means harm: a sparse
//! entry claiming a terabyte, links, long names, pax headers, a second monitoring.json,
//! data hidden after the archive, records that break the schema, escape sequences in
//! the text. Each is refused within bounds with the reason, or cleaned.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use escalate_report::board;
use escalate_report::export::{self, Key, Seal, MAX_JSON};
use serde_json::{json, Value};

use crate::*;

pub use escalate_testkit::package::*;
pub use escalate_testkit::record::{good_record, open_record, with};

/// A SHA-256 in the form `protocol.sha256` takes (not of any file: the schema checks
/// its form, the package check its value).
pub const SHA: &str = "3f1a0c9e5b7d2468ace013579bdf2468ace013579bdf2468ace013579bdf2468";

/// `good_record` as `escalate-monitoring/2` writes it: the protocol file's hash, the
/// route, a stage gone past by a recorded decision and an extended stage.
pub fn good_record_v2() -> Value {
    let mut v = good_record();
    v["schema"] = json!("escalate-monitoring/2");
    v["protocol"]["sha256"] = json!(SHA);
    v["route"] = json!("standard");
    v["skipped"] = json!([
        {"at": "2026-11-02T09:00:00", "from": null, "to": 1, "stages": [0], "role": "The IRO"}
    ]);
    v["stages"][1]["extension"] = json!({"due": "2026-11-06", "within": true});
    v
}

/// `open_record` as `escalate-monitoring/2` writes it: nothing skipped or extended.
pub fn open_record_v2() -> Value {
    let mut v = open_record();
    v["schema"] = json!("escalate-monitoring/2");
    v["protocol"]["sha256"] = json!(SHA);
    v["route"] = json!("urgent-24-hour");
    v["skipped"] = json!([]);
    v
}

fn now() -> chrono::NaiveDateTime {
    t("2026-11-20T17:00")
}

fn refused(plain: &[u8]) -> String {
    let (identity, public) = export::keygen(now());
    let bytes = sealed_plain(plain, &public);
    export::open(&bytes, Key::Identity(&identity), now())
        .unwrap_err()
        .to_string()
}

#[test]
fn the_sparse_bomb_is_real_and_refused_from_its_header() {
    let plain = sparse_bomb_tar();
    // What a tar reader that expands sparse entries would have to produce.
    let mut archive = tar::Archive::new(plain.as_slice());
    let first = archive.entries().unwrap().next().unwrap().unwrap();
    assert_eq!(first.size(), TIB, "the bomb claims a terabyte");
    let (identity, public) = export::keygen(now());
    let package = sealed_plain(&plain, &public);
    assert!(package.len() < 16 * 1024, "{} bytes", package.len());
    let e = export::open(&package, Key::Identity(&identity), now()).unwrap_err();
    assert_eq!(e.code(), "export.invalid");
    assert!(
        e.to_string().contains("entry 1 is not a plain ustar entry"),
        "{e}"
    );
    // The same sparse type under a ustar header is refused by its type.
    let mut ustar_sparse = entry(tar::EntryType::GNUSparse, "report.pdf", 512, &[0; 512]);
    ustar_sparse.extend(tar_of(&[]));
    assert!(refused(&ustar_sparse).contains("entry 1 is not a regular file"));
}

/// Run `test` of this binary alone in a child process under `/usr/bin/time` and give
/// its peak resident memory in KiB, failing if it takes more than a minute or if the
/// child does not print `done` (it printed `{done}` only when it did its work).
fn peak_rss_kib(test: &str, done: &str, env: &[(&str, &Path)]) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "peak-rss-kib %M"])
        .arg(std::env::current_exe().unwrap())
        .args([
            test,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .expect("/usr/bin/time is needed (make test installs Debian's time package)");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{test} did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = std::fs::read_to_string(&out).unwrap();
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert!(status.success(), "{test}: {stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{test} did not run: {stdout}");
    assert!(
        stdout.contains(done),
        "{test} did not do its work: {stdout}"
    );
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss-kib "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in: {stderr}"))
}

#[test]
fn the_sparse_bomb_is_refused_in_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (identity, public) = export::keygen(now());
    std::fs::write(dir.path().join("board.key"), &identity).unwrap();
    std::fs::write(
        dir.path().join("bomb.escalate-export"),
        sealed_plain(&sparse_bomb_tar(), &public),
    )
    .unwrap();
    let refused = peak_rss_kib(
        "hostile::open_the_bomb_in_this_process",
        "the bomb was refused",
        &[("ESCALATE_TEST_BOMB", dir.path())],
    );
    // The measurement can see a blow-up: the same bomb read as a tar reader that
    // expands sparse entries would read it, stopped at 256 MiB.
    let expanded = peak_rss_kib(
        "hostile::expand_the_bomb_in_this_process",
        "the bomb was expanded",
        &[("ESCALATE_TEST_BOMB", dir.path())],
    );
    assert!(refused < 100 * 1024, "peak {refused} KiB refusing the bomb");
    assert!(
        expanded > 256 * 1024,
        "expanding 256 MiB of the bomb peaked at only {expanded} KiB: the measure is broken"
    );
}

#[test]
#[ignore = "run alone in a child process by the_sparse_bomb_is_refused_in_little_memory"]
fn open_the_bomb_in_this_process() {
    let dir = bomb_dir("open_the_bomb_in_this_process");
    let identity = std::fs::read_to_string(dir.join("board.key")).unwrap();
    let bytes = std::fs::read(dir.join("bomb.escalate-export")).unwrap();
    let e = export::open(&bytes, Key::Identity(&identity), now()).unwrap_err();
    assert_eq!(e.code(), "export.invalid");
    assert!(e.to_string().contains("not a plain ustar entry"), "{e}");
    println!("the bomb was refused");
}

#[test]
#[ignore = "run alone in a child process by the_sparse_bomb_is_refused_in_little_memory"]
fn expand_the_bomb_in_this_process() {
    let dir = bomb_dir("expand_the_bomb_in_this_process");
    let identity: age::x25519::Identity = std::fs::read_to_string(dir.join("board.key"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .parse()
        .unwrap();
    let bytes = std::fs::read(dir.join("bomb.escalate-export")).unwrap();
    let plain = age::decrypt(&identity, &bytes).unwrap();
    let mut archive = tar::Archive::new(plain.as_slice());
    let mut entry = archive.entries().unwrap().next().unwrap().unwrap();
    let mut data = Vec::new();
    (&mut entry)
        .take(256 * 1024 * 1024)
        .read_to_end(&mut data)
        .unwrap();
    assert_eq!(data.len(), 256 * 1024 * 1024);
    println!("the bomb was expanded");
}

/// The folder the parent test put the bomb in. A child run without it fails rather
/// than passing having done nothing.
#[track_caller]
fn bomb_dir(child: &str) -> std::path::PathBuf {
    match std::env::var_os("ESCALATE_TEST_BOMB") {
        Some(dir) => dir.into(),
        None => panic!(
            "{child} is run in a child process by the_sparse_bomb_is_refused_in_little_memory, which sets ESCALATE_TEST_BOMB: run that test"
        ),
    }
}

#[test]
fn every_archive_trick_is_refused_with_its_reason() {
    let json = serde_json::to_vec(&good_record()).unwrap();
    let [pdf, js, csv] = good_files(&json);
    let long_name = {
        // A GNU long-name entry naming the next file.
        let mut h = tar::Header::new_gnu();
        h.set_path("././@LongLink").unwrap();
        h.set_entry_type(tar::EntryType::GNULongName);
        h.set_size(11);
        h.set_cksum();
        let mut v = h.as_bytes().to_vec();
        v.extend_from_slice(b"report.pdf\0");
        v.resize(1024, 0);
        v
    };
    let pax = entry(
        tar::EntryType::XHeader,
        "PaxHeaders/report.pdf",
        25,
        b"25 path=monitoring.json\n",
    );
    // Names written byte for byte: the tar crate would tidy them.
    let named = |prefix: &[u8], name: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.set_mode(0o600);
        h.set_size(5);
        let u = h.as_ustar_mut().unwrap();
        u.name[..name.len()].copy_from_slice(name);
        u.prefix[..prefix.len()].copy_from_slice(prefix);
        h.set_cksum();
        let mut v = h.as_bytes().to_vec();
        v.extend_from_slice(b"%PDF-");
        v.resize(1024, 0);
        v
    };
    let json_limit = format!(
        "monitoring.json declares {} bytes; the limit is {MAX_JSON}",
        MAX_JSON + 1
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "symlink",
            tar_of(&[
                &entry(tar::EntryType::Symlink, "report.pdf", 0, b""),
                &js,
                &csv,
            ]),
            "entry 1 is not a regular file",
        ),
        (
            "hard link",
            tar_of(&[
                &pdf,
                &entry(tar::EntryType::Link, "monitoring.json", 0, b""),
                &csv,
            ]),
            "entry 2 is not a regular file",
        ),
        (
            "folder",
            tar_of(&[
                &entry(tar::EntryType::Directory, "report.pdf", 0, b""),
                &js,
                &csv,
            ]),
            "entry 1 is not a regular file",
        ),
        (
            "device",
            tar_of(&[
                &pdf,
                &js,
                &entry(tar::EntryType::Char, "monitoring.csv", 0, b""),
            ]),
            "entry 3 is not a regular file",
        ),
        (
            "fifo",
            tar_of(&[
                &entry(tar::EntryType::Fifo, "report.pdf", 0, b""),
                &js,
                &csv,
            ]),
            "entry 1 is not a regular file",
        ),
        (
            "pax header",
            tar_of(&[&pax, &pdf, &js, &csv]),
            "entry 1 is not a regular file",
        ),
        (
            "GNU long name",
            tar_of(&[&long_name, &js, &csv]),
            "entry 1 is not a plain ustar entry",
        ),
        (
            "a folder in the name",
            tar_of(&[&named(b"inner", b"report.pdf"), &js, &csv]),
            "entry 1 is not named report.pdf",
        ),
        (
            "./ before the name",
            tar_of(&[&named(b"", b"./report.pdf"), &js, &csv]),
            "entry 1 is not named report.pdf",
        ),
        (
            "two monitoring.json",
            tar_of(&[&pdf, &js, &js]),
            "it holds monitoring.json more than once",
        ),
        (
            "a fourth file",
            tar_of(&[&pdf, &js, &csv, &regular("notes.txt", b"x")]),
            "it holds more than report.pdf, monitoring.json, monitoring.csv, protocol.toml and the signed manifest",
        ),
        (
            "a missing file",
            tar_of(&[&pdf, &js]),
            "it is missing report.pdf, monitoring.json or monitoring.csv",
        ),
        (
            "a JSON larger than its limit",
            tar_of(&[
                &pdf,
                &entry(
                    tar::EntryType::Regular,
                    "monitoring.json",
                    MAX_JSON + 1,
                    b"{}",
                ),
                &csv,
            ]),
            &json_limit,
        ),
        (
            "a report declaring a terabyte",
            tar_of(&[
                &entry(tar::EntryType::Regular, "report.pdf", TIB, b"%PDF-"),
                &js,
                &csv,
            ]),
            "report.pdf declares 1099511627776 bytes",
        ),
        (
            "an entry cut short",
            [
                pdf.clone(),
                js.clone(),
                entry(tar::EntryType::Regular, "monitoring.csv", 4096, b"x"),
            ]
            .concat(),
            "monitoring.csv is cut short",
        ),
        (
            "data hidden after the end",
            [tar_of(&[&pdf, &js, &csv]), regular("evil.sh", b"rm -rf /")].concat(),
            "it holds data after the end of its archive",
        ),
        (
            "not a tar at all",
            b"just some words".to_vec(),
            "not an Escalate export package",
        ),
        ("empty", Vec::new(), "it is missing report.pdf"),
    ];
    for (what, plain, why) in cases {
        let e = refused(&plain);
        assert!(e.contains(why), "{what}: {e}");
        assert!(e.starts_with("package: "), "{what}: {e}");
    }
    // And the good tar opens.
    let (identity, public) = export::keygen(now());
    let p = export::open(
        &sealed_plain(&tar_of(&[&pdf, &js, &csv]), &public),
        Key::Identity(&identity),
        now(),
    )
    .unwrap();
    assert_eq!(p.monitoring.reference, "RPD-2026-0001");
}

fn open_json(json: &[u8], now: chrono::NaiveDateTime) -> Result<export::Package, String> {
    let (identity, public) = export::keygen(now);
    let bytes = sealed_plain(
        &tar_of(&good_files(json).each_ref().map(Vec::as_slice)),
        &public,
    );
    export::open(&bytes, Key::Identity(&identity), now).map_err(|e| e.to_string())
}

#[test]
fn hostile_records_are_refused_with_the_field_named_and_never_the_value() {
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "path in the reference",
            with(good_record(), "reference", json!("../../etc/passwd")),
            "reference: must be a case reference RPD-YYYY-NNNN",
        ),
        (
            "unknown status",
            with(good_record(), "status", json!("pwned")),
            "status: must be one of open, resolved, withdrawn, redirected",
        ),
        (
            "stage 255",
            with(good_record(), "stage_reached", json!(255)),
            "stage_reached: must be a whole number from 0 to 20",
        ),
        (
            "opened in 1800",
            with(good_record(), "opened_at", json!("1800-01-01T09:00:00")),
            "opened_at: must be a date and time YYYY-MM-DDTHH:MM:SS, in the years 1990 to 2100",
        ),
        (
            "exported in 2099",
            with(good_record(), "exported_at", json!("2099-01-01T00:00:00")),
            "exported_at: is more than a day after this computer's clock",
        ),
        (
            "a category past its limit",
            with(good_record(), "category", json!("c".repeat(201))),
            "category: must be text of 1 to 200 characters",
        ),
        (
            "30 February",
            with(good_record(), "closed_at", json!("2026-02-30T10:00:00")),
            "closed_at: is not a real date",
        ),
        (
            "closed before opened",
            with(good_record(), "closed_at", json!("2026-11-01T10:00:00")),
            "closed_at: is before opened_at",
        ),
        (
            "a stage in the wrong place",
            with(good_record(), "stages.1.stage", json!(1)),
            "stages[1].stage: stages must be listed once each, in increasing order",
        ),
        (
            "a stage number with a point",
            with(good_record(), "stages.0.stage", json!(1.0)),
            "stages[0].stage: must be written as a whole number",
        ),
        (
            "resolved stage while open",
            with(good_record(), "status", json!("open")),
            "stage_resolved: is given, but status is not resolved",
        ),
        (
            "a field too many",
            with(good_record(), "child.address", json!("1 High St")),
            "child: holds 1 field(s) that escalate-monitoring/1 does not have",
        ),
        (
            "a missing field",
            {
                let mut v = good_record();
                v.as_object_mut().unwrap().remove("outcome");
                v
            },
            "outcome: is missing",
        ),
        (
            "a newer schema",
            // escalate-monitoring/2 is read too since the protocol issue (#12): the
            // newer schema a build does not know is now /3.
            with(good_record(), "schema", json!("escalate-monitoring/3")),
            "schema: this version of Escalate reads escalate-monitoring/1 and escalate-monitoring/2 only",
        ),
        (
            "unicode digits in a year",
            with(good_record(), "reference", json!("RPD-٢٠٢٦-0001")),
            "reference: must be a case reference",
        ),
        (
            "a newline after the reference",
            with(good_record(), "reference", json!("RPD-2026-0001\n")),
            "reference: must be a case reference",
        ),
        (
            "nanoseconds",
            with(
                good_record(),
                "exported_at",
                json!("2026-11-20T17:00:00.123456789"),
            ),
            "exported_at: must be a date and time",
        ),
        (
            "only controls in the agency",
            with(
                good_record(),
                "raising.agency",
                json!("\u{1b}\u{7}\u{202E}\t\n"),
            ),
            "raising.agency: holds nothing but control or layout characters",
        ),
        (
            "not an object",
            json!(["RPD-2026-0001"]),
            "monitoring.json does not follow escalate-monitoring/1: must be a JSON object",
        ),
    ];
    for (what, record, why) in cases {
        let json = serde_json::to_vec(&record).unwrap();
        let e = open_json(&json, now()).unwrap_err();
        assert!(e.contains(why), "{what}: {e}");
        assert!(e.starts_with("monitoring: monitoring.json"), "{what}: {e}");
        for never in [
            "../../etc/passwd",
            "pwned",
            "255",
            "1800",
            "2099",
            "ccccc",
            "High St",
            "٢٠٢٦",
            "123456789",
            "\u{1b}",
        ] {
            assert!(!e.contains(never), "{what}: the value {never:?} is in {e}");
        }
    }
    // A field given twice: the JSON value would keep the last, so it is refused.
    let doc = serde_json::to_string(&good_record()).unwrap().replace(
        r#""status":"resolved""#,
        r#""status":"open","status":"resolved""#,
    );
    assert!(doc.contains(r#""status":"open","status""#));
    let e = open_json(doc.as_bytes(), now()).unwrap_err();
    assert!(e.contains("status: is given more than once"), "{e}");
    // Not JSON at all.
    let e = open_json(b"{\"schema\": ", now()).unwrap_err();
    assert!(
        e.contains("monitoring.json is not JSON (line 1, column 11)"),
        "{e}"
    );
    // Nesting deeper than serde_json's limit is refused, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(open_json(deep.as_bytes(), now())
        .unwrap_err()
        .contains("is not JSON"));
}

#[test]
fn exported_at_may_be_a_day_ahead_of_the_clock_and_no_more() {
    let at = |s: &str| with(good_record(), "exported_at", json!(s));
    let day_ahead = serde_json::to_vec(&at("2026-11-21T17:00:00")).unwrap();
    assert!(open_json(&day_ahead, now()).is_ok());
    let past_it = serde_json::to_vec(&at("2026-11-21T17:00:01")).unwrap();
    assert!(open_json(&past_it, now())
        .unwrap_err()
        .contains("exported_at:"));
}

#[test]
fn control_and_bidi_characters_are_stripped_from_imported_text() {
    let mut r = good_record();
    r = with(
        r,
        "raising.agency",
        json!("Ysgol\u{1b}]52;c;cm0gLXJmIH4=\u{7} Gyfun\u{202E} Bryn"),
    );
    r = with(
        r,
        "category",
        json!("Threshold\u{1b}[2J\tfor\nassessment\u{2066}"),
    );
    r = with(r, "child.name", json!("\u{202D}Siân\u{9b}31m Llŷr"));
    r = with(r, "outcome", json!("Agreed.\r\nNext:\u{1b}[2J\tmeet\u{7f}"));
    let json = serde_json::to_vec(&r).unwrap();
    let m = open_json(&json, now()).unwrap().monitoring;
    assert_eq!(m.raising.agency, "Ysgol]52;c;cm0gLXJmIH4= Gyfun Bryn");
    assert_eq!(m.category, "Threshold[2J for assessment");
    assert_eq!(m.child.name, "Siân31m Llŷr");
    assert_eq!(m.outcome.as_deref(), Some("Agreed.\nNext:[2J\tmeet"));
    assert_eq!(m.effectiveness, "Useful.\nQuick.");
}

#[test]
fn a_passphrase_package_asking_for_huge_scrypt_work_is_refused_at_once() {
    let m: export::Monitoring = serde_json::from_value(good_record()).unwrap();
    let bytes = export::seal(
        b"%PDF-1.3",
        &m,
        Seal::Passphrase("a long shared passphrase"),
    )
    .unwrap();
    // The scrypt stanza names its work factor: 18 as sealed; ask for 2^40.
    let text = String::from_utf8_lossy(&bytes[..200]).into_owned();
    let line = text.lines().find(|l| l.starts_with("-> scrypt ")).unwrap();
    assert!(line.ends_with(" 18"), "{line}");
    let hostile_line = format!("{} 40", &line[..line.len() - 3]);
    let mut hostile = bytes.clone();
    let at = text.find(line).unwrap();
    hostile.splice(at..at + line.len(), hostile_line.bytes());
    let started = Instant::now();
    let e = export::open(&hostile, Key::Passphrase("a long shared passphrase"), now()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("passphrase: this passphrase cannot open the package"),
        "{e}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    let p = export::open(&bytes, Key::Passphrase("a long shared passphrase"), now()).unwrap();
    assert_eq!(p.monitoring.reference, "RPD-2026-0001");
}

#[test]
fn a_lead_cannot_export_what_the_board_would_refuse() {
    let mut m: export::Monitoring = serde_json::from_value(good_record()).unwrap();
    m.effectiveness = "x".repeat(20_001);
    let (_, public) = export::keygen(now());
    let e = export::seal(b"%PDF-", &m, Seal::Recipients(&[public])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "monitoring: this case cannot be exported as escalate-monitoring/1: effectiveness: must be text of at most 20000 characters"
    );
}

#[test]
fn csv_cells_a_spreadsheet_would_run_are_neutralised() {
    let mut r = good_record();
    r = with(
        r,
        "raising.agency",
        json!("=HYPERLINK(\"http://evil.example\",\"Ysgol\")"),
    );
    r = with(r, "category", json!("@SUM(1+1)*cmd|' /C calc'!A0"));
    r = with(r, "child.name", json!("+44 1234"));
    r = with(r, "receiving.agency", json!("-2+3"));
    let m: export::Monitoring = serde_json::from_value(r).unwrap();
    let row = export::csv(&m);
    let line = row.lines().nth(1).unwrap();
    for cell in [
        "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Ysgol\"\")\"",
        "\"'@SUM(1+1)*cmd|' /C calc'!A0\"",
        "\"'+44 1234\"",
        "\"'-2+3\"",
    ] {
        assert!(line.contains(cell), "{cell} not in {line}");
    }
    let f = board::figures(
        &[m],
        &crate::board::shipped(),
        "2026-01-01".parse().unwrap(),
        "2026-12-31".parse().unwrap(),
        now(),
    );
    let csv = board::csv(&f);
    assert!(
        csv.contains("\r\n\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Ysgol\"\")\",1\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\r\n\"'@SUM(1+1)*cmd|' /C calc'!A0\",1\r\n"),
        "{csv}"
    );
    assert!(csv.contains("\r\n\"'-2+3\",1\r\n"), "{csv}");
}

#[test]
fn many_distinct_keys_give_a_bounded_chart() {
    // 400 agencies, each in one case: the chart draws 15 bars, the table all 400 rows.
    let records: Vec<export::Monitoring> = (0..400)
        .map(|i| {
            serde_json::from_value(with(
                with(
                    good_record(),
                    "raising.agency",
                    json!(format!("Agency {i:03}")),
                ),
                "reference",
                json!(format!("RPD-2026-{i:04}")),
            ))
            .unwrap()
        })
        .collect();
    let f = board::figures(
        &records,
        &crate::board::shipped(),
        "2026-01-01".parse().unwrap(),
        "2026-12-31".parse().unwrap(),
        now(),
    );
    let pdf = board::pdf(&f, "P", "P", now()).unwrap();
    let text = text(&pdf, None);
    assert!(text.contains("386 others"), "the chart groups the rest");
    assert!(text.contains("Agency 399"), "the table lists every agency");
    assert!(pdf.len() < 2 * 1024 * 1024, "{} bytes", pdf.len());
}
