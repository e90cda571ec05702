//! Issue 16, who said it: the store's agency identity (a minisign signing key and an age
//! X25519 identity), the directory of trusted agencies' cards, the packages the Board
//! could not verify ("held", kept apart from what is counted) and a partnership
//! bundle's install.
//!
//! Secrets live only in the encrypted store's tables; the log holds the public halves,
//! and the public columns are rebuilt from it like every other setting
//! (integrity.rs). A secret is never in an entry, an error or a `Debug`.

use escalate_core::ErrorCode;
use escalate_trust::{Card, PublicKey, SigningKey, TrustError};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::*;
use crate::audit::AuditAction;
use crate::store::board::{manifest_facts, ImportOutcome, ImportedPackage, PackageSigner};
use crate::store::lifecycle::ProtocolFile;

/// Who writes the identity a store made before identities gets at its first open.
pub(crate) const IDENTITY_ACTOR: &str = "Escalate (agency identity)";

/// The store's agency identity, checked against its log: the secrets derive the
/// public halves the log holds.
#[derive(Debug)]
pub struct AgencyIdentity {
    pub signing: SigningKey,
    pub created_at: NaiveDateTime,
    /// The most recently retired key, to endorse the current card with.
    pub previous: Option<SigningKey>,
    /// Every retired public key, oldest first.
    pub retired: Vec<RetiredKey>,
    /// The age recipient (`age1…`) packages for this agency are sealed to.
    pub recipient: String,
    pub recipient_created_at: NaiveDateTime,
}

/// A signing key this store no longer signs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetiredKey {
    pub public: PublicKey,
    pub created_at: NaiveDateTime,
    pub retired_at: NaiveDateTime,
}

/// What a card in the directory is trusted for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum DirectoryRole {
    /// An agency whose export packages are counted.
    Agency,
    /// The Board: the anchor partnership bundles are checked against.
    Board,
}

impl DirectoryRole {
    pub fn as_str(self) -> &'static str {
        match self {
            DirectoryRole::Agency => "agency",
            DirectoryRole::Board => "board",
        }
    }

    fn parse(s: &str) -> Result<DirectoryRole, StoreError> {
        match s {
            "agency" => Ok(DirectoryRole::Agency),
            "board" => Ok(DirectoryRole::Board),
            _ => Err(StoreError::Database(format!(
                "a directory row has the role '{s}', which Escalate does not write: the store was changed outside Escalate"
            ))),
        }
    }
}

/// One key of an agency in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DirectoryEntry {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub agency: String,
    pub sector: String,
    pub role: DirectoryRole,
    /// The base64 line of the agency's minisign public key.
    pub signing_key: String,
    pub key_id: String,
    pub recipient: String,
    pub fingerprint: String,
    pub added_at: NaiveDateTime,
    /// From this day on, nothing signed by this key is believed.
    pub revoked_from: Option<NaiveDate>,
    /// The card as added (JSON): what a Board's bundle hands on to its agencies.
    pub card: String,
}

/// What adding a card did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "outcome", content = "entry", rename_all = "kebab-case")]
pub enum DirectoryAdded {
    Added(DirectoryEntry),
    /// The same key was in the directory already: nothing changed.
    AlreadyPresent(DirectoryEntry),
    /// A new key of an agency already trusted, endorsed by its current key: added, the
    /// old key kept.
    Rotated(DirectoryEntry),
}

impl DirectoryAdded {
    pub fn entry(&self) -> &DirectoryEntry {
        match self {
            DirectoryAdded::Added(e)
            | DirectoryAdded::AlreadyPresent(e)
            | DirectoryAdded::Rotated(e) => e,
        }
    }
}

/// Why the Board holds a package apart.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum HeldReason {
    /// Signed, by a key not in the directory.
    UnknownSigner,
    /// Not signed at all (a package from before signing).
    Unsigned,
}

impl HeldReason {
    pub fn as_str(self) -> &'static str {
        match self {
            HeldReason::UnknownSigner => "unknown-signer",
            HeldReason::Unsigned => "unsigned",
        }
    }

    fn parse(s: &str) -> Result<HeldReason, StoreError> {
        match s {
            "unknown-signer" => Ok(HeldReason::UnknownSigner),
            "unsigned" => Ok(HeldReason::Unsigned),
            _ => Err(StoreError::Database(format!(
                "a held package has the reason '{s}', which Escalate does not write: the store was changed outside Escalate"
            ))),
        }
    }
}

/// A package the Board could not verify, as kept.
#[derive(Debug, Clone)]
pub struct HeldPackage {
    pub package: BoardPackage,
    /// The package's manifest (JSON), when it was signed.
    pub manifest: Option<String>,
    /// The `.minisig` text, when it was signed.
    pub signature: Option<String>,
    /// The signer's public key (base64), when it was signed.
    pub signing_key: Option<String>,
    pub key_id: Option<String>,
    pub fingerprint: Option<String>,
    pub reason: HeldReason,
}

/// What holding one package did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum HoldOutcome {
    Held,
    /// The same file, or the same signed manifest sealed again, is held or counted
    /// already: one row.
    Duplicate,
}

/// One held package, as the administrator lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HeldSummary {
    /// What `board_accept` takes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub source_agency: String,
    pub reference: String,
    pub exported_at: NaiveDateTime,
    pub imported_at: NaiveDateTime,
    pub file_name: String,
    pub key_id: Option<String>,
    pub fingerprint: Option<String>,
    pub reason: HeldReason,
}

/// A partnership bundle, verified by the caller against the Board's key.
#[derive(Debug, Clone)]
pub struct PartnershipInstall {
    pub bundle_id: String,
    /// When the Board signed it: a bundle older than one installed is refused, so an
    /// old bundle replayed cannot make an older protocol version current again.
    pub created_at: NaiveDateTime,
    /// The Board's own card: the store's anchor for later bundles.
    pub board: Card,
    /// The partner agencies' cards.
    pub cards: Vec<Card>,
    pub protocols: Vec<ProtocolFile>,
    /// GOV.UK's `bank-holidays.json`: (file name, text).
    pub calendar: Option<(String, String)>,
}

/// What installing one of a bundle's protocols did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolInstallOutcome {
    Installed,
    /// The same text was installed already: skipped.
    AlreadyInstalled,
}

/// What installing a partnership bundle did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartnershipInstalled {
    /// (protocol id, version, what was done), in the bundle's order.
    pub protocols: Vec<(String, String, ProtocolInstallOutcome)>,
    /// False when the bundle has no calendar, or the same file was imported already.
    pub calendar_imported: bool,
    /// Cards added or rotated (not those already present).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cards_added: usize,
    /// The Board's entry: the store's anchor.
    pub board: DirectoryEntry,
}

// ---------------------------------------------------------------------------------
// The log's view: what identity and directory entries replay to. Shared by the
// settings check (integrity.rs) and by `identity()`, which checks the secrets against
// it before anything is signed.

/// One signing key as the log holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoggedKey {
    pub signing_key: String,
    pub key_id: String,
    pub created_at: String,
    pub retired_at: Option<String>,
    pub seq: i64,
}

/// The age recipient as the log holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoggedRecipient {
    pub recipient: String,
    pub created_at: String,
    pub seq: i64,
}

/// One directory row as the log holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoggedDirectory {
    pub role: DirectoryRole,
    pub card: Card,
    pub key_id: String,
    pub fingerprint: String,
    pub added_at: String,
    pub revoked_from: Option<String>,
    pub seq: i64,
}

/// The identity and directory as their entries replay.
#[derive(Debug, Clone, Default)]
pub(crate) struct TrustLog {
    /// Oldest first; the last is the current key.
    pub keys: Vec<LoggedKey>,
    pub recipient: Option<LoggedRecipient>,
    /// In the order added.
    pub directory: Vec<LoggedDirectory>,
}

#[derive(Serialize, Deserialize)]
struct IdentityCreated {
    signing_key: String,
    key_id: String,
    recipient: String,
    created_at: String,
}

#[derive(Serialize, Deserialize)]
struct KeyFields {
    signing_key: String,
    key_id: String,
    created_at: String,
}

#[derive(Serialize, Deserialize)]
struct DirectoryAddLogged {
    role: DirectoryRole,
    card: Card,
}

#[derive(Serialize, Deserialize)]
struct DirectoryRevokeLogged {
    agency: String,
    from: String,
    /// One key of the agency; absent: every key of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_id: Option<String>,
}

/// What a revocation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DirectoryRevoked {
    /// Keys this revoked (a key revoked from an earlier day keeps that day, and is not
    /// counted).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub keys: usize,
    /// Counted packages signed by the keys named, with a manifest made on or after the
    /// day: counted before the revocation, for the administrator to look at.
    pub counted: Vec<ImportedPackage>,
}

/// The key a card added to the directory retires, if any: the key that endorsed it,
/// where the directory holds that key for the card's agency (or, for a Board card, as
/// the Board's). From the card's own day on, nothing that key signs is believed: an
/// agency that rotated does not sign with its old key again. One rule for the add and
/// for the log's replay, so the two cannot differ.
fn retires(
    card: &Card,
    role: DirectoryRole,
    old_agency: &str,
    old_role: DirectoryRole,
    old_key: &str,
) -> bool {
    let endorser = card.endorsing_key().ok().flatten();
    endorser.is_some_and(|k| k.base64() == old_key)
        && old_key != card.signing_key
        && (old_agency == card.agency
            || (role == DirectoryRole::Board && old_role == DirectoryRole::Board))
}

/// The day a card retires its endorsing key from.
fn retired_from(card: &Card) -> String {
    card.created_at.date().to_string()
}

impl TrustLog {
    /// Apply one entry (of entity `identity` or `directory`). Times are the entry's
    /// own, never a time it claims.
    pub(crate) fn apply(
        &mut self,
        action: AuditAction,
        at: &str,
        after: Option<&str>,
        seq: i64,
    ) -> Result<(), serde_json::Error> {
        let after = after.unwrap_or("null");
        match action {
            AuditAction::IdentityCreate => {
                let c: IdentityCreated = serde_json::from_str(after)?;
                self.keys = vec![LoggedKey {
                    signing_key: c.signing_key,
                    key_id: c.key_id,
                    created_at: at.to_owned(),
                    retired_at: None,
                    seq,
                }];
                self.recipient = Some(LoggedRecipient {
                    recipient: c.recipient,
                    created_at: at.to_owned(),
                    seq,
                });
            }
            AuditAction::IdentityRotate => {
                let k: KeyFields = serde_json::from_str(after)?;
                for old in &mut self.keys {
                    if old.retired_at.is_none() {
                        old.retired_at = Some(at.to_owned());
                    }
                }
                self.keys.push(LoggedKey {
                    signing_key: k.signing_key,
                    key_id: k.key_id,
                    created_at: at.to_owned(),
                    retired_at: None,
                    seq,
                });
            }
            AuditAction::DirectoryAdd => {
                let d: DirectoryAddLogged = serde_json::from_str(after)?;
                let (key_id, fingerprint) = match d.card.public_key() {
                    Ok(k) => (k.key_id(), escalate_trust::fingerprint(&k)),
                    Err(e) => return Err(serde::de::Error::custom(e.to_string())),
                };
                let from = retired_from(&d.card);
                for old in &mut self.directory {
                    if retires(
                        &d.card,
                        d.role,
                        &old.card.agency,
                        old.role,
                        &old.card.signing_key,
                    ) && old.revoked_from.as_ref().is_none_or(|f| *f > from)
                    {
                        old.revoked_from = Some(from.clone());
                    }
                }
                self.directory.push(LoggedDirectory {
                    role: d.role,
                    card: d.card,
                    key_id,
                    fingerprint,
                    added_at: at.to_owned(),
                    revoked_from: None,
                    seq,
                });
            }
            AuditAction::DirectoryRevoke => {
                let r: DirectoryRevokeLogged = serde_json::from_str(after)?;
                for d in &mut self.directory {
                    if d.card.agency == r.agency
                        && r.key_id.as_ref().is_none_or(|k| *k == d.key_id)
                        && d.revoked_from.as_ref().is_none_or(|f| *f > r.from)
                    {
                        d.revoked_from = Some(r.from.clone());
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The identity's and directory's entries, replayed.
    pub(crate) async fn read(conn: &mut SqliteConnection) -> Result<TrustLog, StoreError> {
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT seq, at, action, after FROM audit WHERE entity IN ('identity', 'directory') ORDER BY seq",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut log = TrustLog::default();
        for (seq, at, action, after) in rows {
            if let Some(a) = AuditAction::parse(&action) {
                log.apply(a, &at, after.as_deref(), seq)
                    .map_err(|e| StoreError::CaseLog {
                        reference: "settings".to_owned(),
                        seq,
                        why: super::log::unreadable(&e),
                    })?;
            }
        }
        Ok(log)
    }
}

// ---------------------------------------------------------------------------------
// The tables as kept.

/// A signing key's row. Its secret is never printed: no `Debug`.
pub(crate) struct KeyRow {
    pub id: i64,
    pub key_id: String,
    pub signing_key: String,
    pub signing_secret: Zeroizing<String>,
    pub created_at: String,
    pub retired_at: Option<String>,
}

/// The age identity's row. No `Debug`: it holds the secret.
pub(crate) struct RecipientRow {
    pub recipient: String,
    pub age_secret: Zeroizing<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct DirectoryRow {
    pub id: i64,
    pub agency: String,
    pub sector: String,
    pub role: String,
    pub signing_key: String,
    pub key_id: String,
    pub recipient: String,
    pub fingerprint: String,
    pub card: String,
    pub added_at: String,
    pub revoked_from: Option<String>,
}

const DIRECTORY_COLUMNS: &str =
    "id, agency, sector, role, signing_key, key_id, recipient, fingerprint, card, added_at, revoked_from";

impl DirectoryRow {
    fn entry(&self) -> Result<DirectoryEntry, StoreError> {
        Ok(DirectoryEntry {
            id: self.id,
            agency: self.agency.clone(),
            sector: self.sector.clone(),
            role: DirectoryRole::parse(&self.role)?,
            signing_key: self.signing_key.clone(),
            key_id: self.key_id.clone(),
            recipient: self.recipient.clone(),
            fingerprint: self.fingerprint.clone(),
            added_at: parse_ts(&self.added_at)?,
            revoked_from: self.revoked_from.as_deref().map(parse_date).transpose()?,
            card: self.card.clone(),
        })
    }
}

pub(crate) async fn key_rows(conn: &mut SqliteConnection) -> Result<Vec<KeyRow>, StoreError> {
    let rows: Vec<(i64, String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, key_id, signing_key, signing_secret, created_at, retired_at FROM identity_keys ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, key_id, signing_key, secret, created_at, retired_at)| KeyRow {
                id,
                key_id,
                signing_key,
                signing_secret: Zeroizing::new(secret),
                created_at,
                retired_at,
            },
        )
        .collect())
}

pub(crate) async fn recipient_row(
    conn: &mut SqliteConnection,
) -> Result<Option<RecipientRow>, StoreError> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT recipient, age_secret, created_at FROM identity_recipient WHERE id = 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(recipient, secret, created_at)| RecipientRow {
        recipient,
        age_secret: Zeroizing::new(secret),
        created_at,
    }))
}

pub(crate) async fn directory_rows(
    conn: &mut SqliteConnection,
) -> Result<Vec<DirectoryRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {DIRECTORY_COLUMNS} FROM directory ORDER BY id"
    ))
    .fetch_all(&mut *conn)
    .await?)
}

/// Whether a kept secret still derives the public key the log holds.
pub(crate) fn secret_matches(secret: &str, logged_public: &str) -> bool {
    SigningKey::from_secret_text(secret).is_ok_and(|k| k.public().base64() == logged_public)
}

pub(crate) fn age_secret_matches(secret: &str, logged_recipient: &str) -> bool {
    escalate_trust::recipient_of(secret).is_ok_and(|r| r == logged_recipient)
}

/// Which kept row (by index) holds each logged key: the row whose secret derives it,
/// else the row that names it, else the row in its place. So a row moved or renamed is
/// still found by what it holds.
fn match_keys(log: &TrustLog, keys: &[KeyRow]) -> Vec<Option<usize>> {
    let mut used = vec![false; keys.len()];
    let mut out = vec![None; log.keys.len()];
    let mut claim = |out: &mut Vec<Option<usize>>, holds: &dyn Fn(&KeyRow, &LoggedKey) -> bool| {
        for (at, l) in log.keys.iter().enumerate() {
            if out[at].is_some() {
                continue;
            }
            if let Some(i) = (0..keys.len()).find(|i| !used[*i] && holds(&keys[*i], l)) {
                used[i] = true;
                out[at] = Some(i);
            }
        }
    };
    claim(&mut out, &|k, l| {
        secret_matches(&k.signing_secret, &l.signing_key)
    });
    claim(&mut out, &|k, l| k.signing_key == l.signing_key);
    // In its place, when that row holds no other logged key.
    for (at, slot) in out.iter_mut().enumerate() {
        if slot.is_none() && used.get(at) == Some(&false) {
            used[at] = true;
            *slot = Some(at);
        }
    }
    out
}

/// Every identity or directory value kept that differs from the log, named as other
/// settings are (`identity_keys.signing_key`, `directory.revoked_from`, …). A secret
/// that no longer derives its logged public half is reported too; it cannot be rebuilt.
pub(crate) fn alterations(
    log: &TrustLog,
    keys: &[KeyRow],
    recipient: Option<&RecipientRow>,
    directory: &[DirectoryRow],
) -> Vec<Alteration> {
    let mut out = Vec::new();
    let mut push = |field: &str, item: Option<String>, entry: Option<i64>| {
        out.push(Alteration {
            field: field.to_owned(),
            item,
            entry,
        });
    };
    let matched = match_keys(log, keys);
    for (l, row) in log.keys.iter().zip(&matched) {
        let item = Some(l.key_id.clone());
        match row.and_then(|i| keys.get(i)) {
            None => push("identity_keys", item, Some(l.seq)),
            Some(k) => {
                for (field, same) in [
                    ("identity_keys.key_id", k.key_id == l.key_id),
                    ("identity_keys.signing_key", k.signing_key == l.signing_key),
                    ("identity_keys.created_at", k.created_at == l.created_at),
                    ("identity_keys.retired_at", k.retired_at == l.retired_at),
                ] {
                    if !same {
                        push(field, item.clone(), Some(l.seq));
                    }
                }
                if !secret_matches(&k.signing_secret, &l.signing_key) {
                    push("identity_keys.signing_secret", item, Some(l.seq));
                }
            }
        }
    }
    for (i, k) in keys.iter().enumerate() {
        if !matched.contains(&Some(i)) {
            push("identity_keys", Some(k.key_id.clone()), None);
        }
    }
    match (&log.recipient, recipient) {
        (None, None) => {}
        (None, Some(_)) => push("identity_recipient", None, None),
        (Some(l), None) => push("identity_recipient", None, Some(l.seq)),
        (Some(l), Some(r)) => {
            if r.recipient != l.recipient {
                push("identity_recipient.recipient", None, Some(l.seq));
            }
            if r.created_at != l.created_at {
                push("identity_recipient.created_at", None, Some(l.seq));
            }
            if !age_secret_matches(&r.age_secret, &l.recipient) {
                push("identity_recipient.age_secret", None, Some(l.seq));
            }
        }
    }
    for (i, l) in log.directory.iter().enumerate() {
        let item = Some(l.card.agency.clone());
        match directory.get(i) {
            None => push("directory", item, Some(l.seq)),
            Some(k) => {
                let card = serde_json::from_str::<Card>(&k.card).ok();
                for (field, same) in [
                    ("directory.agency", k.agency == l.card.agency),
                    ("directory.sector", k.sector == l.card.sector),
                    ("directory.role", k.role == l.role.as_str()),
                    ("directory.signing_key", k.signing_key == l.card.signing_key),
                    ("directory.key_id", k.key_id == l.key_id),
                    ("directory.recipient", k.recipient == l.card.recipient),
                    ("directory.fingerprint", k.fingerprint == l.fingerprint),
                    ("directory.card", card.as_ref() == Some(&l.card)),
                    ("directory.added_at", k.added_at == l.added_at),
                    ("directory.revoked_from", k.revoked_from == l.revoked_from),
                ] {
                    if !same {
                        push(field, item.clone(), Some(l.seq));
                    }
                }
            }
        }
    }
    for k in directory.iter().skip(log.directory.len()) {
        push("directory", Some(k.agency.clone()), None);
    }
    out
}

/// Rebuild the public columns and the directory from the log. Secrets cannot be
/// rebuilt: a key row the log lacks goes (no entry made it), a logged key whose row is
/// gone stays missing, and `identity()` refuses until a backup is restored.
pub(crate) async fn rebuild(conn: &mut SqliteConnection, log: &TrustLog) -> Result<(), StoreError> {
    let keys = key_rows(conn).await?;
    // Out of the way first, so the UNIQUE columns can take their logged values in any
    // order.
    sqlx::query("UPDATE identity_keys SET signing_key = 'rebuilding ' || id, retired_at = COALESCE(retired_at, 'rebuilding')")
        .execute(&mut *conn)
        .await?;
    let matched = match_keys(log, &keys);
    for (i, k) in keys.iter().enumerate() {
        let logged = matched
            .iter()
            .position(|m| *m == Some(i))
            .and_then(|at| log.keys.get(at));
        match logged {
            Some(l) => {
                sqlx::query(
                    "UPDATE identity_keys SET key_id = ?, signing_key = ?, created_at = ?, retired_at = ? WHERE id = ?",
                )
                .bind(&l.key_id)
                .bind(&l.signing_key)
                .bind(&l.created_at)
                .bind(&l.retired_at)
                .bind(k.id)
                .execute(&mut *conn)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM identity_keys WHERE id = ?")
                    .bind(k.id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    match &log.recipient {
        Some(l) => {
            sqlx::query("UPDATE identity_recipient SET recipient = ?, created_at = ? WHERE id = 1")
                .bind(&l.recipient)
                .bind(&l.created_at)
                .execute(&mut *conn)
                .await?;
        }
        None => {
            sqlx::query("DELETE FROM identity_recipient")
                .execute(&mut *conn)
                .await?;
        }
    }
    sqlx::query("DELETE FROM directory")
        .execute(&mut *conn)
        .await?;
    for (i, l) in log.directory.iter().enumerate() {
        insert_directory(conn, i as i64 + 1, l).await?;
    }
    Ok(())
}

async fn insert_directory(
    conn: &mut SqliteConnection,
    id: i64,
    l: &LoggedDirectory,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO directory ({DIRECTORY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(id)
    .bind(&l.card.agency)
    .bind(&l.card.sector)
    .bind(l.role.as_str())
    .bind(&l.card.signing_key)
    .bind(&l.key_id)
    .bind(&l.card.recipient)
    .bind(&l.fingerprint)
    .bind(json(&l.card)?)
    .bind(&l.added_at)
    .bind(&l.revoked_from)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// Making the identity.

fn trust_failed(e: TrustError) -> StoreError {
    StoreError::Random(e.to_string())
}

/// Make the store's identity and log its public halves, inside the caller's
/// transaction, dated `at`.
pub(crate) async fn create_identity(
    conn: &mut SqliteConnection,
    at: &str,
    actor: &str,
) -> Result<(), StoreError> {
    let key = SigningKey::generate().map_err(trust_failed)?;
    let (age_secret, recipient) = escalate_trust::new_recipient();
    let public = key.public();
    sqlx::query(
        "INSERT INTO identity_keys (key_id, signing_key, signing_secret, created_at) VALUES (?, ?, ?, ?)",
    )
    .bind(public.key_id())
    .bind(public.base64())
    .bind(key.secret_text().as_str())
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO identity_recipient (id, recipient, age_secret, created_at) VALUES (1, ?, ?, ?)",
    )
    .bind(&recipient)
    .bind(age_secret.as_str())
    .bind(at)
    .execute(&mut *conn)
    .await?;
    crate::audit::append(
        conn,
        crate::audit::Change {
            at,
            actor,
            action: AuditAction::IdentityCreate,
            entity: "identity",
            entity_id: &public.key_id(),
            before: None,
            after: Some(json(&IdentityCreated {
                signing_key: public.base64().to_owned(),
                key_id: public.key_id(),
                recipient,
                created_at: at.to_owned(),
            })?),
        },
    )
    .await
}

async fn has_identity_entry(conn: &mut SqliteConnection) -> Result<bool, StoreError> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT 1 FROM audit WHERE action = ? LIMIT 1")
            .bind(AuditAction::IdentityCreate.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

/// At open: a store made before agency identities gets one, once, in one transaction,
/// dated as of its last entry (as the conversions are) so the log's order holds
/// whatever `--now` the next write gives. A store whose tables hold an identity its
/// log never made is left to the settings check, which reports it.
pub(crate) async fn ensure_identity(pool: &SqlitePool) -> Result<(), StoreError> {
    // Asked without the write lock first: almost every open has one.
    if has_identity_entry(&mut *pool.acquire().await?).await? {
        return Ok(());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    if has_identity_entry(&mut tx).await? {
        return Ok(());
    }
    let kept: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM identity_keys) + (SELECT COUNT(*) FROM identity_recipient)",
    )
    .fetch_one(&mut *tx)
    .await?;
    if kept > 0 {
        return Ok(());
    }
    let at = integrity::last_at(&mut tx).await?;
    create_identity(&mut tx, &at, IDENTITY_ACTOR).await?;
    tx.commit().await?;
    Ok(())
}

fn identity_altered(what: &str) -> StoreError {
    StoreError::Refused {
        code: ErrorCode::IdentityAltered,
        field: Some("identity"),
        message: format!(
            "the store's {what} no longer matches its log: the store was changed outside Escalate, and nothing is signed or opened with it. Run `escalate audit verify`, and restore a backup"
        ),
    }
}

/// The key a row holds, checked to be the key the log names.
fn checked_key(row: &KeyRow, logged: &LoggedKey) -> Result<SigningKey, StoreError> {
    let key = SigningKey::from_secret_text(&row.signing_secret)
        .map_err(|_| identity_altered("signing key"))?;
    if key.public().base64() != logged.signing_key {
        return Err(identity_altered("signing key"));
    }
    Ok(key)
}

/// The identity as kept, each secret checked against the public half its log holds.
async fn identity_in(conn: &mut SqliteConnection) -> Result<AgencyIdentity, StoreError> {
    let log = TrustLog::read(conn).await?;
    let rows = key_rows(conn).await?;
    let Some(current) = log.keys.last() else {
        return Err(identity_altered("agency identity"));
    };
    let find = |l: &LoggedKey| rows.iter().find(|r| r.signing_key == l.signing_key);
    let row = find(current).ok_or_else(|| identity_altered("signing key"))?;
    let signing = checked_key(row, current)?;
    let previous = match log.keys.len().checked_sub(2).and_then(|i| log.keys.get(i)) {
        Some(l) => Some(checked_key(
            find(l).ok_or_else(|| identity_altered("previous signing key"))?,
            l,
        )?),
        None => None,
    };
    let mut retired = Vec::new();
    for l in &log.keys[..log.keys.len() - 1] {
        retired.push(RetiredKey {
            public: PublicKey::from_base64(&l.signing_key)
                .map_err(|_| identity_altered("retired signing key"))?,
            created_at: parse_ts(&l.created_at)?,
            retired_at: parse_ts(l.retired_at.as_deref().unwrap_or(&l.created_at))?,
        });
    }
    let logged_recipient = log
        .recipient
        .as_ref()
        .ok_or_else(|| identity_altered("age identity"))?;
    let r = recipient_row(conn)
        .await?
        .ok_or_else(|| identity_altered("age identity"))?;
    if !age_secret_matches(&r.age_secret, &logged_recipient.recipient) {
        return Err(identity_altered("age identity"));
    }
    Ok(AgencyIdentity {
        signing,
        created_at: parse_ts(&current.created_at)?,
        previous,
        retired,
        recipient: logged_recipient.recipient.clone(),
        recipient_created_at: parse_ts(&logged_recipient.created_at)?,
    })
}

fn card_refused(message: String) -> StoreError {
    StoreError::Refused {
        code: ErrorCode::FieldInvalid,
        field: Some("card"),
        message,
    }
}

/// A held package's row, read back.
/// A held package taken out of `board_held` (in the caller's transaction), with the
/// subject its audit entry names.
async fn take_held(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<(HeldPackage, String), StoreError> {
    let held = held_in(conn, id).await?;
    sqlx::query("DELETE FROM board_held WHERE id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let subject = format!(
        "{} / {}",
        held.package.source_agency, held.package.reference
    );
    Ok((held, subject))
}

/// What the audit trail keeps of a held package: never its record or PDF.
fn held_note(held: &HeldPackage) -> serde_json::Value {
    serde_json::json!({
        "file_sha256": held.package.file_sha256,
        "key_id": held.key_id,
        "fingerprint": held.fingerprint,
        "reason": held.reason,
    })
}

async fn held_in(conn: &mut SqliteConnection, id: i64) -> Result<HeldPackage, StoreError> {
    let row = sqlx::query(
        "SELECT file_sha256, file_name, source_agency, reference, exported_at, monitoring, pdf,
                protocol_sha256, protocol_id, protocol_version, protocol_text,
                manifest, signature, signing_key, key_id, fingerprint, reason
         FROM board_held WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| {
        StoreError::invalid(
            "id",
            format!("no held package has id {id}: list the held packages to see their ids"),
        )
    })?;
    let protocol = match (
        row.try_get::<Option<String>, _>("protocol_sha256")?,
        row.try_get::<Option<String>, _>("protocol_id")?,
        row.try_get::<Option<String>, _>("protocol_version")?,
        row.try_get::<Option<String>, _>("protocol_text")?,
    ) {
        (Some(sha256), Some(id), Some(version), Some(text)) => {
            Some(escalate_core::model::PackageProtocol {
                id,
                version,
                sha256,
                text,
            })
        }
        _ => None,
    };
    Ok(HeldPackage {
        package: BoardPackage {
            file_name: row.try_get("file_name")?,
            file_sha256: row.try_get("file_sha256")?,
            source_agency: row.try_get("source_agency")?,
            reference: row.try_get("reference")?,
            exported_at: parse_ts(row.try_get("exported_at")?)?,
            monitoring: row.try_get("monitoring")?,
            pdf: row.try_get("pdf")?,
            protocol,
        },
        manifest: row.try_get("manifest")?,
        signature: row.try_get("signature")?,
        signing_key: row.try_get("signing_key")?,
        key_id: row.try_get("key_id")?,
        fingerprint: row.try_get("fingerprint")?,
        reason: HeldReason::parse(row.try_get("reason")?)?,
    })
}

impl Store {
    /// The store's agency identity, every secret checked against the public half its
    /// log holds: refused (`identity.altered`) when one no longer matches, rather than
    /// sign with a key the log never made.
    pub async fn identity(&self) -> Result<AgencyIdentity, StoreError> {
        identity_in(&mut *self.pool().acquire().await?).await
    }

    /// The age identity (`AGE-SECRET-KEY-1…`) packages for this agency open with,
    /// checked against the recipient its log holds.
    pub async fn age_identity(&self) -> Result<Zeroizing<String>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let log = TrustLog::read(&mut conn).await?;
        let logged = log
            .recipient
            .ok_or_else(|| identity_altered("age identity"))?;
        let r = recipient_row(&mut conn)
            .await?
            .ok_or_else(|| identity_altered("age identity"))?;
        if !age_secret_matches(&r.age_secret, &logged.recipient) {
            return Err(identity_altered("age identity"));
        }
        Ok(r.age_secret)
    }

    /// A new signing key: the current one is retired (kept, to endorse the new card)
    /// and the change logged with both public keys, in one transaction.
    pub async fn rotate_signing_key(
        &self,
        now: NaiveDateTime,
    ) -> Result<AgencyIdentity, StoreError> {
        in_calendar("now", now)?;
        let mut tx = self.begin().await?;
        let old = identity_in(&mut tx).await?;
        let new = SigningKey::generate().map_err(trust_failed)?;
        let at = ts(now);
        let old_public = old.signing.public();
        sqlx::query("UPDATE identity_keys SET retired_at = ? WHERE retired_at IS NULL")
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO identity_keys (key_id, signing_key, signing_secret, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(new.public().key_id())
        .bind(new.public().base64())
        .bind(new.secret_text().as_str())
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        self.log(
            &mut tx,
            now,
            AuditAction::IdentityRotate,
            ("identity", &new.public().key_id()),
            Some(json(&KeyFields {
                signing_key: old_public.base64().to_owned(),
                key_id: old_public.key_id(),
                created_at: ts(old.created_at),
            })?),
            Some(json(&KeyFields {
                signing_key: new.public().base64().to_owned(),
                key_id: new.public().key_id(),
                created_at: at.clone(),
            })?),
        )
        .await?;
        let rotated = identity_in(&mut tx).await?;
        tx.commit().await?;
        Ok(rotated)
    }

    /// Every key in the directory, by agency and when it was added.
    pub async fn directory(&self) -> Result<Vec<DirectoryEntry>, StoreError> {
        let rows: Vec<DirectoryRow> = sqlx::query_as(&format!(
            "SELECT {DIRECTORY_COLUMNS} FROM directory ORDER BY agency, added_at, id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(DirectoryRow::entry).collect()
    }

    /// The Board's key this store trusts: partnership bundles are checked against it,
    /// and its recipient is where exports go. The newest Board entry not revoked.
    pub async fn board_anchor(&self) -> Result<Option<DirectoryEntry>, StoreError> {
        let row: Option<DirectoryRow> = sqlx::query_as(&format!(
            "SELECT {DIRECTORY_COLUMNS} FROM directory WHERE role = 'board' AND revoked_from IS NULL ORDER BY id DESC LIMIT 1"
        ))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(DirectoryRow::entry).transpose()
    }

    /// Add an agency's card (verified again here) to the directory, in one
    /// transaction, logged `directory.add`. The same key again changes nothing; another
    /// key for an agency already trusted is refused unless the card is endorsed by one
    /// of its keys not revoked; a key under another agency's name is refused. At most
    /// one Board anchor: a new Board card must be endorsed by the current anchor's key.
    pub async fn directory_add(
        &self,
        card: &Card,
        role: DirectoryRole,
        now: NaiveDateTime,
    ) -> Result<DirectoryAdded, StoreError> {
        in_calendar("now", now)?;
        let mut tx = self.begin().await?;
        let added = self.directory_add_in(&mut tx, card, role, now).await?;
        tx.commit().await?;
        Ok(added)
    }

    async fn directory_add_in(
        &self,
        conn: &mut SqliteConnection,
        card: &Card,
        role: DirectoryRole,
        now: NaiveDateTime,
    ) -> Result<DirectoryAdded, StoreError> {
        card.verify().map_err(|e| {
            card_refused(format!(
                "{e}: give the card file `escalate identity export` wrote"
            ))
        })?;
        let key = card.public_key().map_err(|e| card_refused(e.to_string()))?;
        let fingerprint = escalate_trust::fingerprint(&key);
        let same: Option<DirectoryRow> = sqlx::query_as(&format!(
            "SELECT {DIRECTORY_COLUMNS} FROM directory WHERE signing_key = ?"
        ))
        .bind(&card.signing_key)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = same {
            if row.agency != card.agency {
                return Err(card_refused(format!(
                    "this key (fingerprint {fingerprint}) is in the directory as '{}'s key, not '{}'s: one key speaks for one agency; check the card with the agency",
                    row.agency, card.agency
                )));
            }
            if let Some(from) = &row.revoked_from {
                return Err(card_refused(format!(
                    "this key of '{}' (fingerprint {fingerprint}) was revoked from {from}: ask the agency for a card with its new key",
                    card.agency
                )));
            }
            if row.role != role.as_str() {
                return Err(card_refused(format!(
                    "this key of '{}' is in the directory as {} key, not as {}: revoke it first to trust it otherwise",
                    card.agency,
                    if row.role == "board" { "the Board's" } else { "an agency's" },
                    if role == DirectoryRole::Board { "the Board's" } else { "an agency's" },
                )));
            }
            return Ok(DirectoryAdded::AlreadyPresent(row.entry()?));
        }
        let endorsed = card
            .endorsing_key()
            .map_err(|e| card_refused(e.to_string()))?
            .map(|k| k.base64().to_owned());
        let current: Vec<String> = sqlx::query_scalar(
            "SELECT signing_key FROM directory WHERE agency = ? AND revoked_from IS NULL",
        )
        .bind(&card.agency)
        .fetch_all(&mut *conn)
        .await?;
        let mut rotated = false;
        if !current.is_empty() {
            if !endorsed.as_ref().is_some_and(|e| current.contains(e)) {
                return Err(card_refused(format!(
                    "'{}' is already in the directory with another key: revoke it first (`escalate directory revoke`), or give a card endorsed by its current key",
                    card.agency
                )));
            }
            rotated = true;
        }
        if role == DirectoryRole::Board {
            let anchor: Option<(String, String)> = sqlx::query_as(
                "SELECT signing_key, fingerprint FROM directory WHERE role = 'board' AND revoked_from IS NULL ORDER BY id DESC LIMIT 1",
            )
            .fetch_optional(&mut *conn)
            .await?;
            if let Some((anchor, anchor_fp)) = anchor {
                if endorsed.as_deref() != Some(anchor.as_str()) {
                    return Err(card_refused(format!(
                        "the store already trusts the Board's key (fingerprint {anchor_fp}): a new Board card must be endorsed by it, or revoke the Board's key first"
                    )));
                }
                rotated = true;
            }
        }
        let logged = LoggedDirectory {
            role,
            card: card.clone(),
            key_id: key.key_id(),
            fingerprint,
            added_at: ts(now),
            revoked_from: None,
            seq: 0,
        };
        // The key that endorsed a rotation is retired from the new card's day, as the
        // log's replay derives it from the card (`retires`).
        let from = retired_from(card);
        for old in directory_rows(conn).await? {
            if retires(
                card,
                role,
                &old.agency,
                DirectoryRole::parse(&old.role)?,
                &old.signing_key,
            ) && old.revoked_from.as_ref().is_none_or(|f| *f > from)
            {
                sqlx::query("UPDATE directory SET revoked_from = ? WHERE id = ?")
                    .bind(&from)
                    .bind(old.id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM directory")
            .fetch_one(&mut *conn)
            .await?;
        insert_directory(conn, id, &logged).await?;
        self.log(
            conn,
            now,
            AuditAction::DirectoryAdd,
            ("directory", &card.agency),
            None,
            Some(json(&DirectoryAddLogged {
                role,
                card: card.clone(),
            })?),
        )
        .await?;
        let row: DirectoryRow = sqlx::query_as(&format!(
            "SELECT {DIRECTORY_COLUMNS} FROM directory WHERE id = ?"
        ))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        let entry = row.entry()?;
        Ok(if rotated {
            DirectoryAdded::Rotated(entry)
        } else {
            DirectoryAdded::Added(entry)
        })
    }

    /// Revoke every key of `agency` in the directory (only `key_id`, where given) from
    /// `from` on (a key revoked from an earlier day keeps that day), logged
    /// `directory.revoke`. Gives how many keys this revoked, and the counted packages
    /// those keys signed from that day: the revocation does not uncount them.
    pub async fn directory_revoke(
        &self,
        agency: &str,
        from: NaiveDate,
        key_id: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<DirectoryRevoked, StoreError> {
        in_calendar("now", now)?;
        date_in_calendar("from", from)?;
        let mut tx = self.begin().await?;
        let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM directory WHERE agency = ?")
            .bind(agency)
            .fetch_one(&mut *tx)
            .await?;
        if known == 0 {
            return Err(StoreError::invalid(
                "agency",
                format!("no agency called '{agency}' is in the directory: `escalate directory list` shows them, with their names as written"),
            ));
        }
        if let Some(key) = key_id {
            let held: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM directory WHERE agency = ? AND key_id = ? LIMIT 1",
            )
            .bind(agency)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if held.is_none() {
                return Err(StoreError::invalid(
                    "key",
                    format!("'{agency}' has no key {key} in the directory: `escalate directory list` shows each agency's key ids"),
                ));
            }
        }
        let from_text = from.to_string();
        let revoked = sqlx::query(
            "UPDATE directory SET revoked_from = ? WHERE agency = ? AND (? IS NULL OR key_id = ?)
             AND (revoked_from IS NULL OR revoked_from > ?)",
        )
        .bind(&from_text)
        .bind(agency)
        .bind(key_id)
        .bind(key_id)
        .bind(&from_text)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if revoked > 0 {
            self.log(
                &mut tx,
                now,
                AuditAction::DirectoryRevoke,
                ("directory", agency),
                None,
                Some(json(&DirectoryRevokeLogged {
                    agency: agency.to_owned(),
                    from: from_text,
                    key_id: key_id.map(str::to_owned),
                })?),
            )
            .await?;
        }
        let counted = Store::board_signed_from(&mut tx, agency, key_id, from).await?;
        tx.commit().await?;
        Ok(DirectoryRevoked {
            keys: usize::try_from(revoked).unwrap_or(usize::MAX),
            counted,
        })
    }

    /// Keep packages the Board could not verify, apart from those counted: one
    /// transaction, a `board.hold` entry for each held. A file already held or already
    /// counted is a duplicate.
    pub async fn board_hold(
        &self,
        held: &[HeldPackage],
        now: NaiveDateTime,
    ) -> Result<Vec<HoldOutcome>, StoreError> {
        in_calendar("now", now)?;
        let mut tx = self.begin().await?;
        let mut out = Vec::with_capacity(held.len());
        for h in held {
            let p = &h.package;
            let manifest_id = h
                .manifest
                .as_deref()
                .map(manifest_facts)
                .transpose()?
                .map(|f| f.id);
            // The same signed manifest in another file is the same package sealed again:
            // one row, whatever the file's hash.
            let same: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM board_packages WHERE file_sha256 = ? OR manifest_id = ?
                 UNION ALL SELECT 1 FROM board_held WHERE file_sha256 = ? OR manifest_id = ? LIMIT 1",
            )
            .bind(&p.file_sha256)
            .bind(&manifest_id)
            .bind(&p.file_sha256)
            .bind(&manifest_id)
            .fetch_optional(&mut *tx)
            .await?;
            if same.is_some() {
                out.push(HoldOutcome::Duplicate);
                continue;
            }
            let carried = p.protocol.as_ref();
            sqlx::query(
                "INSERT INTO board_held (file_sha256, file_name, source_agency, reference, exported_at, monitoring, pdf,
                    protocol_sha256, protocol_id, protocol_version, protocol_text,
                    manifest, signature, signing_key, key_id, fingerprint, reason, imported_at, manifest_id)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&p.file_sha256)
            .bind(&p.file_name)
            .bind(&p.source_agency)
            .bind(&p.reference)
            .bind(ts(p.exported_at))
            .bind(&p.monitoring)
            .bind(&p.pdf)
            .bind(carried.map(|c| &c.sha256))
            .bind(carried.map(|c| &c.id))
            .bind(carried.map(|c| &c.version))
            .bind(carried.map(|c| &c.text))
            .bind(&h.manifest)
            .bind(&h.signature)
            .bind(&h.signing_key)
            .bind(&h.key_id)
            .bind(&h.fingerprint)
            .bind(h.reason.as_str())
            .bind(ts(now))
            .bind(&manifest_id)
            .execute(&mut *tx)
            .await?;
            let monitoring = serde_json::from_str::<serde_json::Value>(&p.monitoring)
                .unwrap_or_else(|_| serde_json::Value::String(p.monitoring.clone()));
            let subject = format!("{} / {}", p.source_agency, p.reference);
            self.log(
                &mut tx,
                now,
                AuditAction::BoardHold,
                ("board_package", &subject),
                None,
                Some(json(&serde_json::json!({
                    "monitoring": monitoring,
                    "file_sha256": p.file_sha256,
                    "key_id": h.key_id,
                    "fingerprint": h.fingerprint,
                    "reason": h.reason,
                }))?),
            )
            .await?;
            out.push(HoldOutcome::Held);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Every held package, oldest hold first.
    pub async fn board_held(&self) -> Result<Vec<HeldSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source_agency, reference, exported_at, imported_at, file_name, key_id, fingerprint, reason
             FROM board_held ORDER BY imported_at, id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(HeldSummary {
                    id: r.try_get("id")?,
                    source_agency: r.try_get("source_agency")?,
                    reference: r.try_get("reference")?,
                    exported_at: parse_ts(r.try_get("exported_at")?)?,
                    imported_at: parse_ts(r.try_get("imported_at")?)?,
                    file_name: r.try_get("file_name")?,
                    key_id: r.try_get("key_id")?,
                    fingerprint: r.try_get("fingerprint")?,
                    reason: HeldReason::parse(r.try_get("reason")?)?,
                })
            })
            .collect()
    }

    /// Discard a held package the administrator will not count, in one transaction,
    /// logged `board.remove` with what it claimed and who signed it. Counted packages
    /// are untouched: held ids are their own.
    pub async fn board_held_remove(
        &self,
        id: i64,
        now: NaiveDateTime,
    ) -> Result<HeldPackage, StoreError> {
        in_calendar("now", now)?;
        let mut tx = self.begin().await?;
        let (held, subject) = take_held(&mut tx, id).await?;
        self.log(
            &mut tx,
            now,
            AuditAction::BoardRemove,
            ("board_package", &subject),
            Some(json(&{
                let mut note = held_note(&held);
                note["held"] = true.into();
                note
            })?),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(held)
    }

    /// One held package whole. Refused (field `id`) when unknown.
    pub async fn board_held_package(&self, id: i64) -> Result<HeldPackage, StoreError> {
        held_in(&mut *self.pool().acquire().await?, id).await
    }

    /// Count a held package: in one transaction, the held row goes and the package is
    /// imported as `board_import` does (same outcome logic), logged `board.accept`.
    /// Refused (field `id`) when unknown. A package whose protocol text is another of a
    /// version held (`ProtocolConflict`) is not kept by an import, so nothing changes:
    /// it stays held rather than be lost.
    pub async fn board_accept(
        &self,
        id: i64,
        now: NaiveDateTime,
    ) -> Result<ImportOutcome, StoreError> {
        in_calendar("now", now)?;
        let mut tx = self.begin().await?;
        let (held, subject) = take_held(&mut tx, id).await?;
        let p = &held.package;
        self.log(
            &mut tx,
            now,
            AuditAction::BoardAccept,
            ("board_package", &subject),
            None,
            Some(json(&held_note(&held))?),
        )
        .await?;
        // A signed package keeps who signed it once counted, as an import does.
        let signer = match (&held.key_id, &held.manifest, &held.signature) {
            (Some(key_id), Some(manifest), Some(signature)) => Some(PackageSigner {
                key_id: key_id.clone(),
                manifest: manifest.clone(),
                signature: signature.clone(),
            }),
            _ => None,
        };
        let outcome = self.import_one(&mut tx, p, signer.as_ref(), now).await?;
        if outcome == ImportOutcome::ProtocolConflict {
            // Dropped uncommitted: the held row and the accept entry go with it.
            return Ok(outcome);
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Install a partnership bundle (verified by the caller) in ONE transaction: the
    /// Board's card as the anchor, each agency's card, each protocol as a new version
    /// (the same text already installed is skipped; another text under an installed
    /// version refuses the whole bundle), the bank holidays (the same file already
    /// imported is skipped), then `partnership.install`. Any failure keeps nothing.
    pub async fn install_partnership(
        &mut self,
        p: PartnershipInstall,
        now: NaiveDateTime,
    ) -> Result<PartnershipInstalled, StoreError> {
        in_calendar("now", now)?;
        // Everything that can be checked without the store, checked first.
        let mut checked = Vec::with_capacity(p.protocols.len());
        for f in &p.protocols {
            let parsed = protocols::check_install(&f.text, &f.file_name)?;
            checked.push((parsed, protocols::sha256_hex(&f.text)));
        }
        let calendar = match &p.calendar {
            Some((name, text)) => Some((name, text, self.prepare_holidays(name, text, now)?)),
            None => None,
        };
        let board_key_id = p.board.key_id().map_err(|e| card_refused(e.to_string()))?;
        let mut tx = self.begin().await?;
        let earlier: Vec<Option<String>> =
            sqlx::query_scalar("SELECT after FROM audit WHERE action = ? ORDER BY seq")
                .bind(AuditAction::PartnershipInstall.as_str())
                .fetch_all(&mut *tx)
                .await?;
        for after in earlier.iter().flatten() {
            let v: serde_json::Value = serde_json::from_str(after).unwrap_or_default();
            let made = v["created_at"]
                .as_str()
                .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok());
            let same = v["bundle"].as_str() == Some(p.bundle_id.as_str());
            if made.is_some_and(|m| m > p.created_at || (m == p.created_at && !same)) {
                return Err(StoreError::Refused {
                    code: escalate_core::ErrorCode::BundleInvalid,
                    field: Some("bundle"),
                    message: format!(
                        "bundle: it was signed at {}, before the bundle already installed: a later bundle replaces an earlier one, never the other way (ask the Board for its latest)",
                        p.created_at.format("%Y-%m-%d %H:%M")
                    ),
                });
            }
        }
        let board = self
            .directory_add_in(&mut tx, &p.board, DirectoryRole::Board, now)
            .await?
            .entry()
            .clone();
        let mut cards_added = 0;
        for c in &p.cards {
            match self
                .directory_add_in(&mut tx, c, DirectoryRole::Agency, now)
                .await?
            {
                DirectoryAdded::Added(_) | DirectoryAdded::Rotated(_) => cards_added += 1,
                DirectoryAdded::AlreadyPresent(_) => {}
            }
        }
        let mut installed = Vec::new();
        let mut outcomes = Vec::with_capacity(checked.len());
        for (f, (parsed, sha)) in p.protocols.iter().zip(&checked) {
            let held: Option<i64> = sqlx::query_scalar("SELECT 1 FROM protocols WHERE sha256 = ?")
                .bind(sha)
                .fetch_optional(&mut *tx)
                .await?;
            let outcome = if held.is_some() {
                ProtocolInstallOutcome::AlreadyInstalled
            } else {
                self.install_checked(&mut tx, parsed, sha, &f.file_name, &f.text, now)
                    .await?;
                installed.push((sha.clone(), parsed.clone()));
                ProtocolInstallOutcome::Installed
            };
            outcomes.push((parsed.id.clone(), parsed.version.clone(), outcome));
        }
        let mut calendar_sha = None;
        let mut holidays = None;
        if let Some((name, text, prepared)) = calendar {
            let sha = protocols::sha256_hex(text);
            let held: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM holiday_imports WHERE sha256 = ? LIMIT 1")
                    .bind(&sha)
                    .fetch_optional(&mut *tx)
                    .await?;
            if held.is_none() {
                self.write_holidays(&mut tx, name, text, &prepared.2, now)
                    .await?;
                holidays = Some(prepared);
            }
            calendar_sha = Some(sha);
        }
        let listed: Vec<[&str; 3]> = checked
            .iter()
            .map(|(parsed, sha)| [parsed.id.as_str(), parsed.version.as_str(), sha.as_str()])
            .collect();
        self.log(
            &mut tx,
            now,
            AuditAction::PartnershipInstall,
            ("partnership", &p.bundle_id),
            None,
            Some(json(&serde_json::json!({
                "bundle": p.bundle_id,
                "created_at": p.created_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                "board_key_id": board_key_id,
                "protocols": listed,
                "calendar": calendar_sha,
                "cards": p.cards.len(),
            }))?),
        )
        .await?;
        tx.commit().await?;
        // Only now the store's own state: a failed install left it as it was.
        for (sha, parsed) in installed {
            protocols::remember(&sha, parsed);
        }
        let calendar_imported = holidays.is_some();
        if let Some((merged, calendar, _)) = holidays {
            self.holidays = Some(merged);
            self.calendar = calendar;
        }
        Ok(PartnershipInstalled {
            protocols: outcomes,
            calendar_imported,
            cards_added,
            board,
        })
    }
}
