//! One part of a `coordinate` file: the data lines that start in the `k`-th of `parts` equal
//! byte ranges of its data, parsed and checked as the whole-file reader does. Processes that
//! share a file each read one part, and none reads it all (`matvec-mpi` reads Matrix Market
//! files so, then sends each triplet to the owner of its row).
//!
//! Cutting by bytes needs no index of the file: a part starts at the first line that starts
//! at or after its cut, found by reading forward from the cut to the next line end, so two
//! neighbouring parts agree on their boundary without talking to each other.

use super::chunks::{self, Input};
use super::header::{MtxFormat, MtxHeader, MtxSymmetry};
use super::parse::Parsed;
use super::reader::{MIN_COORD_BYTES, MtxReader};
use super::triplets::Triplets;
use crate::error::{Error, Result};
use crate::stream::os::read_at;
use crate::{Coo, Index, Scalar};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Bytes read at a time while looking for a line end (the start of a part).
const SCAN: usize = 1 << 16;

/// The entries of one part of a Matrix Market `coordinate` file, read by
/// [`MtxReader::read_part`].
#[derive(Debug)]
pub struct MtxPart<T, I> {
    coo: Coo<T, I>,
    entries: u64,
    bytes: Range<u64>,
    path: PathBuf,
    header: MtxHeader,
    size_line: u64,
}

impl<T: Scalar, I: Index> MtxPart<T, I> {
    /// The triplets of the part's data lines, in file order, with the whole matrix's shape:
    /// symmetric entries mirrored and duplicates kept, as [`MtxReader::read_coo`] gives them.
    pub fn coo(&self) -> &Coo<T, I> {
        &self.coo
    }

    /// The triplets, by value.
    pub fn into_coo(self) -> Coo<T, I> {
        self.coo
    }

    /// Data lines (entries as the file counts them, before mirroring) in this part. The
    /// parts' counts add up to the file's; compare the sum with the size line by
    /// [`check_entries`](Self::check_entries).
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// The bytes of the file this part read: whole lines, the parts' ranges tiling the data.
    pub fn bytes(&self) -> Range<u64> {
        self.bytes.clone()
    }

    /// The file's banner and size line.
    pub fn header(&self) -> &MtxHeader {
        &self.header
    }

    /// Checks `total`, the sum of every part's [`entries`](Self::entries), against the
    /// entries the size line declares: the check the whole-file reader makes at the end.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] on the size line if they differ.
    pub fn check_entries(&self, total: u64) -> Result<()> {
        let declared = self.header.entries;
        if total == declared {
            return Ok(());
        }
        let only = if total < declared { "only " } else { "" };
        Err(Error::parse(
            &self.path,
            self.size_line,
            format!("the size line declares {declared} entries, but the file holds {only}{total}"),
        ))
    }
}

impl MtxReader<BufReader<File>> {
    /// Reads part `part` of `parts` of a `coordinate` file: the data lines that start in the
    /// `part`-th of `parts` equal byte ranges of the data (whole lines; the parts tile the
    /// data, so every line is read by exactly one part). Reads only those bytes, plus up to
    /// one line before them to find where the part starts.
    ///
    /// Each part's lines are checked as [`read_coo`](MtxReader::read_coo) checks them, with
    /// the same messages and line numbers (on an error, the lines before the part are counted
    /// to name the line). A part holding more entries than the size line declares for the
    /// whole file is an error at once (so memory stays bounded by the declared count, as in
    /// `read_coo`); the exact count is the caller's to check, once the parts'
    /// [`entries`](MtxPart::entries) are summed ([`MtxPart::check_entries`]).
    ///
    /// # Errors
    ///
    /// As [`read_coo`](MtxReader::read_coo), except for the count of entries; and
    /// [`Error::Parse`] on line 1 for an `array` file, where a value's position depends on
    /// how many come before it.
    ///
    /// # Panics
    ///
    /// If `part >= parts`.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::io::mtx::MtxReader;
    ///
    /// let path = std::env::temp_dir().join(format!("matvec-doc-part-{}.mtx", std::process::id()));
    /// std::fs::write(&path, "%%MatrixMarket matrix coordinate real general\n3 3 3\n1 1 1\n2 2 2\n3 3 3\n")?;
    /// let parts: Vec<_> = (0..2)
    ///     .map(|k| MtxReader::open(&path)?.read_part::<f64, u32>(k, 2))
    ///     .collect::<Result<_, _>>()?;
    /// let total: u64 = parts.iter().map(|p| p.entries()).sum();
    /// parts[0].check_entries(total)?;
    /// assert_eq!(parts[0].coo().values(), [1.0, 2.0]);
    /// assert_eq!(parts[1].coo().values(), [3.0]);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_part<T: Scalar, I: Index>(
        mut self,
        part: usize,
        parts: usize,
    ) -> Result<MtxPart<T, I>> {
        assert!(
            part < parts,
            "read_part: part {part} of {parts} does not exist"
        );
        if self.header.format != MtxFormat::Coordinate {
            return Err(Error::parse(
                &self.path,
                1,
                "only a `coordinate` file can be read in parts: an `array` value's position \
                 depends on every value before it (read the whole file with read_dense)",
            ));
        }
        self.check_dims::<I>()?;
        let path = self.path.clone();
        let data_start = self
            .reader
            .stream_position()
            .map_err(|e| Error::io_doing(&path, "finding the end of the header", e))?;
        let file_len = self.file_len.unwrap_or(data_start).max(data_start);
        let mut file = self.reader.into_inner();
        let span = file_len - data_start;
        let cut = |k: usize| data_start + (span as u128 * k as u128 / parts as u128) as u64;
        let start = line_start(&file, &path, cut(part), data_start, file_len)?;
        let end = if part + 1 == parts {
            file_len
        } else {
            line_start(&file, &path, cut(part + 1), data_start, file_len)?
        };
        file.seek(SeekFrom::Start(start))
            .map_err(|e| Error::io_doing(&path, format!("seeking to byte {start}"), e))?;
        let h = self.header;
        // The first reservation: what the part's bytes can hold, at most what the size line
        // declares; growth never passes what the declared entries expand to.
        let mirror = if h.symmetry == MtxSymmetry::General {
            1
        } else {
            2
        };
        let limit = usize::try_from(h.entries)
            .unwrap_or(usize::MAX)
            .saturating_mul(mirror);
        let first = ((end - start) / MIN_COORD_BYTES).min(h.entries);
        let mut trip = Triplets::<T, I>::with_capacity(usize::try_from(first).unwrap_or(0));
        let mut entries = 0u64;
        let input = Input {
            path: &path,
            header: &h,
            size_line: self.size_line,
            // Lines are counted from the part's start; an error's line is made absolute below.
            first_line: 0,
            par: self.par,
            chunk: self.chunk,
            whole: false,
        };
        let read = chunks::read_data(
            &mut (&file).take(end - start),
            &input,
            |p: &Parsed<T, I>| {
                entries += p.entries;
                trip.append(&p.data, limit);
            },
        );
        if let Err(e) = read {
            return Err(match e {
                Error::Parse {
                    path,
                    line,
                    message,
                } => {
                    let before = count_lines(&file, &path, data_start..start)?;
                    Error::Parse {
                        path,
                        line: self.size_line + before + line,
                        message,
                    }
                }
                other => other,
            });
        }
        Ok(MtxPart {
            coo: Coo::try_from_triplets(h.nrows, h.ncols, trip.rows, trip.cols, trip.vals)?,
            entries,
            bytes: start..end,
            path,
            header: h,
            size_line: self.size_line,
        })
    }
}

/// Where the first line starting at or after `at` starts (`data_start` if `at` is there or
/// before; `file_len` if no line starts after it).
fn line_start(file: &File, path: &Path, at: u64, data_start: u64, file_len: u64) -> Result<u64> {
    if at <= data_start {
        return Ok(data_start);
    }
    // A line starts at `at` if the byte before it ends one.
    let mut buf = vec![0u8; SCAN];
    let mut pos = at - 1;
    while pos < file_len {
        let want = SCAN.min((file_len - pos) as usize);
        let got = read_at(file, &mut buf[..want], pos).map_err(|e| {
            Error::io_doing(path, format!("reading {want} bytes at offset {pos}"), e)
        })?;
        if got == 0 {
            break; // the file shrank
        }
        if let Some(k) = buf[..got].iter().position(|&b| b == b'\n') {
            return Ok(pos + k as u64 + 1);
        }
        pos += got as u64;
    }
    Ok(file_len)
}

/// Line ends in `range` of the file (read in blocks; only on the way to an error).
fn count_lines(file: &File, path: &Path, range: Range<u64>) -> Result<u64> {
    let mut buf = vec![0u8; SCAN];
    let (mut pos, mut lines) = (range.start, 0u64);
    while pos < range.end {
        let want = SCAN.min((range.end - pos) as usize);
        let got = read_at(file, &mut buf[..want], pos).map_err(|e| {
            Error::io_doing(path, format!("reading {want} bytes at offset {pos}"), e)
        })?;
        if got == 0 {
            break;
        }
        lines += buf[..got].iter().filter(|&&b| b == b'\n').count() as u64;
        pos += got as u64;
    }
    Ok(lines)
}
