//! Sample cases for the demo store: realistic, wholly fictional differences under all
//! five shipped protocols, some overdue and some resolved, made through the same calls
//! a lead's actions make, so the demo's timelines, deadlines and audit trail are real.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use escalate_core::{CalendarId, Sector};

use crate::error::StoreError;
use crate::store::Store;
use escalate_core::model::{NewCase, Participant, Profile, StageRecordInput};

/// The demo store's lead. The name says it is a demo on every form printed from it.
pub fn profile() -> Profile {
    Profile {
        name: "Demo Lead (sample data)".to_owned(),
        designation: "Designated Safeguarding Lead".to_owned(),
        agency: "Demo Primary School".to_owned(),
        sector: Sector::Schools,
        protocol_id: "western-bay".to_owned(),
        calendar: CalendarId::EnglandAndWales,
        auto_lock_minutes: 10,
    }
}

/// The passphrase of every demo store: it holds no real data.
pub const PASSPHRASE: &str = "demo store - sample data only";

struct Sample {
    protocol: &'static str,
    child: &'static str,
    category: &'static str,
    summary: &'static str,
    raising: (&'static str, Sector, &'static str),
    receiving: (&'static str, Sector, &'static str),
    /// Working-ish days ago the concern arose.
    days_ago: i64,
    /// How many times it was escalated.
    escalations: u8,
    /// Resolved at the last stage reached.
    resolved: Option<&'static str>,
}

const SAMPLES: &[Sample] = &[
    Sample {
        protocol: "western-bay",
        child: "Carys Evans",
        category: "Threshold for a care and support assessment",
        summary: "School reports repeated unexplained bruising and hunger; children's services closed the referral as below threshold.",
        raising: ("Demo Primary School", Sector::Schools, "Siân Morgan, DSL"),
        receiving: ("Swansea Children's Services", Sector::LocalAuthority, "Gareth Price, Team Manager"),
        days_ago: 9,
        escalations: 2,
        resolved: None,
    },
    Sample {
        protocol: "western-bay",
        child: "Ffion Jones",
        category: "Closure of a case",
        summary: "Health visitor disagrees with the decision to close the case while the mother's mental health is deteriorating.",
        raising: ("Swansea Bay Health Board", Sector::HealthPrimary, "Rhian Davies, Health Visitor"),
        receiving: ("Neath Port Talbot Children's Services", Sector::LocalAuthority, "Owain Lewis, Senior Practitioner"),
        days_ago: 30,
        escalations: 4,
        resolved: Some("Agreed at the Stage 5 meeting: the case stays open with a care and support plan reviewed in six weeks."),
    },
    Sample {
        protocol: "london",
        child: "Amir Hussain",
        category: "Plan not progressing",
        summary: "The child protection plan's actions on school attendance have not started; police and school disagree with the social worker on urgency.",
        raising: ("Demo Primary School", Sector::Schools, "Jo Baker, DSL"),
        receiving: ("Camden Children's Social Care", Sector::LocalAuthority, "Priya Shah, Social Worker"),
        days_ago: 3,
        escalations: 1,
        resolved: None,
    },
    Sample {
        protocol: "four-stage",
        child: "Leo Marsh",
        category: "Strategy discussion outcome",
        summary: "Police believe a section 47 enquiry is needed after a disclosure; the local authority decided on a single assessment.",
        raising: ("County Police Public Protection Unit", Sector::Police, "DS Kate Hall"),
        receiving: ("County Children's Services", Sector::LocalAuthority, "Mark Reid, Team Manager"),
        days_ago: 12,
        escalations: 1,
        resolved: Some("Strategy discussion reconvened; section 47 enquiry agreed."),
    },
    Sample {
        protocol: "doncaster",
        child: "Maisie Clarke",
        category: "Response to a referral",
        summary: "Nursery's referral about neglect has had no response after ten working days.",
        raising: ("Little Oaks Nursery", Sector::Other, "Sam Pearson, Manager"),
        receiving: ("Doncaster Children's Services Trust", Sector::LocalAuthority, "Front Door duty manager"),
        days_ago: 16,
        escalations: 0,
        resolved: None,
    },
    Sample {
        protocol: "south-gloucestershire",
        child: "Oliver Grant",
        category: "Threshold for early help",
        summary: "Youth service and school disagree whether the family should step down to early help.",
        raising: ("Youth Service", Sector::Voluntary, "Dan Cole, Youth Worker"),
        receiving: ("South Gloucestershire Access and Response Team", Sector::LocalAuthority, "Lisa Ward, Practice Manager"),
        days_ago: 6,
        escalations: 1,
        resolved: None,
    },
    Sample {
        protocol: "south-gloucestershire",
        child: "Evie Turner",
        category: "Information sharing",
        summary: "GP practice declined to share records for a strategy discussion.",
        raising: ("South Gloucestershire Children's Social Care", Sector::LocalAuthority, "Amy Fox, Social Worker"),
        receiving: ("Kingswood GP Practice", Sector::HealthPrimary, "Dr Neil Shaw"),
        days_ago: 1,
        escalations: 0,
        resolved: None,
    },
];

/// Fill `store` with the sample cases, as if they happened up to `now`.
pub async fn populate(store: &Store, now: NaiveDateTime) -> Result<Vec<String>, StoreError> {
    let mut refs = Vec::new();
    for s in SAMPLES {
        let protocol = store.protocol(s.protocol).await?;
        let opened = now - Duration::days(s.days_ago);
        let reference = store
            .create_case(
                NewCase {
                    child_name: s.child.to_owned(),
                    child_dob: None,
                    child_identifiers: String::new(),
                    category: s.category.to_owned(),
                    summary: s.summary.to_owned(),
                    raising_agency: s.raising.0.to_owned(),
                    raising_sector: Some(s.raising.1),
                    raising_professional: Some(s.raising.2.to_owned()),
                    receiving_agency: s.receiving.0.to_owned(),
                    receiving_sector: Some(s.receiving.1),
                    receiving_professional: Some(s.receiving.2.to_owned()),
                    protocol: Some(s.protocol.to_owned()),
                    opened_at: Some(opened),
                    immediate_risk: None,
                    stage: None,
                    route: None,
                    skip: None,
                },
                opened,
            )
            .await?;
        // Spread the steps between the outset and now, so timelines read naturally.
        let steps = i64::from(s.escalations) + 1;
        let gap = Duration::hours((s.days_ago * 24 / (steps + 1)).max(1));
        let mut at = opened;
        let first = store.case_file(&reference).await?.engine.current_stage();
        for i in 0..=s.escalations {
            at += gap;
            let stage = first + i;
            let last = i == s.escalations;
            let fields = protocol
                .stage(stage)
                .map(|d| d.record.fields.clone())
                .unwrap_or_default();
            let resolved = last && s.resolved.is_some();
            store
                .record_stage(
                    &reference,
                    StageRecordInput {
                        discussed_at: Some(at),
                        participants: vec![
                            person(s.raising.2, s.raising.0),
                            person(s.receiving.2, s.receiving.0),
                        ],
                        raising_view: format!("{} remains concerned: {}", s.raising.0, s.summary),
                        receiving_view: format!("{} considers its decision proportionate on the information held.", s.receiving.0),
                        summary: format!("Stage {stage} discussion of the difference about {}.", s.category.to_lowercase()),
                        agreed: match (resolved, s.resolved) {
                            (true, Some(outcome)) => outcome.to_owned(),
                            _ => "Not agreed; the difference will be escalated if not resolved within the timescale.".to_owned(),
                        },
                        resolved,
                        extra: fields
                            .into_iter()
                            .map(|f| (f, format!("Sample text for {}.", f.as_str().replace('-', " "))))
                            .collect::<BTreeMap<_, _>>(),
                        next_step: String::new(),
                        approved_by: Some("Demo Line Manager".to_owned()),
                        approved_on: Some(at.date()),
                    },
                    at,
                )
                .await?;
            if !last {
                store
                    .escalate(&reference, None, Some("Not resolved at this stage."), at)
                    .await?;
            } else if let Some(outcome) = s.resolved {
                store.resolve(&reference, outcome, at).await?;
            }
        }
        refs.push(reference);
    }
    Ok(refs)
}

fn person(who: &str, agency: &str) -> Participant {
    let (name, role) = who.split_once(", ").unwrap_or((who, "Lead"));
    Participant {
        name: name.to_owned(),
        role: role.to_owned(),
        agency: agency.to_owned(),
    }
}
