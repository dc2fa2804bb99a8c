//! A matrix file behind its products: which reader each format gets (streamed under the
//! budget, mapped, or loaded), in which precisions, and the options that describe files
//! without a self-describing header (raw binary) or with many matrices (HDF5).

use clap::Args as ClapArgs;
use matvec::io::npy::{self, NpyDtype};
use matvec::io::{Dtype, mtx, npz};
use matvec::mmap::open_or_load;
use matvec::stream::{RawDense, StreamCsc, StreamCsr, StreamDense};
use matvec::{Layout, MatVec, Par, Scalar, Widen};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Where a matrix is and, for files that do not say it themselves, how it is stored.
#[derive(ClapArgs, Debug)]
pub struct Source {
    /// The matrix: .mtx (Matrix Market), .npz (scipy sparse), .npy (dense), .h5/.hdf5 with
    /// --dataset, or a raw file with --shape and --dtype.
    pub matrix: PathBuf,
    /// The dataset of an HDF5 matrix (.h5, .hdf5), e.g. /array (needs the `hdf5` feature).
    #[arg(long)]
    pub dataset: Option<String>,
    /// The matrix is a raw file of ROWS x COLS elements with no header.
    #[arg(long, value_parser = parse_shape)]
    pub shape: Option<(usize, usize)>,
    /// Element type of a raw file: f4 or f8, little-endian; >f4 or >f8 for big-endian.
    #[arg(long, requires = "shape", value_parser = ["f4", "f8", "<f4", "<f8", ">f4", ">f8"])]
    pub dtype: Option<String>,
    /// Byte offset of the first element of a raw file.
    #[arg(long, requires = "shape", default_value_t = 0)]
    pub offset: u64,
    /// Storage order of a raw file: C (row-major) or F (column-major).
    #[arg(long, requires = "shape", default_value = "C", value_parser = ["C", "F", "c", "f"])]
    pub order: String,
}

/// How a file-backed matrix is read: the memory budget and direct I/O.
#[derive(ClapArgs, Debug)]
pub struct Reading {
    /// Memory budget for a matrix streamed from its file, e.g. 64MiB (default: 256 MiB for
    /// dense files, 64 MiB for sparse ones; raised to what one row or column needs).
    #[arg(long, value_parser = matvec::memory::parse_size)]
    pub budget: Option<usize>,
    /// Read a dense file bypassing the page cache (O_DIRECT, Linux).
    #[arg(long)]
    pub direct: bool,
}

/// The file formats, by extension (or by `--shape` for raw files).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    Mtx,
    Npz,
    Npy,
    Hdf5,
    Raw,
}

impl Source {
    /// The format of the matrix file.
    pub fn format(&self) -> Result<Format, String> {
        if self.shape.is_some() {
            return Ok(Format::Raw);
        }
        match extension(&self.matrix).as_deref() {
            Some("mtx") => Ok(Format::Mtx),
            Some("npy") => Ok(Format::Npy),
            Some("npz") => Ok(Format::Npz),
            Some("h5" | "hdf5") => Ok(Format::Hdf5),
            _ => Err(format!(
                "{}: unknown matrix format (expected .mtx, .npz, .npy, .h5 with --dataset, or \
                 --shape and --dtype for a raw file)",
                self.matrix.display()
            )),
        }
    }

    /// The raw file's description (`--shape`, `--dtype`, `--offset`, `--order`) and dtype.
    pub fn raw(&self) -> Result<(RawDense, Dtype), String> {
        let path = &self.matrix;
        let (Some((rows, cols)), Some(dtype)) = (self.shape, self.dtype.as_deref()) else {
            return Err(format!(
                "{}: a raw file needs --dtype (f4 or f8) with --shape",
                path.display()
            ));
        };
        let layout = if self.order.eq_ignore_ascii_case("F") {
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
            .offset(self.offset)
            .big_endian(dtype.big_endian);
        Ok((spec, dtype))
    }

    /// The HDF5 dataset named by `--dataset`.
    #[cfg_attr(not(feature = "hdf5"), allow(dead_code))]
    pub fn dataset(&self) -> Result<&str, String> {
        self.dataset.as_deref().ok_or_else(|| {
            format!(
                "{}: an HDF5 file needs --dataset NAME",
                self.matrix.display()
            )
        })
    }
}

/// The lower-case extension of a path.
pub fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
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

/// A product `y = A·x` (or `Aᵀ·x` when the flag is set) that reports read errors.
pub type Product<V> = Box<dyn Fn(&[V], &mut [V], bool) -> matvec::Result<()>>;

/// A matrix behind its products: `f64` vectors always, `f32` vectors when it is stored in
/// `f32` (then the `f64` product widens its entries).
pub struct Matrix {
    pub shape: (usize, usize),
    pub f64: Product<f64>,
    pub f32: Option<Product<f32>>,
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

/// Opens the matrix for products: streamed under the budget where the format allows it
/// (`.npy`, raw, HDF5, stored `.npz` CSR/CSC), mapped or loaded otherwise.
pub fn load(src: &Source, how: &Reading) -> Result<Matrix, String> {
    match src.format()? {
        Format::Mtx => load_mtx(&src.matrix),
        Format::Npy => load_npy(src, how),
        Format::Npz => load_npz(src, how),
        Format::Hdf5 => load_hdf5(src, how),
        Format::Raw => load_raw(src, how),
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
fn configure<T: Scalar>(m: StreamDense<T>, how: &Reading) -> Result<StreamDense<T>, String> {
    let m = match how.budget {
        Some(b) => m.with_budget(b),
        None => m,
    };
    m.with_direct(how.direct).map_err(|e| e.to_string())
}

fn load_npy(src: &Source, how: &Reading) -> Result<Matrix, String> {
    let path = &src.matrix;
    let dtype = npy::read_header(path)
        .map(|h| h.dtype)
        .map_err(|e| e.to_string())?;
    let err = |e: matvec::Error| e.to_string();
    Ok(match dtype {
        NpyDtype::F32 => Matrix::fallible_f32(configure(
            StreamDense::<f32>::open(path).map_err(err)?,
            how,
        )?),
        NpyDtype::F64 => Matrix::fallible(configure(
            StreamDense::<f64>::open(path).map_err(err)?,
            how,
        )?),
    })
}

fn load_raw(src: &Source, how: &Reading) -> Result<Matrix, String> {
    let (spec, dtype) = src.raw()?;
    let path = &src.matrix;
    let err = |e: matvec::Error| e.to_string();
    Ok(if dtype.size == 4 {
        Matrix::fallible_f32(configure(
            StreamDense::<f32>::open_raw(path, spec).map_err(err)?,
            how,
        )?)
    } else {
        Matrix::fallible(configure(
            StreamDense::<f64>::open_raw(path, spec).map_err(err)?,
            how,
        )?)
    })
}

#[cfg(feature = "hdf5")]
fn load_hdf5(src: &Source, how: &Reading) -> Result<Matrix, String> {
    use matvec::stream::StreamHdf5;
    let (path, name) = (&src.matrix, src.dataset()?);
    let budget = how.budget.unwrap_or(matvec::stream::DEFAULT_BUDGET);
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
fn load_hdf5(src: &Source, _: &Reading) -> Result<Matrix, String> {
    Err(no_hdf5(&src.matrix))
}

/// The error of a build without the `hdf5` feature.
#[cfg(not(feature = "hdf5"))]
pub fn no_hdf5(path: &Path) -> String {
    format!(
        "{}: this build reads no HDF5 files (install with `cargo install --path cli --features \
         hdf5`, which needs libhdf5-dev)",
        path.display()
    )
}

/// Whether a `.npz` is streamed block by block: stored (not deflated) CSR or CSC members with
/// float values. Compressed and COO files (and other value types) are loaded into memory,
/// mapped when the file allows it (see `matvec::mmap::open_or_load`).
pub fn npz_streams(info: &npz::NpzInfo) -> Result<(), &'static str> {
    if info.compressed {
        Err(
            "its members are compressed (save_npz's default; write it with compressed=False or `matvec convert`)",
        )
    } else if info.format == npz::NpzFormat::Coo {
        Err("COO files are read into memory (convert to CSR with `matvec convert`)")
    } else if !info.data_dtype.is_float() {
        Err("its values are not f4 or f8")
    } else {
        Ok(())
    }
}

fn load_npz(src: &Source, how: &Reading) -> Result<Matrix, String> {
    let path = &src.matrix;
    let info = npz::info(path).map_err(|e| e.to_string())?;
    let f32_data = info.data_dtype == Dtype::F4;
    let wide = info.index_dtype.size == 8;
    if npz_streams(&info).is_ok() {
        let budget = how.budget.unwrap_or(matvec::stream::DEFAULT_SPARSE_BUDGET);
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
    // SAFETY (each block below): the file is only read; the tool's documentation says it
    // must not be modified while the tool runs.
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
