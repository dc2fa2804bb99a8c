//! The solvers of `matvec::solve` against independent references: a dense Cholesky solve,
//! known solutions and spectra (Householder-rotated diagonals, the 1-D and 2-D Laplacians), a
//! dense power iteration on the explicitly formed Google matrix, scipy's `eigsh` (when
//! python with numpy and scipy is available); on CSR, CSC, dense and memory-mapped inputs.
//! Also: block products against `mul_vec`, bit-identical results for every `Par` and pool
//! size, progress callbacks, and clear errors for bad input.

// The dense references index like the textbook formulas they implement.
#![allow(clippy::needless_range_loop, clippy::too_many_arguments)]

mod common;

use common::{Oracle, Rng, TempDir, bits, poisson_2d};
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
    let mut rng = Rng(seed);
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
    let mut rng = Rng(seed);
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
    let path = dir.path(&format!("{name}-{layout:?}-{}.npy", T::NAME));
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

// ---------------------------------------------------------------------------------------------
// Conjugate gradients.

/// CG and Jacobi-PCG on random SPD matrices match a dense Cholesky solve, on CSR, dense and
/// memory-mapped storage; the report is honest (true residual computed independently).
#[test]
fn cg_matches_dense_cholesky_solve_on_every_storage() {
    let dir = TempDir::new("solve-cg-direct");
    for (n, seed) in [(1, 1u64), (7, 2), (40, 3), (90, 4)] {
        let a = random_spd(n, seed);
        let b = random_vec(n, seed + 100);
        let want = cholesky_solve(&a, &b);
        let tol = 1e-12;
        for (what, op) in operators::<f64>(&a, &dir, &format!("spd{n}")) {
            let jac = Jacobi::from_diagonal((0..n).map(|i| a.a[i][i]).collect()).unwrap();
            for pre in [false, true] {
                let mut x = vec![0.0; n];
                let opts = Options::new().tol(tol);
                let rep = fresh::cg_or_pcg(&*op, pre.then_some(&jac), &b, &mut x, opts).unwrap();
                let ctx = format!("n={n} {what} pcg={pre}: {rep:?}");
                assert!(rep.converged, "{ctx}");
                assert!(rep.iterations >= 1 && rep.iterations <= n + 5, "{ctx}");
                assert!(rep.residual <= tol, "{ctx}");
                assert_eq!(rep.products, rep.iterations + 1, "{ctx}");
                let err = rel_dist(&x, &want);
                assert!(err < 1e-10, "{ctx}: error {err}");
                // The true relative residual, computed here, agrees with the report.
                let r = a.apply(false, -1.0, &x, 1.0, &b);
                let true_res = norm(&r) / norm(&b);
                assert!(
                    true_res <= 2.0 * tol && (true_res - rep.residual).abs() <= tol,
                    "{ctx}: true residual {true_res}"
                );
            }
        }
    }
}

/// f32: CG converges to f32 accuracy (against the f64 Cholesky solution).
#[test]
fn cg_f32_matches_dense_solve() {
    let dir = TempDir::new("solve-cg-f32");
    let n = 50;
    let a = random_spd(n, 11);
    let b = random_vec(n, 12);
    let want = cholesky_solve(&a, &b);
    let b32: Vec<f32> = from_f64(&b);
    for (what, op) in operators::<f32>(&a, &dir, "spd32") {
        for pre in [false, true] {
            let mut x = vec![0.0f32; n];
            let jac = Jacobi::from_diagonal((0..n).map(|i| a.a[i][i] as f32).collect()).unwrap();
            let opts = Options::new().tol(1e-5f32);
            let rep = fresh::cg_or_pcg(&*op, pre.then_some(&jac), &b32, &mut x, opts).unwrap();
            assert!(
                rep.converged && rep.residual <= 1e-5 && rep.iterations >= 1,
                "{what}"
            );
            let err = rel_dist(&to_f64(&x), &want);
            assert!(err < 1e-4, "{what} pcg={pre}: error {err}");
        }
    }
    // The default tolerance of f32 is √ε ≈ 3.5e-4, reachable in f32.
    let a32 = csr::<f32>(&a);
    let mut x = vec![0.0f32; n];
    let rep = fresh::cg(&a32, &b32, &mut x, Options::new()).unwrap();
    assert!(
        rep.converged && rep.residual <= f32::EPSILON.sqrt(),
        "{rep:?}"
    );
}

/// 2-D Poisson with a known solution `u*`: `b = A·u*` computed by the stencil directly.
#[test]
fn cg_poisson_2d_recovers_known_solution() {
    let k = 40;
    let n = k * k;
    let a = poisson_2d(k).into_csr();
    let u: Vec<f64> = (0..n)
        .map(|r| {
            let (i, j) = ((r / k) as f64, (r % k) as f64);
            (3.0 * i / k as f64).sin() * (j / 7.0).cos() + 0.1 * (r % 5) as f64
        })
        .collect();
    let b = poisson_apply(k, &u);
    for par in [Par::Seq, Par::Rayon] {
        let mut x = vec![0.0; n];
        let rep = fresh::cg(&a, &b, &mut x, Options::new().tol(1e-12).par(par)).unwrap();
        assert!(rep.converged, "{rep:?}");
        let err = rel_dist(&x, &u);
        assert!(err < 1e-9, "{par:?}: ‖x − u*‖/‖u*‖ = {err}");
        // Jacobi on a constant diagonal changes nothing but a scale: same iterations ± 1.
        let jac = Jacobi::from_csr(a.view()).unwrap();
        let mut x2 = vec![0.0; n];
        let rep2 = fresh::pcg(&a, &jac, &b, &mut x2, Options::new().tol(1e-12).par(par)).unwrap();
        assert!(
            rep2.converged && rep2.iterations.abs_diff(rep.iterations) <= 1,
            "{rep:?} {rep2:?}"
        );
        assert!(rel_dist(&x2, &u) < 1e-9);
    }
    // A warm start at the solution: converged before the first iteration.
    let mut x = u.clone();
    let rep = fresh::cg(&a, &b, &mut x, Options::new().tol(1e-8)).unwrap();
    assert!(rep.converged && rep.iterations == 0, "{rep:?}");
}

/// Jacobi helps on a badly scaled SPD matrix `D·P·D` (`P` the Poisson matrix, `D` spanning
/// three decades): fewer iterations than plain CG, and both match the direct solve.
#[test]
fn pcg_jacobi_beats_cg_on_badly_scaled_matrix() {
    let k = 12;
    let n = k * k;
    let p = poisson_2d(k).to_csr();
    let d: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(3.0 * ((i * 37) % n) as f64 / n as f64))
        .collect();
    let mut o = zeros(n, n);
    for i in 0..n {
        let (cols, vals) = p.row(i);
        for (&j, &v) in cols.iter().zip(vals) {
            o.a[i][j as usize] = d[i] * v * d[j as usize];
        }
    }
    let a = csr::<f64>(&o);
    let b = random_vec(n, 5);
    let want = cholesky_solve(&o, &b);
    let opts = || Options::new().tol(1e-10).max_iter(20 * n);
    let mut x = vec![0.0; n];
    let plain = fresh::cg(&a, &b, &mut x, opts()).unwrap();
    assert!(plain.converged, "{plain:?}");
    assert!(rel_dist(&x, &want) < 1e-6);
    let jac = Jacobi::from_csr(a.view()).unwrap();
    let mut x = vec![0.0; n];
    let pre = fresh::pcg(&a, &jac, &b, &mut x, opts()).unwrap();
    assert!(pre.converged, "{pre:?}");
    assert!(rel_dist(&x, &want) < 1e-7);
    eprintln!(
        "badly scaled: cg {} iterations, Jacobi pcg {}",
        plain.iterations, pre.iterations
    );
    assert!(
        2 * pre.iterations < plain.iterations,
        "Jacobi did not help: {} vs {} iterations",
        pre.iterations,
        plain.iterations
    );
    // A user-defined (non-diagonal path) preconditioner gives the same answer as Jacobi.
    struct Diag(Vec<f64>);
    impl matvec::solve::Preconditioner<f64> for Diag {
        fn dim(&self) -> usize {
            self.0.len()
        }
        fn apply(&self, r: &[f64], z: &mut [f64], _: Par) {
            for ((z, r), d) in z.iter_mut().zip(r).zip(&self.0) {
                *z = r / d;
            }
        }
    }
    let m = Diag((0..n).map(|i| o.a[i][i]).collect());
    let mut x2 = vec![0.0; n];
    let rep = fresh::pcg(&a, &m, &b, &mut x2, opts()).unwrap();
    assert!(
        rep.converged && rep.iterations.abs_diff(pre.iterations) <= 2,
        "{rep:?} {pre:?}"
    );
    assert!(rel_dist(&x2, &want) < 1e-7);
}

#[test]
fn cg_zero_rhs_gives_zero() {
    let a = csr::<f64>(&random_spd(20, 7));
    for pre in [false, true] {
        let mut x = random_vec(20, 8);
        let b = vec![0.0; 20];
        let jac = Jacobi::from_diagonal(vec![2.0; 20]).unwrap();
        let rep = fresh::cg_or_pcg(&a, pre.then_some(&jac), &b, &mut x, Options::new()).unwrap();
        assert!(x.iter().all(|&v| v == 0.0), "{x:?}");
        assert!(rep.converged && rep.residual == 0.0, "{rep:?}");
    }
}

/// The progress callback is called once per iteration, numbered 1, 2, …, with residuals that
/// decrease overall, the last one equal to the report's.
#[test]
fn cg_progress_callback_once_per_iteration() {
    let k = 30;
    let a = poisson_2d(k).into_csr();
    let b = vec![1.0; k * k];
    let mut log: Vec<(usize, f64)> = Vec::new();
    let mut cb = |p: &Progress<f64>| log.push((p.iteration, p.residual));
    let mut x = vec![0.0; k * k];
    let rep = fresh::cg(&a, &b, &mut x, Options::new().tol(1e-10).progress(&mut cb)).unwrap();
    assert!(rep.converged);
    assert_eq!(log.len(), rep.iterations);
    for (i, (it, r)) in log.iter().enumerate() {
        assert_eq!(*it, i + 1);
        assert!(r.is_finite() && *r >= 0.0);
    }
    assert_eq!(log.last().unwrap().1.to_bits(), rep.residual.to_bits());
    assert!(log[0].1 > 1e3 * rep.residual);
    // Decreasing-ish: the running minimum falls by 10× at least every 60 iterations.
    for w in log.windows(60) {
        assert!(w[59].1 < w[0].1, "{:?} -> {:?}", w[0], w[59]);
    }
    let ups = log.windows(2).filter(|w| w[1].1 > w[0].1).count();
    assert!(ups < log.len() / 2, "{ups} increases in {}", log.len());

    // Power iteration and PageRank report once per iteration too; Lanczos once per restart.
    let mut count = 0usize;
    let mut last = f64::NAN;
    let mut cb = |p: &Progress<f64>| {
        count += 1;
        assert_eq!(p.iteration, count);
        last = p.residual;
    };
    let mut x = vec![1.0; k * k];
    let dom =
        fresh::power_iteration(&a, &mut x, Options::new().max_iter(7).progress(&mut cb)).unwrap();
    assert_eq!((count, dom.report.iterations), (7, 7));
    assert_eq!(last.to_bits(), dom.report.residual.to_bits());
    let mut count = 0usize;
    let mut cb = |p: &Progress<f64>| {
        count += 1;
        assert_eq!(p.iteration, count);
    };
    let eig = fresh::lanczos(&a, 2, Which::Largest, Options::new().progress(&mut cb)).unwrap();
    assert_eq!(count, eig.report.iterations);
}

/// Every solver gives bit-identical results under `Par::Seq` and under `Par::Rayon` in pools
/// of 1, 2 and 3 threads (problems large enough that the vector reductions split).
#[test]
fn solvers_bit_identical_for_every_par_and_pool_size() {
    let k = 100; // n = 10 000 > one reduction leaf
    let n = k * k;
    let a = poisson_2d(k).into_csr();
    let b = random_vec(n, 21);
    let jac = Jacobi::from_diagonal((0..n).map(|i| 4.0 + (i % 7) as f64).collect()).unwrap();
    let graph = {
        let mut rng = Rng(22);
        let mut g = Coo::<f64>::new(n, n);
        for i in 0..n {
            if i % 13 == 0 {
                continue; // dangling
            }
            for _ in 0..4 {
                g.push(i, rng.below(n), rng.unit() + 0.1);
            }
        }
        g.into_csc()
    };
    let tall = {
        let mut rng = Rng(23);
        let (m, c) = (9000, 24);
        Dense::try_new(
            m,
            c,
            Layout::RowMajor,
            (0..m * c).map(|_| rng.unit() - 0.5).collect(),
        )
        .unwrap()
    };
    let run = |par: Par| -> Vec<Vec<u64>> {
        let opts = |max_iter| Options::new().max_iter(max_iter).par(par);
        let mut out = Vec::new();
        let mut x = vec![0.0; n];
        let r = fresh::cg(&a, &b, &mut x, opts(40)).unwrap();
        out.push(bits(&x));
        out.push(vec![r.residual.to_bits(), r.iterations as u64]);
        let mut x = vec![0.0; n];
        let r = fresh::pcg(&a, &jac, &b, &mut x, opts(40)).unwrap();
        out.push(bits(&x));
        out.push(vec![r.residual.to_bits()]);
        let mut x = b.clone();
        let d = fresh::power_iteration(&a, &mut x, opts(30)).unwrap();
        out.push(bits(&x));
        out.push(vec![d.value.to_bits(), d.report.residual.to_bits()]);
        let mut x = vec![0.0; n];
        let r = fresh::pagerank(&graph, 0.85, None, &mut x, opts(30)).unwrap();
        out.push(bits(&x));
        out.push(vec![r.residual.to_bits()]);
        let e = fresh::lanczos(&a, 2, Which::Largest, opts(3)).unwrap();
        out.push(bits(&e.values));
        out.push(bits(&e.vectors));
        let s = fresh::rsvd(&tall, 3, Rsvd::default(), Options::new().par(par)).unwrap();
        out.push(bits(&s.s));
        out.push(bits(&s.u));
        out.push(bits(&s.v));
        out
    };
    let want = run(Par::Seq);
    for pool in pools() {
        let got = pool.install(|| run(Par::Rayon));
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                g == w,
                "output {i} differs with {} threads",
                pool.current_num_threads()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Power iteration.

#[test]
fn power_iteration_finds_known_dominant_eigenpair() {
    let dir = TempDir::new("solve-power");
    let n = 60;
    for (case, top) in [("positive", 10.0), ("negative", -10.0)] {
        let mut lambda: Vec<f64> = (0..n).map(|i| 4.0 - 7.0 * i as f64 / n as f64).collect();
        lambda[17] = top; // not first: the eigenvector is not e₀ rotated
        let (a, q) = sym_with_spectrum(&lambda, 31);
        let want = column(&q, 17);
        for (what, op) in operators::<f64>(&a, &dir, &format!("power-{case}")) {
            let mut x = vec![1.0; n];
            let dom = fresh::power_iteration(&*op, &mut x, Options::new().tol(1e-13)).unwrap();
            let ctx = format!("{case} {what}: {:?}", dom);
            assert!(
                dom.report.converged && dom.report.residual <= 1e-13,
                "{ctx}"
            );
            assert!(
                dom.report.iterations >= 1 && dom.report.products == dom.report.iterations,
                "{ctx}"
            );
            assert!((dom.value - top).abs() <= 1e-12 * top.abs(), "{ctx}");
            assert!((norm(&x) - 1.0).abs() < 1e-14, "{ctx}");
            assert!(dist_up_to_sign(&x, &want) < 1e-10, "{ctx}");
            // Independently: ‖A·x − λ·x‖ is small.
            assert!(eig_residual(&a, dom.value, &x) < 1e-11, "{ctx}");
        }
    }
}

#[test]
fn power_iteration_hits_max_iter_without_error() {
    // λ₂/λ₁ = 0.99: far from converged after 5 iterations.
    let lambda: Vec<f64> = (0..30)
        .map(|i| if i == 0 { 1.0 } else { 0.99 - 0.01 * i as f64 })
        .collect();
    let (a, _) = sym_with_spectrum(&lambda, 32);
    let a = csr::<f64>(&a);
    let mut x = random_vec(30, 33);
    let dom = fresh::power_iteration(&a, &mut x, Options::new().tol(1e-14).max_iter(5)).unwrap();
    assert!(!dom.report.converged, "{dom:?}");
    assert_eq!((dom.report.iterations, dom.report.products), (5, 5));
    assert!(dom.report.residual > 1e-14 && dom.value.is_finite());
    assert!((norm(&x) - 1.0).abs() < 1e-14);
}

// ---------------------------------------------------------------------------------------------
// PageRank.

/// PageRank by plain power iteration on the explicitly formed `n × n` Google matrix
/// `M = d·P + (1 − d)·1·vᵀ`, with `P` the row-normalized adjacency and dangling rows
/// replaced by `vᵀ`: `x ← Mᵀ·x` until it stops changing.
fn pagerank_dense(w: &Oracle, d: f64, pers: Option<&[f64]>) -> Vec<f64> {
    let n = w.nrows;
    let v: Vec<f64> = match pers {
        None => vec![1.0 / n as f64; n],
        Some(p) => {
            let s: f64 = p.iter().sum();
            p.iter().map(|x| x / s).collect()
        }
    };
    let mut g = zeros(n, n);
    for i in 0..n {
        let out: f64 = w.a[i].iter().sum();
        for j in 0..n {
            let pij = if out > 0.0 { w.a[i][j] / out } else { v[j] };
            g.a[i][j] = d * pij + (1.0 - d) * v[j];
        }
    }
    let mut x = vec![1.0 / n as f64; n];
    for _ in 0..5000 {
        let mut y = g.apply(true, 1.0, &x, 0.0, &x);
        // Renormalize: Mᵀ preserves the sum only up to rounding, which would drift.
        let s: f64 = y.iter().sum();
        y.iter_mut().for_each(|v| *v /= s);
        let change = l1_dist(&y, &x);
        x = y;
        if change < 1e-17 {
            break;
        }
    }
    x
}

fn random_graph(n: usize, seed: u64) -> Oracle {
    let mut rng = Rng(seed);
    let mut w = zeros(n, n);
    for i in 0..n {
        if i % 6 == 2 {
            continue; // dangling node
        }
        for _ in 0..1 + rng.below(5) {
            let j = rng.below(n);
            w.a[i][j] += 0.5 + rng.unit() * 2.0; // weighted, self-loops allowed
        }
    }
    w
}

#[test]
fn pagerank_matches_dense_google_matrix_iteration() {
    let dir = TempDir::new("solve-pagerank");
    let n = 70;
    let w = random_graph(n, 41);
    assert!(
        w.a.iter().any(|r| r.iter().all(|&v| v == 0.0)),
        "no dangling node"
    );
    let mut pers = random_vec(n, 42)
        .iter()
        .map(|v| v.abs() * 3.0)
        .collect::<Vec<_>>();
    pers[5] = 0.0;
    pers[9] = 0.0;
    let ops: Vec<(&str, Box<dyn MatVec<f64>>)> = vec![
        ("csr", Box::new(csr::<f64>(&w))),
        ("csc", Box::new(coo::<f64>(&w).to_csc())),
        ("coo", Box::new(coo::<f64>(&w))),
        ("dense", Box::new(dense::<f64>(&w, Layout::RowMajor))),
        (
            "mmap row-major",
            Box::new(mmap::<f64>(&w, &dir, "graph", Layout::RowMajor, 4 << 10)),
        ),
        (
            "mmap col-major",
            Box::new(mmap::<f64>(&w, &dir, "graph", Layout::ColMajor, 4 << 10)),
        ),
        (
            "transposed csr of the reversed graph",
            Box::new(Transposed(csr::<f64>(&Oracle {
                nrows: n,
                ncols: n,
                a: (0..n)
                    .map(|j| (0..n).map(|i| w.a[i][j]).collect())
                    .collect(),
            }))),
        ),
    ];
    for d in [0.85, 0.5, 0.0] {
        for p in [None, Some(&pers[..])] {
            let want = pagerank_dense(&w, d, p);
            for (what, g) in &ops {
                let mut x = vec![0.0; n];
                let rep = fresh::pagerank(&**g, d, p, &mut x, Options::new().tol(1e-14)).unwrap();
                let ctx = format!("d={d} pers={} {what}: {rep:?}", p.is_some());
                assert!(
                    rep.converged && rep.residual <= 1e-14 && rep.iterations >= 1,
                    "{ctx}"
                );
                assert!((x.iter().sum::<f64>() - 1.0).abs() < 1e-13, "{ctx}");
                let err = l1_dist(&x, &want);
                assert!(err < 1e-12, "{ctx}: L1 error {err}");
            }
        }
    }
    // A non-uniform start vector is normalized and converges to the same answer.
    let want = pagerank_dense(&w, 0.85, None);
    let mut x: Vec<f64> = (0..n).map(|i| (i % 4) as f64).collect();
    fresh::pagerank(&ops[1].1, 0.85, None, &mut x, Options::new().tol(1e-14)).unwrap();
    assert!(l1_dist(&x, &want) < 1e-12);
}

#[test]
fn pagerank_known_small_graphs() {
    let n = 9;
    // Symmetric cycle (each node links to both neighbours): uniform.
    let mut g = Coo::<f64>::new(n, n);
    for i in 0..n {
        g.push(i, (i + 1) % n, 1.0);
        g.push(i, (i + n - 1) % n, 1.0);
    }
    let g = g.into_csc();
    let mut x = vec![0.0; n];
    let rep = fresh::pagerank(&g, 0.85, None, &mut x, Options::new().tol(1e-14)).unwrap();
    assert!(rep.converged);
    for v in &x {
        assert!((v - 1.0 / n as f64).abs() < 1e-15, "{x:?}");
    }
    // Directed cycle from a skewed start: still uniform.
    let mut g = Coo::<f64>::new(n, n);
    for i in 0..n {
        g.push(i, (i + 1) % n, 2.5);
    }
    let g = g.into_csr();
    let mut x: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let rep = fresh::pagerank(&g, 0.85, None, &mut x, Options::new().tol(1e-14)).unwrap();
    assert!(rep.converged);
    for v in &x {
        assert!((v - 1.0 / n as f64).abs() < 1e-13, "{x:?}");
    }
    // Star: leaves → hub, hub → every leaf. Hub rank h satisfies h = (1−d)/n + d·(1 − h),
    // so h = ((1−d)/n + d)/(1 + d); leaves share the rest.
    let d = 0.85;
    let mut g = Coo::<f64>::new(n, n);
    for i in 1..n {
        g.push(i, 0, 1.0);
        g.push(0, i, 1.0);
    }
    let g = g.into_csc();
    let mut x = vec![0.0; n];
    fresh::pagerank(&g, d, None, &mut x, Options::new().tol(1e-15)).unwrap();
    let h = ((1.0 - d) / n as f64 + d) / (1.0 + d);
    assert!((x[0] - h).abs() < 1e-14, "{} vs {h}", x[0]);
    for v in &x[1..] {
        assert!((v - (1.0 - h) / (n - 1) as f64).abs() < 1e-14);
    }
    // All nodes dangling (no edges): the personalization vector itself.
    let g = Csr::<f64>::zeros(4, 4);
    let p = [1.0, 0.0, 3.0, 0.0];
    let mut x = vec![0.0; 4];
    fresh::pagerank(&g, 0.85, Some(&p), &mut x, Options::new().tol(1e-15)).unwrap();
    assert_eq!(x, [0.25, 0.0, 0.75, 0.0]);
}

// ---------------------------------------------------------------------------------------------
// Lanczos.

/// `|gotᵢ − wantᵢ| < tol` for every value in `got` (`want` may be longer).
#[track_caller]
fn assert_near<T: Scalar>(got: &[T], want: &[f64], tol: f64, ctx: &str) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g.to_f64() - w).abs() < tol,
            "{ctx}: value {i} is {g}, want {w} (all: {got:?})"
        );
    }
}

/// Sorted by `which` (best first), as `Eigen::values`.
fn sort_which(mut v: Vec<f64>, which: Which) -> Vec<f64> {
    match which {
        Which::Largest => v.sort_by(|a, b| b.total_cmp(a)),
        Which::Smallest => v.sort_by(|a, b| a.total_cmp(b)),
        Which::LargestMagnitude => v.sort_by(|a, b| b.abs().total_cmp(&a.abs())),
    }
    v
}

/// Eigenpairs: `‖A·xᵢ − λᵢ·xᵢ‖ ≤ tol·‖A‖` (computed with the dense reference) and the
/// vectors orthonormal.
#[track_caller]
fn check_eigenvectors(
    a: &Oracle,
    values: &[f64],
    vectors: &[f64],
    anorm: f64,
    tol: f64,
    ctx: &str,
) {
    let n = a.nrows;
    let k = values.len();
    assert_eq!(vectors.len(), n * k, "{ctx}");
    for i in 0..k {
        let x = &vectors[i * n..(i + 1) * n];
        let r = eig_residual(a, values[i], x);
        assert!(r <= tol * anorm, "{ctx}: pair {i} residual {r}");
        for j in 0..=i {
            let y = &vectors[j * n..(j + 1) * n];
            let d = dotp(x, y) - if i == j { 1.0 } else { 0.0 };
            assert!(d.abs() < 1e-10, "{ctx}: x{i}·x{j} off by {d}");
        }
    }
}

#[test]
fn lanczos_laplacian_1d_known_spectrum() {
    let n = 200;
    let o = laplacian_1d(n);
    let a = csr::<f64>(&o);
    let exact = laplacian_1d_eigenvalues(n);
    for which in [Which::Largest, Which::Smallest, Which::LargestMagnitude] {
        let k = 4;
        let want = sort_which(exact.clone(), which);
        let eig = fresh::lanczos(&a, k, which, Options::new()).unwrap();
        let ctx = format!(
            "{which:?}: {:?} vs {:?}, {:?}",
            eig.values,
            &want[..k],
            eig.report
        );
        assert!(
            eig.report.converged && eig.report.residual <= f64::EPSILON.sqrt(),
            "{ctx}"
        );
        assert_eq!(eig.values.len(), k);
        assert_near(&eig.values, &want, 1e-10, &ctx);
        check_eigenvectors(&o, &eig.values, &eig.vectors, 4.0, 1e-7, &ctx);
        for i in 0..k {
            assert_eq!(eig.vector(i), &eig.vectors[i * n..(i + 1) * n]);
        }
    }
}

/// Householder-rotated diagonals with clustered and repeated eigenvalues at both ends, on
/// CSR, dense and memory-mapped storage, for every `Which`.
#[test]
fn lanczos_clustered_and_repeated_spectrum_on_every_storage() {
    let dir = TempDir::new("solve-lanczos");
    let n = 100;
    let mut lambda: Vec<f64> = (0..n).map(|i| -2.0 + 5.0 * i as f64 / n as f64).collect();
    // Top: a cluster 10, 10 − 1e-7, 10 − 2e-7, then 9.5, 9.5 (repeated).
    lambda[3] = 10.0;
    lambda[40] = 10.0 - 1e-7;
    lambda[77] = 10.0 - 2e-7;
    lambda[8] = 9.5;
    lambda[9] = 9.5;
    // Bottom: −12 (dominant in magnitude), −6, −6 (repeated).
    lambda[50] = -12.0;
    lambda[60] = -6.0;
    lambda[61] = -6.0;
    let (a, q) = sym_with_spectrum(&lambda, 51);
    let anorm = 12.0;
    for (what, op) in operators::<f64>(&a, &dir, "clustered") {
        for (which, k) in [
            (Which::Largest, 5),
            (Which::Smallest, 3),
            (Which::LargestMagnitude, 4),
        ] {
            let want = sort_which(lambda.clone(), which);
            let eig = fresh::lanczos(&*op, k, which, Options::new()).unwrap();
            let ctx = format!(
                "{what} {which:?}: {:?} vs {:?}, {:?}",
                eig.values,
                &want[..k],
                eig.report
            );
            assert!(eig.report.converged, "{ctx}");
            assert_near(&eig.values, &want, 1e-12 * anorm, &ctx);
            check_eigenvectors(&a, &eig.values, &eig.vectors, anorm, 1e-7, &ctx);
        }
    }
    // The top eigenvector (isolated: 10 is 1e-7 from the next, so compare the projection on
    // the cluster's eigenspace instead of one column).
    let eig = fresh::lanczos(&csr::<f64>(&a), 1, Which::LargestMagnitude, Options::new()).unwrap();
    assert!((eig.values[0] + 12.0).abs() < 1e-11);
    assert!(dist_up_to_sign(eig.vector(0), &column(&q, 50)) < 1e-8);
}

/// k == n for small n (the basis is the whole space): the full spectrum.
#[test]
fn lanczos_small_k_equals_n() {
    for n in [1usize, 2, 3, 7, 12, 19] {
        let lambda: Vec<f64> = (0..n)
            .map(|i| (i as f64 - 4.3) * 1.7 + 0.01 * (i * i) as f64)
            .collect();
        let (a, _) = sym_with_spectrum(&lambda, 60 + n as u64);
        let op = dense::<f64>(&a, Layout::RowMajor);
        for which in [Which::Largest, Which::Smallest, Which::LargestMagnitude] {
            for k in [n, n.div_ceil(2)] {
                let want = sort_which(lambda.clone(), which);
                let eig = fresh::lanczos(&op, k, which, Options::new()).unwrap();
                let ctx = format!(
                    "n={n} k={k} {which:?}: {:?} vs {want:?}, {:?}",
                    eig.values, eig.report
                );
                assert!(eig.report.converged, "{ctx}");
                assert_near(&eig.values, &want, 1e-12 * 10.0, &ctx);
                check_eigenvectors(&a, &eig.values, &eig.vectors, 10.0, 1e-8, &ctx);
            }
        }
    }
}

/// Against scipy's `eigsh` (ARPACK) on a random sparse symmetric matrix written as `.npz`:
/// the top, bottom and largest-magnitude eigenvalues agree to 1e-8 relative.
#[test]
fn lanczos_matches_scipy_eigsh() {
    let Some(py) = common::python_with("numpy, scipy") else {
        return;
    };
    let dir = TempDir::new("solve-eigsh");
    let n = 400;
    let mut rng = Rng(71);
    let mut o = zeros(n, n);
    for i in 0..n {
        o.a[i][i] = rng.unit() * 4.0 - 2.0;
        for _ in 0..3 {
            let j = rng.below(n);
            if j != i {
                let v = rng.unit() * 2.0 - 1.0;
                o.a[i][j] += v;
                o.a[j][i] += v;
            }
        }
    }
    let a = csr::<f64>(&o);
    let path = dir.path("sym.npz");
    matvec::io::npz::write_csr(&path, a.view()).unwrap();
    let script = "\
import sys
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import eigsh
A = sp.load_npz(sys.argv[1]).tocsr()
assert abs(A - A.T).max() == 0
for which in ['LA', 'SA', 'LM']:
    w = eigsh(A, k=6, which=which, tol=0, return_eigenvectors=False)
    print(which, ' '.join(repr(float(x)) for x in w))
";
    let out = common::run_python(&py, &["-c", script, path.to_str().unwrap()]);
    let anorm = {
        let mut x = vec![1.0; n];
        fresh::power_iteration(&a, &mut x, Options::new().tol(1e-6))
            .unwrap()
            .value
            .abs()
    };
    let mut seen = 0;
    for line in out.lines() {
        let mut parts = line.split_whitespace();
        let which = match parts.next() {
            Some("LA") => Which::Largest,
            Some("SA") => Which::Smallest,
            Some("LM") => Which::LargestMagnitude,
            _ => continue,
        };
        let want = sort_which(parts.map(|s| s.parse::<f64>().unwrap()).collect(), which);
        let eig = fresh::lanczos(&a, 6, which, Options::new()).unwrap();
        let ctx = format!(
            "{which:?}: ours {:?}, scipy {want:?}, {:?}",
            eig.values, eig.report
        );
        assert!(eig.report.converged, "{ctx}");
        for (g, w) in eig.values.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-8 * w.abs().max(1e-3 * anorm), "{ctx}");
        }
        check_eigenvectors(&o, &eig.values, &eig.vectors, anorm, 1e-7, &ctx);
        seen += 1;
    }
    assert_eq!(seen, 3, "python printed: {out}");
}

// ---------------------------------------------------------------------------------------------
// Randomized SVD.

/// `U[:, :n]·diag(σ)·Vᵀ` (`m ≥ n`) with Householder `U` (`m × m`) and `V` (`n × n`).
fn with_singular_values(m: usize, sigma: &[f64], seed: u64) -> (Oracle, Oracle, Oracle) {
    let n = sigma.len();
    let u = householder(m, seed);
    let v = householder(n, seed + 1);
    let mut a = zeros(m, n);
    for i in 0..m {
        for j in 0..n {
            a.a[i][j] = (0..n).map(|k| u.a[i][k] * sigma[k] * v.a[j][k]).sum();
        }
    }
    (a, u, v)
}

#[track_caller]
fn check_svd(
    svd: &matvec::solve::Svd<f64>,
    sigma: &[f64],
    u: &Oracle,
    v: &Oracle,
    rel: f64,
    vec_tol: f64,
    k: usize,
    ctx: &str,
) {
    let (m, n) = (u.nrows, v.nrows);
    let kk = svd.s.len();
    assert_eq!((svd.u.len(), svd.v.len()), (m * kk, n * kk), "{ctx}");
    for i in 0..k {
        assert!(
            (svd.s[i] - sigma[i]).abs() <= rel * sigma[i],
            "{ctx}: σ{i} = {} vs {} ({:?})",
            svd.s[i],
            sigma[i],
            svd.report
        );
        let (ui, vi) = (&svd.u[i * m..(i + 1) * m], &svd.v[i * n..(i + 1) * n]);
        let (uw, vw) = (column(u, i), column(v, i));
        assert!(dist_up_to_sign(ui, &uw) < vec_tol, "{ctx}: u{i}");
        assert!(dist_up_to_sign(vi, &vw) < vec_tol, "{ctx}: v{i}");
        // The signs agree: uᵢᵀ·A·vᵢ = σᵢ > 0.
        assert!(
            dotp(ui, &uw) * dotp(vi, &vw) > 0.0,
            "{ctx}: signs of u{i}, v{i}"
        );
    }
}

#[test]
fn rsvd_known_spectrum_fast_decay_on_every_storage() {
    let dir = TempDir::new("solve-rsvd");
    let (m, n) = (300, 120);
    let sigma: Vec<f64> = (0..n).map(|i| 10.0 * 0.6f64.powi(i)).collect();
    let (a, u, v) = with_singular_values(m, &sigma, 81);
    let k = 8;
    let mut ops = operators::<f64>(&a, &dir, "rsvd");
    ops.push((
        "mmap row-major 64 KiB".into(),
        Box::new(mmap::<f64>(&a, &dir, "rsvd64k", Layout::RowMajor, 64 << 10)),
    ));
    for (what, op) in &ops {
        let svd = fresh::rsvd(&**op, k, Rsvd::default(), Options::new()).unwrap();
        let ctx = format!("{what}: {:?}", svd.report);
        check_svd(&svd, &sigma, &u, &v, 1e-8, 1e-6, k, &ctx);
        assert!(
            svd.report.converged && svd.report.residual <= f64::EPSILON.sqrt(),
            "{ctx}"
        );
        assert_eq!(svd.report.iterations, 2, "{ctx}");
        assert_eq!(svd.report.products, (k + 10) * 6 + k, "{ctx}");
    }
    // The transposed operator: same singular values, u and v swapped.
    let d = dense::<f64>(&a, Layout::RowMajor);
    let at = Transposed(&d);
    let svd = fresh::rsvd(&at, k, Rsvd::default(), Options::new()).unwrap();
    check_svd(&svd, &sigma, &v, &u, 1e-8, 1e-6, k, "transposed");
    let mm = mmap::<f64>(&a, &dir, "rsvd-t", Layout::ColMajor, 64 << 10);
    let svd = fresh::rsvd(&Transposed(&mm), k, Rsvd::default(), Options::new()).unwrap();
    check_svd(&svd, &sigma, &v, &u, 1e-8, 1e-6, k, "transposed mmap");
    // f32: to f32 accuracy.
    let d32 = dense::<f32>(&a, Layout::RowMajor);
    let svd = fresh::rsvd(&d32, 4, Rsvd::default(), Options::<f32>::new()).unwrap();
    for i in 0..4 {
        assert!(
            (svd.s[i] as f64 - sigma[i]).abs() < 1e-5 * sigma[0],
            "{:?}",
            svd.s
        );
    }
}

#[test]
fn rsvd_slow_decay_is_a_lower_bound_that_power_iterations_sharpen() {
    let (m, n) = (300, 120);
    let sigma: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + i as f64).sqrt()).collect();
    let (a, _, _) = with_singular_values(m, &sigma, 91);
    let op = dense::<f64>(&a, Layout::ColMajor);
    let k = 5;
    let mut errs = Vec::new();
    for q in [0, 2, 8] {
        let settings = Rsvd {
            power_iters: q,
            ..Rsvd::default()
        };
        let svd = fresh::rsvd(&op, k, settings, Options::new()).unwrap();
        let mut worst = 0.0f64;
        for i in 0..k {
            // Singular values of a projection never exceed the true ones.
            assert!(svd.s[i] <= sigma[i] * (1.0 + 1e-12), "q={q}: {:?}", svd.s);
            assert!(i == 0 || svd.s[i] <= svd.s[i - 1]);
            worst = worst.max((sigma[i] - svd.s[i]) / sigma[i]);
        }
        assert_eq!(svd.report.iterations, q);
        errs.push(worst);
    }
    eprintln!("slow decay, worst relative error of the top {k} for q = 0, 2, 8: {errs:?}");
    assert!(errs[2] < errs[1] && errs[1] < errs[0], "{errs:?}");
    assert!(errs[1] < 1e-2 && errs[2] < 1e-6, "{errs:?}");
}

#[test]
fn rsvd_exactly_rank_deficient() {
    let (m, n) = (80, 50);
    let mut sigma = vec![0.0; n];
    for (i, s) in [5.0, 4.0, 2.0, 1.0, 0.5].iter().enumerate() {
        sigma[i] = *s;
    }
    let (a, u, v) = with_singular_values(m, &sigma, 101);
    let op = csr::<f64>(&a);
    // k + oversample = 18 > rank 5.
    let svd = fresh::rsvd(&op, 8, Rsvd::default(), Options::new()).unwrap();
    let ctx = format!("{:?} {:?}", svd.s, svd.report);
    assert!(
        svd.u
            .iter()
            .chain(&svd.v)
            .chain(&svd.s)
            .all(|x| x.is_finite()),
        "{ctx}"
    );
    check_svd(&svd, &sigma, &u, &v, 1e-12, 1e-8, 5, &ctx);
    for i in 5..8 {
        assert!(svd.s[i].abs() <= 1e-12 * 5.0, "{ctx}");
        assert!(svd.s[i] <= svd.s[i - 1], "{ctx}");
        // Whatever the vectors of a zero singular value are, they are unit and finite.
        assert!(
            (norm(&svd.v[i * n..(i + 1) * n]) - 1.0).abs() < 1e-8,
            "{ctx}"
        );
    }
    assert!(svd.report.converged, "{ctx}");
    // k = rank exactly, and the zero matrix.
    let svd = fresh::rsvd(&op, 5, Rsvd::default(), Options::new()).unwrap();
    check_svd(&svd, &sigma, &u, &v, 1e-12, 1e-8, 5, "k = rank");
    let z = Csr::<f64>::zeros(30, 20);
    let svd = fresh::rsvd(&z, 3, Rsvd::default(), Options::new()).unwrap();
    assert!(svd.s.iter().all(|&s| s == 0.0), "{:?}", svd.s);
    assert!(svd.u.iter().chain(&svd.v).all(|x| x.is_finite()));
}

// ---------------------------------------------------------------------------------------------
// Block products.

/// `mul_mat`/`mul_mat_t` equal `k` separate `mul_vec`/`mul_vec_t` calls bit for bit, for
/// every type, α, β (β = 0 with NaN in `Y`), `k` ∈ {0, 1, 3, 8, 13, 20} (the sparse kernels
/// take groups of 8, 4, 2 and 1 vectors, and walk tiles of the matrix past 8) and `Par`.
#[test]
fn block_products_equal_separate_products_bit_for_bit() {
    let dir = TempDir::new("solve-block");
    for (m, n, seed) in [
        (37usize, 23usize, 1u64),
        (23, 37, 2),
        (300, 250, 3),
        (0, 5, 4),
        (5, 0, 5),
        // 180 k stored entries: more than one 1 MiB tile of the sparse block kernels.
        (1500, 400, 6),
    ] {
        let o = Oracle::random(m, n, 0.3, seed, false);
        let budget = 3 * 8 * n.max(m); // a few slices a block
        let c = coo::<f64>(&o);
        let d_r = dense::<f64>(&o, Layout::RowMajor);
        let data_c = o.col_major();
        let mm =
            |name: &str, layout| mmap::<f64>(&o, &dir, &format!("{name}{seed}"), layout, budget);
        let ops: Vec<(&str, Box<dyn MatVec<f64> + '_>)> = vec![
            ("csr", Box::new(c.to_csr())),
            ("csc", Box::new(c.to_csc())),
            ("coo", Box::new(c.clone())),
            (
                "csr f32 values, f64 vectors",
                Box::new(coo::<f32>(&o).to_csr()),
            ),
            (
                "csc f32 values, f64 vectors",
                Box::new(coo::<f32>(&o).to_csc()),
            ),
            ("coo f32 values, f64 vectors", Box::new(coo::<f32>(&o))),
            (
                "dense row-major",
                Box::new(dense::<f64>(&o, Layout::RowMajor)),
            ),
            (
                "dense col-major view",
                Box::new(DenseView::col_major(m, n, &data_c).unwrap()),
            ),
            ("mmap row-major", Box::new(mm("b", Layout::RowMajor))),
            ("mmap col-major", Box::new(mm("b", Layout::ColMajor))),
            ("transposed dense", Box::new(Transposed(&d_r))),
            ("transposed csr", Box::new(Transposed(c.to_csr()))),
            (
                "transposed mmap",
                Box::new(Transposed(mm("t", Layout::ColMajor))),
            ),
        ];
        let mut rng = Rng(seed + 10);
        for (what, a) in &ops {
            let (r, c) = a.shape();
            for transposed in [false, true] {
                let (nx, ny) = if transposed { (r, c) } else { (c, r) };
                for k in [0usize, 1, 3, 8, 13, 20] {
                    if m * n > 100_000 && k % 4 != 0 {
                        continue; // the large case is there for the tiles
                    }
                    let x: Vec<f64> = (0..nx * k).map(|_| rng.unit() - 0.5).collect();
                    let y0: Vec<f64> = (0..ny * k).map(|_| rng.unit()).collect();
                    for (alpha, beta) in [(1.0, 0.0), (0.7, -1.3), (0.0, 2.0), (-2.0, 1.0)] {
                        let fresh = || {
                            if beta == 0.0 {
                                vec![f64::NAN; ny * k]
                            } else {
                                y0.clone()
                            }
                        };
                        for par in [Par::Seq, Par::Rayon] {
                            let mut want = fresh();
                            for j in 0..k {
                                let (xj, yj) =
                                    (&x[j * nx..(j + 1) * nx], &mut want[j * ny..(j + 1) * ny]);
                                if transposed {
                                    a.mul_vec_t(alpha, xj, beta, yj, par);
                                } else {
                                    a.mul_vec(alpha, xj, beta, yj, par);
                                }
                            }
                            let mut got = fresh();
                            if transposed {
                                a.mul_mat_t(alpha, &x, beta, &mut got, par);
                            } else {
                                a.mul_mat(alpha, &x, beta, &mut got, par);
                            }
                            assert_eq!(
                                bits(&got),
                                bits(&want),
                                "{what} {m}x{n} transposed={transposed} k={k} α={alpha} β={beta} {par:?}"
                            );
                            // And against the dense reference, column by column.
                            for j in 0..k {
                                let yj0 = if beta == 0.0 {
                                    vec![0.0; ny]
                                } else {
                                    y0[j * ny..(j + 1) * ny].to_vec()
                                };
                                let reference = o.apply(
                                    transposed ^ what.starts_with("transposed"),
                                    alpha,
                                    &x[j * nx..(j + 1) * nx],
                                    beta,
                                    &yj0,
                                );
                                let e = dist(&got[j * ny..(j + 1) * ny], &reference);
                                // f32 values are the oracle's rounded: relative 6e-8 each.
                                let tol = if what.contains("f32") { 1e-6 } else { 1e-12 };
                                assert!(e < tol * (1.0 + norm(&reference)), "{what}: {e}");
                            }
                        }
                    }
                }
            }
        }
    }
}

fn block_fixture() -> (Csr<f64>, Dense<f64>) {
    let o = Oracle::random(6, 4, 0.5, 5, false);
    (csr::<f64>(&o), dense::<f64>(&o, Layout::RowMajor))
}

#[test]
#[should_panic(expected = "mul_mat")]
fn block_product_csr_wrong_lengths_panic() {
    let (a, _) = block_fixture();
    let mut y = vec![0.0; 6 * 2];
    a.mul_mat(1.0, &[0.0; 4 * 2 + 1], 0.0, &mut y, Par::Seq);
}

#[test]
#[should_panic(expected = "mul_mat_t")]
fn block_product_dense_t_mismatched_k_panics() {
    let (_, d) = block_fixture();
    let mut y = vec![0.0; 4 * 3];
    d.mul_mat_t(1.0, &[0.0; 6 * 2], 0.0, &mut y, Par::Seq);
}

#[test]
#[should_panic(expected = "mul_mat")]
fn block_product_mmap_wrong_lengths_panic() {
    let dir = TempDir::new("solve-block-panic");
    let o = Oracle::random(6, 4, 0.5, 5, false);
    let m = mmap::<f64>(&o, &dir, "p", Layout::RowMajor, 1);
    let mut y = vec![0.0; 5];
    m.mul_mat(1.0, &[0.0; 4], 0.0, &mut y, Par::Seq);
}

#[test]
#[should_panic(expected = "mul_mat")]
fn block_product_transposed_wrong_lengths_panic() {
    let (a, _) = block_fixture();
    let t = Transposed(&a); // 4 x 6
    let mut y = vec![0.0; 6]; // should be 4·k
    t.mul_mat(1.0, &[0.0; 6], 0.0, &mut y, Par::Seq);
}

#[test]
#[should_panic(expected = "mul_mat")]
fn block_product_coo_empty_x_nonempty_y_panics() {
    let (a, _) = block_fixture();
    let c = Coo::<f64>::new(a.nrows(), a.ncols());
    let mut y = vec![0.0; 6];
    c.mul_mat(1.0, &[], 0.0, &mut y, Par::Seq);
}

// ---------------------------------------------------------------------------------------------
// Bad input: a clear error, never a panic or a hang.

#[test]
fn bad_input_gets_clear_solver_errors() {
    let spd = random_spd(5, 3);
    let a = csr::<f64>(&spd);
    let rect = Csr::<f64>::zeros(5, 4);
    let b = random_vec(5, 4);
    let jac = Jacobi::from_diagonal(vec![1.0; 5]).unwrap();
    let cgo = || Options::<f64>::new();
    let mut x = vec![0.0; 5];
    let mut ws = CgWorkspace::new();

    // Non-square operator.
    expect_err(
        cg(&rect, &b, &mut x, cgo(), &mut ws),
        "cg",
        &["square", "5 x 4"],
    );
    expect_err(
        pcg(&rect, &jac, &b, &mut x, cgo(), &mut ws),
        "pcg",
        &["square"],
    );
    expect_err(
        fresh::power_iteration(&rect, &mut x, cgo()),
        "power_iteration",
        &["square"],
    );
    expect_err(
        fresh::pagerank(&rect, 0.85, None, &mut x, cgo()),
        "pagerank",
        &["square"],
    );
    expect_err(
        fresh::lanczos(&rect, 1, Which::Largest, cgo()),
        "lanczos",
        &["square"],
    );
    expect_err(Jacobi::from_csr(rect.view()), "Jacobi", &["square"]);

    // Wrong lengths.
    expect_err(
        cg(&a, &b[..4], &mut x, cgo(), &mut ws),
        "cg",
        &["b", "length 4", "5"],
    );
    expect_err(
        cg(&a, &b, &mut x[..3], cgo(), &mut ws),
        "cg",
        &["x", "length 3"],
    );
    expect_err(
        pcg(
            &a,
            &Jacobi::from_diagonal(vec![1.0; 4]).unwrap(),
            &b,
            &mut x,
            cgo(),
            &mut ws,
        ),
        "pcg",
        &["preconditioner", "4 x 4"],
    );
    expect_err(
        fresh::power_iteration(&a, &mut [1.0; 6], cgo()),
        "power_iteration",
        &["x", "length 6"],
    );
    expect_err(
        fresh::pagerank(&a, 0.85, None, &mut [0.0; 4], cgo()),
        "pagerank",
        &["x", "length 4"],
    );
    expect_err(
        fresh::pagerank(&a, 0.85, Some(&[1.0; 3]), &mut x, cgo()),
        "pagerank",
        &["personalization", "length 3"],
    );

    // k out of range.
    for k in [0, 6] {
        expect_err(
            fresh::lanczos(&a, k, Which::Largest, cgo()),
            "lanczos",
            &["k must be", &format!("got {k}")],
        );
    }
    let tall = Dense::<f64>::zeros(7, 3, Layout::RowMajor);
    for k in [0, 4] {
        expect_err(
            fresh::rsvd(&tall, k, Rsvd::default(), cgo()),
            "rsvd",
            &["k must be", "1..=3", &format!("got {k}")],
        );
    }

    // NaN and infinity in b or x.
    let mut bad = b.clone();
    bad[2] = f64::NAN;
    expect_err(cg(&a, &bad, &mut x, cgo(), &mut ws), "cg", &["b[2]", "NaN"]);
    let mut xb = vec![0.0; 5];
    xb[4] = f64::INFINITY;
    expect_err(
        cg(&a, &b, &mut xb, cgo(), &mut ws),
        "cg",
        &["x[4]", "finite"],
    );
    expect_err(
        pcg(&a, &jac, &bad, &mut x, cgo(), &mut ws),
        "pcg",
        &["b[2]"],
    );
    expect_err(
        fresh::power_iteration(&a, &mut xb.clone(), cgo()),
        "power_iteration",
        &["x[4]"],
    );
    expect_err(
        fresh::power_iteration(&a, &mut [0.0; 5], cgo()),
        "power_iteration",
        &["zero"],
    );
    expect_err(
        fresh::pagerank(&a, 0.85, None, &mut [0.0, f64::NAN, 0.0, 0.0, 0.0], cgo()),
        "pagerank",
        &["x[1]"],
    );

    // NaN inside the matrix: an error (not a hang, a panic or NaN output), from every solver.
    let mut nan_o = spd.clone();
    nan_o.a[1][3] = f64::NAN;
    nan_o.a[3][1] = f64::NAN;
    for (what, op) in [
        ("csr", Box::new(csr::<f64>(&nan_o)) as Box<dyn MatVec<f64>>),
        ("dense", Box::new(dense::<f64>(&nan_o, Layout::RowMajor))),
    ] {
        let _ = what;
        expect_err(cg(&*op, &b, &mut [0.0; 5], cgo(), &mut ws), "cg", &["NaN"]);
        expect_err(
            pcg(&*op, &jac, &b, &mut [0.0; 5], cgo(), &mut ws),
            "pcg",
            &["NaN"],
        );
        expect_err(
            fresh::power_iteration(&*op, &mut [1.0; 5], cgo()),
            "power_iteration",
            &["NaN"],
        );
        expect_err(
            fresh::lanczos(&*op, 2, Which::Largest, cgo()),
            "lanczos",
            &["NaN"],
        );
        expect_err(
            fresh::rsvd(&*op, 2, Rsvd::default(), cgo()),
            "rsvd",
            &["NaN"],
        );
        let mut g = nan_o.clone();
        for r in g.a.iter_mut() {
            for v in r.iter_mut() {
                *v = v.abs();
            }
        }
        expect_err(
            fresh::pagerank(&csr::<f64>(&g), 0.85, None, &mut [0.0; 5], cgo()),
            "pagerank",
            &["node 1"],
        );
    }
    // NaN on the diagonal, far from b's support (b = e₀, x = 0).
    let mut late = laplacian_1d(30);
    late.a[29][29] = f64::NAN;
    let mut e0 = vec![0.0; 30];
    e0[0] = 1.0;
    expect_err(
        cg(&csr::<f64>(&late), &e0, &mut [0.0; 30], cgo(), &mut ws),
        "cg",
        &["NaN"],
    );

    // Negative or NaN tolerance, for every solver.
    for tol in [-1e-8, f64::NAN, f64::INFINITY] {
        let o = || Options::new().tol(tol);
        expect_err(cg(&a, &b, &mut x, o(), &mut ws), "cg", &["tolerance"]);
        expect_err(
            pcg(&a, &jac, &b, &mut x, o(), &mut ws),
            "pcg",
            &["tolerance"],
        );
        expect_err(
            fresh::power_iteration(&a, &mut [1.0; 5], o()),
            "power_iteration",
            &["tolerance"],
        );
        expect_err(
            fresh::pagerank(&a, 0.85, None, &mut x, o()),
            "pagerank",
            &["tolerance"],
        );
        expect_err(
            fresh::lanczos(&a, 1, Which::Largest, o()),
            "lanczos",
            &["tolerance"],
        );
        expect_err(
            fresh::rsvd(&a, 1, Rsvd::default(), o()),
            "rsvd",
            &["tolerance"],
        );
    }

    // Damping outside [0, 1); bad personalization vectors.
    let g = coo::<f64>(&random_graph(5, 9)).to_csc();
    for d in [1.0, 1.5, -0.1, f64::NAN] {
        expect_err(
            fresh::pagerank(&g, d, None, &mut x, cgo()),
            "pagerank",
            &["damping"],
        );
    }
    expect_err(
        fresh::pagerank(&g, 0.85, Some(&[1.0, -1.0, 1.0, 1.0, 1.0]), &mut x, cgo()),
        "pagerank",
        &["personalization", "[1]", "non-negative"],
    );
    expect_err(
        fresh::pagerank(&g, 0.85, Some(&[0.0; 5]), &mut x, cgo()),
        "pagerank",
        &["personalization", "sum"],
    );
    let mut neg = Coo::<f64>::new(3, 3);
    neg.push(1, 0, -2.0);
    expect_err(
        fresh::pagerank(&neg.to_csc(), 0.85, None, &mut [0.0; 3], cgo()),
        "pagerank",
        &["node 1"],
    );

    // Not positive definite.
    let mut indef = Coo::<f64>::new(2, 2);
    indef.push(0, 0, 1.0);
    indef.push(1, 1, -1.0);
    let indef = indef.into_csr();
    expect_err(
        fresh::cg(&indef, &[1.0, 1.0], &mut [0.0, 0.0], cgo()),
        "cg",
        &["positive definite"],
    );
    let mut negdef = Coo::<f64>::new(3, 3);
    for i in 0..3 {
        negdef.push(i, i, -1.0 - i as f64);
    }
    expect_err(
        fresh::cg(&negdef.to_csr(), &[1.0, 2.0, 3.0], &mut [0.0; 3], cgo()),
        "cg",
        &["positive definite"],
    );
    expect_err(
        Jacobi::from_csr(negdef.to_csr().view()),
        "Jacobi",
        &["entry 0", "positive"],
    );
    expect_err(
        Jacobi::from_diagonal(vec![1.0, 0.0]),
        "Jacobi",
        &["entry 1"],
    );
    expect_err(
        Jacobi::from_diagonal(vec![f64::NAN]),
        "Jacobi",
        &["entry 0"],
    );

    // Not symmetric, for Lanczos.
    let mut nonsym = random_spd(30, 12);
    nonsym.a[3][17] += 1.0;
    for op in [
        Box::new(csr::<f64>(&nonsym)) as Box<dyn MatVec<f64>>,
        Box::new(dense::<f64>(
            &Oracle::random(40, 40, 0.3, 13, false),
            Layout::RowMajor,
        )),
    ] {
        expect_err(
            fresh::lanczos(&*op, 2, Which::Largest, cgo()),
            "lanczos",
            &["not symmetric"],
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Edge cases: empty operators, extreme scales, degenerate spectra, limits, workspace reuse.

/// 0 × 0 operators: nothing to do is not an error for cg/pcg/pagerank/power iteration (each
/// has a branch for it); lanczos and rsvd have no valid `k`.
#[test]
fn empty_operators() {
    let z = Csr::<f64>::zeros(0, 0);
    let rep = fresh::cg(&z, &[], &mut [], Options::new()).unwrap();
    assert!(rep.converged && rep.iterations == 0);
    let jac = Jacobi::from_diagonal(vec![]).unwrap();
    assert!(
        fresh::pcg(&z, &jac, &[], &mut [], Options::new())
            .unwrap()
            .converged
    );
    let rep = fresh::pagerank(&z, 0.85, None, &mut [], Options::new()).unwrap();
    assert!(rep.converged);
    expect_err(
        fresh::lanczos(&z, 1, Which::Largest, Options::new()),
        "lanczos",
        &["k must be"],
    );
    expect_err(
        fresh::rsvd(&z, 1, Rsvd::default(), Options::new()),
        "rsvd",
        &["k must be"],
    );
    // power_iteration has an `n == 0` branch returning a converged report, but the
    // "start vector is zero" check runs before it, so it is unreachable.
    let dom = fresh::power_iteration(&z, &mut [], Options::new());
    assert!(
        matches!(&dom, Ok(d) if d.report.converged),
        "power_iteration on a 0 x 0 operator: {dom:?}"
    );
}

/// CG is linear in `b`: `x(s·b) = s·x(b)`. With `b` of entries near 1e-200, `‖b‖² = Σ bᵢ²`
/// underflows to 0, and CG must not take `b` for zero (return `x = 0`, "converged").
#[test]
fn cg_and_power_iteration_scale_invariant_for_tiny_vectors() {
    let n = 6;
    let o = random_spd(n, 111);
    let a = csr::<f64>(&o);
    let b = random_vec(n, 112);
    let want = cholesky_solve(&o, &b);
    for s in [1e-100, 1e-170, 1e-200] {
        let bs: Vec<f64> = b.iter().map(|v| v * s).collect();
        let mut x = vec![0.0; n];
        let rep = fresh::cg(&a, &bs, &mut x, Options::new().tol(1e-12));
        let xs: Vec<f64> = x.iter().map(|v| v / s).collect();
        assert!(
            matches!(rep, Ok(r) if r.converged) && dist(&xs, &want) < 1e-9 * norm(&want),
            "cg with b scaled by {s:e}: {rep:?}, x/s = {xs:?}, want {want:?}"
        );
        // The same for the start vector of power iteration: nonzero, not "zero".
        let mut x0 = vec![s; n];
        let dom = fresh::power_iteration(&a, &mut x0, Options::new().tol(1e-10));
        assert!(
            matches!(dom, Ok(d) if d.report.converged),
            "power_iteration from {s:e}·1: {dom:?}"
        );
    }
}

/// Huge (finite) `b`: `‖b‖²` overflows. A correct answer or a clear error, not one that
/// blames NaN in the operator without saying "overflow".
#[test]
fn cg_huge_rhs_is_solved_or_reported_as_overflow() {
    let n = 6;
    let o = random_spd(n, 113);
    let a = csr::<f64>(&o);
    let b: Vec<f64> = random_vec(n, 114).iter().map(|v| v * 1e200).collect();
    let mut x = vec![0.0; n];
    match fresh::cg(&a, &b, &mut x, Options::new().tol(1e-12)) {
        Ok(rep) => {
            assert!(rep.converged, "{rep:?}");
            let want = cholesky_solve(&o, &b);
            assert!(dist(&x, &want) <= 1e-9 * norm(&want));
        }
        Err(e) => assert!(e.to_string().contains("overflow"), "{e}"),
    }
}

#[test]
fn power_iteration_dominant_pair_plus_minus_does_not_converge_or_fail() {
    let mut c = Coo::<f64>::new(3, 3);
    c.push(0, 0, 5.0);
    c.push(1, 1, -5.0);
    c.push(2, 2, 1.0);
    let mut x = [1.0, 1.0, 1.0];
    let dom = fresh::power_iteration(&c.to_csr(), &mut x, Options::new().max_iter(50)).unwrap();
    assert!(
        !dom.report.converged && dom.report.iterations == 50,
        "{dom:?}"
    );
    assert!(x.iter().all(|v| v.is_finite()));
}

#[test]
fn lanczos_degenerate_spectra_and_limits() {
    // Zero matrix and identity (the Krylov space is one-dimensional: fresh directions needed).
    let n = 30;
    for (what, a, val) in [
        ("zero", Csr::<f64>::zeros(n, n), 0.0),
        ("identity", Csr::<f64>::identity(n), 1.0),
    ] {
        let o = Oracle {
            nrows: n,
            ncols: n,
            a: (0..n)
                .map(|i| (0..n).map(|j| if i == j { val } else { 0.0 }).collect())
                .collect(),
        };
        for which in [Which::Largest, Which::Smallest] {
            let eig = fresh::lanczos(&a, 3, which, Options::new()).unwrap();
            assert!(eig.report.converged, "{what}");
            for v in &eig.values {
                assert!((v - val).abs() < 1e-12, "{what}: {:?}", eig.values);
            }
            check_eigenvectors(&o, &eig.values, &eig.vectors, 1.0, 1e-10, what);
        }
    }
    // The restart limit: not converged is not an error, and k values come back.
    let a = csr::<f64>(&laplacian_1d(400));
    let eig = fresh::lanczos(&a, 4, Which::Smallest, Options::new().max_iter(1)).unwrap();
    assert!(
        !eig.report.converged && eig.report.iterations == 1,
        "{:?}",
        eig.report
    );
    assert_eq!((eig.values.len(), eig.vectors.len()), (4, 4 * 400));
    assert!(eig.report.residual > f64::EPSILON.sqrt());
    // Basis sizes: from the default to larger than n (clamped to n): same answer. (Smaller
    // bases need far more restarts on this clustered end; ARPACK with ncv = 8 fails too.)
    let exact = sort_which(laplacian_1d_eigenvalues(400), Which::Largest);
    for m in [20, 60, 10_000] {
        let eig = lanczos(
            &a,
            3,
            Which::Largest,
            Options::new(),
            &mut LanczosWorkspace::new().with_basis(m),
        )
        .unwrap();
        assert!(eig.report.converged, "m={m}: {:?}", eig.report);
        assert_near(&eig.values, &exact, 1e-10, &format!("m={m}"));
    }
    // A basis below k + 1 is raised to k + 1; on well-separated eigenvalues it converges.
    let lambda: Vec<f64> = (0..80)
        .map(|i| {
            if i < 3 {
                10.0 - i as f64
            } else {
                1.0 - 0.01 * i as f64
            }
        })
        .collect();
    let (o, _) = sym_with_spectrum(&lambda, 140);
    for m in [0, 1, 4] {
        let eig = lanczos(
            &csr::<f64>(&o),
            3,
            Which::Largest,
            Options::new(),
            &mut LanczosWorkspace::new().with_basis(m),
        )
        .unwrap();
        assert!(eig.report.converged, "m={m}: {:?}", eig.report);
        assert_near(&eig.values, &lambda, 1e-10, &format!("m={m}"));
    }
    // f32: to f32 accuracy.
    let a32 = csr::<f32>(&laplacian_1d(300));
    let eig = fresh::lanczos(&a32, 3, Which::Largest, Options::<f32>::new()).unwrap();
    assert!(eig.report.converged);
    // The default f32 tolerance (√ε ≈ 3.5e-4) bounds the error by residual²/gap: with gaps of
    // 3e-4 here that is about 1e-3 (measured: 2e-5 to 6e-5).
    let exact = sort_which(laplacian_1d_eigenvalues(300), Which::Largest);
    assert_near(&eig.values, &exact, 1e-3, "f32 1-D Laplacian");
    // With well-separated eigenvalues, f32 accuracy.
    let o32 = csr::<f32>(&o);
    let eig = fresh::lanczos(&o32, 3, Which::Largest, Options::<f32>::new()).unwrap();
    assert!(eig.report.converged);
    assert_near(&eig.values, &lambda, 1e-5 * 10.0, "f32");
}

/// One workspace reused across problems of different sizes (and `k`) gives the same bits as
/// a fresh workspace each time.
#[test]
fn workspaces_reused_across_sizes_match_fresh_ones() {
    let mut cws = CgWorkspace::new();
    let mut pws = PowerWorkspace::new();
    let mut gws = PageRankWorkspace::new();
    let mut lws = LanczosWorkspace::new();
    let mut rws = RsvdWorkspace::new();
    for (round, n) in [40usize, 9, 64, 40, 9].into_iter().enumerate() {
        let o = random_spd(n, 120 + n as u64);
        let a = csr::<f64>(&o);
        let b = random_vec(n, 121);
        let jac = Jacobi::from_diagonal((0..n).map(|i| o.a[i][i]).collect()).unwrap();
        let ctx = format!("round {round}, n = {n}");
        let (mut x1, mut x2) = (vec![0.0; n], vec![0.0; n]);
        let r1 = cg(&a, &b, &mut x1, Options::new(), &mut cws).unwrap();
        let r2 = fresh::cg(&a, &b, &mut x2, Options::new()).unwrap();
        assert!(r1 == r2 && bits(&x1) == bits(&x2), "cg {ctx}");
        let r1 = pcg(&a, &jac, &b, &mut x1, Options::new(), &mut cws).unwrap();
        let r2 = fresh::pcg(&a, &jac, &b, &mut x2, Options::new()).unwrap();
        assert!(r1 == r2 && bits(&x1) == bits(&x2), "pcg {ctx}");
        let (mut x1, mut x2) = (b.clone(), b.clone());
        let d1 = power_iteration(&a, &mut x1, Options::new(), &mut pws).unwrap();
        let d2 = fresh::power_iteration(&a, &mut x2, Options::new()).unwrap();
        assert!(d1 == d2 && bits(&x1) == bits(&x2), "power {ctx}");
        let g = coo::<f64>(&random_graph(n, 122)).to_csc();
        let (mut x1, mut x2) = (vec![0.0; n], vec![0.0; n]);
        let r1 = pagerank(&g, 0.85, None, &mut x1, Options::new(), &mut gws).unwrap();
        let r2 = fresh::pagerank(&g, 0.85, None, &mut x2, Options::new()).unwrap();
        assert!(r1 == r2 && bits(&x1) == bits(&x2), "pagerank {ctx}");
        let k = 1 + round % 3;
        let which = [Which::Largest, Which::Smallest, Which::LargestMagnitude][round % 3];
        let e1 = lanczos(&a, k, which, Options::new(), &mut lws).unwrap();
        let e2 = fresh::lanczos(&a, k, which, Options::new()).unwrap();
        assert!(e1 == e2, "lanczos {ctx}");
        let s1 = rsvd(&a, k, Rsvd::default(), Options::new(), &mut rws).unwrap();
        let s2 = fresh::rsvd(&a, k, Rsvd::default(), Options::new()).unwrap();
        assert!(s1 == s2, "rsvd {ctx}");
    }
}

#[test]
fn rsvd_reports_progress_once_per_power_iteration() {
    let o = Oracle::random(60, 40, 0.5, 130, false);
    let a = csr::<f64>(&o);
    let mut seen = Vec::new();
    let mut cb = |p: &Progress<f64>| seen.push(p.iteration);
    let settings = Rsvd {
        power_iters: 4,
        ..Rsvd::default()
    };
    let svd = fresh::rsvd(&a, 3, settings, Options::new().progress(&mut cb)).unwrap();
    assert_eq!(seen, [1, 2, 3, 4]);
    assert_eq!(svd.report.iterations, 4);
    // Against the dense reference: A·vᵢ = σᵢ·uᵢ up to the reported residual.
    for i in 0..3 {
        let av = o.apply(false, 1.0, &svd.v[i * 40..(i + 1) * 40], 0.0, &[]);
        let r: Vec<f64> = av
            .iter()
            .zip(&svd.u[i * 60..(i + 1) * 60])
            .map(|(p, q)| p - svd.s[i] * q)
            .collect();
        assert!(norm(&r) <= svd.report.residual * svd.s[0] * (1.0 + 1e-9) + 1e-14);
    }
}

/// `Dominant::value` is documented as "the Rayleigh quotient `xᵀ·A·x` of the final unit
/// vector" — the `x` returned — also when the run stops at `max_iter` unconverged.
#[test]
fn power_iteration_value_is_rayleigh_quotient_of_returned_vector() {
    let lambda: Vec<f64> = (0..30)
        .map(|i| if i == 0 { 1.0 } else { 0.95 - 0.03 * i as f64 })
        .collect();
    let (o, _) = sym_with_spectrum(&lambda, 150);
    let a = csr::<f64>(&o);
    for max_iter in [1, 3, 10] {
        let mut x = random_vec(30, 151);
        let dom =
            fresh::power_iteration(&a, &mut x, Options::new().tol(0.0).max_iter(max_iter)).unwrap();
        let rq = dotp(&x, &o.apply(false, 1.0, &x, 0.0, &x)) / dotp(&x, &x);
        assert!(
            (dom.value - rq).abs() <= 1e-12 * rq.abs(),
            "max_iter {max_iter}: value {} but xᵀ·A·x of the returned x is {rq}",
            dom.value
        );
    }
}

/// Block products over matrices of several cache tiles (1 MiB each, a multiple of four
/// slices) and a ragged last tile, in memory and mapped with a budget whose blocks do not
/// line up with the tiles: still bit-identical to separate products.
#[test]
fn block_products_across_tiles_equal_separate_products() {
    let dir = TempDir::new("solve-block-tiles");
    // 1203 x 301 f64: 2.9 MB, three tiles in the dot layout; both layouts, both directions.
    let o = Oracle::random(1203, 301, 0.9, 77, false);
    for layout in [Layout::RowMajor, Layout::ColMajor] {
        let d = dense::<f64>(&o, layout);
        let m = mmap::<f64>(&o, &dir, "tiles", layout, 700 << 10);
        let ops: [(&str, &dyn MatVec<f64>); 2] = [("dense", &d), ("mmap", &m)];
        for (name, a) in ops {
            for transposed in [false, true] {
                let (r, c) = if transposed { (301, 1203) } else { (1203, 301) };
                let k = 3;
                let x: Vec<f64> = (0..c * k)
                    .map(|i| ((i * 7919) % 97) as f64 / 13.0 - 3.0)
                    .collect();
                let y0: Vec<f64> = (0..r * k).map(|i| ((i * 31) % 17) as f64 - 8.0).collect();
                for (alpha, beta) in [(1.0, 0.0), (0.5, -1.25)] {
                    let mut block = y0.clone();
                    let mut sep = y0.clone();
                    if transposed {
                        a.mul_mat_t(alpha, &x, beta, &mut block, Par::Rayon);
                        for j in 0..k {
                            a.mul_vec_t(
                                alpha,
                                &x[j * c..(j + 1) * c],
                                beta,
                                &mut sep[j * r..(j + 1) * r],
                                Par::Seq,
                            );
                        }
                    } else {
                        a.mul_mat(alpha, &x, beta, &mut block, Par::Rayon);
                        for j in 0..k {
                            a.mul_vec(
                                alpha,
                                &x[j * c..(j + 1) * c],
                                beta,
                                &mut sep[j * r..(j + 1) * r],
                                Par::Seq,
                            );
                        }
                    }
                    let same = block
                        .iter()
                        .zip(&sep)
                        .all(|(p, q)| p.to_bits() == q.to_bits());
                    assert!(
                        same,
                        "{name} {layout:?} transposed={transposed} alpha={alpha} beta={beta}"
                    );
                }
            }
        }
    }
}

/// Lanczos, randomized SVD and power iteration give the same answer (to rounding) for an
/// operator scaled by 1e-170, 1e100 or 1e160: norms and the small projected problems are
/// computed in units of a power of two.
#[test]
fn lanczos_rsvd_and_power_iteration_are_scale_invariant() {
    for scale in [1e-170, 1e100, 1e160] {
        // Diagonal 30 x 30, entries (1..=30)·scale, as CSR.
        let n = 30;
        let mut coo = Coo::<f64>::new(n, n);
        for i in 0..n {
            coo.push(i, i, (i + 1) as f64 * scale);
        }
        let a = coo.into_csr();
        let eig = lanczos(
            &a,
            2,
            Which::Largest,
            Options::new(),
            &mut LanczosWorkspace::new(),
        )
        .unwrap();
        assert!(eig.report.converged, "{scale}: {:?}", eig.report);
        for (v, exact) in eig.values.iter().zip([30.0, 29.0]) {
            assert!(
                (v / scale - exact).abs() < 1e-9 * exact,
                "{scale}: {:?}",
                eig.values
            );
        }
        // Power iteration on the same diagonal (ratio 29/30: many iterations, fine).
        let mut x = vec![1.0; n];
        let dom = power_iteration(
            &a,
            &mut x,
            Options::new().tol(1e-6).max_iter(5000),
            &mut PowerWorkspace::new(),
        )
        .unwrap();
        assert!(dom.report.converged, "{scale}: {:?}", dom.report);
        assert!(
            (dom.value / scale - 30.0).abs() < 1e-6 * 30.0,
            "{scale}: {}",
            dom.value
        );
        // 20 x 10 with diagonal (1..=10)·scale.
        let mut d = Dense::<f64>::zeros(20, 10, Layout::RowMajor);
        for i in 0..10 {
            d.set(i, i, (i + 1) as f64 * scale);
        }
        let svd = rsvd(
            &d,
            2,
            Rsvd::default(),
            Options::new(),
            &mut RsvdWorkspace::new(),
        )
        .unwrap();
        for (s, exact) in svd.s.iter().zip([10.0, 9.0]) {
            assert!(
                (s / scale - exact).abs() < 1e-9 * exact,
                "{scale}: {:?}",
                svd.s
            );
        }
        assert!(svd.report.converged, "{scale}: {:?}", svd.report);
    }
}

/// f32 Lanczos converges on eigenvalues at 0 (its residual floor uses f32's epsilon).
#[test]
fn lanczos_f32_converges_at_a_zero_eigenvalue() {
    // Neumann 1-D Laplacian: singular, eigenvalues 2 − 2cos(jπ/n), j = 0..n.
    let n = 300;
    let mut coo = Coo::<f32>::new(n, n);
    for i in 0..n {
        let deg = if i == 0 || i + 1 == n { 1.0 } else { 2.0 };
        coo.push(i, i, deg);
        if i > 0 {
            coo.push(i, i - 1, -1.0);
            coo.push(i - 1, i, -1.0);
        }
    }
    let a = coo.into_csr();
    let eig = lanczos(
        &a,
        2,
        Which::Smallest,
        Options::<f32>::new(),
        &mut LanczosWorkspace::new(),
    )
    .unwrap();
    assert!(eig.report.converged, "{:?}", eig.report);
    let exact = 2.0 - 2.0 * (std::f64::consts::PI / n as f64).cos();
    assert!(eig.values[0].abs() < 1e-4, "{:?}", eig.values);
    assert!(
        (eig.values[1] as f64 - exact).abs() < 1e-4,
        "{:?} vs {exact}",
        eig.values
    );
}

/// A failed CG leaves `x` in the caller's units (here untouched: it fails before updating).
#[test]
fn cg_error_leaves_x_in_the_callers_units() {
    let mut coo = Coo::<f64>::new(2, 2);
    coo.push(0, 0, 1.0);
    coo.push(1, 1, -1.0);
    let a = coo.into_csr();
    let mut x = vec![3.0, 5.0];
    let e = cg(
        &a,
        &[1000.0, 1000.0],
        &mut x,
        Options::new(),
        &mut CgWorkspace::new(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("positive definite"), "{e}");
    assert_eq!(x, [3.0, 5.0]);
}

/// Negative single edge weights (with positive row sums) show as a negative rank: an error.
#[test]
fn pagerank_negative_weights_are_an_error() {
    let mut g = Coo::<f64>::new(3, 3);
    g.push(0, 1, 2.0);
    g.push(0, 2, -1.0);
    g.push(1, 0, 1.0);
    g.push(2, 0, 1.0);
    let g = g.into_csc();
    let mut x = vec![0.0; 3];
    let e = pagerank(
        &g,
        0.85,
        None,
        &mut x,
        Options::new(),
        &mut PageRankWorkspace::new(),
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::Solver { .. }) && e.to_string().contains("negative"),
        "{e}"
    );
}
