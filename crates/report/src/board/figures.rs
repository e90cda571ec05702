//! The figures: counts, spreads, timeliness and the trend, computed from records, and
//! the cases behind any number.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use escalate_core::{plan_route, Calendar, CalendarId, PlanDue, Protocol, StateKind};
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

/// A resolved case its protocol asks the Board to see one by one (`[board_report]`).
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
    /// Packages held apart and not counted (from a signer the Board's directory does
    /// not hold, or unsigned), whatever their period: the Board's store sets it.
    pub held: usize,
    pub resolved: usize,
    pub by_raising_agency: BTreeMap<String, usize>,
    pub by_raising_sector: BTreeMap<String, usize>,
    pub by_receiving_agency: BTreeMap<String, usize>,
    pub by_category: BTreeMap<String, usize>,
    pub by_protocol: BTreeMap<String, usize>,
    /// Stage number (as text) to the number of cases resolved there; "unresolved" for the rest.
    pub by_stage_resolved: BTreeMap<String, usize>,
    /// The resolved cases listed one by one: those resolved at a stage their protocol's
    /// `[board_report] list_resolved_at` names. (The name is the one figures have
    /// always been exported under.)
    pub resolved_at_stage_5_or_6: Vec<LateCase>,
    /// The stages those lists name, across the protocols of the cases counted.
    pub listed_stages: Vec<u8>,
    pub median_working_days: Option<f64>,
    pub time_to_resolution: Spread,
    /// Stage resolved at (as text) to the spread of working days.
    pub time_to_resolution_by_stage: BTreeMap<String, Spread>,
    /// Ended stages with a timescale that was not extended.
    pub stages_with_timescale: usize,
    pub stages_within_timescale: usize,
    /// `stages_within_timescale / stages_with_timescale`, when there are any.
    pub share_within_timescale: Option<f64>,
    /// Ended stages whose timescale was extended by agreement, counted apart from the
    /// others, and how many of them kept to the agreed due.
    pub stages_extended: usize,
    pub stages_extended_within: usize,
    /// Stages gone past by a recorded decision.
    pub stages_skipped: usize,
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
            Some(stage) if m.status == StateKind::Resolved => stage.to_string(),
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

/// The protocols the Board counts timeliness under: the file each
/// `escalate-monitoring/2` package carried (by its hash), and for the packages of
/// version 1, which carried none, the version of their protocol installed in the
/// Board's own store (by id). A record under neither is not counted against a whole
/// timescale.
#[derive(Debug, Clone, Default)]
pub struct BoardProtocols {
    by_hash: HashMap<String, Protocol>,
    by_id: HashMap<String, Protocol>,
}

impl BoardProtocols {
    pub fn new() -> BoardProtocols {
        BoardProtocols::default()
    }

    /// A protocol file a package carried, by the SHA-256 of its text.
    pub fn add_carried(&mut self, sha256: &str, protocol: Protocol) {
        self.by_hash.insert(sha256.to_owned(), protocol);
    }

    /// A protocol installed in the Board's store, for records that name only its id.
    pub fn add_installed(&mut self, protocol: &Protocol) {
        self.by_id.insert(protocol.id.clone(), protocol.clone());
    }

    /// The protocol a record's case ran under, where the Board has it.
    pub fn of(&self, m: &Monitoring) -> Option<&Protocol> {
        match &m.protocol.sha256 {
            Some(sha) => self.by_hash.get(sha),
            None => self.by_id.get(&m.protocol.id),
        }
    }
}

/// When `m`'s whole timescale ends if every stage runs to its limit, on its route: the
/// last stage's due, or the cap's where that falls first. `None` when some stage has no
/// limit, or the Board does not have the protocol.
fn whole_timescale(
    m: &Monitoring,
    protocols: &BoardProtocols,
    calendars: &mut BTreeMap<CalendarId, Calendar>,
) -> Option<NaiveDate> {
    let p = protocols.of(m)?;
    let cal = calendars
        .entry(p.calendar)
        .or_insert_with(|| Calendar::new(p.calendar));
    let plan = plan_route(p, cal, m.opened_at, m.route.as_deref()).ok()?;
    let day = |due: PlanDue| match due {
        PlanDue::Date(d) => Some(d),
        PlanDue::At(t) => Some(t.date()),
        _ => None,
    };
    let mut last = None;
    for s in &plan.stages {
        last = Some(day(s.due)?);
    }
    let cap = plan.limits.iter().find(|l| l.cap).and_then(|l| day(l.due));
    match (last, cap) {
        (Some(l), Some(c)) => Some(l.min(c)),
        (l, c) => l.or(c),
    }
}

/// The figures for cases opened from `from` to `to`, as of `now`, each case's whole
/// timescale counted under the protocol it ran under.
pub fn figures(
    records: &[Monitoring],
    protocols: &BoardProtocols,
    from: NaiveDate,
    to: NaiveDate,
    now: NaiveDateTime,
) -> BoardFigures {
    let cases: Vec<&Monitoring> = records
        .iter()
        .filter(|m| m.opened_at.date() >= from && m.opened_at.date() <= to)
        .collect();
    let mut f = BoardFigures {
        held: 0,
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
        listed_stages: Vec::new(),
        median_working_days: None,
        time_to_resolution: spread(Vec::new()),
        time_to_resolution_by_stage: BTreeMap::new(),
        stages_with_timescale: 0,
        stages_within_timescale: 0,
        share_within_timescale: None,
        stages_extended: 0,
        stages_extended_within: 0,
        stages_skipped: 0,
        open_past_whole_timescale: Vec::new(),
        effectiveness: Vec::new(),
        by_quarter: Vec::new(),
    };
    let mut all_days = Vec::new();
    let mut by_stage: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut quarters: BTreeMap<String, (usize, usize, Vec<u32>)> = BTreeMap::new();
    let mut calendars = BTreeMap::new();
    let mut listed = std::collections::BTreeSet::new();
    for m in &cases {
        let one_by_one = listed_stages(m, protocols);
        listed.extend(one_by_one.iter().copied());
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
            Some(stage) if m.status == StateKind::Resolved => {
                f.resolved += 1;
                entry.1 += 1;
                bump(&mut f.by_stage_resolved, &stage.to_string());
                if let Some(d) = m.working_days {
                    all_days.push(d);
                    by_stage.entry(stage.to_string()).or_default().push(d);
                    entry.2.push(d);
                }
                if one_by_one.contains(&stage) {
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
            match &s.extension {
                // Extended by agreement: counted apart, against the agreed due.
                Some(x) => {
                    if s.ended_at.is_some() {
                        f.stages_extended += 1;
                        f.stages_extended_within += usize::from(x.within == Some(true));
                    }
                }
                None => {
                    if let Some(within) = s.within_timescale {
                        f.stages_with_timescale += 1;
                        f.stages_within_timescale += usize::from(within);
                    }
                }
            }
        }
        f.stages_skipped += m
            .skipped
            .iter()
            .flatten()
            .map(|k| k.stages.len())
            .sum::<usize>();
        if m.status == StateKind::Open {
            if let Some(due) = whole_timescale(m, protocols, &mut calendars) {
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
    f.listed_stages = listed.into_iter().collect();
    f
}

/// The stages at which `m`'s protocol asks the Board to see resolved cases one by one.
fn listed_stages<'a>(m: &Monitoring, protocols: &'a BoardProtocols) -> &'a [u8] {
    protocols
        .of(m)
        .and_then(|p| p.board_report.as_ref())
        .map_or(&[], |b| b.list_resolved_at.as_slice())
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
