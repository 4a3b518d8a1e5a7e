//! The BMS's current limits (CCL/DCL): what it publishes to the vehicle and the
//! charger, from its own readings and datasheet.

use super::{Bms, ContactorState, Severity};

/// Share of the rated current allowed at the edge of a temperature window: enough
/// to run the pack's own heater or cooling.
const EDGE_SHARE: f64 = 0.1;

/// Current share at `x` kelvin inside a window edge (negative: outside): full from
/// `width` inside, [`EDGE_SHARE`] at the edge, nothing from `width` outside.
pub(super) fn band(x: f64, width: f64) -> f64 {
    if width <= 0.0 {
        return if x >= 0.0 { 1.0 } else { 0.0 };
    }
    let u = (x / width).clamp(-1.0, 1.0);
    if u >= 0.0 {
        EDGE_SHARE + (1.0 - EDGE_SHARE) * u
    } else {
        EDGE_SHARE * (1.0 + u)
    }
}

/// One tick's readings that the limits depend on.
pub(super) struct Inputs {
    /// Coldest and hottest plausible temperature, °C.
    pub t_min: f64,
    pub t_max: f64,
    /// Temperature at which to take the cells' resistance, °C.
    pub t_resistance: f64,
    /// Lowest and highest group voltage, V.
    pub v_min: f64,
    pub v_max: f64,
    /// Pack current as measured (positive discharging), A.
    pub measured_a: f64,
    /// Charge current at which the first anode would plate, A.
    pub plating_limit_a: f64,
}

impl Bms {
    /// Decides CCL and DCL, A (magnitudes): the smallest of the C-rate derated by
    /// the temperature window, the cell-voltage limits, the plating margin (charge)
    /// and the low-SOC derate (discharge); halved by a warning, zero on a critical
    /// fault or with the contactors not closed.
    pub(super) fn limits(&mut self, r: &Inputs) {
        let c = &self.cell;
        let t = &c.temperature;
        let b = self.spec.temp_derate_band_k;
        let rated_a = c.capacity_ah * self.parallel;
        let charge_window =
            band(r.t_min - t.charge_min_c, b).min(band(t.charge_max_c - r.t_max, b));
        let discharge_window =
            band(r.t_min - t.discharge_min_c, b).min(band(t.discharge_max_c - r.t_max, b));
        // State of power from the datasheet: a group at voltage V carrying I has
        // E = V + I·R0 behind its ohmic resistance; it may carry the current that
        // takes it to a voltage limit. In constant voltage this is the current
        // flowing, so the limit follows the taper.
        let soc = self.soc.soc();
        let r0 = c.table.params(soc, r.t_resistance).r0_ohm
            * c.resistance_temp_factor(r.t_resistance)
            / self.parallel;
        let ccl_voltage = ((c.voltage_max_v - r.v_max) / r0 - r.measured_a).max(0.0);
        let dcl_voltage = ((r.v_min - c.voltage_min_v) / r0 + r.measured_a).max(0.0);
        let low = self.spec.low_soc_derate;
        let soc_share = if low > 0.0 && soc < low {
            let share = self.spec.low_soc_dcl_share;
            share + (1.0 - share) * (soc / low).max(0.0)
        } else {
            1.0
        };
        let mut ccl = (rated_a * c.max_charge_c * charge_window)
            .min(self.spec.plating_margin * r.plating_limit_a)
            .min(ccl_voltage);
        let mut dcl = (rated_a * c.max_discharge_c * discharge_window * soc_share).min(dcl_voltage);
        match self.faults.worst().map(super::BmsFault::severity) {
            Some(Severity::Critical) => (ccl, dcl) = (0.0, 0.0),
            Some(Severity::Warning) => (ccl, dcl) = (0.5 * ccl, 0.5 * dcl),
            None => {}
        }
        if self.contactors.state() != ContactorState::Closed {
            (ccl, dcl) = (0.0, 0.0);
        }
        self.out.ccl_a = ccl;
        self.out.dcl_a = dcl;
    }
}
