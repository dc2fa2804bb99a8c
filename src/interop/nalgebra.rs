//! nalgebra and nalgebra-sparse (feature `nalgebra`): `DMatrix` and `DVector` used in place,
//! and nalgebra-sparse's `CsrMatrix` viewed or moved without copying.
//!
//! * `&DMatrix<T>` → [`DenseView`] (column-major, zero-copy), [`DenseView`] →
//!   `DMatrixView<'_, T, Dyn, Dyn>` (either layout, zero-copy), `DMatrix<T>` → [`Dense`] by
//!   value (the `Vec` is moved);
//! * a `DVector` is a contiguous slice: `x.as_slice()` and `y.as_mut_slice()` go straight into
//!   [`MatVec::mul_vec`](crate::MatVec::mul_vec) (see the example below);
//! * `&CsrMatrix<T>` → [`CsrView<T, usize>`] (zero-copy, checked in `O(nnz)`),
//!   `CsrMatrix<T>` ⇄ [`Csr<T, usize>`] by value (the vectors are moved; nalgebra-sparse
//!   checks the structure again when it receives them). nalgebra-sparse indices are `usize`,
//!   so only `usize`-indexed matrices convert without a copy.
//!
//! ```
//! use matvec::{DenseView, MatVec, Par};
//! use nalgebra::{DMatrix, DVector};
//!
//! let a = DMatrix::<f64>::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
//! let x = DVector::<f64>::from_element(3, 1.0);
//! let mut y = DVector::<f64>::zeros(2);
//! DenseView::from_nalgebra(&a).mul_vec(1.0, x.as_slice(), 0.0, y.as_mut_slice(), Par::Rayon);
//! assert_eq!(y, &a * &x);
//! ```

use nalgebra::{DMatrix, DMatrixView, Dyn};
use nalgebra_sparse::CsrMatrix;

use crate::error::Result;
use crate::{Csr, CsrView, Dense, DenseView, Layout, Scalar};

impl<'a, T: Scalar + nalgebra::Scalar> DenseView<'a, T> {
    /// Views a `DMatrix` (column-major storage) without copying.
    ///
    /// ```
    /// let m = nalgebra::DMatrix::<f32>::identity(3, 3);
    /// let v = matvec::DenseView::from_nalgebra(&m);
    /// assert_eq!(v.data().as_ptr(), m.as_slice().as_ptr());
    /// ```
    pub fn from_nalgebra(m: &'a DMatrix<T>) -> Self {
        let (r, c) = m.shape();
        DenseView::col_major(r, c, m.as_slice()).expect("a DMatrix holds rows × cols elements")
    }

    /// A nalgebra view of the same memory, with the strides of either layout (zero-copy).
    ///
    /// ```
    /// use matvec::DenseView;
    ///
    /// let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    /// let v = DenseView::row_major(2, 3, &data)?.to_nalgebra();
    /// assert_eq!((v[(1, 0)], v[(0, 2)]), (4.0, 3.0));
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn to_nalgebra(&self) -> DMatrixView<'a, T, Dyn, Dyn> {
        let (r, c) = (self.nrows(), self.ncols());
        let (rs, cs) = match self.layout() {
            Layout::RowMajor => (c.max(1), 1),
            Layout::ColMajor => (1, r.max(1)),
        };
        DMatrixView::from_slice_with_strides(self.data(), r, c, rs, cs)
    }
}

impl<T: Scalar + nalgebra::Scalar> Dense<T> {
    /// Takes a `DMatrix` by value: its column-major `Vec` becomes the matrix's (no copy).
    ///
    /// ```
    /// let m = nalgebra::DMatrix::<f64>::from_fn(2, 2, |i, j| (i * 2 + j) as f64);
    /// let ptr = m.as_slice().as_ptr();
    /// let d = matvec::Dense::from_nalgebra(m);
    /// assert_eq!((d.data().as_ptr(), d.get(1, 0)), (ptr, 2.0));
    /// ```
    pub fn from_nalgebra(m: DMatrix<T>) -> Self {
        let (r, c) = m.shape();
        let data: Vec<T> = m.data.into();
        Dense::try_new(r, c, Layout::ColMajor, data).expect("a DMatrix holds rows × cols elements")
    }
}

impl<'a, T: Scalar> CsrView<'a, T, usize> {
    /// Views a nalgebra-sparse `CsrMatrix` without copying, after checking every invariant of
    /// [`Csr`] in `O(nnz)`.
    ///
    /// # Errors
    ///
    /// [`Error::Structure`](crate::Error::Structure) if a dimension does not fit (never for
    /// `usize`) or its arrays break an invariant (nalgebra-sparse guarantees them, so this
    /// does not happen for a matrix it built).
    ///
    /// ```
    /// use matvec::{CsrView, MatVec};
    ///
    /// let m = nalgebra_sparse::CsrMatrix::<f64>::identity(3);
    /// let v = CsrView::from_nalgebra(&m)?;
    /// assert_eq!(v.values().as_ptr(), m.values().as_ptr());
    /// assert_eq!(v.matvec(&[1.0, 2.0, 3.0]), vec![1.0, 2.0, 3.0]);
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn from_nalgebra(m: &'a CsrMatrix<T>) -> Result<Self> {
        CsrView::try_new(
            m.nrows(),
            m.ncols(),
            m.row_offsets(),
            m.col_indices(),
            m.values(),
        )
    }
}

impl<T: Scalar> Csr<T, usize> {
    /// Takes a nalgebra-sparse `CsrMatrix` by value (its vectors are moved, no copy), checked
    /// as [`CsrView::from_nalgebra`].
    ///
    /// # Errors
    ///
    /// As [`CsrView::from_nalgebra`].
    pub fn from_nalgebra(m: CsrMatrix<T>) -> Result<Self> {
        let (r, c) = (m.nrows(), m.ncols());
        let (ptr, idx, val) = m.disassemble();
        Csr::try_new(r, c, ptr, idx, val)
    }

    /// Gives the matrix to nalgebra-sparse by value (no copy; it checks the structure once
    /// more, in `O(nnz)`).
    ///
    /// ```
    /// use matvec::Csr;
    ///
    /// let a = Csr::<f64, usize>::identity(4);
    /// let ptr = a.values().as_ptr();
    /// let m = a.into_nalgebra();
    /// assert_eq!((m.nnz(), m.values().as_ptr()), (4, ptr));
    /// ```
    pub fn into_nalgebra(self) -> CsrMatrix<T> {
        let (r, c, ptr, idx, val) = self.into_parts();
        CsrMatrix::try_from_csr_data(r, c, ptr, idx, val)
            .unwrap_or_else(|e| panic!("a valid matvec matrix is a valid CsrMatrix: {e}"))
    }
}
