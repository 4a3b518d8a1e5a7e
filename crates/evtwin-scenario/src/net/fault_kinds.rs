//! The bus faults the network core can play and what it reports of them
//! (see [`super::faults`]).

use evtwin_can::busoff::Transition;

/// How an E2E field (counter or CRC) is disturbed (CANoe's modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disturb {
    /// Always this value.
    Value(u8),
    /// The value of the first disturbed frame, repeated.
    Freeze,
    /// A random value (for a CRC: a random wrong one).
    Random,
    /// The right value plus this offset (modulo the field's range).
    Offset(u8),
}

/// What an E2E counter does once its disturbance ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// Count on from the last value sent (the receiver sees one jump, at the
    /// start of the disturbance).
    Continue,
    /// Go back to the sequence the sender kept underneath (the receiver sees
    /// a jump at both ends).
    Resync,
}

/// A fault on the bus, by message index in the plan (and signal index in
/// its DBC message) or by node name.
#[derive(Debug, Clone, PartialEq)]
pub enum BusFault {
    /// The message's frames are lost (their E2E counters still advance).
    Drop {
        /// Message.
        message: usize,
    },
    /// The message's frames come out `delay_us` late.
    Delay {
        /// Message.
        message: usize,
        /// Delay, µs.
        delay_us: u64,
    },
    /// The node sends nothing (its counters stand still).
    StopNode {
        /// Node.
        node: String,
    },
    /// A signal is sent with this value (DBC units) instead of the twin's.
    Override {
        /// Message.
        message: usize,
        /// Signal index in the DBC message.
        signal: usize,
        /// Value, DBC units.
        value: f64,
    },
    /// The E2E counter is disturbed (the CRC computed over it, so only the
    /// sequence is wrong).
    E2eCounter {
        /// Message.
        message: usize,
        /// How.
        mode: Disturb,
        /// For this many frames (None: until cleared).
        frames: Option<u32>,
        /// Afterwards.
        then: Then,
    },
    /// The E2E CRC is disturbed.
    E2eCrc {
        /// Message.
        message: usize,
        /// How.
        mode: Disturb,
        /// For this many frames (None: until cleared).
        frames: Option<u32>,
    },
    /// Every transmission of the node fails (an error frame destroys it): its
    /// controller counts up to error-passive and bus-off, then recovers.
    BusOff {
        /// Node.
        node: String,
    },
}

/// A handle to an injected bus fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FaultId(u64);

impl FaultId {
    pub(super) fn new(n: u64) -> Self {
        Self(n)
    }
}

/// A node's controller changed state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerEvent {
    /// Virtual time, µs.
    pub at_us: u64,
    /// The node.
    pub node: String,
    /// What happened, with the TEC.
    pub transition: Transition,
}

/// Counts of what the faults did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// Frames dropped.
    pub dropped: u64,
    /// Frames delayed.
    pub delayed: u64,
    /// Frames not sent by a stopped or bus-off node.
    pub silenced: u64,
    /// Frames with an overridden signal.
    pub overridden: u64,
    /// Frames with a disturbed E2E counter or CRC.
    pub e2e_disturbed: u64,
    /// Transmissions destroyed by bus errors.
    pub tx_errors: u64,
    /// Times a node went bus-off.
    pub bus_offs: u64,
}
