//! `[[expect]]` on events, the bus, counters and the summary (see `parse`).

use evtwin_can::dbc::Message;

use crate::source::FileError;

use super::ends::{COUNTERS, STOP, SUMMARY};
use super::parse::{BOUNDS, One, WHEN, when_text};
use super::{Check, Shown, micros, num};

impl One<'_> {
    pub(super) fn event(&self) -> Result<(Check, String), FileError> {
        let r = self.r;
        self.only(
            "event",
            &[
                "event",
                "after",
                "within_ms",
                "within_s",
                "never",
                "window_s",
            ],
        )?;
        let event = self.spec("event", r.event.as_deref().unwrap_or(""))?;
        if r.never == Some(false) {
            return Err(self.err(
                "never",
                "never = false: leave it out (the event must happen) or write never = true",
            ));
        }
        let never = r.never == Some(true);
        let within = match (r.within_ms, r.within_s) {
            (Some(_), Some(_)) => {
                return Err(self.err("within_s", "within_ms or within_s, not both"));
            }
            (Some(ms), None) => Some(("within_ms", ms / 1e3, "ms", 1e3)),
            (None, Some(s)) => Some(("within_s", s, "s", 1e6)),
            (None, None) => None,
        };
        let (after, delay) = match (&r.after, within) {
            (Some(text), Some((key, s, unit, per))) => {
                if !(s.is_finite() && s > 0.0) {
                    return Err(self.err(key, format!("{key} must be a positive time")));
                }
                if r.window_s.is_some() {
                    return Err(self.err(
                        "window_s",
                        "window_s does not go with after: the window is within_ms / within_s \
                         after each `after`",
                    ));
                }
                let spec = self.spec("after", text)?;
                let shown = Shown {
                    unit: unit.to_owned(),
                    per,
                };
                (Some((spec, micros(s))), shown)
            }
            (Some(_), None) => {
                return Err(self.err("after", "after needs within_ms or within_s"));
            }
            (None, Some((key, ..))) => {
                return Err(self.err(key, format!("{key} needs after = \"<event>\"")));
            }
            (None, None) => (None, Shown::base("s")),
        };
        let window = self.window()?;
        let description = match &after {
            Some((spec, within)) => {
                #[allow(clippy::cast_precision_loss)] // virtual times stay far below 2^53 µs
                let w = delay.text(*within as f64);
                let not = if never { "never " } else { "" };
                format!("`{event}` {not}within {w} after `{spec}`")
            }
            None if never => format!("`{event}` never happens{}", window.describe()),
            None => format!("`{event}` happens{}", window.describe()),
        };
        Ok((
            Check::Event {
                event,
                after,
                never,
                window,
                delay,
            },
            description,
        ))
    }

    fn dbc_message(&self, name: &str) -> Result<&Message, FileError> {
        let dbc = self.ctx.dbc.as_ref();
        dbc.and_then(|d| d.message_by_name(name))
            .map(|(_, m)| m)
            .ok_or_else(|| {
                self.err(
                    "message",
                    format!(
                        "`{name}` is not a message of {} (messages: {})",
                        dbc.map_or("the DBC", |d| d.origin()),
                        self.ctx.messages.join(", ")
                    ),
                )
            })
    }

    pub(super) fn message(&self) -> Result<(Check, String), FileError> {
        let r = self.r;
        let name = r.message.as_deref().unwrap_or("");
        let m = self.dbc_message(name)?;
        let what: Vec<&str> = r
            .keys_set()
            .into_iter()
            .filter(|k| ["cycle_ms", "present", "signal"].contains(k))
            .collect();
        match what.as_slice() {
            ["cycle_ms"] => self.cycle(name),
            ["present"] => {
                self.only("message", &["message", "present", "window_s"])?;
                let present = r.present.unwrap_or(true);
                let window = self.window()?;
                let how = if present {
                    "on the bus"
                } else {
                    "absent from the bus"
                };
                let d = format!("{name} {how}{}", window.describe());
                let check = Check::Presence {
                    message: name.to_owned(),
                    present,
                    window,
                };
                Ok((check, d))
            }
            ["signal"] => {
                let allowed: Vec<&str> = ["message", "signal"]
                    .iter()
                    .chain(&WHEN)
                    .chain(&BOUNDS)
                    .copied()
                    .collect();
                self.only("message", &allowed)?;
                let sig = r.signal.as_deref().unwrap_or("");
                let Some(k) = m.signal_index(sig) else {
                    let names: Vec<&str> = m.signals.iter().map(|s| s.name.as_str()).collect();
                    return Err(self.err(
                        "signal",
                        format!(
                            "`{sig}` is not a signal of {name} (signals: {})",
                            names.join(", ")
                        ),
                    ));
                };
                let unit = m.signals[k].unit.as_str();
                let when = self.when(sig)?;
                let bounds = self.bounds(unit, "signal")?;
                let d = format!(
                    "{name}.{sig} on the bus{} {}",
                    when_text(&when),
                    bounds.text()
                );
                let check = Check::BusSignal {
                    message: name.to_owned(),
                    signal: sig.to_owned(),
                    when,
                    bounds,
                };
                Ok((check, d))
            }
            [] => Err(self.err(
                "message",
                format!(
                    "say what to check of {name}: cycle_ms (with tolerance_ms), present = \
                     true / false, or signal (its decoded value)"
                ),
            )),
            [_] => Err(self.err("message", "internal: unknown kind")),
            [a, b, ..] => Err(self.err(
                b,
                format!("`{a}` and `{b}` in one [[expect]]: write one [[expect]] for each"),
            )),
        }
    }

    fn cycle(&self, name: &str) -> Result<(Check, String), FileError> {
        let r = self.r;
        self.only(
            "message",
            &["message", "cycle_ms", "tolerance_ms", "window_s"],
        )?;
        let cycle = r.cycle_ms.unwrap_or_default();
        if !(cycle.is_finite() && cycle > 0.0) {
            return Err(self.err("cycle_ms", "cycle_ms must be a positive time"));
        }
        let Some(tol) = r.tolerance_ms else {
            return Err(self.err(
                "cycle_ms",
                "cycle_ms needs tolerance_ms: how far an interval may be from it",
            ));
        };
        if !(tol.is_finite() && tol >= 0.0) {
            return Err(self.err("tolerance_ms", "tolerance_ms must be 0 or more"));
        }
        let window = self.window()?;
        let d = format!(
            "{name} every {} ± {} ms{}",
            num(cycle),
            num(tol),
            window.describe()
        );
        let check = Check::Cycle {
            message: name.to_owned(),
            cycle_us: micros(cycle / 1e3),
            tolerance_us: micros(tol / 1e3),
            window,
        };
        Ok((check, d))
    }

    pub(super) fn counter(&self) -> Result<(Check, String), FileError> {
        self.only("counter", &["counter", "min", "max", "equals", "tolerance"])?;
        let name = self.r.counter.as_deref().unwrap_or("");
        if !COUNTERS.iter().any(|(n, _)| *n == name) {
            let names: Vec<&str> = COUNTERS.iter().map(|c| c.0).collect();
            return Err(self.err(
                "counter",
                format!("unknown counter `{name}` (counters: {})", names.join(", ")),
            ));
        }
        let bounds = self.bounds("1", "counter")?;
        let d = format!("network counter {name} {}", bounds.text());
        let check = Check::Counter {
            counter: name.to_owned(),
            bounds,
        };
        Ok((check, d))
    }

    pub(super) fn summary(&self) -> Result<(Check, String), FileError> {
        let r = self.r;
        self.only(
            "summary",
            &[
                "summary",
                "stop",
                "min",
                "max",
                "equals",
                "tolerance",
                "unit",
            ],
        )?;
        let key = r.summary.as_deref().unwrap_or("");
        let unit = match key.strip_prefix("stop.") {
            Some(k) => STOP.iter().find(|(n, ..)| *n == k).map(|s| s.1),
            None => SUMMARY.iter().find(|(n, ..)| *n == key).map(|s| s.1),
        };
        let Some(unit) = unit else {
            let mut names: Vec<String> = SUMMARY.iter().map(|s| s.0.to_owned()).collect();
            names.extend(STOP.iter().map(|s| format!("stop.{}", s.0)));
            return Err(self.err(
                "summary",
                format!(
                    "unknown summary figure `{key}` (figures: {})",
                    names.join(", ")
                ),
            ));
        };
        let stops = self.ctx.stops;
        if let Some(k) = r.stop {
            if !key.starts_with("stop.") {
                return Err(self.err("stop", "stop goes with a `stop.` figure"));
            }
            if k >= stops {
                return Err(self.err(
                    "stop",
                    format!("stop = {k}: the route has {stops} charge stop(s), counted from 0"),
                ));
            }
        }
        let bounds = self.bounds(unit, "summary")?;
        let which = match (r.stop, key.starts_with("stop.")) {
            (Some(k), _) => format!(" of stop {k}"),
            (None, true) => " of every stop".to_owned(),
            (None, false) => String::new(),
        };
        let d = format!("summary {key}{which} {}", bounds.text());
        let check = Check::Summary {
            key: key.to_owned(),
            stop: r.stop,
            bounds,
        };
        Ok((check, d))
    }
}
