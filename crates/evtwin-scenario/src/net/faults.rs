//! Bus faults in the network core, between encoding and the frames
//! [`super::Network::poll_transmit`] gives out, so that a real bus and the
//! in-process bus see the same: drop or delay a message, stop a node, override
//! a signal's value, disturb an E2E counter or CRC, and a node's bus-off with
//! its controller's error counters ([`evtwin_can::busoff`]).
//!
//! Faults apply to the messages the twin sends (a real node's frames are its
//! own). Randomness (E2E `random`) comes from a seeded generator: same seed,
//! same frames.

use std::collections::{BTreeMap, VecDeque};

use evtwin_can::Frame;
use evtwin_can::busoff::{self, ErrorCounters, ErrorState, Transition};
use evtwin_sim::rng::Rng;

pub use super::fault_kinds::{BusFault, ControllerEvent, Disturb, FaultId, FaultStats, Then};

/// Bit rate the recovery time of a bus-off node is counted at, bit/s.
pub const BUS_BITRATE: u32 = 500_000;

#[derive(Debug, Clone)]
struct E2eState {
    frames_left: Option<u32>,
    frozen: Option<u8>,
    /// Counter: the last value sent.
    last: Option<u8>,
}

#[derive(Debug, Clone)]
struct Active {
    id: FaultId,
    fault: BusFault,
    e2e: E2eState,
}

#[derive(Debug, Clone, Default)]
struct Controller {
    counters: ErrorCounters,
    bus_off_at_us: Option<u64>,
    /// Transitions already described in this disturbance (one of each kind).
    told: [bool; 4],
}

/// The bus faults in force and their state.
#[derive(Debug, Clone)]
pub struct BusFaults {
    active: Vec<Active>,
    next_id: u64,
    delayed: VecDeque<(u64, Frame)>,
    controllers: BTreeMap<String, Controller>,
    events: VecDeque<ControllerEvent>,
    rng: Rng,
    stats: FaultStats,
}

impl Default for BusFaults {
    fn default() -> Self {
        Self::new(0)
    }
}

/// A change to one frame's E2E fields, worked out before encoding.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct E2ePlan {
    /// The counter to write instead of the sender's.
    pub counter: Option<u8>,
    /// How to disturb the CRC after protection.
    pub crc: Option<Disturb>,
}

impl BusFaults {
    /// No fault; random draws from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            active: Vec::new(),
            next_id: 0,
            delayed: VecDeque::new(),
            controllers: BTreeMap::new(),
            events: VecDeque::new(),
            rng: Rng::new(seed ^ 0xB05F_A017),
            stats: FaultStats::default(),
        }
    }

    /// Whether nothing is in force and nothing is held back (the fast path).
    #[must_use]
    pub fn idle(&self) -> bool {
        self.active.is_empty() && self.delayed.is_empty() && self.controllers.is_empty()
    }

    /// Puts a fault in force.
    pub fn inject(&mut self, fault: BusFault) -> FaultId {
        let id = FaultId::new(self.next_id);
        self.next_id += 1;
        if let BusFault::BusOff { node } = &fault {
            let c = self.controllers.entry(node.clone()).or_default();
            c.told = [false; 4];
        }
        let frames_left = match fault {
            BusFault::E2eCounter { frames, .. } | BusFault::E2eCrc { frames, .. } => frames,
            _ => None,
        };
        self.active.push(Active {
            id,
            fault,
            e2e: E2eState {
                frames_left,
                frozen: None,
                last: None,
            },
        });
        id
    }

    /// Ends a fault at `now_us`. For an E2E counter disturbance that ends
    /// with [`Then::Continue`]: its message and the last counter it sent.
    pub fn clear(&mut self, id: FaultId, now_us: u64) -> Option<(usize, u8)> {
        let i = self.active.iter().position(|a| a.id == id)?;
        let a = self.active.remove(i);
        if let BusFault::BusOff { node } = &a.fault {
            // A recovery due before now belongs to the disturbance.
            self.bus_off(node, now_us);
            if let Some(c) = self.controllers.get_mut(node) {
                c.told = [false; 4];
            }
        }
        match a.fault {
            BusFault::E2eCounter {
                message,
                then: Then::Continue,
                ..
            } => a.e2e.last.map(|c| (message, c)),
            _ => None,
        }
    }

    /// The next controller event, oldest first.
    pub fn poll_event(&mut self) -> Option<ControllerEvent> {
        self.events.pop_front()
    }

    /// What the faults did so far.
    #[must_use]
    pub fn stats(&self) -> &FaultStats {
        &self.stats
    }

    /// A node's controller counters (None: it never had a bus-off fault).
    #[must_use]
    pub fn controller(&self, node: &str) -> Option<&ErrorCounters> {
        self.controllers.get(node).map(|c| &c.counters)
    }

    /// When the first delayed frame is due, µs.
    #[must_use]
    pub fn next_delayed_us(&self) -> Option<u64> {
        self.delayed.front().map(|(t, _)| *t)
    }

    /// Moves the delayed frames due by `now_us` to `out`.
    pub(super) fn release(&mut self, now_us: u64, out: &mut Vec<Frame>) {
        while let Some(&(t, f)) = self.delayed.front() {
            if t > now_us {
                break;
            }
            self.delayed.pop_front();
            out.push(f);
        }
    }

    /// Whether `node` sends nothing now (stopped, or bus-off).
    pub(super) fn silenced(&mut self, node: &str, now_us: u64) -> bool {
        let stopped = self
            .active
            .iter()
            .any(|a| matches!(&a.fault, BusFault::StopNode { node: n } if n == node));
        let off = self.bus_off(node, now_us);
        if stopped || off {
            self.stats.silenced += 1;
        }
        stopped || off
    }

    /// Whether `node`'s controller is bus-off at `now_us` (recovering first
    /// when 128 × 11 bit times have passed).
    fn bus_off(&mut self, node: &str, now_us: u64) -> bool {
        let Some(c) = self.controllers.get_mut(node) else {
            return false;
        };
        if let Some(at) = c.bus_off_at_us {
            let back_us = at + busoff::recovery_us(BUS_BITRATE);
            if now_us < back_us {
                return true;
            }
            let mut t = None;
            while c.counters.state() == ErrorState::BusOff {
                t = c.counters.recessive_sequence();
            }
            c.bus_off_at_us = None;
            if let Some(t) = t {
                tell(&mut self.events, c, node, back_us, t);
            }
        }
        false
    }

    /// The value to send for signal `signal` of message `message`, if overridden.
    pub(super) fn override_for(&self, message: usize, signal: usize) -> Option<f64> {
        self.active.iter().rev().find_map(|a| match a.fault {
            BusFault::Override {
                message: m,
                signal: s,
                value,
            } if m == message && s == signal => Some(value),
            _ => None,
        })
    }

    /// Whether any override is in force on `message`.
    pub(super) fn overrides(&self, message: usize) -> bool {
        self.active
            .iter()
            .any(|a| matches!(a.fault, BusFault::Override { message: m, .. } if m == message))
    }

    /// The E2E disturbance of the next frame of `message`, whose sender's
    /// counter is `counter` (modulo `modulus`); counts the frame against
    /// the disturbances' frame budgets. The second value: a counter to
    /// continue from, when a [`Then::Continue`] disturbance just ended.
    pub(super) fn e2e_plan(
        &mut self,
        message: usize,
        counter: u8,
        modulus: u8,
    ) -> (E2ePlan, Option<u8>) {
        let mut plan = E2ePlan::default();
        let mut resume = None;
        for a in &mut self.active {
            let (mode, is_counter, then) = match a.fault {
                BusFault::E2eCounter {
                    message: m,
                    mode,
                    then,
                    ..
                } if m == message => (mode, true, then),
                BusFault::E2eCrc {
                    message: m, mode, ..
                } if m == message => (mode, false, Then::Resync),
                _ => continue,
            };
            if a.e2e.frames_left == Some(0) {
                continue;
            }
            if is_counter {
                let value = match mode {
                    Disturb::Value(v) => v % modulus,
                    Disturb::Freeze => *a.e2e.frozen.get_or_insert(counter),
                    #[allow(clippy::cast_possible_truncation)] // below 16
                    Disturb::Random => (self.rng.next_u64() % u64::from(modulus)) as u8,
                    #[allow(clippy::cast_possible_truncation)] // below 16
                    Disturb::Offset(o) => {
                        ((u16::from(counter) + u16::from(o)) % u16::from(modulus)) as u8
                    }
                };
                a.e2e.last = Some(value);
                plan.counter = Some(value);
            } else {
                plan.crc = Some(match mode {
                    #[allow(clippy::cast_possible_truncation)] // 1..=255
                    Disturb::Random => Disturb::Offset((self.rng.next_u64() % 255 + 1) as u8),
                    other => other,
                });
            }
            if let Some(left) = a.e2e.frames_left.as_mut() {
                *left -= 1;
                if *left == 0 && is_counter && then == Then::Continue {
                    resume = a.e2e.last.map(|c| (c + 1) % modulus);
                }
            }
        }
        if plan.counter.is_some() || plan.crc.is_some() {
            self.stats.e2e_disturbed += 1;
        }
        (plan, resume)
    }

    /// The frozen CRC of a [`Disturb::Freeze`] CRC disturbance on `message`
    /// (set from `crc` on its first frame).
    pub(super) fn frozen_crc(&mut self, message: usize, crc: u8) -> u8 {
        for a in &mut self.active {
            if matches!(a.fault, BusFault::E2eCrc { message: m, mode: Disturb::Freeze, .. } if m == message)
            {
                return *a.e2e.frozen.get_or_insert(crc);
            }
        }
        crc
    }

    /// What happens to an encoded frame of `message` sent by `node` at
    /// `now_us`: `Some(frame)` goes out now; `None` was dropped, delayed or
    /// destroyed by bus errors.
    pub(super) fn after_encode(
        &mut self,
        message: usize,
        node: &str,
        frame: Frame,
        now_us: u64,
    ) -> Option<Frame> {
        if let Some(c) = self.controllers.get_mut(node) {
            let disturbed = self
                .active
                .iter()
                .any(|a| matches!(&a.fault, BusFault::BusOff { node: n } if n == node));
            if disturbed {
                // The controller retransmits at once until bus-off.
                while c.counters.can_transmit() {
                    self.stats.tx_errors += 1;
                    if let Some(t) = c.counters.transmit_error() {
                        if matches!(t, Transition::BusOff { .. }) {
                            c.bus_off_at_us = Some(now_us);
                            self.stats.bus_offs += 1;
                        }
                        tell(&mut self.events, c, node, now_us, t);
                    }
                }
                return None;
            }
            if let Some(t) = c.counters.transmit_ok() {
                tell(&mut self.events, c, node, now_us, t);
            }
        }
        let mut delay_us = None;
        for a in &self.active {
            match a.fault {
                BusFault::Drop { message: m } if m == message => {
                    self.stats.dropped += 1;
                    return None;
                }
                BusFault::Delay {
                    message: m,
                    delay_us: d,
                } if m == message => delay_us = Some(d),
                _ => {}
            }
        }
        if let Some(d) = delay_us {
            self.stats.delayed += 1;
            let due = now_us + d;
            // Kept in time order (equal delays keep their order).
            let at = self.delayed.partition_point(|(t, _)| *t <= due);
            self.delayed.insert(at, (due, frame));
            return None;
        }
        Some(frame)
    }

    /// Counts an overridden frame.
    pub(super) fn count_override(&mut self) {
        self.stats.overridden += 1;
    }
}

/// Describes a controller's transition, the first of each kind in a
/// disturbance (the rest are counted in [`FaultStats`]).
fn tell(
    events: &mut VecDeque<ControllerEvent>,
    c: &mut Controller,
    node: &str,
    at_us: u64,
    transition: Transition,
) {
    let k = match transition {
        Transition::ErrorPassive { .. } => 0,
        Transition::BusOff { .. } => 1,
        Transition::ErrorActive { .. } => 2,
        Transition::Recovered => 3,
    };
    if !c.told[k] {
        c.told[k] = true;
        events.push_back(ControllerEvent {
            at_us,
            node: node.to_owned(),
            transition,
        });
    }
}
