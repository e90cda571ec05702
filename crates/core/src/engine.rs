//! The deadline and next-step engine: given a case, its protocol, a calendar and
//! `now`, what is due, when, how urgent, what to do next and who to contact.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::calendar::{Calendar, CalendarError};
use crate::case::{Case, CaseState, Event, Extension, StageEntry, TransitionError};
pub use crate::deadline::{DeadlineId, Due, PlanDue};
use crate::protocol::{
    Anchor, FormRequirement, Limit, Notification, Protocol, Requirement, RouteView, RunLimit, Stage,
};
use crate::sector::Sector;

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
#[inline]
pub fn due_after(limit: Limit, from: NaiveDateTime, cal: &Calendar) -> Result<Due, CalendarError> {
    Ok(match limit {
        Limit::WorkingDays(n) => Due::EndOfDay(cal.add_working_days(from.date(), n)?),
        Limit::CalendarDays(n) => Due::EndOfDay(cal.add_calendar_days(from.date(), n)?),
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
    /// A limit over a run of stages (`[[limits]]`): its `id` is the limit's.
    Limit,
    /// The cap on the whole process.
    Cap,
}

/// A deadline extended by agreement: who agreed, when and why, and the due it replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Extended {
    pub agreed_by: String,
    pub agreed_on: NaiveDate,
    pub reason: String,
    /// The due the protocol set (or the one an earlier extension set).
    pub was: Due,
    /// `was` in words for people (`escalate_core::format::due`), filled by
    /// [`Engine::status`] as `due_text` is.
    pub was_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeadlineStatus<'a> {
    pub kind: DeadlineKind,
    /// `None` for the protocol's on-resolution notifications.
    pub stage: Option<u8>,
    pub id: Cow<'a, str>,
    pub what: Cow<'a, str>,
    /// For notifications: who is owed.
    pub to: Option<Cow<'a, str>>,
    pub due: Due,
    /// `due` in words for people (`escalate_core::format::due`), filled by
    /// [`Engine::status`]; empty in the dashboard's summary, which never shows it.
    pub due_text: String,
    pub urgency: Urgency,
    /// The reason given, where a shorter child-protective deadline replaced the protocol's.
    pub shortened: Option<String>,
    /// Where the deadline was extended by agreement, as the protocol allows.
    // Boxed: rare, and the dashboard moves one of these per deadline.
    pub extended: Option<Box<Extended>>,
    /// For a run's limit: the cap's id, where the cap falls due first and so sets the due.
    pub capped_by: Option<Cow<'a, str>>,
}

impl DeadlineStatus<'_> {
    /// The deadline with its own copy of the protocol's words, to outlive the protocol.
    pub fn into_owned(self) -> DeadlineStatus<'static> {
        DeadlineStatus {
            kind: self.kind,
            stage: self.stage,
            id: owned(self.id),
            what: owned(self.what),
            to: self.to.map(owned),
            due: self.due,
            due_text: self.due_text,
            urgency: self.urgency,
            shortened: self.shortened,
            extended: self.extended,
            capped_by: self.capped_by.map(owned),
        }
    }

    /// The id an extension of this deadline names, where it is one that may be
    /// extended: the stage's timescale, a run's limit or the cap.
    pub fn extension_id(&self) -> Option<DeadlineId> {
        match self.kind {
            DeadlineKind::Stage | DeadlineKind::Cumulative => Some(DeadlineId::Timescale),
            DeadlineKind::Limit | DeadlineKind::Cap => Some(DeadlineId::Limit(self.id.to_string())),
            DeadlineKind::Step | DeadlineKind::Notification => None,
        }
    }
}

/// Borrowed words made owned. The engine's answers borrow from the protocol, which is
/// cheap for the dashboard; an answer kept beyond the protocol (a case's detail) owns
/// them instead.
fn owned<T: ToOwned + ?Sized>(c: Cow<'_, T>) -> Cow<'static, T> {
    Cow::Owned(c.into_owned())
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
    pub who: Cow<'a, str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormDue<'a> {
    #[serde(flatten)]
    pub form: Cow<'a, FormRequirement>,
    /// The event that makes it due has happened.
    pub owed: bool,
}

/// Everything a lead needs to know about a case now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseStatus<'a> {
    pub state: crate::case::StateKind,
    /// The route the case is on, and its name.
    pub route: Cow<'a, str>,
    pub route_name: Cow<'a, str>,
    pub stage: u8,
    pub stage_title: Cow<'a, str>,
    pub urgency: Urgency,
    pub next_deadline: Option<DeadlineStatus<'a>>,
    /// Soonest first.
    pub deadlines: Vec<DeadlineStatus<'a>>,
    /// What to do if the difference is not resolved at this stage, in the protocol's words.
    pub next_step: Cow<'a, str>,
    /// The stage's checklist, in the protocol's words.
    pub actions: Cow<'a, [String]>,
    /// What the stage's record holds (its words and fields), on the case's route.
    pub record: Cow<'a, crate::protocol::RecordRule>,
    pub contacts: Vec<Contact<'a>>,
    pub forms: Vec<FormDue<'a>>,
    /// What the stage record still needs before the case may be escalated.
    pub escalation_blockers: Vec<Requirement>,
    /// Where a redirected case was sent.
    pub redirected_to: Option<Cow<'a, str>>,
}

impl CaseStatus<'_> {
    /// The answer with its own copy of the protocol's words, to outlive the protocol.
    pub fn into_owned(self) -> CaseStatus<'static> {
        CaseStatus {
            state: self.state,
            route: owned(self.route),
            route_name: owned(self.route_name),
            stage: self.stage,
            stage_title: owned(self.stage_title),
            urgency: self.urgency,
            next_deadline: self.next_deadline.map(DeadlineStatus::into_owned),
            deadlines: self
                .deadlines
                .into_iter()
                .map(DeadlineStatus::into_owned)
                .collect(),
            next_step: owned(self.next_step),
            actions: owned(self.actions),
            record: owned(self.record),
            contacts: self
                .contacts
                .into_iter()
                .map(|c| Contact {
                    side: c.side,
                    sector: c.sector,
                    who: owned(c.who),
                })
                .collect(),
            forms: self
                .forms
                .into_iter()
                .map(|f| FormDue {
                    form: owned(f.form),
                    owed: f.owed,
                })
                .collect(),
            escalation_blockers: self.escalation_blockers,
            redirected_to: self.redirected_to.map(owned),
        }
    }
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
    #[error("route: protocol '{protocol}' has no route '{route}': use one of {known}")]
    UnknownRoute {
        protocol: String,
        route: String,
        known: String,
    },
}

impl EngineError {
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            EngineError::Calendar(e) => e.code(),
            EngineError::WrongProtocol { .. } => crate::ErrorCode::CaseWrongProtocol,
            EngineError::UnknownStage { .. } => crate::ErrorCode::StageUnknown,
            EngineError::Empty => crate::ErrorCode::CaseEmpty,
            EngineError::UnknownRoute { .. } => crate::ErrorCode::RouteUnknown,
        }
    }
}

/// A route by the id a case keeps (`None`: the standard route), or the error that its
/// protocol no longer has it.
#[inline]
pub(crate) fn route_of<'a>(
    protocol: &'a Protocol,
    route: Option<&str>,
) -> Result<RouteView<'a>, EngineError> {
    protocol
        .route(route)
        .ok_or_else(|| EngineError::UnknownRoute {
            protocol: protocol.id.clone(),
            route: route.unwrap_or_default().to_owned(),
            known: protocol.route_ids(),
        })
}

/// A timescale, its due as the protocol counts it, and its latest extension.
type TimescaleDue<'a, 'c> = (&'a crate::protocol::Timescale, Due, Option<&'c Extension>);

/// The current stage's timescale on the case's route, its due as the protocol counts
/// it, and the latest extension of it.
#[inline]
fn timescale_due<'a, 'c>(
    route: RouteView<'a>,
    stage: &'a Stage,
    case: &'c Case,
    entry: &StageEntry,
    calendar: &Calendar,
) -> Result<Option<TimescaleDue<'a, 'c>>, CalendarError> {
    match route.timescale_of(stage) {
        Some(t) if t.within != Limit::None => {
            let from = entry.anchor_time(case, t.from).unwrap_or(entry.started_at);
            let due = due_after(t.within, from, calendar)?;
            Ok(Some((
                t,
                due,
                case.extension_of(&DeadlineId::Timescale, Some(entry.stage)),
            )))
        }
        _ => Ok(None),
    }
}

/// A limit's due as the protocol counts it, and its latest extension; `None` before it
/// starts counting.
fn limit_due<'c>(
    case: &'c Case,
    limit: &RunLimit,
    calendar: &Calendar,
) -> Result<Option<(Due, Option<&'c Extension>)>, CalendarError> {
    match case.limit_anchor(limit) {
        Some(from) => Ok(Some((
            due_after(limit.within, from, calendar)?,
            case.limit_extension(&limit.id),
        ))),
        None => Ok(None),
    }
}

/// The due after an extension, and what to say about it.
#[inline]
fn with_extension(due: Due, extension: Option<&Extension>) -> (Due, Option<Box<Extended>>) {
    match extension {
        Some(e) => (
            e.to,
            Some(Box::new(Extended {
                agreed_by: e.agreed_by.clone(),
                agreed_on: e.agreed_on,
                reason: e.reason.clone(),
                was: due,
                was_text: String::new(),
            })),
        ),
        None => (due, None),
    }
}

impl Case {
    /// Apply a move as it happens, with the checks that need the calendar: an
    /// extension must give a due later than the deadline as it stands. [`Case::apply`]
    /// (and so [`Case::replay`]) does not recheck this, because a bank-holiday list
    /// imported later must not make a recorded history fail to replay. On error the
    /// case is unchanged.
    pub fn apply_on(
        &mut self,
        protocol: &Protocol,
        calendar: &Calendar,
        event: Event,
    ) -> Result<(), TransitionError> {
        let Event::Extend { deadline, to, .. } = &event else {
            return self.apply(protocol, event);
        };
        let (deadline, to) = (deadline.clone(), *to);
        let mut next = self.clone();
        next.apply(protocol, event)?;
        let calendar_error = |e: CalendarError| TransitionError::Invalid {
            field: "deadline",
            message: e.to_string(),
        };
        let route = self.route_view(protocol)?;
        // The deadline as the protocol sets it, and as it stands after any extension.
        let (set, current) = if deadline == DeadlineId::Timescale {
            match self
                .current()
                .and_then(|entry| route.stage(entry.stage).map(|s| (entry, s)))
            {
                Some((entry, stage)) => timescale_due(route, stage, self, entry, calendar)
                    .map_err(calendar_error)?
                    .map(|(_, due, ext)| (due, ext.map_or(due, |e| e.to)))
                    .unzip(),
                None => (None, None),
            }
        } else {
            match route.limit(deadline.as_str()) {
                Some(l) => limit_due(self, l, calendar)
                    .map_err(calendar_error)?
                    .map(|(due, ext)| (due, ext.map_or(due, |e| e.to)))
                    .unzip(),
                None => (None, None),
            }
        };
        if let Some(current) = current {
            if to.order_key() <= current.order_key() {
                return Err(TransitionError::ExtensionNotLater {
                    to: to.to_string(),
                    current: current.to_string(),
                });
            }
        }
        // An extension is bounded: never more than a year after the deadline the
        // protocol sets (so repeated extensions cannot walk it off by decades), and no
        // later than the protocol's cap as it stands, where the protocol has one and the
        // deadline extended is not the cap itself.
        let mut latest = set.and_then(|due| match due {
            Due::EndOfDay(d) => d
                .checked_add_months(chrono::Months::new(12))
                .map(Due::EndOfDay),
            Due::At(t) => t.checked_add_months(chrono::Months::new(12)).map(Due::At),
            Due::WithoutDelay | Due::NoLimit => None,
        });
        let mut by_cap = false;
        if let Some(cap) = route.cap().filter(|c| c.id != deadline.as_str()) {
            if let Some(capped) = limit_due(self, cap, calendar)
                .map_err(calendar_error)?
                .map(|(due, ext)| ext.map_or(due, |e| e.to))
                .filter(|d| matches!(d, Due::EndOfDay(_) | Due::At(_)))
            {
                if latest.is_none_or(|l| capped.order_key() < l.order_key()) {
                    latest = Some(capped);
                    by_cap = true;
                }
            }
        }
        if let Some(latest) = latest {
            if to.order_key() > latest.order_key() {
                return Err(TransitionError::Invalid {
                    field: "to",
                    message: format!(
                        "{to} is too late: the latest allowed is {latest} ({}): give a date no later than that",
                        if by_cap {
                            format!("the protocol's overall limit '{}'", route.cap().map_or("", |c| c.id.as_str()))
                        } else {
                            "a year after the deadline it extends".to_owned()
                        }
                    ),
                });
            }
        }
        *self = next;
        Ok(())
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
    ) -> Result<(RouteView<'a>, &'k StageEntry, &'a Stage), EngineError> {
        if case.protocol != protocol.id {
            return Err(EngineError::WrongProtocol {
                case: case.protocol.clone(),
                protocol: protocol.id.clone(),
            });
        }
        let route = route_of(protocol, case.route.as_deref())?;
        let entry = case.current().ok_or(EngineError::Empty)?;
        let stage = route
            .stage(entry.stage)
            .ok_or_else(|| EngineError::UnknownStage {
                protocol: protocol.id.clone(),
                stage: entry.stage,
            })?;
        Ok((route, entry, stage))
    }

    /// Visit every live deadline of the case, unsorted.
    fn each_deadline<'a>(
        &self,
        protocol: &'a Protocol,
        case: &Case,
        (route, entry, stage): (RouteView<'a>, &StageEntry, &'a Stage),
        mut visit: impl FnMut(DeadlineStatus<'a>),
    ) -> Result<(), EngineError> {
        let open = case.is_open();
        if open {
            let shorter = case
                .shorter_deadlines
                .iter()
                .filter(|s| s.stage == entry.stage)
                .min_by_key(|s| s.due);
            // Written out rather than through timescale_due: this runs for every case
            // on the dashboard, and the call cost a sixth of it.
            let timescale = route
                .timescale_of(stage)
                .filter(|t| t.within != Limit::None);
            let main = match timescale {
                Some(t) => {
                    let from = entry.anchor_time(case, t.from).unwrap_or(entry.started_at);
                    let due = due_after(t.within, from, self.calendar)?;
                    let extension = if case.extensions.is_empty() {
                        None
                    } else {
                        case.extension_of(&DeadlineId::Timescale, Some(entry.stage))
                    };
                    let kind = if t.from == Anchor::CaseStart {
                        DeadlineKind::Cumulative
                    } else {
                        DeadlineKind::Stage
                    };
                    let (due, extended) = with_extension(due, extension);
                    Some((kind, t.words.as_str(), due, extended))
                }
                None => None,
            };
            let (kind, what, due, shortened, extended) = match (main, shorter) {
                (Some((kind, what, due, _)), Some(s))
                    if Due::At(s.due).order_key() < due.order_key() =>
                {
                    (kind, what, Due::At(s.due), Some(s.reason.clone()), None)
                }
                (Some((kind, what, due, extended)), _) => (kind, what, due, None, extended),
                (None, Some(s)) => (
                    DeadlineKind::Stage,
                    "Shorter timescale that protects the child",
                    Due::At(s.due),
                    Some(s.reason.clone()),
                    None,
                ),
                (None, None) => (DeadlineKind::Stage, "", Due::NoLimit, None, None),
            };
            if due != Due::NoLimit {
                visit(DeadlineStatus {
                    due_text: String::new(),
                    kind,
                    stage: Some(entry.stage),
                    id: Cow::Borrowed(DeadlineId::TIMESCALE),
                    what: Cow::Borrowed(what),
                    to: None,
                    urgency: self.urgency(&due)?,
                    due,
                    shortened,
                    extended,
                    capped_by: None,
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
                    due_text: String::new(),
                    kind: DeadlineKind::Step,
                    stage: Some(entry.stage),
                    id: Cow::Borrowed(&d.id),
                    what: Cow::Borrowed(&d.what),
                    to: None,
                    urgency: self.urgency(&due)?,
                    due,
                    shortened: None,
                    extended: None,
                    capped_by: None,
                });
            }
            let cap = match route.cap().filter(|c| case.limit_is_live(c)) {
                Some(c) => limit_due(case, c, self.calendar)?.map(|(due, ext)| (c, due, ext)),
                None => None,
            };
            if let Some((c, due, extension)) = &cap {
                let (due, extended) = with_extension(*due, *extension);
                visit(DeadlineStatus {
                    due_text: String::new(),
                    kind: DeadlineKind::Cap,
                    stage: None,
                    id: Cow::Borrowed(&c.id),
                    what: Cow::Borrowed(&c.words),
                    to: None,
                    urgency: self.urgency(&due)?,
                    due,
                    shortened: None,
                    extended,
                    capped_by: None,
                });
            }
            for l in route
                .limits()
                .iter()
                .filter(|l| !l.cap && case.limit_is_live(l))
            {
                let Some((due, extension)) = limit_due(case, l, self.calendar)? else {
                    continue;
                };
                let (due, extended) = with_extension(due, extension);
                // The earlier wins, and says so.
                let (due, extended, capped_by) = match &cap {
                    Some((c, cap_due, cap_ext)) => {
                        let cap_due = cap_ext.map_or(*cap_due, |e| e.to);
                        if cap_due.order_key() < due.order_key() {
                            (cap_due, None, Some(c.id.as_str()))
                        } else {
                            (due, extended, None)
                        }
                    }
                    None => (due, extended, None),
                };
                visit(DeadlineStatus {
                    due_text: String::new(),
                    kind: DeadlineKind::Limit,
                    stage: None,
                    id: Cow::Borrowed(&l.id),
                    what: Cow::Borrowed(&l.words),
                    to: None,
                    urgency: self.urgency(&due)?,
                    due,
                    shortened: None,
                    extended,
                    capped_by: capped_by.map(Cow::Borrowed),
                });
            }
        }
        if matches!(case.state, CaseState::Open | CaseState::Resolved { .. }) {
            for e in &case.stages {
                let def = match e.route {
                    None => protocol.stage(e.stage),
                    Some(_) => case.stage_of(protocol, e),
                };
                let Some(def) = def else {
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
            due_text: String::new(),
            kind: DeadlineKind::Notification,
            stage,
            id: Cow::Borrowed(&n.id),
            what: Cow::Borrowed(&n.what),
            to: Some(Cow::Borrowed(&n.to)),
            urgency: self.urgency(&due)?,
            due,
            shortened: None,
            extended: None,
            capped_by: None,
        });
        Ok(())
    }

    /// Urgency and next deadline only: the dashboard's question, asked of many cases.
    pub fn summary(&self, protocol: &Protocol, case: &Case) -> Result<Summary, EngineError> {
        let at = self.entry(protocol, case)?;
        let mut urgency = Urgency::OnTrack;
        let mut next: Option<Due> = None;
        self.each_deadline(protocol, case, at, |d| {
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
        let at = self.entry(protocol, case)?;
        let (route, entry, stage) = at;
        let mut deadlines = Vec::new();
        self.each_deadline(protocol, case, at, |d| deadlines.push(d))?;
        deadlines.sort_by_key(|d| d.due.order_key());
        for d in &mut deadlines {
            d.due_text = crate::format::due(&d.due);
            if let Some(x) = &mut d.extended {
                x.was_text = crate::format::due(&x.was);
            }
        }
        let urgency = deadlines
            .iter()
            .map(|d| d.urgency)
            .max_by_key(Urgency::rank)
            .unwrap_or(Urgency::OnTrack);
        let next_deadline = deadlines.iter().find(|d| d.due != Due::NoLimit).cloned();

        let mut contacts = vec![Contact {
            side: Side::Both,
            sector: None,
            who: Cow::Borrowed(stage.contact.as_str()),
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
                        who: Cow::Borrowed(who),
                    });
                }
            }
        }

        let forms = stage
            .forms
            .iter()
            .map(|f| FormDue {
                form: Cow::Borrowed(f),
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
            route: Cow::Borrowed(route.id()),
            route_name: Cow::Borrowed(route.name()),
            stage: entry.stage,
            stage_title: Cow::Borrowed(&stage.title),
            urgency,
            next_deadline,
            deadlines,
            next_step: Cow::Borrowed(next_step),
            actions: Cow::Borrowed(&stage.actions),
            record: Cow::Borrowed(&stage.record),
            contacts,
            forms,
            escalation_blockers: if case.is_open() {
                case.escalation_blockers(protocol)
            } else {
                Vec::new()
            },
            redirected_to: redirected_to.map(Cow::Borrowed),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedStage<'a> {
    pub stage: u8,
    pub title: Cow<'a, str>,
    /// When the stage starts if every earlier stage runs to its limit.
    pub starts: Option<NaiveDateTime>,
    pub due: PlanDue,
    /// `due` in words for people (`escalate_core::format::plan_due`).
    pub due_text: String,
    /// The protocol lets the stage be left out on a recorded decision.
    pub optional: bool,
    /// The protocol's words for the stage's timescale on this route, where it has one.
    pub timescale_words: Option<Cow<'a, str>>,
}

/// A limit's due date in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedLimit<'a> {
    /// The limit's id (`limit` in the plan's JSON rows).
    #[serde(rename = "limit")]
    pub id: Cow<'a, str>,
    pub words: Cow<'a, str>,
    /// The cap on the whole process.
    pub cap: bool,
    /// The run's first and last stage; `None` for the cap.
    pub stages: Option<(u8, u8)>,
    pub due: PlanDue,
    /// `due` in words for people (`escalate_core::format::plan_due`).
    pub due_text: String,
    /// The cap's id, where the cap falls due first and so sets this limit's due.
    pub capped_by: Option<Cow<'a, str>>,
}

impl PlannedStage<'_> {
    /// The stage with its own copy of its title, to outlive the protocol.
    pub fn into_owned(self) -> PlannedStage<'static> {
        PlannedStage {
            stage: self.stage,
            title: owned(self.title),
            starts: self.starts,
            due: self.due,
            due_text: self.due_text,
            optional: self.optional,
            timescale_words: self.timescale_words.map(owned),
        }
    }
}

impl PlannedLimit<'_> {
    /// The limit with its own copy of its words, to outlive the protocol.
    pub fn into_owned(self) -> PlannedLimit<'static> {
        PlannedLimit {
            id: owned(self.id),
            words: owned(self.words),
            cap: self.cap,
            stages: self.stages,
            due: self.due,
            due_text: self.due_text,
            capped_by: self.capped_by.map(owned),
        }
    }
}

/// A whole plan on one route: each stage, then each limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Plan<'a> {
    pub route: Cow<'a, str>,
    pub route_name: Cow<'a, str>,
    pub stages: Vec<PlannedStage<'a>>,
    pub limits: Vec<PlannedLimit<'a>>,
}

fn plan_due(due: Due) -> PlanDue {
    match due {
        Due::EndOfDay(d) => PlanDue::Date(d),
        Due::At(t) => PlanDue::At(t),
        Due::WithoutDelay => PlanDue::WithoutDelay,
        Due::NoLimit => PlanDue::NoLimit,
    }
}

/// When a dated plan due falls, to compare two.
fn plan_key(due: PlanDue) -> Option<NaiveDateTime> {
    match due {
        PlanDue::Date(d) => Some(Due::EndOfDay(d).order_key().1),
        PlanDue::At(t) => Some(t),
        _ => None,
    }
}

/// The earlier of two plan dues, where both are dated; else the dated one.
fn earlier(a: PlanDue, b: PlanDue) -> PlanDue {
    match (plan_key(a), plan_key(b)) {
        (Some(x), Some(y)) if y < x => b,
        (Some(_), _) => a,
        (None, Some(_)) => b,
        (None, None) => a,
    }
}

/// When the stage after one due at `due` starts.
fn start_after(due: PlanDue, opened: NaiveDateTime) -> Option<NaiveDateTime> {
    match due {
        PlanDue::Date(d) => Some(d.and_time(opened.time())),
        PlanDue::At(t) => Some(t),
        _ => None,
    }
}

/// Each formal stage's due date if every stage runs to its limit, on the standard
/// route (see [`plan_route`]).
pub fn plan<'a>(
    protocol: &'a Protocol,
    calendar: &Calendar,
    opened: NaiveDateTime,
) -> Result<Vec<PlannedStage<'a>>, CalendarError> {
    match plan_route(protocol, calendar, opened, None) {
        Ok(p) => Ok(p.stages),
        Err(EngineError::Calendar(e)) => Err(e),
        // The standard route always exists; nothing else can fail.
        Err(_) => Ok(Vec::new()),
    }
}

/// Each formal stage's due date on a route (`None`: the standard route) if every stage
/// runs to its limit, then each limit's. The case starts at the route's first formal
/// stage at `opened`; each later stage starts when the one before falls due; cumulative
/// timescales count from `opened`. A stage in a run with a shared limit falls due no
/// later than the run's limit, so the stage after the run starts when it falls due; a
/// run's limit falls due no later than the cap. Informal steps are not planned.
pub fn plan_route<'a>(
    protocol: &'a Protocol,
    calendar: &Calendar,
    opened: NaiveDateTime,
    route: Option<&str>,
) -> Result<Plan<'a>, EngineError> {
    let view = route_of(protocol, route)?;
    let limits = view.limits();
    // Limits counted from the outset are known now; the others once their stage starts.
    let mut limit_dues: Vec<Option<PlanDue>> = Vec::with_capacity(limits.len());
    for l in limits {
        limit_dues.push(match l.anchor_stage() {
            None => Some(plan_due(due_after(l.within, opened, calendar)?)),
            Some(_) => None,
        });
    }
    let cap = limits.iter().position(|l| l.cap);
    // A run's due, no later than the cap's.
    let bounded = |dues: &[Option<PlanDue>], i: usize| -> Option<(PlanDue, Option<&'a str>)> {
        let due = dues.get(i).copied().flatten()?;
        match cap.and_then(|c| dues.get(c).copied().flatten().map(|d| (c, d))) {
            Some((c, cap_due)) if c != i && earlier(due, cap_due) != due => {
                Some((cap_due, limits.get(c).map(|l| l.id.as_str())))
            }
            _ => Some((due, None)),
        }
    };

    let mut out = Vec::new();
    let mut start = Some(opened);
    // The stage whose open end left the following start unknown.
    let mut unknown_after: Option<u8> = None;
    for stage in view.stages().filter(|s| !s.informal) {
        let n = stage.number;
        for (i, l) in limits.iter().enumerate() {
            let starts_here = l.anchor_stage().is_some_and(|a| n >= a)
                && l.covers(n)
                && limit_dues.get(i).is_some_and(Option::is_none);
            if starts_here {
                limit_dues[i] = Some(match start {
                    Some(from) => plan_due(due_after(l.within, from, calendar)?),
                    None => PlanDue::AfterStage(unknown_after.unwrap_or(0)),
                });
            }
        }
        let (own, own_next) = match view.timescale(n) {
            Some(t) if t.within.is_dated() => {
                let from = match t.from {
                    Anchor::CaseStart => Some(opened),
                    _ => start,
                };
                match from {
                    Some(from) => {
                        let due = plan_due(due_after(t.within, from, calendar)?);
                        (due, start_after(due, opened))
                    }
                    None => (PlanDue::AfterStage(unknown_after.unwrap_or(0)), None),
                }
            }
            Some(t) if t.within == Limit::WithoutDelay => (PlanDue::WithoutDelay, start),
            _ if stage.entry == Limit::WithoutDelay => (PlanDue::WithoutDelay, None),
            _ => (PlanDue::NoLimit, None),
        };
        // The runs this stage is in, once their limits count.
        let bound = limits
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.cap && l.covers(n) && l.anchor_stage().is_none_or(|a| n >= a))
            .filter_map(|(i, _)| bounded(&limit_dues, i).map(|(d, _)| d))
            .filter(|d| plan_key(*d).is_some())
            .reduce(earlier);
        let (due, next_start) = match (own, bound) {
            (PlanDue::WithoutDelay, _) | (_, None) => (own, own_next),
            (_, Some(bound)) => {
                let due = earlier(own, bound);
                if due == own {
                    (own, own_next)
                } else {
                    (due, start_after(due, opened))
                }
            }
        };
        unknown_after = match next_start {
            Some(_) => None,
            None => unknown_after.or(Some(n)),
        };
        out.push(PlannedStage {
            stage: n,
            title: Cow::Borrowed(&stage.title),
            starts: start,
            due,
            due_text: crate::format::plan_due(&due),
            optional: stage.optional,
            timescale_words: view
                .timescale_of(stage)
                .map(|t| Cow::Borrowed(t.words.as_str())),
        });
        start = next_start;
    }

    let planned_limits = limits
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (due, capped_by) = if l.cap {
                (limit_dues.get(i).copied().flatten(), None)
            } else {
                match bounded(&limit_dues, i) {
                    Some((d, by)) => (Some(d), by),
                    None => (None, None),
                }
            };
            let due = due.unwrap_or(PlanDue::NoLimit);
            PlannedLimit {
                id: Cow::Borrowed(&l.id),
                words: Cow::Borrowed(&l.words),
                cap: l.cap,
                stages: l.run(),
                due_text: crate::format::plan_due(&due),
                due,
                capped_by: capped_by.map(Cow::Borrowed),
            }
        })
        .collect();
    Ok(Plan {
        route: Cow::Borrowed(view.id()),
        route_name: Cow::Borrowed(view.name()),
        stages: out,
        limits: planned_limits,
    })
}
