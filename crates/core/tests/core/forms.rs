//! Record fields and forms as data: what a protocol file may declare, each mistake
//! refused as `file:line: field: message`, arbitrary sections never a panic, and a
//! field the protocol requires before escalation holding a case at its stage.

use escalate_core::form::{ItemKind, Source, Space, Value};
use escalate_core::protocol::{RecordField, Requirement};
use escalate_core::{Case, Opening, Protocol, ProtocolErrors};
use proptest::prelude::*;

use crate::protocol_files::{apply, assert_reported, check, edit};
use crate::{dt, record};

/// A small valid protocol in `format`, with a notification to refer to, and `more`
/// (record fields and forms) after it.
fn file(format: u8, more: &str) -> String {
    let format_line = if format == 2 { "format = 2\n" } else { "" };
    format!(
        r#"{format_line}id = "test"
name = "Test protocol"
partnership = "Test Partnership"
version = "1"
source = "unit test"
calendar = "england-and-wales"
record_keeping = "Keep records."

[immediate_risk]
higher_stage = false
words = "No skipping."

[[stages]]
number = 1
title = "Practitioners"
led_by = "Practitioners"
contact = "The other practitioner"
actions = ["Discuss."]
next_step = "Escalate to Stage 2."
record = {{ required = true, words = "Write it down.", fields = ["risk-analysis"] }}

[[stages.notifications]]
id = "copy-to-unit"
to = "The unit"
what = "A copy."
on = "discussion"

[[stages]]
number = 2
title = "Managers"
led_by = "Managers"
contact = "The other manager"
actions = ["Discuss."]
next_step = "Refer to the Board."
record = {{ required = true, words = "Write it down." }}
{more}"#
    )
}

/// The line of the first line holding `needle` (1-based).
fn line_of(src: &str, needle: &str) -> usize {
    src.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in the file"))
        + 1
}

fn refused(src: &str) -> ProtocolErrors {
    let e = Protocol::from_toml(src, "p.toml").expect_err("refused");
    assert_reported(src, &e);
    e
}

/// The one problem reported, as `p.toml:line: field: message`.
fn only(src: &str) -> String {
    let e = refused(src);
    assert_eq!(e.errors.len(), 1, "{e}");
    e.to_string()
}

const FIELD: &str = r#"
[[record_fields]]
id = "risk-analysis"
label = "The risk, in this partnership's words"
help = "What the risk is."
required_to_escalate = true
"#;

const FORM: &str = r#"
[[forms]]
id = "our-form"
title = "Our form"

[[forms.sections]]
heading = "About the child"

[[forms.sections.items]]
label = "Child"
from = "child.name"

[[forms.sections.items]]
label = "Risk"
text = "{field.risk-analysis}\nSent: {sent.copy-to-unit}"
space = "3 lines"

[[forms.sections.items]]
label = "Stage resolved"
tick = "stage-resolved"

[[forms.sections.items]]
paragraph = "Keep a copy."
"#;

#[test]
fn a_format_2_file_declares_its_fields_and_forms() {
    let src = file(2, &format!("{FIELD}{FORM}"));
    let p = Protocol::from_toml(&src, "p.toml").unwrap_or_else(|e| panic!("{e}"));
    let risk = RecordField::new("risk-analysis").unwrap();
    assert_eq!(
        p.field_label(&risk),
        "The risk, in this partnership's words"
    );
    let form = p.form(&"our-form".parse().unwrap()).unwrap();
    assert_eq!(p.form_ids().len(), 3, "its own, then the two built in");
    assert_eq!(p.board_form(), escalate_core::FormId::CHRONOLOGY);
    let items = &form.sections[0].items;
    assert!(matches!(
        items[0].kind(),
        ItemKind::Field {
            value: Value::From(Source::Fact(_)),
            space: Space::Lines(1),
            ..
        }
    ));
    assert!(matches!(
        items[1].kind(),
        ItemKind::Field {
            value: Value::Text(_),
            space: Space::Lines(3),
            ..
        }
    ));
    assert!(matches!(items[2].kind(), ItemKind::Ticks { .. }));
    assert!(matches!(items[3].kind(), ItemKind::Paragraph(_)));
}

#[test]
fn a_format_1_file_without_fields_has_the_seven_it_always_had() {
    let p = Protocol::from_toml(&file(1, ""), "p.toml").unwrap();
    assert_eq!(p.record_fields.len(), 7);
    assert!(p.record_field("lessons").is_some());
    // A format 2 file has only what it declares: naming another is refused, with the fix.
    let src = file(2, "");
    let at = line_of(&src, "fields = [\"risk-analysis\"]");
    assert_eq!(
        only(&src),
        format!("p.toml:{at}: stages[0].record.fields[0]: 'risk-analysis' is not a record field of this protocol: declare it in a [[record_fields]] table (id, label)")
    );
    // …as is, in any format, a field no declaration has.
    let src = file(1, "").replace("[\"risk-analysis\"]", "[\"colour\"]");
    assert!(only(&src).ends_with("'colour' is not a record field of this protocol: declare it in a [[record_fields]] table (id, label), or use one of desired-outcome, evidence, lead-advice, lessons, minutes, risk-analysis, route"), "{}", only(&src));
}

#[test]
fn each_mistake_in_fields_and_forms_names_its_line_and_field() {
    let base = format!("{FIELD}{FORM}");
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "from = \"child.name\"",
            "from = \"child.shoe-size\"",
            "forms[0].sections[0].items[0].from",
            "'child.shoe-size' is not something a form is filled from",
        ),
        (
            "{field.risk-analysis}",
            "{field.lessons}",
            "forms[0].sections[0].items[1].text",
            "'lessons' is not a record field of this protocol",
        ),
        (
            "{sent.copy-to-unit}",
            "{sent.nobody}",
            "forms[0].sections[0].items[1].text",
            "'nobody' is not a notification of this protocol",
        ),
        (
            "{field.risk-analysis}",
            "{field.risk-analysis",
            "forms[0].sections[0].items[1].text",
            "a '{' is not closed",
        ),
        (
            "space = \"3 lines\"",
            "space = \"3 inches\"",
            "forms[0].sections[0].items[1].space",
            "'3 inches' is not room on a form",
        ),
        (
            "tick = \"stage-resolved\"",
            "tick = \"stage-resolved\"\noptions = [7]",
            "forms[0].sections[0].items[2].options[0]",
            "the protocol has no Stage 7",
        ),
        (
            "tick = \"stage-resolved\"",
            "tick = \"coin-toss\"",
            "forms[0].sections[0].items[2].tick",
            "'coin-toss' is not a tick-box group",
        ),
        (
            "paragraph = \"Keep a copy.\"",
            "paragraph = \"Keep a copy.\"\nfrom = \"child.name\"",
            "forms[0].sections[0].items[3].from",
            "a paragraph has no `from`",
        ),
        (
            "label = \"Child\"\nfrom",
            "from",
            "forms[0].sections[0].items[0].label",
            "a labelled box needs a `label`",
        ),
        (
            "id = \"our-form\"",
            "id = \"chronology\"",
            "forms[0].id",
            "'chronology' is a form every protocol has, built in",
        ),
        (
            "id = \"our-form\"",
            "id = \"Our Form\"",
            "forms[0].id",
            "'Our Form' is not a form id",
        ),
        (
            "title = \"Our form\"",
            "title = \" \"",
            "forms[0].title",
            "must not be empty",
        ),
        (
            "label = \"The risk, in this partnership's words\"",
            "label = \"\"",
            "record_fields[0].label",
            "must not be empty",
        ),
        (
            "required_to_escalate = true",
            "required_to_escalate = true\ncolour = \"red\"",
            "record_fields[0].colour",
            "unknown field `colour`",
        ),
    ];
    for (from, to, field, message) in cases {
        let src = file(2, &base.replacen(from, to, 1));
        let e = refused(&src);
        let hit = e
            .errors
            .iter()
            .find(|p| p.field == *field)
            .unwrap_or_else(|| panic!("{to}: no problem at {field}: {e}"));
        assert!(hit.message.contains(message), "{to}: {hit}");
        let line = hit.line.unwrap_or_else(|| panic!("{to}: no line: {hit}"));
        let wanted = to.lines().last().unwrap_or(to);
        let text = src.lines().nth(line - 1).unwrap_or_default();
        assert!(
            text.contains(wanted) || text.starts_with('[') || field.ends_with("label"),
            "{to}: line {line} is '{text}'"
        );
    }
}

#[test]
fn a_stage_names_only_forms_the_protocol_has() {
    let src = file(2, &format!("{FIELD}{FORM}")).replace(
        "[[stages]]\nnumber = 2",
        "[[stages.forms]]\nform = \"their-form\"\non = \"discussion\"\nwords = \"Use it.\"\n\n[[stages]]\nnumber = 2",
    );
    let at = line_of(&src, "form = \"their-form\"");
    assert_eq!(
        only(&src),
        format!("p.toml:{at}: stages[0].forms[0].form: 'their-form' is not a form of this protocol: declare it in a [[forms]] table, or use one of chronology, our-form, stage-record")
    );
    assert!(Protocol::from_toml(&src.replace("their-form", "our-form"), "p.toml").is_ok());
}

#[test]
fn one_form_at_most_goes_to_the_board_and_ids_are_not_repeated() {
    let two = format!(
        "{FIELD}{}{}",
        FORM.replace("title = \"Our form\"", "title = \"Our form\"\nboard = true"),
        FORM.replace("title = \"Our form\"", "title = \"Again\"\nboard = true")
    );
    let e = refused(&file(2, &two));
    let fields: Vec<&str> = e.errors.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["forms[1].id", "forms[1].board"], "{e}");
    assert!(e.errors[0].message.contains("declared twice"), "{e}");
    assert!(e.errors[1].message.contains("'our-form' is already"), "{e}");
}

#[test]
fn a_field_the_protocol_requires_holds_the_case_until_a_record_has_it() {
    let p = Protocol::from_toml(&file(2, FIELD), "p.toml").unwrap();
    let mut case = Case::open(&p, dt("2026-11-02T09:00"), Opening::default()).unwrap();
    // The stage lists no escalate_requires: the field's own declaration asks for it.
    assert_eq!(
        case.escalation_blockers(&p),
        [Requirement::Field(
            RecordField::new("risk-analysis").unwrap()
        )]
    );
    case.apply(&p, record("2026-11-02T10:00", false, &[]))
        .unwrap();
    let e = case
        .apply(
            &p,
            escalate_core::Event::Escalate {
                at: dt("2026-11-02T11:00"),
                to_stage: None,
                reason: None,
                skip: None,
            },
        )
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("'risk-analysis' (The risk, in this partnership's words)"),
        "{e}"
    );
    case.apply(
        &p,
        record(
            "2026-11-02T12:00",
            false,
            &[RecordField::new("risk-analysis").unwrap()],
        ),
    )
    .unwrap();
    assert!(case.escalation_blockers(&p).is_empty());
    // A record with a field the protocol never declared is refused naming it.
    let e = case
        .apply(
            &p,
            record(
                "2026-11-02T13:00",
                false,
                &[RecordField::new("colour").unwrap()],
            ),
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "record: 'colour' is not a record field of protocol 'test': use one of risk-analysis"
    );
}

/// Lines a random item, section, form or field may be made of: good, bad and odd.
const ITEM_LINES: &[&str] = &[
    "label = \"A label\"",
    "label = \"\"",
    "from = \"child.name\"",
    "from = \"field.risk-analysis\"",
    "from = \"field.nope\"",
    "from = \"sent.copy-to-unit\"",
    "from = \"sent.\"",
    "from = \"\"",
    "from = 7",
    "text = \"{case.summary}\\nEvidence: {field.risk-analysis}\"",
    "text = \"{{literal}} {case.summary\"",
    "text = \"}\"",
    "space = \"3 lines\"",
    "space = \"250 mm\"",
    "space = \"251 mm\"",
    "space = \"65535 lines\"",
    "space = \"-1 mm\"",
    "tick = \"stage-resolved\"",
    "tick = \"immediate-risk\"",
    "tick = \"roll\"",
    "options = [1, 2]",
    "options = [1, 1]",
    "options = [300]",
    "options = [-1]",
    "labels = [\"Yes\", \"No\"]",
    "labels = [\"\"]",
    "paragraph = \"Words.\"",
    "paragraph = \"\"",
    "stages = [1]",
    "stages = [9]",
    "colour = \"red\"",
];

const SECTION_LINES: &[&str] = &[
    "heading = \"A heading\"",
    "heading = \"\"",
    "keep_together = true",
    "keep_together = \"yes\"",
    "space_after = \"0 mm\"",
    "space_after = \"lots\"",
];

const FORM_LINES: &[&str] = &[
    "id = \"a-form\"",
    "id = \"stage-record\"",
    "id = \"A Form\"",
    "title = \"A form\"",
    "title = \"\"",
    "organisation = \"An organisation\"",
    "intro = \"Words.\"",
    "board = true",
    "stages = [1, 2]",
    "stages = [2, 2]",
    "stages = [0]",
];

const FIELD_LINES: &[&str] = &[
    "id = \"risk-analysis\"",
    "id = \"risk analysis\"",
    "id = \"other-field\"",
    "label = \"A field\"",
    "label = \"\"",
    "help = \"Help.\"",
    "required_to_escalate = true",
    "multiline = false",
    "multiline = 3",
];

fn lines(
    from: &'static [&'static str],
    n: std::ops::Range<usize>,
) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(from), n).prop_map(|l| l.join("\n"))
}

/// A `[[record_fields]]` and `[[forms]]` part made of random lines.
fn declarations() -> impl Strategy<Value = String> {
    let item = lines(ITEM_LINES, 0..5).prop_map(|l| format!("\n[[forms.sections.items]]\n{l}\n"));
    let section = (
        lines(SECTION_LINES, 0..3),
        prop::collection::vec(item, 0..4),
    )
        .prop_map(|(l, items)| format!("\n[[forms.sections]]\n{l}\n{}", items.concat()));
    let form = (
        lines(FORM_LINES, 0..5),
        prop::collection::vec(section, 0..3),
    )
        .prop_map(|(l, sections)| format!("\n[[forms]]\n{l}\n{}", sections.concat()));
    let field = lines(FIELD_LINES, 0..5).prop_map(|l| format!("\n[[record_fields]]\n{l}\n"));
    (
        prop::collection::vec(field, 0..3),
        prop::collection::vec(form, 0..3),
    )
        .prop_map(|(fields, forms)| format!("{}{}", fields.concat(), forms.concat()))
}

/// Every problem in the declarations has a line, and a field path inside them (or the
/// stage record that names a field).
fn each_problem_has_a_line(src: &str) {
    if let Err(e) = Protocol::from_toml(src, "p.toml") {
        assert_reported(src, &e);
        for p in &e.errors {
            if p.field.starts_with("forms") || p.field.starts_with("record_fields") {
                assert!(p.line.is_some(), "no line: {p}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_fields_and_forms_are_parsed_or_reported(
        format in 1u8..=2,
        more in declarations(),
    ) {
        each_problem_has_a_line(&file(format, &more));
    }

    #[test]
    fn edited_form_sections_of_the_shipped_files_are_parsed_or_reported(
        which in 0usize..3,
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let src = [
            include_str!("../../../../assets/protocols/western-bay.toml"),
            include_str!("../../../../assets/protocols/south-gloucestershire.toml"),
            include_str!("../../../../assets/protocols/doncaster.toml"),
        ][which];
        // The edits fall in the forms: their offsets count from the first [[forms]].
        let at = src.find("[[forms]]").unwrap();
        let (head, forms) = src.split_at(at);
        let edited = edits.iter().fold(forms.to_owned(), |s, e| apply(&s, e));
        check(&format!("{head}{edited}"));
    }
}
