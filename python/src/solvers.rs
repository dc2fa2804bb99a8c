//! The crate's solvers on any operator, with numpy results: `cg`, `pagerank`, `rsvd`,
//! `lanczos`. Each runs in the pool with the GIL released and returns its answer with a dict
//! of the run's report (iterations, products, passes over the matrix, residual, converged).
//! Vectors are float64 (a float32 operator widens its entries).

use std::panic::{AssertUnwindSafe, catch_unwind};

use matvec::MatVec;
use matvec::solve::{self, Options, Report};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::backend::Elem;
use crate::errors::{to_py, value};
use crate::operator::Operator;
use crate::threads;

/// `(u, s, vt, report)`.
type SvdResult<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyAny>,
    Bound<'py, PyDict>,
);

/// `(w, v, report)`.
type EigResult<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyDict>,
);

fn report<'py>(py: Python<'py>, r: &Report<f64>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("iterations", r.iterations)?;
    d.set_item("products", r.products)?;
    d.set_item("passes", r.passes)?;
    d.set_item("residual", r.residual)?;
    d.set_item("converged", r.converged)?;
    Ok(d)
}

/// Runs `f` on the operator in the pool, GIL released; a panic (a file read failing in the
/// middle of a solve, an index changed under it) becomes a `ValueError` with its message.
fn run<R: Send>(
    a: &Operator,
    py: Python<'_>,
    f: impl FnOnce(&dyn MatVec<f64>, matvec::Par) -> matvec::Result<R> + Send,
) -> PyResult<R> {
    let r = f64::with_op(&a.backend, py, |op| {
        py.detach(|| {
            threads::run(usize::MAX, |par| {
                catch_unwind(AssertUnwindSafe(|| f(op as &dyn MatVec<f64>, par)))
            })
        })
    })?;
    match r {
        Ok(r) => r.map_err(to_py),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the solver failed".into());
            Err(value(msg))
        }
    }
}

fn opts(tol: f64, maxiter: Option<usize>, par: matvec::Par) -> Options<'static, f64> {
    let o = Options::new().tol(tol).par(par);
    match maxiter {
        Some(m) => o.max_iter(m),
        None => o,
    }
}

/// Conjugate gradients for a symmetric positive definite A: returns (x, report). `rtol` is
/// scipy's: stop when ||b - A x|| <= rtol * ||b||.
#[pyfunction]
#[pyo3(signature = (a, b, x0=None, rtol=1e-8, maxiter=None))]
pub fn cg<'py>(
    py: Python<'py>,
    a: &Operator,
    b: PyReadonlyArray1<'py, f64>,
    x0: Option<PyReadonlyArray1<'py, f64>>,
    rtol: f64,
    maxiter: Option<usize>,
) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyDict>)> {
    let b = b.as_slice()?;
    let mut x = match x0 {
        Some(x0) => x0.as_slice()?.to_vec(),
        None => vec![0.0; b.len()],
    };
    let r = run(a, py, |op, par| {
        solve::cg(
            op,
            b,
            &mut x,
            opts(rtol, maxiter, par),
            &mut solve::CgWorkspace::new(),
        )
    })?;
    Ok((PyArray1::from_vec(py, x), report(py, &r)?))
}

/// PageRank of the graph whose entry (i, j) weighs the link i -> j: returns (x, report), x
/// summing to 1. `tol` bounds the change of an iteration (1-norm).
#[pyfunction]
#[pyo3(signature = (a, damping=0.85, personalization=None, tol=1e-10, maxiter=None))]
pub fn pagerank<'py>(
    py: Python<'py>,
    a: &Operator,
    damping: f64,
    personalization: Option<PyReadonlyArray1<'py, f64>>,
    tol: f64,
    maxiter: Option<usize>,
) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyDict>)> {
    let n = a.backend.shape().0;
    let p = match &personalization {
        Some(p) => Some(p.as_slice()?),
        None => None,
    };
    let mut x = vec![0.0; n];
    let r = run(a, py, |op, par| {
        solve::pagerank(
            op,
            damping,
            p,
            &mut x,
            opts(tol, maxiter, par),
            &mut solve::PageRankWorkspace::new(),
        )
    })?;
    Ok((PyArray1::from_vec(py, x), report(py, &r)?))
}

/// Column-major `rows x cols` values as a Fortran-ordered numpy array (no copy of the Vec).
fn matrix(
    py: Python<'_>,
    v: Vec<f64>,
    rows: usize,
    cols: usize,
) -> PyResult<Bound<'_, PyArray2<f64>>> {
    // A (cols, rows) C-ordered array is the transpose of the (rows, cols) F-ordered one.
    let a = PyArray1::from_vec(py, v).reshape([cols, rows])?;
    Ok(a.transpose()?.cast_into()?)
}

/// The top `k` singular triplets by randomized SVD (power iterations until the residual
/// max ||A v - s u|| / s_1 <= tol): returns (u, s, vt, report) as scipy's svds does.
#[pyfunction]
#[pyo3(signature = (a, k, tol=1e-8, maxiter=None, oversample=10, seed=None))]
pub fn rsvd<'py>(
    py: Python<'py>,
    a: &Operator,
    k: usize,
    tol: f64,
    maxiter: Option<usize>,
    oversample: usize,
    seed: Option<u64>,
) -> PyResult<SvdResult<'py>> {
    let (m, n) = a.backend.shape();
    let mut settings = solve::Rsvd {
        oversample,
        ..Default::default()
    };
    if let Some(s) = seed {
        settings.seed = s;
    }
    let svd = run(a, py, |op, par| {
        solve::rsvd(
            op,
            k,
            settings,
            opts(tol, maxiter, par),
            &mut solve::RsvdWorkspace::new(),
        )
    })?;
    let rep = report(py, &svd.report)?;
    let u = matrix(py, svd.u, m, k)?;
    let v = matrix(py, svd.v, n, k)?;
    let vt = v.call_method0("transpose")?;
    Ok((u, PyArray1::from_vec(py, svd.s), vt, rep))
}

/// `k` eigenpairs of a symmetric operator by restarted Lanczos: `which` is scipy's "LA"
/// (largest), "SA" (smallest) or "LM" (largest magnitude). Returns (w, v, report) with the
/// eigenvectors as the columns of v.
#[pyfunction]
#[pyo3(signature = (a, k=6, which="LA", tol=1e-8, maxiter=None))]
pub fn lanczos<'py>(
    py: Python<'py>,
    a: &Operator,
    k: usize,
    which: &str,
    tol: f64,
    maxiter: Option<usize>,
) -> PyResult<EigResult<'py>> {
    let w = match which {
        "LA" => solve::Which::Largest,
        "SA" => solve::Which::Smallest,
        "LM" => solve::Which::LargestMagnitude,
        _ => {
            return Err(value(format!(
                "which must be 'LA', 'SA' or 'LM', got {which:?}"
            )));
        }
    };
    let n = a.backend.shape().0;
    let e = run(a, py, |op, par| {
        solve::lanczos(
            op,
            k,
            w,
            opts(tol, maxiter, par),
            &mut solve::LanczosWorkspace::new(),
        )
    })?;
    let rep = report(py, &e.report)?;
    Ok((
        PyArray1::from_vec(py, e.values),
        matrix(py, e.vectors, n, k)?,
        rep,
    ))
}
