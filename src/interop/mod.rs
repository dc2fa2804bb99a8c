//! Zero-copy bridges to other crates, each behind the feature of the same name.
//!
//! * `sprs`: [`CsrView`](crate::CsrView) / [`CscView`](crate::CscView) ⇄
//!   `sprs::CsMatViewI<'_, T, I, usize>` (offsets must be `usize` on the sprs side).
//! * `ndarray`: [`DenseView`](crate::DenseView) ⇄ `ndarray::ArrayView2<'_, T>` (standard or
//!   Fortran layout).

#[cfg(feature = "ndarray")]
mod ndarray;
#[cfg(feature = "sprs")]
mod sprs;
