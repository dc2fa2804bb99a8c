#!/usr/bin/env bash
# The Python package's tests: builds and installs `python/` into a fresh virtual environment
# with `pip install ./python` (the README's install line: pip fetches maturin and builds the
# abi3 wheel in release mode), installs numpy, scipy, h5py and pytest, and runs pytest on
# python/tests. A missing package fails the run (the tests import them unconditionally).
# scripts/test.sh calls this after the Rust tests; it needs libhdf5-dev (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${MATVEC_VENV:-target/python-venv}
rm -rf "$venv"
python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install numpy scipy h5py pytest
"${pip[@]}" install ./python
# Run from the tests' directory, so `import matvec` finds the installed package only.
cd python/tests
"../../$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
