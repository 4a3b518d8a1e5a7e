//! The fit of one HPPC pulse (see `hppc`): the resistances by least squares for
//! given time constants, the time constants by a log grid and golden sections.

use super::Series;
use super::hppc::Pulse;
use super::lsq::{least_squares, rc_response};

/// OCV against SOC from the anchors' rest voltages: linear between them,
/// extended with the end segments' slopes (flat with one anchor).
#[derive(Debug, Clone)]
pub(super) struct OcvCurve {
    pub(super) points: Vec<(f64, f64)>,
}

impl OcvCurve {
    pub(super) fn at(&self, soc: f64) -> f64 {
        let p = &self.points;
        if p.len() == 1 {
            return p[0].1;
        }
        let k = p.partition_point(|q| q.0 <= soc).clamp(1, p.len() - 1);
        let ((z0, v0), (z1, v1)) = (p[k - 1], p[k]);
        v0 + (v1 - v0) * (soc - z0) / (z1 - z0)
    }
}

/// The data a pulse fit needs: series, SOC and the OCV curve of its temperature.
pub(super) struct Ctx<'a> {
    pub(super) data: &'a Series,
    pub(super) soc: &'a [f64],
    pub(super) ocv: OcvCurve,
}

/// The linear part of a pulse's fit at time constants `taus`: the resistances
/// `[R0, R1(, R2)]` and the residuals over the window, or `None` if a resistance
/// came out negative or the columns are dependent.
fn linear_fit(c: &Ctx<'_>, p: &Pulse, taus: &[f64]) -> Option<(Vec<f64>, Vec<f64>)> {
    let range = p.anchor..=p.window_end;
    let (t, i) = (
        &c.data.time_s()[range.clone()],
        &c.data.current_a()[range.clone()],
    );
    let v = &c.data.voltage_v()?[range.clone()];
    let soc = &c.soc[range];
    let w0 = p.first - 1 - p.anchor;
    let mut cols = vec![i[w0..].iter().map(|x| -x).collect::<Vec<f64>>()];
    for &tau in taus {
        cols.push(rc_response(t, i, tau)[w0..].to_vec());
    }
    let y: Vec<f64> = (w0..v.len()).map(|j| v[j] - c.ocv.at(soc[j])).collect();
    let (x, _) = least_squares(&cols, &y)?;
    if x.iter().any(|r| *r < 0.0) {
        return None;
    }
    let resid = (0..y.len())
        .map(|j| {
            y[j] - cols
                .iter()
                .zip(&x)
                .map(|(col, xk)| col[j] * xk)
                .sum::<f64>()
        })
        .collect();
    Some((x, resid))
}

fn sse(c: &Ctx<'_>, p: &Pulse, taus: &[f64]) -> f64 {
    linear_fit(c, p, taus).map_or(f64::INFINITY, |(_, r)| r.iter().map(|e| e * e).sum())
}

/// Golden-section search of `f` over `[lo, hi]` (log time constants).
fn golden(mut lo: f64, mut hi: f64, f: impl Fn(f64) -> f64) -> f64 {
    let g = 0.5 * (5.0_f64.sqrt() - 1.0);
    let (mut a, mut b) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut fa, mut fb) = (f(a), f(b));
    for _ in 0..40 {
        if fa < fb {
            hi = b;
            (b, fb) = (a, fa);
            a = hi - g * (hi - lo);
            fa = f(a);
        } else {
            lo = a;
            (a, fa) = (b, fb);
            b = lo + g * (hi - lo);
            fb = f(b);
        }
    }
    0.5 * (lo + hi)
}

/// Fits one pulse's time constants and parameters.
pub(super) fn fit_pulse(
    c: &Ctx<'_>,
    p: &Pulse,
    branches: usize,
) -> Option<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let t = c.data.time_s();
    let dt_min = (p.anchor + 1..=p.window_end)
        .map(|j| t[j] - t[j - 1])
        .fold(f64::INFINITY, f64::min);
    let (lo, hi) = (
        (0.2 * dt_min).ln(),
        (3.0 * (t[p.window_end] - t[p.first - 1])).ln(),
    );
    let grid = |n: usize| -> Vec<f64> {
        (0..n)
            .map(|k| lo + (hi - lo) * k as f64 / (n - 1) as f64)
            .collect()
    };
    let step = (hi - lo) / 23.0;
    let mut best = if branches == 1 {
        let g = grid(48);
        let k = (0..g.len())
            .min_by(|&a, &b| sse(c, p, &[g[a].exp()]).total_cmp(&sse(c, p, &[g[b].exp()])))?;
        vec![g[k]]
    } else {
        let g = grid(24);
        let mut pair = (0.0, 0.0, f64::INFINITY);
        for (a, &x) in g.iter().enumerate() {
            for &y in &g[a + 1..] {
                let e = sse(c, p, &[x.exp(), y.exp()]);
                if e < pair.2 {
                    pair = (x, y, e);
                }
            }
        }
        vec![pair.0, pair.1]
    };
    if !sse(c, p, &best.iter().map(|x| x.exp()).collect::<Vec<_>>()).is_finite() {
        return None;
    }
    // Refine each time constant in turn within a grid step of its best point.
    for _ in 0..3 {
        for k in 0..best.len() {
            let f = |x: f64| {
                let mut taus: Vec<f64> = best.iter().map(|v| v.exp()).collect();
                taus[k] = x.exp();
                sse(c, p, &taus)
            };
            best[k] = golden(best[k] - step, best[k] + step, f);
        }
    }
    let taus: Vec<f64> = best.iter().map(|x| x.exp()).collect();
    let (x, resid) = linear_fit(c, p, &taus)?;
    Some((taus, x, resid))
}
