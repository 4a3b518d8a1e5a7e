//! The checks the fault tests share: a session with a fault from 30 s on, and
//! the reaction every stop during charging must show.
#![allow(dead_code)]

use evtwin_can::chademo::msg::{ChargerOutputMsg, EvRequest};
use evtwin_can::chademo::{ChademoEvent as E, ChargerPhase, EvPhase, Side, StopReason};

use super::Sim;

pub const T_FAULT: u64 = 30_000_000;

/// Runs a session with `inject` applied from 30 s on.
pub fn session(inject: impl Fn(&mut Sim)) -> Sim {
    let mut sim = Sim::standard();
    sim.run_with(7_200_000_000, |s| {
        if s.now_us >= T_FAULT {
            inject(s);
        }
    });
    sim
}

pub fn stop_time(sim: &Sim, side: Side) -> u64 {
    sim.when(side, |e| matches!(e, E::Stopping(_)))
        .unwrap_or_else(|| panic!("{side:?} never stopped: {:#?}", sim.events))
}

/// The reaction every stop during charging must show.
pub fn assert_safe_stop(sim: &Sim, ev: StopReason, ch: StopReason, max_ev_delay_us: u64) {
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
pub fn first_102(sim: &Sim, t: u64, f: impl Fn(&EvRequest) -> bool) -> u64 {
    sim.frames(Side::Ev, 0x102)
        .into_iter()
        .find(|s| s.t_us >= t && f(&EvRequest::decode(&s.frame).unwrap().msg))
        .unwrap_or_else(|| panic!("no such 0x102"))
        .t_us
}
