//! The private core shared by CSR and CSC: the validated [`Parts`], transposition and
//! scaling, written once over `(offsets, indices, values)` slices. The products themselves are
//! in [`crate::kernels::sparse`].
//!
//! "Outer" is the compressed dimension (rows of CSR, columns of CSC), "inner" the other one.

use crate::error::{Error, Result, StructureError};
use crate::{Index, Scalar};

/// Borrowed raw parts of a compressed matrix whose invariants the caller of the `unsafe`
/// [`Parts::new_unchecked`] promises (the views call it on their own fields, which only their
/// validating `try_new` or their own `unsafe` constructor set): the kernels index the arrays
/// without bounds checks on the strength of them, so the fields are private.
///
/// Invariants: `ptr.len() == outer + 1`, `ptr[0] == 0`, `ptr` non-decreasing,
/// `ptr[outer] == idx.len() == val.len()`, every index `< inner`, strictly increasing within
/// each outer slice, and `outer, inner <= I::MAX_DIM`.
///
/// `Parts<'_, T, I, true>` ([`Parts::new_loose`]) drops the invariants on the indices (range
/// and order): it is for index arrays that other code may still write (a Python caller's
/// numpy arrays, see [`crate::SharedCsr`]), and the kernels check every index they read from
/// it. The flag is a type parameter, so no kernel can take loose parts for trusted ones.
#[derive(Clone, Copy)]
pub(crate) struct Parts<'a, T, I, const LOOSE: bool = false> {
    outer: usize,
    inner: usize,
    ptr: &'a [usize],
    idx: &'a [I],
    val: &'a [T],
}

impl<'a, T, I: Index> Parts<'a, T, I> {
    /// The parts, unchecked (the `O(1)` length invariants are checked in debug builds).
    ///
    /// # Safety
    ///
    /// The slices must satisfy every invariant listed on [`Parts`].
    #[inline]
    pub(crate) unsafe fn new_unchecked(
        outer: usize,
        inner: usize,
        ptr: &'a [usize],
        idx: &'a [I],
        val: &'a [T],
    ) -> Self {
        debug_assert!(
            ptr.len() == outer.wrapping_add(1)
                && ptr.first() == Some(&0)
                && ptr.last() == Some(&idx.len())
                && idx.len() == val.len()
        );
        Parts {
            outer,
            inner,
            ptr,
            idx,
            val,
        }
    }
}

impl<'a, T, I: Index> Parts<'a, T, I, true> {
    /// Parts whose indices may be anything (out of range, unsorted, changing between two
    /// products): the kernels check each index before they use it.
    ///
    /// # Safety
    ///
    /// The offsets must satisfy their invariants: `ptr.len() == outer + 1`, `ptr[0] == 0`,
    /// `ptr` non-decreasing, `ptr[outer] == idx.len() == val.len()`.
    #[inline]
    pub(crate) unsafe fn new_loose(
        outer: usize,
        inner: usize,
        ptr: &'a [usize],
        idx: &'a [I],
        val: &'a [T],
    ) -> Self {
        debug_assert!(
            ptr.len() == outer.wrapping_add(1)
                && ptr.first() == Some(&0)
                && ptr.last() == Some(&idx.len())
                && idx.len() == val.len()
        );
        Parts {
            outer,
            inner,
            ptr,
            idx,
            val,
        }
    }
}

impl<'a, T, I: Index, const LOOSE: bool> Parts<'a, T, I, LOOSE> {
    /// Number of outer slices (rows of CSR, columns of CSC).
    #[inline]
    pub(crate) fn outer(&self) -> usize {
        self.outer
    }
    /// Length of each outer slice in the dense sense (columns of CSR, rows of CSC).
    #[inline]
    pub(crate) fn inner(&self) -> usize {
        self.inner
    }
    /// Offsets: `outer + 1` entries, from 0 to `nnz`, non-decreasing.
    #[inline]
    pub(crate) fn ptr(&self) -> &'a [usize] {
        self.ptr
    }
    /// Inner indices, each `< inner` (unless `LOOSE`).
    #[inline]
    pub(crate) fn idx(&self) -> &'a [I] {
        self.idx
    }
    /// Stored values, as many as indices.
    #[inline]
    pub(crate) fn val(&self) -> &'a [T] {
        self.val
    }
    /// Number of stored entries.
    #[inline]
    pub(crate) fn nnz(&self) -> usize {
        self.idx.len()
    }
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
