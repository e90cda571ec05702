//! Reading and validating a protocol file, with errors that name the file, the line
//! and the field and say what is expected.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use toml::de::{DeTable, DeValue};

use crate::deadline::DeadlineId;
use crate::form::{is_id, FormDef, FormId, FormItem, Source, ID_HELP};
use crate::protocol::{
    default_record_fields, Anchor, ExtensionRule, Limit, Notification, Protocol, ProtocolError,
    ProtocolErrors, Requirement, RunLimit, Stage, Timescale, FORMAT_1, FORMAT_LATEST,
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

impl Protocol {
    /// Parse and validate a protocol file. `file` names it in errors. A text longer
    /// than [`MAX_PROTOCOL_FILE_BYTES`] is refused before it is parsed.
    // Here rather than beside the types: the parser depends on the protocol's types,
    // and they must not depend back on it.
    pub fn from_toml(src: &str, file: &str) -> Result<Protocol, ProtocolErrors> {
        parse(src, file)
    }
}

/// The five protocols that ship with Escalate, as (file name, text).
const BUILTIN: [(&str, &str); 5] = [
    (
        "western-bay.toml",
        include_str!("../../../assets/protocols/western-bay.toml"),
    ),
    (
        "london.toml",
        include_str!("../../../assets/protocols/london.toml"),
    ),
    (
        "four-stage.toml",
        include_str!("../../../assets/protocols/four-stage.toml"),
    ),
    (
        "doncaster.toml",
        include_str!("../../../assets/protocols/doncaster.toml"),
    ),
    (
        "south-gloucestershire.toml",
        include_str!("../../../assets/protocols/south-gloucestershire.toml"),
    ),
];

static BUILTINS: std::sync::OnceLock<Result<Vec<Protocol>, ProtocolErrors>> =
    std::sync::OnceLock::new();

/// The protocols shipped in the binary, parsed once.
pub fn builtin_protocols() -> Result<&'static [Protocol], ProtocolErrors> {
    BUILTINS
        .get_or_init(|| {
            BUILTIN
                .iter()
                .map(|(file, src)| Protocol::from_toml(src, &format!("assets/protocols/{file}")))
                .collect()
        })
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// A shipped protocol by id.
pub fn builtin_protocol(id: &str) -> Result<Option<&'static Protocol>, ProtocolErrors> {
    Ok(builtin_protocols()?.iter().find(|p| p.id == id))
}

/// The texts of the shipped protocols, as (file name, text): what a store installs
/// when it is made, and again when a newer build ships a changed text. Cases never
/// look protocols up here: they run under the versions their store installed.
pub fn builtin_texts() -> impl Iterator<Item = (&'static str, &'static str)> {
    BUILTIN.iter().copied()
}

/// The ids of the shipped protocols, for messages.
pub fn builtin_ids() -> BTreeSet<&'static str> {
    BUILTIN
        .iter()
        .map(|(file, _)| file.trim_end_matches(".toml"))
        .collect()
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
    let mut protocol: Protocol = match toml::from_str(src) {
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
    // A format 1 file names its record fields from the seven every format 1 file had;
    // a file that declares its own uses those, whatever its format.
    if protocol.format == FORMAT_1 && protocol.record_fields.is_empty() {
        protocol.record_fields = default_record_fields().to_vec();
    }
    let mut v = Validator {
        lines: &lines,
        file,
        root: &root,
        errors: Vec::new(),
        more: 0,
        v2: protocol.format >= 2,
        fields: protocol
            .record_fields
            .iter()
            .map(|f| f.id.as_str().to_owned())
            .collect(),
        forms: protocol
            .forms
            .iter()
            .map(|f| f.id.clone())
            .chain(FormId::BUILT_IN)
            .collect(),
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
    /// The file declares `format = 2`: routes, limits, skipping, extensions and
    /// calendar days may be used.
    v2: bool,
    /// The record fields the protocol declares (or, for format 1, has by default).
    fields: BTreeSet<String>,
    /// The forms a stage may name: the protocol's and the two built in.
    forms: BTreeSet<FormId>,
}

/// A path made of a base and more steps.
fn join<'s>(base: &[Seg<'s>], rest: &[Seg<'s>]) -> Vec<Seg<'s>> {
    base.iter().chain(rest).copied().collect()
}

const FORMAT_2_FIX: &str = "add `format = 2` at the top of the file";

/// The most routes, and limits on one route: the engine looks them up per case.
const MAX_ROUTES: usize = 20;
const MAX_LIMITS: usize = 20;
/// The most record fields, forms, and items on one form: bounds on what a lead's
/// screens and a printed form can hold, which keep the check linear in the file.
const MAX_RECORD_FIELDS: usize = 50;
const MAX_FORMS: usize = 20;
const MAX_FORM_ITEMS: usize = 200;

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
        if !(FORMAT_1..=FORMAT_LATEST).contains(&p.format) {
            self.err(
                &[K("format")],
                format!(
                    "format {} is not one this Escalate reads: write 2, or leave `format` out for format 1 (a newer Escalate may read format {})",
                    p.format, p.format
                ),
            );
        }
        self.id(&[K("id")], &p.id);
        self.text(&[K("name")], &p.name);
        self.text(&[K("partnership")], &p.partnership);
        self.text(&[K("version")], &p.version);
        if let Some(problem) = crate::protocol::version_problem(&p.version) {
            self.err(&[K("version")], problem);
        }
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
            self.stage(&[K("stages"), Seg::Idx(i)], s, s.number == last);
        }

        let mut ids = BTreeSet::new();
        for (i, n) in p.on_resolution.iter().enumerate() {
            let at = [K("on_resolution"), Seg::Idx(i)];
            self.notification(&at, n, &mut ids);
            self.limit_value(&[at[0], at[1], K("within")], n.within);
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
        self.format_2(p);
        self.record_fields(p);
        self.forms_of(p);
        self.board_report(p);
    }

    /// The record field ids, for messages: ", or use one of …" when there are any.
    fn field_list(&self) -> String {
        if self.fields.is_empty() {
            String::new()
        } else {
            format!(
                ", or use one of {}",
                self.fields.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        }
    }

    fn form_list(&self) -> String {
        self.forms
            .iter()
            .map(FormId::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn record_fields(&mut self, p: &Protocol) {
        use Seg::Key as K;
        if p.record_fields.len() > MAX_RECORD_FIELDS {
            self.err(
                &[K("record_fields")],
                format!("at most {MAX_RECORD_FIELDS} record fields are supported"),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, f) in p
            .record_fields
            .iter()
            .enumerate()
            .take(MAX_RECORD_FIELDS + 1)
        {
            let at = |k: &'static str| [K("record_fields"), Seg::Idx(i), K(k)];
            if !seen.insert(f.id.as_str()) {
                self.err(
                    &at("id"),
                    format!(
                        "record field '{}' is declared twice: give each a different id",
                        f.id
                    ),
                );
            }
            self.text(&at("label"), &f.label);
            if let Some(h) = &f.help {
                self.text(&at("help"), h);
            }
        }
    }

    /// Every stage number of the protocol and its routes, and whether it is formal.
    fn stage_numbers_of(p: &Protocol) -> BTreeMap<u8, bool> {
        p.stages
            .iter()
            .chain(p.routes.iter().flat_map(|r| r.stages.iter()))
            .map(|s| (s.number, !s.informal))
            .collect()
    }

    /// `stages` lists stages of the protocol, each once.
    fn stage_list(&mut self, path: &[Seg<'_>], stages: &[u8], known: &BTreeMap<u8, bool>) {
        let mut seen = BTreeSet::new();
        let all = known
            .keys()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        for (j, n) in stages.iter().enumerate() {
            let at = join(path, &[Seg::Idx(j)]);
            if !known.contains_key(n) {
                self.err(
                    &at,
                    format!("the protocol has no Stage {n}: use one of {all}"),
                );
            } else if !seen.insert(*n) {
                self.err(&at, format!("Stage {n} is listed twice: list each once"));
            }
        }
    }

    fn forms_of(&mut self, p: &Protocol) {
        use Seg::Key as K;
        if p.forms.len() > MAX_FORMS {
            self.err(
                &[K("forms")],
                format!("at most {MAX_FORMS} forms are supported"),
            );
        }
        let stages = Self::stage_numbers_of(p);
        let notifications: BTreeSet<&str> = p
            .stages
            .iter()
            .chain(p.routes.iter().flat_map(|r| r.stages.iter()))
            .flat_map(|s| s.notifications.iter())
            .chain(p.on_resolution.iter())
            .map(|n| n.id.as_str())
            .collect();
        let mut seen = BTreeSet::new();
        let mut board: Option<&FormId> = None;
        for (i, f) in p.forms.iter().enumerate().take(MAX_FORMS + 1) {
            let base = [K("forms"), Seg::Idx(i)];
            let at = |k: &'static str| join(&base, &[K(k)]);
            if f.id.is_built_in() {
                self.err(
                    &at("id"),
                    format!(
                        "'{}' is a form every protocol has, built in: give this form another id",
                        f.id
                    ),
                );
            } else if !seen.insert(&f.id) {
                self.err(
                    &at("id"),
                    format!(
                        "form '{}' is declared twice: give each a different id",
                        f.id
                    ),
                );
            }
            self.text(&at("title"), &f.title);
            if let Some(o) = &f.organisation {
                self.text(&at("organisation"), o);
            }
            if let Some(w) = &f.intro {
                self.text(&at("intro"), w);
            }
            if f.board {
                match board {
                    Some(other) => self.err(
                        &at("board"),
                        format!("form '{other}' is already the one a Board package carries: mark one form board = true"),
                    ),
                    None => board = Some(&f.id),
                }
            }
            self.stage_list(&at("stages"), &f.stages, &stages);
            self.form(&base, f, &stages, &notifications);
        }
    }

    fn form(
        &mut self,
        base: &[Seg<'_>],
        f: &FormDef,
        stages: &BTreeMap<u8, bool>,
        notifications: &BTreeSet<&str>,
    ) {
        use Seg::Key as K;
        if f.sections.is_empty() {
            self.err(
                &join(base, &[K("sections")]),
                "a form needs at least one [[forms.sections]] table",
            );
        }
        let items: usize = f.sections.iter().map(|s| s.items.len()).sum();
        if items > MAX_FORM_ITEMS {
            self.err(
                &join(base, &[K("sections")]),
                format!("at most {MAX_FORM_ITEMS} items are supported on one form"),
            );
            return;
        }
        for (j, section) in f.sections.iter().enumerate() {
            let sp = join(base, &[K("sections"), Seg::Idx(j)]);
            if let Some(h) = &section.heading {
                self.text(&join(&sp, &[K("heading")]), h);
            }
            if section.items.is_empty() {
                self.err(
                    &join(&sp, &[K("items")]),
                    "a section needs at least one [[forms.sections.items]] table",
                );
            }
            for (k, item) in section.items.iter().enumerate() {
                let ip = join(&sp, &[K("items"), Seg::Idx(k)]);
                self.item(&ip, item, stages, notifications);
            }
        }
    }

    fn item(
        &mut self,
        ip: &[Seg<'_>],
        item: &FormItem,
        stages: &BTreeMap<u8, bool>,
        notifications: &BTreeSet<&str>,
    ) {
        use Seg::Key as K;
        let at = |k: &'static str| join(ip, &[K(k)]);
        // Which keys the item has, to say which of them do not belong with its kind.
        let present = [
            ("label", item.label.is_some()),
            ("from", item.from.is_some()),
            ("text", item.text.is_some()),
            ("space", item.space.is_some()),
            ("tick", item.tick.is_some()),
            ("options", !item.options.is_empty()),
            ("labels", !item.labels.is_empty()),
            ("paragraph", item.paragraph.is_some()),
            ("stages", !item.stages.is_empty()),
        ];
        let (kind, allowed, fix): (&str, &[&str], &str) = if item.paragraph.is_some() {
            (
                "a paragraph",
                &["paragraph"],
                "a paragraph is words alone: remove it, or remove `paragraph` to make a labelled box",
            )
        } else if item.tick.is_some() {
            (
                "a tick-box group",
                &["label", "tick", "options", "labels"],
                "a tick-box group has a label, `tick`, `options` and `labels`: remove it, or remove `tick` to make a labelled box",
            )
        } else {
            (
                "a labelled box",
                &["label", "from", "text", "space", "stages"],
                "remove it, or add `tick` to make a tick-box group",
            )
        };
        for (key, has) in present {
            if has && !allowed.contains(&key) {
                self.err(&at(key), format!("{kind} has no `{key}`: {fix}"));
            }
        }
        if let Some(p) = &item.paragraph {
            self.text(&at("paragraph"), p);
            return;
        }
        match &item.label {
            Some(l) => self.text(&at("label"), l),
            None => self.err(
                &at("label"),
                format!("{kind} needs a `label`: the form's own words"),
            ),
        }
        if item.from.is_some() && item.text.is_some() {
            self.err(
                &at("text"),
                "give `from` (one source) or `text` (words and sources), not both",
            );
        }
        for source in item.sources() {
            let path = if item.from.as_ref() == Some(source) {
                at("from")
            } else {
                at("text")
            };
            match source {
                Source::Field(id) if !self.fields.contains(id.as_str()) => {
                    let known = self.field_list();
                    self.err(
                        &path,
                        format!("'{id}' is not a record field of this protocol: declare it in a [[record_fields]] table{known}"),
                    );
                }
                Source::Sent(id) if !notifications.contains(id.as_str()) => self.err(
                    &path,
                    format!("'{id}' is not a notification of this protocol: give the id of a [[stages.notifications]] or [[on_resolution]] entry"),
                ),
                _ => {}
            }
        }
        self.stage_list(&at("stages"), &item.stages, stages);
        for (j, l) in item.labels.iter().enumerate() {
            self.text(&join(ip, &[K("labels"), Seg::Idx(j)]), l);
        }
        let Some(tick) = item.tick else { return };
        if tick.by_stage() {
            let formal: BTreeMap<u8, bool> = stages
                .iter()
                .filter(|(_, formal)| **formal)
                .map(|(n, f)| (*n, *f))
                .collect();
            self.stage_list(&at("options"), &item.options, &formal);
            let boxes = if item.options.is_empty() {
                formal.len()
            } else {
                item.options.len()
            };
            if !item.labels.is_empty() && item.labels.len() != boxes {
                self.err(
                    &at("labels"),
                    format!("give one label per box: this group has {boxes}"),
                );
            }
        } else {
            if !item.options.is_empty() {
                self.err(
                    &at("options"),
                    format!(
                        "'{}' ticks yes or no: leave out options (`labels` may word the two boxes)",
                        tick.as_str()
                    ),
                );
            }
            if !item.labels.is_empty() && item.labels.len() != 2 {
                self.err(&at("labels"), "give two labels: for yes, then no");
            }
        }
    }

    fn board_report(&mut self, p: &Protocol) {
        use Seg::Key as K;
        let Some(b) = &p.board_report else { return };
        self.text(&[K("board_report"), K("words")], &b.words);
        if b.list_resolved_at.is_empty() {
            self.err(
                &[K("board_report"), K("list_resolved_at")],
                "list the stages whose resolved cases the Board's report lists one by one",
            );
        }
        let stages = Self::stage_numbers_of(p);
        self.stage_list(
            &[K("board_report"), K("list_resolved_at")],
            &b.list_resolved_at,
            &stages,
        );
    }

    /// Routes, limits and skipping: format 2 only.
    fn format_2(&mut self, p: &Protocol) {
        use Seg::Key as K;
        if !self.v2 {
            for (present, key) in [
                (p.standard_route.is_some(), "standard_route"),
                (!p.limits.is_empty(), "limits"),
                (!p.routes.is_empty(), "routes"),
                (p.skipping.is_some(), "skipping"),
            ] {
                if present {
                    self.err(
                        &[K(key)],
                        format!("`{key}` is a format 2 key: {FORMAT_2_FIX}"),
                    );
                }
            }
            return;
        }
        // The stage numbers of the protocol's own stages and of every route's.
        let standard: Vec<(u8, bool)> = p.stages.iter().map(|s| (s.number, s.informal)).collect();
        let mut route_ids = BTreeSet::new();
        let standard_id = p.standard_route_id();
        route_ids.insert(standard_id);
        if let Some(sr) = &p.standard_route {
            self.id(&[K("standard_route"), K("id")], &sr.id);
            self.text(&[K("standard_route"), K("name")], &sr.name);
            if let Some(w) = &sr.words {
                self.text(&[K("standard_route"), K("words")], w);
            }
        }
        self.limits(&[], &p.limits, &standard);

        if p.routes.len() > MAX_ROUTES {
            self.err(
                &[K("routes")],
                format!("at most {MAX_ROUTES} routes are supported"),
            );
        }
        let mut every_number: BTreeSet<u8> = standard.iter().map(|(n, _)| *n).collect();
        let protocol_stages: BTreeMap<u8, bool> = standard.iter().copied().collect();
        let protocol_list = protocol_stages
            .keys()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        // Past the most routes supported the file is refused already; checking each of
        // thousands more against the protocol's stages would only cost time.
        for (i, r) in p.routes.iter().enumerate().take(MAX_ROUTES) {
            let base = [K("routes"), Seg::Idx(i)];
            self.id(&join(&base, &[K("id")]), &r.id);
            if !route_ids.insert(r.id.as_str()) {
                self.err(
                    &join(&base, &[K("id")]),
                    if r.id == standard_id {
                        format!("'{}' is the standard route's id (the protocol's own stages): give this route another id", r.id)
                    } else {
                        format!("route '{}' is defined twice: give each a different id", r.id)
                    },
                );
            }
            self.text(&join(&base, &[K("name")]), &r.name);
            self.text(&join(&base, &[K("words")]), &r.words);
            if let Some(q) = &r.question {
                self.text(&join(&base, &[K("question")]), q);
            }
            let stages = self.route_stages(&base, (&protocol_stages, &protocol_list), r);
            every_number.extend(stages.iter().map(|(n, _)| *n));
            self.limits(&base, &r.limits, &stages);
        }

        if let Some(k) = &p.skipping {
            self.text(&[K("skipping"), K("by")], &k.by);
            self.text(&[K("skipping"), K("words")], &k.words);
            for (j, n) in k.stages.iter().enumerate() {
                if !every_number.contains(n) {
                    self.err(
                        &[K("skipping"), K("stages"), Seg::Idx(j)],
                        format!("the protocol has no Stage {n}: list stages that exist"),
                    );
                }
            }
        }
    }

    /// A route's stages, checked: those it takes from the protocol, then its own,
    /// numbered on from them. Returns each stage's number and whether it is informal.
    fn route_stages(
        &mut self,
        base: &[Seg<'_>],
        protocol_stages: (&BTreeMap<u8, bool>, &str),
        r: &crate::protocol::Route,
    ) -> Vec<(u8, bool)> {
        use Seg::Key as K;
        let mut out: Vec<(u8, bool)> = Vec::new();
        let (protocol_stages, protocol_list) = protocol_stages;
        match &r.use_stages {
            Some(numbers) => {
                if numbers.is_empty() {
                    self.err(
                        &join(base, &[K("use_stages")]),
                        "list the protocol's stages this route takes, or leave use_stages out",
                    );
                }
                if numbers.len() > 20 {
                    self.err(
                        &join(base, &[K("use_stages")]),
                        "at most 20 stages are supported",
                    );
                }
                for (j, n) in numbers.iter().enumerate() {
                    let path = join(base, &[K("use_stages"), Seg::Idx(j)]);
                    match protocol_stages.get(n) {
                        None => self.err(
                            &path,
                            format!("the protocol has no Stage {n}: use one of {protocol_list}"),
                        ),
                        Some(informal) => {
                            if out.last().is_some_and(|(last, _)| *last >= *n) {
                                self.err(
                                    &path,
                                    format!("Stage {n} is out of order: list the stages in order, each once"),
                                );
                            } else {
                                out.push((*n, *informal));
                            }
                        }
                    }
                }
            }
            None if r.stages.is_empty() => {
                out.extend(protocol_stages.iter().map(|(n, informal)| (*n, *informal)));
            }
            None => {}
        }
        if r.stages.len() > 20 {
            self.err(
                &join(base, &[K("stages")]),
                "at most 20 stages are supported",
            );
        }
        let route_last = r.stages.last().map(|s| s.number);
        for (j, s) in r.stages.iter().enumerate() {
            let path = join(base, &[K("stages"), Seg::Idx(j)]);
            let expected = match out.last() {
                Some((n, _)) => n.checked_add(1),
                None if s.informal => Some(0),
                None => Some(1),
            };
            if s.informal && !out.is_empty() {
                self.err(
                    &join(&path, &[K("number")]),
                    "an informal stage must come first and be numbered 0",
                );
            } else if expected != Some(s.number) {
                self.err(
                    &join(&path, &[K("number")]),
                    match expected {
                        Some(e) => format!(
                            "the route's own stages are numbered on from the stages it takes: expected {e}, found {}",
                            s.number
                        ),
                        None => "too many stages".to_owned(),
                    },
                );
            }
            out.push((expected.unwrap_or(s.number), s.informal));
            self.stage(&path, s, Some(s.number) == route_last);
        }
        if !out.iter().any(|(_, informal)| !informal) {
            self.err(
                &join(base, &[K("id")]),
                "a route needs at least one formal stage: give use_stages or [[routes.stages]]",
            );
        }
        let own: BTreeSet<u8> = r.stages.iter().map(|s| s.number).collect();
        let taken: BTreeSet<u8> = out.iter().map(|(n, _)| *n).collect();
        let mut overridden = BTreeSet::new();
        for (j, t) in r.timescales.iter().enumerate() {
            let path = join(base, &[K("timescales"), Seg::Idx(j)]);
            if own.contains(&t.stage) {
                self.err(
                    &join(&path, &[K("stage")]),
                    format!("Stage {} is the route's own: give its timescale in its [[routes.stages]] table", t.stage),
                );
            } else if !taken.contains(&t.stage) {
                self.err(
                    &join(&path, &[K("stage")]),
                    format!(
                        "the route does not take Stage {}: give a stage it takes",
                        t.stage
                    ),
                );
            }
            if !overridden.insert(t.stage) {
                self.err(
                    &join(&path, &[K("stage")]),
                    format!(
                        "Stage {} has two timescales on this route: give one",
                        t.stage
                    ),
                );
            }
            self.timescale(&path, &t.timescale);
        }
        out
    }

    /// `[[limits]]` (or a route's): ids, runs inside the route's stages, one cap.
    fn limits(&mut self, base: &[Seg<'_>], limits: &[RunLimit], stages: &[(u8, bool)]) {
        use Seg::Key as K;
        if limits.len() > MAX_LIMITS {
            self.err(
                &join(base, &[K("limits")]),
                format!("at most {MAX_LIMITS} limits are supported"),
            );
        }
        let formal: BTreeSet<u8> = stages
            .iter()
            .filter(|(_, informal)| !informal)
            .map(|(n, _)| *n)
            .collect();
        let known = formal
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let mut ids = BTreeSet::new();
        let mut caps = 0usize;
        for (i, l) in limits.iter().enumerate() {
            let at = |k: &'static str| join(base, &[K("limits"), Seg::Idx(i), K(k)]);
            self.id(&at("id"), &l.id);
            // An extension names a deadline by this id, and this one is the stage's own.
            if l.id == DeadlineId::TIMESCALE {
                self.err(
                    &at("id"),
                    "'timescale' names each stage's own timescale: give the limit another id",
                );
            } else if !ids.insert(l.id.as_str()) {
                self.err(
                    &at("id"),
                    format!(
                        "limit '{}' is defined twice: give each a different id",
                        l.id
                    ),
                );
            }
            self.text(&at("words"), &l.words);
            if !l.within.is_dated() {
                self.err(
                    &at("within"),
                    format!("'{}' gives no date to count to: expected \"N working days\", \"N days\", \"N hours\" or \"same working day\"", l.within),
                );
            }
            if !matches!(l.from, Anchor::CaseStart | Anchor::StageStart) {
                self.err(
                    &at("from"),
                    format!("a limit cannot count from '{}': expected \"case-start\" or \"stage-start\"", l.from),
                );
            }
            let in_route = |n: u8| formal.contains(&n);
            if l.cap {
                caps += 1;
                if caps > 1 {
                    self.err(
                        &at("cap"),
                        "only one limit may be the cap on the whole process",
                    );
                }
                if !l.stages.is_empty() {
                    self.err(
                        &at("stages"),
                        "the cap covers the whole process: leave out stages",
                    );
                }
                if l.from == Anchor::StageStart && l.from_stage.is_none() {
                    self.err(&at("from_stage"), "give the stage whose start the cap counts from, or count from \"case-start\"");
                }
            } else {
                match l.stages.as_slice() {
                    [first, last] => {
                        for (j, n) in [first, last].into_iter().enumerate() {
                            if !in_route(*n) {
                                self.err(
                                    &join(base, &[K("limits"), Seg::Idx(i), K("stages"), Seg::Idx(j)]),
                                    format!("there is no formal Stage {n} here: use one of {known}"),
                                );
                            }
                        }
                        if first > last {
                            self.err(
                                &at("stages"),
                                format!("the run starts at Stage {first} and ends at Stage {last}: give the first stage, then the last"),
                            );
                        }
                    }
                    _ => self.err(
                        &at("stages"),
                        "give the run's first and last stage, e.g. stages = [1, 5] (or cap = true for the whole process)",
                    ),
                }
            }
            if let Some(n) = l.from_stage {
                if l.from != Anchor::StageStart {
                    self.err(&at("from_stage"), "from_stage is only read with from = \"stage-start\": add it, or leave from_stage out");
                } else if !in_route(n)
                    || !l
                        .run()
                        .is_none_or(|(first, last)| (first..=last).contains(&n))
                {
                    self.err(
                        &at("from_stage"),
                        format!(
                            "Stage {n} is not a stage this limit covers: give one of its stages"
                        ),
                    );
                }
            }
            if let Some(e) = &l.extension {
                self.extension(&at("extension"), e);
            }
        }
    }

    fn extension(&mut self, path: &[Seg<'_>], e: &ExtensionRule) {
        self.text(&join(path, &[Seg::Key("by")]), &e.by);
        self.text(&join(path, &[Seg::Key("words")]), &e.words);
    }

    /// A limit written in calendar days needs format 2.
    fn limit_value(&mut self, path: &[Seg<'_>], limit: Limit) {
        if let (Limit::CalendarDays(n), false) = (limit, self.v2) {
            self.err(
                path,
                format!("\"{limit}\" is a format 2 timescale: {FORMAT_2_FIX}, or count working days (\"{n} working days\")"),
            );
        }
    }

    fn timescale(&mut self, tp: &[Seg<'_>], t: &Timescale) {
        use Seg::Key as K;
        self.text(&join(tp, &[K("words")]), &t.words);
        self.limit_value(&join(tp, &[K("within")]), t.within);
        if !matches!(
            t.from,
            Anchor::CaseStart | Anchor::StageStart | Anchor::Receipt
        ) {
            self.err(&join(tp, &[K("from")]), format!("a stage timescale cannot count from '{}': expected \"stage-start\", \"case-start\" or \"receipt\"", t.from));
        }
        if let Some(e) = &t.extension {
            if self.v2 {
                self.extension(&join(tp, &[K("extension")]), e);
            } else {
                self.err(
                    &join(tp, &[K("extension")]),
                    format!("`extension` is a format 2 key: {FORMAT_2_FIX}"),
                );
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
                // Say which rule the stage breaks and what to change: "numbered 0,
                // not 0" told an author nothing when the number was right.
                if formal_seen {
                    self.err(
                        &at,
                        format!(
                            "Stage {} is informal but comes after a formal stage: an informal stage must come first, as Stage 0; move it before the formal stages, or remove `informal = true`",
                            s.number
                        ),
                    );
                } else if s.number != 0 {
                    self.err(
                        &at,
                        format!(
                            "an informal stage is numbered 0, not {}: set `number = 0`, or remove `informal = true` if it is a formal stage",
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

    fn stage(&mut self, base: &[Seg<'_>], s: &Stage, is_last: bool) {
        use Seg::Key as K;
        let at = |k: &'static str| join(base, &[K(k)]);
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
            self.text(&join(base, &[K("actions"), Seg::Idx(j)]), a);
        }
        for (j, a) in s.also_involve.iter().enumerate() {
            self.text(&join(base, &[K("also_involve"), Seg::Idx(j)]), a);
        }
        self.text(&join(base, &[K("record"), K("words")]), &s.record.words);
        self.limit_value(&at("entry"), s.entry);
        if s.optional {
            if !self.v2 {
                self.err(
                    &at("optional"),
                    format!("`optional` is a format 2 key: {FORMAT_2_FIX}"),
                );
            } else if s.informal {
                self.err(
                    &at("optional"),
                    "an informal stage is never required: leave out optional",
                );
            } else if is_last {
                self.err(
                    &at("optional"),
                    "the last stage cannot be skipped (a case resolves or closes there): leave out optional",
                );
            }
        }

        if let Some(t) = &s.timescale {
            self.timescale(&at("timescale"), t);
        }

        let mut ids = BTreeSet::new();
        for (j, d) in s.deadlines.iter().enumerate() {
            let dp = join(base, &[K("deadlines"), Seg::Idx(j)]);
            let dk = |k: &'static str| join(&dp, &[K(k)]);
            self.id(&dk("id"), &d.id);
            if !ids.insert(d.id.clone()) {
                self.err(&dk("id"), format!("'{}' is used twice in this stage: give each deadline and notification its own id", d.id));
            }
            self.text(&dk("what"), &d.what);
            if d.within == Limit::None {
                self.err(&dk("within"), "a deadline needs a limit: expected \"N working days\", \"N hours\", \"same working day\" or \"without delay\"");
            }
            self.limit_value(&dk("within"), d.within);
            if matches!(
                d.from,
                Anchor::Discussion | Anchor::Resolution | Anchor::Escalation
            ) {
                self.err(&dk("from"), format!("a deadline cannot count from '{}': expected \"stage-start\", \"case-start\", \"receipt\" or \"unresolved-discussion\" (use a [[stages.notifications]] entry for what is owed after a discussion or after the stage ends)", d.from));
            }
        }
        for (j, n) in s.notifications.iter().enumerate() {
            let np = join(base, &[K("notifications"), Seg::Idx(j)]);
            self.notification(&np, n, &mut ids);
            self.limit_value(&join(&np, &[K("within")]), n.within);
        }

        let mut forms = BTreeSet::new();
        for (j, f) in s.forms.iter().enumerate() {
            let fp = join(base, &[K("forms"), Seg::Idx(j)]);
            self.text(&join(&fp, &[K("words")]), &f.words);
            if !self.forms.contains(&f.form) {
                let known = self.form_list();
                self.err(
                    &join(&fp, &[K("form")]),
                    format!("'{}' is not a form of this protocol: declare it in a [[forms]] table, or use one of {known}", f.form),
                );
            }
            if !matches!(
                f.on,
                Anchor::StageStart | Anchor::Discussion | Anchor::Resolution | Anchor::Escalation
            ) {
                self.err(&join(&fp, &[K("on")]), format!("a form cannot be due on '{}': expected \"stage-start\", \"discussion\", \"resolution\" or \"escalation\"", f.on));
            }
            if !forms.insert((f.form.clone(), f.on)) {
                self.err(
                    &join(&fp, &[K("form")]),
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
            let fp = join(base, &[K("record"), K("fields"), Seg::Idx(j)]);
            if !self.fields.contains(f.as_str()) {
                let known = self.field_list();
                self.err(
                    &fp,
                    format!("'{f}' is not a record field of this protocol: declare it in a [[record_fields]] table (id, label){known}"),
                );
            }
            if !fields.insert(f) {
                self.err(&fp, format!("'{f}' is listed twice: list each field once"));
            }
        }
        let mut required = BTreeSet::new();
        for (j, r) in s.escalate_requires.iter().enumerate() {
            let rp = join(base, &[K("escalate_requires"), Seg::Idx(j)]);
            if !required.insert(r) {
                self.err(
                    &rp,
                    format!("'{r}' is listed twice: list each requirement once"),
                );
            }
            if let Requirement::Field(f) = r {
                if !fields.contains(f) {
                    self.err(&rp, format!("'{f}' is required to escalate but the stage record does not ask for it: add \"{f}\" to record.fields"));
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
