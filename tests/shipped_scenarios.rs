//! Every shipped scenario runs through the CLI, finishes cleanly, and produces the
//! same trace, bit for bit, as its golden hash (`tests/golden/<name>.sha256`).
//! After an intended change of behaviour, re-bless with
//! `EVTWIN_BLESS=1 cargo test --release -p evtwin-cli --test shipped_scenarios`.
//! `EVTWIN_GOLDEN_TOP_ONLY=1` checks only the top-level scenarios (the debug-build
//! check in tools/test-all uses it: the studies take long unoptimised).
//! The shipped suite (`scenarios/suite*/`) is not here: its scenarios end in
//! faults on purpose and are judged by their own expectations
//! (`tests/shipped_suite.rs`, `tests/vcan/suite.rs`), not by a golden trace.

// In tests and benches a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use serde_json::Value;

fn sha256_of(path: &Path) -> String {
    // The CLI prints the hash of the trace it wrote; recompute independently with
    // the system's sha256sum.
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

fn run_with_trace(scenario: &Path, dir: &Path, extra: &[&str]) -> (Value, String) {
    let trace = dir.join("trace.csv");
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--json",
        "--trace",
        trace.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = common::run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    (summary, sha256_of(&trace))
}

#[test]
fn every_shipped_scenario_matches_its_golden_trace() {
    let top_only = std::env::var_os("EVTWIN_GOLDEN_TOP_ONLY").is_some();
    let suite = common::root().join("scenarios/suite");
    let scenarios: Vec<_> = common::shipped_scenarios_in(!top_only)
        .into_iter()
        .filter(|p| !p.starts_with(&suite) && !p.starts_with(suite.with_file_name("suite-vcan")))
        .collect();
    assert!(scenarios.len() >= 3, "at least three shipped scenarios");
    let bless = std::env::var_os("EVTWIN_BLESS").is_some();
    let mut failures = Vec::new();
    for s in &scenarios {
        let dir = tempfile::tempdir().unwrap();
        let (summary, hash) = run_with_trace(s, dir.path(), &[]);
        assert_eq!(summary["status"], "finished", "{}", s.display());
        assert_eq!(
            summary["faults"].as_array().unwrap().len(),
            0,
            "{}",
            s.display()
        );
        let rel = s.strip_prefix(common::root().join("scenarios")).unwrap();
        let name = rel.with_extension("").to_str().unwrap().replace('/', "__");
        let golden = common::root().join(format!("tests/golden/{name}.sha256"));
        if bless {
            std::fs::write(&golden, format!("{hash}\n")).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_default();
        if want.trim() != hash {
            failures.push(format!("{name}: trace {hash}, golden {}", want.trim()));
        }
    }
    assert!(
        failures.is_empty(),
        "traces changed (re-bless if intended):\n{}",
        failures.join("\n")
    );
}

#[test]
fn same_seed_same_trace_other_seed_other_trace() {
    let s = common::root().join("scenarios/alpine-commute-model3.toml");
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    let (_, h1) = run_with_trace(&s, a.path(), &[]);
    let (_, h2) = run_with_trace(&s, b.path(), &[]);
    let (_, h3) = run_with_trace(&s, c.path(), &["--seed", "4"]);
    assert_eq!(h1, h2, "same scenario and seed must give the same trace");
    assert_ne!(h1, h3, "another seed draws another cell spread");
}

#[test]
fn the_long_trip_is_long_and_stops_to_charge() {
    let s = common::root().join("scenarios/shanghai-beijing-ssb.toml");
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = run_with_trace(&s, dir.path(), &[]);
    // ≥ 1200 km on a solid-state pack with one short stop.
    assert!(j["distance_km"].as_f64().unwrap() >= 1200.0);
    assert_eq!(j["pack"]["chemistry"], "sulfide");
    assert_eq!(j["charge_stops"].as_array().unwrap().len(), 1);
    assert!(j["charge_stops"][0]["duration_s"].as_f64().unwrap() < 20.0 * 60.0);
    let stops = j["charge_stops"].as_array().unwrap();
    assert!(!stops.is_empty());
    for stop in stops {
        assert!(stop["duration_s"].as_f64().unwrap() > 60.0);
        assert!(stop["energy_pack_kwh"].as_f64().unwrap() > 1.0);
        // The grid pays for the pack, the auxiliaries and the station's losses.
        assert!(
            stop["energy_grid_kwh"].as_f64().unwrap() > stop["energy_pack_kwh"].as_f64().unwrap()
        );
    }
}

#[test]
fn the_winter_drive_is_at_minus_20_and_heats_the_cabin() {
    let s = common::root().join("scenarios/winter-city-minus20.toml");
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = run_with_trace(&s, dir.path(), &[]);
    let trace = std::fs::read_to_string(dir.path().join("trace.csv")).unwrap();
    let header: Vec<&str> = trace.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (amb, hvac) = (col("env.ambient_c"), col("aux.hvac_power_w"));
    let row: Vec<f64> = trace
        .lines()
        .nth(100)
        .unwrap()
        .split(',')
        .map(|x| x.parse().unwrap())
        .collect();
    assert_eq!(row[amb], -20.0);
    assert!(
        row[hvac] > 2000.0,
        "cabin heating at −20 °C: {} W",
        row[hvac]
    );
    // Heating dominates a slow city drive: far above the ≈ 120 Wh/km of mild weather.
    assert!(j["energy_wh_per_km"].as_f64().unwrap() > 180.0);
}
