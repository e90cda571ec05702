//! The tamper-evident audit trail. Every change appends an entry whose hash covers the
//! previous entry's hash and every field of its own, so a later edit, deletion or
//! reordering breaks the chain at the first entry touched. Cutting entries off the end
//! leaves a shorter valid chain; the head hash shown by `audit verify` (and kept in
//! backups) is what detects that (docs/threat-model.md).

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Row, Sqlite, SqliteConnection};

use crate::error::StoreError;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One change, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditEntry {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Length-prefix every field so no two different entries hash the same bytes.
/// `fields` is at, actor, action, entity and entity id, in that order.
fn entry_hash(
    prev: &str,
    seq: i64,
    fields: [&str; 5],
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    h.update(b"escalate audit v1");
    let mut field = |b: Option<&[u8]>| match b {
        Some(b) => {
            h.update([1u8]);
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        }
        None => h.update([0u8]),
    };
    field(Some(prev.as_bytes()));
    field(Some(&seq.to_be_bytes()));
    for s in fields {
        field(Some(s.as_bytes()));
    }
    field(before.map(str::as_bytes));
    field(after.map(str::as_bytes));
    hex::encode(h.finalize())
}

/// One line of the audit trail, without the before and after values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditLine {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
}

/// A change to append, inside the caller's transaction.
#[derive(Debug)]
pub(crate) struct Change<'a> {
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub(crate) async fn append(conn: &mut SqliteConnection, c: Change<'_>) -> Result<(), StoreError> {
    let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (seq, prev) = match last {
        Some(r) => (
            r.try_get::<i64, _>("seq")? + 1,
            r.try_get::<String, _>("hash")?,
        ),
        None => (1, GENESIS.to_owned()),
    };
    let hash = entry_hash(
        &prev,
        seq,
        [c.at, c.actor, c.action, c.entity, c.entity_id],
        c.before.as_deref(),
        c.after.as_deref(),
    );
    sqlx::query::<Sqlite>(
        "INSERT INTO audit (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(seq)
    .bind(c.at)
    .bind(c.actor)
    .bind(c.action)
    .bind(c.entity)
    .bind(c.entity_id)
    .bind(c.before)
    .bind(c.after)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditReport {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub entries: u64,
    /// The last entry's hash: note it, and a later shortened trail shows.
    pub head: String,
    pub first_broken: Option<Broken>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Broken {
    /// The position in the chain (1 = first entry) where it breaks.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub position: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    pub reason: String,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.first_broken.is_none()
    }
}

pub(crate) async fn verify(conn: &mut SqliteConnection) -> Result<AuditReport, StoreError> {
    let rows: Vec<AuditEntry> = sqlx::query_as("SELECT * FROM audit ORDER BY seq")
        .fetch_all(&mut *conn)
        .await?;
    let mut prev = GENESIS.to_owned();
    let mut first_broken = None;
    for (i, e) in rows.iter().enumerate() {
        let position = i as u64 + 1;
        let broken = |reason: String| Broken {
            position,
            seq: e.seq,
            reason,
        };
        if e.seq != position as i64 {
            first_broken = Some(broken(format!(
                "entry {} is numbered {}: an entry before it was deleted or the entries were renumbered",
                position, e.seq
            )));
            break;
        }
        if e.prev_hash != prev {
            first_broken = Some(broken(
                "its link to the previous entry does not match: an entry before it was removed, inserted or changed".to_owned(),
            ));
            break;
        }
        let expect = entry_hash(
            &e.prev_hash,
            e.seq,
            [&e.at, &e.actor, &e.action, &e.entity, &e.entity_id],
            e.before.as_deref(),
            e.after.as_deref(),
        );
        if expect != e.hash {
            first_broken = Some(broken(
                "its content was changed after it was written".to_owned(),
            ));
            break;
        }
        prev = e.hash.clone();
    }
    Ok(AuditReport {
        entries: rows.len() as u64,
        head: prev,
        first_broken,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_not_ambiguous() {
        let a = entry_hash(GENESIS, 1, ["t", "ab", "c", "e", "1"], None, None);
        let b = entry_hash(GENESIS, 1, ["t", "a", "bc", "e", "1"], None, None);
        let c = entry_hash(GENESIS, 1, ["t", "ab", "c", "e", "1"], Some(""), None);
        assert_ne!(a, b);
        assert_ne!(a, c);
    }
}
