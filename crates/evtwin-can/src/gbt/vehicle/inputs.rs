//! What the vehicle side is told: its fixed parameters and the BMS's values now.

use crate::gbt::msg::Mode;
use crate::gbt::stop::VehicleStop;

/// What the vehicle announces once (BHM, BRM, BCP's fixed part).
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleParams {
    /// Highest charging voltage (BHM, BCP), V.
    pub max_charge_v: f64,
    /// Highest cell voltage (BCP), V.
    pub max_cell_v: f64,
    /// Highest charging current (BCP), A.
    pub max_charge_a: f64,
    /// Nominal energy (BCP), kWh.
    pub energy_kwh: f64,
    /// Highest temperature (BCP), °C.
    pub max_temp_c: f64,
    /// Rated capacity (BRM), Ah.
    pub rated_ah: f64,
    /// Rated voltage (BRM), V.
    pub rated_v: f64,
    /// Battery type code (BRM byte 4): 3 LFP, 6 NCM, 0xFF other.
    pub chemistry: u8,
    /// VIN (BRM).
    pub vin: String,
}

/// What the BMS and the pack say now; set every step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VehicleStatus {
    /// Pack voltage, V.
    pub pack_v: f64,
    /// Measured charging current, A (positive into the pack).
    pub current_a: f64,
    /// State of charge, %.
    pub soc_pct: f64,
    /// Highest / lowest cell voltage, V.
    pub max_cell_v: f64,
    /// Lowest cell voltage, V.
    pub min_cell_v: f64,
    /// Highest temperature, °C.
    pub max_temp_c: f64,
    /// Lowest temperature, °C.
    pub min_temp_c: f64,
    /// The BMS's charge current limit (CCL), A.
    pub ccl_a: f64,
    /// The charge curve's voltage demand, V.
    pub demand_v: f64,
    /// The charge curve's current demand, A.
    pub demand_a: f64,
    /// CC or CV.
    pub mode: Mode,
    /// Estimated minutes to full.
    pub remaining_min: f64,
    /// Ready to charge (BRO 0xAA).
    pub ready: bool,
    /// The BMS wants the charge to end, and why.
    pub stop: Option<VehicleStop>,
}

impl Default for VehicleStatus {
    fn default() -> Self {
        Self {
            pack_v: 0.0,
            current_a: 0.0,
            soc_pct: 0.0,
            max_cell_v: 0.0,
            min_cell_v: 0.0,
            max_temp_c: 25.0,
            min_temp_c: 25.0,
            ccl_a: 0.0,
            demand_v: 0.0,
            demand_a: 0.0,
            mode: Mode::ConstantCurrent,
            remaining_min: 0.0,
            ready: false,
            stop: None,
        }
    }
}
