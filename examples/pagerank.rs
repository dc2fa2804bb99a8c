//! `pagerank`: PageRank of a graph read from a Matrix Market (`.mtx`) or scipy (`.npz`) file,
//! or of a generated R-MAT graph, with `matvec::solve::pagerank` — the Google matrix is never
//! formed.
//!
//! ```sh
//! cargo run --release --example pagerank                      # R-MAT, 2^20 nodes, 16 M edges
//! cargo run --release --example pagerank -- web.mtx --top 20 --tol 1e-10
//! cargo run --release --example pagerank -- --scale 16 --damping 0.9
//! ```
//!
//! Entry `(i, j)` of the matrix is the weight of the edge `i → j` (a pattern `.mtx` gives
//! weight 1). The graph is converted to CSC, so each iteration's `Gᵀ·y` (`mul_vec_t`) is a
//! parallel gather. Prints the iterations, the final residual (L1 change of the rank vector),
//! the time per iteration against the time of one product alone, and the top nodes (0-based).
//! Any bad input prints one `error: …` line and exits with status 2.

mod support;

use clap::Parser;
use matvec::io::{mtx, npz};
use matvec::solve::{Options, PageRankWorkspace, Progress, pagerank};
use matvec::{Csc, Footprint, MatVec, Par};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use support::{fmt_bytes, iteration_bar, rmat_graph, time_per_call};

#[derive(Parser, Debug)]
#[command(
    about = "PageRank of a graph in .mtx or .npz (entry (i, j) = edge i -> j), or of a \
                   generated R-MAT graph"
)]
struct Args {
    /// The graph: .mtx (Matrix Market) or .npz (scipy sparse). Default: a generated R-MAT
    /// graph (see --scale).
    graph: Option<PathBuf>,
    /// Damping factor d (probability of following a link).
    #[arg(long, default_value_t = 0.85)]
    damping: f64,
    /// Stop when the L1 change of the rank vector in one iteration is at most this.
    #[arg(long, default_value_t = 1e-10)]
    tol: f64,
    /// Iteration limit.
    #[arg(long, default_value_t = 1000)]
    max_iter: usize,
    /// How many top-ranked nodes to print.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Generated graph: 2^scale nodes and 16·2^scale R-MAT edges.
    #[arg(long, default_value_t = 20)]
    scale: u32,
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> ExitCode {
    match support::parse_args::<Args>() {
        Ok(args) => support::finish(run(&args)),
        Err(code) => code,
    }
}

fn run(args: &Args) -> Result<(), String> {
    support::set_threads(args.threads)?;
    if !(1..=28).contains(&args.scale) {
        return Err(format!("--scale must be in 1..=28, got {}", args.scale));
    }
    let t0 = Instant::now();
    let (g, name) = match &args.graph {
        Some(p) => (load(p)?, p.display().to_string()),
        None => {
            let coo = rmat_graph(args.scale, 16, 42);
            let name = format!(
                "R-MAT graph, 2^{} nodes, {} edges generated",
                args.scale,
                coo.nnz()
            );
            (coo.into_csc(), name)
        }
    };
    let (n, nnz) = (g.nrows(), g.nnz());
    println!(
        "{name}: {n} nodes, {nnz} distinct edges, CSC {} (loaded in {:.2} s), {} threads",
        fmt_bytes(g.data_bytes()),
        t0.elapsed().as_secs_f64(),
        Par::Rayon.threads()
    );
    if n != g.ncols() {
        return Err(format!(
            "{name}: a graph's matrix must be square, but it is {n} x {}",
            g.ncols()
        ));
    }

    let bar = iteration_bar("pagerank", args.max_iter);
    // Time stamps of the first and last iterations, for the time per iteration without the
    // setup (out-degrees, start vector).
    let (first, last) = (Cell::new(None), Cell::new(None));
    let mut on_progress = |p: &Progress<f64>| {
        let now = Instant::now();
        if p.iteration == 1 {
            first.set(Some((1, now)));
        }
        last.set(Some((p.iteration, now)));
        bar.set_position(p.iteration as u64);
        bar.set_message(format!("{:.2e}", p.residual));
    };
    let opts = Options::new()
        .tol(args.tol)
        .max_iter(args.max_iter)
        .par(Par::Rayon)
        .progress(&mut on_progress);
    let mut x = vec![0.0; n];
    let mut ws = PageRankWorkspace::new();
    let t = Instant::now();
    let report =
        pagerank(&g, args.damping, None, &mut x, opts, &mut ws).map_err(|e| e.to_string())?;
    let solve = t.elapsed().as_secs_f64();
    bar.finish_and_clear();

    // One product alone, on the same operator and buffers shapes: Gᵀ·y.
    let y = vec![1.0 / n.max(1) as f64; n];
    let mut out = vec![0.0; n];
    let product = time_per_call(1.0, || g.mul_vec_t(1.0, &y, 0.0, &mut out, Par::Rayon));
    let per_iter = match (first.get(), last.get()) {
        (Some((i0, t0)), Some((i1, t1))) if i1 > i0 => (t1 - t0).as_secs_f64() / (i1 - i0) as f64,
        _ => solve / report.iterations.max(1) as f64,
    };
    println!(
        "{} after {} iterations (damping {}, tol {:.0e}): residual {:.3e}",
        if report.converged {
            "converged"
        } else {
            "NOT converged"
        },
        report.iterations,
        args.damping,
        args.tol,
        report.residual
    );
    println!(
        "time {:.3} s: {:.2} ms per iteration, one product Gᵀ·y alone {:.2} ms \
         (per iteration / product: {:.2})",
        solve,
        per_iter * 1e3,
        product * 1e3,
        per_iter / product
    );

    let top = args.top.min(n);
    let mut order: Vec<usize> = (0..n).collect();
    if top > 0 {
        order.select_nth_unstable_by(top - 1, |&a, &b| x[b].total_cmp(&x[a]).then(a.cmp(&b)));
        order.truncate(top);
        order.sort_by(|&a, &b| x[b].total_cmp(&x[a]).then(a.cmp(&b)));
        println!("\n{:>5}  {:>10}  {:>12}", "rank", "node", "score");
        for (r, &i) in order.iter().enumerate() {
            println!("{:>5}  {:>10}  {:>12.6e}", r + 1, i, x[i]);
        }
    }
    if !report.converged {
        println!("\n(not converged: raise --max-iter or --tol)");
    }
    Ok(())
}

/// Reads the graph from `.mtx` or `.npz` as CSC with `u32` indices.
fn load(path: &Path) -> Result<Csc<f64>, String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("mtx") => Ok(mtx::read_coo::<f64, u32>(path)
            .map_err(|e| e.to_string())?
            .into_csc()),
        Some("npz") => npz::read_csc::<f64, u32>(path).map_err(|e| e.to_string()),
        _ => Err(format!(
            "{}: unknown graph format (expected .mtx or .npz)",
            path.display()
        )),
    }
}
