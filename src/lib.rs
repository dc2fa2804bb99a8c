//! # matvec
//!
//! Sparse and dense matrix–vector products, `y ← α·A·x + β·y`, written into a buffer the
//! caller owns: parallel, allocation-free, and one trait for every format.
//!
//! | type | storage | `mul_vec` (`A·x`) | `mul_vec_t` (`Aᵀ·x`) |
//! |---|---|---|---|
//! | [`Csr`], [`CsrView`] | compressed rows | gather, parallel (split by nonzeros) | scatter, sequential |
//! | [`Csc`], [`CscView`] | compressed columns | scatter, sequential | gather, parallel (split by nonzeros) |
//! | [`Coo`] | triplets | scatter, sequential | scatter, sequential |
//! | [`SharedCsr`] | CSR over index and value arrays others may write (numpy's): own [`RowOffsets`], every index checked as it is read | gather, parallel | scatter, sequential |
//! | [`PatternCsr`] | CSR with a dictionary of row patterns (stencils, meshes): 8.4 B a nonzero | gather, parallel | scatter, sequential |
//! | [`Dense`], [`DenseView`] | row- or column-major | parallel | parallel |
//! | [`MmapDense`] | `.npy` file, memory-mapped (`unsafe` open) | blocks under a memory budget, parallel within | same |
//! | [`StreamDense`] | `.npy` or raw file, read with `pread` under a memory budget | each thread reads and computes its rows, parallel | parallel |
//! | [`stream::StreamCsr`], [`stream::StreamCsc`] | stored scipy `.npz`, read in blocks balanced by nonzeros under a budget | gather parallel (CSR) | scatter sequential (CSR) |
//! | [`MmapCsr`], [`MmapCsc`] | stored scipy `.npz`, memory-mapped, zero-copy | as the views | as the views |
//!
//! Every type implements [`MatVec`], so algorithms are written once against
//! `&dyn MatVec<T>` (for `T` = `f32` or `f64`); parallelism is an argument ([`Par`]), never
//! global state, and parallel results are bit-identical to sequential ones.
//!
//! * **No allocation in a product**: the output is yours, and with `β = 0` it is write-only.
//! * **Take, don't copy**: constructors take `Vec`s by value, views borrow slices (zero-copy
//!   with sprs and ndarray behind the features of the same names), [`Coo::into_csr`] converts
//!   in place.
//! * **Compact**: `u32` indices by default, `usize` offsets (more than 4 G nonzeros work).
//! * **Honest errors**: raw parts are validated once, in `O(nnz)`, and bad ones return an
//!   [`Error`] that says where and what; programmer errors (wrong vector lengths) panic with a
//!   message naming the shapes.
//! * **Byte accounting**: [`Footprint`] says what each matrix holds.
//! * **Mixed precision**: a matrix stored in `f32` also serves `f64` vectors (see [`Widen`]):
//!   8 bytes a nonzero instead of 12, with `f64` accumulation; `to_f32()` says what the
//!   conversion rounded.
//! * **Block products** ([`MatVec::mul_mat`]) read a sparse matrix once per group of up to
//!   eight vectors, bit-identical to separate products.
//!
//! Iterative methods written once against the trait live in [`solve`]: conjugate gradients
//! (with a Jacobi preconditioner), power iteration, PageRank, Lanczos and randomized SVD, each
//! with a reusable workspace (no allocation per iteration) and a progress callback. They run
//! unchanged on matrices in files ([`stream`]: `.npy`, raw, `.npz`, HDF5): [`MatVec::mul_mat`]
//! block products let randomized SVD read a file larger than RAM a handful of times in all.
//!
//! # Example
//!
//! ```
//! use matvec::{Coo, MatVec, Par};
//!
//! // 1-D Laplacian, built as triplets, converted in place.
//! let n = 100;
//! let mut coo = Coo::<f64>::with_capacity(n, n, 3 * n);
//! for i in 0..n {
//!     coo.push(i, i, 2.0);
//!     if i > 0 { coo.push(i, i - 1, -1.0); }
//!     if i + 1 < n { coo.push(i, i + 1, -1.0); }
//! }
//! let a = coo.into_csr();
//!
//! // Products in a loop, reusing one output buffer: no allocation per iteration.
//! let x = vec![1.0; n];
//! let mut y = vec![0.0; n];
//! for _ in 0..10 {
//!     a.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon);
//! }
//! assert_eq!(y[0], 1.0);
//! assert_eq!(y[n / 2], 0.0);
//! ```
//!
//! # Features
//!
//! * `rayon` (default): parallel kernels. Without it [`Par::Rayon`] runs sequentially.
//! * `sprs`: zero-copy conversions between [`CsrView`]/[`CscView`] and `sprs::CsMatViewI`;
//!   owned `CsMatI` ⇄ [`Csr`]/[`Csc`] by value; `TriMatI` → [`Coo`]; sub-views as [`CsrRows`].
//! * `ndarray`: zero-copy conversions between [`DenseView`] and `ndarray::ArrayView2`, owned
//!   `Array2` ⇄ [`Dense`], products on `ArrayView1`/`ArrayViewMut1`.
//! * `faer`: any [`MatVec`] as a faer operator (`interop::FaerOp`), so faer's matrix-free
//!   solvers (LSMR, BiCGSTAB, …) run on it, out of core included; zero-copy views.
//! * `nalgebra`: `DMatrix`/`DVector` and nalgebra-sparse's `CsrMatrix` without copies.
//! * `hdf5`: HDF5 datasets as out-of-core matrices (`stream::StreamHdf5`), through the HDF5
//!   C library (`libhdf5-dev`).
//!
//! See [`interop`] for every conversion and whether it copies. Every matrix type is
//! `Send + Sync`; [`DynMatVec`] is the type-erased operator to share across threads.

#![warn(missing_docs)]
// On docs.rs (nightly, `--cfg docsrs`), label feature-gated items with their feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// `impl MatVec` for a type whose `try_` products it forwards to, panicking with their error
/// (which names the file and where, or the bad index): the contract every streamed type, and
/// [`SharedCsr`], states. Defined before the modules so that all of them can use it.
macro_rules! matvec_via_try {
    (impl [$($gen:tt)*] $ty:ty, $name:literal) => {
        impl<$($gen)*> $crate::MatVec<V> for $ty {
            fn nrows(&self) -> usize {
                self.nrows()
            }
            fn ncols(&self) -> usize {
                self.ncols()
            }
            #[track_caller]
            fn mul_vec(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: $crate::Par) {
                self.try_mul_vec(alpha, x, beta, y, par)
                    .unwrap_or_else(|e| panic!(concat!($name, "::mul_vec: {}"), e));
            }
            #[track_caller]
            fn mul_vec_t(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: $crate::Par) {
                self.try_mul_vec_t(alpha, x, beta, y, par)
                    .unwrap_or_else(|e| panic!(concat!($name, "::mul_vec_t: {}"), e));
            }
            /// One read of the file for all the vectors.
            #[track_caller]
            fn mul_mat(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: $crate::Par) {
                self.try_mul_mat(alpha, x, beta, y, par)
                    .unwrap_or_else(|e| panic!(concat!($name, "::mul_mat: {}"), e));
            }
            /// One read of the file for all the vectors.
            #[track_caller]
            fn mul_mat_t(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: $crate::Par) {
                self.try_mul_mat_t(alpha, x, beta, y, par)
                    .unwrap_or_else(|e| panic!(concat!($name, "::mul_mat_t: {}"), e));
            }
        }
    };
}

mod canonical;
mod compressed;
mod coo;
mod csc;
mod csr;
mod csr_rows;
mod dense;
mod error;
mod index;
mod kernels;
mod matvec;
mod par;
mod pattern_csr;
mod scalar;
mod shared_csr;

pub mod interop;
pub mod io;
pub mod memory;
pub mod mmap;
pub mod solve;
pub mod stream;

pub use coo::Coo;
pub use csc::{Csc, CscView};
pub use csr::{Csr, CsrView};
pub use csr_rows::{CscCols, CsrRows};
pub use dense::{Dense, DenseView, Layout};
pub use error::{Error, Result, StructureError};
pub use index::Index;
pub use kernels::simd::instruction_set;
pub use matvec::{DynMatVec, MatVec, Transposed};
pub use memory::Footprint;
pub use mmap::MmapDense;
pub use mmap::{MmapCsc, MmapCsr};
pub use par::{Par, balanced_cuts};
pub use pattern_csr::PatternCsr;
pub use scalar::{Scalar, Widen};
pub use shared_csr::{RowOffsets, SharedCsr};
pub use stream::StreamDense;

/// The README's examples, compiled and run as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
