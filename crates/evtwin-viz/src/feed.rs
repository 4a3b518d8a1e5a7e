//! The data source behind the viewer, on its own thread: either a twin stepped
//! in virtual time paced to the wall clock (× speed), or a bus monitor (attach
//! mode). The render side only ever sees the latest [`Published`] frame.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use evtwin_sim::Injection;

use crate::model::{History, Snapshot};

/// What the controls ask of the source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    /// Pause or resume.
    TogglePause,
    /// While paused: advance one second of virtual time.
    Step,
    /// Real-time factor.
    Speed(f64),
    /// Run as fast as possible to the next charge stop, then carry on.
    NextStop,
    /// Run as fast as possible to this virtual time, then pause.
    RunTo(f64),
    /// Inject a fault into the plant or its sensors.
    Inject(Injection),
    /// Remove every injection.
    ClearInjections,
}

/// How the source is running.
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(clippy::struct_excessive_bools)] // independent flags shown in the HUD
pub struct SourceStatus {
    /// Paused by the user (or after `RunTo`).
    pub paused: bool,
    /// Real-time factor.
    pub speed: f64,
    /// Running flat out (a jump).
    pub seeking: bool,
    /// The route is complete, or a fault stopped the run.
    pub finished: Option<String>,
    /// The wall clock outran the simulation (the speed is not reached).
    pub behind: bool,
    /// Attach mode: the data comes from a bus, live (no time control).
    pub live: bool,
    /// Attach mode: frames decoded so far.
    pub frames: u64,
    /// Attach mode: frames rejected (unknown, wrong length, bad E2E).
    pub rejected: u64,
}

/// One published frame.
#[derive(Debug, Clone)]
pub struct Published {
    /// Counts up with every publication.
    pub seq: u64,
    /// The twin's state.
    pub snapshot: Snapshot,
    /// The plots (shared: republished only when they change).
    pub history: Arc<History>,
    /// Recent events, newest last.
    pub events: Arc<Vec<String>>,
    /// Source status.
    pub status: SourceStatus,
}

/// The latest frame, shared between the source thread and the renderer.
pub type Slot = Arc<Mutex<Option<Arc<Published>>>>;

/// The running source.
pub struct Feed {
    commands: Sender<Command>,
    slot: Slot,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Feed {
    /// Starts `body` on a thread named `name`; it receives commands, publishes
    /// into the slot and returns when the stop flag rises.
    pub(crate) fn spawn(
        name: &str,
        body: impl FnOnce(Receiver<Command>, Slot, Arc<AtomicBool>) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (tx, rx) = channel();
        let slot: Slot = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (s2, st2) = (Arc::clone(&slot), Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || body(rx, s2, st2))?;
        Ok(Self {
            commands: tx,
            slot,
            stop,
            thread: Some(thread),
        })
    }

    /// Sends a command (ignored once the source has ended).
    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    /// The latest frame, if any.
    #[must_use]
    pub fn latest(&self) -> Option<Arc<Published>> {
        self.slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Publishes into a slot.
pub(crate) fn publish(slot: &Slot, frame: Published) {
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(frame));
}

/// Publication interval of the sources (the renderer interpolates between).
pub(crate) const PUBLISH_EVERY: Duration = Duration::from_millis(16);
