//! Out-of-core dense matrices, streamed (`StreamDense`) and memory-mapped (`MmapDense`):
//! `.npy` and raw files written → opened → products against the in-memory `DenseView` over
//! the same data (bit-identical) for budgets, read sizes, layouts, precisions and thread
//! counts; files truncated under a product; concurrent products; bad files.

use crate::common::{Rng, TempDir, assert_same_products};
use matvec::io::npy::{NpyWriter, write_dense};
use matvec::stream::{RawDense, StreamDense};
use matvec::{DenseView, Error, Footprint, Layout, MatVec, MmapDense, Par, Scalar, Widen};
use std::path::Path;

fn open<T: Scalar>(p: &Path) -> matvec::Result<MmapDense<T>> {
    // SAFETY: test files are private to the test and not modified while mapped.
    unsafe { MmapDense::<T>::open(p) }
}

fn roundtrip<T: Scalar + Widen<f64>>(
    dir: &TempDir,
    nrows: usize,
    ncols: usize,
    layout: Layout,
    budgets: &[usize],
) {
    let mut rng = Rng::new((nrows * 31 + ncols) as u64);
    let data: Vec<T> = (0..nrows * ncols)
        .map(|_| T::from_f64(rng.unit() * 2.0 - 1.0))
        .collect();
    let mem = DenseView::try_new(nrows, ncols, layout, &data).unwrap();
    let path = dir.join(format!("m-{nrows}x{ncols}-{layout:?}-{}.npy", T::NAME));
    write_dense(&path, mem).unwrap();
    for &budget in budgets {
        let m = open::<T>(&path).unwrap().with_budget(budget);
        assert_eq!((m.nrows(), m.ncols(), m.layout()), (nrows, ncols, layout));
        assert_eq!(m.data(), &data[..]);
        let what = format!("{:?} {nrows}x{ncols} block {}", m.layout(), m.block_len());
        assert_same_products::<T>(&m, &mem, budget as u64, &what);
        // Every file also serves f64 vectors (an f32 file: widened, accumulated in f64), and
        // gives what the in-memory view of the same values gives, bit for bit.
        let (m64, mem64): (&dyn MatVec<f64>, &dyn MatVec<f64>) = (&m, &mem);
        assert_same_products(
            m64,
            mem64,
            budget as u64 + 1,
            &format!("{what}, f64 vectors"),
        );
        let (nx, ny) = (ncols, nrows);
        let k = 3;
        let x: Vec<f64> = (0..nx * k).map(|_| rng.unit() - 0.5).collect();
        let (mut got, mut want) = (vec![f64::NAN; ny * k], vec![f64::NAN; ny * k]);
        m64.mul_mat(0.5, &x, 0.0, &mut got, matvec::Par::Rayon);
        mem64.mul_mat(0.5, &x, 0.0, &mut want, matvec::Par::Seq);
        assert!(
            got.iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{what}: mul_mat"
        );
    }
}

mod mapped;
mod stream;
