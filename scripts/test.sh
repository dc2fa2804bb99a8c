#!/usr/bin/env bash
# Every test, on a fresh machine of this kind: installs what the tests need (numpy and scipy,
# for the files and solvers they compare against), then runs them with MATVEC_REQUIRE_PYTHON=1
# so a missing package fails the run instead of skipping tests. `bash .ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore numpy scipy
export MATVEC_REQUIRE_PYTHON=1
cargo test --locked --all-features "$@"
