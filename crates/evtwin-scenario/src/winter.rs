//! Where winter range goes: a cold run's estimated range against the same route
//! at 25 °C, split into what the cold costs.
//!
//! Range is usable energy `U` over chemical energy per km `c` (see the summary's
//! `estimated_range_km`). With `w` the 25 °C run and `k` the cold one,
//!
//! `R_w − R_k = (U_w − U_k)/c_w + U_k·Σ_i (c_k,i − c_w,i)/(c_w·c_k)`
//!
//! exactly, the sum running over the parts of the chemical energy per km: the
//! pack's thermal system, the cabin's HVAC (the rest of the auxiliaries), the
//! cells' resistance losses, aerodynamic drag (denser air) and everything else
//! (motor, gears, brakes, rolling: a cold pack's power limits move these). The
//! first term is the capacity the cold leaves out of reach.

use serde::Serialize;

use crate::Scenario;
use crate::run::{Observer, RunError, RunOptions, run};
use crate::summary::Summary;

/// Runs below this ambient get the breakdown, °C.
pub const WINTER_BELOW_C: f64 = 10.0;
/// The reference temperature, °C.
pub const REFERENCE_C: f64 = 25.0;

/// Range lost against the same route at 25 °C, by cause, km (positive: lost).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RangeBreakdown {
    /// The estimated range of the same route at 25 °C, km.
    pub reference_range_km: f64,
    /// Capacity not available at the pack's end temperature.
    pub capacity_km: f64,
    /// The pack's heating (its thermal system's electric energy).
    pub pack_heating_km: f64,
    /// The cabin's heating (the auxiliaries apart from the pack's thermal system).
    pub cabin_heating_km: f64,
    /// Higher resistance losses in the cells.
    pub cell_losses_km: f64,
    /// Denser air.
    pub air_density_km: f64,
    /// The rest (motor, gears, brakes, rolling).
    pub other_km: f64,
}

impl RangeBreakdown {
    /// The total loss, km (the reference range minus the cold one).
    #[must_use]
    pub fn total_km(&self) -> f64 {
        self.capacity_km
            + self.pack_heating_km
            + self.cabin_heating_km
            + self.cell_losses_km
            + self.air_density_km
            + self.other_km
    }
}

/// The scenario at 25 °C: the ambient (scenario and legs), and the pack's start
/// where it was soaked at the ambient (a pack started warmer, kept hot, stays).
#[must_use]
pub fn at_reference(s: &Scenario) -> Scenario {
    let mut r = s.clone();
    if r.config.pack_init.temp_c == r.config.ambient_c {
        r.config.pack_init.temp_c = REFERENCE_C;
    }
    r.config.ambient_c = REFERENCE_C;
    let legs = r
        .config
        .route
        .legs()
        .iter()
        .cloned()
        .map(|mut l| {
            l.ambient_c = l.ambient_c.map(|_| REFERENCE_C);
            l
        })
        .collect();
    // The same legs with another ambient: valid as the original was.
    if let Ok(route) = evtwin_sim::route::Route::new(legs) {
        r.config.route = route;
    }
    r
}

/// Chemical energy per km split into the parts above, Wh/km: thermal system,
/// cabin HVAC, cell losses, drag, rest.
fn parts_wh_per_km(s: &Summary) -> Option<[f64; 5]> {
    let e = &s.energy_breakdown;
    if s.distance_km <= 0.0 || !s.charge_stops.is_empty() {
        return None;
    }
    let per_km = |kwh: f64| kwh * 1000.0 / s.distance_km;
    let cabin = e.aux_kwh - e.thermal_kwh;
    let rest = e.chemical_kwh - e.battery_loss_kwh - e.drag_kwh - e.aux_kwh;
    Some([
        per_km(e.thermal_kwh),
        per_km(cabin),
        per_km(e.battery_loss_kwh),
        per_km(e.drag_kwh),
        per_km(rest),
    ])
}

/// The breakdown of `cold` against `warm` (the same route at 25 °C), or `None`
/// where either has no range estimate or stopped to charge.
#[must_use]
pub fn breakdown(cold: &Summary, warm: &Summary) -> Option<RangeBreakdown> {
    let (r_k, r_w) = (cold.estimated_range_km?, warm.estimated_range_km?);
    let (p_k, p_w) = (parts_wh_per_km(cold)?, parts_wh_per_km(warm)?);
    let (c_k, c_w): (f64, f64) = (p_k.iter().sum(), p_w.iter().sum());
    if c_k <= 0.0 || c_w <= 0.0 {
        return None;
    }
    let (u_k, u_w) = (r_k * c_k, r_w * c_w);
    let part = |i: usize| u_k * (p_k[i] - p_w[i]) / (c_w * c_k);
    Some(RangeBreakdown {
        reference_range_km: r_w,
        capacity_km: (u_w - u_k) / c_w,
        pack_heating_km: part(0),
        cabin_heating_km: part(1),
        cell_losses_km: part(2),
        air_density_km: part(3),
        other_km: part(4),
    })
}

/// Runs the scenario at 25 °C and fills `summary.range_breakdown`, where the
/// scenario is colder than [`WINTER_BELOW_C`] and has a range estimate.
/// `observer` may stop the reference run (Ctrl-C): then no breakdown.
pub fn add_range_breakdown(
    s: &Scenario,
    summary: &mut Summary,
    observer: &mut dyn Observer,
) -> Result<(), RunError> {
    if s.config.ambient_c >= WINTER_BELOW_C
        || summary.estimated_range_km.is_none()
        || summary.status != "finished"
    {
        return Ok(());
    }
    let options = RunOptions {
        seed: Some(summary.seed),
        ..RunOptions::default()
    };
    let warm = run(&at_reference(s), &options, None::<std::io::Sink>, observer)?;
    if warm.summary.status == "finished" {
        summary.range_breakdown = breakdown(summary, &warm.summary);
    }
    Ok(())
}
