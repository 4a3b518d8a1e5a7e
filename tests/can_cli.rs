//! End-to-end tests of the CAN commands on the in-process bus (virtual time):
//! `evtwin bridge`, `evtwin dbc check|decode`, `evtwin log convert`, with python
//! `cantools` / `python-can` as independent checkers of the frames and logs.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A 0.5 km drive with a trace row every step.
const SHORT: &str = "[scenario]\nname = \"short\"\nseed = 7\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
                     [trace]\nevery_s = 0.01\n[[route]]\ncruise = { distance_km = 0.5, speed_kph = 60 }\n";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs a python checker; `None` (skip) when python or its packages are missing
/// and `EVTWIN_REQUIRE_PYTHON` is not set.
fn python(script: &str, args: &[&str]) -> Option<String> {
    if !common::python_has("cantools, can") {
        return None;
    }
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python checker failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(text)
}

/// cantools decodes every frame; pack state frames carry the trace's values of
/// the step they were sent in.
const CHECK_EVTWIN: &str = r#"
import sys, csv, cantools, can
dbc, log, trace = sys.argv[1:4]
db = cantools.database.load_file(dbc)
rows = {round(float(r["time_s"]) * 1e6): r for r in csv.DictReader(open(trace))}
frames = 0; packs = 0
for msg in can.CanutilsLogReader(log):
    frames += 1
    d = db.decode_message(msg.arbitration_id, msg.data)
    if db.get_message_by_frame_id(msg.arbitration_id).name != "BMS_PackState":
        continue
    t = round(msg.timestamp * 1e6)
    r = rows[t - t % 10000]
    dv = abs(d["BMS_PackVoltage"] - float(r["pack.voltage_v"]))
    di = abs(d["BMS_PackCurrent"] - float(r["pack.current_a"]))
    assert dv <= 0.025 + 1e-6, (t, d, r["pack.voltage_v"])
    assert di <= 0.05 + 1e-6, (t, d, r["pack.current_a"])
    packs += 1
print(frames, packs)
"#;

#[test]
fn the_bridge_on_the_in_process_bus_logs_frames_that_cantools_decodes_to_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "short.toml", SHORT);
    let (log, trace, report) = (
        dir.path().join("twin.log"),
        dir.path().join("trace.csv"),
        dir.path().join("report.json"),
    );
    let out = common::run(&[
        "bridge",
        s(&sc),
        "--log",
        s(&log),
        "--trace",
        s(&trace),
        "--report",
        s(&report),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let tx = r["network"]["net"]["tx_frames"].as_u64().unwrap();
    let lines = std::fs::read_to_string(&log).unwrap().lines().count() as u64;
    assert_eq!(lines, tx, "every frame sent is logged");
    // 30 s of driving: BMS_PackState every 20 ms.
    let secs = r["duration_s"].as_f64().unwrap();
    assert!(tx as f64 > secs * 300.0, "{tx} frames in {secs} s");
    assert_eq!(r["network"]["net"]["clamped"].as_u64(), Some(0));
    let dbc = common::root().join("assets/dbc/evtwin.dbc");
    if let Some(text) = python(CHECK_EVTWIN, &[s(&dbc), s(&log), s(&trace)]) {
        let counts: Vec<u64> = text
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        assert_eq!(counts[0], tx, "cantools decoded every frame");
        assert!(
            counts[1] as f64 >= secs * 50.0 - 1.0,
            "pack state frames: {}",
            counts[1]
        );
    }
    // Same scenario, same frames: the log is deterministic in virtual time.
    let log2 = dir.path().join("twin2.log");
    let out = common::run(&["bridge", s(&sc), "--log", s(&log2)]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(&log).unwrap(), std::fs::read(&log2).unwrap());
}

const CHECK_FOXBMS: &str = r#"
import sys, csv, cantools, can
dbc, log, trace = sys.argv[1:4]
db = cantools.database.load_file(dbc)
rows = {round(float(r["time_s"]) * 1e6): r for r in csv.DictReader(open(trace))}
frames = 0; cells = set()
for msg in can.CanutilsLogReader(log):
    frames += 1
    m = db.get_message_by_frame_id(msg.arbitration_id)
    d = db.decode_message(msg.arbitration_id, msg.data)
    t = round(msg.timestamp * 1e6)
    r = rows[t - t % 10000]
    if m.name == "f_PackValuesP0":
        assert abs(d["BatteryVoltage"] - float(r["pack.voltage_v"])) <= 0.05 + 1e-6, (d, r["pack.voltage_v"])
    if m.name == "f_CellVoltages":
        for k, v in d.items():
            if k.startswith("CellVoltage_") and not k.endswith("invalidFlag"):
                i = int(k.split("_")[1])
                if f"cell[{i}].voltage_v" in r:
                    assert abs(v - 1000 * float(r[f"cell[{i}].voltage_v"])) <= 0.5 + 1e-6, (k, v)
                    cells.add(i)
print(frames, len(cells))
"#;

#[test]
fn the_twin_plays_the_foxbms_bms_from_its_own_dbc_and_cantools_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(
        dir.path(),
        "short.toml",
        &SHORT.replace(
            "every_s = 0.01",
            "every_s = 0.01\nsignals = [\"pack.voltage_v\", \"cell[*].voltage_v\"]",
        ),
    );
    let (log, trace) = (dir.path().join("fox.log"), dir.path().join("trace.csv"));
    let fox = common::root().join("../shared/data/dbc/foxbms.dbc");
    let out = common::run(&[
        "bridge",
        s(&sc),
        "--dbc",
        s(&fox),
        "--map",
        "assets/dbc/foxbms.map.toml",
        "--log",
        s(&log),
        "--trace",
        s(&trace),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let stdout = common::stdout(&out);
    assert!(stdout.contains("0 values clamped"), "{stdout}");
    let lines = std::fs::read_to_string(&log).unwrap().lines().count();
    assert!(lines > 4000, "{lines} frames");
    if let Some(text) = python(CHECK_FOXBMS, &[s(&fox), s(&log), s(&trace)]) {
        let counts: Vec<usize> = text
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        assert_eq!(counts[0], lines, "cantools decoded every frame");
        // 96 groups in the Model 3 pack, all seen at least once in 30 s.
        assert_eq!(counts[1], 96, "cell voltages checked");
    }
}

#[test]
fn dbc_check_reports_problems_with_positions() {
    let out = common::run(&["dbc", "check", "assets/dbc/evtwin.dbc"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert!(common::stdout(&out).contains("15 messages (15 with a cycle time), 570 signals"));
    let out = common::run(&["dbc", "check", "../shared/data/dbc/foxbms.dbc"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stdout(&out));
    assert!(common::stdout(&out).contains("41 messages"));
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.dbc",
        "VERSION \"\"\n\nBU_: A\n\nBO_ 100 M: 8 A\n SG_ S : 60|8@1+ (1,0) [0|255] \"\" A\n",
    );
    let out = common::run(&["dbc", "check", s(&bad)]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stdout(&out));
    let text = common::stdout(&out);
    assert!(text.contains(&format!("{}:6:", bad.display())), "{text}");
    let garbage = write(
        dir.path(),
        "garbage.dbc",
        "VERSION \"\"\n\nBO_ nonsense here\n",
    );
    let out = common::run(&["dbc", "check", s(&garbage)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains(&format!("{}:3:", garbage.display())),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn dbc_decode_and_log_convert_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "short.toml", SHORT);
    let log = dir.path().join("twin.log");
    let out = common::run(&["bridge", s(&sc), "--log", s(&log)]);
    assert_eq!(out.status.code(), Some(0));
    let out = common::run(&["dbc", "decode", "assets/dbc/evtwin.dbc", s(&log)]);
    assert_eq!(out.status.code(), Some(0));
    let text = common::stdout(&out);
    let first = text.lines().find(|l| l.contains("BMS_Status(")).unwrap();
    assert!(
        first.contains("BMS_ContactorState: '"),
        "value tables by name: {first}"
    );
    assert_eq!(
        text.lines().count(),
        std::fs::read_to_string(&log).unwrap().lines().count()
    );
    let asc = dir.path().join("twin.asc");
    let back = dir.path().join("back.log");
    let out = common::run(&["log", "convert", s(&log), s(&asc)]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let out = common::run(&["log", "convert", s(&asc), s(&back)]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(std::fs::read(&log).unwrap(), std::fs::read(&back).unwrap());
}

#[test]
fn bad_network_input_is_exit_2_with_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "short.toml", SHORT);
    let map = write(
        dir.path(),
        "bad.map.toml",
        "[signals]\n\"BMS_PackState.BMS_PackVoltage\" = \"pack.volts\"\n",
    );
    let out = common::run(&["bridge", s(&sc), "--map", s(&map)]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains(&format!("{}:2:", map.display())), "{err}");
    assert!(err.contains("pack.volts"), "{err}");
    let out = common::run(&["bridge", s(&sc), "--real", "GATEWAY"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("GATEWAY"));
    let with_bus = write(
        dir.path(),
        "bus.toml",
        &format!("{SHORT}[bus]\nreal = [\"GATEWAY\"]\n"),
    );
    let out = common::run(&["bridge", s(&with_bus)]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(
        err.contains(
            "`GATEWAY` is not a node of this network (nodes: BMS, CHARGER, CLUSTER, EV, VCU)"
        ),
        "{err}"
    );
    let bad_speed = write(
        dir.path(),
        "speed.toml",
        &format!("{SHORT}[bus]\nspeed = 0\n"),
    );
    let out = common::run(&["validate", s(&bad_speed)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains(&format!("{}:11:", bad_speed.display())),
        "{}",
        common::stderr(&out)
    );
    let out = common::run(&["bridge", s(&sc), "--iface", "evtwin-nope0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("cannot open evtwin-nope0"),
        "{}",
        common::stderr(&out)
    );
    let out = common::run(&["bridge", s(&sc), "--real", "VCU", "--speed", "10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("real time"));
}

#[test]
fn ctrl_c_stops_a_real_time_bridge_and_keeps_the_frame_log_and_report() {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let (log, report) = (dir.path().join("rt.log"), dir.path().join("rt.json"));
    let mut child = common::evtwin()
        .args([
            "bridge",
            "scenarios/alpine-commute-model3.toml",
            "--speed",
            "1",
            "--log",
            s(&log),
            "--report",
            s(&report),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once frames flow (the Ctrl-C handler is in place by then), let it run ~1.5 s.
    let start = Instant::now();
    while std::fs::metadata(&log).map_or(0, |m| m.len()) == 0 {
        assert!(start.elapsed() < Duration::from_mins(1), "no frames");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    let sent = Instant::now();
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "stops within a step"
    );
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["status"], "interrupted");
    assert_eq!(r["network"]["interrupted"], true);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.ends_with('\n'), "the last frame is complete");
    let lines = text.lines().count() as u64;
    assert_eq!(lines, r["network"]["net"]["tx_frames"].as_u64().unwrap());
    // Real time: the network's ~408 frames/s of simulated time, and simulated
    // time kept to the wall clock (1.5 s at least, a few s at most).
    let duration = r["duration_s"].as_f64().unwrap();
    assert!((1.4..5.0).contains(&duration), "{duration} s simulated");
    let rate = lines as f64 / duration;
    assert!(
        (300.0..520.0).contains(&rate),
        "{lines} frames in {duration} s"
    );
    let first: f64 = text[1..text.find(')').unwrap()].parse().unwrap();
    assert!(first > 1.7e9, "wall-clock timestamps in real time: {first}");
    if let Some(l) = r["network"]["lateness_us"].as_object() {
        assert!(l["frames"].as_u64().unwrap() > 500);
    } else {
        panic!("a paced run reports its send timing");
    }
}

#[test]
fn an_old_style_mapping_entry_is_refused_with_the_one_name_to_use() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "short.toml", SHORT);
    let map = write(
        dir.path(),
        "old.map.toml",
        "[signals]\n\"BMS_PackState.BMS_PackVoltage\" = \"pack.voltage_v\"\n\
         \"BMS_Limits.BMS_ChargeCurrentLimit\" = { sim = \"bms.ccl_a\", input = \"bms.charge_limit_a\" }\n",
    );
    let out = common::run(&["bridge", s(&sc), "--map", s(&map)]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains(&format!("{}:3:", map.display())), "{err}");
    assert!(err.contains("`signal = \"bms.ccl_a\"`"), "{err}");
}

#[test]
fn a_frame_log_that_cannot_be_written_fails_the_run_once_and_keeps_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write(dir.path(), "short.toml", SHORT);
    for name in ["full.log", "full.asc"] {
        // /dev/full: every write that reaches it fails with ENOSPC.
        let log = dir.path().join(name);
        std::os::unix::fs::symlink("/dev/full", &log).unwrap();
        let trace = dir.path().join("t.csv");
        let out = common::run(&["bridge", s(&sc), "--log", s(&log), "--trace", s(&trace)]);
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(
            err.matches("No space left").count(),
            1,
            "reported once: {err}"
        );
        assert!(err.contains("frame log"), "{err}");
        assert!(
            !common::stdout(&out).contains("frame log"),
            "not reported as written"
        );
        let text = std::fs::read_to_string(&trace).unwrap();
        assert!(
            text.ends_with('\n') && text.lines().count() > 10,
            "the trace is complete"
        );
    }
}

#[test]
fn sigterm_and_sighup_stop_a_real_time_bridge_like_ctrl_c() {
    use nix::sys::signal::Signal;
    use std::io::Read;
    use std::time::{Duration, Instant};
    for (signal, code) in [(Signal::SIGTERM, 143), (Signal::SIGHUP, 129)] {
        let dir = tempfile::tempdir().unwrap();
        let (log, trace) = (dir.path().join("rt.asc"), dir.path().join("rt.csv"));
        let mut child = common::evtwin()
            .args([
                "bridge",
                "scenarios/alpine-commute-model3.toml",
                "--real",
                "VCU",
                "--log",
                s(&log),
                "--trace",
                s(&trace),
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while std::fs::metadata(&log).map_or(0, |m| m.len()) == 0 {
            assert!(start.elapsed() < Duration::from_mins(1), "no frames");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(500));
        let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
        nix::sys::signal::kill(pid, signal).unwrap();
        let status = child.wait().unwrap();
        let (mut out, mut err) = (String::new(), String::new());
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert_eq!(status.code(), Some(code), "{signal}: {err}");
        assert!(
            out.contains("interrupted") && out.contains("frame log"),
            "{out}"
        );
        let asc = std::fs::read_to_string(&log).unwrap();
        assert!(asc.trim_end().ends_with("End TriggerBlock"), "ASC footer");
        let text = std::fs::read_to_string(&trace).unwrap();
        let last = text.lines().last().unwrap();
        assert!(text.ends_with('\n'), "the trace's last row is complete");
        let header = text.lines().next().unwrap();
        assert_eq!(last.split(',').count(), header.split(',').count(), "{last}");
    }
}
