//! The charger side: on `start` sets d1 and waits for the EV's 0x102, then
//! sends 0x108/0x109 every 100 ms; checks compatibility (the EV's maximum
//! battery voltage against what it offers), locks the connector once the EV
//! enables charging (0x102 flag and k), runs the insulation test, sets d2 once
//! its output is dead, waits for the EV's contactors, follows the current
//! request with its ramp, and on a stop cuts the current to 5 A, waits for the
//! EV's contactors to open (and its welding check), drops d2 then d1, and
//! unlocks once the output is dead.

use std::collections::VecDeque;

use super::msg::{
    self, ChargerCapability, ChargerOutputMsg, ChargerStatus, EvLimits, EvRequest, EvTime,
};
use super::tx::Burst;
use super::{
    ChademoEvent, ChargerLines, Incompatibility, Lines, PROTOCOL_1_0, RxStats, SAFE_VOLTAGE_V,
    STOP_CURRENT_A, StopReason, Timing,
};
use crate::frame::{CanId, Frame};

/// What the charger side keeps for a session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChargerConfig {
    /// Protocol number sent in 0x109 (2: CHAdeMO 1.0).
    pub protocol: u8,
    /// Whether it supports the EV's welding detection (0x108 byte 0).
    pub welding_detection: bool,
    /// Available output voltage, V.
    pub available_v: f64,
    /// Available output current, A.
    pub available_a: f64,
    /// How fast its output current setpoint may rise, A/s (20 A/s by default:
    /// the rate commonly quoted for CHAdeMO; the standard's text was not
    /// available here). A lower request is followed at once.
    pub ramp_a_per_s: f64,
    /// The timings.
    pub timing: Timing,
}

impl Default for ChargerConfig {
    fn default() -> Self {
        Self {
            protocol: PROTOCOL_1_0,
            welding_detection: true,
            available_v: 500.0,
            available_a: 125.0,
            ramp_a_per_s: 20.0,
            timing: Timing::default(),
        }
    }
}

/// What the power stage measures, set each step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChargerMeasured {
    /// Output voltage, V.
    pub output_v: f64,
    /// Output current, A.
    pub output_a: f64,
    /// The insulation monitor finds no fault.
    pub insulation_ok: bool,
}

impl Default for ChargerMeasured {
    fn default() -> Self {
        Self {
            output_v: 0.0,
            output_a: 0.0,
            insulation_ok: true,
        }
    }
}

/// What the charger side drives, for the plant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ChargerOutput {
    /// The power stage is on.
    pub output_enabled: bool,
    /// Output voltage limit (insulation test: the test voltage), V.
    pub voltage_setpoint_v: f64,
    /// Output current setpoint, A: the EV's request after the ramp.
    pub current_setpoint_a: f64,
    /// Its lines (d1, d2, lock).
    pub lines: ChargerLines,
}

/// Where the charger is in the sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChargerPhase {
    /// Not started.
    Idle,
    /// d1 on; waiting for the EV's first 0x102.
    WaitEv,
    /// Sending; waiting for the EV to enable charging.
    WaitEnable,
    /// Locked; insulation test running.
    InsulationTest,
    /// Test passed; waiting for the output to go dead before d2.
    Discharge,
    /// d2 on; waiting for the EV's contactors.
    WaitContactors,
    /// Contactors closed; waiting for a current request.
    WaitRequest,
    /// Delivering current.
    Charging,
    /// Stopping: current to 5 A.
    StopCurrent,
    /// Waiting for the EV's contactors to open and its welding check.
    WaitEvOpen,
    /// d2 off; d1 off after a delay.
    D2Off,
    /// d1 off; waiting for the output to go dead, then unlock.
    WaitLowVoltage,
    /// Over.
    Ended,
}

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
        let remaining_s = match self.charge_end_us {
            Some(end) => end.saturating_sub(now_us).div_ceil(1_000_000),
            None => self.time.map_or(0, |t| u64::from(t.max_charge_time_s())),
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

    fn evaluate(&mut self, now_us: u64) {
        let dt_s = self
            .last_eval_us
            .map_or(0.0, |t| now_us.saturating_sub(t) as f64 / 1e6);
        self.last_eval_us = Some(now_us);
        if self.watching_can()
            && !self.can_lost
            && now_us >= self.last_rx_us + self.cfg.timing.can_timeout_us
        {
            self.can_lost = true;
            self.events.push_back(ChademoEvent::CanTimeout {
                id: msg::ID_EV_STATUS,
            });
        }
        if let Some(r) = self.req
            && !r.status.contactor_open
            && !self.ev_closed_seen
        {
            self.ev_closed_seen = true;
            self.events.push_back(ChademoEvent::ContactorsClosed);
        }
        let before = self.phase;
        if self.phase_active()
            && let Some(r) = self.check_stop(now_us)
        {
            self.begin_stop(r, now_us);
        }
        self.advance(now_us, dt_s);
        // A new phase may call for a stop at once (the compatibility check
        // before the first frame goes out).
        if self.phase != before
            && self.phase_active()
            && let Some(r) = self.check_stop(now_us)
        {
            self.begin_stop(r, now_us);
        }
    }

    /// Phases where a stop reason applies (the session is on, not stopping).
    fn phase_active(&self) -> bool {
        matches!(
            self.phase,
            ChargerPhase::WaitEv
                | ChargerPhase::WaitEnable
                | ChargerPhase::InsulationTest
                | ChargerPhase::Discharge
                | ChargerPhase::WaitContactors
                | ChargerPhase::WaitRequest
                | ChargerPhase::Charging
        )
    }

    #[allow(clippy::too_many_lines)]
    fn advance(&mut self, now_us: u64, dt_s: f64) {
        let t = self.cfg.timing;
        match self.phase {
            ChargerPhase::Idle | ChargerPhase::Ended => {}
            ChargerPhase::WaitEv => {
                if self.req.is_some() {
                    self.tx.start(now_us);
                    self.phase = ChargerPhase::WaitEnable;
                    self.events.push_back(ChademoEvent::CanStarted);
                    self.advance(now_us, dt_s);
                }
            }
            ChargerPhase::WaitEnable => {
                let (Some(l), Some(r)) = (self.limits, self.req) else {
                    return;
                };
                if r.status.charging_enabled && self.lines.k {
                    let _ = l;
                    self.events.push_back(ChademoEvent::Compatible);
                    self.events.push_back(ChademoEvent::ChargingEnabled);
                    self.out.lines.lock = true;
                    self.flags.connector_locked = true;
                    self.events.push_back(ChademoEvent::ConnectorLocked);
                    let v = self.threshold_v();
                    self.out.output_enabled = true;
                    self.out.voltage_setpoint_v = v;
                    self.out.current_setpoint_a = 0.0;
                    self.phase = ChargerPhase::InsulationTest;
                    self.deadline_us = Some(now_us + t.insulation_test_us);
                    self.events
                        .push_back(ChademoEvent::InsulationTestStarted { voltage_v: v });
                }
            }
            ChargerPhase::InsulationTest => {
                if self.past(now_us) {
                    self.out.output_enabled = false;
                    self.out.voltage_setpoint_v = 0.0;
                    self.events.push_back(ChademoEvent::InsulationTestPassed);
                    self.phase = ChargerPhase::Discharge;
                    self.deadline_us = Some(now_us + t.discharge_timeout_us);
                }
            }
            ChargerPhase::Discharge => {
                if self.meas.output_v <= SAFE_VOLTAGE_V {
                    self.out.lines.d2 = true;
                    self.events.push_back(ChademoEvent::ContactorsPermitted);
                    self.phase = ChargerPhase::WaitContactors;
                    self.deadline_us = Some(now_us + t.contactor_timeout_us);
                } else if self.past(now_us) {
                    self.malfunction = true;
                    self.begin_stop(StopReason::ChargerMalfunction, now_us);
                }
            }
            ChargerPhase::WaitContactors => {
                if self.ev_closed_seen {
                    self.phase = ChargerPhase::WaitRequest;
                    self.deadline_us = Some(now_us + t.contactor_timeout_us);
                    self.advance(now_us, dt_s);
                } else if self.past(now_us) {
                    self.begin_stop(StopReason::SequenceTimeout, now_us);
                }
            }
            ChargerPhase::WaitRequest => {
                if self.req.is_some_and(|r| r.current_request_a > 0) {
                    self.flags.charging = true;
                    self.flags.stop_control = false;
                    self.out.output_enabled = true;
                    self.phase = ChargerPhase::Charging;
                    self.deadline_us = None;
                    let max_s = self.time.map_or(0, |t| u64::from(t.max_charge_time_s()));
                    self.charge_end_us = (max_s > 0).then_some(now_us + max_s * 1_000_000);
                    self.events.push_back(ChademoEvent::ChargingStarted);
                    self.ramp(0.0);
                } else if self.past(now_us) {
                    self.begin_stop(StopReason::SequenceTimeout, now_us);
                }
            }
            ChargerPhase::Charging => self.ramp(dt_s),
            ChargerPhase::StopCurrent => {
                let i = self.meas.output_a;
                if i <= STOP_CURRENT_A {
                    self.flags.charging = false;
                    self.out.output_enabled = false;
                    self.events
                        .push_back(ChademoEvent::CurrentBelowStop { current_a: i });
                    self.phase = ChargerPhase::WaitEvOpen;
                    self.deadline_us = Some(now_us + t.contactor_open_timeout_us);
                    self.advance(now_us, dt_s);
                } else if self.past(now_us) {
                    // The power stage did not follow: a malfunction; go on.
                    self.malfunction = true;
                    self.flags.malfunction = true;
                    self.deadline_us = None;
                }
            }
            ChargerPhase::WaitEvOpen => {
                let open = self.req.is_some_and(|r| r.status.contactor_open);
                if open || self.can_lost || self.past(now_us) {
                    if open && self.ev_closed_seen {
                        self.events.push_back(ChademoEvent::ContactorsOpened {
                            current_a: self.meas.output_a,
                        });
                    }
                    self.out.lines.d2 = false;
                    self.phase = ChargerPhase::D2Off;
                    self.deadline_us = Some(now_us + t.d1_off_delay_us);
                }
            }
            ChargerPhase::D2Off => {
                if self.past(now_us) {
                    self.out.lines.d1 = false;
                    self.phase = ChargerPhase::WaitLowVoltage;
                    self.deadline_us = Some(now_us + t.unlock_timeout_us);
                }
            }
            ChargerPhase::WaitLowVoltage => {
                let v = self.meas.output_v;
                if v <= SAFE_VOLTAGE_V || !self.flags.connector_locked {
                    if self.flags.connector_locked {
                        self.out.lines.lock = false;
                        self.flags.connector_locked = false;
                        self.events.push_back(ChademoEvent::ConnectorUnlocked);
                    }
                    self.end(now_us);
                } else if self.past(now_us) {
                    self.flags.malfunction = true;
                    self.events
                        .push_back(ChademoEvent::UnlockRefused { output_v: v });
                    self.end(now_us);
                }
            }
        }
    }

    fn end(&mut self, now_us: u64) {
        self.phase = ChargerPhase::Ended;
        self.deadline_us = None;
        // One more period so the EV sees the final status (unlocked).
        self.tx.stop_after(now_us + self.cfg.timing.period_us);
        self.events.push_back(ChademoEvent::SessionEnded);
    }

    fn ramp(&mut self, dt_s: f64) {
        let want = self
            .req
            .map_or(0.0, |r| f64::from(r.current_request_a))
            .min(self.cfg.available_a)
            .max(0.0);
        let sp = self.out.current_setpoint_a;
        self.out.current_setpoint_a = if want < sp {
            want
        } else {
            want.min(sp + self.cfg.ramp_a_per_s * dt_s)
        };
        let target = self.req.map_or(0.0, |r| f64::from(r.target_v));
        self.out.voltage_setpoint_v = target.min(self.threshold_v());
    }

    /// The first reason to stop, if any (sets the flag it calls for).
    fn check_stop(&mut self, now_us: u64) -> Option<StopReason> {
        if !self.lines.plugged && self.phase != ChargerPhase::WaitEv {
            return Some(StopReason::Unplugged);
        }
        if self.malfunction {
            return Some(StopReason::ChargerMalfunction);
        }
        if self.out.lines.lock && !self.meas.insulation_ok {
            self.malfunction = true;
            return Some(StopReason::InsulationFailed);
        }
        if self.can_lost {
            self.flags.system_malfunction = true;
            return Some(StopReason::CanTimeout);
        }
        if self.past(now_us)
            && matches!(self.phase, ChargerPhase::WaitEv | ChargerPhase::WaitEnable)
        {
            return Some(StopReason::SequenceTimeout);
        }
        if self.phase != ChargerPhase::WaitEv
            && !self.flags.battery_incompatible
            && let Some(l) = self.limits
            && f64::from(l.max_battery_v) > self.cfg.available_v
        {
            self.flags.battery_incompatible = true;
            let why = Incompatibility::MaxVoltageAboveAvailable;
            self.events.push_back(ChademoEvent::Incompatible(why));
            return Some(StopReason::Incompatible(why));
        }
        if self.phase == ChargerPhase::Charging && self.meas.output_v > self.threshold_v() {
            self.flags.system_malfunction = true;
            return Some(StopReason::OutputOvervoltage);
        }
        if let Some(r) = self.req {
            if r.faults.any() {
                return Some(StopReason::EvFault(r.faults));
            }
            if r.status.system_fault {
                return Some(StopReason::EvSystemFault);
            }
            if r.status.shift_not_park {
                return Some(StopReason::ShiftNotPark);
            }
            if r.status.stop_request {
                return Some(StopReason::EvNormal);
            }
            let enabled_phase =
                !matches!(self.phase, ChargerPhase::WaitEv | ChargerPhase::WaitEnable);
            if enabled_phase && (!r.status.charging_enabled || !self.lines.k) {
                return Some(StopReason::EvPermissionWithdrawn);
            }
        }
        if self.user_stop {
            return Some(StopReason::ChargerStop);
        }
        if self.charge_end_us.is_some_and(|e| now_us >= e) {
            return Some(StopReason::MaxTimeReached);
        }
        None
    }

    fn begin_stop(&mut self, reason: StopReason, now_us: u64) {
        self.stop = Some(reason);
        self.events.push_back(ChademoEvent::Stopping(reason));
        self.flags.stop_control = true;
        self.flags.malfunction |= self.malfunction;
        self.out.current_setpoint_a = 0.0;
        self.charge_end_us = None;
        let t = self.cfg.timing;
        match self.phase {
            ChargerPhase::WaitContactors | ChargerPhase::WaitRequest | ChargerPhase::Charging => {
                self.phase = ChargerPhase::StopCurrent;
                // The power stage has 10 s before it counts as a malfunction.
                self.deadline_us = Some(now_us + t.contactor_open_timeout_us);
            }
            ChargerPhase::WaitEv => {
                // Nothing sent, nothing locked.
                self.out.lines.d1 = false;
                self.out.output_enabled = false;
                self.end(now_us);
            }
            _ => {
                self.out.output_enabled = false;
                self.out.voltage_setpoint_v = 0.0;
                self.out.lines.d2 = false;
                self.phase = ChargerPhase::D2Off;
                // Give the EV a period to see the flags before d1 drops.
                self.deadline_us = Some(now_us + t.d1_off_delay_us);
            }
        }
    }
}
