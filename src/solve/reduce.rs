//! The reduction hook: how a solver combines the numbers each process computed over its own
//! part of the vectors.
//!
//! Threads and processes differ, for CG, power iteration and PageRank, only here: every dot
//! product, norm, maximum and length is first computed over the vectors the solver holds (the
//! whole vector in one process; one process's rows of a distributed vector) and then passed
//! through [`Reduce`]. In one process that is [`Local`], which does nothing; `matvec-mpi`
//! implements it with `MPI_Allreduce`, so the same `cg` runs on a distributed operator whose
//! `mul_vec` exchanges its halo, without a second copy of the algorithm.

use super::{Options, vecops};
use crate::{Error, Result, Scalar};

/// Combines per-process partial results into global ones: the one thing a solver needs to
/// know about how its vectors are distributed.
///
/// Each method is *collective*: every process must call it, in the same order, with slices of
/// the same length. The solvers that take a `Reduce` ([`cg`](super::cg),
/// [`pcg`](super::pcg), [`power_iteration`](super::power_iteration),
/// [`pagerank`](super::pagerank)) make every decision (stop, error, iterate) on reduced
/// values only, so all processes take the same branch. [`lanczos`](super::lanczos) and
/// [`rsvd`](super::rsvd) run in one process and refuse a `Reduce` with more than one.
///
/// # Example: a reduction that counts its calls
///
/// ```
/// use matvec::solve::{cg, CgWorkspace, Options, Reduce};
/// use std::cell::Cell;
///
/// struct Counting(Cell<usize>);
/// impl Reduce<f64> for Counting {
///     fn sum(&self, _v: &mut [f64]) { self.0.set(self.0.get() + 1) } // one process: no addition
///     fn max(&self, _v: &mut [f64]) {}
/// }
///
/// let a = matvec::Dense::try_new(2, 2, matvec::Layout::RowMajor, vec![2.0, 1.0, 1.0, 3.0])?;
/// let counting = Counting(Cell::new(0));
/// let mut x = vec![0.0; 2];
/// let report = cg(&a, &[1.0, 2.0], &mut x, Options::new().reduce(&counting), &mut CgWorkspace::new())?;
/// assert!(report.converged && counting.0.get() > 0);
/// # Ok::<(), matvec::Error>(())
/// ```
pub trait Reduce<T: Scalar> {
    /// Replaces each entry of `v` by its sum over every process.
    fn sum(&self, v: &mut [T]);

    /// Replaces each entry of `v` by its maximum over every process. The solvers call it on
    /// finite values only (absolute values, and 0/1 error flags).
    fn max(&self, v: &mut [T]);

    /// The sum of `n` over every process, exactly (lengths: the global dimension, a default
    /// iteration limit of `10·n`). The default goes through [`sum`](Self::sum) in `f64`
    /// arithmetic of `T`, exact below 2²⁴ for `f32`; override it for larger counts.
    fn sum_len(&self, n: usize) -> usize {
        let mut v = [T::from_f64(n as f64)];
        self.sum(&mut v);
        v[0].to_f64() as usize
    }

    /// How many processes take part (1 for [`Local`]).
    fn processes(&self) -> usize {
        1
    }
}

/// One process: every reduction is the identity. The default of [`Options`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Local;

impl<T: Scalar> Reduce<T> for Local {
    fn sum(&self, _v: &mut [T]) {}
    fn max(&self, _v: &mut [T]) {}
    fn sum_len(&self, n: usize) -> usize {
        n
    }
}

impl<T: Scalar> Options<'_, T> {
    /// `x` summed over every process.
    pub(crate) fn sum(&self, x: T) -> T {
        let mut v = [x];
        self.reducer().sum(&mut v);
        v[0]
    }

    /// Both entries summed over every process, in one reduction.
    pub(crate) fn sum2(&self, (a, b): (T, T)) -> (T, T) {
        let mut v = [a, b];
        self.reducer().sum(&mut v);
        (v[0], v[1])
    }

    /// `x` maximized over every process.
    pub(crate) fn max(&self, x: T) -> T {
        let mut v = [x];
        self.reducer().max(&mut v);
        v[0]
    }

    /// `x·y` over every process.
    pub(crate) fn dot(&self, x: &[T], y: &[T]) -> T {
        self.sum(vecops::dot(self.par, x, y))
    }

    /// `‖x‖₂` over every process, without underflow or overflow.
    pub(crate) fn norm(&self, x: &[T]) -> T {
        vecops::norm_reduced(self.par, x, &|s| self.sum(s), &|m| self.max(m))
    }

    /// `max |xᵢ|` over every process.
    pub(crate) fn max_abs(&self, x: &[T]) -> T {
        self.max(vecops::max_abs(self.par, x))
    }

    /// Makes a check that each process ran on its own part agree everywhere: `Ok` if it passed
    /// on every process; on the processes where it failed, their own error; on the others, an
    /// error saying that another process failed. Collective (one reduction).
    pub(crate) fn agree(&self, solver: &'static str, local: Result<()>) -> Result<()> {
        if self.reducer().processes() <= 1 {
            return local;
        }
        let failed = self.max(if local.is_err() { T::ONE } else { T::ZERO });
        match local {
            Err(e) => Err(e),
            Ok(()) if failed > T::ZERO => Err(Error::solver(
                solver,
                "another process found an error in its part of the input",
            )),
            Ok(()) => Ok(()),
        }
    }

    /// `Err` if the run is distributed over several processes: for the solvers that keep
    /// small dense matrices of global size (Lanczos, randomized SVD).
    pub(crate) fn single_process(&self, solver: &'static str) -> Result<()> {
        let p = self.reducer().processes();
        if p > 1 {
            return Err(Error::solver(
                solver,
                format!(
                    "runs in one process, but the options reduce over {p} processes (use cg, \
                     power_iteration or pagerank across processes)"
                ),
            ));
        }
        Ok(())
    }
}
