//! The report model: a suite of scenarios, each with its test cases.

use std::fmt::Write as _;

use evtwin_scenario::{ExpectationResult, FaultRecord, RunOutput, Scenario};

use crate::record::Recording;

/// What identifies a scenario in a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioMeta {
    /// The file's path relative to the suite's root (`/` separators): the
    /// sharding key, and the JUnit class name without `.toml`.
    pub key: String,
    /// `[scenario] name`.
    pub name: String,
    /// `[scenario] description`.
    pub description: Option<String>,
    /// The seed the run used.
    pub seed: u64,
    /// SHA-256 of the scenario file's bytes, hex.
    pub scenario_sha256: String,
    /// `[scenario] should_fail`: passes when at least one expectation fails.
    pub should_fail: bool,
}

impl ScenarioMeta {
    /// The meta of a loaded scenario found at `key` whose file hashes to `sha256`.
    #[must_use]
    pub fn of(scenario: &Scenario, key: &str, sha256: &str) -> Self {
        Self {
            key: key.to_owned(),
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: scenario.config.seed,
            scenario_sha256: sha256.to_owned(),
            should_fail: scenario.should_fail,
        }
    }
}

/// How a test case ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It held.
    Passed,
    /// It did not hold: why, with the measured value.
    Failed(String),
    /// The scenario could not be run to a verdict (a run error).
    Error(String),
    /// Not run (`--bail` after a failure, or interrupted).
    Skipped(String),
}

impl Outcome {
    /// Failed or an error.
    #[must_use]
    pub fn is_bad(&self) -> bool {
        matches!(self, Self::Failed(_) | Self::Error(_))
    }
}

/// One test case: an expectation, or "runs to the end".
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    /// Its name.
    pub name: String,
    /// What it checks, for people.
    pub description: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The measured value, when there is one.
    pub measured: Option<f64>,
    /// The measured value as shown.
    pub measured_text: String,
    /// The bound, as shown.
    pub bound_text: String,
    /// When it was decided, s of virtual time.
    pub decided_at_s: Option<f64>,
    /// The window it looked at, s.
    pub window_s: Option<(f64, f64)>,
    /// A sentence: why it passed or failed.
    pub message: String,
}

/// The name of the one test case of a scenario without expectations.
pub const RUNS_TO_THE_END: &str = "runs to the end";
/// The name of the test case that decides a `should_fail` scenario.
pub const FAILS_ON_PURPOSE: &str = "fails on purpose";

impl TestCase {
    fn from_expectation(e: &ExpectationResult, expected_to_fail: bool) -> Self {
        // A should_fail scenario's failing expectations are what it is for.
        let outcome = if e.passed || expected_to_fail {
            Outcome::Passed
        } else {
            Outcome::Failed(failure_message(e))
        };
        let message = if !e.passed && expected_to_fail {
            format!("failed as the scenario expects: {}", e.message)
        } else {
            e.message.clone()
        };
        Self {
            name: e.name.clone(),
            description: e.description.clone(),
            outcome,
            measured: e.measured,
            measured_text: e.measured_text.clone(),
            bound_text: e.bound_text.clone(),
            decided_at_s: e.decided_at_s,
            window_s: e.window_s,
            message,
        }
    }

    fn plain(name: &str, outcome: Outcome, message: String) -> Self {
        Self {
            name: name.to_owned(),
            description: String::new(),
            outcome,
            measured: None,
            measured_text: String::new(),
            bound_text: String::new(),
            decided_at_s: None,
            window_s: None,
            message,
        }
    }

    /// Whether it failed or errored.
    #[must_use]
    pub fn is_bad(&self) -> bool {
        self.outcome.is_bad()
    }
}

/// The failure message of an expectation: the measured value first.
fn failure_message(e: &ExpectationResult) -> String {
    let mut m = format!("measured {}", e.measured_text);
    if !e.bound_text.is_empty() {
        let _ = write!(m, ", expected {}", e.bound_text);
    }
    if let Some(t) = e.decided_at_s {
        let _ = write!(m, " (decided at {t} s)");
    }
    if !e.message.is_empty() {
        m.push_str(": ");
        m.push_str(&e.message);
    }
    m
}

/// One scenario's results.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioReport {
    /// What scenario.
    pub meta: ScenarioMeta,
    /// `finished`, `stopped` (a fault ended it), `interrupted`, `error` or
    /// `skipped`.
    pub status: String,
    /// Virtual time run, s.
    pub duration_s: f64,
    /// Wall time of the run, s (the only field that is not deterministic).
    pub wall_s: f64,
    /// Its test cases.
    pub testcases: Vec<TestCase>,
    /// The faults it injected.
    pub faults: Vec<FaultRecord>,
    /// What the scenario printed: its summary.
    pub stdout: String,
    /// Its warnings and events.
    pub stderr: String,
    /// What the recorder sampled (absent in a report read back from JUnit).
    pub recording: Option<Recording>,
}

impl ScenarioReport {
    /// The report of a run. Test cases: one per expectation; a scenario
    /// without expectations has one, "runs to the end", that passes when the
    /// run reached the end of its route (status `finished`: no fault stopped
    /// it, it was not interrupted). A `should_fail` scenario's failing
    /// expectations pass (their message says they failed as expected), and
    /// one more case, "fails on purpose", fails when every expectation held.
    #[must_use]
    pub fn from_run(
        meta: ScenarioMeta,
        out: &RunOutput,
        recording: Option<Recording>,
        stdout: String,
        stderr: String,
    ) -> Self {
        let s = &out.summary;
        let exps = &out.verdicts.expectations;
        let mut testcases: Vec<TestCase> = exps
            .iter()
            .map(|e| TestCase::from_expectation(e, meta.should_fail))
            .collect();
        if exps.is_empty() {
            let (outcome, message) = if s.status == "finished" {
                (
                    Outcome::Passed,
                    format!("reached the end of the route at {:.1} s", s.duration_s),
                )
            } else {
                let why = s.faults.last().map_or_else(
                    || s.status.clone(),
                    |f| format!("{}: {} at {:.1} s", f.code, f.message, f.time_s),
                );
                let m = format!("{} at {:.1} s ({why})", s.status, s.duration_s);
                (Outcome::Failed(m.clone()), m)
            };
            testcases.push(TestCase::plain(RUNS_TO_THE_END, outcome, message));
        }
        if meta.should_fail {
            let failed = exps.iter().filter(|e| !e.passed).count();
            let (outcome, message) = if failed > 0 {
                (
                    Outcome::Passed,
                    format!(
                        "{failed} of {} expectations failed, as the scenario expects",
                        exps.len()
                    ),
                )
            } else {
                let m = format!(
                    "every expectation held ({}), but the scenario is marked should_fail",
                    exps.len()
                );
                (Outcome::Failed(m.clone()), m)
            };
            testcases.push(TestCase::plain(FAILS_ON_PURPOSE, outcome, message));
        }
        Self {
            meta,
            status: s.status.clone(),
            duration_s: s.duration_s,
            wall_s: s.performance.wall_time_s,
            testcases,
            faults: out.verdicts.faults.clone(),
            stdout,
            stderr,
            recording,
        }
    }

    /// A scenario that could not be run: one test case in error.
    #[must_use]
    pub fn error(meta: ScenarioMeta, message: &str, wall_s: f64) -> Self {
        Self::without_run(
            meta,
            "error",
            Outcome::Error(message.to_owned()),
            message,
            wall_s,
        )
    }

    /// A scenario not run (`--bail`, interrupted): one skipped test case.
    #[must_use]
    pub fn skipped(meta: ScenarioMeta, why: &str) -> Self {
        Self::without_run(meta, "skipped", Outcome::Skipped(why.to_owned()), why, 0.0)
    }

    fn without_run(
        meta: ScenarioMeta,
        status: &str,
        outcome: Outcome,
        why: &str,
        wall_s: f64,
    ) -> Self {
        Self {
            meta,
            status: status.to_owned(),
            duration_s: 0.0,
            wall_s,
            testcases: vec![TestCase::plain(RUNS_TO_THE_END, outcome, why.to_owned())],
            faults: Vec::new(),
            stdout: String::new(),
            stderr: String::new(),
            recording: None,
        }
    }

    /// Whether no test case failed or errored.
    #[must_use]
    pub fn passed(&self) -> bool {
        !self.testcases.iter().any(TestCase::is_bad)
    }
}

/// Counts over a suite.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    /// Scenarios.
    pub scenarios: usize,
    /// Scenarios with a failed or errored case.
    pub scenarios_failed: usize,
    /// Test cases.
    pub tests: usize,
    /// Failed.
    pub failures: usize,
    /// In error.
    pub errors: usize,
    /// Skipped.
    pub skipped: usize,
}

/// A suite's results, scenarios in the order of their keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SuiteReport {
    /// The suite's name (the JUnit `testsuites` name).
    pub name: String,
    /// Its scenarios.
    pub scenarios: Vec<ScenarioReport>,
}

impl SuiteReport {
    /// The counts.
    #[must_use]
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            scenarios: self.scenarios.len(),
            ..Totals::default()
        };
        for s in &self.scenarios {
            t.scenarios_failed += usize::from(!s.passed());
            for c in &s.testcases {
                t.tests += 1;
                match c.outcome {
                    Outcome::Passed => {}
                    Outcome::Failed(_) => t.failures += 1,
                    Outcome::Error(_) => t.errors += 1,
                    Outcome::Skipped(_) => t.skipped += 1,
                }
            }
        }
        t
    }

    /// Whether every scenario passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.scenarios.iter().all(ScenarioReport::passed)
    }

    /// Sorts the scenarios by key (the order of an unsharded run).
    pub fn sort(&mut self) {
        self.scenarios.sort_by(|a, b| a.meta.key.cmp(&b.meta.key));
    }
}
