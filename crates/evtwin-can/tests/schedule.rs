//! The schedule driving the in-process bus in virtual time: every message comes
//! out exactly duration / period times, stamped with its absolute deadline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use evtwin_can::bus::{InProcBus, Transport};
use evtwin_can::schedule::{Pacer, Schedule};
use evtwin_can::{CanId, Frame};

#[test]
fn thirty_messages_for_ten_virtual_seconds() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let bus = InProcBus::new();
        let mut tx = bus.endpoint_with("twin", 16, false);
        let mut rx = bus.endpoint_with("tester", 1 << 16, false);
        let periods_ms = [10u64, 20, 50, 100, 200, 500, 1000];
        let mut sched = Schedule::new(0);
        for i in 0..30u16 {
            let period_us = periods_ms[usize::from(i) % periods_ms.len()] * 1000;
            let offset_us = u64::from(i) * 250;
            sched.add(0x100 + i, period_us, offset_us).unwrap();
        }
        let pacer = Pacer::new(None);
        let end_us = 10_000_000;
        let mut due = Vec::new();
        while let Some(t) = sched.next_due_us().filter(|&t| t < end_us) {
            assert_eq!(pacer.wait_until(t).await, 0);
            bus.set_time_us(t);
            due.clear();
            sched.pop_due(t, &mut due);
            for &id in &due {
                let f = Frame::classic(CanId::Standard(id), &[0; 8]).unwrap();
                tx.send(&f).await.unwrap();
            }
        }
        assert_eq!(sched.overruns(), 0);
        let mut count: BTreeMap<u16, u64> = BTreeMap::new();
        let mut last = 0;
        while let Some(t) = rx.try_recv().unwrap() {
            let CanId::Standard(id) = t.frame.id() else {
                panic!("extended id")
            };
            let i = id - 0x100;
            let period_us = periods_ms[usize::from(i) % periods_ms.len()] * 1000;
            let n = count.entry(id).or_default();
            // Stamped with its exact absolute deadline: offset + n · period.
            assert_eq!(t.time_us, u64::from(i) * 250 + *n * period_us, "id {id:X}");
            assert!(t.time_us >= last, "out of order");
            last = t.time_us;
            *n += 1;
        }
        for (id, n) in count {
            let period_us = periods_ms[usize::from(id - 0x100) % periods_ms.len()] * 1000;
            assert_eq!(n, end_us / period_us, "id {id:X}");
        }
        assert_eq!(rx.rx_dropped(), 0);
    });
}
