//! The dashboard query (all open cases with their next deadline, most urgent first:
//! the store's cached rows, the engine's answers from escalate-api) on 10,000 and
//! 100,000 cases, encrypted and plain side by side.
//! Targets (issue 3): encrypted at most 1.5x plain; under 50 ms for 10,000.
//! Run with `make bench` (or `bench/store-dashboard`).

// Benchmark code: a panic here is a failed run, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::NaiveDateTime;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use escalate_store::bench_support::{open, seed};
use escalate_store::{DataKey, Profile};

fn sizes() -> Vec<usize> {
    std::env::var("ESCALATE_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000])
}

/// What each group starts from: a runtime, the moment, a lead's profile, a data key and
/// a folder for the seeded stores.
fn setup() -> (
    tokio::runtime::Runtime,
    NaiveDateTime,
    Profile,
    DataKey,
    tempfile::TempDir,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let now = NaiveDateTime::parse_from_str("2026-11-23T17:00", "%Y-%m-%dT%H:%M").unwrap();
    let profile = Profile {
        protocol_id: "doncaster".into(),
        ..escalate_api::demo::profile()
    };
    let key = DataKey::generate().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    (rt, now, profile, key, tmp)
}

fn bench(c: &mut Criterion) {
    let (rt, now, profile, key, tmp) = setup();
    let mut g = c.benchmark_group("dashboard_query");
    g.sample_size(10);
    for n in sizes() {
        for (mode, k) in [("encrypted", Some(&key)), ("plain", None)] {
            let dir = tmp.path().join(format!("{mode}-{n}"));
            rt.block_on(seed(&dir, k, &profile, n, now)).unwrap();
            let store = rt.block_on(open(&dir, k)).unwrap();
            g.bench_with_input(BenchmarkId::new(mode, n), &n, |b, _| {
                b.iter(|| {
                    let list = rt
                        .block_on(escalate_api::cases::list(&store, false, None, now))
                        .unwrap();
                    assert_eq!(list.len(), n);
                    black_box(list)
                })
            });
            // The first query after opening: every page decrypted from disk.
            g.bench_with_input(
                BenchmarkId::new(format!("{mode}-first-after-open"), n),
                &n,
                |b, _| {
                    b.iter_batched(
                        || rt.block_on(open(&dir, k)).unwrap(),
                        |s| {
                            black_box(
                                rt.block_on(escalate_api::cases::list(&s, false, None, now))
                                    .unwrap()
                                    .len(),
                            )
                        },
                        criterion::BatchSize::PerIteration,
                    )
                },
            );
            rt.block_on(store.close());
        }
    }
    g.finish();
}

/// `audit verify`'s replay: every case's log replayed and every value kept beside it
/// compared (issue 15: measured at 10,000 cases, docs/performance.md).
fn verify(c: &mut Criterion) {
    let (rt, now, profile, key, tmp) = setup();
    let mut g = c.benchmark_group("audit_verify");
    g.sample_size(10);
    for n in sizes().into_iter().filter(|n| *n <= 10_000) {
        let dir = tmp.path().join(format!("logged-{n}"));
        rt.block_on(escalate_store::bench_support::seed_logged(
            &dir,
            Some(&key),
            &profile,
            n,
            now,
        ))
        .unwrap();
        let store = rt.block_on(open(&dir, Some(&key))).unwrap();
        g.bench_with_input(BenchmarkId::new("caches", n), &n, |b, _| {
            b.iter(|| {
                let report = rt.block_on(store.check_caches()).unwrap();
                assert!(report.mismatches.is_empty(), "{:?}", report.first_mismatch);
                assert_eq!(report.cases, n as u64);
                black_box(report)
            })
        });
        g.bench_with_input(BenchmarkId::new("chain", n), &n, |b, _| {
            b.iter(|| black_box(rt.block_on(store.verify_audit()).unwrap()))
        });
        rt.block_on(store.close());
    }
    g.finish();
}

criterion_group!(benches, bench, verify);
criterion_main!(benches);
