//! CHAdeMO fault flags in both directions and incompatibility, both sides in
//! one virtual-time loop (`chademo_sim`). Each fault is injected at 30 s,
//! mid-charge at 100 A, and the test asserts the reaction and its timing
//! (`chademo_sim::checks::assert_safe_stop`): the charger cuts its setpoint to
//! 0 at once, the current is below 5 A within 0.5 s, the EV opens its
//! contactors only then, and the session ends with the connector unlocked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

mod chademo_sim;

use chademo_sim::Sim;
use chademo_sim::checks::{T_FAULT, assert_safe_stop, first_102, session, stop_time};
use evtwin_can::chademo::msg::{ChargerOutputMsg, EvRequest};
use evtwin_can::chademo::{
    ChargerConfig, ChargerPhase, EvConfig, EvFaults, EvPhase, Incompatibility, Side, StopReason,
};

#[test]
fn ev_battery_fault_flags_stop_the_charger() {
    type Set = fn(&mut Sim);
    let cases: [(&str, Set, EvFaults, u64); 5] = [
        (
            "overvoltage (BMS)",
            |s| s.bms.faults.overvoltage = true,
            EvFaults {
                overvoltage: true,
                ..EvFaults::default()
            },
            100_000,
        ),
        (
            "undervoltage (detected)",
            |s| s.bms.min_voltage_v = 400.0,
            EvFaults {
                undervoltage: true,
                ..EvFaults::default()
            },
            100_000,
        ),
        (
            "high temperature",
            |s| s.bms.high_temp = true,
            EvFaults {
                high_temp: true,
                ..EvFaults::default()
            },
            100_000,
        ),
        // The power stage delivers 25 A more than asked: 500 ms hold.
        (
            "current deviation",
            |s| s.plant.extra_a = 25.0,
            EvFaults {
                current_deviation: true,
                ..EvFaults::default()
            },
            700_000,
        ),
        // The charger reports 30 V more than the pack has: 500 ms hold.
        (
            "voltage deviation",
            |s| {
                // Only while it charges (else it would never see a dead output).
                let on = s.ch.phase() == ChargerPhase::Charging;
                s.plant.meas_offset_v = if on { 30.0 } else { 0.0 };
            },
            EvFaults {
                voltage_deviation: true,
                ..EvFaults::default()
            },
            700_000,
        ),
    ];
    for (name, set, flags, delay) in cases {
        eprintln!("{name}");
        let sim = session(set);
        let r = StopReason::EvFault(flags);
        assert_safe_stop(&sim, r, r, delay);
        // The flag is in the EV's 0x102 from its stop on; the charger stops on
        // the first such frame.
        let t = first_102(&sim, T_FAULT, |m| m.faults == flags);
        assert_eq!(t, stop_time(&sim, Side::Charger), "{name}");
        let m = EvRequest::decode(
            &sim.frames(Side::Ev, 0x102)
                .into_iter()
                .find(|f| f.t_us == t)
                .unwrap()
                .frame,
        )
        .unwrap()
        .msg;
        assert_eq!(m.current_request_a, 0, "{name}: request 0 with the flag");
        assert!(!m.status.charging_enabled, "{name}");
    }
}

#[test]
fn ev_system_fault_and_shift_position_stop_the_charger() {
    // The d2 wire breaks: the EV sees d2 drop, raises its charging-system
    // fault and stops; the charger stops on the flag.
    let sim = session(|s| s.cut_d2 = true);
    assert_safe_stop(
        &sim,
        StopReason::LineDropped,
        StopReason::EvSystemFault,
        100_000,
    );
    assert!(first_102(&sim, T_FAULT, |m| m.status.system_fault) <= T_FAULT + 100_000);
    // The shift lever leaves park.
    let sim = session(|s| s.bms.shift_not_park = true);
    assert_safe_stop(
        &sim,
        StopReason::ShiftNotPark,
        StopReason::ShiftNotPark,
        100_000,
    );
}

#[test]
fn charger_flags_stop_the_ev() {
    // Station malfunction.
    let sim = session(|s| s.ch.set_malfunction(true));
    assert_safe_stop(
        &sim,
        StopReason::ChargerMalfunction,
        StopReason::ChargerMalfunction,
        100_000,
    );
    assert!(
        stop_time(&sim, Side::Ev) == stop_time(&sim, Side::Charger),
        "the EV stops on the first 0x109 with the flag"
    );
    // Charging-system malfunction: the output goes above the threshold (450 V).
    let sim = session(|s| {
        let on = s.ch.phase() == ChargerPhase::Charging;
        s.plant.meas_offset_v = if on { 120.0 } else { 0.0 };
    });
    assert_safe_stop(
        &sim,
        StopReason::ChargerSystemMalfunction,
        StopReason::OutputOvervoltage,
        100_000,
    );
    // Stop control: the station's user presses stop.
    let sim = session(|s| {
        if s.ch.stop_reason().is_none() {
            s.ch.request_stop(s.now_us);
        }
    });
    assert_safe_stop(
        &sim,
        StopReason::ChargerStop,
        StopReason::ChargerStop,
        100_000,
    );
}

#[test]
fn battery_incompatibility_stops_at_the_compatibility_check() {
    // The EV's maximum battery voltage (550 V) is above the charger's 500 V.
    let mut sim = Sim::build(EvConfig::default(), ChargerConfig::default());
    sim.bms.max_voltage_v = 550.0;
    sim.start();
    sim.run();
    let why = Incompatibility::MaxVoltageAboveAvailable;
    assert_eq!(sim.ch.stop_reason(), Some(StopReason::Incompatible(why)));
    assert_eq!(
        sim.ev.stop_reason(),
        Some(StopReason::Incompatible(Incompatibility::ChargerFlag))
    );
    // The flag is in the charger's very first 0x109, at t = 0.
    let first = &sim.frames(Side::Charger, 0x109)[0];
    assert_eq!(first.t_us, 0);
    assert!(
        ChargerOutputMsg::decode(&first.frame)
            .unwrap()
            .msg
            .status
            .battery_incompatible
    );
    // Never enabled, never locked, no d2, no current; over within a second.
    assert!(
        sim.samples
            .iter()
            .all(|s| !s.lines.k && !s.locked && !s.lines.d2 && s.current_a == 0.0)
    );
    assert!(sim.frames(Side::Ev, 0x102).iter().all(|f| {
        !EvRequest::decode(&f.frame)
            .unwrap()
            .msg
            .status
            .charging_enabled
    }));
    assert_eq!(sim.ch.phase(), ChargerPhase::Ended);
    assert_eq!(sim.ev.phase(), EvPhase::Ended);
    assert!(sim.now_us <= 1_000_000, "{}", sim.now_us);

    // The charger offers less current than the EV's minimum: the EV refuses
    // and asks for a normal stop.
    let mut sim = Sim::new(
        EvConfig {
            min_charge_current_a: 130.0,
            ..EvConfig::default()
        },
        ChargerConfig::default(),
    );
    sim.run();
    let why = Incompatibility::CurrentBelowMinimum;
    assert_eq!(sim.ev.stop_reason(), Some(StopReason::Incompatible(why)));
    assert_eq!(sim.ch.stop_reason(), Some(StopReason::EvNormal));
    assert!(sim.samples.iter().all(|s| !s.lines.k && !s.locked));
    assert_eq!(sim.ch.phase(), ChargerPhase::Ended);
}

#[test]
fn insulation_failure_stops_before_d2() {
    let mut sim = Sim::build(EvConfig::default(), ChargerConfig::default());
    sim.plant.insulation_ok = false;
    sim.start();
    sim.run();
    assert_eq!(sim.ch.stop_reason(), Some(StopReason::InsulationFailed));
    assert_eq!(sim.ev.stop_reason(), Some(StopReason::ChargerMalfunction));
    assert!(
        sim.samples
            .iter()
            .all(|s| !s.lines.d2 && !s.contactors_closed)
    );
    assert!(
        !sim.ch.lines().lock,
        "unlocked once the test voltage is gone"
    );
}
