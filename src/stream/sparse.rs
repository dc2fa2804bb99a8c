//! [`StreamCsr`] and [`StreamCsc`]: scipy `.npz` sparse matrices (stored members) multiplied
//! block by block from positioned reads, with resident memory bounded by a budget however
//! large the file — offsets included.

use super::file::{FirstError, Pool, Pooled};
use super::npz::{Block, NpzSource};
use crate::error::Result;
use crate::io::npz::NpzFormat;
use crate::kernels::sparse;
use crate::kernels::workspace::Workspace;
use crate::matvec::{check_block, check_lengths, scale_output};
use crate::memory::Footprint;
use crate::{Index, Par, Scalar, Widen};
use std::ops::Range;
use std::path::Path;

/// Default memory budget of the streamed sparse types: 256 MiB.
pub const DEFAULT_SPARSE_BUDGET: usize = 256 << 20;

/// Largest block read at once, whatever the budget: 8 MiB of indices and values stream at
/// the disk's and memory's speed, and many blocks keep the threads balanced.
const MAX_BLOCK: usize = 8 << 20;

impl<T: Scalar, I: Index> Pooled for Block<T, I> {
    fn heap_bytes(&self) -> usize {
        Block::heap_bytes(self)
    }
}

/// What [`StreamCsr`] and [`StreamCsc`] share: the file, its plan, the buffers.
struct Core<T: Scalar, I: Index> {
    src: NpzSource,
    budget: usize,
    pool: Pool<Block<T, I>>,
    /// Scratch of block products (the block's part of `k` vectors).
    scratch: Workspace,
}

impl<T: Scalar, I: Index> Core<T, I> {
    fn open(path: &Path, format: NpzFormat, budget: usize) -> Result<Self> {
        Ok(Core {
            src: NpzSource::open::<T, I>(path, format, Some(block_bytes(budget)))?,
            budget,
            pool: Pool::default(),
            scratch: Workspace::default(),
        })
    }

    fn block(&self) -> Block<T, I> {
        self.pool.take_with(|_| true, || self.src.new_block())
    }

    /// `y ← α·A·x + β·y` over the outer slices (`y` outer-long): blocks are independent, so
    /// each part of a split by entries reads its own blocks into its own buffer.
    fn gather<V: Scalar>(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) -> Result<()>
    where
        T: Widen<V>,
    {
        if alpha == V::ZERO {
            scale_output(beta, y);
            return Ok(());
        }
        let inner = self.src.stored().1;
        let first_error = FirstError::default();
        let leaf = |blocks: Range<usize>, y: &mut [V]| {
            let base = self.src.slices(blocks.start).start;
            let mut blk = self.block();
            for b in blocks {
                if first_error.failed() {
                    break;
                }
                if let Err(e) = self.src.read(b, &mut blk, Par::Seq) {
                    first_error.set(e);
                    break;
                }
                let r = blk.slices.clone();
                let part = &mut y[r.start - base..r.end - base];
                sparse::gather(blk.parts(inner), alpha, x, beta, part, Par::Seq);
            }
            self.pool.give(blk);
        };
        let threads = par.threads();
        let depth = if threads > 1 {
            usize::BITS - (threads * 4 - 1).leading_zeros()
        } else {
            0
        };
        self.split(par, 0..self.src.blocks(), y, depth, &leaf);
        first_error.into_result()
    }

    /// Splits `blocks` (and `y`, which covers their slices) in halves by entries, `depth`
    /// times, in parallel under `par`.
    fn split<V: Scalar>(
        &self,
        par: Par,
        blocks: Range<usize>,
        y: &mut [V],
        depth: u32,
        leaf: &(impl Fn(Range<usize>, &mut [V]) + Sync),
    ) {
        if depth == 0 || blocks.len() < 2 {
            return leaf(blocks, y);
        }
        let (lo, hi) = (
            self.src.entries_before(blocks.start),
            self.src.entries_before(blocks.end),
        );
        let target = lo + (hi - lo) / 2;
        let mut mid = blocks.start + 1;
        while mid < blocks.end - 1 && self.src.entries_before(mid) < target {
            mid += 1;
        }
        let cut = self.src.slices(mid).start - self.src.slices(blocks.start).start;
        let (ya, yb) = y.split_at_mut(cut);
        crate::par::join(
            par,
            || self.split(par, blocks.start..mid, ya, depth - 1, leaf),
            || self.split(par, mid..blocks.end, yb, depth - 1, leaf),
        );
    }

    /// Calls `compute(block)` for each block in order, reading the next one meanwhile.
    fn pipelined(&self, par: Par, mut compute: impl FnMut(&Block<T, I>) + Send) -> Result<()> {
        let blocks = self.src.blocks();
        let (mut cur, mut next) = (self.block(), self.block());
        let mut result = if blocks > 0 {
            self.src.read(0, &mut cur, par)
        } else {
            Ok(())
        };
        for b in 0..blocks {
            if result.is_err() {
                break;
            }
            let (read, ()) = crate::par::join2(
                par,
                || {
                    if b + 1 < blocks {
                        self.src.read(b + 1, &mut next, Par::Seq)
                    } else {
                        Ok(())
                    }
                },
                || compute(&cur),
            );
            result = read;
            std::mem::swap(&mut cur, &mut next);
        }
        self.pool.give(cur);
        self.pool.give(next);
        result
    }

    /// `y ← α·Aᵀ·x + β·y` over the outer slices (`x` outer-long, `y` inner-long).
    fn scatter<V: Scalar>(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) -> Result<()>
    where
        T: Widen<V>,
    {
        scale_output(beta, y);
        if alpha == V::ZERO {
            return Ok(());
        }
        let inner = self.src.stored().1;
        self.pipelined(par, |blk| {
            let r = blk.slices.clone();
            sparse::scatter(blk.parts(inner), alpha, &x[r], V::ONE, y, Par::Seq);
        })
    }

    /// [`gather`](Self::gather) for `k` column-major vectors, each block read once for all.
    fn gather_block<V: Scalar>(
        &self,
        alpha: V,
        x: &[V],
        beta: V,
        y: &mut [V],
        k: usize,
        par: Par,
    ) -> Result<()>
    where
        T: Widen<V>,
    {
        if alpha == V::ZERO || k == 0 {
            scale_output(beta, y);
            return Ok(());
        }
        let (outer, inner) = self.src.stored();
        let len = k * self.src.max_slices();
        let mut run = |yb: &mut [V]| {
            self.pipelined(par, |blk| {
                let r = blk.slices.clone();
                let yb = &mut yb[..k * r.len()];
                if beta != V::ZERO {
                    for j in 0..k {
                        yb[j * r.len()..(j + 1) * r.len()]
                            .copy_from_slice(&y[j * outer + r.start..j * outer + r.end]);
                    }
                }
                sparse::gather_block(blk.parts(inner), alpha, x, beta, yb, par);
                for j in 0..k {
                    y[j * outer + r.start..j * outer + r.end]
                        .copy_from_slice(&yb[j * r.len()..(j + 1) * r.len()]);
                }
            })
        };
        match self.scratch.with(len, &mut run) {
            Some(result) => result,
            None => run(&mut vec![V::ZERO; len]), // another thread holds the scratch
        }
    }

    /// [`scatter`](Self::scatter) for `k` column-major vectors, each block read once for all.
    fn scatter_block<V: Scalar>(
        &self,
        alpha: V,
        x: &[V],
        beta: V,
        y: &mut [V],
        k: usize,
        par: Par,
    ) -> Result<()>
    where
        T: Widen<V>,
    {
        scale_output(beta, y);
        if alpha == V::ZERO || k == 0 {
            return Ok(());
        }
        let (outer, inner) = self.src.stored();
        let len = k * self.src.max_slices();
        let mut run = |xb: &mut [V]| {
            self.pipelined(par, |blk| {
                let r = blk.slices.clone();
                let xb = &mut xb[..k * r.len()];
                for j in 0..k {
                    xb[j * r.len()..(j + 1) * r.len()]
                        .copy_from_slice(&x[j * outer + r.start..j * outer + r.end]);
                }
                sparse::scatter_block(blk.parts(inner), alpha, xb, V::ONE, y, par);
            })
        };
        match self.scratch.with(len, &mut run) {
            Some(result) => result,
            None => run(&mut vec![V::ZERO; len]),
        }
    }
}

/// Bytes per block for a budget: the budget is shared by the buffers of the threads in
/// flight (at least two: one block computed while the next is read).
fn block_bytes(budget: usize) -> usize {
    (budget / Par::Rayon.threads().max(2)).min(MAX_BLOCK)
}

macro_rules! stream_sparse {
    ($ty:ident, $name:literal, $format:expr, $gather_is_mul_vec:expr, $doc_outer:literal) => {
        impl<T: Scalar, I: Index> $ty<T, I> {
            #[doc = concat!("Opens the `'", $doc_outer, "'` `.npz` file at `path` (members stored, not compressed; int32 or")]
            /// int64 offsets and indices, either byte order; values `T` exactly), reading its
            /// offsets once to check them and plan blocks under [`DEFAULT_SPARSE_BUDGET`].
            ///
            /// # Errors
            ///
            /// [`Error::Io`](crate::Error::Io) if the file cannot be read;
            /// [`Error::Format`](crate::Error::Format), naming the file, the member and the
            /// element, for anything wrong with it — including compressed members (the
            /// message says how to convert the file) and values of another type than `T`.
            pub fn open(path: impl AsRef<Path>) -> Result<Self> {
                Ok($ty { core: Core::open(path.as_ref(), $format, DEFAULT_SPARSE_BUDGET)? })
            }

            /// Sets the memory budget for the buffers of one product, in bytes: the offsets
            /// are read again to plan blocks that fit it. A slice with more entries than a
            /// block holds is a block of its own (the budget is then exceeded by that slice).
            ///
            /// # Errors
            ///
            /// As [`open`](Self::open): the file is read again.
            pub fn with_budget(self, bytes: usize) -> Result<Self> {
                let path = self.core.src.path().to_path_buf();
                Ok($ty { core: Core::open(&path, $format, bytes)? })
            }

            /// Number of rows.
            pub fn nrows(&self) -> usize {
                self.core.src.nrows
            }
            /// Number of columns.
            pub fn ncols(&self) -> usize {
                self.core.src.ncols
            }
            /// Stored entries.
            pub fn nnz(&self) -> usize {
                self.core.src.nnz
            }
            /// The file.
            pub fn path(&self) -> &Path {
                self.core.src.path()
            }
            /// The memory budget, in bytes.
            pub fn budget(&self) -> usize {
                self.core.budget
            }
            /// Number of blocks a product reads.
            pub fn blocks(&self) -> usize {
                self.core.src.blocks()
            }

            /// `y ← α·A·x + β·y`, returning read errors (see the module docs); on an error the
            /// contents of `y` are unspecified. Panics on wrong lengths as [`MatVec::mul_vec`](crate::MatVec::mul_vec).
            ///
            /// # Errors
            ///
            /// A failed or short read, or a block that is not what the file held at open.
            #[track_caller]
            pub fn try_mul_vec<V: Scalar>(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) -> Result<()>
            where
                T: Widen<V>,
            {
                check_lengths(self.nrows(), self.ncols(), x.len(), y.len(), false);
                if $gather_is_mul_vec {
                    self.core.gather(alpha, x, beta, y, par)
                } else {
                    self.core.scatter(alpha, x, beta, y, par)
                }
            }

            /// `y ← α·Aᵀ·x + β·y`. Errors and panics as [`try_mul_vec`](Self::try_mul_vec).
            #[track_caller]
            pub fn try_mul_vec_t<V: Scalar>(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) -> Result<()>
            where
                T: Widen<V>,
            {
                check_lengths(self.nrows(), self.ncols(), x.len(), y.len(), true);
                if $gather_is_mul_vec {
                    self.core.scatter(alpha, x, beta, y, par)
                } else {
                    self.core.gather(alpha, x, beta, y, par)
                }
            }

            /// `Y ← α·A·X + β·Y` for `k` column-major vectors, each block read once for all.
            /// Errors as [`try_mul_vec`](Self::try_mul_vec); panics as [`MatVec::mul_mat`](crate::MatVec::mul_mat).
            #[track_caller]
            pub fn try_mul_mat<V: Scalar>(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) -> Result<()>
            where
                T: Widen<V>,
            {
                let k = check_block(self.nrows(), self.ncols(), x.len(), y.len(), false);
                if $gather_is_mul_vec {
                    self.core.gather_block(alpha, x, beta, y, k, par)
                } else {
                    self.core.scatter_block(alpha, x, beta, y, k, par)
                }
            }

            /// `Y ← α·Aᵀ·X + β·Y` for `k` column-major vectors, each block read once for all.
            /// Errors as [`try_mul_vec`](Self::try_mul_vec); panics as [`MatVec::mul_mat_t`](crate::MatVec::mul_mat_t).
            #[track_caller]
            pub fn try_mul_mat_t<V: Scalar>(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) -> Result<()>
            where
                T: Widen<V>,
            {
                let k = check_block(self.nrows(), self.ncols(), x.len(), y.len(), true);
                if $gather_is_mul_vec {
                    self.core.scatter_block(alpha, x, beta, y, k, par)
                } else {
                    self.core.gather_block(alpha, x, beta, y, k, par)
                }
            }
        }

        matvec_via_try!(impl[T: Scalar + Widen<V>, V: Scalar, I: Index] $ty<T, I>, $name);

        impl<T: Scalar, I: Index> Footprint for $ty<T, I> {
            /// Bytes owned on the heap: the block buffers kept for the next product (none
            /// before the first), the scratch of block products, and the plan (two words a
            /// block).
            fn heap_bytes(&self) -> usize {
                self.core.pool.heap_bytes() + self.core.scratch.heap_bytes() + self.core.src.heap_bytes()
            }
            /// Bytes of the three arrays in the file.
            fn data_bytes(&self) -> usize {
                self.core.src.data_bytes::<T>()
            }
        }

        impl<T: Scalar, I: Index> std::fmt::Debug for $ty<T, I> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct($name)
                    .field("path", &self.path())
                    .field("shape", &(self.nrows(), self.ncols()))
                    .field("nnz", &self.nnz())
                    .field("dtype", &T::NAME)
                    .field("index", &I::NAME)
                    .field("budget", &self.core.budget)
                    .field("blocks", &self.blocks())
                    .finish()
            }
        }
    };
}

/// A CSR matrix in a scipy `.npz` file (`save_npz(..., compressed=False)`, or
/// [`io::npz::write_csr`](crate::io::npz::write_csr)), multiplied block by block of rows
/// without holding it in memory.
///
/// Opening reads the offsets once, in 1 MiB pieces, to check them and to cut the rows into
/// blocks balanced by entries that fit a buffer; a product then reads each block's offsets,
/// indices and values with positioned reads into buffers it keeps (at most the budget for the
/// threads in flight; reused, so products allocate nothing in steady state) and checks them
/// again before computing: offsets as planned, every index in range. A file rewritten, truncated or hostile gives an error naming the member and
/// the element (from the `try_` products; the [`MatVec`](crate::MatVec) methods panic with it), never a read
/// out of bounds.
///
/// `A·x` is a gather: each thread reads and computes its own blocks, in parallel. `Aᵀ·x` is a
/// scatter, sequential, computing one block while the next is read. Results are bit-identical
/// to the in-memory [`Csr`](crate::Csr) product of the same file, for every budget and `Par`.
/// An `f32` file serves `f64` vectors too. Blocks with unsorted or repeated indices (scipy's
/// `has_canonical_format` false) are sorted and summed as they are read, as the in-memory
/// reader does. Compressed files (`save_npz`'s default) are refused with a message saying how
/// to convert them; [`mmap::open_or_load`](crate::mmap::open_or_load) loads them instead.
///
/// # Examples
///
/// ```
/// use matvec::io::npz::write_csr;
/// use matvec::stream::StreamCsr;
/// use matvec::{Coo, Par};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("a.npz");
/// let mut coo = Coo::<f64>::new(3, 3);
/// coo.push(0, 0, 2.0);
/// coo.push(2, 1, -1.0);
/// write_csr(&path, coo.into_csr().view())?;
///
/// let a = StreamCsr::<f64>::open(&path)?.with_budget(1 << 20)?;
/// let mut y = vec![0.0; 3];
/// a.try_mul_vec(1.0, &[1.0, 1.0, 1.0], 0.0, &mut y, Par::Rayon)?;
/// assert_eq!(y, [2.0, 0.0, -1.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct StreamCsr<T: Scalar, I: Index = u32> {
    core: Core<T, I>,
}

/// A CSC matrix in a scipy `.npz` file, multiplied block by block of columns: the mirror of
/// [`StreamCsr`] (`Aᵀ·x` is the parallel gather, `A·x` the sequential scatter).
pub struct StreamCsc<T: Scalar, I: Index = u32> {
    core: Core<T, I>,
}

stream_sparse!(StreamCsr, "StreamCsr", NpzFormat::Csr, true, "csr");
stream_sparse!(StreamCsc, "StreamCsc", NpzFormat::Csc, false, "csc");
