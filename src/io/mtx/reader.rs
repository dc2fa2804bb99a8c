//! `MtxReader`: open a file (or any `BufRead`), look at its header, choose how to parse, read
//! the data as COO triplets (then CSR) or as a column-major dense matrix, with symmetric files
//! expanded to both triangles; and the one-call readers built on it.

use super::CHUNK;
use super::chunks::{self, Input};
use super::header::{MtxFormat, MtxHeader, MtxSymmetry, read_header_lines};
use super::parse::Parsed;
use super::triplets::{TrianglePos, Triplets, skew_sign};
use crate::error::{Error, Result};
use crate::par::Par;
use crate::{Coo, Csr, Dense, Index, Layout, Scalar};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Smallest number of bytes a `coordinate` entry takes (`"1 1\n"`), and an `array` value
/// (`"1\n"`): what a file's length proves about how many entries it can hold.
pub(super) const MIN_COORD_BYTES: u64 = 4;
const MIN_ARRAY_BYTES: u64 = 2;

/// A Matrix Market file whose header has been read: look at [`header`](MtxReader::header),
/// then read the data with one of the `read_*` methods.
///
/// Works on any [`BufRead`] (a file, standard input, bytes in memory); `name` is what errors
/// call it. Reading the data consumes the reader.
///
/// # Examples
///
/// ```
/// use matvec::io::mtx::{MtxFormat, MtxReader};
///
/// let text = "%%MatrixMarket matrix array real general\n% 2 x 2, column-major\n2 2\n1\n2\n3\n4\n";
/// let r = MtxReader::new(text.as_bytes(), "<memory>")?;
/// if r.header().format == MtxFormat::Array {
///     let a = r.read_dense::<f64>()?;
///     assert_eq!((a.get(1, 0), a.get(0, 1)), (2.0, 3.0));
/// }
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Debug)]
pub struct MtxReader<R> {
    pub(super) reader: R,
    pub(super) path: PathBuf,
    pub(super) header: MtxHeader,
    /// Line number of the size line (the data starts after it).
    pub(super) size_line: u64,
    /// Bytes of the whole file, when known: an upper bound on what it can hold.
    pub(super) file_len: Option<u64>,
    pub(super) par: Par,
    /// Bytes of text a chunk holds, and the longest data line accepted ([`CHUNK`]).
    pub(super) chunk: usize,
}

impl MtxReader<BufReader<File>> {
    /// Opens `path` and reads its banner and size line.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be opened or read; [`Error::Parse`] (with the line) if
    /// the banner is missing, malformed or names something unsupported (`complex`,
    /// `hermitian`, `vector`, `array pattern`), if the size line is missing or malformed, or if
    /// a symmetric matrix is not square.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::io::mtx::MtxReader;
    ///
    /// let path = std::env::temp_dir().join(format!("matvec-doc-open-{}.mtx", std::process::id()));
    /// std::fs::write(&path, "%%MatrixMarket matrix coordinate real general\n2 3 0\n")?;
    /// let r = MtxReader::open(&path)?;
    /// assert_eq!((r.header().nrows, r.header().ncols), (2, 3));
    /// let a = r.read_csr::<f64, u32>()?;
    /// assert_eq!(a.nnz(), 0);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let (file, len) = crate::io::open_file(path)?;
        let mut r = Self::new(BufReader::with_capacity(1 << 16, file), path)?;
        r.file_len = Some(len);
        Ok(r)
    }
}

impl<R: BufRead> MtxReader<R> {
    /// Reads the banner and size line from `reader`; `name` is the file name errors give.
    ///
    /// # Errors
    ///
    /// As [`open`](MtxReader::open).
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::io::mtx::MtxReader;
    ///
    /// let err = MtxReader::new("3 3 1\n1 1 1\n".as_bytes(), "stdin").unwrap_err();
    /// assert!(err.to_string().starts_with("stdin: line 1: not a Matrix Market file"));
    /// ```
    pub fn new(mut reader: R, name: impl Into<PathBuf>) -> Result<Self> {
        let path = name.into();
        let (header, size_line) = read_header_lines(&mut reader, &path)?;
        Ok(MtxReader {
            reader,
            path,
            header,
            size_line,
            file_len: None,
            par: Par::default(),
            chunk: CHUNK,
        })
    }

    /// The banner and size line.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::io::mtx::MtxReader;
    ///
    /// let r = MtxReader::new("%%MatrixMarket matrix coordinate real general\n3 4 0\n".as_bytes(), "m")?;
    /// assert_eq!((r.header().nrows, r.header().ncols, r.header().entries), (3, 4, 0));
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn header(&self) -> &MtxHeader {
        &self.header
    }

    /// The name errors give for the file.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::io::mtx::MtxReader;
    ///
    /// let r = MtxReader::new("%%MatrixMarket matrix array real general\n0 0\n".as_bytes(), "stdin")?;
    /// assert_eq!(r.path(), std::path::Path::new("stdin"));
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How parsing may use threads: [`Par::Rayon`] (the default with the `rayon` feature)
    /// parses chunks on the current rayon pool, [`Par::Seq`] on the calling thread. The result
    /// is the same either way.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::Par;
    /// use matvec::io::mtx::MtxReader;
    ///
    /// let text = "%%MatrixMarket matrix coordinate integer general\n1 1 1\n1 1 7\n";
    /// let a = MtxReader::new(text.as_bytes(), "<memory>")?.par(Par::Seq).read_coo::<f32, u32>()?;
    /// assert_eq!(a.values(), [7.0]);
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn par(mut self, par: Par) -> Self {
        self.par = par;
        self
    }

    /// Cuts the data into chunks of `bytes` (at least 16) instead of 1 MiB, which also makes
    /// `bytes` the longest data line accepted. For tests and fuzzing: small inputs then cross
    /// many chunk boundaries and take the parallel path. Not part of the stable API.
    #[doc(hidden)]
    pub fn chunk_bytes(mut self, bytes: usize) -> Self {
        self.chunk = bytes.max(16);
        self
    }

    /// Reads the entries as triplets, in file order, with symmetric files expanded and
    /// duplicates kept. An `array` file gives its nonzero values (exact zeros dropped).
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] naming the line: a dimension larger than `I` addresses (on the size
    /// line), an index that is 0 or larger than its dimension, a value that does not parse,
    /// a line with the wrong number of tokens, more entries than the size line declares, or
    /// (on the line after the last) fewer. [`Error::Io`] if reading fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::io::mtx::MtxReader;
    ///
    /// let text = "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 3.5\n";
    /// let a = MtxReader::new(text.as_bytes(), "<memory>")?.read_coo::<f64, u32>()?;
    /// assert_eq!((a.rows(), a.cols(), a.values()), (&[1, 0][..], &[0, 1][..], &[3.5, -3.5][..]));
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn read_coo<T: Scalar, I: Index>(mut self) -> Result<Coo<T, I>> {
        let h = self.header.clone();
        self.check_dims::<I>()?;
        let mut trip = Triplets::<T, I>::with_capacity(self.first_capacity());
        // Capacity is never grown past what the declared entries expand to.
        let limit = usize::try_from(h.entries)
            .unwrap_or(usize::MAX)
            .saturating_mul(if h.symmetry == MtxSymmetry::General {
                1
            } else {
                2
            });
        match h.format {
            MtxFormat::Coordinate => {
                self.read_data(|p: &Parsed<T, I>| trip.append(&p.data, limit))?;
            }
            MtxFormat::Array => {
                let mut pos = TrianglePos::new(h.symmetry);
                let sign = skew_sign::<T>(h.symmetry);
                let n = h.nrows;
                self.read_data(|p: &Parsed<T, I>| {
                    for &v in &p.data.vals {
                        let (i, j) = pos.get();
                        pos.advance(n);
                        if v == T::ZERO {
                            continue;
                        }
                        let (Some(ii), Some(jj)) = (I::try_from_index(i), I::try_from_index(j))
                        else {
                            continue; // unreachable: i, j < dims <= I::MAX_DIM
                        };
                        trip.grow(2, limit);
                        trip.push(ii, jj, v);
                        if i != j && h.symmetry != MtxSymmetry::General {
                            trip.push(jj, ii, sign * v);
                        }
                    }
                })?;
            }
        }
        Coo::try_from_triplets(h.nrows, h.ncols, trip.rows, trip.cols, trip.vals)
    }

    /// Reads the matrix as CSR: [`read_coo`](MtxReader::read_coo), then
    /// [`Coo::into_csr`] (in place; duplicates summed, columns sorted within each row).
    ///
    /// Peak memory is the triplets' (16 bytes an entry for `f64` values and `u32` indices)
    /// plus two offset arrays. Where memory is plentiful, `reader.read_coo()?.to_csr()`
    /// converts by copy instead: about 1.7 times faster for a file of a million rows in
    /// column order (as SuiteSparse writes them), at 28 bytes an entry.
    ///
    /// # Errors
    ///
    /// As [`read_coo`](MtxReader::read_coo).
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::io::mtx::MtxReader;
    ///
    /// let text = "%%MatrixMarket matrix coordinate real general\n2 2 3\n2 2 1\n1 2 5\n2 2 1\n";
    /// let a = MtxReader::new(text.as_bytes(), "<memory>")?.read_csr::<f64, u32>()?;
    /// assert_eq!((a.row_ptr(), a.col_idx(), a.values()), (&[0, 1, 2][..], &[1, 1][..], &[5.0, 2.0][..]));
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn read_csr<T: Scalar, I: Index>(self) -> Result<Csr<T, I>> {
        Ok(self.read_coo()?.into_csr())
    }

    /// Reads an `array` file as a column-major [`Dense`] matrix (the file's own order, so
    /// no transposition), with symmetric files expanded.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] on line 1 for a `coordinate` file (use
    /// [`read_csr`](MtxReader::read_csr), then [`Csr::to_dense`] if you must: the size of a
    /// sparse file's dense form is not proven by its data); otherwise as
    /// [`read_coo`](MtxReader::read_coo), with the size line's error being a
    /// `rows × cols` that overflows `usize`.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::io::mtx::MtxReader;
    ///
    /// // Lower triangle, column by column.
    /// let text = "%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n";
    /// let a = MtxReader::new(text.as_bytes(), "<memory>")?.read_dense::<f64>()?;
    /// assert_eq!(a.data(), [1.0, 2.0, 2.0, 3.0]);
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn read_dense<T: Scalar>(mut self) -> Result<Dense<T>> {
        let h = self.header.clone();
        if h.format != MtxFormat::Array {
            return Err(Error::parse(
                &self.path,
                1,
                "read_dense reads `array` files; this is a `coordinate` (sparse) file: \
                 read it with read_csr (then Csr::to_dense if a dense copy is really wanted)",
            ));
        }
        let total = h.nrows.checked_mul(h.ncols).ok_or_else(|| {
            Error::parse(
                &self.path,
                self.size_line,
                format!("{} x {} elements overflow usize", h.nrows, h.ncols),
            )
        })?;
        let mut stored: Vec<T> = Vec::with_capacity(self.first_capacity());
        self.read_data(|p: &Parsed<T, u32>| stored.extend_from_slice(&p.data.vals))?;
        if h.symmetry == MtxSymmetry::General {
            return Dense::try_new(h.nrows, h.ncols, Layout::ColMajor, stored);
        }
        // The data has proven about half of `total`: expand it.
        let n = h.nrows;
        let mut data = vec![T::ZERO; total];
        let sign = skew_sign::<T>(h.symmetry);
        let mut pos = TrianglePos::new(h.symmetry);
        for v in stored {
            let (i, j) = pos.get();
            pos.advance(n);
            data[i + j * n] = v;
            data[j + i * n] = if i == j { v } else { sign * v };
        }
        Dense::try_new(n, n, Layout::ColMajor, data)
    }

    /// Whether the dimensions fit `I` (an error on the size line if not).
    pub(super) fn check_dims<I: Index>(&self) -> Result<()> {
        let h = &self.header;
        for (dim, what) in [(h.nrows, "rows"), (h.ncols, "columns")] {
            if dim > I::MAX_DIM {
                return Err(Error::parse(
                    &self.path,
                    self.size_line,
                    format!(
                        "{dim} {what} do not fit {} indices (at most {}); read with usize indices",
                        I::NAME,
                        I::MAX_DIM
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The first reservation for the data: the declared entries, but no more than the file's
    /// length can hold (or 64 Ki entries when the length is unknown).
    fn first_capacity(&self) -> usize {
        let min_bytes = match self.header.format {
            MtxFormat::Coordinate => MIN_COORD_BYTES,
            MtxFormat::Array => MIN_ARRAY_BYTES,
        };
        let proven = self.file_len.map_or(1 << 16, |len| len / min_bytes);
        usize::try_from(self.header.entries.min(proven)).unwrap_or(usize::MAX)
    }

    /// Reads the data lines, handing each parsed chunk to `sink` in file order (see
    /// [`chunks::read_data`]).
    fn read_data<T: Scalar, I: Index>(&mut self, sink: impl FnMut(&Parsed<T, I>)) -> Result<()> {
        let input = Input {
            path: &self.path,
            header: &self.header,
            size_line: self.size_line,
            first_line: self.size_line,
            par: self.par,
            chunk: self.chunk,
            whole: true,
        };
        chunks::read_data(&mut self.reader, &input, sink)
    }
}

/// Reads the banner and size line of the Matrix Market file `path`, and no data.
///
/// # Errors
///
/// As [`MtxReader::open`].
///
/// # Examples
///
/// ```
/// use matvec::io::mtx::{self, MtxFormat};
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-header-{}.mtx", std::process::id()));
/// std::fs::write(&path, "%%MatrixMarket matrix array integer general\n2 3\n1\n2\n3\n4\n5\n6\n")?;
/// let h = mtx::read_header(&path)?;
/// assert_eq!((h.format, h.nrows, h.ncols, h.entries), (MtxFormat::Array, 2, 3, 6));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_header(path: impl AsRef<Path>) -> Result<MtxHeader> {
    Ok(MtxReader::open(path)?.header)
}

/// Reads the Matrix Market file `path` as triplets (see [`MtxReader::read_coo`]).
///
/// # Errors
///
/// As [`MtxReader::open`] and [`MtxReader::read_coo`].
///
/// # Examples
///
/// ```
/// use matvec::io::mtx;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-coo-{}.mtx", std::process::id()));
/// std::fs::write(&path, "%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 2\n2 1\n")?;
/// let a = mtx::read_coo::<f32, u32>(&path)?;
/// assert_eq!((a.rows(), a.cols(), a.values()), (&[0, 1][..], &[1, 0][..], &[1.0, 1.0][..]));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_coo<T: Scalar, I: Index>(path: impl AsRef<Path>) -> Result<Coo<T, I>> {
    MtxReader::open(path)?.read_coo()
}

/// Reads the Matrix Market file `path` as CSR (see [`MtxReader::read_csr`]): the usual way
/// to load a matrix from a sparse collection.
///
/// # Errors
///
/// As [`MtxReader::open`] and [`MtxReader::read_coo`].
///
/// # Examples
///
/// ```
/// use matvec::io::mtx;
/// use matvec::MatVec;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-csr-{}.mtx", std::process::id()));
/// std::fs::write(&path, "%%MATRIXMARKET MATRIX COORDINATE REAL GENERAL\n2 2 2\n1 1 2\n2 2 3\n")?;
/// let a = mtx::read_csr::<f64, u32>(&path)?;
/// assert_eq!(a.matvec(&[1.0, 1.0]), vec![2.0, 3.0]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_csr<T: Scalar, I: Index>(path: impl AsRef<Path>) -> Result<Csr<T, I>> {
    MtxReader::open(path)?.read_csr()
}

/// Reads the `array` Matrix Market file `path` as a column-major [`Dense`] matrix (see
/// [`MtxReader::read_dense`]).
///
/// # Errors
///
/// As [`MtxReader::open`] and [`MtxReader::read_dense`] (a `coordinate` file is an error).
///
/// # Examples
///
/// ```
/// use matvec::io::mtx;
/// use matvec::Layout;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-dense-{}.mtx", std::process::id()));
/// std::fs::write(&path, "%%MatrixMarket matrix array real general\n2 1\n0.5\n-1e3\n")?;
/// let a = mtx::read_dense::<f64>(&path)?;
/// assert_eq!((a.layout(), a.data()), (Layout::ColMajor, &[0.5, -1000.0][..]));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_dense<T: Scalar>(path: impl AsRef<Path>) -> Result<Dense<T>> {
    MtxReader::open(path)?.read_dense()
}
