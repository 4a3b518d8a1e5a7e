//! Expectations (`[[expect]]`): checks on a run's signals, events, bus and
//! summary, each reported pass or fail with the measured value, the bound, the
//! time it was decided and the window it looked at ([`ExpectationResult`]).
//!
//! [`parse`] validates a scenario's `[[expect]]` tables before the run
//! (`file:line:col` errors); [`hooks`] turns them into the one [`Hook`] that
//! plays them: it reads only the signals named (resolved to [`Signal`]s when
//! the file is loaded) and looks only at the frames of the messages named. A
//! scenario without expectations gets no hook, so nothing is recorded.

mod bounds;
mod bus;
mod ends;
mod events;
mod parse;
mod parse_kinds;
mod play;
mod sampled;

use evtwin_sim::Signal;

use crate::event_match::EventSpec;
use crate::hook::Hook;

pub use bounds::{Bounds, Shown};
pub(crate) use parse::parse;

/// A validated expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// Its name (given, or what it checks).
    pub name: String,
    /// What it checks, for people.
    pub description: String,
    /// The check.
    pub check: Check,
}

/// What an expectation checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// A twin signal, sampled at the end of every step.
    Signal {
        /// The signal.
        signal: Signal,
        /// When.
        when: When,
        /// The bounds, in the signal's unit.
        bounds: Bounds,
    },
    /// Something that happens (or must not).
    Event {
        /// What.
        event: EventSpec,
        /// Within this long after each occurrence of this (µs).
        after: Option<(EventSpec, u64)>,
        /// It must not happen.
        never: bool,
        /// Where it is looked for (without `after`).
        window: Window,
        /// How delays are shown (`ms` or `s`).
        delay: Shown,
    },
    /// A message's cycle time on the bus.
    Cycle {
        /// The message.
        message: String,
        /// Expected cycle, µs.
        cycle_us: u64,
        /// Accepted deviation, µs.
        tolerance_us: u64,
        /// Where.
        window: Window,
    },
    /// A message present on the bus, or absent.
    Presence {
        /// The message.
        message: String,
        /// Present (true) or absent.
        present: bool,
        /// Where.
        window: Window,
    },
    /// A DBC signal's decoded value, at every frame of its message.
    BusSignal {
        /// The message.
        message: String,
        /// The signal.
        signal: String,
        /// When.
        when: When,
        /// The bounds, in the DBC's unit.
        bounds: Bounds,
    },
    /// A counter of the network at the end of the run.
    Counter {
        /// Its name (`bad_crc`, …).
        counter: String,
        /// The bounds.
        bounds: Bounds,
    },
    /// A figure of the run's summary.
    Summary {
        /// Its name (`energy_wh_per_km`, `stop.time_10_to_80_s`, …).
        key: String,
        /// The charge stop (0-based) for a `stop.` figure; none: every stop.
        stop: Option<usize>,
        /// The bounds.
        bounds: Bounds,
    },
}

/// When a sampled value is checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    /// The first sample at or after this time, µs.
    At(u64),
    /// The last sample of the run.
    End,
    /// Every sample in the window within the bounds.
    Always(Window),
    /// No sample in the window within the bounds.
    Never(Window),
    /// A statistic of the samples in the window within the bounds.
    Stat(Stat, Window),
}

/// A statistic over a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    /// The lowest value.
    Min,
    /// The highest value.
    Max,
    /// The mean of the samples (steps and cyclic frames are evenly spaced).
    Mean,
}

impl Stat {
    /// Its name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Min => "min",
            Self::Max => "max",
            Self::Mean => "mean",
        }
    }
}

/// A window of virtual time, µs (end: none, the end of the run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    /// Start, µs.
    pub start_us: u64,
    /// End, µs (inclusive).
    pub end_us: Option<u64>,
}

impl Window {
    /// Whether `t_us` is inside.
    #[must_use]
    pub fn contains(&self, t_us: u64) -> bool {
        t_us >= self.start_us && self.end_us.is_none_or(|e| t_us <= e)
    }

    /// Whether `t_us` is past its end.
    #[must_use]
    pub fn is_past(&self, t_us: u64) -> bool {
        self.end_us.is_some_and(|e| t_us > e)
    }

    /// The window in s, as results give it (the end: `end_us` of the run when open).
    #[must_use]
    pub fn seconds(&self, run_end_us: u64) -> (f64, f64) {
        (secs(self.start_us), secs(self.end_us.unwrap_or(run_end_us)))
    }

    /// `in 0–600 s`, or nothing for the whole run.
    #[must_use]
    pub fn describe(&self) -> String {
        match (self.start_us, self.end_us) {
            (0, None) => String::new(),
            (a, None) => format!(" from {} s", num(secs(a))),
            (a, Some(b)) => format!(" in {}–{} s", num(secs(a)), num(secs(b))),
        }
    }
}

/// The hooks that play `scenario`'s expectations: one for all of them, or
/// none when it has none.
pub(crate) fn hooks(scenario: &crate::Scenario) -> Vec<Box<dyn Hook>> {
    if scenario.expectations.is_empty() {
        return Vec::new();
    }
    vec![Box::new(play::ExpectHook::new(&scenario.expectations))]
}

/// µs as s.
#[allow(clippy::cast_precision_loss)] // virtual times stay far below 2^53 µs
pub(crate) fn secs(us: u64) -> f64 {
    us as f64 / 1e6
}

/// s as µs (negative: 0).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn micros(s: f64) -> u64 {
    (s * 1e6).round().max(0.0) as u64
}

/// A number for people: at most three decimals, no trailing zeros.
#[must_use]
pub(crate) fn num(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// The bound of a check as results show it.
pub(crate) fn bound_text(check: &Check) -> String {
    match check {
        Check::Signal { bounds, .. }
        | Check::BusSignal { bounds, .. }
        | Check::Counter { bounds, .. }
        | Check::Summary { bounds, .. } => bounds.text(),
        #[allow(clippy::cast_precision_loss)] // virtual times stay far below 2^53 µs
        Check::Event {
            after: Some((spec, within)),
            never,
            delay,
            ..
        } => {
            let not = if *never { "not " } else { "" };
            format!("{not}within {} after `{spec}`", delay.text(*within as f64))
        }
        Check::Event { never: true, .. } => "never".to_owned(),
        Check::Event { .. } => "happens".to_owned(),
        Check::Cycle {
            cycle_us,
            tolerance_us,
            ..
        } => format!(
            "{} ± {} ms",
            num(secs(*cycle_us) * 1e3),
            num(secs(*tolerance_us) * 1e3)
        ),
        Check::Presence { present: true, .. } => "present".to_owned(),
        Check::Presence { .. } => "absent".to_owned(),
    }
}
