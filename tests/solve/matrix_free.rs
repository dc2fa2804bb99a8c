//! faer's matrix-free solvers on our operators, through `interop::FaerOp`: LSMR on a dense
//! `.npy` streamed from its file under a budget far below its size, against a dense QR
//! least-squares solution; BiCGSTAB on a non-symmetric CSR matrix, against a dense LU solve
//! (both references are faer's dense factorizations, which never see our operators).
#![cfg(feature = "faer")]

use super::*;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::solvers::{Solve, SolveLstsq};
use faer::matrix_free::{IdentityPrecond, bicgstab, lsmr};
use matvec::interop::FaerOp;
use matvec::stream::StreamDense;

/// A random `m × n` matrix with entries uniform in [-1, 1), as a faer `Mat`.
fn random_mat(m: usize, n: usize, seed: u64) -> faer::Mat<f64> {
    let mut rng = Rng::new(seed);
    let mut a = faer::Mat::<f64>::zeros(m, n);
    for i in 0..m {
        for j in 0..n {
            a[(i, j)] = rng.unit() * 2.0 - 1.0;
        }
    }
    a
}

/// faer's LSMR with `k` right-hand sides on `op`, to a tight tolerance.
fn run_lsmr(op: &FaerOp<impl MatVec<f64> + Sync>, b: &faer::Mat<f64>) -> faer::Mat<f64> {
    let (n, k) = (LinOpDims::ncols(op), b.ncols());
    let mut x = faer::Mat::<f64>::zeros(n, k);
    let precond = IdentityPrecond { dim: n };
    let par = faer::Par::rayon(2);
    let mut mem = MemBuffer::new(lsmr::lsmr_scratch(precond, op, k, par));
    let params = lsmr::LsmrParams::<f64> {
        rel_tolerance: 1e-13,
        max_iters: 2000,
        ..Default::default()
    };
    let info = lsmr::lsmr(
        x.as_mut(),
        precond,
        op,
        b.as_ref(),
        params,
        |_| {},
        par,
        MemStack::new(&mut mem),
    )
    .unwrap_or_else(|e| panic!("LSMR did not converge: {e:?}"));
    assert!(info.iter_count > 0);
    x
}

/// The dimensions through faer's trait, so the test reads what faer's solver sees.
struct LinOpDims;
impl LinOpDims {
    fn ncols<A: MatVec<f64> + Sync>(op: &FaerOp<A>) -> usize {
        faer::matrix_free::LinOp::<f64>::ncols(op)
    }
}

#[test]
fn faer_lsmr_on_a_streamed_npy_matches_dense_least_squares() {
    let dir = TempDir::new("faer-lsmr");
    let (m, n) = (3000, 60);
    let a = random_mat(m, n, 41);
    // The file, row-major: 1.4 MB, streamed with a 64 KiB budget (22 passes of blocks).
    let rows: Vec<f64> = (0..m)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| a[(i, j)])
        .collect();
    let path = dir.join("a.npy");
    write_dense(&path, DenseView::row_major(m, n, &rows).unwrap()).unwrap();
    let streamed = StreamDense::<f64>::open(&path)
        .unwrap()
        .with_budget(64 << 10);
    // Two right-hand sides: one in the range of A plus noise, one random.
    let mut b = random_mat(m, 2, 43);
    let xs = random_mat(n, 1, 44);
    let axs = &a * &xs;
    for i in 0..m {
        b[(i, 0)] = axs[(i, 0)] + 1e-3 * b[(i, 0)];
    }
    let want = a.qr().solve_lstsq(&b);
    let op = FaerOp::new(&streamed);
    let got = run_lsmr(&op, &b);
    for j in 0..2 {
        let (mut err, mut norm) = (0.0f64, 0.0f64);
        for i in 0..n {
            err = err.max((got[(i, j)] - want[(i, j)]).abs());
            norm = norm.max(want[(i, j)].abs());
        }
        assert!(
            err <= 1e-9 * norm,
            "rhs {j}: max error {err:e} against {norm:e}"
        );
    }
    // The same through a dyn operator of the same file, one right-hand side.
    let dynamic: &(dyn MatVec<f64> + Sync) = &streamed;
    let b0 = faer::Mat::<f64>::from_fn(m, 1, |i, _| b[(i, 0)]);
    let got0 = run_lsmr(&FaerOp::new(dynamic), &b0);
    for i in 0..n {
        assert!((got0[(i, 0)] - want[(i, 0)]).abs() <= 1e-9 * (1.0 + want[(i, 0)].abs()));
    }
}

#[test]
fn faer_bicgstab_on_a_nonsymmetric_csr_matches_a_direct_solve() {
    // Convection–diffusion on a 20 × 20 grid: the 5-point Laplacian plus an upwind
    // convection term, so A ≠ Aᵀ.
    let k = 20;
    let n = k * k;
    let mut coo = Coo::<f64>::new(n, n);
    let mut dense = faer::Mat::<f64>::zeros(n, n);
    let mut push = |i: usize, j: usize, v: f64| {
        coo.push(i, j, v);
        dense[(i, j)] += v;
    };
    for r in 0..k {
        for c in 0..k {
            let i = r * k + c;
            push(i, i, 4.0 + 0.8);
            if c > 0 {
                push(i, i - 1, -1.0 - 0.8); // upwind
            }
            if c + 1 < k {
                push(i, i + 1, -1.0);
            }
            if r > 0 {
                push(i, i - k, -1.0);
            }
            if r + 1 < k {
                push(i, i + k, -1.0);
            }
        }
    }
    let a = coo.into_csr();
    let b = random_vec(n, 7);
    let want = dense
        .partial_piv_lu()
        .solve(faer::MatRef::from_column_major_slice(&b, n, 1));
    let mut x = vec![0.0; n];
    let op = FaerOp::new(&a);
    let precond = IdentityPrecond { dim: n };
    let par = faer::Par::Seq;
    let mut mem = MemBuffer::new(bicgstab::bicgstab_scratch(precond, precond, &op, 1, par));
    let params = bicgstab::BicgParams::<f64> {
        rel_tolerance: 1e-12,
        max_iters: 1000,
        ..Default::default()
    };
    bicgstab::bicgstab(
        faer::MatMut::from_column_major_slice_mut(&mut x, n, 1),
        precond,
        precond,
        &op,
        faer::MatRef::from_column_major_slice(&b, n, 1),
        params,
        |_| {},
        par,
        MemStack::new(&mut mem),
    )
    .unwrap();
    let err = (0..n)
        .map(|i| (x[i] - want[(i, 0)]).abs())
        .fold(0.0, f64::max);
    let scale = (0..n).map(|i| want[(i, 0)].abs()).fold(0.0, f64::max);
    assert!(err <= 1e-9 * scale, "max error {err:e} against {scale:e}");
}
