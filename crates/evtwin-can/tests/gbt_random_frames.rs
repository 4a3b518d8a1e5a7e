//! Random frames never panic the J1939 transport or either GB/T side: 200 000
//! frames (deterministic LCG) with GB/T and TP identifiers between the two
//! addresses, random lengths and bytes, interleaved with timeouts; what the
//! machines send back stays well-formed (29-bit ids from their own address,
//! at most 8 bytes).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    missing_docs
)]

#[path = "gbt_support/mod.rs"]
mod support;

use evtwin_can::Frame;
use evtwin_can::gbt::{GbtCharger, GbtVehicle, Phase};
use evtwin_can::j1939::{J1939Id, TpConfig, Transport};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }
}

const PGNS: [u32; 23] = [
    0x2600, 0x2700, 0x0100, 0x0200, 0x0600, 0x0700, 0x0800, 0x0900, 0x0A00, 0x1000, 0x1100, 0x1200,
    0x1300, 0x1500, 0x1600, 0x1900, 0x1A00, 0x1C00, 0x1D00, 0x1E00, 0x1F00, 0xEC00, 0xEB00,
];

fn random_frame(r: &mut Lcg) -> Frame {
    let pgn = PGNS[r.next() as usize % PGNS.len()];
    let (sa, da) = if r.next().is_multiple_of(2) {
        (0x56, 0xF4)
    } else {
        (0xF4, 0x56)
    };
    let da = if r.next().is_multiple_of(16) {
        0xFF
    } else {
        da
    };
    let len = r.next() as usize % 9;
    let mut data = [0u8; 8];
    for b in &mut data[..len] {
        // TP.CM control bytes and small sequence numbers often, to reach deep states
        *b = match r.next() % 4 {
            0 => [16, 17, 19, 32, 255, 1, 2, 0xAA, 0][r.next() as usize % 9],
            _ => r.next() as u8,
        };
    }
    J1939Id::new((r.next() % 8) as u8, pgn, sa, da).frame(&data[..len])
}

fn check_out(f: &Frame, sa: u8) {
    let id = J1939Id::from_can(f.id()).expect("29-bit");
    assert_eq!(id.sa, sa);
    assert!(f.len() <= 8);
}

#[test]
fn random_frames_do_not_panic() {
    let mut r = Lcg(42);
    let mut v = GbtVehicle::new(support::vehicle_params());
    let mut c = GbtCharger::new(support::station());
    let mut tp = Transport::new(
        0xF4,
        TpConfig {
            cts_window: 3,
            max_rx_sessions: 1,
            ..TpConfig::default()
        },
    );
    c.start(0);
    let mut now = 0u64;
    let mut sent = 0u64;
    let mut restarts = 0u32;
    let mut malformed = 0u64;
    for i in 0..200_000u32 {
        now += u64::from(r.next() % 20_000);
        let f = random_frame(&mut r);
        v.handle_frame(&f, now);
        c.handle_frame(&f, now);
        tp.handle_frame(&f, now);
        if i.is_multiple_of(7) {
            v.handle_timeout(now);
            c.handle_timeout(now);
            tp.handle_timeout(now);
            if i.is_multiple_of(5_000) {
                let _ = tp.send(0x0200, 0x56, &[0xAB; 41], now);
            }
        }
        // a side that ended (random BEM/CEMs make them give up) plugs in again
        if matches!(v.phase(), Phase::GaveUp | Phase::Done) {
            malformed += v.counts().2;
            v = GbtVehicle::new(support::vehicle_params());
            restarts += 1;
        }
        if matches!(c.phase(), Phase::GaveUp | Phase::Done) {
            malformed += c.counts().2;
            c = GbtCharger::new(support::station());
            c.start(now);
            restarts += 1;
        }
        while let Some(f) = v.poll_transmit() {
            check_out(&f, 0xF4);
            sent += 1;
        }
        while let Some(f) = c.poll_transmit() {
            check_out(&f, 0x56);
            sent += 1;
        }
        while let Some(f) = tp.poll_transmit() {
            check_out(&f, 0xF4);
        }
        while v.poll_event().is_some() {}
        while c.poll_event().is_some() {}
        while tp.poll_event().is_some() {}
    }
    // they did react (not just ignore everything), and counted the garbage
    assert!(sent > 1000 && restarts > 10, "{sent} {restarts}");
    malformed += v.counts().2 + c.counts().2;
    assert!(malformed > 1000, "{malformed}");
    let s = tp.stats();
    assert!(s.malformed > 100 && s.unexpected > 100, "{s:?}");
}
