//! Iterative methods written once against [`MatVec`]: conjugate gradients, power iteration,
//! PageRank, Lanczos and randomized SVD.
//!
//! Every method takes the operator as `&dyn MatVec<T>` (so it runs unchanged on CSR, CSC,
//! COO, dense, memory-mapped and user-defined operators), writes into buffers the caller
//! owns, and keeps its temporaries in a *workspace* the caller may reuse: after the first call
//! of a given size, iterations allocate nothing (`tests/alloc/solvers.rs` proves it with a
//! counting allocator, under `Par::Seq` and inside a rayon pool's `install`; called from
//! outside any pool, rayon's job queue itself allocates a block every 63 parallel calls or so,
//! as for the products — see `tests/alloc/products.rs`).
//!
//! | function | problem | workspace |
//! |---|---|---|
//! | [`cg`], [`pcg`] with [`Jacobi`] | `A·x = b`, `A` symmetric positive definite | [`CgWorkspace`] |
//! | [`power_iteration`] | dominant eigenpair | [`PowerWorkspace`] |
//! | [`pagerank`] | PageRank of a weighted graph, without forming the Google matrix | [`PageRankWorkspace`] |
//! | [`lanczos`] | a few extreme eigenpairs of a symmetric operator, repeated ones included | [`LanczosWorkspace`] |
//! | [`rsvd`] | top-k singular triplets (Halko–Martinsson–Tropp) | [`RsvdWorkspace`] |
//!
//! Every method stops on [`Options`] (tolerance, iteration limit, [`Par`]), may report
//! [`Progress`] to a callback after each iteration, and returns a [`Report`] (iterations,
//! products, passes over the operator, final residual, converged or not; each method's docs
//! say exactly which residual `converged` is measured on). Not converging within the limit is *not* an
//! error — the report says so and the best answer so far is returned; input that cannot work
//! (a non-square operator, wrong lengths, `k` out of range, NaN) is an [`Error::Solver`].
//!
//! The vector work of each iteration is fused into as few passes as the method allows and runs
//! in parallel under [`Par::Rayon`]; reductions use a fixed tree, so results are bit-identical
//! for every `Par` and thread count.
//!
//! CG, power iteration and PageRank also run on vectors distributed over processes: their
//! dot products, norms and lengths go through the [`Reduce`] hook of [`Options::reduce`]
//! (`matvec-mpi` implements it with MPI), and the operator's `mul_vec` does the halo exchange;
//! the algorithm is this one, not a copy.
//!
//! # Example: conjugate gradients on the 2-D Poisson problem
//!
//! ```
//! use matvec::solve::{cg, CgWorkspace, Options};
//! use matvec::{Coo, MatVec};
//!
//! // 5-point Laplacian on a k × k grid.
//! let k = 30;
//! let n = k * k;
//! let mut coo = Coo::<f64>::with_capacity(n, n, 5 * n);
//! for i in 0..k {
//!     for j in 0..k {
//!         let r = i * k + j;
//!         coo.push(r, r, 4.0);
//!         if i > 0 { coo.push(r, r - k, -1.0); }
//!         if i + 1 < k { coo.push(r, r + k, -1.0); }
//!         if j > 0 { coo.push(r, r - 1, -1.0); }
//!         if j + 1 < k { coo.push(r, r + 1, -1.0); }
//!     }
//! }
//! let a = coo.into_csr();
//! let b = vec![1.0; n];
//! let mut x = vec![0.0; n];
//! let mut ws = CgWorkspace::new();
//! let report = cg(&a, &b, &mut x, Options::new().tol(1e-10), &mut ws)?;
//! assert!(report.converged);
//!
//! // Check the residual independently.
//! let ax = a.matvec(&x);
//! let r: f64 = ax.iter().zip(&b).map(|(p, q)| (p - q) * (p - q)).sum::<f64>().sqrt();
//! assert!(r <= 1e-10 * (n as f64).sqrt());
//! # Ok::<(), matvec::Error>(())
//! ```

mod block_orth;
mod cg;
mod lanczos;
mod pagerank;
mod power;
mod reduce;
mod rsvd;
mod small;
mod vecops;

pub use cg::{CgWorkspace, Jacobi, Preconditioner, cg, pcg};
pub use lanczos::{Eigen, LanczosWorkspace, Which, lanczos};
pub use pagerank::{PageRankWorkspace, pagerank};
pub use power::{Dominant, PowerWorkspace, power_iteration};
pub use reduce::{Local, Reduce};
pub use rsvd::{Rsvd, RsvdWorkspace, Svd, rsvd};

#[allow(unused_imports)] // used by the doc links above
use crate::{Error, MatVec, Par, Scalar};

/// One iteration's state, passed to the progress callback of [`Options::progress`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Progress<T> {
    /// Iterations done so far (1 after the first).
    pub iteration: usize,
    /// The residual the stopping rule compares with the tolerance (each method's docs say
    /// which): the run stops when it is at most [`Options::tol`].
    pub residual: T,
}

/// What a run did: returned by every method, with its answer.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Report<T> {
    /// Iterations done (restarts for [`lanczos`], power iterations for [`rsvd`]).
    pub iterations: usize,
    /// Operator applications: each `mul_vec`, `mul_vec_t`, and each vector of a block product.
    pub products: usize,
    /// Passes over the operator: each call of `mul_vec`, `mul_vec_t`, `mul_mat` or
    /// `mul_mat_t`, so a block product of `b` vectors is one pass (and `b` products). For a
    /// matrix streamed or mapped from disk, each pass reads the file once.
    pub passes: usize,
    /// The final residual (each method's docs say which).
    pub residual: T,
    /// Whether the residual reached the tolerance.
    pub converged: bool,
}

/// The progress callback of [`Options::progress`].
pub type ProgressFn<'a, T> = dyn FnMut(&Progress<T>) + 'a;

/// Stopping rule, parallelism and progress callback of a run.
///
/// `Options::new()` gives tolerance `√ε` (1.5e-8 for `f64`, 3.5e-4 for `f32`), each method's
/// own iteration limit, [`Par::default()`] and no callback.
///
/// ```
/// use matvec::solve::Options;
/// use matvec::Par;
///
/// let mut seen = 0;
/// let mut count = |_: &matvec::solve::Progress<f64>| seen += 1;
/// let opts = Options::new().tol(1e-10).max_iter(500).par(Par::Seq).progress(&mut count);
/// assert_eq!(opts.tol, 1e-10);
/// ```
pub struct Options<'a, T> {
    /// Stop when the residual is at most this (relative; see each method).
    pub tol: T,
    /// Iteration limit; `None` for the method's default (documented with each method).
    pub max_iter: Option<usize>,
    /// Threads for the products and the vector work.
    pub par: Par,
    progress: Option<&'a mut ProgressFn<'a, T>>,
    reduce: Option<&'a dyn Reduce<T>>,
}

impl<T: Scalar> Report<T> {
    /// Before the first iteration: nothing done yet.
    pub(crate) fn start(converged: bool) -> Self {
        Report {
            iterations: 0,
            products: 0,
            passes: 0,
            residual: T::ZERO,
            converged,
        }
    }
}

impl<T: Scalar> Default for Options<'_, T> {
    fn default() -> Self {
        Options {
            tol: T::EPSILON.sqrt(),
            max_iter: None,
            par: Par::default(),
            progress: None,
            reduce: None,
        }
    }
}

impl<T: Scalar> std::fmt::Debug for Options<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("tol", &self.tol)
            .field("max_iter", &self.max_iter)
            .field("par", &self.par)
            .field("progress", &self.progress.is_some())
            .field("processes", &self.reducer().processes())
            .finish()
    }
}

impl<'a, T: Scalar> Options<'a, T> {
    /// The defaults (see the type's docs).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the tolerance.
    pub fn tol(mut self, tol: T) -> Self {
        self.tol = tol;
        self
    }

    /// Sets the iteration limit.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = Some(max_iter);
        self
    }

    /// Sets the parallelism of products and vector work.
    pub fn par(mut self, par: Par) -> Self {
        self.par = par;
        self
    }

    /// Calls `f` after every iteration (a progress bar, a log of residuals). The callback
    /// runs on the calling thread between iterations; it should be cheap.
    pub fn progress(mut self, f: &'a mut ProgressFn<'a, T>) -> Self {
        self.progress = Some(f);
        self
    }

    /// Reduces every dot product, norm and length through `r` (for vectors distributed over
    /// processes: see [`Reduce`]); the default is [`Local`]. Used by [`cg`], [`pcg`],
    /// [`power_iteration`] and [`pagerank`]; [`lanczos`] and [`rsvd`] refuse more than one
    /// process.
    pub fn reduce(mut self, r: &'a dyn Reduce<T>) -> Self {
        self.reduce = Some(r);
        self
    }

    /// The reduction of the run ([`Local`] unless [`reduce`](Self::reduce) set one).
    pub(crate) fn reducer(&self) -> &dyn Reduce<T> {
        match self.reduce {
            Some(r) => r,
            None => &Local,
        }
    }

    /// Reports one iteration to the callback, if any.
    pub(crate) fn report(&mut self, iteration: usize, residual: T) {
        if let Some(f) = self.progress.as_mut() {
            f(&Progress {
                iteration,
                residual,
            });
        }
    }

    /// Checks the tolerance, naming the solver in the error.
    pub(crate) fn check(&self, solver: &'static str) -> crate::Result<()> {
        if !(self.tol.is_finite() && self.tol >= T::ZERO) {
            return Err(Error::solver(
                solver,
                format!("the tolerance must be finite and >= 0, got {}", self.tol),
            ));
        }
        Ok(())
    }
}

/// `Err` unless `a` is square; returns its dimension.
pub(crate) fn square<T: Scalar>(solver: &'static str, a: &dyn MatVec<T>) -> crate::Result<usize> {
    let (m, n) = a.shape();
    if m != n {
        return Err(Error::solver(
            solver,
            format!("the operator must be square, but it is {m} x {n}"),
        ));
    }
    Ok(n)
}

/// `Err` unless `v` has length `len`.
pub(crate) fn length<T>(
    solver: &'static str,
    name: &str,
    v: &[T],
    len: usize,
) -> crate::Result<()> {
    if v.len() != len {
        return Err(Error::solver(
            solver,
            format!(
                "{name} has length {}, but the operator needs length {len}",
                v.len()
            ),
        ));
    }
    Ok(())
}

/// `Err` naming the first entry of `v` that is NaN or infinite.
pub(crate) fn finite<T: Scalar>(solver: &'static str, name: &str, v: &[T]) -> crate::Result<()> {
    match v.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Error::solver(
            solver,
            format!("{name}[{i}] is {}: the input must be finite", v[i]),
        )),
    }
}

/// Resizes `v` to `len` (allocating only when it grows past its capacity).
pub(crate) fn fit<T: Scalar>(v: &mut Vec<T>, len: usize) {
    v.clear();
    v.resize(len, T::ZERO);
}
