//! The one run loop. A [`Runner`] owns a run: the twin, optionally the CAN
//! network (sans-I/O), the trace, the run statistics, the events, and the
//! per-step hooks. Every front end drives it: `evtwin run` in virtual time
//! ([`run`]), the bridge over a bus (`net::bridge`), the viewer's simulation
//! thread. None of them steps the twin itself.
//!
//! Order of one step ([`Runner::step`]):
//! 1. the network's message deadlines at the end of the step
//!    ([`Network::handle_timeout`]) and the input changes they cause;
//! 2. the hooks' [`Hook::before_step`] (faults to inject, …);
//! 3. [`Twin::step`];
//! 4. the twin's events (charge stops, faults) into the run's log and `tracing`;
//! 5. the run statistics, the hooks' [`Hook::after_step`] (expectations, …);
//! 6. the trace row, when one is due.
//!
//! Between steps, with a network, the driver of the runner (an I/O adapter)
//! asks [`Runner::poll_timeout`] what is next: frames due before the step's end
//! are encoded by [`Runner::poll_transmit`] at their own deadline; received
//! frames go to [`Runner::handle_frame`] as they arrive.

use std::io::Write;
use std::time::Instant;

use evtwin_can::Frame;
use evtwin_sim::{Event, RealNodes, RunStats, Status, Twin, TwinError};

use crate::Scenario;
use crate::hook::{EndView, Hook, Mark, StepInput, StepView, Verdicts};
use crate::net::{InputChange, NetEvent, Network};
use crate::report::{Books, summarize};
use crate::summary::Summary;
use crate::trace::{Trace, TraceInfo};

/// What the observer wants after a progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Keep going.
    Continue,
    /// Stop now (the summary and trace still cover what ran).
    Stop,
}

/// Receives progress during a run.
pub trait Observer {
    /// Called every `RunOptions::progress_every_steps` steps.
    fn progress(&mut self, _twin: &Twin) -> Control {
        Control::Continue
    }
}

/// An observer that never stops the run.
pub struct Quiet;

impl Observer for Quiet {}

/// Options that override the scenario for one run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Seed instead of the scenario's.
    pub seed: Option<u64>,
    /// Trace sample interval instead of the scenario's, s.
    pub trace_every_s: Option<f64>,
    /// Steps between progress reports.
    pub progress_every_steps: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            seed: None,
            trace_every_s: None,
            progress_every_steps: 10_000,
        }
    }
}

/// Why a run could not proceed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The configuration was rejected by the simulation.
    #[error("{0}")]
    Twin(#[from] TwinError),
    /// The trace could not be written.
    #[error("writing the trace: {0}")]
    Trace(#[from] std::io::Error),
    /// The frame log could not be written (the run stops at the first failure).
    #[error("writing the frame log: {0}")]
    FrameLog(evtwin_can::log::LogError),
    /// A trace interval shorter than a step (or not a number).
    #[error("the trace interval must be at least one step ({step_s} s), not {every_s}")]
    TraceEvery {
        /// The interval asked for, s.
        every_s: f64,
        /// The scenario's step, s.
        step_s: f64,
    },
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    /// The summary.
    pub summary: Summary,
    /// The trace, if one was written.
    pub trace: Option<TraceInfo>,
    /// The results of the run's expectations and the faults it injected.
    pub verdicts: Verdicts,
    /// Every mark of the run (injections starting and ending).
    pub marks: Vec<Mark>,
}

/// Runs `scenario` to the end of its route, a fault, or until `observer` stops it.
/// `trace`, if given, receives the CSV trace.
pub fn run<W: Write>(
    scenario: &Scenario,
    options: &RunOptions,
    trace: Option<W>,
    observer: &mut dyn Observer,
) -> Result<RunOutput, RunError> {
    let progress_every = options.progress_every_steps.max(1);
    let mut runner = Runner::new(scenario, options, trace)?;
    let mut interrupted = false;
    while runner.step()? == Status::Running {
        let twin = runner.twin();
        if twin.steps() % progress_every == 0 && observer.progress(twin) == Control::Stop {
            interrupted = true;
            break;
        }
    }
    runner.finish(interrupted)
}

/// What of the scenario a report names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunInfo {
    pub name: String,
    pub source: String,
    pub chemistry: String,
}

/// What the runner's driver must do next ([`Runner::poll_timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Frames are due at this virtual time (µs): wait for it, then
    /// [`Runner::poll_transmit`].
    Transmit(u64),
    /// The step ends at this virtual time (µs): wait for it, then
    /// [`Runner::step`].
    Step(u64),
}

/// A run, one step at a time: the twin, the network, the books.
pub struct Runner<W: Write> {
    info: RunInfo,
    twin: Twin,
    net: Option<Network>,
    trace: Option<Trace<W>>,
    every_steps: u64,
    sampled: bool,
    books: Books,
    events: Vec<Event>,
    hooks: Vec<Box<dyn Hook>>,
    marks: Vec<Mark>,
    /// Marks already in the trace.
    traced_marks: usize,
    /// What the hooks see of the bus between two steps (kept only with hooks).
    sent: Vec<(u64, Frame)>,
    received: Vec<(u64, Frame)>,
    net_events: Vec<NetEvent>,
    step_us: u64,
    start: Instant,
}

impl<W: Write> Runner<W> {
    /// Builds the twin and writes the trace's first row.
    pub fn new(
        scenario: &Scenario,
        options: &RunOptions,
        trace: Option<W>,
    ) -> Result<Self, RunError> {
        let mut config = scenario.config.clone();
        if let Some(seed) = options.seed {
            config.seed = seed;
        }
        let every_s = options.trace_every_s.unwrap_or(scenario.trace_every_s);
        if !(every_s.is_finite() && every_s >= config.step_s) {
            return Err(RunError::TraceEvery {
                every_s,
                step_s: config.step_s,
            });
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let every_steps = ((every_s / config.step_s).round() as u64).max(1);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let step_us = (config.step_s * 1e6).round() as u64;
        let start = Instant::now();
        let twin = Twin::new(config)?;
        let soc_start = twin.pack().soc();
        let signals = scenario.trace_signals.clone();
        let link_faults = crate::charge_link::LinkFaultInbox::default();
        let mut trace = trace
            .map(|w| {
                if scenario.faults.is_empty() {
                    Trace::new(w, signals)
                } else {
                    Trace::with_marks(w, signals)
                }
            })
            .transpose()?;
        if let Some(t) = trace.as_mut() {
            t.row(&twin)?;
        }
        Ok(Self {
            info: RunInfo {
                name: scenario.name.clone(),
                source: scenario.source.clone(),
                chemistry: scenario.chemistry.clone(),
            },
            books: Books {
                soc_start,
                stats: RunStats::new(&twin),
                stops: Vec::new(),
                faults: Vec::new(),
            },
            twin,
            net: None,
            trace,
            every_steps,
            sampled: true,
            events: Vec::new(),
            // The fault hook comes first and tells the charge link hook
            // which conversation faults start and end, in the same step.
            hooks: crate::hook::from_scenario(scenario, &link_faults)
                .into_iter()
                .chain(crate::charge_link::from_scenario(scenario, &link_faults))
                .collect(),
            marks: Vec::new(),
            traced_marks: 0,
            sent: Vec::new(),
            received: Vec::new(),
            net_events: Vec::new(),
            step_us,
            start,
        })
    }

    /// Plays `net` around the twin: the twin learns which of its controllers
    /// are real ECUs (their inputs replace its own models).
    #[must_use]
    pub fn with_network(mut self, net: Network) -> Self {
        let real = RealNodes::from_names(net.plan().real.iter().map(String::as_str));
        self.twin.set_real_nodes(real);
        self.net = Some(net);
        self
    }

    /// Adds a hook, called around every step from now on.
    pub fn add_hook(&mut self, hook: Box<dyn Hook>) {
        self.hooks.push(hook);
    }

    /// The twin.
    #[must_use]
    pub fn twin(&self) -> &Twin {
        &self.twin
    }

    /// The twin, to inject faults between steps (a fault panel).
    pub fn twin_mut(&mut self) -> &mut Twin {
        &mut self.twin
    }

    /// The network, if one is played.
    #[must_use]
    pub fn network(&self) -> Option<&Network> {
        self.net.as_ref()
    }

    /// Virtual time now, µs.
    #[must_use]
    pub fn now_us(&self) -> u64 {
        self.twin.steps() * self.step_us
    }

    /// The events of the run so far (charge stops, faults, legs), oldest first.
    #[must_use]
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The marks of the run so far (injections starting and ending).
    #[must_use]
    pub fn marks(&self) -> &[Mark] {
        &self.marks
    }

    /// What is due next: frames before the end of the step, else the step.
    #[must_use]
    pub fn poll_timeout(&self) -> Due {
        let end_us = self.now_us() + self.step_us;
        let net = self.net.as_ref().and_then(Network::next_due_us);
        let hooks = self.hooks.iter().filter_map(|h| h.poll_timeout()).min();
        match net.into_iter().chain(hooks).min() {
            Some(due) if due < end_us => Due::Transmit(due),
            _ => Due::Step(end_us),
        }
    }

    /// Appends to `out` the frames due at `now_us`, carrying the present values.
    /// The hooks' own frames (a charging protocol's) come after the network's.
    pub fn poll_transmit(&mut self, now_us: u64, out: &mut Vec<Frame>) {
        let first = out.len();
        if let Some(net) = self.net.as_mut() {
            net.poll_transmit(now_us, &self.twin, out);
        }
        for h in &mut self.hooks {
            h.poll_transmit(now_us, out);
        }
        if !self.hooks.is_empty() {
            self.sent.extend(out[first..].iter().map(|f| (now_us, *f)));
        }
    }

    /// A frame received at virtual time `now_us`: what a real node sends
    /// reaches the twin's inputs at once.
    /// Every hook gets the frame too.
    pub fn handle_frame(&mut self, frame: &Frame, now_us: u64) {
        let mut taken = false;
        for h in &mut self.hooks {
            taken |= h.handle_frame(frame, now_us);
        }
        if let Some(net) = self.net.as_mut() {
            if taken {
                net.count_protocol_frame();
            } else {
                net.handle_frame(frame, now_us);
            }
            apply_inputs(net, &mut self.twin);
            let keep = !self.hooks.is_empty();
            if keep {
                self.received.push((now_us, *frame));
            }
            log_net_events(net, keep.then_some(&mut self.net_events));
        }
    }

    /// One step (see the module's documentation for the order): collects its
    /// events, keeps the statistics and samples the trace (always at the end).
    pub fn step(&mut self) -> Result<Status, RunError> {
        let now_us = self.now_us();
        let keep = !self.hooks.is_empty();
        if let Some(net) = self.net.as_mut() {
            net.handle_timeout(now_us + self.step_us);
            apply_inputs(net, &mut self.twin);
            log_net_events(net, keep.then_some(&mut self.net_events));
        }
        for h in &mut self.hooks {
            h.before_step(&mut StepInput {
                twin: &mut self.twin,
                net: self.net.as_mut(),
                now_us,
                step_us: self.step_us,
                marks: &mut self.marks,
            });
        }
        let twin = &mut self.twin;
        let status = twin.step();
        let first = self.events.len();
        for e in twin.drain_events() {
            match &e {
                Event::ChargeStop(r) => {
                    tracing::debug!(
                        time_s = r.start_s + r.duration_s,
                        station = %r.station,
                        end = r.end.as_str(),
                        "charge stop ended"
                    );
                    self.books.stops.push(r.clone());
                }
                Event::Fault(f) => {
                    tracing::warn!(
                        time_s = f.time_s,
                        code = f.code.as_str(),
                        odometer_km = f.odometer_km,
                        "{}",
                        f.message
                    );
                    self.books.faults.push(f.clone());
                }
                Event::LegStarted { .. } | Event::LegFinished { .. } => {}
            }
            self.events.push(e);
        }
        self.books.stats.observe(twin);
        if keep {
            let view = StepView {
                twin,
                net: self.net.as_ref(),
                now_us: now_us + self.step_us,
                events: &self.events[first..],
                net_events: &self.net_events,
                sent: &self.sent,
                received: &self.received,
                marks: &self.marks,
            };
            for h in &mut self.hooks {
                h.after_step(&view);
            }
            self.sent.clear();
            self.received.clear();
            self.net_events.clear();
        }
        self.sampled = twin.steps().is_multiple_of(self.every_steps) || status != Status::Running;
        if self.sampled
            && let Some(t) = self.trace.as_mut()
        {
            t.row_with_marks(twin, &self.marks[self.traced_marks..])?;
            self.traced_marks = self.marks.len();
        }
        Ok(status)
    }

    /// Closes the trace (with a last row if the last step was not sampled) and
    /// summarises; `interrupted`: the run was stopped before its end. The
    /// network, if any, is handed back for its counters.
    pub fn finish(self, interrupted: bool) -> Result<RunOutput, RunError> {
        self.finish_with_network(interrupted).map(|(out, _)| out)
    }

    /// [`Runner::finish`], also handing back the network.
    pub fn finish_with_network(
        mut self,
        interrupted: bool,
    ) -> Result<(RunOutput, Option<Network>), RunError> {
        let now_us = self.now_us();
        if let Some(net) = self.net.as_mut() {
            net.finish(now_us);
            log_net_events(net, None);
        }
        if !self.sampled
            && let Some(t) = self.trace.as_mut()
        {
            t.row_with_marks(&self.twin, &self.marks[self.traced_marks..])?;
            self.traced_marks = self.marks.len();
        }
        let trace = self.trace.take().map(Trace::finish).transpose()?;
        let wall_time_s = self.start.elapsed().as_secs_f64();
        let summary = summarize(
            &self.info,
            &self.twin,
            &self.books,
            interrupted,
            wall_time_s,
        );
        let mut verdicts = Verdicts::default();
        let end = EndView {
            twin: &self.twin,
            net: self.net.as_ref(),
            now_us,
            summary: &summary,
            marks: &self.marks,
            interrupted,
        };
        for h in &mut self.hooks {
            h.finish(&end, &mut verdicts);
        }
        let out = RunOutput {
            summary,
            trace,
            verdicts,
            marks: self.marks,
        };
        Ok((out, self.net))
    }
}

/// Moves the network's input changes into the twin (what the runner does after
/// each received frame and each deadline check).
pub fn apply_inputs(net: &mut Network, twin: &mut Twin) {
    while let Some(change) = net.poll_input() {
        match change {
            // The network only passes values the input takes.
            InputChange::Set { input, value } => {
                twin.set_input(input, value);
            }
            InputChange::CommLost(lost) => twin.set_comm_lost(lost),
        }
    }
}

fn secs(us: u64) -> f64 {
    us as f64 / 1e6
}

/// What a lost message did: raised the BMS's fault, or not.
fn outcome(faulted: bool) -> &'static str {
    if faulted {
        ": communication fault raised"
    } else {
        " (the BMS does not receive it: no fault)"
    }
}

/// The network's events, as `tracing` events with fields; kept in `keep` too
/// when the hooks want them.
fn log_net_events(net: &mut Network, mut keep: Option<&mut Vec<NetEvent>>) {
    while let Some(e) = net.poll_event() {
        if let Some(k) = keep.as_deref_mut() {
            k.push(e.clone());
        }
        match e {
            NetEvent::Timeout {
                message,
                at_us,
                faulted,
            } => tracing::warn!(
                time_s = secs(at_us),
                %message,
                kind = "timeout",
                "{message} timed out{}",
                outcome(faulted)
            ),
            NetEvent::Missing { message, at_us } => tracing::info!(
                time_s = secs(at_us),
                %message,
                kind = "missing",
                "{message} from a real node has not arrived yet; the twin's own logic stands in"
            ),
            NetEvent::Resumed { message, at_us } => tracing::info!(
                time_s = secs(at_us),
                %message,
                kind = "resumed",
                "{message} arrives again"
            ),
            NetEvent::Invalid {
                message,
                at_us,
                faulted,
            } => tracing::warn!(
                time_s = secs(at_us),
                %message,
                kind = "invalid",
                "{message}: too many bad frames (CRC, length, range) in its E2E window{}",
                outcome(faulted)
            ),
            NetEvent::Valid { message, at_us } => tracing::info!(
                time_s = secs(at_us),
                %message,
                kind = "valid",
                "{message} passes its checks again"
            ),
            NetEvent::Suppressed {
                why,
                id,
                count,
                at_us,
            } => {
                let on = id.map_or_else(
                    || "other identifiers".to_owned(),
                    |id| format!("0x{:X}", id.raw()),
                );
                tracing::warn!(
                    time_s = secs(at_us),
                    kind = why,
                    count,
                    "{count} more frames ignored ({why}) on {on} in the last second"
                );
            }
            NetEvent::Rejected { why, frame, at_us } => tracing::warn!(
                time_s = secs(at_us),
                %frame,
                kind = why,
                "frame {frame} ignored: {why}"
            ),
        }
    }
}
