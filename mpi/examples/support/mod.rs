//! What the example binaries share: MPI start-up with threads for the local kernels, and the
//! error contract of the `matvec` command — one `error:` line from rank 0, every process
//! exits with status 2, no output file.

use mpi::environment::Universe;
use mpi::traits::*;

/// Starts MPI (rayon's threads compute; only the main thread calls MPI: "funneled").
pub fn start() -> Universe {
    let (universe, _) = mpi::initialize_with_threading(mpi::Threading::Funneled)
        .expect("MPI was already initialized");
    universe
}

/// Parses the command line on every process; on `--help`/`--version`, rank 0 prints and every
/// process exits 0; on a bad command line, rank 0 prints clap's error and every process exits 2.
pub fn parse<A: clap::Parser>(universe: Universe) -> (Universe, A) {
    match A::try_parse() {
        Ok(a) => (universe, a),
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            if universe.world().rank() == 0 {
                let _ = e.print();
            }
            exit(universe, code)
        }
    }
}

/// Ends the run with `result`: on an error (the same on every process, since each fallible
/// step went through `matvec_mpi::agree`), rank 0 prints one `error:` line and every process
/// finalizes MPI and exits with status 2.
pub fn finish(universe: Universe, result: matvec_mpi::Result<()>) {
    if let Err(e) = result {
        if universe.world().rank() == 0 {
            eprintln!("error: {e}");
        }
        exit(universe, 2);
    }
}

/// Ends a solver's run: the error contract on `Err`; otherwise status 0 if the solver
/// converged, 1 if not (its output was written all the same).
#[allow(dead_code)] // used by the solver examples only
pub fn finish_solver(universe: Universe, result: matvec_mpi::Result<bool>) {
    let converged = matches!(result, Ok(true));
    finish(universe, result.map(|_| ()));
    if !converged {
        std::process::exit(1);
    }
}

/// Rank 0 prints a solver's report on stderr, as `what on N processes: K iterations,
/// <residual> R, converged`; returns whether it converged.
#[allow(dead_code)] // used by the solver examples only
pub fn report<T: std::fmt::LowerExp>(
    comm: &impl Communicator,
    what: &str,
    residual: &str,
    report: &matvec::solve::Report<T>,
) -> bool {
    if comm.rank() == 0 {
        eprintln!(
            "{what} on {} processes: {} iterations, {residual} {:.3e}, {}",
            comm.size(),
            report.iterations,
            report.residual,
            if report.converged {
                "converged"
            } else {
                "NOT converged"
            }
        );
    }
    report.converged
}

/// Finalizes MPI (dropping the universe), so that mpirun sees an orderly end, and exits.
fn exit(universe: Universe, code: i32) -> ! {
    drop(universe);
    std::process::exit(code)
}

/// Writes `v` (rank 0's gathered vector) as a 1-D `.npy`, through a temporary file renamed
/// into place; collective in its error.
#[allow(dead_code)] // mpi_bench writes nothing
pub fn write_on_root(
    comm: &impl Communicator,
    v: Option<Vec<f64>>,
    path: &std::path::Path,
) -> matvec_mpi::Result<()> {
    let written = match v {
        Some(v) => matvec::io::npy::write_vector(path, &v).map_err(matvec_mpi::Error::from),
        None => Ok(()),
    };
    matvec_mpi::agree(comm, written)
}
