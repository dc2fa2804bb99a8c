//! What the user sees while work runs: spinners on stderr when it is a terminal (indicatif
//! hides them otherwise), nothing at all with `--quiet`, and one summary line on stdout;
//! and every line the command prints on stdout ([`out`]).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::time::Duration;

/// Prints a line on stdout. A reader that went away (`matvec info A.npz | head -3`) ends the
/// command quietly with status 0, as `ripgrep` does, where `println!` would panic: Rust
/// ignores `SIGPIPE`, so the write fails with `EPIPE` instead of killing the process. Output
/// files are complete before anything is printed, so nothing is left half done.
pub fn out(line: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing to standard output: {e}");
        std::process::exit(2);
    }
}

/// Inputs smaller than this finish before a spinner would be seen.
const SPINNER_MIN_BYTES: u64 = 16 << 20;

/// The `--quiet` switch, and the spinners and summaries it controls.
pub struct Ui {
    quiet: bool,
}

impl Ui {
    pub fn new(quiet: bool) -> Self {
        Ui { quiet }
    }

    /// A spinner with a message and the elapsed time, for work on an input of `bytes` bytes.
    /// The readers, writers and products run in large blocks without reporting partial
    /// progress, so a spinner is the honest kind of bar. Hidden for small inputs, with
    /// `--quiet`, and when stderr is not a terminal.
    pub fn spinner(&self, bytes: u64, message: String) -> ProgressBar {
        if self.quiet || bytes < SPINNER_MIN_BYTES {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }

    /// Prints a summary line on stdout unless `--quiet`.
    pub fn summary(&self, line: std::fmt::Arguments<'_>) {
        if !self.quiet {
            out(line);
        }
    }
}

/// The size of a file, or 0 when it cannot be read (the reader reports the error itself).
pub fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
