//! What the network core gives out and counts: input changes for the plant,
//! decoded signals (observe mode), events for the log, counters for the report;
//! and where the values it encodes come from ([`Values`]).

use evtwin_sim::{Input, Signal, Twin};

use super::plan::Binding;

/// Where the values of simulated signals come from when frames are encoded.
pub trait Values {
    /// The present value of `signal` (NaN: none, the DBC start value is sent).
    fn value(&self, signal: Signal) -> f64;
}

impl Values for Twin {
    fn value(&self, signal: Signal) -> f64 {
        self.read(signal)
    }
}

/// What the network asks of the plant: a real node's value, or the BMS's view
/// of the bus.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InputChange {
    /// Set `input` to `value` (decoded from a real node's frame).
    Set {
        /// The input.
        input: Input,
        /// Its value, in the input's unit.
        value: f64,
    },
    /// A message the BMS listens to timed out (true), or every timed-out
    /// message is back (false).
    CommLost(bool),
}

/// One DBC signal decoded from a frame, in observe mode ([`Network::observe`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decoded {
    /// Index of the message in the DBC.
    pub message: usize,
    /// Index of the signal in its message.
    pub signal: usize,
    /// The physical value in the DBC's unit.
    pub dbc_value: f64,
    /// The value in the twin's unit: (DBC value − add) / scale.
    pub value: f64,
    /// What the mapping binds it to.
    pub binding: Binding,
}

/// Counters of what crossed the bus, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct NetStats {
    /// Frames the twin sent.
    pub tx_frames: u64,
    /// Frames received.
    pub rx_frames: u64,
    /// Received frames of real nodes, decoded and used.
    pub rx_used: u64,
    /// Received frames a charging protocol took (GB/T, CHAdeMO: the other
    /// side's, not decoded with the DBC).
    pub rx_protocol: u64,
    /// Received frames whose identifier is not in the DBC.
    pub unknown_id: u64,
    /// Received frames with the wrong length for their message.
    pub wrong_length: u64,
    /// Received frames whose E2E CRC is wrong.
    pub bad_crc: u64,
    /// Received frames whose E2E counter jumped or repeated.
    pub bad_counter: u64,
    /// Received frames of a message the twin itself sends (another sender?).
    pub unexpected: u64,
    /// Received frames of messages nobody plays (logged, not used).
    pub unplayed: u64,
    /// Consumed messages that went silent past their timeout.
    pub timeouts: u64,
    /// Decoded values a real node sent that its input does not take (a
    /// discrete input's unknown state, an infinite value): not used.
    pub implausible: u64,
    /// Signal values clamped to their DBC range when encoding.
    pub clamped: u64,
    /// Frames of real nodes with a decoded value outside its DBC range: not
    /// used, an error for the message's state machine.
    pub out_of_range: u64,
    /// Times a consumed message's E2E state machine went INVALID (too many
    /// bad frames in its window): a communication fault like silence.
    pub invalid: u64,
    /// Frames that passed their checks but were not used because their
    /// message was INVALID.
    pub while_invalid: u64,
}

impl NetStats {
    /// Frames that failed their E2E check (CRC or counter).
    #[must_use]
    pub fn bad_e2e(&self) -> u64 {
        self.bad_crc + self.bad_counter
    }

    /// Received frames not used, whatever the reason.
    #[must_use]
    pub fn rejected(&self) -> u64 {
        self.rx_frames - self.rx_used
    }
}

/// Something worth a line in the bridge's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEvent {
    /// A consumed message stopped arriving.
    Timeout {
        /// Message name.
        message: String,
        /// When it was noticed, µs.
        at_us: u64,
        /// The BMS listens to it: the communication fault was raised.
        faulted: bool,
    },
    /// A consumed message has not arrived once in its timeout since the start:
    /// no fault (an ECU may start later than the twin), the twin's own logic
    /// stands in for it until it does.
    Missing {
        /// Message name.
        message: String,
        /// When it was noticed, µs.
        at_us: u64,
    },
    /// A timed-out message arrives again.
    Resumed {
        /// Message name.
        message: String,
        /// When, µs.
        at_us: u64,
    },
    /// Too many of a consumed message's recent frames failed their checks
    /// (CRC, length, range): the E2E state machine is INVALID.
    Invalid {
        /// Message name.
        message: String,
        /// When, µs.
        at_us: u64,
        /// The BMS listens to it: the communication fault was raised.
        faulted: bool,
    },
    /// An INVALID message is VALID again.
    Valid {
        /// Message name.
        message: String,
        /// When, µs.
        at_us: u64,
    },
    /// Frames rejected in the last window of virtual time beyond those
    /// described one by one ([`super::limit`]): counted, summed up here.
    Suppressed {
        /// Why they were rejected.
        why: &'static str,
        /// Their identifier (`None`: many identifiers together).
        id: Option<evtwin_can::CanId>,
        /// How many.
        count: u64,
        /// When the window ended, µs.
        at_us: u64,
    },
    /// A received frame was not used.
    Rejected {
        /// Why, e.g. `unknown id`, `wrong length`, `bad CRC`.
        why: &'static str,
        /// The frame, candump style.
        frame: String,
        /// When, µs.
        at_us: u64,
    },
}
