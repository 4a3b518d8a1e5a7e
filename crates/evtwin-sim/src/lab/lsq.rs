//! Small linear least squares and the RC-branch responses the HPPC fit is built on.

/// Solves `min ‖Σ x_k·cols[k] − y‖²` by the normal equations (columns scaled to
/// unit norm first); returns `x` and the sum of squared residuals, or `None` when
/// the columns are dependent.
pub(super) fn least_squares(cols: &[Vec<f64>], y: &[f64]) -> Option<(Vec<f64>, f64)> {
    let m = cols.len();
    let norms: Vec<f64> = cols
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    if norms.iter().any(|n| n.is_nan() || *n <= 0.0) {
        return None;
    }
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    // Augmented normal matrix [AᵀA | Aᵀy] of the scaled columns.
    let mut a = vec![vec![0.0; m + 1]; m];
    for i in 0..m {
        for j in 0..m {
            a[i][j] = dot(&cols[i], &cols[j]) / (norms[i] * norms[j]);
        }
        a[i][m] = dot(&cols[i], y) / norms[i];
    }
    // Gaussian elimination with partial pivoting.
    for c in 0..m {
        let p = (c..m).max_by(|&r, &s| a[r][c].abs().total_cmp(&a[s][c].abs()))?;
        if a[p][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, p);
        let pivot = a[c].clone();
        for row in &mut a[c + 1..] {
            let f = row[c] / pivot[c];
            for (x, p) in row[c..].iter_mut().zip(&pivot[c..]) {
                *x -= f * p;
            }
        }
    }
    let mut x = vec![0.0; m];
    for c in (0..m).rev() {
        let tail: f64 = (c + 1..m).map(|k| a[c][k] * x[k]).sum();
        x[c] = (a[c][m] - tail) / a[c][c];
    }
    for (xi, n) in x.iter_mut().zip(&norms) {
        *xi /= n;
    }
    let sse = y
        .iter()
        .enumerate()
        .map(|(j, yj)| {
            let fit: f64 = (0..m).map(|k| x[k] * cols[k][j]).sum();
            (yj - fit).powi(2)
        })
        .sum();
    Some((x, sse))
}

/// Voltage of a unit-resistance RC branch with time constant `tau_s` driven by
/// the sampled current (`i[j]` over `(t[j−1], t[j]]`), from rest at `t[0]`.
pub(super) fn rc_response(t: &[f64], i: &[f64], tau_s: f64) -> Vec<f64> {
    let mut u = Vec::with_capacity(t.len());
    let mut v = 0.0;
    u.push(v);
    for j in 1..t.len() {
        let a = libm::exp(-(t[j] - t[j - 1]) / tau_s);
        v = v * a - i[j] * (1.0 - a);
        u.push(v);
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_exact_coefficients() {
        let x: Vec<f64> = (0..50).map(f64::from).collect();
        let cols = vec![
            x.clone(),
            x.iter().map(|v| (v * 0.3).sin()).collect(),
            vec![1.0; 50],
        ];
        let y: Vec<f64> = (0..50)
            .map(|j| 2.0 * cols[0][j] - 0.5 * cols[1][j] + 3.0)
            .collect();
        let (c, sse) = least_squares(&cols, &y).unwrap();
        assert!((c[0] - 2.0).abs() < 1e-9 && (c[1] + 0.5).abs() < 1e-9);
        assert!((c[2] - 3.0).abs() < 1e-9 && sse < 1e-12);
        assert!(least_squares(&[x.clone(), x], &y).is_none());
    }

    #[test]
    fn rc_response_is_the_exact_step_response() {
        let t: Vec<f64> = (0..20).map(|k| f64::from(k) * 0.5).collect();
        let i = vec![2.0; 20];
        let u = rc_response(&t, &i, 3.0);
        for (tj, uj) in t.iter().zip(&u) {
            assert!((uj + 2.0 * (1.0 - (-tj / 3.0).exp())).abs() < 1e-12);
        }
    }
}
