//! J1939-21 transport against hand-built frame sequences: RTS/CTS both ways,
//! a peer that drops a packet, a peer that aborts, every timer at its µs, BAM,
//! several sessions at once.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use evtwin_can::Frame;
use evtwin_can::j1939::tp::{T1_US, T2_US, T3_US, T4_US, TH_US, TR_US};
use evtwin_can::j1939::{
    AbortReason, GLOBAL, J1939Id, PGN_TP_CM, PGN_TP_DT, TpConfig, TpEvent, TpRole, Transport,
};

const US: u8 = 0xF4;
const PEER: u8 = 0x56;
const PGN: u32 = 0x0200;

fn cm(sa: u8, da: u8, b: [u8; 8]) -> Frame {
    J1939Id::new(7, PGN_TP_CM, sa, da).frame(&b)
}

fn dt(sa: u8, da: u8, seq: u8, payload: &[u8]) -> Frame {
    let mut b = [0xFF; 8];
    b[0] = seq;
    let start = usize::from(seq - 1) * 7;
    let end = (start + 7).min(payload.len());
    b[1..=end - start].copy_from_slice(&payload[start..end]);
    J1939Id::new(7, PGN_TP_DT, sa, da).frame(&b)
}

fn rts(sa: u8, da: u8, size: u16, pgn: u32) -> Frame {
    let s = size.to_le_bytes();
    let p = pgn.to_le_bytes();
    let packets = u8::try_from(usize::from(size).div_ceil(7)).unwrap();
    cm(sa, da, [16, s[0], s[1], packets, 0xFF, p[0], p[1], p[2]])
}

fn cts(sa: u8, da: u8, count: u8, next: u8, pgn: u32) -> Frame {
    let p = pgn.to_le_bytes();
    cm(sa, da, [17, count, next, 0xFF, 0xFF, p[0], p[1], p[2]])
}

fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| u8::try_from(i % 251).unwrap()).collect()
}

fn frames(tp: &mut Transport) -> Vec<Frame> {
    std::iter::from_fn(|| tp.poll_transmit()).collect()
}

fn events(tp: &mut Transport) -> Vec<TpEvent> {
    std::iter::from_fn(|| tp.poll_event()).collect()
}

/// Our TP.CM frame to `da` with these bytes.
fn our_cm(da: u8, b: [u8; 8]) -> Frame {
    cm(US, da, b)
}

fn tp(cfg: TpConfig) -> Transport {
    Transport::new(US, cfg)
}

#[test]
fn receives_rts_cts_and_acknowledges() {
    let mut t = tp(TpConfig::default());
    let data = payload(20);
    assert!(t.handle_frame(&rts(PEER, US, 20, PGN), 1000));
    assert_eq!(
        frames(&mut t),
        vec![our_cm(PEER, [17, 3, 1, 0xFF, 0xFF, 0, 2, 0])]
    );
    for seq in 1..=3 {
        assert!(t.handle_frame(&dt(PEER, US, seq, &data), 2000 + u64::from(seq)));
    }
    assert_eq!(
        frames(&mut t),
        vec![our_cm(PEER, [19, 20, 0, 3, 0xFF, 0, 2, 0])]
    );
    assert_eq!(
        events(&mut t),
        vec![TpEvent::Received {
            pgn: PGN,
            sa: PEER,
            da: US,
            data
        }]
    );
    assert_eq!(t.open_sessions(), 0);
    assert_eq!(t.poll_timeout(), None);
    // not ours: another destination, another PGN, a standard id
    assert!(!t.handle_frame(&rts(PEER, 0x20, 20, PGN), 0));
    assert!(!t.handle_frame(&J1939Id::new(6, 0x2600, PEER, US).frame(&[1, 1, 0]), 0));
    assert!(frames(&mut t).is_empty());
}

#[test]
fn sends_rts_cts_in_the_windows_the_peer_grants() {
    let mut t = tp(TpConfig::default());
    let data = payload(30); // 5 packets
    t.send(PGN, PEER, &data, 0).unwrap();
    assert_eq!(
        frames(&mut t),
        vec![our_cm(PEER, [16, 30, 0, 5, 0xFF, 0, 2, 0])]
    );
    assert!(
        t.send(0x0600, PEER, &data, 0).is_err(),
        "one session per peer"
    );
    t.handle_frame(&cts(PEER, US, 2, 1, PGN), 10_000);
    let f = frames(&mut t);
    assert_eq!(f, vec![dt(US, PEER, 1, &data), dt(US, PEER, 2, &data)]);
    t.handle_frame(&cts(PEER, US, 3, 3, PGN), 20_000);
    let f = frames(&mut t);
    assert_eq!(f.len(), 3);
    // the last packet is padded with 0xFF
    assert_eq!(f[2].data(), &[5, 28, 29, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    t.handle_frame(&cm(PEER, US, [19, 30, 0, 5, 0xFF, 0, 2, 0]), 30_000);
    assert_eq!(
        events(&mut t),
        vec![TpEvent::Sent {
            pgn: PGN,
            da: PEER,
            len: 30
        }]
    );
    assert_eq!(t.poll_timeout(), None);
}

#[test]
fn a_dropped_packet_is_asked_for_again() {
    let cfg = TpConfig {
        cts_window: 5,
        ..TpConfig::default()
    };
    let mut t = tp(cfg);
    let data = payload(60); // 9 packets
    t.handle_frame(&rts(PEER, US, 60, PGN), 0);
    assert_eq!(
        frames(&mut t),
        vec![our_cm(PEER, [17, 5, 1, 0xFF, 0xFF, 0, 2, 0])]
    );
    for seq in [1, 2, 4, 5] {
        t.handle_frame(&dt(PEER, US, seq, &data), 1000);
    }
    // packet 3 missing: a CTS for 3..=5 (the rest of the window)
    assert_eq!(
        frames(&mut t),
        vec![our_cm(PEER, [17, 3, 3, 0xFF, 0xFF, 0, 2, 0])]
    );
    for seq in 3..=5 {
        t.handle_frame(&dt(PEER, US, seq, &data), 2000);
    }
    // next window: 6..=9
    assert_eq!(
        frames(&mut t),
        vec![our_cm(PEER, [17, 4, 6, 0xFF, 0xFF, 0, 2, 0])]
    );
    for seq in 6..=9 {
        t.handle_frame(&dt(PEER, US, seq, &data), 3000);
    }
    assert_eq!(
        frames(&mut t),
        vec![our_cm(PEER, [19, 60, 0, 9, 0xFF, 0, 2, 0])]
    );
    assert_eq!(
        events(&mut t),
        vec![TpEvent::Received {
            pgn: PGN,
            sa: PEER,
            da: US,
            data
        }]
    );
    assert_eq!(t.stats().retransmit_requests, 1);
    assert_eq!(t.stats().duplicates, 2, "4 and 5 came twice");
}

#[test]
fn a_peer_that_keeps_dropping_gets_an_abort_after_two_retries() {
    let cfg = TpConfig {
        cts_window: 3,
        ..TpConfig::default()
    };
    let mut t = tp(cfg);
    let data = payload(21);
    t.handle_frame(&rts(PEER, US, 21, PGN), 0);
    frames(&mut t);
    for round in 0..3 {
        t.handle_frame(&dt(PEER, US, 3, &data), 100 * round);
        let f = frames(&mut t);
        if round < 2 {
            assert_eq!(f, vec![our_cm(PEER, [17, 3, 1, 0xFF, 0xFF, 0, 2, 0])]);
        } else {
            assert_eq!(f, vec![our_cm(PEER, [0xFF, 5, 0xFF, 0xFF, 0xFF, 0, 2, 0])]);
        }
    }
    assert_eq!(
        events(&mut t),
        vec![TpEvent::Aborted {
            pgn: PGN,
            peer: PEER,
            role: TpRole::Receiver,
            reason: AbortReason::MaxRetransmit,
            by_peer: false
        }]
    );
}

#[test]
fn a_peer_abort_ends_the_session_with_its_reason() {
    let mut t = tp(TpConfig::default());
    t.send(PGN, PEER, &payload(30), 0).unwrap();
    frames(&mut t);
    t.handle_frame(&cm(PEER, US, [0xFF, 2, 0xFF, 0xFF, 0xFF, 0, 2, 0]), 5000);
    assert_eq!(
        events(&mut t),
        vec![TpEvent::Aborted {
            pgn: PGN,
            peer: PEER,
            role: TpRole::Sender,
            reason: AbortReason::ResourcesNeeded,
            by_peer: true
        }]
    );
    assert!(frames(&mut t).is_empty());
    assert_eq!(t.poll_timeout(), None);
    // a sender that aborts while we receive
    t.handle_frame(&rts(PEER, US, 30, 0x0600), 6000);
    t.handle_frame(&cm(PEER, US, [0xFF, 3, 0xFF, 0xFF, 0xFF, 0, 6, 0]), 7000);
    let e = events(&mut t);
    assert!(matches!(
        e[..],
        [TpEvent::Aborted {
            pgn: 0x0600,
            role: TpRole::Receiver,
            reason: AbortReason::Timeout,
            by_peer: true,
            ..
        }]
    ));
}

#[test]
fn a_refused_pgn_is_aborted_at_our_end_both_ways_and_accepted_again() {
    let abort = |pgn: u32| {
        let p = pgn.to_le_bytes();
        our_cm(PEER, [0xFF, 2, 0xFF, 0xFF, 0xFF, p[0], p[1], p[2]])
    };
    let refused = |role| TpEvent::Aborted {
        pgn: PGN,
        peer: PEER,
        role,
        reason: AbortReason::ResourcesNeeded,
        by_peer: false,
    };
    let mut t = tp(TpConfig::default());
    t.refuse(PGN, true);
    assert!(t.refuses(PGN) && !t.refuses(0x0600));
    // as the receiver: the RTS is answered with an abort, no CTS
    assert!(t.handle_frame(&rts(PEER, US, 20, PGN), 1000));
    assert_eq!(frames(&mut t), vec![abort(PGN)]);
    assert_eq!(events(&mut t), vec![refused(TpRole::Receiver)]);
    assert_eq!(t.open_sessions(), 0);
    // its packets, if the peer sends them anyway, belong to no session
    t.handle_frame(&dt(PEER, US, 1, &payload(20)), 2000);
    assert!(events(&mut t).is_empty());
    assert_eq!(t.stats().unexpected, 1);
    // another PGN is received as usual
    t.handle_frame(&rts(PEER, US, 20, 0x0600), 3000);
    assert_eq!(
        frames(&mut t),
        vec![our_cm(PEER, [17, 3, 1, 0xFF, 0xFF, 0, 6, 0])]
    );
    let mut t = tp(TpConfig::default());
    t.refuse(PGN, true);
    // as the sender: the RTS, then our abort at once; no session stays open
    t.send(PGN, PEER, &payload(30), 0).unwrap();
    assert_eq!(
        frames(&mut t),
        vec![our_cm(PEER, [16, 30, 0, 5, 0xFF, 0, 2, 0]), abort(PGN)]
    );
    assert_eq!(events(&mut t), vec![refused(TpRole::Sender)]);
    assert_eq!((t.open_sessions(), t.poll_timeout()), (0, None));
    assert_eq!(t.stats().aborts_sent, 1);
    // accepted again
    t.refuse(PGN, false);
    t.send(PGN, PEER, &payload(30), 10).unwrap();
    assert_eq!(frames(&mut t).len(), 1);
    assert_eq!(t.open_sessions(), 1);
}

/// Runs `t` up to `at - 1` and asserts nothing happened, then at `at` and
/// returns what it sent and told.
fn fires_at(t: &mut Transport, at: u64) -> (Vec<Frame>, Vec<TpEvent>) {
    assert_eq!(t.poll_timeout(), Some(at));
    t.handle_timeout(at - 1);
    assert!(frames(t).is_empty() && events(t).is_empty());
    t.handle_timeout(at);
    (frames(t), events(t))
}

fn timeout_abort(role: TpRole, pgn: u32) -> TpEvent {
    TpEvent::Aborted {
        pgn,
        peer: PEER,
        role,
        reason: AbortReason::Timeout,
        by_peer: false,
    }
}

const ABORT_TIMEOUT: [u8; 8] = [0xFF, 3, 0xFF, 0xFF, 0xFF, 0, 2, 0];

#[test]
fn t1_receiver_waits_750_ms_for_the_next_packet() {
    let mut t = tp(TpConfig::default());
    t.handle_frame(&rts(PEER, US, 20, PGN), 0);
    t.handle_frame(&dt(PEER, US, 1, &payload(20)), 300_000);
    frames(&mut t);
    let (f, e) = fires_at(&mut t, 300_000 + T1_US);
    assert_eq!(f, vec![our_cm(PEER, ABORT_TIMEOUT)]);
    assert_eq!(e, vec![timeout_abort(TpRole::Receiver, PGN)]);
}

#[test]
fn t2_receiver_waits_1250_ms_after_its_cts() {
    let mut t = tp(TpConfig::default());
    t.handle_frame(&rts(PEER, US, 20, PGN), 40);
    frames(&mut t);
    let (f, e) = fires_at(&mut t, 40 + T2_US);
    assert_eq!(f, vec![our_cm(PEER, ABORT_TIMEOUT)]);
    assert_eq!(e, vec![timeout_abort(TpRole::Receiver, PGN)]);
}

#[test]
fn t3_sender_waits_1250_ms_for_cts_or_eoma() {
    let mut t = tp(TpConfig::default());
    t.send(PGN, PEER, &payload(20), 7).unwrap();
    frames(&mut t);
    let (f, e) = fires_at(&mut t, 7 + T3_US);
    assert_eq!(f, vec![our_cm(PEER, ABORT_TIMEOUT)]);
    assert_eq!(e, vec![timeout_abort(TpRole::Sender, PGN)]);
    // and after the last packet of a window
    t.send(PGN, PEER, &payload(20), 10_000_000).unwrap();
    t.handle_frame(&cts(PEER, US, 3, 1, PGN), 10_100_000);
    assert_eq!(frames(&mut t).len(), 4);
    let (f, _) = fires_at(&mut t, 10_100_000 + T3_US);
    assert_eq!(f, vec![our_cm(PEER, ABORT_TIMEOUT)]);
}

#[test]
fn t4_sender_held_waits_1050_ms_for_the_next_cts() {
    let mut t = tp(TpConfig::default());
    t.send(PGN, PEER, &payload(20), 0).unwrap();
    t.handle_frame(&cts(PEER, US, 0, 1, PGN), 200_000);
    assert_eq!(
        frames(&mut t).len(),
        1,
        "the RTS only: a hold sends nothing"
    );
    let (f, e) = fires_at(&mut t, 200_000 + T4_US);
    assert_eq!(f, vec![our_cm(PEER, ABORT_TIMEOUT)]);
    assert_eq!(e, vec![timeout_abort(TpRole::Sender, PGN)]);
}

#[test]
fn th_a_held_connection_gets_cts0_every_500_ms_then_its_window() {
    let cfg = TpConfig {
        max_rx_sessions: 1,
        ..TpConfig::default()
    };
    let mut t = tp(cfg);
    let other = 0x57;
    t.handle_frame(&rts(PEER, US, 20, PGN), 0);
    t.handle_frame(&rts(other, US, 20, PGN), 0);
    assert_eq!(
        frames(&mut t),
        vec![
            our_cm(PEER, [17, 3, 1, 0xFF, 0xFF, 0, 2, 0]),
            our_cm(other, [17, 0, 1, 0xFF, 0xFF, 0, 2, 0])
        ]
    );
    let hold = our_cm(other, [17, 0, 1, 0xFF, 0xFF, 0, 2, 0]);
    // the first session's packets keep it alive (T1), the held one gets CTS(0)s
    let data = payload(20);
    t.handle_frame(&dt(PEER, US, 1, &data), 400_000);
    let (f, _) = fires_at(&mut t, TH_US);
    assert_eq!(f, vec![hold]);
    t.handle_frame(&dt(PEER, US, 2, &data), 900_000);
    let (f, _) = fires_at(&mut t, 2 * TH_US);
    assert_eq!(f, vec![hold]);
    t.handle_frame(&dt(PEER, US, 3, &data), 1_100_000);
    // the first is done: its EOMA, then the held one's window
    assert_eq!(
        frames(&mut t),
        vec![
            our_cm(PEER, [19, 20, 0, 3, 0xFF, 0, 2, 0]),
            our_cm(other, [17, 3, 1, 0xFF, 0xFF, 0, 2, 0])
        ]
    );
    assert_eq!(t.poll_timeout(), Some(1_100_000 + T2_US));
}

#[test]
fn bam_is_paced_and_tr_bounds_the_gap() {
    let data = payload(17); // 3 packets
    let mut t = tp(TpConfig::default());
    t.send(0x1500, GLOBAL, &data, 1_000).unwrap();
    assert_eq!(
        frames(&mut t),
        vec![our_cm(GLOBAL, [32, 17, 0, 3, 0xFF, 0, 0x15, 0])]
    );
    let mut times = Vec::new();
    while let Some(at) = t.poll_timeout() {
        t.handle_timeout(at);
        for f in frames(&mut t) {
            assert_eq!(
                f,
                dt(US, GLOBAL, u8::try_from(times.len() + 1).unwrap(), &data)
            );
            times.push(at);
        }
    }
    assert_eq!(times, vec![51_000, 101_000, 151_000]);
    assert_eq!(
        events(&mut t),
        vec![TpEvent::Sent {
            pgn: 0x1500,
            da: GLOBAL,
            len: 17
        }]
    );
    // a gap above Tr is clamped to Tr (200 ms), below 50 ms to 50 ms
    for (asked, got) in [(300_000, TR_US), (1, 50_000)] {
        let mut t = tp(TpConfig {
            bam_gap_us: asked,
            ..TpConfig::default()
        });
        t.send(0x1500, GLOBAL, &data, 0).unwrap();
        assert_eq!(t.poll_timeout(), Some(got));
    }
}

#[test]
fn bam_received_whole_or_dropped_on_a_gap_or_t1() {
    let data = payload(17);
    let mut t = tp(TpConfig::default());
    let bam = cm(PEER, GLOBAL, [32, 17, 0, 3, 0xFF, 0, 0x15, 0]);
    t.handle_frame(&bam, 0);
    for seq in 1..=3 {
        t.handle_frame(&dt(PEER, GLOBAL, seq, &data), u64::from(seq) * 50_000);
    }
    assert!(frames(&mut t).is_empty(), "a BAM is never answered");
    assert_eq!(
        events(&mut t),
        vec![TpEvent::Received {
            pgn: 0x1500,
            sa: PEER,
            da: GLOBAL,
            data: data.clone()
        }]
    );
    // a skipped packet ends it
    t.handle_frame(&bam, 1_000_000);
    t.handle_frame(&dt(PEER, GLOBAL, 2, &data), 1_050_000);
    assert!(matches!(
        events(&mut t)[..],
        [TpEvent::Aborted {
            reason: AbortReason::BadSequence,
            by_peer: false,
            ..
        }]
    ));
    assert!(frames(&mut t).is_empty());
    // T1 between packets
    t.handle_frame(&bam, 2_000_000);
    t.handle_frame(&dt(PEER, GLOBAL, 1, &data), 2_050_000);
    let (f, e) = fires_at(&mut t, 2_050_000 + T1_US);
    assert!(f.is_empty());
    assert_eq!(e, vec![timeout_abort(TpRole::Receiver, 0x1500)]);
}

#[test]
fn several_sessions_at_once() {
    let mut t = tp(TpConfig::default());
    let (a, b) = (PEER, 0x57);
    let (da, db) = (payload(40), payload(100));
    let mine = payload(50);
    t.send(0x0600, a, &mine, 0).unwrap();
    t.handle_frame(&rts(a, US, 40, PGN), 0);
    t.handle_frame(&rts(b, US, 100, 0x1100), 0);
    t.handle_frame(&cm(b, GLOBAL, [32, 40, 0, 6, 0xFF, 0, 0x15, 0]), 0);
    assert_eq!(t.open_sessions(), 4);
    let f = frames(&mut t);
    assert_eq!(f.len(), 3, "RTS, two CTS: {f:?}");
    // the packets interleave; b's window is 16 of 15 packets
    for seq in 1..=15u8 {
        let now = u64::from(seq) * 1000;
        if seq <= 6 {
            t.handle_frame(&dt(a, US, seq, &da), now);
            t.handle_frame(&dt(b, GLOBAL, seq, &da), now);
        }
        t.handle_frame(&dt(b, US, seq, &db), now);
    }
    t.handle_frame(&cts(a, US, 8, 1, 0x0600), 20_000);
    t.handle_frame(&cm(a, US, [19, 50, 0, 8, 0xFF, 0, 6, 0]), 21_000);
    let mut got = events(&mut t);
    got.sort_by_key(|e| format!("{e:?}"));
    let mut want = vec![
        TpEvent::Received {
            pgn: 0x1100,
            sa: b,
            da: US,
            data: db,
        },
        TpEvent::Received {
            pgn: 0x1500,
            sa: b,
            da: GLOBAL,
            data: da.clone(),
        },
        TpEvent::Received {
            pgn: PGN,
            sa: a,
            da: US,
            data: da,
        },
        TpEvent::Sent {
            pgn: 0x0600,
            da: a,
            len: 50,
        },
    ];
    want.sort_by_key(|e| format!("{e:?}"));
    assert_eq!(got, want);
    assert_eq!(t.open_sessions(), 0);
}

#[test]
fn malformed_frames_are_counted() {
    let mut t = tp(TpConfig::default());
    t.handle_frame(&J1939Id::new(7, PGN_TP_CM, PEER, US).frame(&[16, 1]), 0);
    t.handle_frame(&cm(PEER, US, [99, 0, 0, 0, 0, 0, 0, 0]), 0);
    // 8 bytes announced in 2 packets: not a TP message; answered with an abort
    t.handle_frame(&cm(PEER, US, [16, 8, 0, 2, 0xFF, 0, 2, 0]), 0);
    t.handle_frame(&J1939Id::new(7, PGN_TP_DT, PEER, US).frame(&[1]), 0);
    t.handle_frame(&dt(PEER, US, 1, &payload(7)), 0);
    assert_eq!(t.stats().malformed, 4);
    assert_eq!(t.stats().unexpected, 1);
    assert_eq!(
        frames(&mut t),
        vec![our_cm(PEER, [0xFF, 2, 0xFF, 0xFF, 0xFF, 0, 2, 0])]
    );
    assert!(events(&mut t).is_empty());
}
