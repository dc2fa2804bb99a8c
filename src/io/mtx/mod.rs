//! Matrix Market (`.mtx`): a streaming, parallel reader and an atomic writer.
//!
//! Matrix Market is the NIST text format in which every sparse collection (SuiteSparse,
//! the original Matrix Market) publishes its matrices. A file is a banner, comment lines, a
//! size line and the data:
//!
//! ```text
//! %%MatrixMarket matrix coordinate real symmetric
//! % any number of comment lines
//! 3 3 4            <- rows, columns, stored entries
//! 1 1 2.0          <- row, column, value (1-based)
//! 2 1 -1
//! 2 2 2.0
//! 3 3 1e-3
//! ```
//!
//! # What is read
//!
//! | banner word | accepted |
//! |---|---|
//! | object | `matrix` (`vector` is rejected) |
//! | format | `coordinate` (sparse triplets), `array` (dense, column-major, one value a line) |
//! | field | `real` (or `double`, as scipy accepts), `integer` (exact 64-bit integers, rounded once to `T`), `pattern` (every value 1, `coordinate` only); `complex` is rejected |
//! | symmetry | `general`, `symmetric`, `skew-symmetric`; `hermitian` is rejected |
//!
//! Start with [`read_csr`], [`read_coo`] or [`read_dense`], or open an [`MtxReader`] to look
//! at the [`MtxHeader`] first (also for any [`BufRead`], such as standard input). Which
//! reader accepts which format:
//!
//! | | `coordinate` file | `array` file |
//! |---|---|---|
//! | [`read_coo`] / [`read_csr`] | the triplets (duplicates summed by `into_csr`) | the nonzero values (exact zeros dropped, as `scipy.sparse.coo_array(mmread(f))` does) |
//! | [`read_dense`] | error (a sparse file's `rows × cols` is not proven by its data) | a column-major [`Dense`] |
//!
//! Conventions, matching `scipy.io.mmread` (fast_matrix_market) unless marked *stricter*:
//!
//! * Banner words are case-insensitive (*more lenient*: scipy wants `%%MatrixMarket`
//!   spelled so). Leading blanks are allowed.
//! * Comment lines (first non-blank character `%`) and blank lines are skipped anywhere after
//!   the banner (*more lenient*: scipy rejects them between data lines). Tokens are separated
//!   by spaces or tabs; `\r\n` line ends are accepted.
//! * `symmetric` and `skew-symmetric` files store one triangle: an entry `(i, j, v)` with
//!   `i ≠ j` also gives `(j, i, v)`, resp. `(j, i, -v)`, whichever triangle it is in. A
//!   diagonal entry of a skew-symmetric file is kept as written, as scipy does (the NIST
//!   specification says such files have none; a zero one is harmless). A symmetric or
//!   skew-symmetric matrix must be square (*stricter*: scipy reads a non-square one into
//!   garbage or an error later on).
//! * Duplicate coordinates are kept by [`read_coo`] and summed by [`Coo::into_csr`], hence by
//!   [`read_csr`] (as `scipy`'s `tocsr()` does). An entry and its mirror image stored in
//!   the same symmetric file are summed too.
//! * Values are parsed with Rust's `str::parse`, correctly rounded to `T` (an `f32` is parsed
//!   as `f32`, never through `f64`). `nan`, `inf`, `infinity` (any case, optionally signed)
//!   are accepted, as Python's `float()` and scipy accept them; out-of-range magnitudes become
//!   `±inf` or `±0`, as in Python. Hexadecimal (`0x10`), Fortran (`1.5D2`) and
//!   underscore (`1_000`) forms are errors (*stricter*: scipy silently reads the first two
//!   as `0` and `1.5`).
//! * `integer` values must be integers that fit `i64` (*stricter*: scipy truncates `1.5` to
//!   `1`).
//! * Every data line has exactly the tokens its format needs: 3 for `coordinate`
//!   `real`/`integer`, 2 for `pattern`, 1 for `array` (*stricter*: scipy ignores extra
//!   tokens, such as a value on a pattern line or a trailing `% comment`).
//! * A line longer than 1 MiB is an error unless it is a comment (which is skipped): no
//!   Matrix Market data line comes near that, and it bounds what one line can make the
//!   reader hold.
//!
//! # Errors
//!
//! Every problem with the text is an [`Error::Parse`] naming the file, the 1-based line and
//! what was expected; problems reading the file are [`Error::Io`]. No input makes the reader
//! panic, and no header makes it allocate: memory grows with the entries actually read, in
//! chunks (a size line claiming 10¹² entries costs nothing until they arrive), and the
//! first reservation for a file is capped by what its length can hold.
//!
//! # Speed
//!
//! The file is read in chunks of 1 MiB cut at line ends, never whole; batches of chunks are
//! parsed in parallel on the current rayon pool (see [`MtxReader::par`]) and appended in
//! file order, so the result is the same for any number of threads. `benches/mtx.rs`
//! measures it against `scipy.io.mmread`.
//!
//! # Writing
//!
//! [`write_csr`], [`write_coo`] (`coordinate real general`) and [`write_dense`] (`array real
//! general`) print every value in the shortest form that reads back to the same bits, to a
//! temporary file in the destination's directory that is renamed over the destination only
//! when complete.
//!
//! # Examples
//!
//! ```
//! use matvec::io::mtx;
//! use matvec::{Coo, MatVec};
//!
//! let dir = std::env::temp_dir().join(format!("matvec-doc-mtx-mod-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("a.mtx");
//! std::fs::write(
//!     &path,
//!     "%%MatrixMarket matrix coordinate real symmetric\n% a 2 x 2\n2 2 2\n1 1 4\n2 1 1.5\n",
//! )?;
//! let a = mtx::read_csr::<f64, u32>(&path)?;
//! assert_eq!(a.nnz(), 3); // (2, 1) was mirrored to (1, 2)
//! assert_eq!(a.matvec(&[1.0, 1.0]), vec![5.5, 1.5]);
//!
//! mtx::write_csr(&path, a.view())?; // `coordinate real general`, round-trip exact
//! assert_eq!(mtx::read_csr::<f64, u32>(&path)?, a);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`BufRead`]: std::io::BufRead
//! [`Coo::into_csr`]: crate::Coo::into_csr
//! [`Dense`]: crate::Dense
//! [`Error::Io`]: crate::Error::Io
//! [`Error::Parse`]: crate::Error::Parse

// One concept a file, each depending only on those listed before it (no cycle):
// - `lex`: bytes to tokens and numbers (the leaf).
// - `header`: the public header types; banner and size line parsing.
// - `triplets`: where entries go; the walk over a symmetric array file's triangle.
// - `parse`: data lines of one chunk, the fast paths and the precise errors.
// - `chunks`: the chunked, pipelined, parallel data-reading loop and its checks (free
//   functions over any `Read`; threads through `crate::par::overlap`).
// - `reader`: `MtxReader`, every method of it (open, header, `Par`, read as COO/CSR/dense),
//   and the one-call readers.
// - `part`: `MtxReader::read_part`, one byte range of a coordinate file (for processes that
//   share the reading), and `MtxPart`.
// - `write`: the atomic, parallel writers.

mod chunks;
mod header;
mod lex;
mod parse;
mod part;
mod reader;
#[cfg(test)]
mod tests;
mod triplets;
mod write;

pub use header::{MtxField, MtxFormat, MtxHeader, MtxSymmetry};
pub use part::MtxPart;
pub use reader::{MtxReader, read_coo, read_csr, read_dense, read_header};
pub use write::{write_coo, write_csr, write_dense};

/// Bytes of text a chunk holds (cut back to the last line end). Also the longest data line
/// accepted: no real Matrix Market line comes near it. Longer comment lines are skipped.
const CHUNK: usize = 1 << 20;
