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

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, ShapeBuilder};

use crate::error::{Error, Result};
use crate::{Dense, DenseView, Layout, MatVec, Par, Scalar};

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
    /// Takes an owned [`ndarray::Array2`] by value. **No copy** when the array owns exactly
    /// its elements in C or Fortran order (as `Array2::zeros`, `from_shape_vec`, `.f()`
    /// arrays and most results do): its `Vec` becomes the matrix's, row-major or column-major.
    /// Any other array is **copied**: a contiguous part of a larger allocation keeps its
    /// layout, anything else (a `slice_move`d window of columns, reversed or stepped axes) is
    /// copied into row-major order, since no [`Dense`] can hold its strides. The same as
    /// [`Dense::from`](From::from).
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::{Dense, Layout, MatVec};
    /// use ndarray::ShapeBuilder;
    ///
    /// let a = ndarray::Array2::<f64>::from_shape_fn((2, 3).f(), |(i, j)| (i + 10 * j) as f64);
    /// let ptr = a.as_ptr();
    /// let d = Dense::from_ndarray(a); // Fortran order: moved, not copied
    /// assert_eq!((d.layout(), d.data().as_ptr()), (Layout::ColMajor, ptr));
    /// assert_eq!(d.matvec(&[1.0, 1.0, 1.0]), vec![30.0, 33.0]);
    ///
    /// // A window of columns is copied into row-major order.
    /// let b = ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    /// let w = b.slice_move(ndarray::s![.., 1..]);
    /// assert_eq!(Dense::from_ndarray(w).data(), &[2.0, 3.0, 5.0, 6.0]);
    /// ```
    pub fn from_ndarray(a: Array2<T>) -> Dense<T> {
        let (nrows, ncols) = a.dim();
        let layout = if a.is_standard_layout() {
            Some(Layout::RowMajor)
        } else if a.t().is_standard_layout() {
            Some(Layout::ColMajor)
        } else {
            None
        };
        if let Some(layout) = layout {
            let len = a.len();
            let (data, offset) = a.into_raw_vec_and_offset();
            let off = offset.unwrap_or(0);
            // The array starts at its allocation and owns nothing else: hand the Vec over;
            // otherwise its elements are contiguous from `off` in this layout: copy those.
            let data = if data.len() == len && off == 0 {
                data
            } else {
                data[off..off + len].to_vec()
            };
            return Dense::try_new(nrows, ncols, layout, data)
                .expect("an ndarray's shape matches its element count");
        }
        let data: Vec<T> = a.iter().copied().collect(); // logical (row-major) order
        Dense::try_new(nrows, ncols, Layout::RowMajor, data)
            .expect("an ndarray's shape matches its element count")
    }

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

/// Moves or copies: see [`Dense::from_ndarray`] (no copy for an array that owns exactly its
/// elements in C or Fortran order).
impl<T: Scalar> From<Array2<T>> for Dense<T> {
    fn from(a: Array2<T>) -> Self {
        Dense::from_ndarray(a)
    }
}

/// Products with ndarray vectors: `x` an [`ArrayView1`], `y` an [`ArrayViewMut1`], for every
/// [`MatVec`] (a blanket impl). The vectors are used in place, with no copy; they must be
/// contiguous (unit stride), which every 1-D `Array`, `Array::view()` and column of a
/// Fortran-order (row of a C-order) matrix is. The idiom underneath is `x.as_slice()`.
///
/// # Errors
///
/// [`Error::Layout`] naming the stride when `x` or `y` is not contiguous (a column of a
/// C-order matrix, a stepped slice): products never copy silently.
///
/// # Panics
///
/// As [`MatVec::mul_vec`], when the lengths do not match the matrix.
///
/// # Examples
///
/// ```
/// use matvec::interop::NdarrayProducts;
/// use matvec::{Csr, Par};
///
/// let a = Csr::<f64>::identity(3);
/// let x = ndarray::array![1.0, 2.0, 3.0];
/// let mut y = ndarray::Array1::<f64>::zeros(3);
/// a.mul_ndarray(2.0, x.view(), 0.0, y.view_mut(), Par::Rayon)?;
/// assert_eq!(y, ndarray::array![2.0, 4.0, 6.0]);
///
/// // Every other entry of a longer vector is not contiguous: an error, not a copy.
/// let long = ndarray::Array1::<f64>::ones(6);
/// let err = a.mul_ndarray(1.0, long.slice(ndarray::s![..;2]), 0.0, y.view_mut(), Par::Seq);
/// assert!(err.unwrap_err().to_string().contains("stride 2"));
/// # Ok::<(), matvec::Error>(())
/// ```
pub trait NdarrayProducts<T: Scalar>: MatVec<T> {
    /// `y ← α·A·x + β·y` on ndarray vectors (see the trait's docs).
    ///
    /// # Errors
    ///
    /// [`Error::Layout`] if `x` or `y` is not contiguous.
    fn mul_ndarray(
        &self,
        alpha: T,
        x: ArrayView1<'_, T>,
        beta: T,
        y: ArrayViewMut1<'_, T>,
        par: Par,
    ) -> Result<()> {
        in_place(x, y, |x, y| self.mul_vec(alpha, x, beta, y, par))
    }

    /// `y ← α·Aᵀ·x + β·y` on ndarray vectors (see the trait's docs).
    ///
    /// # Errors
    ///
    /// [`Error::Layout`] if `x` or `y` is not contiguous.
    fn mul_ndarray_t(
        &self,
        alpha: T,
        x: ArrayView1<'_, T>,
        beta: T,
        y: ArrayViewMut1<'_, T>,
        par: Par,
    ) -> Result<()> {
        in_place(x, y, |x, y| self.mul_vec_t(alpha, x, beta, y, par))
    }
}

impl<T: Scalar, A: MatVec<T> + ?Sized> NdarrayProducts<T> for A {}

/// Runs `f` on the slices of `x` and `y`, or says which one is not contiguous.
fn in_place<T>(
    x: ArrayView1<'_, T>,
    mut y: ArrayViewMut1<'_, T>,
    f: impl FnOnce(&[T], &mut [T]),
) -> Result<()> {
    let x = x
        .as_slice()
        .ok_or_else(|| not_contiguous("x", x.strides()[0]))?;
    let stride = y.strides()[0];
    let y = y
        .as_slice_mut()
        .ok_or_else(|| not_contiguous("y", stride))?;
    f(x, y);
    Ok(())
}

fn not_contiguous(name: &str, stride: isize) -> Error {
    Error::Layout(format!(
        "the ndarray vector {name} has stride {stride} (in elements), not 1, so it cannot be \
         used in place; make a contiguous copy first, e.g. with `.to_owned()`"
    ))
}
