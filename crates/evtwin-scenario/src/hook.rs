//! What a per-step [`Hook`] sees and what it may change: the seam where fault
//! schedules (`[[fault]]`), expectations (`[[expect]]`), protocol sessions and
//! recorders plug into the one run loop.
//!
//! A hook gets, before each step, the twin and the network to change
//! ([`StepInput`]); after each step, what the step did ([`StepView`]: the twin's
//! new events, the network's new events, the frames sent and received during
//! the step, the marks of every injection so far); at the end, the summary
//! ([`EndView`]), and it may add results to the run's [`Verdicts`].

use evtwin_can::Frame;
use evtwin_sim::{Event, Twin};

use crate::net::{NetEvent, Network};
use crate::summary::Summary;

/// Something plugged into every step of a run, whichever front end drives it
/// (a fault schedule, expectations, a protocol session, a recorder).
pub trait Hook: Send {
    /// Before the twin steps from `step.now_us`: set inputs, inject faults,
    /// program the network, mark what was done.
    fn before_step(&mut self, _step: &mut StepInput<'_>) {}
    /// After the step, with what it did.
    fn after_step(&mut self, _step: &StepView<'_>) {}
    /// Once, when the run ends (also when it was interrupted): add results.
    fn finish(&mut self, _end: &EndView<'_>, _verdicts: &mut Verdicts) {}
    /// Frame I/O of a hook that speaks on the bus itself (a charging
    /// protocol): when it next has frames due, µs of virtual time (none: no
    /// frames of its own). [`crate::Runner::poll_timeout`] includes it.
    fn poll_timeout(&self) -> Option<u64> {
        None
    }
    /// Appends to `out` the hook's frames due at `now_us` (called from
    /// [`crate::Runner::poll_transmit`], with or without a network).
    fn poll_transmit(&mut self, _now_us: u64, _out: &mut Vec<Frame>) {}
    /// A frame received from the bus at `now_us` (every frame
    /// [`crate::Runner::handle_frame`] gets). Returns whether this hook took
    /// it as its own (a charging protocol's frame): the network then counts
    /// it as the protocol's instead of judging it against the DBC.
    fn handle_frame(&mut self, _frame: &Frame, _now_us: u64) -> bool {
        false
    }
}

/// What a hook may change before a step.
pub struct StepInput<'a> {
    /// The twin.
    pub twin: &'a mut Twin,
    /// The network, when one is played.
    pub net: Option<&'a mut Network>,
    /// Virtual time at the start of the step, µs.
    pub now_us: u64,
    /// The step's length, µs.
    pub step_us: u64,
    /// Marks of the run so far; a hook that injects something pushes one.
    pub marks: &'a mut Vec<Mark>,
}

/// What one step did.
pub struct StepView<'a> {
    /// The twin after the step.
    pub twin: &'a Twin,
    /// The network, when one is played.
    pub net: Option<&'a Network>,
    /// Virtual time at the end of the step, µs.
    pub now_us: u64,
    /// The twin's events raised in this step.
    pub events: &'a [Event],
    /// The network's events since the previous step (timeouts, INVALID, …).
    pub net_events: &'a [NetEvent],
    /// Frames the twin sent since the previous step, with their virtual time (µs).
    pub sent: &'a [(u64, Frame)],
    /// Frames received since the previous step, with their virtual time (µs).
    pub received: &'a [(u64, Frame)],
    /// Every mark of the run so far, oldest first.
    pub marks: &'a [Mark],
}

/// The end of a run.
pub struct EndView<'a> {
    /// The twin at the end.
    pub twin: &'a Twin,
    /// The network, when one was played.
    pub net: Option<&'a Network>,
    /// Virtual time at the end, µs.
    pub now_us: u64,
    /// The run's summary.
    pub summary: &'a Summary,
    /// Every mark of the run.
    pub marks: &'a [Mark],
    /// The run was stopped before its end.
    pub interrupted: bool,
}

/// Something done to the run from outside the plant's own logic, at a time:
/// an injected fault starting or ending. Marked in the trace, the frame log
/// and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Virtual time, µs.
    pub time_us: u64,
    /// Name of what was injected (a `[[fault]]`'s name).
    pub name: String,
    /// Start, end, or a one-off.
    pub kind: MarkKind,
    /// A sentence for people.
    pub text: String,
}

/// Whether a mark starts, ends or is a one-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    /// Takes effect from now on.
    Start,
    /// No longer in effect.
    End,
    /// Done once.
    Instant,
}

/// The results of a run's checks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdicts {
    /// One per expectation, in file order.
    pub expectations: Vec<ExpectationResult>,
    /// One per fault, in file order.
    pub faults: Vec<FaultRecord>,
}

impl Verdicts {
    /// Whether every expectation passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed)
    }
}

/// One expectation's result.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectationResult {
    /// Its name (given, or made from what it checks).
    pub name: String,
    /// What it checks, for people (`pack.soc_pct at the end ≥ 80 %`).
    pub description: String,
    /// Whether it held.
    pub passed: bool,
    /// The measured value, when there is one.
    pub measured: Option<f64>,
    /// The measured value as shown (with its unit, or what was seen).
    pub measured_text: String,
    /// The bound it was held to, as shown ("≥ 80 %", "≤ 200 ms after …").
    pub bound_text: String,
    /// When it was decided, s of virtual time.
    pub decided_at_s: Option<f64>,
    /// The window it looked at, s, when it has one.
    pub window_s: Option<(f64, f64)>,
    /// A sentence: why it passed or failed.
    pub message: String,
}

/// One fault of the run and when it was in effect.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRecord {
    /// Its name.
    pub name: String,
    /// Its kind as written in the scenario.
    pub kind: String,
    /// When it took effect, s (none: its trigger never came).
    pub start_s: Option<f64>,
    /// When it was cleared, s (none: until the end).
    pub end_s: Option<f64>,
    /// A sentence for people.
    pub description: String,
}

/// The hooks a scenario file asks for (its `[[fault]]`s and `[[expect]]`s),
/// added by [`crate::Runner::new`] so that `run`, `bridge`, `suite` and the
/// viewer all play them.
pub(crate) fn from_scenario(
    scenario: &crate::Scenario,
    link_faults: &crate::charge_link::LinkFaultInbox,
) -> Vec<Box<dyn Hook>> {
    let mut hooks: Vec<Box<dyn Hook>> = Vec::new();
    // Faults first: an expectation sees the marks of the step's injections.
    hooks.extend(crate::fault::hooks(scenario, link_faults));
    hooks.extend(crate::expect::hooks(scenario));
    hooks
}
