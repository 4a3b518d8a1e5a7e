//! Reading signals by name or by catalogue entry.

use super::{Twin, drive::Flows};
use crate::signals::{GroupQuantity, Scalar, Signal};

const J_PER_WH: f64 = 3600.0;

fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

impl Twin {
    /// Value of `signal` now (NaN for a group this pack does not have).
    #[must_use]
    pub fn read(&self, signal: Signal) -> f64 {
        match signal {
            Signal::Scalar(s) => self.scalar(s),
            Signal::Group(g, _) if g >= self.pack.groups() => f64::NAN,
            Signal::Group(g, q) => match q {
                GroupQuantity::SocPct => self.pack.group_soc(g) * 100.0,
                GroupQuantity::VoltageV => self.pack.group_voltage_v(g),
                GroupQuantity::TempC => self.pack.group_temp_c(g),
            },
        }
    }

    /// Value of the signal called `name`, if there is one.
    #[must_use]
    pub fn read_by_name(&self, name: &str) -> Option<f64> {
        self.catalogue.find(name).map(|s| self.read(s))
    }

    /// Writes the value of every signal in `signals` into `out` (cleared first).
    pub fn snapshot(&self, signals: &[Signal], out: &mut Vec<f64>) {
        out.clear();
        out.extend(signals.iter().map(|s| self.read(*s)));
    }

    fn motor_speed_rad_s(&self) -> f64 {
        let v = &self.cfg.vehicle;
        v.powertrain.motor_speed_rad_s(&v.body, self.speed_mps)
    }

    #[allow(clippy::too_many_lines)] // one arm per signal
    fn scalar(&self, s: Scalar) -> f64 {
        let f: &Flows = &self.flows;
        let p = self.pack.last();
        let l = &self.ledger;
        let b = self.bms.output();
        match s {
            Scalar::TimeS => self.time_s(),
            Scalar::LegIndex => self.progress.leg as f64,
            Scalar::OdometerKm => self.position_m / 1000.0,
            Scalar::ElevationM => self.elevation_m,
            Scalar::SpeedMps => self.speed_mps,
            Scalar::TargetSpeedMps => f.target_speed_mps,
            Scalar::AccelMps2 => f.accel_mps2,
            Scalar::GradePct => f.grade * 100.0,
            Scalar::TraceMiss => flag(f.trace_miss),
            Scalar::PowertrainLimited => flag(f.limited),
            Scalar::VcuContactorRequest => flag(self.hv_wanted()),
            Scalar::VcuMode => self.vcu().mode.code(),
            Scalar::WheelPowerW => f.road.wheel_w(),
            Scalar::DragPowerW => f.road.drag_w,
            Scalar::RollingPowerW => f.road.rolling_w,
            Scalar::GradePowerW => f.road.grade_w,
            Scalar::FrictionBrakePowerW => f.friction_w,
            Scalar::MotorMechPowerW => f.motor_mech_w,
            // The simulated VCU asks for what the motor draws.
            Scalar::MotorElecPowerW | Scalar::VcuPowerRequestW => f.motor_elec_w,
            Scalar::MotorSpeedRpm => self.motor_speed_rad_s() * 60.0 / std::f64::consts::TAU,
            Scalar::MotorTorqueNm => {
                let v = &self.cfg.vehicle;
                let omega = v.powertrain.motor_speed_rad_s(
                    &v.body,
                    self.speed_mps - 0.5 * f.accel_mps2 * self.cfg.step_s,
                );
                if omega > 0.0 {
                    f.motor_mech_w / omega
                } else {
                    0.0
                }
            }
            Scalar::MotorEfficiency => f.motor_efficiency,
            Scalar::AuxPowerW => f.aux_w,
            Scalar::HvacPowerW => f.hvac_w,
            Scalar::AmbientC => f.ambient_c,
            Scalar::AirDensity => f.air_density,
            Scalar::PackVoltageV => self.pack.voltage_v(),
            Scalar::PackCurrentA => p.current_a,
            Scalar::PackPowerW => p.power_w,
            Scalar::PackOcvV => self.pack.ocv_v(),
            Scalar::PackSocPct => p.soc * 100.0,
            Scalar::PackSocMinPct => self.pack.soc_range().0 * 100.0,
            Scalar::PackSocMaxPct => self.pack.soc_range().1 * 100.0,
            Scalar::DischargeLimitA => f.limits.discharge_limit_a,
            Scalar::ChargeLimitA => f.limits.charge_limit_a,
            Scalar::DischargePowerLimitW => f.limits.discharge_w,
            Scalar::ChargePowerLimitW => f.limits.charge_w,
            Scalar::CellVMinV => self.pack.cell_v_min().0,
            Scalar::CellVMinIndex => self.pack.cell_v_min().1 as f64,
            Scalar::CellVMaxV => self.pack.cell_v_max().0,
            Scalar::CellVMaxIndex => self.pack.cell_v_max().1 as f64,
            Scalar::TempMinC => self.pack.temp_min().0,
            Scalar::TempMaxC => self.pack.temp_max_c(),
            Scalar::TempMaxIndex => self.pack.temp_max().1 as f64,
            Scalar::TempMeanC => self.pack.temp_mean_c(),
            Scalar::PackHeatW => p.heat_w,
            Scalar::CoolantC => self.pack.coolant_temp_c(),
            Scalar::SocSpreadPct => {
                let (lo, hi) = self.pack.soc_range();
                (hi - lo) * 100.0
            }
            Scalar::PlatingRatio => self.pack.plating_ratio(),
            Scalar::PlatingLimitA => self.pack.plating_limit_a(),
            Scalar::BmsSocEstPct => b.soc * 100.0,
            Scalar::BmsSohPct => 100.0,
            Scalar::BmsCclA => self.bms_limit_a(crate::signals::Input::BmsCclA, b.ccl_a),
            Scalar::BmsDclA => self.bms_limit_a(crate::signals::Input::BmsDclA, b.dcl_a),
            Scalar::BmsContactorState => b.contactors.code(),
            Scalar::BmsFaultCode => b.worst_fault.map_or(0.0, |f| f64::from(f.code())),
            Scalar::BmsBalancingCount => b.balancing.iter().filter(|x| **x).count() as f64,
            Scalar::ThermalMode => self.thermal_cmd.mode.code(),
            Scalar::ThermalHeaterW => self.thermal_cmd.coolant.heater_w,
            Scalar::ThermalChillerW => self.thermal_cmd.coolant.chiller_w,
            Scalar::ThermalPowerW => f.thermal_w,
            Scalar::ChargerConnected => flag(f.charging),
            Scalar::ChargerPhase => f.charger_phase,
            Scalar::ChargerPowerW => f.charger_dc_w,
            Scalar::ChargerGridPowerW => f.charger_grid_w,
            Scalar::ChargerVoltageV => f.charger_voltage_v,
            Scalar::ChargerCurrentA => f.charger_current_a,
            Scalar::ChargerCurrentSetpointA => f.charger_setpoint_a,
            Scalar::ChargeProtocolPhase => self.charge_link().map_or(0.0, |l| l.report.phase_code),
            Scalar::EnergyChemicalWh => l.chemical_j / J_PER_WH,
            Scalar::EnergyBatteryLossWh => l.battery_loss_j / J_PER_WH,
            Scalar::EnergyTerminalWh => l.terminal_j / J_PER_WH,
            Scalar::EnergyAuxWh => l.aux_j / J_PER_WH,
            Scalar::EnergyMotorLossWh => l.motor_loss_j / J_PER_WH,
            Scalar::EnergyTransmissionLossWh => l.transmission_loss_j / J_PER_WH,
            Scalar::EnergyFrictionBrakeWh => l.friction_brake_j / J_PER_WH,
            Scalar::EnergyRegenWh => l.regen_j / J_PER_WH,
            Scalar::EnergyDragWh => l.drag_j / J_PER_WH,
            Scalar::EnergyRollingWh => l.rolling_j / J_PER_WH,
            Scalar::EnergyGradeWh => l.grade_j / J_PER_WH,
            Scalar::EnergyKineticWh => l.kinetic_j / J_PER_WH,
            Scalar::EnergyChargerDcWh => l.charger_dc_j / J_PER_WH,
            Scalar::EnergyGridWh => l.grid_j / J_PER_WH,
            Scalar::EnergyThermalWh => l.thermal_j / J_PER_WH,
            Scalar::EnergyBalancingWh => l.balancing_j / J_PER_WH,
        }
    }
}
