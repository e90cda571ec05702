//! The deadline and next-step engine: given a case, its protocol, a calendar and
//! `now`, what is due, when, how urgent, what to do next and who to contact.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use crate::calendar::{Calendar, CalendarError};
use crate::case::{Case, CaseState, StageEntry};
use crate::protocol::{Anchor, FormRequirement, Limit, Notification, Protocol, Requirement, Stage};
use crate::sector::Sector;

/// When something falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// How urgent a deadline, or a whole case, is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Urgency {
    OnTrack,
    /// Due by the end of the next working day, or owed without delay.
    DueSoon,
    Overdue {
        working_days: u32,
    },
}

impl Urgency {
    /// Higher is more urgent; overdue cases order by how long overdue.
    pub fn rank(&self) -> u64 {
        match self {
            Urgency::OnTrack => 0,
            Urgency::DueSoon => 1,
            Urgency::Overdue { working_days } => 2 + u64::from(*working_days),
        }
    }

    pub fn words(&self) -> String {
        match self {
            Urgency::OnTrack => "on track".to_owned(),
            Urgency::DueSoon => "due within one working day".to_owned(),
            Urgency::Overdue { working_days: 1 } => "overdue by 1 working day".to_owned(),
            Urgency::Overdue { working_days } => format!("overdue by {working_days} working days"),
        }
    }
}

/// Compute when something is due, `limit` after `from`.
pub fn due_after(limit: Limit, from: NaiveDateTime, cal: &Calendar) -> Result<Due, CalendarError> {
    Ok(match limit {
        Limit::WorkingDays(n) => Due::EndOfDay(cal.add_working_days(from.date(), n)?),
        Limit::Hours(h) => Due::At(cal.add_hours(from, h)?),
        Limit::SameWorkingDay => Due::EndOfDay(cal.same_working_day(from.date())?),
        Limit::WithoutDelay => Due::WithoutDelay,
        Limit::None => Due::NoLimit,
    })
}

/// Which kind of deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum DeadlineKind {
    /// The current stage's own limit, counted from the stage (or receipt).
    Stage,
    /// The current stage's limit counted from the outset of the concern.
    Cumulative,
    /// A further step inside the stage.
    Step,
    /// Someone is owed a copy, a letter or a call.
    Notification,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeadlineStatus<'a> {
    pub kind: DeadlineKind,
    /// `None` for the protocol's on-resolution notifications.
    pub stage: Option<u8>,
    pub id: &'a str,
    pub what: &'a str,
    /// For notifications: who is owed.
    pub to: Option<&'a str>,
    pub due: Due,
    pub urgency: Urgency,
    /// The reason given, where a shorter child-protective deadline replaced the protocol's.
    pub shortened: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    Both,
    Raising,
    Receiving,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Contact<'a> {
    pub side: Side,
    pub sector: Option<Sector>,
    pub who: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormDue<'a> {
    #[serde(flatten)]
    pub form: &'a FormRequirement,
    /// The event that makes it due has happened.
    pub owed: bool,
}

/// Everything a lead needs to know about a case now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseStatus<'a> {
    pub state: crate::model::StateKind,
    pub stage: u8,
    pub stage_title: &'a str,
    pub urgency: Urgency,
    pub next_deadline: Option<DeadlineStatus<'a>>,
    /// Soonest first.
    pub deadlines: Vec<DeadlineStatus<'a>>,
    /// What to do if the difference is not resolved at this stage, in the protocol's words.
    pub next_step: &'a str,
    /// The stage's checklist, in the protocol's words.
    pub actions: &'a [String],
    pub contacts: Vec<Contact<'a>>,
    pub forms: Vec<FormDue<'a>>,
    /// What the stage record still needs before the case may be escalated.
    pub escalation_blockers: Vec<Requirement>,
    /// Where a redirected case was sent.
    pub redirected_to: Option<&'a str>,
}

/// The dashboard's view: urgency and the next dated deadline, without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub urgency: Urgency,
    pub next_due: Option<Due>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    #[error("case belongs to protocol '{case}', not '{protocol}'")]
    WrongProtocol { case: String, protocol: String },
    #[error("case is at Stage {stage}, which protocol '{protocol}' does not have: was the protocol file changed?")]
    UnknownStage { protocol: String, stage: u8 },
    #[error("case has no stages")]
    Empty,
}

impl EngineError {
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            EngineError::Calendar(e) => e.code(),
            EngineError::WrongProtocol { .. } => crate::ErrorCode::CaseWrongProtocol,
            EngineError::UnknownStage { .. } => crate::ErrorCode::StageUnknown,
            EngineError::Empty => crate::ErrorCode::CaseEmpty,
        }
    }
}

/// The engine at one moment, on one calendar. Cheap to build; reuse it across cases.
#[derive(Debug, Clone)]
pub struct Engine<'c> {
    calendar: &'c Calendar,
    now: NaiveDateTime,
    /// End of the next working day after today: anything due by then is due soon.
    soon_until: NaiveDate,
}

impl<'c> Engine<'c> {
    pub fn new(calendar: &'c Calendar, now: NaiveDateTime) -> Result<Engine<'c>, CalendarError> {
        let soon_until = calendar.add_working_days(now.date(), 1)?;
        Ok(Engine {
            calendar,
            now,
            soon_until,
        })
    }

    pub fn now(&self) -> NaiveDateTime {
        self.now
    }

    pub fn urgency(&self, due: &Due) -> Result<Urgency, CalendarError> {
        let today = self.now.date();
        let (overdue, date) = match due {
            Due::EndOfDay(d) => (today > *d, *d),
            Due::At(t) => (self.now > *t, t.date()),
            Due::WithoutDelay => return Ok(Urgency::DueSoon),
            Due::NoLimit => return Ok(Urgency::OnTrack),
        };
        Ok(if overdue {
            Urgency::Overdue {
                working_days: self.calendar.working_days_between(date, today)?.max(1),
            }
        } else if date <= self.soon_until {
            Urgency::DueSoon
        } else {
            Urgency::OnTrack
        })
    }

    fn entry<'a, 'k>(
        &self,
        protocol: &'a Protocol,
        case: &'k Case,
    ) -> Result<(&'k StageEntry, &'a Stage), EngineError> {
        if case.protocol != protocol.id {
            return Err(EngineError::WrongProtocol {
                case: case.protocol.clone(),
                protocol: protocol.id.clone(),
            });
        }
        let entry = case.current().ok_or(EngineError::Empty)?;
        let stage = protocol
            .stage(entry.stage)
            .ok_or_else(|| EngineError::UnknownStage {
                protocol: protocol.id.clone(),
                stage: entry.stage,
            })?;
        Ok((entry, stage))
    }

    /// Visit every live deadline of the case, unsorted.
    fn each_deadline<'a>(
        &self,
        protocol: &'a Protocol,
        case: &Case,
        entry: &StageEntry,
        stage: &'a Stage,
        mut visit: impl FnMut(DeadlineStatus<'a>),
    ) -> Result<(), EngineError> {
        let open = case.is_open();
        if open {
            let shorter = case
                .shorter_deadlines
                .iter()
                .filter(|s| s.stage == entry.stage)
                .min_by_key(|s| s.due);
            let main = match &stage.timescale {
                Some(t) if t.within != Limit::None => {
                    let from = entry.anchor_time(case, t.from).unwrap_or(entry.started_at);
                    let kind = if t.from == Anchor::CaseStart {
                        DeadlineKind::Cumulative
                    } else {
                        DeadlineKind::Stage
                    };
                    Some((
                        kind,
                        t.words.as_str(),
                        due_after(t.within, from, self.calendar)?,
                    ))
                }
                _ => None,
            };
            let (kind, what, due, shortened) = match (main, shorter) {
                (Some((kind, what, due)), Some(s))
                    if Due::At(s.due).order_key() < due.order_key() =>
                {
                    (kind, what, Due::At(s.due), Some(s.reason.clone()))
                }
                (Some((kind, what, due)), _) => (kind, what, due, None),
                (None, Some(s)) => (
                    DeadlineKind::Stage,
                    "Shorter timescale that protects the child",
                    Due::At(s.due),
                    Some(s.reason.clone()),
                ),
                (None, None) => (DeadlineKind::Stage, "", Due::NoLimit, None),
            };
            if due != Due::NoLimit {
                visit(DeadlineStatus {
                    kind,
                    stage: Some(entry.stage),
                    id: "timescale",
                    what,
                    to: None,
                    urgency: self.urgency(&due)?,
                    due,
                    shortened,
                });
            }
            for d in &stage.deadlines {
                let Some(from) = entry.anchor_time(case, d.from) else {
                    continue;
                };
                // A step is done once the stage has a record made after what it counts
                // from: any record for a step counted from the start, a later one for a
                // step counted from an unresolved discussion.
                let done = if d.from == Anchor::UnresolvedDiscussion {
                    entry.records.iter().any(|r| r.discussed_at > from)
                } else {
                    !entry.records.is_empty()
                };
                if done {
                    continue;
                }
                let due = due_after(d.within, from, self.calendar)?;
                visit(DeadlineStatus {
                    kind: DeadlineKind::Step,
                    stage: Some(entry.stage),
                    id: &d.id,
                    what: &d.what,
                    to: None,
                    urgency: self.urgency(&due)?,
                    due,
                    shortened: None,
                });
            }
        }
        if matches!(case.state, CaseState::Open | CaseState::Resolved { .. }) {
            for e in &case.stages {
                let Some(def) = protocol.stage(e.stage) else {
                    continue;
                };
                for n in &def.notifications {
                    self.notification(case, e, Some(e.stage), n, &mut visit)?;
                }
            }
            if let Some(last) = case.current() {
                for n in &protocol.on_resolution {
                    self.notification(case, last, None, n, &mut visit)?;
                }
            }
        }
        Ok(())
    }

    fn notification<'a>(
        &self,
        case: &Case,
        entry: &StageEntry,
        stage: Option<u8>,
        n: &'a Notification,
        visit: &mut impl FnMut(DeadlineStatus<'a>),
    ) -> Result<(), EngineError> {
        let Some(from) = entry.anchor_time(case, n.on) else {
            return Ok(());
        };
        if case
            .sent
            .iter()
            .any(|s| s.stage == stage && s.notification == n.id)
        {
            return Ok(());
        }
        let due = due_after(n.within, from, self.calendar)?;
        visit(DeadlineStatus {
            kind: DeadlineKind::Notification,
            stage,
            id: &n.id,
            what: &n.what,
            to: Some(&n.to),
            urgency: self.urgency(&due)?,
            due,
            shortened: None,
        });
        Ok(())
    }

    /// Urgency and next deadline only: the dashboard's question, asked of many cases.
    pub fn summary(&self, protocol: &Protocol, case: &Case) -> Result<Summary, EngineError> {
        let (entry, stage) = self.entry(protocol, case)?;
        let mut urgency = Urgency::OnTrack;
        let mut next: Option<Due> = None;
        self.each_deadline(protocol, case, entry, stage, |d| {
            if d.urgency.rank() > urgency.rank() {
                urgency = d.urgency;
            }
            if next.is_none_or(|n| d.due.order_key() < n.order_key()) {
                next = Some(d.due);
            }
        })?;
        Ok(Summary {
            urgency,
            next_due: next,
        })
    }

    /// The full status of a case.
    pub fn status<'a>(
        &self,
        protocol: &'a Protocol,
        case: &Case,
    ) -> Result<CaseStatus<'a>, EngineError> {
        let (entry, stage) = self.entry(protocol, case)?;
        let mut deadlines = Vec::new();
        self.each_deadline(protocol, case, entry, stage, |d| deadlines.push(d))?;
        deadlines.sort_by_key(|d| d.due.order_key());
        let urgency = deadlines
            .iter()
            .map(|d| d.urgency)
            .max_by_key(Urgency::rank)
            .unwrap_or(Urgency::OnTrack);
        let next_deadline = deadlines.iter().find(|d| d.due != Due::NoLimit).cloned();

        let mut contacts = vec![Contact {
            side: Side::Both,
            sector: None,
            who: stage.contact.as_str(),
        }];
        for (side, sector) in [
            (Side::Raising, case.raising_sector),
            (Side::Receiving, case.receiving_sector),
        ] {
            if let Some(sector) = sector {
                if let Some(who) = protocol
                    .sector_roles(sector)
                    .and_then(|r| r.at(entry.stage))
                {
                    contacts.push(Contact {
                        side,
                        sector: Some(sector),
                        who,
                    });
                }
            }
        }

        let forms = stage
            .forms
            .iter()
            .map(|f| FormDue {
                form: f,
                owed: entry.anchor_time(case, f.on).is_some(),
            })
            .collect();

        let redirected_to = match &case.state {
            CaseState::Redirected { exclusion, .. } => {
                protocol.exclusion(exclusion).map(|e| e.redirect.as_str())
            }
            _ => None,
        };
        let next_step = match &case.state {
            CaseState::Open => stage.next_step.as_str(),
            CaseState::Resolved { .. } => stage
                .outcome
                .as_deref()
                .unwrap_or("Resolved: send the copies and letters still owed, below."),
            CaseState::Withdrawn { .. } => "Withdrawn: no further steps.",
            CaseState::Redirected { .. } => {
                redirected_to.unwrap_or("Redirected out of this protocol.")
            }
        };

        Ok(CaseStatus {
            state: case.state.kind(),
            stage: entry.stage,
            stage_title: &stage.title,
            urgency,
            next_deadline,
            deadlines,
            next_step,
            actions: &stage.actions,
            contacts,
            forms,
            escalation_blockers: if case.is_open() {
                case.escalation_blockers(protocol)
            } else {
                Vec::new()
            },
            redirected_to,
        })
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedStage<'a> {
    pub stage: u8,
    pub title: &'a str,
    /// When the stage starts if every earlier stage runs to its limit.
    pub starts: Option<NaiveDateTime>,
    pub due: PlanDue,
}

/// Each formal stage's due date if every stage runs to its limit. The case starts at
/// the first formal stage at `opened`; each later stage starts when the one before
/// falls due; cumulative timescales count from `opened`. Informal steps are not planned.
pub fn plan<'a>(
    protocol: &'a Protocol,
    calendar: &Calendar,
    opened: NaiveDateTime,
) -> Result<Vec<PlannedStage<'a>>, CalendarError> {
    let mut out = Vec::new();
    let mut start = Some(opened);
    // The stage whose open end left the following start unknown.
    let mut unknown_after: Option<u8> = None;
    for stage in protocol.stages.iter().filter(|s| !s.informal) {
        let (due, next_start) = match &stage.timescale {
            Some(t) if t.within.is_dated() => {
                let from = match t.from {
                    Anchor::CaseStart => Some(opened),
                    _ => start,
                };
                match from {
                    Some(from) => match due_after(t.within, from, calendar)? {
                        Due::EndOfDay(d) => (PlanDue::Date(d), Some(d.and_time(opened.time()))),
                        Due::At(at) => (PlanDue::At(at), Some(at)),
                        // is_dated() rules these out.
                        Due::WithoutDelay | Due::NoLimit => (PlanDue::NoLimit, None),
                    },
                    None => (PlanDue::AfterStage(unknown_after.unwrap_or(0)), None),
                }
            }
            Some(t) if t.within == Limit::WithoutDelay => (PlanDue::WithoutDelay, start),
            _ if stage.entry == Limit::WithoutDelay => (PlanDue::WithoutDelay, None),
            _ => (PlanDue::NoLimit, None),
        };
        unknown_after = match next_start {
            Some(_) => None,
            None => unknown_after.or(Some(stage.number)),
        };
        out.push(PlannedStage {
            stage: stage.number,
            title: &stage.title,
            starts: start,
            due,
        });
        start = next_start;
    }
    Ok(out)
}
