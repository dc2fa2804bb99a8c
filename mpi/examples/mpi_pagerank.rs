//! `mpirun -np N mpi_pagerank GRAPH -o X [--damping D] [--tol T] [--max-iter N]`: PageRank of
//! a graph by the crate's own `matvec::solve::pagerank`, unchanged (its transposed products
//! run the halo plan in reverse; its sums reduce over MPI), each process reading only its
//! rows of GRAPH. Entry `(i, j)` of GRAPH is the weight of the edge `i → j` (a `.npz`, or a
//! `.mtx`, where a `pattern` file gives every edge weight 1). Rank 0 writes the ranks, which
//! sum to 1, atomically and prints the report; a run that does not converge writes X, says
//! so, and exits with status 1. Errors: one `error:` line from rank 0, status 2, no X.

mod support;

use clap::Parser;
use matvec::solve::{Options, PageRankWorkspace, pagerank};
use matvec_mpi::{DistVector, read_matrix};
use std::path::PathBuf;

/// PageRank over MPI: each process reads only its rows.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The graph's adjacency matrix (square): a CSR `.npz` with stored members, or a Matrix
    /// Market `.mtx`.
    graph: PathBuf,
    /// Where rank 0 writes the ranks (float64 `.npy`).
    #[arg(short, long)]
    output: PathBuf,
    /// Damping factor, in [0, 1).
    #[arg(long, default_value_t = 0.85)]
    damping: f64,
    /// L1 change of the ranks in one iteration at which to stop.
    #[arg(long, default_value_t = 1e-10)]
    tol: f64,
    /// Iteration limit.
    #[arg(long, default_value_t = 1000)]
    max_iter: usize,
}

fn main() {
    let (universe, args) = support::parse::<Args>(support::start());
    let result = run(&universe.world(), &args);
    support::finish_solver(universe, result);
}

fn run(world: &mpi::topology::SimpleCommunicator, args: &Args) -> matvec_mpi::Result<bool> {
    let a = read_matrix::<f64>(world, &args.graph)?;
    let mut x = DistVector::from_fn(world, a.rows(), |_| 0.0);
    let red = a.reduction();
    let opts = Options::new()
        .tol(args.tol)
        .max_iter(args.max_iter)
        .reduce(&red);
    let report = matvec_mpi::agree(
        world,
        pagerank(
            &a,
            args.damping,
            None,
            x.local_mut(),
            opts,
            &mut PageRankWorkspace::new(),
        )
        .map_err(Into::into),
    )?;
    support::write_on_root(world, x.gather(0), &args.output)?;
    Ok(support::report(world, "pagerank", "L1 change", &report))
}
