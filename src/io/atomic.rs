//! Files that appear under their final name only when complete: every writer of the crate
//! writes to a temporary file in the destination's directory, flushes and syncs it, and
//! renames it over the destination. A writer dropped before it commits (an error, a panic)
//! removes its temporary file, so nothing partial is ever left behind.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A buffered temporary file next to `path`, renamed over it by [`commit`](Self::commit).
pub(crate) struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Creates the temporary file.
    pub(crate) fn create(path: &Path) -> Result<Self> {
        let tmp = temp_path(path);
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            file: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    /// The final name.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary name (where I/O errors happen).
    pub(crate) fn tmp(&self) -> &Path {
        &self.tmp
    }

    /// The buffered writer.
    pub(crate) fn writer(&mut self) -> &mut BufWriter<File> {
        self.file
            .as_mut()
            .expect("the file is present until commit or drop")
    }

    /// Writes all of `bytes`, naming the temporary file in errors.
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let tmp = &self.tmp;
        self.file
            .as_mut()
            .expect("the file is present until commit or drop")
            .write_all(bytes)
            .map_err(|e| Error::io(tmp, e))
    }

    /// Flushes, syncs (so that a crash after the rename cannot leave a file with missing
    /// data under the final name) and renames over the destination.
    pub(crate) fn commit(mut self) -> Result<()> {
        let w = self
            .file
            .take()
            .expect("the file is present until commit or drop");
        let file = w
            .into_inner()
            .map_err(|e| Error::io(&self.tmp, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.tmp, e))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        self.tmp = PathBuf::new();
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        drop(self.file.take());
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// A temporary name next to `path`: same directory (so the rename is atomic), hidden, unique
/// to this process and call.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}
