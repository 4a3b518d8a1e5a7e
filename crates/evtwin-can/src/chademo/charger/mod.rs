//! The charger side: on `start` sets d1 and waits for the EV's 0x102, then
//! sends 0x108/0x109 every 100 ms; checks compatibility (the EV's maximum
//! battery voltage against what it offers), locks the connector once the EV
//! enables charging (0x102 flag and k), runs the insulation test, sets d2 once
//! its output is dead, waits for the EV's contactors, follows the current
//! request with its ramp, and on a stop cuts the current to 5 A, waits for the
//! EV's contactors to open (and its welding check), drops d2 then d1, and
//! unlocks once the output is dead.

mod logic;
mod types;

pub use types::{ChargerConfig, ChargerMeasured, ChargerOutput, ChargerPhase};

use std::collections::VecDeque;

use super::msg::{
    self, ChargerCapability, ChargerOutputMsg, ChargerStatus, EvLimits, EvRequest, EvTime,
};
use super::tx::Burst;
use super::{ChademoEvent, ChargerLines, Lines, RxStats, StopReason};
use crate::frame::{CanId, Frame};

/// The charger side of a CHAdeMO session. See the module docs.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)] // the protocol's flags, one each
pub struct ChademoCharger {
    cfg: ChargerConfig,
    meas: ChargerMeasured,
    lines: Lines,
    out: ChargerOutput,
    phase: ChargerPhase,
    deadline_us: Option<u64>,
    tx: Burst,
    limits: Option<EvLimits>,
    time: Option<EvTime>,
    req: Option<EvRequest>,
    last_rx_us: u64,
    flags: ChargerStatus,
    malfunction: bool,
    user_stop: bool,
    stop: Option<StopReason>,
    charge_end_us: Option<u64>,
    last_eval_us: Option<u64>,
    can_lost: bool,
    ev_closed_seen: bool,
    events: VecDeque<ChademoEvent>,
    rx: RxStats,
    sent: (ChargerCapability, ChargerOutputMsg),
}

impl ChademoCharger {
    /// A new charger side, idle.
    #[must_use]
    pub fn new(cfg: ChargerConfig) -> Self {
        Self {
            cfg,
            meas: ChargerMeasured::default(),
            lines: Lines::default(),
            out: ChargerOutput::default(),
            phase: ChargerPhase::Idle,
            deadline_us: None,
            tx: Burst::new(2),
            limits: None,
            time: None,
            req: None,
            last_rx_us: 0,
            flags: ChargerStatus {
                stop_control: true,
                ..ChargerStatus::default()
            },
            malfunction: false,
            user_stop: false,
            stop: None,
            charge_end_us: None,
            last_eval_us: None,
            can_lost: false,
            ev_closed_seen: false,
            events: VecDeque::new(),
            rx: RxStats::default(),
            sent: Default::default(),
        }
    }

    /// The user pressed start: d1 on.
    pub fn start(&mut self, now_us: u64) {
        if self.phase == ChargerPhase::Idle {
            self.out.lines.d1 = true;
            self.phase = ChargerPhase::WaitEv;
            self.deadline_us = Some(now_us + self.cfg.timing.enable_timeout_us);
            self.evaluate(now_us);
        }
    }

    /// The user pressed stop (or the operator ends the session): stop control.
    pub fn request_stop(&mut self, now_us: u64) {
        self.user_stop = true;
        self.evaluate(now_us);
    }

    /// The station's own malfunction (power stage, cooling, ...).
    pub fn set_malfunction(&mut self, on: bool) {
        self.malfunction = on;
    }

    /// What it offers now (V, A).
    pub fn set_available(&mut self, voltage_v: f64, current_a: f64) {
        self.cfg.available_v = voltage_v;
        self.cfg.available_a = current_a;
    }

    /// What the power stage measures (takes effect at the next call with a time).
    pub fn set_measured(&mut self, m: ChargerMeasured) {
        self.meas = m;
    }

    /// The lines as the charger senses them: re-evaluates at once.
    pub fn set_lines(&mut self, lines: Lines, now_us: u64) {
        self.lines = lines;
        self.evaluate(now_us);
    }

    /// What the charger drives.
    #[must_use]
    pub const fn output(&self) -> ChargerOutput {
        self.out
    }

    /// The lines it drives.
    #[must_use]
    pub const fn lines(&self) -> ChargerLines {
        self.out.lines
    }

    /// Where it is.
    #[must_use]
    pub const fn phase(&self) -> ChargerPhase {
        self.phase
    }

    /// Why it stopped, once it did.
    #[must_use]
    pub const fn stop_reason(&self) -> Option<StopReason> {
        self.stop
    }

    /// Received frames, counted.
    #[must_use]
    pub const fn rx_stats(&self) -> RxStats {
        self.rx
    }

    /// The messages as last encoded (0x108, 0x109): what it decided.
    #[must_use]
    pub const fn last_sent(&self) -> (ChargerCapability, ChargerOutputMsg) {
        self.sent
    }

    /// The EV's last 0x100, 0x101, 0x102.
    #[must_use]
    pub const fn ev_view(&self) -> (Option<EvLimits>, Option<EvTime>, Option<EvRequest>) {
        (self.limits, self.time, self.req)
    }

    /// A frame from the bus.
    pub fn handle_frame(&mut self, frame: &Frame, now_us: u64) {
        let id = frame.id();
        let ok = if id == CanId::Standard(msg::ID_EV_LIMITS) {
            EvLimits::decode(frame).map(|d| {
                self.limits = Some(d.msg);
                d.reserved_set
            })
        } else if id == CanId::Standard(msg::ID_EV_TIME) {
            EvTime::decode(frame).map(|d| {
                self.time = Some(d.msg);
                d.reserved_set
            })
        } else if id == CanId::Standard(msg::ID_EV_STATUS) {
            EvRequest::decode(frame).map(|d| {
                self.req = Some(d.msg);
                self.last_rx_us = now_us;
                d.reserved_set
            })
        } else {
            self.rx.ignored += 1;
            return;
        };
        if let Ok(reserved) = ok {
            self.rx.taken += 1;
            self.rx.reserved_set += u64::from(reserved);
        } else {
            self.rx.malformed += 1;
            self.events
                .push_back(ChademoEvent::MalformedFrame { id: id.raw() });
        }
        self.evaluate(now_us);
    }

    /// Time passed: deadlines, the ramp, the checks.
    pub fn handle_timeout(&mut self, now_us: u64) {
        self.evaluate(now_us);
    }

    /// When to call `handle_timeout` / `poll_transmit` next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        let rx = (self.watching_can() && !self.can_lost)
            .then_some(self.last_rx_us + self.cfg.timing.can_timeout_us);
        [self.tx.due(), self.deadline_us, rx, self.charge_end_us]
            .into_iter()
            .flatten()
            .min()
    }

    /// The next frame due at `now_us` (0x108 then 0x109 each period), if any.
    pub fn poll_transmit(&mut self, now_us: u64) -> Option<Frame> {
        let i = self.tx.take(now_us, self.cfg.timing.period_us)?;
        Some(if i == 0 {
            self.sent.0 = self.capability_msg();
            self.sent.0.encode()
        } else {
            self.sent.1 = self.status_msg(now_us);
            self.sent.1.encode()
        })
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<ChademoEvent> {
        self.events.pop_front()
    }

    fn threshold_v(&self) -> f64 {
        let ev_max = self
            .limits
            .map_or(f64::INFINITY, |l| f64::from(l.max_battery_v));
        self.cfg.available_v.min(ev_max)
    }

    fn capability_msg(&self) -> ChargerCapability {
        ChargerCapability {
            welding_detection: u8::from(self.cfg.welding_detection),
            available_v: msg::wire(self.cfg.available_v, u16::MAX),
            available_a: msg::wire8(self.cfg.available_a),
            threshold_v: msg::wire(self.threshold_v(), u16::MAX),
        }
    }

    fn status_msg(&self, now_us: u64) -> ChargerOutputMsg {
        let ev_uses_min = self.time.is_some_and(|t| t.max_charge_time_10s == 0xFF);
        let remaining_s = match (self.charge_end_us, self.stop) {
            (_, Some(_)) => 0,
            (Some(end), None) => end.saturating_sub(now_us).div_ceil(1_000_000),
            (None, None) => self.time.map_or(0, |t| u64::from(t.max_charge_time_s())),
        };
        let ten_s = if ev_uses_min || remaining_s > 2540 {
            0xFF
        } else {
            u8::try_from(remaining_s.div_ceil(10)).unwrap_or(0xFF)
        };
        ChargerOutputMsg {
            protocol: self.cfg.protocol,
            present_v: msg::wire(self.meas.output_v, u16::MAX),
            present_a: msg::wire8(self.meas.output_a),
            status: self.flags,
            remaining_10s: ten_s,
            remaining_min: u8::try_from(remaining_s.div_ceil(60)).unwrap_or(255),
        }
    }

    fn watching_can(&self) -> bool {
        matches!(
            self.phase,
            ChargerPhase::WaitEnable
                | ChargerPhase::InsulationTest
                | ChargerPhase::Discharge
                | ChargerPhase::WaitContactors
                | ChargerPhase::WaitRequest
                | ChargerPhase::Charging
                | ChargerPhase::StopCurrent
                | ChargerPhase::WaitEvOpen
        )
    }

    fn past(&self, now_us: u64) -> bool {
        self.deadline_us.is_some_and(|d| now_us >= d)
    }
}
