//! [`open_or_load`]: map a file when it can be mapped, read it into memory otherwise.

use super::inspect::{Attempt, map_file};
use super::{Mapped, MmapCsc, MmapCsr};
use crate::Index;
use crate::error::Result;
use crate::io::npz::{self, Archive, NpzFormat};
use crate::matvec::MatVec;
use crate::memory::Footprint;
use crate::{Csc, Csr, Par, Scalar, Widen};
use std::io::Cursor;
use std::marker::PhantomData;
use std::path::Path;

/// A sparse `.npz` matrix opened by [`open_or_load`]: mapped in place when the file allows
/// it, read into memory otherwise.
#[derive(Debug)]
pub enum MappedOrLoaded<T: Scalar, I: Index = u32> {
    /// A CSR file, mapped (zero-copy).
    MappedCsr(MmapCsr<T, I>),
    /// A CSC file, mapped (zero-copy).
    MappedCsc(MmapCsc<T, I>),
    /// A CSR or COO file, read into memory.
    Csr {
        /// The matrix (sorted, duplicates summed).
        matrix: Csr<T, I>,
        /// What prevented mapping.
        why: String,
    },
    /// A CSC file, read into memory.
    Csc {
        /// The matrix (sorted, duplicates summed).
        matrix: Csc<T, I>,
        /// What prevented mapping.
        why: String,
    },
}

impl<T: Scalar, I: Index> MappedOrLoaded<T, I> {
    /// `true` if the matrix is read in place from the file.
    pub fn is_mapped(&self) -> bool {
        matches!(self, Self::MappedCsr(_) | Self::MappedCsc(_))
    }
    /// Why the file was loaded rather than mapped, or `None` if it is mapped.
    pub fn why_loaded(&self) -> Option<&str> {
        match self {
            Self::Csr { why, .. } | Self::Csc { why, .. } => Some(why),
            _ => None,
        }
    }
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        match self {
            Self::MappedCsr(a) => a.nnz(),
            Self::MappedCsc(a) => a.nnz(),
            Self::Csr { matrix, .. } => matrix.nnz(),
            Self::Csc { matrix, .. } => matrix.nnz(),
        }
    }
    fn op<V: Scalar>(&self) -> &dyn MatVec<V>
    where
        T: Widen<V>,
    {
        match self {
            Self::MappedCsr(a) => a,
            Self::MappedCsc(a) => a,
            Self::Csr { matrix, .. } => matrix,
            Self::Csc { matrix, .. } => matrix,
        }
    }
}

/// An `f32` file serves `f64` vectors too (widened, accumulated in `f64`).
impl<T: Scalar + Widen<V>, V: Scalar, I: Index> MatVec<V> for MappedOrLoaded<T, I> {
    fn nrows(&self) -> usize {
        self.op::<V>().nrows()
    }
    fn ncols(&self) -> usize {
        self.op::<V>().ncols()
    }
    #[track_caller]
    fn mul_vec(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) {
        self.op::<V>().mul_vec(alpha, x, beta, y, par)
    }
    #[track_caller]
    fn mul_vec_t(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) {
        self.op::<V>().mul_vec_t(alpha, x, beta, y, par)
    }
    #[track_caller]
    fn mul_mat(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) {
        self.op::<V>().mul_mat(alpha, x, beta, y, par)
    }
    #[track_caller]
    fn mul_mat_t(&self, alpha: V, x: &[V], beta: V, y: &mut [V], par: Par) {
        self.op::<V>().mul_mat_t(alpha, x, beta, y, par)
    }
}

impl<T: Scalar, I: Index> Footprint for MappedOrLoaded<T, I> {
    fn heap_bytes(&self) -> usize {
        match self {
            Self::MappedCsr(a) => a.heap_bytes(),
            Self::MappedCsc(a) => a.heap_bytes(),
            Self::Csr { matrix, .. } => matrix.heap_bytes(),
            Self::Csc { matrix, .. } => matrix.heap_bytes(),
        }
    }
    fn data_bytes(&self) -> usize {
        match self {
            Self::MappedCsr(a) => a.data_bytes(),
            Self::MappedCsc(a) => a.data_bytes(),
            Self::Csr { matrix, .. } => matrix.data_bytes(),
            Self::Csc { matrix, .. } => matrix.data_bytes(),
        }
    }
}

/// Opens the `.npz` file `path`: memory-mapped (zero-copy) when it can be — exactly when
/// [`MmapCsr::open`] or [`MmapCsc::open`] would succeed, see the [module
/// docs](crate::mmap::sparse) — and read into memory otherwise: compressed members, offsets
/// that are not int64, indices that do not match `I`, values that are not `T` (converted,
/// rounded once), misaligned arrays, unsorted or duplicate indices (sorted and summed), a
/// big-endian machine, and COO files (compressed to CSR). The result says which happened and
/// why ([`MappedOrLoaded::why_loaded`]).
///
/// # Safety
///
/// As [`MmapCsr::open`]: the file must not be modified or truncated while it is mapped (a
/// loaded matrix no longer refers to the file, but the file is mapped while it is read).
///
/// # Errors
///
/// [`Error::Io`](crate::Error::Io) if the file cannot be opened or mapped; [`Error::Format`](crate::Error::Format) naming the file
/// and the member if it is not a valid `.npz` sparse matrix (see
/// [`io::npz::read`](crate::io::npz::read)).
///
/// # Examples
///
/// ```
/// use matvec::io::npz;
/// use matvec::mmap::{MappedOrLoaded, open_or_load};
/// use matvec::{Csr, MatVec};
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-open-or-load-{}.npz", std::process::id()));
/// npz::write_csr(&path, Csr::<f64>::identity(3).view())?;
///
/// // SAFETY: nobody modifies the file while it is mapped.
/// let a = unsafe { open_or_load::<f64, u32>(&path)? };
/// assert!(a.is_mapped());
/// // f32 values cannot be viewed in an f64 file: loaded (and converted) instead.
/// let b = unsafe { open_or_load::<f32, u32>(&path)? };
/// assert!(matches!(b, MappedOrLoaded::Csr { .. }));
/// assert!(b.why_loaded().unwrap().contains("'data.npy'"));
/// assert_eq!(b.matvec(&[1.0, 2.0, 3.0]), vec![1.0, 2.0, 3.0]);
/// # drop((a, b));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub unsafe fn open_or_load<T: Scalar, I: Index>(
    path: impl AsRef<Path>,
) -> Result<MappedOrLoaded<T, I>> {
    let path = path.as_ref();
    // SAFETY: forwarded to our caller.
    let (map, attempt) = unsafe { map_file::<T, I>(path) }?;
    match attempt {
        Attempt::Mapped {
            format,
            nrows,
            ncols,
            ranges: [ptr, idx, val],
        } => {
            let m = Mapped {
                path: path.to_path_buf(),
                map,
                nrows,
                ncols,
                ptr,
                idx,
                val,
            };
            let _marker = PhantomData;
            Ok(if format == NpzFormat::Csc {
                MappedOrLoaded::MappedCsc(MmapCsc { m, _marker })
            } else {
                MappedOrLoaded::MappedCsr(MmapCsr { m, _marker })
            })
        }
        Attempt::Load { format, why } => {
            // Read from the mapping we already have: the same bytes that were inspected.
            let mut a = Archive::new(Cursor::new(&map[..]), map.len() as u64, path)?;
            let matrix = npz::read_archive::<T, I, _>(&mut a)?;
            Ok(if format == NpzFormat::Csc {
                MappedOrLoaded::Csc {
                    matrix: matrix.into_csc(),
                    why,
                }
            } else {
                MappedOrLoaded::Csr {
                    matrix: matrix.into_csr(),
                    why,
                }
            })
        }
    }
}
