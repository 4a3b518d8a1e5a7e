//! The charger side's decisions: the phases, the checks that stop a session,
//! the current ramp and the stop sequence.

use super::{ChademoCharger, ChargerPhase};
use crate::chademo::msg;
use crate::chademo::{ChademoEvent, Incompatibility, SAFE_VOLTAGE_V, STOP_CURRENT_A, StopReason};

impl ChademoCharger {
    pub(super) fn evaluate(&mut self, now_us: u64) {
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
