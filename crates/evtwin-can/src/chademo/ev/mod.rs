//! The EV side: sends 0x100/0x101/0x102 every 100 ms once the charger's d1 is
//! seen, checks compatibility, enables charging (k and the 0x102 flag), closes
//! its contactors on d2 with the connector locked, ramps its current request,
//! stops (request 0, contactors open only at or below 5 A), checks for welded
//! contactors and ends when d1 drops.

mod logic;
mod types;

pub use types::{EvBms, EvConfig, EvOutput, EvPhase};

use std::collections::VecDeque;

use super::msg::{
    self, ChargerCapability, ChargerOutputMsg, EvFaults, EvLimits, EvRequest, EvStatus, EvTime,
};
use super::tx::Burst;
use super::{ChademoEvent, EvLines, Lines, RxStats, StopReason};
use crate::frame::{CanId, Frame};

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
    started: bool,
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
            started: false,
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
}
