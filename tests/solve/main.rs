//! The solvers of `matvec::solve` against independent references: a dense Cholesky solve,
//! known solutions and spectra (Householder-rotated diagonals, the 1-D and 2-D Laplacians), a
//! dense power iteration on the explicitly formed Google matrix, scipy's `eigsh` (when
//! python with numpy and scipy is available); on CSR, CSC, dense and memory-mapped inputs.
//! Also: block products against `mul_vec`, bit-identical results for every `Par` and pool
//! size, progress callbacks, and clear errors for bad input.

// The dense references index like the textbook formulas they implement.
#![allow(clippy::needless_range_loop, clippy::too_many_arguments)]

#[path = "../common/mod.rs"]
mod common;

use common::{Oracle, Rng, TempDir, bits, poisson2d};
use matvec::io::npy::write_dense;
use matvec::solve::{
    CgWorkspace, Jacobi, LanczosWorkspace, Options, PageRankWorkspace, PowerWorkspace, Progress,
    Rsvd, RsvdWorkspace, Which, cg, lanczos, pagerank, pcg, power_iteration, rsvd,
};
use matvec::{
    Coo, Csr, Dense, DenseView, Error, Layout, MatVec, MmapDense, Par, Scalar, Transposed,
};

// ---------------------------------------------------------------------------------------------
// Dense references, written here (not the code under test).

fn zeros(nrows: usize, ncols: usize) -> Oracle {
    Oracle {
        nrows,
        ncols,
        a: vec![vec![0.0; ncols]; nrows],
    }
}

fn norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

fn dist(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len());
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt()
}

/// `‖x − y‖₁`.
fn l1_dist(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len());
    x.iter().zip(y).map(|(a, b)| (a - b).abs()).sum()
}

/// `‖x − y‖/‖y‖`: the relative error of `x` against the reference `y`.
fn rel_dist(x: &[f64], y: &[f64]) -> f64 {
    dist(x, y) / norm(y)
}

/// `min(‖x − y‖, ‖x + y‖)`: distance of two unit vectors up to sign.
fn dist_up_to_sign(x: &[f64], y: &[f64]) -> f64 {
    let neg: Vec<f64> = y.iter().map(|v| -v).collect();
    dist(x, y).min(dist(x, &neg))
}

fn dotp(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

fn to_f64<T: Scalar>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.to_f64()).collect()
}

fn from_f64<T: Scalar>(v: &[f64]) -> Vec<T> {
    v.iter().map(|&x| T::from_f64(x)).collect()
}

/// Solves `A·x = b` for SPD `A` by a dense Cholesky factorization `A = L·Lᵀ`.
fn cholesky_solve(a: &Oracle, b: &[f64]) -> Vec<f64> {
    let n = a.nrows;
    let mut l = vec![vec![0.0; n]; n];
    for j in 0..n {
        let mut d = a.a[j][j];
        for k in 0..j {
            d -= l[j][k] * l[j][k];
        }
        assert!(d > 0.0, "reference Cholesky: not SPD");
        l[j][j] = d.sqrt();
        for i in j + 1..n {
            let mut s = a.a[i][j];
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            l[i][j] = s / l[j][j];
        }
    }
    let mut y = b.to_vec();
    for i in 0..n {
        for k in 0..i {
            y[i] -= l[i][k] * y[k];
        }
        y[i] /= l[i][i];
    }
    for i in (0..n).rev() {
        for k in i + 1..n {
            y[i] -= l[k][i] * y[k];
        }
        y[i] /= l[i][i];
    }
    y
}

/// A random SPD matrix `B·Bᵀ + n·I` with `B` uniform in [-1, 1).
fn random_spd(n: usize, seed: u64) -> Oracle {
    let mut rng = Rng::new(seed);
    let b: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..n).map(|_| rng.unit() * 2.0 - 1.0).collect())
        .collect();
    let mut a = zeros(n, n);
    for i in 0..n {
        for j in 0..n {
            a.a[i][j] = dotp(&b[i], &b[j]) + if i == j { n as f64 } else { 0.0 };
        }
    }
    a
}

fn random_vec(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| rng.unit() * 2.0 - 1.0).collect()
}

/// The Householder reflector `I − 2·w·wᵀ/(wᵀw)` for a random `w`: symmetric and orthogonal.
fn householder(n: usize, seed: u64) -> Oracle {
    let w = random_vec(n, seed);
    let ww = dotp(&w, &w);
    let mut q = zeros(n, n);
    for i in 0..n {
        for j in 0..n {
            q.a[i][j] = if i == j { 1.0 } else { 0.0 } - 2.0 * w[i] * w[j] / ww;
        }
    }
    q
}

/// `‖A·x − λ·x‖`, with the dense reference.
fn eig_residual(a: &Oracle, lambda: f64, x: &[f64]) -> f64 {
    let ax = a.apply(false, 1.0, x, 0.0, x);
    let r: Vec<f64> = ax.iter().zip(x).map(|(p, q)| p - lambda * q).collect();
    norm(&r)
}

/// `Q·diag(λ)·Qᵀ` with `Q` a Householder reflector; returns it and `Q` (eigenvector `j` is
/// column `j` of `Q`).
fn sym_with_spectrum(lambda: &[f64], seed: u64) -> (Oracle, Oracle) {
    let n = lambda.len();
    let q = householder(n, seed);
    let mut a = zeros(n, n);
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..n).map(|k| q.a[i][k] * lambda[k] * q.a[j][k]).sum();
            a.a[i][j] = s;
            a.a[j][i] = s;
        }
    }
    (a, q)
}

fn column(q: &Oracle, j: usize) -> Vec<f64> {
    (0..q.nrows).map(|i| q.a[i][j]).collect()
}

/// The 1-D Laplacian (2 on the diagonal, −1 beside it).
fn laplacian_1d(n: usize) -> Oracle {
    let mut o = zeros(n, n);
    for i in 0..n {
        o.a[i][i] = 2.0;
        if i > 0 {
            o.a[i][i - 1] = -1.0;
            o.a[i - 1][i] = -1.0;
        }
    }
    o
}

/// The eigenvalues of the `n × n` 1-D Laplacian, `2 − 2·cos(jπ/(n + 1))` for `j = 1..=n`
/// (ascending).
fn laplacian_1d_eigenvalues(n: usize) -> Vec<f64> {
    (1..=n)
        .map(|j| 2.0 - 2.0 * (j as f64 * std::f64::consts::PI / (n + 1) as f64).cos())
        .collect()
}

/// The 5-point stencil applied to `u` on a `k × k` grid (zero boundary), directly.
fn poisson_apply(k: usize, u: &[f64]) -> Vec<f64> {
    let at = |i: isize, j: isize| {
        if i < 0 || j < 0 || i >= k as isize || j >= k as isize {
            0.0
        } else {
            u[i as usize * k + j as usize]
        }
    };
    let mut out = vec![0.0; k * k];
    for i in 0..k as isize {
        for j in 0..k as isize {
            out[i as usize * k + j as usize] =
                4.0 * at(i, j) - at(i - 1, j) - at(i + 1, j) - at(i, j - 1) - at(i, j + 1);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The operators under test, built from a dense reference.

fn csr<T: Scalar>(o: &Oracle) -> Csr<T> {
    coo(o).into_csr()
}

fn coo<T: Scalar>(o: &Oracle) -> Coo<T> {
    let mut c = Coo::<T>::new(o.nrows, o.ncols);
    for (i, j, v) in o.triplets() {
        c.push(i, j, T::from_f64(v));
    }
    c
}

fn dense<T: Scalar>(o: &Oracle, layout: Layout) -> Dense<T> {
    let data = match layout {
        Layout::RowMajor => o.row_major(),
        Layout::ColMajor => o.col_major(),
    };
    Dense::try_new(o.nrows, o.ncols, layout, from_f64(&data)).unwrap()
}

/// `o` written as a `.npy` file in `dir` and memory-mapped with `budget` bytes.
fn mmap<T: Scalar>(
    o: &Oracle,
    dir: &TempDir,
    name: &str,
    layout: Layout,
    budget: usize,
) -> MmapDense<T> {
    let d = dense::<T>(o, layout);
    let path = dir.join(format!("{name}-{layout:?}-{}.npy", T::NAME));
    write_dense(&path, d.view()).unwrap();
    // SAFETY: the file is private to this test and not modified while mapped.
    unsafe { MmapDense::<T>::open(&path) }
        .unwrap()
        .with_budget(budget)
}

/// CSR, dense (both layouts) and memory-mapped (both layouts, a budget small enough that
/// products stream several blocks) copies of `o`.
fn operators<T: Scalar>(
    o: &Oracle,
    dir: &TempDir,
    name: &str,
) -> Vec<(String, Box<dyn MatVec<T>>)> {
    let budget = (o.ncols.max(o.nrows) * std::mem::size_of::<T>() * 16).max(1);
    vec![
        ("csr".into(), Box::new(csr::<T>(o)) as Box<dyn MatVec<T>>),
        (
            "dense row-major".into(),
            Box::new(dense::<T>(o, Layout::RowMajor)),
        ),
        (
            "dense col-major".into(),
            Box::new(dense::<T>(o, Layout::ColMajor)),
        ),
        (
            "mmap row-major".into(),
            Box::new(mmap::<T>(o, dir, name, Layout::RowMajor, budget)),
        ),
        (
            "mmap col-major".into(),
            Box::new(mmap::<T>(o, dir, name, Layout::ColMajor, budget)),
        ),
    ]
}

fn pools() -> Vec<rayon::ThreadPool> {
    [1, 2, 3]
        .iter()
        .map(|&t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
        })
        .collect()
}

/// Asserts `r` is an `Error::Solver` of `solver` whose message mentions every word.
#[track_caller]
fn expect_err<R: std::fmt::Debug>(r: matvec::Result<R>, solver: &str, words: &[&str]) {
    match r {
        Err(e) => {
            let msg = e.to_string();
            assert!(
                matches!(&e, Error::Solver { solver: s, .. } if *s == solver),
                "expected Error::Solver from {solver}, got {e:?}"
            );
            for w in words {
                assert!(
                    msg.to_lowercase().contains(&w.to_lowercase()),
                    "message of {solver} does not mention {w:?}: {msg}"
                );
            }
        }
        Ok(v) => panic!("expected an error from {solver} mentioning {words:?}, got Ok({v:?})"),
    }
}

/// The solvers, each with a fresh workspace (as most tests want; reusing one is tested in
/// `workspaces_reused_across_sizes_match_fresh_ones`).
mod fresh {
    use matvec::solve::{
        CgWorkspace, Dominant, Eigen, Jacobi, LanczosWorkspace, Options, PageRankWorkspace,
        PowerWorkspace, Preconditioner, Report, Rsvd, RsvdWorkspace, Svd, Which,
    };
    use matvec::{MatVec, Result, Scalar};

    pub fn cg<T: Scalar>(
        a: &dyn MatVec<T>,
        b: &[T],
        x: &mut [T],
        opts: Options<'_, T>,
    ) -> Result<Report<T>> {
        matvec::solve::cg(a, b, x, opts, &mut CgWorkspace::new())
    }

    pub fn pcg<T: Scalar>(
        a: &dyn MatVec<T>,
        m: &dyn Preconditioner<T>,
        b: &[T],
        x: &mut [T],
        opts: Options<'_, T>,
    ) -> Result<Report<T>> {
        matvec::solve::pcg(a, m, b, x, opts, &mut CgWorkspace::new())
    }

    /// [`pcg`] with `jac` if there is one, else [`cg`].
    pub fn cg_or_pcg<T: Scalar>(
        a: &dyn MatVec<T>,
        jac: Option<&Jacobi<T>>,
        b: &[T],
        x: &mut [T],
        opts: Options<'_, T>,
    ) -> Result<Report<T>> {
        match jac {
            Some(m) => pcg(a, m, b, x, opts),
            None => cg(a, b, x, opts),
        }
    }

    pub fn power_iteration<T: Scalar>(
        a: &dyn MatVec<T>,
        x: &mut [T],
        opts: Options<'_, T>,
    ) -> Result<Dominant<T>> {
        matvec::solve::power_iteration(a, x, opts, &mut PowerWorkspace::new())
    }

    pub fn pagerank<T: Scalar>(
        graph: &dyn MatVec<T>,
        damping: T,
        personalization: Option<&[T]>,
        x: &mut [T],
        opts: Options<'_, T>,
    ) -> Result<Report<T>> {
        let ws = &mut PageRankWorkspace::new();
        matvec::solve::pagerank(graph, damping, personalization, x, opts, ws)
    }

    pub fn lanczos<T: Scalar>(
        a: &dyn MatVec<T>,
        k: usize,
        which: Which,
        opts: Options<'_, T>,
    ) -> Result<Eigen<T>> {
        matvec::solve::lanczos(a, k, which, opts, &mut LanczosWorkspace::new())
    }

    pub fn rsvd<T: Scalar>(
        a: &dyn MatVec<T>,
        k: usize,
        settings: Rsvd,
        opts: Options<'_, T>,
    ) -> Result<Svd<T>> {
        matvec::solve::rsvd(a, k, settings, opts, &mut RsvdWorkspace::new())
    }
}

// Helpers that more than one section uses.
use lanczos::{assert_near, check_eigenvectors, sort_which};
use pagerank::random_graph;

mod bad_input;
mod block;
mod cg;
mod edge_cases;
mod flags;
mod lanczos;
mod matrix_free;
mod multiplicity;
mod pagerank;
mod power;
mod rsvd;
