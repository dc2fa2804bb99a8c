//! Writing: round trips, shortest exact values, atomic replacement.

use super::*;

#[test]
fn mtx_round_trip_write_read() {
    let dir = TempDir::new("mtx-round-trip");
    let mut rng = Rng::new(3);
    let (m, n) = (40, 29);
    let mut c = Coo::<f64>::new(m, n);
    for _ in 0..300 {
        c.push(rng.below(m), rng.below(n), any_value(&mut rng));
    }
    c.push(0, 0, f64::INFINITY);
    c.push(1, 1, f64::NEG_INFINITY);
    c.push(2, 2, -0.0);
    c.push(3, 3, f64::MIN_POSITIVE / 8.0); // subnormal
    c.push(4, 4, f64::MAX);
    let path = dir.join("coo.mtx");
    mtx::write_coo(&path, &c).unwrap();
    let back = mtx::read_coo::<f64, u32>(&path).unwrap();
    assert_eq!(back.rows(), c.rows());
    assert_eq!(back.cols(), c.cols());
    assert!(
        back.values()
            .iter()
            .zip(c.values())
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );

    let a = c.into_csr();
    let path = dir.join("csr.mtx");
    mtx::write_csr(&path, a.view()).unwrap();
    let back = mtx::read_csr::<f64, u32>(&path).unwrap();
    assert_eq!(back.row_ptr(), a.row_ptr());
    assert_eq!(back.col_idx(), a.col_idx());
    assert!(
        back.values()
            .iter()
            .zip(a.values())
            .all(|(x, y)| x.to_bits() == y.to_bits())
    );

    // NaN survives (as some NaN).
    let mut c = Coo::<f64>::new(1, 1);
    c.push(0, 0, f64::NAN);
    mtx::write_coo(&path, &c).unwrap();
    assert!(mtx::read_coo::<f64, u32>(&path).unwrap().values()[0].is_nan());

    // f32, with u32 and usize indices.
    let mut c = Coo::<f32, usize>::new(5, 7);
    for _ in 0..20 {
        let v = f32::from_bits(rng.next_u64() as u32);
        c.push(
            rng.below(5),
            rng.below(7),
            if v.is_finite() { v } else { 0.25 },
        );
    }
    let a = c.into_csr();
    mtx::write_csr(&path, a.view()).unwrap();
    assert_eq!(mtx::read_csr::<f32, usize>(&path).unwrap(), a);

    // Empty matrices, and a matrix with no rows.
    for (m, n) in [(0, 0), (3, 0), (0, 4), (6, 2)] {
        let z = Csr::<f64>::zeros(m, n);
        mtx::write_csr(&path, z.view()).unwrap();
        assert_eq!(mtx::read_csr::<f64, u32>(&path).unwrap(), z);
    }

    // Dense, from either layout, read back column-major.
    let data: Vec<f64> = (0..m * n).map(|_| any_value(&mut rng)).collect();
    for layout in [Layout::RowMajor, Layout::ColMajor] {
        let v = DenseView::try_new(m, n, layout, &data).unwrap();
        mtx::write_dense(&path, v).unwrap();
        let back: Dense<f64> = mtx::read_dense(&path).unwrap();
        assert_eq!((back.nrows(), back.ncols()), (m, n));
        for i in 0..m {
            for j in 0..n {
                assert_eq!(back.get(i, j).to_bits(), v.get(i, j).to_bits());
            }
        }
    }
    // Nothing but the target file is left behind.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mtx_writer_errors_leave_no_file() {
    let dir = TempDir::new("mtx-write-errors");
    let path = dir.join("missing-dir").join("a.mtx");
    let z = Csr::<f64>::identity(3);
    match mtx::write_csr(&path, z.view()) {
        Err(Error::Io { .. }) => {}
        other => panic!("expected an I/O error, got {other:?}"),
    }
    assert!(!path.exists());
    // A file that exists is replaced whole.
    let path = dir.join("a.mtx");
    std::fs::write(&path, "old").unwrap();
    mtx::write_csr(&path, z.view()).unwrap();
    assert_eq!(mtx::read_csr::<f64, u32>(&path).unwrap(), z);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mtx_io_errors_name_the_file() {
    let path = std::env::temp_dir().join("matvec-mtx-does-not-exist.mtx");
    for e in [
        mtx::read_csr::<f64, u32>(&path).unwrap_err(),
        mtx::read_header(&path).unwrap_err(),
    ] {
        match &e {
            Error::Io { path: p, .. } => assert_eq!(p, &path),
            other => panic!("expected an I/O error, got {other:?}"),
        }
    }
}
