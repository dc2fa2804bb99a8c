//! Matrices in files: `open_npy`, `open_raw`, `open_npz`, `open_hdf5` (multiplied block by
//! block under a memory budget, through positioned reads: resident memory stays near the
//! budget however large the file, and a file that changes under a product is an error, not a
//! signal) and `save_npz` (the aligned, stored `.npz` that scipy reads and we stream).

use std::path::PathBuf;

use matvec::io::npy::{self, NpyDtype};
use matvec::io::{Dtype, npz};
use matvec::stream::{RawDense, StreamCsc, StreamCsr, StreamDense};
use matvec::{CscView, Csr, CsrView, Layout};
use numpy::PyArrayMethods;
use pyo3::prelude::*;

use crate::backend::{Backend, F32, F64, Owned};
use crate::errors::{to_py, type_error, value};
use crate::operator::Operator;

/// A budget in bytes: an int, or a string such as "64MiB" (`matvec::memory::parse_size`).
fn budget(b: Option<&Bound<'_, PyAny>>) -> PyResult<Option<usize>> {
    let Some(b) = b else { return Ok(None) };
    if let Ok(n) = b.extract::<usize>() {
        return Ok(Some(n));
    }
    if let Ok(s) = b.extract::<String>() {
        return matvec::memory::parse_size(&s).map(Some).map_err(value);
    }
    Err(type_error(
        "budget must be a number of bytes or a string such as '64MiB'",
    ))
}

fn owned(o: impl Owned + 'static, kind: &'static str) -> Operator {
    Operator {
        backend: Backend::Owned(Box::new(o)),
        kind,
    }
}

fn dense<T: matvec::Scalar>(m: StreamDense<T>, b: Option<usize>) -> StreamDense<T> {
    match b {
        Some(b) => m.with_budget(b),
        None => m,
    }
}

/// A dense `.npy` (float32/float64, C or Fortran order), streamed under `budget` bytes
/// (default 256 MiB).
#[pyfunction]
#[pyo3(signature = (path, budget=None))]
pub fn open_npy(path: PathBuf, budget: Option<&Bound<'_, PyAny>>) -> PyResult<Operator> {
    let b = self::budget(budget)?;
    let dtype = npy::read_header(&path).map_err(to_py)?.dtype;
    Ok(match dtype {
        NpyDtype::F32 => owned(
            F32 {
                a: dense(StreamDense::<f32>::open(&path).map_err(to_py)?, b),
                nnz: None,
                file: true,
            },
            "npy",
        ),
        NpyDtype::F64 => owned(
            F64 {
                a: dense(StreamDense::<f64>::open(&path).map_err(to_py)?, b),
                nnz: None,
                file: true,
            },
            "npy",
        ),
    })
}

/// A raw file of `shape` elements of `dtype` ("float32"/"f4", "float64"/"f8", ">f8" for
/// big-endian) from byte `offset`, in C or Fortran `order`, streamed under `budget`.
#[pyfunction]
#[pyo3(signature = (path, shape, dtype, offset=0, order="C", budget=None))]
pub fn open_raw(
    path: PathBuf,
    shape: (usize, usize),
    dtype: &Bound<'_, PyAny>,
    offset: u64,
    order: &str,
    budget: Option<&Bound<'_, PyAny>>,
) -> PyResult<Operator> {
    let b = self::budget(budget)?;
    // Any spelling numpy accepts (np.float32, "float64", "<f8", ">f4"), through numpy.dtype.
    let np = dtype.py().import("numpy")?;
    let d: String = np
        .call_method1("dtype", (dtype,))?
        .getattr("str")?
        .extract()?;
    let d = Dtype::parse(&d).map_err(|e| type_error(format!("dtype {d}: {e}")))?;
    if !d.is_float() {
        return Err(type_error("open_raw takes float32 or float64 data"));
    }
    let layout = match order {
        "C" | "c" => Layout::RowMajor,
        "F" | "f" => Layout::ColMajor,
        _ => return Err(value(format!("order must be 'C' or 'F', got {order:?}"))),
    };
    let spec = RawDense::new(shape.0, shape.1)
        .layout(layout)
        .offset(offset)
        .big_endian(d.big_endian);
    Ok(if d.size == 4 {
        owned(
            F32 {
                a: dense(StreamDense::<f32>::open_raw(&path, spec).map_err(to_py)?, b),
                nnz: None,
                file: true,
            },
            "raw",
        )
    } else {
        owned(
            F64 {
                a: dense(StreamDense::<f64>::open_raw(&path, spec).map_err(to_py)?, b),
                nnz: None,
                file: true,
            },
            "raw",
        )
    })
}

/// A scipy `.npz`: stored (`save_npz(..., compressed=False)` or ours) CSR/CSC files are
/// streamed under `budget` (default 256 MiB); compressed and COO files are read into memory.
#[pyfunction]
#[pyo3(signature = (path, budget=None))]
pub fn open_npz(path: PathBuf, budget: Option<&Bound<'_, PyAny>>) -> PyResult<Operator> {
    let b = self::budget(budget)?.unwrap_or(matvec::stream::DEFAULT_SPARSE_BUDGET);
    let info = npz::info(&path).map_err(to_py)?;
    let f32 = info.data_dtype == Dtype::F4;
    let nnz = Some(info.nnz);
    let streams =
        !info.compressed && info.format != npz::NpzFormat::Coo && info.data_dtype.is_float();
    if streams {
        let csr = info.format == npz::NpzFormat::Csr;
        return Ok(match (csr, f32) {
            (true, false) => owned(
                F64 {
                    a: StreamCsr::<f64, usize>::open(&path)
                        .and_then(|m| m.with_budget(b))
                        .map_err(to_py)?,
                    nnz,
                    file: true,
                },
                "npz-csr",
            ),
            (true, true) => owned(
                F32 {
                    a: StreamCsr::<f32, usize>::open(&path)
                        .and_then(|m| m.with_budget(b))
                        .map_err(to_py)?,
                    nnz,
                    file: true,
                },
                "npz-csr",
            ),
            (false, false) => owned(
                F64 {
                    a: StreamCsc::<f64, usize>::open(&path)
                        .and_then(|m| m.with_budget(b))
                        .map_err(to_py)?,
                    nnz,
                    file: true,
                },
                "npz-csc",
            ),
            (false, true) => owned(
                F32 {
                    a: StreamCsc::<f32, usize>::open(&path)
                        .and_then(|m| m.with_budget(b))
                        .map_err(to_py)?,
                    nnz,
                    file: true,
                },
                "npz-csc",
            ),
        });
    }
    // Compressed or COO: read, canonicalised, into an owned CSR matrix.
    Ok(if f32 {
        let a: Csr<f32> = read_any(&path)?;
        let nnz = Some(a.nnz());
        owned(
            F32 {
                a,
                nnz,
                file: false,
            },
            "csr-owned",
        )
    } else {
        let a: Csr<f64> = read_any(&path)?;
        let nnz = Some(a.nnz());
        owned(
            F64 {
                a,
                nnz,
                file: false,
            },
            "csr-owned",
        )
    })
}

fn read_any<T: matvec::Scalar>(path: &PathBuf) -> PyResult<Csr<T>> {
    Ok(match npz::read::<T, u32>(path).map_err(to_py)? {
        npz::NpzMatrix::Csr(a) => a,
        npz::NpzMatrix::Csc(a) => a.to_csr(),
        npz::NpzMatrix::Coo(a) => a.into_csr(),
    })
}

/// A 2-D float32/float64 HDF5 dataset, contiguous or chunked (any filter), streamed under
/// `budget` (default 256 MiB).
#[cfg(feature = "hdf5")]
#[pyfunction]
#[pyo3(signature = (path, dataset, budget=None))]
pub fn open_hdf5(
    path: PathBuf,
    dataset: &str,
    budget: Option<&Bound<'_, PyAny>>,
) -> PyResult<Operator> {
    use matvec::stream::StreamHdf5;
    let b = self::budget(budget)?.unwrap_or(matvec::stream::DEFAULT_BUDGET);
    match StreamHdf5::<f64>::open(&path, dataset) {
        Ok(m) => Ok(owned(
            F64 {
                a: m.with_budget(b),
                nnz: None,
                file: true,
            },
            "hdf5",
        )),
        Err(e) if e.to_string().contains("StreamHdf5<f32>") => {
            let m = StreamHdf5::<f32>::open(&path, dataset).map_err(to_py)?;
            Ok(owned(
                F32 {
                    a: m.with_budget(b),
                    nnz: None,
                    file: true,
                },
                "hdf5",
            ))
        }
        Err(e) => Err(to_py(e)),
    }
}

/// This build has no HDF5.
#[cfg(not(feature = "hdf5"))]
#[pyfunction]
#[pyo3(signature = (path, dataset, budget=None))]
pub fn open_hdf5(
    path: PathBuf,
    dataset: &str,
    budget: Option<&Bound<'_, PyAny>>,
) -> PyResult<Operator> {
    let _ = (dataset, budget);
    Err(pyo3::exceptions::PyNotImplementedError::new_err(format!(
        "{}: this build of matvec has no HDF5 support (build with the hdf5 feature)",
        path.display()
    )))
}

/// Writes a scipy CSR or CSC matrix (other formats are converted to CSR) as an `.npz` that
/// scipy.sparse.load_npz reads and `open_npz` streams: stored members, 64-byte-aligned data,
/// written to a temporary file and renamed into place.
#[pyfunction]
pub fn save_npz(py: Python<'_>, path: PathBuf, a: &Bound<'_, PyAny>) -> PyResult<()> {
    let op = crate::construct::from_scipy(py, a, false)?;
    let Backend::Scipy(s) = &op.backend else {
        unreachable!("from_scipy makes shared operators")
    };
    let ptr = s.offsets.as_slice();
    let (outer, inner) = if s.csc {
        (s.ncols, s.nrows)
    } else {
        (s.nrows, s.ncols)
    };
    macro_rules! write {
        ($d:expr, $i:expr, $ity:ty) => {{
            let d = $d.bind(py).readonly();
            let i = $i.bind(py).readonly();
            let (d, i) = (d.as_slice()?, i.as_slice()?);
            let i: &[$ity] = bytemuck::cast_slice(i);
            let r = if s.csc {
                CscView::try_new(inner, outer, ptr, i, d).and_then(|v| npz::write_csc(&path, v))
            } else {
                CsrView::try_new(outer, inner, ptr, i, d).and_then(|v| npz::write_csr(&path, v))
            };
            r.map_err(to_py)
        }};
    }
    use crate::backend::{Indices, Values};
    match (&s.data, &s.indices) {
        (Values::F64(d), Indices::I32(i)) => write!(d, i, u32),
        (Values::F64(d), Indices::I64(i)) => write!(d, i, usize),
        (Values::F32(d), Indices::I32(i)) => write!(d, i, u32),
        (Values::F32(d), Indices::I64(i)) => write!(d, i, usize),
    }
}
