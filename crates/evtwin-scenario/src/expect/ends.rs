//! Checks decided at the end of the run: figures of the summary and counters
//! of the network.

use crate::net::NetStats;
use crate::summary::{ChargeStopSummary, Summary};

use super::play::Outcome;
use super::{Bounds, num, secs};

type RunFigure = fn(&Summary) -> Option<f64>;
type StopFigure = fn(&ChargeStopSummary) -> Option<f64>;
type Count = fn(&NetStats) -> u64;

/// The summary's figures: name, unit, value.
#[allow(clippy::cast_precision_loss)] // counts
pub(super) const SUMMARY: &[(&str, &str, RunFigure)] = &[
    ("distance_km", "km", |s| Some(s.distance_km)),
    ("duration_s", "s", |s| Some(s.duration_s)),
    ("driving_time_s", "s", |s| Some(s.driving_time_s)),
    ("energy_kwh", "kWh", |s| Some(s.energy_kwh)),
    ("energy_wh_per_km", "Wh/km", |s| s.energy_wh_per_km),
    ("estimated_range_km", "km", |s| s.estimated_range_km),
    ("soc_end_pct", "%", |s| Some(s.soc_end_pct)),
    ("soc_shown_end_pct", "%", |s| Some(s.soc_shown_end_pct)),
    ("soc_min_pct", "%", |s| Some(s.soc_min_pct)),
    ("peak_power_kw", "kW", |s| Some(s.peak_power_kw)),
    ("mean_power_kw", "kW", |s| Some(s.mean_power_kw)),
    ("peak_regen_kw", "kW", |s| Some(s.peak_regen_kw)),
    ("peak_cell_temp_c", "°C", |s| Some(s.peak_cell_temp_c)),
    ("trace_miss_s", "s", |s| Some(s.trace_miss_s)),
    ("powertrain_limited_s", "s", |s| {
        Some(s.powertrain_limited_s)
    }),
    ("plating_ratio_max", "1", |s| Some(s.plating_ratio_max)),
    ("plating_over_s", "s", |s| Some(s.plating_over_s)),
    ("fault_count", "1", |s| Some(s.faults.len() as f64)),
    ("charge_stop_count", "1", |s| {
        Some(s.charge_stops.len() as f64)
    }),
];

/// The figures of each charge stop (`stop.<name>`): name, unit, value.
pub(super) const STOP: &[(&str, &str, StopFigure)] = &[
    ("time_10_to_80_s", "s", |c| c.time_10_to_80_s),
    ("duration_s", "s", |c| Some(c.duration_s)),
    ("setup_s", "s", |c| Some(c.setup_s)),
    ("soc_start_pct", "%", |c| Some(c.soc_start_pct)),
    ("soc_end_pct", "%", |c| Some(c.soc_end_pct)),
    ("energy_grid_kwh", "kWh", |c| Some(c.energy_grid_kwh)),
    ("energy_dc_kwh", "kWh", |c| Some(c.energy_dc_kwh)),
    ("energy_pack_kwh", "kWh", |c| Some(c.energy_pack_kwh)),
    ("losses_kwh", "kWh", |c| Some(c.losses_kwh)),
    ("peak_power_kw", "kW", |c| Some(c.peak_power_kw)),
    ("mean_power_kw", "kW", |c| Some(c.mean_power_kw)),
];

/// The network's counters: name, value.
pub(super) const COUNTERS: &[(&str, Count)] = &[
    ("tx_frames", |s| s.tx_frames),
    ("rx_frames", |s| s.rx_frames),
    ("rx_used", |s| s.rx_used),
    ("rejected", NetStats::rejected),
    ("unknown_id", |s| s.unknown_id),
    ("wrong_length", |s| s.wrong_length),
    ("bad_crc", |s| s.bad_crc),
    ("bad_counter", |s| s.bad_counter),
    ("bad_e2e", NetStats::bad_e2e),
    ("unexpected", |s| s.unexpected),
    ("unplayed", |s| s.unplayed),
    ("timeouts", |s| s.timeouts),
    ("implausible", |s| s.implausible),
    ("clamped", |s| s.clamped),
    ("out_of_range", |s| s.out_of_range),
    ("invalid", |s| s.invalid),
    ("while_invalid", |s| s.while_invalid),
];

/// A summary figure (`key`, of stop `stop` or of every stop).
pub(super) fn summary(
    key: &str,
    stop: Option<usize>,
    bounds: &Bounds,
    s: &Summary,
    end_us: u64,
) -> Outcome {
    let end_text = format!("at the end ({} s)", num(secs(end_us)));
    if let Some(name) = key.strip_prefix("stop.") {
        let Some((_, _, get)) = STOP.iter().find(|(n, ..)| *n == name) else {
            return Outcome::undecided(format!("no summary figure `{key}`"));
        };
        let stops: Vec<(usize, &ChargeStopSummary)> = match stop {
            Some(k) => s.charge_stops.get(k).map(|c| (k, c)).into_iter().collect(),
            None => s.charge_stops.iter().enumerate().collect(),
        };
        if stops.is_empty() {
            return Outcome::undecided(format!(
                "not decided: the run made {} charge stop(s)",
                s.charge_stops.len()
            ));
        }
        let mut values = Vec::new();
        for (k, c) in stops {
            let Some(v) = get(c) else {
                return Outcome::undecided(format!(
                    "not measured: stop {k} ({}) has no {name}",
                    c.station
                ));
            };
            values.push((k, v));
        }
        let worst = bounds.worst(values.iter().map(|p| p.1)).unwrap_or(f64::NAN);
        let k = values
            .iter()
            .find(|p| p.1.total_cmp(&worst).is_eq())
            .map_or(0, |p| p.0);
        let what = if values.len() > 1 {
            format!(
                "the nearest to failing of {} stops: stop {k}, {end_text}",
                values.len()
            )
        } else {
            format!("stop {k}, {end_text}")
        };
        return Outcome::value(bounds.contains(worst), &bounds.shown, worst, end_us, what);
    }
    let Some((_, _, get)) = SUMMARY.iter().find(|(n, ..)| *n == key) else {
        return Outcome::undecided(format!("no summary figure `{key}`"));
    };
    match get(s) {
        Some(v) => Outcome::value(bounds.contains(v), &bounds.shown, v, end_us, end_text),
        None => Outcome::undecided(format!("not measured: the run gives no {key}")),
    }
}

/// A counter of the network.
pub(super) fn counter(
    name: &str,
    bounds: &Bounds,
    stats: Option<&NetStats>,
    end_us: u64,
) -> Outcome {
    let Some(stats) = stats else {
        return Outcome::undecided(
            "not decided: this run played no CAN network (`evtwin run` simulates the plant \
             only: run the scenario with `evtwin bridge`)"
                .to_owned(),
        );
    };
    let Some((_, get)) = COUNTERS.iter().find(|(n, _)| *n == name) else {
        return Outcome::undecided(format!("no counter `{name}`"));
    };
    #[allow(clippy::cast_precision_loss)] // counts
    let v = get(stats) as f64;
    Outcome::value(
        bounds.contains(v),
        &bounds.shown,
        v,
        end_us,
        format!("at the end ({} s)", num(secs(end_us))),
    )
}
