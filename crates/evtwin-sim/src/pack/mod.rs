//! A battery pack of `series` groups, each `parallel` cells lumped into one
//! equivalent circuit (OCV, R0, two RC branches) with its own SOC, branch voltages
//! and temperature, plus a lumped coolant node.
//!
//! Sign convention: pack current is positive when discharging.
//!
//! Each step is solved in closed form. Over one step of length `dt` with constant
//! current `I`, the RC branches are integrated exactly (`v ← v·α − I·R·(1 − α)`,
//! `α = e^(−dt/τ)`), and OCV is linear in SOC within a table segment, so the mean
//! terminal voltage over the step is exactly linear in `I`: `V̄ = E − I·R`. A power
//! demand therefore gives the current by one quadratic, and chemical energy, losses
//! and terminal energy balance to rounding error.
//!
//! Two rates: the slowly varying parameters (R0, R1, C1, R2, C2 and their decay
//! factors, the cold-capacity floor and the plating limit, all functions of
//! temperature and SOC) are refreshed per group when its temperature or SOC has
//! moved enough to change one of them by [`REFRESH_TOLERANCE`] (see `refresh`), and
//! at the latest every `refresh_steps` steps; OCV is re-linearised at every refresh
//! and at once whenever a group's SOC leaves its table segment, so it is exact at
//! every step.

mod faults;
mod refresh;
mod solve;
mod thermal;

use thiserror::Error;

use crate::cell::CellSpec;
use crate::rng::Rng;
pub use refresh::REFRESH_TOLERANCE;
pub use solve::{OperatingPoint, StepEnergy};
pub use thermal::{CoolantInput, PackThermalSpec, ThermalFlows};

/// Design of a pack.
#[derive(Debug, Clone, PartialEq)]
pub struct PackSpec {
    /// The cell used throughout.
    pub cell: CellSpec,
    /// Number of series groups.
    pub series: usize,
    /// Cells in parallel in each group.
    pub parallel: usize,
    /// One-sigma cell-to-cell capacity spread, % (truncated at 3 σ).
    pub capacity_spread_pct: f64,
    /// One-sigma cell-to-cell resistance spread, % (truncated at 3 σ).
    pub resistance_spread_pct: f64,
    /// Pack discharge power limit at the terminals, W.
    pub max_discharge_power_w: f64,
    /// Pack charge power limit at the terminals, W.
    pub max_charge_power_w: f64,
    /// Stack pressure on the cells, MPa (matters where the cell has a `pressure` spec).
    pub stack_pressure_mpa: f64,
    /// Cells' share of the pack's mass (the rest: housing, cooling, wiring), 0…1.
    pub cell_to_pack_mass_ratio: f64,
    /// Cells' share of the pack's volume, 0…1.
    pub cell_to_pack_volume_ratio: f64,
    /// Thermal model.
    pub thermal: PackThermalSpec,
}

/// Why a pack design is unusable.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PackError {
    /// A count is zero.
    #[error("{what} must be at least 1")]
    ZeroCount { what: &'static str },
    /// A quantity is out of its physical range.
    #[error("{what} = {value} is out of range ({why})")]
    OutOfRange {
        what: &'static str,
        value: f64,
        why: &'static str,
    },
}

/// Initial state of a pack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PackInit {
    /// State of charge of every group, 0…1.
    pub soc: f64,
    /// Temperature of every group and of the coolant, °C.
    pub temp_c: f64,
}

/// Slowly varying per-group parameters (see the module docs).
#[derive(Debug, Clone, Default)]
struct Slow {
    ocv_a: Vec<f64>,
    ocv_b: Vec<f64>,
    /// The SOC window of the group's last refresh: its table segment, narrowed to
    /// the SOC change that moves a slow parameter by the tolerance.
    seg_lo: Vec<f64>,
    seg_hi: Vec<f64>,
    r0: Vec<f64>,
    r1: Vec<f64>,
    r2: Vec<f64>,
    alpha1: Vec<f64>,
    alpha2: Vec<f64>,
    beta1: Vec<f64>,
    beta2: Vec<f64>,
    gamma1: Vec<f64>,
    gamma2: Vec<f64>,
    /// `R1·(1 − β1) + R2·(1 − β2)`: current term of the mean RC voltage, Ω.
    k12: Vec<f64>,
    /// Resistance seen by the step-mean voltage, Ω.
    rbar: Vec<f64>,
    /// Resistance seen by the end-of-step voltage, Ω.
    rend: Vec<f64>,
    inv_rend: Vec<f64>,
    /// Lowest SOC reachable at the group's temperature (cold capacity).
    floor: Vec<f64>,
    /// The group's plating limit is `max(0, plate_a + plate_b·SOC)·plate_scale`, A:
    /// a graphite anode's potential line (V, V per SOC) over its share of the DC
    /// resistance, or `1·(CCD × area)` for lithium metal, `1·∞` without a rule.
    plate_a: Vec<f64>,
    plate_b: Vec<f64>,
    plate_scale: Vec<f64>,
}

impl Slow {
    fn resize(&mut self, n: usize) {
        for v in [
            &mut self.ocv_a,
            &mut self.ocv_b,
            &mut self.seg_lo,
            &mut self.seg_hi,
            &mut self.r0,
            &mut self.r1,
            &mut self.r2,
            &mut self.alpha1,
            &mut self.alpha2,
            &mut self.beta1,
            &mut self.beta2,
            &mut self.gamma1,
            &mut self.gamma2,
            &mut self.k12,
            &mut self.rbar,
            &mut self.rend,
            &mut self.inv_rend,
            &mut self.floor,
            &mut self.plate_a,
            &mut self.plate_b,
            &mut self.plate_scale,
        ] {
            v.resize(n, 0.0);
        }
    }
}

/// A pack's state and the results of its last step.
#[derive(Debug, Clone)]
pub struct Pack {
    spec: PackSpec,
    dt_s: f64,
    refresh_steps: u32,
    steps_to_refresh: u32,
    /// What change of temperature or SOC refreshes a group.
    tol: refresh::Tolerances,
    /// Each group's temperature at its last refresh, °C.
    ref_temp_c: Vec<f64>,
    /// Each group's temperature threshold since its last refresh, K.
    ref_tol_k: Vec<f64>,
    /// Each group's SOC window since its last refresh (its parameters within ε).
    win_lo: Vec<f64>,
    win_hi: Vec<f64>,
    /// Incremental updates of the pack sums since they were last summed afresh.
    sum_updates: u32,
    /// Each group's grid cell at its last linearisation (where to search next).
    seg_ij: Vec<(usize, usize)>,
    /// Set by the commit for each group whose SOC left its window.
    moved: Vec<u8>,
    /// Group refreshes so far.
    refreshes: u64,
    // Fixed per group.
    cap_ah: Vec<f64>,
    inv_cap_as: Vec<f64>,
    /// Capacity over the step, A·s/s: the current that empties a unit of SOC in a step.
    cap_as_per_dt: Vec<f64>,
    res_factor: Vec<f64>,
    inv_heat_cap: Vec<f64>,
    total_cap_ah: f64,
    // State per group.
    soc: Vec<f64>,
    v1: Vec<f64>,
    v2: Vec<f64>,
    temp_c: Vec<f64>,
    coolant_c: f64,
    /// Σ group temperatures after the last thermal step, °C.
    temp_sum_c: f64,
    /// Hottest group after the last thermal step, °C.
    temp_max_c: f64,
    /// Heat generated in each group since the last thermal step, J.
    heat_acc_j: Vec<f64>,
    /// 1 while the coolant flows, 0 after a pump failure: scales the groups'
    /// conductance to the coolant.
    coolant_flow: f64,
    scratch_temp: Vec<f64>,
    /// Σ SOC·capacity, Ah (updated per step, recomputed at every refresh).
    charge_ah: f64,
    /// The lowest group plating limit, A (infinite without an anode rule).
    plating_limit_a: f64,
    slow: Slow,
    /// Pack sums of the slow parameters, kept current.
    slow_sums: SlowSums,
    /// The slow sums that held when this step's operating point was taken.
    step_sums: SlowSums,
    scratch: solve::Scratch,
    last: solve::LastStep,
}

/// Pack-level sums of slowly varying per-group parameters.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct SlowSums {
    /// Σ R0, Ω.
    r0: f64,
    /// Σ `k12`, Ω.
    k12: f64,
    /// Σ OCV slope / (3600·capacity), V/(A·s).
    ocv_slope_per_as: f64,
    /// Σ `rbar`, Ω.
    rbar: f64,
}

fn check_spec(spec: &PackSpec) -> Result<(), PackError> {
    if spec.series == 0 {
        return Err(PackError::ZeroCount { what: "series" });
    }
    if spec.parallel == 0 {
        return Err(PackError::ZeroCount { what: "parallel" });
    }
    let positive = [
        ("cell capacity_ah", spec.cell.capacity_ah),
        ("cell mass_kg", spec.cell.mass_kg),
        (
            "cell specific_heat_j_per_kg_k",
            spec.cell.specific_heat_j_per_kg_k,
        ),
        ("cell max_charge_c", spec.cell.max_charge_c),
        ("cell max_discharge_c", spec.cell.max_discharge_c),
        ("max_discharge_power_w", spec.max_discharge_power_w),
        ("max_charge_power_w", spec.max_charge_power_w),
        ("stack_pressure_mpa", spec.stack_pressure_mpa),
        ("cell_to_pack_mass_ratio", spec.cell_to_pack_mass_ratio),
        ("cell_to_pack_volume_ratio", spec.cell_to_pack_volume_ratio),
        (
            "coolant_heat_capacity_j_per_k",
            spec.thermal.coolant_heat_capacity_j_per_k,
        ),
    ];
    for (what, value) in positive {
        if value.is_nan() || value <= 0.0 {
            return Err(PackError::OutOfRange {
                what,
                value,
                why: "must be positive",
            });
        }
    }
    let non_negative = [
        ("capacity_spread_pct", spec.capacity_spread_pct),
        ("resistance_spread_pct", spec.resistance_spread_pct),
        (
            "group_to_coolant_w_per_k",
            spec.thermal.group_to_coolant_w_per_k,
        ),
        ("neighbour_w_per_k", spec.thermal.neighbour_w_per_k),
        ("enclosure_w_per_k", spec.thermal.enclosure_w_per_k),
        ("radiator_w_per_k", spec.thermal.radiator_w_per_k),
    ];
    for (what, value) in non_negative {
        if !value.is_finite() || value < 0.0 {
            return Err(PackError::OutOfRange {
                what,
                value,
                why: "must be zero or positive",
            });
        }
    }
    for (what, value) in [
        ("capacity_spread_pct", spec.capacity_spread_pct),
        ("resistance_spread_pct", spec.resistance_spread_pct),
    ] {
        if value >= 30.0 {
            return Err(PackError::OutOfRange {
                what,
                value,
                why: "a 3-sigma spread must stay below 90 %",
            });
        }
    }
    for (what, value) in [
        ("cell_to_pack_mass_ratio", spec.cell_to_pack_mass_ratio),
        ("cell_to_pack_volume_ratio", spec.cell_to_pack_volume_ratio),
    ] {
        if value > 1.0 {
            return Err(PackError::OutOfRange {
                what,
                value,
                why: "the cells cannot be more than the whole pack",
            });
        }
    }
    if spec.cell.voltage_min_v >= spec.cell.voltage_max_v {
        return Err(PackError::OutOfRange {
            what: "cell voltage_min_v",
            value: spec.cell.voltage_min_v,
            why: "must be below voltage_max_v",
        });
    }
    Ok(())
}

impl Pack {
    /// Builds a pack, drawing each group's capacity and resistance factors from
    /// `rng` (capacity first, then resistance, group by group).
    pub fn new(
        spec: PackSpec,
        init: PackInit,
        rng: &mut Rng,
        dt_s: f64,
        refresh_steps: u32,
    ) -> Result<Self, PackError> {
        check_spec(&spec)?;
        if !(0.0..=1.0).contains(&init.soc) {
            return Err(PackError::OutOfRange {
                what: "initial SOC",
                value: init.soc,
                why: "a fraction from 0 to 1",
            });
        }
        let n = spec.series;
        let parallel = spec.parallel as f64;
        let mut cap_ah = Vec::with_capacity(n);
        let mut res_factor = Vec::with_capacity(n);
        for _ in 0..n {
            let kq = 1.0 + spec.capacity_spread_pct / 100.0 * rng.truncated_normal(3.0);
            let kr = 1.0 + spec.resistance_spread_pct / 100.0 * rng.truncated_normal(3.0);
            cap_ah.push(spec.cell.capacity_ah * parallel * kq);
            res_factor.push(kr);
        }
        let heat_cap = spec.cell.mass_kg * spec.cell.specific_heat_j_per_kg_k * parallel;
        let tol = refresh::tolerances(&spec.cell, spec.stack_pressure_mpa, REFRESH_TOLERANCE);
        let mut pack = Self {
            dt_s,
            refresh_steps: refresh_steps.max(1),
            steps_to_refresh: 0,
            tol,
            ref_temp_c: vec![init.temp_c; n],
            ref_tol_k: vec![0.0; n],
            win_lo: vec![0.0; n],
            win_hi: vec![0.0; n],
            sum_updates: 0,
            seg_ij: vec![(0, 0); n],
            moved: vec![0; n],
            refreshes: 0,
            inv_cap_as: cap_ah.iter().map(|q| 1.0 / (3600.0 * q)).collect(),
            cap_as_per_dt: cap_ah.iter().map(|q| 3600.0 * q / dt_s).collect(),
            total_cap_ah: cap_ah.iter().sum(),
            cap_ah,
            res_factor,
            inv_heat_cap: vec![1.0 / heat_cap; n],
            soc: vec![init.soc; n],
            v1: vec![0.0; n],
            v2: vec![0.0; n],
            temp_c: vec![init.temp_c; n],
            coolant_c: init.temp_c,
            temp_sum_c: init.temp_c * n as f64,
            temp_max_c: init.temp_c,
            heat_acc_j: vec![0.0; n],
            coolant_flow: 1.0,
            scratch_temp: Vec::with_capacity(n),
            charge_ah: 0.0,
            plating_limit_a: f64::INFINITY,
            slow: Slow::default(),
            slow_sums: SlowSums::default(),
            step_sums: SlowSums::default(),
            scratch: solve::Scratch::default(),
            last: solve::LastStep::default(),
            spec,
        };
        pack.refresh_all();
        pack.set_rest_outputs();
        Ok(pack)
    }

    /// The design this pack was built from.
    #[must_use]
    pub fn spec(&self) -> &PackSpec {
        &self.spec
    }

    /// Number of series groups.
    #[must_use]
    pub fn groups(&self) -> usize {
        self.soc.len()
    }

    /// Mean capacity of a series group, Ah: 1C for the pack (a series string can
    /// deliver only its weakest group's charge, but SOC is weighted by the mean).
    #[must_use]
    pub fn mean_group_capacity_ah(&self) -> f64 {
        self.total_cap_ah / self.groups() as f64
    }

    /// Capacity of group `g`, Ah.
    #[must_use]
    pub fn group_capacity_ah(&self, g: usize) -> f64 {
        self.cap_ah[g]
    }

    /// True SOC of group `g`, 0…1.
    #[must_use]
    pub fn group_soc(&self, g: usize) -> f64 {
        self.soc[g]
    }

    /// RC branch voltages `(v1, v2)` of group `g`, V (negative while discharging).
    #[must_use]
    pub fn group_rc_v(&self, g: usize) -> (f64, f64) {
        (self.v1[g], self.v2[g])
    }

    /// Temperature of group `g`, °C.
    #[must_use]
    pub fn group_temp_c(&self, g: usize) -> f64 {
        self.temp_c[g]
    }

    /// Temperature of the coolant/housing node, °C.
    #[must_use]
    pub fn coolant_temp_c(&self) -> f64 {
        self.coolant_c
    }

    /// Capacity-weighted mean SOC of the pack, 0…1 (charge held / capacity).
    #[must_use]
    pub fn soc(&self) -> f64 {
        self.last.soc
    }

    /// Open-circuit voltage of the pack now, V.
    #[must_use]
    pub fn ocv_v(&self) -> f64 {
        (0..self.groups())
            .map(|g| self.slow.ocv_a[g] + self.slow.ocv_b[g] * self.soc[g])
            .sum()
    }

    /// Nominal energy between SOC 0 and 1 at 25 °C, Wh (rated cells, no spread).
    #[must_use]
    pub fn nominal_energy_wh(&self) -> f64 {
        self.spec.cell.energy_wh(25.0) * (self.spec.series * self.spec.parallel) as f64
    }

    /// Bleeds `charge_as` (A·s) from group `g` through the balancing resistor: the
    /// charge leaves at the group's open-circuit voltage. Returns the energy, J.
    pub fn bleed(&mut self, g: usize, charge_as: f64) -> f64 {
        let ocv = self.slow.ocv_a[g] + self.slow.ocv_b[g] * self.soc[g];
        self.soc[g] -= charge_as * self.inv_cap_as[g];
        self.charge_ah -= charge_as / 3600.0;
        charge_as * ocv
    }

    /// Charge current at which the first group's anode would plate lithium or grow
    /// dendrites, A (infinite when the cell has no anode rule), at the start of the
    /// last step: the anode's potential follows SOC exactly, its resistance and
    /// critical current density refresh with the slow parameters.
    #[must_use]
    pub fn plating_limit_a(&self) -> f64 {
        self.plating_limit_a
    }

    /// The plating limit of group `g` now, A.
    #[must_use]
    pub fn group_plating_limit_a(&self, g: usize) -> f64 {
        let s = &self.slow;
        let u = s.plate_a[g] + s.plate_b[g] * self.soc[g];
        if u > 0.0 { u * s.plate_scale[g] } else { 0.0 }
    }

    /// Charge current over the plating limit after the last step: above 1 the anode
    /// plates or grows dendrites (0 while discharging).
    #[must_use]
    pub fn plating_ratio(&self) -> f64 {
        // A comparison, not `f64::max`: which zero `max(-0.0, 0.0)` gives differs
        // between build profiles, and the trace would show it.
        let i = self.last.current_a;
        if i < 0.0 {
            -i / self.plating_limit_a
        } else {
            0.0
        }
    }

    /// Mass of the pack: the cells over their share of it, kg.
    #[must_use]
    pub fn mass_kg(&self) -> f64 {
        let cells = (self.spec.series * self.spec.parallel) as f64;
        cells * self.spec.cell.mass_kg / self.spec.cell_to_pack_mass_ratio
    }

    /// Volume of the pack, L.
    #[must_use]
    pub fn volume_l(&self) -> f64 {
        let cells = (self.spec.series * self.spec.parallel) as f64;
        cells * self.spec.cell.volume_l / self.spec.cell_to_pack_volume_ratio
    }

    /// Nominal voltage: nominal energy over rated capacity, V.
    #[must_use]
    pub fn nominal_voltage_v(&self) -> f64 {
        self.nominal_energy_wh() / (self.spec.cell.capacity_ah * self.spec.parallel as f64)
    }

    /// Group refreshes of the slow parameters so far (one per group at every
    /// refresh of the whole pack).
    #[must_use]
    pub fn group_refreshes(&self) -> u64 {
        self.refreshes
    }

    /// The smallest temperature change that refreshes a group's slow parameters
    /// (the threshold at the temperature where they change fastest), K.
    #[must_use]
    pub fn refresh_temp_tolerance_k(&self) -> f64 {
        self.tol.min_temp_k()
    }

    /// Results of the last step.
    #[must_use]
    pub fn last(&self) -> &solve::LastStep {
        &self.last
    }

    /// Recomputes the pack sums of the slow parameters.
    fn sum_slow(&mut self) {
        self.sum_updates = 0;
        let s = &self.slow;
        let n = self.groups();
        let mut sums = SlowSums::default();
        for g in 0..n {
            sums.r0 += s.r0[g];
            sums.k12 += s.k12[g];
            sums.ocv_slope_per_as += s.ocv_b[g] * self.inv_cap_as[g];
            sums.rbar += s.rbar[g];
        }
        self.slow_sums = sums;
    }

    /// Fills the outputs for a pack at rest: a zero-current step changes no state
    /// (every temperature is equal, every RC voltage zero).
    fn set_rest_outputs(&mut self) {
        self.steps_to_refresh = self.refresh_steps;
        let op = self.operating_point();
        self.commit(&op, 0.0);
        // A fresh pack starts a full refresh period from here.
        self.steps_to_refresh = self.refresh_steps;
    }
}

#[cfg(test)]
mod tests;
