//! Zero-copy interop with sprs and ndarray: pointer identity, round trips, products against
//! the other crate's own, and the layouts that must be refused.
//!
//! Run with `cargo test --features sprs,ndarray --test interop`.
#![cfg(all(feature = "sprs", feature = "ndarray"))]

use matvec::{
    Csc, CscView, Csr, CsrView, Dense, DenseView, Error, Index, Layout, MatVec, Par, StructureError,
};

/// The sparsity pattern of the test matrices: about a third of the entries, with row 2 and
/// column 1 empty.
fn stored(i: usize, j: usize) -> bool {
    i != 2 && j != 1 && (i * 7 + j * 3).is_multiple_of(3)
}

/// A small integer-valued test matrix (`nrows × ncols`), as dense rows: every product below
/// is exact. Stored values are in -4..=4, so some are explicit zeros.
fn dense_rows(nrows: usize, ncols: usize) -> Vec<Vec<f64>> {
    (0..nrows)
        .map(|i| {
            (0..ncols)
                .map(|j| {
                    if stored(i, j) {
                        ((i * 5 + j) % 9) as f64 - 4.0
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect()
}

/// CSR arrays of `rows` (every entry selected by the pattern is stored, explicit zeros too).
fn csr_parts<I: Index>(rows: &[Vec<f64>]) -> (Vec<usize>, Vec<I>, Vec<f64>) {
    let mut ptr = vec![0];
    let (mut idx, mut val) = (Vec::new(), Vec::new());
    for (i, row) in rows.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if stored(i, j) {
                idx.push(I::try_from_index(j).unwrap());
                val.push(v);
            }
        }
        ptr.push(idx.len());
    }
    (ptr, idx, val)
}

fn transpose(rows: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let ncols = rows.first().map_or(0, Vec::len);
    (0..ncols)
        .map(|j| rows.iter().map(|r| r[j]).collect())
        .collect()
}

fn x_for(n: usize) -> Vec<f64> {
    (0..n).map(|k| (k % 5) as f64 - 2.0).collect()
}

// ---------------------------------------------------------------------------------------
// sprs
// ---------------------------------------------------------------------------------------

#[test]
fn sprs_csr_view_is_zero_copy() {
    let (ptr, idx, val) = csr_parts::<u32>(&dense_rows(6, 5));
    let a = CsrView::try_new(6, 5, &ptr, &idx, &val).unwrap();
    let s: sprs::CsMatViewI<'_, f64, u32, usize> = a.into();
    assert!(s.is_csr());
    assert_eq!(s.shape(), (6, 5));
    assert_eq!(s.indptr().raw_storage().as_ptr(), ptr.as_ptr());
    assert_eq!(s.indices().as_ptr(), idx.as_ptr());
    assert_eq!(s.data().as_ptr(), val.as_ptr());
    assert_eq!(s.nnz(), val.len());
}

#[test]
fn sprs_csc_view_is_zero_copy() {
    // The CSR arrays of A (6 × 5) are the CSC arrays of Aᵀ (5 × 6).
    let (ptr, idx, val) = csr_parts::<usize>(&dense_rows(6, 5));
    let a = CscView::try_new(5, 6, &ptr, &idx, &val).unwrap();
    let s = a.to_sprs();
    assert!(s.is_csc());
    assert_eq!(s.shape(), (5, 6));
    assert_eq!(s.indptr().raw_storage().as_ptr(), ptr.as_ptr());
    assert_eq!(s.indices().as_ptr(), idx.as_ptr());
    assert_eq!(s.data().as_ptr(), val.as_ptr());
}

#[test]
fn sprs_csr_from_sprs_is_zero_copy() {
    let (ptr, idx, val) = csr_parts::<u32>(&dense_rows(6, 5));
    let s = sprs::CsMatI::<f64, u32, usize>::new((6, 5), ptr, idx, val);
    let a = CsrView::try_from(s.view()).unwrap();
    assert_eq!((a.nrows(), a.ncols(), a.nnz()), (6, 5, s.nnz()));
    assert_eq!(a.row_ptr().as_ptr(), s.indptr().raw_storage().as_ptr());
    assert_eq!(a.col_idx().as_ptr(), s.indices().as_ptr());
    assert_eq!(a.values().as_ptr(), s.data().as_ptr());
}

#[test]
fn sprs_csc_from_sprs_is_zero_copy() {
    let (ptr, idx, val) = csr_parts::<usize>(&dense_rows(6, 5));
    let s = sprs::CsMat::<f64>::new_csc((5, 6), ptr, idx, val);
    let a = CscView::from_sprs(s.view()).unwrap();
    assert_eq!((a.nrows(), a.ncols(), a.nnz()), (5, 6, s.nnz()));
    assert_eq!(a.col_ptr().as_ptr(), s.indptr().raw_storage().as_ptr());
    assert_eq!(a.row_idx().as_ptr(), s.indices().as_ptr());
    assert_eq!(a.values().as_ptr(), s.data().as_ptr());
}

#[test]
fn sprs_csr_round_trip_keeps_slices() {
    let (ptr, idx, val) = csr_parts::<u32>(&dense_rows(7, 4));
    let a = CsrView::try_new(7, 4, &ptr, &idx, &val).unwrap();
    let b = CsrView::from_sprs(a.to_sprs()).unwrap();
    assert_eq!(a, b);
    assert_eq!(b.row_ptr().as_ptr(), ptr.as_ptr());
    assert_eq!(b.col_idx().as_ptr(), idx.as_ptr());
    assert_eq!(b.values().as_ptr(), val.as_ptr());
}

#[test]
fn sprs_csc_round_trip_keeps_slices() {
    let owned =
        Csc::<f64>::try_new(3, 3, vec![0, 2, 2, 3], vec![0, 2, 1], vec![1., 2., 3.]).unwrap();
    let a = owned.view();
    let b = CscView::try_from(sprs::CsMatViewI::from(a)).unwrap();
    assert_eq!(a, b);
    assert_eq!(b.col_ptr().as_ptr(), owned.col_ptr().as_ptr());
    assert_eq!(b.row_idx().as_ptr(), owned.row_idx().as_ptr());
    assert_eq!(b.values().as_ptr(), owned.values().as_ptr());
}

#[test]
fn sprs_csr_product_matches_sprs() {
    let rows = dense_rows(9, 7);
    let (ptr, idx, val) = csr_parts::<u32>(&rows);
    let s = sprs::CsMatI::<f64, u32, usize>::new((9, 7), ptr, idx, val);
    let a = CsrView::from_sprs(s.view()).unwrap();

    // A·x
    let x = x_for(7);
    let mut want = vec![0.0; 9];
    sprs::prod::mul_acc_mat_vec_csr(s.view(), &x[..], &mut want[..]);
    for par in [Par::Seq, Par::Rayon] {
        let mut y = vec![f64::NAN; 9];
        a.mul_vec(1.0, &x, 0.0, &mut y, par);
        assert_eq!(y, want, "{par:?}");
    }
    // Aᵀ·x, against sprs's transpose view (CSC of Aᵀ).
    let xt = x_for(9);
    let mut want_t = vec![0.0; 7];
    sprs::prod::mul_acc_mat_vec_csc(s.transpose_view(), &xt[..], &mut want_t[..]);
    let mut yt = vec![f64::NAN; 7];
    a.mul_vec_t(1.0, &xt, 0.0, &mut yt, Par::Rayon);
    assert_eq!(yt, want_t);
    // And both against the dense rows, so the oracle is not sprs alone.
    let dense: Vec<f64> = rows
        .iter()
        .map(|r| r.iter().zip(&x).map(|(a, b)| a * b).sum())
        .collect();
    assert_eq!(want, dense);
}

#[test]
fn sprs_csc_product_matches_sprs() {
    // Aᵀ of the 9 × 7 matrix, stored CSC: 7 × 9.
    let rows = dense_rows(9, 7);
    let (ptr, idx, val) = csr_parts::<usize>(&rows);
    let s = sprs::CsMat::<f64>::new_csc((7, 9), ptr, idx, val);
    let a = CscView::from_sprs(s.view()).unwrap();

    let x = x_for(9);
    let mut want = vec![0.0; 7];
    sprs::prod::mul_acc_mat_vec_csc(s.view(), &x[..], &mut want[..]);
    for par in [Par::Seq, Par::Rayon] {
        let mut y = vec![f64::NAN; 7];
        a.mul_vec(1.0, &x, 0.0, &mut y, par);
        assert_eq!(y, want, "{par:?}");
    }
    let dense: Vec<f64> = transpose(&rows)
        .iter()
        .map(|r| r.iter().zip(&x).map(|(a, b)| a * b).sum())
        .collect();
    assert_eq!(want, dense);

    // `&A * x` with ndarray vectors, the operator sprs users write.
    let xa = ndarray::Array1::from(x.clone());
    let prod = &s * &xa;
    let mut y = vec![0.0; 7];
    a.mul_vec(1.0, &x, 0.0, &mut y, Par::Seq);
    assert_eq!(prod.to_vec(), y);
}

#[test]
fn sprs_csr_f32_product_matches_sprs() {
    let s = sprs::CsMatI::<f32, u32, usize>::new(
        (2, 3),
        vec![0, 2, 3],
        vec![0, 2, 1],
        vec![1.0, -2.0, 3.0],
    );
    let a = CsrView::from_sprs(s.view()).unwrap();
    let x = [1.0f32, 2.0, 3.0];
    let mut want = [0.0f32; 2];
    sprs::prod::mul_acc_mat_vec_csr(s.view(), &x[..], &mut want[..]);
    assert_eq!(a.matvec(&x), want.to_vec());
}

#[test]
fn sprs_csr_rejects_csc_storage() {
    let s = sprs::CsMat::<f64>::eye_csc(3);
    let err = CsrView::<f64, usize>::try_from(s.view()).unwrap_err();
    let Error::Layout(msg) = &err else {
        panic!("expected Error::Layout, got {err:?}")
    };
    assert!(msg.contains("stored as CSC, not CSR"), "{msg}");
}

#[test]
fn sprs_csc_rejects_csr_storage() {
    let s = sprs::CsMat::<f64>::eye(3);
    let err = CscView::<f64, usize>::from_sprs(s.view()).unwrap_err();
    let Error::Layout(msg) = &err else {
        panic!("expected Error::Layout, got {err:?}")
    };
    assert!(msg.contains("stored as CSR, not CSC"), "{msg}");
}

#[test]
fn sprs_csr_rejects_offset_sub_view() {
    let (ptr, idx, val) = csr_parts::<usize>(&dense_rows(6, 5));
    let s = sprs::CsMat::<f64>::new((6, 5), ptr, idx, val);
    let sub = s.slice_outer(3..5);
    assert_ne!(
        sub.indptr().raw_storage()[0],
        0,
        "test needs a row before 3 to be nonempty"
    );
    let err = CsrView::from_sprs(sub).unwrap_err();
    let Error::Layout(msg) = &err else {
        panic!("expected Error::Layout, got {err:?}")
    };
    assert!(msg.contains("offsets starting at"), "{msg}");
    assert!(msg.contains("slice_outer"), "{msg}");
}

#[test]
fn sprs_csr_accepts_prefix_sub_view() {
    // A sub-view starting at row 0 has offsets starting at 0: zero-copy works.
    let rows = dense_rows(6, 5);
    let (ptr, idx, val) = csr_parts::<usize>(&rows);
    let s = sprs::CsMat::<f64>::new((6, 5), ptr, idx, val);
    let sub = s.slice_outer(0..4);
    let a = CsrView::from_sprs(sub).unwrap();
    assert_eq!((a.nrows(), a.ncols()), (4, 5));
    assert_eq!(a.values().as_ptr(), s.data().as_ptr());
    let x = x_for(5);
    let want: Vec<f64> = rows[..4]
        .iter()
        .map(|r| r.iter().zip(&x).map(|(a, b)| a * b).sum())
        .collect();
    assert_eq!(a.matvec(&x), want);
}

#[test]
fn sprs_csr_rejects_unsorted_indices() {
    let (ptr, idx, val) = ([0usize, 2, 3], [2u32, 0, 1], [1.0f64, 2.0, 3.0]);
    // SAFETY: deliberately invalid for sprs (row 0 unsorted) to test our validation; no sprs
    // algorithm is run on it, it is only taken apart again.
    let s = unsafe {
        sprs::CsMatViewI::<f64, u32, usize>::new_unchecked(
            sprs::CompressedStorage::CSR,
            (2, 3),
            &ptr[..],
            &idx[..],
            &val[..],
        )
    };
    let err = CsrView::from_sprs(s).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Structure {
                format: "CSR",
                problem: StructureError::NotIncreasing {
                    outer: 0,
                    position: 1,
                    previous: 2,
                    index: 0
                }
            }
        ),
        "{err:?}"
    );
}

#[test]
fn sprs_csc_rejects_index_out_of_range() {
    let (ptr, idx, val) = ([0usize, 1, 2], [0usize, 5], [1.0f64, 2.0]);
    // SAFETY: deliberately invalid for sprs (row index 5 in a 3-row matrix) to test our
    // validation; no sprs algorithm is run on it.
    let s = unsafe {
        sprs::CsMatView::<f64>::new_unchecked(
            sprs::CompressedStorage::CSC,
            (3, 2),
            &ptr[..],
            &idx[..],
            &val[..],
        )
    };
    let err = CscView::from_sprs(s).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Structure {
                format: "CSC",
                problem: StructureError::IndexOutOfRange {
                    outer: Some(1),
                    index: 5,
                    bound: 3,
                    ..
                }
            }
        ),
        "{err:?}"
    );
}

#[test]
fn sprs_csr_empty_round_trip() {
    let a = Csr::<f64>::zeros(0, 0);
    let s = a.view().to_sprs();
    assert_eq!((s.shape(), s.nnz()), ((0, 0), 0));
    let b = CsrView::from_sprs(s).unwrap();
    assert_eq!(b, a.view());

    let a = Csr::<f64>::zeros(3, 4);
    let b = CsrView::from_sprs(a.view().to_sprs()).unwrap();
    assert_eq!(b.matvec(&[1.0; 4]), vec![0.0; 3]);
}

// ---------------------------------------------------------------------------------------
// ndarray
// ---------------------------------------------------------------------------------------

use ndarray::{Array2, ArrayView2, ShapeBuilder, s};

/// The 9 × 7 test matrix as an ndarray, in C or Fortran order.
fn nd_matrix(fortran: bool) -> Array2<f64> {
    let rows = dense_rows(9, 7);
    let shape = (9, 7);
    let mut a = if fortran {
        Array2::zeros(shape.f())
    } else {
        Array2::zeros(shape)
    };
    for ((i, j), v) in a.indexed_iter_mut() {
        *v = rows[i][j];
    }
    a
}

fn layout_msg(err: Error) -> String {
    match err {
        Error::Layout(msg) => msg,
        other => panic!("expected Error::Layout, got {other:?}"),
    }
}

#[test]
fn ndarray_row_major_view_is_zero_copy() {
    let a = nd_matrix(false);
    let v = DenseView::try_from(a.view()).unwrap();
    assert_eq!(v.layout(), Layout::RowMajor);
    assert_eq!((v.nrows(), v.ncols()), (9, 7));
    assert_eq!(v.data().as_ptr(), a.as_ptr());
    assert_eq!(v.get(3, 0), a[[3, 0]]);
}

#[test]
fn ndarray_col_major_view_is_zero_copy() {
    let a = nd_matrix(true);
    let v = DenseView::from_ndarray(a.view()).unwrap();
    assert_eq!(v.layout(), Layout::ColMajor);
    assert_eq!((v.nrows(), v.ncols()), (9, 7));
    assert_eq!(v.data().as_ptr(), a.as_ptr());
    for ((i, j), &x) in a.indexed_iter() {
        assert_eq!(v.get(i, j), x);
    }
}

#[test]
fn ndarray_to_ndarray_is_zero_copy() {
    let data: Vec<f64> = (0..12).map(f64::from).collect();
    for layout in [Layout::RowMajor, Layout::ColMajor] {
        let v = DenseView::try_new(3, 4, layout, &data).unwrap();
        let a: ArrayView2<'_, f64> = v.into();
        assert_eq!(a.dim(), (3, 4));
        assert_eq!(a.as_ptr(), data.as_ptr(), "{layout:?}");
        assert_eq!(a.is_standard_layout(), layout == Layout::RowMajor);
        assert_eq!(a.t().is_standard_layout(), layout == Layout::ColMajor);
        for i in 0..3 {
            for j in 0..4 {
                assert_eq!(a[[i, j]], v.get(i, j));
            }
        }
    }
}

#[test]
fn ndarray_round_trip_keeps_layout_and_memory() {
    let data: Vec<f64> = (0..6).map(f64::from).collect();
    for layout in [Layout::RowMajor, Layout::ColMajor] {
        let v = DenseView::try_new(2, 3, layout, &data).unwrap();
        let w = DenseView::from_ndarray(v.to_ndarray()).unwrap();
        assert_eq!(w, v);
        assert_eq!(w.data().as_ptr(), data.as_ptr());
    }
    // And from the ndarray side: an ndarray view, through matvec, back to the same view.
    let a = nd_matrix(true);
    let back = DenseView::from_ndarray(a.view()).unwrap().to_ndarray();
    assert_eq!(back, a.view());
    assert_eq!(back.strides(), a.strides());
    assert_eq!(back.as_ptr(), a.as_ptr());
}

#[test]
fn ndarray_product_matches_dot() {
    for fortran in [false, true] {
        let a = nd_matrix(fortran);
        let v = DenseView::from_ndarray(a.view()).unwrap();
        let x = x_for(7);
        let want = a.dot(&ndarray::Array1::from(x.clone()));
        for par in [Par::Seq, Par::Rayon] {
            let mut y = vec![f64::NAN; 9];
            v.mul_vec(1.0, &x, 0.0, &mut y, par);
            assert_eq!(y, want.to_vec(), "fortran = {fortran}, {par:?}");
        }
        let xt = x_for(9);
        let want_t = a.t().dot(&ndarray::Array1::from(xt.clone()));
        let mut yt = vec![f64::NAN; 7];
        v.mul_vec_t(1.0, &xt, 0.0, &mut yt, Par::Rayon);
        assert_eq!(yt, want_t.to_vec(), "fortran = {fortran}");
    }
}

#[test]
fn ndarray_f32_product_matches_dot() {
    let a = ndarray::array![[1.0f32, -2.0], [0.0, 3.0], [4.0, 1.0]];
    let v = DenseView::from_ndarray(a.view()).unwrap();
    let x = [2.0f32, -1.0];
    assert_eq!(v.matvec(&x), a.dot(&ndarray::arr1(&x)).to_vec());
}

#[test]
fn ndarray_strided_view_is_rejected() {
    let a = nd_matrix(false);
    let msg = layout_msg(DenseView::from_ndarray(a.slice(s![..;2, ..])).unwrap_err());
    assert!(msg.contains("shape (5, 7)"), "{msg}");
    assert!(msg.contains("strides [14, 1]"), "{msg}");
    assert!(msg.contains("as_standard_layout"), "{msg}");
}

#[test]
fn ndarray_negative_strides_are_rejected() {
    let a = nd_matrix(false);
    let msg = layout_msg(DenseView::from_ndarray(a.slice(s![..;-1, ..])).unwrap_err());
    assert!(msg.contains("strides [-7, 1]"), "{msg}");
    let msg = layout_msg(DenseView::from_ndarray(a.slice(s![.., ..;-1])).unwrap_err());
    assert!(msg.contains("strides [7, -1]"), "{msg}");
}

#[test]
fn ndarray_column_window_is_rejected() {
    // Columns 1..3 of a C-order 9 × 7 array: rows are contiguous but not adjacent.
    let a = nd_matrix(false);
    let msg = layout_msg(DenseView::from_ndarray(a.slice(s![.., 1..3])).unwrap_err());
    assert!(msg.contains("shape (9, 2)"), "{msg}");
    assert!(msg.contains("strides [7, 1]"), "{msg}");
}

#[test]
fn ndarray_row_window_is_zero_copy() {
    // Rows 2..5 of a C-order array are one contiguous block.
    let a = nd_matrix(false);
    let v = DenseView::from_ndarray(a.slice(s![2..5, ..])).unwrap();
    assert_eq!((v.nrows(), v.ncols(), v.layout()), (3, 7, Layout::RowMajor));
    assert_eq!(v.data().as_ptr(), a.row(2).as_ptr());
}

#[test]
fn ndarray_degenerate_shapes_are_row_major() {
    let data = [1.0f64, 2.0, 3.0];
    let row = ArrayView2::from_shape((1, 3), &data[..]).unwrap();
    let col = ArrayView2::from_shape((3, 1).f(), &data[..]).unwrap();
    for a in [row, col] {
        let v = DenseView::from_ndarray(a).unwrap();
        assert_eq!(v.layout(), Layout::RowMajor);
        assert_eq!(v.data().as_ptr(), data.as_ptr());
        assert_eq!(v.to_ndarray(), a);
    }
    let empty = Array2::<f64>::zeros((0, 4));
    let v = DenseView::from_ndarray(empty.view()).unwrap();
    assert_eq!((v.nrows(), v.ncols(), v.data().len()), (0, 4, 0));
    assert_eq!(v.matvec(&[1.0; 4]), Vec::<f64>::new());
}

#[test]
fn ndarray_dense_into_ndarray_is_zero_copy() {
    for layout in [Layout::RowMajor, Layout::ColMajor] {
        let mut d = Dense::<f64>::zeros(3, 2, layout);
        d.set(2, 1, 5.0);
        d.set(0, 1, -1.0);
        let want = ndarray::array![[0.0, -1.0], [0.0, 0.0], [0.0, 5.0]];
        let ptr = d.data().as_ptr();
        let a = Array2::from(d);
        assert_eq!(a, want, "{layout:?}");
        assert_eq!(a.as_ptr(), ptr, "{layout:?}");
        assert_eq!(a.is_standard_layout(), layout == Layout::RowMajor);
    }
}
