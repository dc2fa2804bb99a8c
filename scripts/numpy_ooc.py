#!/usr/bin/env python3
"""numpy's out-of-core baseline for BENCHMARKS.md: A @ x over np.load(mmap_mode="r") in row
blocks, the loop users write by hand, timed and with peak resident memory.

    OPENBLAS_NUM_THREADS=2 python3 scripts/numpy_ooc.py FILE.npy [--block-mib 256] [--reps 5]

Prints the time of the first A @ x and A.T @ x (both by row blocks; the first one maps the
file's pages into the process, which later ones find mapped) and the median of the others,
GB/s, and the process's peak resident memory (ru_maxrss). The file must be a 2-D float .npy in C order, e.g. one kept
by `cargo run --release --example out_of_core -- --keep --path FILE.npy`.
"""
import argparse
import resource
import statistics
import time

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--block-mib", type=float, default=256)
    p.add_argument("--reps", type=int, default=5)
    args = p.parse_args()
    a = np.load(args.file, mmap_mode="r")
    assert a.ndim == 2 and a.flags.c_contiguous, "expects a 2-D C-order array"
    r, c = a.shape
    rows = max(1, int(args.block_mib * 2**20 // (c * a.itemsize)))
    x = ((np.arange(c) % 7) - 3.0).astype(a.dtype)
    xt = ((np.arange(r) % 5) - 2.0).astype(a.dtype)
    y = np.empty(r, dtype=a.dtype)

    def ax():
        for i in range(0, r, rows):
            j = min(i + rows, r)
            y[i:j] = a[i:j] @ x

    def atx():
        out = np.zeros(c, dtype=a.dtype)
        for i in range(0, r, rows):
            j = min(i + rows, r)
            out += a[i:j].T @ xt[i:j]
        return out

    for name, f in (("A@x", ax), ("A.T@x", atx)):
        ts = []
        for _ in range(args.reps):
            t = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t)
        med = statistics.median(ts[1:] or ts)
        print(f"numpy {name:6}: first {ts[0] * 1e3:8.1f} ms  {a.nbytes / ts[0] / 1e9:6.2f} GB/s, "
              f"then median {med * 1e3:8.1f} ms  {a.nbytes / med / 1e9:6.2f} GB/s  (blocks of {rows} rows)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"numpy peak resident memory: {peak / 2**20:.1f} MiB (file {a.nbytes / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
