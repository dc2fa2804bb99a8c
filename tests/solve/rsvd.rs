//! Randomized SVD.

use super::*;

/// `U[:, :n]·diag(σ)·Vᵀ` (`m ≥ n`) with Householder `U` (`m × m`) and `V` (`n × n`).
pub(crate) fn with_singular_values(m: usize, sigma: &[f64], seed: u64) -> (Oracle, Oracle, Oracle) {
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
        // Every iteration is two passes of k + 10 vectors, after the first pass A·Ω.
        let it = svd.report.iterations;
        assert_eq!(svd.report.passes, 2 * it + 1, "{ctx}");
        assert_eq!(svd.report.products, (k + 10) * (2 * it + 1), "{ctx}");
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
        // HMT's fixed q: q + 1 of our iterations, whatever the residual.
        let opts = Options::new().tol(0.0).max_iter(q + 1);
        let svd = fresh::rsvd(&op, k, Rsvd::default(), opts).unwrap();
        let mut worst = 0.0f64;
        for i in 0..k {
            // Singular values of a projection never exceed the true ones.
            assert!(svd.s[i] <= sigma[i] * (1.0 + 1e-12), "q={q}: {:?}", svd.s);
            assert!(i == 0 || svd.s[i] <= svd.s[i - 1]);
            worst = worst.max((sigma[i] - svd.s[i]) / sigma[i]);
        }
        assert_eq!(svd.report.iterations, q + 1);
        assert_eq!(svd.report.passes, 2 * q + 3);
        assert!(!svd.report.converged);
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
