//! `convert`: convert a sparse matrix between Matrix Market (`.mtx`) and scipy (`.npz`).
//!
//! ```text
//! convert IN OUT
//! ```
//!
//! The formats come from the extensions. Values are converted in `f64` (exact for `f32`
//! data). OUT is written to a temporary name and renamed when complete; a `.npz` is written
//! uncompressed with aligned members, so `MmapCsr` can map it. Any bad input prints one line
//! `error: …`, exits with status 2 and leaves no OUT behind.
//!
//! ```sh
//! cargo run --release --example convert -- A.mtx A.npz
//! ```

mod support;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use matvec::io::{mtx, npz};
use matvec::{Csr, Footprint};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(about = "Convert a sparse matrix between .mtx (Matrix Market) and .npz (scipy)")]
struct Args {
    /// Input: .mtx or .npz.
    input: PathBuf,
    /// Output: .mtx or .npz.
    output: PathBuf,
}

fn main() -> ExitCode {
    match support::parse_args::<Args>() {
        Ok(args) => support::finish(run(&args)),
        Err(code) => code,
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Mtx,
    Npz,
}

fn kind(path: &Path) -> Result<Kind, String> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("mtx") => Ok(Kind::Mtx),
        Some("npz") => Ok(Kind::Npz),
        _ => Err(format!(
            "{}: unknown format (expected .mtx or .npz)",
            path.display()
        )),
    }
}

fn run(args: &Args) -> Result<(), String> {
    let (from, to) = (kind(&args.input)?, kind(&args.output)?);
    let size = std::fs::metadata(&args.input).map(|m| m.len()).unwrap_or(0);
    // A spinner with the phase and elapsed time: the readers and writers stream in large
    // chunks and do not report partial progress, so this is the honest kind of bar. Shown for
    // inputs over 16 MiB only, and only on a terminal (indicatif hides it otherwise).
    let bar = if size > 16 << 20 {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").map_err(|e| e.to_string())?,
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let start = Instant::now();

    bar.set_message(format!(
        "reading {} ({})",
        args.input.display(),
        support::fmt_bytes(size as usize)
    ));
    let a: Csr<f64, u32> = match from {
        Kind::Mtx => {
            let r = mtx::MtxReader::open(&args.input).map_err(|e| e.to_string())?;
            match r.header().format {
                mtx::MtxFormat::Array => {
                    return Err(format!(
                        "{}: a dense `array` Matrix Market file; .npz holds sparse matrices (use a .npy for dense data)",
                        args.input.display()
                    ));
                }
                _ => r.read_csr().map_err(|e| e.to_string())?,
            }
        }
        Kind::Npz => npz::read_csr(&args.input).map_err(|e| e.to_string())?,
    };
    let read = start.elapsed();

    bar.set_message(format!("writing {}", args.output.display()));
    match to {
        Kind::Mtx => mtx::write_csr(&args.output, a.view()),
        Kind::Npz => npz::write_csr(&args.output, a.view()),
    }
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    println!(
        "{} -> {}: {} x {}, {} nonzeros ({} in memory), read in {:.2} s, written in {:.2} s",
        args.input.display(),
        args.output.display(),
        a.nrows(),
        a.ncols(),
        a.nnz(),
        support::fmt_bytes(a.heap_bytes()),
        read.as_secs_f64(),
        (start.elapsed() - read).as_secs_f64()
    );
    Ok(())
}
