//! Parallelism as an argument: [`Par`]. This is the only file that names rayon.

use std::ops::Range;

/// How a product may use threads. Passed to every kernel; there is no hidden global state.
///
/// * [`Par::Seq`] runs on the calling thread.
/// * [`Par::Rayon`] runs on the *current* rayon pool: the global pool, or the pool whose
///   [`install`](https://docs.rs/rayon/latest/rayon/struct.ThreadPool.html#method.install)
///   closure is running, so a caller chooses the number of threads with
///   `ThreadPool::install`. Without the `rayon` feature it runs sequentially.
///
/// Parallel kernels split the *output* vector, so every entry is computed by the same
/// sequence of floating-point operations whatever the split: results are bit-identical for
/// `Seq` and `Rayon` and for any number of threads. Products too small to pay for threads
/// run sequentially under either value.
///
/// # Examples
///
/// ```
/// use matvec::{Csr, MatVec, Par};
///
/// let a = Csr::<f64>::identity(3);
/// let mut y = [0.0; 3];
/// a.mul_vec(1.0, &[1.0, 2.0, 3.0], 0.0, &mut y, Par::Rayon);
/// assert_eq!(y, [1.0, 2.0, 3.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Par {
    /// Sequential: the calling thread only.
    Seq,
    /// Parallel on the current rayon pool (sequential without the `rayon` feature).
    Rayon,
}

impl Default for Par {
    /// [`Par::Rayon`] when the `rayon` feature is enabled, [`Par::Seq`] otherwise.
    fn default() -> Self {
        if cfg!(feature = "rayon") {
            Par::Rayon
        } else {
            Par::Seq
        }
    }
}

impl Par {
    /// The number of threads a product under this value may use: 1 for `Seq` (or without the
    /// `rayon` feature), the current rayon pool's size for `Rayon`.
    pub fn threads(self) -> usize {
        match self {
            Par::Seq => 1,
            #[cfg(feature = "rayon")]
            Par::Rayon => rayon::current_num_threads(),
            #[cfg(not(feature = "rayon"))]
            Par::Rayon => 1,
        }
    }
}

/// Work (in multiply-adds, roughly) below which a product runs on one thread: about the cost of
/// waking a second thread and joining it.
pub(crate) const SEQ_WORK: usize = 1 << 15;

/// Smallest piece of work a parallel split hands to one task.
const MIN_LEAF_WORK: usize = 1 << 13;

/// Leaves per thread: a few, so that rayon's work stealing evens out what the cost model
/// gets wrong (cache misses, a busy core) without paying much per task.
const LEAVES_PER_THREAD: usize = 4;

/// Runs `f(range, out_part)` over a partition of the items `0..out.size()` into contiguous
/// ranges of about equal cost, in parallel under `Par::Rayon`.
///
/// `out` is a slice, or several slices split together (a tuple or an array of them, see
/// [`Split`]): block products split the `k` output vectors at the same rows. `cost(i)` is the
/// cumulative cost of items `0..i` (so `cost(0) == 0` and it never decreases); splits are
/// found by binary search on it, so balancing a CSR matrix by its nonzeros costs `O(log n)` a
/// split and no memory. `out_part` is the part of `out` for `range`. Allocates nothing.
pub(crate) fn for_each_balanced<S, C, F>(par: Par, out: S, cost: C, f: F)
where
    S: Split,
    C: Fn(usize) -> usize + Sync,
    F: Fn(Range<usize>, S) + Sync,
{
    let n = out.size();
    let threads = par.threads();
    if threads <= 1 || n < 2 || cost(n) - cost(0) < SEQ_WORK {
        f(0..n, out);
        return;
    }
    let depth = usize::BITS - (threads * LEAVES_PER_THREAD - 1).leading_zeros(); // ceil(log2)
    split(par, 0, out, depth, &cost, &f);
}

fn split<S, C, F>(par: Par, lo: usize, out: S, depth: u32, cost: &C, f: &F)
where
    S: Split,
    C: Fn(usize) -> usize + Sync,
    F: Fn(Range<usize>, S) + Sync,
{
    let hi = lo + out.size();
    let (c_lo, c_hi) = (cost(lo), cost(hi));
    if depth == 0 || c_hi - c_lo < 2 * MIN_LEAF_WORK || hi - lo < 2 {
        f(lo..hi, out);
        return;
    }
    let target = c_lo + (c_hi - c_lo) / 2;
    // First item boundary whose prefix cost reaches half the work, kept strictly inside.
    let mid = lo + 1 + partition_point(lo + 1, hi, |i| cost(i) < target);
    let mid = mid.min(hi - 1);
    let (left, right) = out.cut(mid - lo);
    join(
        par,
        || split(par, lo, left, depth - 1, cost, f),
        || split(par, mid, right, depth - 1, cost, f),
    );
}

/// Cuts the items `0..n` into `parts` contiguous ranges of about equal cost: returns the
/// `parts + 1` boundaries (`0`, ..., `n`, never decreasing; a range may be empty when one item
/// outweighs a part's share).
///
/// `cost(i)` is the cumulative cost of items `0..i`, as for the parallel kernels' own
/// splitter, which this shares its search with: for a CSR matrix, `|i| row_ptr[i] + i` weighs
/// each row by its nonzeros plus one (the write of `yᵢ`), which is how the kernels balance
/// threads and how `matvec-mpi` balances processes. `O(parts · log n)` calls of `cost`.
///
/// # Panics
///
/// If `parts == 0`.
///
/// ```
/// // Rows of 1, 1, 1, 1 and 8 nonzeros: two parts of about equal nonzeros + rows.
/// let row_ptr = [0usize, 1, 2, 3, 4, 12];
/// let cuts = matvec::balanced_cuts(5, 2, |i| row_ptr[i] + i);
/// assert_eq!(cuts, vec![0, 4, 5]);
/// ```
pub fn balanced_cuts(n: usize, parts: usize, cost: impl Fn(usize) -> usize) -> Vec<usize> {
    assert!(parts > 0, "balanced_cuts: parts must be at least 1");
    let (c0, total) = (cost(0), cost(n) - cost(0));
    let mut cuts = Vec::with_capacity(parts + 1);
    cuts.push(0);
    for k in 1..parts {
        // First boundary whose prefix cost reaches k/parts of the work (u128: no overflow).
        let target = c0 + (total as u128 * k as u128 / parts as u128) as usize;
        let lo = *cuts.last().expect("starts with 0");
        cuts.push(lo + partition_point(lo, n, |i| cost(i) < target));
    }
    cuts.push(n);
    cuts
}

/// Number of `i` in `lo..hi` (a prefix, since `pred` is monotone) for which `pred(i)` holds.
fn partition_point(lo: usize, hi: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut a, mut b) = (lo, hi);
    while a < b {
        let m = a + (b - a) / 2;
        if pred(m) { a = m + 1 } else { b = m }
    }
    a - lo
}

/// Runs `a` and `b`, in parallel on the current rayon pool under `Par::Rayon`.
pub(crate) fn join(par: Par, a: impl FnOnce() + Send, b: impl FnOnce() + Send) {
    #[cfg(feature = "rayon")]
    if par == Par::Rayon {
        rayon::join(a, b);
        return;
    }
    let _ = par;
    a();
    b();
}

/// Runs `a` and `b`, in parallel on the current rayon pool under `Par::Rayon`, and returns
/// both results.
pub(crate) fn join2<RA: Send, RB: Send>(
    par: Par,
    a: impl FnOnce() -> RA + Send,
    b: impl FnOnce() -> RB + Send,
) -> (RA, RB) {
    #[cfg(feature = "rayon")]
    if par == Par::Rayon {
        return rayon::join(a, b);
    }
    let _ = par;
    (a(), b())
}

/// Slices (or tuples of slices of equal length) that element-wise vector kernels split
/// together: the one shape [`reduce`] needs.
pub(crate) trait Split: Send + Sized {
    /// Number of items (all parts have the same).
    fn size(&self) -> usize;
    /// Splits every part at item `mid`.
    fn cut(self, mid: usize) -> (Self, Self);
}

impl<T: Sync> Split for &[T] {
    fn size(&self) -> usize {
        <[T]>::len(self)
    }
    fn cut(self, mid: usize) -> (Self, Self) {
        <[T]>::split_at(self, mid)
    }
}

impl<T: Send> Split for &mut [T] {
    fn size(&self) -> usize {
        <[T]>::len(self)
    }
    fn cut(self, mid: usize) -> (Self, Self) {
        self.split_at_mut(mid)
    }
}

/// Positions travel with the slices they index (as in `(0..n, x)`).
impl Split for Range<usize> {
    fn size(&self) -> usize {
        self.end - self.start
    }
    fn cut(self, mid: usize) -> (Self, Self) {
        (self.start..self.start + mid, self.start + mid..self.end)
    }
}

macro_rules! split_tuple {
    ($($name:ident $var:ident $idx:tt),+) => {
        impl<$($name: Split),+> Split for ($($name,)+) {
            fn size(&self) -> usize {
                self.0.size()
            }
            fn cut(self, mid: usize) -> (Self, Self) {
                $(let $var = self.$idx.cut(mid);)+
                (($($var.0,)+), ($($var.1,)+))
            }
        }
    };
}

/// `N` parts split at the same item (the `k` output vectors of a block product).
impl<S: Split, const N: usize> Split for [S; N] {
    fn size(&self) -> usize {
        self.first().map_or(0, Split::size)
    }
    fn cut(self, mid: usize) -> (Self, Self) {
        let mut right = [const { None }; N];
        let mut slots = right.iter_mut();
        let left = self.map(|s| {
            let (l, r) = s.cut(mid);
            if let Some(slot) = slots.next() {
                *slot = Some(r);
            }
            l
        });
        (
            left,
            right.map(|r| r.expect("one right part per left part")),
        )
    }
}

split_tuple!(A a 0, B b 1);
split_tuple!(A a 0, B b 1, C c 2);
split_tuple!(A a 0, B b 1, C c 2, D d 3);
split_tuple!(A a 0, B b 1, C c 2, D d 3, E e 4);

/// Items per leaf of [`reduce`]'s tree: 64 KiB of `f64`, a few microseconds of work.
pub(crate) const VEC_LEAF: usize = 1 << 13;

/// Runs `leaf` on the pieces of a fixed binary tree over `s` (halving until a piece has at
/// most [`VEC_LEAF`] items) and combines the results pairwise, in parallel under
/// `Par::Rayon`.
///
/// The tree depends on the length only, never on the number of threads, so a reduction
/// (a dot product) gives bit-identical results under every `Par` and pool size — and the
/// pairwise combination is more accurate than one running sum. Allocates nothing (rayon's
/// `join` from outside a pool excepted; see `tests/alloc.rs`).
pub(crate) fn reduce<S, R, L, C>(par: Par, s: S, leaf: &L, combine: &C) -> R
where
    S: Split,
    R: Send,
    L: Fn(S) -> R + Sync,
    C: Fn(R, R) -> R + Sync,
{
    let n = s.size();
    if n <= VEC_LEAF {
        return leaf(s);
    }
    let (a, b) = s.cut(n / 2);
    let par = if par.threads() > 1 { par } else { Par::Seq };
    let (ra, rb) = join2(
        par,
        || reduce(par, a, leaf, combine),
        || reduce(par, b, leaf, combine),
    );
    combine(ra, rb)
}

/// Runs `parse` on every job on the current rayon pool (under `Par::Rayon`) while `main` runs
/// on this thread; returns when all are done. Sequentially (jobs first) otherwise. The Matrix
/// Market reader parses chunks with it while reading the next ones; its writer formats blocks
/// with it, with nothing to do on the side.
pub(crate) fn overlap<J: Send>(
    par: Par,
    jobs: &mut [J],
    parse: &(impl Fn(&mut J) + Sync),
    main: impl FnOnce(),
) {
    #[cfg(feature = "rayon")]
    if par == Par::Rayon && par.threads() > 1 {
        rayon::in_place_scope(|s| {
            for job in jobs.iter_mut() {
                s.spawn(move |_| parse(job));
            }
            main();
        });
        return;
    }
    let _ = par;
    jobs.iter_mut().for_each(parse);
    main();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_balanced_split_covers_every_item_once() {
        for par in [Par::Seq, Par::Rayon] {
            for n in [0usize, 1, 2, 7, 1000, 100_000] {
                let mut out = vec![0u8; n];
                // Skewed cost: item i costs i (so the tail is heavy).
                for_each_balanced(
                    par,
                    out.as_mut_slice(),
                    |i| i * (i + 1) / 2,
                    |r, part| {
                        assert_eq!(r.len(), part.len());
                        for v in part.iter_mut() {
                            *v += 1;
                        }
                    },
                );
                assert!(out.iter().all(|&v| v == 1), "n = {n}");
            }
        }
    }

    #[test]
    fn par_reduce_is_the_same_tree_for_every_par() {
        let n = 100_003;
        let x: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f64 * 1e-3 + 0.1)
            .collect();
        let leaf = |s: &[f64]| s.iter().sum::<f64>();
        let seq = reduce(Par::Seq, x.as_slice(), &leaf, &|a, b| a + b);
        let par = reduce(Par::Rayon, x.as_slice(), &leaf, &|a, b| a + b);
        assert_eq!(seq.to_bits(), par.to_bits());
        let exact: f64 = x.iter().sum();
        assert!((seq - exact).abs() < 1e-9 * exact);
        // Mutable pieces in a tuple cover every item exactly once.
        let mut y = vec![0u32; n];
        let count = reduce(
            Par::Rayon,
            (x.as_slice(), y.as_mut_slice()),
            &|(a, b): (&[f64], &mut [u32])| {
                assert_eq!(a.len(), b.len());
                b.iter_mut().for_each(|v| *v += 1);
                b.len()
            },
            &|a, b| a + b,
        );
        assert_eq!(count, n);
        assert!(y.iter().all(|&v| v == 1));
    }

    #[test]
    fn par_partition_point_matches_std() {
        let v: Vec<usize> = (0..100).map(|i| i * 3).collect();
        for t in 0..310 {
            let ours = partition_point(0, v.len(), |i| v[i] < t);
            assert_eq!(ours, v.partition_point(|&x| x < t));
        }
    }
}
