"""No allocation per product with out= (tracemalloc over 10 000 calls), and the GIL released
during products (two Python threads take clearly less than twice one thread's time)."""

import threading
import time
import tracemalloc

import numpy as np

import matvec
from conftest import poisson2d, random_sparse


def test_products_with_out_allocate_nothing(tmp_path):
    a = poisson2d(30)
    npy = tmp_path / "a.npy"
    np.save(npy, np.ones((64, 32)))
    ops = [
        (matvec.from_scipy(a), 900, 900),
        (matvec.from_scipy(a.tocsc()), 900, 900),
        (matvec.from_numpy(np.ones((64, 32))), 32, 64),
        (matvec.open_npy(npy, budget="8KiB"), 32, 64),
    ]
    for op, n, m in ops:
        x, y = np.ones(n), np.empty(m)
        for _ in range(100):  # warm up (first calls may build caches)
            op.matvec(x, out=y)
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        for _ in range(10_000):
            op.matvec(x, out=y, alpha=2.0, beta=0.5)
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
        assert grown < 4096, (op, grown)


def test_two_python_threads_run_products_at_once():
    a = poisson2d(600)  # 360 000 rows, 1.8 M entries
    op = matvec.from_scipy(a)
    matvec.set_num_threads(1)  # each product on one core: only the GIL could serialise them
    try:
        x = np.ones(360_000)
        outs = [np.empty(360_000), np.empty(360_000)]
        reps = 60

        def work(i):
            for _ in range(reps):
                op.matvec(x, out=outs[i])

        def timed(nthreads):
            best = float("inf")
            for _ in range(3):
                ts = [threading.Thread(target=work, args=(i,)) for i in range(nthreads)]
                t0 = time.perf_counter()
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()
                best = min(best, time.perf_counter() - t0)
            return best

        one = timed(1)
        two = timed(2)  # twice the work
        assert two < 1.6 * one, f"one thread {one:.3f} s, two threads {two:.3f} s"
        np.testing.assert_allclose(outs[0], a @ x)
    finally:
        matvec.set_num_threads(0)
