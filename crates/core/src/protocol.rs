//! A partnership's Resolution of Professional Differences protocol, as data.
//!
//! The file format is TOML and is documented in `docs/protocol-format.md`. Every
//! sentence a lead is shown (actions, next steps, redirects) is the protocol's own
//! words, kept in the file, so a partnership can load its protocol without a new build.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::calendar::CalendarId;
use crate::sector::Sector;

/// How long something may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(type = "string"))]
#[serde(try_from = "String", into = "String")]
pub enum Limit {
    /// The Nth working day strictly after the anchor's date, to the end of that day.
    WorkingDays(u32),
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
            Limit::WorkingDays(_) | Limit::Hours(_) | Limit::SameWorkingDay
        )
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::WorkingDays(1) => f.write_str("1 working day"),
            Limit::WorkingDays(n) => write!(f, "{n} working days"),
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
/// The longest limit a protocol may set in hours: a year (366 days).
pub const MAX_LIMIT_HOURS: u32 = 24 * 366;

const LIMIT_HELP: &str =
    "expected \"N working days\", \"N hours\", \"same working day\", \"without delay\" or \"none\"";

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
            (Some(n), ["hour" | "hours"]) if (1..=MAX_LIMIT_HOURS).contains(&n) => {
                Ok(Limit::Hours(n))
            }
            (Some(_), ["working", "day" | "days"] | ["hour" | "hours"]) => {
                Err(format!("'{s}' is too long: a timescale is at most a year"))
            }
            (Some(_), ["day" | "days"]) => Err(format!(
                "'{s}' does not say which days: write \"N working days\" (calendar days are not used by any protocol)"
            )),
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

/// The printable forms Escalate produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum FormId {
    /// Western Bay's Resolution of Professional Differences Report.
    RpdReport,
    /// South Gloucestershire's Monitoring Form (Appendix Three).
    MonitoringForm,
    /// Doncaster's Form for Submitting Cases for Escalation and Resolution (Appendix 2).
    EscalationForm,
    /// The written record of one stage.
    StageRecord,
    /// Every stage, record, notification and deadline in date order.
    Chronology,
}

impl FormId {
    pub const ALL: [FormId; 5] = [
        FormId::RpdReport,
        FormId::MonitoringForm,
        FormId::EscalationForm,
        FormId::StageRecord,
        FormId::Chronology,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FormId::RpdReport => "rpd-report",
            FormId::MonitoringForm => "monitoring-form",
            FormId::EscalationForm => "escalation-form",
            FormId::StageRecord => "stage-record",
            FormId::Chronology => "chronology",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            FormId::RpdReport => "Resolution of Professional Differences Report",
            FormId::MonitoringForm => "Monitoring Form",
            FormId::EscalationForm => "Form for Submitting Cases for Escalation and Resolution",
            FormId::StageRecord => "Stage record",
            FormId::Chronology => "Case chronology",
        }
    }
}

impl fmt::Display for FormId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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

/// Fields a stage record must carry beyond the common ones (date and time,
/// participants, each party's view, summary, agreed outcome, resolved or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum RecordField {
    /// Analysis of the perceived risk to the child and the steps taken to resolve the matter.
    RiskAnalysis,
    /// Clear evidence-based reasons for the disagreement.
    Evidence,
    /// Advice taken from the raising agency's safeguarding lead.
    LeadAdvice,
    /// What the raising professional wants to happen.
    DesiredOutcome,
    /// That the difference of opinion was formally minuted.
    Minutes,
    /// How the matter will be settled (e.g. mediation or a Resolution Panel).
    Route,
    /// Lessons learned for future practice.
    Lessons,
}

impl RecordField {
    pub const ALL: [RecordField; 7] = [
        RecordField::RiskAnalysis,
        RecordField::Evidence,
        RecordField::LeadAdvice,
        RecordField::DesiredOutcome,
        RecordField::Minutes,
        RecordField::Route,
        RecordField::Lessons,
    ];

    /// The field's label on the forms and in the app, in the protocols' words.
    pub fn label(self) -> &'static str {
        match self {
            RecordField::RiskAnalysis => "Analysis of the perceived risk to the child and the steps taken to try to resolve the matter",
            RecordField::Evidence => "Clear evidence based reasons for the disagreement",
            RecordField::LeadAdvice => "Advice taken from the safeguarding lead",
            RecordField::DesiredOutcome => "What the complainant would like to happen",
            RecordField::Minutes => "Difference of opinion formally minuted",
            RecordField::Route => "Mediation or Resolution Panel",
            RecordField::Lessons => "Lessons learned",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RecordField::RiskAnalysis => "risk-analysis",
            RecordField::Evidence => "evidence",
            RecordField::LeadAdvice => "lead-advice",
            RecordField::DesiredOutcome => "desired-outcome",
            RecordField::Minutes => "minutes",
            RecordField::Route => "route",
            RecordField::Lessons => "lessons",
        }
    }
}

impl fmt::Display for RecordField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What must exist before a case may leave a stage upwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
        r.to_string()
    }
}

impl TryFrom<String> for Requirement {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s == "record" {
            return Ok(Requirement::Record);
        }
        let field: Result<RecordField, _> = RecordField::deserialize(
            serde::de::value::StrDeserializer::<serde::de::value::Error>::new(&s),
        );
        field.map(Requirement::Field).map_err(|_| {
            format!(
                "'{s}' is not a requirement: expected \"record\" or a record field (risk-analysis, evidence, lead-advice, desired-outcome, minutes, route, lessons)"
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
    /// A step before the formal stages (Doncaster's informal stage): never planned.
    #[serde(default)]
    pub informal: bool,
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

/// Who is involved at each stage for one sector (South Gloucestershire's indicative structure).
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

/// A whole protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Protocol {
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
}

impl Protocol {
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

    /// Parse and validate a protocol file. `file` names it in errors. A text longer
    /// than [`MAX_PROTOCOL_FILE_BYTES`] is refused before it is parsed.
    pub fn from_toml(src: &str, file: &str) -> Result<Protocol, ProtocolErrors> {
        crate::protocol_file::parse(src, file)
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

/// The ids of the shipped protocols, for messages.
pub fn builtin_ids() -> BTreeSet<&'static str> {
    BUILTIN
        .iter()
        .map(|(file, _)| file.trim_end_matches(".toml"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_and_print_back() {
        for s in [
            "5 working days",
            "1 working day",
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
    fn bad_limits_say_what_is_expected() {
        let e = "5 days".parse::<Limit>().unwrap_err();
        assert!(e.contains("working days"), "{e}");
        let e = "soon".parse::<Limit>().unwrap_err();
        assert!(e.contains("\"N working days\""), "{e}");
        assert!("0 hours".parse::<Limit>().is_err());
        assert!("400 working days".parse::<Limit>().is_err());
    }

    #[test]
    fn requirements_parse() {
        assert_eq!(
            Requirement::try_from("risk-analysis".to_owned()).unwrap(),
            Requirement::Field(RecordField::RiskAnalysis)
        );
        assert_eq!(
            Requirement::try_from("record".to_owned()).unwrap(),
            Requirement::Record
        );
        assert!(Requirement::try_from("signature".to_owned()).is_err());
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
