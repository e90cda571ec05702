//! The log is the record: a store edited outside Escalate, by someone holding its
//! recovery passphrase and using independent tools (tests/cli/forge.py: Argon2id and
//! XChaCha20-Poly1305 to unseal key.json, python's sqlcipher3 to edit), never shows,
//! prints or sends the forged words as true, and `audit verify` names what was altered.
//! Each edit is tried on a store made by this build and on stores converted from the
//! first release's format and from the release before the log carried every word
//! (crates/store/tests/fixtures).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::escalate_with;

const FRESH_PASS: &str = "correct horse battery staple";
const FIXTURE_PASS: &str = "legacy fixture passphrase 2026";
/// After every fixture's last entry: the tests read the stores as of today.
const NOW: &str = "2026-12-07T10:00";

/// A store of one of the three kinds, in a folder of its own, opened with its
/// passphrase alone (no keyring: each command unlocks as the forger did).
struct Kept {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    pass: &'static str,
    /// A case with stage records, and an open case with deadlines to come.
    recorded: String,
    open: String,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Made by this build.
    Fresh,
    /// The first release's format (before the case log), converted on open.
    FirstRelease,
    /// The release before the log carried every word, converted on open.
    BeforeContent,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../store/tests/fixtures")
        .join(name)
}

impl Kept {
    fn new(kind: Kind) -> Kept {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let pass = match kind {
            Kind::Fresh => FRESH_PASS,
            _ => FIXTURE_PASS,
        };
        let mut kept = Kept {
            _tmp: tmp,
            data,
            pass,
            recorded: "RPD-2026-0001".to_owned(),
            open: "RPD-2026-0005".to_owned(),
        };
        match kind {
            Kind::Fresh => kept.make(),
            Kind::FirstRelease => kept.restore("legacy.escalate-backup"),
            Kind::BeforeContent => kept.restore("content.escalate-backup"),
        }
        kept
    }

    fn restore(&self, backup: &str) {
        let f = fixture(backup);
        self.ok_at(&["restore", f.to_str().unwrap()], "2026-12-01T09:00");
    }

    /// A store like the fixtures': a case with records, escalated and resolved, and an
    /// open one.
    fn make(&mut self) {
        self.ok_at(
            &[
                "init",
                "--name",
                "Rhian Evans",
                "--designation",
                "Designated Safeguarding Lead",
                "--agency",
                "Ysgol Gyfun Bryn",
                "--sector",
                "schools",
                "--protocol",
                "western-bay",
                "--calendar",
                "england-and-wales",
            ],
            "2026-11-02T09:00",
        );
        let new = |child: &str, at: &str| {
            self.ok_at(
                &[
                    "case",
                    "new",
                    "--child-name",
                    child,
                    "--raising-agency",
                    "Ysgol Gyfun Bryn",
                    "--receiving-agency",
                    "Swansea Children's Services",
                    "--receiving-sector",
                    "local-authority",
                    "--category",
                    "Threshold for assessment",
                    "--summary",
                    "Concern about the child",
                    "--opened",
                    at,
                ],
                at,
            )
            .trim()
            .to_owned()
        };
        let recorded = new("Aled Jones", "2026-11-02T09:30");
        self.ok_at(
            &[
                "stage",
                "record",
                &recorded,
                "--summary",
                "Discussed the referral",
                "--agreed",
                "No agreement",
                "--participant",
                "Rhian Evans|DSL|Ysgol Gyfun Bryn",
                "--discussed",
                "2026-11-03T09:45",
            ],
            "2026-11-03T10:00",
        );
        self.ok_at(&["case", "escalate", &recorded], "2026-11-03T11:00");
        self.ok_at(
            &[
                "stage",
                "record",
                &recorded,
                "--summary",
                "Manager discussion",
                "--agreed",
                "Assessment to start",
                "--resolved",
                "--discussed",
                "2026-11-04T09:30",
            ],
            "2026-11-04T10:00",
        );
        let open = new("Ffion Davies", "2026-12-04T13:00");
        self.recorded = recorded;
        self.open = open;
    }

    fn run_at(&self, args: &[&str], now: &str) -> Output {
        let mut all = vec!["--no-keyring", "--now", now];
        all.extend(args);
        escalate_with(
            &all,
            &[
                ("ESCALATE_DATA_DIR", self.data.to_str().unwrap()),
                ("ESCALATE_PASSPHRASE", self.pass),
                (
                    "ESCALATE_EXPORT_PASSPHRASE",
                    "a package passphrase for the Board",
                ),
            ],
            &[],
        )
    }

    fn ok_at(&self, args: &[&str], now: &str) -> String {
        let out = self.run_at(args, now);
        assert!(
            out.status.success(),
            "escalate {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        self.ok_at(args, NOW)
    }

    /// A command that must fail: its exit status, stdout and stderr.
    fn fails(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.run_at(args, NOW);
        assert!(
            !out.status.success(),
            "escalate {args:?} should have failed"
        );
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    fn show(&self, reference: &str) -> Value {
        serde_json::from_str(&self.ok(&["case", "show", reference, "--json"])).unwrap()
    }

    /// A copy to edit, so each edit is tried on the store as it was.
    fn copy(&self) -> Kept {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let out = std::process::Command::new("cp")
            .args(["-a", self.data.to_str().unwrap(), data.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success());
        Kept {
            _tmp: tmp,
            data,
            pass: self.pass,
            recorded: self.recorded.clone(),
            open: self.open.clone(),
        }
    }

    /// Edit the database as the forger would; gives what the statements selected.
    fn forge(&self, sql: &str) -> String {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/forge.py");
        let out = std::process::Command::new("python3")
            .arg(script)
            .args([self.data.to_str().unwrap(), sql])
            .env("ESCALATE_PASSPHRASE", self.pass)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "forge.py (make test installs sqlcipher3-binary, argon2-cffi and pynacl): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Append an entry with a correct hash, as someone who read the source would.
    fn append(&self, action: &str, entity: &str, id: &str, after: &str, at: &str) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/forge.py");
        let out = std::process::Command::new("python3")
            .arg(script)
            .args([
                self.data.to_str().unwrap(),
                "--append",
                action,
                entity,
                id,
                after,
                at,
            ])
            .env("ESCALATE_PASSPHRASE", self.pass)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn pdf_text(&self, reference: &str, form: &str) -> String {
        let pdf = self.data.with_file_name(format!("{reference}-{form}.pdf"));
        let _ = std::fs::remove_file(&pdf);
        self.ok(&[
            "report",
            reference,
            "--form",
            form,
            "--out",
            pdf.to_str().unwrap(),
        ]);
        let out = std::process::Command::new("pdftotext")
            .args(["-layout", pdf.to_str().unwrap(), "-"])
            .output()
            .expect("pdftotext (make test installs poppler-utils)");
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    }

    /// `audit verify` fails naming each of `names` (a reference or `settings`, a field).
    fn verify_names(&self, names: &[&str]) -> String {
        let (code, _, err) = self.fails(&["audit", "verify"]);
        assert_eq!(code, 3, "{err}");
        for n in names {
            assert!(err.contains(n), "audit verify should name {n}: {err}");
        }
        err
    }
}

fn deadlines(case: &Value) -> Value {
    case["status"]["deadlines"].clone()
}

/// The words every edit of a case's words must leave as they were.
fn words(case: &Value) -> Value {
    let mut w = case.clone();
    for k in ["integrity", "status", "plan", "engine"] {
        w.as_object_mut().unwrap().remove(k);
    }
    w
}

fn altered_fields(case: &Value) -> Vec<String> {
    case["integrity"]["altered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["field"].as_str().unwrap().to_owned())
        .collect()
}

fn forgeries(kind: Kind) {
    let kept = Kept::new(kind);
    let r = kept.recorded.clone();
    let before = kept.show(&r);
    let before_open = kept.show(&kept.open);
    assert!(kept.ok(&["audit", "verify"]).ends_with("caches: ok\n"));
    let first_agreed = before["records"][0]["agreed"].as_str().unwrap().to_owned();
    assert!(!before["records"].as_array().unwrap().is_empty());

    // Stage records' words.
    for (sql, field, forged) in [
        (
            "UPDATE stage_records SET agreed = 'No further action agreed by all'",
            "stage_records.agreed",
            "No further action agreed by all",
        ),
        (
            "UPDATE stage_records SET summary = 'Nothing was discussed'",
            "stage_records.summary",
            "Nothing was discussed",
        ),
    ] {
        let s = kept.copy();
        s.forge(sql);
        s.verify_names(&[&format!("case {r}"), field]);
        let shown = s.show(&r);
        assert_eq!(words(&shown), words(&before), "{kind:?} {field}");
        assert!(
            altered_fields(&shown).contains(&field.to_owned()),
            "{shown}"
        );
        let text = s.show_text(&r);
        assert!(text.contains("altered outside Escalate"), "{text}");
        assert!(!text.contains(forged));
        let pdf = s.pdf_text(&r, "rpd-report");
        assert!(
            !pdf.contains(forged),
            "{kind:?}: the PDF prints the forged {field}"
        );
        assert!(pdf.contains(&first_agreed) || field != "stage_records.agreed");
        // Rebuilt from the log; the detection stays, so verify still says so.
        let err = s.verify_names(&[&format!("case {r}"), field]);
        assert!(err.contains("found and restored from the log"), "{err}");
        let reshown = s.show(&r);
        assert!(reshown["integrity"]["altered"]
            .as_array()
            .unwrap()
            .is_empty());
        assert!(!reshown["integrity"]["detected"]
            .as_array()
            .unwrap()
            .is_empty());
    }

    // The case's own text.
    let s = kept.copy();
    s.forge(
        "UPDATE cases SET child_name = 'Forged Name', summary = 'Forged summary', category = 'Forged category', opened_at = '2026-11-19T09:00:00'",
    );
    s.verify_names(&[
        &format!("case {r}"),
        "cases.child_name",
        "cases.summary",
        "cases.category",
        "cases.opened_at",
    ]);
    let shown = s.show(&r);
    assert_eq!(words(&shown), words(&before), "{kind:?} case text");
    for pdf in [s.pdf_text(&r, "rpd-report"), s.pdf_text(&r, "chronology")] {
        assert!(!pdf.contains("Forged"), "{kind:?}: {pdf}");
    }
    let listed = s.ok(&["case", "list", "--all"]);
    assert!(!listed.contains("Forged Name"), "{listed}");

    // Settings that move deadlines.
    for (sql, names) in [
        (
            "INSERT INTO closure_days (day, note) VALUES ('2026-12-08', 'Forged closure'), ('2026-12-09', 'Forged closure')",
            &["settings", "closure_days (2026-12-08)"][..],
        ),
        (
            "INSERT INTO holiday_imports (sha256, file_name, text, imported_at) VALUES ('00', 'bank-holidays.json', '{\"england-and-wales\":{\"division\":\"england-and-wales\",\"events\":[{\"title\":\"Forged\",\"date\":\"2026-12-08\",\"notes\":\"\",\"bunting\":false}]}}', '2026-12-01T09:00:00')",
            &["settings", "holiday_imports"][..],
        ),
        (
            "UPDATE profile SET calendar = 'scotland'",
            &["settings", "profile.calendar"][..],
        ),
    ] {
        let s = kept.copy();
        s.forge(sql);
        // The first read already counts on the log's settings.
        assert_eq!(
            deadlines(&s.show(&s.open)),
            deadlines(&before_open),
            "{kind:?}: {sql}"
        );
        s.verify_names(names);
    }

    // A forged entry in the log itself: the case's history stops at it; that case's
    // forms and package are refused; the other cases work on.
    let s = kept.copy();
    let open = s.open.clone();
    s.forge(&format!(
        "INSERT INTO audit (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash)
         SELECT seq + 1, '2026-12-05T10:00:00', actor, 'case.withdraw', 'case', '{open}', NULL,
           '{{\"type\":\"withdraw\",\"at\":\"2026-12-05T10:00:00\",\"reason\":\"Raised in error\"}}',
           hash, 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'
         FROM audit ORDER BY seq DESC LIMIT 1"
    ));
    let seq: i64 = s
        .forge("SELECT MAX(seq) FROM audit")
        .trim()
        .parse()
        .unwrap();
    let (code, out, err) = s.fails(&["case", "show", &open]);
    assert_eq!(code, 3, "{err}");
    assert!(out.contains(&format!("broken at entry {seq}")), "{out}");
    assert!(
        out.contains("Status: open"),
        "the forged withdrawal is not shown: {out}"
    );
    assert!(!out.contains("withdrawn"), "{out}");
    let shown: Value =
        serde_json::from_slice(&s.run_at(&["case", "show", &open, "--json"], NOW).stdout).unwrap();
    assert_eq!(shown["state"], "open");
    assert_eq!(shown["integrity"]["broken"]["entry"], seq);
    let pdf = s.data.with_file_name("broken.pdf");
    let (code, _, err) = s.fails(&[
        "report",
        &open,
        "--form",
        "rpd-report",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(&format!("broken at entry {seq}")), "{err}");
    assert!(!pdf.exists());
    let package = s.data.with_file_name("broken.age");
    let (code, _, err) = s.fails(&["export", &open, "--out", package.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("cannot be printed or exported"), "{err}");
    assert!(!package.exists());
    // Another case's forms still print.
    assert!(s.pdf_text(&r, "chronology").contains(&r));
    let (code, _, err) = s.fails(&["audit", "verify"]);
    assert_eq!(code, 3);
    assert!(err.contains(&format!("broken at entry {seq}")), "{err}");
}

impl Kept {
    fn show_text(&self, reference: &str) -> String {
        self.ok(&["case", "show", reference])
    }
}

#[test]
fn forged_words_are_never_shown_on_a_store_made_by_this_build() {
    forgeries(Kind::Fresh);
}

#[test]
fn forged_words_are_never_shown_on_a_store_converted_from_the_first_release() {
    forgeries(Kind::FirstRelease);
}

#[test]
fn forged_words_are_never_shown_on_a_store_converted_from_the_release_before() {
    forgeries(Kind::BeforeContent);
}

#[test]
fn a_write_dated_before_the_last_entry_is_refused() {
    let kept = Kept::new(Kind::Fresh);
    let entries = kept.forge("SELECT COUNT(*) FROM audit");
    let last = kept.forge("SELECT at FROM audit ORDER BY seq DESC LIMIT 1");
    let last = last.trim().replace('T', " ");
    let file = kept.data.with_file_name("bank-holidays.json");
    // GOV.UK's file for one year, as the lead would import it.
    std::fs::write(
        &file,
        r#"{"england-and-wales":{"division":"england-and-wales","events":[{"title":"New Year's Day","date":"2027-01-01","notes":"","bunting":true},{"title":"Good Friday","date":"2027-03-26","notes":"","bunting":true},{"title":"Easter Monday","date":"2027-03-29","notes":"","bunting":true},{"title":"Early May bank holiday","date":"2027-05-03","notes":"","bunting":true},{"title":"Spring bank holiday","date":"2027-05-31","notes":"","bunting":true},{"title":"Summer bank holiday","date":"2027-08-30","notes":"","bunting":true},{"title":"Christmas Day","date":"2027-12-27","notes":"","bunting":true},{"title":"Boxing Day","date":"2027-12-28","notes":"","bunting":true}]}}"#,
    )
    .unwrap();
    for args in [
        &["calendar", "import", file.to_str().unwrap()][..],
        &[
            "case",
            "new",
            "--child-name",
            "Child",
            "--raising-agency",
            "A",
            "--receiving-agency",
            "B",
            "--category",
            "C",
            "--summary",
            "S",
        ][..],
    ] {
        let out = kept.run_at(args, "1990-01-01T00:00");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("--now"), "names the option: {err}");
        assert!(
            err.contains(&format!("before the store's last entry, written at {last}")),
            "{err}"
        );
    }
    assert_eq!(
        kept.forge("SELECT COUNT(*) FROM audit"),
        entries,
        "nothing written"
    );
}

/// Entries appended with a correct hash (the chain has no secret): a second copy of a
/// case's words, a second conversion of its history, its rows removed. None is taken as
/// true, and `audit verify` names each; and a name typed in other letters is no alarm.
#[test]
fn entries_appended_with_a_correct_hash_do_not_replace_the_record() {
    let kept = Kept::new(Kind::Fresh);
    let r = kept.recorded.clone();
    let before = kept.show(&r);
    // Words again, the child's name changed, and the row made to match them.
    let s = kept.copy();
    let mut text = before.clone();
    text["child_name"] = "Forged Name".into();
    let content = serde_json::json!({ "case": {
        "reference": r, "child_name": "Forged Name", "child_dob": null,
        "child_identifiers": "", "category": text["category"], "summary": text["summary"],
        "raising_agency": text["raising_agency"], "raising_professional": null,
        "receiving_agency": text["receiving_agency"], "receiving_professional": null,
        "protocol": text["protocol_id"], "protocol_version": text["protocol_version"],
        "protocol_sha256": text["protocol_sha256"], "opened_at": "2026-11-02T09:30:00",
        "immediate_risk": null,
    }, "records": [] });
    s.append(
        "case.content",
        "case",
        &r,
        &content.to_string(),
        "2026-12-05T09:00:00",
    );
    s.forge(&format!("UPDATE cases SET child_name = 'Forged Name' WHERE reference = '{r}'; UPDATE case_state SET child_name = 'Forged Name' WHERE reference = '{r}'"));
    assert_eq!(s.show(&r)["child_name"], before["child_name"]);
    s.verify_names(&[&format!("case {r}"), "cases.child_name"]);
    // A second conversion of its history.
    let s = kept.copy();
    s.append(
        "case.migrate",
        "case",
        &r,
        r#"{"events":[{"type":"open","at":"2026-11-02T09:30:00"}],"sources":[null]}"#,
        "2026-12-05T09:00:00",
    );
    s.verify_names(&[&format!("case {r}"), "a second conversion entry"]);
    // Its rows removed: the log still holds the case.
    let s = kept.copy();
    s.forge(&format!(
        "DELETE FROM stage_records WHERE case_id = (SELECT id FROM cases WHERE reference = '{r}'); DELETE FROM case_state WHERE reference = '{r}'; DELETE FROM alerts_shown WHERE case_id = (SELECT id FROM cases WHERE reference = '{r}'); DELETE FROM cases WHERE reference = '{r}'"
    ));
    s.verify_names(&[&format!("case {r}"), "rows were removed outside Escalate"]);
    // An entry dated before the one before it.
    let s = kept.copy();
    s.append(
        "closure_day.add",
        "closure_day",
        "2026-12-08",
        "Forged closure",
        "2026-11-01T09:00:00",
    );
    s.verify_names(&["before the entry before it"]);

    // No false alarm: an agency named again in other letters is the same agency.
    let s = kept.copy();
    s.ok(&[
        "case",
        "new",
        "--child-name",
        "Gwen Rees",
        "--raising-agency",
        "ysgol gyfun bryn",
        "--receiving-agency",
        "SWANSEA CHILDREN'S SERVICES",
        "--category",
        "Threshold",
        "--summary",
        "Concern",
    ]);
    assert!(s.ok(&["audit", "verify"]).ends_with("caches: ok\n"));
}
