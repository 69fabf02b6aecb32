//! The progress bar: shown on a terminal only, hidden otherwise. It lives here and
//! nowhere else; the scanner only calls the callback it is given.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use tollgate_scan::{ProgressEvent, ProgressFn};

/// A progress callback and the bar behind it (call `finish` when done).
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar on stderr if it is a terminal and `enabled`, a hidden one otherwise.
    pub fn new(enabled: bool) -> Self {
        let bar = if enabled && std::io::stderr().is_terminal() {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} scanning [{bar:30}] {pos}/{len} checks {msg}",
            ) {
                b.set_style(style.progress_chars("=> "));
            }
            b
        } else {
            ProgressBar::hidden()
        };
        Progress { bar }
    }

    /// The callback to hand to the scanner.
    pub fn callback(&self) -> ProgressFn {
        let bar = self.bar.clone();
        Arc::new(move |event| match event {
            ProgressEvent::Planned(n) => bar.set_length(n as u64),
            ProgressEvent::CheckFinished { id, .. } => {
                bar.set_message(id);
                bar.inc(1);
            }
        })
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
