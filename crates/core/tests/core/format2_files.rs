//! Format 2 files as a partnership (or a mistake) might write them: each rule of the
//! new keys is refused with `file:line: field: message`, and edited real-protocol
//! fixtures are parsed or reported, never a panic.

use escalate_core::Protocol;
use proptest::prelude::*;

use crate::fixtures::FIXTURES;
use crate::protocol_files::{apply, assert_reported, check, edit};

const WY: &str = include_str!("../../../../tests/protocols/west-yorkshire.toml");

/// The problems with `src`, as `line: field: message` (the file name left off).
fn problems(src: &str) -> Vec<String> {
    let e = Protocol::from_toml(src, "p.toml").unwrap_err();
    assert_reported(src, &e);
    e.errors
        .iter()
        .map(|p| format!("{}: {}: {}", p.line.unwrap_or(0), p.field, p.message))
        .collect()
}

fn line_of(src: &str, needle: &str) -> usize {
    src.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn a_run_must_lie_inside_the_routes_stages() {
    let src = WY.replace("stages = [1, 5]", "stages = [2, 9]");
    let at = line_of(&src, "stages = [2, 9]");
    assert_eq!(
        problems(&src),
        [format!("{at}: limits[0].stages[1]: there is no formal Stage 9 here: use one of 1, 2, 3, 4, 5, 6")]
    );
    let src = WY.replace("stages = [1, 5]", "stages = [5, 1]");
    assert_eq!(
        problems(&src),
        [format!(
            "{}: limits[0].stages: the run starts at Stage 5 and ends at Stage 1: give the first stage, then the last",
            line_of(&src, "stages = [5, 1]")
        )]
    );
    let src = WY.replace("stages = [1, 5]", "stages = [1]");
    assert!(problems(&src)[0].contains("give the run's first and last stage, e.g. stages = [1, 5]"));
}

#[test]
fn one_cap_and_ids_that_name_one_limit() {
    let cap =
        "[[limits]]\nid = \"all\"\ncap = true\nwithin = \"20 working days\"\nwords = \"All.\"\n\n";
    let src = WY.replace(
        "[[stages]]\nnumber = 1\n",
        &format!(
            "{cap}{}[[stages]]\nnumber = 1\n",
            cap.replace("\"all\"", "\"every\"")
        ),
    );
    let p = problems(&src);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("limits[2].cap: only one limit may be the cap on the whole process"),
        "{p:?}"
    );
    let src = WY.replace("id = \"steps-1-5\"", "id = \"timescale\"");
    assert!(problems(&src)[0].contains("'timescale' names each stage's own timescale"));
    let src = WY.replace("from = \"case-start\"", "from = \"resolution\"");
    assert!(problems(&src)[0].contains("limits[0].from: a limit cannot count from 'resolution'"));
    let src = WY.replace(
        "from = \"case-start\"",
        "from = \"case-start\"\nfrom_stage = 2",
    );
    assert!(problems(&src)[0].contains("from_stage is only read with from = \"stage-start\""));
    let src = WY.replace(
        "from = \"case-start\"",
        "from = \"stage-start\"\nfrom_stage = 6",
    );
    assert!(problems(&src)[0].contains("Stage 6 is not a stage this limit covers"));
    let src = WY.replace("within = \"5 working days\"", "within = \"without delay\"");
    assert!(
        problems(&src)[0].contains("limits[0].within: 'without delay' gives no date to count to")
    );
}

#[test]
fn routes_are_checked_like_the_protocol() {
    let src = WY.replace("id = \"immediate\"", "id = \"standard\"");
    assert!(problems(&src)[0].contains("routes[0].id: 'standard' is the standard route's id"));
    let src = WY.replace(
        "[[routes.stages]]\nnumber = 1",
        "[[routes.stages]]\nnumber = 2",
    );
    assert_eq!(
        problems(&src),
        [format!(
            "{}: routes[0].stages[0].number: the route's own stages are numbered on from the stages it takes: expected 1, found 2",
            line_of(&src, "[[routes.stages]]") + 1
        )]
    );
    let src = WY.replace(
        "words = \"Immediate / 24 hour Escalation\"",
        "words = \"  \"",
    );
    assert!(problems(&src)[0].contains("routes[0].stages[0].timescale.words: must not be empty"));
    let src = WY.replace(
        "[[routes.stages]]",
        "use_stages = [1, 9, 9]\n\n[[routes.stages]]",
    );
    let p = problems(&src);
    assert!(
        p.iter()
            .any(|x| x.contains("routes[0].use_stages[1]: the protocol has no Stage 9")),
        "{p:?}"
    );
    let src = WY.replace(
        "[[routes.stages]]",
        "[[routes.timescales]]\nstage = 1\nwithin = \"2 hours\"\nwords = \"w\"\n\n[[routes.stages]]",
    );
    assert!(problems(&src)[0]
        .contains("Stage 1 is the route's own: give its timescale in its [[routes.stages]] table"));
    let src = WY.replace(
        "[[routes.stages]]",
        "[[routes.timescales]]\nstage = 1\nwithin = \"2 hours\"\nwords = \"w\"\ncolour = \"red\"\n\n[[routes.stages]]",
    );
    let e = Protocol::from_toml(&src, "p.toml").unwrap_err();
    assert!(e.to_string().contains("unknown field `colour`"), "{e}");
    assert!(e.errors[0].line.is_some(), "{e}");
    // Written and read back, a route's timescale is the same.
    let src = WY.replace(
        "[[routes]]\nid = \"immediate\"",
        "[[routes]]\nid = \"slow\"\nname = \"n\"\nwords = \"w\"\nuse_stages = [1, 6]\n\n[[routes.timescales]]\nstage = 6\nwithin = \"3 days\"\nwords = \"w\"\n\n[[routes]]\nid = \"immediate\"",
    );
    let p = Protocol::from_toml(&src, "p.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        p.route(Some("slow")).unwrap().timescale(6).unwrap().within,
        escalate_core::Limit::CalendarDays(3)
    );
    let back: Protocol = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
}

#[test]
fn skipping_optional_and_extensions_need_their_words() {
    let src = WY.replace(
        "number = 6\ntitle = \"Step 6\"",
        "number = 6\ntitle = \"Step 6\"\noptional = true",
    );
    assert!(problems(&src)[0].contains("stages[5].optional: the last stage cannot be skipped"));
    let src = WY.replace(
        "[standard_route]",
        "[skipping]\nby = \"\"\nwords = \"w\"\nstages = [8]\n\n[standard_route]",
    );
    let p = problems(&src);
    assert!(p[0].contains("skipping.by: must not be empty"), "{p:?}");
    assert!(
        p[1].contains("skipping.stages[0]: the protocol has no Stage 8"),
        "{p:?}"
    );
    let src = WY.replace(
        "words = \"Steps 1-5 in the process should not exceed 5 working days.\"",
        "words = \"Steps 1-5 in the process should not exceed 5 working days.\"\nextension = { by = \"x\", words = \" \" }",
    );
    assert!(problems(&src)[0].contains("limits[0].extension.words: must not be empty"));
}

#[test]
fn format_2_keys_need_format_2_and_unknown_formats_are_refused() {
    let v1 = WY.replace("format = 2\n", "");
    let p = problems(&v1);
    assert!(
        p.iter().any(|x| x.contains(
            "limits: `limits` is a format 2 key: add `format = 2` at the top of the file"
        )),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|x| x.contains("routes: `routes` is a format 2 key")),
        "{p:?}"
    );
    let v3 = WY.replace("format = 2\n", "format = 3\n");
    assert_eq!(
        problems(&v3)[0],
        format!(
            "{}: format: format 3 is not one this Escalate reads: write 2, or leave `format` out for format 1 (a newer Escalate may read format 3)",
            line_of(&v3, "format = 3")
        )
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn edited_fixtures_are_parsed_or_reported(
        which in 0usize..FIXTURES.len(),
        edits in prop::collection::vec(edit(), 1..5),
    ) {
        let (_, original) = FIXTURES[which];
        let src = edits.iter().fold(original.to_owned(), |s, e| apply(&s, e));
        check(&src);
    }
}

#[test]
fn a_megabyte_of_routes_is_refused_with_a_bounded_report() {
    let route = "[[routes]]\nid = \"r\"\nname = \"n\"\nwords = \"w\"\nuse_stages = [1, 2, 3, 4, 5, 6, 6]\n\n";
    let mut src = WY.to_owned();
    while src.len() + route.len() < escalate_core::protocol::MAX_PROTOCOL_FILE_BYTES {
        src.push_str(route);
    }
    let e = Protocol::from_toml(&src, "p.toml").unwrap_err();
    assert_reported(&src, &e);
    assert!(
        e.to_string()
            .contains("routes: at most 20 routes are supported"),
        "{e}"
    );
    // Only the routes the format supports are checked one by one: the rest are refused
    // by the count.
    assert!(
        e.errors.iter().all(|p| !p.field.starts_with("routes[20]")),
        "{e}"
    );
}
