#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for SECONDS (default 30) on a copy of its committed corpus
# (so a run adds nothing to the repository), with AddressSanitizer. A crash fails the run
# and leaves the input in fuzz/artifacts/TARGET/. CI runs `bash scripts/fuzz.sh 25`; a long
# run, to grow coverage, is `bash scripts/fuzz.sh 1800` (see fuzz/README.md).
#
# cargo-fuzz passes `-Zsanitizer=address`, which the stable toolchain accepts only with
# RUSTC_BOOTSTRAP=1 (the one toolchain here is stable); `--sanitizer none` needs no flag.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-30}
if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked --version 0.13.2
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in $(cargo fuzz list); do
    dict=dicts/npy.dict
    case $t in mtx | mtx_parts) dict=dicts/mtx.dict ;; esac
    mkdir -p "$work/$t"
    cp -r "corpus/$t/." "$work/$t/"
    echo "=== $t: ${secs}s on $(ls "$work/$t" | wc -l) corpus inputs"
    cargo fuzz run "$t" "$work/$t" -- -max_total_time="$secs" -dict="$dict" \
        -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 2>&1 |
        grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units)|ERROR|panicked|SUMMARY' || true
    # `cargo fuzz run` exits non-zero on a crash; the pipeline above hides it, so check.
    if [ -n "$(find "artifacts/$t" -maxdepth 1 -type f 2>/dev/null)" ]; then
        echo "fuzz target $t found a failing input: $(ls artifacts/$t)"
        exit 1
    fi
done
