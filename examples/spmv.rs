//! Times `y ← A·x` on the 5-point 2-D Poisson matrix, sequential and parallel, against a plain
//! read of the same bytes, and optionally measures the peak memory of `Coo::into_csr`.
//!
//! ```text
//! cargo run --release --example spmv                  # 1000 x 1000 grid: 1 M rows, 5 M nonzeros
//! cargo run --release --example spmv -- --grid 2000 --reps 50
//! RAYON_NUM_THREADS=2 cargo run --release --example spmv
//! cargo run --release --example spmv -- --coo-mem     # peak memory of the COO -> CSR conversions
//! ```
//!
//! Dependencies: `matvec` and `std` only (arguments are parsed by hand: four flags do not need
//! clap). The thread count is rayon's: `RAYON_NUM_THREADS`, or one per core.

#[path = "../benches/common/mod.rs"]
mod common;

use common::{Streams, csr_product_bytes, poisson2d, rmat_coo, vector};
use matvec::{Footprint, MatVec, Par};
use std::hint::black_box;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

const HELP: &str = "\
spmv: time y <- A*x on the 5-point 2-D Poisson matrix (f64 values, u32 indices)

USAGE:
    spmv [--grid N] [--reps R]
    spmv --coo-mem [--scale S]

OPTIONS:
    --grid N     grid side: the matrix has N*N rows and 5N^2-4N nonzeros [default: 1000]
    --reps R     timed products per kernel; the median is reported [default: 30]
    --coo-mem    instead: peak memory of Coo::into_csr and Coo::to_csr on 16*2^S R-MAT
                 triplets, each measured in a child process (Linux /proc/self/status VmHWM)
    --scale S    R-MAT scale for --coo-mem: 2^S rows [default: 20, i.e. 16.8 M triplets]
    -h, --help   this text

Threads: Par::Rayon uses rayon's global pool; set RAYON_NUM_THREADS to choose its size.
";

struct Args {
    grid: usize,
    reps: usize,
    coo_mem: bool,
    scale: u32,
    child: Option<String>,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        grid: 1000,
        reps: 30,
        coo_mem: false,
        scale: 20,
        child: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("{name} needs a value (see --help)"))
        };
        match a.as_str() {
            "-h" | "--help" => return Ok(None),
            "--grid" => args.grid = parse(&value("--grid")?, "--grid")?,
            "--reps" => args.reps = parse(&value("--reps")?, "--reps")?,
            "--scale" => args.scale = parse(&value("--scale")?, "--scale")?,
            "--coo-mem" => args.coo_mem = true,
            // Internal: one conversion in a fresh process (see `coo_mem`).
            "--coo-mem-child" => args.child = Some(value("--coo-mem-child")?),
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    if args.grid < 2 || args.reps == 0 || !(1..=28).contains(&args.scale) {
        return Err("need --grid >= 2, --reps >= 1 and 1 <= --scale <= 28".into());
    }
    Ok(Some(args))
}

fn parse<T: std::str::FromStr>(s: &str, name: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("{name}: {s:?} is not a valid number"))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("spmv: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(which) = &args.child {
        return coo_mem_child(which, args.scale);
    }
    if args.coo_mem {
        return coo_mem(args.scale);
    }
    products(args.grid, args.reps);
    ExitCode::SUCCESS
}

/// Median of `reps` timings of `f`, after a few untimed calls.
fn median_time(reps: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..3 {
        f();
    }
    let mut t: Vec<Duration> = (0..reps)
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed()
        })
        .collect();
    t.sort_unstable();
    t[reps / 2]
}

fn products(grid: usize, reps: usize) {
    let t0 = Instant::now();
    let a = poisson2d(grid);
    let build = t0.elapsed();
    let (n, nnz) = (a.nrows(), a.nnz());
    let x = vector(n, 1);
    let mut y = vec![0.0; n];
    let bytes = csr_product_bytes(&a);
    let threads = Par::Rayon.threads();
    println!(
        "2-D Poisson, {grid} x {grid} grid: {n} rows, {nnz} nonzeros, {:.1} bytes/nnz, \
         built in {:.2} s",
        a.bytes_per_nnz().unwrap_or(0.0),
        build.as_secs_f64()
    );
    println!(
        "bytes per product (matrix {:.1} MB + x + y): {:.1} MB; median of {reps}; \
         Par::Rayon = {threads} thread(s)\n",
        a.data_bytes() as f64 / 1e6,
        bytes as f64 / 1e6
    );
    println!(
        "{:<28} {:>10} {:>9} {:>9}",
        "kernel", "ms", "GB/s", "vs read"
    );

    // The bandwidth baseline: the same bytes, read contiguously with 16 accumulators, on
    // `threads` scoped threads (spawned per call: a few tens of microseconds of overhead).
    let ysrc = vec![0.5; n];
    let s = Streams::csr(&a, &x, &ysrc);
    let read1 = median_time(reps, || {
        black_box(black_box(s).read_part(0, 1));
    });
    let read_n = median_time(reps, || {
        let sum: f64 = std::thread::scope(|sc| {
            let hs: Vec<_> = (1..threads)
                .map(|t| sc.spawn(move || black_box(s).read_part(t, threads)))
                .collect();
            black_box(s).read_part(0, threads)
                + hs.into_iter().map(|h| h.join().unwrap()).sum::<f64>()
        });
        black_box(sum);
    });

    let row = |name: &str, t: Duration, base: Duration| {
        let ms = t.as_secs_f64() * 1e3;
        println!(
            "{name:<28} {ms:>10.3} {:>9.2} {:>8.2}x",
            bytes as f64 / t.as_secs_f64() / 1e9,
            t.as_secs_f64() / base.as_secs_f64()
        );
    };
    row("read baseline, 1 thread", read1, read1);
    row(&format!("read baseline, {threads} threads"), read_n, read_n);
    for (par, base) in [(Par::Seq, read1), (Par::Rayon, read_n)] {
        let t = median_time(reps, || a.mul_vec(1.0, black_box(&x), 0.0, &mut y, par));
        row(&format!("csr mul_vec   {par:?}"), t, base);
    }
    for (par, base) in [(Par::Seq, read1), (Par::Rayon, read_n)] {
        let t = median_time(reps, || a.mul_vec_t(1.0, black_box(&x), 0.0, &mut y, par));
        row(&format!("csr mul_vec_t {par:?}"), t, base);
    }
    println!("\n(\"vs read\": time over the read baseline with the same number of threads)");
}

/// Runs each conversion in a fresh child process, so that each peak is its own.
fn coo_mem(scale: u32) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("spmv: cannot find my own executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    for which in ["into_csr", "to_csr"] {
        let status = Command::new(&exe)
            .args(["--coo-mem-child", which, "--scale", &scale.to_string()])
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("spmv: the {which} child failed: {status:?}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// `VmRSS` and `VmHWM` (peak resident set) of this process, in bytes.
fn rss_hwm() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kb * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn coo_mem_child(which: &str, scale: u32) -> ExitCode {
    let Some((rss0, _)) = rss_hwm() else {
        eprintln!("spmv: --coo-mem needs Linux's /proc/self/status");
        return ExitCode::FAILURE;
    };
    let coo = rmat_coo(scale, 16, 0x5EED_0002);
    let coo_bytes = coo.data_bytes() as u64;
    // Reset the peak to the current RSS (Linux >= 4.0), so the generator does not count.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (rss1, _) = rss_hwm().unwrap_or_default();
    let t0 = Instant::now();
    let (nnz, csr_heap) = match which {
        "into_csr" => {
            let a = coo.into_csr();
            (a.nnz(), a.heap_bytes())
        }
        "to_csr" => {
            let a = coo.to_csr();
            let r = (a.nnz(), a.heap_bytes());
            drop(coo);
            r
        }
        other => {
            eprintln!("spmv: unknown conversion {other:?}");
            return ExitCode::FAILURE;
        }
    };
    let secs = t0.elapsed().as_secs_f64();
    let (_, hwm) = rss_hwm().unwrap_or_default();
    let mb = |b: u64| b as f64 / 1e6;
    let base = if reset { rss0 } else { rss0.min(rss1) };
    println!(
        "Coo::{which:<8} {:.1} M triplets ({:.1} MB) -> {nnz} nnz in {secs:.2} s: peak RSS \
         {:.1} MB above start = {:.2} x COO bytes (RSS before conversion {:.1} MB; CSR heap \
         {:.1} MB){}",
        coo_bytes as f64 / 16e6,
        mb(coo_bytes),
        mb(hwm - base),
        (hwm - base) as f64 / coo_bytes as f64,
        mb(rss1 - base),
        mb(csr_heap as u64),
        if reset {
            ""
        } else {
            " [clear_refs unavailable: peak includes generation]"
        }
    );
    ExitCode::SUCCESS
}
