//! Opening a file for mapping: checking everything once, and finding out whether its arrays
//! can be used in place (and if not, why).

use super::Mapped;
use crate::Index;
use crate::error::{Error, Result, StructureError};
use crate::io::Dtype;
use crate::io::npz::{self, Archive, Member, NpzFormat};
use crate::{CscView, CsrView, Scalar};
use memmap2::Mmap;
use std::io::Cursor;
use std::ops::Range;
use std::path::Path;

/// What [`map_file`] found.
pub(super) enum Attempt {
    /// The file can be used in place.
    Mapped {
        format: NpzFormat,
        nrows: usize,
        ncols: usize,
        ranges: [Range<usize>; 3],
    },
    /// A valid file that cannot be mapped, and why.
    Load { format: NpzFormat, why: String },
}

/// Maps `path` and checks whether it can be used in place as `T` values and `I` indices.
///
/// # Safety
///
/// As [`MmapCsr::open`].
pub(super) unsafe fn map_file<T: Scalar, I: Index>(path: &Path) -> Result<(Mmap, Attempt)> {
    let (file, _) = crate::io::open_file(path)?;
    // SAFETY: forwarded to our caller (see `MmapCsr::open`'s `# Safety`): the file is not
    // modified or truncated while mapped. Mapping read-only never writes to the file.
    let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
    let attempt = inspect::<T, I>(&map, map.len() as u64, path)?;
    Ok((map, attempt))
}

fn inspect<T: Scalar, I: Index>(bytes: &[u8], file_len: u64, path: &Path) -> Result<Attempt> {
    let mut a = Archive::new(Cursor::new(bytes), file_len, path)?;
    let format = npz::read_format(&mut a)?;
    let (nrows, ncols) = npz::read_shape(&mut a)?;
    npz::check_fits::<I, _>(&a, nrows, ncols)?;
    if format == NpzFormat::Coo {
        let why = "it holds a COO matrix (triplets), which must be compressed in memory".into();
        return Ok(Attempt::Load { format, why });
    }
    let (_, inner, oname, iname) = npz::axes(format, nrows, ncols);
    let [mp, mi, md] = npz::compressed_members(&mut a, format, nrows, ncols)?;

    let load = |why: String| Ok(Attempt::Load { format, why });
    if !cfg!(target_endian = "little") {
        return load("this machine is big-endian; the file's arrays are little-endian".into());
    }
    for m in [&mp, &mi, &md] {
        if !m.stored {
            return load(format!(
                "member '{}' is compressed ({}); save_npz(..., compressed=False) or \
                 io::npz::write_{} writes a file that can be mapped",
                m.name, m.method, format
            ));
        }
    }
    if !usize::maps(mp.descr, mi.len.saturating_add(1)) {
        return load(format!(
            "member {} holds offsets of another type than {}",
            mp.what(),
            usize::WANT
        ));
    }
    if !I::maps(mi.descr, inner) {
        return load(format!(
            "member {} cannot be read in place as {} indices, which need {}{}",
            mi.what(),
            I::NAME,
            I::WANT,
            if mi.descr == Dtype::I4 && I::NAME == "u32" {
                format!(" and at most 2^31 {iname}s")
            } else {
                String::new()
            }
        ));
    }
    if md.descr != Dtype::of::<T>() {
        return load(format!(
            "member {} holds other values than {} ('{}')",
            md.what(),
            T::NAME,
            T::NPY_DESCR
        ));
    }
    let range = |m: &Member| -> Result<Range<usize>> {
        let start = m.data_start + m.header.data_offset as u64;
        let end = m.data_start + m.size;
        match (usize::try_from(start), usize::try_from(end)) {
            (Ok(s), Ok(e)) if s <= e && e <= bytes.len() => Ok(s..e),
            _ => Err(a.err(format!("member {} lies outside the file", m.what()))),
        }
    };
    let ranges = [range(&mp)?, range(&mi)?, range(&md)?];
    let ptr = usize::cast_bytes(&bytes[ranges[0].clone()]);
    let idx = I::cast_bytes(&bytes[ranges[1].clone()]);
    let val = T::cast_bytes(&bytes[ranges[2].clone()]);
    let (Some(ptr), Some(idx), Some(val)) = (ptr, idx, val) else {
        let (m, r, size) = if ptr.is_none() {
            (&mp, &ranges[0], 8)
        } else if idx.is_none() {
            (&mi, &ranges[1], std::mem::size_of::<I>())
        } else {
            (&md, &ranges[2], std::mem::size_of::<T>())
        };
        return load(format!(
            "the array of member {} starts at byte {}, not a multiple of {size}",
            m.what(),
            r.start
        ));
    };
    let checked = match format {
        NpzFormat::Csr => CsrView::try_new(nrows, ncols, ptr, idx, val).map(|_| ()),
        _ => CscView::try_new(nrows, ncols, ptr, idx, val).map(|_| ()),
    };
    match checked {
        Ok(()) => Ok(Attempt::Mapped {
            format,
            nrows,
            ncols,
            ranges,
        }),
        Err(Error::Structure {
            problem: StructureError::NotIncreasing { .. },
            ..
        }) => load(format!(
            "the indices within a {oname} are not sorted, or repeat (scipy's \
             has_canonical_format is false): they must be sorted and summed in memory"
        )),
        Err(e) => {
            // The reader checks the same conditions element by element and says which
            // element of which member is wrong (a negative offset as negative, not as the
            // huge number it is as `usize`): let it find the error.
            let mut a = Archive::new(Cursor::new(bytes), file_len, path)?;
            match npz::read_archive::<T, I, _>(&mut a) {
                Err(precise) => Err(precise),
                Ok(_) => Err(a.err(e.to_string())),
            }
        }
    }
}

/// Maps `path` as `format`, or says why not.
///
/// # Safety
///
/// As [`MmapCsr::open`].
pub(super) unsafe fn open_as<T: Scalar, I: Index>(path: &Path, want: NpzFormat) -> Result<Mapped> {
    // SAFETY: forwarded (this function's contract is `open`'s).
    let (map, attempt) = unsafe { map_file::<T, I>(path) }?;
    let (Attempt::Mapped { format, .. } | Attempt::Load { format, .. }) = attempt;
    if format != want {
        return Err(Error::format(
            path,
            None,
            format!(
                "the file holds a {} matrix, not {}: open it with {}, or with mmap::open_or_load",
                format.name().to_uppercase(),
                want.name().to_uppercase(),
                match format {
                    NpzFormat::Csr => "MmapCsr::open",
                    NpzFormat::Csc => "MmapCsc::open",
                    NpzFormat::Coo => "io::npz::read_csr",
                }
            ),
        ));
    }
    match attempt {
        Attempt::Mapped {
            nrows,
            ncols,
            ranges: [ptr, idx, val],
            ..
        } => Ok(Mapped {
            path: path.to_path_buf(),
            map,
            nrows,
            ncols,
            ptr,
            idx,
            val,
        }),
        Attempt::Load { why, .. } => Err(Error::format(
            path,
            None,
            format!(
                "cannot be memory-mapped as {}<{}, {}>: {why}. mmap::open_or_load reads such a \
                 file into memory",
                if want == NpzFormat::Csc {
                    "MmapCsc"
                } else {
                    "MmapCsr"
                },
                T::NAME,
                I::NAME
            ),
        )),
    }
}
