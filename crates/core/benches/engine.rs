//! Engine status for 100,000 open cases: the dashboard's question at scale.
//! Target (issue 2): under 50 ms on one core.

// Test and benchmark code: a panic here is a failed check, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::hint::black_box;

use chrono::{Duration, NaiveDate};
use criterion::{criterion_group, criterion_main, Criterion};
use escalate_core::protocol::RecordField;
use escalate_core::{
    builtin_protocols, Calendar, CalendarId, Case, Engine, Event, Opening, Protocol, RecordSummary,
};

/// 100,000 open cases spread over the five protocols, opened over the last year,
/// at various stages, some with records, some with receipt recorded.
fn cases(protocols: &[Protocol]) -> Vec<(usize, Case)> {
    let start = NaiveDate::from_ymd_opt(2025, 11, 21)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("valid start");
    let mut out = Vec::with_capacity(100_000);
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    while out.len() < 100_000 {
        let which = (next() % protocols.len() as u64) as usize;
        let p = &protocols[which];
        let opened = start + Duration::hours((next() % (24 * 365)) as i64);
        let Ok(mut case) = Case::open(p, opened, Opening::default()) else {
            continue;
        };
        let steps = next() % 4;
        let mut at = opened;
        for _ in 0..steps {
            at += Duration::hours(6 + (next() % 30) as i64);
            let fields = p
                .stage(case.current_stage())
                .map(|s| {
                    s.record
                        .fields
                        .iter()
                        .cloned()
                        .collect::<BTreeSet<RecordField>>()
                })
                .unwrap_or_default();
            let _ = case.apply(
                p,
                Event::Record(RecordSummary {
                    record: None,
                    discussed_at: at,
                    resolved: false,
                    fields,
                }),
            );
            let _ = case.apply(p, Event::Receive { at });
            let _ = case.apply(
                p,
                Event::Escalate {
                    at,
                    to_stage: None,
                    reason: None,
                    skip: None,
                },
            );
        }
        out.push((which, case));
    }
    out
}

fn bench(c: &mut Criterion) {
    let protocols = builtin_protocols().expect("shipped protocols parse");
    let cal = Calendar::new(CalendarId::EnglandAndWales);
    let now = NaiveDate::from_ymd_opt(2026, 11, 21)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("valid now");
    let engine = Engine::new(&cal, now).expect("now is in range");
    let all = cases(protocols);

    let mut g = c.benchmark_group("engine_100k_open_cases");
    g.sample_size(20);
    g.bench_function("summary (dashboard: urgency + next deadline)", |b| {
        b.iter(|| {
            let mut overdue = 0usize;
            for (i, case) in &all {
                if let Ok(s) = engine.summary(&protocols[*i], case) {
                    overdue += usize::from(s.urgency.rank() >= 2);
                }
            }
            black_box(overdue)
        })
    });
    g.bench_function(
        "status (full: deadlines, contacts, forms, next step)",
        |b| {
            b.iter(|| {
                let mut n = 0usize;
                for (i, case) in &all {
                    if let Ok(s) = engine.status(&protocols[*i], case) {
                        n += s.deadlines.len();
                    }
                }
                black_box(n)
            })
        },
    );
    g.finish();

    c.bench_function("calendar build (111 years, one nation)", |b| {
        b.iter(|| black_box(Calendar::new(CalendarId::Scotland)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
