//! Benchmarks of the hot paths: one twin step with a 192-group pack, the pack's
//! two passes alone (and with a 30 000-row table), a whole UDDS cycle, UDDS at a
//! 1 s step (FASTSim's: equal work), and the shipped ≥ 1000 km trip.
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

/// UDDS at FASTSim's 1 s step, the Model 3 (96 groups) and a 192s15p variant:
/// the per-simulated-second cost that `tools/bench-fastsim` sets against FASTSim.
fn fastsim_equal_work(c: &mut Criterion) {
    let cycles = root().join("../shared/data/cycles");
    if !cycles.join("udds.csv").exists() {
        eprintln!("skipping the equal-work benchmark: ../shared/data/cycles is missing");
        return;
    }
    let mut g = c.benchmark_group("equal_work");
    g.sample_size(30);
    g.measurement_time(Duration::from_secs(10));
    for (name, pack) in [
        ("udds_1s_96_groups", ""),
        (
            "udds_1s_192_groups",
            "[pack]\nseries = 192\nparallel = 15\n",
        ),
    ] {
        let src = Source {
            name: "bench.toml".into(),
            text: format!(
                "[scenario]\nname = \"udds\"\nstep_ms = 1000\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
                 {pack}[[route]]\ncycle = {{ file = \"udds.csv\", repeat = 10 }}\n"
            ),
        };
        let s = evtwin_scenario::from_source(&src, &cycles).unwrap();
        let steps = run_to_end(&s);
        // Elements: simulated seconds (one per step here).
        g.throughput(Throughput::Elements(steps));
        g.bench_function(name, |b| b.iter(|| black_box(run_to_end(&s))));
    }
    g.finish();
}

/// The pack's two passes with a 30 000-row cell table against the shipped
/// 30-row one: lookups are binary searches and refreshes follow temperature and
/// SOC, so the step costs the same.
fn big_table(c: &mut Criterion) {
    use evtwin_sim::cell::{CellRow, CellTable};
    let base = cruising_twin().pack().clone();
    let mut spec = base.spec().clone();
    let rows: Vec<CellRow> = (0..30_000)
        .map(|k| {
            let soc = f64::from(k) / 29_999.0;
            let p = spec.cell.table.params(soc, 25.0);
            CellRow {
                soc,
                temp_c: 25.0,
                ocv_v: p.ocv_v,
                r0_ohm: p.r0_ohm,
                r1_ohm: p.r1_ohm,
                c1_f: p.c1_f,
                r2_ohm: p.r2_ohm,
                c2_f: p.c2_f,
                anode_ocp_v: None,
            }
        })
        .collect();
    spec.cell.table = CellTable::from_rows(&rows).unwrap();
    let init = evtwin_sim::pack::PackInit {
        soc: 0.8,
        temp_c: 25.0,
    };
    let mut g = c.benchmark_group("pack_table");
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(1000));
    for (name, spec) in [("30_rows", base.spec().clone()), ("30000_rows", spec)] {
        let rng = &mut evtwin_sim::rng::Rng::new(1);
        let pack = evtwin_sim::pack::Pack::new(spec, init, rng, 0.01, u32::MAX).unwrap();
        g.bench_function(format!("op_and_commit_192_groups_x1000_{name}"), |b| {
            b.iter_batched_ref(
                || pack.clone(),
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
    }
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

criterion_group!(
    benches,
    step,
    pack_passes,
    udds,
    fastsim_equal_work,
    big_table,
    long_trip
);
criterion_main!(benches);
