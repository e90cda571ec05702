//! Installed protocols and the new case operations from the command line, on a real
//! encrypted store with the real OS keyring: install, list, use, refuse to remove;
//! route switches, skips, extensions and version moves, each refusal naming its option.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::lead::Lead;

impl Lead {
    /// A copy of a test protocol in the lead's own folder.
    fn file(&self, name: &str) -> PathBuf {
        let to = self.root().join(format!("{name}.toml"));
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/protocols")
                .join(format!("{name}.toml")),
            &to,
        )
        .unwrap();
        to
    }

    fn install(&self, file: &Path) -> String {
        self.ok(&["protocol", "install", file.to_str().unwrap()])
    }

    fn new_case_under(&self, protocol: &str, extra: &[&str]) -> String {
        let mut args = vec![
            "case",
            "new",
            "--child-name",
            "Siân Llŷr Ŵyn",
            "--raising-agency",
            "Ysgol Gyfun Bryn",
            "--receiving-agency",
            "Swansea Children's Services",
            "--category",
            "Threshold for assessment",
            "--summary",
            "School believes the threshold is met.",
            "--opened",
            "2026-11-23T09:00",
            "--protocol",
            protocol,
        ];
        args.extend(extra);
        self.ok(&args).trim_end().to_owned()
    }

    /// Every file of the data folder, as bytes (the store is closed between commands).
    fn files(&self) -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(&self.data)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().unwrap().is_file())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    }

    /// `escalate protocols`' line for `id` at `version`, split at its tabs.
    fn listed(&self, id: &str, version: &str) -> Vec<String> {
        let list = self.ok(&["protocols"]);
        list.lines()
            .map(|l| l.split('\t').map(str::to_owned).collect::<Vec<_>>())
            .find(|f| f[0] == id && f[1] == version)
            .unwrap_or_else(|| panic!("{id} {version} not listed: {list}"))
    }
}

#[test]
fn a_protocol_file_is_installed_listed_used_and_kept_while_a_case_uses_it() {
    let lead = Lead::new();
    let file = lead.file("south-ayrshire");
    let version =
        "As retrieved (based on the National Guidance 2014 and the West of Scotland procedures 2015)";
    let installed = lead.install(&file);
    assert!(
        installed.starts_with(&format!("south-ayrshire\t{version}\t"))
            && installed.trim_end().ends_with("\tinstalled"),
        "{installed}"
    );
    let line = lead.listed("south-ayrshire", version);
    assert_eq!(line[2].len(), 12, "a hash prefix: {line:?}");
    assert_eq!((line[3].as_str(), line[4].as_str()), ("0", "current"));
    // The shipped ones are listed too.
    assert!(lead
        .ok(&["protocols"])
        .lines()
        .any(|l| l.starts_with("western-bay\t")));

    // A refused install: file:line: field: message, status 2, and no byte changes.
    let broken = lead.root().join("broken.toml");
    std::fs::write(
        &broken,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("within = \"28 days\"", "within = \"28 fortnights\""),
    )
    .unwrap();
    let before = lead.files();
    let (code, err) = lead.refuses(&["protocol", "install", broken.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("broken.toml:") && err.contains("stages[1].timescale.within"),
        "{err}"
    );
    let (_, err) = lead.refuses(&["protocol", "install", file.to_str().unwrap()]);
    assert!(err.contains("already installed"), "{err}");
    assert_eq!(lead.files(), before);

    // A version carrying terminal escapes (clear the screen, retitle the window, bell).
    let hostile = lead.root().join("hostile.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let version_line = text
        .lines()
        .find(|l| l.starts_with("version = "))
        .unwrap()
        .to_owned();
    std::fs::write(
        &hostile,
        text.replacen(
            &version_line,
            r#"version = "v\u001b[2J\u001b]0;pwned\u0007X""#,
            1,
        )
        .replacen("id = \"south-ayrshire\"", "id = \"escapes\"", 1),
    )
    .unwrap();
    // Such a version is refused as the file is checked, naming the character, and
    // nothing raw reaches the terminal.
    let (_, err) = lead.refuses(&["protocol", "install", hostile.to_str().unwrap()]);
    assert!(
        err.contains("version: contains the control character U+001B"),
        "{err}"
    );
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{7}'),
        "raw escapes on stderr: {err:?}"
    );
    assert!(!lead.ok(&["protocols"]).contains("escapes"));

    let r = lead.new_case_under("south-ayrshire", &[]);
    assert_eq!(lead.listed("south-ayrshire", version)[3], "1");
    let (_, err) = lead.refuses(&["protocol", "remove", "south-ayrshire"]);
    assert!(
        err.contains(&r) && err.contains("stays installed while any case uses it"),
        "{err}"
    );
    let (_, err) = lead.refuses(&["protocol", "remove", "western-bay"]);
    assert!(err.contains("ships with Escalate"), "{err}");
    // A protocol that is not installed is refused naming the option and the fix.
    let (_, err) = lead.fails(
        &[
            "case",
            "new",
            "--child-name",
            "A",
            "--raising-agency",
            "A",
            "--receiving-agency",
            "B",
            "--category",
            "C",
            "--summary",
            "D",
            "--protocol",
            "west-yorkshire",
        ],
        false,
    );
    assert!(
        err.contains("--protocol") && err.contains("escalate protocol install FILE"),
        "{err}"
    );
}

#[test]
fn routes_skips_and_extensions_from_the_command_line() {
    let lead = Lead::new();
    lead.install(&lead.file("south-ayrshire"));
    lead.install(&lead.file("iro-handbook-style"));

    // A route chosen at intake, and switched with a reason.
    let appeal = lead.new_case_under("south-ayrshire", &["--route", "appeal"]);
    let plan = lead.ok(&["case", "plan", &appeal]);
    assert!(plan.contains("route\tappeal\t"), "{plan}");
    let (_, err) = lead.fails(
        &[
            "case",
            "switch-route",
            &appeal,
            "--route",
            "no-such-route",
            "--reason",
            "Why",
        ],
        false,
    );
    assert!(err.starts_with("escalate: --route: "), "{err}");
    let out = lead.ok(&[
        "case",
        "switch-route",
        &appeal,
        "--route",
        "dissent",
        "--reason",
        "It is dissent on registration, not an appeal.",
    ]);
    assert_eq!(out, format!("{appeal}\troute dissent\tStage 1\n"));
    assert!(lead
        .ok(&["case", "plan", &appeal])
        .contains("route\tdissent\t"));

    // An extension of the head of service's 28 days, agreed by the role the file names.
    lead.ok(&[
        "stage",
        "record",
        &appeal,
        "--summary",
        "The dissent recorded",
        "--agreed",
        "Brought to the head of service",
        "--discussed",
        "2026-11-23T10:00",
    ]);
    lead.ok(&["case", "escalate", &appeal]);
    let extend = |deadline: &str, to: &str| {
        vec![
            "case".to_owned(),
            "extend".to_owned(),
            appeal.clone(),
            "--deadline".to_owned(),
            deadline.to_owned(),
            "--to".to_owned(),
            to.to_owned(),
            "--agreed-by".to_owned(),
            "Pat Lee, accountable senior manager".to_owned(),
            "--agreed-on".to_owned(),
            "2026-11-23".to_owned(),
            "--reason".to_owned(),
            "The dissenting person is away until January.".to_owned(),
        ]
    };
    let args = extend("no-such-deadline", "2027-01-15");
    let (_, err) = lead.refuses(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.starts_with("escalate: --deadline: "), "{err}");
    let args = extend("timescale", "2026-11-24");
    let (_, err) = lead.refuses(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.starts_with("escalate: --to: "), "{err}");
    let args = extend("timescale", "2027-01-15");
    let out = lead.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        out.starts_with(&format!("{appeal}\ttimescale\textended to ")),
        "{out}"
    );
    let chronology = lead.ok(&["case", "chronology", &appeal]);
    assert!(
        chronology.contains("Route changed to Dissent on registration and key aspects at Stage 1: It is dissent on registration, not an appeal.")
            && chronology.contains("Stage 2's deadline extended to 15/01/2027 (agreed by Pat Lee, accountable senior manager on 23/11/2026)"),
        "{chronology}"
    );

    // Stages skipped on the IRO's recorded decision.
    let iro = lead.new_case_under("iro-handbook-style", &[]);
    let (_, err) = lead.fails(
        &[
            "case",
            "escalate",
            &iro,
            "--skip-reason",
            "Serious enough for the Head of QA",
            "--decided-by",
            "Sam Reid",
        ],
        false,
    );
    assert!(err.starts_with("escalate: --skip-reason: "), "{err}");
    let out = lead.ok(&[
        "case",
        "escalate",
        &iro,
        "--to-stage",
        "3",
        "--skip-reason",
        "Serious enough for the Head of QA",
        "--decided-by",
        "Sam Reid",
        "--role",
        "The IRO",
    ]);
    assert_eq!(out, format!("{iro}\tStage 3\n"));
    // Without --decided-by, clap refuses before anything runs.
    let (code, err) = lead.refuses(&["case", "escalate", &iro, "--skip-reason", "Why"]);
    assert_eq!(code, 2);
    assert!(err.contains("--decided-by"), "{err}");
    let chronology = lead.ok(&["case", "chronology", &iro]);
    assert!(
        chronology.contains("Escalated from Stage 1 to Stage 3 (stages between skipped, decided by Sam Reid, The IRO: Serious enough for the Head of QA)"),
        "{chronology}"
    );
}

#[test]
fn a_case_moves_to_a_newer_version_only_with_yes() {
    let lead = Lead::new();
    let v1 = lead.file("west-yorkshire");
    lead.install(&v1);
    let r = lead.new_case_under("west-yorkshire", &[]);
    let v2 = lead.root().join("west-yorkshire-2026.toml");
    std::fs::write(
        &v2,
        std::fs::read_to_string(&v1)
            .unwrap()
            .replace(
                "version = \"Amended December 2019 (as retrieved)\"",
                "version = \"Revised 2026\"",
            )
            .replace(
                "within = \"5 working days\"\nfrom = \"case-start\"",
                "within = \"7 working days\"\nfrom = \"case-start\"",
            ),
    )
    .unwrap();
    lead.install(&v2);
    let old = "Amended December 2019 (as retrieved)";
    assert_eq!(lead.listed("west-yorkshire", old)[3], "1");
    assert_eq!(lead.listed("west-yorkshire", "Revised 2026")[3], "0");

    let (_, err) = lead.refuses(&["case", "move-protocol", &r, "--to", "1999"]);
    assert!(
        err.starts_with("escalate: --to: ") && err.contains("Revised 2026"),
        "{err}"
    );
    // Without --yes: the table, and nothing moves.
    let before = lead.files();
    let preview = lead.ok(&["case", "move-protocol", &r, "--to", "Revised 2026"]);
    assert!(
        preview.contains("steps-1-5\t-\t2026-11-30\t2026-12-02\tchanged\t"),
        "{preview}"
    );
    assert!(
        preview.contains("not moved: run again with --yes"),
        "{preview}"
    );
    assert_eq!(lead.files(), before);
    assert_eq!(lead.listed("west-yorkshire", old)[3], "1");

    let moved = lead.ok(&["case", "move-protocol", &r, "--to", "Revised 2026", "--yes"]);
    assert!(
        moved
            .trim_end()
            .ends_with(&format!("{r}\tmoved to version Revised 2026")),
        "{moved}"
    );
    assert_eq!(lead.listed("west-yorkshire", old)[3], "0");
    assert_eq!(lead.listed("west-yorkshire", "Revised 2026")[3], "1");
    let verify = lead.ok(&["audit", "verify"]);
    assert!(verify.contains("ok") || verify.contains("OK"), "{verify}");
    // The older version stays while no case uses it, until the protocol goes.
    let (_, err) = lead.refuses(&["protocol", "remove", "west-yorkshire"]);
    assert!(err.contains(&r), "{err}");
}

/// Past any bound a cache of parsed versions might have (the old one refused the
/// 513th text a process read): a store holds what the lead installed, however many
/// versions that is.
const MANY_VERSIONS: usize = 520;

#[test]
fn five_hundred_and_twenty_versions_of_one_protocol_still_list_install_and_remove() {
    let lead = Lead::new();
    let text = std::fs::read_to_string(lead.file("south-ayrshire")).unwrap();
    let version_line = text
        .lines()
        .find(|l| l.starts_with("version = "))
        .unwrap()
        .to_owned();
    let dir = lead.root().join("versions");
    std::fs::create_dir(&dir).unwrap();
    let version = |n: usize| {
        let file = dir.join(format!("v{n}.toml"));
        std::fs::write(
            &file,
            text.replacen(&version_line, &format!("version = \"Revision {n}\""), 1),
        )
        .unwrap();
        file
    };
    // Installed in one process through the api the CLI calls (520 `escalate` processes
    // took two minutes; this takes seconds), on the store `escalate init` made, with
    // the key it left in the keyring.
    let started = std::time::Instant::now();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let keys = escalate_api::session::keyring(true);
            let store = escalate_api::session::open(&lead.data, None, &*keys)
                .await
                .unwrap();
            let now = chrono::NaiveDateTime::parse_from_str("2026-11-23T17:00", "%Y-%m-%dT%H:%M")
                .unwrap();
            for n in 1..=MANY_VERSIONS {
                escalate_api::settings::install_protocol(&store, &version(n), now)
                    .await
                    .unwrap_or_else(|e| panic!("version {n}: {e}"));
            }
            escalate_api::session::close(store).await;
        });
    eprintln!("{MANY_VERSIONS} installs took {:?}", started.elapsed());

    // Every version listed, the last installed the current one.
    let list = lead.ok(&["protocols"]);
    let ours: Vec<Vec<&str>> = list
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| f[0] == "south-ayrshire")
        .collect();
    assert_eq!(ours.len(), MANY_VERSIONS, "{list}");
    assert_eq!(ours[0][1], "Revision 1");
    let current: Vec<&str> = ours
        .iter()
        .filter(|f| f[4] == "current")
        .map(|f| f[1])
        .collect();
    assert_eq!(current, [format!("Revision {MANY_VERSIONS}").as_str()]);

    // One more installs from the command line, and is the one new cases use.
    let more = version(MANY_VERSIONS + 1);
    lead.install(&more);
    let newest = format!("Revision {}", MANY_VERSIONS + 1);
    assert_eq!(lead.listed("south-ayrshire", &newest)[4], "current");

    // No case uses it: every version goes, and the list no longer has it.
    let removed = lead.ok(&["protocol", "remove", "south-ayrshire"]);
    assert_eq!(removed.lines().count(), MANY_VERSIONS + 1, "{removed}");
    assert!(
        removed.lines().all(|l| l.ends_with("\tremoved")),
        "{removed}"
    );
    assert!(!lead
        .ok(&["protocols"])
        .lines()
        .any(|l| l.starts_with("south-ayrshire\t")));
    // And it installs again.
    lead.install(&more);
    assert_eq!(lead.listed("south-ayrshire", &newest)[3], "0");
    eprintln!("the whole test took {:?}", started.elapsed());
}
