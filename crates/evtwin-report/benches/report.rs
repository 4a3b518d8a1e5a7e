//! The suite's per-scenario report cost: JUnit XML and HTML (with its six SVG
//! plots of a full 2000-sample recording) for one scenario.

use criterion::{Criterion, criterion_group, criterion_main};
use evtwin_report::{
    Outcome, Recording, Sample, ScenarioMeta, ScenarioReport, SuiteReport, TestCase,
};

fn suite() -> SuiteReport {
    let samples = (0..evtwin_report::MAX_SAMPLES)
        .map(|i| {
            let t = i as f64;
            Sample {
                time_s: t,
                speed_kph: 60.0 + 20.0 * (t / 50.0).sin(),
                soc_pct: 80.0 - t / 100.0,
                soc_est_pct: 80.2 - t / 100.0,
                pack_power_kw: 30.0 * (t / 20.0).cos(),
                cell_v_min_v: 3.6,
                cell_v_max_v: 3.7,
                temp_min_c: 25.0 + t / 500.0,
                temp_max_c: 27.0 + t / 400.0,
                charge_power_kw: if i > 1500 { 150.0 } else { 0.0 },
            }
        })
        .collect();
    let case = |i: usize| TestCase {
        name: format!("expectation {i}"),
        description: "pack.soc_pct at the end ≥ 50 %".into(),
        outcome: if i == 0 {
            Outcome::Failed("measured 40 %".into())
        } else {
            Outcome::Passed
        },
        measured: Some(60.0),
        measured_text: "60 %".into(),
        bound_text: "≥ 50 %".into(),
        decided_at_s: Some(100.0),
        window_s: Some((10.0, 100.0)),
        message: "held".into(),
    };
    SuiteReport {
        name: "bench".into(),
        scenarios: vec![ScenarioReport {
            meta: ScenarioMeta {
                key: "a.toml".into(),
                name: "a".into(),
                description: None,
                seed: 0,
                scenario_sha256: String::new(),
                should_fail: false,
            },
            status: "finished".into(),
            duration_s: 2000.0,
            wall_s: 1.0,
            testcases: (0..5).map(case).collect(),
            faults: Vec::new(),
            stdout: "summary".into(),
            stderr: String::new(),
            recording: Some(Recording {
                samples,
                every_s: 1.0,
            }),
        }],
    }
}

fn bench(c: &mut Criterion) {
    let s = suite();
    c.bench_function("junit_one_scenario", |b| {
        b.iter(|| evtwin_report::junit::write(&s));
    });
    c.bench_function("html_one_scenario_2000_samples", |b| {
        b.iter(|| evtwin_report::html::write(&s));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
