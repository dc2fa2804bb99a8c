//! No heap allocation inside a product, proven with a counting global allocator.

use crate::common::Oracle;
use crate::counting::counted;
use matvec::stream::{StreamCsr, StreamDense};
use matvec::{Coo, Csc, Csr, Dense, DenseView, Layout, MatVec, Par};

/// Runs both products of every matrix `reps` times with reused buffers; returns how many
/// allocations happened meanwhile.
fn count(
    mats: &[(&str, &(dyn MatVec<f64> + Sync))],
    x: &[f64],
    y: &mut [f64],
    par: Par,
    reps: usize,
) -> usize {
    counted(|| {
        for _ in 0..reps {
            for (_, a) in mats {
                let (r, c) = a.shape();
                a.mul_vec(1.5, &x[..c], 0.0, &mut y[..r], par);
                a.mul_vec(1.5, &x[..c], 0.5, &mut y[..r], par);
                a.mul_vec_t(-1.0, &x[..r], 0.0, &mut y[..c], par);
                a.mul_vec_t(-1.0, &x[..r], 2.0, &mut y[..c], par);
            }
        }
    })
    .0
}

pub(crate) fn all_types_products_do_not_allocate() {
    // Large enough that the parallel kernels (gather, dense) really split.
    let m = Oracle::random(2000, 1500, 0.05, 42, false);
    let mut coo = Coo::<f64>::new(m.nrows, m.ncols);
    for (i, j, v) in m.triplets() {
        coo.push(i, j, v);
    }
    let csr: Csr<f64> = coo.to_csr();
    let csc: Csc<f64> = coo.to_csc();
    let dense_r = Dense::try_new(m.nrows, m.ncols, Layout::RowMajor, m.row_major()).unwrap();
    let data_c = m.col_major();
    let dense_c = DenseView::col_major(m.nrows, m.ncols, &data_c).unwrap();
    let mats: Vec<(&str, &(dyn MatVec<f64> + Sync))> = vec![
        ("coo", &coo),
        ("csr", &csr),
        ("csc", &csc),
        ("dense row-major", &dense_r),
        ("dense col-major view", &dense_c),
    ];
    let x = vec![0.25; 2000];
    let mut y = vec![0.0; 2000];

    // Streamed from files: they allocate their buffers on first use, then reuse them in
    // both directions (small reads and a small budget, so every product takes many).
    let dir = tempfile::tempdir().unwrap();
    let (pr, pc, pz) = (
        dir.path().join("r.npy"),
        dir.path().join("c.npy"),
        dir.path().join("a.npz"),
    );
    matvec::io::npy::write_dense(&pr, dense_r.view()).unwrap();
    matvec::io::npy::write_dense(&pc, dense_c).unwrap();
    matvec::io::npz::write_csr(&pz, csr.view()).unwrap();
    let sr = StreamDense::<f64>::open(&pr).unwrap().with_budget(1 << 20);
    let sc = StreamDense::<f64>::open(&pc).unwrap().with_budget(1 << 20);
    let sz = StreamCsr::<f64>::open(&pz)
        .unwrap()
        .with_budget(256 << 10)
        .unwrap();
    let streamed: Vec<(&str, &(dyn MatVec<f64> + Sync))> =
        vec![("stream C", &sr), ("stream F", &sc), ("stream csr", &sz)];
    let _first_use = count(&streamed, &x, &mut y, Par::Seq, 1);

    // Sequential: not one allocation.
    assert_eq!(
        count(&mats, &x, &mut y, Par::Seq, 3),
        0,
        "Par::Seq products allocated"
    );
    assert_eq!(
        count(&streamed, &x, &mut y, Par::Seq, 3),
        0,
        "Par::Seq streamed products allocated"
    );

    #[cfg(feature = "rayon")]
    {
        // Called from inside a rayon pool (the way a solver running in `pool.install` calls
        // them), parallel products allocate nothing either, after one warm-up round that lets
        // rayon size its per-thread deques.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let (warm, counted) = pool.install(|| {
            let warm = count(&mats, &x, &mut y, Par::Rayon, 1);
            (warm, count(&mats, &x, &mut y, Par::Rayon, 5))
        });
        assert_eq!(
            counted, 0,
            "Par::Rayon products inside the pool allocated (warm-up: {warm})"
        );
        let (warm, counted) = pool.install(|| {
            let warm = count(&streamed, &x, &mut y, Par::Rayon, 1);
            (warm, count(&streamed, &x, &mut y, Par::Rayon, 5))
        });
        assert_eq!(
            counted, 0,
            "Par::Rayon streamed products inside the pool allocated (warm-up: {warm})"
        );

        // Called from outside the pool, each product hands one job to rayon's injector queue,
        // which allocates a block every 63 jobs (crossbeam's `Injector`). That is rayon's, not
        // ours: bound it.
        let reps = 20;
        let calls = reps * mats.len() * 4;
        let outside = count(&mats, &x, &mut y, Par::Rayon, reps);
        assert!(
            outside <= calls / 63 + 2,
            "{outside} allocations for {calls} products called from outside the pool"
        );
    }
}
