//! One conformance suite, run for every matrix type, f32 and f64, u32 and usize indices,
//! against a dense oracle (`common::Oracle`). Values are small integers, so every result is
//! exact and compared with `==`.

mod common;

use common::{Oracle, Rng};
use matvec::{
    Coo, Csc, Csr, Dense, DenseView, Footprint, Index, Layout, MatVec, Par, PatternCsr, Scalar,
    Transposed, Widen,
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
}

fn build<T: Scalar, I: Index>(o: &Oracle, seed: u64) -> Owned<T, I> {
    let t = |v: f64| T::from_f64(v);
    // Triplets in shuffled order, each value split in two pushes half the time (duplicates).
    let mut rng = Rng(seed);
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
    let mut rng = Rng(seed ^ 0xABCD);
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

#[test]
fn all_types_f64_u32_match_dense_oracle() {
    suite::<f64, u32>();
}

#[test]
fn all_types_f64_usize_match_dense_oracle() {
    suite::<f64, usize>();
}

#[test]
fn all_types_f32_u32_match_dense_oracle() {
    suite::<f32, u32>();
}

#[test]
fn all_types_f32_usize_match_dense_oracle() {
    suite::<f32, usize>();
}

/// Non-integer values make the order of additions visible: Seq and Rayon (and pools of
/// different sizes, which split differently) must agree to the last bit.
#[test]
fn all_types_seq_and_rayon_are_bit_identical() {
    // Skewed: the first rows are much denser than the rest, so the nnz split differs from a
    // split by row count.
    let mut m = Oracle::random(3000, 2000, 0.01, 9, false);
    let mut rng = Rng(3);
    for row in m.a.iter_mut().take(40) {
        for v in row.iter_mut() {
            *v = rng.unit() - 0.5;
        }
    }
    let owned = build::<f64, u32>(&m, 11);
    let forms = forms::<f64, f64, u32>(&owned, &m);
    let mut rng = Rng(4);
    let x_long: Vec<f64> = (0..3000).map(|_| rng.unit() - 0.5).collect();
    for transposed in [false, true] {
        let (nx, ny) = if transposed {
            (m.nrows, m.ncols)
        } else {
            (m.ncols, m.nrows)
        };
        let x = &x_long[..nx];
        let y0: Vec<f64> = (0..ny).map(|k| k as f64 * 0.25 - 3.0).collect();
        for (name, a) in &forms {
            let run = |par: Par| {
                let mut y = y0.clone();
                if transposed {
                    a.mul_vec_t(0.7, x, -1.3, &mut y, par);
                } else {
                    a.mul_vec(0.7, x, -1.3, &mut y, par);
                }
                y
            };
            let seq = run(Par::Seq);
            let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&run(Par::Rayon)),
                bits(&seq),
                "{name} transposed={transposed}: Rayon != Seq"
            );
            #[cfg(feature = "rayon")]
            for threads in [2, 3, 5] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let y = pool.install(|| run(Par::Rayon));
                assert_eq!(
                    bits(&y),
                    bits(&seq),
                    "{name} transposed={transposed}: {threads} threads != Seq"
                );
            }
            // And against the oracle, to a tolerance (the order of additions differs).
            let want = m.apply(transposed, 0.7, x, -1.3, &y0);
            for (k, (g, w)) in seq.iter().zip(&want).enumerate() {
                assert!(
                    approx::relative_eq!(*g, *w, epsilon = 1e-12, max_relative = 1e-12),
                    "{name}[{k}]: {g} vs {w}"
                );
            }
        }
    }
}

/// f32 storage serving f64 vectors computes exactly what the f64 matrix of the same values
/// computes, bit for bit, for every form, direction, α/β, single and block products, and
/// `Par`: the values widen exactly and the arithmetic is f64 in both. (The values are
/// multiples of 1/1024 below 1, so they and the duplicate halves `build` splits them into are
/// exact in f32; `x` and `y` are not: their rounding would show any f32 arithmetic.)
#[test]
fn all_types_f32_storage_with_f64_vectors_equals_the_f64_matrix() {
    let mut m = Oracle::random(900, 700, 0.04, 21, false);
    for v in m.a.iter_mut().flatten() {
        *v = (*v * 1024.0).round() / 1024.0;
    }
    let (o32, o64) = (build::<f32, u32>(&m, 3), build::<f64, u32>(&m, 3));
    let (f32s, f64s) = (
        forms::<f32, f64, u32>(&o32, &m),
        forms::<f64, f64, u32>(&o64, &m),
    );
    let mut rng = Rng(5);
    let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    for ((name, a32), (_, a64)) in f32s.iter().zip(&f64s) {
        for transposed in [false, true] {
            let (nx, ny) = if transposed {
                (m.nrows, m.ncols)
            } else {
                (m.ncols, m.nrows)
            };
            for k in [1usize, 3, 8] {
                let x: Vec<f64> = (0..nx * k).map(|_| rng.unit() - 0.5).collect();
                let y0: Vec<f64> = (0..ny * k).map(|_| rng.unit()).collect();
                for (alpha, beta) in [(1.0, 0.0), (0.3, -1.7)] {
                    for par in [Par::Seq, Par::Rayon] {
                        let run = |a: &dyn MatVec<f64>| {
                            let mut y = y0.clone();
                            match (transposed, k) {
                                (false, 1) => a.mul_vec(alpha, &x, beta, &mut y, par),
                                (true, 1) => a.mul_vec_t(alpha, &x, beta, &mut y, par),
                                (false, _) => a.mul_mat(alpha, &x, beta, &mut y, par),
                                (true, _) => a.mul_mat_t(alpha, &x, beta, &mut y, par),
                            }
                            y
                        };
                        assert_eq!(
                            bits(&run(a32.as_ref())),
                            bits(&run(a64.as_ref())),
                            "{name} transposed={transposed} k={k} α={alpha} β={beta} {par:?}"
                        );
                    }
                }
            }
        }
    }
}

fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn all_types_wrong_lengths_panic_naming_both_shapes() {
    let m = Oracle::random(3, 5, 0.5, 1, true);
    let owned = build::<f64, u32>(&m, 2);
    for (name, a) in forms(&owned, &m) {
        let mut y3 = vec![0.0; 3];
        let mut y5 = vec![0.0; 5];
        let msg = panic_message(|| a.mul_vec(1.0, &[0.0; 4], 0.0, &mut y3, Par::Seq));
        assert!(
            msg.contains("3 x 5") && msg.contains("length 4"),
            "{name}: {msg}"
        );
        let msg = panic_message(|| a.mul_vec(1.0, &[0.0; 5], 0.0, &mut y5, Par::Seq));
        assert!(
            msg.contains("y length 3") && msg.contains("y has length 5"),
            "{name}: {msg}"
        );
        let msg = panic_message(|| a.mul_vec_t(1.0, &[0.0; 5], 0.0, &mut y5, Par::Rayon));
        assert!(
            msg.contains("mul_vec_t") && msg.contains("x needs length 3"),
            "{name}: {msg}"
        );
    }
}

#[test]
fn all_types_allocating_helpers_match_products() {
    let m = Oracle::random(20, 30, 0.2, 8, true);
    let owned = build::<f64, u32>(&m, 3);
    let x: Vec<f64> = (0..30).map(|k| (k % 5) as f64).collect();
    let xt: Vec<f64> = (0..20).map(|k| (k % 3) as f64).collect();
    for (name, a) in forms(&owned, &m) {
        assert_eq!(a.matvec(&x), m.apply(false, 1.0, &x, 0.0, &[]), "{name}");
        assert_eq!(a.matvec_t(&xt), m.apply(true, 1.0, &xt, 0.0, &[]), "{name}");
    }
}

#[test]
fn all_types_in_place_scaling_matches_oracle() {
    let m = Oracle::random(12, 9, 0.4, 21, true);
    let dr: Vec<f64> = (0..12).map(|i| (i % 3) as f64 - 1.0).collect();
    let dc: Vec<f64> = (0..9).map(|j| (j % 4) as f64 + 1.0).collect();
    let mut want = m.clone();
    for (i, row) in want.a.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v *= -2.0 * dr[i] * dc[j];
        }
    }
    let mut o = build::<f64, u32>(&m, 1);
    macro_rules! scale_all {
        ($($f:ident),*) => {$(
            o.$f.scale(-2.0);
            o.$f.scale_rows(&dr);
            o.$f.scale_cols(&dc);
        )*};
    }
    scale_all!(coo, csr_into, csc_into, dense_r, dense_c);
    let x: Vec<f64> = (0..9).map(|k| k as f64).collect();
    let expect = want.apply(false, 1.0, &x, 0.0, &[]);
    assert_eq!(o.coo.matvec(&x), expect);
    assert_eq!(o.csr_into.matvec(&x), expect);
    assert_eq!(o.csc_into.matvec(&x), expect);
    assert_eq!(o.dense_r.matvec(&x), expect);
    assert_eq!(o.dense_c.matvec(&x), expect);
    // values_mut: negate through the slice.
    o.csr_into.values_mut().iter_mut().for_each(|v| *v = -*v);
    let neg: Vec<f64> = expect.iter().map(|v| -v).collect();
    assert_eq!(o.csr_into.matvec(&x), neg);
}

#[test]
fn all_types_footprint_counts_arrays() {
    let m = Oracle::random(50, 40, 0.1, 5, true);
    let o = build::<f64, u32>(&m, 9);
    let nnz = o.csr_into.nnz();
    assert_eq!(o.csr_into.data_bytes(), 51 * 8 + nnz * (4 + 8));
    assert_eq!(o.csc_into.data_bytes(), 41 * 8 + nnz * (4 + 8));
    assert_eq!(o.csr_into.view().data_bytes(), o.csr_into.data_bytes());
    assert_eq!(o.csr_into.view().heap_bytes(), 0);
    assert!(o.csr_into.heap_bytes() >= o.csr_into.data_bytes());
    assert_eq!(o.dense_r.data_bytes(), 50 * 40 * 8);
    assert_eq!(o.coo.data_bytes(), o.coo.nnz() * (4 + 4 + 8));
    let bpn = o.csr_into.bytes_per_nnz().unwrap();
    assert!((bpn - (51.0 * 8.0 / nnz as f64 + 12.0)).abs() < 1e-12);
    assert_eq!(Csr::<f64>::zeros(3, 3).bytes_per_nnz(), None);
    let o64 = build::<f64, usize>(&m, 9);
    assert_eq!(o64.csr_into.data_bytes(), 51 * 8 + nnz * (8 + 8));
}

#[test]
fn coo_conversions_sum_duplicates_and_sort() {
    let mut coo = Coo::<f64>::new(3, 4);
    for &(i, j, v) in &[
        (2, 3, 1.0),
        (0, 1, 2.0),
        (2, 0, 3.0),
        (0, 1, 4.0),
        (2, 3, 5.0),
        (1, 2, 0.0),
    ] {
        coo.push(i, j, v);
    }
    for csr in [coo.to_csr(), coo.clone().into_csr()] {
        assert_eq!(csr.row_ptr(), &[0, 1, 2, 4]);
        assert_eq!(csr.col_idx(), &[1, 2, 0, 3]);
        assert_eq!(csr.values(), &[6.0, 0.0, 3.0, 6.0]); // explicit zero kept, as scipy does
    }
    for csc in [coo.to_csc(), coo.clone().into_csc()] {
        assert_eq!(csc.col_ptr(), &[0, 1, 2, 3, 4]);
        assert_eq!(csc.row_idx(), &[2, 0, 1, 2]);
        assert_eq!(csc.values(), &[3.0, 6.0, 0.0, 6.0]);
    }
}

#[test]
fn coo_into_csr_handles_long_unsorted_rows() {
    // Rows much longer than the insertion-sort cutoff, in reverse order, with duplicates.
    let n = 300;
    let mut coo = Coo::<f64, usize>::new(2, n);
    let mut want = vec![0.0; n];
    for j in (0..n).rev() {
        coo.push(1, j, j as f64);
        coo.push(1, (j * 7) % n, 1.0);
        want[j] += j as f64;
        want[(j * 7) % n] += 1.0;
    }
    let a = coo.into_csr();
    let (cols, vals) = a.row(1);
    assert!(cols.windows(2).all(|w| w[0] < w[1]));
    let x: Vec<f64> = (0..n).map(|j| (j % 13) as f64).collect();
    let expect: f64 = want.iter().zip(&x).map(|(a, b)| a * b).sum();
    assert_eq!(a.matvec(&x), vec![0.0, expect]);
    assert_eq!(vals.len(), n);
}

#[test]
fn dense_transpose_views_share_data() {
    let data: Vec<f64> = (0..6).map(f64::from).collect();
    let a = DenseView::row_major(2, 3, &data).unwrap();
    let t = a.transpose();
    assert_eq!((t.nrows(), t.ncols(), t.layout()), (3, 2, Layout::ColMajor));
    assert_eq!(t.data().as_ptr(), data.as_ptr());
    for i in 0..2 {
        for j in 0..3 {
            assert_eq!(a.get(i, j), t.get(j, i));
        }
    }
}

#[test]
fn csr_view_transpose_is_zero_copy() {
    let a = Csr::<f64>::identity(4);
    let v = a.view();
    let t = v.transpose();
    assert_eq!(t.col_ptr().as_ptr(), a.row_ptr().as_ptr());
    assert_eq!(t.row_idx().as_ptr(), a.col_idx().as_ptr());
    assert_eq!(t.values().as_ptr(), a.values().as_ptr());
    assert_eq!(t.transpose(), v);
    let ptr = a.values().as_ptr();
    let c = a.into_transpose();
    assert_eq!(c.values().as_ptr(), ptr);
}

#[test]
fn coo_into_csr_matches_to_csr_on_many_rows() {
    // Enough rows for three radix passes, skewed (R-MAT-like) so buckets differ wildly in size.
    let mut rng = Rng(17);
    for (nrows, ncols, n) in [
        (300_000usize, 5000usize, 400_000usize),
        (70_000, 70_000, 200_000),
        (256, 3, 10_000),
    ] {
        let mut coo = Coo::<f64>::new(nrows, ncols);
        for _ in 0..n {
            let skew = rng.below(nrows).min(rng.below(nrows)).min(rng.below(nrows));
            coo.push(skew, rng.below(ncols), rng.small());
        }
        let copied = coo.to_csr();
        let csc = coo.to_csc();
        let by_cols = coo.clone().into_csc();
        let seq = coo.clone().into_csr_with(Par::Seq);
        let in_place = coo.into_csr();
        assert_eq!(in_place, copied, "{nrows} x {ncols}");
        assert_eq!(seq, copied, "{nrows} x {ncols} (Par::Seq)");
        assert_eq!(by_cols, csc, "{nrows} x {ncols} (CSC)");
        assert_eq!(in_place.to_csc(), csc);
    }
}

#[test]
fn to_f32_reports_the_largest_relative_rounding() {
    let vals = vec![1.0, 0.1, -3.0, 0.0];
    let a = Csr::<f64>::try_new(2, 3, vec![0, 3, 4], vec![0, 1, 2, 1], vals.clone()).unwrap();
    // Computed here independently: 0.1 is the only value f32 does not hold exactly.
    let want = (f64::from(0.1f32) - 0.1).abs() / 0.1;
    assert!(want > 0.0 && want <= f64::from(f32::EPSILON) / 2.0);
    let (csr, e_csr) = a.to_f32();
    assert_eq!(csr.values(), &[1.0f32, 0.1, -3.0, 0.0]);
    assert_eq!(csr.row_ptr(), a.row_ptr());
    assert_eq!(csr.col_idx(), a.col_idx());
    let (csc, e_csc) = a.to_csc().to_f32();
    assert_eq!(csc.to_csr(), csr);
    let coo =
        Coo::<f64>::try_from_triplets(2, 3, vec![0, 0, 0, 1], vec![0, 1, 2, 1], vals).unwrap();
    let (coo32, e_coo) = coo.to_f32();
    assert_eq!(coo32.to_csr(), csr);
    let (dense, e_dense) = a.to_dense(Layout::ColMajor).to_f32();
    assert_eq!(dense, csr.to_dense(Layout::ColMajor));
    for e in [e_csr, e_csc, e_coo, e_dense] {
        assert_eq!(e, want);
    }
    // Overflow is an infinite error; a value below f32's range rounds to 0 (error 1).
    let big = Csr::<f64>::try_new(1, 2, vec![0, 2], vec![0, 1], vec![1e300, 1.0]).unwrap();
    assert_eq!(big.to_f32().1, f64::INFINITY);
    let tiny = Csr::<f64>::try_new(1, 1, vec![0, 1], vec![0], vec![1e-60]).unwrap();
    assert_eq!(tiny.to_f32().1, 1.0);
}

/// A stencil-like oracle: a 9-point pattern on a `g × h` grid (rows and columns are grid
/// points), values drawn by `value`, plus an empty row every 17 rows; the last `extra` columns
/// hold no entries (a rectangular matrix).
fn stencil_oracle(g: usize, h: usize, extra: usize, mut value: impl FnMut() -> f64) -> Oracle {
    let n = g * h;
    let mut a = vec![vec![0.0; n + extra]; n];
    for (r, row) in a.iter_mut().enumerate() {
        if r % 17 == 5 {
            continue;
        }
        let (i, j) = ((r / h) as isize, (r % h) as isize);
        for (di, dj) in [(-1, -1), (-1, 0), (0, -1), (0, 0), (0, 1), (1, 0), (1, 1)] {
            let (ii, jj) = (i + di, j + dj);
            if (0..g as isize).contains(&ii) && (0..h as isize).contains(&jj) {
                row[(ii * h as isize + jj) as usize] = value();
            }
        }
    }
    Oracle {
        nrows: n,
        ncols: n + extra,
        a,
    }
}

fn pattern_of(o: &Oracle) -> (Csr<f64>, PatternCsr<f64>) {
    let mut coo = Coo::<f64>::new(o.nrows, o.ncols);
    for (i, j, v) in o.triplets() {
        coo.push(i, j, v);
    }
    let csr = coo.into_csr();
    let p = PatternCsr::try_from_csr(csr.view()).expect("a stencil fits PatternCsr");
    (csr, p)
}

/// PatternCsr against the dense oracle (small integers: exact) and against the Csr of the
/// same matrix (non-integer values: bit for bit), both directions, every α/β, both `Par`,
/// with f64 and f32 storage; round trip to Csr; footprint.
#[test]
fn pattern_csr_matches_oracle_and_csr_bit_for_bit() {
    let mut rng = Rng(31);
    for (g, h, extra) in [(1, 1, 0), (3, 4, 2), (40, 55, 0), (30, 70, 7)] {
        let exact = stencil_oracle(g, h, extra, || rng.small());
        let (csr, p) = pattern_of(&exact);
        assert_eq!(p.to_csr::<u32>(), csr, "{g}x{h}: round trip");
        assert_eq!(
            (p.nrows(), p.ncols(), p.nnz()),
            (csr.nrows(), csr.ncols(), csr.nnz())
        );
        assert!(p.patterns() <= 9 + 1, "{g}x{h}: {} patterns", p.patterns());
        let ops: [(&str, &dyn MatVec<f64>); 2] = [("PatternCsr", &p), ("Csr", &csr)];
        for transposed in [false, true] {
            let (nx, ny) = if transposed {
                (exact.nrows, exact.ncols)
            } else {
                (exact.ncols, exact.nrows)
            };
            let x: Vec<f64> = (0..nx).map(|_| rng.small()).collect();
            let y0: Vec<f64> = (0..ny).map(|_| rng.small()).collect();
            for &(alpha, beta) in &CASES {
                let want = exact.apply(transposed, alpha, &x, beta, &y0);
                for (name, a) in ops {
                    for par in [Par::Seq, Par::Rayon] {
                        let mut y = if beta == 0.0 {
                            vec![f64::NAN; ny]
                        } else {
                            y0.clone()
                        };
                        if transposed {
                            a.mul_vec_t(alpha, &x, beta, &mut y, par);
                        } else {
                            a.mul_vec(alpha, &x, beta, &mut y, par);
                        }
                        assert_eq!(
                            y, want,
                            "{name} {g}x{h} t={transposed} α={alpha} β={beta} {par:?}"
                        );
                    }
                }
            }
        }
        // Non-integer values: bit for bit with Csr, f64 and f32 storage.
        let real = stencil_oracle(g, h, extra, || rng.unit() - 0.5);
        let (csr, p) = pattern_of(&real);
        let ((csr32, _), (p32, _)) = (csr.to_f32(), p.to_f32());
        let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        for transposed in [false, true] {
            let (nx, ny) = if transposed {
                (real.nrows, real.ncols)
            } else {
                (real.ncols, real.nrows)
            };
            let x: Vec<f64> = (0..nx).map(|_| rng.unit() - 0.5).collect();
            let y0: Vec<f64> = (0..ny).map(|_| rng.unit()).collect();
            for (a, b) in [
                (&p as &dyn MatVec<f64>, &csr as &dyn MatVec<f64>),
                (&p32, &csr32),
            ] {
                for par in [Par::Seq, Par::Rayon] {
                    let run = |m: &dyn MatVec<f64>| {
                        let mut y = y0.clone();
                        if transposed {
                            m.mul_vec_t(0.7, &x, -1.3, &mut y, par);
                        } else {
                            m.mul_vec(0.7, &x, -1.3, &mut y, par);
                        }
                        y
                    };
                    assert_eq!(
                        bits(&run(a)),
                        bits(&run(b)),
                        "{g}x{h} t={transposed} {par:?}"
                    );
                }
            }
        }
        // Bytes: 2 a row, 8 per 64 rows, the values, and a small table.
        let table = p.data_bytes() - 8 * p.nnz() - 2 * p.nrows() - 8 * (p.nrows().div_ceil(64) + 1);
        assert!(
            table <= 4 * (10 + 7 * 10),
            "{g}x{h}: pattern table of {table} bytes"
        );
        assert_eq!(
            p.heap_bytes(),
            p.data_bytes() + (p.heap_bytes() - p.data_bytes())
        );
    }
    // The 2-D Laplacian, the case: under 9 bytes a nonzero with f64 values, under 6
    // with f32.
    let csr = common::poisson_2d(300).into_csr();
    let p = PatternCsr::try_from_csr(csr.view()).unwrap();
    assert_eq!(p.patterns(), 9);
    assert!(p.bytes_per_nnz().unwrap() < 9.0);
    // Large enough for the parallel gather to split (at blocks of 64 rows): bit for bit with
    // Csr under pools of several sizes.
    let x: Vec<f64> = (0..csr.ncols()).map(|_| rng.unit() - 0.5).collect();
    let mut want = vec![0.0; csr.nrows()];
    csr.mul_vec(0.3, &x, 0.0, &mut want, Par::Seq);
    #[cfg(feature = "rayon")]
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut y = vec![f64::NAN; csr.nrows()];
        pool.install(|| p.mul_vec(0.3, &x, 0.0, &mut y, Par::Rayon));
        assert!(
            y.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()),
            "{threads} threads"
        );
    }
    assert!(p.to_f32().0.bytes_per_nnz().unwrap() < 6.0);
}

#[test]
fn pattern_csr_refuses_matrices_without_repeated_patterns() {
    // Random columns: every row its own pattern.
    let m = Oracle::random(3000, 3000, 0.01, 3, false);
    let (csr, _) = {
        let mut coo = Coo::<f64>::new(m.nrows, m.ncols);
        for (i, j, v) in m.triplets() {
            coo.push(i, j, v);
        }
        (coo.into_csr(), ())
    };
    let err = PatternCsr::try_from_csr(csr.view()).unwrap_err();
    assert!(
        matches!(
            err,
            matvec::Error::DoesNotFit {
                format: "PatternCsr",
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("does not fit PatternCsr") && msg.contains("offset"),
        "{msg}"
    );
    // Empty matrices fit (no rows, or rows without entries).
    for (r, c) in [(0, 0), (0, 5), (5, 0), (4, 4)] {
        let p = PatternCsr::try_from_csr(Csr::<f64>::zeros(r, c).view()).unwrap();
        assert_eq!((p.nrows(), p.ncols(), p.nnz()), (r, c, 0));
        let mut y = vec![f64::NAN; r];
        p.mul_vec(1.0, &vec![1.0; c], 0.0, &mut y, Par::Rayon);
        assert!(y.iter().all(|&v| v == 0.0));
        assert_eq!(p.bytes_per_nnz(), None);
    }
}

/// On a matrix whose 8 vectors do not fit the cache but whose columns are skewed, the owned
/// `Csr` runs its block gather with the vectors interleaved in a workspace it keeps: the same
/// bits as 8 separate products, and the workspace shows in `heap_bytes`.
#[test]
fn csr_block_gather_through_its_workspace_is_bit_identical() {
    let (n, per) = (300_000usize, 3usize);
    let mut rng = Rng(12);
    let mut coo = Coo::<f64>::with_capacity(n, n, n * per);
    for r in 0..n {
        for _ in 0..per {
            let c = rng.below(n).min(rng.below(n)).min(rng.below(n)); // skewed to low columns
            coo.push(r, c, rng.unit() - 0.5);
        }
    }
    let a = coo.into_csr();
    let k = 8;
    let x: Vec<f64> = (0..n * k).map(|_| rng.unit() - 0.5).collect();
    let before = a.heap_bytes();
    for par in [Par::Seq, Par::Rayon] {
        let mut want = vec![f64::NAN; n * k];
        for j in 0..k {
            a.mul_vec(
                0.9,
                &x[j * n..(j + 1) * n],
                0.0,
                &mut want[j * n..(j + 1) * n],
                par,
            );
        }
        let mut got = vec![f64::NAN; n * k];
        a.mul_mat(0.9, &x, 0.0, &mut got, par);
        assert!(
            got.iter()
                .zip(&want)
                .all(|(g, w)| g.to_bits() == w.to_bits()),
            "{par:?}"
        );
    }
    assert!(
        a.heap_bytes() >= before + n * 8 * 8,
        "the workspace of 8 interleaved vectors"
    );
    // The CSC's transposed block product is the same gather over the same arrays.
    let c = a.clone().into_transpose();
    let mut got = vec![f64::NAN; n * k];
    c.mul_mat_t(0.9, &x, 0.0, &mut got, Par::Rayon);
    let mut want = vec![f64::NAN; n * k];
    a.mul_mat(0.9, &x, 0.0, &mut want, Par::Rayon);
    assert!(
        got.iter()
            .zip(&want)
            .all(|(g, w)| g.to_bits() == w.to_bits())
    );
}
