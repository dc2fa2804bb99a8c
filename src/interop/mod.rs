//! Zero-copy bridges to other crates, each behind the feature of the same name.
//!
//! * `sprs`: [`CsrView`](crate::CsrView) / [`CscView`](crate::CscView) ⇄
//!   `sprs::CsMatViewI<'_, T, I, usize>` (offsets must be `usize` on the sprs side).
//! * `ndarray`: [`DenseView`](crate::DenseView) ⇄ `ndarray::ArrayView2<'_, T>` (standard or
//!   Fortran layout), and [`Dense`](crate::Dense) → `ndarray::Array2<T>` by value.
//! * `sprs`, by value: `Csr::from_sprs_owned` / `Csc::from_sprs_owned` take an owned
//!   `CsMatI<T, I, usize>` and `into_sprs` gives it back, moving the vectors (no copy);
//!   `Coo::from_sprs` copies a `TriMatI`'s triplets (sprs cannot give them away); a sub-view
//!   from `slice_outer` becomes a [`CsrRows`](crate::CsrRows) block (`CsrRows::from_sprs`:
//!   entries borrowed, offsets rebased — one `usize` a row copied).
//! * `ndarray`, by value and vectors: `Dense::from_ndarray` / `Dense::from` take an owned
//!   `Array2` (moved when it owns exactly its elements in C or Fortran order, copied
//!   otherwise); `NdarrayProducts` (`mul_ndarray`, `mul_ndarray_t`) multiplies `ArrayView1`
//!   into `ArrayViewMut1` in place for every `MatVec`, refusing non-contiguous vectors.
//! * `nalgebra`: `DenseView::from_nalgebra(&DMatrix)` and `to_nalgebra()` (zero-copy),
//!   `Dense::from_nalgebra(DMatrix)` (moved); a `DVector` is used through `as_slice()` /
//!   `as_mut_slice()`; nalgebra-sparse's `CsrMatrix` views as `CsrView<T, usize>` and moves
//!   into and out of `Csr<T, usize>`.
//! * The crates themselves are re-exported here (`matvec::interop::sprs`, `::ndarray`,
//!   `::faer`, `::nalgebra`, `::nalgebra_sparse`), so you can name exactly the versions this
//!   matvec was built against.
//! * `faer`: `FaerOp` makes any [`MatVec`](crate::MatVec) — in memory, mapped or streamed
//!   from a file — a faer `LinOp` + `BiLinOp`, so `faer::matrix_free`'s LSMR, BiCGSTAB,
//!   conjugate gradients and partial eigen/SVD run on it; `DenseView` ⇄ `faer::MatRef` and
//!   `CsrView<T, usize>` / `CscView<T, usize>` ⇄ faer's sparse views, zero-copy (faer has one
//!   index type for offsets and indices, so `usize` only; a `u32` matrix would need a copy).
//!   faer's owned `Mat` pads its columns, so only a `MatRef` over contiguous memory (or a
//!   `Mat` whose row count is a multiple of its alignment) views as a `DenseView`.
//!
//! The conversions are methods and `From`/`TryFrom` impls on the matrix types themselves;
//! this module documents them and holds the two traits and the adapter. Each conversion's
//! docs say whether it copies: the views hand over the same memory (`O(1)`, plus an `O(nnz)`
//! validation of data coming *into* matvec), the by-value conversions move the vectors, and
//! the few that copy (sprs triplets, a strided `Array2`, rebased offsets of a row block) say
//! so and what.
//!
//! # sprs (feature `sprs`)
//!
//! | from | to | how | fails when |
//! |---|---|---|---|
//! | `CsrView<'a, T, I>` | `CsMatViewI<'a, T, I, usize>` (CSR) | `to_sprs()`, `From` | never¹ |
//! | `CscView<'a, T, I>` | `CsMatViewI<'a, T, I, usize>` (CSC) | `to_sprs()`, `From` | never¹ |
//! | `CsMatViewI<'a, T, I, usize>` | `CsrView<'a, T, I>` | `from_sprs()`, `TryFrom` | see below |
//! | `CsMatViewI<'a, T, I, usize>` | `CscView<'a, T, I>` | `from_sprs()`, `TryFrom` | see below |
//!
//! `T` is `f32` or `f64`, `I` is `u32` or `usize`. The sprs offset type must be `usize`, as
//! in matvec; note that `sprs::CsMatI<T, u32>` defaults to `u32` offsets, so write
//! `CsMatI<T, u32, usize>`.
//!
//! A sprs matrix becomes a matvec view only if it has the right storage order and is
//! structurally valid; otherwise the conversion returns an [`Error`](crate::Error):
//!
//! * [`Error::Layout`](crate::Error::Layout) if it is stored in the other order (a CSC
//!   matrix asked for as a `CsrView`; it is never transposed or converted silently — view it
//!   as a `CscView`, whose `transpose()` is a zero-copy `CsrView` of `Aᵀ`);
//! * [`Error::Layout`](crate::Error::Layout) if it is a sub-view whose offsets do not start
//!   at 0, as `slice_outer(k..)` makes for `k > 0` (view offsets always start at 0; take it
//!   as a [`CsrRows`](crate::CsrRows) block with `CsrRows::from_sprs`, which rebases them); a
//!   sub-view starting at outer index 0 is fine;
//! * [`Error::Structure`](crate::Error::Structure) if its slices break an invariant of
//!   [`Csr`](crate::Csr) / [`Csc`](crate::Csc): a sprs matrix built with `new_unchecked` may
//!   hold unsorted, duplicate or out-of-range indices, so every conversion into matvec is
//!   checked in `O(nnz)`.
//!
//! ¹ `to_sprs` panics only if a dimension does not fit `I`: sprs requires it, matvec allows
//! a dimension of exactly 2³² with `u32` indices.
//!
//! ```
//! # #[cfg(feature = "sprs")] {
//! use matvec::{CscView, CsrView, MatVec};
//!
//! let s = sprs::CsMat::<f64>::eye(3);
//! let a = CsrView::from_sprs(s.view())?; // zero-copy, validated
//! assert_eq!(a.matvec(&[1.0, 2.0, 3.0]), vec![1.0, 2.0, 3.0]);
//! let back: sprs::CsMatView<'_, f64> = a.into(); // zero-copy
//! assert_eq!(back.data().as_ptr(), s.data().as_ptr());
//! assert!(CscView::from_sprs(s.view()).is_err()); // CSR storage, CSC asked for
//! # }
//! # Ok::<(), matvec::Error>(())
//! ```
//!
//! # ndarray (feature `ndarray`)
//!
//! | from | to | how | fails when |
//! |---|---|---|---|
//! | `ArrayView2<'a, T>` | `DenseView<'a, T>` | `from_ndarray()`, `TryFrom` | other strides |
//! | `DenseView<'a, T>` | `ArrayView2<'a, T>` | `to_ndarray()`, `From` | never² |
//! | `Dense<T>` | `Array2<T>` | `into_ndarray()`, `From` | never² |
//!
//! A standard-layout (C order) view becomes [`Layout::RowMajor`](crate::Layout::RowMajor), a
//! Fortran-layout view [`Layout::ColMajor`](crate::Layout::ColMajor) (row-major when both
//! apply: one row, one column, or no elements). Any other strides — a step (`s![..;2, ..]`),
//! a reversed axis (negative stride), a window of columns of a C-order array — return
//! [`Error::Layout`](crate::Error::Layout) naming the shape and the strides; ndarray's
//! `as_standard_layout()` makes a contiguous copy. The other direction keeps the layout.
//!
//! ² ndarray cannot represent a shape with one dimension 0 and the other above
//! `isize::MAX`; `to_ndarray` and `into_ndarray` panic on it.
//!
//! ```
//! # #[cfg(feature = "ndarray")] {
//! use matvec::{DenseView, Layout, MatVec};
//!
//! let a = ndarray::array![[1.0, 2.0], [3.0, 4.0]];
//! let v = DenseView::from_ndarray(a.view())?;
//! assert_eq!((v.layout(), v.data().as_ptr()), (Layout::RowMajor, a.as_ptr()));
//! assert_eq!(v.matvec(&[1.0, 1.0]), vec![3.0, 7.0]);
//! assert_eq!(DenseView::from_ndarray(a.t())?.layout(), Layout::ColMajor);
//! # }
//! # Ok::<(), matvec::Error>(())
//! ```

// The bridges are private modules named `*_bridge`; the crates themselves are re-exported
// under their own names, so `matvec::interop::sprs` (and so on) is exactly the version this
// matvec was built against: no version skew between your sprs and ours.
#[cfg(feature = "faer")]
pub use ::faer;
#[cfg(feature = "nalgebra")]
pub use ::nalgebra;
#[cfg(feature = "nalgebra")]
pub use ::nalgebra_sparse;
#[cfg(feature = "ndarray")]
pub use ::ndarray;
#[cfg(feature = "sprs")]
pub use ::sprs;

#[cfg(feature = "faer")]
#[path = "faer.rs"]
mod faer_bridge;
#[cfg(feature = "faer")]
pub use faer_bridge::FaerOp;
#[cfg(feature = "nalgebra")]
#[path = "nalgebra.rs"]
mod nalgebra_bridge;
#[cfg(feature = "ndarray")]
#[path = "ndarray.rs"]
mod ndarray_bridge;
#[cfg(feature = "ndarray")]
pub use ndarray_bridge::NdarrayProducts;
#[cfg(feature = "sprs")]
#[path = "sprs.rs"]
mod sprs_bridge;
#[cfg(feature = "sprs")]
#[path = "sprs_owned.rs"]
mod sprs_owned;
