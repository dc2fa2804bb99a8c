//! Memory-mapped matrices: dense `.npy` files multiplied block by block under a memory
//! budget (out-of-core, [`MmapDense`]), and scipy `.npz` sparse matrices multiplied in place
//! ([`MmapCsr`], [`MmapCsc`], and [`open_or_load`] for files that cannot be mapped).

mod dense;
pub mod sparse;

pub use dense::{DEFAULT_BUDGET, MmapDense};
pub use sparse::{MappedOrLoaded, MmapCsc, MmapCsr, open_or_load};
