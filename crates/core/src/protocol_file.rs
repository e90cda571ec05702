//! Reading and validating a protocol file, with errors that name the file, the line
//! and the field and say what is expected.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use toml::de::{DeTable, DeValue};

use crate::protocol::{
    Anchor, Limit, Notification, Protocol, ProtocolError, ProtocolErrors, Requirement, Stage,
    MAX_PROTOCOL_FILE_BYTES, MAX_REPORTED_ERRORS,
};

/// One step of a field path: a table key or an array index.
#[derive(Debug, Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Idx(usize),
}

fn path_text(path: &[Seg<'_>]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Idx(i) => {
                let _ = write!(s, "[{i}]");
            }
        }
    }
    s
}

/// Where each line starts, found once per file so that each error's line is a binary
/// search rather than a count of newlines from the top (which made a file with many
/// errors quadratic to check).
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(src: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(
            src.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines { starts }
    }

    /// The 1-based line holding byte `pos`.
    fn at(&self, pos: usize) -> usize {
        self.starts.partition_point(|s| *s <= pos).max(1)
    }
}

/// The field a position in the file belongs to, as a path. Tables from `[header]`
/// lines have spans that cover only the header, so at each level this takes the
/// entry that starts last at or before `pos`, and descends while that is a table
/// or array.
fn field_at(tree: &DeValue<'_>, pos: usize) -> String {
    fn walk(v: &DeValue<'_>, pos: usize, out: &mut String) {
        match v {
            DeValue::Table(t) => {
                let best = t
                    .iter()
                    .filter(|(k, val)| k.span().start.min(val.span().start) <= pos)
                    .max_by_key(|(k, val)| k.span().start.min(val.span().start));
                let Some((k, val)) = best else { return };
                let nested = matches!(val.get_ref(), DeValue::Table(_) | DeValue::Array(_));
                if !nested && pos > val.span().end.max(k.span().end) {
                    // Past the last field: the position belongs to the table itself.
                    return;
                }
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k.get_ref());
                walk(val.get_ref(), pos, out);
            }
            DeValue::Array(a) => {
                let best = a
                    .iter()
                    .enumerate()
                    .filter(|(_, val)| val.span().start <= pos)
                    .max_by_key(|(_, val)| val.span().start);
                if let Some((i, val)) = best {
                    let _ = write!(out, "[{i}]");
                    walk(val.get_ref(), pos, out);
                }
            }
            _ => {}
        }
    }
    let mut out = String::new();
    walk(tree, pos, &mut out);
    if out.is_empty() {
        "(top level)".to_owned()
    } else {
        out
    }
}

/// Where a path is in the file: the line of the deepest part of it that exists.
fn line_of(lines: &Lines, tree: &DeValue<'_>, path: &[Seg<'_>]) -> Option<usize> {
    let mut cur = tree;
    let mut best: Option<usize> = None;
    for seg in path {
        let next = match (seg, cur) {
            (Seg::Key(k), DeValue::Table(t)) => t.get(*k),
            (Seg::Idx(i), DeValue::Array(a)) => a.get(*i),
            _ => None,
        };
        match next {
            Some(v) => {
                best = Some(v.span().start);
                cur = v.get_ref();
            }
            None => break,
        }
    }
    best.map(|p| lines.at(p))
}

/// Serde messages quote with backticks; keep them but drop the trailing newline noise.
fn clean(msg: &str) -> String {
    msg.trim().replace('\n', " ")
}

pub(crate) fn parse(src: &str, file: &str) -> Result<Protocol, ProtocolErrors> {
    if src.len() > MAX_PROTOCOL_FILE_BYTES {
        return Err(ProtocolErrors::one(ProtocolError {
            file: file.to_owned(),
            line: None,
            field: "(file)".to_owned(),
            message: too_large(src.len() as u64),
        }));
    }
    let lines = Lines::new(src);
    let tree = match DeTable::parse(src) {
        Ok(t) => t,
        Err(e) => {
            return Err(ProtocolErrors::one(ProtocolError {
                file: file.to_owned(),
                line: e.span().map(|s| lines.at(s.start)),
                field: "(syntax)".to_owned(),
                message: format!("not valid TOML: {}", clean(e.message())),
            }))
        }
    };
    let root = DeValue::Table(tree.into_inner());
    let protocol: Protocol = match toml::from_str(src) {
        Ok(p) => p,
        Err(e) => {
            let (line, field) = match e.span() {
                Some(s) => (Some(lines.at(s.start)), field_at(&root, s.start)),
                None => (None, "(top level)".to_owned()),
            };
            return Err(ProtocolErrors::one(ProtocolError {
                file: file.to_owned(),
                line,
                field,
                message: clean(e.message()),
            }));
        }
    };
    let mut v = Validator {
        lines: &lines,
        file,
        root: &root,
        errors: Vec::new(),
        more: 0,
    };
    v.protocol(&protocol);
    v.keep_first(MAX_REPORTED_ERRORS);
    if v.errors.is_empty() {
        Ok(protocol)
    } else {
        Err(ProtocolErrors {
            errors: v.errors,
            more: v.more,
        })
    }
}

/// The message for a protocol file over [`MAX_PROTOCOL_FILE_BYTES`].
pub(crate) fn too_large(size: u64) -> String {
    format!(
        "is {size} bytes; a protocol file may be at most 1 MiB ({MAX_PROTOCOL_FILE_BYTES} bytes): give the protocol's own file (the shipped ones are under 20 KiB)"
    )
}

struct Validator<'a> {
    lines: &'a Lines,
    file: &'a str,
    root: &'a DeValue<'a>,
    /// The problems with the lowest lines so far: at most twice the number reported.
    errors: Vec<ProtocolError>,
    /// Problems found and dropped because earlier ones fill the report.
    more: usize,
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

const ID_HELP: &str =
    "expected lower-case letters and digits joined by single hyphens, e.g. \"business-unit-copy\"";

impl Validator<'_> {
    fn err(&mut self, path: &[Seg<'_>], message: impl Into<String>) {
        self.errors.push(ProtocolError {
            file: self.file.to_owned(),
            line: line_of(self.lines, self.root, path),
            field: path_text(path),
            message: message.into(),
        });
        // Trimming back to the reported number each time the list doubles keeps the
        // memory bounded and the work linear in the number of problems.
        if self.errors.len() >= 2 * MAX_REPORTED_ERRORS {
            self.keep_first(MAX_REPORTED_ERRORS);
        }
    }

    /// Keep the `n` problems earliest in the file (in the order found within a line).
    fn keep_first(&mut self, n: usize) {
        self.errors.sort_by_key(|e| e.line);
        if self.errors.len() > n {
            self.more += self.errors.len() - n;
            self.errors.truncate(n);
        }
    }

    fn text(&mut self, path: &[Seg<'_>], value: &str) {
        if value.trim().is_empty() {
            self.err(path, "must not be empty: give the protocol's words");
        }
    }

    fn id(&mut self, path: &[Seg<'_>], value: &str) {
        if !is_id(value) {
            self.err(path, format!("'{value}' is not a valid id: {ID_HELP}"));
        }
    }

    fn protocol(&mut self, p: &Protocol) {
        use Seg::Key as K;
        self.id(&[K("id")], &p.id);
        self.text(&[K("name")], &p.name);
        self.text(&[K("partnership")], &p.partnership);
        self.text(&[K("version")], &p.version);
        self.text(&[K("source")], &p.source);
        self.text(&[K("record_keeping")], &p.record_keeping);
        self.text(&[K("immediate_risk"), K("words")], &p.immediate_risk.words);
        for (i, principle) in p.principles.iter().enumerate() {
            self.text(&[K("principles"), Seg::Idx(i)], principle);
        }

        let mut seen = BTreeSet::new();
        for (i, e) in p.exclusions.iter().enumerate() {
            let at = [K("exclusions"), Seg::Idx(i)];
            self.id(&[at[0], at[1], K("id")], &e.id);
            if !seen.insert(e.id.as_str()) {
                self.err(
                    &[at[0], at[1], K("id")],
                    format!(
                        "exclusion '{}' is defined twice: give each a different id",
                        e.id
                    ),
                );
            }
            self.text(&[at[0], at[1], K("question")], &e.question);
            self.text(&[at[0], at[1], K("words")], &e.words);
            self.text(&[at[0], at[1], K("redirect")], &e.redirect);
        }

        self.stage_numbers(p);
        let last = p.last_stage();
        for (i, s) in p.stages.iter().enumerate() {
            self.stage(i, s, s.number == last);
        }

        let mut ids = BTreeSet::new();
        for (i, n) in p.on_resolution.iter().enumerate() {
            let at = [K("on_resolution"), Seg::Idx(i)];
            self.notification(&at, n, &mut ids);
            if n.on != Anchor::Resolution {
                self.err(&[at[0], at[1], K("on")], format!("'{}' cannot be used here: on_resolution notifications are owed on \"resolution\"", n.on));
            }
        }

        let formal: BTreeSet<String> = p
            .stages
            .iter()
            .filter(|s| !s.informal)
            .map(|s| s.number.to_string())
            .collect();
        let formal_list = formal.iter().cloned().collect::<Vec<_>>().join(", ");
        let mut sectors = BTreeSet::new();
        for (i, s) in p.sectors.iter().enumerate() {
            let at = [K("sectors"), Seg::Idx(i)];
            if !sectors.insert(s.sector) {
                self.err(
                    &[at[0], at[1], K("sector")],
                    format!("sector '{}' is listed twice: merge its rows", s.sector),
                );
            }
            for (stage, who) in &s.who {
                let path = [at[0], at[1], K("who"), K(stage.as_str())];
                if !formal.contains(stage) {
                    self.err(
                        &path,
                        format!(
                            "'{stage}' is not a formal stage of this protocol: use one of {formal_list}"
                        ),
                    );
                }
                self.text(&path, who);
            }
        }
    }

    fn stage_numbers(&mut self, p: &Protocol) {
        use Seg::Key as K;
        if p.stages.is_empty() {
            self.err(
                &[K("stages")],
                "a protocol needs at least one [[stages]] table",
            );
            return;
        }
        if p.stages.len() > 20 {
            self.err(&[K("stages")], "at most 20 stages are supported");
        }
        let mut expected: Option<u8> = None;
        let mut formal_seen = false;
        for (i, s) in p.stages.iter().enumerate() {
            let at = [K("stages"), Seg::Idx(i), K("number")];
            if s.informal {
                if s.number != 0 || formal_seen {
                    self.err(
                        &at,
                        format!(
                            "an informal stage must come first and be numbered 0, not {}",
                            s.number
                        ),
                    );
                }
            } else {
                if !formal_seen && s.number != 1 {
                    self.err(
                        &at,
                        format!("the first formal stage must be number 1, not {}", s.number),
                    );
                }
                if let Some(e) = expected {
                    if formal_seen && s.number != e {
                        self.err(
                            &at,
                            format!(
                                "stage numbers must run on by one: expected {e}, found {}",
                                s.number
                            ),
                        );
                    }
                }
                formal_seen = true;
            }
            // Carry on from the number that was expected, so one misnumbered stage is
            // one error, not one for every stage after it.
            expected = match expected {
                Some(e) if formal_seen && !s.informal => e.checked_add(1),
                _ => s.number.checked_add(1),
            };
        }
        if !formal_seen {
            self.err(
                &[K("stages")],
                "a protocol needs at least one formal stage (informal = false)",
            );
        }
    }

    fn stage(&mut self, i: usize, s: &Stage, is_last: bool) {
        use Seg::Key as K;
        let base = [K("stages"), Seg::Idx(i)];
        let at = |k: &'static str| [base[0], base[1], K(k)];
        self.text(&at("title"), &s.title);
        self.text(&at("led_by"), &s.led_by);
        self.text(&at("contact"), &s.contact);
        self.text(&at("next_step"), &s.next_step);
        if s.actions.is_empty() {
            self.err(
                &at("actions"),
                "list at least one action, in the protocol's words",
            );
        }
        for (j, a) in s.actions.iter().enumerate() {
            self.text(&[base[0], base[1], K("actions"), Seg::Idx(j)], a);
        }
        for (j, a) in s.also_involve.iter().enumerate() {
            self.text(&[base[0], base[1], K("also_involve"), Seg::Idx(j)], a);
        }
        self.text(
            &[base[0], base[1], K("record"), K("words")],
            &s.record.words,
        );

        if let Some(t) = &s.timescale {
            let tp = [base[0], base[1], K("timescale")];
            self.text(&[tp[0], tp[1], tp[2], K("words")], &t.words);
            if !matches!(
                t.from,
                Anchor::CaseStart | Anchor::StageStart | Anchor::Receipt
            ) {
                self.err(&[tp[0], tp[1], tp[2], K("from")], format!("a stage timescale cannot count from '{}': expected \"stage-start\", \"case-start\" or \"receipt\"", t.from));
            }
        }

        let mut ids = BTreeSet::new();
        for (j, d) in s.deadlines.iter().enumerate() {
            let dp = [base[0], base[1], K("deadlines"), Seg::Idx(j)];
            self.id(&[dp[0], dp[1], dp[2], dp[3], K("id")], &d.id);
            if !ids.insert(d.id.clone()) {
                self.err(&[dp[0], dp[1], dp[2], dp[3], K("id")], format!("'{}' is used twice in this stage: give each deadline and notification its own id", d.id));
            }
            self.text(&[dp[0], dp[1], dp[2], dp[3], K("what")], &d.what);
            if d.within == Limit::None {
                self.err(&[dp[0], dp[1], dp[2], dp[3], K("within")], "a deadline needs a limit: expected \"N working days\", \"N hours\", \"same working day\" or \"without delay\"");
            }
            if matches!(
                d.from,
                Anchor::Discussion | Anchor::Resolution | Anchor::Escalation
            ) {
                self.err(&[dp[0], dp[1], dp[2], dp[3], K("from")], format!("a deadline cannot count from '{}': expected \"stage-start\", \"case-start\", \"receipt\" or \"unresolved-discussion\" (use a [[stages.notifications]] entry for what is owed after a discussion or after the stage ends)", d.from));
            }
        }
        for (j, n) in s.notifications.iter().enumerate() {
            let np = [base[0], base[1], K("notifications"), Seg::Idx(j)];
            self.notification(&np, n, &mut ids);
        }

        let mut forms = BTreeSet::new();
        for (j, f) in s.forms.iter().enumerate() {
            let fp = [base[0], base[1], K("forms"), Seg::Idx(j)];
            self.text(&[fp[0], fp[1], fp[2], fp[3], K("words")], &f.words);
            if !matches!(
                f.on,
                Anchor::StageStart | Anchor::Discussion | Anchor::Resolution | Anchor::Escalation
            ) {
                self.err(&[fp[0], fp[1], fp[2], fp[3], K("on")], format!("a form cannot be due on '{}': expected \"stage-start\", \"discussion\", \"resolution\" or \"escalation\"", f.on));
            }
            if !forms.insert((f.form, f.on)) {
                self.err(
                    &[fp[0], fp[1], fp[2], fp[3], K("form")],
                    format!("'{}' on '{}' is listed twice in this stage", f.form, f.on),
                );
            }
        }

        if is_last && !s.escalate_requires.is_empty() {
            self.err(
                &at("escalate_requires"),
                "the last stage has no stage to escalate to: remove escalate_requires",
            );
        }
        // Each listed once: the engine looks these up per case, so their length is
        // bounded by the kinds of field, not by the file.
        let mut fields = BTreeSet::new();
        for (j, f) in s.record.fields.iter().enumerate() {
            if !fields.insert(*f) {
                self.err(
                    &[base[0], base[1], K("record"), K("fields"), Seg::Idx(j)],
                    format!("'{f}' is listed twice: list each field once"),
                );
            }
        }
        let mut required = BTreeSet::new();
        for (j, r) in s.escalate_requires.iter().enumerate() {
            if !required.insert(*r) {
                self.err(
                    &[base[0], base[1], K("escalate_requires"), Seg::Idx(j)],
                    format!("'{r}' is listed twice: list each requirement once"),
                );
            }
            if let Requirement::Field(f) = r {
                if !fields.contains(f) {
                    self.err(&[base[0], base[1], K("escalate_requires"), Seg::Idx(j)], format!("'{f}' is required to escalate but the stage record does not ask for it: add \"{f}\" to record.fields"));
                }
            }
        }
        if let Some(o) = &s.outcome {
            self.text(&at("outcome"), o);
        }
    }

    fn notification(&mut self, at: &[Seg<'_>], n: &Notification, ids: &mut BTreeSet<String>) {
        let with = |k: &'static str| {
            let mut p = at.to_vec();
            p.push(Seg::Key(k));
            p
        };
        self.id(&with("id"), &n.id);
        if !ids.insert(n.id.clone()) {
            self.err(
                &with("id"),
                format!(
                    "'{}' is used twice here: give each deadline and notification its own id",
                    n.id
                ),
            );
        }
        self.text(&with("to"), &n.to);
        self.text(&with("what"), &n.what);
        if let Some(by) = &n.by {
            self.text(&with("by"), by);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> String {
        r#"
id = "test"
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
record = { required = true, words = "Write it down." }
timescale = { within = "5 working days", words = "Within a week." }

[[stages]]
number = 2
title = "Managers"
led_by = "Managers"
contact = "The other manager"
actions = ["Discuss."]
next_step = "Refer to the Board."
record = { required = true, words = "Write it down." }
"#
        .to_owned()
    }

    #[test]
    fn minimal_file_parses() {
        let p = parse(&minimal(), "t.toml").unwrap();
        assert_eq!(p.stages.len(), 2);
        assert_eq!(p.first_stage(), 1);
    }

    #[test]
    fn bad_limit_names_line_and_field() {
        let src = minimal().replace("\"5 working days\"", "\"5 days\"");
        let e = parse(&src, "t.toml").unwrap_err();
        let first = &e.errors[0];
        assert_eq!(first.file, "t.toml");
        assert_eq!(first.line, Some(22), "{e}");
        assert_eq!(first.field, "stages[0].timescale.within", "{e}");
        assert!(first.message.contains("working days"), "{e}");
    }

    #[test]
    fn unknown_field_is_named() {
        let src = minimal().replace(
            "led_by = \"Managers\"",
            "led_by = \"Managers\"\ncolour = \"red\"",
        );
        let e = parse(&src, "t.toml").unwrap_err();
        assert!(
            e.errors[0].message.contains("unknown field `colour`"),
            "{e}"
        );
        assert_eq!(e.errors[0].line, Some(28), "{e}");
        assert_eq!(e.errors[0].field, "stages[1].colour", "{e}");
    }

    #[test]
    fn missing_field_is_named() {
        let src = minimal().replace("title = \"Managers\"\n", "");
        let e = parse(&src, "t.toml").unwrap_err();
        assert!(e.errors[0].message.contains("missing field `title`"), "{e}");
        assert!(e.errors[0].field.starts_with("stages[1]"), "{e}");
    }

    #[test]
    fn semantic_errors_name_line_and_field() {
        let src = minimal().replace("number = 2", "number = 3");
        let e = parse(&src, "t.toml").unwrap_err();
        assert_eq!(e.errors.len(), 1, "{e}");
        assert_eq!(e.errors[0].field, "stages[1].number");
        assert_eq!(e.errors[0].line, Some(25));
        assert!(e.errors[0].message.contains("expected 2, found 3"));
        assert_eq!(
            e.to_string(),
            "t.toml:25: stages[1].number: stage numbers must run on by one: expected 2, found 3"
        );
    }

    #[test]
    fn one_misnumbered_stage_is_one_error() {
        let third = minimal().replace("number = 2", "number = 3")
            + &minimal()[minimal().find("[[stages]]\nnumber = 2").unwrap()..]
                .replace("number = 2", "number = 3")
                .replace("Managers", "Heads");
        let e = parse(&third, "t.toml").unwrap_err();
        assert_eq!(e.errors.len(), 1, "{e}");
        assert!(e.errors[0].message.contains("expected 2, found 3"), "{e}");
    }

    #[test]
    fn every_error_is_reported() {
        let src = minimal()
            .replace("id = \"test\"", "id = \"Test Protocol\"")
            .replace(
                "actions = [\"Discuss.\"]\nnext_step = \"Refer",
                "actions = []\nnext_step = \"Refer",
            );
        let e = parse(&src, "t.toml").unwrap_err();
        assert_eq!(e.errors.len(), 2, "{e}");
        assert_eq!(e.errors[0].field, "id");
        assert_eq!(e.errors[1].field, "stages[1].actions");
    }

    #[test]
    fn requirement_must_be_asked_for_by_the_record() {
        let src = minimal().replace(
            "timescale = { within",
            "escalate_requires = [\"risk-analysis\"]\ntimescale = { within",
        );
        let e = parse(&src, "t.toml").unwrap_err();
        assert!(
            e.to_string()
                .contains("add \"risk-analysis\" to record.fields"),
            "{e}"
        );
    }

    #[test]
    fn syntax_error_has_a_line() {
        let e = parse("id = \"x\"\nname = \n", "t.toml").unwrap_err();
        assert_eq!(e.errors[0].line, Some(2));
        assert_eq!(e.errors[0].field, "(syntax)");
    }

    #[test]
    fn stage_timescale_anchor_is_checked() {
        let src = minimal().replace(
            "within = \"5 working days\", words",
            "within = \"5 working days\", from = \"resolution\", words",
        );
        let e = parse(&src, "t.toml").unwrap_err();
        assert_eq!(e.errors[0].field, "stages[0].timescale.from");
    }
}
