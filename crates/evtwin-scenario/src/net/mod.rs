//! The CAN network around the twin: the signal mapping, the plan of who plays
//! which message, the sans-I/O network, and the I/O loop that bridges it to a bus;
//! and, without a twin, a monitor that decodes what a bus says (fed by a listener).

#[cfg(feature = "io")]
pub mod bridge;
pub mod fault_kinds;
pub mod faults;
pub mod limit;
#[cfg(feature = "io")]
pub mod link;
#[cfg(feature = "io")]
pub mod listen;
pub mod mapping;
pub mod monitor;
pub mod network;
pub mod outputs;
pub mod plan;
pub mod setup;

#[cfg(feature = "io")]
pub use bridge::{BridgeReport, BridgeSetup, Lateness, bridge};
pub use faults::{BusFault, BusFaults, ControllerEvent, Disturb, FaultId, FaultStats, Then};
#[cfg(feature = "io")]
pub use link::LinkReport;
#[cfg(feature = "io")]
pub use listen::{ListenError, ListenReport, ListenSource, spawn_listener};
pub use monitor::Monitor;
pub use network::Network;
pub use outputs::{Decoded, InputChange, NetEvent, NetStats, Values};
pub use plan::{Binding, Plan, PlannedMessage, Role};
pub use setup::{BUILTIN_DBC, BUILTIN_MAPPING, NetFile, NetLoadError, load_network};
