//! `CsrRows`: every block of rows of a matrix (empty, one row, the whole matrix, blocks with
//! empty rows) multiplies as the same rows of the dense oracle, in both directions and as a
//! block product, borrowing the parent's memory; bad ranges panic with the shape.

use super::*;
use matvec::CsrRows;

/// The oracle restricted to rows `range`.
fn rows_of(o: &Oracle, range: std::ops::Range<usize>) -> Oracle {
    Oracle {
        nrows: range.len(),
        ncols: o.ncols,
        a: o.a[range].to_vec(),
    }
}

fn check_block(o: &Oracle, block: &CsrRows<'_, f64>, range: std::ops::Range<usize>) {
    let sub = rows_of(o, range.clone());
    let mut rng = Rng::new(range.start as u64 * 31 + range.end as u64);
    let x: Vec<f64> = (0..o.ncols).map(|_| rng.small()).collect();
    let xt: Vec<f64> = (0..sub.nrows).map(|_| rng.small()).collect();
    let y0: Vec<f64> = (0..sub.nrows).map(|_| rng.small()).collect();
    let mut y = y0.clone();
    block.mul_vec(2.0, &x, -1.0, &mut y, Par::Rayon);
    assert_eq!(y, sub.apply(false, 2.0, &x, -1.0, &y0), "rows {range:?}");
    let mut yt = vec![f64::NAN; o.ncols];
    block.mul_vec_t(1.0, &xt, 0.0, &mut yt, Par::Seq);
    assert_eq!(
        yt,
        sub.apply(true, 1.0, &xt, 0.0, &yt),
        "rows {range:?} transposed"
    );
    // Two vectors at once, as two separate products.
    let xx: Vec<f64> = x.iter().chain(&x).map(|v| v * 3.0).collect();
    let mut yy = vec![0.0; 2 * sub.nrows];
    block.mul_mat(1.0, &xx, 0.0, &mut yy, Par::Rayon);
    let want = sub.apply(false, 3.0, &x, 0.0, &y0);
    assert_eq!(&yy[..sub.nrows], &want[..]);
    assert_eq!(&yy[sub.nrows..], &want[..]);
    assert_eq!(block.shape(), (sub.nrows, o.ncols));
    assert_eq!(block.first_row(), range.start);
}

#[test]
fn every_row_block_multiplies_as_those_rows_of_the_oracle() {
    let o = Oracle::random(23, 17, 0.25, 9, true);
    let a: Csr<f64> = {
        let mut c = Coo::<f64>::new(o.nrows, o.ncols);
        for (i, j, v) in o.triplets() {
            c.push(i, j, v);
        }
        c.into_csr()
    };
    for start in 0..=o.nrows {
        for end in start..=o.nrows {
            let block = a.rows(start..end);
            check_block(&o, &block, start..end);
            // Borrowed: the block's values are the parent's, from the first row's offset.
            let off = a.row_ptr()[start];
            assert_eq!(block.view().values().as_ptr(), a.values()[off..].as_ptr());
            assert_eq!(block.nnz(), a.row_ptr()[end] - off);
            assert_eq!(block.heap_bytes() % 8, 0);
        }
    }
    // f32 storage serves f64 vectors through the block too.
    let a32 = a.to_f32().0;
    let block = a32.rows(5..11);
    let x = vec![1.0f64; o.ncols];
    let want = rows_of(&o, 5..11).apply(false, 1.0, &x, 0.0, &[0.0; 6]);
    assert_eq!(MatVec::<f64>::matvec(&block, &x), want);
}

#[test]
fn a_row_range_past_the_end_panics_with_the_shape() {
    let a = Csr::<f64>::identity(4);
    for (s, e) in [(0, 5), (3, 2)] {
        let r = catch_unwind(AssertUnwindSafe(|| a.rows(s..e).nnz()));
        let msg = *r.unwrap_err().downcast::<String>().unwrap();
        assert!(msg.contains("4 rows"), "{msg}");
    }
}

#[test]
fn every_column_block_multiplies_as_those_columns_of_the_oracle() {
    let o = Oracle::random(11, 16, 0.3, 4, true);
    let mut c = Coo::<f64>::new(o.nrows, o.ncols);
    for (i, j, v) in o.triplets() {
        c.push(i, j, v);
    }
    let a = c.into_csc();
    for start in 0..=o.ncols {
        for end in start..=o.ncols {
            let block = a.cols(start..end);
            let sub = Oracle {
                nrows: o.nrows,
                ncols: end - start,
                a: o.a.iter().map(|r| r[start..end].to_vec()).collect(),
            };
            let x: Vec<f64> = (0..sub.ncols).map(|j| j as f64 - 2.0).collect();
            let xt: Vec<f64> = (0..o.nrows).map(|i| (i % 4) as f64).collect();
            assert_eq!(block.shape(), (o.nrows, end - start));
            assert_eq!(
                block.matvec(&x),
                sub.apply(false, 1.0, &x, 0.0, &vec![0.0; o.nrows])
            );
            assert_eq!(
                block.matvec_t(&xt),
                sub.apply(true, 1.0, &xt, 0.0, &vec![0.0; sub.ncols])
            );
            let off = a.col_ptr()[start];
            assert_eq!(block.0.view().values().as_ptr(), a.values()[off..].as_ptr());
        }
    }
    let r = catch_unwind(AssertUnwindSafe(|| a.cols(3..17).0.nnz()));
    let msg = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(msg.contains("16 columns"), "{msg}");
}
