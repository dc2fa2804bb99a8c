//! `matvec convert IN OUT`: sparse matrices between Matrix Market (`.mtx`, coordinate) and
//! scipy's `.npz`, dense ones between numpy's `.npy` and Matrix Market `array` files.
//!
//! The formats come from the extensions. Sparse values are converted in `f64` (exact for
//! `f32` data); dense `.npy` files keep their dtype. OUT is written to a temporary name and
//! renamed when complete; a `.npz` is written uncompressed with aligned members, so it can be
//! mapped or streamed. OUT may be IN itself: the input is read completely first.

use crate::matrix::extension;
use crate::progress::{Ui, file_len};
use matvec::io::npy::{self, NpyDtype};
use matvec::io::{mtx, npz};
use matvec::memory::format_bytes;
use matvec::{Csr, Footprint, MmapDense, Scalar};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input: .mtx, .npz or .npy.
    pub input: PathBuf,
    /// Output: .mtx, .npz (from a sparse .mtx or .npz) or .npy (from a dense .mtx array).
    pub output: PathBuf,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Mtx,
    Npz,
    Npy,
}

fn kind(path: &Path) -> Result<Kind, String> {
    match extension(path).as_deref() {
        Some("mtx") => Ok(Kind::Mtx),
        Some("npz") => Ok(Kind::Npz),
        Some("npy") => Ok(Kind::Npy),
        _ => Err(format!(
            "{}: unknown format (expected .mtx, .npz or .npy)",
            path.display()
        )),
    }
}

pub fn run(args: &Args, ui: &Ui) -> Result<(), String> {
    let (from, to) = (kind(&args.input)?, kind(&args.output)?);
    let size = file_len(&args.input);
    let bar = ui.spinner(
        size,
        format!(
            "reading {} ({})",
            args.input.display(),
            format_bytes(size as usize)
        ),
    );
    let start = Instant::now();
    let dense_mtx = from == Kind::Mtx
        && mtx::read_header(&args.input)
            .map_err(|e| e.to_string())?
            .format
            == mtx::MtxFormat::Array;
    let described = match (from, to) {
        (Kind::Npy, Kind::Mtx) => npy_to_mtx(&args.input, &args.output)?,
        (Kind::Mtx, Kind::Npy) if dense_mtx => mtx_to_npy(&args.input, &args.output)?,
        (Kind::Mtx, Kind::Npz) if dense_mtx => {
            return Err(format!(
                "{}: a dense `array` Matrix Market file; .npz holds sparse matrices (convert to \
                 .npy for dense data)",
                args.input.display()
            ));
        }
        (Kind::Npy, _) | (_, Kind::Npy) => {
            return Err(format!(
                "{} -> {}: .npy holds dense matrices; it converts to and from a Matrix Market \
                 `array` file only",
                args.input.display(),
                args.output.display()
            ));
        }
        _ => sparse(from, to, &args.input, &args.output)?,
    };
    bar.finish_and_clear();
    ui.summary(format_args!(
        "{} -> {}: {described}, in {:.2} s",
        args.input.display(),
        args.output.display(),
        start.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Sparse `.mtx` ⇄ `.npz` through a `Csr<f64, u32>`.
fn sparse(from: Kind, to: Kind, input: &Path, output: &Path) -> Result<String, String> {
    let a: Csr<f64, u32> = match from {
        Kind::Npz => npz::read_csr(input),
        _ => mtx::read_csr(input),
    }
    .map_err(|e| e.to_string())?;
    match to {
        Kind::Mtx => mtx::write_csr(output, a.view()),
        _ => npz::write_csr(output, a.view()),
    }
    .map_err(|e| e.to_string())?;
    Ok(format!(
        "{} x {}, {} nonzeros ({} as CSR in memory)",
        a.nrows(),
        a.ncols(),
        a.nnz(),
        format_bytes(a.heap_bytes())
    ))
}

/// A dense `.npy` to a Matrix Market `array` file, written from a mapping of the `.npy` (no
/// copy of the matrix in memory).
fn npy_to_mtx(input: &Path, output: &Path) -> Result<String, String> {
    fn write<T: Scalar>(input: &Path, output: &Path) -> Result<String, String> {
        // SAFETY: the file is only read, and the tool's documentation says it must not be
        // modified while the tool runs.
        let a = unsafe { MmapDense::<T>::open(input) }.map_err(|e| e.to_string())?;
        mtx::write_dense(output, a.view()).map_err(|e| e.to_string())?;
        Ok(format!("{} x {} dense", a.nrows(), a.ncols()))
    }
    match npy::read_header(input).map_err(|e| e.to_string())?.dtype {
        NpyDtype::F32 => write::<f32>(input, output),
        NpyDtype::F64 => write::<f64>(input, output),
    }
}

/// A Matrix Market `array` file to a dense `.npy` (`f8`; Matrix Market holds decimal text).
fn mtx_to_npy(input: &Path, output: &Path) -> Result<String, String> {
    let a = mtx::read_dense::<f64>(input).map_err(|e| e.to_string())?;
    npy::write_dense(output, a.view()).map_err(|e| e.to_string())?;
    Ok(format!(
        "{} x {} dense ({} in memory)",
        a.nrows(),
        a.ncols(),
        format_bytes(a.heap_bytes())
    ))
}
