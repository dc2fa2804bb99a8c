//! A Matrix Market file read by every process at once: each parses one byte range, the rows
//! are balanced from counts of the triplets, and every triplet travels to its row's owner
//! (`alltoallv`). No process reads or holds the whole file.

use crate::alltoallv::Counts;
use crate::dist_csr::{DistCsr, DistScalar};
use crate::error::{Error, Result, agree};
use crate::layout::Layout;
use matvec::io::mtx::{self, MtxReader};
use matvec::{Coo, Index};
use mpi::collective::SystemOperation;
use mpi::datatype::Equivalence;
use mpi::traits::*;
use std::path::Path;

/// Buckets of rows whose triplets are counted to balance the rows: the resolution of the
/// balance (a process's share is off by at most one bucket's entries), at 8 bytes a bucket
/// on every process.
const BUCKETS: usize = 1 << 16;

/// Reads a Matrix Market `coordinate` file (`real`, `integer` or `pattern`; `general`,
/// `symmetric` or `skew-symmetric`) as a [`DistCsr`], with the conventions of
/// `matvec::io::mtx` (duplicates summed; symmetric files expanded). Collective.
///
/// 1. Process `r` of `P` parses the lines that start in the `r`-th of `P` equal byte ranges
///    of the data ([`MtxReader::read_part`]), with the single-process reader's checks and
///    messages; the parts' counts of entries are summed and checked against the size line.
/// 2. The rows are cut into blocks of about equal nonzeros plus rows, from the triplets
///    counted in up to 65 536 buckets of consecutive rows (one `allreduce`; an exact count
///    per row would cost every process 8 bytes a row of the whole matrix).
/// 3. Each process groups its triplets by owner in place and sends them with three
///    `alltoallv`s; the owner sums duplicates and sorts its rows (`Coo::into_csr`).
///
/// Peak memory of a process: its part's triplets and the triplets it receives, each
/// `2·4 + size_of::<T>()` bytes (`2·8 + …` for a matrix with more than 2³² rows or
/// columns), then its rows. The matrix equals the single-process
/// `mtx::read_csr`'s, except that the sums of duplicate entries may round differently (they
/// are added in another order).
///
/// # Errors
///
/// On every process, if any fails: the file's own error (missing, not Matrix Market, an
/// `array` file, a bad line — named by its line number — or the wrong count of entries), the
/// file changing while it is read, or a part too large for one MPI message (2³¹ entries).
pub fn read_mtx<T: DistScalar>(
    comm: &impl Communicator,
    path: impl AsRef<Path>,
) -> Result<DistCsr<T>> {
    let path = path.as_ref();
    let header = agree(comm, mtx::read_header(path).map_err(Error::from))?;
    // `u32` indices when the dimensions allow (16 bytes a triplet instead of 24 for `f64`);
    // every process read the same header or fails in `read_with`.
    if header.nrows.max(header.ncols) <= u32::MAX as usize {
        read_with::<T, u32>(comm, path)
    } else {
        read_with::<T, usize>(comm, path)
    }
}

/// [`read_mtx`] with triplets of index type `I`.
fn read_with<T: DistScalar, I: Index + Equivalence>(
    comm: &impl Communicator,
    path: &Path,
) -> Result<DistCsr<T>> {
    let (p, me) = (comm.size() as usize, comm.rank() as usize);
    let part = MtxReader::open(path).and_then(|r| r.read_part::<T, I>(me, p));
    let part = agree(comm, part.map_err(Error::from))?;
    // Every process read the header itself: they must have read the same one.
    let h = part.header();
    let mine = [h.nrows as u64, h.ncols as u64, h.entries];
    let mut first = mine;
    comm.process_at_rank(0).broadcast_into(&mut first[..]);
    let same = if first == mine {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{}: the file changed while it was read (rank {me} read rows, columns, entries \
             {mine:?}; rank 0 read {first:?})",
            path.display()
        )))
    };
    agree(comm, same)?;
    let mut total = 0u64;
    comm.all_reduce_into(&part.entries(), &mut total, SystemOperation::sum());
    agree(comm, part.check_entries(total).map_err(Error::from))?;
    let (n, ncols) = (h.nrows, h.ncols);
    let (_, _, mut rows, mut cols, mut vals) = part.into_coo().into_parts();
    let layout = balance(comm, &rows, n);
    // Group the triplets by owner (in place), then send each group to its owner.
    let to = group_by_owner(&layout, &mut rows, &mut cols, &mut vals);
    let counts = Counts::exchange(comm, &to, "Matrix Market entries for one process")?;
    let mut got_rows = counts.all_to_all(comm, &rows);
    drop(rows);
    let got_cols = counts.all_to_all(comm, &cols);
    drop(cols);
    let got_vals = counts.all_to_all(comm, &vals);
    drop(vals);
    let mine = layout.range(me);
    for r in &mut got_rows {
        // Every row received is in `mine` (it was sent to its owner), so this fits `I`.
        *r = I::try_from_index(r.index() - mine.start).unwrap_or(*r);
    }
    let local = Coo::try_from_triplets(mine.len(), ncols, got_rows, got_cols, got_vals)
        .map(Coo::into_csr)
        .map_err(Error::from);
    let local = agree(comm, local)?;
    let cols = if n == ncols {
        layout.clone()
    } else {
        Layout::even(ncols, p)
    };
    DistCsr::from_local_rows(comm, layout, cols, local)
}

/// Cuts the `n` rows into one block per process of about equal cost (triplets plus rows),
/// counted in buckets of consecutive rows. Collective (one `allreduce`); every process
/// computes the same cuts from the same sums.
fn balance<I: Index>(comm: &impl Communicator, rows: &[I], n: usize) -> Layout {
    let p = comm.size() as usize;
    let buckets = n.min(BUCKETS);
    if buckets == 0 {
        return Layout::even(n, p);
    }
    // Bucket `b` holds rows `first(b)..first(b + 1)`, with `bucket(i) = ⌊i·B/n⌋`.
    let bucket = |i: usize| (i as u128 * buckets as u128 / n as u128) as usize;
    let first = |b: usize| (b as u128 * n as u128).div_ceil(buckets as u128) as usize;
    let mut local = vec![0u64; buckets];
    for &r in rows {
        local[bucket(r.index())] += 1;
    }
    let mut counts = vec![0u64; buckets];
    comm.all_reduce_into(&local[..], &mut counts[..], SystemOperation::sum());
    drop(local);
    // Cumulative cost at each bucket boundary (entries plus rows).
    let mut prefix = Vec::with_capacity(buckets + 1);
    prefix.push(0usize);
    for (b, &c) in counts.iter().enumerate() {
        let cost = c as usize + (first(b + 1) - first(b));
        prefix.push(prefix[b] + cost);
    }
    let cuts = matvec::balanced_cuts(buckets, p, |b| prefix[b]);
    Layout::from_offsets(cuts.into_iter().map(first).collect())
}

/// Reorders the triplets in place so that each process's come together, in rank order (an
/// American-flag permutation: no second copy of the triplets); returns how many go to each.
fn group_by_owner<T: Copy, I: Index>(
    layout: &Layout,
    rows: &mut [I],
    cols: &mut [I],
    vals: &mut [T],
) -> Vec<usize> {
    let p = layout.parts();
    let mut to = vec![0usize; p];
    for &r in rows.iter() {
        to[layout.owner(r.index())] += 1;
    }
    // `next[d]` is the first place of group `d` not yet holding one of its own.
    let mut next = Vec::with_capacity(p);
    let mut end = Vec::with_capacity(p);
    let mut at = 0;
    for &c in &to {
        next.push(at);
        at += c;
        end.push(at);
    }
    for d in 0..p {
        while next[d] < end[d] {
            let k = next[d];
            let owner = layout.owner(rows[k].index());
            if owner == d {
                next[d] += 1;
            } else {
                // Send this one to its group's next free place, and look at what comes back.
                let j = next[owner];
                next[owner] += 1;
                rows.swap(k, j);
                cols.swap(k, j);
                vals.swap(k, j);
            }
        }
    }
    to
}
