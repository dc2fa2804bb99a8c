//! No heap allocation inside a product, proven with a counting global allocator.
//!
//! One `#[test]` only: the counter is process-wide, and the test harness would otherwise run
//! other tests (which allocate) concurrently.

mod common;
mod counting;

use common::Oracle;
use counting::counted;
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

#[test]
fn all_types_products_do_not_allocate() {
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

    // Sequential: not one allocation.
    assert_eq!(
        count(&mats, &x, &mut y, Par::Seq, 3),
        0,
        "Par::Seq products allocated"
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
