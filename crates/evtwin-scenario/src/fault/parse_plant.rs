//! The plant kinds of `[[fault]]` (groups inside the pack, positive
//! resistances, factors in range) and the keys each kind takes.

use evtwin_sim::{Injection, SensorKind};

use super::parse::{At, KINDS};
use crate::raw_fault::RawFault;
use crate::source::FileError;

/// The keys each kind takes, besides name, kind/clear, trigger and end.
pub(super) fn keys_of(kind: &str) -> &'static [&'static str] {
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
        "drop" | "charge_drop" | "charge_tp_abort" => &["message"],
        "e2e_counter" => &["message", "mode", "value", "offset", "frames", "then"],
        "e2e_crc" => &["message", "mode", "value", "offset", "frames"],
        "delay" => &["message", "delay_ms"],
        "stop_node" | "bus_off" => &["node"],
        "override" => &["message", "signal", "value"],
        "charge_mute" => &["side"],
        _ => &[],
    }
}

/// A key the kind does not take is an error at that key.
pub(super) fn check_unused(at: &At<'_>, kind: &str, f: &RawFault) -> Result<(), FileError> {
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
        ("side", f.side.is_some()),
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

pub(super) fn need<T: Copy>(
    at: &At<'_>,
    key: &str,
    kind: &str,
    v: Option<T>,
) -> Result<T, FileError> {
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
pub(super) fn plant(
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
