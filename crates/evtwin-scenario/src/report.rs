//! The summary of a run, from the twin at its end, the run statistics and the
//! events the run collected.

use evtwin_sim::charger::ChargeStopReport;
use evtwin_sim::twin::Ledger;
use evtwin_sim::{Fault, RunStats, Status, Twin};

use crate::run::RunInfo;
use crate::summary::{
    ChargeStopSummary, EnergyBreakdown, FaultSummary, PackSummary, Performance, ProtocolSummary,
    Summary,
};

/// Range from a full pack at this run's consumption: the usable energy (the SOC
/// window above the cold-capacity floor at the pack's end temperature, at nominal
/// energy) over the chemical energy used per km. None before the car has moved or
/// when nothing was drawn.
fn estimated_range_km(twin: &Twin, stats: &RunStats) -> Option<f64> {
    let cfg = twin.config();
    let km = stats.distance_m / 1000.0;
    let chemical_wh = stats.off_charger_chemical_j / 3600.0;
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
        protocol: r.link.as_ref().map(|l| ProtocolSummary {
            protocol: l.protocol.clone(),
            role: l.role.clone(),
            handshake_s: l.handshake_s,
            frames_sent: l.frames_sent,
            frames_received: l.frames_received,
            stop_reason: l.stop_reason.clone(),
            stopped_by: l.stopped_by.clone(),
            reconnects: l.reconnects,
            last_phase: l.phase.clone(),
        }),
    }
}

/// What a run collected besides the twin, for its summary.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Books {
    /// SOC at the start, 0…1.
    pub soc_start: f64,
    /// Peaks, minima, time on driving legs.
    pub stats: RunStats,
    /// The charge stops, as they ended.
    pub stops: Vec<ChargeStopReport>,
    /// The faults, as raised.
    pub faults: Vec<Fault>,
}

pub(crate) fn summarize(
    scenario: &RunInfo,
    twin: &Twin,
    books: &Books,
    interrupted: bool,
    wall_time_s: f64,
) -> Summary {
    let Books {
        soc_start,
        stats: s,
        stops,
        faults,
    } = books;
    let soc_start = *soc_start;
    let cfg = twin.config();
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
        estimated_range_km: estimated_range_km(twin, s),
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
        energy_breakdown: energy_breakdown(l),
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

fn energy_breakdown(l: &Ledger) -> EnergyBreakdown {
    let kwh = |j: f64| j / 3.6e6;
    EnergyBreakdown {
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
    }
}
