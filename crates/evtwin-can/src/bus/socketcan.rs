//! SocketCAN transport (Linux), classic or FD, driven by tokio.
//!
//! The socket is a `socketcan` 4 raw socket put in non-blocking mode and
//! registered with tokio's reactor (`tokio::io::unix::AsyncFd`; the same thing
//! `socketcan::tokio` does, done here so that the non-waiting
//! [`Transport::try_recv`] can also read the kernel timestamp). On open it
//! switches on every error class (`CAN_RAW_ERR_FILTER = CAN_ERR_MASK`) and
//! kernel receive timestamps (`SO_TIMESTAMPNS`: the time the frame reached the
//! socket layer, on the wall clock; hardware timestamps are not used).
//!
//! Sending retries ENOBUFS (a full device queue, which the kernel does not
//! report as EAGAIN) with a bounded exponential [`Backoff`]. Error frames
//! never come out as data: they are counted and turned into [`BusEvent`]s.

mod backoff;
mod state;

pub use backoff::{Backoff, is_tx_queue_full};
pub use state::{ControllerState, StateTracker, state_of};

use std::io;
use std::time::{SystemTime, UNIX_EPOCH};

use ::socketcan::{
    CanAnyFrame, CanDataFrame, CanFdFrame, CanFdSocket, CanSocket, CanTimestamps, EmbeddedFrame,
    ExtendedId, Id, Socket, SocketOptions, StandardId,
};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use super::{BusError, BusEvent, BusStats, LinkStatus, Transport};
use crate::frame::{CanId, Direction, Frame, Timestamped};

/// Most events kept between two `drain_events` calls; beyond it, error-frame
/// events are dropped (counted in [`SocketCanBus::events_dropped`]); state
/// changes are always kept.
const MAX_EVENTS: usize = 1024;

#[derive(Debug)]
enum Sock {
    Classic(AsyncFd<CanSocket>),
    Fd(AsyncFd<CanFdSocket>),
}

/// A SocketCAN interface (`can0`, `vcan0`).
#[derive(Debug)]
pub struct SocketCanBus {
    iface: String,
    sock: Sock,
    backoff: Backoff,
    stats: BusStats,
    tracker: StateTracker,
    events: Vec<BusEvent>,
    events_dropped: u64,
    rx_ignored: u64,
}

impl SocketCanBus {
    /// Opens `iface`: an FD socket (classic and FD frames) when `fd`, else a
    /// classic one. Must be called inside a tokio runtime with I/O enabled.
    pub fn open(iface: &str, fd: bool) -> Result<Self, BusError> {
        let open_err = |source: io::Error| BusError::Open {
            iface: iface.to_owned(),
            source,
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(open_err(io::Error::other(
                "SocketCanBus::open needs a tokio runtime",
            )));
        }
        let sock = if fd {
            let s = CanFdSocket::open(iface).map_err(open_err)?;
            configure(&s).map_err(open_err)?;
            Sock::Fd(register(s).map_err(open_err)?)
        } else {
            let s = CanSocket::open(iface).map_err(open_err)?;
            configure(&s).map_err(open_err)?;
            Sock::Classic(register(s).map_err(open_err)?)
        };
        let mut bus = Self {
            iface: iface.to_owned(),
            sock,
            backoff: Backoff::default(),
            stats: BusStats::default(),
            tracker: StateTracker::default(),
            events: Vec::new(),
            events_dropped: 0,
            rx_ignored: 0,
        };
        // Start from the state the kernel reports, where it reports one.
        let _ = bus.poll_link_state();
        Ok(bus)
    }

    /// Replaces the ENOBUFS retry policy.
    pub fn set_backoff(&mut self, backoff: Backoff) {
        self.backoff = backoff;
    }

    /// Whether the socket carries CAN FD frames.
    #[must_use]
    pub const fn is_fd(&self) -> bool {
        matches!(self.sock, Sock::Fd(_))
    }

    /// The controller state as last seen (error frames, link queries).
    #[must_use]
    pub const fn controller_state(&self) -> ControllerState {
        self.tracker.state()
    }

    /// Error-frame events dropped because nobody drained them.
    #[must_use]
    pub const fn events_dropped(&self) -> u64 {
        self.events_dropped
    }

    /// Received frames that are not data frames the crate models (remote
    /// frames, lengths `Frame` rejects), skipped.
    #[must_use]
    pub const fn rx_ignored(&self) -> u64 {
        self.rx_ignored
    }

    /// Asks the kernel (netlink `RTM_GETLINK`, no privileges needed) for the
    /// controller state and records any change, so a bus-off is noticed even if
    /// its error frame was lost. Returns the state, or `None` when the
    /// interface reports none (a `vcan` has no controller) or the query failed.
    /// One netlink round trip: call it at a low rate (≈1 Hz).
    pub fn poll_link_state(&mut self) -> Option<ControllerState> {
        self.query_link().map(|l| l.state)
    }

    fn query_link(&mut self) -> Option<LinkStatus> {
        use ::socketcan::nl::CanState;
        let iface = ::socketcan::CanInterface::open(&self.iface).ok()?;
        let params = iface.can_params().ok()?;
        let state = match params.state? {
            CanState::ErrorActive => ControllerState::ErrorActive,
            CanState::ErrorWarning => ControllerState::ErrorWarning,
            CanState::ErrorPassive => ControllerState::ErrorPassive,
            CanState::BusOff => ControllerState::BusOff,
            CanState::Stopped | CanState::Sleeping => return None,
        };
        self.tracker.set(state, &mut self.stats, &mut self.events);
        let (tx_errors, rx_errors) = params
            .berr_counter
            .map_or((None, None), |c| (Some(c.txerr), Some(c.rxerr)));
        Some(LinkStatus {
            state,
            tx_errors,
            rx_errors,
            bitrate: params.bit_timing.map(|t| t.bitrate).filter(|b| *b > 0),
        })
    }

    fn io_err(&self, source: io::Error) -> BusError {
        BusError::Io {
            iface: self.iface.clone(),
            source,
        }
    }

    /// One non-blocking write attempt (waits for socket-buffer room, not for
    /// the device queue).
    async fn write_once(&self, frame: &Frame) -> io::Result<()> {
        match &self.sock {
            Sock::Classic(s) => {
                let f = to_classic(frame)?;
                s.async_io(Interest::WRITABLE, |s| s.write_frame(&f)).await
            }
            Sock::Fd(s) => {
                let f = to_any(frame)?;
                s.async_io(Interest::WRITABLE, |s| s.write_frame(&f)).await
            }
        }
    }

    /// Handles one frame from the kernel: `Some` for data, `None` after
    /// recording an error frame or skipping a frame we do not model.
    fn accept(&mut self, raw: CanAnyFrame, ts: &CanTimestamps) -> Option<Timestamped> {
        let frame = match raw {
            CanAnyFrame::Error(e) => {
                let err = e.into_error();
                let before = self.events.len();
                self.tracker
                    .on_error_frame(&err, &mut self.stats, &mut self.events);
                if before >= MAX_EVENTS {
                    // Keep state changes, drop the error-frame text.
                    self.events.remove(before);
                    self.events_dropped += 1;
                }
                return None;
            }
            CanAnyFrame::Normal(d) => Frame::classic(to_can_id(d.id()), d.data()).ok(),
            CanAnyFrame::Fd(f) => Frame::fd(to_can_id(f.id()), f.data(), f.is_brs()).ok(),
            CanAnyFrame::Remote(_) => None,
        };
        let Some(frame) = frame else {
            self.rx_ignored += 1;
            return None;
        };
        self.stats.rx_frames += 1;
        let time = ts.socket.unwrap_or_else(SystemTime::now);
        Some(Timestamped {
            time_us: unix_us(time),
            dir: Direction::Rx,
            frame,
        })
    }

    /// One non-blocking read: `Ok(None)` when nothing is queued.
    fn read_nowait(&self) -> io::Result<Option<(CanAnyFrame, CanTimestamps)>> {
        let r = match &self.sock {
            Sock::Classic(s) => s
                .get_ref()
                .read_frame_with_timestamps()
                .map(|(f, t)| (f.into(), t)),
            Sock::Fd(s) => s.get_ref().read_frame_with_timestamps(),
        };
        match r {
            Ok(x) => Ok(Some(x)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn read_wait(&self) -> io::Result<(CanAnyFrame, CanTimestamps)> {
        match &self.sock {
            Sock::Classic(s) => s
                .async_io(Interest::READABLE, Socket::read_frame_with_timestamps)
                .await
                .map(|(f, t)| (f.into(), t)),
            Sock::Fd(s) => {
                s.async_io(Interest::READABLE, Socket::read_frame_with_timestamps)
                    .await
            }
        }
    }
}

/// Registers a socket with tokio's reactor.
///
/// tokio 1.54 deprecated the safe `AsyncFd` constructors in favour of `unsafe`
/// ones (an arbitrary `AsRawFd` may close or swap its descriptor behind the
/// reactor's back), and this workspace forbids `unsafe`. Our sockets own their
/// descriptor (a `socket2::Socket` inside) and never change it, which is the
/// contract the unsafe constructor asks for, so the safe one is sound here.
#[allow(deprecated)]
fn register<S: std::os::fd::AsRawFd>(s: S) -> io::Result<AsyncFd<S>> {
    AsyncFd::with_interest(s, Interest::READABLE | Interest::WRITABLE)
}

/// Receive buffer asked for, bytes. The kernel's default (`rmem_default`,
/// ~208 KiB: about 200 frames, each frame's buffer costing ~1 KiB) overflows
/// in a fraction of a second when a flood meets a busy reader: measured on an
/// emulated SJA1000, 772 of 1984 flood frames never reached the twin.
const RECV_BUFFER_BYTES: usize = 8 << 20;

fn configure<S: Socket + SocketOptions>(s: &S) -> io::Result<()> {
    s.set_nonblocking(true)?;
    s.set_error_filter_accept_all()?;
    s.set_recv_timestamp(true)?;
    // SO_RCVBUFFORCE passes `rmem_max` (root or CAP_NET_ADMIN); otherwise
    // SO_RCVBUF gets what `rmem_max` allows. Neither failing is fatal.
    let raw = s.as_raw_socket();
    if nix::sys::socket::setsockopt(
        raw,
        nix::sys::socket::sockopt::RcvBufForce,
        &RECV_BUFFER_BYTES,
    )
    .is_err()
    {
        let _ = raw.set_recv_buffer_size(RECV_BUFFER_BYTES);
    }
    Ok(())
}

impl Transport for SocketCanBus {
    fn name(&self) -> &str {
        &self.iface
    }

    async fn send(&mut self, frame: &Frame) -> Result<(), BusError> {
        let mut retry = 0;
        loop {
            match self.write_once(frame).await {
                Ok(()) => {
                    self.stats.tx_frames += 1;
                    return Ok(());
                }
                Err(e) if is_tx_queue_full(&e) => {
                    let Some(delay) = self.backoff.delay(retry) else {
                        self.stats.tx_dropped += 1;
                        return Err(BusError::TxQueueFull {
                            iface: self.iface.clone(),
                            retries: retry,
                        });
                    };
                    self.stats.tx_enobufs_retries += 1;
                    retry += 1;
                    tokio::time::sleep(delay).await;
                }
                Err(e) => return Err(self.io_err(e)),
            }
        }
    }

    fn try_recv(&mut self) -> Result<Option<Timestamped>, BusError> {
        loop {
            match self.read_nowait() {
                Ok(Some((raw, ts))) => {
                    if let Some(t) = self.accept(raw, &ts) {
                        return Ok(Some(t));
                    }
                }
                Ok(None) => return Ok(None),
                Err(e) => return Err(self.io_err(e)),
            }
        }
    }

    async fn recv_until(
        &mut self,
        deadline: tokio::time::Instant,
    ) -> Result<Option<Timestamped>, BusError> {
        loop {
            match tokio::time::timeout_at(deadline, self.read_wait()).await {
                Err(_elapsed) => return Ok(None),
                Ok(Ok((raw, ts))) => {
                    if let Some(t) = self.accept(raw, &ts) {
                        return Ok(Some(t));
                    }
                }
                Ok(Err(e)) => return Err(self.io_err(e)),
            }
        }
    }

    fn drain_events(&mut self) -> Vec<BusEvent> {
        std::mem::take(&mut self.events)
    }

    fn stats(&self) -> BusStats {
        self.stats
    }

    fn link_status(&mut self) -> Option<LinkStatus> {
        self.query_link()
    }
}

fn to_sc_id(id: CanId) -> io::Result<Id> {
    let bad = || io::Error::new(io::ErrorKind::InvalidInput, "CAN identifier out of range");
    Ok(match id {
        CanId::Standard(raw) => Id::Standard(StandardId::new(raw).ok_or_else(bad)?),
        CanId::Extended(raw) => Id::Extended(ExtendedId::new(raw).ok_or_else(bad)?),
    })
}

fn to_can_id(id: Id) -> CanId {
    match id {
        Id::Standard(s) => CanId::Standard(s.as_raw()),
        Id::Extended(e) => CanId::Extended(e.as_raw()),
    }
}

fn to_classic(frame: &Frame) -> io::Result<CanDataFrame> {
    if frame.is_fd() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a CAN FD frame on a classic socket (open the bus with fd = true)",
        ));
    }
    CanDataFrame::new(to_sc_id(frame.id())?, frame.data())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "bad classic frame"))
}

fn to_any(frame: &Frame) -> io::Result<CanAnyFrame> {
    if !frame.is_fd() {
        return to_classic(frame).map(CanAnyFrame::Normal);
    }
    let mut f = CanFdFrame::new(to_sc_id(frame.id())?, frame.data())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "bad CAN FD frame"))?;
    f.set_brs(frame.brs());
    Ok(CanAnyFrame::Fd(f))
}

/// Microseconds since the Unix epoch (0 before it).
fn unix_us(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn frames_convert_both_ways() {
        let f = Frame::classic(CanId::Extended(0x1812_F456), &[1, 2, 3]).unwrap();
        let c = to_classic(&f).unwrap();
        assert_eq!(to_can_id(c.id()), CanId::Extended(0x1812_F456));
        assert_eq!(c.data(), &[1, 2, 3]);
        let fd = Frame::fd(CanId::Standard(0x123), &[7; 12], true).unwrap();
        assert!(to_classic(&fd).is_err());
        let CanAnyFrame::Fd(a) = to_any(&fd).unwrap() else {
            panic!("not FD");
        };
        assert!(a.is_brs());
        assert_eq!(a.data(), &[7; 12]);
        assert_eq!(to_can_id(a.id()), CanId::Standard(0x123));
        assert!(to_sc_id(CanId::Standard(0x800)).is_err());
    }

    #[test]
    fn unix_time_in_us() {
        let t = UNIX_EPOCH + std::time::Duration::from_micros(1_700_000_000_123_456);
        assert_eq!(unix_us(t), 1_700_000_000_123_456);
        assert_eq!(unix_us(UNIX_EPOCH - std::time::Duration::from_secs(1)), 0);
    }
}
