//! What goes into and out of the charger side: its configuration, what its
//! power stage measures, its outputs, its phases.

use crate::chademo::{ChargerLines, PROTOCOL_1_0, Timing};

/// What the charger side keeps for a session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChargerConfig {
    /// Protocol number sent in 0x109 (2: CHAdeMO 1.0).
    pub protocol: u8,
    /// Whether it supports the EV's welding detection (0x108 byte 0).
    pub welding_detection: bool,
    /// Available output voltage, V.
    pub available_v: f64,
    /// Available output current, A.
    pub available_a: f64,
    /// How fast its output current setpoint may rise, A/s (20 A/s by default:
    /// the rate commonly quoted for CHAdeMO; the standard's text was not
    /// available here). A lower request is followed at once.
    pub ramp_a_per_s: f64,
    /// The timings.
    pub timing: Timing,
}

impl Default for ChargerConfig {
    fn default() -> Self {
        Self {
            protocol: PROTOCOL_1_0,
            welding_detection: true,
            available_v: 500.0,
            available_a: 125.0,
            ramp_a_per_s: 20.0,
            timing: Timing::default(),
        }
    }
}

/// What the power stage measures, set each step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChargerMeasured {
    /// Output voltage, V.
    pub output_v: f64,
    /// Output current, A.
    pub output_a: f64,
    /// The insulation monitor finds no fault.
    pub insulation_ok: bool,
}

impl Default for ChargerMeasured {
    fn default() -> Self {
        Self {
            output_v: 0.0,
            output_a: 0.0,
            insulation_ok: true,
        }
    }
}

/// What the charger side drives, for the plant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ChargerOutput {
    /// The power stage is on.
    pub output_enabled: bool,
    /// Output voltage limit (insulation test: the test voltage), V.
    pub voltage_setpoint_v: f64,
    /// Output current setpoint, A: the EV's request after the ramp.
    pub current_setpoint_a: f64,
    /// Its lines (d1, d2, lock).
    pub lines: ChargerLines,
}

/// Where the charger is in the sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChargerPhase {
    /// Not started.
    Idle,
    /// d1 on; waiting for the EV's first 0x102.
    WaitEv,
    /// Sending; waiting for the EV to enable charging.
    WaitEnable,
    /// Locked; insulation test running.
    InsulationTest,
    /// Test passed; waiting for the output to go dead before d2.
    Discharge,
    /// d2 on; waiting for the EV's contactors.
    WaitContactors,
    /// Contactors closed; waiting for a current request.
    WaitRequest,
    /// Delivering current.
    Charging,
    /// Stopping: current to 5 A.
    StopCurrent,
    /// Waiting for the EV's contactors to open and its welding check.
    WaitEvOpen,
    /// d2 off; d1 off after a delay.
    D2Off,
    /// d1 off; waiting for the output to go dead, then unlock.
    WaitLowVoltage,
    /// Over.
    Ended,
}
