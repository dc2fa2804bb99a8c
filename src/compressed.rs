//! The private core shared by CSR and CSC: validation, the gather and scatter kernels,
//! transposition and scaling, written once over `(offsets, indices, values)` slices.
//!
//! "Outer" is the compressed dimension (rows of CSR, columns of CSC), "inner" the other one.
//! CSR `mul_vec` and CSC `mul_vec_t` are both a [`gather`]; CSR `mul_vec_t` and CSC `mul_vec`
//! are both a [`scatter`].

use crate::error::{Error, Result, StructureError};
use crate::matvec::scale_output;
use crate::par::{self, Par};
use crate::{Index, Scalar};

/// Borrowed raw parts of a compressed matrix whose invariants have been checked (by
/// [`validate`]) or promised (by an `unsafe` constructor): every kernel relies on them.
///
/// Invariants: `ptr.len() == outer + 1`, `ptr[0] == 0`, `ptr` non-decreasing,
/// `ptr[outer] == idx.len() == val.len()`, every index `< inner`, strictly increasing within
/// each outer slice, and `outer, inner <= I::MAX_DIM`.
#[derive(Clone, Copy)]
pub(crate) struct Parts<'a, T, I> {
    pub outer: usize,
    pub inner: usize,
    pub ptr: &'a [usize],
    pub idx: &'a [I],
    pub val: &'a [T],
}

/// Checks every invariant of [`Parts`] in one pass over the offsets and the indices.
pub(crate) fn validate<I: Index>(
    format: &'static str,
    outer: usize,
    inner: usize,
    ptr: &[usize],
    idx: &[I],
    nvals: usize,
) -> Result<()> {
    let err = |problem| Err(Error::structure(format, problem));
    for dim in [outer, inner] {
        if dim > I::MAX_DIM {
            return err(StructureError::DimensionTooLarge {
                dim,
                max: I::MAX_DIM,
            });
        }
    }
    if ptr.len() != outer.wrapping_add(1) || outer == usize::MAX {
        return err(StructureError::OffsetsLength {
            expected: outer.saturating_add(1),
            found: ptr.len(),
        });
    }
    if ptr[0] != 0 {
        return err(StructureError::OffsetsStart { found: ptr[0] });
    }
    if idx.len() != nvals {
        return err(StructureError::ValuesLength {
            indices: idx.len(),
            values: nvals,
        });
    }
    if ptr[outer] != idx.len() {
        return err(StructureError::OffsetsEnd {
            nnz: idx.len(),
            found: ptr[outer],
        });
    }
    for o in 0..outer {
        let (start, end) = (ptr[o], ptr[o + 1]);
        if start > end {
            return err(StructureError::OffsetsDecreasing {
                outer: o,
                start,
                end,
            });
        }
        // `end <= ptr[outer] == idx.len()` follows once all offsets are non-decreasing, but
        // they are checked in order, so guard the slice explicitly.
        if end > idx.len() {
            return err(StructureError::OffsetsEnd {
                nnz: idx.len(),
                found: end,
            });
        }
        let mut prev: Option<usize> = None;
        for (k, &i) in idx[start..end].iter().enumerate() {
            let i = i.index();
            if i >= inner {
                return err(StructureError::IndexOutOfRange {
                    outer: Some(o),
                    position: start + k,
                    index: i,
                    bound: inner,
                });
            }
            if let Some(p) = prev
                && i <= p
            {
                return err(StructureError::NotIncreasing {
                    outer: o,
                    position: start + k,
                    previous: p,
                    index: i,
                });
            }
            prev = Some(i);
        }
    }
    Ok(())
}

/// Per outer slice, the cost model of the gather: its nonzeros plus a fixed charge for
/// reading the offsets and writing the output.
const OUTER_COST: usize = 2;

/// `y ← α·A·x + β·y` where `A` is `outer × inner` stored by outer slices (`y` has `outer`
/// entries, `x` has `inner`). Parallel under `Par::Rayon`, split by nonzeros.
pub(crate) fn gather<T: Scalar, I: Index>(
    p: Parts<'_, T, I>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
    par: Par,
) {
    debug_assert!(x.len() == p.inner && y.len() == p.outer);
    if alpha == T::ZERO {
        return scale_output(beta, y);
    }
    let ptr = p.ptr;
    par::for_each_balanced(
        par,
        y,
        |o| ptr[o] + o * OUTER_COST,
        |rows, y| {
            for (yo, o) in y.iter_mut().zip(rows) {
                let (a, b) = (ptr[o], ptr[o + 1]);
                // `Parts` invariants: a <= b <= idx.len() == val.len().
                let s = sparse_dot(&p.idx[a..b], &p.val[a..b], x);
                *yo = if beta == T::ZERO {
                    alpha * s
                } else {
                    alpha * s + beta * *yo
                };
            }
        },
    );
}

/// `Σ val[k] · x[idx[k]]` with four accumulators (a fixed order, so results do not depend on
/// how the rows were split among threads).
#[inline(always)]
fn sparse_dot<T: Scalar, I: Index>(idx: &[I], val: &[T], x: &[T]) -> T {
    let xi = |i: I| {
        let i = i.index();
        debug_assert!(i < x.len());
        // SAFETY: `Parts` guarantees every index is `< inner`, and callers check
        // `x.len() == inner` (the length check of `MatVec`), so `i` is in bounds. The
        // unchecked read removes a bounds check from the innermost loop of every SpMV.
        unsafe { *x.get_unchecked(i) }
    };
    let n4 = idx.len() / 4 * 4;
    let (mut s0, mut s1, mut s2, mut s3) = (T::ZERO, T::ZERO, T::ZERO, T::ZERO);
    for (i, v) in idx[..n4].chunks_exact(4).zip(val[..n4].chunks_exact(4)) {
        s0 += v[0] * xi(i[0]);
        s1 += v[1] * xi(i[1]);
        s2 += v[2] * xi(i[2]);
        s3 += v[3] * xi(i[3]);
    }
    for (&i, &v) in idx[n4..].iter().zip(&val[n4..]) {
        s0 += v * xi(i);
    }
    (s0 + s1) + (s2 + s3)
}

/// `y ← α·Aᵀ·x + β·y` where `A` is `outer × inner` stored by outer slices (`y` has `inner`
/// entries, `x` has `outer`).
///
/// Under `Par::Rayon` with enough work, each thread owns a contiguous range of `y` and walks
/// every outer slice, binary-searching (indices are sorted) the part that falls in its range:
/// no scratch, no atomics, and every `y[j]` still sums its terms in outer order, so results
/// are bit-identical to the sequential kernel.
pub(crate) fn scatter<T: Scalar, I: Index>(
    p: Parts<'_, T, I>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
    par: Par,
) {
    debug_assert!(x.len() == p.outer && y.len() == p.inner);
    let nnz = p.idx.len();
    let threads = par.threads();
    // Each extra thread re-reads the offsets and binary-searches every outer slice, which pays
    // only when slices are long: measured on 2 threads (benches/spmv.rs), slices of 5 and 16
    // entries ran 1.1-1.6x *slower* in parallel, so the split needs `SCATTER_MIN_AVG` a slice.
    let parallel = threads > 1 && nnz >= par::SEQ_WORK && nnz >= SCATTER_MIN_AVG * p.outer;
    if !parallel {
        scale_output(beta, y);
        if alpha != T::ZERO {
            scatter_range(p, alpha, x, 0, y);
        }
        return;
    }
    let inner = p.inner.max(1);
    par::for_each_split(
        par,
        y,
        threads,
        |j| j * (nnz / inner + 1),
        |cols, y| {
            scale_output(beta, y);
            if alpha != T::ZERO {
                scatter_range(p, alpha, x, cols.start, y);
            }
        },
    );
}

/// Average entries per outer slice from which the scatter runs in parallel.
const SCATTER_MIN_AVG: usize = 64;

/// Accumulates the terms of `α·Aᵀ·x` whose inner index lies in `first..first + y.len()`.
fn scatter_range<T: Scalar, I: Index>(
    p: Parts<'_, T, I>,
    alpha: T,
    x: &[T],
    first: usize,
    y: &mut [T],
) {
    let last = first + y.len();
    let whole = first == 0 && last == p.inner;
    for (o, &xo) in x.iter().enumerate() {
        let (a, b) = (p.ptr[o], p.ptr[o + 1]);
        let (mut idx, mut val) = (&p.idx[a..b], &p.val[a..b]);
        if !whole {
            let lo = idx.partition_point(|i| i.index() < first);
            let hi = lo + idx[lo..].partition_point(|i| i.index() < last);
            idx = &idx[lo..hi];
            val = &val[lo..hi];
        }
        let ax = alpha * xo;
        for (&i, &v) in idx.iter().zip(val) {
            let j = i.index() - first;
            debug_assert!(j < y.len());
            // SAFETY: `Parts` guarantees `i < inner`; outside the `whole` case the slice was cut
            // to `first <= i < last`, and `y.len() == last - first` (the full case has
            // `y.len() == inner`, checked by `MatVec`), so `j` is in bounds.
            unsafe { *y.get_unchecked_mut(j) += v * ax };
        }
    }
}

/// Transposes the storage: the parts of the same matrix compressed along the other
/// dimension (CSR → CSC). Indices come out strictly increasing. Allocates the result only.
pub(crate) fn transpose<T: Scalar, I: Index>(p: Parts<'_, T, I>) -> (Vec<usize>, Vec<I>, Vec<T>) {
    let nnz = p.idx.len();
    let mut ptr = vec![0usize; p.inner + 1];
    for &i in p.idx {
        ptr[i.index() + 1] += 1;
    }
    for j in 0..p.inner {
        ptr[j + 1] += ptr[j];
    }
    let mut idx = vec![I::default(); nnz];
    let mut val = vec![T::ZERO; nnz];
    // `ptr[j]` is used as the insertion cursor of slice j, which leaves it at the start of
    // slice j + 1; shifting by one afterwards restores the offsets without a second array.
    for o in 0..p.outer {
        let oi = I::try_from_index(o).expect("outer dimension validated to fit the index type");
        for k in p.ptr[o]..p.ptr[o + 1] {
            let j = p.idx[k].index();
            let dst = ptr[j];
            idx[dst] = oi;
            val[dst] = p.val[k];
            ptr[j] += 1;
        }
    }
    for j in (1..=p.inner).rev() {
        ptr[j] = ptr[j - 1];
    }
    ptr[0] = 0;
    (ptr, idx, val)
}

/// Multiplies every stored value of outer slice `o` by `d[o]`.
pub(crate) fn scale_outer<T: Scalar>(ptr: &[usize], val: &mut [T], d: &[T]) {
    for (o, &s) in d.iter().enumerate() {
        for v in &mut val[ptr[o]..ptr[o + 1]] {
            *v *= s;
        }
    }
}

/// Multiplies every stored value with inner index `i` by `d[i]`.
pub(crate) fn scale_inner<T: Scalar, I: Index>(idx: &[I], val: &mut [T], d: &[T]) {
    for (v, &i) in val.iter_mut().zip(idx) {
        *v *= d[i.index()];
    }
}
