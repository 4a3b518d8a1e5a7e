//! The pack's thermal management: pump, coolant heater, chiller and radiator,
//! commanded by a controller that keeps the pack inside its chemistry's window
//! while the car is on and brings it to the best charging temperature before and
//! during a planned charge stop (preconditioning).

use crate::chemistry::TemperatureLimits;
use crate::pack::CoolantInput;

/// Hardware and settings of the thermal system.
#[derive(Debug, Clone, PartialEq)]
pub struct ThermalControlSpec {
    /// Largest heat the coolant heater delivers (resistive: equal electric power), W.
    pub heater_max_w: f64,
    /// Largest heat the chiller removes, W.
    pub chiller_max_w: f64,
    /// Heat removed per electric watt of the chiller.
    pub chiller_cop: f64,
    /// Coolant pump power while the loop is active, W.
    pub pump_w: f64,
    /// Keep the pack above this while the car is on, °C (or above the chemistry's
    /// discharge minimum + 5 K, whichever is higher).
    pub heat_below_c: f64,
    /// Keep the pack below this while the car is on, °C (or below the chemistry's
    /// maximum − 5 K, whichever is lower).
    pub cool_above_c: f64,
    /// Heat or cool this far ahead of a planned charge stop, s.
    pub precondition_lead_s: f64,
    /// Heater and chiller power per kelvin of error, W/K.
    pub gain_w_per_k: f64,
}

/// What the thermal system is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ThermalMode {
    /// Loop idle.
    #[default]
    Off,
    /// Warming the pack into its window.
    Heating,
    /// Cooling the pack into its window.
    Cooling,
    /// Bringing the pack to its best charging temperature.
    Preconditioning,
}

impl ThermalMode {
    /// Number for signals: 0 off, 1 heating, 2 cooling, 3 preconditioning.
    #[must_use]
    pub fn code(self) -> f64 {
        match self {
            Self::Off => 0.0,
            Self::Heating => 1.0,
            Self::Cooling => 2.0,
            Self::Preconditioning => 3.0,
        }
    }
}

/// The situation the controller decides on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThermalSituation {
    /// The car is on (driving, idling or charging).
    pub car_on: bool,
    /// Charging now.
    pub charging: bool,
    /// Aim for the best charging temperature (a planned stop is near, or this is one).
    pub precondition: bool,
    /// Coldest, mean and hottest group, °C.
    pub pack_min_c: f64,
    /// Mean group temperature, °C.
    pub pack_mean_c: f64,
    /// Hottest group, °C.
    pub pack_max_c: f64,
    /// Coolant temperature, °C.
    pub coolant_c: f64,
    /// Ambient air, °C.
    pub ambient_c: f64,
}

/// The controller's output for the next thermal step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ThermalCommand {
    /// What the coolant receives.
    pub coolant: CoolantInput,
    /// Heater, chiller and pump electric power, W.
    pub electric_w: f64,
    /// Mode.
    pub mode: ThermalMode,
}

/// The controller, with its hysteresis state.
#[derive(Debug, Clone, PartialEq)]
pub struct ThermalController {
    spec: ThermalControlSpec,
    limits: TemperatureLimits,
    mode: ThermalMode,
}

/// Heating or cooling stops this far past the threshold, K.
const HYSTERESIS_K: f64 = 3.0;
/// Preconditioning holds the target within ± this, K.
const PRECONDITION_BAND_K: f64 = 1.0;

impl ThermalController {
    /// A controller for a pack whose cells have `limits`.
    #[must_use]
    pub fn new(spec: ThermalControlSpec, limits: TemperatureLimits) -> Self {
        Self {
            spec,
            limits,
            mode: ThermalMode::Off,
        }
    }

    /// Settings.
    #[must_use]
    pub fn spec(&self) -> &ThermalControlSpec {
        &self.spec
    }

    /// The window kept while the car is on, °C.
    #[must_use]
    pub fn window_c(&self, charging: bool) -> (f64, f64) {
        let l = &self.limits;
        let low = self.spec.heat_below_c.max(l.discharge_min_c + 5.0);
        let max = if charging {
            l.charge_max_c
        } else {
            l.discharge_max_c
        };
        let high = self.spec.cool_above_c.min(max - 5.0);
        (low, high.max(low + 2.0 * HYSTERESIS_K))
    }

    /// Decides heater, chiller and radiator for the next thermal step.
    pub fn command(&mut self, s: &ThermalSituation) -> ThermalCommand {
        if !s.car_on {
            self.mode = ThermalMode::Off;
            return ThermalCommand {
                coolant: CoolantInput {
                    ambient_c: s.ambient_c,
                    ..CoolantInput::default()
                },
                ..ThermalCommand::default()
            };
        }
        let (low, high) = self.window_c(s.charging);
        let target = if s.precondition {
            // For charging, the charge window bounds the target, not the (cooler)
            // driving window.
            self.mode = ThermalMode::Preconditioning;
            let t = self
                .limits
                .charge_optimum_c
                .clamp(low, self.limits.charge_max_c - 5.0);
            if (s.pack_mean_c - t).abs() <= PRECONDITION_BAND_K {
                None
            } else {
                Some(t)
            }
        } else {
            self.mode = match self.mode {
                ThermalMode::Heating if s.pack_mean_c < low + HYSTERESIS_K => ThermalMode::Heating,
                ThermalMode::Cooling if s.pack_mean_c > high - HYSTERESIS_K => ThermalMode::Cooling,
                _ if s.pack_min_c < low => ThermalMode::Heating,
                _ if s.pack_max_c > high => ThermalMode::Cooling,
                _ => ThermalMode::Off,
            };
            match self.mode {
                ThermalMode::Heating => Some(low + HYSTERESIS_K),
                ThermalMode::Cooling => Some(high - HYSTERESIS_K),
                _ => None,
            }
        };
        let sp = &self.spec;
        let Some(target) = target else {
            return ThermalCommand {
                coolant: CoolantInput {
                    ambient_c: s.ambient_c,
                    ..CoolantInput::default()
                },
                electric_w: 0.0,
                mode: self.mode,
            };
        };
        let error = target - s.pack_mean_c;
        let heater_w = (sp.gain_w_per_k * error).clamp(0.0, sp.heater_max_w);
        let chiller_w = (-sp.gain_w_per_k * error).clamp(0.0, sp.chiller_max_w);
        // Cooling opens the radiator when the air can take the heat for free.
        let radiator_open = chiller_w > 0.0 && s.ambient_c < s.coolant_c;
        ThermalCommand {
            coolant: CoolantInput {
                heater_w,
                chiller_w,
                radiator_open,
                ambient_c: s.ambient_c,
            },
            electric_w: heater_w + chiller_w / sp.chiller_cop + sp.pump_w,
            mode: self.mode,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn controller() -> ThermalController {
        ThermalController::new(
            ThermalControlSpec {
                heater_max_w: 6000.0,
                chiller_max_w: 8000.0,
                chiller_cop: 2.5,
                pump_w: 100.0,
                heat_below_c: 10.0,
                cool_above_c: 40.0,
                precondition_lead_s: 1200.0,
                gain_w_per_k: 1000.0,
            },
            TemperatureLimits {
                charge_min_c: 0.0,
                charge_max_c: 55.0,
                discharge_min_c: -20.0,
                discharge_max_c: 60.0,
                charge_optimum_c: 30.0,
            },
        )
    }

    fn situation(mean: f64) -> ThermalSituation {
        ThermalSituation {
            car_on: true,
            charging: false,
            precondition: false,
            pack_min_c: mean - 1.0,
            pack_mean_c: mean,
            pack_max_c: mean + 1.0,
            coolant_c: mean,
            ambient_c: 0.0,
        }
    }

    #[test]
    fn heats_a_cold_pack_with_hysteresis() {
        let mut c = controller();
        let cmd = c.command(&situation(0.0));
        assert_eq!(cmd.mode, ThermalMode::Heating);
        assert_eq!(cmd.coolant.heater_w, 6000.0);
        assert_eq!(cmd.electric_w, 6100.0);
        // Still heating just above the threshold, off past the hysteresis.
        assert_eq!(c.command(&situation(11.5)).mode, ThermalMode::Heating);
        assert_eq!(c.command(&situation(13.5)).mode, ThermalMode::Off);
        assert_eq!(c.command(&situation(11.5)).mode, ThermalMode::Off);
    }

    #[test]
    fn cools_a_hot_pack_through_the_radiator_and_chiller() {
        let mut c = controller();
        let cmd = c.command(&situation(45.0));
        assert_eq!(cmd.mode, ThermalMode::Cooling);
        assert!(cmd.coolant.radiator_open);
        assert_eq!(cmd.coolant.chiller_w, 8000.0);
        assert_eq!(cmd.electric_w, 8000.0 / 2.5 + 100.0);
    }

    #[test]
    fn preconditions_toward_the_best_charging_temperature() {
        let mut c = controller();
        let cmd = c.command(&ThermalSituation {
            precondition: true,
            ..situation(20.0)
        });
        assert_eq!(cmd.mode, ThermalMode::Preconditioning);
        assert_eq!(cmd.coolant.heater_w, 6000.0);
        let held = c.command(&ThermalSituation {
            precondition: true,
            ..situation(30.5)
        });
        assert_eq!(held.electric_w, 0.0);
        let parked = c.command(&ThermalSituation {
            car_on: false,
            ..situation(-10.0)
        });
        assert_eq!((parked.mode, parked.electric_w), (ThermalMode::Off, 0.0));
    }

    #[test]
    fn a_warm_chemistry_raises_the_window() {
        let mut c = controller();
        c.limits.discharge_min_c = 40.0;
        assert_eq!(c.window_c(false).0, 45.0);
        assert_eq!(c.command(&situation(30.0)).mode, ThermalMode::Heating);
    }
}
