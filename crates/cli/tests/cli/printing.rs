//! What the CLI prints from a protocol file or the store reaches the terminal cleaned:
//! an installed protocol's escapes are shown, never obeyed; and the messages a lead
//! reads name what they typed.

use std::path::Path;

use crate::lead::Lead;

/// An escape that writes the clipboard (OSC 52) and one that clears the screen.
const OSC52: &str = "\\u001b]52;c;Y3VybCBldmlsLnNo\\u0007";
const CLEAR: &str = "\\u001b[2J";

fn assert_no_controls(what: &str, text: &str) {
    for c in text.chars() {
        assert!(
            c == '\n' || c == '\t' || !c.is_control(),
            "{what} prints {c:?}: {text:?}"
        );
    }
    assert!(!text.contains('\u{202E}'), "{what}: {text:?}");
}

/// South Ayrshire's file with escapes in its name, a route's name and stage titles.
fn hostile_protocol(lead: &Lead) -> std::path::PathBuf {
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/protocols/south-ayrshire.toml"),
    )
    .unwrap();
    let src = src
        .replacen(
            "name = \"South Ayrshire",
            &format!("name = \"{OSC52}{CLEAR}South Ayrshire"),
            1,
        )
        .replace("title = \"", &format!("title = \"{CLEAR}"))
        .replacen(
            "name = \"Dissent on",
            &format!("name = \"{OSC52}Dissent on"),
            1,
        );
    let file = lead.root().join("hostile.toml");
    std::fs::write(&file, src).unwrap();
    file
}

#[test]
fn an_installed_protocols_escapes_never_reach_the_terminal() {
    let lead = Lead::new();
    let file = hostile_protocol(&lead);
    let installed = lead.ok(&["protocol", "install", file.to_str().unwrap()]);
    assert_no_controls("protocol install", &installed);

    let listed = lead.ok(&["protocols"]);
    assert_no_controls("protocols", &listed);
    assert!(
        listed.contains("␛]52;c;Y3VybCBldmlsLnNo␇␛[2JSouth Ayrshire"),
        "{listed}"
    );

    for (what, shown) in [
        (
            "protocol show (file)",
            lead.ok(&["protocol", "show", file.to_str().unwrap()]),
        ),
        (
            "protocol show (installed)",
            lead.ok(&["protocol", "show", "south-ayrshire"]),
        ),
    ] {
        assert_no_controls(what, &shown);
        assert!(
            shown.starts_with("south-ayrshire\t␛]52;c;Y3VybCBldmlsLnNo␇␛[2JSouth Ayrshire"),
            "{what}: {shown}"
        );
        assert!(
            shown.contains(": ␛[2JDissent brought to the head of service\n"),
            "{what}: {shown}"
        );
    }

    for route in [None, Some("dissent")] {
        let mut args = vec![
            "plan",
            "--protocol",
            "south-ayrshire",
            "--opened",
            "2026-11-23T09:00",
        ];
        if let Some(r) = route {
            args.extend(["--route", r]);
        }
        let plan = lead.ok(&args);
        assert_no_controls("plan", &plan);
        assert!(plan.contains("\t␛[2J"), "{plan}");
    }

    let r = lead
        .ok(&[
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
            "south-ayrshire",
            "--route",
            "dissent",
        ])
        .trim_end()
        .to_owned();
    let shown = lead.ok(&["case", "show", &r]);
    assert_no_controls("case show", &shown);
    assert!(shown.contains("␛[2J"), "{shown}");
    let plan = lead.ok(&["case", "plan", &r]);
    assert_no_controls("case plan", &plan);
    assert!(
        plan.contains("route\tdissent\t␛]52;c;Y3VybCBldmlsLnNo␇Dissent on"),
        "{plan}"
    );
}

#[test]
fn case_plan_names_no_route_for_a_protocol_without_routes() {
    let lead = Lead::new();
    let r = lead
        .ok(&[
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
            "four-stage",
        ])
        .trim_end()
        .to_owned();
    let plan = lead.ok(&["case", "plan", &r]);
    assert!(!plan.contains("route\t"), "{plan}");
    assert!(plan.starts_with("1\t"), "{plan}");
}

#[test]
fn refusals_name_the_option_or_file_as_typed() {
    let lead = Lead::new();
    let r = lead
        .ok(&[
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
        ])
        .trim_end()
        .to_owned();
    let (code, err) = lead.refuses(&[
        "case",
        "shorten",
        &r,
        "--due",
        "2026-11-22T09:00",
        "--reason",
        "The child is at risk.",
    ]);
    assert_eq!(code, 2);
    assert!(err.starts_with("escalate: --due: 2026-11-22"), "{err}");
    assert!(err.contains("give a later date and time"), "{err}");

    // The same file installed twice: the second names the file by its path.
    let file = lead.root().join("ayr.toml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/protocols/south-ayrshire.toml"),
        &file,
    )
    .unwrap();
    lead.ok(&["protocol", "install", file.to_str().unwrap()]);
    let (code, err) = lead.refuses(&["protocol", "install", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with(&format!(
            "escalate: {}: this file is already installed",
            file.display()
        )),
        "{err}"
    );
    assert!(!err.contains("FILE"), "{err}");
}
