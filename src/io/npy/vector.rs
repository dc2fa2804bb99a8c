//! Reading 1-D `.npy` files (the vectors of the `matvec` tool) in their own element type.

use super::header::{NpyDtype, check_data_len, parse_header, shape_str};
use crate::error::{Error, Result};
use std::path::Path;

/// A 1-D array read from an `.npy` file, in its own element type.
#[derive(Clone, Debug, PartialEq)]
pub enum NpyVector {
    /// `<f4` data.
    F32(Vec<f32>),
    /// `<f8` data.
    F64(Vec<f64>),
}

impl NpyVector {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            NpyVector::F32(v) => v.len(),
            NpyVector::F64(v) => v.len(),
        }
    }
    /// `true` if empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The element type.
    pub fn dtype(&self) -> NpyDtype {
        match self {
            NpyVector::F32(_) => NpyDtype::F32,
            NpyVector::F64(_) => NpyDtype::F64,
        }
    }
    /// The values as `f64` (exact for `f32` data; no copy for `f64` data).
    pub fn into_f64(self) -> Vec<f64> {
        match self {
            NpyVector::F32(v) => v.into_iter().map(f64::from).collect(),
            NpyVector::F64(v) => v,
        }
    }
    /// The values as `f32` (rounded to nearest for `f64` data; no copy for `f32` data).
    pub fn into_f32(self) -> Vec<f32> {
        match self {
            NpyVector::F32(v) => v,
            NpyVector::F64(v) => v.into_iter().map(|x| x as f32).collect(),
        }
    }
}

/// Reads a 1-D `.npy` file (`<f4` or `<f8`) into memory.
///
/// The file is read whole, so memory is bounded by the file's actual size, never by what its
/// header claims; the header is validated as for [`MmapDense`](crate::MmapDense).
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read; [`Error::Format`] if it is not a valid 1-D
/// `<f4`/`<f8` `.npy` file.
pub fn read_vector(path: impl AsRef<Path>) -> Result<NpyVector> {
    let path = path.as_ref();
    let bytes = {
        use std::io::Read;
        let (mut f, len) = crate::io::open_file(path)?;
        // The length is a hint, not a promise (the file may be growing): read to the end.
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        f.read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
        bytes
    };
    let header = parse_header(&bytes, path)?;
    check_data_len(&header, bytes.len() as u64, path)?;
    if header.shape.len() != 1 {
        return Err(Error::format(
            path,
            None,
            format!(
                "expected a 1-D array (a vector), found shape {}",
                shape_str(&header.shape)
            ),
        ));
    }
    let data = &bytes[header.data_offset..];
    Ok(match header.dtype {
        NpyDtype::F32 => NpyVector::F32(
            data.chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
                .collect(),
        ),
        NpyDtype::F64 => NpyVector::F64(
            data.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect(),
        ),
    })
}
