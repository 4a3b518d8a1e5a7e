//! What goes into and out of the EV side: its configuration, the BMS's
//! values, its outputs, its phases.

use crate::chademo::EvLines;
use crate::chademo::{EvFaults, PROTOCOL_1_0, Timing};

/// What the EV side keeps for a session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvConfig {
    /// Protocol number sent in 0x102 (2: CHAdeMO 1.0).
    pub protocol: u8,
    /// Minimum charge current, A (0x100 byte 0).
    pub min_charge_current_a: f64,
    /// Maximum charging time the EV permits, s (0x101).
    pub max_charge_time_s: u32,
    /// Charged-rate reference, % (0x100 byte 6).
    pub charged_rate_ref_pct: u8,
    /// How fast the EV raises its current request, A/s (20 A/s by default:
    /// the rate commonly quoted for CHAdeMO; the standard's text was not
    /// available here). Decreases are passed at once.
    pub request_ramp_a_per_s: f64,
    /// Measured current above the request by more than this (A) for
    /// `deviation_hold_us` is a current deviation (10 A, ours).
    pub current_deviation_a: f64,
    /// The charger's reported voltage and the pack's apart by more than this
    /// (V) for `deviation_hold_us` is a voltage deviation (10 V, ours).
    pub voltage_deviation_v: f64,
    /// How long a deviation must last (500 ms, ours).
    pub deviation_hold_us: u64,
    /// The timings.
    pub timing: Timing,
}

impl Default for EvConfig {
    fn default() -> Self {
        Self {
            protocol: PROTOCOL_1_0,
            min_charge_current_a: 0.0,
            max_charge_time_s: 90 * 60,
            charged_rate_ref_pct: 100,
            request_ramp_a_per_s: 20.0,
            current_deviation_a: 10.0,
            voltage_deviation_v: 10.0,
            deviation_hold_us: 500_000,
            timing: Timing::default(),
        }
    }
}

/// What the BMS and the pack say, set each step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EvBms {
    /// Pack voltage, V.
    pub pack_voltage_v: f64,
    /// Measured pack current, A (positive while charging).
    pub pack_current_a: f64,
    /// Voltage at the inlet (the charger's side of the contactors), V.
    pub inlet_voltage_v: f64,
    /// State of charge, %.
    pub soc_pct: f64,
    /// Target battery voltage, V (0x102).
    pub target_voltage_v: f64,
    /// Current the pack wants now, A: the charge curve bounded by the BMS's
    /// charge current limit.
    pub current_request_a: f64,
    /// Maximum battery voltage, V (0x100): the charger stops above it.
    pub max_voltage_v: f64,
    /// Minimum battery voltage, V (0x100).
    pub min_voltage_v: f64,
    /// Rated capacity, kWh (0x101).
    pub capacity_kwh: f64,
    /// Estimated time to the end of the charge, min (0x101).
    pub est_charge_time_min: f64,
    /// The BMS's high-temperature fault.
    pub high_temp: bool,
    /// Fault flags the BMS raises itself (added to those the EV detects).
    pub faults: EvFaults,
    /// The shift position is not park.
    pub shift_not_park: bool,
    /// The BMS (or the driver) asks for a normal stop.
    pub stop_request: bool,
}

/// What the EV side drives, for the plant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EvOutput {
    /// Its contactors are closed.
    pub contactors_closed: bool,
    /// The current request it sends, A.
    pub current_request_a: f64,
    /// Its lines (k).
    pub lines: EvLines,
}

/// Where the EV is in the sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvPhase {
    /// Waiting for the plug and d1.
    Idle,
    /// Sending, waiting for the charger's 0x108/0x109 to check compatibility.
    Exchange,
    /// Charging enabled; waiting for the lock and d2.
    Enabled,
    /// Contactors closed, current requested.
    Charging,
    /// Request 0; waiting for the current to fall to 5 A.
    Stopping,
    /// Contactors open; checking that the inlet goes dead.
    WeldingCheck,
    /// Contactors open, check done; waiting for d1 to drop.
    Finished,
    /// Over; nothing sent.
    Ended,
}
