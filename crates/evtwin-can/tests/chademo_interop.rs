//! Interop evidence for CHAdeMO: a session of our two sides (one loop, virtual
//! time) written as a candump log, and a JSON of what each side decided to send
//! and reported; python `cantools` decodes the log with `assets/dbc/chademo.dbc`
//! and `tests/chademo_check.py` checks that every field agrees, that the periods
//! are 100 ms, that reserved bits are 0 and that the sequence is in order. Our
//! own DBC loader reads the same DBC and decodes the same frames.
//!
//! Skipped with a message without python3 + cantools, unless
//! `EVTWIN_REQUIRE_PYTHON=1` makes that a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

mod chademo_sim;

use std::path::{Path, PathBuf};
use std::process::Command;

use chademo_sim::{Decided, Sim};
use evtwin_can::chademo::{ChademoEvent, Side};
use evtwin_can::dbc::Dbc;
use evtwin_can::log::{LogFormat, LogWriter};
use evtwin_can::{Direction, Timestamped};
use serde_json::{Map, Value, json};

/// Log times start here (a wall-clock-like epoch), µs.
const T0_US: u64 = 1_700_000_000_000_000;

fn dbc_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/dbc/chademo.dbc")
}

fn b(v: bool) -> f64 {
    f64::from(u8::from(v))
}

/// The DBC's signals and physical values for what a side decided.
fn fields(d: &Decided) -> Vec<(&'static str, f64)> {
    match d {
        Decided::Limits(m) => vec![
            ("EV_MinChargeCurrent", f64::from(m.min_charge_current_a)),
            ("EV_MinBatteryVoltage", f64::from(m.min_battery_v)),
            ("EV_MaxBatteryVoltage", f64::from(m.max_battery_v)),
            ("EV_ChargedRateRef", f64::from(m.charged_rate_ref_pct)),
        ],
        Decided::Time(m) => vec![
            (
                "EV_MaxChargeTime10s",
                f64::from(m.max_charge_time_10s) * 10.0,
            ),
            ("EV_MaxChargeTimeMin", f64::from(m.max_charge_time_min)),
            ("EV_EstChargeTime", f64::from(m.est_charge_time_min)),
            ("EV_RatedCapacity", f64::from(m.rated_capacity_100wh) * 0.1),
        ],
        Decided::Request(m) => vec![
            ("EV_ProtocolNumber", f64::from(m.protocol)),
            ("EV_TargetVoltage", f64::from(m.target_v)),
            ("EV_CurrentRequest", f64::from(m.current_request_a)),
            ("EV_FaultOvervoltage", b(m.faults.overvoltage)),
            ("EV_FaultUndervoltage", b(m.faults.undervoltage)),
            ("EV_FaultCurrentDeviation", b(m.faults.current_deviation)),
            ("EV_FaultHighTemp", b(m.faults.high_temp)),
            ("EV_FaultVoltageDeviation", b(m.faults.voltage_deviation)),
            ("EV_ChargingEnabled", b(m.status.charging_enabled)),
            ("EV_ShiftNotPark", b(m.status.shift_not_park)),
            ("EV_SystemFault", b(m.status.system_fault)),
            ("EV_ContactorOpen", b(m.status.contactor_open)),
            ("EV_StopRequest", b(m.status.stop_request)),
            ("EV_SOC", f64::from(m.soc_pct)),
        ],
        Decided::Capability(m) => vec![
            ("CHG_WeldingDetection", f64::from(m.welding_detection)),
            ("CHG_AvailableVoltage", f64::from(m.available_v)),
            ("CHG_AvailableCurrent", f64::from(m.available_a)),
            ("CHG_ThresholdVoltage", f64::from(m.threshold_v)),
        ],
        Decided::Status(m) => vec![
            ("CHG_ProtocolNumber", f64::from(m.protocol)),
            ("CHG_PresentVoltage", f64::from(m.present_v)),
            ("CHG_PresentCurrent", f64::from(m.present_a)),
            ("CHG_Charging", b(m.status.charging)),
            ("CHG_Malfunction", b(m.status.malfunction)),
            ("CHG_ConnectorLocked", b(m.status.connector_locked)),
            ("CHG_BatteryIncompatible", b(m.status.battery_incompatible)),
            ("CHG_SystemMalfunction", b(m.status.system_malfunction)),
            ("CHG_StopControl", b(m.status.stop_control)),
            ("CHG_RemainingTime10s", f64::from(m.remaining_10s) * 10.0),
            ("CHG_RemainingTimeMin", f64::from(m.remaining_min)),
        ],
    }
}

fn side(s: Side) -> &'static str {
    match s {
        Side::Ev => "EV",
        Side::Charger => "CHARGER",
    }
}

/// Writes the log and the JSON of `sim` into `dir`.
fn write(sim: &Sim, dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let log = dir.join(format!("{name}.log"));
    let mut w = LogWriter::create(&log, LogFormat::Candump, "vcan0").unwrap();
    let mut frames = Vec::new();
    for s in &sim.sent {
        // As the EV's logger sees the bus.
        let dir = if s.from == Side::Ev {
            Direction::Tx
        } else {
            Direction::Rx
        };
        w.write(&Timestamped {
            time_us: T0_US + s.t_us,
            dir,
            frame: s.frame,
        })
        .unwrap();
        let mut f = Map::new();
        for (k, v) in fields(&s.decided) {
            f.insert(k.into(), json!(v));
        }
        frames.push(json!({
            "t_us": T0_US + s.t_us, "id": s.frame.id().raw(), "from": side(s.from), "fields": f,
        }));
    }
    w.finish().unwrap();
    let events: Vec<Value> = sim
        .events
        .iter()
        .map(|(t, s, e)| json!({"t_us": T0_US + t, "side": side(*s), "event": format!("{e:?}")}))
        .collect();
    let js = dir.join(format!("{name}.json"));
    std::fs::write(
        &js,
        serde_json::to_string(&json!({"frames": frames, "events": events})).unwrap(),
    )
    .unwrap();
    (log, js)
}

/// Our own DBC loader decodes every frame to what its sender decided.
fn our_dbc_agrees(sim: &Sim) {
    let dbc = Dbc::load(&dbc_path()).unwrap();
    assert!(dbc.check().is_empty(), "{:?}", dbc.check());
    assert_eq!(dbc.nodes(), ["EV", "CHARGER"]);
    for s in &sim.sent {
        let (_, m) = dbc.message_by_id(s.frame.id()).unwrap();
        let mut v = vec![f64::NAN; m.signals.len()];
        m.decode(s.frame.data(), &mut v).unwrap();
        for (name, want) in fields(&s.decided) {
            let i = m.signal_index(name).unwrap();
            assert!(
                (v[i] - want).abs() < 1e-6,
                "{name} at {}: {} vs {want}",
                s.t_us,
                v[i]
            );
        }
    }
}

fn python_has_cantools() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import cantools, can"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("EVTWIN_REQUIRE_PYTHON").as_deref() != Ok("1"),
            "EVTWIN_REQUIRE_PYTHON=1 but python3 with cantools and python-can is missing"
        );
        eprintln!("skipped: python3 with cantools and python-can is not available");
    }
    ok
}

fn check_with_cantools(log: &Path, js: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/chademo_check.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(dbc_path())
        .arg(log)
        .arg(js)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chademo_check.py failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn cantools_decodes_both_sides_of_a_session() {
    let mut normal = Sim::standard();
    normal.stop_soc_pct = 21.0;
    normal.run();
    // A second session with an EV fault flag, so the flag bits are exercised.
    let mut fault = Sim::standard();
    fault.run_with(7_200_000_000, |s| s.bms.high_temp |= s.now_us >= 20_000_000);
    assert!(
        fault
            .events
            .iter()
            .any(|(_, _, e)| matches!(e, ChademoEvent::Stopping(_)))
    );
    our_dbc_agrees(&normal);
    our_dbc_agrees(&fault);
    if !python_has_cantools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, sim) in [("normal", &normal), ("fault", &fault)] {
        let (log, js) = write(sim, dir.path(), name);
        let got = check_with_cantools(&log, &js);
        assert_eq!(
            got["frames"].as_u64().unwrap(),
            sim.sent.len() as u64,
            "{name}"
        );
        assert_eq!(got["mismatches"].as_u64().unwrap(), 0, "{name}: {got}");
        assert!(got["fields"].as_u64().unwrap() > 5 * sim.sent.len() as u64);
        if name == "fault" {
            assert_eq!(
                got["ev_fault_frames"].as_u64().map(|n| n > 0),
                Some(true),
                "{got}"
            );
        }
    }
}
