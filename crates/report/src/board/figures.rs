//! The partnership's monitoring figures, from the `monitoring.json` records Board
//! administrators import: counts by agency, sector, category, protocol and stage
//! resolved, time to resolution in working days, timeliness of stages, open cases past
//! their protocol's whole timescale, effectiveness comments and a quarterly trend.
//!
//! A case belongs to a period when it was opened in it (`from` and `to` inclusive).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use escalate_core::{builtin_protocol, plan, Calendar, CalendarId, PlanDue, StateKind};
use serde::Serialize;

use crate::export::Monitoring;

/// Median, 90th percentile and longest of a set of working-day counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Spread {
    pub cases: usize,
    pub median: Option<f64>,
    pub p90: Option<u32>,
    pub longest: Option<u32>,
}

fn spread(mut v: Vec<u32>) -> Spread {
    v.sort_unstable();
    let n = v.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(f64::from(v[n / 2])),
        _ => Some((f64::from(v[n / 2 - 1]) + f64::from(v[n / 2])) / 2.0),
    };
    // Nearest-rank 90th percentile: the smallest value with at least 90% at or below it.
    let p90 = (n > 0).then(|| v[((n * 9).div_ceil(10)).max(1) - 1]);
    Spread {
        cases: n,
        median,
        p90,
        longest: v.last().copied(),
    }
}

/// A case resolved at Stage 5 or 6, listed one by one as Western Bay asks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LateCase {
    pub reference: String,
    pub raising_agency: String,
    pub receiving_agency: String,
    pub protocol: String,
    pub stage_resolved: u8,
    pub working_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Quarter {
    /// e.g. "2026-Q4".
    pub quarter: String,
    pub opened: usize,
    pub resolved: usize,
    pub median_working_days: Option<f64>,
}

/// An open case older than its protocol's whole timescale.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Overdue {
    pub reference: String,
    pub raising_agency: String,
    pub protocol: String,
    pub opened_at: NaiveDateTime,
    /// When the last stage was due had every stage run to its limit.
    pub all_stages_due: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Comment {
    pub reference: String,
    pub agency: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BoardFigures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: usize,
    pub resolved: usize,
    pub by_raising_agency: BTreeMap<String, usize>,
    pub by_raising_sector: BTreeMap<String, usize>,
    pub by_receiving_agency: BTreeMap<String, usize>,
    pub by_category: BTreeMap<String, usize>,
    pub by_protocol: BTreeMap<String, usize>,
    /// Stage number (as text) to the number of cases resolved there; "unresolved" for the rest.
    pub by_stage_resolved: BTreeMap<String, usize>,
    pub resolved_at_stage_5_or_6: Vec<LateCase>,
    pub median_working_days: Option<f64>,
    pub time_to_resolution: Spread,
    /// Stage resolved at (as text) to the spread of working days.
    pub time_to_resolution_by_stage: BTreeMap<String, Spread>,
    pub stages_with_timescale: usize,
    pub stages_within_timescale: usize,
    /// `stages_within_timescale / stages_with_timescale`, when there are any.
    pub share_within_timescale: Option<f64>,
    pub open_past_whole_timescale: Vec<Overdue>,
    pub effectiveness: Vec<Comment>,
    pub by_quarter: Vec<Quarter>,
}

/// A way of counting cases: each figure table is one, and the app lists the cases
/// behind any of its numbers by the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Dimension {
    RaisingAgency,
    RaisingSector,
    ReceivingAgency,
    Category,
    Protocol,
    /// Stage number as text, or "unresolved".
    StageResolved,
    /// "2026-Q4", by the quarter the case was opened in.
    Quarter,
    /// Every case in the period.
    All,
}

impl Dimension {
    pub const ALL: [Dimension; 8] = [
        Dimension::RaisingAgency,
        Dimension::RaisingSector,
        Dimension::ReceivingAgency,
        Dimension::Category,
        Dimension::Protocol,
        Dimension::StageResolved,
        Dimension::Quarter,
        Dimension::All,
    ];
}

/// The key a record counts under for `dim`, exactly as `figures` counts it.
pub fn bucket(m: &Monitoring, dim: Dimension) -> String {
    match dim {
        Dimension::RaisingAgency => m.raising.agency.clone(),
        Dimension::RaisingSector => m
            .raising
            .sector
            .clone()
            .unwrap_or_else(|| "unknown".to_owned()),
        Dimension::ReceivingAgency => m.receiving.agency.clone(),
        Dimension::Category => m.category.clone(),
        Dimension::Protocol => m.protocol.id.clone(),
        Dimension::StageResolved => match m.stage_resolved {
            Some(stage) if m.status == "resolved" => stage.to_string(),
            _ => "unresolved".to_owned(),
        },
        Dimension::Quarter => format!("{}-Q{}", m.opened_at.year(), m.opened_at.month0() / 3 + 1),
        Dimension::All => String::new(),
    }
}

/// Which records a figure covers: opened in the period, and (when given) raised or
/// received by one agency, under one protocol.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Selection {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub agency: Option<String>,
    pub protocol: Option<String>,
}

impl Selection {
    pub fn covers(&self, m: &Monitoring) -> bool {
        let d = m.opened_at.date();
        d >= self.from
            && d <= self.to
            && self
                .agency
                .as_deref()
                .is_none_or(|a| m.raising.agency == a || m.receiving.agency == a)
            && self.protocol.as_deref().is_none_or(|p| m.protocol.id == p)
    }

    /// The records the selection covers.
    pub fn apply(&self, records: &[Monitoring]) -> Vec<Monitoring> {
        records.iter().filter(|m| self.covers(m)).cloned().collect()
    }
}

/// One case behind a number.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseLine {
    pub reference: String,
    pub raising_agency: String,
    pub receiving_agency: String,
    pub protocol: String,
    pub category: String,
    pub opened_at: NaiveDateTime,
    pub status: StateKind,
    pub stage_reached: u8,
    pub stage_resolved: Option<u8>,
    pub working_days: Option<u32>,
}

/// The cases behind the number `figures` shows for `key` under `dim`.
pub fn behind(records: &[Monitoring], sel: &Selection, dim: Dimension, key: &str) -> Vec<CaseLine> {
    let mut out: Vec<CaseLine> = records
        .iter()
        .filter(|m| sel.covers(m) && (dim == Dimension::All || bucket(m, dim) == key))
        .map(|m| CaseLine {
            reference: m.reference.clone(),
            raising_agency: m.raising.agency.clone(),
            receiving_agency: m.receiving.agency.clone(),
            protocol: m.protocol.id.clone(),
            category: m.category.clone(),
            opened_at: m.opened_at,
            status: m.status,
            stage_reached: m.stage_reached,
            stage_resolved: m.stage_resolved,
            working_days: m.working_days,
        })
        .collect();
    out.sort_by(|a, b| {
        a.opened_at
            .cmp(&b.opened_at)
            .then_with(|| a.reference.cmp(&b.reference))
    });
    out
}

/// The agencies and protocols in the records, for the filters.
pub fn choices(records: &[Monitoring]) -> (Vec<String>, Vec<String>) {
    let mut agencies = std::collections::BTreeSet::new();
    let mut protocols = std::collections::BTreeSet::new();
    for m in records {
        agencies.insert(m.raising.agency.clone());
        agencies.insert(m.receiving.agency.clone());
        protocols.insert(m.protocol.id.clone());
    }
    (
        agencies.into_iter().collect(),
        protocols.into_iter().collect(),
    )
}

fn bump(map: &mut BTreeMap<String, usize>, key: &str) {
    *map.entry(key.to_owned()).or_default() += 1;
}

/// When the last stage of `m`'s protocol falls due if every stage runs to its limit, or
/// `None` when some stage has no limit.
fn whole_timescale(
    m: &Monitoring,
    calendars: &mut BTreeMap<CalendarId, Calendar>,
) -> Option<NaiveDate> {
    let p = builtin_protocol(&m.protocol.id).ok().flatten()?;
    let cal = calendars
        .entry(p.calendar)
        .or_insert_with(|| Calendar::new(p.calendar));
    let stages = plan(p, cal, m.opened_at).ok()?;
    let mut last = None;
    for s in stages {
        match s.due {
            PlanDue::Date(d) => last = Some(d),
            PlanDue::At(t) => last = Some(t.date()),
            _ => return None,
        }
    }
    last
}

/// The figures for cases opened from `from` to `to`, as of `now`.
pub fn figures(
    records: &[Monitoring],
    from: NaiveDate,
    to: NaiveDate,
    now: NaiveDateTime,
) -> BoardFigures {
    let cases: Vec<&Monitoring> = records
        .iter()
        .filter(|m| m.opened_at.date() >= from && m.opened_at.date() <= to)
        .collect();
    let mut f = BoardFigures {
        from,
        to,
        total: cases.len(),
        resolved: 0,
        by_raising_agency: BTreeMap::new(),
        by_raising_sector: BTreeMap::new(),
        by_receiving_agency: BTreeMap::new(),
        by_category: BTreeMap::new(),
        by_protocol: BTreeMap::new(),
        by_stage_resolved: BTreeMap::new(),
        resolved_at_stage_5_or_6: Vec::new(),
        median_working_days: None,
        time_to_resolution: spread(Vec::new()),
        time_to_resolution_by_stage: BTreeMap::new(),
        stages_with_timescale: 0,
        stages_within_timescale: 0,
        share_within_timescale: None,
        open_past_whole_timescale: Vec::new(),
        effectiveness: Vec::new(),
        by_quarter: Vec::new(),
    };
    let mut all_days = Vec::new();
    let mut by_stage: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut quarters: BTreeMap<String, (usize, usize, Vec<u32>)> = BTreeMap::new();
    let mut calendars = BTreeMap::new();
    for m in &cases {
        bump(
            &mut f.by_raising_agency,
            &bucket(m, Dimension::RaisingAgency),
        );
        bump(
            &mut f.by_raising_sector,
            &bucket(m, Dimension::RaisingSector),
        );
        bump(
            &mut f.by_receiving_agency,
            &bucket(m, Dimension::ReceivingAgency),
        );
        bump(&mut f.by_category, &bucket(m, Dimension::Category));
        bump(&mut f.by_protocol, &bucket(m, Dimension::Protocol));
        let q = bucket(m, Dimension::Quarter);
        let entry = quarters.entry(q).or_default();
        entry.0 += 1;
        match m.stage_resolved {
            Some(stage) if m.status == "resolved" => {
                f.resolved += 1;
                entry.1 += 1;
                bump(&mut f.by_stage_resolved, &stage.to_string());
                if let Some(d) = m.working_days {
                    all_days.push(d);
                    by_stage.entry(stage.to_string()).or_default().push(d);
                    entry.2.push(d);
                }
                if stage >= 5 {
                    f.resolved_at_stage_5_or_6.push(LateCase {
                        reference: m.reference.clone(),
                        raising_agency: m.raising.agency.clone(),
                        receiving_agency: m.receiving.agency.clone(),
                        protocol: m.protocol.id.clone(),
                        stage_resolved: stage,
                        working_days: m.working_days,
                    });
                }
            }
            _ => bump(&mut f.by_stage_resolved, "unresolved"),
        }
        for s in &m.stages {
            if let Some(within) = s.within_timescale {
                f.stages_with_timescale += 1;
                f.stages_within_timescale += usize::from(within);
            }
        }
        if m.status == "open" {
            if let Some(due) = whole_timescale(m, &mut calendars) {
                if now.date() > due {
                    f.open_past_whole_timescale.push(Overdue {
                        reference: m.reference.clone(),
                        raising_agency: m.raising.agency.clone(),
                        protocol: m.protocol.id.clone(),
                        opened_at: m.opened_at,
                        all_stages_due: due,
                    });
                }
            }
        }
        if !m.effectiveness.is_empty() {
            f.effectiveness.push(Comment {
                reference: m.reference.clone(),
                agency: m.exported_by.agency.clone(),
                text: m.effectiveness.clone(),
            });
        }
    }
    f.time_to_resolution = spread(all_days);
    f.median_working_days = f.time_to_resolution.median;
    f.time_to_resolution_by_stage = by_stage.into_iter().map(|(k, v)| (k, spread(v))).collect();
    f.share_within_timescale = (f.stages_with_timescale > 0)
        .then(|| f.stages_within_timescale as f64 / f.stages_with_timescale as f64);
    f.by_quarter = quarters
        .into_iter()
        .map(|(quarter, (opened, resolved, days))| Quarter {
            quarter,
            opened,
            resolved,
            median_working_days: spread(days).median,
        })
        .collect();
    f.resolved_at_stage_5_or_6
        .sort_by(|a, b| a.reference.cmp(&b.reference));
    f
}

/// The figures as CSV: one section per table, each with its own header.
pub fn csv(f: &BoardFigures) -> String {
    let mut out = String::new();
    // Keys come from agencies' packages: quoted, and neutralised where a spreadsheet
    // would run them as a formula.
    let field = crate::export::csv_cell;
    let mut table = |title: &str, map: &BTreeMap<String, usize>| {
        out.push_str(&format!("{title},cases\r\n"));
        for (k, v) in map {
            out.push_str(&format!("{},{v}\r\n", field(k)));
        }
        out.push_str("\r\n");
    };
    table("raising_agency", &f.by_raising_agency);
    table("raising_sector", &f.by_raising_sector);
    table("receiving_agency", &f.by_receiving_agency);
    table("category", &f.by_category);
    table("protocol", &f.by_protocol);
    table("stage_resolved", &f.by_stage_resolved);
    let num = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
    let int = |v: Option<u32>| v.map(|x| x.to_string()).unwrap_or_default();
    out.push_str(
        "stage_resolved,cases,median_working_days,p90_working_days,longest_working_days\r\n",
    );
    out.push_str(&format!(
        "all,{},{},{},{}\r\n",
        f.time_to_resolution.cases,
        num(f.time_to_resolution.median),
        int(f.time_to_resolution.p90),
        int(f.time_to_resolution.longest)
    ));
    for (k, s) in &f.time_to_resolution_by_stage {
        out.push_str(&format!(
            "{k},{},{},{},{}\r\n",
            s.cases,
            num(s.median),
            int(s.p90),
            int(s.longest)
        ));
    }
    out.push_str("\r\nquarter,opened,resolved,median_working_days\r\n");
    for q in &f.by_quarter {
        out.push_str(&format!(
            "{},{},{},{}\r\n",
            q.quarter,
            q.opened,
            q.resolved,
            num(q.median_working_days)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_by_hand() {
        let s = spread(vec![5, 1, 3, 9, 7]);
        assert_eq!((s.median, s.p90, s.longest), (Some(5.0), Some(9), Some(9)));
        let s = spread(vec![2, 4]);
        assert_eq!((s.median, s.p90), (Some(3.0), Some(4)));
        let s = spread((1..=10).collect());
        assert_eq!((s.median, s.p90, s.longest), (Some(5.5), Some(9), Some(10)));
        assert_eq!(spread(vec![]).median, None);
    }
}

/// What happened to one file in an import.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileResult {
    pub file: String,
    /// `None` when the file was refused.
    pub outcome: Option<escalate_store::ImportOutcome>,
    /// Why it was refused.
    pub refused: Option<String>,
}

/// Packages per transaction: large batches import quickly, a crash loses at most one batch.
const BATCH: usize = 500;

/// Decrypt, check and keep each package. A file that fails decryption, the schema or
/// the integrity check is refused with its reason; the others still import.
/// `progress(done, total)` is called after each batch.
pub async fn import(
    store: &escalate_store::Store,
    files: &[std::path::PathBuf],
    key: crate::export::Key<'_>,
    now: NaiveDateTime,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<FileResult>, escalate_store::StoreError> {
    use sha2::{Digest, Sha256};
    let mut results: Vec<FileResult> = Vec::with_capacity(files.len());
    let mut batch: Vec<(usize, escalate_store::BoardPackage)> = Vec::new();
    async fn flush(
        store: &escalate_store::Store,
        batch: &mut Vec<(usize, escalate_store::BoardPackage)>,
        results: &mut [FileResult],
        now: NaiveDateTime,
    ) -> Result<(), escalate_store::StoreError> {
        let packages: Vec<_> = batch.iter().map(|(_, p)| p.clone()).collect();
        let outcomes = store.board_import(&packages, now).await?;
        for ((i, _), o) in batch.drain(..).zip(outcomes) {
            results[i].outcome = Some(o);
        }
        Ok(())
    }
    for (i, path) in files.iter().enumerate() {
        let name = path.display().to_string();
        results.push(FileResult {
            file: name.clone(),
            outcome: None,
            refused: None,
        });
        // The file's size is checked from its metadata before it is read, and it is
        // read through a bound: one hostile file cannot take the whole import down.
        let checked = crate::export::read_package_file(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                let sha = hex::encode(Sha256::digest(&bytes));
                let package = crate::export::open(&bytes, key, now).map_err(|e| e.to_string())?;
                let json = serde_json::to_string(&package.monitoring).map_err(|e| e.to_string())?;
                Ok(escalate_store::BoardPackage {
                    file_name: name.clone(),
                    file_sha256: sha,
                    source_agency: package.monitoring.exported_by.agency.clone(),
                    reference: package.monitoring.reference.clone(),
                    exported_at: package.monitoring.exported_at,
                    monitoring: json,
                    pdf: package.pdf,
                })
            });
        match checked {
            Ok(p) => batch.push((i, p)),
            Err(reason) => results[i].refused = Some(reason),
        }
        if batch.len() >= BATCH {
            flush(store, &mut batch, &mut results, now).await?;
            progress(i + 1, files.len());
        }
    }
    flush(store, &mut batch, &mut results, now).await?;
    progress(files.len(), files.len());
    Ok(results)
}

/// Every current imported record, parsed.
pub async fn records(
    store: &escalate_store::Store,
) -> Result<Vec<Monitoring>, escalate_store::StoreError> {
    store
        .board_current()
        .await?
        .iter()
        .map(|j| {
            serde_json::from_str(j).map_err(|e| {
                escalate_store::StoreError::Database(format!(
                    "an imported record is unreadable: {e}"
                ))
            })
        })
        .collect()
}

fn sorted(map: &BTreeMap<String, usize>) -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = map.iter().map(|(k, n)| (k.clone(), *n as f64)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Bars a chart draws: the largest, then one bar for the rest. A partnership has a few
/// dozen agencies, but the keys come from packages, and a chart of thousands of bars
/// helps no one; the table beside it still lists every one.
const CHART_BARS: usize = 15;

fn chart_items(items: &[(String, f64)]) -> Vec<(String, f64)> {
    if items.len() <= CHART_BARS {
        return items.to_vec();
    }
    let (top, rest) = items.split_at(CHART_BARS - 1);
    let mut bars = top.to_vec();
    bars.push((
        format!("{} others", rest.len()),
        rest.iter().map(|(_, n)| n).sum(),
    ));
    bars
}

fn count_table(s: &mut crate::layout::Sheet, first: &str, items: &[(String, f64)]) {
    let rows: Vec<Vec<(String, bool)>> = items
        .iter()
        .map(|(k, v)| {
            vec![
                (k.clone(), false),
                (crate::layout::format_number(*v), false),
            ]
        })
        .collect();
    s.table(&[(first, 4.0), ("Cases", 1.0)], &rows);
    s.gap(4.0);
}

/// A table, or the words for an empty one.
fn table_or(
    s: &mut crate::layout::Sheet,
    columns: &[(&str, f32)],
    rows: &[Vec<(String, bool)>],
    empty: &str,
) {
    if rows.is_empty() {
        s.paragraph(empty, crate::layout::BODY);
    } else {
        s.table(columns, rows);
    }
    s.gap(4.0);
}

fn opt_num(v: Option<f64>) -> String {
    v.map(crate::layout::format_number)
        .unwrap_or_else(|| "–".to_owned())
}

fn opt_int(v: Option<u32>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "–".to_owned())
}

/// The monitoring report as PDF: charts with their tables beside them (for screen
/// readers and spreadsheets), legible in black and white.
pub fn pdf(
    f: &BoardFigures,
    partnership: &str,
    author: &str,
    now: NaiveDateTime,
) -> Result<Vec<u8>, crate::ReportError> {
    use crate::layout::{fonts, Sheet, BODY};
    let fonts = fonts().ok_or_else(|| crate::ReportError::Font("DejaVu Sans".to_owned()))?;
    let title = "Resolution of Professional Differences — monitoring report";
    let period = format!(
        "Cases opened {} to {}",
        f.from.format("%d/%m/%Y"),
        f.to.format("%d/%m/%Y")
    );
    let mut s = Sheet::new(fonts, partnership, title, &period);
    s.paragraph(
        &format!(
            "Made on {} from the export packages agencies sent to the Board.",
            now.format("%d/%m/%Y %H:%M")
        ),
        BODY,
    );
    let share = f
        .share_within_timescale
        .map(|x| {
            format!(
                "{} of {} ({:.0}%)",
                f.stages_within_timescale,
                f.stages_with_timescale,
                x * 100.0
            )
        })
        .unwrap_or_else(|| "no stage with a timescale".to_owned());
    let summary = [
        ("Professional differences opened", f.total.to_string()),
        ("Resolved", f.resolved.to_string()),
        (
            "Median working days to resolution",
            opt_num(f.time_to_resolution.median),
        ),
        (
            "90th percentile (working days)",
            opt_int(f.time_to_resolution.p90),
        ),
        (
            "Longest (working days)",
            opt_int(f.time_to_resolution.longest),
        ),
        ("Stages completed within the protocol's timescale", share),
        (
            "Open cases older than their protocol's whole timescale",
            f.open_past_whole_timescale.len().to_string(),
        ),
    ];
    for (label, value) in summary {
        s.field(label, &value, 7.0);
    }
    s.gap(4.0);
    for (heading, first, map) in [
        ("By raising agency", "Raising agency", &f.by_raising_agency),
        ("By raising sector", "Sector", &f.by_raising_sector),
        (
            "By receiving agency",
            "Receiving agency",
            &f.by_receiving_agency,
        ),
        ("By category of disagreement", "Category", &f.by_category),
        ("By protocol", "Protocol", &f.by_protocol),
    ] {
        let items = sorted(map);
        s.heading(heading);
        s.bar_chart(&chart_items(&items));
        count_table(&mut s, first, &items);
    }
    s.heading("By the stage at which each was resolved");
    let mut stages: Vec<(String, f64)> = f
        .by_stage_resolved
        .iter()
        .map(|(k, v)| {
            (
                if k == "unresolved" {
                    "Not resolved".to_owned()
                } else {
                    format!("Stage {k}")
                },
                *v as f64,
            )
        })
        .collect();
    stages.sort_by(|a, b| a.0.cmp(&b.0));
    s.bar_chart(&stages);
    count_table(&mut s, "Stage", &stages);
    s.heading("Time to resolution by stage (working days)");
    let mut rows = vec![vec![
        ("All stages".to_owned(), true),
        (f.time_to_resolution.cases.to_string(), true),
        (opt_num(f.time_to_resolution.median), true),
        (opt_int(f.time_to_resolution.p90), true),
        (opt_int(f.time_to_resolution.longest), true),
    ]];
    for (k, sp) in &f.time_to_resolution_by_stage {
        rows.push(vec![
            (format!("Stage {k}"), false),
            (sp.cases.to_string(), false),
            (opt_num(sp.median), false),
            (opt_int(sp.p90), false),
            (opt_int(sp.longest), false),
        ]);
    }
    s.table(
        &[
            ("Resolved at", 1.6),
            ("Cases", 1.0),
            ("Median", 1.0),
            ("90th percentile", 1.2),
            ("Longest", 1.0),
        ],
        &rows,
    );
    s.gap(4.0);
    s.heading("Cases resolved at Stage 5 or 6");
    let rows: Vec<Vec<(String, bool)>> = f
        .resolved_at_stage_5_or_6
        .iter()
        .map(|c| {
            vec![
                (c.reference.clone(), false),
                (c.raising_agency.clone(), false),
                (c.receiving_agency.clone(), false),
                (c.protocol.clone(), false),
                (c.stage_resolved.to_string(), false),
                (opt_int(c.working_days), false),
            ]
        })
        .collect();
    table_or(
        &mut s,
        &[
            ("Reference", 1.5),
            ("Raising", 1.5),
            ("Receiving", 1.5),
            ("Protocol", 1.9),
            ("Stage", 0.6),
            ("Working days", 0.9),
        ],
        &rows,
        "None.",
    );
    s.heading("Open cases older than their protocol's whole timescale");
    let rows: Vec<Vec<(String, bool)>> = f
        .open_past_whole_timescale
        .iter()
        .map(|c| {
            vec![
                (c.reference.clone(), false),
                (c.raising_agency.clone(), false),
                (c.protocol.clone(), false),
                (c.opened_at.format("%d/%m/%Y").to_string(), false),
                (c.all_stages_due.format("%d/%m/%Y").to_string(), false),
            ]
        })
        .collect();
    table_or(
        &mut s,
        &[
            ("Reference", 1.5),
            ("Raising agency", 1.6),
            ("Protocol", 1.9),
            ("Opened", 1.0),
            ("All stages due", 1.0),
        ],
        &rows,
        "None.",
    );
    s.heading("Quarter by quarter");
    let labels: Vec<String> = f.by_quarter.iter().map(|q| q.quarter.clone()).collect();
    let opened: Vec<f64> = f.by_quarter.iter().map(|q| q.opened as f64).collect();
    let resolved: Vec<f64> = f.by_quarter.iter().map(|q| q.resolved as f64).collect();
    s.line_chart(&labels, &[("opened", opened), ("resolved", resolved)]);
    let rows: Vec<Vec<(String, bool)>> = f
        .by_quarter
        .iter()
        .map(|q| {
            vec![
                (q.quarter.clone(), false),
                (q.opened.to_string(), false),
                (q.resolved.to_string(), false),
                (opt_num(q.median_working_days), false),
            ]
        })
        .collect();
    s.table(
        &[
            ("Quarter", 1.0),
            ("Opened", 1.0),
            ("Resolved", 1.0),
            ("Median working days", 1.4),
        ],
        &rows,
    );
    s.gap(4.0);
    s.heading("How effective the protocol was, and suggestions");
    let rows: Vec<Vec<(String, bool)>> = f
        .effectiveness
        .iter()
        .map(|c| {
            vec![
                (c.reference.clone(), false),
                (c.agency.clone(), false),
                (c.text.clone(), false),
            ]
        })
        .collect();
    table_or(
        &mut s,
        &[("Reference", 1.5), ("Agency", 1.6), ("Comment", 3.9)],
        &rows,
        "No comments.",
    );
    let props = crate::pdf::PdfProperties {
        title: format!("{title}, {period}"),
        author: author.to_owned(),
        subject: format!(
            "{partnership}: use of the Resolution of Professional Differences protocol"
        ),
        created: now,
    };
    crate::pdf::write(s.finish(), &props)
}
