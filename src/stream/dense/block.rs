//! The block product every dense source shares.

use crate::kernels::dense;
use crate::matvec::scale_output;
use crate::{Par, Scalar, Widen};
use std::ops::Range;

/// A product of `k` vectors computed block by block of outer slices, in file order: "dot"
/// (each block writes its own part of every `y_j`) or "axpy" (each block adds into all of
/// `y`, scaled by `β` once at the start). Shared by every dense source.
pub(crate) struct BlockProduct<'a, V> {
    dot: bool,
    inner: usize,
    alpha: V,
    x: &'a [V],
    beta: V,
    y: &'a mut [V],
    /// Lengths of one vector of `x` and of `y`.
    nx: usize,
    ny: usize,
    par: Par,
}

impl<'a, V: Scalar> BlockProduct<'a, V> {
    /// `k ≥ 1` vectors; slices are `inner` long.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        dot: bool,
        inner: usize,
        alpha: V,
        x: &'a [V],
        beta: V,
        y: &'a mut [V],
        k: usize,
        par: Par,
    ) -> Self {
        if !dot {
            scale_output(beta, y);
        }
        let (nx, ny) = (x.len() / k, y.len() / k);
        BlockProduct {
            dot,
            inner,
            alpha,
            x,
            beta,
            y,
            nx,
            ny,
            par,
        }
    }

    /// Applies outer slices `r`, whose elements are `data`. Blocks must come in order, each
    /// starting on a multiple of four slices (the axpy kernel's groups).
    pub(crate) fn apply<T: Scalar + Widen<V>>(&mut self, r: Range<usize>, data: &[T]) {
        let n = r.len();
        let (alpha, beta, par) = (self.alpha, self.beta, self.par);
        if self.dot {
            dense::dot_multi(
                data, n, self.inner, alpha, self.x, beta, self.y, self.ny, r.start, par,
            );
        } else {
            dense::axpy_multi(
                data, n, self.inner, alpha, self.x, self.nx, r.start, self.y, par,
            );
        }
    }
}
