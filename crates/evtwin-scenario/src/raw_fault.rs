//! `[[fault]]` as written on disk (serde, `deny_unknown_fields`); checked and
//! turned into a [`crate::fault::FaultSpec`] by `fault::parse`. Every field is
//! documented for users in `scenarios/README.md`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A `message` key: a name (`"BMS_Status"`, `"BCL"`, `"0x102"`) or a CAN
/// identifier written as a number (`0x102`, CHAdeMO).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawMessage {
    /// As a string.
    Name(String),
    /// As a number.
    Id(i64),
}

impl RawMessage {
    /// As written, for messages to people.
    #[must_use]
    pub fn shown(&self) -> String {
        match self {
            Self::Name(n) => n.clone(),
            Self::Id(id) => format!("0x{id:X}"),
        }
    }
}

impl<'de> Deserialize<'de> for RawMessage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawMessage;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a message name or a CAN identifier")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawMessage, E> {
                Ok(RawMessage::Name(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawMessage, E> {
                Ok(RawMessage::Id(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawMessage, E> {
                i64::try_from(v)
                    .map(RawMessage::Id)
                    .map_err(|_| E::custom(format!("identifier {v} is too large")))
            }
        }
        d.deserialize_any(V)
    }
}

/// One `[[fault]]`: a trigger, what to inject (or which fault to clear), for
/// how long.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub clear: Option<String>,
    // Trigger: exactly one.
    pub at_s: Option<f64>,
    pub at_km: Option<f64>,
    pub on: Option<String>,
    // End: at most one.
    pub duration_s: Option<f64>,
    pub until: Option<String>,
    // Plant.
    pub group: Option<i64>,
    pub delta_c: Option<f64>,
    pub offset_v: Option<f64>,
    pub offset_c: Option<f64>,
    pub offset_a: Option<f64>,
    pub resistance_ohm: Option<f64>,
    pub factor: Option<f64>,
    pub sensor: Option<String>,
    // Bus, and the conversation (`message` a name or an identifier).
    pub message: Option<RawMessage>,
    pub node: Option<String>,
    pub signal: Option<String>,
    pub value: Option<f64>,
    pub delay_ms: Option<f64>,
    pub mode: Option<String>,
    pub offset: Option<i64>,
    pub frames: Option<i64>,
    pub then: Option<String>,
    // The charging conversation.
    pub side: Option<String>,
}
