//! Writing `.npz` files that `scipy.sparse.load_npz` reads and that can be memory-mapped:
//! members stored, each one's array data on a multiple of 64 bytes in the file.
//!
//! The zip container is the `zip` crate's: it can pad a member's local header so that its data
//! starts on a given multiple (`with_android_alignment`, the extra field `0xd935` that
//! Android's `zipalign` writes; zip readers skip extra fields they do not know, and the
//! padding lives in the local header only). A member's `.npy` header is padded to a multiple
//! of 64 bytes, as numpy pads it, so the array after it is aligned too.

use crate::error::{Error, Result};
use crate::io::atomic::AtomicFile;
use crate::io::npy::format_raw_header;
use crate::{CscView, CsrView, Index, Scalar};

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Every member's array data starts on a multiple of this many bytes in the file.
pub(crate) const ALIGN: u16 = 64;

/// Bytes converted at a time.
const CHUNK: usize = 1 << 16;

/// Writes `a` to `path` as scipy's `.npz` CSR format, uncompressed and aligned for memory
/// mapping (see the [module docs](super)).
///
/// Offsets are written as int64, indices as int32 (`u32` indices below 2³¹, as scipy writes
/// them), uint32 (`u32` indices of a matrix with more than 2³¹ columns) or int64 (`usize`
/// indices), values as float32 or float64 (`T`). So [`MmapCsr<T, I>`](crate::MmapCsr) maps the
/// file back with the same `T` and `I`. The file goes to a temporary name in the same
/// directory, renamed to `path` only when complete; on error nothing is left behind.
///
/// # Errors
///
/// [`Error::Io`] if the temporary file cannot be created, written, synced or renamed.
///
/// # Examples
///
/// ```
/// use matvec::io::npz;
/// use matvec::{Coo, MatVec, MmapCsr};
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-npz-write-{}.npz", std::process::id()));
/// let mut coo = Coo::<f64>::new(3, 3);
/// coo.push(0, 0, 2.0);
/// coo.push(2, 1, -1.0);
/// let a = coo.into_csr();
/// npz::write_csr(&path, a.view())?;
///
/// // SAFETY: the file is ours and nobody modifies it while it is mapped.
/// let m = unsafe { MmapCsr::<f64>::open(&path)? };
/// assert_eq!(m.view(), a.view()); // the same arrays, read in place from the file
/// assert_eq!(m.matvec(&[1.0, 1.0, 1.0]), vec![2.0, 0.0, -1.0]);
/// # drop(m);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_csr<T: Scalar, I: Index>(path: impl AsRef<Path>, a: CsrView<'_, T, I>) -> Result<()> {
    let parts = Parts {
        format: "csr",
        shape: [a.nrows(), a.ncols()],
        inner: a.ncols(),
        ptr: a.row_ptr(),
        idx: a.col_idx(),
        val: a.values(),
    };
    write(path.as_ref(), parts)
}

/// Writes `a` to `path` as scipy's `.npz` CSC format, uncompressed and aligned for memory
/// mapping: as [`write_csr`], by columns.
///
/// # Errors
///
/// As [`write_csr`].
///
/// # Examples
///
/// ```
/// use matvec::io::npz;
/// use matvec::Csc;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-npz-wcsc-{}.npz", std::process::id()));
/// let a = Csc::<f32, usize>::try_new(2, 1, vec![0, 2], vec![0, 1], vec![1.0, 2.0])?;
/// npz::write_csc(&path, a.view())?;
/// assert_eq!(npz::info(&path)?.index_dtype, matvec::io::Dtype::I8); // usize indices: int64
/// assert_eq!(npz::read_csc::<f32, usize>(&path)?, a);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_csc<T: Scalar, I: Index>(path: impl AsRef<Path>, a: CscView<'_, T, I>) -> Result<()> {
    let parts = Parts {
        format: "csc",
        shape: [a.nrows(), a.ncols()],
        inner: a.nrows(),
        ptr: a.col_ptr(),
        idx: a.row_idx(),
        val: a.values(),
    };
    write(path.as_ref(), parts)
}

struct Parts<'a, T, I> {
    format: &'static str,
    shape: [usize; 2],
    /// The dimension the indices index.
    inner: usize,
    ptr: &'a [usize],
    idx: &'a [I],
    val: &'a [T],
}

fn write<T: Scalar, I: Index>(path: &Path, p: Parts<'_, T, I>) -> Result<()> {
    let mut out = AtomicFile::create(path)?;
    let zerr = |e: ZipError| match e {
        ZipError::Io(e) => Error::io(path, e),
        e => Error::format(path, None, format!("writing the zip archive: {e}")),
    };
    let mut zip = ZipWriter::new(Output::new(out.writer()));
    let (idx_descr, idx_width) = if I::NAME == "usize" {
        ("<i8", 8)
    } else if p.inner <= 1 << 31 {
        ("<i4", 4)
    } else {
        ("<u4", 4)
    };
    let nnz = p.idx.len();
    // The order numpy.savez writes them in for save_npz.
    member(&mut zip, "indices.npy", idx_descr, &[nnz], idx_width, |w| {
        write_ints(w, p.idx.iter().map(|i| i.index() as u64), idx_width)
    })
    .map_err(zerr)?;
    member(&mut zip, "indptr.npy", "<i8", &[p.ptr.len()], 8, |w| {
        write_ints(w, p.ptr.iter().map(|&o| o as u64), 8)
    })
    .map_err(zerr)?;
    member(&mut zip, "format.npy", "|S3", &[], 3, |w| {
        w.write_all(p.format.as_bytes())
    })
    .map_err(zerr)?;
    member(&mut zip, "shape.npy", "<i8", &[2], 8, |w| {
        write_ints(w, p.shape.iter().map(|&d| d as u64), 8)
    })
    .map_err(zerr)?;
    let size = std::mem::size_of::<T>();
    member(&mut zip, "data.npy", T::NPY_DESCR, &[nnz], size, |w| {
        if cfg!(target_endian = "little") {
            w.write_all(T::as_bytes(p.val))
        } else {
            let mut buf = Vec::with_capacity(CHUNK);
            for chunk in p.val.chunks(CHUNK / size) {
                buf.clear();
                for v in chunk {
                    buf.extend(T::as_bytes(std::slice::from_ref(v)).iter().rev());
                }
                w.write_all(&buf)?;
            }
            Ok(())
        }
    })
    .map_err(zerr)?;
    zip.finish().map_err(zerr)?;
    out.commit()
}

/// The archive's output: the temporary file until a write fails, then nothing. The zip
/// writer finalises an unfinished archive when dropped, and prints to stderr if it cannot;
/// after a failure (a full disk) that would be a second write to a file that is about to be
/// removed and a stray line in the caller's output. So the first error is returned, and
/// from then on writes and seeks are accepted and discarded, with the position kept
/// consistent. `AtomicFile` removes the temporary file.
struct Output<W> {
    inner: W,
    failed: bool,
    pos: u64,
}

impl<W: Write + Seek> Output<W> {
    fn new(inner: W) -> Self {
        Output {
            inner,
            failed: false,
            pos: 0,
        }
    }

    fn check<R>(&mut self, r: std::io::Result<R>) -> std::io::Result<R> {
        self.failed |= r.is_err();
        r
    }
}

impl<W: Write + Seek> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = if self.failed {
            buf.len()
        } else {
            let r = self.inner.write(buf);
            self.check(r)?
        };
        self.pos += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.failed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.check(r)
    }
}

impl<W: Write + Seek> Seek for Output<W> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        if !self.failed {
            let r = self.inner.seek(to);
            self.pos = self.check(r)?;
            return Ok(self.pos);
        }
        // Discarding: only the position moves (the end is where the writing stopped).
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::Current(d) | SeekFrom::End(d) => self.pos.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}

/// Adds member `name`: a stored `.npy` array of `descr` and `shape` (`width` bytes an
/// element) whose data `body` writes, aligned to [`ALIGN`] bytes in the file.
fn member<W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    name: &str,
    descr: &str,
    shape: &[usize],
    width: usize,
    body: impl FnOnce(&mut ZipWriter<W>) -> std::io::Result<()>,
) -> zip::result::ZipResult<()> {
    let header = format_raw_header(descr, false, shape);
    let elems: usize = shape.iter().product();
    let len = header.len() as u64 + elems as u64 * width as u64;
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default())
        .large_file(len >= u64::from(u32::MAX))
        .with_android_alignment(ALIGN);
    zip.start_file(name, options)?;
    zip.write_all(&header)?;
    body(zip)?;
    Ok(())
}

/// Writes each value's `width` low bytes, little-endian.
fn write_ints(
    w: &mut impl Write,
    values: impl Iterator<Item = u64>,
    width: usize,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(CHUNK);
    for v in values {
        buf.extend_from_slice(&v.to_le_bytes()[..width]);
        if buf.len() >= CHUNK {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}
