//! Coordinate (triplet) matrices, [`Coo`], and their conversion to CSR and CSC — in place,
//! reusing the triplet arrays, or by copy.

use crate::canonical;
use crate::error::{Error, Result, StructureError};
use crate::kernels;
use crate::matvec::{check_block, check_lengths};
use crate::memory::{Footprint, vec_bytes};
use crate::par::{self, Par};
use crate::{Csc, Csr, Index, MatVec, Scalar, Widen};

/// A sparse matrix as a list of `(row, col, value)` triplets, in any order, duplicates
/// allowed (they are summed by the conversions and by the products).
///
/// The natural way to *build* a matrix; convert it with [`into_csr`](Coo::into_csr) (in place:
/// the column and value arrays become the CSR's, so the conversion needs little more memory
/// than the triplets themselves) before multiplying in a loop.
///
/// # Examples
///
/// ```
/// use matvec::{Coo, MatVec, Par};
///
/// let mut coo = Coo::<f64>::new(2, 3);
/// coo.push(1, 2, 4.0);
/// coo.push(0, 0, 1.0);
/// coo.push(1, 2, 1.0); // duplicate: summed
/// let a = coo.into_csr();
/// assert_eq!(a.nnz(), 2);
/// let mut y = vec![0.0; 2];
/// a.mul_vec(1.0, &[1.0, 1.0, 1.0], 0.0, &mut y, Par::Rayon);
/// assert_eq!(y, [1.0, 5.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Coo<T, I = u32> {
    nrows: usize,
    ncols: usize,
    rows: Vec<I>,
    cols: Vec<I>,
    values: Vec<T>,
}

impl<T: Scalar, I: Index> Coo<T, I> {
    /// An empty `nrows × ncols` matrix.
    ///
    /// # Panics
    ///
    /// If a dimension exceeds `I::MAX_DIM`.
    #[track_caller]
    pub fn new(nrows: usize, ncols: usize) -> Self {
        Self::with_capacity(nrows, ncols, 0)
    }

    /// An empty `nrows × ncols` matrix with room for `capacity` triplets.
    ///
    /// # Panics
    ///
    /// If a dimension exceeds `I::MAX_DIM`.
    #[track_caller]
    pub fn with_capacity(nrows: usize, ncols: usize, capacity: usize) -> Self {
        assert!(
            nrows <= I::MAX_DIM && ncols <= I::MAX_DIM,
            "Coo: {nrows} x {ncols} does not fit {} indices",
            I::NAME
        );
        Coo {
            nrows,
            ncols,
            rows: Vec::with_capacity(capacity),
            cols: Vec::with_capacity(capacity),
            values: Vec::with_capacity(capacity),
        }
    }

    /// Takes three triplet arrays without copying, after checking lengths and ranges.
    ///
    /// # Errors
    ///
    /// [`Error::Structure`] if the arrays differ in length, an index is out of range, or a
    /// dimension does not fit `I`.
    pub fn try_from_triplets(
        nrows: usize,
        ncols: usize,
        rows: Vec<I>,
        cols: Vec<I>,
        values: Vec<T>,
    ) -> Result<Self> {
        let err = |problem| Err(Error::structure("COO", problem));
        for dim in [nrows, ncols] {
            if dim > I::MAX_DIM {
                return err(StructureError::DimensionTooLarge {
                    dim,
                    max: I::MAX_DIM,
                });
            }
        }
        if rows.len() != cols.len() || rows.len() != values.len() {
            return err(StructureError::ValuesLength {
                indices: rows.len().min(cols.len()),
                values: values.len(),
            });
        }
        for (k, (&i, &j)) in rows.iter().zip(&cols).enumerate() {
            for (index, bound) in [(i.index(), nrows), (j.index(), ncols)] {
                if index >= bound {
                    return err(StructureError::IndexOutOfRange {
                        outer: None,
                        position: k,
                        index,
                        bound,
                    });
                }
            }
        }
        Ok(Coo {
            nrows,
            ncols,
            rows,
            cols,
            values,
        })
    }

    /// Appends the entry `(row, col) = value` (added to any entry already there).
    ///
    /// # Panics
    ///
    /// If `row >= nrows` or `col >= ncols`; use [`try_push`](Coo::try_push) for data that
    /// may be out of range.
    #[track_caller]
    pub fn push(&mut self, row: usize, col: usize, value: T) {
        if let Err(e) = self.try_push(row, col, value) {
            panic!(
                "Coo::push({row}, {col}): {e} (the matrix is {} x {})",
                self.nrows, self.ncols
            );
        }
    }

    /// Appends the entry `(row, col) = value`, or returns an error if it is out of range.
    ///
    /// # Errors
    ///
    /// [`Error::Structure`] if `row >= nrows` or `col >= ncols`.
    pub fn try_push(&mut self, row: usize, col: usize, value: T) -> Result<()> {
        for (index, bound) in [(row, self.nrows), (col, self.ncols)] {
            if index >= bound {
                return Err(Error::structure(
                    "COO",
                    StructureError::IndexOutOfRange {
                        outer: None,
                        position: self.nnz(),
                        index,
                        bound,
                    },
                ));
            }
        }
        // Both indices are below a dimension that fits `I` (checked by the constructor).
        self.rows
            .push(I::try_from_index(row).expect("row < nrows <= I::MAX_DIM"));
        self.cols
            .push(I::try_from_index(col).expect("col < ncols <= I::MAX_DIM"));
        self.values.push(value);
        Ok(())
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
    /// Number of stored triplets (duplicates counted separately).
    pub fn nnz(&self) -> usize {
        self.values.len()
    }
    /// Row indices of the triplets.
    pub fn rows(&self) -> &[I] {
        &self.rows
    }
    /// Column indices of the triplets.
    pub fn cols(&self) -> &[I] {
        &self.cols
    }
    /// Values of the triplets.
    pub fn values(&self) -> &[T] {
        &self.values
    }
    /// Values of the triplets, mutable.
    pub fn values_mut(&mut self) -> &mut [T] {
        &mut self.values
    }
    /// Gives back `(nrows, ncols, rows, cols, values)` without copying.
    pub fn into_parts(self) -> (usize, usize, Vec<I>, Vec<I>, Vec<T>) {
        (self.nrows, self.ncols, self.rows, self.cols, self.values)
    }
    /// `A ← α·A`, in place.
    pub fn scale(&mut self, alpha: T) {
        self.values.iter_mut().for_each(|v| *v *= alpha);
    }
    /// `A ← diag(d)·A`, in place.
    ///
    /// # Panics
    ///
    /// If `d.len() != nrows`.
    #[track_caller]
    pub fn scale_rows(&mut self, d: &[T]) {
        assert_eq!(
            d.len(),
            self.nrows,
            "scale_rows: d has length {}, A has {} rows",
            d.len(),
            self.nrows
        );
        self.values
            .iter_mut()
            .zip(&self.rows)
            .for_each(|(v, &i)| *v *= d[i.index()]);
    }
    /// `A ← A·diag(d)`, in place.
    ///
    /// # Panics
    ///
    /// If `d.len() != ncols`.
    #[track_caller]
    pub fn scale_cols(&mut self, d: &[T]) {
        assert_eq!(
            d.len(),
            self.ncols,
            "scale_cols: d has length {}, A has {} columns",
            d.len(),
            self.ncols
        );
        self.values
            .iter_mut()
            .zip(&self.cols)
            .for_each(|(v, &j)| *v *= d[j.index()]);
    }
    /// Bytes of matrix data per stored triplet, or `None` when empty.
    pub fn bytes_per_nnz(&self) -> Option<f64> {
        (self.nnz() > 0).then(|| self.data_bytes() as f64 / self.nnz() as f64)
    }

    /// Converts to CSR in place: sorts the triplets by row with an in-place MSD radix sort
    /// (256 buckets a pass), then by column within each row, sums duplicates (explicit zeros
    /// are kept, as scipy does), and keeps the column and value arrays as the CSR's (their
    /// capacity is kept; the row array is freed). Extra memory: the `nrows + 1` offsets. Uses
    /// [`Par::default()`]; see [`into_csr_with`](Coo::into_csr_with).
    pub fn into_csr(self) -> Csr<T, I> {
        self.into_csr_with(Par::default())
    }

    /// [`into_csr`](Coo::into_csr), sorting on the threads `par` allows (below the first radix
    /// pass, buckets are sorted in parallel).
    pub fn into_csr_with(self, par: Par) -> Csr<T, I> {
        let (ptr, idx, val) = compress_in_place(par, self.nrows, self.rows, self.cols, self.values);
        // SAFETY: `compress_in_place` returns offsets of `nrows + 1` entries over indices that
        // are < ncols (checked on push) and strictly increasing within each row.
        unsafe { Csr::new_unchecked(self.nrows, self.ncols, ptr, idx, val) }
    }

    /// Converts to CSC in place (as [`into_csr`](Coo::into_csr), by columns).
    pub fn into_csc(self) -> Csc<T, I> {
        self.into_csc_with(Par::default())
    }

    /// [`into_csc`](Coo::into_csc) on the threads `par` allows.
    pub fn into_csc_with(self, par: Par) -> Csc<T, I> {
        let (ptr, idx, val) = compress_in_place(par, self.ncols, self.cols, self.rows, self.values);
        // SAFETY: as in `into_csr`, with rows and columns exchanged.
        unsafe { Csc::new_unchecked(self.nrows, self.ncols, ptr, idx, val) }
    }

    /// Copies into a new CSR matrix, leaving `self` as it is (a counting sort into new arrays:
    /// faster than [`into_csr`](Coo::into_csr), at about 1.8 times the triplets' memory at
    /// peak). Uses [`Par::default()`] to sort the rows.
    pub fn to_csr(&self) -> Csr<T, I> {
        let (ptr, idx, val) = compress_copy(
            Par::default(),
            self.nrows,
            &self.rows,
            &self.cols,
            &self.values,
        );
        // SAFETY: as in `into_csr`.
        unsafe { Csr::new_unchecked(self.nrows, self.ncols, ptr, idx, val) }
    }

    /// Copies into a new CSC matrix, leaving `self` as it is.
    pub fn to_csc(&self) -> Csc<T, I> {
        let (ptr, idx, val) = compress_copy(
            Par::default(),
            self.ncols,
            &self.cols,
            &self.rows,
            &self.values,
        );
        // SAFETY: as in `into_csc`.
        unsafe { Csc::new_unchecked(self.nrows, self.ncols, ptr, idx, val) }
    }
}

impl<I: Index> Coo<f64, I> {
    /// The same triplets with values rounded to `f32`, and the largest relative rounding
    /// error of a nonzero value (see [`Csr::to_f32`]). The result serves `f64` vectors too.
    pub fn to_f32(&self) -> (Coo<f32, I>, f64) {
        let (values, err) = crate::scalar::round_to_f32(&self.values);
        let a = Coo {
            nrows: self.nrows,
            ncols: self.ncols,
            rows: self.rows.clone(),
            cols: self.cols.clone(),
            values,
        };
        (a, err)
    }
}

impl<S: Scalar + Widen<T>, T: Scalar, I: Index> MatVec<T> for Coo<S, I> {
    fn nrows(&self) -> usize {
        self.nrows
    }
    fn ncols(&self) -> usize {
        self.ncols
    }
    /// Sequential scatter over the triplets (the `par` argument is accepted and ignored:
    /// convert to CSR for parallel products).
    #[track_caller]
    fn mul_vec(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), false);
        self.mul_mat(alpha, x, beta, y, par)
    }
    /// Sequential scatter over the triplets (the `par` argument is ignored).
    #[track_caller]
    fn mul_vec_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), true);
        self.mul_mat_t(alpha, x, beta, y, par)
    }
    /// One pass over the triplets for up to eight vectors, sequential.
    #[track_caller]
    fn mul_mat(&self, alpha: T, x: &[T], beta: T, y: &mut [T], _par: Par) {
        check_block(self.nrows, self.ncols, x.len(), y.len(), false);
        let (rows, cols, v) = (&self.rows, &self.cols, &self.values);
        kernels::sparse::triplet_scatter(rows, cols, v, alpha, x, self.ncols, beta, y, self.nrows);
    }
    /// One pass over the triplets for up to eight vectors, sequential.
    #[track_caller]
    fn mul_mat_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], _par: Par) {
        check_block(self.nrows, self.ncols, x.len(), y.len(), true);
        let (rows, cols, v) = (&self.rows, &self.cols, &self.values);
        kernels::sparse::triplet_scatter(cols, rows, v, alpha, x, self.nrows, beta, y, self.ncols);
    }
}

impl<T: Scalar, I: Index> Footprint for Coo<T, I> {
    fn heap_bytes(&self) -> usize {
        vec_bytes(&self.rows) + vec_bytes(&self.cols) + vec_bytes(&self.values)
    }
    fn data_bytes(&self) -> usize {
        std::mem::size_of_val(self.rows.as_slice())
            + std::mem::size_of_val(self.cols.as_slice())
            + std::mem::size_of_val(self.values.as_slice())
    }
}

/// Offsets of the buckets of `outer` (`n_outer + 1` entries, `ptr[o]` = start of bucket `o`).
fn bucket_offsets<I: Index>(n_outer: usize, outer: &[I]) -> Vec<usize> {
    let mut ptr = vec![0usize; n_outer + 1];
    for &o in outer {
        ptr[o.index() + 1] += 1;
    }
    for o in 0..n_outer {
        ptr[o + 1] += ptr[o];
    }
    ptr
}

/// Sorts the triplets by `outer` in place with an MSD radix sort on bytes of the outer index
/// (American flag sort), then hands over to [`canonical::sort_and_sum`]. Extra memory: the offsets.
///
/// Permuting straight to `n_outer` buckets would follow one cycle of dependent random
/// accesses per element (a cache miss each, several seconds for 16 M triplets); with 256
/// buckets a pass the write cursors stay in cache, and after the first pass each bucket is
/// small enough to sort in cache — in parallel.
fn compress_in_place<T: Scalar, I: Index>(
    par: Par,
    n_outer: usize,
    mut outer: Vec<I>,
    mut inner: Vec<I>,
    mut val: Vec<T>,
) -> (Vec<usize>, Vec<I>, Vec<T>) {
    let mut ptr = bucket_offsets(n_outer, &outer);
    let bits = usize::BITS - n_outer.saturating_sub(1).leading_zeros();
    let top = bits.saturating_sub(RADIX_BITS);
    radix_sort(par, &mut outer, &mut inner, &mut val, top);
    drop(outer);
    canonical::sort_and_sum(par, &mut ptr, &mut inner, &mut val);
    (ptr, inner, val)
}

const RADIX_BITS: u32 = 8;
const RADIX: usize = 1 << RADIX_BITS;
/// Below this many elements a bucket is sorted by insertion.
const RADIX_SMALL: usize = 48;

/// Sorts the three parallel slices by `outer` (its bits `shift..shift + 8` and below), in
/// place.
fn radix_sort<T: Copy + Send, I: Index>(
    par: Par,
    outer: &mut [I],
    inner: &mut [I],
    val: &mut [T],
    shift: u32,
) {
    let n = outer.len();
    if n <= RADIX_SMALL {
        for i in 1..n {
            let mut j = i;
            while j > 0 && outer[j - 1] > outer[j] {
                outer.swap(j - 1, j);
                inner.swap(j - 1, j);
                val.swap(j - 1, j);
                j -= 1;
            }
        }
        return;
    }
    let digit = |o: I| (o.index() >> shift) & (RADIX - 1);
    let mut ends = [0usize; RADIX];
    for &o in outer.iter() {
        ends[digit(o)] += 1;
    }
    let mut next = [0usize; RADIX];
    let mut sum = 0;
    for b in 0..RADIX {
        next[b] = sum;
        sum += ends[b];
        ends[b] = sum;
    }
    let starts = next;
    for b in 0..RADIX {
        while next[b] < ends[b] {
            let i = next[b];
            let mut d = digit(outer[i]);
            if d != b {
                // Carry the element at `i` around its cycle until one that belongs to bucket
                // `b` comes back; every position written on the way is final for this pass.
                let (mut o, mut c, mut v) = (outer[i], inner[i], val[i]);
                while d != b {
                    let j = next[d];
                    next[d] += 1;
                    let taken = (outer[j], inner[j], val[j]);
                    (outer[j], inner[j], val[j]) = (o, c, v);
                    (o, c, v) = taken;
                    d = digit(o);
                }
                (outer[i], inner[i], val[i]) = (o, c, v);
            }
            next[b] += 1;
        }
    }
    if shift == 0 {
        return;
    }
    let sub = shift.saturating_sub(RADIX_BITS);
    sort_buckets_rec(par, &starts, &ends, 0, outer, inner, val, sub);
}

/// Recurses into the buckets `starts.len()` of one pass (their bounds relative to `base`),
/// splitting the list of buckets in halves for rayon.
#[allow(clippy::too_many_arguments)]
fn sort_buckets_rec<T: Copy + Send, I: Index>(
    par: Par,
    starts: &[usize],
    ends: &[usize],
    base: usize,
    outer: &mut [I],
    inner: &mut [I],
    val: &mut [T],
    shift: u32,
) {
    if starts.len() > 1 && outer.len() >= par::SEQ_WORK && par.threads() > 1 {
        let mid = starts.len() / 2;
        let cut = starts[mid] - base;
        let (o1, o2) = outer.split_at_mut(cut);
        let (i1, i2) = inner.split_at_mut(cut);
        let (v1, v2) = val.split_at_mut(cut);
        par::join(
            par,
            || sort_buckets_rec(par, &starts[..mid], &ends[..mid], base, o1, i1, v1, shift),
            || {
                sort_buckets_rec(
                    par,
                    &starts[mid..],
                    &ends[mid..],
                    base + cut,
                    o2,
                    i2,
                    v2,
                    shift,
                )
            },
        );
        return;
    }
    for (&s, &e) in starts.iter().zip(ends) {
        let r = s - base..e - base;
        radix_sort(
            par,
            &mut outer[r.clone()],
            &mut inner[r.clone()],
            &mut val[r],
            shift,
        );
    }
}

/// Copies the triplets into new arrays bucketed by `outer` (a stable counting sort), then
/// [`canonical::sort_and_sum`].
fn compress_copy<T: Scalar, I: Index>(
    par: Par,
    n_outer: usize,
    outer: &[I],
    inner: &[I],
    val: &[T],
) -> (Vec<usize>, Vec<I>, Vec<T>) {
    let mut ptr = bucket_offsets(n_outer, outer);
    let mut idx = vec![I::default(); outer.len()];
    let mut out = vec![T::ZERO; outer.len()];
    let mut next: Vec<usize> = ptr[..n_outer].to_vec();
    for ((&o, &i), &v) in outer.iter().zip(inner).zip(val) {
        let k = &mut next[o.index()];
        idx[*k] = i;
        out[*k] = v;
        *k += 1;
    }
    drop(next);
    canonical::sort_and_sum(par, &mut ptr, &mut idx, &mut out);
    (ptr, idx, out)
}
