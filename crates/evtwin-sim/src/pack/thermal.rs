//! Heat in the pack: each series group is a lumped thermal mass that exchanges
//! heat with the coolant plate and with its neighbours in the series chain; the
//! coolant (with plates and housing) exchanges heat with ambient air through the
//! enclosure always and through the radiator when it is open, and takes the
//! heater's and chiller's power.
//!
//! The cells' own heat is accumulated every electrical step and applied here on
//! the thermal tick (explicit Euler; thermal time constants are minutes, the tick
//! a fraction of a second).

use super::Pack;
use super::solve::{max4, sum4};

/// Thermal parameters of the pack.
#[derive(Debug, Clone, PartialEq)]
pub struct PackThermalSpec {
    /// Conductance from each series group to the coolant plate, W/K.
    pub group_to_coolant_w_per_k: f64,
    /// Conductance between neighbouring series groups, W/K.
    pub neighbour_w_per_k: f64,
    /// Heat capacity of coolant, plates and housing, J/K.
    pub coolant_heat_capacity_j_per_k: f64,
    /// Conductance from the coolant/housing node to ambient through the
    /// enclosure, always, W/K.
    pub enclosure_w_per_k: f64,
    /// Additional conductance to ambient while the radiator is open, W/K.
    pub radiator_w_per_k: f64,
}

/// What the thermal system does to the coolant over a thermal step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CoolantInput {
    /// Heat the heater puts into the coolant, W.
    pub heater_w: f64,
    /// Heat the chiller takes out of the coolant, W.
    pub chiller_w: f64,
    /// Whether the radiator loop is open.
    pub radiator_open: bool,
    /// Ambient air temperature, °C.
    pub ambient_c: f64,
}

/// Heat flows of the last thermal step, W (positive out of the pack).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ThermalFlows {
    /// From the groups into the coolant.
    pub groups_to_coolant_w: f64,
    /// From the coolant to ambient (enclosure and radiator).
    pub coolant_to_ambient_w: f64,
}

impl Pack {
    /// Advances temperatures by `dt_s` (the heat of the electrical steps since the
    /// last call is applied here).
    pub fn thermal_step(&mut self, dt_s: f64, input: &CoolantInput) -> ThermalFlows {
        let n = self.groups();
        let th = &self.spec.thermal;
        let t_cool = self.coolant_c;
        let g_cool = th.group_to_coolant_w_per_k * dt_s * self.coolant_flow;
        let g_nb = th.neighbour_w_per_k * dt_s;
        let (temp, heat, inv_heat) = (
            &mut self.temp_c[..n],
            &mut self.heat_acc_j[..n],
            &self.inv_heat_cap[..n],
        );
        let prev = &mut self.scratch_temp;
        prev.clear();
        prev.extend_from_slice(temp);
        let prev = &prev[..n];
        for g in 0..n {
            let t0 = prev[g];
            let left = if g > 0 { prev[g - 1] } else { t0 };
            let right = if g + 1 < n { prev[g + 1] } else { t0 };
            let conduction = g_nb * (left + right - 2.0 * t0);
            temp[g] = t0 + (heat[g] + conduction - g_cool * (t0 - t_cool)) * inv_heat[g];
            heat[g] = 0.0;
        }
        let to_coolant_j = g_cool * (sum4(prev) - n as f64 * t_cool);
        let ua = th.enclosure_w_per_k
            + if input.radiator_open {
                th.radiator_w_per_k
            } else {
                0.0
            };
        let to_ambient_j = ua * (t_cool - input.ambient_c) * dt_s;
        let net = to_coolant_j - to_ambient_j + (input.heater_w - input.chiller_w) * dt_s;
        self.coolant_c += net / th.coolant_heat_capacity_j_per_k;
        self.temp_sum_c = sum4(&self.temp_c);
        self.temp_max_c = max4(&self.temp_c);
        self.refresh_warmed();
        ThermalFlows {
            groups_to_coolant_w: to_coolant_j / dt_s,
            coolant_to_ambient_w: to_ambient_j / dt_s,
        }
    }

    /// Raises group `g`'s temperature by `delta_c` at once (an injected hot spot).
    pub fn heat_group(&mut self, g: usize, delta_c: f64) {
        self.temp_c[g] += delta_c;
        self.temp_sum_c = sum4(&self.temp_c);
        self.temp_max_c = max4(&self.temp_c);
        self.refresh_warmed();
    }

    /// Hottest group temperature after the last thermal step, °C.
    #[must_use]
    pub fn temp_max_c(&self) -> f64 {
        self.temp_max_c
    }
}
