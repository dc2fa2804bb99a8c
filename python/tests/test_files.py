"""Matrices in files written by numpy, scipy and h5py, multiplied out of core under a
budget smaller than the file, against the same products in memory."""

import h5py
import numpy as np
import pytest
import scipy.sparse as sp

import matvec
from conftest import random_sparse


def check(op, dense, rng):
    m, n = dense.shape
    x = rng.standard_normal(n)
    xt = rng.standard_normal(m)
    np.testing.assert_allclose(op.matvec(x), dense @ x, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(op.rmatvec(xt), dense.T @ xt, rtol=1e-10, atol=1e-10)
    X = np.asfortranarray(rng.standard_normal((n, 5)))
    np.testing.assert_allclose(op.matmat(X), dense @ X, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", ["C", "F"])
def test_npy_and_raw_under_a_small_budget(tmp_path, rng, dtype, order):
    a = np.asarray(rng.standard_normal((300, 200)), dtype=dtype, order=order)
    path = tmp_path / "a.npy"
    np.save(path, a)
    op = matvec.open_npy(path, budget="64KiB")  # the file is 240 or 480 KB
    assert op.shape == (300, 200) and op.dtype == dtype and op.format == "npy"
    assert op.nbytes <= 2 * 64 * 1024 + 64 * 1024
    check(op, a.astype(np.float64), rng)
    raw = tmp_path / "a.bin"
    with open(raw, "wb") as f:
        f.write(b"\0" * 16)
        f.write(a.tobytes(order=order))
    r = matvec.open_raw(raw, (300, 200), dtype, offset=16, order=order, budget=65536)
    check(r, a.astype(np.float64), rng)
    big = tmp_path / "big.bin"
    big.write_bytes(a.astype(a.dtype.newbyteorder(">")).tobytes(order=order))
    dt = ">f4" if dtype == np.float32 else ">f8"
    check(matvec.open_raw(big, (300, 200), dt, order=order), a.astype(np.float64), rng)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("index", [np.int32, np.int64])
def test_npz_written_by_scipy(tmp_path, rng, fmt, compressed, index):
    a = random_sparse(400, 300, 0.05, seed=7, index=index).asformat(fmt)
    path = tmp_path / "a.npz"
    sp.save_npz(path, a, compressed=compressed)
    op = matvec.open_npz(path, budget="16KiB")
    streamed = not compressed and fmt != "coo"
    assert op.format == (f"npz-{fmt}" if streamed else "csr-owned")
    assert op.nnz == a.nnz
    check(op, a.toarray(), rng)


def test_save_npz_is_read_by_scipy_and_streamed(tmp_path, rng):
    for fmt in ["csr", "csc"]:
        a = random_sparse(120, 80, 0.1, seed=8, fmt=fmt)
        path = tmp_path / f"{fmt}.npz"
        matvec.save_npz(path, a)
        back = sp.load_npz(path)
        assert back.format == fmt
        assert (back != a).nnz == 0
        check(matvec.open_npz(path, budget=4096), a.toarray(), rng)
        assert matvec.open_npz(path).format == f"npz-{fmt}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csc.npz", "csr.npz"]


@pytest.mark.parametrize("chunks", [None, (16, 32)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_hdf5_written_by_h5py(tmp_path, rng, chunks, dtype):
    a = rng.standard_normal((250, 120)).astype(dtype)
    path = tmp_path / "a.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("group/a", data=a, chunks=chunks, compression="gzip" if chunks else None)
    op = matvec.open_hdf5(path, "/group/a", budget="32KiB")
    assert op.shape == (250, 120) and op.dtype == dtype and op.format == "hdf5"
    check(op, a.astype(np.float64), rng)
    with pytest.raises(ValueError, match="nope"):
        matvec.open_hdf5(path, "/nope")


def test_a_file_changed_under_an_operator_is_an_error(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.ones((500, 100)))
    op = matvec.open_npy(path, budget="16KiB")
    with open(path, "r+b") as f:
        f.truncate(1000)
    with pytest.raises((OSError, ValueError), match="a.npy.*truncated"):
        op.matvec(np.ones(100))
