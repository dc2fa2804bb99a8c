//! The `matvec` command, run as a user would: scipy's answer on every fixture (Matrix Market
//! and `.npz` files written by scipy, `.npy` files), the conversions, what `info` reports,
//! and one clean `error: …` line, exit status 2 and no output file on every bad input.

#[path = "../../tests/common/mod.rs"]
mod common;

use common::TempDir;

use matvec::io::npy::{NpyWriter, read_vector, write_dense, write_vector};
use matvec::io::{mtx, npz};
use matvec::{DenseView, Layout};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The binary under test, built by cargo for this package's tests.
const BIN: &str = env!("CARGO_BIN_EXE_matvec");

/// A subcommand of the `matvec` binary.
#[derive(Clone, Copy)]
struct Tool(&'static str);

impl Tool {
    const MUL: Tool = Tool("mul");
    const CONVERT: Tool = Tool("convert");
    #[cfg_attr(not(feature = "hdf5"), allow(dead_code))]
    const INFO: Tool = Tool("info");

    fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.arg(self.0);
        c
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data")
}

/// Runs the tool; returns (status code, stderr).
fn run(tool: &Tool, args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = tool.command().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `y = A·x` (or `Aᵀ·x`) for a dense row-major `a` (`r × c`), in f64.
fn oracle(a: &[f64], r: usize, c: usize, x: &[f64], transpose: bool) -> Vec<f64> {
    if transpose {
        (0..c)
            .map(|j| (0..r).map(|i| a[i * c + j] * x[i]).sum())
            .collect()
    } else {
        (0..r)
            .map(|i| (0..c).map(|j| a[i * c + j] * x[j]).sum())
            .collect()
    }
}

fn check_tool_on(
    bin: &Tool,
    dir: &Path,
    matrix: &Path,
    dense: &[f64],
    r: usize,
    c: usize,
    f32_matrix: bool,
) {
    // An f32 matrix computes in f32 with an f32 x, and in f64 (an f64 y) with an f64 x.
    let x_dtypes: &[bool] = if f32_matrix { &[true, false] } else { &[false] };
    for (transpose, &x32) in [false, true]
        .into_iter()
        .flat_map(|t| x_dtypes.iter().map(move |x| (t, x)))
    {
        let f32_out = x32;
        let n = if transpose { r } else { c };
        let x: Vec<f64> = (0..n).map(|k| (k % 5) as f64 - 2.0).collect();
        let xp = dir.join("x.npy");
        if x32 {
            write_vector(&xp, &x.iter().map(|&v| v as f32).collect::<Vec<_>>()).unwrap();
        } else {
            write_vector(&xp, &x).unwrap();
        }
        let yp = dir.join("y.npy");
        let _ = std::fs::remove_file(&yp);
        let mut args: Vec<&std::ffi::OsStr> = vec![
            matrix.as_os_str(),
            xp.as_os_str(),
            OsStr::new("-o"),
            yp.as_os_str(),
        ];
        if transpose {
            args.push(OsStr::new("--transpose"));
        }
        args.extend([
            OsStr::new("--budget"),
            OsStr::new("1KiB"),
            OsStr::new("--threads"),
            OsStr::new("2"),
        ]);
        let (code, err) = run(bin, &args);
        assert_eq!(code, 0, "{}: {err}", matrix.display());
        let y = read_vector(&yp).unwrap();
        assert_eq!(
            y.dtype() == matvec::io::npy::NpyDtype::F32,
            f32_out,
            "{}: output dtype",
            matrix.display()
        );
        let want = oracle(dense, r, c, &x, transpose);
        let got = y.into_f64();
        assert_eq!(got.len(), want.len());
        let tol = if f32_out { 1e-5 } else { 1e-12 };
        for (g, w) in got.iter().zip(&want) {
            assert!(
                g == w || (g - w).abs() <= tol * (1.0 + w.abs()),
                "{} transpose={transpose}: {got:?} vs {want:?}",
                matrix.display()
            );
        }
    }
}

#[test]
fn cli_matvec_gives_scipys_answer_on_every_fixture() {
    let bin = Tool::MUL;
    let dir = TempDir::new("cli-fixtures");
    let mut checked = 0;
    for sub in ["mtx", "npz"] {
        for entry in std::fs::read_dir(fixtures().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext != sub {
                continue;
            }
            // Next to each fixture: scipy's own reading, as a flattened row-major .npy.
            let dense = read_vector(path.with_extension("npy")).unwrap().into_f64();
            let (r, c, f32_out) = if sub == "mtx" {
                let h = mtx::read_header(&path).unwrap();
                (h.nrows, h.ncols, false)
            } else {
                let i = npz::info(&path).unwrap();
                (i.nrows, i.ncols, i.data_dtype == matvec::io::Dtype::F4)
            };
            check_tool_on(&bin, &dir, &path, &dense, r, c, f32_out);
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} fixtures found");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_matvec_multiplies_npy_matrices_both_orders_and_dtypes() {
    let bin = Tool::MUL;
    let dir = TempDir::new("cli-npy");
    let (r, c) = (37, 23);
    let dense: Vec<f64> = (0..r * c).map(|k| ((k * 7) % 11) as f64 - 5.0).collect();
    let col: Vec<f64> = (0..r * c).map(|k| dense[(k % r) * c + k / r]).collect();
    let a_c = dir.join("a_c.npy");
    let a_f = dir.join("a_f.npy");
    let a_32 = dir.join("a_32.npy");
    write_dense(&a_c, DenseView::row_major(r, c, &dense).unwrap()).unwrap();
    write_dense(&a_f, DenseView::col_major(r, c, &col).unwrap()).unwrap();
    let d32: Vec<f32> = dense.iter().map(|&v| v as f32).collect();
    write_dense(&a_32, DenseView::row_major(r, c, &d32).unwrap()).unwrap();
    check_tool_on(&bin, &dir, &a_c, &dense, r, c, false);
    check_tool_on(&bin, &dir, &a_f, &dense, r, c, false);
    check_tool_on(&bin, &dir, &a_32, &dense, r, c, true);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_matvec_bad_inputs_give_one_error_line_status_2_and_no_output() {
    let bin = Tool::MUL;
    let dir = TempDir::new("cli-bad");
    let a = dir.join("a.mtx");
    std::fs::write(
        &a,
        "%%MatrixMarket matrix coordinate real general\n3 4 2\n1 1 1.5\n3 4 2\n",
    )
    .unwrap();
    let x4 = dir.join("x4.npy");
    write_vector(&x4, &[1.0f64; 4]).unwrap();
    let x5 = dir.join("x5.npy");
    write_vector(&x5, &[1.0f64; 5]).unwrap();
    let x2d = dir.join("x2d.npy");
    write_dense(&x2d, DenseView::row_major(2, 2, &[1.0f64; 4]).unwrap()).unwrap();
    let bad_mtx = dir.join("bad.mtx");
    std::fs::write(
        &bad_mtx,
        "%%MatrixMarket matrix coordinate real general\n3 4 2\n1 1 1.5\n9 1 2\n",
    )
    .unwrap();
    let complex = dir.join("complex.mtx");
    std::fs::write(
        &complex,
        "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n",
    )
    .unwrap();
    let not_npz = dir.join("not.npz");
    std::fs::write(&not_npz, "hello").unwrap();
    let short_npy = dir.join("short.npy");
    let mut w = NpyWriter::<f64>::create(&short_npy, 2, 2, Layout::RowMajor).unwrap();
    w.write(&[1.0; 4]).unwrap();
    w.finish().unwrap();
    let bytes = std::fs::read(&short_npy).unwrap();
    std::fs::write(&short_npy, &bytes[..bytes.len() - 8]).unwrap();
    let raw = dir.join("raw.bin");
    std::fs::write(&raw, [0u8; 96]).unwrap(); // 3 x 4 f8
    let y = dir.join("y.npy");
    let s = |p: &Path| p.as_os_str().to_owned();
    let o: std::ffi::OsString = "-o".into();
    let cases: Vec<(Vec<std::ffi::OsString>, &str)> = vec![
        (
            vec![s(&dir.join("missing.mtx")), s(&x4), o.clone(), s(&y)],
            "missing.mtx",
        ),
        (vec![s(&bad_mtx), s(&x4), o.clone(), s(&y)], "line 4"),
        (vec![s(&complex), s(&x4), o.clone(), s(&y)], "complex"),
        (vec![s(&not_npz), s(&x4), o.clone(), s(&y)], "not.npz"),
        (vec![s(&short_npy), s(&x4), o.clone(), s(&y)], "truncated"),
        (
            vec![s(&dir.join("a.txt")), s(&x4), o.clone(), s(&y)],
            "unknown matrix format",
        ),
        (
            vec![s(&a), s(&x5), o.clone(), s(&y)],
            "x5.npy: x has length 5",
        ),
        (vec![s(&a), s(&x2d), o.clone(), s(&y)], "1-D"),
        (
            vec![s(&a), s(&dir.join("nox.npy")), o.clone(), s(&y)],
            "nox.npy",
        ),
        (
            vec![s(&a), s(&x4), o.clone(), s(&dir.join("no/such/dir/y.npy"))],
            "no/such/dir",
        ),
        (vec![s(&a), s(&x4)], "--output"),
        (
            vec![
                s(&a),
                s(&x4),
                o.clone(),
                s(&y),
                "--budget".into(),
                "lots".into(),
            ],
            "invalid size",
        ),
        (
            vec![
                s(&a),
                s(&x4),
                o.clone(),
                s(&y),
                "--threads".into(),
                "0".into(),
            ],
            "--threads",
        ),
        // Raw files: a shape or offset past the end of the file, a missing dtype.
        (
            vec![
                s(&raw),
                s(&x4),
                o.clone(),
                s(&y),
                "--shape".into(),
                "4,4".into(),
                "--dtype".into(),
                "f8".into(),
            ],
            "needs the file to hold 128 bytes; it holds 96",
        ),
        (
            vec![
                s(&raw),
                s(&x4),
                o.clone(),
                s(&y),
                "--shape".into(),
                "3,4".into(),
                "--dtype".into(),
                "f8".into(),
                "--offset".into(),
                "8".into(),
            ],
            "raw.bin",
        ),
        (
            vec![
                s(&raw),
                s(&x4),
                o.clone(),
                s(&y),
                "--shape".into(),
                "3,4".into(),
            ],
            "--dtype",
        ),
        (
            vec![
                s(&raw),
                s(&x4),
                o.clone(),
                s(&y),
                "--shape".into(),
                "3x4".into(),
                "--dtype".into(),
                "f8".into(),
            ],
            "ROWS,COLS",
        ),
    ];
    for (args, want) in cases {
        let argv: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (code, err) = run(&bin, &argv);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
        assert!(
            err.starts_with("error: ") && err.contains(want),
            "{args:?}: {err:?} lacks {want:?}"
        );
        assert!(!y.exists(), "{args:?}: left an output file");
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "{args:?}: temporary files left: {leftovers:?}"
        );
    }
    // And the good call works.
    let (code, err) = run(
        &bin,
        &[
            a.as_os_str(),
            x4.as_os_str(),
            OsStr::new("-o"),
            y.as_os_str(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(read_vector(&y).unwrap().into_f64(), vec![1.5, 0.0, 2.0]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_convert_round_trips_mtx_and_npz() {
    let (conv, mv) = (Tool::CONVERT, Tool::MUL);
    let dir = TempDir::new("cli-convert");
    let src = fixtures().join("mtx/coordinate_real_symmetric.mtx");
    let dense = read_vector(src.with_extension("npy")).unwrap().into_f64();
    let h = mtx::read_header(&src).unwrap();
    let (npz_path, back) = (dir.join("a.npz"), dir.join("back.mtx"));
    for (from, to) in [(&src, &npz_path), (&npz_path, &back)] {
        let out = conv.command().arg(from).arg(to).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The converted .npz is mapped by the matvec tool; both give scipy's answer.
    check_tool_on(&mv, &dir, &npz_path, &dense, h.nrows, h.ncols, false);
    check_tool_on(&mv, &dir, &back, &dense, h.nrows, h.ncols, false);
    // Bad input: one line, status 2, no output.
    let bad = dir.join("bad.mtx");
    std::fs::write(
        &bad,
        "%%MatrixMarket matrix coordinate real general\n2 2 1\n",
    )
    .unwrap();
    let out_path = dir.join("out.npz");
    let out = conv.command().arg(&bad).arg(&out_path).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.starts_with("error: ") && err.contains("bad.mtx") && err.lines().count() == 1,
        "{err}"
    );
    assert!(!out_path.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_matvec_streams_raw_files() {
    let bin = Tool::MUL;
    let dir = TempDir::new("cli-raw");
    let (r, c) = (29, 17);
    let dense: Vec<f64> = (0..r * c).map(|k| ((k * 5) % 13) as f64 - 6.0).collect();
    let col: Vec<f64> = (0..r * c).map(|k| dense[(k % r) * c + k / r]).collect();
    let x: Vec<f64> = (0..c).map(|k| (k % 5) as f64 - 2.0).collect();
    let xp = dir.join("x.npy");
    write_vector(&xp, &x).unwrap();
    let want = oracle(&dense, r, c, &x, false);
    let bytes = |v: &[f64], big: bool, f32: bool| -> Vec<u8> {
        v.iter()
            .flat_map(|&e| match (f32, big) {
                (true, true) => (e as f32).to_be_bytes().to_vec(),
                (true, false) => (e as f32).to_le_bytes().to_vec(),
                (false, true) => e.to_be_bytes().to_vec(),
                (false, false) => e.to_le_bytes().to_vec(),
            })
            .collect()
    };
    // (file contents, options)
    let mut header = vec![7u8; 24];
    header.extend(bytes(&col, true, false));
    let cases: Vec<(Vec<u8>, Vec<&str>)> = vec![
        (bytes(&dense, false, false), vec!["--dtype", "f8"]),
        (bytes(&dense, false, true), vec!["--dtype", "f4"]),
        (
            bytes(&col, false, true),
            vec!["--dtype", "<f4", "--order", "F"],
        ),
        (
            header,
            vec!["--dtype", ">f8", "--order", "F", "--offset", "24"],
        ),
        (
            bytes(&dense, false, false),
            vec!["--dtype", "f8", "--direct", "--budget", "1"],
        ),
    ];
    for (contents, opts) in cases {
        let a = dir.join("a.raw");
        std::fs::write(&a, &contents).unwrap();
        let yp = dir.join("y.npy");
        let _ = std::fs::remove_file(&yp);
        let shape = format!("{r},{c}");
        let mut args: Vec<&OsStr> = vec![
            a.as_os_str(),
            xp.as_os_str(),
            OsStr::new("-o"),
            yp.as_os_str(),
            OsStr::new("--shape"),
            OsStr::new(&shape),
        ];
        args.extend(opts.iter().map(OsStr::new));
        let (code, err) = run(&bin, &args);
        assert_eq!(code, 0, "{opts:?}: {err}");
        // An f64 x: computed and written in f64 whatever the file's precision.
        let y = read_vector(&yp).unwrap();
        assert_eq!(y.dtype(), matvec::io::npy::NpyDtype::F64, "{opts:?}");
        assert_eq!(y.into_f64(), want, "{opts:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "hdf5")]
#[test]
fn cli_matvec_streams_hdf5_datasets() {
    let bin = Tool::MUL;
    let Some(py) = common::python_with("numpy, h5py") else {
        return;
    };
    let dir = TempDir::new("cli-hdf5");
    let (r, c) = (120, 70);
    let script = format!(
        r#"
import numpy as np, h5py
i, j = np.meshgrid(np.arange({r}), np.arange({c}), indexing="ij")
a = ((i * 7 + j * 3) % 11) - 5.0
with h5py.File("m.h5", "w") as f:
    f.create_dataset("array", ({r}, {c}), dtype="f")[:] = a
    f.create_dataset("gz", data=a, chunks=(16, 16), compression="gzip")
np.save("dense.npy", a.ravel())
"#
    );
    let out = std::process::Command::new(&py)
        .args(["-c", &script])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dense = read_vector(dir.join("dense.npy")).unwrap().into_f64();
    let m = dir.join("m.h5");
    let x: Vec<f64> = (0..c).map(|k| (k % 5) as f64 - 2.0).collect();
    let xp = dir.join("x.npy");
    write_vector(&xp, &x).unwrap();
    let want = oracle(&dense, r, c, &x, false);
    for ds in ["/array", "gz"] {
        let yp = dir.join("y.npy");
        let args = [
            m.as_os_str(),
            xp.as_os_str(),
            OsStr::new("-o"),
            yp.as_os_str(),
            OsStr::new("--dataset"),
            OsStr::new(ds),
            OsStr::new("--budget"),
            OsStr::new("4KiB"),
        ];
        let (code, err) = run(&bin, &args);
        assert_eq!(code, 0, "{ds}: {err}");
        let y = read_vector(&yp).unwrap();
        assert_eq!(y.dtype(), matvec::io::npy::NpyDtype::F64, "{ds}");
        assert_eq!(y.into_f64(), want, "{ds}");
    }
    // `info` on both datasets: shape, dtype and layout as h5py wrote them.
    for (ds, dtype, layout) in [("/array", "f4", "contiguous"), ("gz", "f8", "chunked")] {
        let out = Tool::INFO
            .command()
            .args(["--json", "--dataset", ds])
            .arg(&m)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["shape"], serde_json::json!([r, c]), "{v}");
        assert_eq!(
            (v["dtype"].as_str(), v["streamed"]["ok"].as_bool()),
            (Some(dtype), Some(true))
        );
        assert!(v["layout"].as_str().unwrap().contains(layout), "{v}");
    }
    let yp = dir.join("y2.npy");
    for (extra, want) in [
        (vec![], "needs --dataset"),
        (vec!["--dataset", "nope"], "no dataset 'nope'"),
    ] {
        let mut args = vec![
            m.as_os_str(),
            xp.as_os_str(),
            OsStr::new("-o"),
            yp.as_os_str(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        let (code, err) = run(&bin, &args);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.starts_with("error: ") && err.contains(want) && err.lines().count() == 1,
            "{err}"
        );
        assert!(!yp.exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `convert a.npz a.npz` (and the same for `.mtx`) keeps the file: the output goes to a
/// temporary name and replaces the input only when complete, so the input read is never
/// truncated under the reader.
#[test]
fn cli_convert_onto_its_own_input_keeps_the_file() {
    let conv = Tool::CONVERT;
    let dir = TempDir::new("cli-same");
    let src = fixtures().join("mtx/coordinate_real_general.mtx");
    let want = mtx::read_csr::<f64, u32>(&src).unwrap();
    let (a_mtx, a_npz) = (dir.join("a.mtx"), dir.join("a.npz"));
    std::fs::copy(&src, &a_mtx).unwrap();
    npz::write_csr(&a_npz, want.view()).unwrap();
    for path in [&a_mtx, &a_npz] {
        let out = conv.command().arg(path).arg(path).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(mtx::read_csr::<f64, u32>(&a_mtx).unwrap(), want);
    assert_eq!(npz::read_csr::<f64, u32>(&a_npz).unwrap(), want);
    assert_eq!(
        common::file_names(&dir),
        ["a.mtx", "a.npz"],
        "no temporary file is left"
    );
}

/// A write that fails half-way (the file-size limit of a child process, `ulimit -f`, with
/// SIGXFSZ ignored so that `write` fails with EFBIG as on a full disk) leaves nothing under
/// the final name, removes the temporary file, and leaves an existing file untouched.
#[test]
fn cli_convert_failing_half_way_leaves_no_partial_file() {
    let dir = TempDir::new("cli-efbig");
    // A matrix whose .npz is about 2 MB; the limit is 64 KiB.
    let n = 50_000usize;
    let mut coo = matvec::Coo::<f64>::new(n, n);
    for i in 0..n {
        coo.push(i, (i * 7919) % n, i as f64 + 0.5);
        coo.push(i, (i * 104_729) % n, -(i as f64));
        coo.push(i, i, 4.0);
    }
    let src = dir.join("big.mtx");
    mtx::write_coo(&src, &coo).unwrap();
    let limited = |out: &Path| {
        Command::new("bash")
            .arg("-c")
            .arg("trap '' XFSZ; ulimit -f 64; exec \"$0\" \"$@\"")
            .arg(BIN)
            .arg("convert")
            .arg(&src)
            .arg(out)
            .output()
            .unwrap()
    };
    // A new output: nothing is left under its name or as a temporary file.
    let fresh = dir.join("fresh.npz");
    let out = limited(&fresh);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: ") && err.lines().count() == 1 && err.contains("File too large"),
        "{err}"
    );
    assert!(!fresh.exists());
    // An existing output is left as it was.
    let old = dir.join("old.npz");
    std::fs::write(&old, b"the previous contents").unwrap();
    let out = limited(&old);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&old).unwrap(), b"the previous contents");
    assert_eq!(
        common::file_names(&dir),
        ["big.mtx", "old.npz"],
        "no temporary file is left"
    );
}

/// Dense matrices: a `.npy` (f32, Fortran order) to a Matrix Market `array` file and back
/// keeps every value; scipy's `array` fixtures convert to the `.npy` numpy wrote for them;
/// a dense file asked to become a sparse `.npz` is refused with the reason.
#[test]
fn cli_convert_dense_npy_and_matrix_market_arrays() {
    let conv = Tool::CONVERT;
    let dir = TempDir::new("cli-dense");
    let (r, c) = (5, 3);
    let data: Vec<f32> = (0..r * c).map(|k| k as f32 * 0.25 - 1.0).collect();
    let src = dir.join("a.npy");
    write_dense(&src, DenseView::col_major(r, c, &data).unwrap()).unwrap();
    let (m, back) = (dir.join("a.mtx"), dir.join("back.npy"));
    for (from, to) in [(&src, &m), (&m, &back)] {
        let out = conv.command().arg(from).arg(to).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let h = mtx::read_header(&m).unwrap();
    assert_eq!((h.format, h.nrows, h.ncols), (mtx::MtxFormat::Array, r, c));
    // SAFETY: the test's own file, not modified while mapped.
    let got = unsafe { matvec::MmapDense::<f64>::open(&back) }.unwrap();
    for i in 0..r {
        for j in 0..c {
            let want = data[j * r + i] as f64;
            let k = match got.layout() {
                Layout::RowMajor => i * c + j,
                Layout::ColMajor => j * r + i,
            };
            assert_eq!(got.data()[k], want, "({i}, {j})");
        }
    }
    for name in [
        "array_real_general",
        "array_integer_symmetric",
        "array_real_skew-symmetric",
    ] {
        let fixture = fixtures().join("mtx").join(format!("{name}.mtx"));
        let out_path = dir.join(format!("{name}.npy"));
        let out = conv
            .command()
            .arg(&fixture)
            .arg(&out_path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The fixture's .npy is numpy's dense matrix, flattened in C order.
        let want = read_vector(fixture.with_extension("npy"))
            .unwrap()
            .into_f64();
        // SAFETY: as above.
        let got = unsafe { matvec::MmapDense::<f64>::open(&out_path) }.unwrap();
        let (gr, gc) = (got.nrows(), got.ncols());
        let flat: Vec<f64> = (0..gr)
            .flat_map(|i| (0..gc).map(move |j| (i, j)))
            .map(|(i, j)| match got.layout() {
                Layout::RowMajor => got.data()[i * gc + j],
                Layout::ColMajor => got.data()[j * gr + i],
            })
            .collect();
        assert_eq!(flat, want, "{name}");
    }
    let refused = dir.join("dense.npz");
    let (code, err) = run(&conv, &[m.as_os_str(), refused.as_os_str()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("dense") && err.lines().count() == 1, "{err}");
    assert!(!refused.exists());
}

/// `--quiet` silences the summary line; without it one line names the output; `--help` and
/// `--version` exit 0; an unknown subcommand is one `error:` line with status 2.
#[test]
fn cli_quiet_help_version_and_usage_errors() {
    let dir = TempDir::new("cli-quiet");
    let src = fixtures().join("mtx/coordinate_real_general.mtx");
    let out_path = dir.join("a.npz");
    let loud = Tool::CONVERT
        .command()
        .arg(&src)
        .arg(&out_path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&loud.stdout);
    assert!(loud.status.success());
    assert!(
        text.lines().count() == 1 && text.contains("a.npz"),
        "{text}"
    );
    let quiet = Tool::CONVERT
        .command()
        .arg("--quiet")
        .arg(&src)
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(quiet.status.success() && quiet.stdout.is_empty() && quiet.stderr.is_empty());
    for flag in ["--help", "--version"] {
        let out = Command::new(BIN).arg(flag).output().unwrap();
        assert!(out.status.success() && !out.stdout.is_empty(), "{flag}");
    }
    let out = Command::new(BIN).arg("multiply").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.starts_with("error: ") && err.lines().count() == 1,
        "{err}"
    );
}
