//! `MtxReader`: open a file (or any `BufRead`), look at its header, choose how to parse; and
//! the one-call readers built on it.

use super::header::{MtxHeader, read_header_lines};
use crate::error::{Error, Result};
use crate::par::Par;
use crate::{Coo, Csr, Dense, Index, Scalar};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

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
