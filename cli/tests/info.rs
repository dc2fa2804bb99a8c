//! `matvec info`: what it reports against what the files are (written by scipy and numpy, or
//! by the library), in text and as JSON, and the error contract on files it cannot read.

#[path = "../../tests/common/mod.rs"]
mod common;

use common::TempDir;
use matvec::io::{npy, npz};
use matvec::{Csr, DenseView};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_matvec");

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data")
}

/// `matvec info --json FILE [ARGS]`, parsed.
fn info_json(file: &Path, args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .args(["info", "--json"])
        .arg(file)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn info_describes_an_aligned_npz_we_wrote() {
    let dir = TempDir::new("info-npz");
    // 5 x 4 with 6 nonzeros.
    let a = Csr::<f64>::try_new(
        5,
        4,
        vec![0, 2, 3, 3, 5, 6],
        vec![0, 3, 1, 0, 2, 3],
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    )
    .unwrap();
    let path = dir.join("a.npz");
    npz::write_csr(&path, a.view()).unwrap();
    let v = info_json(&path, &[]);
    assert_eq!(v["format"], "npz");
    assert_eq!(v["layout"], "CSR");
    assert_eq!(v["shape"], serde_json::json!([5, 4]));
    assert_eq!(v["nnz"], 6);
    assert_eq!(v["dtype"], "f8");
    assert_eq!(v["compressed"], false);
    assert_eq!(v["mapped"]["ok"], true, "{v}");
    assert_eq!(v["streamed"]["ok"], true, "{v}");
    assert_eq!(v["bytes_on_disk"], std::fs::metadata(&path).unwrap().len());
    // (rows + 1) offsets of 8 B, then 4 B indices and 8 B (or 4 B) values.
    assert_eq!(v["bytes_in_memory"]["CSR f64"], 6 * 8 + 6 * 12);
    assert_eq!(v["bytes_in_memory"]["CSR f32"], 6 * 8 + 6 * 8);
    assert_eq!(v["bytes_in_memory"]["Dense f64"], 5 * 4 * 8);
    // The figure agrees with the library's own count for the loaded matrix.
    assert_eq!(
        v["bytes_in_memory"]["CSR f64"],
        matvec::Footprint::data_bytes(&a)
    );
}

#[test]
fn info_says_why_scipys_compressed_npz_is_neither_mapped_nor_streamed() {
    let path = fixtures().join("npz/csc_f4_i8_compressed.npz");
    let v = info_json(&path, &[]);
    assert_eq!(v["layout"], "CSC");
    assert_eq!(v["dtype"], "f4");
    assert_eq!(v["index_dtype"], "i8");
    assert_eq!(v["compressed"], true);
    for key in ["mapped", "streamed"] {
        assert_eq!(v[key]["ok"], false, "{v}");
        assert!(
            v[key]["why"].as_str().unwrap().contains("compressed"),
            "{v}"
        );
    }
    // scipy's stored CSR file streams.
    let stored = info_json(&fixtures().join("npz/csr_f8_i4_stored.npz"), &[]);
    assert_eq!(stored["streamed"]["ok"], true, "{stored}");
}

#[test]
fn info_describes_npy_raw_and_matrix_market_files() {
    let dir = TempDir::new("info-dense");
    let data: Vec<f32> = (0..12).map(|k| k as f32).collect();
    let p = dir.join("d.npy");
    npy::write_dense(&p, DenseView::col_major(3, 4, &data).unwrap()).unwrap();
    let v = info_json(&p, &[]);
    assert_eq!(
        (v["format"].as_str(), v["layout"].as_str()),
        (Some("npy"), Some("F order"))
    );
    assert_eq!(v["shape"], serde_json::json!([3, 4]));
    assert_eq!(v["dtype"], "f4");
    assert_eq!(v["bytes_in_memory"]["Dense f32"], 48);
    assert_eq!(v["mapped"]["ok"], true);
    assert_eq!(v["nnz"], Value::Null);

    // The same bytes as a raw file after a 16-byte header; a shape that needs more bytes
    // than the file holds is reported as not streamable, with the reason.
    let raw = dir.join("d.f32");
    let mut bytes = vec![0u8; 16];
    bytes.extend(data.iter().flat_map(|x| x.to_le_bytes()));
    std::fs::write(&raw, &bytes).unwrap();
    let args = ["--shape", "4,3", "--dtype", "f4", "--offset", "16"];
    let v = info_json(&raw, &args);
    assert_eq!(v["format"], "raw");
    assert_eq!(v["streamed"]["ok"], true, "{v}");
    let v = info_json(&raw, &["--shape", "5,3", "--dtype", "f4", "--offset", "16"]);
    assert_eq!(v["streamed"]["ok"], false, "{v}");

    // A symmetric Matrix Market file: stored entries, and at most twice as many in memory.
    let m = fixtures().join("mtx/coordinate_real_symmetric.mtx");
    let h = matvec::io::mtx::read_header(&m).unwrap();
    let v = info_json(&m, &[]);
    assert_eq!(v["nnz"], h.entries);
    assert_eq!(v["nnz_in_memory_max"], 2 * h.entries);
    assert_eq!(v["mapped"]["ok"], false);

    // The text form names the same facts.
    let out = Command::new(BIN).arg("info").arg(&p).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("shape             3 x 4"), "{text}");
    assert!(text.contains("mapped            yes"), "{text}");
}

#[test]
fn info_on_a_bad_file_gives_one_error_line_and_status_2() {
    let dir = TempDir::new("info-bad");
    let bad = dir.join("bad.npz");
    std::fs::write(&bad, b"PK\x03\x04 not really a zip").unwrap();
    let vector = dir.join("v.npy");
    npy::write_vector(&vector, &[1.0f64, 2.0]).unwrap();
    for (file, says) in [
        (bad.as_path(), "bad.npz"),
        (vector.as_path(), "1-D"),
        (Path::new("/nonexistent/a.mtx"), "a.mtx"),
        (Path::new("a.csv"), "unknown matrix format"),
    ] {
        let out = Command::new(BIN).arg("info").arg(file).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with("error: ") && err.lines().count() == 1 && err.contains(says),
            "{}: {err}",
            file.display()
        );
        assert!(out.stdout.is_empty());
    }
}

/// A header claiming a shape whose dense size overflows every integer: reported, not a panic.
#[test]
fn info_on_a_claimed_huge_shape_reports_it_without_panicking() {
    let dir = TempDir::new("info-huge");
    let path = dir.join("huge.npz");
    // 1 x 2^62 with no entries: a valid CSR file (indptr [0, 0]) whose dense form is 2^65 B.
    let rows = 1usize;
    let cols = 1usize << 62;
    let a = Csr::<f64, usize>::try_new(rows, cols, vec![0, 0], vec![], vec![]).unwrap();
    npz::write_csr(&path, a.view()).unwrap();
    let v = info_json(&path, &[]);
    assert_eq!(v["shape"], serde_json::json!([rows, cols]));
    assert_eq!(v["bytes_in_memory"]["Dense f64"], Value::Null, "{v}");
    assert_eq!(v["bytes_in_memory"]["CSR f64 usize"], 16, "{v}");
    let out = Command::new(BIN).arg("info").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("too large"), "{text}");
}

/// A Matrix Market size line claiming `usize::MAX` rows and columns (and entries): the dense
/// byte count overflows even `u128`, and twice the entries overflows `u64`. Reported, not a
/// panic.
#[test]
fn info_on_a_matrix_market_header_claiming_the_largest_shape() {
    let dir = TempDir::new("info-huge-mtx");
    let path = dir.join("huge.mtx");
    let max = usize::MAX;
    std::fs::write(
        &path,
        format!(
            "%%MatrixMarket matrix coordinate real symmetric\n{max} {max} {}\n",
            u64::MAX
        ),
    )
    .unwrap();
    let v = info_json(&path, &[]);
    assert_eq!(v["shape"], serde_json::json!([max, max]));
    assert_eq!(v["bytes_in_memory"]["Dense f64"], Value::Null, "{v}");
    let out = Command::new(BIN).arg("info").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("more than 2^128"),
        "{text}"
    );
}

#[test]
fn info_into_a_closed_pipe_ends_quietly_with_status_0() {
    let file = fixtures().join("mtx/coordinate_real_general.mtx");
    assert!(file.exists(), "{}", file.display());
    // The reader end is closed before the command prints: its writes fail with EPIPE.
    let mut child = Command::new(BIN)
        .arg("info")
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
