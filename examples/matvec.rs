//! `matvec`: multiply a matrix file by a vector file.
//!
//! ```text
//! matvec MATRIX X -o Y [--transpose] [--budget SIZE] [--threads N]
//! ```
//!
//! * MATRIX: Matrix Market (`.mtx`), scipy sparse (`.npz`) or numpy dense (`.npy`, C or
//!   Fortran order, memory-mapped and multiplied block by block under `--budget`).
//! * X and Y: 1-D `.npy` files. `f32` matrices are multiplied in `f32` (X converted), all
//!   others in `f64`; Y has that dtype.
//! * Any bad input prints one line `error: …` to stderr naming the file and the problem, exits
//!   with status 2 and leaves no Y behind (Y is written to a temporary name and renamed).
//!
//! ```sh
//! cargo run --release --example matvec -- A.mtx x.npy -o y.npy --transpose
//! ```

mod support;

use clap::Parser;
use matvec::io::npy::{self, NpyDtype};
use matvec::io::{mtx, npz};
use matvec::mmap::open_or_load;
use matvec::{MatVec, MmapDense, Par, Scalar};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(about = "y = A·x (or Aᵀ·x) for a matrix in .mtx, .npz or .npy and vectors in .npy")]
struct Args {
    /// The matrix: .mtx (Matrix Market), .npz (scipy sparse) or .npy (dense).
    matrix: PathBuf,
    /// The vector x: a 1-D .npy file.
    x: PathBuf,
    /// Where to write y (a 1-D .npy file).
    #[arg(short = 'o', long = "output")]
    y: PathBuf,
    /// Multiply by the transpose: y = Aᵀ·x.
    #[arg(long)]
    transpose: bool,
    /// Memory budget for a memory-mapped .npy matrix, e.g. 64MiB.
    #[arg(long, value_parser = support::parse_size)]
    budget: Option<usize>,
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> ExitCode {
    match support::parse_args::<Args>() {
        Ok(args) => support::finish(run(&args)),
        Err(code) => code,
    }
}

/// A matrix of either precision, behind the one trait.
enum Matrix {
    F32(Box<dyn MatVec<f32>>),
    F64(Box<dyn MatVec<f64>>),
}

fn run(args: &Args) -> Result<(), String> {
    if let Some(t) = args.threads {
        if t == 0 {
            return Err("--threads must be at least 1".into());
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .map_err(|e| e.to_string())?;
    }
    let a = load(&args.matrix, args.budget)?;
    let x = npy::read_vector(&args.x).map_err(|e| e.to_string())?;
    match a {
        Matrix::F32(a) => multiply(&*a, x.into_f32(), args),
        Matrix::F64(a) => multiply(&*a, x.into_f64(), args),
    }
}

fn multiply<T: Scalar>(a: &dyn MatVec<T>, x: Vec<T>, args: &Args) -> Result<(), String> {
    let (r, c) = a.shape();
    let (need, out) = if args.transpose { (r, c) } else { (c, r) };
    if x.len() != need {
        return Err(format!(
            "{}: x has length {}, but {} is {r} x {c}, so {} needs length {need}",
            args.x.display(),
            x.len(),
            args.matrix.display(),
            if args.transpose { "Aᵀ·x" } else { "A·x" }
        ));
    }
    let mut y = vec![T::ZERO; out];
    if args.transpose {
        a.mul_vec_t(T::ONE, &x, T::ZERO, &mut y, Par::Rayon);
    } else {
        a.mul_vec(T::ONE, &x, T::ZERO, &mut y, Par::Rayon);
    }
    npy::write_vector(&args.y, &y).map_err(|e| e.to_string())
}

fn load(path: &Path, budget: Option<usize>) -> Result<Matrix, String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("mtx") => load_mtx(path),
        Some("npy") => load_npy(path, budget),
        Some("npz") => load_npz(path),
        _ => Err(format!(
            "{}: unknown matrix format (expected .mtx, .npz or .npy)",
            path.display()
        )),
    }
}

fn load_mtx(path: &Path) -> Result<Matrix, String> {
    let r = mtx::MtxReader::open(path).map_err(|e| e.to_string())?;
    // Matrix Market holds decimal text: read it in f64. Dense `array` files stay dense.
    let m: Box<dyn MatVec<f64>> = match r.header().format {
        mtx::MtxFormat::Array => Box::new(r.read_dense::<f64>().map_err(|e| e.to_string())?),
        _ => Box::new(r.read_csr::<f64, u32>().map_err(|e| e.to_string())?),
    };
    Ok(Matrix::F64(m))
}

fn load_npy(path: &Path, budget: Option<usize>) -> Result<Matrix, String> {
    let dtype = npy_dtype(path)?;
    // SAFETY: the file is only read, and the user is told (README) not to modify a matrix file
    // while the tool runs.
    Ok(match dtype {
        NpyDtype::F32 => {
            // SAFETY: see above.
            let m = unsafe { MmapDense::<f32>::open(path) }.map_err(|e| e.to_string())?;
            Matrix::F32(Box::new(match budget {
                Some(b) => m.with_budget(b),
                None => m,
            }))
        }
        NpyDtype::F64 => {
            // SAFETY: see above.
            let m = unsafe { MmapDense::<f64>::open(path) }.map_err(|e| e.to_string())?;
            Matrix::F64(Box::new(match budget {
                Some(b) => m.with_budget(b),
                None => m,
            }))
        }
    })
}

/// The dtype of an `.npy` file, from its header.
fn npy_dtype(path: &Path) -> Result<NpyDtype, String> {
    npy::read_header(path)
        .map(|h| h.dtype)
        .map_err(|e| e.to_string())
}

fn load_npz(path: &Path) -> Result<Matrix, String> {
    let info = npz::info(path).map_err(|e| e.to_string())?;
    let f32_data = info.data_dtype.ends_with("f4");
    let wide = info.index_dtype.ends_with('8');
    // Mapped (zero-copy) when the file allows it, loaded into memory otherwise; see
    // `matvec::mmap::open_or_load` for when each happens.
    // SAFETY: the file is only read; the user must not modify it while the tool runs.
    Ok(match (f32_data, wide) {
        (true, false) => Matrix::F32(Box::new(
            // SAFETY: see above.
            unsafe { open_or_load::<f32, u32>(path) }.map_err(|e| e.to_string())?,
        )),
        (true, true) => Matrix::F32(Box::new(
            // SAFETY: see above.
            unsafe { open_or_load::<f32, usize>(path) }.map_err(|e| e.to_string())?,
        )),
        (false, false) => Matrix::F64(Box::new(
            // SAFETY: see above.
            unsafe { open_or_load::<f64, u32>(path) }.map_err(|e| e.to_string())?,
        )),
        (false, true) => Matrix::F64(Box::new(
            // SAFETY: see above.
            unsafe { open_or_load::<f64, usize>(path) }.map_err(|e| e.to_string())?,
        )),
    })
}
