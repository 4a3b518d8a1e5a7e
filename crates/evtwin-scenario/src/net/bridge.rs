//! The I/O adapter of a [`Runner`] with a network: moves frames between the
//! runner and a transport, and time between the runner and the [`Pacer`]
//! (virtual time, as fast as possible; real time; ×N), with every frame logged.
//! The runner decides what is due; this loop only waits, sends and receives.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use evtwin_can::bus::inproc::InProcBus;
use evtwin_can::bus::{BusEvent, BusStats, Transport};
use evtwin_can::log::{LogError, LogWriter};
use evtwin_can::schedule::{Pacer, Precision};
use evtwin_can::{Direction, Frame, Timestamped};
use evtwin_sim::Status;

use super::outputs::NetStats;
use crate::run::{Due, RunError, RunOutput, Runner};

/// How the bridge runs.
pub struct BridgeSetup<'a> {
    /// Speed: `None` virtual time, `Some(1.0)` real time, `Some(n)` n × faster.
    pub speed: Option<f64>,
    /// Where every frame goes, if anywhere.
    pub log: Option<&'a mut LogWriter>,
    /// The in-process hub, to keep its clock at virtual time.
    pub hub: Option<&'a InProcBus>,
    /// Set (e.g. by Ctrl-C) to stop after the current step.
    pub stop: &'a AtomicBool,
}

/// What the bridge adds to a run's output.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct BridgeReport {
    /// Network counters.
    pub net: NetStats,
    /// Transport counters.
    pub bus: BusStats,
    /// Send-time error of scheduled frames (actual − scheduled), µs; paced runs only.
    pub lateness_us: Option<Lateness>,
    /// Frames that could not be sent.
    pub send_errors: u64,
    /// The interface going down and coming back, and what was not sent.
    pub link: super::link::LinkReport,
    /// The controller's state and error counters (netlink), where it has one.
    pub controller: Option<super::link::ControllerReport>,
    /// Signals clamped to their DBC range when encoding, with counts.
    pub clamped: std::collections::BTreeMap<String, u64>,
    /// The run was stopped (Ctrl-C) before its end.
    pub interrupted: bool,
}

/// Percentiles of the send-time error, µs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Lateness {
    /// Frames measured.
    pub frames: u64,
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Worst.
    pub max: u64,
}

/// Send-time errors in fixed memory however long the run: 1 µs bins up to
/// 10 ms, 1 ms bins up to 10 s, the worst kept exactly.
struct Histogram {
    bins: Vec<u64>,
    count: u64,
    max: u64,
}

const FINE_US: u64 = 10_000;
const COARSE_BINS: u64 = 10_000;

impl Histogram {
    fn new() -> Self {
        Self {
            bins: vec![0; usize::try_from(FINE_US + COARSE_BINS).unwrap_or(0)],
            count: 0,
            max: 0,
        }
    }

    fn bin(us: u64) -> usize {
        let b = if us < FINE_US {
            us
        } else {
            FINE_US + ((us - FINE_US) / 1000).min(COARSE_BINS - 1)
        };
        usize::try_from(b).unwrap_or(usize::MAX)
    }

    /// The lower edge of bin `b`, µs.
    fn value(b: usize) -> u64 {
        let b = b as u64;
        if b < FINE_US {
            b
        } else {
            FINE_US + (b - FINE_US) * 1000
        }
    }

    fn add(&mut self, us: u64) {
        if let Some(n) = self.bins.get_mut(Self::bin(us)) {
            *n += 1;
        }
        self.count += 1;
        self.max = self.max.max(us);
    }

    fn quantile(&self, q: f64) -> u64 {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let rank = ((self.count - 1) as f64 * q).round() as u64;
        let mut seen = 0;
        for (b, n) in self.bins.iter().enumerate() {
            seen += n;
            if seen > rank {
                return Self::value(b).min(self.max);
            }
        }
        self.max
    }

    fn summary(&self) -> Option<Lateness> {
        (self.count > 0).then(|| Lateness {
            frames: self.count,
            p50: self.quantile(0.5),
            p99: self.quantile(0.99),
            max: self.max,
        })
    }
}

/// How long before a deadline the loop stops listening for frames (the pacer's
/// precise last stretch).
const LISTEN_MARGIN: std::time::Duration = std::time::Duration::from_millis(2);

fn wall_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// Runs `runner` (which plays a network) on `bus` until the route ends, a
/// fault stops it, or `setup.stop` is set.
pub async fn bridge<T: Transport, W: Write>(
    mut runner: Runner<W>,
    bus: &mut T,
    setup: BridgeSetup<'_>,
) -> Result<(RunOutput, BridgeReport), RunError> {
    let BridgeSetup {
        speed,
        log,
        hub,
        stop,
    } = setup;
    let mut log = FrameLog {
        writer: log,
        failed: None,
    };
    // Tokio's timer wakes up to 1 ms late; the last 2 ms before a deadline are
    // slept on the thread's high-resolution clock (p50 65 µs late, ~2 % CPU).
    let pacer = Pacer::new(speed).with_precision(Precision::NAP_2MS);
    let paced = pacer.speed().is_some();
    let mut report = BridgeReport::default();
    let mut lateness = Histogram::new();
    let mut frames = Vec::new();
    let stamp = |virtual_us: u64| if paced { wall_us() } else { virtual_us };
    let mut interrupted = false;
    let mut link = super::link::LinkWatch::new(bus.name());
    let mut controller = super::link::ControllerWatch::default();
    controller.observe(bus.link_status());
    let mut polled_s = 0;
    let mut logged_marks = 0;
    loop {
        match runner.poll_timeout() {
            // Frames due before the step's end, each at its own deadline,
            // carrying the values of the step just taken.
            Due::Transmit(due) => {
                receive(&pacer, bus, &mut runner, due, &mut log).await;
                let late = pacer.wait_until(due).await;
                if paced {
                    lateness.add(late);
                }
                if let Some(h) = hub {
                    h.set_time_us(due);
                }
                frames.clear();
                runner.poll_transmit(due, &mut frames);
                for f in &frames {
                    match bus.send(f).await {
                        Ok(()) => link.sent(due),
                        Err(e) => {
                            report.send_errors += 1;
                            link.failed(due, &e);
                        }
                    }
                    log.write(stamp(due), Direction::Tx, f);
                }
                if log.failed.is_some() {
                    break;
                }
            }
            Due::Step(end_us) => {
                receive(&pacer, bus, &mut runner, end_us, &mut log).await;
                if end_us / 1_000_000 != polled_s {
                    polled_s = end_us / 1_000_000;
                    controller.observe(bus.link_status());
                }
                for e in bus.drain_events() {
                    log_bus_event(&e, end_us);
                }
                if log.failed.is_some() {
                    break;
                }
                let status = runner.step()?;
                // Injections of the step, as comment lines of the frame log.
                for m in &runner.marks()[logged_marks..] {
                    log.comment(stamp(m.time_us), m);
                }
                logged_marks = runner.marks().len();
                if status != Status::Running {
                    break;
                }
                if stop.load(Ordering::Relaxed) {
                    interrupted = true;
                    break;
                }
            }
        }
    }
    if let Some(l) = log.writer.as_mut()
        && let Err(e) = l.flush()
    {
        log.failed.get_or_insert(e);
    }
    // The trace is finished (and complete) even when the frame log failed.
    let (out, net) = runner.finish_with_network(interrupted)?;
    if let Some(e) = log.failed {
        return Err(RunError::FrameLog(e));
    }
    if let Some(net) = &net {
        report.net = *net.stats();
        report.clamped = net.clamped_by_signal();
    }
    report.bus = bus.stats();
    report.link = link.finish();
    controller.observe(bus.link_status());
    report.controller = controller.finish();
    report.lateness_us = lateness.summary();
    report.interrupted = interrupted;
    Ok((out, report))
}

/// Receives frames until `until_us` (virtual): waits for them when paced, takes
/// what is queued otherwise.
async fn receive<T: Transport, W: Write>(
    pacer: &Pacer,
    bus: &mut T,
    runner: &mut Runner<W>,
    until_us: u64,
    log: &mut FrameLog<'_>,
) {
    // Stop listening the pacer's margin early: tokio's timer wakes up to 1 ms
    // late, and the pacer sleeps the rest precisely.
    let deadline = pacer
        .deadline(until_us)
        .map(|d| d.checked_sub(LISTEN_MARGIN).unwrap_or(d));
    loop {
        let got = match deadline {
            Some(deadline) => bus.recv_until(deadline.into()).await,
            None => bus.try_recv(),
        };
        match got {
            Ok(Some(rx)) => {
                let now_us = pacer.virtual_now_us().unwrap_or(until_us).min(until_us);
                log.write(rx.time_us, Direction::Rx, &rx.frame);
                runner.handle_frame(&rx.frame, now_us);
            }
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(kind = "receive", "receive failed: {e}");
                return;
            }
        }
    }
}

/// The frame log asked for, if any, and its first failure: after one, nothing
/// more is written and the bridge ends the run with that error (once).
struct FrameLog<'a> {
    writer: Option<&'a mut LogWriter>,
    failed: Option<LogError>,
}

impl FrameLog<'_> {
    fn write(&mut self, time_us: u64, dir: Direction, frame: &Frame) {
        if let Some(l) = self.writer.as_mut()
            && let Err(e) = l.write(&Timestamped {
                time_us,
                dir,
                frame: *frame,
            })
        {
            self.writer = None;
            self.failed = Some(e);
        }
    }
}

impl FrameLog<'_> {
    /// A mark as a comment line: `evtwin fault start|end|event: text`.
    fn comment(&mut self, time_us: u64, mark: &crate::hook::Mark) {
        let what = match mark.kind {
            crate::hook::MarkKind::Start => "start",
            crate::hook::MarkKind::End => "end",
            crate::hook::MarkKind::Instant => "event",
        };
        let text = format!("evtwin fault {what}: {}", mark.text);
        if let Some(l) = self.writer.as_mut()
            && let Err(e) = l.comment(time_us, &text)
        {
            self.writer = None;
            self.failed = Some(e);
        }
    }
}

fn log_bus_event(e: &BusEvent, at_us: u64) {
    let time_s = at_us as f64 / 1e6;
    match e {
        BusEvent::ErrorFrame(class) => {
            tracing::warn!(time_s, kind = "error_frame", "error frame: {class}");
        }
        BusEvent::ErrorPassive => {
            tracing::warn!(time_s, kind = "error_passive", "controller error-passive");
        }
        BusEvent::BusOff => tracing::error!(time_s, kind = "bus_off", "controller bus-off"),
        BusEvent::Recovered => {
            tracing::info!(time_s, kind = "recovered", "controller error-active again");
        }
    }
}
