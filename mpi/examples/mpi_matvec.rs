//! `mpirun -np N mpi_matvec MATRIX X -o Y [--transpose]`: y = A·x (or Aᵀ·x) with the matrix
//! distributed over the processes, each reading only its rows of MATRIX (a stored CSR `.npz`;
//! of a Matrix Market `.mtx`, one byte range, whose entries then go to their rows' owners) and
//! its part of X (a 1-D `.npy`); rank 0 gathers y and writes Y atomically. Errors: one
//! `error:` line from rank 0, status 2 on every process, no Y.

mod support;

use clap::Parser;
use matvec::{MatVec, Par};
use matvec_mpi::{DistVector, read_matrix, read_vector_part};
use std::path::PathBuf;

/// y = A·x over MPI: each process reads only its rows.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The matrix: a CSR `.npz` with stored members (`matvec convert`, or scipy's
    /// `save_npz(..., compressed=False)`), or a Matrix Market `.mtx`.
    matrix: PathBuf,
    /// x: a 1-D float32/float64 `.npy`.
    x: PathBuf,
    /// Where rank 0 writes y (float64 `.npy`).
    #[arg(short, long)]
    output: PathBuf,
    /// Compute Aᵀ·x instead.
    #[arg(long)]
    transpose: bool,
}

fn main() {
    let (universe, args) = support::parse::<Args>(support::start());
    let result = run(&universe.world(), &args);
    support::finish(universe, result);
}

fn run(world: &mpi::topology::SimpleCommunicator, args: &Args) -> matvec_mpi::Result<()> {
    let a = read_matrix::<f64>(world, &args.matrix)?;
    let (xl, yl) = if args.transpose {
        (a.rows(), a.cols())
    } else {
        (a.cols(), a.rows())
    };
    let x = read_vector_part(world, &args.x, xl)?;
    let mut y = DistVector::from_fn(world, yl, |_| 0.0);
    if args.transpose {
        a.mul_vec_t(1.0, &x, 0.0, y.local_mut(), Par::Rayon);
    } else {
        a.mul_vec(1.0, &x, 0.0, y.local_mut(), Par::Rayon);
    }
    support::write_on_root(world, y.gather(0), &args.output)
}
