//! Conversions between the formats, views and precisions.

use super::*;

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
    let mut rng = Rng::new(17);
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
