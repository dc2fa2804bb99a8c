//! [`Layout`]: how `0..n` (the rows, or the columns) is cut into one contiguous block per
//! process.

use std::ops::Range;

/// A partition of `0..n` into one contiguous block per process (rank `r` owns
/// `range(r)`): PETSc's "ownership ranges". Rows of a [`DistCsr`](crate::DistCsr) and the
/// entries of `x` and `y` are laid out this way.
///
/// ```
/// use matvec_mpi::Layout;
///
/// let l = Layout::from_offsets(vec![0, 3, 3, 7]); // rank 1 owns nothing
/// assert_eq!((l.parts(), l.len()), (3, 7));
/// assert_eq!(l.range(2), 3..7);
/// assert_eq!(l.owner(5), 2);
/// assert_eq!(Layout::even(10, 4).offsets(), &[0, 2, 5, 7, 10]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    offsets: Vec<usize>,
}

impl Layout {
    /// From the blocks' boundaries: `offsets[r]..offsets[r + 1]` is rank `r`'s block.
    ///
    /// # Panics
    ///
    /// If `offsets` is empty, does not start at 0, or decreases.
    pub fn from_offsets(offsets: Vec<usize>) -> Self {
        assert!(
            offsets.len() >= 2 && offsets[0] == 0,
            "Layout::from_offsets: needs at least [0, n], got {offsets:?}"
        );
        assert!(
            offsets.windows(2).all(|w| w[0] <= w[1]),
            "Layout::from_offsets: the offsets decrease: {offsets:?}"
        );
        Layout { offsets }
    }

    /// `n` items in `parts` blocks whose sizes differ by at most one.
    pub fn even(n: usize, parts: usize) -> Self {
        Self::balanced(n, parts, |i| i)
    }

    /// `n` items in `parts` blocks of about equal cost, `cost(i)` being the cumulative cost of
    /// items `0..i` (for CSR rows, `row_ptr[i] + i`): [`matvec::balanced_cuts`], the splitter
    /// the crate's parallel kernels balance threads with.
    pub fn balanced(n: usize, parts: usize, cost: impl Fn(usize) -> usize) -> Self {
        Layout {
            offsets: matvec::balanced_cuts(n, parts, cost),
        }
    }

    /// Number of blocks (processes).
    pub fn parts(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Total number of items.
    pub fn len(&self) -> usize {
        self.offsets[self.parts()]
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The block of rank `r`.
    pub fn range(&self, r: usize) -> Range<usize> {
        self.offsets[r]..self.offsets[r + 1]
    }

    /// The boundaries: `parts() + 1` offsets from 0 to `len()`.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// The rank that owns item `i` (the last of the blocks starting at or before `i` that is
    /// not empty).
    ///
    /// # Panics
    ///
    /// If `i >= len()`.
    pub fn owner(&self, i: usize) -> usize {
        assert!(i < self.len(), "Layout::owner: {i} of {}", self.len());
        self.offsets.partition_point(|&o| o <= i) - 1
    }
}
