//! The driver's checks of the example binaries (`mpi_matvec`, `mpi_cg`, `mpi_pagerank`) on files scipy
//! wrote, against scipy's answers, and their error contract.

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Every example binary with 1-4 processes, against scipy.
pub(crate) fn run(exe: &Path, dir: &Path) {
    let (mv, cg) = (example(exe, "mpi_matvec"), example(exe, "mpi_cg"));
    let pr = example(exe, "mpi_pagerank");
    // scipy writes the matrices (stored members, as save_npz(compressed=False); Matrix
    // Market, the Poisson matrix as its lower triangle) and the vectors.
    python(
        dir,
        "import numpy as np, scipy.sparse as sp, scipy.io as sio\n\
         k = 40; t = sp.diags([-1., 2., -1.], [-1, 0, 1], shape=(k, k)); e = sp.identity(k)\n\
         p = (sp.kron(t, e) + sp.kron(e, t)).tocsr()\n\
         sp.save_npz('poisson.npz', p, compressed=False)\n\
         r = sp.random(70, 45, density=0.08, format='csr', random_state=3)\n\
         sp.save_npz('rect.npz', r, compressed=False)\n\
         sp.save_npz('compressed.npz', r, compressed=True)\n\
         sio.mmwrite('poisson.mtx', p, symmetry='symmetric'); sio.mmwrite('rect.mtx', r)\n\
         t = open('rect.mtx').read().splitlines(); t[-1] = t[-1] + ' 7'\n\
         open('bad.mtx', 'w').write('\\n'.join(t) + '\\n')\n\
         g = np.random.default_rng(1)\n\
         np.save('b.npy', g.standard_normal(k * k)); np.save('x45.npy', g.standard_normal(45))\n\
         np.save('x70.npy', g.standard_normal(70).astype(np.float32))\n\
         open('bad.npz', 'wb').write(open('rect.npz', 'rb').read()[:300])\n\
         gr = sp.random(90, 90, density=0.05, format='csr', random_state=5); gr.data[:] = 1\n\
         gr = sp.csr_array(gr); gr[7] = 0; gr.eliminate_zeros()  # node 7 dangles\n\
         sio.mmwrite('graph.mtx', gr, field='pattern')\n",
    );
    for np in 1..=4 {
        let run = |bin: &Path, args: &[&str]| {
            crate::mpirun(np)
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
            ("poisson.mtx", "b.npy", false, "y_pm.npy"),
            ("rect.mtx", "x70.npy", true, "y_rtm.npy"),
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
                    "import numpy as np, scipy.sparse as sp, scipy.io as sio\n\
                     m = '{m}'; a = sio.mmread(m).tocsr() if m.endswith('.mtx') else sp.load_npz(m)\n\
                     x = np.load('{x}').astype(np.float64)\n\
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
        for m in ["poisson.npz", "poisson.mtx"] {
            let out = run(&cg, &[m, "b.npy", "-o", "x_cg.npy", "--tol", "1e-10"]);
            assert!(out.status.success(), "mpi_cg {m} on {np}: {out:?}");
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
                "mpi_cg {m} on {np}: {v:?}"
            );
            std::fs::remove_file(dir.join("x_cg.npy")).unwrap();
        }
        // PageRank of a pattern graph against numpy's power iteration (networkx's convention:
        // dangling nodes' rank spread uniformly).
        let out = run(&pr, &["graph.mtx", "-o", "pr.npy", "--tol", "1e-13"]);
        assert!(out.status.success(), "mpi_pagerank on {np}: {out:?}");
        let err = python(
            dir,
            "import numpy as np, scipy.io as sio\n\
             a = sio.mmread('graph.mtx').toarray(); n = len(a); out = a.sum(1)\n\
             p = np.divide(a, out[:, None], out=np.zeros_like(a), where=out[:, None] > 0)\n\
             x = np.full(n, 1 / n)\n\
             for _ in range(3000): x = 0.85 * p.T @ x + (0.85 * x[out == 0].sum() + 0.15) / n\n\
             assert (out == 0).any()\n\
             print(abs(np.load('pr.npy') - x).sum())",
        );
        let err: f64 = err.trim().parse().expect("a number");
        assert!(err <= 1e-11, "mpi_pagerank on {np}: L1 error {err}");
        // The error contract: one `error:` line from rank 0, status 2, no output file.
        for (args, names) in [
            (vec!["missing.npz", "b.npy", "-o", "e1.npy"], "missing.npz"),
            (vec!["bad.npz", "x45.npy", "-o", "e2.npy"], "bad.npz"),
            (
                vec!["compressed.npz", "x45.npy", "-o", "e3.npy"],
                "compressed",
            ),
            (vec!["rect.npz", "b.npy", "-o", "e4.npy"], "b.npy"),
            (vec!["bad.mtx", "x45.npy", "-o", "e5.npy"], "bad.mtx: line "),
            (
                vec!["b.npy", "x45.npy", "-o", "e6.npy"],
                "expected a matrix file",
            ),
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
