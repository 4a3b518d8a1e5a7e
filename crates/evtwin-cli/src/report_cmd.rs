//! `evtwin report merge`: joins the JUnit reports of shards into one (and an
//! HTML page of it). Exit 0: every test case passed; 1: one failed; 2: a file
//! could not be read, is not a report, or two shards ran the same scenario.

use std::path::PathBuf;

use anyhow::Result;
use evtwin_report::SuiteReport;

use crate::{EXIT_BAD_INPUT, EXIT_FAULT, EXIT_OK};

/// `evtwin report …`.
#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Join the JUnit reports of shards (`evtwin suite --shard I/N --junit …`).
    Merge(MergeArgs),
}

/// What `evtwin report merge` was asked to do.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// JUnit reports.
    #[arg(required = true)]
    reports: Vec<PathBuf>,
    /// The merged JUnit report.
    #[arg(short, long, value_name = "FILE.xml")]
    output: PathBuf,
    /// Also write an HTML report of the merged results into this directory
    /// (without plots: those are in each shard's own HTML report).
    #[arg(long, value_name = "DIR")]
    html: Option<PathBuf>,
}

/// Runs `evtwin report …`.
pub fn run(cmd: &ReportCommand) -> Result<u8> {
    let ReportCommand::Merge(args) = cmd;
    let mut merged = SuiteReport::default();
    let mut from: Vec<(String, usize)> = Vec::new();
    for (i, p) in args.reports.iter().enumerate() {
        let text = match evtwin_can::file::read_text(p, 1 << 30, "a JUnit report") {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(EXIT_BAD_INPUT);
            }
        };
        let suite = match evtwin_report::junit::read(&text) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {}: {e}", p.display());
                return Ok(EXIT_BAD_INPUT);
            }
        };
        if merged.name.is_empty() {
            merged.name.clone_from(&suite.name);
        }
        for s in suite.scenarios {
            if let Some((_, j)) = from.iter().find(|(k, _)| *k == s.meta.key) {
                eprintln!(
                    "error: the scenario `{}` is in both {} and {}: were the shards given the same --shard?",
                    s.meta.key,
                    args.reports[*j].display(),
                    p.display()
                );
                return Ok(EXIT_BAD_INPUT);
            }
            from.push((s.meta.key.clone(), i));
            merged.scenarios.push(s);
        }
    }
    merged.sort();
    crate::suite_cmd::write_reports(
        &merged,
        Some(&args.output),
        args.html.as_deref(),
        evtwin_report::html::Plots::All,
    )?;
    let t = merged.totals();
    println!(
        "merged       {} reports: {} scenarios, {} failed; {} test cases: {} failed, {} in error, {} skipped → {}",
        args.reports.len(),
        t.scenarios,
        t.scenarios_failed,
        t.tests,
        t.failures,
        t.errors,
        t.skipped,
        args.output.display()
    );
    Ok(if merged.passed() { EXIT_OK } else { EXIT_FAULT })
}
