//! `mpirun -np N mpi_cg MATRIX B -o X [--tol T] [--max-iter N]`: solves A·x = b for a
//! symmetric positive definite A by the crate's own conjugate gradients (`matvec::solve::cg`,
//! unchanged: its dot products reduce over MPI), each process reading only its rows. Rank 0
//! writes X atomically and prints the report; a run that does not converge writes X, says so,
//! and exits with status 1. Errors: one `error:` line from rank 0, status 2, no X.

mod support;

use clap::Parser;
use matvec::solve::{CgWorkspace, Options, cg};
use matvec_mpi::{DistVector, read_matrix, read_vector_part};
use std::path::PathBuf;

/// Conjugate gradients over MPI: each process reads only its rows.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The matrix, square, symmetric positive definite: a CSR `.npz` with stored members, or
    /// a Matrix Market `.mtx` (each process parses a byte range and sends the entries to
    /// their rows' owners).
    matrix: PathBuf,
    /// b: a 1-D float32/float64 `.npy`.
    b: PathBuf,
    /// Where rank 0 writes x (float64 `.npy`).
    #[arg(short, long)]
    output: PathBuf,
    /// Relative residual ‖b − A·x‖ / ‖b‖ to reach.
    #[arg(long, default_value_t = 1e-8)]
    tol: f64,
    /// Iteration limit (default 10·n).
    #[arg(long)]
    max_iter: Option<usize>,
}

fn main() {
    let (universe, args) = support::parse::<Args>(support::start());
    let result = run(&universe.world(), &args);
    support::finish_solver(universe, result);
}

fn run(world: &mpi::topology::SimpleCommunicator, args: &Args) -> matvec_mpi::Result<bool> {
    let a = read_matrix::<f64>(world, &args.matrix)?;
    let b = read_vector_part(world, &args.b, a.rows())?;
    let mut x = DistVector::from_fn(world, a.rows(), |_| 0.0);
    let red = a.reduction();
    let mut opts = Options::new().tol(args.tol).reduce(&red);
    if let Some(m) = args.max_iter {
        opts = opts.max_iter(m);
    }
    let report = matvec_mpi::agree(
        world,
        cg(&a, &b, x.local_mut(), opts, &mut CgWorkspace::new()).map_err(Into::into),
    )?;
    support::write_on_root(world, x.gather(0), &args.output)?;
    Ok(support::report(world, "cg", "relative residual", &report))
}
