//! How [`StreamDense`] reads: the plan of a product (bytes per read, buffers), positioned reads
//! of outer slices, and the three ways a product walks the file — each thread reading and
//! computing its own slices (dot direction), each thread reading its segment of every slice
//! (axpy direction, long slices), or one block computed while the next is read.

use super::StreamDense;
use crate::error::Result;
use crate::kernels::dense::{self, AXPY_GROUP};
use crate::stream::file::{Buf, FirstError, swap_bytes};
use crate::stream::os::{self, Advice};
use crate::{Par, Scalar, Widen};
use std::ops::Range;

/// Default bytes per read in the page-cache mode when each thread reads and computes its own
/// rows (a `C`-order `A·x`): small enough that the buffer stays in the core's L2 cache, so the
/// product reads it from cache right after the kernel copied it there (BENCHMARKS.md).
const FUSED_READ: usize = 512 << 10;

/// Default bytes per block when one block is computed while the next is read (the other
/// directions, block products): in the L3 cache with room for the vectors.
const PIPELINE_READ: usize = 4 << 20;

/// Default bytes per read with direct reads: requests large enough to keep the disk busy
/// without the kernel's read-ahead.
const DIRECT_READ: usize = 16 << 20;

/// Bytes of the file each reading thread asks the kernel to read ahead of it
/// (`posix_fadvise(WILLNEED)`), in page-cache mode: a cold product then reads at the disk's
/// speed instead of waiting for each read in turn.
const READ_AHEAD: usize = 16 << 20;

/// Smallest segment of a slice (bytes) worth one read of its own: below it, the axpy
/// direction reads whole blocks instead of splitting the slices between threads.
pub(super) const MIN_SEGMENT: usize = 64 << 10;

impl<T: Scalar> StreamDense<T> {
    /// Slices per read and the buffer capacity for a product under `par`, `pipelined` (two
    /// buffers) or not (one per thread).
    pub(super) fn plan(&self, par: Par, pipelined: bool) -> (usize, usize) {
        let (outer, inner) = self.stored();
        let buffers = if pipelined { 2 } else { par.threads().max(2) };
        let target = match self.read_size {
            0 if self.source.is_direct() => DIRECT_READ,
            0 if pipelined => PIPELINE_READ,
            0 => FUSED_READ,
            n => n,
        };
        // Saturating, as in `MmapDense::block_for`: an empty file may declare a row length
        // whose bytes do not fit usize.
        let slice = inner.saturating_mul(std::mem::size_of::<T>()).max(1);
        let per_buffer = (self.budget / buffers).min(target);
        // Blocks of the axpy kernel start on its groups of slices (for the same bits as in
        // memory); dot products per slice are independent, so a read may hold any number.
        let group = if pipelined { AXPY_GROUP } else { 1 };
        let slices = (per_buffer / slice / group * group)
            .max(group)
            .min(outer.next_multiple_of(group).max(group));
        (slices, self.source.buf_len(slices.saturating_mul(slice)))
    }

    /// Byte range of outer slices `r` in the file.
    pub(super) fn byte_range(&self, r: &Range<usize>) -> (u64, usize) {
        let slice = self.stored().1 * std::mem::size_of::<T>();
        (self.offset + (r.start * slice) as u64, r.len() * slice)
    }

    /// Reads outer slices `r` into `buf` (in native byte order).
    pub(super) fn read(&self, buf: &mut Buf, r: &Range<usize>, par: Par) -> Result<()> {
        let (off, len) = self.byte_range(r);
        let bytes = self.source.read(buf, off, len, par)?;
        if self.swap {
            swap_bytes(bytes, std::mem::size_of::<T>());
        }
        Ok(())
    }

    /// Slices `r`, as read into `buf` by [`read`](Self::read).
    pub(super) fn slices<'b>(&self, buf: &'b Buf, r: &Range<usize>) -> &'b [T] {
        let (off, len) = self.byte_range(r);
        T::cast_bytes(self.source.placed(buf, off, len))
            .expect("buffers are aligned and hold whole elements")
    }

    /// Asks the kernel to start reading slices `r` into the page cache (no-op with direct
    /// reads), so that the disk works ahead of the reads of a cold product.
    pub(super) fn will_need(&self, r: Range<usize>) {
        if !self.source.is_direct() && !r.is_empty() {
            let (off, len) = self.byte_range(&r);
            os::advise(self.source.file(), Advice::WillNeed, off, len as u64);
        }
    }

    /// Keeps the kernel reading [`READ_AHEAD`] bytes of slices past `from` (up to `limit`):
    /// when less than half of that window is left advised, advises the next one. `advised` is
    /// the slice up to which advice was given.
    pub(super) fn read_ahead(&self, advised: &mut usize, from: usize, limit: usize) {
        let slice = self
            .stored()
            .1
            .saturating_mul(std::mem::size_of::<T>())
            .max(1);
        let ahead = (READ_AHEAD / slice).max(1);
        if *advised < (from + ahead / 2).min(limit) {
            let start = (*advised).max(from);
            let to = (start + ahead).min(limit);
            self.will_need(start..to);
            *advised = to;
        }
    }

    /// Drops slices `r` from the page cache if asked to.
    pub(super) fn done_with(&self, r: &Range<usize>) {
        if self.drop_page_cache && !self.source.is_direct() {
            let (off, len) = self.byte_range(r);
            os::advise(self.source.file(), Advice::DontNeed, off, len as u64);
        }
    }

    /// `y ← α·A·x + β·y` in the dot layout: each part of the output reads its own slices
    /// into its own buffer and computes them at once.
    pub(super) fn fused_dot<V: Scalar>(
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
        let inner = self.stored().1;
        let (slices, cap) = self.plan(par, false);
        let first_error = FirstError::default();
        crate::par::for_each_balanced(
            par,
            y,
            |o| o * inner,
            |range, y| {
                if first_error.failed() {
                    return;
                }
                let mut buf = self.pool.take(cap);
                let mut advised = range.start;
                let mut start = range.start;
                while start < range.end {
                    let r = start..(start + slices).min(range.end);
                    self.read_ahead(&mut advised, r.end, range.end);
                    if let Err(e) = self.read(&mut buf, &r, Par::Seq) {
                        first_error.set(e);
                        break;
                    }
                    let part = &mut y[r.start - range.start..r.end - range.start];
                    let data = self.slices(&buf, &r);
                    dense::dot(data, r.len(), inner, alpha, x, beta, part, Par::Seq);
                    self.done_with(&r);
                    start = r.end;
                }
                self.pool.give(buf);
            },
        );
        first_error.into_result()
    }

    /// `y += α·Σ_o x[o]·a_o` in the axpy layout, split by the *inner* index: each part of `y`
    /// reads its segment of every slice (one read per slice) into its own buffer and adds it
    /// at once. Each `y[j]` receives the slices in the same groups and order as in memory.
    pub(super) fn fused_axpy<V: Scalar>(
        &self,
        alpha: V,
        x: &[V],
        y: &mut [V],
        par: Par,
    ) -> Result<()>
    where
        T: Widen<V>,
    {
        let (outer, inner) = self.stored();
        let size = std::mem::size_of::<T>();
        let read = match self.read_size {
            0 => FUSED_READ,
            n => n,
        }
        .min(self.budget / par.threads().max(2));
        let first_error = FirstError::default();
        crate::par::for_each_balanced(
            par,
            y,
            |j| j * outer,
            |cols, y| {
                if first_error.failed() {
                    return;
                }
                let seg = cols.len() * size;
                // Slices per block: the read size in segments of this part, whole groups.
                let per = (read / seg).min(outer.next_multiple_of(AXPY_GROUP));
                let per = (per / AXPY_GROUP * AXPY_GROUP).max(AXPY_GROUP);
                let mut buf = self.pool.take(per * seg);
                let mut advised = 0;
                let mut start = 0;
                while start < outer {
                    let r = start..(start + per).min(outer);
                    // Whole slices are read ahead, once, by the part that starts at column 0.
                    if cols.start == 0 {
                        self.read_ahead(&mut advised, r.end, outer);
                    }
                    let bytes = &mut buf.bytes_mut()[..r.len() * seg];
                    for (o, dst) in r.clone().zip(bytes.chunks_exact_mut(seg)) {
                        let off = self.offset + ((o * inner + cols.start) * size) as u64;
                        if let Err(e) = self.source.read_into(dst, off) {
                            first_error.set(e);
                            break;
                        }
                    }
                    if first_error.failed() {
                        break;
                    }
                    if self.swap {
                        swap_bytes(bytes, size);
                    }
                    let data = T::cast_bytes(bytes).expect("aligned buffer of whole elements");
                    dense::axpy_acc(data, cols.len(), alpha, &x[r.clone()], 0, y);
                    start = r.end;
                }
                self.pool.give(buf);
            },
        );
        first_error.into_result()
    }

    /// Calls `compute(slices, data)` for each block of the file in order, reading the next
    /// block while this one is computed.
    pub(super) fn pipelined(
        &self,
        par: Par,
        mut compute: impl FnMut(Range<usize>, &[T]) + Send,
    ) -> Result<()> {
        let outer = self.stored().0;
        let (slices, cap) = self.plan(par, true);
        let block = |b: usize| b * slices..((b + 1) * slices).min(outer);
        let blocks = outer.div_ceil(slices);
        let mut cur = self.pool.take(cap);
        let mut next = self.pool.take(cap);
        let mut result = self.read(&mut cur, &block(0), par);
        for b in 0..blocks {
            if result.is_err() {
                break;
            }
            let (r, ahead) = (block(b), block(b + 1));
            let (read, ()) = crate::par::join2(
                par,
                || {
                    if ahead.is_empty() {
                        Ok(())
                    } else {
                        self.read(&mut next, &ahead, par)
                    }
                },
                || compute(r.clone(), self.slices(&cur, &r)),
            );
            self.done_with(&r);
            result = read;
            std::mem::swap(&mut cur, &mut next);
        }
        self.pool.give(cur);
        self.pool.give(next);
        result
    }
}
