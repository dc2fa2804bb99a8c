//! The one compute trait, [`MatVec`], its blanket impls and the [`Transposed`] wrapper.

use crate::{Par, Scalar};
use std::sync::Arc;

/// A linear operator `A` (`nrows × ncols`) that computes `y ← α·A·x + β·y` and
/// `y ← α·Aᵀ·x + β·y` into a buffer the caller owns.
///
/// Every matrix type of the crate implements it, and so do `&A`, `&mut A`, `Box<A>`, `Arc<A>`
/// and [`Transposed<A>`]; it is dyn-compatible, so algorithms can take `&dyn MatVec<f64>`.
///
/// Contract of both products (every implementation in the crate follows it, and
/// implementations outside it should):
///
/// * **No allocation.** The output is the caller's; a product allocates nothing on the heap.
///   One exception, once per matrix: an owned `Csr`/`Csc` whose block products pay for
///   interleaved inputs (large, skewed matrices) allocates that workspace on its first
///   `mul_mat`, keeps it and counts it in [`Footprint`](crate::Footprint).
/// * **β = 0 ⇒ `y` is write-only**: whatever `y` held (NaN, infinity, garbage) does not reach
///   the result, as in BLAS and ndarray's `general_mat_vec_mul`.
/// * **α = 0 ⇒ `A` and `x` are not read**: `y ← β·y`.
/// * **Deterministic**: the parallel kernels split the output, so results are bit-identical
///   for [`Par::Seq`] and [`Par::Rayon`] and any number of threads.
///
/// # Panics
///
/// Both products panic, with a message naming both shapes, when `x` or `y` does not have the
/// length the matrix needs (`x.len() == ncols`, `y.len() == nrows` for `mul_vec`; the reverse
/// for `mul_vec_t`). That is a programmer error, not a data error.
///
/// # Examples
///
/// A solver written once against the trait:
///
/// ```
/// use matvec::{Coo, MatVec, Par};
///
/// /// `iters` steps of power iteration, reusing two buffers.
/// fn power(a: &dyn MatVec<f64>, iters: usize) -> f64 {
///     let mut x = vec![1.0; a.ncols()];
///     let mut y = vec![0.0; a.nrows()];
///     let mut lambda = 0.0;
///     for _ in 0..iters {
///         a.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon);
///         lambda = y.iter().map(|v| v * v).sum::<f64>().sqrt();
///         for (xi, yi) in x.iter_mut().zip(&y) {
///             *xi = yi / lambda;
///         }
///     }
///     lambda
/// }
///
/// let mut coo = Coo::<f64>::new(2, 2);
/// coo.push(0, 0, 2.0);
/// coo.push(1, 1, 1.0);
/// let a = coo.into_csr();
/// assert!((power(&a, 50) - 2.0).abs() < 1e-9);
/// ```
pub trait MatVec<T: Scalar> {
    /// Number of rows of `A`.
    fn nrows(&self) -> usize;

    /// Number of columns of `A`.
    fn ncols(&self) -> usize;

    /// `y ← α·A·x + β·y`, with `x.len() == ncols()` and `y.len() == nrows()`.
    ///
    /// # Panics
    ///
    /// If `x` or `y` has the wrong length.
    fn mul_vec(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par);

    /// `y ← α·Aᵀ·x + β·y`, with `x.len() == nrows()` and `y.len() == ncols()`.
    ///
    /// # Panics
    ///
    /// If `x` or `y` has the wrong length.
    fn mul_vec_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par);

    /// Block product `Y ← α·A·X + β·Y` for `k` vectors at once: `X` is `ncols × k` and `Y` is
    /// `nrows × k`, both column-major (vector `j` of `X` is `x[j*ncols..(j+1)*ncols]`), with
    /// `k` deduced from the lengths.
    ///
    /// The default runs [`mul_vec`](Self::mul_vec) once per column. Types for which reading
    /// the matrix is the cost override it to read `A` once for all `k` vectors:
    /// [`MmapDense`](crate::MmapDense) reads the file once per block product instead of `k`
    /// times, which is what makes randomized SVD on a file larger than RAM practical; `Dense`
    /// walks cache-sized tiles; CSR, CSC and COO (and their views) read each stored entry once
    /// per group of up to 8 vectors, bit-identical to separate products.
    /// Same contract as `mul_vec` (no allocation, β = 0 write-only, deterministic).
    ///
    /// # Panics
    ///
    /// If the lengths are not `ncols·k` and `nrows·k` for one `k`.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::{DenseView, MatVec, Par};
    ///
    /// let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 x 3, row-major
    /// let a = DenseView::row_major(2, 3, &data).unwrap();
    /// // Two vectors of length 3, column-major: e₀ and (1, 1, 1).
    /// let x = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    /// let mut y = [0.0; 4];
    /// a.mul_mat(1.0, &x, 0.0, &mut y, Par::Rayon);
    /// assert_eq!(y, [1.0, 4.0, 6.0, 15.0]);
    /// ```
    #[track_caller]
    fn mul_mat(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        let (m, n) = self.shape();
        let k = check_block(m, n, x.len(), y.len(), false);
        for j in 0..k {
            self.mul_vec(
                alpha,
                &x[j * n..(j + 1) * n],
                beta,
                &mut y[j * m..(j + 1) * m],
                par,
            );
        }
    }

    /// Block product `Y ← α·Aᵀ·X + β·Y`: `X` is `nrows × k` and `Y` is `ncols × k`, both
    /// column-major. See [`mul_mat`](Self::mul_mat).
    ///
    /// # Panics
    ///
    /// If the lengths are not `nrows·k` and `ncols·k` for one `k`.
    #[track_caller]
    fn mul_mat_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        let (m, n) = self.shape();
        let k = check_block(m, n, x.len(), y.len(), true);
        for j in 0..k {
            self.mul_vec_t(
                alpha,
                &x[j * m..(j + 1) * m],
                beta,
                &mut y[j * n..(j + 1) * n],
                par,
            );
        }
    }

    /// `(nrows, ncols)`.
    fn shape(&self) -> (usize, usize) {
        (self.nrows(), self.ncols())
    }

    /// Allocating convenience: returns `A·x` in a new vector, using [`Par::default()`].
    ///
    /// Loops should call [`mul_vec`](Self::mul_vec) with a reused buffer instead.
    ///
    /// # Panics
    ///
    /// If `x.len() != ncols()`.
    #[track_caller]
    fn matvec(&self, x: &[T]) -> Vec<T> {
        let mut y = vec![T::ZERO; self.nrows()];
        self.mul_vec(T::ONE, x, T::ZERO, &mut y, Par::default());
        y
    }

    /// Allocating convenience: returns `Aᵀ·x` in a new vector, using [`Par::default()`].
    ///
    /// # Panics
    ///
    /// If `x.len() != nrows()`.
    #[track_caller]
    fn matvec_t(&self, x: &[T]) -> Vec<T> {
        let mut y = vec![T::ZERO; self.ncols()];
        self.mul_vec_t(T::ONE, x, T::ZERO, &mut y, Par::default());
        y
    }
}

/// Panics with a message naming both shapes unless `x` and `y` fit `A·x` (or `Aᵀ·x` if
/// `transposed`) for an `nrows × ncols` matrix. Called by every implementation.
#[track_caller]
#[inline]
pub(crate) fn check_lengths(nrows: usize, ncols: usize, x: usize, y: usize, transposed: bool) {
    let (nx, ny, op) = if transposed {
        (nrows, ncols, "mul_vec_t: y = alpha*A^T*x + beta*y")
    } else {
        (ncols, nrows, "mul_vec: y = alpha*A*x + beta*y")
    };
    if x != nx || y != ny {
        panic!(
            "{op}: A is {nrows} x {ncols}, so x needs length {nx} and y length {ny}, \
             but x has length {x} and y has length {y}"
        );
    }
}

/// The number of vectors `k` of a block product, or a panic naming the shapes when `x` and `y`
/// are not `k` vectors each (of length `ncols` and `nrows`; the reverse if `transposed`).
#[track_caller]
#[inline]
pub(crate) fn check_block(
    nrows: usize,
    ncols: usize,
    x: usize,
    y: usize,
    transposed: bool,
) -> usize {
    let (nx, ny, op) = if transposed {
        (nrows, ncols, "mul_mat_t: Y = alpha*A^T*X + beta*Y")
    } else {
        (ncols, nrows, "mul_mat: Y = alpha*A*X + beta*Y")
    };
    let Some(k) = block_vectors(x, nx, y, ny) else {
        panic!(
            "{op}: A is {nrows} x {ncols}, so X needs length {nx}*k and Y length {ny}*k for one \
             k (column-major), but X has length {x} and Y has length {y}"
        );
    };
    k
}

/// The `k` for which `x == k·nx` and `y == k·ny` (vectors of length `nx` and `ny`), if any:
/// the shape rule of every block product, shared by the trait's checks and the kernels.
#[inline]
pub(crate) fn block_vectors(x: usize, nx: usize, y: usize, ny: usize) -> Option<usize> {
    let k = x.checked_div(nx).or(y.checked_div(ny)).unwrap_or(0);
    (x == k * nx && y == k * ny).then_some(k)
}

/// `y ← β·y`, with β = 0 writing zeros (so NaN in `y` never survives).
#[inline]
pub(crate) fn scale_output<T: Scalar>(beta: T, y: &mut [T]) {
    if beta == T::ZERO {
        y.fill(T::ZERO);
    } else if beta != T::ONE {
        for v in y.iter_mut() {
            *v *= beta;
        }
    }
}

macro_rules! forward_matvec {
    ($($ty:ty),*) => {$(
        impl<T: Scalar, A: MatVec<T> + ?Sized> MatVec<T> for $ty {
            #[inline]
            fn nrows(&self) -> usize {
                (**self).nrows()
            }
            #[inline]
            fn ncols(&self) -> usize {
                (**self).ncols()
            }
            #[inline]
            #[track_caller]
            fn mul_vec(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
                (**self).mul_vec(alpha, x, beta, y, par)
            }
            #[inline]
            #[track_caller]
            fn mul_vec_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
                (**self).mul_vec_t(alpha, x, beta, y, par)
            }
            #[inline]
            #[track_caller]
            fn mul_mat(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
                (**self).mul_mat(alpha, x, beta, y, par)
            }
            #[inline]
            #[track_caller]
            fn mul_mat_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
                (**self).mul_mat_t(alpha, x, beta, y, par)
            }
        }
    )*};
}

forward_matvec!(&A, &mut A, Box<A>, Arc<A>);

/// A type-erased operator that can be shared across threads: `dyn MatVec<T> + Send + Sync`.
///
/// Every matrix type of the crate is `Send + Sync` (in memory, mapped and streamed; the test
/// suite checks each), so a server can hold any of them as a `Box<DynMatVec<f64>>` or an
/// `Arc<DynMatVec<f64>>` and multiply from several threads at once. The trait itself has no
/// `Sync` supertrait, so that single-threaded operators of your own (with a `Cell` counter,
/// say) still implement it; `Box<dyn MatVec<f64>>` without the bounds stays available for
/// those.
///
/// # Examples
///
/// ```
/// use matvec::{Csr, DynMatVec, MatVec};
/// use std::sync::Arc;
///
/// let a: Arc<DynMatVec<f64>> = Arc::new(Csr::<f64>::identity(3));
/// let handles: Vec<_> = (0..2)
///     .map(|k| {
///         let a = Arc::clone(&a);
///         std::thread::spawn(move || a.matvec(&[k as f64; 3]))
///     })
///     .collect();
/// for (k, h) in handles.into_iter().enumerate() {
///     assert_eq!(h.join().unwrap(), vec![k as f64; 3]);
/// }
/// ```
pub type DynMatVec<T> = dyn MatVec<T> + Send + Sync;

/// `Aᵀ` as an operator, without touching `A`'s data: its `mul_vec` is `A`'s `mul_vec_t`.
///
/// For the compressed formats a zero-copy *typed* transpose also exists
/// ([`CsrView::transpose`](crate::CsrView::transpose) gives a [`CscView`](crate::CscView));
/// `Transposed` works for any [`MatVec`].
///
/// # Examples
///
/// ```
/// use matvec::{DenseView, MatVec, Transposed};
///
/// let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 x 3, row-major
/// let a = DenseView::row_major(2, 3, &data).unwrap();
/// let at = Transposed(a);
/// assert_eq!(at.shape(), (3, 2));
/// assert_eq!(at.matvec(&[1.0, 1.0]), vec![5.0, 7.0, 9.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transposed<A>(pub A);

impl<T: Scalar, A: MatVec<T>> MatVec<T> for Transposed<A> {
    #[inline]
    fn nrows(&self) -> usize {
        self.0.ncols()
    }
    #[inline]
    fn ncols(&self) -> usize {
        self.0.nrows()
    }
    #[inline]
    #[track_caller]
    fn mul_vec(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        // Checked here too, so that the message names the shape of Aᵀ, not of A.
        check_lengths(self.nrows(), self.ncols(), x.len(), y.len(), false);
        self.0.mul_vec_t(alpha, x, beta, y, par)
    }
    #[inline]
    #[track_caller]
    fn mul_vec_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_lengths(self.nrows(), self.ncols(), x.len(), y.len(), true);
        self.0.mul_vec(alpha, x, beta, y, par)
    }
    #[inline]
    #[track_caller]
    fn mul_mat(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_block(self.nrows(), self.ncols(), x.len(), y.len(), false);
        self.0.mul_mat_t(alpha, x, beta, y, par)
    }
    #[inline]
    #[track_caller]
    fn mul_mat_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_block(self.nrows(), self.ncols(), x.len(), y.len(), true);
        self.0.mul_mat(alpha, x, beta, y, par)
    }
}
