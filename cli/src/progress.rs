//! What the user sees while work runs: spinners on stderr when it is a terminal (indicatif
//! hides them otherwise), nothing at all with `--quiet`, and one summary line on stdout.

use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

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
            println!("{line}");
        }
    }
}

/// The size of a file, or 0 when it cannot be read (the reader reports the error itself).
pub fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
