//! The distributed tests, under `mpirun` with 1, 2, 3 and 4 processes.
//!
//! `cargo test` runs this file as a plain program (`harness = false`): the *driver* starts
//! itself under `mpirun -np N` (each run under a timeout, so a hang fails instead of blocking
//! CI), then runs the example binaries on files scipy wrote and compares with scipy's answers.
//! Under mpirun (`OMPI_COMM_WORLD_SIZE` set) it is a *worker*: every process runs the checks
//! below against the single-process `Csr` and solvers, and a failed check exits non-zero,
//! which fails the mpirun and the driver. A missing `mpirun` fails too; nothing is skipped.

mod allocation;
#[allow(dead_code)] // `peak` is the allocation test's
#[path = "../../../tests/alloc/counting.rs"]
mod counting;
mod examples;
mod files;
mod matrices;
mod solvers;

use mpi::traits::*;
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
pub(crate) fn mpirun(np: usize) -> Command {
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
    examples::run(&exe, dir.path());
    println!("mpirun tests: ok");
}

// ---------------------------------------------------------------------------------------
// The worker: every process runs these checks.

fn worker() {
    let universe = mpi::initialize().expect("MPI starts");
    let world = universe.world();
    let (p, me) = (world.size() as usize, world.rank() as usize);
    matrices::check_all(&world);
    allocation::check_all(&world);
    solvers::check_all(&world);
    files::check_all(&world);
    println!("rank {me} of {p}: worker checks passed");
}
