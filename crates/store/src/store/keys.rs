//! Integrity checks and key management: audit verify, integrity check, passphrase, rotation.

use super::*;

impl Store {
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let mut conn = self.pool.acquire().await?;
        audit::verify(&mut conn).await
    }

    /// The newest `limit` lines of the audit trail, newest first.
    pub async fn audit_lines(&self, limit: u32) -> Result<Vec<AuditLine>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        audit::lines(&mut conn, limit).await
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
            AuditAction::KeyPassphraseChange,
            ("store", &self.store_id),
            None,
            None,
        )
        .await?;
        rewrapped.write(&self.dir)?;
        tx.commit().await?;
        Ok(())
    }

    /// Replace the data key. Nothing the store depends on changes until a copy of the
    /// database under the new key has been reopened with it and checked: a failure
    /// before that (a full disk, a write error, a copy that does not match) leaves the
    /// database, `key.json` and the keyring exactly as they were. The steps, and how a
    /// crash at each is recovered, are in `rotation.rs`. Needs the folder to itself:
    /// with the store open in another Escalate it fails at once, changing nothing.
    pub async fn rotate_key(
        &mut self,
        passphrase: &Passphrase,
        keys: &dyn KeyStore,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let file = KeyFile::read(&self.dir)?;
        let old = file.unwrap_key(passphrase)?;
        self.lock.upgrade(Purpose::Rotate, &self.dir)?;
        let result = self.rotate_locked(&file, &old, passphrase, keys, now).await;
        let _ = self.lock.downgrade();
        result
    }

    async fn rotate_locked(
        &mut self,
        file: &KeyFile,
        old: &DataKey,
        passphrase: &Passphrase,
        keys: &dyn KeyStore,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let dir = self.dir.clone();
        let new = DataKey::generate()?;
        let next = KeyFile::wrap(&self.store_id, &new, passphrase, file.params)?;
        // Not ours to trust: a copy from an earlier attempt that open did not clear.
        rotation::remove_copy(&dir)?;
        // Every pooled connection closes: the copy must see no writer, and no handle on
        // the old file may outlive it.
        db::close_pool(&self.pool).await;
        let next_id = next_entry(&self.store_id);
        let staged = async {
            let expected = rotation::export(&dir, old, &new).await?;
            let at = ts(now);
            rotation::verify(
                &dir,
                &new,
                &expected,
                Change {
                    at: &at,
                    actor: &self.profile.name,
                    action: AuditAction::KeyRotate,
                    entity: "store",
                    entity_id: &self.store_id,
                    before: None,
                    after: None,
                },
            )
            .await?;
            next.write_next(&dir)?;
            rotation::fault("next-written")?;
            // A second keyring entry, so a crash from here on still opens without the
            // passphrase. Failing it is no reason to stop: key.json.next recovers.
            let _ = keys.set(&next_id, &new);
            rotation::release_old(&dir).await
        }
        .await;
        // The commit point, once everything is staged: the verified copy takes the
        // database's name.
        let committed = match staged {
            Ok(()) => {
                let copy = dir.join(rotation::ROTATING);
                std::fs::rename(&copy, dir.join(DB_FILE))
                    .map_err(fsx::io_error(&copy))
                    .and_then(|()| fsx::sync_dir(&dir))
            }
            Err(e) => Err(e),
        };
        if let Err(e) = committed {
            // Undo: the store in place was never touched (a failed rename leaves it as
            // it was).
            let _ = rotation::remove_copy(&dir);
            let _ = fsx::remove_if_present(&dir.join(crate::key::NEXT_KEY_FILE));
            let _ = keys.delete(&next_id);
            let _ = fsx::sync_dir(&dir);
            self.reconnect(old).await?;
            return Err(StoreError::NotRotated(e.to_string()));
        }
        let finished = async {
            rotation::fault("db-renamed")?;
            let next_path = dir.join(crate::key::NEXT_KEY_FILE);
            std::fs::rename(&next_path, dir.join(KEY_FILE)).map_err(fsx::io_error(&next_path))?;
            fsx::sync_dir(&dir)?;
            rotation::fault("key-renamed")
        }
        .await;
        if let Err(e) = finished {
            return Err(StoreError::Open(format!(
                "the store is re-encrypted with its new key, but {e}: close Escalate and open the store again, which finishes the rotation"
            )));
        }
        match keys.set(&self.store_id, &new) {
            Ok(()) => {
                let _ = keys.delete(&next_id);
            }
            Err(e) => self.notices.push(format!(
                "{e}. The new key is in key.json; unlock with the passphrase."
            )),
        }
        self.reconnect(&new).await.map_err(|e| {
            StoreError::Open(format!(
                "the key was rotated, but the store could not be opened again with it ({e}): close Escalate and open the store again"
            ))
        })
    }

    /// A new pool on the store's database with `key`, after a rotation closed the old.
    async fn reconnect(&mut self, key: &DataKey) -> Result<(), StoreError> {
        let db_path = self.dir.join(DB_FILE);
        db::inspect(&db_path, key).await?;
        self.pool = db::connect(&db_path, Some(key), false).await?;
        Ok(())
    }
}
