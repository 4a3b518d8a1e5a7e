//! The EV side: sends 0x100/0x101/0x102 every 100 ms once the charger's d1 is
//! seen, checks compatibility, enables charging (k and the 0x102 flag), closes
//! its contactors on d2 with the connector locked, ramps its current request,
//! stops (request 0, contactors open only at or below 5 A), checks for welded
//! contactors and ends when d1 drops.

use std::collections::VecDeque;

use super::msg::{
    self, ChargerCapability, ChargerOutputMsg, EvFaults, EvLimits, EvRequest, EvStatus, EvTime,
};
use super::tx::Burst;
use super::{
    ChademoEvent, EvLines, Incompatibility, Lines, PROTOCOL_1_0, RxStats, SAFE_VOLTAGE_V,
    STOP_CURRENT_A, StopReason, Timing,
};
use crate::frame::{CanId, Frame};

/// What the EV side keeps for a session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvConfig {
    /// Protocol number sent in 0x102 (2: CHAdeMO 1.0).
    pub protocol: u8,
    /// Minimum charge current, A (0x100 byte 0).
    pub min_charge_current_a: f64,
    /// Maximum charging time the EV permits, s (0x101).
    pub max_charge_time_s: u32,
    /// Charged-rate reference, % (0x100 byte 6).
    pub charged_rate_ref_pct: u8,
    /// How fast the EV raises its current request, A/s (20 A/s by default:
    /// the rate commonly quoted for CHAdeMO; the standard's text was not
    /// available here). Decreases are passed at once.
    pub request_ramp_a_per_s: f64,
    /// Measured current above the request by more than this (A) for
    /// `deviation_hold_us` is a current deviation (10 A, ours).
    pub current_deviation_a: f64,
    /// The charger's reported voltage and the pack's apart by more than this
    /// (V) for `deviation_hold_us` is a voltage deviation (10 V, ours).
    pub voltage_deviation_v: f64,
    /// How long a deviation must last (500 ms, ours).
    pub deviation_hold_us: u64,
    /// The timings.
    pub timing: Timing,
}

impl Default for EvConfig {
    fn default() -> Self {
        Self {
            protocol: PROTOCOL_1_0,
            min_charge_current_a: 0.0,
            max_charge_time_s: 90 * 60,
            charged_rate_ref_pct: 100,
            request_ramp_a_per_s: 20.0,
            current_deviation_a: 10.0,
            voltage_deviation_v: 10.0,
            deviation_hold_us: 500_000,
            timing: Timing::default(),
        }
    }
}

/// What the BMS and the pack say, set each step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EvBms {
    /// Pack voltage, V.
    pub pack_voltage_v: f64,
    /// Measured pack current, A (positive while charging).
    pub pack_current_a: f64,
    /// Voltage at the inlet (the charger's side of the contactors), V.
    pub inlet_voltage_v: f64,
    /// State of charge, %.
    pub soc_pct: f64,
    /// Target battery voltage, V (0x102).
    pub target_voltage_v: f64,
    /// Current the pack wants now, A: the charge curve bounded by the BMS's
    /// charge current limit.
    pub current_request_a: f64,
    /// Maximum battery voltage, V (0x100): the charger stops above it.
    pub max_voltage_v: f64,
    /// Minimum battery voltage, V (0x100).
    pub min_voltage_v: f64,
    /// Rated capacity, kWh (0x101).
    pub capacity_kwh: f64,
    /// Estimated time to the end of the charge, min (0x101).
    pub est_charge_time_min: f64,
    /// The BMS's high-temperature fault.
    pub high_temp: bool,
    /// Fault flags the BMS raises itself (added to those the EV detects).
    pub faults: EvFaults,
    /// The shift position is not park.
    pub shift_not_park: bool,
    /// The BMS (or the driver) asks for a normal stop.
    pub stop_request: bool,
}

/// What the EV side drives, for the plant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EvOutput {
    /// Its contactors are closed.
    pub contactors_closed: bool,
    /// The current request it sends, A.
    pub current_request_a: f64,
    /// Its lines (k).
    pub lines: EvLines,
}

/// Where the EV is in the sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvPhase {
    /// Waiting for the plug and d1.
    Idle,
    /// Sending, waiting for the charger's 0x108/0x109 to check compatibility.
    Exchange,
    /// Charging enabled; waiting for the lock and d2.
    Enabled,
    /// Contactors closed, current requested.
    Charging,
    /// Request 0; waiting for the current to fall to 5 A.
    Stopping,
    /// Contactors open; checking that the inlet goes dead.
    WeldingCheck,
    /// Contactors open, check done; waiting for d1 to drop.
    Finished,
    /// Over; nothing sent.
    Ended,
}

/// The EV side of a CHAdeMO session. See the module docs.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)] // the protocol's flags, one each
pub struct ChademoEv {
    cfg: EvConfig,
    bms: EvBms,
    lines: Lines,
    phase: EvPhase,
    deadline_us: Option<u64>,
    tx: Burst,
    cap: Option<ChargerCapability>,
    status: Option<ChargerOutputMsg>,
    last_rx_us: u64,
    charger_charging_seen: bool,
    d2_seen: bool,
    locked_seen: bool,
    faults: EvFaults,
    flags: EvStatus,
    k: bool,
    request_a: f64,
    contactors_closed: bool,
    stop: Option<StopReason>,
    dev_i_since: Option<u64>,
    dev_v_since: Option<u64>,
    last_eval_us: Option<u64>,
    events: VecDeque<ChademoEvent>,
    rx: RxStats,
    sent: (EvLimits, EvTime, EvRequest),
}

impl ChademoEv {
    /// A new EV side, idle.
    #[must_use]
    pub fn new(cfg: EvConfig) -> Self {
        Self {
            cfg,
            bms: EvBms::default(),
            lines: Lines::default(),
            phase: EvPhase::Idle,
            deadline_us: None,
            tx: Burst::new(3),
            cap: None,
            status: None,
            last_rx_us: 0,
            charger_charging_seen: false,
            d2_seen: false,
            locked_seen: false,
            faults: EvFaults::default(),
            flags: EvStatus {
                contactor_open: true,
                ..EvStatus::default()
            },
            k: false,
            request_a: 0.0,
            contactors_closed: false,
            stop: None,
            dev_i_since: None,
            dev_v_since: None,
            last_eval_us: None,
            events: VecDeque::new(),
            rx: RxStats::default(),
            sent: Default::default(),
        }
    }

    /// Sets what the BMS and the pack say (takes effect at the next call
    /// with a time).
    pub fn set_bms(&mut self, bms: EvBms) {
        self.bms = bms;
    }

    /// The lines as the EV senses them changed (or not): re-evaluates at once.
    pub fn set_lines(&mut self, lines: Lines, now_us: u64) {
        self.lines = lines;
        self.evaluate(now_us);
    }

    /// What the EV drives.
    #[must_use]
    pub fn output(&self) -> EvOutput {
        EvOutput {
            contactors_closed: self.contactors_closed,
            current_request_a: self.request_a,
            lines: self.lines(),
        }
    }

    /// The line the EV drives (k).
    #[must_use]
    pub const fn lines(&self) -> EvLines {
        EvLines { k: self.k }
    }

    /// Where it is.
    #[must_use]
    pub const fn phase(&self) -> EvPhase {
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

    /// The messages as last encoded (0x100, 0x101, 0x102): what it decided.
    #[must_use]
    pub const fn last_sent(&self) -> (EvLimits, EvTime, EvRequest) {
        self.sent
    }

    /// The charger's last 0x108 and 0x109.
    #[must_use]
    pub const fn charger_view(&self) -> (Option<ChargerCapability>, Option<ChargerOutputMsg>) {
        (self.cap, self.status)
    }

    /// A frame from the bus.
    pub fn handle_frame(&mut self, frame: &Frame, now_us: u64) {
        let id = frame.id();
        if id == CanId::Standard(msg::ID_CHARGER_CAPABILITY) {
            match ChargerCapability::decode(frame) {
                Ok(d) => {
                    self.count(d.reserved_set, now_us);
                    self.cap = Some(d.msg);
                }
                Err(_) => self.malformed(id.raw()),
            }
        } else if id == CanId::Standard(msg::ID_CHARGER_STATUS) {
            match ChargerOutputMsg::decode(frame) {
                Ok(d) => {
                    self.count(d.reserved_set, now_us);
                    self.status = Some(d.msg);
                }
                Err(_) => self.malformed(id.raw()),
            }
        } else {
            self.rx.ignored += 1;
            return;
        }
        self.evaluate(now_us);
    }

    fn count(&mut self, reserved_set: bool, now_us: u64) {
        self.rx.taken += 1;
        self.rx.reserved_set += u64::from(reserved_set);
        self.last_rx_us = now_us;
    }

    fn malformed(&mut self, id: u32) {
        self.rx.malformed += 1;
        self.events.push_back(ChademoEvent::MalformedFrame { id });
    }

    /// Time passed: deadlines, the request ramp, the checks.
    pub fn handle_timeout(&mut self, now_us: u64) {
        self.evaluate(now_us);
    }

    /// When to call `handle_timeout` / `poll_transmit` next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        let rx = match self.phase {
            EvPhase::Exchange | EvPhase::Enabled | EvPhase::Charging => {
                Some(self.last_rx_us + self.cfg.timing.can_timeout_us)
            }
            _ => None,
        };
        [self.tx.due(), self.deadline_us, rx]
            .into_iter()
            .flatten()
            .min()
    }

    /// The next frame due at `now_us` (0x100, 0x101, 0x102 in that order each
    /// period), if any.
    pub fn poll_transmit(&mut self, now_us: u64) -> Option<Frame> {
        let i = self.tx.take(now_us, self.cfg.timing.period_us)?;
        Some(match i {
            0 => {
                self.sent.0 = self.limits_msg();
                self.sent.0.encode()
            }
            1 => {
                self.sent.1 = self.time_msg();
                self.sent.1.encode()
            }
            _ => {
                self.sent.2 = self.request_msg();
                // k drops with the first 0x102 that says why.
                if !self.sent.2.status.charging_enabled {
                    self.k = false;
                }
                self.sent.2.encode()
            }
        })
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<ChademoEvent> {
        self.events.pop_front()
    }

    fn limits_msg(&self) -> EvLimits {
        EvLimits {
            min_charge_current_a: msg::wire8(self.cfg.min_charge_current_a),
            min_battery_v: msg::wire(self.bms.min_voltage_v, u16::MAX),
            max_battery_v: msg::wire(self.bms.max_voltage_v, u16::MAX),
            charged_rate_ref_pct: self.cfg.charged_rate_ref_pct,
        }
    }

    fn time_msg(&self) -> EvTime {
        let s = self.cfg.max_charge_time_s;
        let (ten_s, min) = if s <= 2540 {
            (
                u8::try_from(s / 10).unwrap_or(254),
                u8::try_from(s / 60).unwrap_or(0),
            )
        } else {
            (0xFF, u8::try_from(s / 60).unwrap_or(255))
        };
        EvTime {
            max_charge_time_10s: ten_s,
            max_charge_time_min: min,
            est_charge_time_min: msg::wire8(self.bms.est_charge_time_min),
            rated_capacity_100wh: msg::wire(self.bms.capacity_kwh * 10.0, u16::MAX),
        }
    }

    fn request_msg(&self) -> EvRequest {
        EvRequest {
            protocol: self.cfg.protocol,
            target_v: msg::wire(self.bms.target_voltage_v, u16::MAX),
            current_request_a: msg::wire8(self.request_a),
            faults: self.faults,
            status: EvStatus {
                shift_not_park: self.bms.shift_not_park,
                ..self.flags
            },
            soc_pct: msg::wire8(self.bms.soc_pct),
        }
    }

    fn evaluate(&mut self, now_us: u64) {
        let dt_s = self
            .last_eval_us
            .map_or(0.0, |t| now_us.saturating_sub(t) as f64 / 1e6);
        self.last_eval_us = Some(now_us);
        if self.lines.d2 && !self.d2_seen && self.phase != EvPhase::Idle {
            self.d2_seen = true;
            self.events.push_back(ChademoEvent::ContactorsPermitted);
        }
        if let Some(s) = self.status {
            if s.status.connector_locked && !self.locked_seen {
                self.locked_seen = true;
                self.events.push_back(ChademoEvent::ConnectorLocked);
            }
            self.charger_charging_seen |= s.status.charging;
        }
        match self.phase {
            EvPhase::Idle => {
                if self.lines.plugged && self.lines.d1 {
                    self.phase = EvPhase::Exchange;
                    self.tx.start(now_us);
                    self.last_rx_us = now_us;
                    self.events.push_back(ChademoEvent::CanStarted);
                }
            }
            EvPhase::Exchange => self.exchange(now_us),
            EvPhase::Enabled => {
                if let Some(r) = self.check_stop(now_us) {
                    self.begin_stop(r, now_us);
                } else if self.lines.d2 && self.locked_seen {
                    self.contactors_closed = true;
                    self.flags.contactor_open = false;
                    self.phase = EvPhase::Charging;
                    self.deadline_us = None;
                    self.events.push_back(ChademoEvent::ContactorsClosed);
                } else if self.deadline_us.is_some_and(|d| now_us >= d) {
                    self.begin_stop(StopReason::SequenceTimeout, now_us);
                }
            }
            EvPhase::Charging => {
                if let Some(r) = self.check_stop(now_us) {
                    self.begin_stop(r, now_us);
                } else {
                    self.ramp(dt_s);
                }
            }
            EvPhase::Stopping => {
                let i = self.bms.pack_current_a;
                if i.abs() <= STOP_CURRENT_A {
                    self.events
                        .push_back(ChademoEvent::CurrentBelowStop { current_a: i });
                    self.open_contactors(now_us);
                } else if self.deadline_us.is_some_and(|d| now_us >= d) {
                    // An emergency: the charger did not cut its current.
                    self.open_contactors(now_us);
                }
            }
            EvPhase::WeldingCheck => {
                let v = self.bms.inlet_voltage_v;
                if v <= SAFE_VOLTAGE_V {
                    self.events.push_back(ChademoEvent::WeldingCheckPassed);
                    self.finish();
                } else if self.deadline_us.is_some_and(|d| now_us >= d) {
                    self.events
                        .push_back(ChademoEvent::WeldingDetected { inlet_v: v });
                    self.flags.system_fault = true;
                    self.finish();
                }
            }
            EvPhase::Finished => {
                if !self.lines.d1 || !self.lines.plugged {
                    self.phase = EvPhase::Ended;
                    self.tx.stop_after(now_us.saturating_sub(1));
                    self.events.push_back(ChademoEvent::SessionEnded);
                }
            }
            EvPhase::Ended => {}
        }
    }

    fn exchange(&mut self, now_us: u64) {
        if let Some(r) = self.check_stop(now_us) {
            self.begin_stop(r, now_us);
            return;
        }
        let (Some(cap), Some(st)) = (self.cap, self.status) else {
            return;
        };
        let incompatible = if st.status.battery_incompatible {
            Some(Incompatibility::ChargerFlag)
        } else if f64::from(cap.available_v) < self.bms.target_voltage_v {
            Some(Incompatibility::TargetAboveAvailable)
        } else if f64::from(cap.available_a) < self.cfg.min_charge_current_a {
            Some(Incompatibility::CurrentBelowMinimum)
        } else {
            None
        };
        if let Some(why) = incompatible {
            self.events.push_back(ChademoEvent::Incompatible(why));
            // "Normal stop request before charging".
            self.flags.stop_request = true;
            self.begin_stop(StopReason::Incompatible(why), now_us);
            return;
        }
        self.events.push_back(ChademoEvent::Compatible);
        self.k = true;
        self.flags.charging_enabled = true;
        self.phase = EvPhase::Enabled;
        self.deadline_us = Some(now_us + self.cfg.timing.d2_timeout_us);
        self.events.push_back(ChademoEvent::ChargingEnabled);
    }

    /// The first reason to stop, if any; raises the EV's own fault flags.
    fn check_stop(&mut self, now_us: u64) -> Option<StopReason> {
        let b = self.bms;
        let charging = self.phase == EvPhase::Charging;
        let mut f = b.faults;
        f.overvoltage |= b.pack_voltage_v > b.max_voltage_v;
        f.undervoltage |= b.pack_voltage_v < b.min_voltage_v;
        f.high_temp |= b.high_temp;
        let dev_i = charging
            && self.charger_charging_seen
            && b.pack_current_a > self.request_a + self.cfg.current_deviation_a;
        f.current_deviation |= held(
            &mut self.dev_i_since,
            dev_i,
            now_us,
            self.cfg.deviation_hold_us,
        );
        let dev_v = charging
            && self.charger_charging_seen
            && self.status.is_some_and(|s| {
                (f64::from(s.present_v) - b.pack_voltage_v).abs() > self.cfg.voltage_deviation_v
            });
        f.voltage_deviation |= held(
            &mut self.dev_v_since,
            dev_v,
            now_us,
            self.cfg.deviation_hold_us,
        );
        if f.any() {
            self.faults = self.faults.union(f);
            return Some(StopReason::EvFault(self.faults));
        }
        if !self.lines.plugged {
            return Some(StopReason::Unplugged);
        }
        if !self.lines.d1 || (self.d2_seen && !self.lines.d2) {
            self.flags.system_fault = true;
            return Some(StopReason::LineDropped);
        }
        if now_us >= self.last_rx_us + self.cfg.timing.can_timeout_us {
            let id = if self.status.is_none() {
                msg::ID_CHARGER_STATUS
            } else if self.cap.is_none() {
                msg::ID_CHARGER_CAPABILITY
            } else {
                msg::ID_CHARGER_STATUS
            };
            self.events.push_back(ChademoEvent::CanTimeout { id });
            self.flags.system_fault = true;
            return Some(StopReason::CanTimeout);
        }
        if b.shift_not_park {
            return Some(StopReason::ShiftNotPark);
        }
        if let Some(s) = self.status.map(|s| s.status) {
            if s.malfunction {
                return Some(StopReason::ChargerMalfunction);
            }
            if s.system_malfunction {
                return Some(StopReason::ChargerSystemMalfunction);
            }
            if s.battery_incompatible {
                return Some(StopReason::Incompatible(Incompatibility::ChargerFlag));
            }
            if s.stop_control && self.charger_charging_seen {
                return Some(StopReason::ChargerStop);
            }
        }
        if b.stop_request {
            self.flags.stop_request = true;
            return Some(StopReason::EvNormal);
        }
        None
    }

    fn ramp(&mut self, dt_s: f64) {
        let avail = self.cap.map_or(0.0, |c| f64::from(c.available_a));
        let target = self.bms.current_request_a.clamp(0.0, avail.min(255.0));
        let was_zero = self.request_a <= 0.0;
        self.request_a = if target < self.request_a {
            target
        } else {
            target.min(self.request_a + self.cfg.request_ramp_a_per_s * dt_s)
        };
        if was_zero && self.request_a >= 0.5 {
            self.events.push_back(ChademoEvent::ChargingStarted);
        }
    }

    fn begin_stop(&mut self, reason: StopReason, now_us: u64) {
        self.stop = Some(reason);
        self.events.push_back(ChademoEvent::Stopping(reason));
        self.request_a = 0.0;
        // k follows with the next 0x102 (see `poll_transmit`).
        self.flags.charging_enabled = false;
        if self.contactors_closed {
            self.phase = EvPhase::Stopping;
            self.deadline_us = Some(now_us + self.cfg.timing.stop_current_timeout_us);
        } else {
            self.finish();
        }
    }

    fn open_contactors(&mut self, now_us: u64) {
        self.contactors_closed = false;
        self.events.push_back(ChademoEvent::ContactorsOpened {
            current_a: self.bms.pack_current_a,
        });
        let welding = self.cap.is_some_and(|c| c.welding_detection != 0);
        if welding {
            self.phase = EvPhase::WeldingCheck;
            self.deadline_us = Some(now_us + self.cfg.timing.welding_window_us);
        } else {
            self.finish();
        }
    }

    fn finish(&mut self) {
        self.flags.contactor_open = true;
        self.phase = EvPhase::Finished;
        self.deadline_us = None;
    }
}

/// Whether `cond` has held for `hold_us` (tracking since when in `since`).
fn held(since: &mut Option<u64>, cond: bool, now_us: u64, hold_us: u64) -> bool {
    if !cond {
        *since = None;
        return false;
    }
    let t0 = *since.get_or_insert(now_us);
    now_us - t0 >= hold_us
}
