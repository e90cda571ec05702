//! Cases through the state machine: create, record, escalate, close, notify, shorten.

use super::*;

impl Store {
    /// Open a new professional difference. Returns its reference, e.g. `RPD-2026-0001`.
    pub async fn create_case(
        &self,
        new: NewCase,
        now: NaiveDateTime,
    ) -> Result<String, StoreError> {
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
        let protocol = protocol_for(new.protocol.as_deref().unwrap_or(&self.profile.protocol_id))?;
        let opened = new.opened_at.unwrap_or(now);
        if opened > now + Duration::minutes(5) {
            return Err(StoreError::invalid(
                "opened",
                "is in the future: give when the concern arose",
            ));
        }
        if opened.year() < escalate_core::calendar::FIRST_YEAR {
            return Err(StoreError::invalid(
                "opened",
                "is before 1990: check the year",
            ));
        }
        if let Some(dob) = new.child_dob {
            // Unborn children (pre-birth concerns) may have an expected date up to a year ahead.
            if dob > now.date() + Duration::days(366) || dob < now.date() - Duration::days(366 * 26)
            {
                return Err(StoreError::invalid(
                    "child_dob",
                    "must be within the last 26 years (or an expected date within the next year): check the year",
                ));
            }
        }
        let raising_sector =
            new.raising_sector
                .unwrap_or(if raising.eq_ignore_ascii_case(&self.profile.agency) {
                    self.profile.sector
                } else {
                    Sector::Other
                });
        let receiving_sector = new.receiving_sector.unwrap_or(Sector::Other);
        let case = Case::open(
            protocol,
            opened,
            Opening {
                at: Some(opened),
                stage: new.stage,
                immediate_risk: risk.clone(),
                raising_sector: Some(raising_sector),
                receiving_sector: Some(receiving_sector),
                ..Opening::default()
            },
        )?;

        let mut tx = self.begin().await?;
        let raising_id = agency(&mut tx, &raising, raising_sector).await?;
        let receiving_id = agency(&mut tx, &receiving, receiving_sector).await?;
        let prefix = format!("RPD-{}-", opened.year());
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE reference LIKE ? || '%'")
                .bind(&prefix)
                .fetch_one(&mut *tx)
                .await?;
        let reference = format!("{prefix}{:04}", count + 1);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cases (reference, protocol_id, protocol_version, child_name, child_dob, child_identifiers, category, summary,
                raising_agency_id, raising_professional, receiving_agency_id, receiving_professional, opened_at,
                immediate_risk, immediate_risk_reason, status, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id",
        )
        .bind(&reference)
        .bind(&protocol.id)
        .bind(&protocol.version)
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
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO case_state (case_id, reference, child_name, raising_agency, receiving_agency, status, protocol_id, engine)
             VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
        )
        .bind(id)
        .bind(&reference)
        .bind(&child_name)
        .bind(&raising)
        .bind(&receiving)
        .bind(&protocol.id)
        .bind(json(&case)?)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO stage_moves (case_id, kind, to_stage, at, reason, by) VALUES (?, 'opened', ?, ?, ?, ?)")
            .bind(id)
            .bind(case.current_stage())
            .bind(ts(opened))
            .bind(risk.clone().unwrap_or_default())
            .bind(&self.profile.name)
            .execute(&mut *tx)
            .await?;
        let after = serde_json::json!({
            "reference": reference, "child_name": child_name, "child_dob": new.child_dob,
            "child_identifiers": identifiers, "category": category, "summary": summary,
            "raising_agency": raising, "raising_professional": raising_prof,
            "receiving_agency": receiving, "receiving_professional": receiving_prof,
            "protocol": protocol.id, "protocol_version": protocol.version,
            "opened_at": ts(opened), "immediate_risk": risk, "stage": case.current_stage(),
        });
        self.log(
            &mut tx,
            now,
            "case.create",
            ("case", &reference),
            None,
            Some(after.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(reference)
    }

    pub(super) async fn load(
        &self,
        conn: &mut SqliteConnection,
        reference: &str,
    ) -> Result<Loaded, StoreError> {
        let row = sqlx::query("SELECT case_id, engine FROM case_state WHERE reference = ?")
            .bind(reference.trim())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NoCase(reference.to_owned()))?;
        let case: Case = serde_json::from_str(&row.try_get::<String, _>("engine")?)
            .map_err(|e| StoreError::Database(format!("case state unreadable: {e}")))?;
        let protocol = protocol_for(&case.protocol)?;
        Ok(Loaded {
            id: row.try_get("case_id")?,
            case,
            protocol,
        })
    }

    /// Apply `event` through the state machine, then let `write` add its rows, then
    /// save the new state and the audit entry: all in one transaction.
    async fn transition<T>(
        &self,
        reference: &str,
        now: NaiveDateTime,
        action: &str,
        event: impl FnOnce(&Loaded) -> Result<Event, StoreError>,
        write: impl for<'c> FnOnce(
            &'c mut SqliteConnection,
            i64,
            &'c Case,
        ) -> futures_like::BoxFuture<'c, Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let mut tx = self.begin().await?;
        let loaded = self.load(&mut tx, reference).await?;
        let mut case = loaded.case.clone();
        let ev = event(&loaded)?;
        case.apply(loaded.protocol, ev)?;
        let value = write(&mut tx, loaded.id, &case).await?;
        let status = case.state.as_str();
        sqlx::query("UPDATE case_state SET status = ?, engine = ? WHERE case_id = ?")
            .bind(status)
            .bind(json(&case)?)
            .bind(loaded.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE cases SET status = ?, updated_at = ? WHERE id = ?")
            .bind(status)
            .bind(ts(now))
            .bind(loaded.id)
            .execute(&mut *tx)
            .await?;
        self.log(
            &mut tx,
            now,
            action,
            ("case", reference.trim()),
            Some(json(&loaded.case)?),
            Some(json(&case)?),
        )
        .await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Record a discussion or meeting at the case's current stage.
    pub async fn record_stage(
        &self,
        reference: &str,
        input: StageRecordInput,
        now: NaiveDateTime,
    ) -> Result<i64, StoreError> {
        let discussed = input.discussed_at.unwrap_or(now);
        if discussed > now + Duration::minutes(5) {
            return Err(StoreError::invalid(
                "discussed_at",
                "is in the future: record a discussion once it has happened",
            ));
        }
        let summary = required("summary", &input.summary, LONG)?;
        let agreed = required("agreed", &input.agreed, LONG)?;
        let raising_view = optional_text("raising_view", &input.raising_view, LONG)?;
        let receiving_view = optional_text("receiving_view", &input.receiving_view, LONG)?;
        let next_step = optional_text("next_step", &input.next_step, LONG)?;
        let approved_by = optional("approved_by", input.approved_by.as_deref(), NAME)?;
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
                extra.insert(*field, t);
            }
        }
        let fields: BTreeSet<RecordField> = extra.keys().copied().collect();
        let record = RecordSummary {
            record: None,
            discussed_at: discussed,
            resolved: input.resolved,
            fields,
        };
        let by = self.profile.name.clone();
        let participants = json(&participants)?;
        let extra = json(&extra)?;
        self.transition(
            reference,
            now,
            "stage.record",
            |_| Ok(Event::Record(record)),
            move |conn, case_id, case| {
                Box::pin(async move {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO stage_records (case_id, stage, discussed_at, participants, raising_view, receiving_view, summary, agreed, resolved, extra, next_step, approved_by, approved_on, recorded_at, recorded_by)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    )
                    .bind(case_id)
                    .bind(case.current_stage())
                    .bind(ts(discussed))
                    .bind(participants)
                    .bind(raising_view)
                    .bind(receiving_view)
                    .bind(summary)
                    .bind(agreed)
                    .bind(input.resolved)
                    .bind(extra)
                    .bind(next_step)
                    .bind(approved_by)
                    .bind(input.approved_on.map(|d| d.to_string()))
                    .bind(ts(now))
                    .bind(by)
                    .fetch_one(&mut *conn)
                    .await?;
                    // The record is kept; its draft has done its job, in the same
                    // transaction so a crash leaves neither a lost record nor a stale draft.
                    sqlx::query("DELETE FROM drafts WHERE case_id = ? AND kind = ?")
                        .bind(case_id)
                        .bind(STAGE_RECORD_DRAFT)
                        .execute(&mut *conn)
                        .await?;
                    Ok(id)
                })
            },
        )
        .await
    }

    async fn move_row(
        conn: &mut SqliteConnection,
        case_id: i64,
        m: Move<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO stage_moves (case_id, kind, from_stage, to_stage, at, reason, by) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(case_id)
            .bind(m.kind)
            .bind(m.from)
            .bind(m.to)
            .bind(ts(m.at))
            .bind(m.reason)
            .bind(m.by)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Escalate to the next stage, or to `to_stage` where immediate risk allows.
    pub async fn escalate(
        &self,
        reference: &str,
        to_stage: Option<u8>,
        reason: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<u8, StoreError> {
        let reason = optional("reason", reason, LONG)?;
        let by = self.profile.name.clone();
        let why = reason.clone().unwrap_or_default();
        self.transition(
            reference,
            now,
            "case.escalate",
            |_| {
                Ok(Event::Escalate {
                    at: now,
                    to_stage,
                    reason,
                    skip: None,
                })
            },
            move |conn, id, case| {
                Box::pin(async move {
                    let to = case.current_stage();
                    let from = case.stages.iter().rev().nth(1).map_or(0, |e| e.stage);
                    Store::move_row(
                        conn,
                        id,
                        Move {
                            kind: "escalated",
                            from,
                            to: Some(to),
                            at: now,
                            reason: &why,
                            by: &by,
                        },
                    )
                    .await?;
                    Ok(to)
                })
            },
        )
        .await
    }

    /// The difference is resolved at the current stage.
    pub async fn resolve(
        &self,
        reference: &str,
        outcome: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let outcome = required("outcome", outcome, LONG)?;
        self.close_case(
            reference,
            now,
            "case.resolve",
            Event::Resolve {
                at: now,
                outcome: outcome.clone(),
            },
            Closing::Resolved(outcome),
        )
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
        let event = Event::Withdraw {
            at: now,
            reason: reason.clone(),
        };
        self.close_case(
            reference,
            now,
            "case.withdraw",
            event,
            Closing::Withdrawn(reason),
        )
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
        let event = Event::Redirect {
            at: now,
            exclusion: exclusion.clone(),
        };
        self.close_case(
            reference,
            now,
            "case.redirect",
            event,
            Closing::Redirected(exclusion),
        )
        .await
    }

    /// End a case: the state machine's move, the outcome on the case, a history row.
    /// Returns the outcome text.
    async fn close_case(
        &self,
        reference: &str,
        now: NaiveDateTime,
        action: &str,
        event: Event,
        closing: Closing,
    ) -> Result<String, StoreError> {
        let by = self.profile.name.clone();
        self.transition(
            reference,
            now,
            action,
            |_| Ok(event),
            move |conn, id, case| {
                Box::pin(async move {
                    let (kind, outcome, reason) = match closing {
                        Closing::Resolved(o) => ("resolved", o.clone(), o),
                        Closing::Withdrawn(r) => ("withdrawn", r.clone(), r),
                        Closing::Redirected(ex) => {
                            let words = protocol_for(&case.protocol)?
                                .exclusion(&ex)
                                .map(|e| e.redirect.clone())
                                .unwrap_or_default();
                            ("redirected", words, ex)
                        }
                    };
                    sqlx::query("UPDATE cases SET outcome = ?, closed_at = ? WHERE id = ?")
                        .bind(&outcome)
                        .bind(ts(now))
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    let from = case.current_stage();
                    let m = Move {
                        kind,
                        from,
                        to: None,
                        at: now,
                        reason: &reason,
                        by: &by,
                    };
                    Store::move_row(conn, id, m).await?;
                    Ok(outcome)
                })
            },
        )
        .await
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
        if sent_at > now + Duration::minutes(5) {
            return Err(StoreError::invalid(
                "sent_at",
                "is in the future: mark it once it has been sent",
            ));
        }
        let by = self.profile.name.clone();
        let n2 = notification.clone();
        let n3 = notification.clone();
        // What was owed, to whom and by when, as the engine saw it before the marking.
        let owed: std::sync::Arc<std::sync::Mutex<(String, Option<String>)>> = Default::default();
        let owed_w = owed.clone();
        let engine = Engine::new(&self.calendar, now)
            .map_err(|e| StoreError::invalid("now", e.to_string()))?;
        self.transition(
            reference,
            now,
            "notification.sent",
            |loaded| {
                let status = engine.status(loaded.protocol, &loaded.case)?;
                if let Some(d) = status.deadlines.iter().find(|d| d.stage == stage && d.id == n3) {
                    if let Ok(mut o) = owed.lock() {
                        *o = (d.to.unwrap_or_default().to_owned(), d.due.date().map(|_| d.due.to_string()));
                    }
                }
                Ok(Event::MarkSent { at: sent_at, stage, notification: n2, to: String::new(), due: None, note: String::new() })
            },
            move |conn, id, _case| {
                Box::pin(async move {
                    let (to, due) = owed_w.lock().map(|o| o.clone()).unwrap_or_default();
                    sqlx::query("INSERT INTO notifications_sent (case_id, stage, notification_id, sent_to, due, sent_at, sent_by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                        .bind(id)
                        .bind(stage)
                        .bind(&notification)
                        .bind(to)
                        .bind(due)
                        .bind(ts(sent_at))
                        .bind(&by)
                        .bind(&note)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            },
        )
        .await
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
        let by = self.profile.name.clone();
        let r2 = reason.clone();
        self.transition(
            reference,
            now,
            "deadline.shorten",
            |_| Ok(Event::ShortenDeadline { at: Some(now), due, reason: r2 }),
            move |conn, id, case| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO deadline_overrides (case_id, stage, due, reason, set_at, set_by) VALUES (?, ?, ?, ?, ?, ?)")
                        .bind(id)
                        .bind(case.current_stage())
                        .bind(ts(due))
                        .bind(&reason)
                        .bind(ts(now))
                        .bind(&by)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            },
        )
        .await
    }
}
