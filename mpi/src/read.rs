//! Each process reads only its own rows of a file: the matrix from a stored `.npz` (or, by
//! [`read_matrix`], a Matrix Market file: `read_mtx`), and its part of a vector from a 1-D
//! `.npy`.

use crate::dist_csr::{DistCsr, DistScalar};
use crate::error::{Error, Result, agree};
use crate::layout::Layout;
use matvec::io::npy::{self, NpyDtype};
use matvec::stream::NpzRows;
use mpi::traits::*;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Reads a CSR matrix from a stored `.npz` (what `matvec::io::npz::write_csr`, the `matvec
/// convert` command and `scipy.sparse.save_npz(..., compressed=False)` write), each process
/// reading only its rows with positioned reads. Collective.
///
/// Rank 0 balances the rows by nonzeros plus one per row by binary search on `indptr`
/// (`O(P·log n)` reads of one element, never the whole array) and broadcasts the cuts; then
/// every process reads `indptr` over its rows and the `indices` and `data` between, checked
/// as `matvec`'s streaming reader checks them. No process holds more than its rows.
///
/// # Errors
///
/// On every process, if any fails: the file's own error (missing, not a stored CSR `.npz`,
/// values not `T`, offsets or indices out of range), naming the file and the position.
pub fn read_npz<T: DistScalar>(
    comm: &impl Communicator,
    path: impl AsRef<Path>,
) -> Result<DistCsr<T>> {
    let path = path.as_ref();
    let p = comm.size() as usize;
    let rows = agree(comm, NpzRows::<T, usize>::open(path).map_err(Error::from))?;
    let (n, ncols) = (rows.nrows(), rows.ncols());
    // Rank 0 cuts the rows; a read error inside the search is kept and reported after it.
    let mut cuts = vec![0u64; p + 1];
    let found = if comm.rank() == 0 {
        let failed = std::cell::RefCell::new(None);
        let layout = Layout::balanced(n, p, |i| match rows.offset(i) {
            Ok(o) => o + i,
            Err(e) => {
                failed.borrow_mut().get_or_insert(e);
                0
            }
        });
        for (c, &o) in cuts.iter_mut().zip(layout.offsets()) {
            *c = o as u64;
        }
        match failed.into_inner() {
            Some(e) => Err(Error::from(e)),
            None => Ok(()),
        }
    } else {
        Ok(())
    };
    agree(comm, found)?;
    comm.process_at_rank(0).broadcast_into(&mut cuts[..]);
    let layout = Layout::from_offsets(cuts.iter().map(|&c| c as usize).collect());
    let mine = layout.range(comm.rank() as usize);
    let local = agree(comm, rows.read(mine).map_err(Error::from))?;
    let cols = if n == ncols {
        layout.clone()
    } else {
        Layout::even(ncols, p)
    };
    DistCsr::from_local_rows(comm, layout, cols, local)
}

/// Reads a matrix by its file's extension: `.npz` by [`read_npz`], `.mtx` by
/// [`read_mtx`](crate::read_mtx) (case-insensitive). Collective.
///
/// # Errors
///
/// Another extension, or the reader's errors (on every process).
pub fn read_matrix<T: DistScalar>(
    comm: &impl Communicator,
    path: impl AsRef<Path>,
) -> Result<DistCsr<T>> {
    let path = path.as_ref();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("npz") => read_npz(comm, path),
        Some("mtx") => crate::read_mtx(comm, path),
        _ => Err(Error::Invalid(format!(
            "{}: expected a matrix file ending in .npz (a stored CSR) or .mtx (Matrix Market)",
            path.display()
        ))),
    }
}

/// This process's part (`layout.range(rank)`) of a 1-D float32/float64 `.npy` vector, read
/// with one positioned read (float32 widened to `f64`). Collective only in its error: every
/// process fails if any does.
///
/// # Errors
///
/// The file is missing or not a 1-D float `.npy`, its length is not `layout.len()`, or it is
/// shorter than its header says: naming the file.
pub fn read_vector_part(
    comm: &impl Communicator,
    path: impl AsRef<Path>,
    layout: &Layout,
) -> Result<Vec<f64>> {
    let path = path.as_ref();
    let r = layout.range(comm.rank() as usize);
    let local = (|| -> Result<Vec<f64>> {
        let h = npy::read_header(path)?;
        let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
        let file_len = file.metadata().map_err(|e| io_error(path, e))?.len();
        npy::check_data_len(&h, file_len, path)?;
        if h.shape.len() != 1 || h.shape[0] != layout.len() {
            return Err(Error::Invalid(format!(
                "{}: the vector has shape {:?}, but the matrix needs a 1-D vector of {} entries",
                path.display(),
                h.shape,
                layout.len()
            )));
        }
        let size = h.dtype.size();
        let mut raw = vec![0u8; r.len() * size];
        file.read_exact_at(&mut raw, (h.data_offset + r.start * size) as u64)
            .map_err(|e| io_error(path, e))?;
        Ok(match h.dtype {
            NpyDtype::F64 => raw
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
                .collect(),
            NpyDtype::F32 => raw
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")) as f64)
                .collect(),
        })
    })();
    agree(comm, local)
}

/// An I/O error naming the file.
fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Invalid(format!("{}: {e}", path.display()))
}
