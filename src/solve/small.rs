//! Small dense eigen- and singular-value solvers (cyclic Jacobi, in `f64`) for the projected
//! problems of Lanczos and randomized SVD: matrices of a few dozen to a few hundred rows,
//! where Jacobi's `O(m³)` a sweep is negligible next to the products, and its accuracy
//! (small eigenvalues to high relative accuracy) is what the large solvers inherit.
//!
//! All matrices are column-major `m × m` slices; nothing here allocates.

/// Eigen-decomposition of the symmetric `m × m` matrix `a` (overwritten: its diagonal ends
/// as the eigenvalues, unsorted) by cyclic Jacobi; the eigenvectors are written to the
/// columns of `v`. Any scale works (computed in units of a power of two); a matrix holding
/// NaN or infinity is left as it is.
pub(crate) fn sym_eig(a: &mut [f64], m: usize, v: &mut [f64]) {
    debug_assert!(a.len() >= m * m && v.len() >= m * m);
    v[..m * m].fill(0.0);
    for i in 0..m {
        v[i * m + i] = 1.0;
    }
    // Work in units of a power of two near max|aᵢⱼ| (exact), so that the sums of squares
    // below neither overflow nor underflow whatever the operator's scale.
    let Some(unit) = unit_of(&a[..m * m]) else {
        return;
    };
    a[..m * m].iter_mut().for_each(|x| *x /= unit);
    let norm2: f64 = a[..m * m].iter().map(|x| x * x).sum();
    for _sweep in 0..64 {
        let mut off = 0.0;
        for q in 0..m {
            for p in 0..q {
                off += a[q * m + p] * a[q * m + p];
            }
        }
        if off <= 1e-34 * norm2 {
            break;
        }
        for q in 1..m {
            for p in 0..q {
                let apq = a[q * m + p];
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (a[p * m + p], a[q * m + q]);
                let tau = (aqq - app) / (2.0 * apq);
                let t = tau.signum() / (tau.abs() + (1.0 + tau * tau).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = t * c;
                rotate_cols(a, m, p, q, c, s);
                rotate_rows(a, m, p, q, c, s);
                a[q * m + p] = 0.0;
                a[p * m + q] = 0.0;
                rotate_cols(v, m, p, q, c, s);
            }
        }
    }
    a[..m * m].iter_mut().for_each(|x| *x *= unit);
}

/// A power of two near the largest `|x|` (`None` if all are zero or any is not finite), to
/// scale by exactly.
fn unit_of(x: &[f64]) -> Option<f64> {
    let max = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if max == 0.0 || !max.is_finite() || x.iter().any(|v| v.is_nan()) {
        return None;
    }
    Some(2f64.powi(max.log2().floor() as i32))
}

/// `‖x‖₂` without overflow or underflow.
pub(crate) fn norm(x: &[f64]) -> f64 {
    match unit_of(x) {
        None => x.iter().fold(0.0f64, |m, v| m.max(v.abs())), // 0, inf or NaN
        Some(u) => x.iter().map(|v| (v / u) * (v / u)).sum::<f64>().sqrt() * u,
    }
}

/// Singular value decomposition of the `m × m` matrix `r` by one-sided Jacobi: on return
/// the columns of `r` are `σⱼ·uⱼ` (orthogonal) and `w` holds the right singular vectors, so
/// `r_in = r_out·wᵀ`. `σⱼ` is the norm of column `j` (unsorted).
pub(crate) fn one_sided_svd(r: &mut [f64], m: usize, w: &mut [f64]) {
    debug_assert!(r.len() >= m * m && w.len() >= m * m);
    w[..m * m].fill(0.0);
    for i in 0..m {
        w[i * m + i] = 1.0;
    }
    let Some(unit) = unit_of(&r[..m * m]) else {
        return;
    };
    r[..m * m].iter_mut().for_each(|x| *x /= unit);
    for _sweep in 0..64 {
        let mut rotated = false;
        for q in 1..m {
            for p in 0..q {
                let (cp, cq) = (&r[p * m..(p + 1) * m], &r[q * m..(q + 1) * m]);
                let alpha: f64 = cp.iter().map(|x| x * x).sum();
                let beta: f64 = cq.iter().map(|x| x * x).sum();
                let gamma: f64 = cp.iter().zip(cq).map(|(x, y)| x * y).sum();
                if gamma == 0.0 || gamma.abs() <= 1e-15 * alpha.sqrt() * beta.sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = t * c;
                rotate_cols(r, m, p, q, c, s);
                rotate_cols(w, m, p, q, c, s);
            }
        }
        if !rotated {
            break;
        }
    }
    r[..m * m].iter_mut().for_each(|x| *x *= unit);
}

/// Columns `p, q` of the `m`-row matrix `a` ← `(c·a_p − s·a_q, s·a_p + c·a_q)`.
fn rotate_cols(a: &mut [f64], m: usize, p: usize, q: usize, c: f64, s: f64) {
    for k in 0..m {
        let (x, y) = (a[p * m + k], a[q * m + k]);
        a[p * m + k] = c * x - s * y;
        a[q * m + k] = s * x + c * y;
    }
}

/// Rows `p, q` of the `m × m` matrix `a` ← `(c·a_p − s·a_q, s·a_p + c·a_q)`.
fn rotate_rows(a: &mut [f64], m: usize, p: usize, q: usize, c: f64, s: f64) {
    for k in 0..m {
        let (x, y) = (a[k * m + p], a[k * m + q]);
        a[k * m + p] = c * x - s * y;
        a[k * m + q] = s * x + c * y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matmul(a: &[f64], b: &[f64], m: usize) -> Vec<f64> {
        let mut c = vec![0.0; m * m];
        for j in 0..m {
            for k in 0..m {
                for i in 0..m {
                    c[j * m + i] += a[k * m + i] * b[j * m + k];
                }
            }
        }
        c
    }

    #[test]
    fn small_sym_eig_reconstructs_and_matches_known_spectrum() {
        // 1-D Laplacian: eigenvalues 2 − 2cos(kπ/(m+1)).
        let m = 12;
        let mut a = vec![0.0; m * m];
        for i in 0..m {
            a[i * m + i] = 2.0;
            if i > 0 {
                a[i * m + i - 1] = -1.0;
                a[(i - 1) * m + i] = -1.0;
            }
        }
        let orig = a.clone();
        let mut v = vec![0.0; m * m];
        sym_eig(&mut a, m, &mut v);
        let mut got: Vec<f64> = (0..m).map(|i| a[i * m + i]).collect();
        got.sort_by(f64::total_cmp);
        for (k, g) in got.iter().enumerate() {
            let exact = 2.0 - 2.0 * ((k + 1) as f64 * std::f64::consts::PI / (m + 1) as f64).cos();
            assert!((g - exact).abs() < 1e-13, "{k}: {g} vs {exact}");
        }
        // A·V = V·Λ
        let av = matmul(&orig, &v, m);
        for j in 0..m {
            for i in 0..m {
                assert!((av[j * m + i] - v[j * m + i] * a[j * m + j]).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn small_one_sided_svd_reconstructs() {
        let m = 7;
        let r0: Vec<f64> = (0..m * m)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / (1.0 + (i % 5) as f64))
            .collect();
        let mut r = r0.clone();
        let mut w = vec![0.0; m * m];
        one_sided_svd(&mut r, m, &mut w);
        // r_out·wᵀ == r_in, and the columns of r_out are orthogonal.
        let mut wt = vec![0.0; m * m];
        for i in 0..m {
            for j in 0..m {
                wt[j * m + i] = w[i * m + j];
            }
        }
        let back = matmul(&r, &wt, m);
        for (a, b) in back.iter().zip(&r0) {
            assert!((a - b).abs() < 1e-12);
        }
        for p in 0..m {
            for q in 0..p {
                let d: f64 = (0..m).map(|k| r[p * m + k] * r[q * m + k]).sum();
                assert!(d.abs() < 1e-10);
            }
        }
    }
}
