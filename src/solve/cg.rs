//! Conjugate gradients, with an optional (Jacobi) preconditioner.

use super::vecops::{dot, pow2_near, scale};
use super::{Options, Report, finite, fit, length, square};
use crate::par::{self, Par};
use crate::{CsrView, Error, Index, MatVec, Result, Scalar};

/// A preconditioner `M ≈ A` for [`pcg`]: applies `z ← M⁻¹·r`.
pub trait Preconditioner<T: Scalar> {
    /// Dimension of `M`.
    fn dim(&self) -> usize;
    /// `z ← M⁻¹·r`, allocating nothing.
    fn apply(&self, r: &[T], z: &mut [T], par: Par);
    /// `Some(d)` if `M⁻¹` is the diagonal matrix `diag(d)` (`d.len() == dim()`): [`pcg`] then
    /// fuses it into its vector pass instead of calling [`apply`](Self::apply).
    fn inverse_diagonal(&self) -> Option<&[T]> {
        None
    }
}

/// The Jacobi (diagonal) preconditioner `M = diag(A)`, stored as `1/aᵢᵢ`.
///
/// It costs one pass over one vector per iteration (fused with CG's own pass), and helps when
/// the diagonal varies across rows (badly scaled problems); on a constant-diagonal problem
/// such as the Poisson matrix it changes nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct Jacobi<T> {
    inv: Vec<T>,
}

impl<T: Scalar> Jacobi<T> {
    /// From the diagonal of `A`, taken by value and inverted in place (no copy).
    ///
    /// # Errors
    ///
    /// [`Error::Solver`] naming the first entry that is not positive and finite (a symmetric
    /// positive definite matrix has a positive diagonal).
    pub fn from_diagonal(mut diag: Vec<T>) -> Result<Self> {
        if let Some(i) = diag.iter().position(|&d| !(d.is_finite() && d > T::ZERO)) {
            return Err(Error::solver(
                "Jacobi",
                format!(
                    "diagonal entry {i} is {}: a positive definite matrix has a positive, \
                     finite diagonal",
                    diag[i]
                ),
            ));
        }
        for d in diag.iter_mut() {
            *d = T::ONE / *d;
        }
        Ok(Jacobi { inv: diag })
    }

    /// From the diagonal of a square CSR matrix (entries not stored count as zero).
    ///
    /// # Errors
    ///
    /// As [`from_diagonal`](Self::from_diagonal), and if `a` is not square.
    pub fn from_csr<I: Index>(a: CsrView<'_, T, I>) -> Result<Self> {
        if a.nrows() != a.ncols() {
            return Err(Error::solver(
                "Jacobi",
                format!(
                    "the matrix must be square, but it is {} x {}",
                    a.nrows(),
                    a.ncols()
                ),
            ));
        }
        let diag = (0..a.nrows())
            .map(|i| {
                let (cols, vals) = a.row(i);
                match cols.binary_search_by(|c| c.index().cmp(&i)) {
                    Ok(k) => vals[k],
                    Err(_) => T::ZERO,
                }
            })
            .collect();
        Self::from_diagonal(diag)
    }

    /// `1/aᵢᵢ` for every row.
    pub fn inverse(&self) -> &[T] {
        &self.inv
    }
}

impl<T: Scalar> Preconditioner<T> for Jacobi<T> {
    fn dim(&self) -> usize {
        self.inv.len()
    }
    fn apply(&self, r: &[T], z: &mut [T], par: Par) {
        par::reduce(
            par,
            (r, z, self.inv.as_slice()),
            &|(r, z, d): (&[T], &mut [T], &[T])| {
                for ((zi, ri), di) in z.iter_mut().zip(r).zip(d) {
                    *zi = *di * *ri;
                }
            },
            &|(), ()| (),
        );
    }
    fn inverse_diagonal(&self) -> Option<&[T]> {
        Some(&self.inv)
    }
}

/// Temporaries of [`cg`] and [`pcg`]: three vectors of length `n` (four with a
/// preconditioner), allocated on the first call and reused by later calls of the same size.
#[derive(Clone, Debug, Default)]
pub struct CgWorkspace<T> {
    r: Vec<T>,
    p: Vec<T>,
    q: Vec<T>,
    z: Vec<T>,
}

impl<T: Scalar> CgWorkspace<T> {
    /// An empty workspace; the first solve sizes it.
    pub fn new() -> Self {
        CgWorkspace {
            r: Vec::new(),
            p: Vec::new(),
            q: Vec::new(),
            z: Vec::new(),
        }
    }
}

/// Solves `A·x = b` for symmetric positive definite `A` by conjugate gradients, starting from
/// the `x` given and leaving the solution in it.
///
/// Stops when the relative residual `‖b − A·x‖ / ‖b‖` is at most `opts.tol`, or after
/// `opts.max_iter` iterations (default `10·n`, as scipy). The iterations update the residual
/// recursively (as scipy's `cg`), which can drift from the true one in finite precision; so
/// when the recursive residual meets the tolerance, the true residual is recomputed with one
/// more product, and only if it meets the tolerance too does the run stop — otherwise the
/// recursive residual is replaced by the true one (van der Vorst & Ye's residual
/// replacement) and the iterations go on. `converged` therefore means the true
/// `‖b − A·x‖ / ‖b‖ ≤ tol` for the `x` returned, and the report's residual is that true
/// residual (the recursive one for a run that stopped at `max_iter`). One product and three
/// fused, parallel vector passes an iteration; `b = 0` gives `x = 0` at once.
///
/// # Errors
///
/// [`Error::Solver`] if `A` is not square, `b` or `x` has the wrong length or is not finite,
/// the tolerance is negative, or `A` shows it is not positive definite (`pᵀ·A·p ≤ 0`) or holds
/// NaN (the residual becomes NaN). Each message names the iteration.
///
/// # Examples
///
/// See the [module docs](super).
pub fn cg<T: Scalar>(
    a: &dyn MatVec<T>,
    b: &[T],
    x: &mut [T],
    opts: Options<'_, T>,
    ws: &mut CgWorkspace<T>,
) -> Result<Report<T>> {
    run("cg", a, None, b, x, opts, ws)
}

/// [`cg`] preconditioned by `m` (usually [`Jacobi`]): the stopping rule is still the relative
/// residual `‖b − A·x‖ / ‖b‖`.
///
/// # Errors
///
/// As [`cg`], and if `m`'s dimension differs from `A`'s.
///
/// # Examples
///
/// ```
/// use matvec::solve::{pcg, CgWorkspace, Jacobi, Options};
/// use matvec::Coo;
///
/// // A badly scaled SPD matrix: diag(1, 10, 100, ...) plus a small coupling.
/// let n = 6;
/// let mut coo = Coo::<f64>::new(n, n);
/// for i in 0..n {
///     coo.push(i, i, 10f64.powi(i as i32));
///     if i > 0 { coo.push(i, i - 1, 0.1); coo.push(i - 1, i, 0.1); }
/// }
/// let a = coo.into_csr();
/// let m = Jacobi::from_csr(a.view())?;
/// let mut x = vec![0.0; n];
/// let report = pcg(&a, &m, &[1.0; 6], &mut x, Options::new().tol(1e-12), &mut CgWorkspace::new())?;
/// assert!(report.converged && report.iterations <= n);
/// # Ok::<(), matvec::Error>(())
/// ```
pub fn pcg<T: Scalar>(
    a: &dyn MatVec<T>,
    m: &dyn Preconditioner<T>,
    b: &[T],
    x: &mut [T],
    opts: Options<'_, T>,
    ws: &mut CgWorkspace<T>,
) -> Result<Report<T>> {
    run("pcg", a, Some(m), b, x, opts, ws)
}

fn run<T: Scalar>(
    name: &'static str,
    a: &dyn MatVec<T>,
    m: Option<&dyn Preconditioner<T>>,
    b: &[T],
    x: &mut [T],
    mut opts: Options<'_, T>,
    ws: &mut CgWorkspace<T>,
) -> Result<Report<T>> {
    opts.check(name)?;
    // Each process checks its own part; all of them stop if any part is wrong.
    let n = a.nrows();
    opts.agree(
        name,
        (|| {
            square(name, a)?;
            length(name, "b", b, n)?;
            length(name, "x", x, n)?;
            finite(name, "b", b)?;
            finite(name, "x", x)?;
            if let Some(m) = m
                && m.dim() != n
            {
                return Err(Error::solver(
                    name,
                    format!(
                        "the preconditioner is {0} x {0}, but A is {n} x {n}",
                        m.dim()
                    ),
                ));
            }
            Ok(())
        })(),
    )?;
    let par = opts.par;
    let tol = opts.tol;
    let max_iter = opts
        .max_iter
        .unwrap_or(10 * opts.reducer().sum_len(n).max(1));
    let CgWorkspace { r, p, q, z } = ws;
    fit(r, n);
    fit(p, n);
    fit(q, n);
    if m.is_some() {
        fit(z, n);
    }
    let diag = m.and_then(|m| m.inverse_diagonal());
    opts.agree(
        name,
        match diag {
            Some(d) if d.len() != n => Err(Error::solver(
                name,
                format!(
                    "the preconditioner's inverse diagonal has length {}, but A is {n} x {n}",
                    d.len()
                ),
            )),
            _ => Ok(()),
        },
    )?;

    let mut report = Report::start(true);
    // Work in units of a power of two near max|bᵢ| (exact scaling), so that r·r neither
    // underflows for a tiny b nor overflows for a huge one: A·(x/s) = b/s.
    let bmax = opts.max_abs(b);
    if bmax == T::ZERO {
        x.fill(T::ZERO);
        return Ok(report);
    }
    let unit = pow2_near(bmax);
    let inv = T::ONE / unit;
    scale(par, inv, x);
    // r = b/s − A·x/s
    par::reduce(
        par,
        (&mut r[..], b),
        &|(r, b): (&mut [T], &[T])| {
            for (ri, bi) in r.iter_mut().zip(b) {
                *ri = *bi * inv;
            }
        },
        &|(), ()| (),
    );
    // The iterations, in a closure so that `x` is scaled back on every exit, errors too.
    let outcome = (|| -> Result<()> {
        let bnorm = opts.norm(r);
        a.mul_vec(-T::ONE, x, T::ONE, r, par);
        report.products += 1;
        report.passes += 1;
        let mut rr = opts.dot(r, r);
        let mut rz = match m {
            None => {
                p.copy_from_slice(r);
                rr
            }
            Some(m) => {
                m.apply(r, z, par);
                p.copy_from_slice(z);
                opts.dot(r, z)
            }
        };
        report.residual = rr.sqrt() / bnorm;
        if !report.residual.is_finite() {
            return Err(nan(name, 0));
        }
        report.converged = report.residual <= tol;
        while !report.converged && report.iterations < max_iter {
            let it = report.iterations + 1;
            a.mul_vec(T::ONE, p, T::ZERO, q, par);
            report.products += 1;
            report.passes += 1;
            let pq = opts.dot(p, q);
            if !pq.is_finite() {
                return Err(nan(name, it));
            }
            if pq <= T::ZERO {
                return Err(Error::solver(
                    name,
                    format!(
                        "A is not positive definite: p^T*A*p = {pq} at iteration {it} \
                         (conjugate gradients needs a symmetric positive definite matrix)"
                    ),
                ));
            }
            let alpha = rz / pq;
            // Pass 2: r ← r − α·q, z ← M⁻¹·r, with r·r and r·z.
            let (rr_new, rz_new) = match (m, diag) {
                (None, _) => {
                    let rr = opts.sum(par::reduce(
                        par,
                        (&mut r[..], &q[..]),
                        &|(r, q): (&mut [T], &[T])| {
                            let mut s = T::ZERO;
                            for (ri, qi) in r.iter_mut().zip(q) {
                                *ri -= alpha * *qi;
                                s += *ri * *ri;
                            }
                            s
                        },
                        &|a, b| a + b,
                    ));
                    (rr, rr)
                }
                (Some(_), Some(d)) => opts.sum2(par::reduce(
                    par,
                    (&mut r[..], &q[..], &mut z[..], d),
                    &|(r, q, z, d): (&mut [T], &[T], &mut [T], &[T])| {
                        let (mut s, mut t) = (T::ZERO, T::ZERO);
                        for (((ri, qi), zi), di) in r.iter_mut().zip(q).zip(z.iter_mut()).zip(d) {
                            *ri -= alpha * *qi;
                            *zi = *di * *ri;
                            s += *ri * *ri;
                            t += *ri * *zi;
                        }
                        (s, t)
                    },
                    &|a, b| (a.0 + b.0, a.1 + b.1),
                )),
                (Some(m), None) => {
                    super::vecops::axpy(par, -alpha, q, r);
                    m.apply(r, z, par);
                    opts.sum2((dot(par, r, r), dot(par, r, z)))
                }
            };
            let beta = rz_new / rz;
            rr = rr_new;
            rz = rz_new;
            // Pass 3: x ← x + α·p, p ← z + β·p (z is r without a preconditioner).
            let zz: &[T] = if m.is_some() { z } else { r };
            par::reduce(
                par,
                (&mut x[..], &mut p[..], zz),
                &|(x, p, z): (&mut [T], &mut [T], &[T])| {
                    for ((xi, pi), zi) in x.iter_mut().zip(p.iter_mut()).zip(z) {
                        *xi += alpha * *pi;
                        *pi = *zi + beta * *pi;
                    }
                },
                &|(), ()| (),
            );
            report.iterations = it;
            report.residual = rr.sqrt() / bnorm;
            if !report.residual.is_finite() {
                return Err(nan(name, it));
            }
            report.converged = report.residual <= tol;
            if report.converged {
                // Confirm with the true residual q = b/s − A·x/s (one more product); if the
                // recursive one drifted, replace it by the true one and go on.
                a.mul_vec(T::ONE, x, T::ZERO, q, par);
                report.products += 1;
                report.passes += 1;
                let true_rr = opts.sum(par::reduce(
                    par,
                    (&mut q[..], b),
                    &|(q, b): (&mut [T], &[T])| {
                        let mut s = T::ZERO;
                        for (qi, bi) in q.iter_mut().zip(b) {
                            *qi = *bi * inv - *qi;
                            s += *qi * *qi;
                        }
                        s
                    },
                    &|a, b| a + b,
                ));
                report.residual = true_rr.sqrt() / bnorm;
                if !report.residual.is_finite() {
                    return Err(nan(name, it));
                }
                report.converged = report.residual <= tol;
                if !report.converged {
                    r.copy_from_slice(q);
                    rr = true_rr;
                    rz = match m {
                        None => rr,
                        Some(m) => {
                            m.apply(r, z, par);
                            opts.dot(r, z)
                        }
                    };
                }
            }
            opts.report(it, report.residual);
        }
        Ok(())
    })();
    scale(par, unit, x);
    outcome?;
    Ok(report)
}

fn nan(name: &'static str, it: usize) -> Error {
    Error::solver(
        name,
        format!(
            "the residual is NaN or infinite at iteration {it}: the operator (or \
             preconditioner) holds NaN or infinity, or overflows"
        ),
    )
}
