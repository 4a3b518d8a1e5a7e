//! The CAN network around the twin: the signal mapping, the plan of who plays
//! which message, the sans-I/O network, and the I/O loop that bridges it to a bus.

pub mod bridge;
pub mod mapping;
pub mod network;
pub mod plan;
pub mod setup;

pub use bridge::{BridgeReport, BridgeSetup, Lateness, bridge};
pub use network::{NetEvent, NetStats, Network};
pub use plan::{Binding, Plan, PlannedMessage, Role};
pub use setup::{BUILTIN_DBC, BUILTIN_MAPPING, NetFile, NetLoadError, load_network};
