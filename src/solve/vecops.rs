//! Parallel, deterministic vector kernels shared by the solvers. Fused kernels that belong to
//! one method live with it; these are the common ones.

use crate::par::{self, Par};
use crate::{DenseView, MatVec, Scalar};

/// `Σ xᵢ·yᵢ` over a leaf, with four accumulators (vectorizes; same order every time).
#[inline]
pub(crate) fn dot_leaf<T: Scalar>(x: &[T], y: &[T]) -> T {
    let mut acc = [T::ZERO; 4];
    let (xc, yc) = (x.chunks_exact(4), y.chunks_exact(4));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for k in 0..4 {
            acc[k] += a[k] * b[k];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (a, b) in xr.iter().zip(yr) {
        s += *a * *b;
    }
    s
}

/// `x·y`, parallel and bit-identical for every `Par`.
pub(crate) fn dot<T: Scalar>(par: Par, x: &[T], y: &[T]) -> T {
    debug_assert_eq!(x.len(), y.len());
    par::reduce(par, (x, y), &|(a, b)| dot_leaf(a, b), &|a, b| a + b)
}

/// `‖x‖₂`, without underflow or overflow: one pass when `x·x` is representable, else a
/// second pass in units of `max|xᵢ|` (as LAPACK's `nrm2`).
pub(crate) fn norm<T: Scalar>(par: Par, x: &[T]) -> T {
    norm_reduced(par, x, &|s| s, &|m| m)
}

/// [`norm`] of a vector whose parts other processes hold: `sum` and `max` combine the
/// partial sums and maxima (identities in one process). Every process takes the same branch,
/// since each decides on reduced values.
pub(crate) fn norm_reduced<T: Scalar>(
    par: Par,
    x: &[T],
    sum: &dyn Fn(T) -> T,
    max: &dyn Fn(T) -> T,
) -> T {
    let s = sum(dot(par, x, x));
    if s.is_finite() && s >= T::MIN_POSITIVE / T::EPSILON {
        return s.sqrt();
    }
    let m = max(max_abs(par, x));
    if m == T::ZERO || !m.is_finite() {
        return m;
    }
    let unit = pow2_near(m);
    let inv = T::ONE / unit;
    let scaled = sum(par::reduce(
        par,
        x,
        &|x: &[T]| x.iter().map(|&v| (v * inv) * (v * inv)).sum::<T>(),
        &|a, b| a + b,
    ));
    scaled.sqrt() * unit
}

/// `max |xᵢ|` (NaN if any entry is NaN).
pub(crate) fn max_abs<T: Scalar>(par: Par, x: &[T]) -> T {
    // Entries are absolute values (≥ 0) or NaN; NaN wins.
    #[allow(clippy::eq_op)] // `v != v` is the NaN test (Scalar has no is_nan)
    let nan_max = |a: T, b: T| {
        if a != a || b != b {
            T::from_f64(f64::NAN)
        } else if a >= b {
            a
        } else {
            b
        }
    };
    par::reduce(
        par,
        x,
        &|x: &[T]| x.iter().fold(T::ZERO, |m, &v| nan_max(m, v.abs())),
        &nan_max,
    )
}

/// The power of two nearest below `m > 0`, clamped to the normal range so that both it and
/// its inverse are representable: scaling by it is exact.
pub(crate) fn pow2_near<T: Scalar>(m: T) -> T {
    let e = (m.to_f64().log2().floor() as i32).clamp(-T::SAFE_EXP, T::SAFE_EXP);
    T::from_f64(2f64.powi(e))
}

/// `x ← α·x`.
pub(crate) fn scale<T: Scalar>(par: Par, alpha: T, x: &mut [T]) {
    par::reduce(
        par,
        x,
        &|x: &mut [T]| x.iter_mut().for_each(|v| *v *= alpha),
        &|(), ()| (),
    );
}

/// `y ← α·x + y`.
pub(crate) fn axpy<T: Scalar>(par: Par, alpha: T, x: &[T], y: &mut [T]) {
    debug_assert_eq!(x.len(), y.len());
    par::reduce(
        par,
        (x, y),
        &|(x, y): (&[T], &mut [T])| {
            for (yi, xi) in y.iter_mut().zip(x) {
                *yi += alpha * *xi;
            }
        },
        &|(), ()| (),
    );
}

/// Classical Gram–Schmidt, twice (CGS2): `w ← w − Q·Qᵀ·w` against the first `j` columns of
/// the column-major `n × j` basis `q`, leaving the coefficients `Qᵀ·w` (both passes summed)
/// in `coef[..j]`; `tmp` is scratch of length `≥ j`. Two passes keep `w` orthogonal to working
/// precision ("twice is enough", Giraud et al.), and each pass is two parallel dense
/// products over the basis.
pub(crate) fn orthogonalize<T: Scalar>(
    par: Par,
    q: &[T],
    n: usize,
    j: usize,
    w: &mut [T],
    coef: &mut [T],
    tmp: &mut [T],
) {
    if j == 0 {
        return;
    }
    let basis = DenseView::col_major(n, j, &q[..n * j]).expect("n*j elements");
    basis.mul_vec_t(T::ONE, w, T::ZERO, &mut coef[..j], par);
    basis.mul_vec(-T::ONE, &coef[..j], T::ONE, w, par);
    basis.mul_vec_t(T::ONE, w, T::ZERO, &mut tmp[..j], par);
    basis.mul_vec(-T::ONE, &tmp[..j], T::ONE, w, par);
    for (c, t) in coef[..j].iter_mut().zip(&tmp[..j]) {
        *c += *t;
    }
}

/// A deterministic pseudo-random vector with entries uniform in `[-1, 1)` (SplitMix64 on the
/// index, so it is the same for every `Par` and can be regenerated without storing it).
pub(crate) fn random_fill<T: Scalar>(par: Par, seed: u64, x: &mut [T]) {
    par::reduce(
        par,
        (0..x.len(), x),
        &|(r, x): (std::ops::Range<usize>, &mut [T])| {
            for (i, v) in r.zip(x.iter_mut()) {
                *v = T::from_f64(uniform(seed, i as u64));
            }
        },
        &|(), ()| (),
    );
}

/// SplitMix64 of `seed + index`, mapped to `[-1, 1)`.
pub(crate) fn uniform(seed: u64, index: u64) -> f64 {
    let mut z = seed.wrapping_add(index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 * (2.0 / (1u64 << 53) as f64) - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vecops_match_plain_loops() {
        let n = 50_001;
        let x: Vec<f64> = (0..n).map(|i| uniform(1, i as u64)).collect();
        let y: Vec<f64> = (0..n).map(|i| uniform(2, i as u64)).collect();
        let plain: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
        for par in [Par::Seq, Par::Rayon] {
            assert!((dot(par, &x, &y) - plain).abs() < 1e-10);
            let mut z = y.clone();
            axpy(par, 2.0, &x, &mut z);
            assert!(
                z.iter()
                    .zip(x.iter().zip(&y))
                    .all(|(z, (a, b))| *z == 2.0 * a + b)
            );
            let mut r = vec![0.0f64; n];
            random_fill(par, 1, &mut r);
            assert_eq!(r, x);
        }
        assert!(x.iter().all(|v| (-1.0..1.0).contains(v)));
        let mean = x.iter().sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.02, "{mean}");
    }
}
