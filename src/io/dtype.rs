//! [`Dtype`]: numpy's element types, parsed once from their type strings and compared as
//! values everywhere (the `.npy` and `.npz` readers, [`NpzInfo`](super::npz::NpzInfo), the
//! mapped and streamed types), instead of comparing strings.

use crate::Scalar;
use std::fmt;

/// Element kinds of the numpy dtypes the crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DtypeKind {
    /// `b1`.
    Bool,
    /// `i1`, `i2`, `i4`, `i8`.
    Int,
    /// `u1`, `u2`, `u4`, `u8`.
    UInt,
    /// `f4`, `f8`.
    Float,
    /// `S<n>`: bytes.
    Bytes,
    /// `U<n>`: UTF-32 text, `n` characters.
    Unicode,
}

/// A numpy dtype, as its type string says (`'<f8'`, `'>i4'`, `'|b1'`): the one vocabulary
/// of element types for every format the crate reads (`.npy`, `.npz` members, [`NpzInfo`](super::npz::NpzInfo),
/// the streamed types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dtype {
    /// Element kind.
    pub kind: DtypeKind,
    /// Bytes per element (4 per character for `U`).
    pub size: usize,
    /// Big-endian (`>`).
    pub big_endian: bool,
}

impl Dtype {
    /// Parses a type string, or says what it is when the crate cannot read it.
    pub fn parse(s: &str) -> std::result::Result<Dtype, &'static str> {
        let (order, rest) = match s.as_bytes().first() {
            Some(c @ (b'<' | b'>' | b'|' | b'=')) => (*c, &s[1..]),
            _ => (b'|', s),
        };
        let big = order == b'>' || (order == b'=' && cfg!(target_endian = "big"));
        let mut chars = rest.chars();
        let kind = chars.next().ok_or("an empty type string")?;
        let digits = chars.as_str();
        let n: Option<usize> = if digits.is_empty() {
            None
        } else if digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse().ok()
        } else {
            return Err(match kind {
                'M' | 'm' => "dates or times",
                _ => "a type string the crate does not know",
            });
        };
        let (kind, size) = match (kind, n) {
            ('b' | '?', Some(1)) => (DtypeKind::Bool, 1),
            ('i', Some(s @ (1 | 2 | 4 | 8))) => (DtypeKind::Int, s),
            ('u', Some(s @ (1 | 2 | 4 | 8))) => (DtypeKind::UInt, s),
            ('f', Some(s @ (4 | 8))) => (DtypeKind::Float, s),
            ('f', Some(2)) => return Err("half-precision floats"),
            ('f', _) => return Err("extended-precision floats"),
            ('S' | 'a', Some(s)) => (DtypeKind::Bytes, s),
            ('U', Some(s)) => (
                DtypeKind::Unicode,
                s.checked_mul(4).ok_or("a huge string type")?,
            ),
            ('c', _) => return Err("complex numbers"),
            ('O', _) => return Err("Python objects (pickled)"),
            ('M' | 'm', _) => return Err("dates or times"),
            ('V', _) => return Err("raw bytes (void)"),
            ('i' | 'u' | 'b', _) => return Err("an integer width the crate does not read"),
            _ => return Err("a type string the crate does not know"),
        };
        Ok(Dtype {
            kind,
            size,
            big_endian: big,
        })
    }

    /// Little-endian float32 (`'<f4'`).
    pub const F4: Dtype = Dtype::le(DtypeKind::Float, 4);
    /// Little-endian float64 (`'<f8'`).
    pub const F8: Dtype = Dtype::le(DtypeKind::Float, 8);
    /// Little-endian int32 (`'<i4'`).
    pub const I4: Dtype = Dtype::le(DtypeKind::Int, 4);
    /// Little-endian int64 (`'<i8'`).
    pub const I8: Dtype = Dtype::le(DtypeKind::Int, 8);
    /// Little-endian uint32 (`'<u4'`).
    pub const U4: Dtype = Dtype::le(DtypeKind::UInt, 4);
    /// Little-endian uint64 (`'<u8'`).
    pub const U8: Dtype = Dtype::le(DtypeKind::UInt, 8);

    const fn le(kind: DtypeKind, size: usize) -> Dtype {
        Dtype {
            kind,
            size,
            big_endian: false,
        }
    }

    /// The little-endian dtype of `T` (`F4` or `F8`).
    pub fn of<T: Scalar>() -> Dtype {
        if std::mem::size_of::<T>() == 4 {
            Dtype::F4
        } else {
            Dtype::F8
        }
    }

    /// `true` for floats.
    pub fn is_float(self) -> bool {
        self.kind == DtypeKind::Float
    }

    /// numpy's type string (`'<f8'`; `'|b1'` for one-byte kinds).
    pub fn descr(self) -> String {
        let (order, size) = match (self.kind, self.size) {
            (DtypeKind::Unicode, n) => (if self.big_endian { '>' } else { '<' }, n / 4),
            (_, 1) | (DtypeKind::Bytes, _) => ('|', self.size),
            _ => (if self.big_endian { '>' } else { '<' }, self.size),
        };
        let kind = match self.kind {
            DtypeKind::Bool => 'b',
            DtypeKind::Int => 'i',
            DtypeKind::UInt => 'u',
            DtypeKind::Float => 'f',
            DtypeKind::Bytes => 'S',
            DtypeKind::Unicode => 'U',
        };
        format!("{order}{kind}{size}")
    }

    /// `true` for integer kinds (what index arrays must hold).
    pub fn is_integer(self) -> bool {
        matches!(self.kind, DtypeKind::Int | DtypeKind::UInt)
    }

    /// `true` for kinds that convert to a float value.
    pub fn is_numeric(self) -> bool {
        matches!(
            self.kind,
            DtypeKind::Bool | DtypeKind::Int | DtypeKind::UInt | DtypeKind::Float
        )
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.descr())
    }
}

impl From<super::npy::NpyDtype> for Dtype {
    fn from(d: super::npy::NpyDtype) -> Dtype {
        match d {
            super::npy::NpyDtype::F32 => Dtype::F4,
            super::npy::NpyDtype::F64 => Dtype::F8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtype_strings_round_trip() {
        for s in [
            "<f4", "<f8", ">f8", "<i4", "<i8", ">u4", "|b1", "|i1", "|S3", "<U3",
        ] {
            assert_eq!(Dtype::parse(s).unwrap().descr(), s);
        }
        assert_eq!(Dtype::of::<f32>(), Dtype::F4);
        assert_eq!(Dtype::parse("<i4"), Ok(Dtype::I4));
    }
}
