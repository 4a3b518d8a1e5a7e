//! What the charger side is told: the station's limits and the power stage's values now.

use crate::gbt::stop::ChargerStop;

/// The station's fixed limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StationParams {
    /// Highest output voltage, V.
    pub max_v: f64,
    /// Lowest output voltage, V.
    pub min_v: f64,
    /// Highest output current, A.
    pub max_a: f64,
    /// Lowest output current, A.
    pub min_a: f64,
    /// Its number (CRM, CSD).
    pub charger_number: u32,
    /// Unix time at virtual time 0, for CTS.
    pub epoch_unix_s: u64,
}

/// What the power stage measures and decides now; set every step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ChargerStatus {
    /// Measured output voltage, V.
    pub output_v: f64,
    /// Measured output current, A.
    pub output_a: f64,
    /// Energy delivered so far, kWh.
    pub energy_kwh: f64,
    /// Insulation test and precharge done: ready to charge (CRO 0xAA).
    pub ready: bool,
    /// The station wants the charge to end, and why.
    pub stop: Option<ChargerStop>,
}
