//! Checks 2 and 4: a real VCU on vcan0 (canplayer playing frames this test built)
//! commands the twin; malformed frames (cansend) are counted and ignored; a VCU
//! that falls silent trips the communication fault.

use std::path::Path;

use super::capture::{self, Rec, Trace, read_candump};
use super::vcu::{Phase, Vcu};
use super::{BUS, bus, check_py, dbc, dbc_path, json, python, read, scratch, session};
use evtwin_can::dbc::Dbc;

/// The VCU of run A, s after canplayer starts (the bridge starts 0.3 s later and
/// takes up to ~1.5 s more to start in the VM): drive, ask for 3 kW only, open the
/// contactors (still 3 kW), close them and drive on at up to 300 kW.
const PHASES_A: [Phase; 4] = [
    Phase {
        from_s: 0.0,
        contactor: 1.0,
        power_kw: 300.0,
    },
    Phase {
        from_s: 8.0,
        contactor: 1.0,
        power_kw: 3.0,
    },
    Phase {
        from_s: 11.0,
        contactor: 0.0,
        power_kw: 3.0,
    },
    Phase {
        from_s: 13.0,
        contactor: 1.0,
        power_kw: 300.0,
    },
];
/// `BMS_ContactorState` / `bms.contactor_state` values.
const OPEN: f64 = 0.0;
const CLOSED: f64 = 2.0;
/// A request takes effect in the 10 ms step that receives it, and the epoch
/// (twin time 0 on the wall clock) is estimated to ~1 ms: trace rows and frames
/// up to this long before a request reaches the bus may already show it.
const EDGE_S: f64 = 0.02;

/// `signal` of every frame of `message` in `recs` that decodes (right length,
/// and for `VCU_Command` a right CRC): (µs, value).
fn signal(dbc: &Dbc, recs: &[Rec], message: &str, signal: &str) -> Vec<(u64, f64)> {
    let (_, m) = dbc.message_by_name(message).unwrap();
    let k = m.signal_index(signal).unwrap();
    let mut v = vec![f64::NAN; m.signals.len()];
    recs.iter()
        .filter(|r| r.id == m.id && r.data.len() == m.len_bytes)
        .filter(|r| message != "VCU_Command" || super::vcu::E2E.crc_matches(&r.data))
        .filter_map(|r| m.decode(&r.data, &mut v).ok().map(|()| (r.time_us, v[k])))
        .collect()
}

fn first_at(values: &[(u64, f64)], after_us: u64, pred: impl Fn(f64) -> bool) -> u64 {
    values
        .iter()
        .find(|(t, v)| *t >= after_us && pred(*v))
        .map(|(t, _)| *t)
        .expect("the VCU's phase on the bus")
}

fn all(values: &[f64], want: f64) -> bool {
    !values.is_empty() && values.iter().all(|v| (v - want).abs() < 1e-9)
}

#[test]
fn a_real_vcu_on_vcan_drives_the_twin_malformed_frames_are_counted_and_silence_faults() {
    let Some(bus) = bus() else { return };
    let _one = BUS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let inputs = scratch("in");
    let out = scratch("out");
    let (inp, out) = (inputs.path(), out.path());
    let dbc = dbc();
    for f in ["short.toml", "idle.toml"] {
        std::fs::copy(
            super::common::root().join("tests/vcan").join(f),
            inp.join(f),
        )
        .unwrap();
    }
    let write = |name: &str, text: String| std::fs::write(inp.join(name), text).unwrap();
    // Run A's VCU outlasts the drive (the script stops it when the bridge ends).
    write("vcu-a.log", Vcu::new(dbc.clone()).log(&PHASES_A, 75.0));
    write("vcu-b.log", Vcu::new(dbc.clone()).log(&PHASES_A[..1], 5.0));
    write("malformed.sh", Vcu::new(dbc.clone()).malformed());
    session(&bus, "vcu.sh", inp, out, 200);
    run_a(&dbc, out);
    run_b(&dbc, out);
}

/// The frames the twin logged as received (` R`) carry the kernel's receive
/// timestamps: the same instants candump saw for the same frames (both sockets
/// get the one timestamp vcan stamped on the frame), not the moment the twin got
/// round to reading them.
fn received_with_kernel_timestamps(twin_log: &Path, cap: &[Rec]) {
    let text = std::fs::read_to_string(twin_log).unwrap();
    let received: String = text
        .lines()
        .filter(|l| l.ends_with(" R"))
        .flat_map(|l| [l, "\n"])
        .collect();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), received).unwrap();
    let rx = read_candump(file.path());
    assert!(rx.len() > 500, "{} frames received", rx.len());
    let start = cap
        .iter()
        .position(|c| c.id == rx[0].id && c.data == rx[0].data && c.time_us == rx[0].time_us)
        .expect("the twin's first received frame is in candump's capture, same timestamp");
    // candump also saw the twin's own frames: keep the IDs the twin received.
    let ids: std::collections::BTreeSet<_> = rx.iter().map(|r| r.id).collect();
    let mut deltas: Vec<u64> = rx
        .iter()
        .zip(cap[start..].iter().filter(|c| ids.contains(&c.id)))
        .map(|(r, c)| {
            assert_eq!(
                (r.id, &r.data),
                (c.id, &c.data),
                "same frames in the same order"
            );
            r.time_us.abs_diff(c.time_us)
        })
        .collect();
    deltas.sort_unstable();
    let p95 = deltas[deltas.len() * 95 / 100];
    eprintln!(
        "receive timestamps, twin vs candump: p95 {p95} µs, max {} µs over {} frames",
        deltas[deltas.len() - 1],
        deltas.len()
    );
    assert!(p95 <= 50, "p95 {p95} µs: not the kernel's timestamps");
}

/// A: the VCU's requests act on the twin; the malformed frames are counted, one
/// each, and the twin drives its route to the end.
fn run_a(dbc: &Dbc, out: &Path) {
    eprint!("{}", read(out, "a.out"));
    assert_eq!(read(out, "a.rc").trim(), "0", "{}", read(out, "a.err"));
    let report = json(out, "a.json");
    assert_eq!(report["status"], "finished");
    assert_eq!(
        report["faults"].as_array().unwrap().len(),
        0,
        "{}",
        report["faults"]
    );
    let net = &report["network"]["net"];
    for (counter, n) in [
        ("unknown_id", 1),
        ("wrong_length", 1),
        ("bad_crc", 1),
        ("bad_counter", 1),
        ("unexpected", 0),
        ("timeouts", 0),
    ] {
        assert_eq!(net[counter], n, "{counter}: {net}");
    }
    // 110 VCU frames a second, all used but the malformed ones.
    let duration_s = report["duration_s"].as_f64().unwrap();
    let used = net["rx_used"].as_f64().unwrap();
    assert!(
        used >= 105.0 * duration_s,
        "{used} VCU frames used in {duration_s} s"
    );

    let cap = read_candump(&out.join("cap-a.log"));
    received_with_kernel_timestamps(&out.join("twin-a.log"), &cap);
    let epoch = capture::epoch_us(dbc, &cap, &["VCU"]);
    let virt = |t_us: u64| (t_us as f64 - epoch as f64) / 1e6;
    let power = signal(dbc, &cap, "VCU_Command", "VCU_PowerRequest");
    let contactor = signal(dbc, &cap, "VCU_Command", "VCU_ContactorRequest");
    let cap_us = first_at(&power, 0, |p| p < 10.0);
    let open_us = first_at(&contactor, cap_us, |c| c < 0.5);
    let close_us = first_at(&contactor, open_us, |c| c > 0.5);
    let (t_cap, t_open, t_close) = (virt(cap_us), virt(open_us), virt(close_us));
    eprintln!(
        "VCU on the bus (twin time): 3 kW at {t_cap:.3} s, open at {t_open:.3} s, close at {t_close:.3} s"
    );
    assert!(
        t_cap > 2.0 && t_close + 3.0 < duration_s,
        "phases outside the drive"
    );

    let trace = Trace::read(&out.join("trace-a.csv"));
    let state = |from, to| trace.between("bms.contactor_state", from, to);
    let motor = |from, to| trace.between("motor.elec_power_w", from, to);
    let max = |v: Vec<f64>| v.into_iter().fold(f64::NEG_INFINITY, f64::max);
    // Driving at 300 kW allowed, then capped at 3 kW (0.3 s to settle).
    assert!(all(&state(1.0, t_cap - EDGE_S), CLOSED));
    let before = max(motor(1.0, t_cap - EDGE_S));
    let capped = max(motor(t_cap + 0.3, t_close - EDGE_S));
    eprintln!(
        "motor.elec_power_w: peak {before:.0} W before the 3 kW request, {capped:.0} W under it"
    );
    assert!(before > 6000.0, "{before} W");
    assert!(capped <= 3000.0 + 1e-6, "{capped} W under a 3 kW request");
    // Opened within 0.5 s of the request, closed again within 1 s of the next.
    assert!(
        all(&state(t_open + 0.5, t_close - EDGE_S), OPEN),
        "{:?}",
        state(t_open, t_close)
    );
    assert!(all(&state(t_close + 1.0, f64::INFINITY), CLOSED));
    // BMS_Status on the bus says the same.
    let on_bus = signal(dbc, &cap, "BMS_Status", "BMS_ContactorState");
    let bus_between = |from: f64, to: f64| -> Vec<f64> {
        on_bus
            .iter()
            .filter(|(t, _)| (from..to).contains(&virt(*t)))
            .map(|(_, v)| *v)
            .collect()
    };
    assert!(all(&bus_between(1.0, t_cap - EDGE_S), CLOSED));
    assert!(all(&bus_between(t_open + 0.5, t_close - EDGE_S), OPEN));
    assert!(all(&bus_between(t_close + 1.0, f64::INFINITY), CLOSED));
    if python() {
        let vcu = Path::new("VCU");
        check_py(&[
            Path::new("values"),
            &dbc_path(),
            &out.join("cap-a.log"),
            &out.join("trace-a.csv"),
            vcu,
        ]);
    }
}

/// B: the VCU falls silent; 100 ms later (`VCU_Command`'s timeout) the BMS raises
/// the communication fault (code 9), opens the contactors and the run stops.
fn run_b(dbc: &Dbc, out: &Path) {
    eprint!("{}", read(out, "b.out"));
    assert_eq!(read(out, "b.rc").trim(), "1", "{}", read(out, "b.err"));
    let report = json(out, "b.json");
    assert_ne!(report["status"], "finished");
    let faults = report["faults"].as_array().unwrap();
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert_eq!(faults[0]["code"], "communication");
    // VCU_Command times out after 100 ms. VCU_VehicleStatus (300 ms) may or may
    // not before the run stops, with the contactors open, ~0.2 s after that.
    let timeouts = report["network"]["net"]["timeouts"].as_u64().unwrap();
    assert!((1..=2).contains(&timeouts), "{timeouts} timeouts");
    let events = read(out, "b.err");
    assert!(events.contains("VCU_Command timed out"), "{events}");

    let cap = read_candump(&out.join("cap-b.log"));
    let epoch = capture::epoch_us(dbc, &cap, &["VCU"]);
    let last_us = signal(dbc, &cap, "VCU_Command", "VCU_Mode")
        .last()
        .unwrap()
        .0;
    let codes = signal(dbc, &cap, "BMS_Status", "BMS_FaultCode");
    let fault_us = first_at(&codes, 0, |c| c > 0.5);
    let after_s = (fault_us as f64 - last_us as f64) / 1e6;
    let fault_time_s = faults[0]["time_s"].as_f64().unwrap();
    let silent_s = (last_us as f64 - epoch as f64) / 1e6;
    eprintln!(
        "last VCU frame at {silent_s:.3} s (twin time); fault raised at {fault_time_s:.3} s; \
         first BMS_Status with code 9 {after_s:.3} s after the last VCU frame"
    );
    assert!(
        codes
            .iter()
            .all(|(t, c)| *t < fault_us || (*c - 9.0).abs() < 1e-9)
    );
    // Timeout 100 ms, then one 10 ms step, then BMS_Status's 50 ms cycle; the
    // rest is slack for TCG's timers.
    assert!((0.1..=0.5).contains(&after_s), "{after_s} s");
    assert!(
        (0.09..=0.4).contains(&(fault_time_s - silent_s)),
        "{fault_time_s} s vs {silent_s} s"
    );
    let trace = Trace::read(&out.join("trace-b.csv"));
    assert!((trace.last("bms.fault_code") - 9.0).abs() < 1e-9);
    assert!((trace.last("bms.contactor_state") - OPEN).abs() < 1e-9);
    if python() {
        let vcu = Path::new("VCU");
        check_py(&[
            Path::new("values"),
            &dbc_path(),
            &out.join("cap-b.log"),
            &out.join("trace-b.csv"),
            vcu,
        ]);
    }
}
