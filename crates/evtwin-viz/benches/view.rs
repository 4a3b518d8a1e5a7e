//! Benchmarks of the viewer's per-frame CPU work that does not need a window:
//! reading a snapshot from the twin (the simulation thread, every 16 ms),
//! blending two snapshots (every frame), taking a step into the plot history
//! (every simulation step) and drawing a plot into its image.
//!
//! `cargo bench -p evtwin-viz --bench view` (figures in the README). Frame times
//! of the whole window: `evtwin view SCENARIO --frames 300 --no-vsync`.

// In benches a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use evtwin_sim::Twin;
use evtwin_viz::model::{History, PlotPoint, Sample, Snapshot};
use evtwin_viz::plots::{Canvas, PLOT_H, PLOT_W};

fn cruising_twin() -> Twin {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let s = evtwin_scenario::load(&root.join("scenarios/shanghai-beijing-ssb.toml")).unwrap();
    let mut twin = Twin::new(s.config).unwrap();
    for _ in 0..30_000 {
        twin.step();
    }
    twin
}

fn benches(c: &mut Criterion) {
    let twin = cruising_twin();
    let groups = twin.pack().groups();
    let balancing = twin.bms().output().balancing.clone();
    c.bench_function("snapshot/read_192_groups", |b| {
        b.iter(|| Snapshot::read(|s| Some(twin.read(s)), black_box(groups), &balancing));
    });
    let a = Snapshot::read(|s| Some(twin.read(s)), groups, &balancing);
    let z = a.clone();
    c.bench_function("snapshot/lerp_192_groups", |b| {
        b.iter(|| black_box(&a).lerp(black_box(&z), 0.5));
    });
    let mut h = History::new(1024, 1.0);
    let mut t = 0.0;
    c.bench_function("history/push", |b| {
        b.iter(|| {
            t += 0.01;
            h.push(black_box(Sample {
                time_s: t,
                pack_power_w: 20_000.0,
                charging: false,
                charger_power_w: 0.0,
                soc_pct: 80.0,
            }));
        });
    });
    let points: Vec<PlotPoint> = (0..1024)
        .map(|i| PlotPoint {
            x: f64::from(i),
            y: (f64::from(i) * 0.05).sin() * 100.0,
        })
        .collect();
    let mut data = vec![0u8; (PLOT_W * PLOT_H * 4) as usize];
    c.bench_function("plot/draw_1024_points", |b| {
        b.iter(|| {
            Canvas::new(&mut data, PLOT_W, PLOT_H).plot(
                black_box(&points),
                (0.0, 1024.0),
                (-110.0, 110.0),
                i64::MAX,
            );
        });
    });
}

criterion_group!(view, benches);
criterion_main!(view);
