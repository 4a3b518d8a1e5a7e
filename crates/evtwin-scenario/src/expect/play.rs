//! The hook that plays a scenario's expectations, and what each check says at
//! the end ([`Outcome`]).

use evtwin_sim::Signal;

use crate::hook::{EndView, ExpectationResult, Hook, StepView, Verdicts};

use super::bus::{BusCheck, BusKind};
use super::events::EventCheck;
use super::sampled::Sampled;
use super::{Check, Expectation, Shown, When, Window, ends, num, secs};

/// What a check found.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Outcome {
    pub passed: bool,
    /// In the unit shown.
    pub measured: Option<f64>,
    pub measured_text: String,
    pub decided_at_us: Option<u64>,
    pub message: String,
}

impl Outcome {
    /// A value (base units) checked at `t_us`.
    pub(super) fn value(passed: bool, shown: &Shown, v: f64, t_us: u64, detail: String) -> Self {
        Self {
            passed,
            measured: Some(shown.value(v)),
            measured_text: shown.text(v),
            decided_at_us: Some(t_us),
            message: detail,
        }
    }

    /// Decided at `t_us`, with a measured figure as given (NaN: none).
    pub(super) fn at(
        passed: bool,
        measured: f64,
        measured_text: String,
        t_us: u64,
        message: String,
    ) -> Self {
        Self {
            passed,
            measured: (!measured.is_nan()).then_some(measured),
            measured_text,
            decided_at_us: Some(t_us),
            message,
        }
    }

    /// Not decided: a failure, with why.
    pub(super) fn undecided(why: String) -> Self {
        Self {
            passed: false,
            measured: None,
            measured_text: "none".to_owned(),
            decided_at_us: None,
            message: why,
        }
    }
}

/// One expectation being played.
#[derive(Debug, Clone)]
enum Eval {
    Sampled(Signal, Sampled),
    Event(EventCheck),
    Bus(BusCheck),
    Counter,
    Summary,
}

/// The hook of a scenario's expectations.
pub(super) struct ExpectHook {
    items: Vec<(Expectation, Eval)>,
}

impl ExpectHook {
    pub(super) fn new(expectations: &[Expectation]) -> Self {
        let items = expectations
            .iter()
            .map(|e| {
                let eval = match &e.check {
                    Check::Signal {
                        signal,
                        when,
                        bounds,
                    } => Eval::Sampled(*signal, Sampled::new(*when, bounds.clone())),
                    Check::Event {
                        event,
                        after,
                        never,
                        window,
                        delay,
                    } => Eval::Event(EventCheck::new(
                        event,
                        after.as_ref(),
                        *never,
                        *window,
                        delay.clone(),
                    )),
                    Check::Cycle {
                        message,
                        cycle_us,
                        tolerance_us,
                        window,
                    } => Eval::Bus(BusCheck::new(
                        message,
                        BusKind::Cycle(*cycle_us, *tolerance_us),
                        *window,
                    )),
                    Check::Presence {
                        message,
                        present,
                        window,
                    } => Eval::Bus(BusCheck::new(message, BusKind::Presence(*present), *window)),
                    Check::BusSignal {
                        message,
                        signal,
                        when,
                        bounds,
                    } => Eval::Bus(BusCheck::new(
                        message,
                        BusKind::Signal(
                            signal.clone(),
                            Box::new(Sampled::new(*when, bounds.clone())),
                        ),
                        Window::default(),
                    )),
                    Check::Counter { .. } => Eval::Counter,
                    Check::Summary { .. } => Eval::Summary,
                };
                (e.clone(), eval)
            })
            .collect();
        Self { items }
    }
}

impl Hook for ExpectHook {
    fn after_step(&mut self, step: &StepView<'_>) {
        for (_, eval) in &mut self.items {
            match eval {
                Eval::Sampled(signal, s) => {
                    if s.wants(step.now_us) {
                        s.sample(step.now_us, step.twin.read(*signal));
                    }
                }
                Eval::Event(e) => e.step(step),
                Eval::Bus(b) => b.step(step),
                Eval::Counter | Eval::Summary => {}
            }
        }
    }

    fn finish(&mut self, end: &EndView<'_>, verdicts: &mut Verdicts) {
        for (_, eval) in &mut self.items {
            if let Eval::Sampled(signal, s) = eval
                && matches!(s.when(), When::End)
            {
                s.sample(end.now_us, end.twin.read(*signal));
            }
        }
        for (e, eval) in &self.items {
            let (outcome, settled) = match (eval, &e.check) {
                (Eval::Sampled(_, s), _) => (s.finish(end.now_us), s.settled()),
                (Eval::Event(c), _) => (c.finish(end.now_us), c.settled()),
                (Eval::Bus(b), _) => (b.finish(end.now_us), b.settled()),
                (Eval::Counter, Check::Counter { counter, bounds }) => (
                    ends::counter(
                        counter,
                        bounds,
                        end.net.map(crate::net::Network::stats),
                        end.now_us,
                    ),
                    false,
                ),
                (Eval::Summary, Check::Summary { key, stop, bounds }) => (
                    ends::summary(key, *stop, bounds, end.summary, end.now_us),
                    false,
                ),
                _ => (
                    Outcome::undecided("internal: mismatched check".into()),
                    false,
                ),
            };
            let outcome = if end.interrupted && !settled {
                Outcome::undecided(format!(
                    "not decided: the run was interrupted at {} s",
                    num(secs(end.now_us))
                ))
            } else {
                outcome
            };
            verdicts.expectations.push(result(e, outcome, end.now_us));
        }
    }
}

/// The result of `e` as reports show it.
fn result(e: &Expectation, o: Outcome, end_us: u64) -> ExpectationResult {
    let window = match &e.check {
        Check::Signal { when, .. } | Check::BusSignal { when, .. } => match when {
            When::Always(w) | When::Never(w) | When::Stat(_, w) => Some(*w),
            When::At(_) | When::End => None,
        },
        Check::Event {
            after: None,
            window,
            ..
        }
        | Check::Cycle { window, .. }
        | Check::Presence { window, .. } => Some(*window),
        _ => None,
    };
    ExpectationResult {
        name: e.name.clone(),
        description: e.description.clone(),
        passed: o.passed,
        measured: o.measured,
        measured_text: o.measured_text,
        bound_text: super::bound_text(&e.check),
        decided_at_s: o.decided_at_us.map(secs),
        window_s: window.map(|w| w.seconds(end_us)),
        message: o.message,
    }
}
