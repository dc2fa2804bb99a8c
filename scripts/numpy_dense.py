#!/usr/bin/env python3
"""Dense 8192 x 8192 float64 products, ours against numpy (OpenBLAS), interleaved.

    cargo build --release --example kernels
    OPENBLAS_NUM_THREADS=2 python3 scripts/numpy_dense.py [--rounds 5]

Each round times numpy's `np.dot(A, x, out=y)` and `np.dot(A.T, x, out=y)` in this process
(its own random matrix of the same shape and layout), then ours in a child process
(`kernels dense --rounds 1`: `mul_vec` and `mul_vec_t` of a row-major `Dense`, 2 threads, and
a plain read of the same bytes); medians over rounds and medians of per-round ratios.
"""

import argparse
import os
import statistics
import subprocess
import sys

import numpy as np

from timing import EXAMPLE, median_ms


def ours():
    out = subprocess.run([EXAMPLE, "dense", "--rounds", "1", "--reps", "10"], check=True,
                         capture_output=True, text=True).stdout
    t = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[-1] == "ms":
            t[" ".join(parts[:-2])] = float(parts[-2])
    return t["mul_vec rayon"], t["mul_vec_t rayon"], t["read all threads"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if not os.path.exists(EXAMPLE):
        sys.exit(f"error: {EXAMPLE} is missing: run `cargo build --release --example kernels`")
    n = 8192
    rng = np.random.default_rng(4)
    a = rng.random((n, n))
    x = rng.random(n)
    y = np.empty(n)
    rows = []
    for _ in range(args.rounds):
        npy = median_ms(lambda: np.dot(a, x, out=y), 10)
        npyt = median_ms(lambda: np.dot(a.T, x, out=y), 10)
        mv, mvt, read = ours()
        rows.append((npy, npyt, mv, mvt, read))
    med = [statistics.median(r[i] for r in rows) for i in range(5)]
    ratio = lambda i, j: statistics.median(r[i] / r[j] for r in rows)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"numpy {np.__version__} (OPENBLAS_NUM_THREADS={threads}), {args.rounds} rounds")
    print("| | numpy (ms) | matvec (ms) | matvec / numpy | matvec / read |")
    print("|---|---:|---:|---:|---:|")
    print(f"| A @ x | {med[0]:.2f} | {med[2]:.2f} | {ratio(2, 0):.3f} | {ratio(2, 4):.3f} |")
    print(f"| A.T @ x | {med[1]:.2f} | {med[3]:.2f} | {ratio(3, 1):.3f} | {ratio(3, 4):.3f} |")
    print(f"(plain read of the matrix and vectors, 2 threads: {med[4]:.2f} ms)")


if __name__ == "__main__":
    main()
