//! Sparse kernels over validated [`Parts`]: the gather (`y[o] = ⟨slice o, x⟩`: CSR `A·x`,
//! CSC `Aᵀ·x`), the scatter (`y += x[o]·slice o`: CSR `Aᵀ·x`, CSC `A·x`) and the triplet
//! scatter of COO, each for one vector or a block of `k`, with storage precision `S` and
//! vector precision `T` apart (`S: Widen<T>`).
//!
//! **Order of the additions.** Every output entry is computed by one fixed sequence of
//! floating-point operations that depends on the matrix only: a gather sums each slice in
//! index order with one accumulator, starting from zero; a scatter adds slice after slice,
//! entry after entry. Threads split the output, never a sum; a block product does for each of
//! its vectors exactly what the single product does. So results are bit-identical for every
//! [`Par`], every pool size, and between `mul_mat` and `k` calls of `mul_vec`.
//!
//! **Bounds.** The inner loops index without bounds checks. What makes that sound is the type
//! [`Parts`] (its invariants hold by construction) and one `assert!` of the vector lengths per
//! kernel call (per leaf of a parallel split), which is all the inner loops rely on.

use super::Group;
use super::workspace::Workspace;
use crate::compressed::Parts;
use crate::matvec::{block_vectors, scale_output};
use crate::par::{self, Par};
use crate::{Index, Scalar, Widen};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

/// Per outer slice, the cost model of the gather: its nonzeros plus a fixed charge for
/// reading the offsets and writing the output.
const OUTER_COST: usize = 2;

/// Bytes of the matrix a block product with more than [`Group::MAX`] vectors works on at a
/// time, so that the tile is read from memory once and from cache for the other groups.
const TILE_BYTES: usize = 1 << 20;

/// Bytes of the vectors of one group that a block gather may expect to find in cache: half
/// this machine's 32 MiB L3 (measured here: with 8 vectors of 8 MB each, random columns made
/// `mul_mat` 1.9 × slower than 8 separate products, while banded Poisson was 0.41 ×).
const GROUP_CACHE_BYTES: usize = 16 << 20;

/// The largest group of vectors whose inputs a gather over `p` can keep in cache: 8 when the
/// 8 vectors fit [`GROUP_CACHE_BYTES`], or when the matrix is banded enough that the part of
/// them a run of rows touches does (judged from a sample of 64 rows: the largest distance of
/// a stored column from the diagonal); otherwise as many as fit whole (at least 1). Results do
/// not depend on it: every vector is computed the same way in a group of any size.
fn max_group<S, T, I: Index, const L: bool>(p: Parts<'_, S, I, L>) -> usize {
    let vector = p.inner().max(1) * std::mem::size_of::<T>();
    if Group::MAX * vector <= GROUP_CACHE_BYTES {
        return Group::MAX;
    }
    let (outer, inner) = (p.outer(), p.inner());
    let mut band = 0usize;
    for s in 0..64 {
        let o = s * outer / 64;
        if o >= outer {
            break;
        }
        let diag = (o as u128 * inner as u128 / outer as u128) as usize;
        let (a, b) = (p.ptr()[o], p.ptr()[o + 1]);
        for &c in &p.idx()[a..b] {
            band = band.max(c.index().abs_diff(diag));
        }
    }
    let window = (2 * band + 1).saturating_mul(std::mem::size_of::<T>());
    if window.saturating_mul(Group::MAX) <= GROUP_CACHE_BYTES {
        return Group::MAX;
    }
    [4, 2, 1]
        .into_iter()
        .find(|&g| g * vector <= GROUP_CACHE_BYTES)
        .unwrap_or(1)
}

/// `y ← α·A·x + β·y` where `A` is `outer × inner` stored by outer slices (`y` has `outer`
/// entries, `x` has `inner`). Parallel under `Par::Rayon`, split by nonzeros.
///
/// # Panics
///
/// If `x.len() != inner` or `y.len() != outer` (the callers check the shapes first, with a
/// better message; this assertion is what the unchecked indexing relies on).
pub(crate) fn gather<S: Scalar + Widen<T>, T: Scalar, I: Index>(
    p: Parts<'_, S, I>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
    par: Par,
) {
    assert!(x.len() == p.inner() && y.len() == p.outer());
    if alpha == T::ZERO {
        return scale_output(beta, y);
    }
    let ptr = p.ptr();
    par::for_each_balanced(
        par,
        [y],
        |o| ptr[o] + o * OUTER_COST,
        |rows, ys| {
            if beta == T::ZERO {
                gather_rows::<1, true, false, false, S, T, I>(p, rows, alpha, x, beta, ys);
            } else {
                gather_rows::<1, false, false, false, S, T, I>(p, rows, alpha, x, beta, ys);
            }
        },
    );
}

/// Block gather: `Y ← α·A·X + β·Y` for the `k` column-major vectors of `x` (each `inner`
/// long) and `y` (each `outer` long). Each nonzero is read once per group of up to
/// [`Group::MAX`] vectors, from memory once (larger blocks walk the matrix in cache-sized
/// tiles); every vector's result is bit-identical to [`gather`] on it.
///
/// # Panics
///
/// If the lengths are not `k·inner` and `k·outer` for one `k`.
pub(crate) fn gather_block<S: Scalar + Widen<T>, T: Scalar, I: Index>(
    p: Parts<'_, S, I>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
    par: Par,
) {
    gather_grouped(p, alpha, x, beta, y, par, max_group::<S, T, I, false>(p));
}

/// [`gather_block`] with groups of at most `max` vectors. Returns whether an index of loose
/// parts was out of range (those entries are skipped; never for trusted parts).
fn gather_grouped<S: Scalar + Widen<T>, T: Scalar, I: Index, const L: bool>(
    p: Parts<'_, S, I, L>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
    par: Par,
    max: usize,
) -> bool {
    let (outer, inner) = (p.outer(), p.inner());
    let k = block_count(x.len(), inner, y.len(), outer);
    if alpha == T::ZERO || k == 0 {
        scale_output(beta, y);
        return false;
    }
    let bad = AtomicBool::new(false);
    let ptr = p.ptr();
    for rows in tiles(p, k) {
        for g in Group::split(k, max) {
            let xg = &x[g.first * inner..(g.first + g.len) * inner];
            let yg = &mut y[g.first * outer..(g.first + g.len) * outer];
            let cost = |o: usize| ptr[rows.start + o] + o * OUTER_COST;
            with_group!(g.len, G => {
                par::for_each_balanced(par, rows_of::<G, T>(yg, outer, &rows), cost, |r, ys| {
                    let r = rows.start + r.start..rows.start + r.end;
                    let out_of_range = if beta == T::ZERO {
                        gather_rows::<G, true, false, L, S, T, I>(p, r, alpha, xg, beta, ys)
                    } else {
                        gather_rows::<G, false, false, L, S, T, I>(p, r, alpha, xg, beta, ys)
                    };
                    if out_of_range {
                        bad.store(true, Ordering::Relaxed);
                    }
                })
            });
        }
    }
    bad.into_inner()
}

/// The block gather of an owned matrix that keeps a [`Workspace`]: with interleaved inputs
/// where [`interleave_pays`] (decided once per matrix), else — or when another thread holds
/// the workspace — [`gather_block`]. The same bits either way.
pub(crate) fn gather_block_owned<S: Scalar + Widen<T>, T: Scalar, I: Index>(
    p: Parts<'_, S, I>,
    workspace: &Workspace,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
    par: Par,
) {
    let k = block_count(x.len(), p.inner(), y.len(), p.outer());
    if k >= 2 && workspace.decision(|| interleave_pays::<S, T, I>(p)) {
        let len = p.inner() * Group::MAX;
        let run = |scratch: &mut [T]| gather_block_interleaved(p, alpha, x, beta, y, par, scratch);
        if workspace.with(len, run).is_some() {
            return;
        }
    }
    gather_block(p, alpha, x, beta, y, par);
}

/// [`gather_block`] with the inputs of each group of 8 vectors first interleaved into
/// `scratch` (`inner · 8` values; entry `c` of the group's vector `j` at `c·8 + j`), so that a
/// stored entry reads one cache line for all 8 vectors instead of 8 lines from 8 vectors.
/// On columns without locality that is the difference between the 8 vectors fitting the
/// cache or not (see `GROUP_CACHE_BYTES`). Same bits as [`gather_block`].
///
/// # Panics
///
/// As [`gather_block`], or if `scratch` is shorter than `inner · 8`.
pub(crate) fn gather_block_interleaved<S: Scalar + Widen<T>, T: Scalar, I: Index>(
    p: Parts<'_, S, I>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
    par: Par,
    scratch: &mut [T],
) {
    let (outer, inner) = (p.outer(), p.inner());
    let k = block_count(x.len(), inner, y.len(), outer);
    if alpha == T::ZERO || k == 0 {
        return scale_output(beta, y);
    }
    let ptr = p.ptr();
    for g in Group::split(k, Group::MAX) {
        let xg = &x[g.first * inner..(g.first + g.len) * inner];
        let yg = &mut y[g.first * outer..(g.first + g.len) * outer];
        let xs = &mut scratch[..inner * g.len];
        interleave(par, xg, inner, g.len, 0, xs);
        let xs = &*xs;
        with_group!(g.len, G => {
            par::for_each_balanced(
                par,
                rows_of::<G, T>(yg, outer, &(0..outer)),
                |o| ptr[o] + o * OUTER_COST,
                |r, ys| {
                    if beta == T::ZERO {
                        gather_rows::<G, true, true, false, S, T, I>(p, r, alpha, xs, beta, ys);
                    } else {
                        gather_rows::<G, false, true, false, S, T, I>(p, r, alpha, xs, beta, ys);
                    }
                },
            )
        });
    }
}

/// `out[(c − first)·g + j] = x[j·n + c]` for the `g` column-major vectors of `x` (each `n`
/// long) and the entries `c` in `first..first + out.len() / g`, halving the range in parallel.
fn interleave<T: Scalar>(par: Par, x: &[T], n: usize, g: usize, first: usize, out: &mut [T]) {
    let len = out.len() / g;
    if len > 1 << 16 && par.threads() > 1 {
        let (a, b) = out.split_at_mut(len / 2 * g);
        par::join(
            par,
            || interleave(par, x, n, g, first, a),
            || interleave(par, x, n, g, first + len / 2, b),
        );
        return;
    }
    for (c, slot) in out.chunks_exact_mut(g).enumerate() {
        for (j, v) in slot.iter_mut().enumerate() {
            *v = x[j * n + first + c];
        }
    }
}

/// Whether [`gather_block_interleaved`] pays over [`gather_block`] for `p`, judged once per
/// matrix (the owner caches it): when 8 column-major vectors would not fit the cache (see
/// [`max_group`]) but the hottest columns — as many as 8 interleaved vectors can keep in
/// [`GROUP_CACHE_BYTES`] — hold at least half the stored entries. Measured with k = 8 against
/// 8 products: R-MAT 2²⁰ (skewed columns) 0.55 × interleaved against 0.80 × column-major in
/// groups of 2; uniform random columns 1.03 × interleaved against 0.66–0.72 × column-major
/// (the 64 MB of interleaved vectors miss the cache on every entry).
fn interleave_pays<S: Copy, T, I: Index>(p: Parts<'_, S, I>) -> bool {
    if max_group::<S, T, I, false>(p) == Group::MAX {
        return false;
    }
    let mut count = vec![0u32; p.inner()];
    for &c in p.idx() {
        let n = &mut count[c.index()];
        *n = n.saturating_add(1);
    }
    let hot = GROUP_CACHE_BYTES / (Group::MAX * size_of::<T>());
    if hot < count.len() {
        count.select_nth_unstable_by(hot, |a, b| b.cmp(a));
    }
    let share: u64 = count.iter().take(hot).map(|&n| u64::from(n)).sum();
    2 * share >= p.nnz() as u64
}

/// The gather of rows `rows` for `G` vectors: `ys[j][r]` is output row `rows.start + r` of
/// vector `j`, whose input is `x[j·inner..(j+1)·inner]`. One pass over the nonzeros of the
/// rows serves all `G` vectors. `B0` is `beta == 0` (then `y` is write-only), decided once
/// per call rather than per row: measured 2-8 % faster on R-MAT and random matrices. `IL`
/// says `x` is interleaved (`x[c·G + j]` is entry `c` of vector `j`) rather than column-major;
/// the arithmetic is the same either way. `L` says the parts are loose: each index is
/// checked, an entry out of range is skipped, and the return value says whether there was one
/// (always `false` for trusted parts, where the check is compiled out).
#[inline(always)]
fn gather_rows<
    const G: usize,
    const B0: bool,
    const IL: bool,
    const L: bool,
    S: Scalar + Widen<T>,
    T: Scalar,
    I: Index,
>(
    p: Parts<'_, S, I, L>,
    rows: Range<usize>,
    alpha: T,
    x: &[T],
    beta: T,
    ys: [&mut [T]; G],
) -> bool {
    let n = p.inner();
    assert!(rows.start <= rows.end && rows.end <= p.outer() && x.len() == G * n);
    for y in &ys {
        assert_eq!(y.len(), rows.len());
    }
    let (ptr, idx, val) = (p.ptr(), p.idx(), p.val());
    let mut ys = ys;
    let mut bad = false;
    let mut a = ptr[rows.start];
    for (r, o) in rows.enumerate() {
        let mut s = [T::ZERO; G];
        // SAFETY: `o < rows.end <= outer` and `ptr.len() == outer + 1` (a `Parts` invariant,
        // loose parts included), so `ptr[o + 1]` exists; offsets are non-decreasing up to
        // `ptr[outer] == idx.len() == val.len()`, so `a <= k < b` indexes both arrays; every
        // index `c < inner` (a `Parts` invariant, or checked just below for loose parts), and
        // `x.len() == G·inner` with `j < G`, so `x[j·n + c]` (or, interleaved, `x[c·G + j]`)
        // is in bounds; `r < rows.len() == ys[j].len()` (asserted above).
        unsafe {
            let b = *ptr.get_unchecked(o + 1);
            // A `while` over the offsets, not a zip of sub-slices: measured 10 % faster on
            // rows of 5 (no slice construction per row).
            let mut k = a;
            while k < b {
                let c = idx.get_unchecked(k).index();
                if L && c >= n {
                    bad = true;
                    k += 1;
                    continue;
                }
                let v: T = val.get_unchecked(k).widen();
                for (j, sj) in s.iter_mut().enumerate() {
                    let at = if IL { c * G + j } else { j * n + c };
                    *sj += v * *x.get_unchecked(at);
                }
                k += 1;
            }
            for (y, sj) in ys.iter_mut().zip(s) {
                let yo = y.get_unchecked_mut(r);
                *yo = if B0 {
                    alpha * sj
                } else {
                    alpha * sj + beta * *yo
                };
            }
            a = b;
        }
    }
    bad
}

/// `y ← α·Aᵀ·x + β·y` where `A` is `outer × inner` stored by outer slices (`y` has `inner`
/// entries, `x` has `outer`). Sequential, whatever `par` says (see DESIGN.md on why).
///
/// # Panics
///
/// If `x.len() != outer` or `y.len() != inner`.
pub(crate) fn scatter<S: Scalar + Widen<T>, T: Scalar, I: Index>(
    p: Parts<'_, S, I>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
    _par: Par,
) {
    assert!(x.len() == p.outer() && y.len() == p.inner());
    scale_output(beta, y);
    if alpha == T::ZERO {
        return;
    }
    scatter_rows::<1, false, S, T, I>(p, 0..p.outer(), alpha, x, [y]);
}

/// Block scatter: `Y ← α·Aᵀ·X + β·Y` for `k` column-major vectors (`x` vectors `outer` long,
/// `y` vectors `inner` long), reading each nonzero once per group of up to [`Group::MAX`]
/// vectors; bit-identical to [`scatter`] per vector.
///
/// # Panics
///
/// If the lengths are not `k·outer` and `k·inner` for one `k`.
pub(crate) fn scatter_block<S: Scalar + Widen<T>, T: Scalar, I: Index>(
    p: Parts<'_, S, I>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
    _par: Par,
) {
    // The scattered-to vectors are `inner` long, as the gathered-from ones of `gather_block`.
    scatter_grouped(p, alpha, x, beta, y, max_group::<S, T, I, false>(p));
}

/// The gather of [`gather_block`] (any `k`, `k = 1` included: the same bits as [`gather`])
/// over loose parts: returns whether an index was out of range (its entries were skipped, so
/// `y` is then not the product).
pub(crate) fn gather_loose<S: Scalar + Widen<T>, T: Scalar, I: Index>(
    p: Parts<'_, S, I, true>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
    par: Par,
) -> bool {
    gather_grouped(p, alpha, x, beta, y, par, max_group::<S, T, I, true>(p))
}

/// The scatter of [`scatter_block`] (any `k`) over loose parts: returns whether an index was
/// out of range (its entries were skipped).
pub(crate) fn scatter_loose<S: Scalar + Widen<T>, T: Scalar, I: Index>(
    p: Parts<'_, S, I, true>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
) -> bool {
    scatter_grouped(p, alpha, x, beta, y, max_group::<S, T, I, true>(p))
}

/// [`scatter_block`] with groups of at most `max` vectors. Returns whether an index of loose
/// parts was out of range (those entries are skipped).
fn scatter_grouped<S: Scalar + Widen<T>, T: Scalar, I: Index, const L: bool>(
    p: Parts<'_, S, I, L>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
    max: usize,
) -> bool {
    let (outer, inner) = (p.outer(), p.inner());
    let k = block_count(x.len(), outer, y.len(), inner);
    scale_output(beta, y);
    if alpha == T::ZERO || k == 0 {
        return false;
    }
    let mut bad = false;
    for rows in tiles(p, k) {
        for g in Group::split(k, max) {
            let xg = &x[g.first * outer..(g.first + g.len) * outer];
            let yg = &mut y[g.first * inner..(g.first + g.len) * inner];
            with_group!(g.len, G => {
                let ys = rows_of::<G, T>(yg, inner, &(0..inner));
                bad |= scatter_rows::<G, L, S, T, I>(p, rows.clone(), alpha, xg, ys);
            });
        }
    }
    bad
}

/// `ys[j] += Σ_{o ∈ rows} α·x_j[o]·slice o` for `G` vectors (`x` holds `G` vectors of length
/// `outer`, each `ys[j]` is `inner` long). For loose parts (`L`) each index is checked and an
/// entry out of range skipped; the return value says whether there was one.
#[inline(always)]
fn scatter_rows<const G: usize, const L: bool, S: Scalar + Widen<T>, T: Scalar, I: Index>(
    p: Parts<'_, S, I, L>,
    rows: Range<usize>,
    alpha: T,
    x: &[T],
    ys: [&mut [T]; G],
) -> bool {
    let (outer, inner) = (p.outer(), p.inner());
    assert!(rows.start <= rows.end && rows.end <= outer && x.len() == G * outer);
    for y in &ys {
        assert_eq!(y.len(), inner);
    }
    let (ptr, idx, val) = (p.ptr(), p.idx(), p.val());
    let mut ys = ys;
    let mut bad = false;
    let mut a = ptr[rows.start];
    for o in rows {
        // SAFETY: as in `gather_rows`, `Parts` makes `ptr[o + 1]` and `idx[k]`, `val[k]` for
        // `a <= k < b` valid and every index `c < inner == ys[j].len()` (asserted above; for
        // loose parts, checked below);
        // `o < outer` and `x.len() == G·outer` (asserted) make `x[j·outer + o]` valid.
        unsafe {
            let b = *ptr.get_unchecked(o + 1);
            let ax: [T; G] = std::array::from_fn(|j| alpha * *x.get_unchecked(j * outer + o));
            let mut k = a;
            while k < b {
                let c = idx.get_unchecked(k).index();
                if L && c >= inner {
                    bad = true;
                    k += 1;
                    continue;
                }
                let v: T = val.get_unchecked(k).widen();
                for (y, &axj) in ys.iter_mut().zip(&ax) {
                    *y.get_unchecked_mut(c) += v * axj;
                }
                k += 1;
            }
            a = b;
        }
    }
    bad
}

/// `y ← β·y + α·Σ_k v_k·x[src_k]` into `y[dst_k]` for the triplets `(dst, src, val)` of a COO
/// matrix, for the `k` column-major vectors of `x` (each `nx` long) and `y` (each `ny` long),
/// one pass over the triplets per group of up to [`Group::MAX`] vectors. `k = 1` is the
/// single product; each vector gets exactly the operations the single product does.
///
/// # Panics
///
/// If the triplet arrays differ in length or the vector lengths are not `k·nx` and `k·ny`.
/// An out-of-range index panics too (this kernel is bounds-checked: COO indices are checked
/// when pushed, but a scatter over arbitrary triplets is not worth an `unsafe` contract).
#[allow(clippy::too_many_arguments)]
pub(crate) fn triplet_scatter<S: Scalar + Widen<T>, T: Scalar, I: Index>(
    dst: &[I],
    src: &[I],
    val: &[S],
    alpha: T,
    x: &[T],
    nx: usize,
    beta: T,
    y: &mut [T],
    ny: usize,
) {
    assert!(dst.len() == src.len() && src.len() == val.len());
    let k = block_count(x.len(), nx, y.len(), ny);
    scale_output(beta, y);
    if alpha == T::ZERO || k == 0 {
        return;
    }
    for g in Group::split(k, Group::MAX) {
        let xg = &x[g.first * nx..(g.first + g.len) * nx];
        let yg = &mut y[g.first * ny..(g.first + g.len) * ny];
        with_group!(g.len, G => {
            let mut ys = rows_of::<G, T>(yg, ny, &(0..ny));
            for ((&d, &s), &v) in dst.iter().zip(src).zip(val) {
                let (d, s, v): (usize, usize, T) = (d.index(), s.index(), v.widen());
                for (j, y) in ys.iter_mut().enumerate() {
                    y[d] += alpha * (v * xg[j * nx + s]);
                }
            }
        });
    }
}

/// `k` such that `x == k·nx` and `y == k·ny`.
#[track_caller]
fn block_count(x: usize, nx: usize, y: usize, ny: usize) -> usize {
    block_vectors(x, nx, y, ny).unwrap_or_else(|| {
        panic!("block product: {x} and {y} entries are not k vectors of {nx} and {ny}")
    })
}

/// The rows `rows` of each of the `G` column-major vectors (each `len` long) in `y`.
fn rows_of<'y, const G: usize, T>(
    y: &'y mut [T],
    len: usize,
    rows: &Range<usize>,
) -> [&'y mut [T]; G] {
    debug_assert_eq!(y.len(), G * len);
    let mut vectors = y.chunks_mut(len.max(1));
    std::array::from_fn(|_| match vectors.next() {
        Some(v) => &mut v[rows.clone()],
        None => &mut [],
    })
}

/// Ranges of outer slices covering `0..outer`: one range if `k` vectors fit one group, else
/// tiles of about [`TILE_BYTES`] of stored entries, so each is read from memory once.
fn tiles<S, I: Index, const L: bool>(
    p: Parts<'_, S, I, L>,
    k: usize,
) -> impl Iterator<Item = Range<usize>> {
    let ptr = p.ptr();
    let outer = p.outer();
    let per_tile = if k <= Group::MAX {
        usize::MAX
    } else {
        (TILE_BYTES / (std::mem::size_of::<S>() + std::mem::size_of::<I>())).max(1)
    };
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= outer {
            return None;
        }
        // The first slice boundary past `per_tile` more entries (at least one slice a tile).
        let goal = ptr[start].saturating_add(per_tile);
        let end = (start + 1 + ptr[start + 1..].partition_point(|&q| q < goal)).min(outer);
        let r = start..end;
        start = end;
        Some(r)
    })
}

#[cfg(test)]
#[path = "sparse_tests.rs"]
mod tests;
