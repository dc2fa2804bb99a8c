//! numpy's `.npy` format: a validated header parser and a streaming writer.
//!
//! Why our own parser rather than npyz or ndarray-npy: a memory-mapped matrix needs the exact
//! byte offset of the data and a check that the file holds exactly the bytes the header
//! promises, with errors that name the file and the byte; we accept only 2-D (and, for
//! vectors, 1-D) little-endian `f4`/`f8` arrays, so the grammar is a three-key dict literal.
//! Those crates parse a far larger grammar (structured dtypes, any byte order) through a
//! generic reader and report errors without positions, and ndarray-npy would make ndarray a
//! mandatory dependency. The parser below reads only the header bytes it is given, never
//! allocates in proportion to what a header claims, and is covered by the bad-file tests.
//!
//! Format (numpy's `numpy.lib.format`): the magic `\x93NUMPY`, a major and minor version byte,
//! the header length (`u16` little-endian for version 1.0, `u32` for 2.0 and 3.0), then the
//! header — a Python dict literal such as `{'descr': '<f8', 'fortran_order': False, 'shape':
//! (3, 4), }` padded with spaces and a newline so the data starts on a multiple of 64 bytes
//! (16 in files written by numpy before 1.14). Version 3.0 allows UTF-8 in the header.

use crate::error::{Error, Result};
use crate::io::atomic::AtomicFile;
use crate::{Layout, Scalar};
use std::fs::File;
use std::marker::PhantomData;
use std::path::Path;

/// The magic string every `.npy` file starts with.
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// numpy aligns the start of the data to this many bytes.
const ALIGN: usize = 64;

/// Element type of an `.npy` file, among those the crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NpyDtype {
    /// `<f4`: little-endian IEEE single precision.
    F32,
    /// `<f8`: little-endian IEEE double precision.
    F64,
}

impl NpyDtype {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            NpyDtype::F32 => 4,
            NpyDtype::F64 => 8,
        }
    }
    /// numpy's type string.
    pub fn descr(self) -> &'static str {
        match self {
            NpyDtype::F32 => "<f4",
            NpyDtype::F64 => "<f8",
        }
    }
}

/// A parsed and validated `.npy` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NpyHeader {
    /// Format version, `(1, 0)`, `(2, 0)` or `(3, 0)`.
    pub version: (u8, u8),
    /// Element type.
    pub dtype: NpyDtype,
    /// `true` for Fortran (column-major) order.
    pub fortran_order: bool,
    /// The array's shape (any number of dimensions; callers check what they need).
    pub shape: Vec<usize>,
    /// Byte offset of the first element.
    pub data_offset: usize,
}

impl NpyHeader {
    /// Number of elements (the product of the shape), or `None` on overflow.
    pub fn len(&self) -> Option<usize> {
        self.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
    }
    /// `true` if the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }
    /// Bytes of data the header promises, or `None` on overflow.
    pub fn data_len(&self) -> Option<usize> {
        self.len()?.checked_mul(self.dtype.size())
    }
    /// Storage order as a [`Layout`].
    pub fn layout(&self) -> Layout {
        if self.fortran_order {
            Layout::ColMajor
        } else {
            Layout::RowMajor
        }
    }
}

/// Parses the header at the start of `bytes` (the beginning of the file `path`, used in
/// errors), validating magic, version, header length, the dict and its three keys.
///
/// Does not look at the data: see [`check_data_len`] for the length check.
///
/// # Errors
///
/// [`Error::Format`] naming the file, the byte offset and what was expected.
pub fn parse_header(bytes: &[u8], path: &Path) -> Result<NpyHeader> {
    let raw = parse_any_header(bytes, path, "; expected '<f4' or '<f8'")?;
    let dtype = match raw.descr.as_str() {
        "<f8" => NpyDtype::F64,
        "<f4" => NpyDtype::F32,
        other => {
            return Err(Error::format(
                path,
                Some(raw.descr_offset as u64),
                format!(
                    "unsupported dtype '{other}' ({}); expected '<f4' or '<f8'",
                    describe_descr(other)
                ),
            ));
        }
    };
    Ok(NpyHeader {
        version: raw.version,
        dtype,
        fortran_order: raw.fortran_order,
        shape: raw.shape,
        data_offset: raw.data_offset,
    })
}

/// A header whose dtype is not checked: what the members of an `.npz` archive need (integer
/// index arrays, string format tags). Same validation as [`parse_header`] otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawHeader {
    /// Format version.
    pub version: (u8, u8),
    /// numpy's type string as written (`'<i4'`, `'|S3'`, ...); structured dtypes are
    /// rejected by the parser.
    pub descr: String,
    /// Byte offset of the `descr` value in the file, for errors.
    pub descr_offset: usize,
    /// `true` for Fortran order.
    pub fortran_order: bool,
    /// The array's shape.
    pub shape: Vec<usize>,
    /// Byte offset of the first element.
    pub data_offset: usize,
}

/// Parses an `.npy` header as [`parse_header`] does, without restricting the dtype (but
/// rejecting structured ones).
pub(crate) fn parse_raw_header(bytes: &[u8], path: &Path) -> Result<RawHeader> {
    parse_any_header(bytes, path, "")
}

/// The header parser; `expected` ends the message for a structured dtype.
fn parse_any_header(bytes: &[u8], path: &Path, expected: &str) -> Result<RawHeader> {
    let err = |offset: usize, msg: String| Error::format(path, Some(offset as u64), msg);
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(err(
            0,
            "not a .npy file: it does not start with the magic string \\x93NUMPY".into(),
        ));
    }
    if bytes.len() < 8 {
        return Err(err(6, "file ends inside the .npy version bytes".into()));
    }
    let version = (bytes[6], bytes[7]);
    let (len_size, utf8) = match version {
        (1, 0) => (2, false),
        (2, 0) => (4, false),
        (3, 0) => (4, true),
        (a, b) => {
            return Err(err(
                6,
                format!("unsupported .npy format version {a}.{b} (expected 1.0, 2.0 or 3.0)"),
            ));
        }
    };
    let start = 8 + len_size;
    if bytes.len() < start {
        return Err(err(8, "file ends inside the .npy header length".into()));
    }
    let header_len = if len_size == 2 {
        u16::from_le_bytes([bytes[8], bytes[9]]) as usize
    } else {
        u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize
    };
    let end = start + header_len;
    if end > bytes.len() {
        return Err(err(
            8,
            format!(
                "header length {header_len} runs past the end of the file ({} bytes)",
                bytes.len()
            ),
        ));
    }
    let raw = &bytes[start..end];
    let text = match std::str::from_utf8(raw) {
        Ok(t) if utf8 || t.is_ascii() => t,
        _ => {
            return Err(err(
                start,
                format!(
                    "header is not {} text",
                    if utf8 { "UTF-8" } else { "ASCII" }
                ),
            ));
        }
    };
    let mut p = DictParser {
        text,
        pos: 0,
        base: start,
        path,
        expected,
    };
    let (descr, descr_pos, fortran_order, shape) = p.parse()?;
    Ok(RawHeader {
        version,
        descr: descr.to_owned(),
        descr_offset: start + descr_pos,
        fortran_order,
        shape,
        data_offset: end,
    })
}

/// Reads and validates the header of the `.npy` file at `path`, without reading its data:
/// to learn a file's dtype, shape and order before choosing how to open it.
///
/// Reads at most the header's own bytes (numpy's headers are a few hundred bytes; one that
/// claims more than 1 MiB is refused rather than read), and checks the file's length against
/// the shape, as [`MmapDense::open`](crate::MmapDense::open) does.
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read; [`Error::Format`] as [`parse_header`] and
/// [`check_data_len`].
///
/// # Examples
///
/// ```
/// use matvec::io::npy::{read_header, write_vector, NpyDtype};
///
/// let path = std::env::temp_dir().join(format!("matvec-hdr-{}.npy", std::process::id()));
/// write_vector(&path, &[1.0f32, 2.0, 3.0])?;
/// let h = read_header(&path)?;
/// assert_eq!((h.dtype, h.shape.as_slice()), (NpyDtype::F32, &[3usize][..]));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_header(path: impl AsRef<Path>) -> Result<NpyHeader> {
    use std::io::Read;
    const MAX_HEADER: u64 = 1 << 20;
    let path = path.as_ref();
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let file_len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    // The fixed part: magic, version and header length (`read_to_end` through `take`, so a
    // short read cannot cut it).
    let mut bytes = Vec::with_capacity(12);
    (&mut f)
        .take(12)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    let (start, header_len) = match (bytes.get(6), bytes.len()) {
        (Some(1), 10..) => (10, u16::from_le_bytes([bytes[8], bytes[9]]) as u64),
        (Some(2 | 3), 12) => (
            12,
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as u64,
        ),
        // Too short or an unknown version: `parse_header` says what is wrong.
        _ => (bytes.len() as u64, 0),
    };
    let want = start + header_len;
    if want > MAX_HEADER && want <= file_len {
        return Err(Error::format(
            path,
            Some(8),
            format!("header length {header_len} is larger than the 1 MiB this reader accepts"),
        ));
    }
    let rest = want.min(file_len).saturating_sub(bytes.len() as u64);
    f.take(rest)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    // If the file ends before the header does, `bytes` holds the whole file and the parser
    // reports the header running past its end.
    let header = parse_header(&bytes, path)?;
    check_data_len(&header, file_len, path)?;
    Ok(header)
}

/// Checks that a file of `file_len` bytes holds exactly the data `header` promises.
///
/// # Errors
///
/// [`Error::Format`] if the file is shorter (truncated) or longer than header + data, or the
/// size overflows.
pub fn check_data_len(header: &NpyHeader, file_len: u64, path: &Path) -> Result<()> {
    let shape = shape_str(&header.shape);
    let need = header
        .data_len()
        .and_then(|n| (n as u64).checked_add(header.data_offset as u64))
        .ok_or_else(|| {
            Error::format(path, None, format!("shape {shape} is too large to address"))
        })?;
    if file_len != need {
        let have = file_len.saturating_sub(header.data_offset as u64);
        let what = if file_len < need {
            "truncated"
        } else {
            "longer than its header says"
        };
        return Err(Error::format(
            path,
            Some(header.data_offset as u64),
            format!(
                "file is {what}: shape {shape} of {} needs {} bytes of data, the file holds {have}",
                header.dtype.descr(),
                need - header.data_offset as u64
            ),
        ));
    }
    Ok(())
}

pub(crate) fn shape_str(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Recursive-descent parser for the header's dict literal.
struct DictParser<'a> {
    text: &'a str,
    pos: usize,
    /// Offset of `text` in the file, for error positions.
    base: usize,
    path: &'a Path,
    /// What the caller accepts, appended to the message for a structured dtype.
    expected: &'a str,
}

enum Value<'a> {
    Str(&'a str),
    Bool(bool),
    Tuple(Vec<usize>),
    Other,
}

/// What the dict parser returns: the type string and its position in the header text,
/// `fortran_order` and the shape.
type Dict<'a> = (&'a str, usize, bool, Vec<usize>);

impl<'a> DictParser<'a> {
    fn err(&self, msg: impl Into<String>) -> Error {
        Error::format(self.path, Some((self.base + self.pos) as u64), msg)
    }

    fn skip_ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn expect(&mut self, c: char) -> Result<()> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            Ok(())
        } else {
            Err(self.err(format!("header: expected '{c}', found {}", self.found())))
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!("'{c}'"),
            None => "the end of the header".into(),
        }
    }

    fn string(&mut self) -> Result<&'a str> {
        self.skip_ws();
        let q = match self.peek() {
            Some(q @ ('\'' | '"')) => q,
            _ => {
                return Err(self.err(format!(
                    "header: expected a quoted string, found {}",
                    self.found()
                )));
            }
        };
        let start = self.pos + 1;
        match self.text[start..].find(q) {
            Some(len) => {
                self.pos = start + len + 1;
                Ok(&self.text[start..start + len])
            }
            None => Err(self.err("header: unterminated string")),
        }
    }

    fn value(&mut self) -> Result<Value<'a>> {
        self.skip_ws();
        let rest = &self.text[self.pos..];
        match self.peek() {
            Some('\'' | '"') => Ok(Value::Str(self.string()?)),
            Some('(') => {
                self.pos += 1;
                let mut dims = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some(')') {
                        self.pos += 1;
                        return Ok(Value::Tuple(dims));
                    }
                    let digits = self.text[self.pos..]
                        .bytes()
                        .take_while(u8::is_ascii_digit)
                        .count();
                    if digits == 0 {
                        return Err(self.err(format!(
                            "header: expected a dimension in the shape, found {}",
                            self.found()
                        )));
                    }
                    let d = self.text[self.pos..self.pos + digits]
                        .parse::<usize>()
                        .map_err(|_| {
                            self.err("header: a dimension of the shape does not fit in usize")
                        })?;
                    self.pos += digits;
                    if self.peek() == Some('L') {
                        self.pos += 1; // Python 2 long literal
                    }
                    dims.push(d);
                    self.skip_ws();
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some(')') => {}
                        _ => {
                            return Err(self.err(format!(
                                "header: expected ',' or ')' in the shape, found {}",
                                self.found()
                            )));
                        }
                    }
                }
            }
            _ if rest.starts_with("True") => {
                self.pos += 4;
                Ok(Value::Bool(true))
            }
            _ if rest.starts_with("False") => {
                self.pos += 5;
                Ok(Value::Bool(false))
            }
            Some('[') => Ok(Value::Other), // a structured dtype: rejected by the caller
            _ => Err(self.err(format!("header: expected a value, found {}", self.found()))),
        }
    }

    fn parse(&mut self) -> Result<Dict<'a>> {
        self.expect('{')?;
        let (mut descr, mut fortran, mut shape) = (None, None, None);
        loop {
            self.skip_ws();
            if self.peek() == Some('}') {
                self.pos += 1;
                break;
            }
            let key_pos = self.pos;
            let key = self.string()?;
            if !matches!(key, "descr" | "fortran_order" | "shape") {
                self.pos = key_pos;
                return Err(self.err(format!(
                    "header: unexpected key '{key}' (expected 'descr', 'fortran_order' and 'shape')"
                )));
            }
            self.expect(':')?;
            let value_pos = self.pos;
            let value = self.value()?;
            let at = |p: &mut Self, pos: usize, msg: String| {
                p.pos = pos;
                Err(p.err(msg))
            };
            match (key, value) {
                ("descr", Value::Str(s)) if descr.is_none() => descr = Some((s, value_pos)),
                ("descr", Value::Other) => {
                    let msg = format!(
                        "unsupported dtype: a structured (record) dtype{}",
                        self.expected
                    );
                    return at(self, value_pos, msg);
                }
                ("fortran_order", Value::Bool(b)) if fortran.is_none() => fortran = Some(b),
                ("shape", Value::Tuple(t)) if shape.is_none() => shape = Some(t),
                _ => {
                    return at(
                        self,
                        key_pos,
                        format!("header: key '{key}' is repeated or has a value of the wrong type"),
                    );
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {}
                _ => {
                    return Err(self.err(format!(
                        "header: expected ',' or '}}', found {}",
                        self.found()
                    )));
                }
            }
        }
        if !self.text[self.pos..].trim().is_empty() {
            return Err(self.err("header: unexpected text after the dict"));
        }
        let missing = |k: &str| {
            Error::format(
                self.path,
                Some(self.base as u64),
                format!("header: missing key '{k}'"),
            )
        };
        let (descr, descr_pos) = descr.ok_or_else(|| missing("descr"))?;
        let fortran = fortran.ok_or_else(|| missing("fortran_order"))?;
        let shape = shape.ok_or_else(|| missing("shape"))?;
        Ok((descr, descr_pos, fortran, shape))
    }
}

/// What a numpy type string means, for error messages.
fn describe_descr(d: &str) -> &'static str {
    let kind = d.trim_start_matches(['<', '>', '=', '|']);
    if d.starts_with('>') && kind.starts_with('f') {
        "big-endian floats"
    } else if kind.starts_with('i') || kind.starts_with('u') {
        "integers"
    } else if kind.starts_with('c') {
        "complex numbers"
    } else if kind.starts_with('O') {
        "Python objects"
    } else if kind.starts_with('b') || kind.starts_with('?') {
        "booleans"
    } else if kind.starts_with('f') {
        "a float width the crate does not read"
    } else {
        "not a floating-point type"
    }
}

/// The full header (magic to padding newline) for an array of `shape` in `layout`, padded so
/// that the data starts on a multiple of 64 bytes. Version 1.0 unless the header needs 2.0.
pub fn format_header(dtype: NpyDtype, layout: Layout, shape: &[usize]) -> Vec<u8> {
    format_raw_header(dtype.descr(), layout == Layout::ColMajor, shape)
}

/// [`format_header`] for any type string (`'<i8'`, `'|S3'`): for `.npz` members.
pub(crate) fn format_raw_header(descr: &str, fortran_order: bool, shape: &[usize]) -> Vec<u8> {
    let dict = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {}, }}",
        if fortran_order { "True" } else { "False" },
        shape_str(shape)
    );
    for (version, len_size) in [(1u8, 2usize), (2, 4)] {
        let unpadded = MAGIC.len() + 2 + len_size + dict.len() + 1;
        let total = unpadded.div_ceil(ALIGN) * ALIGN;
        let header_len = total - MAGIC.len() - 2 - len_size;
        if len_size == 2 && header_len > u16::MAX as usize {
            continue;
        }
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[version, 0]);
        if len_size == 2 {
            out.extend_from_slice(&(header_len as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&(header_len as u32).to_le_bytes());
        }
        out.extend_from_slice(dict.as_bytes());
        out.resize(total - 1, b' ');
        out.push(b'\n');
        return out;
    }
    unreachable!("a version 2.0 header holds any shape")
}

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
        let dtype = if T::NPY_DESCR == "<f4" {
            NpyDtype::F32
        } else {
            NpyDtype::F64
        };
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

/// A 1-D array read from an `.npy` file, in its own element type.
#[derive(Clone, Debug, PartialEq)]
pub enum NpyVector {
    /// `<f4` data.
    F32(Vec<f32>),
    /// `<f8` data.
    F64(Vec<f64>),
}

impl NpyVector {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            NpyVector::F32(v) => v.len(),
            NpyVector::F64(v) => v.len(),
        }
    }
    /// `true` if empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The element type.
    pub fn dtype(&self) -> NpyDtype {
        match self {
            NpyVector::F32(_) => NpyDtype::F32,
            NpyVector::F64(_) => NpyDtype::F64,
        }
    }
    /// The values as `f64` (exact for `f32` data; no copy for `f64` data).
    pub fn into_f64(self) -> Vec<f64> {
        match self {
            NpyVector::F32(v) => v.into_iter().map(f64::from).collect(),
            NpyVector::F64(v) => v,
        }
    }
    /// The values as `f32` (rounded to nearest for `f64` data; no copy for `f32` data).
    pub fn into_f32(self) -> Vec<f32> {
        match self {
            NpyVector::F32(v) => v,
            NpyVector::F64(v) => v.into_iter().map(|x| x as f32).collect(),
        }
    }
}

/// Reads a 1-D `.npy` file (`<f4` or `<f8`) into memory.
///
/// The file is read whole, so memory is bounded by the file's actual size, never by what its
/// header claims; the header is validated as for [`MmapDense`](crate::MmapDense).
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read; [`Error::Format`] if it is not a valid 1-D
/// `<f4`/`<f8` `.npy` file.
pub fn read_vector(path: impl AsRef<Path>) -> Result<NpyVector> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let header = parse_header(&bytes, path)?;
    check_data_len(&header, bytes.len() as u64, path)?;
    if header.shape.len() != 1 {
        return Err(Error::format(
            path,
            None,
            format!(
                "expected a 1-D array (a vector), found shape {}",
                shape_str(&header.shape)
            ),
        ));
    }
    let data = &bytes[header.data_offset..];
    Ok(match header.dtype {
        NpyDtype::F32 => NpyVector::F32(
            data.chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
                .collect(),
        ),
        NpyDtype::F64 => NpyVector::F64(
            data.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_header_round_trips_and_aligns_to_64() {
        for (layout, shape) in [
            (Layout::RowMajor, vec![3, 4]),
            (Layout::ColMajor, vec![0, 7]),
            (Layout::RowMajor, vec![5]),
        ] {
            let h = format_header(NpyDtype::F32, layout, &shape);
            assert_eq!(h.len() % 64, 0);
            let p = parse_header(&h, Path::new("x.npy")).unwrap();
            assert_eq!(p.shape, shape);
            assert_eq!(p.layout(), layout);
            assert_eq!(p.dtype, NpyDtype::F32);
            assert_eq!(p.data_offset, h.len());
            assert_eq!(p.version, (1, 0));
        }
    }

    #[test]
    fn npy_header_accepts_numpy_spellings() {
        let dict = "{'descr':'<f8','shape':(2L, 3L),'fortran_order':True}";
        let mut b = MAGIC.to_vec();
        b.extend_from_slice(&[3, 0]);
        b.extend_from_slice(&(dict.len() as u32 + 1).to_le_bytes());
        b.extend_from_slice(dict.as_bytes());
        b.push(b'\n');
        let p = parse_header(&b, Path::new("x.npy")).unwrap();
        assert_eq!(
            (p.version, p.shape.as_slice(), p.fortran_order),
            ((3, 0), &[2usize, 3][..], true)
        );
    }
}
