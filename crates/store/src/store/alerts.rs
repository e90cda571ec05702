//! Deadline alerts for the desktop: each deadline alerts once when it comes within a
//! working day and once when it passes, remembered in the store across restarts.

use super::*;

impl Store {
    /// Remember `alerts` as shown, in one transaction. Gives those not shown before,
    /// in the order given: an alert is one case's deadline at one level, so a deadline
    /// that moves alerts again.
    pub async fn record_alerts(
        &self,
        alerts: Vec<Alert>,
        now: NaiveDateTime,
    ) -> Result<Vec<Alert>, StoreError> {
        let mut tx = self.begin().await?;
        let mut out = Vec::new();
        for alert in alerts {
            let inserted = sqlx::query(
                "INSERT OR IGNORE INTO alerts_shown (case_id, level, due, shown_at)
                 SELECT id, ?, ?, ? FROM cases WHERE reference = ?",
            )
            .bind(alert.level.as_str())
            // The due time in its ISO form is part of the key: a deadline that moves
            // alerts again.
            .bind(alert.due.to_string())
            .bind(ts(now))
            .bind(&alert.reference)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                out.push(alert);
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}
