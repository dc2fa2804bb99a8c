//! Helpers shared by the example binaries: sizes on the command line and process memory.
#![allow(dead_code)]

// The deterministic generators (SplitMix64, the Poisson matrix, R-MAT) live once, with the
// benches.
#[path = "../../benches/common/mod.rs"]
mod generators;
use generators::rmat_edges;
#[allow(unused_imports)] // each example uses a different subset
pub use generators::{SplitMix64, poisson2d};

#[allow(unused_imports)] // each example uses a different subset
pub use matvec::memory::{format_bytes as fmt_bytes, parse_size};

fn status_kib(key: &str) -> Option<usize> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Current resident set size of this process (Linux; `None` elsewhere).
pub fn resident_bytes() -> Option<usize> {
    status_kib("VmRSS:").map(|k| k * 1024)
}

/// Peak resident set size since start or the last [`reset_peak_resident`] (Linux).
pub fn peak_resident_bytes() -> Option<usize> {
    status_kib("VmHWM:").map(|k| k * 1024)
}

/// Resets the peak resident set size to the current one (Linux ≥ 4.0: `/proc/self/clear_refs`).
pub fn reset_peak_resident() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Median of a sample (sorted in place).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Parses the command line; on a usage error prints clap's message as one `error: …` line
/// (without the usage block) and gives exit status 2; `--help` and `--version` print and
/// give status 0.
pub fn parse_args<A: clap::Parser>() -> Result<A, std::process::ExitCode> {
    match A::try_parse() {
        Ok(a) => Ok(a),
        Err(e) if e.use_stderr() => {
            let msg = e.to_string();
            let text: Vec<&str> = msg
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("Usage:"))
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!(
                "error: {} (see --help)",
                text.join(" ").trim_start_matches("error: ")
            );
            Err(std::process::ExitCode::from(2))
        }
        Err(e) => {
            let _ = e.print();
            Err(std::process::ExitCode::SUCCESS)
        }
    }
}

/// Exit status of a tool: 0, or 2 after printing the error as one `error: …` line.
pub fn finish(result: Result<(), String>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.lines().collect::<Vec<_>>().join(" "));
            std::process::ExitCode::from(2)
        }
    }
}

/// Median seconds per call of `f`: warms up and estimates one call over at least 10 ms, then
/// takes 15 samples of batched calls filling about `seconds` in all.
pub fn time_per_call(seconds: f64, mut f: impl FnMut()) -> f64 {
    let start = std::time::Instant::now();
    let mut calls = 0u64;
    while calls < 2 || start.elapsed().as_secs_f64() < 0.01 {
        f();
        calls += 1;
    }
    let per_call = start.elapsed().as_secs_f64() / calls as f64;
    const SAMPLES: usize = 15;
    let batch = ((seconds / SAMPLES as f64 / per_call) as u64).max(1);
    let mut t: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let s = std::time::Instant::now();
            for _ in 0..batch {
                f();
            }
            s.elapsed().as_secs_f64() / batch as f64
        })
        .collect();
    median(&mut t)
}

/// Sizes rayon's global pool (`Par::Rayon` runs there): `None` keeps one thread per core.
pub fn set_threads(threads: Option<usize>) -> Result<(), String> {
    match threads {
        None => Ok(()),
        Some(0) => Err("--threads must be at least 1".into()),
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .map_err(|e| e.to_string()),
    }
}

/// An iteration progress bar (on stderr; hidden when stderr is not a terminal) for a solver
/// run of at most `max_iter` iterations, showing the residual as its message.
pub fn iteration_bar(what: &str, max_iter: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(max_iter as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what} [{{bar:40}}] {{pos}}/{{len}} it, residual {{msg}} ({{elapsed}})"
        ))
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}

/// An R-MAT graph (Graph500's `a, b, c = 0.57, 0.19, 0.19`) on `2^scale` nodes with
/// `edge_factor · 2^scale` edges of weight 1 (duplicates add up, self-loops kept), as COO
/// triplets `(i, j)` for the edge `i → j`. Node ids are scrambled by a fixed odd multiplier so
/// that the heavy nodes are not simply 0, 1, 2, ….
pub fn rmat_graph(scale: u32, edge_factor: usize, seed: u64) -> matvec::Coo<f64> {
    let n = 1usize << scale;
    let m = edge_factor * n;
    let mask = (n - 1) as u64;
    let scramble = |v: u32| ((v as u64).wrapping_mul(0x9E37_79B9) & mask) as u32;
    let mut rows = Vec::with_capacity(m);
    let mut cols = Vec::with_capacity(m);
    rmat_edges(scale, m, seed, |r, c, _| {
        rows.push(scramble(r));
        cols.push(scramble(c));
    });
    matvec::Coo::try_from_triplets(n, n, rows, cols, vec![1.0; m]).expect("valid R-MAT triplets")
}

/// How much of the file is in the page cache (`fincore`, where installed).
pub fn cached_fraction(path: &std::path::Path) -> String {
    let out = std::process::Command::new("fincore")
        .args(["--bytes", "--noheadings", "--output", "RES,SIZE"])
        .arg(path)
        .output();
    let Ok(out) = out else {
        return "unknown (no fincore)".into();
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<f64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    match v.as_slice() {
        [res, size] if *size > 0.0 => format!("{:.0} %", 100.0 * res / size),
        _ => "unknown".into(),
    }
}

/// Median seconds of `reps` runs of `f`, each after an untimed call of `before`, and what
/// `before` returned for the run of median time.
pub fn time_with<B>(reps: usize, before: &dyn Fn() -> B, mut f: impl FnMut()) -> (f64, B) {
    let mut t: Vec<(f64, B)> = (0..reps.max(1))
        .map(|_| {
            let b = before();
            let s = std::time::Instant::now();
            f();
            (s.elapsed().as_secs_f64(), b)
        })
        .collect();
    t.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mid = t.len() / 2;
    t.swap_remove(mid)
}

/// Drops the file from the OS page cache (Linux `posix_fadvise(DONTNEED)`; clean pages only,
/// which a read-only file's are).
pub fn evict_page_cache(path: &std::path::Path) {
    #[cfg(unix)]
    if let Ok(f) = std::fs::File::open(path) {
        use std::os::fd::AsRawFd;
        // SAFETY: plain system call on a descriptor we own; it only gives advice.
        unsafe {
            libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
        }
    }
}

/// Counts the products (passes over the matrix) that reach the wrapped operator, for examples
/// that check a solver's own pass count or report passes of a foreign solver (faer's).
pub struct Counted<'a, A: ?Sized> {
    a: &'a A,
    passes: std::sync::atomic::AtomicUsize,
}

impl<'a, A: matvec::MatVec<f64> + ?Sized> Counted<'a, A> {
    pub fn new(a: &'a A) -> Self {
        Counted {
            a,
            passes: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Products so far.
    pub fn passes(&self) -> usize {
        self.passes.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn count(&self) -> &A {
        self.passes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.a
    }
}

impl<A: matvec::MatVec<f64> + ?Sized> matvec::MatVec<f64> for Counted<'_, A> {
    fn nrows(&self) -> usize {
        self.a.nrows()
    }
    fn ncols(&self) -> usize {
        self.a.ncols()
    }
    fn mul_vec(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64], par: matvec::Par) {
        self.count().mul_vec(alpha, x, beta, y, par)
    }
    fn mul_vec_t(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64], par: matvec::Par) {
        self.count().mul_vec_t(alpha, x, beta, y, par)
    }
    fn mul_mat(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64], par: matvec::Par) {
        self.count().mul_mat(alpha, x, beta, y, par)
    }
    fn mul_mat_t(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64], par: matvec::Par) {
        self.count().mul_mat_t(alpha, x, beta, y, par)
    }
}
