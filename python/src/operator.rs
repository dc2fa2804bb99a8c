//! `matvec.Operator`: the Python object of every matrix, and its products. Arguments are
//! checked here, before any work: wrong dtypes are `TypeError`, wrong shapes `ValueError`
//! naming both shapes, an `out` that is read-only, not contiguous or aliased `ValueError`.
//! With `out` given, a product allocates nothing; the GIL is released while it runs.

use numpy::{
    PyArray1, PyArray2, PyArrayDescr, PyArrayDescrMethods, PyArrayMethods, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;

use crate::backend::{Backend, Elem};
use crate::errors::{to_py, type_error, value};
use crate::threads;

/// A matrix for products `y = alpha*op(A)*x + beta*y`. Made by `from_scipy`, `from_numpy` and
/// the `open_*` functions.
#[pyclass(frozen, module = "matvec", name = "Operator")]
pub struct Operator {
    pub backend: Backend,
    /// What it is: "csr", "csc" (shared with scipy), "dense" (shared with numpy), or the file
    /// format ("npy", "raw", "npz-csr", "npz-csc", "hdf5"), or "csr-owned".
    pub kind: &'static str,
}

/// Which product.
#[derive(Clone, Copy)]
struct Kind {
    transposed: bool,
    block: bool,
}

impl Kind {
    fn name(self) -> &'static str {
        match (self.block, self.transposed) {
            (false, false) => "matvec",
            (false, true) => "rmatvec",
            (true, false) => "matmat",
            (true, true) => "rmatmat",
        }
    }
}

/// `(a, b)` or `(a,)` as numpy prints shapes.
fn shape_str(s: &[usize]) -> String {
    match s {
        [a] => format!("({a},)"),
        _ => format!(
            "({})",
            s.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Checks that `a` is a numpy array of dtype `V` with `ndim` dimensions.
fn typed<'py, V: Elem>(
    a: &Bound<'py, PyAny>,
    what: &str,
    ndim: usize,
    op: &str,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = a.py();
    let Ok(u) = a.cast::<PyUntypedArray>() else {
        return Err(type_error(format!(
            "{op}: {what} must be a numpy array of {}, got {}",
            numpy::dtype::<V>(py),
            a.get_type().name()?
        )));
    };
    if !u.dtype().is_equiv_to(&numpy::dtype::<V>(py)) {
        return Err(type_error(format!(
            "{op}: {what} has dtype {}, expected {} (the operator's dtype, or float64 for a float32 operator)",
            u.dtype(),
            numpy::dtype::<V>(py)
        )));
    }
    if u.ndim() != ndim {
        return Err(value(format!(
            "{op}: {what} must be {ndim}-D, got shape {}",
            shape_str(u.shape())
        )));
    }
    Ok(u.clone())
}

impl Operator {
    /// The product `kind` with vectors of `V`.
    fn product<V: Elem>(
        &self,
        py: Python<'_>,
        kind: Kind,
        x: &Bound<'_, PyAny>,
        out: Option<&Bound<'_, PyAny>>,
        alpha: f64,
        beta: f64,
    ) -> PyResult<Py<PyAny>> {
        let op = kind.name();
        let (m, n) = self.backend.shape();
        let (nx, ny) = if kind.transposed { (m, n) } else { (n, m) };
        let ndim = if kind.block { 2 } else { 1 };
        let xu = typed::<V>(x, "x", ndim, op)?;
        let xs = xu.shape().to_vec();
        let k = if kind.block { xs[1] } else { 1 };
        let want_x = if kind.block { vec![nx, k] } else { vec![nx] };
        let want_y = if kind.block { vec![ny, k] } else { vec![ny] };
        if xs != want_x {
            return Err(value(format!(
                "{op}: the operator is {m} x {n}, so x needs shape {}, got {}",
                shape_str(&if kind.block {
                    vec![nx, xs[1]]
                } else {
                    vec![nx]
                }),
                shape_str(&xs)
            )));
        }
        let out: Bound<'_, PyUntypedArray> = match out {
            Some(o) => {
                let ou = typed::<V>(o, "out", ndim, op)?;
                if ou.shape() != want_y.as_slice() {
                    return Err(value(format!(
                        "{op}: the operator is {m} x {n} and x has shape {}, so out needs shape {}, got {}",
                        shape_str(&xs),
                        shape_str(&want_y),
                        shape_str(ou.shape())
                    )));
                }
                ou
            }
            None if kind.block => PyArray2::<V>::zeros(py, [ny, k], true)
                .into_any()
                .cast_into()?,
            None => PyArray1::<V>::zeros(py, ny, false).into_any().cast_into()?,
        };
        // Column-major blocks are the library's layout; one vector is contiguous either way.
        let column_major = |u: &Bound<'_, PyUntypedArray>| {
            k <= 1 || u.is_fortran_contiguous() || u.shape().iter().product::<usize>() == 0
        };
        if !(out.is_contiguous() && column_major(&out)) {
            return Err(value(format!(
                "{op}: out must be contiguous{} (e.g. np.empty(shape{}))",
                if kind.block {
                    " in Fortran (column-major) order"
                } else {
                    ""
                },
                if kind.block { ", order='F'" } else { "" }
            )));
        }
        let (alpha, beta) = (V::from_f64(alpha), V::from_f64(beta));
        let work = if self.backend.is_file() {
            usize::MAX
        } else {
            self.backend.work().saturating_mul(k)
        };
        // Borrow x read-only, then out read-write: rust-numpy refuses an `out` that aliases x.
        let xa = x
            .cast::<numpy::PyArrayDyn<V>>()?
            .try_readonly()
            .map_err(|_| value(format!("{op}: x is being written elsewhere")))?;
        let copied: Vec<V>;
        let xv: &[V] = match xa.as_slice() {
            Ok(s) if column_major(&xu) => s,
            // A C-ordered block of several vectors: one copy into column-major order.
            _ if xu.is_contiguous() || kind.block => {
                copied = xa.as_array().t().iter().copied().collect();
                &copied
            }
            _ => {
                return Err(value(format!(
                    "{op}: x is not contiguous (pass np.ascontiguousarray(x))"
                )));
            }
        };
        let oa = out.cast::<numpy::PyArrayDyn<V>>()?;
        let mut ow = oa.try_readwrite().map_err(|e| match e {
            numpy::BorrowError::NotWriteable => value(format!("{op}: out is read-only")),
            _ => value(format!("{op}: out is x or shares its memory with x")),
        })?;
        let yv = ow
            .as_slice_mut()
            .map_err(|_| value(format!("{op}: out is not contiguous")))?;
        let t = kind.transposed;
        let r = V::with_op(&self.backend, py, |a| {
            py.detach(|| threads::run(work, |par| a.try_mat(t, alpha, xv, beta, yv, par)))
        })?;
        r.map_err(to_py)?;
        drop(ow);
        Ok(out.into_any().unbind())
    }

    /// The product with vectors of `x`'s dtype (float64, or float32 for a float32 operator).
    fn dispatch(
        &self,
        py: Python<'_>,
        kind: Kind,
        x: &Bound<'_, PyAny>,
        out: Option<&Bound<'_, PyAny>>,
        alpha: f64,
        beta: f64,
    ) -> PyResult<Py<PyAny>> {
        let is_f32 = x
            .cast::<PyUntypedArray>()
            .is_ok_and(|u| u.dtype().is_equiv_to(&numpy::dtype::<f32>(py)));
        if is_f32 {
            self.product::<f32>(py, kind, x, out, alpha, beta)
        } else {
            self.product::<f64>(py, kind, x, out, alpha, beta)
        }
    }
}

#[pymethods]
impl Operator {
    /// (rows, columns).
    #[getter]
    fn shape(&self) -> (usize, usize) {
        self.backend.shape()
    }

    /// The dtype of the stored values: float64 or float32.
    #[getter]
    fn dtype<'py>(&self, py: Python<'py>) -> Bound<'py, PyArrayDescr> {
        if self.backend.stored_f32() {
            numpy::dtype::<f32>(py)
        } else {
            numpy::dtype::<f64>(py)
        }
    }

    /// Stored entries of a sparse matrix (None for a dense one).
    #[getter]
    fn nnz(&self) -> Option<usize> {
        self.backend.nnz()
    }

    /// Bytes the operator holds in memory: the arrays it shares with numpy or scipy plus what
    /// it allocated itself (`copied_nbytes`). For a file, its read buffers only.
    #[getter]
    fn nbytes(&self, py: Python<'_>) -> usize {
        self.backend.shared_nbytes(py) + self.backend.copied_nbytes()
    }

    /// Bytes the operator allocated itself: for a scipy matrix, the copy of `indptr` (8 bytes a
    /// row, validated once); 0 for a numpy array; the buffers (or the matrix) of a file.
    #[getter]
    fn copied_nbytes(&self) -> usize {
        self.backend.copied_nbytes()
    }

    /// What the operator is: "csr", "csc", "dense", "npy", "raw", "npz-csr", "npz-csc",
    /// "hdf5" or "csr-owned".
    #[getter]
    fn format(&self) -> &'static str {
        self.kind
    }

    /// y = alpha*A@x + beta*out, into `out` (returned) or a new array.
    #[pyo3(signature = (x, out=None, alpha=1.0, beta=0.0))]
    fn matvec(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        out: Option<&Bound<'_, PyAny>>,
        alpha: f64,
        beta: f64,
    ) -> PyResult<Py<PyAny>> {
        let kind = Kind {
            transposed: false,
            block: false,
        };
        self.dispatch(py, kind, x, out, alpha, beta)
    }

    /// y = alpha*A.T@x + beta*out.
    #[pyo3(signature = (x, out=None, alpha=1.0, beta=0.0))]
    fn rmatvec(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        out: Option<&Bound<'_, PyAny>>,
        alpha: f64,
        beta: f64,
    ) -> PyResult<Py<PyAny>> {
        let kind = Kind {
            transposed: true,
            block: false,
        };
        self.dispatch(py, kind, x, out, alpha, beta)
    }

    /// Y = alpha*A@X + beta*out for a 2-D X (one read of the matrix per group of up to 8
    /// columns); `out` must be Fortran-ordered.
    #[pyo3(signature = (x, out=None, alpha=1.0, beta=0.0))]
    fn matmat(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        out: Option<&Bound<'_, PyAny>>,
        alpha: f64,
        beta: f64,
    ) -> PyResult<Py<PyAny>> {
        let kind = Kind {
            transposed: false,
            block: true,
        };
        self.dispatch(py, kind, x, out, alpha, beta)
    }

    /// Y = alpha*A.T@X + beta*out for a 2-D X.
    #[pyo3(signature = (x, out=None, alpha=1.0, beta=0.0))]
    fn rmatmat(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        out: Option<&Bound<'_, PyAny>>,
        alpha: f64,
        beta: f64,
    ) -> PyResult<Py<PyAny>> {
        let kind = Kind {
            transposed: true,
            block: true,
        };
        self.dispatch(py, kind, x, out, alpha, beta)
    }

    /// A @ x: matvec for a 1-D x, matmat for a 2-D one.
    fn __matmul__(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let block = x.cast::<PyUntypedArray>().is_ok_and(|u| u.ndim() == 2);
        self.dispatch(
            py,
            Kind {
                transposed: false,
                block,
            },
            x,
            None,
            1.0,
            0.0,
        )
    }

    /// A scipy.sparse.linalg.LinearOperator whose matvec, rmatvec and matmat call this
    /// operator's (for eigsh, svds, cg, gmres, lsqr, ...).
    fn aslinearoperator<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("matvec._linear_operator")?
            .getattr("as_linear_operator")?
            .call1((slf,))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (m, n) = self.backend.shape();
        let nnz = self
            .backend
            .nnz()
            .map(|z| format!(", nnz={z}"))
            .unwrap_or_default();
        format!(
            "<matvec.Operator {} {m} x {n}, dtype={}{nnz}, nbytes={}>",
            self.kind,
            self.dtype(py),
            self.nbytes(py)
        )
    }
}
