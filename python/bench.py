#!/usr/bin/env python3
"""Benchmarks of the Python package against scipy, numpy and h5py, side by side in one run.

    python python/bench.py poisson                 # 1 M-row Poisson: matvec(x, out=y) vs scipy A @ x
    python python/bench.py small                   # per-call overhead on a 10 x 10 matrix
    python python/bench.py npy DIR [--gib 4]       # open_npy under 64 MiB vs numpy.memmap
    python python/bench.py hdf5 DIR                # the notebook's HDF5 experiment vs h5py's row loop
    python python/bench.py eigsh DIR               # scipy eigsh(k=6) on a file 4 x the budget

Times are medians of repeated runs (time.perf_counter); "warm" file measurements come right
after reading the file through the page cache, with the resident share (fincore) beside them.
Peak resident memory is each child process's ru_maxrss, with the interpreter's own (after
importing numpy, scipy and matvec) printed apart. Prints ratios of the same run.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp

# Measure the installed package: `python python/bench.py` puts python/ first on sys.path,
# where the source folder matvec/ (without the built extension) would shadow it.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]
import matvec  # noqa: E402


def median_time(f, reps):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def poisson(k):
    t = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(k, k))
    eye = sp.identity(k)
    return (sp.kron(t, eye) + sp.kron(eye, t)).tocsr()


def cmd_poisson(args):
    a = poisson(1000)
    x = np.random.default_rng(0).standard_normal(a.shape[1])
    y = np.empty(a.shape[0])
    op = matvec.from_scipy(a)
    rows = {}
    for round_ in range(args.rounds):
        rows.setdefault("scipy A @ x", []).append(median_time(lambda: a @ x, args.reps))
        for threads in (2, 1):
            matvec.set_num_threads(threads)
            name = f"matvec op.matvec(x, out=y), {threads} thread{'s' if threads > 1 else ''}"
            rows.setdefault(name, []).append(median_time(lambda: op.matvec(x, out=y), args.reps))
        matvec.set_num_threads(0)
    assert np.allclose(y, a @ x)
    base = rows["scipy A @ x"]
    print(f"Poisson 1000^2: {a.shape[0]} rows, {a.nnz} entries; medians of {args.reps}, {args.rounds} rounds")
    for name, ts in rows.items():
        ratios = ", ".join(f"{t / b:.2f}" for t, b in zip(ts, base))
        print(f"  {name:45s} {', '.join(f'{t * 1e3:.2f}' for t in ts)} ms   ratio to scipy: {ratios}")


def cmd_small(args):
    a = sp.random(10, 10, density=0.5, format="csr", random_state=1)
    x = np.ones(10)
    y = np.empty(10)
    op = matvec.from_scipy(a)
    n = args.calls
    for round_ in range(args.rounds):
        t_scipy = median_time(lambda: [a @ x for _ in range(n)], 5) / n
        t_ours = median_time(lambda: [op.matvec(x, out=y) for _ in range(n)], 5) / n
        t_new = median_time(lambda: [op @ x for _ in range(n)], 5) / n
        print(
            f"10 x 10, {a.nnz} entries: scipy A @ x {t_scipy * 1e6:.2f} us, op.matvec(x, out=y) "
            f"{t_ours * 1e6:.2f} us ({t_ours / t_scipy:.2f} x), op @ x {t_new * 1e6:.2f} us "
            f"({t_new / t_scipy:.2f} x)"
        )


def resident(path):
    """The share of `path` in the page cache, from util-linux's fincore."""
    try:
        out = subprocess.run(["fincore", "-b", "-n", "-o", "RES,SIZE", str(path)], capture_output=True, text=True).stdout.split()
        return f"{100 * int(out[0]) / max(1, int(out[1])):.0f} %"
    except (OSError, ValueError, IndexError):
        return "?"


def warm(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def child(kind, path, extra):
    """Runs one measurement in a fresh interpreter; returns its JSON result."""
    out = subprocess.run([sys.executable, __file__, "_child", kind, str(path), json.dumps(extra)], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stderr)
    return json.loads(out.stdout)


def maxrss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cmd_child(args):
    kind, path, extra = args.kind, args.path, json.loads(args.extra)
    base = maxrss_mib()
    res = {"interpreter_mib": base}
    if kind == "npy":
        a = np.load(path, mmap_mode="r")
        x = np.ones(a.shape[1])
        warm(path)
        if extra["engine"] == "matvec":
            op = matvec.open_npy(path, budget="64MiB")
            y = np.empty(a.shape[0])
            del a
            res["resident"] = resident(path)
            res["times"] = [median_time(lambda: op.matvec(x, out=y), 1) for _ in range(extra["reps"])]
        else:
            res["resident"] = resident(path)
            res["times"] = [median_time(lambda: a @ x, 1) for _ in range(extra["reps"])]
    elif kind == "hdf5":
        import h5py

        warm(path)
        x = np.ones(extra["cols"])
        if extra["engine"] == "matvec":
            op = matvec.open_hdf5(path, "array", budget="64MiB")
            y = np.empty(extra["rows"])
            res["resident"] = resident(path)
            res["times"] = [median_time(lambda: op.matvec(x, out=y), 1) for _ in range(extra["reps"])]
        else:
            with h5py.File(path, "r") as f:
                ds = f["array"]
                y = np.empty(ds.shape[0])

                def loop():
                    for i in range(ds.shape[0]):
                        y[i] = ds[i] @ x

                res["resident"] = resident(path)
                res["times"] = [median_time(loop, 1) for _ in range(extra["reps"])]
    elif kind == "eigsh":
        import scipy.sparse.linalg as sla

        op = matvec.open_npy(path, budget=extra["budget"])
        n = op.shape[0]
        warm(path)
        t = time.perf_counter()
        w = sla.eigsh(op.aslinearoperator(), k=6, which="LA", v0=np.ones(n))[0]
        res["times"] = [time.perf_counter() - t]
        res["eigenvalues"] = sorted(w.tolist())
        res["resident"] = resident(path)
    res["peak_mib"] = maxrss_mib()
    print(json.dumps(res))


def report(name, r):
    ts = r["times"]
    print(
        f"  {name:38s} first {ts[0] * 1e3:8.1f} ms, median of the rest {statistics.median(ts[1:] or ts) * 1e3:8.1f} ms, "
        f"peak {r['peak_mib']:.0f} MiB (interpreter {r['interpreter_mib']:.0f} MiB), file resident {r['resident']}"
    )
    return statistics.median(ts[1:] or ts)


def cmd_npy(args):
    path = os.path.join(args.dir, "a.npy")
    cols = 32768
    rows = int(args.gib * 2**30 // (8 * cols))
    if not os.path.exists(path) or os.path.getsize(path) < rows * cols * 8:
        m = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(rows, cols))
        for i in range(0, rows, 512):
            m[i : i + 512] = np.random.default_rng(i).standard_normal((min(512, rows - i), cols))
        m.flush()
        del m
    print(f"{rows} x {cols} f64 .npy ({os.path.getsize(path) / 2**30:.1f} GiB), budget 64 MiB, warm")
    ours = report("matvec.open_npy op.matvec(x, out=y)", child("npy", path, {"engine": "matvec", "reps": args.reps}))
    theirs = report("numpy.load(mmap_mode='r') @ x", child("npy", path, {"engine": "numpy", "reps": args.reps}))
    print(f"  ratio to numpy.memmap: {ours / theirs:.2f}")


def cmd_hdf5(args):
    import h5py

    path = os.path.join(args.dir, "nb.h5")
    rows, cols = args.rows, 500_000
    if not os.path.exists(path):
        with h5py.File(path, "w") as f:
            ds = f.create_dataset("array", (rows, cols), dtype="f")
            for i in range(0, rows, 100):
                ds[i : i + 100] = np.random.default_rng(i).standard_normal((100, cols)).astype(np.float32)
    print(f"HDF5 {rows} x {cols} float32 (contiguous), warm")
    ours = report("matvec.open_hdf5 op.matvec(x, out=y)", child("hdf5", path, {"engine": "matvec", "reps": args.reps, "rows": rows, "cols": cols}))
    theirs = report("h5py row loop y[i] = ds[i] @ x", child("hdf5", path, {"engine": "h5py", "reps": args.reps, "rows": rows, "cols": cols}))
    print(f"  ratio to the h5py row loop: {ours / theirs:.3f}")


def cmd_eigsh(args):
    path = os.path.join(args.dir, "sym.npy")
    n = 5792  # 5792^2 * 8 bytes = 256 MiB: 4 x the 64 MiB budget
    if not os.path.exists(path):
        b = np.random.default_rng(3).standard_normal((n, n))
        np.save(path, (b + b.T) / 2)
        del b
    r = child("eigsh", path, {"budget": "64MiB"})
    ncv = 2 * 6 + 1
    print(f"eigsh(k=6) on a {n} x {n} f64 .npy (256 MiB), budget 64 MiB; ARPACK's vectors {ncv * n * 8 / 2**20:.1f} MiB")
    print(
        f"  {r['times'][0]:.2f} s, peak {r['peak_mib']:.0f} MiB (interpreter {r['interpreter_mib']:.0f} MiB: "
        f"{r['peak_mib'] - r['interpreter_mib']:.0f} MiB above it), top eigenvalue {r['eigenvalues'][-1]:.6f}"
    )
    a = np.load(path, mmap_mode="r")
    want = np.linalg.eigvalsh(np.asarray(a))[-6:]
    print(f"  largest difference from numpy.linalg.eigvalsh: {np.max(np.abs(np.array(r['eigenvalues']) - want)):.2e}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("poisson")
    s.add_argument("--reps", type=int, default=30)
    s.add_argument("--rounds", type=int, default=3)
    s = sub.add_parser("small")
    s.add_argument("--calls", type=int, default=20000)
    s.add_argument("--rounds", type=int, default=3)
    for name in ("npy", "hdf5", "eigsh"):
        s = sub.add_parser(name)
        s.add_argument("dir")
        s.add_argument("--reps", type=int, default=5)
        s.add_argument("--gib", type=float, default=4.0)
        s.add_argument("--rows", type=int, default=2000)
    s = sub.add_parser("_child")
    s.add_argument("kind")
    s.add_argument("path")
    s.add_argument("extra")
    args = p.parse_args()
    {"poisson": cmd_poisson, "small": cmd_small, "npy": cmd_npy, "hdf5": cmd_hdf5, "eigsh": cmd_eigsh, "_child": cmd_child}[args.cmd](args)


if __name__ == "__main__":
    main()
