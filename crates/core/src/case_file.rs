//! One case as a single load from the store gives it: its own text, its stage records,
//! its log of events and the state they replay to. What people read about a case (the
//! whole case, its chronology) is made from this, purely: the store returns the file,
//! never sentences.
//!
//! Kept in escalate-core rather than in escalate-api (which re-exports it as
//! `escalate_api::present`) so that every crate that fills a form from a case can build
//! the same words from the same file.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use crate::calendar::Calendar;
use crate::case::{Case, CaseState, Event};
use crate::deadline::DeadlineId;
use crate::engine::{
    plan_route, CaseStatus, DeadlineKind, Due, Engine, EngineError, PlannedStage, Urgency,
};
use crate::format;
use crate::model::{CaseDetail, ChronologyEntry, ChronologyKind, SentNotification, StageRecord};
use crate::protocol::Protocol;

/// The case's own text, as the lead gave it at intake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseText {
    pub reference: String,
    pub protocol_id: String,
    /// The version of its protocol the case runs under now (as opened, or as moved to).
    pub protocol_version: String,
    /// The SHA-256 of that version's text: what the case is pinned to.
    pub protocol_sha256: String,
    pub child_name: String,
    pub child_dob: Option<NaiveDate>,
    pub child_identifiers: String,
    pub category: String,
    pub summary: String,
    pub raising_professional: Option<String>,
    pub receiving_professional: Option<String>,
    /// The outset of the concern.
    pub opened_at: NaiveDateTime,
    /// The immediate risk to the child given at intake, if any.
    pub immediate_risk: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One event of a case's log, with where the audit chain attests it: its entry's
/// number, when that entry was written and by whom. Events carried over from a store
/// made before the log name the older entry they were rebuilt from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedEvent {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub event: Event,
}

/// Everything about one case, read in one transaction.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub case: CaseText,
    pub raising_agency: String,
    pub receiving_agency: String,
    /// Oldest discussion first.
    pub records: Vec<StageRecord>,
    /// The case's log, oldest first: what [`Case::replay`] rebuilds `engine` from.
    pub events: Vec<LoggedEvent>,
    /// The replay of `events`.
    pub engine: Case,
    /// The protocol the case runs under, shared with the store's cache of parsed
    /// versions.
    pub protocol: Arc<Protocol>,
    /// Where the store beside the log was found altered, or the chain broken.
    pub integrity: crate::model::CaseIntegrity,
}

impl CaseFile {
    /// The whole case with the engine's answer at `now`.
    pub fn detail(
        &self,
        calendar: &Calendar,
        now: NaiveDateTime,
    ) -> Result<CaseDetail, EngineError> {
        let status = Engine::new(calendar, now)?
            .status(&self.protocol, &self.engine)?
            .into_owned();
        // The plan on the route the case is on now, had every stage run to its limit.
        let plan = plan_route(
            &self.protocol,
            calendar,
            self.engine.opened_at,
            self.engine.route.as_deref(),
        )?
        .stages
        .into_iter()
        .map(PlannedStage::into_owned)
        .collect();
        let next = self.engine.next_steps(&self.protocol)?;
        let c = &self.case;
        Ok(CaseDetail {
            reference: c.reference.clone(),
            protocol_id: c.protocol_id.clone(),
            protocol_version: c.protocol_version.clone(),
            protocol_sha256: c.protocol_sha256.clone(),
            child_name: c.child_name.clone(),
            child_dob: c.child_dob,
            child_identifiers: c.child_identifiers.clone(),
            category: c.category.clone(),
            summary: c.summary.clone(),
            raising_agency: self.raising_agency.clone(),
            raising_professional: c.raising_professional.clone(),
            receiving_agency: self.receiving_agency.clone(),
            receiving_professional: c.receiving_professional.clone(),
            opened_at: c.opened_at,
            immediate_risk: c.immediate_risk.clone(),
            state: self.engine.state.kind(),
            outcome: self.outcome(),
            closed_at: self.closed_at(),
            records: self.records.clone(),
            notifications_sent: self.notifications_sent(),
            engine: self.engine.clone(),
            extensions_to_text: self
                .engine
                .extensions
                .iter()
                .map(|x| format::due(&x.to))
                .collect(),
            status,
            plan,
            integrity: self.integrity.clone(),
            next,
        })
    }

    /// How the case ended, in the lead's words (resolved, withdrawn) or the protocol's
    /// (where a redirected case went).
    pub fn outcome(&self) -> Option<String> {
        match &self.engine.state {
            CaseState::Open => None,
            CaseState::Resolved { .. } => self.events.iter().rev().find_map(|e| match &e.event {
                Event::Resolve { outcome, .. } => Some(outcome.clone()),
                _ => None,
            }),
            CaseState::Withdrawn { reason, .. } => Some(reason.clone()),
            CaseState::Redirected { exclusion, .. } => Some(
                self.protocol
                    .exclusion(exclusion)
                    .map(|e| e.redirect.clone())
                    .unwrap_or_default(),
            ),
        }
    }

    pub fn closed_at(&self) -> Option<NaiveDateTime> {
        match &self.engine.state {
            CaseState::Open => None,
            CaseState::Resolved { at, .. }
            | CaseState::Withdrawn { at, .. }
            | CaseState::Redirected { at, .. } => Some(*at),
        }
    }

    /// Notifications marked as sent, oldest first.
    pub fn notifications_sent(&self) -> Vec<SentNotification> {
        let mut sent: Vec<SentNotification> = self
            .events
            .iter()
            .filter_map(|e| match &e.event {
                Event::MarkSent {
                    at,
                    stage,
                    notification,
                    to,
                    due,
                    note,
                } => Some(SentNotification {
                    stage: *stage,
                    notification: notification.clone(),
                    sent_to: to.clone(),
                    due: due.clone(),
                    sent_at: *at,
                    note: note.clone(),
                }),
                _ => None,
            })
            .collect();
        sent.sort_by_key(|s| s.sent_at);
        sent
    }

    /// Every event of the case and every deadline still to come, in date order, in
    /// words for people.
    pub fn chronology(
        &self,
        calendar: &Calendar,
        now: NaiveDateTime,
    ) -> Result<Vec<ChronologyEntry>, EngineError> {
        let status = Engine::new(calendar, now)?
            .status(&self.protocol, &self.engine)?
            .into_owned();
        Ok(self.chronology_with(&status, now))
    }

    /// The chronology from the engine's answer at `now` already in hand (the case's
    /// detail holds one), so a form filled from both counts the deadlines once.
    pub fn chronology_with(
        &self,
        status: &CaseStatus<'_>,
        now: NaiveDateTime,
    ) -> Vec<ChronologyEntry> {
        let mut out = Vec::new();
        let mut line = |at, stage, kind, text: String| {
            out.push(ChronologyEntry {
                at,
                stage,
                kind,
                text,
                overdue: false,
            })
        };
        // The stage the case was at when each event happened, and the route it was on:
        // an escalation goes to the next stage of that route.
        let standard = self.protocol.standard();
        let mut route = standard;
        let mut stage = route.first_stage();
        for logged in &self.events {
            match &logged.event {
                Event::Open { at, opening } => {
                    route = self
                        .protocol
                        .route(opening.route.as_deref())
                        .unwrap_or(standard);
                    stage = opening.stage.unwrap_or_else(|| route.first_stage());
                    let skipped = opening
                        .skip
                        .as_ref()
                        .map(|d| format!(" ({})", skip_words(d)))
                        .unwrap_or_default();
                    line(
                        *at,
                        Some(stage),
                        ChronologyKind::Opened,
                        format!("Opened at Stage {stage}{skipped}"),
                    );
                }
                Event::Record(summary) => {
                    let row = summary
                        .record
                        .and_then(|id| self.records.iter().find(|r| r.id == id));
                    let resolved = if summary.resolved { " (resolved)" } else { "" };
                    match row {
                        Some(r) => line(
                            r.discussed_at,
                            Some(r.stage),
                            ChronologyKind::Record,
                            format!("Stage {} record{resolved}: {}", r.stage, r.summary),
                        ),
                        None => line(
                            summary.discussed_at,
                            Some(stage),
                            ChronologyKind::Record,
                            format!("Stage {stage} record{resolved}"),
                        ),
                    }
                }
                // Receipt moves a deadline's anchor; the deadlines below show it.
                Event::Receive { .. } => {}
                Event::Escalate {
                    at, to_stage, skip, ..
                } => {
                    // A log the case could not have made (no stage after this one on
                    // its route) keeps its own word.
                    let to = route
                        .escalation(stage, *to_stage)
                        .map_or(to_stage.unwrap_or(stage), |e| e.to);
                    let skipped = skip
                        .as_ref()
                        .map(|d| format!(" ({})", skip_words(d)))
                        .unwrap_or_default();
                    line(
                        *at,
                        Some(to),
                        ChronologyKind::Escalated,
                        format!("Escalated from Stage {stage} to Stage {to}{skipped}"),
                    );
                    stage = to;
                }
                Event::SwitchRoute {
                    at,
                    route: route_id,
                    reason,
                    to_stage,
                } => {
                    let switched = self.protocol.route(Some(route_id));
                    let name = switched.map_or_else(|| route_id.clone(), |r| r.name().to_owned());
                    route = switched.unwrap_or(route);
                    if let Some(to) = to_stage {
                        stage = *to;
                    }
                    line(
                        *at,
                        Some(stage),
                        ChronologyKind::RouteSwitched,
                        format!("Route changed to {name} at Stage {stage}: {reason}"),
                    );
                }
                Event::Extend {
                    at,
                    deadline,
                    to,
                    agreed_by,
                    agreed_on,
                    reason,
                } => {
                    let what = match deadline {
                        DeadlineId::Timescale => format!("Stage {stage}'s deadline"),
                        DeadlineId::Limit(id) => format!("The deadline '{id}'"),
                    };
                    line(
                        *at,
                        Some(stage),
                        ChronologyKind::DeadlineExtended,
                        format!(
                            "{what} extended to {} (agreed by {agreed_by} on {}): {reason}",
                            format::due(to),
                            format::date(*agreed_on)
                        ),
                    );
                }
                Event::Resolve { at, outcome } => line(
                    *at,
                    Some(stage),
                    ChronologyKind::Resolved,
                    format!("Resolved at Stage {stage}: {outcome}"),
                ),
                Event::Withdraw { at, reason } => line(
                    *at,
                    Some(stage),
                    ChronologyKind::Withdrawn,
                    format!("Withdrawn at Stage {stage}: {reason}"),
                ),
                Event::Redirect { at, exclusion } => line(
                    *at,
                    Some(stage),
                    ChronologyKind::Redirected,
                    format!("Redirected ({exclusion})"),
                ),
                Event::MarkSent {
                    at,
                    stage: owed_at,
                    notification,
                    to,
                    due,
                    ..
                } => {
                    let to = if to.is_empty() {
                        String::new()
                    } else {
                        format!(" to {to}")
                    };
                    let due = due
                        .as_deref()
                        .map(|d| format!(" (due {})", due_words(d)))
                        .unwrap_or_default();
                    line(
                        *at,
                        *owed_at,
                        ChronologyKind::NotificationSent,
                        format!("Sent: {notification}{to}{due}"),
                    );
                }
                Event::ShortenDeadline { at, due, reason } => line(
                    at.unwrap_or(logged.at),
                    Some(stage),
                    ChronologyKind::DeadlineShortened,
                    format!(
                        "Deadline shortened to {}: {reason}",
                        format::date_time(*due)
                    ),
                ),
                Event::MoveProtocol { at, from, to } => line(
                    *at,
                    Some(stage),
                    ChronologyKind::ProtocolMoved,
                    format!(
                        "Moved from version {} to version {} of the protocol at Stage {stage}: deadlines from here on follow version {}",
                        from.version, to.version, to.version
                    ),
                ),
                Event::Migrated { case } => {
                    route = case.route_view(&self.protocol).unwrap_or(route);
                    stage = case.current_stage();
                }
            }
        }
        for d in &status.deadlines {
            let at = match d.due {
                Due::EndOfDay(day) => day.and_time(end_of_day()),
                Due::At(t) => t,
                Due::WithoutDelay | Due::NoLimit => now,
            };
            let kind = if d.kind == DeadlineKind::Notification {
                ChronologyKind::NotificationDue
            } else {
                ChronologyKind::Deadline
            };
            let who =
                d.to.as_ref()
                    .map(|t| format!(" to {t}"))
                    .unwrap_or_default();
            out.push(ChronologyEntry {
                at,
                stage: d.stage,
                kind,
                text: match d.due {
                    Due::NoLimit => format!("Owed{who} (no timescale): {}", d.what),
                    Due::WithoutDelay => format!("Due without delay{who}: {}", d.what),
                    due => format!(
                        "Due {}{who}: {} ({})",
                        format::due(&due),
                        d.what,
                        d.urgency.words()
                    ),
                },
                overdue: matches!(d.urgency, Urgency::Overdue { .. }),
            });
        }
        out.sort_by_key(|e| e.at);
        out
    }
}

/// Who decided to go past stages, in their role where given, and why.
fn skip_words(d: &crate::case::SkipDecision) -> String {
    let role = d
        .role
        .as_deref()
        .map(|r| format!(", {r}"))
        .unwrap_or_default();
    format!(
        "stages between skipped, decided by {}{role}: {}",
        d.decided_by, d.reason
    )
}

fn end_of_day() -> NaiveTime {
    NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)
}

/// A due time as the log keeps it (`Due`'s ISO form when the notification was marked),
/// in the words every other date is read in.
fn due_words(iso: &str) -> String {
    if let Ok(day) = NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        return format::due(&Due::EndOfDay(day));
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(iso, "%Y-%m-%dT%H:%M") {
        return format::due(&Due::At(at));
    }
    iso.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_due_reads_like_every_other_date() {
        assert_eq!(due_words("2026-11-23"), "23/11/2026");
        assert_eq!(due_words("2026-11-23T15:30"), "23/11/2026 15:30");
        assert_eq!(due_words("without delay"), "without delay");
    }
}
