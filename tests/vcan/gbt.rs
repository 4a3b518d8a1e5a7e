//! GB/T 27930 on a real vcan between two evtwin processes (`tests/vcan/gbt.sh`):
//! the car (`bridge --real CHARGER`) and the station (`bridge --real EV`)
//! complete a session; a station that stops answering makes the car send BEM
//! with the CCS timeout and give up after its reconnects; `canplayer`
//! replaying a recorded station makes the car charge.

use std::path::Path;
use std::process::Command;

use evtwin_can::CanId;
use evtwin_can::j1939::J1939Id;
use serde_json::Value;

use super::capture::{Rec, read_candump};
use super::{BUS, JITTER_P50_MS, JITTER_P95_MS, MEAN_ERROR_PCT, bus, json, read, scratch, session};

/// The car's and the station's addresses.
const BMS: u8 = 0xF4;
const CHARGER: u8 = 0x56;

/// Frames of `pgn` from `sa` (single frames; TP payloads by their RTS).
fn frames(recs: &[Rec], pgn: u32, sa: u8) -> Vec<&Rec> {
    recs.iter()
        .filter(|r| {
            let CanId::Extended(_) = r.id else {
                return false;
            };
            J1939Id::from_can(r.id).is_some_and(|id| {
                id.sa == sa
                    && (id.pgn == pgn
                        || (id.pgn == 0xEC00
                            && r.data[0] == 0x10
                            && u32::from_le_bytes([r.data[5], r.data[6], r.data[7], 0]) == pgn))
            })
        })
        .collect()
}

/// (mean period error %, median and 95th percentile of |gap − period|, ms).
fn periods(recs: &[&Rec], period_ms: f64) -> (f64, f64, f64) {
    let t: Vec<f64> = recs.iter().map(|r| r.time_us as f64 / 1000.0).collect();
    assert!(t.len() > 50, "{} frames", t.len());
    let mut j: Vec<f64> = t
        .windows(2)
        .map(|w| (w[1] - w[0] - period_ms).abs())
        .collect();
    j.sort_by(f64::total_cmp);
    let at = |q: f64| j[((j.len() - 1) as f64 * q).round() as usize];
    let mean = (t[t.len() - 1] - t[0]) / (t.len() - 1) as f64;
    ((mean - period_ms) / period_ms * 100.0, at(0.5), at(0.95))
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
        .arg(inp.join("gbt.toml"))
        .args(["--iface", "inproc", "--log"])
        .arg(&both)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&both).unwrap();
    let station: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("F456#"))
        .map(|l| l.trim_end_matches(" T"))
        .collect();
    assert!(station.len() > 300, "{} station frames", station.len());
    std::fs::write(inp.join("charger.log"), station.join("\n") + "\n").unwrap();
}

#[test]
fn two_processes_talk_gbt_send_bem_and_follow_a_replayed_station() {
    let Some(bus) = bus() else { return };
    let _one = BUS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let inputs = scratch("in");
    let out = scratch("out");
    let (inp, out) = (inputs.path(), out.path());
    for f in ["gbt.toml", "protocol-only.dbc", "protocol-only.map.toml"] {
        std::fs::copy(
            super::common::root().join("tests/vcan").join(f),
            inp.join(f),
        )
        .unwrap();
    }
    recorded_station(inp);
    session(&bus, "gbt.sh", inp, out, 360);
    full_session(out);
    station_stops_answering(out);
    replayed_station(out);
}

fn ok(out: &Path, name: &str) -> Value {
    assert_eq!(
        read(out, &format!("{name}.rc")).trim(),
        "0",
        "{}",
        read(out, &format!("{name}.err"))
    );
    json(out, &format!("{name}.json"))
}

/// A. A full session between the two processes.
fn full_session(out: &Path) {
    let (car, station) = (ok(out, "a-car"), ok(out, "a-station"));
    assert_eq!(protocol(&car)["role"], "ev");
    assert_eq!(protocol(&station)["role"], "charger");
    // The car's target (31 %): its BST, answered by the station.
    for v in [&car, &station] {
        assert_eq!(protocol(v)["stop_reason"], "bst(soc_reached)", "{v}");
        assert_eq!(protocol(v)["stopped_by"], "ev");
        assert_eq!(protocol(v)["last_phase"], "done");
        assert_eq!(protocol(v)["reconnects"], 0);
    }
    assert_eq!(stop(&car)["end"], "target_soc");
    // Every frame of the other side was the protocol's: none judged against
    // the (empty) DBC as unknown.
    for v in [&car, &station] {
        let n = &v["network"]["net"];
        assert_eq!(n["unknown_id"], 0, "{n}");
        assert!(n["rx_protocol"].as_u64().unwrap() > 500, "{n}");
    }
    let e_car = stop(&car)["energy_pack_kwh"].as_f64().unwrap();
    let e_station = stop(&station)["energy_pack_kwh"].as_f64().unwrap();
    assert!(e_car > 0.3, "{e_car} kWh");
    assert!(
        (e_car - e_station).abs() < 0.15 * e_car,
        "{e_car} vs {e_station}"
    );
    // The station's insulation test and precharge (2 s + 1 s) before CRO 0xAA.
    let hs = protocol(&station)["handshake_s"].as_f64().unwrap();
    assert!((3.0..4.0).contains(&hs), "handshake {hs} s");

    let cap = read_candump(&out.join("a-cap.log"));
    // Periods while charging: BCL and CCS 50 ms, BSM 250 ms; the tolerances
    // of the other vcan tests (TCG VM, loaded host).
    for (name, pgn, sa, period) in [
        ("BCL", 0x1000, BMS, 50.0),
        ("CCS", 0x1200, CHARGER, 50.0),
        ("BSM", 0x1300, BMS, 250.0),
        ("BCS", 0x1100, BMS, 250.0),
    ] {
        let f = frames(&cap, pgn, sa);
        let (mean_pct, p50, p95) = periods(&f, period);
        eprintln!(
            "{name}: {} frames, mean {mean_pct:+.2} %, |jitter| p50 {p50:.1} ms, p95 {p95:.1} ms",
            f.len()
        );
        assert!(mean_pct.abs() <= MEAN_ERROR_PCT, "{name} mean {mean_pct} %");
        assert!(
            p50 <= JITTER_P50_MS && p95 <= JITTER_P95_MS,
            "{name} {p50} {p95}"
        );
    }
    // The sequence, each message's first frame: CHM → BHM → CRM 0x00 → BRM
    // (TP) → CRM 0xAA → BCP (TP) → CML → BRO 0xAA → CRO 0xAA → BCL (the car)
    // and CCS (the station), each starting on CRO 0xAA → BST → CST → BSD →
    // CSD.
    let first = |pgn, sa, pick: &dyn Fn(&Rec) -> bool| {
        frames(&cap, pgn, sa)
            .into_iter()
            .find(|r| pick(r))
            .unwrap_or_else(|| panic!("no {pgn:#06X} from {sa:#X}"))
            .time_us
    };
    let any = |_: &Rec| true;
    let seq = [
        ("CHM", first(0x2600, CHARGER, &any)),
        ("BHM", first(0x2700, BMS, &any)),
        ("CRM 0x00", first(0x0100, CHARGER, &|r| r.data[0] == 0x00)),
        ("BRM", first(0x0200, BMS, &any)),
        ("CRM 0xAA", first(0x0100, CHARGER, &|r| r.data[0] == 0xAA)),
        ("BCP", first(0x0600, BMS, &any)),
        ("CML", first(0x0800, CHARGER, &any)),
        ("BRO 0xAA", first(0x0900, BMS, &|r| r.data[0] == 0xAA)),
        ("CRO 0xAA", first(0x0A00, CHARGER, &|r| r.data[0] == 0xAA)),
        ("BCL", first(0x1000, BMS, &any)),
        ("BST", first(0x1900, BMS, &any)),
        ("CST", first(0x1A00, CHARGER, &any)),
        ("BSD", first(0x1C00, BMS, &any)),
        ("CSD", first(0x1D00, CHARGER, &any)),
    ];
    let ccs = first(0x1200, CHARGER, &any);
    assert!(seq[8].1 <= ccs && ccs <= seq[10].1, "CCS at {ccs} µs");
    for w in seq.windows(2) {
        assert!(
            w[0].1 <= w[1].1,
            "{} at {} µs after {} at {} µs",
            w[0].0,
            w[0].1,
            w[1].0,
            w[1].1
        );
    }
    // Current delivered (CCS output current, 0.1 A/bit offset -400 A, above
    // 100 A at some point) and no BEM / CEM.
    assert!(frames(&cap, 0x1200, CHARGER).iter().any(|r| {
        let a = f64::from(u16::from_le_bytes([r.data[2], r.data[3]])) * 0.1 - 400.0;
        a.abs() > 100.0
    }));
    assert!(frames(&cap, 0x1E00, BMS).is_empty() && frames(&cap, 0x1F00, CHARGER).is_empty());
}

/// B. The station frozen 12 s in: the car's CCS timeout, BEM with the CCS
/// bit (byte 2 bits 0-1 = 01) 1 s after the last CCS it took, then three
/// reconnects waiting 5 s each for the station's CRM, then the car gives up.
/// Tolerance: the timeout is checked each 10 ms step, plus the VM's timing:
/// 1.0-1.3 s.
fn station_stops_answering(out: &Path) {
    let car = ok(out, "b-car");
    assert_eq!(protocol(&car)["stop_reason"], "bem(ccs)", "{car}");
    assert_eq!(protocol(&car)["stopped_by"], "ev");
    assert_eq!(protocol(&car)["reconnects"], 3);
    assert_eq!(protocol(&car)["last_phase"], "gave_up");
    assert_eq!(stop(&car)["end"], "aborted");
    let cap = read_candump(&out.join("b-cap.log"));
    let bem = frames(&cap, 0x1E00, BMS);
    let first_bem = bem.first().expect("a BEM from the car");
    assert_eq!(
        first_bem.data[2] & 0x03,
        0x01,
        "BEM {:02X?}",
        first_bem.data
    );
    // (Resumed after the car has ended, the station catches up: only its
    // frames before the car's BEM count.)
    let last_ccs = frames(&cap, 0x1200, CHARGER)
        .iter()
        .map(|r| r.time_us)
        .filter(|t| *t < first_bem.time_us)
        .max()
        .unwrap();
    let after_s = (first_bem.time_us - last_ccs) as f64 / 1e6;
    assert!(
        (1.0..=1.3).contains(&after_s),
        "BEM {after_s} s after the last CCS"
    );
    // Three more BEMs over the reconnects (CRM 0x00 awaited 5 s each).
    let span_s = (bem.last().unwrap().time_us - first_bem.time_us) as f64 / 1e6;
    assert!((10.0..=16.5).contains(&span_s), "BEMs over {span_s} s");
}

/// C. canplayer replaying the recorded station: the car charges.
fn replayed_station(out: &Path) {
    let car = ok(out, "c-car");
    let c = stop(&car);
    let e = c["energy_pack_kwh"].as_f64().unwrap();
    let peak = c["peak_power_kw"].as_f64().unwrap();
    eprintln!(
        "replayed station: {e:.3} kWh, peak {peak:.1} kW, {}",
        protocol(&car)
    );
    assert!(e > 0.2 && peak > 50.0, "{e} kWh, {peak} kW");
    assert_eq!(protocol(&car)["role"], "ev");
    assert!(protocol(&car)["handshake_s"].as_f64().is_some());
}
