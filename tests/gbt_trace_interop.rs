//! GB/T 27930 interop evidence against the run's own trace (issue 12, point 7):
//! the shipped `scenarios/charge-protocol/gbt27930.toml` runs through the real
//! binary (`evtwin bridge --iface inproc --log … --trace …`), and
//! `tests/gbt_trace_interop.py` decodes the logged frames with python cantools
//! and `assets/dbc/gbt27930.dbc` (BRM / BCP / BCS reassembled from TP.CM /
//! TP.DT by hand) and compares every field with the trace row the frame was
//! made from (the plant one step before the frame), within the DBC scaling's
//! half step; the protocol's first frames must fall where the trace's
//! `charge.protocol_phase` reaches their phase. The library-level comparison
//! (what the state machines sent) is `crates/evtwin-can/tests/gbt_cantools.rs`.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// What the checker reads from the trace, sampled every step.
const SIGNALS: &[&str] = &[
    "pack.voltage_v",
    "pack.charge_limit_a",
    "pack.charge_power_limit_w",
    "pack.cell_v_min_v",
    "pack.cell_v_max_v",
    "pack.temp_min_c",
    "pack.temp_max_c",
    "bms.soc_est_pct",
    "charger.voltage_v",
    "charger.current_a",
    "charger.dc_power_w",
    "charge.protocol_phase",
];

/// The shipped scenario with its `[trace]` (its last table) replaced by one
/// sampled every step with [`SIGNALS`].
fn dense_copy(dir: &Path) -> std::path::PathBuf {
    let shipped = common::root().join("scenarios/charge-protocol/gbt27930.toml");
    let text = std::fs::read_to_string(&shipped).unwrap();
    let (head, trace) = text
        .split_once("\n[trace]\n")
        .expect("the scenario has [trace]");
    assert!(
        !trace.contains("\n["),
        "[trace] is no longer the scenario's last table; adapt dense_copy"
    );
    let list: Vec<String> = SIGNALS.iter().map(|s| format!("\"{s}\"")).collect();
    let path = dir.join("gbt27930.toml");
    std::fs::write(
        &path,
        format!(
            "{head}\n[trace]\nevery_s = 0.01\nsignals = [{}]\n",
            list.join(", ")
        ),
    )
    .unwrap();
    path
}

#[test]
fn cantools_decodes_the_bridge_log_and_agrees_with_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dense_copy(dir.path());
    let (log, trace) = (dir.path().join("gbt.log"), dir.path().join("gbt.csv"));
    let out = common::run(&[
        "bridge",
        scenario.to_str().unwrap(),
        "--iface",
        "inproc",
        "--log",
        log.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
        "--json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let summary_path = dir.path().join("summary.json");
    std::fs::write(&summary_path, &out.stdout).unwrap();
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        summary["step_ms"], 10.0,
        "the trace is sampled every 10 ms step"
    );
    let proto = &summary["charge_stops"][0]["protocol"];
    assert_eq!(proto["stop_reason"], "bst(soc_reached)", "{proto}");
    if !common::python_has("cantools") {
        return;
    }
    let root = common::root();
    let out = Command::new("python3")
        .arg(root.join("tests/gbt_trace_interop.py"))
        .args([&log, &trace, &summary_path, &scenario])
        .arg(root.join("assets/dbc/gbt27930.dbc"))
        .arg(root.join("assets/cells"))
        .output()
        .unwrap();
    let stdout = common::stdout(&out);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "the frames disagree with the trace:\n{}\n{stdout}",
        common::stderr(&out)
    );
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(report["errors"], 0, "{report}");
    // every GB/T frame the twin's sides sent is in the log and was read
    assert_eq!(report["gbt_frames"], proto["frames_sent"], "{report}");
    let n = |m: &str| report["frames"][m].as_u64().unwrap_or(0);
    // 342 s of charging: BCL and CCS every 50 ms, BCS and BSM every 250 ms
    for (m, at_least) in [("BCL", 6000), ("CCS", 6000), ("BCS", 1300), ("BSM", 1300)] {
        assert!(n(m) >= at_least, "{m}: {} compared\n{report}", n(m));
    }
    for m in [
        "CHM", "BHM", "BRM", "BCP", "CML", "CTS", "CRO", "BST", "CST", "BSD",
    ] {
        assert!(n(m) >= 1, "no {m} compared\n{report}");
    }
    assert_eq!(n("BRM"), 1, "{report}");
    assert!(report["fields"].as_u64().unwrap() > 50_000, "{report}");
    // the comparator bites: a BCS SOC 2 % off and a BST 10 s early are reported
    assert_eq!(report["self_check"]["bcs_soc_2pct"], true, "{report}");
    assert_eq!(report["self_check"]["bst_10s_early"], true, "{report}");
    // the phases' first frames, in order, after the 5 s plug-in
    let t = |k: &str| report["phase_times_s"][k].as_f64().unwrap();
    assert!(t("first CHM") >= 5.0, "{report}");
    assert!(t("first CHM") <= t("BRO 0xAA") && t("BRO 0xAA") <= t("first BCL"));
    assert!(t("first BCL") < t("first BST") && t("first BST") <= t("first CSD"));
}
