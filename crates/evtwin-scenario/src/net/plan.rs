//! A mapping checked against a DBC, the twin's signals and the node roles: for
//! every DBC message, who plays it (the twin or a real ECU), how often, and where
//! each of its signals comes from or goes to.

use std::collections::BTreeSet;

use evtwin_can::CanId;
use evtwin_can::dbc::{ByteOrder, Dbc, Message, SignalDef};
use evtwin_can::e2e::{E2eConfig, Profile1, Profile2};
use evtwin_sim::{Catalogue, Input, Signal};

use super::mapping::{RawBinding, RawE2e, RawFull, RawMapping, expand};
use crate::source::{FileError, Source, toml_path};

/// Who plays a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Its sender is simulated: the twin transmits it on its cycle.
    Simulated,
    /// Its sender is a real ECU: the twin consumes it.
    Real,
    /// Nobody the twin knows sends it (no sender, or no cycle time): neither sent
    /// nor expected; frames of it are logged and counted, not used.
    Unplayed,
}

/// Where one DBC signal's value comes from (simulated sender) or goes to (real).
/// The mapping names one quantity; `signal` and `input` are what the twin has
/// under that name.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Binding {
    /// Twin signal encoded when simulated (and shown by a monitor).
    pub signal: Option<Signal>,
    /// A constant encoded when simulated.
    pub value: Option<f64>,
    /// Twin input fed when real.
    pub input: Option<Input>,
    /// DBC value = twin value × scale + add.
    pub scale: f64,
    /// See `scale`.
    pub add: f64,
}

/// A message with its role and bindings.
#[derive(Debug, Clone)]
pub struct PlannedMessage {
    /// Index in the DBC's message list.
    pub dbc_index: usize,
    /// DBC name.
    pub name: String,
    /// Identifier.
    pub id: CanId,
    /// Sending node.
    pub sender: String,
    /// Who plays it.
    pub role: Role,
    /// Cycle time, µs.
    pub cycle_us: Option<u64>,
    /// Silence after which a consumed message is lost, µs.
    pub timeout_us: Option<u64>,
    /// One per DBC signal.
    pub bindings: Vec<Binding>,
    /// Switch values to rotate through when sending (empty: not multiplexed).
    pub mux_cycle: Vec<u64>,
    /// The signals each frame carries: one list per `mux_cycle` entry (one list
    /// when not multiplexed), worked out once.
    pub layouts: Vec<Vec<usize>>,
    /// E2E protection.
    pub e2e: Option<E2eConfig>,
    /// The twin's BMS (node `BMS`) receives it, or the DBC names no receiver:
    /// its timeout is a communication fault for the BMS.
    pub bms_listens: bool,
}

/// Every message of the network, planned.
#[derive(Debug, Clone)]
pub struct Plan {
    /// In DBC order.
    pub messages: Vec<PlannedMessage>,
    /// Nodes played by real ECUs.
    pub real: BTreeSet<String>,
}

impl Plan {
    /// Checks `raw` (read from `src`) against `dbc` and the twin's `catalogue`;
    /// `real` names the nodes played by real ECUs (checked against the network
    /// by [`super::load_network`]; a name that sends nothing makes no message real).
    pub fn new(
        dbc: &Dbc,
        src: &Source,
        raw: &RawMapping,
        catalogue: &Catalogue,
        real: &[String],
    ) -> Result<Self, FileError> {
        if let Some(name) = raw
            .messages
            .keys()
            .find(|n| dbc.message_by_name(n).is_none())
        {
            let msg = format!("`{name}` is not a message of the DBC");
            return Err(FileError::at_path(
                src,
                &toml_path!["messages", name.as_str()],
                msg,
            ));
        }
        let real_set: BTreeSet<String> = real.iter().cloned().collect();
        let mut messages: Vec<PlannedMessage> = dbc
            .messages()
            .iter()
            .enumerate()
            .map(|(k, m)| planned(k, m, raw, &real_set))
            .collect();
        for (key, binding) in &raw.signals {
            bind(dbc, src, catalogue, key, binding, &mut messages)?;
        }
        for (name, m) in &raw.messages {
            let Some((k, msg)) = dbc.message_by_name(name) else {
                continue;
            };
            if let Some(e2e) = &m.e2e {
                let cfg = e2e_config(msg, e2e).map_err(|e| {
                    FileError::at_path(src, &toml_path!["messages", name.as_str(), "e2e"], e)
                })?;
                messages[k].e2e = Some(cfg);
            }
            if let Some(t) = m.timeout_ms {
                if !(t.is_finite() && t > 0.0) {
                    let e = format!("timeout_ms = {t} must be above 0");
                    let path = toml_path!["messages", name.as_str(), "timeout_ms"];
                    return Err(FileError::at_path(src, &path, e));
                }
                messages[k].timeout_us = Some(ms_to_us(t));
            }
        }
        for m in &mut messages {
            let msg = &dbc.messages()[m.dbc_index];
            m.mux_cycle = mux_cycle(msg, &m.bindings);
            m.layouts = layouts(msg, &m.mux_cycle);
        }
        Ok(Self {
            messages,
            real: real_set,
        })
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked positive, ms range
fn ms_to_us(ms: f64) -> u64 {
    (ms * 1000.0).round() as u64
}

fn planned(k: usize, m: &Message, raw: &RawMapping, real: &BTreeSet<String>) -> PlannedMessage {
    let settings = raw.messages.get(&m.name);
    let sender = settings
        .and_then(|s| s.sender.clone())
        .unwrap_or_else(|| m.sender.clone());
    let cycle_ms = settings
        .and_then(|s| s.cycle_ms)
        .or(m.cycle_time_ms.map(f64::from))
        .filter(|c| c.is_finite() && *c > 0.0);
    let cycle_us = cycle_ms.map(ms_to_us);
    let known_sender = sender != "Vector__XXX" && !sender.is_empty();
    let role = if known_sender && real.contains(&sender) {
        Role::Real
    } else if known_sender && cycle_us.is_some() {
        Role::Simulated
    } else {
        Role::Unplayed
    };
    PlannedMessage {
        dbc_index: k,
        name: m.name.clone(),
        id: m.id,
        sender,
        role,
        cycle_us,
        timeout_us: cycle_us.map(|c| 3 * c),
        bindings: vec![
            Binding {
                scale: 1.0,
                ..Binding::default()
            };
            m.signals.len()
        ],
        mux_cycle: Vec::new(),
        layouts: Vec::new(),
        e2e: None,
        bms_listens: bms_listens(m),
    }
}

/// Whether node `BMS` receives any of the message's signals, or no receiver is
/// named at all (then nobody can tell, and the BMS is assumed to listen).
fn bms_listens(m: &Message) -> bool {
    let named: Vec<&str> = m
        .signals
        .iter()
        .flat_map(|s| &s.receivers)
        .map(String::as_str)
        .filter(|r| !r.is_empty() && *r != "Vector__XXX")
        .collect();
    named.is_empty() || named.contains(&"BMS")
}

/// Binds one mapping entry (expanding `{i}` over the series groups).
fn bind(
    dbc: &Dbc,
    src: &Source,
    cat: &Catalogue,
    key: &str,
    raw: &RawBinding,
    messages: &mut [PlannedMessage],
) -> Result<(), FileError> {
    let at = |msg: String| FileError::at_path(src, &toml_path!["signals", key], msg);
    let full = match raw {
        RawBinding::Name(s) => RawFull {
            signal: Some(s.clone()),
            ..RawFull::default()
        },
        RawBinding::Full(f) => f.clone(),
    };
    if let Some(old) = full.sim.as_ref().or(full.input.as_ref()) {
        return Err(at(format!(
            "`sim` and `input` are gone: name the twin quantity once, `signal = \"{old}\"` \
             (an input is named after the signal it overrides, e.g. `bms.ccl_a`); the sender's \
             role decides the direction"
        )));
    }
    if full.signal.is_some() == full.value.is_some() {
        return Err(at("give `signal` or `value` (one of them)".into()));
    }
    let scale = full.scale.unwrap_or(1.0);
    let add = full.add.unwrap_or(0.0);
    if !(scale.is_finite() && scale != 0.0 && add.is_finite()) {
        return Err(at(format!(
            "scale = {scale} and add = {add} must be finite, scale not 0"
        )));
    }
    let one =
        |dbc_key: &str, name: Option<&str>| -> Result<Option<(usize, usize, Binding)>, String> {
            let Some((msg_name, sig_name)) = dbc_key.split_once('.') else {
                return Err(format!("`{dbc_key}` is not `Message.Signal`"));
            };
            let Some((k, m)) = dbc.message_by_name(msg_name) else {
                return Err(format!("`{msg_name}` is not a message of the DBC"));
            };
            let Some(s) = m.signal_index(sig_name) else {
                return Ok(None);
            };
            let (signal, input) = match name {
                Some(name) => {
                    let q = cat.quantity(name).ok_or_else(|| {
                        format!("`{name}` is not a twin signal or input (see `evtwin signals`)")
                    })?;
                    (q.signal, q.input)
                }
                None => (None, None),
            };
            Ok(Some((
                k,
                s,
                Binding {
                    signal,
                    value: full.value,
                    input,
                    scale,
                    add,
                },
            )))
        };
    let mut bound = 0;
    if key.contains("{i") {
        for i in 0..1024 {
            let dbc_key =
                expand(key, i).ok_or_else(|| at(format!("`{key}`: use `{{i}}` or `{{i:0N}}`")))?;
            let name = full
                .signal
                .as_deref()
                .map(|s| expand(s, i).unwrap_or_else(|| s.to_owned()));
            // Groups the pack lacks: the DBC signal stays at its start value.
            if let Some(name) = &name
                && cat.find(name).is_none()
                && name.starts_with("cell[")
            {
                continue;
            }
            if let Some((k, s, b)) = one(&dbc_key, name.as_deref()).map_err(at)? {
                messages[k].bindings[s] = b;
                bound += 1;
            }
        }
    } else if let Some((k, s, b)) = one(key, full.signal.as_deref()).map_err(at)? {
        messages[k].bindings[s] = b;
        bound += 1;
    }
    if bound == 0 {
        return Err(at(format!("`{key}` names no signal of the DBC")));
    }
    Ok(())
}

/// The switch values worth sending: those that carry at least one bound signal
/// (all of them when nothing in the message is bound).
fn mux_cycle(m: &Message, bindings: &[Binding]) -> Vec<u64> {
    let Some(switch) = m.multiplexor() else {
        return Vec::new();
    };
    let all = m.mux_values();
    let mut values = vec![f64::NAN; m.signals.len()];
    let carries = |v: u64, values: &mut [f64]| {
        #[allow(clippy::cast_precision_loss)]
        {
            values[switch] = v as f64;
        }
        bindings
            .iter()
            .enumerate()
            .any(|(k, b)| (b.signal.is_some() || b.value.is_some()) && m.is_present(k, values))
    };
    let used: Vec<u64> = all
        .iter()
        .copied()
        .filter(|v| carries(*v, &mut values))
        .collect();
    if used.is_empty() { all } else { used }
}

/// The signals present in each frame of the rotation (switch values as given,
/// other switches at their start values).
fn layouts(m: &Message, cycle: &[u64]) -> Vec<Vec<usize>> {
    let present = |values: &[f64]| -> Vec<usize> {
        (0..m.signals.len())
            .filter(|&k| m.is_present(k, values))
            .collect()
    };
    let mut values = vec![f64::NAN; m.signals.len()];
    match m.multiplexor() {
        Some(switch) if !cycle.is_empty() => cycle
            .iter()
            .map(|&v| {
                #[allow(clippy::cast_precision_loss)] // switch values are small
                {
                    values[switch] = v as f64;
                }
                present(&values)
            })
            .collect(),
        _ => vec![present(&values)],
    }
}

/// The E2E configuration from the mapping and the DBC positions of the counter
/// and CRC signals.
fn e2e_config(m: &Message, raw: &RawE2e) -> Result<E2eConfig, String> {
    let find = |name: &str| -> Result<&SignalDef, String> {
        m.signal_index(name)
            .map(|k| &m.signals[k])
            .ok_or_else(|| format!("`{name}` is not a signal of {}", m.name))
    };
    let crc = find(&raw.crc)?;
    let counter = find(&raw.counter)?;
    let crc_lsb = lsb(crc)
        .filter(|b| b % 8 == 0 && crc.size == 8)
        .ok_or_else(|| format!("the CRC `{}` must be 8 bits on a byte boundary", crc.name))?;
    let counter_bit = lsb(counter).filter(|_| counter.size == 4).ok_or_else(|| {
        format!(
            "the counter `{}` must be 4 bits within one byte",
            counter.name
        )
    })?;
    let crc_byte = crc_lsb / 8;
    let cfg = match raw.profile {
        1 => {
            let data_id = raw.data_id.ok_or("profile 1 needs `data_id`")?;
            E2eConfig::Profile1(Profile1 {
                data_id,
                crc_byte,
                counter_bit,
            })
        }
        2 => {
            let list = raw
                .data_id_list
                .as_deref()
                .ok_or("profile 2 needs `data_id_list`")?;
            let list: [u8; 16] = list
                .try_into()
                .map_err(|_| format!("`data_id_list` needs 16 entries, not {}", list.len()))?;
            E2eConfig::Profile2(Profile2 {
                data_id_list: list,
                crc_byte,
                counter_bit,
            })
        }
        p => return Err(format!("E2E profile {p} is not supported (1 or 2)")),
    };
    cfg.validate(m.len_bytes).map_err(|e| e.to_string())?;
    Ok(cfg)
}

/// The bit number of a signal's least significant bit when it lies within one
/// byte (Intel: the start bit; Motorola: the start bit is the most significant).
fn lsb(s: &SignalDef) -> Option<usize> {
    let start = usize::try_from(s.start_bit).ok()?;
    let size = usize::try_from(s.size).ok()?;
    if s.byte_order == ByteOrder::Intel {
        ((start % 8) + size <= 8).then_some(start)
    } else {
        (start % 8 + 1 >= size).then(|| start + 1 - size)
    }
}
