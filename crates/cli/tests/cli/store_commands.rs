//! The store commands, end to end on a real encrypted store with the real OS keyring.

use std::path::PathBuf;

use crate::escalate_with;
use crate::lead::{Lead, PASS};

impl Lead {
    fn new_case(&self, child: &str, extra: &[&str]) -> String {
        let mut args = vec![
            "case",
            "new",
            "--child-name",
            child,
            "--child-dob",
            "2015-04-02",
            "--raising-agency",
            "Ysgol Gyfun Bryn",
            "--receiving-agency",
            "Swansea Children's Services",
            "--receiving-sector",
            "local-authority",
            "--category",
            "Threshold for assessment",
            "--summary",
            "School believes the threshold for a section 47 enquiry is met.",
            "--opened",
            "2026-11-23T09:00",
        ];
        args.extend(extra);
        self.ok(&args).trim_end().to_owned()
    }

    /// The Board administrator's key (`export keygen`, into `board.key`), and case
    /// `reference` exported to it, minimised, as `package`. Gives the key file, its
    /// public key and the package.
    fn export_to_board(&self, reference: &str, package: &str) -> (PathBuf, String, PathBuf) {
        let key = self.root().join("board.key");
        let public = self
            .ok(&["export", "keygen", "--out", key.to_str().unwrap()])
            .trim()
            .to_owned();
        let package = self.root().join(package);
        self.ok(&[
            "export",
            reference,
            "--out",
            package.to_str().unwrap(),
            "--recipient",
            &public,
            "--minimise",
        ]);
        (key, public, package)
    }
}

#[test]
fn a_lead_runs_a_case_from_intake_to_resolution() {
    let lead = Lead::empty();
    lead.init();
    let r = lead.new_case("Siân Llŷr Ŵyn", &[]);
    assert_eq!(r, "RPD-2026-0001", "case new prints the reference alone");
    lead.ok(&[
        "stage",
        "record",
        &r,
        "--summary",
        "Discussed the referral",
        "--agreed",
        "Escalate to managers",
        "--participant",
        "Alex Morgan|DSL|Ysgol Gyfun Bryn",
        "--participant",
        "Jo Evans|Social Worker|Swansea Children's Services",
        "--discussed",
        "2026-11-23T10:00",
    ]);
    assert_eq!(
        lead.ok(&["case", "escalate", &r]),
        format!("{r}\tStage 2\n")
    );
    let list: serde_json::Value =
        serde_json::from_str(&lead.ok(&["case", "list", "--json"])).unwrap();
    assert_eq!(list[0]["reference"], r.as_str());
    assert_eq!(list[0]["stage"], 2);
    assert_eq!(list[0]["urgency"]["status"], "on-track");
    let show: serde_json::Value =
        serde_json::from_str(&lead.ok(&["case", "show", &r, "--json"])).unwrap();
    assert_eq!(show["child_name"], "Siân Llŷr Ŵyn");
    assert_eq!(show["records"][0]["participants"][1]["name"], "Jo Evans");
    let text = lead.ok(&["case", "show", &r]);
    assert!(
        text.contains("Next step: The purpose of this discussion is for the manager to agree"),
        "{text}"
    );

    // A stage record from a JSON file, with every field.
    let file = lead.root().join("record.json");
    std::fs::write(&file, r#"{"discussed_at":"2026-11-23T14:00:00","participants":[{"name":"Alex Morgan","role":"DSL","agency":"Ysgol Gyfun Bryn"}],"raising_view":"Threshold met","receiving_view":"Early help","summary":"Manager agrees to escalate","agreed":"Stage 3 today","resolved":false,"next_step":"Contact the team manager","approved_by":"Head Teacher","approved_on":"2026-11-23"}"#).unwrap();
    lead.ok(&["stage", "record", &r, "--file", file.to_str().unwrap()]);
    lead.ok(&["case", "escalate", &r]);
    lead.ok(&[
        "case",
        "resolve",
        &r,
        "--outcome",
        "Section 47 enquiry agreed",
    ]);
    let list = lead.ok(&["case", "list", "--all"]);
    assert!(list.starts_with(&format!("{r}\tresolved\t")), "{list}");
    let chronology = lead.ok(&["case", "chronology", &r]);
    assert!(
        chronology.contains("Escalated from Stage 2 to Stage 3"),
        "{chronology}"
    );
    let audit = lead.ok(&["audit", "verify"]);
    assert!(audit.starts_with("ok: 8 entries, head "), "{audit}");
}

#[test]
fn bad_input_is_refused_with_the_field_named_and_nothing_written() {
    let lead = Lead::empty();
    lead.init();
    // A valid `case new` with the receiving agency given and more options after it.
    fn case_new(receiving: &str, extra: &[&str]) -> Vec<String> {
        let base = [
            "case",
            "new",
            "--child-name",
            "X",
            "--raising-agency",
            "A",
            "--receiving-agency",
            receiving,
            "--category",
            "c",
            "--summary",
            "s",
        ];
        base.iter().chain(extra).map(|a| (*a).to_owned()).collect()
    }
    let owned = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            case_new("B", &["--child-dob", "02/04/2015"]),
            "--child-dob: '02/04/2015' is not a date",
        ),
        (case_new("a", &[]), "receiving_agency: must differ"),
        (
            case_new("B", &["--raising-sector", "army"]),
            "--raising-sector: unknown sector 'army'",
        ),
        (
            case_new("B", &["--stage", "4", "--immediate-risk", "danger"]),
            "does not allow starting at or jumping to a higher stage",
        ),
        (
            owned(&["case", "escalate", "RPD-2026-0099"]),
            "no case with reference 'RPD-2026-0099'",
        ),
        (
            owned(&[
                "stage",
                "record",
                "RPD-2026-0099",
                "--summary",
                "s",
                "--agreed",
                "a",
                "--participant",
                "Only Name",
            ]),
            "participant: 'Only Name' is not Name|Role|Agency",
        ),
    ];
    for (args, expected) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, err) = lead.fails(&args, false);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains(expected),
            "{args:?}: expected '{expected}' in {err}"
        );
    }
    assert_eq!(lead.ok(&["case", "list", "--all"]), "");
    assert!(lead.ok(&["audit", "verify"]).starts_with("ok: 2 entries"));
}

#[test]
fn without_a_keyring_the_passphrase_unlocks() {
    let lead = Lead::empty();
    lead.init();
    lead.new_case("Child A", &[]);
    // No D-Bus session at all: the real keyring fails fast with a clear error.
    let env = [("ESCALATE_DATA_DIR", lead.data.to_str().unwrap())];
    let out = escalate_with(&["case", "list"], &env, &["DBUS_SESSION_BUS_ADDRESS"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("could not be taken from the OS keyring")
            && err.contains("ESCALATE_PASSPHRASE"),
        "{err}"
    );
    let env = [
        ("ESCALATE_DATA_DIR", lead.data.to_str().unwrap()),
        ("ESCALATE_PASSPHRASE", PASS),
    ];
    let out = escalate_with(&["case", "list"], &env, &["DBUS_SESSION_BUS_ADDRESS"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Child A"));
    // A passphrase file works too; a wrong one is named as wrong.
    let file = lead.root().join("pass.txt");
    std::fs::write(&file, "wrong horse battery staple\n").unwrap();
    let out = escalate_with(
        &[
            "case",
            "list",
            "--no-keyring",
            "--passphrase-file",
            file.to_str().unwrap(),
        ],
        &env[..1],
        &[],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("the recovery passphrase is wrong"));
    std::fs::write(&file, format!("{PASS}\n")).unwrap();
    let out = escalate_with(
        &[
            "case",
            "list",
            "--no-keyring",
            "--passphrase-file",
            file.to_str().unwrap(),
        ],
        &env[..1],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn backup_restore_and_passphrase_change() {
    let lead = Lead::empty();
    lead.init();
    lead.new_case("Child B", &[]);
    let backup = lead.root().join("store.escalate");
    let out = lead.ok(&["backup", "--out", backup.to_str().unwrap()]);
    assert!(out.contains("bytes"));
    let restored = lead.root().join("restored");
    let env = [
        ("ESCALATE_DATA_DIR", restored.to_str().unwrap()),
        ("ESCALATE_PASSPHRASE", PASS),
    ];
    let out = escalate_with(&["restore", backup.to_str().unwrap()], &env, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = escalate_with(&["case", "list"], &env[..1], &[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Child B"));
    // Restoring over a store is refused.
    let out = escalate_with(&["restore", backup.to_str().unwrap()], &env, &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));

    let new = "a completely new recovery phrase";
    let env = [
        ("ESCALATE_DATA_DIR", lead.data.to_str().unwrap()),
        ("ESCALATE_PASSPHRASE", PASS),
        ("ESCALATE_NEW_PASSPHRASE", new),
    ];
    let out = escalate_with(&["passphrase", "change"], &env, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let old = [
        ("ESCALATE_DATA_DIR", lead.data.to_str().unwrap()),
        ("ESCALATE_PASSPHRASE", PASS),
    ];
    let out = escalate_with(&["case", "list", "--no-keyring"], &old, &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("passphrase is wrong"));
    let newer = [
        ("ESCALATE_DATA_DIR", lead.data.to_str().unwrap()),
        ("ESCALATE_PASSPHRASE", new),
    ];
    assert!(
        escalate_with(&["case", "list", "--no-keyring"], &newer, &[])
            .status
            .success()
    );
    assert!(escalate_with(&["key", "rotate"], &newer, &[])
        .status
        .success());
    assert!(
        escalate_with(&["case", "list"], &newer[..1], &[])
            .status
            .success(),
        "the keyring has the rotated key"
    );
}

#[test]
fn audit_verify_names_a_tampered_entry() {
    let lead = Lead::empty();
    lead.init();
    lead.new_case("Child C", &[]);
    // Tamper with the key, as someone holding it could: python's sqlcipher3 edits one entry.
    let key = {
        let kf = escalate_store::KeyFile::read(&lead.data).unwrap();
        kf.unwrap_key(&escalate_store::Passphrase::new(PASS))
            .unwrap()
    };
    let script = "import sys, sqlcipher3\ncon = sqlcipher3.connect(sys.argv[1])\ncon.execute(\"PRAGMA key = \\\"x'%s'\\\"\" % sys.argv[2])\ncon.execute(\"UPDATE audit SET actor = 'Someone Else' WHERE seq = 2\")\ncon.commit()\n";
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            script,
            lead.data.join("escalate.db").to_str().unwrap(),
            &key.expose_hex(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python sqlcipher3 (make test installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, err) = lead.fails(&["audit", "verify"], false);
    assert_eq!(code, 3);
    assert!(
        err.contains("broken at entry 2 (seq 2): its content was changed"),
        "{err}"
    );
}

#[test]
fn audit_verify_replays_every_case_against_the_dashboard() {
    let lead = Lead::empty();
    lead.init();
    let r = lead.new_case("Child C", &[]);
    let audit = lead.ok(&["audit", "verify"]);
    assert!(audit.ends_with("\ncaches: ok\n"), "{audit}");
    // The dashboard's row changed behind the store's back: the chain is sound, the
    // cache is not the replay of the case's log.
    let key = escalate_store::KeyFile::read(&lead.data)
        .unwrap()
        .unwrap_key(&escalate_store::Passphrase::new(PASS))
        .unwrap();
    let script = "import sys, sqlcipher3\ncon = sqlcipher3.connect(sys.argv[1])\ncon.execute(\"PRAGMA key = \\\"x'%s'\\\"\" % sys.argv[2])\ncon.execute(\"UPDATE case_state SET status = 'withdrawn'\")\ncon.commit()\n";
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            script,
            lead.data.join("escalate.db").to_str().unwrap(),
            &key.expose_hex(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python sqlcipher3 (make test installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, err) = lead.fails(&["audit", "verify"], false);
    assert_eq!(code, 3);
    assert_eq!(
        err.trim_end(),
        format!("escalate: caches: 1 difference from the log:\n  case {r}: case_state.status was altered outside Escalate: the log holds its value at entry 3")
    );
}

#[test]
fn report_and_export_to_the_board() {
    let lead = Lead::empty();
    lead.init();
    let r = lead.new_case("Siân Llŷr Ŵyn", &[]);
    let pdf = lead.root().join("chronology.pdf");
    let out = lead.ok(&[
        "report",
        &r,
        "--form",
        "chronology",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(out.ends_with("bytes\n"), "{out}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    // Never overwrites a file silently; a form the protocol does not use is named.
    let (code, err) = lead.fails(
        &[
            "report",
            &r,
            "--form",
            "chronology",
            "--out",
            pdf.to_str().unwrap(),
        ],
        false,
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("already exists: choose a new file name"),
        "{err}"
    );
    let (_, err) = lead.fails(
        &[
            "report",
            &r,
            "--form",
            "monitoring-form",
            "--out",
            "/tmp/never.pdf",
        ],
        false,
    );
    assert!(
        err.contains("monitoring-form is not used by protocol 'western-bay'"),
        "{err}"
    );
    let (_, err) = lead.fails(
        &["report", &r, "--form", "letter", "--out", "/tmp/never.pdf"],
        false,
    );
    assert!(err.contains("--form: 'letter' is not a form"), "{err}");

    // The Board administrator makes a key; the lead exports to it, minimised.
    let (key, public, package) = lead.export_to_board(&r, "case.escalate-export");
    assert!(public.starts_with("age1"), "{public}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let bytes = std::fs::read(&package).unwrap();
    assert!(!bytes.windows("Siân".len()).any(|w| w == "Siân".as_bytes()));
    let listing = lead.ok(&[
        "export",
        "open",
        package.to_str().unwrap(),
        "--identity",
        key.to_str().unwrap(),
    ]);
    assert!(
        listing.starts_with(&format!("{r}\twestern-bay\topen\tS. L. Ŵ.\n")),
        "{listing}"
    );
    assert!(
        listing.contains("report.pdf\t")
            && listing.contains("monitoring.json\t")
            && listing.contains("monitoring.csv\t")
    );
    let extracted = lead.root().join("extracted");
    let json: serde_json::Value = serde_json::from_str(&lead.ok(&[
        "export",
        "open",
        package.to_str().unwrap(),
        "--identity",
        key.to_str().unwrap(),
        "--json",
        "--extract",
        extracted.to_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(json["child"]["date_of_birth"], "2015");
    assert!(extracted.join("report.pdf").exists() && extracted.join("monitoring.csv").exists());

    // A passphrase instead of a key; a changed package is refused.
    let pass = lead.root().join("package-pass.txt");
    std::fs::write(&pass, "a long package passphrase\n").unwrap();
    let sealed = lead.root().join("p.escalate-export");
    lead.ok(&[
        "export",
        &r,
        "--out",
        sealed.to_str().unwrap(),
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    assert!(lead
        .ok(&[
            "export",
            "open",
            sealed.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap()
        ])
        .contains("Siân Llŷr Ŵyn"));
    let mut changed = std::fs::read(&sealed).unwrap();
    let mid = changed.len() / 2;
    changed[mid] ^= 1;
    std::fs::write(&sealed, changed).unwrap();
    let (code, err) = lead.fails(
        &[
            "export",
            "open",
            sealed.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
        false,
    );
    assert_eq!(code, 2);
    assert!(err.contains("changed or cut short"), "{err}");
    let (_, err) = lead.fails(
        &[
            "export",
            &r,
            "--out",
            lead.root().join("x").to_str().unwrap(),
        ],
        false,
    );
    assert!(err.contains("say who can open it"), "{err}");
}

#[test]
fn a_board_administrator_imports_and_reports() {
    let lead = Lead::empty();
    lead.init();
    let r = lead.new_case("Child D", &[]);
    lead.ok(&[
        "stage",
        "record",
        &r,
        "--summary",
        "s",
        "--agreed",
        "a",
        "--discussed",
        "2026-11-23T10:00",
        "--resolved",
    ]);
    lead.ok(&["case", "resolve", &r, "--outcome", "Agreed"]);
    let (key, _, package) = lead.export_to_board(&r, "d.escalate-export");
    std::fs::write(lead.root().join("junk.escalate-export"), "junk").unwrap();

    // The administrator's own store, in a folder of its own.
    let admin = lead.root().join("board-store");
    let env = [
        ("ESCALATE_DATA_DIR", admin.to_str().unwrap()),
        ("ESCALATE_PASSPHRASE", PASS),
    ];
    let init = [
        "init",
        "--name",
        "Sam Board",
        "--designation",
        "Board Administrator",
        "--agency",
        "WBSCB",
        "--sector",
        "other",
        "--protocol",
        "western-bay",
        "--calendar",
        "england-and-wales",
    ];
    assert!(escalate_with(&init, &env, &[]).status.success());
    let admin_env = &env[..1];
    // The Board trusts the agency's card, compared by its fingerprint.
    let card = lead.root().join("lead.card.json");
    lead.ok(&["identity", "export", "--out", card.to_str().unwrap()]);
    let added = escalate_with(
        &["directory", "add", card.to_str().unwrap(), "--yes"],
        admin_env,
        &[],
    );
    assert!(added.status.success(), "{added:?}");
    let import = escalate_with(
        &[
            "board",
            "import",
            package.to_str().unwrap(),
            lead.root().join("junk.escalate-export").to_str().unwrap(),
            "--identity",
            key.to_str().unwrap(),
        ],
        admin_env,
        &[],
    );
    let stdout = String::from_utf8_lossy(&import.stdout);
    assert_eq!(
        import.status.code(),
        Some(2),
        "a refused file makes the exit non-zero: {stdout}"
    );
    assert!(stdout.contains("d.escalate-export\tnew"), "{stdout}");
    assert!(
        stdout.contains(
            "junk.escalate-export\trefused: package: it is not an Escalate export package"
        ),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("2 files: 1 new, 0 replaced, 0 duplicate, 0 older, 0 held, 1 refused\n"),
        "{stdout}"
    );
    let again = escalate_with(
        &[
            "board",
            "import",
            package.to_str().unwrap(),
            "--identity",
            key.to_str().unwrap(),
        ],
        admin_env,
        &[],
    );
    assert!(String::from_utf8_lossy(&again.stdout)
        .ends_with("1 files: 0 new, 0 replaced, 1 duplicate, 0 older, 0 held, 0 refused\n"));

    let report = escalate_with(
        &[
            "board",
            "report",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--json",
            "--now",
            "2026-11-23T17:00",
        ],
        admin_env,
        &[],
    );
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(json["total"], 1);
    assert_eq!(json["by_raising_agency"]["Ysgol Gyfun Bryn"], 1);
    assert_eq!(json["by_stage_resolved"]["1"], 1);
    assert_eq!(json["median_working_days"], 0.0);
    let bad = escalate_with(
        &[
            "board",
            "report",
            "--from",
            "2026-12-01",
            "--to",
            "2026-11-01",
        ],
        admin_env,
        &[],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--to: the period ends before it starts"));
}

#[test]
fn withdraw_redirect_notify_and_shorten() {
    let lead = Lead::empty();
    lead.init();
    let a = lead.new_case("Child E", &[]);
    let out = lead.ok(&[
        "case",
        "redirect",
        &a,
        "--exclusion",
        "conference-without-consensus",
    ]);
    assert!(
        out.starts_with(&format!("{a}\tredirected\tThe process in Section 3.14.16")),
        "{out}"
    );
    let (_, err) = lead.fails(&["case", "withdraw", &a, "--reason", "x"], false);
    assert!(err.contains("this case is redirected"), "{err}");

    let b = lead.new_case("Child F", &["--protocol", "doncaster"]);
    lead.ok(&[
        "case",
        "notified",
        &b,
        "--stage",
        "1",
        "--notification",
        "form-to-business-unit",
        "--sent",
        "2026-11-23T11:00",
        "--note",
        "emailed",
    ]);
    let (_, err) = lead.fails(
        &[
            "case",
            "notified",
            &b,
            "--stage",
            "1",
            "--notification",
            "carrier-pigeon",
        ],
        false,
    );
    assert!(err.contains("'carrier-pigeon' is not a notification of Stage 1: use one of form-to-receiving-worker"), "{err}");
    lead.ok(&[
        "case",
        "shorten",
        &b,
        "--due",
        "2026-11-24T12:00",
        "--reason",
        "Child discharged tomorrow",
    ]);
    let show: serde_json::Value =
        serde_json::from_str(&lead.ok(&["case", "show", &b, "--json"])).unwrap();
    let stage = show["status"]["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "stage")
        .unwrap()
        .clone();
    assert_eq!(stage["shortened"], "Child discharged tomorrow");
    let chronology: serde_json::Value =
        serde_json::from_str(&lead.ok(&["case", "chronology", &b, "--json"])).unwrap();
    let kinds: Vec<&str> = chronology
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"opened")
            && kinds.contains(&"notification-sent")
            && kinds.contains(&"deadline"),
        "{kinds:?}"
    );
    assert_eq!(
        lead.ok(&["case", "withdraw", &b, "--reason", "Agreed informally"]),
        format!("{b}\twithdrawn\n")
    );
    assert!(lead.ok(&["case", "list"]).is_empty(), "no open cases left");
    assert!(lead.ok(&["audit", "verify"]).starts_with("ok: 8 entries"));
}

#[test]
fn stage_record_fields_let_a_western_bay_case_leave_stage_3() {
    let lead = Lead::empty();
    lead.init();
    let r = lead.new_case("Child D", &[]);
    fn record<'a>(r: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "stage",
            "record",
            r,
            "--summary",
            "Discussed",
            "--agreed",
            "Escalate",
        ];
        args.extend(extra);
        args
    }
    // No record yet: the hint asks for one, with no fields.
    let (code, err) = lead.fails(&["case", "escalate", &r], false);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("it still needs a written record of this stage. Add a stage record of the Stage 1 discussion or meeting. The protocol says: "),
        "{err}"
    );
    assert!(
        err.trim_end().ends_with(&format!(
            "Record it with `escalate stage record {r} --summary TEXT --agreed TEXT`."
        )),
        "{err}"
    );
    for stage in 2..=3 {
        lead.ok(&record(&r, &[]));
        assert_eq!(
            lead.ok(&["case", "escalate", &r]),
            format!("{r}\tStage {stage}\n")
        );
    }
    lead.ok(&record(&r, &[]));
    // Stage 3 needs the analysis of perceived risk: the refusal says how to give it.
    let (code, err) = lead.fails(&["case", "escalate", &r], false);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("escalate: Stage 3 cannot be escalated yet: it still needs a stage record with the 'risk-analysis' field. Add a Stage 3 record that fills in 'risk-analysis' (Analysis of the perceived risk"),
        "{err}"
    );
    assert!(
        err.trim_end().ends_with(&format!(
            "the perceived risk to the child and detailing what steps have been taken to try to resolve the matter. Record it with `escalate stage record {r} --summary TEXT --agreed TEXT --field risk-analysis=TEXT`."
        )),
        "{err}"
    );
    let audit = lead.ok(&["audit", "verify"]);

    // --field refusals name the option and write nothing.
    let refused: &[(&[&str], &str)] = &[
        (
            &["--field", "colour=red"],
            "escalate: --field: field 1: the ID before '=' is not a record field: use one of risk-analysis, evidence, lead-advice, desired-outcome, minutes, route, lessons",
        ),
        (
            &["--field", "Aled Canary has a bruise"],
            "escalate: --field: field 1 has no '=': give ID=TEXT",
        ),
        (
            &["--field", "risk-analysis=  "],
            "escalate: --field: risk-analysis has no text",
        ),
        (
            &["--field", "risk-analysis=a", "--field", "risk-analysis=b"],
            "escalate: --field: risk-analysis is given twice",
        ),
        (
            &["--field", "evidence=Aled Canary said so"],
            "escalate: --field: this stage's record does not use 'evidence': it uses risk-analysis",
        ),
    ];
    for (extra, expected) in refused {
        let (code, err) = lead.fails(&record(&r, extra), false);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(
            err.starts_with(expected),
            "{extra:?}: expected '{expected}' in {err}"
        );
        assert!(!err.contains("Canary"), "the text was echoed: {err}");
    }
    assert_eq!(
        lead.ok(&["audit", "verify"]),
        audit,
        "a refusal wrote nothing"
    );

    lead.ok(&record(
        &r,
        &[
            "--field",
            "risk-analysis=Risk of neglect is rising; two meetings missed.",
        ],
    ));
    assert_eq!(
        lead.ok(&["case", "escalate", &r]),
        format!("{r}\tStage 4\n")
    );
    let show: serde_json::Value =
        serde_json::from_str(&lead.ok(&["case", "show", &r, "--json"])).unwrap();
    let records = show["records"].as_array().unwrap();
    assert_eq!(
        records[3]["extra"]["risk-analysis"],
        "Risk of neglect is rising; two meetings missed."
    );
}

#[test]
fn a_stage_record_file_is_refused_without_echoing_its_values() {
    let lead = Lead::empty();
    lead.init();
    let r = lead.new_case("Child E", &[]);
    let audit = lead.ok(&["audit", "verify"]);
    let file = lead.root().join("record.json");
    let file_arg = file.to_str().unwrap();
    let refused: &[(&str, &str)] = &[
        (
            r#"{"summary": "s", "agreed": "a", "resolved": "Aled Canary"}"#,
            "resolved: line 1, column 57: wrong type: expected a boolean, found text",
        ),
        (
            "{\"summary\": \"s\",\n \"agreed\": \"a\",\n \"participants\": [{\"name\": \"Aled Canary\", \"role\": 7, \"agency\": \"x\"}]}",
            "participants: participants[0].role, line 3, column 51: wrong type: expected a string, found a number",
        ),
        (
            r#"{"summary": "s", "agreed": "a", "Aled Canary": "x"}"#,
            "record: (unknown key), line 1, column 45: unknown field: expected one of `discussed_at`",
        ),
        (
            r#"{"summary": "s", "agreed": "a", "extra": {"Aled Canary": "x"}}"#,
            "extra: line 1, column 55: not a record field: use one of risk-analysis",
        ),
        (
            r#"{"summary": "Aled Canary", "agreed": "a", "discussed_at": "Aled Canary"}"#,
            "discussed_at: line 1, column 71: not a date or time",
        ),
        (
            r#"{"summary": "s", "agreed": "a"} Aled Canary"#,
            "record: line 1, column 33: not valid JSON: trailing characters",
        ),
    ];
    for (json, expected) in refused {
        std::fs::write(&file, json).unwrap();
        let (code, err) = lead.fails(&["stage", "record", &r, "--file", file_arg], false);
        assert_eq!(code, 2, "{json}: {err}");
        assert!(
            err.starts_with(&format!(
                "escalate: --file: {file_arg} is not a stage record: {expected}"
            )),
            "{json}: expected '{expected}' in {err}"
        );
        assert!(
            !err.contains("Aled") && !err.contains("Canary"),
            "a value was echoed: {err}"
        );
    }
    // A device and an oversized file are refused before anything is read.
    let (code, err) = lead.fails(&["stage", "record", &r, "--file", "/dev/zero"], false);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("escalate: /dev/zero: is not a regular file: give a stage record file (JSON) of at most 1 MiB"),
        "{err}"
    );
    std::fs::write(&file, " ".repeat(1024 * 1024 + 1)).unwrap();
    let (code, err) = lead.fails(&["stage", "record", &r, "--file", file_arg], false);
    assert_eq!(code, 2);
    assert!(
        err.contains("is 1048577 bytes; a stage record file (JSON) may be at most 1 MiB"),
        "{err}"
    );
    // A moment the calendar does not cover would leave deadlines it cannot count.
    let env = [("ESCALATE_DATA_DIR", lead.data.to_str().unwrap())];
    for now in ["2101-01-01T00:00", "9999-12-31T23:59", "1989-12-31T23:59"] {
        let out = escalate_with(
            &[
                "stage",
                "record",
                &r,
                "--summary",
                "s",
                "--agreed",
                "a",
                "--now",
                now,
            ],
            &env,
            &[],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with(&format!(
                "escalate: --now: {} is outside the calendar's range: use a date from 1990-01-01 to 2100-12-31",
                &now[..10]
            )),
            "{err}"
        );
    }
    assert_eq!(
        lead.ok(&["audit", "verify"]),
        audit,
        "a refusal wrote nothing"
    );
}

#[test]
fn report_prints_any_form_the_cases_protocol_declares() {
    let lead = Lead::empty();
    lead.init();
    let r = lead.new_case("Siân Llŷr Ŵyn", &[]);
    let pdf = lead.root().join("rpd.pdf");
    lead.ok(&[
        "report",
        &r,
        "--form",
        "rpd-report",
        "--notes",
        "Noted.",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    let out = std::process::Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "Resolution of Professional Differences Report",
        "School believes the threshold for a section 47 enquiry is met.",
        "Noted.",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // A form no protocol has, and one another protocol has: each refusal names --form
    // and lists the forms the case's protocol has.
    for (form, said) in [
        (
            "letter",
            "escalate: --form: 'letter' is not a form: protocol 'western-bay' has rpd-report, stage-record, chronology",
        ),
        (
            "escalation-form",
            "escalate: --form: escalation-form is not used by protocol 'western-bay': it uses rpd-report, stage-record, chronology",
        ),
    ] {
        let (code, err) = lead.fails(
            &["report", &r, "--form", form, "--out", "/tmp/never.pdf"],
            false,
        );
        assert_eq!(code, 2, "{err}");
        assert_eq!(err.trim_end(), said);
    }
}
