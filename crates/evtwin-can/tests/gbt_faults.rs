//! GB/T 27930 when the conversation breaks: each timeout the standard names
//! gives the right BEM / CEM code at the right time; three reconnects, then
//! both sides give up; a charger-initiated stop; a lost TP packet repaired;
//! malformed frames counted.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "gbt_support/mod.rs"]
mod support;

use evtwin_can::Frame;
use evtwin_can::gbt::{
    ChargerStop, GbtEvent, GbtTimeout, PGN_BCL, PGN_BCP, PGN_BCS, PGN_BEM, PGN_BRO, PGN_BSD,
    PGN_BST, PGN_CCS, PGN_CEM, PGN_CML, PGN_CRM, PGN_CRO, PGN_CSD, PGN_CST, Phase, TIMEOUT_FAST_US,
    TIMEOUT_STATS_US, TIMEOUT_US, VehicleStop,
};
use evtwin_can::j1939::J1939Id;
use support::{Rec, Session};

/// A TP.CM RTS announcing `pgn`.
fn rts_of(r: &Rec, pgn: u32) -> bool {
    let d = r.frame.data();
    r.id().pgn == 0xEC00 && d[0] == 16 && u32::from_le_bytes([d[5], d[6], d[7], 0]) == pgn
}

fn lossy(lose: impl FnMut(&Rec) -> bool + 'static) -> Session {
    let mut s = Session::new();
    s.lose = Box::new(lose);
    s.run(200_000_000, |s| {
        s.ended() || !s.v_events.is_empty() && first_error(s).is_some()
    });
    s
}

/// The first BEM or CEM sent: (time, from the vehicle, codes).
fn first_error(s: &Session) -> Option<(u64, bool, Vec<GbtTimeout>)> {
    s.frames.iter().find_map(|r| {
        let pgn = r.id().pgn;
        (pgn == PGN_BEM || pgn == PGN_CEM).then(|| {
            (
                r.t,
                pgn == PGN_BEM,
                GbtTimeout::decode(r.frame.data(), pgn == PGN_BEM).unwrap(),
            )
        })
    })
}

/// The last frame of `pgn` that reached the other side before the loss.
fn last_delivered(s: &Session, pgn: u32, upto: u64) -> u64 {
    s.frames
        .iter()
        .filter(|r| r.id().pgn == pgn && r.t <= upto)
        .map(|r| r.t)
        .max()
        .unwrap()
}

/// When a normal session's vehicle starts charging.
fn charging_starts() -> u64 {
    let mut s = Session::new();
    s.run(60_000_000, |s| s.v.phase() == Phase::Charging);
    s.now
}

fn error_of(s: &Session) -> (u64, bool, Vec<GbtTimeout>) {
    first_error(s).expect("a BEM or CEM")
}

/// The first BEM (the vehicle's own timeout): time and codes.
fn first_bem(s: &Session) -> (u64, Vec<GbtTimeout>) {
    let r = s
        .frames
        .iter()
        .find(|r| r.id().pgn == PGN_BEM)
        .expect("a BEM");
    (r.t, GbtTimeout::decode(r.frame.data(), true).unwrap())
}

/// The first CEM (the charger's own timeout): time and codes.
fn first_cem(s: &Session) -> (u64, Vec<GbtTimeout>) {
    let r = s
        .frames
        .iter()
        .find(|r| r.id().pgn == PGN_CEM)
        .expect("a CEM");
    (r.t, GbtTimeout::decode(r.frame.data(), false).unwrap())
}

#[test]
fn charger_silent_while_charging_gives_bem_ccs_after_1_s() {
    let cut = charging_starts() + 2_000_000;
    let s = lossy(move |r| !r.from_vehicle && r.t >= cut);
    let (t, bem, codes) = error_of(&s);
    assert!(bem);
    assert_eq!(codes, vec![GbtTimeout::Ccs]);
    assert_eq!(t, last_delivered(&s, PGN_CCS, cut - 1) + TIMEOUT_FAST_US);
    let frame = s.frames.iter().find(|r| r.id().pgn == PGN_BEM).unwrap();
    // byte 3 bits 1-2 = 01, every reserved bit 1
    assert_eq!(frame.frame.data(), &[0xF0, 0xF0, 0xF1, 0xFC]);
    assert_eq!(frame.frame.id().raw(), 0x081E_56F4);
    assert!(
        s.v_events
            .iter()
            .any(|(at, e)| *at == t && *e == GbtEvent::ErrorSent(vec![GbtTimeout::Ccs]))
    );
    // the demand stops with it: no BCL after the BEM
    assert!(s.frames.iter().all(|r| r.id().pgn != PGN_BCL || r.t < t));
}

#[test]
fn crm_never_sent_gives_bem_crm00_after_5_s() {
    let s = lossy(|r| r.id().pgn == PGN_CRM);
    let (t, bem, codes) = error_of(&s);
    assert!(bem);
    assert_eq!(codes, vec![GbtTimeout::Crm00]);
    // the BMS woke at 1 s and got the CHM then
    assert_eq!(t, s.bms_wakes_us + TIMEOUT_US);
    let frame = s.frames.iter().find(|r| r.id().pgn == PGN_BEM).unwrap();
    assert_eq!(frame.frame.data(), &[0xF1, 0xF0, 0xF0, 0xFC]);
}

#[test]
fn crm_aa_never_sent_gives_bem_crmaa() {
    let s = lossy(|r| r.id().pgn == PGN_CRM && r.frame.data()[0] == 0xAA);
    let (t, _, codes) = error_of(&s);
    assert_eq!(codes, vec![GbtTimeout::CrmAa]);
    let crm00 = s
        .frames
        .iter()
        .find(|r| r.id().pgn == PGN_CRM && r.t >= s.bms_wakes_us)
        .unwrap()
        .t;
    assert_eq!(t, crm00 + TIMEOUT_US);
}

#[test]
fn cml_lost_gives_bem_cml_and_cro_lost_gives_bem_cro() {
    let s = lossy(|r| r.id().pgn == PGN_CML);
    let (t, _, codes) = error_of(&s);
    assert_eq!(codes, vec![GbtTimeout::Cml]);
    let crm_aa = s
        .frames
        .iter()
        .find(|r| r.id().pgn == PGN_CRM && r.frame.data()[0] == 0xAA)
        .unwrap()
        .t;
    assert_eq!(t, crm_aa + TIMEOUT_US);

    // the charger falls silent once the BMS is ready: BEM CRO 5 s after BRO 0xAA
    let mut silent = false;
    let mut s = Session::new();
    s.lose = Box::new(move |r| {
        silent |= r.from_vehicle && r.id().pgn == PGN_BRO && r.frame.data()[0] == 0xAA;
        silent && !r.from_vehicle
    });
    s.run(60_000_000, |s| {
        s.frames.iter().any(|r| r.id().pgn == PGN_BEM)
    });
    let (t, codes) = first_bem(&s);
    assert_eq!(codes, vec![GbtTimeout::Cro]);
    let bro_aa = s
        .frames
        .iter()
        .find(|r| r.id().pgn == PGN_BRO && r.frame.data()[0] == 0xAA)
        .unwrap()
        .t;
    assert_eq!(t, bro_aa + TIMEOUT_US);
}

#[test]
fn a_charger_never_ready_gives_bem_cro_after_60_s() {
    let mut s = Session::new();
    s.charger_prep_us = u64::MAX;
    s.run(200_000_000, |s| first_error(s).is_some());
    let (t, bem, codes) = error_of(&s);
    assert!(bem);
    assert_eq!(codes, vec![GbtTimeout::Cro]);
    let cro00 = s.frames.iter().find(|r| r.id().pgn == PGN_CRO).unwrap();
    assert_eq!(cro00.frame.data(), &[0x00]);
    assert_eq!(t, cro00.t + evtwin_can::gbt::TIMEOUT_READY_US);
}

#[test]
fn brm_and_bcp_lost_give_cem() {
    let s = lossy(|r| rts_of(r, 0x0200));
    let (t, codes) = first_cem(&s);
    assert_eq!(codes, vec![GbtTimeout::Brm]);
    let crm00 = s.frames.iter().find(|r| r.id().pgn == PGN_CRM).unwrap().t;
    assert_eq!(t, crm00 + TIMEOUT_US);
    let cem = s.frames.iter().find(|r| r.id().pgn == PGN_CEM).unwrap();
    assert_eq!(cem.frame.data(), &[0xFD, 0xF0, 0xC0, 0xFC]);
    assert_eq!(cem.frame.id().raw(), 0x081F_F456);

    let s = lossy(|r| rts_of(r, PGN_BCP));
    let (t, codes) = first_cem(&s);
    assert_eq!(codes, vec![GbtTimeout::Bcp]);
    let crm_aa = s
        .frames
        .iter()
        .find(|r| r.id().pgn == PGN_CRM && r.frame.data()[0] == 0xAA)
        .unwrap()
        .t;
    assert_eq!(t, crm_aa + TIMEOUT_US);
    let cem = s.frames.iter().find(|r| r.id().pgn == PGN_CEM).unwrap();
    assert_eq!(cem.frame.data(), &[0xFC, 0xF1, 0xC0, 0xFC]);
}

#[test]
fn bro_lost_gives_cem_bro() {
    let s = lossy(|r| r.id().pgn == PGN_BRO);
    let (t, _, codes) = error_of(&s);
    assert_eq!(codes, vec![GbtTimeout::Bro]);
    let cml = s.frames.iter().find(|r| r.id().pgn == PGN_CML).unwrap().t;
    assert_eq!(t, cml + TIMEOUT_US);
}

#[test]
fn bcl_stops_gives_cem_bcl_after_1_s_and_bcs_after_5_s() {
    let cut = charging_starts() + 2_000_000;
    let s = lossy(move |r| r.id().pgn == PGN_BCL && r.t >= cut);
    let (t, bem, codes) = error_of(&s);
    assert!(!bem);
    assert_eq!(codes, vec![GbtTimeout::Bcl]);
    assert_eq!(t, last_delivered(&s, PGN_BCL, cut - 1) + TIMEOUT_FAST_US);
    let cem = s.frames.iter().find(|r| r.id().pgn == PGN_CEM).unwrap();
    assert_eq!(cem.frame.data(), &[0xFC, 0xF0, 0xC4, 0xFC]);
    // the output is off from then on
    assert!(s.c.setpoint().is_none());

    let s = lossy(move |r| rts_of(r, PGN_BCS) && r.t >= cut);
    let (t, _, codes) = error_of(&s);
    assert_eq!(codes, vec![GbtTimeout::Bcs]);
    let last_bcs = s
        .frames
        .iter()
        .filter(|r| rts_of(r, PGN_BCS) && r.t < cut)
        .map(|r| r.t)
        .max()
        .unwrap();
    assert_eq!(t, last_bcs + TIMEOUT_US);
}

#[test]
fn stop_messages_lost_give_cst_bst_bsd_csd_codes() {
    // the vehicle stops, the CST never comes
    let s = lossy(|r| r.id().pgn == PGN_CST);
    let (t, _, codes) = error_of(&s);
    assert_eq!(codes, vec![GbtTimeout::Cst]);
    let bst = s.frames.iter().find(|r| r.id().pgn == PGN_BST).unwrap().t;
    assert_eq!(t, bst + TIMEOUT_US);
    // the CSD never comes: 10 s after the statistics began
    let s = lossy(|r| r.id().pgn == PGN_CSD);
    let (t, _, codes) = error_of(&s);
    assert_eq!(codes, vec![GbtTimeout::Csd]);
    let bsd = s.frames.iter().find(|r| r.id().pgn == PGN_BSD).unwrap().t;
    assert_eq!(t, bsd + TIMEOUT_STATS_US);
    // the BSD never comes: 10 s after the BST
    let s = lossy(|r| r.id().pgn == PGN_BSD);
    let (t, codes) = first_cem(&s);
    assert_eq!(codes, vec![GbtTimeout::Bsd]);
    let bst = s.frames.iter().find(|r| r.id().pgn == PGN_BST).unwrap().t;
    assert_eq!(t, bst + TIMEOUT_STATS_US);
}

#[test]
fn charger_stop_with_the_bst_lost_gives_cem_bst() {
    let at = charging_starts() + 2_000_000;
    let mut s = Session::new();
    s.lose = Box::new(|r| r.id().pgn == PGN_BST);
    while !s.ended() && first_error(&s).is_none() && s.step() {
        if s.now >= at {
            s.cs.stop = Some(ChargerStop::Manual);
        }
    }
    let (t, _, codes) = error_of(&s);
    assert_eq!(codes, vec![GbtTimeout::Bst]);
    let cst = s.frames.iter().find(|r| r.id().pgn == PGN_CST).unwrap().t;
    assert_eq!(t, cst + TIMEOUT_US);
}

#[test]
fn a_charger_initiated_stop_ends_normally() {
    let at = charging_starts() + 2_000_000;
    let mut s = Session::new();
    while !s.ended() && s.step() {
        if s.now >= at {
            s.cs.stop = Some(ChargerStop::Fault(
                evtwin_can::gbt::ChargerFault::EmergencyStop,
            ));
        }
    }
    assert_eq!(s.v.phase(), Phase::Done);
    assert_eq!(s.c.phase(), Phase::Done);
    let want = ChargerStop::Fault(evtwin_can::gbt::ChargerFault::EmergencyStop);
    assert!(
        s.v_events
            .iter()
            .any(|(_, e)| *e == GbtEvent::StoppedByCharger(want))
    );
    assert!(
        s.c_events
            .iter()
            .any(|(_, e)| *e == GbtEvent::StoppedByCharger(want))
    );
    let bst = s.frames.iter().find(|r| r.id().pgn == PGN_BST).unwrap();
    assert_eq!(
        VehicleStop::decode(bst.frame.data()).unwrap(),
        VehicleStop::ChargerStopped
    );
    let cst = s.frames.iter().find(|r| r.id().pgn == PGN_CST).unwrap();
    // fault stop (byte 1 bits 5-6) and emergency stop (bytes 2-3 bits 9-10)
    assert_eq!(cst.frame.data(), &[0x10, 0x00, 0xF1, 0xF0]);
    assert!(cst.t <= bst.t);
}

#[test]
fn three_reconnects_then_both_give_up() {
    use Phase::*;
    let s = lossy_all(|r| r.id().pgn == PGN_BCL);
    let round = [Recognition, Parameters, Charging, Error];
    let mut want = vec![Handshake];
    for _ in 0..3 {
        want.extend(round);
    }
    want.extend([Recognition, Parameters, Charging, GaveUp]);
    assert_eq!(Session::phases(&s.c_events), want);
    assert_eq!(Session::phases(&s.v_events), want);
    let attempts: Vec<u8> = s
        .c_events
        .iter()
        .filter_map(|(_, e)| {
            if let GbtEvent::Reconnecting(n) = e {
                Some(*n)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(attempts, vec![1, 2, 3]);
    assert_eq!((s.c.reconnects(), s.v.reconnects()), (3, 3));
    // four CEM episodes, each naming BCL; the vehicle received them
    let cems = s
        .c_events
        .iter()
        .filter(|(_, e)| *e == GbtEvent::ErrorSent(vec![GbtTimeout::Bcl]))
        .count();
    assert_eq!(cems, 4);
    assert!(
        s.v_events
            .iter()
            .any(|(_, e)| *e == GbtEvent::ErrorReceived(vec![GbtTimeout::Bcl]))
    );
    // nothing is sent after both gave up
    let last = s.frames.last().unwrap().t;
    let gave_up = Session::entered(&s.c_events, GaveUp)
        .unwrap()
        .max(Session::entered(&s.v_events, GaveUp).unwrap());
    assert!(last <= gave_up);
    assert_eq!(s.v.poll_timeout(), None);
    assert_eq!(s.c.poll_timeout(), None);
}

fn lossy_all(lose: impl FnMut(&Rec) -> bool + 'static) -> Session {
    let mut s = Session::new();
    s.lose = Box::new(lose);
    s.run(600_000_000, Session::ended);
    s
}

#[test]
fn a_lost_tp_packet_is_asked_for_again_and_the_session_goes_on() {
    let mut lost = false;
    let s = lossy_all(move |r| {
        // the first TP.DT packet 2 of the vehicle's BRM
        let hit = !lost && r.from_vehicle && r.id().pgn == 0xEB00 && r.frame.data()[0] == 2;
        lost |= hit;
        hit
    });
    assert_eq!(s.v.phase(), Phase::Done);
    assert_eq!(s.c.phase(), Phase::Done);
    assert!(s.c.identity().is_some());
    // the charger's CTS for packet 2 again
    let re_cts = s
        .frames
        .iter()
        .filter(|r| !r.from_vehicle && r.id().pgn == 0xEC00 && r.frame.data()[..3] == [17, 5, 2])
        .count();
    assert_eq!(re_cts, 1);
}

#[test]
fn malformed_frames_are_counted_not_fatal() {
    let mut s = Session::new();
    s.run(60_000_000, |s| s.v.phase() == Phase::Charging);
    let now = s.now;
    let bad_ccs = J1939Id::new(6, PGN_CCS, 0x56, 0xF4).frame(&[1, 2]);
    let bad_crm = J1939Id::new(6, PGN_CRM, 0x56, 0xF4).frame(&[0x55, 0, 0, 0, 0, 0, 0, 0]);
    s.v.handle_frame(&bad_ccs, now);
    s.v.handle_frame(&bad_crm, now);
    s.c.handle_frame(
        &J1939Id::new(6, PGN_BCL, 0xF4, 0x56).frame(&[0, 0, 0, 0, 7]),
        now,
    );
    let standard = Frame::classic(evtwin_can::CanId::Standard(0x100), &[1]).unwrap();
    s.v.handle_frame(&standard, now);
    assert_eq!(s.v.counts().2, 2);
    assert_eq!(s.c.counts().2, 1);
    let mut v_bad = Vec::new();
    while let Some(e) = s.v.poll_event() {
        v_bad.push(e.clone());
    }
    assert_eq!(v_bad.len(), 2, "{v_bad:?}");
    assert!(
        matches!(&v_bad[0], GbtEvent::Malformed(e) if e.to_string() == "CCS has 2 bytes, needs 7")
    );
    // and the session goes on
    s.run(200_000_000, Session::ended);
    assert_eq!(s.v.phase(), Phase::Done);
}
