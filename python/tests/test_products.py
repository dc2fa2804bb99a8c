"""Every operator kind, dtype and index width against scipy and numpy; out=, alpha, beta;
zero copy proven by writing to the shared arrays."""

import numpy as np
import pytest
import scipy.sparse as sp

import matvec
from conftest import random_sparse, tol

SHAPES = [(7, 5), (5, 7), (1, 1), (0, 3), (3, 0), (60, 40)]


def check_all_products(op, dense, rng, dtype):
    m, n = dense.shape
    d = dense.astype(np.float64)
    for vec in [dtype, np.float64] if dtype == np.float32 else [np.float64]:
        x = rng.standard_normal(n).astype(vec)
        xt = rng.standard_normal(m).astype(vec)
        y0 = rng.standard_normal(m).astype(vec)
        t = tol(vec if vec == np.float32 else dtype)
        scale = 1 + np.abs(d).sum()
        np.testing.assert_allclose(op.matvec(x), d @ x, atol=t * scale)
        np.testing.assert_allclose(op @ x, d @ x, atol=t * scale)
        out = y0.copy()
        r = op.matvec(x, out=out, alpha=2.0, beta=-0.5)
        assert r is out
        np.testing.assert_allclose(out, 2.0 * (d @ x) - 0.5 * y0, atol=t * scale)
        outt = np.empty(n, dtype=vec)
        assert op.rmatvec(xt, out=outt) is outt
        np.testing.assert_allclose(outt, d.T @ xt, atol=t * scale)
        X = np.asfortranarray(rng.standard_normal((n, 3)).astype(vec))
        np.testing.assert_allclose(op.matmat(X), d @ X, atol=t * scale)
        np.testing.assert_allclose(op @ X, d @ X, atol=t * scale)
        # A C-ordered X is accepted (copied once into column-major order).
        np.testing.assert_allclose(op.matmat(np.ascontiguousarray(X)), d @ X, atol=t * scale)
        XT = np.asfortranarray(rng.standard_normal((m, 3)).astype(vec))
        OUT = np.asfortranarray(np.ones((n, 3), dtype=vec))
        assert op.rmatmat(XT, out=OUT, beta=1.0) is OUT
        np.testing.assert_allclose(OUT, d.T @ XT + 1.0, atol=t * scale)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("index", [np.int32, np.int64])
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_scipy_operators_match_scipy(rng, dtype, index, fmt):
    for i, (m, n) in enumerate(SHAPES):
        a = random_sparse(m, n, 0.3, seed=i, dtype=dtype, fmt="csr", index=index).asformat(fmt)
        if fmt != "coo":
            a.indices = a.indices.astype(index)
            a.indptr = a.indptr.astype(index)
        op = matvec.from_scipy(a)
        assert op.shape == (m, n)
        assert op.dtype == dtype
        assert op.nnz == a.nnz
        assert op.format == ("csc" if fmt == "csc" else "csr")
        check_all_products(op, a.toarray(), rng, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", ["C", "F"])
def test_numpy_operators_match_numpy(rng, dtype, order):
    for m, n in SHAPES:
        a = np.asarray(rng.standard_normal((m, n)), dtype=dtype, order=order)
        op = matvec.from_numpy(a)
        assert op.shape == (m, n) and op.nnz is None and op.format == "dense"
        assert op.nbytes == a.nbytes and op.copied_nbytes == 0
        check_all_products(op, a, rng, dtype)


def test_scipy_arrays_are_shared_not_copied(rng):
    a = random_sparse(50, 40, 0.2, seed=3)
    op = matvec.from_scipy(a)
    x = rng.standard_normal(40)
    before = op.matvec(x)
    a.data *= 3.0  # in place: the operator reads the same memory
    np.testing.assert_allclose(op.matvec(x), 3.0 * before, rtol=1e-13)
    # What was copied: indptr widened to 8 bytes a row, nothing else.
    assert op.copied_nbytes == 8 * 51
    assert op.nbytes == a.data.nbytes + a.indices.nbytes + 8 * 51


def test_numpy_array_is_shared(rng):
    a = rng.standard_normal((6, 4))
    op = matvec.from_numpy(a)
    x = rng.standard_normal(4)
    a[2, :] = 0.0
    assert op.matvec(x)[2] == 0.0


def test_sparse_arrays_and_canonical_copies(rng):
    a = sp.csr_array(random_sparse(20, 30, 0.2, seed=4))
    x = rng.standard_normal(30)
    np.testing.assert_allclose(matvec.from_scipy(a).matvec(x), a @ x, rtol=1e-12)
    # Duplicates and unsorted indices: refused, unless copy=True sums a copy.
    coo = sp.coo_matrix(([1.0, 2.0, 4.0], ([0, 0, 1], [2, 2, 0])), shape=(2, 3))
    dup = sp.csr_matrix((coo.data, (coo.row, coo.col)), shape=(2, 3))
    dup = sp.csr_matrix((np.array([1.0, 2.0, 4.0]), np.array([2, 2, 0]), np.array([0, 2, 3])), shape=(2, 3))
    with pytest.raises(ValueError, match="sum_duplicates"):
        matvec.from_scipy(dup)
    op = matvec.from_scipy(dup, copy=True)
    np.testing.assert_allclose(op.matvec(np.ones(3)), [3.0, 4.0])
    assert dup.nnz == 3  # the caller's matrix is untouched
    # COO is converted (duplicates summed by scipy).
    np.testing.assert_allclose(matvec.from_scipy(coo).matvec(np.ones(3)), [3.0, 4.0])


def test_threads_give_the_same_bits(rng):
    a = random_sparse(3000, 3000, 0.01, seed=5)
    op = matvec.from_scipy(a)
    x = rng.standard_normal(3000)
    matvec.set_num_threads(1)
    one = op.matvec(x)
    matvec.set_num_threads(2)
    assert matvec.get_num_threads() == 2
    two = op.matvec(x)
    matvec.set_num_threads(0)
    assert np.array_equal(one, two)
