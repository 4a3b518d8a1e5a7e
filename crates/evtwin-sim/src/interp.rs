//! Piecewise-linear lookup tables: one axis (efficiency maps, COP curves) and a full
//! two-axis grid (cell parameters over SOC × temperature).

use thiserror::Error;

/// Why a table could not be built.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TableError {
    /// Axis and value lists differ in length.
    #[error("{axis} has {axis_len} points but {values} has {values_len}")]
    LengthMismatch {
        axis: &'static str,
        axis_len: usize,
        values: &'static str,
        values_len: usize,
    },
    /// Fewer than two points on an axis.
    #[error("{axis} needs at least 2 points, got {len}")]
    TooShort { axis: &'static str, len: usize },
    /// An axis is not strictly increasing at `index`.
    #[error("{axis} must be strictly increasing (point {index} is {value} after {previous})")]
    NotIncreasing {
        axis: &'static str,
        index: usize,
        value: f64,
        previous: f64,
    },
    /// A value is NaN or infinite.
    #[error("{axis} value at point {index} is not a finite number")]
    NotFinite { axis: &'static str, index: usize },
}

fn check_axis(axis: &'static str, xs: &[f64]) -> Result<(), TableError> {
    if xs.len() < 2 {
        return Err(TableError::TooShort {
            axis,
            len: xs.len(),
        });
    }
    for (index, x) in xs.iter().enumerate() {
        if !x.is_finite() {
            return Err(TableError::NotFinite { axis, index });
        }
    }
    for (index, pair) in xs.windows(2).enumerate() {
        if pair[1] <= pair[0] {
            return Err(TableError::NotIncreasing {
                axis,
                index: index + 1,
                value: pair[1],
                previous: pair[0],
            });
        }
    }
    Ok(())
}

/// Segment index `i` (so that `xs[i] <= x < xs[i+1]` inside the range) and the
/// unclamped weight of `xs[i+1]`. Outside the range the first or last segment is
/// returned and the weight falls outside `[0, 1]` (linear extrapolation).
#[must_use]
pub fn locate(xs: &[f64], x: f64) -> (usize, f64) {
    let last = xs.len() - 2;
    // Binary search (O(log n): a 30 000-row table costs 15 comparisons): the first
    // knot above `x`, as a linear scan would find it (NaN finds none).
    let i = if x.is_nan() {
        last
    } else {
        xs.partition_point(|&k| k <= x).saturating_sub(1).min(last)
    };
    (i, (x - xs[i]) / (xs[i + 1] - xs[i]))
}

/// As [`locate`], trying the segments at and next to `hint` first (a point that
/// moved a little since it was last located): the same result, O(1) then.
#[must_use]
pub fn locate_near(xs: &[f64], x: f64, hint: usize) -> (usize, f64) {
    let last = xs.len() - 2;
    // Segment i holds x as `locate` assigns it: the first from −∞, the last to +∞.
    let holds = |i: usize| (i == 0 || xs[i] <= x) && (i == last || x < xs[i + 1]) && !x.is_nan();
    for i in [hint, hint + 1, hint.wrapping_sub(1)] {
        if i <= last && holds(i) {
            return (i, (x - xs[i]) / (xs[i + 1] - xs[i]));
        }
    }
    locate(xs, x)
}

/// A function of one variable, linear between knots and constant outside them.
#[derive(Debug, Clone, PartialEq)]
pub struct Lut1 {
    xs: Vec<f64>,
    ys: Vec<f64>,
}

impl Lut1 {
    /// Builds the table; `xs` must be strictly increasing, both lists finite.
    pub fn new(xs: Vec<f64>, ys: Vec<f64>) -> Result<Self, TableError> {
        Self::named(("x", xs), ("y", ys))
    }

    /// As [`Lut1::new`], with the axes' names for error messages.
    pub fn named(
        (x_name, xs): (&'static str, Vec<f64>),
        (y_name, ys): (&'static str, Vec<f64>),
    ) -> Result<Self, TableError> {
        check_axis(x_name, &xs)?;
        if ys.len() != xs.len() {
            return Err(TableError::LengthMismatch {
                axis: x_name,
                axis_len: xs.len(),
                values: y_name,
                values_len: ys.len(),
            });
        }
        if let Some(index) = ys.iter().position(|y| !y.is_finite()) {
            return Err(TableError::NotFinite {
                axis: y_name,
                index,
            });
        }
        Ok(Self { xs, ys })
    }

    /// Knot positions.
    #[must_use]
    pub fn xs(&self) -> &[f64] {
        &self.xs
    }

    /// Values at the knots.
    #[must_use]
    pub fn ys(&self) -> &[f64] {
        &self.ys
    }

    /// Value at `x`, clamped to the end values outside the knots.
    #[must_use]
    pub fn eval(&self, x: f64) -> f64 {
        let (i, w) = locate(&self.xs, x);
        let w = w.clamp(0.0, 1.0);
        self.ys[i] + (self.ys[i + 1] - self.ys[i]) * w
    }
}

/// Where a point falls on a [`Grid2`]: the cell's lower corner and the weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridPoint {
    /// Lower index on the first axis.
    pub i: usize,
    /// Lower index on the second axis.
    pub j: usize,
    /// Weight of `i + 1`, unclamped (extrapolates outside the first axis).
    pub wa: f64,
    /// Weight of `j + 1`, clamped to `[0, 1]`.
    pub wb: f64,
}

impl GridPoint {
    /// The same point with the first-axis weight clamped too (no extrapolation).
    #[must_use]
    pub fn clamped(self) -> Self {
        Self {
            wa: self.wa.clamp(0.0, 1.0),
            ..self
        }
    }
}

/// The two axes of a full rectangular grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridAxes {
    a: Vec<f64>,
    b: Vec<f64>,
}

impl GridAxes {
    /// Both axes strictly increasing with at least two points.
    pub fn new(a: Vec<f64>, b: Vec<f64>) -> Result<Self, TableError> {
        check_axis("first axis", &a)?;
        check_axis("second axis", &b)?;
        Ok(Self { a, b })
    }

    /// First axis.
    #[must_use]
    pub fn a(&self) -> &[f64] {
        &self.a
    }

    /// Second axis.
    #[must_use]
    pub fn b(&self) -> &[f64] {
        &self.b
    }

    /// Number of grid nodes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.a.len() * self.b.len()
    }

    /// A grid always has at least four nodes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Locates `(x_a, x_b)`.
    #[must_use]
    pub fn locate(&self, x_a: f64, x_b: f64) -> GridPoint {
        let (i, wa) = locate(&self.a, x_a);
        let (j, wb) = locate(&self.b, x_b);
        GridPoint {
            i,
            j,
            wa,
            wb: wb.clamp(0.0, 1.0),
        }
    }

    /// As [`Self::locate`], starting the search on the first axis at `near`'s
    /// segment (the same result).
    #[must_use]
    pub fn locate_near(&self, x_a: f64, x_b: f64, near: GridPoint) -> GridPoint {
        let (i, wa) = locate_near(&self.a, x_a, near.i);
        let (j, wb) = locate_near(&self.b, x_b, near.j);
        GridPoint {
            i,
            j,
            wa,
            wb: wb.clamp(0.0, 1.0),
        }
    }

    /// Bilinear value of `values` (row-major: first axis major) at `p`.
    #[must_use]
    pub fn eval(&self, values: &[f64], p: GridPoint) -> f64 {
        let (lo, hi) = self.segment_ends(values, p);
        lo + (hi - lo) * p.wa
    }

    /// Values at the two first-axis knots of `p`'s segment, interpolated along the
    /// second axis: the end points of the line that [`Self::eval`] follows in `x_a`.
    #[must_use]
    pub fn segment_ends(&self, values: &[f64], p: GridPoint) -> (f64, f64) {
        let nb = self.b.len();
        let at = |i: usize, j: usize| values[i * nb + j];
        let lo = at(p.i, p.j) + (at(p.i, p.j + 1) - at(p.i, p.j)) * p.wb;
        let hi = at(p.i + 1, p.j) + (at(p.i + 1, p.j + 1) - at(p.i + 1, p.j)) * p.wb;
        (lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lut1_interpolates_and_clamps() {
        let t = Lut1::new(vec![0.0, 1.0, 3.0], vec![10.0, 20.0, 0.0]).unwrap();
        assert_eq!(t.eval(0.5), 15.0);
        assert_eq!(t.eval(2.0), 10.0);
        assert_eq!(t.eval(-1.0), 10.0);
        assert_eq!(t.eval(9.0), 0.0);
        assert_eq!(t.eval(3.0), 0.0);
    }

    #[test]
    fn locate_is_a_binary_search_that_agrees_with_a_scan() {
        let xs: Vec<f64> = (0..30_000).map(|k| f64::from(k) * 0.5).collect();
        for x in [-3.0, 0.0, 0.25, 0.5, 777.7, 14_999.0, 14_999.5, 20_000.0] {
            let scan = match xs.iter().position(|&k| k > x) {
                Some(0) => 0,
                Some(p) => (p - 1).min(xs.len() - 2),
                None => xs.len() - 2,
            };
            let (i, w) = locate(&xs, x);
            assert_eq!(i, scan, "{x}");
            assert_eq!(w, (x - xs[i]) / 0.5);
        }
        assert_eq!(locate(&xs, f64::NAN).0, xs.len() - 2);
        // Near a hint: the same answer, for hints right, off by one and far off.
        for x in [
            -3.0,
            0.0,
            0.25,
            0.5,
            777.7,
            14_999.0,
            14_999.5,
            20_000.0,
            f64::NAN,
        ] {
            let (i, w) = locate(&xs, x);
            for hint in [i, i + 1, i.saturating_sub(1), 0, 7, xs.len() - 2] {
                let (j, v) = locate_near(&xs, x, hint);
                assert_eq!(j, i, "{x} from {hint}");
                assert!(v == w || (v.is_nan() && w.is_nan()));
            }
        }
    }

    #[test]
    fn lut1_rejects_bad_axes() {
        assert!(matches!(
            Lut1::new(vec![0.0, 0.0], vec![1.0, 2.0]),
            Err(TableError::NotIncreasing { index: 1, .. })
        ));
        assert!(matches!(
            Lut1::new(vec![0.0], vec![1.0]),
            Err(TableError::TooShort { len: 1, .. })
        ));
        assert!(matches!(
            Lut1::new(vec![0.0, 1.0], vec![1.0]),
            Err(TableError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn grid_is_bilinear_and_exact_at_nodes() {
        let axes = GridAxes::new(vec![0.0, 1.0], vec![0.0, 10.0, 20.0]).unwrap();
        // f(a, b) = 2a + 0.1 b + a b / 10 is bilinear, so interpolation is exact.
        let f = |a: f64, b: f64| 2.0 * a + 0.1 * b + a * b / 10.0;
        let mut v = Vec::new();
        for &a in axes.a() {
            for &b in axes.b() {
                v.push(f(a, b));
            }
        }
        for (a, b) in [(0.25, 3.0), (0.9, 17.5), (1.0, 20.0), (0.0, 0.0)] {
            let got = axes.eval(&v, axes.locate(a, b));
            assert!((got - f(a, b)).abs() < 1e-12, "{a},{b}: {got}");
        }
        // First axis extrapolates linearly, second clamps.
        let p = axes.locate(1.5, 30.0);
        assert!((axes.eval(&v, p) - f(1.5, 20.0)).abs() < 1e-12);
        assert!((axes.eval(&v, p.clamped()) - f(1.0, 20.0)).abs() < 1e-12);
    }
}
