//! `matvec`: multiply a matrix file by a vector file.
//!
//! ```text
//! matvec MATRIX X -o Y [--transpose] [--budget SIZE] [--direct] [--threads N]
//!        [--shape ROWS,COLS --dtype f4|f8|>f4|>f8 [--offset BYTES] [--order C|F]]
//! ```
//!
//! * MATRIX: Matrix Market (`.mtx`), scipy sparse (`.npz`: CSR and CSC files with stored
//!   members are streamed block by block under `--budget`; compressed and COO files are
//!   loaded into memory), numpy dense (`.npy`, C or
//!   Fortran order, streamed from the file block by block under `--budget`), or, with
//!   `--shape`, a raw file of elements with no header (`ndarray.tofile`, `np.memmap`, a
//!   contiguous HDF5 dataset at its `--offset`), streamed the same way. `--direct` reads
//!   dense files bypassing the page cache (O_DIRECT). HDF5 files (`.h5`, `.hdf5`, with the
//!   `hdf5` feature) need `--dataset`: 2-D f4/f8 datasets, contiguous or chunked.
//! * X and Y: 1-D `.npy` files. An `f32` matrix times an `f32` X is computed in `f32`; times
//!   an `f64` X it is computed in `f64` (the matrix read as 4 bytes an entry, widened) and Y
//!   is `f64`. `f64` matrices convert X to `f64`.
//! * Any bad input prints one line `error: …` to stderr naming the file and the problem, exits
//!   with status 2 and leaves no Y behind (Y is written to a temporary name and renamed). A
//!   budget smaller than one row (column) of a dense file is raised to what one read needs.
//!
//! ```sh
//! cargo run --release --example matvec -- A.mtx x.npy -o y.npy --transpose
//! cargo run --release --example matvec -- A.f32 x.npy -o y.npy --shape 1000,100000 --dtype f4
//! cargo run --release --features hdf5 --example matvec -- data.h5 x.npy -o y.npy --dataset /array
//! ```

mod support;

use clap::Parser;
use matvec::io::npy::{self, NpyDtype, NpyVector};
use matvec::io::{Dtype, mtx, npz};
use matvec::mmap::open_or_load;
use matvec::stream::{RawDense, StreamCsc, StreamCsr, StreamDense};
use matvec::{Layout, MatVec, Par, Scalar, Widen};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

#[derive(Parser, Debug)]
#[command(
    about = "y = A·x (or Aᵀ·x) for a matrix in .mtx, .npz, .npy or raw binary and vectors in .npy"
)]
struct Args {
    /// The matrix: .mtx (Matrix Market), .npz (scipy sparse), .npy (dense), or a raw file
    /// with --shape.
    matrix: PathBuf,
    /// The vector x: a 1-D .npy file.
    x: PathBuf,
    /// Where to write y (a 1-D .npy file).
    #[arg(short = 'o', long = "output")]
    y: PathBuf,
    /// Multiply by the transpose: y = Aᵀ·x.
    #[arg(long)]
    transpose: bool,
    /// Memory budget for a dense matrix streamed from its file, e.g. 64MiB.
    #[arg(long, value_parser = support::parse_size)]
    budget: Option<usize>,
    /// Read a dense file bypassing the page cache (O_DIRECT, Linux).
    #[arg(long)]
    direct: bool,
    /// The matrix is a raw file of ROWS x COLS elements with no header.
    #[arg(long, value_parser = parse_shape)]
    shape: Option<(usize, usize)>,
    /// Element type of a raw file: f4 or f8, little-endian; >f4 or >f8 for big-endian.
    #[arg(long, requires = "shape", value_parser = ["f4", "f8", "<f4", "<f8", ">f4", ">f8"])]
    dtype: Option<String>,
    /// Byte offset of the first element of a raw file.
    #[arg(long, requires = "shape", default_value_t = 0)]
    offset: u64,
    /// Storage order of a raw file: C (row-major) or F (column-major).
    #[arg(long, requires = "shape", default_value = "C", value_parser = ["C", "F", "c", "f"])]
    order: String,
    /// The dataset of an HDF5 matrix (.h5, .hdf5), e.g. /array (needs the `hdf5` feature).
    #[arg(long)]
    dataset: Option<String>,
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// `ROWS,COLS`.
fn parse_shape(s: &str) -> Result<(usize, usize), String> {
    let (r, c) = s
        .split_once(',')
        .ok_or_else(|| format!("'{s}': expected ROWS,COLS"))?;
    let n = |v: &str| {
        v.trim()
            .parse::<usize>()
            .map_err(|_| format!("'{s}': expected ROWS,COLS (two non-negative integers)"))
    };
    Ok((n(r)?, n(c)?))
}

fn main() -> ExitCode {
    match support::parse_args::<Args>() {
        Ok(args) => support::finish(run(&args)),
        Err(code) => code,
    }
}

/// A product `y = A·x` (or `Aᵀ·x` when the flag is set) that reports read errors.
type Product<V> = Box<dyn Fn(&[V], &mut [V], bool) -> matvec::Result<()>>;

/// A matrix behind its products: `f64` vectors always, `f32` vectors when it is stored in
/// `f32` (then the `f64` product widens its entries).
struct Matrix {
    shape: (usize, usize),
    f64: Product<f64>,
    f32: Option<Product<f32>>,
}

impl Matrix {
    /// Products of a matrix whose products cannot fail (in memory, or mapped).
    fn infallible<A: MatVec<f64> + 'static>(a: A) -> Self {
        let shape = (a.nrows(), a.ncols());
        Matrix {
            shape,
            f64: Box::new(move |x, y, t| {
                product(&a, x, y, t);
                Ok(())
            }),
            f32: None,
        }
    }

    /// Products of an `f32` matrix, in either precision.
    fn infallible_f32<A: MatVec<f32> + MatVec<f64> + 'static>(a: A) -> Self {
        let a = Rc::new(a);
        let b = Rc::clone(&a);
        Matrix {
            shape: (MatVec::<f64>::nrows(&*a), MatVec::<f64>::ncols(&*a)),
            f64: Box::new(move |x, y, t| {
                product::<f64>(&*a, x, y, t);
                Ok(())
            }),
            f32: Some(Box::new(move |x, y, t| {
                product::<f32>(&*b, x, y, t);
                Ok(())
            })),
        }
    }

    /// Products of an `f64` matrix streamed from its file, whose reads can fail.
    fn fallible<A: TryProducts<f64> + 'static>(a: A) -> Self {
        Matrix {
            shape: a.shape(),
            f64: try_product(Rc::new(a)),
            f32: None,
        }
    }

    /// Products of an `f32` matrix streamed from its file, in either precision.
    fn fallible_f32<A: TryProducts<f32> + TryProducts<f64> + 'static>(a: A) -> Self {
        let a = Rc::new(a);
        Matrix {
            shape: TryProducts::<f64>::shape(&*a),
            f64: try_product(Rc::clone(&a)),
            f32: Some(try_product(a)),
        }
    }
}

/// The fallible products of the streamed types (their `try_` methods).
trait TryProducts<V: Scalar> {
    fn shape(&self) -> (usize, usize);
    fn try_product(&self, x: &[V], y: &mut [V], transpose: bool) -> matvec::Result<()>;
}

macro_rules! try_products {
    ($($ty:ty),*) => {$(
        impl<T: Scalar + Widen<V>, V: Scalar> TryProducts<V> for $ty {
            fn shape(&self) -> (usize, usize) {
                (self.nrows(), self.ncols())
            }
            fn try_product(&self, x: &[V], y: &mut [V], t: bool) -> matvec::Result<()> {
                if t {
                    self.try_mul_vec_t(V::ONE, x, V::ZERO, y, Par::Rayon)
                } else {
                    self.try_mul_vec(V::ONE, x, V::ZERO, y, Par::Rayon)
                }
            }
        }
    )*};
}
try_products!(StreamCsr<T, usize>, StreamCsc<T, usize>, StreamDense<T>);

/// The HDF5 type, for its two element types (its products need the library's element trait).
#[cfg(feature = "hdf5")]
macro_rules! try_products_hdf5 {
    ($($t:ty),*) => {$(
        impl<V: Scalar> TryProducts<V> for matvec::stream::StreamHdf5<$t>
        where
            $t: Widen<V>,
        {
            fn shape(&self) -> (usize, usize) {
                (self.nrows(), self.ncols())
            }
            fn try_product(&self, x: &[V], y: &mut [V], t: bool) -> matvec::Result<()> {
                if t {
                    self.try_mul_vec_t(V::ONE, x, V::ZERO, y, Par::Rayon)
                } else {
                    self.try_mul_vec(V::ONE, x, V::ZERO, y, Par::Rayon)
                }
            }
        }
    )*};
}
#[cfg(feature = "hdf5")]
try_products_hdf5!(f32, f64);

/// A [`Product`] over a shared streamed matrix.
fn try_product<V: Scalar, A: TryProducts<V> + 'static>(a: Rc<A>) -> Product<V> {
    Box::new(move |x, y, t| a.try_product(x, y, t))
}

fn product<V: Scalar>(a: &dyn MatVec<V>, x: &[V], y: &mut [V], transpose: bool) {
    if transpose {
        a.mul_vec_t(V::ONE, x, V::ZERO, y, Par::Rayon);
    } else {
        a.mul_vec(V::ONE, x, V::ZERO, y, Par::Rayon);
    }
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
    let a = load(args)?;
    let x = npy::read_vector(&args.x).map_err(|e| e.to_string())?;
    match (x, &a.f32) {
        (NpyVector::F32(x), Some(p)) => multiply(&a, p, x, args),
        (x, _) => multiply(&a, &a.f64, x.into_f64(), args),
    }
}

fn multiply<T: Scalar>(a: &Matrix, p: &Product<T>, x: Vec<T>, args: &Args) -> Result<(), String> {
    let (r, c) = a.shape;
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
    p(&x, &mut y, args.transpose).map_err(|e| e.to_string())?;
    npy::write_vector(&args.y, &y).map_err(|e| e.to_string())
}

fn load(args: &Args) -> Result<Matrix, String> {
    let path = &args.matrix;
    if let Some((rows, cols)) = args.shape {
        return load_raw(args, rows, cols);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("mtx") => load_mtx(path),
        Some("npy") => load_npy(args),
        Some("npz") => load_npz(args),
        Some("h5" | "hdf5") => load_hdf5(args),
        _ => Err(format!(
            "{}: unknown matrix format (expected .mtx, .npz, .npy, .h5 with --dataset, or \
             --shape and --dtype for a raw file)",
            path.display()
        )),
    }
}

fn load_mtx(path: &Path) -> Result<Matrix, String> {
    let r = mtx::MtxReader::open(path).map_err(|e| e.to_string())?;
    // Matrix Market holds decimal text: read it in f64. Dense `array` files stay dense.
    Ok(match r.header().format {
        mtx::MtxFormat::Array => {
            Matrix::infallible(r.read_dense::<f64>().map_err(|e| e.to_string())?)
        }
        _ => Matrix::infallible(r.read_csr::<f64, u32>().map_err(|e| e.to_string())?),
    })
}

/// Budget and direct reads, as the options say.
fn configure<T: Scalar>(m: StreamDense<T>, args: &Args) -> Result<StreamDense<T>, String> {
    let m = match args.budget {
        Some(b) => m.with_budget(b),
        None => m,
    };
    m.with_direct(args.direct).map_err(|e| e.to_string())
}

fn load_npy(args: &Args) -> Result<Matrix, String> {
    let path = &args.matrix;
    let dtype = npy::read_header(path)
        .map(|h| h.dtype)
        .map_err(|e| e.to_string())?;
    let err = |e: matvec::Error| e.to_string();
    Ok(match dtype {
        NpyDtype::F32 => Matrix::fallible_f32(configure(
            StreamDense::<f32>::open(path).map_err(err)?,
            args,
        )?),
        NpyDtype::F64 => Matrix::fallible(configure(
            StreamDense::<f64>::open(path).map_err(err)?,
            args,
        )?),
    })
}

fn load_raw(args: &Args, rows: usize, cols: usize) -> Result<Matrix, String> {
    let path = &args.matrix;
    let Some(dtype) = args.dtype.as_deref() else {
        return Err(format!(
            "{}: a raw file needs --dtype (f4 or f8) with --shape",
            path.display()
        ));
    };
    let layout = if args.order.eq_ignore_ascii_case("F") {
        Layout::ColMajor
    } else {
        Layout::RowMajor
    };
    // clap allows only f4/f8 with an optional byte order; parse it as numpy would.
    let spelled = if dtype.starts_with(['<', '>']) {
        dtype.to_string()
    } else {
        format!("<{dtype}")
    };
    let dtype = Dtype::parse(&spelled).map_err(|what| format!("--dtype {spelled}: {what}"))?;
    let spec = RawDense::new(rows, cols)
        .layout(layout)
        .offset(args.offset)
        .big_endian(dtype.big_endian);
    let err = |e: matvec::Error| e.to_string();
    Ok(if dtype.size == 4 {
        Matrix::fallible_f32(configure(
            StreamDense::<f32>::open_raw(path, spec).map_err(err)?,
            args,
        )?)
    } else {
        Matrix::fallible(configure(
            StreamDense::<f64>::open_raw(path, spec).map_err(err)?,
            args,
        )?)
    })
}

#[cfg(feature = "hdf5")]
fn load_hdf5(args: &Args) -> Result<Matrix, String> {
    use matvec::stream::StreamHdf5;
    let path = &args.matrix;
    let Some(name) = args.dataset.as_deref() else {
        return Err(format!(
            "{}: an HDF5 file needs --dataset NAME",
            path.display()
        ));
    };
    let budget = args.budget.unwrap_or(matvec::stream::DEFAULT_BUDGET);
    // Open as f64 first; the error for an f32 dataset says so.
    match StreamHdf5::<f64>::open(path, name) {
        Ok(m) => Ok(Matrix::fallible(m.with_budget(budget))),
        Err(e) if e.to_string().contains("StreamHdf5<f32>") => {
            let m = StreamHdf5::<f32>::open(path, name).map_err(|e| e.to_string())?;
            Ok(Matrix::fallible_f32(m.with_budget(budget)))
        }
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(not(feature = "hdf5"))]
fn load_hdf5(args: &Args) -> Result<Matrix, String> {
    Err(format!(
        "{}: this build reads no HDF5 files (build with --features hdf5, which needs libhdf5-dev)",
        args.matrix.display()
    ))
}

fn load_npz(args: &Args) -> Result<Matrix, String> {
    let path = &args.matrix;
    let info = npz::info(path).map_err(|e| e.to_string())?;
    let f32_data = info.data_dtype == Dtype::F4;
    let wide = info.index_dtype.size == 8;
    let float = info.data_dtype.is_float();
    // Stored CSR and CSC files are streamed under the budget; compressed and COO files (and
    // other value types) are loaded into memory — mapped when the file allows it, see
    // `matvec::mmap::open_or_load`.
    if !info.compressed && float && info.format != npz::NpzFormat::Coo {
        let budget = args.budget.unwrap_or(matvec::stream::DEFAULT_SPARSE_BUDGET);
        let err = |e: matvec::Error| e.to_string();
        return Ok(match (info.format, f32_data) {
            (npz::NpzFormat::Csr, false) => Matrix::fallible(
                StreamCsr::<f64, usize>::open(path)
                    .and_then(|m| m.with_budget(budget))
                    .map_err(err)?,
            ),
            (npz::NpzFormat::Csr, true) => Matrix::fallible_f32(
                StreamCsr::<f32, usize>::open(path)
                    .and_then(|m| m.with_budget(budget))
                    .map_err(err)?,
            ),
            (_, false) => Matrix::fallible(
                StreamCsc::<f64, usize>::open(path)
                    .and_then(|m| m.with_budget(budget))
                    .map_err(err)?,
            ),
            (_, true) => Matrix::fallible_f32(
                StreamCsc::<f32, usize>::open(path)
                    .and_then(|m| m.with_budget(budget))
                    .map_err(err)?,
            ),
        });
    }
    // SAFETY: the file is only read; the user must not modify it while the tool runs.
    Ok(match (f32_data, wide) {
        (true, false) => Matrix::infallible_f32(
            // SAFETY: see above.
            unsafe { open_or_load::<f32, u32>(path) }.map_err(|e| e.to_string())?,
        ),
        (true, true) => Matrix::infallible_f32(
            // SAFETY: see above.
            unsafe { open_or_load::<f32, usize>(path) }.map_err(|e| e.to_string())?,
        ),
        (false, false) => Matrix::infallible(
            // SAFETY: see above.
            unsafe { open_or_load::<f64, u32>(path) }.map_err(|e| e.to_string())?,
        ),
        (false, true) => Matrix::infallible(
            // SAFETY: see above.
            unsafe { open_or_load::<f64, usize>(path) }.map_err(|e| e.to_string())?,
        ),
    })
}
