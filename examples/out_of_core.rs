//! Out-of-core dense products: writes an `.npy` matrix of the size you ask for (with a progress
//! bar), maps it, and multiplies it by a vector under a memory budget, printing time, GB/s and
//! the process's peak resident memory; when the matrix fits in RAM, also the same product in
//! memory for comparison.
//!
//! ```sh
//! cargo run --release --example out_of_core                       # 4096 x 4096 f64 (128 MiB), budget 32 MiB
//! cargo run --release --example out_of_core -- --rows 16384 --cols 32768 --budget 64MiB --keep
//! ```

mod support;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use matvec::io::npy::NpyWriter;
use matvec::{DenseView, Footprint, Layout, MatVec, MmapDense, Par};
use std::path::PathBuf;
use std::time::Instant;
use support::{
    fmt_bytes, median, parse_size, peak_resident_bytes, reset_peak_resident, resident_bytes,
};

#[derive(Parser, Debug)]
#[command(about = "Multiply a memory-mapped .npy matrix by a vector under a memory budget")]
struct Args {
    /// Rows of the matrix to write.
    #[arg(long, default_value_t = 4096)]
    rows: usize,
    /// Columns of the matrix to write.
    #[arg(long, default_value_t = 4096)]
    cols: usize,
    /// Memory budget for the products, e.g. 64MiB.
    #[arg(long, default_value = "32MiB", value_parser = parse_size)]
    budget: usize,
    /// Storage order of the file: c (row-major) or f (column-major).
    #[arg(long, default_value = "c", value_parser = ["c", "f"])]
    order: String,
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// File to write (default: a temporary file, deleted afterwards).
    #[arg(long)]
    path: Option<PathBuf>,
    /// Keep the file afterwards.
    #[arg(long)]
    keep: bool,
    /// Reuse the file at --path if it already has the right shape, instead of rewriting it.
    #[arg(long)]
    reuse: bool,
    /// Also drop every consumed block from the OS page cache (posix_fadvise DONTNEED).
    #[arg(long)]
    drop_cache: bool,
    /// Evict the file from the page cache before every timed product (posix_fadvise
    /// DONTNEED), to measure cold reads from disk.
    #[arg(long)]
    cold: bool,
    /// Products to time in each direction (the median is reported).
    #[arg(long, default_value_t = 5)]
    reps: usize,
}

/// Deterministic matrix entries in [-1, 1).
fn entry(i: usize, j: usize) -> f64 {
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    ((h >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

fn main() {
    if let Err(e) = run(Args::parse()) {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()?;
    }
    let layout = if args.order == "f" {
        Layout::ColMajor
    } else {
        Layout::RowMajor
    };
    let (r, c) = (args.rows, args.cols);
    let path = args.path.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("matvec-ooc-{}.npy", std::process::id()))
    });
    let bytes = r * c * 8;

    // Only looked at (and unmapped) before the file is rewritten.
    let reusable = args.reuse && {
        // SAFETY: the file is written by this program and nobody else modifies it while it
        // is mapped (the same holds for the second `open` below).
        let existing = unsafe { MmapDense::<f64>::open(&path) };
        existing.is_ok_and(|m| m.shape() == (r, c) && m.layout() == layout)
    };
    if reusable {
        println!(
            "reusing {} ({r} x {c} f64, {})",
            path.display(),
            fmt_bytes(bytes)
        );
    } else {
        write_matrix(&path, r, c, layout)?;
    }

    // SAFETY: as above.
    let a = unsafe { MmapDense::<f64>::open(&path)? }
        .with_budget(args.budget)
        .with_drop_page_cache(args.drop_cache);
    println!(
        "matrix {r} x {c} f64 ({:?}, {}), budget {}, blocks of {} {} ({}), {} threads",
        layout,
        fmt_bytes(a.data_bytes()),
        fmt_bytes(a.budget()),
        a.block_len(),
        if layout == Layout::RowMajor {
            "rows"
        } else {
            "columns"
        },
        fmt_bytes(a.block_bytes()),
        Par::Rayon.threads()
    );

    let x: Vec<f64> = (0..c).map(|j| ((j % 7) as f64) - 3.0).collect();
    let xt: Vec<f64> = (0..r).map(|i| ((i % 5) as f64) - 2.0).collect();
    let mut y = vec![0.0; r];
    let mut yt = vec![0.0; c];

    let rss_before = resident_bytes().unwrap_or(0);
    let reset = reset_peak_resident();
    let evict = || {
        if args.cold {
            evict_page_cache(&path);
        }
    };
    let t_ax = time_with(args.reps, &evict, || {
        a.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon)
    });
    let t_atx = time_with(args.reps, &evict, || {
        a.mul_vec_t(1.0, &xt, 0.0, &mut yt, Par::Rayon)
    });
    let peak = peak_resident_bytes();
    let gbs = |t: f64| a.data_bytes() as f64 / t / 1e9;
    println!(
        "out of core   A·x : {:8.1} ms  {:6.2} GB/s",
        t_ax * 1e3,
        gbs(t_ax)
    );
    println!(
        "out of core   Aᵀ·x: {:8.1} ms  {:6.2} GB/s  ({:.2} x the time of A·x)",
        t_atx * 1e3,
        gbs(t_atx),
        t_atx / t_ax
    );
    match peak {
        Some(p) if reset => println!(
            "peak resident memory during the products: {} (before: {}; budget {}, matrix {})",
            fmt_bytes(p),
            fmt_bytes(rss_before),
            fmt_bytes(a.budget()),
            fmt_bytes(a.data_bytes())
        ),
        Some(p) => println!(
            "peak resident memory of the whole run: {} (could not reset the peak counter)",
            fmt_bytes(p)
        ),
        None => println!("peak resident memory: not available on this system"),
    }

    // In memory, for comparison, when it fits comfortably.
    if bytes < available_memory().unwrap_or(0) / 2 {
        let data = a.data().to_vec();
        let m = DenseView::try_new(r, c, layout, &data)?;
        let mut y2 = vec![0.0; r];
        let mut yt2 = vec![0.0; c];
        let t_mem = time(args.reps, || m.mul_vec(1.0, &x, 0.0, &mut y2, Par::Rayon));
        let t_mem_t = time(args.reps, || {
            m.mul_vec_t(1.0, &xt, 0.0, &mut yt2, Par::Rayon)
        });
        println!(
            "in memory     A·x : {:8.1} ms  {:6.2} GB/s  (out of core / in memory: {:.2})",
            t_mem * 1e3,
            gbs(t_mem),
            t_ax / t_mem
        );
        println!(
            "in memory     Aᵀ·x: {:8.1} ms  {:6.2} GB/s  (out of core / in memory: {:.2})",
            t_mem_t * 1e3,
            gbs(t_mem_t),
            t_atx / t_mem_t
        );
        let same = y.iter().zip(&y2).all(|(a, b)| a.to_bits() == b.to_bits())
            && yt.iter().zip(&yt2).all(|(a, b)| a.to_bits() == b.to_bits());
        println!("results bit-identical to the in-memory product: {same}");
        if !same {
            return Err("out-of-core and in-memory results differ".into());
        }
    } else {
        println!("(the matrix does not fit comfortably in memory: no in-memory comparison)");
    }
    drop(a);
    if !args.keep && !reusable {
        std::fs::remove_file(&path)?;
    } else {
        println!("kept {}", path.display());
    }
    Ok(())
}

fn write_matrix(
    path: &std::path::Path,
    r: usize,
    c: usize,
    layout: Layout,
) -> Result<(), Box<dyn std::error::Error>> {
    let (outer, inner) = if layout == Layout::RowMajor {
        (r, c)
    } else {
        (c, r)
    };
    let bar = ProgressBar::new((outer * inner * 8) as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "writing {msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )?
        .progress_chars("=> "),
    );
    bar.set_message(path.display().to_string());
    let start = Instant::now();
    let mut w = NpyWriter::<f64>::create(path, r, c, layout)?;
    let mut slice = vec![0.0; inner];
    for o in 0..outer {
        for (k, v) in slice.iter_mut().enumerate() {
            *v = if layout == Layout::RowMajor {
                entry(o, k)
            } else {
                entry(k, o)
            };
        }
        w.write(&slice)?;
        bar.inc((inner * 8) as u64);
    }
    w.finish()?;
    bar.finish_and_clear();
    println!(
        "wrote {} ({}) in {:.1} s",
        path.display(),
        fmt_bytes(r * c * 8),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Median seconds of `reps` runs of `f` (at least one).
fn time(reps: usize, f: impl FnMut()) -> f64 {
    time_with(reps, &|| {}, f)
}

/// Median seconds of `reps` runs of `f`, each after an untimed call of `before`.
fn time_with(reps: usize, before: &dyn Fn(), mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            before();
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    median(&mut t)
}

/// Drops the file from the OS page cache (Linux `posix_fadvise(DONTNEED)`; clean pages only,
/// which a read-only file's are).
fn evict_page_cache(path: &std::path::Path) {
    #[cfg(unix)]
    if let Ok(f) = std::fs::File::open(path) {
        use std::os::fd::AsRawFd;
        // SAFETY: plain system call on a descriptor we own; it only gives advice.
        unsafe {
            libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
        }
    }
}

/// `MemAvailable` from /proc/meminfo (Linux).
fn available_memory() -> Option<usize> {
    let s = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = s.lines().find(|l| l.starts_with("MemAvailable:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<usize>().ok()? * 1024)
}
