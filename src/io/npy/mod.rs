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
//!
//! Split by concept: the header (`header.rs`: dtypes, parsing, length check, formatting; the
//! dict literal's parser in `dict.rs`), the streaming writer (`write.rs`) and 1-D vectors
//! (`vector.rs`).

mod dict;
mod header;
mod vector;
mod write;

pub use header::{
    MAGIC, NpyDtype, NpyHeader, check_data_len, format_header, parse_header, read_header,
};
pub(crate) use header::{RawHeader, format_raw_header, parse_raw_header, shape_str};
pub use vector::{NpyVector, read_vector};
pub use write::{NpyWriter, write_dense, write_vector};
