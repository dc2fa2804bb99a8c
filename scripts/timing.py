"""Shared by the comparison scripts: the example binary they run and a median timer."""

import os
import statistics
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "target", "release", "examples", "kernels")


def median_ms(f, reps, warmup=3):
    """Median wall time of `reps` calls of `f`, in ms, after `warmup` calls."""
    for _ in range(warmup):
        f()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3
