//! The `evtwin` command line: exit codes, errors with locations, JSON summary,
//! trace options, Ctrl-C.

// In tests and benches a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

const MINIMAL: &str = r#"[scenario]
name = "minimal"
[vehicle]
preset = "model3-rwd-2022"
[[route]]
cruise = { distance_km = 2, speed_kph = 50 }
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `evtwin validate` on `text` and returns (exit code, stderr).
fn validate(text: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "s.toml", text);
    let out = common::run(&["validate", p.to_str().unwrap()]);
    (
        out.status.code(),
        common::stderr(&out).replace(p.to_str().unwrap(), "s.toml"),
    )
}

#[test]
fn shipped_scenarios_validate() {
    let files = common::shipped_scenarios();
    let mut args = vec!["validate".to_owned()];
    args.extend(files.iter().map(|p| p.to_str().unwrap().to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = common::run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(common::stdout(&out).matches(": ok").count(), files.len());
}

/// Scenarios with one mistake each: `(text, where the error must point, what it
/// must say)`. An empty location means the text is valid.
const BAD_SCENARIOS: &[(&str, &str, &str)] = &[
    (
        "[scenario]\nname = \"x\"\nsed = 4\n[vehicle]\npreset = \"model3-rwd-2022\"\n",
        "s.toml:3:1:",
        "unknown field `sed`",
    ),
    (
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[[route]]\ncruise = { distance_km = \"far\", speed_kph = 50 }\n",
        "s.toml:6:",
        "invalid type",
    ),
    (
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[[route]]\ncruise = { distance_km = 2, speed_kph = -50 }\n",
        "s.toml:6:41:",
        "speed_kph = -50 must be between 1 and 400",
    ),
    (
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"delorean\"\n",
        "s.toml:4:10:",
        "unknown vehicle preset `delorean`",
    ),
    (
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[[route]]\ncharge = { station = \"nope\", until_soc_pct = 80 }\n",
        "s.toml:6:22:",
        "no station `nope` in [stations]",
    ),
    (
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[vehicle.body]\ntest_mass_kg = 0\n[[route]]\nidle = { duration_s = 5 }\n",
        "s.toml:6:16:",
        "test_mass_kg = 0 must be between 100 and 60000",
    ),
    (
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[[route]]\nidle = { duration_s = 5 }\npark = { duration_s = 5 }\n",
        "s.toml:5:1:",
        "exactly one of cruise, cycle, idle, park, charge",
    ),
    (
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[pack]\nseries = 0\n[[route]]\nidle = { duration_s = 5 }\n",
        "s.toml:6:10:",
        "series must be from 1 to 2000, not 0",
    ),
    (
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n",
        "s.toml:1:1:",
        "no [[route]] legs",
    ),
    ("[scenario\n", "s.toml:1:10:", ""),
    (
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[pack]\nseries = 4000000000\n[[route]]\nidle = { duration_s = 5 }\n",
        "s.toml:6:10:",
        "series must be from 1 to 2000, not 4000000000",
    ),
    (
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[[route]]\ncruise = { distance_km = inf, speed_kph = 50 }\n",
        "s.toml:6:26:",
        "distance_km = inf must be between",
    ),
    (
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[vehicle.powertrain]\nmotor_peak_power_kw = inf\n[[route]]\nidle = { duration_s = 5 }\n",
        "s.toml:6:23:",
        "must be a finite number greater than 0",
    ),
    (
        "[scenario]\nname = \"x\"\nstep_ms = 0.0001\n[vehicle]\npreset = \"model3-rwd-2022\"\n[[route]]\nidle = { duration_s = 5 }\n",
        "s.toml:3:11:",
        "step_ms = 0.0001 must be between 0.1 and 1000",
    ),
    (
        "[scenario]\nname = \"x\"\nstep_ms = 0.25\n[vehicle]\npreset = \"model3-rwd-2022\"\n[[route]]\nidle = { duration_s = 5 }\n",
        "",
        "",
    ),
    (
        "[scenario]\nname = \"x\"\nstep_ms = 0.1234\n[vehicle]\npreset = \"model3-rwd-2022\"\n[[route]]\nidle = { duration_s = 5 }\n",
        "s.toml:3:11:",
        "whole number of microseconds",
    ),
    (
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[[route]]\npark = { duration_h = 1e9 }\n",
        "s.toml:6:8:",
        "must be between 0.001 and 3600000",
    ),
    (
        // Only the axis is overridden: the error is the scenario's, not the preset's.
        "[scenario]\nname = \"x\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[vehicle.powertrain]\nmotor_efficiency_load = [0.0, 1.0]\n[[route]]\nidle = { duration_s = 5 }\n",
        "s.toml:6:25:",
        "motor_efficiency_load has 2 points but motor_efficiency has 11",
    ),
];

#[test]
fn bad_scenarios_point_at_file_line_and_column() {
    for (text, at, says) in BAD_SCENARIOS {
        let (code, err) = validate(text);
        if at.is_empty() {
            assert_eq!(code, Some(0), "{text}\n{err}");
            continue;
        }
        assert_eq!(code, Some(2), "{text}\n{err}");
        assert!(
            err.contains(at) && err.contains(says),
            "want `{at}` … `{says}` for\n{text}\ngot:\n{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn errors_in_referenced_files_point_into_those_files() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.csv",
        "time_s,speed_mps\n0,0\n1,2\n2,oops\n",
    );
    let s = write(
        dir.path(),
        "s.toml",
        &MINIMAL.replace(
            "cruise = { distance_km = 2, speed_kph = 50 }",
            "cycle = { file = \"bad.csv\" }",
        ),
    );
    let out = common::run(&["run", s.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(
        err.contains("bad.csv:4:3: speed `oops` is not a number"),
        "{err}"
    );

    // A user's own cell: its table's errors name the table's line.
    write(
        dir.path(),
        "cell.toml",
        "name = \"mine\"\ncapacity_ah = 5\nvoltage_max_v = 4.2\nvoltage_min_v = 2.5\nmax_charge_c = 1\nmax_discharge_c = 2\nmass_kg = 0.07\nvolume_l = 0.02\nspecific_heat_j_per_kg_k = 1000\ntable = \"cell.csv\"\n[temperature]\ncharge_min_c = 0\ncharge_max_c = 45\ndischarge_min_c = -20\ndischarge_max_c = 60\ncharge_optimum_c = 30\n",
    );
    write(
        dir.path(),
        "cell.csv",
        "soc,temp_c,ocv_v,r0_ohm,r1_ohm,c1_f,r2_ohm,c2_f\n0,25,3.0,0.01,0.01,1000,0.01,1e5\n1,25,4.1,0.01,0.01,1000,0.01,1e5\n0,40,3.0,0.01,0.01,1000,0.01,1e5\n",
    );
    let s = write(
        dir.path(),
        "s2.toml",
        &format!("{MINIMAL}[pack]\nchemistry = \"cell.toml\"\n"),
    );
    let out = common::run(&["validate", s.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(
        err.contains("cell.csv:1:1: no row for SOC 1 at 40 °C"),
        "{err}"
    );
    // And with the missing row added, the user's cell is accepted and runs.
    let mut table = std::fs::read_to_string(dir.path().join("cell.csv")).unwrap();
    table.push_str("1,40,4.1,0.008,0.008,1000,0.008,1e5\n");
    std::fs::write(dir.path().join("cell.csv"), table).unwrap();
    let out = common::run(&["run", s.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["pack"]["chemistry"], "cell.toml");
}

#[test]
fn a_cycle_file_in_percent_is_caught_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "hill.csv",
        "cycSecs,cycMps,cycGrade\n0,0,0\n1,1,6\n2,0,6\n",
    );
    let s = write(
        dir.path(),
        "s.toml",
        &MINIMAL.replace(
            "cruise = { distance_km = 2, speed_kph = 50 }",
            "cycle = { file = \"hill.csv\" }",
        ),
    );
    let out = common::run(&["validate", s.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(
        err.contains("hill.csv:3:5: grade 6 is steeper than ±30 %"),
        "{err}"
    );
}

#[test]
fn json_summary_has_unit_suffixed_keys() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(dir.path(), "s.toml", MINIMAL);
    let report = dir.path().join("out/report.json");
    let out = common::run(&[
        "run",
        s.to_str().unwrap(),
        "--json",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let from_file: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(j, from_file);
    for key in [
        "distance_km",
        "duration_s",
        "energy_wh_per_km",
        "soc_start_pct",
        "soc_end_pct",
        "soc_min_pct",
        "peak_power_kw",
        "mean_power_kw",
        "peak_cell_temp_c",
    ] {
        assert!(j[key].is_number(), "{key}: {}", j[key]);
    }
    let km = j["distance_km"].as_f64().unwrap();
    assert!((km - 2.0).abs() < 0.01, "{km}");
    // 2 km at 50 km/h, plus accelerating and stopping: about 2.5 to 3 minutes.
    let t = j["duration_s"].as_f64().unwrap();
    assert!((144.0..200.0).contains(&t), "{t}");
    assert!(j["soc_end_pct"].as_f64().unwrap() < j["soc_start_pct"].as_f64().unwrap());
}

#[test]
fn trace_options_set_rows_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(
        dir.path(),
        "s.toml",
        &format!("{MINIMAL}[trace]\nsignals = [\"vehicle.speed_mps\", \"cell[*].temp_c\"]\n"),
    );
    let trace = dir.path().join("t.csv");
    let out = common::run(&[
        "run",
        s.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
        "--trace-every",
        "0.5",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = std::fs::read_to_string(&trace).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "time_s");
    assert_eq!(header[1], "vehicle.speed_mps");
    assert_eq!(header.len(), 2 + 96, "time, speed and 96 cell temperatures");
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    let duration = j["duration_s"].as_f64().unwrap();
    // t = 0, every 0.5 s, and the final state.
    let partial = if duration % 0.5 > 1e-9 { 1.0 } else { 0.0 };
    assert_eq!(rows.len() as f64, (duration / 0.5).floor() + 1.0 + partial);
    assert_eq!(rows[1][0], 0.5);
    assert_eq!(rows.last().unwrap()[0], duration);
}

#[test]
fn a_fault_gives_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(
        dir.path(),
        "s.toml",
        &MINIMAL
            .replace("distance_km = 2", "distance_km = 400")
            .replace("[[route]]", "[pack]\ninitial_soc_pct = 20\n[[route]]"),
    );
    let out = common::run(&["run", s.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["status"], "stopped");
    assert_eq!(j["faults"][0]["code"], "battery_depleted");
    let km = j["distance_km"].as_f64().unwrap();
    // 15 % of 54 kWh at ≈ 130 Wh/km: some 60 km, nowhere near 400.
    assert!((30.0..120.0).contains(&km), "{km}");
    assert!((j["soc_end_pct"].as_f64().unwrap() - 5.0).abs() < 0.1);
}

#[test]
fn ctrl_c_stops_cleanly_and_keeps_the_trace() {
    stop_with(nix::sys::signal::Signal::SIGINT, 130);
}

#[test]
fn sigterm_stops_like_ctrl_c_with_exit_143() {
    stop_with(nix::sys::signal::Signal::SIGTERM, 143);
}

#[test]
fn sighup_stops_like_ctrl_c_with_exit_129() {
    stop_with(nix::sys::signal::Signal::SIGHUP, 129);
}

/// Interrupts a long run with `signal`: the summary, the trace's last row and
/// the exit code `code`.
fn stop_with(signal: nix::sys::signal::Signal, code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    let mut child = common::evtwin()
        .args([
            "run",
            "scenarios/shanghai-beijing-ssb.toml",
            "--json",
            "--trace-every",
            "0.01",
            "--trace",
            trace.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the run is well under way (the trace file grows), then interrupt.
    let start = Instant::now();
    while std::fs::metadata(&trace).map_or(0, |m| m.len()) < 1_000_000 {
        assert!(
            start.elapsed() < Duration::from_mins(1),
            "the trace never grew"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, signal).unwrap();
    let mut summary = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        summary.push_str(&line.unwrap());
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(code), "{signal}");
    let j: Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(j["status"], "interrupted");
    let text = std::fs::read_to_string(&trace).unwrap();
    assert!(text.ends_with('\n'), "the last row is complete");
    let rows = text.lines().count() - 1;
    let duration = j["duration_s"].as_f64().unwrap();
    assert!(duration < 30_000.0, "stopped early: {duration} s");
    // Every step was traced, up to and including the last one.
    assert_eq!(rows as f64, (duration / 0.01).round() + 1.0);
    let last: f64 = text
        .lines()
        .last()
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(last, duration);
}

#[test]
fn signals_lists_names_and_units() {
    let out = common::run(&["signals", "scenarios/shanghai-beijing-ssb.toml"]);
    assert_eq!(out.status.code(), Some(0));
    let text = common::stdout(&out);
    assert!(text.contains("pack.voltage_v") && text.contains(" V "));
    assert!(text.contains("cell[191].temp_c"));
    assert!(!text.contains("cell[192]"));
}

#[test]
fn no_progress_bar_when_not_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(dir.path(), "s.toml", MINIMAL);
    let out = common::run(&["run", s.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(common::stderr(&out), "");
    let text = common::stdout(&out);
    assert!(text.starts_with("minimal — finished"), "{text}");
    assert!(text.contains("distance     2.0 km"), "{text}");
}

#[test]
fn missing_file_and_bad_arguments_are_bad_input() {
    let out = common::run(&["run", "no/such/file.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("no/such/file.toml"));
    let out = common::run(&["run"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_progress_bar_on_a_terminal_for_long_runs() {
    // `script` (util-linux, Essential in Debian) gives the run a pseudo-terminal.
    let bin = env!("CARGO_BIN_EXE_evtwin");
    let out = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{bin} run scenarios/shanghai-beijing-ssb.toml"),
            "/dev/null",
        ])
        .current_dir(common::root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = common::stdout(&out);
    assert!(
        text.contains("km, SOC"),
        "the bar shows distance and SOC:\n{text}"
    );
    assert!(text.contains('%'));
    // The bar is cleared before the summary is printed.
    let summary_at = text
        .find("Shanghai to Beijing, one stop — finished")
        .unwrap();
    assert!(!text[summary_at..].contains("km, SOC"));
}

#[test]
fn compare_reports_each_run_against_the_first_and_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.toml", MINIMAL);
    let faster = write(
        dir.path(),
        "faster.toml",
        &MINIMAL.replace("speed_kph = 50", "speed_kph = 130"),
    );
    let out = common::run(&[
        "compare",
        base.to_str().unwrap(),
        faster.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = j.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    let wh_km = |k: usize| runs[k]["energy_wh_per_km"].as_f64().unwrap();
    // Drag grows with the square of speed: 130 km/h costs more per km than 50.
    assert!(wh_km(1) > 1.3 * wh_km(0), "{} vs {}", wh_km(1), wh_km(0));
    // The table: a header, then one line per scenario; the first is the reference.
    let out = common::run(&["compare", base.to_str().unwrap(), faster.to_str().unwrap()]);
    let text = common::stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].contains("+0.0 %"), "{text}");
    // A faulting run makes the exit code 1; a bad file makes it 2, with its location.
    let empty = write(
        dir.path(),
        "empty.toml",
        &MINIMAL.replace("[[route]]", "[pack]\ninitial_soc_pct = 5.1\n[[route]]"),
    );
    let out = common::run(&["compare", base.to_str().unwrap(), empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let bad = write(
        dir.path(),
        "bad.toml",
        &MINIMAL.replace("= 50", "= \"fast\""),
    );
    let out = common::run(&["compare", base.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("bad.toml:6:"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn view_rejects_bad_options_with_exit_2() {
    let ssb = "scenarios/shanghai-beijing-ssb.toml";
    for (args, says) in [
        (vec!["view", ssb, "--size", "10x10"], "--size 10x10"),
        (vec!["view", ssb, "--speed=-3"], "--speed -3"),
        (
            vec!["view", ssb, "--screenshot", "shot.jpg"],
            "expected a .png",
        ),
    ] {
        let o = common::run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            common::stderr(&o).contains(says),
            "{args:?}: {}",
            common::stderr(&o)
        );
    }
}

#[cfg(not(feature = "viz"))]
#[test]
fn view_without_the_viewer_says_how_to_build_it() {
    let o = common::run(&["view", "scenarios/shanghai-beijing-ssb.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("--features viz"),
        "{}",
        common::stderr(&o)
    );
}

#[cfg(feature = "viz")]
#[test]
fn view_without_a_display_says_so() {
    let o = common::evtwin()
        .args(["view", "scenarios/shanghai-beijing-ssb.toml"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("no display"),
        "{}",
        common::stderr(&o)
    );
}

#[test]
fn events_go_to_stderr_as_text_or_json_lines_and_quiet_hides_warnings() {
    // A station that cannot charge this pack: a fault the car drives on after.
    let text = format!(
        "{MINIMAL}[[route]]\ncharge = {{ station = \"low\", until_soc_pct = 80 }}\n\
         [stations.low]\nmax_power_kw = 50\nmax_voltage_v = 300\nmax_current_a = 125\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let s = write(dir.path(), "s.toml", &text);
    let out = common::run(&["run", s.to_str().unwrap(), "--log-format", "json"]);
    // Exit 1: the run went on, but a fault occurred.
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let err = common::stderr(&out);
    let events: Vec<Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let fault = events
        .iter()
        .find(|e| e["code"] == "station_incompatible")
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(fault["level"], "WARN");
    assert!(
        fault["time_s"].as_f64().is_some_and(|t| t > 100.0),
        "{fault}"
    );
    assert!(fault["message"].as_str().unwrap().contains("cannot charge"));
    // The summary on stdout is the same whatever the log format.
    let text_run = common::run(&["run", s.to_str().unwrap()]);
    let strip = |o: &std::process::Output| {
        common::stdout(o)
            .lines()
            .filter(|l| !l.contains("simulated"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&out), strip(&text_run));
    assert!(common::stderr(&text_run).contains("cannot charge this pack"));
    let quiet = common::run(&["run", s.to_str().unwrap(), "-q"]);
    assert_eq!(common::stderr(&quiet), "");
}
