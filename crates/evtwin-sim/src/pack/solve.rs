//! The two passes of a pack step: the operating point (what the pack can do this
//! step) and the commit (advance every group with the chosen current).
//!
//! Both passes are written as maps over the groups with no loop-carried floating
//! point (so they vectorise); the few reductions run afterwards over the results
//! in a fixed four-lane order (so results stay bit-for-bit reproducible).

use super::Pack;

/// The pack's linear behaviour over the coming step: the step-mean terminal voltage
/// is `emf_v − I·resistance_ohm`, exactly (see the module docs of `pack`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OperatingPoint {
    /// Step-mean terminal voltage at zero current, V.
    pub emf_v: f64,
    /// Resistance of the step-mean terminal voltage, Ω.
    pub resistance_ohm: f64,
    /// Largest discharge current that keeps every group at or above the cell's
    /// minimum voltage and within its C-rate, A (may be ≤ 0 when empty).
    pub discharge_limit_a: f64,
    /// Largest charge current (magnitude) that keeps every group at or below the
    /// cell's maximum voltage and within its C-rate, A (may be ≤ 0 when full).
    pub charge_limit_a: f64,
    /// The cell-voltage part of `charge_limit_a` alone (no C-rate), A: how much
    /// current the pack can take before its highest cell reaches the maximum voltage.
    pub voltage_charge_limit_a: f64,
    /// Open-circuit voltage of the pack at the start of the step, V.
    pub ocv_v: f64,
}

impl OperatingPoint {
    /// Step-mean terminal voltage at `current_a`, V.
    #[must_use]
    pub fn mean_voltage_v(&self, current_a: f64) -> f64 {
        self.emf_v - current_a * self.resistance_ohm
    }

    /// Current that delivers mean terminal power `power_w` (negative: charging), A.
    /// Beyond the pack's maximum discharge power `E²/4R` there is no such current;
    /// the current of maximum power, `E/2R`, is returned.
    #[must_use]
    pub fn current_for_power(&self, power_w: f64) -> f64 {
        let (e, r) = (self.emf_v, self.resistance_ohm);
        let disc = e * e - 4.0 * r * power_w;
        if disc < 0.0 {
            return e / (2.0 * r);
        }
        // 2P / (E + √(E² − 4RP)) is the small root of R·I² − E·I + P = 0 without
        // cancellation at small P.
        2.0 * power_w / (e + disc.sqrt())
    }

    /// Charge current (magnitude) at which the pack takes `power_w` (≥ 0) into its
    /// terminals, A.
    #[must_use]
    pub fn charge_current_for_power(&self, power_w: f64) -> f64 {
        -self.current_for_power(-power_w.max(0.0))
    }

    /// Largest discharge power with current at most `limit_a`, W (≥ 0).
    #[must_use]
    pub fn max_discharge_power_w(&self, limit_a: f64) -> f64 {
        let i = limit_a
            .min(self.emf_v / (2.0 * self.resistance_ohm))
            .max(0.0);
        i * self.mean_voltage_v(i)
    }

    /// Largest charge power (magnitude) with charge current at most `limit_a`, W (≥ 0).
    #[must_use]
    pub fn max_charge_power_w(&self, limit_a: f64) -> f64 {
        let i = limit_a.max(0.0);
        i * self.mean_voltage_v(-i)
    }

    /// Charge current (magnitude) that makes the step-mean terminal voltage equal
    /// `voltage_v`, A (≤ 0 when the pack is already above it).
    #[must_use]
    pub fn charge_current_for_voltage(&self, voltage_v: f64) -> f64 {
        (voltage_v - self.emf_v) / self.resistance_ohm
    }
}

/// Energy flows of one step, J. `chemical = ohmic + polarisation + terminal`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StepEnergy {
    /// OCV × charge moved (positive when discharging).
    pub chemical_j: f64,
    /// Dissipated in R0.
    pub ohmic_j: f64,
    /// Into the RC branches (dissipated in R1/R2, plus the change of C1/C2 energy).
    pub polarisation_j: f64,
    /// Out of the terminals (positive when discharging).
    pub terminal_j: f64,
}

/// Results of the last step that are computed every step. Per-group extremes are
/// methods of [`Pack`], computed when read.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LastStep {
    /// Pack current, A (positive discharging).
    pub current_a: f64,
    /// Mean terminal power over the step, W (positive discharging).
    pub power_w: f64,
    /// Capacity-weighted mean SOC, 0…1.
    pub soc: f64,
    /// Heat generated in the cells, W (step mean).
    pub heat_w: f64,
    /// Energy flows of the step.
    pub energy: StepEnergy,
}

/// Sum in four lanes, combined in a fixed order: vectorisable and reproducible.
pub(super) fn sum4(xs: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let chunks = xs.chunks_exact(4);
    let tail: f64 = chunks.remainder().iter().sum();
    for c in chunks {
        for k in 0..4 {
            acc[k] += c[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Largest value (NaN-free input), in four lanes.
pub(super) fn max4(xs: &[f64]) -> f64 {
    let mut acc = [f64::NEG_INFINITY; 4];
    let chunks = xs.chunks_exact(4);
    let tail = chunks
        .remainder()
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    for c in chunks {
        for k in 0..4 {
            acc[k] = if c[k] > acc[k] { c[k] } else { acc[k] };
        }
    }
    acc.into_iter().fold(tail, f64::max)
}

/// Smallest value (NaN-free input), in four lanes.
fn min4(xs: &[f64]) -> f64 {
    -max4_neg(xs)
}

fn max4_neg(xs: &[f64]) -> f64 {
    let mut acc = [f64::NEG_INFINITY; 4];
    let chunks = xs.chunks_exact(4);
    let tail = chunks
        .remainder()
        .iter()
        .map(|x| -x)
        .fold(f64::NEG_INFINITY, f64::max);
    for c in chunks {
        for k in 0..4 {
            acc[k] = if -c[k] > acc[k] { -c[k] } else { acc[k] };
        }
    }
    acc.into_iter().fold(tail, f64::max)
}

/// Index of the first element that no other beats under `better`.
fn arg_extreme(values: &[f64], better: impl Fn(f64, f64) -> bool) -> usize {
    let mut best = 0;
    for (k, &v) in values.iter().enumerate() {
        if better(v, values[best]) {
            best = k;
        }
    }
    best
}

impl Pack {
    /// First pass of a step: refreshes every group's slow parameters when the
    /// backstop period is due and returns what the pack can do over the coming step.
    pub fn operating_point(&mut self) -> OperatingPoint {
        if self.steps_to_refresh == 0 {
            self.refresh_all();
            self.steps_to_refresh = self.refresh_steps;
        }
        self.steps_to_refresh -= 1;
        let n = self.groups();
        let s = &self.slow;
        let (z, v1, v2) = (&self.soc[..n], &self.v1[..n], &self.v2[..n]);
        let (ocv_a, ocv_b, inv_rend) = (&s.ocv_a[..n], &s.ocv_b[..n], &s.inv_rend[..n]);
        let (a1, a2, b1, b2) = (&s.alpha1[..n], &s.alpha2[..n], &s.beta1[..n], &s.beta2[..n]);
        let (cell_min, cell_max) = (self.spec.cell.voltage_min_v, self.spec.cell.voltage_max_v);
        let (floor, cap_per_dt) = (&s.floor[..n], &self.cap_as_per_dt[..n]);
        let (pa, pb, ps) = (&s.plate_a[..n], &s.plate_b[..n], &s.plate_scale[..n]);
        let scratch = &mut self.scratch;
        let (ocv, pol, dis, chg, plate) = scratch.split_five(n);
        // Apart from the loop below: with it, that loop no longer vectorises.
        for g in 0..n {
            let u = pa[g] + pb[g] * z[g];
            plate[g] = if u > 0.0 { u * ps[g] } else { 0.0 };
        }
        for g in 0..n {
            let o = ocv_a[g] + ocv_b[g] * z[g];
            ocv[g] = o;
            pol[g] = v1[g] * b1[g] + v2[g] * b2[g];
            let e_end = o + v1[g] * a1[g] + v2[g] * a2[g];
            // Above the cell's minimum voltage, and above the SOC floor that cold
            // capacity sets, at the end of the step.
            let by_voltage = (e_end - cell_min) * inv_rend[g];
            let by_charge = (z[g] - floor[g]) * cap_per_dt[g];
            dis[g] = if by_charge < by_voltage {
                by_charge
            } else {
                by_voltage
            };
            chg[g] = (cell_max - e_end) * inv_rend[g];
        }
        let ocv_v = sum4(ocv);
        self.plating_limit_a = min4(plate);
        self.step_sums = self.slow_sums;
        let rated = self.spec.cell.capacity_ah * self.spec.parallel as f64;
        OperatingPoint {
            emf_v: ocv_v + sum4(pol),
            resistance_ohm: self.slow_sums.rbar,
            discharge_limit_a: min4(dis).min(rated * self.spec.cell.max_discharge_c),
            charge_limit_a: min4(chg).min(rated * self.spec.cell.max_charge_c),
            voltage_charge_limit_a: min4(chg),
            ocv_v,
        }
    }

    /// Second pass: advances every group by one step at `current_a` (positive
    /// discharging) and accumulates each group's heat for the next thermal step.
    /// `op` must be this step's operating point.
    pub fn commit(&mut self, op: &OperatingPoint, current_a: f64) {
        let n = self.groups();
        let dt = self.dt_s;
        let i = current_a;
        let s = &self.slow;
        // Equal-length slices let the compiler drop bounds checks and vectorise.
        let (z, v1, v2, heat) = (
            &mut self.soc[..n],
            &mut self.v1[..n],
            &mut self.v2[..n],
            &mut self.heat_acc_j[..n],
        );
        let inv_cap = &self.inv_cap_as[..n];
        let (r0, k12, lo, hi) = (&s.r0[..n], &s.k12[..n], &s.seg_lo[..n], &s.seg_hi[..n]);
        let (a1, a2, b1, b2) = (&s.alpha1[..n], &s.alpha2[..n], &s.beta1[..n], &s.beta2[..n]);
        let (c1, c2) = (&s.gamma1[..n], &s.gamma2[..n]);
        let moved = &mut self.moved[..n];
        let mut left_segment = false;
        for g in 0..n {
            let z1 = z[g] - i * dt * inv_cap[g];
            z[g] = z1;
            let v_mean = v1[g] * b1[g] + v2[g] * b2[g] - i * k12[g];
            let heat_j = i * dt * (i * r0[g] - v_mean);
            v1[g] = v1[g] * a1[g] - i * c1[g];
            v2[g] = v2[g] * a2[g] - i * c2[g];
            heat[g] += heat_j;
            // Bitwise on purpose: no branch in the loop body.
            #[allow(clippy::needless_bitwise_bool)]
            let outside = (z1 < lo[g]) | (z1 > hi[g]);
            moved[g] = u8::from(outside);
            left_segment |= outside;
        }
        if left_segment {
            self.refresh_moved();
        }
        // Pack totals in closed form from the sums of the operating point (the
        // per-group terms above add up to exactly these).
        let ss = &self.step_sums;
        let e = StepEnergy {
            chemical_j: i * dt * (op.ocv_v - 0.5 * i * dt * ss.ocv_slope_per_as),
            ohmic_j: i * i * dt * ss.r0,
            polarisation_j: -i * dt * (op.emf_v - op.ocv_v - i * ss.k12),
            terminal_j: i * dt * op.mean_voltage_v(i),
        };
        self.charge_ah -= i * dt / 3600.0 * n as f64;
        self.last = LastStep {
            current_a: i,
            power_w: e.terminal_j / dt,
            soc: self.charge_ah / self.total_cap_ah,
            heat_w: (e.ohmic_j + e.polarisation_j) / dt,
            energy: e,
        };
    }

    /// Terminal voltage of group `g` with its present state and `current_a` flowing
    /// (the R0 drop of that current, the RC branches as they are), V.
    #[must_use]
    pub fn group_voltage_with_current_v(&self, g: usize, current_a: f64) -> f64 {
        let s = &self.slow;
        s.ocv_a[g] + s.ocv_b[g] * self.soc[g] - current_a * s.r0[g] + self.v1[g] + self.v2[g]
    }

    /// Terminal voltage of group `g` at the end of the last step, V.
    #[must_use]
    pub fn group_voltage_v(&self, g: usize) -> f64 {
        let s = &self.slow;
        s.ocv_a[g] + s.ocv_b[g] * self.soc[g] - self.last.current_a * s.r0[g]
            + self.v1[g]
            + self.v2[g]
    }

    fn group_voltages(&self) -> Vec<f64> {
        let mut v = Vec::new();
        self.group_voltages_into(&mut v);
        v
    }

    /// Writes every group's terminal voltage (end of the last step) into `out`, V.
    pub fn group_voltages_into(&self, out: &mut Vec<f64>) {
        let n = self.groups();
        let s = &self.slow;
        let i = self.last.current_a;
        let (a, b, r0) = (&s.ocv_a[..n], &s.ocv_b[..n], &s.r0[..n]);
        let (z, v1, v2) = (&self.soc[..n], &self.v1[..n], &self.v2[..n]);
        out.clear();
        out.extend((0..n).map(|g| a[g] + b[g] * z[g] - i * r0[g] + v1[g] + v2[g]));
    }

    /// Writes every group's temperature into `out`, °C.
    pub fn group_temps_into(&self, out: &mut Vec<f64>) {
        out.clear();
        out.extend_from_slice(&self.temp_c);
    }

    /// Pack terminal voltage at the end of the last step, V.
    #[must_use]
    pub fn voltage_v(&self) -> f64 {
        sum4(&self.group_voltages())
    }

    /// Lowest group voltage after the last step and its group, V.
    #[must_use]
    pub fn cell_v_min(&self) -> (f64, usize) {
        let v = self.group_voltages();
        let k = arg_extreme(&v, |a, b| a < b);
        (v[k], k)
    }

    /// Highest group voltage after the last step and its group, V.
    #[must_use]
    pub fn cell_v_max(&self) -> (f64, usize) {
        let v = self.group_voltages();
        let k = arg_extreme(&v, |a, b| a > b);
        (v[k], k)
    }

    /// Coldest group temperature and its group, °C.
    #[must_use]
    pub fn temp_min(&self) -> (f64, usize) {
        let k = arg_extreme(&self.temp_c, |a, b| a < b);
        (self.temp_c[k], k)
    }

    /// Hottest group temperature and its group, °C.
    #[must_use]
    pub fn temp_max(&self) -> (f64, usize) {
        let k = arg_extreme(&self.temp_c, |a, b| a > b);
        (self.temp_c[k], k)
    }

    /// Mean group temperature, °C.
    #[must_use]
    pub fn temp_mean_c(&self) -> f64 {
        self.temp_sum_c / self.groups() as f64
    }

    /// Lowest and highest group SOC, 0…1.
    #[must_use]
    pub fn soc_range(&self) -> (f64, f64) {
        (min4(&self.soc), max4(&self.soc))
    }
}

/// Per-step scratch space of the operating-point pass.
#[derive(Debug, Clone, Default)]
pub(super) struct Scratch {
    data: Vec<f64>,
}

impl Scratch {
    #[allow(clippy::type_complexity)]
    fn split_five(
        &mut self,
        n: usize,
    ) -> (&mut [f64], &mut [f64], &mut [f64], &mut [f64], &mut [f64]) {
        self.data.resize(5 * n, 0.0);
        let (a, rest) = self.data.split_at_mut(n);
        let (b, rest) = rest.split_at_mut(n);
        let (c, rest) = rest.split_at_mut(n);
        let (d, e) = rest.split_at_mut(n);
        (a, b, c, d, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_reductions_match_plain_ones() {
        let xs: Vec<f64> = (0..23).map(|k| f64::from(k).sin() * 10.0).collect();
        let plain: f64 = xs.iter().sum();
        assert!((sum4(&xs) - plain).abs() < 1e-12);
        assert_eq!(
            max4(&xs),
            xs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        );
        assert_eq!(min4(&xs), xs.iter().copied().fold(f64::INFINITY, f64::min));
        assert_eq!(max4(&[]), f64::NEG_INFINITY);
    }
}
