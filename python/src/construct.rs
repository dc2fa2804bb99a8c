//! `from_scipy` and `from_numpy`: operators over the caller's arrays, without copying them.
//!
//! What is copied: a scipy matrix's `indptr` (8 bytes a row, widened from int32 or copied
//! from int64, so that nobody can change the offsets the kernels trust); nothing else. `data`
//! and `indices` are scipy's own arrays, kept alive by the operator: changing `A.data`
//! changes the next product. The indices are validated once here (in range, sorted, no
//! duplicates) and checked again by every product as it reads them, so an index changed
//! later is a `ValueError` of that product, never a read out of bounds.

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::backend::{Backend, Dense2, Indices, Numpy, Scipy, Values};
use crate::errors::{to_py, type_error, value};
use crate::operator::Operator;
use matvec::{RowOffsets, SharedCsr, StructureError};

/// The dtype of a numpy array as numpy spells it in a header (`<f8`, `<i4`, ...), or its
/// name for anything else, for matching and for messages.
fn dtype_name(a: &Bound<'_, PyUntypedArray>) -> PyResult<String> {
    let d = a.dtype();
    let s: String = d.getattr("str")?.extract()?;
    Ok(match s.as_str() {
        "<f8" | "<f4" | "<i4" | "<i8" => s,
        _ => d.str()?.to_string(),
    })
}

fn array<'py>(a: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyUntypedArray>> {
    let arr = a.getattr(name)?;
    let u = arr
        .cast::<PyUntypedArray>()
        .map_err(|_| type_error(format!("A.{name} is not a numpy array")))?;
    if u.ndim() != 1 || !u.is_c_contiguous() {
        return Err(value(format!(
            "A.{name} is not a contiguous 1-D array (pass copy=True)"
        )));
    }
    Ok(u.clone())
}

/// Validates the arrays as the CSR of an `outer × inner` matrix.
fn validate(
    py: Python<'_>,
    outer: usize,
    inner: usize,
    offsets: &RowOffsets,
    data: &Values,
    indices: &Indices,
) -> PyResult<()> {
    fn check<T: matvec::Scalar, I: matvec::Index>(
        inner: usize,
        offsets: &RowOffsets,
        idx: &[I],
        val: &[T],
    ) -> matvec::Result<()> {
        SharedCsr::new(inner, offsets, idx, val)?
            .validate()
            .map(|_| ())
    }
    if offsets.nrows() != outer {
        return Err(value(format!(
            "A.indptr has {} entries, expected {} for shape",
            offsets.nrows() + 1,
            outer + 1
        )));
    }
    macro_rules! run {
        ($d:expr) => {{
            let d = $d.bind(py).readonly();
            let d = d.as_slice()?;
            match indices {
                Indices::I32(i) => {
                    let i = i.bind(py).readonly();
                    check::<_, u32>(inner, offsets, bytemuck::cast_slice(i.as_slice()?), d)
                }
                Indices::I64(i) => {
                    let i = i.bind(py).readonly();
                    check::<_, usize>(inner, offsets, bytemuck::cast_slice(i.as_slice()?), d)
                }
            }
        }};
    }
    let r = match data {
        Values::F32(d) => run!(d),
        Values::F64(d) => run!(d),
    };
    match r {
        Err(matvec::Error::Structure {
            problem: StructureError::NotIncreasing { outer, .. },
            ..
        }) => Err(value(format!(
            "A is not canonical: {} {outer} has unsorted or duplicate indices; call \
             A.sum_duplicates() (which also sorts them) or pass copy=True",
            "row or column"
        ))),
        Err(e) => Err(to_py(e)),
        Ok(()) => Ok(()),
    }
}

/// An operator over a scipy.sparse CSR or CSC matrix or array (float32 or float64 data,
/// int32 or int64 indices), sharing its `data` and `indices`. COO and other formats are
/// converted to CSR by scipy first; `copy=True` works on a sorted, summed copy instead.
#[pyfunction]
#[pyo3(signature = (a, copy=false))]
pub fn from_scipy(py: Python<'_>, a: &Bound<'_, PyAny>, copy: bool) -> PyResult<Operator> {
    let format: String = a
        .getattr("format")
        .and_then(|f| f.extract())
        .map_err(|_| type_error("from_scipy takes a scipy.sparse matrix or array"))?;
    let mut a = a.clone();
    if format != "csr" && format != "csc" {
        a = a.call_method0("tocsr")?;
    } else if copy {
        a = a.call_method0("copy")?;
    }
    if copy {
        a.call_method0("sum_duplicates")?;
        a.call_method0("sort_indices")?;
    }
    let csc = a.getattr("format")?.extract::<String>()? == "csc";
    let (nrows, ncols): (usize, usize) = a.getattr("shape")?.extract()?;
    let (outer, inner) = if csc { (ncols, nrows) } else { (nrows, ncols) };
    let data = array(&a, "data")?;
    let data = match dtype_name(&data)?.as_str() {
        "<f8" => Values::F64(data.cast::<PyArray1<f64>>()?.clone().unbind()),
        "<f4" => Values::F32(data.cast::<PyArray1<f32>>()?.clone().unbind()),
        other => {
            return Err(type_error(format!(
                "A.data has dtype {other}; from_scipy takes float32 or float64 (convert with A.astype(np.float64))"
            )));
        }
    };
    let indices = array(&a, "indices")?;
    let indices = match dtype_name(&indices)?.as_str() {
        "<i4" => Indices::I32(indices.cast::<PyArray1<i32>>()?.clone().unbind()),
        "<i8" => Indices::I64(indices.cast::<PyArray1<i64>>()?.clone().unbind()),
        other => {
            return Err(type_error(format!(
                "A.indices has dtype {other}; expected int32 or int64"
            )));
        }
    };
    let indptr = array(&a, "indptr")?;
    let offsets = match dtype_name(&indptr)?.as_str() {
        "<i4" => RowOffsets::from_i32(indptr.cast::<PyArray1<i32>>()?.readonly().as_slice()?),
        "<i8" => RowOffsets::from_i64(indptr.cast::<PyArray1<i64>>()?.readonly().as_slice()?),
        other => {
            return Err(type_error(format!(
                "A.indptr has dtype {other}; expected int32 or int64"
            )));
        }
    }
    .map_err(to_py)?;
    validate(py, outer, inner, &offsets, &data, &indices)?;
    Ok(Operator {
        backend: Backend::Scipy(Scipy {
            nrows,
            ncols,
            csc,
            offsets,
            data,
            indices,
        }),
        kind: if csc { "csc" } else { "csr" },
    })
}

/// An operator over a 2-D float32 or float64 numpy array in C or Fortran order, sharing it.
#[pyfunction]
pub fn from_numpy(a: &Bound<'_, PyAny>) -> PyResult<Operator> {
    let u = a
        .cast::<PyUntypedArray>()
        .map_err(|_| type_error("from_numpy takes a numpy array"))?;
    if u.ndim() != 2 {
        return Err(value(format!(
            "from_numpy takes a 2-D array, got {} dimensions",
            u.ndim()
        )));
    }
    let (nrows, ncols) = (u.shape()[0], u.shape()[1]);
    let col_major = !u.is_c_contiguous();
    if !u.is_c_contiguous() && !u.is_fortran_contiguous() {
        return Err(value(
            "from_numpy shares the array's memory, so it must be C or Fortran contiguous (pass np.ascontiguousarray(a))",
        ));
    }
    let data = match dtype_name(u)?.as_str() {
        "<f8" => Dense2::F64(u.cast::<PyArray2<f64>>()?.clone().unbind()),
        "<f4" => Dense2::F32(u.cast::<PyArray2<f32>>()?.clone().unbind()),
        other => {
            return Err(type_error(format!(
                "from_numpy takes float32 or float64, got {other}"
            )));
        }
    };
    Ok(Operator {
        backend: Backend::Numpy(Numpy {
            nrows,
            ncols,
            col_major,
            data,
        }),
        kind: "dense",
    })
}
