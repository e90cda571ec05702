//! A protocol's record fields and printable forms, as data (`[[record_fields]]` and
//! `[[forms]]` in the protocol file, docs/protocol-format.md).
//!
//! The code knows what a form can be filled from as concepts (the child's name, each
//! stage's record fields, the stage the difference was resolved at, the lead's name …,
//! [`Source`]); every word printed on a partnership's form — its title, the
//! organisation at its head, its labels — is the protocol file's.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Whether `s` is an id: lower-case letters and digits joined by single hyphens, at
/// most 64 characters.
pub fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// How an id is written, for messages.
pub const ID_HELP: &str =
    "expected lower-case letters and digits joined by single hyphens, e.g. \"business-unit-copy\"";

/// The words a stage record's JSON reader looks for when a key is not an id, so that it
/// can say what an `extra` key must be without echoing the key (it may be a child's name).
pub const NOT_A_RECORD_FIELD: &str = "not a record field id";

/// A record field's id (`risk-analysis`): open, declared by the protocol's
/// `[[record_fields]]`. Stored records keep it as their key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(type = "string"))]
#[serde(try_from = "String", into = "String")]
pub struct RecordField(String);

impl RecordField {
    /// The id, if `s` is one.
    pub fn new(s: &str) -> Result<RecordField, String> {
        if is_id(s) {
            Ok(RecordField(s.to_owned()))
        } else {
            Err(format!("{NOT_A_RECORD_FIELD}: {ID_HELP}"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RecordField {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecordField::new(s)
    }
}

impl TryFrom<String> for RecordField {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if is_id(&s) {
            Ok(RecordField(s))
        } else {
            // The text is not repeated: a misplaced key may be a child's name.
            Err(format!("{NOT_A_RECORD_FIELD}: {ID_HELP}"))
        }
    }
}

impl From<RecordField> for String {
    fn from(f: RecordField) -> String {
        f.0
    }
}

impl std::borrow::Borrow<str> for RecordField {
    fn borrow(&self) -> &str {
        &self.0
    }
}

fn yes() -> bool {
    true
}

/// A field a stage record may carry beyond the common ones, as the protocol declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RecordFieldDef {
    pub id: RecordField,
    /// The label on the record form and the printed forms, in the protocol's words.
    pub label: String,
    /// What to write, shown under the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Must be filled in before the case may leave a stage whose record asks for it.
    #[serde(default)]
    pub required_to_escalate: bool,
    /// A box for paragraphs (the default) rather than one line.
    #[serde(default = "yes")]
    pub multiline: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultFields {
    record_fields: Vec<RecordFieldDef>,
}

/// The record fields of a format 1 file that declares none: the seven ids stored
/// records have always used, with the labels they were printed with. Data, not code:
/// `assets/protocols/defaults/record-fields.toml`.
pub const DEFAULT_RECORD_FIELDS_TOML: &str =
    include_str!("../../../assets/protocols/defaults/record-fields.toml");

static DEFAULT_FIELDS: OnceLock<Vec<RecordFieldDef>> = OnceLock::new();

/// The record fields a format 1 file without `[[record_fields]]` uses. The file is
/// part of the binary and a test parses it; were it ever unreadable the list is empty,
/// and every stage that names a field is then refused by the check, naming it.
pub fn default_record_fields() -> &'static [RecordFieldDef] {
    DEFAULT_FIELDS.get_or_init(|| {
        toml::from_str::<DefaultFields>(DEFAULT_RECORD_FIELDS_TOML)
            .map(|d| d.record_fields)
            .unwrap_or_default()
    })
}

/// A printable form's id: one the protocol declares in `[[forms]]`, or one of the two
/// every protocol has ([`FormId::STAGE_RECORD`], [`FormId::CHRONOLOGY`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(type = "string"))]
#[serde(try_from = "String", into = "String")]
pub struct FormId(Cow<'static, str>);

impl FormId {
    /// The written record of one stage.
    pub const STAGE_RECORD: FormId = FormId(Cow::Borrowed("stage-record"));
    /// Every stage, record, notification and deadline in date order.
    pub const CHRONOLOGY: FormId = FormId(Cow::Borrowed("chronology"));
    /// The forms every protocol has, in the order a lead reaches for them.
    pub const BUILT_IN: [FormId; 2] = [FormId::STAGE_RECORD, FormId::CHRONOLOGY];

    pub fn new(s: &str) -> Result<FormId, String> {
        if is_id(s) {
            Ok(FormId(Cow::Owned(s.to_owned())))
        } else {
            Err(format!("'{s}' is not a form id: {ID_HELP}"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_built_in(&self) -> bool {
        FormId::BUILT_IN.contains(self)
    }

    /// A built-in form's title; a declared form's is the protocol's
    /// ([`crate::Protocol::form_title`]).
    pub fn built_in_title(&self) -> Option<&'static str> {
        if *self == FormId::STAGE_RECORD {
            Some("Stage record")
        } else if *self == FormId::CHRONOLOGY {
            Some("Case chronology")
        } else {
            None
        }
    }
}

impl fmt::Display for FormId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for FormId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FormId::new(s)
    }
}

impl TryFrom<String> for FormId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if is_id(&s) {
            Ok(FormId(Cow::Owned(s)))
        } else {
            Err(format!("'{s}' is not a form id: {ID_HELP}"))
        }
    }
}

impl From<FormId> for String {
    fn from(f: FormId) -> String {
        f.0.into_owned()
    }
}

/// Room on a form: `"N mm"`, or `"N lines"` of handwriting (8 mm each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(type = "string"))]
#[serde(try_from = "String", into = "String")]
pub enum Space {
    Mm(u16),
    Lines(u16),
}

/// A handwritten line, as on ruled paper.
pub const MM_PER_LINE: u16 = 8;
/// The most room one item may ask for: more than a page is never needed.
pub const MAX_SPACE_MM: u16 = 250;

impl Space {
    pub fn mm(self) -> f32 {
        match self {
            Space::Mm(n) => f32::from(n),
            Space::Lines(n) => f32::from(n) * f32::from(MM_PER_LINE),
        }
    }
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Space::Mm(n) => write!(f, "{n} mm"),
            Space::Lines(1) => f.write_str("1 line"),
            Space::Lines(n) => write!(f, "{n} lines"),
        }
    }
}

impl FromStr for Space {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let help = "expected \"N lines\" (of handwriting, 8 mm each) or \"N mm\"";
        let mut words = s.split_whitespace();
        let n = words.next().and_then(|n| n.parse::<u16>().ok());
        let unit = words.next();
        let space = match (n, unit, words.next()) {
            (Some(n), Some("mm"), None) => Space::Mm(n),
            (Some(n), Some("line" | "lines"), None) => Space::Lines(n),
            _ => return Err(format!("'{s}' is not room on a form: {help}")),
        };
        if space.mm() > f32::from(MAX_SPACE_MM) {
            return Err(format!(
                "'{s}' is more than a page: at most {MAX_SPACE_MM} mm ({} lines)",
                MAX_SPACE_MM / MM_PER_LINE
            ));
        }
        Ok(space)
    }
}

impl TryFrom<String> for Space {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Space> for String {
    fn from(s: Space) -> String {
        s.to_string()
    }
}

macro_rules! concepts {
    ($(#[$m:meta])* $name:ident { $($(#[$d:meta])* $v:ident = $text:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$d])* $v,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $text,)* }
            }

            fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|c| c.as_str() == s)
            }
        }
    };
}

concepts! {
    /// What a form's item can be filled from, besides record fields and notifications:
    /// the concepts Escalate knows about every case.
    Fact {
        /// The case reference.
        CaseReference = "case.reference",
        CaseCategory = "case.category",
        /// The difference, as the lead summarised it at intake.
        CaseSummary = "case.summary",
        /// The date the case was opened (the outset of the concern).
        CaseOpened = "case.opened",
        /// The stage the case is at, by number.
        CaseStage = "case.stage",
        /// How the case ended (resolved, withdrawn, redirected), in the lead's words.
        CaseOutcome = "case.outcome",
        ChildName = "child.name",
        ChildDateOfBirth = "child.date-of-birth",
        ChildIdentifiers = "child.identifiers",
        RaisingAgency = "raising.agency",
        /// The raising professional named at intake.
        RaisingProfessional = "raising.professional",
        /// Who signs for the raising agency: its latest participant in the records of
        /// the item's stages, else the lead where the lead is of that agency, else the
        /// professional named at intake.
        RaisingSignatory = "raising.signatory",
        /// That signatory's role (the lead's designation).
        RaisingSignatoryRole = "raising.signatory-role",
        ReceivingAgency = "receiving.agency",
        ReceivingProfessional = "receiving.professional",
        ReceivingSignatory = "receiving.signatory",
        ReceivingSignatoryRole = "receiving.signatory-role",
        /// The summary, then each record's two views, stage by stage.
        DisputeViews = "dispute.views",
        /// What was agreed at each stage, the escalations, and the outcome.
        DisputeAgreed = "dispute.agreed",
        /// "Stage N" where the difference was resolved.
        ResolutionStage = "resolution.stage",
        ResolutionDate = "resolution.date",
        /// Calendar and working days from the outset to resolution, with the dates.
        ResolutionTimeTaken = "resolution.time-taken",
        /// Days and working days from the outset to resolution.
        ResolutionDaysTaken = "resolution.days-taken",
        /// The common fields of the records of the item's stages, oldest first.
        RecordSummary = "record.summary",
        RecordAgreed = "record.agreed",
        RecordRaisingView = "record.raising-view",
        RecordReceivingView = "record.receiving-view",
        RecordNextStep = "record.next-step",
        RecordDiscussedAt = "record.discussed-at",
        RecordApprovedBy = "record.approved-by",
        LeadName = "lead.name",
        LeadDesignation = "lead.designation",
        LeadAgency = "lead.agency",
        /// The date the form is made.
        FormDate = "form.date",
        /// What the lead adds when printing: how effective the protocol was.
        FormEffectiveness = "form.effectiveness",
        /// What the lead adds when printing: further notes.
        FormNotes = "form.notes",
        ProtocolName = "protocol.name",
        ProtocolPartnership = "protocol.partnership",
    }
}

concepts! {
    /// What decides which box of a tick-box group is ticked.
    TickSource {
        /// One box per stage: the stage the difference was resolved at.
        StageResolved = "stage-resolved",
        /// One box per stage: the highest stage the case reached.
        StageReached = "stage-reached",
        /// Two boxes (yes, no): whether the case was opened for an immediate risk.
        ImmediateRisk = "immediate-risk",
        /// Two boxes (yes, no): whether the difference has been resolved.
        Resolved = "resolved",
    }
}

impl TickSource {
    /// One box per stage, rather than yes and no.
    pub fn by_stage(self) -> bool {
        matches!(self, TickSource::StageResolved | TickSource::StageReached)
    }
}

/// Where one value on a form comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Fact(Fact),
    /// `field.<id>`: a record field's text in the records of the item's stages, oldest
    /// first, one a line.
    Field(RecordField),
    /// `sent.<notification id>`: the date the notification was marked sent at one of
    /// the item's stages.
    Sent(String),
}

const SOURCE_HELP: &str = "use a fact (e.g. child.name, case.summary, raising.agency; docs/protocol-format.md lists them), field.<record field id> or sent.<notification id>";

impl FromStr for Source {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(fact) = Fact::parse(s) {
            return Ok(Source::Fact(fact));
        }
        if let Some(id) = s.strip_prefix("field.") {
            return RecordField::new(id)
                .map(Source::Field)
                .map_err(|_| format!("'{s}': after 'field.' give a record field id: {ID_HELP}"));
        }
        if let Some(id) = s.strip_prefix("sent.") {
            if is_id(id) {
                return Ok(Source::Sent(id.to_owned()));
            }
            return Err(format!(
                "'{s}': after 'sent.' give a notification id: {ID_HELP}"
            ));
        }
        Err(format!(
            "'{s}' is not something a form is filled from: {SOURCE_HELP}"
        ))
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Fact(fact) => f.write_str(fact.as_str()),
            Source::Field(id) => write!(f, "field.{id}"),
            Source::Sent(id) => write!(f, "sent.{id}"),
        }
    }
}

impl TryFrom<String> for Source {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Source> for String {
    fn from(s: Source) -> String {
        s.to_string()
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One piece of a template line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Words(String),
    Value(Source),
}

/// A value made of words and sources: `"{case.summary}\nEvidence: {field.evidence}"`.
/// Each line whose sources are all empty is left out, so "Evidence: " is not printed
/// without evidence. `{{` and `}}` are braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    text: String,
    lines: Vec<Vec<Piece>>,
}

/// The longest template: a form's value is a few lines, not a document.
const MAX_TEMPLATE_CHARS: usize = 2000;

impl Template {
    pub fn lines(&self) -> &[Vec<Piece>] {
        &self.lines
    }

    pub fn sources(&self) -> impl Iterator<Item = &Source> {
        self.lines.iter().flatten().filter_map(|p| match p {
            Piece::Value(s) => Some(s),
            Piece::Words(_) => None,
        })
    }
}

impl FromStr for Template {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.chars().count() > MAX_TEMPLATE_CHARS {
            return Err(format!(
                "is longer than {MAX_TEMPLATE_CHARS} characters: a form's value is a few lines"
            ));
        }
        let mut lines = Vec::new();
        for line in text.split('\n') {
            let mut pieces = Vec::new();
            let mut words = String::new();
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '{' if chars.peek() == Some(&'{') => {
                        chars.next();
                        words.push('{');
                    }
                    '}' if chars.peek() == Some(&'}') => {
                        chars.next();
                        words.push('}');
                    }
                    '{' => {
                        let mut name = String::new();
                        let mut closed = false;
                        for c in chars.by_ref() {
                            if c == '}' {
                                closed = true;
                                break;
                            }
                            name.push(c);
                        }
                        if !closed {
                            return Err(
                                "a '{' is not closed: write {source}, or {{ for a brace".to_owned()
                            );
                        }
                        if !words.is_empty() {
                            pieces.push(Piece::Words(std::mem::take(&mut words)));
                        }
                        pieces.push(Piece::Value(name.trim().parse()?));
                    }
                    '}' => {
                        return Err("a '}' has no '{': write {source}, or }} for a brace".to_owned())
                    }
                    c => words.push(c),
                }
            }
            if !words.is_empty() {
                pieces.push(Piece::Words(words));
            }
            lines.push(pieces);
        }
        Ok(Template {
            text: text.to_owned(),
            lines,
        })
    }
}

impl Serialize for Template {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for TickSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TickSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        TickSource::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "'{s}' is not a tick-box group: use {}",
                TickSource::ALL
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }
}

fn space_after() -> Space {
    Space::Mm(2)
}

/// A printable form the protocol declares (`[[forms]]`): the partnership's own
/// title, heading, words and labels, laid out by one renderer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct FormDef {
    pub id: FormId,
    pub title: String,
    /// The organisation named at the top of every page (default: the partnership).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// Words printed under the title, before the first section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    /// The form a Board package carries unless the lead picks another.
    #[serde(default)]
    pub board: bool,
    /// The stages whose records and notifications fill the form (default: every stage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<u8>,
    pub sections: Vec<FormSection>,
}

/// Part of a form: an optional heading and its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct FormSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// Start the section on a new page unless it fits whole on this one (a signature
    /// block).
    #[serde(default)]
    pub keep_together: bool,
    /// Room after the section (default "2 mm").
    #[serde(default = "space_after")]
    pub space_after: Space,
    pub items: Vec<FormItem>,
}

/// One item of a section: a labelled box (filled from `from` or `text`, or left blank
/// with `space` to write in), a tick-box group (`tick`) or words (`paragraph`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct FormItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub from: Option<Source>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub text: Option<Template>,
    /// The least room the box takes, to write in by hand (default "1 line").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<Space>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub tick: Option<TickSource>,
    /// A stage tick-box group's stages (default: every formal stage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<u8>,
    /// The boxes' own words, one per box (default "Stage N", or "Yes" and "No").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<String>,
    /// The stages whose records fill this item (default: the form's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<u8>,
}

/// An item as the renderer uses it.
#[derive(Debug, Clone, Copy)]
pub enum ItemKind<'a> {
    Paragraph(&'a str),
    Ticks {
        label: &'a str,
        tick: TickSource,
    },
    Field {
        label: &'a str,
        value: Value<'a>,
        space: Space,
    },
}

/// What fills a labelled box.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    From(&'a Source),
    Text(&'a Template),
    /// Left blank, to write in by hand.
    Blank,
}

impl FormItem {
    /// What the item is. The check refuses an item with keys of two kinds, so this
    /// reads a checked item in the one way it can be meant.
    pub fn kind(&self) -> ItemKind<'_> {
        let label = self.label.as_deref().unwrap_or_default();
        if let Some(p) = &self.paragraph {
            return ItemKind::Paragraph(p);
        }
        if let Some(tick) = self.tick {
            return ItemKind::Ticks { label, tick };
        }
        let value = match (&self.from, &self.text) {
            (Some(s), _) => Value::From(s),
            (None, Some(t)) => Value::Text(t),
            (None, None) => Value::Blank,
        };
        ItemKind::Field {
            label,
            value,
            space: self.space.unwrap_or(Space::Lines(1)),
        }
    }

    /// Every source the item reads.
    pub fn sources(&self) -> Vec<&Source> {
        let mut out: Vec<&Source> = self.from.iter().collect();
        if let Some(t) = &self.text {
            out.extend(t.sources());
        }
        out
    }
}

impl FormDef {
    /// Every source the form reads.
    pub fn sources(&self) -> impl Iterator<Item = &Source> {
        self.sections
            .iter()
            .flat_map(|s| s.items.iter())
            .flat_map(FormItem::sources)
    }

    /// Whether the form prints `fact` (the app asks for how effective the protocol was
    /// only where a form prints it).
    pub fn reads(&self, fact: Fact) -> bool {
        self.sources().any(|s| *s == Source::Fact(fact))
    }
}

/// Which cases the Board's monitoring report lists one by one (`[board_report]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct BoardReport {
    /// Cases resolved at these stages are listed one by one.
    pub list_resolved_at: Vec<u8>,
    /// The protocol's words.
    pub words: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_record_fields_are_the_seven_stored_ids() {
        let ids: Vec<&str> = default_record_fields()
            .iter()
            .map(|f| f.id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "risk-analysis",
                "evidence",
                "lead-advice",
                "desired-outcome",
                "minutes",
                "route",
                "lessons"
            ]
        );
        assert!(default_record_fields()
            .iter()
            .all(|f| !f.label.trim().is_empty() && !f.required_to_escalate));
    }

    #[test]
    fn ids_are_lower_kebab() {
        assert!(RecordField::new("risk-analysis").is_ok());
        for bad in ["", "Risk", "risk--analysis", "-x", "x-", "a b", "é"] {
            let e = RecordField::new(bad).unwrap_err();
            assert!(e.starts_with(NOT_A_RECORD_FIELD), "{bad}: {e}");
        }
        assert!(FormId::new("rpd-report").is_ok());
        let e = FormId::new("RPD").unwrap_err();
        assert!(e.starts_with("'RPD' is not a form id"), "{e}");
        assert!(FormId::STAGE_RECORD.is_built_in());
        assert_eq!(FormId::new("chronology").unwrap(), FormId::CHRONOLOGY);
    }

    #[test]
    fn a_bad_record_field_is_refused_without_its_text() {
        let e: Result<RecordField, _> = serde_json::from_str("\"Aled Canary\"");
        let e = e.unwrap_err().to_string();
        assert!(e.contains(NOT_A_RECORD_FIELD), "{e}");
        assert!(!e.contains("Canary"), "{e}");
    }

    #[test]
    fn spaces_parse_and_print_back() {
        for s in ["40 mm", "1 line", "5 lines", "0 mm"] {
            assert_eq!(s.parse::<Space>().unwrap().to_string(), s);
        }
        assert_eq!("2 lines".parse::<Space>().unwrap().mm(), 16.0);
        for (s, why) in [
            ("251 mm", "'251 mm' is more than a page"),
            ("32 lines", "'32 lines' is more than a page"),
            ("4 inches", "'4 inches' is not room on a form"),
            ("lines", "'lines' is not room on a form"),
        ] {
            let e = s.parse::<Space>().unwrap_err();
            assert!(e.starts_with(why), "{s}: {e}");
        }
    }

    #[test]
    fn sources_parse_and_print_back() {
        for s in [
            "child.name",
            "field.risk-analysis",
            "sent.form-to-business-unit",
        ] {
            assert_eq!(s.parse::<Source>().unwrap().to_string(), s);
        }
        for (s, why) in [
            ("child", "'child' is not something a form is filled from"),
            ("field.", "'field.': after 'field.' give a record field id"),
            (
                "field.Risk",
                "'field.Risk': after 'field.' give a record field id",
            ),
            (
                "sent.a b",
                "'sent.a b': after 'sent.' give a notification id",
            ),
            ("", "'' is not something a form is filled from"),
        ] {
            let e = s.parse::<Source>().unwrap_err();
            assert!(e.starts_with(why), "{s}: {e}");
        }
        for f in Fact::ALL {
            assert_eq!(Fact::parse(f.as_str()), Some(*f));
        }
    }

    #[test]
    fn templates_split_words_and_values_by_line() {
        let t: Template = "{case.summary}\nEvidence: {field.evidence} {{ok}}"
            .parse()
            .unwrap();
        assert_eq!(t.lines().len(), 2);
        assert_eq!(
            t.lines()[1],
            [
                Piece::Words("Evidence: ".into()),
                Piece::Value(Source::Field(RecordField::new("evidence").unwrap())),
                Piece::Words(" {ok}".into())
            ]
        );
        for (s, why) in [
            ("{case.summary", "a '{' is not closed"),
            ("a } b", "a '}' has no '{'"),
            (
                "{nothing}",
                "'nothing' is not something a form is filled from",
            ),
        ] {
            let e = s.parse::<Template>().unwrap_err();
            assert!(e.starts_with(why), "{s}: {e}");
        }
    }
}
