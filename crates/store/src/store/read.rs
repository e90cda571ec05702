//! Reading: the dashboard list, one case in full, the chronology.

use super::*;

impl Store {
    /// Cases with the engine's urgency and next deadline, most urgent first.
    pub async fn list_cases(
        &self,
        filter: CaseFilter,
        search: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<Vec<CaseListItem>, StoreError> {
        let engine = Engine::new(&self.calendar, now)
            .map_err(|e| StoreError::invalid("now", e.to_string()))?;
        let pattern = search.map(|s| {
            format!(
                "%{}%",
                s.trim()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        // One row holding the whole list as JSON: SQLite builds it in C, so the cost is
        // one decode rather than a round of driver overhead per case.
        let list: Option<String> = sqlx::query_scalar(
            "SELECT json_group_array(json_array(reference, child_name, raising_agency, receiving_agency, json(engine)))
             FROM case_state
             WHERE (? OR status = 'open')
               AND (? IS NULL OR reference LIKE ? ESCAPE '\\' OR child_name LIKE ? ESCAPE '\\')",
        )
        .bind(filter == CaseFilter::All)
        .bind(&pattern)
        .bind(&pattern)
        .bind(&pattern)
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<(String, String, String, String, Case)> =
            serde_json::from_str(list.as_deref().unwrap_or("[]"))
                .map_err(|e| StoreError::Database(format!("case list unreadable: {e}")))?;
        let mut out = Vec::with_capacity(rows.len());
        for (reference, child_name, raising_agency, receiving_agency, case) in rows {
            let protocol = protocol_for(&case.protocol)?;
            let summary = engine.summary(protocol, &case)?;
            out.push(CaseListItem {
                reference,
                child_name,
                raising_agency,
                receiving_agency,
                stage: case.current_stage(),
                state: case.state.kind(),
                urgency: summary.urgency,
                next_due: summary.next_due,
                protocol_id: case.protocol,
            });
        }
        out.sort_by(|a, b| {
            b.urgency
                .rank()
                .cmp(&a.urgency.rank())
                .then_with(|| {
                    let ka = a.next_due.map(|d| d.order_key());
                    let kb = b.next_due.map(|d| d.order_key());
                    match (ka, kb) {
                        (Some(x), Some(y)) => x.cmp(&y),
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (None, None) => std::cmp::Ordering::Equal,
                    }
                })
                .then_with(|| a.reference.cmp(&b.reference))
        });
        Ok(out)
    }

    /// Everything about one case, with the engine's answer now.
    pub async fn case_detail(
        &self,
        reference: &str,
        now: NaiveDateTime,
    ) -> Result<CaseDetail, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let loaded = self.load(&mut conn, reference).await?;
        let r = sqlx::query(
            "SELECT c.*, ra.name AS raising, rb.name AS receiving FROM cases c
             JOIN agencies ra ON ra.id = c.raising_agency_id JOIN agencies rb ON rb.id = c.receiving_agency_id WHERE c.id = ?",
        )
        .bind(loaded.id)
        .fetch_one(&mut *conn)
        .await?;
        let records = self.records(&mut conn, loaded.id).await?;
        let notifications_sent = sqlx::query(
            "SELECT stage, notification_id, sent_to, due, sent_at, note FROM notifications_sent WHERE case_id = ? ORDER BY sent_at, id",
        )
        .bind(loaded.id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| {
            Ok(SentNotification {
                stage: r.try_get::<Option<i64>, _>("stage")?.map(|s| s as u8),
                notification: r.try_get("notification_id")?,
                sent_to: r.try_get("sent_to")?,
                due: r.try_get("due")?,
                sent_at: parse_ts(r.try_get("sent_at")?)?,
                note: r.try_get("note")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let engine = Engine::new(&self.calendar, now)
            .map_err(|e| StoreError::invalid("now", e.to_string()))?;
        let status = engine.status(loaded.protocol, &loaded.case)?;
        let plan = escalate_core::plan(loaded.protocol, &self.calendar, loaded.case.opened_at)
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(CaseDetail {
            reference: r.try_get("reference")?,
            protocol_id: r.try_get("protocol_id")?,
            protocol_version: r.try_get("protocol_version")?,
            child_name: r.try_get("child_name")?,
            child_dob: r
                .try_get::<Option<String>, _>("child_dob")?
                .as_deref()
                .map(parse_date)
                .transpose()?,
            child_identifiers: r.try_get("child_identifiers")?,
            category: r.try_get("category")?,
            summary: r.try_get("summary")?,
            raising_agency: r.try_get("raising")?,
            raising_professional: r.try_get("raising_professional")?,
            receiving_agency: r.try_get("receiving")?,
            receiving_professional: r.try_get("receiving_professional")?,
            opened_at: parse_ts(r.try_get("opened_at")?)?,
            immediate_risk: r.try_get("immediate_risk_reason")?,
            state: loaded.case.state.kind(),
            outcome: r.try_get("outcome")?,
            closed_at: r
                .try_get::<Option<String>, _>("closed_at")?
                .as_deref()
                .map(parse_ts)
                .transpose()?,
            records,
            notifications_sent,
            engine: loaded.case.clone(),
            status,
            plan,
        })
    }

    async fn records(
        &self,
        conn: &mut SqliteConnection,
        case_id: i64,
    ) -> Result<Vec<StageRecord>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM stage_records WHERE case_id = ? ORDER BY discussed_at, id")
                .bind(case_id)
                .fetch_all(&mut *conn)
                .await?;
        let bad =
            |e: serde_json::Error| StoreError::Database(format!("stage record unreadable: {e}"));
        rows.into_iter()
            .map(|r| {
                Ok(StageRecord {
                    id: r.try_get("id")?,
                    stage: r.try_get::<i64, _>("stage")? as u8,
                    discussed_at: parse_ts(r.try_get("discussed_at")?)?,
                    participants: serde_json::from_str(r.try_get("participants")?).map_err(bad)?,
                    raising_view: r.try_get("raising_view")?,
                    receiving_view: r.try_get("receiving_view")?,
                    summary: r.try_get("summary")?,
                    agreed: r.try_get("agreed")?,
                    resolved: r.try_get("resolved")?,
                    extra: serde_json::from_str(r.try_get("extra")?).map_err(bad)?,
                    next_step: r.try_get("next_step")?,
                    approved_by: r.try_get("approved_by")?,
                    approved_on: r
                        .try_get::<Option<String>, _>("approved_on")?
                        .as_deref()
                        .map(parse_date)
                        .transpose()?,
                    recorded_at: parse_ts(r.try_get("recorded_at")?)?,
                    recorded_by: r.try_get("recorded_by")?,
                })
            })
            .collect()
    }

    /// Every stage, record, notification and deadline of a case in date order.
    pub async fn chronology(
        &self,
        reference: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<ChronologyEntry>, StoreError> {
        let detail = self.case_detail(reference, now).await?;
        let mut conn = self.pool.acquire().await?;
        let loaded = self.load(&mut conn, reference).await?;
        let mut out = Vec::new();
        let moves = sqlx::query("SELECT kind, from_stage, to_stage, at, reason FROM stage_moves WHERE case_id = ? ORDER BY id")
            .bind(loaded.id)
            .fetch_all(&mut *conn)
            .await?;
        for m in moves {
            let kind: String = m.try_get("kind")?;
            let to: Option<i64> = m.try_get("to_stage")?;
            let from: Option<i64> = m.try_get("from_stage")?;
            let reason: String = m.try_get("reason")?;
            let (kind, text) = match kind.as_str() {
                "opened" => (
                    ChronologyKind::Opened,
                    format!("Opened at Stage {}", to.unwrap_or(0)),
                ),
                "escalated" => (
                    ChronologyKind::Escalated,
                    format!(
                        "Escalated from Stage {} to Stage {}",
                        from.unwrap_or(0),
                        to.unwrap_or(0)
                    ),
                ),
                "resolved" => (
                    ChronologyKind::Resolved,
                    format!("Resolved at Stage {}: {reason}", from.unwrap_or(0)),
                ),
                "withdrawn" => (
                    ChronologyKind::Withdrawn,
                    format!("Withdrawn at Stage {}: {reason}", from.unwrap_or(0)),
                ),
                _ => (ChronologyKind::Redirected, format!("Redirected ({reason})")),
            };
            out.push(ChronologyEntry {
                at: parse_ts(m.try_get("at")?)?,
                stage: to.or(from).map(|s| s as u8),
                kind,
                text,
                overdue: false,
            });
        }
        for r in &detail.records {
            out.push(ChronologyEntry {
                at: r.discussed_at,
                stage: Some(r.stage),
                kind: ChronologyKind::Record,
                text: format!(
                    "Stage {} record{}: {}",
                    r.stage,
                    if r.resolved { " (resolved)" } else { "" },
                    r.summary
                ),
                overdue: false,
            });
        }
        let sent = sqlx::query("SELECT stage, notification_id, sent_to, due, sent_at FROM notifications_sent WHERE case_id = ? ORDER BY id")
            .bind(loaded.id)
            .fetch_all(&mut *conn)
            .await?;
        for s in sent {
            out.push(ChronologyEntry {
                at: parse_ts(s.try_get("sent_at")?)?,
                stage: s.try_get::<Option<i64>, _>("stage")?.map(|x| x as u8),
                kind: ChronologyKind::NotificationSent,
                text: format!(
                    "Sent: {} to {}{}",
                    s.try_get::<String, _>("notification_id")?,
                    s.try_get::<String, _>("sent_to")?,
                    s.try_get::<Option<String>, _>("due")?
                        .map(|d| format!(" (due {d})"))
                        .unwrap_or_default()
                ),
                overdue: false,
            });
        }
        let engine = Engine::new(&self.calendar, now)
            .map_err(|e| StoreError::invalid("now", e.to_string()))?;
        let status = engine.status(loaded.protocol, &loaded.case)?;
        for d in &status.deadlines {
            let at = match d.due {
                escalate_core::Due::EndOfDay(day) => {
                    day.and_hms_opt(23, 59, 59).unwrap_or_default()
                }
                escalate_core::Due::At(t) => t,
                _ => now,
            };
            let kind = if d.kind == escalate_core::engine::DeadlineKind::Notification {
                ChronologyKind::NotificationDue
            } else {
                ChronologyKind::Deadline
            };
            let who = d.to.map(|t| format!(" to {t}")).unwrap_or_default();
            out.push(ChronologyEntry {
                at,
                stage: d.stage,
                kind,
                text: match d.due {
                    escalate_core::Due::NoLimit => format!("Owed{who} (no timescale): {}", d.what),
                    escalate_core::Due::WithoutDelay => {
                        format!("Due without delay{who}: {}", d.what)
                    }
                    due => format!("Due {due}{who}: {} ({})", d.what, d.urgency.words()),
                },
                overdue: matches!(d.urgency, escalate_core::Urgency::Overdue { .. }),
            });
        }
        out.sort_by_key(|e| e.at);
        Ok(out)
    }
}
