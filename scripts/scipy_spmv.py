#!/usr/bin/env python3
"""One-thread CSR products, ours against scipy's `A @ x`, on the same matrices, interleaved;
and COO -> CSR on the 16 M R-MAT triplets, `Coo::into_csr` against `coo_array.tocsr()`.

    cargo build --release --example kernels
    python3 scripts/scipy_spmv.py [--rounds 5] [--reps 30] [--coo] [poisson rmat random]

The example writes the matrices (Poisson 1000^2, R-MAT 2^20, uniform random 1 M x 16; the
generators and seeds of benches/spmv.rs) as `.npz` files; scipy loads them with int32
`indptr` and `indices` (what it would choose for these sizes). Each round times scipy in this
process and then ours in a child process (`kernels NAME --seq-only`, `Par::Seq`), so both see
the same machine load (scipy on fresh copies of the arrays each round, since where the arrays
land in memory moves a single-thread product by up to 30 % here); the table gives medians
over rounds and the median of the per-round ratios. numpy asks for transparent huge pages on
large arrays (`madvise`), Rust's allocator does not: on this machine (THP `madvise`) that
favours scipy's gathers. scipy's product allocates its output; ours writes into a reused buffer (that is the
API each offers). Needs numpy and scipy (`pip install numpy scipy`).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy
import scipy.sparse as sp

from timing import EXAMPLE, median_ms


def ours_ms(name, reps):
    out = subprocess.run(
        [EXAMPLE, name, "--seq-only", "--reps", str(reps)],
        check=True, capture_output=True, text=True,
        env={**os.environ, "RAYON_NUM_THREADS": "1"},
    ).stdout.split()
    return float(out[out.index("seq") + 1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*", default=["poisson", "rmat", "random"])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--coo", action="store_true", help="also time COO -> CSR against scipy")
    args = ap.parse_args()
    if not os.path.exists(EXAMPLE):
        sys.exit(f"error: {EXAMPLE} is missing: run `cargo build --release --example kernels`")
    with tempfile.TemporaryDirectory(prefix="matvec-scipy-") as d:
        subprocess.run([EXAMPLE, *args.names, "--write-npz", d], check=True,
                       capture_output=True)
        print(f"scipy {scipy.__version__}, numpy {np.__version__}, one thread each; "
              f"{args.rounds} rounds of {args.reps} products")
        print("| matrix | nnz | scipy A @ x (ms) | matvec Par::Seq (ms) | matvec / scipy |")
        print("|---|---:|---:|---:|---:|")
        for name in args.names:
            a = sp.load_npz(os.path.join(d, f"{name}.npz")).tocsr()
            a.indptr = a.indptr.astype(np.int32)
            a.indices = a.indices.astype(np.int32)
            x = np.random.default_rng(1).random(a.shape[1])
            theirs, mine = [], []
            for _ in range(args.rounds):
                # Fresh copies each round, as ours is a fresh process each round: where the
                # arrays land in memory moves single-thread times by up to 30 % here.
                b, xb = a.copy(), x.copy()
                theirs.append(median_ms(lambda: b @ xb, args.reps))
                del b, xb
                mine.append(ours_ms(name, args.reps))
            ratio = statistics.median(m / t for m, t in zip(mine, theirs))
            print(f"| {name} | {a.nnz} | {statistics.median(theirs):.3f} | "
                  f"{statistics.median(mine):.3f} | {ratio:.3f} |")
        if args.coo:
            coo_vs_scipy(d, args.rounds)


def coo_vs_scipy(d, rounds):
    """`Coo::into_csr` (in place, ours: default threads) against scipy's `tocsr()` (one
    thread; it also sums duplicates), same triplets (int32 indices), alternating rounds."""
    subprocess.run([EXAMPLE, "--coo-only", "--write-npz", d], check=True, capture_output=True)
    rows = np.load(os.path.join(d, "rmat_coo_rows.npy")).astype(np.int32)
    cols = np.load(os.path.join(d, "rmat_coo_cols.npy")).astype(np.int32)
    vals = np.load(os.path.join(d, "rmat_coo_vals.npy"))
    n = int(max(rows.max(), cols.max())) + 1
    coo = sp.coo_array((vals, (rows, cols)), shape=(n, n))
    theirs, mine = [], []
    for _ in range(rounds):
        t = []
        for _ in range(3):
            c = coo.copy()
            start = time.perf_counter()
            c.tocsr()
            t.append((time.perf_counter() - start) * 1e3)
        theirs.append(statistics.median(t))
        out = subprocess.run([EXAMPLE, "--coo-only", "--reps", "3"], check=True,
                             capture_output=True, text=True).stdout.split()
        mine.append(float(out[out.index("into_csr") + 1]))
    ratio = statistics.median(m / t for m, t in zip(mine, theirs))
    print(f"\nCOO -> CSR, {len(vals)} R-MAT triplets: scipy tocsr {statistics.median(theirs):.1f} ms, "
          f"matvec into_csr {statistics.median(mine):.1f} ms, ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
