//! Errors for data that does not form a valid matrix.
//!
//! The policy (after sprs's `Guidelines.rst`): a *programmer* error — vectors whose lengths do
//! not match the matrix, an index out of range passed to `Coo::push` — panics with a message
//! naming the shapes. *Data* errors — raw parts that do not form a matrix, and (in later
//! modules) files that cannot be read — return [`Error`], which says where and what.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Result type of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with data handed to the crate.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The raw parts of a compressed (CSR or CSC) or coordinate matrix are inconsistent.
    Structure {
        /// `"CSR"`, `"CSC"` or `"COO"`.
        format: &'static str,
        /// What is wrong, and where.
        problem: StructureError,
    },
    /// A dense array does not hold `nrows × ncols` elements.
    DenseLength {
        /// Rows requested.
        nrows: usize,
        /// Columns requested.
        ncols: usize,
        /// Elements found.
        found: usize,
    },
    /// A layout that a zero-copy conversion cannot view without copying.
    Layout(String),
    /// The operating system refused an operation on a file.
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said (shared, so that `Error` stays `Clone`).
        source: Arc<std::io::Error>,
    },
    /// A text file (Matrix Market) has a syntax or content error on a given line.
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What was expected and what was found.
        message: String,
    },
    /// A file is not what it claims to be, or holds something the crate does not support.
    Format {
        /// The file.
        path: PathBuf,
        /// Byte offset of the problem in the file, where one applies.
        offset: Option<u64>,
        /// What was expected and what was found.
        message: String,
    },
    /// A matrix does not fit a compact storage format (for example
    /// [`PatternCsr`](crate::PatternCsr): too many distinct row patterns); the matrix is fine,
    /// keep it in [`Csr`](crate::Csr).
    DoesNotFit {
        /// The format, as in `"PatternCsr"`.
        format: &'static str,
        /// Why, with the figures.
        message: String,
    },
    /// An iterative solver ([`crate::solve`]) was given input it cannot work with — a
    /// non-square operator, a vector of the wrong length, `k` out of range, NaN or infinity —
    /// or its input made it break down (an operator that is not positive definite in CG).
    Solver {
        /// The function, as in `"cg"` or `"lanczos"`.
        solver: &'static str,
        /// What is wrong, with the values involved.
        message: String,
    },
}

/// What is wrong with the raw parts of a sparse matrix. Positions are 0-based.
///
/// "Outer" is the compressed dimension (rows of a CSR matrix, columns of a CSC one); "inner"
/// the other one. [`Error`]'s `Display` names them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StructureError {
    /// A dimension does not fit the index type (`u32` addresses at most 2³² rows or columns).
    DimensionTooLarge {
        /// The dimension asked for.
        dim: usize,
        /// The largest this index type allows.
        max: usize,
    },
    /// The offset array does not have `outer + 1` entries.
    OffsetsLength {
        /// `outer + 1`.
        expected: usize,
        /// Its length.
        found: usize,
    },
    /// The first offset is not 0.
    OffsetsStart {
        /// The first offset.
        found: usize,
    },
    /// The last offset is not the number of stored entries.
    OffsetsEnd {
        /// Length of the index array.
        nnz: usize,
        /// The last offset.
        found: usize,
    },
    /// Offsets decrease at `outer`: `offsets[outer] > offsets[outer + 1]`.
    OffsetsDecreasing {
        /// The outer position.
        outer: usize,
        /// `offsets[outer]`.
        start: usize,
        /// `offsets[outer + 1]`.
        end: usize,
    },
    /// The index and value arrays differ in length.
    ValuesLength {
        /// Length of the index array(s).
        indices: usize,
        /// Length of the value array.
        values: usize,
    },
    /// An index is not below its dimension.
    IndexOutOfRange {
        /// Outer position (row of a CSR matrix), or `None` for a COO entry.
        outer: Option<usize>,
        /// Position of the entry in the index array.
        position: usize,
        /// The index found.
        index: usize,
        /// The dimension it must be below.
        bound: usize,
    },
    /// Indices within one outer slice are not strictly increasing (unsorted or duplicated).
    NotIncreasing {
        /// Outer position (row of a CSR matrix).
        outer: usize,
        /// Position of the offending entry in the index array.
        position: usize,
        /// The index before it.
        previous: usize,
        /// The index found.
        index: usize,
    },
}

fn axis_names(format: &str) -> (&'static str, &'static str) {
    match format {
        "CSC" => ("column", "row"),
        _ => ("row", "column"),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Structure { format, problem } => {
                let (outer, inner) = axis_names(format);
                write!(f, "invalid {format} matrix: ")?;
                use StructureError as S;
                match *problem {
                    S::DimensionTooLarge { dim, max } => write!(
                        f,
                        "dimension {dim} is larger than the index type allows ({max})"
                    ),
                    S::OffsetsLength { expected, found } => write!(
                        f,
                        "the {outer} offset array has {found} entries, expected {expected} \
                         (number of {outer}s + 1)"
                    ),
                    S::OffsetsStart { found } => {
                        write!(f, "the first {outer} offset is {found}, expected 0")
                    }
                    S::OffsetsEnd { nnz, found } => write!(
                        f,
                        "the last {outer} offset is {found}, expected {nnz} \
                         (the length of the {inner} index array)"
                    ),
                    S::OffsetsDecreasing {
                        outer: o,
                        start,
                        end,
                    } => write!(f, "{outer} {o}: offsets decrease from {start} to {end}"),
                    S::ValuesLength { indices, values } => write!(
                        f,
                        "{values} values for {indices} indices (the lengths must be equal)"
                    ),
                    S::IndexOutOfRange {
                        outer: Some(o),
                        position,
                        index,
                        bound,
                    } => write!(
                        f,
                        "{outer} {o} (entry {position}): {inner} index {index} is out of range \
                         for {bound} {inner}s"
                    ),
                    S::IndexOutOfRange {
                        outer: None,
                        position,
                        index,
                        bound,
                    } => write!(
                        f,
                        "entry {position}: index {index} is out of range for dimension {bound}"
                    ),
                    S::NotIncreasing {
                        outer: o,
                        position,
                        previous,
                        index,
                    } => write!(
                        f,
                        "{outer} {o} (entry {position}): {inner} index {index} follows \
                         {previous}; indices within a {outer} must be strictly increasing \
                         (sorted, no duplicates)"
                    ),
                }
            }
            Error::DenseLength {
                nrows,
                ncols,
                found,
            } => write!(
                f,
                "dense matrix of {nrows} x {ncols} needs {} elements, found {found}",
                nrows
                    .checked_mul(*ncols)
                    .map_or("more than usize::MAX".to_string(), |n| n.to_string())
            ),
            Error::Layout(what) => write!(f, "unsupported layout: {what}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Parse {
                path,
                line,
                message,
            } => write!(f, "{}: line {line}: {message}", path.display()),
            Error::Format {
                path,
                offset: Some(o),
                message,
            } => {
                write!(f, "{}: at byte {o}: {message}", path.display())
            }
            Error::Format {
                path,
                offset: None,
                message,
            } => {
                write!(f, "{}: {message}", path.display())
            }
            Error::Solver { solver, message } => write!(f, "{solver}: {message}"),
            Error::DoesNotFit { format, message } => {
                write!(f, "the matrix does not fit {format}: {message}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(&**source),
            _ => None,
        }
    }
}

impl Error {
    pub(crate) fn solver(solver: &'static str, message: impl Into<String>) -> Self {
        Error::Solver {
            solver,
            message: message.into(),
        }
    }

    pub(crate) fn structure(format: &'static str, problem: StructureError) -> Self {
        Error::Structure { format, problem }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source: Arc::new(source),
        }
    }

    /// An I/O failure while doing `what` (such as "reading 4096 bytes at offset 8192"): the
    /// message says both, and the chain of `source()`s ends at `e` itself, its kind and
    /// `raw_os_error()` intact.
    pub(crate) fn io_doing(
        path: impl Into<PathBuf>,
        what: impl Into<String>,
        e: std::io::Error,
    ) -> Self {
        let kind = e.kind();
        Error::io(
            path,
            std::io::Error::new(
                kind,
                IoContext {
                    what: what.into(),
                    source: e,
                },
            ),
        )
    }

    pub(crate) fn parse(path: impl Into<PathBuf>, line: u64, message: impl Into<String>) -> Self {
        Error::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    pub(crate) fn format(
        path: impl Into<PathBuf>,
        offset: Option<u64>,
        message: impl Into<String>,
    ) -> Self {
        Error::Format {
            path: path.into(),
            offset,
            message: message.into(),
        }
    }
}

/// What we were doing when an I/O operation failed, over the operating system's error (see
/// [`Error::io_doing`]).
#[derive(Debug)]
struct IoContext {
    what: String,
    source: std::io::Error,
}

impl fmt::Display for IoContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.source)
    }
}

impl std::error::Error for IoContext {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
