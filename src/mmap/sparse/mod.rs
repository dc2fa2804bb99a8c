//! [`MmapCsr`] and [`MmapCsc`]: scipy `.npz` sparse matrices memory-mapped and multiplied in
//! place, zero-copy; [`open_or_load`] for files that cannot be mapped.
//!
//! # When a file can be mapped
//!
//! [`MmapCsr::open`] (or [`MmapCsc::open`]) maps a `'csr'` (`'csc'`) `.npz` file when all of
//! the following hold, on a little-endian machine:
//!
//! | member | must be |
//! |---|---|
//! | `indptr.npy`, `indices.npy`, `data.npy` | stored, not compressed (`save_npz(..., compressed=False)`, or [`write_csr`](crate::io::npz::write_csr)) |
//! | `indptr.npy` | int64 or uint64 (`usize` offsets; 64-bit targets only) |
//! | `indices.npy` | for `I = u32`: int32 (matrices of at most 2³¹ columns, rows for CSC) or uint32; for `I = usize`: int64 (at most 2⁶³) or uint64, 64-bit targets only |
//! | `data.npy` | `T` exactly: float64 (`'<f8'`) for `f64`, float32 (`'<f4'`) for `f32` |
//! | each array | naturally aligned in the file (a multiple of 8 bytes from the start for int64 and float64, of 4 for int32 and float32) |
//! | the indices | sorted and without duplicates within each row (column), as in every matrix scipy has canonicalised (`has_canonical_format`) |
//!
//! Files written by [`write_csr`](crate::io::npz::write_csr) and
//! [`write_csc`](crate::io::npz::write_csc) meet all of them (data 64-byte aligned, int64
//! offsets, `T` values, and indices of the width `I` asks for). Files written by scipy are
//! compressed by default, with int32 offsets unless the matrix is large, and their arrays are
//! at whatever offset the zip headers leave: they are loaded.
//!
//! A file that is valid but fails one of these conditions is an error for `open`, saying
//! which condition failed; [`open_or_load`] then reads it into memory instead
//! ([`MappedOrLoaded`] tells which happened, and why). COO files are always loaded (as
//! CSR). A file that is not valid is an error for both.
//!
//! # What open checks
//!
//! Everything, once, in `O(nnz)`: the zip structure, every member's `.npy` header against
//! its size, the dtypes, and the whole CSR (CSC) structure (offsets, index ranges, order) by
//! [`CsrView::try_new`]. Products then use the validated view without checking again. The
//! values are not read at open, and the members' CRC-32s are not checked (that would read
//! the whole file): a corrupted value gives a wrong product, never undefined behaviour.

mod inspect;
mod load;

pub use load::{MappedOrLoaded, open_or_load};

use crate::error::Result;
use crate::io::npz::NpzFormat;
use crate::matvec::MatVec;
use crate::memory::Footprint;
use crate::{CscView, CsrView, Index, Par, Scalar, Widen};
use inspect::open_as;
use memmap2::Mmap;
use std::marker::PhantomData;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A mapped `.npz` file and where its three arrays are in it. Invariant (established by
/// `inspect::map_file`, kept by `open`'s contract): the arrays cast to `usize`, `I` and `T` and form
/// a valid compressed matrix of the recorded format and shape.
struct Mapped {
    path: PathBuf,
    map: Mmap,
    nrows: usize,
    ncols: usize,
    ptr: Range<usize>,
    idx: Range<usize>,
    val: Range<usize>,
}

impl Mapped {
    fn ptr(&self) -> &[usize] {
        usize::cast_bytes(&self.map[self.ptr.clone()]).expect("checked at open")
    }
    fn idx<I: Index>(&self) -> &[I] {
        I::cast_bytes(&self.map[self.idx.clone()]).expect("checked at open")
    }
    fn val<T: Scalar>(&self) -> &[T] {
        T::cast_bytes(&self.map[self.val.clone()]).expect("checked at open")
    }
    fn data_bytes(&self) -> usize {
        self.ptr.len() + self.idx.len() + self.val.len()
    }
}

/// A CSR matrix in a scipy `.npz` file, memory-mapped read-only and multiplied in place: its
/// three arrays are slices of the mapping (zero-copy), validated once at [`open`](Self::open).
///
/// `T` is the value type (the file's `data.npy` must be of that type) and `I` the index type
/// (`u32` for int32 indices, `usize` for int64; see the [module docs](crate::mmap::sparse)
/// for every condition). Products are those of [`CsrView`] over the same arrays — the same
/// kernels, so bit-identical to [`Csr`](crate::Csr) holding the same data — and allocate nothing. The
/// operating system pages the file in as products touch it and may evict it under memory
/// pressure (the mapping is shared and read-only), so a matrix larger than RAM works, at the
/// speed of the disk.
///
/// # Examples
///
/// ```
/// use matvec::io::npz;
/// use matvec::{Csr, MatVec, MmapCsr, Par};
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-mmapcsr-{}.npz", std::process::id()));
/// let a = Csr::<f64>::try_new(2, 3, vec![0, 2, 3], vec![0, 2, 1], vec![1.0, 2.0, 3.0])?;
/// npz::write_csr(&path, a.view())?;
///
/// // SAFETY: the file is ours and nobody modifies or truncates it while it is mapped.
/// let m = unsafe { MmapCsr::<f64, u32>::open(&path)? };
/// let mut y = vec![0.0; 2];
/// m.mul_vec(1.0, &[1.0, 1.0, 1.0], 0.0, &mut y, Par::Rayon);
/// assert_eq!(y, [3.0, 3.0]);
/// let inside = m.mapping().as_ptr_range();
/// assert!(inside.contains(&m.view().values().as_ptr().cast())); // read in place
/// # drop(m);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MmapCsr<T: Scalar, I: Index = u32> {
    m: Mapped,
    _marker: PhantomData<(T, I)>,
}

/// A CSC matrix in a scipy `.npz` file, memory-mapped read-only and multiplied in place: as
/// [`MmapCsr`], by columns.
///
/// # Examples
///
/// ```
/// use matvec::io::npz;
/// use matvec::{Csc, MatVec, MmapCsc};
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-mmapcsc-{}.npz", std::process::id()));
/// let a = Csc::<f32, usize>::try_new(2, 2, vec![0, 1, 2], vec![1, 0], vec![3.0, 4.0])?;
/// npz::write_csc(&path, a.view())?;
///
/// // SAFETY: the file is ours and nobody modifies or truncates it while it is mapped.
/// let m = unsafe { MmapCsc::<f32, usize>::open(&path)? };
/// assert_eq!(m.view(), a.view());
/// assert_eq!(m.matvec(&[1.0, 10.0]), vec![40.0, 3.0]);
/// # drop(m);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MmapCsc<T: Scalar, I: Index = u32> {
    m: Mapped,
    _marker: PhantomData<(T, I)>,
}

impl<T: Scalar, I: Index> MmapCsr<T, I> {
    /// Maps the `.npz` file `path` and validates it (see the [module
    /// docs](crate::mmap::sparse) for what is checked, and when a file can be mapped).
    ///
    /// # Safety
    ///
    /// The file is memory-mapped (memmap2's contract, forwarded): it must not be modified or
    /// truncated, by this or any other process, while the returned value lives. A file
    /// truncated under a mapping makes the next read of a lost page raise `SIGBUS`; a modified
    /// one changes the matrix under a product, and since the kernels rely on the indices
    /// validated here to read `x` without bounds checks, a modified index is undefined
    /// behaviour, not just a wrong result. Everything checkable at open is checked, so a
    /// short or malformed file is an `Err`, never a crash.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the file cannot be opened or mapped; [`Error::Format`](crate::Error::Format) naming the
    /// file and the member if it is not a valid `.npz` CSR matrix, or if it is a valid one
    /// that cannot be mapped (compressed, other dtypes, misaligned, unsorted indices; the
    /// message says which, and [`open_or_load`] loads such files instead).
    pub unsafe fn open(path: impl AsRef<Path>) -> Result<Self> {
        // SAFETY: forwarded to our caller.
        let m = unsafe { open_as::<T, I>(path.as_ref(), NpzFormat::Csr) }?;
        Ok(MmapCsr {
            m,
            _marker: PhantomData,
        })
    }

    /// The matrix as a [`CsrView`] of the mapping: zero-copy, no validation (done at open).
    pub fn view(&self) -> CsrView<'_, T, I> {
        let m = &self.m;
        // SAFETY: `open` validated these exact slices with `CsrView::try_new`, and its
        // contract guarantees that the mapped bytes have not changed since.
        unsafe { CsrView::new_unchecked(m.nrows, m.ncols, m.ptr(), m.idx(), m.val()) }
    }
}

impl<T: Scalar, I: Index> MmapCsc<T, I> {
    /// Maps the `.npz` file `path` and validates it: as [`MmapCsr::open`], for a `'csc'` file.
    ///
    /// # Safety
    ///
    /// As [`MmapCsr::open`]: the file must not be modified or truncated while mapped.
    ///
    /// # Errors
    ///
    /// As [`MmapCsr::open`].
    pub unsafe fn open(path: impl AsRef<Path>) -> Result<Self> {
        // SAFETY: forwarded to our caller.
        let m = unsafe { open_as::<T, I>(path.as_ref(), NpzFormat::Csc) }?;
        Ok(MmapCsc {
            m,
            _marker: PhantomData,
        })
    }

    /// The matrix as a [`CscView`] of the mapping: zero-copy, no validation (done at open).
    pub fn view(&self) -> CscView<'_, T, I> {
        let m = &self.m;
        // SAFETY: `open` validated these exact slices with `CscView::try_new`, and its
        // contract guarantees that the mapped bytes have not changed since.
        unsafe { CscView::new_unchecked(m.nrows, m.ncols, m.ptr(), m.idx(), m.val()) }
    }
}

/// What both mapped types share: accessors, `MatVec` through the view, `Footprint`, `Debug`.
macro_rules! mapped_common {
    ($ty:ident, $name:literal) => {
        impl<T: Scalar, I: Index> $ty<T, I> {
            /// Number of rows.
            pub fn nrows(&self) -> usize {
                self.m.nrows
            }
            /// Number of columns.
            pub fn ncols(&self) -> usize {
                self.m.ncols
            }
            /// Number of stored entries.
            pub fn nnz(&self) -> usize {
                self.m.idx.len() / std::mem::size_of::<I>()
            }
            /// The file.
            pub fn path(&self) -> &Path {
                &self.m.path
            }
            /// The whole mapped file (the view's slices lie inside it).
            pub fn mapping(&self) -> &[u8] {
                &self.m.map
            }
        }

        /// An `f32` file serves `f64` vectors too (widened, accumulated in `f64`).
        impl<T: Scalar + Widen<V>, V: Scalar, I: Index> MatVec<V> for $ty<T, I> {
            fn nrows(&self) -> usize {
                self.m.nrows
            }
            fn ncols(&self) -> usize {
                self.m.ncols
            }
            #[track_caller]
            fn mul_vec(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) {
                self.view().mul_vec(alpha, x, beta, y, par)
            }
            #[track_caller]
            fn mul_vec_t(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) {
                self.view().mul_vec_t(alpha, x, beta, y, par)
            }
            #[track_caller]
            fn mul_mat(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) {
                self.view().mul_mat(alpha, x, beta, y, par)
            }
            #[track_caller]
            fn mul_mat_t(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) {
                self.view().mul_mat_t(alpha, x, beta, y, par)
            }
        }

        impl<T: Scalar, I: Index> Footprint for $ty<T, I> {
            /// Bytes owned on the heap: the path only (the mapping is not heap memory).
            fn heap_bytes(&self) -> usize {
                self.m.path.as_os_str().len()
            }
            /// Bytes of the three arrays in the file.
            fn data_bytes(&self) -> usize {
                self.m.data_bytes()
            }
        }

        impl<T: Scalar, I: Index> std::fmt::Debug for $ty<T, I> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct($name)
                    .field("path", &self.m.path)
                    .field("shape", &(self.m.nrows, self.m.ncols))
                    .field("nnz", &self.nnz())
                    .field("dtype", &T::NAME)
                    .field("index", &I::NAME)
                    .finish()
            }
        }
    };
}

mapped_common!(MmapCsr, "MmapCsr");
mapped_common!(MmapCsc, "MmapCsc");
