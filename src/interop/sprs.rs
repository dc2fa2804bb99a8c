//! Zero-copy conversions between [`CsrView`] / [`CscView`] and
//! [`sprs::CsMatViewI<'a, T, I, usize>`](sprs::CsMatViewI) (feature `sprs`).
//!
//! Both directions hand over the *same* three slices; nothing is copied or allocated.
//!
//! * matvec → sprs is infallible ([`From`]): a valid view is a valid sprs matrix.
//! * sprs → matvec is fallible ([`TryFrom`]) and checks the structure in `O(nnz)`, because a
//!   sprs matrix built with `new_unchecked` may hold unsorted or out-of-range indices, and
//!   because three sprs shapes have no zero-copy equivalent here: a matrix in the other storage
//!   order, a sub-view whose offsets do not start at 0 (from `slice_outer`), and any offset type
//!   other than `usize` (rejected at compile time: the sprs type must be
//!   `CsMatViewI<'_, T, I, usize>`, and note that `CsMatI<T, u32>` defaults to `u32` offsets).

use sprs::{CompressedStorage, CsMatViewI, SpIndex};

use crate::error::{Error, Result};
use crate::{CscView, CsrView, Index, Scalar};

/// Both dimensions are representable as `I`, which sprs requires: guaranteed by matvec's
/// own invariant `nrows, ncols <= I::MAX_DIM` (`u32::MAX` for `u32`).
fn debug_assert_dims_fit<I: Index + SpIndex>(nrows: usize, ncols: usize) {
    debug_assert!(
        nrows <= I::MAX_DIM && ncols <= I::MAX_DIM && I::MAX_DIM <= SpIndex::index(I::max_value())
    );
}

/// `(nrows, ncols, offsets, indices, values)` of a sprs view, not yet validated.
type RawParts<'a, T, I> = (usize, usize, &'a [usize], &'a [I], &'a [T]);

/// Checks the storage order and the first offset of a sprs view, and returns its raw slices.
/// Runs no sprs algorithm on `m` (it may have been built unchecked, with invalid slices).
fn sprs_parts<'a, T, I: SpIndex>(
    m: CsMatViewI<'a, T, I, usize>,
    want: CompressedStorage,
) -> Result<RawParts<'a, T, I>> {
    let (name, other, lower) = match want {
        CompressedStorage::CSR => ("CSR", "CSC", "csr"),
        CompressedStorage::CSC => ("CSC", "CSR", "csc"),
    };
    if m.storage() != want {
        return Err(Error::Layout(format!(
            "the sprs matrix ({} x {}) is stored as {other}, not {name}; view it as a \
             {other} matrix instead (whose `transpose()` is a zero-copy {name} view of the \
             transposed matrix), or convert it with sprs's `to_{lower}()` first (copies)",
            m.rows(),
            m.cols()
        )));
    }
    let (nrows, ncols) = m.shape();
    let (indptr, indices, data) = m.into_raw_storage();
    // (No let chain: they need Rust 1.88.) An empty `indptr` is left to `try_new` to report.
    let first = indptr.first().copied().unwrap_or(0);
    if first != 0 {
        return Err(Error::Layout(format!(
            "the sprs {name} matrix ({nrows} x {ncols}) has offsets starting at {first}, not 0: \
             it is a sub-view of a larger matrix (as made by `slice_outer`), whose offsets \
             cannot be used without rebasing them; `CsrRows::from_sprs` (CSR) or \
             `CscCols::from_sprs` (CSC) takes it with rebased offsets (copying one offset a row \
             or column, not the entries), or view the whole matrix"
        )));
    }
    Ok((nrows, ncols, indptr, indices, data))
}

impl<'a, T: Scalar, I: Index + SpIndex> crate::CsrRows<'a, T, I> {
    /// Takes any CSR sprs view, including a sub-view from `slice_outer` whose offsets do not
    /// start at 0: the indices and values are borrowed (zero-copy), the offsets rebased
    /// (copied, one `usize` a row), and the structure checked in `O(nnz)`. A sprs view does
    /// not say which row of its parent it starts at, so
    /// [`first_row`](crate::CsrRows::first_row) is 0.
    ///
    /// # Errors
    ///
    /// [`Error::Layout`] for a CSC matrix; [`Error::Structure`] for invalid slices.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::{CsrRows, MatVec};
    ///
    /// let s = sprs::CsMatI::<f64, u32, usize>::eye(4);
    /// let block = CsrRows::from_sprs(s.slice_outer(2..4))?; // offsets start at 2
    /// assert_eq!(block.shape(), (2, 4));
    /// assert_eq!(block.matvec(&[1.0, 2.0, 3.0, 4.0]), vec![3.0, 4.0]);
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn from_sprs(m: CsMatViewI<'a, T, I, usize>) -> Result<Self> {
        if m.storage() != CompressedStorage::CSR {
            return Err(Error::Layout(format!(
                "the sprs matrix ({} x {}) is stored as CSC, not CSR; CsrRows holds rows of a \
                 CSR matrix",
                m.rows(),
                m.cols()
            )));
        }
        let ncols = m.cols();
        let (indptr, indices, data) = m.into_raw_storage();
        let first = indptr.first().copied().unwrap_or(0);
        let rebased = indptr.iter().map(|&p| p.wrapping_sub(first)).collect();
        crate::CsrRows::from_rebased(0, ncols, rebased, indices, data)
    }
}

impl<'a, T: Scalar, I: Index + SpIndex> crate::CscCols<'a, T, I> {
    /// Takes any CSC sprs view, including a `slice_outer` sub-view of columns, as
    /// [`CsrRows::from_sprs`](crate::CsrRows::from_sprs) takes CSR ones (entries borrowed,
    /// offsets rebased, structure checked in `O(nnz)`).
    ///
    /// # Errors
    ///
    /// [`Error::Layout`] for a CSR matrix; [`Error::Structure`] for invalid slices.
    ///
    /// ```
    /// use matvec::{CscCols, MatVec};
    ///
    /// let s = sprs::CsMatI::<f64, u32, usize>::eye_csc(4);
    /// let block = CscCols::from_sprs(s.slice_outer(1..3))?; // columns 1 and 2
    /// assert_eq!(block.shape(), (4, 2));
    /// assert_eq!(block.matvec(&[5.0, 7.0]), vec![0.0, 5.0, 7.0, 0.0]);
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn from_sprs(m: CsMatViewI<'a, T, I, usize>) -> Result<Self> {
        if m.storage() != CompressedStorage::CSC {
            return Err(Error::Layout(format!(
                "the sprs matrix ({} x {}) is stored as CSR, not CSC; CscCols holds columns of \
                 a CSC matrix (CsrRows::from_sprs takes CSR ones)",
                m.rows(),
                m.cols()
            )));
        }
        let nrows = m.rows();
        let (indptr, indices, data) = m.into_raw_storage();
        let first = indptr.first().copied().unwrap_or(0);
        let rebased = indptr.iter().map(|&p| p.wrapping_sub(first)).collect();
        // The columns of A are the rows of Aᵀ, whose row length is A's row count.
        crate::CsrRows::from_rebased(0, nrows, rebased, indices, data).map(crate::Transposed)
    }
}

impl<'a, T: Scalar, I: Index + SpIndex> CsrView<'a, T, I> {
    /// Views a CSR sprs matrix as a [`CsrView`] of the same slices (zero-copy), after checking
    /// every invariant of [`Csr`](crate::Csr) in `O(nnz)`. The same as
    /// [`CsrView::try_from`](TryFrom::try_from).
    ///
    /// # Errors
    ///
    /// * [`Error::Layout`] if the matrix is stored as CSC, or is a sub-view whose offsets do
    ///   not start at 0 (see the [module docs](crate::interop)).
    /// * [`Error::Structure`] if its slices do not form a valid CSR matrix (sprs matrices
    ///   built with `new_unchecked` may have unsorted or duplicate indices).
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::{CsrView, MatVec};
    ///
    /// // [[1, 0, 2],
    /// //  [0, 3, 0]], with u32 column indices and usize offsets.
    /// let (ptr, idx, val) = (vec![0, 2, 3], vec![0, 2, 1], vec![1.0, 2.0, 3.0]);
    /// let s = sprs::CsMatI::<f64, u32, usize>::new((2, 3), ptr, idx, val);
    /// let a = CsrView::from_sprs(s.view())?;
    /// assert_eq!(a.values().as_ptr(), s.data().as_ptr()); // the same memory
    /// assert_eq!(a.matvec(&[1.0, 1.0, 1.0]), vec![3.0, 3.0]);
    ///
    /// // A CSC matrix is not silently transposed.
    /// assert!(CsrView::from_sprs(s.to_csc().view()).is_err());
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn from_sprs(m: CsMatViewI<'a, T, I, usize>) -> Result<Self> {
        let (nrows, ncols, indptr, indices, data) = sprs_parts(m, CompressedStorage::CSR)?;
        CsrView::try_new(nrows, ncols, indptr, indices, data)
    }

    /// A CSR sprs view of the same slices (zero-copy). The same as
    /// [`sprs::CsMatViewI::from`](From::from).
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::CsrView;
    ///
    /// let (ptr, idx, val) = ([0usize, 1, 2], [1u32, 0], [5.0f64, 7.0]);
    /// let a = CsrView::try_new(2, 2, &ptr, &idx, &val)?;
    /// let s = a.to_sprs();
    /// assert!(s.is_csr());
    /// assert_eq!(s.indices().as_ptr(), idx.as_ptr()); // the same memory
    /// assert_eq!(s.get(0, 1), Some(&5.0));
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn to_sprs(&self) -> CsMatViewI<'a, T, I, usize> {
        debug_assert_dims_fit::<I>(self.nrows(), self.ncols());
        // SAFETY: sprs's `new_unchecked` requires what its `check_compressed_structure` checks,
        // plus `data.len() == indices.len()`; a `CsrView` is validated (or promised valid
        // through its own unsafe constructor) against matvec's stronger CSR invariants:
        // * `row_ptr.len() == nrows + 1 >= 1` (the outer dimension plus one), `row_ptr`
        //   non-decreasing, and `usize` offsets are trivially representable;
        // * `row_ptr[nrows] == col_idx.len()`, and `row_ptr[0] == 0`, so sprs's nnz
        //   (`last - first`) equals the number of indices; the last offset is the length of a
        //   slice of non-zero-sized `I`, hence at most `isize::MAX == usize::MAX / 2`;
        // * `col_idx.len() == values.len()`;
        // * column indices `< ncols` and strictly increasing within each row (sprs asks for
        //   exactly "sorted, no duplicates, last in bounds"), and `u32`/`usize` indices
        //   always convert to `usize`;
        // * both dimensions fit `I` (matvec's `MAX_DIM` invariant), and `nrows + 1` fits `usize`
        //   (it is the length of a slice).
        unsafe {
            CsMatViewI::new_unchecked(
                CompressedStorage::CSR,
                (self.nrows(), self.ncols()),
                self.row_ptr(),
                self.col_idx(),
                self.values(),
            )
        }
    }
}

impl<'a, T: Scalar, I: Index + SpIndex> CscView<'a, T, I> {
    /// Views a CSC sprs matrix as a [`CscView`] of the same slices (zero-copy), after checking
    /// every invariant of [`Csc`](crate::Csc) in `O(nnz)`. The same as
    /// [`CscView::try_from`](TryFrom::try_from).
    ///
    /// # Errors
    ///
    /// * [`Error::Layout`] if the matrix is stored as CSR, or is a sub-view whose offsets do
    ///   not start at 0 (see the [module docs](crate::interop)).
    /// * [`Error::Structure`] if its slices do not form a valid CSC matrix.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::{CscView, MatVec};
    ///
    /// // [[1, 0, 2],
    /// //  [0, 3, 0]], stored by columns.
    /// let (ptr, idx, val) = (vec![0, 1, 2, 3], vec![0, 1, 0], vec![1.0, 3.0, 2.0]);
    /// let s = sprs::CsMat::<f64>::new_csc((2, 3), ptr, idx, val);
    /// let a = CscView::from_sprs(s.view())?;
    /// assert_eq!(a.row_idx().as_ptr(), s.indices().as_ptr()); // the same memory
    /// assert_eq!(a.matvec(&[1.0, 1.0, 1.0]), vec![3.0, 3.0]);
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn from_sprs(m: CsMatViewI<'a, T, I, usize>) -> Result<Self> {
        let (nrows, ncols, indptr, indices, data) = sprs_parts(m, CompressedStorage::CSC)?;
        CscView::try_new(nrows, ncols, indptr, indices, data)
    }

    /// A CSC sprs view of the same slices (zero-copy). The same as
    /// [`sprs::CsMatViewI::from`](From::from).
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::Csc;
    ///
    /// let a = Csc::<f32>::identity(3);
    /// let s = a.view().to_sprs();
    /// assert!(s.is_csc());
    /// assert_eq!(s.data().as_ptr(), a.values().as_ptr()); // the same memory
    /// assert_eq!(s.get(2, 2), Some(&1.0));
    /// ```
    pub fn to_sprs(&self) -> CsMatViewI<'a, T, I, usize> {
        debug_assert_dims_fit::<I>(self.nrows(), self.ncols());
        // SAFETY: as in `CsrView::to_sprs`, with columns as the outer dimension: matvec's CSC
        // invariants (`col_ptr.len() == ncols + 1`, starting at 0, non-decreasing, ending at
        // `row_idx.len() == values.len()`, row indices `< nrows` and strictly increasing within
        // each column) imply everything sprs's `check_compressed_structure` checks for CSC
        // storage, and both dimensions fit `I` (matvec's `MAX_DIM` invariant).
        unsafe {
            CsMatViewI::new_unchecked(
                CompressedStorage::CSC,
                (self.nrows(), self.ncols()),
                self.col_ptr(),
                self.row_idx(),
                self.values(),
            )
        }
    }
}

/// Zero-copy: the sprs view borrows the same slices. See [`CsrView::to_sprs`].
///
/// # Examples
///
/// ```
/// use matvec::Csr;
///
/// let a = Csr::<f64>::identity(2);
/// let s: sprs::CsMatViewI<'_, f64, u32, usize> = a.view().into();
/// assert_eq!(s.indptr().raw_storage().as_ptr(), a.row_ptr().as_ptr());
/// ```
impl<'a, T: Scalar, I: Index + SpIndex> From<CsrView<'a, T, I>> for CsMatViewI<'a, T, I, usize> {
    fn from(a: CsrView<'a, T, I>) -> Self {
        a.to_sprs()
    }
}

/// Zero-copy: the sprs view borrows the same slices. See [`CscView::to_sprs`].
///
/// # Examples
///
/// ```
/// use matvec::Csc;
///
/// let a = Csc::<f64, usize>::identity(2);
/// let s: sprs::CsMatView<'_, f64> = a.view().into();
/// assert_eq!(s.indices().as_ptr(), a.row_idx().as_ptr());
/// ```
impl<'a, T: Scalar, I: Index + SpIndex> From<CscView<'a, T, I>> for CsMatViewI<'a, T, I, usize> {
    fn from(a: CscView<'a, T, I>) -> Self {
        a.to_sprs()
    }
}

/// Zero-copy and validated: see [`CsrView::from_sprs`].
///
/// # Examples
///
/// ```
/// use matvec::CsrView;
///
/// let s = sprs::CsMat::<f64>::eye(3);
/// let a = CsrView::<f64, usize>::try_from(s.view())?;
/// assert_eq!(a.col_idx().as_ptr(), s.indices().as_ptr());
/// # Ok::<(), matvec::Error>(())
/// ```
impl<'a, T: Scalar, I: Index + SpIndex> TryFrom<CsMatViewI<'a, T, I, usize>> for CsrView<'a, T, I> {
    type Error = Error;

    fn try_from(m: CsMatViewI<'a, T, I, usize>) -> Result<Self> {
        CsrView::from_sprs(m)
    }
}

/// Zero-copy and validated: see [`CscView::from_sprs`].
///
/// # Examples
///
/// ```
/// use matvec::CscView;
///
/// let s = sprs::CsMat::<f64>::eye_csc(3);
/// let a = CscView::<f64, usize>::try_from(s.view())?;
/// assert_eq!(a.row_idx().as_ptr(), s.indices().as_ptr());
/// # Ok::<(), matvec::Error>(())
/// ```
impl<'a, T: Scalar, I: Index + SpIndex> TryFrom<CsMatViewI<'a, T, I, usize>> for CscView<'a, T, I> {
    type Error = Error;

    fn try_from(m: CsMatViewI<'a, T, I, usize>) -> Result<Self> {
        CscView::from_sprs(m)
    }
}
