//! Integrity checks and key management: audit verify, integrity check, passphrase, rotation.

use super::*;

impl Store {
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let mut conn = self.pool.acquire().await?;
        audit::verify(&mut conn).await
    }

    /// The newest `limit` lines of the audit trail, newest first.
    pub async fn audit_lines(&self, limit: u32) -> Result<Vec<AuditLine>, StoreError> {
        Ok(sqlx::query_as::<_, AuditLine>(
            "SELECT seq, at, actor, action, entity, entity_id FROM audit ORDER BY seq DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub async fn integrity_check(&self) -> Result<String, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.join("; "))
    }

    /// Re-wrap the data key with a new recovery passphrase.
    pub async fn change_passphrase(
        &self,
        current: &Passphrase,
        new: &Passphrase,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        new.check_strength("new_passphrase")?;
        let file = KeyFile::read(&self.dir)?;
        let key = file.unwrap_key(current)?;
        let rewrapped = KeyFile::wrap(&self.store_id, &key, new, file.params)?;
        let mut tx = self.begin().await?;
        self.log(
            &mut tx,
            now,
            "key.passphrase_change",
            ("store", &self.store_id),
            None,
            None,
        )
        .await?;
        rewrapped.write(&self.dir)?;
        tx.commit().await?;
        Ok(())
    }

    /// Replace the data key: the database is re-encrypted (`PRAGMA rekey`), `key.json`
    /// re-wrapped with the passphrase and the keyring updated.
    pub async fn rotate_key(
        &mut self,
        passphrase: &Passphrase,
        keys: &dyn KeyStore,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let file = KeyFile::read(&self.dir)?;
        let old = file.unwrap_key(passphrase)?;
        let new = DataKey::generate()?;
        let next = KeyFile::wrap(&self.store_id, &new, passphrase, file.params)?;
        {
            let mut tx = self.begin().await?;
            self.log(
                &mut tx,
                now,
                "key.rotate",
                ("store", &self.store_id),
                None,
                None,
            )
            .await?;
            tx.commit().await?;
        }
        // One connection, so every other connection closes first and none keeps the old key.
        self.pool.close().await;
        let db_path = self.dir.join(DB_FILE);
        let pool = db::connect(&db_path, Some(&old), false).await?;
        // Fold the WAL into the file so the rekey covers every page.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await?;
        // Keep the new key where recovery can find it before the file changes.
        std::fs::write(
            self.dir.join("key.json.next"),
            serde_json::to_string_pretty(&next).map_err(|e| StoreError::KeyFile(e.to_string()))?,
        )
        .map_err(|source| StoreError::Io {
            path: "key.json.next".to_owned(),
            source,
        })?;
        let result = sqlx::query(&format!(
            "PRAGMA rekey = \"x'{}'\"",
            new.expose_hex().as_str()
        ))
        .execute(&pool)
        .await;
        pool.close().await;
        if let Err(e) = result {
            let _ = std::fs::remove_file(self.dir.join("key.json.next"));
            let reopened = Store::open_with_key(&self.dir, &old).await?;
            self.pool = reopened.pool;
            return Err(e.into());
        }
        next.write(&self.dir)?;
        let _ = std::fs::remove_file(self.dir.join("key.json.next"));
        if let Err(e) = keys.set(&self.store_id, &new) {
            self.notices.push(format!(
                "{e}. The new key is in key.json; unlock with the passphrase."
            ));
        }
        let reopened = Store::open_with_key(&self.dir, &new).await?;
        self.pool = reopened.pool;
        Ok(())
    }
}
