//! Files scipy wrote (tests/data/mtx), and scipy reading the files we write.

use super::*;

#[test]
fn mtx_fixtures_match_scipy() {
    let n = check_fixtures(&fixtures_dir());
    // 9 coordinate variants, 6 array variants, 1 empty matrix.
    assert_eq!(n, 16);
}

#[test]
fn mtx_fixtures_regenerate_with_scipy() {
    let Some(py) = python_with("numpy, scipy.io") else {
        return;
    };
    let dir = TempDir::new("mtx-regen");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen_mtx_fixtures.py");
    let out = run_python(&py, &[script.to_str().unwrap(), dir.to_str().unwrap()]);
    eprintln!("{}", out.trim());
    let names = |d: &Path| {
        mtx_files(d)
            .iter()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&dir),
        names(&fixtures_dir()),
        "the checked-in fixtures are stale"
    );
    assert_eq!(check_fixtures(&dir), 16);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mtx_scipy_reads_our_files() {
    let Some(py) = python_with("numpy, scipy.io") else {
        return;
    };
    let dir = TempDir::new("mtx-scipy-reads");
    let mut rng = Rng::new(7);
    let (m, n) = (23, 17);
    let mut c = Coo::<f64>::new(m, n);
    for _ in 0..120 {
        c.push(rng.below(m), rng.below(n), any_value(&mut rng));
    }
    let a = c.into_csr();
    mtx::write_csr(dir.join("a.mtx"), a.view()).unwrap();
    let d: Vec<f64> = (0..m * n).map(|_| any_value(&mut rng)).collect();
    let dense = DenseView::row_major(m, n, &d).unwrap();
    mtx::write_dense(dir.join("d.mtx"), dense).unwrap();
    let script = "import sys, numpy as np, scipy.io as io\n\
                  d = sys.argv[1]\n\
                  a = io.mmread(d + '/a.mtx')\n\
                  np.save(d + '/a.npy', a.toarray().ravel())\n\
                  np.save(d + '/d.npy', np.asarray(io.mmread(d + '/d.mtx')).ravel())\n";
    run_python(&py, &["-c", script, dir.to_str().unwrap()]);
    let got = npy::read_vector(dir.join("a.npy")).unwrap().into_f64();
    let want = a.to_dense(Layout::RowMajor).into_vec();
    assert!(
        got.iter()
            .zip(&want)
            .all(|(x, y)| x.to_bits() == y.to_bits())
    );
    let got = npy::read_vector(dir.join("d.npy")).unwrap().into_f64();
    assert!(got.iter().zip(&d).all(|(x, y)| x.to_bits() == y.to_bits()));
    std::fs::remove_dir_all(&dir).unwrap();
}
