//! Streamed (`StreamCsr`, `StreamCsc`): positioned reads under a budget, checked blocks.

use super::*;

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
    let mut rng = Rng::new(seed + 2);
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
        let (pr, pc, p32) = (dir.join("r.npz"), dir.join("c.npz"), dir.join("r32.npz"));
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
    let path = dir.join("a.npz");
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
    let path = dir.join("a.npz");
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
