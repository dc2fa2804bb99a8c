//! Power iteration.

use super::*;

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
