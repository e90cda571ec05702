//! Sample cases for the demo store: realistic, wholly fictional differences under the
//! shipped protocols, some overdue and some resolved, made through the same calls a
//! lead's actions make, so the demo's timelines, deadlines and audit trail are real.
//! Which protocols, agencies and people they name is data: `assets/demo/samples.json`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Duration, NaiveDateTime};
use escalate_core::{CalendarId, Sector};
use serde::Deserialize;

use escalate_core::model::{NewCase, Participant, Profile, StageRecordInput};
use escalate_core::ErrorCode;
use escalate_store::Store;

use crate::{cases, ApiError, ApiResult};

const SAMPLES_JSON: &str = include_str!("../../../assets/demo/samples.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Demo {
    #[serde(rename = "_comment")]
    _comment: String,
    profile: Profile,
    samples: Vec<Sample>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Side {
    agency: String,
    sector: Sector,
    /// "Name, Role", or a name alone.
    who: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sample {
    protocol: String,
    child: String,
    category: String,
    summary: String,
    raising: Side,
    receiving: Side,
    /// Days before the demo is opened that the concern arose.
    days_ago: i64,
    /// How many times it was escalated.
    escalations: u8,
    /// Resolved at the last stage reached, with this outcome.
    resolved: Option<String>,
}

static DEMO: OnceLock<Result<Demo, String>> = OnceLock::new();

fn demo() -> ApiResult<&'static Demo> {
    DEMO.get_or_init(|| serde_json::from_str(SAMPLES_JSON).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| {
            ApiError::new(
                ErrorCode::Database,
                format!("the demo's sample data could not be read: {e}"),
            )
        })
}

/// The demo store's lead. The name says it is a demo on every form printed from it.
pub fn profile() -> Profile {
    match demo() {
        Ok(d) => d.profile.clone(),
        // Never reached: a test reads the file. A demo lead that names no one still
        // says what it is.
        Err(_) => Profile {
            name: "Demo Lead (sample data)".to_owned(),
            designation: String::new(),
            agency: String::new(),
            sector: Sector::Other,
            protocol_id: String::new(),
            calendar: CalendarId::EnglandAndWales,
            auto_lock_minutes: 10,
        },
    }
}

/// The passphrase of every demo store: it holds no real data.
pub const PASSPHRASE: &str = "demo store - sample data only";

/// When a demo store made at `now` begins: before the first sample case's outset, so
/// the samples' histories are written in order after it.
pub fn began(now: NaiveDateTime) -> ApiResult<NaiveDateTime> {
    let days = demo()?
        .samples
        .iter()
        .map(|s| s.days_ago)
        .max()
        .unwrap_or(0);
    Ok(now - Duration::days(days + 1))
}

/// One step of a sample case's history.
enum Step {
    Open,
    /// The stage record of the `i`th stage the case reaches.
    Record {
        i: u8,
    },
    Escalate,
    Resolve,
}

/// Fill `store` with the sample cases, as if they happened up to `now`. Every step of
/// every case is written in time order, as a lead would have: the log never goes back.
pub async fn populate(store: &Store, now: NaiveDateTime) -> ApiResult<Vec<String>> {
    let samples = &demo()?.samples;
    // Each sample's steps spread between its outset and now, so timelines read naturally.
    let mut steps: Vec<(NaiveDateTime, usize, Step)> = Vec::new();
    for (n, s) in samples.iter().enumerate() {
        let opened = now - Duration::days(s.days_ago);
        steps.push((opened, n, Step::Open));
        let count = i64::from(s.escalations) + 1;
        let gap = Duration::hours((s.days_ago * 24 / (count + 1)).max(1));
        let mut at = opened;
        for i in 0..=s.escalations {
            at += gap;
            steps.push((at, n, Step::Record { i }));
            if i != s.escalations {
                steps.push((at, n, Step::Escalate));
            } else if s.resolved.is_some() {
                steps.push((at, n, Step::Resolve));
            }
        }
    }
    // Stable: a case's own steps at one moment keep their order.
    steps.sort_by_key(|(at, ..)| *at);
    let mut refs: Vec<Option<String>> = vec![None; samples.len()];
    for (at, n, step) in steps {
        let s = &samples[n];
        let reference = refs[n].clone();
        match (step, reference) {
            (Step::Open, _) => {
                let reference = cases::create(
                    store,
                    NewCase {
                        child_name: s.child.clone(),
                        child_dob: None,
                        child_identifiers: String::new(),
                        category: s.category.clone(),
                        summary: s.summary.clone(),
                        raising_agency: s.raising.agency.clone(),
                        raising_sector: Some(s.raising.sector),
                        raising_professional: Some(s.raising.who.clone()),
                        receiving_agency: s.receiving.agency.clone(),
                        receiving_sector: Some(s.receiving.sector),
                        receiving_professional: Some(s.receiving.who.clone()),
                        protocol: Some(s.protocol.clone()),
                        opened_at: Some(at),
                        immediate_risk: None,
                        stage: None,
                        route: None,
                        skip: None,
                    },
                    at,
                )
                .await?;
                refs[n] = Some(reference);
            }
            (Step::Record { i }, Some(reference)) => {
                let protocol = store.protocol(&s.protocol).await?;
                let stage = store.case_file(&reference).await?.engine.current_stage();
                let fields = protocol
                    .stage(stage)
                    .map(|d| d.record.fields.clone())
                    .unwrap_or_default();
                let resolved = i == s.escalations && s.resolved.is_some();
                cases::record_stage(
                    store,
                    &reference,
                    StageRecordInput {
                        discussed_at: Some(at),
                        participants: vec![
                            person(&s.raising.who, &s.raising.agency),
                            person(&s.receiving.who, &s.receiving.agency),
                        ],
                        raising_view: format!("{} remains concerned: {}", s.raising.agency, s.summary),
                        receiving_view: format!("{} considers its decision proportionate on the information held.", s.receiving.agency),
                        summary: format!("Stage {stage} discussion of the difference about {}.", s.category.to_lowercase()),
                        agreed: match (resolved, &s.resolved) {
                            (true, Some(outcome)) => outcome.clone(),
                            _ => "Not agreed; the difference will be escalated if not resolved within the timescale.".to_owned(),
                        },
                        resolved,
                        extra: fields
                            .into_iter()
                            .map(|f| {
                                let text = format!("Sample text for {}.", f.as_str().replace('-', " "));
                                (f, text)
                            })
                            .collect::<BTreeMap<_, _>>(),
                        next_step: String::new(),
                        approved_by: Some("Demo Line Manager".to_owned()),
                        approved_on: Some(at.date()),
                    },
                    at,
                )
                .await?;
            }
            (Step::Escalate, Some(reference)) => {
                cases::escalate(
                    store,
                    &reference,
                    None,
                    Some("Not resolved at this stage."),
                    at,
                )
                .await?;
            }
            (Step::Resolve, Some(reference)) => {
                if let Some(outcome) = &s.resolved {
                    cases::resolve(store, &reference, outcome, at).await?;
                }
            }
            (_, None) => {
                return Err(ApiError::new(
                    ErrorCode::Database,
                    "a sample case's step came before it was opened",
                ))
            }
        }
    }
    Ok(refs.into_iter().flatten().collect())
}

fn person(who: &str, agency: &str) -> Participant {
    let (name, role) = who.split_once(", ").unwrap_or((who, "Lead"));
    Participant {
        name: name.to_owned(),
        role: role.to_owned(),
        agency: agency.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_data_reads_and_names_shipped_protocols() {
        let d = demo().unwrap_or_else(|e| panic!("{e}"));
        assert!(!d.samples.is_empty());
        let shipped = escalate_store::shipped_protocols().unwrap_or_else(|e| panic!("{e}"));
        let is_shipped = |id: &str| shipped.iter().any(|p| p.id == id);
        assert!(is_shipped(&d.profile.protocol_id));
        for s in &d.samples {
            assert!(is_shipped(&s.protocol), "{}", s.protocol);
        }
        assert_eq!(profile().name, "Demo Lead (sample data)");
    }
}
