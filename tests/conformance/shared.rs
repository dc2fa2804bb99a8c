//! `SharedCsr`: arrays it does not trust. In range it gives the bits of a `CsrView` (the
//! suite's `forms` check it against the oracle); an index written out of range after the
//! offsets were checked is an error naming it, in every product, never a read out of bounds;
//! unsorted and duplicate indices still multiply as the sum of their entries.

use super::*;
use matvec::{CsrView, Error, StructureError};

fn parts(o: &Oracle) -> Csr<f64> {
    let mut c = Coo::<f64>::new(o.nrows, o.ncols);
    for (i, j, v) in o.triplets() {
        c.push(i, j, v);
    }
    c.into_csr()
}

#[test]
fn shared_csr_matches_a_csr_view_bit_for_bit() {
    // Random values (not small integers), so any change of summation order would show.
    let o = Oracle::random(300, 200, 0.05, 3, true);
    let a = parts(&o);
    let mut rng = Rng::new(5);
    let vals: Vec<f64> = a.values().iter().map(|_| rng.small() / 7.0 + 0.1).collect();
    let view = CsrView::try_new(300, 200, a.row_ptr(), a.col_idx(), &vals).unwrap();
    let ptr = RowOffsets::new(a.row_ptr().to_vec()).unwrap();
    let s = SharedCsr::new(200, &ptr, a.col_idx(), &vals).unwrap();
    assert_eq!((s.nrows(), s.ncols(), s.nnz()), (300, 200, a.nnz()));
    let k = 11;
    let x: Vec<f64> = (0..200 * k).map(|_| rng.small() / 3.0).collect();
    let xt: Vec<f64> = (0..300 * k).map(|_| rng.small() / 3.0).collect();
    for par in [Par::Seq, Par::Rayon] {
        let (mut y1, mut y2) = (vec![1.0; 300 * k], vec![1.0; 300 * k]);
        view.mul_mat(0.7, &x, -0.3, &mut y1, par);
        s.try_mul_mat(0.7, &x, -0.3, &mut y2, par).unwrap();
        assert_eq!(y1, y2);
        let (mut y1, mut y2) = (vec![1.0; 300], vec![1.0; 300]);
        view.mul_vec(0.7, &x[..200], -0.3, &mut y1, par);
        s.try_mul_vec(0.7, &x[..200], -0.3, &mut y2, par).unwrap();
        assert_eq!(y1, y2);
        let (mut t1, mut t2) = (vec![1.0; 200 * k], vec![1.0; 200 * k]);
        view.mul_mat_t(0.7, &xt, 0.5, &mut t1, par);
        s.try_mul_mat_t(0.7, &xt, 0.5, &mut t2, par).unwrap();
        assert_eq!(t1, t2);
    }
    assert!(s.validate().is_ok());
    assert_eq!(s.data_bytes(), view.data_bytes());
}

#[test]
fn an_index_written_out_of_range_is_an_error_of_every_product() {
    let o = Oracle::random(40, 30, 0.2, 8, true);
    let a = parts(&o);
    let ptr = RowOffsets::new(a.row_ptr().to_vec()).unwrap();
    let mut idx = a.col_idx().to_vec();
    let at = idx.len() / 2;
    let row = a.row_ptr().partition_point(|&p| p <= at) - 1;
    for bad in [30u32, 31, u32::MAX] {
        idx[at] = bad;
        let s = SharedCsr::new(30, &ptr, &idx, a.values()).unwrap();
        let expect = |e: Error| match e {
            Error::Structure {
                problem:
                    StructureError::IndexOutOfRange {
                        outer,
                        position,
                        index,
                        bound,
                    },
                ..
            } => {
                assert_eq!(
                    (outer, position, index, bound),
                    (Some(row), at, bad as usize, 30)
                );
            }
            other => panic!("unexpected error {other}"),
        };
        for par in [Par::Seq, Par::Rayon] {
            let mut y = vec![0.0; 40 * 3];
            expect(
                s.try_mul_vec(1.0, &[1.0; 30], 0.0, &mut y[..40], par)
                    .unwrap_err(),
            );
            expect(
                s.try_mul_mat(1.0, &[1.0; 90], 0.0, &mut y, par)
                    .unwrap_err(),
            );
            let mut yt = vec![0.0; 30 * 3];
            expect(
                s.try_mul_vec_t(1.0, &[1.0; 40], 0.0, &mut yt[..30], par)
                    .unwrap_err(),
            );
            expect(
                s.try_mul_mat_t(1.0, &[1.0; 120], 0.0, &mut yt, par)
                    .unwrap_err(),
            );
        }
        assert!(s.validate().is_err());
        // The infallible products panic with the same error (named in the message).
        let r = catch_unwind(AssertUnwindSafe(|| s.matvec(&[1.0; 30])));
        let msg = *r.unwrap_err().downcast::<String>().unwrap();
        assert!(
            msg.contains("SharedCsr::mul_vec") && msg.contains(&bad.to_string()),
            "{msg}"
        );
    }
}

#[test]
fn unsorted_and_duplicate_indices_multiply_as_their_sum() {
    // Row 0: columns 2, 0, 2 (unsorted, duplicated); row 1: empty; row 2: column 1.
    let ptr = RowOffsets::from_i64(&[0, 3, 3, 4]).unwrap();
    let idx = [2u32, 0, 2, 1];
    let val = [1.0, 2.0, 4.0, 8.0];
    let s = SharedCsr::new(3, &ptr, &idx, &val).unwrap();
    assert_eq!(s.matvec(&[1.0, 10.0, 100.0]), vec![502.0, 0.0, 80.0]);
    assert_eq!(s.matvec_t(&[1.0, 1.0, 1.0]), vec![2.0, 8.0, 5.0]);
    let e = s.validate().unwrap_err().to_string();
    assert!(e.contains("increasing"), "{e}");
}

#[test]
fn offsets_and_lengths_are_checked_once() {
    for bad in [&[][..], &[1, 2][..], &[0, 3, 2][..], &[0, -1][..]] {
        assert!(RowOffsets::from_i32(bad).is_err(), "{bad:?}");
    }
    assert!(RowOffsets::new(vec![0, 0, 2]).is_ok());
    let ptr = RowOffsets::from_i32(&[0, 1, 2]).unwrap();
    assert_eq!(ptr.heap_bytes(), 24);
    // Lengths that disagree with the offsets, and dimensions past u32.
    assert!(SharedCsr::<f64>::new(2, &ptr, &[0, 1, 1], &[1.0; 3]).is_err());
    assert!(SharedCsr::<f64>::new(2, &ptr, &[0, 1], &[1.0; 3]).is_err());
    assert!(SharedCsr::<f64>::new(1 << 33, &ptr, &[0, 1], &[1.0; 2]).is_err());
    assert!(SharedCsr::<f64, usize>::new(1 << 33, &ptr, &[0, 1], &[1.0; 2]).is_ok());
    // An empty matrix with stored entries cannot be built; zero columns with none can.
    let empty = RowOffsets::new(vec![0, 0]).unwrap();
    let s = SharedCsr::<f64>::new(0, &empty, &[], &[]).unwrap();
    assert_eq!(s.matvec(&[]), vec![0.0]);
}
