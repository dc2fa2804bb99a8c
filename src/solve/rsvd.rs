//! Randomized SVD (Halko, Martinsson & Tropp 2011) with power iterations until the residual
//! meets the tolerance, on block products.

use super::small::one_sided_svd;
use super::vecops::{norm, orthogonalize, random_fill, scale};
use super::{Options, Report, fit};
use crate::{DenseView, Error, MatVec, Par, Result, Scalar};

/// Settings of [`rsvd`] besides the stopping rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rsvd {
    /// Extra random vectors beyond `k` (HMT's `p`; default 10): more cost a little more per
    /// pass and make the top `k` converge in fewer passes.
    pub oversample: usize,
    /// Seed of the random test matrix (default fixed: runs are reproducible).
    pub seed: u64,
}

impl Default for Rsvd {
    fn default() -> Self {
        Rsvd {
            oversample: 10,
            seed: 0x5EED_5BD0,
        }
    }
}

/// The answer of [`rsvd`]: the top `k` singular triplets, `A ≈ U·diag(s)·Vᵀ`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Svd<T> {
    /// Left singular vectors, column-major `m × k` (vector `i` is `u[i*m..(i+1)*m]`).
    pub u: Vec<T>,
    /// Singular values, largest first.
    pub s: Vec<T>,
    /// Right singular vectors, column-major `n × k` (vector `i` is `v[i*n..(i+1)*n]`); the
    /// vector of a singular value that is exactly 0 is left 0 (any unit vector would do).
    pub v: Vec<T>,
    /// Power iterations, products, passes over `A`, the largest `‖A·vᵢ − σᵢ·uᵢ‖ / σ₁` (of
    /// these triplets, measured), and whether it is at most the tolerance.
    pub report: Report<T>,
}

/// Temporaries of [`rsvd`]: `(m + n) × (k + oversample) + m × k` elements and small `l × l`
/// matrices, allocated on the first call and reused by later calls of the same size.
#[derive(Clone, Debug, Default)]
pub struct RsvdWorkspace<T> {
    y: Vec<T>,
    z: Vec<T>,
    av: Vec<T>,
    cw: Vec<T>,
    cr: Vec<T>,
    coef: Vec<T>,
    tmp: Vec<T>,
    r: Vec<f64>,
    w: Vec<f64>,
    order: Vec<usize>,
}

impl<T: Scalar> RsvdWorkspace<T> {
    /// An empty workspace; the first call sizes it.
    pub fn new() -> Self {
        Self::default()
    }
}

/// The top `k` singular triplets of the `m × n` operator `a` by randomized SVD
/// (Halko–Martinsson–Tropp) with subspace iteration until the residual meets the tolerance.
///
/// `l = k + oversample` random vectors `Ω` give `Q = orth(A·Ω)`; then each *power iteration*
/// takes `Aᵀ·Q = Q_z·R` (QR), the SVD `R = U_R·Σ·Wᵀ` of the small factor (one-sided Jacobi,
/// so small singular values keep their relative accuracy), and the triplets
/// `uᵢ = Q·wᵢ`, `σᵢ`, `vᵢ = Q_z·u_{R,i}` (`A ≈ Q·Qᵀ·A`, HMT's answer), then `A·Q_z` — which
/// is both the next iteration's `Y` and, with no extra pass, `A·vᵢ`: the residual
/// `maxᵢ ‖A·vᵢ − σᵢ·uᵢ‖ / σ₁` of the triplets of that iteration, exactly (their other
/// residual, `Aᵀ·uᵢ − σᵢ·vᵢ`, is zero by construction). The run stops when it is at most
/// `opts.tol` (`converged`), or after `opts.max_iter` power iterations (default 50).
///
/// So a run of `i` power iterations makes `2i + 1` passes over `A`, each one block product
/// ([`MatVec::mul_mat`] or [`mul_mat_t`](MatVec::mul_mat_t)) of `l` vectors, and returns
/// HMT's answer with `q = i − 1` power iterations together with its measured residual: a
/// memory-mapped matrix ([`MmapDense`](crate::MmapDense)) is read from disk `2i + 1` times
/// whatever `k`, which runs on `.npy` files larger than RAM under the mapping's budget. The
/// singular values' error is about the residual squared: the default tolerance (`√ε`)
/// gives them to about `ε·σ₁`. Each iteration multiplies the residual by about
/// `(σ_{l+1}/σ_k)²`, so a slowly decaying spectrum needs more of them (raise `oversample` to
/// need fewer; the default cap reaches `√ε` for ratios up to about 0.83); for HMT's fixed `q`,
/// pass `tol(0.0).max_iter(q + 1)`.
/// Progress is reported after each power iteration with its residual.
///
/// # Errors
///
/// [`Error::Solver`] if `k` is 0 or larger than `min(m, n)`, the tolerance is negative, or a
/// product gives NaN or infinity.
///
/// # Examples
///
/// ```
/// use matvec::solve::{rsvd, Options, Rsvd, RsvdWorkspace};
/// use matvec::{Dense, Layout};
///
/// // A rank-2 matrix 50 × 30: 3·e·fᵀ + 1·g·hᵀ with orthonormal e, g and f, h.
/// let (m, n) = (50, 30);
/// let mut a = Dense::<f64>::zeros(m, n, Layout::RowMajor);
/// for i in 0..m {
///     for j in 0..n {
///         let e = if i < 25 { 0.2 } else { 0.0 };        // ‖e‖ = 1
///         let g = if i >= 25 { 0.2 } else { 0.0 };       // ‖g‖ = 1
///         let f = 1.0 / (n as f64).sqrt();
///         let h = if j % 2 == 0 { f } else { -f };
///         a.set(i, j, 3.0 * e * f + 1.0 * g * h);
///     }
/// }
/// let svd = rsvd(&a, 2, Rsvd::default(), Options::new(), &mut RsvdWorkspace::new())?;
/// assert!((svd.s[0] - 3.0).abs() < 1e-12 && (svd.s[1] - 1.0).abs() < 1e-12);
/// assert!(svd.report.converged);
/// assert_eq!(svd.report.passes, 3); // exact rank: the first iteration's residual is 0
/// # Ok::<(), matvec::Error>(())
/// ```
pub fn rsvd<T: Scalar>(
    a: &dyn MatVec<T>,
    k: usize,
    settings: Rsvd,
    mut opts: Options<'_, T>,
    ws: &mut RsvdWorkspace<T>,
) -> Result<Svd<T>> {
    const NAME: &str = "rsvd";
    opts.check(NAME)?;
    opts.single_process(NAME)?;
    let (m, n) = a.shape();
    let kmax = m.min(n);
    if k == 0 || k > kmax {
        return Err(Error::solver(
            NAME,
            format!("k must be in 1..={kmax} for a {m} x {n} operator, got {k}"),
        ));
    }
    let par = opts.par;
    let tol = opts.tol.to_f64();
    let max_iter = opts.max_iter.unwrap_or(50).max(1);
    let l = k.saturating_add(settings.oversample).min(kmax);
    let RsvdWorkspace {
        y,
        z,
        av,
        cw,
        cr,
        coef,
        tmp,
        r,
        w,
        order,
    } = ws;
    fit(y, m * l);
    fit(z, n * l);
    fit(av, m * k);
    fit(cw, l * k);
    fit(cr, l * k);
    fit(coef, l);
    fit(tmp, l);
    fit(r, l * l);
    fit(w, l * l);
    let mut report = Report::start(false);
    let nan = |pass: usize| {
        Error::solver(
            NAME,
            format!(
                "a product gave NaN or infinity in pass {pass} over A: the operator holds NaN \
                 or infinity, or overflows"
            ),
        )
    };

    // Range finder: Q = orth(A·Ω).
    random_fill(par, settings.seed, z);
    a.mul_mat(T::ONE, z, T::ZERO, y, par);
    report.products += l;
    report.passes += 1;
    if !orthonormalize(par, y, m, l, coef, tmp, settings.seed ^ 1, None) {
        return Err(nan(1));
    }
    let mut u = vec![T::ZERO; m * k];
    let mut s = vec![T::ZERO; k];
    loop {
        let it = report.iterations + 1;
        let seed = settings.seed ^ (2 * it as u64);
        // Aᵀ·Q = Q_z·R; R = U_R·Σ·Wᵀ.
        a.mul_mat_t(T::ONE, y, T::ZERO, z, par);
        report.passes += 1;
        if !orthonormalize(par, z, n, l, coef, tmp, seed, Some(r)) {
            return Err(nan(report.passes));
        }
        one_sided_svd(r, l, w);
        let sigma = |j: usize| super::small::norm(&r[j * l..(j + 1) * l]);
        if let Some(j) = (0..l).find(|&j| !sigma(j).is_finite()) {
            return Err(Error::solver(
                NAME,
                format!(
                    "singular value {j} of the projected problem is {}: the operator holds \
                     NaN or infinity, or overflows",
                    sigma(j)
                ),
            ));
        }
        order.clear();
        order.extend(0..l);
        order.sort_unstable_by(|&p, &q| sigma(q).total_cmp(&sigma(p)));
        // Coefficients of u = Q·W and v = Q_z·U_R of the k best.
        for (c, &j) in order[..k].iter().enumerate() {
            let sj = sigma(j);
            s[c] = T::from_f64(sj);
            for i in 0..l {
                cw[c * l + i] = T::from_f64(w[j * l + i]);
                cr[c * l + i] = T::from_f64(if sj > 0.0 { r[j * l + i] / sj } else { 0.0 });
            }
        }
        // U = Q·W, the last use of Q; then Y = A·Q_z over it: the next iteration's Y and,
        // as Y·U_R, A·V.
        let qy = DenseView::col_major(m, l, &y[..]).expect("m*l elements");
        qy.mul_mat(T::ONE, cw, T::ZERO, &mut u, par);
        a.mul_mat(T::ONE, z, T::ZERO, y, par);
        report.products += 2 * l;
        report.passes += 1;
        report.iterations = it;
        let ay = DenseView::col_major(m, l, &y[..]).expect("m*l elements");
        ay.mul_mat(T::ONE, cr, T::ZERO, av, par);
        let s1 = s[0].to_f64();
        let mut worst = 0.0f64;
        for c in 0..k {
            let col = &mut av[c * m..(c + 1) * m];
            super::vecops::axpy(par, -s[c], &u[c * m..(c + 1) * m], col);
            let rc = norm(par, col).to_f64();
            let q = if s1 > 0.0 { rc / s1 } else { rc };
            if !q.is_finite() {
                return Err(nan(report.passes));
            }
            worst = worst.max(q);
        }
        report.residual = T::from_f64(worst);
        report.converged = worst <= tol;
        opts.report(it, report.residual);
        if report.converged || it >= max_iter {
            break;
        }
        if !orthonormalize(par, y, m, l, coef, tmp, seed ^ 1, None) {
            return Err(nan(report.passes));
        }
    }
    let mut v = vec![T::ZERO; n * k];
    let qz = DenseView::col_major(n, l, &z[..]).expect("n*l elements");
    qz.mul_mat(T::ONE, cr, T::ZERO, &mut v, par);
    Ok(Svd { u, s, v, report })
}

/// Orthonormalizes the `l` columns of the column-major `n × l` block `q` in place (CGS2),
/// replacing a column that is (numerically) dependent on the previous ones with a random
/// direction orthogonal to them. With `r`, writes the `l × l` upper-triangular factor
/// (column-major, `f64`) such that `q_in = q_out·R` (a replaced column gets `R[j][j] = 0`).
/// Returns `false` (leaving `q` in an unspecified state) if a column holds NaN or infinity.
#[allow(clippy::too_many_arguments)]
fn orthonormalize<T: Scalar>(
    par: Par,
    q: &mut [T],
    n: usize,
    l: usize,
    coef: &mut [T],
    tmp: &mut [T],
    seed: u64,
    mut r: Option<&mut Vec<f64>>,
) -> bool {
    for j in 0..l {
        let (done, rest) = q.split_at_mut(n * j);
        let w = &mut rest[..n];
        let before = norm(par, w).to_f64();
        if !before.is_finite() {
            return false;
        }
        orthogonalize(par, done, n, j, w, coef, tmp);
        let after = norm(par, w).to_f64();
        if let Some(r) = r.as_deref_mut() {
            for i in 0..l {
                r[j * l + i] = if i < j { coef[i].to_f64() } else { 0.0 };
            }
        }
        if after > 1e3 * T::EPSILON.to_f64() * before && after > 0.0 {
            scale(par, T::from_f64(1.0 / after), w);
            if let Some(r) = r.as_deref_mut() {
                r[j * l + j] = after;
            }
        } else {
            // Dependent column: a fresh random direction (R keeps 0 on the diagonal).
            random_fill(par, seed.wrapping_add(j as u64), w);
            orthogonalize(par, done, n, j, w, coef, tmp);
            let wn = norm(par, w);
            if wn > T::ZERO {
                scale(par, T::ONE / wn, w);
            }
        }
    }
    true
}
