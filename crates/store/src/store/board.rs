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
    /// The key id (minisign) that signed it, as the directory verified: `None` for a
    /// package counted before signing, or accepted unsigned.
    pub signer_key_id: Option<String>,
}

/// Who signed a package the Board counts: kept with it, so that a key revoked later can
/// be answered with what it signed, and the signature checked again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSigner {
    /// The minisign key id of the key that signed the manifest.
    pub key_id: String,
    /// `manifest.json` as received (its `id` and `created_at` are read from it).
    pub manifest: String,
    /// `manifest.json.minisig` as received.
    pub signature: String,
}

/// What the store keeps of a manifest besides its text: its id (one package, however
/// often sealed) and when it was signed.
pub(crate) struct ManifestFacts {
    pub id: String,
    pub signed_at: String,
}

/// Read a kept manifest's id and time. The caller verified it; one that does not read
/// is refused naming `manifest`, rather than kept without them.
pub(crate) fn manifest_facts(manifest: &str) -> Result<ManifestFacts, StoreError> {
    let m: escalate_trust::Manifest = serde_json::from_str(manifest).map_err(|e| {
        StoreError::invalid(
            "manifest",
            format!("a signed package's manifest.json does not read ({e}): give the manifest as the package carried it"),
        )
    })?;
    Ok(ManifestFacts {
        id: m.id,
        signed_at: ts(m.created_at),
    })
}

/// The columns an `ImportedPackage` is read from.
/// A `board.import` / `board.replace` entry's `after`: the record as received, and for a
/// signed package who signed it (`{"monitoring": …, "key_id": …}`, as `board.hold`
/// writes). The manifest is kept in the table, not the log: the key id names the signer.
fn imported_after(p: &BoardPackage, signer: Option<&PackageSigner>) -> Result<String, StoreError> {
    match signer {
        None => Ok(p.monitoring.clone()),
        Some(s) => {
            let monitoring = serde_json::from_str::<serde_json::Value>(&p.monitoring)
                .unwrap_or_else(|_| serde_json::Value::String(p.monitoring.clone()));
            json(&serde_json::json!({ "monitoring": monitoring, "key_id": s.key_id }))
        }
    }
}

pub(crate) const IMPORTED_COLUMNS: &str =
    "id, source_agency, reference, exported_at, current, imported_at, file_name, signer_key_id";

pub(crate) fn imported(r: &sqlx::sqlite::SqliteRow) -> Result<ImportedPackage, StoreError> {
    Ok(ImportedPackage {
        id: r.try_get("id")?,
        source_agency: r.try_get("source_agency")?,
        reference: r.try_get("reference")?,
        exported_at: parse_ts(r.try_get("exported_at")?)?,
        current: r.try_get("current")?,
        imported_at: parse_ts(r.try_get("imported_at")?)?,
        file_name: r.try_get("file_name")?,
        signer_key_id: r.try_get("signer_key_id")?,
    })
}

impl Store {
    /// Every imported package, by agency, reference and export time.
    pub async fn board_packages(&self) -> Result<Vec<ImportedPackage>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {IMPORTED_COLUMNS} FROM board_packages ORDER BY source_agency, reference, exported_at, id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(imported).collect()
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
        let row = sqlx::query(&format!(
            "SELECT {IMPORTED_COLUMNS}, monitoring FROM board_packages WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            StoreError::invalid(
                "id",
                format!("no imported package has id {id}: `escalate board list` shows them"),
            )
        })?;
        let removed = imported(&row)?;
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

    /// Keep imported packages, each with who signed it (`None`: unsigned, accepted as
    /// such): one transaction for the batch, an audit entry for each.
    pub async fn board_import(
        &self,
        packages: &[(BoardPackage, Option<PackageSigner>)],
        now: NaiveDateTime,
    ) -> Result<Vec<ImportOutcome>, StoreError> {
        let mut tx = self.begin().await?;
        let mut out = Vec::with_capacity(packages.len());
        for (p, signer) in packages {
            out.push(self.import_one(&mut tx, p, signer.as_ref(), now).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub(super) async fn import_one(
        &self,
        tx: &mut SqliteConnection,
        p: &BoardPackage,
        signer: Option<&PackageSigner>,
        now: NaiveDateTime,
    ) -> Result<ImportOutcome, StoreError> {
        let facts = signer.map(|s| manifest_facts(&s.manifest)).transpose()?;
        let manifest_id = facts.as_ref().map(|f| f.id.as_str());
        // The same signed manifest in another file is the same package sealed again.
        let same: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM board_packages WHERE file_sha256 = ? OR (source_agency = ? AND reference = ? AND exported_at = ?)
             OR manifest_id = ?",
        )
        .bind(&p.file_sha256)
        .bind(&p.source_agency)
        .bind(&p.reference)
        .bind(ts(p.exported_at))
        .bind(manifest_id)
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
            "INSERT INTO board_packages (source_agency, reference, exported_at, file_sha256, file_name, monitoring, pdf, imported_at, current, protocol_sha256,
                signer_key_id, manifest, signature, manifest_id, signed_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .bind(signer.map(|s| &s.key_id))
        .bind(signer.map(|s| &s.manifest))
        .bind(signer.map(|s| &s.signature))
        .bind(manifest_id)
        .bind(facts.as_ref().map(|f| &f.signed_at))
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
            Some(imported_after(p, signer)?),
        )
        .await?;
        Ok(outcome)
    }

    /// The counted packages signed by a key of `agency` (only `key_id`, where given)
    /// with a manifest made on or after `from`: what a revocation from `from` leaves for
    /// the administrator to look at (`board_remove`).
    pub(crate) async fn board_signed_from(
        conn: &mut SqliteConnection,
        agency: &str,
        key_id: Option<&str>,
        from: NaiveDate,
    ) -> Result<Vec<ImportedPackage>, StoreError> {
        // Times are fixed-width text: every time on or after the day sorts at or after it.
        let rows = sqlx::query(&format!(
            "SELECT {IMPORTED_COLUMNS} FROM board_packages
             WHERE signed_at >= ? AND signer_key_id IN (
                 SELECT key_id FROM directory WHERE agency = ? AND (? IS NULL OR key_id = ?))
             ORDER BY source_agency, reference, exported_at, id"
        ))
        .bind(from.to_string())
        .bind(agency)
        .bind(key_id)
        .bind(key_id)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(imported).collect()
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
