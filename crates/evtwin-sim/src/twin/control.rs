//! The controllers' tick: the BMS reads its sensors (with any injected errors),
//! decides limits, contactors, balancing and faults; the thermal manager decides
//! heater, chiller and radiator; and the thermal step advances temperatures.

use super::{FaultCode, Status, Twin};
use crate::bms::{BmsFault, ContactorState, Sensors, Severity};
use crate::route::LegKind;
use crate::thermal::ThermalSituation;

/// Isolation resistance of a healthy HV system, Ω.
const HEALTHY_ISOLATION_OHM: f64 = 10e6;

impl Twin {
    /// The car is on: not parked, and not stopped by a fault.
    pub(super) fn car_on(&self) -> bool {
        let parked = matches!(
            self.cfg.route.legs()[self.progress.leg].kind,
            LegKind::Park { .. }
        );
        !parked && self.status == Status::Running
    }

    /// The VCU's decisions now: the twin's own VCU, or a real one's inputs
    /// where it has sent them.
    pub(super) fn vcu(&self) -> crate::vcu::VcuCommand {
        let situation = crate::vcu::VcuSituation {
            car_on: self.car_on(),
            charging: self.session.is_some(),
        };
        if self.real.vcu {
            crate::vcu::real(situation, |i| self.inputs.get(i))
        } else {
            crate::vcu::simulated(situation)
        }
    }

    /// The VCU's contactor request.
    pub(super) fn hv_wanted(&self) -> bool {
        self.vcu().contactor_request
    }

    /// Tells the BMS whether a node it listens to has timed out on the bus (the
    /// bridge decides; the BMS raises [`BmsFault::Communication`], which latches).
    pub fn set_comm_lost(&mut self, lost: bool) {
        self.comm_lost = lost;
    }

    /// HV is available to the drivetrain and auxiliaries.
    pub(super) fn hv_on(&self) -> bool {
        self.bms.output().contactors == ContactorState::Closed
    }

    /// A critical BMS fault is active: the car must stop.
    pub(super) fn bms_critical(&self) -> bool {
        self.bms
            .output()
            .worst_fault
            .is_some_and(|f| f.severity() == Severity::Critical)
    }

    /// One controller tick, run before the step's physics.
    pub(super) fn control_tick(&mut self, ambient_c: f64) {
        let n = self.pack.groups();
        let inj = &self.injected;
        let (mut v, mut t) = std::mem::take(&mut self.sensor_buf);
        self.pack.group_voltages_into(&mut v);
        let pack_v: f64 = v.iter().sum();
        self.pack.group_temps_into(&mut t);
        inj.apply_to_readings(&mut v, &mut t);
        let current_a = inj
            .stuck_current_a
            .unwrap_or_else(|| self.pack.last().current_a);
        self.sensed_current_a = current_a + inj.current_offset_a;
        let sensors = Sensors {
            current_a,
            current_offset_a: inj.current_offset_a,
            cell_v: &v,
            cell_t: &t,
            isolation_ohm: inj.isolation_ohm.unwrap_or(HEALTHY_ISOLATION_OHM),
            pack_v,
            plating_limit_a: self.pack.plating_limit_a(),
            want_hv: self.hv_wanted(),
            welded: inj.welded,
            comm_lost: self.comm_lost,
        };
        let raised = self.bms.tick(&sensors);
        self.sensor_buf = (v, t);
        for f in raised {
            let msg = fault_message(f);
            self.fault(FaultCode::Bms(f), msg);
        }
        let tick_s = self.bms.spec().tick_s;
        if !self.injected.shorts.is_empty() {
            self.run_shorts(tick_s);
        }
        let bleed_as = self.bms.spec().balance_current_a * tick_s;
        for g in 0..n {
            if self.bms.output().balancing[g] {
                let e = self.pack.bleed(g, bleed_as);
                self.ledger.chemical_j += e;
                self.ledger.balancing_j += e;
            }
        }
        let (t_min, _) = self.pack.temp_min();
        let situation = ThermalSituation {
            car_on: self.car_on(),
            charging: self.session.is_some(),
            precondition: self.precondition_now(),
            pack_min_c: t_min,
            pack_mean_c: self.pack.temp_mean_c(),
            pack_max_c: self.pack.temp_max_c(),
            coolant_c: self.pack.coolant_temp_c(),
            ambient_c,
        };
        self.thermal_cmd = self.thermal.command(&situation);
        self.apply_thermal_faults();
    }

    /// A failed heater gives no heat and draws nothing; a failed pump draws
    /// nothing.
    pub(super) fn apply_thermal_faults(&mut self) {
        if self.injected.heater_failed {
            let cmd = &mut self.thermal_cmd;
            cmd.electric_w -= cmd.coolant.heater_w;
            cmd.coolant.heater_w = 0.0;
        }
        if self.injected.pump_failed && self.thermal_cmd.electric_w > 0.0 {
            let pump_w = self.thermal.spec().pump_w;
            self.thermal_cmd.electric_w = (self.thermal_cmd.electric_w - pump_w).max(0.0);
        }
    }

    /// Advances temperatures over a tick, with this tick's thermal command.
    pub(super) fn thermal_tick(&mut self, ambient_c: f64) {
        let mut coolant = self.thermal_cmd.coolant;
        coolant.ambient_c = ambient_c;
        self.pack.thermal_step(self.bms.spec().tick_s, &coolant);
    }

    /// Whether the thermal system should aim for the best charging temperature:
    /// during a charge stop that asks for it, and before one within the lead time.
    fn precondition_now(&self) -> bool {
        let legs = self.cfg.route.legs();
        let i = self.progress.leg;
        let wants = |k: &LegKind| matches!(k, LegKind::Charge(c) if c.precondition);
        if wants(&legs[i].kind) {
            return true;
        }
        let next_is_charge = legs.get(i + 1).is_some_and(|l| wants(&l.kind));
        next_is_charge && self.leg_remaining_s() <= self.thermal.spec().precondition_lead_s
    }

    /// Estimated time left on the current leg, s.
    fn leg_remaining_s(&self) -> f64 {
        let t = self.progress.leg_steps as f64 * self.cfg.step_s;
        match &self.cfg.route.legs()[self.progress.leg].kind {
            LegKind::Cruise {
                distance_m,
                speed_mps,
                ..
            } => {
                let left = distance_m - (self.position_m - self.progress.leg_start_m);
                left.max(0.0) / speed_mps.max(1.0)
            }
            LegKind::Cycle { cycle, repeat } => cycle.duration_s() * f64::from(*repeat) - t,
            LegKind::Idle { duration_s } | LegKind::Park { duration_s } => duration_s - t,
            LegKind::Charge(_) => 0.0,
        }
    }

    /// After a critical BMS fault: the run stops once the car stands with HV off.
    pub(super) fn stop_after_bms_fault(&mut self) {
        if self.status != Status::Running || !self.bms_critical() || self.speed_mps > 0.0 {
            return;
        }
        let open = matches!(
            self.bms.output().contactors,
            ContactorState::Open | ContactorState::Welded
        );
        if open && let Some(f) = self.bms.output().worst_fault {
            self.status = Status::Stopped(FaultCode::Bms(f));
        }
    }
}

fn fault_message(f: BmsFault) -> String {
    let what = match f {
        BmsFault::CellOverVoltage => "a cell voltage is above its maximum",
        BmsFault::CellUnderVoltage => "a cell voltage is below its minimum",
        BmsFault::CellOverTemperature => "a cell is above its maximum temperature",
        BmsFault::CellUnderTemperature => "a cell is below its minimum temperature",
        BmsFault::OverCurrent => "the pack current is above its rating",
        BmsFault::Isolation => "the HV isolation resistance is too low",
        BmsFault::SensorFailure => "a temperature sensor reads an implausible value",
        BmsFault::ContactorWelded => "the main contactors did not open: welded",
        BmsFault::Communication => "a node on the bus stopped sending (message timeout)",
    };
    let action = match f.severity() {
        Severity::Critical => "BMS opens the contactors",
        Severity::Warning => "BMS derates to half power",
    };
    format!("{what}; {action}")
}
