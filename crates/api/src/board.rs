//! The Board administrator's use cases: import agencies' packages (read through bounds,
//! decrypt and check without the store, then keep the checked ones, one transaction a
//! batch), the monitoring figures for a period, the cases behind any number, the report
//! as PDF or CSV, and the imported packages listed or removed.
//!
//! The CLI and the app read, check and count an import here, and check a period here,
//! so the two cannot differ.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use escalate_core::model::BoardPackage;
use escalate_core::ErrorCode;
use escalate_report::board::CheckedPackage;
use escalate_report::export::{Key, Monitoring};
use escalate_store::{
    DirectoryEntry, HeldPackage, HeldReason, HeldSummary, HoldOutcome, ImportOutcome,
    ImportedPackage, PackageSigner, Store, StoreError,
};
use escalate_trust::{PublicKey, SignedManifest};
use serde::Serialize;
use zeroize::Zeroizing;

pub use escalate_report::board::{BoardFigures, BoardProtocols, CaseLine, Dimension, Selection};

use crate::export::{read_bounded, Opener};
use crate::{ApiError, ApiResult};

/// The one period check: a period may not end before it starts. Refused naming `to`.
pub fn period(from: NaiveDate, to: NaiveDate) -> ApiResult<()> {
    if to < from {
        return Err(ApiError::field(
            "to",
            "the period ends before it starts: choose an end on or after the start",
        ));
    }
    Ok(())
}

/// The package files `paths` name: each file as given, and the files in each folder
/// (not its sub-folders), in name order.
pub fn package_files(paths: &[PathBuf]) -> ApiResult<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| ApiError::io(p, &e))?
                .flatten()
                .map(|e| e.path())
                .filter(|f| f.is_file())
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

/// What the Board trusts when it imports: the agencies' keys in its directory, the age
/// recipients its keys open (its store's own, and any identity file given), and the
/// protocol versions it has installed (an `escalate-monitoring/1` record carries none:
/// its stages are checked against these).
#[derive(Clone, Default)]
pub struct BoardTrust {
    pub directory: Vec<DirectoryEntry>,
    pub recipients: Vec<String>,
    pub protocols: Vec<std::sync::Arc<escalate_core::Protocol>>,
    /// The store's own identity, tried first where the packages' passphrase was given:
    /// a package sealed to the Board's key opens without the scrypt work.
    own: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for BoardTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoardTrust")
            .field("directory", &self.directory.len())
            .field("recipients", &self.recipients)
            .field("protocols", &self.protocols.len())
            .finish_non_exhaustive()
    }
}

/// A checked package, sorted by what the Board can verify of it.
#[derive(Debug)]
pub enum Sorted {
    /// Signed by a key in the directory, naming that key's agency, every hash as
    /// signed, this Board among its recipients: kept and counted, with who signed it
    /// (the manifest and signature as received, to check again).
    Verified {
        package: Box<BoardPackage>,
        signer: PackageSigner,
    },
    /// From a signer the directory does not hold, or unsigned (an earlier release):
    /// kept apart, never counted, until the administrator accepts it.
    Held(Box<HeldPackage>),
}

/// The key that opens the packages, and what the Board trusts: the store's own age
/// identity, with the identity file or passphrase the administrator gave, if any.
pub async fn opener_for(store: &Store, extra: Option<Opener>) -> ApiResult<(Opener, BoardTrust)> {
    let own = store.age_identity().await?;
    let mut recipients = vec![escalate_trust::recipient_of(&own)
        .map_err(|e| ApiError::new(ErrorCode::IdentityAltered, format!("this store's {e}")))?];
    let mut own_too = None;
    let opener = match extra {
        Some(Opener::Passphrase(p)) => {
            own_too = Some(own.clone());
            Opener::Passphrase(p)
        }
        Some(Opener::Identity(text)) => {
            for line in text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                if let Ok(r) = escalate_trust::recipient_of(line) {
                    recipients.push(r);
                }
            }
            Opener::Identity(Zeroizing::new(format!(
                "{}\n{}",
                own.as_str(),
                text.as_str()
            )))
        }
        None => Opener::Identity(own),
    };
    Ok((
        opener,
        BoardTrust {
            directory: store.directory().await?,
            recipients,
            protocols: store.protocols().await?,
            own: own_too,
        },
    ))
}

/// Read, decrypt and check one package file, without the store: its metadata first
/// (only a regular file up to the package limit), then its bytes through a bound, then
/// escalate-report's check, then [`judge`]. `Err` is why it is refused, in words that
/// name the part at fault and never carry the package's data.
pub fn check_file(
    path: &Path,
    key: Key<'_>,
    trust: &BoardTrust,
    now: NaiveDateTime,
) -> Result<Sorted, String> {
    let bytes = read_bounded(path).map_err(|e| e.to_string())?;
    let name = path.display().to_string();
    let check = |key| escalate_report::board::check_package(&name, &bytes, key, now);
    let (checked, by_passphrase) = match (key, trust.own.as_deref()) {
        // The Board's own key first: it costs nothing, where a passphrase costs a
        // key derivation; a package it cannot open is tried with the passphrase.
        (Key::Passphrase(_), Some(own)) => match check(Key::Identity(own)) {
            Ok(c) => (c, false),
            Err(_) => (check(key).map_err(|e| e.to_string())?, true),
        },
        (Key::Passphrase(_), None) => (check(key).map_err(|e| e.to_string())?, true),
        (Key::Identity(_), _) => (check(key).map_err(|e| e.to_string())?, false),
    };
    judge(checked, trust, by_passphrase)
}

/// Sort a checked package by what the Board can verify of it. Refused (with the
/// reason): not addressed to this Board, signed by a directory key but naming another
/// agency, or signed by a key revoked on or before the day it was signed. The checks
/// of the package itself (signature by the key it names, every hash, the record
/// against its protocol) were `check_package`'s.
pub fn judge(
    checked: CheckedPackage,
    trust: &BoardTrust,
    by_passphrase: bool,
) -> Result<Sorted, String> {
    let CheckedPackage { package, signed } = checked;
    let Some(signed) = signed else {
        return Ok(Sorted::Held(Box::new(HeldPackage {
            package,
            manifest: None,
            signature: None,
            signing_key: None,
            key_id: None,
            fingerprint: None,
            reason: HeldReason::Unsigned,
        })));
    };
    let m = &signed.manifest;
    // A passphrase package opens only with the passphrase: one that opened with a key
    // was re-sealed by someone who had opened it.
    if m.passphrase != by_passphrase {
        return Err("manifest: passphrase: the package was signed for one way of sealing and opened with the other: it was re-sealed".to_owned());
    }
    if !m.passphrase && !m.recipients.iter().any(|r| trust.recipients.contains(r)) {
        return Err("manifest: recipients: this Board is not among the recipients the package was signed for: it was sealed to someone else and re-sealed".to_owned());
    }
    if package.protocol.is_none() {
        stages_of_record(&package, &trust.protocols)?;
    }
    let key = signed.signer.base64();
    let Some(entry) = trust.directory.iter().find(|e| e.signing_key == key) else {
        return Ok(Sorted::Held(Box::new(HeldPackage {
            package,
            manifest: Some(signed.manifest_json.clone()),
            signature: Some(signed.signature.clone()),
            signing_key: Some(key.to_owned()),
            key_id: Some(signed.signer.key_id()),
            fingerprint: Some(signed.fingerprint.clone()),
            reason: HeldReason::UnknownSigner,
        })));
    };
    if entry.agency != m.sender.agency {
        return Err(format!(
            "manifest: sender.agency: it is signed with the key of an agency in the directory (key {}) but names another agency",
            entry.key_id
        ));
    }
    if let Some(from) = entry.revoked_from {
        if m.created_at.date() >= from {
            return Err(format!(
                "manifest: it is signed with key {}, which its agency's entry in the directory revokes from {from}",
                entry.key_id
            ));
        }
    }
    Ok(Sorted::Verified {
        package: Box::new(package),
        signer: PackageSigner {
            key_id: entry.key_id.clone(),
            manifest: signed.manifest_json,
            signature: signed.signature,
        },
    })
}

/// An `escalate-monitoring/1` record carries no protocol: its stages are checked
/// against the version of its protocol the Board has installed, where it has one.
fn stages_of_record(
    package: &BoardPackage,
    protocols: &[std::sync::Arc<escalate_core::Protocol>],
) -> Result<(), String> {
    let m: Monitoring = serde_json::from_str(&package.monitoring)
        .map_err(|_| "monitoring.json: it cannot be read again".to_owned())?;
    let Some(p) = protocols.iter().find(|p| p.id == m.protocol.id) else {
        return Ok(());
    };
    let has = |n: u8| {
        p.stage(n).is_some()
            || p.routes
                .iter()
                .any(|r| r.stages.iter().any(|s| s.number == n))
    };
    let mut numbers = vec![m.stage_reached];
    numbers.extend(m.stage_resolved);
    numbers.extend(m.stages.iter().map(|s| s.stage));
    if numbers.into_iter().all(has) {
        Ok(())
    } else {
        Err("monitoring.json: stage_reached, stage_resolved or stages names a stage the Board's installed protocol does not have".to_owned())
    }
}

/// Held packages signed by `signing_key` (just added to the directory), checked again
/// against it and counted where they now verify. Gives how many were counted.
pub async fn count_held_from(
    store: &Store,
    signing_key: &str,
    now: NaiveDateTime,
) -> ApiResult<usize> {
    let held = store.board_held().await?;
    let directory = store.directory().await?;
    let mut counted = 0;
    for h in held {
        let package = store.board_held_package(h.id).await?;
        if package.signing_key.as_deref() != Some(signing_key) {
            continue;
        }
        if verifies(&package, &directory).is_ok() {
            let outcome = store.board_accept(h.id, now).await?;
            if outcome != ImportOutcome::ProtocolConflict {
                counted += 1;
            }
        }
    }
    Ok(counted)
}

/// A held package's signature, checked again against the directory's key for it.
fn verifies(package: &HeldPackage, directory: &[DirectoryEntry]) -> Result<(), String> {
    let (Some(json), Some(sig), Some(key)) = (
        package.manifest.as_deref(),
        package.signature.as_deref(),
        package.signing_key.as_deref(),
    ) else {
        return Err("it is unsigned".to_owned());
    };
    let Some(entry) = directory.iter().find(|e| e.signing_key == key) else {
        return Err("its signer is not in the directory".to_owned());
    };
    let signed =
        SignedManifest::parse(json.as_bytes(), sig.as_bytes()).map_err(|e| e.to_string())?;
    let public = PublicKey::from_base64(&entry.signing_key).map_err(|e| e.to_string())?;
    let m = signed.verify(&public).map_err(|e| e.to_string())?;
    if m.sender.agency != entry.agency || m.sender.agency != package.package.source_agency {
        return Err("it names another agency than its key's".to_owned());
    }
    if entry
        .revoked_from
        .is_some_and(|from| m.created_at.date() >= from)
    {
        return Err("its key is revoked".to_owned());
    }
    Ok(())
}

/// Discard a held package (by its held id): it was never counted, so nothing counted
/// changes; the audit trail keeps what it claimed and who signed it.
pub async fn discard(store: &Store, id: i64, now: NaiveDateTime) -> ApiResult<HeldPackage> {
    Ok(store.board_held_remove(id, now).await?)
}

/// Packages held apart: from signers the directory does not hold, or unsigned.
pub async fn held(store: &Store) -> ApiResult<Vec<HeldSummary>> {
    Ok(store.board_held().await?)
}

/// Count a held package, once the administrator has checked it with its agency. A
/// package that names an agency the directory holds under another key is refused: it
/// is not from that agency, whoever accepts it.
pub async fn accept(store: &Store, id: i64, now: NaiveDateTime) -> ApiResult<ImportOutcome> {
    let package = store.board_held_package(id).await?;
    let directory = store.directory().await?;
    // A signer the directory now holds: the import's rules, as if it arrived today.
    if let Some(key) = package.signing_key.as_deref() {
        if directory.iter().any(|e| e.signing_key == key) {
            verifies(&package, &directory).map_err(|why| {
                ApiError::field("id", format!("held package {id} cannot be counted: {why}"))
            })?;
        }
    }
    let claimed = &package.package.source_agency;
    let known: Vec<&DirectoryEntry> = directory.iter().filter(|e| &e.agency == claimed).collect();
    if !known.is_empty()
        && !known
            .iter()
            .any(|e| Some(e.signing_key.as_str()) == package.signing_key.as_deref())
    {
        return Err(ApiError::field(
            "id",
            format!(
                "held package {id} names an agency the directory holds under another key: it was not signed by that agency, so it cannot be counted under its name. Discard it (`escalate board discard {id}`), or ask the agency to export again"
            ),
        ));
    }
    let outcome = store.board_accept(id, now).await?;
    if outcome == ImportOutcome::ProtocolConflict {
        return Err(ApiError::field("id", PROTOCOL_CONFLICT));
    }
    Ok(outcome)
}

/// Keep checked packages, each with who signed it: one store transaction for them all,
/// an audit entry for each. Gives what happened to each, in order.
pub async fn import(
    store: &Store,
    packages: &[(BoardPackage, Option<PackageSigner>)],
    now: NaiveDateTime,
) -> ApiResult<Vec<ImportOutcome>> {
    Ok(store.board_import(packages, now).await?)
}

/// What happened to one file in an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileResult {
    pub file: String,
    /// `None` when the file was refused or held.
    pub outcome: Option<ImportOutcome>,
    /// Why it was held apart rather than counted.
    pub held: Option<HeldReason>,
    /// Why it was refused.
    pub refused: Option<String>,
}

/// An import's tally: each file's result in the order given, and the count of each
/// outcome. `new + replaced + duplicate + older + held + refused` is the number of files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportSummary {
    pub files: Vec<FileResult>,
    pub new: usize,
    pub replaced: usize,
    pub duplicate: usize,
    pub older: usize,
    /// Held apart, not counted: from a signer the directory does not hold, or unsigned.
    pub held: usize,
    pub refused: usize,
}

impl ImportSummary {
    fn of(files: Vec<FileResult>) -> ImportSummary {
        let count = |o: ImportOutcome| files.iter().filter(|r| r.outcome == Some(o)).count();
        ImportSummary {
            new: count(ImportOutcome::New),
            replaced: count(ImportOutcome::Replaced),
            duplicate: count(ImportOutcome::Duplicate),
            older: count(ImportOutcome::Older),
            held: files.iter().filter(|r| r.held.is_some()).count(),
            refused: files.iter().filter(|r| r.refused.is_some()).count(),
            files,
        }
    }
}

/// Why a package whose protocol file rivals one the Board holds is refused. It names no
/// value from the package: the id and version are the sender's words.
const PROTOCOL_CONFLICT: &str = "protocol.toml: it is another text of a protocol version the Board already holds (protocol.id, protocol.version), and the Board keeps one text per version: ask the agency which text is theirs, and whoever wrote the protocol to give a changed text a new version";

/// A batch is written once it holds this many bytes of packages, whatever its count:
/// a batch of large (hostile) packages near the limit must not sit in memory.
pub const BATCH_BYTES: usize = 64 * 1024 * 1024;

/// How an import paces its store transactions: a batch is written once it holds
/// `packages` packages (or `BATCH_BYTES`), or once it has waited `age`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    pub packages: usize,
    pub age: Option<Duration>,
}

impl Pace {
    /// Nothing else waits for the store (the command line): large batches import
    /// quickly, and a crash loses at most one batch.
    pub const ALONE: Pace = Pace {
        packages: 500,
        age: None,
    };
    /// Other commands wait for the store between batches (the desktop app): small
    /// batches, so the store is held only briefly, and each written within a second, so
    /// a slow batch (passphrase packages each cost a key derivation) still shows progress.
    pub const SHARED: Pace = Pace {
        packages: 25,
        age: Some(Duration::from_secs(1)),
    };
}

/// An import under way: each file is added once checked; the checked packages wait in
/// a batch until `write` keeps them. [`run_import`] decides when to write, so every
/// front end counts the same way.
#[derive(Debug, Default)]
pub struct Import {
    files: Vec<FileResult>,
    batch: Vec<(usize, (BoardPackage, Option<PackageSigner>))>,
    held: Vec<(usize, HeldPackage)>,
    bytes: usize,
    total: usize,
}

impl Import {
    pub fn new(files: usize) -> Import {
        Import {
            files: Vec::with_capacity(files),
            total: files,
            ..Import::default()
        }
    }

    /// One file, as `check_file` found it.
    pub fn add(&mut self, file: String, checked: Result<Sorted, String>) {
        let index = self.files.len();
        let size = |p: &BoardPackage| {
            p.pdf.len() + p.monitoring.len() + p.protocol.as_ref().map_or(0, |p| p.text.len())
        };
        let refused = match checked {
            Ok(Sorted::Verified { package, signer }) => {
                self.bytes += size(&package) + signer.manifest.len();
                self.batch.push((index, (*package, Some(signer))));
                None
            }
            Ok(Sorted::Held(held)) => {
                self.bytes += size(&held.package);
                self.held.push((index, *held));
                None
            }
            Err(why) => Some(why),
        };
        self.files.push(FileResult {
            file,
            outcome: None,
            held: None,
            refused,
        });
    }

    /// Files added so far.
    pub fn done(&self) -> usize {
        self.files.len()
    }

    /// Files in the whole import.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Checked packages not yet written.
    pub fn waiting(&self) -> usize {
        self.batch.len() + self.held.len()
    }

    /// The batch holds `packages` packages, or `BATCH_BYTES`.
    pub fn is_full(&self, packages: usize) -> bool {
        self.waiting() >= packages || self.bytes >= BATCH_BYTES
    }

    /// Keep the waiting packages: the verified counted, the others held apart.
    pub async fn write(&mut self, store: &Store, now: NaiveDateTime) -> ApiResult<()> {
        if !self.held.is_empty() {
            let (indices, held): (Vec<usize>, Vec<HeldPackage>) = self.held.drain(..).unzip();
            let outcomes = store.board_hold(&held, now).await?;
            for ((i, outcome), h) in indices.into_iter().zip(outcomes).zip(&held) {
                if let Some(r) = self.files.get_mut(i) {
                    match outcome {
                        HoldOutcome::Held => r.held = Some(h.reason),
                        HoldOutcome::Duplicate => r.outcome = Some(ImportOutcome::Duplicate),
                    }
                }
            }
        }
        if self.batch.is_empty() {
            self.bytes = 0;
            return Ok(());
        }
        let (indices, packages): (Vec<usize>, Vec<_>) = self.batch.drain(..).unzip();
        self.bytes = 0;
        let outcomes = import(store, &packages, now).await?;
        for (i, outcome) in indices.into_iter().zip(outcomes) {
            if let Some(r) = self.files.get_mut(i) {
                if outcome == ImportOutcome::ProtocolConflict {
                    r.refused = Some(PROTOCOL_CONFLICT.to_owned());
                } else {
                    r.outcome = Some(outcome);
                }
            }
        }
        Ok(())
    }

    /// The tally, once every package has been written.
    pub fn summary(self) -> ImportSummary {
        ImportSummary::of(self.files)
    }
}

/// What a front end lends an import: how one file is checked, the store for one
/// batch's write, and where progress goes.
pub trait ImportHost {
    /// `check_file` for one file (the desktop app runs it off the threads that answer
    /// its other commands).
    fn check(
        &self,
        path: PathBuf,
        now: NaiveDateTime,
    ) -> impl Future<Output = ApiResult<Result<Sorted, String>>> + Send;

    /// Keep the waiting batch (`Import::write`), the store lent for this long only, so
    /// other commands get their turn between batches. A store no longer open stops the
    /// import; the batches written before it are kept.
    fn write(
        &self,
        import: &mut Import,
        now: NaiveDateTime,
    ) -> impl Future<Output = ApiResult<()>> + Send;

    /// `done` of `total` files are checked, and every checked one so far is written.
    fn progress(&mut self, done: usize, total: usize);
}

/// The one import loop, for both front ends: each file of `paths` checked in turn
/// (a file that fails is refused with its reason; the others still import), the
/// checked ones kept in batches at `pace`, one store transaction each, progress told
/// after each batch. Gives each file's result and the tally.
pub async fn run_import<H: ImportHost>(
    host: &mut H,
    paths: Vec<PathBuf>,
    pace: Pace,
    now: NaiveDateTime,
) -> ApiResult<ImportSummary> {
    let total = paths.len();
    let mut import = Import::new(total);
    let mut started = Instant::now();
    for (i, path) in paths.into_iter().enumerate() {
        let name = path.display().to_string();
        let checked = host.check(path, now).await?;
        let was_empty = import.waiting() == 0;
        import.add(name, checked);
        if was_empty && import.waiting() > 0 {
            started = Instant::now();
        }
        let old = pace
            .age
            .is_some_and(|age| import.waiting() > 0 && started.elapsed() >= age);
        if import.is_full(pace.packages) || old || i + 1 == total {
            if import.waiting() > 0 {
                host.write(&mut import, now).await?;
            }
            host.progress(i + 1, total);
        }
    }
    Ok(import.summary())
}

/// The command line's import: the store its own for the whole import.
struct Alone<'a, F> {
    store: &'a Store,
    key: Key<'a>,
    trust: &'a BoardTrust,
    progress: F,
}

impl<F: FnMut(usize, usize)> ImportHost for Alone<'_, F> {
    fn check(
        &self,
        path: PathBuf,
        now: NaiveDateTime,
    ) -> impl Future<Output = ApiResult<Result<Sorted, String>>> + Send {
        let checked = check_file(&path, self.key, self.trust, now);
        async move { Ok(checked) }
    }

    fn write(
        &self,
        import: &mut Import,
        now: NaiveDateTime,
    ) -> impl Future<Output = ApiResult<()>> + Send {
        let store = self.store;
        async move { import.write(store, now).await }
    }

    fn progress(&mut self, done: usize, total: usize) {
        (self.progress)(done, total);
    }
}

/// Import `paths` into the Board's store, which nothing else is using ([`run_import`]
/// at [`Pace::ALONE`]). The packages open with the store's own key, and with `extra`
/// (an identity file or the packages' passphrase) where given. `progress(done,
/// total)` is called after each batch.
pub async fn import_files(
    store: &Store,
    paths: &[PathBuf],
    extra: Option<Opener>,
    now: NaiveDateTime,
    progress: impl FnMut(usize, usize),
) -> ApiResult<ImportSummary> {
    let (opener, trust) = opener_for(store, extra).await?;
    let mut host = Alone {
        store,
        key: opener.key(),
        trust: &trust,
        progress,
    };
    run_import(&mut host, paths.to_vec(), Pace::ALONE, now).await
}

/// Every current imported record (the newest version of each case from each agency).
pub async fn records(store: &Store) -> ApiResult<Vec<Monitoring>> {
    store
        .board_current()
        .await?
        .iter()
        .map(|json| {
            serde_json::from_str(json).map_err(|e| {
                StoreError::Database(format!("an imported record is unreadable: {e}")).into()
            })
        })
        .collect()
}

/// The protocols the figures count timeliness under: the file each package carried
/// (checked when it was imported), and the versions installed in the Board's store for
/// packages that carried none (`escalate-monitoring/1`).
pub async fn protocols(store: &Store) -> ApiResult<BoardProtocols> {
    let mut out = BoardProtocols::new();
    for p in store.protocols().await? {
        out.add_installed(&p);
    }
    for (sha, text) in store.board_protocols().await? {
        // Checked on import; a text that no longer reads counts nothing, rather than
        // stopping the report.
        if let Ok(p) = escalate_core::Protocol::from_toml(&text, "protocol.toml") {
            out.add_carried(&sha, p);
        }
    }
    Ok(out)
}

/// The figures for the cases the selection covers, as of `now`.
pub async fn figures(
    store: &Store,
    selection: &Selection,
    now: NaiveDateTime,
) -> ApiResult<BoardFigures> {
    period(selection.from, selection.to)?;
    let records = records(store).await?;
    figures_of(store, &records, selection, now).await
}

/// The figures over `records` (every current record held): one computation for the
/// report and the administrator's screen.
async fn figures_of(
    store: &Store,
    records: &[Monitoring],
    selection: &Selection,
    now: NaiveDateTime,
) -> ApiResult<BoardFigures> {
    let protocols = protocols(store).await?;
    let mut f = escalate_report::board::figures(
        &selection.apply(records),
        &protocols,
        selection.from,
        selection.to,
        now,
    );
    f.held = store.board_held().await?.len();
    Ok(f)
}

/// The administrator's screen: the figures, and what the filters can choose from.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BoardView {
    pub figures: BoardFigures,
    /// Every agency and protocol in the imported records, for the filters.
    pub agencies: Vec<String>,
    pub protocols: Vec<String>,
    /// Current records held (all periods).
    pub records: usize,
}

pub async fn overview(
    store: &Store,
    selection: &Selection,
    now: NaiveDateTime,
) -> ApiResult<BoardView> {
    period(selection.from, selection.to)?;
    let records = records(store).await?;
    let (agencies, protocol_ids) = escalate_report::board::choices(&records);
    Ok(BoardView {
        figures: figures_of(store, &records, selection, now).await?,
        agencies,
        protocols: protocol_ids,
        records: records.len(),
    })
}

/// The cases behind the number the figures show for `key` in the `dimension` table.
pub async fn cases_behind(
    store: &Store,
    selection: &Selection,
    dimension: Dimension,
    key: &str,
) -> ApiResult<Vec<CaseLine>> {
    period(selection.from, selection.to)?;
    let records = records(store).await?;
    Ok(escalate_report::board::behind(
        &records, selection, dimension, key,
    ))
}

/// The monitoring report as PDF, headed with the Board store's agency (the partnership).
pub fn report_pdf(store: &Store, figures: &BoardFigures, now: NaiveDateTime) -> ApiResult<Vec<u8>> {
    let partnership = &store.profile().agency;
    Ok(escalate_report::board::pdf(
        figures,
        partnership,
        partnership,
        now,
    )?)
}

/// The figures as CSV, with cells a spreadsheet would run as a formula neutralised.
pub fn report_csv(figures: &BoardFigures) -> String {
    escalate_report::board::csv(figures)
}

/// Every imported package, by agency, reference and export time.
pub async fn packages(store: &Store) -> ApiResult<Vec<ImportedPackage>> {
    Ok(store.board_packages().await?)
}

/// Remove an imported package (by its id): if it was the current version of its case,
/// the newest left becomes current; the audit trail keeps what was removed.
pub async fn remove(store: &Store, id: i64, now: NaiveDateTime) -> ApiResult<ImportedPackage> {
    Ok(store.board_remove(id, now).await?)
}
