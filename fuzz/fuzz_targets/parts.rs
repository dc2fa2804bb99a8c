//! `Csr::try_new`, `Csc::try_new` and `CsrView::try_new` on arbitrary parts (offsets,
//! indices, values of any lengths and contents, `u32` or `usize` indices). Whatever the
//! validation accepts must multiply without panicking, and give exactly what a dense matrix
//! built from the same parts gives (values are small integers, so every sum is exact).

#![no_main]

use libfuzzer_sys::fuzz_target;
use matvec::{Csc, Csr, CsrView, Index, MatVec, Par};
use matvec_fuzz::{Bytes, assert_same_bits};

/// An index: usually small, sometimes at the edge of the type.
fn index(b: &mut Bytes, max: usize) -> usize {
    match b.u8() {
        255 => max,
        254 => max - 1,
        v => usize::from(v) % 24,
    }
}

fn run<I: Index>(b: &mut Bytes) {
    let kind = b.below(3);
    let (nrows, ncols) = (b.below(17), b.below(17));
    let lens = [b.below(20), b.below(40), b.below(40)];
    let ptr: Vec<usize> = (0..lens[0]).map(|_| index(b, usize::MAX)).collect();
    let imax = if I::try_from_index(usize::MAX).is_some() {
        usize::MAX
    } else {
        u32::MAX as usize
    };
    let idx: Vec<I> = (0..lens[1])
        .filter_map(|_| I::try_from_index(index(b, imax)))
        .collect();
    let val: Vec<f64> = (0..lens[2]).map(|_| f64::from(b.u8() as i8)).collect();

    // What a valid matrix must equal: a dense row-major copy built from the parts.
    let dense = |by_rows: bool| {
        let mut d = vec![0.0; nrows * ncols];
        for o in 0..ptr.len() - 1 {
            for k in ptr[o]..ptr[o + 1] {
                let i = idx[k].index();
                let (r, c) = if by_rows { (o, i) } else { (i, o) };
                d[r * ncols + c] += val[k];
            }
        }
        matvec::Dense::try_new(nrows, ncols, matvec::Layout::RowMajor, d).unwrap()
    };
    let check = |a: &dyn MatVec<f64>, by_rows: bool| {
        let want = matvec_fuzz::products(&dense(by_rows), Par::Seq);
        for par in [Par::Seq, Par::Rayon] {
            assert_same_bits("product", &matvec_fuzz::products(a, par), &want);
        }
    };
    match kind {
        0 => {
            if let Ok(a) = Csr::try_new(nrows, ncols, ptr.clone(), idx.clone(), val.clone()) {
                check(&a, true);
            }
        }
        1 => {
            if let Ok(a) = Csc::try_new(nrows, ncols, ptr.clone(), idx.clone(), val.clone()) {
                check(&a, false);
            }
        }
        _ => {
            if let Ok(a) = CsrView::try_new(nrows, ncols, &ptr, &idx, &val) {
                check(&a, true);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    if b.u8().is_multiple_of(2) {
        run::<u32>(&mut b);
    } else {
        run::<usize>(&mut b);
    }
});
