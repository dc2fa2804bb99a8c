//! Round trips, mapping and products.

use super::*;

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
    let pr = dir.join(format!("r{seed}.npz"));
    let pc = dir.join(format!("c{seed}.npz"));
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
                let p = dir.join("doubles.npz");
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
    let p = dir.join("a.npz");
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
    let p = dir.join("a.npz");
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
    let p = dir.join("a.npz");
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
    let p = dir.join("unsorted.npz");
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
    let p = dir.join("c.npz");
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
    let p = dir.join("a.npz");
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
    let p = dir.join("noncanonical.npz");
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
