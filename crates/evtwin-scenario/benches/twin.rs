//! Benchmarks of the hot paths: one twin step with a 192-group pack, the pack's
//! two passes alone, a whole UDDS cycle, and the shipped ≥ 1000 km trip.
//!
//! `cargo bench -p evtwin-sim --bench twin` (figures in the README).

// In tests and benches a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use evtwin_scenario::{Scenario, Source};
use evtwin_sim::{Status, Twin};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shipped(name: &str) -> Scenario {
    evtwin_scenario::load(&root().join("scenarios").join(name))
        .unwrap_or_else(|e| panic!("{}", e.render()))
}

/// The long trip's twin, a few minutes into its 640 km expressway leg.
fn cruising_twin() -> Twin {
    let mut twin = Twin::new(shipped("shanghai-beijing-ssb.toml").config).unwrap();
    for _ in 0..60_000 {
        twin.step();
    }
    assert_eq!(twin.pack().groups(), 192);
    twin
}

fn run_to_end(s: &Scenario) -> u64 {
    let mut twin = Twin::new(s.config.clone()).unwrap();
    while twin.step() == Status::Running {}
    twin.steps()
}

fn step(c: &mut Criterion) {
    let base = cruising_twin();
    let mut g = c.benchmark_group("twin");
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(1000));
    g.bench_function("step_192_groups_x1000", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |t| {
                for _ in 0..1000 {
                    black_box(t.step());
                }
            },
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

fn pack_passes(c: &mut Criterion) {
    let base = cruising_twin().pack().clone();
    let mut g = c.benchmark_group("pack");
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(1000));
    g.bench_function("op_and_commit_192_groups_x1000", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |p| {
                for _ in 0..1000 {
                    let op = p.operating_point();
                    let i = op.current_for_power(black_box(20_000.0));
                    p.commit(&op, i);
                }
            },
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

fn udds(c: &mut Criterion) {
    let cycles = root().join("../shared/data/cycles");
    if !cycles.join("udds.csv").exists() {
        eprintln!("skipping the UDDS benchmark: ../shared/data/cycles is missing");
        return;
    }
    let src = Source {
        name: "bench.toml".into(),
        text: "[scenario]\nname = \"udds\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[[route]]\ncycle = { file = \"udds.csv\" }\n".into(),
    };
    let s = evtwin_scenario::from_source(&src, &cycles).unwrap();
    let steps = run_to_end(&s);
    let mut g = c.benchmark_group("cycle");
    g.sample_size(30);
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(steps));
    g.bench_function("udds_model3", |b| b.iter(|| black_box(run_to_end(&s))));
    g.finish();
}

fn long_trip(c: &mut Criterion) {
    let s = shipped("shanghai-beijing-ssb.toml");
    let steps = run_to_end(&s);
    let mut g = c.benchmark_group("trip");
    g.sample_size(10);
    g.measurement_time(Duration::from_mins(1));
    g.throughput(Throughput::Elements(steps));
    g.bench_function("shanghai_beijing_1210km_192_groups", |b| {
        b.iter(|| black_box(run_to_end(&s)));
    });
    g.finish();
}

criterion_group!(benches, step, pack_passes, udds, long_trip);
criterion_main!(benches);
