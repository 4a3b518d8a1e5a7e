//! SIGINT (Ctrl-C), SIGTERM (CI runners, `timeout`) and SIGHUP (a closed
//! terminal) all stop a run the same way: after the current step, with the
//! trace, logs, summary and report written. The exit code names the signal:
//! 128 + its number (130, 143, 129).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use tokio::signal::unix::{SignalKind, signal};

/// The stop flag a run polls, and the first signal that set it.
#[derive(Clone)]
pub(crate) struct Interrupt {
    /// Set by the first signal.
    pub(crate) stop: Arc<AtomicBool>,
    signal: Arc<AtomicI32>,
}

impl Interrupt {
    /// Installs the handlers (on a thread of their own, safe code only) and
    /// returns once they are in place. If they cannot be installed, the
    /// signals keep their default action (the run is lost, nothing else).
    pub(crate) fn install() -> Self {
        let me = Self {
            stop: Arc::new(AtomicBool::new(false)),
            signal: Arc::new(AtomicI32::new(0)),
        };
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let handler = me.clone();
        let spawned = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || handler.listen(&ready_tx));
        if spawned.is_ok() {
            // An error here means the thread gave up: defaults stand.
            let _ = ready_rx.recv();
        }
        me
    }

    fn listen(&self, ready: &std::sync::mpsc::Sender<()>) {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            tracing::debug!("no signal handlers: the runtime did not start");
            return;
        };
        rt.block_on(async {
            let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
                signal(SignalKind::hangup()),
            ) else {
                tracing::debug!("no signal handlers: registration failed");
                return;
            };
            let _ = ready.send(());
            loop {
                let number = tokio::select! {
                    _ = int.recv() => 2,
                    _ = term.recv() => 15,
                    _ = hup.recv() => 1,
                };
                // The first signal decides the exit code; later ones change nothing.
                let _ = self
                    .signal
                    .compare_exchange(0, number, Ordering::SeqCst, Ordering::SeqCst);
                self.stop.store(true, Ordering::SeqCst);
            }
        });
    }

    /// The exit code of a run stopped by a signal: 128 + the signal's number
    /// (130 if none is known).
    pub(crate) fn exit_code(&self) -> u8 {
        match self.signal.load(Ordering::SeqCst) {
            n @ 1..=64 => 128 + u8::try_from(n).unwrap_or(2),
            _ => 130,
        }
    }
}
