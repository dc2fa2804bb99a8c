//! The distributed tests, under `mpirun` with 1, 2, 3 and 4 processes.
//!
//! `cargo test` runs this file as a plain program (`harness = false`): the *driver* starts
//! itself under `mpirun -np N` (each run under a timeout, so a hang fails instead of blocking
//! CI), then runs the example binaries on files scipy wrote and compares with scipy's answers.
//! Under mpirun (`OMPI_COMM_WORLD_SIZE` set) it is a *worker*: every process runs the checks
//! below against the single-process `Csr` and solvers, and a failed check exits non-zero,
//! which fails the mpirun and the driver. A missing `mpirun` fails too; nothing is skipped.

use matvec::solve::{self, CgWorkspace, Options, PageRankWorkspace, PowerWorkspace};
use matvec::{Coo, Csr, MatVec, Par};
use matvec_mpi::{DistCsr, DistVector, Error, Layout, read_npz};
use mpi::traits::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    if std::env::var_os("OMPI_COMM_WORLD_SIZE").is_some() {
        worker();
    } else {
        driver();
    }
}

// ---------------------------------------------------------------------------------------
// The driver: mpirun with 1..=4 processes, then the example binaries.

/// `mpirun` as root on this machine, any number of processes on two cores, yielding when
/// idle (busy-polling ranks would starve each other when oversubscribed).
fn mpirun(np: usize) -> Command {
    let mut c = Command::new("timeout");
    c.args([
        "-k",
        "10",
        "300",
        "mpirun",
        "--allow-run-as-root",
        "--oversubscribe",
    ])
    .args(["--mca", "mpi_yield_when_idle", "1", "-np", &np.to_string()]);
    c
}

fn driver() {
    let exe = std::env::current_exe().expect("the test's path");
    let dir = tempfile::tempdir().expect("a temporary directory");
    for np in 1..=4 {
        let out = mpirun(np)
            .arg(&exe)
            .env("MATVEC_MPI_TMP", dir.path())
            .output()
            .expect("mpirun runs (scripts/install-deps.sh installs openmpi-bin)");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "the checks failed under mpirun -np {np}:\n{text}"
        );
        let ok = text.matches("worker checks passed").count();
        assert_eq!(ok, np, "every process reports its checks:\n{text}");
        println!("mpirun -np {np}: {ok} processes passed their checks");
    }
    examples(&exe, dir.path());
    println!("mpirun tests: ok");
}

/// The example binaries, next to the test binary's directory (`cargo test` builds them).
fn example(exe: &Path, name: &str) -> PathBuf {
    let p = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .join("examples")
        .join(name);
    assert!(p.exists(), "{} is built by cargo test", p.display());
    p
}

/// Runs a Python snippet (numpy and scipy are installed by scripts/install-deps.sh; missing,
/// the test fails).
fn python(dir: &Path, code: &str) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(code)
        .current_dir(dir)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn examples(exe: &Path, dir: &Path) {
    let (mv, cg) = (example(exe, "mpi_matvec"), example(exe, "mpi_cg"));
    // scipy writes the matrices (stored members, as save_npz(compressed=False)) and vectors.
    python(
        dir,
        "import numpy as np, scipy.sparse as sp\n\
         k = 40; t = sp.diags([-1., 2., -1.], [-1, 0, 1], shape=(k, k)); e = sp.identity(k)\n\
         p = (sp.kron(t, e) + sp.kron(e, t)).tocsr()\n\
         sp.save_npz('poisson.npz', p, compressed=False)\n\
         r = sp.random(70, 45, density=0.08, format='csr', random_state=3)\n\
         sp.save_npz('rect.npz', r, compressed=False)\n\
         sp.save_npz('compressed.npz', r, compressed=True)\n\
         g = np.random.default_rng(1)\n\
         np.save('b.npy', g.standard_normal(k * k)); np.save('x45.npy', g.standard_normal(45))\n\
         np.save('x70.npy', g.standard_normal(70).astype(np.float32))\n\
         open('bad.npz', 'wb').write(open('rect.npz', 'rb').read()[:300])\n",
    );
    for np in 1..=4 {
        let run = |bin: &Path, args: &[&str]| {
            mpirun(np)
                .arg(bin)
                .args(args)
                .current_dir(dir)
                .output()
                .expect("mpirun runs")
        };
        for (m, x, t, y) in [
            ("poisson.npz", "b.npy", false, "y_p.npy"),
            ("rect.npz", "x45.npy", false, "y_r.npy"),
            ("rect.npz", "x70.npy", true, "y_rt.npy"),
        ] {
            let mut args = vec![m, x, "-o", y];
            if t {
                args.push("--transpose");
            }
            let out = run(&mv, &args);
            assert!(out.status.success(), "mpi_matvec {args:?} on {np}: {out:?}");
            let err = python(
                dir,
                &format!(
                    "import numpy as np, scipy.sparse as sp\n\
                     a = sp.load_npz('{m}'); x = np.load('{x}').astype(np.float64)\n\
                     ref = (a.T if {t} else a) @ x; y = np.load('{y}')\n\
                     assert y.dtype == np.float64 and y.shape == ref.shape\n\
                     print(abs(y - ref).max() / max(abs(ref).max(), 1e-300))",
                    t = if t { "True" } else { "False" }
                ),
            );
            let err: f64 = err.trim().parse().expect("a number");
            assert!(err <= 1e-13, "mpi_matvec {args:?} on {np} processes: {err}");
        }
        // CG against scipy's cg on the same system, and the true residual.
        let out = run(
            &cg,
            &["poisson.npz", "b.npy", "-o", "x_cg.npy", "--tol", "1e-10"],
        );
        assert!(out.status.success(), "mpi_cg on {np}: {out:?}");
        let check = python(
            dir,
            "import numpy as np, scipy.sparse as sp, scipy.sparse.linalg as sla\n\
             a = sp.load_npz('poisson.npz'); b = np.load('b.npy'); x = np.load('x_cg.npy')\n\
             r = np.linalg.norm(b - a @ x) / np.linalg.norm(b)\n\
             s, info = sla.cg(a, b, rtol=1e-10, maxiter=10000)\n\
             print(r, np.linalg.norm(x - s) / np.linalg.norm(s), info)",
        );
        let v: Vec<f64> = check
            .split_whitespace()
            .map(|t| t.parse().unwrap())
            .collect();
        assert!(
            v[0] <= 1e-10 && v[1] <= 1e-8 && v[2] == 0.0,
            "mpi_cg on {np}: {v:?}"
        );
        // The error contract: one `error:` line from rank 0, status 2, no output file.
        for (args, names) in [
            (vec!["missing.npz", "b.npy", "-o", "e1.npy"], "missing.npz"),
            (vec!["bad.npz", "x45.npy", "-o", "e2.npy"], "bad.npz"),
            (
                vec!["compressed.npz", "x45.npy", "-o", "e3.npy"],
                "compressed",
            ),
            (vec!["rect.npz", "b.npy", "-o", "e4.npy"], "b.npy"),
        ] {
            let out = run(&mv, &args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
            assert_eq!(out.status.code(), Some(2), "{args:?} on {np}: {stderr}");
            assert_eq!(
                lines.len(),
                1,
                "one error line for {args:?} on {np}: {stderr}"
            );
            assert!(lines[0].contains(names), "{args:?}: {}", lines[0]);
            assert!(!dir.join(args[3]).exists(), "no output for {args:?}");
        }
        println!("mpirun -np {np}: examples match scipy; errors follow the contract");
    }
}

// ---------------------------------------------------------------------------------------
// The worker: every process runs these checks.

/// SplitMix64: the same numbers on every process.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn value(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

fn poisson(k: usize) -> Csr<f64> {
    let n = k * k;
    let mut c = Coo::with_capacity(n, n, 5 * n);
    for i in 0..k {
        for j in 0..k {
            let r = i * k + j;
            c.push(r, r, 4.0);
            if i > 0 {
                c.push(r, r - k, -1.0);
            }
            if i + 1 < k {
                c.push(r, r + k, -1.0);
            }
            if j > 0 {
                c.push(r, r - 1, -1.0);
            }
            if j + 1 < k {
                c.push(r, r + 1, -1.0);
            }
        }
    }
    c.into_csr()
}

fn random(m: usize, n: usize, nnz: usize, seed: u64) -> Csr<f64> {
    let mut g = Rng(seed);
    let mut c = Coo::new(m, n);
    if m > 0 && n > 0 {
        for _ in 0..nnz {
            c.push(g.below(m), g.below(n), g.value());
        }
    }
    c.into_csr()
}

/// R-MAT (a = 0.57, b = c = 0.19): skewed degrees, a few very dense rows and columns.
fn rmat(scale: u32, nnz: usize, seed: u64) -> Csr<f64> {
    let n = 1 << scale;
    let mut g = Rng(seed);
    let mut c = Coo::new(n, n);
    for _ in 0..nnz {
        let (mut i, mut j) = (0, 0);
        for _ in 0..scale {
            let r = g.below(100);
            let (bi, bj) = if r < 57 {
                (0, 0)
            } else if r < 76 {
                (0, 1)
            } else if r < 95 {
                (1, 0)
            } else {
                (1, 1)
            };
            i = 2 * i + bi;
            j = 2 * j + bj;
        }
        c.push(i, j, g.value());
    }
    c.into_csr()
}

/// Rows 3 and 7 empty, columns 2 and 5 empty, row 4 dense.
fn holes() -> Csr<f64> {
    let (m, n) = (12, 9);
    let mut c = Coo::new(m, n);
    for i in 0..m {
        for j in 0..n {
            let keep = i == 4 || (i * 7 + j * 3) % 5 == 0;
            if keep && i != 3 && i != 7 && j != 2 && j != 5 {
                c.push(i, j, (i * n + j) as f64 * 0.25 - 3.0);
            }
        }
    }
    c.into_csr()
}

fn close(a: &[f64], b: &[f64], rel: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= rel * scale,
            "{what}: entry {i}: {x} vs {y} (scale {scale})"
        );
    }
}

/// Products (both directions, with β ≠ 0, under Seq and Rayon) against the whole `Csr`.
fn check_products(world: &impl Communicator, name: &str, a: &Csr<f64>) {
    let d = DistCsr::from_global(world, a).expect("setup");
    let me = world.rank() as usize;
    let (rows, cols) = (d.rows().range(me), d.cols().range(me));
    assert_eq!(d.global_shape(), (a.nrows(), a.ncols()));
    assert_eq!(
        d.local_nnz(),
        a.row_ptr()[rows.end] - a.row_ptr()[rows.start]
    );
    let mut g = Rng(99);
    let x: Vec<f64> = (0..a.ncols()).map(|_| g.value()).collect();
    let y0: Vec<f64> = (0..a.nrows()).map(|_| g.value()).collect();
    let mut want = y0.clone();
    a.mul_vec(1.5, &x, -0.5, &mut want, Par::Seq);
    let mut seq = y0[rows.clone()].to_vec();
    d.mul_vec(1.5, &x[cols.clone()], -0.5, &mut seq, Par::Seq);
    close(
        &seq,
        &want[rows.clone()],
        1e-13,
        &format!("{name}: mul_vec"),
    );
    let mut par = y0[rows.clone()].to_vec();
    d.mul_vec(1.5, &x[cols.clone()], -0.5, &mut par, Par::Rayon);
    assert!(seq == par, "{name}: mul_vec differs between Seq and Rayon");
    // β = 0 never reads y: NaN must not leak.
    let mut nan = vec![f64::NAN; rows.len()];
    d.mul_vec(1.5, &x[cols.clone()], 0.0, &mut nan, Par::Rayon);
    let mut want0 = vec![0.0; a.nrows()];
    a.mul_vec(1.5, &x, 0.0, &mut want0, Par::Seq);
    close(
        &nan,
        &want0[rows.clone()],
        1e-13,
        &format!("{name}: beta = 0"),
    );
    // Transposed: x over the rows, y over the columns.
    let xt: Vec<f64> = (0..a.nrows()).map(|_| g.value()).collect();
    let yt0: Vec<f64> = (0..a.ncols()).map(|_| g.value()).collect();
    let mut want_t = yt0.clone();
    a.mul_vec_t(2.0, &xt, 0.25, &mut want_t, Par::Seq);
    let mut t_seq = yt0[cols.clone()].to_vec();
    d.mul_vec_t(2.0, &xt[rows.clone()], 0.25, &mut t_seq, Par::Seq);
    close(
        &t_seq,
        &want_t[cols.clone()],
        1e-13,
        &format!("{name}: mul_vec_t"),
    );
    let mut t_par = yt0[cols.clone()].to_vec();
    d.mul_vec_t(2.0, &xt[rows], 0.25, &mut t_par, Par::Rayon);
    assert!(
        t_seq == t_par,
        "{name}: mul_vec_t differs between Seq and Rayon"
    );
    // The ghosts are the off-block columns the rows touch, compacted in increasing order.
    assert!(d.ghost_columns().windows(2).all(|w| w[0] < w[1]));
    assert!(d.ghost_columns().iter().all(|c| !cols.contains(c)));
    assert_eq!(d.halo_received(), d.ghost_columns().len());
}

fn worker() {
    let universe = mpi::initialize().expect("MPI starts");
    let world = universe.world();
    let (p, me) = (world.size() as usize, world.rank() as usize);

    check_products(&world, "poisson 20x20", &poisson(20));
    check_products(&world, "rectangular 57x31", &random(57, 31, 300, 1));
    check_products(&world, "wide 13x80", &random(13, 80, 200, 2));
    check_products(&world, "empty rows, columns, a dense row", &holes());
    check_products(&world, "R-MAT 2^9", &rmat(9, 4000, 3));
    // Fewer rows than processes: some own none.
    check_products(&world, "2x2", &random(2, 2, 4, 4));
    check_products(&world, "1x5", &random(1, 5, 3, 5));
    check_products(&world, "0x0", &random(0, 0, 0, 6));
    check_products(&world, "3x0", &random(3, 0, 0, 7));

    // A layout that gives this process nothing, on purpose.
    let a = random(30, 30, 200, 8);
    let mut off = vec![0usize; p + 1];
    for (r, o) in off.iter_mut().enumerate().skip(1) {
        *o = if r == 1 { 0 } else { (30 * r).div_ceil(p) };
    }
    off[p] = 30;
    let rows = Layout::from_offsets(off);
    let mine = rows.range(me);
    let local = {
        let ptr = a.row_ptr();
        let (f, l) = (ptr[mine.start], ptr[mine.end]);
        Csr::try_new(
            mine.len(),
            30,
            ptr[mine.start..=mine.end].iter().map(|q| q - f).collect(),
            a.col_idx()[f..l].iter().map(|&c| c as usize).collect(),
            a.values()[f..l].to_vec(),
        )
        .unwrap()
    };
    let d = DistCsr::from_local_rows(&world, rows.clone(), rows.clone(), local).unwrap();
    let x: Vec<f64> = (0..30).map(|i| i as f64 - 7.0).collect();
    let mut y = vec![0.0; mine.len()];
    d.mul_vec(1.0, &x[mine.clone()], 0.0, &mut y, Par::Rayon);
    close(
        &y,
        &a.matvec(&x)[mine.clone()],
        1e-13,
        "rank 1 owns nothing",
    );

    // A wrong layout is an error on every process, not a hang.
    let bad = DistCsr::from_local_rows(
        &world,
        Layout::even(30, p + 1),
        rows,
        Csr::<f64, usize>::zeros(0, 30),
    );
    assert!(matches!(bad, Err(Error::Invalid(_) | Error::Remote { .. })));

    // CG: the crate's own, on the distributed matrix, against the single-process run.
    let a = poisson(24);
    let d = DistCsr::from_global(&world, &a).unwrap();
    let r = d.rows().range(me);
    let b: Vec<f64> = (0..a.nrows())
        .map(|i| ((i * 37) % 11) as f64 - 5.0)
        .collect();
    let mut x1 = vec![0.0; a.nrows()];
    let single = solve::cg(
        &a,
        &b,
        &mut x1,
        Options::new().tol(1e-10),
        &mut CgWorkspace::new(),
    )
    .unwrap();
    let mut xd = vec![0.0; r.len()];
    let red = d.reduction();
    let opts = Options::new().tol(1e-10).reduce(&red);
    let dist = solve::cg(&d, &b[r.clone()], &mut xd, opts, &mut CgWorkspace::new()).unwrap();
    assert!(dist.converged && single.converged);
    assert!(
        dist.iterations.abs_diff(single.iterations) <= 2,
        "{dist:?} vs {single:?}"
    );
    close(&xd, &x1[r.clone()], 1e-8, "cg");
    // Every process holds the same report.
    let mut its = vec![0u64; p];
    world.all_gather_into(&(dist.iterations as u64), &mut its[..]);
    assert!(its.iter().all(|&i| i == its[0]), "reports differ: {its:?}");

    // The true residual, through DistVector's global norm.
    let mut ax = vec![0.0; r.len()];
    d.mul_vec(1.0, &xd, 0.0, &mut ax, Par::Rayon);
    let res = DistVector::from_local(
        &world,
        d.rows(),
        ax.iter().zip(&b[r.clone()]).map(|(p, q)| q - p).collect(),
    );
    let bn = DistVector::from_local(&world, d.rows(), b[r.clone()].to_vec());
    assert!(res.norm2() <= 1e-10 * bn.norm2());
    let all = res.gather(0);
    assert_eq!(all.is_some(), me == 0);

    // A bad right-hand side on one process: every process gets the error.
    let mut bb = b[r.clone()].to_vec();
    if me == p - 1 && !bb.is_empty() {
        bb[0] = f64::NAN;
    }
    let mut xx = vec![0.0; r.len()];
    let red = d.reduction();
    let e = solve::cg(
        &d,
        &bb,
        &mut xx,
        Options::new().reduce(&red),
        &mut CgWorkspace::new(),
    );
    assert!(e.is_err(), "every process refuses a NaN on rank {}", p - 1);

    // Power iteration and PageRank (transposed products) against one process.
    let mut v1 = vec![1.0; a.nrows()];
    let s = solve::power_iteration(
        &a,
        &mut v1,
        Options::new().tol(1e-6).max_iter(5000),
        &mut PowerWorkspace::new(),
    )
    .unwrap();
    let mut vd = vec![1.0; r.len()];
    let red = d.reduction();
    let t = solve::power_iteration(
        &d,
        &mut vd,
        Options::new().tol(1e-6).max_iter(5000).reduce(&red),
        &mut PowerWorkspace::new(),
    )
    .unwrap();
    assert!(
        (s.value - t.value).abs() <= 1e-9 * s.value.abs(),
        "{s:?} vs {t:?}"
    );
    let graph = rmat(8, 2000, 11);
    let mut weights = graph.clone();
    weights
        .values_mut()
        .iter_mut()
        .for_each(|v| *v = v.abs() + 0.1);
    let dg = DistCsr::from_global(&world, &weights).unwrap();
    let rg = dg.rows().range(me);
    let mut x1 = vec![0.0; weights.nrows()];
    solve::pagerank(
        &weights,
        0.85,
        None,
        &mut x1,
        Options::new().tol(1e-12),
        &mut PageRankWorkspace::new(),
    )
    .unwrap();
    let mut xg = vec![0.0; rg.len()];
    let red = dg.reduction();
    let rep = solve::pagerank(
        &dg,
        0.85,
        None,
        &mut xg,
        Options::new().tol(1e-12).reduce(&red),
        &mut PageRankWorkspace::new(),
    )
    .unwrap();
    assert!(rep.converged);
    close(&xg, &x1[rg], 1e-10, "pagerank");

    // Lanczos keeps small matrices of global size: it refuses several processes.
    if p > 1 {
        let red = d.reduction();
        let l = solve::lanczos(
            &d,
            2,
            solve::Which::Largest,
            Options::new().reduce(&red),
            &mut solve::LanczosWorkspace::new(),
        );
        assert!(l.is_err());
    }

    // Files: rank 0 writes a matrix; each process reads only its rows.
    let tmp = PathBuf::from(std::env::var_os("MATVEC_MPI_TMP").expect("set by the driver"));
    let path = tmp.join(format!("rmat-{p}.npz"));
    let m = rmat(10, 9000, 12);
    if me == 0 {
        matvec::io::npz::write_csr(&path, m.view()).unwrap();
    }
    world.barrier();
    let from_file = read_npz::<f64>(&world, &path).unwrap();
    let from_mem = DistCsr::from_global(&world, &m).unwrap();
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
    let missing = read_npz::<f64>(&world, tmp.join("no-such.npz"));
    assert!(missing.is_err());
    // Truncated: an error naming the file, on every process.
    if me == 0 {
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(tmp.join(format!("cut-{p}.npz")), &bytes[..bytes.len() / 2]).unwrap();
    }
    world.barrier();
    let cut = read_npz::<f64>(&world, tmp.join(format!("cut-{p}.npz")));
    match cut {
        Err(e) => assert!(e.to_string().contains("cut-"), "{e}"),
        Ok(_) => panic!("a truncated file was read"),
    }
    println!("rank {me} of {p}: worker checks passed");
}
