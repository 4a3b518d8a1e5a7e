//! `evtwin suite`'s output: a line per scenario (and one per failed case), the
//! totals and where the time went; or all of it as JSON.

use std::io::Write;

use anyhow::Result;
use evtwin_report::{Outcome, SuiteReport};

use crate::suite_cmd::SuiteArgs;

/// Where the time went, s.
#[derive(Debug, Default, serde::Serialize)]
pub struct Timing {
    /// Wall time of the whole command.
    pub wall_s: f64,
    /// Finding, loading and validating every file.
    pub load_validate_s: f64,
    /// Wall time of the runs (parallel and one-at-a-time phases).
    pub run_wall_s: f64,
    /// Sum over the scenarios of their simulation time (their runs, bus included).
    pub simulation_s: f64,
    /// Building the reports and writing JUnit and HTML.
    pub report_s: f64,
    /// Scenarios run.
    pub scenarios: usize,
    /// Scenarios per second of wall time.
    pub scenarios_per_s: f64,
    /// (`load_validate_s` + `report_s`) per scenario, ms.
    pub overhead_per_scenario_ms: f64,
    /// Simulation per scenario, ms.
    pub simulation_per_scenario_ms: f64,
    /// Worker threads.
    pub jobs: usize,
}

#[derive(serde::Serialize)]
struct JsonCase<'a> {
    name: &'a str,
    outcome: &'static str,
    message: String,
    measured: Option<f64>,
}

#[derive(serde::Serialize)]
struct JsonScenario<'a> {
    key: &'a str,
    name: &'a str,
    passed: bool,
    status: &'a str,
    duration_s: f64,
    testcases: Vec<JsonCase<'a>>,
}

#[derive(serde::Serialize)]
struct Json<'a> {
    name: &'a str,
    passed: bool,
    totals: evtwin_report::Totals,
    timing: &'a Timing,
    scenarios: Vec<JsonScenario<'a>>,
}

/// Prints the suite's results: text, or JSON with `--json`.
pub fn print(suite: &SuiteReport, timing: &Timing, args: &SuiteArgs) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let t = suite.totals();
    if args.json {
        let scenarios = suite
            .scenarios
            .iter()
            .map(|s| JsonScenario {
                key: &s.meta.key,
                name: &s.meta.name,
                passed: s.passed(),
                status: &s.status,
                duration_s: s.duration_s,
                testcases: s
                    .testcases
                    .iter()
                    .map(|c| {
                        let (outcome, message) = match &c.outcome {
                            Outcome::Passed => ("passed", c.message.clone()),
                            Outcome::Failed(m) => ("failed", m.clone()),
                            Outcome::Error(m) => ("error", m.clone()),
                            Outcome::Skipped(m) => ("skipped", m.clone()),
                        };
                        JsonCase {
                            name: &c.name,
                            outcome,
                            message,
                            measured: c.measured,
                        }
                    })
                    .collect(),
            })
            .collect();
        let json = Json {
            name: &suite.name,
            passed: suite.passed(),
            totals: t,
            timing,
            scenarios,
        };
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        return Ok(());
    }
    for s in &suite.scenarios {
        let mark = if s.status == "skipped" {
            "SKIP"
        } else if s.passed() {
            "PASS"
        } else {
            "FAIL"
        };
        let n = s.testcases.len();
        let cases = if n == 1 { "test case" } else { "test cases" };
        writeln!(
            out,
            "{mark}  {}  {} ({n} {cases}, {})",
            s.meta.key, s.meta.name, s.status
        )?;
        for c in &s.testcases {
            match &c.outcome {
                Outcome::Failed(m) => writeln!(out, "      failed: {}: {m}", c.name)?,
                Outcome::Error(m) => writeln!(out, "      error: {}: {m}", c.name)?,
                Outcome::Passed | Outcome::Skipped(_) => {}
            }
        }
    }
    writeln!(
        out,
        "suite        {} scenarios, {} failed; {} test cases: {} failed, {} in error, {} skipped",
        t.scenarios, t.scenarios_failed, t.tests, t.failures, t.errors, t.skipped
    )?;
    writeln!(
        out,
        "time         {:.2} s wall with {} jobs ({:.1} scenarios/s): load+validate {:.3} s, runs {:.2} s (simulation {:.2} s summed), reports {:.3} s; overhead {:.2} ms per scenario, simulation {:.2} ms",
        timing.wall_s,
        timing.jobs,
        timing.scenarios_per_s,
        timing.load_validate_s,
        timing.run_wall_s,
        timing.simulation_s,
        timing.report_s,
        timing.overhead_per_scenario_ms,
        timing.simulation_per_scenario_ms
    )?;
    if let Some(p) = &args.junit {
        writeln!(out, "junit        {}", p.display())?;
    }
    if let Some(d) = &args.html {
        writeln!(out, "html         {}", d.join("index.html").display())?;
    }
    Ok(())
}
