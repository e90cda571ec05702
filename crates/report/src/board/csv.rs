//! The figures as CSV, for the partnership's own spreadsheets.

use std::collections::BTreeMap;

use super::BoardFigures;

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
    // Only where packages say so: records of escalate-monitoring/1 have neither.
    if f.stages_extended > 0 || f.stages_skipped > 0 {
        out.push_str("\r\nstages,count\r\n");
        out.push_str(&format!("extended,{}\r\n", f.stages_extended));
        out.push_str(&format!(
            "extended_within_agreed_due,{}\r\n",
            f.stages_extended_within
        ));
        out.push_str(&format!("skipped,{}\r\n", f.stages_skipped));
    }
    out
}
