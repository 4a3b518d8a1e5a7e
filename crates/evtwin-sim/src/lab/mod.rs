//! A cell against lab data: drive one cell (or a group of parallel cells) with a
//! measured current profile ([`replay`]), and fit equivalent-circuit parameters
//! from HPPC pulse data ([`hppc`]).
//!
//! Time series here are sampled: row `k` holds the time `t_k`, the current that
//! flowed over `(t_(k−1), t_k]` (positive discharging) and the terminal voltage at
//! `t_k` — the convention of a lab log whose current is constant between samples.

pub mod hppc;
mod lsq;
mod pulse_fit;
mod series;

use crate::cell::CellSpec;
use crate::pack::{CoolantInput, Pack, PackError, PackInit, PackSpec, PackThermalSpec};
use crate::rng::Rng;
pub use series::{Series, SeriesError};

/// How to replay a profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplaySettings {
    /// State of charge at the first row, 0…1.
    pub soc: f64,
    /// Cell (and ambient) temperature at the first row, °C.
    pub temp_c: f64,
    /// Cells in parallel (the profile's current is the group's).
    pub parallel: usize,
    /// Integration step, s (the profile's times are followed to within half of it).
    pub step_s: f64,
    /// Conductance from each cell to the ambient at `temp_c`, W/K; `None`:
    /// isothermal (the cell stays at `temp_c`, as in a thermal chamber).
    pub cooling_w_per_k: Option<f64>,
}

/// One output row of a replay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayRow {
    /// Time, s.
    pub time_s: f64,
    /// Current over the interval ending here, A (positive discharging).
    pub current_a: f64,
    /// Terminal voltage, V.
    pub voltage_v: f64,
    /// State of charge, 0…1.
    pub soc: f64,
    /// Cell temperature, °C.
    pub temp_c: f64,
}

/// A one-group pack of `cell` for a replay.
fn pack_of(cell: &CellSpec, s: &ReplaySettings) -> Result<Pack, PackError> {
    let heat_cap = cell.mass_kg * cell.specific_heat_j_per_kg_k;
    let g = s.cooling_w_per_k.unwrap_or(0.0);
    // Explicit Euler: stable while g·dt < C (with margin).
    if g * s.step_s > 0.5 * heat_cap {
        return Err(PackError::OutOfRange {
            what: "cooling_w_per_k × step",
            value: g * s.step_s,
            why: "must stay below half the cell's heat capacity (shorten the step)",
        });
    }
    let spec = PackSpec {
        cell: cell.clone(),
        series: 1,
        parallel: s.parallel,
        capacity_spread_pct: 0.0,
        resistance_spread_pct: 0.0,
        max_discharge_power_w: f64::MAX,
        max_charge_power_w: f64::MAX,
        // The table's own pressure: no pressure correction.
        stack_pressure_mpa: cell.pressure.map_or(1.0, |p| p.reference_mpa),
        cell_to_pack_mass_ratio: 1.0,
        cell_to_pack_volume_ratio: 1.0,
        thermal: PackThermalSpec {
            group_to_coolant_w_per_k: g * s.parallel as f64,
            neighbour_w_per_k: 0.0,
            // The ambient: a node too large to warm.
            coolant_heat_capacity_j_per_k: 1e30,
            enclosure_w_per_k: 0.0,
            radiator_w_per_k: 0.0,
        },
    };
    let init = PackInit {
        soc: s.soc,
        temp_c: s.temp_c,
    };
    Pack::new(spec, init, &mut Rng::new(0), s.step_s, u32::MAX)
}

/// Drives `cell` with `profile` (times and currents) and returns its voltage, SOC
/// and temperature at every row. The model is the twin's own pack model (one
/// series group), without any limit: what the cell does is what the data says.
pub fn replay(
    cell: &CellSpec,
    profile: &Series,
    s: &ReplaySettings,
) -> Result<Vec<ReplayRow>, PackError> {
    if !(s.step_s > 0.0 && s.step_s.is_finite()) {
        return Err(PackError::OutOfRange {
            what: "step",
            value: s.step_s,
            why: "must be positive",
        });
    }
    let mut pack = pack_of(cell, s)?;
    let ambient = CoolantInput {
        ambient_c: s.temp_c,
        ..CoolantInput::default()
    };
    let (t, i) = (profile.time_s(), profile.current_a());
    let mut out = Vec::with_capacity(t.len());
    out.push(ReplayRow {
        time_s: t[0],
        current_a: i[0],
        voltage_v: pack.group_voltage_with_current_v(0, i[0]),
        soc: pack.group_soc(0),
        temp_c: pack.group_temp_c(0),
    });
    let mut steps: u64 = 0;
    for k in 1..t.len() {
        // Whole steps from the start, so that jitter in the times does not add up.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let target = ((t[k] - t[0]) / s.step_s).round().max(0.0) as u64;
        while steps < target {
            let op = pack.operating_point();
            pack.commit(&op, i[k]);
            if s.cooling_w_per_k.is_some() {
                pack.thermal_step(s.step_s, &ambient);
            }
            steps += 1;
        }
        out.push(ReplayRow {
            time_s: t[k],
            current_a: i[k],
            voltage_v: pack.group_voltage_with_current_v(0, i[k]),
            soc: pack.group_soc(0),
            temp_c: pack.group_temp_c(0),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
