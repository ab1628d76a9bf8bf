//! A progress bar for long reads, drawn on stderr only when it is a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use recount_ingest::Progress;

/// Rows read, as a bar.
pub struct RowsBar {
    bar: ProgressBar,
}

impl RowsBar {
    /// A bar, hidden when `hidden` or when stderr is not a terminal.
    pub fn new(message: &'static str, hidden: bool) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if hidden {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        let style = ProgressStyle::with_template(
            "{msg} [{bar:40}] {human_pos}/{human_len} rows ({per_sec}, {eta})",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(message);
        RowsBar { bar }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for RowsBar {
    fn start(&self, total_rows: u64) {
        self.bar.set_length(total_rows);
    }

    fn advance(&self, rows: u64) {
        self.bar.inc(rows);
    }
}
