//! Charge-stop steps: the car stands at the station; the session goes through its
//! phases; while current flows the station feeds the pack and the auxiliaries,
//! bounded by what the pack's BMS accepts and by the station's ratings.

use super::{FaultCode, Twin};
use crate::charger::{ChargeEnd, Phase, PhaseControl, Session};
use crate::route::LegKind;
use crate::signals::Input;

/// A pack that cannot take this fraction of 1C without its highest cell going
/// above the maximum voltage is full.
const FULL_TAPER_C: f64 = 0.05;

impl Twin {
    /// A step of a charge leg. Returns whether the leg is complete.
    pub(super) fn charge_step(&mut self, ambient_c: f64) -> bool {
        let dt = self.cfg.step_s;
        let index = self.progress.leg;
        let LegKind::Charge(leg) = &self.cfg.route.legs()[index].kind else {
            unreachable!("charge_step is only called on charge legs");
        };
        // Without a SOC target the stop still ends at the top of the usable window.
        let until = leg.until_soc.unwrap_or(1.0).min(self.cfg.vehicle.soc_max);
        let max_duration_s = leg.max_duration_s;
        if self.speed_mps > 0.0 {
            // Still rolling from the previous leg: stop first.
            self.hold_step(f64::INFINITY, true, ambient_c);
            return false;
        }
        if self.session.is_none() {
            let socs = (self.pack.soc(), self.bms.output().soc);
            let s = Session::new(leg.station.clone(), index, self.time_s(), socs);
            let ocv = self.pack.ocv_v();
            if !s.compatible(ocv) {
                let st = s.station();
                let msg = format!(
                    "station {} ({:.0}–{:.0} V) cannot charge this pack at {ocv:.0} V",
                    st.name, st.min_voltage_v, st.max_voltage_v
                );
                self.session = Some(s);
                self.end_session(ChargeEnd::Incompatible);
                self.fault(FaultCode::StationIncompatible, msg);
                // The car stands at the station for this step, car on.
                self.hold_step(f64::INFINITY, true, ambient_c);
                return true;
            }
            self.session = Some(s);
        }
        let Some(mut session) = self.session.take() else {
            unreachable!("the session was opened above");
        };
        if self.charge_link().is_some() {
            self.apply_link(&mut session);
        } else {
            self.apply_phase_request(&mut session);
        }
        let op = self.pack.operating_point();
        let load = self.aux_power(ambient_c);
        let limits = self.limits(&op);
        // What the pack accepts: cell voltage, C-rate and the BMS's limit (in
        // `limits.charge_limit_a`), its power rating, and a charger controller's setpoint.
        let pack_limit_a = limits
            .charge_limit_a
            .min(op.charge_current_for_power(limits.charge_w))
            .min(cap(self.real_input(Input::ChargerCurrentSetpointA)))
            .min(self.link_limit_a());
        let step = session.step(&op, pack_limit_a, load.total_w, dt);
        // While the station delivers it feeds the auxiliaries; otherwise the pack does.
        let pack_current = if step.phase.delivering() {
            -step.charge_current_a
        } else {
            op.current_for_power(load.total_w)
        };
        self.pack.commit(&op, pack_current);
        let e = self.pack.last().energy;
        let time_end_s = (self.steps + 1) as f64 * dt;
        let socs = (self.pack.soc(), self.bms.output().soc);
        session.record(&step, -e.terminal_j, socs, time_end_s, dt);
        let elapsed_s = session.report.duration_s;
        self.book_battery(load.total_w, load.thermal_w, dt);
        self.ledger.charger_dc_j += step.dc_power_w * dt;
        self.ledger.grid_j += step.grid_power_w * dt;
        self.flows = super::drive::Flows {
            aux_w: load.total_w,
            hvac_w: load.hvac_w,
            thermal_w: load.thermal_w,
            ambient_c,
            air_density: crate::vehicle::air_density_kg_m3(ambient_c),
            charger_dc_w: step.dc_power_w,
            charger_grid_w: step.grid_power_w,
            charging: true,
            charger_phase: step.phase.code(),
            charger_voltage_v: if step.phase.delivering() {
                self.pack.voltage_v()
            } else {
                0.0
            },
            charger_current_a: step.charge_current_a,
            charger_setpoint_a: finite_or_zero(pack_limit_a),
            limits,
            ..super::drive::Flows::default()
        };
        let ends = (until, max_duration_s);
        self.charge_end(&mut session, &op, step.phase, ends, elapsed_s);
        let done = session.phase() == Phase::Done;
        let end = session.report.end;
        self.session = Some(session);
        if done {
            self.end_session(end);
        }
        done
    }
}

impl Twin {
    /// Ends the stop at its target SOC (`ends.0`, as the BMS estimates it), a
    /// full pack or its time limit (`ends.1`, s), or offers that end to the
    /// charging protocol when one drives the stop.
    fn charge_end(
        &mut self,
        session: &mut Session,
        op: &crate::pack::OperatingPoint,
        phase: Phase,
        (until, max_duration_s): (f64, Option<f64>),
        elapsed_s: f64,
    ) {
        let dt = self.cfg.step_s;
        if matches!(phase, Phase::Ramp | Phase::Charging | Phase::Taper) {
            let one_c = self.pack.mean_group_capacity_ah();
            // The BMS's estimate decides when the target is reached, as in a car.
            let end = if self.bms.output().soc >= until {
                Some(ChargeEnd::TargetSoc)
            } else if op.voltage_charge_limit_a < FULL_TAPER_C * one_c {
                Some(ChargeEnd::Full)
            } else {
                None
            };
            if let Some(end) = end
                && !self.offer_end(end)
            {
                session.stop(end);
            }
        }
        if max_duration_s.is_some_and(|d| elapsed_s >= d - 0.5 * dt)
            && !self.offer_end(ChargeEnd::Duration)
        {
            session.stop(ChargeEnd::Duration);
        }
    }
}

/// An input as an upper bound (unset: no bound).
fn cap(v: f64) -> f64 {
    if v.is_nan() { f64::INFINITY } else { v }
}

impl Twin {
    /// A real charger controller's phase request (`charger.phase_request`):
    /// none leaves the session to its built-in timing; hold and advance hand its
    /// setup phases to the protocol; abort stops it.
    fn apply_phase_request(&self, session: &mut Session) {
        let request = self.real_input(Input::ChargerPhaseRequest);
        let control = match request {
            1.0 => PhaseControl::Hold,
            2.0 => PhaseControl::Advance,
            3.0 => {
                session.stop(ChargeEnd::Aborted);
                PhaseControl::Timed
            }
            _ => PhaseControl::Timed,
        };
        session.set_control(control);
    }
}

/// A current limit as a setpoint: unbounded reads 0 (no setpoint), never negative.
fn finite_or_zero(a: f64) -> f64 {
    if a.is_finite() { a.max(0.0) } else { 0.0 }
}
