//! Out-of-core dense products: writes an `.npy` matrix of the size you ask for (with a progress
//! bar), then multiplies it by a vector under a memory budget — streamed through positioned
//! reads (`StreamDense`, the default) or memory-mapped (`--engine mmap`) — printing time, GB/s,
//! how much of the file was in the page cache, and the process's peak resident memory; with
//! `--pread`, also a plain positioned read of the file (the floor of any `pread` product);
//! `--cold` evicts the file before each product, `--direct` bypasses the page cache; when the
//! matrix fits in RAM, also the same product in memory for comparison.
//!
//! ```sh
//! cargo run --release --example out_of_core                       # 4096 x 4096 f64 (128 MiB), budget 32 MiB
//! cargo run --release --example out_of_core -- --rows 16384 --cols 32768 --budget 64MiB --keep
//! ```

mod support;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use matvec::io::npy::NpyWriter;
use matvec::{DenseView, Footprint, Layout, MatVec, MmapDense, Par, StreamDense};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use support::{
    cached_fraction, evict_page_cache, fmt_bytes, parse_size, peak_resident_bytes,
    reset_peak_resident, resident_bytes, time_with,
};

#[derive(Parser, Debug)]
#[command(about = "Multiply a dense .npy matrix on disk by a vector under a memory budget")]
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
    /// How to read the file: stream (positioned reads into budgeted buffers, StreamDense)
    /// or mmap (memory map with madvise, MmapDense).
    #[arg(long, default_value = "stream", value_parser = ["stream", "mmap"])]
    engine: String,
    /// Bytes per read for the stream engine (0: its defaults).
    #[arg(long, default_value = "0", value_parser = parse_size)]
    read_size: usize,
    /// Bypass the page cache (O_DIRECT; stream engine).
    #[arg(long)]
    direct: bool,
    /// Also time a plain positioned read of the whole file into a small buffer (the cost of
    /// copying it out of the page cache: the floor for any pread-based product).
    #[arg(long)]
    pread: bool,
    /// Also time a block product of this many vectors (mul_mat).
    #[arg(long, default_value_t = 0)]
    block: usize,
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

/// Bytes of buffers a matrix keeps, read when asked.
type KeptBytes = Box<dyn Fn() -> usize>;

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

    let reusable = args.reuse
        && StreamDense::<f64>::open(&path)
            .is_ok_and(|m| (m.nrows(), m.ncols()) == (r, c) && m.layout() == layout);
    if reusable {
        println!(
            "reusing {} ({r} x {c} f64, {})",
            path.display(),
            fmt_bytes(bytes)
        );
    } else {
        write_matrix(&path, r, c, layout)?;
    }

    // The matrix, and how many bytes of buffers it keeps (the streamed type's pool).
    let (a, kept): (Box<dyn MatVec<f64>>, KeptBytes) = if args.engine == "mmap" {
        // SAFETY: the file is written by this program and nobody modifies it while mapped.
        let m = unsafe { MmapDense::<f64>::open(&path)? }
            .with_budget(args.budget)
            .with_drop_page_cache(args.drop_cache);
        println!(
            "mmap engine: blocks of {} slices ({})",
            m.block_len(),
            fmt_bytes(m.block_bytes())
        );
        let kept = Box::new(|| 0);
        (Box::new(m), kept)
    } else {
        let s = StreamDense::<f64>::open(&path)?
            .with_budget(args.budget)
            .with_read_size(args.read_size)
            .with_drop_page_cache(args.drop_cache)
            .with_direct(args.direct)?;
        println!(
            "stream engine{}: {} slices a read",
            if args.direct { " (direct)" } else { "" },
            s.read_len(Par::Rayon)
        );
        let s = Arc::new(s);
        let pool = Arc::clone(&s);
        (Box::new(s), Box::new(move || pool.heap_bytes()))
    };
    println!(
        "matrix {r} x {c} f64 ({layout:?}, {}), budget {}, {} threads",
        fmt_bytes(bytes),
        fmt_bytes(args.budget),
        Par::Rayon.threads()
    );

    let x: Vec<f64> = (0..c).map(|j| ((j % 7) as f64) - 3.0).collect();
    let xt: Vec<f64> = (0..r).map(|i| ((i % 5) as f64) - 2.0).collect();
    let mut y = vec![0.0; r];
    let mut yt = vec![0.0; c];

    let rss_before = resident_bytes().unwrap_or(0);
    let reset = reset_peak_resident();
    let gbs = |t: f64| bytes as f64 / t / 1e9;
    let report = |what: &str, t: f64, cached: &str| {
        println!(
            "{what:14}: {:8.1} ms  {:6.2} GB/s  (file resident before: {cached})",
            t * 1e3,
            gbs(t)
        )
    };
    let before = || {
        if args.cold {
            evict_page_cache(&path);
        }
        cached_fraction(&path)
    };
    if args.pread {
        let (t, cached) = time_with(args.reps, &before, || pread_all(&path));
        report("pread (copy)", t, &cached);
    }
    let (t_ax, cached) = time_with(args.reps, &before, || {
        a.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon)
    });
    report("A·x", t_ax, &cached);
    let (t_atx, cached) = time_with(args.reps, &before, || {
        a.mul_vec_t(1.0, &xt, 0.0, &mut yt, Par::Rayon)
    });
    report("Aᵀ·x", t_atx, &cached);
    if args.block > 0 {
        let k = args.block;
        let xs: Vec<f64> = (0..c * k).map(|j| ((j % 11) as f64) - 5.0).collect();
        let mut ys = vec![0.0; r * k];
        let (t, cached) = time_with(args.reps, &before, || {
            a.mul_mat(1.0, &xs, 0.0, &mut ys, Par::Rayon)
        });
        report(&format!("A·X (k = {k})"), t, &cached);
    }
    let peak = peak_resident_bytes();
    match peak {
        Some(p) if reset => println!(
            "peak resident memory during the products: {} (before: {}; budget {}, matrix {}, \
             buffers kept {})",
            fmt_bytes(p),
            fmt_bytes(rss_before),
            fmt_bytes(args.budget),
            fmt_bytes(bytes),
            fmt_bytes(kept())
        ),
        Some(p) => println!(
            "peak resident memory of the whole run: {} (could not reset the peak counter)",
            fmt_bytes(p)
        ),
        None => println!("peak resident memory: not available on this system"),
    }

    // In memory, for comparison, when it fits comfortably.
    if bytes < available_memory().unwrap_or(0) / 2 {
        let header = matvec::io::npy::read_header(&path)?;
        let mut data = vec![0.0f64; r * c];
        {
            use std::io::{Read, Seek};
            let mut f = std::fs::File::open(&path)?;
            f.seek(std::io::SeekFrom::Start(header.data_offset as u64))?;
            f.read_exact(bytemuck_bytes(&mut data))?;
        }
        let m = DenseView::try_new(r, c, layout, &data)?;
        let mut y2 = vec![0.0; r];
        let mut yt2 = vec![0.0; c];
        let t_mem = time(args.reps, || m.mul_vec(1.0, &x, 0.0, &mut y2, Par::Rayon));
        let t_mem_t = time(args.reps, || {
            m.mul_vec_t(1.0, &xt, 0.0, &mut yt2, Par::Rayon)
        });
        println!(
            "in memory  A·x : {:8.1} ms  {:6.2} GB/s  (out of core / in memory: {:.2})",
            t_mem * 1e3,
            gbs(t_mem),
            t_ax / t_mem
        );
        println!(
            "in memory  Aᵀ·x: {:8.1} ms  {:6.2} GB/s  (out of core / in memory: {:.2})",
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

/// `f64`s as bytes, to read a file into them.
fn bytemuck_bytes(v: &mut [f64]) -> &mut [u8] {
    bytemuck::cast_slice_mut(v)
}

/// Reads the whole file with positioned reads into one 512 KiB buffer, as the stream engine
/// does, and computes nothing: the price of the copy out of the page cache.
fn pread_all(path: &std::path::Path) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open(path).expect("open");
    let len = f.metadata().expect("metadata").len();
    let threads = Par::Rayon.threads() as u64;
    let part = len.div_ceil(threads);
    rayon::scope(|s| {
        for t in 0..threads {
            let f = &f;
            s.spawn(move |_| {
                let mut buf = vec![0u8; 512 << 10];
                let (mut off, end) = (t * part, ((t + 1) * part).min(len));
                while off < end {
                    let n = (end - off).min(buf.len() as u64) as usize;
                    f.read_exact_at(&mut buf[..n], off).expect("read");
                    off += n as u64;
                }
            });
        }
    });
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
    time_with(reps, &|| {}, f).0
}

/// `MemAvailable` from /proc/meminfo (Linux).
fn available_memory() -> Option<usize> {
    let s = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = s.lines().find(|l| l.starts_with("MemAvailable:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<usize>().ok()? * 1024)
}
