//! Feeding a [`Monitor`] from a CAN interface or a log, on a thread of its own:
//! the thin I/O around the sans-I/O monitor. The caller shares the monitor
//! (reads it while frames arrive) and stops the thread with a flag.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use evtwin_can::Frame;
use evtwin_can::bus::{BusError, BusStats, SocketCanBus, Transport};
use evtwin_can::log::{LogError, Skipped, read_detailed};
use evtwin_can::schedule::Pacer;

use super::monitor::Monitor;

/// How often the stop flag is looked at while nothing arrives.
const POLL: Duration = Duration::from_millis(100);

/// Where frames come from.
#[derive(Debug, Clone, PartialEq)]
pub enum ListenSource {
    /// A SocketCAN interface (`vcan0`, `can0`), opened for classic and FD
    /// frames; listened to until stopped.
    Interface(String),
    /// A candump (`.log`) or Vector ASC (`.asc`) log, replayed once.
    Log {
        /// The file; its extension gives the format.
        path: PathBuf,
        /// Replay speed: 1 as recorded, N times faster; 0, below 0, NaN or
        /// infinite: as fast as possible.
        speed: f64,
    },
}

/// What a listener did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenReport {
    /// Frames fed to the monitor.
    pub frames: u64,
    /// The interface's counters (`None` for a log).
    pub bus: Option<BusStats>,
    /// Log lines that held no usable frame (`None` for an interface).
    pub skipped: Option<Skipped>,
    /// The stop flag ended it (a log replay may also end at its last frame).
    pub stopped: bool,
}

/// Why a listener could not start or went on no longer.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// The async runtime the socket needs could not be started.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The interface could not be opened (`cannot open vcan0: …`) or read.
    #[error("{0}")]
    Bus(#[from] BusError),
    /// The log could not be read or parsed (`file:line:col: …`).
    #[error("{0}")]
    Log(#[from] LogError),
}

/// Starts a thread that feeds `monitor` from `source` until `stop` is set (an
/// interface) or the log ends. Frame times given to the monitor are µs since
/// the first frame (kernel receive timestamps on an interface, the log's
/// times for a log). Errs only when the thread cannot be spawned; opening and
/// reading errors come out of the join handle.
pub fn spawn_listener(
    source: ListenSource,
    monitor: Arc<Mutex<Monitor>>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<Result<ListenReport, ListenError>>> {
    std::thread::Builder::new()
        .name("evtwin-listen".into())
        .spawn(move || match source {
            ListenSource::Interface(iface) => listen_interface(&iface, &monitor, &stop),
            ListenSource::Log { path, speed } => replay_log(&path, speed, &monitor, &stop),
        })
}

/// The monitor, even if a thread panicked while holding it (its values stay
/// valid: every update is a plain store).
fn lock(monitor: &Mutex<Monitor>) -> MutexGuard<'_, Monitor> {
    monitor.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Times relative to the first one seen.
#[derive(Default)]
struct Clock {
    first_us: Option<u64>,
}

impl Clock {
    fn since_first(&mut self, t_us: u64) -> u64 {
        t_us.saturating_sub(*self.first_us.get_or_insert(t_us))
    }
}

fn feed(monitor: &Mutex<Monitor>, clock: &mut Clock, frame: &Frame, t_us: u64) {
    let now_us = clock.since_first(t_us);
    lock(monitor).handle_frame(frame, now_us);
}

fn listen_interface(
    iface: &str,
    monitor: &Mutex<Monitor>,
    stop: &AtomicBool,
) -> Result<ListenReport, ListenError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ListenError::Runtime)?;
    rt.block_on(async {
        // An FD socket takes classic frames too: every frame on the bus is seen.
        let mut bus = SocketCanBus::open(iface, true)?;
        let mut report = ListenReport::default();
        let mut clock = Clock::default();
        while !stop.load(Ordering::Relaxed) {
            let deadline = tokio::time::Instant::now() + POLL;
            if let Some(rec) = bus.recv_until(deadline).await? {
                feed(monitor, &mut clock, &rec.frame, rec.time_us);
                report.frames += 1;
            }
            // Controller events are counted in the stats; the list is not needed.
            bus.drain_events();
        }
        report.bus = Some(bus.stats());
        report.stopped = true;
        Ok(report)
    })
}

fn replay_log(
    path: &std::path::Path,
    speed: f64,
    monitor: &Mutex<Monitor>,
    stop: &AtomicBool,
) -> Result<ListenReport, ListenError> {
    let log = read_detailed(path)?;
    let pacer = Pacer::new(Some(speed));
    let mut clock = Clock::default();
    let mut report = ListenReport {
        skipped: Some(log.skipped),
        ..ListenReport::default()
    };
    for rec in &log.records {
        let t_us = rec.rec.time_us;
        // At speed 0, below 0 or NaN the pacer is in virtual time: no waiting.
        let due_us = clock.since_first(t_us);
        if pacer.wait_blocking(due_us, stop, POLL).is_none() {
            report.stopped = true;
            return Ok(report);
        }
        feed(monitor, &mut clock, &rec.rec.frame, t_us);
        report.frames += 1;
    }
    Ok(report)
}
