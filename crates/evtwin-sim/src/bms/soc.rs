//! SOC estimation as a BMS does it: coulomb counting through an imperfect current
//! sensor, corrected from the open-circuit voltage once the pack has rested.

use crate::cell::CellTable;

/// The estimator's state.
#[derive(Debug, Clone, PartialEq)]
pub struct SocEstimator {
    soc: f64,
    rest_s: f64,
    capacity_as: f64,
}

/// SOC at which `table`'s OCV equals `ocv_v` at `temp_c` (bisection; OCV rises with
/// SOC), clamped to the table's SOC range.
#[must_use]
pub fn soc_from_ocv(table: &CellTable, ocv_v: f64, temp_c: f64) -> f64 {
    let socs = table.axes().a();
    let (mut lo, mut hi) = (socs[0], socs[socs.len() - 1]);
    let ocv = |z: f64| table.params(z, temp_c).ocv_v;
    if ocv_v <= ocv(lo) {
        return lo;
    }
    if ocv_v >= ocv(hi) {
        return hi;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if ocv(mid) < ocv_v {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

impl SocEstimator {
    /// Starts at `soc`, counting against a capacity of `capacity_ah`.
    #[must_use]
    pub fn new(soc: f64, capacity_ah: f64) -> Self {
        Self {
            soc,
            rest_s: 0.0,
            capacity_as: capacity_ah * 3600.0,
        }
    }

    /// The estimate, 0…1.
    #[must_use]
    pub fn soc(&self) -> f64 {
        self.soc
    }

    /// One tick: `measured_a` over `dt_s`. After `rest_time_s` below
    /// `rest_current_a`, the estimate is reset from the mean cell voltage.
    #[allow(clippy::too_many_arguments)]
    pub fn update(
        &mut self,
        measured_a: f64,
        dt_s: f64,
        rest_current_a: f64,
        rest_time_s: f64,
        mean_cell_v: f64,
        mean_temp_c: f64,
        table: &CellTable,
    ) {
        self.soc -= measured_a * dt_s / self.capacity_as;
        if measured_a.abs() < rest_current_a {
            self.rest_s += dt_s;
            if self.rest_s >= rest_time_s {
                self.soc = soc_from_ocv(table, mean_cell_v, mean_temp_c);
            }
        } else {
            self.rest_s = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::tests::test_cell;

    #[test]
    fn ocv_inverts() {
        let t = test_cell().table;
        // OCV = 3.0 + 1.2·z.
        assert!((soc_from_ocv(&t, 3.6, 25.0) - 0.5).abs() < 1e-12);
        assert_eq!(soc_from_ocv(&t, 2.0, 25.0), 0.0);
        assert_eq!(soc_from_ocv(&t, 5.0, 25.0), 1.0);
    }

    #[test]
    fn a_biased_sensor_drifts_until_the_pack_rests() {
        let t = test_cell().table;
        let mut e = SocEstimator::new(0.8, 5.0);
        // One hour at a true 2.5 A read as 2.5·1.01 + 0.05 A.
        for _ in 0..36_000 {
            e.update(2.5 * 1.01 + 0.05, 0.1, 0.5, 600.0, 3.0, 25.0, &t);
        }
        let counted = 0.8 - (2.5 * 1.01 + 0.05) / 5.0;
        assert!((e.soc() - counted).abs() < 1e-9);
        // At rest for ten minutes the OCV (3.36 V → 0.3) takes over.
        for _ in 0..6_000 {
            e.update(0.0, 0.1, 0.5, 600.0, 3.36, 25.0, &t);
        }
        assert!((e.soc() - 0.3).abs() < 1e-9);
    }
}
