//! [`SharedCsr`]: a CSR matrix over column indices and values that other code may still
//! write while we hold them — a Python caller's numpy arrays (scipy's `indices` and `data`),
//! shared memory — multiplied without copying them and without trusting them.
//!
//! Why a type of its own rather than a [`CsrView`]: a view's kernels index `x` by the stored
//! column indices without bounds checks, on the strength of a validation done once. Arrays we
//! do not own can change after that validation (`A.indices[0] = 10**9` in Python), so a view
//! over them would read out of bounds. Here the *offsets* are ours ([`RowOffsets`]: copied and
//! validated once, 8 bytes a row, and nobody else can write them), while every column index
//! is checked as the kernel reads it: one compare a nonzero, in the same pass, instead of a
//! second pass over the indices per product or a copy of them (4 or 8 bytes a nonzero). An
//! index found out of range is an error of the product, never a wild read.

use crate::compressed::Parts;
use crate::error::{Error, Result, StructureError};
use crate::matvec::{check_block, check_lengths};
use crate::{CsrView, Footprint, Index, Par, Scalar, Widen, kernels};

/// Row offsets of a CSR matrix, validated and owned: `nrows + 1` of them, from 0,
/// non-decreasing. The field is private, so the invariant [`SharedCsr`]'s kernels rely on is
/// this type's: nothing can change the offsets once they are checked.
///
/// # Examples
///
/// ```
/// use matvec::RowOffsets;
///
/// let ptr = RowOffsets::from_i32(&[0, 2, 2, 5])?; // scipy's int32 indptr, widened
/// assert_eq!((ptr.nrows(), ptr.nnz()), (3, 5));
/// assert!(RowOffsets::from_i64(&[0, 3, 1]).is_err()); // decreasing
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowOffsets {
    ptr: Box<[usize]>,
}

impl RowOffsets {
    /// Checks and takes `ptr` (no copy): at least one entry, the first 0, non-decreasing.
    ///
    /// # Errors
    ///
    /// [`Error::Structure`] naming the first offset that breaks the rule.
    pub fn new(ptr: Vec<usize>) -> Result<Self> {
        let err = |problem| Err(Error::structure("CSR", problem));
        match ptr.first() {
            None => {
                return err(StructureError::OffsetsLength {
                    expected: 1,
                    found: 0,
                });
            }
            Some(&first) if first != 0 => {
                return err(StructureError::OffsetsStart { found: first });
            }
            _ => {}
        }
        if let Some(o) = ptr.windows(2).position(|w| w[0] > w[1]) {
            return err(StructureError::OffsetsDecreasing {
                outer: o,
                start: ptr[o],
                end: ptr[o + 1],
            });
        }
        Ok(RowOffsets {
            ptr: ptr.into_boxed_slice(),
        })
    }

    /// Widens 32-bit offsets (scipy's `int32` `indptr`) into a new array.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new); a negative offset is reported as decreasing or as the start.
    pub fn from_i32(ptr: &[i32]) -> Result<Self> {
        Self::from_signed(ptr.iter().map(|&p| i64::from(p)), ptr.len())
    }

    /// Copies 64-bit offsets (scipy's `int64` `indptr`): copied even though they could be
    /// borrowed, because offsets that another thread may rewrite could not be trusted.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    pub fn from_i64(ptr: &[i64]) -> Result<Self> {
        Self::from_signed(ptr.iter().copied(), ptr.len())
    }

    fn from_signed(ptr: impl Iterator<Item = i64>, len: usize) -> Result<Self> {
        let mut out = Vec::with_capacity(len);
        for (o, p) in ptr.enumerate() {
            let Ok(p) = usize::try_from(p) else {
                return Err(Error::structure(
                    "CSR",
                    if o == 0 {
                        StructureError::OffsetsStart { found: 0 }
                    } else {
                        StructureError::OffsetsDecreasing {
                            outer: o - 1,
                            start: out[o - 1],
                            end: 0,
                        }
                    },
                ));
            };
            out.push(p);
        }
        Self::new(out)
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.ptr.len() - 1
    }

    /// Number of stored entries (the last offset).
    pub fn nnz(&self) -> usize {
        self.ptr[self.ptr.len() - 1]
    }

    /// The offsets.
    pub fn as_slice(&self) -> &[usize] {
        &self.ptr
    }

    /// Bytes on the heap.
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.ptr)
    }
}

/// An `nrows × ncols` CSR matrix over [`RowOffsets`] it borrows and column indices and values
/// it does not trust: any index may be out of range, and may change between two products.
/// Every product checks each index as it reads it and returns an error naming the first bad
/// one; in range, the results are bit-identical to a [`CsrView`] of the same arrays.
///
/// Unsorted and duplicate indices are not errors here (the products are still sums over the
/// stored entries); [`validate`](Self::validate) checks everything a [`CsrView`] needs and
/// returns one. The CSC form of an `m × n` matrix is the `SharedCsr` of its `n × m`
/// transpose: call the transposed products.
///
/// The `MatVec` products panic with the error that the `try_` forms return.
///
/// # Examples
///
/// ```
/// use matvec::{MatVec, Par, RowOffsets, SharedCsr};
///
/// let ptr = RowOffsets::from_i32(&[0, 2, 3])?;
/// let mut idx = vec![0u32, 2, 1];
/// let val = [1.0, 2.0, 3.0];
/// let a = SharedCsr::new(3, &ptr, &idx, &val)?;
/// let mut y = [0.0; 2];
/// a.try_mul_vec(1.0, &[1.0, 10.0, 100.0], 0.0, &mut y, Par::Seq)?;
/// assert_eq!(y, [201.0, 30.0]);
///
/// idx[1] = 7; // someone writes an index out of range
/// let a = SharedCsr::new(3, &ptr, &idx, &val)?;
/// assert!(a.try_mul_vec(1.0, &[1.0, 10.0, 100.0], 0.0, &mut y, Par::Seq).is_err());
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SharedCsr<'a, T, I = u32> {
    ncols: usize,
    row_ptr: &'a RowOffsets,
    col_idx: &'a [I],
    values: &'a [T],
}

impl<'a, T: Scalar, I: Index> SharedCsr<'a, T, I> {
    /// The matrix over `row_ptr` and the entries `col_idx`, `values`: checks lengths and
    /// dimensions only (`O(1)`), since the indices are checked by every product.
    ///
    /// # Errors
    ///
    /// [`Error::Structure`] if `col_idx` or `values` does not hold `row_ptr.nnz()` entries,
    /// or a dimension does not fit the index type.
    pub fn new(
        ncols: usize,
        row_ptr: &'a RowOffsets,
        col_idx: &'a [I],
        values: &'a [T],
    ) -> Result<Self> {
        let err = |problem| Err(Error::structure("CSR", problem));
        for dim in [row_ptr.nrows(), ncols] {
            if dim > I::MAX_DIM {
                return err(StructureError::DimensionTooLarge {
                    dim,
                    max: I::MAX_DIM,
                });
            }
        }
        if col_idx.len() != values.len() {
            return err(StructureError::ValuesLength {
                indices: col_idx.len(),
                values: values.len(),
            });
        }
        if row_ptr.nnz() != col_idx.len() {
            return err(StructureError::OffsetsEnd {
                nnz: col_idx.len(),
                found: row_ptr.nnz(),
            });
        }
        Ok(SharedCsr {
            ncols,
            row_ptr,
            col_idx,
            values,
        })
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.row_ptr.nrows()
    }

    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.col_idx.len()
    }

    /// Checks every invariant of a [`CsrView`] (indices in range and strictly increasing in
    /// each row) in `O(nnz)` and returns the view, for the operations that need them (writing
    /// a file, converting). The view trusts the arrays: it is for use while nobody writes them.
    ///
    /// # Errors
    ///
    /// [`Error::Structure`] naming the first entry out of range, unsorted or duplicated.
    pub fn validate(&self) -> Result<CsrView<'a, T, I>> {
        CsrView::try_new(
            self.nrows(),
            self.ncols,
            self.row_ptr.as_slice(),
            self.col_idx,
            self.values,
        )
    }

    fn parts(&self) -> Parts<'a, T, I, true> {
        // SAFETY: the offsets are a `RowOffsets` (from 0, non-decreasing: checked when it was
        // made, and its field is private), `new` checked `ptr.len() == nrows + 1` (by
        // construction of `nrows`) and `ptr[nrows] == col_idx.len() == values.len()`; loose
        // parts promise nothing about the indices, which the kernels check.
        unsafe {
            Parts::new_loose(
                self.nrows(),
                self.ncols,
                self.row_ptr.as_slice(),
                self.col_idx,
                self.values,
            )
        }
    }

    /// The error for an out-of-range index, found by a scan (only after a product saw one).
    fn index_error(&self) -> Error {
        let ptr = self.row_ptr.as_slice();
        let position = self
            .col_idx
            .iter()
            .position(|c| c.index() >= self.ncols)
            .unwrap_or(0);
        let row = ptr.partition_point(|&p| p <= position).saturating_sub(1);
        let index = self.col_idx.get(position).map_or(0, |c| c.index());
        Error::structure(
            "CSR (shared arrays, changed since they were checked?)",
            StructureError::IndexOutOfRange {
                outer: Some(row),
                position,
                index,
                bound: self.ncols,
            },
        )
    }

    fn outcome(&self, bad: bool) -> Result<()> {
        if bad { Err(self.index_error()) } else { Ok(()) }
    }

    /// `y ← α·A·x + β·y`, parallel under `Par::Rayon` (split by nonzeros).
    ///
    /// # Errors
    ///
    /// [`Error::Structure`] if a column index is out of range (`y` is then unspecified).
    ///
    /// # Panics
    ///
    /// If `x.len() != ncols` or `y.len() != nrows`.
    #[track_caller]
    pub fn try_mul_vec<V: Scalar>(
        &self,
        alpha: V,
        x: &[V],
        beta: V,
        y: &mut [V],
        par: Par,
    ) -> Result<()>
    where
        T: Widen<V>,
    {
        check_lengths(self.nrows(), self.ncols, x.len(), y.len(), false);
        self.outcome(kernels::sparse::gather_loose(
            self.parts(),
            alpha,
            x,
            beta,
            y,
            par,
        ))
    }

    /// `y ← α·Aᵀ·x + β·y` (a sequential scatter).
    ///
    /// # Errors
    ///
    /// As [`try_mul_vec`](Self::try_mul_vec).
    ///
    /// # Panics
    ///
    /// If `x.len() != nrows` or `y.len() != ncols`.
    #[track_caller]
    pub fn try_mul_vec_t<V: Scalar>(
        &self,
        alpha: V,
        x: &[V],
        beta: V,
        y: &mut [V],
        _par: Par,
    ) -> Result<()>
    where
        T: Widen<V>,
    {
        check_lengths(self.nrows(), self.ncols, x.len(), y.len(), true);
        self.outcome(kernels::sparse::scatter_loose(
            self.parts(),
            alpha,
            x,
            beta,
            y,
        ))
    }

    /// `Y ← α·A·X + β·Y` for `k` column-major vectors, reading each entry once per group of
    /// up to eight; bit-identical to `k` calls of [`try_mul_vec`](Self::try_mul_vec).
    ///
    /// # Errors
    ///
    /// As [`try_mul_vec`](Self::try_mul_vec).
    ///
    /// # Panics
    ///
    /// If the lengths are not `k·ncols` and `k·nrows` for one `k`.
    #[track_caller]
    pub fn try_mul_mat<V: Scalar>(
        &self,
        alpha: V,
        x: &[V],
        beta: V,
        y: &mut [V],
        par: Par,
    ) -> Result<()>
    where
        T: Widen<V>,
    {
        check_block(self.nrows(), self.ncols, x.len(), y.len(), false);
        self.outcome(kernels::sparse::gather_loose(
            self.parts(),
            alpha,
            x,
            beta,
            y,
            par,
        ))
    }

    /// `Y ← α·Aᵀ·X + β·Y` for `k` column-major vectors, one pass per group of up to eight.
    ///
    /// # Errors
    ///
    /// As [`try_mul_vec`](Self::try_mul_vec).
    ///
    /// # Panics
    ///
    /// If the lengths are not `k·nrows` and `k·ncols` for one `k`.
    #[track_caller]
    pub fn try_mul_mat_t<V: Scalar>(
        &self,
        alpha: V,
        x: &[V],
        beta: V,
        y: &mut [V],
        _par: Par,
    ) -> Result<()>
    where
        T: Widen<V>,
    {
        check_block(self.nrows(), self.ncols, x.len(), y.len(), true);
        self.outcome(kernels::sparse::scatter_loose(
            self.parts(),
            alpha,
            x,
            beta,
            y,
        ))
    }
}

matvec_via_try!(impl [T: Scalar + Widen<V>, V: Scalar, I: Index] SharedCsr<'_, T, I>, "SharedCsr");

impl<T: Scalar, I: Index> Footprint for SharedCsr<'_, T, I> {
    /// Nothing: the offsets are borrowed too (a [`RowOffsets`] counts its own heap bytes).
    fn heap_bytes(&self) -> usize {
        0
    }
    fn data_bytes(&self) -> usize {
        std::mem::size_of_val(self.row_ptr.as_slice())
            + std::mem::size_of_val(self.col_idx)
            + std::mem::size_of_val(self.values)
    }
}
