//! [`NpzRows`]: any range of rows of a CSR matrix in a stored `.npz`, read on demand with
//! positioned reads, and nothing else of the file: how each process of a distributed matrix
//! (`matvec-mpi`) reads only its own rows.
//!
//! It shares [`StreamCsr`](super::StreamCsr)'s source (the same member lookup, the same checks
//! of every offset and index, the same canonicaliser for unsorted or repeated indices), but
//! makes no plan at open: opening reads the archive's directory and the members' headers only,
//! never `indptr` as a whole.

use super::npz::NpzSource;
use crate::error::Result;
use crate::index::Index;
use crate::io::npz::NpzFormat;
use crate::{Csr, Par, Scalar};
use std::marker::PhantomData;
use std::ops::Range;
use std::path::Path;

/// Rows of a CSR matrix stored in a scipy `.npz` (stored members, as `io::npz::write_csr` or
/// `scipy.sparse.save_npz(..., compressed=False)` write them), read by range.
///
/// ```
/// use matvec::stream::NpzRows;
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("a.npz");
/// let mut coo = matvec::Coo::<f64>::new(4, 3);
/// for (i, j, v) in [(0, 0, 1.0), (1, 2, 2.0), (2, 1, 3.0), (3, 0, 4.0), (3, 2, 5.0)] {
///     coo.push(i, j, v);
/// }
/// matvec::io::npz::write_csr(&path, coo.into_csr().view())?;
///
/// let rows = NpzRows::<f64>::open(&path)?;
/// assert_eq!((rows.nrows(), rows.ncols(), rows.nnz()), (4, 3, 5));
/// assert_eq!(rows.offset(3)?, 3); // indptr[3], read alone
/// let part = rows.read(2..4)?;    // rows 2 and 3: a 2 x 3 CSR matrix
/// assert_eq!(part.row_ptr(), &[0, 1, 3]);
/// assert_eq!(part.values(), &[3.0, 4.0, 5.0]);
/// # Ok::<(), matvec::Error>(())
/// ```
pub struct NpzRows<T, I = u32> {
    src: NpzSource,
    _types: PhantomData<fn() -> (T, I)>,
}

impl<T: Scalar, I: Index> NpzRows<T, I> {
    /// Opens `path`: reads the archive's directory and the members' headers, nothing more.
    ///
    /// # Errors
    ///
    /// As [`StreamCsr::open`](super::StreamCsr::open): an I/O error, a file that is not a CSR
    /// `.npz`, compressed members, values that are not `T`, dimensions that do not fit `I`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Ok(NpzRows {
            src: NpzSource::open::<T, I>(path.as_ref(), NpzFormat::Csr, None)?,
            _types: PhantomData,
        })
    }

    /// Rows of the whole matrix.
    pub fn nrows(&self) -> usize {
        self.src.stored().0
    }

    /// Columns of the whole matrix.
    pub fn ncols(&self) -> usize {
        self.src.stored().1
    }

    /// Stored entries of the whole matrix.
    pub fn nnz(&self) -> usize {
        self.src.nnz
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        self.src.path()
    }

    /// `indptr[row]`: the entries stored before `row` (one positioned read of one element;
    /// balancing rows by nonzeros needs a few of these, not the whole array).
    ///
    /// # Errors
    ///
    /// A failed read, or an offset outside `0..=nnz` (or not 0 at row 0, not `nnz` at the
    /// end), naming the file, the byte and the element.
    ///
    /// # Panics
    ///
    /// If `row > nrows()`.
    pub fn offset(&self, row: usize) -> Result<usize> {
        self.src.offset(row)
    }

    /// Rows `rows` as a `rows.len() × ncols()` matrix (column indices unchanged): reads
    /// `indptr[rows.start..=rows.end]` and the entries between, checks every offset and index,
    /// and sorts and sums rows whose indices are unsorted or repeated.
    ///
    /// # Errors
    ///
    /// A failed or short read; offsets that decrease or leave the array's bounds, indices
    /// outside `0..ncols()`: each names the file, the member and the element.
    ///
    /// # Panics
    ///
    /// If `rows` is not within `0..nrows()`.
    pub fn read(&self, rows: Range<usize>) -> Result<Csr<T, I>> {
        assert!(
            rows.start <= rows.end && rows.end <= self.nrows(),
            "NpzRows::read: rows {rows:?} of a matrix of {} rows",
            self.nrows()
        );
        let first = self.offset(rows.start)?;
        let last = self.offset(rows.end)?;
        if last < first {
            // Checked again in `read_span`; caught here so that no buffer is sized by it.
            return Err(crate::Error::format(
                self.path(),
                None,
                format!(
                    "member 'indptr.npy': offsets must not decrease, found {last} at row {} \
                     after {first} at row {}",
                    rows.end, rows.start
                ),
            ));
        }
        let mut blk = self.src.block_for::<T, I>(rows.len(), last - first);
        self.src
            .read_span(rows.clone(), (first, last), &mut blk, Par::Seq)?;
        let (ptr, idx, val) = blk.into_parts();
        Csr::try_new(rows.len(), self.ncols(), ptr, idx, val)
            .map_err(|e| crate::Error::format(self.path(), None, e.to_string()))
    }
}

impl<T, I> std::fmt::Debug for NpzRows<T, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpzRows")
            .field("path", &self.src.path())
            .field("shape", &self.src.stored())
            .field("nnz", &self.src.nnz)
            .finish()
    }
}
