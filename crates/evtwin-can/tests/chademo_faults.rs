//! CHAdeMO fault flags in both directions, incompatibility and CAN timeouts,
//! both sides in one virtual-time loop (`chademo_sim`). Each fault is injected
//! at 30 s, mid-charge at 100 A, and the test asserts the reaction and its
//! timing: the charger cuts its setpoint to 0 at once, the current is below
//! 5 A within 0.5 s, the EV opens its contactors only then, and the session
//! ends with the connector unlocked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

mod chademo_sim;

use chademo_sim::Sim;
use evtwin_can::chademo::msg::{ChargerOutputMsg, EvRequest, EvTime};
use evtwin_can::chademo::{
    ChademoEvent as E, ChargerConfig, ChargerPhase, EvConfig, EvFaults, EvPhase, Incompatibility,
    Side, StopReason,
};

const T_FAULT: u64 = 30_000_000;

/// Runs a session with `inject` applied from 30 s on.
fn session(inject: impl Fn(&mut Sim)) -> Sim {
    let mut sim = Sim::standard();
    sim.run_with(7_200_000_000, |s| {
        if s.now_us >= T_FAULT {
            inject(s);
        }
    });
    sim
}

fn stop_time(sim: &Sim, side: Side) -> u64 {
    sim.when(side, |e| matches!(e, E::Stopping(_)))
        .unwrap_or_else(|| panic!("{side:?} never stopped: {:#?}", sim.events))
}

/// The reaction every stop during charging must show.
fn assert_safe_stop(sim: &Sim, ev: StopReason, ch: StopReason, max_ev_delay_us: u64) {
    assert_eq!(sim.ev.stop_reason(), Some(ev), "EV: {:#?}", sim.events);
    assert_eq!(sim.ch.stop_reason(), Some(ch), "charger: {:#?}", sim.events);
    let t_ev = stop_time(sim, Side::Ev);
    let t_ch = stop_time(sim, Side::Charger);
    let first = t_ev.min(t_ch);
    assert!(
        first >= T_FAULT && first - T_FAULT <= max_ev_delay_us,
        "stop {} µs after the fault",
        first - T_FAULT
    );
    // Both sides stop within a period of each other.
    assert!(t_ev.abs_diff(t_ch) <= 100_000, "EV {t_ev}, charger {t_ch}");
    // The charger's setpoint is 0 from its stop on.
    assert!(
        sim.samples
            .iter()
            .filter(|s| s.t_us >= t_ch)
            .all(|s| s.setpoint_a == 0.0)
    );
    // The current is below 5 A within 0.5 s of the charger's stop.
    let low = sim
        .samples
        .iter()
        .find(|s| s.t_us >= t_ch && s.current_a <= 5.0)
        .unwrap()
        .t_us;
    if low - t_ch > 500_000 {
        for s in sim
            .samples
            .iter()
            .filter(|s| s.t_us + 300_000 >= t_ch && s.t_us <= low)
        {
            eprintln!("{s:?}");
        }
        eprintln!("{:?}", &sim.events[sim.events.len().saturating_sub(20)..]);
    }
    assert!(low - t_ch <= 500_000, "{} µs to 5 A", low - t_ch);
    // The EV's contactors open only at or below 5 A.
    let opened = sim
        .samples
        .windows(2)
        .find(|w| w[0].contactors_closed && !w[1].contactors_closed)
        .unwrap();
    assert!(opened[1].t_us >= low);
    let Some((_, _, E::ContactorsOpened { current_a })) = sim
        .events
        .iter()
        .find(|(_, s, e)| *s == Side::Ev && matches!(e, E::ContactorsOpened { .. }))
    else {
        panic!("no opening")
    };
    assert!(*current_a <= 5.0, "{current_a}");
    // The charger clears its charging flag only once the current is low.
    let last_charging = sim
        .frames(Side::Charger, 0x109)
        .into_iter()
        .rfind(|f| {
            ChargerOutputMsg::decode(&f.frame)
                .unwrap()
                .msg
                .status
                .charging
        })
        .unwrap()
        .t_us;
    assert!(last_charging < low + 100_000);
    assert_eq!(sim.ch.phase(), ChargerPhase::Ended);
    assert!(!sim.ch.lines().lock && !sim.ch.lines().d1 && !sim.ch.lines().d2);
    assert_eq!(sim.ev.phase(), EvPhase::Ended);
}

/// The first 0x102 the EV sent at or after `t` with its fault byte matching.
fn first_102(sim: &Sim, t: u64, f: impl Fn(&EvRequest) -> bool) -> u64 {
    sim.frames(Side::Ev, 0x102)
        .into_iter()
        .find(|s| s.t_us >= t && f(&EvRequest::decode(&s.frame).unwrap().msg))
        .unwrap_or_else(|| panic!("no such 0x102"))
        .t_us
}

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

#[test]
fn ev_can_timeout_stops_the_charger() {
    let mut sim = Sim::standard();
    sim.mute = Some((Side::Ev, T_FAULT));
    sim.run();
    let last = sim
        .frames(Side::Ev, 0x102)
        .into_iter()
        .rfind(|f| f.delivered)
        .unwrap()
        .t_us;
    let t = sim
        .when(Side::Charger, |e| *e == E::CanTimeout { id: 0x102 })
        .unwrap();
    assert_eq!(t, last + 1_000_000, "the charger notices after exactly 1 s");
    assert_eq!(stop_time(&sim, Side::Charger), t);
    assert_eq!(sim.ch.stop_reason(), Some(StopReason::CanTimeout));
    // Its flag reaches the EV (which still hears it) at once.
    let flagged = sim
        .frames(Side::Charger, 0x109)
        .into_iter()
        .find(|f| {
            ChargerOutputMsg::decode(&f.frame)
                .unwrap()
                .msg
                .status
                .system_malfunction
        })
        .unwrap()
        .t_us;
    assert_eq!(flagged, t);
    assert_eq!(
        sim.ev.stop_reason(),
        Some(StopReason::ChargerSystemMalfunction)
    );
    let low = sim
        .samples
        .iter()
        .find(|s| s.t_us >= t && s.current_a <= 5.0)
        .unwrap()
        .t_us;
    assert!(low - t <= 500_000);
    assert_eq!(sim.ch.phase(), ChargerPhase::Ended);
    assert!(!sim.ch.lines().lock);
}

#[test]
fn charger_can_timeout_stops_the_ev() {
    let mut sim = Sim::standard();
    sim.mute = Some((Side::Charger, T_FAULT));
    sim.run();
    let last = sim
        .frames(Side::Charger, 0x109)
        .into_iter()
        .rfind(|f| f.delivered)
        .unwrap()
        .t_us;
    let t = sim
        .when(Side::Ev, |e| *e == E::CanTimeout { id: 0x109 })
        .unwrap();
    assert_eq!(t, last + 1_000_000);
    assert_eq!(sim.ev.stop_reason(), Some(StopReason::CanTimeout));
    // The EV's charging-system fault and request 0 go out with its next 0x102;
    // the charger stops on it.
    let flagged = first_102(&sim, t, |m| {
        m.status.system_fault && m.current_request_a == 0
    });
    assert!(flagged - t <= 100_000);
    assert_eq!(sim.ch.stop_reason(), Some(StopReason::EvSystemFault));
    let Some((_, _, E::ContactorsOpened { current_a })) = sim
        .events
        .iter()
        .find(|(_, s, e)| *s == Side::Ev && matches!(e, E::ContactorsOpened { .. }))
    else {
        panic!("no opening")
    };
    assert!(*current_a <= 5.0);
    assert_eq!(sim.ev.phase(), EvPhase::Ended);
}

#[test]
fn a_welded_contactor_is_detected_and_the_connector_stays_locked() {
    let mut sim = Sim::standard();
    sim.plant.welded = true;
    sim.stop_soc_pct = 21.0;
    sim.run();
    let opened = sim
        .when(Side::Ev, |e| matches!(e, E::ContactorsOpened { .. }))
        .unwrap();
    let welded = sim
        .when(Side::Ev, |e| matches!(e, E::WeldingDetected { .. }))
        .unwrap();
    assert_eq!(welded - opened, 1_000_000, "after the 1 s window");
    assert!(
        sim.when(Side::Ev, |e| *e == E::WeldingCheckPassed)
            .is_none()
    );
    assert!(
        first_102(&sim, welded, |m| m.status.system_fault
            && m.status.contactor_open)
            <= welded + 100_000
    );
    // The charger finds its output live after d1 and refuses to unlock.
    assert!(
        sim.when(Side::Charger, |e| matches!(e, E::UnlockRefused { .. }))
            .is_some()
    );
    assert!(sim.ch.lines().lock);
}

#[test]
fn an_ev_that_never_answers_times_the_charger_out() {
    let mut sim = Sim::build(EvConfig::default(), ChargerConfig::default());
    sim.mute = Some((Side::Ev, 0));
    sim.start();
    sim.run();
    assert_eq!(sim.ch.stop_reason(), Some(StopReason::SequenceTimeout));
    assert_eq!(
        stop_time(&sim, Side::Charger),
        8_000_000,
        "d1 → charging enabled: 8 s"
    );
    assert!(
        sim.frames(Side::Charger, 0x108).is_empty(),
        "it never started sending"
    );
    assert!(!sim.ch.lines().d1);
}

#[test]
fn the_maximum_charging_time_ends_the_charge() {
    let ev = EvConfig {
        max_charge_time_s: 60,
        ..EvConfig::default()
    };
    let mut sim = Sim::new(ev, ChargerConfig::default());
    sim.run();
    let start = sim
        .when(Side::Charger, |e| *e == E::ChargingStarted)
        .unwrap();
    assert_eq!(sim.ch.stop_reason(), Some(StopReason::MaxTimeReached));
    assert_eq!(stop_time(&sim, Side::Charger), start + 60_000_000);
    assert_eq!(sim.ev.stop_reason(), Some(StopReason::ChargerStop));
    // The remaining time counts down in 0x109: 10 s units and minutes, rounded up.
    let rem = |t: u64| {
        let f = sim
            .frames(Side::Charger, 0x109)
            .into_iter()
            .find(|f| f.t_us >= t)
            .unwrap();
        let m = ChargerOutputMsg::decode(&f.frame).unwrap().msg;
        (m.remaining_10s, m.remaining_min)
    };
    assert_eq!(rem(start), (6, 1));
    assert_eq!(rem(start + 30_000_000), (3, 1));
    assert_eq!(rem(start + 55_000_000), (1, 1));
    assert_eq!(rem(start + 61_000_000), (0, 0));
    // The EV's 0x101 said 60 s: 6 × 10 s, 1 min.
    let t = EvTime::decode(&sim.frames(Side::Ev, 0x101)[0].frame)
        .unwrap()
        .msg;
    assert_eq!(
        (
            t.max_charge_time_10s,
            t.max_charge_time_min,
            t.max_charge_time_s()
        ),
        (6, 1, 60)
    );
}

#[test]
fn an_output_still_live_after_the_insulation_test_never_gets_d2() {
    let mut sim = Sim::standard();
    // The charger's output does not discharge after its test.
    sim.run_with(7_200_000_000, |s| {
        let stuck = s.ch.phase() == ChargerPhase::Discharge;
        s.plant.meas_offset_v = if stuck { 400.0 } else { 0.0 };
    });
    let passed = sim
        .when(Side::Charger, |e| *e == E::InsulationTestPassed)
        .unwrap();
    assert_eq!(sim.ch.stop_reason(), Some(StopReason::ChargerMalfunction));
    assert_eq!(stop_time(&sim, Side::Charger), passed + 4_000_000);
    assert_eq!(sim.ev.stop_reason(), Some(StopReason::ChargerMalfunction));
    assert!(
        sim.samples
            .iter()
            .all(|s| !s.lines.d2 && !s.contactors_closed)
    );
    assert_eq!(sim.ch.phase(), ChargerPhase::Ended);
}
