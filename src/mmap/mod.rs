//! Memory-mapped matrices, multiplied block by block under a memory budget (out-of-core).

mod dense;

pub use dense::{DEFAULT_BUDGET, MmapDense};
