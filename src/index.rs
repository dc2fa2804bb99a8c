//! The integer types a sparse matrix may use for its row or column indices: `u32` and `usize`.

use crate::io::Dtype;
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

    /// The bytes as a slice of `Self`, or `None` if misaligned or of a length that is not a
    /// multiple of the size (checked by bytemuck, without `unsafe`): for mapped files.
    #[doc(hidden)]
    fn cast_bytes(bytes: &[u8]) -> Option<&[Self]>;
    /// The slice as mutable bytes (native byte order), to read a file into.
    #[doc(hidden)]
    fn as_bytes_mut(values: &mut [Self]) -> &mut [u8];
    /// `true` if an array of `dtype` whose valid values are below `bound` can be viewed in
    /// place as `[Self]` on this machine with the same meaning (a negative value must not
    /// become a valid index).
    #[doc(hidden)]
    fn maps(dtype: Dtype, bound: usize) -> bool;
    /// What `maps` accepts, for messages.
    #[doc(hidden)]
    const WANT: &'static str;
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
    fn cast_bytes(bytes: &[u8]) -> Option<&[Self]> {
        bytemuck::try_cast_slice(bytes).ok()
    }
    fn as_bytes_mut(values: &mut [Self]) -> &mut [u8] {
        bytemuck::cast_slice_mut(values)
    }
    fn maps(dtype: Dtype, bound: usize) -> bool {
        cfg!(target_endian = "little")
            && (dtype == Dtype::U4 || (dtype == Dtype::I4 && bound <= 1 << 31))
    }
    const WANT: &'static str = "int32 ('<i4') or uint32 ('<u4')";
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
    fn cast_bytes(bytes: &[u8]) -> Option<&[Self]> {
        bytemuck::try_cast_slice(bytes).ok()
    }
    fn as_bytes_mut(values: &mut [Self]) -> &mut [u8] {
        bytemuck::cast_slice_mut(values)
    }
    fn maps(dtype: Dtype, bound: usize) -> bool {
        cfg!(all(target_endian = "little", target_pointer_width = "64"))
            && (dtype == Dtype::U8 || (dtype == Dtype::I8 && bound as u64 <= 1 << 63))
    }
    const WANT: &'static str = "int64 ('<i8') or uint64 ('<u8') on a 64-bit machine";
}
