//! `[[expect]]` validated before the run: every name resolved (signals to
//! catalogue entries, messages and DBC signals against the DBC the scenario's
//! bus uses, events against the event vocabulary), every problem located.

use evtwin_can::dbc::Dbc;
use evtwin_sim::Catalogue;
use evtwin_sim::route::LegKind;

use crate::Scenario;
use crate::event_match::{EventSpec, Vocabulary, to_unit, unit_error, unknown_signal};
use crate::raw_expect::RawExpect;
use crate::source::{FileError, Seg, Source, toml_path};

use super::{Bounds, Check, Expectation, Shown, Stat, When, Window, micros, num};

/// What one expectation's keys are checked against.
pub(super) struct Ctx<'a> {
    pub(super) src: &'a Source,
    pub(super) catalogue: Catalogue,
    pub(super) stations: Vec<String>,
    pub(super) legs: usize,
    /// Charge stops of the route.
    pub(super) stops: usize,
    /// The DBC of the scenario's bus (loaded when an expectation needs it).
    pub(super) dbc: Option<Dbc>,
    pub(super) messages: Vec<String>,
    pub(super) marks: Option<&'a [String]>,
}

/// One `[[expect]]` table being checked: its index and keys.
pub(super) struct One<'a> {
    pub(super) ctx: &'a Ctx<'a>,
    pub(super) i: usize,
    pub(super) r: &'a RawExpect,
}

/// Validates `raws`, the `[[expect]]` tables of `scenario` (from `src`);
/// `marks`: names of the scenario's injections, when known.
pub(crate) fn parse(
    src: &Source,
    raws: &[RawExpect],
    scenario: &Scenario,
    marks: Option<&[String]>,
) -> Result<Vec<Expectation>, FileError> {
    if raws.is_empty() {
        return Ok(Vec::new());
    }
    let legs = scenario.config.route.legs();
    let mut stations: Vec<String> = legs
        .iter()
        .filter_map(|l| match &l.kind {
            LegKind::Charge(c) => Some(c.station.name.clone()),
            _ => None,
        })
        .collect();
    let stops = stations.len();
    stations.sort();
    stations.dedup();
    let dbc = if raws.iter().any(needs_dbc) {
        Some(load_dbc(src, scenario)?)
    } else {
        None
    };
    let messages = dbc
        .as_ref()
        .map(|d| d.messages().iter().map(|m| m.name.clone()).collect())
        .unwrap_or_default();
    let ctx = Ctx {
        src,
        catalogue: Catalogue::new(scenario.config.pack.series),
        stations,
        legs: legs.len(),
        stops,
        dbc,
        messages,
        marks,
    };
    raws.iter()
        .enumerate()
        .map(|(i, r)| One { ctx: &ctx, i, r }.check())
        .collect()
}

fn is_network_event(text: Option<&str>) -> bool {
    text.is_some_and(|t| {
        ["timeout:", "invalid:", "resumed:", "valid:"]
            .iter()
            .any(|k| t.trim_start().starts_with(k))
    })
}

fn needs_dbc(r: &RawExpect) -> bool {
    r.message.is_some()
        || is_network_event(r.event.as_deref())
        || is_network_event(r.after.as_deref())
}

/// The DBC `evtwin bridge` would play for this scenario.
fn load_dbc(src: &Source, scenario: &Scenario) -> Result<Dbc, FileError> {
    let loaded = match &scenario.bus.dbc {
        Some(path) => Dbc::load(path),
        None => Dbc::parse(crate::net::BUILTIN_DBC, "builtin:evtwin.dbc"),
    };
    loaded.map_err(|e| {
        FileError::at_path(
            src,
            &toml_path!["bus", "dbc"],
            format!("cannot load the DBC: {e}"),
        )
    })
}

/// The keys each kind of expectation takes (besides `name`).
pub(super) const WHEN: [&str; 6] = ["at", "at_s", "always", "never", "stat", "window_s"];
pub(super) const BOUNDS: [&str; 5] = ["min", "max", "equals", "tolerance", "unit"];

impl One<'_> {
    pub(super) fn path(&self, key: &str) -> [Seg; 3] {
        toml_path!["expect", self.i, key]
    }

    pub(super) fn err(&self, key: &str, message: impl Into<String>) -> FileError {
        FileError::at_path(self.ctx.src, &self.path(key), message)
    }

    pub(super) fn table_err(&self, message: impl Into<String>) -> FileError {
        FileError::at_path(self.ctx.src, &toml_path!["expect", self.i], message)
    }

    fn check(&self) -> Result<Expectation, FileError> {
        let r = self.r;
        let what = [
            ("signal", r.signal.is_some() && r.message.is_none()),
            ("event", r.event.is_some()),
            ("message", r.message.is_some()),
            ("counter", r.counter.is_some()),
            ("summary", r.summary.is_some()),
        ];
        let set: Vec<&str> = what.iter().filter(|w| w.1).map(|w| w.0).collect();
        let kind = match set.as_slice() {
            [k] => *k,
            [] => {
                return Err(self.table_err(
                    "an [[expect]] checks one of: signal, event, message (with signal: a DBC \
                     signal on the bus), counter, summary",
                ));
            }
            [a, b, ..] => {
                return Err(self.err(
                    b,
                    format!("`{a}` and `{b}` in one [[expect]]: write one [[expect]] for each"),
                ));
            }
        };
        let (check, description) = match kind {
            "signal" => self.signal()?,
            "event" => self.event()?,
            "message" => self.message()?,
            "counter" => self.counter()?,
            _ => self.summary()?,
        };
        Ok(Expectation {
            name: r.name.clone().unwrap_or_else(|| description.clone()),
            description,
            check,
        })
    }

    /// Refuses the keys set that `kind` does not take.
    pub(super) fn only(&self, kind: &str, allowed: &[&str]) -> Result<(), FileError> {
        for key in self.r.keys_set() {
            if key != "name" && !allowed.contains(&key) {
                return Err(self.err(
                    key,
                    format!(
                        "`{key}` does not go with `{kind}` (it takes: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn signal(&self) -> Result<(Check, String), FileError> {
        let allowed: Vec<&str> = ["signal"]
            .iter()
            .chain(&WHEN)
            .chain(&BOUNDS)
            .copied()
            .collect();
        self.only("signal", &allowed)?;
        let name = self.r.signal.as_deref().unwrap_or("");
        let Some(signal) = self.ctx.catalogue.find(name) else {
            return Err(self.err("signal", unknown_signal(name)));
        };
        let when = self.when(name)?;
        let bounds = self.bounds(signal.unit(), "signal")?;
        let description = format!("{name}{} {}", when_text(&when), bounds.text());
        Ok((
            Check::Signal {
                signal,
                when,
                bounds,
            },
            description,
        ))
    }

    pub(super) fn when(&self, name: &str) -> Result<When, FileError> {
        let r = self.r;
        let set: Vec<&str> = r
            .keys_set()
            .into_iter()
            .filter(|k| WHEN[..5].contains(k))
            .collect();
        let key = match set.as_slice() {
            [k] => *k,
            [] => {
                return Err(self.table_err(format!(
                    "say when to check `{name}`: at = \"end\", at_s = <s>, always = true, \
                     never = true, or stat = \"min\" | \"max\" | \"mean\""
                )));
            }
            [a, b, ..] => {
                return Err(self.err(b, format!("`{a}` and `{b}` both say when: keep one")));
            }
        };
        if r.window_s.is_some() && matches!(key, "at" | "at_s") {
            return Err(self.err(
                "window_s",
                "window_s goes with always, never or stat, not with a time",
            ));
        }
        let window = self.window()?;
        Ok(match key {
            "at" => match r.at.as_deref() {
                Some("end") => When::End,
                other => {
                    return Err(self.err(
                        "at",
                        format!(
                            "at = \"{}\": write at = \"end\", or at_s = <seconds>",
                            other.unwrap_or("")
                        ),
                    ));
                }
            },
            "at_s" => {
                let t = r.at_s.unwrap_or_default();
                if !(t.is_finite() && t >= 0.0) {
                    return Err(
                        self.err("at_s", format!("at_s = {t} is not a time from the start"))
                    );
                }
                When::At(micros(t))
            }
            "always" | "never" => {
                if r.always == Some(false) || r.never == Some(false) {
                    return Err(self.err(
                        key,
                        format!(
                            "{key} = false checks nothing: write always = true or never = true"
                        ),
                    ));
                }
                if key == "always" {
                    When::Always(window)
                } else {
                    When::Never(window)
                }
            }
            _ => {
                let stat = match r.stat.as_deref() {
                    Some("min") => Stat::Min,
                    Some("max") => Stat::Max,
                    Some("mean") => Stat::Mean,
                    other => {
                        return Err(self.err(
                            "stat",
                            format!(
                                "stat = \"{}\": write \"min\", \"max\" or \"mean\"",
                                other.unwrap_or("")
                            ),
                        ));
                    }
                };
                When::Stat(stat, window)
            }
        })
    }

    /// `window_s = [start, end]` (absent: the whole run).
    pub(super) fn window(&self) -> Result<Window, FileError> {
        let Some(w) = &self.r.window_s else {
            return Ok(Window::default());
        };
        let [a, b] = w.as_slice() else {
            return Err(self.err(
                "window_s",
                format!("window_s has {} numbers: write [start, end] in s", w.len()),
            ));
        };
        if !(a.is_finite() && b.is_finite() && *a >= 0.0) {
            return Err(self.err(
                "window_s",
                "window_s = [start, end]: finite times in s from the start",
            ));
        }
        if a > b {
            return Err(self.err(
                "window_s",
                format!(
                    "window_s = [{}, {}] is inverted: the start comes first",
                    num(*a),
                    num(*b)
                ),
            ));
        }
        Ok(Window {
            start_us: micros(*a),
            end_us: Some(micros(*b)),
        })
    }

    /// The bounds, in `base` (the unit of what is checked); `what`: the key
    /// an error without a key of its own points at.
    pub(super) fn bounds(&self, base: &str, what: &str) -> Result<Bounds, FileError> {
        let r = self.r;
        let per = match &r.unit {
            None => 1.0,
            Some(u) => {
                to_unit(1.0, u, base).ok_or_else(|| self.err("unit", unit_error(u, base)))?
            }
        };
        let shown = Shown {
            unit: r.unit.clone().unwrap_or_else(|| base.to_owned()),
            per,
        };
        for (key, v) in [
            ("min", r.min),
            ("max", r.max),
            ("equals", r.equals),
            ("tolerance", r.tolerance),
        ] {
            if let Some(v) = v
                && !v.is_finite()
            {
                return Err(self.err(key, format!("{key} = {v} is not a finite number")));
            }
        }
        if let Some(eq) = r.equals {
            if r.min.is_some() || r.max.is_some() {
                return Err(self.err("equals", "equals (with tolerance) or min / max, not both"));
            }
            let tol = r.tolerance.unwrap_or(0.0);
            if tol < 0.0 {
                return Err(self.err("tolerance", format!("tolerance = {tol} is negative")));
            }
            let (eq, tol) = (eq * per, tol * per);
            return Ok(Bounds {
                min: Some(eq - tol),
                max: Some(eq + tol),
                shown,
                equals: Some((eq, tol)),
            });
        }
        if r.tolerance.is_some() {
            return Err(self.err("tolerance", "tolerance goes with equals"));
        }
        match (r.min, r.max) {
            (None, None) => Err(self.err(
                what,
                "give a bound: min, max (inclusive), or equals with tolerance",
            )),
            (Some(lo), Some(hi)) if lo > hi => Err(self.err(
                "min",
                format!("min = {} is above max = {}", num(lo), num(hi)),
            )),
            (lo, hi) => Ok(Bounds {
                min: lo.map(|v| v * per),
                max: hi.map(|v| v * per),
                shown,
                equals: None,
            }),
        }
    }

    fn vocabulary(&self) -> Vocabulary<'_> {
        Vocabulary {
            catalogue: &self.ctx.catalogue,
            stations: &self.ctx.stations,
            legs: self.ctx.legs,
            messages: Some(&self.ctx.messages),
            marks: self.ctx.marks,
        }
    }

    pub(super) fn spec(&self, key: &str, text: &str) -> Result<EventSpec, FileError> {
        EventSpec::parse_at(self.ctx.src, &self.path(key), text, &self.vocabulary())
    }
}

/// ` at the end`, ` always`, ` mean in 100–200 s`, …
pub(super) fn when_text(when: &When) -> String {
    match when {
        When::At(t) => format!(" at {} s", num(super::secs(*t))),
        When::End => " at the end".to_owned(),
        When::Always(w) => format!(" always{}", w.describe()),
        When::Never(w) => format!(" never{}", w.describe()),
        When::Stat(s, w) => format!(" {}{}", s.as_str(), w.describe()),
    }
}
