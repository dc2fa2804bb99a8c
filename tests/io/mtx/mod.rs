//! Matrix Market: the reader against files scipy wrote (tests/data/mtx, made by
//! scripts/gen_mtx_fixtures.py), scipy against the files we write, every error class with its
//! line number, and mutated files that must give `Ok` or `Err`, never a panic.
//!
//! The scipy tests need `python3` with numpy and scipy (`pip install numpy scipy`; CI installs
//! them); without them they print why they are skipped and pass. Set `MATVEC_PYTHON` to use
//! another interpreter.

use crate::common::{Rng, TempDir, python_with, run_python};
use matvec::io::mtx::{self, MtxField, MtxFormat, MtxHeader, MtxReader, MtxSymmetry};
use matvec::io::npy;
use matvec::{Coo, Csr, Dense, DenseView, Error, Layout, MatVec, Par};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Helpers

/// Any finite double with a random exponent, or a small integer.
fn any_value(rng: &mut Rng) -> f64 {
    match rng.below(4) {
        0 => rng.below(19) as f64 - 9.0,
        1 => (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5,
        _ => {
            let v = f64::from_bits(rng.next_u64());
            if v.is_finite() { v } else { 1.5 }
        }
    }
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mtx")
}

/// The `.mtx` files in `dir`, sorted.
fn mtx_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mtx"))
        .collect();
    v.sort();
    v
}

fn reader(text: &str) -> MtxReader<&[u8]> {
    MtxReader::new(text.as_bytes(), "t.mtx").unwrap()
}

fn coo(text: &str) -> Coo<f64, u32> {
    reader(text).read_coo().unwrap()
}

/// The dense (row-major) form of a sparse result, as rows of f64.
fn dense_of(a: &Csr<f64, u32>) -> Vec<f64> {
    a.to_dense(Layout::RowMajor).into_vec()
}

/// Reads `text` every way that applies and returns the first error, which must be a parse
/// error on `line` whose message contains `fragment`; every way must fail the same.
#[track_caller]
fn assert_parse_error(text: &str, line: u64, fragment: &str) {
    let mut errors = Vec::new();
    match MtxReader::new(text.as_bytes(), "bad.mtx") {
        Err(e) => errors.push(e),
        Ok(r) => {
            let format = r.header().format;
            errors.push(r.read_coo::<f64, u32>().expect_err("read_coo accepted it"));
            for par in [Par::Seq, Par::Rayon] {
                let r = MtxReader::new(text.as_bytes(), "bad.mtx").unwrap().par(par);
                errors.push(
                    r.read_csr::<f32, usize>()
                        .expect_err("read_csr accepted it"),
                );
            }
            if format == MtxFormat::Array {
                let r = MtxReader::new(text.as_bytes(), "bad.mtx").unwrap();
                errors.push(r.read_dense::<f64>().expect_err("read_dense accepted it"));
            }
        }
    }
    for e in errors {
        match &e {
            Error::Parse {
                path,
                line: l,
                message,
            } => {
                assert_eq!(path, Path::new("bad.mtx"));
                assert_eq!(*l, line, "wrong line for {e}\n--- input:\n{text}");
                assert!(
                    message.contains(fragment),
                    "message {message:?} lacks {fragment:?}"
                );
                assert!(
                    e.to_string()
                        .starts_with(&format!("bad.mtx: line {line}: "))
                );
            }
            other => panic!("expected a parse error, got {other:?}"),
        }
    }
}

/// Checks every fixture in `dir` (NAME.mtx with scipy's reading of it in NAME.npy) against
/// every reader that applies; returns how many were checked.
fn check_fixtures(dir: &Path) -> usize {
    let files = mtx_files(dir);
    for path in &files {
        let name = path.display();
        let expected = npy::read_vector(path.with_extension("npy"))
            .unwrap()
            .into_f64();
        let h = mtx::read_header(path).unwrap();
        let (m, n) = (h.nrows, h.ncols);
        assert_eq!(expected.len(), m * n, "{name}");
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(stem.starts_with(&format!("{}_{}_{}", h.format, h.field, h.symmetry)));

        // CSR (f64, u32): bit-exact, sorted, no explicit zeros unless the file has them.
        let a = mtx::read_csr::<f64, u32>(path).unwrap();
        assert_eq!((a.nrows(), a.ncols()), (m, n), "{name}");
        let got = dense_of(&a);
        for (k, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g.to_bits(), e.to_bits(), "{name}: ({}, {})", k / n, k % n);
        }
        assert_eq!(
            a.nnz(),
            expected.iter().filter(|v| **v != 0.0).count(),
            "{name}"
        );
        // COO with usize indices: the same entries.
        let c = mtx::read_coo::<f64, usize>(path).unwrap();
        let mut d = vec![0.0; m * n];
        for ((&i, &j), &v) in c.rows().iter().zip(c.cols()).zip(c.values()) {
            d[i * n + j] += v;
        }
        assert_eq!(d, expected, "{name}");
        // f32: the decimal rounded once to f32, which is within half an f32 ulp of the f64.
        let a32 = mtx::read_csr::<f32, u32>(path).unwrap();
        let d32 = a32.to_dense(Layout::RowMajor).into_vec();
        for (g, e) in d32.iter().zip(&expected) {
            // (`==`: a value that underflows to -0 in f32 is an explicit zero, dropped.)
            let r = *e as f32;
            assert!(
                *g == r || (g.to_bits() as i64 - r.to_bits() as i64).abs() == 1,
                "{name}: f32 {g} vs {e}"
            );
        }
        // Dense, for array files (column-major, the file's order).
        if h.format == MtxFormat::Array {
            let dd = mtx::read_dense::<f64>(path).unwrap();
            assert_eq!(dd.layout(), Layout::ColMajor);
            for i in 0..m {
                for j in 0..n {
                    assert_eq!(dd.get(i, j).to_bits(), expected[i * n + j].to_bits());
                }
            }
        }
        // The products agree with the dense oracle.
        let x: Vec<f64> = (0..n).map(|j| (j % 3) as f64 - 1.0).collect();
        let want: Vec<f64> = (0..m)
            .map(|i| (0..n).map(|j| expected[i * n + j] * x[j]).sum())
            .collect();
        let y = a.matvec(&x);
        for (p, q) in y.iter().zip(&want) {
            assert!(
                p == q || (p - q).abs() <= 1e-12 * q.abs().max(1.0) || !q.is_finite(),
                "{name}"
            );
        }
    }
    files.len()
}

/// The banner of a `coordinate real general` file.
const GEN: &str = "%%MatrixMarket matrix coordinate real general";

mod accepted;
mod errors;
mod parts;
mod robustness;
mod scipy;
mod write;
