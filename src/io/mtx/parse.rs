//! Data lines: the chunk parser with its fast paths (the common line shapes) and its slow
//! path (everything else, with a precise error), over the lexer's tokens and numbers.

use super::header::{MtxField, MtxFormat, MtxHeader, MtxSymmetry};
use super::lex::{
    after_line, at_line_end, digits_at, line_end, parse_integer, parse_real, parse_u64,
    real_from_str, shown, skip_blanks, token_end, tokens,
};
use super::triplets::Triplets;
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
