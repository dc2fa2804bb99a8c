//! Thick-restart Lanczos with full reorthogonalization, for a few extreme eigenpairs of a
//! symmetric operator.

use super::small::sym_eig;
use super::vecops::{dot, norm, orthogonalize, random_fill, scale};
use super::{Options, Report, square};
use crate::{DenseView, Error, MatVec, Result, Scalar};

/// Which end of the spectrum [`lanczos`] looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Which {
    /// Largest algebraic eigenvalues (scipy's `which='LA'`).
    Largest,
    /// Smallest algebraic eigenvalues (`'SA'`).
    Smallest,
    /// Largest in magnitude (`'LM'`, scipy's default).
    LargestMagnitude,
}

/// The answer of [`lanczos`]: `k` eigenvalues and unit eigenvectors.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Eigen<T> {
    /// The eigenvalues, ordered by [`Which`] (largest first for `Largest` and
    /// `LargestMagnitude`, smallest first for `Smallest`).
    pub values: Vec<T>,
    /// The eigenvectors, column-major `n × k`: vector `i` is `vectors[i*n..(i+1)*n]`.
    pub vectors: Vec<T>,
    /// Restarts, products, the largest relative residual of the `k` pairs, convergence.
    pub report: Report<T>,
}

impl<T: Scalar> Eigen<T> {
    /// Eigenvector `i` (the one of `values[i]`).
    ///
    /// # Panics
    ///
    /// If `i >= values.len()`.
    pub fn vector(&self, i: usize) -> &[T] {
        let n = self.vectors.len() / self.values.len().max(1);
        &self.vectors[i * n..(i + 1) * n]
    }
}

/// Temporaries of [`lanczos`]: the Krylov basis (`n × (m + 1)`), room for the restart
/// (`n × m/2` or so) and small `m × m` matrices, allocated on the first call and reused by
/// later calls of the same size.
#[derive(Clone, Debug, Default)]
pub struct LanczosWorkspace<T> {
    basis_len: Option<usize>,
    v: Vec<T>,
    tmp: Vec<T>,
    coef: Vec<T>,
    coef2: Vec<T>,
    h: Vec<f64>,
    hc: Vec<f64>,
    s: Vec<f64>,
    order: Vec<usize>,
}

impl<T: Scalar> LanczosWorkspace<T> {
    /// An empty workspace with the default basis size `m = max(2k + 1, 20)` (at most `n`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the basis size `m` (scipy's `ncv`): more vectors converge in fewer restarts but
    /// cost `n × m` memory and `O(n·m)` reorthogonalization work a step. Clamped to
    /// `k + 1 ..= n`.
    pub fn with_basis(mut self, m: usize) -> Self {
        self.basis_len = Some(m);
        self
    }
}

/// `k` extreme eigenvalues (and eigenvectors) of the symmetric `n × n` operator `a`, by
/// Lanczos with full reorthogonalization (classical Gram–Schmidt, twice) and thick restarts
/// (Wu & Simon): after each cycle of `m` steps the best Ritz vectors are kept and the
/// Krylov space is extended from them.
///
/// A pair `(θ, x)` has converged when `‖A·x − θ·x‖ ≤ tol·max(|θ|, ε^⅔·‖H‖)`, with `‖H‖` the
/// largest Ritz value in magnitude (as ARPACK); the run stops when all `k` have, or after
/// `opts.max_iter` restarts (default 1000; 0 counts as 1). The report's residual is the
/// largest of these relative residuals; progress is reported once a restart cycle. The default tolerance
/// (`√ε`) gives eigenvalues to about `ε·‖A‖` (their error is about the residual squared over
/// the gap), which is how the tests match scipy's `eigsh` to 1e-8.
///
/// Cost per step: one product and `O(n·j)` work against the `j` basis vectors so far, all in
/// parallel dense kernels. The start vector is pseudo-random (deterministic).
///
/// # Errors
///
/// [`Error::Solver`] if `a` is not square, `k` is 0 or larger than `n`, the tolerance is
/// negative, a product gives NaN or infinity, or `a` is measurably not symmetric
/// (`|xᵀ·A·y − yᵀ·A·x|` large for two random vectors, checked once with two products).
///
/// # Examples
///
/// ```
/// use matvec::solve::{lanczos, LanczosWorkspace, Options, Which};
/// use matvec::Coo;
///
/// // 1-D Laplacian: eigenvalues 2 − 2·cos(jπ/(n+1)).
/// let n = 200;
/// let mut coo = Coo::<f64>::new(n, n);
/// for i in 0..n {
///     coo.push(i, i, 2.0);
///     if i > 0 { coo.push(i, i - 1, -1.0); coo.push(i - 1, i, -1.0); }
/// }
/// let a = coo.into_csr();
/// let eig = lanczos(&a, 3, Which::Largest, Options::new(), &mut LanczosWorkspace::new())?;
/// for (j, v) in eig.values.iter().enumerate() {
///     let exact = 2.0 - 2.0 * ((n - j) as f64 * std::f64::consts::PI / (n + 1) as f64).cos();
///     assert!((v - exact).abs() < 1e-10);
/// }
/// # Ok::<(), matvec::Error>(())
/// ```
pub fn lanczos<T: Scalar>(
    a: &dyn MatVec<T>,
    k: usize,
    which: Which,
    mut opts: Options<'_, T>,
    ws: &mut LanczosWorkspace<T>,
) -> Result<Eigen<T>> {
    const NAME: &str = "lanczos";
    opts.check(NAME)?;
    let n = square(NAME, a)?;
    if k == 0 || k > n {
        return Err(Error::solver(
            NAME,
            format!("k must be in 1..={n} for a {n} x {n} operator, got {k}"),
        ));
    }
    let par = opts.par;
    let tol = opts.tol.to_f64();
    let max_restarts = opts.max_iter.unwrap_or(1000).max(1);
    let m = ws
        .basis_len
        .unwrap_or((2 * k + 1).max(20))
        .clamp(k + 1, n.max(k + 1))
        .min(n);
    let keep_max = if m > k {
        (k + (m - k) / 2).max(k).min(m - 1)
    } else {
        m
    };
    let LanczosWorkspace {
        v,
        tmp,
        coef,
        coef2,
        h,
        hc,
        s,
        order,
        ..
    } = ws;
    super::fit(v, n * (m + 1));
    super::fit(tmp, n * keep_max.max(k));
    super::fit(coef, m + 1);
    super::fit(coef2, m + 1);
    super::fit(h, m * m);
    super::fit(hc, m * m);
    super::fit(s, m * m);

    let mut report = Report::start(false);

    // Symmetry check with two pseudo-random vectors (columns 0, 1 and 2 of the basis).
    if n > 1 {
        let (x, rest) = v.split_at_mut(n);
        let (y, rest) = rest.split_at_mut(n);
        let t = &mut rest[..n];
        random_fill(par, 0x5EED_1A2C, x);
        random_fill(par, 0x5EED_1A2D, y);
        a.mul_vec(T::ONE, y, T::ZERO, t, par);
        let xay = dot(par, x, t);
        let tn = norm(par, t);
        a.mul_vec(T::ONE, x, T::ZERO, t, par);
        let yax = dot(par, y, t);
        report.products += 2;
        let scale_ = tn.to_f64().max(norm(par, t).to_f64())
            * norm(par, x).to_f64().max(norm(par, y).to_f64());
        if !(xay.is_finite() && yax.is_finite()) {
            return Err(nan(0));
        }
        if (xay - yax).to_f64().abs() > 100.0 * T::EPSILON.to_f64().sqrt() * scale_ {
            return Err(Error::solver(
                NAME,
                format!(
                    "the operator is not symmetric: x^T*A*y = {xay} but y^T*A*x = {yax} for \
                     two random vectors (Lanczos needs a symmetric operator; for singular \
                     values of a general matrix use rsvd)"
                ),
            ));
        }
    }

    // Start vector.
    random_fill(par, 0x5EED_1A2E, &mut v[..n]);
    let v0n = norm(par, &v[..n]);
    scale(par, T::ONE / v0n, &mut v[..n]);

    let eps23 = T::EPSILON.to_f64().powf(2.0 / 3.0); // of the working precision, as ARPACK
    let mut kept = 0;
    let mut beta_last;
    loop {
        // Extend the basis from column `kept` to column m.
        beta_last = 0.0;
        for j in kept..m {
            let (done, rest) = v.split_at_mut(n * (j + 1));
            let w = &mut rest[..n];
            a.mul_vec(T::ONE, &done[n * j..], T::ZERO, w, par);
            report.products += 1;
            orthogonalize(par, done, n, j + 1, w, coef, coef2);
            for i in 0..=j {
                let c = coef[i].to_f64();
                if !c.is_finite() {
                    return Err(nan(report.iterations + 1));
                }
                h[j * m + i] = c;
                h[i * m + j] = c;
            }
            let mut beta = norm(par, w).to_f64();
            if !beta.is_finite() {
                return Err(nan(report.iterations + 1));
            }
            let hscale = h.iter().fold(0.0f64, |a, b| a.max(b.abs()));
            if beta <= 1e3 * f64::EPSILON * hscale.max(f64::MIN_POSITIVE) {
                // Invariant subspace: continue from a fresh direction orthogonal to the basis.
                beta = 0.0;
                random_fill(par, 0x5EED_1A2F + j as u64, w);
                orthogonalize(par, done, n, j + 1, w, coef, coef2);
                let wn = norm(par, w);
                if wn > T::ZERO {
                    scale(par, T::ONE / wn, w);
                }
            } else {
                scale(par, T::from_f64(1.0 / beta), w);
            }
            if j + 1 < m {
                h[j * m + j + 1] = beta;
                h[(j + 1) * m + j] = beta;
            } else {
                beta_last = beta;
            }
        }
        report.iterations += 1;

        // Ritz pairs.
        hc.copy_from_slice(h);
        sym_eig(hc, m, s);
        let theta = |i: usize| hc[i * m + i];
        order.clear();
        order.extend(0..m);
        match which {
            Which::Largest => order.sort_unstable_by(|&p, &q| theta(q).total_cmp(&theta(p))),
            Which::Smallest => order.sort_unstable_by(|&p, &q| theta(p).total_cmp(&theta(q))),
            Which::LargestMagnitude => {
                order.sort_unstable_by(|&p, &q| theta(q).abs().total_cmp(&theta(p).abs()))
            }
        }
        let hnorm = (0..m).fold(0.0f64, |a, i| a.max(theta(i).abs()));
        let mut worst = 0.0f64;
        for &i in &order[..k] {
            let r = (beta_last * s[i * m + m - 1]).abs();
            let rel = r / theta(i).abs().max(eps23 * hnorm).max(f64::MIN_POSITIVE);
            worst = worst.max(rel);
        }
        report.residual = T::from_f64(worst);
        report.converged = worst <= tol;
        opts.report(report.iterations, report.residual);

        // A basis of the whole space (m = n) gives exact Ritz pairs: nothing to restart.
        let last = report.converged || report.iterations >= max_restarts || keep_max >= m;
        let keep = if last { k } else { keep_max };
        // Ritz vectors: tmp[:, c] = V[:, 0..m]·S[:, order[c]], then back into V.
        {
            let basis = DenseView::col_major(n, m, &v[..n * m]).expect("n*m elements");
            for c in 0..keep {
                let col = order[c];
                for (i, cf) in coef[..m].iter_mut().enumerate() {
                    *cf = T::from_f64(s[col * m + i]);
                }
                basis.mul_vec(
                    T::ONE,
                    &coef[..m],
                    T::ZERO,
                    &mut tmp[c * n..(c + 1) * n],
                    par,
                );
            }
        }
        if last {
            let values = order[..k].iter().map(|&i| T::from_f64(theta(i))).collect();
            let vectors = tmp[..n * k].to_vec();
            return Ok(Eigen {
                values,
                vectors,
                report,
            });
        }
        // Thick restart: V = [Ritz vectors, residual direction], H = arrowhead.
        v[..n * keep].copy_from_slice(&tmp[..n * keep]);
        v.copy_within(n * m..n * (m + 1), n * keep);
        h.fill(0.0);
        for c in 0..keep {
            let i = order[c];
            h[c * m + c] = theta(i);
            let arrow = beta_last * s[i * m + m - 1];
            h[keep * m + c] = arrow;
            h[c * m + keep] = arrow;
        }
        kept = keep;
    }
}

fn nan(it: usize) -> Error {
    Error::solver(
        "lanczos",
        format!(
            "a product gave NaN or infinity in restart cycle {it}: the operator holds NaN or \
             infinity, or overflows"
        ),
    )
}
