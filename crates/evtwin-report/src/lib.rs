//! evtwin suite reports.
//!
//! A suite runs many scenarios; each run's [`evtwin_scenario::RunOutput`]
//! (its summary, its [`evtwin_scenario::Verdicts`], its marks) becomes a
//! [`ScenarioReport`] ([`ScenarioReport::from_run`]): one [`TestCase`] per
//! expectation, or one "runs to the end" test case when the scenario has no
//! expectations. A [`SuiteReport`] of them is written as JUnit XML
//! ([`junit::write`]) and read back ([`junit::read`], to merge the reports of
//! shards), and as a static HTML page with SVG plots ([`html::write`]) of what
//! the [`Recorder`] hook sampled during the run.
//!
//! Every string that comes from a scenario file or a bus is escaped
//! ([`escape`]); nothing here reads or writes files: the callers do.

pub mod escape;
pub mod html;
pub mod junit;
mod junit_read;
mod model;
mod plot;
mod record;

pub use model::{Outcome, ScenarioMeta, ScenarioReport, SuiteReport, TestCase, Totals};
pub use record::{MAX_SAMPLES, Recorder, Recording, RecordingHandle, Sample};
