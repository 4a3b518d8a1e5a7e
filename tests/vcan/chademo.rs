//! CHAdeMO on a real vcan between two evtwin processes (`tests/vcan/chademo.sh`):
//! the car (`bridge --real CHARGER`) and the station (`bridge --real EV`)
//! complete a session; a station that stops answering makes the car time out;
//! `canplayer` replaying a recorded station makes the car charge.

use std::path::Path;
use std::process::Command;

use evtwin_can::CanId;
use serde_json::Value;

use super::capture::{Rec, read_candump};
use super::{BUS, JITTER_P50_MS, JITTER_P95_MS, MEAN_ERROR_PCT, bus, json, read, scratch, session};

/// The protocol's period, ms.
const PERIOD_MS: f64 = 100.0;

fn frames(recs: &[Rec], id: u16) -> Vec<&Rec> {
    recs.iter()
        .filter(|r| r.id == CanId::Standard(id))
        .collect()
}

/// (mean period error %, median and 95th percentile of |gap − 100 ms|) of
/// one identifier's frames.
fn periods(recs: &[Rec], id: u16) -> (f64, f64, f64) {
    let t: Vec<f64> = frames(recs, id)
        .iter()
        .map(|r| r.time_us as f64 / 1000.0)
        .collect();
    assert!(t.len() > 50, "0x{id:X}: {} frames", t.len());
    let mut j: Vec<f64> = t
        .windows(2)
        .map(|w| (w[1] - w[0] - PERIOD_MS).abs())
        .collect();
    j.sort_by(f64::total_cmp);
    let at = |q: f64| j[((j.len() - 1) as f64 * q).round() as usize];
    let mean = (t[t.len() - 1] - t[0]) / (t.len() - 1) as f64;
    ((mean - PERIOD_MS) / PERIOD_MS * 100.0, at(0.5), at(0.95))
}

fn stop(v: &Value) -> &Value {
    &v["charge_stops"][0]
}

fn protocol(v: &Value) -> &Value {
    &stop(v)["protocol"]
}

/// The station's frames of an in-process run of the same scenario (both sides
/// in virtual time on the in-process bus), as a candump log for `canplayer`.
fn recorded_station(inp: &Path) {
    let both = inp.join("both.log");
    let o = Command::new(env!("CARGO_BIN_EXE_evtwin"))
        .arg("bridge")
        .arg(inp.join("chademo.toml"))
        .args(["--iface", "inproc", "--log"])
        .arg(&both)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&both).unwrap();
    let station: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" 108#") || l.contains(" 109#"))
        .map(|l| l.trim_end_matches(" T"))
        .collect();
    assert!(station.len() > 300, "{} station frames", station.len());
    std::fs::write(inp.join("charger.log"), station.join("\n") + "\n").unwrap();
}

#[test]
fn two_processes_talk_chademo_time_out_and_follow_a_replayed_station() {
    let Some(bus) = bus() else { return };
    let _one = BUS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let inputs = scratch("in");
    let out = scratch("out");
    let (inp, out) = (inputs.path(), out.path());
    for f in [
        "chademo.toml",
        "protocol-only.dbc",
        "protocol-only.map.toml",
    ] {
        std::fs::copy(
            super::common::root().join("tests/vcan").join(f),
            inp.join(f),
        )
        .unwrap();
    }
    recorded_station(inp);
    session(&bus, "chademo.sh", inp, out, 300);
    full_session(out);
    station_stops_answering(out);
    replayed_station(out);
}

/// A. A full session between the two processes.
fn full_session(out: &Path) {
    let (car, station) = (json(out, "a-car.json"), json(out, "a-station.json"));
    assert_eq!(
        read(out, "a-car.rc").trim(),
        "0",
        "{}",
        read(out, "a-car.err")
    );
    assert_eq!(
        read(out, "a-station.rc").trim(),
        "0",
        "{}",
        read(out, "a-station.err")
    );
    assert_eq!(protocol(&car)["role"], "ev");
    assert_eq!(protocol(&station)["role"], "charger");
    for v in [&car, &station] {
        // The 24 s limit: the car asks for a normal stop or the station stops.
        let why = protocol(v)["stop_reason"].as_str().unwrap().to_owned();
        assert!(why == "ev_normal" || why == "charger_stop", "{why}");
        assert_eq!(protocol(v)["last_phase"], "ended");
    }
    let e_car = stop(&car)["energy_pack_kwh"].as_f64().unwrap();
    let e_station = stop(&station)["energy_pack_kwh"].as_f64().unwrap();
    assert!(e_car > 0.05, "{e_car} kWh");
    assert!(
        (e_car - e_station).abs() < 0.15 * e_car,
        "{e_car} vs {e_station}"
    );
    let cap = read_candump(&out.join("a-cap.log"));
    // Periods: the tolerances of the other vcan tests (TCG VM, loaded host).
    for id in [0x100, 0x101, 0x102, 0x108, 0x109] {
        let (mean_pct, p50, p95) = periods(&cap, id);
        eprintln!("0x{id:X}: mean {mean_pct:+.2} %, |jitter| p50 {p50:.1} ms, p95 {p95:.1} ms");
        assert!(
            mean_pct.abs() <= MEAN_ERROR_PCT,
            "0x{id:X} mean {mean_pct} %"
        );
        assert!(
            p50 <= JITTER_P50_MS && p95 <= JITTER_P95_MS,
            "0x{id:X} {p50} {p95}"
        );
    }
    // The sequence: the car speaks first; the station answers; locked before
    // the car closes its contactors (0x102 byte 5 bit 3 clear); current
    // delivered (0x109 byte 3); contactors open and the connector unlocked
    // at the end.
    let first = |id| frames(&cap, id)[0].time_us;
    assert!(first(0x102) <= first(0x108));
    let locked = frames(&cap, 0x109)
        .iter()
        .find(|r| r.data[5] & 0x04 != 0)
        .unwrap()
        .time_us;
    let closed = frames(&cap, 0x102)
        .iter()
        .find(|r| r.data[5] & 0x08 == 0)
        .unwrap()
        .time_us;
    assert!(locked < closed);
    assert!(frames(&cap, 0x109).iter().any(|r| r.data[3] > 50));
    // Contactors open (bit 3), no charging-system fault (bit 2: the welding
    // check passed).
    assert_eq!(frames(&cap, 0x102).last().unwrap().data[5] & 0x0C, 0x08);
    assert_eq!(frames(&cap, 0x109).last().unwrap().data[5] & 0x04, 0);
}

/// B. The station frozen 12 s in: the car's CAN timeout, 1 s after the last
/// 0x109 it took, then its next 0x102 with the charging-system fault flag
/// (byte 5 bit 2) and request 0. Tolerance: the timeout is checked each
/// step and the flag goes out with the next period: 1.0–1.1 s, plus the
/// VM's timing (0.2 s).
fn station_stops_answering(out: &Path) {
    let car = json(out, "b-car.json");
    assert_eq!(
        read(out, "b-car.rc").trim(),
        "0",
        "{}",
        read(out, "b-car.err")
    );
    assert_eq!(protocol(&car)["stop_reason"], "can_timeout");
    assert_eq!(protocol(&car)["stopped_by"], "ev");
    assert_eq!(stop(&car)["end"], "aborted");
    let cap = read_candump(&out.join("b-cap.log"));
    let flagged = frames(&cap, 0x102)
        .into_iter()
        .find(|r| r.data[5] & 0x04 != 0)
        .expect("a 0x102 with the charging-system fault");
    // (Resumed after the car has ended, the station catches up on its
    // schedule with a burst: only its frames before the car's flag count.)
    let last_109 = frames(&cap, 0x109)
        .iter()
        .map(|r| r.time_us)
        .filter(|t| *t < flagged.time_us)
        .max()
        .unwrap();
    let after_s = (flagged.time_us - last_109) as f64 / 1e6;
    assert!(
        (1.0..=1.3).contains(&after_s),
        "flag {after_s} s after the last 0x109"
    );
    assert_eq!(flagged.data[3], 0, "request 0");
}

/// C. canplayer replaying the recorded station: the car charges.
fn replayed_station(out: &Path) {
    let car = json(out, "c-car.json");
    assert_eq!(
        read(out, "c-car.rc").trim(),
        "0",
        "{}",
        read(out, "c-car.err")
    );
    let c = stop(&car);
    let e = c["energy_pack_kwh"].as_f64().unwrap();
    let peak = c["peak_power_kw"].as_f64().unwrap();
    eprintln!("replayed station: {e:.3} kWh, peak {peak:.1} kW");
    assert!(e > 0.05 && peak > 30.0, "{e} kWh, {peak} kW");
    assert_eq!(protocol(&car)["role"], "ev");
}
