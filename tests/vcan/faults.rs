//! Issue 13's faults on a real vcan (`tests/vcan/faults.sh`): the interface
//! going down and up mid-run, a flood of random frames with a stderr that drains
//! slowly, and garbage with a real node's identifier.

use super::capture::read_candump;
use super::{BUS, bus, json, read, scratch, session};

/// Send-time error bounds under a flood, inside a TCG virtual machine on a
/// loaded 2-core host. The defect these guard against made the error seconds
/// (each rejected frame's line written to a slow stderr on the timing path);
/// measured here: p99 28 ms, max 40 ms with the flood, p99 4–7 ms without.
const FLOOD_P99_US: u64 = 100_000;
const FLOOD_MAX_US: u64 = 1_000_000;

/// Frames `cangen -n` sends in B1.
const FLOOD_FRAMES: u64 = 4000;

fn u(v: &serde_json::Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

#[test]
fn link_down_floods_and_a_slow_stderr_are_answered() {
    let Some(bus) = bus() else { return };
    let _one = BUS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let inputs = scratch("in");
    let out = scratch("out");
    let (inp, out) = (inputs.path(), out.path());
    std::fs::copy(
        super::common::root().join("tests/vcan/idle.toml"),
        inp.join("idle.toml"),
    )
    .unwrap();
    session(&bus, "faults.sh", inp, out, 240);

    // A. Down for 2 s and up again: reported once each way, the frames not sent
    // counted, the simulation kept real time, and the twin sends again.
    let err = read(out, "a.err");
    eprint!("{}{err}", read(out, "a.out"));
    assert_eq!(read(out, "a.rc").trim(), "130", "interrupted by SIGINT");
    let a = json(out, "a.json");
    let link = &a["network"]["link"];
    assert_eq!(u(&link["down_spells"]), 1, "{link}");
    let down_s = link["down_s"].as_f64().unwrap();
    assert!((1.5..=2.6).contains(&down_s), "down for {down_s} s");
    let sent = u(&a["network"]["net"]["tx_frames"]);
    let duration_s = a["duration_s"].as_f64().unwrap();
    let per_s = sent as f64 / duration_s;
    let lost = u(&link["not_sent_down"]) as f64;
    assert!(
        (0.7 * per_s * down_s..=1.3 * per_s * down_s).contains(&lost),
        "{lost} frames not sent in {down_s} s at {per_s:.0} frames/s"
    );
    assert_eq!(u(&a["network"]["send_errors"]) as f64, lost);
    // It kept simulating through the spell and after it (the run's own clock
    // starts when the bridge is up, which takes a while in a busy VM).
    let up_s: f64 = err
        .lines()
        .find(|l| l.contains("kind=\"link_up\""))
        .and_then(|l| l.split("time_s=").nth(1))
        .and_then(|t| t.split(' ').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no link_up event: {err}"));
    assert!(
        duration_s >= up_s + 1.0,
        "the run ended at {duration_s} s, the link came back at {up_s} s"
    );
    assert_eq!(err.matches("kind=\"link_down\"").count(), 1, "{err}");
    assert_eq!(err.matches("kind=\"link_up\"").count(), 1, "{err}");
    let after = read_candump(&out.join("after-up.log"));
    assert!(
        after.len() > 300,
        "{} frames in 2 s after the link came back",
        after.len()
    );
    assert!(read(out, "a.out").contains("went down 1 time(s)"));

    // B1. Every flood frame counted once, in exactly one class; the send error
    // stays bounded; stderr lines are bounded by the rate limiter.
    eprint!("{}", read(out, "b1.out"));
    assert_eq!(read(out, "b1.rc").trim(), "130");
    let b1 = json(out, "b1.json");
    let n = &b1["network"]["net"];
    assert_eq!(u(&n["rx_frames"]), FLOOD_FRAMES, "{n}");
    let classes: u64 = [
        "rx_used",
        "unknown_id",
        "wrong_length",
        "bad_crc",
        "bad_counter",
        "out_of_range",
        "unexpected",
    ]
    .iter()
    .map(|k| u(&n[*k]))
    .sum();
    assert_eq!(classes, FLOOD_FRAMES, "{n}");
    let late = &b1["network"]["lateness_us"];
    assert!(u(&late["p99"]) <= FLOOD_P99_US, "{late}");
    assert!(u(&late["max"]) <= FLOOD_MAX_US, "{late}");
    let lines = read(out, "b1.err").lines().count();
    assert!(
        lines < 600,
        "{lines} stderr lines for a flood of {FLOOD_FRAMES}"
    );
    assert!(read(out, "b1.err").contains("more frames ignored"));

    // B2. Garbage on the real VCU's identifier: the E2E receiver goes INVALID,
    // which is a communication fault (the BMS opens the contactors), before any
    // timeout could have fired.
    eprint!("{}", read(out, "b2.out"));
    assert_eq!(read(out, "b2.rc").trim(), "1", "{}", read(out, "b2.err"));
    let b2 = json(out, "b2.json");
    let n = &b2["network"]["net"];
    assert_eq!(u(&n["invalid"]), 1, "{n}");
    assert_eq!(u(&n["timeouts"]), 0, "{n}");
    assert!(u(&n["bad_crc"]) >= 1, "{n}");
    assert_eq!(b2["faults"][0]["code"], "communication");
    assert_eq!(b2["status"], "stopped");
}
