//! The operating-system calls of the streaming engine, in one small module with a documented
//! fallback: page-cache advice (`posix_fadvise`) and page-cache bypass (`O_DIRECT`) exist on
//! Linux (and advice on other Unixes); elsewhere advice is a no-op and direct reads are refused
//! with an error saying so. Advice only changes speed, never results, so its failures are
//! ignored.

use crate::error::Result;
use std::fs::File;
use std::path::Path;

/// Alignment of buffers, file offsets and lengths for direct reads: 4 KiB, the page size and
/// a multiple of every logical block size Linux file systems use.
pub(crate) const DIRECT_ALIGN: usize = 4096;

/// Opens `path` read-only, refusing anything but a regular file (see `io::open_input`); with
/// `direct`, bypassing the page cache (`O_DIRECT`).
pub(crate) fn open(path: &Path, direct: bool) -> Result<File> {
    if !direct {
        return Ok(crate::io::open_file(path)?.0);
    }
    #[cfg(target_os = "linux")]
    {
        Ok(crate::io::open_input(path, libc::O_DIRECT)?.0)
    }
    #[cfg(not(target_os = "linux"))]
    Err(crate::error::Error::io(
        path,
        std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "direct reads (bypassing the page cache) are only supported on Linux",
        ),
    ))
}

/// Page-cache advice for a byte range of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Advice {
    /// The file is read front to back: a larger kernel read-ahead window.
    Sequential,
    /// Start reading this range into the page cache now (asynchronous read-ahead).
    WillNeed,
    /// This range will not be needed again: drop it from the page cache.
    DontNeed,
}

/// Gives `advice` for `len` bytes at `offset` of `file` (`len == 0`: to the end of the file).
pub(crate) fn advise(file: &File, advice: Advice, offset: u64, len: u64) {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let advice = match advice {
            Advice::Sequential => libc::POSIX_FADV_SEQUENTIAL,
            Advice::WillNeed => libc::POSIX_FADV_WILLNEED,
            Advice::DontNeed => libc::POSIX_FADV_DONTNEED,
        };
        let (Ok(offset), Ok(len)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len))
        else {
            return; // past what the call can name: advice is optional
        };
        // SAFETY: a system call on a descriptor `file` owns for the duration of the call; it
        // reads no memory of ours and only advises the kernel's page cache.
        unsafe {
            libc::posix_fadvise(file.as_raw_fd(), offset, len, advice);
        }
    }
    #[cfg(not(unix))]
    let _ = (file, advice, offset, len);
}

/// The size of a memory page (4096 where the system cannot say).
pub(crate) fn page_size() -> usize {
    #[cfg(unix)]
    {
        // SAFETY: sysconf has no preconditions.
        let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if p > 0 {
            return p as usize;
        }
    }
    4096
}

/// `pread`: reads up to `buf.len()` bytes at `offset` without moving a file position, so
/// that several threads can read one file at once.
pub(crate) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::FileExt::seek_read(file, buf, offset)
    }
}
