//! The bus kinds of `[[fault]]`: messages, nodes and signals checked against
//! the scenario's network (a message the twin sends, a node it plays, a signal
//! of that message, an E2E-protected message for the E2E kinds).

use super::parse::{At, err_at, simulated};
use super::parse_plant::need;
use crate::net::{BusFault, Disturb, Network, Role, Then};
use crate::raw_fault::{RawFault, RawMessage};
use crate::source::{FileError, Source};

fn mode_text(d: Disturb) -> String {
    match d {
        Disturb::Value(v) => format!("set to {v}"),
        Disturb::Freeze => "frozen".to_owned(),
        Disturb::Random => "random".to_owned(),
        Disturb::Offset(o) => format!("offset by {o}"),
    }
}

/// A bus fault of `kind` from entry `index`.
#[allow(clippy::too_many_lines)] // one arm per kind
pub(super) fn bus(
    src: &Source,
    index: usize,
    kind: &str,
    f: &RawFault,
    net: &Network,
) -> Result<(BusFault, String), FileError> {
    let err = |key: &str, m: String| err_at(src, index, key, m);
    let message = || -> Result<(usize, String), FileError> {
        let name = match &f.message {
            None => return Err(err("", format!("a {kind} fault needs `message`"))),
            Some(RawMessage::Name(name)) => name.as_str(),
            Some(RawMessage::Id(id)) => {
                return Err(err(
                    "message",
                    format!("message = 0x{id:X}: give a message of the DBC by its name"),
                ));
            }
        };
        let Some((k, _)) = net.dbc().message_by_name(name) else {
            return Err(err(
                "message",
                format!("`{name}` is not a message of the scenario's DBC"),
            ));
        };
        if !simulated(net, k) {
            let pm = &net.plan().messages[k];
            let why = if pm.role == Role::Real {
                format!("its sender {} is a real node", pm.sender)
            } else {
                "nobody the twin plays sends it".to_owned()
            };
            return Err(err(
                "message",
                format!(
                    "`{name}` is not sent by the twin ({why}): a bus fault acts on the twin's frames"
                ),
            ));
        }
        Ok((k, name.to_owned()))
    };
    let node = || -> Result<String, FileError> {
        let Some(name) = f.node.as_deref() else {
            return Err(err("", format!("a {kind} fault needs `node`")));
        };
        let sends = net
            .plan()
            .messages
            .iter()
            .any(|m| m.sender == name && m.role == Role::Simulated);
        if !sends {
            let ours: std::collections::BTreeSet<&str> = net
                .plan()
                .messages
                .iter()
                .filter(|m| m.role == Role::Simulated)
                .map(|m| m.sender.as_str())
                .collect();
            let ours: Vec<&str> = ours.into_iter().collect();
            return Err(err(
                "node",
                format!(
                    "`{name}` is not a node the twin plays on this bus (it plays {})",
                    ours.join(", ")
                ),
            ));
        }
        Ok(name.to_owned())
    };
    let e2e = |k: usize, name: &str| -> Result<(), FileError> {
        if net.plan().messages[k].e2e.is_none() {
            return Err(err(
                "message",
                format!("`{name}` has no E2E protection in the mapping"),
            ));
        }
        Ok(())
    };
    Ok(match kind {
        "drop" => {
            let (k, name) = message()?;
            (
                BusFault::Drop { message: k },
                format!("{name} frames dropped"),
            )
        }
        "delay" => {
            let (k, name) = message()?;
            let Some(ms) = f.delay_ms else {
                return Err(err("", "a delay fault needs `delay_ms`".to_owned()));
            };
            if !(ms.is_finite() && ms > 0.0 && ms <= 60_000.0) {
                return Err(err(
                    "delay_ms",
                    format!("delay_ms = {ms} must be above 0, at most 60000"),
                ));
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let delay_us = (ms * 1000.0).round() as u64;
            (
                BusFault::Delay {
                    message: k,
                    delay_us,
                },
                format!("{name} frames {ms} ms late"),
            )
        }
        "stop_node" => {
            let n = node()?;
            let what = format!("{n} stops transmitting");
            (BusFault::StopNode { node: n }, what)
        }
        "bus_off" => {
            let n = node()?;
            let what = format!(
                "{n}'s transmissions fail (bus errors): its controller goes error-passive, \
                 bus-off and recovers after 128 × 11 recessive bits; on a SocketCAN interface \
                 the twin's {n} only falls silent the same way (a real controller's counters \
                 cannot be driven from here)"
            );
            (BusFault::BusOff { node: n }, what)
        }
        "override" => {
            let (k, name) = message()?;
            let Some(sig) = f.signal.as_deref() else {
                return Err(err("", "an override fault needs `signal`".to_owned()));
            };
            let m = &net.dbc().messages()[net.plan().messages[k].dbc_index];
            let Some(s) = m.signals.iter().position(|s| s.name == sig) else {
                let names: Vec<&str> = m.signals.iter().map(|s| s.name.as_str()).collect();
                return Err(err(
                    "signal",
                    format!("`{sig}` is not a signal of {name} ({})", names.join(", ")),
                ));
            };
            let Some(value) = f.value.filter(|v| v.is_finite()) else {
                return Err(err(
                    "value",
                    "an override fault needs a finite `value`".to_owned(),
                ));
            };
            let what = format!("{name}.{sig} sent as {value}");
            (
                BusFault::Override {
                    message: k,
                    signal: s,
                    value,
                },
                what,
            )
        }
        "e2e_counter" | "e2e_crc" => {
            let (k, name) = message()?;
            e2e(k, &name)?;
            let mode = disturb(src, index, f, kind)?;
            let (frames, then) = frames_then(src, index, f)?;
            let field = if kind == "e2e_counter" {
                "counter"
            } else {
                "CRC"
            };
            let span =
                frames.map_or_else(|| "until cleared".to_owned(), |n| format!("for {n} frames"));
            let after = match (kind, then) {
                ("e2e_crc", _) => String::new(),
                (_, Then::Continue) => ", then continues".to_owned(),
                (_, Then::Resync) => ", then resynchronises".to_owned(),
            };
            let what = format!("{name} E2E {field} {} {span}{after}", mode_text(mode));
            let fault = if kind == "e2e_counter" {
                BusFault::E2eCounter {
                    message: k,
                    mode,
                    frames,
                    then,
                }
            } else {
                BusFault::E2eCrc {
                    message: k,
                    mode,
                    frames,
                }
            };
            (fault, what)
        }
        other => return Err(err("kind", format!("unknown bus fault `{other}`"))),
    })
}

/// The E2E mode of a fault.
fn disturb(at_src: &Source, index: usize, f: &RawFault, kind: &str) -> Result<Disturb, FileError> {
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
fn frames_then(
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
