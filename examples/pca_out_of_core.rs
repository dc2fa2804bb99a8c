//! `pca_out_of_core`: the top principal components of a memory-mapped `.npy` data set (rows =
//! samples, columns = features) under a memory budget, by randomized SVD
//! (`matvec::solve::rsvd`) of the *centered* matrix — without ever forming it.
//!
//! ```sh
//! cargo run --release --example pca_out_of_core                   # synthetic 200000 x 256 f64 (~400 MB)
//! cargo run --release --example pca_out_of_core -- data.npy --k 20 --budget 256MiB
//! cargo run --release --example pca_out_of_core -- --rows 1000000 --cols 512 --budget 64MiB
//! ```
//!
//! Centering is an operator, not a copy: [`Centered`] below wraps any `MatVec<f64>` as
//! `A − 1·μᵀ` (μ = the column means, computed with one `Aᵀ·1`), and forwards the block
//! products `mul_mat` / `mul_mat_t` to the inner matrix, so `StreamDense` still reads the file
//! once per pass — about thirty lines that show how to extend the trait.
//!
//! With no file, a synthetic data set with a known spectrum is written to a temporary
//! directory (and deleted afterwards unless `--keep`): 10 strong components over a floor of
//! weaker ones, plus a non-zero mean; the recovered singular values are then checked against
//! the planted ones. Prints the shape, file size, budget, passes over the file, time, read
//! throughput, the explained variance of each component and the peak resident memory (Linux)
//! against the file size. Any bad input prints one `error: …` line and exits with status 2.

mod support;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use matvec::io::npy::NpyWriter;
use matvec::solve::{Options, Progress, Rsvd, RsvdWorkspace, rsvd};
use matvec::{Footprint, Layout, MatVec, Par, StreamDense};
use rayon::prelude::*;
use std::cell::Cell;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use support::{
    SplitMix64, fmt_bytes, parse_size, peak_resident_bytes, reset_peak_resident, resident_bytes,
};

#[derive(Parser, Debug)]
#[command(
    about = "Top-k principal components of a memory-mapped .npy (rows = samples) under \
                   a memory budget, by randomized SVD of the centered matrix"
)]
struct Args {
    /// The data: a 2-D f64 .npy file, C or Fortran order. Default: a generated synthetic data
    /// set of --rows x --cols with a known spectrum.
    path: Option<PathBuf>,
    /// Number of principal components.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Extra random vectors beyond k (more: a little more work, more accurate components).
    #[arg(long, default_value_t = 10)]
    oversample: usize,
    /// Stop when the residual max‖A·vᵢ − σᵢ·uᵢ‖/σ₁ is at most this.
    #[arg(long, default_value_t = 1e-8)]
    tol: f64,
    /// At most this many power iterations (each costs two passes over the file).
    #[arg(long, default_value_t = 50)]
    max_iter: usize,
    /// Memory budget of the mapped file, e.g. 64MiB.
    #[arg(long, default_value = "64MiB", value_parser = parse_size)]
    budget: usize,
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Rows (samples) of the synthetic data set.
    #[arg(long, default_value_t = 200_000)]
    rows: usize,
    /// Columns (features) of the synthetic data set.
    #[arg(long, default_value_t = 256)]
    cols: usize,
    /// Keep the synthetic file (its path is printed).
    #[arg(long)]
    keep: bool,
}

/// `A − 1·μᵀ`: a matrix with its column means `μ` subtracted from every row, as an operator.
///
/// `(A − 1·μᵀ)·x = A·x − (μ·x)·1` and `(A − 1·μᵀ)ᵀ·x = Aᵀ·x − (Σx)·μ`: each product is the
/// inner one plus an `O(rows + cols)` correction, so the centered matrix is never formed and
/// the inner matrix's block products (one read of the file for all vectors) are kept. It
/// counts the products it forwards: for a memory-mapped matrix, each is one pass over the
/// file.
struct Centered<'a> {
    inner: &'a dyn MatVec<f64>,
    mean: Vec<f64>,
    passes: Cell<usize>,
}

impl<'a> Centered<'a> {
    /// Computes the column means with one product `Aᵀ·1 / nrows` (one pass over the file).
    fn new(inner: &'a dyn MatVec<f64>, par: Par) -> Self {
        let (m, n) = inner.shape();
        let ones = vec![1.0; m];
        let mut mean = vec![0.0; n];
        inner.mul_vec_t(1.0 / m.max(1) as f64, &ones, 0.0, &mut mean, par);
        Centered {
            inner,
            mean,
            passes: Cell::new(1),
        }
    }

    fn count(&self) {
        self.passes.set(self.passes.get() + 1);
    }

    /// `y_j ← y_j − α·(μ·x_j)·1` for each of the `k` vectors of a block product by `A`.
    fn correct(&self, alpha: f64, x: &[f64], y: &mut [f64], par: Par) {
        let (m, n) = self.shape();
        if alpha == 0.0 || m == 0 || n == 0 {
            return; // α = 0: x is not read (the trait's contract)
        }
        for (xj, yj) in x.chunks_exact(n).zip(y.chunks_exact_mut(m)) {
            let c = alpha * xj.iter().zip(&self.mean).map(|(a, b)| a * b).sum::<f64>();
            match par {
                Par::Seq => yj.iter_mut().for_each(|v| *v -= c),
                Par::Rayon => yj
                    .par_iter_mut()
                    .with_min_len(1 << 14)
                    .for_each(|v| *v -= c),
            }
        }
    }

    /// `y_j ← y_j − α·(Σ x_j)·μ` for each of the `k` vectors of a block product by `Aᵀ`.
    fn correct_t(&self, alpha: f64, x: &[f64], y: &mut [f64]) {
        let (m, n) = self.shape();
        if alpha == 0.0 || m == 0 || n == 0 {
            return;
        }
        for (xj, yj) in x.chunks_exact(m).zip(y.chunks_exact_mut(n)) {
            let c = alpha * xj.iter().sum::<f64>();
            yj.iter_mut()
                .zip(&self.mean)
                .for_each(|(v, mu)| *v -= c * mu);
        }
    }
}

impl MatVec<f64> for Centered<'_> {
    fn nrows(&self) -> usize {
        self.inner.nrows()
    }
    fn ncols(&self) -> usize {
        self.inner.ncols()
    }
    fn mul_vec(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64], par: Par) {
        self.inner.mul_vec(alpha, x, beta, y, par); // checks the lengths
        self.count();
        self.correct(alpha, x, y, par);
    }
    fn mul_vec_t(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64], par: Par) {
        self.inner.mul_vec_t(alpha, x, beta, y, par);
        self.count();
        self.correct_t(alpha, x, y);
    }
    // The block products: forwarded, so a memory-mapped file is read once for all k vectors
    // (the trait's default would call mul_vec k times: k passes over the file).
    fn mul_mat(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64], par: Par) {
        self.inner.mul_mat(alpha, x, beta, y, par);
        self.count();
        self.correct(alpha, x, y, par);
    }
    fn mul_mat_t(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64], par: Par) {
        self.inner.mul_mat_t(alpha, x, beta, y, par);
        self.count();
        self.correct_t(alpha, x, y);
    }
}

fn main() -> ExitCode {
    match support::parse_args::<Args>() {
        Ok(args) => support::finish(run(&args)),
        Err(code) => code,
    }
}

fn run(args: &Args) -> Result<(), String> {
    support::set_threads(args.threads)?;
    let par = Par::Rayon;
    // The data: the user's file, or a synthetic one with a known spectrum.
    let mut synthetic = None;
    let path = match &args.path {
        Some(p) => p.clone(),
        None => {
            if args.rows < 16 || args.cols < 2 {
                return Err("the synthetic data set needs --rows >= 16 and --cols >= 2".into());
            }
            let dir = std::env::temp_dir().join(format!("matvec-pca-{}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let p = dir.join("synthetic.npy");
            synthetic = Some(write_synthetic(&p, args.rows, args.cols)?);
            p
        }
    };
    let result = pca(args, &path, synthetic.as_ref(), par);
    if synthetic.is_some() {
        if args.keep {
            println!("kept {}", path.display());
        } else if let Some(dir) = path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    result
}

fn pca(args: &Args, path: &Path, synthetic: Option<&Synthetic>, par: Par) -> Result<(), String> {
    // Streamed with positioned reads: a file changed meanwhile makes a product panic with
    // the file and the offset (the solvers call the infallible trait methods), never a signal.
    let a = StreamDense::<f64>::open(path)
        .map_err(|e| e.to_string())?
        .with_budget(args.budget);
    let (m, n) = a.shape();
    let bytes = a.data_bytes();
    println!(
        "{}: {m} x {n} f64 ({:?}), {}; budget {} (reads of {} {}); {} threads",
        path.display(),
        a.layout(),
        fmt_bytes(bytes),
        fmt_bytes(a.budget()),
        a.read_len(par),
        if a.layout() == Layout::RowMajor {
            "rows"
        } else {
            "columns"
        },
        Par::Rayon.threads()
    );
    if args.k == 0 || args.k > m.min(n) {
        return Err(format!(
            "--k must be in 1..={} for a {m} x {n} data set, got {}",
            m.min(n),
            args.k
        ));
    }
    // Vectors a block product carries (rsvd clamps k + oversample the same way).
    let l = args.k.saturating_add(args.oversample).min(m.min(n));
    let rss_before = resident_bytes().unwrap_or(0);
    let reset = reset_peak_resident();

    // Column means: one pass (Aᵀ·1 / m).
    let t0 = Instant::now();
    let centered = Centered::new(&a, par);
    let t_mean = t0.elapsed().as_secs_f64();

    // Randomized SVD of the centered matrix, a progress bar over its power iterations.
    let settings = Rsvd {
        oversample: args.oversample,
        ..Rsvd::default()
    };
    let bar = support::iteration_bar("rsvd power iterations", args.max_iter);
    let mut on_progress = |p: &Progress<f64>| {
        bar.set_position(p.iteration as u64);
        bar.set_message(format!("residual {:.2e}", p.residual));
    };
    let opts = Options::new()
        .tol(args.tol)
        .max_iter(args.max_iter)
        .par(par)
        .progress(&mut on_progress);
    let mut ws = RsvdWorkspace::new();
    let t1 = Instant::now();
    let svd = rsvd(&centered, args.k, settings, opts, &mut ws).map_err(|e| e.to_string())?;
    let t_svd = t1.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let passes = centered.passes.get();
    let peak = peak_resident_bytes();

    // Total variance ‖A − 1·μᵀ‖_F² = ‖A‖_F² − m·‖μ‖², for the explained-variance ratios: one
    // more pass, with plain buffered reads (not the mapping: nothing stays resident).
    let t2 = Instant::now();
    let sum_sq = sum_of_squares(path, a.data_offset() as usize, bytes)?;
    let t_total = t2.elapsed().as_secs_f64();
    let mu2: f64 = centered.mean.iter().map(|v| v * v).sum();
    // For scale: one single-vector product A·x (one pass) against a block pass of rsvd.
    let (ones, mut ax) = (vec![1.0; n], vec![0.0; m]);
    let t3 = Instant::now();
    a.mul_vec(1.0, &ones, 0.0, &mut ax, par);
    let t_one = t3.elapsed().as_secs_f64();
    let total = (sum_sq - m as f64 * mu2).max(0.0);

    let gb = |passes: usize, t: f64| passes as f64 * bytes as f64 / t / 1e9;
    println!(
        "column means : 1 pass   in {:7.3} s  ({:.2} GB/s)",
        t_mean,
        gb(1, t_mean)
    );
    println!(
        "rsvd         : {} passes in {:7.3} s  ({:.2} GB/s; k = {}, oversample {}, {} power \
         iterations; {} vector products)",
        passes - 1,
        t_svd,
        gb(passes - 1, t_svd),
        args.k,
        args.oversample,
        svd.report.iterations,
        svd.report.products
    );
    println!(
        "total var.   : 1 pass   in {:7.3} s  ({:.2} GB/s, read())",
        t_total,
        gb(1, t_total)
    );
    println!(
        "for scale    : one A·x (1 vector, 1 pass) {:.3} s ({:.2} GB/s); an rsvd pass with {} \
         vectors averaged {:.3} s",
        t_one,
        gb(1, t_one),
        l,
        t_svd / (passes - 1) as f64
    );
    println!(
        "{} passes over the file in all, {:.2} s; check residual max‖A·vᵢ − σᵢ·uᵢ‖/σ₁ = {:.2e}",
        passes + 1,
        t_mean + t_svd + t_total,
        svd.report.residual
    );

    println!(
        "\n{:>4} {:>14} {:>14} {:>10} {:>10}{}",
        "pc",
        "singular value",
        "variance",
        "explained",
        "cumulative",
        if synthetic.is_some() {
            format!(" {:>14} {:>9}", "planted", "rel. err")
        } else {
            String::new()
        }
    );
    let mut cum = 0.0;
    for (i, s) in svd.s.iter().enumerate() {
        let var = s * s / (m.max(2) - 1) as f64;
        let ratio = if total > 0.0 { s * s / total } else { 0.0 };
        cum += ratio;
        let planted = match synthetic.and_then(|syn| syn.s.get(i)) {
            Some(p) => format!(" {p:>14.6e} {:>9.1e}", ((s - p) / p).abs()),
            None => String::new(),
        };
        println!(
            "{:>4} {:>14.6e} {:>14.6e} {:>9.3}% {:>9.3}%{planted}",
            i + 1,
            s,
            var,
            100.0 * ratio,
            100.0 * cum
        );
    }

    match peak {
        Some(p) if reset => println!(
            "\npeak resident memory during the PCA: {} = {:.1}% of the file ({}); before: {}; \
             budget {}, rsvd workspace ≈ {}",
            fmt_bytes(p),
            100.0 * p as f64 / bytes as f64,
            fmt_bytes(bytes),
            fmt_bytes(rss_before),
            fmt_bytes(a.budget()),
            fmt_bytes(8 * ((m + n) * l + (m + n) * args.k))
        ),
        Some(p) => println!(
            "\npeak resident memory of the whole run: {} (could not reset the peak counter); \
             file {}",
            fmt_bytes(p),
            fmt_bytes(bytes)
        ),
        None => println!("\npeak resident memory: not available on this system"),
    }

    if let Some(syn) = synthetic {
        let k = args.k.min(syn.s.len());
        let err = (0..k)
            .map(|i| ((svd.s[i] - syn.s[i]) / syn.s[i]).abs())
            .fold(0.0f64, f64::max);
        let mean_err = centered
            .mean
            .iter()
            .zip(&syn.mean)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f64, f64::max);
        println!(
            "synthetic data: largest relative error of the top {k} singular values against the \
             planted ones {err:.2e} (planted σ₁ = {:.6e}, σ_{k} = {:.6e}, σ_{} = {:.6e}); \
             largest error of the column means {mean_err:.2e}",
            syn.s[0],
            syn.s[k - 1],
            k + 1,
            syn.s.get(k).copied().unwrap_or(0.0)
        );
    }
    Ok(())
}

/// `Σ aᵢⱼ²` over the data of an `.npy` file, read in 8 MiB pieces.
fn sum_of_squares(path: &Path, offset: usize, bytes: usize) -> Result<f64, String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut f = std::fs::File::open(path).map_err(err)?;
    std::io::copy(&mut (&mut f).take(offset as u64), &mut std::io::sink()).map_err(err)?;
    let mut buf = vec![0u8; 8 << 20];
    let (mut left, mut sum) = (bytes, 0.0);
    while left > 0 {
        let len = buf.len().min(left);
        f.read_exact(&mut buf[..len]).map_err(err)?;
        sum += buf[..len]
            .par_chunks(1 << 16)
            .map(|c| {
                c.chunks_exact(8)
                    .map(|b| f64::from_le_bytes(b.try_into().unwrap()).powi(2))
                    .sum::<f64>()
            })
            .sum::<f64>();
        left -= len;
    }
    Ok(sum)
}

/// What the synthetic data set was built from: the singular values of the centered matrix
/// (largest first) and the column means.
struct Synthetic {
    s: Vec<f64>,
    mean: Vec<f64>,
}

/// Writes an `m × n` C-order `.npy`: row `i` is `μ + Σⱼ sⱼ·uⱼ(i)·vⱼ` with `r = min(n, m − 3)`
/// components. The `uⱼ` are discrete cosines and sines over the rows (frequencies 1, 1, 2,
/// 2, …, all below m/2: exactly orthonormal and of zero mean, so centering removes exactly
/// `μ`), the `vⱼ` random orthonormal vectors; so the centered matrix has singular values
/// exactly `sⱼ`: 10 strong components (3·0.8ʲ, relative) over a slowly decaying floor of
/// weak ones (0.1 → 0.05), scaled so that entries are O(1).
fn write_synthetic(path: &Path, m: usize, n: usize) -> Result<Synthetic, String> {
    let r = n.min(m - 3);
    let strong = 10.min(r);
    let scale = (m as f64 * n as f64 / 2.0).sqrt();
    let s: Vec<f64> = (0..r)
        .map(|j| {
            scale
                * if j < strong {
                    3.0 * 0.8f64.powi(j as i32)
                } else {
                    0.1 * (1.0 - 0.5 * (j - strong) as f64 / r as f64)
                }
        })
        .collect();
    let mean: Vec<f64> = (0..n).map(|c| 5.0 + 2.0 * (c as f64).sin()).collect();
    // V: r random vectors of length n, orthonormalized (modified Gram–Schmidt, twice).
    let mut rng = SplitMix64::new(0x9CA);
    let mut v: Vec<Vec<f64>> = (0..r)
        .map(|_| (0..n).map(|_| rng.next_f64() - 0.5).collect())
        .collect();
    for j in 0..r {
        for _ in 0..2 {
            for i in 0..j {
                let d: f64 = v[i].iter().zip(&v[j]).map(|(a, b)| a * b).sum();
                let (done, rest) = v.split_at_mut(j);
                rest[0]
                    .iter_mut()
                    .zip(&done[i])
                    .for_each(|(b, a)| *b -= d * a);
            }
        }
        let nv = v[j].iter().map(|a| a * a).sum::<f64>().sqrt();
        v[j].iter_mut().for_each(|a| *a /= nv);
    }
    let u = |j: usize, i: usize| {
        let f = (j / 2 + 1) as f64;
        let t = std::f64::consts::TAU * f * i as f64 / m as f64;
        (2.0 / m as f64).sqrt()
            * if j.is_multiple_of(2) {
                t.cos()
            } else {
                t.sin()
            }
    };

    let bar = ProgressBar::new((m * n * 8) as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "writing {msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .map_err(|e| e.to_string())?
        .progress_chars("=> "),
    );
    bar.set_message(path.display().to_string());
    let t = Instant::now();
    let mut w =
        NpyWriter::<f64>::create(path, m, n, Layout::RowMajor).map_err(|e| e.to_string())?;
    let chunk = 2048;
    let mut buf = vec![0.0; chunk * n];
    for start in (0..m).step_by(chunk) {
        let rows = chunk.min(m - start);
        buf[..rows * n]
            .par_chunks_mut(n)
            .enumerate()
            .for_each(|(k, row)| {
                let i = start + k;
                row.copy_from_slice(&mean);
                for (j, vj) in v.iter().enumerate() {
                    let c = s[j] * u(j, i);
                    row.iter_mut().zip(vj).for_each(|(x, b)| *x += c * b);
                }
            });
        w.write(&buf[..rows * n]).map_err(|e| e.to_string())?;
        bar.inc((rows * n * 8) as u64);
    }
    w.finish().map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    println!(
        "wrote a synthetic data set: {m} x {n} f64 ({}), {r} components (10 strong), non-zero \
         mean, in {:.1} s",
        fmt_bytes(m * n * 8),
        t.elapsed().as_secs_f64()
    );
    Ok(Synthetic { s, mean })
}
