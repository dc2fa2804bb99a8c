//! `MmapDense` and the `.npy` writer: products, budgets, atomic and symlink-safe writes, bad files.

use super::*;

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
    let path = dir.join("a.npy");
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
    let path = dir.join("w.npy");
    // Too few elements: error, and neither the file nor a temporary is left.
    let mut w = NpyWriter::<f64>::create(&path, 2, 3, Layout::RowMajor).unwrap();
    w.write(&[1.0, 2.0, 3.0]).unwrap();
    let e = w.finish().unwrap_err();
    assert!(e.to_string().contains("only 3 of 6 elements"), "{e}");
    assert!(!path.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
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
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // Into a directory that does not exist: an Io error naming the path.
    let e = NpyWriter::<f32>::create(dir.join("no/such/dir/x.npy"), 1, 1, Layout::RowMajor)
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
    let path = dir.join(name);
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
    let p = dir.join("ok.npy");
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
    let p = dir.join("f32.npy");
    std::fs::write(&p, npy_bytes(1, &good.replace("<f8", "<f4"), 48)).unwrap();
    let e = open::<f64>(&p).unwrap_err();
    assert!(e.to_string().contains("open it as MmapDense<f32>"), "{e}");
    assert!(open::<f32>(&p).is_ok());
    // A file that does not exist: Io error naming it.
    let e = open::<f64>(&dir.join("missing.npy")).unwrap_err();
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
    let p = dir.join("m.npy");
    let mut rng = Rng::new(99);
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
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, b"keep me").unwrap();
    let out = dir.join("out.npy");
    for n in 0..32 {
        let name = format!(".out.npy.{}.{n}.tmp", std::process::id());
        std::os::unix::fs::symlink(&victim, dir.join(&name)).unwrap();
    }
    let data = [1.0f64, 2.0, 3.0, 4.0];
    write_dense(&out, DenseView::row_major(2, 2, &data).unwrap()).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
    assert_eq!(open::<f64>(&out).unwrap().data(), &data);
    let sibling = dir.join("sibling");
    std::fs::File::create(&sibling).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out), mode(&sibling));
    // Nothing else was left: the 32 symlinks, the victim, the sibling and the output.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 32 + 3);
}
