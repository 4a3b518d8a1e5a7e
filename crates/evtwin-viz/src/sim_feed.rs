//! The simulated source: a twin on its own thread, paced to the wall clock.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::Instant;

use evtwin_sim::{Event, Scalar, Signal, Status, Twin, TwinConfig};

use crate::feed::{Command, Feed, PUBLISH_EVERY, Pace, Published, Slot, SourceStatus, publish};
use crate::model::{History, Sample, Snapshot};

/// Events kept for the fault panel.
const EVENTS_KEPT: usize = 8;

/// Starts a twin built from `config` at real-time factor `speed`.
pub fn spawn(config: TwinConfig, speed: f64) -> Result<Feed, crate::VizError> {
    let twin = Twin::new(config).map_err(|e| crate::VizError::Twin(e.to_string()))?;
    Feed::spawn("evtwin-sim", move |rx, slot, stop| {
        SimLoop::new(twin, speed).run(&rx, &slot, &stop);
    })
    .map_err(crate::VizError::Thread)
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
    twin: Twin,
    mode: Mode,
    pace: Pace,
    history: History,
    history_arc: Arc<History>,
    history_dirty: bool,
    events: VecDeque<String>,
    events_arc: Arc<Vec<String>>,
    seq: u64,
    behind: bool,
}

impl SimLoop {
    fn new(twin: Twin, speed: f64) -> Self {
        let history = History::new(1024, 1.0);
        Self {
            pace: Pace::new(twin.time_s(), speed),
            twin,
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

    fn command(&mut self, c: Command) {
        let now_s = self.twin.time_s();
        match c {
            Command::TogglePause => {
                self.mode = if self.mode == Mode::Paused {
                    self.pace = Pace::new(now_s, self.pace.speed());
                    Mode::Playing
                } else {
                    Mode::Paused
                };
            }
            Command::Step => {
                self.mode = Mode::RunTo(now_s + 1.0);
            }
            Command::Speed(s) => self.pace = Pace::new(now_s, s),
            Command::NextStop => {
                let legs = self.twin.config().route.legs();
                let here = self.leg();
                if let Some(k) = (here + 1..legs.len())
                    .find(|&k| matches!(legs[k].kind, evtwin_sim::route::LegKind::Charge(_)))
                {
                    self.mode = Mode::Seeking { leg: k };
                }
            }
            Command::RunTo(t) => self.mode = Mode::RunTo(t),
            Command::Inject(i) => match self.twin.inject(i) {
                Ok(()) => self.note(format!("{now_s:.0} s: injected {i:?}")),
                Err(e) => self.note(format!("{now_s:.0} s: refused: {e}")),
            },
            Command::ClearInjections => {
                self.twin.clear_injections();
                self.note(format!("{now_s:.0} s: injections cleared"));
            }
        }
    }

    fn leg(&self) -> usize {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a leg index
        let k = self.twin.read(Signal::Scalar(Scalar::LegIndex)) as usize;
        k
    }

    /// Steps until the mode's target, for at most a publication interval of
    /// wall time (so the window stays responsive at any speed).
    fn advance(&mut self, tick: Instant) {
        let budget = PUBLISH_EVERY.mul_f64(0.8);
        let target = match self.mode {
            Mode::Paused => return,
            Mode::Playing => self.pace.target_s(),
            Mode::Seeking { .. } | Mode::RunTo(_) => f64::INFINITY,
        };
        let mut n = 0u32;
        while self.twin.time_s() < target && self.twin.status() == Status::Running {
            self.twin.step();
            self.sample();
            n += 1;
            match self.mode {
                Mode::Seeking { leg } if self.leg() >= leg => {
                    self.pace = Pace::new(self.twin.time_s(), self.pace.speed());
                    self.mode = Mode::Playing;
                    return;
                }
                Mode::RunTo(t) if self.twin.time_s() >= t - 1e-9 => {
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
            self.behind = target - self.twin.time_s() > self.pace.speed().max(1.0);
            if self.behind {
                self.pace = Pace::new(self.twin.time_s(), self.pace.speed());
            }
        }
    }

    fn sample(&mut self) {
        let r = |s: Scalar| self.twin.read(Signal::Scalar(s));
        self.history.push(Sample {
            time_s: r(Scalar::TimeS),
            pack_power_w: r(Scalar::PackPowerW),
            charging: r(Scalar::ChargerConnected) > 0.5,
            charger_power_w: r(Scalar::ChargerPowerW),
            soc_pct: r(Scalar::PackSocPct),
        });
        self.history_dirty = true;
        let events: Vec<Event> = self.twin.drain_events().collect();
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
        let groups = self.twin.pack().groups();
        let t = &self.twin;
        let snapshot = Snapshot::read(|s| Some(t.read(s)), groups, &t.bms().output().balancing);
        let finished = match self.twin.status() {
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
                    speed: self.pace.speed(),
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
