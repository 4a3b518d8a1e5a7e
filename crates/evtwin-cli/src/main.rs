//! `evtwin`: the command line of the evtwin testbench.
//!
//! Exit codes: 0 ok; 1 the scenario ran but a fault occurred (with `[[expect]]`:
//! an expectation failed, faults being theirs to check); 2 bad input
//! (scenario, preset, table or cycle file, arguments); 130, 143, 129 interrupted
//! by SIGINT (Ctrl-C), SIGTERM, SIGHUP, after the trace and summary were written.

mod bridge;
mod cell_cmd;
mod compare;
mod dbc_cmd;
mod interrupt;
mod progress;
mod report_cmd;
mod stderr_lines;
mod suite_cmd;
mod suite_plan;
mod suite_print;
mod suite_run;
mod verdicts;
mod view;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use evtwin_scenario::{LoadError, RunOptions, Scenario, Summary};
use evtwin_sim::{Catalogue, Scalar, Signal};

/// Digital twin of an electric car with a solid-state pack: drives scripted
/// routes, stops at DC fast chargers.
#[derive(Debug, Parser)]
#[command(name = "evtwin", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// More events on stderr (-v: debug, -vv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// How events are written to stderr: `text` for people, `json` (one object
    /// a line, with fields: `time_s`, `message`, `kind`, …) for machines.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormatArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormatArg {
    Text,
    Json,
}

/// Installs the subscriber that writes the libraries' `tracing` events to
/// stderr (the summary goes to stdout, unchanged), through a thread of its own
/// (`stderr_lines`); dropping the guard writes what is left.
fn init_events(cli: &Cli) -> stderr_lines::Guard {
    use tracing_subscriber::fmt;
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => tracing::Level::ERROR,
        (false, 0) => tracing::Level::INFO,
        (false, 1) => tracing::Level::DEBUG,
        (false, _) => tracing::Level::TRACE,
    };
    let (lines, guard) = stderr_lines::start();
    let builder = fmt()
        .with_writer(lines)
        .with_max_level(level)
        .with_target(false)
        .without_time();
    // A second subscriber cannot be installed; the first one stands.
    let _ = match cli.log_format {
        LogFormatArg::Text => builder.compact().with_ansi(false).try_init(),
        LogFormatArg::Json => builder.json().flatten_event(true).try_init(),
    };
    guard
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario headless in virtual time and print its summary.
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Write the CSV trace here.
        #[arg(long, value_name = "FILE.csv")]
        trace: Option<PathBuf>,
        /// Trace sample interval, s (default: the scenario's, else 1).
        #[arg(long, value_name = "SECONDS")]
        trace_every: Option<f64>,
        /// Seed instead of the scenario's.
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Print the summary as JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also write the JSON summary to this file.
        #[arg(long, value_name = "FILE.json")]
        report: Option<PathBuf>,
    },
    /// Check scenario files without running them.
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Run scenarios and compare their range, consumption and 10→80 % time, each
    /// against the first.
    Compare {
        /// Scenario files; the first is the reference.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Print the summaries as a JSON array instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// List the signals a scenario's twin publishes (names and units).
    Signals {
        /// Scenario file (its pack decides the per-cell signals); none: scalars only.
        scenario: Option<PathBuf>,
    },
    /// Run a scenario on a CAN bus: the twin plays every simulated node of the
    /// network from a DBC and consumes the frames of the real ones.
    Bridge(bridge::BridgeArgs),
    /// Watch a scenario in 3D (or, with --attach, what a bus says): the car on
    /// its route, the pack's cells, the charging station. Needs the `viz` feature.
    View(view::ViewArgs),
    /// Run a suite of scenarios (files and folders) in parallel in virtual time;
    /// JUnit XML and an HTML report (exit 1: a test case failed, 2: bad input).
    Suite(suite_cmd::SuiteArgs),
    /// Suite reports: merge the JUnit reports of shards.
    #[command(subcommand)]
    Report(report_cmd::ReportCommand),
    /// Cell tools: replay a current profile, fit a table from HPPC data.
    #[command(subcommand)]
    Cell(cell_cmd::CellCommand),
    /// DBC tools.
    #[command(subcommand)]
    Dbc(DbcCommand),
    /// Frame log tools.
    #[command(subcommand)]
    Log(LogCommand),
}

#[derive(Debug, Subcommand)]
enum DbcCommand {
    /// Parse a DBC and report its problems as `file:line:col` (exit 2: unreadable,
    /// 1: problems found).
    Check {
        /// DBC file.
        dbc: PathBuf,
    },
    /// Decode a candump (.log) or Vector ASC (.asc) log to signal values.
    Decode {
        /// DBC file.
        dbc: PathBuf,
        /// Frame log.
        log: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum LogCommand {
    /// Convert between candump -L (.log) and Vector ASC (.asc).
    Convert {
        /// Input log.
        input: PathBuf,
        /// Output log (format from the extension).
        output: PathBuf,
    },
}

/// The run finished and nothing went wrong.
pub(crate) const EXIT_OK: u8 = 0;
/// The scenario ran, but a fault occurred.
pub(crate) const EXIT_FAULT: u8 = 1;
/// A scenario, preset, table, cycle file or argument was wrong.
pub(crate) const EXIT_BAD_INPUT: u8 = 2;

/// An error that has already been reported to the user, with its exit code.
pub(crate) struct Reported(pub(crate) u8);

pub(crate) fn load(path: &Path) -> std::result::Result<Scenario, Reported> {
    let scenario = evtwin_scenario::load(path).map_err(|e: LoadError| {
        eprintln!("error: {}", e.render());
        Reported(EXIT_BAD_INPUT)
    })?;
    for w in &scenario.warnings {
        eprintln!("warning: {}", w.render());
    }
    Ok(scenario)
}

pub(crate) fn create(path: &Path) -> Result<BufWriter<File>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating directory {}", dir.display()))?;
    }
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(BufWriter::new(file))
}

#[allow(clippy::too_many_arguments)]
fn run(
    path: &Path,
    trace: Option<&Path>,
    trace_every: Option<f64>,
    seed: Option<u64>,
    json: bool,
    report: Option<&Path>,
) -> Result<u8> {
    let scenario = match load(path) {
        Ok(s) => s,
        Err(Reported(code)) => return Ok(code),
    };
    let trace_out = trace.map(create).transpose()?;
    let interrupt = interrupt::Interrupt::install();
    let options = RunOptions {
        seed,
        trace_every_s: trace_every,
        ..RunOptions::default()
    };
    let mut observer = progress::Progress::new(interrupt.stop.clone());
    let mut output = evtwin_scenario::run(&scenario, &options, trace_out, &mut observer)
        .with_context(|| format!("running {}", path.display()))?;
    // The reference run at 25 °C stops on the same signal as the run.
    evtwin_scenario::winter::add_range_breakdown(&scenario, &mut output.summary, &mut observer)?;
    observer.finish();
    let summary = &output.summary;
    let report_json = verdicts::Report::new(summary, &output.verdicts)?;
    let mut stdout = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut stdout, &report_json)?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", summary.render_text())?;
        if let (Some(path), Some(info)) = (trace, &output.trace) {
            trace_line(&mut stdout, path, info)?;
        }
        verdicts::render(&mut stdout, &output.verdicts)?;
    }
    if let Some(path) = report {
        let mut out = create(path)?;
        serde_json::to_writer_pretty(&mut out, &report_json)?;
        writeln!(out)?;
        out.flush()
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(verdicts::exit_code(
        exit_code(summary, &interrupt),
        &output.verdicts,
    ))
}

/// The summary's line about the trace written.
pub(crate) fn trace_line(
    out: &mut impl Write,
    path: &Path,
    info: &evtwin_scenario::TraceInfo,
) -> std::io::Result<()> {
    writeln!(
        out,
        "  trace        {} ({} rows, sha256 {}…)",
        path.display(),
        info.rows,
        &info.sha256[..16]
    )
}

/// The exit code a run's summary calls for (interrupted: 128 + the signal's
/// number; the trace and summary cover what ran).
pub(crate) fn exit_code(summary: &Summary, interrupt: &interrupt::Interrupt) -> u8 {
    match (summary.status.as_str(), summary.ok()) {
        ("interrupted", _) => interrupt.exit_code(),
        (_, true) => EXIT_OK,
        (_, false) => EXIT_FAULT,
    }
}

fn compare_cmd(paths: &[PathBuf], json: bool) -> Result<u8> {
    let summaries = match compare::run_all(paths)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let mut stdout = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut stdout, &summaries)?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", compare::table(&summaries))?;
    }
    Ok(if summaries.iter().all(Summary::ok) {
        EXIT_OK
    } else {
        EXIT_FAULT
    })
}

fn validate(paths: &[PathBuf]) -> u8 {
    let mut code = EXIT_OK;
    for p in paths {
        match load(p) {
            Ok(s) => println!("{}: ok ({})", p.display(), s.name),
            Err(Reported(c)) => code = code.max(c),
        }
    }
    code
}

fn signals(path: Option<&Path>) -> u8 {
    let list: Vec<Signal> = match path {
        None => Scalar::ALL.iter().map(|s| Signal::Scalar(*s)).collect(),
        Some(p) => match load(p) {
            Ok(s) => Catalogue::new(s.config.pack.series).iter().collect(),
            Err(Reported(c)) => return c,
        },
    };
    for s in list {
        let doc = match s {
            Signal::Scalar(x) => x.doc(),
            Signal::Group(..) => "per series group",
        };
        println!("{:<34} {:<6} {doc}", s.name(), s.unit());
    }
    println!("\ninputs: what a real node decides in place of the twin's model of it");
    for i in evtwin_sim::Input::ALL {
        println!(
            "{:<34} {:<6} {} ({})",
            i.name(),
            i.unit(),
            i.doc(),
            i.node().name()
        );
    }
    0
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let events = init_events(&cli);
    let result = match &cli.command {
        Command::Run {
            scenario,
            trace,
            trace_every,
            seed,
            json,
            report,
        } => run(
            scenario,
            trace.as_deref(),
            *trace_every,
            *seed,
            *json,
            report.as_deref(),
        ),
        Command::Validate { scenarios } => Ok(validate(scenarios)),
        Command::Compare { scenarios, json } => compare_cmd(scenarios, *json),
        Command::Signals { scenario } => Ok(signals(scenario.as_deref())),
        Command::Bridge(args) => bridge::run(args),
        Command::View(args) => view::run(args),
        Command::Suite(args) => suite_cmd::run(args),
        Command::Report(cmd) => report_cmd::run(cmd),
        Command::Cell(cell_cmd::CellCommand::Replay(a)) => cell_cmd::replay(a),
        Command::Cell(cell_cmd::CellCommand::Fit(a)) => cell_cmd::fit(a),
        Command::Dbc(DbcCommand::Check { dbc }) => Ok(dbc_cmd::check(dbc)),
        Command::Dbc(DbcCommand::Decode { dbc, log }) => dbc_cmd::decode(dbc, log),
        Command::Log(LogCommand::Convert { input, output }) => Ok(dbc_cmd::convert(input, output)),
    };
    drop(events);
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
