//! [`DistCsr`]: a sparse matrix distributed in row blocks, PETSc's MPIAIJ design.

use crate::error::{Error, Result, agree};
use crate::halo::Halo;
use crate::layout::Layout;
use crate::reduce::Allreduce;
use matvec::{Csr, Index, MatVec, Par, Scalar};
use mpi::datatype::Equivalence;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The scalars a distributed matrix holds: `f32` and `f64`.
pub trait DistScalar: Scalar + Equivalence {}
impl<T: Scalar + Equivalence> DistScalar for T {}

/// A sparse matrix distributed over the processes of a communicator in blocks of rows.
///
/// Rank `r` owns rows `rows().range(r)` and the entries `cols().range(r)` of `x` (the same
/// layout as the rows for a square matrix built by [`from_global`](Self::from_global) or the
/// readers; a separate one for a rectangular matrix). It stores its rows as two ordinary
/// [`Csr`] matrices, so the crate's kernels run them:
///
/// * the *diagonal block*: the columns it owns, indexed locally;
/// * the *off-diagonal block*: every other column it touches, compacted to `0..ghosts` in
///   increasing global order (PETSc's `garray`, [`ghost_columns`](Self::ghost_columns)).
///
/// # Products
///
/// `DistCsr` implements [`MatVec`] on **this process's parts**: [`nrows`](MatVec::nrows) and
/// [`ncols`](MatVec::ncols) are the local lengths of `y` and `x` (the global shape is
/// [`global_shape`](Self::global_shape)), and every product is *collective* — all processes
/// call it, with the same `α`. `mul_vec` posts the receives of the ghost entries of `x` and
/// the sends of the entries others need, computes `α·A_diag·x + β·y` while they travel,
/// waits, and adds `α·A_offd·x_ghost`; `mul_vec_t` runs the plan in reverse (local transposed
/// products; the ghost contributions are sent to their owners and added there in a fixed
/// order). After setup, products allocate nothing. So the crate's solvers run unchanged on it,
/// with [`reduction`](Self::reduction) as their reduction (see the crate docs).
///
/// # Deterministic
///
/// For a fixed number of processes, results are bit-identical for any [`Par`] and thread
/// count (the local kernels are, and ghost contributions are summed in a fixed order). Across
/// process counts they equal the single-process `Csr` product up to rounding: each `yᵢ` is
/// the sum over the diagonal block plus the sum over the ghosts, the same additions in
/// another order than one row's sum, so the last bits may differ (bit-identical when every
/// row's columns lie in one block; the tests allow `1e-13` relative).
///
/// # Example
///
/// Run under `mpirun -np N`:
///
/// ```no_run
/// use matvec::{MatVec, Par};
/// use matvec_mpi::DistCsr;
/// use mpi::traits::*;
///
/// let universe = mpi::initialize().unwrap();
/// let world = universe.world();
/// let n = 100; // every process builds the same small matrix and keeps its rows
/// let mut coo = matvec::Coo::<f64>::new(n, n);
/// for i in 0..n {
///     coo.push(i, i, 2.0);
///     if i > 0 { coo.push(i, i - 1, -1.0); coo.push(i - 1, i, -1.0); }
/// }
/// let a = DistCsr::from_global(&world, &coo.into_csr())?;
/// let x = vec![1.0; a.ncols()];            // this process's part of x
/// let mut y = vec![0.0; a.nrows()];        // and of y
/// a.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon);
/// # Ok::<(), matvec_mpi::Error>(())
/// ```
pub struct DistCsr<T: DistScalar> {
    comm: SimpleCommunicator,
    rows: Layout,
    cols: Layout,
    diag: Csr<T>,
    offd: Csr<T>,
    garray: Vec<usize>,
    halo: Halo,
    bufs: Mutex<Buffers<T>>,
    setup: (Duration, Duration),
}

/// The product's buffers: `x` packed for the neighbours, and the ghosts.
struct Buffers<T> {
    packed: Vec<T>,
    ghost: Vec<T>,
}

impl<T: DistScalar> DistCsr<T> {
    /// From this process's rows (`local`: `rows.range(rank).len() × cols.len()`, global
    /// column indices, `u32` or `usize`), the row layout and the column layout of `x`.
    /// Collective: builds the communication plan with two all-to-alls; every process gets an
    /// error if any fails.
    ///
    /// The communicator is duplicated, so the matrix's messages never meet the caller's; drop
    /// the matrix before MPI is finalized (before the `Universe`), since dropping it frees
    /// that communicator.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] if a layout does not have one block per process, `local` does not
    /// have this process's rows or the global column count, or a message would exceed MPI's
    /// `int` counts.
    pub fn from_local_rows<I: Index>(
        comm: &impl Communicator,
        rows: Layout,
        cols: Layout,
        local: Csr<T, I>,
    ) -> Result<Self> {
        let comm = comm.duplicate();
        let t = Instant::now();
        let built = split(&comm, &rows, &cols, local);
        let (diag, offd, garray) = agree(&comm, built)?;
        let blocks = t.elapsed();
        let t = Instant::now();
        let halo = agree(&comm, Halo::build(&comm, &cols, &garray))?;
        let plan = t.elapsed();
        let bufs = Mutex::new(Buffers {
            packed: vec![T::ZERO; halo.sent()],
            ghost: vec![T::ZERO; halo.ghosts()],
        });
        Ok(DistCsr {
            comm,
            rows,
            cols,
            diag,
            offd,
            garray,
            halo,
            bufs,
            setup: (blocks, plan),
        })
    }

    /// Every process holds the same whole matrix `a` (tests, or a matrix small enough) and
    /// keeps its rows, balanced by nonzeros plus one per row ([`Layout::balanced`]); `x` has
    /// the same layout as the rows if `a` is square, else its columns are split evenly.
    ///
    /// # Errors
    ///
    /// As [`from_local_rows`](Self::from_local_rows).
    pub fn from_global(comm: &impl Communicator, a: &Csr<T>) -> Result<Self> {
        let p = comm.size() as usize;
        let rows = Layout::balanced(a.nrows(), p, |i| a.row_ptr()[i] + i);
        let cols = if a.nrows() == a.ncols() {
            rows.clone()
        } else {
            Layout::even(a.ncols(), p)
        };
        let local = local_rows(a, rows.range(comm.rank() as usize));
        Self::from_local_rows(comm, rows, cols, local)
    }

    /// The layout of the rows (and of `y`).
    pub fn rows(&self) -> &Layout {
        &self.rows
    }

    /// The layout of `x` (the columns).
    pub fn cols(&self) -> &Layout {
        &self.cols
    }

    /// `(rows, columns)` of the whole matrix.
    pub fn global_shape(&self) -> (usize, usize) {
        (self.rows.len(), self.cols.len())
    }

    /// The diagonal block: this process's rows and columns, local indices.
    pub fn diagonal_block(&self) -> &Csr<T> {
        &self.diag
    }

    /// The off-diagonal block: this process's rows, columns compacted to the ghosts.
    pub fn off_diagonal_block(&self) -> &Csr<T> {
        &self.offd
    }

    /// The global column of each ghost (increasing): PETSc's `garray`.
    pub fn ghost_columns(&self) -> &[usize] {
        &self.garray
    }

    /// Entries of `x` this process receives per product (and sends back per transposed
    /// product).
    pub fn halo_received(&self) -> usize {
        self.halo.ghosts()
    }

    /// Entries of `x` this process sends per product.
    pub fn halo_sent(&self) -> usize {
        self.halo.sent()
    }

    /// Processes this process exchanges with per product.
    pub fn neighbours(&self) -> usize {
        let mut n: Vec<i32> = self.halo.recv.ranks.clone();
        n.extend(&self.halo.send.ranks);
        n.sort_unstable();
        n.dedup();
        n.len()
    }

    /// How long this process's setup took: `(blocks, plan)`, the split of its rows into the
    /// diagonal and off-diagonal blocks (one pass over its entries, building both), and the
    /// communication plan (two all-to-alls).
    pub fn setup_times(&self) -> (Duration, Duration) {
        self.setup
    }

    /// Stored entries on this process.
    pub fn local_nnz(&self) -> usize {
        self.diag.nnz() + self.offd.nnz()
    }

    /// Heap bytes this process holds for the matrix: both blocks, `garray`, the plan and the
    /// buffers.
    pub fn heap_bytes(&self) -> usize {
        let csr = |a: &Csr<T>| a.row_ptr().len() * 8 + a.nnz() * (4 + std::mem::size_of::<T>());
        csr(&self.diag)
            + csr(&self.offd)
            + self.garray.len() * 8
            + self.halo.send_idx.len() * 8
            + (self.halo.sent() + self.halo.ghosts()) * std::mem::size_of::<T>()
    }

    /// The reduction for the crate's solvers over this matrix's processes: pass it to
    /// [`Options::reduce`](matvec::solve::Options::reduce).
    pub fn reduction(&self) -> Allreduce<'_, SimpleCommunicator> {
        Allreduce(&self.comm)
    }

    /// The matrix's private communicator.
    pub fn comm(&self) -> &SimpleCommunicator {
        &self.comm
    }

    fn buffers(&self) -> std::sync::MutexGuard<'_, Buffers<T>> {
        // A panic in another product left the buffers as scratch: still usable.
        self.bufs.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: DistScalar> MatVec<T> for DistCsr<T> {
    /// Rows on this process (the local length of `y`).
    fn nrows(&self) -> usize {
        self.diag.nrows()
    }

    /// Entries of `x` on this process.
    fn ncols(&self) -> usize {
        self.diag.ncols()
    }

    #[track_caller]
    fn mul_vec(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check(self, x.len(), y.len(), false);
        if alpha == T::ZERO {
            self.diag.mul_vec(alpha, x, beta, y, par);
            return;
        }
        let mut guard = self.buffers();
        let Buffers { packed, ghost } = &mut *guard;
        for (p, &i) in packed.iter_mut().zip(&self.halo.send_idx) {
            *p = x[i];
        }
        self.halo.forward(&self.comm, packed, ghost, &mut || {
            self.diag.mul_vec(alpha, x, beta, y, par)
        });
        if !ghost.is_empty() {
            self.offd.mul_vec(alpha, ghost, T::ONE, y, par);
        }
    }

    #[track_caller]
    fn mul_vec_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check(self, x.len(), y.len(), true);
        if alpha == T::ZERO {
            self.diag.mul_vec_t(alpha, x, beta, y, par);
            return;
        }
        let mut guard = self.buffers();
        let Buffers { packed, ghost } = &mut *guard;
        if !ghost.is_empty() {
            self.offd.mul_vec_t(alpha, x, T::ZERO, ghost, par);
        }
        self.halo.reverse(&self.comm, ghost, packed, &mut || {
            self.diag.mul_vec_t(alpha, x, beta, y, par)
        });
        // In `send_idx` order: the same order of additions on every run.
        for (p, &i) in packed.iter().zip(&self.halo.send_idx) {
            y[i] += *p;
        }
    }
}

/// Panics with both shapes, local and global, unless the lengths fit this process's part.
#[track_caller]
fn check<T: DistScalar>(a: &DistCsr<T>, x: usize, y: usize, transposed: bool) {
    let (m, n) = (a.diag.nrows(), a.diag.ncols());
    let (nx, ny) = if transposed { (m, n) } else { (n, m) };
    if x != nx || y != ny {
        let (gm, gn) = a.global_shape();
        panic!(
            "DistCsr::{}: this process holds {m} rows and {n} entries of x of a {gm} x {gn} \
             matrix, so x needs length {nx} and y length {ny}, but x has length {x} and y \
             length {y}",
            if transposed { "mul_vec_t" } else { "mul_vec" }
        );
    }
}

/// Rows `r` of `a`, with global column indices.
fn local_rows<T: Scalar>(a: &Csr<T>, r: std::ops::Range<usize>) -> Csr<T, usize> {
    let ptr = a.row_ptr();
    let (first, last) = (ptr[r.start], ptr[r.end]);
    let row_ptr = ptr[r.start..=r.end].iter().map(|p| p - first).collect();
    let cols = a.col_idx()[first..last]
        .iter()
        .map(|&c| c as usize)
        .collect();
    let vals = a.values()[first..last].to_vec();
    Csr::try_new(r.len(), a.ncols(), row_ptr, cols, vals).expect("rows of a valid matrix")
}

/// Splits this process's rows into the diagonal and off-diagonal blocks.
fn split<T: DistScalar, I: Index>(
    comm: &SimpleCommunicator,
    rows: &Layout,
    cols: &Layout,
    local: Csr<T, I>,
) -> Result<(Csr<T>, Csr<T>, Vec<usize>)> {
    let (p, me) = (comm.size() as usize, comm.rank() as usize);
    if rows.parts() != p || cols.parts() != p {
        return Err(Error::Invalid(format!(
            "the layouts have {} row blocks and {} column blocks for {p} processes",
            rows.parts(),
            cols.parts()
        )));
    }
    let (want_rows, n) = (rows.range(me).len(), cols.len());
    if local.nrows() != want_rows || local.ncols() != n {
        return Err(Error::Invalid(format!(
            "rank {me} was given a {} x {} block of rows, but it owns {want_rows} rows of {n} \
             columns",
            local.nrows(),
            local.ncols()
        )));
    }
    let own = cols.range(me);
    let (nloc, width) = (local.nrows(), own.len());
    if width > u32::MAX as usize {
        return Err(Error::Invalid(format!(
            "rank {me} owns {width} columns: more than u32 indices hold"
        )));
    }
    let (_, _, ptr, idx, val) = local.into_parts();
    let mut garray: Vec<usize> = idx
        .iter()
        .map(|c| c.index())
        .filter(|c| !own.contains(c))
        .collect();
    garray.sort_unstable();
    garray.dedup();
    if garray.len() > u32::MAX as usize {
        return Err(Error::Invalid(format!(
            "rank {me} needs {} ghost columns: more than u32 indices hold",
            garray.len()
        )));
    }
    // Sized exactly (one counting pass), so the blocks are built without reallocation.
    let nd = idx.iter().filter(|c| own.contains(&c.index())).count();
    let no = idx.len() - nd;
    let (mut dp, mut di, mut dv) = (
        Vec::with_capacity(nloc + 1),
        Vec::with_capacity(nd),
        Vec::with_capacity(nd),
    );
    let (mut op, mut oi, mut ov) = (
        Vec::with_capacity(nloc + 1),
        Vec::with_capacity(no),
        Vec::with_capacity(no),
    );
    dp.push(0);
    op.push(0);
    for i in 0..nloc {
        for k in ptr[i]..ptr[i + 1] {
            let c = idx[k].index();
            if own.contains(&c) {
                di.push((c - own.start) as u32);
                dv.push(val[k]);
            } else {
                // Present: garray holds every column outside `own`.
                let g = garray.binary_search(&c).unwrap_or_default();
                oi.push(g as u32);
                ov.push(val[k]);
            }
        }
        dp.push(di.len());
        op.push(oi.len());
    }
    let diag = Csr::try_new(nloc, width, dp, di, dv)?;
    let offd = Csr::try_new(nloc, garray.len(), op, oi, ov)?;
    Ok((diag, offd, garray))
}
