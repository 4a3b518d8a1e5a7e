//! `[[fault]]` as written on disk (serde, `deny_unknown_fields`); checked and
//! turned into a [`crate::fault::FaultSpec`] by `fault::parse`. Every field is
//! documented for users in `scenarios/README.md`.

use serde::Deserialize;

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
    // Bus.
    pub message: Option<String>,
    pub node: Option<String>,
    pub signal: Option<String>,
    pub value: Option<f64>,
    pub delay_ms: Option<f64>,
    pub mode: Option<String>,
    pub offset: Option<i64>,
    pub frames: Option<i64>,
    pub then: Option<String>,
}
