//! evtwin's CAN side, with no knowledge of the simulation: DBC loading and a
//! runtime signal codec, AUTOSAR E2E protection, transports behind one trait
//! (SocketCAN through tokio, an in-process bus), the periodic schedule, and
//! candump / Vector ASC logs.

#[cfg(feature = "io")]
pub mod bus;
pub mod busoff;
pub mod chademo;
pub mod dbc;
pub mod e2e;
pub mod file;
pub mod frame;
#[doc(hidden)]
pub mod fuzzing;
pub mod gbt;
pub mod j1939;
pub mod log;
pub mod schedule;

pub use frame::{CanId, Direction, Frame, FrameError, Timestamped};
