//! The file a streamed matrix reads, and the buffers it reads into.
//!
//! Every read is a positioned read (`pread`) of a byte range into a buffer the matrix owns,
//! checked for length: a file truncated or replaced after it was opened gives an error naming
//! the file and the offset, never a signal (a memory map would raise `SIGBUS`). Buffers are
//! allocated on first use and kept in a [`Pool`], so products in steady state allocate
//! nothing, and concurrent products each take their own buffers (no shared buffer, no race).

use super::os::{self, DIRECT_ALIGN};
use crate::error::{Error, Result};
use crate::par::Par;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A reusable byte buffer whose usable part starts on a [`DIRECT_ALIGN`] boundary (so direct
/// reads can use it, and any element type is aligned in it). Built over `u64` words with a
/// little slack instead of a custom allocation, so no `unsafe` is needed: the words never
/// move, so the aligned start computed once stays aligned.
pub(crate) struct Buf {
    words: Vec<u64>,
    /// Byte offset of the aligned start within `words`.
    start: usize,
    /// Usable bytes from `start`.
    cap: usize,
}

impl Buf {
    pub(crate) fn new(cap: usize) -> Buf {
        // Zeroed words come from `calloc`: pages become resident only when a read fills them.
        let words = vec![0u64; (cap + DIRECT_ALIGN).div_ceil(8)];
        let addr = words.as_ptr() as usize;
        let start = (DIRECT_ALIGN - addr % DIRECT_ALIGN) % DIRECT_ALIGN;
        Buf { words, start, cap }
    }

    /// The usable bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &bytemuck::cast_slice(&self.words)[self.start..self.start + self.cap]
    }

    /// The usable bytes, mutably.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        let (start, cap) = (self.start, self.cap);
        &mut bytemuck::cast_slice_mut(&mut self.words)[start..start + cap]
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.words.capacity() * 8
    }
}

/// Reverses the bytes of each `size`-byte element of `bytes` (a file in the other byte order).
pub(crate) fn swap_bytes(bytes: &mut [u8], size: usize) {
    for e in bytes.chunks_exact_mut(size) {
        e.reverse();
    }
}

/// What a [`Pool`] keeps: something that knows its heap size.
pub(crate) trait Pooled: Send {
    fn heap_bytes(&self) -> usize;
}

impl Pooled for Buf {
    fn heap_bytes(&self) -> usize {
        Buf::heap_bytes(self)
    }
}

/// The buffers a matrix keeps between products. The lock is held only to push or pop a
/// buffer (never across a read or a computation), so a product never waits for another.
pub(crate) struct Pool<B = Buf> {
    free: Mutex<Vec<B>>,
    /// Bytes of every buffer this pool allocated and still owns (free or lent out).
    bytes: AtomicUsize,
}

impl<B> Default for Pool<B> {
    fn default() -> Self {
        Pool {
            free: Mutex::new(Vec::new()),
            bytes: AtomicUsize::new(0),
        }
    }
}

impl<B: Pooled> Pool<B> {
    /// A free buffer for which `fits` holds, else a new one from `make`. Free buffers that
    /// do not fit stay for the requests they fit (products of another direction use another
    /// size), so alternating products reuse their buffers instead of trading them.
    pub(crate) fn take_with(&self, fits: impl Fn(&B) -> bool, make: impl FnOnce() -> B) -> B {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = free.iter().rposition(fits) {
            return free.swap_remove(i);
        }
        drop(free);
        let b = make();
        self.bytes.fetch_add(b.heap_bytes(), Ordering::Relaxed);
        b
    }

    /// Returns a buffer for the next product.
    pub(crate) fn give(&self, b: B) {
        self.free.lock().unwrap_or_else(|e| e.into_inner()).push(b);
    }

    /// Drops every free buffer (after the budget or the read size changed).
    pub(crate) fn clear(&self) {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        for b in free.drain(..) {
            self.bytes.fetch_sub(b.heap_bytes(), Ordering::Relaxed);
        }
    }

    /// Bytes the pool's buffers occupy.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }
}

impl Pool<Buf> {
    /// A buffer of at least `cap` usable bytes.
    pub(crate) fn take(&self, cap: usize) -> Buf {
        self.take_with(|b| b.cap >= cap, || Buf::new(cap))
    }
}

/// Smallest part of a read handed to a thread of its own.
const MIN_PART: usize = 1 << 20;

/// A file opened for positioned reads, with its name for errors.
pub(crate) struct Source {
    file: File,
    path: PathBuf,
    direct: bool,
}

impl Source {
    /// Opens `path` for reading (see [`os::open`] for `direct`).
    pub(crate) fn open(path: &Path, direct: bool) -> Result<Source> {
        Ok(Source {
            file: os::open(path, direct)?,
            path: path.to_path_buf(),
            direct,
        })
    }

    /// The file's length now.
    pub(crate) fn len(&self) -> Result<u64> {
        Ok(self
            .file
            .metadata()
            .map_err(|e| Error::io(&self.path, e))?
            .len())
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    pub(crate) fn is_direct(&self) -> bool {
        self.direct
    }

    /// Buffer bytes needed to read `len` bytes at any offset: with direct reads the range is
    /// widened to aligned boundaries on both sides.
    pub(crate) fn buf_len(&self, len: usize) -> usize {
        if self.direct {
            len.next_multiple_of(DIRECT_ALIGN) + DIRECT_ALIGN
        } else {
            len
        }
    }

    /// Fills `dst` with the bytes at `offset` (page-cache reads only: no alignment needed).
    /// Errors as [`read`](Self::read).
    pub(crate) fn read_into(&self, dst: &mut [u8], offset: u64) -> Result<()> {
        debug_assert!(!self.direct);
        self.fill(dst, offset, dst.len(), offset, dst.len())
    }

    /// Reads bytes `offset..offset + len` of the file into `buf` and returns them (a part of
    /// `buf` starting at a multiple of `gcd(offset, DIRECT_ALIGN)` from an aligned address, so
    /// elements whose size divides `offset` are aligned). Large reads are split between the
    /// threads of `par`: a copy out of the page cache runs at the speed of one core, and
    /// several direct reads in flight keep a disk busier than one.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the system call fails (the message names the offset);
    /// [`Error::Format`] at the offset where the file ends if it ends before `offset + len`
    /// (truncated or replaced since it was opened).
    pub(crate) fn read<'b>(
        &self,
        buf: &'b mut Buf,
        offset: u64,
        len: usize,
        par: Par,
    ) -> Result<&'b mut [u8]> {
        let (from, skip) = if self.direct {
            let from = offset / DIRECT_ALIGN as u64 * DIRECT_ALIGN as u64;
            (from, (offset - from) as usize)
        } else {
            (offset, 0)
        };
        let want = if self.direct {
            (skip + len).next_multiple_of(DIRECT_ALIGN)
        } else {
            len
        };
        assert!(
            want <= buf.cap,
            "buffer of {} bytes for a read of {want}",
            buf.cap
        );
        let dst = &mut buf.bytes_mut()[..want];
        let parts = (len / MIN_PART).clamp(1, par.threads());
        let depth = usize::BITS - (parts - 1).leading_zeros(); // ceil(log2(parts))
        self.read_split(dst, from, skip + len, depth, par, (offset, len))?;
        Ok(&mut buf.bytes_mut()[skip..skip + len])
    }

    /// Fills `dst` from `from` with at least `need` bytes, in `2^depth` parallel parts cut on
    /// aligned boundaries (`range` is the caller's, for messages).
    fn read_split(
        &self,
        dst: &mut [u8],
        from: u64,
        need: usize,
        depth: u32,
        par: Par,
        range: (u64, usize),
    ) -> Result<()> {
        let mid = (need / 2) / DIRECT_ALIGN * DIRECT_ALIGN;
        if depth == 0 || mid == 0 {
            return self.fill(dst, from, need, range.0, range.1);
        }
        let (a, b) = dst.split_at_mut(mid);
        let (ra, rb) = crate::par::join2(
            par,
            || self.read_split(a, from, mid, depth - 1, par, range),
            || self.read_split(b, from + mid as u64, need - mid, depth - 1, par, range),
        );
        ra.and(rb)
    }

    /// Reads at `from` into `dst` until at least `need` bytes are in (`offset` and `len`
    /// describe the caller's range, for messages).
    fn fill(&self, dst: &mut [u8], from: u64, need: usize, offset: u64, len: usize) -> Result<()> {
        let mut done = 0;
        while done < need {
            match os::read_at(&self.file, &mut dst[done..], from + done as u64) {
                Ok(0) => return Err(self.ended(from + done as u64, offset, len)),
                // A direct read that stops off an aligned boundary has met the end of the file.
                Ok(n) if self.direct && (done + n) % DIRECT_ALIGN != 0 && done + n < need => {
                    return Err(self.ended(from + (done + n) as u64, offset, len));
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let at = from + done as u64;
                    let what = format!("reading {} bytes at offset {at}", need - done);
                    return Err(Error::io_doing(&self.path, what, e));
                }
            }
        }
        Ok(())
    }

    /// Where [`read`](Self::read) put bytes `offset..offset + len` in `buf`.
    pub(crate) fn placed<'b>(&self, buf: &'b Buf, offset: u64, len: usize) -> &'b [u8] {
        let skip = if self.direct {
            (offset % DIRECT_ALIGN as u64) as usize
        } else {
            0
        };
        &buf.bytes()[skip..skip + len]
    }

    fn ended(&self, at: u64, offset: u64, len: usize) -> Error {
        Error::format(
            &self.path,
            Some(at),
            format!(
                "the file ends at byte {at}, inside the block being read (bytes {offset}..{}): \
                 it was truncated or replaced after it was opened",
                offset + len as u64
            ),
        )
    }
}

/// The first error of a parallel product; the other parts stop at their next read.
#[derive(Default)]
pub(crate) struct FirstError {
    failed: AtomicBool,
    error: Mutex<Option<Error>>,
}

impl FirstError {
    pub(crate) fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    pub(crate) fn set(&self, e: Error) {
        let mut slot = self.error.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
        self.failed.store(true, Ordering::Relaxed);
    }

    pub(crate) fn into_result(self) -> Result<()> {
        match self.error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
