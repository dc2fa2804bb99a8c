//! Bad files: every kind, each with a clear error.

use super::*;

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
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        expect_error(&p, &["not a valid .npz file"]);
    }
    // A zip archive truncated before its directory.
    let bytes = zip_bytes(&csr_members(), false);
    let p = dir.join("cut.npz");
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
    let p = dir.join("flip.npz");
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
    let p = dir.join("lying.npz");
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
