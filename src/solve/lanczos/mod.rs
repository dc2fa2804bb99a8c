//! (Block) Lanczos with full reorthogonalization, thick restarts and a verification search,
//! for a few extreme eigenpairs of a symmetric operator: the driver and its guarantee here,
//! the Krylov engine in `krylov.rs`.

mod krylov;

use super::vecops::{axpy, dot, norm, random_fill};
use super::{Options, Report, square};
use crate::{Error, MatVec, Result, Scalar};
use krylov::Krylov;

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

/// Temporaries of [`lanczos`]: `n × (k + m + b)` elements for the locked vectors, the basis
/// and the next block, `n × m/2` or so for the restart, and small `m × m` matrices, allocated
/// on the first call and reused by later calls of the same size.
#[derive(Clone, Debug, Default)]
pub struct LanczosWorkspace<T> {
    basis_len: Option<usize>,
    block: Option<usize>,
    v: Vec<T>,
    tmp: Vec<T>,
    coef: Vec<T>,
    coef2: Vec<T>,
    sel: Vec<T>,
    h: Vec<f64>,
    hc: Vec<f64>,
    s: Vec<f64>,
    cx: Vec<f64>,
    cx2: Vec<f64>,
    cmat: Vec<f64>,
    bres: Vec<f64>,
    before: Vec<f64>,
    xvals: Vec<f64>,
    merged: Vec<f64>,
    order: Vec<usize>,
}

impl<T: Scalar> LanczosWorkspace<T> {
    /// An empty workspace with block size `b = 1` and the default basis size
    /// `m = max(2k + 2, 20) + 10·(b − 1)` (rounded up to a multiple of `b`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the basis size `m` (scipy's `ncv`): more vectors converge in fewer restarts but
    /// cost `n × m` memory and `O(n·m)` reorthogonalization work a step. Raised to at least
    /// `k + 1 + 2b` and rounded up to a multiple of the block size `b`.
    pub fn with_basis(mut self, m: usize) -> Self {
        self.basis_len = Some(m);
        self
    }

    /// Sets the block size `b` (default 1): each step multiplies a block of `b` vectors with
    /// one [`MatVec::mul_mat`], so one pass over the matrix serves `b` vectors, and an
    /// eigenvalue of multiplicity up to `b` is found in the first search rather than by the
    /// verification (see [`lanczos`]). Worth it when a pass over `A` is the cost (a matrix
    /// streamed or mapped from disk, a sparse matrix whose block product reads each entry
    /// once for up to 8 vectors) and for spectra with multiplicities.
    pub fn with_block(mut self, b: usize) -> Self {
        self.block = Some(b);
        self
    }
}

/// `k` extreme eigenvalues (and eigenvectors) of the symmetric `n × n` operator `a`, by
/// (block) Lanczos with full reorthogonalization and thick restarts (Wu & Simon; the block
/// form of Zhou & Saad), then a verification search on the operator deflated by the answer.
///
/// **How it runs.** A *search* extends a Krylov basis of `m` vectors, `b` at a time (one
/// [`MatVec::mul_mat`] of `b` vectors a step; `b` = 1 by default, see
/// [`LanczosWorkspace::with_block`]), takes the Ritz pairs of the projection `H = Vᵀ·A·V`,
/// and restarts from the best of them until the `k` wanted pairs have converged. A Krylov
/// space grown from `b` vectors holds at most `b` vectors of any one eigenspace, so a search
/// cannot see the further copies of a repeated eigenvalue. The *verification* therefore
/// locks the `k` pairs found and searches again from a fresh pseudo-random block orthogonal
/// to them, on `(I − X·Xᵀ)·A·(I − X·Xᵀ)`: every converged Ritz value of that search that lies
/// beyond the `k`-th found (by more than the tolerance) is a missed eigenvalue and replaces
/// the worst; a search that found any is followed by another, until one converges to a pair
/// that does not lie beyond.
///
/// **What `converged` guarantees.** `report.converged` is true when (1) every returned pair
/// has, recomputed with one more block product at the end,
/// `‖A·x − θ·x‖ ≤ tol·max(|θ|, ε^⅓·‖H‖)` (`‖H‖` the largest Ritz value in magnitude: ARPACK's
/// test of its estimates, with the floor `ε^⅓` instead of `ε^⅔` because this residual is
/// recomputed and so carries the product's rounding, about `ε·‖A‖`), and (2) the last verification search, started from
/// a random block orthogonal to the returned vectors, converged to the same tolerance on a
/// pair that does not lie beyond the returned values. (1) alone is ARPACK's guarantee: its
/// `converged` says nothing of eigenvalues its Krylov space never reached, which is how a
/// repeated eigenvalue goes missing. (2) adds the guarantee of a restart: an eigenvalue
/// beyond the returned ones is missed only if the random start of every verification had
/// no component along its eigenvector (probability zero in exact arithmetic) or the search
/// converged to an interior eigenvalue first (the misconvergence every Krylov method shares,
/// which a second random start makes unlikely). The report's residual is the largest of the
/// recomputed relative residuals (1); progress is reported once a restart cycle with the
/// largest estimate the current test depends on. The run stops after `opts.max_iter`
/// restart cycles in all (default 1000; 0 counts as 1) and then says `converged = false`.
/// The default tolerance (`√ε`) gives eigenvalues to about `ε·‖A‖` (their error is about the
/// residual squared over the gap), which is how the tests match scipy's `eigsh` to 1e-8.
///
/// Cost: the verification adds at least one search, for the extreme eigenpair of the
/// deflated operator (as long as the gap there makes it), plus one per round of missed
/// eigenvalues. Each step costs one product per vector and `O(n·j)` work
/// against the `j` basis vectors so far, in parallel dense kernels; the report counts
/// restart cycles (`iterations`), products, and passes over `a`. The start vectors are
/// pseudo-random (deterministic), so runs are reproducible and bit-identical for every
/// [`Par`](crate::Par). When `k + m + b > n` the basis is the whole space: one cycle, exact.
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
/// assert!(eig.report.converged);
/// for (j, v) in eig.values.iter().enumerate() {
///     let exact = 2.0 - 2.0 * ((n - j) as f64 * std::f64::consts::PI / (n + 1) as f64).cos();
///     assert!((v - exact).abs() < 1e-10);
/// }
/// # Ok::<(), matvec::Error>(())
/// ```
///
/// Repeated eigenvalues: two equal blocks give every eigenvalue twice, and both copies come
/// back (the second from the verification; with `with_block(2)`, from the first search).
///
/// ```
/// use matvec::solve::{lanczos, LanczosWorkspace, Options, Which};
/// use matvec::Coo;
///
/// let half = 100; // two copies of the 1-D Laplacian of size 100
/// let mut coo = Coo::<f64>::new(2 * half, 2 * half);
/// for o in [0, half] {
///     for i in 0..half {
///         coo.push(o + i, o + i, 2.0);
///         if i > 0 { coo.push(o + i, o + i - 1, -1.0); coo.push(o + i - 1, o + i, -1.0); }
///     }
/// }
/// let a = coo.into_csr();
/// for ws in [LanczosWorkspace::new(), LanczosWorkspace::new().with_block(2)] {
///     let eig = lanczos(&a, 4, Which::Largest, Options::new(), &mut { ws })?;
///     assert!(eig.report.converged);
///     let top = 2.0 - 2.0 * (half as f64 * std::f64::consts::PI / (half + 1) as f64).cos();
///     assert!((eig.values[0] - top).abs() < 1e-10 && (eig.values[1] - top).abs() < 1e-10);
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
    opts.check(NAME)?;
    opts.single_process(NAME)?;
    let n = square(NAME, a)?;
    if k == 0 || k > n {
        return Err(Error::solver(
            NAME,
            format!("k must be in 1..={n} for a {n} x {n} operator, got {k}"),
        ));
    }
    let par = opts.par;
    let tol = opts.tol.to_f64();
    let max_cycles = opts.max_iter.unwrap_or(1000).max(1);
    let sizes = Sizes::new(n, k, ws.basis_len, ws.block);
    let Sizes { b, m, keep, exact } = sizes;
    let cap = k;
    let LanczosWorkspace {
        v,
        tmp,
        coef,
        coef2,
        sel,
        h,
        hc,
        s,
        cx,
        cx2,
        cmat,
        bres,
        before,
        xvals,
        merged,
        order,
        ..
    } = ws;
    let tcols = keep.max(k);
    super::fit(v, n * (cap + m + b));
    super::fit(tmp, n * tcols);
    super::fit(coef, (cap + m + b) * b);
    super::fit(coef2, (cap + m + b) * b);
    super::fit(sel, m * tcols);
    super::fit(h, m * m);
    super::fit(hc, m * m);
    super::fit(s, m * m);
    super::fit(cx, cap * m);
    super::fit(cx2, cap * m);
    super::fit(cmat, (cap + m + b) * b);
    super::fit(bres, b * b);
    super::fit(before, b);
    super::fit(xvals, k);
    super::fit(merged, k + m);

    let mut report = Report::start(false);
    check_symmetric(a, par, &mut v[..3 * n], &mut report)?;

    let mut kr = Krylov {
        n,
        b,
        m,
        cap,
        locked: 0,
        which,
        par,
        v,
        tmp,
        coef,
        coef2,
        sel,
        h,
        hc,
        s,
        cx,
        cx2,
        cmat,
        bres,
        before,
        order,
        start: 0,
    };
    // The floor of the relative residual, in the working precision: a recomputed residual
    // carries the product's own rounding, about ε·‖A‖, so ARPACK's ε^⅔ (for its estimates)
    // would put a zero eigenvalue's residual floor at ε^⅓ of it, above any tolerance;
    // ε^⅓·‖H‖ puts it at ε^⅔.
    let eps13 = T::EPSILON.to_f64().cbrt();
    let mut hnorm = 0.0f64;
    let rel =
        |r: f64, theta: f64, hnorm: f64| r / theta.abs().max(eps13 * hnorm).max(f64::MIN_POSITIVE);

    // The search: until the k best Ritz pairs converge.
    let cycle = |kr: &mut Krylov<'_, T>, report: &mut Report<T>, seed: u64| -> Result<()> {
        let passes = kr.extend(a, seed).map_err(|_| nan(report.iterations + 1))?;
        report.passes += passes;
        report.products += passes * kr.b;
        report.iterations += 1;
        kr.ritz();
        Ok(())
    };
    kr.begin(SEED).map_err(|_| nan(0))?;
    let mut found;
    loop {
        cycle(&mut kr, &mut report, SEED)?;
        hnorm = hnorm.max(kr.hnorm());
        let worst = (0..k).fold(0.0f64, |w, r| {
            w.max(rel(kr.residual(r), kr.value(r), hnorm))
        });
        found = worst <= tol;
        opts.report(report.iterations, T::from_f64(worst));
        if exact || found || report.iterations >= max_cycles {
            break;
        }
        kr.restart(keep);
    }
    // Lock them: X = the k Ritz vectors, in columns 0..k.
    kr.vectors(k);
    kr.v[..n * k].copy_from_slice(&kr.tmp[..n * k]);
    for (r, x) in xvals.iter_mut().enumerate() {
        *x = kr.value(r);
    }
    kr.locked = k;

    // The verification: searches on the deflated operator until one finds nothing beyond.
    let mut verified = exact;
    let mut round = 0u64;
    while found && !verified && report.iterations < max_cycles {
        round += 1;
        let seed = SEED ^ (round << 32);
        kr.begin(seed).map_err(|_| nan(report.iterations))?;
        let (entering, certified) = loop {
            cycle(&mut kr, &mut report, seed)?;
            hnorm = hnorm.max(kr.hnorm());
            let rel_r = |r: usize| rel(kr.residual(r), kr.value(r), hnorm);
            let (entering, certified, pending) =
                scan(&kr, xvals, merged, rel_r, tol, hnorm * eps13);
            opts.report(report.iterations, T::from_f64(pending));
            if certified || report.iterations >= max_cycles {
                break (entering, certified);
            }
            kr.restart(keep);
        };
        if entering > 0 {
            // Replace the `entering` worst locked vectors by the entering Ritz vectors.
            kr.vectors(entering);
            for e in 0..entering {
                let worst = worst_index(xvals, which);
                kr.v[n * worst..n * (worst + 1)].copy_from_slice(&kr.tmp[n * e..n * (e + 1)]);
                xvals[worst] = kr.value(e);
            }
        }
        verified = certified && entering == 0;
        if !certified {
            found = false;
        }
    }

    // Sort the answer (selection sort of k columns: no index vector to allocate), then
    // recompute every residual with one block product.
    for c in 0..k {
        let best = (c + 1..k).fold(c, |b, i| {
            if rank(which, xvals[i], xvals[b]).is_lt() {
                i
            } else {
                b
            }
        });
        if best != c {
            xvals.swap(c, best);
            let (lo, hi) = kr.v.split_at_mut(n * best);
            lo[n * c..n * (c + 1)].swap_with_slice(&mut hi[..n]);
        }
    }
    let vectors = kr.v[..n * k].to_vec();
    let values: Vec<T> = xvals.iter().map(|&x| T::from_f64(x)).collect();
    let ax = &mut kr.v[n * cap..n * (cap + k)];
    a.mul_mat(T::ONE, &vectors, T::ZERO, ax, par);
    report.products += k;
    report.passes += 1;
    let mut worst = 0.0f64;
    for c in 0..k {
        let col = &mut ax[c * n..(c + 1) * n];
        axpy(par, -values[c], &vectors[c * n..(c + 1) * n], col);
        let r = norm(par, col).to_f64();
        if !r.is_finite() {
            return Err(nan(report.iterations));
        }
        worst = worst.max(rel(r, values[c].to_f64(), hnorm));
    }
    report.residual = T::from_f64(worst);
    report.converged = found && verified && worst <= tol;
    Ok(Eigen {
        values,
        vectors,
        report,
    })
}

const NAME: &str = "lanczos";
const SEED: u64 = 0x5EED_1A2E;

/// Block size, basis size and restart size of a run.
struct Sizes {
    b: usize,
    m: usize,
    keep: usize,
    /// The basis spans the whole space (`k + m + b > n`): one cycle, exact.
    exact: bool,
}

impl Sizes {
    fn new(n: usize, k: usize, basis: Option<usize>, block: Option<usize>) -> Sizes {
        let b = block.unwrap_or(1).clamp(1, n);
        let up = |x: usize| x.div_ceil(b) * b;
        let min = up(k + 1) + 2 * b; // the verification keeps k + 1; two block steps a cycle
        // Bounded by n first, so that a huge request cannot overflow `k + m + b`.
        let default = (2 * k + 2).max(20).saturating_add(10 * (b - 1));
        let m = up(basis.unwrap_or(default).min(n).max(min));
        if k + m + b > n {
            return Sizes {
                b: 1,
                m: n,
                keep: n,
                exact: true,
            };
        }
        let want = k + 1;
        let keep = ((want + (m - want) / 2) / b * b).clamp(up(want), m - b);
        Sizes {
            b,
            m,
            keep,
            exact: false,
        }
    }
}

/// `Less` when `p` ranks before `q` for `which`.
fn rank(which: Which, p: f64, q: f64) -> std::cmp::Ordering {
    match which {
        Which::Largest => q.total_cmp(&p),
        Which::Smallest => p.total_cmp(&q),
        Which::LargestMagnitude => q.abs().total_cmp(&p.abs()),
    }
}

/// Whether `p` lies beyond `q` for `which` by more than `slack`.
fn beyond(which: Which, p: f64, q: f64, slack: f64) -> bool {
    match which {
        Which::Largest => p > q + slack,
        Which::Smallest => p < q - slack,
        Which::LargestMagnitude => p.abs() > q.abs() + slack,
    }
}

/// Index of the locked value that ranks last.
fn worst_index(xvals: &[f64], which: Which) -> usize {
    (1..xvals.len()).fold(0, |w, i| {
        if rank(which, xvals[i], xvals[w]).is_gt() {
            i
        } else {
            w
        }
    })
}

/// The verification's test after a cycle (`floor` is `ε^⅓·‖H‖`), returning
/// `(entering, certified, pending)`: the leading active Ritz pairs that converged and lie
/// beyond the `k`-th of the locked values merged with the ones before them, whether a
/// converged pair that does not lie beyond follows them (the certificate), and the relative
/// residual the test waits for (0 once certified).
fn scan<T: Scalar>(
    kr: &Krylov<'_, T>,
    xvals: &[f64],
    merged: &mut [f64],
    rel: impl Fn(usize) -> f64,
    tol: f64,
    floor: f64,
) -> (usize, bool, f64) {
    let k = xvals.len();
    let mut entering = 0;
    for r in 0..kr.m.min(k + 1) {
        let res = rel(r);
        if res > tol {
            return (entering, false, res);
        }
        // The k-th best of the locked values and the r entering ones.
        let cur = &mut merged[..k + r];
        cur[..k].copy_from_slice(xvals);
        for e in 0..r {
            cur[k + e] = kr.value(e);
        }
        cur.sort_by(|&p, &q| rank(kr.which, p, q));
        let kth = cur[k - 1];
        if beyond(kr.which, kr.value(r), kth, tol * kth.abs().max(floor)) {
            entering += 1;
        } else {
            return (entering, true, 0.0);
        }
    }
    (entering, false, 0.0)
}

/// Refuses an operator that is measurably not symmetric, with two products of two
/// pseudo-random vectors (`v` is scratch of three vectors).
fn check_symmetric<T: Scalar>(
    a: &dyn MatVec<T>,
    par: crate::Par,
    v: &mut [T],
    report: &mut Report<T>,
) -> Result<()> {
    let n = v.len() / 3;
    if n <= 1 {
        return Ok(());
    }
    let (x, rest) = v.split_at_mut(n);
    let (y, t) = rest.split_at_mut(n);
    random_fill(par, 0x5EED_1A2C, x);
    random_fill(par, 0x5EED_1A2D, y);
    a.mul_vec(T::ONE, y, T::ZERO, t, par);
    let xay = dot(par, x, t);
    let tn = norm(par, t);
    a.mul_vec(T::ONE, x, T::ZERO, t, par);
    let yax = dot(par, y, t);
    report.products += 2;
    report.passes += 2;
    let scale_ =
        tn.to_f64().max(norm(par, t).to_f64()) * norm(par, x).to_f64().max(norm(par, y).to_f64());
    if !(xay.is_finite() && yax.is_finite()) {
        return Err(nan(0));
    }
    if (xay - yax).to_f64().abs() > 100.0 * T::EPSILON.to_f64().sqrt() * scale_ {
        return Err(Error::solver(
            NAME,
            format!(
                "the operator is not symmetric: x^T*A*y = {xay} but y^T*A*x = {yax} for two \
                 random vectors (Lanczos needs a symmetric operator; for singular values of a \
                 general matrix use rsvd)"
            ),
        ));
    }
    Ok(())
}

fn nan(it: usize) -> Error {
    Error::solver(
        NAME,
        format!(
            "a product gave NaN or infinity in restart cycle {it}: the operator holds NaN or \
             infinity, or overflows"
        ),
    )
}
