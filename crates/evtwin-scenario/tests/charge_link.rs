//! Charge stops driven by their protocol's conversation (CHAdeMO): both
//! sides in-process, each side alone against the other in a second twin over
//! a shared virtual bus, the trace signal, and the conversation broken by
//! faults driven through the library (what the other side does, and what the
//! summary says).

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use evtwin_can::Frame;
use evtwin_scenario::charge_link::{
    ChargeLinkHook, LinkFault, LinkFaultKind, LinkOptions, LinkRecord, LinkSide, Protocol,
};
use evtwin_scenario::net::{NetFile, load_network};
use evtwin_scenario::{RunOptions, Runner, Scenario, Summary};
use evtwin_sim::Status;

/// The reference sedan, 30 → `until` % at a 500 V / 125 A CHAdeMO station.
fn chademo(until_pct: f64, station_max_v: f64, extra: &str) -> Scenario {
    common::scenario(&format!(
        r#"
[scenario]
name = "chademo test"
[vehicle]
preset = "model3-rwd-2022"
[pack]
initial_soc_pct = 30
initial_temp_c = 25
[environment]
ambient_c = 25
[[route]]
charge = {{ station = "c", until_soc_pct = {until_pct}, max_duration_min = 20, protocol = "chademo" }}
[stations.c]
max_power_kw = 50
max_voltage_v = {station_max_v}
min_voltage_v = 150
max_current_a = 125
plug_in_s = 5
unplug_s = 5
{extra}
"#
    ))
}

fn run(s: &Scenario) -> Summary {
    let mut r = Runner::new(s, &RunOptions::default(), None::<Vec<u8>>).unwrap();
    while r.step().unwrap() == Status::Running {}
    r.finish(false).unwrap().summary
}

/// Runs with an explicit hook (faults, a record) instead of the scenario's own.
fn run_with(s: &Scenario, faults: Vec<LinkFault>) -> (Summary, LinkRecord) {
    let mut bare = s.clone();
    bare.charge_protocols = vec![Protocol::None; s.charge_protocols.len()];
    let record = Arc::new(Mutex::new(LinkRecord::default()));
    let mut r = Runner::new(&bare, &RunOptions::default(), None::<Vec<u8>>).unwrap();
    r.add_hook(Box::new(ChargeLinkHook::new(
        s.charge_protocols.clone(),
        LinkOptions {
            faults,
            record: Some(record.clone()),
        },
    )));
    while r.step().unwrap() == Status::Running {}
    let summary = r.finish(false).unwrap().summary;
    let rec = record.lock().unwrap().clone();
    (summary, rec)
}

fn fault(at_s: f64, kind: LinkFaultKind) -> Vec<LinkFault> {
    vec![LinkFault { at_s, kind }]
}

/// Frames `id` the record holds, delivered or not, after `after_us`.
fn frames(rec: &LinkRecord, id: u32, after_us: u64) -> Vec<(u64, Frame)> {
    rec.frames
        .iter()
        .filter(|(t, _, f, _)| *t >= after_us && f.id().raw() == id)
        .map(|(t, _, f, _)| (*t, *f))
        .collect()
}

#[test]
fn both_sides_in_process_charge_to_the_target_and_report_the_conversation() {
    let s = chademo(33.0, 500.0, "");
    let sum = run(&s);
    assert_eq!(sum.status, "finished");
    assert!(sum.faults.is_empty(), "{:?}", sum.faults);
    let c = &sum.charge_stops[0];
    assert_eq!(c.end, "target_soc");
    assert!(
        c.soc_end_pct >= 33.0 && c.soc_end_pct < 33.3,
        "{}",
        c.soc_end_pct
    );
    let p = c.protocol.as_ref().expect("a protocol report");
    assert_eq!(p.protocol, "chademo");
    assert_eq!(p.role, "both");
    assert_eq!(p.stop_reason.as_deref(), Some("ev_normal"));
    assert_eq!(p.stopped_by.as_deref(), Some("ev"));
    assert_eq!(p.last_phase, "ended");
    // One period after the start the car's enable reaches the station, which
    // locks: the handshake is one 100 ms period in-process.
    let h = p.handshake_s.unwrap();
    assert!((h - 0.1).abs() < 1e-6, "handshake {h}");
    // 5 frames every 100 ms while connected, both sides' frames taken.
    let expected = c.duration_s / 0.1 * 5.0;
    #[allow(clippy::cast_precision_loss)]
    let sent = p.frames_sent as f64;
    assert!(
        sent > 0.9 * expected && sent < expected,
        "{sent} vs {expected}"
    );
    assert_eq!(p.frames_sent, p.frames_received);
    // The conversation decides the setup: the insulation test (2 s), the
    // discharge and d2, and the 5 s plug-in, not the station's durations.
    assert!(c.setup_s > 5.0 && c.setup_s < 9.0, "setup {}", c.setup_s);
    // The current followed the station's 20 A/s setpoint ramp, so the peak
    // is the 125 A offer at the pack's voltage (≈ 45 kW), not the 50 kW rating.
    assert!(c.peak_power_kw > 40.0 && c.peak_power_kw < 50.0);
    let text = sum.render_text();
    assert!(
        text.contains("chademo (twin plays both): handshake 0.1 s"),
        "{text}"
    );
    assert!(text.contains("stopped by the ev: ev_normal"), "{text}");
}

#[test]
fn without_a_protocol_nothing_changes() {
    let mut s = chademo(33.0, 500.0, "");
    let with = run(&s);
    s.charge_protocols = vec![Protocol::None];
    let without = run(&s);
    let c = &without.charge_stops[0];
    assert!(c.protocol.is_none());
    // The timed phases: 5 s plug-in, 8 s handshake, 10 s test, 2 s precharge.
    assert!((c.setup_s - 25.0).abs() < 0.02, "{}", c.setup_s);
    assert!(with.charge_stops[0].setup_s < c.setup_s - 10.0);
    let json = serde_json::to_value(&without).unwrap();
    assert!(json["charge_stops"][0].get("protocol").is_none());
}

#[test]
fn the_protocol_phase_is_a_trace_signal_only_on_request() {
    let s = chademo(
        31.0,
        500.0,
        "[trace]\nevery_s = 0.1\nsignals = [\"charge.protocol_phase\", \"charger.phase\"]\n",
    );
    let mut out = Vec::new();
    let mut r = Runner::new(&s, &RunOptions::default(), Some(&mut out)).unwrap();
    while r.step().unwrap() == Status::Running {}
    r.finish(false).unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("time_s,charge.protocol_phase,charger.phase")
    );
    let codes: Vec<f64> = lines
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    // 0 before the conversation; the charger's phases in order (8: charging);
    // then its stop (10: waiting for the car's contactors to open).
    assert_eq!(codes[0], 0.0);
    assert!(codes.contains(&8.0));
    assert!(codes.contains(&10.0));
    assert!(codes.windows(2).all(|w| w[1] >= w[0] || w[1] == 0.0));
    // The default trace leaves it out.
    let plain = chademo(31.0, 500.0, "");
    assert!(
        !plain
            .trace_signals
            .iter()
            .any(|s| s.name() == "charge.protocol_phase")
    );
}

fn two_twins(s: &Scenario) -> (Summary, Summary, usize) {
    common::two_twins(s, |f| (0x100..=0x109).contains(&f.id().raw()))
}

#[test]
fn car_and_station_in_two_twins_complete_a_session() {
    let s = chademo(32.0, 500.0, "");
    let (car, station, n) = two_twins(&s);
    let c = &car.charge_stops[0];
    let st = &station.charge_stops[0];
    let (pc, ps) = (c.protocol.as_ref().unwrap(), st.protocol.as_ref().unwrap());
    assert_eq!((pc.role.as_str(), ps.role.as_str()), ("ev", "charger"));
    // The car stops at its target; the station sees the car's normal stop.
    assert_eq!(pc.stop_reason.as_deref(), Some("ev_normal"));
    assert_eq!(ps.stop_reason.as_deref(), Some("ev_normal"));
    assert_eq!(pc.stopped_by.as_deref(), Some("ev"));
    assert_eq!(ps.stopped_by.as_deref(), Some("ev"));
    assert_eq!(c.end, "target_soc");
    assert!(c.soc_end_pct >= 32.0, "{}", c.soc_end_pct);
    // Both plants charged the same pack the same way (the station's from its
    // own setpoint, the car's from what the station reported, 1 A steps).
    assert!((c.energy_pack_kwh - st.energy_pack_kwh).abs() < 0.05 * c.energy_pack_kwh);
    assert!(c.energy_pack_kwh > 1.0);
    // Every frame one sent, the other took, but for at most one period at the
    // end (3 frames of the car, 2 of the station): the one that ends first
    // takes no more (the car's d1 is its shadow station's, which need not drop
    // in the same period as the real station's; the station sends one last
    // period showing unlocked).
    assert!(pc.frames_sent >= ps.frames_received && pc.frames_sent - ps.frames_received <= 3);
    assert!(ps.frames_sent >= pc.frames_received && ps.frames_sent - pc.frames_received <= 2);
    assert_eq!(usize::try_from(pc.frames_sent + ps.frames_sent).unwrap(), n);
    // Over the bus the lock takes two periods: the car's enable, then the
    // station's 0x109 saying locked.
    assert!(pc.handshake_s.unwrap() >= 0.1 && pc.handshake_s.unwrap() <= 0.3);
    assert_eq!(car.faults.len() + station.faults.len(), 0);
}

#[test]
fn a_charger_that_stops_answering_makes_the_car_time_out() {
    let s = chademo(40.0, 500.0, "");
    let (sum, rec) = run_with(&s, fault(60.0, LinkFaultKind::Mute(LinkSide::Charger)));
    let c = &sum.charge_stops[0];
    let p = c.protocol.as_ref().unwrap();
    assert_eq!(p.stop_reason.as_deref(), Some("can_timeout"));
    assert_eq!(p.stopped_by.as_deref(), Some("ev"));
    assert_eq!(c.end, "aborted");
    assert!(c.soc_end_pct < 40.0);
    // The car's timeout: 1 s after the last 0x109 it took (the last before
    // 60 s), its next 0x102 carries request 0, charging enabled off and the
    // charging-system fault.
    let t_fault = 60_000_000;
    let last_rx = rec
        .frames
        .iter()
        .filter(|(_, s, f, d)| *s == LinkSide::Charger && *d && f.id().raw() == 0x109)
        .map(|(t, ..)| *t)
        .max()
        .unwrap();
    assert!(last_rx < t_fault && last_rx >= t_fault - 100_000);
    let (t, f) = frames(&rec, 0x102, t_fault)
        .into_iter()
        .find(|(_, f)| f.data()[5] & 0x04 != 0)
        .expect("a 0x102 with the system-fault flag");
    assert!(
        t >= last_rx + 1_000_000 && t <= last_rx + 1_100_000,
        "{t} {last_rx}"
    );
    assert_eq!(f.data()[3], 0, "request 0");
    assert_eq!(f.data()[5] & 0x01, 0, "charging enabled cleared");
    let ev = rec
        .events
        .iter()
        .find(|(_, s, e)| *s == LinkSide::Ev && e.starts_with("CanTimeout"));
    assert!(ev.is_some());
}

#[test]
fn lost_car_frames_make_the_station_time_out() {
    let s = chademo(40.0, 500.0, "");
    let (sum, rec) = run_with(&s, fault(60.0, LinkFaultKind::Drop(0x102)));
    let p = sum.charge_stops[0].protocol.clone().unwrap();
    assert_eq!(p.stop_reason.as_deref(), Some("can_timeout"));
    assert_eq!(p.stopped_by.as_deref(), Some("charger"));
    // The station's 0x109 after its timeout: charging-system malfunction
    // (bit 4), charging (bit 0) off once the current is down.
    let flagged = frames(&rec, 0x109, 60_000_000)
        .into_iter()
        .find(|(_, f)| f.data()[5] & 0x10 != 0)
        .expect("a 0x109 with the system-malfunction flag");
    assert!(flagged.0 <= 61_100_000, "{}", flagged.0);
}

#[test]
fn a_battery_fault_flag_stops_the_station() {
    let s = chademo(40.0, 500.0, "");
    let (sum, rec) = run_with(&s, fault(60.0, LinkFaultKind::EvBatteryFault));
    let c = &sum.charge_stops[0];
    let p = c.protocol.as_ref().unwrap();
    assert_eq!(p.stop_reason.as_deref(), Some("ev_fault(high_temp)"));
    assert_eq!(p.stopped_by.as_deref(), Some("ev"));
    assert_eq!(c.end, "aborted");
    let (t, f) = frames(&rec, 0x102, 60_000_000)
        .into_iter()
        .find(|(_, f)| f.data()[4] != 0)
        .unwrap();
    assert!(t <= 60_110_000, "{t}");
    assert_eq!(f.data()[4] & 0x08, 0x08, "high temperature flag");
    assert_eq!(f.data()[3], 0);
    // The station cut its setpoint on that frame: its next 0x109 says stop.
    let ch = rec
        .events
        .iter()
        .find(|(_, s, e)| *s == LinkSide::Charger && e.starts_with("Stopping"))
        .unwrap();
    assert_eq!(ch.0, t, "the station stops on that frame");
    assert!(ch.2.contains("high_temp: true"), "{}", ch.2);
}

#[test]
fn a_station_malfunction_stops_the_car() {
    let s = chademo(40.0, 500.0, "");
    let (sum, _) = run_with(&s, fault(60.0, LinkFaultKind::ChargerMalfunction));
    let p = sum.charge_stops[0].protocol.clone().unwrap();
    assert_eq!(p.stop_reason.as_deref(), Some("charger_malfunction"));
    assert_eq!(p.stopped_by.as_deref(), Some("charger"));
}

#[test]
fn an_insulation_fault_stops_before_any_current() {
    let s = chademo(40.0, 500.0, "");
    let (sum, _) = run_with(&s, fault(0.0, LinkFaultKind::InsulationFault));
    let c = &sum.charge_stops[0];
    let p = c.protocol.as_ref().unwrap();
    assert_eq!(p.stop_reason.as_deref(), Some("insulation_failed"));
    assert_eq!(p.stopped_by.as_deref(), Some("charger"));
    assert_eq!(c.energy_dc_kwh, 0.0);
    assert_eq!(c.peak_power_kw, 0.0);
}

#[test]
fn a_station_below_the_car_maximum_refuses_it() {
    // 410 V covers the pack (the twin's own range check passes) but not the
    // car's maximum battery voltage (403 V + 10 V): battery incompatible.
    let s = chademo(40.0, 410.0, "");
    let sum = run(&s);
    let c = &sum.charge_stops[0];
    let p = c.protocol.as_ref().unwrap();
    assert_eq!(
        p.stop_reason.as_deref(),
        Some("incompatible(max_voltage_above_available)")
    );
    assert_eq!(p.stopped_by.as_deref(), Some("charger"));
    assert_eq!(c.end, "incompatible");
    assert_eq!(c.energy_dc_kwh, 0.0);
    assert!(p.handshake_s.is_none());
}

/// The vcan test's scenario (a 24 s stop) between two twins, the car's
/// conversation recorded: the 24 s limit ends it; the car's welding
/// check passes (the station's cable model lets the output go dead once the
/// current is down, before the car reports its contactors open).
#[test]
fn two_twins_stop_at_the_station_time_limit_and_pass_the_welding_check() {
    let text = std::fs::read_to_string(common::root().join("tests/vcan/chademo.toml")).unwrap();
    let s = common::scenario(&text);
    let mut bare = s.clone();
    bare.charge_protocols = vec![Protocol::None];
    let net = |real: &str| load_network(&s, NetFile::Builtin, NetFile::Builtin, &[real.into()]);
    let opts = RunOptions::default();
    let record = Arc::new(Mutex::new(LinkRecord::default()));
    let mut car = Runner::new(&bare, &opts, None::<Vec<u8>>)
        .unwrap()
        .with_network(net("CHARGER").unwrap());
    car.add_hook(Box::new(ChargeLinkHook::new(
        vec![Protocol::Chademo],
        LinkOptions {
            faults: vec![],
            record: Some(record.clone()),
        },
    )));
    let station_rec = Arc::new(Mutex::new(LinkRecord::default()));
    let mut station = Runner::new(&bare, &opts, None::<Vec<u8>>)
        .unwrap()
        .with_network(net("EV").unwrap());
    station.add_hook(Box::new(ChargeLinkHook::new(
        vec![Protocol::Chademo],
        LinkOptions {
            faults: vec![],
            record: Some(station_rec.clone()),
        },
    )));
    common::lockstep(&mut car, &mut station, &|_| false, u64::MAX);
    let rec = record.lock().unwrap();
    let has = |name: &str| {
        rec.events
            .iter()
            .any(|(_, side, e)| *side == LinkSide::Ev && e.starts_with(name))
    };
    // Both reach the 24 s limit together: the station stops, or the car
    // asks first.
    assert!(has("Stopping(ChargerStop)") || has("Stopping(EvNormal)"));
    assert!(has("WeldingCheckPassed"));
    assert!(!has("WeldingDetected"));
    assert!(has("SessionEnded"));
    // The car's last 0x102: contactors open, no charging-system fault.
    let last = rec
        .frames
        .iter()
        .rev()
        .find(|(_, _, f, _)| f.id().raw() == 0x102)
        .unwrap();
    assert_eq!(last.2.data()[5] & 0x0C, 0x08);
    // The station's last 0x109: unlocked (bit 2 clear).
    let rec = station_rec.lock().unwrap();
    let last = rec
        .frames
        .iter()
        .rev()
        .find(|(_, _, f, _)| f.id().raw() == 0x109)
        .unwrap();
    assert_eq!(last.2.data()[5] & 0x04, 0, "{last:?}");
}
