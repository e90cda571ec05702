//! Deadline alerts for the desktop: each deadline alerts once when it comes within a
//! working day and once when it passes, remembered in the store across restarts.

use super::*;
use escalate_core::{Due, Urgency};

impl Store {
    /// Alerts not yet shown for open cases, recorded as shown in the same call.
    pub async fn new_alerts(&self, now: NaiveDateTime) -> Result<Vec<Alert>, StoreError> {
        let open = self.list_cases(CaseFilter::Open, None, now).await?;
        let mut tx = self.begin().await?;
        let mut out = Vec::new();
        for item in open {
            let level = match item.urgency {
                Urgency::OnTrack => continue,
                Urgency::DueSoon => AlertLevel::DueSoon,
                Urgency::Overdue { .. } => AlertLevel::Overdue,
            };
            let due = item.next_due.unwrap_or(Due::WithoutDelay);
            let inserted = sqlx::query(
                "INSERT OR IGNORE INTO alerts_shown (case_id, level, due, shown_at)
                 SELECT id, ?, ?, ? FROM cases WHERE reference = ?",
            )
            .bind(level.as_str())
            // The due time in its ISO form is part of the key: a deadline that moves
            // alerts again.
            .bind(due.to_string())
            .bind(ts(now))
            .bind(&item.reference)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                out.push(Alert {
                    reference: item.reference,
                    level,
                    due,
                });
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}
