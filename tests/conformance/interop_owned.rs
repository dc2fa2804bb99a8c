//! Interop by value and with vectors: owned sprs matrices moved in and out (pointer identity),
//! sprs triplets, sprs sub-views as row blocks, owned ndarray arrays moved or copied into
//! `Dense`, ndarray vectors in products, nalgebra and nalgebra-sparse — each against the
//! dense oracle or the other crate's own product.
#![cfg(all(feature = "sprs", feature = "ndarray", feature = "nalgebra"))]

use super::*;
use matvec::interop::NdarrayProducts;
use matvec::{CscCols, CsrRows, CsrView, DenseView, Error};

fn oracle() -> Oracle {
    Oracle::random(19, 13, 0.3, 21, true)
}

fn probe(n: usize) -> Vec<f64> {
    (0..n).map(|i| (i % 7) as f64 - 3.0).collect()
}

#[test]
fn owned_sprs_matrices_move_in_and_out_without_copies() {
    let o = oracle();
    let mut t = sprs::TriMatI::<f64, u32>::new((o.nrows, o.ncols));
    for (i, j, v) in o.triplets() {
        // Split every value in two triplets: duplicates, summed on conversion.
        t.add_triplet(i, j, v - 0.5);
        t.add_triplet(i, j, 0.5);
    }
    let x = probe(o.ncols);
    let want = o.apply(false, 1.0, &x, 0.0, &vec![0.0; o.nrows]);
    // TriMat -> Coo (copied) -> Csr.
    let coo = Coo::from_sprs(&t).unwrap();
    assert_eq!(coo.nnz(), 2 * o.triplets().len());
    assert_eq!(coo.clone().into_csr().matvec(&x), want);
    // Owned CSR: moved in and back out.
    let s: sprs::CsMatI<f64, u32, usize> = t.to_csr();
    let ptr = s.data().as_ptr();
    let a = Csr::from_sprs_owned(s).unwrap();
    assert_eq!((a.values().as_ptr(), a.matvec(&x)), (ptr, want.clone()));
    let back = a.into_sprs();
    assert_eq!(back.data().as_ptr(), ptr);
    // Owned CSC likewise; the wrong storage order is refused.
    let s: sprs::CsMatI<f64, u32, usize> = t.to_csc();
    assert!(matches!(
        Csr::from_sprs_owned(s.clone()),
        Err(Error::Layout(_))
    ));
    let ptr = s.data().as_ptr();
    let c = Csc::from_sprs_owned(s).unwrap();
    assert_eq!((c.values().as_ptr(), c.matvec(&x)), (ptr, want.clone()));
    assert_eq!(c.into_sprs().data().as_ptr(), ptr);
}

#[test]
fn sprs_sub_views_become_row_blocks() {
    let o = oracle();
    let mut t = sprs::TriMatI::<f64, u32>::new((o.nrows, o.ncols));
    for (i, j, v) in o.triplets() {
        t.add_triplet(i, j, v);
    }
    let s: sprs::CsMatI<f64, u32, usize> = t.to_csr();
    let ours = Csr::from_sprs_owned(s.clone()).unwrap();
    for (a, b) in [(0, 19), (3, 9), (7, 8), (12, 12), (18, 19)] {
        let sub = s.slice_outer(a..b);
        let block = CsrRows::from_sprs(sub).unwrap();
        assert_eq!(block.view().values().as_ptr(), sub.data().as_ptr());
        let x = probe(o.ncols);
        assert_eq!(
            block.matvec(&x),
            ours.rows(a..b).matvec(&x),
            "rows {a}..{b}"
        );
        // The view itself still refuses it when its offsets do not start at 0.
        let direct = CsrView::from_sprs(sub);
        // (It works exactly when the sub-view's raw offsets start at 0.)
        assert_eq!(direct.is_ok(), ours.row_ptr()[a] == 0, "rows {a}..{b}");
        if let Err(e) = direct {
            assert!(e.to_string().contains("CsrRows::from_sprs"), "{e}");
        }
    }
    assert!(CsrRows::from_sprs(s.to_csc().view()).is_err());
    // Columns of a CSC matrix, likewise.
    let sc = s.to_csc();
    let ours_c = Csc::from_sprs_owned(sc.clone()).unwrap();
    for (a, b) in [(0, 13), (2, 7), (12, 13), (5, 5)] {
        let block = CscCols::from_sprs(sc.slice_outer(a..b)).unwrap();
        let x = probe(b - a);
        assert_eq!(
            block.matvec(&x),
            ours_c.cols(a..b).matvec(&x),
            "columns {a}..{b}"
        );
    }
    assert!(CscCols::from_sprs(s.view()).is_err());
}

#[test]
fn owned_ndarray_arrays_move_or_copy_into_dense() {
    use ndarray::{Array2, ShapeBuilder, s};
    let o = oracle();
    let x = probe(o.ncols);
    let want = o.apply(false, 1.0, &x, 0.0, &vec![0.0; o.nrows]);
    let c = Array2::from_shape_fn((o.nrows, o.ncols), |(i, j)| o.a[i][j]);
    let f = Array2::from_shape_fn((o.nrows, o.ncols).f(), |(i, j)| o.a[i][j]);
    for (name, arr, layout) in [
        ("C", c.clone(), Layout::RowMajor),
        ("F", f, Layout::ColMajor),
    ] {
        let ptr = arr.as_ptr();
        let d = Dense::from(arr);
        assert_eq!(
            (d.layout(), d.data().as_ptr()),
            (layout, ptr),
            "{name}: moved"
        );
        assert_eq!(d.matvec(&x), want, "{name}");
    }
    // A window of columns (not contiguous) and a window of rows (contiguous, offset) copy.
    let cols = c.clone().slice_move(s![.., 2..9]);
    let d = Dense::from_ndarray(cols.clone());
    assert_eq!(d.view().to_ndarray(), cols.view());
    let rows = c.clone().slice_move(s![4..10, ..]);
    let d = Dense::from_ndarray(rows.clone());
    assert_eq!(
        (d.layout(), d.view().to_ndarray()),
        (Layout::RowMajor, rows.view())
    );
    let rev = c.clone().slice_move(s![..;-1, ..]);
    assert_eq!(
        Dense::from_ndarray(rev.clone()).view().to_ndarray(),
        rev.view()
    );
}

#[test]
fn ndarray_vectors_in_products_in_place_or_an_error() {
    let o = oracle();
    let a: Csr<f64> = {
        let mut c = Coo::<f64>::new(o.nrows, o.ncols);
        for (i, j, v) in o.triplets() {
            c.push(i, j, v);
        }
        c.into_csr()
    };
    let x = ndarray::Array1::from(probe(o.ncols));
    let mut y = ndarray::Array1::<f64>::from_elem(o.nrows, 1.0);
    let yp = y.as_ptr();
    a.mul_ndarray(2.0, x.view(), 3.0, y.view_mut(), Par::Rayon)
        .unwrap();
    let want = o.apply(false, 2.0, x.as_slice().unwrap(), 3.0, &vec![1.0; o.nrows]);
    assert_eq!((y.as_ptr(), y.to_vec()), (yp, want));
    let xt = ndarray::Array1::from(probe(o.nrows));
    let mut yt = ndarray::Array1::<f64>::zeros(o.ncols);
    let dynamic: &dyn MatVec<f64> = &a;
    dynamic
        .mul_ndarray_t(1.0, xt.view(), 0.0, yt.view_mut(), Par::Seq)
        .unwrap();
    assert_eq!(
        yt.to_vec(),
        o.apply(true, 1.0, xt.as_slice().unwrap(), 0.0, &vec![0.0; o.ncols])
    );
    // A column of a C-order matrix has stride ncols: refused, naming the stride.
    let m = ndarray::Array2::<f64>::zeros((o.ncols, 3));
    let err = a
        .mul_ndarray(1.0, m.column(0), 0.0, y.view_mut(), Par::Seq)
        .unwrap_err();
    assert!(err.to_string().contains("stride 3"), "{err}");
    let mut wide = ndarray::Array2::<f64>::zeros((o.nrows, 2));
    let err = a
        .mul_ndarray(1.0, x.view(), 0.0, wide.column_mut(1), Par::Seq)
        .unwrap_err();
    assert!(err.to_string().contains("y has stride 2"), "{err}");
}

#[test]
fn nalgebra_matrices_and_vectors_work_in_place() {
    let o = oracle();
    let m = nalgebra::DMatrix::<f64>::from_fn(o.nrows, o.ncols, |i, j| o.a[i][j]);
    let x = nalgebra::DVector::<f64>::from_vec(probe(o.ncols));
    let want = &m * &x;
    let v = DenseView::from_nalgebra(&m);
    assert_eq!(v.data().as_ptr(), m.as_slice().as_ptr());
    let mut y = nalgebra::DVector::<f64>::zeros(o.nrows);
    v.mul_vec(1.0, x.as_slice(), 0.0, y.as_mut_slice(), Par::Rayon);
    assert_eq!(y, want);
    // Views back into nalgebra, both layouts, element by element.
    let rm = Dense::try_new(o.nrows, o.ncols, Layout::RowMajor, o.row_major()).unwrap();
    for d in [rm.view(), v] {
        let n = d.to_nalgebra();
        assert_eq!(n.shape(), (o.nrows, o.ncols));
        assert!((0..o.nrows).all(|i| (0..o.ncols).all(|j| n[(i, j)] == o.a[i][j])));
    }
    let ptr = m.as_slice().as_ptr();
    let d = Dense::from_nalgebra(m);
    assert_eq!(d.data().as_ptr(), ptr);

    // nalgebra-sparse: viewed, moved in, moved out; its own product is the reference.
    let mut coo = nalgebra_sparse::CooMatrix::<f64>::new(o.nrows, o.ncols);
    for (i, j, val) in o.triplets() {
        coo.push(i, j, val);
    }
    let csr = nalgebra_sparse::CsrMatrix::from(&coo);
    let want = &csr * &x;
    let view = CsrView::from_nalgebra(&csr).unwrap();
    assert_eq!(view.values().as_ptr(), csr.values().as_ptr());
    assert_eq!(view.matvec(x.as_slice()), want.as_slice());
    let ptr = csr.values().as_ptr();
    let owned = Csr::from_nalgebra(csr).unwrap();
    assert_eq!(owned.values().as_ptr(), ptr);
    let back = owned.into_nalgebra();
    assert_eq!((back.values().as_ptr(), (&back * &x)), (ptr, want));
}
