//! Opening the files we read: regular files only. A directory, a FIFO (named pipe), a device
//! or a socket given where a matrix or vector file is expected is refused at once with an
//! error naming it, instead of a confusing read error later, a blocked process (opening a
//! FIFO waits for a writer) or a "length" that is not one.
//!
//! On Unix the file is opened with `O_NONBLOCK`, so that opening a FIFO returns at once and
//! can be refused; the flag is left set, since it has no effect on regular files (reads and
//! maps of a regular file never return `EAGAIN`). Readers of pipes and standard input use
//! [`MtxReader::new`](crate::io::mtx::MtxReader::new) over any `BufRead` instead.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;

/// Opens `path` for reading, with extra `open(2)` flags on Unix (`O_DIRECT`), refusing
/// anything but a regular file. Returns the file and its length.
pub(crate) fn open_input(path: &Path, #[allow(unused)] flags: i32) -> Result<(File, u64)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | flags);
    }
    let file = options.open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok((file, meta.len()));
    }
    let (error_kind, what) = if kind.is_dir() {
        (ErrorKind::IsADirectory, "a directory")
    } else {
        (ErrorKind::InvalidInput, special_kind(&kind))
    };
    Err(Error::io(
        path,
        std::io::Error::new(
            error_kind,
            format!(
                "is {what}, not a regular file (matrix and vector files must be regular \
                 files; a Matrix Market stream can be read with MtxReader::new)"
            ),
        ),
    ))
}

/// Opens `path` for reading as [`open_input`] with no extra flags.
pub(crate) fn open_file(path: &Path) -> Result<(File, u64)> {
    open_input(path, 0)
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else {
        "not a file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "not a file"
}
