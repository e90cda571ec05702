//! `monitoring.json` checked against docs/export-schema.json, and against the rules a
//! JSON Schema cannot say.
//!
//! The schema is mirrored here by hand rather than interpreted by a JSON Schema crate:
//! the published file is small and fixed, a general validator would bring regex engines
//! and URL resolution into the Board's import path, and its messages quote the offending
//! value, which may be a child's name. The report tests run Python's `jsonschema` over a
//! corpus of valid and hostile documents and require the same verdict for every one, so
//! the two cannot drift apart unnoticed.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::Value;

use crate::export::{Monitoring, SCHEMA, SCHEMA_1};

/// Names, agencies, designations, categories, protocol versions and partnerships: the
/// store's limit for a name.
pub const NAME_MAX: usize = 200;
/// The child's local identifiers (the store's limit for short text).
pub const IDENTIFIERS_MAX: usize = 500;
/// The outcome and the effectiveness comment (the store's limit for long text).
pub const TEXT_MAX: usize = 20_000;
/// Calendar or working days: more than the calendar's whole span, 1990 to 2100.
pub const DAYS_MAX: i64 = 41_000;
/// Stage numbers: protocols have at most 20 stages after the informal Stage 0.
pub const STAGE_MAX: i64 = 20;
/// Stages entered: a case only escalates upwards, so at most one entry per stage.
pub const STAGES_MAX: usize = 21;
/// Years a date may fall in: the calendar's span.
pub const FIRST_YEAR: u32 = 1990;
pub const LAST_YEAR: u32 = 2100;
/// How far ahead of the importing computer's clock `exported_at` may be (clocks drift,
/// and time zones differ).
pub const CLOCK_SLACK_HOURS: i64 = 24;

/// One thing wrong with a record: where (a JSON path such as `stages[2].due`) and which
/// rule. Never the value: it may be a child's name, or bytes meant for a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub path: String,
    pub rule: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.rule)
        } else {
            write!(f, "{}: {}", self.path, self.rule)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `YYYY-MM-DDTHH:MM:SS`
    DateTime,
    /// `YYYY-MM-DDTHH:MM`
    Minute,
    /// `YYYY-MM-DD`
    Date,
    /// `YYYY`
    Year,
    /// `RPD-YYYY-NNNN`, 4 to 12 digits
    Reference,
    /// lower-case letters and digits in hyphen-separated runs, at most 64 characters
    ProtocolId,
    /// 64 lower-case hex digits
    Sha256,
}

impl Shape {
    fn words(self) -> &'static str {
        match self {
            Shape::DateTime => "a date and time YYYY-MM-DDTHH:MM:SS",
            Shape::Minute => "a date and time YYYY-MM-DDTHH:MM",
            Shape::Date => "a date YYYY-MM-DD",
            Shape::Year => "a year YYYY",
            Shape::Reference => "a case reference RPD-YYYY-NNNN (4 to 12 digits)",
            Shape::ProtocolId => {
                "a protocol id (lower-case letters and digits in runs joined by single hyphens, at most 64 characters)"
            }
            Shape::Sha256 => "a SHA-256 in 64 lower-case hex digits",
        }
    }

    fn dated(self) -> bool {
        !matches!(self, Shape::Reference | Shape::ProtocolId | Shape::Sha256)
    }

    /// Whether `s` matches the schema's pattern and length for this shape.
    fn matches(self, s: &str) -> bool {
        let b = s.as_bytes();
        match self {
            Shape::DateTime => {
                b.len() == 19
                    && date_at(b)
                    && b[10] == b'T'
                    && hh_mm(&b[11..16])
                    && b[16] == b':'
                    && two(&b[17..19], 0, 59)
            }
            Shape::Minute => b.len() == 16 && date_at(b) && b[10] == b'T' && hh_mm(&b[11..16]),
            Shape::Date => b.len() == 10 && date_at(b),
            Shape::Year => b.len() == 4 && year(&b[..4]),
            Shape::Reference => {
                (13..=21).contains(&b.len())
                    && b.starts_with(b"RPD-")
                    && year(&b[4..8])
                    && b[8] == b'-'
                    && b[9..].iter().all(u8::is_ascii_digit)
            }
            Shape::Sha256 => {
                b.len() == 64
                    && b.iter()
                        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
            }
            Shape::ProtocolId => escalate_core::form::is_id(s),
        }
    }

    /// The rule a schema cannot say: the date exists (no 30 February).
    fn real(self, s: &str) -> bool {
        let b = s.as_bytes();
        match self {
            Shape::DateTime | Shape::Minute | Shape::Date => {
                let n = |r: std::ops::Range<usize>| {
                    b[r].iter()
                        .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
                };
                NaiveDate::from_ymd_opt(n(0..4) as i32, n(5..7), n(8..10)).is_some()
            }
            _ => true,
        }
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, d| {
        d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
    })
}

fn two(b: &[u8], lo: u32, hi: u32) -> bool {
    b.len() == 2 && digits(b).is_some_and(|n| (lo..=hi).contains(&n))
}

fn year(b: &[u8]) -> bool {
    b.len() == 4 && digits(b).is_some_and(|y| (FIRST_YEAR..=LAST_YEAR).contains(&y))
}

/// `YYYY-MM-DD` at the start of `b` (which is at least 10 bytes long).
fn date_at(b: &[u8]) -> bool {
    year(&b[0..4]) && b[4] == b'-' && two(&b[5..7], 1, 12) && b[7] == b'-' && two(&b[8..10], 1, 31)
}

fn hh_mm(b: &[u8]) -> bool {
    two(&b[0..2], 0, 23) && b[2] == b':' && two(&b[3..5], 0, 59)
}

/// The schema, node by node.
enum Spec {
    Const(&'static str),
    Text {
        min: usize,
        max: usize,
    },
    /// A string of one of these shapes.
    Shaped(&'static [Shape]),
    Enum(&'static [&'static str]),
    Int {
        min: i64,
        max: i64,
    },
    Bool,
    OrNull(&'static Spec),
    /// A field an object may leave out; when given, it is checked as the inner spec.
    Optional(&'static Spec),
    Object(&'static [(&'static str, Spec)]),
    Array {
        items: &'static Spec,
        max: usize,
    },
}

const NAME: Spec = Spec::Text {
    min: 1,
    max: NAME_MAX,
};
const DATETIME: Spec = Spec::Shaped(&[Shape::DateTime]);
const STAGE: Spec = Spec::Int {
    min: 0,
    max: STAGE_MAX,
};
const DAYS: Spec = Spec::Int {
    min: 0,
    max: DAYS_MAX,
};
/// The sectors escalate-core knows, as `Sector::as_str` spells them.
pub const SECTORS: &[&str] = &[
    "local-authority",
    "schools",
    "health-secondary",
    "health-primary",
    "voluntary",
    "police",
    "other",
];
pub const STATUSES: &[&str] = &["open", "resolved", "withdrawn", "redirected"];
const PARTY: Spec = Spec::Object(&[
    ("agency", NAME),
    ("sector", Spec::OrNull(&Spec::Enum(SECTORS))),
]);

const EXPORTED_BY: Spec = Spec::Object(&[("name", NAME), ("designation", NAME), ("agency", NAME)]);
const REFERENCE: Spec = Spec::Shaped(&[Shape::Reference]);
const PROTOCOL_ID: Spec = Spec::Shaped(&[Shape::ProtocolId]);
const SHORT_TEXT: Spec = Spec::Text {
    min: 0,
    max: NAME_MAX,
};
const CHILD: Spec = Spec::Object(&[
    ("name", NAME),
    (
        "date_of_birth",
        Spec::OrNull(&Spec::Shaped(&[Shape::Date, Shape::Year])),
    ),
    (
        "identifiers",
        Spec::OrNull(&Spec::Text {
            min: 0,
            max: IDENTIFIERS_MAX,
        }),
    ),
]);
const DUE: Spec = Spec::Shaped(&[Shape::Date, Shape::Minute]);
const LONG_TEXT: Spec = Spec::Text {
    min: 0,
    max: TEXT_MAX,
};

/// `escalate-monitoring/1`.
const RECORD_1: Spec = Spec::Object(&[
    ("schema", Spec::Const(SCHEMA_1)),
    ("exported_at", DATETIME),
    ("exported_by", EXPORTED_BY),
    ("reference", REFERENCE),
    (
        "protocol",
        Spec::Object(&[
            ("id", PROTOCOL_ID),
            ("version", SHORT_TEXT),
            ("partnership", SHORT_TEXT),
        ]),
    ),
    ("minimised", Spec::Bool),
    ("child", CHILD),
    ("category", NAME),
    ("raising", PARTY),
    ("receiving", PARTY),
    ("opened_at", DATETIME),
    ("status", Spec::Enum(STATUSES)),
    ("stage_reached", STAGE),
    ("stage_resolved", Spec::OrNull(&STAGE)),
    ("closed_at", Spec::OrNull(&DATETIME)),
    ("calendar_days", Spec::OrNull(&DAYS)),
    ("working_days", Spec::OrNull(&DAYS)),
    ("immediate_risk", Spec::Bool),
    (
        "stages",
        Spec::Array {
            items: &Spec::Object(&[
                ("stage", STAGE),
                ("started_at", DATETIME),
                ("ended_at", Spec::OrNull(&DATETIME)),
                ("due", Spec::OrNull(&DUE)),
                ("within_timescale", Spec::OrNull(&Spec::Bool)),
            ]),
            max: STAGES_MAX,
        },
    ),
    ("outcome", Spec::OrNull(&LONG_TEXT)),
    ("effectiveness", LONG_TEXT),
]);

/// `escalate-monitoring/2`: version 1, with the protocol file's hash, the route, the
/// stages gone past by a recorded decision and each stage's agreed extension.
const RECORD_2: Spec = Spec::Object(&[
    ("schema", Spec::Const(SCHEMA)),
    ("exported_at", DATETIME),
    ("exported_by", EXPORTED_BY),
    ("reference", REFERENCE),
    (
        "protocol",
        Spec::Object(&[
            ("id", PROTOCOL_ID),
            ("version", SHORT_TEXT),
            ("partnership", SHORT_TEXT),
            ("sha256", Spec::Shaped(&[Shape::Sha256])),
        ]),
    ),
    ("route", PROTOCOL_ID),
    ("minimised", Spec::Bool),
    ("child", CHILD),
    ("category", NAME),
    ("raising", PARTY),
    ("receiving", PARTY),
    ("opened_at", DATETIME),
    ("status", Spec::Enum(STATUSES)),
    ("stage_reached", STAGE),
    ("stage_resolved", Spec::OrNull(&STAGE)),
    ("closed_at", Spec::OrNull(&DATETIME)),
    ("calendar_days", Spec::OrNull(&DAYS)),
    ("working_days", Spec::OrNull(&DAYS)),
    ("immediate_risk", Spec::Bool),
    (
        "stages",
        Spec::Array {
            items: &Spec::Object(&[
                ("stage", STAGE),
                ("started_at", DATETIME),
                ("ended_at", Spec::OrNull(&DATETIME)),
                ("due", Spec::OrNull(&DUE)),
                ("within_timescale", Spec::OrNull(&Spec::Bool)),
                (
                    "extension",
                    Spec::Optional(&Spec::Object(&[
                        ("due", DUE),
                        ("within", Spec::OrNull(&Spec::Bool)),
                    ])),
                ),
            ]),
            max: STAGES_MAX,
        },
    ),
    (
        "skipped",
        Spec::Array {
            items: &Spec::Object(&[
                ("at", DATETIME),
                ("from", Spec::OrNull(&STAGE)),
                ("to", STAGE),
                (
                    "stages",
                    Spec::Array {
                        items: &STAGE,
                        max: STAGES_MAX,
                    },
                ),
                ("role", Spec::OrNull(&NAME)),
            ]),
            max: STAGES_MAX,
        },
    ),
    ("outcome", Spec::OrNull(&LONG_TEXT)),
    ("effectiveness", LONG_TEXT),
]);

/// The version a document says it follows, where it is one this build reads; any other
/// document is checked as version 1, the version every Escalate reads, whose `schema`
/// rule then names the versions read.
pub fn claimed(v: &Value) -> &'static str {
    match v.get("schema") {
        Some(Value::String(s)) if s == SCHEMA => SCHEMA,
        _ => SCHEMA_1,
    }
}

/// What a record breaks: the schema's own rules, and the rules beyond it.
#[derive(Debug, Default)]
struct Findings {
    schema: Vec<Violation>,
    rules: Vec<Violation>,
    /// The version checked against, for the words.
    version: &'static str,
}

/// At most this many violations are kept: a hostile record can break every rule.
const KEEP: usize = 50;

impl Findings {
    fn schema(&mut self, path: &str, rule: impl Into<String>) {
        if self.schema.len() < KEEP {
            self.schema.push(Violation {
                path: path.to_owned(),
                rule: rule.into(),
            });
        }
    }
    fn rule(&mut self, path: &str, rule: impl Into<String>) {
        if self.rules.len() < KEEP {
            self.rules.push(Violation {
                path: path.to_owned(),
                rule: rule.into(),
            });
        }
    }
}

impl Spec {
    /// What a value of this node must be, in words.
    fn words(&self) -> String {
        match self {
            Spec::Const(c) => format!("must be \"{c}\""),
            Spec::Text { min: 0, max } => format!("must be text of at most {max} characters"),
            Spec::Text { min, max } => format!("must be text of {min} to {max} characters"),
            Spec::Shaped(shapes) => {
                let mut w = format!(
                    "must be {}",
                    shapes
                        .iter()
                        .map(|s| s.words())
                        .collect::<Vec<_>>()
                        .join(" or ")
                );
                if shapes.iter().any(|s| s.dated()) {
                    w.push_str(&format!(", in the years {FIRST_YEAR} to {LAST_YEAR}"));
                }
                w
            }
            Spec::Enum(options) => format!("must be one of {}", options.join(", ")),
            Spec::Int { min, max } => format!("must be a whole number from {min} to {max}"),
            Spec::Bool => "must be true or false".to_owned(),
            Spec::OrNull(inner) => format!("{}, or null", inner.words()),
            Spec::Optional(inner) => inner.words(),
            Spec::Object(_) => "must be an object".to_owned(),
            Spec::Array { max, .. } => format!("must be a list of at most {max} entries"),
        }
    }

    fn walk(&self, v: &Value, path: &mut String, out: &mut Findings) {
        match (self, v) {
            (Spec::Optional(inner), _) => inner.walk(v, path, out),
            (Spec::OrNull(_), Value::Null) => {}
            (Spec::OrNull(inner), _) => {
                // The same checks, with the words saying null is allowed too.
                let before = out.schema.len();
                inner.walk(v, path, out);
                if out.schema.len() > before
                    && !matches!(inner, Spec::Object(_) | Spec::Array { .. })
                {
                    out.schema.truncate(before);
                    out.schema(path, self.words());
                }
            }
            (Spec::Const(c), Value::String(s)) if s == c => {}
            (Spec::Const(_), Value::String(s)) if s.starts_with("escalate-monitoring/") => out
                .schema(
                    path,
                    format!(
                    "this version of Escalate reads {SCHEMA_1} and {SCHEMA} only: update Escalate"
                ),
                ),
            (Spec::Text { min, max }, Value::String(s)) => {
                let n = s.chars().count();
                if n < *min || n > *max {
                    out.schema(path, self.words());
                }
            }
            (Spec::Shaped(shapes), Value::String(s)) => {
                match shapes.iter().find(|sh| sh.matches(s)) {
                    None => out.schema(path, self.words()),
                    Some(shape) if !shape.real(s) => out.rule(path, "is not a real date"),
                    Some(_) => {}
                }
            }
            (Spec::Enum(options), Value::String(s)) if options.contains(&s.as_str()) => {}
            (Spec::Int { min, max }, Value::Number(n)) => {
                let (value, whole) = match (n.as_i64(), n.as_u64(), n.as_f64()) {
                    (Some(i), _, _) => (i as f64, true),
                    (_, Some(u), _) => (u as f64, true),
                    (_, _, Some(f)) if f.is_finite() && f.fract() == 0.0 => (f, false),
                    _ => {
                        out.schema(path, self.words());
                        return;
                    }
                };
                if value < *min as f64 || value > *max as f64 {
                    out.schema(path, self.words());
                } else if !whole {
                    out.rule(
                        path,
                        "must be written as a whole number, without a decimal point",
                    );
                }
            }
            (Spec::Bool, Value::Bool(_)) => {}
            (Spec::Object(fields), Value::Object(map)) => {
                let unknown = map
                    .keys()
                    .filter(|k| !fields.iter().any(|(name, _)| name == k))
                    .count();
                if unknown > 0 {
                    out.schema(
                        path,
                        format!(
                            "holds {unknown} field(s) that {} does not have",
                            out.version
                        ),
                    );
                }
                for (name, spec) in *fields {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                    match (map.get(*name), spec) {
                        (Some(child), _) => spec.walk(child, path, out),
                        (None, Spec::Optional(_)) => {}
                        (None, _) => out.schema(path, "is missing"),
                    }
                    path.truncate(len);
                }
            }
            (Spec::Array { items, max }, Value::Array(list)) => {
                if list.len() > *max {
                    out.schema(path, self.words());
                }
                for (i, item) in list.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    items.walk(item, path, out);
                    path.truncate(len);
                }
            }
            _ => out.schema(path, self.words()),
        }
    }
}

fn findings(v: &Value) -> Findings {
    let version = claimed(v);
    let mut out = Findings {
        version,
        ..Findings::default()
    };
    let record = if version == SCHEMA {
        &RECORD_2
    } else {
        &RECORD_1
    };
    match v {
        Value::Object(_) => record.walk(v, &mut String::new(), &mut out),
        _ => out.schema("", "must be a JSON object"),
    }
    out
}

/// Where `v` breaks docs/export-schema.json itself (empty: it follows the schema). The
/// published schema's verdict, and nothing more: the tests compare it with Python's
/// `jsonschema` on the same documents.
pub fn schema_violations(v: &Value) -> Vec<Violation> {
    findings(v).schema
}

/// Every violation of the schema and of the rules beyond it that need no clock.
fn violations(v: &Value) -> Vec<Violation> {
    let f = findings(v);
    if f.schema.is_empty() {
        f.rules
    } else {
        f.schema
    }
}

/// Rules about the whole record that the schema cannot say.
fn record_rules(m: &Monitoring, now: Option<NaiveDateTime>) -> Vec<Violation> {
    let mut out = Findings::default();
    if let Some(now) = now {
        let latest = now
            .checked_add_signed(Duration::hours(CLOCK_SLACK_HOURS))
            .unwrap_or(NaiveDateTime::MAX);
        if m.exported_at > latest {
            out.rule(
                "exported_at",
                "is more than a day after this computer's clock: check the date on the computer that made it, and on this one",
            );
        }
    }
    if m.closed_at.is_some_and(|c| c < m.opened_at) {
        out.rule("closed_at", "is before opened_at");
    }
    if let Some(resolved) = m.stage_resolved {
        if m.status != "resolved" {
            out.rule("stage_resolved", "is given, but status is not resolved");
        }
        if resolved > m.stage_reached {
            out.rule("stage_resolved", "is above stage_reached");
        }
    }
    let mut last: Option<u8> = None;
    for (i, s) in m.stages.iter().enumerate() {
        if last.is_some_and(|l| s.stage <= l) {
            out.rule(
                &format!("stages[{i}].stage"),
                "stages must be listed once each, in increasing order",
            );
        }
        last = Some(s.stage);
        if s.ended_at.is_some_and(|e| e < s.started_at) {
            out.rule(&format!("stages[{i}].ended_at"), "is before started_at");
        }
    }
    for (i, k) in m.skipped.iter().flatten().enumerate() {
        let after = |n: u8| k.from.is_none_or(|f| n > f);
        let in_order = k.stages.windows(2).all(|w| w[0] < w[1]);
        if k.stages.is_empty() || !in_order || !k.stages.iter().all(|n| after(*n) && *n < k.to) {
            out.rule(
                &format!("skipped[{i}].stages"),
                "must list the stages gone past once each, in increasing order, between from and to",
            );
        }
    }
    out.rules
}

/// The violations as one line: the first few, and how many more.
pub fn describe(v: &[Violation]) -> String {
    const SHOWN: usize = 3;
    let mut s = v
        .iter()
        .take(SHOWN)
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    if v.len() > SHOWN {
        s.push_str(&format!(" (and {} more)", v.len() - SHOWN));
    }
    s
}

/// A value that breaks nothing, or everything it breaks.
pub(crate) fn check_value(v: &Value) -> Result<(), Vec<Violation>> {
    let found = violations(v);
    if found.is_empty() {
        Ok(())
    } else {
        Err(found)
    }
}

/// The rules about the whole record; `now` (the importing computer's clock) bounds
/// `exported_at`.
pub(crate) fn check_record(
    m: &Monitoring,
    now: Option<NaiveDateTime>,
) -> Result<(), Vec<Violation>> {
    let found = record_rules(m, now);
    if found.is_empty() {
        Ok(())
    } else {
        Err(found)
    }
}

/// Whether a character must not reach a terminal or a report from a package: C0 and C1
/// controls, DEL, and the bidirectional overrides and isolates that reorder what is
/// shown (U+202A–U+202E, U+2066–U+2069).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// One-line text from a package: line breaks and tabs become spaces, other controls and
/// bidi overrides go, and the ends are trimmed.
fn clean_line(s: &mut String) {
    if !s.chars().any(is_unsafe_char) && s.trim() == s {
        return;
    }
    let cleaned: String = s
        .chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if is_unsafe_char(c) => None,
            c => Some(c),
        })
        .collect();
    *s = cleaned.trim().to_owned();
}

/// Multi-line text from a package: line breaks (as `\n`) and tabs stay, every other
/// control and bidi override goes.
fn clean_text(s: &mut String) {
    if !s
        .chars()
        .any(|c| is_unsafe_char(c) && c != '\n' && c != '\t')
    {
        return;
    }
    *s = s
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !is_unsafe_char(c))
        .collect();
}

/// Strip controls and bidi overrides from every text field of an imported record, then
/// make sure the fields that must say something still do.
pub(crate) fn clean(m: &mut Monitoring) -> Result<(), Vec<Violation>> {
    for s in [
        &mut m.exported_by.name,
        &mut m.exported_by.designation,
        &mut m.exported_by.agency,
        &mut m.reference,
        &mut m.protocol.id,
        &mut m.protocol.version,
        &mut m.protocol.partnership,
        &mut m.child.name,
        &mut m.category,
        &mut m.raising.agency,
        &mut m.receiving.agency,
    ] {
        clean_line(s);
    }
    for k in m.skipped.iter_mut().flatten() {
        if let Some(role) = k.role.as_mut() {
            clean_line(role);
        }
    }
    for s in [
        m.child.identifiers.as_mut(),
        m.outcome.as_mut(),
        Some(&mut m.effectiveness),
    ]
    .into_iter()
    .flatten()
    {
        clean_text(s);
    }
    let mut out = Findings::default();
    for (path, value) in [
        ("exported_by.name", &m.exported_by.name),
        ("exported_by.designation", &m.exported_by.designation),
        ("exported_by.agency", &m.exported_by.agency),
        ("child.name", &m.child.name),
        ("category", &m.category),
        ("raising.agency", &m.raising.agency),
        ("receiving.agency", &m.receiving.agency),
    ] {
        if value.is_empty() {
            out.rule(path, "holds nothing but control or layout characters");
        }
    }
    if out.rules.is_empty() {
        Ok(())
    } else {
        Err(out.rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_by_hand() {
        assert!(Shape::DateTime.matches("2026-11-20T17:00:00"));
        assert!(Shape::DateTime.matches("1990-01-01T00:00:00"));
        assert!(Shape::DateTime.matches("2100-12-31T23:59:59"));
        for bad in [
            "1989-12-31T23:59:59",
            "2101-01-01T00:00:00",
            "2026-11-20T17:00:00.123",
            "2026-11-20T17:00",
            "2026-13-01T00:00:00",
            "2026-11-20T24:00:00",
            "2026-11-20 17:00:00",
            "2026-11-20T17:00:0\n",
            "٢٠٢٦-11-20T17:00:00",
        ] {
            assert!(!Shape::DateTime.matches(bad), "{bad}");
        }
        assert!(!Shape::Date.real("2026-02-29") && Shape::Date.real("2028-02-29"));
        assert!(Shape::Reference.matches("RPD-2026-0001"));
        assert!(Shape::Reference.matches("RPD-2026-000000000001"));
        for bad in [
            "RPD-2026-001",
            "RPD-2026-0000000000001",
            "../../etc/passwd",
            "RPD-1800-0001",
            "RPD-2026-0001\n",
        ] {
            assert!(!Shape::Reference.matches(bad), "{bad}");
        }
        assert!(Shape::ProtocolId.matches("western-bay"));
        for bad in ["", "-a", "a-", "a--b", "A", "a b"] {
            assert!(!Shape::ProtocolId.matches(bad), "{bad}");
        }
    }

    #[test]
    fn cleaning_keeps_words_and_line_breaks_where_they_belong() {
        let mut s = "Ysgol\u{1b}]52;c;aGk=\u{7}\u{202E} Bryn\n".to_owned();
        clean_line(&mut s);
        assert_eq!(s, "Ysgol]52;c;aGk= Bryn");
        let mut t = "one\r\ntwo\tthree\u{1b}[2J\u{2066}".to_owned();
        clean_text(&mut t);
        assert_eq!(t, "one\ntwo\tthree[2J");
    }
}
