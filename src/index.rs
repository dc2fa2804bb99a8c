//! The integer types a sparse matrix may use for its row or column indices: `u32` and `usize`.

use std::fmt::{Debug, Display};
use std::hash::Hash;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u32 {}
    impl Sealed for usize {}
}

/// A row or column index type: `u32` (the default, 4 bytes a nonzero) or `usize` (sealed).
///
/// Offsets into the index and value arrays (`row_ptr`, `col_ptr`) are always `usize`, so a
/// matrix with `u32` indices may still hold more than 4 G nonzeros; only its dimensions are
/// limited, to `I::MAX_DIM`.
pub trait Index:
    sealed::Sealed + Copy + Send + Sync + Default + Debug + Display + Ord + Hash + 'static
{
    /// The largest dimension (number of rows or columns) this index type can address:
    /// every index `i < dim` must be representable.
    const MAX_DIM: usize;
    /// Name of the type, as in `"u32"`.
    const NAME: &'static str;

    /// The index as a `usize` (lossless).
    fn index(self) -> usize;
    /// Converts `i`, or `None` if it does not fit.
    fn try_from_index(i: usize) -> Option<Self>;
}

impl Index for u32 {
    // Dimensions up to u32::MAX (so sprs, whose dimensions must fit the index type too, can
    // view every matrix we accept).
    const MAX_DIM: usize = u32::MAX as usize;
    const NAME: &'static str = "u32";

    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
    #[inline(always)]
    fn try_from_index(i: usize) -> Option<Self> {
        u32::try_from(i).ok()
    }
}

impl Index for usize {
    const MAX_DIM: usize = usize::MAX;
    const NAME: &'static str = "usize";

    #[inline(always)]
    fn index(self) -> usize {
        self
    }
    #[inline(always)]
    fn try_from_index(i: usize) -> Option<Self> {
        Some(i)
    }
}
