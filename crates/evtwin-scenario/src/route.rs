//! The route and its stations: `[[route]]` legs and `[stations.NAME]` tables.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use evtwin_sim::charger::Station;
use evtwin_sim::cycle::Cycle;
use evtwin_sim::route::{ChargeLeg, Leg, LegKind, Route};

use crate::build::{Rule, checked};
use crate::raw::{RawCharge, RawCruise, RawCycle, RawDuration, RawLeg, RawStation};
use crate::source::{FileError, Seg, Source, toml_path};

/// Longest cruise leg, km (a typo guard: a longer trip is several legs).
const MAX_DISTANCE_KM: f64 = 50_000.0;
/// Longest idle or park, h (six weeks).
const MAX_DURATION_H: f64 = 1000.0;
/// Longest charge stop, min (two days).
const MAX_CHARGE_MIN: f64 = 2880.0;
/// Most repetitions of a drive cycle.
const MAX_REPEAT: u32 = 10_000;

pub(crate) fn stations(
    src: &Source,
    raw: &BTreeMap<String, RawStation>,
) -> Result<BTreeMap<String, Station>, FileError> {
    use Rule::{Between, Positive};
    let mut out = BTreeMap::new();
    for (name, s) in raw {
        let at = |key: &str| toml_path!["stations", name.as_str(), key];
        let num = |key: &str, v: f64, rule| checked(src, &at(key), key, v, rule);
        // A phase's duration: at most `max_s`, `default_s` when not given.
        let secs = |key: &str, v: Option<f64>, default_s: f64, max_s: f64| {
            num(key, v.unwrap_or(default_s), Between(0.0, max_s))
        };
        let station = Station {
            name: name.clone(),
            max_power_w: num("max_power_kw", s.max_power_kw, Positive)? * 1000.0,
            max_voltage_v: num("max_voltage_v", s.max_voltage_v, Positive)?,
            min_voltage_v: num(
                "min_voltage_v",
                s.min_voltage_v.unwrap_or(150.0),
                Rule::NonNegative,
            )?,
            max_current_a: num("max_current_a", s.max_current_a, Positive)?,
            efficiency: num(
                "efficiency",
                s.efficiency.unwrap_or(0.95),
                Between(0.5, 1.0),
            )?,
            ramp_a_per_s: num("ramp_a_per_s", s.ramp_a_per_s.unwrap_or(100.0), Positive)?,
            plug_in_s: secs("plug_in_s", s.plug_in_s, 30.0, 3600.0)?,
            handshake_s: secs("handshake_s", s.handshake_s, 8.0, 600.0)?,
            insulation_test_s: secs("insulation_test_s", s.insulation_test_s, 10.0, 600.0)?,
            precharge_s: secs("precharge_s", s.precharge_s, 2.0, 600.0)?,
            unplug_s: secs("unplug_s", s.unplug_s, 20.0, 3600.0)?,
        };
        if station.min_voltage_v >= station.max_voltage_v {
            return Err(FileError::at_path(
                src,
                &at("min_voltage_v"),
                "min_voltage_v must be below max_voltage_v",
            ));
        }
        out.insert(name.clone(), station);
    }
    Ok(out)
}

fn duration_s(src: &Source, at: &[Seg], d: &RawDuration) -> Result<f64, FileError> {
    let given: Vec<f64> = [
        (d.duration_s, 1.0),
        (d.duration_min, 60.0),
        (d.duration_h, 3600.0),
    ]
    .iter()
    .filter_map(|(v, k)| v.map(|v| v * k))
    .collect();
    match given.as_slice() {
        [s] => checked(
            src,
            at,
            "duration (s)",
            *s,
            Rule::Between(1e-3, MAX_DURATION_H * 3600.0),
        ),
        _ => Err(FileError::at_path(
            src,
            at,
            "give exactly one of duration_s, duration_min, duration_h",
        )),
    }
}

/// Builds the route; relative cycle paths resolve against `dir`.
pub(crate) fn route(
    src: &Source,
    dir: &Path,
    raw: &[RawLeg],
    stations: &BTreeMap<String, Station>,
) -> Result<Route, FileError> {
    if raw.is_empty() {
        return Err(FileError::at(
            src,
            1,
            1,
            "the scenario has no [[route]] legs",
        ));
    }
    let mut legs = Vec::with_capacity(raw.len());
    for (i, l) in raw.iter().enumerate() {
        let at = |kind: &str| toml_path!["route", i, kind];
        let kind = match (&l.cruise, &l.cycle, &l.idle, &l.park, &l.charge) {
            (Some(c), None, None, None, None) => cruise(src, &at("cruise"), c)?,
            (None, Some(c), None, None, None) => cycle(src, &at("cycle"), dir, c)?,
            (None, None, Some(d), None, None) => LegKind::Idle {
                duration_s: duration_s(src, &at("idle"), d)?,
            },
            (None, None, None, Some(d), None) => LegKind::Park {
                duration_s: duration_s(src, &at("park"), d)?,
            },
            (None, None, None, None, Some(c)) => charge(src, &at("charge"), c, stations)?,
            _ => {
                let msg = "a [[route]] leg needs exactly one of cruise, cycle, idle, park, charge";
                return Err(FileError::at_path(src, &toml_path!["route", i], msg));
            }
        };
        let ambient_c = l
            .ambient_c
            .map(|a| {
                checked(
                    src,
                    &at("ambient_c"),
                    "ambient_c",
                    a,
                    Rule::Between(-60.0, 60.0),
                )
            })
            .transpose()?;
        legs.push(Leg { kind, ambient_c });
    }
    Route::new(legs).map_err(|e| FileError::at_path(src, &toml_path!["route"], e.to_string()))
}

fn key(at: &[Seg], key: &str) -> Vec<Seg> {
    let mut p = at.to_vec();
    p.push(key.into());
    p
}

fn cruise(src: &Source, at: &[Seg], c: &RawCruise) -> Result<LegKind, FileError> {
    use Rule::Between;
    let num = |k: &str, v: f64, rule| checked(src, &key(at, k), k, v, rule);
    Ok(LegKind::Cruise {
        distance_m: num("distance_km", c.distance_km, Between(1e-3, MAX_DISTANCE_KM))? * 1000.0,
        speed_mps: num("speed_kph", c.speed_kph, Between(1.0, 400.0))? / 3.6,
        grade: num("grade_pct", c.grade_pct, Between(-30.0, 30.0))? / 100.0,
    })
}

fn cycle(src: &Source, at: &[Seg], dir: &Path, c: &RawCycle) -> Result<LegKind, FileError> {
    let file = dir.join(&c.file);
    let text =
        evtwin_can::file::read_text(&file, evtwin_can::file::MAX_TABLE_BYTES, "a drive cycle")
            .map_err(|e| {
                let msg = format!("cannot read cycle: {e}");
                FileError::at_path(src, &key(at, "file"), msg)
            })?;
    let cycle_src = Source {
        name: file.display().to_string(),
        text,
    };
    let cycle = Cycle::parse_csv(&cycle_src.text)
        .map_err(|e| FileError::at(&cycle_src, e.line, e.column, e.message))?;
    let repeat = c.repeat.unwrap_or(1);
    if repeat == 0 || repeat > MAX_REPEAT {
        let msg = format!("repeat must be from 1 to {MAX_REPEAT}, not {repeat}");
        return Err(FileError::at_path(src, &key(at, "repeat"), msg));
    }
    Ok(LegKind::Cycle {
        cycle: Arc::new(cycle),
        repeat,
    })
}

fn charge(
    src: &Source,
    at: &[Seg],
    c: &RawCharge,
    stations: &BTreeMap<String, Station>,
) -> Result<LegKind, FileError> {
    let station = stations.get(&c.station).cloned().ok_or_else(|| {
        let known: Vec<&str> = stations.keys().map(String::as_str).collect();
        let known = if known.is_empty() {
            "none".to_owned()
        } else {
            known.join(", ")
        };
        let msg = format!(
            "no station `{}` in [stations] (defined: {known})",
            c.station
        );
        FileError::at_path(src, &key(at, "station"), msg)
    })?;
    if c.until_soc_pct.is_none() && c.max_duration_min.is_none() {
        let msg = "a charge stop needs until_soc_pct, max_duration_min or both";
        return Err(FileError::at_path(src, at, msg));
    }
    // An optional number, checked where it is given.
    let opt = |k: &str, v: Option<f64>, rule| {
        v.map(|v| checked(src, &key(at, k), k, v, rule)).transpose()
    };
    let until_soc = opt("until_soc_pct", c.until_soc_pct, Rule::Between(1.0, 100.0))?;
    let max_min = opt(
        "max_duration_min",
        c.max_duration_min,
        Rule::Between(1e-3, MAX_CHARGE_MIN),
    )?;
    Ok(LegKind::Charge(ChargeLeg {
        station,
        until_soc: until_soc.map(|s| s / 100.0),
        max_duration_s: max_min.map(|m| m * 60.0),
        precondition: c.precondition.unwrap_or(true),
    }))
}
