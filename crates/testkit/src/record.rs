//! Monitoring records as JSON values: ones that follow the schema, to edit into ones
//! that do not.

use serde_json::{json, Value};

/// A record that follows the schema: a resolved case with every field filled.
pub fn good_record() -> Value {
    json!({
        "schema": "escalate-monitoring/1", "exported_at": "2026-11-20T17:00:00",
        "exported_by": {"name": "Alex Morgan", "designation": "DSL", "agency": "Ysgol Gyfun Bryn"},
        "reference": "RPD-2026-0001",
        "protocol": {"id": "western-bay", "version": "2021", "partnership": "Western Bay"},
        "minimised": false,
        "child": {"name": "Siân Llŷr Ŵyn", "date_of_birth": "2015-04-02", "identifiers": "WCCIS 448812"},
        "category": "Threshold for assessment",
        "raising": {"agency": "Ysgol Gyfun Bryn", "sector": "schools"},
        "receiving": {"agency": "Swansea Children’s Services", "sector": "local-authority"},
        "opened_at": "2026-11-02T09:00:00", "status": "resolved", "stage_reached": 2, "stage_resolved": 2,
        "closed_at": "2026-11-05T10:00:00", "calendar_days": 3, "working_days": 3, "immediate_risk": true,
        "stages": [
            {"stage": 1, "started_at": "2026-11-02T09:00:00", "ended_at": "2026-11-03T10:00:00", "due": "2026-11-03", "within_timescale": true},
            {"stage": 2, "started_at": "2026-11-03T10:00:00", "ended_at": "2026-11-05T10:00:00", "due": "2026-11-04T17:00", "within_timescale": false}
        ],
        "outcome": "Agreed at Stage 2", "effectiveness": "Useful.\nQuick."
    })
}

/// A record that follows the schema with every optional field null.
pub fn open_record() -> Value {
    json!({
        "schema": "escalate-monitoring/1", "exported_at": "2026-11-20T17:00:00",
        "exported_by": {"name": "A", "designation": "B", "agency": "C"}, "reference": "RPD-2026-0002",
        "protocol": {"id": "london", "version": "", "partnership": ""}, "minimised": true,
        "child": {"name": "X. Y.", "date_of_birth": null, "identifiers": null}, "category": "c",
        "raising": {"agency": "A", "sector": null}, "receiving": {"agency": "B", "sector": null},
        "opened_at": "2026-11-02T09:00:00", "status": "open", "stage_reached": 0, "stage_resolved": null,
        "closed_at": null, "calendar_days": null, "working_days": null, "immediate_risk": false,
        "stages": [{"stage": 0, "started_at": "2026-11-02T09:00:00", "ended_at": null, "due": null, "within_timescale": null}],
        "outcome": null, "effectiveness": ""
    })
}

/// `v` with the value at the dotted `path` replaced.
pub fn with(mut v: Value, path: &str, value: Value) -> Value {
    let mut at = &mut v;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        at = match p.parse::<usize>() {
            Ok(i) => &mut at[i],
            Err(_) => &mut at[*p],
        };
    }
    at[parts[parts.len() - 1]] = value;
    v
}

/// A record as an agency's export would hold it, for the Board's figures: `resolved` is
/// (the stage, the working days taken).
#[allow(clippy::too_many_arguments)]
pub fn board_record(
    agency: &str,
    sector: &str,
    protocol: &str,
    reference: &str,
    opened: &str,
    resolved: Option<(u8, u32)>,
    stages: serde_json::Value,
    exported: &str,
) -> Value {
    json!({
        "schema": "escalate-monitoring/1", "exported_at": format!("{exported}:00"),
        "exported_by": {"name": "Lead", "designation": "DSL", "agency": agency}, "reference": reference,
        "protocol": {"id": protocol, "version": "1", "partnership": "P"}, "minimised": true,
        "child": {"name": "A. B.", "date_of_birth": "2015", "identifiers": null}, "category": "Threshold for assessment",
        "raising": {"agency": agency, "sector": sector}, "receiving": {"agency": "Health Board", "sector": "health-secondary"},
        "opened_at": format!("{opened}T09:00:00"), "status": if resolved.is_some() { "resolved" } else { "open" },
        "stage_reached": resolved.map_or(2, |r| r.0), "stage_resolved": resolved.map(|r| r.0),
        "closed_at": resolved.map(|_| "2026-12-15T12:00:00"), "calendar_days": resolved.map(|r| r.1 + 2),
        "working_days": resolved.map(|r| r.1), "immediate_risk": false, "stages": stages, "outcome": null,
        "effectiveness": if reference.ends_with('1') { format!("Comment from {agency}") } else { String::new() }
    })
}
