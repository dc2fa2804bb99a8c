//! The faer bridge: `FaerOp` products against our own (one contiguous column, a strided
//! column, several columns of a padded faer `Mat`, both directions, on in-memory and mapped
//! matrices), and the zero-copy views in both directions with pointer identity and the
//! layouts that must be refused.
#![cfg(feature = "faer")]

use super::*;
use ::faer::dyn_stack::{MemBuffer, MemStack};
use ::faer::matrix_free::BiLinOp;
use ::faer::sparse::{SparseColMatRef, SparseRowMat, SymbolicSparseRowMatRef};
use ::faer::{Mat, MatMut, MatRef};
use matvec::interop::FaerOp;
use matvec::{CscView, CsrView, MmapDense};

/// `op(A)·X` through faer's traits, for the columns of `x`.
fn through_faer(op: &(impl BiLinOp<f64> + ?Sized), x: MatRef<'_, f64>, t: bool) -> Mat<f64> {
    let rows = if t { op.ncols() } else { op.nrows() };
    let mut out = Mat::<f64>::from_fn(rows, x.ncols(), |_, _| f64::NAN);
    let par = ::faer::Par::Seq;
    let req = if t {
        op.transpose_apply_scratch(x.ncols(), par)
    } else {
        op.apply_scratch(x.ncols(), par)
    };
    let mut mem = MemBuffer::new(req);
    let stack = MemStack::new(&mut mem);
    if t {
        op.transpose_apply(out.as_mut(), x, par, stack);
    } else {
        op.apply(out.as_mut(), x, par, stack);
    }
    out
}

/// Checks `FaerOp(a)` against `a`'s own products for 1 and 3 columns, contiguous and strided.
fn check_adapter(name: &str, a: &(dyn MatVec<f64> + Sync), o: &Oracle) {
    let op = FaerOp::new(a);
    let mut rng = Rng::new(5);
    for t in [false, true] {
        let n_in = if t { o.nrows } else { o.ncols };
        // Three columns of a faer Mat (its columns are padded: not one contiguous block).
        let x = Mat::<f64>::from_fn(n_in, 3, |_, _| rng.small());
        let got = through_faer(&op, x.as_ref(), t);
        for j in 0..3 {
            let xj: Vec<f64> = (0..n_in).map(|i| x[(i, j)]).collect();
            let want = o.apply(
                t,
                1.0,
                &xj,
                0.0,
                &vec![0.0; if t { o.ncols } else { o.nrows }],
            );
            let col: Vec<f64> = (0..want.len()).map(|i| got[(i, j)]).collect();
            assert_eq!(col, want, "{name} transposed={t} column {j} of 3");
        }
        // One contiguous column, and one strided column (a row of a matrix, transposed).
        let one = Mat::<f64>::from_fn(n_in, 1, |i, _| x[(i, 1)]);
        let wide = Mat::<f64>::from_fn(2, n_in, |_, i| x[(i, 1)]);
        let strided = wide.as_ref().row(1).transpose().as_mat();
        for (what, xv) in [("contiguous", one.as_ref()), ("strided", strided)] {
            let got = through_faer(&op, xv, t);
            let xj: Vec<f64> = (0..n_in).map(|i| x[(i, 1)]).collect();
            let want = o.apply(
                t,
                1.0,
                &xj,
                0.0,
                &vec![0.0; if t { o.ncols } else { o.nrows }],
            );
            let col: Vec<f64> = (0..want.len()).map(|i| got[(i, 0)]).collect();
            assert_eq!(col, want, "{name} transposed={t} {what} column");
        }
    }
}

#[test]
fn faer_op_products_match_ours_on_every_kind_of_operator() {
    let o = Oracle::random(37, 23, 0.3, 11, true);
    let csr: Csr<f64> = coo_of(&o).into_csr();
    let csc: Csc<f64> = coo_of(&o).into_csc();
    let dense = Dense::try_new(o.nrows, o.ncols, Layout::ColMajor, o.col_major()).unwrap();
    let dir = common::TempDir::new("faer-op");
    let path = dir.join("a.npy");
    matvec::io::npy::write_dense(&path, dense.view()).unwrap();
    // SAFETY: the test's own file, not modified while mapped.
    let mapped = unsafe { MmapDense::<f64>::open(&path) }
        .unwrap()
        .with_budget(256);
    check_adapter("csr", &csr, &o);
    check_adapter("csc", &csc, &o);
    check_adapter("dense", &dense, &o);
    check_adapter("mmap", &mapped, &o);
}

fn coo_of(o: &Oracle) -> Coo<f64, u32> {
    let mut c = Coo::<f64>::new(o.nrows, o.ncols);
    for (i, j, v) in o.triplets() {
        c.push(i, j, v);
    }
    c
}

#[test]
fn faer_op_rejects_mismatched_shapes_with_a_message() {
    let a = Csr::<f64>::identity(4);
    let op = FaerOp::new(&a);
    let x = Mat::<f64>::zeros(5, 1);
    let r = catch_unwind(AssertUnwindSafe(|| through_faer(&op, x.as_ref(), false)));
    let msg = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(msg.contains("4 x 4") && msg.contains("5 x 1"), "{msg}");
}

#[test]
fn dense_views_to_and_from_faer_share_memory() {
    let data: Vec<f64> = (0..12).map(f64::from).collect();
    for layout in [Layout::RowMajor, Layout::ColMajor] {
        let v = DenseView::try_new(3, 4, layout, &data).unwrap();
        let f = v.to_faer();
        assert_eq!(f.as_ptr(), data.as_ptr());
        for i in 0..3 {
            for j in 0..4 {
                let k = if layout == Layout::RowMajor {
                    i * 4 + j
                } else {
                    j * 3 + i
                };
                assert_eq!(f[(i, j)], data[k]);
            }
        }
        let back = DenseView::from_faer(f).unwrap();
        assert_eq!(
            (back.layout(), back.data().as_ptr()),
            (layout, data.as_ptr())
        );
        assert_eq!(back.matvec(&[1.0; 4]), v.matvec(&[1.0; 4]));
    }
    // Refused: a window of columns, a reversed view, a strided one.
    let f = MatRef::from_column_major_slice(&data, 3, 4);
    for bad in [
        f.subrows(1, 2),
        f.reverse_rows(),
        f.transpose().subcols(0, 2),
    ] {
        let err = DenseView::from_faer(bad).unwrap_err();
        assert!(err.to_string().contains("stride"), "{err}");
    }
    // A single row or column converts whatever the other stride is.
    assert_eq!(
        DenseView::from_faer(f.subcols(2, 1)).unwrap().data(),
        &data[6..9]
    );
    assert!(
        DenseView::from_faer(f.subrows(0, 0))
            .unwrap()
            .data()
            .is_empty()
    );
    // A faer Mat whose row count fills its padding converts without a copy.
    let m = Mat::<f64>::from_fn(8, 3, |i, j| (i * 3 + j) as f64);
    let v = DenseView::from_faer(m.as_ref()).unwrap();
    assert_eq!(v.data().as_ptr(), m.as_ptr());
    let _: MatMut<'_, f64> = MatMut::from_column_major_slice_mut(&mut [0.0; 4], 2, 2);
}

#[test]
fn sparse_views_to_and_from_faer_share_memory() {
    let o = Oracle::random(29, 17, 0.3, 3, true);
    let a: Csr<f64, usize> = {
        let mut c = Coo::<f64, usize>::new(o.nrows, o.ncols);
        for (i, j, v) in o.triplets() {
            c.push(i, j, v);
        }
        c.into_csr()
    };
    let f = a.view().to_faer();
    assert_eq!(f.symbolic().col_idx().as_ptr(), a.col_idx().as_ptr());
    assert_eq!(f.val().as_ptr(), a.values().as_ptr());
    // faer's own sparse × dense product agrees with ours.
    let x = Mat::<f64>::from_fn(o.ncols, 1, |i, _| (i % 5) as f64 - 2.0);
    let mut fy = Mat::<f64>::zeros(o.nrows, 1);
    ::faer::sparse::linalg::matmul::sparse_dense_matmul(
        fy.as_mut(),
        ::faer::Accum::Replace,
        f,
        x.as_ref(),
        1.0,
        ::faer::Par::Seq,
    );
    let xs: Vec<f64> = (0..o.ncols).map(|i| x[(i, 0)]).collect();
    let ours = a.matvec(&xs);
    assert_eq!((0..o.nrows).map(|i| fy[(i, 0)]).collect::<Vec<_>>(), ours);
    let back = CsrView::from_faer(f).unwrap();
    assert_eq!(back.values().as_ptr(), a.values().as_ptr());

    // A matrix faer built itself (from triplets) views as ours.
    let triplets: Vec<::faer::sparse::Triplet<usize, usize, f64>> = o
        .triplets()
        .into_iter()
        .map(|(i, j, v)| ::faer::sparse::Triplet::new(i, j, v))
        .collect();
    let fm =
        SparseRowMat::<usize, f64>::try_new_from_triplets(o.nrows, o.ncols, &triplets).unwrap();
    let v = CsrView::from_faer(fm.as_ref()).unwrap();
    assert_eq!(v.values().as_ptr(), fm.val().as_ptr());
    assert_eq!(v.matvec(&xs), ours);

    // CSC both ways, through the transpose of a faer CSR view.
    let csc = CscView::from_faer(fm.as_ref().transpose()).unwrap();
    assert_eq!(csc.shape(), (o.ncols, o.nrows));
    let ys: Vec<f64> = (0..o.nrows).map(|i| (i % 3) as f64).collect();
    assert_eq!(csc.matvec(&ys), a.matvec_t(&ys));
    let fc: SparseColMatRef<'_, usize, f64> = csc.to_faer();
    assert_eq!(fc.val().as_ptr(), fm.val().as_ptr());

    // Per-row lengths (gaps between rows) cannot be viewed.
    let ptr = [0usize, 2, 4];
    let nnz = [1usize, 2];
    let idx = [0usize, 1, 0, 1];
    let vals = [1.0, 2.0, 3.0, 4.0];
    let sym = SymbolicSparseRowMatRef::new_checked(2, 2, &ptr, Some(&nnz), &idx);
    let gappy = ::faer::sparse::SparseRowMatRef::new(sym, &vals);
    let err = CsrView::from_faer(gappy).unwrap_err();
    assert!(matches!(err, matvec::Error::Layout(_)), "{err}");
}

#[test]
fn faer_op_handles_empty_dimensions() {
    // 0 x 3 and 3 x 0 operators, with several right-hand sides: nothing to do, or zeros.
    let wide = Csr::<f64>::try_new(0, 3, vec![0], vec![], vec![]).unwrap();
    let tall = Csr::<f64>::try_new(3, 0, vec![0; 4], vec![], vec![]).unwrap();
    let got = through_faer(&FaerOp::new(&tall), Mat::<f64>::zeros(0, 2).as_ref(), false);
    assert_eq!((got.nrows(), got.ncols()), (3, 2));
    assert!((0..3).all(|i| got[(i, 0)] == 0.0 && got[(i, 1)] == 0.0));
    let got = through_faer(&FaerOp::new(&wide), Mat::<f64>::zeros(3, 2).as_ref(), false);
    assert_eq!((got.nrows(), got.ncols()), (0, 2));
    let got = through_faer(&FaerOp::new(&wide), Mat::<f64>::zeros(0, 2).as_ref(), true);
    assert!((0..3).all(|i| got[(i, 0)] == 0.0));
}
