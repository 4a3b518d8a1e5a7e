//! The shipped suite (`scenarios/suite/`, issue 11): `evtwin suite` runs every
//! scenario with two jobs and writes JUnit and HTML; the suite passes, each
//! scenario with all its expectations, and the one that fails on purpose
//! (`should_fail`) passes because its expectation really failed. Its real-node
//! part (`scenarios/suite-vcan/`) needs vcan0: `tests/vcan/suite.rs`.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{evtwin, root, stderr, stdout};
use evtwin_report::Outcome;

/// Every scenario of the shipped suite, with its number of expectations.
const SCENARIOS: &[(&str, usize)] = &[
    ("ageing.toml", 3),
    ("bus-bms-messages.toml", 8),
    ("bus-e2e.toml", 10),
    ("charge-10-80.toml", 4),
    ("charge-chademo-faults.toml", 5),
    ("charge-cold.toml", 3),
    ("charge-gbt-faults.toml", 9),
    ("hot-spot.toml", 2),
    ("internal-short.toml", 3),
    ("sensor-offsets.toml", 4),
    ("should-fail-hot-spot.toml", 1),
    ("stuck-current.toml", 2),
    ("stuck-temperature.toml", 2),
    ("stuck-voltage.toml", 1),
    ("temp-offset.toml", 2),
    ("temp-open.toml", 3),
    ("thermal-failures.toml", 3),
    ("welded-isolation.toml", 3),
    ("winter-drive.toml", 4),
];

/// Every fault kind of `[[fault]]` (scenarios/README.md).
const FAULT_KINDS: &[&str] = &[
    "cell_voltage_offset",
    "cell_temp_offset",
    "cell_temp_open",
    "current_offset",
    "cell_heat",
    "isolation",
    "welded_contactors",
    "internal_short",
    "capacity_fade",
    "resistance_rise",
    "stuck_sensor",
    "coolant_pump_failure",
    "heater_failure",
    "drop",
    "delay",
    "stop_node",
    "override",
    "e2e_counter",
    "e2e_crc",
    "bus_off",
    "charge_mute",
    "charge_drop",
    "charge_ev_fault",
    "charge_charger_fault",
    "charge_insulation_fault",
];

#[test]
fn the_shipped_suite_passes_and_its_should_fail_scenario_fails_on_purpose() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("suite.xml");
    let html = dir.path().join("html");
    let o = evtwin()
        .args(["suite", "scenarios/suite", "--jobs", "2", "--junit"])
        .arg(&xml)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    let n = SCENARIOS.len();
    // Every expectation, and the should_fail scenario's "fails on purpose".
    let cases: usize = SCENARIOS.iter().map(|(_, k)| k).sum::<usize>() + 1;
    assert!(
        out.contains(&format!(
            "{n} scenarios, 0 failed; {cases} test cases: 0 failed, 0 in error, 0 skipped"
        )),
        "{out}"
    );

    let report = evtwin_report::junit::read(&std::fs::read_to_string(&xml).unwrap()).unwrap();
    let keys: Vec<(&str, usize)> = report
        .scenarios
        .iter()
        .map(|s| (s.meta.key.as_str(), s.testcases.len()))
        .collect();
    // Every expectation is a test case; the should_fail scenario has one more.
    let want: Vec<(&str, usize)> = SCENARIOS
        .iter()
        .map(|&(k, e)| {
            (
                k,
                if k.starts_with("should-fail") {
                    e + 1
                } else {
                    e
                },
            )
        })
        .collect();
    assert_eq!(keys, want);
    for s in &report.scenarios {
        for c in &s.testcases {
            assert_eq!(c.outcome, Outcome::Passed, "{}: {}", s.meta.key, c.name);
        }
    }

    // The failure path: the expectation failed, reported as expected, and the
    // case that decides the scenario passed.
    let sf = report
        .scenarios
        .iter()
        .find(|s| s.meta.key == "should-fail-hot-spot.toml")
        .unwrap();
    let missed = &sf.testcases[0];
    assert_eq!(missed.name, "the BMS misses the hot spot");
    assert!(
        missed.message.starts_with("failed as the scenario expects"),
        "{}",
        missed.message
    );
    assert!(
        missed.message.contains("cell_over_temperature"),
        "{}",
        missed.message
    );
    assert_eq!(sf.testcases[1].name, "fails on purpose");

    // Fault-ended runs are reported as stopped; the others ran to their end.
    let status = |k: &str| {
        report
            .scenarios
            .iter()
            .find(|s| s.meta.key == k)
            .unwrap()
            .status
            .clone()
    };
    assert_eq!(status("hot-spot.toml"), "stopped");
    assert_eq!(status("charge-10-80.toml"), "finished");
    assert_eq!(status("bus-e2e.toml"), "finished");

    // The HTML report: a summary row per scenario (and a row per test case), none
    // failed.
    let page = std::fs::read_to_string(html.join("index.html")).unwrap();
    assert_eq!(
        page.matches("<tr class=\"pass\"><td><a href=\"#s").count(),
        n
    );
    assert_eq!(page.matches("<tr class=\"pass\">").count(), n + cases);
    assert!(!page.contains("<tr class=\"fail\">"));
}

#[test]
fn the_shipped_suite_injects_every_fault_kind() {
    let dir = root().join("scenarios/suite");
    let mut text = String::new();
    for (f, _) in SCENARIOS {
        text.push_str(&std::fs::read_to_string(dir.join(f)).unwrap());
    }
    for kind in FAULT_KINDS {
        assert!(
            text.contains(&format!("kind = \"{kind}\"")),
            "no scenario injects {kind}"
        );
    }
    for sensor in ["voltage", "temperature", "current"] {
        assert!(text.contains(&format!("sensor = \"{sensor}\"")), "{sensor}");
    }
    for mode in ["value", "freeze", "random", "offset"] {
        assert!(text.contains(&format!("mode = \"{mode}\"")), "{mode}");
    }
    for then in ["continue", "resync"] {
        assert!(text.contains(&format!("then = \"{then}\"")), "{then}");
    }
    // The folder holds exactly these scenarios.
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let listed: Vec<&str> = SCENARIOS.iter().map(|(f, _)| *f).collect();
    assert_eq!(files, listed);
}
