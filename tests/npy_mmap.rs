//! Out-of-core dense matrices, streamed (`StreamDense`) and memory-mapped (`MmapDense`):
//! `.npy` and raw files written → opened → products against the in-memory `DenseView` over
//! the same data (bit-identical) for budgets, read sizes, layouts, precisions and thread
//! counts; files truncated under a product; concurrent products; bad files.

mod common;

use common::{Rng, TempDir, assert_same_products};
use matvec::io::npy::{NpyWriter, write_dense};
use matvec::stream::{RawDense, StreamDense};
use matvec::{DenseView, Error, Footprint, Layout, MatVec, MmapDense, Par, Scalar, Widen};
use std::path::Path;

fn open<T: Scalar>(p: &Path) -> matvec::Result<MmapDense<T>> {
    // SAFETY: test files are private to the test and not modified while mapped.
    unsafe { MmapDense::<T>::open(p) }
}

fn roundtrip<T: Scalar + Widen<f64>>(
    dir: &TempDir,
    nrows: usize,
    ncols: usize,
    layout: Layout,
    budgets: &[usize],
) {
    let mut rng = Rng((nrows * 31 + ncols) as u64);
    let data: Vec<T> = (0..nrows * ncols)
        .map(|_| T::from_f64(rng.unit() * 2.0 - 1.0))
        .collect();
    let mem = DenseView::try_new(nrows, ncols, layout, &data).unwrap();
    let path = dir.path(&format!("m-{nrows}x{ncols}-{layout:?}-{}.npy", T::NAME));
    write_dense(&path, mem).unwrap();
    for &budget in budgets {
        let m = open::<T>(&path).unwrap().with_budget(budget);
        assert_eq!((m.nrows(), m.ncols(), m.layout()), (nrows, ncols, layout));
        assert_eq!(m.data(), &data[..]);
        let what = format!("{:?} {nrows}x{ncols} block {}", m.layout(), m.block_len());
        assert_same_products::<T>(&m, &mem, budget as u64, &what);
        // Every file also serves f64 vectors (an f32 file: widened, accumulated in f64), and
        // gives what the in-memory view of the same values gives, bit for bit.
        let (m64, mem64): (&dyn MatVec<f64>, &dyn MatVec<f64>) = (&m, &mem);
        assert_same_products(
            m64,
            mem64,
            budget as u64 + 1,
            &format!("{what}, f64 vectors"),
        );
        let (nx, ny) = (ncols, nrows);
        let k = 3;
        let x: Vec<f64> = (0..nx * k).map(|_| rng.unit() - 0.5).collect();
        let (mut got, mut want) = (vec![f64::NAN; ny * k], vec![f64::NAN; ny * k]);
        m64.mul_mat(0.5, &x, 0.0, &mut got, matvec::Par::Rayon);
        mem64.mul_mat(0.5, &x, 0.0, &mut want, matvec::Par::Seq);
        assert!(
            got.iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{what}: mul_mat"
        );
    }
}

#[test]
fn mmap_dense_products_match_in_memory_bit_for_bit() {
    let dir = TempDir::new("npy-roundtrip");
    for layout in [Layout::RowMajor, Layout::ColMajor] {
        // 103 outer slices: no block length divides it. Budgets give blocks of 4, 8, 100 and
        // everything (f64, 37 per slice = 296 bytes).
        let budgets = [1, 2 * 8 * 296, 2 * 100 * 296, 1 << 30];
        roundtrip::<f64>(&dir, 103, 37, layout, &budgets);
        roundtrip::<f32>(&dir, 103, 37, layout, &budgets);
        roundtrip::<f64>(&dir, 37, 103, layout, &budgets);
        // Large enough for the parallel kernels to split inside a block.
        roundtrip::<f64>(&dir, 600, 500, layout, &[64 << 10, 1 << 30]);
        // Edge shapes.
        roundtrip::<f64>(&dir, 0, 5, layout, &[1, 1 << 20]);
        roundtrip::<f64>(&dir, 5, 0, layout, &[1, 1 << 20]);
        roundtrip::<f32>(&dir, 0, 0, layout, &[1]);
        roundtrip::<f64>(&dir, 1, 1, layout, &[1]);
    }
}

#[test]
fn mmap_dense_budget_sets_block_length() {
    let dir = TempDir::new("npy-budget");
    let path = dir.path("a.npy");
    let data = vec![1.0f64; 100 * 64]; // rows of 512 bytes
    write_dense(&path, DenseView::row_major(100, 64, &data).unwrap()).unwrap();
    let m = open::<f64>(&path).unwrap();
    assert_eq!(m.budget(), matvec::mmap::DEFAULT_BUDGET);
    assert_eq!(m.block_len(), 100); // the whole file fits
    let m = m.with_budget(16 * 512); // half the budget = 8 rows
    assert_eq!(m.block_len(), 8);
    assert_eq!(m.block_bytes(), 8 * 512);
    // A budget smaller than one row: blocks of four rows (the minimum), never an error.
    let m = m.with_budget(100);
    assert_eq!(m.block_len(), 4);
    assert_eq!(m.matvec(&[1.0; 64]), vec![64.0; 100]);
    let m = m.with_drop_page_cache(true);
    assert_eq!(m.matvec_t(&[1.0; 100]), vec![100.0; 64]);
}

#[test]
fn npy_writer_is_atomic() {
    let dir = TempDir::new("npy-writer");
    let path = dir.path("w.npy");
    // Too few elements: error, and neither the file nor a temporary is left.
    let mut w = NpyWriter::<f64>::create(&path, 2, 3, Layout::RowMajor).unwrap();
    w.write(&[1.0, 2.0, 3.0]).unwrap();
    let e = w.finish().unwrap_err();
    assert!(e.to_string().contains("only 3 of 6 elements"), "{e}");
    assert!(!path.exists());
    assert_eq!(
        std::fs::read_dir(&dir.0).unwrap().count(),
        0,
        "temporary file left behind"
    );
    // Too many: error on write.
    let mut w = NpyWriter::<f64>::create(&path, 1, 2, Layout::RowMajor).unwrap();
    let e = w.write(&[1.0, 2.0, 3.0]).unwrap_err();
    assert!(e.to_string().contains("exceed the shape"), "{e}");
    // While writing, the final name does not exist; dropping cleans up.
    assert!(!path.exists());
    drop(w);
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 0);
    // Into a directory that does not exist: an Io error naming the path.
    let e = NpyWriter::<f32>::create(dir.path("no/such/dir/x.npy"), 1, 1, Layout::RowMajor)
        .err()
        .unwrap();
    assert!(
        matches!(e, Error::Io { .. }) && e.to_string().contains("no/such/dir"),
        "{e}"
    );
}

/// Header bytes for a dict, padded like numpy's.
fn npy_bytes(version: u8, dict: &str, data_len: usize) -> Vec<u8> {
    let mut b = b"\x93NUMPY".to_vec();
    b.extend_from_slice(&[version, 0]);
    let len_size = if version == 1 { 2 } else { 4 };
    let unpadded = 8 + len_size + dict.len() + 1;
    let total = unpadded.div_ceil(64) * 64;
    let hl = total - 8 - len_size;
    if version == 1 {
        b.extend_from_slice(&(hl as u16).to_le_bytes());
    } else {
        b.extend_from_slice(&(hl as u32).to_le_bytes());
    }
    b.extend_from_slice(dict.as_bytes());
    b.resize(total - 1, b' ');
    b.push(b'\n');
    b.resize(total + data_len, 0);
    b
}

fn expect_format_error(dir: &TempDir, name: &str, bytes: &[u8], words: &[&str]) {
    let path = dir.path(name);
    std::fs::write(&path, bytes).unwrap();
    let e = open::<f64>(&path).expect_err(name);
    let msg = e.to_string();
    assert!(matches!(e, Error::Format { .. }), "{name}: {e:?}");
    assert!(
        msg.contains(name),
        "{name}: message does not name the file: {msg}"
    );
    // The words must be in what the message says, not in the file name it quotes.
    let said = msg.replace(&path.display().to_string(), "");
    for w in words {
        assert!(said.contains(w), "{name}: {msg:?} lacks {w:?}");
    }
}

#[test]
fn mmap_dense_rejects_bad_files_with_clear_errors() {
    let dir = TempDir::new("npy-bad");
    let good = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }";
    let ok = npy_bytes(1, good, 96);
    let p = dir.path("ok.npy");
    std::fs::write(&p, &ok).unwrap();
    assert!(open::<f64>(&p).is_ok());

    expect_format_error(
        &dir,
        "truncated.npy",
        &ok[..ok.len() - 8],
        &["truncated", "needs 96 bytes", "holds 88"],
    );
    expect_format_error(
        &dir,
        "longer.npy",
        &[&ok[..], &[0u8; 8]].concat(),
        &["longer than its header says"],
    );
    expect_format_error(
        &dir,
        "magic.npy",
        &[b"\x93NUMPX", &ok[6..]].concat(),
        &["at byte 0", "magic"],
    );
    expect_format_error(&dir, "empty.npy", b"", &["magic"]);
    expect_format_error(&dir, "short.npy", b"\x93NUMPY\x01", &["version"]);
    expect_format_error(
        &dir,
        "version.npy",
        &[&ok[..6], &[4u8, 0], &ok[8..]].concat(),
        &["version 4.0"],
    );
    for (descr, what) in [
        ("<i8", "integers"),
        (">f8", "big-endian"),
        ("<c16", "complex"),
        ("|O", "objects"),
        ("<f2", "width"),
        ("|b1", "booleans"),
    ] {
        let dict = good.replace("<f8", descr);
        expect_format_error(
            &dir,
            &format!("dtype{}.npy", descr.replace(['<', '>', '|'], "_")),
            &npy_bytes(1, &dict, 96),
            &[descr, what],
        );
    }
    let structured = "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3,), }";
    expect_format_error(
        &dir,
        "record.npy",
        &npy_bytes(1, structured, 24),
        &["structured"],
    );
    expect_format_error(
        &dir,
        "oned.npy",
        &npy_bytes(1, &good.replace("(3, 4)", "(12,)"), 96),
        &["2-D", "1 dimension"],
    );
    expect_format_error(
        &dir,
        "threed.npy",
        &npy_bytes(1, &good.replace("(3, 4)", "(2, 3, 2)"), 96),
        &["2-D", "3 dimension"],
    );
    expect_format_error(
        &dir,
        "zerod.npy",
        &npy_bytes(1, &good.replace("(3, 4)", "()"), 8),
        &["2-D", "0 dimension"],
    );
    // The shape promises far more data than the file holds (and must not allocate it).
    expect_format_error(
        &dir,
        "promise.npy",
        &npy_bytes(1, &good.replace("(3, 4)", "(100000000, 100000000)"), 96),
        &["truncated", "80000000000000000 bytes"],
    );
    expect_format_error(
        &dir,
        "overflow.npy",
        &npy_bytes(1, &good.replace("(3, 4)", "(18446744073709551615, 2)"), 96),
        &["too large"],
    );
    // A header length that runs past the end of the file.
    let mut long = ok[..80].to_vec();
    long[8..10].copy_from_slice(&60000u16.to_le_bytes());
    expect_format_error(
        &dir,
        "hlen.npy",
        &long,
        &["header length 60000 runs past the end"],
    );
    let mut long3 = npy_bytes(3, good, 96);
    long3[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    expect_format_error(&dir, "hlen3.npy", &long3, &["runs past the end"]);
    // Malformed dicts.
    expect_format_error(
        &dir,
        "nokey.npy",
        &npy_bytes(1, "{'descr': '<f8', 'shape': (3, 4), }", 96),
        &["missing key 'fortran_order'"],
    );
    expect_format_error(
        &dir,
        "extra.npy",
        &npy_bytes(1, &good.replace("}", "'x': 1, }"), 96),
        &["unexpected key 'x'"],
    );
    expect_format_error(
        &dir,
        "garbage.npy",
        &npy_bytes(1, "not a dict", 96),
        &["expected '{'"],
    );
    expect_format_error(
        &dir,
        "badshape.npy",
        &npy_bytes(1, &good.replace("(3, 4)", "(3, x)"), 96),
        &["dimension"],
    );
    expect_format_error(
        &dir,
        "unterminated.npy",
        &npy_bytes(1, "{'descr", 96),
        &["unterminated string"],
    );
    expect_format_error(
        &dir,
        "nocolon.npy",
        &npy_bytes(1, "{'descr' '<f8'}", 96),
        &["expected ':'"],
    );
    // Opened with the wrong element type.
    let p = dir.path("f32.npy");
    std::fs::write(&p, npy_bytes(1, &good.replace("<f8", "<f4"), 48)).unwrap();
    let e = open::<f64>(&p).unwrap_err();
    assert!(e.to_string().contains("open it as MmapDense<f32>"), "{e}");
    assert!(open::<f32>(&p).is_ok());
    // A file that does not exist: Io error naming it.
    let e = open::<f64>(&dir.path("missing.npy")).unwrap_err();
    assert!(
        matches!(e, Error::Io { .. }) && e.to_string().contains("missing.npy"),
        "{e}"
    );
}

#[test]
fn mmap_dense_never_panics_on_mutated_headers() {
    // Property-style robustness: every single-byte mutation and every truncation of a valid
    // header gives Ok or Err, never a panic.
    let dir = TempDir::new("npy-mutate");
    let good = npy_bytes(
        1,
        "{'descr': '<f8', 'fortran_order': True, 'shape': (3, 4), }",
        96,
    );
    let p = dir.path("m.npy");
    let mut rng = Rng(99);
    for k in 0..good.len() - 96 {
        for _ in 0..3 {
            let mut b = good.clone();
            b[k] = rng.below(256) as u8;
            std::fs::write(&p, &b).unwrap();
            if let Ok(m) = open::<f64>(&p) {
                let _ = m.matvec(&vec![1.0; m.ncols()]);
            }
        }
        std::fs::write(&p, &good[..k]).unwrap();
        assert!(open::<f64>(&p).is_err());
    }
}

/// Writes are symlink-safe and get ordinary permissions: a symlink planted at every name the
/// old scheme would have used (`.{name}.{pid}.{n}.tmp`) does not redirect the write, and the
/// file ends up with the mode `File::create` gives a sibling (the umask applied).
#[cfg(unix)]
#[test]
fn npy_writes_ignore_planted_symlinks_and_get_normal_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("npy-symlink");
    let victim = dir.path("victim.txt");
    std::fs::write(&victim, b"keep me").unwrap();
    let out = dir.path("out.npy");
    for n in 0..32 {
        let name = format!(".out.npy.{}.{n}.tmp", std::process::id());
        std::os::unix::fs::symlink(&victim, dir.path(&name)).unwrap();
    }
    let data = [1.0f64, 2.0, 3.0, 4.0];
    write_dense(&out, DenseView::row_major(2, 2, &data).unwrap()).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
    assert_eq!(open::<f64>(&out).unwrap().data(), &data);
    let sibling = dir.path("sibling");
    std::fs::File::create(&sibling).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out), mode(&sibling));
    // Nothing else was left: the 32 symlinks, the victim, the sibling and the output.
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 32 + 3);
}

/// Every product of `m` (as `T` and as `f64` vectors, single and block) equals the in-memory
/// view's, bit for bit.
fn assert_stream_matches<T: Scalar + Widen<f64>>(
    m: &StreamDense<T>,
    mem: &DenseView<'_, T>,
    seed: u64,
    what: &str,
) {
    assert_same_products::<T>(m, mem, seed, what);
    let (m64, mem64): (&dyn MatVec<f64>, &dyn MatVec<f64>) = (m, mem);
    assert_same_products(m64, mem64, seed + 1, &format!("{what}, f64 vectors"));
    let mut rng = Rng(seed + 2);
    for transposed in [false, true] {
        let (nx, ny) = if transposed {
            (m.nrows(), m.ncols())
        } else {
            (m.ncols(), m.nrows())
        };
        for k in [1, 3] {
            let x: Vec<f64> = (0..nx * k).map(|_| rng.unit() - 0.5).collect();
            let y0: Vec<f64> = (0..ny * k).map(|_| rng.unit()).collect();
            let (mut got, mut want) = (y0.clone(), y0.clone());
            if transposed {
                m.try_mul_mat_t(0.5, &x, -1.5, &mut got, Par::Rayon)
                    .unwrap();
                mem64.mul_mat_t(0.5, &x, -1.5, &mut want, Par::Seq);
            } else {
                m.try_mul_mat(0.5, &x, -1.5, &mut got, Par::Rayon).unwrap();
                mem64.mul_mat(0.5, &x, -1.5, &mut want, Par::Seq);
            }
            assert_eq!(
                common::bits(&got),
                common::bits(&want),
                "{what}: mul_mat k={k} transposed={transposed}"
            );
        }
    }
}

fn stream_roundtrip<T: Scalar + Widen<f64>>(
    dir: &TempDir,
    nrows: usize,
    ncols: usize,
    layout: Layout,
) {
    let mut rng = Rng((nrows * 131 + ncols) as u64);
    let data: Vec<T> = (0..nrows * ncols)
        .map(|_| T::from_f64(rng.unit() * 2.0 - 1.0))
        .collect();
    let mem = DenseView::try_new(nrows, ncols, layout, &data).unwrap();
    let path = dir.path(&format!("s-{nrows}x{ncols}-{layout:?}-{}.npy", T::NAME));
    write_dense(&path, mem).unwrap();
    let slice = (if layout == Layout::RowMajor {
        ncols
    } else {
        nrows
    } * std::mem::size_of::<T>())
    .max(1);
    // Budgets and read sizes: smaller than one slice, a few slices (not dividing the slice
    // count), and everything at once.
    for (budget, read) in [
        (1, 0),
        (3 * slice, 0),
        (64 << 20, 5 * slice),
        (64 << 20, 0),
        (1 << 30, 1 << 30),
    ] {
        let m = StreamDense::<T>::open(&path)
            .unwrap()
            .with_budget(budget)
            .with_read_size(read);
        assert_eq!((m.nrows(), m.ncols(), m.layout()), (nrows, ncols, layout));
        let what = format!(
            "stream {layout:?} {nrows}x{ncols} {} budget {budget} read {read}",
            T::NAME
        );
        assert_stream_matches(&m, &mem, budget as u64 + read as u64, &what);
        let heap = m.heap_bytes();
        // The buffers kept stay within the budget (a budget below one slice holds one slice
        // per buffer; direct-read slack aside).
        assert!(
            heap <= budget.max(4 * slice * 2) + (4 << 20),
            "{what}: {heap} bytes kept"
        );
    }
    // Dropping every block from the page cache changes nothing in the results.
    let m = StreamDense::<T>::open(&path)
        .unwrap()
        .with_budget(4 * slice)
        .with_drop_page_cache(true);
    assert_stream_matches(
        &m,
        &mem,
        11,
        &format!("drop page cache {layout:?} {nrows}x{ncols}"),
    );
    // The same bytes as a raw file: the data region of the .npy at its offset.
    let header = matvec::io::npy::read_header(&path).unwrap();
    let spec = RawDense::new(nrows, ncols)
        .layout(layout)
        .offset(header.data_offset as u64);
    let raw = StreamDense::<T>::open_raw(&path, spec)
        .unwrap()
        .with_budget(4 * slice);
    assert_stream_matches(&raw, &mem, 7, &format!("raw {layout:?} {nrows}x{ncols}"));
}

#[test]
fn stream_dense_products_match_in_memory_bit_for_bit() {
    let dir = TempDir::new("stream-roundtrip");
    for layout in [Layout::RowMajor, Layout::ColMajor] {
        stream_roundtrip::<f64>(&dir, 103, 37, layout);
        stream_roundtrip::<f32>(&dir, 103, 37, layout);
        stream_roundtrip::<f64>(&dir, 37, 103, layout);
        // Slices long enough (20 000 f64 = 160 KB) for the axpy direction to split each
        // slice between threads, and enough of them for several reads.
        stream_roundtrip::<f64>(&dir, 45, 20_000, layout);
        stream_roundtrip::<f32>(&dir, 20_000, 45, layout);
        stream_roundtrip::<f64>(&dir, 0, 5, layout);
        stream_roundtrip::<f64>(&dir, 5, 0, layout);
        stream_roundtrip::<f32>(&dir, 0, 0, layout);
        stream_roundtrip::<f64>(&dir, 1, 1, layout);
    }
}

#[test]
fn stream_dense_is_bit_identical_for_every_thread_count() {
    let dir = TempDir::new("stream-threads");
    let (r, c) = (41, 33_000);
    let mut rng = Rng(5);
    let data: Vec<f64> = (0..r * c).map(|_| rng.unit() - 0.5).collect();
    let mem = DenseView::row_major(r, c, &data).unwrap();
    let path = dir.path("a.npy");
    write_dense(&path, mem).unwrap();
    for threads in [1, 2, 3, 5] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let m = StreamDense::<f64>::open(&path)
                .unwrap()
                .with_budget(1 << 20);
            assert_stream_matches(&m, &mem, threads as u64, &format!("{threads} threads"));
        });
    }
}

#[test]
fn stream_dense_direct_reads_match() {
    let dir = TempDir::new("stream-direct");
    for layout in [Layout::RowMajor, Layout::ColMajor] {
        let (r, c) = (300, 517);
        let mut rng = Rng(9);
        let data: Vec<f64> = (0..r * c).map(|_| rng.unit() - 0.5).collect();
        let mem = DenseView::try_new(r, c, layout, &data).unwrap();
        let path = dir.path(&format!("d-{layout:?}.npy"));
        write_dense(&path, mem).unwrap();
        let m = StreamDense::<f64>::open(&path)
            .unwrap()
            .with_budget(200 << 10);
        #[cfg(target_os = "linux")]
        {
            let m = m
                .with_direct(true)
                .expect("O_DIRECT on the test directory's file system");
            assert!(m.is_direct());
            assert_stream_matches(&m, &mem, 3, &format!("direct {layout:?}"));
            // Reads of a few slices at offsets that are not multiples of the alignment.
            let m = m.with_read_size(3 * 517 * 8);
            assert_stream_matches(&m, &mem, 4, &format!("direct {layout:?}, small reads"));
        }
        #[cfg(not(target_os = "linux"))]
        assert!(matches!(m.with_direct(true), Err(Error::Io { .. })));
    }
}

#[test]
fn stream_dense_truncated_file_is_an_error_naming_it() {
    let dir = TempDir::new("stream-truncate");
    let path = dir.path("a.npy");
    let (r, c) = (64, 100);
    let data = vec![1.0f64; r * c];
    write_dense(&path, DenseView::row_major(r, c, &data).unwrap()).unwrap();
    let m = StreamDense::<f64>::open(&path).unwrap().with_budget(4096);
    let mut y = vec![0.0; r];
    m.try_mul_vec(1.0, &[1.0; 100], 0.0, &mut y, Par::Rayon)
        .unwrap();
    assert_eq!(y, vec![100.0; r]);
    // Truncated between two products: every direction fails with the file and the offset.
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    assert_eq!(
        matvec::io::npy::read_header(&path).unwrap().data_offset,
        128
    );
    f.set_len(128 + 40 * 800 + 3).unwrap();
    let mut yt = vec![0.0; c];
    let errors = [
        m.try_mul_vec(1.0, &[1.0; 100], 0.0, &mut y, Par::Rayon)
            .unwrap_err(),
        m.try_mul_vec_t(1.0, &[1.0; 64], 0.0, &mut yt, Par::Seq)
            .unwrap_err(),
        m.try_mul_mat(1.0, &[1.0; 200], 0.0, &mut vec![0.0; 128], Par::Rayon)
            .unwrap_err(),
    ];
    for e in errors {
        let Error::Format {
            path: p,
            offset,
            message,
        } = &e
        else {
            panic!("expected a format error, got {e:?}");
        };
        assert_eq!(p, &path);
        assert_eq!(*offset, Some(128 + 40 * 800 + 3), "{message}");
        assert!(message.contains("truncated"), "{message}");
        assert!(e.to_string().contains("a.npy"), "{e}");
    }
    // The infallible trait method panics with the same message (no signal, no garbage).
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        m.mul_vec(1.0, &[1.0; 100], 0.0, &mut y, Par::Seq)
    }))
    .unwrap_err();
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("a.npy") && msg.contains("truncated"), "{msg}");
    // A file written anew under the same name (an atomic rename: another inode) is not
    // the file this matrix reads: it still fails.
    let original = dir.path("original.npy");
    write_dense(&original, DenseView::row_major(r, c, &data).unwrap()).unwrap();
    std::fs::copy(&original, dir.path("copy.npy")).unwrap();
    std::fs::rename(dir.path("copy.npy"), &path).unwrap();
    assert!(
        m.try_mul_vec(1.0, &[1.0; 100], 0.0, &mut y, Par::Seq)
            .is_err()
    );
    // Restored in place, products work again.
    let bytes = std::fs::read(&original).unwrap();
    {
        use std::os::unix::fs::FileExt;
        f.set_len(bytes.len() as u64).unwrap();
        f.write_all_at(&bytes, 0).unwrap();
    }
    m.try_mul_vec(1.0, &[1.0; 100], 0.0, &mut y, Par::Rayon)
        .unwrap();
    assert_eq!(y, vec![100.0; r]);
}

#[test]
fn stream_dense_survives_truncation_during_products() {
    let dir = TempDir::new("stream-truncate-during");
    let path = dir.path("a.npy");
    let (r, c) = (2048, 1024); // 16 MiB
    let data = vec![0.5f64; r * c];
    write_dense(&path, DenseView::row_major(r, c, &data).unwrap()).unwrap();
    let m = StreamDense::<f64>::open(&path)
        .unwrap()
        .with_budget(1 << 20);
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len(4096).unwrap();
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let (x, xt) = (vec![1.0; c], vec![1.0; r]);
        let (mut y, mut yt) = (vec![0.0; r], vec![0.0; c]);
        let mut failures = 0;
        for i in 0..10_000 {
            let truncated = done.load(std::sync::atomic::Ordering::SeqCst);
            let res = if i % 2 == 0 {
                m.try_mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon)
            } else {
                m.try_mul_vec_t(1.0, &xt, 0.0, &mut yt, Par::Rayon)
            };
            match res {
                Ok(()) => assert!(!truncated, "a product after the truncation succeeded"),
                Err(Error::Format {
                    offset: Some(o), ..
                }) => {
                    assert!(o >= 4096);
                    failures += 1;
                }
                Err(e) => panic!("unexpected error {e:?}"),
            }
            if failures >= 4 {
                break;
            }
        }
        assert!(failures >= 4);
    });
}

#[test]
fn stream_dense_concurrent_products_are_correct_and_reuse_buffers() {
    let dir = TempDir::new("stream-concurrent");
    let path = dir.path("a.npy");
    let (r, c) = (500, 3000);
    let mut rng = Rng(3);
    let data: Vec<f64> = (0..r * c).map(|_| rng.unit() - 0.5).collect();
    let mem = DenseView::row_major(r, c, &data).unwrap();
    write_dense(&path, mem).unwrap();
    let m = StreamDense::<f64>::open(&path)
        .unwrap()
        .with_budget(256 << 10);
    let x: Vec<f64> = (0..c).map(|j| j as f64 * 0.001).collect();
    let xt: Vec<f64> = (0..r).map(|j| j as f64 * 0.002).collect();
    let (mut want, mut want_t) = (vec![0.0; r], vec![0.0; c]);
    mem.mul_vec(1.0, &x, 0.0, &mut want, Par::Seq);
    mem.mul_vec_t(1.0, &xt, 0.0, &mut want_t, Par::Seq);
    let run = |n: usize| {
        std::thread::scope(|s| {
            for t in 0..2 {
                let (m, x, xt, want, want_t) = (&m, &x, &xt, &want, &want_t);
                s.spawn(move || {
                    let (mut y, mut yt) = (vec![0.0; r], vec![0.0; c]);
                    for i in 0..n {
                        if (i + t) % 2 == 0 {
                            m.mul_vec(1.0, x, 0.0, &mut y, Par::Rayon);
                            assert_eq!(common::bits(&y), common::bits(want));
                        } else {
                            m.mul_vec_t(1.0, xt, 0.0, &mut yt, Par::Rayon);
                            assert_eq!(common::bits(&yt), common::bits(want_t));
                        }
                    }
                });
            }
        })
    };
    run(20);
    let kept = m.heap_bytes();
    run(20);
    // Buffers are reused, not traded between the directions: the second round allocates
    // nothing more, and what is kept stays within a budget per product in flight (two) and
    // per walk of the file used (two directions).
    assert_eq!(m.heap_bytes(), kept);
    assert!(kept > 0 && kept <= 2 * 2 * (256 << 10), "{kept}");
}

#[test]
fn stream_dense_rejects_bad_files_with_clear_errors() {
    let dir = TempDir::new("stream-bad");
    let path = dir.path("a.npy");
    write_dense(&path, DenseView::row_major(3, 4, &[1.0f32; 12]).unwrap()).unwrap();
    let e = StreamDense::<f64>::open(&path).unwrap_err();
    assert!(e.to_string().contains("StreamDense<f32>"), "{e}");
    let e = StreamDense::<f32>::open_raw(&path, RawDense::new(100, 100)).unwrap_err();
    let Error::Format {
        offset, message, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(*offset, Some(std::fs::metadata(&path).unwrap().len()));
    assert!(message.contains("40000 bytes"), "{message}");
    let e = StreamDense::<f64>::open_raw(&path, RawDense::new(usize::MAX, 3)).unwrap_err();
    assert!(e.to_string().contains("too large"), "{e}");
    let e = StreamDense::<f64>::open(dir.path("missing.npy")).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    let vector = dir.path("v.npy");
    matvec::io::npy::write_vector(&vector, &[1.0f64, 2.0]).unwrap();
    let e = StreamDense::<f64>::open(&vector).unwrap_err();
    assert!(e.to_string().contains("2-D"), "{e}");
}
