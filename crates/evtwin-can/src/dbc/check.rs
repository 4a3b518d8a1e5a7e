//! Semantic checks (`evtwin dbc check`): what parses but is wrong.

use std::collections::HashMap;
use std::fmt;

use super::Dbc;
use super::layout::Layout;
use super::model::{Message, MuxRole, SignalDef, ValueKind};
use super::normalize::Pos;
use crate::frame::FD_LENGTHS;

/// A semantic problem, located in the original text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    pub(crate) fn at(at: Pos, message: String) -> Self {
        Self {
            line: at.line,
            col: at.col,
            message,
        }
    }
}

impl fmt::Display for Problem {
    /// `line:col: message` (prefix the file name to get the usual form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl Dbc {
    /// Finds semantic problems: signals outside their message or of a width
    /// their type cannot have, overlapping signals that can be present
    /// together, duplicate message ids or names, duplicate signal names,
    /// multiplexed signals whose switch is missing, factor 0, min > max, ranges
    /// the field cannot hold, bad lengths, cycle time 0, and statements that
    /// refer to unknown signals. Sorted by position.
    #[must_use]
    pub fn check(&self) -> Vec<Problem> {
        let mut out = self.build_problems.clone();
        let mut ids = HashMap::new();
        let mut names = HashMap::new();
        for m in &self.messages {
            let at = Pos {
                line: m.line,
                col: m.col,
            };
            if let Some(first) = ids.insert(m.id, m.line) {
                out.push(Problem::at(
                    at,
                    format!(
                        "message {}: id 0x{} already used on line {first}",
                        m.name, m.id
                    ),
                ));
            }
            if let Some(first) = names.insert(m.name.as_str(), m.line) {
                out.push(Problem::at(
                    at,
                    format!("message name {} already used on line {first}", m.name),
                ));
            }
            check_message(self, m, &mut out);
        }
        out.sort();
        out.dedup();
        out
    }
}

fn check_message(dbc: &Dbc, m: &Message, out: &mut Vec<Problem>) {
    let at = Pos {
        line: m.line,
        col: m.col,
    };
    if m.len_bytes > 64 {
        out.push(Problem::at(
            at,
            format!("message {}: {} bytes, at most 64", m.name, m.len_bytes),
        ));
    } else if m.fd && !FD_LENGTHS.contains(&m.len_bytes) {
        out.push(Problem::at(
            at,
            format!(
                "message {}: {} bytes is not a CAN FD length",
                m.name, m.len_bytes
            ),
        ));
    }
    if !m.sender.is_empty() && !dbc.nodes.is_empty() && !dbc.nodes.contains(&m.sender) {
        out.push(Problem::at(
            at,
            format!("message {}: sender {} is not in BU_", m.name, m.sender),
        ));
    }
    let mut seen = HashMap::new();
    for (i, s) in m.signals.iter().enumerate() {
        if let Some(first) = seen.insert(s.name.as_str(), s.line) {
            out.push(Problem::at(
                s.pos(),
                format!(
                    "signal {} already in message {} (line {first})",
                    s.name, m.name
                ),
            ));
        }
        check_signal(m, i, s, out);
    }
    super::overlap::overlaps(m, out);
}

/// Why the codec cannot place signal `s` of `m` (None: it can).
fn layout_problem(m: &Message, s: &SignalDef) -> Option<String> {
    let expected_size = match s.kind {
        ValueKind::Integer => None,
        ValueKind::Float32 => Some((32, "float")),
        ValueKind::Float64 => Some((64, "double")),
    };
    if let Some((bits, kind)) = expected_size.filter(|&(bits, _)| s.size != bits) {
        return Some(format!("{kind} signal of {} bits, not {bits}", s.size));
    }
    if !(1..=64).contains(&s.size) {
        return Some(format!("width {} bits, must be 1 to 64", s.size));
    }
    if Layout::span(s.start_bit, s.size, s.byte_order).is_none_or(|(_, last)| last >= m.len_bytes) {
        return Some(format!(
            "bits {}|{} lie outside the {}-byte message",
            s.start_bit, s.size, m.len_bytes
        ));
    }
    None
}

impl Dbc {
    /// Signals the codec cannot place (outside their message, 0 or more than
    /// 64 bits wide, a float of the wrong width), located: they are left out of
    /// encoding and decoding (never read as 0), and loaders print these as
    /// warnings. [`Dbc::check`] reports the same as problems.
    #[must_use]
    pub fn uncodable(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        for m in &self.messages {
            for s in m.signals.iter().filter(|s| !s.is_codable()) {
                let why = layout_problem(m, s).unwrap_or_else(|| "cannot be placed".to_owned());
                out.push(Problem::at(
                    s.pos(),
                    format!(
                        "signal {}.{}: {why}; left out of encoding and decoding",
                        m.name, s.name
                    ),
                ));
            }
        }
        out
    }
}

fn check_signal(m: &Message, i: usize, s: &SignalDef, out: &mut Vec<Problem>) {
    let p = |msg: String| Problem::at(s.pos(), format!("signal {}.{}: {msg}", m.name, s.name));
    if let Some(why) = layout_problem(m, s) {
        out.push(p(why));
    }
    for (what, v) in [
        ("factor", s.factor),
        ("offset", s.offset),
        ("min", s.min),
        ("max", s.max),
    ] {
        if !v.is_finite() {
            out.push(p(format!("{what} {v} is not a finite number")));
        }
    }
    if s.factor == 0.0 {
        out.push(p("factor 0".to_owned()));
    }
    if s.min > s.max {
        out.push(p(format!("min {} > max {}", s.min, s.max)));
    }
    if s.kind == ValueKind::Integer
        && s.min < s.max
        && (1..=64).contains(&s.size)
        && s.factor != 0.0
        && [s.factor, s.offset, s.min, s.max]
            .iter()
            .all(|v| v.is_finite())
    {
        let (lo, hi) = raw_range(s);
        let (a, b) = (lo * s.factor + s.offset, hi * s.factor + s.offset);
        let (plo, phi) = (a.min(b), a.max(b));
        // A range written rounded (less than one step of resolution past what
        // the field holds) is not a problem.
        let slack = s.factor.abs() + 1e-9 * phi.abs().max(plo.abs());
        if s.min < plo - slack || s.max > phi + slack {
            out.push(p(format!(
                "range [{}, {}] exceeds what the field holds [{plo}, {phi}] by more than its resolution {}",
                s.min,
                s.max,
                s.factor.abs()
            )));
        }
    }
    // A missing switch (`get` gives None) was reported when the model was built.
    if let Some(c) = s.mux.condition()
        && let Some(sw) = m.signals.get(c.switch)
    {
        if !sw.mux.is_switch() {
            out.push(p(format!(
                "multiplexed by {}, which is not a switch",
                sw.name
            )));
        } else if !m.is_present_possible(i) {
            out.push(p("multiplexing forms a cycle".to_owned()));
        }
    }
}

/// Raw integer range of an integer field.
fn raw_range(s: &SignalDef) -> (f64, f64) {
    let bits = i32::try_from(s.size).unwrap_or(64);
    if s.signed {
        (-(2f64.powi(bits - 1)), 2f64.powi(bits - 1) - 1.0)
    } else {
        (0.0, 2f64.powi(bits) - 1.0)
    }
}

impl Message {
    /// Whether following switches from signal `i` ends (no cycle).
    fn is_present_possible(&self, i: usize) -> bool {
        let mut k = i;
        for _ in 0..=self.signals.len() {
            match self.signals.get(k).map(|s| &s.mux) {
                Some(MuxRole::Multiplexed(c) | MuxRole::MultiplexedSwitch(c)) => k = c.switch,
                _ => return true,
            }
        }
        false
    }
}
