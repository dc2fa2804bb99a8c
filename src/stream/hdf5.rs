//! [`StreamHdf5`]: a 2-D float dataset of an HDF5 file as an out-of-core matrix (feature
//! `hdf5`, over the HDF5 C library through `hdf5-metno`).
//!
//! Two layouts, chosen when the dataset is opened:
//!
//! * **Contiguous** (h5py's default without `chunks=`): the elements lie at one offset of the
//!   file, in C order, so the dataset is a raw file at that offset and is read by the same
//!   engine as `.npy` files ([`StreamDense`]: positioned reads, per-thread buffers, read-ahead).
//! * **Chunked** (with or without filters such as gzip and shuffle): blocks of whole rows,
//!   aligned to the chunks' rows, are read through the library (which decompresses each chunk
//!   once per block), one block computed while the next is read. The library returns each
//!   block in an array it allocates: one allocation per block, the exception to "no
//!   allocation in a product" (`hdf5-metno` has no read of a selection into a caller's buffer).

use super::dense::{BlockProduct, RawDense, StreamDense};
use crate::error::{Error, Result};
use crate::kernels::dense::AXPY_GROUP;
use crate::matvec::{check_block, check_lengths, scale_output};
use crate::memory::Footprint;
use crate::{Par, Scalar, Widen};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// Largest block of a chunked dataset read at once whatever the budget (the library allocates
/// it): a budget below one block of chunk rows is raised up to this, never past it.
const MAX_CHUNKED_BLOCK: usize = 1 << 30;

/// How the dataset is read.
enum Reader<T: Scalar> {
    Contiguous(StreamDense<T>),
    Chunked {
        ds: hdf5::Dataset,
        /// Rows of one chunk (blocks are multiples of it).
        chunk_rows: usize,
        /// Rows per block.
        block_rows: usize,
    },
}

/// A 2-D `f4`/`f8` HDF5 dataset, multiplied block by block of rows without holding it in
/// memory.
///
/// * **Contiguous** datasets (h5py's default without `chunks=`) are a raw array at one offset
///   of the file, in C order: they are read by the engine of [`StreamDense`] (positioned
///   reads, per-thread buffers, read-ahead).
/// * **Chunked** datasets (with or without gzip, shuffle or other filters) are read through
///   the library in blocks of whole chunks of rows, one block computed while the next is
///   read. The library returns each block in an array it allocates: one allocation per block,
///   the exception to "no allocation in a product". A block (at least one chunk of rows) larger
///   than the budget or 1 GiB, whichever is larger, is refused with an error rather than
///   allocated.
///
/// Results are bit-identical to the in-memory [`DenseView`](crate::DenseView) of the same
/// values. An `f32` dataset serves `f64` vectors too: read as 4 bytes an element, accumulated
/// in `f64`. Errors from the library (a file truncated or rewritten, a corrupt chunk) are
/// returned by the `try_` products and name the file and the dataset.
///
/// # Examples
///
/// ```no_run
/// use matvec::stream::StreamHdf5;
/// use matvec::Par;
///
/// // h5py: f.create_dataset("array", (1000, 100000), dtype="f")
/// let a = StreamHdf5::<f32>::open("data.h5", "array")?.with_budget(64 << 20);
/// let x = vec![1.0f64; a.ncols()];
/// let mut y = vec![0.0f64; a.nrows()];
/// a.try_mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon)?;
/// # Ok::<(), matvec::Error>(())
/// ```
pub struct StreamHdf5<T: Scalar> {
    reader: Reader<T>,
    path: PathBuf,
    dataset: String,
    nrows: usize,
    ncols: usize,
    budget: usize,
    _marker: PhantomData<T>,
}

impl<T: Scalar + hdf5::H5Type> StreamHdf5<T> {
    /// Opens dataset `name` (a path such as `"array"` or `"/group/a"`) of the HDF5 file at
    /// `path`: it must be 2-D and hold IEEE floats of `T`'s size (`f4` for `f32`, `f8` for
    /// `f64`). Reads metadata only; uses [`DEFAULT_BUDGET`](super::DEFAULT_BUDGET).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be opened or is not a regular file (a directory, a
    /// FIFO); [`Error::Format`] naming the file and the dataset: not an HDF5 file, no such
    /// dataset, not 2-D, not floats, or floats of the other size (the message says which type
    /// to use).
    pub fn open(path: impl AsRef<Path>, name: &str) -> Result<Self> {
        let path = path.as_ref();
        let err = |msg: String| Error::format(path, None, msg);
        // A directory or a FIFO is refused here with an error that says so (libhdf5 would
        // say "unable to open file", or wait for a FIFO's writer).
        drop(crate::io::open_file(path)?);
        let file = hdf5::File::open(path).map_err(|e| err(format!("cannot open as HDF5: {e}")))?;
        let ds = file.dataset(name).map_err(|e| {
            let names = file
                .member_names()
                .map(|n| n.join(", "))
                .unwrap_or_default();
            err(format!(
                "no dataset '{name}' ({e}); the root group holds: {names}"
            ))
        })?;
        let shape = ds.shape();
        let [nrows, ncols] = shape[..] else {
            return Err(err(format!(
                "dataset '{name}' has shape {shape:?}: expected a 2-D dataset (a matrix)"
            )));
        };
        // A header may declare any shape (a chunked dataset need not be allocated): nothing
        // is sized from it before this check.
        if ncols
            .checked_mul(nrows)
            .and_then(|n| n.checked_mul(std::mem::size_of::<T>()))
            .is_none_or(|b| b > isize::MAX as usize)
        {
            return Err(err(format!(
                "dataset '{name}' has shape ({nrows}, {ncols}): too large to address"
            )));
        }
        let dtype = ds
            .dtype()
            .map_err(|e| err(format!("dataset '{name}': {e}")))?;
        let float = matches!(
            dtype.to_descriptor(),
            Ok(hdf5::types::TypeDescriptor::Float(_))
        );
        if !float || dtype.size() != std::mem::size_of::<T>() {
            let hint = match (float, dtype.size()) {
                (true, 4) => "; open it as StreamHdf5<f32>",
                (true, 8) => "; open it as StreamHdf5<f64>",
                _ => "",
            };
            return Err(err(format!(
                "dataset '{name}' holds {}-byte {}, not {}{hint}",
                dtype.size(),
                if float {
                    "floats"
                } else {
                    "non-float elements"
                },
                T::NAME
            )));
        }
        let big = matches!(dtype.byte_order(), hdf5::datatype::ByteOrder::BigEndian);
        let reader = match (ds.is_chunked(), ds.offset()) {
            (false, Some(offset)) => {
                let spec = RawDense::new(nrows, ncols).offset(offset).big_endian(big);
                Reader::Contiguous(StreamDense::open_raw(path, spec)?)
            }
            _ => {
                // Chunked (or not yet allocated: the library reads fill values).
                let chunk_rows = ds
                    .chunk()
                    .and_then(|c| c.first().copied())
                    .unwrap_or(1)
                    .max(1);
                Reader::Chunked {
                    ds,
                    chunk_rows,
                    block_rows: 0,
                }
            }
        };
        let mut m = StreamHdf5 {
            reader,
            path: path.to_path_buf(),
            dataset: name.to_string(),
            nrows,
            ncols,
            budget: 0,
            _marker: PhantomData,
        };
        m = m.with_budget(super::DEFAULT_BUDGET);
        Ok(m)
    }

    /// Sets the memory budget for one product, in bytes. For a chunked dataset, two blocks of
    /// whole chunks of rows fit in it (at least one chunk of rows and four rows each).
    pub fn with_budget(mut self, bytes: usize) -> Self {
        self.budget = bytes;
        let row = (self.ncols * std::mem::size_of::<T>()).max(1);
        self.reader = match self.reader {
            Reader::Contiguous(s) => Reader::Contiguous(s.with_budget(bytes)),
            Reader::Chunked { ds, chunk_rows, .. } => {
                let unit = lcm(chunk_rows, AXPY_GROUP);
                let block_rows = (bytes / 2 / row / unit * unit).max(unit);
                Reader::Chunked {
                    ds,
                    chunk_rows,
                    block_rows,
                }
            }
        };
        self
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
    /// `true` if the dataset is chunked (read through the library), `false` if contiguous
    /// (read with positioned reads at its offset).
    pub fn is_chunked(&self) -> bool {
        matches!(self.reader, Reader::Chunked { .. })
    }
    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The dataset's name.
    pub fn dataset(&self) -> &str {
        &self.dataset
    }

    /// `y ← α·A·x + β·y`, returning read errors; on an error `y` is unspecified. Panics on
    /// wrong lengths as [`MatVec::mul_vec`](crate::MatVec::mul_vec).
    ///
    /// # Errors
    ///
    /// A failed read (the file or the library's message, with the file and the dataset).
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
        match &self.reader {
            Reader::Contiguous(s) => s.try_mul_vec(alpha, x, beta, y, par),
            _ => self.chunked(true, alpha, x, beta, y, 1, par),
        }
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
        match &self.reader {
            Reader::Contiguous(s) => s.try_mul_vec_t(alpha, x, beta, y, par),
            _ => self.chunked(false, alpha, x, beta, y, 1, par),
        }
    }

    /// `Y ← α·A·X + β·Y` for `k` column-major vectors, reading the dataset once.
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
        match &self.reader {
            Reader::Contiguous(s) => s.try_mul_mat(alpha, x, beta, y, par),
            _ => self.chunked(true, alpha, x, beta, y, k, par),
        }
    }

    /// `Y ← α·Aᵀ·X + β·Y` for `k` column-major vectors, reading the dataset once.
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
        match &self.reader {
            Reader::Contiguous(s) => s.try_mul_mat_t(alpha, x, beta, y, par),
            _ => self.chunked(false, alpha, x, beta, y, k, par),
        }
    }

    /// A product over a chunked dataset: blocks of rows read through the library, the next
    /// one read while this one is computed. `dot` for `A·x` (rows are the stored slices).
    #[allow(clippy::too_many_arguments)]
    fn chunked<V: Scalar>(
        &self,
        dot: bool,
        alpha: V,
        x: &[V],
        beta: V,
        y: &mut [V],
        k: usize,
        par: Par,
    ) -> Result<()>
    where
        T: Widen<V>,
    {
        let Reader::Chunked { ds, block_rows, .. } = &self.reader else {
            unreachable!("called for chunked datasets only")
        };
        let (rows, cols) = (self.nrows, self.ncols);
        if alpha == V::ZERO || k == 0 || rows == 0 || cols == 0 {
            scale_output(beta, y);
            return Ok(());
        }
        let read = |r: std::ops::Range<usize>| {
            ds.read_slice_2d::<T, _>((r.clone(), ..)).map_err(|e| {
                Error::format(
                    &self.path,
                    None,
                    format!(
                        "dataset '{}', rows {}..{}: {e}",
                        self.dataset, r.start, r.end
                    ),
                )
            })
        };
        let block = |b: usize| b * block_rows..((b + 1) * block_rows).min(rows);
        let blocks = rows.div_ceil(*block_rows);
        // The library returns each block in an array it allocates: refuse a block that a
        // declared chunk shape makes larger than the budget allows, rather than allocate it.
        let block_bytes = (*block_rows).min(rows) * cols * std::mem::size_of::<T>();
        let limit = self.budget.max(MAX_CHUNKED_BLOCK);
        if block_bytes > limit {
            return Err(Error::format(
                &self.path,
                None,
                format!(
                    "dataset '{}': a block of {} whole chunk rows is {block_bytes} bytes, more \
                     than {limit} (the budget, or {MAX_CHUNKED_BLOCK} bytes if larger); raise the \
                     budget to read it",
                    self.dataset,
                    (*block_rows).min(rows)
                ),
            ));
        }
        let mut product = BlockProduct::new(dot, cols, alpha, x, beta, y, k, par);
        let mut cur = read(block(0))?;
        for b in 0..blocks {
            let ahead = block(b + 1);
            let (next, ()) = crate::par::join2(
                par,
                || (!ahead.is_empty()).then(|| read(ahead.clone())).transpose(),
                || {
                    let data = cur.as_slice().expect("a fresh array is in standard order");
                    product.apply(block(b), data)
                },
            );
            match next? {
                Some(n) => cur = n,
                None => break,
            }
        }
        Ok(())
    }
}

fn lcm(a: usize, b: usize) -> usize {
    let gcd = |mut a: usize, mut b: usize| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    a / gcd(a, b) * b
}

matvec_via_try!(impl[T: Scalar + hdf5::H5Type + Widen<V>, V: Scalar] StreamHdf5<T>, "StreamHdf5");

impl<T: Scalar> Footprint for StreamHdf5<T> {
    /// Bytes owned on the heap: a contiguous dataset's read buffers; the names.
    fn heap_bytes(&self) -> usize {
        let own = self.path.as_os_str().len() + self.dataset.len();
        match &self.reader {
            Reader::Contiguous(s) => s.heap_bytes() + own,
            Reader::Chunked { .. } => own,
        }
    }
    /// Bytes of the elements (uncompressed).
    fn data_bytes(&self) -> usize {
        self.nrows * self.ncols * std::mem::size_of::<T>()
    }
}

impl<T: Scalar> std::fmt::Debug for StreamHdf5<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamHdf5")
            .field("path", &self.path)
            .field("dataset", &self.dataset)
            .field("shape", &(self.nrows, self.ncols))
            .field("dtype", &T::NAME)
            .field("chunked", &matches!(self.reader, Reader::Chunked { .. }))
            .field("budget", &self.budget)
            .finish()
    }
}
