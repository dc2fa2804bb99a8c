//! Each process reads only its rows: `.npz` by positioned reads, Matrix Market by byte
//! ranges and redistribution; missing, truncated and bad files give an error everywhere.

use crate::matrices::{Rng, close, poisson, rmat};
use matvec::io::mtx;
use matvec::{Csr, MatVec, Par};
use matvec_mpi::{DistCsr, read_mtx, read_npz};
use mpi::collective::SystemOperation;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Every file check.
pub(crate) fn check_all(world: &SimpleCommunicator) {
    let tmp = PathBuf::from(std::env::var_os("MATVEC_MPI_TMP").expect("set by the driver"));
    check_npz(world, &tmp);
    check_mtx(world, &tmp);
}

/// `.npz`: rank 0 writes a matrix; each process reads only its rows.
fn check_npz(world: &SimpleCommunicator, tmp: &Path) {
    let (p, me) = (world.size() as usize, world.rank() as usize);
    let path = tmp.join(format!("rmat-{p}.npz"));
    let m = rmat(10, 9000, 12);
    if me == 0 {
        matvec::io::npz::write_csr(&path, m.view()).unwrap();
    }
    world.barrier();
    let from_file = read_npz::<f64>(world, &path).unwrap();
    let from_mem = DistCsr::from_global(world, &m).unwrap();
    assert_eq!(
        from_file.rows(),
        from_mem.rows(),
        "the same balanced layout"
    );
    assert_eq!(from_file.local_nnz(), from_mem.local_nnz());
    let rr = from_file.rows().range(me);
    let xx: Vec<f64> = (0..m.ncols()).map(|i| (i % 13) as f64).collect();
    let mut y1 = vec![0.0; rr.len()];
    from_file.mul_vec(
        1.0,
        &xx[from_file.cols().range(me)],
        0.0,
        &mut y1,
        Par::Rayon,
    );
    close(&y1, &m.matvec(&xx)[rr], 1e-13, "read_npz");
    // A missing file: an error on every process.
    let missing = read_npz::<f64>(world, tmp.join("no-such.npz"));
    assert!(missing.is_err());
    // Truncated: an error naming the file, on every process.
    if me == 0 {
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(tmp.join(format!("cut-{p}.npz")), &bytes[..bytes.len() / 2]).unwrap();
    }
    world.barrier();
    let cut = read_npz::<f64>(world, tmp.join(format!("cut-{p}.npz")));
    match cut {
        Err(e) => assert!(e.to_string().contains("cut-"), "{e}"),
        Ok(_) => panic!("a truncated file was read"),
    }
}

/// `y = A·x` on this process's rows of `d`, against the whole matrix `a`.
fn check_product(d: &DistCsr<f64>, a: &Csr<f64>, what: &str) {
    let me = d.comm().rank() as usize;
    let x: Vec<f64> = (0..a.ncols()).map(|i| (i % 13) as f64 - 6.0).collect();
    let rows = d.rows().range(me);
    let mut y = vec![0.0; rows.len()];
    d.mul_vec(1.0, &x[d.cols().range(me)], 0.0, &mut y, Par::Rayon);
    close(&y, &a.matvec(&x)[rows], 1e-13, what);
    let mut nnz = 0usize;
    d.comm()
        .all_reduce_into(&d.local_nnz(), &mut nnz, SystemOperation::sum());
    assert_eq!(nnz, a.nnz(), "{what}: nonzeros in all");
}

/// Rank 0 writes `text` to `name` in `tmp`; every process waits for it.
fn shared_file(world: &SimpleCommunicator, tmp: &Path, name: &str, text: &str) -> PathBuf {
    let path = tmp.join(format!("{}-{name}", world.size()));
    if world.rank() == 0 {
        std::fs::write(&path, text).unwrap();
    }
    world.barrier();
    path
}

/// Matrix Market: every process parses one byte range and sends the entries to their rows'
/// owners; the result is compared with the single-process reader's matrix.
fn check_mtx(world: &SimpleCommunicator, tmp: &Path) {
    let me = world.rank();
    // General: R-MAT entries in shuffled order, some split into two duplicates, comment and
    // blank lines among them, so every process's byte range holds entries of every owner.
    let m = rmat(9, 3000, 14);
    let mut g = Rng(15);
    let mut lines = Vec::new();
    for i in 0..m.nrows() {
        let (cols, vals) = m.row(i);
        for (&j, &v) in cols.iter().zip(vals) {
            if g.below(4) == 0 {
                let half = v / 2.0;
                lines.push(format!("{} {} {half:e}", i + 1, j + 1));
                lines.push(format!("{} {} {:e}", i + 1, j + 1, v - half));
            } else {
                lines.push(format!("{} {} {v:e}", i + 1, j + 1));
            }
        }
    }
    for k in (1..lines.len()).rev() {
        lines.swap(k, g.below(k + 1));
    }
    let mut text = format!(
        "%%MatrixMarket matrix coordinate real general\n% by the mpirun test\n{n} {n} {}\n",
        lines.len(),
        n = m.nrows()
    );
    for l in &lines {
        if g.below(50) == 0 {
            text += "% a comment\n\n";
        }
        writeln!(text, "{l}").unwrap();
    }
    let path = shared_file(world, tmp, "rmat.mtx", &text);
    let whole = mtx::read_csr::<f64, u32>(&path).unwrap();
    let d = read_mtx::<f64>(world, &path).unwrap();
    check_product(&d, &whole, "read_mtx, general");

    // Symmetric: the lower triangle of the Poisson matrix; the mirrored entries cross to
    // other processes. Without duplicates, the rows are balanced exactly as in memory.
    let a = poisson(17);
    let mut text = format!(
        "%%MatrixMarket matrix coordinate real symmetric\n{n} {n} {}\n",
        (a.nnz() + a.nrows()) / 2,
        n = a.nrows()
    );
    for i in 0..a.nrows() {
        let (cols, vals) = a.row(i);
        for (&j, &v) in cols.iter().zip(vals) {
            if (j as usize) <= i {
                writeln!(text, "{} {} {v}", i + 1, j + 1).unwrap();
            }
        }
    }
    let path = shared_file(world, tmp, "poisson.mtx", &text);
    let d = read_mtx::<f64>(world, &path).unwrap();
    check_product(&d, &a, "read_mtx, symmetric");
    assert_eq!(d.rows(), DistCsr::from_global(world, &a).unwrap().rows());

    // Rectangular, pattern: x has its own (even) layout.
    let r = crate::matrices::random(23, 61, 150, 16);
    let mut text = format!(
        "%%MatrixMarket matrix coordinate pattern general\n23 61 {}\n",
        r.nnz()
    );
    for i in 0..r.nrows() {
        for &j in r.row(i).0 {
            writeln!(text, "{} {}", i + 1, j + 1).unwrap();
        }
    }
    let path = shared_file(world, tmp, "pattern.mtx", &text);
    let ones = Csr::try_new(
        r.nrows(),
        r.ncols(),
        r.row_ptr().to_vec(),
        r.col_idx().to_vec(),
        vec![1.0; r.nnz()],
    )
    .unwrap();
    check_product(&read_mtx::<f64>(world, &path).unwrap(), &ones, "pattern");

    // Tiny files: processes with no rows, byte ranges with no line, no entries at all.
    for (k, text) in [
        "%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1.5\n2 1 -2\n1 2 4\n",
        "%%MatrixMarket matrix coordinate integer symmetric\n3 3 2\n3 1 7\n2 2 -1\n",
        "%%MatrixMarket matrix coordinate real general\n5 4 0\n",
        "%%MatrixMarket matrix coordinate real general\n0 0 0\n",
    ]
    .iter()
    .enumerate()
    {
        let path = shared_file(world, tmp, &format!("tiny{k}.mtx"), text);
        let whole = mtx::read_csr::<f64, u32>(&path).unwrap();
        let d = read_mtx::<f64>(world, &path).unwrap();
        check_product(&d, &whole, &format!("tiny file {k}"));
    }

    // Errors, on every process: a bad line (named by its line number, wherever it falls),
    // too few entries, an array file, a missing file.
    let mut text = String::from("%%MatrixMarket matrix coordinate real general\n% c\n60 60 60\n");
    for i in 1..=60 {
        let bad = i == 50; // line 53
        writeln!(text, "{i} {} 1.5", if bad { "0" } else { "1" }).unwrap();
    }
    let path = shared_file(world, tmp, "bad.mtx", &text);
    let e = read_mtx::<f64>(world, &path).err().expect("a bad line");
    assert!(
        e.to_string().contains("bad.mtx: line 53: column index 0"),
        "rank {me}: {e}"
    );
    let short = text
        .replace("60 60 60", "60 60 61")
        .replace("50 0 1.5", "50 1 1.5");
    let path = shared_file(world, tmp, "short.mtx", &short);
    let e = read_mtx::<f64>(world, &path)
        .err()
        .expect("too few entries");
    assert!(
        e.to_string()
            .contains("line 3: the size line declares 61 entries, but the file holds only 60"),
        "rank {me}: {e}"
    );
    let arr = "%%MatrixMarket matrix array real general\n1 1\n2\n";
    let path = shared_file(world, tmp, "array.mtx", arr);
    assert!(read_mtx::<f64>(world, &path).is_err());
    assert!(read_mtx::<f64>(world, tmp.join("no-such.mtx")).is_err());
}
