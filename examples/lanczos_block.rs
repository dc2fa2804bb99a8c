//! Block Lanczos against single-vector Lanczos: products, passes over the matrix, and time
//! for the same answer, on the 2-D Poisson matrix (CSR, repeated eigenvalues) and on a
//! memory-mapped dense `.npy` larger than its memory budget.
//!
//! ```text
//! cargo run --release --example lanczos_block [-- --grid 200 --dense 6000 --budget 64MiB]
//! ```
//!
//! Each run is checked against the analytic spectrum (Poisson: `4 − 2cos(iπ/(g+1)) −
//! 2cos(jπ/(g+1))`; the dense matrix `Aᵢⱼ = min(i, j) + 1`, the covariance of a random walk:
//! `1 / (4 sin²((2k − 1)π / (4n + 2)))`), and the passes are counted twice: by the solver's
//! report and by a wrapper around the operator that counts its calls.

mod support;

use clap::Parser;
use matvec::solve::{LanczosWorkspace, Options, Which, lanczos};
use matvec::{MatVec, MmapDense, io::npy::NpyWriter};
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Block vs single-vector Lanczos: products, passes, time")]
struct Args {
    /// Poisson grid side (n = grid²).
    #[arg(long, default_value_t = 200)]
    grid: usize,
    /// Order of the dense matrix written to a temporary .npy and memory-mapped.
    #[arg(long, default_value_t = 6000)]
    dense: usize,
    /// Memory budget of the mapping (the file is larger: each pass reads it from the cache
    /// or the disk).
    #[arg(long, default_value = "64MiB", value_parser = support::parse_size)]
    budget: usize,
    /// Eigenvalues wanted.
    #[arg(long, default_value_t = 6)]
    k: usize,
    /// Block sizes to compare (1 is the single-vector method).
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,8")]
    blocks: Vec<usize>,
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn compare(
    name: &str,
    a: &dyn MatVec<f64>,
    exact: &[f64],
    args: &Args,
    bytes_per_pass: usize,
) -> Result<(), String> {
    println!("\n{name}: k = {} largest", args.k);
    println!(
        "{:>5} {:>8} {:>8} {:>8} {:>9} {:>10} {:>9} {:>10}  converged",
        "block", "cycles", "products", "passes", "time s", "GB read", "max err", "residual"
    );
    let mut base = None;
    for &b in &args.blocks {
        let counted = support::Counted::new(a);
        let ws = &mut LanczosWorkspace::new().with_block(b);
        let t = Instant::now();
        let eig = lanczos(&counted, args.k, Which::Largest, Options::new(), ws)
            .map_err(|e| e.to_string())?;
        let secs = t.elapsed().as_secs_f64();
        let r = eig.report;
        assert_eq!(r.passes, counted.passes(), "the report counts every pass");
        let err = eig
            .values
            .iter()
            .zip(exact)
            .map(|(g, w)| (g - w).abs() / w.abs())
            .fold(0.0, f64::max);
        let gb = r.passes as f64 * bytes_per_pass as f64 / 1e9;
        println!(
            "{b:>5} {:>8} {:>8} {:>8} {secs:>9.3} {gb:>10.2} {err:>9.1e} {:>10.1e}  {}",
            r.iterations, r.products, r.passes, r.residual, r.converged
        );
        let base = *base.get_or_insert((r.passes, secs));
        if b != args.blocks[0] {
            println!(
                "      passes {:.2} × and time {:.2} × those of block {}",
                r.passes as f64 / base.0 as f64,
                secs / base.1,
                args.blocks[0]
            );
        }
    }
    Ok(())
}

fn run(args: Args) -> Result<(), String> {
    support::set_threads(args.threads)?;
    // Poisson.
    let g = args.grid;
    let a = support::poisson2d(g);
    let c = |i: usize| (i as f64 * std::f64::consts::PI / (g + 1) as f64).cos();
    let mut exact: Vec<f64> = (1..=g)
        .flat_map(|i| (1..=g).map(move |j| 4.0 - 2.0 * c(i) - 2.0 * c(j)))
        .collect();
    exact.sort_by(|p, q| q.total_cmp(p));
    let bytes = a.nnz() * 12 + (a.nrows() + 1) * 8;
    compare(
        &format!("Poisson {g}² (CSR, n = {})", g * g),
        &a,
        &exact,
        &args,
        bytes,
    )?;

    // Dense min(i, j) + 1, written as .npy and mapped under the budget.
    let n = args.dense;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("minij.npy");
    let mut w = NpyWriter::<f64>::create(&path, n, n, matvec::Layout::RowMajor)
        .map_err(|e| e.to_string())?;
    let mut row = vec![0.0; n];
    for i in 0..n {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (i.min(j) + 1) as f64;
        }
        w.write(&row).map_err(|e| e.to_string())?;
    }
    w.finish().map_err(|e| e.to_string())?;
    // SAFETY: the file is this example's own, in its own temporary directory, and is not
    // modified while mapped.
    let d = unsafe { MmapDense::<f64>::open(&path) }
        .map_err(|e| e.to_string())?
        .with_budget(args.budget);
    let exact: Vec<f64> = (1..=n)
        .map(|k| {
            let s = ((2 * k - 1) as f64 * std::f64::consts::PI / (4 * n + 2) as f64).sin();
            1.0 / (4.0 * s * s)
        })
        .collect();
    let name = format!(
        "dense min(i,j)+1, {n} x {n} .npy ({}) mapped under {}",
        support::fmt_bytes(n * n * 8),
        support::fmt_bytes(args.budget)
    );
    compare(&name, &d, &exact, &args, n * n * 8)
}

fn main() -> std::process::ExitCode {
    match support::parse_args::<Args>() {
        Ok(args) => support::finish(run(args)),
        Err(code) => code,
    }
}
