//! scipy's `.npz` sparse matrices: a validated reader for what `scipy.sparse.save_npz`
//! writes, and a writer whose files `scipy.sparse.load_npz` reads and
//! [`MmapCsr`](crate::MmapCsr)/[`MmapCsc`](crate::MmapCsc) map without copying.
//!
//! # The format
//!
//! `save_npz` writes a zip archive (deflate-compressed by default, `compressed=False` stores
//! the members as they are) of `.npy` arrays:
//!
//! | member | CSR / CSC | COO |
//! |---|---|---|
//! | `format.npy` | `b'csr'` / `b'csc'` (0-d, `'\|S3'`; `'<U3'` in old files) | `b'coo'` |
//! | `shape.npy` | `(nrows, ncols)`, int64 | same |
//! | `indptr.npy` | row (column) offsets, `nrows + 1` (`ncols + 1`) integers | — |
//! | `indices.npy` | column (row) index of each stored entry | — |
//! | `row.npy`, `col.npy` | — | the coordinates (what scipy 1.17 writes for 2-D arrays) |
//! | `coords.npy` | — | or both at once, shape `(2, nnz)` (the layout scipy means to switch to) |
//! | `data.npy` | the stored values | same |
//!
//! scipy also writes `_is_array.npy` for `sparray`s (`csr_array`); the reader ignores it.
//! `bsr` and `dia` matrices are rejected with an error that says to convert them with
//! `.tocsr()` before saving.
//!
//! # What is read
//!
//! * Members stored or deflate-compressed; every member's CRC-32 is checked.
//! * Indices and offsets of any integer dtype (scipy writes int32 or int64), either byte
//!   order; each is checked to be non-negative and in range, and to fit `I` (`u32` or
//!   `usize`): a matrix with more than `u32::MAX` rows or columns needs `I = usize`.
//! * Values of dtype float64, float32, any integer or bool, converted to `T` and rounded once
//!   to nearest (float64 values read as `f32`, integers beyond 2⁵³ or, for `f32`, 2²⁴).
//!   Complex, object (pickled), half-precision and date dtypes are errors.
//! * Unsorted indices and duplicates, as scipy allows them in a CSR matrix whose
//!   `has_canonical_format` is false: [`read_csr`] and [`read_csc`] sort each row (column)
//!   and sum duplicates with the crate's one canonicaliser (duplicates summed in ascending value
//!   order, so the result is bit-identical to `Coo::into_csr` of the same entries in any order;
//!   scipy's `sum_duplicates()` sums in file order, which can differ in the last bit when three
//!   or more entries repeat); COO triplets are kept
//!   as they are by [`read_coo`] and summed by [`Coo::into_csr`] otherwise.
//! * Any of the three formats by any reader: [`read_csr`] of a CSC file converts it (a copy),
//!   of a COO file compresses the triplets in place. [`read`] keeps the file's format.
//!
//! # Errors
//!
//! Every problem is an [`Error::Format`] naming the file, the member and, where it applies,
//! the element and the byte (for stored members); I/O failures are [`Error::Io`]. No input
//! makes the reader panic, and no header makes it allocate: a member's `.npy` header must
//! agree with the size the zip directory records for the member before anything is
//! reserved, and reservations are capped by what the member's bytes in the file can hold
//! (deflate expands at most 1032-fold), so memory grows with the data actually read.
//!
//! # Writing
//!
//! [`write_csr`] and [`write_csc`] write what `save_npz(..., compressed=False)` would, with
//! int64 offsets, indices as int32 when every index fits (int64 for `usize` indices), and
//! every member stored so that its array data starts on a multiple of 64 bytes in the file:
//! the zip local header's extra field is padded (Android's `zipalign` field, id `0xd935`), the
//! `.npy` header is padded to 64 bytes as numpy pads it. Such a file can be memory-mapped by
//! [`MmapCsr`](crate::MmapCsr) or [`MmapCsc`](crate::MmapCsc), with no copy at all. The
//! archive is written to a temporary file in the destination's directory and renamed over
//! the destination only when complete.
//!
//! # Examples
//!
//! ```
//! use matvec::io::npz::{self, NpzFormat};
//! use matvec::{Coo, MatVec};
//!
//! let dir = std::env::temp_dir().join(format!("matvec-doc-npz-mod-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("a.npz");
//!
//! let mut coo = Coo::<f64>::new(2, 3);
//! coo.push(0, 2, 1.5);
//! coo.push(1, 0, -2.0);
//! let a = coo.into_csr();
//! npz::write_csr(&path, a.view())?; // scipy.sparse.load_npz reads it
//!
//! let info = npz::info(&path)?;
//! assert_eq!((info.format, info.nrows, info.ncols, info.nnz), (NpzFormat::Csr, 2, 3, 2));
//! let b = npz::read_csr::<f64, u32>(&path)?;
//! assert_eq!(b, a);
//! assert_eq!(b.matvec(&[1.0, 1.0, 1.0]), vec![1.5, -2.0]);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod member;
mod read;
mod write;

pub(crate) use member::{Archive, Member};
pub(crate) use read::{
    axes, check_fits, compressed_members, read_archive, read_format, read_shape,
};
pub use write::{write_csc, write_csr};

use crate::error::{Error, Result};
use crate::io::Dtype;
use crate::{Coo, Csc, Csr, Index, MatVec, Par, Scalar};
use member::index_as;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// The sparse format an `.npz` file holds (its `format.npy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NpzFormat {
    /// `'csr'`: `indptr`, `indices`, `data` by rows.
    Csr,
    /// `'csc'`: the same by columns.
    Csc,
    /// `'coo'`: triplets (`row`, `col`, `data`, or `coords`, `data`).
    Coo,
}

impl NpzFormat {
    /// scipy's name: `"csr"`, `"csc"` or `"coo"`.
    pub fn name(self) -> &'static str {
        match self {
            NpzFormat::Csr => "csr",
            NpzFormat::Csc => "csc",
            NpzFormat::Coo => "coo",
        }
    }
}

impl fmt::Display for NpzFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an `.npz` file holds, read from its headers without reading its data (see [`info`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NpzInfo {
    /// The sparse format.
    pub format: NpzFormat,
    /// Number of rows.
    pub nrows: usize,
    /// Number of columns.
    pub ncols: usize,
    /// Stored entries (the length of `data.npy`; duplicates count separately).
    pub nnz: usize,
    /// Dtype of the indices (`indices.npy`, or the coordinates of a COO file), such as
    /// [`Dtype::I4`].
    pub index_dtype: Dtype,
    /// Dtype of the offsets (`indptr.npy`), or `None` for COO.
    pub offset_dtype: Option<Dtype>,
    /// Dtype of the values (`data.npy`), such as [`Dtype::F8`].
    pub data_dtype: Dtype,
    /// `true` if any of the arrays is compressed (`save_npz`'s default), so that the file
    /// cannot be memory-mapped.
    pub compressed: bool,
}

/// A matrix read from an `.npz` file, in the file's format (see [`read`]).
#[derive(Clone, Debug, PartialEq)]
pub enum NpzMatrix<T, I = u32> {
    /// From a `'csr'` file (sorted, duplicates summed).
    Csr(Csr<T, I>),
    /// From a `'csc'` file (sorted, duplicates summed).
    Csc(Csc<T, I>),
    /// From a `'coo'` file: the triplets as stored.
    Coo(Coo<T, I>),
}

impl<T: Scalar, I: Index> NpzMatrix<T, I> {
    /// The format the file held.
    pub fn format(&self) -> NpzFormat {
        match self {
            NpzMatrix::Csr(_) => NpzFormat::Csr,
            NpzMatrix::Csc(_) => NpzFormat::Csc,
            NpzMatrix::Coo(_) => NpzFormat::Coo,
        }
    }
    /// The matrix in CSR form (free for CSR, in place for COO, a copy for CSC).
    pub fn into_csr(self) -> Csr<T, I> {
        match self {
            NpzMatrix::Csr(a) => a,
            NpzMatrix::Csc(a) => a.to_csr(),
            NpzMatrix::Coo(a) => a.into_csr(),
        }
    }
    /// The matrix in CSC form (free for CSC, in place for COO, a copy for CSR).
    pub fn into_csc(self) -> Csc<T, I> {
        match self {
            NpzMatrix::Csr(a) => a.to_csc(),
            NpzMatrix::Csc(a) => a,
            NpzMatrix::Coo(a) => a.into_csc(),
        }
    }
}

impl<T: Scalar, I: Index> MatVec<T> for NpzMatrix<T, I> {
    fn nrows(&self) -> usize {
        match self {
            NpzMatrix::Csr(a) => a.nrows(),
            NpzMatrix::Csc(a) => a.nrows(),
            NpzMatrix::Coo(a) => a.nrows(),
        }
    }
    fn ncols(&self) -> usize {
        match self {
            NpzMatrix::Csr(a) => a.ncols(),
            NpzMatrix::Csc(a) => a.ncols(),
            NpzMatrix::Coo(a) => a.ncols(),
        }
    }
    #[track_caller]
    fn mul_vec(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        match self {
            NpzMatrix::Csr(a) => a.mul_vec(alpha, x, beta, y, par),
            NpzMatrix::Csc(a) => a.mul_vec(alpha, x, beta, y, par),
            NpzMatrix::Coo(a) => a.mul_vec(alpha, x, beta, y, par),
        }
    }
    #[track_caller]
    fn mul_vec_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        match self {
            NpzMatrix::Csr(a) => a.mul_vec_t(alpha, x, beta, y, par),
            NpzMatrix::Csc(a) => a.mul_vec_t(alpha, x, beta, y, par),
            NpzMatrix::Coo(a) => a.mul_vec_t(alpha, x, beta, y, par),
        }
    }
    #[track_caller]
    fn mul_mat(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        match self {
            NpzMatrix::Csr(a) => a.mul_mat(alpha, x, beta, y, par),
            NpzMatrix::Csc(a) => a.mul_mat(alpha, x, beta, y, par),
            NpzMatrix::Coo(a) => a.mul_mat(alpha, x, beta, y, par),
        }
    }
    #[track_caller]
    fn mul_mat_t(&self, alpha: T, x: &[T], beta: T, y: &mut [T], par: Par) {
        match self {
            NpzMatrix::Csr(a) => a.mul_mat_t(alpha, x, beta, y, par),
            NpzMatrix::Csc(a) => a.mul_mat_t(alpha, x, beta, y, par),
            NpzMatrix::Coo(a) => a.mul_mat_t(alpha, x, beta, y, par),
        }
    }
}

/// Reads the headers of the `.npz` file `path`: format, shape, number of stored entries,
/// dtypes and whether it is compressed. Reads `format.npy` and `shape.npy` and the headers of
/// the other members, not their data.
///
/// # Errors
///
/// As [`read`], for what the headers show.
///
/// # Examples
///
/// ```
/// use matvec::io::npz::{self, NpzFormat};
/// use matvec::io::Dtype;
/// use matvec::Csr;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-npz-info-{}.npz", std::process::id()));
/// npz::write_csr(&path, Csr::<f32>::identity(4).view())?;
/// let info = npz::info(&path)?;
/// assert_eq!((info.format, info.nrows, info.nnz), (NpzFormat::Csr, 4, 4));
/// assert_eq!((info.index_dtype, info.data_dtype), (Dtype::I4, Dtype::F4));
/// assert_eq!(info.offset_dtype.map(|d| d.descr()).as_deref(), Some("<i8"));
/// assert!(!info.compressed);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn info(path: impl AsRef<Path>) -> Result<NpzInfo> {
    let mut a = open_file(path.as_ref())?;
    let format = read_format(&mut a)?;
    let (nrows, ncols) = read_shape(&mut a)?;
    let md = a.member("data.npy")?;
    let (mi, mp, other) = match format {
        NpzFormat::Csr | NpzFormat::Csc => {
            let mi = a.member("indices.npy")?;
            (mi, Some(a.member("indptr.npy")?), None)
        }
        NpzFormat::Coo if a.has("coords.npy") => (a.member("coords.npy")?, None, None),
        NpzFormat::Coo => {
            let mr = a.member("row.npy")?;
            (mr, None, Some(a.member("col.npy")?))
        }
    };
    let compressed = [Some(&md), Some(&mi), mp.as_ref(), other.as_ref()]
        .into_iter()
        .flatten()
        .any(|m| !m.stored);
    Ok(NpzInfo {
        format,
        nrows,
        ncols,
        nnz: md.len,
        index_dtype: mi.descr,
        offset_dtype: mp.map(|m| m.descr),
        data_dtype: md.descr,
        compressed,
    })
}

/// Reads the `.npz` file `path` in the format it holds: CSR and CSC sorted with duplicates
/// summed, COO triplets as stored.
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read; [`Error::Format`] naming the file, the member
/// and what is wrong for anything else: not a zip archive, a member missing, an unknown
/// `format`, a shape that is not two non-negative integers, offsets of the wrong length,
/// decreasing or not starting at 0, an index negative or out of range, arrays whose lengths
/// disagree, a truncated or corrupt member (CRC-32), an unsupported dtype (complex, object),
/// or dimensions that do not fit `I`.
///
/// # Examples
///
/// ```
/// use matvec::io::npz::{self, NpzMatrix};
/// use matvec::{Csc, MatVec};
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-npz-read-{}.npz", std::process::id()));
/// let a = Csc::<f64>::try_new(2, 2, vec![0, 1, 2], vec![1, 0], vec![3.0, 4.0])?;
/// npz::write_csc(&path, a.view())?;
/// match npz::read::<f64, u32>(&path)? {
///     NpzMatrix::Csc(b) => assert_eq!(b, a),
///     other => panic!("expected CSC, got {:?}", other.format()),
/// }
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read<T: Scalar, I: Index>(path: impl AsRef<Path>) -> Result<NpzMatrix<T, I>> {
    let mut a = open_file(path.as_ref())?;
    read_archive(&mut a)
}

/// Reads an `.npz` archive from any seekable reader, in the format it holds (as [`read`]):
/// bytes received over a network or held in memory need no temporary file. `name` is what
/// errors call the archive.
///
/// # Errors
///
/// As [`read`]; a failure of the reader itself (including its first seek, which measures the
/// archive) is [`Error::Io`].
///
/// # Examples
///
/// ```
/// use matvec::io::npz::{self, NpzMatrix};
/// use matvec::Csr;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-npz-from-{}.npz", std::process::id()));
/// npz::write_csr(&path, Csr::<f64>::identity(3).view())?;
/// let bytes = std::fs::read(&path)?; // say, an upload
/// let a = npz::read_from::<f64, u32, _>(std::io::Cursor::new(bytes), "upload.npz")?;
/// assert_eq!(a.into_csr(), Csr::identity(3));
///
/// let err = npz::read_from::<f64, u32, _>(std::io::Cursor::new(b"PK".to_vec()), "upload.npz");
/// assert!(err.unwrap_err().to_string().starts_with("upload.npz: not a valid .npz file"));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_from<T: Scalar, I: Index, R: Read + Seek>(
    mut reader: R,
    name: impl AsRef<Path>,
) -> Result<NpzMatrix<T, I>> {
    let name = name.as_ref();
    let len = reader
        .seek(SeekFrom::End(0))
        .and_then(|len| reader.seek(SeekFrom::Start(0)).map(|_| len))
        .map_err(|e| Error::io(name, e))?;
    let mut a = Archive::new(reader, len, name)?;
    read_archive(&mut a)
}

/// Reads the `.npz` file `path` as CSR: a CSR file directly, a COO file compressed in place
/// (duplicates summed), a CSC file converted (a copy).
///
/// # Errors
///
/// As [`read`].
///
/// # Examples
///
/// ```
/// use matvec::io::npz;
/// use matvec::{Csr, MatVec};
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-npz-csr-{}.npz", std::process::id()));
/// npz::write_csr(&path, Csr::<f64>::identity(3).view())?;
/// let a = npz::read_csr::<f64, usize>(&path)?;
/// assert_eq!(a.matvec(&[1.0, 2.0, 3.0]), vec![1.0, 2.0, 3.0]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_csr<T: Scalar, I: Index>(path: impl AsRef<Path>) -> Result<Csr<T, I>> {
    Ok(read::<T, I>(path)?.into_csr())
}

/// Reads the `.npz` file `path` as CSC: a CSC file directly, a COO file compressed in place,
/// a CSR file converted (a copy).
///
/// # Errors
///
/// As [`read`].
///
/// # Examples
///
/// ```
/// use matvec::io::npz;
/// use matvec::{Csr, MatVec};
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-npz-csc-{}.npz", std::process::id()));
/// npz::write_csr(&path, Csr::<f32>::identity(2).view())?;
/// let a = npz::read_csc::<f32, u32>(&path)?; // converted from the CSR file
/// assert_eq!(a.col_ptr(), &[0, 1, 2]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_csc<T: Scalar, I: Index>(path: impl AsRef<Path>) -> Result<Csc<T, I>> {
    Ok(read::<T, I>(path)?.into_csc())
}

/// Reads the `.npz` file `path` as triplets: a COO file as stored (in its order, duplicates
/// kept), a CSR or CSC file as its (sorted, summed) entries.
///
/// # Errors
///
/// As [`read`].
///
/// # Examples
///
/// ```
/// use matvec::io::npz;
/// use matvec::Csr;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-npz-coo-{}.npz", std::process::id()));
/// let a = Csr::<f64>::try_new(2, 2, vec![0, 1, 2], vec![1, 0], vec![5.0, 6.0])?;
/// npz::write_csr(&path, a.view())?;
/// let c = npz::read_coo::<f64, u32>(&path)?;
/// assert_eq!((c.rows(), c.cols(), c.values()), (&[0, 1][..], &[1, 0][..], &[5.0, 6.0][..]));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_coo<T: Scalar, I: Index>(path: impl AsRef<Path>) -> Result<Coo<T, I>> {
    let path = path.as_ref();
    let structure = |e: Error| Error::format(path, None, e.to_string());
    match read::<T, I>(path)? {
        NpzMatrix::Coo(c) => Ok(c),
        NpzMatrix::Csr(a) => {
            let (m, n, ptr, idx, val) = a.into_parts();
            let rows = expand(&ptr);
            Coo::try_from_triplets(m, n, rows, idx, val).map_err(structure)
        }
        NpzMatrix::Csc(a) => {
            let (m, n, ptr, idx, val) = a.into_parts();
            let cols = expand(&ptr);
            Coo::try_from_triplets(m, n, idx, cols, val).map_err(structure)
        }
    }
}

/// The outer index of every entry, from the offsets.
fn expand<I: Index>(ptr: &[usize]) -> Vec<I> {
    let mut out = Vec::with_capacity(ptr.last().copied().unwrap_or(0));
    for (o, w) in ptr.windows(2).enumerate() {
        out.extend(std::iter::repeat_n(index_as::<I>(o), w[1] - w[0]));
    }
    out
}

fn open_file(path: &Path) -> Result<Archive<BufReader<File>>> {
    let (file, len) = crate::io::open_file(path)?;
    Archive::new(BufReader::new(file), len, path)
}
