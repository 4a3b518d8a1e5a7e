//! Faults put into the plant or its sensors from outside (a test, a fault
//! panel, a scenario's `[[fault]]` list): [`Twin::inject`] starts one,
//! [`Twin::clear`] ends it.

use super::Twin;

/// A sensor the BMS reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensorKind {
    /// Series group `group`'s voltage sensor.
    CellVoltage {
        /// Series group.
        group: usize,
    },
    /// Series group `group`'s temperature sensor.
    CellTemp {
        /// Series group.
        group: usize,
    },
    /// The pack current sensor.
    Current,
}

/// A fault put into the plant or its sensors from outside.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Injection {
    /// Group `group`'s voltage sensor reads `offset_v` high.
    CellVoltageSensorOffset {
        /// Series group.
        group: usize,
        /// Offset, V.
        offset_v: f64,
    },
    /// Group `group`'s temperature sensor reads `offset_c` high.
    CellTempSensorOffset {
        /// Series group.
        group: usize,
        /// Offset, K.
        offset_c: f64,
    },
    /// Group `group`'s temperature sensor is open (reads nothing plausible).
    CellTempSensorOpen {
        /// Series group.
        group: usize,
    },
    /// The pack current sensor reads `offset_a` high.
    CurrentSensorOffset {
        /// Offset, A.
        offset_a: f64,
    },
    /// Group `group` heats up by `delta_c` at once (a real hot spot).
    CellHeat {
        /// Series group.
        group: usize,
        /// Temperature rise, K.
        delta_c: f64,
    },
    /// The HV system's isolation resistance drops to `ohm`.
    IsolationResistance {
        /// Isolation resistance, Ω.
        ohm: f64,
    },
    /// The main contactors weld shut.
    WeldedContactors,
    /// A resistance of `resistance_ohm` across group `group` (a soft internal
    /// short): the group discharges through it at its voltage over the
    /// resistance, and the energy heats the group.
    InternalShort {
        /// Series group.
        group: usize,
        /// Short resistance, Ω.
        resistance_ohm: f64,
    },
    /// Group `group`'s capacity is multiplied by `factor` (0 < factor ≤ 1); its
    /// SOC stays (the charge it holds shrinks with it).
    CapacityFade {
        /// Series group.
        group: usize,
        /// Remaining fraction of the capacity.
        factor: f64,
    },
    /// Group `group`'s resistances (R0 and both RC branches) are multiplied
    /// by `factor` (≥ 1).
    ResistanceRise {
        /// Series group.
        group: usize,
        /// Resistance factor.
        factor: f64,
    },
    /// A sensor is frozen: the BMS reads the value it held when the fault
    /// started.
    StuckSensor {
        /// Which sensor.
        sensor: SensorKind,
    },
    /// The coolant pump stops: no flow, so the groups exchange no heat with
    /// the coolant loop (heater, chiller and radiator no longer reach the
    /// cells) and the pump draws nothing.
    CoolantPumpFailure,
    /// The coolant heater gives no heat (and draws nothing).
    HeaterFailure,
}

/// Why an injection was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InjectionError {
    /// A group beyond the pack.
    #[error("group {group} does not exist (the pack has {groups})")]
    NoGroup {
        /// The group asked for.
        group: usize,
        /// Groups in the pack.
        groups: usize,
    },
    /// A quantity outside what the fault can take.
    #[error("{what} = {value} is out of range ({why})")]
    OutOfRange {
        /// The quantity.
        what: &'static str,
        /// Its value.
        value: f64,
        /// The rule.
        why: &'static str,
    },
}

/// Faults in force.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Injected {
    pub(super) cell_v_offset: Vec<(usize, f64)>,
    pub(super) cell_t_offset: Vec<(usize, f64)>,
    pub(super) cell_t_open: Vec<usize>,
    pub(super) current_offset_a: f64,
    pub(super) isolation_ohm: Option<f64>,
    pub(super) welded: bool,
    /// Internal shorts: (group, Ω).
    pub(super) shorts: Vec<(usize, f64)>,
    /// Frozen voltage readings: (group, V).
    pub(super) stuck_v: Vec<(usize, f64)>,
    /// Frozen temperature readings: (group, °C).
    pub(super) stuck_t: Vec<(usize, f64)>,
    /// A frozen current reading, A.
    pub(super) stuck_current_a: Option<f64>,
    pub(super) pump_failed: bool,
    pub(super) heater_failed: bool,
}

impl Injected {
    /// Applies the sensor faults to the readings `v` and `t` (per group).
    pub(super) fn apply_to_readings(&self, v: &mut [f64], t: &mut [f64]) {
        for &(g, dv) in &self.cell_v_offset {
            v[g] += dv;
        }
        for &(g, dt) in &self.cell_t_offset {
            t[g] += dt;
        }
        for &g in &self.cell_t_open {
            t[g] = f64::NAN;
        }
        for &(g, held) in &self.stuck_v {
            v[g] = held;
        }
        for &(g, held) in &self.stuck_t {
            t[g] = held;
        }
    }
}

fn remove_first<T: PartialEq>(list: &mut Vec<T>, item: &T) {
    if let Some(i) = list.iter().position(|x| x == item) {
        list.remove(i);
    }
}

impl Twin {
    fn check_injection(&self, injection: &Injection) -> Result<(), InjectionError> {
        let groups = self.pack.groups();
        let group = match *injection {
            Injection::CellVoltageSensorOffset { group, .. }
            | Injection::CellTempSensorOffset { group, .. }
            | Injection::CellTempSensorOpen { group }
            | Injection::CellHeat { group, .. }
            | Injection::InternalShort { group, .. }
            | Injection::CapacityFade { group, .. }
            | Injection::ResistanceRise { group, .. }
            | Injection::StuckSensor {
                sensor: SensorKind::CellVoltage { group } | SensorKind::CellTemp { group },
            } => Some(group),
            _ => None,
        };
        if let Some(group) = group
            && group >= groups
        {
            return Err(InjectionError::NoGroup { group, groups });
        }
        let bad = |what, value, why| Err(InjectionError::OutOfRange { what, value, why });
        match *injection {
            Injection::InternalShort { resistance_ohm, .. }
                if !(resistance_ohm.is_finite() && resistance_ohm > 0.0) =>
            {
                bad("resistance_ohm", resistance_ohm, "must be positive")
            }
            Injection::CapacityFade { factor, .. } if !(factor > 0.0 && factor <= 1.0) => {
                bad("capacity factor", factor, "above 0, at most 1")
            }
            Injection::ResistanceRise { factor, .. } if !(factor.is_finite() && factor >= 1.0) => {
                bad("resistance factor", factor, "at least 1")
            }
            _ => Ok(()),
        }
    }

    /// Puts a fault into the plant or a sensor. It stays until
    /// [`Twin::clear`] (or [`Twin::clear_injections`] for sensor faults).
    pub fn inject(&mut self, injection: Injection) -> Result<(), InjectionError> {
        self.check_injection(&injection)?;
        let inj = &mut self.injected;
        match injection {
            Injection::CellVoltageSensorOffset { group, offset_v } => {
                inj.cell_v_offset.push((group, offset_v));
            }
            Injection::CellTempSensorOffset { group, offset_c } => {
                inj.cell_t_offset.push((group, offset_c));
            }
            Injection::CellTempSensorOpen { group } => inj.cell_t_open.push(group),
            Injection::CurrentSensorOffset { offset_a } => inj.current_offset_a += offset_a,
            Injection::CellHeat { group, delta_c } => self.pack.heat_group(group, delta_c),
            Injection::IsolationResistance { ohm } => inj.isolation_ohm = Some(ohm),
            Injection::WeldedContactors => inj.welded = true,
            Injection::InternalShort {
                group,
                resistance_ohm,
            } => inj.shorts.push((group, resistance_ohm)),
            Injection::CapacityFade { group, factor } => self.pack.scale_capacity(group, factor),
            Injection::ResistanceRise { group, factor } => {
                self.pack.scale_resistance(group, factor);
            }
            Injection::StuckSensor { sensor } => match sensor {
                SensorKind::CellVoltage { group } => {
                    let held = self.sensor_buf.0.get(group).copied();
                    let held = held.unwrap_or_else(|| self.pack.group_voltage_v(group));
                    self.injected.stuck_v.push((group, held));
                }
                SensorKind::CellTemp { group } => {
                    let held = self.sensor_buf.1.get(group).copied();
                    let held = held.unwrap_or_else(|| self.pack.group_temp_c(group));
                    self.injected.stuck_t.push((group, held));
                }
                SensorKind::Current => {
                    // The reading before the offset the BMS adds.
                    let held = self.sensed_current_a - inj.current_offset_a;
                    self.injected.stuck_current_a = Some(held);
                }
            },
            Injection::CoolantPumpFailure => {
                inj.pump_failed = true;
                self.pack.set_coolant_flow(false);
                self.apply_thermal_faults();
            }
            Injection::HeaterFailure => {
                inj.heater_failed = true;
                self.apply_thermal_faults();
            }
        }
        Ok(())
    }

    /// Ends a fault started with [`Twin::inject`] (the same value): a sensor
    /// reads true again, a short opens, a faded group gets its capacity back,
    /// the pump and heater work again. What is done stays done: heat already
    /// put in, charge already lost, welded contactors.
    pub fn clear(&mut self, injection: Injection) {
        if self.check_injection(&injection).is_err() {
            return;
        }
        let inj = &mut self.injected;
        match injection {
            Injection::CellVoltageSensorOffset { group, offset_v } => {
                remove_first(&mut inj.cell_v_offset, &(group, offset_v));
            }
            Injection::CellTempSensorOffset { group, offset_c } => {
                remove_first(&mut inj.cell_t_offset, &(group, offset_c));
            }
            Injection::CellTempSensorOpen { group } => remove_first(&mut inj.cell_t_open, &group),
            Injection::CurrentSensorOffset { offset_a } => inj.current_offset_a -= offset_a,
            Injection::CellHeat { .. } | Injection::WeldedContactors => {}
            Injection::IsolationResistance { .. } => inj.isolation_ohm = None,
            Injection::InternalShort {
                group,
                resistance_ohm,
            } => remove_first(&mut inj.shorts, &(group, resistance_ohm)),
            Injection::CapacityFade { group, factor } => {
                self.pack.scale_capacity(group, 1.0 / factor);
            }
            Injection::ResistanceRise { group, factor } => {
                self.pack.scale_resistance(group, 1.0 / factor);
            }
            Injection::StuckSensor { sensor } => match sensor {
                SensorKind::CellVoltage { group } => inj.stuck_v.retain(|&(g, _)| g != group),
                SensorKind::CellTemp { group } => inj.stuck_t.retain(|&(g, _)| g != group),
                SensorKind::Current => inj.stuck_current_a = None,
            },
            Injection::CoolantPumpFailure => {
                inj.pump_failed = false;
                self.pack.set_coolant_flow(true);
            }
            Injection::HeaterFailure => inj.heater_failed = false,
        }
    }

    /// Removes every sensor and isolation fault (a weld and heat already done
    /// stay; plant faults — shorts, fade, resistance, pump, heater — stay
    /// until [`Twin::clear`]).
    pub fn clear_injections(&mut self) {
        let old = std::mem::take(&mut self.injected);
        self.injected = Injected {
            welded: old.welded,
            shorts: old.shorts,
            pump_failed: old.pump_failed,
            heater_failed: old.heater_failed,
            ..Injected::default()
        };
    }

    /// What the BMS read at its last tick: each group's voltage (V) and
    /// temperature (°C) and the pack current (A), with any sensor faults.
    #[must_use]
    pub fn bms_readings(&self) -> (&[f64], &[f64], f64) {
        (
            &self.sensor_buf.0,
            &self.sensor_buf.1,
            self.sensed_current_a,
        )
    }

    /// Runs the internal shorts over a controller tick of `tick_s`: each
    /// group discharges through its short at its voltage, the energy heats it.
    pub(super) fn run_shorts(&mut self, tick_s: f64) {
        for k in 0..self.injected.shorts.len() {
            let (g, r) = self.injected.shorts[k];
            let v = self.pack.group_voltage_v(g);
            let e = self.pack.short_discharge(g, v / r * tick_s);
            self.ledger.chemical_j += e;
            self.ledger.internal_short_j += e;
        }
    }
}
