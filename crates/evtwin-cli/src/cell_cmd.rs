//! `evtwin cell replay` and `evtwin cell fit`: a cell against lab data.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use evtwin_sim::cell::CellRow;
use evtwin_sim::lab::hppc::{self, FitSettings, HppcFit};
use evtwin_sim::lab::{self, ReplayRow, ReplaySettings, Series};

use crate::{EXIT_BAD_INPUT, EXIT_OK, create};

/// Cell tools.
#[derive(Debug, Subcommand)]
pub enum CellCommand {
    /// Drive one cell (or a group of parallel cells) with a measured current
    /// profile and write its voltage, SOC and temperature.
    Replay(ReplayArgs),
    /// Fit R0, R1/C1 (and R2/C2) per SOC and temperature from HPPC pulse data.
    Fit(FitArgs),
}

/// `evtwin cell replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Cell: a shipped name (`sulfide`, …) or the path of a cell `.toml`.
    cell: String,
    /// Current profile: `time_s,current_a` (A, positive discharging; the current of
    /// each row flows since the row before). A `voltage_v` column is compared.
    #[arg(long, value_name = "PROFILE.csv")]
    current: PathBuf,
    /// SOC at the first row, %.
    #[arg(long, value_name = "N", default_value_t = 100.0)]
    soc_pct: f64,
    /// Cell and ambient temperature, °C.
    #[arg(long, value_name = "T", default_value_t = 25.0)]
    temp_c: f64,
    /// Cells in parallel (the profile's current is the group's).
    #[arg(long, value_name = "N", default_value_t = 1)]
    parallel: usize,
    /// Integration step, ms.
    #[arg(long, value_name = "MS", default_value_t = 100.0)]
    step_ms: f64,
    /// Cooling of each cell to the ambient, W/K (default: isothermal).
    #[arg(long, value_name = "W_PER_K")]
    cooling_w_per_k: Option<f64>,
    /// Output CSV (default: standard output).
    #[arg(short = 'o', long, value_name = "OUT.csv")]
    output: Option<PathBuf>,
}

/// `evtwin cell fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// HPPC data: `time_s,current_a,voltage_v[,temp_c][,soc|soc_pct]`.
    hppc: PathBuf,
    /// The fitted table (CSV, the form `assets/cells/*.csv` take).
    #[arg(short = 'o', long, value_name = "TABLE.csv")]
    output: PathBuf,
    /// RC branches: 1 (Thevenin) or 2.
    #[arg(long, value_name = "N", default_value_t = 2)]
    rc: usize,
    /// Cell capacity for coulomb counting, Ah (without a SOC column).
    #[arg(long, value_name = "AH")]
    capacity_ah: Option<f64>,
    /// SOC at the first row, % (with coulomb counting).
    #[arg(long, value_name = "N", default_value_t = 100.0)]
    initial_soc_pct: f64,
    /// Temperature where the data has no `temp_c` column, °C.
    #[arg(long, value_name = "T", default_value_t = 25.0)]
    temp_c: f64,
    /// Shortest rest that starts a SOC level, s.
    #[arg(long, value_name = "S", default_value_t = 600.0)]
    min_rest_s: f64,
    /// Longest current step that counts as a pulse, s.
    #[arg(long, value_name = "S", default_value_t = 60.0)]
    max_pulse_s: f64,
    /// Also write every pulse's fit to this CSV.
    #[arg(long, value_name = "PULSES.csv")]
    report: Option<PathBuf>,
}

fn read_series(path: &Path) -> Result<Option<Series>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    match Series::parse_csv(&text) {
        Ok(s) => Ok(Some(s)),
        Err(e) => {
            eprintln!("error: {}:{e}", path.display());
            Ok(None)
        }
    }
}

/// `evtwin cell replay`.
pub fn replay(a: &ReplayArgs) -> Result<u8> {
    let cell = match evtwin_scenario::load_cell(&a.cell) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}", e.render());
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let Some(profile) = read_series(&a.current)? else {
        return Ok(EXIT_BAD_INPUT);
    };
    let settings = ReplaySettings {
        soc: a.soc_pct / 100.0,
        temp_c: a.temp_c,
        parallel: a.parallel,
        step_s: a.step_ms / 1000.0,
        cooling_w_per_k: a.cooling_w_per_k,
    };
    let rows = match lab::replay(&cell, &profile, &settings) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let text = replay_csv(&rows);
    match &a.output {
        Some(p) => create(p)?.write_all(text.as_bytes())?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    if let Some(measured) = profile.voltage_v() {
        let err: Vec<f64> = rows
            .iter()
            .zip(measured)
            .map(|(r, m)| r.voltage_v - m)
            .collect();
        let rms = (err.iter().map(|e| e * e).sum::<f64>() / err.len() as f64).sqrt();
        let max = err.iter().fold(0.0_f64, |m, e| m.max(e.abs()));
        eprintln!(
            "{} against the measured voltage: RMS {:.2} mV, largest {:.2} mV over {} rows",
            cell.name,
            rms * 1000.0,
            max * 1000.0,
            err.len()
        );
    }
    Ok(EXIT_OK)
}

fn replay_csv(rows: &[ReplayRow]) -> String {
    let mut out = String::from("time_s,current_a,voltage_v,soc_pct,temp_c\n");
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{:.6},{:.6},{:.4}",
            r.time_s,
            r.current_a,
            r.voltage_v,
            r.soc * 100.0,
            r.temp_c
        );
    }
    out
}

/// `evtwin cell fit`.
pub fn fit(a: &FitArgs) -> Result<u8> {
    let Some(data) = read_series(&a.hppc)? else {
        return Ok(EXIT_BAD_INPUT);
    };
    let settings = FitSettings {
        rc_branches: a.rc,
        capacity_ah: a.capacity_ah,
        initial_soc: a.initial_soc_pct / 100.0,
        temp_c: a.temp_c,
        min_rest_s: a.min_rest_s,
        max_pulse_s: a.max_pulse_s,
        ..FitSettings::default()
    };
    let got = match hppc::fit(&data, &settings) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {}: {e}", a.hppc.display());
            return Ok(EXIT_BAD_INPUT);
        }
    };
    create(&a.output)?.write_all(table_csv(&got.rows, a.rc).as_bytes())?;
    let pulses = pulses_csv(&got);
    if let Some(p) = &a.report {
        create(p)?.write_all(pulses.as_bytes())?;
    }
    print!("{}", pulses_table(&got));
    println!(
        "{} pulses, {} table rows → {}",
        got.pulses.len(),
        got.rows.len(),
        a.output.display()
    );
    Ok(EXIT_OK)
}

fn table_csv(rows: &[CellRow], rc: usize) -> String {
    let mut out = String::from("# Fitted by `evtwin cell fit` from HPPC pulses.\n");
    out.push_str(if rc == 1 {
        "soc,temp_c,ocv_v,r0_ohm,r1_ohm,c1_f\n"
    } else {
        "soc,temp_c,ocv_v,r0_ohm,r1_ohm,c1_f,r2_ohm,c2_f\n"
    });
    for r in rows {
        let _ = write!(
            out,
            "{:.4},{},{:.5},{:.6e},{:.6e},{:.6e}",
            r.soc, r.temp_c, r.ocv_v, r.r0_ohm, r.r1_ohm, r.c1_f
        );
        if rc == 2 {
            let _ = write!(out, ",{:.6e},{:.6e}", r.r2_ohm, r.c2_f);
        }
        out.push('\n');
    }
    out
}

fn pulses_csv(f: &HppcFit) -> String {
    let mut out = String::from(
        "start_s,duration_s,current_a,soc,temp_c,ocv_v,r0_ohm,r1_ohm,tau1_s,r2_ohm,tau2_s,rms_mv,max_mv\n",
    );
    for p in &f.pulses {
        let _ = writeln!(
            out,
            "{},{},{:.4},{:.5},{:.2},{:.5},{:.6e},{:.6e},{:.4},{:.6e},{:.4},{:.3},{:.3}",
            p.start_s,
            p.duration_s,
            p.current_a,
            p.soc,
            p.temp_c,
            p.ocv_v,
            p.r0_ohm,
            p.r1_ohm,
            p.tau1_s,
            p.r2_ohm,
            p.tau2_s,
            p.rms_v * 1000.0,
            p.max_v * 1000.0
        );
    }
    out
}

fn pulses_table(f: &HppcFit) -> String {
    let mut out = String::from(
        "   start s   SOC %    T °C  current A  R0 mΩ  R1 mΩ  τ1 s   R2 mΩ  τ2 s   fit error RMS / max mV\n",
    );
    for p in &f.pulses {
        let _ = writeln!(
            out,
            "{:>10.1} {:>7.2} {:>7.1} {:>10.3} {:>6.3} {:>6.3} {:>5.2} {:>7.3} {:>6.1}   {:.2} / {:.2}",
            p.start_s,
            p.soc * 100.0,
            p.temp_c,
            p.current_a,
            p.r0_ohm * 1000.0,
            p.r1_ohm * 1000.0,
            p.tau1_s,
            p.r2_ohm * 1000.0,
            p.tau2_s,
            p.rms_v * 1000.0,
            p.max_v * 1000.0
        );
    }
    out
}
