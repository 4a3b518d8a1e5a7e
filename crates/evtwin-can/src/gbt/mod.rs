//! GB/T 27930-2015, the DC charging conversation of China's charging standard,
//! both sides, sans-I/O: [`GbtVehicle`] (the BMS) and [`GbtCharger`] take
//! frames and time in and give frames and [`GbtEvent`]s out, with the shape of
//! [`crate::j1939::Transport`] (`handle_frame`, `handle_timeout`,
//! `poll_transmit`, `poll_event`, `poll_timeout`). Messages over 8 bytes (BRM,
//! BCP, BCS, BMV, BMT) go over the J1939-21 transport (RTS/CTS).
//!
//! The plant's values go in through a setter each step
//! ([`GbtVehicle::set_status`], [`GbtCharger::set_status`]); what the other side
//! asks for comes out as getters and events.

mod charger;
mod link;
pub mod msg;
pub mod stop;
mod time;
mod vehicle;

pub use charger::{ChargerStatus, GbtCharger, StationParams};
pub use msg::{Bcl, Bcp, Bcs, Brm, Bsd, Ccs, Cml, Crm, Csd, Mode};
pub use stop::{ChargerFault, ChargerStop, GbtTimeout, VehicleFault, VehicleStop};
pub use vehicle::{GbtVehicle, VehicleParams, VehicleStatus};

/// The charger's address.
pub const CHARGER_ADDR: u8 = 0x56;
/// The BMS's address.
pub const BMS_ADDR: u8 = 0xF4;
/// The protocol version both sides announce (CHM, BRM): 1.1.
pub const VERSION: [u8; 3] = [0x01, 0x01, 0x00];

/// CHM: charger handshake.
pub const PGN_CHM: u32 = 0x2600;
/// BHM: vehicle handshake.
pub const PGN_BHM: u32 = 0x2700;
/// CRM: charger recognition.
pub const PGN_CRM: u32 = 0x0100;
/// BRM: vehicle identification (TP).
pub const PGN_BRM: u32 = 0x0200;
/// BCP: charging parameters (TP).
pub const PGN_BCP: u32 = 0x0600;
/// CTS: time sync.
pub const PGN_CTS: u32 = 0x0700;
/// CML: charger limits.
pub const PGN_CML: u32 = 0x0800;
/// BRO: BMS ready.
pub const PGN_BRO: u32 = 0x0900;
/// CRO: charger ready.
pub const PGN_CRO: u32 = 0x0A00;
/// BCL: charging demand.
pub const PGN_BCL: u32 = 0x1000;
/// BCS: charging status (TP).
pub const PGN_BCS: u32 = 0x1100;
/// CCS: charger status.
pub const PGN_CCS: u32 = 0x1200;
/// BSM: battery status.
pub const PGN_BSM: u32 = 0x1300;
/// BMV: cell voltages (TP).
pub const PGN_BMV: u32 = 0x1500;
/// BMT: temperatures (TP).
pub const PGN_BMT: u32 = 0x1600;
/// BST: BMS stop.
pub const PGN_BST: u32 = 0x1900;
/// CST: charger stop.
pub const PGN_CST: u32 = 0x1A00;
/// BSD: BMS statistics.
pub const PGN_BSD: u32 = 0x1C00;
/// CSD: charger statistics.
pub const PGN_CSD: u32 = 0x1D00;
/// BEM: BMS error.
pub const PGN_BEM: u32 = 0x1E00;
/// CEM: charger error.
pub const PGN_CEM: u32 = 0x1F00;

/// The priority GB/T gives a message.
#[must_use]
pub const fn priority(pgn: u32) -> u8 {
    match pgn {
        PGN_BEM | PGN_CEM => 2,
        PGN_BRO | PGN_CRO | PGN_BST | PGN_CST => 4,
        PGN_BRM | PGN_BCP | PGN_BCS | PGN_BMV | PGN_BMT | 0x1700 => 7,
        _ => 6,
    }
}

/// A message's short name (for logs and events).
#[must_use]
pub const fn name(pgn: u32) -> &'static str {
    match pgn {
        PGN_CHM => "CHM",
        PGN_BHM => "BHM",
        PGN_CRM => "CRM",
        PGN_BRM => "BRM",
        PGN_BCP => "BCP",
        PGN_CTS => "CTS",
        PGN_CML => "CML",
        PGN_BRO => "BRO",
        PGN_CRO => "CRO",
        PGN_BCL => "BCL",
        PGN_BCS => "BCS",
        PGN_CCS => "CCS",
        PGN_BSM => "BSM",
        PGN_BMV => "BMV",
        PGN_BMT => "BMT",
        PGN_BST => "BST",
        PGN_CST => "CST",
        PGN_BSD => "BSD",
        PGN_CSD => "CSD",
        PGN_BEM => "BEM",
        PGN_CEM => "CEM",
        _ => "?",
    }
}

/// Timeout for most messages (5 s).
pub const TIMEOUT_US: u64 = 5_000_000;
/// Timeout for BCL and CCS during charging (1 s).
pub const TIMEOUT_FAST_US: u64 = 1_000_000;
/// Timeout for BRO / CRO 0xAA after the first 0x00 (60 s).
pub const TIMEOUT_READY_US: u64 = 60_000_000;
/// Timeout for the statistics (BSD, CSD: 10 s).
pub const TIMEOUT_STATS_US: u64 = 10_000_000;
/// Reconnect attempts after a communication error before giving up.
pub const MAX_RECONNECTS: u8 = 3;
/// How long the charger stays in its error state (sending CEM, output off)
/// before it starts the recognition again (our choice; the standard leaves it open).
pub const RESTART_DELAY_US: u64 = 1_000_000;
/// How long the charger keeps sending CSD after the first one (our choice).
pub const CSD_LINGER_US: u64 = 1_000_000;

/// Where a side's conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Not started (the vehicle waits for CHM).
    Idle,
    /// CHM ↔ BHM.
    Handshake,
    /// CRM 0x00 → BRM → CRM 0xAA.
    Recognition,
    /// BCP → CTS/CML → BRO → CRO.
    Parameters,
    /// BCL/BCS ↔ CCS.
    Charging,
    /// BST / CST.
    Stopping,
    /// BSD ↔ CSD.
    Statistics,
    /// The session ended normally.
    Done,
    /// A communication error: BEM / CEM, waiting to reconnect.
    Error,
    /// Three reconnects failed; nothing more is sent.
    GaveUp,
}

/// What a side tells its user.
#[derive(Debug, Clone, PartialEq)]
pub enum GbtEvent {
    /// The phase changed.
    Phase(Phase),
    /// (charger) The vehicle's highest charging voltage (BHM).
    VehicleMaxV(f64),
    /// (charger) The vehicle identified itself (BRM).
    Identified(Brm),
    /// (charger) The battery's charging parameters (BCP).
    Parameters(Bcp),
    /// (vehicle) The charger's offer (CML).
    Offer(Cml),
    /// (charger) The vehicle's demand changed (BCL).
    Demand(Bcl),
    /// The vehicle stopped the charge (its BST), or answered the charger's.
    StoppedByVehicle(VehicleStop),
    /// The charger stopped the charge (its CST), or answered the vehicle's.
    StoppedByCharger(ChargerStop),
    /// (charger) The vehicle's statistics (BSD).
    VehicleStatistics(Bsd),
    /// (vehicle) The charger's statistics (CSD).
    ChargerStatistics(Csd),
    /// This side timed out and sends BEM / CEM with these codes.
    ErrorSent(Vec<GbtTimeout>),
    /// The other side's BEM / CEM with these codes.
    ErrorReceived(Vec<GbtTimeout>),
    /// A reconnect attempt starts (1..=3).
    Reconnecting(u8),
    /// A message over the transport protocol was aborted.
    TransportAborted {
        /// Its PGN.
        pgn: u32,
        /// Why.
        reason: crate::j1939::AbortReason,
    },
    /// A frame from the other side that could not be decoded (counted, ignored).
    Malformed(GbtError),
}

/// A payload that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GbtError {
    /// Too short.
    #[error("{name} has {len} bytes, needs {need}", name = name(*pgn))]
    Length {
        /// The message.
        pgn: u32,
        /// Its length.
        len: usize,
        /// The length it needs.
        need: usize,
    },
    /// A byte outside its defined values.
    #[error("{name} byte {byte} is {value:#04X}, not a defined value", name = name(*pgn))]
    Value {
        /// The message.
        pgn: u32,
        /// Which byte (0-based).
        byte: usize,
        /// Its value.
        value: u8,
    },
    /// A stop message naming no reason.
    #[error("{name} names no reason", name = name(*pgn))]
    NoReason {
        /// The message.
        pgn: u32,
    },
}
