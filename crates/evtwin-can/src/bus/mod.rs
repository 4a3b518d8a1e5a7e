//! Transports behind one trait: SocketCAN (classic and FD, through tokio) and an
//! in-process bus (tests and the default headless run).

pub mod inproc;
pub mod socketcan;

pub use inproc::{InProcBus, InProcEndpoint};
pub use socketcan::SocketCanBus;

use crate::frame::{Frame, Timestamped};

/// What went wrong on a bus.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The interface could not be opened or configured.
    #[error("cannot open {iface}: {source}")]
    Open {
        /// Interface name.
        iface: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The kernel's transmit queue stayed full (ENOBUFS) through every retry.
    #[error("transmit queue full on {iface} after {retries} retries")]
    TxQueueFull {
        /// Interface name.
        iface: String,
        /// Retries made.
        retries: u32,
    },
    /// Any other I/O error.
    #[error("{iface}: {source}")]
    Io {
        /// Interface name.
        iface: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A change of the controller's state or an error frame, as the bus reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusEvent {
    /// An error frame arrived (its class, as the kernel names it).
    ErrorFrame(String),
    /// The controller went error-passive.
    ErrorPassive,
    /// The controller went bus-off.
    BusOff,
    /// The controller is back to error-active (restarted or recovered).
    Recovered,
}

/// Counters a transport keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BusStats {
    /// Frames sent.
    pub tx_frames: u64,
    /// Frames received.
    pub rx_frames: u64,
    /// Sends retried because the kernel answered ENOBUFS.
    pub tx_enobufs_retries: u64,
    /// Frames given up on (queue full through every retry).
    pub tx_dropped: u64,
    /// Error frames received.
    pub error_frames: u64,
    /// Times the controller went error-passive.
    pub error_passive: u64,
    /// Times the controller went bus-off.
    pub bus_off: u64,
}

/// A controller's state and error counters as the kernel reports them
/// (netlink), for interfaces that have a controller (not `vcan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkStatus {
    /// Fault-confinement state.
    pub state: socketcan::ControllerState,
    /// Transmit error counter, if the driver reports it.
    pub tx_errors: Option<u16>,
    /// Receive error counter, if the driver reports it.
    pub rx_errors: Option<u16>,
    /// Nominal bitrate, bit/s.
    pub bitrate: Option<u32>,
}

/// A CAN transport. Used from a tokio current-thread runtime.
#[allow(async_fn_in_trait)] // used on one thread; no `Send` bound needed
pub trait Transport {
    /// The interface name (`vcan0`, `inproc`).
    fn name(&self) -> &str;

    /// Sends a frame. ENOBUFS is retried with bounded back-off before giving up.
    async fn send(&mut self, frame: &Frame) -> Result<(), BusError>;

    /// A frame that has already arrived, if any (does not wait).
    fn try_recv(&mut self) -> Result<Option<Timestamped>, BusError>;

    /// Waits for a frame until `deadline`; `None` when the deadline passed first.
    async fn recv_until(
        &mut self,
        deadline: tokio::time::Instant,
    ) -> Result<Option<Timestamped>, BusError>;

    /// Error frames and controller state changes since the last call.
    fn drain_events(&mut self) -> Vec<BusEvent>;

    /// Counters so far.
    fn stats(&self) -> BusStats;

    /// The controller's state and error counters, asked of the kernel (one
    /// round trip: call it at about 1 Hz); `None` where there is no controller.
    fn link_status(&mut self) -> Option<LinkStatus> {
        None
    }
}
