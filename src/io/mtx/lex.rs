//! The leaf of the reader: bytes to tokens and numbers. Blanks, tokens and line ends, the
//! integer and real number parsers, and the word-at-a-time scanners the fast paths use.
//! Knows nothing of headers or matrices.

use crate::Scalar;

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
pub(super) fn parse_real<T: Scalar>(t: &[u8]) -> Option<T> {
    real_from_str(std::str::from_utf8(t).ok()?)
}

#[inline]
pub(super) fn real_from_str<T: Scalar>(s: &str) -> Option<T> {
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

/// The digits at `t[p..]` as a number and the position after them; `None` if there are no
/// digits, more than 18 (leave those to the slow path), or they are followed by something
/// other than a blank or a line end.
#[inline(always)]
pub(super) fn digits_at(t: &[u8], mut p: usize) -> Option<(u64, usize)> {
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
pub(super) fn token_end(t: &[u8], mut p: usize) -> usize {
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
pub(super) fn skip_blanks(t: &[u8], mut p: usize) -> usize {
    while p < t.len() && is_blank(t[p]) {
        p += 1;
    }
    p
}

#[inline(always)]
pub(super) fn at_line_end(t: &[u8], p: usize) -> bool {
    p == t.len() || t[p] == b'\n'
}

/// The position of the `\n` ending the line at `t[p..]`, or `t.len()`.
#[inline]
pub(super) fn line_end(t: &[u8], p: usize) -> usize {
    t[p..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(t.len(), |k| p + k)
}

/// The start of the next line, given the end `p` of this one (its `\n`, or `t.len()`).
#[inline(always)]
pub(super) fn after_line(t: &[u8], p: usize) -> usize {
    (p + 1).min(t.len())
}
