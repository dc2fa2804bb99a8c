//! Where the entries go: triplets in three parallel arrays (one chunk's, or the whole
//! file's), and the walk over the stored triangle of a symmetric `array` file.

use super::header::MtxSymmetry;
use crate::Scalar;

/// Triplets in three parallel arrays: those of one chunk, or all those `read_coo` gathers.
#[derive(Default)]
pub(super) struct Triplets<T, I> {
    pub(super) rows: Vec<I>,
    pub(super) cols: Vec<I>,
    pub(super) vals: Vec<T>,
}

impl<T: Copy, I: Copy> Triplets<T, I> {
    pub(super) fn with_capacity(n: usize) -> Self {
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
    pub(super) fn grow(&mut self, additional: usize, limit: usize) {
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
    pub(super) fn append(&mut self, other: &Self, limit: usize) {
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
pub(super) fn skew_sign<T: Scalar>(symmetry: MtxSymmetry) -> T {
    if symmetry == MtxSymmetry::SkewSymmetric {
        -T::ONE
    } else {
        T::ONE
    }
}
