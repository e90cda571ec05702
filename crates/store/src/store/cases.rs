//! Cases through the state machine: create, record, escalate, close, notify, shorten.
//! Each is one unit of work ([`CaseTx`]): one event, checked before anything is
//! written, one log entry, one transaction.

use chrono::{Datelike, Duration};
use escalate_core::protocol::RecordField;
use escalate_core::{Due, Engine, Event, Opening, RecordSummary, Sector, SkipDecision};

use super::*;
use crate::store::sql::agency;

/// A skip decision's words, within the store's limits.
fn check_skip(d: &SkipDecision) -> Result<SkipDecision, StoreError> {
    Ok(SkipDecision {
        reason: required("skip.reason", &d.reason, LONG)?,
        decided_by: required("skip.decided_by", &d.decided_by, NAME)?,
        role: optional("skip.role", d.role.as_deref(), NAME)?,
    })
}

/// Moments a few minutes ahead of `now` are accepted: two clocks rarely agree exactly.
fn not_in_future(
    field: &'static str,
    at: NaiveDateTime,
    now: NaiveDateTime,
    fix: &str,
) -> Result<(), StoreError> {
    if at > now + Duration::minutes(5) {
        return Err(StoreError::invalid(
            field,
            format!("is in the future: {fix}"),
        ));
    }
    Ok(())
}

impl Store {
    /// Open a new professional difference. Returns its reference, e.g. `RPD-2026-0001`.
    pub async fn create_case(
        &self,
        new: NewCase,
        now: NaiveDateTime,
    ) -> Result<String, StoreError> {
        in_calendar("now", now)?;
        let child_name = required("child_name", &new.child_name, NAME)?;
        let category = required("category", &new.category, NAME)?;
        let summary = required("summary", &new.summary, LONG)?;
        let identifiers = optional_text("child_identifiers", &new.child_identifiers, SHORT)?;
        let raising = required("raising_agency", &new.raising_agency, NAME)?;
        let receiving = required("receiving_agency", &new.receiving_agency, NAME)?;
        if raising.to_lowercase() == receiving.to_lowercase() {
            return Err(StoreError::invalid(
                "receiving_agency",
                "must differ from the raising agency: a disagreement inside one agency follows that agency's own arrangements",
            ));
        }
        let raising_prof = optional(
            "raising_professional",
            new.raising_professional.as_deref(),
            NAME,
        )?;
        let receiving_prof = optional(
            "receiving_professional",
            new.receiving_professional.as_deref(),
            NAME,
        )?;
        let risk = optional("immediate_risk", new.immediate_risk.as_deref(), LONG)?;
        let protocol_id = new
            .protocol
            .clone()
            .unwrap_or_else(|| self.profile.protocol_id.clone());
        let route = optional("route", new.route.as_deref(), NAME)?;
        let skip = new.skip.as_ref().map(check_skip).transpose()?;
        let opened = new.opened_at.unwrap_or(now);
        not_in_future("opened", opened, now, "give when the concern arose")?;
        if opened.year() < escalate_core::calendar::FIRST_YEAR {
            return Err(StoreError::invalid(
                "opened",
                "is before 1990: check the year",
            ));
        }
        in_calendar("opened", opened)?;
        if let Some(dob) = new.child_dob {
            // Unborn children (pre-birth concerns) may have an expected date up to a year ahead.
            if dob > now.date() + Duration::days(366) || dob < now.date() - Duration::days(366 * 26)
            {
                return Err(StoreError::invalid(
                    "child_dob",
                    "must be within the last 26 years (or an expected date within the next year): check the year",
                ));
            }
            date_in_calendar("child_dob", dob)?;
        }
        let raising_sector =
            new.raising_sector
                .unwrap_or(if raising.eq_ignore_ascii_case(&self.profile.agency) {
                    self.profile.sector
                } else {
                    Sector::Other
                });
        let receiving_sector = new.receiving_sector.unwrap_or(Sector::Other);

        let mut tx = self.begin_new_case(&protocol_id, opened).await?;
        let case = tx.apply(Event::Open {
            at: opened,
            opening: Opening {
                at: None,
                stage: new.stage,
                immediate_risk: risk.clone(),
                raising_sector: Some(raising_sector),
                receiving_sector: Some(receiving_sector),
                route,
                skip,
            },
        })?;
        let engine = json(case)?;
        let status = case.state.as_str();
        let protocol = tx.protocol();
        let pin = tx.pin().clone();
        let reference = tx.reference().to_owned();
        let conn = tx.conn();
        let raising_id = agency(conn, &raising, raising_sector).await?;
        let receiving_id = agency(conn, &receiving, receiving_sector).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cases (reference, protocol_id, protocol_version, protocol_sha256, child_name, child_dob, child_identifiers, category, summary,
                raising_agency_id, raising_professional, receiving_agency_id, receiving_professional, opened_at,
                immediate_risk, immediate_risk_reason, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&reference)
        .bind(&protocol.id)
        .bind(&pin.version)
        .bind(&pin.sha256)
        .bind(&child_name)
        .bind(new.child_dob.map(|d| d.to_string()))
        .bind(&identifiers)
        .bind(&category)
        .bind(&summary)
        .bind(raising_id)
        .bind(&raising_prof)
        .bind(receiving_id)
        .bind(&receiving_prof)
        .bind(ts(opened))
        .bind(risk.is_some())
        .bind(&risk)
        .bind(ts(now))
        .bind(ts(now))
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO case_state (case_id, reference, child_name, raising_agency, receiving_agency, status, protocol_id, protocol_sha256, engine)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&reference)
        .bind(&child_name)
        .bind(&raising)
        .bind(&receiving)
        .bind(status)
        .bind(&protocol.id)
        .bind(&pin.sha256)
        .bind(engine)
        .execute(&mut *conn)
        .await?;
        tx.commit(now).await?;
        Ok(reference)
    }

    /// Record a discussion or meeting at the case's current stage. Returns the
    /// record's number.
    pub async fn record_stage(
        &self,
        reference: &str,
        input: StageRecordInput,
        now: NaiveDateTime,
    ) -> Result<i64, StoreError> {
        in_calendar("now", now)?;
        let discussed = input.discussed_at.unwrap_or(now);
        not_in_future(
            "discussed_at",
            discussed,
            now,
            "record a discussion once it has happened",
        )?;
        let summary = required("summary", &input.summary, LONG)?;
        let agreed = required("agreed", &input.agreed, LONG)?;
        let raising_view = optional_text("raising_view", &input.raising_view, LONG)?;
        let receiving_view = optional_text("receiving_view", &input.receiving_view, LONG)?;
        let next_step = optional_text("next_step", &input.next_step, LONG)?;
        let approved_by = optional("approved_by", input.approved_by.as_deref(), NAME)?;
        if let Some(day) = input.approved_on {
            date_in_calendar("approved_on", day)?;
        }
        let mut participants = Vec::new();
        for p in &input.participants {
            participants.push(Participant {
                name: required("participant", &p.name, NAME)?,
                role: required("participant", &p.role, NAME)?,
                agency: required("participant", &p.agency, NAME)?,
            });
        }
        let mut extra = std::collections::BTreeMap::new();
        for (field, text) in &input.extra {
            let t = optional_text("extra", text, LONG)?;
            if !t.is_empty() {
                extra.insert(field.clone(), t);
            }
        }
        let fields: BTreeSet<RecordField> = extra.keys().cloned().collect();

        let mut tx = self.begin_case(reference).await?;
        let case_id = tx
            .case_id()
            .ok_or_else(|| StoreError::NoCase(reference.trim().to_owned()))?;
        // The record's number is known before it is written (the write lock is held),
        // so the log's event names the row it belongs to.
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM stage_records")
            .fetch_one(&mut *tx.conn())
            .await?;
        let stage = tx
            .apply(Event::Record(RecordSummary {
                record: Some(id),
                discussed_at: discussed,
                resolved: input.resolved,
                fields,
            }))?
            .current_stage();
        let conn = tx.conn();
        sqlx::query(
            "INSERT INTO stage_records (id, case_id, stage, discussed_at, participants, raising_view, receiving_view, summary, agreed, resolved, extra, next_step, approved_by, approved_on, recorded_at, recorded_by)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(case_id)
        .bind(stage)
        .bind(ts(discussed))
        .bind(json(&participants)?)
        .bind(raising_view)
        .bind(receiving_view)
        .bind(summary)
        .bind(agreed)
        .bind(input.resolved)
        .bind(json(&extra)?)
        .bind(next_step)
        .bind(approved_by)
        .bind(input.approved_on.map(|d| d.to_string()))
        .bind(ts(now))
        .bind(&self.profile.name)
        .execute(&mut *conn)
        .await?;
        // The record is kept; its draft has done its job, in the same transaction so a
        // crash leaves neither a lost record nor a stale draft.
        sqlx::query("DELETE FROM drafts WHERE case_id = ? AND kind = ?")
            .bind(case_id)
            .bind(STAGE_RECORD_DRAFT)
            .execute(&mut *conn)
            .await?;
        tx.commit(now).await?;
        Ok(id)
    }

    /// Escalate to the next stage, or to `to_stage` where immediate risk allows.
    /// Returns the stage the case is now at.
    pub async fn escalate(
        &self,
        reference: &str,
        to_stage: Option<u8>,
        reason: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<u8, StoreError> {
        self.escalate_skipping(reference, to_stage, reason, None, now)
            .await
    }

    /// Escalate to `to_stage`, going past stages the protocol lets be skipped (or that
    /// are optional) on a recorded decision: why, who decided, and their role where
    /// the protocol names the role that decides. Returns the stage the case is now at.
    pub async fn escalate_skipping(
        &self,
        reference: &str,
        to_stage: Option<u8>,
        reason: Option<&str>,
        skip: Option<SkipDecision>,
        now: NaiveDateTime,
    ) -> Result<u8, StoreError> {
        let reason = optional("reason", reason, LONG)?;
        let skip = skip.as_ref().map(check_skip).transpose()?;
        self.move_case(
            reference,
            Event::Escalate {
                at: now,
                to_stage,
                reason,
                skip,
            },
            now,
        )
        .await
        .map(|case| case.current_stage())
    }

    /// Move the case to another route of its protocol, for a recorded reason: it stays
    /// at its stage where the new route has it (its clock runs on), or goes to
    /// `to_stage` on the new route. Returns the stage the case is now at.
    pub async fn switch_route(
        &self,
        reference: &str,
        route: &str,
        reason: &str,
        to_stage: Option<u8>,
        now: NaiveDateTime,
    ) -> Result<u8, StoreError> {
        let route = required("route", route, NAME)?;
        let reason = required("reason", reason, LONG)?;
        self.move_case(
            reference,
            Event::SwitchRoute {
                at: now,
                route,
                reason,
                to_stage,
            },
            now,
        )
        .await
        .map(|case| case.current_stage())
    }

    /// Extend a deadline where the protocol allows it, by agreement: `deadline` is
    /// `timescale` (the current stage's own) or a limit's id; `to` the new due, later
    /// than the deadline as it stands; who agreed (name, and role), the day they agreed
    /// and why.
    #[allow(clippy::too_many_arguments)]
    pub async fn extend_deadline(
        &self,
        reference: &str,
        deadline: &str,
        to: Due,
        agreed_by: &str,
        agreed_on: NaiveDate,
        reason: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let deadline = required("deadline", deadline, NAME)?;
        let agreed_by = required("agreed_by", agreed_by, NAME)?;
        let reason = required("reason", reason, LONG)?;
        date_in_calendar("agreed_on", agreed_on)?;
        self.move_case(
            reference,
            Event::Extend {
                at: now,
                deadline: deadline.into(),
                to,
                agreed_by,
                agreed_on,
                reason,
            },
            now,
        )
        .await
        .map(drop)
    }

    /// Move an open case to another installed version of its protocol (by version, or
    /// the start of its SHA-256), on purpose: later deadlines follow that version's
    /// rules, the case's history stays as it was. Audited as an event of the case's
    /// log. A closed case never moves. Returns the case as it now is.
    pub async fn move_protocol(
        &self,
        reference: &str,
        to: &str,
        now: NaiveDateTime,
    ) -> Result<escalate_core::Case, StoreError> {
        in_calendar("now", now)?;
        let mut tx = self.begin_case(reference).await?;
        let id = tx.protocol().id.clone();
        // Held until the move is applied, so the cache still has the version then.
        let (pin, _version) = super::protocols::find_version(tx.conn(), &id, to).await?;
        if pin == *tx.pin() {
            return Err(StoreError::invalid(
                "to",
                format!(
                    "the case already runs under version {} of '{id}'",
                    pin.version
                ),
            ));
        }
        tx.apply(Event::MoveProtocol {
            at: now,
            from: tx.pin().clone(),
            to: pin,
        })?;
        tx.commit(now).await
    }

    /// The difference is resolved at the current stage.
    pub async fn resolve(
        &self,
        reference: &str,
        outcome: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let outcome = required("outcome", outcome, LONG)?;
        self.move_case(reference, Event::Resolve { at: now, outcome }, now)
            .await
            .map(drop)
    }

    pub async fn withdraw(
        &self,
        reference: &str,
        reason: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let reason = required("reason", reason, LONG)?;
        self.move_case(reference, Event::Withdraw { at: now, reason }, now)
            .await
            .map(drop)
    }

    /// Out of scope: send the case to the procedure the protocol's exclusion names.
    /// Returns that procedure, in the protocol's words.
    pub async fn redirect(
        &self,
        reference: &str,
        exclusion: &str,
        now: NaiveDateTime,
    ) -> Result<String, StoreError> {
        let exclusion = required("exclusion", exclusion, NAME)?;
        in_calendar("now", now)?;
        let mut tx = self.begin_case(reference).await?;
        let protocol = tx.protocol();
        tx.apply(Event::Redirect {
            at: now,
            exclusion: exclusion.clone(),
        })?;
        tx.commit(now).await?;
        Ok(protocol
            .exclusion(&exclusion)
            .map(|e| e.redirect.clone())
            .unwrap_or_default())
    }

    /// Mark a notification the protocol requires as sent.
    pub async fn mark_sent(
        &self,
        reference: &str,
        stage: Option<u8>,
        notification: &str,
        sent_at: NaiveDateTime,
        note: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let notification = required("notification", notification, NAME)?;
        let note = optional_text("note", note, SHORT)?;
        not_in_future("sent_at", sent_at, now, "mark it once it has been sent")?;
        in_calendar("now", now)?;
        let engine = Engine::new(&self.calendar, now)
            .map_err(|e| StoreError::invalid("now", e.to_string()))?;
        let mut tx = self.begin_case(reference).await?;
        // What was owed, to whom and by when, as the engine saw it before the marking.
        let (to, due) = match tx.case() {
            Some(case) => engine
                .status(&tx.protocol(), case)?
                .deadlines
                .iter()
                .find(|d| d.stage == stage && d.id == notification)
                .map(|d| {
                    (
                        d.to.as_deref().unwrap_or_default().to_owned(),
                        d.due.date().map(|_| d.due.to_string()),
                    )
                })
                .unwrap_or_default(),
            None => Default::default(),
        };
        tx.apply(Event::MarkSent {
            at: sent_at,
            stage,
            notification,
            to,
            due,
            note,
        })?;
        tx.commit(now).await.map(drop)
    }

    /// Set a shorter, child-protective deadline for the current stage.
    pub async fn shorten_deadline(
        &self,
        reference: &str,
        due: NaiveDateTime,
        reason: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let reason = required("reason", reason, LONG)?;
        self.move_case(
            reference,
            Event::ShortenDeadline {
                at: Some(now),
                due,
                reason,
            },
            now,
        )
        .await
        .map(drop)
    }

    /// A move that writes no rows of its own: the event, its log entry and the cache.
    async fn move_case(
        &self,
        reference: &str,
        event: Event,
        now: NaiveDateTime,
    ) -> Result<escalate_core::Case, StoreError> {
        in_calendar("now", now)?;
        let mut tx = self.begin_case(reference).await?;
        tx.apply(event)?;
        tx.commit(now).await
    }
}
