//! The mapped and streamed types in the same suite as the in-memory ones: every shape of
//! `shapes()` (empty ones included) written to `.npy` (both orders, f64 and f32) and `.npz`
//! (CSR and CSC), opened as `MmapDense`, `StreamDense`, `MmapCsr`, `MmapCsc`, `StreamCsr` and
//! `StreamCsc` with budgets small enough to cut them into many blocks, and checked against
//! the dense oracle exactly (small integer values) in single and block products, both
//! directions, every α/β case, sequentially and on the pool.

use super::*;
use crate::common::TempDir;
use matvec::io::{npy, npz};
use matvec::stream::{StreamCsc, StreamCsr, StreamDense};
use matvec::{MmapCsc, MmapCsr, MmapDense};

/// An operator that can be shared between threads.
pub(crate) type Shared = Arc<dyn MatVec<f64> + Send + Sync>;

/// `o` written to files in `dir` (under names starting with `tag`) and opened as every
/// out-of-core type, each serving `f64` vectors.
pub(crate) fn out_of_core(o: &Oracle, dir: &TempDir, tag: &str) -> Vec<(String, Shared)> {
    let (m, n) = (o.nrows, o.ncols);
    let file = |name: &str| dir.join(format!("{tag}-{name}"));
    let row = o.row_major();
    let col = o.col_major();
    let row32: Vec<f32> = row.iter().map(|&v| v as f32).collect();
    npy::write_dense(file("r.npy"), DenseView::row_major(m, n, &row).unwrap()).unwrap();
    npy::write_dense(file("c.npy"), DenseView::col_major(m, n, &col).unwrap()).unwrap();
    npy::write_dense(file("r32.npy"), DenseView::row_major(m, n, &row32).unwrap()).unwrap();
    let mut coo = Coo::<f64>::new(m, n);
    for (i, j, v) in o.triplets() {
        coo.push(i, j, v);
    }
    let csr = coo.into_csr();
    npz::write_csr(file("a.npz"), csr.view()).unwrap();
    npz::write_csc(file("a-csc.npz"), csr.to_csc().view()).unwrap();
    // Budgets of a few hundred bytes: many blocks even for these small matrices.
    let budget = 8 * (m + n) + 256;
    // SAFETY: the files of the five `open`s are this test's own and not modified while
    // mapped.
    let (dense_r, dense_c, dense32, mcsr, mcsc) = unsafe {
        (
            MmapDense::<f64>::open(file("r.npy")).unwrap(),
            MmapDense::<f64>::open(file("c.npy")).unwrap(),
            MmapDense::<f32>::open(file("r32.npy")).unwrap(),
            MmapCsr::<f64, u32>::open(file("a.npz")).unwrap(),
            MmapCsc::<f64, u32>::open(file("a-csc.npz")).unwrap(),
        )
    };
    let mut v: Vec<(String, Shared)> = vec![
        (
            "MmapDense row-major".into(),
            Arc::new(dense_r.with_budget(budget)),
        ),
        (
            "MmapDense col-major".into(),
            Arc::new(dense_c.with_budget(budget)),
        ),
        ("MmapDense f32".into(), Arc::new(dense32)),
        ("MmapCsr".into(), Arc::new(mcsr)),
        ("MmapCsc".into(), Arc::new(mcsc)),
    ];
    for (name, f) in [("row-major", "r.npy"), ("col-major", "c.npy")] {
        let a = StreamDense::<f64>::open(file(f)).unwrap();
        v.push((
            format!("StreamDense {name}"),
            Arc::new(a.with_budget(budget).with_read_size(64)),
        ));
    }
    let a = StreamDense::<f32>::open(file("r32.npy")).unwrap();
    v.push(("StreamDense f32".into(), Arc::new(a.with_budget(budget))));
    let a = StreamCsr::<f64, u32>::open(file("a.npz")).unwrap();
    v.push(("StreamCsr".into(), Arc::new(a.with_budget(budget).unwrap())));
    let a = StreamCsc::<f64, usize>::open(file("a-csc.npz")).unwrap();
    v.push(("StreamCsc".into(), Arc::new(a.with_budget(budget).unwrap())));
    v
}

/// `Y = α·op(A)·X + β·Y0` for `k` column-major vectors, from the oracle.
fn oracle_block(
    o: &Oracle,
    t: bool,
    alpha: f64,
    x: &[f64],
    beta: f64,
    y0: &[f64],
    k: usize,
) -> Vec<f64> {
    let (nx, ny) = if t {
        (o.nrows, o.ncols)
    } else {
        (o.ncols, o.nrows)
    };
    (0..k)
        .flat_map(|c| {
            o.apply(
                t,
                alpha,
                &x[c * nx..(c + 1) * nx],
                beta,
                &y0[c * ny..(c + 1) * ny],
            )
        })
        .collect()
}

#[test]
fn mapped_and_streamed_types_match_the_dense_oracle() {
    let dir = TempDir::new("conformance-ooc");
    let mut rng = Rng::new(41);
    for (s, (r, c, d)) in shapes().into_iter().enumerate() {
        let o = Oracle::random(r, c, d, 2000 + s as u64, true);
        for (name, a) in out_of_core(&o, &dir, &format!("s{s}")) {
            assert_eq!(a.shape(), (r, c), "{name}");
            for t in [false, true] {
                let (nx, ny) = if t { (r, c) } else { (c, r) };
                for k in [1, 3] {
                    let x: Vec<f64> = (0..nx * k).map(|_| rng.small()).collect();
                    let y0: Vec<f64> = (0..ny * k).map(|_| rng.small()).collect();
                    for &(alpha, beta) in &CASES {
                        let want = oracle_block(&o, t, alpha, &x, beta, &y0, k);
                        for par in [Par::Seq, Par::Rayon] {
                            let mut y = if beta == 0.0 {
                                vec![f64::NAN; ny * k]
                            } else {
                                y0.clone()
                            };
                            match (t, k) {
                                (false, 1) => a.mul_vec(alpha, &x, beta, &mut y, par),
                                (true, 1) => a.mul_vec_t(alpha, &x, beta, &mut y, par),
                                (false, _) => a.mul_mat(alpha, &x, beta, &mut y, par),
                                (true, _) => a.mul_mat_t(alpha, &x, beta, &mut y, par),
                            }
                            assert!(
                                y == want,
                                "{name} {r}x{c} transposed={t} k={k} alpha={alpha} beta={beta} {par:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}
