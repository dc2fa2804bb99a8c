//! scipy `.npz` sparse matrices: files scipy wrote (checked-in fixtures, and regenerated when
//! python3 with scipy is available), scipy reading ours, memory-mapped products against the
//! in-memory CSR (bit for bit) and a dense oracle, zero-copy, and bad files of every kind.
//!
//! The scipy tests need `python3` with numpy and scipy (`pip install numpy scipy`; CI installs
//! them). Without them those tests print why they are skipped and pass. Set `MATVEC_PYTHON`
//! to use another interpreter.

mod common;

use common::{Oracle, Rng, TempDir, assert_same_products, bits, python_with, run_python};
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
    let p = dir.path(name);
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

// ---------------------------------------------------------------------------------------------
// Files scipy wrote

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
    let out = run_python(&py, &[script.to_str().unwrap(), dir.0.to_str().unwrap()]);
    eprintln!("{}", out.trim());
    let names = |d: &Path| {
        npz_files(d)
            .iter()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&dir.0),
        names(&fixtures_dir()),
        "the checked-in fixtures are stale"
    );
    assert_eq!(check_fixtures(&dir.0).0, 29);
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
    npz::write_csr(dir.path("csr_f64_u32.npz"), a.view()).unwrap();
    npz::write_csc(dir.path("csc_f64_u32.npz"), a.to_csc().view()).unwrap();
    let (m, n, p, i, v) = a.clone().into_parts();
    let a32 = Csr::<f32, usize>::try_new(
        m,
        n,
        p,
        i.iter().map(|&k| k as usize).collect(),
        v.iter().map(|&x| x as f32).collect(),
    )
    .unwrap();
    npz::write_csr(dir.path("csr_f32_usize.npz"), a32.view()).unwrap();
    npz::write_csc(dir.path("csc_f32_usize.npz"), a32.to_csc().view()).unwrap();
    let empty = Csr::<f64>::zeros(0, 0);
    npz::write_csr(dir.path("empty.npz"), empty.view()).unwrap();
    write_vector(dir.path("want.npy"), &o.row_major()).unwrap();
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
    let out = run_python(&py, &["-c", script, dir.0.to_str().unwrap()]);
    eprintln!("{}", out.trim());
}

// ---------------------------------------------------------------------------------------------
// Round trips, mapping and products

/// Offsets of the mapped arrays from the start of the file.
fn offsets<T: Scalar, I: Index>(mapping: &[u8], ptr: &[usize], idx: &[I], val: &[T]) -> [usize; 3] {
    let range = mapping.as_ptr_range();
    let off = |p: *const u8, len: usize| {
        assert!(
            range.contains(&p) || (len == 0 && p == range.end),
            "a slice lies outside the mapping: not zero-copy"
        );
        assert!(p as usize + len <= range.end as usize);
        p as usize - range.start as usize
    };
    [
        off(ptr.as_ptr().cast(), std::mem::size_of_val(ptr)),
        off(idx.as_ptr().cast(), std::mem::size_of_val(idx)),
        off(val.as_ptr().cast(), std::mem::size_of_val(val)),
    ]
}

fn round_trip<T: Scalar, I: Index>(dir: &TempDir, o: &Oracle, seed: u64) {
    let mut coo = Coo::<T, I>::new(o.nrows, o.ncols);
    for (i, j, v) in o.triplets() {
        coo.push(i, j, T::from_f64(v));
    }
    let a = coo.to_csr();
    let c = a.to_csc();
    let what = format!("{}x{} {} {}", o.nrows, o.ncols, T::NAME, I::NAME);
    let pr = dir.path(&format!("r{seed}.npz"));
    let pc = dir.path(&format!("c{seed}.npz"));
    npz::write_csr(&pr, a.view()).unwrap();
    npz::write_csc(&pc, c.view()).unwrap();

    // Read back, exactly.
    assert_eq!(npz::read_csr::<T, I>(&pr).unwrap(), a, "{what}");
    assert_eq!(npz::read_csc::<T, I>(&pc).unwrap(), c, "{what}");
    assert_eq!(npz::read_csc::<T, I>(&pr).unwrap(), c, "{what}");
    assert_eq!(npz::read_csr::<T, I>(&pc).unwrap(), a, "{what}");

    // Mapped: the same arrays, zero-copy, 64-byte aligned, bit-identical products.
    let mr = map_csr::<T, I>(&pr).unwrap();
    assert_eq!(mr.view(), a.view(), "{what}");
    let v = mr.view();
    for off in offsets(mr.mapping(), v.row_ptr(), v.col_idx(), v.values()) {
        assert_eq!(off % 64, 0, "{what}: array at byte {off}");
    }
    assert!(mr.heap_bytes() < 1024);
    assert_eq!(mr.data_bytes(), a.data_bytes());
    assert_same_products(&mr, &a, seed, &what);
    let mc = map_csc::<T, I>(&pc).unwrap();
    assert_eq!(mc.view(), c.view(), "{what}");
    let v = mc.view();
    for off in offsets(mc.mapping(), v.col_ptr(), v.row_idx(), v.values()) {
        assert_eq!(off % 64, 0, "{what}: array at byte {off}");
    }
    assert_same_products(&mc, &c, seed + 1, &what);
    assert!(load::<T, I>(&pc).unwrap().is_mapped());

    // And the dense oracle (small integers: exact).
    let x: Vec<f64> = (0..o.ncols).map(|j| (j % 7) as f64 - 3.0).collect();
    let xt: Vec<f64> = (0..o.nrows).map(|i| (i % 5) as f64 - 2.0).collect();
    let xs: Vec<T> = x.iter().map(|&v| T::from_f64(v)).collect();
    let xts: Vec<T> = xt.iter().map(|&v| T::from_f64(v)).collect();
    let want = o.apply(false, 1.0, &x, 0.0, &[]);
    let want_t = o.apply(true, 1.0, &xt, 0.0, &[]);
    assert_eq!(as_f64(mr.matvec(&xs)), want, "{what}");
    assert_eq!(as_f64(mr.matvec_t(&xts)), want_t, "{what}");
    assert_eq!(as_f64(mc.matvec(&xs)), want, "{what}");
    assert_eq!(as_f64(mc.matvec_t(&xts)), want_t, "{what}");
}

#[test]
fn npz_round_trip_maps_and_matches_in_memory_bit_for_bit() {
    let dir = TempDir::new("npz-round-trip");
    let mut seed = 0;
    for (m, n, density) in [
        (50, 40, 0.2),
        (1, 1, 1.0),
        (7, 0, 0.5),
        (0, 9, 0.5),
        (0, 0, 0.5),
        (33, 200, 0.05),
        // Long rows: the parallel scatter of mul_vec_t splits the output.
        (40, 3000, 0.5),
    ] {
        for integers in [true, false] {
            seed += 1;
            let o = Oracle::random(m, n, density, seed, true);
            round_trip::<f64, u32>(&dir, &o, seed * 10);
            round_trip::<f32, usize>(&dir, &o, seed * 10 + 2);
            if !integers {
                // Random doubles: products still bit-identical to the in-memory CSR.
                let o = Oracle::random(m, n, density, seed, false);
                let mut coo = Coo::<f64, usize>::new(m, n);
                for (i, j, v) in o.triplets() {
                    coo.push(i, j, v);
                }
                let a = coo.into_csr();
                let p = dir.path("doubles.npz");
                npz::write_csr(&p, a.view()).unwrap();
                let mm = map_csr::<f64, usize>(&p).unwrap();
                assert_same_products(&mm, &a, seed, "doubles");
                drop(mm);
            }
        }
    }
}

#[test]
fn npz_mapping_is_zero_copy() {
    let dir = TempDir::new("npz-zero-copy");
    let o = Oracle::random(300, 200, 0.1, 5, false);
    let mut coo = Coo::<f64>::new(300, 200);
    for (i, j, v) in o.triplets() {
        coo.push(i, j, v);
    }
    let a = coo.into_csr();
    let p = dir.path("a.npz");
    npz::write_csr(&p, a.view()).unwrap();
    let m = map_csr::<f64, u32>(&p).unwrap();
    let v = m.view();
    let [po, io, vo] = offsets(m.mapping(), v.row_ptr(), v.col_idx(), v.values());
    // The arrays are where the file has them, not copies: their bytes are the file's.
    let file = std::fs::read(&p).unwrap();
    assert_eq!(&file[vo..vo + 8], &a.values()[0].to_le_bytes());
    assert_eq!(&file[io..io + 4], &a.col_idx()[0].to_le_bytes());
    assert_eq!(
        &file[po + 8..po + 16],
        &(a.row_ptr()[1] as u64).to_le_bytes()
    );
    // Viewing twice gives the same slices.
    assert_eq!(m.view().values().as_ptr(), v.values().as_ptr());
    assert_eq!(m.heap_bytes(), p.as_os_str().len());
    assert_eq!(m.nnz(), a.nnz());
    assert_eq!(m.path(), p.as_path());
    assert!(format!("{m:?}").contains("MmapCsr"));
}

#[test]
fn npz_info_reports_headers() {
    let dir = TempDir::new("npz-info");
    let a = Csr::<f32>::try_new(2, 5, vec![0, 1, 3], vec![4, 0, 2], vec![1.0, 2.0, 3.0]).unwrap();
    let p = dir.path("a.npz");
    npz::write_csr(&p, a.view()).unwrap();
    let info = npz::info(&p).unwrap();
    assert_eq!(
        (info.format, info.nrows, info.ncols, info.nnz),
        (NpzFormat::Csr, 2, 5, 3)
    );
    assert_eq!(info.index_dtype, matvec::io::Dtype::I4);
    assert_eq!(info.offset_dtype, Some(matvec::io::Dtype::I8));
    assert_eq!(info.data_dtype, matvec::io::Dtype::F4);
    assert!(!info.compressed);
    let p = fixtures_dir().join("coo_f8_i8_stored_coords.npz");
    let info = npz::info(&p).unwrap();
    assert_eq!((info.format, info.nnz), (NpzFormat::Coo, 4));
    assert_eq!(
        (info.index_dtype, info.offset_dtype),
        (matvec::io::Dtype::I8, None)
    );
}

#[test]
fn npz_open_or_load_maps_or_loads_and_says_why() {
    let dir = TempDir::new("npz-open-or-load");
    let fx = fixtures_dir();
    let why = |p: &Path, f: &dyn Fn(&Path) -> matvec::Result<MappedOrLoaded<f64, u32>>| {
        f(p).unwrap().why_loaded().map(str::to_owned)
    };
    let f64u32 = |p: &Path| load::<f64, u32>(p);
    // Ours: mapped.
    let a = Csr::<f64>::identity(4);
    let p = dir.path("a.npz");
    npz::write_csr(&p, a.view()).unwrap();
    assert_eq!(why(&p, &f64u32), None);
    // Another value type: loaded and converted.
    let b = load::<f32, u32>(&p).unwrap();
    assert!(b.why_loaded().unwrap().contains("'data.npy'"));
    assert_eq!(b.matvec(&[1.0, 2.0, 3.0, 4.0]), vec![1.0, 2.0, 3.0, 4.0]);
    // u32 indices asked of an int64 file: loaded.
    let c = load::<f64, usize>(&p).unwrap();
    assert!(c.why_loaded().unwrap().contains("usize indices"), "{c:?}");
    // Compressed (scipy's default).
    let w = why(&fx.join("csr_f8_i4_compressed.npz"), &f64u32).unwrap();
    assert!(w.contains("compressed"), "{w}");
    // int32 offsets (scipy's choice for small matrices), stored.
    let w = why(&fx.join("csr_f8_i4_stored.npz"), &f64u32).unwrap();
    assert!(w.contains("'indptr.npy'"), "{w}");
    // Unsorted indices with duplicates: loaded, sorted and summed.
    let p = dir.path("unsorted.npz");
    let mut m = csr_members();
    set(&mut m, "indptr.npy", npy("<i8", &[4], &i64s(&[0, 2, 3, 5])));
    set(
        &mut m,
        "indices.npy",
        npy("<i4", &[5], &i32s(&[2, 0, 3, 1, 1])),
    );
    std::fs::write(&p, zip_bytes(&m, false)).unwrap();
    let u = load::<f64, u32>(&p).unwrap();
    let w = u.why_loaded().unwrap();
    assert!(w.contains("not sorted"), "{w}");
    assert_eq!(u.nnz(), 4);
    let MappedOrLoaded::Csr { matrix, .. } = &u else {
        panic!("expected a loaded CSR")
    };
    assert_eq!(matrix.row(2), (&[1u32][..], &[9.0][..]));
    assert_eq!(matrix.row(0), (&[0u32, 2][..], &[2.0, 1.0][..]));
    // COO: loaded as CSR.
    let co = load::<f64, u32>(&fx.join("coo_f8_i8_stored_coords.npz")).unwrap();
    assert!(matches!(co, MappedOrLoaded::Csr { .. }));
    assert!(co.why_loaded().unwrap().contains("COO"));
    // CSC, ours: mapped as CSC.
    let p = dir.path("c.npz");
    npz::write_csc(&p, a.to_csc().view()).unwrap();
    assert!(matches!(
        load::<f64, u32>(&p).unwrap(),
        MappedOrLoaded::MappedCsc(_)
    ));
    // A stored scipy file with int64 offsets, indices and f8 values is mapped if its arrays
    // happen to be aligned, loaded otherwise; either way the products are right.
    let s = fx.join("csr_f8_i8_stored.npz");
    let op = load::<f64, usize>(&s).unwrap();
    if let Some(w) = op.why_loaded() {
        assert!(w.contains("not a multiple of 8"), "{w}");
    }
}

#[test]
fn npz_open_rejects_what_it_cannot_map_and_says_why() {
    let dir = TempDir::new("npz-open-rejects");
    let fx = fixtures_dir();
    let msg = |r: matvec::Result<MmapCsr<f64, u32>>| match r {
        Err(e @ Error::Format { .. }) => e.to_string(),
        other => panic!("expected a format error, got {other:?}"),
    };
    let m = msg(map_csr(&fx.join("csr_f8_i4_compressed.npz")));
    assert!(
        m.contains("compressed") && m.contains("open_or_load"),
        "{m}"
    );
    assert!(m.contains("csr_f8_i4_compressed.npz"), "{m}");
    let m = msg(map_csr(&fx.join("csc_f8_i8_stored.npz")));
    assert!(
        m.contains("holds a CSC matrix") && m.contains("MmapCsc::open"),
        "{m}"
    );
    let m = msg(map_csr(&fx.join("coo_f8_i8_stored_coords.npz")));
    assert!(m.contains("holds a COO matrix"), "{m}");
    let p = dir.path("a.npz");
    npz::write_csr(&p, Csr::<f32>::identity(3).view()).unwrap();
    let m = msg(map_csr(&p));
    assert!(
        m.contains("MmapCsr<f64, u32>") && m.contains("'data.npy'"),
        "{m}"
    );
    assert!(map_csr::<f32, u32>(&p).is_ok());
    assert!(map_csc::<f32, u32>(&p).is_err());
}

/// One canonicaliser: a non-canonical CSR file (unsorted rows, a (row, column) repeated
/// five times with values whose sum depends on the order) reads as the bits `Coo::into_csr`,
/// `Coo::to_csr` and `Coo::into_csc` give for the same entries pushed in other orders.
#[test]
fn npz_noncanonical_file_matches_coo_conversions_bit_for_bit() {
    let dir = TempDir::new("npz-canonical");
    // Row 0: column 2 five times, column 0 once; row 1 empty; row 2: columns 3, 1, 3.
    let entries: [(usize, u32, f64); 9] = [
        (0, 2, 1e16),
        (0, 0, 0.5),
        (0, 2, 1.0),
        (0, 2, -1e16),
        (0, 2, 1.0),
        (0, 2, 3.0),
        (2, 3, 0.1),
        (2, 1, 0.7),
        (2, 3, 0.2),
    ];
    let mut m = csr_members();
    set(&mut m, "indptr.npy", npy("<i8", &[4], &i64s(&[0, 6, 6, 9])));
    let cols: Vec<i32> = entries.iter().map(|e| e.1 as i32).collect();
    let vals: Vec<f64> = entries.iter().map(|e| e.2).collect();
    set(&mut m, "indices.npy", npy("<i4", &[9], &i32s(&cols)));
    set(&mut m, "data.npy", npy("<f8", &[9], &f64s(&vals)));
    let p = dir.path("noncanonical.npz");
    std::fs::write(&p, zip_bytes(&m, false)).unwrap();
    let from_file = npz::read_csr::<f64, u32>(&p).unwrap();
    assert_eq!(from_file.nnz(), 4);
    let bits = |a: &Csr<f64>| a.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    for order in [
        [0, 1, 2, 3, 4, 5, 6, 7, 8],
        [8, 5, 3, 1, 7, 0, 2, 6, 4],
        [4, 3, 2, 1, 0, 8, 7, 6, 5],
    ] {
        let mut coo = Coo::<f64>::new(3, 4);
        for k in order {
            let (r, c, v) = entries[k];
            coo.push(r, c as usize, v);
        }
        for (how, a) in [
            ("to_csr", coo.to_csr()),
            ("into_csc", coo.clone().into_csc().to_csr()),
            ("into_csr", coo.into_csr()),
        ] {
            assert_eq!(a.row_ptr(), from_file.row_ptr(), "{how} {order:?}");
            assert_eq!(a.col_idx(), from_file.col_idx(), "{how} {order:?}");
            assert_eq!(bits(&a), bits(&from_file), "{how} {order:?}");
        }
    }
    // Ascending values: ((((-1e16 + 1) + 1) + 3) + 1e16) = 4 in f64 (exactly 6 in real
    // numbers; file order, scipy's, gives 4 too here, but other orders give 3, 5 or 6).
    assert_eq!(from_file.row(0), (&[0u32, 2][..], &[0.5, 4.0][..]));
}

#[test]
fn npz_unsorted_duplicates_are_canonicalised() {
    let fx = fixtures_dir();
    for name in ["csr_f8_i4_stored_unsorted", "csc_f8_i4_stored_unsorted"] {
        let p = fx.join(format!("{name}.npz"));
        let expected = read_vector(p.with_extension("npy")).unwrap().into_f64();
        match npz::read::<f64, u32>(&p).unwrap() {
            NpzMatrix::Csr(a) => {
                assert_eq!(a.nnz(), 7); // 9 stored, two duplicates summed
                assert_eq!(a.to_dense(Layout::RowMajor).into_vec(), expected);
            }
            NpzMatrix::Csc(a) => {
                assert_eq!(a.nnz(), 7);
                assert_eq!(a.to_dense(Layout::RowMajor).into_vec(), expected);
            }
            NpzMatrix::Coo(_) => panic!("{name}: expected a compressed format"),
        }
    }
}

#[test]
fn npz_values_of_every_dtype_convert() {
    let dir = TempDir::new("npz-dtypes");
    for (descr, bytes, want) in [
        ("|b1", vec![1u8, 0, 7], [1.0, 0.0, 1.0]),
        ("|i1", vec![0xff, 2, 0x80], [-1.0, 2.0, -128.0]),
        ("|u1", vec![0xff, 2, 0x80], [255.0, 2.0, 128.0]),
        (
            "<i2",
            [-2i16, 3, 300]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
            [-2.0, 3.0, 300.0],
        ),
        (
            ">i4",
            [-2i32, 3, 1 << 30]
                .iter()
                .flat_map(|v| v.to_be_bytes())
                .collect(),
            [-2.0, 3.0, 1073741824.0],
        ),
        (
            "<u8",
            [u64::MAX, 3, 0]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
            [1.8446744073709552e19, 3.0, 0.0],
        ),
        (
            ">f8",
            [0.1f64, -2.5, 1e300]
                .iter()
                .flat_map(|v| v.to_be_bytes())
                .collect(),
            [0.1, -2.5, 1e300],
        ),
        (
            "<f4",
            [0.1f32, -2.5, 3.0]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
            [0.1f32 as f64, -2.5, 3.0],
        ),
    ] {
        let mut m = csr_members();
        set(&mut m, "indptr.npy", npy("<i8", &[4], &i64s(&[0, 1, 2, 3])));
        set(
            &mut m,
            "indices.npy",
            npy(
                ">i8",
                &[3],
                &[1i64, 2, 3]
                    .iter()
                    .flat_map(|v| v.to_be_bytes())
                    .collect::<Vec<_>>(),
            ),
        );
        set(&mut m, "data.npy", npy(descr, &[3], &bytes));
        let p = write_npz(&dir, "v.npz", &m, true);
        let a = npz::read_csr::<f64, u32>(&p).unwrap_or_else(|e| panic!("{descr}: {e}"));
        assert_eq!(a.values(), &want, "{descr}");
        assert_eq!(a.col_idx(), &[1, 2, 3], "{descr}");
    }
    // int64 values rounded once to f32 (2^24 + 1 is not an f32: ties to even, 2^24).
    let mut m = csr_members();
    set(
        &mut m,
        "data.npy",
        npy(
            "<i8",
            &[5],
            &i64s(&[(1 << 24) + 1, 3, (1 << 24) + 3, 0, -1]),
        ),
    );
    let p = write_npz(&dir, "i8.npz", &m, false);
    let a = npz::read_csr::<f32, u32>(&p).unwrap();
    assert_eq!(a.values(), &[16777216.0, 3.0, 16777220.0, 0.0, -1.0]);
}

#[test]
fn npz_format_strings_bytes_and_unicode() {
    let dir = TempDir::new("npz-format-strings");
    for (descr, bytes) in [
        ("|S3", b"csr".to_vec()),
        ("|S5", b"csr\0\0".to_vec()),
        (
            "<U3",
            "csr"
                .chars()
                .flat_map(|c| (c as u32).to_le_bytes())
                .collect(),
        ),
        (
            ">U3",
            "csr"
                .chars()
                .flat_map(|c| (c as u32).to_be_bytes())
                .collect(),
        ),
    ] {
        let mut m = csr_members();
        set(&mut m, "format.npy", npy(descr, &[], &bytes));
        let p = write_npz(&dir, "f.npz", &m, false);
        let a = npz::read_csr::<f64, u32>(&p).unwrap_or_else(|e| panic!("{descr}: {e}"));
        assert_eq!(a.to_dense(Layout::RowMajor).into_vec(), CSR_DENSE);
    }
    // `_is_array.npy` (what scipy writes for sparray) is ignored.
    let mut m = csr_members();
    set(&mut m, "_is_array.npy", npy("|b1", &[], &[1]));
    let p = write_npz(&dir, "arr.npz", &m, true);
    assert!(npz::read_csr::<f64, u32>(&p).is_ok());
}

#[test]
fn npz_large_dimensions_need_usize_indices() {
    let dir = TempDir::new("npz-large-dims");
    // A 2^32 x 2 CSC matrix with one entry: its row indices do not fit u32.
    let big = 1i64 << 32;
    let m: Members = vec![
        ("indices.npy", npy("<i8", &[1], &i64s(&[big - 1]))),
        ("indptr.npy", npy("<i8", &[3], &i64s(&[0, 0, 1]))),
        ("format.npy", npy("|S3", &[], b"csc")),
        ("shape.npy", npy("<i8", &[2], &i64s(&[big, 2]))),
        ("data.npy", npy("<f8", &[1], &f64s(&[2.5]))),
    ];
    let p = write_npz(&dir, "big.npz", &m, false);
    let e = npz::read_csc::<f64, u32>(&p).unwrap_err().to_string();
    assert!(
        e.contains("does not fit u32") && e.contains("I = usize"),
        "{e}"
    );
    assert!(map_csc::<f64, u32>(&p).is_err());
    let a = npz::read_csc::<f64, usize>(&p).unwrap();
    assert_eq!(
        (a.nrows(), a.row_idx()),
        (1 << 32, &[(1usize << 32) - 1][..])
    );
    if cfg!(target_pointer_width = "64") {
        let mm = map_csc::<f64, usize>(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mm.view(), a.view());
    }
}

// ---------------------------------------------------------------------------------------------
// Bad files

/// Every reader on `path` fails with an `Error::Format` that names the file and contains
/// every fragment (`MmapCsr::open` may instead say that the file is not a CSR matrix or cannot
/// be mapped, which it finds out before reading the data).
fn expect_error(path: &Path, fragments: &[&str]) {
    let file = path.display().to_string();
    let check = |e: Error, what: &str| {
        let msg = e.to_string();
        assert!(matches!(e, Error::Format { .. }), "{file}: {what}: {e:?}");
        let rest = msg
            .strip_prefix(&format!("{file}: "))
            .unwrap_or_else(|| panic!("{what}: the message does not start with the file: {msg}"));
        for f in fragments {
            assert!(rest.contains(f), "{file}: {what}: expected {f:?} in: {msg}");
        }
    };
    check(npz::read::<f64, u32>(path).expect_err(&file), "read");
    check(
        npz::read_csr::<f32, usize>(path).expect_err(&file),
        "read_csr",
    );
    check(
        npz::read_coo::<f64, u32>(path).expect_err(&file),
        "read_coo",
    );
    check(load::<f64, u32>(path).expect_err(&file), "open_or_load");
    check(
        load::<f32, usize>(path).expect_err(&file),
        "open_or_load f32",
    );
    let e = map_csr::<f64, u32>(path).expect_err(&file);
    let m = e.to_string();
    if !m.contains("matrix, not CSR") && !m.contains("cannot be memory-mapped") {
        check(e, "MmapCsr::open");
    }
}

/// `members` with one change, as a stored and as a compressed file: both must fail.
fn expect_bad(dir: &TempDir, name: &str, members: &Members, fragments: &[&str]) {
    for compressed in [false, true] {
        let p = write_npz(
            dir,
            &format!("{name}-{compressed}.npz"),
            members,
            compressed,
        );
        expect_error(&p, fragments);
    }
}

#[test]
fn npz_valid_baseline_is_read() {
    // The base of the bad-file tests is itself valid, stored and compressed, and maps once
    // its offsets are int64.
    let dir = TempDir::new("npz-baseline");
    for compressed in [false, true] {
        let p = write_npz(&dir, "ok.npz", &csr_members(), compressed);
        let a = npz::read_csr::<f64, u32>(&p).unwrap();
        assert_eq!(a.to_dense(Layout::RowMajor).into_vec(), CSR_DENSE);
        assert_eq!(
            load::<f64, u32>(&p).unwrap().matvec(&[1.0; 4]),
            vec![3.0, 3.0, 9.0]
        );
    }
}

#[test]
fn npz_error_not_a_zip() {
    let dir = TempDir::new("npz-not-zip");
    for (name, bytes) in [
        (
            "text.npz",
            b"hello, this is not a zip archive at all".to_vec(),
        ),
        ("empty.npz", Vec::new()),
        ("array.npz", npy("<f8", &[1], &f64s(&[1.0]))),
    ] {
        let p = dir.path(name);
        std::fs::write(&p, bytes).unwrap();
        expect_error(&p, &["not a valid .npz file"]);
    }
    // A zip archive truncated before its directory.
    let bytes = zip_bytes(&csr_members(), false);
    let p = dir.path("cut.npz");
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    expect_error(&p, &["not a valid .npz file"]);
}

#[test]
fn npz_error_io_names_the_file() {
    let p = Path::new("/nonexistent-dir-matvec/a.npz");
    for e in [
        npz::read::<f64, u32>(p).unwrap_err(),
        npz::info(p).unwrap_err(),
        map_csr::<f64, u32>(p).unwrap_err(),
    ] {
        assert!(matches!(e, Error::Io { .. }), "{e:?}");
        assert!(e.to_string().contains("a.npz"));
    }
    let e = npz::write_csr(p, Csr::<f64>::identity(2).view()).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
}

#[test]
fn npz_error_missing_member() {
    let dir = TempDir::new("npz-missing");
    for name in [
        "indices.npy",
        "indptr.npy",
        "data.npy",
        "shape.npy",
        "format.npy",
    ] {
        let mut m = csr_members();
        remove(&mut m, name);
        expect_bad(
            &dir,
            "missing",
            &m,
            &[&format!("member '{name}' is missing"), "indptr.npy"],
        );
    }
    let mut m = csr_members();
    set(&mut m, "format.npy", npy("|S3", &[], b"coo"));
    expect_bad(&dir, "coo-missing", &m, &["member 'row.npy' is missing"]);
}

#[test]
fn npz_error_wrong_format_string() {
    let dir = TempDir::new("npz-format");
    let mut m = csr_members();
    set(&mut m, "format.npy", npy("|S3", &[], b"xyz"));
    expect_bad(
        &dir,
        "xyz",
        &m,
        &["format.npy", "unknown sparse format \"xyz\""],
    );
    set(&mut m, "format.npy", npy("|S3", &[], b"bsr"));
    expect_bad(
        &dir,
        "bsr",
        &m,
        &["format 'bsr' is not supported", "tocsr()"],
    );
    set(&mut m, "format.npy", npy("<f8", &[], &f64s(&[1.0])));
    expect_bad(&dir, "float", &m, &["'format.npy'", "must hold one string"]);
    set(&mut m, "format.npy", npy("|S3", &[2], b"csrcsr"));
    expect_bad(&dir, "two", &m, &["'format.npy'", "must hold one string"]);
}

#[test]
fn npz_error_bad_shape() {
    let dir = TempDir::new("npz-shape");
    let mut m = csr_members();
    set(&mut m, "shape.npy", npy("<i8", &[3], &i64s(&[3, 4, 5])));
    expect_bad(&dir, "three", &m, &["'shape.npy'", "only 2-D"]);
    set(&mut m, "shape.npy", npy("<i8", &[1], &i64s(&[3])));
    expect_bad(&dir, "one", &m, &["'shape.npy'", "two dimensions"]);
    set(&mut m, "shape.npy", npy("<i8", &[2], &i64s(&[-3, 4])));
    expect_bad(
        &dir,
        "negative",
        &m,
        &["'shape.npy'", "dimension -3 is negative"],
    );
    set(&mut m, "shape.npy", npy("<f8", &[2], &f64s(&[3.0, 4.0])));
    expect_bad(&dir, "float", &m, &["'shape.npy'", "as integers"]);
    // A shape that disagrees with indptr's length.
    set(&mut m, "shape.npy", npy("<i8", &[2], &i64s(&[4, 4])));
    expect_bad(
        &dir,
        "rows",
        &m,
        &["'indptr.npy'", "has 4 entries; expected 5"],
    );
}

#[test]
fn npz_error_bad_offsets() {
    let dir = TempDir::new("npz-indptr");
    let mut m = csr_members();
    set(&mut m, "indptr.npy", npy("<i4", &[3], &i32s(&[0, 2, 5])));
    expect_bad(
        &dir,
        "short",
        &m,
        &["'indptr.npy'", "expected 4 (the number of rows + 1)"],
    );
    set(&mut m, "indptr.npy", npy("<i4", &[4], &i32s(&[1, 2, 3, 5])));
    expect_bad(
        &dir,
        "start",
        &m,
        &["'indptr.npy'", "element 0", "first offset is 1"],
    );
    set(&mut m, "indptr.npy", npy("<i4", &[4], &i32s(&[0, 3, 2, 5])));
    expect_bad(
        &dir,
        "decreasing",
        &m,
        &["'indptr.npy'", "offsets decrease from 3 to 2 (row 1)"],
    );
    set(&mut m, "indptr.npy", npy("<i4", &[4], &i32s(&[0, 2, 3, 4])));
    expect_bad(
        &dir,
        "end",
        &m,
        &["'indptr.npy'", "last offset is 4; it must be 5"],
    );
    set(&mut m, "indptr.npy", npy("<i4", &[4], &i32s(&[0, 2, 9, 5])));
    expect_bad(
        &dir,
        "beyond",
        &m,
        &["'indptr.npy'", "offset 9 is out of range"],
    );
    set(
        &mut m,
        "indptr.npy",
        npy("<i8", &[4], &i64s(&[0, -1, 3, 5])),
    );
    expect_bad(
        &dir,
        "negative",
        &m,
        &["'indptr.npy'", "offset -1 is negative"],
    );
    set(
        &mut m,
        "indptr.npy",
        npy("<f8", &[4], &f64s(&[0.0, 2.0, 3.0, 5.0])),
    );
    expect_bad(&dir, "float", &m, &["'indptr.npy'", "must hold integers"]);
}

#[test]
fn npz_error_indices_out_of_range() {
    let dir = TempDir::new("npz-indices");
    let mut m = csr_members();
    set(
        &mut m,
        "indices.npy",
        npy("<i4", &[5], &i32s(&[0, 2, 4, 0, 1])),
    );
    expect_bad(
        &dir,
        "high",
        &m,
        &[
            "'indices.npy'",
            "element 2",
            "column index 4 is out of range (must be below 4)",
        ],
    );
    set(
        &mut m,
        "indices.npy",
        npy("<i4", &[5], &i32s(&[0, 2, 3, -1, 1])),
    );
    expect_bad(
        &dir,
        "negative",
        &m,
        &["'indices.npy'", "element 3", "column index -1 is negative"],
    );
    set(
        &mut m,
        "indices.npy",
        npy("<i8", &[5], &i64s(&[0, 2, 3, 0, 1 << 40])),
    );
    expect_bad(&dir, "huge", &m, &["'indices.npy'", "out of range"]);
    // COO coordinates.
    let coo: Members = vec![
        ("row.npy", npy("<i4", &[2], &i32s(&[0, 3]))),
        ("col.npy", npy("<i4", &[2], &i32s(&[1, 1]))),
        ("format.npy", npy("|S3", &[], b"coo")),
        ("shape.npy", npy("<i8", &[2], &i64s(&[3, 4]))),
        ("data.npy", npy("<f8", &[2], &f64s(&[1.0, 2.0]))),
    ];
    expect_bad(
        &dir,
        "coo-row",
        &coo,
        &["'row.npy'", "row index 3 is out of range (must be below 3)"],
    );
}

#[test]
fn npz_error_lengths_mismatch() {
    let dir = TempDir::new("npz-lengths");
    let mut m = csr_members();
    set(
        &mut m,
        "data.npy",
        npy("<f8", &[4], &f64s(&[1.0, 2.0, 3.0, 4.0])),
    );
    expect_bad(
        &dir,
        "data",
        &m,
        &["'data.npy'", "has 4 entries; expected 5"],
    );
    let mut m = csr_members();
    set(
        &mut m,
        "indices.npy",
        npy("<i4", &[4], &i32s(&[0, 2, 3, 0])),
    );
    expect_bad(
        &dir,
        "indices",
        &m,
        &["'data.npy'", "has 5 entries; expected 4"],
    );
    let mut m = csr_members();
    set(
        &mut m,
        "data.npy",
        npy("<f8", &[5, 1], &f64s(&[1.0, 2.0, 3.0, 4.0, 5.0])),
    );
    expect_bad(&dir, "2d", &m, &["'data.npy'", "must be a 1-D array"]);
    let coo: Members = vec![
        ("row.npy", npy("<i4", &[2], &i32s(&[0, 1]))),
        ("col.npy", npy("<i4", &[1], &i32s(&[1]))),
        ("format.npy", npy("|S3", &[], b"coo")),
        ("shape.npy", npy("<i8", &[2], &i64s(&[3, 4]))),
        ("data.npy", npy("<f8", &[2], &f64s(&[1.0, 2.0]))),
    ];
    expect_bad(
        &dir,
        "coo",
        &coo,
        &["'col.npy'", "has 1 entries; expected 2"],
    );
    let mut coords = coo.clone();
    remove(&mut coords, "row.npy");
    remove(&mut coords, "col.npy");
    set(
        &mut coords,
        "coords.npy",
        npy("<i8", &[3, 2], &i64s(&[0, 1, 1, 1, 2, 2])),
    );
    expect_bad(&dir, "coords", &coords, &["'coords.npy'", "shape (2, 2)"]);
}

#[test]
fn npz_error_truncated_member() {
    let dir = TempDir::new("npz-truncated");
    let mut m = csr_members();
    // The header promises 5 values, the member holds 4.
    let mut d = npy("<f8", &[5], &f64s(&[1.0, 2.0, 3.0, 4.0, 5.0]));
    d.truncate(d.len() - 8);
    set(&mut m, "data.npy", d);
    expect_bad(
        &dir,
        "data",
        &m,
        &[
            "'data.npy' is truncated",
            "needs 40 bytes of data, the member holds 32",
        ],
    );
    // Longer than the header says.
    let mut d = npy("<f8", &[5], &f64s(&[1.0, 2.0, 3.0, 4.0, 5.0]));
    d.extend_from_slice(&[0; 8]);
    set(&mut m, "data.npy", d);
    expect_bad(
        &dir,
        "long",
        &m,
        &["'data.npy' is longer than its header says"],
    );
    // A member cut inside its .npy header.
    set(&mut m, "data.npy", b"\x93NUMPY\x01\x00\x76".to_vec());
    expect_bad(&dir, "header", &m, &["member 'data.npy'"]);
    // A member that is not .npy at all.
    set(&mut m, "data.npy", b"just some bytes".to_vec());
    expect_bad(&dir, "magic", &m, &["member 'data.npy'", "magic"]);
}

#[test]
fn npz_error_unsupported_dtype() {
    let dir = TempDir::new("npz-dtype");
    let mut m = csr_members();
    set(&mut m, "data.npy", npy("<c16", &[5], &[0; 80]));
    expect_bad(
        &dir,
        "complex",
        &m,
        &["'data.npy'", "unsupported dtype '<c16' (complex numbers)"],
    );
    set(&mut m, "data.npy", npy("|O", &[5], &[0; 40]));
    expect_bad(
        &dir,
        "object",
        &m,
        &["'data.npy'", "'|O' (Python objects (pickled))"],
    );
    set(&mut m, "data.npy", npy("<f2", &[5], &[0; 10]));
    expect_bad(&dir, "half", &m, &["'data.npy'", "half-precision"]);
    set(&mut m, "data.npy", npy("|S8", &[5], &[b'a'; 40]));
    expect_bad(&dir, "bytes", &m, &["'data.npy'", "must hold numbers"]);
    // Zero-width types, with and without elements.
    let mut e = csr_members();
    set(&mut e, "indptr.npy", npy("<i8", &[4], &i64s(&[0, 0, 0, 0])));
    set(&mut e, "indices.npy", npy("<i4", &[0], &[]));
    set(&mut e, "data.npy", npy("|S0", &[0], &[]));
    expect_bad(&dir, "s0", &e, &["'data.npy'", "must hold numbers"]);
    set(&mut e, "indices.npy", npy("<U0", &[0], &[]));
    expect_bad(&dir, "u0", &e, &["'indices.npy'", "must hold integers"]);
    set(&mut m, "data.npy", npy("|S0", &[5], &[]));
    expect_bad(&dir, "s0-5", &m, &["'data.npy'", "must hold numbers"]);
    // A structured dtype.
    let dict = "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (5,), }";
    set(&mut m, "data.npy", npy_dict(dict, &f64s(&[1.0; 5])));
    expect_bad(
        &dir,
        "record",
        &m,
        &["'data.npy'", "a structured (record) dtype"],
    );
}

#[test]
fn npz_error_corrupt_members_fail_their_crc() {
    let dir = TempDir::new("npz-crc");
    // Flip one bit of a value inside a stored member: the CRC-32 no longer matches.
    let mut m = csr_members();
    let npy_data = npy("<i8", &[4], &i64s(&[0, 2, 3, 5]));
    set(&mut m, "indptr.npy", npy_data);
    let good = zip_bytes(&m, false);
    let mut bytes = good.clone();
    let needle = f64s(&[4.0]);
    let at = bytes
        .windows(8)
        .position(|w| w == needle.as_slice())
        .unwrap();
    bytes[at] ^= 1;
    let p = dir.path("flip.npz");
    std::fs::write(&p, &bytes).unwrap();
    let e = npz::read_csr::<f64, u32>(&p).unwrap_err().to_string();
    assert!(e.contains("'data.npy'") && e.contains("corrupt"), "{e}");
    // Mapping checks the structure, not the CRC (that would read the whole file): the
    // flipped value is read as it is.
    let mm = map_csr::<f64, u32>(&p).unwrap();
    assert_eq!(mm.view().values()[3], f64::from_bits(4.0f64.to_bits() ^ 1));
}

#[test]
fn npz_lying_sizes_allocate_nothing_up_front() {
    // A deflated member whose zip directory and .npy header both claim 2^37 int64 offsets
    // (1 TiB), backed by a few compressed bytes. Reserving what they claim would abort the
    // process; the reader reserves what the compressed bytes can hold and fails when the data
    // runs out.
    let dir = TempDir::new("npz-lying");
    let n: usize = 1 << 37;
    let header = npy("<i8", &[n], &[]);
    let claimed = header.len() as u64 + 8 * n as u64;
    let mut payload = header.clone();
    payload.extend_from_slice(&i64s(&[0, 1, 2]));
    let members: Members = vec![
        ("format.npy", npy("|S3", &[], b"csr")),
        ("shape.npy", npy("<i8", &[2], &i64s(&[n as i64 - 1, 2]))),
        ("indices.npy", npy("<i4", &[1], &i32s(&[0]))),
        ("data.npy", npy("<f8", &[1], &f64s(&[1.0]))),
    ];
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in &members {
        z.start_file(*name, SimpleFileOptions::default()).unwrap();
        z.write_all(bytes).unwrap();
    }
    let big = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true);
    z.start_file("indptr.npy", big).unwrap();
    z.write_all(&payload).unwrap();
    let mut bytes = z.finish().unwrap().into_inner();
    let patched = patch_zip64_size(&mut bytes, b"indptr.npy", claimed);
    assert!(patched >= 1, "no zip64 size field found to patch");
    let p = dir.path("lying.npz");
    std::fs::write(&p, &bytes).unwrap();
    let info = npz::info(&p).unwrap();
    assert_eq!(info.nrows, n - 1);
    let e = npz::read_csr::<f64, usize>(&p).unwrap_err().to_string();
    assert!(e.contains("'indptr.npy'"), "{e}");
    assert!(load::<f64, usize>(&p).is_err());
}

/// Sets the uncompressed size of member `name` in its zip64 extra fields (central directory
/// and local header) to `size`; returns how many fields were patched.
fn patch_zip64_size(bytes: &mut [u8], name: &[u8], size: u64) -> usize {
    let u16_at = |b: &[u8], k: usize| u16::from_le_bytes([b[k], b[k + 1]]) as usize;
    let mut patched = 0;
    let mut k = 0;
    while k + 46 <= bytes.len() {
        let sig = &bytes[k..k + 4];
        let (fixed, name_len_at, extra_len_at, size32_at) = if sig == b"PK\x01\x02" {
            (46, 28, 30, 24)
        } else if sig == b"PK\x03\x04" {
            (30, 26, 28, 22)
        } else {
            k += 1;
            continue;
        };
        let name_len = u16_at(bytes, k + name_len_at);
        let extra_len = u16_at(bytes, k + extra_len_at);
        let name_at = k + fixed;
        if bytes.get(name_at..name_at + name_len) == Some(name) {
            // The 32-bit sizes are 0xFFFFFFFF when the zip64 field holds them.
            bytes[k + size32_at..k + size32_at + 4].copy_from_slice(&[0xff; 4]);
            let mut e = name_at + name_len;
            let end = e + extra_len;
            while e + 4 <= end {
                let (id, len) = (u16_at(bytes, e), u16_at(bytes, e + 2));
                if id == 1 && len >= 8 {
                    bytes[e + 4..e + 12].copy_from_slice(&size.to_le_bytes());
                    patched += 1;
                }
                e += 4 + len;
            }
        }
        k += 4;
    }
    patched
}

// ---------------------------------------------------------------------------------------------
// Robustness

/// Every reader on the file `path`, catching panics; runs a product on whatever opens.
fn read_every_way(path: &Path) -> Result<(), String> {
    let run = |what: &str, f: &dyn Fn()| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| {
            let bytes = std::fs::read(path).unwrap_or_default();
            format!(
                "{what} panicked on a file of {} bytes: {:?}",
                bytes.len(),
                bytes
            )
        })
    };
    run("info", &|| {
        let _ = npz::info(path);
    })?;
    run("read", &|| {
        if let Ok(a) = npz::read::<f64, u32>(path) {
            let x = vec![1.0; a.ncols()];
            let _ = a.matvec(&x);
        }
    })?;
    run("read_coo", &|| {
        let _ = npz::read_coo::<f32, usize>(path);
    })?;
    run("open_or_load", &|| {
        if let Ok(a) = load::<f64, u32>(path) {
            let x = vec![1.0; a.ncols()];
            let xt = vec![1.0; a.nrows()];
            let _ = (a.matvec(&x), a.matvec_t(&xt));
        }
    })?;
    run("MmapCsr::open", &|| {
        if let Ok(a) = map_csr::<f64, usize>(path) {
            let x = vec![1.0; a.ncols()];
            let _ = a.matvec(&x);
        }
    })
}

#[test]
fn npz_mutated_files_give_ok_or_err_never_a_panic() {
    let dir = TempDir::new("npz-mutated");
    let fx = fixtures_dir();
    let mut seeds: Vec<Vec<u8>> = [
        "csr_f8_i4_compressed.npz",
        "csr_f8_i8_stored.npz",
        "csc_f4_i4_stored.npz",
        "coo_f8_i4_compressed_duplicates.npz",
        "coo_f8_i8_stored_coords.npz",
        "csr_f8_i4_stored_unsorted.npz",
    ]
    .iter()
    .map(|n| std::fs::read(fx.join(n)).unwrap())
    .collect();
    let ours = dir.path("ours.npz");
    let o = Oracle::random(9, 7, 0.4, 3, true);
    let mut coo = Coo::<f64, usize>::new(9, 7);
    for (i, j, v) in o.triplets() {
        coo.push(i, j, v);
    }
    npz::write_csr(&ours, coo.to_csr().view()).unwrap();
    seeds.push(std::fs::read(&ours).unwrap());
    let mut m = csr_members();
    set(&mut m, "indptr.npy", npy("<i8", &[4], &i64s(&[0, 2, 3, 5])));
    seeds.push(zip_bytes(&m, false));

    let path = dir.path("m.npz");
    let mut rng = Rng(0x2b7e_1516);
    let mut runs = 0;
    for seed in &seeds {
        for _ in 0..250 {
            let mut b = seed.clone();
            for _ in 0..1 + rng.below(3) {
                if b.is_empty() {
                    break;
                }
                let k = rng.below(b.len());
                match rng.below(5) {
                    0 => b[k] = rng.next_u64() as u8,
                    1 => b[k] ^= 1 << rng.below(8),
                    2 => b.truncate(k),
                    3 => {
                        b.remove(k);
                    }
                    _ => {
                        // Small integers where headers and sizes live.
                        b[k] = [0, 1, 2, 0x7f, 0x80, 0xff][rng.below(6)];
                    }
                }
            }
            std::fs::write(&path, &b).unwrap();
            if let Err(msg) = read_every_way(&path) {
                panic!("{msg}");
            }
            runs += 1;
        }
    }
    // Every prefix of one stored file.
    let seed = &seeds[seeds.len() - 1];
    for k in (0..=seed.len()).step_by(3) {
        std::fs::write(&path, &seed[..k]).unwrap();
        read_every_way(&path).unwrap();
    }
    assert!(runs >= 2000);
}

#[test]
fn npz_writer_leaves_no_temporary_files() {
    let dir = TempDir::new("npz-writer");
    let a = Csr::<f64>::identity(5);
    let p = dir.path("a.npz");
    npz::write_csr(&p, a.view()).unwrap();
    npz::write_csr(&p, a.view()).unwrap(); // over an existing file
    let names: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["a.npz"]);
    // Deterministic: the same matrix gives the same bytes.
    let first = std::fs::read(&p).unwrap();
    npz::write_csr(&p, a.view()).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), first);
    let c: Csc<f64> = npz::read_csc(&p).unwrap();
    assert_eq!(c.nnz(), 5);
}

// ---------------------------------------------------------------------------------------------
// Streamed (`StreamCsr`, `StreamCsc`): positioned reads under a budget, checked blocks.

use matvec::stream::{StreamCsc, StreamCsr};

/// Every product of `m`, single and block, for `T` and `f64` vectors, equals `mem`'s, bit for
/// bit.
fn assert_stream_same<T: Scalar + matvec::Widen<f64>, M, N>(m: &M, mem: &N, seed: u64, what: &str)
where
    M: MatVec<T> + MatVec<f64>,
    N: MatVec<T> + MatVec<f64>,
{
    assert_same_products::<T>(m, mem, seed, what);
    assert_same_products::<f64>(m, mem, seed + 1, &format!("{what}, f64 vectors"));
    let mut rng = Rng(seed + 2);
    let (r, c) = (MatVec::<f64>::nrows(m), MatVec::<f64>::ncols(m));
    for transposed in [false, true] {
        let (nx, ny) = if transposed { (r, c) } else { (c, r) };
        for (k, beta) in [(3, 0.0), (2, -0.5)] {
            let x: Vec<f64> = (0..nx * k).map(|_| rng.unit() - 0.5).collect();
            let y0: Vec<f64> = (0..ny * k).map(|_| rng.unit()).collect();
            let (mut got, mut want) = (y0.clone(), y0.clone());
            let par = matvec::Par::Rayon;
            if transposed {
                m.mul_mat_t(0.5, &x, beta, &mut got, par);
                mem.mul_mat_t(0.5, &x, beta, &mut want, matvec::Par::Seq);
            } else {
                m.mul_mat(0.5, &x, beta, &mut got, par);
                mem.mul_mat(0.5, &x, beta, &mut want, matvec::Par::Seq);
            }
            assert_eq!(
                bits(&got),
                bits(&want),
                "{what}: mul_mat k={k} transposed={transposed}"
            );
        }
    }
}

#[test]
fn npz_stream_matches_in_memory_bit_for_bit_for_every_budget() {
    let dir = TempDir::new("npz-stream");
    let mut seed = 100;
    for (m, n, density) in [
        (50, 40, 0.2),
        (1, 1, 1.0),
        (7, 0, 0.5),
        (0, 9, 0.5),
        (0, 0, 0.5),
        (300, 200, 0.05),
        (40, 3000, 0.5),
    ] {
        seed += 1;
        let o = Oracle::random(m, n, density, seed, false);
        let mut coo = Coo::<f64, u32>::new(m, n);
        for (i, j, v) in o.triplets() {
            coo.push(i, j, v);
        }
        let a = coo.to_csr();
        let c = a.to_csc();
        let a32 = a.to_f32().0;
        let (pr, pc, p32) = (dir.path("r.npz"), dir.path("c.npz"), dir.path("r32.npz"));
        npz::write_csr(&pr, a.view()).unwrap();
        npz::write_csc(&pc, c.view()).unwrap();
        npz::write_csr(&p32, a32.view()).unwrap();
        // Budgets: below one row (a block a row), a few rows, everything.
        for budget in [1, 4096, 1 << 30] {
            let what = format!("{m}x{n} budget {budget}");
            let s = StreamCsr::<f64>::open(&pr)
                .unwrap()
                .with_budget(budget)
                .unwrap();
            assert_eq!((s.nrows(), s.ncols(), s.nnz()), (m, n, a.nnz()));
            assert_stream_same::<f64, _, _>(&s, &a, seed, &format!("csr {what}"));
            let s = StreamCsc::<f64, usize>::open(&pc)
                .unwrap()
                .with_budget(budget)
                .unwrap();
            assert_stream_same::<f64, _, _>(&s, &c, seed + 10, &format!("csc {what}"));
            let s = StreamCsr::<f32>::open(&p32)
                .unwrap()
                .with_budget(budget)
                .unwrap();
            assert_stream_same::<f32, _, _>(&s, &a32, seed + 20, &format!("csr f32 {what}"));
        }
        // Blocks balance by entries and stay within the budget (one row can exceed it).
        let s = StreamCsr::<f64>::open(&pr)
            .unwrap()
            .with_budget(4096)
            .unwrap();
        assert!(
            s.blocks() >= (a.nnz() * 16 / 4096 / 2).min(m),
            "{} blocks",
            s.blocks()
        );
        let kept = s.heap_bytes();
        let _ = s.matvec(&vec![1.0; n]);
        assert!(s.heap_bytes() >= kept);
    }
}

#[test]
fn npz_stream_reads_scipy_files_or_says_why_not() {
    let mut streamed = 0;
    for path in npz_files(&fixtures_dir()) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let info = npz::info(&path).unwrap();
        if info.format == NpzFormat::Coo || !info.data_dtype.is_float() {
            continue;
        }
        let mem: Csr<f64, usize> = npz::read_csr(&path).unwrap();
        let open = |p: &Path| -> matvec::Result<Box<dyn MatVec<f64>>> {
            let f32 = info.data_dtype == matvec::io::Dtype::F4;
            Ok(match (info.format, f32) {
                (NpzFormat::Csr, false) => {
                    Box::new(StreamCsr::<f64, usize>::open(p)?.with_budget(512)?)
                }
                (NpzFormat::Csr, true) => {
                    Box::new(StreamCsr::<f32, usize>::open(p)?.with_budget(512)?)
                }
                (_, false) => Box::new(StreamCsc::<f64, usize>::open(p)?.with_budget(512)?),
                (_, true) => Box::new(StreamCsc::<f32, usize>::open(p)?.with_budget(512)?),
            })
        };
        match open(&path) {
            Ok(s) => {
                assert!(!info.compressed, "{name}");
                let (m, n) = (info.nrows, info.ncols);
                let x: Vec<f64> = (0..n).map(|j| (j % 7) as f64 - 3.0).collect();
                let xt: Vec<f64> = (0..m).map(|i| (i % 5) as f64 - 2.0).collect();
                // Values of f32 files are exact in f64: the same products as the f64 matrix.
                assert_eq!(bits(&s.matvec(&x)), bits(&mem.matvec(&x)), "{name}");
                let (got, want) = (s.matvec_t(&xt), mem.matvec_t(&xt));
                assert_close(&got, &want, 1e-13, &name);
                streamed += 1;
            }
            Err(e) => {
                let msg = e.to_string();
                if info.compressed {
                    assert!(
                        msg.contains("compressed") && msg.contains("convert"),
                        "{name}: {msg}"
                    );
                } else {
                    panic!("{name}: {msg}");
                }
            }
        }
    }
    assert!(streamed >= 8, "only {streamed} fixtures streamed");
}

#[test]
fn npz_stream_changed_files_give_errors_naming_the_member() {
    use std::os::unix::fs::FileExt;
    let dir = TempDir::new("npz-stream-hostile");
    let o = Oracle::random(200, 100, 0.1, 5, false);
    let mut coo = Coo::<f64, u32>::new(200, 100);
    for (i, j, v) in o.triplets() {
        coo.push(i, j, v);
    }
    let a = coo.into_csr();
    let path = dir.path("a.npz");
    npz::write_csr(&path, a.view()).unwrap();
    let original = std::fs::read(&path).unwrap();
    let s = StreamCsr::<f64>::open(&path)
        .unwrap()
        .with_budget(2048)
        .unwrap();
    let mut y = vec![0.0; 200];
    let mut yt = vec![0.0; 100];
    s.try_mul_vec(1.0, &[1.0; 100], 0.0, &mut y, matvec::Par::Rayon)
        .unwrap();
    // Where the arrays are (our files: 64-byte aligned, found by their contents).
    let find = |needle: &[u8]| {
        original
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap()
    };
    let idx_bytes: Vec<u8> = a.col_idx().iter().flat_map(|v| v.to_le_bytes()).collect();
    let idx_at = find(&idx_bytes[..64]);
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();

    // An index overwritten with one out of range, in place.
    f.write_all_at(&1000u32.to_le_bytes(), (idx_at + 4 * 7) as u64)
        .unwrap();
    for e in [
        s.try_mul_vec(1.0, &[1.0; 100], 0.0, &mut y, matvec::Par::Rayon)
            .unwrap_err(),
        s.try_mul_vec_t(1.0, &[1.0; 200], 0.0, &mut yt, matvec::Par::Seq)
            .unwrap_err(),
    ] {
        let Error::Format {
            offset, message, ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(*offset, Some((idx_at + 28) as u64), "{message}");
        assert!(
            message.contains("'indices.npy', element 7") && message.contains("1000"),
            "{message}"
        );
        assert!(e.to_string().contains("a.npz"), "{e}");
    }
    // A negative index (the file's indices are int32).
    f.write_all_at(&original, 0).unwrap();
    assert_eq!(npz::info(&path).unwrap().index_dtype, matvec::io::Dtype::I4);
    f.write_all_at(&(-3i32).to_le_bytes(), (idx_at + 4 * 9) as u64)
        .unwrap();
    let e = s
        .try_mul_vec(1.0, &[1.0; 100], 0.0, &mut y, matvec::Par::Seq)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("element 9: index -3 is outside 0..100"),
        "{e}"
    );
    // Out of order within a row: sorted in the buffer, the same product.
    f.write_all_at(&original, 0).unwrap();
    let row0 = a.row_ptr()[1] - a.row_ptr()[0];
    assert!(row0 >= 2);
    f.write_all_at(&a.col_idx()[1].to_le_bytes(), idx_at as u64)
        .unwrap();
    f.write_all_at(&a.col_idx()[0].to_le_bytes(), idx_at as u64 + 4)
        .unwrap();
    s.try_mul_vec(1.0, &[1.0; 100], 0.0, &mut y, matvec::Par::Seq)
        .unwrap();
    let swapped = {
        let mut c = Coo::<f64, u32>::new(200, 100);
        for i in 0..200 {
            for k in a.row_ptr()[i]..a.row_ptr()[i + 1] {
                let v = if k == 0 {
                    a.values()[1]
                } else if k == 1 {
                    a.values()[0]
                } else {
                    a.values()[k]
                };
                c.push(i, a.col_idx()[k] as usize, v);
            }
        }
        c.into_csr()
    };
    assert_eq!(bits(&y), bits(&swapped.matvec(&[1.0; 100])));
    // Offsets changed: an error, not a read past the arrays.
    f.write_all_at(&original, 0).unwrap();
    let ptr_bytes: Vec<u8> = a
        .row_ptr()
        .iter()
        .flat_map(|v| (*v as u64).to_le_bytes())
        .collect();
    let ptr_at = find(&ptr_bytes[8..72]) - 8;
    f.write_all_at(&u64::MAX.to_le_bytes(), (ptr_at + 8 * 50) as u64)
        .unwrap();
    let e = s
        .try_mul_vec(1.0, &[1.0; 100], 0.0, &mut y, matvec::Par::Rayon)
        .unwrap_err();
    assert!(e.to_string().contains("'indptr.npy', element 50"), "{e}");
    // Truncated: an error naming the file, and the trait method panics with it.
    f.write_all_at(&original, 0).unwrap();
    s.try_mul_vec(1.0, &[1.0; 100], 0.0, &mut y, matvec::Par::Rayon)
        .unwrap();
    f.set_len(idx_at as u64 + 100).unwrap();
    let e = s
        .try_mul_vec(1.0, &[1.0; 100], 0.0, &mut y, matvec::Par::Rayon)
        .unwrap_err();
    assert!(e.to_string().contains("truncated"), "{e}");
    let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.matvec(&[1.0; 100])))
        .unwrap_err();
    let msg = p.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("StreamCsr::mul_vec") && msg.contains("a.npz"),
        "{msg}"
    );
    // Restored in place: right again.
    f.set_len(original.len() as u64).unwrap();
    f.write_all_at(&original, 0).unwrap();
    assert_eq!(bits(&s.matvec(&[1.0; 100])), bits(&a.matvec(&[1.0; 100])));
}

#[test]
fn npz_stream_concurrent_products_are_correct() {
    let dir = TempDir::new("npz-stream-threads");
    let o = Oracle::random(3000, 500, 0.02, 9, false);
    let mut coo = Coo::<f64, u32>::new(3000, 500);
    for (i, j, v) in o.triplets() {
        coo.push(i, j, v);
    }
    let a = coo.into_csr();
    let path = dir.path("a.npz");
    npz::write_csr(&path, a.view()).unwrap();
    let s = StreamCsr::<f64>::open(&path)
        .unwrap()
        .with_budget(16 << 10)
        .unwrap();
    let x: Vec<f64> = (0..500).map(|j| j as f64 * 0.01).collect();
    let xt: Vec<f64> = (0..3000).map(|j| j as f64 * 0.02).collect();
    let (want, want_t) = (a.matvec(&x), a.matvec_t(&xt));
    std::thread::scope(|sc| {
        for t in 0..2 {
            let (s, x, xt, want, want_t) = (&s, &x, &xt, &want, &want_t);
            sc.spawn(move || {
                for i in 0..20 {
                    if (i + t) % 2 == 0 {
                        assert_eq!(bits(&s.matvec(x)), bits(want));
                    } else {
                        assert_eq!(bits(&s.matvec_t(xt)), bits(want_t));
                    }
                }
            });
        }
    });
}
