//! The monitoring report as PDF: charts with their tables beside them (for screen
//! readers and spreadsheets), legible in black and white. One function per section,
//! in the order they print.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use escalate_core::format;

use super::BoardFigures;
use crate::layout::{fonts, format_number, Sheet, BODY};
use crate::pdf::{write, PdfProperties};
use crate::ReportError;

const TITLE: &str = "Resolution of Professional Differences — monitoring report";

/// A table row: each cell's text, and whether it is bold.
type Row = Vec<(String, bool)>;

/// The monitoring report for the figures, headed with the partnership's name.
pub fn pdf(
    f: &BoardFigures,
    partnership: &str,
    author: &str,
    now: NaiveDateTime,
) -> Result<Vec<u8>, ReportError> {
    let fonts = fonts().ok_or_else(|| ReportError::Font("DejaVu Sans".to_owned()))?;
    let period = format!(
        "Cases opened {} to {}",
        format::date(f.from),
        format::date(f.to)
    );
    let mut s = Sheet::new(fonts, partnership, TITLE, &period);
    s.paragraph(
        &format!(
            "Made on {} from the export packages agencies sent to the Board.",
            format::date_time(now)
        ),
        BODY,
    );
    summary(&mut s, f);
    counts(&mut s, f);
    stage_resolved(&mut s, f);
    time_to_resolution(&mut s, f);
    resolved_late(&mut s, f);
    open_past_whole_timescale(&mut s, f);
    quarters(&mut s, f);
    effectiveness(&mut s, f);
    let props = PdfProperties {
        title: format!("{TITLE}, {period}"),
        author: author.to_owned(),
        subject: format!(
            "{partnership}: use of the Resolution of Professional Differences protocol"
        ),
        created: now,
    };
    write(s.finish(), &props)
}

/// The heading of the cases listed one by one: "Cases resolved at Stage 5 or 6".
fn listed_heading(stages: &[u8]) -> String {
    match stages {
        [] => "Cases listed one by one".to_owned(),
        [one] => format!("Cases resolved at Stage {one}"),
        [rest @ .., last] => format!(
            "Cases resolved at Stage {} or {last}",
            rest.iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The headline numbers, one labelled box each.
fn summary(s: &mut Sheet, f: &BoardFigures) {
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
    let rows = [
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
    ];
    for (label, value) in rows {
        s.field(label, &value, 7.0);
    }
    // Only where a package says so: records of escalate-monitoring/1 have neither.
    if f.stages_extended > 0 {
        s.field(
            "Stages whose timescale was extended by agreement (counted apart)",
            &format!(
                "{} (within the agreed extension: {})",
                f.stages_extended, f.stages_extended_within
            ),
            7.0,
        );
    }
    if f.stages_skipped > 0 {
        s.field(
            "Stages gone past by a recorded decision",
            &f.stages_skipped.to_string(),
            7.0,
        );
    }
    s.field(
        "Open cases older than their protocol's whole timescale",
        &f.open_past_whole_timescale.len().to_string(),
        7.0,
    );
    s.gap(4.0);
}

/// Cases by raising agency, sector, receiving agency, category and protocol: a bar
/// chart of the largest and a table of every one.
fn counts(s: &mut Sheet, f: &BoardFigures) {
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
        count_table(s, first, &items);
    }
}

fn stage_resolved(s: &mut Sheet, f: &BoardFigures) {
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
    count_table(s, "Stage", &stages);
}

fn time_to_resolution(s: &mut Sheet, f: &BoardFigures) {
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
}

fn resolved_late(s: &mut Sheet, f: &BoardFigures) {
    s.heading(&listed_heading(&f.listed_stages));
    let rows: Vec<Row> = f
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
        s,
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
}

fn open_past_whole_timescale(s: &mut Sheet, f: &BoardFigures) {
    s.heading("Open cases older than their protocol's whole timescale");
    let rows: Vec<Row> = f
        .open_past_whole_timescale
        .iter()
        .map(|c| {
            vec![
                (c.reference.clone(), false),
                (c.raising_agency.clone(), false),
                (c.protocol.clone(), false),
                (format::date(c.opened_at.date()), false),
                (format::date(c.all_stages_due), false),
            ]
        })
        .collect();
    table_or(
        s,
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
}

/// The trend: cases opened and resolved, quarter by quarter.
fn quarters(s: &mut Sheet, f: &BoardFigures) {
    s.heading("Quarter by quarter");
    let labels: Vec<String> = f.by_quarter.iter().map(|q| q.quarter.clone()).collect();
    let opened: Vec<f64> = f.by_quarter.iter().map(|q| q.opened as f64).collect();
    let resolved: Vec<f64> = f.by_quarter.iter().map(|q| q.resolved as f64).collect();
    s.line_chart(&labels, &[("opened", opened), ("resolved", resolved)]);
    let rows: Vec<Row> = f
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
}

fn effectiveness(s: &mut Sheet, f: &BoardFigures) {
    s.heading("How effective the protocol was, and suggestions");
    let rows: Vec<Row> = f
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
        s,
        &[("Reference", 1.5), ("Agency", 1.6), ("Comment", 3.9)],
        &rows,
        "No comments.",
    );
}

/// Largest first, then by name.
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

fn count_table(s: &mut Sheet, first: &str, items: &[(String, f64)]) {
    let rows: Vec<Row> = items
        .iter()
        .map(|(k, v)| vec![(k.clone(), false), (format_number(*v), false)])
        .collect();
    s.table(&[(first, 4.0), ("Cases", 1.0)], &rows);
    s.gap(4.0);
}

/// A table, or the words for an empty one.
fn table_or(s: &mut Sheet, columns: &[(&str, f32)], rows: &[Row], empty: &str) {
    if rows.is_empty() {
        s.paragraph(empty, BODY);
    } else {
        s.table(columns, rows);
    }
    s.gap(4.0);
}

fn opt_num(v: Option<f64>) -> String {
    v.map(format_number).unwrap_or_else(|| "–".to_owned())
}

fn opt_int(v: Option<u32>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "–".to_owned())
}
