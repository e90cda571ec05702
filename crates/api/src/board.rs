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
use escalate_report::export::{Key, Monitoring};
use escalate_store::{ImportOutcome, ImportedPackage, Store, StoreError};
use serde::Serialize;

pub use escalate_report::board::{BoardFigures, BoardProtocols, CaseLine, Dimension, Selection};

use crate::export::read_bounded;
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

/// Read, decrypt and check one package file, without the store: its metadata first
/// (only a regular file up to the package limit), then its bytes through a bound, then
/// escalate-report's check. `Err` is why it is refused, in words that name the part at
/// fault and never carry the package's data.
pub fn check_file(path: &Path, key: Key<'_>, now: NaiveDateTime) -> Result<BoardPackage, String> {
    let bytes = read_bounded(path).map_err(|e| e.to_string())?;
    escalate_report::board::check_package(&path.display().to_string(), &bytes, key, now)
        .map_err(|e| e.to_string())
}

/// `check_file` for each of `paths` in turn, each with the name it is reported under.
/// One at a time, so no more than one package is held unchecked.
pub fn check_files<'a>(
    paths: &'a [PathBuf],
    key: Key<'a>,
    now: NaiveDateTime,
) -> impl Iterator<Item = (String, Result<BoardPackage, String>)> + 'a {
    paths
        .iter()
        .map(move |p| (p.display().to_string(), check_file(p, key, now)))
}

/// Keep checked packages: one store transaction for them all, an audit entry for each.
/// Gives what happened to each, in order.
pub async fn import(
    store: &Store,
    packages: &[BoardPackage],
    now: NaiveDateTime,
) -> ApiResult<Vec<ImportOutcome>> {
    Ok(store.board_import(packages, now).await?)
}

/// What happened to one file in an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileResult {
    pub file: String,
    /// `None` when the file was refused.
    pub outcome: Option<ImportOutcome>,
    /// Why it was refused.
    pub refused: Option<String>,
}

/// An import's tally: each file's result in the order given, and the count of each
/// outcome. `new + replaced + duplicate + older + refused` is the number of files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportSummary {
    pub files: Vec<FileResult>,
    pub new: usize,
    pub replaced: usize,
    pub duplicate: usize,
    pub older: usize,
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
    batch: Vec<(usize, BoardPackage)>,
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
    pub fn add(&mut self, file: String, checked: Result<BoardPackage, String>) {
        let index = self.files.len();
        let refused = match checked {
            Ok(package) => {
                self.bytes += package.pdf.len()
                    + package.monitoring.len()
                    + package.protocol.as_ref().map_or(0, |p| p.text.len());
                self.batch.push((index, package));
                None
            }
            Err(why) => Some(why),
        };
        self.files.push(FileResult {
            file,
            outcome: None,
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
        self.batch.len()
    }

    /// The batch holds `packages` packages, or `BATCH_BYTES`.
    pub fn is_full(&self, packages: usize) -> bool {
        self.batch.len() >= packages || self.bytes >= BATCH_BYTES
    }

    /// Keep the waiting packages in one store transaction.
    pub async fn write(&mut self, store: &Store, now: NaiveDateTime) -> ApiResult<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let (indices, packages): (Vec<usize>, Vec<BoardPackage>) = self.batch.drain(..).unzip();
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
    ) -> impl Future<Output = ApiResult<Result<BoardPackage, String>>> + Send;

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
    progress: F,
}

impl<F: FnMut(usize, usize)> ImportHost for Alone<'_, F> {
    fn check(
        &self,
        path: PathBuf,
        now: NaiveDateTime,
    ) -> impl Future<Output = ApiResult<Result<BoardPackage, String>>> + Send {
        let checked = check_file(&path, self.key, now);
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
/// at [`Pace::ALONE`]). `progress(done, total)` is called after each batch.
pub async fn import_files(
    store: &Store,
    paths: &[PathBuf],
    key: Key<'_>,
    now: NaiveDateTime,
    progress: impl FnMut(usize, usize),
) -> ApiResult<ImportSummary> {
    let mut host = Alone {
        store,
        key,
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
    Ok(escalate_report::board::figures(
        &selection.apply(records),
        &protocols,
        selection.from,
        selection.to,
        now,
    ))
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
