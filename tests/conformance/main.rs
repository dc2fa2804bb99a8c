//! One conformance suite, run for every matrix type — in memory, memory-mapped and streamed
//! from files — f32 and f64, u32 and usize indices, against a dense oracle
//! (`common::Oracle`): single and block products, precisions, validation, zero-copy views of
//! other crates' matrices, and concurrent products on shared matrices. Values are small
//! integers, so every result is exact and compared with `==`.

#[path = "../common/mod.rs"]
mod common;

use common::{Oracle, Rng};
use matvec::{
    Coo, Csc, Csr, Dense, DenseView, Footprint, Index, Layout, MatVec, Par, PatternCsr, RowOffsets,
    Scalar, SharedCsr, Transposed, Widen,
};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Every owned representation of one matrix.
struct Owned<T: Scalar, I: Index> {
    coo: Coo<T, I>,
    csr_into: Csr<T, I>,
    csr_to: Csr<T, I>,
    csr_from_csc: Csr<T, I>,
    csc_into: Csc<T, I>,
    csc_to: Csc<T, I>,
    csc_from_csr: Csc<T, I>,
    /// CSC of A obtained as the zero-copy transpose of the CSR of Aᵀ.
    csc_of_transpose: Csc<T, I>,
    dense_r: Dense<T>,
    dense_c: Dense<T>,
    data_r: Vec<T>,
    data_c: Vec<T>,
    /// The offsets of `csr_into` and `csc_into`, for `SharedCsr` over their arrays.
    csr_offsets: RowOffsets,
    csc_offsets: RowOffsets,
}

fn build<T: Scalar, I: Index>(o: &Oracle, seed: u64) -> Owned<T, I> {
    let t = |v: f64| T::from_f64(v);
    // Triplets in shuffled order, each value split in two pushes half the time (duplicates).
    let mut rng = Rng::new(seed);
    let mut trip = o.triplets();
    for k in (1..trip.len()).rev() {
        trip.swap(k, rng.below(k + 1));
    }
    let mut coo = Coo::<T, I>::new(o.nrows, o.ncols);
    for &(i, j, v) in &trip {
        if rng.below(2) == 0 {
            coo.push(i, j, t(v - 1.0));
            coo.push(i, j, t(1.0));
        } else {
            coo.push(i, j, t(v));
        }
    }
    let csr_into = coo.clone().into_csr();
    let csc_into = coo.clone().into_csc();
    let mut coo_t = Coo::<T, I>::new(o.ncols, o.nrows);
    for &(i, j, v) in &trip {
        coo_t.push(j, i, t(v));
    }
    let data_r: Vec<T> = o.row_major().into_iter().map(t).collect();
    let data_c: Vec<T> = o.col_major().into_iter().map(t).collect();
    Owned {
        csr_offsets: RowOffsets::new(csr_into.row_ptr().to_vec()).unwrap(),
        csc_offsets: RowOffsets::new(csc_into.col_ptr().to_vec()).unwrap(),
        csr_to: coo.to_csr(),
        csc_to: coo.to_csc(),
        csr_from_csc: csc_into.to_csr(),
        csc_from_csr: csr_into.to_csc(),
        csc_of_transpose: coo_t.into_csr().into_transpose(),
        dense_r: Dense::try_new(o.nrows, o.ncols, Layout::RowMajor, data_r.clone()).unwrap(),
        dense_c: Dense::try_new(o.nrows, o.ncols, Layout::ColMajor, data_c.clone()).unwrap(),
        coo,
        csr_into,
        csc_into,
        data_r,
        data_c,
    }
}

/// Every form of the matrix as an operator on vectors of `T`; the storage precision `S` is
/// `T`, or `f32` serving `f64` vectors (mixed precision).
fn forms<'a, S: Scalar + Widen<T>, T: Scalar, I: Index>(
    o: &'a Owned<S, I>,
    m: &Oracle,
) -> Vec<(&'static str, Box<dyn MatVec<T> + Send + Sync + 'a>)> {
    let (r, c) = (m.nrows, m.ncols);
    vec![
        ("coo", Box::new(&o.coo)),
        ("csr (into_csr)", Box::new(&o.csr_into)),
        ("csr (to_csr)", Box::new(&o.csr_to)),
        ("csr (from csc)", Box::new(&o.csr_from_csc)),
        ("csr view", Box::new(o.csr_into.view())),
        ("csc (into_csc)", Box::new(&o.csc_into)),
        ("csc (to_csc)", Box::new(&o.csc_to)),
        ("csc (from csr)", Box::new(&o.csc_from_csr)),
        (
            "csc (transpose of csr of A^T)",
            Box::new(&o.csc_of_transpose),
        ),
        ("csc view", Box::new(o.csc_into.view())),
        (
            "Transposed(csr view of A^T)",
            Box::new(Transposed(o.csc_of_transpose.view().transpose())),
        ),
        (
            "Transposed(csc view .transpose())",
            Box::new(Transposed(o.csc_into.view().transpose())),
        ),
        ("dense row-major", Box::new(&o.dense_r)),
        ("dense col-major", Box::new(&o.dense_c)),
        (
            "dense view row-major",
            Box::new(DenseView::row_major(r, c, &o.data_r).unwrap()),
        ),
        (
            "dense view col-major",
            Box::new(DenseView::col_major(r, c, &o.data_c).unwrap()),
        ),
        (
            "Transposed(dense view .transpose())",
            Box::new(Transposed(o.dense_r.view().transpose())),
        ),
        (
            "shared csr",
            Box::new(
                SharedCsr::new(c, &o.csr_offsets, o.csr_into.col_idx(), o.csr_into.values())
                    .unwrap(),
            ),
        ),
        (
            "Transposed(shared csr of A^T): shared csc",
            Box::new(Transposed(
                SharedCsr::new(r, &o.csc_offsets, o.csc_into.row_idx(), o.csc_into.values())
                    .unwrap(),
            )),
        ),
        ("Arc<csr>", Box::new(Arc::new(o.csr_to.clone()))),
        ("Box<csc>", Box::new(Box::new(o.csc_to.clone()))),
    ]
}

const CASES: [(f64, f64); 6] = [
    (1.0, 0.0),
    (2.0, -1.0),
    (0.0, 3.0),
    (-1.0, 1.0),
    (0.5, 0.0),
    (0.0, 0.0),
];

fn check_all<T: Scalar, I: Index>(m: &Oracle, seed: u64, cases: &[(f64, f64)]) {
    let owned = build::<T, I>(m, seed);
    let forms = forms::<T, T, I>(&owned, m);
    let mut rng = Rng::new(seed ^ 0xABCD);
    for transposed in [false, true] {
        let (nx, ny) = if transposed {
            (m.nrows, m.ncols)
        } else {
            (m.ncols, m.nrows)
        };
        let x: Vec<f64> = (0..nx).map(|_| rng.small()).collect();
        let y0: Vec<f64> = (0..ny).map(|_| rng.small()).collect();
        let xt: Vec<T> = x.iter().map(|&v| T::from_f64(v)).collect();
        for &(alpha, beta) in cases {
            let want: Vec<T> = m
                .apply(transposed, alpha, &x, beta, &y0)
                .into_iter()
                .map(T::from_f64)
                .collect();
            for (name, a) in &forms {
                assert_eq!(a.shape(), (m.nrows, m.ncols), "{name}");
                for par in [Par::Seq, Par::Rayon] {
                    // beta = 0: y starts as NaN and must not leak.
                    let mut y: Vec<T> = if beta == 0.0 {
                        vec![T::from_f64(f64::NAN); ny]
                    } else {
                        y0.iter().map(|&v| T::from_f64(v)).collect()
                    };
                    let (a_t, b_t) = (T::from_f64(alpha), T::from_f64(beta));
                    if transposed {
                        a.mul_vec_t(a_t, &xt, b_t, &mut y, par);
                    } else {
                        a.mul_vec(a_t, &xt, b_t, &mut y, par);
                    }
                    assert!(
                        y == want,
                        "{name} ({} / {}), {}x{}, transposed={transposed}, alpha={alpha}, beta={beta}, {par:?}:\n got {:?}\nwant {:?}",
                        T::NAME,
                        I::NAME,
                        m.nrows,
                        m.ncols,
                        &y[..y.len().min(8)],
                        &want[..want.len().min(8)],
                    );
                }
            }
        }
    }
}

fn shapes() -> Vec<(usize, usize, f64)> {
    vec![
        (0, 0, 0.5),
        (0, 5, 0.5),
        (5, 0, 0.5),
        (1, 1, 1.0),
        (1, 1, 0.0),
        (1, 9, 0.6),
        (9, 1, 0.6),
        (4, 4, 0.0),
        (13, 17, 0.3),
        (17, 13, 0.9),
        (64, 48, 0.2),
        (150, 200, 0.05),
    ]
}

fn suite<T: Scalar, I: Index>() {
    for (k, (r, c, d)) in shapes().into_iter().enumerate() {
        let m = Oracle::random(r, c, d, 1000 + k as u64, true);
        check_all::<T, I>(&m, k as u64, &CASES);
    }
    // Thousands of rows: large enough for the parallel kernels to split the work.
    let m = Oracle::random(2500, 1200, 0.03, 77, true);
    check_all::<T, I>(&m, 5, &[(1.0, 0.0), (-2.0, 0.5)]);
}

mod concurrency;
mod conversions;
mod faer_bridge;
mod interop;
mod interop_owned;
mod out_of_core;
mod pattern;
mod products;
mod row_blocks;
mod shared;
mod validation;
mod workspace;
