//! The chemistry studies (scenarios/charge-study, scenarios/winter-range): what the
//! models must show, whatever the exact figures.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::Value;

const CHEMS: [&str; 4] = ["nmc-graphite", "sulfide", "oxide", "polymer"];

fn summary(rel: &str) -> Value {
    let out = common::run(&["run", &format!("scenarios/{rel}.toml"), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{rel}: {}",
        common::stderr(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// 10 → 80 % time of the scenario's charge stop, minutes.
fn ten_to_eighty_min(rel: &str) -> (f64, Value) {
    let j = summary(&format!("charge-study/{rel}"));
    let stop = &j["charge_stops"][0];
    let t = stop["time_10_to_80_s"]
        .as_f64()
        .unwrap_or_else(|| panic!("{rel}: no 10→80 time: {stop}"));
    (t / 60.0, j)
}

#[test]
fn the_charge_study_shows_what_the_chemistries_can_do() {
    let mut at25 = std::collections::BTreeMap::new();
    for chem in CHEMS {
        let (warm, j) = ten_to_eighty_min(&format!("{chem}-plus25c-pre"));
        let (pre, _) = ten_to_eighty_min(&format!("{chem}-plus0c-pre"));
        let (cold, jc) = ten_to_eighty_min(&format!("{chem}-plus0c-cold"));
        // At 0 °C, a cold pack never charges faster than a preconditioned one.
        assert!(
            cold >= pre - 0.1,
            "{chem}: cold {cold} min, preconditioned {pre} min"
        );
        // The BMS keeps every charge inside its plating / dendrite margin (0.9), to
        // within the lag of a limit refreshed once a second; never above 1.
        for s in [&j, &jc] {
            let r = s["plating_ratio_max"].as_f64().unwrap();
            assert!(r < 0.92, "{chem}: plating ratio {r}");
            assert_eq!(s["plating_over_s"].as_f64().unwrap(), 0.0, "{chem}");
        }
        at25.insert(chem, warm);
    }
    // The liquid baseline at 25 °C falls in the band of real 800 V cars: 18 min
    // (Ioniq 5, Taycan Gen 2) to 31 min (Lucid Air GT), physics-reference §5; the
    // station is 350 kW like theirs.
    let liquid = at25["nmc-graphite"];
    assert!(
        (18.0..=32.0).contains(&liquid),
        "liquid 10→80 at 25 °C: {liquid} min"
    );
    // With its best-case critical current density and warm, the sulfide pack charges
    // faster than the liquid one; the generic garnet (CCD 1 mA/cm²) and the polymer
    // (0.25C) cannot fast-charge at all.
    assert!(at25["sulfide"] < liquid, "{at25:?}");
    assert!(at25["oxide"] > 2.0 * liquid, "{at25:?}");
    assert!(at25["polymer"] > 3.0 * 60.0, "{at25:?}");
}

#[test]
fn every_chemistry_loses_range_at_minus_20() {
    for chem in CHEMS {
        let warm = summary(&format!("winter-range/{chem}-plus25c"));
        let cold = summary(&format!("winter-range/{chem}-minus20c"));
        let range = |j: &Value| j["estimated_range_km"].as_f64().unwrap();
        assert!(
            range(&cold) < 0.8 * range(&warm),
            "{chem}: {} vs {} km",
            range(&cold),
            range(&warm)
        );
        // The cold-soaked packs (not the always-warm polymer) are heated on the way.
        let thermal = cold["energy_breakdown"]["thermal_kwh"].as_f64().unwrap();
        assert!(thermal > 1.0, "{chem}: pack heating {thermal} kWh");
        // Same drive, same distance.
        let d = |j: &Value| j["distance_km"].as_f64().unwrap();
        assert!((d(&cold) - d(&warm)).abs() < 0.1);
    }
}

#[test]
fn compare_prints_range_loss_against_the_first() {
    let out = common::run(&[
        "compare",
        "scenarios/winter-range/sulfide-plus25c.toml",
        "scenarios/winter-range/sulfide-minus20c.toml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let text = common::stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].contains("+0.0 %"), "{text}");
    // The second line carries a negative change of range.
    assert!(lines[2].contains(" -"), "{text}");
    assert!(lines[2].contains("-20 °C"), "{text}");
}
