//! Conjugate gradients (and Jacobi-preconditioned CG).

use super::*;

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
                // The first residual, one product an iteration, and at least one check of
                // the true residual at the end.
                assert!(rep.products >= rep.iterations + 2, "{ctx}");
                assert_eq!(rep.products, rep.passes, "{ctx}");
                let err = rel_dist(&x, &want);
                assert!(err < 1e-10, "{ctx}: error {err}");
                // The true relative residual, computed here, agrees with the report.
                let r = a.apply(false, -1.0, &x, 1.0, &b);
                let true_res = norm(&r) / norm(&b);
                assert!(
                    true_res <= tol && (true_res - rep.residual).abs() <= 1e-3 * tol,
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
    let a = poisson2d(k);
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
    let p = poisson2d(k);
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
    let a = poisson2d(k);
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
    let a = poisson2d(k);
    let b = random_vec(n, 21);
    let jac = Jacobi::from_diagonal((0..n).map(|i| 4.0 + (i % 7) as f64).collect()).unwrap();
    let graph = {
        let mut rng = Rng::new(22);
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
        let mut rng = Rng::new(23);
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
