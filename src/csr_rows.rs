//! [`CsrRows`]: a contiguous block of rows of a CSR matrix, borrowing its column indices and
//! values (no copy) with the row offsets rebased to start at 0 (a copy of one `usize` a row).
//!
//! Why rebased offsets rather than offsets that start anywhere: the kernels, the `Parts`
//! invariant and every consumer of a [`CsrView`] rely on offsets from 0 to `nnz` indexing the
//! view's own slices. Rebasing costs 8 bytes a row, against 12 or more a nonzero for copying
//! the block, and keeps one kernel for every CSR product.

use std::ops::Range;

use crate::error::Result;
use crate::{CscView, CsrView, Footprint, Index, MatVec, Par, Scalar, Transposed, Widen};

/// Rows `first..first + nrows` of a CSR matrix as an operator of their own: an
/// `nrows × ncols` matrix whose column indices and values are the parent's (borrowed,
/// zero-copy), and whose offsets are rebased to start at 0 (copied: `nrows + 1` of them).
///
/// Made by [`CsrView::rows`] and [`Csr::rows`](crate::Csr::rows) (and, with the `sprs`
/// feature, from a sprs sub-view made by `slice_outer`). [`view`](Self::view) gives an
/// ordinary [`CsrView`], so every CSR kernel and conversion applies.
///
/// # Examples
///
/// ```
/// use matvec::{Coo, MatVec};
///
/// let mut coo = Coo::<f64>::new(4, 3);
/// for i in 0..4 {
///     coo.push(i, i % 3, (i + 1) as f64);
/// }
/// let a = coo.into_csr();
/// let block = a.rows(1..3); // rows 1 and 2
/// assert_eq!(block.shape(), (2, 3));
/// assert_eq!(block.matvec(&[1.0, 10.0, 100.0]), vec![20.0, 300.0]);
/// // The values are the parent's own memory.
/// assert_eq!(block.view().values().as_ptr(), a.values()[1..].as_ptr());
/// ```
#[derive(Clone, Debug)]
pub struct CsrRows<'a, T, I = u32> {
    first: usize,
    ncols: usize,
    /// Rebased: from 0 to `col_idx.len()`.
    row_ptr: Vec<usize>,
    col_idx: &'a [I],
    values: &'a [T],
}

impl<'a, T: Scalar, I: Index> CsrRows<'a, T, I> {
    /// The block as an ordinary view (`O(1)`).
    #[inline]
    pub fn view(&self) -> CsrView<'_, T, I> {
        // SAFETY: `row_ptr` is a rebased copy of a window of a valid view's offsets (from 0,
        // non-decreasing, ending at the window's entry count), and `col_idx`/`values` are the
        // window's entries of that view, so every invariant of `Csr` holds: the fields are
        // private and set only by `CsrView::rows` and `from_rebased`.
        unsafe {
            CsrView::new_unchecked(
                self.row_ptr.len() - 1,
                self.ncols,
                &self.row_ptr,
                self.col_idx,
                self.values,
            )
        }
    }

    /// The parent's index of this block's first row.
    pub fn first_row(&self) -> usize {
        self.first
    }

    /// Number of rows in the block.
    pub fn nrows(&self) -> usize {
        self.row_ptr.len() - 1
    }

    /// Number of columns (the parent's).
    pub fn ncols(&self) -> usize {
        self.ncols
    }

    /// Stored entries in the block.
    pub fn nnz(&self) -> usize {
        self.col_idx.len()
    }

    /// A block from rebased offsets over the window's entries, checked in `O(nnz)` (for
    /// windows of foreign matrices, whose slices were never validated by us).
    #[cfg_attr(not(feature = "sprs"), allow(dead_code))]
    pub(crate) fn from_rebased(
        first: usize,
        ncols: usize,
        row_ptr: Vec<usize>,
        col_idx: &'a [I],
        values: &'a [T],
    ) -> Result<Self> {
        let nrows = row_ptr.len().saturating_sub(1);
        CsrView::try_new(nrows, ncols, &row_ptr, col_idx, values)?;
        Ok(CsrRows {
            first,
            ncols,
            row_ptr,
            col_idx,
            values,
        })
    }
}

impl<'a, T: Scalar, I: Index> CsrView<'a, T, I> {
    /// Rows `range` of this matrix as a [`CsrRows`] block: the column indices and values are
    /// borrowed (zero-copy), the `range.len() + 1` offsets are copied and rebased. `O(rows)`.
    ///
    /// # Panics
    ///
    /// If `range` is decreasing or ends past `nrows`, as slicing would.
    #[track_caller]
    pub fn rows(&self, range: Range<usize>) -> CsrRows<'a, T, I> {
        assert!(
            range.start <= range.end && range.end <= self.nrows(),
            "CsrView::rows: rows {range:?} of a matrix with {} rows",
            self.nrows()
        );
        let ptr = &self.row_ptr()[range.start..=range.end];
        let (a, b) = (ptr[0], ptr[ptr.len() - 1]);
        CsrRows {
            first: range.start,
            ncols: self.ncols(),
            row_ptr: ptr.iter().map(|&p| p - a).collect(),
            col_idx: &self.col_idx()[a..b],
            values: &self.values()[a..b],
        }
    }
}

/// Products as the block's [`CsrView`] (so `f32` storage serves `f64` vectors too).
impl<S: Scalar + Widen<T>, T: Scalar, I: Index> MatVec<T> for CsrRows<'_, S, I> {
    fn nrows(&self) -> usize {
        self.row_ptr.len() - 1
    }
    fn ncols(&self) -> usize {
        self.ncols
    }
    #[track_caller]
    fn mul_vec(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        self.view().mul_vec(alpha, x, beta, y, par);
    }
    #[track_caller]
    fn mul_vec_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        self.view().mul_vec_t(alpha, x, beta, y, par);
    }
    #[track_caller]
    fn mul_mat(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        self.view().mul_mat(alpha, x, beta, y, par);
    }
    #[track_caller]
    fn mul_mat_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        self.view().mul_mat_t(alpha, x, beta, y, par);
    }
}

/// Columns `range` of a CSC matrix: the rows of its transpose, transposed back. Made by
/// [`CscView::cols`] and [`Csc::cols`](crate::Csc::cols); `.0` is the [`CsrRows`] block of
/// `Aᵀ`.
pub type CscCols<'a, T, I = u32> = Transposed<CsrRows<'a, T, I>>;

impl<'a, T: Scalar, I: Index> CscView<'a, T, I> {
    /// Columns `range` as an operator of their own (`nrows × range.len()`): the block of rows
    /// of the zero-copy transpose, so the indices and values are borrowed and the
    /// `range.len() + 1` offsets copied and rebased, as for [`CsrView::rows`].
    ///
    /// # Panics
    ///
    /// If `range` is decreasing or ends past `ncols`.
    ///
    /// ```
    /// use matvec::{Coo, MatVec};
    ///
    /// let mut coo = Coo::<f64>::new(2, 4);
    /// for j in 0..4 {
    ///     coo.push(j % 2, j, (j + 1) as f64);
    /// }
    /// let a = coo.into_csc();
    /// let block = a.cols(1..3); // columns 1 and 2
    /// assert_eq!(block.shape(), (2, 2));
    /// assert_eq!(block.matvec(&[1.0, 10.0]), vec![30.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn cols(&self, range: Range<usize>) -> CscCols<'a, T, I> {
        assert!(
            range.start <= range.end && range.end <= self.ncols(),
            "CscView::cols: columns {range:?} of a matrix with {} columns",
            self.ncols()
        );
        Transposed(self.transpose().rows(range))
    }
}

impl<T: Scalar, I: Index> Footprint for CsrRows<'_, T, I> {
    /// The rebased offsets (the indices and values are borrowed).
    fn heap_bytes(&self) -> usize {
        crate::memory::vec_bytes(&self.row_ptr)
    }
    fn data_bytes(&self) -> usize {
        self.view().data_bytes()
    }
}
