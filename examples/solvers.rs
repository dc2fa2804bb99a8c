//! `solvers`: the performance check of the iterative methods in `matvec::solve` (issue #6).
//!
//! ```sh
//! cargo run --release --example solvers                   # 1000 x 1000 Poisson grid (1 M rows)
//! cargo run --release --example solvers -- --grid 500 --reps 3 --threads 1
//! ```
//!
//! 1. For each method — CG and power iteration on the 2-D Poisson matrix, PageRank on an
//!    R-MAT graph (CSC), thick-restart Lanczos on the Poisson matrix, randomized SVD on an
//!    in-memory dense matrix — the median time of a run with a fixed number of iterations
//!    (tolerance 0, so none stops early) against the median time of *the same products
//!    alone* (the same number of `mul_vec` / `mul_vec_t` / `mul_mat` calls on the same
//!    operator and buffers), and their ratio. The issue's goal is ≤ 1.15 per iteration.
//! 2. CG on the Poisson matrix to 1e-8 relative residual (b = ones, x0 = 0): our time and
//!    iterations against scipy's `scipy.sparse.linalg.cg` on the same problem, run in the
//!    same process tree by `scripts/scipy_solvers.py` (skipped with a message when python3
//!    or scipy is missing), and each one's time per iteration over its own product's time.
//!
//! The machine may be shared: part 1 runs in paired rounds (solver, then products alone, or
//! the reverse, back to back) and reports the medians and the median of the per-round
//! ratios; part 2 runs `min(--reps, 3)` rounds of one CG solve each — ours with `Par::Rayon`,
//! ours with `Par::Seq`, scipy's (one run of the script) — and reports the medians and the
//! median of the per-round ratios of our solve time to scipy's.
//!
//! The "bytes" column is the ratio of the memory traffic of an iteration (its products plus
//! its vector passes, each vector read or written counted once, 8 bytes an entry) to that of
//! its products alone: for a cheap sparse operator, vector passes cost about what they move,
//! so this is roughly the ratio to expect.

mod support;

use clap::Parser;
use matvec::solve::{
    CgWorkspace, LanczosWorkspace, Options, PageRankWorkspace, PowerWorkspace, Rsvd, RsvdWorkspace,
    Which, cg, lanczos, pagerank, power_iteration, rsvd,
};
use matvec::{Csc, Csr, Dense, Footprint, Layout, MatVec, Par};
use std::process::{Command, ExitCode};
use std::time::Instant;
use support::{SplitMix64, median, poisson2d, rmat_graph};

#[derive(Parser, Debug)]
#[command(
    about = "Time per iteration of each solver against its products alone, and CG on \
                   2-D Poisson against scipy"
)]
struct Args {
    /// Poisson grid side k: the matrix has k² rows.
    #[arg(long, default_value_t = 1000)]
    grid: usize,
    /// Runs per measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// R-MAT scale of the PageRank graph (2^scale nodes, 16·2^scale edges).
    #[arg(long, default_value_t = 20)]
    scale: u32,
    /// Rows of the dense matrix of the randomized SVD (256 columns).
    #[arg(long, default_value_t = 100_000)]
    dense_rows: usize,
    /// Skip the comparison with scipy.
    #[arg(long)]
    no_scipy: bool,
    /// Python interpreter for scripts/scipy_solvers.py.
    #[arg(long, default_value = "python3")]
    python: String,
}

fn main() -> ExitCode {
    match support::parse_args::<Args>() {
        Ok(args) => support::finish(run(&args)),
        Err(code) => code,
    }
}

/// Paired rounds on a shared machine: each round times `solve` and `alone` back to back
/// (alternating which goes first, after one warm-up of each), so both see the same load; the
/// line holds the median of each and the median of the per-round ratios.
fn paired(
    name: String,
    iters: usize,
    products: usize,
    reps: usize,
    mut solve: impl FnMut() -> usize,
    mut alone: impl FnMut(),
) -> Line {
    let time = |f: &mut dyn FnMut()| {
        let s = Instant::now();
        f();
        s.elapsed().as_secs_f64()
    };
    let mut run_solve = || {
        let p = solve();
        assert_eq!(p, products, "{name}: products");
    };
    alone();
    let (mut ts, mut ta, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..reps.max(1) {
        let (s, a) = if r.is_multiple_of(2) {
            let s = time(&mut run_solve);
            (s, time(&mut alone))
        } else {
            let a = time(&mut alone);
            (time(&mut run_solve), a)
        };
        ts.push(s);
        ta.push(a);
        ratio.push(s / a);
    }
    Line {
        name,
        iters,
        products,
        solver: median(&mut ts),
        alone: median(&mut ta),
        ratio: median(&mut ratio),
        bytes: None,
    }
}

/// `times` products `A·p` into a scratch vector: the products of a run, without the solver.
fn products_alone(a: &dyn MatVec<f64>, times: usize, par: Par) -> impl FnMut() + '_ {
    let (p, mut q) = (vec![1.0; a.ncols()], vec![0.0; a.nrows()]);
    move || {
        for _ in 0..times {
            a.mul_vec(1.0, &p, 0.0, &mut q, par);
        }
    }
}

/// One line of the table.
struct Line {
    name: String,
    iters: usize,
    products: usize,
    solver: f64,
    alone: f64,
    ratio: f64,
    /// Bytes of an iteration over bytes of its products, where the model is simple.
    bytes: Option<f64>,
}

fn run(args: &Args) -> Result<(), String> {
    support::set_threads(args.threads)?;
    if args.grid < 2 || args.reps == 0 || !(4..=26).contains(&args.scale) || args.dense_rows < 64 {
        return Err(
            "need --grid >= 2, --reps >= 1, 4 <= --scale <= 26 and --dense-rows >= 64".into(),
        );
    }
    let par = Par::Rayon;
    let reps = args.reps;
    let k = args.grid;
    let a = poisson2d(k);
    let n = a.nrows();
    println!(
        "2-D Poisson {k} x {k}: {n} rows, {} nonzeros (CSR, {}); {} threads; median of {reps}",
        a.nnz(),
        support::fmt_bytes(a.data_bytes()),
        par.threads()
    );
    let mut lines = Vec::new();

    // CG: one product and three fused vector passes an iteration.
    {
        let iters = 100;
        let b = vec![1.0; n];
        let mut x = vec![0.0; n];
        let mut ws = CgWorkspace::new();
        let mut solve = || {
            x.fill(0.0);
            let opts = Options::new().tol(0.0).max_iter(iters).par(par);
            let r = cg(&a, &b, &mut x, opts, &mut ws).expect("cg");
            assert_eq!(r.iterations, iters);
            r.products
        };
        let products = solve();
        let alone = products_alone(&a, products, par);
        let mut line = paired(
            "cg (Poisson, CSR)".into(),
            iters,
            products,
            reps,
            solve,
            alone,
        );
        // Product: the matrix, p read, q written. Vector passes: p·q (p, q), r ← r − α·q
        // with r·r (r read and written, q), x ← x + α·p and p ← r + β·p (x and p read and
        // written, r): 10 vectors.
        line.bytes = Some(ratio_of_bytes(csr_bytes(&a), 10 * 8 * n));
        lines.push(line);
    }

    // Power iteration: one product and the normalization passes an iteration.
    {
        let iters = 100;
        let mut x = vec![0.0; n];
        let mut ws = PowerWorkspace::new();
        let mut solve = || {
            fill_random(&mut x, 7);
            let opts = Options::new().tol(0.0).max_iter(iters).par(par);
            let d = power_iteration(&a, &mut x, opts, &mut ws).expect("power_iteration");
            assert_eq!(d.report.iterations, iters);
            d.report.products
        };
        let products = solve();
        let alone = products_alone(&a, products, par);
        let mut line = paired(
            "power iteration (Poisson)".into(),
            iters,
            products,
            reps,
            solve,
            alone,
        );
        // x·y and y·y in one pass (x, y), then ‖y − λx‖ with y ← y/‖y‖ (x read, y read and
        // written): 5.
        line.bytes = Some(ratio_of_bytes(csr_bytes(&a), 5 * 8 * n));
        lines.push(line);
    }

    // Lanczos: m = 20 basis vectors, k = 5 largest, 3 restart cycles.
    {
        let restarts = 3;
        let mut ws = LanczosWorkspace::new();
        let mut solve = || {
            let opts = Options::new().tol(0.0).max_iter(restarts).par(par);
            let e = lanczos(&a, 5, Which::Largest, opts, &mut ws).expect("lanczos");
            assert_eq!(e.report.iterations, restarts);
            e.report.products
        };
        let products = solve();
        let alone = products_alone(&a, products, par);
        lines.push(paired(
            "lanczos k=5 m=20 (Poisson)".into(),
            products,
            products,
            reps,
            solve,
            alone,
        ));
    }
    drop(a);

    // PageRank on an R-MAT graph held as CSC (mul_vec_t is a parallel gather).
    {
        let t = Instant::now();
        let g: Csc<f64> = rmat_graph(args.scale, 16, 42).into_csc();
        println!(
            "R-MAT graph: 2^{} nodes, {} distinct edges (CSC, {}), built in {:.1} s",
            args.scale,
            g.nnz(),
            support::fmt_bytes(g.data_bytes()),
            t.elapsed().as_secs_f64()
        );
        let gn = g.nrows();
        let iters = 50;
        let mut x = vec![0.0; gn];
        let mut ws = PageRankWorkspace::new();
        let mut solve = || {
            x.fill(0.0);
            let opts = Options::new().tol(0.0).max_iter(iters).par(par);
            let r = pagerank(&g, 0.85, None, &mut x, opts, &mut ws).expect("pagerank");
            assert_eq!(r.iterations, iters);
            r.products
        };
        let products = solve();
        // The same calls: one G·1 (out-degrees), then one Gᵀ·y an iteration.
        let (p, mut q) = (vec![1.0 / gn as f64; gn], vec![0.0; gn]);
        let alone = || {
            g.mul_vec(1.0, &p, 0.0, &mut q, par);
            for _ in 1..products {
                g.mul_vec_t(1.0, &p, 0.0, &mut q, par);
            }
        };
        let mut line = paired(
            format!("pagerank (R-MAT 2^{}, CSC)", args.scale),
            iters,
            products,
            reps,
            solve,
            alone,
        );
        // Product Gᵀ·y: the matrix, y (gathered: at least once), t written. Passes: y ← x./out
        // (x, out, y), x ← d·t + c·v with the L1 change (t, x read and written): 6.
        line.bytes = Some(ratio_of_bytes(g.data_bytes() + 16 * gn, 6 * 8 * gn));
        lines.push(line);
    }

    // Randomized SVD on an in-memory dense matrix: block products of l = k + oversample.
    {
        let (m, c) = (args.dense_rows, 256);
        let mut data = vec![0.0; m * c];
        let mut rng = SplitMix64::new(3);
        data.iter_mut().for_each(|v| *v = rng.next_f64() - 0.5);
        let d = Dense::try_new(m, c, Layout::RowMajor, data).map_err(|e| e.to_string())?;
        let (kk, settings) = (10, Rsvd::default());
        let l = kk + settings.oversample;
        let mut ws = RsvdWorkspace::new();
        let mut solve = || {
            // HMT's q = 2: three of our power iterations (the flat spectrum of random data
            // would not meet a tolerance in few passes; this measures the cost per pass).
            let opts = Options::new().tol(0.0).max_iter(3).par(par);
            let s = rsvd(&d, kk, settings, opts, &mut ws).expect("rsvd");
            s.report.products
        };
        let products = solve();
        // The same block products: A·Ω, then 3 × (Aᵀ·Q, A·Q_z).
        let (mut y, mut z) = (vec![0.5; m * l], vec![0.5; c * l]);
        let alone = || {
            d.mul_mat(1.0, &z, 0.0, &mut y, par);
            for _ in 0..3 {
                d.mul_mat_t(1.0, &y, 0.0, &mut z, par);
                d.mul_mat(1.0, &z, 0.0, &mut y, par);
            }
        };
        let passes = 7;
        assert_eq!(products, passes * l);
        let line = paired(
            format!("rsvd k={kk} l={l} ({m} x {c} dense)"),
            passes,
            products,
            reps,
            solve,
            alone,
        );
        lines.push(line);
    }

    println!(
        "\n{:<34} {:>6} {:>8} {:>12} {:>12} {:>7} {:>7}",
        "method", "iters", "products", "solver/iter", "alone/iter", "ratio", "bytes"
    );
    for l in &lines {
        println!(
            "{:<34} {:>6} {:>8} {:>9.3} ms {:>9.3} ms {:>7.2} {:>7}",
            l.name,
            l.iters,
            l.products,
            l.solver / l.iters as f64 * 1e3,
            l.alone / l.iters as f64 * 1e3,
            l.ratio,
            l.bytes.map_or("-".into(), |b| format!("{b:.2}"))
        );
    }
    println!(
        "(iters: iterations; for lanczos its products (3 restart cycles), for rsvd its passes \
         over A. alone: the same products without the solver. ratio: median of the \
         per-round ratios, goal <= 1.15. bytes: modelled memory traffic of an iteration over \
         that of its products)"
    );
    cg_vs_scipy(args)
}

/// What `scripts/scipy_solvers.py` printed.
struct Scipy {
    version: String,
    iterations: usize,
    solve: f64,
    matvec: f64,
    residual: f64,
}

/// Runs `scripts/scipy_solvers.py` for one timed solve; `Err` with the reason to skip scipy.
fn run_scipy(args: &Args, rtol: f64) -> Result<Scipy, String> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/scipy_solvers.py");
    // scipy's product is single-threaded; its dot products are OpenBLAS's. One OpenBLAS thread
    // is scipy's best here: with a second, contended core, OpenBLAS's thread hand-offs made
    // each iteration many times slower.
    let out = Command::new(&args.python)
        .arg(&script)
        .args([
            "--grid",
            &args.grid.to_string(),
            "--reps",
            "1",
            "--no-warmup",
        ])
        .args(["--rtol", &format!("{rtol:e}")])
        .env("OPENBLAS_NUM_THREADS", "1")
        .env("OMP_NUM_THREADS", "1")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", args.python))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("no message")
        ));
    }
    let out = String::from_utf8_lossy(&out.stdout).into_owned();
    let get = |key: &str| -> Option<&str> {
        out.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(str::trim)
    };
    let num = |key: &str| get(key).and_then(|v| v.parse::<f64>().ok());
    match (
        num("iterations"),
        num("solve_s"),
        num("matvec_s"),
        num("residual"),
    ) {
        (Some(its), Some(solve), Some(matvec), Some(residual)) => Ok(Scipy {
            version: get("scipy").unwrap_or("?").to_string(),
            iterations: its as usize,
            solve,
            matvec,
            residual,
        }),
        _ => Err(format!("unexpected output of {}: {out}", script.display())),
    }
}

/// CG to 1e-8 on the Poisson matrix: ours (parallel and sequential) and scipy's, in paired
/// rounds (one solve of each per round, back to back, so that all see the same load).
fn cg_vs_scipy(args: &Args) -> Result<(), String> {
    let k = args.grid;
    let a: Csr<f64> = poisson2d(k);
    let n = a.nrows();
    let b = vec![1.0; n];
    let mut x = vec![0.0; n];
    let mut ws = CgWorkspace::new();
    let (p, mut q) = (vec![1.0; n], vec![0.0; n]);
    let rtol = 1e-8;
    let rounds = args.reps.min(3);
    println!(
        "\nCG on 2-D Poisson {k} x {k} to relative residual {rtol:.0e} (b = ones, x0 = 0), \
         median of {rounds} paired rounds:"
    );
    println!(
        "{:<28} {:>6} {:>10} {:>12} {:>12} {:>8} {:>11} {:>9}",
        "", "iters", "solve", "per iter", "product", "ratio", "true resid", "/ scipy"
    );
    let pars = [Par::Rayon, Par::Seq];
    // Per configuration (ours Rayon, ours Seq, scipy): solve times, product times, per-iteration
    // over product ratios, and (ours) solve over scipy's solve of the same round.
    let mut t_solve = vec![Vec::new(); 3];
    let mut t_prod = vec![Vec::new(); 3];
    let mut per_prod = vec![Vec::new(); 3];
    let mut vs_scipy = vec![Vec::new(); 2];
    let mut iters = [0usize; 2];
    let mut resid = [0.0f64; 2];
    let mut scipy: Option<Scipy> = None;
    let mut skip = if args.no_scipy {
        Some("--no-scipy".to_string())
    } else {
        None
    };
    for _ in 0..rounds {
        for (c, &par) in pars.iter().enumerate() {
            x.fill(0.0);
            let t = Instant::now();
            let r = cg(&a, &b, &mut x, Options::new().tol(rtol).par(par), &mut ws).expect("cg");
            let t = t.elapsed().as_secs_f64();
            assert!(r.converged);
            iters[c] = r.iterations;
            resid[c] = true_residual(&a, &b, &x);
            let prod = support::time_per_call(0.3, || a.mul_vec(1.0, &p, 0.0, &mut q, par));
            t_solve[c].push(t);
            t_prod[c].push(prod);
            per_prod[c].push(t / r.iterations as f64 / prod);
        }
        if skip.is_none() {
            match run_scipy(args, rtol) {
                Ok(s) => {
                    t_solve[2].push(s.solve);
                    t_prod[2].push(s.matvec);
                    per_prod[2].push(s.solve / s.iterations.max(1) as f64 / s.matvec);
                    for c in 0..2 {
                        let ours = t_solve[c][t_solve[c].len() - 1];
                        vs_scipy[c].push(ours / s.solve);
                    }
                    scipy = Some(s);
                }
                Err(e) => skip = Some(e),
            }
        }
    }
    let mut row = |name: String, c: usize, its: usize, res: f64, vs: Option<&mut Vec<f64>>| {
        let solve = median(&mut t_solve[c]);
        println!(
            "{:<28} {:>6} {:>8.3} s {:>9.3} ms {:>9.3} ms {:>8.2} {:>11.2e} {:>9}",
            name,
            its,
            solve,
            solve / its.max(1) as f64 * 1e3,
            median(&mut t_prod[c]) * 1e3,
            median(&mut per_prod[c]),
            res,
            vs.map_or("-".into(), |v| format!("{:.2}", median(v)))
        );
    };
    let have_scipy = skip.is_none() && scipy.is_some();
    for (c, par) in pars.iter().enumerate() {
        let vs = if have_scipy {
            Some(&mut vs_scipy[c])
        } else {
            None
        };
        row(
            format!("matvec cg, {par:?} ({} thr)", par.threads()),
            c,
            iters[c],
            resid[c],
            vs,
        );
    }
    match (&skip, &scipy) {
        (None, Some(s)) => row(
            format!("scipy {} cg, 1 thread", s.version),
            2,
            s.iterations,
            s.residual,
            None,
        ),
        (Some(why), _) => println!("scipy: skipped ({why})"),
        (None, None) => {}
    }
    println!(
        "(ratio: time per iteration over the time of one product of the same code; / scipy: \
         our solve time over scipy's, median of the per-round ratios; scipy's product is \
         `A @ x`, single-threaded and allocating)"
    );
    Ok(())
}

/// Bytes one CSR product `y ← A·x` moves: the matrix, `x` read, `y` written.
fn csr_bytes(a: &Csr<f64>) -> usize {
    a.data_bytes() + 8 * (a.nrows() + a.ncols())
}

/// `(product + vectors) / product`.
fn ratio_of_bytes(product: usize, vectors: usize) -> f64 {
    (product + vectors) as f64 / product as f64
}

/// `‖b − A·x‖ / ‖b‖`, computed afresh.
fn true_residual(a: &dyn MatVec<f64>, b: &[f64], x: &[f64]) -> f64 {
    let ax = a.matvec(x);
    let r: f64 = ax.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum();
    let bb: f64 = b.iter().map(|v| v * v).sum();
    (r / bb).sqrt()
}

fn fill_random(x: &mut [f64], seed: u64) {
    let mut rng = SplitMix64::new(seed);
    x.iter_mut().for_each(|v| *v = rng.next_f64() + 0.5);
}
