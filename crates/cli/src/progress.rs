//! Progress bars for long work, shown only when stderr is a terminal.
//!
//! Libraries report progress through plain callbacks or [`workflow::Progress`]; this module
//! draws them.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar that stays hidden when stderr is not a terminal.
pub fn bar(len: u64, message: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    if !std::io::stderr().is_terminal() {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb.set_style(bar_style());
    pb.set_message(message.to_string());
    pb
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg:<24} [{bar:32}] {percent:>3}% {elapsed_precise}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// A spinner for work of unknown length, hidden when stderr is not a terminal.
pub fn spinner(message: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    if !std::io::stderr().is_terminal() {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb.set_message(message.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

/// A workflow's progress ([`workflow::Progress`]) on stderr: a spinner with the stage's message,
/// a bar once the stage's length is known; hidden when stderr is not a terminal, cleared when
/// the work is done or the value dropped.
///
/// With `SPIELRAUM_STAGE_TIMES=1` in the environment each finished stage also prints its wall
/// time on stderr (`stage: walking distances 0.41 s`), for benchmarks.
pub struct Terminal {
    bar: ProgressBar,
    counting: AtomicBool,
    /// The stage running and since when, when stage times are asked for.
    timing: Option<Mutex<Option<(String, Instant)>>>,
}

impl Terminal {
    /// A hidden-until-used display for one workflow call.
    pub fn new() -> Terminal {
        Terminal {
            bar: spinner(""),
            counting: AtomicBool::new(false),
            timing: std::env::var_os("SPIELRAUM_STAGE_TIMES").map(|_| Mutex::new(None)),
        }
    }

    /// Prints the time of the stage that ran (if timed) and starts timing `next`.
    fn lap(&self, next: Option<&str>) {
        let Some(timing) = &self.timing else { return };
        let mut current = timing.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((stage, since)) = current.take() {
            self.bar.suspend(|| {
                eprintln!("stage: {stage} {:.2} s", since.elapsed().as_secs_f64());
            });
        }
        *current = next.map(|n| (n.to_string(), Instant::now()));
    }
}

impl workflow::Progress for Terminal {
    fn stage(&self, message: &str) {
        self.lap(Some(message));
        if self.counting.swap(false, Ordering::Relaxed) {
            self.bar.set_style(ProgressStyle::default_spinner());
            self.bar.unset_length();
        }
        self.bar.set_message(message.to_string());
        self.bar.set_position(0);
    }

    fn length(&self, len: u64) {
        if !self.counting.swap(true, Ordering::Relaxed) {
            self.bar.set_style(bar_style());
        }
        self.bar.set_length(len);
    }

    fn position(&self, pos: u64) {
        self.bar.set_position(pos);
    }

    fn finish(&self) {
        self.lap(None);
        self.bar.finish_and_clear();
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.lap(None);
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}
