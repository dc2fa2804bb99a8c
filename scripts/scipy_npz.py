#!/usr/bin/env python3
"""scipy's in-memory baseline for the streamed sparse products in BENCHMARKS.md: loads a CSR
.npz with scipy.sparse.load_npz and times A @ x and A.T @ x (the same vectors as
examples/out_of_core_sparse), printing medians and the process's peak resident memory.

    python3 scripts/scipy_npz.py FILE.npz [--reps 3]
"""
import argparse
import resource
import statistics
import time

import numpy as np
import scipy.sparse as sp


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args()
    t = time.perf_counter()
    a = sp.load_npz(args.file).tocsr()
    load = time.perf_counter() - t
    r, c = a.shape
    x = (np.arange(c) % 7) - 3.0
    xt = (np.arange(r) % 5) - 2.0
    print(f"scipy load_npz: {load:.2f} s ({a.nnz} entries, indptr {a.indptr.dtype}, indices {a.indices.dtype})")
    for name, f in (("A@x", lambda: a @ x), ("A.T@x", lambda: a.T @ xt)):
        ts = []
        for _ in range(args.reps):
            t = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t)
        print(f"scipy {name:6}: median {statistics.median(ts) * 1e3:9.1f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"scipy peak resident memory: {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
