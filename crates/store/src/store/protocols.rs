//! Installed protocols: the versions of protocols a store uses, each kept whole (its
//! text) and named by the SHA-256 of that text. The shipped protocols are installed
//! when a store is made, and a changed shipped text when a newer build opens it; a lead
//! or administrator installs others from files. Every case is pinned to the version it
//! was opened under (or that the lead moved it to), by hash, so a new version changes
//! new cases only. Nothing here looks a protocol up among the shipped ones by id: the
//! store's table is the registry, and the shipped texts are only what it installs.
//!
//! A version's parsed protocol is shared (`Arc`) by whoever reads it, and the most
//! recently read are kept for reuse, by the SHA-256 of their text. The cache is
//! bounded: a version it lets go is parsed again from its text, which the store always
//! keeps, so any number of installed versions lists, installs and removes.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use escalate_core::protocol::ProtocolError;
use escalate_core::{builtin_ids, builtin_texts};
use escalate_core::{ErrorCode, Protocol, ProtocolErrors, ProtocolPin};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::*;
use crate::audit::AuditAction;

/// Who installs the shipped protocols: the program, not the lead.
const SHIPPED_ACTOR: &str = "Escalate (shipped protocols)";

/// How many parsed versions the cache holds when nothing else does. A store has a few
/// versions in use; the dashboard reads each once per listing.
const KEPT_MAX: usize = 64;

/// The longest version and partnership an export package can carry (its schema's limit
/// for a name), checked when a protocol is installed so every case under it exports.
const NAME_MAX: usize = 200;

/// The SHA-256 of a protocol's text, in lower-case hex: what pins a case to it.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Parsed versions by hash: every one still held anywhere (so one read stays one
/// parse while it is in use, and a version a move has just found is still there when
/// the move is applied), and the most recently used, held so a version read again soon
/// is not parsed again.
#[derive(Default)]
struct Kept {
    live: HashMap<String, Weak<Protocol>>,
    /// Oldest use first; at most [`KEPT_MAX`].
    recent: VecDeque<(String, Arc<Protocol>)>,
}

impl Kept {
    fn get(&mut self, sha256: &str) -> Option<Arc<Protocol>> {
        let p = self.live.get(sha256).and_then(Weak::upgrade)?;
        self.touch(sha256, &p);
        Some(p)
    }

    fn insert(&mut self, sha256: &str, parsed: Protocol) -> Arc<Protocol> {
        if let Some(p) = self.get(sha256) {
            return p;
        }
        let p = Arc::new(parsed);
        if self.live.len() >= 2 * KEPT_MAX {
            self.live.retain(|_, w| w.strong_count() > 0);
        }
        self.live.insert(sha256.to_owned(), Arc::downgrade(&p));
        self.touch(sha256, &p);
        p
    }

    /// Mark `p` as the most recently used, letting the least recently used go when full.
    fn touch(&mut self, sha256: &str, p: &Arc<Protocol>) {
        if let Some(i) = self.recent.iter().position(|(s, _)| s == sha256) {
            self.recent.remove(i);
        }
        if self.recent.len() >= KEPT_MAX {
            self.recent.pop_front();
        }
        self.recent.push_back((sha256.to_owned(), Arc::clone(p)));
    }
}

static KEPT: OnceLock<Mutex<Kept>> = OnceLock::new();

fn kept() -> std::sync::MutexGuard<'static, Kept> {
    // A panic elsewhere while the cache was held cannot leave it unusable: at worst a
    // version is parsed again.
    KEPT.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Keep a protocol parsed and checked by an install that has committed, rather than
/// parse it again when first used.
pub(crate) fn remember(sha256: &str, parsed: Protocol) {
    kept().insert(sha256, parsed);
}

/// The parsed protocol of a text read before and still kept, by its hash.
pub(crate) fn cached(sha256: &str) -> Option<Arc<Protocol>> {
    kept().get(sha256)
}

/// The parsed protocol of `text`, whose hash must be `sha256`: parsed unless kept.
/// `file` names it in errors. A stored text that no longer hashes to its name, or no
/// longer reads, was changed outside Escalate.
pub(crate) fn parsed(sha256: &str, text: &str, file: &str) -> Result<Arc<Protocol>, StoreError> {
    if let Some(p) = cached(sha256) {
        return Ok(p);
    }
    if sha256_hex(text) != sha256 {
        return Err(StoreError::Database(format!(
            "the installed protocol {file} does not match its SHA-256: the store was changed outside Escalate. Run `escalate audit verify`"
        )));
    }
    // Parsed without the lock held: another reader may parse the same text meanwhile,
    // and the first kept wins.
    let p = Protocol::from_toml(text, file).map_err(|e| {
        StoreError::Database(format!(
            "the installed protocol {file} no longer reads ({}): the store was changed outside Escalate",
            e.errors.first().map_or_else(String::new, ToString::to_string)
        ))
    })?;
    Ok(kept().insert(sha256, p))
}

/// The shipped protocols, as (file name, text, hash, parsed), in the order they ship:
/// escalate-core parses them once per process.
pub(crate) fn shipped(
) -> Result<Vec<(&'static str, &'static str, String, &'static Protocol)>, StoreError> {
    let parsed = escalate_core::builtin_protocols().map_err(|e| {
        StoreError::Database(format!(
            "a protocol shipped with this build does not read: {}",
            e.errors
                .first()
                .map_or_else(String::new, ToString::to_string)
        ))
    })?;
    Ok(builtin_texts()
        .zip(parsed)
        .map(|((file, text), p)| (file, text, sha256_hex(text), p))
        .collect())
}

/// The protocols this build ships, in the order they ship: what a new store installs.
/// Commands that need no store (a plan, a protocol shown by id) read them here.
pub fn shipped_protocols() -> Result<Vec<&'static Protocol>, StoreError> {
    Ok(shipped()?.into_iter().map(|(_, _, _, p)| p).collect())
}

/// Whether `id` is one of the protocols this build ships.
pub(crate) fn is_shipped_id(id: &str) -> bool {
    builtin_ids().contains(id)
}

/// One installed version of a protocol, as `escalate protocols` and Settings list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InstalledProtocol {
    pub id: String,
    pub name: String,
    pub version: String,
    /// SHA-256 of the text, lower-case hex: what cases are pinned to.
    pub sha256: String,
    /// It came with Escalate (rather than from a file a lead or administrator gave).
    pub shipped: bool,
    /// New cases of its id are opened under this version.
    pub current: bool,
    /// The file it was installed from.
    pub file_name: String,
    pub installed_at: NaiveDateTime,
    /// Cases pinned to this version.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cases: u64,
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    protocol_id: String,
    version: String,
    sha256: String,
    text: String,
    shipped: bool,
    file_name: String,
    installed_at: String,
    current: bool,
}

const ROW: &str =
    "SELECT protocol_id, version, sha256, text, shipped, file_name, installed_at, current FROM protocols";

impl Row {
    fn file(&self) -> String {
        format!("protocol {} version {}", self.protocol_id, self.version)
    }

    fn protocol(&self) -> Result<Arc<Protocol>, StoreError> {
        parsed(&self.sha256, &self.text, &self.file())
    }

    fn pin(&self) -> ProtocolPin {
        ProtocolPin {
            version: self.version.clone(),
            sha256: self.sha256.clone(),
        }
    }

    fn installed(&self, cases: u64) -> Result<InstalledProtocol, StoreError> {
        Ok(InstalledProtocol {
            id: self.protocol_id.clone(),
            name: self.protocol()?.name.clone(),
            version: self.version.clone(),
            sha256: self.sha256.clone(),
            shipped: self.shipped,
            current: self.current,
            file_name: self.file_name.clone(),
            installed_at: parse_ts(&self.installed_at)?,
            cases,
        })
    }
}

/// The installed version with hash `sha256`, where there is one.
pub(crate) async fn by_hash(
    conn: &mut SqliteConnection,
    sha256: &str,
) -> Result<Option<Arc<Protocol>>, StoreError> {
    if let Some(p) = cached(sha256) {
        return Ok(Some(p));
    }
    let row: Option<Row> = sqlx::query_as(&format!("{ROW} WHERE sha256 = ?"))
        .bind(sha256)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| r.protocol()).transpose()
}

/// The ids of the protocols installed, for messages.
async fn installed_ids(conn: &mut SqliteConnection) -> Result<String, StoreError> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT protocol_id FROM protocols ORDER BY protocol_id")
            .fetch_all(&mut *conn)
            .await?;
    Ok(if ids.is_empty() {
        "none is installed".to_owned()
    } else {
        ids.join(", ")
    })
}

fn not_installed(id: &str, known: &str) -> StoreError {
    StoreError::Refused {
        code: ErrorCode::ProtocolUnknown,
        field: Some("protocol"),
        message: format!(
            "'{id}' is not a protocol installed in this store: use one of {known}, or install its file first with `escalate protocol install FILE`"
        ),
    }
}

/// The version new cases of `id` are opened under, with its pin.
pub(crate) async fn current(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<(ProtocolPin, Arc<Protocol>), StoreError> {
    let row: Option<Row> = sqlx::query_as(&format!("{ROW} WHERE protocol_id = ? AND current = 1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => Ok((r.pin(), r.protocol()?)),
        None => Err(not_installed(id, &installed_ids(conn).await?)),
    }
}

/// The protocols a case's log runs under: the version it was opened under (the first
/// move's `from`, or else the version it is pinned to, which no move has changed) and
/// every version a move took it to, each found by hash.
pub(crate) async fn for_log(
    conn: &mut SqliteConnection,
    reference: &str,
    pinned: Option<&str>,
    events: &[escalate_core::LoggedEvent],
) -> Result<(Arc<Protocol>, HashMap<String, Arc<Protocol>>), StoreError> {
    let mut moves = events.iter().filter_map(|e| match &e.event {
        escalate_core::Event::MoveProtocol { from, to, .. } => Some((from, to)),
        _ => None,
    });
    let missing = |sha: &str| {
        StoreError::Database(format!(
            "case {reference} runs under a protocol version that is not installed (SHA-256 {}): the store was changed outside Escalate",
            sha.get(..12).unwrap_or(sha)
        ))
    };
    let opened = match moves.next() {
        Some((from, _)) => from.sha256.clone(),
        None => pinned
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                StoreError::Database(format!(
                    "case {reference} is pinned to no installed protocol version: its protocol is not installed in this store"
                ))
            })?
            .to_owned(),
    };
    let first = by_hash(conn, &opened)
        .await?
        .ok_or_else(|| missing(&opened))?;
    let mut later = HashMap::new();
    for e in events {
        if let escalate_core::Event::MoveProtocol { to, .. } = &e.event {
            let p = by_hash(conn, &to.sha256)
                .await?
                .ok_or_else(|| missing(&to.sha256))?;
            later.insert(to.sha256.clone(), p);
        }
    }
    Ok((first, later))
}

/// Install the shipped protocols a store does not hold yet (a newer build with a
/// changed text, or a store made before protocols were installed), and pin the cases
/// made before then to the version of theirs new cases use. One transaction, only when
/// there is something to do, each install and pin one entry, dated as of the store's
/// last entry (opening has no clock, and the log's times never go backwards).
pub(crate) async fn sync_shipped(pool: &SqlitePool) -> Result<(), StoreError> {
    // Asked first without the write lock: almost every open has nothing to do.
    if !needs_sync(&mut *pool.acquire().await?).await? {
        return Ok(());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    if !needs_sync(&mut tx).await? {
        return Ok(());
    }
    let at = sqlx::query_scalar::<_, String>("SELECT at FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or_else(|| "1990-01-01T00:00:00".to_owned());
    for installed in install_shipped(&mut tx, &at).await? {
        let id = installed["protocol"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        audit::append(
            &mut tx,
            audit::Change {
                at: &at,
                actor: SHIPPED_ACTOR,
                action: AuditAction::ProtocolInstall,
                entity: "protocol",
                entity_id: &id,
                before: None,
                after: Some(json(&installed)?),
            },
        )
        .await?;
    }
    for pinned in pin_unpinned(&mut tx).await? {
        let id = pinned["protocol"].as_str().unwrap_or_default().to_owned();
        audit::append(
            &mut tx,
            audit::Change {
                at: &at,
                actor: SHIPPED_ACTOR,
                action: AuditAction::ProtocolPin,
                entity: "protocol",
                entity_id: &id,
                before: None,
                after: Some(json(&pinned)?),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn needs_sync(conn: &mut SqliteConnection) -> Result<bool, StoreError> {
    let held: Vec<String> = sqlx::query_scalar("SELECT sha256 FROM protocols")
        .fetch_all(&mut *conn)
        .await?;
    let unpinned: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM cases WHERE protocol_sha256 IS NULL LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(unpinned.is_some() || shipped()?.iter().any(|(_, _, sha, _)| !held.contains(sha)))
}

/// Install the shipped texts not held yet, dated `at`, and give each one installed as
/// its entry records it. A shipped text becomes the version new cases of its id use,
/// unless a version the lead installed is: theirs stays. The caller records them: in
/// their own entries, or in the entry that needed them (`store.create`).
pub(crate) async fn install_shipped(
    conn: &mut SqliteConnection,
    at: &str,
) -> Result<Vec<serde_json::Value>, StoreError> {
    let mut out = Vec::new();
    for (file, text, sha, p) in shipped()? {
        let held: Option<i64> = sqlx::query_scalar("SELECT 1 FROM protocols WHERE sha256 = ?")
            .bind(&sha)
            .fetch_optional(&mut *conn)
            .await?;
        if held.is_some() {
            continue;
        }
        let current_shipped: Option<bool> = sqlx::query_scalar(
            "SELECT shipped FROM protocols WHERE protocol_id = ? AND current = 1",
        )
        .bind(&p.id)
        .fetch_optional(&mut *conn)
        .await?;
        let current = current_shipped.is_none_or(|shipped| shipped);
        if current {
            sqlx::query("UPDATE protocols SET current = 0 WHERE protocol_id = ?")
                .bind(&p.id)
                .execute(&mut *conn)
                .await?;
        }
        insert(conn, p, &sha, text, true, file, at, current).await?;
        out.push(serde_json::json!({
            "protocol": p.id, "version": p.version, "sha256": sha,
            "file": file, "shipped": true, "current": current, "text": text,
        }));
    }
    Ok(out)
}

/// Pin the cases made before protocols were installed to the version of their
/// protocol new cases use (on the first open by this build, the shipped text), and
/// give what was pinned, per protocol, for the caller to record. A protocol this store
/// never installed stays unpinned: its cases say so when read.
pub(crate) async fn pin_unpinned(
    conn: &mut SqliteConnection,
) -> Result<Vec<serde_json::Value>, StoreError> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT protocol_id FROM cases WHERE protocol_sha256 IS NULL ORDER BY protocol_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for id in ids {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT sha256, version FROM protocols WHERE protocol_id = ? AND current = 1",
        )
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((sha, version)) = row else { continue };
        let pinned = sqlx::query(
            "UPDATE cases SET protocol_sha256 = ? WHERE protocol_id = ? AND protocol_sha256 IS NULL",
        )
        .bind(&sha)
        .bind(&id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE case_state SET protocol_sha256 = ? WHERE case_id IN (SELECT id FROM cases WHERE protocol_id = ? AND protocol_sha256 = ?)",
        )
        .bind(&sha)
        .bind(&id)
        .bind(&sha)
        .execute(&mut *conn)
        .await?;
        out.push(serde_json::json!({
            "protocol": id, "version": version, "sha256": sha, "cases": pinned,
        }));
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    conn: &mut SqliteConnection,
    p: &Protocol,
    sha: &str,
    text: &str,
    shipped: bool,
    file_name: &str,
    at: &str,
    current: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO protocols (protocol_id, version, sha256, text, shipped, file_name, installed_at, current)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&p.id)
    .bind(&p.version)
    .bind(sha)
    .bind(text)
    .bind(shipped)
    .bind(file_name)
    .bind(at)
    .bind(current)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Install a protocol file while a store is made, dated `at`: it becomes the version
/// new cases of its id use. Gives it as the store's first entry records it.
pub(crate) async fn install_file(
    conn: &mut SqliteConnection,
    f: &super::lifecycle::ProtocolFile,
    at: &str,
) -> Result<serde_json::Value, StoreError> {
    let p = check_install(&f.text, &f.file_name)?;
    let sha = sha256_hex(&f.text);
    refuse_duplicate(&mut *conn, &p, &sha).await?;
    sqlx::query("UPDATE protocols SET current = 0 WHERE protocol_id = ?")
        .bind(&p.id)
        .execute(&mut *conn)
        .await?;
    insert(conn, &p, &sha, &f.text, false, &f.file_name, at, true).await?;
    Ok(serde_json::json!({
        "protocol": p.id, "version": p.version, "sha256": sha,
        "file": f.file_name, "shipped": false, "current": true, "text": f.text,
    }))
}

/// Parse a protocol file for installing: every problem as `file:line: field: message`,
/// including the limits an export package puts on its version and partnership.
pub fn check_install(text: &str, file: &str) -> Result<Protocol, StoreError> {
    let p = Protocol::from_toml(text, file).map_err(StoreError::ProtocolInvalid)?;
    let mut errors = Vec::new();
    for (key, value) in [("version", &p.version), ("partnership", &p.partnership)] {
        if value.chars().count() > NAME_MAX {
            errors.push(ProtocolError {
                file: file.to_owned(),
                line: text
                    .lines()
                    .position(|l| l.trim_start().starts_with(key))
                    .map(|i| i + 1),
                field: key.to_owned(),
                message: format!(
                    "is {} characters; at most {NAME_MAX} can be carried to the Board: shorten it",
                    value.chars().count()
                ),
            });
        }
    }
    if errors.is_empty() {
        Ok(p)
    } else {
        Err(StoreError::ProtocolInvalid(ProtocolErrors {
            errors,
            more: 0,
        }))
    }
}

impl Store {
    /// Every installed version of every protocol, with how many cases are pinned to
    /// each: by protocol, oldest version first.
    pub async fn installed_protocols(&self) -> Result<Vec<InstalledProtocol>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let rows: Vec<Row> = sqlx::query_as(&format!("{ROW} ORDER BY protocol_id, id"))
            .fetch_all(&mut *conn)
            .await?;
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT protocol_sha256, COUNT(*) FROM cases WHERE protocol_sha256 IS NOT NULL GROUP BY protocol_sha256",
        )
        .fetch_all(&mut *conn)
        .await?;
        let counts: HashMap<String, i64> = counts.into_iter().collect();
        rows.iter()
            .map(|r| {
                let n = counts.get(&r.sha256).copied().unwrap_or(0);
                r.installed(u64::try_from(n).unwrap_or(0))
            })
            .collect()
    }

    /// The version of each installed protocol that new cases are opened under: the
    /// shipped ones first, in the order they ship, then the others by id.
    pub async fn protocols(&self) -> Result<Vec<Arc<Protocol>>, StoreError> {
        let rows: Vec<Row> =
            sqlx::query_as(&format!("{ROW} WHERE current = 1 ORDER BY protocol_id"))
                .fetch_all(self.pool())
                .await?;
        let order: BTreeMap<String, usize> = builtin_texts()
            .enumerate()
            .map(|(i, (file, _))| (file.trim_end_matches(".toml").to_owned(), i))
            .collect();
        let mut out = rows
            .iter()
            .map(|r| {
                Ok((
                    order.get(&r.protocol_id).copied().unwrap_or(usize::MAX),
                    r.protocol()?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        Ok(out.into_iter().map(|(_, p)| p).collect())
    }

    /// The version new cases of `id` are opened under.
    pub async fn protocol(&self, id: &str) -> Result<Arc<Protocol>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        Ok(current(&mut conn, id).await?.1)
    }

    /// An installed version of protocol `id`, by its version or the start of its
    /// SHA-256 (at least 8 hex digits). Refused naming `to` when there is none, or more
    /// than one with that version.
    pub async fn protocol_version(
        &self,
        id: &str,
        version: &str,
    ) -> Result<(ProtocolPin, Arc<Protocol>), StoreError> {
        let mut conn = self.pool().acquire().await?;
        find_version(&mut conn, id, version).await
    }

    /// The text of an installed version, as installed.
    pub async fn protocol_text(&self, sha256: &str) -> Result<String, StoreError> {
        let text: String = sqlx::query_scalar("SELECT text FROM protocols WHERE sha256 = ?")
            .bind(sha256)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| {
                StoreError::Database(format!(
                    "no installed protocol version has SHA-256 {}",
                    sha256.get(..12).unwrap_or(sha256)
                ))
            })?;
        // The text travels (in a Board package): never one changed since it was
        // installed, even where the parsed version is already in memory.
        if sha256_hex(&text) != sha256 {
            return Err(StoreError::Database(format!(
                "the installed protocol version {} does not match its SHA-256: the store was changed outside Escalate. Run `escalate audit verify`",
                sha256.get(..12).unwrap_or(sha256)
            )));
        }
        Ok(text)
    }

    /// Install a protocol file, named `file_name` in errors and in the list: checked
    /// whole first (every problem as `file:line: field: message`), then kept whole
    /// with its hash and audited, in one transaction. It becomes the version new
    /// cases of its id are opened under; cases already open keep theirs. The same
    /// text twice, or another text under a version already installed, is refused.
    /// A refused install changes nothing.
    pub async fn install_protocol(
        &self,
        file_name: &str,
        text: &str,
        now: NaiveDateTime,
    ) -> Result<InstalledProtocol, StoreError> {
        self.install_protocol_replacing(file_name, text, false, now)
            .await
    }

    /// [`Store::install_protocol`], where a file whose id Escalate ships (with another
    /// text) is installed only with `replace_shipped`: it then becomes the version new
    /// cases of that id use, and the shipped version stays installed, so
    /// [`Store::make_protocol_current`] can make it current again.
    pub async fn install_protocol_replacing(
        &self,
        file_name: &str,
        text: &str,
        replace_shipped: bool,
        now: NaiveDateTime,
    ) -> Result<InstalledProtocol, StoreError> {
        in_calendar("now", now)?;
        let p = check_install(text, file_name)?;
        let sha = sha256_hex(text);
        // Refused before the write lock is taken, so a refusal writes nothing at all.
        refuse_duplicate(&mut *self.pool().acquire().await?, &p, &sha).await?;
        if is_shipped_id(&p.id) && !replace_shipped {
            return Err(StoreError::Refused {
                code: ErrorCode::ProtocolShipped,
                field: Some("replace_shipped"),
                message: format!(
                    "'{id}' is a protocol Escalate ships, and this file gives it another text ('{name}', version {version}): installing it makes it the version new '{id}' cases use instead of the shipped one. The shipped version stays installed, and `escalate protocol current {id} VERSION` makes it current again. If that is what you mean, install with --replace-shipped",
                    id = p.id,
                    name = p.name,
                    version = p.version,
                ),
            });
        }
        let mut tx = self.begin().await?;
        let installed = self
            .install_checked(&mut tx, &p, &sha, file_name, text, now)
            .await?;
        tx.commit().await?;
        // Parsed once, above: kept as checked rather than read again.
        remember(&installed.sha256, p);
        Ok(installed)
    }

    /// Install a checked protocol file inside the caller's transaction: refused (and
    /// the caller's transaction with it) when the text or its version is installed
    /// already; it becomes the version new cases of its id use; logged with its text.
    pub(super) async fn install_checked(
        &self,
        conn: &mut SqliteConnection,
        p: &Protocol,
        sha: &str,
        file_name: &str,
        text: &str,
        now: NaiveDateTime,
    ) -> Result<InstalledProtocol, StoreError> {
        refuse_duplicate(&mut *conn, p, sha).await?;
        sqlx::query("UPDATE protocols SET current = 0 WHERE protocol_id = ?")
            .bind(&p.id)
            .execute(&mut *conn)
            .await?;
        insert(conn, p, sha, text, false, file_name, &ts(now), true).await?;
        self.log(
            conn,
            now,
            AuditAction::ProtocolInstall,
            ("protocol", &p.id),
            None,
            // The text too: the log alone rebuilds the registry.
            Some(json(&serde_json::json!({
                "protocol": p.id, "version": p.version, "sha256": sha,
                "file": file_name, "shipped": false, "current": true, "text": text,
            }))?),
        )
        .await?;
        Ok(InstalledProtocol {
            id: p.id.clone(),
            name: p.name.clone(),
            version: p.version.clone(),
            sha256: sha.to_owned(),
            shipped: false,
            current: true,
            file_name: file_name.to_owned(),
            installed_at: now,
            cases: 0,
        })
    }

    /// Remove every installed version of protocol `id`: refused for a protocol Escalate
    /// ships, while any case uses it, and while it is the profile's protocol for new
    /// cases. Audited with the versions removed. Gives them.
    pub async fn remove_protocol(
        &self,
        id: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<InstalledProtocol>, StoreError> {
        in_calendar("now", now)?;
        let id = id.trim();
        if is_shipped_id(id) {
            return Err(StoreError::Refused {
                code: ErrorCode::ProtocolShipped,
                field: Some("protocol"),
                message: format!(
                    "'{id}' ships with Escalate: it cannot be removed (install a newer version of it instead)"
                ),
            });
        }
        let mut tx = self.begin().await?;
        let rows: Vec<Row> = sqlx::query_as(&format!("{ROW} WHERE protocol_id = ? ORDER BY id"))
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            return Err(not_installed(id, &installed_ids(&mut tx).await?));
        }
        let used: Vec<String> = sqlx::query_scalar(
            "SELECT reference FROM cases WHERE protocol_id = ? ORDER BY id LIMIT 4",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        if !used.is_empty() {
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE protocol_id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let more = if count > 3 { ", …" } else { "" };
            return Err(StoreError::Refused {
                code: ErrorCode::ProtocolInUse,
                field: Some("protocol"),
                message: format!(
                    "{count} case{} use{} '{id}' ({}{more}): a protocol stays installed while any case uses it",
                    if count == 1 { "" } else { "s" },
                    if count == 1 { "s" } else { "" },
                    used.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
                ),
            });
        }
        if self.profile.protocol_id == id {
            return Err(StoreError::Refused {
                code: ErrorCode::ProtocolInUse,
                field: Some("protocol"),
                message: format!(
                    "'{id}' is the profile's protocol for new cases: choose another in the profile first"
                ),
            });
        }
        let removed = rows
            .iter()
            .map(|r| r.installed(0))
            .collect::<Result<Vec<_>, _>>()?;
        sqlx::query("DELETE FROM protocols WHERE protocol_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let versions: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| serde_json::json!({"version": r.version, "sha256": r.sha256, "file": r.file_name}))
            .collect();
        self.log(
            &mut tx,
            now,
            AuditAction::ProtocolRemove,
            ("protocol", id),
            Some(json(
                &serde_json::json!({"protocol": id, "versions": versions}),
            )?),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(removed)
    }
}

/// The installed version of `id` a command names (by version or the start of its
/// SHA-256), refused naming `version` when there is none or more than one.
async fn version_row(
    conn: &mut SqliteConnection,
    id: &str,
    version: &str,
) -> Result<Row, StoreError> {
    let (pin, _) = find_version(conn, id, version)
        .await
        .map_err(|e| e.renamed("to", "version"))?;
    Ok(sqlx::query_as(&format!("{ROW} WHERE sha256 = ?"))
        .bind(&pin.sha256)
        .fetch_one(&mut *conn)
        .await?)
}

impl Store {
    /// Make an installed version of protocol `id` (by version or the start of its
    /// SHA-256) the one new cases of `id` are opened under; cases already open keep
    /// theirs. Logged (`protocol.current`), so the settings replay gives the same
    /// current version. Gives it.
    pub async fn make_protocol_current(
        &self,
        id: &str,
        version: &str,
        now: NaiveDateTime,
    ) -> Result<InstalledProtocol, StoreError> {
        in_calendar("now", now)?;
        let id = id.trim();
        let mut tx = self.begin().await?;
        let row = version_row(&mut tx, id, version).await?;
        if row.current {
            return Err(StoreError::invalid(
                "version",
                format!(
                    "version {} of '{id}' is already the one new cases use: nothing to change",
                    row.version
                ),
            ));
        }
        let before: Option<(String, String)> = sqlx::query_as(
            "SELECT version, sha256 FROM protocols WHERE protocol_id = ? AND current = 1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        // Two steps: one version of an id is current at any moment (a unique index),
        // and one UPDATE is checked row by row.
        sqlx::query("UPDATE protocols SET current = 0 WHERE protocol_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE protocols SET current = 1 WHERE sha256 = ?")
            .bind(&row.sha256)
            .execute(&mut *tx)
            .await?;
        let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE protocol_sha256 = ?")
            .bind(&row.sha256)
            .fetch_one(&mut *tx)
            .await?;
        self.log(
            &mut tx,
            now,
            AuditAction::ProtocolCurrent,
            ("protocol", id),
            before
                .map(|(version, sha256)| {
                    json(&serde_json::json!({"protocol": id, "version": version, "sha256": sha256}))
                })
                .transpose()?,
            Some(json(&serde_json::json!({
                "protocol": id, "version": row.version, "sha256": row.sha256,
            }))?),
        )
        .await?;
        tx.commit().await?;
        let mut made = row.installed(u64::try_from(cases).unwrap_or(0))?;
        made.current = true;
        Ok(made)
    }

    /// Remove one installed version of protocol `id` (by version or the start of its
    /// SHA-256): refused for a version Escalate ships, one any case uses, and the one
    /// new cases use while `id` is the profile's protocol (make another current
    /// first). Logged as `protocol.remove` listing only that version. Gives it.
    pub async fn remove_protocol_version(
        &self,
        id: &str,
        version: &str,
        now: NaiveDateTime,
    ) -> Result<InstalledProtocol, StoreError> {
        in_calendar("now", now)?;
        let id = id.trim();
        let mut tx = self.begin().await?;
        let row = version_row(&mut tx, id, version).await?;
        if row.shipped {
            return Err(StoreError::Refused {
                code: ErrorCode::ProtocolShipped,
                field: Some("version"),
                message: format!(
                    "version {} of '{id}' ships with Escalate: it stays installed, so it can always be made current again",
                    row.version
                ),
            });
        }
        let used: Vec<String> = sqlx::query_scalar(
            "SELECT reference FROM cases WHERE protocol_sha256 = ? ORDER BY id LIMIT 3",
        )
        .bind(&row.sha256)
        .fetch_all(&mut *tx)
        .await?;
        if !used.is_empty() {
            return Err(StoreError::Refused {
                code: ErrorCode::ProtocolInUse,
                field: Some("version"),
                message: format!(
                    "version {} of '{id}' is used by {}: a version stays installed while any case uses it (move them with `escalate case move-protocol` first)",
                    row.version,
                    used.join(", ")
                ),
            });
        }
        let others: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM protocols WHERE protocol_id = ? AND sha256 != ?",
        )
        .bind(id)
        .bind(&row.sha256)
        .fetch_one(&mut *tx)
        .await?;
        // The current version goes only with the protocol's last: otherwise the
        // protocol would be left with no version for new cases.
        if row.current && (self.profile.protocol_id == id || others > 0) {
            return Err(StoreError::Refused {
                code: ErrorCode::ProtocolInUse,
                field: Some("version"),
                message: format!(
                    "version {} is the one new '{id}' cases use, so it stays while '{id}' is the profile's protocol or has other versions: make another version current first with `escalate protocol current {id} VERSION`",
                    row.version
                ),
            });
        }
        let removed = row.installed(0)?;
        sqlx::query("DELETE FROM protocols WHERE sha256 = ?")
            .bind(&row.sha256)
            .execute(&mut *tx)
            .await?;
        self.log(
            &mut tx,
            now,
            AuditAction::ProtocolRemove,
            ("protocol", id),
            Some(json(&serde_json::json!({
                "protocol": id,
                "versions": [{"version": row.version, "sha256": row.sha256, "file": row.file_name}],
            }))?),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(removed)
    }
}

/// The same text installed already, or another text under an installed version.
async fn refuse_duplicate(
    conn: &mut SqliteConnection,
    p: &Protocol,
    sha: &str,
) -> Result<(), StoreError> {
    let same: Option<(String, String)> =
        sqlx::query_as("SELECT protocol_id, version FROM protocols WHERE sha256 = ?")
            .bind(sha)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((id, version)) = same {
        return Err(StoreError::Refused {
            code: ErrorCode::ProtocolVersionExists,
            field: Some("file"),
            message: format!("this file is already installed, as version {version} of '{id}'"),
        });
    }
    let version: Option<String> =
        sqlx::query_scalar("SELECT sha256 FROM protocols WHERE protocol_id = ? AND version = ?")
            .bind(&p.id)
            .bind(&p.version)
            .fetch_optional(&mut *conn)
            .await?;
    if version.is_some() {
        return Err(StoreError::Refused {
            code: ErrorCode::ProtocolVersionExists,
            field: Some("file"),
            message: format!(
                "version {} of '{}' is already installed with a different text: give the revised file a new `version`",
                p.version, p.id
            ),
        });
    }
    // A version that reads like an installed one (another space, case or an invisible
    // mark) would be told apart by no one: the Board would take one for the other.
    let versions: Vec<String> =
        sqlx::query_scalar("SELECT version FROM protocols WHERE protocol_id = ?")
            .bind(&p.id)
            .fetch_all(&mut *conn)
            .await?;
    let folded = escalate_core::protocol::version_folded(&p.version);
    if let Some(like) = versions
        .iter()
        .find(|v| escalate_core::protocol::version_folded(v) == folded)
    {
        return Err(StoreError::Refused {
            code: ErrorCode::ProtocolVersionExists,
            field: Some("version"),
            message: format!(
                "'{}' looks the same as the installed version '{}' of '{}': give the revised file a version that reads differently",
                p.version.escape_default(),
                like.escape_default(),
                p.id
            ),
        });
    }
    Ok(())
}

/// An installed version of `id`, by version or hash prefix.
pub(crate) async fn find_version(
    conn: &mut SqliteConnection,
    id: &str,
    version: &str,
) -> Result<(ProtocolPin, Arc<Protocol>), StoreError> {
    let wanted = version.trim();
    let rows: Vec<Row> = sqlx::query_as(&format!("{ROW} WHERE protocol_id = ? ORDER BY id"))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let by_hash = wanted.len() >= 8 && wanted.bytes().all(|b| b.is_ascii_hexdigit());
    let found: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            r.version == wanted || (by_hash && r.sha256.starts_with(&wanted.to_ascii_lowercase()))
        })
        .collect();
    let listed = || {
        rows.iter()
            .map(|r| {
                format!(
                    "{} ({})",
                    r.version,
                    r.sha256.get(..12).unwrap_or(&r.sha256)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match found.as_slice() {
        [one] => Ok((one.pin(), one.protocol()?)),
        [] if rows.is_empty() => Err(not_installed(id, &installed_ids(conn).await?)),
        [] => Err(StoreError::invalid(
            "to",
            format!(
                "protocol '{id}' has no installed version '{wanted}': the installed versions are {}",
                listed()
            ),
        )),
        _ => Err(StoreError::invalid(
            "to",
            format!(
                "more than one installed version of '{id}' is called '{wanted}': give the start of its SHA-256 instead, one of {}",
                listed()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(n: usize) -> (String, Protocol) {
        let text = builtin_texts()
            .next()
            .map(|(_, t)| t.to_owned())
            .unwrap_or_default();
        let line = text
            .lines()
            .find(|l| l.starts_with("version = "))
            .unwrap_or_default()
            .to_owned();
        let text = text.replacen(&line, &format!("version = \"Revision {n}\""), 1);
        let p = Protocol::from_toml(&text, "test").unwrap_or_else(|e| panic!("{e}"));
        (sha256_hex(&text), p)
    }

    #[test]
    fn the_cache_lets_the_least_recently_used_go_but_never_one_still_held() {
        let mut kept = Kept::default();
        let (first_sha, first) = version(0);
        let held = kept.insert(&first_sha, first);
        let (second_sha, second) = version(1);
        drop(kept.insert(&second_sha, second));
        for n in 2..3 * KEPT_MAX {
            let (sha, p) = version(n);
            drop(kept.insert(&sha, p));
        }
        assert_eq!(kept.recent.len(), KEPT_MAX);
        // Fallen out of the recent ones, and held by no one: gone, to be parsed again.
        assert!(kept.get(&second_sha).is_none());
        // Fallen out too, but still held by a reader: the same one, not a second parse.
        let again = kept.get(&first_sha).unwrap_or_else(|| panic!("held"));
        assert!(Arc::ptr_eq(&held, &again));
        // Dead entries are swept, so the map does not grow with every text ever read.
        assert!(kept.live.len() <= 2 * KEPT_MAX, "{}", kept.live.len());
    }
}
