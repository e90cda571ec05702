//! Board scale: import 10,000 signed export packages from five agencies in the Board's
//! directory into an administrator's encrypted store (each package's manifest signature
//! and hashes verified), then compute the monitoring figures (targets: import under
//! 10 s, issues 6 and 16; report under 1 s). Figures: docs/performance.md.

// Benchmark code: a panic here is a failed run, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use chrono::NaiveDateTime;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use escalate_api::board::{import_files, records};
use escalate_api::export::Opener;
use escalate_report::board;
use escalate_report::export::{self, Monitoring, Seal, Signer};
use escalate_store::{DirectoryRole, NoKeyring, Passphrase, Store};
use escalate_trust::{new_recipient, Card, SigningKey};
use zeroize::Zeroizing;

/// 10,000 when benchmarking; a few hundred when `cargo test --benches` runs it once in
/// a debug build to check it still works (criterion passes --bench only to benchmarks).
fn n() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        10_000
    } else {
        300
    }
}

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

const AGENCIES: [&str; 5] = [
    "Ysgol Gyfun Bryn",
    "Swansea Children’s Services",
    "South Wales Police",
    "Health Board",
    "Family Support Charity",
];

fn record(i: usize) -> Monitoring {
    let agencies = AGENCIES;
    let protocols = ["western-bay", "south-gloucestershire", "doncaster"];
    let resolved = i % 4 != 0;
    let category = ["Threshold", "Information sharing", "Plan"][i % 3];
    serde_json::from_value(serde_json::json!({
        "schema": "escalate-monitoring/1", "exported_at": "2026-12-16T10:00:00",
        "exported_by": {"name": "Lead", "designation": "DSL", "agency": agencies[i % 5]}, "reference": format!("RPD-2026-{i:05}"),
        "protocol": {"id": protocols[i % 3], "version": "1", "partnership": "P"}, "minimised": true,
        "child": {"name": "A. B.", "date_of_birth": "2015", "identifiers": null}, "category": category,
        "raising": {"agency": agencies[i % 5], "sector": "schools"}, "receiving": {"agency": agencies[(i + 1) % 5], "sector": "police"},
        "opened_at": format!("2026-{:02}-{:02}T09:00:00", 1 + i % 12, 1 + i % 28), "status": if resolved { "resolved" } else { "open" },
        "stage_reached": 1 + i % 4, "stage_resolved": if resolved { Some(1 + i % 4) } else { None },
        "closed_at": if resolved { Some("2026-12-31T12:00:00") } else { None }, "calendar_days": if resolved { Some(i % 40) } else { None },
        "working_days": if resolved { Some(i % 30) } else { None }, "immediate_risk": false,
        "stages": [{"stage": 1, "started_at": "2026-01-01T09:00:00", "ended_at": "2026-01-02T09:00:00", "due": "2026-01-02", "within_timescale": i % 3 != 0}],
        "outcome": null, "effectiveness": if i % 50 == 0 { "Useful" } else { "" }
    }))
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (identity, public) = export::keygen(t("2026-12-20T09:00"));
    // Each agency's signing key and card, as the Board's directory holds them.
    let keys: Vec<SigningKey> = (0..5).map(|_| SigningKey::generate().unwrap()).collect();
    let cards: Vec<Card> = keys
        .iter()
        .zip(AGENCIES)
        .map(|(k, a)| {
            Card::make(
                a,
                "schools",
                k,
                &new_recipient().1,
                t("2026-12-01T09:00"),
                None,
            )
            .unwrap()
        })
        .collect();
    let opener = || Some(Opener::Identity(Zeroizing::new(identity.clone())));
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("in");
    std::fs::create_dir(&inbox).unwrap();
    let files: Vec<_> = (0..n())
        .map(|i| {
            let p = inbox.join(format!("{i:05}.escalate-export"));
            std::fs::write(
                &p,
                export::seal_package(
                    b"%PDF-1.3 benchmark",
                    &record(i),
                    None,
                    Seal::Recipients(std::slice::from_ref(&public)),
                    Some(Signer {
                        key: &keys[i % 5],
                        agency: AGENCIES[i % 5],
                    }),
                )
                .unwrap(),
            )
            .unwrap();
            p
        })
        .collect();
    // Who the store belongs to does not change what is measured.
    let profile = escalate_api::demo::profile();
    let mut g = c.benchmark_group("board_10k");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    let mut k = 0;
    g.bench_function("import 10,000 packages", |b| {
        b.iter_batched(
            || {
                k += 1;
                let store = rt
                    .block_on(Store::create(
                        &dir.path().join(format!("admin-{k}")),
                        profile.clone(),
                        &Passphrase::new("benchmark passphrase"),
                        &NoKeyring,
                        t("2026-12-20T09:00"),
                    ))
                    .unwrap();
                for c in &cards {
                    rt.block_on(store.directory_add(
                        c,
                        DirectoryRole::Agency,
                        t("2026-12-20T09:00"),
                    ))
                    .unwrap();
                }
                store
            },
            |store| {
                let r = rt
                    .block_on(import_files(
                        &store,
                        &files,
                        opener(),
                        t("2026-12-20T09:00"),
                        |_, _| {},
                    ))
                    .unwrap();
                assert_eq!(
                    r.new,
                    files.len(),
                    "every signed package verified and counted"
                );
                rt.block_on(store.close());
            },
            BatchSize::PerIteration,
        )
    });
    let store = rt
        .block_on(Store::create(
            &dir.path().join("admin-report"),
            profile.clone(),
            &Passphrase::new("benchmark passphrase"),
            &NoKeyring,
            t("2026-12-20T09:00"),
        ))
        .unwrap();
    for c in &cards {
        rt.block_on(store.directory_add(c, DirectoryRole::Agency, t("2026-12-20T09:00")))
            .unwrap();
    }
    rt.block_on(import_files(
        &store,
        &files,
        opener(),
        t("2026-12-20T09:00"),
        |_, _| {},
    ))
    .unwrap();
    let protocols = rt.block_on(escalate_api::board::protocols(&store)).unwrap();
    g.bench_function("figures for 10,000 cases (read + compute)", |b| {
        b.iter(|| {
            let records = rt.block_on(records(&store)).unwrap();
            black_box(
                board::figures(
                    &records,
                    &protocols,
                    "2026-01-01".parse().unwrap(),
                    "2026-12-31".parse().unwrap(),
                    t("2026-12-20T09:00"),
                )
                .total,
            )
        })
    });
    g.bench_function(
        "monitoring report for 10,000 cases (read, compute, PDF with charts)",
        |b| {
            b.iter(|| {
                let records = rt.block_on(records(&store)).unwrap();
                let f = board::figures(
                    &records,
                    &protocols,
                    "2026-01-01".parse().unwrap(),
                    "2026-12-31".parse().unwrap(),
                    t("2026-12-20T09:00"),
                );
                black_box(
                    board::pdf(&f, "Partnership", "Board", t("2026-12-20T09:00"))
                        .unwrap()
                        .len(),
                )
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
