//! Power iteration for the dominant eigenpair.

use super::vecops::{dot_leaf, pow2_near, scale};
use super::{Options, Report, finite, fit, length, square};
use crate::par;
use crate::{Error, MatVec, Result, Scalar};

/// Temporaries of [`power_iteration`]: one vector of length `n`.
#[derive(Clone, Debug, Default)]
pub struct PowerWorkspace<T> {
    y: Vec<T>,
}

impl<T: Scalar> PowerWorkspace<T> {
    /// An empty workspace; the first call sizes it.
    pub fn new() -> Self {
        PowerWorkspace { y: Vec::new() }
    }
}

/// The answer of [`power_iteration`]: the eigenvalue (the eigenvector is left in `x`; the
/// value is its Rayleigh quotient and the report's residual is its `‖A·x − λ·x‖ / |λ|`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Dominant<T> {
    /// The Rayleigh quotient `xᵀ·A·x` of the final unit vector.
    pub value: T,
    /// Iterations, products, residual, convergence.
    pub report: Report<T>,
}

/// The eigenvalue of largest magnitude of a square operator and its eigenvector, by power
/// iteration from the start vector `x` (left as the unit eigenvector).
///
/// Each iteration is one product and two fused vector passes. The residual is `‖A·x − λ·x‖ / |λ|` for
/// the unit `x` and its Rayleigh quotient `λ`; the run stops when it is at most `opts.tol`,
/// or after `opts.max_iter` iterations (default 1000). Convergence is linear with ratio
/// `|λ₂/λ₁|`: slow when the two largest eigenvalues are close (use [`lanczos`](super::lanczos)
/// then), and a dominant pair `±λ` or a complex pair makes it oscillate without converging
/// (the report says so).
///
/// # Errors
///
/// [`Error::Solver`] if `A` is not square, `x` has the wrong length, is zero or not finite,
/// the tolerance is negative, or the iterate becomes NaN (NaN or infinity in `A`).
///
/// # Examples
///
/// ```
/// use matvec::solve::{power_iteration, Options, PowerWorkspace};
/// use matvec::Coo;
///
/// let mut coo = Coo::<f64>::new(3, 3);
/// coo.push(0, 0, 3.0);
/// coo.push(1, 1, 1.0);
/// coo.push(2, 2, -1.0);
/// coo.push(0, 1, 0.5);
/// coo.push(1, 0, 0.5);
/// let a = coo.into_csr();
/// let mut x = vec![1.0; 3];
/// let dom = power_iteration(&a, &mut x, Options::new().tol(1e-12), &mut PowerWorkspace::new())?;
/// // The eigenvalues of [[3, ½], [½, 1]] are 2 ± √1.25; of the last row, −1.
/// assert!(dom.report.converged);
/// assert!((dom.value - (2.0 + 1.25f64.sqrt())).abs() < 1e-10);
/// # Ok::<(), matvec::Error>(())
/// ```
pub fn power_iteration<T: Scalar>(
    a: &dyn MatVec<T>,
    x: &mut [T],
    mut opts: Options<'_, T>,
    ws: &mut PowerWorkspace<T>,
) -> Result<Dominant<T>> {
    const NAME: &str = "power_iteration";
    opts.check(NAME)?;
    // Each process checks its own part; all of them stop if any part is wrong.
    let n = a.nrows();
    opts.agree(
        NAME,
        (|| {
            square(NAME, a)?;
            length(NAME, "x", x, n)?;
            finite(NAME, "x", x)
        })(),
    )?;
    let par = opts.par;
    let max_iter = opts.max_iter.unwrap_or(1000);
    let mut out = Dominant {
        value: T::ZERO,
        report: Report::start(false),
    };
    if opts.reducer().sum_len(n) == 0 {
        out.report.converged = true;
        return Ok(out);
    }
    // Normalize (in two steps, so that a tiny or huge start vector is fine).
    let m = opts.max_abs(x);
    if m == T::ZERO {
        return Err(Error::solver(NAME, "the start vector x is zero"));
    }
    scale(par, T::ONE / pow2_near(m), x);
    let xnorm = opts.norm(x);
    scale(par, T::ONE / xnorm, x);
    let y = &mut ws.y;
    fit(y, n);
    // `cur` is the unit iterate, `next` receives A·cur; they swap roles every iteration, so
    // that the vector the final eigenvalue belongs to is kept (copied into `x` at the end if
    // it is the workspace's).
    let (mut cur, mut next): (&mut [T], &mut [T]) = (x, &mut y[..]);
    let mut cur_is_x = true;
    while out.report.iterations < max_iter {
        let it = out.report.iterations + 1;
        a.mul_vec(T::ONE, cur, T::ZERO, next, par);
        out.report.products += 1;
        out.report.passes += 1;
        // One pass for xᵀy and yᵀy.
        let (lambda, yy) = opts.sum2(par::reduce(
            par,
            (&cur[..], &next[..]),
            &|(x, y): (&[T], &[T])| (dot_leaf(x, y), dot_leaf(y, y)),
            &|a, b| (a.0 + b.0, a.1 + b.1),
        ));
        // yᵀy may overflow (or underflow) for an operator of extreme scale: then the scaled
        // norm decides, and only a y that really holds NaN or infinity is an error.
        let ynorm = if yy.is_finite() && yy >= T::MIN_POSITIVE / T::EPSILON {
            yy.sqrt()
        } else {
            opts.norm(next)
        };
        if !(lambda.is_finite() && ynorm.is_finite()) {
            return Err(Error::solver(
                NAME,
                format!(
                    "the iterate became NaN or infinite at iteration {it}: the operator holds \
                     NaN or infinity, or overflows"
                ),
            ));
        }
        out.value = lambda;
        out.report.iterations = it;
        if ynorm == T::ZERO {
            // A·x = 0: x is an eigenvector for 0 (and A may be nilpotent).
            out.report.residual = T::ZERO;
            out.report.converged = true;
            break;
        }
        // One pass: ‖(y − λ·x)/‖y‖‖² (in units of ‖y‖, so it cannot overflow), and
        // y ← y/‖y‖ (the next iterate).
        let inv = T::ONE / ynorm;
        let r2 = opts.sum(par::reduce(
            par,
            (&cur[..], &mut next[..]),
            &|(x, y): (&[T], &mut [T])| {
                let mut s = T::ZERO;
                for (xi, yi) in x.iter().zip(y.iter_mut()) {
                    let d = *yi * inv - (lambda * inv) * *xi;
                    s += d * d;
                    *yi *= inv;
                }
                s
            },
            &|a, b| a + b,
        ));
        // ‖y − λx‖ / |λ| = √r2 · ‖y‖ / |λ|.
        out.report.residual = if lambda == T::ZERO {
            r2.sqrt() * ynorm
        } else {
            r2.sqrt() * (ynorm / lambda.abs())
        };
        out.report.converged = out.report.residual <= opts.tol;
        opts.report(it, out.report.residual);
        if out.report.converged || it == max_iter {
            break;
        }
        std::mem::swap(&mut cur, &mut next);
        cur_is_x = !cur_is_x;
    }
    if !cur_is_x {
        next.copy_from_slice(cur);
    }
    Ok(out)
}
