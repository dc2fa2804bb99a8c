//! The data-reading loop: the stream cut into chunks at line ends, batches of chunks parsed
//! in parallel while the previous batch is checked and handed over in file order and the
//! next one is read.

use super::header::{MtxFormat, MtxHeader};
use super::lex::{first_nonblank, nth_data_line};
use super::parse::{Parsed, parse_chunk};
use crate::error::{Error, Result};
use crate::par::{Par, overlap};
use crate::{Index, Scalar};
use std::io::Read;
use std::path::Path;

/// What the data loop needs to know about the file, besides its bytes.
pub(super) struct Input<'a> {
    /// The name errors give.
    pub(super) path: &'a Path,
    pub(super) header: &'a MtxHeader,
    /// Line number of the size line (named in messages).
    pub(super) size_line: u64,
    /// Line number of the line before the input's first (the size line for the whole data;
    /// 0 for a part, whose caller makes its errors' lines absolute).
    pub(super) first_line: u64,
    pub(super) par: Par,
    /// Bytes of text a chunk holds, and the longest data line accepted.
    pub(super) chunk: usize,
    /// Whether this is all of the data, whose entries must then number what the size line
    /// declares; a part of the file (see `part`) only checks that it holds no more than that,
    /// and leaves the count to its caller.
    pub(super) whole: bool,
}

/// The data-reading loop, a three-stage pipeline over batches of chunks: while the rayon pool
/// parses batch `k`, this thread checks and hands batch `k - 1` to `sink` (in file order) and
/// reads batch `k + 1`.
pub(super) fn read_data<R: Read, T: Scalar, I: Index>(
    reader: &mut R,
    input: &Input<'_>,
    mut sink: impl FnMut(&Parsed<T, I>),
) -> Result<()> {
    let h = input.header;
    let threads = input.par.threads();
    let per_batch = if threads > 1 { 4 * threads } else { 1 };
    let new_batch = || Batch::<T, I> {
        jobs: (0..per_batch).map(|_| Job::default()).collect(),
        len: 0,
    };
    let mut check = Checker {
        path: input.path,
        size_line: input.size_line,
        declared: h.entries,
        line: input.first_line,
        total: 0,
        chunk: input.chunk,
    };
    let mut chunker = Chunker::new(input.chunk);
    let mut to_parse = new_batch();
    chunker
        .fill_batch(reader, &mut to_parse)
        .map_err(|e| Error::io_doing(check.path, "reading the data", e))?;
    let mut to_merge: Option<Batch<T, I>> = None;
    let mut spare = new_batch();
    let parse = |job: &mut Job<T, I>| {
        job.out.clear();
        parse_chunk(&job.text, h, &mut job.out);
    };
    while to_parse.len > 0 || to_merge.is_some() {
        let (mut merged, mut read) = (Ok(()), Ok(()));
        overlap(
            input.par,
            &mut to_parse.jobs[..to_parse.len],
            &parse,
            || {
                if let Some(b) = &to_merge {
                    merged = check.merge(b, &mut sink);
                }
                if merged.is_ok() {
                    read = chunker.fill_batch(reader, &mut spare);
                }
            },
        );
        merged?;
        read.map_err(|e| {
            // A part's line numbers are relative to its start: only the whole file's are shown.
            let what = if input.whole {
                format!("reading the data beyond line {}", check.line)
            } else {
                "reading the data".to_string()
            };
            Error::io_doing(check.path, what, e)
        })?;
        // Rotate: parsed -> to merge, read -> to parse, merged -> spare.
        let parsed = std::mem::replace(&mut to_parse, spare);
        spare = to_merge.take().unwrap_or_else(new_batch);
        to_merge = (parsed.len > 0).then_some(parsed);
    }
    if input.whole {
        check.finish(h.format)
    } else {
        Ok(())
    }
}

/// Checks the parsed chunks in file order and keeps count of lines and entries.
struct Checker<'a> {
    path: &'a Path,
    size_line: u64,
    declared: u64,
    /// Last line handed over.
    line: u64,
    /// Entries (data lines) handed over.
    total: u64,
    /// The chunk size, which is also the longest line accepted.
    chunk: usize,
}

impl Checker<'_> {
    fn merge<T, I>(&mut self, b: &Batch<T, I>, sink: &mut impl FnMut(&Parsed<T, I>)) -> Result<()> {
        let (path, declared) = (self.path, self.declared);
        for job in &b.jobs[..b.len] {
            let p = &job.out;
            if self.total + p.entries > declared {
                let at = self.line + nth_data_line(&job.text, declared - self.total);
                return Err(Error::parse(
                    path,
                    at,
                    format!(
                        "more entries than the {declared} declared by the size line (line {})",
                        self.size_line
                    ),
                ));
            }
            if let Some((l, msg)) = &p.err {
                return Err(Error::parse(path, self.line + l, msg.clone()));
            }
            sink(p);
            self.total += p.entries;
            self.line += p.lines;
            if job.overlong {
                return Err(Error::parse(
                    path,
                    self.line + 1,
                    format!(
                        "line is longer than {} (not Matrix Market data)",
                        bytes_text(self.chunk)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// At the end of the file: were all the declared entries there?
    fn finish(&self, format: MtxFormat) -> Result<()> {
        if self.total < self.declared {
            let what = match format {
                MtxFormat::Coordinate => "entries",
                MtxFormat::Array => "values",
            };
            return Err(Error::parse(
                self.path,
                self.line + 1,
                format!(
                    "file ends after {} of the {} {what} declared by the size line (line {})",
                    self.total, self.declared, self.size_line
                ),
            ));
        }
        Ok(())
    }
}

/// Chunks read together and parsed in parallel; `jobs[..len]` are in use.
struct Batch<T, I> {
    jobs: Vec<Job<T, I>>,
    len: usize,
}

/// A chunk of text and what parsing it gave.
#[derive(Default)]
struct Job<T, I> {
    text: Vec<u8>,
    overlong: bool,
    out: Parsed<T, I>,
}

/// Cuts a stream into chunks of about `chunk` bytes that end at a line end (the last one may
/// end at the end of the file without one).
struct Chunker {
    chunk: usize,
    /// The start of a line that did not fit the previous chunk.
    carry: Vec<u8>,
    eof: bool,
    /// Skipping the rest of a comment line longer than `chunk`.
    discard: bool,
}

impl Chunker {
    fn new(chunk: usize) -> Self {
        Chunker {
            chunk,
            carry: Vec::new(),
            eof: false,
            discard: false,
        }
    }

    fn done(&self) -> bool {
        self.eof && self.carry.is_empty()
    }

    /// Fills `text` with the next chunk. Returns `true` if the next line is longer than
    /// `chunk` and is not a comment (`text` then holds the lines before it, and reading stops).
    fn fill<R: Read>(&mut self, r: &mut R, text: &mut Vec<u8>) -> std::io::Result<bool> {
        text.clear();
        std::mem::swap(text, &mut self.carry);
        if self.discard {
            // `text` (the carry) is empty: skip to the end of the long comment line.
            loop {
                if read_more(r, text, self.chunk)? == 0 {
                    self.eof = true;
                    self.discard = false;
                    return Ok(false);
                }
                if let Some(k) = text.iter().position(|&b| b == b'\n') {
                    text.drain(..=k);
                    self.discard = false;
                    break;
                }
                text.clear();
            }
        }
        while text.len() < self.chunk && !self.eof {
            let want = self.chunk - text.len();
            if read_more(r, text, want)? < want {
                self.eof = true;
            }
        }
        if self.eof {
            return Ok(false);
        }
        match text.iter().rposition(|&b| b == b'\n') {
            Some(k) => {
                self.carry.extend_from_slice(&text[k + 1..]);
                text.truncate(k + 1);
                Ok(false)
            }
            None if first_nonblank(text) == Some(b'%') => {
                // One comment line of more than `chunk` bytes: keep it as "%\n" (still one
                // line) and drop the rest of it on the next call.
                text.clear();
                text.extend_from_slice(b"%\n");
                self.discard = true;
                Ok(false)
            }
            None => {
                text.clear();
                self.eof = true;
                Ok(true)
            }
        }
    }

    /// Fills the jobs of `b` with the next chunks, stopping at the end of the file or at an
    /// overlong line; `b.len` is how many were filled.
    fn fill_batch<R: Read, T, I>(&mut self, r: &mut R, b: &mut Batch<T, I>) -> std::io::Result<()> {
        b.len = 0;
        for job in b.jobs.iter_mut() {
            if self.done() {
                break;
            }
            job.overlong = self.fill(r, &mut job.text)?;
            b.len += 1;
            if job.overlong {
                break;
            }
        }
        Ok(())
    }
}

/// `bytes` as "1 MiB" when a whole number of MiB, else "100 bytes".
fn bytes_text(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// Appends up to `want` bytes from `r` to `buf`; fewer only at the end of the stream.
fn read_more<R: Read>(r: &mut R, buf: &mut Vec<u8>, want: usize) -> std::io::Result<usize> {
    buf.reserve(want);
    r.by_ref().take(want as u64).read_to_end(buf)
}
