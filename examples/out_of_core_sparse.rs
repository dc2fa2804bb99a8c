//! Out-of-core sparse products: writes a random CSR `.npz` (uniform columns, a fixed number of
//! entries a row) with stored members, then multiplies it by a vector with `StreamCsr` under a
//! memory budget, printing time, GB/s of the file, how much of it was in the page cache and
//! the process's peak resident memory; with `--in-memory`, also the in-memory `Csr` product
//! (the file read first) for comparison, checked bit for bit.
//!
//! ```sh
//! cargo run --release --example out_of_core_sparse                       # 1 M rows, 16 a row (~200 MB)
//! cargo run --release --example out_of_core_sparse -- --rows 4000000 --per-row 45 --path /work/big/s.npz --keep
//! ```

mod support;

use clap::Parser;
use matvec::io::npz;
use matvec::stream::StreamCsr;
use matvec::{Csr, Footprint, MatVec, Par};
use std::path::PathBuf;
use std::time::Instant;
use support::{
    cached_fraction, evict_page_cache, fmt_bytes, parse_size, peak_resident_bytes,
    reset_peak_resident, time_with,
};

#[derive(Parser, Debug)]
#[command(about = "Multiply a CSR .npz on disk by a vector under a memory budget")]
struct Args {
    /// Rows (and columns) of the matrix to write.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Entries per row.
    #[arg(long, default_value_t = 16)]
    per_row: usize,
    /// Memory budget for the products, e.g. 64MiB.
    #[arg(long, default_value = "64MiB", value_parser = parse_size)]
    budget: usize,
    /// File to write (default: a temporary file, deleted afterwards).
    #[arg(long)]
    path: Option<PathBuf>,
    /// Keep the file afterwards.
    #[arg(long)]
    keep: bool,
    /// Reuse the file at --path if it exists, instead of rewriting it.
    #[arg(long)]
    reuse: bool,
    /// Evict the file from the page cache before every timed product (cold reads).
    #[arg(long)]
    cold: bool,
    /// Also load the matrix and time the in-memory product (needs the matrix's size in RAM).
    #[arg(long)]
    in_memory: bool,
    /// Products to time in each direction (the median is reported).
    #[arg(long, default_value_t = 3)]
    reps: usize,
}

fn main() {
    if let Err(e) = run(Args::parse()) {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let path = args.path.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("matvec-ooc-sparse-{}.npz", std::process::id()))
    });
    let reused = args.reuse && path.exists();
    if !reused {
        write_matrix(&path, args.rows, args.per_row)?;
    }
    let a = StreamCsr::<f64>::open(&path)?.with_budget(args.budget)?;
    let (r, c) = (a.nrows(), a.ncols());
    let bytes = a.data_bytes();
    println!(
        "matrix {r} x {c}, {} entries, {} on disk; budget {}, {} blocks, {} threads",
        a.nnz(),
        fmt_bytes(bytes),
        fmt_bytes(args.budget),
        a.blocks(),
        Par::Rayon.threads()
    );
    let x: Vec<f64> = (0..c).map(|j| ((j % 7) as f64) - 3.0).collect();
    let xt: Vec<f64> = (0..r).map(|i| ((i % 5) as f64) - 2.0).collect();
    let (mut y, mut yt) = (vec![0.0; r], vec![0.0; c]);
    let reset = reset_peak_resident();
    let before = || {
        if args.cold {
            evict_page_cache(&path);
        }
        cached_fraction(&path)
    };
    let report = |what: &str, t: f64, cached: &str| {
        println!(
            "{what:12}: {:9.1} ms  {:6.2} GB/s  (file resident before: {cached})",
            t * 1e3,
            bytes as f64 / t / 1e9
        )
    };
    let (t, cached_before) = time_with(args.reps, &before, || {
        a.try_mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon)
            .expect("product")
    });
    report("A·x", t, &cached_before);
    let (t_t, cached_before) = time_with(args.reps, &before, || {
        a.try_mul_vec_t(1.0, &xt, 0.0, &mut yt, Par::Rayon)
            .expect("product")
    });
    report("Aᵀ·x", t_t, &cached_before);
    match peak_resident_bytes() {
        Some(p) if reset => println!(
            "peak resident memory during the products: {} (buffers kept {})",
            fmt_bytes(p),
            fmt_bytes(a.heap_bytes())
        ),
        _ => println!("peak resident memory: not available"),
    }
    if args.in_memory {
        let m: Csr<f64> = npz::read_csr(&path)?;
        let (mut y2, mut yt2) = (vec![0.0; r], vec![0.0; c]);
        let (tm, _) = time_with(args.reps, &|| (), || {
            m.mul_vec(1.0, &x, 0.0, &mut y2, Par::Rayon)
        });
        let (tmt, _) = time_with(args.reps, &|| (), || {
            m.mul_vec_t(1.0, &xt, 0.0, &mut yt2, Par::Rayon)
        });
        println!(
            "in memory A·x: {:9.1} ms (streamed / in memory: {:.2}); Aᵀ·x: {:9.1} ms ({:.2})",
            tm * 1e3,
            t / tm,
            tmt * 1e3,
            t_t / tmt
        );
        let same = y.iter().zip(&y2).all(|(a, b)| a.to_bits() == b.to_bits())
            && yt.iter().zip(&yt2).all(|(a, b)| a.to_bits() == b.to_bits());
        println!("results bit-identical to the in-memory product: {same}");
        if !same {
            return Err("streamed and in-memory results differ".into());
        }
    }
    if args.keep || reused {
        println!("kept {}", path.display());
    } else {
        std::fs::remove_file(&path)?;
    }
    Ok(())
}

/// A uniform random CSR matrix (`per_row` distinct sorted columns a row), written with stored,
/// aligned members.
fn write_matrix(
    path: &std::path::Path,
    n: usize,
    per_row: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let per_row = per_row.min(n);
    let mut ptr = Vec::with_capacity(n + 1);
    let mut idx: Vec<u32> = Vec::with_capacity(n * per_row);
    let mut val = Vec::with_capacity(n * per_row);
    ptr.push(0);
    let mut row = Vec::with_capacity(per_row);
    for _ in 0..n {
        row.clear();
        while row.len() < per_row {
            let j = (next() % n as u64) as u32;
            if !row.contains(&j) {
                row.push(j);
            }
        }
        row.sort_unstable();
        idx.extend_from_slice(&row);
        val.extend(
            row.iter()
                .map(|_| (next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5),
        );
        ptr.push(idx.len());
    }
    let a = Csr::try_new(n, n, ptr, idx, val)?;
    npz::write_csr(path, a.view())?;
    println!(
        "wrote {} ({} entries) in {:.1} s",
        path.display(),
        a.nnz(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
