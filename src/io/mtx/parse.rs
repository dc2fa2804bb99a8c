//! Data lines: the text helpers, the number parsers, and the chunk parser with its fast paths
//! (the common line shapes) and its slow path (everything else, with a precise error).

use super::convert::Triplets;
use super::header::{MtxField, MtxFormat, MtxHeader, MtxSymmetry};
use crate::{Index, Scalar};
use std::ops::Range;

/// The entries of one chunk: triplets (coordinate, symmetric ones expanded) or values in file
/// order (array: `data.vals` alone), the data lines and all lines read, and the first error
/// (chunk-relative line, message).
#[derive(Default)]
pub(super) struct Parsed<T, I> {
    pub(super) data: Triplets<T, I>,
    pub(super) entries: u64,
    pub(super) lines: u64,
    pub(super) err: Option<(u64, String)>,
}

impl<T: Copy, I: Copy> Parsed<T, I> {
    pub(super) fn clear(&mut self) {
        self.data.clear();
        self.entries = 0;
        self.lines = 0;
        self.err = None;
    }
}

/// A space, tab, `\r`, vertical tab or form feed: what separates tokens (with `\n`).
#[inline(always)]
pub(super) fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

pub(super) fn first_nonblank(line: &[u8]) -> Option<u8> {
    line.iter().copied().find(|&b| !is_blank(b))
}

/// The tokens of `line`, separated by blanks and line ends.
pub(super) fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&b| is_blank(b) || b == b'\n')
        .filter(|t| !t.is_empty())
}

/// The line for an error message: lossy UTF-8, shortened.
pub(super) fn shown(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let s = s.trim();
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Line number (1-based, relative to `text`) of the data line with 0-based number `k`.
pub(super) fn nth_data_line(text: &[u8], k: u64) -> u64 {
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
pub(super) fn parse_u64(t: &[u8]) -> Option<u64> {
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
pub(super) fn parse_integer<T: Scalar>(t: &[u8]) -> Option<T> {
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
pub(super) fn parse_chunk<T: Scalar, I: Index>(text: &[u8], h: &MtxHeader, out: &mut Parsed<T, I>) {
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
                p = after_line(text, line_end(text, p));
                continue;
            }
            _ => {}
        }
        let next = match h.format {
            MtxFormat::Coordinate => fast_coordinate(text, s, p, h, out),
            MtxFormat::Array => fast_array(text, s, p, h, out),
        };
        p = match next {
            Some(q) => q,
            None => {
                // Anything unusual: the general (slow) parser, which also explains errors.
                let end = line_end(text, p);
                if let Err(msg) = slow_line(&text[p..end], h, out) {
                    out.err = Some((out.lines, msg));
                    return;
                }
                after_line(text, end)
            }
        };
        out.entries += 1;
    }
}

/// The position of the `\n` ending the line at `t[p..]`, or `t.len()`.
#[inline]
fn line_end(t: &[u8], p: usize) -> usize {
    t[p..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(t.len(), |k| p + k)
}

/// The start of the next line, given the end `p` of this one (its `\n`, or `t.len()`).
#[inline(always)]
fn after_line(t: &[u8], p: usize) -> usize {
    (p + 1).min(t.len())
}

/// Stores one coordinate entry (1-based, checked indices), mirrored if the file is
/// symmetric.
#[inline(always)]
fn store<T: Scalar, I: Index>(h: &MtxHeader, r: u64, c: u64, v: T, out: &mut Parsed<T, I>) -> bool {
    if r == 0 || c == 0 || r > h.nrows as u64 || c > h.ncols as u64 {
        return false;
    }
    let (Some(i), Some(j)) = (
        I::try_from_index((r - 1) as usize),
        I::try_from_index((c - 1) as usize),
    ) else {
        return false;
    };
    out.data.push(i, j, v);
    if r != c {
        match h.symmetry {
            MtxSymmetry::General => {}
            MtxSymmetry::Symmetric => out.data.push(j, i, v),
            MtxSymmetry::SkewSymmetric => out.data.push(j, i, -v),
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
    h: &MtxHeader,
    out: &mut Parsed<T, I>,
) -> Option<usize> {
    let (r, p) = digits_at(t, p)?;
    let p = skip_blanks(t, p);
    let (c, mut p) = digits_at(t, p)?;
    let v = if h.field == MtxField::Pattern {
        T::ONE
    } else {
        p = skip_blanks(t, p);
        let start = p;
        p = token_end(t, p);
        value_at(h.field, t, s, start..p)?
    };
    let p = skip_blanks(t, p);
    if !at_line_end(t, p) || !store(h, r, c, v, out) {
        return None;
    }
    Some(after_line(t, p))
}

/// The common case of an array line: one value token.
#[inline(always)]
fn fast_array<T: Scalar, I: Index>(
    t: &[u8],
    s: Option<&str>,
    start: usize,
    h: &MtxHeader,
    out: &mut Parsed<T, I>,
) -> Option<usize> {
    let p = token_end(t, start);
    let v = value_at(h.field, t, s, start..p)?;
    let p = skip_blanks(t, p);
    if !at_line_end(t, p) {
        return None;
    }
    out.data.vals.push(v);
    Some(after_line(t, p))
}

/// Parses one data line (no `\n`) in full generality, storing its entry, or says precisely
/// what is wrong with it.
fn slow_line<T: Scalar, I: Index>(
    line: &[u8],
    h: &MtxHeader,
    out: &mut Parsed<T, I>,
) -> std::result::Result<(), String> {
    let toks: Vec<&[u8]> = tokens(line).collect();
    let value = |t: &[u8]| {
        parse_value::<T>(h.field, t).ok_or_else(|| match h.field {
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
        })
    };
    if h.format == MtxFormat::Array {
        if toks.len() != 1 {
            return Err(format!(
                "expected 1 token (a value) per line of an array file, found {}: '{}'",
                toks.len(),
                shown(line)
            ));
        }
        out.data.vals.push(value(toks[0])?);
        return Ok(());
    }
    let (want, what) = if h.field == MtxField::Pattern {
        (2, "2 tokens (row, column) for a pattern matrix")
    } else {
        (3, "3 tokens (row, column, value)")
    };
    if toks.len() != want {
        return Err(format!(
            "expected {what}, found {}: '{}'",
            toks.len(),
            shown(line)
        ));
    }
    let mut idx = [0u64; 2];
    for (k, (what, dim)) in [("row", h.nrows), ("column", h.ncols)]
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
        if i > dim as u64 {
            return Err(format!(
                "{what} index {i} is out of range: the matrix has {dim} {what}s"
            ));
        }
        idx[k] = i;
    }
    let v = if want == 2 { T::ONE } else { value(toks[2])? };
    if store(h, idx[0], idx[1], v, out) {
        Ok(())
    } else {
        Err("index does not fit the index type".into()) // unreachable: dims fit I
    }
}
