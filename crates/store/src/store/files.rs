//! Attachments and drafts kept inside the encrypted store.

use super::*;

impl Store {
    /// Keep a file inside the encrypted store.
    pub async fn add_attachment(
        &self,
        reference: &str,
        file_name: &str,
        media_type: &str,
        content: &[u8],
        now: NaiveDateTime,
    ) -> Result<i64, StoreError> {
        let name = required("file_name", file_name, NAME)?;
        let media = required("media_type", media_type, NAME)?;
        let size = content.len() as u64;
        if size > ATTACHMENT_LIMIT {
            return Err(StoreError::AttachmentTooLarge {
                name,
                size,
                limit: ATTACHMENT_LIMIT,
            });
        }
        let digest = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(content))
        };
        in_calendar("now", now)?;
        let mut tx = self.begin().await?;
        let case_id = sql::case_id(&mut tx, reference).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attachments (case_id, file_name, media_type, size, sha256, content, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(case_id)
        .bind(&name)
        .bind(&media)
        .bind(size as i64)
        .bind(&digest)
        .bind(content)
        .bind(ts(now))
        .bind(&self.profile.name)
        .fetch_one(&mut *tx)
        .await?;
        let after = serde_json::json!({ "file_name": name, "media_type": media, "size": size, "sha256": digest });
        self.log(
            &mut tx,
            now,
            AuditAction::AttachmentAdd,
            ("case", reference.trim()),
            None,
            Some(after.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn attachment(&self, id: i64) -> Result<(String, Vec<u8>), StoreError> {
        sqlx::query_as("SELECT file_name, content FROM attachments WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| {
                StoreError::invalid("attachment", format!("there is no attachment {id}"))
            })
    }

    /// Save a draft (e.g. a half-written stage record) so a crash or closed window loses nothing.
    /// Keep an unfinished form (`kind`, e.g. [`STAGE_RECORD_DRAFT`]) for a case or, with
    /// no reference, for a new one. One draft per case and kind.
    pub async fn save_draft(
        &self,
        reference: Option<&str>,
        kind: &str,
        body: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let kind = required("kind", kind, NAME)?;
        let body = optional_text("body", body, LONG * 4)?;
        in_calendar("now", now)?;
        let mut tx = self.begin().await?;
        let case_id = match reference {
            Some(r) => Some(sql::case_id(&mut tx, r).await?),
            None => None,
        };
        sqlx::query("DELETE FROM drafts WHERE case_id IS ? AND kind = ?")
            .bind(case_id)
            .bind(&kind)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO drafts (case_id, kind, body, updated_at) VALUES (?, ?, ?, ?)")
            .bind(case_id)
            .bind(&kind)
            .bind(&body)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn draft(
        &self,
        reference: Option<&str>,
        kind: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let case_id = match reference {
            Some(r) => Some(sql::case_id(&mut conn, r).await?),
            None => None,
        };
        Ok(
            sqlx::query_scalar("SELECT body FROM drafts WHERE case_id IS ? AND kind = ?")
                .bind(case_id)
                .bind(kind)
                .fetch_optional(&mut *conn)
                .await?,
        )
    }
}
