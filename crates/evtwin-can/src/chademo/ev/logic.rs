//! The EV side's decisions: the phases, the checks that stop a session, the
//! request ramp, the contactors and the welding check.

use super::{ChademoEv, EvPhase};
use crate::chademo::msg;
use crate::chademo::{ChademoEvent, Incompatibility, SAFE_VOLTAGE_V, STOP_CURRENT_A, StopReason};

impl ChademoEv {
    pub(super) fn evaluate(&mut self, now_us: u64) {
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
        let first = !self.started;
        self.request_a = if target < self.request_a {
            target
        } else {
            target.min(self.request_a + self.cfg.request_ramp_a_per_s * dt_s)
        };
        if first && self.request_a >= 0.5 {
            self.started = true;
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
