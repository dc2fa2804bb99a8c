//! What an operator is behind its Python face: numpy arrays it shares (scipy's CSR/CSC
//! arrays, a dense numpy array), borrowed afresh for each product, or a matrix the library
//! owns (a file streamed under a budget, a converted COO matrix). Either way a product sees
//! one `&dyn Op<V>`: the fallible block product and the `MatVec` the solvers take.

use matvec::stream::{StreamCsc, StreamCsr, StreamDense};
use matvec::{Csr, DenseView, Footprint, MatVec, Par, RowOffsets, Scalar, SharedCsr, Transposed};
use numpy::{
    PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::prelude::*;

use crate::errors::value;

/// A block product `Y ← α·op(A)·X + β·Y` that can fail (a file read, a shared index changed),
/// for `k` column-major vectors (`k = 1` is the vector product).
pub trait TryMat<V: Scalar> {
    fn try_mat(
        &self,
        t: bool,
        alpha: V,
        x: &[V],
        beta: V,
        y: &mut [V],
        par: Par,
    ) -> matvec::Result<()>;
}

/// What a product or a solver needs of an operator, as one object.
pub trait Op<V: Scalar>: TryMat<V> + MatVec<V> + Sync {}
impl<V: Scalar, A: TryMat<V> + MatVec<V> + Sync> Op<V> for A {}

/// The `try_` products of the types whose reads can fail.
macro_rules! try_mat_via_try {
    ([$($gen:tt)*] $ty:ty $(where $($w:tt)*)?) => {
        impl<$($gen)*> TryMat<V> for $ty $(where $($w)*)? {
            fn try_mat(&self, t: bool, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) -> matvec::Result<()> {
                if t {
                    self.try_mul_mat_t(alpha, x, beta, y, par)
                } else {
                    self.try_mul_mat(alpha, x, beta, y, par)
                }
            }
        }
    };
}
try_mat_via_try!([T: Scalar + matvec::Widen<V>, V: Scalar] StreamDense<T>);
try_mat_via_try!([T: Scalar + matvec::Widen<V>, V: Scalar] StreamCsr<T, usize>);
try_mat_via_try!([T: Scalar + matvec::Widen<V>, V: Scalar] StreamCsc<T, usize>);
try_mat_via_try!([T: Scalar + matvec::Widen<V>, V: Scalar, I: matvec::Index] SharedCsr<'_, T, I>);
// HDF5's element types are fixed (its products need the library's element trait).
#[cfg(feature = "hdf5")]
try_mat_via_try!([V: Scalar] matvec::stream::StreamHdf5<f64> where f64: matvec::Widen<V>);
#[cfg(feature = "hdf5")]
try_mat_via_try!([V: Scalar] matvec::stream::StreamHdf5<f32> where f32: matvec::Widen<V>);

/// The CSC matrix `A` as the transpose of the shared CSR of `Aᵀ`.
impl<T: Scalar + matvec::Widen<V>, V: Scalar, I: matvec::Index> TryMat<V>
    for Transposed<SharedCsr<'_, T, I>>
{
    fn try_mat(
        &self,
        t: bool,
        alpha: V,
        x: &[V],
        beta: V,
        y: &mut [V],
        par: Par,
    ) -> matvec::Result<()> {
        if t {
            self.0.try_mul_mat(alpha, x, beta, y, par)
        } else {
            self.0.try_mul_mat_t(alpha, x, beta, y, par)
        }
    }
}

/// The products of the types whose products cannot fail.
macro_rules! try_mat_infallible {
    ([$($gen:tt)*] $ty:ty) => {
        impl<$($gen)*> TryMat<V> for $ty {
            fn try_mat(&self, t: bool, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) -> matvec::Result<()> {
                if t {
                    self.mul_mat_t(alpha, x, beta, y, par)
                } else {
                    self.mul_mat(alpha, x, beta, y, par)
                }
                Ok(())
            }
        }
    };
}
try_mat_infallible!([T: Scalar + matvec::Widen<V>, V: Scalar] Csr<T, u32>);
try_mat_infallible!([T: Scalar + matvec::Widen<V>, V: Scalar] DenseView<'_, T>);

/// A matrix the library owns, with its products in the precisions it serves: `f64` vectors
/// always, `f32` vectors when it is stored in `f32`.
pub trait Owned: Send + Sync {
    fn shape(&self) -> (usize, usize);
    fn stored_f32(&self) -> bool;
    fn nnz(&self) -> Option<usize>;
    /// Bytes held in memory (buffers of a streamed file, or the whole matrix).
    fn nbytes(&self) -> usize;
    fn op64(&self) -> &dyn Op<f64>;
    fn op32(&self) -> Option<&dyn Op<f32>>;
    /// Whether the products read a file.
    fn file(&self) -> bool;
}

/// An owned `f64` matrix.
pub struct F64<A> {
    pub a: A,
    pub nnz: Option<usize>,
    pub file: bool,
}

/// An owned `f32` matrix (its `f64` products widen each entry).
pub struct F32<A> {
    pub a: A,
    pub nnz: Option<usize>,
    pub file: bool,
}

impl<A: Op<f64> + Footprint + Send> Owned for F64<A> {
    fn shape(&self) -> (usize, usize) {
        (self.a.nrows(), self.a.ncols())
    }
    fn stored_f32(&self) -> bool {
        false
    }
    fn nnz(&self) -> Option<usize> {
        self.nnz
    }
    fn nbytes(&self) -> usize {
        self.a.heap_bytes()
    }
    fn op64(&self) -> &dyn Op<f64> {
        &self.a
    }
    fn op32(&self) -> Option<&dyn Op<f32>> {
        None
    }
    fn file(&self) -> bool {
        self.file
    }
}

impl<A: Op<f64> + Op<f32> + Footprint + Send> Owned for F32<A> {
    fn shape(&self) -> (usize, usize) {
        (MatVec::<f64>::nrows(&self.a), MatVec::<f64>::ncols(&self.a))
    }
    fn stored_f32(&self) -> bool {
        true
    }
    fn nnz(&self) -> Option<usize> {
        self.nnz
    }
    fn nbytes(&self) -> usize {
        self.a.heap_bytes()
    }
    fn op64(&self) -> &dyn Op<f64> {
        &self.a
    }
    fn op32(&self) -> Option<&dyn Op<f32>> {
        Some(&self.a)
    }
    fn file(&self) -> bool {
        self.file
    }
}

/// A numpy vector of either precision.
pub enum Values {
    F32(Py<PyArray1<f32>>),
    F64(Py<PyArray1<f64>>),
}

/// scipy's index array: int32 (read as `u32`) or int64 (read as `usize`).
pub enum Indices {
    I32(Py<PyArray1<i32>>),
    I64(Py<PyArray1<i64>>),
}

/// scipy's CSR or CSC arrays, shared: `data` and `indices` are scipy's own (kept alive by
/// these references), the offsets a validated copy of `indptr`.
pub struct Scipy {
    pub nrows: usize,
    pub ncols: usize,
    /// Stored by columns: the arrays are the CSR of `Aᵀ`.
    pub csc: bool,
    pub offsets: RowOffsets,
    pub data: Values,
    pub indices: Indices,
}

/// A dense numpy matrix, shared.
pub enum Dense2 {
    F32(Py<PyArray2<f32>>),
    F64(Py<PyArray2<f64>>),
}

/// A dense numpy matrix and its layout.
pub struct Numpy {
    pub nrows: usize,
    pub ncols: usize,
    pub col_major: bool,
    pub data: Dense2,
}

/// Every kind of operator.
pub enum Backend {
    Scipy(Scipy),
    Numpy(Numpy),
    Owned(Box<dyn Owned>),
}

/// The vector precisions, with how each finds its product in a backend.
pub trait Elem: Scalar + numpy::Element {
    /// Calls `f` with the operator for vectors of `Self`, the shared arrays borrowed (read
    /// only, through rust-numpy's borrow tracking, so an `out` that aliases them is refused)
    /// for as long as `f` runs.
    fn with_op<R>(b: &Backend, py: Python<'_>, f: impl FnOnce(&dyn Op<Self>) -> R) -> PyResult<R>;
}

/// The slice of a shared vector (contiguous by construction; borrowed read-only).
fn slice<'a, T: numpy::Element>(a: &'a PyReadonlyArray1<'_, T>, what: &str) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|_| value(format!("the {what} array is no longer contiguous")))
}

fn with_shared<S, V, R>(
    s: &Scipy,
    py: Python<'_>,
    data: &[S],
    f: impl FnOnce(&dyn Op<V>) -> R,
) -> PyResult<R>
where
    S: Scalar + matvec::Widen<V>,
    V: Scalar,
{
    let inner = if s.csc { s.nrows } else { s.ncols };
    let err = crate::errors::to_py;
    match &s.indices {
        Indices::I32(i) => {
            let i = i.bind(py).try_readonly().map_err(|_| aliased())?;
            let idx: &[u32] = bytemuck::cast_slice(slice(&i, "indices")?);
            let a = SharedCsr::new(inner, &s.offsets, idx, data).map_err(err)?;
            Ok(if s.csc { f(&Transposed(a)) } else { f(&a) })
        }
        Indices::I64(i) => {
            let i = i.bind(py).try_readonly().map_err(|_| aliased())?;
            let idx: &[usize] = bytemuck::cast_slice(slice(&i, "indices")?);
            let a = SharedCsr::new(inner, &s.offsets, idx, data).map_err(err)?;
            Ok(if s.csc { f(&Transposed(a)) } else { f(&a) })
        }
    }
}

fn with_dense<S, V, R>(
    d: &Numpy,
    data: &PyReadonlyArray2<'_, S>,
    f: impl FnOnce(&dyn Op<V>) -> R,
) -> PyResult<R>
where
    S: Scalar + matvec::Widen<V> + numpy::Element,
    V: Scalar,
{
    let v = data
        .as_slice()
        .map_err(|_| value("the array is no longer contiguous"))?;
    let view = if d.col_major {
        DenseView::col_major(d.nrows, d.ncols, v)
    } else {
        DenseView::row_major(d.nrows, d.ncols, v)
    }
    .map_err(crate::errors::to_py)?;
    Ok(f(&view))
}

impl Elem for f64 {
    fn with_op<R>(b: &Backend, py: Python<'_>, f: impl FnOnce(&dyn Op<f64>) -> R) -> PyResult<R> {
        match b {
            Backend::Owned(o) => Ok(f(o.op64())),
            Backend::Scipy(s) => match &s.data {
                Values::F64(d) => {
                    let d = d.bind(py).try_readonly().map_err(|_| aliased())?;
                    with_shared(s, py, slice(&d, "data")?, f)
                }
                Values::F32(d) => {
                    let d = d.bind(py).try_readonly().map_err(|_| aliased())?;
                    with_shared(s, py, slice(&d, "data")?, f)
                }
            },
            Backend::Numpy(n) => match &n.data {
                Dense2::F64(a) => {
                    with_dense(n, &a.bind(py).try_readonly().map_err(|_| aliased())?, f)
                }
                Dense2::F32(a) => {
                    with_dense(n, &a.bind(py).try_readonly().map_err(|_| aliased())?, f)
                }
            },
        }
    }
}

impl Elem for f32 {
    fn with_op<R>(b: &Backend, py: Python<'_>, f: impl FnOnce(&dyn Op<f32>) -> R) -> PyResult<R> {
        let wrong =
            || crate::errors::type_error("a float64 operator takes float64 vectors, not float32");
        match b {
            Backend::Owned(o) => Ok(f(o.op32().ok_or_else(wrong)?)),
            Backend::Scipy(s) => match &s.data {
                Values::F32(d) => {
                    let d = d.bind(py).try_readonly().map_err(|_| aliased())?;
                    with_shared(s, py, slice(&d, "data")?, f)
                }
                Values::F64(_) => Err(wrong()),
            },
            Backend::Numpy(n) => match &n.data {
                Dense2::F32(a) => {
                    with_dense(n, &a.bind(py).try_readonly().map_err(|_| aliased())?, f)
                }
                Dense2::F64(_) => Err(wrong()),
            },
        }
    }
}

impl Backend {
    pub fn shape(&self) -> (usize, usize) {
        match self {
            Backend::Scipy(s) => (s.nrows, s.ncols),
            Backend::Numpy(n) => (n.nrows, n.ncols),
            Backend::Owned(o) => o.shape(),
        }
    }

    /// Whether the matrix is stored in `f32`.
    pub fn stored_f32(&self) -> bool {
        match self {
            Backend::Scipy(s) => matches!(s.data, Values::F32(_)),
            Backend::Numpy(n) => matches!(n.data, Dense2::F32(_)),
            Backend::Owned(o) => o.stored_f32(),
        }
    }

    pub fn nnz(&self) -> Option<usize> {
        match self {
            Backend::Scipy(s) => Some(s.offsets.nnz()),
            Backend::Numpy(_) => None,
            Backend::Owned(o) => o.nnz(),
        }
    }

    /// Multiply-adds of one product, for the choice of threads.
    pub fn work(&self) -> usize {
        let (m, n) = self.shape();
        self.nnz().unwrap_or(m.saturating_mul(n)).max(m).max(n)
    }

    /// Whether products read a file (then they always run in the pool).
    pub fn is_file(&self) -> bool {
        matches!(self, Backend::Owned(o) if o.file())
    }

    /// Bytes of the arrays the operator shares with Python (read by its products, not copied).
    pub fn shared_nbytes(&self, py: Python<'_>) -> usize {
        match self {
            Backend::Scipy(s) => {
                let d = match &s.data {
                    Values::F32(a) => PyUntypedArrayMethods::len(a.bind(py)) * 4,
                    Values::F64(a) => PyUntypedArrayMethods::len(a.bind(py)) * 8,
                };
                let i = match &s.indices {
                    Indices::I32(a) => PyUntypedArrayMethods::len(a.bind(py)) * 4,
                    Indices::I64(a) => PyUntypedArrayMethods::len(a.bind(py)) * 8,
                };
                d + i
            }
            Backend::Numpy(n) => {
                n.nrows
                    * n.ncols
                    * if matches!(n.data, Dense2::F32(_)) {
                        4
                    } else {
                        8
                    }
            }
            Backend::Owned(_) => 0,
        }
    }

    /// Bytes the operator allocated itself: the copied offsets of a scipy matrix, the
    /// buffers of a file, an owned matrix.
    pub fn copied_nbytes(&self) -> usize {
        match self {
            Backend::Scipy(s) => s.offsets.heap_bytes(),
            Backend::Numpy(_) => 0,
            Backend::Owned(o) => o.nbytes(),
        }
    }
}

/// The error for an `out` that is one of the operator's own arrays.
fn aliased() -> PyErr {
    value("out is one of the operator's own arrays (it would be written while it is read)")
}
