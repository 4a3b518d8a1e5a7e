//! The CAN network around the twin: the signal mapping, the plan of who plays
//! which message, the sans-I/O network, and the I/O loop that bridges it to a bus;
//! and, without a twin, a monitor that decodes what a bus says (fed by a listener).

pub mod bridge;
pub mod listen;
pub mod mapping;
pub mod monitor;
pub mod network;
pub mod plan;
pub mod setup;

pub use bridge::{BridgeReport, BridgeSetup, Lateness, bridge};
pub use listen::{ListenError, ListenReport, ListenSource, spawn_listener};
pub use monitor::{Monitor, MonitorStats};
pub use network::{NetEvent, NetStats, Network};
pub use plan::{Binding, Plan, PlannedMessage, Role};
pub use setup::{BUILTIN_DBC, BUILTIN_MAPPING, NetFile, NetLoadError, load_network};
