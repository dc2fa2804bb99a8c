//! Compressed sparse column matrices: [`Csc`] (owned) and [`CscView`] (borrowed).

use crate::compressed::{self, Parts};
use crate::dense::{Dense, Layout};
use crate::error::Result;
use crate::kernels;
use crate::kernels::workspace::Workspace;
use crate::matvec::{check_block, check_lengths};
use crate::memory::{Footprint, vec_bytes};
use crate::{Csr, CsrView, Index, MatVec, Par, Scalar, Widen};

/// A sparse matrix in compressed sparse column (CSC) form, owning its three arrays.
///
/// Column `j` holds the entries `col_ptr[j]..col_ptr[j + 1]` of `row_idx` (row indices,
/// strictly increasing within the column) and `values`. Indices are `I` (`u32` by default: 4
/// bytes a nonzero); offsets are `usize`, so the number of nonzeros is not limited by `I`.
///
/// Invariants (always checked by [`Csc::try_new`], in `O(nnz)`; the kernels rely on them):
/// `col_ptr.len() == ncols + 1`, `col_ptr[0] == 0`, `col_ptr` non-decreasing,
/// `col_ptr[ncols] == row_idx.len() == values.len()`, every row index `< nrows`, strictly
/// increasing within each column, and `nrows, ncols <= I::MAX_DIM`. Values are not checked:
/// NaN and explicit zeros are allowed.
///
/// `mul_vec_t` is a parallel gather, split among threads by nonzeros; `mul_vec` is a
/// scatter, sequential (see the crate docs).
/// `mul_mat`/`mul_mat_t` read each stored entry once for up to eight vectors. Values may be
/// stored in `f32` and serve `f64` vectors ([`Widen`]).
///
/// # Examples
///
/// ```
/// use matvec::{Csc, MatVec, Par};
///
/// // [[1, 0, 2],
/// //  [0, 3, 0]]
/// let a = Csc::<f64>::try_new(2, 3, vec![0, 1, 2, 3], vec![0, 1, 0], vec![1.0, 3.0, 2.0])?;
/// let mut y = vec![f64::NAN; 2]; // beta = 0: y is write-only
/// a.mul_vec(1.0, &[1.0, 1.0, 1.0], 0.0, &mut y, Par::Seq);
/// assert_eq!(y, [3.0, 3.0]);
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Csc<T, I = u32> {
    nrows: usize,
    ncols: usize,
    /// Scratch for the interleaved block gather, allocated on first use.
    scratch: Workspace,
    col_ptr: Vec<usize>,
    row_idx: Vec<I>,
    values: Vec<T>,
}

/// A borrowed CSC matrix: the same invariants as [`Csc`], over slices (a memory map, another
/// crate's arrays, a [`Csc`]). `Copy`; costs nothing to pass around.
///
/// # Examples
///
/// ```
/// use matvec::{CscView, MatVec};
///
/// let (ptr, idx, val) = ([0usize, 1, 2], [1u32, 0], [5.0f32, 7.0]);
/// let a = CscView::try_new(2, 2, &ptr, &idx, &val)?;
/// assert_eq!(a.matvec(&[1.0, 10.0]), vec![70.0, 5.0]);
/// let at = a.transpose(); // a CsrView of the same arrays: zero-copy
/// assert_eq!(at.matvec(&[1.0, 10.0]), vec![50.0, 7.0]);
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CscView<'a, T, I = u32> {
    nrows: usize,
    ncols: usize,
    col_ptr: &'a [usize],
    row_idx: &'a [I],
    values: &'a [T],
}

impl<T: Scalar, I: Index> Csc<T, I> {
    /// Takes the three arrays without copying, after checking every invariant in `O(nnz)`.
    ///
    /// # Errors
    ///
    /// [`Error::Structure`](crate::Error::Structure) naming the column, the entry and what is
    /// wrong (wrong lengths, decreasing offsets, an index out of range, unsorted or duplicate
    /// indices in a column, a dimension too large for `I`).
    pub fn try_new(
        nrows: usize,
        ncols: usize,
        col_ptr: Vec<usize>,
        row_idx: Vec<I>,
        values: Vec<T>,
    ) -> Result<Self> {
        compressed::validate("CSC", ncols, nrows, &col_ptr, &row_idx, values.len())?;
        Ok(Csc {
            scratch: Workspace::default(),
            nrows,
            ncols,
            col_ptr,
            row_idx,
            values,
        })
    }

    /// Takes the three arrays without checking them.
    ///
    /// # Safety
    ///
    /// The arrays must satisfy every invariant listed on [`Csc`]: the kernels read `x` at the
    /// stored row indices without bounds checks.
    pub unsafe fn new_unchecked(
        nrows: usize,
        ncols: usize,
        col_ptr: Vec<usize>,
        row_idx: Vec<I>,
        values: Vec<T>,
    ) -> Self {
        debug_assert!(
            compressed::validate("CSC", ncols, nrows, &col_ptr, &row_idx, values.len()).is_ok()
        );
        Csc {
            scratch: Workspace::default(),
            nrows,
            ncols,
            col_ptr,
            row_idx,
            values,
        }
    }

    /// An `nrows × ncols` matrix with no stored entries.
    ///
    /// # Panics
    ///
    /// If a dimension exceeds `I::MAX_DIM`.
    #[track_caller]
    pub fn zeros(nrows: usize, ncols: usize) -> Self {
        assert!(
            nrows <= I::MAX_DIM && ncols <= I::MAX_DIM,
            "Csc::zeros: {nrows} x {ncols} does not fit {} indices",
            I::NAME
        );
        Csc {
            scratch: Workspace::default(),
            nrows,
            ncols,
            col_ptr: vec![0; ncols + 1],
            row_idx: Vec::new(),
            values: Vec::new(),
        }
    }

    /// The `n × n` identity.
    ///
    /// # Panics
    ///
    /// If `n` exceeds `I::MAX_DIM`.
    #[track_caller]
    pub fn identity(n: usize) -> Self {
        assert!(
            n <= I::MAX_DIM,
            "Csc::identity: {n} does not fit {} indices",
            I::NAME
        );
        let row_idx = (0..n)
            .map(|i| I::try_from_index(i).expect("checked above"))
            .collect();
        Csc {
            scratch: Workspace::default(),
            nrows: n,
            ncols: n,
            col_ptr: (0..=n).collect(),
            row_idx,
            values: vec![T::ONE; n],
        }
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
    /// Number of stored entries (explicit zeros included).
    pub fn nnz(&self) -> usize {
        self.row_idx.len()
    }
    /// Column offsets (`ncols + 1` entries).
    pub fn col_ptr(&self) -> &[usize] {
        &self.col_ptr
    }
    /// Row indices of the stored entries, column after column.
    pub fn row_idx(&self) -> &[I] {
        &self.row_idx
    }
    /// Stored values, column after column.
    pub fn values(&self) -> &[T] {
        &self.values
    }
    /// Stored values, mutable (the structure stays fixed, so every invariant still holds).
    pub fn values_mut(&mut self) -> &mut [T] {
        &mut self.values
    }
    /// Row indices and values of column `j`.
    ///
    /// # Panics
    ///
    /// If `j >= ncols`.
    #[track_caller]
    pub fn col(&self, j: usize) -> (&[I], &[T]) {
        self.view().col(j)
    }
    /// A borrowed view of the same arrays.
    pub fn view(&self) -> CscView<'_, T, I> {
        CscView {
            nrows: self.nrows,
            ncols: self.ncols,
            col_ptr: &self.col_ptr,
            row_idx: &self.row_idx,
            values: &self.values,
        }
    }
    /// Columns `range` as a [`CscCols`](crate::CscCols) block borrowing this matrix's indices
    /// and values (offsets rebased). See [`CscView::cols`].
    ///
    /// # Panics
    ///
    /// If `range` is decreasing or ends past `ncols`.
    #[track_caller]
    pub fn cols(&self, range: std::ops::Range<usize>) -> crate::CscCols<'_, T, I> {
        self.view().cols(range)
    }
    /// Gives back `(nrows, ncols, col_ptr, row_idx, values)` without copying.
    pub fn into_parts(self) -> (usize, usize, Vec<usize>, Vec<I>, Vec<T>) {
        (
            self.nrows,
            self.ncols,
            self.col_ptr,
            self.row_idx,
            self.values,
        )
    }
    /// `Aᵀ` as a CSR matrix of the *same* arrays: zero-copy (the CSC arrays of `A` are the CSR
    /// arrays of `Aᵀ`).
    pub fn into_transpose(self) -> Csr<T, I> {
        // SAFETY: CSC invariants of A (rows × cols) are exactly CSR invariants of Aᵀ
        // (cols × rows) over the same arrays.
        unsafe {
            Csr::new_unchecked(
                self.ncols,
                self.nrows,
                self.col_ptr,
                self.row_idx,
                self.values,
            )
        }
    }
    /// The same matrix in CSR form (copies: `O(nnz + nrows)` time and memory).
    pub fn to_csr(&self) -> Csr<T, I> {
        self.view().to_csr()
    }
    /// The same matrix as a dense array in the given layout.
    pub fn to_dense(&self, layout: Layout) -> Dense<T> {
        self.view().to_dense(layout)
    }
    /// `A ← α·A`, in place.
    pub fn scale(&mut self, alpha: T) {
        self.values.iter_mut().for_each(|v| *v *= alpha);
    }
    /// `A ← diag(d)·A` (row `i` times `d[i]`), in place.
    ///
    /// # Panics
    ///
    /// If `d.len() != nrows`.
    #[track_caller]
    pub fn scale_rows(&mut self, d: &[T]) {
        assert_eq!(
            d.len(),
            self.nrows,
            "scale_rows: d has length {}, A has {} rows",
            d.len(),
            self.nrows
        );
        compressed::scale_inner(&self.row_idx, &mut self.values, d);
    }
    /// `A ← A·diag(d)` (column `j` times `d[j]`), in place.
    ///
    /// # Panics
    ///
    /// If `d.len() != ncols`.
    #[track_caller]
    pub fn scale_cols(&mut self, d: &[T]) {
        assert_eq!(
            d.len(),
            self.ncols,
            "scale_cols: d has length {}, A has {} columns",
            d.len(),
            self.ncols
        );
        compressed::scale_outer(&self.col_ptr, &mut self.values, d);
    }
    /// Bytes of matrix data per stored entry (offsets included), or `None` when `nnz == 0`.
    pub fn bytes_per_nnz(&self) -> Option<f64> {
        self.view().bytes_per_nnz()
    }
}

impl<I: Index> Csc<f64, I> {
    /// The same matrix with its values rounded to `f32` (4 bytes a value instead of 8), and
    /// the largest relative rounding error of a nonzero value (infinite if one overflowed;
    /// `f32::EPSILON / 2` ≈ 6e-8 at most otherwise, more for values below `f32::MIN_POSITIVE`).
    ///
    /// The result serves `f64` vectors too (`MatVec<f64>`, accumulating in `f64`), so this is
    /// the mixed-precision form of the matrix: a third fewer bytes a product, one rounding.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::{Csc, MatVec, Par};
    ///
    /// let a = Csc::<f64>::identity(3);
    /// let (a32, err) = a.to_f32();
    /// assert_eq!(err, 0.0); // 1.0 is exact in f32
    /// let mut y = [0.0f64; 3];
    /// a32.mul_vec(2.0, &[1.0, 2.0, 0.1], 0.0, &mut y, Par::Seq); // f64 vectors
    /// assert_eq!(y, [2.0, 4.0, 0.2]);
    /// ```
    pub fn to_f32(&self) -> (Csc<f32, I>, f64) {
        let (values, err) = crate::scalar::round_to_f32(&self.values);
        // SAFETY: the structure is copied unchanged, so it satisfies the invariants it did.
        let a = unsafe {
            Csc::new_unchecked(
                self.nrows,
                self.ncols,
                self.col_ptr.clone(),
                self.row_idx.clone(),
                values,
            )
        };
        (a, err)
    }
}

impl<'a, T: Scalar, I: Index> CscView<'a, T, I> {
    /// A view of three slices, after checking every invariant of [`Csc`] in `O(nnz)`.
    ///
    /// # Errors
    ///
    /// As [`Csc::try_new`].
    pub fn try_new(
        nrows: usize,
        ncols: usize,
        col_ptr: &'a [usize],
        row_idx: &'a [I],
        values: &'a [T],
    ) -> Result<Self> {
        compressed::validate("CSC", ncols, nrows, col_ptr, row_idx, values.len())?;
        Ok(CscView {
            nrows,
            ncols,
            col_ptr,
            row_idx,
            values,
        })
    }

    /// A view of three slices, not checked.
    ///
    /// # Safety
    ///
    /// The slices must satisfy every invariant listed on [`Csc`].
    pub unsafe fn new_unchecked(
        nrows: usize,
        ncols: usize,
        col_ptr: &'a [usize],
        row_idx: &'a [I],
        values: &'a [T],
    ) -> Self {
        // O(1) checks only: views of memory-mapped files are rebuilt for every product, and
        // the O(nnz) validation already ran when the file was opened.
        debug_assert!(
            col_ptr.len() == ncols.wrapping_add(1)
                && col_ptr.last() == Some(&row_idx.len())
                && row_idx.len() == values.len()
        );
        CscView {
            nrows,
            ncols,
            col_ptr,
            row_idx,
            values,
        }
    }

    pub(crate) fn parts(&self) -> Parts<'a, T, I> {
        // SAFETY: the fields of a view are private and set only by `try_new` (which validates
        // them) or by `new_unchecked` (whose contract is these invariants).
        unsafe {
            Parts::new_unchecked(
                self.ncols,
                self.nrows,
                self.col_ptr,
                self.row_idx,
                self.values,
            )
        }
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.row_idx.len()
    }
    /// Column offsets.
    pub fn col_ptr(&self) -> &'a [usize] {
        self.col_ptr
    }
    /// Row indices.
    pub fn row_idx(&self) -> &'a [I] {
        self.row_idx
    }
    /// Values.
    pub fn values(&self) -> &'a [T] {
        self.values
    }
    /// Row indices and values of column `j`.
    ///
    /// # Panics
    ///
    /// If `j >= ncols`.
    #[track_caller]
    pub fn col(&self, j: usize) -> (&'a [I], &'a [T]) {
        assert!(
            j < self.ncols,
            "column {j} out of range for {} columns",
            self.ncols
        );
        let r = self.col_ptr[j]..self.col_ptr[j + 1];
        (&self.row_idx[r.clone()], &self.values[r])
    }
    /// `Aᵀ` as a CSR view of the same slices: zero-copy.
    pub fn transpose(&self) -> CsrView<'a, T, I> {
        // SAFETY: CSC invariants of A are CSR invariants of Aᵀ over the same slices.
        unsafe {
            CsrView::new_unchecked(
                self.ncols,
                self.nrows,
                self.col_ptr,
                self.row_idx,
                self.values,
            )
        }
    }
    /// Copies into an owned [`Csc`].
    pub fn to_csc(&self) -> Csc<T, I> {
        Csc {
            scratch: Workspace::default(),
            nrows: self.nrows,
            ncols: self.ncols,
            col_ptr: self.col_ptr.to_vec(),
            row_idx: self.row_idx.to_vec(),
            values: self.values.to_vec(),
        }
    }
    /// The same matrix in CSR form (copies: `O(nnz + nrows)` time and memory).
    pub fn to_csr(&self) -> Csr<T, I> {
        let (ptr, idx, val) = compressed::transpose(self.parts());
        // SAFETY: `transpose` produces valid compressed parts of the same matrix along the
        // other dimension (indices strictly increasing, since outer slices are visited in order).
        unsafe { Csr::new_unchecked(self.nrows, self.ncols, ptr, idx, val) }
    }
    /// The same matrix as a dense array in the given layout.
    pub fn to_dense(&self, layout: Layout) -> Dense<T> {
        let mut d = Dense::zeros(self.nrows, self.ncols, layout);
        for j in 0..self.ncols {
            let (rows, vals) = self.col(j);
            for (&i, &v) in rows.iter().zip(vals) {
                d.set(i.index(), j, v);
            }
        }
        d
    }
    /// Bytes of matrix data per stored entry (offsets included), or `None` when `nnz == 0`.
    pub fn bytes_per_nnz(&self) -> Option<f64> {
        (self.nnz() > 0).then(|| self.data_bytes() as f64 / self.nnz() as f64)
    }
}

impl<S: Scalar + Widen<T>, T: Scalar, I: Index> MatVec<T> for CscView<'_, S, I> {
    fn nrows(&self) -> usize {
        self.nrows
    }
    fn ncols(&self) -> usize {
        self.ncols
    }
    #[track_caller]
    fn mul_vec(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), false);
        kernels::sparse::scatter(self.parts(), alpha, x, beta, y, par);
    }
    #[track_caller]
    fn mul_vec_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), true);
        kernels::sparse::gather(self.parts(), alpha, x, beta, y, par);
    }
    /// Reads each stored entry once for up to eight vectors (see [`MatVec::mul_mat`]).
    #[track_caller]
    fn mul_mat(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_block(self.nrows, self.ncols, x.len(), y.len(), false);
        kernels::sparse::scatter_block(self.parts(), alpha, x, beta, y, par);
    }
    /// Reads each stored entry once for up to eight vectors (see [`MatVec::mul_mat`]).
    #[track_caller]
    fn mul_mat_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_block(self.nrows, self.ncols, x.len(), y.len(), true);
        kernels::sparse::gather_block(self.parts(), alpha, x, beta, y, par);
    }
}

impl<S: Scalar + Widen<T>, T: Scalar, I: Index> MatVec<T> for Csc<S, I> {
    fn nrows(&self) -> usize {
        self.nrows
    }
    fn ncols(&self) -> usize {
        self.ncols
    }
    #[track_caller]
    fn mul_vec(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        self.view().mul_vec(alpha, x, beta, y, par)
    }
    #[track_caller]
    fn mul_vec_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        self.view().mul_vec_t(alpha, x, beta, y, par)
    }
    #[track_caller]
    fn mul_mat(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        self.view().mul_mat(alpha, x, beta, y, par)
    }
    /// The block gather. Where 8 vectors overflow the cache but the columns are skewed (a
    /// graph's hubs), the 8 inputs of a group are first interleaved in a workspace the matrix
    /// keeps from then on (`inner · 64` bytes with `f64`, counted by `Footprint`); same bits.
    #[track_caller]
    fn mul_mat_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_block(self.nrows, self.ncols, x.len(), y.len(), true);
        let parts = self.view().parts();
        kernels::sparse::gather_block_owned(parts, &self.scratch, alpha, x, beta, y, par);
    }
}

impl<T: Scalar, I: Index> Footprint for CscView<'_, T, I> {
    fn heap_bytes(&self) -> usize {
        0
    }
    fn data_bytes(&self) -> usize {
        std::mem::size_of_val(self.col_ptr)
            + std::mem::size_of_val(self.row_idx)
            + std::mem::size_of_val(self.values)
    }
}

impl<T: Scalar, I: Index> Footprint for Csc<T, I> {
    fn heap_bytes(&self) -> usize {
        vec_bytes(&self.col_ptr)
            + vec_bytes(&self.row_idx)
            + vec_bytes(&self.values)
            + self.scratch.heap_bytes()
    }
    fn data_bytes(&self) -> usize {
        self.view().data_bytes()
    }
}

impl<'a, T: Scalar, I: Index> From<&'a Csc<T, I>> for CscView<'a, T, I> {
    fn from(a: &'a Csc<T, I>) -> Self {
        a.view()
    }
}
