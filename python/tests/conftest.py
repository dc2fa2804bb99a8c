"""Shared fixtures. numpy, scipy and h5py are imported unconditionally: a missing package is
an error of the test run, never a skip."""

import numpy as np
import pytest
import scipy.sparse as sp


def poisson2d(k, dtype=np.float64, fmt="csr"):
    """The 5-point Laplacian on a k x k grid (symmetric positive definite)."""
    t = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(k, k))
    eye = sp.identity(k)
    return (sp.kron(t, eye) + sp.kron(eye, t)).asformat(fmt).astype(dtype)


def random_sparse(m, n, density, seed, dtype=np.float64, fmt="csr", index=np.int32):
    a = sp.random(m, n, density=density, format=fmt, random_state=seed, dtype=dtype)
    a.indices = a.indices.astype(index)
    a.indptr = a.indptr.astype(index)
    return a


@pytest.fixture
def rng():
    return np.random.default_rng(42)


def tol(dtype):
    return 1e-4 if dtype == np.float32 else 1e-12
