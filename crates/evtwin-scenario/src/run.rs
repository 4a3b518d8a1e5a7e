//! The run loop in virtual time: step the twin as fast as possible, sample the
//! trace, collect events, report progress, stop on request.

use std::io::Write;
use std::time::Instant;

use evtwin_sim::charger::ChargeStopReport;
use evtwin_sim::{Event, Fault, Status, Twin, TwinError};

use crate::Scenario;
use crate::summary::{
    ChargeStopSummary, EnergyBreakdown, FaultSummary, PackSummary, Performance, Summary,
};
use crate::trace::{Trace, TraceInfo};

/// What the observer wants after a progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Keep going.
    Continue,
    /// Stop now (the summary and trace still cover what ran).
    Stop,
}

/// Receives progress during a run.
pub trait Observer {
    /// Called every `RunOptions::progress_every_steps` steps.
    fn progress(&mut self, _twin: &Twin) -> Control {
        Control::Continue
    }
}

/// An observer that never stops the run.
pub struct Quiet;

impl Observer for Quiet {}

/// Options that override the scenario for one run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Seed instead of the scenario's.
    pub seed: Option<u64>,
    /// Trace sample interval instead of the scenario's, s.
    pub trace_every_s: Option<f64>,
    /// Steps between progress reports.
    pub progress_every_steps: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            seed: None,
            trace_every_s: None,
            progress_every_steps: 10_000,
        }
    }
}

/// Why a run could not proceed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The configuration was rejected by the simulation.
    #[error("{0}")]
    Twin(#[from] TwinError),
    /// The trace could not be written.
    #[error("writing the trace: {0}")]
    Trace(#[from] std::io::Error),
    /// A trace interval shorter than a step (or not a number).
    #[error("the trace interval must be at least one step ({step_s} s), not {every_s}")]
    TraceEvery {
        /// The interval asked for, s.
        every_s: f64,
        /// The scenario's step, s.
        step_s: f64,
    },
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    /// The summary.
    pub summary: Summary,
    /// The trace, if one was written.
    pub trace: Option<TraceInfo>,
}

/// Runs `scenario` to the end of its route, a fault, or until `observer` stops it.
/// `trace`, if given, receives the CSV trace.
pub fn run<W: Write>(
    scenario: &Scenario,
    options: &RunOptions,
    trace: Option<W>,
    observer: &mut dyn Observer,
) -> Result<RunOutput, RunError> {
    let progress_every = options.progress_every_steps.max(1);
    let mut runner = Runner::new(scenario, options, trace)?;
    let mut interrupted = false;
    while runner.step()? == Status::Running {
        let twin = runner.twin();
        if twin.steps() % progress_every == 0 && observer.progress(twin) == Control::Stop {
            interrupted = true;
            break;
        }
    }
    runner.finish(interrupted)
}

/// A run one step at a time, for loops that do more between steps (the CAN
/// bridge): it keeps the trace, the events and the books for the summary.
pub struct Runner<'s, W: Write> {
    scenario: &'s Scenario,
    twin: Twin,
    trace: Option<Trace<W>>,
    every_steps: u64,
    sampled: bool,
    soc_start: f64,
    stops: Vec<ChargeStopReport>,
    faults: Vec<Fault>,
    start: Instant,
}

impl<'s, W: Write> Runner<'s, W> {
    /// Builds the twin and writes the trace's first row.
    pub fn new(
        scenario: &'s Scenario,
        options: &RunOptions,
        trace: Option<W>,
    ) -> Result<Self, RunError> {
        let mut config = scenario.config.clone();
        if let Some(seed) = options.seed {
            config.seed = seed;
        }
        let every_s = options.trace_every_s.unwrap_or(scenario.trace_every_s);
        if !(every_s.is_finite() && every_s >= config.step_s) {
            return Err(RunError::TraceEvery {
                every_s,
                step_s: config.step_s,
            });
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let every_steps = ((every_s / config.step_s).round() as u64).max(1);
        let start = Instant::now();
        let twin = Twin::new(config)?;
        let soc_start = twin.pack().soc();
        let mut trace = trace
            .map(|w| Trace::new(w, scenario.trace_signals.clone()))
            .transpose()?;
        if let Some(t) = trace.as_mut() {
            t.row(&twin)?;
        }
        Ok(Self {
            scenario,
            twin,
            trace,
            every_steps,
            sampled: true,
            soc_start,
            stops: Vec::new(),
            faults: Vec::new(),
            start,
        })
    }

    /// The twin.
    #[must_use]
    pub fn twin(&self) -> &Twin {
        &self.twin
    }

    /// The twin, to set inputs or inject faults between steps.
    pub fn twin_mut(&mut self) -> &mut Twin {
        &mut self.twin
    }

    /// One step: collects its events and samples the trace (always at the end).
    pub fn step(&mut self) -> Result<Status, RunError> {
        let twin = &mut self.twin;
        let status = twin.step();
        for e in twin.drain_events() {
            match e {
                Event::ChargeStop(r) => self.stops.push(r),
                Event::Fault(f) => self.faults.push(f),
                Event::LegStarted { .. } | Event::LegFinished { .. } => {}
            }
        }
        self.sampled = twin.steps().is_multiple_of(self.every_steps) || status != Status::Running;
        if self.sampled
            && let Some(t) = self.trace.as_mut()
        {
            t.row(twin)?;
        }
        Ok(status)
    }

    /// Closes the trace (with a last row if the last step was not sampled) and
    /// summarises; `interrupted`: the run was stopped before its end.
    pub fn finish(mut self, interrupted: bool) -> Result<RunOutput, RunError> {
        if !self.sampled
            && let Some(t) = self.trace.as_mut()
        {
            t.row(&self.twin)?;
        }
        let trace = self.trace.map(Trace::finish).transpose()?;
        let wall_time_s = self.start.elapsed().as_secs_f64();
        let summary = summarize(
            self.scenario,
            &self.twin,
            self.soc_start,
            &self.stops,
            &self.faults,
            interrupted,
            wall_time_s,
        );
        Ok(RunOutput { summary, trace })
    }
}

/// Range from a full pack at this run's consumption: the usable energy (the SOC
/// window above the cold-capacity floor at the pack's end temperature, at nominal
/// energy) over the chemical energy used per km. None before the car has moved or
/// when nothing was drawn.
fn estimated_range_km(twin: &Twin) -> Option<f64> {
    let cfg = twin.config();
    let km = twin.stats().distance_m / 1000.0;
    let chemical_wh = twin.stats().off_charger_chemical_j / 3600.0;
    if km <= 0.0 || chemical_wh <= 0.0 {
        return None;
    }
    let t = twin.pack().temp_mean_c();
    let floor = cfg
        .pack
        .cell
        .capacity_vs_temp
        .as_ref()
        .map_or(0.0, |c| c.soc_floor(t));
    let usable = (cfg.vehicle.soc_max - floor.max(cfg.vehicle.soc_min)).max(0.0);
    Some(usable * twin.pack().nominal_energy_wh() / (chemical_wh / km))
}

fn stop_summary(r: &ChargeStopReport) -> ChargeStopSummary {
    ChargeStopSummary {
        leg: r.leg,
        station: r.station.clone(),
        start_s: r.start_s,
        duration_s: r.duration_s,
        setup_s: r.setup_s,
        soc_start_pct: r.soc_start * 100.0,
        soc_end_pct: r.soc_end * 100.0,
        energy_grid_kwh: r.energy_grid_wh / 1000.0,
        energy_dc_kwh: r.energy_dc_wh / 1000.0,
        energy_pack_kwh: r.energy_pack_wh / 1000.0,
        aux_kwh: r.energy_aux_wh / 1000.0,
        losses_kwh: (r.energy_grid_wh - r.energy_pack_wh - r.energy_aux_wh) / 1000.0,
        peak_power_kw: r.peak_power_w / 1000.0,
        mean_power_kw: r.mean_power_w() / 1000.0,
        time_10_to_80_s: r.time_10_to_80_s,
        end: r.end.as_str().to_owned(),
    }
}

fn summarize(
    scenario: &Scenario,
    twin: &Twin,
    soc_start: f64,
    stops: &[ChargeStopReport],
    faults: &[Fault],
    interrupted: bool,
    wall_time_s: f64,
) -> Summary {
    let cfg = twin.config();
    let s = twin.stats();
    let l = twin.ledger();
    let pack = twin.pack();
    let kwh = |j: f64| j / 3.6e6;
    let secs = |steps: u64| steps as f64 * cfg.step_s;
    let driving_s = secs(s.driving_steps);
    let distance_km = s.distance_m / 1000.0;
    let status = match twin.status() {
        _ if interrupted => "interrupted",
        Status::Finished => "finished",
        Status::Stopped(_) => "stopped",
        Status::Running => "interrupted",
    };
    Summary {
        scenario: scenario.name.clone(),
        source: scenario.source.clone(),
        seed: cfg.seed,
        step_ms: cfg.step_s * 1000.0,
        vehicle: cfg.vehicle.name.clone(),
        pack: PackSummary {
            chemistry: scenario.chemistry.clone(),
            series: cfg.pack.series,
            parallel: cfg.pack.parallel,
            capacity_ah: cfg.pack.cell.capacity_ah * cfg.pack.parallel as f64,
            nominal_energy_kwh: pack.nominal_energy_wh() / 1000.0,
            nominal_voltage_v: pack.nominal_voltage_v(),
            mass_kg: pack.mass_kg(),
            cell_wh_per_kg: cfg.pack.cell.wh_per_kg(),
            cell_wh_per_l: cfg.pack.cell.wh_per_l(),
            pack_wh_per_kg: pack.nominal_energy_wh() / pack.mass_kg(),
            pack_wh_per_l: pack.nominal_energy_wh() / pack.volume_l(),
        },
        status: status.to_owned(),
        distance_km,
        duration_s: twin.time_s(),
        driving_time_s: driving_s,
        energy_kwh: kwh(s.off_charger_terminal_j),
        energy_wh_per_km: (distance_km > 0.0)
            .then(|| s.off_charger_terminal_j / 3600.0 / distance_km),
        estimated_range_km: estimated_range_km(twin),
        range_breakdown: None,
        ambient_c: cfg.ambient_c,
        soc_start_pct: soc_start * 100.0,
        soc_end_pct: pack.soc() * 100.0,
        soc_shown_end_pct: twin.bms().output().soc * 100.0,
        soc_min_pct: s.soc_min * 100.0,
        peak_power_kw: s.peak_discharge_w / 1000.0,
        mean_power_kw: if driving_s > 0.0 {
            s.driving_terminal_j / driving_s / 1000.0
        } else {
            0.0
        },
        peak_regen_kw: s.peak_regen_w / 1000.0,
        peak_cell_temp_c: s.peak_temp_c,
        peak_cell_temp_group: s.peak_temp_group,
        trace_miss_s: secs(s.trace_miss_steps),
        trace_miss_spells: s.trace_miss_spells,
        powertrain_limited_s: secs(s.limited_steps),
        plating_ratio_max: s.plating_ratio_max,
        plating_over_s: secs(s.plating_over_steps),
        charge_stops: stops.iter().map(stop_summary).collect(),
        faults: faults
            .iter()
            .map(|f| FaultSummary {
                code: f.code.as_str().to_owned(),
                time_s: f.time_s,
                odometer_km: f.odometer_km,
                message: f.message.clone(),
            })
            .collect(),
        energy_breakdown: EnergyBreakdown {
            chemical_kwh: kwh(l.chemical_j),
            battery_loss_kwh: kwh(l.battery_loss_j),
            drag_kwh: kwh(l.drag_j),
            rolling_kwh: kwh(l.rolling_j),
            grade_kwh: kwh(l.grade_j),
            kinetic_kwh: kwh(l.kinetic_j),
            friction_brake_kwh: kwh(l.friction_brake_j),
            motor_loss_kwh: kwh(l.motor_loss_j),
            transmission_loss_kwh: kwh(l.transmission_loss_j),
            aux_kwh: kwh(l.aux_j),
            thermal_kwh: kwh(l.thermal_j),
            balancing_kwh: kwh(l.balancing_j),
            regen_kwh: kwh(l.regen_j),
            charger_dc_kwh: kwh(l.charger_dc_j),
        },
        performance: Performance {
            wall_time_s,
            realtime_factor: if wall_time_s > 0.0 {
                twin.time_s() / wall_time_s
            } else {
                0.0
            },
            steps: twin.steps(),
        },
    }
}
