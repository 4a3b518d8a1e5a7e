//! The cost of expectations: a whole run (2 km and a short charge stop, some
//! 25 000 steps) without expectations and with ten of them (signals always,
//! in a window, at a time, statistics; events after events; the summary).
//!
//! `cargo bench -p evtwin-scenario --bench expect`. On a busy machine:
//! `EVTWIN_BENCH_MIN=1` also prints the fastest of 30 alternating runs each;
//! `EVTWIN_BENCH_ONE=none` (or `ten`) runs once and exits, for an instruction
//! count (`valgrind --tool=callgrind target/release/deps/expect-…`).

// In tests and benches a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use evtwin_scenario::{Quiet, RunOptions, Scenario, Source};

const BASE: &str = r#"[scenario]
name = "bench"
[vehicle]
preset = "model3-rwd-2022"
[pack]
initial_soc_pct = 50
[[route]]
cruise = { distance_km = 2, speed_kph = 50 }
[[route]]
charge = { station = "fast", until_soc_pct = 53 }
[stations.fast]
max_power_kw = 150
max_voltage_v = 500
max_current_a = 375
"#;

const TEN: &str = r#"
[[expect]]
signal = "pack.temp_max_c"
always = true
max = 55
[[expect]]
signal = "pack.cell_v_min_v"
never = true
max = 2.5
[[expect]]
signal = "charger.dc_power_w"
stat = "mean"
window_s = [200, 230]
min = 10
unit = "kW"
[[expect]]
signal = "pack.soc_pct"
at_s = 60
min = 40
[[expect]]
signal = "pack.soc_pct"
at = "end"
min = 52
[[expect]]
after = "charge_start"
within_s = 120
event = "signal:charger.dc_power_w > 50 kW"
[[expect]]
after = "leg_end:0"
within_s = 60
event = "charge_start"
[[expect]]
event = "fault:cell_over_temperature"
never = true
[[expect]]
summary = "energy_wh_per_km"
max = 300
[[expect]]
summary = "stop.duration_s"
max = 600
"#;

fn scenario(text: &str) -> Scenario {
    let src = Source {
        name: "bench.toml".into(),
        text: text.into(),
    };
    evtwin_scenario::from_source(&src, Path::new(".")).unwrap_or_else(|e| panic!("{}", e.render()))
}

fn runs(c: &mut Criterion) {
    let none = scenario(BASE);
    let ten = scenario(&format!("{BASE}{TEN}"));
    if let Some(which) = std::env::var_os("EVTWIN_BENCH_ONE") {
        let s = if which == "ten" { &ten } else { &none };
        let out =
            evtwin_scenario::run(s, &RunOptions::default(), None::<Vec<u8>>, &mut Quiet).unwrap();
        black_box(out);
        std::process::exit(0);
    }
    let out =
        evtwin_scenario::run(&ten, &RunOptions::default(), None::<Vec<u8>>, &mut Quiet).unwrap();
    assert_eq!(out.verdicts.expectations.len(), 10);
    assert!(out.verdicts.passed(), "{:#?}", out.verdicts);
    // On a busy machine, the fastest of alternating runs says more than a mean.
    if std::env::var_os("EVTWIN_BENCH_MIN").is_some() {
        let mut best = [f64::INFINITY; 2];
        for _ in 0..30 {
            for (k, s) in [&none, &ten].into_iter().enumerate() {
                let t = std::time::Instant::now();
                evtwin_scenario::run(s, &RunOptions::default(), None::<Vec<u8>>, &mut Quiet)
                    .unwrap();
                best[k] = best[k].min(t.elapsed().as_secs_f64());
            }
        }
        eprintln!(
            "fastest of 30: none {:.2} ms, ten {:.2} ms, ratio {:.3}",
            best[0] * 1e3,
            best[1] * 1e3,
            best[1] / best[0]
        );
    }
    let mut g = c.benchmark_group("expect");
    g.measurement_time(Duration::from_secs(10));
    g.sample_size(20);
    for (name, s) in [("run_none", &none), ("run_ten", &ten)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let out =
                    evtwin_scenario::run(s, &RunOptions::default(), None::<Vec<u8>>, &mut Quiet)
                        .unwrap();
                black_box(out.verdicts.expectations.len())
            });
        });
    }
    g.finish();
}

criterion_group!(benches, runs);
criterion_main!(benches);
