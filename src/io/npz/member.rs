//! The members of an `.npz` archive: finding them, parsing their `.npy` headers and dtypes,
//! and streaming their data into our types with every value checked.
//!
//! Nothing here allocates because a header says so: a member's header is checked against the
//! size the zip directory records for it before anything is reserved, and reservations are
//! further capped by what the compressed bytes can expand to.

use crate::error::{Error, Result};
use crate::io::npy::{self, RawHeader};
use crate::{Index, Scalar};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use zip::read::ZipFile;
use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

/// Deflate expands at most 1032-fold: a bound on what a compressed member can hold.
const DEFLATE_MAX_RATIO: u64 = 1032;

/// Headers longer than this are refused (numpy itself refuses more than 10 000 bytes).
const MAX_HEADER: usize = 1 << 20;

/// Bytes decoded at a time.
const CHUNK: usize = 1 << 20;

pub(crate) use crate::io::dtype::{Dtype as Descr, DtypeKind as Kind};

/// One element, widened.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Num {
    I(i64),
    U(u64),
    F(f64),
}

/// A member's `.npy` header and where its bytes are.
#[derive(Clone, Debug)]
pub(crate) struct Member {
    /// Its name in the archive.
    pub name: &'static str,
    pub header: RawHeader,
    /// The type string as written.
    pub descr_str: String,
    pub descr: Descr,
    /// Number of elements (product of the shape).
    pub len: usize,
    /// `true` if stored without compression.
    pub stored: bool,
    /// The compression method, for messages.
    pub method: CompressionMethod,
    /// Offset of the member's first byte in the file (its `.npy` magic).
    pub data_start: u64,
    /// Uncompressed size, as recorded by the zip directory and checked against the header.
    pub size: u64,
    /// Bytes the member occupies in the file.
    pub compressed_size: u64,
}

impl Member {
    /// The member's description for messages: `'indices.npy' ('<i4', shape (5,))`.
    pub fn what(&self) -> String {
        format!(
            "'{}' ('{}', shape {})",
            self.name,
            self.descr_str,
            npy::shape_str(&self.header.shape)
        )
    }

    /// Elements worth reserving: the element count, capped by what the member's bytes in the
    /// file can hold once decompressed.
    fn reserve_hint(&self) -> usize {
        let bound = if self.stored {
            self.compressed_size
        } else {
            self.compressed_size
                .saturating_mul(DEFLATE_MAX_RATIO)
                .saturating_add(4096)
        };
        let by_bytes = usize::try_from(bound / self.descr.size.max(1) as u64).unwrap_or(usize::MAX);
        self.len.min(by_bytes)
    }
}

/// An `.npz` archive being read, with the file's name for errors.
pub(crate) struct Archive<R> {
    zip: ZipArchive<R>,
    path: PathBuf,
    file_len: u64,
}

impl<R: Read + Seek> Archive<R> {
    /// Reads the zip directory of `reader` (`file_len` bytes, the file `path`).
    pub fn new(reader: R, file_len: u64, path: &Path) -> Result<Self> {
        use std::io::ErrorKind::{InvalidData, UnexpectedEof};
        let zip = ZipArchive::new(reader).map_err(|e| match e {
            // A read that failed, not bytes that do not make a zip directory.
            ZipError::Io(e) if !matches!(e.kind(), UnexpectedEof | InvalidData) => {
                Error::io(path, e)
            }
            e => Error::format(
                path,
                None,
                format!("not a valid .npz file (a zip archive): {e}"),
            ),
        })?;
        // Which of two members of the same name a reader takes is up to the reader (the zip
        // crate keeps the last); an archive that could mean two matrices is refused.
        if zip.has_duplicate_names() {
            return Err(Error::format(
                path,
                None,
                "a member name appears more than once in the zip directory: \
                 the archive is ambiguous",
            ));
        }
        // Members are never extracted to paths, but a name with a path in it is no `.npz`
        // that numpy or scipy writes: say so rather than ignore it.
        if let Some(name) = zip
            .file_names_raw()
            .find(|n| n.contains(&b'/') || n.contains(&b'\\') || *n == b"..")
        {
            return Err(Error::format(
                path,
                None,
                format!(
                    "member '{}' is not a plain file name (an .npz holds members such as \
                     data.npy, never paths)",
                    String::from_utf8_lossy(name)
                ),
            ));
        }
        Ok(Archive {
            zip,
            path: path.to_path_buf(),
            file_len,
        })
    }

    /// An error about the file.
    pub fn err(&self, message: impl Into<String>) -> Error {
        Error::format(&self.path, None, message)
    }

    /// `true` if the archive has a member of this name.
    pub fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// The members' names, for messages (at most 12).
    fn names(&self) -> String {
        let mut names: Vec<String> = self
            .zip
            .file_names()
            .take(12)
            .map(|n| n.map(|n| format!("'{n}'")).unwrap_or_else(|_| "?".into()))
            .collect();
        if self.zip.len() > 12 {
            names.push(format!("and {} more", self.zip.len() - 12));
        }
        if names.is_empty() {
            "no members".into()
        } else {
            names.join(", ")
        }
    }

    /// Opens member `name` and reads its `.npy` header; the reader is left at its first
    /// element.
    fn open(&mut self, name: &'static str) -> Result<(ZipFile<'_, R>, Member)> {
        let Some(index) = self.zip.index_for_name(name) else {
            return Err(self.err(format!(
                "member '{name}' is missing (the archive holds {}); is this a file written by \
                 scipy.sparse.save_npz?",
                self.names()
            )));
        };
        let path = self.path.clone();
        let file_len = self.file_len;
        let zerr = |e: ZipError| match e {
            ZipError::Io(e) => member_error(&path, &format!("'{name}'"), e),
            ZipError::UnsupportedArchive(m) => {
                Error::format(&path, None, format!("member '{name}': unsupported: {m}"))
            }
            ZipError::CompressionMethodNotSupported(m) => Error::format(
                &path,
                None,
                format!(
                    "member '{name}' is compressed with zip method {m}; only stored and deflate \
                     (what numpy writes) are supported"
                ),
            ),
            e => Error::format(&path, None, format!("member '{name}': {e}")),
        };
        let mut f = self.zip.by_index(index).map_err(zerr)?;
        let method = f.compression();
        let stored = method == CompressionMethod::Stored;
        let (size, compressed_size) = (f.size(), f.compressed_size());
        let data_start = f.data_start().unwrap_or(0);
        if data_start
            .checked_add(compressed_size)
            .is_none_or(|end| end > file_len)
        {
            return Err(Error::format(
                &path,
                Some(data_start),
                format!(
                    "member '{name}' ({compressed_size} bytes from byte {data_start}) runs past \
                     the end of the file ({file_len} bytes): the file is truncated"
                ),
            ));
        }
        if stored && size != compressed_size {
            return Err(Error::format(
                &path,
                Some(data_start),
                format!(
                    "member '{name}' is stored (not compressed) but the zip directory gives it \
                     {compressed_size} bytes in the file and {size} uncompressed"
                ),
            ));
        }
        // The header: magic, version, length, then the dict. Read in two steps so that only
        // bytes that exist are held.
        let at = |o: usize| stored.then(|| data_start + o as u64);
        let herr = |e: Error| match e {
            Error::Format {
                offset, message, ..
            } => {
                let o = offset.unwrap_or(0) as usize;
                let message = if stored {
                    format!("member '{name}': {message}")
                } else {
                    format!("member '{name}' (byte {o} of the uncompressed member): {message}")
                };
                Error::format(&path, at(o), message)
            }
            e => e,
        };
        let mut head = Vec::with_capacity(12);
        read_up_to(&mut f, &mut head, 12).map_err(zio(&path, name))?;
        let header_len = match head.get(6..8) {
            Some([1, 0]) if head.len() >= 10 => u16::from_le_bytes([head[8], head[9]]) as usize,
            Some([2 | 3, 0]) if head.len() >= 12 => {
                u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize
            }
            _ => 0, // let the parser say what is wrong
        };
        let prefix = if head.get(6) == Some(&1) { 10 } else { 12 };
        if header_len > MAX_HEADER {
            return Err(Error::format(
                &path,
                at(8),
                format!(
                    "member '{name}': .npy header of {header_len} bytes (more than {MAX_HEADER} \
                     is refused)"
                ),
            ));
        }
        read_up_to(&mut f, &mut head, prefix + header_len).map_err(zio(&path, name))?;
        let header = npy::parse_raw_header(&head, Path::new("")).map_err(herr)?;
        let descr_str = header.descr.clone();
        let descr = Descr::parse(&descr_str).map_err(|what| {
            Error::format(
                &path,
                at(header.descr_offset),
                format!("member '{name}': unsupported dtype '{descr_str}' ({what})"),
            )
        })?;
        let len = header
            .shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d));
        let need = len
            .and_then(|n| n.checked_mul(descr.size))
            .and_then(|n| n.checked_add(header.data_offset))
            .map(|n| n as u64);
        if need != Some(size) {
            let shape = npy::shape_str(&header.shape);
            let what = match need {
                Some(n) if n > size => "truncated",
                Some(_) => "longer than its header says",
                None => "impossibly large",
            };
            return Err(Error::format(
                &path,
                at(header.data_offset),
                format!(
                    "member '{name}' is {what}: shape {shape} of '{descr_str}' needs {} bytes \
                     of data, the member holds {}",
                    need.map_or("more than u64::MAX".into(), |n| {
                        (n - header.data_offset as u64).to_string()
                    }),
                    size.saturating_sub(header.data_offset as u64)
                ),
            ));
        }
        let member = Member {
            name,
            len: len.expect("checked above"),
            header,
            descr_str,
            descr,
            stored,
            method,
            data_start,
            size,
            compressed_size,
        };
        Ok((f, member))
    }

    /// The header of member `name` (and where it is), without reading its data.
    pub fn member(&mut self, name: &'static str) -> Result<Member> {
        Ok(self.open(name)?.1)
    }

    /// Streams member `name`'s elements to `f(k, value)`, in order, then reads to its end, which
    /// checks its CRC-32. `f` returns a message for a bad value, which becomes an error naming
    /// the member and the element.
    pub fn for_each(
        &mut self,
        name: &'static str,
        mut f: impl FnMut(usize, Num) -> std::result::Result<(), String>,
    ) -> Result<Member> {
        let path = self.path.clone();
        let (mut r, m) = self.open(name)?;
        let size = m.descr.size; // at least 1 for the numeric kinds
        if !m.descr.is_numeric() {
            return Err(Error::format(
                &path,
                None,
                format!("member {} does not hold numbers", m.what()),
            ));
        }
        let per_chunk = (CHUNK / size).max(1);
        let mut buf = vec![0u8; per_chunk.min(m.len) * size];
        let mut k = 0;
        let bad = |k: usize, msg: String| {
            Error::format(
                &path,
                m.stored
                    .then(|| m.data_start + (m.header.data_offset + k * size) as u64),
                format!("member {}, element {k}: {msg}", m.what()),
            )
        };
        while k < m.len {
            let n = per_chunk.min(m.len - k);
            let bytes = &mut buf[..n * size];
            r.read_exact(bytes).map_err(|e| {
                let msg = if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    format!(
                        "member {} ends inside element {} or before it: the member is truncated",
                        m.what(),
                        k
                    )
                } else {
                    return member_error(&path, &m.what(), e);
                };
                Error::format(&path, None, msg)
            })?;
            decode(bytes, m.descr, |i, v| {
                f(k + i, v).map_err(|msg| bad(k + i, msg))
            })?;
            k += n;
        }
        // Reading to the end makes the zip reader check the member's CRC-32.
        let mut tail = [0u8; 1];
        match r.read(&mut tail) {
            Ok(0) => Ok(m),
            Ok(_) => Err(Error::format(
                &path,
                None,
                format!("member {} holds more bytes than its header says", m.what()),
            )),
            Err(e) => Err(Error::format(
                &path,
                None,
                format!(
                    "member {}: {e} (the member is corrupt: its CRC-32 or length does not match)",
                    m.what()
                ),
            )),
        }
    }

    /// The bytes of a small member's single element (a format string), checked.
    pub fn read_small(&mut self, name: &'static str, max: usize) -> Result<(Member, Vec<u8>)> {
        let path = self.path.clone();
        let (mut r, m) = self.open(name)?;
        let bytes = m.size - m.header.data_offset as u64;
        if bytes > max as u64 {
            return Err(Error::format(
                &path,
                None,
                format!(
                    "member {} holds {bytes} bytes; expected at most {max}",
                    m.what()
                ),
            ));
        }
        let mut v = Vec::with_capacity(bytes as usize);
        read_up_to(&mut r, &mut v, bytes as usize).map_err(zio(&path, name))?;
        let mut tail = [0u8; 1];
        match (v.len() as u64 == bytes, r.read(&mut tail)) {
            (true, Ok(0)) => Ok((m, v)),
            (_, Err(e)) => Err(Error::format(
                &path,
                None,
                format!("member '{name}': {e} (the member is corrupt)"),
            )),
            _ => Err(Error::format(
                &path,
                None,
                format!("member '{name}' does not hold the bytes its header says"),
            )),
        }
    }

    /// Reads member `m` into `Vec<X>`, converting each element with `conv` (which
    /// returns a message for a bad value).
    pub fn read_vec<X>(
        &mut self,
        m: &Member,
        mut conv: impl FnMut(usize, Num) -> std::result::Result<X, String>,
    ) -> Result<Vec<X>> {
        let mut out = Vec::with_capacity(m.reserve_hint());
        self.for_each(m.name, |k, v| {
            out.push(conv(k, v)?);
            Ok(())
        })?;
        Ok(out)
    }
}

fn zio<'a>(path: &'a Path, name: &'a str) -> impl Fn(std::io::Error) -> Error + 'a {
    move |e| member_error(path, &format!("'{name}'"), e)
}

/// A failed read of a member: a format error when the bytes are what is wrong (truncated,
/// corrupt, a bad checksum: the zip reader says `UnexpectedEof` or `InvalidData`), else an
/// [`Error::Io`] whose source is the operating system's error, so a disk failure does not
/// read as a corrupt file.
fn member_error(path: &Path, member: &str, e: std::io::Error) -> Error {
    use std::io::ErrorKind::{InvalidData, UnexpectedEof};
    if matches!(e.kind(), UnexpectedEof | InvalidData) {
        Error::format(path, None, format!("member {member}: {e}"))
    } else {
        Error::io_doing(path, format!("reading member {member}"), e)
    }
}

/// Appends bytes from `r` to `buf` until it holds `want` bytes or `r` ends.
fn read_up_to(r: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<()> {
    let need = want.saturating_sub(buf.len()) as u64;
    r.take(need).read_to_end(buf)?;
    Ok(())
}

/// Calls `f(i, value)` for each element of `bytes` (whole elements of `d`).
fn decode<E>(
    bytes: &[u8],
    d: Descr,
    mut f: impl FnMut(usize, Num) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    macro_rules! each {
        ($t:ty, $n:literal, $wrap:expr) => {{
            for (i, c) in bytes.chunks_exact($n).enumerate() {
                let a: [u8; $n] = c.try_into().expect("chunks_exact");
                let v = if d.big_endian {
                    <$t>::from_be_bytes(a)
                } else {
                    <$t>::from_le_bytes(a)
                };
                f(i, $wrap(v))?;
            }
        }};
    }
    match (d.kind, d.size) {
        (Kind::Bool, _) => {
            for (i, &b) in bytes.iter().enumerate() {
                f(i, Num::I(i64::from(b != 0)))?;
            }
        }
        (Kind::Int, 1) => each!(i8, 1, |v| Num::I(i64::from(v))),
        (Kind::Int, 2) => each!(i16, 2, |v| Num::I(i64::from(v))),
        (Kind::Int, 4) => each!(i32, 4, |v| Num::I(i64::from(v))),
        (Kind::Int, _) => each!(i64, 8, Num::I),
        (Kind::UInt, 1) => each!(u8, 1, |v| Num::U(u64::from(v))),
        (Kind::UInt, 2) => each!(u16, 2, |v| Num::U(u64::from(v))),
        (Kind::UInt, 4) => each!(u32, 4, |v| Num::U(u64::from(v))),
        (Kind::UInt, _) => each!(u64, 8, Num::U),
        (Kind::Float, 4) => each!(f32, 4, |v| Num::F(f64::from(v))),
        (Kind::Float, _) => each!(f64, 8, Num::F),
        (Kind::Bytes | Kind::Unicode, _) => unreachable!("checked by the caller: numbers only"),
    }
    Ok(())
}

/// A non-negative integer below `bound`, as `usize`; a message otherwise.
pub(crate) fn to_index(v: Num, bound: usize, what: &str) -> std::result::Result<usize, String> {
    let u = match v {
        Num::I(i) if i < 0 => return Err(format!("{what} {i} is negative")),
        Num::I(i) => i as u64,
        Num::U(u) => u,
        Num::F(x) => return Err(format!("{what} {x} is not an integer")),
    };
    match usize::try_from(u) {
        Ok(u) if u < bound => Ok(u),
        _ => Err(format!(
            "{what} {u} is out of range (must be below {bound})"
        )),
    }
}

/// Converts to `I`, which holds every index below a dimension `<= I::MAX_DIM`.
pub(crate) fn index_as<I: Index>(i: usize) -> I {
    I::try_from_index(i).expect("indices are below a dimension that fits I")
}

/// A value converted to `T`, rounded once to nearest (integers beyond 2^53, or 2^24 for
/// `f32`, are rounded as numpy's `astype` rounds them).
pub(crate) fn to_scalar<T: Scalar>(v: Num) -> T {
    let single = std::mem::size_of::<T>() == 4;
    match v {
        Num::F(x) => T::from_f64(x),
        // Through f32 first for f32, so that the rounding happens once (exact afterwards).
        Num::I(i) if single => T::from_f64(f64::from(i as f32)),
        Num::U(u) if single => T::from_f64(f64::from(u as f32)),
        Num::I(i) => T::from_f64(i as f64),
        Num::U(u) => T::from_f64(u as f64),
    }
}
