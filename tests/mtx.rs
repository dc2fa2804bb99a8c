//! Matrix Market: the reader against files scipy wrote (tests/data/mtx, made by
//! scripts/gen_mtx_fixtures.py), scipy against the files we write, every error class with its
//! line number, and mutated files that must give `Ok` or `Err`, never a panic.
//!
//! The scipy tests need `python3` with numpy and scipy (`pip install numpy scipy`; CI installs
//! them); without them they print why they are skipped and pass. Set `MATVEC_PYTHON` to use
//! another interpreter.

mod common;

use common::{Rng, python_with, run_python};
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

fn temp_dir(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("matvec-mtx-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
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

// ---------------------------------------------------------------------------------------------
// Files scipy wrote

#[test]
fn mtx_fixtures_match_scipy() {
    let n = check_fixtures(&fixtures_dir());
    // 9 coordinate variants, 6 array variants, 1 empty matrix.
    assert_eq!(n, 16);
}

#[test]
fn mtx_fixtures_regenerate_with_scipy() {
    let Some(py) = python_with("numpy, scipy.io") else {
        return;
    };
    let dir = temp_dir("regen");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen_mtx_fixtures.py");
    let out = run_python(&py, &[script.to_str().unwrap(), dir.to_str().unwrap()]);
    eprintln!("{}", out.trim());
    let names = |d: &Path| {
        mtx_files(d)
            .iter()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&dir),
        names(&fixtures_dir()),
        "the checked-in fixtures are stale"
    );
    assert_eq!(check_fixtures(&dir), 16);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mtx_scipy_reads_our_files() {
    let Some(py) = python_with("numpy, scipy.io") else {
        return;
    };
    let dir = temp_dir("scipy-reads");
    let mut rng = Rng(7);
    let (m, n) = (23, 17);
    let mut c = Coo::<f64>::new(m, n);
    for _ in 0..120 {
        c.push(rng.below(m), rng.below(n), any_value(&mut rng));
    }
    let a = c.into_csr();
    mtx::write_csr(dir.join("a.mtx"), a.view()).unwrap();
    let d: Vec<f64> = (0..m * n).map(|_| any_value(&mut rng)).collect();
    let dense = DenseView::row_major(m, n, &d).unwrap();
    mtx::write_dense(dir.join("d.mtx"), dense).unwrap();
    let script = "import sys, numpy as np, scipy.io as io\n\
                  d = sys.argv[1]\n\
                  a = io.mmread(d + '/a.mtx')\n\
                  np.save(d + '/a.npy', a.toarray().ravel())\n\
                  np.save(d + '/d.npy', np.asarray(io.mmread(d + '/d.mtx')).ravel())\n";
    run_python(&py, &["-c", script, dir.to_str().unwrap()]);
    let got = npy::read_vector(dir.join("a.npy")).unwrap().into_f64();
    let want = a.to_dense(Layout::RowMajor).into_vec();
    assert!(
        got.iter()
            .zip(&want)
            .all(|(x, y)| x.to_bits() == y.to_bits())
    );
    let got = npy::read_vector(dir.join("d.npy")).unwrap().into_f64();
    assert!(got.iter().zip(&d).all(|(x, y)| x.to_bits() == y.to_bits()));
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------------------------
// What is accepted

#[test]
fn mtx_header_reports_banner_and_size() {
    let r = reader("%%MatrixMarket matrix coordinate integer skew-symmetric\n% c\n\n4 4 0\n");
    let h: &MtxHeader = r.header();
    assert_eq!(
        (h.format, h.field, h.symmetry),
        (
            MtxFormat::Coordinate,
            MtxField::Integer,
            MtxSymmetry::SkewSymmetric
        )
    );
    assert_eq!((h.nrows, h.ncols, h.entries), (4, 4, 0));
    assert_eq!(r.path(), Path::new("t.mtx"));
    let h = reader("%%MatrixMarket matrix array real symmetric\n3 3\n")
        .header()
        .clone();
    assert_eq!(h.entries, 6);
    let h = reader("%%MatrixMarket matrix array real skew-symmetric\n3 3\n")
        .header()
        .clone();
    assert_eq!(h.entries, 3);
    assert_eq!(
        h.to_string(),
        "matrix array real skew-symmetric, 3 x 3, 3 entries"
    );
}

#[test]
fn mtx_banner_is_case_insensitive() {
    for banner in [
        "%%MatrixMarket matrix coordinate real general",
        "%%MATRIXMARKET MATRIX COORDINATE REAL GENERAL",
        "%%matrixmarket Matrix Coordinate Real General",
        "  %%MatrixMarket\tmatrix  coordinate real   general  ",
        "%%MatrixMarket matrix coordinate real general\r",
    ] {
        let a = coo(&format!("{banner}\n2 2 1\n2 1 5\n"));
        assert_eq!(
            (a.rows(), a.cols(), a.values()),
            (&[1][..], &[0][..], &[5.0][..])
        );
    }
    let h = reader("%%MatrixMarket matrix coordinate double general\n1 1 0\n")
        .header()
        .clone();
    assert_eq!(h.field, MtxField::Real);
    let h = reader("%%MatrixMarket MATRIX Array INTEGER Skew-Symmetric\n2 2\n")
        .header()
        .clone();
    assert_eq!(
        (h.format, h.field, h.symmetry),
        (
            MtxFormat::Array,
            MtxField::Integer,
            MtxSymmetry::SkewSymmetric
        )
    );
}

#[test]
fn mtx_comments_and_blank_lines_are_skipped_anywhere() {
    let text = "%%MatrixMarket matrix coordinate real general\n\
                % a comment\n\
                \n\
                   % indented comment\n\
                \t\n\
                3 3 3\n\
                % between entries\n\
                1 1 1\n\
                \n\
                \x20 2\t2   2.5  \n\
                %%\n\
                3 3 -3\r\n\
                \n\
                % trailing\n";
    let a = coo(text);
    assert_eq!(a.values(), [1.0, 2.5, -3.0]);
    assert_eq!(a.rows(), [0, 1, 2]);
    // Array files too, and a last line without its newline.
    let d = reader("%%MatrixMarket matrix array real general\n% c\n2 1\n\n1.5\n% c\n-2")
        .read_dense::<f64>()
        .unwrap();
    assert_eq!(d.data(), [1.5, -2.0]);
}

#[test]
fn mtx_crlf_line_ends_are_accepted() {
    let text = "%%MatrixMarket matrix coordinate pattern symmetric\r\n%\r\n3 3 2\r\n2 1\r\n3 3\r\n";
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!(dense_of(&a), [0., 1., 0., 1., 0., 0., 0., 0., 1.]);
}

#[test]
fn mtx_duplicates_are_kept_by_coo_and_summed_by_csr() {
    let text =
        "%%MatrixMarket matrix coordinate real general\n2 2 4\n1 2 1\n2 1 7\n1 2 2.5\n1 2 -0.5\n";
    let c = coo(text);
    assert_eq!(c.nnz(), 4);
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!(a.nnz(), 2);
    assert_eq!(dense_of(&a), [0.0, 3.0, 7.0, 0.0]);
    // A symmetric file storing both (i, j) and (j, i) sums them, as scipy does.
    let text = "%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n2 1 1\n1 2 5\n";
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!(dense_of(&a), [0.0, 6.0, 6.0, 0.0]);
}

#[test]
fn mtx_symmetric_files_are_expanded() {
    // Lower and upper entries are both mirrored; diagonal entries are not.
    let text = "%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n1 1 4\n3 1 2\n2 3 -1\n";
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!(dense_of(&a), [4., 0., 2., 0., 0., -1., 2., -1., 0.]);
    let text = "%%MatrixMarket matrix coordinate integer skew-symmetric\n3 3 2\n3 1 2\n2 3 -1\n";
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!(dense_of(&a), [0., 0., -2., 0., 0., -1., 2., 1., 0.]);
    // A diagonal entry of a skew-symmetric file is kept as written, as scipy keeps it.
    let text = "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 2\n1 1 5\n2 1 3\n";
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!(dense_of(&a), [5., -3., 3., 0.]);
    // Arrays: lower triangle column by column.
    let text = "%%MatrixMarket matrix array real skew-symmetric\n3 3\n1\n2\n3\n";
    let d = reader(text).read_dense::<f64>().unwrap();
    let d = d.view();
    let rows: Vec<f64> = (0..3)
        .flat_map(|i| (0..3).map(move |j| d.get(i, j)))
        .collect();
    assert_eq!(rows, [0., -1., -2., 1., 0., -3., 2., 3., 0.]);
    // read_csr of an array file keeps the nonzeros only.
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!((a.nnz(), dense_of(&a)), (6, rows));
}

#[test]
fn mtx_special_values_follow_python_float() {
    let text = "%%MatrixMarket matrix array real general\n8 1\nnan\n-NaN\ninf\n-Infinity\n+INF\n1e400\n-1e-400\n.5\n";
    let d = reader(text).read_dense::<f64>().unwrap();
    let v = d.data();
    assert!(v[0].is_nan() && v[1].is_nan());
    assert_eq!(
        &v[2..],
        [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::INFINITY,
            -0.0,
            0.5
        ]
    );
    assert!(v[6].is_sign_negative());
    // Integers are exact (then rounded once): 2^53 + 1 rounds to even.
    let text = "%%MatrixMarket matrix array integer general\n3 1\n9007199254740993\n-9223372036854775808\n+7\n";
    let d = reader(text).read_dense::<f64>().unwrap();
    assert_eq!(d.data(), [9007199254740992.0, -9223372036854775808.0, 7.0]);
    // f32 is parsed directly, not through f64 (which would round twice).
    // 1.00000005960464477539062500000001 is just above the midpoint of 1 and the next f32.
    let text =
        "%%MatrixMarket matrix array real general\n1 1\n1.00000005960464477539062500000001\n";
    let d = reader(text).read_dense::<f32>().unwrap();
    assert_eq!(d.data(), [1.0000001f32]);
}

#[test]
fn mtx_large_dimensions_need_large_indices() {
    let text = "%%MatrixMarket matrix coordinate real general\n4294967296 2 1\n4294967296 2 1.5\n";
    assert_parse_error_u32(text, 2, "do not fit u32");
    let a = reader(text).read_coo::<f64, usize>().unwrap();
    assert_eq!((a.nrows(), a.rows()), (4294967296, &[4294967295usize][..]));
}

#[track_caller]
fn assert_parse_error_u32(text: &str, line: u64, fragment: &str) {
    match reader(text).read_coo::<f64, u32>() {
        Err(Error::Parse {
            line: l, message, ..
        }) => {
            assert_eq!(l, line);
            assert!(message.contains(fragment), "{message}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn mtx_par_and_seq_read_the_same_across_many_chunks() {
    // ~12 MB: more chunks than one batch, so the pipeline turns over several times.
    let mut rng = Rng(11);
    let m = 5000;
    let mut text = format!("%%MatrixMarket matrix coordinate real symmetric\n{m} {m} 600000\n");
    for k in 0..600_000 {
        if k % 1000 == 0 {
            text.push_str("% a comment every thousand lines\n\n");
        }
        let (i, j) = (rng.below(m), rng.below(m));
        let (i, j) = (i.max(j), i.min(j));
        text.push_str(&format!("{} {} {}\n", i + 1, j + 1, any_value(&mut rng)));
    }
    let seq = reader(&text).par(Par::Seq).read_coo::<f64, u32>().unwrap();
    let par = reader(&text)
        .par(Par::Rayon)
        .read_coo::<f64, u32>()
        .unwrap();
    assert_eq!(seq, par);
    assert!(seq.nnz() > 1_000_000);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let three = pool.install(|| reader(&text).read_csr::<f64, u32>().unwrap());
    assert_eq!(three, seq.clone().into_csr());

    // Errors deep inside report their exact line, whichever thread parsed them.
    let lines: Vec<&str> = text.lines().collect();
    for (target, bad) in [
        (250_000usize, "1 1 x"),
        (431_111, "0 1 1"),
        (599_000, "1 1 1 1"),
    ] {
        let mut t = lines[..target - 1].join("\n");
        t.push('\n');
        t.push_str(bad);
        t.push('\n');
        t.push_str(&lines[target..].join("\n"));
        assert_parse_error(&t, target as u64, "");
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

#[test]
fn mtx_round_trip_write_read() {
    let dir = temp_dir("round-trip");
    let mut rng = Rng(3);
    let (m, n) = (40, 29);
    let mut c = Coo::<f64>::new(m, n);
    for _ in 0..300 {
        c.push(rng.below(m), rng.below(n), any_value(&mut rng));
    }
    c.push(0, 0, f64::INFINITY);
    c.push(1, 1, f64::NEG_INFINITY);
    c.push(2, 2, -0.0);
    c.push(3, 3, f64::MIN_POSITIVE / 8.0); // subnormal
    c.push(4, 4, f64::MAX);
    let path = dir.join("coo.mtx");
    mtx::write_coo(&path, &c).unwrap();
    let back = mtx::read_coo::<f64, u32>(&path).unwrap();
    assert_eq!(back.rows(), c.rows());
    assert_eq!(back.cols(), c.cols());
    assert!(
        back.values()
            .iter()
            .zip(c.values())
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );

    let a = c.into_csr();
    let path = dir.join("csr.mtx");
    mtx::write_csr(&path, a.view()).unwrap();
    let back = mtx::read_csr::<f64, u32>(&path).unwrap();
    assert_eq!(back.row_ptr(), a.row_ptr());
    assert_eq!(back.col_idx(), a.col_idx());
    assert!(
        back.values()
            .iter()
            .zip(a.values())
            .all(|(x, y)| x.to_bits() == y.to_bits())
    );

    // NaN survives (as some NaN).
    let mut c = Coo::<f64>::new(1, 1);
    c.push(0, 0, f64::NAN);
    mtx::write_coo(&path, &c).unwrap();
    assert!(mtx::read_coo::<f64, u32>(&path).unwrap().values()[0].is_nan());

    // f32, with u32 and usize indices.
    let mut c = Coo::<f32, usize>::new(5, 7);
    for _ in 0..20 {
        let v = f32::from_bits(rng.next_u64() as u32);
        c.push(
            rng.below(5),
            rng.below(7),
            if v.is_finite() { v } else { 0.25 },
        );
    }
    let a = c.into_csr();
    mtx::write_csr(&path, a.view()).unwrap();
    assert_eq!(mtx::read_csr::<f32, usize>(&path).unwrap(), a);

    // Empty matrices, and a matrix with no rows.
    for (m, n) in [(0, 0), (3, 0), (0, 4), (6, 2)] {
        let z = Csr::<f64>::zeros(m, n);
        mtx::write_csr(&path, z.view()).unwrap();
        assert_eq!(mtx::read_csr::<f64, u32>(&path).unwrap(), z);
    }

    // Dense, from either layout, read back column-major.
    let data: Vec<f64> = (0..m * n).map(|_| any_value(&mut rng)).collect();
    for layout in [Layout::RowMajor, Layout::ColMajor] {
        let v = DenseView::try_new(m, n, layout, &data).unwrap();
        mtx::write_dense(&path, v).unwrap();
        let back: Dense<f64> = mtx::read_dense(&path).unwrap();
        assert_eq!((back.nrows(), back.ncols()), (m, n));
        for i in 0..m {
            for j in 0..n {
                assert_eq!(back.get(i, j).to_bits(), v.get(i, j).to_bits());
            }
        }
    }
    // Nothing but the target file is left behind.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mtx_writer_errors_leave_no_file() {
    let dir = temp_dir("write-errors");
    let path = dir.join("missing-dir").join("a.mtx");
    let z = Csr::<f64>::identity(3);
    match mtx::write_csr(&path, z.view()) {
        Err(Error::Io { .. }) => {}
        other => panic!("expected an I/O error, got {other:?}"),
    }
    assert!(!path.exists());
    // A file that exists is replaced whole.
    let path = dir.join("a.mtx");
    std::fs::write(&path, "old").unwrap();
    mtx::write_csr(&path, z.view()).unwrap();
    assert_eq!(mtx::read_csr::<f64, u32>(&path).unwrap(), z);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mtx_io_errors_name_the_file() {
    let path = std::env::temp_dir().join("matvec-mtx-does-not-exist.mtx");
    for e in [
        mtx::read_csr::<f64, u32>(&path).unwrap_err(),
        mtx::read_header(&path).unwrap_err(),
    ] {
        match &e {
            Error::Io { path: p, .. } => assert_eq!(p, &path),
            other => panic!("expected an I/O error, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors, with their line numbers

const GEN: &str = "%%MatrixMarket matrix coordinate real general";

#[test]
fn mtx_error_missing_or_malformed_banner() {
    assert_parse_error("", 1, "empty file");
    assert_parse_error("3 3 1\n1 1 1\n", 1, "not a Matrix Market file");
    assert_parse_error(
        "% comment\n%%MatrixMarket matrix coordinate real general\n",
        1,
        "not a Matrix Market file",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate real\n3 3 0\n",
        1,
        "expected 4 words",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate real general x\n",
        1,
        "found 5",
    );
    assert_parse_error(
        "%%MatrixMarket tensor coordinate real general\n",
        1,
        "unknown object 'tensor'",
    );
    assert_parse_error(
        "%%MatrixMarket matrix sparse real general\n",
        1,
        "unknown format 'sparse'",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate float general\n",
        1,
        "unknown field 'float'",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate real upper\n",
        1,
        "unknown symmetry 'upper'",
    );
    assert_parse_error(
        "%%MatrixMarket matrix array pattern general\n2 2\n",
        1,
        "cannot be 'pattern'",
    );
}

#[test]
fn mtx_error_unsupported_complex_hermitian_vector() {
    assert_parse_error(
        "%%MatrixMarket matrix coordinate complex general\n2 2 1\n1 1 1 0\n",
        1,
        "unsupported field 'complex'",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate complex hermitian\n2 2 1\n1 1 1 0\n",
        1,
        "unsupported",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate real hermitian\n2 2 0\n",
        1,
        "unsupported symmetry 'hermitian'",
    );
    assert_parse_error(
        "%%MatrixMarket vector coordinate real general\n3 1\n1 1\n",
        1,
        "unsupported object 'vector'",
    );
}

#[test]
fn mtx_error_size_line() {
    assert_parse_error(&format!("{GEN}\n"), 2, "file ends before the size line");
    assert_parse_error(
        &format!("{GEN}\n%\n\n"),
        4,
        "file ends before the size line",
    );
    assert_parse_error(&format!("{GEN}\n% c\n3 3\n"), 3, "expected 3 numbers");
    assert_parse_error(&format!("{GEN}\n3 3 1 1\n1 1 1\n"), 2, "found 4 tokens");
    assert_parse_error(
        &format!("{GEN}\n3 x 1\n"),
        2,
        "'x' is not a non-negative integer",
    );
    assert_parse_error(&format!("{GEN}\n-3 3 1\n"), 2, "'-3' is not");
    assert_parse_error(&format!("{GEN}\n3 3 1.0\n"), 2, "'1.0' is not");
    assert_parse_error(
        &format!("{GEN}\n99999999999999999999 3 0\n"),
        2,
        "is not a non-negative integer",
    );
    assert_parse_error(
        "%%MatrixMarket matrix array real general\n3 3 9\n",
        2,
        "expected 2 numbers",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate real symmetric\n3 4 0\n",
        2,
        "must be square",
    );
    assert_parse_error(
        "%%MatrixMarket matrix array real skew-symmetric\n2 1\n",
        2,
        "must be square",
    );
    assert_parse_error(
        "%%MatrixMarket matrix array real general\n18446744073709551615 2\n",
        2,
        "too large",
    );
}

#[test]
fn mtx_error_index_out_of_range() {
    let t = |body: &str| format!("{GEN}\n% c\n3 4 2\n1 1 1\n{body}\n");
    assert_parse_error(
        &t("0 1 1"),
        5,
        "row index 0 is out of range: indices are 1-based",
    );
    assert_parse_error(&t("1 0 1"), 5, "column index 0");
    assert_parse_error(
        &t("4 1 1"),
        5,
        "row index 4 is out of range: the matrix has 3 rows",
    );
    assert_parse_error(
        &t("1 5 1"),
        5,
        "column index 5 is out of range: the matrix has 4 columns",
    );
    assert_parse_error(&t("99999999999999999999999 1 1"), 5, "far out of range");
    assert_parse_error(&t("-1 1 1"), 5, "row index '-1' is not a positive integer");
    assert_parse_error(
        &t("1.0 1 1"),
        5,
        "row index '1.0' is not a positive integer",
    );
    assert_parse_error(&t("1 +2 1"), 5, "column index '+2'");
    // Symmetric files: the stored index is checked (the mirror is then in range).
    assert_parse_error(
        "%%MatrixMarket matrix coordinate pattern symmetric\n2 2 1\n3 1\n",
        3,
        "row index 3",
    );
}

#[test]
fn mtx_error_entry_count() {
    assert_parse_error(
        &format!("{GEN}\n3 3 3\n1 1 1\n2 2 2\n"),
        5,
        "file ends after 2 of the 3 entries",
    );
    assert_parse_error(
        &format!("{GEN}\n3 3 3\n1 1 1\n2 2 2"),
        5,
        "file ends after 2 of the 3",
    );
    assert_parse_error(&format!("{GEN}\n3 3 1\n"), 3, "file ends after 0 of the 1");
    assert_parse_error(
        &format!("{GEN}\n3 3 1\n1 1 1\n% c\n\n2 2 2\n"),
        6,
        "more entries than the 1 declared by the size line (line 2)",
    );
    assert_parse_error(
        &format!("{GEN}\n3 3 0\n1 1 1\n"),
        3,
        "more entries than the 0",
    );
    let arr = "%%MatrixMarket matrix array real general\n2 2\n";
    assert_parse_error(
        &format!("{arr}1\n2\n3\n"),
        6,
        "file ends after 3 of the 4 values",
    );
    assert_parse_error(
        &format!("{arr}1\n2\n3\n4\n5\n"),
        7,
        "more entries than the 4",
    );
    let sym = "%%MatrixMarket matrix array real symmetric\n2 2\n";
    assert_parse_error(&format!("{sym}1\n2\n3\n4\n"), 6, "more entries than the 3");
}

#[test]
fn mtx_error_numbers_that_do_not_parse() {
    let t = |v: &str| format!("{GEN}\n3 3 2\n1 1 1\n2 2 {v}\n");
    for bad in [
        "abc", "0x10", "1.5D2", "1_000", "1,5", "--1", "1e", "nan1", "\u{e9}",
    ] {
        assert_parse_error(&t(bad), 4, "is not a real number");
    }
    let t = |v: &str| format!("%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 1 {v}\n");
    assert_parse_error(&t("1.5"), 3, "value '1.5' is not an integer");
    assert_parse_error(&t("1e3"), 3, "is not an integer");
    assert_parse_error(&t("nan"), 3, "is not an integer");
    assert_parse_error(&t("9223372036854775808"), 3, "does not fit 64 bits");
    let arr = "%%MatrixMarket matrix array real general\n2 1\n1\n";
    assert_parse_error(&format!("{arr}x1\n"), 4, "value 'x1' is not a real number");
    // Non-UTF-8 bytes: an error, not a panic (and not a lossy guess).
    let mut bytes = format!("{GEN}\n1 1 1\n1 1 ").into_bytes();
    bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
    let e = MtxReader::new(&bytes[..], "bad.mtx")
        .unwrap()
        .read_coo::<f64, u32>()
        .unwrap_err();
    assert!(matches!(e, Error::Parse { line: 3, .. }), "{e}");
}

#[test]
fn mtx_error_wrong_number_of_tokens() {
    let t = |body: &str| format!("{GEN}\n3 3 1\n{body}\n");
    assert_parse_error(
        &t("1 1"),
        3,
        "expected 3 tokens (row, column, value), found 2",
    );
    assert_parse_error(&t("1"), 3, "found 1");
    assert_parse_error(&t("1 1 1 1"), 3, "found 4");
    assert_parse_error(&t("1 1 1 % trailing comment"), 3, "found 6");
    let p = "%%MatrixMarket matrix coordinate pattern general\n3 3 1\n";
    assert_parse_error(
        &format!("{p}1 1 1\n"),
        3,
        "expected 2 tokens (row, column) for a pattern matrix, found 3",
    );
    assert_parse_error(&format!("{p}1\n"), 3, "found 1");
    let a = "%%MatrixMarket matrix array real general\n2 1\n";
    assert_parse_error(
        &format!("{a}1 2\n3\n"),
        3,
        "expected 1 token (a value) per line of an array file, found 2",
    );
    // A control character inside a line is not a separator.
    assert_parse_error(&t("1\u{1}1 1"), 3, "");
}

#[test]
fn mtx_error_read_dense_of_a_coordinate_file() {
    let e = reader(&format!("{GEN}\n2 2 0\n"))
        .read_dense::<f64>()
        .unwrap_err();
    match e {
        Error::Parse {
            line: 1, message, ..
        } => assert!(message.contains("read_csr"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn mtx_error_overlong_lines() {
    // A data line longer than a chunk is an error on its line; a comment that long is skipped.
    let long = "1".repeat(3 << 20);
    assert_parse_error(
        &format!("{GEN}\n3 3 2\n1 1 1\n2 2 {long}\n"),
        4,
        "longer than",
    );
    let a = coo(&format!(
        "{GEN}\n% {long}\n3 3 2\n1 1 1\n%{long}\n\n2 2 2\n"
    ));
    assert_eq!(a.values(), [1.0, 2.0]);
    let a = coo(&format!("{GEN}\n3 3 1\n1 1 1\n%{long}"));
    assert_eq!(a.values(), [1.0]);
    assert_parse_error(
        &format!("{GEN}\n3 3 2\n1 1 1\n%{long}\n"),
        5,
        "file ends after 1 of the 2",
    );
}

#[test]
fn mtx_huge_declared_sizes_allocate_nothing_up_front() {
    // If either were reserved up front, the process would abort on allocation.
    assert_parse_error(
        &format!("{GEN}\n3 3 900000000000\n1 1 1\n"),
        4,
        "file ends after 1 of the 900000000000",
    );
    assert_parse_error(
        "%%MatrixMarket matrix array real general\n1000000000 1000000000\n1\n2\n",
        5,
        "file ends after 2 of the 1000000000000000000",
    );
    assert_parse_error(
        "%%MatrixMarket matrix array real symmetric\n1000000000 1000000000\n1\n",
        4,
        "file ends after 1",
    );
    // The same through a file, whose length bounds the reservation.
    let dir = temp_dir("huge");
    let path = dir.join("h.mtx");
    std::fs::write(&path, format!("{GEN}\n3 3 900000000000\n1 1 1\n")).unwrap();
    assert!(matches!(
        mtx::read_csr::<f64, u32>(&path),
        Err(Error::Parse { line: 4, .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Robustness

/// Every reader on `bytes`, catching panics: returns the text that made one panic.
fn read_every_way(bytes: &[u8]) -> Result<(), String> {
    let run = |f: &dyn Fn()| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .map_err(|_| format!("panic on input:\n{}", String::from_utf8_lossy(bytes)))
    };
    run(&|| {
        if let Ok(r) = MtxReader::new(bytes, "m.mtx") {
            let (m, n) = (r.header().nrows, r.header().ncols);
            if let Ok(a) = r.read_coo::<f64, u32>() {
                assert_eq!((a.nrows(), a.ncols()), (m, n));
            }
        }
    })?;
    run(&|| {
        if let Ok(r) = MtxReader::new(bytes, "m.mtx") {
            let _ = r.par(Par::Seq).read_csr::<f32, usize>();
        }
    })?;
    run(&|| {
        if let Ok(r) = MtxReader::new(bytes, "m.mtx") {
            let _ = r.read_dense::<f64>();
        }
    })
}

#[test]
fn mtx_mutated_files_give_ok_or_err_never_a_panic() {
    let mut seeds: Vec<Vec<u8>> = mtx_files(&fixtures_dir())
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    seeds.push(format!("{GEN}\n% c\n3 3 3\n1 1 1\n\n2 2 2.5e-3\n3 1 -inf\n").into_bytes());
    seeds.push(b"%%MatrixMarket matrix array real symmetric\n3 3\n1\n2\n3\n4\n5\n6\n".to_vec());
    let alphabet: &[u8] = b"0123456789 \t\n\r%-+.eExn%\x00\xff";
    let mut rng = Rng(0xF022);
    let mut runs = 0;
    for seed in &seeds {
        for _ in 0..300 {
            let mut b = seed.clone();
            for _ in 0..1 + rng.below(4) {
                if b.is_empty() {
                    break;
                }
                let k = rng.below(b.len());
                match rng.below(6) {
                    0 => b[k] = alphabet[rng.below(alphabet.len())],
                    1 => b[k] = rng.next_u64() as u8,
                    2 => b.truncate(k),
                    3 => {
                        b.remove(k);
                    }
                    4 => b.insert(k, alphabet[rng.below(alphabet.len())]),
                    _ => {
                        // Duplicate a line.
                        let s = b[..k]
                            .iter()
                            .rposition(|&c| c == b'\n')
                            .map_or(0, |p| p + 1);
                        let e = b[k..]
                            .iter()
                            .position(|&c| c == b'\n')
                            .map_or(b.len(), |p| k + p + 1);
                        let line = b[s..e].to_vec();
                        b.splice(e..e, line);
                    }
                }
            }
            if let Err(msg) = read_every_way(&b) {
                panic!("{msg}");
            }
            runs += 1;
        }
    }
    // Every prefix of one file, too.
    let seed = &seeds[0];
    for k in 0..=seed.len() {
        read_every_way(&seed[..k]).unwrap();
    }
    assert!(runs > 5000);
}
