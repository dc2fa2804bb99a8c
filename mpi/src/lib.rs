//! Beyond one machine: sparse matrices distributed over MPI in blocks of rows, PETSc's
//! MPIAIJ design on `matvec`'s kernels, through the maintained Rust bindings (`mpi`, rsmpi)
//! over the system's MPI (Open MPI on Debian: `libopenmpi-dev`, `openmpi-bin`).
//!
//! | item | what it is |
//! |---|---|
//! | [`DistCsr`] | rows in contiguous blocks balanced by nonzeros; a diagonal and an off-diagonal [`matvec::Csr`] per process (ghost columns compacted, PETSc's `garray`); a communication plan built once; products that overlap the halo exchange with the diagonal block's product and allocate nothing |
//! | [`Layout`] | which process owns which rows (and which entries of `x` and `y`) |
//! | [`Allreduce`] | `matvec::solve::Reduce` over MPI: the crate's CG, power iteration and PageRank run on a `DistCsr` unchanged (below) |
//! | [`DistVector`] | a vector's local part with global dot products, norms and a gather |
//! | [`read_npz`], [`read_mtx`], [`read_matrix`], [`read_vector_part`] | each process reads only its rows of a stored `.npz`, or one byte range of a Matrix Market file whose triplets then go to their rows' owners (`alltoallv`), and its part of a `.npy` vector |
//! | [`agree`], [`Error`] | collective errors: when one process fails, every process returns the error (its message broadcast), none hangs |
//!
//! Programs start with `mpirun -np N program ...`; the example binaries `mpi_matvec`,
//! `mpi_cg` and `mpi_pagerank` are the command-line front ends (see the README, "Beyond one machine").
//!
//! # The crate's solvers, unchanged
//!
//! `matvec::solve` takes the operator as `&dyn MatVec` and reduces every dot product and norm
//! through [`Options::reduce`](matvec::solve::Options::reduce): give it the matrix's
//! [`Allreduce`] and each process passes its own parts of `b` and `x`. The reports and every
//! decision (stop, error) are the same on every process.
//!
//! ```no_run
//! use matvec::solve::{cg, CgWorkspace, Options};
//! # fn f(a: &matvec_mpi::DistCsr<f64>) -> matvec::Result<()> {
//! let b = vec![1.0; matvec::MatVec::nrows(a)]; // this process's part of b
//! let mut x = vec![0.0; b.len()];
//! let red = a.reduction();
//! let report = cg(a, &b, &mut x, Options::new().tol(1e-10).reduce(&red), &mut CgWorkspace::new())?;
//! # Ok(()) }
//! ```
//!
//! # What each process holds
//!
//! Its rows of the matrix (12 bytes a nonzero: `u32` column, `f64` value; 8 bytes a row),
//! the global indices of its ghost columns, the indices of the entries of `x` it sends, and
//! one buffer each for the entries it sends and receives. No process ever reads or holds the
//! whole matrix: reading a Matrix Market file, it holds the triplets of its byte range and
//! those it receives (16 bytes each for `f64`: `u32` row and column) until its rows are built.
//!
//! # Deterministic
//!
//! Bit-identical for every thread count at a fixed number of processes; across process
//! counts equal to the single-process product up to rounding (see [`DistCsr`]).

mod alltoallv;
mod dist_csr;
mod error;
mod halo;
mod layout;
mod read;
mod read_mtx;
mod reduce;

pub use dist_csr::{DistCsr, DistScalar};
pub use error::{Error, Result, agree};
pub use layout::Layout;
pub use read::{read_matrix, read_npz, read_vector_part};
pub use read_mtx::read_mtx;
pub use reduce::{Allreduce, DistVector};
