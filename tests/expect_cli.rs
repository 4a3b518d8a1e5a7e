//! `evtwin run` with `[[expect]]`: a line per expectation after the summary,
//! the results in the JSON report, exit code 1 when one failed (and 0 when all
//! passed, a fault they expect included).

// In tests and benches a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

const MINIMAL: &str = r#"[scenario]
name = "minimal"
[vehicle]
preset = "model3-rwd-2022"
[[route]]
cruise = { distance_km = 2, speed_kph = 50 }
"#;

fn write(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("s.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn run(text: &str, json: bool) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), text);
    let mut args = vec!["run", p.to_str().unwrap()];
    if json {
        args.push("--json");
    }
    common::run(&args)
}

const TWO: &str = r#"
[[expect]]
name = "drove 2 km"
summary = "distance_km"
equals = 2
tolerance = 0.01
[[expect]]
name = "cool pack"
signal = "pack.temp_max_c"
always = true
max = 10
"#;

#[test]
fn a_failed_expectation_is_a_line_and_exit_code_1() {
    let out = run(&format!("{MINIMAL}{TWO}"), false);
    let text = common::stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("\nexpectations  1 of 2 passed\n"), "{text}");
    let pass = text
        .lines()
        .find(|l| l.contains("PASS  drove 2 km"))
        .unwrap();
    assert!(
        pass.contains("measured 2 km, bound = 2 ± 0.01 km, at "),
        "{pass}"
    );
    let fail = text
        .lines()
        .find(|l| l.contains("FAIL  cool pack"))
        .unwrap();
    // The pack starts at the ambient, 20 °C: above 10 at the first step.
    assert!(
        fail.contains("measured 20 °C, bound ≤ 10 °C, at 0.01 s: 20 °C at 0.01 s is out of bounds"),
        "{fail}"
    );

    let out = run(&format!("{MINIMAL}{TWO}"), true);
    assert_eq!(out.status.code(), Some(1));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["expectations_passed"], false);
    let e = &j["expectations"];
    assert_eq!(e[0]["name"], "drove 2 km");
    assert_eq!(e[0]["passed"], true);
    assert_eq!(e[1]["passed"], false);
    assert_eq!(e[1]["measured"], 20.0);
    assert_eq!(e[1]["decided_at_s"], 0.01);
    assert_eq!(e[1]["window_s"][0], 0.0);
    // The summary's keys are all still there.
    assert_eq!(j["status"], "finished");
}

#[test]
fn all_passed_is_exit_code_0_even_with_the_fault_they_expect() {
    let out = run(
        &format!(
            "{MINIMAL}{}",
            &TWO[..TWO.find("[[expect]]\nname = \"cool").unwrap()]
        ),
        false,
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::stdout(&out));
    assert!(common::stdout(&out).contains("expectations  1 of 1 passed"));
    // Without expectations a run that ends in a fault exits 1; with one that
    // expects it, 0.
    let empty = MINIMAL
        .replace("distance_km = 2", "distance_km = 400")
        .replace("[[route]]", "[pack]\ninitial_soc_pct = 7\n[[route]]");
    assert_eq!(run(&empty, true).status.code(), Some(1));
    let expected = format!("{empty}[[expect]]\nevent = \"fault:battery_depleted\"\n");
    let out = run(&expected, true);
    assert_eq!(out.status.code(), Some(0), "{}", common::stdout(&out));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["status"], "stopped");
    assert_eq!(j["expectations"][0]["passed"], true);
}

#[test]
fn a_plain_scenario_prints_no_expectations_and_keeps_its_json() {
    let out = run(MINIMAL, false);
    assert_eq!(out.status.code(), Some(0));
    assert!(!common::stdout(&out).contains("expectations"));
    let j: Value = serde_json::from_slice(&run(MINIMAL, true).stdout).unwrap();
    assert!(j.get("expectations").is_none());
}

/// `evtwin bridge` (in-process bus, virtual time) carries the expectations'
/// results in `--json` too, bus expectations decided on the frames it sent.
#[test]
fn the_bridge_json_has_the_expectations() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{MINIMAL}\n[[expect]]\nname = \"BMS_Status on its cycle\"\nmessage = \"BMS_Status\"\n\
         cycle_ms = 50\ntolerance_ms = 1\n{TWO}"
    );
    let p = write(dir.path(), &text);
    let out = common::run(&["bridge", p.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let v: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    let list = v["expectations"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["name"], "BMS_Status on its cycle");
    assert_eq!(list[0]["passed"], true, "{}", list[0]);
    assert_eq!(list[2]["passed"], false);
    assert_eq!(v["expectations_passed"], false);
    assert!(v["network"]["net"]["tx_frames"].as_u64().unwrap() > 0);
}
