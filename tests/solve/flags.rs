//! What `converged` means, solver by solver: with default options each method converges on
//! its standard problem, and the flag and the reported residual agree with the residual
//! recomputed here from an independent reference.

use super::*;
use pagerank::pagerank_dense;
use rsvd::with_singular_values;

/// CG: `converged` ⇔ the true `‖b − A·x‖ / ‖b‖ ≤ tol`, recomputed with the stencil itself.
#[test]
fn cg_flag_is_the_true_residual() {
    let g = 60;
    let a = poisson2d(g);
    let u: Vec<f64> = (0..g * g)
        .map(|i| ((i * 7919) % 101) as f64 / 50.0 - 1.0)
        .collect();
    let b = poisson_apply(g, &u);
    for tol in [f64::EPSILON.sqrt(), 1e-12, 1e-15] {
        let mut x = vec![0.0; g * g];
        let rep = fresh::cg(&a, &b, &mut x, Options::new().tol(tol)).unwrap();
        let r: Vec<f64> = poisson_apply(g, &x)
            .iter()
            .zip(&b)
            .map(|(p, q)| q - p)
            .collect();
        let true_res = norm(&r) / norm(&b);
        let ctx = format!("tol {tol}: true {true_res:e}, {rep:?}");
        assert_eq!(rep.converged, true_res <= tol, "{ctx}");
        if rep.converged {
            // Both are computed with cancellation near the rounding floor (ε·‖A‖·‖x‖/‖b‖).
            assert!(
                (true_res - rep.residual).abs() <= 1e-3 * true_res + 1e-15,
                "{ctx}"
            );
        }
        if tol >= 1e-12 {
            assert!(rep.converged, "the default and 1e-12 are reachable: {ctx}");
        }
    }
}

/// Power iteration (default options) on a spectrum with a gap: the flag and residual are
/// `‖A·x − λ·x‖ / |λ|`, recomputed with the dense reference.
#[test]
fn power_iteration_defaults_converge_and_flag_is_the_residual() {
    let n = 80;
    let lambda: Vec<f64> = (0..n).map(|i| 5.0 * 0.9f64.powi(i as i32)).collect();
    let (o, _) = sym_with_spectrum(&lambda, 171);
    let a = csr::<f64>(&o);
    let mut x = vec![1.0; n];
    let dom = fresh::power_iteration(&a, &mut x, Options::new()).unwrap();
    let r = eig_residual(&o, dom.value, &x) / dom.value.abs();
    let ctx = format!("recomputed {r:e}, {:?}", dom.report);
    assert!(dom.report.converged && r <= f64::EPSILON.sqrt(), "{ctx}");
    assert!((r - dom.report.residual).abs() <= 1e-6 * r + 1e-15, "{ctx}");
    assert!((dom.value - 5.0).abs() < 1e-12, "{ctx}");
}

/// PageRank (default options): the flag says the last L1 change is at most `tol`, which
/// bounds the L1 error by `d/(1 − d)·tol` — checked against the dense Google matrix.
#[test]
fn pagerank_defaults_converge_and_bound_the_error() {
    let n = 300;
    let w = random_graph(n, 181);
    let graph = csr::<f64>(&w).to_csc();
    let d = 0.85;
    let mut x = vec![0.0; n];
    let rep = fresh::pagerank(&graph, d, None, &mut x, Options::new()).unwrap();
    let want = pagerank_dense(&w, d, None);
    let err = l1_dist(&x, &want);
    let ctx = format!("error {err:e}, {rep:?}");
    assert!(
        rep.converged && rep.residual <= f64::EPSILON.sqrt(),
        "{ctx}"
    );
    assert!(err <= d / (1.0 - d) * rep.residual * 1.01 + 1e-15, "{ctx}");
}

/// rSVD (default options) on polynomially and exponentially decaying spectra: converges, and
/// the reported residual is `maxᵢ ‖A·vᵢ − σᵢ·uᵢ‖ / σ₁` of the returned triplets, recomputed
/// with the dense reference; the singular values are then accurate to about the residual
/// squared.
#[test]
fn rsvd_defaults_converge_and_flag_is_the_residual() {
    let (m, n) = (240, 100);
    let cases: [(&str, Vec<f64>); 2] = [
        (
            "1/(1+i)²",
            (0..n).map(|i| 1.0 / ((1 + i) as f64).powi(2)).collect(),
        ),
        (
            "0.8^i",
            (0..n).map(|i| 3.0 * 0.8f64.powi(i as i32)).collect(),
        ),
    ];
    for (name, sigma) in cases {
        let (o, _, _) = with_singular_values(m, &sigma, 191);
        let a = dense::<f64>(&o, Layout::RowMajor);
        let k = 6;
        let svd = fresh::rsvd(&a, k, Rsvd::default(), Options::new()).unwrap();
        let mut worst = 0.0f64;
        for i in 0..k {
            let av = o.apply(false, 1.0, &svd.v[i * n..(i + 1) * n], 0.0, &[]);
            let r: Vec<f64> = av
                .iter()
                .zip(&svd.u[i * m..(i + 1) * m])
                .map(|(p, q)| p - svd.s[i] * q)
                .collect();
            worst = worst.max(norm(&r) / svd.s[0]);
        }
        let ctx = format!(
            "{name}: recomputed {worst:e}, {:?}, s {:?}",
            svd.report, svd.s
        );
        assert!(
            svd.report.converged && worst <= f64::EPSILON.sqrt(),
            "{ctx}"
        );
        let rep = svd.report.residual;
        assert!((worst - rep).abs() <= 1e-6 * worst + 1e-15, "{ctx}");
        for i in 0..k {
            assert!((svd.s[i] - sigma[i]).abs() <= 1e-10 * sigma[0], "{ctx}");
        }
        assert_eq!(svd.report.passes, 2 * svd.report.iterations + 1, "{ctx}");
    }
}

/// Against scipy's `svds` (ARPACK) on a matrix written as `.npy`: the same top singular
/// values, to 1e-10 relative, with default options (and `converged`).
#[test]
fn rsvd_matches_scipy_svds() {
    let Some(py) = crate::common::python_with("numpy, scipy") else {
        return;
    };
    let dir = TempDir::new("solve-svds");
    let (m, n) = (300, 150);
    let mut rng = Rng::new(201);
    // Random entries with a decaying column scale: a spectrum nobody here chose.
    let mut d = Dense::<f64>::zeros(m, n, Layout::RowMajor);
    for i in 0..m {
        for j in 0..n {
            d.set(i, j, (rng.unit() - 0.5) * 0.9f64.powi(j as i32 / 3));
        }
    }
    let path = dir.join("a.npy");
    matvec::io::npy::write_dense(&path, d.view()).unwrap();
    let script = "\
import sys
import numpy as np
from scipy.sparse.linalg import svds
A = np.load(sys.argv[1])
s = svds(A, k=6, tol=0, return_singular_vectors=False)
print(' '.join(repr(float(x)) for x in sorted(s, reverse=True)))
";
    let out = crate::common::run_python(&py, &["-c", script, path.to_str().unwrap()]);
    let want: Vec<f64> = out.split_whitespace().map(|s| s.parse().unwrap()).collect();
    assert_eq!(want.len(), 6, "python printed: {out}");
    // Its spectrum decays slowly (the residual falls by 0.44 an iteration): 22 iterations.
    let svd = fresh::rsvd(&d, 6, Rsvd::default(), Options::new()).unwrap();
    let ctx = format!("ours {:?}, scipy {want:?}, {:?}", svd.s, svd.report);
    assert!(svd.report.converged, "{ctx}");
    for (g, w) in svd.s.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-10 * want[0], "{ctx}");
    }
}
