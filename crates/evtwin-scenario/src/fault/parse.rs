//! Checking `[[fault]]` entries: one trigger, at most one end, the keys each
//! kind takes, groups inside the pack, messages, nodes and signals of the
//! scenario's network; every error at the key (`file:line:col`).

use evtwin_sim::{Injection, SensorKind};

use super::{Action, Ending, FaultSpec, Trigger};
use crate::Scenario;
use crate::event_match::{EventSpec, Vocabulary};
use crate::net::{Disturb, Network, Role, Then};
use crate::raw_fault::RawFault;
use crate::source::{FileError, Source, toml_path};

/// The kinds a fault may have.
pub(crate) const KINDS: &str = "cell_voltage_offset, cell_temp_offset, cell_temp_open, \
    current_offset, cell_heat, isolation, welded_contactors, internal_short, capacity_fade, \
    resistance_rise, stuck_sensor, coolant_pump_failure, heater_failure, drop, delay, \
    stop_node, override, e2e_counter, e2e_crc, bus_off";

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
struct At<'a> {
    src: &'a Source,
    index: usize,
}

impl At<'_> {
    fn err(&self, key: &str, message: impl Into<String>) -> FileError {
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
            } else {
                let (i, what) = plant(at, kind, f, scenario.config.pack.series)?;
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
    check_unused(at, &kind, f)?;
    Ok(FaultSpec {
        name: name.to_owned(),
        kind,
        trigger,
        ending,
        action,
        what,
    })
}

/// The keys each kind takes, besides name, kind/clear, trigger and end.
fn keys_of(kind: &str) -> &'static [&'static str] {
    match kind {
        "cell_voltage_offset" => &["group", "offset_v"],
        "cell_temp_offset" => &["group", "offset_c"],
        "cell_temp_open" => &["group"],
        "current_offset" => &["offset_a"],
        "cell_heat" => &["group", "delta_c"],
        "isolation" => &["resistance_ohm"],
        "internal_short" => &["group", "resistance_ohm"],
        "capacity_fade" | "resistance_rise" => &["group", "factor"],
        "stuck_sensor" => &["sensor", "group"],
        "drop" => &["message"],
        "e2e_counter" => &["message", "mode", "value", "offset", "frames", "then"],
        "e2e_crc" => &["message", "mode", "value", "offset", "frames"],
        "delay" => &["message", "delay_ms"],
        "stop_node" | "bus_off" => &["node"],
        "override" => &["message", "signal", "value"],
        _ => &[],
    }
}

/// A key the kind does not take is an error at that key.
fn check_unused(at: &At<'_>, kind: &str, f: &RawFault) -> Result<(), FileError> {
    let allowed = keys_of(kind);
    let given = [
        ("group", f.group.is_some()),
        ("delta_c", f.delta_c.is_some()),
        ("offset_v", f.offset_v.is_some()),
        ("offset_c", f.offset_c.is_some()),
        ("offset_a", f.offset_a.is_some()),
        ("resistance_ohm", f.resistance_ohm.is_some()),
        ("factor", f.factor.is_some()),
        ("sensor", f.sensor.is_some()),
        ("message", f.message.is_some()),
        ("node", f.node.is_some()),
        ("signal", f.signal.is_some()),
        ("value", f.value.is_some()),
        ("delay_ms", f.delay_ms.is_some()),
        ("mode", f.mode.is_some()),
        ("offset", f.offset.is_some()),
        ("frames", f.frames.is_some()),
        ("then", f.then.is_some()),
    ];
    for (key, present) in given {
        if present && !allowed.contains(&key) {
            let takes = if allowed.is_empty() {
                "no other keys".to_owned()
            } else {
                allowed.join(", ")
            };
            return Err(at.err(
                key,
                format!("a {kind} fault has no `{key}` (it takes {takes})"),
            ));
        }
    }
    Ok(())
}

fn need<T: Copy>(at: &At<'_>, key: &str, kind: &str, v: Option<T>) -> Result<T, FileError> {
    v.ok_or_else(|| at.err("", format!("a {kind} fault needs `{key}`")))
}

fn group(at: &At<'_>, kind: &str, f: &RawFault, series: usize) -> Result<usize, FileError> {
    let g = need(at, "group", kind, f.group)?;
    match usize::try_from(g) {
        Ok(g) if g < series => Ok(g),
        _ => Err(at.err(
            "group",
            format!(
                "group {g} is not in the pack: groups are 0 to {} (as in cell[N])",
                series - 1
            ),
        )),
    }
}

fn finite(at: &At<'_>, key: &str, kind: &str, v: Option<f64>) -> Result<f64, FileError> {
    let x = need(at, key, kind, v)?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(at.err(key, format!("{key} = {x} must be a finite number")))
    }
}

#[allow(clippy::too_many_lines)] // one arm per kind
fn plant(
    at: &At<'_>,
    kind: &str,
    f: &RawFault,
    series: usize,
) -> Result<(Injection, String), FileError> {
    let g = |at: &At<'_>| group(at, kind, f, series);
    let positive = |key: &str, v: Option<f64>| -> Result<f64, FileError> {
        let x = finite(at, key, kind, v)?;
        if x > 0.0 {
            Ok(x)
        } else {
            Err(at.err(key, format!("{key} = {x} must be positive")))
        }
    };
    Ok(match kind {
        "cell_voltage_offset" => {
            let (group, offset_v) = (g(at)?, finite(at, "offset_v", kind, f.offset_v)?);
            let what = format!("group {group}'s voltage sensor reads {offset_v} V high");
            (Injection::CellVoltageSensorOffset { group, offset_v }, what)
        }
        "cell_temp_offset" => {
            let (group, offset_c) = (g(at)?, finite(at, "offset_c", kind, f.offset_c)?);
            let what = format!("group {group}'s temperature sensor reads {offset_c} K high");
            (Injection::CellTempSensorOffset { group, offset_c }, what)
        }
        "cell_temp_open" => {
            let group = g(at)?;
            let what = format!("group {group}'s temperature sensor is open");
            (Injection::CellTempSensorOpen { group }, what)
        }
        "current_offset" => {
            let offset_a = finite(at, "offset_a", kind, f.offset_a)?;
            let what = format!("the current sensor reads {offset_a} A high");
            (Injection::CurrentSensorOffset { offset_a }, what)
        }
        "cell_heat" => {
            let (group, delta_c) = (g(at)?, finite(at, "delta_c", kind, f.delta_c)?);
            let what = format!("group {group} heats up by {delta_c} K");
            (Injection::CellHeat { group, delta_c }, what)
        }
        "isolation" => {
            let ohm = positive("resistance_ohm", f.resistance_ohm)?;
            let what = format!("the HV isolation resistance drops to {ohm} Ω");
            (Injection::IsolationResistance { ohm }, what)
        }
        "welded_contactors" => (
            Injection::WeldedContactors,
            "the main contactors weld".to_owned(),
        ),
        "internal_short" => {
            let group = g(at)?;
            let resistance_ohm = positive("resistance_ohm", f.resistance_ohm)?;
            let what = format!("internal short of group {group} through {resistance_ohm} Ω");
            (
                Injection::InternalShort {
                    group,
                    resistance_ohm,
                },
                what,
            )
        }
        "capacity_fade" => {
            let (group, factor) = (g(at)?, positive("factor", f.factor)?);
            if factor > 1.0 {
                return Err(at.err(
                    "factor",
                    format!("factor = {factor}: a fade keeps at most 1"),
                ));
            }
            let what = format!("group {group}'s capacity × {factor}");
            (Injection::CapacityFade { group, factor }, what)
        }
        "resistance_rise" => {
            let (group, factor) = (g(at)?, positive("factor", f.factor)?);
            if factor < 1.0 {
                return Err(at.err("factor", format!("factor = {factor}: a rise is at least 1")));
            }
            let what = format!("group {group}'s resistance × {factor}");
            (Injection::ResistanceRise { group, factor }, what)
        }
        "stuck_sensor" => {
            let sensor = need(at, "sensor", kind, f.sensor.as_deref())?;
            let (sensor, what) = match sensor {
                "voltage" => {
                    let group = g(at)?;
                    (
                        SensorKind::CellVoltage { group },
                        format!("group {group}'s voltage sensor"),
                    )
                }
                "temperature" => {
                    let group = g(at)?;
                    (
                        SensorKind::CellTemp { group },
                        format!("group {group}'s temperature sensor"),
                    )
                }
                "current" => {
                    if f.group.is_some() {
                        return Err(at.err("group", "the current sensor is the pack's: no group"));
                    }
                    (SensorKind::Current, "the current sensor".to_owned())
                }
                other => {
                    let msg = format!("sensor `{other}`: voltage, temperature or current");
                    return Err(at.err("sensor", msg));
                }
            };
            (
                Injection::StuckSensor { sensor },
                format!("{what} is stuck"),
            )
        }
        "coolant_pump_failure" => (
            Injection::CoolantPumpFailure,
            "the coolant pump fails (no flow)".to_owned(),
        ),
        "heater_failure" => (
            Injection::HeaterFailure,
            "the coolant heater fails".to_owned(),
        ),
        other => {
            return Err(at.err(
                "kind",
                format!("unknown fault kind `{other}`; kinds: {KINDS}"),
            ));
        }
    })
}

/// Whether message `k` of `net` is one the twin sends.
pub(super) fn simulated(net: &Network, k: usize) -> bool {
    net.plan().messages[k].role == Role::Simulated
}

/// The E2E mode of a fault.
pub(super) fn disturb(
    at_src: &Source,
    index: usize,
    f: &RawFault,
    kind: &str,
) -> Result<Disturb, FileError> {
    let at = At { src: at_src, index };
    let mode = need(&at, "mode", kind, f.mode.as_deref())?;
    let byte = |key: &str, v: Option<i64>, max: i64| -> Result<u8, FileError> {
        let x = need(&at, key, kind, v)?;
        match u8::try_from(x) {
            Ok(b) if x <= max => Ok(b),
            _ => Err(at.err(key, format!("{key} = {x} must be 0 to {max}"))),
        }
    };
    let max = if kind == "e2e_crc" { 255 } else { 15 };
    let d = match mode {
        "value" => {
            if f.offset.is_some() {
                return Err(at.err("offset", "mode = \"value\" takes `value`, not `offset`"));
            }
            #[allow(clippy::cast_possible_truncation)]
            let v = f
                .value
                .map(|v| if v.fract() == 0.0 { v as i64 } else { -1 });
            Disturb::Value(byte("value", v, max)?)
        }
        "freeze" | "random" => {
            for (key, given) in [("value", f.value.is_some()), ("offset", f.offset.is_some())] {
                if given {
                    return Err(at.err(key, format!("mode = \"{mode}\" takes no `{key}`")));
                }
            }
            if mode == "freeze" {
                Disturb::Freeze
            } else {
                Disturb::Random
            }
        }
        "offset" => {
            if f.value.is_some() {
                return Err(at.err("value", "mode = \"offset\" takes `offset`, not `value`"));
            }
            let o = byte("offset", f.offset, max)?;
            if o == 0 {
                return Err(at.err("offset", "offset = 0 disturbs nothing"));
            }
            Disturb::Offset(o)
        }
        other => {
            let msg = format!("mode `{other}`: value, freeze, random or offset");
            return Err(at.err("mode", msg));
        }
    };
    Ok(d)
}

/// `frames` and `then` of an E2E fault.
pub(super) fn frames_then(
    at_src: &Source,
    index: usize,
    f: &RawFault,
) -> Result<(Option<u32>, Then), FileError> {
    let at = At { src: at_src, index };
    let frames = match f.frames {
        None => None,
        Some(n) => match u32::try_from(n) {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(at.err("frames", format!("frames = {n} must be 1 or more"))),
        },
    };
    let then = match f.then.as_deref() {
        None | Some("continue") => Then::Continue,
        Some("resync") => Then::Resync,
        Some(other) => {
            return Err(at.err("then", format!("then `{other}`: continue or resync")));
        }
    };
    Ok((frames, then))
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
