//! Compressed sparse row matrices: [`Csr`] (owned) and [`CsrView`] (borrowed).

use crate::compressed::{self, Parts};
use crate::dense::{Dense, Layout};
use crate::error::Result;
use crate::kernels;
use crate::kernels::workspace::Workspace;
use crate::matvec::{check_block, check_lengths};
use crate::memory::{Footprint, vec_bytes};
use crate::{Csc, CscView, Index, MatVec, Par, Scalar, Widen};

/// A sparse matrix in compressed sparse row (CSR) form, owning its three arrays.
///
/// Row `i` holds the entries `row_ptr[i]..row_ptr[i + 1]` of `col_idx` (column indices,
/// strictly increasing within the row) and `values`. Indices are `I` (`u32` by default: 4
/// bytes a nonzero); offsets are `usize`, so the number of nonzeros is not limited by `I`.
///
/// Invariants (always checked by [`Csr::try_new`], in `O(nnz)`; the kernels rely on them):
/// `row_ptr.len() == nrows + 1`, `row_ptr[0] == 0`, `row_ptr` non-decreasing,
/// `row_ptr[nrows] == col_idx.len() == values.len()`, every column index `< ncols`, strictly
/// increasing within each row, and `nrows, ncols <= I::MAX_DIM`. Values are not checked:
/// NaN and explicit zeros are allowed.
///
/// `mul_vec` is a parallel gather, split among threads by nonzeros; `mul_vec_t` is a
/// scatter, sequential (see the crate docs).
/// `mul_mat`/`mul_mat_t` read each stored entry once for up to eight vectors. Values may be
/// stored in `f32` and serve `f64` vectors ([`Widen`]).
///
/// # Examples
///
/// ```
/// use matvec::{Csr, MatVec, Par};
///
/// // [[1, 0, 2],
/// //  [0, 3, 0]]
/// let a = Csr::<f64>::try_new(2, 3, vec![0, 2, 3], vec![0, 2, 1], vec![1.0, 2.0, 3.0])?;
/// let mut y = vec![f64::NAN; 2]; // beta = 0: y is write-only
/// a.mul_vec(1.0, &[1.0, 1.0, 1.0], 0.0, &mut y, Par::Seq);
/// assert_eq!(y, [3.0, 3.0]);
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Csr<T, I = u32> {
    nrows: usize,
    ncols: usize,
    /// Scratch for the interleaved block gather, allocated on first use.
    scratch: Workspace,
    row_ptr: Vec<usize>,
    col_idx: Vec<I>,
    values: Vec<T>,
}

/// A borrowed CSR matrix: the same invariants as [`Csr`], over slices (a memory map, another
/// crate's arrays, a [`Csr`]). `Copy`; costs nothing to pass around.
///
/// # Examples
///
/// ```
/// use matvec::{CsrView, MatVec};
///
/// let (ptr, idx, val) = ([0usize, 1, 2], [1u32, 0], [5.0f32, 7.0]);
/// let a = CsrView::try_new(2, 2, &ptr, &idx, &val)?;
/// assert_eq!(a.matvec(&[1.0, 10.0]), vec![50.0, 7.0]);
/// let at = a.transpose(); // a CscView of the same arrays: zero-copy
/// assert_eq!(at.matvec(&[1.0, 10.0]), vec![70.0, 5.0]);
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CsrView<'a, T, I = u32> {
    nrows: usize,
    ncols: usize,
    row_ptr: &'a [usize],
    col_idx: &'a [I],
    values: &'a [T],
}

impl<T: Scalar, I: Index> Csr<T, I> {
    /// Takes the three arrays without copying, after checking every invariant in `O(nnz)`.
    ///
    /// # Errors
    ///
    /// [`Error::Structure`](crate::Error::Structure) naming the row, the entry and what is
    /// wrong (wrong lengths, decreasing offsets, an index out of range, unsorted or duplicate
    /// indices in a row, a dimension too large for `I`).
    pub fn try_new(
        nrows: usize,
        ncols: usize,
        row_ptr: Vec<usize>,
        col_idx: Vec<I>,
        values: Vec<T>,
    ) -> Result<Self> {
        compressed::validate("CSR", nrows, ncols, &row_ptr, &col_idx, values.len())?;
        Ok(Csr {
            scratch: Workspace::default(),
            nrows,
            ncols,
            row_ptr,
            col_idx,
            values,
        })
    }

    /// Takes the three arrays without checking them.
    ///
    /// # Safety
    ///
    /// The arrays must satisfy every invariant listed on [`Csr`]: the kernels read `x` at the
    /// stored column indices without bounds checks.
    pub unsafe fn new_unchecked(
        nrows: usize,
        ncols: usize,
        row_ptr: Vec<usize>,
        col_idx: Vec<I>,
        values: Vec<T>,
    ) -> Self {
        debug_assert!(
            compressed::validate("CSR", nrows, ncols, &row_ptr, &col_idx, values.len()).is_ok()
        );
        Csr {
            scratch: Workspace::default(),
            nrows,
            ncols,
            row_ptr,
            col_idx,
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
            "Csr::zeros: {nrows} x {ncols} does not fit {} indices",
            I::NAME
        );
        Csr {
            scratch: Workspace::default(),
            nrows,
            ncols,
            row_ptr: vec![0; nrows + 1],
            col_idx: Vec::new(),
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
            "Csr::identity: {n} does not fit {} indices",
            I::NAME
        );
        let col_idx = (0..n)
            .map(|i| I::try_from_index(i).expect("checked above"))
            .collect();
        Csr {
            scratch: Workspace::default(),
            nrows: n,
            ncols: n,
            row_ptr: (0..=n).collect(),
            col_idx,
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
        self.col_idx.len()
    }
    /// Row offsets (`nrows + 1` entries).
    pub fn row_ptr(&self) -> &[usize] {
        &self.row_ptr
    }
    /// Column indices of the stored entries, row after row.
    pub fn col_idx(&self) -> &[I] {
        &self.col_idx
    }
    /// Stored values, row after row.
    pub fn values(&self) -> &[T] {
        &self.values
    }
    /// Stored values, mutable (the structure stays fixed, so every invariant still holds).
    pub fn values_mut(&mut self) -> &mut [T] {
        &mut self.values
    }
    /// Column indices and values of row `i`.
    ///
    /// # Panics
    ///
    /// If `i >= nrows`.
    #[track_caller]
    pub fn row(&self, i: usize) -> (&[I], &[T]) {
        self.view().row(i)
    }
    /// A borrowed view of the same arrays.
    pub fn view(&self) -> CsrView<'_, T, I> {
        CsrView {
            nrows: self.nrows,
            ncols: self.ncols,
            row_ptr: &self.row_ptr,
            col_idx: &self.col_idx,
            values: &self.values,
        }
    }
    /// Rows `range` as a [`CsrRows`](crate::CsrRows) block borrowing this matrix's indices
    /// and values (zero-copy; the offsets are rebased, `range.len() + 1` of them). See
    /// [`CsrView::rows`].
    ///
    /// # Panics
    ///
    /// If `range` is decreasing or ends past `nrows`.
    #[track_caller]
    pub fn rows(&self, range: std::ops::Range<usize>) -> crate::CsrRows<'_, T, I> {
        self.view().rows(range)
    }
    /// Gives back `(nrows, ncols, row_ptr, col_idx, values)` without copying.
    pub fn into_parts(self) -> (usize, usize, Vec<usize>, Vec<I>, Vec<T>) {
        (
            self.nrows,
            self.ncols,
            self.row_ptr,
            self.col_idx,
            self.values,
        )
    }
    /// `Aᵀ` as a CSC matrix of the *same* arrays: zero-copy (the CSR arrays of `A` are the CSC
    /// arrays of `Aᵀ`).
    pub fn into_transpose(self) -> Csc<T, I> {
        // SAFETY: CSR invariants of A (rows × cols) are exactly CSC invariants of Aᵀ
        // (cols × rows) over the same arrays.
        unsafe {
            Csc::new_unchecked(
                self.ncols,
                self.nrows,
                self.row_ptr,
                self.col_idx,
                self.values,
            )
        }
    }
    /// The same matrix in CSC form (copies: `O(nnz + ncols)` time and memory).
    pub fn to_csc(&self) -> Csc<T, I> {
        self.view().to_csc()
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
        compressed::scale_outer(&self.row_ptr, &mut self.values, d);
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
        compressed::scale_inner(&self.col_idx, &mut self.values, d);
    }
    /// Bytes of matrix data per stored entry (offsets included), or `None` when `nnz == 0`.
    pub fn bytes_per_nnz(&self) -> Option<f64> {
        self.view().bytes_per_nnz()
    }
}

impl<I: Index> Csr<f64, I> {
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
    /// use matvec::{Csr, MatVec, Par};
    ///
    /// let a = Csr::<f64>::identity(3);
    /// let (a32, err) = a.to_f32();
    /// assert_eq!(err, 0.0); // 1.0 is exact in f32
    /// let mut y = [0.0f64; 3];
    /// a32.mul_vec(2.0, &[1.0, 2.0, 0.1], 0.0, &mut y, Par::Seq); // f64 vectors
    /// assert_eq!(y, [2.0, 4.0, 0.2]);
    /// ```
    pub fn to_f32(&self) -> (Csr<f32, I>, f64) {
        let (values, err) = crate::scalar::round_to_f32(&self.values);
        // SAFETY: the structure is copied unchanged, so it satisfies the invariants it did.
        let a = unsafe {
            Csr::new_unchecked(
                self.nrows,
                self.ncols,
                self.row_ptr.clone(),
                self.col_idx.clone(),
                values,
            )
        };
        (a, err)
    }
}

impl<'a, T: Scalar, I: Index> CsrView<'a, T, I> {
    /// A view of three slices, after checking every invariant of [`Csr`] in `O(nnz)`.
    ///
    /// # Errors
    ///
    /// As [`Csr::try_new`].
    pub fn try_new(
        nrows: usize,
        ncols: usize,
        row_ptr: &'a [usize],
        col_idx: &'a [I],
        values: &'a [T],
    ) -> Result<Self> {
        compressed::validate("CSR", nrows, ncols, row_ptr, col_idx, values.len())?;
        Ok(CsrView {
            nrows,
            ncols,
            row_ptr,
            col_idx,
            values,
        })
    }

    /// A view of three slices, not checked.
    ///
    /// # Safety
    ///
    /// The slices must satisfy every invariant listed on [`Csr`].
    pub unsafe fn new_unchecked(
        nrows: usize,
        ncols: usize,
        row_ptr: &'a [usize],
        col_idx: &'a [I],
        values: &'a [T],
    ) -> Self {
        // O(1) checks only: views of memory-mapped files are rebuilt for every product, and
        // the O(nnz) validation already ran when the file was opened.
        debug_assert!(
            row_ptr.len() == nrows.wrapping_add(1)
                && row_ptr.last() == Some(&col_idx.len())
                && col_idx.len() == values.len()
        );
        CsrView {
            nrows,
            ncols,
            row_ptr,
            col_idx,
            values,
        }
    }

    pub(crate) fn parts(&self) -> Parts<'a, T, I> {
        // SAFETY: the fields of a view are private and set only by `try_new` (which validates
        // them) or by `new_unchecked` (whose contract is these invariants).
        unsafe {
            Parts::new_unchecked(
                self.nrows,
                self.ncols,
                self.row_ptr,
                self.col_idx,
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
        self.col_idx.len()
    }
    /// Row offsets.
    pub fn row_ptr(&self) -> &'a [usize] {
        self.row_ptr
    }
    /// Column indices.
    pub fn col_idx(&self) -> &'a [I] {
        self.col_idx
    }
    /// Values.
    pub fn values(&self) -> &'a [T] {
        self.values
    }
    /// Column indices and values of row `i`.
    ///
    /// # Panics
    ///
    /// If `i >= nrows`.
    #[track_caller]
    pub fn row(&self, i: usize) -> (&'a [I], &'a [T]) {
        assert!(
            i < self.nrows,
            "row {i} out of range for {} rows",
            self.nrows
        );
        let r = self.row_ptr[i]..self.row_ptr[i + 1];
        (&self.col_idx[r.clone()], &self.values[r])
    }
    /// `Aᵀ` as a CSC view of the same slices: zero-copy.
    pub fn transpose(&self) -> CscView<'a, T, I> {
        // SAFETY: CSR invariants of A are CSC invariants of Aᵀ over the same slices.
        unsafe {
            CscView::new_unchecked(
                self.ncols,
                self.nrows,
                self.row_ptr,
                self.col_idx,
                self.values,
            )
        }
    }
    /// Copies into an owned [`Csr`].
    pub fn to_csr(&self) -> Csr<T, I> {
        Csr {
            scratch: Workspace::default(),
            nrows: self.nrows,
            ncols: self.ncols,
            row_ptr: self.row_ptr.to_vec(),
            col_idx: self.col_idx.to_vec(),
            values: self.values.to_vec(),
        }
    }
    /// The same matrix in CSC form (copies: `O(nnz + ncols)` time and memory).
    pub fn to_csc(&self) -> Csc<T, I> {
        let (ptr, idx, val) = compressed::transpose(self.parts());
        // SAFETY: `transpose` produces valid compressed parts of the same matrix along the
        // other dimension (indices strictly increasing, since outer slices are visited in order).
        unsafe { Csc::new_unchecked(self.nrows, self.ncols, ptr, idx, val) }
    }
    /// The same matrix as a dense array in the given layout.
    pub fn to_dense(&self, layout: Layout) -> Dense<T> {
        let mut d = Dense::zeros(self.nrows, self.ncols, layout);
        for i in 0..self.nrows {
            let (cols, vals) = self.row(i);
            for (&j, &v) in cols.iter().zip(vals) {
                d.set(i, j.index(), v);
            }
        }
        d
    }
    /// Bytes of matrix data per stored entry (offsets included), or `None` when `nnz == 0`.
    pub fn bytes_per_nnz(&self) -> Option<f64> {
        (self.nnz() > 0).then(|| self.data_bytes() as f64 / self.nnz() as f64)
    }
}

impl<S: Scalar + Widen<T>, T: Scalar, I: Index> MatVec<T> for CsrView<'_, S, I> {
    fn nrows(&self) -> usize {
        self.nrows
    }
    fn ncols(&self) -> usize {
        self.ncols
    }
    #[track_caller]
    fn mul_vec(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), false);
        kernels::sparse::gather(self.parts(), alpha, x, beta, y, par);
    }
    #[track_caller]
    fn mul_vec_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), true);
        kernels::sparse::scatter(self.parts(), alpha, x, beta, y, par);
    }
    /// Reads each stored entry once for up to eight vectors (see [`MatVec::mul_mat`]).
    #[track_caller]
    fn mul_mat(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_block(self.nrows, self.ncols, x.len(), y.len(), false);
        kernels::sparse::gather_block(self.parts(), alpha, x, beta, y, par);
    }
    /// Reads each stored entry once for up to eight vectors (see [`MatVec::mul_mat`]).
    #[track_caller]
    fn mul_mat_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_block(self.nrows, self.ncols, x.len(), y.len(), true);
        kernels::sparse::scatter_block(self.parts(), alpha, x, beta, y, par);
    }
}

impl<S: Scalar + Widen<T>, T: Scalar, I: Index> MatVec<T> for Csr<S, I> {
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
    /// The block gather. Where 8 vectors overflow the cache but the columns are skewed (a
    /// graph's hubs), the 8 inputs of a group are first interleaved in a workspace the matrix
    /// keeps from then on (`inner · 64` bytes with `f64`, counted by `Footprint`); same bits.
    #[track_caller]
    fn mul_mat(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_block(self.nrows, self.ncols, x.len(), y.len(), false);
        let parts = self.view().parts();
        kernels::sparse::gather_block_owned(parts, &self.scratch, alpha, x, beta, y, par);
    }

    #[track_caller]
    fn mul_mat_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        self.view().mul_mat_t(alpha, x, beta, y, par)
    }
}

impl<T: Scalar, I: Index> Footprint for CsrView<'_, T, I> {
    fn heap_bytes(&self) -> usize {
        0
    }
    fn data_bytes(&self) -> usize {
        std::mem::size_of_val(self.row_ptr)
            + std::mem::size_of_val(self.col_idx)
            + std::mem::size_of_val(self.values)
    }
}

impl<T: Scalar, I: Index> Footprint for Csr<T, I> {
    fn heap_bytes(&self) -> usize {
        vec_bytes(&self.row_ptr)
            + vec_bytes(&self.col_idx)
            + vec_bytes(&self.values)
            + self.scratch.heap_bytes()
    }
    fn data_bytes(&self) -> usize {
        self.view().data_bytes()
    }
}

impl<'a, T: Scalar, I: Index> From<&'a Csr<T, I>> for CsrView<'a, T, I> {
    fn from(a: &'a Csr<T, I>) -> Self {
        a.view()
    }
}
