//! An in-process CAN bus: a hub and its endpoints, for tests and headless runs.
//!
//! A frame sent by one endpoint is queued, in order, at every other endpoint
//! (like CAN, a sender does not see its own frame unless it asks for
//! loopback). Each endpoint's queue is bounded: when it is full the frame is
//! dropped for that endpoint and counted, and the sender never blocks.
//!
//! Time is virtual: the hub holds a clock ([`InProcBus::set_time_us`]) and a
//! received frame's `time_us` is that clock when it was sent.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::{BusError, BusEvent, BusStats, Transport};
use crate::frame::{Direction, Frame, Timestamped};

/// Default receive queue length of an endpoint, in frames.
pub const DEFAULT_QUEUE_FRAMES: usize = 4096;

/// Most events an endpoint keeps between two `drain_events` calls.
const MAX_EVENTS: usize = 1024;

#[derive(Debug)]
struct Slot {
    id: u64,
    capacity: usize,
    loopback: bool,
    queue: VecDeque<Timestamped>,
    events: Vec<BusEvent>,
    rx_dropped: u64,
    notify: Arc<Notify>,
}

#[derive(Debug, Default)]
struct HubState {
    next_id: u64,
    slots: Vec<Slot>,
}

#[derive(Debug, Default)]
struct Shared {
    clock_us: AtomicU64,
    state: Mutex<HubState>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, HubState> {
        // The state stays consistent even if a holder panicked (every update
        // is a single push or pop), so a poisoned lock is simply taken over.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The hub: hands out endpoints and holds the virtual clock. Cheap to clone
/// (clones share the same bus).
#[derive(Debug, Clone, Default)]
pub struct InProcBus {
    shared: Arc<Shared>,
}

impl InProcBus {
    /// A bus with no endpoints, its clock at 0.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A new endpoint with the default queue length and no loopback.
    #[must_use]
    pub fn endpoint(&self, name: &str) -> InProcEndpoint {
        self.endpoint_with(name, DEFAULT_QUEUE_FRAMES, false)
    }

    /// A new endpoint holding at most `queue_frames` unread frames (at least
    /// 1); with `loopback` it also receives its own frames (as [`Direction::Tx`]).
    #[must_use]
    pub fn endpoint_with(&self, name: &str, queue_frames: usize, loopback: bool) -> InProcEndpoint {
        let notify = Arc::new(Notify::new());
        let capacity = queue_frames.max(1);
        let mut st = self.shared.lock();
        let id = st.next_id;
        st.next_id += 1;
        st.slots.push(Slot {
            id,
            capacity,
            loopback,
            // Allocated up front, so delivery never allocates (up to a cap).
            queue: VecDeque::with_capacity(capacity.min(DEFAULT_QUEUE_FRAMES)),
            events: Vec::new(),
            rx_dropped: 0,
            notify: Arc::clone(&notify),
        });
        drop(st);
        InProcEndpoint {
            shared: Arc::clone(&self.shared),
            id,
            name: name.to_owned(),
            notify,
            stats: BusStats::default(),
        }
    }

    /// Sets the virtual clock (µs) stamped on frames sent from now on.
    pub fn set_time_us(&self, time_us: u64) {
        self.shared.clock_us.store(time_us, Ordering::Relaxed);
    }

    /// The virtual clock (µs).
    #[must_use]
    pub fn time_us(&self) -> u64 {
        self.shared.clock_us.load(Ordering::Relaxed)
    }

    /// Delivers a controller event (bus-off, error-passive, …) to every
    /// endpoint, as a real controller would report it: for testing how a
    /// consumer reacts. Each endpoint counts it in its stats when drained.
    pub fn inject_event(&self, event: &BusEvent) {
        let mut st = self.shared.lock();
        for slot in &mut st.slots {
            if slot.events.len() < MAX_EVENTS {
                slot.events.push(event.clone());
            }
            slot.notify.notify_one();
        }
    }

    /// Number of endpoints alive.
    #[must_use]
    pub fn endpoints(&self) -> usize {
        self.shared.lock().slots.len()
    }
}

/// One node on an [`InProcBus`]. Dropping it detaches it from the bus.
#[derive(Debug)]
pub struct InProcEndpoint {
    shared: Arc<Shared>,
    id: u64,
    name: String,
    notify: Arc<Notify>,
    stats: BusStats,
}

impl InProcEndpoint {
    /// Frames dropped because this endpoint's queue was full.
    #[must_use]
    pub fn rx_dropped(&self) -> u64 {
        self.with_slot(|s| s.rx_dropped).unwrap_or(0)
    }

    /// Frames waiting to be received.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.with_slot(|s| s.queue.len()).unwrap_or(0)
    }

    /// Sends without waiting (the in-process bus never blocks a sender).
    pub fn send_now(&mut self, frame: &Frame) {
        let time_us = self.shared.clock_us.load(Ordering::Relaxed);
        let mut st = self.shared.lock();
        for slot in &mut st.slots {
            let dir = if slot.id == self.id {
                if !slot.loopback {
                    continue;
                }
                Direction::Tx
            } else {
                Direction::Rx
            };
            if slot.queue.len() >= slot.capacity {
                slot.rx_dropped += 1;
                continue;
            }
            slot.queue.push_back(Timestamped {
                time_us,
                dir,
                frame: *frame,
            });
            slot.notify.notify_one();
        }
        drop(st);
        self.stats.tx_frames += 1;
    }

    fn with_slot<R>(&self, f: impl FnOnce(&mut Slot) -> R) -> Option<R> {
        let mut st = self.shared.lock();
        st.slots.iter_mut().find(|s| s.id == self.id).map(f)
    }

    fn pop(&mut self) -> Option<Timestamped> {
        let got = self.with_slot(|s| s.queue.pop_front()).flatten();
        if got.is_some() {
            self.stats.rx_frames += 1;
        }
        got
    }
}

impl Drop for InProcEndpoint {
    fn drop(&mut self) {
        let mut st = self.shared.lock();
        st.slots.retain(|s| s.id != self.id);
    }
}

impl Transport for InProcEndpoint {
    fn name(&self) -> &str {
        &self.name
    }

    async fn send(&mut self, frame: &Frame) -> Result<(), BusError> {
        self.send_now(frame);
        Ok(())
    }

    fn try_recv(&mut self) -> Result<Option<Timestamped>, BusError> {
        Ok(self.pop())
    }

    async fn recv_until(
        &mut self,
        deadline: tokio::time::Instant,
    ) -> Result<Option<Timestamped>, BusError> {
        loop {
            if let Some(f) = self.pop() {
                return Ok(Some(f));
            }
            // `notify_one` leaves a permit when nobody waits, so a frame
            // queued between the check above and this wait is not missed.
            let notify = Arc::clone(&self.notify);
            if tokio::time::timeout_at(deadline, notify.notified())
                .await
                .is_err()
            {
                return Ok(self.pop());
            }
        }
    }

    fn drain_events(&mut self) -> Vec<BusEvent> {
        let events = self
            .with_slot(|s| std::mem::take(&mut s.events))
            .unwrap_or_default();
        for e in &events {
            match e {
                BusEvent::ErrorFrame(_) => self.stats.error_frames += 1,
                BusEvent::ErrorPassive => self.stats.error_passive += 1,
                BusEvent::BusOff => self.stats.bus_off += 1,
                BusEvent::Recovered => {}
            }
        }
        events
    }

    fn stats(&self) -> BusStats {
        self.stats
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::frame::CanId;

    fn f(id: u16, b: u8) -> Frame {
        Frame::classic(CanId::Standard(id), &[b]).unwrap()
    }

    #[test]
    fn endpoints_detach_on_drop() {
        let bus = InProcBus::new();
        let a = bus.endpoint("a");
        let b = bus.endpoint("b");
        assert_eq!(bus.endpoints(), 2);
        drop(b);
        assert_eq!(bus.endpoints(), 1);
        drop(a);
        assert_eq!(bus.endpoints(), 0);
    }

    #[test]
    fn loopback_frames_come_back_as_tx() {
        let bus = InProcBus::new();
        let mut a = bus.endpoint_with("a", 8, true);
        let mut b = bus.endpoint("b");
        a.send_now(&f(1, 2));
        assert_eq!(a.try_recv().unwrap().map(|t| t.dir), Some(Direction::Tx));
        assert_eq!(b.try_recv().unwrap().map(|t| t.dir), Some(Direction::Rx));
    }
}
