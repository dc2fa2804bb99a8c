#!/usr/bin/env python3
"""The notebook's out-of-core experiment, h5py's side, for BENCHMARKS.md: an HDF5 file with a
float32 dataset "array" (ROWS x COLS, contiguous, as `create_dataset("array", shape, dtype='f')`
makes it) and a gzip-chunked copy "gzip" of its first GZIP_ROWS rows; times the notebook's row
loop (`y[i] = ds[i] @ b`), reading the dataset whole then `A @ b` in memory, and the same for
the gzip dataset. Writes x.npy (float64, COLS) beside the file for the matvec tool.

    python3 scripts/h5py_notebook.py FILE.h5 [--rows 2000] [--cols 500000] [--gzip-rows 200]
"""
import argparse
import os
import time

import h5py
import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--cols", type=int, default=500_000)
    p.add_argument("--gzip-rows", type=int, default=200)
    p.add_argument("--skip-loop", action="store_true", help="skip the row loop")
    args = p.parse_args()
    r, c = args.rows, args.cols
    if not os.path.exists(args.file):
        rng = np.random.default_rng(1)
        with h5py.File(args.file, "w") as f:
            ds = f.create_dataset("array", (r, c), dtype="f")
            for i in range(0, r, 100):
                ds[i:i + 100] = rng.standard_normal((min(100, r - i), c), dtype=np.float32)
            g = f.create_dataset("gzip", (args.gzip_rows, c), dtype="f", chunks=(10, 10000),
                                 compression="gzip", shuffle=True)
            g[:] = ds[:args.gzip_rows]
        print(f"wrote {args.file}")
    b = np.random.default_rng(2).standard_normal(c)
    np.save(os.path.join(os.path.dirname(os.path.abspath(args.file)), "x.npy"), b)
    with h5py.File(args.file, "r") as f:
        for name in ("array", "gzip"):
            ds = f[name]
            if not args.skip_loop:
                y = np.empty(ds.shape[0])
                t = time.perf_counter()
                for i in range(ds.shape[0]):
                    y[i] = ds[i] @ b
                print(f"h5py {name}: row loop      {time.perf_counter() - t:8.3f} s")
            t = time.perf_counter()
            a = ds[:]
            t_read = time.perf_counter() - t
            t = time.perf_counter()
            a @ b
            t_mul = time.perf_counter() - t
            print(f"h5py {name}: read whole {t_read:8.3f} s, then numpy A @ b in memory {t_mul:8.3f} s")
            del a


if __name__ == "__main__":
    main()
