//! The tamper-evident audit trail. Every change appends an entry whose hash covers the
//! previous entry's hash and every field of its own, so a later edit, deletion or
//! reordering breaks the chain at the first entry touched. Cutting entries off the end
//! leaves a shorter valid chain; the head hash shown by `audit verify` (and kept in
//! backups) is what detects that (docs/threat-model.md).

use escalate_core::Event;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use sqlx::{Row, Sqlite, SqliteConnection};

use crate::error::StoreError;

/// Every kind of entry the audit trail holds: the closed list of what a store does.
/// The case actions are the case's log (docs/data-model.md): each carries one
/// `escalate_core::Event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    StoreCreate,
    ProfileUpdate,
    ClosureDayAdd,
    ClosureDayRemove,
    CaseCreate,
    StageRecord,
    StageReceive,
    CaseEscalate,
    CaseResolve,
    CaseWithdraw,
    CaseRedirect,
    NotificationSent,
    DeadlineShorten,
    /// A deadline extended by agreement where the protocol allows it.
    DeadlineExtend,
    /// The case moved to another of its protocol's routes.
    CaseSwitchRoute,
    /// A case carried over from a store made before the log, with its rebuilt events.
    CaseMigrate,
    /// The lead moved an open case to another installed version of its protocol.
    CaseMoveProtocol,
    AttachmentAdd,
    /// A version of a protocol installed in the store: a shipped one, or a file.
    ProtocolInstall,
    /// Every version of a protocol no case uses, removed.
    ProtocolRemove,
    /// An installed version made the one new cases of its protocol use again.
    ProtocolCurrent,
    /// Cases made before protocols were installed, pinned to the shipped version of
    /// their protocol when the store was converted.
    ProtocolPin,
    /// Official bank holidays imported from a GOV.UK `bank-holidays.json`.
    CalendarImport,
    KeyPassphraseChange,
    KeyRotate,
    BoardImport,
    BoardReplace,
    BoardImportOlder,
    BoardRemove,
    /// A store made before the log carried every word: the case's text and the stage
    /// records its log lacked, written into the log once, as a conversion.
    CaseContent,
    /// A store made before settings were replayed from the log: its settings as they
    /// stood, written into the log once as the baseline later entries change.
    SettingsAdopt,
    /// A cache (a case's rows, or a setting) was found to differ from the log: the
    /// store was altered outside Escalate. What differed, named by field and the entry
    /// holding the true value; the cache was rebuilt from the log.
    IntegrityAltered,
    /// The store's agency identity made (its signing key and age recipient): the
    /// public halves only, never a secret.
    IdentityCreate,
    /// A new signing key for the store; the old one is kept, retired, to endorse it.
    IdentityRotate,
    /// An agency's card added to the directory of trusted agencies (or the Board's,
    /// the anchor a partnership bundle is checked against).
    DirectoryAdd,
    /// Every key of an agency in the directory no longer believed from a day on.
    DirectoryRevoke,
    /// A package the Board could not verify (unknown signer, or unsigned), kept apart
    /// from what is counted.
    BoardHold,
    /// The administrator counted a held package.
    BoardAccept,
    /// A partnership bundle installed whole: the Board's card, agencies' cards,
    /// protocols and calendar, each also logged by its own entry.
    PartnershipInstall,
}

impl AuditAction {
    pub const ALL: [AuditAction; 39] = [
        AuditAction::StoreCreate,
        AuditAction::ProfileUpdate,
        AuditAction::ClosureDayAdd,
        AuditAction::ClosureDayRemove,
        AuditAction::CaseCreate,
        AuditAction::StageRecord,
        AuditAction::StageReceive,
        AuditAction::CaseEscalate,
        AuditAction::CaseResolve,
        AuditAction::CaseWithdraw,
        AuditAction::CaseRedirect,
        AuditAction::NotificationSent,
        AuditAction::DeadlineShorten,
        AuditAction::DeadlineExtend,
        AuditAction::CaseSwitchRoute,
        AuditAction::CaseMigrate,
        AuditAction::CaseMoveProtocol,
        AuditAction::AttachmentAdd,
        AuditAction::ProtocolInstall,
        AuditAction::ProtocolRemove,
        AuditAction::ProtocolCurrent,
        AuditAction::ProtocolPin,
        AuditAction::CalendarImport,
        AuditAction::KeyPassphraseChange,
        AuditAction::KeyRotate,
        AuditAction::BoardImport,
        AuditAction::BoardReplace,
        AuditAction::BoardImportOlder,
        AuditAction::BoardRemove,
        AuditAction::CaseContent,
        AuditAction::SettingsAdopt,
        AuditAction::IntegrityAltered,
        AuditAction::IdentityCreate,
        AuditAction::IdentityRotate,
        AuditAction::DirectoryAdd,
        AuditAction::DirectoryRevoke,
        AuditAction::BoardHold,
        AuditAction::BoardAccept,
        AuditAction::PartnershipInstall,
    ];

    /// As the `action` column spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::StoreCreate => "store.create",
            AuditAction::ProfileUpdate => "profile.update",
            AuditAction::ClosureDayAdd => "closure_day.add",
            AuditAction::ClosureDayRemove => "closure_day.remove",
            AuditAction::CaseCreate => "case.create",
            AuditAction::StageRecord => "stage.record",
            AuditAction::StageReceive => "stage.receive",
            AuditAction::CaseEscalate => "case.escalate",
            AuditAction::CaseResolve => "case.resolve",
            AuditAction::CaseWithdraw => "case.withdraw",
            AuditAction::CaseRedirect => "case.redirect",
            AuditAction::NotificationSent => "notification.sent",
            AuditAction::DeadlineShorten => "deadline.shorten",
            AuditAction::DeadlineExtend => "deadline.extend",
            AuditAction::CaseSwitchRoute => "case.switch_route",
            AuditAction::CaseMigrate => "case.migrate",
            AuditAction::CaseMoveProtocol => "case.move_protocol",
            AuditAction::AttachmentAdd => "attachment.add",
            AuditAction::ProtocolInstall => "protocol.install",
            AuditAction::ProtocolRemove => "protocol.remove",
            AuditAction::ProtocolCurrent => "protocol.current",
            AuditAction::ProtocolPin => "protocol.pin",
            AuditAction::CalendarImport => "calendar.import",
            AuditAction::KeyPassphraseChange => "key.passphrase_change",
            AuditAction::KeyRotate => "key.rotate",
            AuditAction::BoardImport => "board.import",
            AuditAction::BoardReplace => "board.replace",
            AuditAction::BoardImportOlder => "board.import_older",
            AuditAction::BoardRemove => "board.remove",
            AuditAction::CaseContent => "case.content",
            AuditAction::SettingsAdopt => "settings.adopt",
            AuditAction::IntegrityAltered => "integrity.altered",
            AuditAction::IdentityCreate => "identity.create",
            AuditAction::IdentityRotate => "identity.rotate",
            AuditAction::DirectoryAdd => "directory.add",
            AuditAction::DirectoryRevoke => "directory.revoke",
            AuditAction::BoardHold => "board.hold",
            AuditAction::BoardAccept => "board.accept",
            AuditAction::PartnershipInstall => "partnership.install",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The entry a case event is logged as.
    pub fn for_event(event: &Event) -> AuditAction {
        match event {
            Event::Open { .. } => AuditAction::CaseCreate,
            Event::Record(_) => AuditAction::StageRecord,
            Event::Receive { .. } => AuditAction::StageReceive,
            Event::Escalate { .. } => AuditAction::CaseEscalate,
            Event::Resolve { .. } => AuditAction::CaseResolve,
            Event::Withdraw { .. } => AuditAction::CaseWithdraw,
            Event::Redirect { .. } => AuditAction::CaseRedirect,
            Event::MarkSent { .. } => AuditAction::NotificationSent,
            Event::ShortenDeadline { .. } => AuditAction::DeadlineShorten,
            Event::Extend { .. } => AuditAction::DeadlineExtend,
            Event::SwitchRoute { .. } => AuditAction::CaseSwitchRoute,
            Event::Migrated { .. } => AuditAction::CaseMigrate,
            Event::MoveProtocol { .. } => AuditAction::CaseMoveProtocol,
        }
    }

    /// Whether an entry of this kind carries one of its case's events.
    pub fn is_case_event(self) -> bool {
        matches!(
            self,
            AuditAction::CaseCreate
                | AuditAction::StageRecord
                | AuditAction::StageReceive
                | AuditAction::CaseEscalate
                | AuditAction::CaseResolve
                | AuditAction::CaseWithdraw
                | AuditAction::CaseRedirect
                | AuditAction::NotificationSent
                | AuditAction::DeadlineShorten
                | AuditAction::DeadlineExtend
                | AuditAction::CaseSwitchRoute
                | AuditAction::CaseMoveProtocol
        )
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an audit entry is about: the closed list of the `entity` column. The entry's
/// `entity_id` says which one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditEntity {
    /// The store itself (its id): its key.
    Store,
    /// The lead's profile (`1`); the store's creation is logged on it.
    Profile,
    /// A day the agency is closed (the date).
    ClosureDay,
    /// A case (its reference): these entries are the case's log.
    Case,
    /// A protocol (its id).
    Protocol,
    /// The bank holidays (`bank-holidays`).
    Calendar,
    /// A package in the Board's store (`agency / reference`).
    BoardPackage,
    /// The settings as a whole (`settings`): a conversion's baseline, or a check that
    /// found them altered.
    Settings,
    /// The store's agency identity (the signing key's id).
    Identity,
    /// An agency in the directory of trusted agencies (its name).
    Directory,
    /// A partnership bundle installed (the bundle's id).
    Partnership,
}

impl AuditEntity {
    pub const ALL: [AuditEntity; 11] = [
        AuditEntity::Store,
        AuditEntity::Profile,
        AuditEntity::ClosureDay,
        AuditEntity::Case,
        AuditEntity::Protocol,
        AuditEntity::Calendar,
        AuditEntity::BoardPackage,
        AuditEntity::Settings,
        AuditEntity::Identity,
        AuditEntity::Directory,
        AuditEntity::Partnership,
    ];

    /// As the `entity` column spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEntity::Store => "store",
            AuditEntity::Profile => "profile",
            AuditEntity::ClosureDay => "closure_day",
            AuditEntity::Case => "case",
            AuditEntity::Protocol => "protocol",
            AuditEntity::Calendar => "calendar",
            AuditEntity::BoardPackage => "board_package",
            AuditEntity::Settings => "settings",
            AuditEntity::Identity => "identity",
            AuditEntity::Directory => "directory",
            AuditEntity::Partnership => "partnership",
        }
    }

    pub fn parse(s: &str) -> Option<AuditEntity> {
        AuditEntity::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

impl std::fmt::Display for AuditEntity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serde and TypeScript for the audit trail's closed lists, made from their `ALL` and
/// `as_str`: each crosses IPC as the word its column holds, and the bindings declare
/// the union of those words, so a list is spelled in one place.
macro_rules! column_words {
    ($t:ident, $what:literal) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $t::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(concat!("'{}' is not ", $what), s))
                })
            }
        }

        #[cfg(feature = "ts")]
        impl ts_rs::TS for $t {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;

            fn name() -> String {
                stringify!($t).to_owned()
            }

            fn decl() -> String {
                format!("type {} = {};", stringify!($t), Self::inline())
            }

            fn decl_concrete() -> String {
                Self::decl()
            }

            fn inline() -> String {
                $t::ALL
                    .iter()
                    .map(|w| format!("\"{}\"", w.as_str()))
                    .collect::<Vec<_>>()
                    .join(" | ")
            }

            fn inline_flattened() -> String {
                format!("({})", Self::inline())
            }
        }
    };
}

column_words!(AuditAction, "an audit action");
column_words!(AuditEntity, "an audit entity");

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One change, as recorded: the columns as they are, so `verify` hashes exactly what
/// the table holds, whatever was written there.
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
pub(crate) fn entry_hash(
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditLine {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: AuditAction,
    pub entity: AuditEntity,
    pub entity_id: String,
}

/// The newest `limit` lines, newest first. A line whose action or entity Escalate
/// never writes (the table was edited outside Escalate, or by a newer version) fails
/// the read with a `database` error naming the entry: it is not shown as something
/// this version understands.
pub(crate) async fn lines(
    conn: &mut SqliteConnection,
    limit: u32,
) -> Result<Vec<AuditLine>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, entity, entity_id FROM audit ORDER BY seq DESC LIMIT ?",
    )
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let seq: i64 = r.try_get("seq")?;
            let unknown = |column: &str, value: &str| {
                StoreError::Database(format!(
                    "audit entry {seq} has the {column} '{value}', which this version of Escalate does not write: the store was changed outside Escalate or by a newer version. Run `escalate audit verify`, and restore a backup if it reports a break"
                ))
            };
            let action: String = r.try_get("action")?;
            let entity: String = r.try_get("entity")?;
            Ok(AuditLine {
                seq,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: AuditAction::parse(&action).ok_or_else(|| unknown("action", &action))?,
                entity: AuditEntity::parse(&entity).ok_or_else(|| unknown("entity", &entity))?,
                entity_id: r.try_get("entity_id")?,
            })
        })
        .collect()
}

/// A change to append, inside the caller's transaction.
#[derive(Debug)]
pub(crate) struct Change<'a> {
    pub at: &'a str,
    pub actor: &'a str,
    pub action: AuditAction,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub(crate) async fn append(conn: &mut SqliteConnection, c: Change<'_>) -> Result<(), StoreError> {
    debug_assert!(
        AuditEntity::parse(c.entity).is_some(),
        "'{}' is not in AuditEntity: add it there, or the audit screen cannot read the entry",
        c.entity
    );
    let last = sqlx::query("SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (seq, prev) = match last {
        Some(r) => {
            // History is written in order: an entry dated before the last one (a clock
            // gone back, or `--now` in the past) would let a write recount days already
            // past, and would make the trail say things happened in another order.
            let last_at = r.try_get::<String, _>("at")?;
            if c.at < last_at.as_str() {
                return Err(StoreError::Refused {
                    code: escalate_core::ErrorCode::StoreClockBehind,
                    field: Some("now"),
                    message: format!(
                        "{} is before the store's last entry, written at {}: check the computer's clock; nothing was changed",
                        c.at.replace('T', " "),
                        last_at.replace('T', " ")
                    ),
                });
            }
            (
                r.try_get::<i64, _>("seq")? + 1,
                r.try_get::<String, _>("hash")?,
            )
        }
        None => (1, GENESIS.to_owned()),
    };
    let hash = entry_hash(
        &prev,
        seq,
        [c.at, c.actor, c.action.as_str(), c.entity, c.entity_id],
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
    .bind(c.action.as_str())
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
    let rows: Vec<AuditEntry> = sqlx::query_as(
        "SELECT seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash
         FROM audit ORDER BY seq",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut prev = GENESIS.to_owned();
    let mut prev_at = "";
    // Releases before this one let `--now` write an earlier time, so a store they made
    // is held to the order only from its conversion's baseline on.
    let ordered_from = rows
        .iter()
        .position(|e| e.action == AuditAction::SettingsAdopt.as_str())
        .unwrap_or(0);
    let mut first_broken = None;
    for (i, e) in rows.iter().enumerate() {
        let position = i as u64 + 1;
        let broken = |reason: String| Broken {
            position,
            seq: e.seq,
            reason,
        };
        // Escalate writes history in order (`append` refuses an earlier time): an entry
        // dated before the one before it was not written by Escalate.
        if i > ordered_from && e.at.as_str() < prev_at {
            first_broken = Some(broken(format!(
                "it is dated {}, before the entry before it ({}): it was not written by Escalate",
                e.at.replace('T', " "),
                prev_at.replace('T', " ")
            )));
            break;
        }
        prev_at = &e.at;
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
    fn every_action_reads_back_as_itself() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(AuditAction::parse("case.delete"), None);
    }

    #[test]
    fn every_entity_reads_back_as_itself() {
        for e in AuditEntity::ALL {
            assert_eq!(AuditEntity::parse(e.as_str()), Some(e));
        }
        assert_eq!(AuditEntity::parse("stage_record"), None);
    }

    #[test]
    fn actions_and_entities_cross_ipc_as_their_column_words() {
        for a in AuditAction::ALL {
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.as_str()));
            assert_eq!(serde_json::from_str::<AuditAction>(&json).unwrap(), a);
        }
        for e in AuditEntity::ALL {
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(json, format!("\"{}\"", e.as_str()));
            assert_eq!(serde_json::from_str::<AuditEntity>(&json).unwrap(), e);
        }
        let e = serde_json::from_str::<AuditAction>("\"case.delete\"").unwrap_err();
        assert!(
            e.to_string()
                .contains("'case.delete' is not an audit action"),
            "{e}"
        );
        let e = serde_json::from_str::<AuditEntity>("\"stage_record\"").unwrap_err();
        assert!(
            e.to_string()
                .contains("'stage_record' is not an audit entity"),
            "{e}"
        );
    }

    #[cfg(feature = "ts")]
    #[test]
    fn the_bindings_declare_every_word() {
        use ts_rs::TS;
        let action = AuditAction::decl();
        assert!(
            action.starts_with("type AuditAction = \"store.create\" | "),
            "{action}"
        );
        for a in AuditAction::ALL {
            assert!(action.contains(&format!("\"{}\"", a.as_str())), "{action}");
        }
        assert_eq!(
            AuditEntity::decl(),
            "type AuditEntity = \"store\" | \"profile\" | \"closure_day\" | \"case\" | \"protocol\" | \"calendar\" | \"board_package\" | \"settings\" | \"identity\" | \"directory\" | \"partnership\";"
        );
    }

    #[test]
    fn fields_are_not_ambiguous() {
        let a = entry_hash(GENESIS, 1, ["t", "ab", "c", "e", "1"], None, None);
        let b = entry_hash(GENESIS, 1, ["t", "a", "bc", "e", "1"], None, None);
        let c = entry_hash(GENESIS, 1, ["t", "ab", "c", "e", "1"], Some(""), None);
        assert_ne!(a, b);
        assert_ne!(a, c);
    }
}
