//! Equivalent-circuit parameters from HPPC data: the usual short discharge and
//! charge pulses, each SOC level reached after a long rest.
//!
//! The data is split into rests (|current| at most the rest threshold) and active
//! spans. A long rest (at least `min_rest_s`) anchors a sequence: its last voltage
//! is the OCV there. Each active span of at most `max_pulse_s` after an anchor is
//! a pulse; a longer one (moving the SOC to the next level) ends the sequence.
//!
//! A pulse is fitted over its window (the sample before it, the pulse, and the rest
//! after it up to `window_after_s`) with the model the pack uses, driven by the
//! whole current history since the anchor (so a charge pulse that follows a
//! discharge pulse starts from the right branch voltages):
//!
//! `V_j = OCV(SOC_j) − R0·I_j + R1·u(τ1)_j + R2·u(τ2)_j`
//!
//! with `OCV` interpolated between the anchors' rest voltages at their SOC (same
//! temperature) and `u(τ)` the exact response of a unit RC branch. For given time constants the rest is
//! linear least squares; the time constants are searched on a log grid and refined
//! by golden sections. Resistances must come out positive.
//!
//! One table row per sequence: the anchor's SOC and OCV, the mean resistances and
//! time constants of its pulses (C = τ/R), at its mean temperature.

use thiserror::Error;

use super::Series;
use super::pulse_fit::{Ctx, OcvCurve, fit_pulse};
use crate::cell::{CellRow, CellTable, CellTableError};

/// How to read and fit HPPC data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitSettings {
    /// RC branches to fit: 1 or 2.
    pub rc_branches: usize,
    /// Cell capacity for coulomb counting, Ah (not needed with a SOC column).
    pub capacity_ah: Option<f64>,
    /// SOC at the first row, 0…1 (with coulomb counting).
    pub initial_soc: f64,
    /// Temperature where the data has no temperature column, °C.
    pub temp_c: f64,
    /// Shortest rest that anchors a sequence, s.
    pub min_rest_s: f64,
    /// Longest active span that counts as a pulse, s.
    pub max_pulse_s: f64,
    /// Longest part of the rest after a pulse in its fit, s.
    pub window_after_s: f64,
    /// Largest |current| that counts as rest, A (`None`: 1 % of the largest).
    pub rest_current_a: Option<f64>,
    /// SOC rounding of the table's rows (so levels at several temperatures meet).
    pub soc_round: f64,
}

impl Default for FitSettings {
    fn default() -> Self {
        Self {
            rc_branches: 2,
            capacity_ah: None,
            initial_soc: 1.0,
            temp_c: 25.0,
            min_rest_s: 600.0,
            max_pulse_s: 60.0,
            window_after_s: 120.0,
            rest_current_a: None,
            soc_round: 0.005,
        }
    }
}

/// Why the data could not be fitted.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FitError {
    /// No voltage column.
    #[error("the data has no voltage column (`voltage_v`)")]
    NoVoltage,
    /// Neither a SOC column nor a capacity to count charge with.
    #[error("the data has no `soc` column: give the cell's capacity to count charge")]
    NoSoc,
    /// A setting is out of range.
    #[error("{what} = {value} is out of range ({why})")]
    Setting {
        what: &'static str,
        value: f64,
        why: &'static str,
    },
    /// No pulse after a long rest was found.
    #[error(
        "no pulse found: pulses of at most {max_pulse_s} s after rests of at least {min_rest_s} s"
    )]
    NoPulses { min_rest_s: f64, max_pulse_s: f64 },
    /// The rows do not form a table (e.g. a level missing at one temperature).
    #[error("the fitted rows do not form a table: {0}")]
    Table(#[from] CellTableError),
}

/// The fit of one pulse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PulseFit {
    /// Time of the pulse's first sample, s.
    pub start_s: f64,
    /// Length of the pulse, s.
    pub duration_s: f64,
    /// Mean current of the pulse, A (positive discharging).
    pub current_a: f64,
    /// SOC at the start of the pulse, 0…1.
    pub soc: f64,
    /// Mean temperature over the pulse, °C.
    pub temp_c: f64,
    /// OCV at the start of the pulse (from the anchors' rest voltages), V.
    pub ocv_v: f64,
    /// Ohmic resistance, Ω.
    pub r0_ohm: f64,
    /// First branch resistance, Ω, and time constant, s.
    pub r1_ohm: f64,
    pub tau1_s: f64,
    /// Second branch resistance, Ω, and time constant, s (0 with one branch).
    pub r2_ohm: f64,
    pub tau2_s: f64,
    /// RMS and largest residual over the pulse's window, V.
    pub rms_v: f64,
    pub max_v: f64,
    /// Which sequence (anchor) the pulse belongs to.
    pub sequence: usize,
}

/// A whole fit: every pulse and the table built from them.
#[derive(Debug, Clone, PartialEq)]
pub struct HppcFit {
    /// Each pulse, in time order.
    pub pulses: Vec<PulseFit>,
    /// One row per sequence, sorted by temperature and SOC.
    pub rows: Vec<CellRow>,
}

impl HppcFit {
    /// The rows as a validated table.
    pub fn table(&self) -> Result<CellTable, CellTableError> {
        CellTable::from_rows(&self.rows)
    }
}

/// The anchor's OCV is the mean voltage over this last part of its rest, s.
const ANCHOR_MEAN_S: f64 = 60.0;

/// A pulse found in the data: sample indices.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pulse {
    pub(super) anchor: usize,
    pub(super) first: usize,
    pub(super) last: usize,
    pub(super) window_end: usize,
    pub(super) sequence: usize,
}

fn check(s: &FitSettings) -> Result<(), FitError> {
    let bad = |what, value: f64, why| Err(FitError::Setting { what, value, why });
    if s.rc_branches != 1 && s.rc_branches != 2 {
        return bad("rc_branches", s.rc_branches as f64, "1 or 2");
    }
    for (what, value) in [
        ("min_rest_s", s.min_rest_s),
        ("max_pulse_s", s.max_pulse_s),
        ("window_after_s", s.window_after_s),
        ("soc_round", s.soc_round),
    ] {
        if !(value > 0.0 && value.is_finite()) {
            return bad(what, value, "must be positive");
        }
    }
    if !(0.0..=1.0).contains(&s.initial_soc) {
        return bad("initial_soc", s.initial_soc, "a fraction from 0 to 1");
    }
    Ok(())
}

/// SOC at every sample: the data's own, or counted from `initial_soc`.
fn soc_of(data: &Series, s: &FitSettings) -> Result<Vec<f64>, FitError> {
    if let Some(soc) = data.soc() {
        return Ok(soc.to_vec());
    }
    let cap = s.capacity_ah.ok_or(FitError::NoSoc)?;
    if !(cap > 0.0 && cap.is_finite()) {
        return Err(FitError::Setting {
            what: "capacity_ah",
            value: cap,
            why: "must be positive",
        });
    }
    let (t, i) = (data.time_s(), data.current_a());
    let mut z = s.initial_soc;
    let mut out = vec![z];
    for j in 1..t.len() {
        z -= i[j] * (t[j] - t[j - 1]) / (3600.0 * cap);
        out.push(z);
    }
    Ok(out)
}

/// Finds the pulses: runs of rest and activity, anchored by long rests.
fn find_pulses(data: &Series, s: &FitSettings) -> Vec<Pulse> {
    let (t, i) = (data.time_s(), data.current_a());
    let peak = i.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    let thr = s.rest_current_a.unwrap_or(0.01 * peak);
    let rest = |j: usize| i[j].abs() <= thr;
    let sign = |j: usize| i[j] > 0.0;
    let mut pulses = Vec::new();
    let (mut anchor, mut sequence) = (None, 0);
    let mut j = 1;
    while j < t.len() {
        let start = j;
        while j + 1 < t.len()
            && rest(j + 1) == rest(start)
            && (rest(start) || sign(j + 1) == sign(start))
        {
            j += 1;
        }
        let end = j;
        // The run covers (t[start − 1], t[end]].
        let length_s = t[end] - t[start - 1];
        if rest(start) {
            if length_s >= s.min_rest_s {
                anchor = Some(end);
                sequence += 1;
            }
        } else if length_s <= s.max_pulse_s {
            if let Some(a) = anchor {
                let mut w = end;
                while w + 1 < t.len() && rest(w + 1) && t[w + 1] - t[end] <= s.window_after_s {
                    w += 1;
                }
                pulses.push(Pulse {
                    anchor: a,
                    first: start,
                    last: end,
                    window_end: w,
                    sequence,
                });
            }
        } else {
            anchor = None;
        }
        j = end + 1;
    }
    pulses
}

/// Fits every pulse in `data` and builds the table.
pub fn fit(data: &Series, s: &FitSettings) -> Result<HppcFit, FitError> {
    check(s)?;
    let v = data.voltage_v().ok_or(FitError::NoVoltage)?;
    let soc = soc_of(data, s)?;
    let (t, i) = (data.time_s(), data.current_a());
    let temp = |j: usize| data.temp_c().map_or(s.temp_c, |c| c[j]);
    let found = find_pulses(data, s);
    // The anchors' rest voltages (the mean over the rest's last minute, against
    // the sensor's noise), by temperature (to 1 °C).
    let rest_v = |a: usize| {
        let from = t.partition_point(|x| *x < t[a] - ANCHOR_MEAN_S).min(a);
        v[from..=a].iter().sum::<f64>() / (a - from + 1) as f64
    };
    let anchors: Vec<(f64, f64, f64)> = found
        .iter()
        .map(|p| (temp(p.anchor).round(), soc[p.anchor], rest_v(p.anchor)))
        .collect();
    let curve = |temp_c: f64| {
        let mut points: Vec<(f64, f64)> = anchors
            .iter()
            .filter(|a| a.0 == temp_c.round())
            .map(|a| (a.1, a.2))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        points.dedup_by(|a, b| a.0 == b.0);
        OcvCurve { points }
    };
    let mut pulses = Vec::new();
    for p in &found {
        let ctx = Ctx {
            data,
            soc: &soc,
            ocv: curve(temp(p.anchor)),
        };
        let Some((taus, x, resid)) = fit_pulse(&ctx, p, s.rc_branches) else {
            continue;
        };
        let n = (p.last - p.first + 1) as f64;
        let two = s.rc_branches == 2;
        pulses.push(PulseFit {
            start_s: t[p.first - 1],
            duration_s: t[p.last] - t[p.first - 1],
            current_a: (p.first..=p.last).map(|j| i[j]).sum::<f64>() / n,
            soc: soc[p.first - 1],
            temp_c: (p.first..=p.last).map(temp).sum::<f64>() / n,
            ocv_v: ctx.ocv.at(soc[p.first - 1]),
            r0_ohm: x[0],
            r1_ohm: x[1],
            tau1_s: taus[0],
            r2_ohm: if two { x[2] } else { 0.0 },
            tau2_s: if two { taus[1] } else { 0.0 },
            rms_v: (resid.iter().map(|e| e * e).sum::<f64>() / resid.len() as f64).sqrt(),
            max_v: resid.iter().fold(0.0, |m: f64, e| m.max(e.abs())),
            sequence: p.sequence,
        });
    }
    if pulses.is_empty() {
        return Err(FitError::NoPulses {
            min_rest_s: s.min_rest_s,
            max_pulse_s: s.max_pulse_s,
        });
    }
    let rows = table_rows(&pulses, &found, &soc, &rest_v, s);
    CellTable::from_rows(&rows)?;
    Ok(HppcFit { pulses, rows })
}

/// One row per sequence: the anchor's SOC and OCV, mean parameters of its pulses.
fn table_rows(
    pulses: &[PulseFit],
    found: &[Pulse],
    soc: &[f64],
    rest_v: &dyn Fn(usize) -> f64,
    s: &FitSettings,
) -> Vec<CellRow> {
    let mut rows: Vec<CellRow> = Vec::new();
    let mut k = 0;
    while k < pulses.len() {
        let seq = pulses[k].sequence;
        let group: Vec<&PulseFit> = pulses[k..]
            .iter()
            .take_while(|p| p.sequence == seq)
            .collect();
        k += group.len();
        let anchor = found
            .iter()
            .find(|p| p.sequence == seq)
            .map_or(0, |p| p.anchor);
        let n = group.len() as f64;
        let mean = |f: fn(&PulseFit) -> f64| group.iter().map(|p| f(p)).sum::<f64>() / n;
        let (r1, tau1, r2, tau2) = (
            mean(|p| p.r1_ohm),
            mean(|p| p.tau1_s),
            mean(|p| p.r2_ohm),
            mean(|p| p.tau2_s),
        );
        let round = |x: f64, step: f64| (x / step).round() * step;
        let row = CellRow {
            soc: round(soc[anchor], s.soc_round).clamp(0.0, 1.0),
            temp_c: round(mean(|p| p.temp_c), 1.0),
            ocv_v: rest_v(anchor),
            r0_ohm: mean(|p| p.r0_ohm),
            r1_ohm: r1,
            c1_f: tau1 / r1,
            r2_ohm: r2,
            c2_f: if r2 > 0.0 { tau2 / r2 } else { 0.0 },
            anode_ocp_v: None,
        };
        // Two sequences at the same level and temperature: the later one counts.
        rows.retain(|r| (r.soc, r.temp_c) != (row.soc, row.temp_c));
        rows.push(row);
    }
    rows.sort_by(|a, b| a.temp_c.total_cmp(&b.temp_c).then(a.soc.total_cmp(&b.soc)));
    rows
}
