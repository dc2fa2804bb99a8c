//! The data as a matrix: COO triplets (then CSR) from either format, or a column-major dense
//! matrix from an `array` file; symmetric files expanded to both triangles.

use super::header::{MtxFormat, MtxSymmetry};
use super::parse::Parsed;
use super::reader::MtxReader;
use crate::error::{Error, Result};
use crate::{Coo, Csr, Dense, Index, Layout, Scalar};
use std::io::BufRead;

/// Smallest number of bytes a `coordinate` entry takes (`"1 1\n"`), and an `array` value
/// (`"1\n"`): what a file's length proves about how many entries it can hold.
const MIN_COORD_BYTES: u64 = 4;
const MIN_ARRAY_BYTES: u64 = 2;

impl<R: BufRead> MtxReader<R> {
    /// Reads the entries as triplets, in file order, with symmetric files expanded and
    /// duplicates kept. An `array` file gives its nonzero values (exact zeros dropped).
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] naming the line: a dimension larger than `I` addresses (on the size
    /// line), an index that is 0 or larger than its dimension, a value that does not parse,
    /// a line with the wrong number of tokens, more entries than the size line declares, or
    /// (on the line after the last) fewer. [`Error::Io`] if reading fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::io::mtx::MtxReader;
    ///
    /// let text = "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 3.5\n";
    /// let a = MtxReader::new(text.as_bytes(), "<memory>")?.read_coo::<f64, u32>()?;
    /// assert_eq!((a.rows(), a.cols(), a.values()), (&[1, 0][..], &[0, 1][..], &[3.5, -3.5][..]));
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn read_coo<T: Scalar, I: Index>(mut self) -> Result<Coo<T, I>> {
        let h = self.header.clone();
        for (dim, what) in [(h.nrows, "rows"), (h.ncols, "columns")] {
            if dim > I::MAX_DIM {
                return Err(Error::parse(
                    &self.path,
                    self.size_line,
                    format!(
                        "{dim} {what} do not fit {} indices (at most {}); read with usize indices",
                        I::NAME,
                        I::MAX_DIM
                    ),
                ));
            }
        }
        let mut trip = Triplets::<T, I>::with_capacity(self.first_capacity());
        // Capacity is never grown past what the declared entries expand to.
        let limit = usize::try_from(h.entries)
            .unwrap_or(usize::MAX)
            .saturating_mul(if h.symmetry == MtxSymmetry::General {
                1
            } else {
                2
            });
        match h.format {
            MtxFormat::Coordinate => {
                self.read_data(|p: &Parsed<T, I>| trip.append(&p.data, limit))?;
            }
            MtxFormat::Array => {
                let mut pos = TrianglePos::new(h.symmetry);
                let sign = skew_sign::<T>(h.symmetry);
                let n = h.nrows;
                self.read_data(|p: &Parsed<T, I>| {
                    for &v in &p.data.vals {
                        let (i, j) = pos.get();
                        pos.advance(n);
                        if v == T::ZERO {
                            continue;
                        }
                        let (Some(ii), Some(jj)) = (I::try_from_index(i), I::try_from_index(j))
                        else {
                            continue; // unreachable: i, j < dims <= I::MAX_DIM
                        };
                        trip.grow(2, limit);
                        trip.push(ii, jj, v);
                        if i != j && h.symmetry != MtxSymmetry::General {
                            trip.push(jj, ii, sign * v);
                        }
                    }
                })?;
            }
        }
        Coo::try_from_triplets(h.nrows, h.ncols, trip.rows, trip.cols, trip.vals)
    }

    /// Reads the matrix as CSR: [`read_coo`](MtxReader::read_coo), then
    /// [`Coo::into_csr`] (in place; duplicates summed, columns sorted within each row).
    ///
    /// Peak memory is the triplets' (16 bytes an entry for `f64` values and `u32` indices)
    /// plus two offset arrays. Where memory is plentiful, `reader.read_coo()?.to_csr()`
    /// converts by copy instead: about 1.7 times faster for a file of a million rows in
    /// column order (as SuiteSparse writes them), at 28 bytes an entry.
    ///
    /// # Errors
    ///
    /// As [`read_coo`](MtxReader::read_coo).
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::io::mtx::MtxReader;
    ///
    /// let text = "%%MatrixMarket matrix coordinate real general\n2 2 3\n2 2 1\n1 2 5\n2 2 1\n";
    /// let a = MtxReader::new(text.as_bytes(), "<memory>")?.read_csr::<f64, u32>()?;
    /// assert_eq!((a.row_ptr(), a.col_idx(), a.values()), (&[0, 1, 2][..], &[1, 1][..], &[5.0, 2.0][..]));
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn read_csr<T: Scalar, I: Index>(self) -> Result<Csr<T, I>> {
        Ok(self.read_coo()?.into_csr())
    }

    /// Reads an `array` file as a column-major [`Dense`] matrix (the file's own order, so
    /// no transposition), with symmetric files expanded.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] on line 1 for a `coordinate` file (use
    /// [`read_csr`](MtxReader::read_csr), then [`Csr::to_dense`] if you must: the size of a
    /// sparse file's dense form is not proven by its data); otherwise as
    /// [`read_coo`](MtxReader::read_coo), with the size line's error being a
    /// `rows × cols` that overflows `usize`.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::io::mtx::MtxReader;
    ///
    /// // Lower triangle, column by column.
    /// let text = "%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n";
    /// let a = MtxReader::new(text.as_bytes(), "<memory>")?.read_dense::<f64>()?;
    /// assert_eq!(a.data(), [1.0, 2.0, 2.0, 3.0]);
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn read_dense<T: Scalar>(mut self) -> Result<Dense<T>> {
        let h = self.header.clone();
        if h.format != MtxFormat::Array {
            return Err(Error::parse(
                &self.path,
                1,
                "read_dense reads `array` files; this is a `coordinate` (sparse) file: \
                 read it with read_csr (then Csr::to_dense if a dense copy is really wanted)",
            ));
        }
        let total = h.nrows.checked_mul(h.ncols).ok_or_else(|| {
            Error::parse(
                &self.path,
                self.size_line,
                format!("{} x {} elements overflow usize", h.nrows, h.ncols),
            )
        })?;
        let mut stored: Vec<T> = Vec::with_capacity(self.first_capacity());
        self.read_data(|p: &Parsed<T, u32>| stored.extend_from_slice(&p.data.vals))?;
        if h.symmetry == MtxSymmetry::General {
            return Dense::try_new(h.nrows, h.ncols, Layout::ColMajor, stored);
        }
        // The data has proven about half of `total`: expand it.
        let n = h.nrows;
        let mut data = vec![T::ZERO; total];
        let sign = skew_sign::<T>(h.symmetry);
        let mut pos = TrianglePos::new(h.symmetry);
        for v in stored {
            let (i, j) = pos.get();
            pos.advance(n);
            data[i + j * n] = v;
            data[j + i * n] = if i == j { v } else { sign * v };
        }
        Dense::try_new(n, n, Layout::ColMajor, data)
    }

    /// The first reservation for the data: the declared entries, but no more than the file's
    /// length can hold (or 64 Ki entries when the length is unknown).
    fn first_capacity(&self) -> usize {
        let min_bytes = match self.header.format {
            MtxFormat::Coordinate => MIN_COORD_BYTES,
            MtxFormat::Array => MIN_ARRAY_BYTES,
        };
        let proven = self.file_len.map_or(1 << 16, |len| len / min_bytes);
        usize::try_from(self.header.entries.min(proven)).unwrap_or(usize::MAX)
    }
}

/// Triplets in three parallel arrays: those of one chunk, or all those `read_coo` gathers.
#[derive(Default)]
pub(super) struct Triplets<T, I> {
    pub(super) rows: Vec<I>,
    pub(super) cols: Vec<I>,
    pub(super) vals: Vec<T>,
}

impl<T: Copy, I: Copy> Triplets<T, I> {
    fn with_capacity(n: usize) -> Self {
        Triplets {
            rows: Vec::with_capacity(n),
            cols: Vec::with_capacity(n),
            vals: Vec::with_capacity(n),
        }
    }

    #[inline(always)]
    pub(super) fn push(&mut self, i: I, j: I, v: T) {
        self.rows.push(i);
        self.cols.push(j);
        self.vals.push(v);
    }

    pub(super) fn clear(&mut self) {
        self.rows.clear();
        self.cols.clear();
        self.vals.clear();
    }

    /// Makes room for `additional` more, growing geometrically but not past `limit` (unless
    /// `additional` needs it).
    fn grow(&mut self, additional: usize, limit: usize) {
        let (len, cap) = (self.vals.len(), self.vals.capacity());
        if cap - len >= additional {
            return;
        }
        let need = len.saturating_add(additional);
        let want = need.max(limit.min(cap.saturating_mul(2)));
        self.rows.reserve_exact(want - len);
        self.cols.reserve_exact(want - len);
        self.vals.reserve_exact(want - len);
    }

    /// Appends all of `other`, growing as [`grow`](Triplets::grow).
    fn append(&mut self, other: &Self, limit: usize) {
        self.grow(other.vals.len(), limit);
        self.rows.extend_from_slice(&other.rows);
        self.cols.extend_from_slice(&other.cols);
        self.vals.extend_from_slice(&other.vals);
    }
}

/// Position `(row, col)` in the stored part of an `array` file, in column-major order.
pub(super) struct TrianglePos {
    i: usize,
    j: usize,
    /// Where a column starts: at row 0 (`None`, general), on the diagonal (`Some(0)`,
    /// symmetric) or below it (`Some(1)`, skew-symmetric).
    start: Option<usize>,
}

impl TrianglePos {
    pub(super) fn new(symmetry: MtxSymmetry) -> Self {
        let start = match symmetry {
            MtxSymmetry::General => None,
            MtxSymmetry::Symmetric => Some(0),
            MtxSymmetry::SkewSymmetric => Some(1),
        };
        TrianglePos {
            i: start.unwrap_or(0),
            j: 0,
            start,
        }
    }

    pub(super) fn get(&self) -> (usize, usize) {
        (self.i, self.j)
    }

    /// Next position in a matrix of `nrows` rows.
    pub(super) fn advance(&mut self, nrows: usize) {
        self.i += 1;
        if self.i >= nrows {
            self.j += 1;
            self.i = self.start.map_or(0, |d| self.j + d);
        }
    }
}

/// The sign of the mirror image of an entry: -1 if skew-symmetric, 1 otherwise.
fn skew_sign<T: Scalar>(symmetry: MtxSymmetry) -> T {
    if symmetry == MtxSymmetry::SkewSymmetric {
        -T::ONE
    } else {
        T::ONE
    }
}
