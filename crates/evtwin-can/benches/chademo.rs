//! CHAdeMO state machines' per-frame cost: each side taking the other's frame
//! mid-charge (decode, checks, ramp), each side's 100 ms burst (encode), and a
//! whole virtual-time session (both sides and the tests' plant, 20 → 21 % SOC,
//! about 40 s of charging).
//!
//! `cargo bench -p evtwin-can --bench chademo -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/chademo_sim/mod.rs"]
mod chademo_sim;

use std::hint::black_box;

use chademo_sim::Sim;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use evtwin_can::chademo::{ChargerPhase, Side};

/// Both sides mid-charge at 30 s, and a frame of each.
fn charging() -> Sim {
    let mut sim = Sim::standard();
    sim.run_with(30_000_000, |_| {});
    assert_eq!(sim.ch.phase(), ChargerPhase::Charging);
    sim
}

fn bench(c: &mut Criterion) {
    let sim = charging();
    let ev_frame = sim.frames(Side::Ev, 0x102).last().unwrap().frame;
    let ch_frame = sim.frames(Side::Charger, 0x109).last().unwrap().frame;
    let t0 = sim.now_us;

    let mut g = c.benchmark_group("chademo");
    g.throughput(Throughput::Elements(1));
    let mut ch = sim.ch.clone();
    let mut t = t0;
    g.bench_function("charger_handle_frame_0x102", |b| {
        b.iter(|| {
            t += 10;
            ch.handle_frame(black_box(&ev_frame), t);
            while ch.poll_event().is_some() {}
        });
    });
    let mut ev = sim.ev.clone();
    let mut t = t0;
    g.bench_function("ev_handle_frame_0x109", |b| {
        b.iter(|| {
            t += 10;
            ev.handle_frame(black_box(&ch_frame), t);
            while ev.poll_event().is_some() {}
        });
    });
    let mut ev = sim.ev.clone();
    let mut t = t0;
    g.throughput(Throughput::Elements(3));
    g.bench_function("ev_burst_3_frames", |b| {
        b.iter(|| {
            t += 100_000;
            ev.handle_frame(&ch_frame, t);
            ev.handle_timeout(t);
            while let Some(f) = ev.poll_transmit(t) {
                black_box(f);
            }
        });
    });
    let mut ch = sim.ch.clone();
    let mut t = t0;
    g.throughput(Throughput::Elements(2));
    g.bench_function("charger_burst_2_frames", |b| {
        b.iter(|| {
            t += 100_000;
            ch.handle_frame(&ev_frame, t);
            ch.handle_timeout(t);
            while let Some(f) = ch.poll_transmit(t) {
                black_box(f);
            }
        });
    });
    let frames = {
        let mut s = Sim::standard();
        s.stop_soc_pct = 21.0;
        s.run();
        s.sent.len() as u64
    };
    g.throughput(Throughput::Elements(frames));
    g.sample_size(10);
    g.bench_function("session_both_sides", |b| {
        b.iter(|| {
            let mut s = Sim::standard();
            s.stop_soc_pct = 21.0;
            s.run();
            black_box(s.sent.len())
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
