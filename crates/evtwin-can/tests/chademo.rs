//! CHAdeMO, both sides in one loop in virtual time (`chademo_sim`): the whole
//! sequence with its periods, the charger's ramp, the normal stop, welding
//! detection, the codecs, reserved bits and malformed frames.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::float_cmp,
    clippy::too_many_lines
)]

mod chademo_sim;

use chademo_sim::Sim;
use evtwin_can::chademo::msg::{
    self, ChargerCapability, ChargerOutputMsg, EvLimits, EvRequest, EvTime,
};
use evtwin_can::chademo::{
    ChademoEvent as E, ChargerPhase, ChargerStatus, EvFaults, EvPhase, EvStatus, Side, StopReason,
};
use evtwin_can::{CanId, Frame};

fn at(sim: &Sim, side: Side, f: impl Fn(&E) -> bool, what: &str) -> u64 {
    sim.when(side, f)
        .unwrap_or_else(|| panic!("{side:?} never reported {what}: {:#?}", sim.events))
}

#[test]
fn full_session_runs_the_sequence_in_order() {
    let mut sim = Sim::standard();
    sim.stop_soc_pct = 22.0; // a short charge: 2 % of 100 Ah at 100 A is 72 s
    sim.run();
    assert_eq!(sim.ev.phase(), EvPhase::Ended);
    assert_eq!(sim.ch.phase(), ChargerPhase::Ended);
    assert_eq!(sim.ev.stop_reason(), Some(StopReason::EvNormal));
    assert_eq!(sim.ch.stop_reason(), Some(StopReason::EvNormal));

    let ev_can = at(&sim, Side::Ev, |e| *e == E::CanStarted, "CAN start");
    let ch_can = at(&sim, Side::Charger, |e| *e == E::CanStarted, "CAN start");
    let compat = at(&sim, Side::Ev, |e| *e == E::Compatible, "compatible");
    let enabled = at(&sim, Side::Ev, |e| *e == E::ChargingEnabled, "enabled");
    let locked = at(&sim, Side::Charger, |e| *e == E::ConnectorLocked, "lock");
    let insul = at(
        &sim,
        Side::Charger,
        |e| matches!(e, E::InsulationTestStarted { .. }),
        "insulation",
    );
    let insul_ok = at(
        &sim,
        Side::Charger,
        |e| *e == E::InsulationTestPassed,
        "insulation ok",
    );
    let d2 = at(&sim, Side::Charger, |e| *e == E::ContactorsPermitted, "d2");
    let closed = at(&sim, Side::Ev, |e| *e == E::ContactorsClosed, "closed");
    let ch_closed = at(
        &sim,
        Side::Charger,
        |e| *e == E::ContactorsClosed,
        "closed (charger)",
    );
    let started = at(
        &sim,
        Side::Charger,
        |e| *e == E::ChargingStarted,
        "charging",
    );
    let stopping = at(&sim, Side::Ev, |e| matches!(e, E::Stopping(_)), "stop");
    let below = at(
        &sim,
        Side::Ev,
        |e| matches!(e, E::CurrentBelowStop { .. }),
        "< 5 A",
    );
    let opened = at(
        &sim,
        Side::Ev,
        |e| matches!(e, E::ContactorsOpened { .. }),
        "open",
    );
    let weld_ok = at(
        &sim,
        Side::Ev,
        |e| *e == E::WeldingCheckPassed,
        "welding check",
    );
    let ch_open = at(
        &sim,
        Side::Charger,
        |e| matches!(e, E::ContactorsOpened { .. }),
        "open (charger)",
    );
    let unlock = at(
        &sim,
        Side::Charger,
        |e| *e == E::ConnectorUnlocked,
        "unlock",
    );
    let ev_end = at(&sim, Side::Ev, |e| *e == E::SessionEnded, "end");

    assert_eq!(ev_can, 0, "the EV answers d1 at once");
    let seq = [
        ev_can, ch_can, compat, enabled, locked, insul, insul_ok, d2, closed, ch_closed, started,
        stopping, below, opened, weld_ok, ch_open, unlock,
    ];
    assert!(
        seq.windows(2).all(|w| w[0] <= w[1]),
        "out of order: {seq:?}"
    );
    // Zero latency in virtual time: the charger locks at the instant the EV's
    // next 0x102 (the first enabling one) arrives; the first request comes a
    // period after closing.
    assert_eq!(locked, enabled + 100_000);
    assert_eq!(started, closed + 100_000);
    assert!(unlock > weld_ok);
    // The insulation test lasts its 2 s; the EV closes within a period of d2.
    assert_eq!(insul_ok - insul, 2_000_000);
    assert!(closed - d2 <= 100_000, "{}", closed - d2);
    // The EV ends when d1 drops; the charger's d1 drops 500 ms after d2.
    assert!(ev_end >= ch_open + 500_000);
    assert!(unlock >= ev_end);
    // Current at the contactors' opening, seen by the EV.
    let Some((_, _, E::ContactorsOpened { current_a })) = sim
        .events
        .iter()
        .find(|(_, s, e)| *s == Side::Ev && matches!(e, E::ContactorsOpened { .. }))
    else {
        unreachable!()
    };
    assert!(current_a.abs() <= 5.0, "opened at {current_a} A");
    assert!(below <= opened);
    // The last samples: no lines, unlocked, no current.
    let last = sim.samples.last().unwrap();
    assert!(!last.lines.d1 && !last.lines.d2 && !last.lines.k && !last.locked);
    assert_eq!(last.current_a, 0.0);
    // Nothing malformed, no reserved bit on either side.
    for s in [sim.ev.rx_stats(), sim.ch.rx_stats()] {
        assert_eq!((s.malformed, s.reserved_set, s.ignored), (0, 0, 0), "{s:?}");
        assert!(s.taken > 1000);
    }
}

#[test]
fn each_message_is_sent_every_100_ms_in_order() {
    let mut sim = Sim::standard();
    sim.stop_soc_pct = 21.0;
    sim.run();
    for (side, id) in [
        (Side::Ev, msg::ID_EV_LIMITS),
        (Side::Ev, msg::ID_EV_TIME),
        (Side::Ev, msg::ID_EV_STATUS),
        (Side::Charger, msg::ID_CHARGER_CAPABILITY),
        (Side::Charger, msg::ID_CHARGER_STATUS),
    ] {
        let f = sim.frames(side, id);
        assert!(f.len() > 300, "{id:X}: {}", f.len());
        for w in f.windows(2) {
            assert_eq!(w[1].t_us - w[0].t_us, 100_000, "0x{id:X} at {}", w[0].t_us);
        }
    }
    // Within one instant: 0x100, 0x101, 0x102; 0x108 before 0x109.
    let ev: Vec<u32> = sim
        .sent
        .iter()
        .filter(|s| s.from == Side::Ev)
        .map(|s| s.frame.id().raw())
        .collect();
    assert!(ev.chunks(3).all(|c| c == [0x100, 0x101, 0x102]));
    let ch: Vec<u32> = sim
        .sent
        .iter()
        .filter(|s| s.from == Side::Charger)
        .map(|s| s.frame.id().raw())
        .collect();
    assert!(ch.chunks(2).all(|c| c == [0x108, 0x109]));
    // The charger starts on the EV's first 0x102, at the same instant.
    assert_eq!(
        sim.frames(Side::Charger, 0x108)[0].t_us,
        sim.frames(Side::Ev, 0x102)[0].t_us
    );
    // The charger's last burst carries the unlocked status.
    let last =
        ChargerOutputMsg::decode(&sim.frames(Side::Charger, 0x109).last().unwrap().frame).unwrap();
    assert!(!last.msg.status.connector_locked && last.msg.status.stop_control);
}

#[test]
fn charger_follows_the_request_within_its_ramp() {
    let mut sim = Sim::standard();
    sim.stop_soc_pct = 23.0;
    // The BMS steps its request down then up mid-charge.
    sim.run_with(7_200_000_000, |s| {
        let t = s.now_us;
        s.want_a = if (40_000_000..50_000_000).contains(&t) {
            30.0
        } else {
            100.0
        };
    });
    let ramp = 20.0;
    let mut rises = 0;
    for w in sim.samples.windows(2) {
        let (a, b) = (w[0], w[1]);
        let dt = (b.t_us - a.t_us) as f64 / 1e6;
        // Never faster than 20 A/s up; never above what the EV asks.
        assert!(
            b.setpoint_a - a.setpoint_a <= ramp * dt + 1e-9,
            "{a:?} -> {b:?}"
        );
        assert!(b.setpoint_a <= b.request_a + 1e-9, "{b:?}");
        rises += usize::from(b.setpoint_a > a.setpoint_a);
    }
    assert!(rises > 40, "{rises}");
    // It reaches the request: 100 A within 5 s of the start (+1 period), and
    // it drops to 30 A within a period of the request dropping.
    let start = at(&sim, Side::Charger, |e| *e == E::ChargingStarted, "start");
    let full = sim
        .samples
        .iter()
        .find(|s| s.setpoint_a >= 100.0)
        .unwrap()
        .t_us;
    assert!(full - start <= 5_100_000 + 100_000, "{}", full - start);
    let low = sim
        .samples
        .iter()
        .find(|s| s.t_us > 40_000_000 && s.setpoint_a <= 30.0)
        .unwrap()
        .t_us;
    assert!(low <= 40_200_000, "{low}");
}

#[test]
fn codecs_round_trip_and_send_reserved_bits_as_zero() {
    let l = EvLimits {
        min_charge_current_a: 7,
        min_battery_v: 300,
        max_battery_v: 0x01C2,
        charged_rate_ref_pct: 100,
    };
    let f = l.encode();
    assert_eq!(f.data(), [7, 0, 0x2C, 0x01, 0xC2, 0x01, 100, 0]);
    assert_eq!(EvLimits::decode(&f).unwrap().msg, l);
    let t = EvTime {
        max_charge_time_10s: 0xFF,
        max_charge_time_min: 90,
        est_charge_time_min: 30,
        rated_capacity_100wh: 400,
    };
    assert_eq!(t.encode().data(), [0, 0xFF, 90, 30, 0, 0x90, 0x01, 0]);
    assert_eq!(t.max_charge_time_s(), 5400);
    let all = EvFaults {
        overvoltage: true,
        undervoltage: true,
        current_deviation: true,
        high_temp: true,
        voltage_deviation: true,
    };
    let st = EvStatus {
        charging_enabled: true,
        shift_not_park: true,
        system_fault: true,
        contactor_open: true,
        stop_request: true,
    };
    let r = EvRequest {
        protocol: 2,
        target_v: 410,
        current_request_a: 125,
        faults: all,
        status: st,
        soc_pct: 55,
    };
    let f = r.encode();
    assert_eq!(
        f.data(),
        [2, 0x9A, 0x01, 125, 0x1F, 0x1F, 55, 0],
        "unused bits 5..7 stay 0"
    );
    assert_eq!(EvRequest::decode(&f).unwrap().msg, r);
    let c = ChargerCapability {
        welding_detection: 1,
        available_v: 500,
        available_a: 125,
        threshold_v: 450,
    };
    assert_eq!(c.encode().data(), [1, 0xF4, 0x01, 125, 0xC2, 0x01, 0, 0]);
    let s = ChargerStatus {
        charging: true,
        malfunction: true,
        connector_locked: true,
        battery_incompatible: true,
        system_malfunction: true,
        stop_control: true,
    };
    let o = ChargerOutputMsg {
        protocol: 2,
        present_v: 380,
        present_a: 99,
        status: s,
        remaining_10s: 0xFF,
        remaining_min: 42,
    };
    assert_eq!(
        o.encode().data(),
        [2, 0x7C, 0x01, 99, 0, 0x3F, 0xFF, 42],
        "byte 4 and bits 6..7 stay 0"
    );
    assert_eq!(ChargerOutputMsg::decode(&o.encode()).unwrap().msg, o);
    // Reserved bits set on receipt: taken, flagged.
    let mut d = [0u8; 8];
    d[4] = 0x80;
    let f = Frame::classic(CanId::Standard(0x102), &d).unwrap();
    let got = EvRequest::decode(&f).unwrap();
    assert!(got.reserved_set);
    assert_eq!(got.msg.faults, EvFaults::default());
}

#[test]
fn every_reserved_bit_of_a_whole_session_is_zero() {
    let mut sim = Sim::standard();
    sim.stop_soc_pct = 21.0;
    sim.run();
    // Reserved: 0x100 bytes 1, 7; 0x101 bytes 0, 4, 7; 0x102 byte 4 bits 5..7,
    // byte 5 bits 5..7, byte 7; 0x108 bytes 6, 7; 0x109 byte 4, byte 5 bits 6..7.
    let masks: [(u32, [u8; 8]); 5] = [
        (0x100, [0, 0xFF, 0, 0, 0, 0, 0, 0xFF]),
        (0x101, [0xFF, 0, 0, 0, 0xFF, 0, 0, 0xFF]),
        (0x102, [0, 0, 0, 0, 0xE0, 0xE0, 0, 0xFF]),
        (0x108, [0, 0, 0, 0, 0, 0, 0xFF, 0xFF]),
        (0x109, [0, 0, 0, 0, 0xFF, 0xC0, 0, 0]),
    ];
    for s in &sim.sent {
        let d = s.frame.data();
        assert_eq!(d.len(), 8);
        let (_, m) = masks
            .iter()
            .find(|(id, _)| *id == s.frame.id().raw())
            .unwrap();
        for i in 0..8 {
            assert_eq!(
                d[i] & m[i],
                0,
                "0x{:X} byte {i} at {}: {d:02X?}",
                s.frame.id().raw(),
                s.t_us
            );
        }
    }
}

#[test]
fn malformed_frames_are_counted_never_taken() {
    let mut sim = Sim::standard();
    sim.run_with(3_000_000, |_| {});
    let before_ev = sim.ev.rx_stats();
    let before_ch = sim.ch.rx_stats();
    let t = sim.now_us;
    let short = Frame::classic(CanId::Standard(0x109), &[2, 0, 0, 0, 0, 0x02, 0]).unwrap();
    let fd = Frame::fd(CanId::Standard(0x109), &[0; 12], false).unwrap();
    let ext = Frame::classic(CanId::Extended(0x109), &[0xFF; 8]).unwrap();
    for f in [short, fd, ext] {
        sim.ev.handle_frame(&f, t);
    }
    let short102 = Frame::classic(CanId::Standard(0x102), &[2, 0, 0, 0, 0x1F]).unwrap();
    sim.ch.handle_frame(&short102, t);
    let (ev, ch) = (sim.ev.rx_stats(), sim.ch.rx_stats());
    assert_eq!(ev.malformed - before_ev.malformed, 2);
    assert_eq!(
        ev.ignored - before_ev.ignored,
        1,
        "an extended 0x109 is not CHAdeMO"
    );
    assert_eq!(ch.malformed - before_ch.malformed, 1);
    // The short frame's malfunction bit was not taken: the session goes on.
    sim.stop_soc_pct = 21.0;
    sim.run();
    assert_eq!(sim.ev.stop_reason(), Some(StopReason::EvNormal));
    assert!(
        sim.events
            .iter()
            .any(|(_, s, e)| *s == Side::Ev && *e == E::MalformedFrame { id: 0x109 })
    );
}
