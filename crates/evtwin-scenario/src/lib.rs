//! evtwin scenario files and runs.
//!
//! [`load`] reads a scenario (TOML), resolves its vehicle preset, cell chemistry
//! and drive-cycle files, validates everything and returns a [`Scenario`] whose
//! [`Scenario::config`] builds an [`evtwin_sim::Twin`]. Every problem in a user's
//! file is a [`FileError`] that prints as `file:line:col: message`.
//! A [`Runner`] owns a run (the twin, optionally the CAN network, the trace,
//! the statistics and per-step hooks) for every front end; [`run`] drives one
//! in virtual time and returns a [`Summary`]. [`resolve_time`] decides the time
//! policy of a run in one place.

mod assets;
mod build;
mod cell;
pub mod charge_link;
mod controls;
pub mod event_match;
pub mod expect;
pub mod fault;
#[doc(hidden)]
pub mod fuzzing;
pub mod hook;
mod load;
pub mod net;
mod plausible;
mod raw;
mod raw_expect;
mod raw_fault;
mod report;
mod route;
mod run;
mod source;
mod summary;
mod time;
mod trace;
pub mod winter;

use std::path::PathBuf;

use evtwin_sim::{Signal, TwinConfig};

pub use assets::{Kind as AssetKind, builtin_names};
pub use cell::load_cell;
pub use evtwin_can::schedule::{Pacer, Precision};
pub use hook::{
    EndView, ExpectationResult, FaultRecord, Hook, Mark, MarkKind, StepInput, StepView, Verdicts,
};
pub use load::{from_source, load};
pub use run::{
    Control, Due, Observer, Quiet, RunError, RunOptions, RunOutput, Runner, apply_inputs, run,
};
pub use source::{FileError, Source};
pub use summary::{
    ChargeStopSummary, EnergyBreakdown, FaultSummary, PackSummary, Performance, ProtocolSummary,
    Summary,
};
pub use time::{TimeError, TimeMode, resolve as resolve_time};
pub use trace::{Trace, TraceInfo};

/// `[bus]` of a scenario: what `evtwin bridge` plays, unless its options say
/// otherwise.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BusSettings {
    /// CAN interface, or `inproc` (default).
    pub interface: Option<String>,
    /// DBC file (default: the shipped network).
    pub dbc: Option<PathBuf>,
    /// Mapping file (default: the shipped mapping).
    pub mapping: Option<PathBuf>,
    /// Nodes played by real ECUs.
    pub real: Vec<String>,
    /// Speed factor (default: real time on an interface, virtual on `inproc`).
    pub speed: Option<f64>,
}

/// A validated scenario, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `[bus]`.
    pub bus: BusSettings,
    /// `[scenario] name`.
    pub name: String,
    /// `[scenario] description`.
    pub description: Option<String>,
    /// `[scenario] should_fail`: the scenario is expected to fail (in a suite
    /// it passes when at least one of its expectations fails).
    pub should_fail: bool,
    /// The file it came from.
    pub source: String,
    /// Cell chemistry preset name or path.
    pub chemistry: String,
    /// Trace sample interval, s.
    pub trace_every_s: f64,
    /// Trace columns.
    pub trace_signals: Vec<Signal>,
    /// Everything the twin is built from.
    pub config: TwinConfig,
    /// What is implausible but not impossible (the run goes on), located.
    pub warnings: Vec<FileError>,
    /// `[[fault]]`s, in file order.
    pub faults: Vec<fault::FaultSpec>,
    /// `[[expect]]`: checked during the run, reported in `RunOutput::verdicts`.
    pub expectations: Vec<expect::Expectation>,
    /// Each leg's charging protocol ([`charge_link::Protocol::None`] for legs
    /// that are not charge stops or name none).
    pub charge_protocols: Vec<charge_link::Protocol>,
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a regular file, too large, or unreadable.
    #[error("{0}")]
    Read(evtwin_can::file::FileError),
    /// A problem at a place in a file.
    #[error("{0}")]
    File(FileError),
}

impl LoadError {
    /// The error with source context where there is some.
    #[must_use]
    pub fn render(&self) -> String {
        match self {
            Self::Io { .. } | Self::Read(_) => self.to_string(),
            Self::File(e) => e.render(),
        }
    }
}
