//! The header: the banner (`%%MatrixMarket matrix <format> <field> <symmetry>`), comment
//! lines, and the size line; the public types that describe them.

use super::CHUNK;
use super::lex::{first_nonblank, parse_u64, shown, tokens};
use crate::error::{Error, Result};
use std::fmt;
use std::io::BufRead;
use std::path::Path;

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

/// Result of reading one line with a bounded buffer.
enum LineRead {
    Eof,
    Line,
    /// Longer than `CHUNK`: the buffer holds its first `CHUNK` bytes. Unless it is a comment
    /// (which is then read to its end and dropped), the rest of it is left unread.
    TooLong,
}

/// Reads one line (without its `\n`) into `buf`, keeping at most `CHUNK` bytes of it. A
/// longer line stops the read at once (a 2 GiB line costs 1 MiB, not 2 GiB of reading),
/// unless `comments_may_be_long` and the line is a comment, which is skipped to its end.
fn read_line<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    comments_may_be_long: bool,
) -> std::io::Result<LineRead> {
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
        if too_long && !(comments_may_be_long && first_nonblank(buf) == Some(b'%')) {
            return Ok(LineRead::TooLong);
        }
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

/// Parses the banner, skips comments, parses the size line; returns the header and the size
/// line's number.
pub(super) fn read_header_lines<R: BufRead>(r: &mut R, path: &Path) -> Result<(MtxHeader, u64)> {
    let err = |line: u64, msg: String| Error::parse(path, line, msg);
    let mut buf = Vec::new();
    const EXPECTED: &str = "'%%MatrixMarket matrix <coordinate|array> \
                            <real|integer|pattern> <general|symmetric|skew-symmetric>'";
    let first = read_line(r, &mut buf, false).map_err(|e| Error::io(path, e))?;
    match first {
        LineRead::Eof => {
            return Err(err(
                1,
                format!("empty file: expected the Matrix Market banner {EXPECTED}"),
            ));
        }
        LineRead::TooLong => {
            return Err(err(
                1,
                format!(
                    "line is longer than {} MiB: not the Matrix Market banner {EXPECTED}",
                    CHUNK >> 20
                ),
            ));
        }
        LineRead::Line => {}
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
        match read_line(r, &mut buf, true).map_err(|e| Error::io(path, e))? {
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
    let (want, what) = match format {
        MtxFormat::Coordinate => (
            3,
            "3 numbers (rows, columns, entries) for a coordinate file",
        ),
        MtxFormat::Array => (2, "2 numbers (rows, columns) for an array file"),
    };
    let toks: Vec<&[u8]> = tokens(&buf).collect();
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
