//! [`StreamDense`]: a dense matrix in a file (`.npy`, or raw bytes at a known offset: a
//! `tofile`/`np.memmap` file, a contiguous HDF5 dataset) multiplied block by block from
//! positioned reads into buffers the budget sizes.

mod block;
mod read;

pub(crate) use block::BlockProduct;

use super::file::{Pool, Source};
use super::os::{self, Advice};
use crate::error::{Error, Result};
use crate::io::npy::{self, NpyDtype};
use crate::matvec::{check_block, check_lengths, scale_output};
use crate::memory::Footprint;
use crate::{Layout, Par, Scalar, Widen};
use std::marker::PhantomData;
use std::path::Path;

/// Default memory budget: 256 MiB. Products use at most this much for their buffers (far
/// less by default, see [`StreamDense::with_read_size`]).
pub const DEFAULT_BUDGET: usize = 256 << 20;

/// Where the elements of a dense matrix without a header are in a file: shape, storage
/// order, byte offset and byte order. The element type is the matrix's `T`.
///
/// ```
/// use matvec::stream::RawDense;
/// use matvec::Layout;
/// // The layout of `np.memmap(path, dtype="<f4", shape=(1000, 100000), order="C")`.
/// let spec = RawDense::new(1000, 100_000);
/// // A Fortran-order array stored after a 4096-byte header, big-endian.
/// let spec = RawDense::new(1000, 100_000).layout(Layout::ColMajor).offset(4096).big_endian(true);
/// # let _ = spec;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawDense {
    nrows: usize,
    ncols: usize,
    layout: Layout,
    offset: u64,
    big_endian: bool,
}

impl RawDense {
    /// `nrows × ncols`, C order (row-major), data at byte 0, little-endian.
    pub fn new(nrows: usize, ncols: usize) -> Self {
        RawDense {
            nrows,
            ncols,
            layout: Layout::RowMajor,
            offset: 0,
            big_endian: false,
        }
    }
    /// Storage order (`Layout::ColMajor` for Fortran order).
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }
    /// Byte offset of the first element.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }
    /// `true` if the elements are big-endian (numpy's `'>f8'`).
    pub fn big_endian(mut self, on: bool) -> Self {
        self.big_endian = on;
        self
    }
}

/// A dense `nrows × ncols` matrix of `T` in a file, multiplied block by block without
/// holding it in memory: an `.npy` file ([`open`](Self::open)) or raw elements at a known
/// offset ([`open_raw`](Self::open_raw)).
///
/// # How products read the file
///
/// The file is read in blocks of whole outer slices (rows of a C-order file, columns of a
/// Fortran-order one) with positioned reads into buffers the matrix keeps (allocated on the
/// first product, reused after: products allocate nothing in steady state).
///
/// * When the product is a dot product per stored slice (`A·x` of a C-order file, `Aᵀ·x` of a
///   Fortran-order one), each thread reads its own slices, [`with_read_size`] bytes at a time
///   (512 KiB by default), into its own buffer and computes them while they are in its cache.
/// * In the other direction, with slices of at least 64 KiB a thread, each thread reads its
///   segment of every slice and adds it into its own part of `y`.
/// * Otherwise (short slices, direct reads, every block product), one block (4 MiB; 16 MiB
///   with direct reads) is computed — every vector of a block product from the one read —
///   while the next is read, the read itself split between the threads.
///
/// Every reading thread also asks the kernel to read 16 MiB ahead of it
/// (`posix_fadvise(WILLNEED)`), so a cold product keeps the disk busy. At most `max(2,
/// threads)` buffers of at most `budget / max(2, threads)` bytes each are in use by a
/// product, so the memory a product holds stays under the budget however large the file —
/// except that a read holds at least one slice (four in the block-by-block walk): with a
/// budget smaller than that, a buffer holds that minimum ([`read_len`](Self::read_len) says
/// how many). Concurrent products on one matrix (from several threads) each take their own
/// buffers: the budget is per product in flight. The buffers are kept for the next product,
/// per walk of the file: a matrix multiplied in both directions keeps both sets
/// ([`heap_bytes`](Footprint::heap_bytes) says how much).
///
/// The page cache: by default reads go through it, so a second product of a file that fits
/// in RAM reads memory; [`with_drop_page_cache`](Self::with_drop_page_cache) drops each
/// block after use, and [`with_direct`](Self::with_direct) bypasses it (`O_DIRECT`).
///
/// # When the file changes
///
/// Opening is safe: nothing is mapped. A file truncated after it was opened makes the next
/// product fail with an error naming the file and the offset where it ended (the fallible
/// products, [`try_mul_vec`](Self::try_mul_vec) and the others, return it; the [`MatVec`](crate::MatVec)
/// methods panic with it). A file rewritten in place gives products of whatever it holds
/// when read: every byte pattern is a valid float, so that is a wrong answer, never undefined
/// behaviour.
///
/// # Results
///
/// Bit-identical to the in-memory [`DenseView`](crate::DenseView) of the same data for
/// every budget, read size and `Par` (blocks are multiples of four slices, the axpy
/// kernel's group). An `f32` file serves `f64` vectors too (read as 4 bytes an entry,
/// accumulated in `f64`).
///
/// [`with_read_size`]: Self::with_read_size
///
/// # Examples
///
/// ```
/// use matvec::io::npy::write_dense;
/// use matvec::stream::StreamDense;
/// use matvec::{DenseView, Par};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("a.npy");
/// let data: Vec<f32> = (0..12).map(|v| v as f32).collect();
/// write_dense(&path, DenseView::row_major(3, 4, &data)?)?;
///
/// let a = StreamDense::<f32>::open(&path)?.with_budget(64 << 20);
/// // An f32 file times an f64 vector, accumulated in f64.
/// let mut y = vec![0.0f64; 3];
/// a.try_mul_vec(1.0, &[1.0, 0.0, 0.0, 1.0], 0.0, &mut y, Par::Rayon)?;
/// assert_eq!(y, [3.0, 11.0, 19.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct StreamDense<T: Scalar> {
    source: Source,
    /// Byte offset of the first element.
    offset: u64,
    nrows: usize,
    ncols: usize,
    layout: Layout,
    /// The file's bytes are in the other byte order.
    swap: bool,
    budget: usize,
    /// Bytes per read (0: the defaults above).
    read_size: usize,
    drop_page_cache: bool,
    pool: Pool,
    _marker: PhantomData<T>,
}

impl<T: Scalar> StreamDense<T> {
    /// Opens the `.npy` file at `path` (`'<f4'` for `f32`, `'<f8'` for `f64`, C or Fortran
    /// order, 2-D), checking its header and that its length matches the shape. Reads only the
    /// header; uses [`DEFAULT_BUDGET`].
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be opened or read; [`Error::Format`], naming the file
    /// and the byte, for a malformed header, a length that does not match, an array that is
    /// not 2-D, or another dtype than `T` (the message says which type to use).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let header = npy::read_header(path)?;
        if header.shape.len() != 2 {
            return Err(Error::format(
                path,
                None,
                format!(
                    "expected a 2-D array (a matrix), found {} dimension(s), shape {}",
                    header.shape.len(),
                    npy::shape_str(&header.shape)
                ),
            ));
        }
        let want = NpyDtype::of::<T>();
        if header.dtype != want {
            let other = if header.dtype == NpyDtype::F32 {
                "f32"
            } else {
                "f64"
            };
            return Err(Error::format(
                path,
                None,
                format!(
                    "the file holds '{}' data; open it as StreamDense<{other}>",
                    header.dtype.descr()
                ),
            ));
        }
        let spec = RawDense::new(header.shape[0], header.shape[1])
            .layout(header.layout())
            .offset(header.data_offset as u64);
        Self::open_raw(path, spec)
    }

    /// Opens `path` as raw elements of `T` laid out as `spec` says (no header is read): a
    /// file written by `ndarray.tofile` or `np.memmap`, a contiguous HDF5 dataset at its
    /// offset. The file may hold more bytes after the matrix.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be opened; [`Error::Format`] if the matrix does not
    /// fit in the file (the message gives both sizes).
    pub fn open_raw(path: impl AsRef<Path>, spec: RawDense) -> Result<Self> {
        let path = path.as_ref();
        let source = Source::open(path, false)?;
        let file_len = source.len()?;
        let size = std::mem::size_of::<T>() as u64;
        let bytes = (spec.nrows as u64)
            .checked_mul(spec.ncols as u64)
            .and_then(|n| n.checked_mul(size))
            .filter(|&b| usize::try_from(b).is_ok());
        let end = bytes.and_then(|b| b.checked_add(spec.offset));
        match end {
            None => {
                return Err(Error::format(
                    path,
                    None,
                    format!(
                        "a {} x {} matrix of {} is too large to address",
                        spec.nrows,
                        spec.ncols,
                        T::NAME
                    ),
                ));
            }
            Some(end) if end > file_len => {
                return Err(Error::format(
                    path,
                    Some(file_len),
                    format!(
                        "a {} x {} matrix of {} at offset {} needs the file to hold {end} bytes; \
                         it holds {file_len}",
                        spec.nrows,
                        spec.ncols,
                        T::NAME,
                        spec.offset
                    ),
                ));
            }
            Some(_) => {}
        }
        // A hint: the kernel's read-ahead window grows for a file read front to back.
        os::advise(source.file(), Advice::Sequential, 0, 0);
        Ok(StreamDense {
            source,
            offset: spec.offset,
            nrows: spec.nrows,
            ncols: spec.ncols,
            layout: spec.layout,
            swap: spec.big_endian != cfg!(target_endian = "big"),
            budget: DEFAULT_BUDGET,
            read_size: 0,
            drop_page_cache: false,
            pool: Pool::default(),
            _marker: PhantomData,
        })
    }

    /// Sets the memory budget for the buffers of one product, in bytes (see the type's docs).
    pub fn with_budget(mut self, bytes: usize) -> Self {
        self.budget = bytes;
        self.pool.clear();
        self
    }

    /// Sets the bytes per read (rounded down to whole groups of four slices, and capped by
    /// the budget); `0` restores the measured defaults: 512 KiB when each thread computes
    /// what it reads, 4 MiB blocks otherwise, 16 MiB with direct reads.
    pub fn with_read_size(mut self, bytes: usize) -> Self {
        self.read_size = bytes;
        self.pool.clear();
        self
    }

    /// Also drops every block from the OS page cache once it is used
    /// (`posix_fadvise(DONTNEED)`; a no-op where that does not exist), for long batch jobs
    /// that should not push everything else out of memory. Off by default: it makes a second
    /// product read the disk again.
    pub fn with_drop_page_cache(mut self, on: bool) -> Self {
        self.drop_page_cache = on;
        self
    }

    /// Reads bypassing the page cache (`O_DIRECT`, Linux only): for cold, single-pass jobs
    /// on files larger than RAM that must not evict everything else. Reopens the file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file system or platform refuses direct reads;
    /// [`Error::Format`] if the data offset is not a multiple of the element size (direct
    /// reads land on aligned boundaries, so elements must be aligned in the file).
    pub fn with_direct(mut self, on: bool) -> Result<Self> {
        if on == self.source.is_direct() {
            return Ok(self);
        }
        if on && !self.offset.is_multiple_of(std::mem::size_of::<T>() as u64) {
            return Err(Error::format(
                self.source.path(),
                Some(self.offset),
                format!(
                    "direct reads need the data to start at a multiple of {} bytes; it starts \
                     at byte {}",
                    std::mem::size_of::<T>(),
                    self.offset
                ),
            ));
        }
        self.source = Source::open(self.source.path(), on)?;
        self.pool.clear();
        Ok(self)
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
    /// Storage order of the file (`RowMajor` for C order).
    pub fn layout(&self) -> Layout {
        self.layout
    }
    /// The file.
    pub fn path(&self) -> &Path {
        self.source.path()
    }
    /// Byte offset of the first element in the file.
    pub fn data_offset(&self) -> u64 {
        self.offset
    }
    /// The memory budget, in bytes.
    pub fn budget(&self) -> usize {
        self.budget
    }
    /// `true` if reads bypass the page cache.
    pub fn is_direct(&self) -> bool {
        self.source.is_direct()
    }

    /// Outer slices per read when each thread of `par` reads and computes its own slices (a
    /// single-vector product in the dot layout): what the budget and the read size give.
    pub fn read_len(&self, par: Par) -> usize {
        self.plan(par, false).0
    }

    /// `(outer, inner)`: number of stored slices and their length.
    fn stored(&self) -> (usize, usize) {
        match self.layout {
            Layout::RowMajor => (self.nrows, self.ncols),
            Layout::ColMajor => (self.ncols, self.nrows),
        }
    }
}

/// The fallible products: what [`MatVec`](crate::MatVec)'s methods compute, returning read errors instead of
/// panicking with them. On an error the contents of `y` are unspecified.
impl<T: Scalar> StreamDense<T> {
    /// `y ← α·A·x + β·y`.
    ///
    /// # Errors
    ///
    /// A read that fails or finds the file shorter than at open (see the type's docs).
    ///
    /// # Panics
    ///
    /// If `x` or `y` has the wrong length, as [`MatVec::mul_vec`](crate::MatVec::mul_vec).
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
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), false);
        self.product(alpha, x, beta, y, 1, par, Layout::RowMajor)
    }

    /// `y ← α·Aᵀ·x + β·y`. Errors and panics as [`try_mul_vec`](Self::try_mul_vec).
    #[track_caller]
    pub fn try_mul_vec_t<V: Scalar>(
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
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), true);
        self.product(alpha, x, beta, y, 1, par, Layout::ColMajor)
    }

    /// `Y ← α·A·X + β·Y` for `k` column-major vectors, reading the file once for all of them.
    /// Errors as [`try_mul_vec`](Self::try_mul_vec); panics as [`MatVec::mul_mat`](crate::MatVec::mul_mat).
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
        let k = check_block(self.nrows, self.ncols, x.len(), y.len(), false);
        self.product(alpha, x, beta, y, k, par, Layout::RowMajor)
    }

    /// `Y ← α·Aᵀ·X + β·Y` for `k` column-major vectors, reading the file once.
    /// Errors as [`try_mul_vec`](Self::try_mul_vec); panics as [`MatVec::mul_mat_t`](crate::MatVec::mul_mat_t).
    #[track_caller]
    pub fn try_mul_mat_t<V: Scalar>(
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
        let k = check_block(self.nrows, self.ncols, x.len(), y.len(), true);
        self.product(alpha, x, beta, y, k, par, Layout::ColMajor)
    }

    /// The product of `k` vectors; `dot_layout` is the storage order in which it is a dot
    /// product per stored slice (`RowMajor` for `A·x`).
    #[allow(clippy::too_many_arguments)]
    fn product<V: Scalar>(
        &self,
        alpha: V,
        x: &[V],
        beta: V,
        y: &mut [V],
        k: usize,
        par: Par,
        dot_layout: Layout,
    ) -> Result<()>
    where
        T: Widen<V>,
    {
        let (outer, inner) = self.stored();
        if alpha == V::ZERO || k == 0 || outer == 0 || inner == 0 {
            // A is not read (or is empty: every dot product is 0, no slice adds anything).
            scale_output(beta, y);
            return Ok(());
        }
        let dot = self.layout == dot_layout;
        if dot && k == 1 {
            return self.fused_dot(alpha, x, beta, y, par);
        }
        let threads = par.threads();
        // (Not when dropping pages: a part would drop rows whose other segments are still to be
        // read by the other parts.)
        if !dot && k == 1 && !self.source.is_direct() && !self.drop_page_cache && threads > 1 {
            let part_bytes = (inner / threads).saturating_mul(std::mem::size_of::<T>());
            if part_bytes >= read::MIN_SEGMENT {
                scale_output(beta, y);
                return self.fused_axpy(alpha, x, y, par);
            }
        }
        let mut blocks = BlockProduct::new(dot, inner, alpha, x, beta, y, k, par);
        self.pipelined(par, |r, data| blocks.apply(r, data))
    }
}

matvec_via_try!(impl[T: Scalar + Widen<V>, V: Scalar] StreamDense<T>, "StreamDense");

impl<T: Scalar> Footprint for StreamDense<T> {
    /// Bytes owned on the heap: the read buffers kept for the next product (none before the
    /// first) and the path.
    fn heap_bytes(&self) -> usize {
        self.pool.heap_bytes() + self.source.path().as_os_str().len()
    }
    /// Bytes of matrix data in the file.
    fn data_bytes(&self) -> usize {
        self.nrows * self.ncols * std::mem::size_of::<T>()
    }
}

impl<T: Scalar> std::fmt::Debug for StreamDense<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamDense")
            .field("path", &self.source.path())
            .field("shape", &(self.nrows, self.ncols))
            .field("layout", &self.layout)
            .field("dtype", &T::NAME)
            .field("offset", &self.offset)
            .field("budget", &self.budget)
            .field("direct", &self.source.is_direct())
            .finish()
    }
}
