//! `evtwin cell replay` against an independent equivalent-circuit implementation:
//! PyBaMM's Thevenin model (the python package `pybamm`) with the same one- and
//! two-RC cells and current profile agrees within 2 mV RMS. Also `evtwin cell fit`
//! end to end: the table it writes from evtwin's own replay of HPPC pulses loads
//! and holds the cell's R0.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `(current_a, seconds)`: rests, discharge and charge steps, 380 s.
const STEPS: [(f64, u32); 8] = [
    (5.0, 30),
    (0.0, 20),
    (-3.0, 15),
    (10.0, 10),
    (0.0, 40),
    (2.5, 120),
    (-5.0, 25),
    (0.0, 120),
];

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A 5 Ah cell with constant R and C and a three-point OCV; `two`: a second RC.
fn cell(dir: &Path, two: bool) -> PathBuf {
    let (head, rc2) = if two {
        (",r2_ohm,c2_f", ",0.006,10000")
    } else {
        ("", "")
    };
    let mut table = format!("soc,temp_c,ocv_v,r0_ohm,r1_ohm,c1_f{head}\n");
    for (soc, ocv) in [(0.0, 3.0), (0.5, 3.7), (1.0, 4.2)] {
        writeln!(table, "{soc},25,{ocv},0.01,0.008,2500{rc2}").unwrap();
    }
    write(dir, "table.csv", &table);
    write(
        dir,
        "cell.toml",
        "name = \"check\"\ncapacity_ah = 5.0\nvoltage_max_v = 4.3\nvoltage_min_v = 2.5\n\
         max_charge_c = 3\nmax_discharge_c = 3\nmass_kg = 0.07\nvolume_l = 0.024\n\
         specific_heat_j_per_kg_k = 1000\ntable = \"table.csv\"\n[temperature]\n\
         charge_min_c = 0\ncharge_max_c = 45\ndischarge_min_c = -20\ndischarge_max_c = 60\n\
         charge_optimum_c = 25\n",
    )
}

/// The profile at 1 s rows: row k carries the current of the second ending at k.
fn profile(dir: &Path) -> PathBuf {
    let mut text = String::from("time_s,current_a\n0,5\n");
    let mut t = 0;
    for (amps, secs) in STEPS {
        for _ in 0..secs {
            t += 1;
            writeln!(text, "{t},{amps}").unwrap();
        }
    }
    write(dir, "profile.csv", &text)
}

fn column(csv: &str, name: &str) -> Vec<f64> {
    let mut lines = csv.lines().filter(|l| !l.starts_with('#'));
    let k = lines
        .next()
        .unwrap()
        .split(',')
        .position(|h| h == name)
        .unwrap();
    lines
        .map(|l| l.split(',').nth(k).unwrap().parse().unwrap())
        .collect()
}

/// `evtwin cell replay CELL --current PROFILE --soc-pct SOC -o OUT`.
fn replay(cell: &Path, profile: &Path, soc_pct: &str, out: &Path) -> std::process::Output {
    common::run(&[
        "cell",
        "replay",
        cell.to_str().unwrap(),
        "--current",
        profile.to_str().unwrap(),
        "--soc-pct",
        soc_pct,
        "-o",
        out.to_str().unwrap(),
    ])
}

/// PyBaMM's voltages at every second; `None` (skip) without python and pybamm
/// unless `EVTWIN_REQUIRE_PYTHON` is set.
fn pybamm(table: &Path) -> Option<Vec<f64>> {
    if !common::python_has("pybamm") {
        return None;
    }
    let steps: Vec<String> = STEPS.iter().map(|(a, s)| format!("{a}:{s}")).collect();
    let out = Command::new("python3")
        .arg(common::root().join("tests/pybamm_check.py"))
        .args([table.to_str().unwrap(), "5", "0.8", &steps.join(",")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pybamm checker failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(column(&String::from_utf8_lossy(&out.stdout), "voltage_v"))
}

#[test]
fn replay_agrees_with_pybamm_thevenin_within_2_mv_rms() {
    for two in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let cell = cell(dir.path(), two);
        let profile = profile(dir.path());
        let out_csv = dir.path().join("out.csv");
        let out = replay(&cell, &profile, "80", &out_csv);
        assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
        let ours = column(&std::fs::read_to_string(&out_csv).unwrap(), "voltage_v");
        let Some(theirs) = pybamm(&dir.path().join("table.csv")) else {
            return;
        };
        assert_eq!(ours.len(), theirs.len());
        let sq: f64 = ours.iter().zip(&theirs).map(|(a, b)| (a - b).powi(2)).sum();
        let rms = (sq / ours.len() as f64).sqrt();
        eprintln!(
            "{} RC: {:.4} mV RMS against PyBaMM",
            if two { 2 } else { 1 },
            rms * 1e3
        );
        assert!(rms < 0.002, "{rms} V RMS");
    }
}

#[test]
fn bad_profiles_are_reported_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let cell = cell(dir.path(), false);
    let bad = write(dir.path(), "bad.csv", "time_s,current_a\n0,1\n1,x\n");
    let out = common::run(&[
        "cell",
        "replay",
        cell.to_str().unwrap(),
        "--current",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("bad.csv:3:3"),
        "{}",
        common::stderr(&out)
    );
    let out = common::run(&[
        "cell",
        "replay",
        "no-such-cell",
        "--current",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("unknown cell"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn fit_writes_a_table_that_holds_the_cells_resistances() {
    let dir = tempfile::tempdir().unwrap();
    let cell = cell(dir.path(), true);
    // HPPC at 1 Hz from 90 %: three levels of 10 s 1C / 10 s 0.75C pulses with
    // 40 s rests, C/2 down by 10 %, 20-minute rests.
    let mut text = String::from("time_s,current_a\n0,0\n");
    let mut t = 0;
    let mut add = |amps: f64, secs: u32, text: &mut String| {
        for _ in 0..secs {
            t += 1;
            writeln!(text, "{t},{amps}").unwrap();
        }
    };
    add(0.0, 1200, &mut text);
    for _ in 0..3 {
        for (amps, secs) in [
            (5.0, 10),
            (0.0, 40),
            (-3.75, 10),
            (0.0, 40),
            (2.5, 720),
            (0.0, 1200),
        ] {
            add(amps, secs, &mut text);
        }
    }
    let profile = write(dir.path(), "hppc-current.csv", &text);
    let hppc = dir.path().join("hppc.csv");
    let replay = replay(&cell, &profile, "90", &hppc);
    assert_eq!(replay.status.code(), Some(0), "{}", common::stderr(&replay));
    let table = dir.path().join("fitted.csv");
    let out = common::run(&[
        "cell",
        "fit",
        hppc.to_str().unwrap(),
        "-o",
        table.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert!(
        common::stdout(&out).contains("6 pulses, 3 table rows"),
        "{}",
        common::stdout(&out)
    );
    let text = std::fs::read_to_string(&table).unwrap();
    for (k, want) in [("r0_ohm", 0.01), ("r1_ohm", 0.008), ("r2_ohm", 0.006)] {
        for got in column(&text, k) {
            assert!(
                (got / want - 1.0).abs() < 0.05,
                "{k}: {got} vs {want}\n{text}"
            );
        }
    }
    // The fitted table is a cell table evtwin loads.
    std::fs::copy(&table, dir.path().join("table.csv")).unwrap();
    let check = common::run(&[
        "cell",
        "replay",
        cell.to_str().unwrap(),
        "--current",
        profile.to_str().unwrap(),
        "--soc-pct",
        "90",
    ]);
    assert_eq!(check.status.code(), Some(0), "{}", common::stderr(&check));
}
