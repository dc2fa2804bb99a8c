#!/usr/bin/env bash
# What the tests and the `hdf5` feature need on a fresh machine of this kind (Debian, root):
# the HDF5 C library (libhdf5-dev, for `--all-features` builds), Open MPI for the `mpi/`
# member (libopenmpi-dev, openmpi-bin; the `mpi` crate's bindgen needs libclang-dev) and the
# Python packages the tests compare against (numpy, scipy, h5py). Idempotent; `scripts/test.sh` and `.ci/run` call
# it, so a green CI cannot hide a missing install step.
set -euo pipefail
pkgs=(libhdf5-dev pkg-config libopenmpi-dev openmpi-bin libclang-dev)
if ! dpkg -s "${pkgs[@]}" >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "scripts/install-deps.sh: some of ${pkgs[*]} are missing; run as root or install them" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore numpy scipy h5py
