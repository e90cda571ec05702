//! A partnership's Resolution of Professional Differences protocol, as data.
//!
//! The file format is TOML and is documented in `docs/protocol-format.md`. Every
//! sentence a lead is shown (actions, next steps, redirects) is the protocol's own
//! words, kept in the file, so a partnership can load its protocol without a new build.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::calendar::CalendarId;
pub use crate::form::{
    default_record_fields, BoardReport, FormDef, FormId, FormItem, FormSection, RecordField,
    RecordFieldDef, Source, Space, TickSource,
};
use crate::sector::Sector;

/// How long something may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(type = "string"))]
#[serde(try_from = "String", into = "String")]
pub enum Limit {
    /// The Nth working day strictly after the anchor's date, to the end of that day.
    WorkingDays(u32),
    /// The end of the Nth calendar day after the anchor's date, whatever day that is:
    /// no roll-forward to a working day (format 2).
    CalendarDays(u32),
    /// Wall-clock hours after the anchor's time.
    Hours(u32),
    /// The end of the anchor's day, or of the next working day if that day is not one.
    SameWorkingDay,
    /// "Without delay", "immediately", "urgently": owed now, with no date to count to.
    WithoutDelay,
    /// The protocol sets no timescale.
    #[default]
    None,
}

impl Limit {
    /// Whether the limit yields a date or time to count to.
    pub fn is_dated(self) -> bool {
        matches!(
            self,
            Limit::WorkingDays(_)
                | Limit::CalendarDays(_)
                | Limit::Hours(_)
                | Limit::SameWorkingDay
        )
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::WorkingDays(1) => f.write_str("1 working day"),
            Limit::WorkingDays(n) => write!(f, "{n} working days"),
            // "calendar" is printed although "N days" is read: a lead should never have
            // to guess which days a deadline counts.
            Limit::CalendarDays(1) => f.write_str("1 calendar day"),
            Limit::CalendarDays(n) => write!(f, "{n} calendar days"),
            Limit::Hours(1) => f.write_str("1 hour"),
            Limit::Hours(n) => write!(f, "{n} hours"),
            Limit::SameWorkingDay => f.write_str("same working day"),
            Limit::WithoutDelay => f.write_str("without delay"),
            Limit::None => f.write_str("none"),
        }
    }
}

impl From<Limit> for String {
    fn from(l: Limit) -> String {
        l.to_string()
    }
}

/// The longest limit a protocol may set in working days: a year.
pub const MAX_LIMIT_WORKING_DAYS: u32 = 366;
/// The longest limit a protocol may set in calendar days: a year.
pub const MAX_LIMIT_CALENDAR_DAYS: u32 = 366;
/// The longest limit a protocol may set in hours: a year (366 days).
pub const MAX_LIMIT_HOURS: u32 = 24 * 366;

const LIMIT_HELP: &str =
    "expected \"N working days\", \"N days\" (calendar days), \"N hours\", \"same working day\", \"without delay\" or \"none\"";

impl FromStr for Limit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "same working day" => return Ok(Limit::SameWorkingDay),
            "without delay" | "immediately" => return Ok(Limit::WithoutDelay),
            "none" => return Ok(Limit::None),
            _ => {}
        }
        let mut words = t.split_whitespace();
        let count = words.next().and_then(|n| n.parse::<u32>().ok());
        let unit: Vec<&str> = words.collect();
        match (count, unit.as_slice()) {
            (Some(n), ["working", "day" | "days"]) if n <= MAX_LIMIT_WORKING_DAYS => {
                Ok(Limit::WorkingDays(n))
            }
            (Some(n), ["day" | "days"] | ["calendar", "day" | "days"])
                if n <= MAX_LIMIT_CALENDAR_DAYS =>
            {
                Ok(Limit::CalendarDays(n))
            }
            (Some(n), ["hour" | "hours"]) if (1..=MAX_LIMIT_HOURS).contains(&n) => {
                Ok(Limit::Hours(n))
            }
            // Protocols often say weeks; the engine counts days, so say the days a
            // week of working days makes (a calendar week's 7 days for plain weeks).
            (Some(n), ["working", "week" | "weeks"]) => Err(format!(
                "'{s}' is not a timescale: write weeks in days, as \"{} working days\"",
                u64::from(n) * 5
            )),
            (Some(n), ["week" | "weeks"]) => Err(format!(
                "'{s}' is not a timescale: write weeks in days, as \"{} working days\" (or \"{} days\" for calendar days)",
                u64::from(n) * 5,
                u64::from(n) * 7
            )),
            // Not "too long": a deadline of no hours is no timescale at all.
            (Some(0), ["hour" | "hours"]) => Err(format!(
                "'{s}' is not a timescale: give at least 1 hour, or \"without delay\""
            )),
            (
                Some(_),
                ["working", "day" | "days"]
                | ["hour" | "hours"]
                | ["day" | "days"]
                | ["calendar", "day" | "days"],
            ) => Err(format!("'{s}' is too long: a timescale is at most a year")),
            _ => Err(format!("'{s}' is not a timescale: {LIMIT_HELP}")),
        }
    }
}

impl TryFrom<String> for Limit {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// The event a timescale counts from, or that makes a notification owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Anchor {
    /// The outset of the concern: when the case was opened (cumulative timescales).
    CaseStart,
    /// When the case entered this stage.
    StageStart,
    /// When the receiving agency received the matter (taken as the stage start until recorded).
    Receipt,
    /// The latest recorded discussion or meeting at this stage.
    Discussion,
    /// The latest recorded discussion at this stage that did not resolve the difference.
    UnresolvedDiscussion,
    /// When the difference was resolved at this stage.
    Resolution,
    /// When the case was escalated out of this stage.
    Escalation,
}

impl Anchor {
    pub fn as_str(self) -> &'static str {
        match self {
            Anchor::CaseStart => "case-start",
            Anchor::StageStart => "stage-start",
            Anchor::Receipt => "receipt",
            Anchor::Discussion => "discussion",
            Anchor::UnresolvedDiscussion => "unresolved-discussion",
            Anchor::Resolution => "resolution",
            Anchor::Escalation => "escalation",
        }
    }
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn stage_start() -> Anchor {
    Anchor::StageStart
}

/// A stage's own limit: how long the stage may run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Timescale {
    pub within: Limit,
    #[serde(default = "stage_start")]
    pub from: Anchor,
    /// The protocol's words for the timescale.
    pub words: String,
    /// The protocol asks for a shorter timescale where the child's safety needs it
    /// ("or a timescale that protects the child from harm, whichever is less").
    #[serde(default)]
    pub shorter_if_child_needs: bool,
    /// Who may agree to extend it, where the protocol allows that (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<ExtensionRule>,
}

/// Who may agree to extend a deadline, in the protocol's words (format 2): e.g.
/// "Exceptions to the 28 calendar day timescale must be agreed by the accountable
/// senior manager."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ExtensionRule {
    /// The role that must agree.
    pub by: String,
    pub words: String,
}

/// A further deadline inside a stage (e.g. line managers to make contact within 24 hours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    pub id: String,
    pub what: String,
    pub within: Limit,
    #[serde(default = "stage_start")]
    pub from: Anchor,
}

/// Someone who must be told, sent a copy, or written to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Notification {
    pub id: String,
    /// Who must be told.
    pub to: String,
    /// What they must be sent or told, in the protocol's words.
    pub what: String,
    /// The event that makes it owed; its due time counts from that event.
    pub on: Anchor,
    #[serde(default)]
    pub within: Limit,
    /// Who sends it, where the protocol says.
    #[serde(default)]
    pub by: Option<String>,
}

/// A form a stage requires, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct FormRequirement {
    pub form: FormId,
    /// stage-start, discussion, resolution or escalation.
    pub on: Anchor,
    #[serde(default)]
    pub send_to: Vec<String>,
    pub words: String,
}

/// What must exist before a case may leave a stage upwards.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(type = "string"))]
#[serde(try_from = "String", into = "String")]
pub enum Requirement {
    /// A written record of this stage.
    Record,
    /// A record of this stage carrying this field.
    Field(RecordField),
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::Record => f.write_str("record"),
            Requirement::Field(field) => f.write_str(field.as_str()),
        }
    }
}

impl From<Requirement> for String {
    fn from(r: Requirement) -> String {
        match r {
            Requirement::Record => "record".to_owned(),
            Requirement::Field(f) => f.into(),
        }
    }
}

impl TryFrom<String> for Requirement {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s == "record" {
            return Ok(Requirement::Record);
        }
        RecordField::new(&s).map(Requirement::Field).map_err(|_| {
            format!(
                "'{s}' is not a requirement: expected \"record\" or the id of a record field the stage's record asks for (e.g. \"risk-analysis\")"
            )
        })
    }
}

/// The written record a stage needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RecordRule {
    pub required: bool,
    pub words: String,
    #[serde(default)]
    pub fields: Vec<RecordField>,
    /// Where copies of the record are kept.
    #[serde(default)]
    pub keep_on: Vec<String>,
}

/// One stage of the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub number: u8,
    pub title: String,
    /// A step before the formal stages (an informal stage, such as a professional discussion): never planned.
    #[serde(default)]
    pub informal: bool,
    /// The protocol lets this stage be left out (e.g. a meeting held "if manager deems
    /// appropriate"); skipping it still needs a recorded reason and who decided (format 2).
    #[serde(default)]
    pub optional: bool,
    /// Who deals with the difference at this stage.
    pub led_by: String,
    /// Who to contact at this stage, in the protocol's words.
    pub contact: String,
    /// Others who join, and when.
    #[serde(default)]
    pub also_involve: Vec<String>,
    /// The checklist for the stage, in the protocol's words.
    pub actions: Vec<String>,
    /// How soon the matter must reach this stage once the one before fails.
    #[serde(default)]
    pub entry: Limit,
    #[serde(default)]
    pub timescale: Option<Timescale>,
    #[serde(default)]
    pub deadlines: Vec<Deadline>,
    #[serde(default)]
    pub notifications: Vec<Notification>,
    pub record: RecordRule,
    #[serde(default)]
    pub forms: Vec<FormRequirement>,
    /// What happens if the difference is not resolved at this stage.
    pub next_step: String,
    #[serde(default)]
    pub escalate_requires: Vec<Requirement>,
    /// What an outcome at this stage means (e.g. "final and binding").
    #[serde(default)]
    pub outcome: Option<String>,
}

/// When a case may open above the first stage or skip stages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ImmediateRisk {
    /// An immediate risk to the child, with a recorded reason, lets the case start
    /// at (or escalate to) a higher stage.
    pub higher_stage: bool,
    pub words: String,
}

/// A circumstance the protocol does not cover, and where to go instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    pub id: String,
    /// The question a lead answers at intake.
    pub question: String,
    /// The protocol's words for the exclusion.
    pub words: String,
    /// The procedure to follow instead.
    pub redirect: String,
}

/// Who is involved at each stage for one sector (a protocol's indicative structure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SectorRoles {
    pub sector: Sector,
    /// Stage number (as text, a TOML key) to who is involved.
    pub who: BTreeMap<String, String>,
}

impl SectorRoles {
    pub fn at(&self, stage: u8) -> Option<&str> {
        self.who.get(&stage.to_string()).map(String::as_str)
    }
}

fn case_start() -> Anchor {
    Anchor::CaseStart
}

/// A limit over a run of stages (`stages = [1, 5]`, first and last, inclusive), or the
/// cap on the whole process (`cap = true`): a deadline of its own beside the stages'
/// (format 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RunLimit {
    pub id: String,
    /// The first and last stage of the run; empty for the cap.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<u8>,
    /// The cap on the whole process: no run's limit falls later than it.
    #[serde(default)]
    pub cap: bool,
    pub within: Limit,
    /// `case-start` (the outset, the default) or `stage-start`.
    #[serde(default = "case_start")]
    pub from: Anchor,
    /// With `from = "stage-start"`: the stage whose start it counts from (default: the
    /// first of the run). A case that skipped it counts from the first later stage it reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_stage: Option<u8>,
    /// The protocol's words.
    pub words: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<ExtensionRule>,
}

impl RunLimit {
    /// The first and last stage of the run, where it is one.
    pub fn run(&self) -> Option<(u8, u8)> {
        match self.stages.as_slice() {
            [first, last] if !self.cap => Some((*first, *last)),
            _ => None,
        }
    }

    /// Whether the run (or the whole process, for the cap) includes stage `n`.
    pub fn covers(&self, n: u8) -> bool {
        match self.run() {
            Some((first, last)) => (first..=last).contains(&n),
            None => self.cap,
        }
    }

    /// The stage whose start a `stage-start` limit counts from.
    pub fn anchor_stage(&self) -> Option<u8> {
        match self.from {
            Anchor::StageStart => self.from_stage.or(self.run().map(|(first, _)| first)),
            _ => None,
        }
    }
}

/// A stage's timescale on one route, in place of the stage's own. In the file the
/// timescale's keys sit beside `stage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(from = "RouteTimescaleFile")]
pub struct RouteTimescale {
    pub stage: u8,
    #[serde(flatten)]
    pub timescale: Timescale,
}

/// How a route's timescale is written. Read through this rather than `flatten`, which
/// would pass over unknown keys: a misspelt key must be refused, not ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteTimescaleFile {
    stage: u8,
    within: Limit,
    #[serde(default = "stage_start")]
    from: Anchor,
    words: String,
    #[serde(default)]
    shorter_if_child_needs: bool,
    #[serde(default)]
    extension: Option<ExtensionRule>,
}

impl From<RouteTimescaleFile> for RouteTimescale {
    fn from(f: RouteTimescaleFile) -> RouteTimescale {
        RouteTimescale {
            stage: f.stage,
            timescale: Timescale {
                within: f.within,
                from: f.from,
                words: f.words,
                shorter_if_child_needs: f.shorter_if_child_needs,
                extension: f.extension,
            },
        }
    }
}

/// An alternative route through the protocol (format 2): e.g. an urgent, 24-hour route,
/// or a route for dissent from a conference decision. It takes some of the protocol's
/// stages (`use_stages`), has stages of its own (`[[routes.stages]]`, numbered on from
/// the ones it takes), or both; with neither it takes every stage. Its limits are its
/// own `[[routes.limits]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub id: String,
    pub name: String,
    /// The yes/no question asked at intake: yes takes this route. A route without one is
    /// only reached by switching to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// The protocol's words for the route.
    pub words: String,
    /// The protocol's stages this route takes, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_stages: Option<Vec<u8>>,
    /// The route's own stages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<Stage>,
    /// Timescales that replace those of stages the route takes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timescales: Vec<RouteTimescale>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<RunLimit>,
}

/// The id of the route the protocol's own `[[stages]]` and `[[limits]]` make, unless
/// `[standard_route]` names it otherwise.
pub const STANDARD_ROUTE: &str = "standard";

fn standard_route_id() -> String {
    STANDARD_ROUTE.to_owned()
}

/// The name of the route the protocol's own stages make (format 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct StandardRoute {
    #[serde(default = "standard_route_id")]
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<String>,
}

/// Who may skip stages, and which (format 2): e.g. "The IRO may bypass any stage".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Skipping {
    /// The role that decides.
    pub by: String,
    pub words: String,
    /// The stages that may be skipped; empty: any stage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<u8>,
}

impl Skipping {
    pub fn allows(&self, stage: u8) -> bool {
        self.stages.is_empty() || self.stages.contains(&stage)
    }
}

/// The format a file without `format` is in.
pub const FORMAT_1: u8 = 1;
/// The newest format this build reads.
pub const FORMAT_LATEST: u8 = 2;

fn format_1() -> u8 {
    FORMAT_1
}

/// A whole protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// 1 (no `format` key) or 2.
    #[serde(default = "format_1")]
    pub format: u8,
    pub id: String,
    pub name: String,
    pub partnership: String,
    pub version: String,
    /// Where the text comes from.
    pub source: String,
    /// The bank-holiday calendar of the partnership's nation.
    pub calendar: CalendarId,
    /// Who the Board-level contact is for reports and copies.
    #[serde(default)]
    pub board_contact: Option<String>,
    #[serde(default)]
    pub principles: Vec<String>,
    /// What the protocol says about keeping records, for every stage.
    pub record_keeping: String,
    pub immediate_risk: ImmediateRisk,
    /// How smaller organisations map stages to their own seniority levels.
    #[serde(default)]
    pub smaller_organisations: Option<String>,
    #[serde(default)]
    pub exclusions: Vec<Exclusion>,
    pub stages: Vec<Stage>,
    /// Owed when the difference is resolved, at whatever stage.
    #[serde(default)]
    pub on_resolution: Vec<Notification>,
    #[serde(default)]
    pub sectors: Vec<SectorRoles>,
    /// The name of the route the protocol's own stages make.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_route: Option<StandardRoute>,
    /// Limits over runs of the protocol's own stages, and the cap.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<RunLimit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipping: Option<Skipping>,
    /// The fields stage records may carry beyond the common ones. A format 1 file that
    /// declares none has the seven of `assets/protocols/defaults/record-fields.toml`, filled in
    /// when the file is read.
    #[serde(default)]
    pub record_fields: Vec<RecordFieldDef>,
    /// The partnership's printable forms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<FormDef>,
    /// Which cases the Board's monitoring report lists one by one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board_report: Option<BoardReport>,
}

impl Protocol {
    /// A record field the protocol declares.
    pub fn record_field(&self, id: &str) -> Option<&RecordFieldDef> {
        self.record_fields.iter().find(|f| f.id.as_str() == id)
    }

    /// A record field's label, or its id where the protocol does not declare it (a
    /// record kept under an earlier version of the protocol).
    pub fn field_label<'a>(&'a self, id: &'a RecordField) -> &'a str {
        self.record_field(id.as_str())
            .map_or(id.as_str(), |f| f.label.as_str())
    }

    /// A form the protocol declares.
    pub fn form(&self, id: &FormId) -> Option<&FormDef> {
        self.forms.iter().find(|f| f.id == *id)
    }

    /// A form's title: the protocol's for its own forms, Escalate's for the two every
    /// protocol has.
    pub fn form_title(&self, id: &FormId) -> Option<&str> {
        match self.form(id) {
            Some(f) => Some(&f.title),
            None => id.built_in_title(),
        }
    }

    /// Every form a case under this protocol can print, in the order a lead reaches for
    /// them: the protocol's own, then the stage record and the chronology.
    pub fn form_ids(&self) -> Vec<FormId> {
        self.forms
            .iter()
            .map(|f| f.id.clone())
            .chain(FormId::BUILT_IN)
            .collect()
    }

    /// The form a Board package carries unless the lead picks another: the one the
    /// protocol marks `board = true`, else the chronology.
    pub fn board_form(&self) -> FormId {
        self.forms
            .iter()
            .find(|f| f.board)
            .map_or(FormId::CHRONOLOGY, |f| f.id.clone())
    }

    #[inline]
    pub fn stage(&self, number: u8) -> Option<&Stage> {
        self.stages.iter().find(|s| s.number == number)
    }

    /// The first formal stage: where a case normally opens.
    pub fn first_stage(&self) -> u8 {
        self.stages
            .iter()
            .find(|s| !s.informal)
            .map_or(1, |s| s.number)
    }

    pub fn last_stage(&self) -> u8 {
        self.stages.last().map_or(1, |s| s.number)
    }

    pub fn next_stage(&self, number: u8) -> Option<&Stage> {
        self.stages.iter().find(|s| s.number > number)
    }

    pub fn exclusion(&self, id: &str) -> Option<&Exclusion> {
        self.exclusions.iter().find(|e| e.id == id)
    }

    pub fn sector_roles(&self, sector: Sector) -> Option<&SectorRoles> {
        self.sectors.iter().find(|s| s.sector == sector)
    }

    /// The id of the route the protocol's own stages make.
    #[inline]
    pub fn standard_route_id(&self) -> &str {
        self.standard_route
            .as_ref()
            .map_or(STANDARD_ROUTE, |r| r.id.as_str())
    }

    /// The route the protocol's own stages make: where a case goes unless told otherwise.
    #[inline]
    pub fn standard(&self) -> RouteView<'_> {
        RouteView {
            protocol: self,
            route: None,
        }
    }

    /// A route by id; `None` (or the standard route's id) is the standard route.
    #[inline]
    pub fn route(&self, id: Option<&str>) -> Option<RouteView<'_>> {
        match id {
            None => Some(self.standard()),
            Some(id) if id == self.standard_route_id() => Some(self.standard()),
            Some(id) => self
                .routes
                .iter()
                .find(|r| r.id == id)
                .map(|route| RouteView {
                    protocol: self,
                    route: Some(route),
                }),
        }
    }

    /// Every route, the standard one first.
    pub fn all_routes(&self) -> impl Iterator<Item = RouteView<'_>> {
        std::iter::once(self.standard()).chain(self.routes.iter().map(|route| RouteView {
            protocol: self,
            route: Some(route),
        }))
    }

    /// The route ids, for messages.
    pub fn route_ids(&self) -> String {
        self.all_routes()
            .map(|r| r.id())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The stages an escalation on a route reaches ([`RouteView::escalation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Escalation {
    /// The route's next stage: any stage before `to` and after it is skipped.
    pub next: u8,
    /// The stage moved to: the one chosen, else the next.
    pub to: u8,
}

/// One route of a protocol as a case sees it: its stages (taken from the protocol or
/// its own), each stage's timescale on this route, and its limits. Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct RouteView<'p> {
    protocol: &'p Protocol,
    /// `None`: the standard route.
    route: Option<&'p Route>,
}

impl<'p> RouteView<'p> {
    pub fn protocol(&self) -> &'p Protocol {
        self.protocol
    }

    /// The alternative route's definition; `None` for the standard route.
    pub fn definition(&self) -> Option<&'p Route> {
        self.route
    }

    pub fn is_standard(&self) -> bool {
        self.route.is_none()
    }

    pub fn id(&self) -> &'p str {
        match self.route {
            Some(r) => &r.id,
            None => self.protocol.standard_route_id(),
        }
    }

    /// The route's name; the standard route of a protocol that does not name it is
    /// called after the protocol.
    pub fn name(&self) -> &'p str {
        match (self.route, &self.protocol.standard_route) {
            (Some(r), _) => &r.name,
            (None, Some(s)) => &s.name,
            (None, None) => &self.protocol.name,
        }
    }

    /// The id a case keeps: `None` for the standard route.
    pub fn case_id(&self) -> Option<String> {
        self.route.map(|r| r.id.clone())
    }

    /// The route's stages, in order.
    pub fn stages(&self) -> RouteStages<'p> {
        let (taken, own): (Taken<'p>, &'p [Stage]) = match self.route {
            None => (Taken::All(self.protocol.stages.iter()), &[]),
            Some(r) => match &r.use_stages {
                Some(numbers) => (
                    Taken::Some {
                        protocol: self.protocol,
                        numbers: numbers.iter(),
                    },
                    &r.stages,
                ),
                None if r.stages.is_empty() => (Taken::All(self.protocol.stages.iter()), &[]),
                None => (Taken::All([].iter()), &r.stages),
            },
        };
        RouteStages {
            taken,
            own: own.iter(),
        }
    }

    #[inline]
    pub fn stage(&self, number: u8) -> Option<&'p Stage> {
        // Asked for every case on the dashboard: straight lookups, not the iterator.
        // A route's own stages are numbered after those it takes, so the two never
        // share a number.
        match self.route {
            None => self.protocol.stage(number),
            Some(r) => match &r.use_stages {
                None if r.stages.is_empty() => self.protocol.stage(number),
                None => r.stages.iter().find(|s| s.number == number),
                Some(taken) => r.stages.iter().find(|s| s.number == number).or_else(|| {
                    taken
                        .contains(&number)
                        .then(|| self.protocol.stage(number))
                        .flatten()
                }),
            },
        }
    }

    /// The first formal stage: where a case on this route normally opens.
    pub fn first_stage(&self) -> u8 {
        match self.route {
            None => self.protocol.first_stage(),
            Some(_) => self.stages().find(|s| !s.informal).map_or(1, |s| s.number),
        }
    }

    pub fn last_stage(&self) -> u8 {
        self.stages().last().map_or(1, |s| s.number)
    }

    pub fn next_stage(&self, number: u8) -> Option<&'p Stage> {
        match self.route {
            None => self.protocol.next_stage(number),
            Some(_) => self.stages().find(|s| s.number > number),
        }
    }

    /// Where an escalation from Stage `from` on this route goes: the case's move and
    /// its chronology both ask here, so the words say the stage the case went to.
    /// `None` at the route's last stage, where there is nowhere to escalate to.
    pub fn escalation(&self, from: u8, to_stage: Option<u8>) -> Option<Escalation> {
        let next = self.next_stage(from)?.number;
        Some(Escalation {
            next,
            to: to_stage.unwrap_or(next),
        })
    }

    /// Stage `number`'s timescale on this route: the route's own where it sets one.
    pub fn timescale(&self, number: u8) -> Option<&'p Timescale> {
        self.stage(number).and_then(|s| self.timescale_of(s))
    }

    /// The timescale of `stage` (a stage of this route) on this route.
    #[inline]
    pub fn timescale_of(&self, stage: &'p Stage) -> Option<&'p Timescale> {
        let own = self.route.and_then(|r| {
            r.timescales
                .iter()
                .find(|t| t.stage == stage.number)
                .map(|t| &t.timescale)
        });
        own.or(stage.timescale.as_ref())
    }

    /// The route's limits over runs of stages, and its cap.
    pub fn limits(&self) -> &'p [RunLimit] {
        match self.route {
            Some(r) => &r.limits,
            None => &self.protocol.limits,
        }
    }

    pub fn limit(&self, id: &str) -> Option<&'p RunLimit> {
        self.limits().iter().find(|l| l.id == id)
    }

    pub fn cap(&self) -> Option<&'p RunLimit> {
        self.limits().iter().find(|l| l.cap)
    }

    /// The stage numbers, for messages.
    pub fn stage_list(&self) -> String {
        self.stages()
            .map(|s| s.number.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone)]
enum Taken<'p> {
    All(std::slice::Iter<'p, Stage>),
    Some {
        protocol: &'p Protocol,
        numbers: std::slice::Iter<'p, u8>,
    },
}

/// The stages of a route, in order, without allocating.
#[derive(Debug, Clone)]
pub struct RouteStages<'p> {
    taken: Taken<'p>,
    own: std::slice::Iter<'p, Stage>,
}

impl<'p> Iterator for RouteStages<'p> {
    type Item = &'p Stage;

    fn next(&mut self) -> Option<&'p Stage> {
        let taken = match &mut self.taken {
            Taken::All(it) => it.next(),
            Taken::Some { protocol, numbers } => {
                // A number the protocol lacks is a file error the check reports; here it
                // is passed over rather than ending the route early.
                loop {
                    match numbers.next() {
                        Some(n) => {
                            if let Some(s) = protocol.stage(*n) {
                                break Some(s);
                            }
                        }
                        None => break None,
                    }
                }
            }
        };
        taken.or_else(|| self.own.next())
    }
}

/// One thing wrong with a protocol file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtocolError {
    pub file: String,
    /// 1-based line, when the place can be found.
    pub line: Option<usize>,
    /// Path of the field, e.g. `stages[2].timescale.within`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(
                f,
                "{}:{}: {}: {}",
                self.file, line, self.field, self.message
            ),
            None => write!(f, "{}: {}: {}", self.file, self.field, self.message),
        }
    }
}

/// Everything wrong with a protocol file, in file order: the first
/// [`MAX_REPORTED_ERRORS`] problems, and how many more there were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct ProtocolErrors {
    pub errors: Vec<ProtocolError>,
    /// Problems found after the first [`MAX_REPORTED_ERRORS`], counted but not kept.
    pub more: usize,
}

/// A file with thousands of problems needs its first few fixed, not a screenful of
/// the same one; keeping them all would cost memory in proportion to the file.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// The largest protocol file Escalate reads: the shipped ones are under 20 KiB.
pub const MAX_PROTOCOL_FILE_BYTES: usize = 1024 * 1024;

impl ProtocolErrors {
    pub fn code(&self) -> crate::ErrorCode {
        crate::ErrorCode::ProtocolInvalid
    }

    /// One problem that stops the check.
    pub(crate) fn one(error: ProtocolError) -> ProtocolErrors {
        ProtocolErrors {
            errors: vec![error],
            more: 0,
        }
    }
}

impl fmt::Display for ProtocolErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        if self.more > 0 {
            let file = self.errors.first().map_or("", |e| e.file.as_str());
            write!(
                f,
                "\n{file}: and {} more problem{} not listed: fix those above and check again",
                self.more,
                if self.more == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

/// A commented starter file in the newest format that passes the check: what
/// `escalate protocol new` writes for a partnership to fill in with its own words.
pub const STARTER: &str = include_str!("starter.toml");

/// Characters that change how text reads without showing: direction marks and
/// overrides, and zero-width ones. A version carrying one can look like another.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Why `version` cannot name a version of a protocol, where it cannot: a version is
/// shown to leads and carried to the Board, so it must read as what it is.
pub fn version_problem(version: &str) -> Option<String> {
    if let Some(c) = version.chars().find(|c| c.is_control()) {
        return Some(format!(
            "contains the control character U+{:04X}: write the version as plain printable text, e.g. \"2024.1\"",
            u32::from(c)
        ));
    }
    if let Some(c) = version.chars().find(|&c| is_invisible(c)) {
        return Some(format!(
            "contains the invisible character U+{:04X} (a direction or zero-width mark): delete it, so the version reads as it looks",
            u32::from(c)
        ));
    }
    if version.trim() != version {
        return Some(
            "starts or ends with a space: delete the spaces around the version".to_owned(),
        );
    }
    None
}

/// A version as it reads to a person: compatibility spaces as spaces, invisible
/// characters gone, full-width letters and digits as plain ones, case ignored. Two
/// versions that fold the same look alike, so a store holds only one of them.
pub fn version_folded(version: &str) -> String {
    let mut out = String::with_capacity(version.len());
    let mut space = false;
    for c in version.chars().filter(|&c| !is_invisible(c)) {
        let c = match c {
            // Full-width ASCII (U+FF01..U+FF5E) folds to ASCII, as NFKC does.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{builtin_ids, builtin_protocols};

    #[test]
    fn limits_parse_and_print_back() {
        for s in [
            "5 working days",
            "1 working day",
            "28 calendar days",
            "1 calendar day",
            "24 hours",
            "same working day",
            "without delay",
            "none",
        ] {
            let l: Limit = s.parse().unwrap();
            assert_eq!(l.to_string(), s);
        }
        assert_eq!("immediately".parse::<Limit>().unwrap(), Limit::WithoutDelay);
        assert_eq!(
            "0 working days".parse::<Limit>().unwrap(),
            Limit::WorkingDays(0)
        );
    }

    #[test]
    fn days_are_calendar_days() {
        assert_eq!("5 days".parse::<Limit>().unwrap(), Limit::CalendarDays(5));
        assert_eq!("1 day".parse::<Limit>().unwrap(), Limit::CalendarDays(1));
        assert_eq!(
            "28 Calendar Days".parse::<Limit>().unwrap(),
            Limit::CalendarDays(28)
        );
        assert_eq!("0 days".parse::<Limit>().unwrap(), Limit::CalendarDays(0));
        assert!("367 days"
            .parse::<Limit>()
            .unwrap_err()
            .contains("at most a year"));
        assert!(Limit::CalendarDays(28).is_dated());
    }

    #[test]
    fn bad_limits_say_what_is_expected() {
        let e = "5 weeks".parse::<Limit>().unwrap_err();
        assert!(e.contains("working days"), "{e}");
        let e = "1 working week".parse::<Limit>().unwrap_err();
        assert_eq!(
            e,
            "'1 working week' is not a timescale: write weeks in days, as \"5 working days\""
        );
        let e = "2 weeks".parse::<Limit>().unwrap_err();
        assert_eq!(
            e,
            "'2 weeks' is not a timescale: write weeks in days, as \"10 working days\" (or \"14 days\" for calendar days)"
        );
        let e = "soon".parse::<Limit>().unwrap_err();
        assert!(e.contains("\"N working days\""), "{e}");
        let e = "0 hours".parse::<Limit>().unwrap_err();
        assert!(
            e.starts_with("'0 hours' is not a timescale: give at least 1 hour"),
            "{e}"
        );
        let e = "400 working days".parse::<Limit>().unwrap_err();
        assert!(e.contains("at most a year"), "{e}");
    }

    #[test]
    fn requirements_parse() {
        assert_eq!(
            Requirement::try_from("risk-analysis".to_owned()).unwrap(),
            Requirement::Field(RecordField::new("risk-analysis").unwrap())
        );
        assert_eq!(
            Requirement::try_from("record".to_owned()).unwrap(),
            Requirement::Record
        );
        // Any id may name a field; the check refuses one the stage's record lacks.
        let e = Requirement::try_from("Signature".to_owned()).unwrap_err();
        assert!(e.starts_with("'Signature' is not a requirement"), "{e}");
    }

    #[test]
    fn the_starter_file_checks_clean_and_shows_every_format_2_key() {
        let p = Protocol::from_toml(STARTER, "starter.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.format, FORMAT_LATEST);
        assert_eq!(p.limits.len(), 2);
        assert!(p.limits.iter().any(|l| l.cap));
        assert!(p.skipping.is_some());
        assert!(p.stages.iter().any(|s| s.optional));
        assert!(p
            .stages
            .iter()
            .any(|s| s.timescale.as_ref().is_some_and(|t| t.extension.is_some())));
        assert!(p.stages.iter().any(|s| s
            .timescale
            .as_ref()
            .is_some_and(|t| matches!(t.within, Limit::CalendarDays(28)))));
        assert_eq!(p.routes.len(), 1);
        assert_eq!(
            p.route(Some("urgent"))
                .unwrap()
                .timescale(1)
                .unwrap()
                .within,
            Limit::Hours(24)
        );
    }

    #[test]
    fn all_builtins_parse_with_their_ids() {
        let ps = builtin_protocols().unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<_> = ps.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "western-bay",
                "london",
                "four-stage",
                "doncaster",
                "south-gloucestershire"
            ]
        );
        assert_eq!(builtin_ids().len(), 5);
    }
}
