//! `StreamDense`: products bit-identical to `DenseView` for every budget, read size and thread count; truncation; concurrency; bad files.

use super::*;

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
    let mut rng = Rng::new(seed + 2);
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
                crate::common::bits(&got),
                crate::common::bits(&want),
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
    let mut rng = Rng::new((nrows * 131 + ncols) as u64);
    let data: Vec<T> = (0..nrows * ncols)
        .map(|_| T::from_f64(rng.unit() * 2.0 - 1.0))
        .collect();
    let mem = DenseView::try_new(nrows, ncols, layout, &data).unwrap();
    let path = dir.join(format!("s-{nrows}x{ncols}-{layout:?}-{}.npy", T::NAME));
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
    let mut rng = Rng::new(5);
    let data: Vec<f64> = (0..r * c).map(|_| rng.unit() - 0.5).collect();
    let mem = DenseView::row_major(r, c, &data).unwrap();
    let path = dir.join("a.npy");
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
        let mut rng = Rng::new(9);
        let data: Vec<f64> = (0..r * c).map(|_| rng.unit() - 0.5).collect();
        let mem = DenseView::try_new(r, c, layout, &data).unwrap();
        let path = dir.join(format!("d-{layout:?}.npy"));
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
    let path = dir.join("a.npy");
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
    let original = dir.join("original.npy");
    write_dense(&original, DenseView::row_major(r, c, &data).unwrap()).unwrap();
    std::fs::copy(&original, dir.join("copy.npy")).unwrap();
    std::fs::rename(dir.join("copy.npy"), &path).unwrap();
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
    let path = dir.join("a.npy");
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
    let path = dir.join("a.npy");
    let (r, c) = (500, 3000);
    let mut rng = Rng::new(3);
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
                            assert_eq!(crate::common::bits(&y), crate::common::bits(want));
                        } else {
                            m.mul_vec_t(1.0, xt, 0.0, &mut yt, Par::Rayon);
                            assert_eq!(crate::common::bits(&yt), crate::common::bits(want_t));
                        }
                    }
                });
            }
        })
    };
    // Buffers are reused, not traded between the directions: over 120 products what is kept
    // stays within a budget per product in flight (two) and per walk of the file (two
    // directions). (How many of those buffers exist depends on how the two threads happened
    // to overlap, so the bound, not an exact count, is what holds; without the rayon feature
    // this ran into a second round that found an overlap the first had not.)
    for _ in 0..3 {
        run(20);
        let kept = m.heap_bytes();
        assert!(kept > 0 && kept <= 2 * 2 * (256 << 10), "{kept}");
    }
}

#[test]
fn stream_dense_rejects_bad_files_with_clear_errors() {
    let dir = TempDir::new("stream-bad");
    let path = dir.join("a.npy");
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
    let e = StreamDense::<f64>::open(dir.join("missing.npy")).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    let vector = dir.join("v.npy");
    matvec::io::npy::write_vector(&vector, &[1.0f64, 2.0]).unwrap();
    let e = StreamDense::<f64>::open(&vector).unwrap_err();
    assert!(e.to_string().contains("2-D"), "{e}");
}

/// A header declaring no rows of 2⁶² columns holds no elements, so it is a valid file; the
/// row length in bytes does not fit `usize`, which once overflowed when sizing blocks (found
/// by fuzzing `MmapDense`). Both out-of-core types open it, take budgets, and report the shape.
#[test]
fn an_empty_npy_with_a_huge_declared_row_opens_without_overflow() {
    let dir = TempDir::new("npy-empty-huge");
    let path = dir.join("e.npy");
    let cols = 1usize << 62;
    let header = matvec::io::npy::format_header(
        matvec::io::npy::NpyDtype::F64,
        Layout::RowMajor,
        &[0, cols],
    );
    std::fs::write(&path, header).unwrap();
    let s = StreamDense::<f64>::open(&path).unwrap().with_budget(4096);
    assert_eq!((s.nrows(), s.ncols()), (0, cols));
    let _ = s.read_len(Par::Rayon);
    // SAFETY: the test's own file, not modified while mapped.
    let m = unsafe { MmapDense::<f64>::open(&path) }
        .unwrap()
        .with_budget(4096);
    assert_eq!(
        (m.nrows(), m.ncols(), m.block_bytes()),
        (0, cols, usize::MAX)
    );
}
