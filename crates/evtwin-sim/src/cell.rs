//! One cell: its equivalent-circuit parameter table over SOC × temperature and its
//! ratings. The pack scales these to series groups of parallel cells.

use thiserror::Error;

use crate::chemistry::{Anode, Arrhenius, CapacityVsTemp, PressureSpec, TemperatureLimits};
use crate::interp::{GridAxes, GridPoint, TableError};

/// One row of an HPPC-style parameter table (SI units; SOC as a fraction 0…1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellRow {
    /// State of charge, 0…1.
    pub soc: f64,
    /// Cell temperature, °C.
    pub temp_c: f64,
    /// Open-circuit voltage, V.
    pub ocv_v: f64,
    /// Ohmic resistance, Ω.
    pub r0_ohm: f64,
    /// First RC branch resistance, Ω.
    pub r1_ohm: f64,
    /// First RC branch capacitance, F.
    pub c1_f: f64,
    /// Second RC branch resistance, Ω (0 with `c2_f` 0: a one-RC table).
    pub r2_ohm: f64,
    /// Second RC branch capacitance, F (0 with `r2_ohm` 0: a one-RC table).
    pub c2_f: f64,
    /// Open-circuit potential of the anode vs Li, V (optional; for plating limits).
    pub anode_ocp_v: Option<f64>,
}

/// Why a parameter table is unusable. `row` indexes the rows as given.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CellTableError {
    /// The table is empty.
    #[error("the table has no rows")]
    Empty,
    /// Two rows share the same SOC and temperature.
    #[error("row {row} repeats SOC {soc} at {temp_c} °C")]
    Duplicate { row: usize, soc: f64, temp_c: f64 },
    /// A grid point (SOC × temperature) has no row.
    #[error(
        "no row for SOC {soc} at {temp_c} °C: the table must cover every SOC at every temperature"
    )]
    Missing { soc: f64, temp_c: f64 },
    /// A value is out of its physical range.
    #[error("row {row}: {column} = {value} ({why})")]
    BadValue {
        row: usize,
        column: &'static str,
        value: f64,
        why: &'static str,
    },
    /// Some rows have an anode potential and others do not.
    #[error("row {row} has no anode potential although other rows do")]
    PartialAnode { row: usize },
    /// Some rows have a second RC branch and others do not.
    #[error(
        "row {row} has no second RC branch although other rows do (r2 = c2 = 0 in every row or in none)"
    )]
    PartialSecondBranch { row: usize },
    /// The axes are unusable.
    #[error(transparent)]
    Axes(#[from] TableError),
}

/// Equivalent-circuit parameters on a full SOC × temperature grid.
#[derive(Debug, Clone, PartialEq)]
pub struct CellTable {
    axes: GridAxes,
    single_temp_c: Option<f64>,
    ocv_v: Vec<f64>,
    r0_ohm: Vec<f64>,
    r1_ohm: Vec<f64>,
    c1_f: Vec<f64>,
    r2_ohm: Vec<f64>,
    c2_f: Vec<f64>,
    anode_ocp_v: Option<Vec<f64>>,
}

/// Parameters at one operating point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellParams {
    /// Open-circuit voltage, V.
    pub ocv_v: f64,
    /// Ohmic resistance, Ω.
    pub r0_ohm: f64,
    /// First RC branch resistance, Ω.
    pub r1_ohm: f64,
    /// First RC branch capacitance, F.
    pub c1_f: f64,
    /// Second RC branch resistance, Ω.
    pub r2_ohm: f64,
    /// Second RC branch capacitance, F.
    pub c2_f: f64,
}

fn sorted_unique(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v.dedup();
    v
}

impl CellTable {
    /// Builds the grid from rows in any order. Every SOC present must appear at every
    /// temperature present. Resistances and capacitances must be positive, SOC within
    /// 0…1, OCV positive.
    pub fn from_rows(rows: &[CellRow]) -> Result<Self, CellTableError> {
        if rows.is_empty() {
            return Err(CellTableError::Empty);
        }
        for (row, r) in rows.iter().enumerate() {
            check_row(row, r)?;
        }
        let socs = sorted_unique(rows.iter().map(|r| r.soc));
        let temps = sorted_unique(rows.iter().map(|r| r.temp_c));
        // A table measured at one temperature holds at every temperature.
        let single_temp = temps.len() == 1;
        let temps = if single_temp {
            vec![temps[0], temps[0] + 1.0]
        } else {
            temps
        };
        let axes = GridAxes::new(socs, temps)?;
        let nb = axes.b().len();
        let mut slot: Vec<Option<usize>> = vec![None; axes.len()];
        for (row, r) in rows.iter().enumerate() {
            let i = axes.a().partition_point(|&s| s < r.soc);
            let j = axes.b().partition_point(|&t| t < r.temp_c);
            if slot[i * nb + j].replace(row).is_some() {
                return Err(CellTableError::Duplicate {
                    row,
                    soc: r.soc,
                    temp_c: r.temp_c,
                });
            }
            if single_temp {
                slot[i * nb + 1] = Some(row);
            }
        }
        let mut order = Vec::with_capacity(slot.len());
        for (k, s) in slot.iter().enumerate() {
            match s {
                Some(row) => order.push(*row),
                None => {
                    return Err(CellTableError::Missing {
                        soc: axes.a()[k / nb],
                        temp_c: axes.b()[k % nb],
                    });
                }
            }
        }
        let one_rc = |r: &CellRow| r.r2_ohm == 0.0;
        if rows.iter().any(one_rc)
            && let Some(row) = rows.iter().position(|r| !one_rc(r))
        {
            return Err(CellTableError::PartialSecondBranch { row });
        }
        let column = |f: fn(&CellRow) -> f64| order.iter().map(|&r| f(&rows[r])).collect();
        let anode_ocp_v = if rows.iter().any(|r| r.anode_ocp_v.is_some()) {
            if let Some(row) = rows.iter().position(|r| r.anode_ocp_v.is_none()) {
                return Err(CellTableError::PartialAnode { row });
            }
            Some(column(|r| r.anode_ocp_v.unwrap_or(0.0)))
        } else {
            None
        };
        Ok(Self {
            single_temp_c: single_temp.then_some(axes.b()[0]),
            ocv_v: column(|r| r.ocv_v),
            r0_ohm: column(|r| r.r0_ohm),
            r1_ohm: column(|r| r.r1_ohm),
            c1_f: column(|r| r.c1_f),
            r2_ohm: column(|r| r.r2_ohm),
            c2_f: column(|r| r.c2_f),
            anode_ocp_v,
            axes,
        })
    }

    /// Number of RC branches: 2, or 1 where the table has no second branch
    /// (`r2_ohm = c2_f = 0` throughout).
    #[must_use]
    pub fn rc_branches(&self) -> usize {
        if self.r2_ohm.iter().all(|r| *r == 0.0) {
            1
        } else {
            2
        }
    }

    /// The temperature of a table measured at one temperature only.
    #[must_use]
    pub fn single_temperature_c(&self) -> Option<f64> {
        self.single_temp_c
    }

    /// SOC axis (fractions) and temperature axis (°C).
    #[must_use]
    pub fn axes(&self) -> &GridAxes {
        &self.axes
    }

    /// Locates an operating point on the grid.
    #[must_use]
    pub fn locate(&self, soc: f64, temp_c: f64) -> GridPoint {
        self.axes.locate(soc, temp_c)
    }

    /// As [`Self::locate`], starting from a point located before (the same result).
    #[must_use]
    pub fn locate_near(&self, soc: f64, temp_c: f64, near: GridPoint) -> GridPoint {
        self.axes.locate_near(soc, temp_c, near)
    }

    /// Open-circuit voltage line through `p`'s SOC segment at `p`'s temperature:
    /// returns `(intercept_v, slope_v_per_soc)` so that OCV = intercept + slope × SOC,
    /// exactly the bilinear surface along SOC (extrapolated outside the table).
    #[must_use]
    pub fn ocv_line(&self, p: GridPoint) -> (f64, f64) {
        let (lo, hi) = self.axes.segment_ends(&self.ocv_v, p);
        let (s0, s1) = (self.axes.a()[p.i], self.axes.a()[p.i + 1]);
        let slope = (hi - lo) / (s1 - s0);
        (lo - slope * s0, slope)
    }

    /// The anode's open-circuit potential along `p`'s SOC segment at `p`'s
    /// temperature, as [`Self::ocv_line`]: `(intercept_v, slope_v_per_soc)`, if the
    /// table has it.
    #[must_use]
    pub fn anode_ocp_line(&self, p: GridPoint) -> Option<(f64, f64)> {
        let v = self.anode_ocp_v.as_ref()?;
        let (lo, hi) = self.axes.segment_ends(v, p);
        let (s0, s1) = (self.axes.a()[p.i], self.axes.a()[p.i + 1]);
        let slope = (hi - lo) / (s1 - s0);
        Some((lo - slope * s0, slope))
    }

    /// The anode's open-circuit potential at `(soc, temp_c)`, if the table has it, V.
    #[must_use]
    pub fn anode_ocp_v(&self, soc: f64, temp_c: f64) -> Option<f64> {
        let p = self.locate(soc, temp_c).clamped();
        self.anode_ocp_v.as_ref().map(|v| self.axes.eval(v, p))
    }

    /// All parameters at `(soc, temp_c)`; OCV extrapolates in SOC, the rest clamp.
    #[must_use]
    pub fn params(&self, soc: f64, temp_c: f64) -> CellParams {
        let p = self.locate(soc, temp_c);
        let c = p.clamped();
        CellParams {
            ocv_v: self.axes.eval(&self.ocv_v, p),
            r0_ohm: self.axes.eval(&self.r0_ohm, c),
            r1_ohm: self.axes.eval(&self.r1_ohm, c),
            c1_f: self.axes.eval(&self.c1_f, c),
            r2_ohm: self.axes.eval(&self.r2_ohm, c),
            c2_f: self.axes.eval(&self.c2_f, c),
        }
    }
}

fn check_row(row: usize, r: &CellRow) -> Result<(), CellTableError> {
    let bad = |column, value, why| {
        Err(CellTableError::BadValue {
            row,
            column,
            value,
            why,
        })
    };
    let all = [
        ("soc", r.soc),
        ("temp_c", r.temp_c),
        ("ocv_v", r.ocv_v),
        ("r0_ohm", r.r0_ohm),
        ("r1_ohm", r.r1_ohm),
        ("c1_f", r.c1_f),
        ("r2_ohm", r.r2_ohm),
        ("c2_f", r.c2_f),
    ];
    for (column, value) in all {
        if !value.is_finite() {
            return bad(column, value, "not a finite number");
        }
    }
    if !(0.0..=1.0).contains(&r.soc) {
        return bad("soc", r.soc, "SOC is a fraction from 0 to 1");
    }
    if r.ocv_v <= 0.0 {
        return bad("ocv_v", r.ocv_v, "must be positive");
    }
    for (column, value) in &all[3..6] {
        if *value <= 0.0 {
            return bad(column, *value, "must be positive");
        }
    }
    // The second branch: both positive, or both zero (a one-RC table).
    let both_zero = r.r2_ohm == 0.0 && r.c2_f == 0.0;
    for (column, value) in &all[6..] {
        if *value < 0.0 || (*value == 0.0 && !both_zero) {
            return bad(
                column,
                *value,
                "must be positive (or r2 and c2 both 0: no second RC branch)",
            );
        }
    }
    Ok(())
}

/// A cell type: ratings plus its parameter table.
#[derive(Debug, Clone, PartialEq)]
pub struct CellSpec {
    /// Short identifier, e.g. `sulfide-nmc811-li`.
    pub name: String,
    /// Rated capacity at 25 °C, Ah.
    pub capacity_ah: f64,
    /// Upper voltage limit (charge end), V.
    pub voltage_max_v: f64,
    /// Lower voltage limit (discharge end), V.
    pub voltage_min_v: f64,
    /// Continuous charge current limit as a C-rate (1/h).
    pub max_charge_c: f64,
    /// Continuous discharge current limit as a C-rate (1/h).
    pub max_discharge_c: f64,
    /// Cell mass, kg.
    pub mass_kg: f64,
    /// Cell volume, L.
    pub volume_l: f64,
    /// Specific heat capacity, J/(kg·K).
    pub specific_heat_j_per_kg_k: f64,
    /// Equivalent-circuit parameters.
    pub table: CellTable,
    /// Resistance against temperature; `None`: the table's own temperature axis.
    pub arrhenius: Option<Arrhenius>,
    /// Available capacity against temperature; `None`: all of it at any temperature.
    pub capacity_vs_temp: Option<CapacityVsTemp>,
    /// Interface resistance against stack pressure; `None`: no pressure effect.
    pub pressure: Option<PressureSpec>,
    /// Where the cell may charge and discharge.
    pub temperature: TemperatureLimits,
    /// Plating / dendrite rule; `None`: no limit from the anode.
    pub anode: Option<Anode>,
}

impl CellSpec {
    /// `R(T)/R(25 °C)`-style factor applied on top of the table at `temp_c`.
    #[must_use]
    pub fn resistance_temp_factor(&self, temp_c: f64) -> f64 {
        self.arrhenius.map_or(1.0, |a| a.factor(temp_c))
    }

    /// Energy per mass, Wh/kg, at 25 °C.
    #[must_use]
    pub fn wh_per_kg(&self) -> f64 {
        self.energy_wh(25.0) / self.mass_kg
    }

    /// Energy per volume, Wh/L, at 25 °C.
    #[must_use]
    pub fn wh_per_l(&self) -> f64 {
        self.energy_wh(25.0) / self.volume_l
    }

    /// Energy between SOC 0 and 1 at `temp_c`, Wh: the integral of OCV over charge
    /// (OCV extrapolated linearly where the table does not reach 0 or 1).
    #[must_use]
    pub fn energy_wh(&self, temp_c: f64) -> f64 {
        let inner = self.table.axes().a().iter().copied();
        let mut socs: Vec<f64> = inner.filter(|s| *s > 0.0 && *s < 1.0).collect();
        socs.insert(0, 0.0);
        socs.push(1.0);
        let ocv = |s: f64| self.table.params(s, temp_c).ocv_v;
        // OCV is linear between these points, so the trapezoid rule is exact.
        let mean_v: f64 = socs
            .windows(2)
            .map(|w| 0.5 * (ocv(w[0]) + ocv(w[1])) * (w[1] - w[0]))
            .sum();
        mean_v * self.capacity_ah
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small synthetic cell used across the crate's unit tests.
    pub(crate) fn test_cell() -> CellSpec {
        let mut rows = Vec::new();
        for (k, &temp_c) in [-20.0, 25.0, 45.0].iter().enumerate() {
            for i in 0..=10 {
                let soc = f64::from(i) / 10.0;
                let r_scale = [4.0, 1.0, 0.6][k];
                rows.push(CellRow {
                    soc,
                    temp_c,
                    ocv_v: 3.0 + 1.2 * soc,
                    r0_ohm: 0.010 * r_scale,
                    r1_ohm: 0.005 * r_scale,
                    c1_f: 2000.0 / r_scale,
                    r2_ohm: 0.003 * r_scale,
                    c2_f: 100_000.0 / r_scale,
                    anode_ocp_v: None,
                });
            }
        }
        CellSpec {
            name: "test".into(),
            capacity_ah: 5.0,
            voltage_max_v: 4.2,
            voltage_min_v: 2.8,
            max_charge_c: 2.0,
            max_discharge_c: 5.0,
            mass_kg: 0.07,
            volume_l: 0.024,
            specific_heat_j_per_kg_k: 1000.0,
            table: CellTable::from_rows(&rows).unwrap(),
            arrhenius: None,
            capacity_vs_temp: None,
            pressure: None,
            temperature: TemperatureLimits {
                charge_min_c: 0.0,
                charge_max_c: 55.0,
                discharge_min_c: -30.0,
                discharge_max_c: 60.0,
                charge_optimum_c: 30.0,
            },
            anode: None,
        }
    }

    #[test]
    fn table_builds_from_shuffled_rows() {
        let cell = test_cell();
        let p = cell.table.params(0.55, 25.0);
        assert!((p.ocv_v - 3.66).abs() < 1e-12);
        assert!((p.r0_ohm - 0.010).abs() < 1e-15);
        // Halfway between 25 and 45 °C.
        assert!((cell.table.params(0.5, 35.0).r0_ohm - 0.008).abs() < 1e-15);
    }

    #[test]
    fn ocv_line_matches_surface_and_extrapolates() {
        let cell = test_cell();
        let p = cell.table.locate(0.33, 30.0);
        let (a, b) = cell.table.ocv_line(p);
        assert!((a + b * 0.33 - cell.table.params(0.33, 30.0).ocv_v).abs() < 1e-12);
        let below = cell.table.locate(-0.05, 25.0);
        let (a, b) = cell.table.ocv_line(below);
        assert!((a + b * -0.05 - (3.0 - 0.06)).abs() < 1e-12);
    }

    #[test]
    fn missing_and_duplicate_rows_are_reported() {
        let row = |soc, temp_c| CellRow {
            soc,
            temp_c,
            ocv_v: 3.7,
            r0_ohm: 0.01,
            r1_ohm: 0.01,
            c1_f: 1.0,
            r2_ohm: 0.01,
            c2_f: 1.0,
            anode_ocp_v: None,
        };
        let rows = [row(0.0, 0.0), row(1.0, 0.0), row(0.0, 25.0)];
        assert_eq!(
            CellTable::from_rows(&rows),
            Err(CellTableError::Missing {
                soc: 1.0,
                temp_c: 25.0
            })
        );
        let rows = [row(0.0, 0.0), row(1.0, 0.0), row(0.0, 0.0)];
        assert!(matches!(
            CellTable::from_rows(&rows),
            Err(CellTableError::Duplicate { row: 2, .. })
        ));
        // One temperature only: the table holds at every temperature.
        let one = CellTable::from_rows(&[row(0.0, 20.0), row(1.0, 20.0)]).unwrap();
        assert_eq!(one.params(0.5, -30.0), one.params(0.5, 60.0));
        let mut bad = row(0.5, 0.0);
        bad.r1_ohm = 0.0;
        assert!(matches!(
            CellTable::from_rows(&[bad]),
            Err(CellTableError::BadValue {
                column: "r1_ohm",
                ..
            })
        ));
    }

    #[test]
    fn one_rc_tables_have_no_second_branch_in_every_row() {
        let row = |soc, r2_ohm, c2_f| CellRow {
            soc,
            temp_c: 25.0,
            ocv_v: 3.7,
            r0_ohm: 0.01,
            r1_ohm: 0.01,
            c1_f: 1000.0,
            r2_ohm,
            c2_f,
            anode_ocp_v: None,
        };
        let one = CellTable::from_rows(&[row(0.0, 0.0, 0.0), row(1.0, 0.0, 0.0)]).unwrap();
        assert_eq!(one.rc_branches(), 1);
        assert_eq!(one.params(0.5, 25.0).r2_ohm, 0.0);
        assert_eq!(test_cell().table.rc_branches(), 2);
        assert_eq!(
            CellTable::from_rows(&[row(0.0, 0.0, 0.0), row(1.0, 0.01, 1e5)]),
            Err(CellTableError::PartialSecondBranch { row: 1 })
        );
        assert!(matches!(
            CellTable::from_rows(&[row(0.0, 0.01, 0.0)]),
            Err(CellTableError::BadValue { column: "c2_f", .. })
        ));
    }

    #[test]
    fn energy_integrates_ocv() {
        // OCV 3.0 + 1.2 z over 0..1 → mean 3.6 V × 5 Ah = 18 Wh.
        assert!((test_cell().energy_wh(25.0) - 18.0).abs() < 1e-9);
    }
}
