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

/// `Σ val[k] · x[idx[k]]`, in index order with one accumulator. Most sparse rows are short
/// (5 entries for a 2-D Laplacian), and the per-row overhead of a multi-accumulator loop cost
/// 10-15 % on Poisson with no gain on R-MAT or random matrices (benches/spmv.rs).
#[inline(always)]
fn sparse_dot<T: Scalar, I: Index>(idx: &[I], val: &[T], x: &[T]) -> T {
    let mut s = T::ZERO;
    for (&i, &v) in idx.iter().zip(val) {
        let i = i.index();
        debug_assert!(i < x.len());
        // SAFETY: `Parts` guarantees every index is `< inner`, and callers check
        // `x.len() == inner` (the length check of `MatVec`), so `i` is in bounds. The
        // unchecked read removes a bounds check from the innermost loop of every SpMV.
        s += v * unsafe { *x.get_unchecked(i) };
    }
    s
}

/// `y ← α·Aᵀ·x + β·y` where `A` is `outer × inner` stored by outer slices (`y` has `inner`
/// entries, `x` has `outer`). Sequential, whatever `par` says.
///
/// A parallel split that allocates nothing exists — each thread owns a range of `y` and
/// binary-searches every (sorted) outer slice for its part, bit-identical to this loop — but on
/// 2 threads it measured 1.0-1.8x *slower* than this sequential loop for slices of 5 to 1000
/// entries (the searches are chains of dependent cache misses), so it is not used. Convert to
/// the other format (`to_csc`, `to_csr`) to make this direction a parallel gather.
pub(crate) fn scatter<T: Scalar, I: Index>(
    p: Parts<'_, T, I>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
    _par: Par,
) {
    debug_assert!(x.len() == p.outer && y.len() == p.inner);
    scale_output(beta, y);
    if alpha == T::ZERO {
        return;
    }
    for (o, &xo) in x.iter().enumerate() {
        let (a, b) = (p.ptr[o], p.ptr[o + 1]);
        let ax = alpha * xo;
        for (&i, &v) in p.idx[a..b].iter().zip(&p.val[a..b]) {
            let j = i.index();
            debug_assert!(j < y.len());
            // SAFETY: `Parts` guarantees `j < inner`, and `y.len() == inner` is checked by
            // `MatVec`, so `j` is in bounds.
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
