#!/usr/bin/env python3
"""Checks that no crate in the build graph (all features, all targets) declares a
`rust-version` above the one in our Cargo.toml: with one toolchain on the machine, a
dependency that needs a newer compiler would otherwise only show up for our users.
Together with clippy's `incompatible_msrv` lint (std APIs newer than ours), this is how CI
guards `rust-version`. Run from the repository root: python3 scripts/check-msrv.py"""
import json, subprocess, sys

# Dependencies of this platform only (Windows and wasm crates are never built here).
HOST = next(l.split()[1] for l in subprocess.check_output(["rustc", "-vV"], text=True).splitlines()
            if l.startswith("host:"))

def version(v):
    return tuple(int(x) for x in v.split(".")) + (0,) * (3 - len(v.split(".")))

meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--locked", "--all-features",
     "--filter-platform", HOST]))
ours = next(p for p in meta["packages"] if p["id"] in meta["workspace_members"])
msrv = ours["rust_version"]
used = {n["id"] for n in meta["resolve"]["nodes"]}
bad = [(p["name"], p["version"], p["rust_version"]) for p in meta["packages"]
       if p["id"] in used and p.get("rust_version") and version(p["rust_version"]) > version(msrv)]
for name, ver, rv in sorted(bad):
    print(f"{name} {ver} needs Rust {rv}, above our rust-version {msrv}")
if bad:
    sys.exit(1)
print(f"every dependency builds with Rust {msrv} (declared rust-versions checked: {len(used)} crates)")
