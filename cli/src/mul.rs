//! `matvec mul`: `y = A·x` (or `Aᵀ·x`) for a matrix file and a vector file.
//!
//! X and Y are 1-D `.npy` files. An `f32` matrix times an `f32` X is computed in `f32`; times
//! an `f64` X it is computed in `f64` (the matrix read as 4 bytes an entry, widened) and Y is
//! `f64`. `f64` matrices convert X to `f64`. Y is written to a temporary name and renamed
//! when complete, so a failed product leaves no Y behind.

use crate::matrix::{self, Matrix, Product, Reading, Source};
use crate::progress::{Ui, file_len};
use matvec::Scalar;
use matvec::io::npy::{self, NpyVector};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub source: Source,
    /// The vector x: a 1-D .npy file.
    pub x: PathBuf,
    /// Where to write y (a 1-D .npy file).
    #[arg(short = 'o', long = "output")]
    pub y: PathBuf,
    /// Multiply by the transpose: y = Aᵀ·x.
    #[arg(long)]
    pub transpose: bool,
    #[command(flatten)]
    pub reading: Reading,
    /// Threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

pub fn run(args: &Args, ui: &Ui) -> Result<(), String> {
    if let Some(t) = args.threads {
        if t == 0 {
            return Err("--threads must be at least 1".into());
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .map_err(|e| e.to_string())?;
    }
    let a = matrix::load(&args.source, &args.reading)?;
    let x = npy::read_vector(&args.x).map_err(|e| e.to_string())?;
    match (x, &a.f32) {
        (NpyVector::F32(x), Some(p)) => multiply(&a, p, x, args, ui),
        (x, _) => multiply(&a, &a.f64, x.into_f64(), args, ui),
    }
}

fn multiply<T: Scalar>(
    a: &Matrix,
    p: &Product<T>,
    x: Vec<T>,
    args: &Args,
    ui: &Ui,
) -> Result<(), String> {
    let (r, c) = a.shape;
    let matrix = &args.source.matrix;
    let (need, out) = if args.transpose { (r, c) } else { (c, r) };
    let what = if args.transpose { "Aᵀ·x" } else { "A·x" };
    if x.len() != need {
        return Err(format!(
            "{}: x has length {}, but {} is {r} x {c}, so {what} needs length {need}",
            args.x.display(),
            x.len(),
            matrix.display(),
        ));
    }
    let mut y = vec![T::ZERO; out];
    let bar = ui.spinner(
        file_len(matrix),
        format!("{what} with {} ({r} x {c})", matrix.display()),
    );
    let start = Instant::now();
    p(&x, &mut y, args.transpose).map_err(|e| e.to_string())?;
    let took = start.elapsed();
    npy::write_vector(&args.y, &y).map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    ui.summary(format_args!(
        "{}: y = {what} for a {r} x {c} matrix in {:.3} s ({}), {} entries of {}",
        args.y.display(),
        took.as_secs_f64(),
        matrix.display(),
        y.len(),
        std::any::type_name::<T>()
    ));
    Ok(())
}
