//! scipy `.npz` sparse matrices: files scipy wrote (checked-in fixtures, and regenerated when
//! python3 with scipy is available), scipy reading ours, memory-mapped products against the
//! in-memory CSR (bit for bit) and a dense oracle, zero-copy, and bad files of every kind.
//!
//! The scipy tests need `python3` with numpy and scipy (`pip install numpy scipy`; CI installs
//! them). Without them those tests print why they are skipped and pass. Set `MATVEC_PYTHON`
//! to use another interpreter.

use crate::common::npz::{
    CSR_DENSE, Members, csr_members, f64s, i32s, i64s, npy, npy_dict, remove, set, zip_bytes,
};
use crate::common::{Oracle, Rng, TempDir, assert_same_products, bits, python_with, run_python};
use matvec::io::npy::{read_vector, write_vector};
use matvec::io::npz::{self, NpzFormat, NpzMatrix};
use matvec::mmap::{MappedOrLoaded, open_or_load};
use matvec::{Coo, Csc, Csr, Error, Footprint, Index, Layout, MatVec, MmapCsc, MmapCsr, Scalar};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

// ---------------------------------------------------------------------------------------------
// Helpers

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/npz")
}

fn npz_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "npz"))
        .collect();
    v.sort();
    v
}

fn map_csr<T: Scalar, I: Index>(p: &Path) -> matvec::Result<MmapCsr<T, I>> {
    // SAFETY: test files are private to the test and not modified while mapped.
    unsafe { MmapCsr::<T, I>::open(p) }
}

fn map_csc<T: Scalar, I: Index>(p: &Path) -> matvec::Result<MmapCsc<T, I>> {
    // SAFETY: as above.
    unsafe { MmapCsc::<T, I>::open(p) }
}

fn load<T: Scalar, I: Index>(p: &Path) -> matvec::Result<MappedOrLoaded<T, I>> {
    // SAFETY: as above.
    unsafe { open_or_load::<T, I>(p) }
}

fn dense_of_coo<T: Scalar, I: Index>(c: &Coo<T, I>) -> Vec<f64> {
    let n = c.ncols();
    let mut d = vec![0.0; c.nrows() * n];
    for ((&i, &j), &v) in c.rows().iter().zip(c.cols()).zip(c.values()) {
        d[i.index() * n + j.index()] += v.to_f64();
    }
    d
}

fn as_f64<T: Scalar>(v: Vec<T>) -> Vec<f64> {
    v.into_iter().map(Scalar::to_f64).collect()
}

fn write_npz(dir: &TempDir, name: &str, members: &Members, compressed: bool) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, zip_bytes(members, compressed)).unwrap();
    p
}

/// `y = A·x` and `Aᵀ·x` from a row-major dense matrix, in f64.
fn dense_products(d: &[f64], m: usize, n: usize, x: &[f64], xt: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let y = (0..m)
        .map(|i| (0..n).map(|j| d[i * n + j] * x[j]).sum())
        .collect();
    let yt = (0..n)
        .map(|j| (0..m).map(|i| d[i * n + j] * xt[i]).sum())
        .collect();
    (y, yt)
}

fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "{what}: entry {k}: {g} vs {w}"
        );
    }
}

mod bad;
mod robustness;
mod roundtrip;
mod scipy;
mod stream;
