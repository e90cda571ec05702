//! Board administrator mode: imported export packages, one current version per case.

use super::*;

pub use escalate_core::model::BoardPackage;

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
    /// Not kept: the protocol file it carries is another text of a protocol id and
    /// version the Board already holds (carried by an earlier package, or installed).
    /// One text per version, so that no package can change how others are counted.
    ProtocolConflict,
}

/// One imported package, as the administrator lists them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportedPackage {
    /// What `board_remove` takes.
    pub id: i64,
    /// The exporting agency (`exported_by.agency`).
    pub source_agency: String,
    pub reference: String,
    pub exported_at: NaiveDateTime,
    /// The version the figures count: the newest of its case from its agency.
    pub current: bool,
    pub imported_at: NaiveDateTime,
    /// The file it came from, as the import named it.
    pub file_name: String,
}

impl Store {
    /// Every imported package, by agency, reference and export time.
    pub async fn board_packages(&self) -> Result<Vec<ImportedPackage>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source_agency, reference, exported_at, current, imported_at, file_name
             FROM board_packages ORDER BY source_agency, reference, exported_at, id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ImportedPackage {
                    id: r.try_get("id")?,
                    source_agency: r.try_get("source_agency")?,
                    reference: r.try_get("reference")?,
                    exported_at: parse_ts(r.try_get("exported_at")?)?,
                    current: r.try_get("current")?,
                    imported_at: parse_ts(r.try_get("imported_at")?)?,
                    file_name: r.try_get("file_name")?,
                })
            })
            .collect()
    }

    /// Remove an imported package, in one transaction: the row goes; if it was the
    /// current version of its case, the newest version left becomes current; the audit
    /// trail keeps what was removed (`board.remove`). Gives what was removed.
    pub async fn board_remove(
        &self,
        id: i64,
        now: NaiveDateTime,
    ) -> Result<ImportedPackage, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT source_agency, reference, exported_at, current, imported_at, file_name, monitoring
             FROM board_packages WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            StoreError::invalid(
                "id",
                format!("no imported package has id {id}: `escalate board list` shows them"),
            )
        })?;
        let removed = ImportedPackage {
            id,
            source_agency: row.try_get("source_agency")?,
            reference: row.try_get("reference")?,
            exported_at: parse_ts(row.try_get("exported_at")?)?,
            current: row.try_get("current")?,
            imported_at: parse_ts(row.try_get("imported_at")?)?,
            file_name: row.try_get("file_name")?,
        };
        let monitoring: String = row.try_get("monitoring")?;
        let carried: Option<String> =
            sqlx::query_scalar("SELECT protocol_sha256 FROM board_packages WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("DELETE FROM board_packages WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(sha) = carried {
            // A protocol file goes with the last package that carried it.
            sqlx::query(
                "DELETE FROM board_protocols WHERE sha256 = ?
                 AND NOT EXISTS (SELECT 1 FROM board_packages WHERE protocol_sha256 = ?)",
            )
            .bind(&sha)
            .bind(&sha)
            .execute(&mut *tx)
            .await?;
        }
        if removed.current {
            // Times are stored as fixed-width text, so the newest sorts last.
            sqlx::query(
                "UPDATE board_packages SET current = 1 WHERE id = (
                     SELECT id FROM board_packages WHERE source_agency = ? AND reference = ?
                     ORDER BY exported_at DESC, id DESC LIMIT 1)",
            )
            .bind(&removed.source_agency)
            .bind(&removed.reference)
            .execute(&mut *tx)
            .await?;
        }
        let subject = format!("{} / {}", removed.source_agency, removed.reference);
        self.log(
            &mut tx,
            now,
            AuditAction::BoardRemove,
            ("board_package", &subject),
            Some(monitoring),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(removed)
    }

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

    pub(super) async fn import_one(
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
        if let Some(carried) = &p.protocol {
            let (id, version) = (&carried.id, &carried.version);
            let rival: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM board_protocols WHERE protocol_id = ? AND version = ? AND sha256 <> ?
                 UNION ALL
                 SELECT 1 FROM protocols WHERE protocol_id = ? AND version = ? AND sha256 <> ?
                 LIMIT 1",
            )
            .bind(id)
            .bind(version)
            .bind(&carried.sha256)
            .bind(id)
            .bind(version)
            .bind(&carried.sha256)
            .fetch_optional(&mut *tx)
            .await?;
            if rival.is_some() {
                return Ok(ImportOutcome::ProtocolConflict);
            }
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
        // The protocol file it carried, kept once per text for every package that names it.
        let carried = match &p.protocol {
            Some(carried) => {
                sqlx::query(
                    "INSERT INTO board_protocols (sha256, protocol_id, version, text) VALUES (?, ?, ?, ?)
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(&carried.sha256)
                .bind(&carried.id)
                .bind(&carried.version)
                .bind(&carried.text)
                .execute(&mut *tx)
                .await?;
                Some(carried.sha256.clone())
            }
            None => None,
        };
        sqlx::query(
            "INSERT INTO board_packages (source_agency, reference, exported_at, file_sha256, file_name, monitoring, pdf, imported_at, current, protocol_sha256)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .bind(carried)
        .execute(&mut *tx)
        .await?;
        let action = match outcome {
            ImportOutcome::New => AuditAction::BoardImport,
            ImportOutcome::Replaced => AuditAction::BoardReplace,
            ImportOutcome::Older | ImportOutcome::Duplicate | ImportOutcome::ProtocolConflict => {
                AuditAction::BoardImportOlder
            }
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

    /// The protocol files the imported packages carried, as (SHA-256, text).
    pub async fn board_protocols(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT sha256, text FROM board_protocols ORDER BY sha256")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// `monitoring.json` of the current version of every imported case.
    pub async fn board_current(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT monitoring FROM board_packages WHERE current = 1 ORDER BY source_agency, reference")
            .fetch_all(self.pool())
            .await?)
    }
}
