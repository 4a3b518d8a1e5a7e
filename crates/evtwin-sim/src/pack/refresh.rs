//! When and how the slow per-group parameters are refreshed.
//!
//! A group's resistances, time constants, cold-capacity floor and plating limit are
//! functions of its temperature and SOC only (its spread factors and the stack
//! pressure are fixed). They are re-evaluated for one group when what they depend on
//! has moved, not on a clock:
//!
//! - its SOC left the window around the SOC of its last refresh within which no
//!   slow parameter moves by more than `ε`: the integral of the steepest relative
//!   slope over SOC (per table segment, at every table temperature) stays below
//!   `ε`. Crossing a table segment's end within that window only re-linearises
//!   OCV and a graphite anode's potential (exact lines within a segment): a table
//!   with many rows costs no more refreshes than a coarse one;
//! - its temperature moved more than `ε / s_T` from that of its last refresh, `s_T`
//!   being the steepest relative slope over temperature within ± 2 K of it (table
//!   and Arrhenius laws, secants over 1 K from −60 to 120 °C; at most 1 K); the
//!   cold-capacity floor's absolute slope bounds it too, as SOC.
//!
//! So between refreshes every slow parameter stays within `ε` relative (to first
//! order) for each of the two causes: within [`REFRESH_TOLERANCE`]` × 2` of what a
//! refresh at every step would give. OCV is re-linearised at every refresh and is
//! exact at every step (it is linear in SOC within the window).

use super::Pack;
use crate::cell::CellSpec;
use crate::chemistry::Anode;
use crate::interp::GridPoint;

/// `ε`: the relative change of any slow parameter that triggers a refresh.
pub const REFRESH_TOLERANCE: f64 = 0.005;

/// Largest number of SOC knots sampled for the temperature slope.
const MAX_SOC_SAMPLES: usize = 64;

/// The slow quantities of one cell at `(soc, temp_c)`, unscaled by group size and
/// spread (those factors cancel in relative slopes): R0, R1, R2, τ1, τ2 and the
/// plating limit's slow factor (the anode potential's part follows SOC exactly;
/// infinite without an anode rule), then the cold-capacity floor.
fn quantities(cell: &CellSpec, soc: f64, temp_c: f64, pressure_mpa: f64) -> ([f64; 6], f64) {
    let p = cell.table.params(soc, temp_c);
    let k = cell.resistance_temp_factor(temp_c);
    let r_dc = (p.r0_ohm + p.r1_ohm + p.r2_ohm) * k;
    let plating = cell.anode.map_or(f64::INFINITY, |a| {
        a.charge_limit_a(1.0, r_dc, temp_c, pressure_mpa)
    });
    let floor = cell
        .capacity_vs_temp
        .as_ref()
        .map_or(0.0, |c| c.soc_floor(temp_c));
    (
        [
            p.r0_ohm * k,
            p.r1_ohm * k,
            p.r2_ohm * k,
            p.r1_ohm * p.c1_f * k,
            p.r2_ohm * p.c2_f * k,
            plating,
        ],
        floor,
    )
}

/// `|q1 − q0| / min(q0, q1)`: the relative change between two values (0 where
/// either is not a positive finite number: an absent or exhausted limit).
fn relative_change(q0: f64, q1: f64) -> f64 {
    let lo = q0.min(q1);
    if lo > 0.0 && q0.is_finite() && q1.is_finite() {
        (q1 - q0).abs() / lo
    } else {
        0.0
    }
}

/// Lowest temperature of the slope table, °C (1 K bins up to `T_LO + T_BINS`).
const T_LO_C: f64 = -60.0;
const T_BINS: usize = 180;
/// A group's temperature threshold never exceeds this, K: the slopes it was taken
/// from cover ± 2 K around the temperature of its refresh.
const MAX_TEMP_TOL_K: f64 = 1.0;

/// Refresh thresholds of a cell.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Tolerances {
    /// Temperature change that moves a slow parameter by `ε`, by 1 K bin from
    /// `T_LO_C` (from the steepest slope within ± 2 K of the bin), K.
    temp_k: Vec<f64>,
    /// The SOC axis and, at its knots, the cumulative relative variation of the
    /// slow parameters over SOC, `V(z) = ∫ max_q |d ln q / dz| dz` (piecewise
    /// linear: the parameters are linear within a segment), over `ε`.
    socs: Vec<f64>,
    variation: Vec<f64>,
}

impl Tolerances {
    /// The temperature threshold of a group refreshed at `temp_c`, K.
    pub(super) fn temp_k(&self, temp_c: f64) -> f64 {
        let bin = (temp_c - T_LO_C).floor();
        // Saturating float-to-int casts: NaN gives 0, out of range the end bins.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let bin = (bin.max(0.0) as usize).min(T_BINS - 1);
        self.temp_k[bin]
    }

    /// The SOC window within which no slow parameter moves by more than `ε` from
    /// its value at `soc`: `|V(z) − V(soc)| ≤ 1` (unbounded past a flat end).
    pub(super) fn soc_window(&self, soc: f64) -> (f64, f64) {
        let (z, v) = (&self.socs, &self.variation);
        let last = z.len() - 1;
        let at = |x: f64| {
            if x <= z[0] {
                return v[0];
            }
            if x >= z[last] {
                return v[last];
            }
            let k = z.partition_point(|q| *q <= x) - 1;
            v[k] + (v[k + 1] - v[k]) * (x - z[k]) / (z[k + 1] - z[k])
        };
        let inverse = |target: f64, below: f64, above: f64| {
            if target <= v[0] {
                return below;
            }
            if target >= v[last] {
                return above;
            }
            let k = v.partition_point(|q| *q <= target) - 1;
            z[k] + (z[k + 1] - z[k]) * (target - v[k]) / (v[k + 1] - v[k])
        };
        let here = at(soc);
        let lo = if here - 1.0 <= v[0] {
            f64::NEG_INFINITY
        } else {
            inverse(here - 1.0, f64::NEG_INFINITY, f64::INFINITY)
        };
        let hi = if here + 1.0 >= v[last] {
            f64::INFINITY
        } else {
            inverse(here + 1.0, f64::NEG_INFINITY, f64::INFINITY)
        };
        (lo.min(soc), hi.max(soc))
    }

    /// The smallest temperature threshold anywhere, K.
    pub(super) fn min_temp_k(&self) -> f64 {
        self.temp_k.iter().copied().fold(f64::INFINITY, f64::min)
    }
}

/// Refresh thresholds of a cell: the temperature change (K, by temperature) and,
/// per SOC segment of its table, the SOC change that move a slow parameter by
/// `eps` relative.
pub(super) fn tolerances(cell: &CellSpec, pressure_mpa: f64, eps: f64) -> Tolerances {
    let socs = cell.table.axes().a();
    let temps = cell.table.axes().b();
    // Temperature: secant slopes over 1 K steps at up to 64 SOC knots.
    let stride = socs.len().div_ceil(MAX_SOC_SAMPLES).max(1);
    let mut slope = vec![0.0_f64; T_BINS];
    for &z in socs.iter().step_by(stride) {
        let mut prev = quantities(cell, z, T_LO_C, pressure_mpa);
        for (k, s) in slope.iter_mut().enumerate() {
            let next = quantities(cell, z, T_LO_C + (k + 1) as f64, pressure_mpa);
            for (a, b) in prev.0.iter().zip(&next.0) {
                *s = s.max(relative_change(*a, *b));
            }
            // The floor is a SOC: its absolute change counts against ε.
            *s = s.max((next.1 - prev.1).abs());
            prev = next;
        }
    }
    let temp_k = (0..T_BINS)
        .map(|k| {
            let near = &slope[k.saturating_sub(2)..(k + 3).min(T_BINS)];
            let s = near.iter().copied().fold(0.0, f64::max);
            if s > 0.0 {
                (eps / s).min(MAX_TEMP_TOL_K)
            } else {
                MAX_TEMP_TOL_K
            }
        })
        .collect();
    // SOC: the parameters are linear in SOC within a segment, so the steepest
    // relative slope sits at an end of it; its integral over SOC, in units of ε.
    let mut variation = vec![0.0];
    for w in socs.windows(2) {
        let mut s_z: f64 = 0.0;
        for &t in temps {
            let (q0, _) = quantities(cell, w[0], t, pressure_mpa);
            let (q1, _) = quantities(cell, w[1], t, pressure_mpa);
            for (a, b) in q0.iter().zip(&q1) {
                s_z = s_z.max(relative_change(*a, *b));
            }
        }
        let prev = variation[variation.len() - 1];
        variation.push(prev + s_z / eps);
    }
    Tolerances {
        temp_k,
        socs: socs.to_vec(),
        variation,
    }
}

impl Pack {
    /// Recomputes every group's slow parameters and OCV line.
    pub(super) fn refresh_all(&mut self) {
        let n = self.groups();
        self.slow.resize(n);
        self.ref_temp_c.resize(n, 0.0);
        self.ref_tol_k.resize(n, 0.0);
        self.win_lo.resize(n, 0.0);
        self.win_hi.resize(n, 0.0);
        self.seg_ij.resize(n, (0, 0));
        self.moved.resize(n, 0);
        for g in 0..n {
            self.refresh_group(g);
        }
        self.sum_slow();
        // Re-anchor the running charge total (it drifts by rounding only).
        self.charge_ah = (0..n).map(|g| self.soc[g] * self.cap_ah[g]).sum();
    }

    /// Refreshes the groups whose temperature moved past the tolerance since their
    /// last refresh (called after each thermal step).
    pub(super) fn refresh_warmed(&mut self) {
        for g in 0..self.groups() {
            if (self.temp_c[g] - self.ref_temp_c[g]).abs() > self.ref_tol_k[g] {
                let before = self.sum_terms(g);
                self.refresh_group(g);
                self.update_sums(before, g);
            }
        }
    }

    /// Refreshes the groups whose SOC left their window (called after a commit that
    /// saw one leave): in full where it left the parameters' window, else only its
    /// OCV line (it crossed a table segment's end).
    pub(super) fn refresh_moved(&mut self) {
        for g in 0..self.groups() {
            if self.moved[g] == 0 {
                continue;
            }
            let z = self.soc[g];
            if z < self.slow.seg_lo[g] || z > self.slow.seg_hi[g] {
                let before = self.sum_terms(g);
                if z < self.win_lo[g] || z > self.win_hi[g] {
                    self.refresh_group(g);
                } else {
                    self.linearise_ocv(g);
                }
                self.update_sums(before, g);
            }
        }
    }

    /// Group `g`'s terms in the pack sums.
    fn sum_terms(&self, g: usize) -> [f64; 4] {
        let s = &self.slow;
        [
            s.r0[g],
            s.k12[g],
            s.ocv_b[g] * self.inv_cap_as[g],
            s.rbar[g],
        ]
    }

    /// Moves the pack sums from group `g`'s terms `before` to its present ones;
    /// every 4096 updates they are summed afresh (bounded, reproducible rounding).
    fn update_sums(&mut self, before: [f64; 4], g: usize) {
        let after = self.sum_terms(g);
        let s = &mut self.slow_sums;
        s.r0 += after[0] - before[0];
        s.k12 += after[1] - before[1];
        s.ocv_slope_per_as += after[2] - before[2];
        s.rbar += after[3] - before[3];
        self.sum_updates += 1;
        if self.sum_updates >= 4096 {
            self.sum_slow();
        }
    }

    /// Recomputes group `g`'s slow parameters at its present SOC and temperature.
    pub(super) fn refresh_group(&mut self, g: usize) {
        self.refreshes += 1;
        let parallel = self.spec.parallel as f64;
        let cell = &self.spec.cell;
        let pressure = cell
            .pressure
            .map_or(1.0, |p| p.resistance_factor(self.spec.stack_pressure_mpa));
        let t = self.temp_c[g];
        let z = self.soc[g];
        let p = cell.table.params(z, t);
        // Spread, temperature and pressure scale the resistances; capacitances
        // stay, so time constants grow in the cold as kinetics slow down.
        let k = self.res_factor[g] * pressure * cell.resistance_temp_factor(t);
        let floor = cell
            .capacity_vs_temp
            .as_ref()
            .map_or(0.0, |c| c.soc_floor(t));
        // The plating limit is `max(0, u_anode(SOC)) × scale`: a graphite anode's
        // potential follows SOC exactly (a line per segment, set with the OCV's),
        // the rest (resistance, CCD) is slow. A Li-metal anode's limit is the scale.
        let scale = cell.anode.map_or(f64::INFINITY, |a| {
            let r_dc = (p.r0_ohm + p.r1_ohm + p.r2_ohm) * k;
            a.charge_limit_a(1.0, r_dc, t, self.spec.stack_pressure_mpa) * parallel
        });
        let dt = self.dt_s;
        let s = &mut self.slow;
        s.floor[g] = floor;
        s.plate_scale[g] = scale;
        s.r0[g] = p.r0_ohm * k / parallel;
        s.r1[g] = p.r1_ohm * k / parallel;
        s.r2[g] = p.r2_ohm * k / parallel;
        // Group scaling (R/P, C·P) leaves τ = R·C unchanged; the factor k
        // scales it with the resistance.
        let tau1 = p.r1_ohm * p.c1_f * k;
        let tau2 = p.r2_ohm * p.c2_f * k;
        // libm, not the platform's exp: the same bits on every platform.
        s.alpha1[g] = libm::exp(-dt / tau1);
        s.alpha2[g] = libm::exp(-dt / tau2);
        s.beta1[g] = tau1 * (1.0 - s.alpha1[g]) / dt;
        s.beta2[g] = tau2 * (1.0 - s.alpha2[g]) / dt;
        s.gamma1[g] = s.r1[g] * (1.0 - s.alpha1[g]);
        s.gamma2[g] = s.r2[g] * (1.0 - s.alpha2[g]);
        s.k12[g] = s.r1[g] * (1.0 - s.beta1[g]) + s.r2[g] * (1.0 - s.beta2[g]);
        self.ref_temp_c[g] = t;
        self.ref_tol_k[g] = self.tol.temp_k(t);
        (self.win_lo[g], self.win_hi[g]) = self.tol.soc_window(z);
        self.linearise_ocv(g);
    }

    /// Re-linearises group `g`'s OCV (and its anode potential) around its SOC,
    /// sets its SOC window and updates the resistances that include the OCV slope.
    fn linearise_ocv(&mut self, g: usize) {
        let table = &self.spec.cell.table;
        let z = self.soc[g];
        let (i, j) = self.seg_ij[g];
        let hint = GridPoint {
            i,
            j,
            wa: 0.0,
            wb: 0.0,
        };
        let point = table.locate_near(z, self.temp_c[g], hint);
        self.seg_ij[g] = (point.i, point.j);
        let (a, b) = table.ocv_line(point);
        let socs = table.axes().a();
        let (first, last) = (socs[0], socs[socs.len() - 1]);
        let inside = (first..=last).contains(&z);
        // A graphite anode's potential along the segment; clamped outside the table.
        let graphite = matches!(self.spec.cell.anode, Some(Anode::Graphite { .. }));
        let (pa, pb) = match table.anode_ocp_line(point) {
            Some(line) if graphite && inside => line,
            Some(_) if graphite => (table.anode_ocp_v(z, self.temp_c[g]).unwrap_or(0.0), 0.0),
            _ => (1.0, 0.0),
        };
        let s = &mut self.slow;
        s.ocv_a[g] = a;
        s.ocv_b[g] = b;
        s.plate_a[g] = pa;
        s.plate_b[g] = pb;
        // Outside the table OCV extrapolates along the end segment: the window
        // ends where the table does, so the anode's clamp takes effect.
        let seg_lo = match point.i {
            0 if z < first => f64::NEG_INFINITY,
            0 => first,
            _ if z > last => last,
            i => socs[i],
        };
        let seg_hi = match point.i + 2 == socs.len() {
            true if z > last => f64::INFINITY,
            true => last,
            false if z < first => first,
            false => socs[point.i + 1],
        };
        s.seg_lo[g] = seg_lo.max(self.win_lo[g]);
        s.seg_hi[g] = seg_hi.min(self.win_hi[g]);
        let ocv_drop = b * self.dt_s * self.inv_cap_as[g];
        s.rbar[g] = s.r0[g] + 0.5 * ocv_drop + s.k12[g];
        s.rend[g] = s.r0[g] + ocv_drop + s.gamma1[g] + s.gamma2[g];
        s.inv_rend[g] = 1.0 / s.rend[g];
    }
}

#[cfg(test)]
#[path = "refresh_tests.rs"]
mod tests;
