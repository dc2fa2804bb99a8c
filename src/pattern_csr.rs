//! [`PatternCsr`]: a compact CSR for matrices whose rows repeat a few column patterns
//! relative to the diagonal — stencils, structured meshes, banded matrices.

use crate::error::{Error, Result};
use crate::matvec::{check_lengths, scale_output};
use crate::memory::{Footprint, vec_bytes};
use crate::par::{self, Par, Split};
use crate::{Csr, CsrView, Index, MatVec, Scalar, Widen};
use std::collections::HashMap;

/// Rows per block: the value offset is stored once per block (8 bytes per 64 rows), which is
/// where a parallel split may cut.
const BLOCK: usize = 64;
/// Pattern ids are `u16`.
const MAX_PATTERNS: usize = 1 << 16;
/// The pattern table may hold at most one offset per this many stored entries, so that it
/// costs at most half a byte a nonzero and stays in cache.
const TABLE_RATIO: usize = 8;

/// A sparse matrix whose rows share a dictionary of column patterns: row `r` stores a 2-byte
/// pattern id, pattern `p` is a list of column offsets `c − r` (strictly increasing), and the
/// values follow row after row as in CSR. A 5-point Laplacian has 9 patterns (interior, edges,
/// corners), so it stores **8.4 bytes a nonzero with `f64` values, 4.4 with `f32`**, against
/// 13.6 and 9.6 for [`Csr`] (12 + offsets): the product streams a third less memory.
///
/// Matrices without such structure (random graphs, R-MAT) have about one pattern per row;
/// [`PatternCsr::try_from_csr`] then returns [`Error::DoesNotFit`] — keep them in `Csr`.
///
/// Products compute every entry with exactly the operations of `Csr` (one accumulator a row,
/// in column order; the scatter in row order), so results are **bit-identical to the `Csr`
/// of the same matrix**, for every [`Par`]. `mul_vec` is a parallel gather split by nonzeros
/// (at blocks of 64 rows); `mul_vec_t` is a sequential scatter; block products use the trait's
/// default (one product a vector). Values may be stored in `f32` and serve `f64` vectors.
///
/// # Examples
///
/// ```
/// use matvec::{Coo, Footprint, MatVec, Par, PatternCsr};
///
/// // 1-D Laplacian: three patterns (first row, interior, last row).
/// let n = 1000;
/// let mut coo = Coo::<f64>::new(n, n);
/// for i in 0..n {
///     coo.push(i, i, 2.0);
///     if i > 0 { coo.push(i, i - 1, -1.0); }
///     if i + 1 < n { coo.push(i, i + 1, -1.0); }
/// }
/// let csr = coo.into_csr();
/// let a = PatternCsr::try_from_csr(csr.view())?;
/// assert_eq!(a.patterns(), 3);
/// assert!(a.bytes_per_nnz().unwrap() < 9.0); // Csr: 14.7
/// let x = vec![1.0; n];
/// let (mut y, mut z) = (vec![0.0; n], vec![0.0; n]);
/// a.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon);
/// csr.mul_vec(1.0, &x, 0.0, &mut z, Par::Seq);
/// assert_eq!(y, z);
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PatternCsr<T> {
    nrows: usize,
    ncols: usize,
    /// Pattern `p`'s offsets are `pat_off[pat_ptr[p]..pat_ptr[p + 1]]`.
    pat_ptr: Vec<u32>,
    /// Column minus row, strictly increasing within a pattern.
    pat_off: Vec<i32>,
    /// The pattern of every row.
    row_pat: Vec<u16>,
    /// The offset in `values` of the first entry of every block of [`BLOCK`] rows, and the
    /// number of values at the end (`ceil(nrows / BLOCK) + 1` entries).
    block_val: Vec<usize>,
    values: Vec<T>,
}

impl<T: Scalar> PatternCsr<T> {
    /// The same matrix in pattern form (copies the values: `O(nnz)` time, one pass).
    ///
    /// # Errors
    ///
    /// [`Error::DoesNotFit`] when the rows have more than 65 536 distinct patterns, when the
    /// patterns together hold more than one offset per 8 stored entries (then they would cost
    /// more than they save), or when a column is more than 2³¹ away from its row.
    pub fn try_from_csr<I: Index>(a: CsrView<'_, T, I>) -> Result<Self> {
        let (nrows, ncols) = (a.nrows(), a.ncols());
        let nnz = a.nnz();
        let fail = |message: String| {
            Err(Error::DoesNotFit {
                format: "PatternCsr",
                message,
            })
        };
        let mut ids: HashMap<Box<[i32]>, u16> = HashMap::new();
        let (mut pat_ptr, mut pat_off) = (vec![0u32], Vec::new());
        let mut row_pat = Vec::with_capacity(nrows);
        let mut block_val = Vec::with_capacity(nrows.div_ceil(BLOCK) + 1);
        let mut offsets: Vec<i32> = Vec::new();
        for r in 0..nrows {
            if r % BLOCK == 0 {
                block_val.push(a.row_ptr()[r]);
            }
            offsets.clear();
            for &c in a.row(r).0 {
                match i32::try_from(c.index() as i128 - r as i128) {
                    Ok(o) => offsets.push(o),
                    Err(_) => return fail(format!("row {r}: column {c} is 2^31 or more away")),
                }
            }
            let id = match ids.get(offsets.as_slice()) {
                Some(&id) => id,
                None => {
                    let id = ids.len();
                    if id >= MAX_PATTERNS {
                        return fail(format!(
                            "more than {MAX_PATTERNS} distinct row patterns (found by row {r} \
                             of {nrows})"
                        ));
                    }
                    pat_off.extend_from_slice(&offsets);
                    if pat_off.len() > (nnz / TABLE_RATIO).max(64) {
                        return fail(format!(
                            "the row patterns hold more than one offset per {TABLE_RATIO} \
                             stored entries ({} offsets by row {r}, {nnz} entries)",
                            pat_off.len()
                        ));
                    }
                    pat_ptr.push(u32::try_from(pat_off.len()).expect("bounded by nnz / 8"));
                    let id = id as u16;
                    ids.insert(offsets.as_slice().into(), id);
                    id
                }
            };
            row_pat.push(id);
        }
        block_val.push(nnz);
        Ok(PatternCsr {
            nrows,
            ncols,
            pat_ptr,
            pat_off,
            row_pat,
            block_val,
            values: a.values().to_vec(),
        })
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }
    /// Number of distinct row patterns.
    pub fn patterns(&self) -> usize {
        self.pat_ptr.len() - 1
    }
    /// Stored values, row after row (the same order as in [`Csr`]).
    pub fn values(&self) -> &[T] {
        &self.values
    }
    /// Bytes of matrix data per stored entry (patterns and offsets included), or `None` when
    /// `nnz == 0`.
    pub fn bytes_per_nnz(&self) -> Option<f64> {
        (self.nnz() > 0).then(|| self.data_bytes() as f64 / self.nnz() as f64)
    }
    /// The same matrix in CSR form (copies).
    ///
    /// # Panics
    ///
    /// If a dimension does not fit the index type `I`.
    #[track_caller]
    pub fn to_csr<I: Index>(&self) -> Csr<T, I> {
        let mut row_ptr = Vec::with_capacity(self.nrows + 1);
        let mut col_idx = Vec::with_capacity(self.nnz());
        row_ptr.push(0);
        for (r, &p) in self.row_pat.iter().enumerate() {
            for &o in self.pattern(p) {
                let c = (r as i64 + i64::from(o)) as usize;
                col_idx.push(I::try_from_index(c).expect("column fits the index type"));
            }
            row_ptr.push(col_idx.len());
        }
        Csr::try_new(
            self.nrows,
            self.ncols,
            row_ptr,
            col_idx,
            self.values.clone(),
        )
        .expect("a PatternCsr is a valid CSR matrix")
    }

    fn pattern(&self, p: u16) -> &[i32] {
        let p = usize::from(p);
        &self.pat_off[self.pat_ptr[p] as usize..self.pat_ptr[p + 1] as usize]
    }
}

impl PatternCsr<f64> {
    /// The same matrix with values rounded to `f32`, and the largest relative rounding error
    /// (see [`Csr::to_f32`]); the result serves `f64` vectors too.
    pub fn to_f32(&self) -> (PatternCsr<f32>, f64) {
        let (values, err) = crate::scalar::round_to_f32(&self.values);
        let a = PatternCsr {
            nrows: self.nrows,
            ncols: self.ncols,
            pat_ptr: self.pat_ptr.clone(),
            pat_off: self.pat_off.clone(),
            row_pat: self.row_pat.clone(),
            block_val: self.block_val.clone(),
            values,
        };
        (a, err)
    }
}

/// The part of `y` for a range of blocks: what a parallel split of the gather cuts.
struct Blocks<'a, T> {
    first: usize,
    y: &'a mut [T],
}

impl<T: Send> Split for Blocks<'_, T> {
    fn size(&self) -> usize {
        self.y.len().div_ceil(BLOCK)
    }
    fn cut(self, mid: usize) -> (Self, Self) {
        let (a, b) = self.y.split_at_mut((mid * BLOCK).min(self.y.len()));
        (
            Blocks {
                first: self.first,
                y: a,
            },
            Blocks {
                first: self.first + mid,
                y: b,
            },
        )
    }
}

impl<S: Scalar + Widen<T>, T: Scalar> MatVec<T> for PatternCsr<S> {
    fn nrows(&self) -> usize {
        self.nrows
    }
    fn ncols(&self) -> usize {
        self.ncols
    }
    #[track_caller]
    fn mul_vec(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), false);
        if alpha == T::ZERO {
            return scale_output(beta, y);
        }
        let bv = &self.block_val;
        par::for_each_balanced(
            par,
            Blocks { first: 0, y },
            |b| bv[b] + 2 * BLOCK * b,
            |_, part| {
                if beta == T::ZERO {
                    self.gather::<true, T>(alpha, x, beta, part)
                } else {
                    self.gather::<false, T>(alpha, x, beta, part)
                }
            },
        );
    }
    /// Sequential scatter, in row order (bit-identical to `Csr::mul_vec_t`).
    #[track_caller]
    fn mul_vec_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], _par: Par) {
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), true);
        scale_output(beta, y);
        if alpha == T::ZERO {
            return;
        }
        let mut k = 0;
        for (r, (&p, &xr)) in self.row_pat.iter().zip(x).enumerate() {
            let ax = alpha * xr;
            for &o in self.pattern(p) {
                let v: T = self.values[k].widen();
                y[(r as i64 + i64::from(o)) as usize] += v * ax;
                k += 1;
            }
        }
    }
}

impl<S: Scalar> PatternCsr<S> {
    /// The gather of the rows of `part` (whole blocks), as `Csr`'s: one accumulator a row,
    /// starting from zero, in column order.
    #[inline(always)]
    fn gather<const B0: bool, T: Scalar>(&self, alpha: T, x: &[T], beta: T, part: Blocks<'_, T>)
    where
        S: Widen<T>,
    {
        assert_eq!(x.len(), self.ncols);
        let r0 = part.first * BLOCK;
        let rows = &self.row_pat[r0..r0 + part.y.len()];
        let (ptr, off, val) = (&self.pat_ptr, &self.pat_off, &self.values);
        let mut k = self.block_val[part.first];
        for (i, (yr, &p)) in part.y.iter_mut().zip(rows).enumerate() {
            let r = (r0 + i) as isize;
            let mut s = T::ZERO;
            // SAFETY: the fields are private and set only by `try_from_csr` (or copied by
            // `to_f32`), which records every row's own column offsets: so `p` is a pattern id
            // (`p + 1 < pat_ptr.len()`), the pattern's offsets lie in `pat_off`, `r + o` is a
            // column of row `r` (`< ncols == x.len()`, asserted above), and the rows of the
            // blocks of `part` own `values[block_val[first]..]` in order, so `k` stays below
            // `values.len()`.
            unsafe {
                let p = usize::from(p);
                let (a, b) = (
                    *ptr.get_unchecked(p) as usize,
                    *ptr.get_unchecked(p + 1) as usize,
                );
                for &o in off.get_unchecked(a..b) {
                    let v: T = val.get_unchecked(k).widen();
                    s += v * *x.get_unchecked((r + o as isize) as usize);
                    k += 1;
                }
            }
            *yr = if B0 {
                alpha * s
            } else {
                alpha * s + beta * *yr
            };
        }
    }
}

impl<T: Scalar> Footprint for PatternCsr<T> {
    fn heap_bytes(&self) -> usize {
        vec_bytes(&self.pat_ptr)
            + vec_bytes(&self.pat_off)
            + vec_bytes(&self.row_pat)
            + vec_bytes(&self.block_val)
            + vec_bytes(&self.values)
    }
    fn data_bytes(&self) -> usize {
        size_of_val(self.pat_ptr.as_slice())
            + size_of_val(self.pat_off.as_slice())
            + size_of_val(self.row_pat.as_slice())
            + size_of_val(self.block_val.as_slice())
            + size_of_val(self.values.as_slice())
    }
}
