//! CHAdeMO (IEEE 2030.1.1, CHAdeMO 1.x) for both sides of a DC charge, sans-I/O:
//! [`ChademoEv`] (the car's charge controller) and [`ChademoCharger`] (the
//! station's). Frames and time in (`handle_frame(&Frame, now_us)`,
//! `handle_timeout(now_us)`, `set_lines(Lines, now_us)`), frames and events out
//! (`poll_transmit(now_us)`, `poll_event()`, `poll_timeout()`); the plant's
//! values go in through plain setters and come out as plain values
//! (`output()`), so a per-step hook drives either side.
//!
//! The frames are in [`msg`] (0x100, 0x101, 0x102 from the EV; 0x108, 0x109
//! from the charger; every 100 ms; reserved bits 0). The connector's other
//! lines are modelled in [`Lines`]: the charger drives d1 and d2 (charge
//! sequence signals 1 and 2, sensed by the EV's f and g) and the lock; the EV
//! drives k (charge permission, sensed by the charger's j); `plugged` is the
//! connection check (proximity).
//!
//! The sequence, the timings and the reactions each side implements are
//! described on [`Timing`] and in the crate README ("CHAdeMO").

mod charger;
mod ev;
mod flags;
pub mod msg;
mod tx;

pub use charger::{ChademoCharger, ChargerConfig, ChargerMeasured, ChargerOutput, ChargerPhase};
pub use ev::{ChademoEv, EvBms, EvConfig, EvOutput, EvPhase};
pub use msg::{ChargerStatus, EvFaults, EvStatus};

/// Below this current (A) a stop may open the EV's contactors.
pub const STOP_CURRENT_A: f64 = 5.0;
/// At or below this voltage (V) the output counts as dead: the charger's check
/// before d2 and before unlocking, and the EV's welding check.
pub const SAFE_VOLTAGE_V: f64 = 10.0;
/// The CHAdeMO protocol number for CHAdeMO 1.0 (what both sides send by default).
pub const PROTOCOL_1_0: u8 = 2;

/// The times both sides keep. Defaults: the CAN period of the standard (100 ms)
/// and the C-time / T-time figures of IEEE 2030.1.1 as public implementations
/// quote them (the standard's text was not available here); the CAN timeout
/// and the EV's deviation hold are our choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Period of each side's frames (100 ms).
    pub period_us: u64,
    /// No frame from the other side for this long is a CAN timeout (1 s, ours).
    pub can_timeout_us: u64,
    /// Charger: d1 on → the EV's charging enabled and k (8 s).
    pub enable_timeout_us: u64,
    /// EV: charging enabled → d2 and the connector locked (20 s).
    pub d2_timeout_us: u64,
    /// Charger: d2 on → the EV's contactors closed (4 s); also contactors
    /// closed → a current request (4 s).
    pub contactor_timeout_us: u64,
    /// EV: a stop → its current at or below 5 A; past it the EV opens anyway
    /// (2.5 s).
    pub stop_current_timeout_us: u64,
    /// EV: contactors open → the inlet voltage at or below 10 V, or welding is
    /// reported (1 s, ours).
    pub welding_window_us: u64,
    /// Charger: its current at or below 5 A → the EV's contactors open and its
    /// welding detection over (10 s).
    pub contactor_open_timeout_us: u64,
    /// Charger: d2 off → d1 off (500 ms).
    pub d1_off_delay_us: u64,
    /// Charger: d1 off → the output at or below 10 V, then unlock (4 s).
    pub unlock_timeout_us: u64,
    /// Charger: the insulation test's duration (2 s, ours).
    pub insulation_test_us: u64,
    /// Charger: insulation test over → the output at or below 10 V, then d2 (4 s).
    pub discharge_timeout_us: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            period_us: 100_000,
            can_timeout_us: 1_000_000,
            enable_timeout_us: 8_000_000,
            d2_timeout_us: 20_000_000,
            contactor_timeout_us: 4_000_000,
            stop_current_timeout_us: 2_500_000,
            welding_window_us: 1_000_000,
            contactor_open_timeout_us: 10_000_000,
            d1_off_delay_us: 500_000,
            unlock_timeout_us: 4_000_000,
            insulation_test_us: 2_000_000,
            discharge_timeout_us: 4_000_000,
        }
    }
}

/// The connector's lines besides CAN, as both sides see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[allow(clippy::struct_excessive_bools)] // one bool per line
pub struct Lines {
    /// The connector is in the inlet (connection check / proximity).
    pub plugged: bool,
    /// Charge sequence signal 1 (charger's d1; the EV's f): the charger started.
    pub d1: bool,
    /// Charge sequence signal 2 (charger's d2; the EV's g): the EV may close
    /// its contactors.
    pub d2: bool,
    /// Charge permission (the EV's k; the charger's j).
    pub k: bool,
}

impl Lines {
    /// What both sides see when the charger drives `ch` and the EV drives `ev`.
    #[must_use]
    pub const fn wire(plugged: bool, ch: ChargerLines, ev: EvLines) -> Self {
        Self {
            plugged,
            d1: plugged && ch.d1,
            d2: plugged && ch.d2,
            k: plugged && ev.k,
        }
    }
}

/// The lines the charger drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChargerLines {
    /// Charge sequence signal 1.
    pub d1: bool,
    /// Charge sequence signal 2.
    pub d2: bool,
    /// The connector lock's actuator (locked).
    pub lock: bool,
}

/// The line the EV drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvLines {
    /// Charge permission.
    pub k: bool,
}

/// Which side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The car.
    Ev,
    /// The station.
    Charger,
}

/// Why the compatibility check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Incompatibility {
    /// The EV's maximum battery voltage is above the charger's available voltage
    /// (seen by the charger; it sets the battery-incompatible flag).
    MaxVoltageAboveAvailable,
    /// The EV's target voltage is above the charger's available voltage (EV).
    TargetAboveAvailable,
    /// The charger's available current is below the EV's minimum (EV).
    CurrentBelowMinimum,
    /// The charger sent the battery-incompatible flag (EV).
    ChargerFlag,
}

/// Why a session stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// The EV asked for a normal stop (its BMS is done, or its user).
    EvNormal,
    /// The EV raised battery fault flags (0x102 byte 4).
    EvFault(EvFaults),
    /// The EV raised its charging-system fault flag.
    EvSystemFault,
    /// The EV's shift position left park.
    ShiftNotPark,
    /// The EV cleared charging enabled or k while charging.
    EvPermissionWithdrawn,
    /// The charger set stop control (its user, or its time limit).
    ChargerStop,
    /// The charger raised its station-malfunction flag.
    ChargerMalfunction,
    /// The charger raised its charging-system-malfunction flag.
    ChargerSystemMalfunction,
    /// The compatibility check failed.
    Incompatible(Incompatibility),
    /// The insulation test failed (charger).
    InsulationFailed,
    /// The output voltage went above the threshold voltage (charger).
    OutputOvervoltage,
    /// No frame from the other side within the CAN timeout.
    CanTimeout,
    /// A step of the sequence did not happen in its time.
    SequenceTimeout,
    /// d1 or d2 dropped while the EV needed them.
    LineDropped,
    /// The maximum charging time ran out (charger).
    MaxTimeReached,
    /// The connector was pulled.
    Unplugged,
}

/// What a side reports, in order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ChademoEvent {
    /// This side started sending its frames.
    CanStarted,
    /// The compatibility check passed.
    Compatible,
    /// The compatibility check failed.
    Incompatible(Incompatibility),
    /// EV: it enabled charging (k on, 0x102 bit); charger: it saw both.
    ChargingEnabled,
    /// The connector is locked (charger: it locked it; EV: the 0x109 flag).
    ConnectorLocked,
    /// The charger started its insulation test at this voltage.
    InsulationTestStarted {
        /// Test voltage, V.
        voltage_v: f64,
    },
    /// The insulation test passed.
    InsulationTestPassed,
    /// The charger set d2 (EV: it saw d2).
    ContactorsPermitted,
    /// The EV closed its contactors (charger: 0x102 says so).
    ContactorsClosed,
    /// Charging started (EV: first current request; charger: charging flag set).
    ChargingStarted,
    /// The session stops, and why.
    Stopping(StopReason),
    /// The current is below 5 A after a stop.
    CurrentBelowStop {
        /// The current then, A.
        current_a: f64,
    },
    /// The EV opened its contactors (charger: 0x102 says so).
    ContactorsOpened {
        /// The current when they opened, A.
        current_a: f64,
    },
    /// The EV's welding check passed (the inlet went dead).
    WeldingCheckPassed,
    /// The inlet stayed live after the contactors opened: a welded contactor.
    WeldingDetected {
        /// The inlet voltage at the end of the window, V.
        inlet_v: f64,
    },
    /// The charger unlocked the connector.
    ConnectorUnlocked,
    /// The output stayed live: the charger keeps the connector locked.
    UnlockRefused {
        /// Output voltage, V.
        output_v: f64,
    },
    /// No frame of this identifier within the CAN timeout.
    CanTimeout {
        /// The identifier awaited.
        id: u16,
    },
    /// The session is over; this side sends nothing more.
    SessionEnded,
    /// A frame with a CHAdeMO identifier that could not be decoded (counted).
    MalformedFrame {
        /// Its identifier.
        id: u32,
    },
}

/// Frames a side received that it did not take, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RxStats {
    /// Frames of the other side's identifiers taken.
    pub taken: u64,
    /// Frames with the other side's identifiers but the wrong length or kind.
    pub malformed: u64,
    /// Taken frames with a reserved bit set (ignored).
    pub reserved_set: u64,
    /// Frames with other identifiers (ignored).
    pub ignored: u64,
}
