//! One trait, every format: the same 2-D Poisson matrix as CSR, CSC, COO, dense and a
//! memory-mapped `.npy` file, all held as `Box<dyn MatVec<f64>>`, multiplied by the same
//! vector, checked against CSR and timed.
//!
//! ```sh
//! cargo run --release --example compare
//! cargo run --release --example compare -- --grid 60
//! ```

mod support;

use clap::Parser;
use matvec::{Coo, Layout, MatVec, MmapDense, Par};
use std::process::ExitCode;
use support::time_per_call;

#[derive(Parser, Debug)]
#[command(about = "Multiply one matrix in every format through the MatVec trait")]
struct Args {
    /// Side of the grid: the matrix is grid² x grid² (dense copies need 8·grid⁴ bytes each).
    #[arg(long, default_value_t = 40)]
    grid: usize,
    /// Seconds of timing per format (the median of many samples is reported).
    #[arg(long, default_value_t = 0.2)]
    seconds: f64,
}

fn main() -> ExitCode {
    match support::parse_args::<Args>() {
        Ok(args) => support::finish(run(&args)),
        Err(code) => code,
    }
}

fn run(args: &Args) -> Result<(), String> {
    let (m, n) = (args.grid, args.grid * args.grid);
    // 5-point Laplacian on an m x m grid.
    let mut coo = Coo::<f64>::with_capacity(n, n, 5 * n);
    for (i, j) in (0..m).flat_map(|i| (0..m).map(move |j| (i, j))) {
        let k = i * m + j;
        coo.push(k, k, 4.0);
        for (ok, nb) in [
            (i > 0, k.wrapping_sub(m)),
            (i + 1 < m, k + m),
            (j > 0, k.wrapping_sub(1)),
            (j + 1 < m, k + 1),
        ] {
            if ok {
                coo.push(k, nb, -1.0);
            }
        }
    }
    let csr = coo.to_csr();
    let dense = csr.to_dense(Layout::RowMajor);
    let path = std::env::temp_dir().join(format!("matvec-compare-{}.npy", std::process::id()));
    matvec::io::npy::write_dense(&path, dense.view()).map_err(|e| e.to_string())?;
    // SAFETY: the file was just written by this program under a name unique to this process,
    // and nothing modifies or truncates it while it is mapped (it is removed after the drop).
    let mapped = unsafe { MmapDense::<f64>::open(&path) };
    let result = mapped.map_err(|e| e.to_string()).and_then(|mapped| {
        let mats: Vec<(&str, Box<dyn MatVec<f64>>)> = vec![
            ("CSR", Box::new(csr.clone())),
            ("CSC", Box::new(csr.to_csc())),
            ("COO", Box::new(coo)),
            ("dense", Box::new(dense)),
            ("MmapDense", Box::new(mapped)),
        ];
        compare(m, &mats, args.seconds)
    });
    std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
    result
}

fn compare(m: usize, mats: &[(&str, Box<dyn MatVec<f64>>)], seconds: f64) -> Result<(), String> {
    let n = mats[0].1.ncols();
    let x: Vec<f64> = (0..n).map(|j| (j as f64 * 0.37).sin()).collect();
    let reference = mats[0].1.matvec(&x);
    let scale = reference.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    println!(
        "2-D Poisson, {m} x {m} grid: {n} x {n}, {} threads",
        Par::Rayon.threads()
    );
    println!(
        "{:>10} {:>12} {:>16}",
        "format", "A·x (µs)", "max |y - y_CSR|"
    );
    let mut worst = 0.0f64;
    for (name, a) in mats {
        let mut y = vec![0.0; n];
        let t = time_per_call(seconds, || a.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon));
        let diff = y
            .iter()
            .zip(&reference)
            .fold(0.0f64, |d, (p, q)| d.max((p - q).abs()));
        worst = worst.max(diff);
        println!("{name:>10} {:>12.1} {diff:>16.3e}", t * 1e6);
    }
    if worst > 1e-12 * scale.max(f64::MIN_POSITIVE) {
        return Err(format!(
            "formats disagree: max difference {worst:e}, max |y| {scale:e}"
        ));
    }
    println!("all formats agree with CSR (max |y| = {scale:.3})");
    Ok(())
}
