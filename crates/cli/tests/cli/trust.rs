//! Signed packages and partnership bundles through the real binary, with the tools a
//! Board member or an attacker has: Debian's age, age-keygen, minisign, tar and
//! sha256sum (installed by `make test`; missing, these tests fail rather than skip).
//! What the issue's "Must show" asks: a package opens and verifies without Escalate;
//! a package from an agency the Board does not trust is held, never counted, until
//! its card is added; an impersonator is never counted under the real name; a changed
//! file or a rival protocol text is caught; a bundle installs whole or not at all.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::escalate_with;
use crate::lead::PASS;

/// Every store is made before this and used at `NOW`: a store's history is written in
/// order, and these tests never read the clock.
const MADE: &str = "2026-11-02T09:00";
const NOW: &str = "2026-11-23T17:00";

const LEAD: &str = "Ysgol Gyfun Bryn";
const BOARD: &str = "WBSCB";

/// A store in a folder of its own, made by `escalate init`. These stores unlock with
/// the recovery passphrase, never the OS keyring: three stores a test, eleven tests at
/// once, would only test the keyring daemon under load (the keyring has tests of its
/// own in lead.rs and store_commands.rs).
struct Store {
    data: PathBuf,
}

impl Store {
    fn make(dir: &Path, name: &str, agency: &str, protocol: &str) -> Store {
        let data = dir.join(name);
        let out = escalate_with(
            &[
                "--no-keyring",
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
                protocol,
                "--calendar",
                "england-and-wales",
                "--now",
                MADE,
            ],
            &[
                ("ESCALATE_DATA_DIR", data.to_str().unwrap()),
                ("ESCALATE_PASSPHRASE", PASS),
            ],
            &[],
        );
        assert!(
            out.status.success(),
            "init {agency}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Store { data }
    }

    fn run_at(&self, now: &str, args: &[&str]) -> Output {
        let mut all = vec!["--no-keyring"];
        all.extend(args);
        all.extend(["--now", now]);
        escalate_with(
            &all,
            &[
                ("ESCALATE_DATA_DIR", self.data.to_str().unwrap()),
                ("ESCALATE_PASSPHRASE", PASS),
            ],
            &[],
        )
    }

    fn ok_at(&self, now: &str, args: &[&str]) -> String {
        let out = self.run_at(now, args);
        assert!(
            out.status.success(),
            "escalate {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        self.ok_at(NOW, args)
    }

    /// A command that must fail with a usage error (status 2): its stdout and stderr.
    fn fails(&self, args: &[&str]) -> (String, String) {
        let out = self.run_at(NOW, args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "escalate {args:?} should have failed with status 2: {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// `identity --json`: the card, its fingerprint, its recipient and its public-key
    /// file.
    fn identity(&self) -> Value {
        self.json(&["identity", "--json"])
    }

    fn recipient(&self) -> String {
        self.identity()["recipient"].as_str().unwrap().to_owned()
    }

    fn export_card(&self, file: &Path) {
        self.ok(&["identity", "export", "--out", file.to_str().unwrap()]);
    }

    /// A case opened at `now` by this store's agency.
    fn case_at(&self, now: &str, agency: &str) -> String {
        self.ok_at(
            now,
            &[
                "case",
                "new",
                "--child-name",
                "Cai Jones",
                "--raising-agency",
                agency,
                "--receiving-agency",
                "Swansea Children's Services",
                "--category",
                "Threshold for assessment",
                "--summary",
                "School believes the threshold is met.",
            ],
        )
        .trim()
        .to_owned()
    }

    fn export_at(&self, now: &str, reference: &str, file: &Path, recipients: &[&str]) {
        let mut args = vec!["export", reference, "--out", file.to_str().unwrap()];
        for r in recipients {
            args.extend(["--recipient", r]);
        }
        self.ok_at(now, &args);
    }

    fn export(&self, reference: &str, file: &Path, recipients: &[&str]) {
        self.export_at(NOW, reference, file, recipients);
    }

    /// `board report --json` for November 2026: (cases counted, packages held).
    fn counted(&self) -> (u64, u64) {
        let f = self.json(&[
            "board",
            "report",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--json",
        ]);
        (f["total"].as_u64().unwrap(), f["held"].as_u64().unwrap())
    }

    fn held(&self) -> Vec<Value> {
        match self.json(&["board", "held", "--json"]) {
            Value::Array(v) => v,
            other => panic!("board held --json is a list: {other}"),
        }
    }

    fn directory(&self) -> Vec<Value> {
        match self.json(&["directory", "list", "--json"]) {
            Value::Array(v) => v,
            other => panic!("directory list --json is a list: {other}"),
        }
    }

    /// `board import`, which exits 2 when any file was refused: its status and stdout.
    fn import(&self, files: &[&Path], extra: &[&str]) -> (i32, String) {
        let mut args = vec!["board", "import"];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        args.extend(extra);
        let out = self.run_at(NOW, &args);
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    }
}

/// Run one of the tools a Board member has (testkit's `run_tool`: no stdin, at most a
/// minute).
fn tool(program: &str, args: &[&str], dir: &Path) -> Output {
    escalate_testkit::tools::run_tool(program, args, dir)
}

fn tool_ok(program: &str, args: &[&str], dir: &Path) -> String {
    let out = tool(program, args, dir);
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// An age key pair made by `age-keygen`: the identity file and its recipient.
fn age_keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    tool_ok("age-keygen", &["-o", name], dir);
    let file = dir.join(name);
    let text = std::fs::read_to_string(&file).unwrap();
    let public = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("age-keygen writes the public key in a comment")
        .to_owned();
    (file, public)
}

/// Decrypt `package` with `identity` (age -d) and unpack it with tar into a new folder
/// `into`.
fn age_open(dir: &Path, identity: &Path, package: &Path, into: &str) -> PathBuf {
    let plain = dir.join(format!("{into}.tar"));
    tool_ok(
        "age",
        &[
            "-d",
            "-i",
            identity.to_str().unwrap(),
            "-o",
            plain.to_str().unwrap(),
            package.to_str().unwrap(),
        ],
        dir,
    );
    let out = dir.join(into);
    std::fs::create_dir(&out).unwrap();
    tool_ok(
        "tar",
        &["-xf", plain.to_str().unwrap(), "-C", out.to_str().unwrap()],
        dir,
    );
    out
}

/// The files of an unpacked package, in its manifest's order after the manifest and its
/// signature, tarred again (ustar, as Escalate writes) and sealed with `age -r`.
fn age_reseal(unpacked: &Path, recipient: &str, out: &Path) {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(unpacked.join("manifest.json")).unwrap()).unwrap();
    let mut names = vec![
        "manifest.json".to_owned(),
        "manifest.json.minisig".to_owned(),
    ];
    for f in manifest["files"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap().to_owned();
        // Each file once, whatever the manifest says.
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let plain = out.with_extension("tar");
    let mut args = vec!["--format=ustar", "-cf", plain.to_str().unwrap()];
    args.extend(names.iter().map(String::as_str));
    tool_ok("tar", &args, unpacked);
    tool_ok(
        "age",
        &[
            "-r",
            recipient,
            "-o",
            out.to_str().unwrap(),
            plain.to_str().unwrap(),
        ],
        unpacked,
    );
}

fn manifest_of(unpacked: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(unpacked.join("manifest.json")).unwrap()).unwrap()
}

/// A Board, a lead whose card the Board has or has not added, and a scratch folder.
struct Partnership {
    tmp: tempfile::TempDir,
    board: Store,
    lead: Store,
}

impl Partnership {
    fn new() -> Partnership {
        let tmp = tempfile::tempdir().unwrap();
        let board = Store::make(tmp.path(), "board", BOARD, "western-bay");
        let lead = Store::make(tmp.path(), "lead", LEAD, "western-bay");
        Partnership { tmp, board, lead }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// The Board adds the lead's card, as after comparing the fingerprint by phone.
    fn trust_lead(&self) -> String {
        let card = self.path("lead.card.json");
        self.lead.export_card(&card);
        self.board
            .ok(&["directory", "add", card.to_str().unwrap(), "--yes"])
    }

    /// A package of a new case of the lead's, sealed to the Board (and `also`).
    fn package(&self, name: &str, also: &[&str]) -> PathBuf {
        let r = self.lead.case_at(NOW, LEAD);
        let file = self.path(name);
        let board = self.board.recipient();
        let mut to = vec![board.as_str()];
        to.extend(also);
        self.lead.export(&r, &file, &to);
        file
    }
}

#[test]
fn a_package_opens_with_age_and_tar_and_debian_minisign_verifies_its_manifest() {
    let p = Partnership::new();
    let dir = p.tmp.path();
    let (key, public) = age_keygen(dir, "member.key");
    let r = p.lead.case_at(NOW, LEAD);
    let package = p.path("package.age");
    p.lead.export(&r, &package, &[&public]);

    let files = age_open(dir, &key, &package, "opened");
    let m = manifest_of(&files);
    assert_eq!(m["format"], "escalate-package/1");
    assert_eq!(
        m["recipients"],
        serde_json::json!([public]),
        "the manifest names who it was sealed to"
    );
    let me = p.lead.identity();
    assert_eq!(m["sender"]["agency"], LEAD);
    assert_eq!(m["sender"]["signing_key"], me["signing_key"]);
    assert_eq!(m["sender"]["key_id"], me["key_id"]);

    // The agency's public-key file, from `identity --json`, as a Board member builds it.
    let pub_file = files.join("agency.pub");
    std::fs::write(&pub_file, me["public_key_file"].as_str().unwrap()).unwrap();
    let said = tool_ok(
        "minisign",
        &["-V", "-p", "agency.pub", "-m", "manifest.json"],
        &files,
    );
    let id = m["id"].as_str().unwrap();
    assert!(
        said.lines()
            .any(|l| l == format!("Trusted comment: escalate-package/1 {id}")),
        "{said}"
    );

    // Each file is the one the manifest names: sha256sum agrees, and nothing else is
    // in the tar.
    let mut listed: Vec<String> = vec!["agency.pub".into()];
    for f in m["files"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let sum = tool_ok("sha256sum", &[name], &files);
        assert_eq!(
            sum.split_whitespace().next(),
            f["sha256"].as_str(),
            "{name}"
        );
        assert_eq!(
            std::fs::metadata(files.join(name)).unwrap().len(),
            f["size"].as_u64().unwrap(),
            "{name}"
        );
        listed.push(name.to_owned());
    }
    listed.extend(["manifest.json".into(), "manifest.json.minisig".into()]);
    listed.sort();
    let mut present: Vec<String> = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    present.sort();
    assert_eq!(present, listed);
    assert!(listed.iter().any(|n| n == "monitoring.json"));
}

#[test]
fn a_package_from_an_agency_not_in_the_directory_is_held_until_its_card_is_added() {
    let p = Partnership::new();
    let package = p.package("package.age", &[]);
    let (status, said) = p.board.import(&[&package], &[]);
    assert_eq!(status, 0, "held is not refused: {said}");
    assert!(said.contains("held: unknown-signer"), "{said}");
    assert_eq!(p.board.counted(), (0, 1), "held, and not counted");
    let held = p.board.held();
    assert_eq!(held.len(), 1);
    let me = p.lead.identity();
    assert_eq!(held[0]["source_agency"], LEAD);
    assert_eq!(held[0]["reason"], "unknown-signer");
    assert_eq!(
        held[0]["fingerprint"], me["fingerprint"],
        "the administrator sees the fingerprint to compare with the agency's"
    );

    // Without --yes and without a terminal to ask on, nothing is trusted.
    let card = p.path("lead-unconfirmed.card.json");
    p.lead.export_card(&card);
    let (out, err) = p.board.fails(&["directory", "add", card.to_str().unwrap()]);
    assert!(
        out.contains(me["fingerprint"].as_str().unwrap()),
        "the fingerprint is shown: {out}"
    );
    assert!(err.contains("--yes"), "{err}");
    assert!(p.board.directory().is_empty());
    assert_eq!(p.board.counted(), (0, 1));

    let said = p.trust_lead();
    assert!(said.contains("1 held packages"), "{said}");
    assert_eq!(p.board.counted(), (1, 0), "counted once its card is added");
    assert!(p.board.held().is_empty());
}

#[test]
fn an_impersonator_under_the_real_agencys_name_is_held_and_never_counted() {
    let p = Partnership::new();
    p.trust_lead();
    let impostor = Store::make(p.tmp.path(), "impostor", LEAD, "western-bay");
    let r = impostor.case_at(NOW, LEAD);
    let forged = p.path("forged.age");
    impostor.export(&r, &forged, &[&p.board.recipient()]);

    let (status, said) = p.board.import(&[&forged], &[]);
    assert_eq!(status, 0, "{said}");
    assert!(said.contains("held: unknown-signer"), "{said}");
    assert_eq!(p.board.counted(), (0, 1));
    let held = p.board.held();
    assert_ne!(
        held[0]["fingerprint"],
        p.lead.identity()["fingerprint"],
        "the impostor's fingerprint is its own"
    );
    let id = held[0]["id"].as_i64().unwrap().to_string();
    let (_, err) = p.board.fails(&["board", "accept", &id]);
    assert!(
        err.contains("another key"),
        "accepting it under the real name is refused: {err}"
    );
    assert_eq!(p.board.counted(), (0, 1), "still not counted");

    // Its card cannot be added beside the real one either.
    let card = p.path("impostor.card.json");
    impostor.export_card(&card);
    let (_, err) = p
        .board
        .fails(&["directory", "add", card.to_str().unwrap(), "--yes"]);
    assert!(err.contains("another key"), "{err}");
    assert_eq!(p.board.directory().len(), 1);

    // The real agency's package is counted.
    let genuine = p.package("genuine.age", &[]);
    let (status, said) = p.board.import(&[&genuine], &[]);
    assert_eq!(status, 0, "{said}");
    assert_eq!(p.board.counted(), (1, 1));

    // The impostor's package is discarded by its held id; the genuine one, whatever
    // its own id, stays counted.
    let said = p.board.ok(&["board", "discard", &id]);
    assert!(said.starts_with(&format!("{id}\tdiscarded\t")), "{said}");
    assert!(p.board.held().is_empty());
    assert_eq!(p.board.counted(), (1, 0));
    let (_, err) = p.board.fails(&["board", "discard", &id]);
    assert!(err.contains("no held package has id"), "{err}");
}

#[test]
fn a_package_changed_and_sealed_again_is_refused_for_its_hash() {
    let p = Partnership::new();
    p.trust_lead();
    let dir = p.tmp.path();
    // A member of the Board holds a key the package is also sealed to.
    let (key, public) = age_keygen(dir, "member.key");
    let package = p.package("package.age", &[&public]);
    let files = age_open(dir, &key, &package, "opened");
    let monitoring = files.join("monitoring.json");
    let text = std::fs::read_to_string(&monitoring).unwrap();
    assert!(text.contains("Cai Jones"));
    std::fs::write(&monitoring, text.replace("Cai Jones", "Cai Jonas")).unwrap();
    let tampered = p.path("tampered.age");
    age_reseal(&files, &p.board.recipient(), &tampered);

    let (status, said) = p.board.import(&[&tampered], &[]);
    assert_eq!(status, 2, "{said}");
    assert!(said.contains("refused"), "{said}");
    assert!(
        said.contains("monitoring.json"),
        "the file is named: {said}"
    );
    assert!(said.contains("SHA-256"), "{said}");
    assert_eq!(p.board.counted(), (0, 0), "nothing counted or held");

    // The untouched package still imports.
    let (status, said) = p.board.import(&[&package], &[]);
    assert_eq!(status, 0, "{said}");
    assert_eq!(p.board.counted(), (1, 0));
}

#[test]
fn a_package_sealed_to_someone_else_and_sealed_again_to_the_board_is_refused() {
    let p = Partnership::new();
    p.trust_lead();
    let dir = p.tmp.path();
    let (key, public) = age_keygen(dir, "other-board.key");
    let r = p.lead.case_at(NOW, LEAD);
    let package = p.path("package.age");
    p.lead.export(&r, &package, &[&public]);
    let files = age_open(dir, &key, &package, "opened");
    let resealed = p.path("resealed.age");
    age_reseal(&files, &p.board.recipient(), &resealed);

    let (status, said) = p.board.import(&[&resealed], &[]);
    assert_eq!(status, 2, "{said}");
    assert!(said.contains("recipients"), "the field is named: {said}");
    assert_eq!(p.board.counted(), (0, 0));
}

#[test]
fn a_rival_protocol_text_from_an_unknown_store_does_not_block_the_genuine_one() {
    let p = Partnership::new();
    // A partnership's own protocol, as the genuine agency holds it, and a rival text
    // under the same id and version.
    let genuine_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/protocols/western-bay.toml"),
    )
    .unwrap()
    .replace("id = \"western-bay\"", "id = \"northshire\"");
    assert!(genuine_text.contains("id = \"northshire\""));
    let rival_text = genuine_text.replace(
        "board_contact = \"WBSCB Administrator\"",
        "board_contact = \"Someone Else\"",
    );
    assert_ne!(rival_text, genuine_text);
    std::fs::write(p.path("northshire.toml"), &genuine_text).unwrap();
    std::fs::write(p.path("rival.toml"), &rival_text).unwrap();
    let agency = "Ysgol Y Graig";
    let genuine = Store::make(
        p.tmp.path(),
        "genuine",
        agency,
        p.path("northshire.toml").to_str().unwrap(),
    );
    let rival = Store::make(
        p.tmp.path(),
        "rival",
        agency,
        p.path("rival.toml").to_str().unwrap(),
    );
    let card = p.path("genuine.card.json");
    genuine.export_card(&card);
    p.board
        .ok(&["directory", "add", card.to_str().unwrap(), "--yes"]);

    let board = p.board.recipient();
    let r = rival.case_at(NOW, agency);
    let first = p.path("rival.age");
    rival.export(&r, &first, &[&board]);
    let (status, said) = p.board.import(&[&first], &[]);
    assert_eq!(status, 0, "{said}");
    assert!(said.contains("held"), "{said}");

    let r = genuine.case_at(NOW, agency);
    let second = p.path("genuine.age");
    genuine.export(&r, &second, &[&board]);
    let (status, said) = p.board.import(&[&second], &[]);
    assert_eq!(status, 0, "the genuine text is not blocked: {said}");
    assert!(said.contains("new"), "{said}");
    assert_eq!(p.board.counted(), (1, 1));
}

/// GOV.UK's bank-holidays.json as shipped, with a 2028 list for England and Wales that
/// the shipped data does not have, including a proclaimed day (10 July) no rule gives:
/// what shows the bundle's calendar was imported.
fn bank_holidays_with_2028() -> Vec<u8> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/calendars/bank-holidays.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let events = v["england-and-wales"]["events"].as_array_mut().unwrap();
    for (date, title) in [
        ("2028-01-03", "New Year’s Day (substitute day)"),
        ("2028-04-14", "Good Friday"),
        ("2028-04-17", "Easter Monday"),
        ("2028-05-01", "Early May bank holiday"),
        ("2028-05-29", "Spring bank holiday"),
        ("2028-07-10", "Partnership proclaimed day"),
        ("2028-08-28", "Summer bank holiday"),
        ("2028-12-25", "Christmas Day"),
        ("2028-12-26", "Boxing Day"),
    ] {
        events.push(serde_json::json!({
            "title": title,
            "date": date,
            "notes": "",
            "bunting": true
        }));
    }
    serde_json::to_vec_pretty(&v).unwrap()
}

/// Where the bytes of `name` start in the tar `archive`.
fn data_offset(archive: &[u8], name: &str) -> (u64, u64) {
    let mut a = tar::Archive::new(archive);
    for e in a.entries().unwrap() {
        let e = e.unwrap();
        if e.path().unwrap().to_str() == Some(name) {
            return (e.raw_file_position(), e.size());
        }
    }
    panic!("{name} is not in the bundle");
}

#[test]
fn a_bundle_installs_whole_verifies_with_minisign_and_a_changed_byte_installs_nothing() {
    let p = Partnership::new();
    p.trust_lead();
    let dir = p.tmp.path();
    std::fs::write(p.path("bank-holidays.json"), bank_holidays_with_2028()).unwrap();
    let bundle = p.path("bundle.tar");
    p.board.ok(&[
        "board",
        "bundle",
        "--out",
        bundle.to_str().unwrap(),
        "--protocol",
        "western-bay",
        "--calendar",
        p.path("bank-holidays.json").to_str().unwrap(),
    ]);
    let board_card = p.path("board.card.json");
    p.board.export_card(&board_card);

    // Anyone can check the bundle: a plain tar whose manifest minisign verifies.
    let unpacked = dir.join("bundle");
    std::fs::create_dir(&unpacked).unwrap();
    tool_ok(
        "tar",
        &[
            "-xf",
            bundle.to_str().unwrap(),
            "-C",
            unpacked.to_str().unwrap(),
        ],
        dir,
    );
    std::fs::write(
        unpacked.join("board.pub"),
        p.board.identity()["public_key_file"].as_str().unwrap(),
    )
    .unwrap();
    let said = tool_ok(
        "minisign",
        &["-V", "-p", "board.pub", "-m", "manifest.json"],
        &unpacked,
    );
    let m = manifest_of(&unpacked);
    assert_eq!(m["format"], "escalate-bundle/1");
    assert!(
        said.contains(&format!(
            "Trusted comment: escalate-bundle/1 {}",
            m["id"].as_str().unwrap()
        )),
        "{said}"
    );
    let names: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"board.card.json"), "{names:?}");
    assert!(names.contains(&"bank-holidays.json"), "{names:?}");
    assert!(names.contains(&"cards/001.card.json"), "{names:?}");
    let protocol = *names
        .iter()
        .find(|n| n.starts_with("protocols/western-bay@"))
        .expect("the protocol is in the bundle");

    // A copy with one byte of the protocol's text changed: refused whole.
    let bytes = std::fs::read(&bundle).unwrap();
    let (at, len) = data_offset(&bytes, protocol);
    assert!(len > 10);
    let mut changed = bytes.clone();
    let i = usize::try_from(at).unwrap() + 10;
    changed[i] ^= 0x20;
    let bad = p.path("changed.tar");
    std::fs::write(&bad, &changed).unwrap();
    let fresh = Store::make(dir, "fresh", "Ysgol Bro Dur", "western-bay");
    let protocols_before = fresh.ok(&["protocols"]);
    let holidays_before = fresh.ok(&[
        "holidays",
        "--calendar",
        "england-and-wales",
        "--year",
        "2028",
    ]);
    let (_, err) = fresh.fails(&[
        "partnership",
        "install",
        bad.to_str().unwrap(),
        "--board",
        board_card.to_str().unwrap(),
        "--yes",
    ]);
    assert!(err.contains(protocol), "the file is named: {err}");
    assert!(fresh.directory().is_empty(), "nothing installed");
    assert_eq!(fresh.ok(&["protocols"]), protocols_before);
    assert_eq!(
        fresh.ok(&[
            "holidays",
            "--calendar",
            "england-and-wales",
            "--year",
            "2028"
        ]),
        holidays_before
    );
    // Not sealed to any Board yet: an export needs a recipient.
    let r = fresh.case_at(NOW, "Ysgol Bro Dur");
    let (_, err) = fresh.fails(&["export", &r, "--out", p.path("x.age").to_str().unwrap()]);
    assert!(err.contains("recipient"), "{err}");

    // The bundle itself installs: protocols, bank holidays, cards and the Board.
    let said = fresh.ok(&[
        "partnership",
        "install",
        bundle.to_str().unwrap(),
        "--board",
        board_card.to_str().unwrap(),
        "--yes",
    ]);
    assert!(
        said.contains("calendar\tbank-holidays.json\timported"),
        "{said}"
    );
    let directory = fresh.directory();
    let agencies: Vec<&str> = directory
        .iter()
        .map(|e| e["agency"].as_str().unwrap())
        .collect();
    assert!(agencies.contains(&LEAD), "{agencies:?}");
    assert!(agencies.contains(&BOARD), "{agencies:?}");
    assert!(fresh.ok(&["protocols"]).contains("western-bay"));
    let holidays = fresh.ok(&[
        "holidays",
        "--calendar",
        "england-and-wales",
        "--year",
        "2028",
    ]);
    assert!(!holidays_before.contains("2028-07-10"));
    assert!(
        holidays.contains("2028-07-10"),
        "the bundle's bank holidays count: {holidays}"
    );

    // An export without --recipient goes to the bundle's Board, which opens it with its
    // own key (and holds it: this agency's card is not in its directory).
    let package = p.path("to-board.age");
    fresh.ok(&["export", &r, "--out", package.to_str().unwrap()]);
    let (status, said) = p.board.import(&[&package], &[]);
    assert_eq!(status, 0, "{said}");
    assert!(said.contains("held: unknown-signer"), "{said}");
}

#[test]
fn a_revoked_key_is_refused_for_what_it_signed_from_the_revocation_date() {
    let p = Partnership::new();
    p.trust_lead();
    let board = p.board.recipient();
    let early = p.lead.case_at("2026-11-05T10:00", LEAD);
    let before = p.path("before.age");
    p.lead
        .export_at("2026-11-10T10:00", &early, &before, &[&board]);
    let after = p.path("after.age");
    let late = p.lead.case_at(NOW, LEAD);
    p.lead.export(&late, &after, &[&board]);

    let said = p
        .board
        .ok(&["directory", "revoke", LEAD, "--from", "2026-11-20"]);
    assert!(said.contains("revoked from 2026-11-20"), "{said}");
    assert!(
        said.contains("0 counted packages were signed by these keys from 2026-11-20"),
        "{said}"
    );
    let (status, said) = p.board.import(&[&after], &[]);
    assert_eq!(status, 2, "{said}");
    assert!(
        said.contains("refused") && said.contains("revokes"),
        "{said}"
    );
    assert_eq!(p.board.counted(), (0, 0));
    let (status, said) = p.board.import(&[&before], &[]);
    assert_eq!(status, 0, "signed before the date: {said}");
    assert_eq!(p.board.counted(), (1, 0));
}

#[test]
fn a_card_with_a_malformed_key_is_refused_and_changes_nothing() {
    let p = Partnership::new();
    let card = p.path("lead.card.json");
    p.lead.export_card(&card);
    let mut v: Value = serde_json::from_slice(&std::fs::read(&card).unwrap()).unwrap();
    v["signing_key"] = "RWQnot-a-minisign-key".into();
    let bad = p.path("bad.card.json");
    std::fs::write(&bad, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let (_, err) = p
        .board
        .fails(&["directory", "add", bad.to_str().unwrap(), "--yes"]);
    assert!(err.contains("signing_key"), "the field is named: {err}");
    assert!(err.contains("minisign"), "{err}");
    assert!(p.board.directory().is_empty());

    // A card whose agency was changed after signing.
    let mut v: Value = serde_json::from_slice(&std::fs::read(&card).unwrap()).unwrap();
    v["agency"] = "Ysgol Gyfun Bryn Newydd".into();
    std::fs::write(&bad, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let (_, err) = p
        .board
        .fails(&["directory", "add", bad.to_str().unwrap(), "--yes"]);
    assert!(err.contains("signature"), "{err}");
    assert!(p.board.directory().is_empty());
}

/// A lead's package, opened with a key it was also sealed to, for a hostile hand to
/// change and seal again to the Board.
fn opened_package(p: &Partnership, name: &str) -> (PathBuf, PathBuf) {
    let dir = p.tmp.path();
    let key = dir.join("member.key");
    let public = if key.exists() {
        std::fs::read_to_string(&key)
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("# public key: "))
            .unwrap()
            .to_owned()
    } else {
        age_keygen(dir, "member.key").1
    };
    let package = p.package(&format!("{name}.age"), &[&public]);
    let files = age_open(dir, &key, &package, name);
    (package, files)
}

#[test]
fn hand_made_packages_with_a_bad_manifest_are_refused_and_change_nothing() {
    let p = Partnership::new();
    p.trust_lead();
    let board = p.board.recipient();

    // A manifest naming a file twice.
    let (_, files) = opened_package(&p, "twice");
    let mut m = manifest_of(&files);
    let first = m["files"][0].clone();
    m["files"].as_array_mut().unwrap().push(first);
    std::fs::write(
        files.join("manifest.json"),
        serde_json::to_vec_pretty(&m).unwrap(),
    )
    .unwrap();
    let twice = p.path("twice-sealed.age");
    age_reseal(&files, &board, &twice);

    // A manifest over 64 KiB.
    let (_, files) = opened_package(&p, "huge");
    let mut json = std::fs::read(files.join("manifest.json")).unwrap();
    json.extend(std::iter::repeat_n(b' ', 70 * 1024));
    std::fs::write(files.join("manifest.json"), json).unwrap();
    let huge = p.path("huge-sealed.age");
    age_reseal(&files, &board, &huge);

    // The lead's own signature, but over another package's manifest.
    let (_, other) = opened_package(&p, "other");
    let (_, files) = opened_package(&p, "swapped");
    std::fs::copy(
        other.join("manifest.json.minisig"),
        files.join("manifest.json.minisig"),
    )
    .unwrap();
    let swapped = p.path("swapped-sealed.age");
    age_reseal(&files, &board, &swapped);

    for (file, words) in [
        (&twice, &["files", "twice"][..]),
        (&huge, &["manifest.json", "limit is 65536"][..]),
        (&swapped, &["signature", "does not verify"][..]),
    ] {
        let (status, said) = p.board.import(&[file], &[]);
        assert_eq!(status, 2, "{said}");
        let line = said
            .lines()
            .find(|l| l.contains("refused"))
            .unwrap_or_else(|| panic!("refused: {said}"));
        for w in words {
            assert!(line.contains(w), "{w} in {line}");
        }
    }
    assert_eq!(p.board.counted(), (0, 0), "nothing counted");
    assert!(p.board.held().is_empty(), "nothing held");
    assert_eq!(p.board.ok(&["board", "list"]), "");
}

#[test]
fn a_rotated_key_endorsed_by_the_old_one_is_trusted_and_the_old_keys_packages_still_count() {
    let p = Partnership::new();
    p.trust_lead();
    // Signed before the rotation's day: a rotation retires the old key from the new
    // card's day, not before.
    let early = p.lead.case_at("2026-11-05T10:00", LEAD);
    let before = p.path("old-key.age");
    p.lead
        .export_at("2026-11-10T10:00", &early, &before, &[&p.board.recipient()]);
    let old = p.lead.identity();
    let said = p.lead.ok(&["identity", "rotate"]);
    assert!(said.contains("new signing key"), "{said}");
    let new = p.lead.identity();
    assert_ne!(new["fingerprint"], old["fingerprint"]);
    assert_eq!(
        new["retired"][0]["fingerprint"], old["fingerprint"],
        "the old key is kept, retired"
    );
    let after = p.package("new-key.age", &[]);

    // The Board does not know the new key yet: held.
    let (status, said) = p.board.import(&[&after], &[]);
    assert_eq!(status, 0, "{said}");
    assert!(said.contains("held: unknown-signer"), "{said}");
    // The new card, endorsed by the key the Board holds, is added as a rotation, and
    // the held package is counted.
    let card = p.path("rotated.card.json");
    p.lead.export_card(&card);
    let said = p
        .board
        .ok(&["directory", "add", card.to_str().unwrap(), "--yes"]);
    assert!(said.contains("endorsed by its key there"), "{said}");
    assert!(said.contains("1 held packages"), "{said}");
    // What the old key signed before the rotation still counts.
    let (status, said) = p.board.import(&[&before], &[]);
    assert_eq!(status, 0, "{said}");
    assert_eq!(p.board.counted(), (2, 0));
}

/// A copy of a store's folder as it is now: a laptop that kept the old key.
fn copy_of(store: &Store, to: &Path) -> Store {
    let out = Command::new("cp")
        .arg("-a")
        .arg(&store.data)
        .arg(to)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Store {
        data: to.to_path_buf(),
    }
}

#[test]
fn a_rotation_retires_the_old_key_at_the_board_from_the_new_cards_day() {
    let p = Partnership::new();
    p.trust_lead();
    let board = p.board.recipient();
    let old = p.lead.identity();
    let old_id = old["key_id"].as_str().unwrap().to_owned();
    let early = p.lead.case_at("2026-11-05T10:00", LEAD);
    let before = p.path("before.age");
    p.lead
        .export_at("2026-11-10T10:00", &early, &before, &[&board]);
    // A laptop that kept the old key goes on signing with it after the rotation.
    let stolen = copy_of(&p.lead, &p.path("stolen"));
    p.lead.ok_at("2026-11-15T09:00", &["identity", "rotate"]);
    let card = p.path("rotated.card.json");
    p.lead.export_card(&card);
    let said = p
        .board
        .ok(&["directory", "add", card.to_str().unwrap(), "--yes"]);
    assert!(said.contains("endorsed by its key there"), "{said}");
    let listed = p.board.directory();
    let old_entry = listed
        .iter()
        .find(|e| e["key_id"] == old_id.as_str())
        .unwrap();
    assert_eq!(old_entry["revoked_from"], "2026-11-15", "{listed:?}");

    let late = stolen.case_at("2026-11-18T10:00", LEAD);
    let after = p.path("after.age");
    stolen.export_at("2026-11-18T11:00", &late, &after, &[&board]);
    let (status, said) = p.board.import(&[&after], &[]);
    assert_eq!(
        status, 2,
        "signed by the old key after the new card's day: {said}"
    );
    assert!(
        said.contains("refused") && said.contains("revokes from 2026-11-15"),
        "{said}"
    );
    let (status, said) = p.board.import(&[&before], &[]);
    assert_eq!(
        status, 0,
        "signed by the old key before the new card's day: {said}"
    );
    assert_eq!(p.board.counted(), (1, 0));

    // The counted package shows who signed it; a revocation of that one key from an
    // earlier day lists it, for the administrator to decide on.
    let list = p.board.ok(&["board", "list"]);
    assert!(list.contains(&format!("\tsigned {old_id}\t")), "{list}");
    let json = p.board.json(&["board", "list", "--json"]);
    assert_eq!(json[0]["signer_key_id"], old_id.as_str());
    let said = p.board.ok(&[
        "directory",
        "revoke",
        LEAD,
        "--from",
        "2026-11-01",
        "--key",
        &old_id,
    ]);
    assert!(said.contains("1 keys revoked from 2026-11-01"), "{said}");
    assert!(
        said.contains("1 counted packages were signed by these keys from 2026-11-01: `escalate board list` shows them"),
        "{said}"
    );
    assert!(said.contains(&format!("\tsigned {old_id}")), "{said}");
    let new_id = p.lead.identity()["key_id"].as_str().unwrap().to_owned();
    let new_entry = p.board.directory();
    assert!(
        new_entry
            .iter()
            .any(|e| e["key_id"] == new_id.as_str() && e["revoked_from"].is_null()),
        "the new key stays trusted: {new_entry:?}"
    );
    let (_, err) = p.board.fails(&[
        "directory",
        "revoke",
        LEAD,
        "--from",
        "2026-11-01",
        "--key",
        "0000000000000000",
    ]);
    assert!(err.contains("--key"), "{err}");
    assert!(p.board.ok(&["audit", "verify"]).starts_with("ok: "));
}
