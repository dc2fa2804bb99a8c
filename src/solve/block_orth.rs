//! Orthonormalization of a block of vectors against a basis and among themselves, on dense
//! block products: the step that block Lanczos repeats, written here once because its
//! numerical care (two passes, a third for a column that lost most of its norm, random
//! replacement of dependent columns) is easy to get subtly wrong.
//!
//! Why block Gram–Schmidt (BCGS2) rather than one column at a time: each pass reads the basis
//! once for the whole block ([`MatVec::mul_mat_t`] then [`MatVec::mul_mat`] of a
//! column-major [`DenseView`]), so a block of `b` vectors costs the memory traffic of one.

use super::vecops::{norm, orthogonalize, random_fill, scale};
use crate::{DenseView, MatVec, Par, Scalar};

/// Buffers of [`orth_block`], owned by the caller's workspace so that repeated calls
/// allocate nothing. `coef` and `coef2` need `(c − first + b)·b` elements, `c_out`
/// `(c − first)·b`, `r_out` `b²`, `before` `b`.
pub(crate) struct OrthScratch<'a, T> {
    pub coef: &'a mut [T],
    pub coef2: &'a mut [T],
    pub c_out: &'a mut [f64],
    pub r_out: &'a mut [f64],
    pub before: &'a mut [f64],
}

/// Orthonormalizes columns `c..c+b` of the column-major `n`-row matrix `v` against its
/// (orthonormal) columns `first..c` and among themselves. Writes the coefficients so that
/// `W_in = V[:, first..c]·C + Q·R`: `C` (`(c − first) × b`) to `s.c_out` and the upper
/// triangular `R` (`b × b`) to `s.r_out`, both column-major. A column left with less than
/// `10³·ε` of its original norm is dependent: it is replaced by a pseudo-random direction
/// (from `seed`) orthogonal to all the columns before it, and gets `R[j][j] = 0`, so the
/// relation still holds to rounding. Returns `false` if a column holds NaN or infinity
/// (`v` is then left in an unspecified state).
pub(crate) fn orth_block<T: Scalar>(
    par: Par,
    v: &mut [T],
    n: usize,
    (first, c, b): (usize, usize, usize),
    s: &mut OrthScratch<'_, T>,
    seed: u64,
) -> bool {
    let nb = c - first;
    {
        let (head, tail) = v.split_at_mut(n * c);
        let w = &mut tail[..n * b];
        for j in 0..b {
            let x = norm(par, &w[j * n..(j + 1) * n]).to_f64();
            if !x.is_finite() {
                return false;
            }
            s.before[j] = x;
        }
        s.c_out[..nb * b].fill(0.0);
        if nb > 0 {
            let basis = DenseView::col_major(n, nb, &head[n * first..]).expect("n*nb elements");
            for pass in 0..2 {
                let cf = if pass == 0 {
                    &mut *s.coef
                } else {
                    &mut *s.coef2
                };
                basis.mul_mat_t(T::ONE, w, T::ZERO, &mut cf[..nb * b], par);
                basis.mul_mat(-T::ONE, &cf[..nb * b], T::ONE, w, par);
                for (o, x) in s.c_out[..nb * b].iter_mut().zip(&cf[..nb * b]) {
                    *o += x.to_f64();
                }
            }
        }
    }
    s.r_out[..b * b].fill(0.0);
    for j in 0..b {
        let (done, rest) = v.split_at_mut(n * (c + j));
        let wj = &mut rest[..n];
        let mid = norm(par, wj).to_f64();
        // Within the block: CGS2 against the block's columns before j.
        orthogonalize(par, &done[n * c..], n, j, wj, s.coef, s.coef2);
        for i in 0..j {
            s.r_out[j * b + i] = s.coef[i].to_f64();
        }
        let mut after = norm(par, wj).to_f64();
        if after < 0.5 * mid && c + j > first {
            // Most of the norm cancelled: what is left may have lost orthogonality to the
            // basis (relative to its now small norm), so once more against everything.
            orthogonalize(par, &done[n * first..], n, nb + j, wj, s.coef, s.coef2);
            for i in 0..nb {
                s.c_out[j * nb + i] += s.coef[i].to_f64();
            }
            for i in 0..j {
                s.r_out[j * b + i] += s.coef[nb + i].to_f64();
            }
            after = norm(par, wj).to_f64();
        }
        if !after.is_finite() {
            return false;
        }
        if after > 1e3 * T::EPSILON.to_f64() * s.before[j] && after > 0.0 {
            scale(par, T::from_f64(1.0 / after), wj);
            s.r_out[j * b + j] = after;
        } else {
            random_fill(par, seed.wrapping_add(j as u64), wj);
            orthogonalize(par, &done[n * first..], n, nb + j, wj, s.coef, s.coef2);
            let wn = norm(par, wj);
            if wn > T::ZERO {
                scale(par, T::ONE / wn, wj);
            }
        }
    }
    true
}
