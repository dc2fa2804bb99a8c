//! The solvers' reduction over MPI, and distributed vectors.

use crate::alltoallv::{count, displacements};
use crate::dist_csr::DistScalar;
use crate::layout::Layout;
use matvec::solve::Reduce;
use mpi::collective::SystemOperation;
use mpi::traits::*;

/// [`matvec::solve::Reduce`] by `MPI_Allreduce` over a communicator: give it to
/// [`Options::reduce`](matvec::solve::Options::reduce) and the crate's `cg`, `pcg`,
/// `power_iteration` and `pagerank` run on distributed operators, every process passing its
/// own part of the vectors. Reductions of a few numbers go through a stack buffer: nothing is
/// allocated.
pub struct Allreduce<'c, C: Communicator>(pub &'c C);

/// Numbers reduced per `MPI_Allreduce` call from the stack buffer.
const CHUNK: usize = 8;

impl<C: Communicator> Allreduce<'_, C> {
    fn reduce<T: DistScalar>(&self, v: &mut [T], op: SystemOperation) {
        for part in v.chunks_mut(CHUNK) {
            let mut send = [T::ZERO; CHUNK];
            send[..part.len()].copy_from_slice(part);
            self.0.all_reduce_into(&send[..part.len()], part, op);
        }
    }
}

impl<T: DistScalar, C: Communicator> Reduce<T> for Allreduce<'_, C> {
    fn sum(&self, v: &mut [T]) {
        self.reduce(v, SystemOperation::sum());
    }
    fn max(&self, v: &mut [T]) {
        self.reduce(v, SystemOperation::max());
    }
    fn sum_len(&self, n: usize) -> usize {
        let mut total = 0u64;
        self.0
            .all_reduce_into(&(n as u64), &mut total, SystemOperation::sum());
        total as usize
    }
    fn processes(&self) -> usize {
        self.0.size() as usize
    }
}

/// A vector distributed like the rows of a matrix: this process's part and the
/// communicator. Dot products and norms reduce over every process (collective).
///
/// ```no_run
/// # let universe = mpi::initialize().unwrap();
/// # let world = universe.world();
/// use matvec_mpi::{DistVector, Layout};
/// use mpi::traits::*;
/// let layout = Layout::even(10, world.size() as usize);
/// let v = DistVector::from_fn(&world, &layout, |i| i as f64); // 0, 1, ..., 9 in all
/// assert_eq!(v.dot(&v), 285.0);
/// assert_eq!(v.norm_inf(), 9.0);
/// ```
pub struct DistVector<'c, T, C: Communicator> {
    comm: &'c C,
    offset: usize,
    len: usize,
    local: Vec<T>,
}

impl<'c, T: DistScalar, C: Communicator> DistVector<'c, T, C> {
    /// This process's part of the vector whose entry `i` is `f(i)` (global `i`).
    pub fn from_fn(comm: &'c C, layout: &Layout, f: impl Fn(usize) -> T) -> Self {
        let r = layout.range(comm.rank() as usize);
        DistVector {
            comm,
            offset: r.start,
            len: layout.len(),
            local: r.map(f).collect(),
        }
    }

    /// From this process's part, taken by value.
    ///
    /// # Panics
    ///
    /// If `local` does not have the length of this process's block.
    pub fn from_local(comm: &'c C, layout: &Layout, local: Vec<T>) -> Self {
        let r = layout.range(comm.rank() as usize);
        assert_eq!(
            local.len(),
            r.len(),
            "DistVector::from_local: rank {} owns {r:?}",
            comm.rank()
        );
        DistVector {
            comm,
            offset: r.start,
            len: layout.len(),
            local,
        }
    }

    /// This process's part.
    pub fn local(&self) -> &[T] {
        &self.local
    }

    /// This process's part, to write.
    pub fn local_mut(&mut self) -> &mut [T] {
        &mut self.local
    }

    /// The global index of this process's first entry.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The global length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the global length is 0.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The part, by value.
    pub fn into_local(self) -> Vec<T> {
        self.local
    }

    /// `x·y` over every process.
    pub fn dot(&self, other: &Self) -> T {
        let s = self
            .local
            .iter()
            .zip(&other.local)
            .fold(T::ZERO, |s, (a, b)| s + *a * *b);
        let mut v = [s];
        Allreduce(self.comm).sum(&mut v);
        v[0]
    }

    /// `‖x‖₂` over every process.
    pub fn norm2(&self) -> T {
        self.dot(self).sqrt()
    }

    /// `max |xᵢ|` over every process.
    pub fn norm_inf(&self) -> T {
        let m = self.local.iter().fold(T::ZERO, |m, v| {
            let a = v.abs();
            if a > m { a } else { m }
        });
        let mut v = [m];
        Allreduce(self.comm).max(&mut v);
        v[0]
    }

    /// The whole vector on rank `root` (`Some` there, `None` elsewhere): a gather, for
    /// writing a result.
    ///
    /// # Panics
    ///
    /// On `root`, if the whole vector has more than 2³¹ − 1 entries (one MPI gather's
    /// `int` counts).
    pub fn gather(&self, root: i32) -> Option<Vec<T>> {
        gather(self.comm, &self.local, root)
    }
}

/// Gathers every process's `local` on `root`, in rank order.
pub(crate) fn gather<T: DistScalar, C: Communicator>(
    comm: &C,
    local: &[T],
    root: i32,
) -> Option<Vec<T>> {
    let p = comm.size() as usize;
    let root_proc = comm.process_at_rank(root);
    let n = local.len() as u64;
    if comm.rank() == root {
        let mut counts = vec![0u64; p];
        root_proc.gather_into_root(&n, &mut counts[..]);
        // A vector of more than 2³¹ entries does not fit one MPI gather: say so rather than
        // let the `int` counts wrap.
        let fit = |r: crate::error::Result<Vec<i32>>| {
            r.unwrap_or_else(|e| panic!("gathering a vector on rank {root}: {e}"))
        };
        let counts = fit(counts
            .iter()
            .map(|&c| count(c as usize, "one process's part"))
            .collect());
        let displs = fit(displacements(&counts, "the gathered vector"));
        let total = counts.iter().map(|&c| c as usize).sum();
        let mut all = vec![T::ZERO; total];
        let mut part = mpi::datatype::PartitionMut::new(&mut all[..], &counts[..], &displs[..]);
        root_proc.gather_varcount_into_root(local, &mut part);
        Some(all)
    } else {
        root_proc.gather_into(&n);
        root_proc.gather_varcount_into(local);
        None
    }
}
