//! Rendering the Resolution of Professional Differences Report for a case taken to
//! Stage 5 (target, issue 4: under 20 ms). Figures: docs/performance.md.

// Benchmark code: a panic here is a failed run, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::NaiveDateTime;
use criterion::{criterion_group, criterion_main, Criterion};
use escalate_core::FormId;
use escalate_report::{render, ReportOptions};
use escalate_store::{NewCase, NoKeyring, Participant, Passphrase, StageRecordInput, Store};

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, reference) = rt.block_on(async {
        let profile = escalate_api::demo::profile();
        let s = Store::create(&dir.path().join("data"), profile, &Passphrase::new("benchmark passphrase"), &NoKeyring, t("2026-11-02T08:00")).await.unwrap();
        let r = escalate_api::cases::create(
                &s,
                NewCase {
                    child_name: "Siân Llŷr Ŵyn".into(),
                    category: "Threshold for assessment".into(),
                    summary: "The school referred concerns about neglect — repeated lateness, hunger and an unexplained bruise — and believes a section 47 enquiry is needed.".into(),
                    raising_agency: "Ysgol Gyfun Bryn".into(),
                    receiving_agency: "Swansea Children’s Services".into(),
                    opened_at: Some(t("2026-11-02T09:00")),
                    ..NewCase::default()
                },
                t("2026-11-02T09:00"),
            )
            .await
            .unwrap();
        for stage in 1..=5u8 {
            let mut rec = StageRecordInput {
                discussed_at: Some(t(&format!("2026-11-{:02}T10:00", 10 + stage))),
                participants: vec![Participant::parse("Alex Morgan|DSL|Ysgol Gyfun Bryn").unwrap()],
                raising_view: "The threshold for a section 47 enquiry is met.".into(),
                receiving_view: "Early help is proportionate.".into(),
                summary: "Discussion of the referral.".into(),
                agreed: "Managers to meet.".into(),
                resolved: stage == 5,
                ..StageRecordInput::default()
            };
            if stage == 3 {
                rec.extra.insert(escalate_core::protocol::RecordField::new("risk-analysis").unwrap(), "Rising risk.".into());
            }
            escalate_api::cases::record_stage(&s, &r, rec, t("2026-11-20T16:00")).await.unwrap();
            if stage < 5 {
                escalate_api::cases::escalate(&s, &r, None, None, t("2026-11-20T16:00")).await.unwrap();
            }
        }
        escalate_api::cases::resolve(&s, &r, "Section 47 enquiry agreed.", t("2026-11-20T16:00")).await.unwrap();
        (s, r)
    });
    let now = t("2026-11-20T17:00");
    // The sources are loaded once: what is measured is the layout and the PDF alone.
    let sources = rt
        .block_on(escalate_api::reports::sources(&store, &reference, now))
        .unwrap();
    let input = sources.input(&store);
    let opts = ReportOptions {
        form: FormId::new("rpd-report").unwrap(),
        stage: None,
        effectiveness: "The stages were clear; Stage 3 to 4 took too long.".into(),
        notes: "Copy sent to the WBSCB Administrator.".into(),
        generated_at: now,
    };
    c.bench_function("rpd_report (2 pages, DejaVu Sans subset)", |b| {
        b.iter(|| black_box(render(&input, &opts).unwrap().len()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
