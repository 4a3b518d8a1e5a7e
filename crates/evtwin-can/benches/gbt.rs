//! GB/T 27930 state machines: the per-frame cost of each side while charging
//! (the vehicle taking a CCS, the charger taking a BCL, a 9-byte BCS through the
//! J1939 transport), and a whole both-sides session in virtual time (wall time;
//! throughput counts its frames).
//!
//! `cargo bench -p evtwin-can --no-default-features --bench gbt -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, dead_code)]

#[path = "../tests/gbt_support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use evtwin_can::gbt::{Bcl, Ccs, Mode, PGN_BCL, PGN_CCS, Phase};
use evtwin_can::j1939::{J1939Id, TpConfig, Transport};
use support::Session;

fn charging() -> Session {
    let mut s = Session::new();
    s.run(60_000_000, |s| {
        s.v.phase() == Phase::Charging && s.c.phase() == Phase::Charging
    });
    s
}

fn per_frame(c: &mut Criterion) {
    let mut g = c.benchmark_group("gbt_per_frame");
    g.throughput(Throughput::Elements(1));
    let ccs = J1939Id::new(6, PGN_CCS, 0x56, 0xF4).frame(
        &Ccs {
            v: 390.0,
            a: 100.0,
            minutes: 1.0,
            permit: true,
        }
        .encode(),
    );
    let bcl = J1939Id::new(6, PGN_BCL, 0xF4, 0x56).frame(
        &Bcl {
            v: 420.0,
            a: 120.0,
            mode: Mode::ConstantCurrent,
        }
        .encode(),
    );
    let mut s = charging();
    let mut now = s.now;
    g.bench_function("vehicle_ccs", |b| {
        b.iter(|| {
            now += 1;
            s.v.handle_frame(black_box(&ccs), now);
        });
    });
    let mut s = charging();
    let mut now = s.now;
    g.bench_function("charger_bcl", |b| {
        b.iter(|| {
            now += 1;
            s.c.handle_frame(black_box(&bcl), now);
        });
    });
    // a BCS (9 bytes: RTS, CTS, 2 DT, EOMA) from one transport to another
    let mut tx = Transport::new(0xF4, TpConfig::default());
    let mut rx = Transport::new(0x56, TpConfig::default());
    let payload = [0x11u8; 9];
    let mut now = 0;
    g.bench_function("tp_bcs_9_bytes", |b| {
        b.iter(|| {
            now += 1000;
            tx.send(0x1100, 0x56, &payload, now).unwrap();
            loop {
                let mut moved = false;
                while let Some(f) = tx.poll_transmit() {
                    rx.handle_frame(&f, now);
                    moved = true;
                }
                while let Some(f) = rx.poll_transmit() {
                    tx.handle_frame(&f, now);
                    moved = true;
                }
                if !moved {
                    break;
                }
            }
            while rx.poll_event().is_some() {}
            while tx.poll_event().is_some() {}
        });
    });
    g.finish();
}

fn session(c: &mut Criterion) {
    let mut probe = Session::new();
    probe.run(120_000_000, Session::ended);
    let mut g = c.benchmark_group("gbt_session");
    g.sample_size(10);
    g.throughput(Throughput::Elements(probe.frames.len() as u64));
    g.bench_function("both_sides_79_to_80_pct", |b| {
        b.iter(|| {
            let mut s = Session::new();
            s.run(120_000_000, Session::ended);
            black_box(s.frames.len())
        });
    });
    g.finish();
}

criterion_group!(benches, per_frame, session);
criterion_main!(benches);
