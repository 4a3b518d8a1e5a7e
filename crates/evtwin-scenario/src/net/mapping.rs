//! The signal mapping file (`*.map.toml`): which twin quantity each DBC signal
//! carries (one name per quantity: a signal, or an input named after the signal
//! it overrides; the sender's role decides the direction), per-message E2E
//! settings, timeouts and senders. Raw serde structs
//! here; [`super::plan`] checks them against a DBC and the twin's catalogue.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::source::{FileError, Source, toml_error};

/// A mapping file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMapping {
    /// Per-message settings, by DBC message name.
    #[serde(default)]
    pub messages: BTreeMap<String, RawMessage>,
    /// Bindings, by `Message.Signal` (with `{i}` / `{i:03}` for series groups).
    #[serde(default)]
    pub signals: BTreeMap<String, RawBinding>,
}

/// Settings of one message.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMessage {
    /// E2E protection of the message.
    pub e2e: Option<RawE2e>,
    /// Silence after which a consumed message counts as lost, ms (default 3 ×
    /// its cycle time).
    pub timeout_ms: Option<f64>,
    /// The transmitting node, when the DBC names none (`Vector__XXX`).
    pub sender: Option<String>,
    /// Cycle time when the DBC gives none, ms.
    pub cycle_ms: Option<f64>,
}

/// E2E settings: profile 1 (`data_id`) or 2 (`data_id_list`), with the DBC
/// signals that hold the counter and the CRC.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawE2e {
    /// 1 or 2.
    pub profile: u8,
    /// Profile 1: the data ID.
    pub data_id: Option<u16>,
    /// Profile 2: one data ID per counter value.
    pub data_id_list: Option<Vec<u8>>,
    /// The 4-bit counter signal.
    pub counter: String,
    /// The 8-bit, byte-aligned CRC signal.
    pub crc: String,
}

/// What a DBC signal is bound to.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawBinding {
    /// Just a twin quantity's name.
    Name(String),
    /// The long form.
    Full(RawFull),
}

/// The long form of a binding.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFull {
    /// The twin quantity: encoded from the twin's signal of that name when the
    /// sender is simulated, fed to the twin's input of that name (if it has one)
    /// when the sender is real.
    pub signal: Option<String>,
    /// DBC value = twin value × scale + add.
    pub scale: Option<f64>,
    /// See `scale`.
    pub add: Option<f64>,
    /// A constant instead of a twin signal.
    pub value: Option<f64>,
    /// The old form's signal a simulated sender encoded: refused with a hint.
    pub sim: Option<String>,
    /// The old form's input a real sender fed: refused with a hint.
    pub input: Option<String>,
}

/// Parses a mapping file.
pub fn parse(src: &Source) -> Result<RawMapping, FileError> {
    toml::from_str(&src.text).map_err(|e| toml_error(src, &e))
}

/// Expands a key's `{i}` or `{i:0N}` for group `i`; `None` when it has neither.
#[must_use]
pub fn expand(pattern: &str, i: usize) -> Option<String> {
    let start = pattern.find("{i")?;
    let end = start + pattern[start..].find('}')?;
    let spec = &pattern[start + 2..end];
    let number = match spec.strip_prefix(":0") {
        Some(w) => {
            let width: usize = w.parse().ok()?;
            format!("{i:0width$}")
        }
        None if spec.is_empty() => i.to_string(),
        None => return None,
    };
    Some(format!(
        "{}{number}{}",
        &pattern[..start],
        &pattern[end + 1..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_patterns_expand() {
        assert_eq!(expand("A.V_{i:03}", 7).as_deref(), Some("A.V_007"));
        assert_eq!(
            expand("cell[{i}].voltage_v", 12).as_deref(),
            Some("cell[12].voltage_v")
        );
        assert_eq!(expand("A.V", 1), None);
        assert_eq!(expand("A.V_{j}", 1), None);
        assert_eq!(expand("A.V_{i:x}", 1), None);
    }

    #[test]
    fn both_binding_forms_parse() {
        let src = Source {
            name: "m.toml".into(),
            text: "[messages.M]\ntimeout_ms = 50\n[signals]\n\"M.A\" = \"pack.voltage_v\"\n\
                   \"M.B\" = { signal = \"pack.power_w\", scale = 0.001 }\n"
                .into(),
        };
        let m = parse(&src).expect("parses");
        assert_eq!(m.messages["M"].timeout_ms, Some(50.0));
        assert!(matches!(&m.signals["M.A"], RawBinding::Name(s) if s == "pack.voltage_v"));
        assert!(matches!(&m.signals["M.B"], RawBinding::Full(f) if f.scale == Some(0.001)));
        let bad = Source {
            name: "m.toml".into(),
            text: "[messages.M]\ntimeout = 50\n".into(),
        };
        let e = parse(&bad).expect_err("unknown key");
        assert_eq!((e.line, e.column), (2, 1), "{e}");
    }
}
