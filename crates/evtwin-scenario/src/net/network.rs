//! The network as the twin plays it, without I/O and without the twin: frames
//! and time in, frames, input changes and events out (quinn-proto's shape).
//!
//! Call order, for whoever drives it (the [`crate::Runner`]):
//! - [`Network::poll_timeout`]: when it next wants to be called;
//! - [`Network::handle_frame`] for each received frame, then
//!   [`Network::poll_input`] until `None` (the decoded values of real nodes, to
//!   set on the twin at once);
//! - [`Network::poll_transmit`] at a frame's deadline, with the present values;
//! - [`Network::handle_timeout`] at the end of each step (message timeouts),
//!   then [`Network::poll_input`] again;
//! - [`Network::poll_event`] until `None`, for the log.
//!
//! The attach-mode monitor ([`super::Monitor`]) is the same core with every
//! node real ([`Network::observe`]): one frame intake, one set of counters.

use std::collections::BTreeMap;

use evtwin_can::Frame;
use evtwin_can::dbc::Dbc;
use evtwin_can::e2e::{Check, E2eChecker, E2eStateMachine, E2eStatus, SmConfig, SmState};
use evtwin_can::frame::fd_length_for;
use evtwin_can::schedule::Schedule;

use super::faults::{BusFault, BusFaults, ControllerEvent, Disturb, FaultId};
use super::limit::RejectLimit;
use super::outputs::{Decoded, InputChange, NetEvent, NetStats, Values};
use super::plan::{Plan, Role};

#[derive(Debug, Clone)]
struct State {
    mux_next: usize,
    counter: u8,
    checker: Option<E2eChecker>,
    /// Every frame of a consumed message is judged here (CRC, length, range).
    sm: E2eStateMachine,
    /// When its last frame arrived; None before the first.
    last_rx_us: Option<u64>,
    timed_out: bool,
    /// A message that never came has been reported.
    missing_reported: bool,
}

/// Events kept between drains, at most (the counters keep counting).
const MAX_EVENTS: usize = 1000;

/// The network, played.
#[derive(Clone)]
pub struct Network {
    dbc: Dbc,
    plan: Plan,
    schedule: Schedule<usize>,
    state: Vec<State>,
    stats: NetStats,
    events: std::collections::VecDeque<NetEvent>,
    inputs: std::collections::VecDeque<InputChange>,
    /// Observe mode: every decoded signal is kept for [`Network::poll_decoded`].
    observe: bool,
    decoded: Vec<Decoded>,
    values: Vec<f64>,
    due: Vec<usize>,
    /// Clamp counts by (message, signal) index.
    clamped: BTreeMap<(usize, usize), u64>,
    start_us: u64,
    /// How many rejected frames are described, per second of virtual time.
    limit: RejectLimit,
    /// Injected bus faults.
    faults: BusFaults,
}

impl Network {
    /// Starts the network at virtual time `start_us`: simulated messages are
    /// staggered by 1 ms each within their cycle (as real ECUs start at different
    /// moments); consumed ones get their timeout counted from the start.
    #[must_use]
    pub fn new(dbc: Dbc, plan: Plan, start_us: u64) -> Self {
        let mut schedule = Schedule::new(start_us);
        let mut stagger = 0u64;
        for (k, m) in plan.messages.iter().enumerate() {
            if m.role == Role::Simulated
                && let Some(cycle) = m.cycle_us
            {
                // A zero period is filtered out by the plan; a failure here only
                // means the message is not sent, which the plan ruled out.
                let _ = schedule.add(k, cycle, stagger % cycle);
                stagger += 1000;
            }
        }
        let state = plan
            .messages
            .iter()
            .map(|m| State {
                mux_next: 0,
                counter: 0,
                checker: m.e2e.map(|cfg| E2eChecker::new(cfg, 2)),
                sm: E2eStateMachine::new(SmConfig::default()),
                last_rx_us: None,
                timed_out: false,
                missing_reported: false,
            })
            .collect();
        let widest = dbc
            .messages()
            .iter()
            .map(|m| m.signals.len())
            .max()
            .unwrap_or(0);
        Self {
            dbc,
            plan,
            schedule,
            state,
            stats: NetStats::default(),
            events: std::collections::VecDeque::new(),
            inputs: std::collections::VecDeque::new(),
            observe: false,
            decoded: Vec::new(),
            values: vec![f64::NAN; widest],
            due: Vec::new(),
            clamped: BTreeMap::new(),
            start_us,
            limit: RejectLimit::default(),
            faults: BusFaults::default(),
        }
    }

    /// The network watched rather than played: every message counts as sent
    /// by a real node, nothing is scheduled, and every bound signal a frame
    /// carries is kept for [`Network::poll_decoded`] (the attach-mode monitor).
    #[must_use]
    pub fn observe(dbc: Dbc, mut plan: Plan) -> Self {
        for m in &mut plan.messages {
            m.role = Role::Real;
            m.timeout_us = None;
        }
        let mut net = Self::new(dbc, plan, 0);
        net.observe = true;
        net
    }

    /// The plan being played.
    #[must_use]
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The DBC.
    #[must_use]
    pub fn dbc(&self) -> &Dbc {
        &self.dbc
    }

    /// When the next frame is due (a delayed one included), µs.
    #[must_use]
    pub fn next_due_us(&self) -> Option<u64> {
        let due = self.schedule.next_due_us();
        match (due, self.faults.next_delayed_us()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Draws the bus faults' random values (E2E `random`) from `seed`; call
    /// before injecting any.
    pub fn set_fault_seed(&mut self, seed: u64) {
        if self.faults.idle() {
            self.faults = BusFaults::new(seed);
        }
    }

    /// Puts a bus fault in force from now on (see [`BusFault`]).
    pub fn inject_bus_fault(&mut self, fault: BusFault) -> FaultId {
        self.faults.inject(fault)
    }

    /// Ends a bus fault at `now_us`.
    pub fn clear_bus_fault(&mut self, id: FaultId, now_us: u64) {
        if let Some((k, last)) = self.faults.clear(id, now_us)
            && let Some(cfg) = self.plan.messages.get(k).and_then(|m| m.e2e)
        {
            self.state[k].counter = (last + 1) % cfg.counter_modulus();
        }
    }

    /// The bus faults' state and counts.
    #[must_use]
    pub fn bus_faults(&self) -> &BusFaults {
        &self.faults
    }

    /// The next change of state of a node's controller under a bus-off fault.
    pub fn poll_controller_event(&mut self) -> Option<ControllerEvent> {
        self.faults.poll_event()
    }

    /// When the network next wants [`Network::poll_transmit`] or
    /// [`Network::handle_timeout`], µs: the next frame due or the next
    /// consumed message's deadline.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        let deadlines = self
            .plan
            .messages
            .iter()
            .zip(&self.state)
            .filter(|(m, s)| {
                m.role == Role::Real
                    && !s.timed_out
                    && !(s.last_rx_us.is_none() && s.missing_reported)
            })
            .filter_map(|(m, s)| {
                // Noticed the first time it is checked after the timeout has passed.
                Some(s.last_rx_us.unwrap_or(self.start_us) + m.timeout_us? + 1)
            });
        self.next_due_us().into_iter().chain(deadlines).min()
    }

    /// Counters so far.
    #[must_use]
    pub fn stats(&self) -> &NetStats {
        &self.stats
    }

    /// Signals whose values were clamped to their DBC range
    /// (`Message.Signal`), with counts.
    #[must_use]
    pub fn clamped_by_signal(&self) -> BTreeMap<String, u64> {
        self.clamped
            .iter()
            .map(|(&(m, s), &n)| {
                let m = &self.dbc.messages()[m];
                (format!("{}.{}", m.name, m.signals[s].name), n)
            })
            .collect()
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<NetEvent> {
        self.events.pop_front()
    }

    /// The next input change, in the order the frames brought them.
    pub fn poll_input(&mut self) -> Option<InputChange> {
        self.inputs.pop_front()
    }

    /// Observe mode: the signals decoded since the last call, in frame order.
    pub fn poll_decoded(&mut self) -> std::vec::Drain<'_, Decoded> {
        self.decoded.drain(..)
    }

    fn event(&mut self, e: NetEvent) {
        if self.events.len() < MAX_EVENTS {
            self.events.push_back(e);
        }
    }

    /// Appends to `out` every frame due at `now_us`, encoded from the present
    /// `values` (the twin's signals).
    pub fn poll_transmit(&mut self, now_us: u64, values: &dyn Values, out: &mut Vec<Frame>) {
        let mut due = std::mem::take(&mut self.due);
        due.clear();
        self.schedule.pop_due(now_us, &mut due);
        let clean = self.faults.idle();
        if !clean {
            let first = out.len();
            self.faults.release(now_us, out);
            self.stats.tx_frames += (out.len() - first) as u64;
        }
        for &k in &due {
            if !clean && self.faults.silenced(&self.plan.messages[k].sender, now_us) {
                continue;
            }
            let Some(f) = self.encode(k, values) else {
                continue;
            };
            let f = if clean {
                Some(f)
            } else {
                let sender = &self.plan.messages[k].sender;
                self.faults.after_encode(k, sender, f, now_us)
            };
            if let Some(f) = f {
                out.push(f);
                self.stats.tx_frames += 1;
            }
        }
        self.due = due;
    }

    fn encode(&mut self, k: usize, source: &dyn Values) -> Option<Frame> {
        let pm = &self.plan.messages[k];
        let m = &self.dbc.messages()[pm.dbc_index];
        let st = &mut self.state[k];
        let turn = if pm.mux_cycle.is_empty() {
            0
        } else {
            st.mux_next % pm.mux_cycle.len()
        };
        let present = pm.layouts.get(turn)?;
        let values = &mut self.values[..m.signals.len()];
        for &i in present {
            let b = &pm.bindings[i];
            values[i] = match (b.signal, b.value) {
                (Some(s), _) => source.value(s) * b.scale + b.add,
                (None, Some(c)) => c,
                (None, None) => f64::NAN,
            };
        }
        if !self.faults.idle() && self.faults.overrides(k) {
            for &i in present {
                if let Some(v) = self.faults.override_for(k, i) {
                    values[i] = v;
                }
            }
            self.faults.count_override();
        }
        if let Some(switch) = m.multiplexor()
            && !pm.mux_cycle.is_empty()
        {
            #[allow(clippy::cast_precision_loss)] // switch values are small
            {
                values[switch] = pm.mux_cycle[turn] as f64;
            }
            st.mux_next = (turn + 1) % pm.mux_cycle.len();
        }
        let mut buf = [0u8; 64];
        let len = m.len_bytes.min(64);
        let report = m.encode_only(values, present, &mut buf[..len]);
        if report.clamped > 0 {
            self.stats.clamped += u64::from(report.clamped);
            // Rare: find which, for the report (the codec's own rule).
            for &i in present {
                let v = values[i];
                if !v.is_nan() && m.signals[i].to_raw_bits(v).1 {
                    *self.clamped.entry((pm.dbc_index, i)).or_insert(0) += 1;
                }
            }
        }
        if let Some(cfg) = &pm.e2e {
            // The plan validated the layout against the length.
            if self.faults.idle() {
                let _ = cfg.protect(&mut buf[..len], &mut st.counter);
            } else {
                let modulus = cfg.counter_modulus();
                let (plan, resume) = self.faults.e2e_plan(k, st.counter, modulus);
                if let Some(mut c) = plan.counter {
                    let _ = cfg.protect(&mut buf[..len], &mut c);
                    st.counter = (st.counter + 1) % modulus;
                } else {
                    let _ = cfg.protect(&mut buf[..len], &mut st.counter);
                }
                if let Some(c) = resume {
                    st.counter = c;
                }
                if let Some(d) = plan.crc {
                    let at = cfg.crc_byte();
                    let good = buf[at];
                    buf[at] = match d {
                        Disturb::Value(v) => v,
                        Disturb::Freeze => self.faults.frozen_crc(k, good),
                        Disturb::Offset(o) => good.wrapping_add(o),
                        Disturb::Random => good ^ 0xFF,
                    };
                }
            }
        }
        if m.fd {
            let l = fd_length_for(len).unwrap_or(64);
            Frame::fd(m.id, &buf[..l], true).ok()
        } else {
            Frame::classic(m.id, &buf[..len]).ok()
        }
    }

    /// Counts a received frame a charging protocol took (not the DBC's).
    pub fn count_protocol_frame(&mut self) {
        self.stats.rx_frames += 1;
        self.stats.rx_protocol += 1;
    }

    /// Handles a received frame at `now_us`: the values that frames of real
    /// nodes carry become input changes ([`Network::poll_input`]); everything
    /// else is counted.
    pub fn handle_frame(&mut self, frame: &Frame, now_us: u64) {
        self.stats.rx_frames += 1;
        self.roll_limit(now_us);
        let reject = |this: &mut Self, why: &'static str| {
            // Counted always; described a few times a second per kind and
            // identifier (the rest summed up), while there is room for events.
            if this.limit.admit(why, frame.id(), now_us) && this.events.len() < MAX_EVENTS {
                this.event(NetEvent::Rejected {
                    why,
                    frame: format!("{frame:?}"),
                    at_us: now_us,
                });
            }
        };
        // The plan lists the DBC's messages in the DBC's order.
        let Some((k, _)) = self.dbc.message_by_id(frame.id()) else {
            self.stats.unknown_id += 1;
            return reject(self, "unknown id");
        };
        let pm = &self.plan.messages[k];
        let real = pm.role == Role::Real;
        let m = &self.dbc.messages()[pm.dbc_index];
        let payload = frame.data().get(..m.len_bytes);
        let (Some(payload), true) = (payload, m.accepts_len(frame.len())) else {
            self.stats.wrong_length += 1;
            if real {
                self.judge(k, Check::Error, now_us);
            }
            return reject(self, "wrong length");
        };
        match pm.role {
            Role::Simulated => {
                self.stats.unexpected += 1;
                return reject(self, "sent by a simulated node");
            }
            Role::Unplayed => {
                self.stats.unplayed += 1;
                return;
            }
            Role::Real => {}
        }
        let st = &mut self.state[k];
        if let Some(checker) = st.checker.as_mut() {
            // Over the DBC length: an FD frame may carry padding after it.
            match checker.check(payload) {
                E2eStatus::Ok | E2eStatus::Initial => {}
                E2eStatus::WrongCrc => {
                    self.stats.bad_crc += 1;
                    self.judge(k, Check::Error, now_us);
                    return reject(self, "bad CRC");
                }
                E2eStatus::Repeated | E2eStatus::WrongSequence => {
                    self.stats.bad_counter += 1;
                    self.judge(k, Check::Other, now_us);
                    return reject(self, "bad counter");
                }
            }
        }
        let values = &mut self.values[..m.signals.len()];
        if m.decode(payload, values).is_err() {
            self.stats.wrong_length += 1;
            self.judge(k, Check::Error, now_us);
            return reject(self, "wrong length");
        }
        if !plausible(m, values) {
            self.stats.out_of_range += 1;
            self.judge(k, Check::Error, now_us);
            return reject(self, "value out of its DBC range");
        }
        if self.judge(k, Check::Ok, now_us) == SmState::Invalid {
            self.stats.while_invalid += 1;
            return;
        }
        self.use_values(k, now_us);
    }

    /// Passes on the values just decoded into `self.values` from a frame of
    /// message `k` that passed every check.
    fn use_values(&mut self, k: usize, now_us: u64) {
        let pm = &self.plan.messages[k];
        let m = &self.dbc.messages()[pm.dbc_index];
        let values = &self.values[..m.signals.len()];
        let st = &mut self.state[k];
        for (i, (v, b)) in values.iter().zip(&pm.bindings).enumerate() {
            if !v.is_finite() {
                continue;
            }
            let value = (v - b.add) / b.scale;
            if let Some(input) = b.input {
                if input.accepts(value) {
                    self.inputs.push_back(InputChange::Set { input, value });
                } else {
                    self.stats.implausible += 1;
                }
            }
            if self.observe && b.signal.is_some() {
                self.decoded.push(Decoded {
                    message: k,
                    signal: i,
                    dbc_value: *v,
                    value,
                    binding: *b,
                });
            }
        }
        self.stats.rx_used += 1;
        st.last_rx_us = Some(now_us);
        if st.timed_out {
            st.timed_out = false;
            let message = pm.name.clone();
            self.event(NetEvent::Resumed {
                message,
                at_us: now_us,
            });
            if !self.any_lost() {
                self.set_comm_lost(false);
            }
        }
    }

    /// At the end of a run: sums up the rejected frames not yet described
    /// ([`NetEvent::Suppressed`]), whether or not their window is over.
    pub fn finish(&mut self, now_us: u64) {
        self.sum_up(now_us, true);
    }

    /// Sums up the rejected frames not described once their window is over.
    fn roll_limit(&mut self, now_us: u64) {
        self.sum_up(now_us, false);
    }

    fn sum_up(&mut self, now_us: u64, now: bool) {
        let mut ended = Vec::new();
        if now {
            self.limit.flush(&mut |s| ended.push(s));
        } else {
            self.limit.roll(now_us, &mut |s| ended.push(s));
        }
        for s in ended {
            self.event(NetEvent::Suppressed {
                why: s.why,
                id: s.id,
                count: s.count,
                at_us: now_us,
            });
        }
    }

    /// Some consumed message is silent past its timeout or INVALID.
    fn any_lost(&self) -> bool {
        self.state
            .iter()
            .any(|s| s.timed_out || s.sm.state() == SmState::Invalid)
    }

    /// Gives message `k`'s state machine one frame's result; entering INVALID
    /// raises the communication fault (if the BMS listens), leaving it clears
    /// the fault once nothing else is lost. Returns the state after.
    fn judge(&mut self, k: usize, check: Check, now_us: u64) -> SmState {
        let st = &mut self.state[k];
        let before = st.sm.state();
        let after = st.sm.check(check);
        let pm = &self.plan.messages[k];
        if before != SmState::Invalid && after == SmState::Invalid {
            self.stats.invalid += 1;
            let faulted = pm.bms_listens;
            let message = pm.name.clone();
            self.event(NetEvent::Invalid {
                message,
                at_us: now_us,
                faulted,
            });
            if faulted {
                self.set_comm_lost(true);
            }
        } else if before == SmState::Invalid && after != SmState::Invalid {
            let message = pm.name.clone();
            self.event(NetEvent::Valid {
                message,
                at_us: now_us,
            });
            if !self.any_lost() {
                self.set_comm_lost(false);
            }
        }
        after
    }

    fn set_comm_lost(&mut self, lost: bool) {
        self.inputs.push_back(InputChange::CommLost(lost));
    }

    /// Raises the communication fault ([`InputChange::CommLost`]) for consumed
    /// messages silent past their timeout after their first frame (deadline
    /// monitoring starts at the first reception, so a real ECU may start after
    /// the twin).
    pub fn handle_timeout(&mut self, now_us: u64) {
        self.roll_limit(now_us);
        for k in 0..self.plan.messages.len() {
            let pm = &self.plan.messages[k];
            let (Role::Real, Some(timeout)) = (pm.role, pm.timeout_us) else {
                continue;
            };
            let st = &mut self.state[k];
            let Some(last_rx_us) = st.last_rx_us else {
                if !st.missing_reported && now_us.saturating_sub(self.start_us) > timeout {
                    st.missing_reported = true;
                    let message = pm.name.clone();
                    self.event(NetEvent::Missing {
                        message,
                        at_us: now_us,
                    });
                }
                continue;
            };
            if !st.timed_out && now_us.saturating_sub(last_rx_us) > timeout {
                st.timed_out = true;
                // As AUTOSAR's receiver does: after a timeout the next counter
                // starts a new sequence rather than counting as a jump.
                if let Some(c) = st.checker.as_mut() {
                    c.reset();
                }
                self.stats.timeouts += 1;
                let message = pm.name.clone();
                let faulted = pm.bms_listens;
                self.event(NetEvent::Timeout {
                    message,
                    at_us: now_us,
                    faulted,
                });
                if faulted {
                    self.set_comm_lost(true);
                }
            }
        }
    }
}

/// The plausibility rule of a frame: every decoded value within its signal's
/// DBC range (where the DBC gives one, min < max), half a resolution step of
/// rounding allowed. Signals absent from the frame (NaN) are not judged.
fn plausible(m: &evtwin_can::dbc::Message, values: &[f64]) -> bool {
    m.signals.iter().zip(values).all(|(s, &v)| {
        let slack = s.factor.abs() / 2.0;
        v.is_nan() || s.min >= s.max || (s.min - slack <= v && v <= s.max + slack)
    })
}
