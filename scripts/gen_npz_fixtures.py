#!/usr/bin/env python3
"""scipy .npz sparse-matrix fixtures for tests/npz.rs, written by scipy.sparse.save_npz.

    python3 scripts/gen_npz_fixtures.py [OUT_DIR]     # default: tests/data/npz

Every NAME.npz is a sparse matrix written the way scipy writes it (save_npz, compressed or
not), or the way older scipy versions and numpy.savez can write one (a '<U3' format string,
a 'coords' member), covering CSR, CSC and COO; int32 and int64 indices and offsets; float64,
float32, int64, int32, uint8 and bool values; unsorted indices with duplicates; empty
matrices. Beside it, NAME.npy holds what scipy.sparse.load_npz reads from it: the dense
matrix as float64, flattened in row-major order (the shape is in the .npz). tests/npz.rs
reads every NAME.npz with matvec and compares with NAME.npy, so the expected values are
scipy's reading of the file, not our own idea of it.

The name says what the file holds: FORMAT_VALUES_INDICES_STORAGE[_VARIANT].npz.

The fixtures are checked in (tests need no Python); the tests also run this script into a
temporary directory when python3 with scipy is available, and check the files it writes.
Values are deterministic (fixed seeds); the zip timestamps are not (numpy stamps members with
the current time), so regenerated files differ from the checked-in ones in those bytes only.
"""

import os
import sys

import numpy as np
import scipy
import scipy.sparse as sp


def values(rng, n, kind):
    """Values that survive the dtype exactly, and for float64 some that need all 53 bits."""
    if kind == "f8":
        v = rng.integers(-9, 10, n).astype(np.float64) / 4.0
        v[::3] = rng.standard_normal(len(v[::3]))  # full-precision doubles
        v[v == 0] = 0.5
        return v
    if kind == "f8d":  # dyadic: sums of duplicates are exact in any order
        v = rng.integers(-9, 10, n).astype(np.float64) / 4.0
        v[v == 0] = -0.75
        return v
    if kind == "f4":
        v = (rng.integers(-9, 10, n) / 8.0).astype(np.float32)
        v[v == 0] = np.float32(1.5)
        return v
    if kind == "i8":
        v = rng.integers(-(2**40), 2**40, n).astype(np.int64)  # exact in f64, not in f32
        v[v == 0] = 7
        return v
    if kind == "i4":
        v = rng.integers(-100, 100, n).astype(np.int32)
        v[v == 0] = -3
        return v
    if kind == "u1":
        return rng.integers(1, 256, n).astype(np.uint8)
    if kind == "b1":
        return np.ones(n, dtype=bool)
    raise ValueError(kind)


def random_coo(rng, m, n, density, kind):
    """A random m x n matrix with an empty row and an empty column, no explicit zeros."""
    mask = rng.random((m, n)) < density
    if m > 2:
        mask[m // 2, :] = False
    if n > 2:
        mask[:, n // 2] = False
    r, c = (k.astype(np.int32) for k in np.nonzero(mask))  # scipy keeps int32 for these
    return sp.coo_array((values(rng, len(r), kind), (r, c)), shape=(m, n))


def with_index_dtype(a, dt):
    """`a` (CSR or CSC) with its index arrays in dtype `dt` (scipy keeps what it is given)."""
    a.indices = a.indices.astype(dt)
    a.indptr = a.indptr.astype(dt)
    assert a.indices.dtype == dt and a.indptr.dtype == dt
    return a


def save(out, name, a, compressed, expected=None):
    path = os.path.join(out, name + ".npz")
    sp.save_npz(path, a, compressed=compressed)
    write_expected(out, name, path, expected)


def savez(out, name, compressed, expected=None, **arrays):
    """What numpy.savez(_compressed) writes for these arrays, for layouts save_npz does not
    write itself (but load_npz reads)."""
    path = os.path.join(out, name + ".npz")
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    write_expected(out, name, path, expected)


def write_expected(out, name, path, expected):
    """NAME.npy: scipy's reading of NAME.npz, dense, row-major, float64."""
    b = sp.load_npz(path)
    d = b.toarray().astype(np.float64)
    if expected is not None:
        assert np.array_equal(d, expected), name
    np.save(os.path.join(out, name + ".npy"), d.ravel())


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "npz"
    )
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20240601)
    written = []

    def add(name):
        written.append(name)
        return name

    # CSR and CSC from save_npz, compressed (the default) and stored, int32 indices (scipy's
    # choice for small matrices) and int64 ones.
    for fmt in ("csr", "csc"):
        for vk in ("f8", "f4"):
            for idx in ("i4", "i8"):
                for compressed in (True, False):
                    a = random_coo(rng, 9, 7, 0.35, vk).asformat(fmt)
                    a = with_index_dtype(a, np.dtype(idx))
                    storage = "compressed" if compressed else "stored"
                    name = add(f"{fmt}_{vk}_{idx}_{storage}")
                    save(out, name, a, compressed)

    # Integer and bool values.
    for vk in ("i8", "i4", "u1", "b1"):
        a = with_index_dtype(random_coo(rng, 6, 8, 0.4, vk).tocsr(), np.dtype("i4"))
        name = add(f"csr_{vk}_i4_compressed")
        save(out, name, a, True)

    # COO as save_npz writes it for 2-D arrays: row.npy, col.npy (int32), with duplicates
    # (summed by toarray, kept by read_coo) and in no particular order.
    for vk, compressed in (("f8", True), ("i8", False)):
        r = np.array([4, 0, 2, 4, 1, 0, 4], dtype=np.int32)
        c = np.array([1, 3, 0, 1, 2, 0, 1], dtype=np.int32)
        v = values(rng, len(r), "f8d" if vk == "f8" else vk)
        a = sp.coo_array((v, (r, c)), shape=(5, 4))
        storage = "compressed" if compressed else "stored"
        name = add(f"coo_{vk}_i4_{storage}_duplicates")
        save(out, name, a, compressed)

    # COO with a coords member of shape (2, nnz), as load_npz reads it (and as save_npz writes
    # n-D arrays; scipy means to write 2-D ones so too), int64.
    r = np.array([0, 3, 1, 3], dtype=np.int64)
    c = np.array([2, 0, 1, 0], dtype=np.int64)
    v = np.array([1.5, -2.0, 3.25, 0.5])
    name = add("coo_f8_i8_stored_coords")
    savez(out, name, False, format=b"coo", shape=np.array([4, 3]), coords=np.vstack([r, c]),
          data=v)

    # CSR with unsorted indices and duplicates (has_canonical_format False): scipy keeps the
    # arrays as given and save_npz writes them so.
    indptr = np.array([0, 4, 4, 7, 9], dtype=np.int32)
    indices = np.array([3, 0, 3, 1, 2, 0, 2, 4, 1], dtype=np.int32)
    data = np.array([1.0, 2.0, 0.25, -4.0, 5.0, 6.0, 7.0, 8.0, 9.5])
    for fmt in ("csr", "csc"):
        cls = sp.csr_array if fmt == "csr" else sp.csc_array
        shape = (4, 5) if fmt == "csr" else (5, 4)
        a = cls((data, indices, indptr), shape=shape)
        assert not a.has_sorted_indices
        name = add(f"{fmt}_f8_i4_stored_unsorted")
        save(out, name, a, False)

    # A csr_matrix (the older spmatrix: no _is_array member) and a format string written as
    # unicode ('<U3'), as scipy before 1.0 under Python 2 and numpy.savez of a str do.
    a = sp.csr_matrix(random_coo(rng, 5, 5, 0.5, "f8"))
    name = add("csr_f8_i4_stored_spmatrix")
    save(out, name, a, False)
    b = with_index_dtype(random_coo(rng, 4, 6, 0.5, "f8").tocsr(), np.dtype("i4"))
    name = add("csr_f8_i4_compressed_unicode")
    savez(out, name, True, format=np.array("csr"), shape=np.array(b.shape),
          indptr=b.indptr, indices=b.indices, data=b.data)

    # Empty matrices.
    name = add("csr_f8_i4_stored_empty")
    save(out, name, sp.csr_array((3, 4)), False, expected=np.zeros((3, 4)))
    name = add("csc_f8_i4_compressed_zero")
    save(out, name, sp.csc_array((0, 0)), True, expected=np.zeros((0, 0)))

    print(f"scipy {scipy.__version__}, numpy {np.__version__}: wrote {len(written)} fixtures "
          f"to {out}")


if __name__ == "__main__":
    main()
