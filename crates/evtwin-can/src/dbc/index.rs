//! Look-ups into `can-dbc`'s AST by message and signal, built once: the AST's
//! own look-ups scan every statement per call, which made loading quadratic
//! in the number of signals.

use std::collections::HashMap;

use can_dbc::{
    AttributeValue, ExtendedMultiplex, SignalExtendedValueType, ValDescription, ValueDescription,
};

/// `(message id as written, signal name)`.
type SignalKey<'a> = (u32, &'a str);

/// The AST's per-signal and per-message statements, by key. Where the AST
/// repeats a statement, the first wins (as the AST's own look-ups do).
pub(crate) struct Index<'a> {
    signal_attrs: HashMap<(SignalKey<'a>, &'a str), &'a AttributeValue>,
    message_attrs: HashMap<(u32, &'a str), &'a AttributeValue>,
    node_attrs: HashMap<(&'a str, &'a str), &'a AttributeValue>,
    values: HashMap<SignalKey<'a>, &'a [ValDescription]>,
    value_types: HashMap<SignalKey<'a>, &'a SignalExtendedValueType>,
    multiplex: HashMap<SignalKey<'a>, Vec<&'a ExtendedMultiplex>>,
}

impl<'a> Index<'a> {
    pub(crate) fn new(ast: &'a can_dbc::Dbc) -> Self {
        let mut ix = Self {
            signal_attrs: HashMap::new(),
            message_attrs: HashMap::new(),
            node_attrs: HashMap::new(),
            values: HashMap::new(),
            value_types: HashMap::new(),
            multiplex: HashMap::new(),
        };
        for a in &ast.attribute_values_signal {
            let key = (
                (a.message_id.raw(), a.signal_name.as_str()),
                a.name.as_str(),
            );
            ix.signal_attrs.entry(key).or_insert(&a.value);
        }
        for a in &ast.attribute_values_message {
            let key = (a.message_id.raw(), a.name.as_str());
            ix.message_attrs.entry(key).or_insert(&a.value);
        }
        for a in &ast.attribute_values_node {
            let key = (a.node_name.as_str(), a.name.as_str());
            ix.node_attrs.entry(key).or_insert(&a.value);
        }
        for v in &ast.value_descriptions {
            if let ValueDescription::Signal {
                message_id,
                name,
                value_descriptions,
            } = v
            {
                ix.values
                    .entry((message_id.raw(), name.as_str()))
                    .or_insert(value_descriptions.as_slice());
            }
        }
        for v in &ast.signal_extended_value_type_list {
            ix.value_types
                .entry((v.message_id.raw(), v.signal_name.as_str()))
                .or_insert(&v.signal_extended_value_type);
        }
        for e in &ast.extended_multiplex {
            ix.multiplex
                .entry((e.message_id.raw(), e.signal_name.as_str()))
                .or_default()
                .push(e);
        }
        ix
    }

    pub(crate) fn signal_attribute(
        &self,
        id: u32,
        signal: &str,
        name: &str,
    ) -> Option<&'a AttributeValue> {
        self.signal_attrs.get(&((id, signal), name)).copied()
    }

    pub(crate) fn message_attribute(&self, id: u32, name: &str) -> Option<&'a AttributeValue> {
        self.message_attrs.get(&(id, name)).copied()
    }

    pub(crate) fn node_attribute(&self, node: &str, name: &str) -> Option<&'a AttributeValue> {
        self.node_attrs.get(&(node, name)).copied()
    }

    pub(crate) fn values(&self, id: u32, signal: &str) -> &'a [ValDescription] {
        self.values.get(&(id, signal)).copied().unwrap_or_default()
    }

    pub(crate) fn value_type(&self, id: u32, signal: &str) -> Option<&'a SignalExtendedValueType> {
        self.value_types.get(&(id, signal)).copied()
    }

    pub(crate) fn multiplex(&self, id: u32, signal: &str) -> Vec<&'a ExtendedMultiplex> {
        self.multiplex
            .get(&(id, signal))
            .cloned()
            .unwrap_or_default()
    }
}

/// A Vector long name (`SystemSignalLongSymbol`, `SystemMessageLongSymbol`,
/// `SystemNodeLongSymbol`): names longer than 32 characters are cut in the
/// statement and given whole in this attribute.
pub(crate) fn long_name(v: Option<&AttributeValue>) -> Option<String> {
    match v {
        Some(AttributeValue::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}
