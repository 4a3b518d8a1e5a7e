//! One full CHAdeMO charge stop in virtual time (the shipped
//! `scenarios/charge-protocol/chademo.toml`: 30 → 45 %, about 12 min at
//! ~45 kW), both sides in-process, against the same stop with timed phases:
//! what the conversation costs; and one GB/T 27930 stop, 10 → 80 % at a
//! 250 kW station (the 800 V sedan), both sides in-process. Prints the frames
//! of one session of each.
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

/// The 800 V sedan, 10 → 80 % at a 250 kW GB/T station (1000 V, 400 A).
const GBT_250: &str = r#"
[scenario]
name = "GB/T 10 -> 80 % at 250 kW"
[vehicle]
preset = "ssb-sedan-800v"
[pack]
initial_soc_pct = 10
initial_temp_c = 25
[environment]
ambient_c = 25
[[route]]
charge = { station = "g", until_soc_pct = 80, max_duration_min = 120, protocol = "gbt27930" }
[stations.g]
max_power_kw = 250
max_voltage_v = 1000
min_voltage_v = 200
max_current_a = 400
plug_in_s = 5
unplug_s = 5
"#;

fn gbt_250() -> Scenario {
    let src = evtwin_scenario::Source {
        name: "gbt-250.toml".into(),
        text: GBT_250.into(),
    };
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    evtwin_scenario::from_source(&src, &here.join("../../scenarios"))
        .unwrap_or_else(|e| panic!("{}", e.render()))
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
    let gbt = gbt_250();
    let one = session(&gbt);
    let cs = &one.charge_stops[0];
    let p = cs.protocol.clone().unwrap();
    eprintln!(
        "one GB/T session: {:.1} -> {:.1} % in {:.0} s of virtual time (peak {:.0} kW, {}), {} steps, {} frames sent, {} received, stop {:?}",
        cs.soc_start_pct,
        cs.soc_end_pct,
        cs.duration_s,
        cs.peak_power_kw,
        cs.end,
        one.performance.steps,
        p.frames_sent,
        p.frames_received,
        p.stop_reason
    );
    let mut g = c.benchmark_group("charge_stop");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("chademo_both_sides", |b| b.iter(|| session(&with)));
    g.bench_function("timed_phases", |b| b.iter(|| session(&timed)));
    g.bench_function("gbt_10_80_250kw", |b| b.iter(|| session(&gbt)));
    g.finish();
}

criterion_group!(benches, charge_stop);
criterion_main!(benches);
