//! Edge cases: empty operators, extreme scales, degenerate spectra, limits, workspace reuse.

use super::*;

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
    // A basis below k + 1 + 2b is raised to it; on well-separated eigenvalues it converges.
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
    for m in [0, 1, 4, usize::MAX] {
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
    let opts = Options::new().tol(0.0).max_iter(4).progress(&mut cb);
    let svd = fresh::rsvd(&a, 3, Rsvd::default(), opts).unwrap();
    assert_eq!(seen, [1, 2, 3, 4]);
    assert_eq!(svd.report.iterations, 4);
    assert_eq!(svd.report.passes, 9);
    // Against the dense reference: the reported residual is maxᵢ ‖A·vᵢ − σᵢ·uᵢ‖ / σ₁.
    let mut worst = 0.0f64;
    for i in 0..3 {
        let av = o.apply(false, 1.0, &svd.v[i * 40..(i + 1) * 40], 0.0, &[]);
        let r: Vec<f64> = av
            .iter()
            .zip(&svd.u[i * 60..(i + 1) * 60])
            .map(|(p, q)| p - svd.s[i] * q)
            .collect();
        worst = worst.max(norm(&r) / svd.s[0]);
    }
    let rep = svd.report.residual;
    assert!(
        (worst - rep).abs() <= 1e-6 * worst + 1e-15,
        "{worst} vs {rep}"
    );
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
