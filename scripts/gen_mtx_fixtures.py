#!/usr/bin/env python3
"""Matrix Market fixtures for tests/mtx.rs, written by scipy.

    python3 scripts/gen_mtx_fixtures.py [OUT_DIR]     # default: tests/data/mtx

For every variant the reader supports (coordinate real/integer/pattern x general/symmetric/
skew-symmetric; array real/integer x general/symmetric/skew-symmetric) it writes NAME.mtx with
scipy.io.mmwrite, reads it back with scipy.io.mmread, and saves what scipy read as NAME.npy: a
1-D float64 array, the dense matrix flattened in row-major order (the shape is the .mtx size
line). tests/mtx.rs reads every NAME.mtx with matvec and compares with NAME.npy, so the
expected values are scipy's reading of the file, not our own idea of it.

The fixtures are checked in (tests need no Python); the tests also run this script into a
temporary directory when python3 with scipy is available, and check the files it writes.
Deterministic: fixed seeds, no timestamps.
"""

import os
import sys

import numpy as np
import scipy
import scipy.io
import scipy.sparse as sp


def real_values(rng, n):
    """Values that exercise the float parser: full 17-digit doubles, both signs, tiny and
    huge exponents, small integers."""
    specials = np.array([1e-300, -1e300, 0.1, -2.5, 3.0, 5e-324, 1.7976931348623157e308])
    v = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4, n)
    k = min(n, len(specials))
    v[:k] = specials[:k]
    rng.shuffle(v)
    return v


def sparse(rng, m, n, density, values):
    """A random m x n matrix with an empty row and an empty column, no explicit zeros."""
    a = np.zeros((m, n))
    mask = rng.random((m, n)) < density
    mask[m // 2, :] = False
    mask[:, n // 2] = False
    a[mask] = values(mask.sum())
    return a


def variants(rng):
    reals = lambda k: real_values(rng, k)
    ints = lambda k: rng.integers(-50, 50, k).astype(np.float64) + 0.0
    big = lambda k: np.where(np.arange(k) == 0, 2.0**53 + 2, ints(k))  # exact in f64
    ones = lambda k: np.ones(k)

    def lower(a, strict):
        return np.tril(a, -1 if strict else 0)

    out = []
    for field, vals in [("real", reals), ("integer", big), ("pattern", ones)]:
        g = sparse(rng, 7, 5, 0.4, vals)
        s = lower(sparse(rng, 6, 6, 0.7, vals), strict=False)
        s = s + np.tril(s, -1).T
        k = lower(sparse(rng, 6, 6, 0.7, vals), strict=True)
        k = k - k.T
        for sym, a in [("general", g), ("symmetric", s), ("skew-symmetric", k)]:
            out.append((f"coordinate_{field}_{sym}", sp.coo_array(a), field, sym))
    for field, vals in [("real", reals), ("integer", ints)]:
        g = vals(12).reshape(4, 3)
        s = np.tril(vals(16).reshape(4, 4))
        s = s + np.tril(s, -1).T
        k = np.tril(vals(16).reshape(4, 4), -1)
        k = k - k.T
        for sym, a in [("general", g), ("symmetric", s), ("skew-symmetric", k)]:
            if field == "integer":
                a = a.astype(np.int64)
            out.append((f"array_{field}_{sym}", a, field, sym))
    out.append(("coordinate_real_general_empty", sp.coo_array((3, 2)), "real", "general"))
    return out


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "data", "mtx")
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(20240601)
    for name, a, field, sym in variants(rng):
        path = os.path.join(out_dir, name + ".mtx")
        kwargs = {"symmetry": sym}
        if field == "pattern":
            kwargs["field"] = "pattern"
        elif field == "integer" and sp.issparse(a):
            kwargs["field"] = "integer"
        with open(path, "wb") as f:
            scipy.io.mmwrite(f, a, **kwargs)
        with open(path, "rb") as f:
            header = f.readline().decode().split()
        assert header[2:] == [name.split("_")[0], field, sym], (name, header)
        back = scipy.io.mmread(path)
        dense = back.toarray() if sp.issparse(back) else np.asarray(back)
        np.save(os.path.join(out_dir, name + ".npy"), dense.astype(np.float64).ravel(order="C"))
    print(f"wrote {len(variants(np.random.default_rng(0)))} fixtures to {out_dir} "
          f"(scipy {scipy.__version__}, numpy {np.__version__})")


if __name__ == "__main__":
    main()
