//! The source of a streamed sparse matrix: a scipy `.npz` file whose `indptr`, `indices` and
//! `data` members are stored (not compressed), read block by block of whole outer slices.
//!
//! At open the offsets are read once, in 1 MiB pieces (never all at once), to check them and
//! to cut the slices into blocks that fit one buffer (the *plan*: one row index and one offset
//! per block). Every block read later is checked again before any kernel sees it — offsets
//! non-decreasing and equal to the plan's at both ends, indices in range — so a file
//! rewritten under a product is an error naming the member and the element, never an
//! out-of-bounds read. A block whose indices are unsorted or repeat within a slice (scipy's
//! `has_canonical_format` false) is sorted and summed in its buffer, as the in-memory reader
//! does.

use super::file::{Buf, Source, swap_bytes};
use crate::error::{Error, Result};
use crate::index::Index;
use crate::io::npz::{self, Archive, Member, NpzFormat};
use crate::par::Par;
use crate::{Scalar, compressed::Parts};
use std::io::BufReader;
use std::ops::Range;
use std::path::Path;

/// Bytes of `indptr` read at a time while planning.
const PLAN_CHUNK: usize = 1 << 20;

/// An integer array in the file.
#[derive(Clone, Copy, Debug)]
struct IntArray {
    /// Offset of element 0.
    start: u64,
    size: usize,
    signed: bool,
    big: bool,
    /// For messages: `'indices.npy' ('<i4', shape (5,))`.
    name: &'static str,
}

impl IntArray {
    fn new(m: &Member) -> Self {
        IntArray {
            start: m.data_start + m.header.data_offset as u64,
            size: m.descr.size,
            signed: m.descr.kind == crate::io::DtypeKind::Int,
            big: m.descr.big_endian,
            name: m.name,
        }
    }

    /// Element `k` of `raw` (the bytes of elements `first..`), as `i128` so that every width
    /// and sign is exact.
    #[inline(always)]
    fn get(&self, raw: &[u8], k: usize) -> i128 {
        let b = &raw[k * self.size..(k + 1) * self.size];
        macro_rules! read {
            ($t:ty) => {{
                let a = b.try_into().expect("element size");
                (if self.big {
                    <$t>::from_be_bytes(a)
                } else {
                    <$t>::from_le_bytes(a)
                }) as i128
            }};
        }
        match (self.size, self.signed) {
            (8, true) => read!(i64),
            (8, false) => read!(u64),
            (4, true) => read!(i32),
            (4, false) => read!(u32),
            (2, true) => read!(i16),
            (2, false) => read!(u16),
            (_, true) => i8::from_ne_bytes([b[0]]) as i128,
            (_, false) => b[0] as i128,
        }
    }
}

/// Where a compressed matrix's arrays are in its `.npz` file, and the plan of its blocks.
pub(crate) struct NpzSource {
    pub(crate) source: Source,
    pub(crate) format: NpzFormat,
    pub(crate) nrows: usize,
    pub(crate) ncols: usize,
    pub(crate) nnz: usize,
    ptr: IntArray,
    idx: IntArray,
    /// Offset of the first value, and whether values are big-endian.
    val_start: u64,
    val_big: bool,
    /// Outer slice where each block starts (and `outer` at the end).
    starts: Vec<usize>,
    /// `indptr` at each of `starts`.
    offs: Vec<usize>,
    /// Largest block: slices and entries (for the buffers' sizes).
    max_slices: usize,
    max_nnz: usize,
}

/// A block read into memory and checked: the parts of its slices.
pub(crate) struct Block<T, I> {
    ptr: Vec<usize>,
    idx: Vec<I>,
    val: Vec<T>,
    /// Raw bytes of the integer arrays, for conversion.
    raw: Buf,
    /// The block's slices.
    pub(crate) slices: Range<usize>,
}

impl<T: Scalar, I: Index> Block<T, I> {
    /// The checked block's arrays, trimmed to its entries: `(ptr, idx, val)`.
    pub(crate) fn into_parts(mut self) -> (Vec<usize>, Vec<I>, Vec<T>) {
        let n = self.slices.len();
        let nnz = self.ptr[n];
        self.ptr.truncate(n + 1);
        self.idx.truncate(nnz);
        self.val.truncate(nnz);
        (self.ptr, self.idx, self.val)
    }

    /// The block as kernel input (`slices.len()` outer slices of `inner` entries).
    pub(crate) fn parts(&self, inner: usize) -> Parts<'_, T, I> {
        let n = self.slices.len();
        let nnz = self.ptr[n];
        // SAFETY: `NpzSource::read` filled `ptr` (length n + 1, from 0, non-decreasing, ending
        // at `nnz`), `idx` and `val` (at least `nnz` long; only the first `nnz` are passed)
        // and checked every index `< inner` and strictly increasing within each slice before
        // setting `slices`; `inner` and `n` are the matrix's dimensions or less, which fit
        // `I` (checked at open).
        unsafe {
            Parts::new_unchecked(
                n,
                inner,
                &self.ptr[..n + 1],
                &self.idx[..nnz],
                &self.val[..nnz],
            )
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.ptr.capacity() * 8
            + self.idx.capacity() * std::mem::size_of::<I>()
            + self.val.capacity() * std::mem::size_of::<T>()
            + self.raw.heap_bytes()
    }
}

impl NpzSource {
    /// Opens `path` as a streamed `want` matrix of `T` values and `I` indices, planning blocks
    /// of at most `block_bytes` each (with `None`, no plan: only [`read_span`](Self::read_span)
    /// and [`offset`](Self::offset) may be used, and nothing past the members' headers is
    /// read).
    pub(crate) fn open<T: Scalar, I: Index>(
        path: &Path,
        want: NpzFormat,
        block_bytes: Option<usize>,
    ) -> Result<Self> {
        let source = Source::open(path, false)?;
        let file_len = source.len()?;
        let reader = BufReader::new(source.file().try_clone().map_err(|e| Error::io(path, e))?);
        let mut a = Archive::new(reader, file_len, path)?;
        let format = npz::read_format(&mut a)?;
        let (nrows, ncols) = npz::read_shape(&mut a)?;
        let kind = if want == NpzFormat::Csr {
            "StreamCsr"
        } else {
            "StreamCsc"
        };
        if format != want {
            return Err(a.err(format!(
                "the file holds a {} matrix, not {}: open it as {}",
                format.name().to_uppercase(),
                want.name().to_uppercase(),
                match format {
                    NpzFormat::Csr => "StreamCsr",
                    NpzFormat::Csc => "StreamCsc",
                    NpzFormat::Coo => "a Csr (io::npz::read_csr) in memory, or convert it to CSR",
                }
            )));
        }
        npz::check_fits::<I, _>(&a, nrows, ncols)?;
        let [mp, mi, md] = npz::compressed_members(&mut a, format, nrows, ncols)?;
        for m in [&mp, &mi, &md] {
            if !m.stored {
                return Err(a.err(format!(
                    "member '{}' is compressed ({}): {kind} reads stored members only. Convert \
                     the file once (`convert IN.npz OUT.npz`, or scipy.sparse.save_npz(..., \
                     compressed=False)), or load it into memory with mmap::open_or_load",
                    m.name, m.method
                )));
            }
        }
        let float = |m: &Member| m.descr.is_float();
        if !float(&md) || md.descr.size != std::mem::size_of::<T>() {
            return Err(a.err(format!(
                "member {} holds other values than {} ('{}'){}",
                md.what(),
                T::NAME,
                T::NPY_DESCR,
                match (float(&md), md.descr.size) {
                    (true, 4) => format!("; open it as {kind}<f32>"),
                    (true, 8) => format!("; open it as {kind}<f64>"),
                    _ => String::new(),
                }
            )));
        }
        let mut s = NpzSource {
            source,
            format,
            nrows,
            ncols,
            nnz: mi.len,
            ptr: IntArray::new(&mp),
            idx: IntArray::new(&mi),
            val_start: md.data_start + md.header.data_offset as u64,
            val_big: md.descr.big_endian,
            starts: Vec::new(),
            offs: Vec::new(),
            max_slices: 0,
            max_nnz: 0,
        };
        if let Some(block_bytes) = block_bytes {
            s.plan::<T, I>(block_bytes)?;
        }
        Ok(s)
    }

    /// `(outer, inner)`: number of stored slices and their length.
    pub(crate) fn stored(&self) -> (usize, usize) {
        match self.format {
            NpzFormat::Csc => (self.ncols, self.nrows),
            _ => (self.nrows, self.ncols),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.source.path()
    }

    /// Slices of the largest block.
    pub(crate) fn max_slices(&self) -> usize {
        self.max_slices
    }

    /// Number of blocks.
    pub(crate) fn blocks(&self) -> usize {
        self.starts.len() - 1
    }

    /// Slices of block `b`.
    pub(crate) fn slices(&self, b: usize) -> Range<usize> {
        self.starts[b]..self.starts[b + 1]
    }

    /// Entries before block `b` (the cost of blocks `0..b`, for balancing).
    pub(crate) fn entries_before(&self, b: usize) -> usize {
        self.offs[b]
    }

    /// Bytes of the plan.
    pub(crate) fn heap_bytes(&self) -> usize {
        (self.starts.capacity() + self.offs.capacity()) * 8 + self.source.path().as_os_str().len()
    }

    /// Bytes of the three arrays in the file.
    pub(crate) fn data_bytes<T>(&self) -> usize {
        (self.stored().0 + 1) * self.ptr.size
            + self.nnz * (self.idx.size + std::mem::size_of::<T>())
    }

    /// Reads `indptr` once, checking it, and cuts the slices into blocks of at most
    /// `block_bytes` each (a slice larger than that is a block of its own).
    fn plan<T: Scalar, I: Index>(&mut self, block_bytes: usize) -> Result<()> {
        let outer = self.stored().0;
        let (slice_cost, entry_cost) = costs::<T, I>(self);
        let per = (PLAN_CHUNK / self.ptr.size).max(1);
        let mut buf = Buf::new(per * self.ptr.size);
        let (mut starts, mut offs) = (vec![0usize], vec![0usize]);
        let (mut block_start, mut block_off, mut prev) = (0usize, 0usize, 0usize);
        let mut k = 0;
        while k <= outer {
            let n = per.min(outer + 1 - k);
            let at = self.ptr.start + (k * self.ptr.size) as u64;
            let raw = self
                .source
                .read(&mut buf, at, n * self.ptr.size, Par::Seq)?;
            for i in 0..n {
                let o = k + i;
                let v = self.check_offset(self.ptr.get(raw, i), o, prev, o == outer)?;
                // Slices `block_start..o` would hold `v - block_off` entries: if that overflows
                // and the block holds a slice without the last one, close it before `o - 1`.
                let bytes = (o - block_start) * slice_cost + (v - block_off) * entry_cost;
                if bytes > block_bytes && o > block_start + 1 {
                    starts.push(o - 1);
                    offs.push(prev);
                    (block_start, block_off) = (o - 1, prev);
                }
                prev = v;
            }
            k += n;
        }
        if outer > block_start || starts.len() == 1 {
            starts.push(outer);
            offs.push(prev);
        }
        let (mut max_slices, mut max_nnz) = (0, 0);
        for b in 0..starts.len() - 1 {
            max_slices = max_slices.max(starts[b + 1] - starts[b]);
            max_nnz = max_nnz.max(offs[b + 1] - offs[b]);
        }
        self.starts = starts;
        self.offs = offs;
        self.max_slices = max_slices;
        self.max_nnz = max_nnz;
        Ok(())
    }

    /// Checks offset `o` (value `v`) against the previous one and the array bounds.
    fn check_offset(&self, v: i128, o: usize, prev: usize, last: bool) -> Result<usize> {
        let bad = |msg: String| {
            Error::format(
                self.path(),
                Some(self.ptr.start + (o * self.ptr.size) as u64),
                format!("member '{}', element {o}: {msg}", self.ptr.name),
            )
        };
        if v < 0 || v > self.nnz as i128 {
            return Err(bad(format!(
                "offset {v} is outside 0..={} (the number of entries)",
                self.nnz
            )));
        }
        let v = v as usize;
        if o == 0 && v != 0 {
            return Err(bad(format!("the first offset must be 0, found {v}")));
        }
        if v < prev {
            return Err(bad(format!(
                "offsets must not decrease, found {v} after {prev}"
            )));
        }
        if last && v != self.nnz {
            return Err(bad(format!(
                "the last offset must be the number of entries, {}, found {v}",
                self.nnz
            )));
        }
        Ok(v)
    }

    /// A buffer for the largest block.
    pub(crate) fn new_block<T: Scalar, I: Index>(&self) -> Block<T, I> {
        self.block_for(self.max_slices, self.max_nnz)
    }

    /// A buffer for `slices` slices holding `nnz` entries.
    pub(crate) fn block_for<T: Scalar, I: Index>(&self, slices: usize, nnz: usize) -> Block<T, I> {
        let raw = self.ptr.size.max(self.idx.size) * (nnz.max(slices + 1));
        Block {
            ptr: vec![0; slices + 1],
            idx: vec![I::default(); nnz],
            val: vec![T::ZERO; nnz],
            raw: Buf::new(raw),
            slices: 0..0,
        }
    }

    /// Reads block `b` into `blk` and checks it (see the module docs).
    ///
    /// # Errors
    ///
    /// A failed or short read ([`Source::read`]); [`Error::Format`] naming the member and the
    /// element for offsets or indices that are not what the file held at open.
    pub(crate) fn read<T: Scalar, I: Index>(
        &self,
        b: usize,
        blk: &mut Block<T, I>,
        par: Par,
    ) -> Result<()> {
        self.read_span(self.slices(b), (self.offs[b], self.offs[b + 1]), blk, par)
    }

    /// Offset `o` of the slices (`indptr[o]`), read and checked against the array's bounds.
    pub(crate) fn offset(&self, o: usize) -> Result<usize> {
        let outer = self.stored().0;
        assert!(o <= outer, "offset {o} of {outer} slices");
        let mut raw = [0u8; 8];
        let raw = &mut raw[..self.ptr.size];
        self.source
            .read_into(raw, self.ptr.start + (o * self.ptr.size) as u64)?;
        self.check_offset(self.ptr.get(raw, 0), o, 0, o == outer)
    }

    /// Reads the slices `r` into `blk` and checks them, as [`read`](Self::read) does for a
    /// block: `first..last` are the offsets the slices must start and end at (the plan's, or
    /// two read by [`offset`](Self::offset)); `blk` holds at least `r.len() + 1` offsets and
    /// `last - first` entries.
    pub(crate) fn read_span<T: Scalar, I: Index>(
        &self,
        r: Range<usize>,
        (first, last): (usize, usize),
        blk: &mut Block<T, I>,
        par: Par,
    ) -> Result<()> {
        blk.slices = 0..0; // not valid until checked
        let (n, nnz) = (r.len(), last - first);
        // Offsets, rebased to the block.
        let raw = self.source.read(
            &mut blk.raw,
            self.ptr.start + (r.start * self.ptr.size) as u64,
            (n + 1) * self.ptr.size,
            par,
        )?;
        let mut prev = first;
        for i in 0..=n {
            let o = r.start + i;
            let v = self.check_offset(self.ptr.get(raw, i), o, prev, o == self.stored().0)?;
            if (i == 0 && v != first) || (i == n && v != last) {
                return Err(self.changed(
                    self.ptr,
                    o,
                    format!(
                        "offset {v}, where the file held {} when opened",
                        if i == 0 { first } else { last }
                    ),
                ));
            }
            blk.ptr[i] = v - first;
            prev = v;
        }
        // Indices, checked against the dimension; noted if not increasing within a slice.
        let inner = self.stored().1;
        let in_place = self.idx.size == std::mem::size_of::<I>()
            && self.idx.big == cfg!(target_endian = "big")
            && (!self.idx.signed || inner as u128 <= 1u128 << (8 * self.idx.size - 1));
        let canonical = if in_place {
            // The file's indices have `I`'s width and byte order (int32 files and `u32`): read
            // straight into the index buffer and checked there. A negative signed value reads
            // as one at least 2^(bits-1) >= inner, so the range check rejects it too.
            let dst = I::as_bytes_mut(&mut blk.idx[..nnz]);
            self.source
                .read_into(dst, self.idx.start + (first * self.idx.size) as u64)?;
            self.check_in_place(&blk.ptr, &blk.idx, n, first)?
        } else {
            let raw = self.source.read(
                &mut blk.raw,
                self.idx.start + (first * self.idx.size) as u64,
                nnz * self.idx.size,
                par,
            )?;
            match (self.idx.size, self.idx.signed, self.idx.big) {
                // The layouts scipy and numpy write, decoded without a branch per element.
                (4, true, false) => {
                    self.check_indices(&blk.ptr, &mut blk.idx, n, raw, first, |b| {
                        i32::from_le_bytes(le(b)) as i64
                    })?
                }
                (4, false, false) => {
                    self.check_indices(&blk.ptr, &mut blk.idx, n, raw, first, |b| {
                        u32::from_le_bytes(le(b)) as i64
                    })?
                }
                (8, true, false) => {
                    self.check_indices(&blk.ptr, &mut blk.idx, n, raw, first, |b| {
                        i64::from_le_bytes(le(b))
                    })?
                }
                // Any other width, sign or byte order; values past i64::MAX are out of range either
                // way, so clamping keeps them out.
                _ => {
                    let a = self.idx;
                    self.check_indices(&blk.ptr, &mut blk.idx, n, raw, first, |b| {
                        a.get(b, 0).clamp(-1, i64::MAX as i128) as i64
                    })?
                }
            }
        };
        // Values: straight into their buffer.
        let size = std::mem::size_of::<T>();
        let dst = T::as_bytes_mut(&mut blk.val[..nnz]);
        self.source
            .read_into(dst, self.val_start + (first * size) as u64)?;
        if self.val_big != cfg!(target_endian = "big") {
            swap_bytes(dst, size);
        }
        if !canonical {
            // Unsorted or repeated indices (scipy's has_canonical_format is false): sorted and
            // summed by the crate's one canonicaliser, as `io::npz::read_csr` does, so products
            // match the in-memory matrix bit for bit. Within the buffers' capacity: no
            // allocation.
            let (max_idx, max_val) = (blk.idx.len(), blk.val.len());
            blk.idx.truncate(nnz);
            blk.val.truncate(nnz);
            crate::canonical::sort_and_sum(
                Par::Seq,
                &mut blk.ptr[..n + 1],
                &mut blk.idx,
                &mut blk.val,
            );
            blk.idx.resize(max_idx, I::default());
            blk.val.resize(max_val, T::ZERO);
        }
        blk.slices = r;
        Ok(())
    }

    /// Decodes the indices of the `n` slices of a block from `raw` (entry `k` is
    /// `get(&raw[k * size..])`) into `blk.idx`, checking each against the slice length;
    /// returns whether every slice is strictly increasing (canonical).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn check_indices<I: Index>(
        &self,
        ptr: &[usize],
        idx: &mut [I],
        n: usize,
        raw: &[u8],
        first: usize,
        get: impl Fn(&[u8]) -> i64,
    ) -> Result<bool> {
        let inner = self.stored().1 as u64;
        let size = self.idx.size;
        let mut canonical = true;
        for s in 0..n {
            let mut prev: i64 = -1;
            for k in ptr[s]..ptr[s + 1] {
                let v = get(&raw[k * size..(k + 1) * size]);
                // A negative value wraps to a huge one: one comparison checks both ends.
                if v as u64 >= inner {
                    return Err(self.changed(
                        self.idx,
                        first + k,
                        format!("index {v} is outside 0..{inner}"),
                    ));
                }
                canonical &= v > prev;
                // In range: `v < inner <= I::MAX_DIM` (checked at open).
                idx[k] = I::try_from_index(v as usize).unwrap_or_default();
                prev = v;
            }
        }
        Ok(canonical)
    }

    /// [`check_indices`](Self::check_indices) for indices already in `idx`.
    fn check_in_place<I: Index>(
        &self,
        ptr: &[usize],
        idx: &[I],
        n: usize,
        first: usize,
    ) -> Result<bool> {
        let inner = self.stored().1;
        let mut canonical = true;
        for s in 0..n {
            let row = &idx[ptr[s]..ptr[s + 1]];
            let mut prev: Option<usize> = None;
            for (j, v) in row.iter().enumerate() {
                let v = v.index();
                if v >= inner {
                    let k = ptr[s] + j;
                    let shown = if self.idx.signed && v >> (8 * self.idx.size - 1) & 1 == 1 {
                        format!("{}", v as i128 - (1i128 << (8 * self.idx.size)))
                    } else {
                        v.to_string()
                    };
                    return Err(self.changed(
                        self.idx,
                        first + k,
                        format!("index {shown} is outside 0..{inner}"),
                    ));
                }
                canonical &= prev.is_none_or(|p| v > p);
                prev = Some(v);
            }
        }
        Ok(canonical)
    }

    fn changed(&self, a: IntArray, k: usize, msg: String) -> Error {
        Error::format(
            self.path(),
            Some(a.start + (k * a.size) as u64),
            format!("member '{}', element {k}: {msg}", a.name),
        )
    }
}

/// The first bytes of `b` as an array (`b` holds at least `N`).
#[inline(always)]
fn le<const N: usize>(b: &[u8]) -> [u8; N] {
    b[..N].try_into().expect("element size")
}

/// Bytes a block needs per slice and per entry in memory (its parts and the raw bytes read).
fn costs<T: Scalar, I: Index>(s: &NpzSource) -> (usize, usize) {
    (
        8 + s.ptr.size,
        std::mem::size_of::<I>() + std::mem::size_of::<T>() + s.idx.size,
    )
}
