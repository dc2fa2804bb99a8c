//! The faer bridge (feature `faer`): any [`MatVec`] as a faer operator, so faer's
//! matrix-free solvers (LSMR, BiCGSTAB, conjugate gradients, partial eigen- and singular value
//! decompositions in `faer::matrix_free`) run on our matrices — in memory, mapped or streamed
//! from a file — and zero-copy views between our types and faer's.
//!
//! Why an adapter rather than implementing faer's traits on each type: one generic wrapper
//! covers every `MatVec` (and `&dyn MatVec`), including the user's own operators, and keeps
//! faer out of the types' definitions.

use faer::dyn_stack::{MemStack, StackReq};
use faer::matrix_free::{BiLinOp, LinOp};
use faer::sparse::{
    SparseColMatRef, SparseRowMatRef, SymbolicSparseColMatRef, SymbolicSparseRowMatRef,
};
use faer::{MatMut, MatRef};

use crate::error::{Error, Result};
use crate::{CscView, CsrView, DenseView, Layout, MatVec, Par, Scalar};

/// Any [`MatVec<T>`] as a faer [`LinOp<T>`] and [`BiLinOp<T>`], so `faer::matrix_free`'s
/// solvers run on it. Wraps the operator by value; pass a reference (`FaerOp::new(&a)`) to
/// keep using `a`.
///
/// Products: one right-hand side whose columns are contiguous (faer's `Col`s, and every
/// column of a `Mat`) is multiplied in place, with no copy. Several right-hand sides are
/// gathered into faer's scratch stack (sized by `apply_scratch`, `(nrows + ncols) · k`
/// elements) and multiplied with one [`MatVec::mul_mat`], which reads a sparse or
/// file-backed matrix once per group of vectors rather than once per vector. faer's `Par`
/// maps to ours: `Par::Seq` to [`Par::Seq`], `Par::Rayon(_)` to [`Par::Rayon`] (our kernels
/// run on rayon's current pool; the thread count faer passes is not used).
///
/// Streamed matrices ([`stream`](crate::stream)) read their file inside the product; an I/O
/// error there panics, as their infallible [`MatVec`] methods document (faer's operator
/// traits have no error channel). Use their `try_` methods where a read error must be
/// handled.
///
/// # Examples
///
/// BiCGSTAB from faer on a non-symmetric CSR matrix of ours:
///
/// ```
/// use faer::dyn_stack::{MemBuffer, MemStack};
/// use faer::matrix_free::{IdentityPrecond, bicgstab};
/// use matvec::interop::FaerOp;
/// use matvec::{Coo, MatVec};
///
/// let n = 50;
/// let mut coo = Coo::<f64>::new(n, n);
/// for i in 0..n {
///     coo.push(i, i, 4.0);
///     if i + 1 < n {
///         coo.push(i, i + 1, -1.5); // not symmetric
///         coo.push(i + 1, i, -0.5);
///     }
/// }
/// let a = coo.into_csr();
/// let b: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
/// let mut x = vec![0.0; n];
///
/// let op = FaerOp::new(&a);
/// let precond = IdentityPrecond { dim: n };
/// let par = faer::Par::Seq;
/// let mut mem = MemBuffer::new(bicgstab::bicgstab_scratch(precond, precond, &op, 1, par));
/// bicgstab::bicgstab(
///     faer::MatMut::from_column_major_slice_mut(&mut x, n, 1),
///     precond,
///     precond,
///     &op,
///     faer::MatRef::from_column_major_slice(&b, n, 1),
///     bicgstab::BicgParams::default(),
///     |_| {},
///     par,
///     MemStack::new(&mut mem),
/// )
/// .unwrap();
///
/// let ax = a.matvec(&x);
/// let err = (0..n).map(|i| (ax[i] - b[i]).abs()).fold(0.0, f64::max);
/// assert!(err < 1e-8, "{err}");
/// ```
pub struct FaerOp<A> {
    a: A,
}

impl<A> FaerOp<A> {
    /// Wraps `a` (any `MatVec<T> + Sync`; a reference works too).
    pub fn new(a: A) -> Self {
        FaerOp { a }
    }

    /// The wrapped operator.
    pub fn get(&self) -> &A {
        &self.a
    }

    /// The wrapped operator, by value.
    pub fn into_inner(self) -> A {
        self.a
    }
}

impl<A> std::fmt::Debug for FaerOp<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaerOp")
            .field("operator", &std::any::type_name::<A>())
            .finish()
    }
}

/// Our parallelism for faer's.
fn par_of(par: faer::Par) -> Par {
    match par {
        faer::Par::Seq => Par::Seq,
        faer::Par::Rayon(_) => Par::Rayon,
    }
}

/// Scratch for `k` right-hand sides of an `m × n` operator (either direction).
fn scratch<T>(m: usize, n: usize, k: usize) -> StackReq {
    StackReq::new::<T>(m.saturating_add(n).saturating_mul(k))
}

/// `out ← op(A)·rhs`, `op` the identity or the transpose (the adjoint, for real `T`).
#[track_caller]
fn product<A: MatVec<T>, T: Scalar>(
    a: &A,
    transposed: bool,
    mut out: MatMut<'_, T>,
    rhs: MatRef<'_, T>,
    par: faer::Par,
    stack: &mut MemStack,
) {
    let (m, n) = a.shape();
    let (n_in, n_out) = if transposed { (m, n) } else { (n, m) };
    let k = rhs.ncols();
    assert!(
        rhs.nrows() == n_in && out.nrows() == n_out && out.ncols() == k,
        "FaerOp: a {m} x {n} operator{} cannot map a {} x {k} right-hand side into a {} x {} \
             output",
        if transposed { " (transposed)" } else { "" },
        rhs.nrows(),
        out.nrows(),
        out.ncols()
    );
    if k == 0 || n_out == 0 {
        return;
    }
    if n_in == 0 {
        // A product with no terms, which `mul_mat` could not size from empty inputs.
        out.fill(T::ZERO);
        return;
    }
    let par = par_of(par);
    let apply = |x: &[T], y: &mut [T], block: bool| match (transposed, block) {
        (false, false) => a.mul_vec(T::ONE, x, T::ZERO, y, par),
        (true, false) => a.mul_vec_t(T::ONE, x, T::ZERO, y, par),
        (false, true) => a.mul_mat(T::ONE, x, T::ZERO, y, par),
        (true, true) => a.mul_mat_t(T::ONE, x, T::ZERO, y, par),
    };
    if k == 1 {
        let x = rhs.col(0).try_as_col_major().map(|c| c.as_slice());
        if let (Some(x), Some(y)) = (x, out.as_mut().col_mut(0).try_as_col_major_mut()) {
            return apply(x, y.as_slice_mut(), false);
        }
    }
    // Strided or several columns: gather into the scratch faer sized for us, one block
    // product, scatter. The copies are O((m + n)·k), against the product's O(nnz·k).
    let (mut xs, stack) = stack.make_with(n_in * k, |_| T::ZERO);
    for j in 0..k {
        let dst = &mut xs[j * n_in..(j + 1) * n_in];
        match rhs.col(j).try_as_col_major() {
            Some(c) => dst.copy_from_slice(c.as_slice()),
            None => dst
                .iter_mut()
                .enumerate()
                .for_each(|(i, d)| *d = rhs[(i, j)]),
        }
    }
    let (mut ys, _) = stack.make_with(n_out * k, |_| T::ZERO);
    apply(&xs, &mut ys, true);
    for j in 0..k {
        let src = &ys[j * n_out..(j + 1) * n_out];
        for (i, &v) in src.iter().enumerate() {
            out[(i, j)] = v;
        }
    }
}

impl<A: MatVec<T> + Sync, T: Scalar + faer::traits::ComplexField> LinOp<T> for FaerOp<A> {
    fn apply_scratch(&self, rhs_ncols: usize, _par: faer::Par) -> StackReq {
        scratch::<T>(self.a.nrows(), self.a.ncols(), rhs_ncols)
    }
    fn nrows(&self) -> usize {
        self.a.nrows()
    }
    fn ncols(&self) -> usize {
        self.a.ncols()
    }
    fn apply(&self, out: MatMut<'_, T>, rhs: MatRef<'_, T>, par: faer::Par, s: &mut MemStack) {
        product(&self.a, false, out, rhs, par, s);
    }
    /// Our scalars are real: the conjugate is the operator itself.
    fn conj_apply(&self, out: MatMut<'_, T>, rhs: MatRef<'_, T>, par: faer::Par, s: &mut MemStack) {
        product(&self.a, false, out, rhs, par, s);
    }
}

impl<A: MatVec<T> + Sync, T: Scalar + faer::traits::ComplexField> BiLinOp<T> for FaerOp<A> {
    fn transpose_apply_scratch(&self, rhs_ncols: usize, _par: faer::Par) -> StackReq {
        scratch::<T>(self.a.nrows(), self.a.ncols(), rhs_ncols)
    }
    fn transpose_apply(
        &self,
        out: MatMut<'_, T>,
        rhs: MatRef<'_, T>,
        par: faer::Par,
        s: &mut MemStack,
    ) {
        product(&self.a, true, out, rhs, par, s);
    }
    /// Our scalars are real: the adjoint is the transpose.
    fn adjoint_apply(
        &self,
        out: MatMut<'_, T>,
        rhs: MatRef<'_, T>,
        par: faer::Par,
        s: &mut MemStack,
    ) {
        product(&self.a, true, out, rhs, par, s);
    }
}

impl<'a, T: Scalar> DenseView<'a, T> {
    /// A faer view of the same memory (zero-copy), row-major or column-major as stored.
    ///
    /// ```
    /// use matvec::DenseView;
    ///
    /// let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    /// let a = DenseView::row_major(2, 3, &data)?;
    /// let f = a.to_faer();
    /// assert_eq!((f.nrows(), f.ncols(), f[(1, 0)]), (2, 3, 4.0));
    /// assert_eq!(f.as_ptr(), data.as_ptr());
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn to_faer(&self) -> MatRef<'a, T> {
        match self.layout() {
            Layout::RowMajor => {
                MatRef::from_row_major_slice(self.data(), self.nrows(), self.ncols())
            }
            Layout::ColMajor => {
                MatRef::from_column_major_slice(self.data(), self.nrows(), self.ncols())
            }
        }
    }

    /// Views a faer matrix whose elements are contiguous in column-major or row-major order
    /// (zero-copy), such as a `MatRef::from_column_major_slice` over a `Vec`.
    ///
    /// Note that faer's owned `Mat` pads each column to its SIMD alignment (a column stride of
    /// 8 for a 3-row `f64` matrix), so a `Mat` converts only when its row count is a multiple
    /// of that alignment; to hand an operator *to* faer, [`FaerOp`] needs no view at all.
    ///
    /// # Errors
    ///
    /// [`Error::Layout`] naming the strides for any other layout (a padded `Mat`, a
    /// submatrix, a reversed or strided view); copy into a `Vec` first.
    ///
    /// ```
    /// use matvec::{DenseView, Layout, MatVec};
    ///
    /// let data: Vec<f64> = (0..6).map(f64::from).collect();
    /// let m = faer::MatRef::from_column_major_slice(&data, 3, 2);
    /// let v = DenseView::from_faer(m)?;
    /// assert_eq!((v.layout(), v.data().as_ptr()), (Layout::ColMajor, data.as_ptr()));
    /// assert_eq!(v.matvec(&[1.0, 1.0]), vec![3.0, 5.0, 7.0]);
    /// assert!(DenseView::from_faer(m.subrows(0, 2)).is_err()); // column stride 3, 2 rows
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn from_faer(m: MatRef<'a, T>) -> Result<Self> {
        let (r, c) = (m.nrows(), m.ncols());
        let (rs, cs) = (m.row_stride(), m.col_stride());
        let len = r
            .checked_mul(c)
            .ok_or_else(|| Error::Layout("too large".into()))?;
        let layout = if r <= 1 || c <= 1 || len == 0 {
            // One row, one column or nothing: contiguous if the one stride that matters is 1.
            match (r, c) {
                _ if len == 0 => Some(Layout::RowMajor),
                (_, 1) if rs == 1 => Some(Layout::ColMajor),
                (1, _) if cs == 1 => Some(Layout::RowMajor),
                _ => None,
            }
        } else if rs == 1 && cs == r as isize {
            Some(Layout::ColMajor)
        } else if cs == 1 && rs == c as isize {
            Some(Layout::RowMajor)
        } else {
            None
        };
        let Some(layout) = layout else {
            return Err(Error::Layout(format!(
                "a faer matrix of shape ({r}, {c}) with row stride {rs} and column stride {cs} is \
                 neither column-major nor row-major contiguous, so it cannot be viewed without \
                 copying; make a contiguous copy first, e.g. with `to_owned()`"
            )));
        };
        let data: &'a [T] = if len == 0 {
            &[]
        } else {
            // SAFETY: `m` is a shared view, valid for `'a`, of the `r × c` elements at
            // `ptr + i·rs + j·cs`; with the strides checked above (unit stride along one axis,
            // the other's length along the other, both positive) those are exactly the `len`
            // consecutive elements from `ptr`, which is non-null and aligned (faer's view
            // invariant). Nothing mutable aliases them for `'a`, as `MatRef<'a, T>` promises.
            unsafe { std::slice::from_raw_parts(m.as_ptr(), len) }
        };
        DenseView::try_new(r, c, layout, data)
    }
}

impl<'a, T: Scalar> CsrView<'a, T, usize> {
    /// A faer sparse row-major view of the same arrays (zero-copy; faer checks the structure
    /// again, in `O(nnz)`). faer has one index type for offsets and indices, so only
    /// `usize`-indexed views convert; a `u32`-indexed matrix has no faer view without a copy.
    ///
    /// ```
    /// use matvec::Csr;
    ///
    /// let a = Csr::<f64, usize>::identity(3);
    /// let f = a.view().to_faer();
    /// assert_eq!((f.nrows(), f.ncols(), f.compute_nnz()), (3, 3, 3));
    /// ```
    pub fn to_faer(&self) -> SparseRowMatRef<'a, usize, T> {
        let symbolic = SymbolicSparseRowMatRef::new_checked(
            self.nrows(),
            self.ncols(),
            self.row_ptr(),
            None,
            self.col_idx(),
        );
        SparseRowMatRef::new(symbolic, self.values())
    }

    /// Views a faer sparse row-major matrix (zero-copy), after checking every invariant of
    /// [`Csr`](crate::Csr) in `O(nnz)`.
    ///
    /// # Errors
    ///
    /// [`Error::Layout`] if the faer matrix has per-row lengths (`row_nnz`: rows that do not
    /// fill the space between offsets), [`Error::Structure`](crate::Error::Structure) if its
    /// offsets do not start at 0 or its indices are unsorted or duplicated.
    pub fn from_faer(m: SparseRowMatRef<'a, usize, T>) -> Result<Self> {
        let (s, values) = m.parts();
        if s.row_nnz().is_some() {
            return Err(Error::Layout(
                "a faer sparse matrix with per-row lengths (row_nnz) has gaps between its rows, \
                 which a CsrView cannot hold"
                    .into(),
            ));
        }
        CsrView::try_new(s.nrows(), s.ncols(), s.row_ptr(), s.col_idx(), values)
    }
}

impl<'a, T: Scalar> CscView<'a, T, usize> {
    /// A faer sparse column-major view of the same arrays (zero-copy; `usize` indices only,
    /// as for [`CsrView::to_faer`]).
    pub fn to_faer(&self) -> SparseColMatRef<'a, usize, T> {
        let symbolic = SymbolicSparseColMatRef::new_checked(
            self.nrows(),
            self.ncols(),
            self.col_ptr(),
            None,
            self.row_idx(),
        );
        SparseColMatRef::new(symbolic, self.values())
    }

    /// Views a faer sparse column-major matrix (zero-copy), checked as
    /// [`CsrView::from_faer`].
    ///
    /// # Errors
    ///
    /// As [`CsrView::from_faer`], for columns.
    pub fn from_faer(m: SparseColMatRef<'a, usize, T>) -> Result<Self> {
        let (s, values) = m.parts();
        if s.col_nnz().is_some() {
            return Err(Error::Layout(
                "a faer sparse matrix with per-column lengths (col_nnz) has gaps between its \
                 columns, which a CscView cannot hold"
                    .into(),
            ));
        }
        CscView::try_new(s.nrows(), s.ncols(), s.col_ptr(), s.row_idx(), values)
    }
}
