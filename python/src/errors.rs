//! How the library's errors reach Python: files that cannot be read are `OSError`, with the
//! path and the operation; everything wrong with the contents or the arguments is
//! `ValueError`. Each message is the library's own, which names the file and the position.

use pyo3::PyErr;
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};

/// The Python exception for a library error.
pub fn to_py(e: matvec::Error) -> PyErr {
    match e {
        matvec::Error::Io { .. } => PyOSError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// `ValueError(message)`.
pub fn value(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}

/// `TypeError(message)`.
pub fn type_error(message: impl Into<String>) -> PyErr {
    PyTypeError::new_err(message.into())
}
