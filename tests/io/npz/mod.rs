//! scipy `.npz` sparse matrices: files scipy wrote (checked-in fixtures, and regenerated when
//! python3 with scipy is available), scipy reading ours, memory-mapped products against the
//! in-memory CSR (bit for bit) and a dense oracle, zero-copy, and bad files of every kind.
//!
//! The scipy tests need `python3` with numpy and scipy (`pip install numpy scipy`; CI installs
//! them). Without them those tests print why they are skipped and pass. Set `MATVEC_PYTHON`
//! to use another interpreter.

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

/// A `.npy` array: header (padded to 64 bytes) and raw data.
fn npy(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape = match shape {
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    npy_dict(&dict, data)
}

/// A `.npy` array with the header dict `dict`.
fn npy_dict(dict: &str, data: &[u8]) -> Vec<u8> {
    let total = (10 + dict.len() + 1).div_ceil(64) * 64;
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&((total - 10) as u16).to_le_bytes());
    b.extend_from_slice(dict.as_bytes());
    b.resize(total - 1, b' ');
    b.push(b'\n');
    b.extend_from_slice(data);
    b
}

fn i64s(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
fn i32s(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
fn f64s(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

type Members = Vec<(&'static str, Vec<u8>)>;

/// The members of a valid 3 x 4 CSR matrix [[1, 0, 2, 0], [0, 0, 0, 3], [4, 5, 0, 0]], as
/// save_npz writes them, except for int64 offsets: stored, it can be mapped (so the bad files
/// made from it go through the mapping checks too).
fn csr_members() -> Members {
    vec![
        ("indices.npy", npy("<i4", &[5], &i32s(&[0, 2, 3, 0, 1]))),
        ("indptr.npy", npy("<i8", &[4], &i64s(&[0, 2, 3, 5]))),
        ("format.npy", npy("|S3", &[], b"csr")),
        ("shape.npy", npy("<i8", &[2], &i64s(&[3, 4]))),
        (
            "data.npy",
            npy("<f8", &[5], &f64s(&[1.0, 2.0, 3.0, 4.0, 5.0])),
        ),
    ]
}

const CSR_DENSE: [f64; 12] = [1., 0., 2., 0., 0., 0., 0., 3., 4., 5., 0., 0.];

fn set(members: &mut Members, name: &'static str, bytes: Vec<u8>) {
    match members.iter_mut().find(|m| m.0 == name) {
        Some(m) => m.1 = bytes,
        None => members.push((name, bytes)),
    }
}

fn remove(members: &mut Members, name: &str) {
    members.retain(|m| m.0 != name);
}

/// A zip archive of `members`, stored (with each member's data 64-byte aligned, so that
/// the arrays of a valid file can be mapped) or deflated.
fn zip_bytes(members: &Members, compressed: bool) -> Vec<u8> {
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    let method = if compressed {
        CompressionMethod::Deflated
    } else {
        CompressionMethod::Stored
    };
    for (name, bytes) in members {
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .with_alignment(64);
        z.start_file(*name, options).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
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
