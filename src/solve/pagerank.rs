//! PageRank by power iteration on the graph's matrix, without forming the Google matrix.

use super::{Options, Report, finite, fit, length, square};
use crate::par;
use crate::{Error, MatVec, Result, Scalar};
use std::ops::Range;

/// Temporaries of [`pagerank`]: three vectors of length `n` (the inverse out-degrees, the
/// scaled rank and the product), allocated on the first call and reused by later calls of the same size.
#[derive(Clone, Debug, Default)]
pub struct PageRankWorkspace<T> {
    inv_out: Vec<T>,
    y: Vec<T>,
    t: Vec<T>,
}

impl<T: Scalar> PageRankWorkspace<T> {
    /// An empty workspace; the first call sizes it.
    pub fn new() -> Self {
        PageRankWorkspace {
            inv_out: Vec::new(),
            y: Vec::new(),
            t: Vec::new(),
        }
    }
}

/// PageRank of the graph whose (weighted) adjacency matrix is `graph`: entry `(i, j)` is the
/// weight of the edge `i → j` (≥ 0; weights of a node's out-edges are normalized by their
/// sum). The Google matrix is never formed: each iteration is
///
/// ```text
/// x ← d·Gᵀ·(x ./ out) + (d·Σ_dangling x + 1 − d)·v
/// ```
///
/// — one `mul_vec_t` of `graph` and two fused vector passes — where `out` are the out-degrees
/// (row sums, computed once with one product), `d` the damping factor, and `v` the
/// personalization vector (uniform if `None`; normalized to sum 1), which also receives the
/// rank of dangling nodes (nodes without out-edges), as in networkx's default.
///
/// `x` is the start vector on entry (all zeros: start from `v`; otherwise normalized to
/// sum 1) and the PageRank vector (summing to 1) on exit. The residual is the L1 change of `x`
/// in the last iteration; the run stops when it is at most `opts.tol` or after
/// `opts.max_iter` iterations (default 1000; convergence is linear with ratio `d`).
/// `converged` thus means that L1 change is at most `tol`, which bounds the L1 distance to
/// the exact PageRank by `d/(1 − d)·tol` (the iteration contracts by `d` in L1).
///
/// **Speed**: `mul_vec_t` is a parallel gather for [`Csc`](crate::Csc) and a sequential
/// scatter for [`Csr`](crate::Csr); for a graph held as CSR, pass `a.to_csc()` (same matrix,
/// transposed storage) or the CSR of the reversed graph wrapped in
/// [`Transposed`](crate::Transposed).
///
/// # Errors
///
/// [`Error::Solver`] if `graph` is not square, `damping` is not in `[0, 1)`, `x` or the
/// personalization vector has the wrong length, a negative or non-finite entry, or a
/// personalization vector sums to 0, a node's out-weights sum to a negative, non-finite or
/// subnormal value, or a rank comes out negative (negative edge weights: single weights are
/// not read, only row sums, so this is how they show).
///
/// # Examples
///
/// ```
/// use matvec::solve::{pagerank, Options, PageRankWorkspace};
/// use matvec::Coo;
///
/// // 0 → 1, 1 → 2, 2 → 0, 2 → 1; node 3 → 2; nobody links to 3.
/// let mut g = Coo::<f64>::new(4, 4);
/// for (i, j) in [(0, 1), (1, 2), (2, 0), (2, 1), (3, 2)] {
///     g.push(i, j, 1.0);
/// }
/// let g = g.into_csc();
/// let mut x = vec![0.0; 4];
/// let report = pagerank(&g, 0.85, None, &mut x, Options::new().tol(1e-12), &mut PageRankWorkspace::new())?;
/// assert!(report.converged);
/// assert!((x.iter().sum::<f64>() - 1.0).abs() < 1e-12);
/// assert!((x[3] - 0.15 / 4.0).abs() < 1e-12); // only teleportation reaches node 3
/// # Ok::<(), matvec::Error>(())
/// ```
pub fn pagerank<T: Scalar>(
    graph: &dyn MatVec<T>,
    damping: T,
    personalization: Option<&[T]>,
    x: &mut [T],
    mut opts: Options<'_, T>,
    ws: &mut PageRankWorkspace<T>,
) -> Result<Report<T>> {
    const NAME: &str = "pagerank";
    opts.check(NAME)?;
    if !(damping >= T::ZERO && damping < T::ONE) {
        return Err(Error::solver(
            NAME,
            format!("the damping factor must be in [0, 1), got {damping}"),
        ));
    }
    // Each process checks its own part; all of them stop if any part is wrong.
    let n = graph.nrows();
    opts.agree(
        NAME,
        (|| {
            square(NAME, graph)?;
            length(NAME, "x", x, n)?;
            nonnegative(NAME, "x", x)?;
            if let Some(p) = personalization {
                length(NAME, "the personalization vector", p, n)?;
                nonnegative(NAME, "the personalization vector", p)?;
            }
            Ok(())
        })(),
    )?;
    let global_n = opts.reducer().sum_len(n);
    // v = personalization / its sum, or 1/n: applied as v_scale·p[i] (no copy).
    let v_scale = match personalization {
        None => T::ONE / T::from_f64(global_n.max(1) as f64),
        Some(p) => {
            let s: T = opts.sum(p.iter().copied().sum());
            if !(s > T::ZERO && s.is_finite()) {
                return Err(Error::solver(
                    NAME,
                    format!("the personalization vector must have a positive finite sum, got {s}"),
                ));
            }
            T::ONE / s
        }
    };
    let v = |i: usize| match personalization {
        None => v_scale,
        Some(p) => p[i] * v_scale,
    };
    let par = opts.par;
    let mut report = Report::start(global_n == 0);
    if global_n == 0 {
        return Ok(report);
    }
    let PageRankWorkspace { inv_out, y, t } = ws;
    fit(inv_out, n);
    fit(y, n);
    fit(t, n);
    // Out-degrees: inv_out = G·1, then inverted (0 for dangling nodes).
    y.fill(T::ONE);
    graph.mul_vec(T::ONE, y, T::ZERO, inv_out, par);
    report.products += 1;
    report.passes += 1;
    opts.agree(NAME, invert_degrees(inv_out))?;
    // Start vector.
    let s: T = opts.sum(x.iter().copied().sum());
    if s == T::ZERO {
        for (i, xi) in x.iter_mut().enumerate() {
            *xi = v(i);
        }
    } else {
        let inv = T::ONE / s;
        x.iter_mut().for_each(|xi| *xi *= inv);
    }
    let max_iter = opts.max_iter.unwrap_or(1000);
    let d = damping;
    while report.iterations < max_iter {
        let it = report.iterations + 1;
        // Pass 1: y = x ./ out, and the rank held by dangling nodes.
        let dangling = opts.sum(par::reduce(
            par,
            (&mut y[..], &x[..], &inv_out[..]),
            &|(y, x, w): (&mut [T], &[T], &[T])| {
                let mut s = T::ZERO;
                for ((yi, xi), wi) in y.iter_mut().zip(x).zip(w) {
                    *yi = *xi * *wi;
                    if *wi == T::ZERO {
                        s += *xi;
                    }
                }
                s
            },
            &|a, b| a + b,
        ));
        let c = d * dangling + (T::ONE - d);
        // t = Gᵀ·y, then pass 2: x ← d·t + c·v, with the L1 change.
        graph.mul_vec_t(T::ONE, y, T::ZERO, t, par);
        let err = opts.sum(par::reduce(
            par,
            (0..n, &mut x[..], &t[..]),
            &|(r, x, t): (Range<usize>, &mut [T], &[T])| {
                let mut s = T::ZERO;
                for ((i, xi), ti) in r.zip(x.iter_mut()).zip(t) {
                    let new = d * *ti + c * v(i);
                    s += (new - *xi).abs();
                    *xi = new;
                }
                s
            },
            &|a, b| a + b,
        ));
        report.products += 1;
        report.passes += 1;
        report.iterations = it;
        report.residual = err;
        if !err.is_finite() {
            return Err(Error::solver(
                NAME,
                format!(
                    "the rank became NaN or infinite at iteration {it}: the graph holds NaN \
                     or infinity"
                ),
            ));
        }
        report.converged = err <= opts.tol;
        opts.report(it, err);
        if report.converged {
            break;
        }
    }
    // Row sums are checked, single weights are not (that would need the matrix's entries):
    // a negative weight shows as a negative rank.
    let negative = match x.iter().position(|&v| v < T::ZERO) {
        None => Ok(()),
        Some(i) => Err(Error::solver(
            NAME,
            format!(
                "the rank of node {i} came out negative ({}): the graph has negative edge weights",
                x[i]
            ),
        )),
    };
    opts.agree(NAME, negative)?;
    Ok(report)
}

/// `Err` naming the first entry of `v` that is negative or not finite.
fn nonnegative<T: Scalar>(solver: &'static str, name: &str, v: &[T]) -> Result<()> {
    finite(solver, name, v)?;
    match v.iter().position(|&x| x < T::ZERO) {
        None => Ok(()),
        Some(i) => Err(Error::solver(
            solver,
            format!("{name}[{i}] is {}: entries must be non-negative", v[i]),
        )),
    }
}

/// Inverts the out-degrees in place (0 stays 0: a dangling node), or names the first node whose
/// weights are negative, not finite, or too small to invert.
fn invert_degrees<T: Scalar>(inv_out: &mut [T]) -> Result<()> {
    const NAME: &str = "pagerank";
    for (i, d) in inv_out.iter_mut().enumerate() {
        if !(d.is_finite() && *d >= T::ZERO) {
            return Err(Error::solver(
                NAME,
                format!(
                    "the out-edge weights of node {i} sum to {d}: weights must be \
                     non-negative and finite"
                ),
            ));
        }
        if *d > T::ZERO {
            let inv = T::ONE / *d;
            if !inv.is_finite() {
                return Err(Error::solver(
                    NAME,
                    format!(
                        "the out-edge weights of node {i} sum to {d}, too small to normalize \
                         (its inverse overflows)"
                    ),
                ));
            }
            *d = inv;
        }
    }
    Ok(())
}
