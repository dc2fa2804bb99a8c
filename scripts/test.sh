#!/usr/bin/env bash
# Every test, on a fresh machine of this kind: installs what the tests need
# (scripts/install-deps.sh: libhdf5 for the `hdf5` feature; numpy, scipy and h5py, for the
# files and solvers they compare against), then runs the tests of every package of the
# workspace (the library, the `matvec` command, and matvec-mpi, whose test runs under mpirun
# with 1-4 processes) with MATVEC_REQUIRE_PYTHON=1, so a missing
# package fails the run instead of skipping tests, and then the Python package's tests
# (scripts/test-python.sh: `pip install ./python` into a virtual environment, then pytest).
# `bash .ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export MATVEC_REQUIRE_PYTHON=1
cargo test --locked --workspace --all-features "$@"
bash scripts/test-python.sh
