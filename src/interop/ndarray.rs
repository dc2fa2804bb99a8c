//! Zero-copy conversions between [`DenseView`] and [`ndarray::ArrayView2`], and from an owned
//! [`Dense`] into an [`ndarray::Array2`] (feature `ndarray`).
//!
//! * ndarray → matvec: a standard (C order) view becomes a [`Layout::RowMajor`] view, a
//!   Fortran-order view a [`Layout::ColMajor`] one (an array that is both, such as a single row
//!   or column, becomes row-major); any other strides (a slice with a step, reversed axes,
//!   a non-contiguous window) return [`Error::Layout`] naming the strides, since they cannot
//!   be viewed without copying.
//! * matvec → ndarray is infallible ([`From`]) and keeps the layout: row-major becomes a
//!   standard-layout view, column-major a Fortran-layout one.

use ndarray::{Array2, ArrayView2, ShapeBuilder};

use crate::error::{Error, Result};
use crate::{Dense, DenseView, Layout, Scalar};

impl<'a, T: Scalar> DenseView<'a, T> {
    /// Views a 2-D ndarray view in C or Fortran order as a [`DenseView`] of the same memory
    /// (zero-copy). The same as [`DenseView::try_from`](TryFrom::try_from).
    ///
    /// Standard (C order) layout gives [`Layout::RowMajor`], Fortran layout
    /// [`Layout::ColMajor`]; when both hold (one row, one column, or no elements), row-major.
    ///
    /// # Errors
    ///
    /// [`Error::Layout`], naming the shape and the strides, for any other memory layout:
    /// strided (e.g. every other row), negative strides (reversed axes), or a
    /// non-contiguous window of a larger array. ndarray's `as_standard_layout()` makes a
    /// contiguous copy.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::{DenseView, Layout, MatVec};
    /// use ndarray::{array, s};
    ///
    /// let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    /// let v = DenseView::from_ndarray(a.view())?;
    /// assert_eq!(v.layout(), Layout::RowMajor);
    /// assert_eq!(v.data().as_ptr(), a.as_ptr()); // the same memory
    /// assert_eq!(v.matvec(&[1.0, 0.0, 1.0]), vec![4.0, 10.0]);
    ///
    /// // The transpose of a C-order array is in Fortran order: still zero-copy.
    /// assert_eq!(DenseView::from_ndarray(a.t())?.layout(), Layout::ColMajor);
    ///
    /// // Every other column: not contiguous, so an error that names the strides.
    /// let err = DenseView::from_ndarray(a.slice(s![.., ..;2])).unwrap_err();
    /// assert!(err.to_string().contains("strides [3, 2]"));
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn from_ndarray(a: ArrayView2<'a, T>) -> Result<Self> {
        let (nrows, ncols) = a.dim();
        if let Some(data) = a.to_slice() {
            return DenseView::row_major(nrows, ncols, data);
        }
        // The transpose of a Fortran-order array is in standard order, over the same memory.
        if let Some(data) = a.reversed_axes().to_slice() {
            return DenseView::col_major(nrows, ncols, data);
        }
        Err(Error::Layout(format!(
            "an ndarray view of shape ({nrows}, {ncols}) with strides {:?} (in elements) is \
             neither in C (row-major) nor in Fortran (column-major) contiguous order, so it \
             cannot be viewed without copying; make a contiguous copy first, e.g. with \
             `as_standard_layout()`",
            a.strides()
        )))
    }

    /// An ndarray view of the same memory (zero-copy), in standard (C) layout for
    /// [`Layout::RowMajor`] and Fortran layout for [`Layout::ColMajor`]. The same as
    /// [`ArrayView2::from`](From::from).
    ///
    /// # Panics
    ///
    /// If ndarray cannot represent the shape: only when a dimension is 0 and the other
    /// exceeds `isize::MAX` (ndarray limits the product of the non-zero axis lengths).
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::DenseView;
    ///
    /// let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    /// let a = DenseView::col_major(2, 3, &data)?; // [[1, 3, 5], [2, 4, 6]]
    /// let v = a.to_ndarray();
    /// assert_eq!(v, ndarray::array![[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]);
    /// assert_eq!(v.as_ptr(), data.as_ptr()); // the same memory
    /// assert!(v.t().is_standard_layout());
    /// # Ok::<(), matvec::Error>(())
    /// ```
    #[track_caller]
    pub fn to_ndarray(&self) -> ArrayView2<'a, T> {
        let (nrows, ncols) = (self.nrows(), self.ncols());
        let view = match self.layout() {
            Layout::RowMajor => ArrayView2::from_shape((nrows, ncols), self.data()),
            Layout::ColMajor => ArrayView2::from_shape((nrows, ncols).f(), self.data()),
        };
        view.unwrap_or_else(|e| {
            panic!("DenseView::to_ndarray: ndarray cannot view a {nrows} x {ncols} matrix: {e}")
        })
    }
}

impl<T: Scalar> Dense<T> {
    /// Moves the elements into an [`ndarray::Array2`] without copying them (the `Vec` is
    /// handed over), in standard (C) layout for [`Layout::RowMajor`] and Fortran layout for
    /// [`Layout::ColMajor`]. The same as [`Array2::from`](From::from).
    ///
    /// # Panics
    ///
    /// If ndarray cannot represent the shape: only when a dimension is 0 and the other
    /// exceeds `isize::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::{Dense, Layout};
    ///
    /// let mut a = Dense::<f64>::zeros(2, 3, Layout::ColMajor);
    /// a.set(1, 2, 7.0);
    /// let ptr = a.data().as_ptr();
    /// let b = a.into_ndarray();
    /// assert_eq!(b[[1, 2]], 7.0);
    /// assert_eq!(b.as_ptr(), ptr); // the same allocation
    /// ```
    #[track_caller]
    pub fn into_ndarray(self) -> Array2<T> {
        let (nrows, ncols, layout) = (self.nrows(), self.ncols(), self.layout());
        let data = self.into_vec();
        let array = match layout {
            Layout::RowMajor => Array2::from_shape_vec((nrows, ncols), data),
            Layout::ColMajor => Array2::from_shape_vec((nrows, ncols).f(), data),
        };
        array.unwrap_or_else(|e| {
            panic!("Dense::into_ndarray: ndarray cannot hold a {nrows} x {ncols} matrix: {e}")
        })
    }
}

/// Zero-copy and checked: see [`DenseView::from_ndarray`].
///
/// # Examples
///
/// ```
/// use matvec::{DenseView, Layout};
/// use ndarray::ShapeBuilder; // for `.f()`
///
/// let a = ndarray::Array2::<f32>::zeros((3, 2).f()); // Fortran order
/// let v = DenseView::try_from(a.view())?;
/// assert_eq!(v.layout(), Layout::ColMajor);
/// assert_eq!((v.nrows(), v.ncols()), (3, 2));
/// # Ok::<(), matvec::Error>(())
/// ```
impl<'a, T: Scalar> TryFrom<ArrayView2<'a, T>> for DenseView<'a, T> {
    type Error = Error;

    fn try_from(a: ArrayView2<'a, T>) -> Result<Self> {
        DenseView::from_ndarray(a)
    }
}

/// Zero-copy: see [`DenseView::to_ndarray`], including its `# Panics` section.
///
/// # Examples
///
/// ```
/// use matvec::DenseView;
/// use ndarray::ArrayView2;
///
/// let data = [1.0, 2.0, 3.0, 4.0];
/// let v = ArrayView2::from(DenseView::row_major(2, 2, &data)?);
/// assert_eq!(v[[1, 0]], 3.0);
/// # Ok::<(), matvec::Error>(())
/// ```
impl<'a, T: Scalar> From<DenseView<'a, T>> for ArrayView2<'a, T> {
    #[track_caller]
    fn from(a: DenseView<'a, T>) -> Self {
        a.to_ndarray()
    }
}

/// Moves the elements without copying: see [`Dense::into_ndarray`], including its
/// `# Panics` section.
///
/// # Examples
///
/// ```
/// use matvec::{Dense, Layout};
/// use ndarray::Array2;
///
/// let a = Dense::try_new(2, 2, Layout::RowMajor, vec![1.0, 2.0, 3.0, 4.0])?;
/// let b = Array2::from(a);
/// assert_eq!(b, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
/// # Ok::<(), matvec::Error>(())
/// ```
impl<T: Scalar> From<Dense<T>> for Array2<T> {
    #[track_caller]
    fn from(a: Dense<T>) -> Self {
        a.into_ndarray()
    }
}
