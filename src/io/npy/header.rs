//! The `.npy` header: the dtypes the crate reads, parsing and validating a header, checking a
//! file's length against it, and formatting one.

use super::dict::{DictParser, describe_descr};
use crate::Layout;
use crate::error::{Error, Result};
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
    /// The dtype of `T`.
    pub fn of<T: crate::Scalar>() -> Self {
        if std::mem::size_of::<T>() == 4 {
            NpyDtype::F32
        } else {
            NpyDtype::F64
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
    let (mut f, file_len) = crate::io::open_file(path)?;
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
