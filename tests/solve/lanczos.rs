//! Lanczos (thick restart).

use super::*;

/// `|gotᵢ − wantᵢ| < tol` for every value in `got` (`want` may be longer).
#[track_caller]
pub(crate) fn assert_near<T: Scalar>(got: &[T], want: &[f64], tol: f64, ctx: &str) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g.to_f64() - w).abs() < tol,
            "{ctx}: value {i} is {g}, want {w} (all: {got:?})"
        );
    }
}

/// Sorted by `which` (best first), as `Eigen::values`.
pub(crate) fn sort_which(mut v: Vec<f64>, which: Which) -> Vec<f64> {
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
pub(crate) fn check_eigenvectors(
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
    let Some(py) = crate::common::python_with("numpy, scipy") else {
        return;
    };
    let dir = TempDir::new("solve-eigsh");
    let n = 400;
    let mut rng = Rng::new(71);
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
    let path = dir.join("sym.npz");
    matvec::io::npz::write_csr(&path, a.view()).unwrap();
    let anorm = {
        let mut x = vec![1.0; n];
        fresh::power_iteration(&a, &mut x, Options::new().tol(1e-6))
            .unwrap()
            .value
            .abs()
    };
    let all = [Which::Largest, Which::Smallest, Which::LargestMagnitude];
    for (which, want) in scipy_eigsh(&py, &path, 6, &all) {
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
    }
}

/// scipy's `eigsh(A, k, which, tol=0)` eigenvalues (ARPACK) of the `.npz` at `path`, for each
/// `which`, sorted as ours.
pub(crate) fn scipy_eigsh(
    py: &str,
    path: &std::path::Path,
    k: usize,
    whiches: &[Which],
) -> Vec<(Which, Vec<f64>)> {
    let script = "\
import sys
import scipy.sparse as sp
from scipy.sparse.linalg import eigsh
A = sp.load_npz(sys.argv[1]).tocsr()
assert abs(A - A.T).max() == 0
for which in sys.argv[3:]:
    w = eigsh(A, k=int(sys.argv[2]), which=which, tol=0, return_eigenvectors=False)
    print(which, ' '.join(repr(float(x)) for x in w))
";
    let code = |w: Which| match w {
        Which::Largest => "LA",
        Which::Smallest => "SA",
        Which::LargestMagnitude => "LM",
    };
    let k = k.to_string();
    let mut args = vec!["-c", script, path.to_str().unwrap(), &k];
    args.extend(whiches.iter().map(|&w| code(w)));
    let out = crate::common::run_python(py, &args);
    let got: Vec<(Which, Vec<f64>)> = whiches
        .iter()
        .map(|&w| {
            let line = out
                .lines()
                .find(|l| l.split_whitespace().next() == Some(code(w)))
                .unwrap_or_else(|| panic!("no {} line in python's output: {out}", code(w)));
            let v = line.split_whitespace().skip(1).map(|s| s.parse().unwrap());
            (w, sort_which(v.collect(), w))
        })
        .collect();
    got
}
