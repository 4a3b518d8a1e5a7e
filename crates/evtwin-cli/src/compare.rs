//! `evtwin compare`: runs scenarios and prints their key figures side by side,
//! each against the first (e.g. one chemistry at 25 °C and at −20 °C).

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use evtwin_scenario::{RunOptions, Summary};

/// Runs each scenario and returns its summary, or the exit code of a load error.
pub fn run_all(paths: &[PathBuf]) -> Result<Result<Vec<Summary>, u8>> {
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        let scenario = match evtwin_scenario::load(p) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {}", e.render());
                return Ok(Err(crate::EXIT_BAD_INPUT));
            }
        };
        let output = evtwin_scenario::run(
            &scenario,
            &RunOptions::default(),
            None::<std::io::Sink>,
            &mut evtwin_scenario::Quiet,
        )
        .with_context(|| format!("running {}", p.display()))?;
        out.push(output.summary);
    }
    Ok(Ok(out))
}

fn pct(x: Option<f64>, base: Option<f64>) -> String {
    match (x, base) {
        (Some(x), Some(b)) if b > 0.0 => format!("{:+.1} %", (x / b - 1.0) * 100.0),
        _ => "—".to_owned(),
    }
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{v:.digits$}"))
}

/// The comparison table.
#[must_use]
pub fn table(summaries: &[Summary]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<48} {:<13} {:>7} {:>7} {:>6} {:>9} {:>9} {:>8} {:>8} {:>7}",
        "scenario",
        "chemistry",
        "ambient",
        "km",
        "Wh/km",
        "range km",
        "vs first",
        "10→80 m",
        "vs first",
        "plating"
    );
    let first = summaries.first();
    let t1080 = |s: &Summary| {
        s.charge_stops
            .first()
            .and_then(|c| c.time_10_to_80_s)
            .map(|t| t / 60.0)
    };
    for s in summaries {
        let name: String = s.scenario.chars().take(48).collect();
        let _ = writeln!(
            o,
            "{:<48} {:<13} {:>5.0} °C {:>7.1} {:>6} {:>9} {:>9} {:>8} {:>8} {:>7.2}{}",
            name,
            s.pack.chemistry,
            s.ambient_c,
            s.distance_km,
            opt(s.energy_wh_per_km, 0),
            opt(s.estimated_range_km, 0),
            pct(
                s.estimated_range_km,
                first.and_then(|f| f.estimated_range_km)
            ),
            opt(t1080(s), 1),
            pct(t1080(s), first.and_then(t1080)),
            s.plating_ratio_max,
            if s.ok() { "" } else { "  (faults)" }
        );
    }
    o
}
