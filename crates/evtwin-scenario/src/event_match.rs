//! The event vocabulary of scenario files: what `after = "…"` (expectations)
//! and a fault's trigger name, parsed from a string and matched against each
//! step of a run.
//!
//! # Vocabulary
//!
//! | spec | happens when |
//! |---|---|
//! | `fault` / `fault:<code>` | the twin raises a fault (any / of that [`FaultCode::as_str`] code, e.g. `cell_over_temperature`), at the fault's time |
//! | `injected:<name>` / `cleared:<name>` | a mark of an injection named `<name>` starts (or is a one-off) / ends, at the mark's time |
//! | `charge_start` / `charge_start:<station>` | the car plugs in (`charger.connected` goes from 0 to 1), at the end of that step |
//! | `charge_end` / `charge_end:<station>` | a charge stop ends (the car unplugged), at its end time |
//! | `leg_start` / `leg_start:<n>` | a leg (the 0-based `n`th, as `route.leg_index`) begins |
//! | `leg_end` / `leg_end:<n>` | a leg ends |
//! | `timeout:<message>` / `invalid:<message>` | the network saw a consumed message time out / go INVALID (E2E), at its time |
//! | `resumed:<message>` / `valid:<message>` | it arrives again / passes its checks again |
//! | `signal:<name> <op> <value>` | a condition on a signal becomes true (false at the end of the previous step, or the first step); `<op>`: `<`, `<=`, `>`, `>=`, `==`, `!=`; e.g. `signal:bms.contactor_state == 0`, `signal:charger.dc_power_w > 150000` |
//!
//! Conditions are evaluated at the end of each step (the step's end time);
//! faults, marks, charge ends and network events carry their own time.
//!
//! # API (stable)
//!
//! - [`EventSpec::parse`]`(text, &Vocabulary) -> Result<EventSpec, SpecError>`:
//!   a [`SpecError`] carries the byte offset in `text` of what is wrong.
//! - [`EventSpec::parse_at`]`(src, path, text, &Vocabulary)`: the same, the error
//!   located in a file (`file:line:col`) at the string value at `path`.
//! - [`EventMatcher::new`]`(spec)`, then [`EventMatcher::step`]`(&StepView) ->
//!   Option<u64>` once after every step, in order: the virtual time (µs) of the
//!   first occurrence in that step, if any.

use std::fmt;

use evtwin_sim::bms::BmsFault;
use evtwin_sim::route::LegKind;
use evtwin_sim::signals::{Catalogue, Scalar, Signal};
use evtwin_sim::{Event, FaultCode};

use crate::hook::{MarkKind, StepView};
use crate::net::NetEvent;
use crate::source::{FileError, Seg, Source};

/// What a spec may name: the scenario's signals, stations, legs, messages, and
/// injections.
#[derive(Debug, Clone, Copy)]
pub struct Vocabulary<'a> {
    /// The twin's signals.
    pub catalogue: &'a Catalogue,
    /// The stations of the route's charge legs.
    pub stations: &'a [String],
    /// Number of legs of the route.
    pub legs: usize,
    /// The messages of the network's DBC (`None`: network events are refused).
    pub messages: Option<&'a [String]>,
    /// Names of the scenario's injections (`None`: not checked).
    pub marks: Option<&'a [String]>,
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// Its symbol.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Eq => "==",
            Self::Ne => "!=",
        }
    }

    /// Whether `a <op> b`.
    #[must_use]
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Self::Lt => a < b,
            Self::Le => a <= b,
            Self::Gt => a > b,
            Self::Ge => a >= b,
            Self::Eq => a == b,
            Self::Ne => a != b,
        }
    }
}

/// A condition on a signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The signal.
    pub signal: Signal,
    /// The comparison.
    pub op: Op,
    /// The value, in the signal's unit.
    pub value: f64,
}

/// Something that happens during a run.
#[derive(Debug, Clone, PartialEq)]
pub enum EventSpec {
    /// A fault (any, or of this code).
    Fault(Option<String>),
    /// An injection starts (or a one-off).
    Injected(String),
    /// An injection ends.
    Cleared(String),
    /// The car plugs in (anywhere, or at this station).
    ChargeStart(Option<String>),
    /// A charge stop ends.
    ChargeEnd(Option<String>),
    /// A leg begins (any, or this 0-based one).
    LegStart(Option<usize>),
    /// A leg ends.
    LegEnd(Option<usize>),
    /// A consumed message timed out.
    Timeout(String),
    /// A consumed message went INVALID.
    Invalid(String),
    /// A timed-out message arrives again.
    Resumed(String),
    /// An INVALID message is VALID again.
    Valid(String),
    /// A condition becomes true.
    Signal(Condition),
}

/// Why a spec was refused: a message and the byte offset in the spec's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SpecError {
    /// Byte offset in the spec's text.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, SpecError> {
    Err(SpecError {
        offset,
        message: message.into(),
    })
}

/// Every fault code name (what `fault:<code>` takes).
#[must_use]
pub fn fault_codes() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = [
        FaultCode::BatteryDepleted,
        FaultCode::StationIncompatible,
        FaultCode::Numerical,
        FaultCode::Stalled,
        FaultCode::NoPower,
    ]
    .iter()
    .map(|c| c.as_str())
    .collect();
    v.extend(BmsFault::ALL.iter().map(|f| f.as_str()));
    v
}

const KINDS: &str = "fault, injected:<name>, cleared:<name>, charge_start, charge_end, \
                     leg_start, leg_end, timeout:<message>, invalid:<message>, \
                     resumed:<message>, valid:<message>, signal:<name> <op> <value>";

/// A spec cut at its first `:`.
struct Parts<'t> {
    text: &'t str,
    kind: &'t str,
    arg: Option<&'t str>,
    /// Offset of the argument in the text.
    at: usize,
}

impl<'t> Parts<'t> {
    fn need(&self, what: &str) -> Result<&'t str, SpecError> {
        let kind = self.kind;
        match self.optional() {
            Some(a) => Ok(a),
            None => err(
                self.text.len(),
                format!("`{kind}` needs a {what}: `{kind}:<{what}>`"),
            ),
        }
    }

    fn optional(&self) -> Option<&'t str> {
        self.arg.map(str::trim).filter(|a| !a.is_empty())
    }
}

impl EventSpec {
    /// Parses `text` against what the scenario has.
    pub fn parse(text: &str, vocab: &Vocabulary<'_>) -> Result<Self, SpecError> {
        let (kind, arg) = match text.split_once(':') {
            Some((k, a)) => (k, Some(a)),
            None => (text, None),
        };
        let p = Parts {
            text,
            kind: kind.trim(),
            arg,
            at: kind.len() + 1,
        };
        match p.kind {
            "fault" => fault(&p),
            "injected" | "cleared" => injection(&p, vocab),
            "charge_start" | "charge_end" => charge(&p, vocab),
            "leg_start" | "leg_end" => leg(&p, vocab),
            "timeout" | "invalid" | "resumed" | "valid" => network(&p, vocab),
            "signal" => condition(arg.unwrap_or(""), p.at, vocab.catalogue).map(Self::Signal),
            other => err(0, format!("unknown event `{other}`; events: {KINDS}")),
        }
    }

    /// [`EventSpec::parse`] of the string at `path` of `src`, an error located
    /// in the file (at the offending part of the string when it has no escapes).
    pub(crate) fn parse_at(
        src: &Source,
        path: &[Seg],
        text: &str,
        vocab: &Vocabulary<'_>,
    ) -> Result<Self, FileError> {
        Self::parse(text, vocab).map_err(|e| {
            let (span, _) = src.span_of(path);
            let raw = src.text.get(span.clone()).unwrap_or("");
            // A plain string `"…"` maps offsets one to one after its quote.
            let inner = raw.len() == text.len() + 2 && raw.get(1..=text.len()) == Some(text);
            let offset = if inner {
                span.start + 1 + e.offset
            } else {
                span.start
            };
            FileError::at_offset(src, offset, format!("{} in `{text}`", e.message))
        })
    }
}

fn fault(p: &Parts<'_>) -> Result<EventSpec, SpecError> {
    let Some(code) = p.optional() else {
        return Ok(EventSpec::Fault(None));
    };
    let codes = fault_codes();
    if !codes.contains(&code) {
        return err(
            p.at,
            format!("unknown fault code `{code}`; codes: {}", codes.join(", ")),
        );
    }
    Ok(EventSpec::Fault(Some(code.to_owned())))
}

fn injection(p: &Parts<'_>, vocab: &Vocabulary<'_>) -> Result<EventSpec, SpecError> {
    let name = p.need("name")?;
    if let Some(marks) = vocab.marks
        && !marks.iter().any(|m| m == name)
    {
        return err(
            p.at,
            format!("no injection named `{name}` (names: {})", list(marks)),
        );
    }
    Ok(if p.kind == "injected" {
        EventSpec::Injected(name.to_owned())
    } else {
        EventSpec::Cleared(name.to_owned())
    })
}

fn charge(p: &Parts<'_>, vocab: &Vocabulary<'_>) -> Result<EventSpec, SpecError> {
    let station = p.optional();
    if vocab.stations.is_empty() {
        return err(
            0,
            format!("`{}` never happens: the route has no charge stop", p.kind),
        );
    }
    if let Some(s) = station
        && !vocab.stations.iter().any(|x| x == s)
    {
        return err(
            p.at,
            format!(
                "no charge stop at station `{s}` (stations of the route: {})",
                list(vocab.stations)
            ),
        );
    }
    let s = station.map(str::to_owned);
    Ok(if p.kind == "charge_start" {
        EventSpec::ChargeStart(s)
    } else {
        EventSpec::ChargeEnd(s)
    })
}

fn leg(p: &Parts<'_>, vocab: &Vocabulary<'_>) -> Result<EventSpec, SpecError> {
    let leg = match p.optional() {
        None => None,
        Some(n) => match n.parse::<usize>() {
            Ok(i) if i < vocab.legs => Some(i),
            _ => {
                return err(
                    p.at,
                    format!(
                        "`{n}` is not a leg: the route's legs are 0 to {} (0-based)",
                        vocab.legs.saturating_sub(1)
                    ),
                );
            }
        },
    };
    Ok(if p.kind == "leg_start" {
        EventSpec::LegStart(leg)
    } else {
        EventSpec::LegEnd(leg)
    })
}

fn network(p: &Parts<'_>, vocab: &Vocabulary<'_>) -> Result<EventSpec, SpecError> {
    let m = p.need("message")?;
    let Some(messages) = vocab.messages else {
        return err(
            0,
            format!("`{}:` needs a CAN network, and none is played", p.kind),
        );
    };
    if !messages.iter().any(|x| x == m) {
        return err(
            p.at,
            format!(
                "`{m}` is not a message of the DBC (messages: {})",
                list(messages)
            ),
        );
    }
    let m = m.to_owned();
    Ok(match p.kind {
        "timeout" => EventSpec::Timeout(m),
        "invalid" => EventSpec::Invalid(m),
        "resumed" => EventSpec::Resumed(m),
        _ => EventSpec::Valid(m),
    })
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// `<name> <op> <value>`; `base`: offset of `rest` in the whole spec.
fn condition(rest: &str, base: usize, catalogue: &Catalogue) -> Result<Condition, SpecError> {
    const OPS: [(&str, Op); 6] = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];
    let found = rest.char_indices().find_map(|(i, _)| {
        OPS.iter()
            .find(|(s, _)| rest[i..].starts_with(s))
            .map(|o| (i, *o))
    });
    let Some((i, (sym, op))) = found else {
        return err(
            base + rest.len(),
            "a signal condition is `signal:<name> <op> <value>` with <op> one of < <= > >= == !=",
        );
    };
    let name = rest[..i].trim();
    let name_at = base + rest.len() - rest.trim_start().len();
    let Some(signal) = catalogue.find(name) else {
        return err(name_at, unknown_signal(name));
    };
    let value_text = rest[i + sym.len()..].trim();
    let value_at = base
        + i
        + sym.len()
        + (rest[i + sym.len()..].len() - rest[i + sym.len()..].trim_start().len());
    // A number, then optionally a unit (the signal's, or one scaled from it).
    let split = value_text
        .find(|c: char| c.is_whitespace())
        .unwrap_or(value_text.len());
    let (number, unit) = (&value_text[..split], value_text[split..].trim());
    let value: f64 = match number.parse() {
        Ok(v) if f64::is_finite(v) => v,
        _ => {
            return err(
                value_at,
                format!(
                    "`{number}` is not a number (the value is in the signal's unit, {}, or \
                     one scaled from it)",
                    signal.unit()
                ),
            );
        }
    };
    let value = if unit.is_empty() {
        value
    } else {
        match to_unit(value, unit, signal.unit()) {
            Some(v) => v,
            None => return err(value_at + split, unit_error(unit, signal.unit())),
        }
    };
    Ok(Condition { signal, op, value })
}

/// Units a value may be written in, each with the unit it scales to and its
/// factor.
const UNITS: [(&str, &str, f64); 10] = [
    ("kW", "W", 1000.0),
    ("kWh", "Wh", 1000.0),
    ("mV", "V", 0.001),
    ("mA", "A", 0.001),
    ("ms", "s", 0.001),
    ("min", "s", 60.0),
    ("h", "s", 3600.0),
    ("km/h", "m/s", 1.0 / 3.6),
    ("kph", "m/s", 1.0 / 3.6),
    ("m", "km", 0.001),
];

/// `value` written in `unit`, in `target` (the signal's unit): `None` when
/// `unit` is neither `target` nor scaled from it.
#[must_use]
pub fn to_unit(value: f64, unit: &str, target: &str) -> Option<f64> {
    if unit == target {
        return Some(value);
    }
    UNITS
        .iter()
        .find(|(u, t, _)| *u == unit && *t == target)
        .map(|(_, _, k)| value * k)
}

/// Why `unit` does not fit a signal in `target`.
#[must_use]
pub fn unit_error(unit: &str, target: &str) -> String {
    let mut ok: Vec<&str> = vec![target];
    ok.extend(
        UNITS
            .iter()
            .filter(|(_, t, _)| *t == target)
            .map(|(u, _, _)| *u),
    );
    format!(
        "`{unit}` is not a unit of this signal (it is in {target}; write {})",
        ok.join(" or ")
    )
}

/// The message for a name that is not a signal: the nearest names as a hint.
#[must_use]
pub fn unknown_signal(name: &str) -> String {
    let prefix = name.split('.').next().unwrap_or("");
    let near: Vec<&str> = Scalar::ALL
        .iter()
        .map(|s| s.name())
        .filter(|n| !prefix.is_empty() && n.starts_with(&format!("{prefix}.")))
        .collect();
    if near.is_empty() {
        format!("unknown signal `{name}` (`evtwin signals` lists them)")
    } else {
        format!(
            "unknown signal `{name}`; {prefix}.*: {} (`evtwin signals` lists them all)",
            near.join(", ")
        )
    }
}

impl fmt::Display for EventSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let opt = |k: &str, a: Option<&str>| a.map_or_else(|| k.to_owned(), |a| format!("{k}:{a}"));
        match self {
            Self::Fault(c) => f.write_str(&opt("fault", c.as_deref())),
            Self::Injected(n) => write!(f, "injected:{n}"),
            Self::Cleared(n) => write!(f, "cleared:{n}"),
            Self::ChargeStart(s) => f.write_str(&opt("charge_start", s.as_deref())),
            Self::ChargeEnd(s) => f.write_str(&opt("charge_end", s.as_deref())),
            Self::LegStart(n) => {
                f.write_str(&opt("leg_start", n.map(|n| n.to_string()).as_deref()))
            }
            Self::LegEnd(n) => f.write_str(&opt("leg_end", n.map(|n| n.to_string()).as_deref())),
            Self::Timeout(m) => write!(f, "timeout:{m}"),
            Self::Invalid(m) => write!(f, "invalid:{m}"),
            Self::Resumed(m) => write!(f, "resumed:{m}"),
            Self::Valid(m) => write!(f, "valid:{m}"),
            Self::Signal(c) => write!(
                f,
                "signal:{} {} {}",
                c.signal.name(),
                c.op.as_str(),
                c.value
            ),
        }
    }
}

/// Finds an [`EventSpec`] in the steps of a run, in order.
#[derive(Debug, Clone)]
pub struct EventMatcher {
    spec: EventSpec,
    /// Marks already looked at.
    marks_seen: usize,
    /// The condition (or `charger.connected`) at the end of the previous step.
    was_true: bool,
}

fn us(time_s: f64) -> u64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let t = (time_s * 1e6).round().max(0.0) as u64;
    t
}

impl EventMatcher {
    /// A matcher for `spec`, before the first step.
    #[must_use]
    pub fn new(spec: EventSpec) -> Self {
        Self {
            spec,
            marks_seen: 0,
            was_true: false,
        }
    }

    /// What it looks for.
    #[must_use]
    pub fn spec(&self) -> &EventSpec {
        &self.spec
    }

    /// After each step, in order: when (µs) the event first happened in it.
    pub fn step(&mut self, view: &StepView<'_>) -> Option<u64> {
        let new_marks = view.marks.get(self.marks_seen..).unwrap_or(&[]);
        self.marks_seen = view.marks.len();
        match &self.spec {
            EventSpec::Injected(n) => new_marks
                .iter()
                .find(|m| &m.name == n && matches!(m.kind, MarkKind::Start | MarkKind::Instant))
                .map(|m| m.time_us),
            EventSpec::Cleared(n) => new_marks
                .iter()
                .find(|m| &m.name == n && m.kind == MarkKind::End)
                .map(|m| m.time_us),
            EventSpec::Signal(c) => {
                let now = c.op.holds(view.twin.read(c.signal), c.value);
                let rose = now && !self.was_true;
                self.was_true = now;
                rose.then_some(view.now_us)
            }
            EventSpec::ChargeStart(station) => {
                let now = view.twin.read(Signal::Scalar(Scalar::ChargerConnected)) > 0.5;
                let rose = now && !self.was_true;
                self.was_true = now;
                let here = || {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let leg = view.twin.read(Signal::Scalar(Scalar::LegIndex)) as usize;
                    match view.twin.config().route.legs().get(leg).map(|l| &l.kind) {
                        Some(LegKind::Charge(c)) => {
                            station.as_ref().is_none_or(|s| *s == c.station.name)
                        }
                        _ => false,
                    }
                };
                (rose && here()).then_some(view.now_us)
            }
            spec => view
                .events
                .iter()
                .find_map(|e| twin_event(spec, e))
                .into_iter()
                .chain(view.net_events.iter().filter_map(|e| net_event(spec, e)))
                .min(),
        }
    }
}

fn twin_event(spec: &EventSpec, e: &Event) -> Option<u64> {
    match (spec, e) {
        (EventSpec::Fault(code), Event::Fault(f))
            if code.as_deref().is_none_or(|c| c == f.code.as_str()) =>
        {
            Some(us(f.time_s))
        }
        (EventSpec::ChargeEnd(s), Event::ChargeStop(r))
            if s.as_ref().is_none_or(|s| *s == r.station) =>
        {
            Some(us(r.start_s + r.duration_s))
        }
        (EventSpec::LegStart(n), Event::LegStarted { index, time_s })
        | (EventSpec::LegEnd(n), Event::LegFinished { index, time_s })
            if n.is_none_or(|n| n == *index) =>
        {
            Some(us(*time_s))
        }
        _ => None,
    }
}

fn net_event(spec: &EventSpec, e: &NetEvent) -> Option<u64> {
    match (spec, e) {
        (EventSpec::Timeout(m), NetEvent::Timeout { message, at_us, .. })
        | (EventSpec::Invalid(m), NetEvent::Invalid { message, at_us, .. })
        | (EventSpec::Resumed(m), NetEvent::Resumed { message, at_us })
        | (EventSpec::Valid(m), NetEvent::Valid { message, at_us })
            if m == message =>
        {
            Some(*at_us)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::hook::Mark;
    use evtwin_sim::{Status, Twin};

    const SCENARIO: &str = "[scenario]\nname = \"t\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
        [pack]\ninitial_soc_pct = 50\n\
        [[route]]\nidle = { duration_s = 2 }\n\
        [[route]]\ncharge = { station = \"fast\", until_soc_pct = 51 }\n\
        [stations.fast]\nmax_power_kw = 150\nmax_voltage_v = 500\nmax_current_a = 375\n";

    fn src(text: &str) -> Source {
        Source {
            name: "t.toml".into(),
            text: text.into(),
        }
    }

    fn twin() -> Twin {
        let s = crate::from_source(&src(SCENARIO), std::path::Path::new(".")).unwrap();
        Twin::new(s.config).unwrap()
    }

    struct Names {
        catalogue: Catalogue,
        stations: Vec<String>,
        messages: Vec<String>,
        marks: Vec<String>,
    }

    fn names() -> Names {
        Names {
            catalogue: Catalogue::new(4),
            stations: vec!["fast".into()],
            messages: vec!["BMS_Status".into()],
            marks: vec!["overtemp".into()],
        }
    }

    fn vocab(n: &Names) -> Vocabulary<'_> {
        Vocabulary {
            catalogue: &n.catalogue,
            stations: &n.stations,
            legs: 2,
            messages: Some(&n.messages),
            marks: Some(&n.marks),
        }
    }

    fn parse(text: &str) -> Result<EventSpec, SpecError> {
        EventSpec::parse(text, &vocab(&names()))
    }

    #[test]
    fn every_kind_parses_and_prints_back() {
        for text in [
            "fault",
            "fault:cell_over_temperature",
            "fault:stalled",
            "injected:overtemp",
            "cleared:overtemp",
            "charge_start",
            "charge_start:fast",
            "charge_end:fast",
            "leg_start:1",
            "leg_end",
            "timeout:BMS_Status",
            "invalid:BMS_Status",
            "resumed:BMS_Status",
            "valid:BMS_Status",
            "signal:bms.contactor_state == 0",
            "signal:charger.dc_power_w > 150000",
            "signal:cell[3].temp_c >= 45.5",
        ] {
            let spec = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(spec.to_string(), text);
        }
        let kw = parse("signal:charger.dc_power_w > 150 kW").unwrap();
        assert_eq!(kw, parse("signal:charger.dc_power_w > 150000").unwrap());
        let e = parse("signal:charger.dc_power_w > 150 kWh").unwrap_err();
        assert_eq!(e.offset, 31);
        assert!(e.message.contains("write W or kW"), "{e}");
        let c = parse("signal:pack.soc_pct<=10").unwrap();
        assert_eq!(
            c,
            EventSpec::Signal(Condition {
                signal: Signal::Scalar(Scalar::PackSocPct),
                op: Op::Le,
                value: 10.0
            })
        );
    }

    #[test]
    fn bad_specs_say_what_and_where() {
        let e = parse("signal:pack.contactors_closed == 0").unwrap_err();
        assert_eq!(e.offset, 7);
        assert!(
            e.message
                .contains("unknown signal `pack.contactors_closed`"),
            "{e}"
        );
        assert!(e.message.contains("pack.soc_pct"), "{e}");
        let e = parse("signal:pack.soc_pct > lots").unwrap_err();
        assert_eq!(
            (e.offset, e.message.contains("`lots` is not a number")),
            (22, true)
        );
        let e = parse("signal:pack.soc_pct 5").unwrap_err();
        assert!(e.message.contains("<op>"), "{e}");
        let e = parse("fault:overheat").unwrap_err();
        assert_eq!(e.offset, 6);
        assert!(e.message.contains("cell_over_temperature"), "{e}");
        assert!(
            parse("injected:ghost")
                .unwrap_err()
                .message
                .contains("overtemp")
        );
        assert!(
            parse("injected")
                .unwrap_err()
                .message
                .contains("needs a name")
        );
        assert!(
            parse("charge_start:slow")
                .unwrap_err()
                .message
                .contains("fast")
        );
        assert!(parse("leg_start:2").unwrap_err().message.contains("0 to 1"));
        assert!(
            parse("timeout:VCU_Nope")
                .unwrap_err()
                .message
                .contains("BMS_Status")
        );
        assert!(
            parse("plug_in")
                .unwrap_err()
                .message
                .contains("unknown event `plug_in`")
        );
        let n = names();
        let no_net = Vocabulary {
            messages: None,
            ..vocab(&n)
        };
        let e = EventSpec::parse("timeout:BMS_Status", &no_net).unwrap_err();
        assert!(e.message.contains("needs a CAN network"), "{e}");
        let no_marks = Vocabulary {
            marks: None,
            stations: &[],
            ..vocab(&n)
        };
        assert!(EventSpec::parse("injected:anything", &no_marks).is_ok());
        let e = EventSpec::parse("charge_end", &no_marks).unwrap_err();
        assert!(e.message.contains("no charge stop"), "{e}");
    }

    #[test]
    fn errors_are_located_in_the_file() {
        let s = src("[x]\nafter = \"signal:pack.soc_pc > 3\"\n");
        let n = names();
        let path = [Seg::Key("x".into()), Seg::Key("after".into())];
        let e = EventSpec::parse_at(&s, &path, "signal:pack.soc_pc > 3", &vocab(&n)).unwrap_err();
        // The value's quote is at column 9: `signal:` follows, the name at 17.
        assert_eq!((e.line, e.column), (2, 17), "{e}");
        assert!(e.message.ends_with("in `signal:pack.soc_pc > 3`"), "{e}");
    }

    /// Runs the twin step by step, giving each step to `m` with `extra` marks
    /// and network events at chosen steps; returns the times found.
    fn found(
        spec: &str,
        until_steps: u64,
        marks_at: &[(u64, Mark)],
        net_at: &[(u64, NetEvent)],
    ) -> Vec<u64> {
        let mut t = twin();
        let n = names();
        let mut m = EventMatcher::new(EventSpec::parse(spec, &vocab(&n)).unwrap());
        let mut marks = Vec::new();
        let mut out = Vec::new();
        let step_us = 10_000;
        while t.steps() < until_steps {
            let status = t.step();
            let events: Vec<Event> = t.drain_events().collect();
            marks.extend(
                marks_at
                    .iter()
                    .filter(|(k, _)| *k == t.steps())
                    .map(|(_, m)| m.clone()),
            );
            let net: Vec<NetEvent> = net_at
                .iter()
                .filter(|(k, _)| *k == t.steps())
                .map(|(_, e)| e.clone())
                .collect();
            let view = StepView {
                twin: &t,
                net: None,
                now_us: t.steps() * step_us,
                events: &events,
                net_events: &net,
                sent: &[],
                received: &[],
                marks: &marks,
            };
            out.extend(m.step(&view));
            if status != Status::Running {
                break;
            }
        }
        out
    }

    #[test]
    fn legs_charge_stops_and_conditions_are_found_once_at_their_time() {
        // Leg 0 idles 2 s; the charge leg begins at 2 s, the car plugs in then.
        assert_eq!(found("leg_start:0", 400, &[], &[]), vec![0]);
        assert_eq!(found("leg_end:0", 400, &[], &[]), vec![2_000_000]);
        assert_eq!(found("leg_start", 400, &[], &[]), vec![0, 2_000_000]);
        let plug = found("charge_start:fast", 400, &[], &[]);
        assert_eq!(plug.len(), 1, "{plug:?}");
        assert!((2_000_000..=2_020_000).contains(&plug[0]), "{plug:?}");
        // The condition rises once (the car stays connected).
        assert_eq!(found("signal:charger.connected == 1", 400, &[], &[]), plug);
        // True from the first step: found at its end.
        assert_eq!(
            found("signal:pack.soc_pct < 60", 50, &[], &[]),
            vec![10_000]
        );
        assert!(found("signal:pack.soc_pct > 60", 50, &[], &[]).is_empty());
    }

    #[test]
    fn marks_and_network_events_carry_their_own_time() {
        let mark = |kind, time_us| Mark {
            time_us,
            name: "overtemp".into(),
            kind,
            text: String::new(),
        };
        let marks = [
            (5, mark(MarkKind::Start, 40_000)),
            (9, mark(MarkKind::End, 80_000)),
        ];
        assert_eq!(found("injected:overtemp", 20, &marks, &[]), vec![40_000]);
        assert_eq!(found("cleared:overtemp", 20, &marks, &[]), vec![80_000]);
        let timeout = NetEvent::Timeout {
            message: "BMS_Status".into(),
            at_us: 123_456,
            faulted: true,
        };
        let other = NetEvent::Timeout {
            message: "VCU_Other".into(),
            at_us: 1,
            faulted: false,
        };
        let net = [(12, other), (13, timeout)];
        assert_eq!(found("timeout:BMS_Status", 20, &[], &net), vec![123_456]);
        assert!(found("invalid:BMS_Status", 20, &[], &net).is_empty());
    }

    #[test]
    fn faults_match_by_code() {
        let fault = |code| {
            Event::Fault(evtwin_sim::Fault {
                code,
                time_s: 1.5,
                odometer_km: 0.0,
                message: String::new(),
            })
        };
        let e = fault(FaultCode::Bms(BmsFault::CellOverTemperature));
        let spec = |t: &str| parse(t).unwrap();
        assert_eq!(twin_event(&spec("fault"), &e), Some(1_500_000));
        assert_eq!(
            twin_event(&spec("fault:cell_over_temperature"), &e),
            Some(1_500_000)
        );
        assert_eq!(twin_event(&spec("fault:over_current"), &e), None);
        assert_eq!(fault_codes().len(), 14);
    }
}
