//! DC fast-charging stations and a charging session.
//!
//! This is the charge stop's power stage and a constant-current / constant-voltage
//! controller bounded by the station and by the pack's charge limit. The charger
//! also covers the car's auxiliary load while it is connected.

use crate::pack::OperatingPoint;

/// A DC charger.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// Identifier from the scenario.
    pub name: String,
    /// Largest DC output power, W.
    pub max_power_w: f64,
    /// Highest output voltage, V.
    pub max_voltage_v: f64,
    /// Lowest output voltage, V.
    pub min_voltage_v: f64,
    /// Largest output current, A.
    pub max_current_a: f64,
    /// Grid-to-DC efficiency, 0…1.
    pub efficiency: f64,
    /// How fast the output current may rise, A/s.
    pub ramp_a_per_s: f64,
}

/// Why a charge stop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeEnd {
    /// The target SOC (or the top of the pack's usable window) was reached.
    TargetSoc,
    /// The time limit was reached.
    Duration,
    /// The pack could not take C/20 without its highest cell exceeding the
    /// maximum voltage.
    Full,
    /// The station cannot charge this pack (voltage range).
    Incompatible,
}

impl ChargeEnd {
    /// Lower-case name for reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TargetSoc => "target_soc",
            Self::Duration => "duration",
            Self::Full => "full",
            Self::Incompatible => "incompatible",
        }
    }
}

/// What a charge stop achieved.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeStopReport {
    /// Index of the leg (0-based).
    pub leg: usize,
    /// Station name.
    pub station: String,
    /// Virtual time at plug-in, s.
    pub start_s: f64,
    /// Time connected, s.
    pub duration_s: f64,
    /// Pack SOC at plug-in and unplug, 0…1.
    pub soc_start: f64,
    /// Pack SOC at unplug, 0…1.
    pub soc_end: f64,
    /// DC energy delivered by the station, Wh.
    pub energy_dc_wh: f64,
    /// Energy drawn from the grid, Wh.
    pub energy_grid_wh: f64,
    /// Energy into the pack terminals, Wh.
    pub energy_pack_wh: f64,
    /// Energy the car's auxiliaries drew from the station, Wh.
    pub energy_aux_wh: f64,
    /// Highest DC power, W.
    pub peak_power_w: f64,
    /// Time from SOC 10 % to 80 % if both were crossed during this stop, s.
    pub time_10_to_80_s: Option<f64>,
    /// Why it ended.
    pub end: ChargeEnd,
}

impl ChargeStopReport {
    /// Mean DC power over the stop, W.
    #[must_use]
    pub fn mean_power_w(&self) -> f64 {
        if self.duration_s > 0.0 {
            self.energy_dc_wh * 3600.0 / self.duration_s
        } else {
            0.0
        }
    }
}

/// One connection of a car to a station.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    station: Station,
    current_a: f64,
    steps: u64,
    t10_s: Option<f64>,
    t80_s: Option<f64>,
    /// The running report.
    pub report: ChargeStopReport,
}

/// Power flows of one charging step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChargeStep {
    /// Pack current, A (negative: charging).
    pub pack_current_a: f64,
    /// DC power from the station, W.
    pub dc_power_w: f64,
    /// Power from the grid, W.
    pub grid_power_w: f64,
    /// Of the DC power, what the car's auxiliaries drew, W.
    pub aux_w: f64,
}

impl Session {
    /// Plugs in at `time_s` with the pack at `soc`.
    #[must_use]
    pub fn new(station: Station, leg: usize, time_s: f64, soc: f64) -> Self {
        Self {
            report: ChargeStopReport {
                leg,
                station: station.name.clone(),
                start_s: time_s,
                duration_s: 0.0,
                soc_start: soc,
                soc_end: soc,
                energy_dc_wh: 0.0,
                energy_grid_wh: 0.0,
                energy_pack_wh: 0.0,
                energy_aux_wh: 0.0,
                peak_power_w: 0.0,
                time_10_to_80_s: None,
                end: ChargeEnd::Duration,
            },
            station,
            current_a: 0.0,
            steps: 0,
            t10_s: None,
            t80_s: None,
        }
    }

    /// The station.
    #[must_use]
    pub fn station(&self) -> &Station {
        &self.station
    }

    /// Whether the station's voltage range covers the pack's open-circuit voltage.
    #[must_use]
    pub fn compatible(&self, pack_ocv_v: f64) -> bool {
        pack_ocv_v <= self.station.max_voltage_v && pack_ocv_v >= self.station.min_voltage_v
    }

    /// Chooses this step's charge current: the smallest of `pack_limit_a` (what the
    /// pack and its BMS accept), the station's voltage, current and power limits (the
    /// auxiliary load `aux_w` is drawn from the station too) and the current ramp.
    pub fn step(
        &mut self,
        op: &OperatingPoint,
        pack_limit_a: f64,
        aux_w: f64,
        dt_s: f64,
    ) -> ChargeStep {
        let st = &self.station;
        let by_voltage = op.charge_current_for_voltage(st.max_voltage_v);
        let by_power = op.charge_current_for_power(st.max_power_w - aux_w);
        let by_current = st.max_current_a - aux_w / op.emf_v.max(1.0);
        let ramp = self.current_a + st.ramp_a_per_s * dt_s;
        let current = pack_limit_a
            .min(by_voltage)
            .min(by_power)
            .min(by_current)
            .min(ramp)
            .max(0.0);
        self.current_a = current;
        let pack_power_w = current * op.mean_voltage_v(-current);
        let dc_power_w = pack_power_w + aux_w;
        ChargeStep {
            pack_current_a: -current,
            dc_power_w,
            grid_power_w: dc_power_w / st.efficiency,
            aux_w,
        }
    }

    /// Books a finished step: `pack_in_j` went into the pack terminals, leaving it at
    /// `soc`; `time_s` is the time at the step's end.
    pub fn record(&mut self, step: &ChargeStep, pack_in_j: f64, soc: f64, time_s: f64, dt_s: f64) {
        self.steps += 1;
        let r = &mut self.report;
        r.duration_s = self.steps as f64 * dt_s;
        r.soc_end = soc;
        r.energy_dc_wh += step.dc_power_w * dt_s / 3600.0;
        r.energy_grid_wh += step.grid_power_w * dt_s / 3600.0;
        r.energy_pack_wh += pack_in_j / 3600.0;
        r.energy_aux_wh += step.aux_w * dt_s / 3600.0;
        r.peak_power_w = r.peak_power_w.max(step.dc_power_w);
        if r.soc_start <= 0.10 && self.t10_s.is_none() && soc >= 0.10 {
            self.t10_s = Some(time_s);
        }
        if self.t80_s.is_none() && soc >= 0.80 {
            self.t80_s = Some(time_s);
        }
        if let (Some(a), Some(b)) = (self.t10_s, self.t80_s) {
            r.time_10_to_80_s = Some(b - a);
        }
    }
}
