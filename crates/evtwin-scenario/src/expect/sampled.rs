//! A value sampled through the run (a twin signal at the end of each step, a
//! DBC signal at each frame) checked at a time, at the end, always / never
//! within a window, or by a statistic over a window.

use super::play::Outcome;
use super::{Bounds, Stat, When, num, secs};

/// The state of one sampled check.
#[derive(Debug, Clone)]
pub(super) struct Sampled {
    when: When,
    bounds: Bounds,
    /// The sample that decides `At`, the last one for `End`, the first
    /// violation for `Always` / `Never`.
    decisive: Option<(u64, f64)>,
    /// In the window: count, sum, lowest, highest, time of the last.
    n: u64,
    sum: f64,
    lo: Option<(u64, f64)>,
    hi: Option<(u64, f64)>,
    last_in_us: Option<u64>,
    /// No later sample can change the outcome.
    done: bool,
}

fn keep(slot: &mut Option<(u64, f64)>, t: u64, v: f64, better: impl Fn(f64, f64) -> bool) {
    if slot.is_none_or(|(_, old)| better(v, old)) {
        *slot = Some((t, v));
    }
}

impl Sampled {
    pub(super) fn new(when: When, bounds: Bounds) -> Self {
        Self {
            when,
            bounds,
            decisive: None,
            n: 0,
            sum: 0.0,
            lo: None,
            hi: None,
            last_in_us: None,
            done: false,
        }
    }

    /// When it checks.
    pub(super) fn when(&self) -> When {
        self.when
    }

    /// Whether the outcome is known whatever comes later.
    pub(super) fn settled(&self) -> bool {
        self.done
    }

    /// Whether a twin signal's value at `t_us` (the end of a step) is worth
    /// reading: not before its time or window, not once decided, and for
    /// `End` only at the end ([`Sampled::sample`] it then).
    pub(super) fn wants(&self, t_us: u64) -> bool {
        !self.done
            && match self.when {
                When::At(at) => t_us >= at,
                When::End => false,
                When::Always(w) | When::Never(w) | When::Stat(_, w) => t_us >= w.start_us,
            }
    }

    /// The value `v` at virtual time `t_us`.
    pub(super) fn sample(&mut self, t_us: u64, v: f64) {
        if self.done {
            return;
        }
        match self.when {
            When::At(at) => {
                if t_us >= at {
                    self.decisive = Some((t_us, v));
                    self.done = true;
                }
            }
            When::End => self.decisive = Some((t_us, v)),
            When::Always(w) | When::Never(w) | When::Stat(_, w) => {
                if w.is_past(t_us) {
                    self.done = true;
                    return;
                }
                if !w.contains(t_us) {
                    return;
                }
                self.last_in_us = Some(t_us);
                self.n += 1;
                self.sum += v;
                keep(&mut self.lo, t_us, v, |a, b| a < b);
                keep(&mut self.hi, t_us, v, |a, b| a > b);
                let inside = self.bounds.contains(v);
                let violated = match self.when {
                    When::Always(_) => !inside,
                    When::Never(_) => inside,
                    _ => false,
                };
                if violated {
                    self.decisive = Some((t_us, v));
                    self.done = true;
                }
            }
        }
    }

    /// The outcome at the end of the run (`end_us`).
    pub(super) fn finish(&self, end_us: u64) -> Outcome {
        let b = &self.bounds;
        let shown = &b.shown;
        let ended = format!("the run ended at {} s", num(secs(end_us)));
        match self.when {
            When::At(at) if self.decisive.is_none() => {
                Outcome::undecided(format!("not decided: {ended}, before {} s", num(secs(at))))
            }
            When::End if self.decisive.is_none() => {
                Outcome::undecided("not decided: no value was seen".to_owned())
            }
            When::At(_) | When::End => {
                let (t, v) = self.decisive.unwrap_or_default();
                Outcome::value(b.contains(v), shown, v, t, format!("at {} s", num(secs(t))))
            }
            When::Always(_) | When::Never(_) => {
                let never = matches!(self.when, When::Never(_));
                if let Some((t, v)) = self.decisive {
                    let how = if never {
                        "is within the bound"
                    } else {
                        "is out of bounds"
                    };
                    return Outcome::value(
                        false,
                        shown,
                        v,
                        t,
                        format!("{} at {} s {how}", shown.text(v), num(secs(t))),
                    );
                }
                let Some(last) = self.last_in_us else {
                    return Outcome::undecided(format!(
                        "not decided: no value in the window ({ended})"
                    ));
                };
                // The value nearest to failing: the extreme toward the bound.
                let v = if never {
                    self.nearest_outside()
                } else {
                    b.worst(self.lo.iter().chain(self.hi.iter()).map(|p| p.1))
                        .unwrap_or(f64::NAN)
                };
                let (lo, hi) = (self.lo.unwrap_or_default().1, self.hi.unwrap_or_default().1);
                let range = format!("{} to {}", num(shown.value(lo)), shown.text(hi));
                Outcome::value(
                    true,
                    shown,
                    v,
                    last,
                    format!("{} samples from {range}", self.n),
                )
            }
            When::Stat(stat, _) => {
                let Some(last) = self.last_in_us else {
                    return Outcome::undecided(format!(
                        "not decided: no value in the window ({ended})"
                    ));
                };
                #[allow(clippy::cast_precision_loss)] // sample counts stay far below 2^53
                let v = match stat {
                    Stat::Min => self.lo.unwrap_or_default().1,
                    Stat::Max => self.hi.unwrap_or_default().1,
                    Stat::Mean => self.sum / self.n as f64,
                };
                let what = format!("{} of {} samples", stat.as_str(), self.n);
                Outcome::value(b.contains(v), shown, v, last, what)
            }
        }
    }

    /// For `never`: the value seen nearest to the bounds from outside.
    fn nearest_outside(&self) -> f64 {
        let b = &self.bounds;
        [self.lo, self.hi]
            .into_iter()
            .flatten()
            .map(|p| p.1)
            .max_by(|x, y| b.margin(*x).total_cmp(&b.margin(*y)))
            .unwrap_or(f64::NAN)
    }
}
