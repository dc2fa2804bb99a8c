//! Dense matrices: [`DenseView`] over a slice and the owned [`Dense`], in row-major or
//! column-major order.
//!
//! Both directions of the product reduce to two kernels over the *stored* layout, where an
//! "outer slice" is a row of a row-major array or a column of a column-major one:
//! "dot" (one dot product per outer slice: row-major `mul_vec`, column-major `mul_vec_t`)
//! and "axpy" (a sum of scaled outer slices: row-major `mul_vec_t`, column-major `mul_vec`),
//! in `kernels::dense`, shared with `MmapDense`. Both are parallel and split the output, so
//! results are bit-identical for every [`Par`].

use crate::error::{Error, Result};
use crate::kernels::dense::{axpy, axpy_multi, dot, dot_multi};
use crate::matvec::{check_block, check_lengths, scale_output};
use crate::memory::{Footprint, vec_bytes};
use crate::par::Par;
use crate::{MatVec, Scalar, Widen};

/// Storage order of a dense matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// C order: element `(i, j)` at `i * ncols + j`; rows are contiguous.
    RowMajor,
    /// Fortran order: element `(i, j)` at `j * nrows + i`; columns are contiguous.
    ColMajor,
}

impl Layout {
    /// The other order.
    pub fn transposed(self) -> Layout {
        match self {
            Layout::RowMajor => Layout::ColMajor,
            Layout::ColMajor => Layout::RowMajor,
        }
    }
}

/// A dense `nrows × ncols` matrix borrowed from a slice, in either [`Layout`].
///
/// # Examples
///
/// ```
/// use matvec::{DenseView, MatVec, Par};
///
/// let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let a = DenseView::row_major(2, 3, &data)?;     // [[1, 2, 3], [4, 5, 6]]
/// let b = DenseView::col_major(3, 2, &data)?;     // the same numbers, read as Aᵀ
/// let mut y = [0.0; 2];
/// a.mul_vec(1.0, &[1.0, 0.0, 1.0], 0.0, &mut y, Par::Seq);
/// assert_eq!(y, [4.0, 10.0]);
/// b.mul_vec_t(1.0, &[1.0, 0.0, 1.0], 0.0, &mut y, Par::Seq);
/// assert_eq!(y, [4.0, 10.0]);
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DenseView<'a, T> {
    nrows: usize,
    ncols: usize,
    layout: Layout,
    data: &'a [T],
}

/// A dense `nrows × ncols` matrix owning its elements, in either [`Layout`].
///
/// # Examples
///
/// ```
/// use matvec::{Dense, Layout, MatVec};
///
/// let mut a = Dense::<f64>::zeros(2, 2, Layout::RowMajor);
/// a.set(0, 1, 3.0);
/// assert_eq!(a.matvec(&[1.0, 1.0]), vec![3.0, 0.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dense<T> {
    nrows: usize,
    ncols: usize,
    layout: Layout,
    data: Vec<T>,
}

fn check_len(nrows: usize, ncols: usize, found: usize) -> Result<()> {
    match nrows.checked_mul(ncols) {
        Some(n) if n == found => Ok(()),
        _ => Err(Error::DenseLength {
            nrows,
            ncols,
            found,
        }),
    }
}

#[inline(always)]
fn offset(layout: Layout, nrows: usize, ncols: usize, i: usize, j: usize) -> usize {
    assert!(
        i < nrows && j < ncols,
        "element ({i}, {j}) out of range for a {nrows} x {ncols} matrix"
    );
    match layout {
        Layout::RowMajor => i * ncols + j,
        Layout::ColMajor => j * nrows + i,
    }
}

impl<'a, T: Scalar> DenseView<'a, T> {
    /// Views `data` as an `nrows × ncols` matrix in `layout`.
    ///
    /// # Errors
    ///
    /// [`Error::DenseLength`] unless `data.len() == nrows * ncols`.
    pub fn try_new(nrows: usize, ncols: usize, layout: Layout, data: &'a [T]) -> Result<Self> {
        check_len(nrows, ncols, data.len())?;
        Ok(DenseView {
            nrows,
            ncols,
            layout,
            data,
        })
    }
    /// Views `data` as a row-major (C order) `nrows × ncols` matrix.
    ///
    /// # Errors
    ///
    /// [`Error::DenseLength`] unless `data.len() == nrows * ncols`.
    pub fn row_major(nrows: usize, ncols: usize, data: &'a [T]) -> Result<Self> {
        Self::try_new(nrows, ncols, Layout::RowMajor, data)
    }
    /// Views `data` as a column-major (Fortran order) `nrows × ncols` matrix.
    ///
    /// # Errors
    ///
    /// [`Error::DenseLength`] unless `data.len() == nrows * ncols`.
    pub fn col_major(nrows: usize, ncols: usize, data: &'a [T]) -> Result<Self> {
        Self::try_new(nrows, ncols, Layout::ColMajor, data)
    }
    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
    /// Storage order.
    pub fn layout(&self) -> Layout {
        self.layout
    }
    /// The elements, in storage order.
    pub fn data(&self) -> &'a [T] {
        self.data
    }
    /// Element `(i, j)`.
    ///
    /// # Panics
    ///
    /// If `(i, j)` is out of range.
    #[track_caller]
    pub fn get(&self, i: usize, j: usize) -> T {
        self.data[offset(self.layout, self.nrows, self.ncols, i, j)]
    }
    /// `Aᵀ` over the same slice (zero-copy: the layout flips).
    pub fn transpose(&self) -> DenseView<'a, T> {
        DenseView {
            nrows: self.ncols,
            ncols: self.nrows,
            layout: self.layout.transposed(),
            data: self.data,
        }
    }
    /// Copies into an owned [`Dense`] of the same layout.
    pub fn to_dense(&self) -> Dense<T> {
        Dense {
            nrows: self.nrows,
            ncols: self.ncols,
            layout: self.layout,
            data: self.data.to_vec(),
        }
    }
    /// `(outer, inner)`: the number of stored slices and their length.
    fn stored_shape(&self) -> (usize, usize) {
        match self.layout {
            Layout::RowMajor => (self.nrows, self.ncols),
            Layout::ColMajor => (self.ncols, self.nrows),
        }
    }
}

impl<T: Scalar> Dense<T> {
    /// Takes `data` without copying as an `nrows × ncols` matrix in `layout`.
    ///
    /// # Errors
    ///
    /// [`Error::DenseLength`] unless `data.len() == nrows * ncols`.
    pub fn try_new(nrows: usize, ncols: usize, layout: Layout, data: Vec<T>) -> Result<Self> {
        check_len(nrows, ncols, data.len())?;
        Ok(Dense {
            nrows,
            ncols,
            layout,
            data,
        })
    }
    /// An `nrows × ncols` matrix of zeros.
    ///
    /// # Panics
    ///
    /// If `nrows * ncols` overflows `usize`.
    #[track_caller]
    pub fn zeros(nrows: usize, ncols: usize, layout: Layout) -> Self {
        let n = nrows
            .checked_mul(ncols)
            .unwrap_or_else(|| panic!("Dense::zeros: {nrows} x {ncols} overflows usize"));
        Dense {
            nrows,
            ncols,
            layout,
            data: vec![T::ZERO; n],
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
    /// Storage order.
    pub fn layout(&self) -> Layout {
        self.layout
    }
    /// A borrowed view.
    pub fn view(&self) -> DenseView<'_, T> {
        DenseView {
            nrows: self.nrows,
            ncols: self.ncols,
            layout: self.layout,
            data: &self.data,
        }
    }
    /// The elements, in storage order.
    pub fn data(&self) -> &[T] {
        &self.data
    }
    /// The elements, in storage order, mutable.
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }
    /// Gives back the elements without copying.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }
    /// Element `(i, j)`.
    ///
    /// # Panics
    ///
    /// If `(i, j)` is out of range.
    #[track_caller]
    pub fn get(&self, i: usize, j: usize) -> T {
        self.view().get(i, j)
    }
    /// Sets element `(i, j)`.
    ///
    /// # Panics
    ///
    /// If `(i, j)` is out of range.
    #[track_caller]
    pub fn set(&mut self, i: usize, j: usize, v: T) {
        let k = offset(self.layout, self.nrows, self.ncols, i, j);
        self.data[k] = v;
    }
    /// `Aᵀ` without copying (the layout flips).
    pub fn into_transpose(self) -> Dense<T> {
        Dense {
            nrows: self.ncols,
            ncols: self.nrows,
            layout: self.layout.transposed(),
            data: self.data,
        }
    }
    /// `A ← α·A`, in place.
    pub fn scale(&mut self, alpha: T) {
        self.data.iter_mut().for_each(|v| *v *= alpha);
    }
    /// `A ← diag(d)·A`, in place.
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
        self.scale_along(d, Layout::RowMajor);
    }
    /// `A ← A·diag(d)`, in place.
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
        self.scale_along(d, Layout::ColMajor);
    }
    /// Scales the slices that are contiguous in `contiguous` order by `d` (rows for
    /// `RowMajor`).
    fn scale_along(&mut self, d: &[T], contiguous: Layout) {
        let len = self.data.len() / d.len().max(1);
        if self.layout == contiguous {
            for (chunk, &s) in self.data.chunks_exact_mut(len.max(1)).zip(d) {
                chunk.iter_mut().for_each(|v| *v *= s);
            }
        } else {
            for chunk in self.data.chunks_exact_mut(d.len().max(1)) {
                chunk.iter_mut().zip(d).for_each(|(v, &s)| *v *= s);
            }
        }
    }
}

impl Dense<f64> {
    /// The same matrix (same layout) with values rounded to `f32`, and the largest relative
    /// rounding error of a nonzero value (see [`Csr::to_f32`](crate::Csr::to_f32)). The
    /// result serves `f64` vectors too, reading half the bytes a product.
    pub fn to_f32(&self) -> (Dense<f32>, f64) {
        let (data, err) = crate::scalar::round_to_f32(&self.data);
        let a = Dense {
            nrows: self.nrows,
            ncols: self.ncols,
            layout: self.layout,
            data,
        };
        (a, err)
    }
}

impl<S: Scalar + Widen<T>, T: Scalar> MatVec<T> for DenseView<'_, S> {
    fn nrows(&self) -> usize {
        self.nrows
    }
    fn ncols(&self) -> usize {
        self.ncols
    }
    #[track_caller]
    fn mul_vec(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), false);
        let (outer, inner) = self.stored_shape();
        match self.layout {
            Layout::RowMajor => dot(self.data, outer, inner, alpha, x, beta, y, par),
            Layout::ColMajor => axpy(self.data, outer, inner, alpha, x, beta, y, par),
        }
    }
    #[track_caller]
    fn mul_vec_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), true);
        let (outer, inner) = self.stored_shape();
        match self.layout {
            Layout::RowMajor => axpy(self.data, outer, inner, alpha, x, beta, y, par),
            Layout::ColMajor => dot(self.data, outer, inner, alpha, x, beta, y, par),
        }
    }
    /// Reads the matrix once (tile by tile, each tile used for every vector from cache).
    #[track_caller]
    fn mul_mat(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_block(self.nrows, self.ncols, x.len(), y.len(), false);
        self.block(alpha, x, beta, y, par, Layout::RowMajor);
    }
    /// Reads the matrix once. See [`mul_mat`](Self::mul_mat).
    #[track_caller]
    fn mul_mat_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_block(self.nrows, self.ncols, x.len(), y.len(), true);
        self.block(alpha, x, beta, y, par, Layout::ColMajor);
    }
}

impl<S: Scalar> DenseView<'_, S> {
    /// Block product; `dot_layout` is the layout in which it is a dot product per slice.
    fn block<T: Scalar>(
        &self,
        alpha: T,
        x: &[T],
        beta: T,
        y: &mut [T],
        par: Par,
        dot_layout: Layout,
    ) where
        S: Widen<T>,
    {
        let (outer, inner) = self.stored_shape();
        if alpha == T::ZERO || inner == 0 {
            return scale_output(beta, y);
        }
        if self.layout == dot_layout {
            dot_multi(self.data, outer, inner, alpha, x, beta, y, outer, 0, par);
        } else {
            scale_output(beta, y);
            axpy_multi(self.data, outer, inner, alpha, x, outer, 0, y, par);
        }
    }
}

impl<S: Scalar + Widen<T>, T: Scalar> MatVec<T> for Dense<S> {
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
    #[track_caller]
    fn mul_mat_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        self.view().mul_mat_t(alpha, x, beta, y, par)
    }
}

impl<T: Scalar> Footprint for DenseView<'_, T> {
    fn heap_bytes(&self) -> usize {
        0
    }
    fn data_bytes(&self) -> usize {
        std::mem::size_of_val(self.data)
    }
}

impl<T: Scalar> Footprint for Dense<T> {
    fn heap_bytes(&self) -> usize {
        vec_bytes(&self.data)
    }
    fn data_bytes(&self) -> usize {
        std::mem::size_of_val(self.data.as_slice())
    }
}
