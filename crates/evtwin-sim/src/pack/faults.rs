//! Injected plant faults of a group: an internal short's discharge and heat,
//! capacity fade, resistance rise, and the coolant pump's flow. None of this
//! runs in an unfaulted step.

use super::Pack;

impl Pack {
    /// Discharges group `g` by `charge_as` (A·s) through an internal short: the
    /// charge leaves at the group's open-circuit voltage and all its energy
    /// heats the group (applied at the next thermal step). Returns the
    /// energy, J.
    pub fn short_discharge(&mut self, g: usize, charge_as: f64) -> f64 {
        let e = self.bleed(g, charge_as);
        self.heat_acc_j[g] += e;
        e
    }

    /// Multiplies group `g`'s capacity by `factor` (its SOC stays: the charge
    /// it holds scales with it) and refreshes it.
    pub fn scale_capacity(&mut self, g: usize, factor: f64) {
        let cap_ah = self.cap_ah[g] * factor;
        self.cap_ah[g] = cap_ah;
        self.inv_cap_as[g] = 1.0 / (3600.0 * cap_ah);
        self.cap_as_per_dt[g] = 3600.0 * cap_ah / self.dt_s;
        self.total_cap_ah = self.cap_ah.iter().sum();
        self.refresh_all();
        self.set_rest_outputs_keeping_current();
    }

    /// Multiplies group `g`'s resistances (R0, R1, R2) by `factor` and
    /// refreshes it.
    pub fn scale_resistance(&mut self, g: usize, factor: f64) {
        self.res_factor[g] *= factor;
        self.refresh_all();
    }

    /// Coolant flowing (the pump works) or not: without flow, the groups
    /// exchange no heat with the coolant loop.
    pub fn set_coolant_flow(&mut self, flowing: bool) {
        self.coolant_flow = if flowing { 1.0 } else { 0.0 };
    }

    /// After a change of capacity: the pack's SOC output follows the new
    /// capacities (the rest of the last step's results stay).
    fn set_rest_outputs_keeping_current(&mut self) {
        self.last.soc = self.charge_ah / self.total_cap_ah;
    }
}
