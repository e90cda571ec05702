//! Protocols a lead installs from files, end to end through the use cases: cases under
//! them run, export with the protocol file inside, and are counted by a Board that never
//! installed them; skips, route switches and extensions read in the chronology; a move
//! to another version is previewed before it is made.

use std::path::{Path, PathBuf};

use escalate_api::board::Selection;
use escalate_api::cases::ExtensionRequest;
use escalate_api::export::{seal_with, Opener, PackageRequest};
use escalate_core::{DeadlineId, Due, SkipDecision};
use escalate_report::export::Key;

use crate::*;

const SHARED: &str = "a long shared passphrase";

/// A copy of one of the test protocols in a lead's own folder, as they would install it.
fn copy_of(dir: &Path, name: &str) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/protocols")
        .join(format!("{name}.toml"));
    let to = dir.join(format!("{name}.toml"));
    std::fs::copy(from, &to).unwrap();
    to
}

fn under(protocol: &str, opened: &str) -> NewCase {
    NewCase {
        protocol: Some(protocol.into()),
        opened_at: Some(t(opened)),
        ..new_case("Summary")
    }
}

async fn export_to(store: &Store, reference: &str, out: &Path) -> PathBuf {
    let bytes = escalate_api::export::package(
        store,
        reference,
        PackageRequest {
            form: None,
            effectiveness: "",
            minimise: true,
            seal: seal_with(&[], Some(SHARED)).unwrap(),
            now: t("2026-11-20T17:00"),
        },
    )
    .await
    .unwrap();
    let file = out.join(format!("{reference}.escalate-export"));
    escalate_api::reports::save(&file, &bytes).unwrap();
    file
}

/// Python's jsonschema (installed by make test) against docs/export-schema.json.
fn follows_the_published_schema(m: &escalate_report::export::Monitoring) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("monitoring.json");
    std::fs::write(&json, serde_json::to_vec(m).unwrap()).unwrap();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/export-schema.json");
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
    assert!(
        out.status.success(),
        "{} does not follow docs/export-schema.json: {}",
        m.reference,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn cases_under_installed_protocols_are_counted_by_a_board_that_never_installed_them() {
    let dir = tempfile::tempdir().unwrap();
    let lead = store(&dir.path().join("lead"), "western-bay").await;
    // Each step is written when it happened: the log never goes back.
    let now = t("2026-09-30T08:00");
    for name in ["west-yorkshire", "south-ayrshire", "iro-handbook-style"] {
        let installed =
            escalate_api::settings::install_protocol(&lead, &copy_of(dir.path(), name), now)
                .await
                .unwrap();
        assert_eq!((installed.id.as_str(), installed.shipped), (name, false));
    }
    let listed = escalate_api::settings::protocols(&lead).await.unwrap();
    assert!(listed.iter().any(|p| p.id == "west-yorkshire" && p.current));

    // Resolved at step 2, both steps within the 5 working days of steps 1-5.
    let resolved = escalate_api::cases::create(
        &lead,
        under("west-yorkshire", "2026-10-01T09:00"),
        t("2026-10-01T09:00"),
    )
    .await
    .unwrap();
    escalate_api::cases::escalate(&lead, &resolved, None, None, t("2026-10-05T09:00"))
        .await
        .unwrap();
    escalate_api::cases::resolve(&lead, &resolved, "Agreed at step 2", t("2026-10-07T10:00"))
        .await
        .unwrap();
    // Still open well past the whole timescale (every step to its limit: 28 October).
    let open = escalate_api::cases::create(
        &lead,
        under("west-yorkshire", "2026-10-01T09:00"),
        t("2026-10-07T11:00"),
    )
    .await
    .unwrap();
    // The head of service's 28 days extended by the accountable senior manager, kept to.
    let extended = escalate_api::cases::create(
        &lead,
        under("south-ayrshire", "2026-11-02T09:00"),
        t("2026-11-02T09:00"),
    )
    .await
    .unwrap();
    // Stage 1 answered in time (due Mon 9 Nov), stage 2 late (due Thu 12 Nov): counted
    // against the 5 working days of each stage in the installed file.
    let stages = escalate_api::cases::create(
        &lead,
        under("iro-handbook-style", "2026-11-02T09:00"),
        t("2026-11-02T09:00"),
    )
    .await
    .unwrap();
    lead.record_stage(&extended, record(1, 2, false), t("2026-11-02T11:00"))
        .await
        .unwrap();
    escalate_api::cases::escalate(&lead, &extended, None, None, t("2026-11-02T12:00"))
        .await
        .unwrap();
    escalate_api::cases::extend_deadline(
        &lead,
        &extended,
        ExtensionRequest {
            deadline: DeadlineId::Timescale,
            to: Due::EndOfDay("2026-12-18".parse().unwrap()),
            agreed_by: "Pat Lee, accountable senior manager".into(),
            agreed_on: "2026-11-03".parse().unwrap(),
            reason: "The dissenting person is away until December.".into(),
        },
        t("2026-11-03T09:00"),
    )
    .await
    .unwrap();
    escalate_api::cases::escalate(&lead, &stages, None, None, t("2026-11-05T09:00"))
        .await
        .unwrap();
    escalate_api::cases::resolve(&lead, &stages, "Agreed at stage 2", t("2026-11-16T10:00"))
        .await
        .unwrap();
    lead.record_stage(&extended, record(2, 19, true), t("2026-11-19T11:00"))
        .await
        .unwrap();
    escalate_api::cases::resolve(&lead, &extended, "Response given", t("2026-11-19T12:00"))
        .await
        .unwrap();
    let chronology = escalate_api::cases::chronology(&lead, &extended, t("2026-11-20T17:00"))
        .await
        .unwrap();
    assert!(
        chronology.iter().any(|l| l.text
            == "Stage 2's deadline extended to 18/12/2026 (agreed by Pat Lee, accountable senior manager on 03/11/2026): The dissenting person is away until December."),
        "{chronology:#?}"
    );
    let detail = escalate_api::cases::detail(&lead, &extended, t("2026-11-20T17:00"))
        .await
        .unwrap();
    assert_eq!(detail.extensions_to_text, ["18/12/2026"]);

    let out = dir.path().join("packages");
    std::fs::create_dir(&out).unwrap();
    let mut files = Vec::new();
    for r in [&resolved, &open, &extended, &stages] {
        files.push(export_to(&lead, r, &out).await);
    }

    // Each package is escalate-monitoring/2, with its protocol file, and follows the
    // published schema by an independent validator.
    for file in &files {
        let p = escalate_api::export::open_package(
            file,
            Key::Passphrase(SHARED),
            t("2026-11-20T17:00"),
        )
        .unwrap();
        assert_eq!(p.monitoring.schema, "escalate-monitoring/2");
        assert!(p.monitoring.protocol.sha256.is_some());
        assert!(p.files.iter().any(|f| f.0 == "protocol.toml"));
        follows_the_published_schema(&p.monitoring);
    }

    // The Board's own store has only the shipped protocols.
    let board = store(&dir.path().join("board"), "western-bay").await;
    let e = board.protocol("west-yorkshire").await.unwrap_err();
    assert_eq!(e.code(), "protocol.unknown", "{e}");
    let card = escalate_api::trust::own_card(&lead).await.unwrap();
    escalate_api::trust::add(&board, &card, t("2026-11-20T16:00"))
        .await
        .unwrap();
    let summary = escalate_api::board::import_files(
        &board,
        &files,
        Some(Opener::Passphrase(escalate_store::Passphrase::new(SHARED))),
        t("2026-11-20T17:00"),
        |_, _| {},
    )
    .await
    .unwrap();
    assert!(
        summary.files.iter().all(|f| f.refused.is_none()),
        "{:?}",
        summary.files
    );
    let figures = escalate_api::board::figures(
        &board,
        &Selection {
            from: "2026-01-01".parse().unwrap(),
            to: "2026-12-31".parse().unwrap(),
            agency: None,
            protocol: None,
        },
        t("2026-11-20T17:00"),
    )
    .await
    .unwrap();
    assert_eq!((figures.total, figures.resolved), (4, 3));
    assert_eq!(
        figures.by_protocol.into_iter().collect::<Vec<_>>(),
        [
            ("iro-handbook-style".to_owned(), 1),
            ("south-ayrshire".to_owned(), 1),
            ("west-yorkshire".to_owned(), 2)
        ]
    );
    // The whole timescale comes from the protocol file the package carried.
    let late: Vec<_> = figures
        .open_past_whole_timescale
        .iter()
        .map(|o| (o.reference.as_str(), o.all_stages_due.to_string()))
        .collect();
    assert_eq!(late, [(open.as_str(), "2026-10-28".to_owned())]);
    // The extended stage is counted apart, against its agreed due.
    assert_eq!(
        (figures.stages_extended, figures.stages_extended_within),
        (1, 1)
    );
    assert_eq!(
        (
            figures.stages_with_timescale,
            figures.stages_within_timescale
        ),
        (2, 1)
    );
}

/// The attack of issue 16: a store calling itself by a real agency's name, with a key
/// of its own, sends a rival text of a protocol version (laxer: step 6 in 200 working
/// days) before the genuine agency's package arrives. It is held apart, carries no text
/// into the Board's store, and the genuine package is counted under its own text.
#[tokio::test]
async fn a_rival_text_from_an_unknown_signer_is_held_and_never_blocks_the_genuine_package() {
    let dir = tempfile::tempdir().unwrap();
    let now = t("2026-11-02T09:30");
    let out = dir.path().join("packages");
    std::fs::create_dir(&out).unwrap();
    let mut files = Vec::new();
    let mut genuine_card = None;
    let mut genuine_text = String::new();
    // The impostor first: its package reaches the Board before the genuine one.
    for (agency, within) in [("lax", "200 working days"), ("genuine", "14 working days")] {
        let lead = store(&dir.path().join(agency), "western-bay").await;
        let file = copy_of(dir.path(), "west-yorkshire");
        let text = std::fs::read_to_string(&file).unwrap();
        let text = text.replacen(
            "within = \"14 working days\"",
            &format!("within = \"{within}\""),
            1,
        );
        std::fs::write(&file, &text).unwrap();
        escalate_api::settings::install_protocol(&lead, &file, now)
            .await
            .unwrap();
        let r = escalate_api::cases::create(&lead, under("west-yorkshire", "2026-10-01T09:00"), now)
            .await
            .unwrap();
        let own = out.join(agency);
        std::fs::create_dir(&own).unwrap();
        files.push(export_to(&lead, &r, &own).await);
        if agency == "genuine" {
            genuine_card = Some(escalate_api::trust::own_card(&lead).await.unwrap());
            genuine_text = text;
        }
    }
    let board = store(&dir.path().join("board"), "western-bay").await;
    // The Board trusts the genuine agency's card; both stores give the same agency name.
    let card = genuine_card.unwrap();
    escalate_api::trust::add(&board, &card, t("2026-11-20T16:00"))
        .await
        .unwrap();
    let summary = escalate_api::board::import_files(
        &board,
        &files,
        Some(Opener::Passphrase(escalate_store::Passphrase::new(SHARED))),
        t("2026-11-20T17:00"),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(
        (summary.new, summary.held, summary.refused),
        (1, 1, 0),
        "{:?}",
        summary.files
    );
    assert_eq!(summary.files[0].held, Some(escalate_api::store::HeldReason::UnknownSigner));
    assert_eq!(summary.files[1].outcome, Some(escalate_api::store::ImportOutcome::New));
    // The one text the Board holds is the genuine one.
    let held_texts = board.board_protocols().await.unwrap();
    assert_eq!(held_texts.len(), 1);
    assert_eq!(held_texts[0].1, genuine_text);
    // Counted: one case; the held one is beside it, not in it.
    let f = escalate_api::board::figures(
        &board,
        &escalate_api::board::Selection {
            from: "2026-01-01".parse().unwrap(),
            to: "2026-12-31".parse().unwrap(),
            agency: None,
            protocol: None,
        },
        t("2026-11-20T17:00"),
    )
    .await
    .unwrap();
    assert_eq!((f.total, f.held), (1, 1));
    // It cannot be accepted under the genuine agency's name.
    let held = escalate_api::board::held(&board).await.unwrap();
    let e = escalate_api::board::accept(&board, held[0].id, t("2026-11-20T17:10"))
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("id"), "{e:?}");
    // The same impostor package again changes nothing.
    let again = escalate_api::board::import_files(
        &board,
        &files[..1],
        Some(Opener::Passphrase(escalate_store::Passphrase::new(SHARED))),
        t("2026-11-21T17:00"),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!((again.new, again.held, again.duplicate), (0, 0, 1));
}

#[tokio::test]
async fn skips_and_route_switches_read_in_the_chronology_and_the_plan_follows_the_route() {
    let dir = tempfile::tempdir().unwrap();
    let lead = store(dir.path(), "western-bay").await;
    let now = t("2026-11-02T09:30");
    for name in ["iro-handbook-style", "south-ayrshire"] {
        escalate_api::settings::install_protocol(&lead, &copy_of(dir.path(), name), now)
            .await
            .unwrap();
    }
    let iro =
        escalate_api::cases::create(&lead, under("iro-handbook-style", "2026-11-02T09:00"), now)
            .await
            .unwrap();
    // A decision on a move that goes past no stage is refused naming `skip`.
    let decision = SkipDecision {
        reason: "The matter is serious enough for the Head of QA.".into(),
        decided_by: "Sam Reid".into(),
        role: Some("The IRO".into()),
    };
    let e = escalate_api::cases::escalate_skipping(
        &lead,
        &iro,
        None,
        None,
        Some(decision.clone()),
        t("2026-11-02T10:00"),
    )
    .await
    .unwrap_err();
    assert!(
        e.field.as_deref().is_some_and(|f| f.starts_with("skip")),
        "{e:?}"
    );
    let stage = escalate_api::cases::escalate_skipping(
        &lead,
        &iro,
        Some(3),
        None,
        Some(decision),
        t("2026-11-02T10:00"),
    )
    .await
    .unwrap();
    assert_eq!(stage, 3);
    let lines = escalate_api::cases::chronology(&lead, &iro, t("2026-11-02T11:00"))
        .await
        .unwrap();
    assert!(
        lines.iter().any(|l| l.text
            == "Escalated from Stage 1 to Stage 3 (stages between skipped, decided by Sam Reid, The IRO: The matter is serious enough for the Head of QA.)"),
        "{lines:#?}"
    );

    // Opened after the IRO case's moves: the log is written in order.
    let sa = escalate_api::cases::create(
        &lead,
        under("south-ayrshire", "2026-11-02T09:00"),
        t("2026-11-02T10:00"),
    )
    .await
    .unwrap();
    assert_eq!(
        escalate_api::cases::plan(&lead, &sa).await.unwrap().route,
        "dissent"
    );
    let route_listed = async |now| {
        escalate_api::cases::list(&lead, false, None, now)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.reference == sa)
            .unwrap()
            .route
    };
    assert_eq!(
        route_listed(now).await,
        None,
        "the standard route is not named"
    );
    let e = escalate_api::cases::switch_route(&lead, &sa, "no-such-route", "Why", None, now)
        .await
        .unwrap_err();
    assert!(e.message.contains("no-such-route"), "{e:?}");
    escalate_api::cases::switch_route(
        &lead,
        &sa,
        "appeal",
        "The parent appeals against registration.",
        None,
        t("2026-11-02T10:00"),
    )
    .await
    .unwrap();
    let plan = escalate_api::cases::plan(&lead, &sa).await.unwrap();
    assert_eq!(plan.route, "appeal");
    assert_eq!(
        route_listed(t("2026-11-02T11:00")).await.as_deref(),
        Some("Appeal against registration by a child/young person or a parent"),
        "the dashboard names the route the case is on"
    );
    let lines = escalate_api::cases::chronology(&lead, &sa, t("2026-11-02T11:00"))
        .await
        .unwrap();
    assert!(
        lines.iter().any(|l| l.text
            == "Route changed to Appeal against registration by a child/young person or a parent at Stage 1: The parent appeals against registration."),
        "{lines:#?}"
    );
    let caches = escalate_api::cases::check_caches(&lead).await.unwrap();
    assert!(caches.ok(), "{caches:?}");
}

#[tokio::test]
async fn a_move_to_another_version_is_previewed_then_made() {
    let dir = tempfile::tempdir().unwrap();
    let lead = store(dir.path(), "western-bay").await;
    let now = t("2026-11-02T09:30");
    let v1 = copy_of(dir.path(), "west-yorkshire");
    escalate_api::settings::install_protocol(&lead, &v1, now)
        .await
        .unwrap();
    let r = escalate_api::cases::create(&lead, under("west-yorkshire", "2026-11-02T09:00"), now)
        .await
        .unwrap();
    let text = std::fs::read_to_string(&v1).unwrap();
    let v2 = dir.path().join("west-yorkshire-2026.toml");
    std::fs::write(
        &v2,
        text.replace(
            "version = \"Amended December 2019 (as retrieved)\"",
            "version = \"Revised 2026\"",
        )
        .replace(
            "within = \"5 working days\"\nfrom = \"case-start\"",
            "within = \"7 working days\"\nfrom = \"case-start\"",
        ),
    )
    .unwrap();
    escalate_api::settings::install_protocol(&lead, &v2, now)
        .await
        .unwrap();
    let at = t("2026-11-03T09:00");
    let preview = escalate_api::cases::move_protocol_preview(&lead, &r, "Revised 2026", at)
        .await
        .unwrap();
    assert!(!preview.moved);
    let changed: Vec<_> = preview
        .deadlines
        .iter()
        .filter(|d| d.changed())
        .map(|d| (d.id.as_str(), d.before, d.after))
        .collect();
    assert_eq!(
        changed,
        [(
            "steps-1-5",
            Some(Due::EndOfDay("2026-11-09".parse().unwrap())),
            Some(Due::EndOfDay("2026-11-11".parse().unwrap()))
        )]
    );
    let words: Vec<_> = preview
        .deadlines
        .iter()
        .filter(|d| d.changed())
        .map(|d| (d.before_text.as_deref(), d.after_text.as_deref()))
        .collect();
    assert_eq!(words, [(Some("09/11/2026"), Some("11/11/2026"))]);
    // The preview wrote nothing.
    let detail = escalate_api::cases::detail(&lead, &r, at).await.unwrap();
    assert_eq!(
        detail.protocol_version,
        "Amended December 2019 (as retrieved)"
    );
    let moved = escalate_api::cases::move_protocol(&lead, &r, "Revised 2026", at)
        .await
        .unwrap();
    assert!(moved.moved);
    assert_eq!(moved.deadlines, preview.deadlines);
    let detail = escalate_api::cases::detail(&lead, &r, at).await.unwrap();
    assert_eq!(detail.protocol_version, "Revised 2026");
    let e = escalate_api::cases::move_protocol_preview(&lead, &r, "Revised 2026", at)
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("to"));
}
