//! File structures exactly as written on disk (serde, `deny_unknown_fields`).
//! Validation turns them into simulation settings (see `build`).
//!
//! Every field is documented for users in `scenarios/README.md`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: RawMeta,
    pub vehicle: RawVehicleRef,
    #[serde(default)]
    pub pack: RawPack,
    #[serde(default)]
    pub environment: RawEnvironment,
    #[serde(default)]
    pub driver: RawDriver,
    #[serde(default)]
    pub trace: RawTrace,
    #[serde(default)]
    pub route: Vec<RawLeg>,
    #[serde(default)]
    pub stations: BTreeMap<String, RawStation>,
    pub bus: Option<RawBus>,
    #[serde(default)]
    pub fault: Vec<crate::raw_fault::RawFault>,
    #[serde(default)]
    pub expect: Vec<crate::raw_expect::RawExpect>,
}

/// `[bus]`: the CAN network `evtwin bridge` plays (absent: the shipped network on
/// the in-process bus).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBus {
    pub interface: Option<String>,
    pub dbc: Option<String>,
    pub mapping: Option<String>,
    #[serde(default)]
    pub real: Vec<String>,
    pub speed: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: String,
    pub description: Option<String>,
    pub seed: Option<u64>,
    pub step_ms: Option<f64>,
    pub parameter_refresh_ms: Option<f64>,
    /// The scenario passes when at least one of its expectations fails.
    #[serde(default)]
    pub should_fail: bool,
}

/// `[vehicle]`: a preset plus overrides of any of its sections.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVehicleRef {
    pub preset: String,
    pub name: Option<String>,
    pub body: Option<RawBody>,
    pub powertrain: Option<RawPowertrain>,
    pub aux: Option<RawAux>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnvironment {
    pub ambient_c: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDriver {
    pub max_accel_mps2: Option<f64>,
    pub max_decel_mps2: Option<f64>,
    pub comfort_accel_mps2: Option<f64>,
    pub comfort_decel_mps2: Option<f64>,
    pub max_jerk_mps3: Option<f64>,
    pub speed_gain_per_s: Option<f64>,
    pub trace_tolerance_kph: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrace {
    pub every_s: Option<f64>,
    pub signals: Option<Vec<String>>,
}

/// One `[[route]]` entry: exactly one of the leg kinds, plus an optional ambient.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLeg {
    pub cruise: Option<RawCruise>,
    pub cycle: Option<RawCycle>,
    pub idle: Option<RawDuration>,
    pub park: Option<RawDuration>,
    pub charge: Option<RawCharge>,
    pub ambient_c: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCruise {
    pub distance_km: f64,
    pub speed_kph: f64,
    #[serde(default)]
    pub grade_pct: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCycle {
    pub file: String,
    pub repeat: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDuration {
    pub duration_s: Option<f64>,
    pub duration_min: Option<f64>,
    pub duration_h: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCharge {
    pub station: String,
    pub until_soc_pct: Option<f64>,
    pub max_duration_min: Option<f64>,
    pub precondition: Option<bool>,
    pub protocol: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStation {
    pub max_power_kw: f64,
    pub max_voltage_v: f64,
    pub max_current_a: f64,
    pub min_voltage_v: Option<f64>,
    pub efficiency: Option<f64>,
    pub ramp_a_per_s: Option<f64>,
    pub plug_in_s: Option<f64>,
    pub handshake_s: Option<f64>,
    pub insulation_test_s: Option<f64>,
    pub precharge_s: Option<f64>,
    pub unplug_s: Option<f64>,
}

/// A vehicle preset file (`assets/vehicles/*.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVehicleFile {
    pub name: Option<String>,
    pub body: Option<RawBody>,
    pub powertrain: Option<RawPowertrain>,
    pub aux: Option<RawAux>,
    pub pack: Option<RawPack>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBody {
    pub test_mass_kg: Option<f64>,
    pub mass_without_pack_kg: Option<f64>,
    pub drag_coefficient: Option<f64>,
    pub frontal_area_m2: Option<f64>,
    pub rolling_resistance: Option<f64>,
    pub wheel_radius_m: Option<f64>,
    pub wheel_inertia_kg_m2: Option<f64>,
    pub wheel_count: Option<u32>,
    pub coastdown_a_n: Option<f64>,
    pub coastdown_b_n_per_kph: Option<f64>,
    pub coastdown_c_n_per_kph2: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPowertrain {
    pub transmission_efficiency: Option<f64>,
    pub motor_peak_power_kw: Option<f64>,
    pub motor_peak_torque_nm: Option<f64>,
    pub gear_ratio: Option<f64>,
    pub motor_efficiency_load: Option<Vec<f64>>,
    pub motor_efficiency: Option<Vec<f64>>,
    pub regen_max_fraction: Option<f64>,
    pub regen_fade_a: Option<f64>,
    pub regen_fade_b_per_mph: Option<f64>,
    pub max_speed_kph: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAux {
    pub base_w: Option<f64>,
    pub cabin_setpoint_c: Option<f64>,
    pub deadband_k: Option<f64>,
    pub cabin_ua_w_per_k: Option<f64>,
    pub heating_cop_ambient_c: Option<Vec<f64>>,
    pub heating_cop: Option<Vec<f64>>,
    pub cooling_cop: Option<f64>,
    pub hvac_max_kw: Option<f64>,
}

/// `[pack]` in a preset, overridden field by field by `[pack]` in a scenario.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPack {
    pub chemistry: Option<String>,
    pub series: Option<u32>,
    pub parallel: Option<u32>,
    pub capacity_spread_pct: Option<f64>,
    pub resistance_spread_pct: Option<f64>,
    pub max_discharge_power_kw: Option<f64>,
    pub max_charge_power_kw: Option<f64>,
    pub stack_pressure_mpa: Option<f64>,
    pub cell_to_pack_mass_ratio: Option<f64>,
    pub cell_to_pack_volume_ratio: Option<f64>,
    pub soc_min_pct: Option<f64>,
    pub soc_max_pct: Option<f64>,
    pub initial_soc_pct: Option<f64>,
    pub initial_temp_c: Option<f64>,
    pub thermal: Option<RawThermal>,
    pub bms: Option<RawBms>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThermal {
    pub group_to_coolant_w_per_k: Option<f64>,
    pub neighbour_w_per_k: Option<f64>,
    pub coolant_heat_capacity_kj_per_k: Option<f64>,
    pub enclosure_w_per_k: Option<f64>,
    pub radiator_w_per_k: Option<f64>,
    pub heater_max_kw: Option<f64>,
    pub chiller_max_kw: Option<f64>,
    pub chiller_cop: Option<f64>,
    pub pump_w: Option<f64>,
    pub heat_below_c: Option<f64>,
    pub cool_above_c: Option<f64>,
    pub precondition_lead_min: Option<f64>,
    pub gain_w_per_k: Option<f64>,
}

/// `[pack.bms]`: every key has a default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBms {
    pub tick_ms: Option<f64>,
    pub plating_margin: Option<f64>,
    pub temp_derate_band_k: Option<f64>,
    pub low_soc_derate_pct: Option<f64>,
    pub low_soc_dcl_share: Option<f64>,
    pub current_sensor_gain_error_pct: Option<f64>,
    pub current_sensor_offset_a: Option<f64>,
    pub rest_current_a: Option<f64>,
    pub rest_time_min: Option<f64>,
    pub balance_threshold_mv: Option<f64>,
    pub balance_current_a: Option<f64>,
    pub precharge_ms: Option<f64>,
    pub open_delay_ms: Option<f64>,
    pub over_voltage_margin_v: Option<f64>,
    pub under_voltage_margin_v: Option<f64>,
    pub over_temp_margin_k: Option<f64>,
    pub under_temp_margin_k: Option<f64>,
    pub over_current_factor: Option<f64>,
    pub isolation_min_ohm_per_v: Option<f64>,
    pub voltage_debounce_ms: Option<f64>,
    pub temperature_debounce_ms: Option<f64>,
    pub current_debounce_ms: Option<f64>,
    pub isolation_debounce_ms: Option<f64>,
}

/// A cell definition file (`assets/cells/*.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCell {
    pub name: String,
    /// For people reading the file; accepted and not used.
    #[allow(dead_code)]
    pub description: Option<String>,
    pub capacity_ah: f64,
    pub voltage_max_v: f64,
    pub voltage_min_v: f64,
    pub max_charge_c: f64,
    pub max_discharge_c: f64,
    pub mass_kg: f64,
    pub volume_l: f64,
    pub specific_heat_j_per_kg_k: f64,
    pub table: String,
    pub resistance: Option<RawResistance>,
    pub capacity: Option<RawCapacity>,
    pub pressure: Option<RawPressure>,
    pub temperature: RawTemperature,
    pub anode: Option<RawAnode>,
}

/// `[anode]` of a cell: graphite (anode-potential rule) or lithium metal (CCD).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAnode {
    pub kind: String,
    pub resistance_fraction: Option<f64>,
    pub area_cm2: Option<f64>,
    pub ccd_ma_per_cm2: Option<f64>,
    pub ccd_reference_c: Option<f64>,
    pub ccd_activation_energy_ev: Option<f64>,
    pub ccd_pressure_exponent: Option<f64>,
}

/// `[resistance]` of a cell: Arrhenius from the table's temperature.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResistance {
    pub activation_energy_ev: f64,
    pub transition_c: Option<f64>,
    pub activation_energy_above_ev: Option<f64>,
}

/// `[capacity]` of a cell: available fraction over temperature.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapacity {
    pub temp_c: Vec<f64>,
    pub fraction: Vec<f64>,
}

/// `[pressure]` of a cell.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPressure {
    pub reference_mpa: f64,
    pub interface_fraction: f64,
}

/// `[temperature]` of a cell.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTemperature {
    pub charge_min_c: f64,
    pub charge_max_c: f64,
    pub discharge_min_c: f64,
    pub discharge_max_c: f64,
    pub charge_optimum_c: f64,
}

/// Field-by-field overlay: `base.merge(over)` keeps `base` where `over` is unset.
pub trait Merge {
    #[must_use]
    fn merge(self, over: Self) -> Self;
}

impl<T: Merge> Merge for Option<T> {
    fn merge(self, over: Self) -> Self {
        match (self, over) {
            (Some(a), Some(b)) => Some(a.merge(b)),
            (a, b) => b.or(a),
        }
    }
}

macro_rules! leaf_merge {
    ($($t:ty),*) => { $(impl Merge for $t { fn merge(self, over: Self) -> Self { over } })* };
}
leaf_merge!(f64, u32, String, Vec<f64>, bool);

macro_rules! struct_merge {
    ($t:ty { $($f:ident),* $(,)? }) => {
        impl Merge for $t {
            fn merge(self, over: Self) -> Self {
                Self { $($f: self.$f.merge(over.$f)),* }
            }
        }
    };
}
struct_merge!(RawBody {
    test_mass_kg,
    mass_without_pack_kg,
    drag_coefficient,
    frontal_area_m2,
    rolling_resistance,
    wheel_radius_m,
    wheel_inertia_kg_m2,
    wheel_count,
    coastdown_a_n,
    coastdown_b_n_per_kph,
    coastdown_c_n_per_kph2,
});
struct_merge!(RawPowertrain {
    transmission_efficiency,
    motor_peak_power_kw,
    motor_peak_torque_nm,
    gear_ratio,
    motor_efficiency_load,
    motor_efficiency,
    regen_max_fraction,
    regen_fade_a,
    regen_fade_b_per_mph,
    max_speed_kph,
});
struct_merge!(RawAux {
    base_w,
    cabin_setpoint_c,
    deadband_k,
    cabin_ua_w_per_k,
    heating_cop_ambient_c,
    heating_cop,
    cooling_cop,
    hvac_max_kw,
});
struct_merge!(RawPack {
    chemistry,
    series,
    parallel,
    capacity_spread_pct,
    resistance_spread_pct,
    max_discharge_power_kw,
    max_charge_power_kw,
    stack_pressure_mpa,
    cell_to_pack_mass_ratio,
    cell_to_pack_volume_ratio,
    soc_min_pct,
    soc_max_pct,
    initial_soc_pct,
    initial_temp_c,
    thermal,
    bms,
});
struct_merge!(RawThermal {
    group_to_coolant_w_per_k,
    neighbour_w_per_k,
    coolant_heat_capacity_kj_per_k,
    enclosure_w_per_k,
    radiator_w_per_k,
    heater_max_kw,
    chiller_max_kw,
    chiller_cop,
    pump_w,
    heat_below_c,
    cool_above_c,
    precondition_lead_min,
    gain_w_per_k,
});
struct_merge!(RawBms {
    tick_ms,
    plating_margin,
    temp_derate_band_k,
    low_soc_derate_pct,
    low_soc_dcl_share,
    current_sensor_gain_error_pct,
    current_sensor_offset_a,
    rest_current_a,
    rest_time_min,
    balance_threshold_mv,
    balance_current_a,
    precharge_ms,
    open_delay_ms,
    over_voltage_margin_v,
    under_voltage_margin_v,
    over_temp_margin_k,
    under_temp_margin_k,
    over_current_factor,
    isolation_min_ohm_per_v,
    voltage_debounce_ms,
    temperature_debounce_ms,
    current_debounce_ms,
    isolation_debounce_ms,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_overlays_field_by_field_and_recurses() {
        let base = RawPack {
            series: Some(96),
            parallel: Some(31),
            thermal: Some(RawThermal {
                group_to_coolant_w_per_k: Some(10.0),
                coolant_heat_capacity_kj_per_k: Some(40.0),
                ..RawThermal::default()
            }),
            ..RawPack::default()
        };
        let over = RawPack {
            parallel: Some(46),
            thermal: Some(RawThermal {
                radiator_w_per_k: Some(5.0),
                ..RawThermal::default()
            }),
            ..RawPack::default()
        };
        let m = base.merge(over);
        assert_eq!((m.series, m.parallel), (Some(96), Some(46)));
        let t = m.thermal.unwrap();
        assert_eq!(t.group_to_coolant_w_per_k, Some(10.0));
        assert_eq!(t.radiator_w_per_k, Some(5.0));
    }
}
