//! The in-process bus: delivery, order, no self-reception, bounded queues,
//! virtual timestamps and `recv_until` timing out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use evtwin_can::bus::{BusEvent, InProcBus, Transport};
use evtwin_can::{CanId, Direction, Frame};
use tokio::time::Instant;

fn frame(id: u16, counter: u8) -> Frame {
    Frame::classic(CanId::Standard(id), &[counter, 0xAA]).unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn every_other_endpoint_receives_in_order_and_the_sender_does_not() {
    rt().block_on(async {
        let bus = InProcBus::new();
        let mut a = bus.endpoint("a");
        let mut b = bus.endpoint("b");
        let mut c = bus.endpoint("c");
        for i in 0..100 {
            a.send(&frame(0x100 + u16::from(i % 3), i)).await.unwrap();
        }
        b.send(&frame(0x7FF, 200)).await.unwrap();
        assert_eq!(
            a.try_recv().unwrap().map(|t| t.frame),
            Some(frame(0x7FF, 200))
        );
        assert_eq!(a.try_recv().unwrap(), None, "a must not see its own frames");
        for rx in [&mut b, &mut c] {
            for i in 0..100 {
                let t = rx.try_recv().unwrap().expect("queued");
                assert_eq!(t.frame, frame(0x100 + u16::from(i % 3), i));
                assert_eq!(t.dir, Direction::Rx);
            }
        }
        assert_eq!(b.try_recv().unwrap(), None);
        assert_eq!(
            c.try_recv().unwrap().map(|t| t.frame),
            Some(frame(0x7FF, 200))
        );
        assert_eq!(a.stats().tx_frames, 100);
        assert_eq!(a.stats().rx_frames, 1);
        assert_eq!(c.stats().rx_frames, 101);
        assert_eq!(a.name(), "a");
    });
}

#[test]
fn a_full_queue_drops_and_counts_without_blocking_the_sender() {
    rt().block_on(async {
        let bus = InProcBus::new();
        let mut tx = bus.endpoint("tx");
        let mut small = bus.endpoint_with("small", 4, false);
        let mut big = bus.endpoint("big");
        for i in 0..10 {
            tx.send(&frame(0x10, i)).await.unwrap();
        }
        assert_eq!(small.rx_dropped(), 6);
        assert_eq!(small.pending(), 4);
        assert_eq!(big.rx_dropped(), 0);
        // The oldest frames are kept (the newest are dropped), still in order.
        let got: Vec<u8> = std::iter::from_fn(|| small.try_recv().unwrap())
            .map(|t| t.frame.data()[0])
            .collect();
        assert_eq!(got, [0, 1, 2, 3]);
        assert_eq!(big.pending(), 10);
        assert_eq!(tx.stats().tx_frames, 10);
        let _ = big.try_recv();
    });
}

#[test]
fn frames_carry_the_virtual_clock_at_send_time() {
    rt().block_on(async {
        let bus = InProcBus::new();
        let mut a = bus.endpoint("a");
        let mut b = bus.endpoint("b");
        bus.set_time_us(1_000);
        a.send(&frame(1, 0)).await.unwrap();
        bus.set_time_us(2_500);
        a.send(&frame(1, 1)).await.unwrap();
        bus.set_time_us(9_999);
        let times: Vec<u64> = std::iter::from_fn(|| b.try_recv().unwrap())
            .map(|t| t.time_us)
            .collect();
        assert_eq!(times, [1_000, 2_500]);
        assert_eq!(bus.time_us(), 9_999);
    });
}

#[test]
fn recv_until_times_out_then_wakes_on_a_frame() {
    rt().block_on(async {
        let bus = InProcBus::new();
        let mut a = bus.endpoint("a");
        let mut b = bus.endpoint("b");
        let t0 = Instant::now();
        let got = b.recv_until(t0 + Duration::from_millis(20)).await.unwrap();
        let waited = t0.elapsed();
        assert_eq!(got, None);
        assert!(waited >= Duration::from_millis(20), "{waited:?}");
        assert!(waited < Duration::from_millis(500), "{waited:?}");

        // A frame sent by another task while b waits wakes it before the deadline.
        let sender = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            a.send(&frame(0x42, 7)).await.unwrap();
            a
        });
        let t1 = Instant::now();
        let got = b.recv_until(t1 + Duration::from_secs(5)).await.unwrap();
        assert_eq!(got.map(|t| t.frame), Some(frame(0x42, 7)));
        assert!(t1.elapsed() < Duration::from_secs(1));
        let _a = sender.await.unwrap();
    });
}

#[test]
fn recv_until_returns_at_once_when_a_frame_is_queued() {
    rt().block_on(async {
        let bus = InProcBus::new();
        let mut a = bus.endpoint("a");
        let mut b = bus.endpoint("b");
        a.send(&frame(3, 3)).await.unwrap();
        // Deadline already passed: the queued frame still comes out.
        let got = b.recv_until(Instant::now()).await.unwrap();
        assert_eq!(got.map(|t| t.frame), Some(frame(3, 3)));
    });
}

#[test]
fn injected_events_reach_every_endpoint_and_are_counted() {
    let bus = InProcBus::new();
    let mut a = bus.endpoint("a");
    let mut b = bus.endpoint("b");
    bus.inject_event(&BusEvent::ErrorPassive);
    bus.inject_event(&BusEvent::BusOff);
    bus.inject_event(&BusEvent::Recovered);
    let want = [
        BusEvent::ErrorPassive,
        BusEvent::BusOff,
        BusEvent::Recovered,
    ];
    assert_eq!(a.drain_events(), want);
    assert_eq!(b.drain_events(), want);
    assert!(a.drain_events().is_empty());
    let s = a.stats();
    assert_eq!((s.error_passive, s.bus_off), (1, 1));
}

#[test]
fn endpoints_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<InProcBus>();
    check::<evtwin_can::bus::InProcEndpoint>();
}
