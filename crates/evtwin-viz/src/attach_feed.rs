//! The attach-mode source: a bus monitor (evtwin-scenario) fed by a CAN
//! interface or a log, read into snapshots; no simulation runs.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use evtwin_scenario::net::{ListenSource, Monitor, NetFile, spawn_listener};

use crate::VizError;
use crate::feed::{Feed, PUBLISH_EVERY, Published, SourceStatus, publish};
use crate::model::{History, Sample, Snapshot};

/// Starts listening on `listen`, decoding through `dbc` and `mapping`. Time
/// on screen is the bus's: seconds since its first frame.
pub fn spawn(
    listen: ListenSource,
    dbc: NetFile<'_>,
    mapping: NetFile<'_>,
    groups: usize,
) -> Result<Feed, VizError> {
    let monitor = Monitor::load(dbc, mapping, groups).map_err(|e| VizError::Network(e.render()))?;
    let monitor = Arc::new(Mutex::new(monitor));
    let quiet = match &listen {
        ListenSource::Interface(i) => format!("{i} closed"),
        ListenSource::Log { .. } => "log replayed".to_owned(),
    };
    Feed::spawn("evtwin-attach", move |rx, slot, stop| {
        let mut listener = spawn_listener(listen, Arc::clone(&monitor), Arc::clone(&stop));
        let mut history = History::new(1024, 1.0);
        let mut history_arc = Arc::new(history.clone());
        let mut finished = match &listener {
            Ok(_) => None,
            Err(e) => Some(format!("cannot listen: {e}")),
        };
        let mut seq = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let tick = Instant::now();
            // Attach mode has nothing to control; commands are dropped.
            while rx.try_recv().is_ok() {}
            let m = monitor.lock().unwrap_or_else(PoisonError::into_inner);
            let mut snapshot =
                Snapshot::read(|s| m.value(s), groups.min(m.groups_seen().max(1)), &[]);
            #[allow(clippy::cast_precision_loss)] // µs since the first frame
            let bus_s = m.last_rx_us().map_or(0.0, |us| us as f64 / 1e6);
            snapshot.time_s = bus_s;
            let stats = *m.stats();
            drop(m);
            if finished.is_none()
                && let Ok(handle) = &listener
                && handle.is_finished()
            {
                let done = std::mem::replace(&mut listener, Err(std::io::Error::other("joined")));
                finished = Some(match done.map(std::thread::JoinHandle::join) {
                    Ok(Ok(Ok(_))) => quiet.clone(),
                    Ok(Ok(Err(e))) => format!("cannot listen: {e}"),
                    Ok(Err(_)) | Err(_) => "the listener stopped".to_owned(),
                });
            }
            if history.power.last().is_none_or(|p| p.x < snapshot.time_s) {
                history.push(Sample::from(&snapshot));
                history_arc = Arc::new(history.clone());
            }
            seq += 1;
            publish(
                &slot,
                Published {
                    seq,
                    snapshot,
                    history: Arc::clone(&history_arc),
                    events: Arc::default(),
                    status: SourceStatus {
                        speed: 1.0,
                        live: true,
                        finished: finished.clone(),
                        frames: stats.rx_used,
                        rejected: stats.rejected(),
                        ..SourceStatus::default()
                    },
                },
            );
            if let Some(rest) = PUBLISH_EVERY.checked_sub(tick.elapsed()) {
                std::thread::sleep(rest);
            }
        }
        if let Ok(handle) = listener {
            let _ = handle.join();
        }
    })
    .map_err(VizError::Thread)
}
