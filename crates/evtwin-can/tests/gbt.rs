//! A whole GB/T 27930 session, both sides in one loop in virtual time: the
//! phases in order, each message's period from the frame times, the charger's
//! output following the vehicle's demand within its limit, the stop and the
//! statistics, every unused bit 1. The capture is written as a candump log
//! with what each side sent (JSON) for the cantools check.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::match_same_arms,
    missing_docs
)]

#[path = "gbt_support/mod.rs"]
mod support;

use evtwin_can::gbt::{
    Bcl, Bcp, Bcs, Brm, ChargerStop, Csd, GbtEvent, PGN_BCL, PGN_BCP, PGN_BCS, PGN_BEM, PGN_BHM,
    PGN_BMT, PGN_BMV, PGN_BRM, PGN_BRO, PGN_BSD, PGN_BSM, PGN_BST, PGN_CCS, PGN_CEM, PGN_CHM,
    PGN_CML, PGN_CRM, PGN_CRO, PGN_CSD, PGN_CST, PGN_CTS, Phase, VehicleStop, msg, name,
};
use support::{Rec, Session};

fn full_session() -> Session {
    let mut s = Session::new();
    let mut lowered = false;
    while s.now < 120_000_000 && !s.ended() && s.step() {
        // 3 s into the charge the BMS lowers its limit below the station's
        if !lowered
            && let Some(t) = Session::entered(&s.v_events, Phase::Charging)
            && s.now >= t + 3_000_000
        {
            s.vs.ccl_a = 80.0;
            lowered = true;
        }
    }
    s
}

#[test]
fn both_sides_go_through_the_phases_in_order() {
    use Phase::*;
    let s = full_session();
    let order = [
        Handshake,
        Recognition,
        Parameters,
        Charging,
        Stopping,
        Statistics,
        Done,
    ];
    assert_eq!(Session::phases(&s.v_events), order);
    assert_eq!(Session::phases(&s.c_events), order);
    let c_events: Vec<&GbtEvent> = s.c_events.iter().map(|(_, e)| e).collect();
    assert!(c_events.contains(&&GbtEvent::VehicleMaxV(450.0)));
    assert!(c_events.iter().any(
        |e| matches!(e, GbtEvent::Identified(b) if b.vin == "LEVTWIN0000000001" && b.chemistry == 6)
    ));
    assert!(
        c_events
            .iter()
            .any(|e| matches!(e, GbtEvent::Parameters(b) if b.max_v == 450.0 && b.max_a == 250.0))
    );
    assert!(
        s.v_events
            .iter()
            .any(|(_, e)| matches!(e, GbtEvent::Offer(c) if c.max_a == 100.0 && c.max_v == 750.0))
    );
    // the BMS stopped at its SOC; the charger answered
    assert!(
        s.v_events
            .iter()
            .any(|(_, e)| *e == GbtEvent::StoppedByVehicle(VehicleStop::SocReached))
    );
    assert!(
        s.c_events
            .iter()
            .any(|(_, e)| *e == GbtEvent::StoppedByVehicle(VehicleStop::SocReached))
    );
    assert!(s.v.offer().is_some() && s.c.identity().is_some());
    assert_eq!(s.v.reconnects() + s.c.reconnects(), 0);
    let (sent, received, bad) = s.v.counts();
    assert!(
        sent > 100 && received > 100 && bad == 0,
        "{sent} {received} {bad}"
    );
    assert_eq!(s.c.counts().2, 0);
    // no error and no TP abort on either side
    for (_, e) in s.v_events.iter().chain(&s.c_events) {
        assert!(
            !matches!(
                e,
                GbtEvent::ErrorSent(_)
                    | GbtEvent::ErrorReceived(_)
                    | GbtEvent::TransportAborted { .. }
                    | GbtEvent::Malformed(_)
            ),
            "{e:?}"
        );
    }
}

/// Every gap between consecutive frames in `recs` is `period_us`.
fn all_gaps(recs: &[Rec], period_us: u64, what: &str) {
    let gaps = Session::gaps(recs);
    assert!(gaps.len() >= 2, "{what}: {} frames", recs.len());
    assert!(gaps.iter().all(|&g| g == period_us), "{what}: {gaps:?}");
}

#[test]
fn periods_from_the_frame_times() {
    let s = full_session();
    let from = |pgn: u32, first_byte: Option<u8>| -> Vec<Rec> {
        s.of(pgn)
            .into_iter()
            .filter(|r| first_byte.is_none_or(|b| r.frame.data()[0] == b || r.id().pgn == 0xEC00))
            .collect()
    };
    all_gaps(&from(PGN_CHM, None), 250_000, "CHM");
    // BHM, CRM, BRM and BCP are answered at once in virtual time (no bus
    // latency): one frame each, checked for presence below
    all_gaps(&from(PGN_CML, None), 250_000, "CML");
    all_gaps(&from(PGN_CTS, None), 500_000, "CTS");
    all_gaps(&from(PGN_BRO, None), 250_000, "BRO");
    all_gaps(&from(PGN_BCL, None), 50_000, "BCL");
    all_gaps(&from(PGN_BCS, None), 250_000, "BCS (RTS)");
    all_gaps(&from(PGN_BSM, None), 250_000, "BSM");
    all_gaps(&from(PGN_CCS, None), 50_000, "CCS");
    // BST is answered at once: one frame; CST repeats every 10 ms until BSD
    assert_eq!(from(PGN_BST, None).len(), 1);
    assert!(
        Session::gaps(&from(PGN_CST, None))
            .iter()
            .all(|&g| g == 10_000)
    );
    all_gaps(&from(PGN_CSD, None), 250_000, "CSD");
    for pgn in [PGN_BHM, PGN_CRM, PGN_BRM, PGN_BCP, PGN_BSD] {
        assert!(!from(pgn, None).is_empty(), "{}", name(pgn));
    }
    // CHM until the BMS woke up (1 s) and answered
    assert_eq!(from(PGN_CHM, None).len(), 5);
    // BMV / BMT every 10 s: the charge lasts long enough for two
    all_gaps(&from(PGN_BMV, None), 10_000_000, "BMV");
    all_gaps(&from(PGN_BMT, None), 10_000_000, "BMT");
    // the order of the first frame of each message
    let first = |pgn| from(pgn, None)[0].t;
    let seq = [
        PGN_CHM, PGN_BHM, PGN_CRM, PGN_BRM, PGN_BCP, PGN_CML, PGN_BRO, PGN_CRO, PGN_BCL, PGN_CCS,
        PGN_BST, PGN_CST, PGN_BSD, PGN_CSD,
    ];
    let times: Vec<u64> = seq.iter().map(|&p| first(p)).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "{:?}",
        seq.iter().map(|&p| name(p)).zip(&times).collect::<Vec<_>>()
    );
    // nothing after both ended
    assert!(from(PGN_BEM, None).is_empty() && from(PGN_CEM, None).is_empty());
}

#[test]
fn the_charger_output_follows_the_demand_within_its_limit() {
    let s = full_session();
    // a BCL received at t is the demand from the next step on
    let bcl: Vec<(u64, f64)> = s
        .of(PGN_BCL)
        .iter()
        .map(|r| (r.t, Bcl::decode(r.frame.data()).unwrap().a))
        .collect();
    let mut checked = 0;
    let mut seen = std::collections::BTreeSet::new();
    for r in s.of(PGN_CCS) {
        let c = msg::Ccs::decode(r.frame.data()).unwrap();
        let Some(&(_, d)) = bcl.iter().rev().find(|&&(t, _)| t < r.t) else {
            assert_eq!(c.a, 0.0, "no demand yet: no current");
            continue;
        };
        let want = d.min(100.0);
        assert!(
            (c.a - want).abs() < 0.05,
            "at {} µs CCS {} A, demand {d} A",
            r.t,
            c.a
        );
        seen.insert((want * 10.0).round() as i64);
        checked += 1;
    }
    assert!(checked > 100, "{checked}");
    // both the station's cap (BCL 120 A → 100 A) and the BMS's CCL (80 A) were followed
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![800, 1000]);
}

#[test]
fn the_stop_and_the_statistics() {
    let s = full_session();
    let bst = s.of(PGN_BST);
    let cst = s.of(PGN_CST);
    let bsd = s.of(PGN_BSD);
    let csd = s.of(PGN_CSD);
    assert_eq!(
        VehicleStop::decode(bst[0].frame.data()).unwrap(),
        VehicleStop::SocReached
    );
    assert_eq!(
        ChargerStop::decode(cst[0].frame.data()).unwrap(),
        ChargerStop::BmsStopped
    );
    assert!(bst[0].t <= cst[0].t && cst[0].t <= bsd[0].t && bsd[0].t <= csd[0].t);
    // BST stops once CST came; the charger's output is off from its CST on
    assert!(bst.last().unwrap().t <= cst[0].t);
    let last_ccs = s.of(PGN_CCS).last().unwrap().t;
    assert!(last_ccs <= cst[0].t);
    let stats = Csd::decode(csd[0].frame.data()).unwrap();
    assert_eq!(stats.charger_number, 0x1234_5678);
    // 0.1 kWh steps
    assert!(
        stats.energy_kwh > 0.1 && (stats.energy_kwh - s.cs.energy_kwh).abs() <= 0.05,
        "{stats:?} {}",
        s.cs.energy_kwh
    );
    assert!(s.v_events.iter().any(
        |(_, e)| matches!(e, GbtEvent::ChargerStatistics(c) if c.charger_number == 0x1234_5678)
    ));
    assert!(
        s.c_events
            .iter()
            .any(|(_, e)| matches!(e, GbtEvent::VehicleStatistics(b) if b.soc_pct == 80.0))
    );
}

/// Bits that must be 1 in each single-frame message (unused or reserved).
fn unused_mask(pgn: u32) -> Option<Vec<u8>> {
    Some(match pgn {
        PGN_CHM => vec![0; 3],
        PGN_BHM => vec![0; 2],
        PGN_CRM => vec![0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF],
        PGN_CTS => vec![0; 7],
        PGN_CML => vec![0; 8],
        PGN_BRO | PGN_CRO => vec![0],
        PGN_BCL => vec![0; 5],
        PGN_CCS => vec![0, 0, 0, 0, 0, 0, 0xFC, 0xFF],
        PGN_BSM => vec![0, 0, 0, 0, 0, 0, 0xC0],
        PGN_BST => vec![0, 0, 0, 0xF0],
        PGN_CST => vec![0, 0, 0xF0, 0xF0],
        PGN_BSD => vec![0; 7],
        PGN_CSD => vec![0; 8],
        PGN_BEM => vec![0xF0, 0xF0, 0xF0, 0xFC],
        PGN_CEM => vec![0xFC, 0xF0, 0xC0, 0xFC],
        _ => return None,
    })
}

#[test]
fn unused_bits_are_1() {
    let s = full_session();
    let mut checked = std::collections::BTreeSet::new();
    for r in &s.frames {
        let id = r.id();
        let d = r.frame.data();
        if let Some(mask) = unused_mask(id.pgn) {
            assert_eq!(d.len(), mask.len(), "{} length", name(id.pgn));
            for (i, (&b, &m)) in d.iter().zip(&mask).enumerate() {
                assert_eq!(b & m, m, "{} byte {i}: {b:#04X}", name(id.pgn));
            }
            checked.insert(name(id.pgn));
        }
        // TP.CM: reserved bytes of CTS / EOMA / RTS-BAM
        if id.pgn == 0xEC00 {
            match d[0] {
                17 => assert_eq!(&d[3..5], &[0xFF, 0xFF]),
                19 => assert_eq!(d[4], 0xFF),
                _ => {}
            }
        }
    }
    // the TP payloads: BRM's fields not available are 0xFF
    let brm = Brm {
        chemistry: 6,
        rated_ah: 200.0,
        rated_v: 380.0,
        vin: "LEVTWIN0000000001".into(),
    }
    .encode();
    assert_eq!(brm.len(), 41);
    assert!(brm[8..24].iter().all(|&b| b == 0xFF));
    assert_eq!(&brm[..3], &[1, 1, 0]);
    // every single-frame message of a normal session was checked
    assert_eq!(checked.len(), 14, "{checked:?}");
}

#[test]
fn tp_payloads_decode_to_what_was_sent() {
    let s = full_session();
    let bcp = s.c.battery().unwrap();
    assert_eq!(
        bcp,
        Bcp {
            max_cell_v: 4.2,
            max_a: 250.0,
            energy_kwh: 75.0,
            max_v: 450.0,
            max_temp_c: 55.0,
            soc_pct: 79.0,
            pack_v: 380.0
        }
    );
    let bcs: Bcs = s.c.vehicle_status().unwrap();
    assert_eq!(bcs.max_cell_v, 3.95);
    assert!(bcs.soc_pct >= 79.0 && bcs.soc_pct <= 80.0, "{bcs:?}");
}
