//! Moving (and standing) steps: driver → road load → powertrain → pack.

use super::{FaultCode, STALL_S, Twin};
use crate::driver::{Target, Tracking};
use crate::pack::OperatingPoint;
use crate::route::LegKind;
use crate::signals::Input;
use crate::vehicle::{RoadLoad, air_density_kg_m3};

/// Power flows of the last step (for signals).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Flows {
    pub target_speed_mps: f64,
    pub accel_mps2: f64,
    pub grade: f64,
    pub road: RoadLoad,
    pub friction_w: f64,
    pub motor_mech_w: f64,
    pub motor_elec_w: f64,
    pub motor_efficiency: f64,
    pub aux_w: f64,
    pub hvac_w: f64,
    pub thermal_w: f64,
    pub ambient_c: f64,
    pub air_density: f64,
    pub trace_miss: bool,
    pub limited: bool,
    pub charger_dc_w: f64,
    pub charger_grid_w: f64,
    pub charging: bool,
    pub charger_phase: f64,
    pub charger_voltage_v: f64,
    pub charger_current_a: f64,
    pub charger_setpoint_a: f64,
    pub limits: Limits,
}

/// The pack's limits this step, inputs included.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Limits {
    /// `pack.discharge_limit_a`.
    pub discharge_limit_a: f64,
    /// `pack.charge_limit_a`.
    pub charge_limit_a: f64,
    pub discharge_w: f64,
    pub charge_w: f64,
}

/// The auxiliary load of a step, W.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct AuxLoad {
    /// Everything.
    pub total_w: f64,
    /// Of which cabin HVAC.
    pub hvac_w: f64,
    /// Of which the pack's thermal system.
    pub thermal_w: f64,
}

/// Losses of the powertrain split.
struct Split {
    motor_mech_w: f64,
    motor_elec_w: f64,
    motor_loss_w: f64,
    transmission_loss_w: f64,
    friction_w: f64,
}

impl Twin {
    /// What the pack may do this step: the cells' own voltage and C-rate limits,
    /// the BMS's limits (temperature window, plating margin, faults, contactors) and
    /// any limit a real BMS sends in.
    pub(super) fn limits(&self, op: &OperatingPoint) -> Limits {
        let spec = &self.cfg.pack;
        let bms = self.bms.output();
        let discharge_limit_a = op
            .discharge_limit_a
            .min(self.bms_limit_a(Input::BmsDclA, bms.dcl_a));
        let charge_limit_a = op
            .charge_limit_a
            .min(self.bms_limit_a(Input::BmsCclA, bms.ccl_a));
        Limits {
            discharge_limit_a,
            charge_limit_a,
            discharge_w: op
                .max_discharge_power_w(discharge_limit_a)
                .min(spec.max_discharge_power_w),
            charge_w: op
                .max_charge_power_w(charge_limit_a)
                .min(spec.max_charge_power_w),
        }
    }

    /// A BMS current limit in force: a real BMS's (`input`) once it has sent
    /// one, replacing the simulated BMS's `own_a`.
    pub(super) fn bms_limit_a(&self, input: Input, own_a: f64) -> f64 {
        let real = self.real_input(input);
        if real.is_nan() { own_a } else { real }
    }

    /// Auxiliary load with the car on and HV up: base load, cabin HVAC, the pack's
    /// thermal system and any extra load from outside.
    pub(super) fn aux_power(&self, ambient_c: f64) -> AuxLoad {
        if !self.hv_on() {
            return AuxLoad::default();
        }
        let aux = &self.cfg.vehicle.aux;
        let hvac_w = aux.hvac_w(ambient_c);
        let thermal_w = self.thermal_cmd.electric_w;
        let extra = self.vcu().aux_extra_w;
        AuxLoad {
            total_w: aux.base_w + hvac_w + thermal_w + extra,
            hvac_w,
            thermal_w,
        }
    }

    /// A step of a cruise or cycle leg. Returns whether the leg is complete.
    pub(super) fn drive_leg_step(&mut self, ambient_c: f64) -> bool {
        if self.bms_critical() {
            // HV is going away: brake to a stop and stay (the run then stops).
            self.hold_step(f64::INFINITY, true, ambient_c);
            return false;
        }
        let dt = self.cfg.step_s;
        let index = self.progress.leg;
        let exit_mps = self.cfg.route.exit_speed_mps(index);
        let cap = self
            .cfg
            .vehicle
            .powertrain
            .max_speed_mps
            .min(self.vcu().speed_cap_mps);
        match &self.cfg.route.legs()[index].kind {
            LegKind::Cruise {
                distance_m,
                speed_mps,
                grade,
            } => {
                let (distance_m, grade) = (*distance_m, *grade);
                let cruise = speed_mps.min(cap);
                let remaining = distance_m - (self.position_m - self.progress.leg_start_m);
                let decel = self.driver.spec().comfort_decel_mps2;
                let exit = exit_mps.min(cruise);
                let braking = (exit * exit + 2.0 * decel * remaining.max(0.0)).sqrt();
                let target = if braking < cruise {
                    Target {
                        speed_mps: braking,
                        accel_ff_mps2: -decel,
                        tracking: Tracking::Comfort,
                    }
                } else {
                    Target {
                        speed_mps: cruise,
                        accel_ff_mps2: 0.0,
                        tracking: Tracking::Comfort,
                    }
                };
                self.drive(target, grade, ambient_c, true);
                let tol = self.driver.spec().trace_tolerance_mps;
                self.flows.trace_miss =
                    self.flows.limited && (target.speed_mps - self.speed_mps) > tol;
                if self.speed_mps == 0.0 && target.speed_mps > 0.1 {
                    self.stall_steps += 1;
                } else {
                    self.stall_steps = 0;
                }
                if self.stall_steps as f64 * dt >= STALL_S && self.pending.is_empty() {
                    let msg = format!(
                        "the car has stood still for {STALL_S:.0} s on a cruise leg (grade {:.1} %): the powertrain cannot move it",
                        grade * 100.0
                    );
                    self.fault(FaultCode::Stalled, msg);
                }
                let remaining = distance_m - (self.position_m - self.progress.leg_start_m);
                remaining <= 0.0 || (exit == 0.0 && remaining < 1.0 && self.speed_mps < 0.1)
            }
            LegKind::Cycle { cycle, repeat } => {
                let (cycle, repeat) = (cycle.clone(), *repeat);
                let duration = cycle.duration_s();
                let t = self.progress.leg_steps as f64 * dt;
                let total = duration * f64::from(repeat);
                let last_step = t + dt >= total - 0.5 * dt;
                let phase = |t: f64| t - (t / duration).floor() * duration;
                let v_now = cycle.speed_at(phase(t));
                // The last step aims at the cycle's end, not (wrapped) at its start.
                let v_next = if last_step {
                    cycle.speed_at(duration)
                } else {
                    cycle.speed_at(phase(t + dt))
                };
                let target = Target {
                    speed_mps: v_now.min(cap),
                    accel_ff_mps2: (v_next.min(cap) - v_now.min(cap)) / dt,
                    tracking: Tracking::Tight,
                };
                self.drive(target, cycle.grade_at(phase(t)), ambient_c, true);
                self.flows.trace_miss = (v_next.min(cap) - self.speed_mps).abs()
                    > self.driver.spec().trace_tolerance_mps;
                last_step
            }
            _ => unreachable!("drive_leg_step is only called on driving legs"),
        }
    }

    /// A step standing still (idle: car on; park: car off). Brakes first if the car
    /// is still rolling. Returns whether the leg is complete.
    pub(super) fn hold_step(&mut self, duration_s: f64, car_on: bool, ambient_c: f64) -> bool {
        let target = Target {
            speed_mps: 0.0,
            accel_ff_mps2: 0.0,
            tracking: Tracking::Tight,
        };
        self.drive(target, 0.0, ambient_c, car_on);
        self.flows.trace_miss = false;
        (self.progress.leg_steps + 1) as f64 * self.cfg.step_s >= duration_s - 0.5 * self.cfg.step_s
    }

    /// Largest acceleration in `[lo, hi]` the powertrain can deliver (`ok(lo)` holds).
    fn bisect(lo: f64, hi: f64, ok: impl Fn(f64) -> bool) -> f64 {
        let (mut lo, mut hi) = (lo, hi);
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if ok(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn split(&self, road: &RoadLoad, v_mean: f64, limits: &Limits, aux_w: f64) -> Split {
        let pt = &self.cfg.vehicle.powertrain;
        let eta_t = pt.transmission_efficiency;
        let wheel = road.wheel_w();
        if wheel >= 0.0 {
            let mech = wheel / eta_t;
            let elec = pt.traction_electric_w(mech);
            return Split {
                motor_mech_w: mech,
                motor_elec_w: elec,
                motor_loss_w: elec - mech,
                transmission_loss_w: mech - wheel,
                friction_w: 0.0,
            };
        }
        let braking = -wheel;
        let wanted_mech = pt.regen_fraction(v_mean) * braking * eta_t;
        let torque_cap =
            pt.motor_peak_torque_nm * pt.motor_speed_rad_s(&self.cfg.vehicle.body, v_mean);
        let battery_cap = pt.regen_mech_for_electric_w(limits.charge_w + aux_w);
        let mech = wanted_mech
            .min(pt.motor_peak_power_w)
            .min(torque_cap)
            .min(battery_cap)
            .max(0.0);
        let regen_wheel = mech / eta_t;
        let elec = pt.regen_electric_w(mech);
        Split {
            motor_mech_w: -mech,
            motor_elec_w: -elec,
            motor_loss_w: mech - elec,
            transmission_loss_w: regen_wheel - mech,
            friction_w: braking - regen_wheel,
        }
    }

    /// One step of vehicle and pack towards `target` on `grade`.
    fn drive(&mut self, target: Target, grade: f64, ambient_c: f64, car_on: bool) {
        let dt = self.cfg.step_s;
        let v0 = self.speed_mps;
        let rho = air_density_kg_m3(ambient_c);
        let body = &self.cfg.vehicle.body;
        let pt = &self.cfg.vehicle.powertrain;
        let wanted = self.driver.command(target, v0, dt);
        let op = self.pack.operating_point();
        let load = if car_on {
            self.aux_power(ambient_c)
        } else {
            AuxLoad::default()
        };
        let aux_w = load.total_w;
        let limits = self.limits(&op);
        // A real VCU's power request bounds traction.
        let elec_avail = (limits.discharge_w - aux_w)
            .min(self.vcu().power_cap_w)
            .max(0.0);
        let wheel_max = pt
            .motor_peak_power_w
            .min(pt.traction_mech_for_electric_w(elec_avail))
            * pt.transmission_efficiency;
        let force_max = pt.max_wheel_force_n(body);
        let feasible = |a: f64| {
            let v1 = (v0 + a * dt).max(0.0);
            let w = body.road_load(v0, v1, dt, grade, rho).wheel_w();
            w <= 0.0 || (w <= wheel_max && w <= force_max * 0.5 * (v0 + v1))
        };
        // Braking is always feasible (friction brakes take what regen cannot), so
        // the bisection only runs when traction is short.
        let (accel, limited) = if feasible(wanted) {
            (wanted, false)
        } else {
            (Self::bisect(-v0 / dt, wanted, feasible), true)
        };
        // A stop is exact: rounding residue of `v0 − (v0/dt)·dt` is not motion.
        let v1 = (v0 + accel * dt).max(0.0);
        let v1 = if v1 < 1e-9 { 0.0 } else { v1 };
        let accel = (v1 - v0) / dt;
        self.driver.settle(accel);
        let v_mean = 0.5 * (v0 + v1);
        let road = body.road_load(v0, v1, dt, grade, rho);
        let split = self.split(&road, v_mean, &limits, aux_w);
        // Traction never asks for more than the pack gives after the auxiliaries;
        // when the auxiliaries alone are too much, they go short (and the books
        // still balance).
        let short_w = split.motor_elec_w + aux_w - limits.discharge_w;
        let short = short_w > 1e-9 * limits.discharge_w.max(1.0);
        if short && !self.no_power {
            let empty = self.pack.soc() <= self.cfg.vehicle.soc_min + 0.01;
            let (code, why) = if empty {
                (FaultCode::BatteryDepleted, "the pack is empty")
            } else {
                (FaultCode::NoPower, "the BMS allows no more")
            };
            let msg = format!(
                "the pack cannot supply the {aux_w:.0} W the car needs (limit {:.0} W: {why})",
                limits.discharge_w
            );
            self.fault(code, msg);
        }
        self.no_power = short;
        let aux_w = if short {
            (aux_w - short_w).max(0.0)
        } else {
            aux_w
        };
        let battery_w = split.motor_elec_w + aux_w;
        let current = op.current_for_power(battery_w);
        self.pack.commit(&op, current);
        self.speed_mps = v1;
        self.position_m += v_mean * dt;
        self.elevation_m += v_mean * dt * crate::vehicle::grade_sin_cos(grade).0;
        self.book(&road, &split, aux_w, load.thermal_w.min(aux_w), dt);
        self.flows = Flows {
            target_speed_mps: target.speed_mps,
            accel_mps2: accel,
            grade,
            road,
            friction_w: split.friction_w,
            motor_mech_w: split.motor_mech_w,
            motor_elec_w: split.motor_elec_w,
            motor_efficiency: efficiency(split.motor_mech_w, split.motor_elec_w),
            aux_w,
            hvac_w: load.hvac_w,
            thermal_w: load.thermal_w.min(aux_w),
            ambient_c,
            air_density: rho,
            trace_miss: false,
            limited,
            charger_dc_w: 0.0,
            charger_grid_w: 0.0,
            charging: false,
            charger_phase: 0.0,
            charger_voltage_v: 0.0,
            charger_current_a: 0.0,
            charger_setpoint_a: 0.0,
            limits,
        };
    }

    /// Books the pack's step and the auxiliaries' draw.
    pub(super) fn book_battery(&mut self, aux_w: f64, thermal_w: f64, dt: f64) {
        let l = &mut self.ledger;
        let e = self.pack.last().energy;
        l.chemical_j += e.chemical_j;
        l.battery_loss_j += e.ohmic_j + e.polarisation_j;
        l.terminal_j += e.terminal_j;
        l.aux_j += aux_w * dt;
        l.thermal_j += thermal_w * dt;
    }

    fn book(&mut self, road: &RoadLoad, split: &Split, aux_w: f64, thermal_w: f64, dt: f64) {
        self.book_battery(aux_w, thermal_w, dt);
        let l = &mut self.ledger;
        l.motor_loss_j += split.motor_loss_w * dt;
        l.transmission_loss_j += split.transmission_loss_w * dt;
        l.friction_brake_j += split.friction_w * dt;
        l.regen_j += (-split.motor_elec_w).max(0.0) * dt;
        l.drag_j += road.drag_w * dt;
        l.rolling_j += road.rolling_w * dt;
        l.grade_j += road.grade_w * dt;
        l.kinetic_j += road.inertia_w * dt;
    }
}

fn efficiency(mech_w: f64, elec_w: f64) -> f64 {
    if mech_w > 0.0 {
        mech_w / elec_w
    } else if mech_w < 0.0 {
        elec_w / mech_w
    } else {
        0.0
    }
}
