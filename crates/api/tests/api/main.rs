//! escalate-api's tests: the use cases on real stores (real SQLCipher files), forms read
//! back with poppler (pdftotext, pdffonts) and checked with qpdf, export packages
//! opened again, Board imports of genuine and hostile packages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod board;
mod cases;
mod engine;
mod export;
mod fixtures;
mod forms;
mod installed;
mod keys;
mod layers;
#[path = "../../../store/tests/store/lead.rs"]
mod lead;
mod moves;
mod next;
mod present;
mod reports;
mod session;
mod settings;

use std::path::Path;

use chrono::NaiveDateTime;
use escalate_core::{CalendarId, FormId, Sector};
use escalate_report::ReportOptions;
use escalate_store::{
    NewCase, NoKeyring, Participant, Passphrase, Profile, StageRecordInput, Store,
};

pub use lead::Lead;

pub const CHILD: &str = "Siân Llŷr Ŵyn";

pub fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

pub async fn store(dir: &Path, protocol: &str) -> Store {
    let profile = Profile {
        name: "Alex Morgan".into(),
        designation: "Designated Safeguarding Lead".into(),
        agency: "Ysgol Gyfun Bryn".into(),
        sector: Sector::Schools,
        protocol_id: protocol.into(),
        calendar: CalendarId::EnglandAndWales,
        auto_lock_minutes: 10,
    };
    Store::create(
        &dir.join("data"),
        profile,
        &Passphrase::new("correct horse battery staple"),
        &NoKeyring,
        // Before every moment a test writes: the log never goes back.
        t("2026-09-01T08:00"),
    )
    .await
    .unwrap()
}

pub fn new_case(summary: &str) -> NewCase {
    NewCase {
        child_name: CHILD.into(),
        child_dob: Some("2015-04-02".parse().unwrap()),
        child_identifiers: "WCCIS 448812".into(),
        category: "Threshold for assessment".into(),
        summary: summary.into(),
        raising_agency: "Ysgol Gyfun Bryn".into(),
        raising_professional: Some("Alex Morgan".into()),
        receiving_agency: "Swansea Children’s Services".into(),
        receiving_sector: Some(Sector::LocalAuthority),
        receiving_professional: Some("Jo Evans".into()),
        opened_at: Some(t("2026-11-02T09:00")),
        ..NewCase::default()
    }
}

pub fn record(stage: u8, day: u32, resolved: bool) -> StageRecordInput {
    StageRecordInput {
        discussed_at: Some(t(&format!("2026-11-{day:02}T10:00"))),
        participants: vec![
            Participant::parse(&format!("Head {stage}|Head of Service|Ysgol Gyfun Bryn")).unwrap(),
            Participant::parse(&format!(
                "Manager {stage}|Service Manager|Swansea Children’s Services"
            ))
            .unwrap(),
        ],
        raising_view: format!("Raising view at Stage {stage}"),
        receiving_view: format!("Receiving view at Stage {stage}"),
        summary: format!("Stage {stage} discussion — summary"),
        agreed: format!("Stage {stage} agreed actions"),
        resolved,
        ..StageRecordInput::default()
    }
}

/// Render a form for `reference` at `now`, through the use case both front ends call.
pub async fn pdf(
    s: &Store,
    reference: &str,
    form: FormId,
    stage: Option<u8>,
    effectiveness: &str,
    now: NaiveDateTime,
) -> Vec<u8> {
    let opts = ReportOptions {
        form,
        stage,
        effectiveness: effectiveness.into(),
        notes: String::new(),
        generated_at: now,
    };
    escalate_api::reports::render(s, reference, &opts)
        .await
        .unwrap()
}

pub use escalate_testkit::pdf::{assert_contains_all, check_pdf, text, tool};
