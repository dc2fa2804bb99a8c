//! The header's dict literal (`{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`):
//! a recursive-descent parser over exactly the grammar numpy writes, with byte positions for
//! errors.

use crate::error::{Error, Result};
use std::path::Path;

/// Recursive-descent parser for the header's dict literal.
pub(super) struct DictParser<'a> {
    pub(super) text: &'a str,
    pub(super) pos: usize,
    /// Offset of `text` in the file, for error positions.
    pub(super) base: usize,
    pub(super) path: &'a Path,
    /// What the caller accepts, appended to the message for a structured dtype.
    pub(super) expected: &'a str,
}

enum Value<'a> {
    Str(&'a str),
    Bool(bool),
    Tuple(Vec<usize>),
    Other,
}

/// What the dict parser returns: the type string and its position in the header text,
/// `fortran_order` and the shape.
pub(super) type Dict<'a> = (&'a str, usize, bool, Vec<usize>);

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

    pub(super) fn parse(&mut self) -> Result<Dict<'a>> {
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
pub(super) fn describe_descr(d: &str) -> &'static str {
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
