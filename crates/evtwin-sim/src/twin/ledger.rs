//! Cumulative energy flows and the running statistics of a run.

use super::Twin;

/// Cumulative energies since the start, J. Discharge and traction are positive.
///
/// Closure: `chemical = battery_loss + terminal + balancing` and, while no charger
/// is connected, `terminal = drag + rolling + grade + kinetic + friction_brake +
/// transmission_loss + motor_loss + aux`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ledger {
    /// OCV × charge out of the cells.
    pub chemical_j: f64,
    /// R0 and RC-branch losses.
    pub battery_loss_j: f64,
    /// Net energy out of the terminals.
    pub terminal_j: f64,
    /// Auxiliaries and HVAC.
    pub aux_j: f64,
    /// Motor losses (both directions).
    pub motor_loss_j: f64,
    /// Gear losses (both directions).
    pub transmission_loss_j: f64,
    /// Friction braking.
    pub friction_brake_j: f64,
    /// Electric energy regenerated.
    pub regen_j: f64,
    /// Aerodynamic drag.
    pub drag_j: f64,
    /// Rolling resistance.
    pub rolling_j: f64,
    /// Net climbing.
    pub grade_j: f64,
    /// Net change of kinetic energy.
    pub kinetic_j: f64,
    /// DC energy from chargers.
    pub charger_dc_j: f64,
    /// Energy from the grid.
    pub grid_j: f64,
    /// Bled through the balancing resistors (part of `chemical_j`).
    pub balancing_j: f64,
    /// Electric energy of the pack's thermal system (part of `aux_j`).
    pub thermal_j: f64,
}

/// Running statistics for the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    /// Distance driven, m.
    pub distance_m: f64,
    /// Steps spent on driving legs.
    pub driving_steps: u64,
    /// Net terminal energy while not charging, J.
    pub off_charger_terminal_j: f64,
    /// Net chemical energy while not charging (cell losses and balancing
    /// included), J.
    pub off_charger_chemical_j: f64,
    /// Terminal energy on driving legs, J.
    pub driving_terminal_j: f64,
    /// Lowest pack SOC, 0…1.
    pub soc_min: f64,
    /// Highest discharge power at the terminals, W.
    pub peak_discharge_w: f64,
    /// Highest charge power into the terminals while driving (regen), W.
    pub peak_regen_w: f64,
    /// Hottest group temperature seen, °C.
    pub peak_temp_c: f64,
    /// Group that was hottest.
    pub peak_temp_group: usize,
    /// When, s.
    pub peak_temp_time_s: f64,
    /// Steps during which the driver could not follow the target.
    pub trace_miss_steps: u64,
    /// Separate spells of trace miss.
    pub trace_miss_spells: u32,
    /// Steps during which motor or battery limits cut the acceleration.
    pub limited_steps: u64,
    /// Highest charge current over the plating / dendrite limit.
    pub plating_ratio_max: f64,
    /// Steps charged above the plating / dendrite limit.
    pub plating_over_steps: u64,
}

impl Twin {
    pub(super) fn update_stats(&mut self) {
        let dt = self.cfg.step_s;
        let last = *self.pack.last();
        let driving = self.cfg.route.legs()[self.progress.leg].is_driving();
        let charging = self.flows.charging;
        let s = &mut self.stats;
        s.distance_m = self.position_m;
        if !charging {
            s.off_charger_terminal_j += last.energy.terminal_j;
            s.off_charger_chemical_j += last.energy.chemical_j;
        }
        if driving {
            s.driving_steps += 1;
            s.driving_terminal_j += last.energy.terminal_j;
            s.peak_regen_w = s.peak_regen_w.max(-last.power_w);
        }
        s.soc_min = s.soc_min.min(last.soc);
        s.peak_discharge_w = s.peak_discharge_w.max(last.power_w);
        let ratio = self.pack.plating_ratio();
        s.plating_ratio_max = s.plating_ratio_max.max(ratio);
        if ratio > 1.0 {
            s.plating_over_steps += 1;
        }
        let temp_max_c = self.pack.temp_max_c();
        if temp_max_c > s.peak_temp_c {
            s.peak_temp_c = temp_max_c;
            s.peak_temp_group = self.pack.temp_max().1;
            s.peak_temp_time_s = self.steps as f64 * dt;
        }
        if self.flows.trace_miss {
            if !self.was_missing {
                s.trace_miss_spells += 1;
            }
            s.trace_miss_steps += 1;
        }
        self.was_missing = self.flows.trace_miss;
        if self.flows.limited {
            s.limited_steps += 1;
        }
        let soc_min = self.cfg.vehicle.soc_min;
        let car_on = !matches!(
            self.cfg.route.legs()[self.progress.leg].kind,
            crate::route::LegKind::Park { .. }
        );
        let already = self
            .pending
            .iter()
            .any(|(c, _)| *c == super::FaultCode::BatteryDepleted);
        if car_on
            && !charging
            && !already
            && last.soc <= soc_min
            && self.status == super::Status::Running
        {
            let msg = format!(
                "the pack reached the bottom of its usable window ({:.1} % SOC)",
                soc_min * 100.0
            );
            self.fault(super::FaultCode::BatteryDepleted, msg);
        }
    }
}
