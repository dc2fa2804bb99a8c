//! [`MmapDense`]: a dense `.npy` matrix on disk, memory-mapped and multiplied in blocks of
//! rows (C order) or columns (Fortran order) so that resident memory stays near a budget
//! however large the file.

use crate::error::{Error, Result};
use crate::io::npy::{self, NpyDtype};
use crate::kernels::dense::{self, AXPY_GROUP};
use crate::matvec::{check_block, check_lengths, scale_output};
use crate::memory::Footprint;
use crate::stream::os::{self, page_size};
use crate::{DenseView, Layout, MatVec, Par, Scalar, Widen};
use memmap2::{Advice, Mmap, UncheckedAdvice};
use std::fs::File;
use std::marker::PhantomData;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Default memory budget: 256 MiB, comfortable on a laptop and large enough that blocks of
/// rows stream at full disk and memory speed.
pub const DEFAULT_BUDGET: usize = 256 << 20;

/// A dense `nrows × ncols` matrix in a numpy `.npy` file (`<f4` or `<f8`, C or Fortran
/// order, header version 1.0, 2.0 or 3.0), memory-mapped read-only and multiplied block by
/// block.
///
/// # How the budget works
///
/// The file is cut into blocks of whole outer slices (rows of a C-order file, columns of a
/// Fortran-order one), each at most half the budget, so that the block being computed and
/// the next one, prefetched meanwhile (`madvise(WILLNEED)`), fit in it together. After a
/// block is consumed its pages are released from the process (`madvise(DONTNEED)`; the
/// mapping is read-only and shared, so nothing is lost: a later product reads them again), so
/// peak resident memory stays near the budget however large the file. Blocks hold a multiple
/// of four slices, and never fewer than four: with a budget smaller than eight slices, a
/// block is four slices and resident memory may reach eight slices — the budget is raised to
/// what one product needs, never silently ignored ([`block_len`](MmapDense::block_len) tells).
/// A file no larger than the budget stays resident, so repeated products run at memory speed.
///
/// [`with_drop_page_cache(true)`](MmapDense::with_drop_page_cache) also asks the kernel to
/// drop each consumed block from the page cache (`posix_fadvise(DONTNEED)`), for long batch
/// jobs that should not push everything else out of memory.
///
/// # Products
///
/// `mul_vec` and `mul_vec_t` walk the blocks in file order, each block computed in parallel
/// under `Par::Rayon`, with the same kernels as [`DenseView`]: results are bit-identical to
/// [`view()`](MmapDense::view)'s product over the same data, and to any `Par`. They allocate
/// nothing.
///
/// # Examples
///
/// ```
/// use matvec::io::npy::write_dense;
/// use matvec::{DenseView, MatVec, MmapDense, Par};
///
/// let dir = std::env::temp_dir().join(format!("matvec-mmap-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("a.npy");
/// let data: Vec<f64> = (0..12).map(f64::from).collect();
/// write_dense(&path, DenseView::row_major(3, 4, &data)?)?;
///
/// // SAFETY: the file is ours and nobody modifies it while it is mapped.
/// let a = unsafe { MmapDense::<f64>::open(&path)? }.with_budget(64 << 20);
/// let mut y = vec![0.0; 3];
/// a.mul_vec(1.0, &[1.0, 0.0, 0.0, 1.0], 0.0, &mut y, Par::Rayon);
/// assert_eq!(y, [3.0, 11.0, 19.0]);
/// # drop(a);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MmapDense<T: Scalar> {
    path: PathBuf,
    file: File,
    map: Mmap,
    data_offset: usize,
    nrows: usize,
    ncols: usize,
    layout: Layout,
    budget: usize,
    block: usize,
    drop_page_cache: bool,
    _marker: PhantomData<T>,
}

impl<T: Scalar> MmapDense<T> {
    /// Opens and validates `path`: magic, version, header, dtype (must be `T`), 2-D shape,
    /// and that the file holds exactly header + `nrows × ncols` elements. Uses
    /// [`DEFAULT_BUDGET`].
    ///
    /// # Safety
    ///
    /// The file is memory-mapped (memmap2's contract, forwarded): it must not be modified or
    /// truncated, by this or any other process, while the returned value lives. A file
    /// truncated under a mapping makes the next read of a lost page raise `SIGBUS`, and a
    /// modified one changes the matrix under a product. Everything checkable at open is
    /// checked, so a short or malformed file is an `Err`, never a crash.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be opened or mapped; [`Error::Format`], naming the
    /// file and the byte, for anything wrong with its contents.
    pub unsafe fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let (file, file_len) = crate::io::open_file(path)?;
        // SAFETY: forwarded to our caller (see `# Safety`): the file is not modified while
        // mapped. Mapping read-only never writes to the file.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        let header = npy::parse_header(&map, path)?;
        npy::check_data_len(&header, file_len, path)?;
        if header.shape.len() != 2 {
            return Err(Error::format(
                path,
                None,
                format!(
                    "expected a 2-D array (a matrix), found {} dimension(s), shape {:?}",
                    header.shape.len(),
                    header.shape
                ),
            ));
        }
        let want = NpyDtype::of::<T>();
        if header.dtype != want {
            return Err(Error::format(
                path,
                None,
                format!(
                    "the file holds {} ('{}') data; open it as MmapDense<{}>",
                    if header.dtype == NpyDtype::F32 {
                        "float32"
                    } else {
                        "float64"
                    },
                    header.dtype.descr(),
                    if header.dtype == NpyDtype::F32 {
                        "f32"
                    } else {
                        "f64"
                    },
                ),
            ));
        }
        if !cfg!(target_endian = "little") {
            return Err(Error::format(
                path,
                None,
                "little-endian .npy data can only be mapped on a little-endian machine",
            ));
        }
        if header.data_offset % std::mem::size_of::<T>() != 0 {
            return Err(Error::format(
                path,
                Some(header.data_offset as u64),
                format!(
                    "data starts at byte {}, not a multiple of {}: it cannot be mapped",
                    header.data_offset,
                    std::mem::size_of::<T>()
                ),
            ));
        }
        // The advice is a hint; a kernel that ignores it changes speed, not results.
        let _ = map.advise(Advice::Sequential);
        let mut m = MmapDense {
            path: path.to_path_buf(),
            file,
            map,
            data_offset: header.data_offset,
            nrows: header.shape[0],
            ncols: header.shape[1],
            layout: header.layout(),
            budget: DEFAULT_BUDGET,
            block: 0,
            drop_page_cache: false,
            _marker: PhantomData,
        };
        m.block = m.block_for(DEFAULT_BUDGET);
        Ok(m)
    }

    /// Sets the memory budget in bytes (see the type's docs), which fixes the block size.
    pub fn with_budget(mut self, bytes: usize) -> Self {
        self.budget = bytes;
        self.block = self.block_for(bytes);
        self
    }

    /// Also drops every consumed block from the OS page cache (`posix_fadvise(DONTNEED)`;
    /// a no-op where that does not exist). Off by default: it makes a second product read the
    /// disk again.
    pub fn with_drop_page_cache(mut self, on: bool) -> Self {
        self.drop_page_cache = on;
        self
    }

    fn block_for(&self, budget: usize) -> usize {
        let (outer, inner) = self.stored_shape();
        // Saturating: a header may declare no rows of 2⁶² columns (no elements, a valid
        // file), whose row length in bytes does not fit usize (found by fuzzing).
        let slice_bytes = inner.saturating_mul(std::mem::size_of::<T>()).max(1);
        let per_block = budget / 2 / slice_bytes / AXPY_GROUP * AXPY_GROUP;
        per_block.max(AXPY_GROUP).min(outer.max(1))
    }

    /// `(outer, inner)`: number of stored slices (rows of a C-order file) and their length.
    fn stored_shape(&self) -> (usize, usize) {
        match self.layout {
            Layout::RowMajor => (self.nrows, self.ncols),
            Layout::ColMajor => (self.ncols, self.nrows),
        }
    }

    /// The memory budget, in bytes.
    pub fn budget(&self) -> usize {
        self.budget
    }
    /// Outer slices (rows of a C-order file, columns of a Fortran-order one) per block.
    pub fn block_len(&self) -> usize {
        self.block
    }
    /// Bytes per block.
    pub fn block_bytes(&self) -> usize {
        self.block
            .saturating_mul(self.stored_shape().1)
            .saturating_mul(std::mem::size_of::<T>())
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
        &self.path
    }
    /// Byte offset of the data in the file.
    pub fn data_offset(&self) -> usize {
        self.data_offset
    }

    /// All elements, in storage order, as one slice of the mapping (touching it reads the
    /// file; nothing is released afterwards: this bypasses the budget).
    pub fn data(&self) -> &[T] {
        let bytes = &self.map[self.data_offset..];
        // Alignment (offset multiple of the size, page-aligned mapping) and length (checked
        // against the shape) were validated in `open`.
        T::cast_bytes(bytes).expect("validated at open: aligned, whole elements")
    }

    /// The whole matrix as an in-memory [`DenseView`] over the mapping (zero-copy, no
    /// budget: the OS keeps whatever pages it likes resident).
    pub fn view(&self) -> DenseView<'_, T> {
        DenseView::try_new(self.nrows, self.ncols, self.layout, self.data())
            .expect("validated at open")
    }

    /// Calls `f(slices, block_data)` for each block in file order, prefetching the next block
    /// before and releasing this one after (when the file exceeds the budget).
    fn for_each_block(&self, mut f: impl FnMut(Range<usize>, &[T])) {
        let (outer, inner) = self.stored_shape();
        let data = self.data();
        if outer == 0 || inner == 0 {
            f(0..outer, data);
            return;
        }
        let size = std::mem::size_of::<T>();
        let stream = self.map.len() > self.budget;
        let byte_range = |r: &Range<usize>| {
            (
                self.data_offset + r.start * inner * size,
                (r.end - r.start) * inner * size,
            )
        };
        let mut released = 0; // map offset up to which pages have been released
        let mut start = 0;
        while start < outer {
            let end = (start + self.block).min(outer);
            if stream && end < outer {
                let (off, len) = byte_range(&(end..(end + self.block).min(outer)));
                let _ = self.map.advise_range(Advice::WillNeed, off, len);
            }
            f(start..end, &data[start * inner..end * inner]);
            if stream {
                let (off, len) = byte_range(&(start..end));
                let upto = if end == outer {
                    self.map.len()
                } else {
                    (off + len) / page_size() * page_size()
                };
                if upto > released {
                    self.release(released, upto - released);
                    released = upto;
                }
            }
            start = end;
        }
    }

    /// Drops the pages of `off..off + len` (map offsets) from this process, and from the page
    /// cache if asked. Failures only cost memory, so they are ignored.
    fn release(&self, off: usize, len: usize) {
        // SAFETY: DONTNEED is "unchecked" in memmap2 because on a *private* writable mapping it
        // discards changes. This mapping is read-only and shared with the file, so dropping
        // its pages discards nothing: the next access to them (a later block, or a caller's
        // `data()` slice held across the product) faults the same bytes in from the file
        // again. References into the mapping stay valid; only residency changes.
        let _ = unsafe {
            self.map
                .unchecked_advise_range(UncheckedAdvice::DontNeed, off, len)
        };
        if self.drop_page_cache {
            os::advise(&self.file, os::Advice::DontNeed, off as u64, len as u64);
        }
    }
}

/// An `f32` file serves `f64` vectors too (read as 4 bytes an entry, widened exactly,
/// accumulated in `f64`: half the bytes of the `f64` file).
impl<T: Scalar + Widen<V>, V: Scalar> MatVec<V> for MmapDense<T> {
    fn nrows(&self) -> usize {
        self.nrows
    }
    fn ncols(&self) -> usize {
        self.ncols
    }
    #[track_caller]
    fn mul_vec(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) {
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), false);
        self.product(alpha, x, beta, y, par, Layout::RowMajor);
    }
    #[track_caller]
    fn mul_vec_t(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) {
        check_lengths(self.nrows, self.ncols, x.len(), y.len(), true);
        self.product(alpha, x, beta, y, par, Layout::ColMajor);
    }
    /// Reads the file once for all `k` vectors (block by block, each block used for every
    /// vector while it is resident), instead of `k` times.
    #[track_caller]
    fn mul_mat(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) {
        let k = check_block(self.nrows, self.ncols, x.len(), y.len(), false);
        self.block_product(alpha, x, beta, y, k, par, Layout::RowMajor);
    }
    /// Reads the file once for all `k` vectors. See [`mul_mat`](Self::mul_mat).
    #[track_caller]
    fn mul_mat_t(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) {
        let k = check_block(self.nrows, self.ncols, x.len(), y.len(), true);
        self.block_product(alpha, x, beta, y, k, par, Layout::ColMajor);
    }
}

impl<T: Scalar> MmapDense<T> {
    /// `dot_layout` is the layout in which this product is a dot product per outer slice
    /// (`RowMajor` for `A·x`): then each block writes its own part of `y`; otherwise each
    /// block adds its slices, scaled by its part of `x`, into all of `y`.
    fn product<V: Scalar>(
        &self,
        alpha: V,
        x: &[V],
        beta: V,
        y: &mut [V],
        par: Par,
        dot_layout: Layout,
    ) where
        T: Widen<V>,
    {
        let (_, inner) = self.stored_shape();
        if alpha == V::ZERO {
            return scale_output(beta, y); // A is not read
        }
        if self.layout == dot_layout {
            self.for_each_block(|r, block| {
                let n = r.end - r.start;
                dense::dot(block, n, inner, alpha, x, beta, &mut y[r], par);
            });
        } else {
            scale_output(beta, y);
            self.for_each_block(|r, block| {
                dense::axpy_accumulate(block, inner, alpha, &x[r], y, par);
            });
        }
    }
}

impl<T: Scalar> MmapDense<T> {
    /// [`product`](Self::product) for `k` column-major vectors at once, each block of the
    /// file used for all of them while it is resident.
    #[allow(clippy::too_many_arguments)]
    fn block_product<V: Scalar>(
        &self,
        alpha: V,
        x: &[V],
        beta: V,
        y: &mut [V],
        k: usize,
        par: Par,
        dot_layout: Layout,
    ) where
        T: Widen<V>,
    {
        let (_, inner) = self.stored_shape();
        if alpha == V::ZERO || k == 0 {
            return scale_output(beta, y); // A is not read
        }
        // Lengths of one vector of x and of y.
        let (nx, ny) = (x.len() / k, y.len() / k);
        if self.layout == dot_layout {
            self.for_each_block(|r, block| {
                let n = r.end - r.start;
                dense::dot_multi(block, n, inner, alpha, x, beta, y, ny, r.start, par);
            });
        } else {
            scale_output(beta, y);
            self.for_each_block(|r, block| {
                let n = r.end - r.start;
                dense::axpy_multi(block, n, inner, alpha, x, nx, r.start, y, par);
            });
        }
    }
}

impl<T: Scalar> Footprint for MmapDense<T> {
    /// Bytes owned on the heap: the path only. The mapping is not heap memory; resident
    /// pages are bounded by the budget during products.
    fn heap_bytes(&self) -> usize {
        self.path.as_os_str().len()
    }
    /// Bytes of matrix data in the file.
    fn data_bytes(&self) -> usize {
        self.map.len() - self.data_offset
    }
}

impl<T: Scalar> std::fmt::Debug for MmapDense<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmapDense")
            .field("path", &self.path)
            .field("shape", &(self.nrows, self.ncols))
            .field("layout", &self.layout)
            .field("dtype", &T::NAME)
            .field("budget", &self.budget)
            .field("block_len", &self.block)
            .finish()
    }
}
