//! A progress bar on a terminal for runs longer than a second, and Ctrl-C.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use evtwin_scenario::{Control, Observer};
use evtwin_sim::Twin;
use indicatif::{ProgressBar, ProgressStyle};

const SHOW_AFTER: Duration = Duration::from_secs(1);
const TICKS: u64 = 1000;

/// Observes a run: draws the bar, stops on Ctrl-C.
pub struct Progress {
    start: Instant,
    stop: Arc<AtomicBool>,
    terminal: bool,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A progress observer that stops the run once `stop` is set.
    pub fn new(stop: Arc<AtomicBool>) -> Self {
        Self {
            start: Instant::now(),
            stop,
            terminal: std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Progress {
    fn progress(&mut self, twin: &Twin) -> Control {
        if self.stop.load(Ordering::SeqCst) {
            return Control::Stop;
        }
        if self.bar.is_none() && self.terminal && self.start.elapsed() >= SHOW_AFTER {
            let bar = ProgressBar::new(TICKS);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            bar.set_position((twin.progress() * TICKS as f64) as u64);
            let km = twin.read(evtwin_sim::Signal::Scalar(evtwin_sim::Scalar::OdometerKm));
            let soc = twin.read(evtwin_sim::Signal::Scalar(evtwin_sim::Scalar::PackSocPct));
            bar.set_message(format!("{km:.0} km, SOC {soc:.1} %"));
        }
        Control::Continue
    }
}
