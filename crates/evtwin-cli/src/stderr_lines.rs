//! The events' stderr, off the run's timing path: each event's line goes
//! through a bounded queue to a thread that writes it, so a slow stderr (a
//! pipe, a CI log collector) never delays a step or a frame. If stderr falls
//! so far behind that the queue fills, further lines are dropped and counted,
//! and the count is said once at the end.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

/// Lines waiting for stderr, at most.
const QUEUE_LINES: usize = 8192;

/// The `MakeWriter` of the events' subscriber.
#[derive(Clone)]
pub(crate) struct Lines {
    tx: SyncSender<Vec<u8>>,
    dropped: Arc<AtomicU64>,
}

/// Keeps the writing thread; dropping it writes what is queued and says how
/// many lines were dropped.
pub(crate) struct Guard {
    tx: Option<SyncSender<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
    dropped: Arc<AtomicU64>,
}

/// Starts the writing thread (without one, lines are written at once).
pub(crate) fn start() -> (Lines, Guard) {
    let (tx, rx) = sync_channel(QUEUE_LINES);
    let dropped = Arc::new(AtomicU64::new(0));
    let thread = std::thread::Builder::new()
        .name("stderr".into())
        .spawn(move || drain(&rx))
        .ok();
    let lines = Lines {
        tx: tx.clone(),
        dropped: dropped.clone(),
    };
    let guard = Guard {
        tx: Some(tx),
        thread,
        dropped,
    };
    (lines, guard)
}

fn drain(rx: &Receiver<Vec<u8>>) {
    let mut err = std::io::stderr();
    // An empty line is the guard's "stop" (the subscriber keeps a sender).
    for line in rx.iter().take_while(|l| !l.is_empty()) {
        // Nowhere left to report a failing stderr.
        let _ = err.write_all(&line);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Waits for room: at the end, what is queued is written.
        if let (Some(tx), Some(t)) = (self.tx.take(), self.thread.take())
            && tx.send(Vec::new()).is_ok()
        {
            let _ = t.join();
        }
        let n = self.dropped.load(Ordering::Relaxed);
        if n > 0 {
            eprintln!("warning: {n} event lines dropped: stderr was too slow");
        }
    }
}

/// One event's line, sent whole when the subscriber is done with it.
pub(crate) struct Line {
    buf: Vec<u8>,
    lines: Lines,
}

impl Write for Line {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        match self.lines.tx.try_send(std::mem::take(&mut self.buf)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.lines.dropped.fetch_add(1, Ordering::Relaxed);
            }
            // No thread: write it here.
            Err(TrySendError::Disconnected(line)) => {
                let _ = std::io::stderr().write_all(&line);
            }
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line {
            buf: Vec::with_capacity(160),
            lines: self.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Line, Lines};
    use std::io::Write;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_waiting() {
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        let lines = Lines {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        };
        let start = std::time::Instant::now();
        for n in 0..1000 {
            let mut l = Line {
                buf: Vec::new(),
                lines: lines.clone(),
            };
            writeln!(l, "line {n}").unwrap();
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(lines.dropped.load(Ordering::Relaxed), 998);
        assert_eq!(rx.try_iter().count(), 2);
    }
}
