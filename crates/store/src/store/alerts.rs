//! Deadline alerts for the desktop: each deadline alerts once when it comes within a
//! working day and once when it passes, remembered in the store across restarts.

use super::*;
use escalate_core::Urgency;

/// A deadline the lead should hear about. Carries no child data: a desktop
/// notification can show on a locked screen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Alert {
    pub reference: String,
    /// `due-soon` or `overdue`.
    pub level: String,
    /// When it is or was due, as the engine gives it.
    pub due: String,
}

impl Alert {
    /// The notification's words.
    pub fn text(&self) -> String {
        match self.level.as_str() {
            "overdue" => format!(
                "{}: a deadline has passed ({}). Open Escalate to see the next step.",
                self.reference, self.due
            ),
            _ => format!(
                "{}: a deadline is due within one working day ({}).",
                self.reference, self.due
            ),
        }
    }
}

impl Store {
    /// Alerts not yet shown for open cases, recorded as shown in the same call.
    pub async fn new_alerts(&self, now: NaiveDateTime) -> Result<Vec<Alert>, StoreError> {
        let open = self.list_cases(CaseFilter::Open, None, now).await?;
        let mut tx = self.begin().await?;
        let mut out = Vec::new();
        for item in open {
            let level = match item.urgency {
                Urgency::OnTrack => continue,
                Urgency::DueSoon => "due-soon",
                Urgency::Overdue { .. } => "overdue",
            };
            let due = item
                .next_due
                .map(|d| d.to_string())
                .unwrap_or_else(|| "without delay".to_owned());
            let inserted = sqlx::query(
                "INSERT OR IGNORE INTO alerts_shown (case_id, level, due, shown_at)
                 SELECT id, ?, ?, ? FROM cases WHERE reference = ?",
            )
            .bind(level)
            .bind(&due)
            .bind(ts(now))
            .bind(&item.reference)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                out.push(Alert {
                    reference: item.reference,
                    level: level.to_owned(),
                    due,
                });
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}
