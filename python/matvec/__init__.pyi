"""Type stubs of the matvec package (the Rust extension matvec._matvec)."""

from os import PathLike
from typing import Any, Literal, Optional, Tuple, Union

import numpy as np
import numpy.typing as npt
from scipy.sparse.linalg import LinearOperator

__version__: str

_Path = Union[str, PathLike[str]]
_Budget = Union[int, str, None]
_Float = Union[np.float32, np.float64]
_Array = npt.NDArray[Any]
_Report = dict[str, Any]

class Operator:
    """A matrix for products y = alpha*op(A)@x + beta*y.

    With ``out`` given nothing is allocated and ``out`` is returned; it must have the
    operator's result shape and x's dtype, be writeable and contiguous (Fortran order for
    ``matmat``/``rmatmat``), and not share memory with x. x must be float64, or float32 for a
    float32 operator (TypeError otherwise); shapes that do not fit raise ValueError naming
    both. The GIL is released while the product runs.
    """

    @property
    def shape(self) -> Tuple[int, int]: ...
    @property
    def dtype(self) -> np.dtype[Any]: ...
    @property
    def nnz(self) -> Optional[int]:
        """Stored entries (None for a dense matrix)."""
    @property
    def nbytes(self) -> int:
        """Bytes held in memory: shared arrays plus ``copied_nbytes``."""
    @property
    def copied_nbytes(self) -> int:
        """Bytes the operator allocated itself (a scipy matrix's indptr copy, file buffers)."""
    @property
    def format(self) -> str:
        """"csr", "csc", "dense", "npy", "raw", "npz-csr", "npz-csc", "hdf5" or "csr-owned"."""
    def matvec(self, x: _Array, out: Optional[_Array] = None, alpha: float = 1.0, beta: float = 0.0) -> _Array:
        """alpha*A@x + beta*out for a 1-D x."""
    def rmatvec(self, x: _Array, out: Optional[_Array] = None, alpha: float = 1.0, beta: float = 0.0) -> _Array:
        """alpha*A.T@x + beta*out for a 1-D x."""
    def matmat(self, x: _Array, out: Optional[_Array] = None, alpha: float = 1.0, beta: float = 0.0) -> _Array:
        """alpha*A@X + beta*out for a 2-D X (one read of A per group of up to 8 columns)."""
    def rmatmat(self, x: _Array, out: Optional[_Array] = None, alpha: float = 1.0, beta: float = 0.0) -> _Array:
        """alpha*A.T@X + beta*out for a 2-D X."""
    def __matmul__(self, x: _Array) -> _Array: ...
    def aslinearoperator(self) -> LinearOperator:
        """A scipy LinearOperator whose products call this operator's."""

def from_scipy(a: Any, copy: bool = False) -> Operator:
    """Share a scipy.sparse CSR/CSC matrix or array (float32/float64, int32/int64 indices).

    ``data`` and ``indices`` are not copied (``indptr`` is, 8 bytes a row). COO and other
    formats are converted with ``tocsr()``. Unsorted or duplicate indices raise ValueError
    unless ``copy=True`` (which sorts and sums a copy).
    """

def from_numpy(a: _Array) -> Operator:
    """Share a 2-D float32/float64 array in C or Fortran order (no copy)."""

def open_npy(path: _Path, budget: _Budget = None) -> Operator:
    """A dense .npy streamed block by block under ``budget`` bytes or e.g. "64MiB"."""

def open_raw(
    path: _Path,
    shape: Tuple[int, int],
    dtype: Any,
    offset: int = 0,
    order: Literal["C", "F"] = "C",
    budget: _Budget = None,
) -> Operator:
    """A raw binary file of ``shape`` elements of ``dtype`` from byte ``offset``."""

def open_npz(path: _Path, budget: _Budget = None) -> Operator:
    """A scipy .npz: stored CSR/CSC streamed under ``budget``; compressed or COO read into memory."""

def open_hdf5(path: _Path, dataset: str, budget: _Budget = None) -> Operator:
    """A 2-D float32/float64 HDF5 dataset streamed under ``budget``."""

def save_npz(path: _Path, a: Any) -> None:
    """Write a scipy sparse matrix as an aligned, stored .npz (atomically)."""

def set_num_threads(n: int) -> None:
    """Threads for products and solvers (0: one per core)."""

def get_num_threads() -> int: ...

def cg(
    a: Operator,
    b: npt.NDArray[np.float64],
    x0: Optional[npt.NDArray[np.float64]] = None,
    rtol: float = 1e-8,
    maxiter: Optional[int] = None,
) -> Tuple[npt.NDArray[np.float64], _Report]:
    """Conjugate gradients (scipy's cg: ``rtol``, ``maxiter``); returns (x, report)."""

def pagerank(
    a: Operator,
    damping: float = 0.85,
    personalization: Optional[npt.NDArray[np.float64]] = None,
    tol: float = 1e-10,
    maxiter: Optional[int] = None,
) -> Tuple[npt.NDArray[np.float64], _Report]:
    """PageRank of the graph with links i -> j weighted A[i, j]; returns (x, report)."""

def rsvd(
    a: Operator,
    k: int,
    tol: float = 1e-8,
    maxiter: Optional[int] = None,
    oversample: int = 10,
    seed: Optional[int] = None,
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], _Report]:
    """Top-k singular triplets (like scipy's svds, largest first): (u, s, vt, report)."""

def lanczos(
    a: Operator,
    k: int = 6,
    which: Literal["LA", "SA", "LM"] = "LA",
    tol: float = 1e-8,
    maxiter: Optional[int] = None,
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], _Report]:
    """k eigenpairs of a symmetric operator (scipy's eigsh ``which``): (w, v, report)."""
