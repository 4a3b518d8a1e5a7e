//! FASTSim (NREL; the python package `fastsim` 3.1) as an independent checker of the vehicle
//! model, as cantools is for the codec: the reference sedan and FASTSim's own 2022
//! Model 3 RWD (the source of its figures) on UDDS, HWFET and US06 agree on the
//! energy out of the battery terminals per km within ±3 % and on distance within
//! 0.1 %. The known modelling differences and their sizes are in the README
//! ("Checked against FASTSim").

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn cycles() -> PathBuf {
    common::root().join("../shared/data/cycles")
}

/// FASTSim's results for `files`, one JSON object each; `None` (skip) when python
/// or fastsim is missing and `EVTWIN_REQUIRE_PYTHON` is not set.
fn fastsim(files: &[PathBuf]) -> Option<Vec<Value>> {
    if !common::python_has("fastsim") {
        return None;
    }
    let out = Command::new("python3")
        .arg(common::root().join("tests/fastsim_check.py"))
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "fastsim checker failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some(
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    )
}

/// evtwin's summary for the reference sedan on `cycle` at 22 °C (FASTSim's default
/// ambient; neither car heats nor cools its cabin there), default step and driver.
fn evtwin(dir: &Path, cycle: &Path) -> Value {
    let scenario = dir.join("cycle.toml");
    std::fs::write(
        &scenario,
        format!(
            "[scenario]\nname = \"fastsim check\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
             [environment]\nambient_c = 22\n[[route]]\ncycle = {{ file = \"{}\" }}\n",
            cycle.display()
        ),
    )
    .unwrap();
    let out = common::run(&["run", scenario.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn terminal_energy_and_distance_agree_with_fastsim() {
    let files: Vec<PathBuf> = ["udds.csv", "hwfet.csv", "us06.csv"]
        .iter()
        .map(|f| cycles().join(f))
        .collect();
    let Some(reference) = fastsim(&files) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (file, fs) in files.iter().zip(&reference) {
        let ev = evtwin(dir.path(), file);
        let fs_km = fs["distance_m"].as_f64().unwrap() / 1000.0;
        let fs_wh_per_km = fs["terminal_j"].as_f64().unwrap() / 3600.0 / fs_km;
        let ev_km = ev["distance_km"].as_f64().unwrap();
        let ev_wh_per_km = ev["energy_wh_per_km"].as_f64().unwrap();
        let name = file.file_name().unwrap().to_string_lossy();
        eprintln!(
            "{name}: evtwin {ev_wh_per_km:.2} Wh/km over {ev_km:.4} km, FASTSim \
             {fs_wh_per_km:.2} Wh/km over {fs_km:.4} km ({:+.2} %)",
            (ev_wh_per_km / fs_wh_per_km - 1.0) * 100.0
        );
        assert!(
            (ev_wh_per_km / fs_wh_per_km - 1.0).abs() < 0.03,
            "{name}: {ev_wh_per_km} vs FASTSim {fs_wh_per_km} Wh/km"
        );
        assert!(
            (ev_km / fs_km - 1.0).abs() < 0.001,
            "{name}: {ev_km} vs FASTSim {fs_km} km"
        );
    }
}
