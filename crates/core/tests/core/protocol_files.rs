//! Protocol files as a partnership (or a mistake, or an attacker) might write them:
//! arbitrary text and mutations of the five shipped files are parsed or refused with
//! `file:line: field: message` lines, never a panic, and the report stays bounded.

use escalate_core::protocol::{MAX_PROTOCOL_FILE_BYTES, MAX_REPORTED_ERRORS};
use escalate_core::{Protocol, ProtocolErrors};
use proptest::prelude::*;

const SHIPPED: [(&str, &str); 5] = [
    (
        "western-bay.toml",
        include_str!("../../../../assets/protocols/western-bay.toml"),
    ),
    (
        "london.toml",
        include_str!("../../../../assets/protocols/london.toml"),
    ),
    (
        "four-stage.toml",
        include_str!("../../../../assets/protocols/four-stage.toml"),
    ),
    (
        "doncaster.toml",
        include_str!("../../../../assets/protocols/doncaster.toml"),
    ),
    (
        "south-gloucestershire.toml",
        include_str!("../../../../assets/protocols/south-gloucestershire.toml"),
    ),
];

/// The report is short, each line is `file:line: field: message` (or `file: field:
/// message` where no line can be found), and lines point into the file.
pub(crate) fn assert_reported(src: &str, e: &ProtocolErrors) {
    assert!(!e.errors.is_empty(), "an error with no problems in it");
    assert!(
        e.errors.len() <= MAX_REPORTED_ERRORS,
        "{} kept",
        e.errors.len()
    );
    let lines = src.lines().count().max(1) + 1;
    for p in &e.errors {
        assert_eq!(p.file, "p.toml");
        assert!(!p.field.is_empty() && !p.message.trim().is_empty(), "{p}");
        if let Some(line) = p.line {
            assert!((1..=lines).contains(&line), "line {line} of {lines}: {p}");
        }
        let shown = p.to_string();
        let prefix = match p.line {
            Some(l) => format!("p.toml:{l}: {}: ", p.field),
            None => format!("p.toml: {}: ", p.field),
        };
        assert!(shown.starts_with(&prefix), "{shown}");
    }
    assert!(
        e.errors.windows(2).all(|w| w[0].line <= w[1].line),
        "not in file order: {e}"
    );
    let shown = e.to_string();
    assert!(
        shown.lines().count() >= e.errors.len() + usize::from(e.more > 0),
        "{shown}"
    );
}

pub(crate) fn check(src: &str) {
    if let Err(e) = Protocol::from_toml(src, "p.toml") {
        assert_reported(src, &e);
    }
}

/// One edit to a shipped file: a cut, an inserted piece of TOML, a line repeated or a
/// value replaced.
#[derive(Debug, Clone)]
pub(crate) enum Edit {
    Cut(usize, usize),
    Insert(usize, String),
    RepeatLine(usize, usize),
    Value(usize, String),
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"\"".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just("\n[[stages]]\n".to_owned()),
        Just("\n[stages.timescale]\n".to_owned()),
        Just("4294967296".to_owned()),
        Just("-1".to_owned()),
        Just("\"999999 working days\"".to_owned()),
        Just("\"4294967295 hours\"".to_owned()),
        Just("\"0 hours\"".to_owned()),
        Just("\"risk-analysis\"".to_owned()),
        Just("true".to_owned()),
        Just("1979-05-27T07:32:00Z".to_owned()),
        "[\\[\\]{}=\",.a-z0-9 \n#-]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

pub(crate) fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0usize..20_000, 0usize..200).prop_map(|(at, n)| Edit::Cut(at, n)),
        (0usize..20_000, piece()).prop_map(|(at, p)| Edit::Insert(at, p)),
        (0usize..400, 1usize..50).prop_map(|(line, n)| Edit::RepeatLine(line, n)),
        (0usize..20_000, piece()).prop_map(|(at, p)| Edit::Value(at, p)),
    ]
}

pub(crate) fn apply(src: &str, e: &Edit) -> String {
    let clamp = |i: usize| {
        let mut i = i.min(src.len());
        while !src.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    match e {
        Edit::Cut(at, n) => format!("{}{}", &src[..clamp(*at)], &src[clamp(at + n)..]),
        Edit::Insert(at, p) => format!("{}{p}{}", &src[..clamp(*at)], &src[clamp(*at)..]),
        Edit::RepeatLine(line, n) => {
            let lines: Vec<&str> = src.lines().collect();
            let Some(l) = lines.get(line % lines.len().max(1)) else {
                return src.to_owned();
            };
            let mut out: Vec<&str> = lines.clone();
            let at = line % lines.len().max(1);
            for _ in 0..*n {
                out.insert(at, l);
            }
            out.join("\n")
        }
        Edit::Value(at, p) => {
            // The value after the next '=' up to the end of its line.
            let a = clamp(*at);
            let Some(eq) = src[a..].find('=').map(|i| a + i + 1) else {
                return src.to_owned();
            };
            let end = src[eq..].find('\n').map_or(src.len(), |i| eq + i);
            format!("{} {p}{}", &src[..eq], &src[end..])
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_is_parsed_or_reported(src in any::<String>()) {
        check(&src);
    }

    #[test]
    fn toml_like_text_is_parsed_or_reported(src in "[\\[\\]{}=\",.a-z0-9 \n#-]{0,200}") {
        check(&src);
    }

    #[test]
    fn edited_shipped_files_are_parsed_or_reported(
        which in 0usize..5,
        edits in prop::collection::vec(edit(), 1..5),
    ) {
        let (_, original) = SHIPPED[which];
        let src = edits.iter().fold(original.to_owned(), |s, e| apply(&s, e));
        check(&src);
    }

    /// Empty principles put at chosen lines are reported at exactly those lines, the
    /// first hundred of them, with the rest counted.
    #[test]
    fn each_problem_is_reported_at_its_line(
        which in 0usize..5,
        empties in 1usize..400,
    ) {
        let (_, original) = SHIPPED[which];
        let at = original.find("principles = [").map(|i| i + "principles = [".len()).unwrap();
        let before = original[..at].lines().count();
        let src = format!("{}\n{}{}", &original[..at], "\"\",\n".repeat(empties), &original[at..]);
        let e = Protocol::from_toml(&src, "p.toml").unwrap_err();
        assert_reported(&src, &e);
        let kept = empties.min(MAX_REPORTED_ERRORS);
        prop_assert_eq!(e.errors.len(), kept);
        prop_assert_eq!(e.more, empties - kept);
        for (i, p) in e.errors.iter().enumerate() {
            prop_assert_eq!(p.line, Some(before + 1 + i));
            prop_assert_eq!(&p.field, &format!("principles[{i}]"));
        }
    }
}

#[test]
fn the_shipped_files_parse() {
    for (name, src) in SHIPPED {
        Protocol::from_toml(src, name).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn a_file_over_the_limit_is_refused_before_it_is_parsed() {
    // Over the limit by one byte, and not TOML at all: only the size is reported.
    let src = "x".repeat(MAX_PROTOCOL_FILE_BYTES + 1);
    let e = Protocol::from_toml(&src, "p.toml").unwrap_err();
    assert_eq!(e.errors.len(), 1);
    assert_eq!(
        e.to_string(),
        "p.toml: (file): is 1048577 bytes; a protocol file may be at most 1 MiB (1048576 bytes): give the protocol's own file (the shipped ones are under 20 KiB)"
    );
    // At the limit the text is parsed (and here refused for what it says).
    let src = "x".repeat(MAX_PROTOCOL_FILE_BYTES);
    let e = Protocol::from_toml(&src, "p.toml").unwrap_err();
    assert_eq!(e.errors[0].field, "(syntax)");
}

#[test]
fn a_megabyte_of_problems_lists_the_first_hundred_and_counts_the_rest() {
    let (_, original) = SHIPPED[3];
    let at = original.find("principles = [").unwrap() + "principles = [".len();
    let room = MAX_PROTOCOL_FILE_BYTES - original.len() - 1;
    let empties = room / 4;
    let src = format!(
        "{}\n{}{}",
        &original[..at],
        "\"\",\n".repeat(empties),
        &original[at..]
    );
    assert!(src.len() <= MAX_PROTOCOL_FILE_BYTES);
    let e = Protocol::from_toml(&src, "p.toml").unwrap_err();
    assert_eq!(e.errors.len(), MAX_REPORTED_ERRORS);
    assert_eq!(e.more, empties - MAX_REPORTED_ERRORS);
    let shown = e.to_string();
    assert_eq!(shown.lines().count(), MAX_REPORTED_ERRORS + 1);
    assert!(shown.lines().last().unwrap().starts_with(&format!(
        "p.toml: and {} more problems not listed",
        empties - MAX_REPORTED_ERRORS
    )));
}

#[test]
fn deep_nesting_is_refused_by_the_parser() {
    for src in [
        format!("x = {}{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!("x = {}1{}", "{a=".repeat(50_000), "}".repeat(50_000)),
        format!("[{}]\nb = 1", vec!["a"; 100_000].join(".")),
    ] {
        let e = Protocol::from_toml(&src, "p.toml").unwrap_err();
        assert_eq!(e.errors.len(), 1, "{e}");
        assert_eq!(e.errors[0].field, "(syntax)", "{e}");
    }
}

#[test]
fn a_misplaced_informal_stage_is_told_what_is_wrong_and_how_to_fix_it() {
    let (_, doncaster) = SHIPPED[3];
    let messages = |src: &str| -> Vec<String> {
        let e = Protocol::from_toml(src, "p.toml").unwrap_err();
        e.errors.iter().map(|p| p.message.clone()).collect()
    };
    // Numbered other than 0.
    let renumbered = doncaster.replacen(
        "number = 0\ninformal = true",
        "number = 2\ninformal = true",
        1,
    );
    assert_ne!(renumbered, doncaster);
    let found = messages(&renumbered);
    assert!(
        found.contains(
            &"an informal stage is numbered 0, not 2: set `number = 0`, or remove `informal = true` if it is a formal stage"
                .to_owned()
        ),
        "{found:?}"
    );
    // Numbered 0 but after the formal stages: never "numbered 0, not 0".
    let start = doncaster.find("[[stages]]\nnumber = 0").unwrap();
    let end = doncaster
        .find("# ---------------------------------------------------------------- Stage 1")
        .unwrap();
    let moved = format!(
        "{}{}\n{}",
        &doncaster[..start],
        &doncaster[end..],
        &doncaster[start..end]
    );
    let found = messages(&moved);
    assert!(
        found.iter().any(|m| m.starts_with(
            "Stage 0 is informal but comes after a formal stage: an informal stage must come first, as Stage 0; move it before the formal stages"
        )),
        "{found:?}"
    );
    assert!(!found.iter().any(|m| m.contains("not 0")), "{found:?}");
}

/// Doncaster's file with its version line replaced by `version`, written as a TOML
/// basic string (so any character can be given escaped).
fn doncaster_versioned(version: &str) -> String {
    let (_, src) = SHIPPED[3];
    let line = src
        .lines()
        .find(|l| l.starts_with("version = "))
        .unwrap()
        .to_owned();
    let escaped: String = version
        .chars()
        .map(|c| match c {
            '"' | '\\' => format!("\\{c}"),
            c if c.is_control() || !c.is_ascii() => format!("\\u{:04X}", u32::from(c)),
            c => c.to_string(),
        })
        .collect();
    src.replacen(&line, &format!("version = \"{escaped}\""), 1)
}

fn version_refusal(version: &str) -> Option<String> {
    match Protocol::from_toml(&doncaster_versioned(version), "d.toml") {
        Ok(_) => None,
        Err(e) => {
            let v: Vec<_> = e.errors.iter().filter(|e| e.field == "version").collect();
            assert_eq!(v.len(), e.errors.len(), "only the version is at fault: {e}");
            Some(v.first().map(|e| e.message.clone()).unwrap_or_default())
        }
    }
}

#[test]
fn a_version_is_printable_text() {
    assert_eq!(version_refusal("2024.1"), None);
    assert_eq!(version_refusal("Revised March 2025 (v2)"), None);
    for (bad, says) in [
        ("2024.1\u{1b}[2J", "control character U+001B"),
        ("2024.1\u{202E}", "invisible character U+202E"),
        ("2024\u{200B}.1", "invisible character U+200B"),
        (" 2024.1", "starts or ends with a space"),
        ("2024.1\u{a0}", "starts or ends with a space"),
    ] {
        let said = version_refusal(bad).unwrap_or_else(|| panic!("{bad:?} installed"));
        assert!(said.contains(says), "{bad:?}: {said}");
    }
}

fn invisible() -> impl Strategy<Value = char> {
    prop_oneof![
        (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
        Just('\u{7f}'),
        Just('\u{85}'),
        Just('\u{200B}'),
        Just('\u{200D}'),
        Just('\u{200E}'),
        Just('\u{202A}'),
        Just('\u{202E}'),
        Just('\u{2066}'),
        Just('\u{2069}'),
        Just('\u{FEFF}'),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Plain printable versions read; the same with a control, direction or
    /// zero-width character anywhere in it is refused, naming `version`.
    #[test]
    fn a_version_with_an_invisible_character_is_refused(
        version in "[A-Za-z0-9][A-Za-z0-9 .()-]{0,20}[A-Za-z0-9]",
        at in any::<prop::sample::Index>(),
        c in invisible(),
    ) {
        prop_assert_eq!(version_refusal(&version), None);
        let mut chars: Vec<char> = version.chars().collect();
        chars.insert(at.index(chars.len() + 1), c);
        let bad: String = chars.into_iter().collect();
        prop_assert!(version_refusal(&bad).is_some(), "{:?} read", bad);
    }

    /// Versions that fold the same look the same: a no-break space for a space, a
    /// zero-width mark, another case.
    #[test]
    fn look_alike_versions_fold_the_same(version in "[A-Za-z0-9]{1,8}( [A-Za-z0-9]{1,8}){0,3}") {
        let folded = escalate_core::protocol::version_folded(&version);
        let nbsp = version.replace(' ', "\u{a0}");
        let marked = format!("{}\u{200B}", version.to_uppercase());
        prop_assert_eq!(escalate_core::protocol::version_folded(&nbsp), folded.clone());
        prop_assert_eq!(escalate_core::protocol::version_folded(&marked), folded);
    }
}
