//! The simulated source: the scenario's [`Runner`] on its own thread, paced to
//! the wall clock by the runner's [`Pacer`] (× speed). The runner steps the
//! twin, keeps the run's events and calls its hooks, as it does for `evtwin run`
//! and the bridge.

use std::collections::VecDeque;
use std::io::Sink;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::Instant;

use evtwin_scenario::{Pacer, RunOptions, Runner, Scenario};
use evtwin_sim::{Event, Scalar, Signal, Status, Twin};

use crate::feed::{Command, Feed, PUBLISH_EVERY, Published, Slot, SourceStatus, publish};
use crate::model::{History, ProtocolView, Sample, Snapshot};

/// Events kept for the fault panel.
const EVENTS_KEPT: usize = 8;

/// Starts a run of `scenario` (with `seed` instead of its own, if given) at
/// real-time factor `speed`.
pub fn spawn(scenario: &Scenario, seed: Option<u64>, speed: f64) -> Result<Feed, crate::VizError> {
    let options = RunOptions {
        seed,
        ..RunOptions::default()
    };
    let runner = Runner::new(scenario, &options, None::<Sink>)
        .map_err(|e| crate::VizError::Twin(e.to_string()))?;
    Feed::spawn("evtwin-sim", move |rx, slot, stop| {
        SimLoop::new(runner, speed).run(&rx, &slot, &stop);
    })
    .map_err(crate::VizError::Thread)
}

/// A pacer whose clock shows virtual time `time_s` now, at `speed`.
fn pacer_at(time_s: f64, speed: f64) -> Pacer {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // ≥ 0 µs of a run
    let now_us = (time_s * 1e6).round() as u64;
    Pacer::anchored(now_us, Some(speed))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Playing,
    Paused,
    /// Flat out to the next charge stop (leg index), then play.
    Seeking {
        leg: usize,
    },
    /// Flat out to a virtual time, then pause.
    RunTo(f64),
}

struct SimLoop {
    runner: Runner<Sink>,
    mode: Mode,
    pace: Pacer,
    speed: f64,
    /// Run events already noted.
    events_seen: usize,
    history: History,
    history_arc: Arc<History>,
    history_dirty: bool,
    events: VecDeque<String>,
    events_arc: Arc<Vec<String>>,
    seq: u64,
    behind: bool,
}

impl SimLoop {
    fn new(runner: Runner<Sink>, speed: f64) -> Self {
        let history = History::new(1024, 1.0);
        Self {
            pace: pacer_at(runner.twin().time_s(), speed),
            speed,
            events_seen: 0,
            runner,
            mode: Mode::Playing,
            history_arc: Arc::new(history.clone()),
            history,
            history_dirty: false,
            events: VecDeque::new(),
            events_arc: Arc::default(),
            seq: 0,
            behind: false,
        }
    }

    fn run(mut self, rx: &Receiver<Command>, slot: &Slot, stop: &AtomicBool) {
        self.publish(slot);
        while !stop.load(Ordering::Relaxed) {
            let tick = Instant::now();
            while let Ok(c) = rx.try_recv() {
                self.command(c);
            }
            self.advance(tick);
            self.publish(slot);
            if let Some(rest) = PUBLISH_EVERY.checked_sub(tick.elapsed()) {
                std::thread::sleep(rest);
            }
        }
    }

    fn twin(&self) -> &Twin {
        self.runner.twin()
    }

    fn command(&mut self, c: Command) {
        let now_s = self.twin().time_s();
        match c {
            Command::TogglePause => {
                self.mode = if self.mode == Mode::Paused {
                    self.pace = pacer_at(now_s, self.speed);
                    Mode::Playing
                } else {
                    Mode::Paused
                };
            }
            Command::Step => {
                self.mode = Mode::RunTo(now_s + 1.0);
            }
            Command::Speed(s) => {
                self.speed = s;
                self.pace = pacer_at(now_s, s);
            }
            Command::NextStop => {
                let legs = self.twin().config().route.legs();
                let here = self.leg();
                if let Some(k) = (here + 1..legs.len())
                    .find(|&k| matches!(legs[k].kind, evtwin_sim::route::LegKind::Charge(_)))
                {
                    self.mode = Mode::Seeking { leg: k };
                }
            }
            Command::RunTo(t) => self.mode = Mode::RunTo(t),
            Command::Inject(i) => match self.runner.twin_mut().inject(i) {
                Ok(()) => self.note(format!("{now_s:.0} s: injected {i:?}")),
                Err(e) => self.note(format!("{now_s:.0} s: refused: {e}")),
            },
            Command::ClearInjections => {
                self.runner.twin_mut().clear_injections();
                self.note(format!("{now_s:.0} s: injections cleared"));
            }
        }
    }

    fn leg(&self) -> usize {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a leg index
        let k = self.twin().read(Signal::Scalar(Scalar::LegIndex)) as usize;
        k
    }

    /// Steps until the mode's target, for at most a publication interval of
    /// wall time (so the window stays responsive at any speed).
    fn advance(&mut self, tick: Instant) {
        let budget = PUBLISH_EVERY.mul_f64(0.8);
        #[allow(clippy::cast_precision_loss)] // µs of a run: far below 2^52
        let target = match self.mode {
            Mode::Paused => return,
            Mode::Playing => self.pace.virtual_now_us().map_or(0.0, |t| t as f64 / 1e6),
            Mode::Seeking { .. } | Mode::RunTo(_) => f64::INFINITY,
        };
        let mut n = 0u32;
        while self.twin().time_s() < target && self.twin().status() == Status::Running {
            if let Err(e) = self.runner.step() {
                // Only a trace can fail to write, and the viewer writes none.
                self.note(format!("the run stopped: {e}"));
                break;
            }
            self.sample();
            n += 1;
            match self.mode {
                Mode::Seeking { leg } if self.leg() >= leg => {
                    self.pace = pacer_at(self.twin().time_s(), self.speed);
                    self.mode = Mode::Playing;
                    return;
                }
                Mode::RunTo(t) if self.twin().time_s() >= t - 1e-9 => {
                    self.mode = Mode::Paused;
                    return;
                }
                _ => {}
            }
            if n.is_multiple_of(256) && tick.elapsed() > budget {
                break;
            }
        }
        if self.mode == Mode::Playing {
            // More than a wall-clock second behind (`speed` virtual seconds):
            // the machine cannot keep this speed; start again from here rather
            // than pile up debt.
            self.behind = target - self.twin().time_s() > self.speed.max(1.0);
            if self.behind {
                self.pace = pacer_at(self.twin().time_s(), self.speed);
            }
        }
    }

    fn sample(&mut self) {
        let r = |s: Scalar| self.runner.twin().read(Signal::Scalar(s));
        self.history.push(Sample {
            time_s: r(Scalar::TimeS),
            pack_power_w: r(Scalar::PackPowerW),
            charging: r(Scalar::ChargerConnected) > 0.5,
            charger_power_w: r(Scalar::ChargerPowerW),
            soc_pct: r(Scalar::PackSocPct),
        });
        self.history_dirty = true;
        let events: Vec<Event> = self.runner.events()[self.events_seen..].to_vec();
        self.events_seen += events.len();
        for e in events {
            match e {
                Event::Fault(f) => self.note(format!(
                    "{:.0} s: fault {} - {}",
                    f.time_s,
                    f.code.as_str(),
                    f.message
                )),
                Event::ChargeStop(r) => self.note(format!("charge stop done: {r:?}")),
                Event::LegStarted { .. } | Event::LegFinished { .. } => {}
            }
        }
    }

    fn note(&mut self, line: String) {
        if self.events.len() == EVENTS_KEPT {
            self.events.pop_front();
        }
        self.events.push_back(line);
        self.events_arc = Arc::new(self.events.iter().cloned().collect());
    }

    fn publish(&mut self, slot: &Slot) {
        if self.history_dirty {
            self.history_arc = Arc::new(self.history.clone());
            self.history_dirty = false;
        }
        let t = self.runner.twin();
        let groups = t.pack().groups();
        let mut snapshot = Snapshot::read(|s| Some(t.read(s)), groups, &t.bms().output().balancing);
        snapshot.protocol = t.charge_link().map(|l| ProtocolView {
            protocol: l.report.protocol.clone(),
            role: l.report.role.clone(),
            phase: l.report.phase.clone(),
            stop_reason: l.report.stop_reason.clone(),
            stopped_by: l.report.stopped_by.clone(),
        });
        let finished = match self.twin().status() {
            Status::Running => None,
            Status::Finished => Some("route complete".to_owned()),
            Status::Stopped(code) => Some(format!("stopped by {}", code.as_str())),
        };
        self.seq += 1;
        publish(
            slot,
            Published {
                seq: self.seq,
                snapshot,
                history: Arc::clone(&self.history_arc),
                events: Arc::clone(&self.events_arc),
                status: SourceStatus {
                    paused: self.mode == Mode::Paused,
                    speed: self.speed,
                    seeking: matches!(self.mode, Mode::Seeking { .. } | Mode::RunTo(_)),
                    finished,
                    behind: self.behind,
                    live: false,
                    frames: 0,
                    rejected: 0,
                },
            },
        );
    }
}
