//! `matvec`: products, conversions and facts about matrix files, from the command line.
//!
//! ```text
//! matvec mul MATRIX X -o Y [--transpose] [--budget SIZE] [--threads N] [--direct]
//!            [--dataset NAME] [--shape ROWS,COLS --dtype f4|f8 [--offset B] [--order C|F]]
//! matvec convert IN OUT
//! matvec info FILE [--json] [--dataset NAME] [--shape ROWS,COLS --dtype f4|f8 ...]
//! ```
//!
//! Every subcommand keeps one contract: on success it exits with status 0; on any bad input it
//! prints one line `error: …` naming the file and the problem to stderr, exits with status 2
//! and leaves no output file behind (outputs are written to a temporary name and renamed when
//! complete). Progress is drawn on stderr only when it is a terminal, and never with
//! `--quiet`, which also silences the summary lines on stdout.

mod convert;
mod info;
mod matrix;
mod mul;
mod progress;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "matvec",
    version,
    about = "Sparse and dense matrix-vector products on files: .mtx, .npz, .npy, HDF5, raw",
    long_about = "Sparse and dense matrix-vector products on files (.mtx, .npz, .npy, HDF5, raw \
                  binary), streamed block by block under a memory budget; format conversion; \
                  and what a file holds. Errors print one `error:` line and exit with status 2."
)]
struct Cli {
    /// No progress bars and no summary lines (errors are still printed).
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// y = A·x (or Aᵀ·x) for a matrix file and a 1-D .npy vector.
    Mul(mul::Args),
    /// Convert between Matrix Market (.mtx) and .npz (sparse), or .npy and .mtx (dense).
    Convert(convert::Args),
    /// Format, shape, dtype, nonzeros, bytes on disk and in memory, and whether the file can
    /// be mapped or streamed.
    Info(info::Args),
}

fn main() -> ExitCode {
    let cli = match parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let ui = progress::Ui::new(cli.quiet);
    finish(match &cli.command {
        Command::Mul(args) => mul::run(args, &ui),
        Command::Convert(args) => convert::run(args, &ui),
        Command::Info(args) => info::run(args),
    })
}

/// Parses the command line; a usage error is printed as one `error: …` line (without clap's
/// usage block) with exit status 2; `--help` and `--version` print and give status 0.
fn parse_args() -> Result<Cli, ExitCode> {
    match Cli::try_parse() {
        Ok(cli) => Ok(cli),
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
            Err(ExitCode::from(2))
        }
        Err(e) => {
            let _ = e.print();
            Err(ExitCode::SUCCESS)
        }
    }
}

/// Exit status: 0, or 2 after printing the error as one `error: …` line.
fn finish(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.lines().collect::<Vec<_>>().join(" "));
            ExitCode::from(2)
        }
    }
}
