//! Writes the answers the UI tests' fake backend gives, keyed by the command that gives
//! them. The lead's answers come from the real commands on Tauri's mock runtime, over
//! a real demo store; the Board's are computed from the same cases as if each had been
//! exported and imported. The answers the UI offers (a case's next steps, intake's
//! routes and openings, plan dues in words) and the refusals its tests show are the
//! real engine's too, so the fake backend decides no rule. Every key must be a command
//! in the table, so the fake backend cannot answer a command the shell does not
//! register. Usage: ui-fixtures OUT.json

use std::collections::{BTreeMap, BTreeSet};

use escalate_api::demo;
use escalate_api::export::{PackageRequest, SealTo};
use escalate_api::reports::sources;
use escalate_api::store::{NoKeyring, Passphrase, Store};
use escalate_api::trust;
use escalate_report::board::{self, Dimension, Selection};
use escalate_report::export::{self, Seal};
use serde_json::{json, Map, Value};

#[path = "../tests/support/mock_ipc.rs"]
mod mock_ipc;

use mock_ipc::{main_window, mock_app, send, Failure};

#[allow(
    clippy::disallowed_methods,
    reason = "fixtures are dated now, like the demo"
)]
fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

/// The lead's side: the demo store, opened and read through the commands; last, the
/// partnership's bundle (chosen from `bundle_dir`) previewed and installed.
fn lead_answers(
    dir: &std::path::Path,
    bundle_dir: &std::path::Path,
) -> Result<Map<String, Value>, Failure> {
    let app = mock_app(dir)?;
    let w = main_window(&app)?;
    let ask =
        |cmd: &str, args: Value| send(&w, cmd, args).map_err(|e| format!("{cmd} refused: {e}"));
    ask("open_demo", json!({}))?;
    let mut out = Map::new();
    partnership_protocol(dir, &w, &mut out)?;
    for cmd in [
        "app_status",
        "protocols",
        "intake_options",
        "audit_trail",
        "installed_protocols",
        "calendar_coverage",
    ] {
        out.insert(cmd.to_owned(), ask(cmd, json!({}))?);
    }
    let open = ask(
        "list_cases",
        json!({"includeClosed": false, "search": null}),
    )?;
    let all = ask("list_cases", json!({"includeClosed": true, "search": null}))?;
    let refs: Vec<String> = all
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["reference"].as_str().map(str::to_owned))
        .collect();
    out.insert("list_cases".into(), json!({"open": open, "all": all}));
    let (mut details, mut forms, mut previews) = (Map::new(), Map::new(), Map::new());
    let mut plans = Map::new();
    for r in &refs {
        details.insert(r.clone(), ask("case_detail", json!({"reference": r}))?);
        plans.insert(r.clone(), ask("case_plan", json!({"reference": r}))?);
        let choices = ask("report_forms", json!({"reference": r}))?;
        let request = json!({"reference": r, "form": choices[0]["form"], "stage": null,
                             "effectiveness": "", "notes": ""});
        previews.insert(
            r.clone(),
            ask("preview_report", json!({"request": request}))?,
        );
        forms.insert(r.clone(), choices);
    }
    out.insert("case_detail".into(), Value::Object(details));
    out.insert("case_plan".into(), Value::Object(plans));
    out.insert("report_forms".into(), Value::Object(forms));
    out.insert("preview_report".into(), Value::Object(previews));
    refusals(&w, &mut out)?;
    partnership_install(bundle_dir, &w, &mut out)?;
    ask("lock", json!({}))?;
    Ok(out)
}

/// A Board store of its own, with the bundle it signs and its card written into a
/// folder, as the Board sends them to a lead.
async fn partnership_board(
    board_dir: &std::path::Path,
    out: &std::path::Path,
) -> Result<(), Failure> {
    let at = now();
    let profile = escalate_core::model::Profile {
        name: "Board Administrator".into(),
        agency: "Western Bay Safeguarding Children Board".into(),
        ..demo::profile()
    };
    let pass = Passphrase::new(demo::PASSPHRASE);
    let store = Store::create(board_dir, profile, &pass, &NoKeyring, at).await?;
    let protocol = store.profile().protocol_id.clone();
    let made = async {
        let bundle = trust::make_bundle(&store, &[protocol], None, at).await?;
        let card = trust::card(&store).await?;
        Ok::<_, Failure>((bundle, card.json))
    }
    .await;
    store.close().await;
    let (bundle, card) = made?;
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("partnership.escalate-bundle"), bundle)?;
    std::fs::write(out.join("board.card.json"), card)?;
    Ok(())
}

/// Settings → Partnership: before any bundle, the bundle chosen in the open dialog (the
/// Board's card chosen next, the first time) and previewed, installed once the
/// fingerprint is compared, and after.
fn partnership_install(
    bundle_dir: &std::path::Path,
    w: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    out: &mut Map<String, Value>,
) -> Result<(), Failure> {
    let ask =
        |cmd: &str, args: Value| send(w, cmd, args).map_err(|e| format!("{cmd} refused: {e}"));
    let before = ask("partnership", json!({}))?;
    std::env::set_var("ESCALATE_E2E_OPEN_DIR", bundle_dir);
    let preview = ask("preview_bundle", json!({}));
    std::env::remove_var("ESCALATE_E2E_OPEN_DIR");
    let preview = preview?;
    let Err(refused) = send(
        w,
        "install_bundle",
        json!({"fingerprint": "not what was shown"}),
    ) else {
        return Err("a bundle was installed under another fingerprint".into());
    };
    // The refusal took the preview: choose it again, as the lead would.
    std::env::set_var("ESCALATE_E2E_OPEN_DIR", bundle_dir);
    let again = ask("preview_bundle", json!({}));
    std::env::remove_var("ESCALATE_E2E_OPEN_DIR");
    again?;
    let installed = ask(
        "install_bundle",
        json!({"fingerprint": preview["board"]["fingerprint"]}),
    )?;
    let after = ask("partnership", json!({}))?;
    out.insert("preview_bundle".into(), preview);
    out.insert(
        "install_bundle".into(),
        json!({"installed": installed, "refused": refused}),
    );
    out.insert(
        "partnership".into(),
        json!({"lead_before": before, "lead_after": after}),
    );
    Ok(())
}

/// The Board's trust: two packages from the demo agency, signed by its key and sealed
/// to the Board, held (the directory does not hold its card yet); one accepted; then
/// its card previewed and added, which counts the other.
async fn trust_answers(
    lead: &Store,
    board_dir: &std::path::Path,
    scratch: &std::path::Path,
    out: &mut Map<String, Value>,
) -> Result<(), Failure> {
    let at = now();
    let pass = Passphrase::new(demo::PASSPHRASE);
    let board = Store::open(board_dir, Some(&pass), &NoKeyring).await?;
    let answers = async {
        let recipient = [trust::card(&board).await?.recipient];
        let mut files = Vec::new();
        for (i, item) in escalate_api::cases::list(lead, true, None, at)
            .await?
            .iter()
            .take(2)
            .enumerate()
        {
            let request = PackageRequest {
                form: None,
                effectiveness: "",
                minimise: true,
                seal: SealTo::Given(Seal::Recipients(&recipient)),
                now: at,
            };
            let package = escalate_api::export::package(lead, &item.reference, request).await?;
            let file = scratch.join(format!("{i}.escalate-export"));
            std::fs::write(&file, package)?;
            files.push(file);
        }
        escalate_api::board::import_files(&board, &files, None, at, |_, _| {}).await?;
        let before = trust::partnership(&board).await?;
        let held = escalate_api::board::held(&board).await?;
        let first = held.first().map(|h| h.id).unwrap_or_default();
        let accepted = escalate_api::board::accept(&board, first, at).await?;
        let card = trust::parse_card(&trust::card(lead).await?.json)?;
        let preview = trust::preview(&card)?;
        let added = trust::add(&board, &card, at).await?;
        let after = trust::partnership(&board).await?;
        Ok::<_, Failure>(json!({
            "board_held": held, "board_accept": accepted, "preview_card": preview,
            "add_card": added, "partnership": {"board_before": before, "board_after": after},
        }))
    }
    .await;
    board.close().await;
    let Value::Object(answers) = answers? else {
        return Err("the Board's trust answers are not an object".into());
    };
    join(out, answers);
    Ok(())
}

/// `more` into `out`, an answer both hold (`partnership`: the lead's and the Board's)
/// joined rather than replaced.
fn join(out: &mut Map<String, Value>, more: Map<String, Value>) {
    for (k, v) in more {
        match (out.get_mut(&k), v) {
            (Some(Value::Object(kept)), Value::Object(more)) => kept.extend(more),
            (_, v) => {
                out.insert(k, v);
            }
        }
    }
}

/// A partnership's own protocol (the end-to-end test's Darlington copy, with an urgent
/// route, an optional stage, an extension and its own form), installed through the
/// command the open dialog feeds: first a broken copy (its refusal, line by line, is
/// the fixture's), then the file, then a newer version. A case opened under the first
/// version on the urgent route leaves out the optional stage and has a deadline
/// extended; the move to the newer version is previewed.
fn partnership_protocol(
    dir: &std::path::Path,
    w: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    out: &mut Map<String, Value>,
) -> Result<(), Failure> {
    let ask =
        |cmd: &str, args: Value| send(w, cmd, args).map_err(|e| format!("{cmd} refused: {e}"));
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/e2e/protocols/darlington-urgent.toml");
    let text = std::fs::read_to_string(fixture)?;
    let chosen = dir.join("chosen");
    std::fs::create_dir_all(&chosen)?;
    // Debug builds read the dialog's answer from this folder (files::choose): the
    // one .toml in it is the file "chosen".
    std::env::set_var("ESCALATE_E2E_OPEN_DIR", &chosen);
    let choose = |name: &str, text: &str| -> Result<(), Failure> {
        for e in std::fs::read_dir(&chosen)? {
            std::fs::remove_file(e?.path())?;
        }
        Ok(std::fs::write(chosen.join(name), text)?)
    };
    choose(
        "darlington-broken.toml",
        &text.replace("within = \"3 working days\"", "within = \"3 fortnights\""),
    )?;
    let Err(refused) = send(w, "install_protocol", json!({})) else {
        return Err("the broken protocol file was installed".into());
    };
    choose("darlington-urgent.toml", &text)?;
    let installed = ask("install_protocol", json!({}))?;
    out.insert(
        "install_protocol".into(),
        json!({"installed": installed, "refused": refused}),
    );
    let case = json!({"case": {
        "child_name": "Maya Lund", "child_dob": null, "child_identifiers": "",
        "category": "Threshold for a strategy discussion",
        "summary": "Disclosure at school; no strategy discussion held.",
        "raising_agency": "Hummersknott Academy", "raising_sector": "schools",
        "raising_professional": "Kai Foster",
        "receiving_agency": "Darlington Children's Services",
        "receiving_sector": "local-authority", "receiving_professional": "Lee Grant",
        "protocol": "darlington", "opened_at": null, "immediate_risk": null,
        "stage": null, "route": "urgent", "skip": null,
    }});
    let reference = ask("create_case", case.clone())?;
    // A second case on the urgent route, left at its first stage (to escalate past the
    // optional one in the UI tests).
    let mut second = case;
    second["case"]["child_name"] = json!("Noah Price");
    ask("create_case", second)?;
    let escalated = ask(
        "escalate_skipping",
        json!({"reference": reference, "toStage": 4, "reason": null,
               "skip": {"reason": "No interagency meeting needed: managers agreed by phone.",
                        "decided_by": "Sam Patel", "role": null}}),
    )?;
    out.insert("escalate_skipping".into(), escalated);
    let today = now().date();
    let extended = ask(
        "extend_deadline",
        json!({"reference": reference, "request": {
            "deadline": "timescale",
            "to": {"kind": "end-of-day", "at": today + chrono::Duration::days(7)},
            "agreed_by": "Jo Reed, DSP Business Unit manager", "agreed_on": today,
            "reason": "The police report is not yet available."}}),
    )?;
    out.insert("extend_deadline".into(), extended);
    // A newer version: Stage 4 on the urgent route within 3 working days, the cap 8.
    choose(
        "darlington-urgent-v2.toml",
        &text
            .replace("end-to-end test copy", "end-to-end test copy, revised")
            .replace("within = \"2 working days\"", "within = \"3 working days\"")
            .replace(
                "within = \"10 working days\"",
                "within = \"8 working days\"",
            ),
    )?;
    ask("install_protocol", json!({}))?;
    let reference = reference.as_str().unwrap_or_default().to_owned();
    let version = installed["version"].as_str().unwrap_or_default();
    let newer = format!("{}, revised", version);
    let mut previews = Map::new();
    previews.insert(
        reference.clone(),
        ask(
            "preview_protocol_move",
            json!({"reference": reference, "version": newer}),
        )?,
    );
    out.insert("preview_protocol_move".into(), Value::Object(previews));
    // A protocol whose named role may skip any stage (the IRO Handbook-style fixture),
    // for a case opened above its first stage.
    let iro = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/protocols/iro-handbook-style.toml");
    choose("iro-handbook-style.toml", &std::fs::read_to_string(iro)?)?;
    ask("install_protocol", json!({}))?;
    std::env::remove_var("ESCALATE_E2E_OPEN_DIR");
    Ok(())
}

/// The refusals the UI tests show, as the real commands give them (the fake backend
/// re-codes no rule): a case whose receiving agency is the raising one, a closure day
/// outside the calendar's range. Then a route switch of the urgent case, once its
/// detail is kept, for its answer.
fn refusals(
    w: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    out: &mut Map<String, Value>,
) -> Result<(), Failure> {
    let same_agency = json!({"case": {
        "child_name": "Test Child", "child_dob": null, "child_identifiers": "",
        "category": "Threshold", "summary": "Summary.",
        "raising_agency": "Hummersknott Academy", "raising_sector": "schools",
        "raising_professional": null,
        "receiving_agency": "HUMMERSKNOTT ACADEMY", "receiving_sector": "local-authority",
        "receiving_professional": null, "protocol": "western-bay", "opened_at": null,
        "immediate_risk": null, "stage": null, "route": null, "skip": null,
    }});
    let Err(refused) = send(w, "create_case", same_agency) else {
        return Err("a case whose receiving agency is the raising one was opened".into());
    };
    let opened = out["list_cases"]["open"][0]["reference"].clone();
    out.insert(
        "create_case".into(),
        json!({"reference": opened, "refused_same_agency": refused}),
    );
    let Err(refused) = send(
        w,
        "add_closure_day",
        json!({"day": "1985-12-31", "note": "Before the calendar"}),
    ) else {
        return Err("a closure day before the calendar's range was added".into());
    };
    out.insert("add_closure_day".into(), json!({"refused_early": refused}));
    let urgent = out["case_detail"]
        .as_object()
        .and_then(|all| {
            all.values()
                .find(|c| c["child_name"] == "Maya Lund")
                .map(|c| c["reference"].clone())
        })
        .ok_or("no urgent case")?;
    let switched = send(
        w,
        "switch_route",
        json!({"reference": urgent, "route": "standard", "reason": "The risk has passed.",
               "toStage": null}),
    )
    .map_err(|e| format!("switch_route refused: {e}"))?;
    out.insert("switch_route".into(), switched);
    Ok(())
}

/// The Board's side: the demo store's cases as the Board would hold them.
async fn board_answers(store: &Store) -> Result<Map<String, Value>, Failure> {
    let at = now();
    let mut monitoring = Vec::new();
    // Each package carries its protocol: the Board counts under the version it names.
    let mut protocols = board::BoardProtocols::new();
    for item in escalate_api::cases::list(store, true, None, at).await? {
        let src = sources(store, &item.reference, at).await?;
        protocols.add_carried(&src.case.protocol_sha256, (*src.protocol).clone());
        monitoring.push(export::monitoring(
            store.profile(),
            &src.case,
            &src.protocol,
            store.calendar(),
            "Timescales helped both agencies keep the child in view.",
            true,
            at,
        ));
    }
    let selection = Selection {
        from: at.date() - chrono::Duration::days(365),
        to: at.date(),
        agency: None,
        protocol: None,
    };
    let figures = board::figures(
        &selection.apply(&monitoring),
        &protocols,
        selection.from,
        selection.to,
        at,
    );
    let (agencies, protocols) = board::choices(&monitoring);
    let mut behind = Map::new();
    for dim in Dimension::ALL {
        let name = serde_json::to_value(dim)?;
        let name = name.as_str().unwrap_or_default().to_owned();
        let keys: BTreeSet<String> = monitoring.iter().map(|m| board::bucket(m, dim)).collect();
        for key in keys {
            let lines = board::behind(&monitoring, &selection, dim, &key);
            behind.insert(format!("{name}|{key}"), serde_json::to_value(lines)?);
        }
    }
    let mut out = Map::new();
    out.insert(
        "board_overview".into(),
        json!({"figures": figures, "agencies": agencies, "protocols": protocols,
               "records": monitoring.len()}),
    );
    out.insert("board_cases".into(), Value::Object(behind));
    Ok(out)
}

fn main() -> Result<(), Failure> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: ui-fixtures OUT.json")?;
    let dir = tempfile::tempdir()?;
    let board_dir = dir.path().join("partnership-board");
    let bundle_dir = dir.path().join("bundle-chosen");
    tauri::async_runtime::block_on(partnership_board(&board_dir, &bundle_dir))?;
    let mut fixtures = lead_answers(dir.path(), &bundle_dir)?;
    // The commands closed the demo store; the Board's figures read it again.
    let demo_dir = escalate_app::state::DataPaths::beside(&dir.path().join("data")).demo;
    let board = tauri::async_runtime::block_on(async {
        let pass = Passphrase::new(demo::PASSPHRASE);
        let store = Store::open(&demo_dir, Some(&pass), &NoKeyring).await?;
        let answers = board_answers(&store).await;
        let mut trusted = Map::new();
        let scratch = dir.path().join("packages");
        let made = match std::fs::create_dir_all(&scratch) {
            Ok(()) => trust_answers(&store, &board_dir, &scratch, &mut trusted).await,
            Err(e) => Err(e.into()),
        };
        store.close().await;
        made?;
        answers.map(|mut a| {
            join(&mut a, trusted);
            a
        })
    })?;
    join(&mut fixtures, board);
    let known: BTreeSet<&str> = escalate_app::commands::COMMANDS
        .iter()
        .map(|c| c.name)
        .collect();
    if let Some(unknown) = fixtures.keys().find(|k| !known.contains(k.as_str())) {
        return Err(format!("'{unknown}' is not a command the shell registers").into());
    }
    let sorted: BTreeMap<_, _> = fixtures.into_iter().collect();
    std::fs::write(&out, serde_json::to_vec_pretty(&sorted)?)?;
    Ok(())
}
