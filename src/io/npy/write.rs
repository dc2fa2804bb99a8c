//! Writing `.npy` files: a streaming writer (slice by slice, to a temporary file renamed when
//! complete) and the one-call forms for a matrix and a vector.

use super::header::{NpyDtype, format_header, shape_str};
use crate::error::{Error, Result};
use crate::io::atomic::AtomicFile;
use crate::{Layout, Scalar};
use std::marker::PhantomData;
use std::path::Path;

/// Streams an `nrows × ncols` `.npy` file to disk without holding the matrix in memory.
///
/// Elements are appended in storage order (rows of a row-major file, columns of a
/// column-major one), in pieces of any size. Everything goes to a temporary file in the
/// destination's directory, which [`finish`](NpyWriter::finish) flushes, syncs and renames to
/// the final name only once every element is written: a crash or an error never leaves a
/// partial file under that name. Dropping an unfinished writer deletes the temporary file.
///
/// # Examples
///
/// ```
/// use matvec::io::npy::NpyWriter;
/// use matvec::{Layout, MmapDense, MatVec};
///
/// let dir = std::env::temp_dir().join(format!("matvec-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("a.npy");
/// let mut w = NpyWriter::<f64>::create(&path, 3, 2, Layout::RowMajor)?;
/// for i in 0..3 {
///     w.write(&[i as f64, 1.0])?; // one row at a time
/// }
/// w.finish()?;
///
/// // SAFETY: nobody modifies the file while it is mapped.
/// let a = unsafe { MmapDense::<f64>::open(&path)? };
/// assert_eq!(a.matvec(&[1.0, 10.0]), vec![10.0, 11.0, 12.0]);
/// # drop(a);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct NpyWriter<T: Scalar> {
    out: AtomicFile,
    total: usize,
    written: usize,
    _marker: PhantomData<T>,
}

impl<T: Scalar> NpyWriter<T> {
    /// Starts writing an `nrows × ncols` array of `T` in `layout` to `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the temporary file cannot be created or written;
    /// [`Error::Format`] if `nrows × ncols` overflows.
    pub fn create(
        path: impl AsRef<Path>,
        nrows: usize,
        ncols: usize,
        layout: Layout,
    ) -> Result<Self> {
        Self::create_shape(path.as_ref(), &[nrows, ncols], layout)
    }

    /// Starts writing a 1-D array (a vector) of `len` elements to `path`.
    ///
    /// # Errors
    ///
    /// As [`create`](NpyWriter::create).
    pub fn create_vector(path: impl AsRef<Path>, len: usize) -> Result<Self> {
        Self::create_shape(path.as_ref(), &[len], Layout::RowMajor)
    }

    fn create_shape(path: &Path, shape: &[usize], layout: Layout) -> Result<Self> {
        let total = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|n| n.checked_mul(std::mem::size_of::<T>()).is_some())
            .ok_or_else(|| {
                Error::format(
                    path,
                    None,
                    format!("shape {} is too large", shape_str(shape)),
                )
            })?;
        let dtype = NpyDtype::of::<T>();
        let mut w = NpyWriter {
            out: AtomicFile::create(path)?,
            total,
            written: 0,
            _marker: PhantomData,
        };
        let header = format_header(dtype, layout, shape);
        w.put(&header)?;
        Ok(w)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes)
    }

    /// Appends `values` (in storage order).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] on a write error; [`Error::Format`] if `values` would exceed the shape.
    pub fn write(&mut self, values: &[T]) -> Result<()> {
        if values.len() > self.total - self.written {
            return Err(Error::format(
                self.out.path(),
                None,
                format!(
                    "writing {} more elements would exceed the shape ({} of {} written)",
                    values.len(),
                    self.written,
                    self.total
                ),
            ));
        }
        if cfg!(target_endian = "little") {
            self.put(T::as_bytes(values))?;
        } else {
            for v in values {
                let le: Vec<u8> = T::as_bytes(std::slice::from_ref(v))
                    .iter()
                    .rev()
                    .copied()
                    .collect();
                self.put(&le)?;
            }
        }
        self.written += values.len();
        Ok(())
    }

    /// Elements written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Elements the shape holds.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Flushes, syncs and renames the temporary file to the final name.
    ///
    /// # Errors
    ///
    /// [`Error::Format`] if fewer elements than the shape holds were written (the temporary
    /// file is removed); [`Error::Io`] if flushing, syncing or renaming fails.
    pub fn finish(self) -> Result<()> {
        if self.written != self.total {
            return Err(Error::format(
                self.out.path(),
                None,
                format!(
                    "only {} of {} elements were written; no file was created",
                    self.written, self.total
                ),
            ));
        }
        self.out.commit()
    }
}

/// Writes a whole array (a dense matrix in its layout) to `path`, through a temporary file.
///
/// # Errors
///
/// As [`NpyWriter`].
pub fn write_dense<T: Scalar>(path: impl AsRef<Path>, a: crate::DenseView<'_, T>) -> Result<()> {
    let mut w = NpyWriter::<T>::create(path, a.nrows(), a.ncols(), a.layout())?;
    w.write(a.data())?;
    w.finish()
}

/// Writes a vector as a 1-D `.npy` file, through a temporary file.
///
/// # Errors
///
/// As [`NpyWriter`].
pub fn write_vector<T: Scalar>(path: impl AsRef<Path>, v: &[T]) -> Result<()> {
    let mut w = NpyWriter::<T>::create_vector(path, v.len())?;
    w.write(v)?;
    w.finish()
}
