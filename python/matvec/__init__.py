"""matvec: sparse and dense products y = alpha*A@x + beta*y, from Rust.

Operators share the memory of the scipy and numpy arrays they are made from (``from_scipy``,
``from_numpy``) or read files block by block under a memory budget (``open_npy``,
``open_npz``, ``open_hdf5``, ``open_raw``). Every product takes ``out=`` (then it allocates
nothing and returns ``out``), ``alpha`` and ``beta``, runs on ``get_num_threads()`` threads and
releases the GIL. ``op.aslinearoperator()`` hands an operator to scipy's solvers (``eigsh``,
``svds``, ``cg``, ``gmres``, ``lsqr``); ``cg``, ``pagerank``, ``rsvd`` and ``lanczos`` are the
crate's own.

Example::

    import numpy as np, scipy.sparse as sp, matvec
    A = sp.random(1000, 1000, density=0.01, format="csr", random_state=0)
    op = matvec.from_scipy(A)          # no copy of A.data or A.indices
    x = np.ones(1000)
    y = np.empty(1000)
    op.matvec(x, out=y)                # y = A @ x, nothing allocated
    assert np.allclose(y, A @ x)
"""

from ._matvec import (
    Operator,
    __version__,
    cg,
    from_numpy,
    from_scipy,
    get_num_threads,
    lanczos,
    open_hdf5,
    open_npy,
    open_npz,
    open_raw,
    pagerank,
    rsvd,
    save_npz,
    set_num_threads,
)

__all__ = [
    "Operator",
    "__version__",
    "cg",
    "from_numpy",
    "from_scipy",
    "get_num_threads",
    "lanczos",
    "open_hdf5",
    "open_npy",
    "open_npz",
    "open_raw",
    "pagerank",
    "rsvd",
    "save_npz",
    "set_num_threads",
]
