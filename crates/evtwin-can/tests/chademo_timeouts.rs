//! CHAdeMO timeouts and the end of a session, both sides in one virtual-time
//! loop (`chademo_sim`): CAN timeouts both ways, an EV that never answers, an
//! output that stays live, the maximum charging time, a welded contactor.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

mod chademo_sim;

use chademo_sim::Sim;
use chademo_sim::checks::{T_FAULT, first_102, stop_time};
use evtwin_can::chademo::msg::{ChargerOutputMsg, EvTime};
use evtwin_can::chademo::{
    ChademoEvent as E, ChargerConfig, ChargerPhase, EvConfig, EvPhase, Side, StopReason,
};

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

#[test]
fn a_pulled_connector_stops_both_sides() {
    // The lines and CAN go at once (a broken lock).
    let mut sim = Sim::standard();
    sim.unplug_at = Some(T_FAULT);
    sim.run();
    assert_eq!(sim.ev.stop_reason(), Some(StopReason::Unplugged));
    assert_eq!(sim.ch.stop_reason(), Some(StopReason::Unplugged));
    assert_eq!(stop_time(&sim, Side::Ev), T_FAULT);
    assert_eq!(stop_time(&sim, Side::Charger), T_FAULT);
    // No frame crosses after it; the circuit is broken, so the EV opens at once.
    let bad = sim.sent.iter().find(|s| s.delivered != (s.t_us < T_FAULT));
    assert!(bad.is_none(), "{bad:?}");
    let opened = sim
        .when(
            Side::Ev,
            |e| matches!(e, E::ContactorsOpened { current_a } if *current_a == 0.0),
        )
        .unwrap();
    assert_eq!(opened, T_FAULT + 100_000);
    assert_eq!(sim.ev.phase(), EvPhase::Ended);
    assert_eq!(sim.ch.phase(), ChargerPhase::Ended);
    assert!(!sim.ch.lines().lock);
}
