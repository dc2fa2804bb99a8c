//! Interoperability with numpy itself: numpy reads the `.npy` files we write, and we map and
//! multiply the files numpy writes (header versions 1.0, 2.0 and 3.0, C and Fortran order,
//! f4 and f8), comparing against numpy's own products.
//!
//! Needs `python3` with numpy (`pip install numpy`; CI installs it). Without them every test
//! prints why it is skipped and passes. Set `MATVEC_PYTHON` to use another interpreter.

use crate::common::{TempDir, run_python_in};
use matvec::io::npy::{NpyVector, read_vector, write_dense, write_vector};
use matvec::{DenseView, Layout, MatVec, MmapDense, Par};
use std::path::Path;

/// Runs a Python script in `dir`.
fn run_script(py: &str, script: &str, dir: &Path) {
    run_python_in(py, dir, &["-c", script]);
}

fn python() -> Option<String> {
    crate::common::python_with("numpy")
}

/// Small integers, so every product is exact in f32 and f64.
fn entry(i: usize, j: usize) -> f64 {
    ((i * 7 + j * 3) % 11) as f64 - 5.0
}

#[test]
fn numpy_loads_our_npy_files() {
    let Some(py) = python() else { return };
    let dir = TempDir::new("numpy-reads-ours");
    let (r, c) = (37, 23);
    let rm: Vec<f64> = (0..r * c).map(|k| entry(k / c, k % c)).collect();
    let cm: Vec<f32> = (0..r * c).map(|k| entry(k % r, k / r) as f32).collect();
    write_dense(
        dir.join("c_f8.npy"),
        DenseView::row_major(r, c, &rm).unwrap(),
    )
    .unwrap();
    write_dense(
        dir.join("f_f4.npy"),
        DenseView::col_major(r, c, &cm).unwrap(),
    )
    .unwrap();
    write_vector(dir.join("v.npy"), &[1.5f64, -2.0, 3.25]).unwrap();
    run_script(
        &py,
        &format!(
            r#"
import numpy as np
i, j = np.meshgrid(np.arange({r}), np.arange({c}), indexing="ij")
want = ((i * 7 + j * 3) % 11) - 5.0
a = np.load("c_f8.npy", mmap_mode="r")
assert a.dtype == np.float64 and a.shape == ({r}, {c}) and a.flags.c_contiguous, (a.dtype, a.shape)
assert np.array_equal(a, want)
b = np.load("f_f4.npy", mmap_mode="r")
assert b.dtype == np.float32 and b.shape == ({r}, {c}) and b.flags.f_contiguous and not b.flags.c_contiguous
assert np.array_equal(b, want.astype(np.float32))
v = np.load("v.npy")
assert v.dtype == np.float64 and v.shape == (3,) and list(v) == [1.5, -2.0, 3.25]
"#
        ),
        &dir,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn we_map_and_multiply_numpy_written_files() {
    let Some(py) = python() else { return };
    let dir = TempDir::new("numpy-reads-numpy");
    let (r, c) = (41, 29);
    run_script(
        &py,
        &format!(
            r#"
import numpy as np
i, j = np.meshgrid(np.arange({r}), np.arange({c}), indexing="ij")
a = ((i * 7 + j * 3) % 11) - 5.0
x = (np.arange({c}) % 5) - 2.0
xt = (np.arange({r}) % 3) - 1.0
for dt in ("f4", "f8"):
    for order in ("C", "F"):
        arr = np.asarray(a, dtype="<" + dt, order=order)
        for v in (1, 2, 3):
            with open(f"a_{{dt}}_{{order}}_v{{v}}.npy", "wb") as f:
                np.lib.format.write_array(f, arr, version=(v, 0))
        np.save(f"y_{{dt}}_{{order}}.npy", (arr @ x.astype(arr.dtype)).astype("<" + dt))
        np.save(f"yt_{{dt}}_{{order}}.npy", (arr.T @ xt.astype(arr.dtype)).astype("<" + dt))
# np.save / open_memmap, the way users make big files.
m = np.lib.format.open_memmap("memmap.npy", mode="w+", dtype="<f8", shape=({r}, {c}), fortran_order=True)
m[:] = a
m.flush()
del m
np.save("x.npy", x)
np.save("xt.npy", xt)
"#
        ),
        &dir,
    );
    let x = read_vector(dir.join("x.npy")).unwrap().into_f64();
    let xt = read_vector(dir.join("xt.npy")).unwrap().into_f64();
    for order in ["C", "F"] {
        let layout = if order == "C" {
            Layout::RowMajor
        } else {
            Layout::ColMajor
        };
        for v in 1..=3 {
            // SAFETY: files private to this test, not modified while mapped.
            let a = unsafe { MmapDense::<f64>::open(dir.join(format!("a_f8_{order}_v{v}.npy"))) }
                .unwrap()
                .with_budget(1024);
            assert_eq!((a.nrows(), a.ncols(), a.layout()), (r, c, layout));
            for i in 0..r {
                for j in 0..c {
                    assert_eq!(a.view().get(i, j), entry(i, j));
                }
            }
            let NpyVector::F64(y) = read_vector(dir.join(format!("y_f8_{order}.npy"))).unwrap()
            else {
                panic!("dtype")
            };
            let NpyVector::F64(yt) = read_vector(dir.join(format!("yt_f8_{order}.npy"))).unwrap()
            else {
                panic!("dtype")
            };
            let mut out = vec![f64::NAN; r];
            a.mul_vec(1.0, &x, 0.0, &mut out, Par::Rayon);
            assert_eq!(out, y, "f8 {order} v{v}");
            let mut out = vec![f64::NAN; c];
            a.mul_vec_t(1.0, &xt, 0.0, &mut out, Par::Seq);
            assert_eq!(out, yt, "f8 {order} v{v} transposed");

            // SAFETY: as above.
            let a = unsafe { MmapDense::<f32>::open(dir.join(format!("a_f4_{order}_v{v}.npy"))) }
                .unwrap();
            let y = read_vector(dir.join(format!("y_f4_{order}.npy"))).unwrap();
            assert_eq!(y.dtype(), matvec::io::npy::NpyDtype::F32);
            let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            assert_eq!(a.matvec(&x32), y.into_f32(), "f4 {order} v{v}");
        }
    }
    // SAFETY: as above.
    let m = unsafe { MmapDense::<f64>::open(dir.join("memmap.npy")) }.unwrap();
    assert_eq!(m.layout(), Layout::ColMajor);
    assert_eq!(
        m.matvec(&x),
        read_vector(dir.join("y_f8_F.npy")).unwrap().into_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn we_stream_numpy_written_npy_and_raw_files() {
    let Some(py) = python() else { return };
    let dir = TempDir::new("numpy-stream-numpy");
    let (r, c) = (53, 31);
    // Entries in [-1, 1) with 20 significant bits: exact in f32, and products that numpy and
    // we sum in different orders agree within a tolerance.
    run_script(
        &py,
        &format!(
            r#"
import numpy as np
rng = np.random.default_rng(7)
a = np.round(rng.uniform(-1, 1, ({r}, {c})) * 2**20) / 2**20
x = rng.uniform(-1, 1, {c})
xt = rng.uniform(-1, 1, {r})
np.save("x.npy", x)
np.save("xt.npy", xt)
np.save("y.npy", a @ x)
np.save("yt.npy", a.T @ xt)
np.save("a_c.npy", a)
np.save("a_f4.npy", np.asfortranarray(a.astype("<f4")))
a.astype("<f8").tofile("raw_c_f8.bin")
np.asfortranarray(a).T.astype("<f4").tofile("raw_f_f4.bin")   # Fortran order, f4
with open("raw_off_be.bin", "wb") as f:
    f.write(b"\0" * 100)
    f.write(a.astype(">f8").tobytes())
    f.write(b"trailing")
m = np.memmap("memmap.dat", dtype="<f4", mode="w+", shape=({r}, {c}))
m[:] = a
m.flush()
"#
        ),
        &dir,
    );
    use matvec::stream::{RawDense, StreamDense};
    let x = read_vector(dir.join("x.npy")).unwrap().into_f64();
    let xt = read_vector(dir.join("xt.npy")).unwrap().into_f64();
    let y = read_vector(dir.join("y.npy")).unwrap().into_f64();
    let yt = read_vector(dir.join("yt.npy")).unwrap().into_f64();
    let check = |a: &dyn MatVec<f64>, what: &str| {
        let mut out = vec![f64::NAN; r];
        a.mul_vec(1.0, &x, 0.0, &mut out, Par::Rayon);
        for (g, w) in out.iter().zip(&y) {
            assert!(
                (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
                "{what}: {g} vs numpy {w}"
            );
        }
        let mut out = vec![f64::NAN; c];
        a.mul_vec_t(1.0, &xt, 0.0, &mut out, Par::Seq);
        for (g, w) in out.iter().zip(&yt) {
            assert!(
                (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
                "{what} transposed: {g} vs numpy {w}"
            );
        }
    };
    check(
        &StreamDense::<f64>::open(dir.join("a_c.npy"))
            .unwrap()
            .with_budget(2048),
        "npy f8 C",
    );
    // f32 files with f64 vectors: the f32 values are exact, accumulated in f64.
    check(
        &StreamDense::<f32>::open(dir.join("a_f4.npy")).unwrap(),
        "npy f4 F, f64 vectors",
    );
    check(
        &StreamDense::<f64>::open_raw(dir.join("raw_c_f8.bin"), RawDense::new(r, c)).unwrap(),
        "tofile f8 C",
    );
    check(
        &StreamDense::<f32>::open_raw(
            dir.join("raw_f_f4.bin"),
            RawDense::new(r, c).layout(Layout::ColMajor),
        )
        .unwrap(),
        "tofile f4 F",
    );
    check(
        &StreamDense::<f64>::open_raw(
            dir.join("raw_off_be.bin"),
            RawDense::new(r, c).offset(100).big_endian(true),
        )
        .unwrap()
        .with_budget(1000),
        "big-endian f8 at offset 100",
    );
    check(
        &StreamDense::<f32>::open_raw(dir.join("memmap.dat"), RawDense::new(r, c)).unwrap(),
        "np.memmap f4",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// HDF5 datasets that h5py wrote: contiguous and chunked (gzip, shuffle, chunks that do not
/// divide the rows), f4 and f8, big-endian, in a group — each bit-identical to the in-memory
/// view of the values h5py reads back, and the bad cases with their messages.
#[cfg(feature = "hdf5")]
#[test]
fn we_stream_h5py_written_datasets() {
    use matvec::stream::StreamHdf5;
    let Some(py) = crate::common::python_with("numpy, h5py") else {
        return;
    };
    let dir = TempDir::new("numpy-h5py");
    let (r, c) = (203, 57);
    run_script(
        &py,
        &format!(
            r#"
import numpy as np, h5py
rng = np.random.default_rng(3)
a = rng.uniform(-1, 1, ({r}, {c}))
np.save("values.npy", a.ravel())
np.save("x.npy", rng.uniform(-1, 1, {c}))
np.save("xt.npy", rng.uniform(-1, 1, {r}))
with h5py.File("m.h5", "w") as f:
    f.create_dataset("array", ({r}, {c}), dtype="f")[:] = a        # the notebook's layout
    f.create_dataset("f8", data=a)
    f.create_dataset("gzip", data=a, chunks=(10, 20), compression="gzip", shuffle=True)
    f.create_dataset("big", data=a.astype(">f8"))
    f.create_dataset("f4chunks", data=a.astype("f4"), chunks=(7, {c}))
    f.create_group("g").create_dataset("a", data=a)
    f.create_dataset("vector", data=a[0])
    f.create_dataset("ints", data=np.arange(6).reshape(2, 3))
"#
        ),
        &dir,
    );
    let values = read_vector(dir.join("values.npy")).unwrap().into_f64();
    let v32: Vec<f32> = values.iter().map(|&v| v as f32).collect();
    let mem = DenseView::row_major(r, c, &values).unwrap();
    let mem32 = DenseView::row_major(r, c, &v32).unwrap();
    let x = read_vector(dir.join("x.npy")).unwrap().into_f64();
    let xt = read_vector(dir.join("xt.npy")).unwrap().into_f64();
    let path = dir.join("m.h5");
    let same = |a: &dyn MatVec<f64>, m: &dyn MatVec<f64>, what: &str| {
        let (mut got, mut want) = (vec![f64::NAN; r], vec![0.0; r]);
        a.mul_vec(1.0, &x, 0.0, &mut got, Par::Rayon);
        m.mul_vec(1.0, &x, 0.0, &mut want, Par::Seq);
        assert_eq!(
            crate::common::bits(&got),
            crate::common::bits(&want),
            "{what}"
        );
        let (mut got, mut want) = (vec![1.0; c], vec![1.0; c]);
        a.mul_vec_t(0.5, &xt, -1.0, &mut got, Par::Rayon);
        m.mul_vec_t(0.5, &xt, -1.0, &mut want, Par::Seq);
        assert_eq!(
            crate::common::bits(&got),
            crate::common::bits(&want),
            "{what} transposed"
        );
        let xs: Vec<f64> = x.iter().chain(&x).map(|v| v * 0.5).collect();
        let (mut got, mut want) = (vec![0.0; 2 * r], vec![0.0; 2 * r]);
        a.mul_mat(1.0, &xs, 0.0, &mut got, Par::Rayon);
        m.mul_mat(1.0, &xs, 0.0, &mut want, Par::Seq);
        assert_eq!(
            crate::common::bits(&got),
            crate::common::bits(&want),
            "{what} mul_mat"
        );
    };
    for (name, chunked) in [
        ("f8", false),
        ("gzip", true),
        ("big", false),
        ("g/a", false),
    ] {
        for budget in [1, 4096, 1 << 30] {
            let a = StreamHdf5::<f64>::open(&path, name)
                .unwrap()
                .with_budget(budget);
            assert_eq!(a.is_chunked(), chunked, "{name}");
            assert_eq!((a.nrows(), a.ncols()), (r, c));
            same(&a, &mem, &format!("{name} budget {budget}"));
        }
    }
    // f32 datasets with f64 vectors: the f32 values, accumulated in f64.
    for name in ["array", "f4chunks"] {
        let a = StreamHdf5::<f32>::open(&path, name)
            .unwrap()
            .with_budget(3000);
        same(&a, &mem32, name);
    }
    for (name, want) in [
        ("missing", "no dataset 'missing'"),
        ("vector", "expected a 2-D dataset"),
        ("ints", "non-float"),
        ("array", "open it as StreamHdf5<f32>"),
    ] {
        let e = StreamHdf5::<f64>::open(&path, name).unwrap_err();
        assert!(
            e.to_string().contains(want) && e.to_string().contains("m.h5"),
            "{name}: {e}"
        );
    }
    let e = StreamHdf5::<f64>::open(dir.join("x.npy"), "a").unwrap_err();
    assert!(e.to_string().contains("cannot open as HDF5"), "{e}");
    // Truncated while open: an error from every layout, never a crash.
    let contiguous = StreamHdf5::<f64>::open(&path, "f8").unwrap();
    let chunked = StreamHdf5::<f64>::open(&path, "gzip")
        .unwrap()
        .with_budget(4096);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(4096)
        .unwrap();
    let mut y = vec![0.0; r];
    for (a, what) in [(&contiguous, "contiguous"), (&chunked, "chunked")] {
        let e = a.try_mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon).unwrap_err();
        assert!(e.to_string().contains("m.h5"), "{what}: {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
