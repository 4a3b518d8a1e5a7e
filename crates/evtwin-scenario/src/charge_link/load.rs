//! A charge leg's `protocol` and what it needs of its station, checked where
//! it is written.

use std::collections::BTreeMap;

use super::Protocol;
use super::chademo::MAX_CURRENT_A;
use crate::raw::{RawLeg, RawStation};
use crate::source::{FileError, Source, toml_path};

/// Each leg's protocol (none for legs that are not charge stops). A protocol
/// needs its station's `min_voltage_v` written out (a station that talks a
/// protocol states its output range; the 150 V default is a guess), and
/// CHAdeMO 1.x carries the current in one byte (`max_current_a` ≤ 255 A).
pub(crate) fn protocols(
    src: &Source,
    legs: &[RawLeg],
    stations: &BTreeMap<String, RawStation>,
) -> Result<Vec<Protocol>, FileError> {
    let mut out = Vec::with_capacity(legs.len());
    for (i, leg) in legs.iter().enumerate() {
        let Some(c) = &leg.charge else {
            out.push(Protocol::None);
            continue;
        };
        let at = toml_path!["route", i, "charge", "protocol"];
        let p = match c.protocol.as_deref() {
            None => Protocol::None,
            Some(name) => Protocol::from_name(name).ok_or_else(|| {
                let msg = format!(
                    "unknown charging protocol `{name}`: expected {}",
                    Protocol::CHOICES
                );
                FileError::at_path(src, &at, msg)
            })?,
        };
        if p != Protocol::None
            && let Some(st) = stations.get(&c.station)
        {
            if st.min_voltage_v.is_none() {
                let msg = format!(
                    "protocol \"{}\" needs the station's output range: give [stations.{}] min_voltage_v",
                    p.as_str(),
                    c.station
                );
                return Err(FileError::at_path(src, &at, msg));
            }
            if p == Protocol::Chademo && st.max_current_a > MAX_CURRENT_A {
                let msg = format!(
                    "CHAdeMO 1.x sends the available current in one byte: max_current_a must be at most {MAX_CURRENT_A:.0} A for a station used with protocol \"chademo\""
                );
                let at = toml_path!["stations", c.station.as_str(), "max_current_a"];
                return Err(FileError::at_path(src, &at, msg));
            }
        }
        out.push(p);
    }
    Ok(out)
}
