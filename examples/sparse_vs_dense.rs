//! For my matrix, sparse or dense? Times `A·x` for CSR and dense storage of the same random
//! `n × n` matrix over a range of densities, names the crossover density, prints the memory
//! footprint of each format, and writes an SVG plot of time against density.
//!
//! ```sh
//! cargo run --release --example sparse_vs_dense
//! cargo run --release --example sparse_vs_dense -- --n 4000 --densities 0.001,0.01,0.1 --threads 1
//! ```

mod support;

use clap::Parser;
use matvec::{Coo, Csr, Dense, Footprint, Layout, MatVec, Par};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use support::{SplitMix64, fmt_bytes, time_per_call};

#[derive(Parser, Debug)]
#[command(about = "Time CSR against dense A·x over a range of densities and find the crossover")]
struct Args {
    /// Rows and columns of the random square matrix (the default, 4096, makes the dense
    /// matrix 128 MiB: larger than the caches, as matrices worth this question are).
    #[arg(long, default_value_t = 4096)]
    n: usize,
    /// Densities to measure (fractions of nonzero entries, in (0, 1]).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.0001,0.001,0.01,0.05,0.1,0.2,0.3,0.5,0.7,1"
    )]
    densities: Vec<f64>,
    /// Density of the matrix whose memory footprint is shown in every format.
    #[arg(long, default_value_t = 0.01)]
    footprint_density: f64,
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Seconds of timing per format and density (the median of many samples is reported).
    #[arg(long, default_value_t = 0.3)]
    seconds: f64,
    /// Seed of the random matrices.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// SVG plot to write.
    #[arg(long, default_value = "sparse_vs_dense.svg")]
    output: PathBuf,
}

/// A deterministic random `n × n` matrix: each entry is nonzero with probability `density`,
/// with a value uniform in [-1, 1). Returned as triplets (row-major order, no duplicates).
fn random_triplets(n: usize, density: f64, seed: u64) -> Vec<(usize, usize, f64)> {
    let mut rng = SplitMix64::new(seed ^ density.to_bits());
    let mut t = Vec::with_capacity((density * (n * n) as f64 * 1.01) as usize + 16);
    for i in 0..n {
        for j in 0..n {
            if rng.next_f64() < density {
                t.push((i, j, rng.next_f64() * 2.0 - 1.0));
            }
        }
    }
    t
}

fn to_coo(n: usize, t: &[(usize, usize, f64)]) -> Coo<f64> {
    let mut coo = Coo::with_capacity(n, n, t.len());
    for &(i, j, v) in t {
        coo.push(i, j, v);
    }
    coo
}

fn to_dense(n: usize, t: &[(usize, usize, f64)]) -> Dense<f64> {
    let mut d = Dense::zeros(n, n, Layout::RowMajor);
    let data = d.data_mut();
    // `zeros` may get lazily zeroed pages from the OS, which all map one shared zero page
    // until written: a very sparse "dense" matrix would then sit in cache and time far too
    // fast. Writing every entry (with a value the optimiser cannot see) makes the pages real.
    data.fill(std::hint::black_box(0.0));
    for &(i, j, v) in t {
        data[i * n + j] = v;
    }
    d
}

struct Point {
    density: f64,
    csr: f64,
    dense: f64,
}

fn main() -> ExitCode {
    match support::parse_args::<Args>() {
        Ok(args) => support::finish(run(args)),
        Err(code) => code,
    }
}

fn run(args: Args) -> Result<(), String> {
    let n = args.n;
    if n == 0 {
        return Err("--n must be at least 1".into());
    }
    let mut densities = args.densities.clone();
    let valid = |d: f64| d > 0.0 && d <= 1.0;
    if let Some(d) = densities
        .iter()
        .chain([&args.footprint_density])
        .find(|d| !valid(**d))
    {
        return Err(format!("density {d} is not in (0, 1]"));
    }
    if !(args.seconds > 0.0 && args.seconds.is_finite()) {
        return Err(format!("--seconds {} must be positive", args.seconds));
    }
    densities.sort_by(f64::total_cmp);
    densities.dedup();
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .map_err(|e| format!("cannot start {t} threads: {e}"))?;
    }

    println!(
        "random {n} x {n} f64 matrices, A·x with Par::Rayon on {} threads, median of {:.1} s per point",
        Par::Rayon.threads(),
        args.seconds
    );
    println!(
        "{:>9} {:>10} {:>11} {:>11} {:>14} {:>10} {:>10}",
        "density", "nnz", "CSR", "dense", "dense/CSR", "CSR bytes", "dense"
    );
    let x: Vec<f64> = (0..n).map(|j| ((j % 7) as f64) - 3.0).collect();
    let mut points = Vec::with_capacity(densities.len());
    for &d in &densities {
        let t = random_triplets(n, d, args.seed);
        let dense = to_dense(n, &t);
        let csr: Csr<f64> = to_coo(n, &t).into_csr();
        drop(t);
        let mut y_csr = vec![0.0; n];
        let mut y_dense = vec![0.0; n];
        let t_csr = time_per_call(args.seconds, || {
            csr.mul_vec(1.0, &x, 0.0, &mut y_csr, Par::Rayon)
        });
        let t_dense = time_per_call(args.seconds, || {
            dense.mul_vec(1.0, &x, 0.0, &mut y_dense, Par::Rayon)
        });
        let scale = y_dense.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let diff = y_csr
            .iter()
            .zip(&y_dense)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        if diff > 1e-9 * scale.max(f64::MIN_POSITIVE) {
            return Err(format!(
                "at density {d}: CSR and dense results differ by {diff:e} (max |y| = {scale:e})"
            ));
        }
        println!(
            "{:>9} {:>10} {:>8.1} µs {:>8.1} µs {:>13.2}x {:>10} {:>10}",
            d,
            csr.nnz(),
            t_csr * 1e6,
            t_dense * 1e6,
            t_dense / t_csr,
            fmt_bytes(csr.data_bytes()),
            fmt_bytes(dense.data_bytes())
        );
        points.push(Point {
            density: d,
            csr: t_csr,
            dense: t_dense,
        });
    }
    let crossover = crossover(&points);
    match crossover {
        Some((_, 0)) => println!(
            "crossover: dense is already faster at the lowest density, {}",
            points[0].density
        ),
        Some((c, k)) => println!(
            "crossover: dense becomes faster at density ≈ {c:.3} ({:.1}% nonzeros, about {} \
             nonzeros a row), between the measured {} and {}",
            c * 100.0,
            (c * n as f64).round(),
            points[k - 1].density,
            points[k].density
        ),
        None => println!(
            "crossover: none in range, CSR is faster at every density up to {}",
            densities.last().copied().unwrap_or(0.0)
        ),
    }

    footprint(n, args.footprint_density, args.seed);

    plot(&args.output, n, &points, crossover.map(|(c, _)| c))?;
    println!("wrote {}", args.output.display());
    Ok(())
}

/// The first measured density where dense is faster, and the crossover density interpolated
/// linearly in log(density) against log(dense time / CSR time) between it and the point before.
fn crossover(points: &[Point]) -> Option<(f64, usize)> {
    let k = points.iter().position(|p| p.dense < p.csr)?;
    if k == 0 {
        return Some((points[0].density, 0));
    }
    let (a, b) = (&points[k - 1], &points[k]);
    let (ra, rb) = ((a.dense / a.csr).ln(), (b.dense / b.csr).ln());
    let f = if ra == rb { 0.5 } else { ra / (ra - rb) };
    let (la, lb) = (a.density.ln(), b.density.ln());
    Some(((la + f * (lb - la)).exp(), k))
}

fn footprint(n: usize, density: f64, seed: u64) {
    let t = random_triplets(n, density, seed);
    let dense = to_dense(n, &t);
    let coo = to_coo(n, &t);
    drop(t);
    let csr = coo.to_csr();
    let csc = coo.to_csc();
    let nnz = coo.nnz();
    println!();
    println!("memory footprint at density {density} ({nnz} nonzeros of {n} x {n}):");
    println!(
        "{:>7} {:>12} {:>12} {:>14}",
        "format", "heap bytes", "", "bytes/nonzero"
    );
    let per_nnz = |b: Option<f64>| b.map_or("-".to_string(), |b| format!("{b:.1}"));
    let rows: [(&str, usize, Option<f64>); 4] = [
        (
            "dense",
            dense.heap_bytes(),
            (nnz > 0).then(|| dense.data_bytes() as f64 / nnz as f64),
        ),
        ("CSR", csr.heap_bytes(), csr.bytes_per_nnz()),
        ("CSC", csc.heap_bytes(), csc.bytes_per_nnz()),
        ("COO", coo.heap_bytes(), coo.bytes_per_nnz()),
    ];
    for (name, heap, bpn) in rows {
        println!(
            "{name:>7} {heap:>12} {:>12} {:>14}",
            fmt_bytes(heap),
            per_nnz(bpn)
        );
    }
}

/// Log-log plot of time against density, written to a temporary name and then renamed.
fn plot(path: &Path, n: usize, points: &[Point], crossover: Option<f64>) -> Result<(), String> {
    if points.is_empty() {
        return Ok(());
    }
    let name = path
        .file_name()
        .ok_or_else(|| format!("--output {} is not a file name", path.display()))?
        .to_string_lossy()
        .into_owned();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    if let Err(e) = draw(&tmp, n, points, crossover) {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot write plot {}: {e}", tmp.display()));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot rename {} to {}: {e}", tmp.display(), path.display())
    })
}

/// Draws the plot into `tmp`.
fn draw(tmp: &Path, n: usize, points: &[Point], crossover: Option<f64>) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let us = |s: f64| s * 1e6;
    let (mut dmin, mut dmax) = (points[0].density, points[points.len() - 1].density);
    if dmin == dmax {
        (dmin, dmax) = (dmin / 2.0, (dmax * 2.0).min(1.0));
    }
    let times = points.iter().flat_map(|p| [us(p.csr), us(p.dense)]);
    let tmin = times.clone().fold(f64::INFINITY, f64::min) / 1.5;
    let tmax = times.fold(0.0f64, f64::max) * 1.5;
    {
        let root = SVGBackend::new(tmp, (900, 600)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("A·x, random {n} x {n} f64: CSR vs dense"),
                ("sans-serif", 22),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d((dmin..dmax).log_scale(), (tmin..tmax).log_scale())
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("density (fraction of nonzeros)")
            .y_desc("time per product (µs)")
            .x_label_formatter(&|d| format!("{d:.0e}"))
            .y_label_formatter(&|t| format!("{t:.0}"))
            .draw()
            .map_err(|e| err(&e))?;
        for (label, color, get) in [
            ("CSR", BLUE, (|p: &Point| p.csr) as fn(&Point) -> f64),
            ("dense", RED, |p: &Point| p.dense),
        ] {
            chart
                .draw_series(
                    LineSeries::new(
                        points.iter().map(|p| (p.density, us(get(p)))),
                        color.stroke_width(2),
                    )
                    .point_size(4),
                )
                .map_err(|e| err(&e))?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        if let Some(c) = crossover.filter(|c| (dmin..=dmax).contains(c)) {
            chart
                .draw_series(LineSeries::new([(c, tmin), (c, tmax)], BLACK.mix(0.6)))
                .map_err(|e| err(&e))?;
            // The label goes on the side of the line with more room (the axis is logarithmic).
            let right = c.ln() - dmin.ln() < dmax.ln() - c.ln();
            let (x, hpos) = if right {
                (c * 1.1, HPos::Left)
            } else {
                (c / 1.1, HPos::Right)
            };
            let style =
                TextStyle::from(("sans-serif", 16).into_font()).pos(Pos::new(hpos, VPos::Top));
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("crossover ≈ {c:.3}"),
                    (x, tmax / 1.3),
                    style,
                )))
                .map_err(|e| err(&e))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(())
}
