//! `import matvec`: the Python package over the `matvec` crate (PyO3 + rust-numpy, built by
//! maturin as an abi3 wheel for CPython 3.9 and later). The Rust extension is
//! `matvec._matvec`; `python/matvec/` re-exports it with the pure-Python parts
//! (`aslinearoperator`) and the type stubs.
//!
//! | file | what |
//! |---|---|
//! | `operator.rs` | the `Operator` class: argument checks and the products |
//! | `backend.rs` | what an operator holds (shared arrays or an owned matrix) |
//! | `construct.rs` | `from_scipy`, `from_numpy` (zero-copy) |
//! | `files.rs` | `open_npy`, `open_raw`, `open_npz`, `open_hdf5`, `save_npz` |
//! | `solvers.rs` | `cg`, `pagerank`, `rsvd`, `lanczos` |
//! | `threads.rs` | the thread pool (`set_num_threads`) |
//! | `errors.rs` | library errors as `ValueError` / `OSError` |

mod backend;
mod construct;
mod errors;
mod files;
mod operator;
mod solvers;
mod threads;

use pyo3::prelude::*;

/// Sets the threads of the products and solvers (0: one per core). Takes effect for the
/// next product.
#[pyfunction]
fn set_num_threads(n: usize) -> PyResult<()> {
    threads::set(n).map_err(errors::value)
}

/// The threads products and solvers use.
#[pyfunction]
fn get_num_threads() -> usize {
    threads::count()
}

/// The Rust extension of the `matvec` package.
#[pymodule]
fn _matvec(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<operator::Operator>()?;
    m.add_function(wrap_pyfunction!(construct::from_scipy, m)?)?;
    m.add_function(wrap_pyfunction!(construct::from_numpy, m)?)?;
    m.add_function(wrap_pyfunction!(files::open_npy, m)?)?;
    m.add_function(wrap_pyfunction!(files::open_raw, m)?)?;
    m.add_function(wrap_pyfunction!(files::open_npz, m)?)?;
    m.add_function(wrap_pyfunction!(files::open_hdf5, m)?)?;
    m.add_function(wrap_pyfunction!(files::save_npz, m)?)?;
    m.add_function(wrap_pyfunction!(solvers::cg, m)?)?;
    m.add_function(wrap_pyfunction!(solvers::pagerank, m)?)?;
    m.add_function(wrap_pyfunction!(solvers::rsvd, m)?)?;
    m.add_function(wrap_pyfunction!(solvers::lanczos, m)?)?;
    m.add_function(wrap_pyfunction!(set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(get_num_threads, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
