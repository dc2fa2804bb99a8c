//! Matrix Market (`.mtx`): a streaming, parallel reader and an atomic writer.
//!
//! Matrix Market is the NIST text format in which every sparse collection (SuiteSparse,
//! the original Matrix Market) publishes its matrices. A file is a banner, comment lines, a
//! size line and the data:
//!
//! ```text
//! %%MatrixMarket matrix coordinate real symmetric
//! % any number of comment lines
//! 3 3 4            <- rows, columns, stored entries
//! 1 1 2.0          <- row, column, value (1-based)
//! 2 1 -1
//! 2 2 2.0
//! 3 3 1e-3
//! ```
//!
//! # What is read
//!
//! | banner word | accepted |
//! |---|---|
//! | object | `matrix` (`vector` is rejected) |
//! | format | `coordinate` (sparse triplets), `array` (dense, column-major, one value a line) |
//! | field | `real` (or `double`, as scipy accepts), `integer` (exact 64-bit integers, rounded once to `T`), `pattern` (every value 1, `coordinate` only); `complex` is rejected |
//! | symmetry | `general`, `symmetric`, `skew-symmetric`; `hermitian` is rejected |
//!
//! Start with [`read_csr`], [`read_coo`] or [`read_dense`], or open an [`MtxReader`] to look
//! at the [`MtxHeader`] first (also for any [`BufRead`], such as standard input). Which
//! reader accepts which format:
//!
//! | | `coordinate` file | `array` file |
//! |---|---|---|
//! | [`read_coo`] / [`read_csr`] | the triplets (duplicates summed by `into_csr`) | the nonzero values (exact zeros dropped, as `scipy.sparse.coo_array(mmread(f))` does) |
//! | [`read_dense`] | error (a sparse file's `rows × cols` is not proven by its data) | a column-major [`Dense`] |
//!
//! Conventions, matching `scipy.io.mmread` (fast_matrix_market) unless marked *stricter*:
//!
//! * Banner words are case-insensitive (*more lenient*: scipy wants `%%MatrixMarket`
//!   spelled so). Leading blanks are allowed.
//! * Comment lines (first non-blank character `%`) and blank lines are skipped anywhere after
//!   the banner (*more lenient*: scipy rejects them between data lines). Tokens are separated
//!   by spaces or tabs; `\r\n` line ends are accepted.
//! * `symmetric` and `skew-symmetric` files store one triangle: an entry `(i, j, v)` with
//!   `i ≠ j` also gives `(j, i, v)`, resp. `(j, i, -v)`, whichever triangle it is in. A
//!   diagonal entry of a skew-symmetric file is kept as written, as scipy does (the NIST
//!   specification says such files have none; a zero one is harmless). A symmetric or
//!   skew-symmetric matrix must be square (*stricter*: scipy reads a non-square one into
//!   garbage or an error later on).
//! * Duplicate coordinates are kept by [`read_coo`] and summed by [`Coo::into_csr`], hence by
//!   [`read_csr`] (as `scipy`'s `tocsr()` does). An entry and its mirror image stored in
//!   the same symmetric file are summed too.
//! * Values are parsed with Rust's `str::parse`, correctly rounded to `T` (an `f32` is parsed
//!   as `f32`, never through `f64`). `nan`, `inf`, `infinity` (any case, optionally signed)
//!   are accepted, as Python's `float()` and scipy accept them; out-of-range magnitudes become
//!   `±inf` or `±0`, as in Python. Hexadecimal (`0x10`), Fortran (`1.5D2`) and
//!   underscore (`1_000`) forms are errors (*stricter*: scipy silently reads the first two
//!   as `0` and `1.5`).
//! * `integer` values must be integers that fit `i64` (*stricter*: scipy truncates `1.5` to
//!   `1`).
//! * Every data line has exactly the tokens its format needs: 3 for `coordinate`
//!   `real`/`integer`, 2 for `pattern`, 1 for `array` (*stricter*: scipy ignores extra
//!   tokens, such as a value on a pattern line or a trailing `% comment`).
//! * A line longer than 1 MiB is an error unless it is a comment (which is skipped): no
//!   Matrix Market data line comes near that, and it bounds what one line can make the
//!   reader hold.
//!
//! # Errors
//!
//! Every problem with the text is an [`Error::Parse`] naming the file, the 1-based line and
//! what was expected; problems reading the file are [`Error::Io`]. No input makes the reader
//! panic, and no header makes it allocate: memory grows with the entries actually read, in
//! chunks (a size line claiming 10¹² entries costs nothing until they arrive), and the
//! first reservation for a file is capped by what its length can hold.
//!
//! # Speed
//!
//! The file is read in chunks of 1 MiB cut at line ends, never whole; batches of chunks are
//! parsed in parallel on the current rayon pool (see [`MtxReader::par`]) and appended in
//! file order, so the result is the same for any number of threads. `benches/mtx.rs`
//! measures it against `scipy.io.mmread`.
//!
//! # Writing
//!
//! [`write_csr`], [`write_coo`] (`coordinate real general`) and [`write_dense`] (`array real
//! general`) print every value in the shortest form that reads back to the same bits, to a
//! temporary file in the destination's directory that is renamed over the destination only
//! when complete.
//!
//! # Examples
//!
//! ```
//! use matvec::io::mtx;
//! use matvec::{Coo, MatVec};
//!
//! let dir = std::env::temp_dir().join(format!("matvec-doc-mtx-mod-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("a.mtx");
//! std::fs::write(
//!     &path,
//!     "%%MatrixMarket matrix coordinate real symmetric\n% a 2 x 2\n2 2 2\n1 1 4\n2 1 1.5\n",
//! )?;
//! let a = mtx::read_csr::<f64, u32>(&path)?;
//! assert_eq!(a.nnz(), 3); // (2, 1) was mirrored to (1, 2)
//! assert_eq!(a.matvec(&[1.0, 1.0]), vec![5.5, 1.5]);
//!
//! mtx::write_csr(&path, a.view())?; // `coordinate real general`, round-trip exact
//! assert_eq!(mtx::read_csr::<f64, u32>(&path)?, a);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{Error, Result};
use crate::io::npy::temp_path;
use crate::par::{self, Par};
use crate::{Coo, Csr, CsrView, Dense, DenseView, Index, Layout, Scalar};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Bytes of text a chunk holds (cut back to the last line end). Also the longest data line
/// accepted: no real Matrix Market line comes near it. Longer comment lines are skipped.
const CHUNK: usize = 1 << 20;

/// Smallest number of bytes a `coordinate` entry takes (`"1 1\n"`), and an `array` value
/// (`"1\n"`): what a file's length proves about how many entries it can hold.
const MIN_COORD_BYTES: u64 = 4;
const MIN_ARRAY_BYTES: u64 = 2;

/// Entries a writer formats per parallel block.
const WRITE_BLOCK: usize = 1 << 16;

/// `coordinate` (sparse triplets) or `array` (dense, column-major).
///
/// # Examples
///
/// ```
/// use matvec::io::mtx::{MtxFormat, MtxReader};
///
/// let r = MtxReader::new("%%MatrixMarket matrix array real general\n0 0\n".as_bytes(), "m")?;
/// assert_eq!(r.header().format, MtxFormat::Array);
/// assert_eq!(MtxFormat::Coordinate.to_string(), "coordinate");
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MtxFormat {
    /// `coordinate`: a size line `rows cols entries`, then one `row col [value]` a line.
    Coordinate,
    /// `array`: a size line `rows cols`, then the values in column-major order, one a line.
    Array,
}

/// The type of the values: `real`, `integer` or `pattern` (`complex` is not supported).
///
/// # Examples
///
/// ```
/// use matvec::io::mtx::{MtxField, MtxReader};
///
/// let text = "%%MatrixMarket matrix coordinate pattern general\n2 2 1\n2 1\n";
/// let r = MtxReader::new(text.as_bytes(), "m")?;
/// assert_eq!(r.header().field, MtxField::Pattern);
/// assert_eq!(r.read_coo::<f64, u32>()?.values(), [1.0]); // pattern entries are 1
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MtxField {
    /// `real`: floating-point values.
    Real,
    /// `integer`: integer values (read exactly as `i64`, then rounded to the element type).
    Integer,
    /// `pattern`: no values; every stored entry is 1.
    Pattern,
}

/// Which entries a file stores: all of them, or one triangle of a (skew-)symmetric matrix.
///
/// # Examples
///
/// ```
/// use matvec::io::mtx::{MtxReader, MtxSymmetry};
///
/// let text = "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 4\n";
/// let r = MtxReader::new(text.as_bytes(), "m")?;
/// assert_eq!(r.header().symmetry, MtxSymmetry::SkewSymmetric);
/// assert_eq!(r.read_coo::<f64, u32>()?.values(), [4.0, -4.0]); // (2, 1) and (1, 2)
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MtxSymmetry {
    /// `general`: every entry is stored.
    General,
    /// `symmetric`: `a[j][i] = a[i][j]`; one triangle is stored.
    Symmetric,
    /// `skew-symmetric`: `a[j][i] = -a[i][j]`; one strict triangle is stored.
    SkewSymmetric,
}

impl fmt::Display for MtxFormat {
    /// The banner word, as in `coordinate`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MtxFormat::Coordinate => "coordinate",
            MtxFormat::Array => "array",
        })
    }
}

impl fmt::Display for MtxField {
    /// The banner word, as in `real`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MtxField::Real => "real",
            MtxField::Integer => "integer",
            MtxField::Pattern => "pattern",
        })
    }
}

impl fmt::Display for MtxSymmetry {
    /// The banner word, as in `skew-symmetric`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MtxSymmetry::General => "general",
            MtxSymmetry::Symmetric => "symmetric",
            MtxSymmetry::SkewSymmetric => "skew-symmetric",
        })
    }
}

/// What a Matrix Market file's banner and size line say, before any data is read.
///
/// Nothing here has been checked against the data: `entries` is what the file *declares*.
///
/// # Examples
///
/// ```
/// use matvec::io::mtx::{MtxField, MtxFormat, MtxReader, MtxSymmetry};
///
/// let text = "%%MatrixMarket matrix coordinate pattern symmetric\n5 5 4\n";
/// let r = MtxReader::new(text.as_bytes(), "<memory>")?;
/// let h = r.header();
/// assert_eq!(
///     (h.format, h.field, h.symmetry, h.nrows, h.ncols, h.entries),
///     (MtxFormat::Coordinate, MtxField::Pattern, MtxSymmetry::Symmetric, 5, 5, 4)
/// );
/// assert_eq!(h.to_string(), "matrix coordinate pattern symmetric, 5 x 5, 4 entries");
/// # Ok::<(), matvec::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct MtxHeader {
    /// `coordinate` or `array`.
    pub format: MtxFormat,
    /// `real`, `integer` or `pattern`.
    pub field: MtxField,
    /// `general`, `symmetric` or `skew-symmetric`.
    pub symmetry: MtxSymmetry,
    /// Number of rows.
    pub nrows: usize,
    /// Number of columns.
    pub ncols: usize,
    /// Stored entries: the third number of a `coordinate` size line (lines of data, before
    /// any symmetric expansion), or the number of values an `array` file must hold
    /// (`rows × cols`, `n(n+1)/2` if symmetric, `n(n-1)/2` if skew-symmetric).
    pub entries: u64,
}

impl fmt::Display for MtxHeader {
    /// As in `matrix coordinate real general, 3 x 4, 5 entries`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "matrix {} {} {}, {} x {}, {} entries",
            self.format, self.field, self.symmetry, self.nrows, self.ncols, self.entries
        )
    }
}

fn parse_error(path: &Path, line: u64, message: impl Into<String>) -> Error {
    Error::parse(path, line, message)
}

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
    reader: R,
    path: PathBuf,
    header: MtxHeader,
    /// Line number of the size line (the data starts after it).
    size_line: u64,
    /// Bytes of the whole file, when known: an upper bound on what it can hold.
    file_len: Option<u64>,
    par: Par,
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
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
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
        for (dim, what) in [(h.nrows, "rows"), (h.ncols, "columns")] {
            if dim > I::MAX_DIM {
                return Err(parse_error(
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
        let min_bytes = match h.format {
            MtxFormat::Coordinate => MIN_COORD_BYTES,
            MtxFormat::Array => MIN_ARRAY_BYTES,
        };
        let proven = self.file_len.map_or(1 << 16, |len| len / min_bytes);
        let first = usize::try_from(h.entries.min(proven)).unwrap_or(usize::MAX);
        // Capacity is never grown past what the declared entries expand to.
        let limit = usize::try_from(h.entries)
            .unwrap_or(usize::MAX)
            .saturating_mul(if h.symmetry == MtxSymmetry::General {
                1
            } else {
                2
            });
        let mut trip = Triplets::<T, I> {
            rows: Vec::with_capacity(first),
            cols: Vec::with_capacity(first),
            vals: Vec::with_capacity(first),
            limit,
        };
        match h.format {
            MtxFormat::Coordinate => {
                self.read_data(|p: &Parsed<T, I>| {
                    trip.grow(p.vals.len());
                    trip.rows.extend_from_slice(&p.rows);
                    trip.cols.extend_from_slice(&p.cols);
                    trip.vals.extend_from_slice(&p.vals);
                })?;
            }
            MtxFormat::Array => {
                let mut pos = TrianglePos::new(h.symmetry);
                let sign = skew_sign::<T>(h.symmetry);
                let n = h.nrows;
                self.read_data(|p: &Parsed<T, I>| {
                    for &v in &p.vals {
                        let (i, j) = pos.get();
                        pos.advance(n);
                        if v == T::ZERO {
                            continue;
                        }
                        let (Some(ii), Some(jj)) = (I::try_from_index(i), I::try_from_index(j))
                        else {
                            continue; // unreachable: i, j < dims <= I::MAX_DIM
                        };
                        trip.grow(2);
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
            return Err(parse_error(
                &self.path,
                1,
                "read_dense reads `array` files; this is a `coordinate` (sparse) file: \
                 read it with read_csr (then Csr::to_dense if a dense copy is really wanted)",
            ));
        }
        let total = h.nrows.checked_mul(h.ncols).ok_or_else(|| {
            parse_error(
                &self.path,
                self.size_line,
                format!("{} x {} elements overflow usize", h.nrows, h.ncols),
            )
        })?;
        let proven = self.file_len.map_or(1 << 16, |len| len / MIN_ARRAY_BYTES);
        let first = usize::try_from(h.entries.min(proven)).unwrap_or(usize::MAX);
        let mut stored: Vec<T> = Vec::with_capacity(first);
        self.read_data(|p: &Parsed<T, u32>| stored.extend_from_slice(&p.vals))?;
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

    /// The data-reading loop, a three-stage pipeline over batches of chunks: while the rayon
    /// pool parses batch `k`, this thread checks and hands batch `k - 1` to `sink` (in file
    /// order) and reads batch `k + 1`.
    fn read_data<T: Scalar, I: Index>(
        &mut self,
        mut sink: impl FnMut(&Parsed<T, I>),
    ) -> Result<()> {
        let h = &self.header;
        let ctx = Ctx {
            format: h.format,
            field: h.field,
            symmetry: h.symmetry,
            nrows: h.nrows as u64,
            ncols: h.ncols as u64,
        };
        let threads = self.par.threads();
        let per_batch = if threads > 1 { 4 * threads } else { 1 };
        let new_batch = || Batch::<T, I> {
            jobs: (0..per_batch).map(|_| Job::default()).collect(),
            len: 0,
        };
        let mut check = Checker {
            path: &self.path,
            size_line: self.size_line,
            declared: h.entries,
            line: self.size_line,
            total: 0,
        };
        let reader = &mut self.reader;
        let mut chunker = Chunker::default();
        let mut to_parse = new_batch();
        chunker
            .fill_batch(reader, &mut to_parse)
            .map_err(|e| Error::io(check.path, e))?;
        let mut to_merge: Option<Batch<T, I>> = None;
        let mut spare = new_batch();
        let parse = |job: &mut Job<T, I>| {
            job.out.clear();
            parse_chunk(&job.text, &ctx, &mut job.out);
        };
        while to_parse.len > 0 || to_merge.is_some() {
            let (mut merged, mut read) = (Ok(()), Ok(()));
            overlap(self.par, &mut to_parse.jobs[..to_parse.len], &parse, || {
                if let Some(b) = &to_merge {
                    merged = check.merge(b, &mut sink);
                }
                if merged.is_ok() {
                    read = chunker.fill_batch(reader, &mut spare);
                }
            });
            merged?;
            read.map_err(|e| Error::io(check.path, e))?;
            // Rotate: parsed -> to merge, read -> to parse, merged -> spare.
            let parsed = std::mem::replace(&mut to_parse, spare);
            spare = to_merge.take().unwrap_or_else(new_batch);
            to_merge = (parsed.len > 0).then_some(parsed);
        }
        check.finish(h.format)
    }
}

/// Checks the parsed chunks in file order and keeps count of lines and entries.
struct Checker<'a> {
    path: &'a Path,
    size_line: u64,
    declared: u64,
    /// Last line handed over.
    line: u64,
    /// Entries (data lines) handed over.
    total: u64,
}

impl Checker<'_> {
    fn merge<T, I>(&mut self, b: &Batch<T, I>, sink: &mut impl FnMut(&Parsed<T, I>)) -> Result<()> {
        let (path, declared) = (self.path, self.declared);
        for job in &b.jobs[..b.len] {
            let p = &job.out;
            if self.total + p.entries > declared {
                let at = self.line + nth_data_line(&job.text, declared - self.total);
                return Err(parse_error(
                    path,
                    at,
                    format!(
                        "more entries than the {declared} declared by the size line (line {})",
                        self.size_line
                    ),
                ));
            }
            if let Some((l, msg)) = &p.err {
                return Err(parse_error(path, self.line + l, msg.clone()));
            }
            sink(p);
            self.total += p.entries;
            self.line += p.lines;
            if job.overlong {
                return Err(parse_error(
                    path,
                    self.line + 1,
                    format!(
                        "line is longer than {} MiB (not Matrix Market data)",
                        CHUNK >> 20
                    ),
                ));
            }
        }
        Ok(())
    }

    /// At the end of the file: were all the declared entries there?
    fn finish(&self, format: MtxFormat) -> Result<()> {
        if self.total < self.declared {
            let what = match format {
                MtxFormat::Coordinate => "entries",
                MtxFormat::Array => "values",
            };
            return Err(parse_error(
                self.path,
                self.line + 1,
                format!(
                    "file ends after {} of the {} {what} declared by the size line (line {})",
                    self.total, self.declared, self.size_line
                ),
            ));
        }
        Ok(())
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

// ---------------------------------------------------------------------------------------------
// Header

/// Result of reading one line with a bounded buffer.
enum LineRead {
    Eof,
    Line,
    /// Longer than `CHUNK`: the buffer holds its first `CHUNK` bytes.
    TooLong,
}

/// Reads one line (without its `\n`) into `buf`, keeping at most `CHUNK` bytes of it.
fn read_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>) -> std::io::Result<LineRead> {
    buf.clear();
    let (mut any, mut too_long) = (false, false);
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(match (any, too_long) {
                (false, _) => LineRead::Eof,
                (true, false) => LineRead::Line,
                (true, true) => LineRead::TooLong,
            });
        }
        any = true;
        let (take, newline) = match avail.iter().position(|&b| b == b'\n') {
            Some(k) => (k, true),
            None => (avail.len(), false),
        };
        let room = CHUNK.saturating_sub(buf.len());
        buf.extend_from_slice(&avail[..take.min(room)]);
        too_long |= take > room;
        r.consume(take + usize::from(newline));
        if newline {
            return Ok(if too_long {
                LineRead::TooLong
            } else {
                LineRead::Line
            });
        }
    }
}

/// The line for an error message: lossy UTF-8, shortened.
fn shown(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let s = s.trim();
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&b| is_blank(b) || b == b'\n')
        .filter(|t| !t.is_empty())
}

/// Parses the banner, skips comments, parses the size line; returns the header and the size
/// line's number.
fn read_header_lines<R: BufRead>(r: &mut R, path: &Path) -> Result<(MtxHeader, u64)> {
    let err = |line: u64, msg: String| parse_error(path, line, msg);
    let mut buf = Vec::new();
    const EXPECTED: &str = "'%%MatrixMarket matrix <coordinate|array> \
                            <real|integer|pattern> <general|symmetric|skew-symmetric>'";
    let first = read_line(r, &mut buf).map_err(|e| Error::io(path, e))?;
    if matches!(first, LineRead::Eof) {
        return Err(err(
            1,
            format!("empty file: expected the Matrix Market banner {EXPECTED}"),
        ));
    }
    let words: Vec<String> = tokens(&buf)
        .map(|t| String::from_utf8_lossy(t).to_ascii_lowercase())
        .collect();
    if words.first().map(String::as_str) != Some("%%matrixmarket") {
        return Err(err(
            1,
            format!(
                "not a Matrix Market file: the first line must be the banner {EXPECTED}, \
                 found '{}'",
                shown(&buf)
            ),
        ));
    }
    if words.len() != 5 {
        return Err(err(
            1,
            format!(
                "malformed banner: expected 4 words after %%MatrixMarket ({EXPECTED}), \
                 found {}: '{}'",
                words.len() - 1,
                shown(&buf)
            ),
        ));
    }
    match words[1].as_str() {
        "matrix" => {}
        "vector" => {
            return Err(err(
                1,
                "unsupported object 'vector': only 'matrix' files are read".into(),
            ));
        }
        other => {
            return Err(err(
                1,
                format!("malformed banner: unknown object '{other}' (expected 'matrix')"),
            ));
        }
    }
    let format = match words[2].as_str() {
        "coordinate" => MtxFormat::Coordinate,
        "array" => MtxFormat::Array,
        other => {
            return Err(err(
                1,
                format!(
                    "malformed banner: unknown format '{other}' (expected 'coordinate' or \
                     'array')"
                ),
            ));
        }
    };
    let field = match words[3].as_str() {
        "real" | "double" => MtxField::Real,
        "integer" => MtxField::Integer,
        "pattern" => MtxField::Pattern,
        "complex" => {
            return Err(err(
                1,
                "unsupported field 'complex': only real, integer and pattern matrices are read"
                    .into(),
            ));
        }
        other => {
            return Err(err(
                1,
                format!(
                    "malformed banner: unknown field '{other}' (expected 'real', 'integer' or \
                     'pattern')"
                ),
            ));
        }
    };
    let symmetry = match words[4].as_str() {
        "general" => MtxSymmetry::General,
        "symmetric" => MtxSymmetry::Symmetric,
        "skew-symmetric" => MtxSymmetry::SkewSymmetric,
        "hermitian" => {
            return Err(err(
                1,
                "unsupported symmetry 'hermitian' (a complex matrix): only general, symmetric \
                 and skew-symmetric matrices are read"
                    .into(),
            ));
        }
        other => {
            return Err(err(
                1,
                format!(
                    "malformed banner: unknown symmetry '{other}' (expected 'general', \
                     'symmetric' or 'skew-symmetric')"
                ),
            ));
        }
    };
    if format == MtxFormat::Array && field == MtxField::Pattern {
        return Err(err(
            1,
            "malformed banner: an 'array' file cannot be 'pattern'".into(),
        ));
    }

    // Comments and blank lines, then the size line.
    let mut line = 1u64;
    loop {
        line += 1;
        match read_line(r, &mut buf).map_err(|e| Error::io(path, e))? {
            LineRead::Eof => {
                return Err(err(line, "file ends before the size line".into()));
            }
            LineRead::TooLong if first_nonblank(&buf) != Some(b'%') => {
                return Err(err(
                    line,
                    format!("line is longer than {} MiB", CHUNK >> 20),
                ));
            }
            _ => {}
        }
        match first_nonblank(&buf) {
            None | Some(b'%') => continue,
            Some(_) => break,
        }
    }
    let want = match format {
        MtxFormat::Coordinate => 3,
        MtxFormat::Array => 2,
    };
    let toks: Vec<&[u8]> = tokens(&buf).collect();
    let what = match format {
        MtxFormat::Coordinate => "3 numbers (rows, columns, entries) for a coordinate file",
        MtxFormat::Array => "2 numbers (rows, columns) for an array file",
    };
    if toks.len() != want {
        return Err(err(
            line,
            format!(
                "size line: expected {what}, found {} tokens: '{}'",
                toks.len(),
                shown(&buf)
            ),
        ));
    }
    let mut nums = [0u64; 3];
    for (k, t) in toks.iter().enumerate() {
        nums[k] = match parse_u64(t) {
            Some(n) => n,
            None => {
                return Err(err(
                    line,
                    format!(
                        "size line: '{}' is not a non-negative integer (expected {what})",
                        shown(t)
                    ),
                ));
            }
        };
    }
    let dim = |n: u64, what: &str| {
        usize::try_from(n)
            .map_err(|_| err(line, format!("size line: {n} {what} do not fit in usize")))
    };
    let nrows = dim(nums[0], "rows")?;
    let ncols = dim(nums[1], "columns")?;
    if symmetry != MtxSymmetry::General && nrows != ncols {
        return Err(err(
            line,
            format!("a {symmetry} matrix must be square, the size line says {nrows} x {ncols}"),
        ));
    }
    let entries = match format {
        MtxFormat::Coordinate => Some(nums[2]),
        MtxFormat::Array => {
            let n = nums[0];
            match symmetry {
                MtxSymmetry::General => nums[0].checked_mul(nums[1]),
                MtxSymmetry::Symmetric => n.checked_mul(n.saturating_add(1)).map(|x| x / 2),
                MtxSymmetry::SkewSymmetric => n.checked_mul(n.saturating_sub(1)).map(|x| x / 2),
            }
        }
    }
    .ok_or_else(|| {
        err(
            line,
            format!("size line: an array of {nrows} x {ncols} values is too large"),
        )
    })?;
    Ok((
        MtxHeader {
            format,
            field,
            symmetry,
            nrows,
            ncols,
            entries,
        },
        line,
    ))
}

// ---------------------------------------------------------------------------------------------
// Chunks

/// Cuts a stream into chunks of about `CHUNK` bytes that end at a line end (the last one may
/// end at the end of the file without one).
#[derive(Default)]
struct Chunker {
    /// The start of a line that did not fit the previous chunk.
    carry: Vec<u8>,
    eof: bool,
    /// Skipping the rest of a comment line longer than `CHUNK`.
    discard: bool,
}

impl Chunker {
    fn done(&self) -> bool {
        self.eof && self.carry.is_empty()
    }

    /// Fills `text` with the next chunk. Returns `true` if the next line is longer than
    /// `CHUNK` and is not a comment (`text` then holds the lines before it, and reading stops).
    fn fill<R: Read>(&mut self, r: &mut R, text: &mut Vec<u8>) -> std::io::Result<bool> {
        text.clear();
        std::mem::swap(text, &mut self.carry);
        if self.discard {
            // `text` (the carry) is empty: skip to the end of the long comment line.
            loop {
                if read_more(r, text, CHUNK)? == 0 {
                    self.eof = true;
                    self.discard = false;
                    return Ok(false);
                }
                if let Some(k) = text.iter().position(|&b| b == b'\n') {
                    text.drain(..=k);
                    self.discard = false;
                    break;
                }
                text.clear();
            }
        }
        while text.len() < CHUNK && !self.eof {
            let want = CHUNK - text.len();
            if read_more(r, text, want)? < want {
                self.eof = true;
            }
        }
        if self.eof {
            return Ok(false);
        }
        match text.iter().rposition(|&b| b == b'\n') {
            Some(k) => {
                self.carry.extend_from_slice(&text[k + 1..]);
                text.truncate(k + 1);
                Ok(false)
            }
            None if first_nonblank(text) == Some(b'%') => {
                // One comment line of more than CHUNK bytes: keep it as "%\n" (still one
                // line) and drop the rest of it on the next call.
                text.clear();
                text.extend_from_slice(b"%\n");
                self.discard = true;
                Ok(false)
            }
            None => {
                text.clear();
                self.eof = true;
                Ok(true)
            }
        }
    }
}

impl Chunker {
    /// Fills the jobs of `b` with the next chunks, stopping at the end of the file or at an
    /// overlong line; `b.len` is how many were filled.
    fn fill_batch<R: Read, T, I>(&mut self, r: &mut R, b: &mut Batch<T, I>) -> std::io::Result<()> {
        b.len = 0;
        for job in b.jobs.iter_mut() {
            if self.done() {
                break;
            }
            job.overlong = self.fill(r, &mut job.text)?;
            b.len += 1;
            if job.overlong {
                break;
            }
        }
        Ok(())
    }
}

/// Appends up to `want` bytes from `r` to `buf`; fewer only at the end of the stream.
fn read_more<R: Read>(r: &mut R, buf: &mut Vec<u8>, want: usize) -> std::io::Result<usize> {
    buf.reserve(want);
    r.by_ref().take(want as u64).read_to_end(buf)
}

/// Runs `parse` on every job on the current rayon pool (under `Par::Rayon`) while `main` runs
/// on this thread; returns when all are done. Sequentially (jobs first) otherwise.
fn overlap<J: Send>(
    par: Par,
    jobs: &mut [J],
    parse: &(impl Fn(&mut J) + Sync),
    main: impl FnOnce(),
) {
    #[cfg(feature = "rayon")]
    if par == Par::Rayon && par.threads() > 1 {
        rayon::in_place_scope(|s| {
            for job in jobs.iter_mut() {
                s.spawn(move |_| parse(job));
            }
            main();
        });
        return;
    }
    let _ = par;
    jobs.iter_mut().for_each(parse);
    main();
}

/// Runs `f` on every job, in parallel under `Par::Rayon`.
fn for_each_parallel<J: Send>(par: Par, jobs: &mut [J], f: &(impl Fn(&mut J) + Sync)) {
    match jobs.len() {
        0 => {}
        1 => f(&mut jobs[0]),
        n => {
            let (a, b) = jobs.split_at_mut(n / 2);
            par::join(
                par,
                || for_each_parallel(par, a, f),
                || for_each_parallel(par, b, f),
            );
        }
    }
}

/// Chunks read together and parsed in parallel; `jobs[..len]` are in use.
struct Batch<T, I> {
    jobs: Vec<Job<T, I>>,
    len: usize,
}

/// A chunk of text and what parsing it gave.
struct Job<T, I> {
    text: Vec<u8>,
    overlong: bool,
    out: Parsed<T, I>,
}

impl<T, I> Default for Job<T, I> {
    fn default() -> Self {
        Job {
            text: Vec::new(),
            overlong: false,
            out: Parsed {
                rows: Vec::new(),
                cols: Vec::new(),
                vals: Vec::new(),
                entries: 0,
                lines: 0,
                err: None,
            },
        }
    }
}

/// The entries of one chunk: triplets (coordinate, symmetric ones expanded) or values in file
/// order (array), the data lines and all lines read, and the first error (chunk-relative
/// line, message).
struct Parsed<T, I> {
    rows: Vec<I>,
    cols: Vec<I>,
    vals: Vec<T>,
    entries: u64,
    lines: u64,
    err: Option<(u64, String)>,
}

impl<T, I> Parsed<T, I> {
    fn clear(&mut self) {
        self.rows.clear();
        self.cols.clear();
        self.vals.clear();
        self.entries = 0;
        self.lines = 0;
        self.err = None;
    }
}

/// The triplets being gathered by `read_coo`.
struct Triplets<T, I> {
    rows: Vec<I>,
    cols: Vec<I>,
    vals: Vec<T>,
    /// Capacity never exceeds this (the declared entries, expanded), unless the data does.
    limit: usize,
}

impl<T, I> Triplets<T, I> {
    /// Makes room for `additional` more, growing geometrically but not past `limit`.
    fn grow(&mut self, additional: usize) {
        let (len, cap) = (self.vals.len(), self.vals.capacity());
        if cap - len >= additional {
            return;
        }
        let need = len.saturating_add(additional);
        let want = need.max(self.limit.min(cap.saturating_mul(2)));
        self.rows.reserve_exact(want - len);
        self.cols.reserve_exact(want - len);
        self.vals.reserve_exact(want - len);
    }

    fn push(&mut self, i: I, j: I, v: T) {
        self.rows.push(i);
        self.cols.push(j);
        self.vals.push(v);
    }
}

/// Position `(row, col)` in the stored part of an `array` file, in column-major order.
struct TrianglePos {
    i: usize,
    j: usize,
    /// 0 for general, 0 for symmetric (from the diagonal), 1 for skew-symmetric (below it).
    start: Option<usize>,
}

impl TrianglePos {
    fn new(symmetry: MtxSymmetry) -> Self {
        let start = match symmetry {
            MtxSymmetry::General => None,
            MtxSymmetry::Symmetric => Some(0),
            MtxSymmetry::SkewSymmetric => Some(1),
        };
        TrianglePos {
            i: start.unwrap_or(0),
            j: 0,
            start,
        }
    }

    fn get(&self) -> (usize, usize) {
        (self.i, self.j)
    }

    /// Next position in a matrix of `nrows` rows.
    fn advance(&mut self, nrows: usize) {
        self.i += 1;
        if self.i >= nrows {
            self.j += 1;
            self.i = self.j + self.start.unwrap_or(0);
            if self.start.is_none() {
                self.i = 0;
            }
        }
    }
}

fn skew_sign<T: Scalar>(symmetry: MtxSymmetry) -> T {
    if symmetry == MtxSymmetry::SkewSymmetric {
        -T::ONE
    } else {
        T::ONE
    }
}

// ---------------------------------------------------------------------------------------------
// Line parsing

/// What the parser needs to know about the file.
#[derive(Clone, Copy)]
struct Ctx {
    format: MtxFormat,
    field: MtxField,
    symmetry: MtxSymmetry,
    nrows: u64,
    ncols: u64,
}

#[inline(always)]
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

fn first_nonblank(line: &[u8]) -> Option<u8> {
    line.iter().copied().find(|&b| !is_blank(b))
}

/// Line number (1-based, relative to `text`) of the data line with 0-based number `k`.
fn nth_data_line(text: &[u8], k: u64) -> u64 {
    let mut seen = 0;
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        if !matches!(first_nonblank(line), None | Some(b'%')) {
            if seen == k {
                return n as u64 + 1;
            }
            seen += 1;
        }
    }
    1 // unreachable: the chunk has more than `k` data lines
}

/// A non-negative decimal integer (digits only), or `None` (also on overflow).
fn parse_u64(t: &[u8]) -> Option<u64> {
    if t.is_empty() || t.len() > 20 {
        return None;
    }
    let mut n = 0u64;
    for &b in t {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(d as u64)?;
    }
    Some(n)
}

/// A `real` value, correctly rounded to `T`.
#[inline]
fn parse_real<T: Scalar>(t: &[u8]) -> Option<T> {
    real_from_str(std::str::from_utf8(t).ok()?)
}

#[inline]
fn real_from_str<T: Scalar>(s: &str) -> Option<T> {
    if std::mem::size_of::<T>() == 4 {
        // Parsed as f32 directly: through f64 would round twice. `from_f64` of an f32 is exact.
        s.parse::<f32>().ok().map(|x| T::from_f64(f64::from(x)))
    } else {
        s.parse::<f64>().ok().map(T::from_f64)
    }
}

/// An `integer` value (optional sign, digits, within `i64`), rounded once to `T`.
#[inline]
fn parse_integer<T: Scalar>(t: &[u8]) -> Option<T> {
    let (neg, digits) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let m = parse_u64(digits)?;
    let v: i64 = if neg {
        0i64.checked_sub_unsigned(m)?
    } else {
        i64::try_from(m).ok()?
    };
    Some(if std::mem::size_of::<T>() == 4 {
        T::from_f64(f64::from(v as f32))
    } else {
        T::from_f64(v as f64)
    })
}

#[inline]
fn parse_value<T: Scalar>(field: MtxField, t: &[u8]) -> Option<T> {
    match field {
        MtxField::Real => parse_real(t),
        MtxField::Integer => parse_integer(t),
        MtxField::Pattern => Some(T::ONE),
    }
}

/// The value token `t[r]`; `s` is `t` as text when the whole chunk is UTF-8 (checking it
/// once per chunk rather than once per token).
#[inline(always)]
fn value_at<T: Scalar>(field: MtxField, t: &[u8], s: Option<&str>, r: Range<usize>) -> Option<T> {
    match (field, s) {
        (MtxField::Real, Some(s)) => real_from_str(s.get(r)?),
        _ => parse_value(field, &t[r]),
    }
}

/// The digits at `t[p..]` as a number and the position after them; `None` if there are no
/// digits, more than 18 (leave those to the slow path), or they are followed by something
/// other than a blank or a line end.
#[inline(always)]
fn digits_at(t: &[u8], mut p: usize) -> Option<(u64, usize)> {
    let start = p;
    let mut n = 0u64;
    while p < t.len() {
        let d = t[p].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        n = n * 10 + d as u64;
        p += 1;
        if p - start > 18 {
            return None;
        }
    }
    if p == start || (p < t.len() && !is_blank(t[p]) && t[p] != b'\n') {
        return None;
    }
    Some((n, p))
}

/// The first position at or after `p` holding a byte `<= b' '` (every blank and line end is
/// one; so are other control characters, which the caller then rejects), or `t.len()`.
/// Eight bytes at a time: tokens are ~20 bytes long.
#[inline(always)]
fn token_end(t: &[u8], mut p: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    while let Some(word) = t.get(p..p + 8) {
        let x = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        // High bit set in the bytes < 0x21 (exact for the lowest such byte).
        let low = x.wrapping_sub(ONES * 0x21) & !x & HIGH;
        if low != 0 {
            return p + (low.trailing_zeros() / 8) as usize;
        }
        p += 8;
    }
    while p < t.len() && t[p] > b' ' {
        p += 1;
    }
    p
}

#[inline(always)]
fn skip_blanks(t: &[u8], mut p: usize) -> usize {
    while p < t.len() && is_blank(t[p]) {
        p += 1;
    }
    p
}

#[inline(always)]
fn at_line_end(t: &[u8], p: usize) -> bool {
    p == t.len() || t[p] == b'\n'
}

/// Parses the lines of `text` into `out`, stopping at the first error.
fn parse_chunk<T: Scalar, I: Index>(text: &[u8], ctx: &Ctx, out: &mut Parsed<T, I>) {
    let n = text.len();
    let s = std::str::from_utf8(text).ok();
    let mut p = 0;
    while p < n {
        out.lines += 1;
        p = skip_blanks(text, p);
        if p == n {
            break;
        }
        match text[p] {
            b'\n' => {
                p += 1;
                continue;
            }
            b'%' => {
                p = text[p..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(n, |k| p + k + 1);
                continue;
            }
            _ => {}
        }
        let next = match ctx.format {
            MtxFormat::Coordinate => fast_coordinate(text, s, p, ctx, out),
            MtxFormat::Array => fast_array(text, s, p, ctx, out),
        };
        p = match next {
            Some(q) => q,
            None => {
                // Anything unusual: the general (slow) parser, which also explains errors.
                let end = text[p..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(n, |k| p + k);
                if let Err(msg) = slow_line(&text[p..end], ctx, out) {
                    out.err = Some((out.lines, msg));
                    return;
                }
                (end + 1).min(n)
            }
        };
        out.entries += 1;
    }
}

/// Stores one coordinate entry (1-based, checked indices), mirrored if the file is
/// symmetric.
#[inline(always)]
fn store<T: Scalar, I: Index>(ctx: &Ctx, r: u64, c: u64, v: T, out: &mut Parsed<T, I>) -> bool {
    if r == 0 || c == 0 || r > ctx.nrows || c > ctx.ncols {
        return false;
    }
    let (Some(i), Some(j)) = (
        I::try_from_index((r - 1) as usize),
        I::try_from_index((c - 1) as usize),
    ) else {
        return false;
    };
    out.rows.push(i);
    out.cols.push(j);
    out.vals.push(v);
    if r != c {
        match ctx.symmetry {
            MtxSymmetry::General => {}
            MtxSymmetry::Symmetric => {
                out.rows.push(j);
                out.cols.push(i);
                out.vals.push(v);
            }
            MtxSymmetry::SkewSymmetric => {
                out.rows.push(j);
                out.cols.push(i);
                out.vals.push(-v);
            }
        }
    }
    true
}

/// The common case of a coordinate line: `digits blanks digits [blanks value] [blanks]`.
/// Returns the position after the line, or `None` (nothing stored) for the slow path.
#[inline(always)]
fn fast_coordinate<T: Scalar, I: Index>(
    t: &[u8],
    s: Option<&str>,
    p: usize,
    ctx: &Ctx,
    out: &mut Parsed<T, I>,
) -> Option<usize> {
    let (r, p) = digits_at(t, p)?;
    let p = skip_blanks(t, p);
    let (c, mut p) = digits_at(t, p)?;
    let v = if ctx.field == MtxField::Pattern {
        T::ONE
    } else {
        p = skip_blanks(t, p);
        let start = p;
        p = token_end(t, p);
        value_at(ctx.field, t, s, start..p)?
    };
    let p = skip_blanks(t, p);
    if !at_line_end(t, p) || !store(ctx, r, c, v, out) {
        return None;
    }
    Some((p + 1).min(t.len()))
}

/// The common case of an array line: one value token.
#[inline(always)]
fn fast_array<T: Scalar, I: Index>(
    t: &[u8],
    s: Option<&str>,
    mut p: usize,
    ctx: &Ctx,
    out: &mut Parsed<T, I>,
) -> Option<usize> {
    let start = p;
    p = token_end(t, p);
    let v = value_at(ctx.field, t, s, start..p)?;
    let p = skip_blanks(t, p);
    if !at_line_end(t, p) {
        return None;
    }
    out.vals.push(v);
    Some((p + 1).min(t.len()))
}

/// Parses one data line (no `\n`) in full generality, storing its entry, or says precisely
/// what is wrong with it.
fn slow_line<T: Scalar, I: Index>(
    line: &[u8],
    ctx: &Ctx,
    out: &mut Parsed<T, I>,
) -> std::result::Result<(), String> {
    let toks: Vec<&[u8]> = tokens(line).collect();
    let value_err = |t: &[u8]| match ctx.field {
        MtxField::Integer => {
            let digits = t.strip_prefix(b"-").or(t.strip_prefix(b"+")).unwrap_or(t);
            if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
                format!("integer value '{}' does not fit 64 bits", shown(t))
            } else {
                format!(
                    "value '{}' is not an integer (the field is 'integer')",
                    shown(t)
                )
            }
        }
        _ => format!("value '{}' is not a real number", shown(t)),
    };
    if ctx.format == MtxFormat::Array {
        if toks.len() != 1 {
            return Err(format!(
                "expected 1 token (a value) per line of an array file, found {}: '{}'",
                toks.len(),
                shown(line)
            ));
        }
        let v = parse_value::<T>(ctx.field, toks[0]).ok_or_else(|| value_err(toks[0]))?;
        out.vals.push(v);
        return Ok(());
    }
    let want = if ctx.field == MtxField::Pattern { 2 } else { 3 };
    if toks.len() != want {
        let what = if want == 2 {
            "2 tokens (row, column) for a pattern matrix"
        } else {
            "3 tokens (row, column, value)"
        };
        return Err(format!(
            "expected {what}, found {}: '{}'",
            toks.len(),
            shown(line)
        ));
    }
    let mut idx = [0u64; 2];
    for (k, (what, dim)) in [("row", ctx.nrows), ("column", ctx.ncols)]
        .into_iter()
        .enumerate()
    {
        let t = toks[k];
        let i = parse_u64(t).ok_or_else(|| {
            if !t.is_empty() && t.iter().all(u8::is_ascii_digit) {
                format!(
                    "{what} index '{}' is far out of range (the matrix has {dim} {what}s)",
                    shown(t)
                )
            } else {
                format!("{what} index '{}' is not a positive integer", shown(t))
            }
        })?;
        if i == 0 {
            return Err(format!(
                "{what} index 0 is out of range: indices are 1-based (the matrix has {dim} {what}s)"
            ));
        }
        if i > dim {
            return Err(format!(
                "{what} index {i} is out of range: the matrix has {dim} {what}s"
            ));
        }
        idx[k] = i;
    }
    let v = if want == 2 {
        T::ONE
    } else {
        parse_value::<T>(ctx.field, toks[2]).ok_or_else(|| value_err(toks[2]))?
    };
    if store(ctx, idx[0], idx[1], v, out) {
        Ok(())
    } else {
        Err("index does not fit the index type".into()) // unreachable: dims fit I
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// A temporary file next to `path`, renamed over it by `commit`, removed if dropped before.
struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    fn create(path: &Path) -> Result<Self> {
        let tmp = temp_path(path);
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            file: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    fn writer(&mut self) -> &mut BufWriter<File> {
        self.file
            .as_mut()
            .expect("the file is present until commit or drop")
    }

    fn commit(mut self) -> Result<()> {
        let w = self
            .file
            .take()
            .expect("the file is present until commit or drop");
        let file = w
            .into_inner()
            .map_err(|e| Error::io(&self.tmp, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.tmp, e))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        self.tmp = PathBuf::new();
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        drop(self.file.take());
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Entries `range` of a file being written, and their text.
struct Block {
    range: Range<usize>,
    buf: Vec<u8>,
}

/// Writes the banner, the size line and `total` entries formatted by `fmt(range, buf)` (in
/// blocks, formatted in parallel on the current rayon pool, written in order) to `path`
/// through a temporary file.
fn write_file(
    path: &Path,
    banner: &str,
    size: &str,
    total: usize,
    fmt: impl Fn(Range<usize>, &mut Vec<u8>) + Sync,
) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    let tmp = f.tmp.clone();
    let io = |e| Error::io(&tmp, e);
    let w = f.writer();
    writeln!(w, "%%MatrixMarket matrix {banner}").map_err(io)?;
    writeln!(w, "{size}").map_err(io)?;
    let par = Par::default();
    let batch = 2 * par.threads().max(1);
    let mut blocks: Vec<Block> = (0..batch)
        .map(|_| Block {
            range: 0..0,
            buf: Vec::new(),
        })
        .collect();
    let mut next = 0;
    while next < total {
        let mut used = 0;
        for b in blocks.iter_mut() {
            if next >= total {
                break;
            }
            let end = total.min(next + WRITE_BLOCK);
            b.range = next..end;
            next = end;
            used += 1;
        }
        for_each_parallel(par, &mut blocks[..used], &|b: &mut Block| {
            b.buf.clear();
            fmt(b.range.clone(), &mut b.buf);
        });
        for b in &blocks[..used] {
            w.write_all(&b.buf).map_err(io)?;
        }
    }
    f.commit()
}

/// Appends `n` in decimal.
#[inline]
fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut k = tmp.len();
    loop {
        k -= 1;
        tmp[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[k..]);
}

/// Appends `v` in the shortest decimal form that parses back to the same `T` (Rust's
/// shortest round-trip printing; exponent notation for very large or small magnitudes, where
/// plain notation would print hundreds of digits).
#[inline]
fn push_value<T: Scalar>(buf: &mut Vec<u8>, v: T) {
    let x = v.to_f64();
    let a = x.abs();
    let plain = a == 0.0 || !a.is_finite() || (1e-5..1e16).contains(&a);
    // Writing to a Vec cannot fail.
    let _ = if std::mem::size_of::<T>() == 4 {
        let x = x as f32; // exact: `x` came from an f32
        if plain {
            write!(buf, "{x}")
        } else {
            write!(buf, "{x:e}")
        }
    } else if plain {
        write!(buf, "{x}")
    } else {
        write!(buf, "{x:e}")
    };
}

#[inline]
fn push_entry<T: Scalar>(buf: &mut Vec<u8>, i: usize, j: usize, v: T) {
    push_u64(buf, i as u64 + 1);
    buf.push(b' ');
    push_u64(buf, j as u64 + 1);
    buf.push(b' ');
    push_value(buf, v);
    buf.push(b'\n');
}

/// Writes `a` to `path` as `coordinate real general`, one line a stored entry in row order
/// (explicit zeros included), values printed to round-trip exactly.
///
/// The file is written to a temporary file in the same directory, synced, and renamed to
/// `path` only when complete; on error no file is left under either name.
///
/// # Errors
///
/// [`Error::Io`] if the temporary file cannot be created, written, synced or renamed.
///
/// # Examples
///
/// ```
/// use matvec::io::mtx;
/// use matvec::Csr;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-wcsr-{}.mtx", std::process::id()));
/// let a = Csr::<f64>::try_new(2, 3, vec![0, 1, 2], vec![2, 0], vec![0.1, -1e300])?;
/// mtx::write_csr(&path, a.view())?;
/// assert_eq!(
///     std::fs::read_to_string(&path)?,
///     "%%MatrixMarket matrix coordinate real general\n2 3 2\n1 3 0.1\n2 1 -1e300\n"
/// );
/// assert_eq!(mtx::read_csr::<f64, u32>(&path)?, a);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_csr<T: Scalar, I: Index>(path: impl AsRef<Path>, a: CsrView<'_, T, I>) -> Result<()> {
    let (ptr, idx, val) = (a.row_ptr(), a.col_idx(), a.values());
    write_file(
        path.as_ref(),
        "coordinate real general",
        &format!("{} {} {}", a.nrows(), a.ncols(), a.nnz()),
        a.nnz(),
        |range, buf| {
            // The row holding entry `range.start`: the last row starting at or before it.
            let mut row = ptr.partition_point(|&p| p <= range.start).saturating_sub(1);
            for k in range {
                while ptr[row + 1] <= k {
                    row += 1;
                }
                push_entry(buf, row, idx[k].index(), val[k]);
            }
        },
    )
}

/// Writes `a` to `path` as `coordinate real general`, one line a triplet in storage order
/// (duplicates included: readers sum them), values printed to round-trip exactly.
///
/// Written through a temporary file renamed when complete, as [`write_csr`].
///
/// # Errors
///
/// [`Error::Io`] if the temporary file cannot be created, written, synced or renamed.
///
/// # Examples
///
/// ```
/// use matvec::io::mtx;
/// use matvec::Coo;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-wcoo-{}.mtx", std::process::id()));
/// let mut a = Coo::<f32>::new(2, 2);
/// a.push(1, 0, 0.1);
/// a.push(1, 0, 2.5);
/// mtx::write_coo(&path, &a)?;
/// assert_eq!(mtx::read_coo::<f32, u32>(&path)?, a);
/// assert_eq!(mtx::read_csr::<f32, u32>(&path)?.values(), [2.6]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_coo<T: Scalar, I: Index>(path: impl AsRef<Path>, a: &Coo<T, I>) -> Result<()> {
    let (rows, cols, vals) = (a.rows(), a.cols(), a.values());
    write_file(
        path.as_ref(),
        "coordinate real general",
        &format!("{} {} {}", a.nrows(), a.ncols(), a.nnz()),
        a.nnz(),
        |range, buf| {
            for k in range {
                push_entry(buf, rows[k].index(), cols[k].index(), vals[k]);
            }
        },
    )
}

/// Writes `a` to `path` as `array real general`: every element, column by column, one a
/// line, printed to round-trip exactly (whatever `a`'s layout).
///
/// Written through a temporary file renamed when complete, as [`write_csr`].
///
/// # Errors
///
/// [`Error::Io`] if the temporary file cannot be created, written, synced or renamed.
///
/// # Examples
///
/// ```
/// use matvec::io::mtx;
/// use matvec::DenseView;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-wdense-{}.mtx", std::process::id()));
/// let a = DenseView::row_major(2, 2, &[1.0, 2.0, 3.0, 4.0])?;
/// mtx::write_dense(&path, a)?;
/// assert_eq!(
///     std::fs::read_to_string(&path)?,
///     "%%MatrixMarket matrix array real general\n2 2\n1\n3\n2\n4\n"
/// );
/// assert_eq!(mtx::read_dense::<f64>(&path)?.data(), [1.0, 3.0, 2.0, 4.0]); // column-major
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_dense<T: Scalar>(path: impl AsRef<Path>, a: DenseView<'_, T>) -> Result<()> {
    let (m, n) = (a.nrows(), a.ncols());
    let total = m.checked_mul(n).unwrap_or(0); // a view's data holds m * n elements
    let data = a.data();
    write_file(
        path.as_ref(),
        "array real general",
        &format!("{m} {n}"),
        total,
        |range, buf| {
            for k in range {
                let (i, j) = (k % m, k / m);
                let v = match a.layout() {
                    Layout::ColMajor => data[k],
                    Layout::RowMajor => data[i * n + j],
                };
                push_value(buf, v);
                buf.push(b'\n');
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mtx_triangle_positions_walk_column_major() {
        let walk = |s, n: usize, count: usize| {
            let mut p = TrianglePos::new(s);
            (0..count)
                .map(|_| {
                    let x = p.get();
                    p.advance(n);
                    x
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            walk(MtxSymmetry::General, 2, 4),
            [(0, 0), (1, 0), (0, 1), (1, 1)]
        );
        assert_eq!(
            walk(MtxSymmetry::Symmetric, 3, 6),
            [(0, 0), (1, 0), (2, 0), (1, 1), (2, 1), (2, 2)]
        );
        assert_eq!(
            walk(MtxSymmetry::SkewSymmetric, 3, 3),
            [(1, 0), (2, 0), (2, 1)]
        );
    }

    #[test]
    fn mtx_values_print_shortest_round_trip() {
        for x in [
            0.1f64,
            -0.0,
            1e-5,
            9.999e15,
            1e16,
            1e-300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            1.0 / 3.0,
        ] {
            let mut b = Vec::new();
            push_value(&mut b, x);
            let s = String::from_utf8(b).unwrap();
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{s}");
            assert!(s.len() <= 24, "{s}");
        }
        let mut b = Vec::new();
        push_value(&mut b, 0.1f32);
        assert_eq!(b, b"0.1");
    }

    #[test]
    fn mtx_integers_parse_exactly_or_not_at_all() {
        assert_eq!(
            parse_integer::<f64>(b"-9223372036854775808"),
            Some(-9.223372036854776e18)
        );
        assert_eq!(parse_integer::<f64>(b"9223372036854775808"), None);
        assert_eq!(parse_integer::<f64>(b"+12"), Some(12.0));
        assert_eq!(parse_integer::<f64>(b"1.5"), None);
        assert_eq!(parse_integer::<f64>(b"-"), None);
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
    }
}
