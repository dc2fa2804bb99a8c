#!/usr/bin/env python3
"""scipy's side of `cargo run --release --example solvers`: conjugate gradients on the 5-point
2-D Poisson matrix, timed in the same run as ours (the example runs this script).

    python3 scripts/scipy_solvers.py [--grid 1000] [--reps 3] [--rtol 1e-8] [--no-warmup]

Builds the same matrix as the example (k*k rows, 4 on the diagonal, -1 for each grid
neighbour, CSR with int32 indices), b = ones, x0 = 0, and times
`scipy.sparse.linalg.cg(A, b, x0=x0, rtol=rtol)` (median of --reps runs) and the product
`A @ x` alone (median). Prints one `key=value` per line for the example to read:
iterations, median seconds of the solve, of one iteration and of one product, and the true
final relative residual ||b - A x|| / ||b||.

scipy's CSR product is single-threaded; the vector work is numpy (OpenBLAS for the dot
products, so OPENBLAS_NUM_THREADS applies; the example sets it to its --threads).
"""
import argparse
import statistics
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp
from scipy.sparse.linalg import cg


def poisson2d(k):
    t = sp.diags([-1.0, 4.0, -1.0], [-1, 0, 1], shape=(k, k))
    s = sp.diags([-1.0, -1.0], [-1, 1], shape=(k, k))
    eye = sp.identity(k)
    a = (sp.kron(eye, t) + sp.kron(s, eye)).tocsr()
    a.sort_indices()
    a.indices = a.indices.astype(np.int32)
    a.indptr = a.indptr.astype(np.int32)
    return a


def median_time(reps, f, warmup=True):
    if warmup:
        f()
    t = []
    for _ in range(reps):
        s = time.perf_counter()
        f()
        t.append(time.perf_counter() - s)
    return statistics.median(t)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--grid", type=int, default=1000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--rtol", type=float, default=1e-8)
    p.add_argument("--no-warmup", action="store_true", help="time the first solve too")
    args = p.parse_args()
    k = args.grid
    a = poisson2d(k)
    n = a.shape[0]
    assert a.nnz == 5 * n - 4 * k, a.nnz
    b = np.ones(n)
    x0 = np.zeros(n)

    iters = [0]

    def count(_xk):
        iters[0] += 1

    def solve():
        iters[0] = 0
        x, info = cg(a, b, x0=x0, rtol=args.rtol, callback=count)
        return x, info

    if args.no_warmup:
        t = []
        for _ in range(args.reps):
            s = time.perf_counter()
            x, info = solve()
            t.append(time.perf_counter() - s)
        t_solve = statistics.median(t)
    else:
        x, info = solve()
        t_solve = median_time(args.reps, solve)
    its = iters[0]
    res = np.linalg.norm(b - a @ x) / np.linalg.norm(b)
    v = np.random.default_rng(1).random(n)
    reps_mv = max(10, args.reps * 10)
    t_mv = median_time(reps_mv, lambda: a @ v)
    print(f"scipy={scipy.__version__}")
    print(f"numpy={np.__version__}")
    print(f"rows={n}")
    print(f"nnz={a.nnz}")
    print(f"info={info}")
    print(f"iterations={its}")
    print(f"solve_s={t_solve:.6g}")
    print(f"per_iter_s={t_solve / max(its, 1):.6g}")
    print(f"matvec_s={t_mv:.6g}")
    print(f"residual={res:.6g}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
