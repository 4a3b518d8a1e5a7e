//! Event expectations: something happens (in a window, or within a time after
//! each occurrence of something else), or never does.

use crate::event_match::{EventMatcher, EventSpec};
use crate::hook::StepView;

use super::play::Outcome;
use super::{Shown, Window, num, secs};

/// The state of one event check.
#[derive(Debug, Clone)]
pub(super) struct EventCheck {
    event: EventSpec,
    matcher: EventMatcher,
    after: Option<(EventMatcher, u64)>,
    never: bool,
    window: Window,
    delay: Shown,
    /// Open windows after the trigger: the trigger's time, µs.
    pending: Vec<u64>,
    triggers: u32,
    /// The longest delay seen (`after`): µs, and when it was met.
    longest: Option<(u64, u64)>,
    /// The occurrence that decides, µs: the first one (plain), a forbidden one
    /// (`never`); with its delay after the trigger (`after`).
    decisive: Option<(u64, Option<u64>)>,
    /// A trigger whose window closed without the event, µs.
    missed: Option<u64>,
    done: bool,
}

/// µs as a float, for [`Shown`] delays (in µs).
#[allow(clippy::cast_precision_loss)] // virtual times stay far below 2^53 µs
fn us_f(us: u64) -> f64 {
    us as f64
}

impl EventCheck {
    pub(super) fn new(
        event: &EventSpec,
        after: Option<&(EventSpec, u64)>,
        never: bool,
        window: Window,
        delay: Shown,
    ) -> Self {
        Self {
            event: event.clone(),
            matcher: EventMatcher::new(event.clone()),
            after: after.map(|(spec, within)| (EventMatcher::new(spec.clone()), *within)),
            never,
            window,
            delay,
            pending: Vec::new(),
            triggers: 0,
            longest: None,
            decisive: None,
            missed: None,
            done: false,
        }
    }

    pub(super) fn settled(&self) -> bool {
        self.done
    }

    /// When the event happens in this step: a signal condition counts while
    /// it holds (at the step's end), anything else when it occurs.
    fn occurrence(&mut self, view: &StepView<'_>) -> Option<u64> {
        match &self.event {
            EventSpec::Signal(c) => {
                c.op.holds(view.twin.read(c.signal), c.value)
                    .then_some(view.now_us)
            }
            _ => self.matcher.step(view),
        }
    }

    pub(super) fn step(&mut self, view: &StepView<'_>) {
        if self.done {
            return;
        }
        if let Some((trigger, _)) = self.after.as_mut()
            && let Some(t) = trigger.step(view)
        {
            self.pending.push(t);
            self.triggers += 1;
        }
        let occurred = self.occurrence(view);
        let Some((_, within)) = self.after.as_ref() else {
            if self.window.is_past(view.now_us) {
                self.done = true;
            } else if let Some(t) = occurred.filter(|t| self.window.contains(*t)) {
                self.decisive = Some((t, None));
                self.done = true;
            }
            return;
        };
        let within = *within;
        if let Some(te) = occurred {
            let (met, open): (Vec<u64>, Vec<u64>) = self
                .pending
                .iter()
                .partition(|tx| te >= **tx && te <= **tx + within);
            self.pending = open;
            if let Some(tx) = met.iter().min() {
                let d = te - tx;
                if self.never {
                    self.decisive = Some((te, Some(d)));
                    self.done = true;
                    return;
                }
                if self.longest.is_none_or(|(old, _)| d > old) {
                    self.longest = Some((d, te));
                }
            }
        }
        if let Some(&tx) = self.pending.iter().find(|tx| **tx + within < view.now_us) {
            self.pending.retain(|t| *t + within >= view.now_us);
            if !self.never {
                self.missed = Some(tx);
                self.done = true;
            }
        }
    }

    pub(super) fn finish(&self, end_us: u64) -> Outcome {
        let Some((trigger, within)) = &self.after else {
            return match (self.decisive, self.never) {
                (Some((t, _)), never) => Outcome::at(
                    !never,
                    secs(t),
                    format!("{} s", num(secs(t))),
                    t,
                    format!("`{}` happened at {} s", self.event, num(secs(t))),
                ),
                (None, true) => Outcome::at(
                    true,
                    f64::NAN,
                    "never".into(),
                    end_us,
                    format!("`{}` did not happen", self.event),
                ),
                (None, false) => Outcome::undecided(format!("`{}` never happened", self.event)),
            };
        };
        let after = trigger.spec();
        let bound = self.delay.text(us_f(*within));
        if let Some((te, Some(d))) = self.decisive {
            return Outcome::value(
                false,
                &self.delay,
                us_f(d),
                te,
                format!(
                    "`{}` happened {} after `{after}`",
                    self.event,
                    self.delay.text(us_f(d))
                ),
            );
        }
        if let Some(tx) = self.missed {
            return Outcome::at(
                false,
                f64::NAN,
                format!("not within {bound}"),
                tx + within,
                format!(
                    "`{}` did not happen within {bound} after `{after}` at {} s",
                    self.event,
                    num(secs(tx))
                ),
            );
        }
        if self.triggers == 0 {
            return Outcome::undecided(format!("not decided: `{after}` never happened"));
        }
        if let Some(&tx) = self.pending.first() {
            return Outcome::undecided(format!(
                "not decided: the run ended {} after `{after}`, before {bound} had passed",
                self.delay.text(us_f(end_us - tx))
            ));
        }
        let n = self.triggers;
        match (self.never, self.longest) {
            (false, Some((d, te))) => Outcome::value(
                true,
                &self.delay,
                us_f(d),
                te,
                format!(
                    "`{}` followed each of {n} `{after}`, at most {} after",
                    self.event,
                    self.delay.text(us_f(d))
                ),
            ),
            _ => Outcome::at(
                true,
                f64::NAN,
                "never".into(),
                end_us,
                format!(
                    "`{}` did not happen within {bound} after any of {n} `{after}`",
                    self.event
                ),
            ),
        }
    }
}
