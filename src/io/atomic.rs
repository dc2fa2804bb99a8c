//! Files that appear under their final name only when complete: every writer of the crate
//! writes to a temporary file in the destination's directory, flushes and syncs it, renames
//! it over the destination and syncs the directory. A writer dropped before it commits (an
//! error, a panic) removes its temporary file, so nothing partial is ever left behind.
//!
//! The temporary file comes from the `tempfile` crate: created exclusively (`O_EXCL`) under a
//! random name, so a symlink planted where a temporary name could be guessed cannot redirect
//! the write (the hand-written version before it used `File::create` on a predictable name).
//! It is created with the mode a plain `File::create` would use (`0o666` less the umask), so
//! the final file's permissions are the usual ones, not `tempfile`'s private `0o600`.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use tempfile::TempPath;

/// A buffered temporary file next to `path`, renamed over it by [`commit`](Self::commit).
pub(crate) struct AtomicFile {
    path: PathBuf,
    /// Removes the temporary file when dropped, unless persisted.
    tmp: TempPath,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Creates the temporary file, exclusively, in `path`'s directory.
    pub(crate) fn create(path: &Path) -> Result<Self> {
        // Refused before anything is written (the rename would fail only at the end).
        if path.is_dir() {
            return Err(Error::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    "is a directory: give the name of the file to write",
                ),
            ));
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let named = builder.tempfile_in(dir).map_err(|e| Error::io(path, e))?;
        let (file, tmp) = named.into_parts();
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

    /// The buffered writer.
    pub(crate) fn writer(&mut self) -> &mut BufWriter<File> {
        self.file
            .as_mut()
            .expect("the file is present until commit or drop")
    }

    /// Writes all of `bytes`. Errors name the destination (the name the caller gave, not
    /// the temporary one, which is gone once the writer is dropped).
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let path: &Path = &self.path;
        self.file
            .as_mut()
            .expect("the file is present until commit or drop")
            .write_all(bytes)
            .map_err(|e| Error::io(path, e))
    }

    /// Flushes, syncs the data (so that a crash after the rename cannot leave a file with
    /// missing data under the final name), renames over the destination, and syncs the
    /// directory (so that the rename itself survives a crash).
    pub(crate) fn commit(mut self) -> Result<()> {
        let w = self
            .file
            .take()
            .expect("the file is present until commit or drop");
        let file = w
            .into_inner()
            .map_err(|e| Error::io(&self.path, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.path, e))?;
        drop(file);
        let AtomicFile { path, tmp, .. } = self;
        tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        #[cfg(unix)]
        if let Some(dir) = path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| Error::io(dir, e))?;
        }
        Ok(())
    }
}
