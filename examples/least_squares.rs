//! `least_squares`: faer's LSMR on a dense `.npy` file larger than the memory budget, streamed
//! block by block through the faer bridge (`interop::FaerOp`). We have no least-squares
//! solver of our own; any `MatVec` gets faer's.
//!
//! ```sh
//! cargo run --release --features faer --example least_squares
//! cargo run --release --features faer --example least_squares -- --rows 400000 --cols 100 --budget 16MiB
//! ```
//!
//! The matrix has entries uniform in [-1, 1) from a fixed generator, and `b = A·x* + e`
//! with a planted `x*` and noise `e` uniform in `±noise`. The printed checks need no dense
//! reference: with no noise the error against `x*`; with noise the optimality of the answer,
//! `‖Aᵀ(b − A·x)‖ / (‖A‖_F·‖b − A·x‖)`, which is 0 exactly at the least-squares solution.

mod support;

use clap::Parser;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::matrix_free::{IdentityPrecond, lsmr};
use matvec::interop::FaerOp;
use matvec::io::npy::NpyWriter;
use matvec::memory::format_bytes;
use matvec::stream::StreamDense;
use matvec::{Layout, Par};
use std::process::ExitCode;
use std::time::Instant;
use support::SplitMix64;

#[derive(Parser, Debug)]
#[command(about = "faer's LSMR on a .npy file larger than the memory budget")]
struct Args {
    /// Rows of the matrix.
    #[arg(long, default_value_t = 200_000)]
    rows: usize,
    /// Columns (unknowns).
    #[arg(long, default_value_t = 50)]
    cols: usize,
    /// Memory budget of the streamed matrix, e.g. 8MiB.
    #[arg(long, default_value = "8MiB", value_parser = matvec::memory::parse_size)]
    budget: usize,
    /// Size of the noise added to b (0: a consistent system).
    #[arg(long, default_value_t = 1e-3)]
    noise: f64,
    /// Where to write the matrix (default: the system's temp dir; removed at the end).
    #[arg(long)]
    file: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    match support::parse_args::<Args>() {
        Ok(args) => support::finish(run(&args).map_err(|e| e.to_string())),
        Err(code) => code,
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let (m, n) = (args.rows, args.cols);
    if n == 0 || m < n {
        return Err(format!("need rows >= cols >= 1, got {m} x {n}").into());
    }
    let path = args.file.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("matvec-lsq-{}.npy", std::process::id()))
    });

    // The matrix, written row block by row block (never held in memory), and b = A·x* + e.
    let t = Instant::now();
    let x_star: Vec<f64> = (0..n).map(|j| 1.0 + (j % 5) as f64 * 0.25).collect();
    let mut rng = SplitMix64::new(7);
    let mut unit = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
    let mut writer = NpyWriter::<f64>::create(&path, m, n, Layout::RowMajor)?;
    let mut b = Vec::with_capacity(m);
    let mut norm_f = 0.0;
    let mut row = vec![0.0; n];
    for _ in 0..m {
        row.iter_mut().for_each(|v| *v = unit());
        norm_f += row.iter().map(|v| v * v).sum::<f64>();
        let ax: f64 = row.iter().zip(&x_star).map(|(a, x)| a * x).sum();
        b.push(ax + args.noise * unit());
        writer.write(&row)?;
    }
    writer.finish()?;
    let file_len = std::fs::metadata(&path)?.len() as usize;
    println!(
        "wrote {} ({m} x {n} f64, {}) in {:.2} s; budget {} ({:.1} % of the file)",
        path.display(),
        format_bytes(file_len),
        t.elapsed().as_secs_f64(),
        format_bytes(args.budget),
        100.0 * args.budget as f64 / file_len as f64
    );

    let streamed = StreamDense::<f64>::open(&path)?.with_budget(args.budget);
    let counted = support::Counted::new(&streamed);
    support::reset_peak_resident();
    let op = FaerOp::new(&counted);
    let precond = IdentityPrecond { dim: n };
    let par = faer::Par::rayon(0);
    let mut mem = MemBuffer::new(lsmr::lsmr_scratch(precond, &op, 1, par));
    let mut x = vec![0.0; n];
    let params = lsmr::LsmrParams {
        rel_tolerance: 1e-10,
        max_iters: 10 * n,
        ..Default::default()
    };
    let t = Instant::now();
    let info = lsmr::lsmr(
        faer::MatMut::from_column_major_slice_mut(&mut x, n, 1),
        precond,
        &op,
        faer::MatRef::from_column_major_slice(&b, m, 1),
        params,
        |_| {},
        par,
        MemStack::new(&mut mem),
    );
    let took = t.elapsed().as_secs_f64();
    let passes = counted.passes();
    match info {
        Ok(i) => println!(
            "faer LSMR: {} iterations, relative residual {:.1e}, {passes} passes over the file, \
             {took:.2} s ({:.2} GB/s of matrix)",
            i.iter_count,
            i.rel_residual,
            (passes * file_len) as f64 / took / 1e9
        ),
        Err(e) => println!("faer LSMR did not converge: {e:?} ({passes} passes, {took:.2} s)"),
    }

    // Checks with two more products, through our own streamed type.
    let mut r = b.clone();
    streamed.try_mul_vec(-1.0, &x, 1.0, &mut r, Par::Rayon)?;
    let mut atr = vec![0.0; n];
    streamed.try_mul_vec_t(1.0, &r, 0.0, &mut atr, Par::Rayon)?;
    let err = x
        .iter()
        .zip(&x_star)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    if args.noise > 0.0 {
        println!(
            "max |x - x*| = {err:.1e} (noise {:.0e}); optimality ‖Aᵀr‖/(‖A‖_F·‖r‖) = {:.1e}",
            args.noise,
            norm(&atr) / (norm_f.sqrt() * norm(&r)).max(f64::MIN_POSITIVE)
        );
    } else {
        // A consistent system: r is rounding only, so the optimality ratio says nothing.
        println!("max |x - x*| = {err:.1e} (no noise: x* is the solution)");
    }
    if let Some(peak) = support::peak_resident_bytes() {
        println!(
            "peak resident memory while solving: {} (file {}, budget {}, b and r {} each)",
            format_bytes(peak),
            format_bytes(file_len),
            format_bytes(args.budget),
            format_bytes(8 * m)
        );
    }
    if args.file.is_none() {
        std::fs::remove_file(&path)?;
    }
    Ok(())
}
