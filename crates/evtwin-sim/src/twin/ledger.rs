//! Cumulative energy flows, and what kind of step the last one was.

use super::Twin;

/// Cumulative energies since the start, J. Discharge and traction are positive.
///
/// Closure: `chemical = battery_loss + terminal + balancing + internal_short` and, while no charger
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
    /// Dissipated in injected internal shorts (part of `chemical_j`).
    pub internal_short_j: f64,
    /// Electric energy of the pack's thermal system (part of `aux_j`).
    pub thermal_j: f64,
}

/// What kind of step the last one was (for run statistics, kept outside the
/// twin: see `evtwin_sim::stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // independent facts of one step
pub struct StepFlags {
    /// It was on a driving leg (cruise or cycle).
    pub driving: bool,
    /// A charger was connected.
    pub charging: bool,
    /// The driver could not follow the target.
    pub trace_miss: bool,
    /// Motor or battery limits cut the acceleration.
    pub limited: bool,
}

impl Twin {
    /// Notes what this step was, for observers ([`Twin::last_step`]), and
    /// raises the depletion fault.
    pub(super) fn end_of_step(&mut self) {
        let last = *self.pack.last();
        let charging = self.flows.charging;
        self.last_step = StepFlags {
            driving: self.cfg.route.legs()[self.progress.leg].is_driving(),
            charging,
            trace_miss: self.flows.trace_miss,
            limited: self.flows.limited,
        };
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
