//! `protocol check` on files full of problems, at four sizes up to the 1 MiB limit.
//! Checking was quadratic in the number of problems (issue 10, item 14: 1 MB took 5 s,
//! 5 MB 125 s); a linear check shows the same throughput at every size.

// Test and benchmark code: a panic here is a failed check, not a crash in front of a user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use escalate_core::protocol::MAX_PROTOCOL_FILE_BYTES;
use escalate_core::Protocol;

const DONCASTER: &str = include_str!("../../../assets/protocols/doncaster.toml");

/// Doncaster's file grown to about `size` bytes with empty principles: one problem
/// every four bytes, each on its own line.
fn bad_file(size: usize) -> String {
    let at = DONCASTER.find("principles = [").expect("a principles list") + "principles = [".len();
    let empties = size.saturating_sub(DONCASTER.len() + 1) / 4;
    format!(
        "{}\n{}{}",
        &DONCASTER[..at],
        "\"\",\n".repeat(empties),
        &DONCASTER[at..]
    )
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("protocol_check_bad_file");
    g.sample_size(10);
    for size in [
        MAX_PROTOCOL_FILE_BYTES / 8,
        MAX_PROTOCOL_FILE_BYTES / 4,
        MAX_PROTOCOL_FILE_BYTES / 2,
        MAX_PROTOCOL_FILE_BYTES,
    ] {
        let src = bad_file(size);
        assert!(src.len() <= MAX_PROTOCOL_FILE_BYTES);
        g.throughput(Throughput::Bytes(src.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(src.len()), &src, |b, src| {
            b.iter(|| {
                let e = Protocol::from_toml(black_box(src), "bad.toml").unwrap_err();
                black_box(e.errors.len() + e.more)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
