//! The values a deadline is made of, below the engine that computes them: when it
//! falls due, and which deadline an extension names. A leaf, so the case, the formatter
//! and the engine can all hold them without importing one another.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

/// When something falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "at", rename_all = "kebab-case")]
pub enum Due {
    /// The end of this day.
    EndOfDay(NaiveDate),
    /// This moment.
    At(NaiveDateTime),
    /// Owed now, with no date to count to.
    WithoutDelay,
    /// No timescale.
    NoLimit,
}

impl Due {
    /// A key that orders dues soonest first: without delay, then by time, then no limit.
    pub fn order_key(&self) -> (u8, NaiveDateTime) {
        match self {
            Due::WithoutDelay => (0, NaiveDateTime::MIN),
            Due::EndOfDay(d) => (
                1,
                d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)),
            ),
            Due::At(t) => (1, *t),
            Due::NoLimit => (2, NaiveDateTime::MAX),
        }
    }

    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Due::EndOfDay(d) => Some(*d),
            Due::At(t) => Some(t.date()),
            _ => None,
        }
    }
}

impl std::fmt::Display for Due {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Due::EndOfDay(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Due::At(t) => write!(f, "{}", t.format("%Y-%m-%dT%H:%M")),
            Due::WithoutDelay => f.write_str("without delay"),
            Due::NoLimit => f.write_str("no limit"),
        }
    }
}

/// The deadline an extension names: a stage's own timescale, or one of the route's
/// `[[limits]]` (the cap included) by its id. Written as it always was, one string:
/// `"timescale"`, or the limit's id, which a protocol may not spell `timescale`; so
/// the logs written before this was an enum still read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub enum DeadlineId {
    /// The current stage's own timescale.
    Timescale,
    /// A limit over a run of stages, or the cap, by its id.
    Limit(String),
}

impl DeadlineId {
    /// How the stage's own timescale is written: in logs, on the command line, and
    /// as the engine's id for it.
    pub const TIMESCALE: &'static str = "timescale";

    pub fn as_str(&self) -> &str {
        match self {
            DeadlineId::Timescale => Self::TIMESCALE,
            DeadlineId::Limit(id) => id,
        }
    }

    /// The deadline a written id names: every id but `timescale` is a limit's.
    pub fn parse(id: &str) -> DeadlineId {
        if id == Self::TIMESCALE {
            DeadlineId::Timescale
        } else {
            DeadlineId::Limit(id.to_owned())
        }
    }
}

impl From<&str> for DeadlineId {
    fn from(id: &str) -> DeadlineId {
        DeadlineId::parse(id)
    }
}

impl From<String> for DeadlineId {
    fn from(id: String) -> DeadlineId {
        if id == Self::TIMESCALE {
            DeadlineId::Timescale
        } else {
            DeadlineId::Limit(id)
        }
    }
}

impl std::str::FromStr for DeadlineId {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<DeadlineId, Self::Err> {
        Ok(DeadlineId::parse(s))
    }
}

impl std::fmt::Display for DeadlineId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for DeadlineId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for DeadlineId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for DeadlineId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DeadlineId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<DeadlineId, D::Error> {
        String::deserialize(d).map(DeadlineId::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_the_strings_logs_already_hold() {
        for (id, json) in [
            (DeadlineId::Timescale, r#""timescale""#),
            (
                DeadlineId::Limit("stages-1-3".to_owned()),
                r#""stages-1-3""#,
            ),
        ] {
            assert_eq!(serde_json::to_string(&id).unwrap(), json);
            assert_eq!(serde_json::from_str::<DeadlineId>(json).unwrap(), id);
        }
    }
}

/// A stage's due date in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "at", rename_all = "kebab-case")]
pub enum PlanDue {
    Date(NaiveDate),
    At(NaiveDateTime),
    WithoutDelay,
    NoLimit,
    /// Counted from a stage start the plan cannot know, because an earlier stage has no limit.
    AfterStage(u8),
}

impl std::fmt::Display for PlanDue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanDue::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            PlanDue::At(t) => write!(f, "{}", t.format("%Y-%m-%dT%H:%M")),
            PlanDue::WithoutDelay => f.write_str("without delay"),
            PlanDue::NoLimit => f.write_str("no limit"),
            PlanDue::AfterStage(n) => write!(f, "after stage {n}"),
        }
    }
}
