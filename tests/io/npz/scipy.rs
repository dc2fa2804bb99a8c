//! Files scipy wrote, read by every reader and the mapped/loaded operator.

use super::*;

/// Checks every fixture in `dir` (NAME.npz with scipy's dense reading of it in NAME.npy)
/// against every reader and the mapped/loaded operator; returns (fixtures, mapped).
fn check_fixtures(dir: &Path) -> (usize, usize) {
    let files = npz_files(dir);
    let mut mapped = 0;
    for path in &files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let parts: Vec<&str> = name.split('_').collect();
        let expected = read_vector(path.with_extension("npy")).unwrap().into_f64();

        // What the headers say agrees with the name.
        let info = npz::info(path).unwrap();
        assert_eq!(info.format.name(), parts[0], "{name}");
        assert_eq!(info.compressed, parts[3] == "compressed", "{name}");
        let (m, n) = (info.nrows, info.ncols);
        assert_eq!(expected.len(), m * n, "{name}");
        assert_eq!(&info.index_dtype.descr()[1..], parts[2], "{name}");
        let vk = match parts[1] {
            "u1" | "b1" => format!("|{}", parts[1]),
            k => format!("<{k}"),
        };
        assert_eq!(info.data_dtype.descr(), vk, "{name}");
        assert_eq!(info.offset_dtype.is_some(), info.format != NpzFormat::Coo);

        // f64: exact (every fixture value is exact in f64, duplicates sum exactly).
        let a = npz::read_csr::<f64, u32>(path).unwrap();
        assert_eq!((a.nrows(), a.ncols()), (m, n), "{name}");
        assert_eq!(
            bits(&a.to_dense(Layout::RowMajor).into_vec()),
            bits(&expected),
            "{name}"
        );
        let c = npz::read_csc::<f64, usize>(path).unwrap();
        assert_eq!(c.to_csr().into_parts().4, a.values().to_vec(), "{name}");
        let whole = npz::read::<f64, u32>(path).unwrap();
        assert_eq!(whole.format(), info.format, "{name}");
        let coo = npz::read_coo::<f64, u32>(path).unwrap();
        assert_eq!(dense_of_coo(&coo), expected, "{name}");
        if info.format == NpzFormat::Coo {
            assert_eq!(
                coo.nnz(),
                info.nnz,
                "{name}: COO triplets are kept as stored"
            );
        }

        // f32: every value rounded once to f32 (all fixture values are exact in f32 except
        // the full-precision doubles and the large int64 values).
        let a32 = npz::read_csr::<f32, u32>(path).unwrap();
        for (g, e) in a32
            .to_dense(Layout::RowMajor)
            .into_vec()
            .iter()
            .zip(&expected)
        {
            assert_eq!(g.to_bits(), (*e as f32).to_bits(), "{name}: f32 {g} vs {e}");
        }

        // The operator from open_or_load, mapped or loaded, against the dense oracle and
        // (bit for bit) against the in-memory CSR.
        let x: Vec<f64> = (0..n).map(|j| (j % 5) as f64 - 2.0).collect();
        let xt: Vec<f64> = (0..m).map(|i| (i % 3) as f64 - 1.0).collect();
        let (want, want_t) = dense_products(&expected, m, n, &x, &xt);
        let op = load::<f64, usize>(path).unwrap();
        if op.is_mapped() {
            mapped += 1;
        } else {
            let why = op.why_loaded().unwrap();
            assert!(!why.is_empty());
        }
        assert_eq!(op.nnz(), a.nnz(), "{name}");
        assert_close(&op.matvec(&x), &want, 1e-12, &name);
        assert_close(&op.matvec_t(&xt), &want_t, 1e-12, &name);
        let ain: Csr<f64, usize> = npz::read_csr(path).unwrap();
        if info.format != NpzFormat::Csc {
            assert_eq!(bits(&op.matvec(&x)), bits(&ain.matvec(&x)), "{name}");
        }
        let op32 = load::<f32, u32>(path).unwrap();
        assert_eq!(MatVec::<f32>::shape(&op32), (m, n));
    }
    (files.len(), mapped)
}

#[test]
fn npz_fixtures_match_scipy() {
    let (n, mapped) = check_fixtures(&fixtures_dir());
    assert_eq!(n, 29);
    eprintln!("{mapped} of {n} scipy-written fixtures could be mapped as usize/f64");
}

#[test]
fn npz_fixtures_regenerate_with_scipy() {
    let Some(py) = python_with("numpy, scipy.sparse") else {
        return;
    };
    let dir = TempDir::new("npz-regen");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen_npz_fixtures.py");
    let out = run_python(
        &py,
        &[script.to_str().unwrap(), dir.path().to_str().unwrap()],
    );
    eprintln!("{}", out.trim());
    let names = |d: &Path| {
        npz_files(d)
            .iter()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(dir.path()),
        names(&fixtures_dir()),
        "the checked-in fixtures are stale"
    );
    assert_eq!(check_fixtures(dir.path()).0, 29);
}

#[test]
fn npz_scipy_reads_our_files() {
    let Some(py) = python_with("numpy, scipy.sparse") else {
        return;
    };
    let dir = TempDir::new("npz-scipy-reads");
    let o = Oracle::random(23, 17, 0.3, 11, false);
    let mut coo = Coo::<f64>::new(o.nrows, o.ncols);
    for (i, j, v) in o.triplets() {
        coo.push(i, j, v);
    }
    let a = coo.to_csr();
    npz::write_csr(dir.join("csr_f64_u32.npz"), a.view()).unwrap();
    npz::write_csc(dir.join("csc_f64_u32.npz"), a.to_csc().view()).unwrap();
    let (m, n, p, i, v) = a.clone().into_parts();
    let a32 = Csr::<f32, usize>::try_new(
        m,
        n,
        p,
        i.iter().map(|&k| k as usize).collect(),
        v.iter().map(|&x| x as f32).collect(),
    )
    .unwrap();
    npz::write_csr(dir.join("csr_f32_usize.npz"), a32.view()).unwrap();
    npz::write_csc(dir.join("csc_f32_usize.npz"), a32.to_csc().view()).unwrap();
    let empty = Csr::<f64>::zeros(0, 0);
    npz::write_csr(dir.join("empty.npz"), empty.view()).unwrap();
    write_vector(dir.join("want.npy"), &o.row_major()).unwrap();
    let script = r#"
import struct, sys, zipfile, numpy as np, scipy.sparse as sp
d = sys.argv[1]
want = np.load(d + "/want.npy").reshape(23, 17)
for name, fmt, dt, it in [("csr_f64_u32", "csr", np.float64, np.int32),
                          ("csc_f64_u32", "csc", np.float64, np.int32),
                          ("csr_f32_usize", "csr", np.float32, np.int64),
                          ("csc_f32_usize", "csc", np.float32, np.int64)]:
    a = sp.load_npz(f"{d}/{name}.npz")
    assert a.format == fmt and a.dtype == dt and a.shape == (23, 17), (name, a.format, a.dtype)
    assert a.has_canonical_format, name
    assert np.array_equal(a.toarray(), want.astype(dt)), name
    with np.load(f"{d}/{name}.npz") as z:
        assert z["indptr"].dtype == np.int64 and z["indices"].dtype == it, name
        assert z["format"].dtype == np.dtype("S3") and z["format"].shape == (), name
    # Every member stored, CRC-32 correct, its .npy data 64-byte aligned in the file (read
    # with Python's zipfile, independently of our reader).
    with open(f"{d}/{name}.npz", "rb") as f, zipfile.ZipFile(f) as z:
        assert z.testzip() is None, name
        for info in z.infolist():
            assert info.compress_type == zipfile.ZIP_STORED, (name, info.filename)
            f.seek(info.header_offset)
            local = f.read(30)
            n, extra = struct.unpack("<HH", local[26:30])
            start = info.header_offset + 30 + n + extra
            f.seek(start)
            assert np.lib.format.read_magic(f) == (1, 0), (name, info.filename)
            np.lib.format.read_array_header_1_0(f)
            assert start % 64 == 0 and f.tell() % 64 == 0, (name, info.filename, f.tell())
e = sp.load_npz(f"{d}/empty.npz")
assert e.shape == (0, 0) and e.nnz == 0
print("scipy read", 5, "files")
"#;
    let out = run_python(&py, &["-c", script, dir.path().to_str().unwrap()]);
    eprintln!("{}", out.trim());
}
