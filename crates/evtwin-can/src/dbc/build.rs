//! From `can-dbc`'s AST to our model: attributes, value types, value tables and
//! multiplexing resolved per signal; problems found on the way are kept for
//! [`super::Dbc::check`].

use can_dbc::{
    AttributeDefinition, AttributeValue, AttributeValueType, MessageId, MultiplexIndicator,
    NumericValue, SignalExtendedValueType, ValueDescription,
};

use super::check::Problem;
use super::index::{Index, long_name};
use super::layout::{ByteOrder, Layout};
use super::model::{Message, MuxCondition, MuxRole, SignalDef, ValueKind};
use super::normalize::{MessagePos, Normalized, Pos};
use crate::frame::CanId;

/// Name of the pseudo message that holds signals of no message (dropped, as
/// cantools does).
const INDEPENDENT: &str = "VECTOR__INDEPENDENT_SIG_MSG";

/// What building produced.
pub(crate) struct Built {
    pub messages: Vec<Message>,
    pub problems: Vec<Problem>,
    /// `BU_` nodes (long names where given; `Vector__XXX` left out).
    pub nodes: Vec<String>,
}

/// A position-tagged model error (becomes a [`super::DbcError::Syntax`]).
pub(crate) struct BuildError {
    pub at: Pos,
    pub message: String,
}

fn numeric(v: NumericValue) -> f64 {
    match v {
        NumericValue::Uint(u) => u as f64,
        NumericValue::Int(i) => i as f64,
        NumericValue::Double(d) => d,
    }
}

fn attribute_number(v: &AttributeValue) -> Option<f64> {
    match v {
        AttributeValue::Uint(u) => Some(*u as f64),
        AttributeValue::Int(i) => Some(*i as f64),
        AttributeValue::Double(d) => Some(*d),
        AttributeValue::String(s) => s.trim().parse().ok(),
    }
}

/// Whether `VFrameFormat` (value or default) names a CAN FD format.
fn frame_format_is_fd(ast: &can_dbc::Dbc, ix: &Index, id: MessageId) -> bool {
    let choices = ast.attribute_definitions.iter().find_map(|d| match d {
        AttributeDefinition::Message(name, AttributeValueType::Enum(c))
            if name == "VFrameFormat" =>
        {
            Some(c)
        }
        _ => None,
    });
    let name = |v: &AttributeValue| -> Option<String> {
        match v {
            AttributeValue::String(s) => Some(s.clone()),
            other => {
                let i = attribute_number(other)?;
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                choices?.get(i as usize).cloned()
            }
        }
    };
    ix.message_attribute(id.raw(), "VFrameFormat")
        .or_else(|| ast.attribute_default("VFrameFormat"))
        .and_then(name)
        .is_some_and(|n| n.ends_with("CAN_FD"))
}

/// Builds the messages, or fails on something the model cannot hold.
pub(crate) fn build(ast: &can_dbc::Dbc, norm: &Normalized) -> Result<Built, BuildError> {
    let mut problems = Vec::new();
    let ix = Index::new(ast);
    let mut messages = Vec::with_capacity(ast.messages.len());
    let cycle_default = ast
        .attribute_default("GenMsgCycleTime")
        .and_then(attribute_number)
        .filter(|&v| v > 0.0);
    let unknown = MessagePos::default();
    for (k, m) in ast.messages.iter().enumerate() {
        let pos = norm.messages.get(k).unwrap_or(&unknown);
        if m.name == INDEPENDENT {
            continue;
        }
        let written = pos.id.unwrap_or(u64::from(m.id.raw()));
        let id = u32::try_from(written)
            .ok()
            .and_then(CanId::from_dbc)
            .ok_or_else(|| BuildError {
                at: pos.id_at,
                message: format!(
                    "message id {written} is out of range: standard ids go up to 2047 (0x7FF), \
                 extended ids are written 2147483648 (bit 31) + id, id up to 0x1FFFFFFF"
                ),
            })?;
        let len_bytes = usize::try_from(m.size).unwrap_or(usize::MAX);
        let cycle_time_ms = match ix.message_attribute(m.id.raw(), "GenMsgCycleTime") {
            Some(v) => {
                let v = attribute_number(v).unwrap_or(0.0);
                if v <= 0.0 {
                    problems.push(Problem::at(
                        pos.at,
                        format!("message {}: GenMsgCycleTime is {v}", m.name),
                    ));
                    None
                } else {
                    Some(v)
                }
            }
            None => cycle_default,
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // saturating
        let cycle_time_ms = cycle_time_ms.map(|v| v.round() as u32);
        let signals = build_signals(&ix, m, pos, len_bytes, &mut problems);
        messages.push(Message {
            name: m.name.clone(),
            id,
            len_bytes,
            fd: len_bytes > 8 || frame_format_is_fd(ast, &ix, m.id),
            sender: m.transmitter.clone().unwrap_or_default(),
            cycle_time_ms,
            signals,
            line: pos.at.line,
            col: pos.at.col,
        });
    }
    references(ast, norm, &messages, &mut problems);
    // Long names last: the statements above refer to the short ones.
    for (m, ast_m) in messages
        .iter_mut()
        .zip(ast.messages.iter().filter(|m| m.name != INDEPENDENT))
    {
        let id = ast_m.id.raw();
        if let Some(name) = long_name(ix.message_attribute(id, "SystemMessageLongSymbol")) {
            m.name = name;
        }
        for (s, ast_s) in m.signals.iter_mut().zip(&ast_m.signals) {
            if let Some(name) =
                long_name(ix.signal_attribute(id, &ast_s.name, "SystemSignalLongSymbol"))
            {
                s.name = name;
            }
        }
        if let Some(name) = long_name(ix.node_attribute(&m.sender, "SystemNodeLongSymbol")) {
            m.sender = name;
        }
        for s in &mut m.signals {
            for r in &mut s.receivers {
                if let Some(name) = long_name(ix.node_attribute(r, "SystemNodeLongSymbol")) {
                    *r = name;
                }
            }
        }
    }
    let nodes = ast
        .nodes
        .iter()
        .map(|n| {
            long_name(ix.node_attribute(&n.0, "SystemNodeLongSymbol"))
                .unwrap_or_else(|| n.0.clone())
        })
        .filter(|n| !matches!(n.as_str(), "Vector__XXX" | "VECTOR__XXX"))
        .collect();
    Ok(Built {
        messages,
        problems,
        nodes,
    })
}

fn build_signals(
    ix: &Index,
    m: &can_dbc::Message,
    pos: &MessagePos,
    len_bytes: usize,
    problems: &mut Vec<Problem>,
) -> Vec<SignalDef> {
    let mut signals: Vec<SignalDef> = Vec::with_capacity(m.signals.len());
    for (j, s) in m.signals.iter().enumerate() {
        let at = pos.signals.get(j).copied().unwrap_or(pos.at);
        let kind = match ix.value_type(m.id.raw(), &s.name) {
            Some(SignalExtendedValueType::IEEEfloat32Bit) => ValueKind::Float32,
            Some(SignalExtendedValueType::IEEEdouble64bit) => ValueKind::Float64,
            _ => ValueKind::Integer,
        };
        let byte_order = match s.byte_order {
            can_dbc::ByteOrder::LittleEndian => ByteOrder::Intel,
            can_dbc::ByteOrder::BigEndian => ByteOrder::Motorola,
        };
        let start_bit = u32::try_from(s.start_bit).unwrap_or(u32::MAX);
        let size = u32::try_from(s.size).unwrap_or(u32::MAX);
        let size_fits_kind = match kind {
            ValueKind::Integer => true,
            ValueKind::Float32 => size == 32,
            ValueKind::Float64 => size == 64,
        };
        let layout = if size_fits_kind {
            Layout::new(start_bit, size, byte_order, len_bytes)
        } else {
            Layout::default()
        };
        let mut values: Vec<(i64, String)> = ix
            .values(m.id.raw(), &s.name)
            .iter()
            .map(|d| (d.id, d.description.clone()))
            .collect();
        values.sort_by_key(|(v, _)| *v);
        values.dedup_by_key(|(v, _)| *v);
        let mut def = SignalDef {
            name: s.name.clone(),
            start_bit,
            size,
            byte_order,
            signed: s.value_type == can_dbc::ValueType::Signed,
            kind,
            factor: s.factor,
            offset: s.offset,
            min: numeric(s.min),
            max: numeric(s.max),
            unit: s.unit.clone(),
            receivers: s.receivers.clone(),
            mux: MuxRole::Plain,
            start_value: None,
            values,
            line: at.line,
            col: at.col,
            layout,
            start_raw: 0,
        };
        if let Some(raw) = ix
            .signal_attribute(m.id.raw(), &s.name, "GenSigStartValue")
            .and_then(attribute_number)
        {
            def.start_raw = def.start_bits(raw);
            def.start_value = Some(def.raw_to_physical(def.start_raw));
        }
        signals.push(def);
    }
    resolve_mux(ix, m, &mut signals, problems);
    signals
}

/// Sets each signal's multiplexing role, the way cantools reads the DBC: with
/// one switch in the message, `mN` signals hang off it (plus any
/// `SG_MUL_VAL_` ranges); with several, `SG_MUL_VAL_` says which switch.
fn resolve_mux(
    ix: &Index,
    m: &can_dbc::Message,
    signals: &mut [SignalDef],
    problems: &mut Vec<Problem>,
) {
    let switches: Vec<usize> = m
        .signals
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            matches!(
                s.multiplexer_indicator,
                MultiplexIndicator::Multiplexor
                    | MultiplexIndicator::MultiplexorAndMultiplexedSignal(_)
            )
        })
        .map(|(i, _)| i)
        .collect();
    let top = m
        .signals
        .iter()
        .position(|s| s.multiplexer_indicator == MultiplexIndicator::Multiplexor);
    let single = (switches.len() == 1).then(|| switches[0]);
    for (i, s) in m.signals.iter().enumerate() {
        let is_switch = switches.contains(&i);
        let marker = match s.multiplexer_indicator {
            MultiplexIndicator::MultiplexedSignal(v)
            | MultiplexIndicator::MultiplexorAndMultiplexedSignal(v) => Some(v),
            _ => None,
        };
        let (mut switch, mut ranges) = extended_condition(ix, m, i, signals[i].pos(), problems);
        if let Some(v) = marker {
            match (switch, single) {
                // cantools: with a single switch the marker value counts too.
                (Some(sw), Some(one)) if sw == one => ranges.push((v, v)),
                (Some(_), _) => {}
                (None, Some(one)) if one != i => {
                    switch = Some(one);
                    ranges.push((v, v));
                }
                (None, Some(_)) => problems.push(Problem::at(
                    signals[i].pos(),
                    format!(
                        "signal {}.{}: m{v}M but no other switch selects it",
                        m.name, s.name
                    ),
                )),
                (None, None) => {
                    let fallback = top.filter(|&t| t != i).unwrap_or(usize::MAX);
                    problems.push(Problem::at(
                        signals[i].pos(),
                        if fallback == usize::MAX {
                            format!(
                                "signal {}.{}: multiplexed (m{v}) but the message has no switch",
                                m.name, s.name
                            )
                        } else {
                            format!(
                                "signal {}.{}: multiplexed (m{v}) without SG_MUL_VAL_ in a message \
                                 with several switches; assuming {}",
                                m.name, s.name, m.signals[fallback].name
                            )
                        },
                    ));
                    switch = Some(fallback);
                    ranges.push((v, v));
                }
            }
        }
        ranges.sort_unstable();
        ranges.dedup();
        signals[i].mux = match (switch, is_switch) {
            (Some(switch), false) => MuxRole::Multiplexed(MuxCondition { switch, ranges }),
            (Some(switch), true) => MuxRole::MultiplexedSwitch(MuxCondition { switch, ranges }),
            (None, true) => MuxRole::Switch,
            (None, false) => MuxRole::Plain,
        };
    }
}

/// The switch and ranges `SG_MUL_VAL_` gives signal `i` of `m` (none: no
/// entry; `usize::MAX`: a switch the message does not have).
fn extended_condition(
    ix: &Index,
    m: &can_dbc::Message,
    i: usize,
    at: Pos,
    problems: &mut Vec<Problem>,
) -> (Option<usize>, Vec<(u64, u64)>) {
    let s = &m.signals[i];
    let mut ranges = Vec::new();
    let mut switch = None;
    for e in ix.multiplex(m.id.raw(), &s.name) {
        let named = m
            .signals
            .iter()
            .position(|x| x.name == e.multiplexor_signal_name)
            .unwrap_or(usize::MAX);
        if switch.is_some_and(|sw| sw != named) {
            let text = format!(
                "signal {}.{}: SG_MUL_VAL_ names two different switches",
                m.name, s.name
            );
            problems.push(Problem::at(at, text));
        }
        if named == usize::MAX {
            let text = format!(
                "signal {}.{}: SG_MUL_VAL_ names switch {} which the message does not have",
                m.name, s.name, e.multiplexor_signal_name
            );
            problems.push(Problem::at(at, text));
        }
        switch = Some(named);
        ranges.extend(e.mappings.iter().map(|r| (r.min_value, r.max_value)));
    }
    (switch, ranges)
}

/// Problems with statements that refer to messages or signals by name.
fn references(
    ast: &can_dbc::Dbc,
    norm: &Normalized,
    messages: &[Message],
    problems: &mut Vec<Problem>,
) {
    let known: std::collections::HashSet<(CanId, &str)> = messages
        .iter()
        .flat_map(|m| m.signals.iter().map(move |s| (m.id, s.name.as_str())))
        .collect();
    let exists = |id: MessageId, name: &str| {
        CanId::from_dbc(id.raw()).is_some_and(|id| known.contains(&(id, name)))
    };
    for (k, e) in ast.extended_multiplex.iter().enumerate() {
        if !exists(e.message_id, &e.signal_name) {
            let at = norm.mul_vals.get(k).copied().unwrap_or_default();
            problems.push(Problem::at(
                at,
                format!("SG_MUL_VAL_ for unknown signal {}", e.signal_name),
            ));
        }
    }
    for (k, e) in ast.signal_extended_value_type_list.iter().enumerate() {
        if !exists(e.message_id, &e.signal_name) {
            let at = norm.valtypes.get(k).copied().unwrap_or_default();
            problems.push(Problem::at(
                at,
                format!("SIG_VALTYPE_ for unknown signal {}", e.signal_name),
            ));
        }
    }
    let signal_vals = ast.value_descriptions.iter().filter_map(|v| match v {
        ValueDescription::Signal {
            message_id, name, ..
        } => Some((*message_id, name)),
        ValueDescription::EnvironmentVariable { .. } => None,
    });
    for (k, (id, name)) in signal_vals.enumerate() {
        if !exists(id, name) {
            let at = norm.vals.get(k).copied().unwrap_or_default();
            problems.push(Problem::at(at, format!("VAL_ for unknown signal {name}")));
        }
    }
}

impl SignalDef {
    /// Where its `SG_` statement is.
    pub(crate) fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }
}
