//! DC fast-charging stations and charging sessions.
//!
//! A session goes through the phases of a real DC charge: plug-in, handshake,
//! insulation test, precharge, current ramp, charging (the station's limits bind)
//! or taper (the pack's BMS limits bind: constant voltage at the end, plating,
//! temperature), stopping and unplugging. While current flows the station also
//! covers the car's auxiliary load.

mod link;
mod session;

pub use link::{ChargeLink, LinkReport};
pub use session::{ChargeStep, Phase, PhaseControl, Session};

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
    /// How fast the output current may rise (and falls when stopping), A/s.
    pub ramp_a_per_s: f64,
    /// Time from arrival to the cable plugged in, s.
    pub plug_in_s: f64,
    /// Communication handshake (CHAdeMO / GB/T / CCS parameter exchange), s.
    pub handshake_s: f64,
    /// Insulation test of the cable and vehicle inlet, s.
    pub insulation_test_s: f64,
    /// The station precharges its output to the pack's voltage, s.
    pub precharge_s: f64,
    /// Time from current zero to the cable unplugged, s.
    pub unplug_s: f64,
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
    /// The charge protocol (or whoever drives the session's phases) aborted it.
    Aborted,
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
            Self::Aborted => "aborted",
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
    /// From plug-in to the first current (handshake, insulation test, precharge), s.
    pub setup_s: f64,
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
    /// Time from a displayed SOC of 10 % to 80 %, if both were crossed during this
    /// stop, s.
    pub time_10_to_80_s: Option<f64>,
    /// Why it ended.
    pub end: ChargeEnd,
    /// What the charging protocol reported, when one drove the stop.
    pub link: Option<Box<LinkReport>>,
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
