//! The kernel layer: the only place where products are computed. Matrix types check shapes
//! and dispatch here; file-backed types hand their blocks, as views, to the same functions.
//!
//! * [`dense`]: the dense dot and axpy kernels (one vector or a block), shared by the
//!   in-memory and the file-backed dense types.
//! * [`simd`]: run-time choice of the instruction set for the dense kernels (AVX2 or the
//!   baseline), bit-identical results.
//! * [`workspace`]: scratch a matrix owns (the interleaved inputs of a block gather).
//! * [`sparse`]: gather, scatter and triplet scatter, one vector or a block, with the storage
//!   precision apart from the vector precision.
//!
//! Block products process their vectors in [`Group`]s of 8, 4, 2 and 1, each a separate
//! monomorphised loop that keeps one accumulator per vector in registers.

/// Runs `$body` with `$g` a `const usize` equal to the group length `$len` (8, 4, 2 or 1),
/// so that the body can name it as a const generic argument: one monomorphised loop a size.
macro_rules! with_group {
    ($len:expr, $g:ident => $body:expr) => {
        match $len {
            8 => {
                const $g: usize = 8;
                $body
            }
            4 => {
                const $g: usize = 4;
                $body
            }
            2 => {
                const $g: usize = 2;
                $body
            }
            _ => {
                const $g: usize = 1;
                $body
            }
        }
    };
}

pub(crate) mod dense;
pub(crate) mod simd;
pub(crate) mod sparse;
pub(crate) mod workspace;

/// A run of consecutive vectors of a block product, processed together in one pass over the
/// matrix: `len` is 8, 4, 2 or 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Group {
    pub first: usize,
    pub len: usize,
}

impl Group {
    /// The largest group: eight accumulators (or eight scaled inputs) stay in registers.
    pub const MAX: usize = 8;

    /// Groups covering vectors `0..k` in order: as many of `max` (8, 4, 2 or 1) as fit, then
    /// one each of the smaller sizes as the remainder needs (k = 7 is 4 + 2 + 1).
    pub fn split(k: usize, max: usize) -> impl Iterator<Item = Group> {
        let mut first = 0;
        std::iter::from_fn(move || {
            let left = k - first;
            let len = [8, 4, 2, 1].into_iter().find(|&g| g <= left && g <= max)?;
            let g = Group { first, len };
            first += len;
            Some(g)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Group;

    #[test]
    fn group_split_covers_every_vector_once_in_order() {
        for k in 0..40 {
            let mut next = 0;
            for g in Group::split(k, Group::MAX) {
                assert_eq!(g.first, next);
                assert!([1, 2, 4, 8].contains(&g.len));
                next += g.len;
            }
            assert_eq!(next, k);
        }
        let lens: Vec<usize> = Group::split(15, Group::MAX).map(|g| g.len).collect();
        assert_eq!(lens, [8, 4, 2, 1]);
        let lens: Vec<usize> = Group::split(7, 2).map(|g| g.len).collect();
        assert_eq!(lens, [2, 2, 2, 1]);
    }
}
