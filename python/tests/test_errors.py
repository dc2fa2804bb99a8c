"""Every error class: shapes (ValueError naming both), dtypes (TypeError), bad out
(ValueError), bad files (ValueError/OSError naming the file), indices changed under an
operator (ValueError, never a crash)."""

import numpy as np
import pytest
import scipy.sparse as sp

import matvec
from conftest import random_sparse


@pytest.fixture
def op():
    return matvec.from_scipy(random_sparse(5, 3, 0.5, seed=1))


def test_wrong_shapes_name_both(op):
    with pytest.raises(ValueError, match=r"5 x 3.*\(3,\).*\(4,\)"):
        op.matvec(np.ones(4))
    with pytest.raises(ValueError, match=r"out needs shape \(5,\), got \(6,\)"):
        op.matvec(np.ones(3), out=np.empty(6))
    with pytest.raises(ValueError, match=r"\(5,\)"):
        op.rmatvec(np.ones(3))
    with pytest.raises(ValueError, match="2-D"):
        op.matmat(np.ones(3))
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(4, 2\)"):
        op.matmat(np.ones((4, 2)))


def test_wrong_dtypes_are_type_errors(op):
    with pytest.raises(TypeError, match="int64"):
        op.matvec(np.ones(3, dtype=np.int64))
    with pytest.raises(TypeError, match="float32"):
        op.matvec(np.ones(3, dtype=np.float32))  # a float64 operator
    with pytest.raises(TypeError, match="float32"):
        op.matvec(np.ones(3), out=np.empty(5, dtype=np.float32))
    with pytest.raises(TypeError, match="list"):
        op.matvec([1.0, 2.0, 3.0])
    with pytest.raises(TypeError):
        matvec.from_scipy(sp.csr_matrix(np.eye(3, dtype=np.complex128)))
    with pytest.raises(TypeError):
        matvec.from_numpy(np.eye(3, dtype=np.int32))
    with pytest.raises(TypeError):
        matvec.from_scipy(np.eye(3))


def test_bad_out_is_a_value_error(op):
    ro = np.empty(5)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        op.matvec(np.ones(3), out=ro)
    strided = np.empty(10)[::2]
    with pytest.raises(ValueError, match="contiguous"):
        op.matvec(np.ones(3), out=strided)
    with pytest.raises(ValueError, match="Fortran"):
        op.matmat(np.ones((3, 2)), out=np.empty((5, 2)))
    sq = matvec.from_scipy(random_sparse(4, 4, 0.5, seed=2))
    x = np.ones(4)
    with pytest.raises(ValueError, match="shares its memory with x|out is x"):
        sq.matvec(x, out=x)
    with pytest.raises(ValueError, match="contiguous"):
        op.matvec(np.ones(6)[::2])
    with pytest.raises(ValueError, match="contiguous"):
        matvec.from_numpy(np.ones((4, 6))[:, ::2])


def test_an_out_that_is_the_operators_own_data_is_refused():
    a = sp.csr_matrix(np.array([[1.0, 2.0], [3.0, 4.0]]))
    op = matvec.from_scipy(a)
    with pytest.raises(ValueError, match="own arrays"):
        op.matvec(np.ones(2), out=a.data[:2])
    d = np.eye(2)
    with pytest.raises(ValueError, match="own arrays"):
        matvec.from_numpy(d).matvec(np.ones(2), out=d[0])


def test_an_index_changed_after_from_scipy_is_an_error_not_a_crash():
    a = random_sparse(30, 20, 0.3, seed=3)
    op = matvec.from_scipy(a)
    a.indices[5] = 10**6
    with pytest.raises(ValueError, match="1000000"):
        op.matvec(np.ones(20))
    with pytest.raises(ValueError, match="out of range"):
        op.rmatvec(np.ones(30))
    a.indices[5] = -1  # int32 -1 is read as 2**32 - 1: out of range too
    with pytest.raises(ValueError):
        op.matmat(np.ones((20, 2), order="F"))
    with pytest.raises(ValueError):
        matvec.cg(matvec.from_scipy(sp.identity(3, format="csr")), np.ones(4))


def test_bad_files_name_the_file(tmp_path):
    missing = tmp_path / "missing.npy"
    with pytest.raises(OSError, match="missing.npy"):
        matvec.open_npy(missing)
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"\x93NUMPY\x01\x00garbage")
    with pytest.raises(ValueError, match="bad.npy"):
        matvec.open_npy(bad)
    trunc = tmp_path / "trunc.npy"
    np.save(trunc, np.ones((100, 100)))
    data = trunc.read_bytes()
    trunc.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="trunc.npy"):
        matvec.open_npy(trunc)
    with pytest.raises((ValueError, OSError), match="nothing.npz"):
        matvec.open_npz(tmp_path / "nothing.npz")
    notzip = tmp_path / "notzip.npz"
    notzip.write_bytes(b"PK not really")
    with pytest.raises(ValueError, match="notzip.npz"):
        matvec.open_npz(notzip)
    with pytest.raises(ValueError, match="budget|64XB"):
        matvec.open_npy(tmp_path / "x.npy", budget="64XB")
    with pytest.raises(OSError, match="missing.h5"):
        matvec.open_hdf5(tmp_path / "missing.h5", "/a")
    with pytest.raises(ValueError):
        matvec.lanczos(matvec.from_numpy(np.eye(3)), k=2, which="XX")
