//! Checking `[[fault]]` entries: one trigger, at most one end, the keys each
//! kind takes, groups inside the pack, messages, nodes and signals of the
//! scenario's network; every error at the key (`file:line:col`).

use evtwin_sim::Injection;

use super::parse_link::LINK_KINDS;
use super::{Action, Ending, FaultSpec, Trigger};
use crate::Scenario;
use crate::event_match::{EventSpec, Vocabulary};
use crate::net::{Network, Role};
use crate::raw_fault::{RawFault, RawMessage};
use crate::source::{FileError, Source, toml_path};

/// The kinds a fault may have.
pub(crate) const KINDS: &str = "cell_voltage_offset, cell_temp_offset, cell_temp_open, \
    current_offset, cell_heat, isolation, welded_contactors, internal_short, capacity_fade, \
    resistance_rise, stuck_sensor, coolant_pump_failure, heater_failure, drop, delay, \
    stop_node, override, e2e_counter, e2e_crc, bus_off, charge_mute, charge_drop, charge_tp_abort, \
    charge_ev_fault, charge_charger_fault, charge_insulation_fault";

const BUS_KINDS: [&str; 7] = [
    "drop",
    "delay",
    "stop_node",
    "override",
    "e2e_counter",
    "e2e_crc",
    "bus_off",
];

/// Where one entry is, to locate errors.
pub(super) struct At<'a> {
    pub(super) src: &'a Source,
    pub(super) index: usize,
}

impl At<'_> {
    pub(super) fn err(&self, key: &str, message: impl Into<String>) -> FileError {
        FileError::at_path(self.src, &toml_path!["fault", self.index, key], message)
    }
}

/// Checks every `[[fault]]` of `raw` against `scenario` (its pack, route,
/// signals and network).
pub(crate) fn faults(
    src: &Source,
    raw: &[RawFault],
    scenario: &Scenario,
) -> Result<Vec<FaultSpec>, FileError> {
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    let names = names(src, raw)?;
    let needs_net = raw.iter().any(|f| {
        let bus_kind = f.kind.as_deref().is_some_and(|k| BUS_KINDS.contains(&k));
        let net_event = [&f.on, &f.until].into_iter().flatten().any(|e| {
            ["timeout:", "invalid:", "resumed:", "valid:"]
                .iter()
                .any(|p| e.trim_start().starts_with(p))
        });
        bus_kind || net_event
    });
    let net = if needs_net {
        Some(network(src, raw, scenario)?)
    } else {
        None
    };
    let messages: Option<Vec<String>> = net
        .as_ref()
        .map(|n| n.dbc().messages().iter().map(|m| m.name.clone()).collect());
    let stations: Vec<String> = scenario
        .config
        .route
        .legs()
        .iter()
        .filter_map(|l| match &l.kind {
            evtwin_sim::route::LegKind::Charge(c) => Some(c.station.name.clone()),
            _ => None,
        })
        .collect();
    let catalogue = evtwin_sim::Catalogue::new(scenario.config.pack.series);
    let vocab = Vocabulary {
        catalogue: &catalogue,
        stations: &stations,
        legs: scenario.config.route.legs().len(),
        messages: messages.as_deref(),
        marks: Some(&names),
    };
    let mut out = Vec::with_capacity(raw.len());
    for (index, f) in raw.iter().enumerate() {
        let at = At { src, index };
        out.push(one(&at, f, &names[index], &vocab, scenario, net.as_ref())?);
    }
    // A clear names an earlier or later fault that can be cleared.
    for (index, spec) in out.iter().enumerate() {
        if let Action::Clear(target) = &spec.action {
            let at = At { src, index };
            let Some(t) = out.iter().find(|s| &s.name == target) else {
                return Err(at.err("clear", format!("no fault is named `{target}`")));
            };
            if matches!(t.action, Action::Clear(_)) || t.ending == Ending::Once {
                let msg = format!("`{target}` ({}) is done once and cannot be cleared", t.kind);
                return Err(at.err("clear", msg));
            }
        }
    }
    Ok(out)
}

/// Each entry's name: given (unique, plain) or `<kind>-<n>`.
fn names(src: &Source, raw: &[RawFault]) -> Result<Vec<String>, FileError> {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    for (index, f) in raw.iter().enumerate() {
        let at = At { src, index };
        #[allow(clippy::single_match_else)]
        let name = match &f.name {
            Some(n) => {
                let plain = !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
                if !plain {
                    return Err(at.err(
                        "name",
                        format!("fault name `{n}`: use letters, digits, `_`, `-` and `.`"),
                    ));
                }
                n.clone()
            }
            None => {
                let kind = f.kind.as_deref().or(f.clear.as_ref().map(|_| "clear"));
                format!("{}-{}", kind.unwrap_or("fault"), index + 1)
            }
        };
        if names.contains(&name) {
            return Err(at.err("name", format!("a fault named `{name}` comes earlier")));
        }
        names.push(name);
    }
    Ok(names)
}

/// The scenario's network, as `bridge` loads it.
fn network(src: &Source, raw: &[RawFault], scenario: &Scenario) -> Result<Network, FileError> {
    use crate::net::{NetFile, load_network};
    let bus = &scenario.bus;
    let dbc = bus.dbc.as_deref().map_or(NetFile::Builtin, NetFile::Path);
    let mapping = bus
        .mapping
        .as_deref()
        .map_or(NetFile::Builtin, NetFile::Path);
    load_network(scenario, dbc, mapping, &bus.real).map_err(|e| {
        let index = raw.iter().position(|f| f.kind.is_some()).unwrap_or(0);
        At { src, index }.err("kind", format!("cannot load the scenario's network: {e}"))
    })
}

fn event(
    at: &At<'_>,
    key: &str,
    text: &str,
    vocab: &Vocabulary<'_>,
) -> Result<EventSpec, FileError> {
    EventSpec::parse_at(at.src, &toml_path!["fault", at.index, key], text, vocab)
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn us(s: f64) -> u64 {
    (s * 1e6).round() as u64
}

fn one(
    at: &At<'_>,
    f: &RawFault,
    name: &str,
    vocab: &Vocabulary<'_>,
    scenario: &Scenario,
    net: Option<&Network>,
) -> Result<FaultSpec, FileError> {
    let trigger = match (f.at_s, f.at_km, &f.on) {
        (Some(s), None, None) => {
            if !(s.is_finite() && s >= 0.0) {
                return Err(at.err("at_s", format!("at_s = {s} must be 0 or more")));
            }
            Trigger::AtUs(us(s))
        }
        (None, Some(km), None) => {
            if !(km.is_finite() && km >= 0.0) {
                return Err(at.err("at_km", format!("at_km = {km} must be 0 or more")));
            }
            Trigger::AtKm(km)
        }
        (None, None, Some(e)) => Trigger::On(event(at, "on", e, vocab)?),
        (None, None, None) => {
            return Err(at.err("", "a fault needs a trigger: at_s, at_km or on"));
        }
        _ => {
            let key = if f.on.is_some() { "on" } else { "at_km" };
            return Err(at.err(key, "give one trigger: at_s, at_km or on"));
        }
    };
    let mut ending = match (f.duration_s, &f.until) {
        (None, None) => Ending::Never,
        (Some(d), None) => {
            if !(d.is_finite() && d > 0.0) {
                return Err(at.err("duration_s", format!("duration_s = {d} must be positive")));
            }
            Ending::AfterUs(us(d))
        }
        (None, Some(e)) => Ending::Until(event(at, "until", e, vocab)?),
        (Some(_), Some(_)) => return Err(at.err("until", "give duration_s or until, not both")),
    };
    let (kind, action, what) = match (&f.kind, &f.clear) {
        (Some(_), Some(_)) => {
            return Err(at.err("clear", "a fault has a kind or clears one, not both"));
        }
        (None, None) => return Err(at.err("", format!("a fault needs a kind ({KINDS}) or clear"))),
        (None, Some(target)) => {
            if ending != Ending::Never {
                return Err(at.err("clear", "a clear is done once: no duration_s or until"));
            }
            ending = Ending::Once;
            let what = format!("clears `{target}`");
            ("clear".to_owned(), Action::Clear(target.clone()), what)
        }
        (Some(kind), None) => {
            let (action, what) = if BUS_KINDS.contains(&kind.as_str()) {
                let net = net.ok_or_else(|| at.err("kind", "no network to put a bus fault on"))?;
                let (b, what) = super::parse_bus::bus(at.src, at.index, kind, f, net)?;
                (Action::Bus(b), what)
            } else if LINK_KINDS.contains(&kind.as_str()) {
                let (l, what) = super::parse_link::link(at, kind, f, &scenario.charge_protocols)?;
                (Action::Link(l), what)
            } else {
                let (i, what) =
                    super::parse_plant::plant(at, kind, f, scenario.config.pack.series)?;
                (Action::Plant(i), what)
            };
            (kind.clone(), action, what)
        }
    };
    if matches!(
        action,
        Action::Plant(Injection::CellHeat { .. } | Injection::WeldedContactors)
    ) {
        if ending != Ending::Never {
            let key = if f.until.is_some() {
                "until"
            } else {
                "duration_s"
            };
            return Err(at.err(key, format!("{kind} is done once: no duration_s or until")));
        }
        ending = Ending::Once;
    }
    super::parse_plant::check_unused(at, &kind, f)?;
    let bus_names = match &action {
        Action::Bus(_) => match &f.message {
            Some(RawMessage::Name(m)) => Some((m.clone(), f.signal.clone())),
            _ => None,
        },
        _ => None,
    };
    Ok(FaultSpec {
        bus_names,
        name: name.to_owned(),
        kind,
        trigger,
        ending,
        action,
        what,
    })
}

/// Whether message `k` of `net` is one the twin sends.
pub(super) fn simulated(net: &Network, k: usize) -> bool {
    net.plan().messages[k].role == Role::Simulated
}

/// An error at `key` of entry `index`.
pub(super) fn err_at(
    src: &Source,
    index: usize,
    key: &str,
    message: impl Into<String>,
) -> FileError {
    At { src, index }.err(key, message)
}
