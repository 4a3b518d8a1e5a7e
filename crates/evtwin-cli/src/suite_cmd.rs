//! `evtwin suite`: runs a folder of scenarios, in parallel in virtual time,
//! and writes JUnit XML and an HTML report. Exit 0: every test case passed;
//! 1: one failed (or a run could not complete); 2: bad input — every file is
//! validated before anything runs.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use anyhow::{Context, Result};
use evtwin_report::html::Plots;
use evtwin_report::{ScenarioMeta, ScenarioReport, SuiteReport};
use indicatif::{ProgressBar, ProgressStyle};

use crate::suite_plan::{self, Planned, Shard};
use crate::{EXIT_BAD_INPUT, EXIT_FAULT, EXIT_OK};

/// What `evtwin suite` was asked to do.
#[derive(Debug, clap::Args)]
pub struct SuiteArgs {
    /// Scenario files and directories (searched recursively for `*.toml`).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write JUnit XML here.
    #[arg(long, value_name = "FILE.xml")]
    pub(crate) junit: Option<PathBuf>,
    /// Write the HTML report (index.html) into this directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) html: Option<PathBuf>,
    /// Which scenarios get plots in the HTML report: `auto` (all in a suite of
    /// up to 100 scenarios, else the failed ones), `all`, `failed`, `none`.
    #[arg(long, value_enum, default_value = "auto")]
    plots: PlotsArg,
    /// Scenarios run at once (default: the CPU cores).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Run only shard I of N (1-based): the scenarios at positions I−1, I−1+N, …
    /// of the list sorted by path.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Start no scenario after the first failure (those left are reported skipped).
    #[arg(long)]
    bail: bool,
    /// Print the results as JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
    /// The suite's name in the reports.
    #[arg(long, default_value = "evtwin suite")]
    name: String,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PlotsArg {
    Auto,
    All,
    Failed,
    None,
}

impl From<PlotsArg> for Plots {
    fn from(p: PlotsArg) -> Self {
        match p {
            PlotsArg::Auto => Self::Auto,
            PlotsArg::All => Self::All,
            PlotsArg::Failed => Self::Failed,
            PlotsArg::None => Self::None,
        }
    }
}

/// Runs `evtwin suite`.
pub fn run(args: &SuiteArgs) -> Result<u8> {
    let t0 = Instant::now();
    let found = match suite_plan::collect(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_BAD_INPUT);
        }
    };
    // Every file is validated, whichever shard runs it: the shards of a bad
    // suite all fail the same way, before anything runs.
    let keys: Vec<String> = suite_plan::shard(
        found
            .iter()
            .map(|f| suite_plan::Found {
                key: f.key.clone(),
                path: f.path.clone(),
            })
            .collect(),
        args.shard,
    )
    .into_iter()
    .map(|f| f.key)
    .collect();
    let mut planned = Vec::new();
    let mut bad = 0;
    for f in &found {
        match suite_plan::validate(f) {
            Ok(p) => {
                if keys.binary_search(&p.key).is_ok() {
                    planned.push(p);
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                bad += 1;
            }
        }
    }
    if bad > 0 {
        eprintln!(
            "error: {bad} of {} scenario files are not valid; nothing was run",
            found.len()
        );
        return Ok(EXIT_BAD_INPUT);
    }
    let mut timing = crate::suite_print::Timing {
        load_validate_s: t0.elapsed().as_secs_f64(),
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1),
        ..crate::suite_print::Timing::default()
    };
    let interrupt = crate::interrupt::Interrupt::install();
    let t1 = Instant::now();
    let (scenarios, simulation_s) = run_all(&planned, args, timing.jobs, &interrupt.stop);
    timing.run_wall_s = t1.elapsed().as_secs_f64();
    timing.simulation_s = simulation_s;
    let t2 = Instant::now();
    let suite = SuiteReport {
        name: args.name.clone(),
        scenarios,
    };
    write_reports(
        &suite,
        args.junit.as_deref(),
        args.html.as_deref(),
        args.plots.into(),
    )?;
    timing.report_s = t2.elapsed().as_secs_f64();
    timing.wall_s = t0.elapsed().as_secs_f64();
    timing.scenarios = suite.scenarios.len();
    #[allow(clippy::cast_precision_loss)]
    let n = timing.scenarios.max(1) as f64;
    timing.scenarios_per_s = timing.scenarios as f64 / timing.wall_s.max(1e-9);
    timing.overhead_per_scenario_ms = (timing.load_validate_s + timing.report_s) / n * 1e3;
    timing.simulation_per_scenario_ms = timing.simulation_s / n * 1e3;
    crate::suite_print::print(&suite, &timing, args)?;
    Ok(if interrupt.stop.load(Ordering::SeqCst) {
        interrupt.exit_code()
    } else if suite.passed() {
        EXIT_OK
    } else {
        EXIT_FAULT
    })
}

/// Writes the JUnit XML and the HTML report where asked.
pub fn write_reports(
    suite: &SuiteReport,
    junit: Option<&Path>,
    html: Option<&Path>,
    plots: Plots,
) -> Result<()> {
    if let Some(p) = junit {
        let mut f = crate::create(p)?;
        f.write_all(evtwin_report::junit::write(suite).as_bytes())
            .and_then(|()| f.flush())
            .with_context(|| format!("writing {}", p.display()))?;
    }
    if let Some(dir) = html {
        let p = dir.join("index.html");
        let mut f = crate::create(&p)?;
        f.write_all(evtwin_report::html::write_with(suite, plots).as_bytes())
            .and_then(|()| f.flush())
            .with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

/// Runs the parallel scenarios on `jobs` threads, then the exclusive ones one
/// at a time; reports in key order and the summed simulation time.
fn run_all(
    planned: &[Planned],
    args: &SuiteArgs,
    jobs: usize,
    stop: &AtomicBool,
) -> (Vec<ScenarioReport>, f64) {
    let bar = (std::io::stderr().is_terminal() && !planned.is_empty()).then(|| {
        let bar = ProgressBar::new(planned.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} scenarios {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(args.name.clone());
        bar
    });
    let results: Mutex<Vec<Option<(ScenarioReport, f64)>>> =
        Mutex::new(planned.iter().map(|_| None).collect());
    let failed = AtomicBool::new(false);
    let one = |i: usize| {
        let p = &planned[i];
        let r = if stop.load(Ordering::SeqCst) {
            (skipped(p, "not run: the suite was interrupted"), 0.0)
        } else if args.bail && failed.load(Ordering::SeqCst) {
            (skipped(p, "not run: --bail after a failure"), 0.0)
        } else {
            crate::suite_run::run(p, stop)
        };
        if !r.0.passed() {
            failed.store(true, Ordering::SeqCst);
        }
        if let Some(b) = &bar {
            b.inc(1);
        }
        results.lock().unwrap_or_else(PoisonError::into_inner)[i] = Some(r);
    };
    let parallel: Vec<usize> = (0..planned.len())
        .filter(|&i| planned[i].bus.parallel())
        .collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..jobs.min(parallel.len()) {
            s.spawn(|| {
                while let Some(&i) = parallel.get(next.fetch_add(1, Ordering::SeqCst)) {
                    one(i);
                }
            });
        }
    });
    for i in (0..planned.len()).filter(|&i| !planned[i].bus.parallel()) {
        one(i);
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let mut sim = 0.0;
    let reports = results
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .zip(planned)
        .map(|(r, p)| {
            let (r, s) = r.unwrap_or_else(|| (skipped(p, "not run"), 0.0));
            sim += s;
            r
        })
        .collect();
    (reports, sim)
}

fn skipped(p: &Planned, why: &str) -> ScenarioReport {
    ScenarioReport::skipped(ScenarioMeta::of(&p.scenario, &p.key, &p.sha256), why)
}
