//! `[pack.bms]` and the control half of `[pack.thermal]`: settings with
//! documented defaults (a scenario or preset overrides any of them).

use evtwin_sim::bms::{BmsSpec, FaultSpec};
use evtwin_sim::thermal::ThermalControlSpec;

use crate::build::{Docs, Rule, Section};
use crate::raw::{RawBms, RawThermal};
use crate::source::FileError;

/// The BMS's settings. The tick defaults to 100 ms, or to the step where the step
/// is longer.
pub(crate) fn bms(d: &Docs, b: &RawBms, step_ms: f64) -> Result<BmsSpec, FileError> {
    use Rule::{Between, NonNegative, Positive};
    let s = Section::Bms;
    let num =
        |key: &str, v: Option<f64>, default: f64, rule| d.num(s, key, v.or(Some(default)), rule);
    let ms = |key: &str, v: Option<f64>, default_ms: f64| {
        Ok::<f64, FileError>(num(key, v, default_ms, Between(1.0, 60_000.0))? / 1000.0)
    };
    Ok(BmsSpec {
        tick_s: ms("tick_ms", b.tick_ms, step_ms.max(100.0))?,
        plating_margin: num("plating_margin", b.plating_margin, 0.9, Between(0.1, 2.0))?,
        temp_derate_band_k: num("temp_derate_band_k", b.temp_derate_band_k, 5.0, NonNegative)?,
        low_soc_derate: num(
            "low_soc_derate_pct",
            b.low_soc_derate_pct,
            10.0,
            Between(0.0, 100.0),
        )? / 100.0,
        low_soc_dcl_share: num(
            "low_soc_dcl_share",
            b.low_soc_dcl_share,
            0.3,
            Between(0.0, 1.0),
        )?,
        current_sensor_gain_error: num(
            "current_sensor_gain_error_pct",
            b.current_sensor_gain_error_pct,
            0.2,
            Between(-10.0, 10.0),
        )? / 100.0,
        current_sensor_offset_a: num(
            "current_sensor_offset_a",
            b.current_sensor_offset_a,
            0.1,
            Between(-100.0, 100.0),
        )?,
        rest_current_a: num("rest_current_a", b.rest_current_a, 1.0, Positive)?,
        rest_time_s: num("rest_time_min", b.rest_time_min, 30.0, Positive)? * 60.0,
        balance_threshold_v: num(
            "balance_threshold_mv",
            b.balance_threshold_mv,
            10.0,
            Positive,
        )? / 1000.0,
        balance_current_a: num("balance_current_a", b.balance_current_a, 0.15, NonNegative)?,
        precharge_s: ms("precharge_ms", b.precharge_ms, 500.0)?,
        open_delay_s: ms("open_delay_ms", b.open_delay_ms, 100.0)?,
        faults: FaultSpec {
            over_voltage_margin_v: num(
                "over_voltage_margin_v",
                b.over_voltage_margin_v,
                0.05,
                NonNegative,
            )?,
            under_voltage_margin_v: num(
                "under_voltage_margin_v",
                b.under_voltage_margin_v,
                0.5,
                NonNegative,
            )?,
            over_temp_margin_k: num(
                "over_temp_margin_k",
                b.over_temp_margin_k,
                0.0,
                Between(-50.0, 50.0),
            )?,
            under_temp_margin_k: num(
                "under_temp_margin_k",
                b.under_temp_margin_k,
                0.0,
                Between(-50.0, 50.0),
            )?,
            over_current_factor: num(
                "over_current_factor",
                b.over_current_factor,
                1.5,
                Between(1.0, 10.0),
            )?,
            isolation_min_ohm_per_v: num(
                "isolation_min_ohm_per_v",
                b.isolation_min_ohm_per_v,
                100.0,
                Positive,
            )?,
            sensor_range_c: (-45.0, 150.0),
            voltage_debounce_s: ms("voltage_debounce_ms", b.voltage_debounce_ms, 1000.0)?,
            temperature_debounce_s: ms(
                "temperature_debounce_ms",
                b.temperature_debounce_ms,
                2000.0,
            )?,
            current_debounce_s: ms("current_debounce_ms", b.current_debounce_ms, 200.0)?,
            isolation_debounce_s: ms("isolation_debounce_ms", b.isolation_debounce_ms, 1000.0)?,
        },
    })
}

/// The pack thermal system's actuators and controller.
pub(crate) fn thermal(d: &Docs, t: &RawThermal) -> Result<ThermalControlSpec, FileError> {
    use Rule::{Between, NonNegative, Positive};
    let s = Section::Thermal;
    let num =
        |key: &str, v: Option<f64>, default: f64, rule| d.num(s, key, v.or(Some(default)), rule);
    let spec = ThermalControlSpec {
        heater_max_w: num("heater_max_kw", t.heater_max_kw, 6.0, NonNegative)? * 1000.0,
        chiller_max_w: num("chiller_max_kw", t.chiller_max_kw, 8.0, NonNegative)? * 1000.0,
        chiller_cop: num("chiller_cop", t.chiller_cop, 2.5, Positive)?,
        pump_w: num("pump_w", t.pump_w, 100.0, NonNegative)?,
        heat_below_c: num("heat_below_c", t.heat_below_c, 10.0, Between(-60.0, 120.0))?,
        cool_above_c: num("cool_above_c", t.cool_above_c, 40.0, Between(-60.0, 120.0))?,
        precondition_lead_s: num(
            "precondition_lead_min",
            t.precondition_lead_min,
            25.0,
            NonNegative,
        )? * 60.0,
        gain_w_per_k: num("gain_w_per_k", t.gain_w_per_k, 2000.0, Positive)?,
    };
    if spec.cool_above_c <= spec.heat_below_c {
        let msg = "cool_above_c must be above heat_below_c".to_owned();
        return Err(d.error(s, "cool_above_c", msg));
    }
    Ok(spec)
}
