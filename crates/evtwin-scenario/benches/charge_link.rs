//! One full CHAdeMO charge stop in virtual time (the shipped
//! `scenarios/charge-protocol/chademo.toml`: 30 → 45 %, about 12 min at
//! ~45 kW), both sides in-process, against the same stop with timed phases:
//! what the conversation costs. Prints the frames of one session.
//!
//! `cargo bench -p evtwin-scenario --bench charge_link` (figures in the README).

// In tests and benches a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use evtwin_scenario::charge_link::Protocol;
use evtwin_scenario::{RunOptions, Runner, Scenario, Summary};
use evtwin_sim::Status;

fn shipped() -> Scenario {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/charge-protocol/chademo.toml");
    evtwin_scenario::load(&p).unwrap_or_else(|e| panic!("{}", e.render()))
}

fn session(s: &Scenario) -> Summary {
    let mut r = Runner::new(s, &RunOptions::default(), None::<Vec<u8>>).unwrap();
    while r.step().unwrap() == Status::Running {}
    r.finish(false).unwrap().summary
}

fn charge_stop(c: &mut Criterion) {
    let with = shipped();
    let mut timed = with.clone();
    timed.charge_protocols = vec![Protocol::None; timed.charge_protocols.len()];
    let one = session(&with);
    let p = one.charge_stops[0].protocol.clone().unwrap();
    eprintln!(
        "one CHAdeMO session: {:.0} s of virtual time, {} steps, {} frames sent, {} received",
        one.charge_stops[0].duration_s, one.performance.steps, p.frames_sent, p.frames_received
    );
    let mut g = c.benchmark_group("charge_stop");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("chademo_both_sides", |b| b.iter(|| session(&with)));
    g.bench_function("timed_phases", |b| b.iter(|| session(&timed)));
    g.finish();
}

criterion_group!(benches, charge_stop);
criterion_main!(benches);
