#!/usr/bin/env bash
# One round of the out-of-core measurements of BENCHMARKS.md ("Out of core, second
# generation"): numpy's memmap loop, the matvec tool as a fresh process, StreamDense and
# MmapDense warm (each right after reading the file into the page cache), then cold runs
# bracketed by dd. Needs numpy; builds the examples first.
#
#   bash scripts/ooc_round.sh [FILE.npy]      # default /work/big/a.npy (16384 x 32768 f64)
set -euo pipefail
cd "$(dirname "$0")/.."
F=${1:-/work/big/a.npy}
cargo build --release --example out_of_core && cargo build --release -p matvec-cli
B=./target/release/examples/out_of_core
A="--rows 16384 --cols 32768 --budget 64MiB --path $F --reuse --keep"
[ -e "$F" ] || $B $A --reps 1
X="$(dirname "$F")/x.npy"; Y="$(dirname "$F")/y.npy"
python3 -c "import numpy as np; np.save('$X', (np.arange(32768) % 7) - 3.0)"
evict() { python3 -c "import os; fd = os.open('$F', os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)"; }
for round in 1 2; do
  echo "== warm round $round"
  cat "$F" > /dev/null; OPENBLAS_NUM_THREADS=2 python3 scripts/numpy_ooc.py "$F" --reps 3
  cat "$F" > /dev/null; fincore "$F" || true
  /usr/bin/time -f "tool stream fresh process %e s, maxrss %M KiB" ./target/release/matvec mul "$F" "$X" -o "$Y" --budget 64MiB
  cat "$F" > /dev/null; $B $A --reps 5 --pread --block 4
  cat "$F" > /dev/null; $B $A --reps 5 --engine mmap
done
echo "== cold"
evict; /usr/bin/time -f "dd cold %e s" dd if="$F" of=/dev/null bs=16M 2>&1 | tail -1
evict; /usr/bin/time -f "tool stream cold fresh process %e s, maxrss %M KiB" ./target/release/matvec mul "$F" "$X" -o "$Y" --budget 64MiB
$B $A --reps 1 --cold
$B $A --reps 1 --cold --direct
$B $A --reps 1 --cold --engine mmap
evict; /usr/bin/time -f "dd cold %e s" dd if="$F" of=/dev/null bs=16M 2>&1 | tail -1
evict; /usr/bin/time -f "dd direct %e s" dd if="$F" of=/dev/null bs=16M iflag=direct 2>&1 | tail -1
