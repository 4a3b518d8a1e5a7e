//! Bus expectations: a message's cycle time, its presence, a DBC signal's
//! decoded value, from the frames the runner sent and received.

use evtwin_can::dbc::Message;
use evtwin_can::{CanId, Frame};

use crate::hook::StepView;

use super::play::Outcome;
use super::sampled::Sampled;
use super::{Shown, Window, num, secs};

/// What is checked of the message's frames.
#[derive(Debug, Clone)]
pub(super) enum BusKind {
    /// Intervals between frames: cycle and tolerance, µs.
    Cycle(u64, u64),
    /// Present (true) or absent.
    Presence(bool),
    /// A signal's decoded values (by name).
    Signal(String, Box<Sampled>),
}

/// The message once found in the network's DBC.
#[derive(Debug, Clone)]
struct Found {
    id: CanId,
    message: Message,
    signal: Option<usize>,
    values: Vec<f64>,
}

/// The state of one bus check.
#[derive(Debug, Clone)]
pub(super) struct BusCheck {
    message: String,
    kind: BusKind,
    window: Window,
    /// Looked the message up (the first step with a network).
    found: Option<Result<Found, String>>,
    /// Frames seen in the window, the time of the first and last.
    frames: u64,
    first_us: Option<u64>,
    last_us: Option<u64>,
    /// The interval farthest from the cycle, µs, and when it ended.
    worst: Option<(u64, u64)>,
    /// The first interval out of tolerance, µs, and when it ended.
    bad: Option<(u64, u64)>,
    done: bool,
}

impl BusCheck {
    pub(super) fn new(message: &str, kind: BusKind, window: Window) -> Self {
        Self {
            message: message.to_owned(),
            kind,
            window,
            found: None,
            frames: 0,
            first_us: None,
            last_us: None,
            worst: None,
            bad: None,
            done: false,
        }
    }

    pub(super) fn settled(&self) -> bool {
        self.done || matches!(&self.kind, BusKind::Signal(_, s) if s.settled())
    }

    pub(super) fn step(&mut self, view: &StepView<'_>) {
        if self.settled() {
            return;
        }
        let Some(net) = view.net else { return };
        let found = self.found.get_or_insert_with(|| {
            let Some((_, m)) = net.dbc().message_by_name(&self.message) else {
                return Err(format!(
                    "the network played has no message `{}`",
                    self.message
                ));
            };
            let signal = match &self.kind {
                BusKind::Signal(name, _) => Some(m.signal_index(name).ok_or_else(|| {
                    format!(
                        "`{}` of the network played has no signal `{name}`",
                        self.message
                    )
                })?),
                _ => None,
            };
            Ok(Found {
                id: m.id,
                values: vec![f64::NAN; m.signals.len()],
                message: m.clone(),
                signal,
            })
        });
        let Ok(found) = found else {
            self.done = true;
            return;
        };
        let id = found.id;
        // Sent and received frames in time order.
        let (mut s, mut r) = (view.sent.iter().peekable(), view.received.iter().peekable());
        loop {
            let next: Option<&(u64, Frame)> = match (s.peek(), r.peek()) {
                (Some(a), Some(b)) if a.0 <= b.0 => s.next(),
                (Some(_) | None, Some(_)) => r.next(),
                (Some(_), None) => s.next(),
                (None, None) => None,
            };
            let Some((t, frame)) = next else { break };
            if frame.id() == id {
                self.frame(*t, frame);
                if self.done {
                    return;
                }
            }
        }
        if self.window.is_past(view.now_us) {
            self.done = true;
        }
    }

    fn frame(&mut self, t: u64, frame: &Frame) {
        if self.window.is_past(t) {
            self.done = true;
            return;
        }
        if !self.window.contains(t) {
            return;
        }
        self.frames += 1;
        self.first_us.get_or_insert(t);
        let prev = self.last_us.replace(t);
        match &mut self.kind {
            BusKind::Cycle(cycle, tol) => {
                if let Some(p) = prev {
                    let dt = t - p;
                    let off = dt.abs_diff(*cycle);
                    if self.worst.is_none_or(|(w, _)| off > w.abs_diff(*cycle)) {
                        self.worst = Some((dt, t));
                    }
                    if off > *tol {
                        self.bad = Some((dt, t));
                        self.done = true;
                    }
                }
            }
            BusKind::Presence(_) => self.done = true,
            BusKind::Signal(_, sampled) => {
                let Some(Ok(found)) = &mut self.found else {
                    return;
                };
                let ok = found
                    .message
                    .decode(frame.data(), &mut found.values)
                    .is_ok();
                let v = found.signal.map_or(f64::NAN, |i| found.values[i]);
                if ok && v.is_finite() {
                    sampled.sample(t, v);
                }
            }
        }
    }

    pub(super) fn finish(&self, end_us: u64) -> Outcome {
        match &self.found {
            None => {
                return Outcome::undecided(
                    "not decided: this run played no CAN network (`evtwin run` simulates the \
                     plant only: run the scenario with `evtwin bridge`)"
                        .to_owned(),
                );
            }
            Some(Err(why)) => return Outcome::undecided(format!("not decided: {why}")),
            Some(Ok(_)) => {}
        }
        let ms = Shown {
            unit: "ms".into(),
            per: 1000.0,
        };
        #[allow(clippy::cast_precision_loss)] // intervals stay far below 2^53 µs
        let f = |us: u64| us as f64;
        let m = &self.message;
        match &self.kind {
            BusKind::Signal(_, sampled) => sampled.finish(end_us),
            BusKind::Presence(want) => match (self.first_us, *want) {
                (Some(t), want) => Outcome::at(
                    want,
                    secs(t),
                    format!("first frame at {} s", num(secs(t))),
                    t,
                    format!("{m} was on the bus at {} s", num(secs(t))),
                ),
                (None, want) => Outcome::at(
                    !want,
                    f64::NAN,
                    "no frame".into(),
                    end_us,
                    format!("no frame of {m} was seen"),
                ),
            },
            BusKind::Cycle(..) => {
                if let Some((dt, t)) = self.bad {
                    return Outcome::value(
                        false,
                        &ms,
                        f(dt),
                        t,
                        format!(
                            "{m} came {} after the frame before, at {} s",
                            ms.text(f(dt)),
                            num(secs(t))
                        ),
                    );
                }
                match self.worst {
                    Some((dt, _)) => Outcome::value(
                        true,
                        &ms,
                        f(dt),
                        self.last_us.unwrap_or(end_us),
                        format!(
                            "{} frames of {m}, the interval farthest from the cycle {}",
                            self.frames,
                            ms.text(f(dt))
                        ),
                    ),
                    None => Outcome::undecided(format!(
                        "not decided: {} frame(s) of {m} in the window, an interval needs two",
                        self.frames
                    )),
                }
            }
        }
    }
}
