//! Board administrator mode: imported export packages, one current version per case.

use super::*;

/// A decrypted, checked package, ready to keep.
#[derive(Debug, Clone)]
pub struct BoardPackage {
    pub file_name: String,
    pub file_sha256: String,
    /// The exporting agency (`exported_by.agency`).
    pub source_agency: String,
    pub reference: String,
    pub exported_at: NaiveDateTime,
    /// `monitoring.json` as received.
    pub monitoring: String,
    pub pdf: Vec<u8>,
}

/// What importing one package did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum ImportOutcome {
    /// A case not seen before.
    New,
    /// A newer version of a case: it is now current, the older one is kept.
    Replaced,
    /// The same package (or the same export) again: nothing changed.
    Duplicate,
    /// An older version than the one held: kept, but not current.
    Older,
}

impl Store {
    /// Keep imported packages: one transaction for the batch, an audit entry for each.
    pub async fn board_import(
        &self,
        packages: &[BoardPackage],
        now: NaiveDateTime,
    ) -> Result<Vec<ImportOutcome>, StoreError> {
        let mut tx = self.begin().await?;
        let mut out = Vec::with_capacity(packages.len());
        for p in packages {
            out.push(self.import_one(&mut tx, p, now).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn import_one(
        &self,
        tx: &mut SqliteConnection,
        p: &BoardPackage,
        now: NaiveDateTime,
    ) -> Result<ImportOutcome, StoreError> {
        let same: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM board_packages WHERE file_sha256 = ? OR (source_agency = ? AND reference = ? AND exported_at = ?)",
        )
        .bind(&p.file_sha256)
        .bind(&p.source_agency)
        .bind(&p.reference)
        .bind(ts(p.exported_at))
        .fetch_optional(&mut *tx)
        .await?;
        if same.is_some() {
            return Ok(ImportOutcome::Duplicate);
        }
        let current = sqlx::query("SELECT id, exported_at, monitoring FROM board_packages WHERE source_agency = ? AND reference = ? AND current = 1")
            .bind(&p.source_agency)
            .bind(&p.reference)
            .fetch_optional(&mut *tx)
            .await?;
        let (outcome, before) = match &current {
            None => (ImportOutcome::New, None),
            Some(row) => {
                let held = parse_ts(row.try_get("exported_at")?)?;
                if held < p.exported_at {
                    sqlx::query("UPDATE board_packages SET current = 0 WHERE id = ?")
                        .bind(row.try_get::<i64, _>("id")?)
                        .execute(&mut *tx)
                        .await?;
                    (
                        ImportOutcome::Replaced,
                        Some(row.try_get::<String, _>("monitoring")?),
                    )
                } else {
                    (ImportOutcome::Older, None)
                }
            }
        };
        sqlx::query(
            "INSERT INTO board_packages (source_agency, reference, exported_at, file_sha256, file_name, monitoring, pdf, imported_at, current)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.source_agency)
        .bind(&p.reference)
        .bind(ts(p.exported_at))
        .bind(&p.file_sha256)
        .bind(&p.file_name)
        .bind(&p.monitoring)
        .bind(&p.pdf)
        .bind(ts(now))
        .bind(outcome != ImportOutcome::Older)
        .execute(&mut *tx)
        .await?;
        let action = match outcome {
            ImportOutcome::New => "board.import",
            ImportOutcome::Replaced => "board.replace",
            _ => "board.import_older",
        };
        let subject = format!("{} / {}", p.source_agency, p.reference);
        self.log(
            tx,
            now,
            action,
            ("board_package", &subject),
            before,
            Some(p.monitoring.clone()),
        )
        .await?;
        Ok(outcome)
    }

    /// `monitoring.json` of the current version of every imported case.
    pub async fn board_current(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT monitoring FROM board_packages WHERE current = 1 ORDER BY source_agency, reference")
            .fetch_all(self.pool())
            .await?)
    }
}
