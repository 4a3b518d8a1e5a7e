//! Loading a scenario file: parse, resolve presets and files, validate, build the
//! twin's configuration. The first problem found is returned, located.

use std::path::{Path, PathBuf};

use evtwin_sim::bms::BmsSpec;
use evtwin_sim::driver::DriverSpec;
use evtwin_sim::pack::{PackInit, PackSpec};
use evtwin_sim::signals::{Catalogue, Scalar, Signal};
use evtwin_sim::thermal::ThermalControlSpec;
use evtwin_sim::{Twin, TwinConfig, TwinError, VehicleSpec};

use crate::assets::{self, Kind, Origin};
use crate::build::{self, Docs, Rule, Section, checked};
use crate::raw::{Merge, RawScenario, RawVehicleFile};
use crate::source::{FileError, Source, toml_error, toml_path};
use crate::{BusSettings, LoadError, Scenario};

/// Reads and validates the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    let text = evtwin_can::file::read_text(path, evtwin_can::file::MAX_TEXT_BYTES, "a scenario")
        .map_err(LoadError::Read)?;
    let src = Source {
        name: path.display().to_string(),
        text,
    };
    let dir = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
    from_source(&src, &dir).map_err(LoadError::File)
}

/// Validates scenario text; relative paths resolve against `dir`.
pub fn from_source(src: &Source, dir: &Path) -> Result<Scenario, FileError> {
    let raw: RawScenario = toml::from_str(&src.text).map_err(|e| toml_error(src, &e))?;
    let here = Origin::Dir(dir.to_path_buf());
    let (preset_src, preset_origin) = assets::load(Kind::Vehicle, &raw.vehicle.preset, &here)
        .map_err(|m| FileError::at_path(src, &toml_path!["vehicle", "preset"], m))?;
    let preset: RawVehicleFile =
        toml::from_str(&preset_src.text).map_err(|e| toml_error(&preset_src, &e))?;
    let docs = Docs {
        scenario: src,
        preset: &preset_src,
    };
    let meta = &raw.scenario;
    let step_ms = checked(
        src,
        &toml_path!["scenario", "step_ms"],
        "step_ms",
        meta.step_ms.unwrap_or(10.0),
        Rule::Between(0.1, 1000.0),
    )?;
    if (step_ms * 1000.0).fract() != 0.0 {
        let msg = format!("step_ms = {step_ms} must be a whole number of microseconds");
        return Err(FileError::at_path(
            src,
            &toml_path!["scenario", "step_ms"],
            msg,
        ));
    }
    // Absent: no clock; each group refreshes when its temperature or SOC has moved.
    let refresh_ms = meta.parameter_refresh_ms.unwrap_or(f64::INFINITY);
    if let Some(ms) = meta.parameter_refresh_ms {
        checked(
            src,
            &toml_path!["scenario", "parameter_refresh_ms"],
            "parameter_refresh_ms",
            ms,
            Rule::Between(step_ms, 60_000.0),
        )?;
    }
    let ambient_c = raw.environment.ambient_c.unwrap_or(20.0);
    checked(
        src,
        &toml_path!["environment", "ambient_c"],
        "ambient_c",
        ambient_c,
        Rule::Between(-60.0, 60.0),
    )?;

    let Car {
        vehicle,
        pack,
        pack_init,
        chemistry,
        bms,
        thermal,
        warnings,
    } = vehicle_and_pack(
        &raw,
        &docs,
        &here,
        preset_origin,
        &preset,
        (ambient_c, step_ms),
    )?;
    let stations = crate::route::stations(src, &raw.stations)?;
    let route = crate::route::route(src, dir, &raw.route, &stations)?;
    let charge_protocols = crate::charge_link::protocols(src, &raw.route, &raw.stations)?;
    let driver = driver(src, &raw)?;
    let catalogue = Catalogue::new(pack.series);
    let (trace_every_s, trace_signals) = trace(src, &raw, &catalogue, step_ms)?;
    let bus = bus(src, dir, raw.bus.as_ref())?;
    let scenario = Scenario {
        bus,
        name: meta.name.clone(),
        description: meta.description.clone(),
        should_fail: meta.should_fail,
        source: src.name.clone(),
        chemistry,
        trace_every_s,
        trace_signals,
        config: TwinConfig {
            step_s: step_ms / 1000.0,
            parameter_refresh_s: refresh_ms / 1000.0,
            seed: meta.seed.unwrap_or(0),
            ambient_c,
            vehicle,
            pack,
            pack_init,
            driver,
            route,
            bms,
            thermal,
        },
        warnings,
        faults: Vec::new(),
        expectations: Vec::new(),
        charge_protocols,
    };
    // Whatever validation above let through, the simulation must accept: `validate`
    // and `run` agree.
    Twin::new(scenario.config.clone()).map_err(|e| twin_error(src, &scenario.config, &e))?;
    if raw.bus.is_some() {
        check_network(src, &scenario)?;
    }
    checks(src, &raw, scenario)
}

/// `[[fault]]` and `[[expect]]`, checked against the scenario they belong to
/// (an expectation may name a fault's injection).
fn checks(src: &Source, raw: &RawScenario, scenario: Scenario) -> Result<Scenario, FileError> {
    let faults = crate::fault::parse_faults(src, &raw.fault, &scenario)?;
    // With `[[fault]]`s, an expectation's injection names are checked against
    // them; without, injections may come from a library hook (marks by name).
    let names: Vec<String> = faults.iter().map(|f| f.name.clone()).collect();
    let known = (!names.is_empty()).then_some(names.as_slice());
    let expectations = crate::expect::parse(src, &raw.expect, &scenario, known)?;
    Ok(Scenario {
        faults,
        expectations,
        ..scenario
    })
}

/// `[bus]` loaded as `bridge` loads it (the DBC, the mapping, the real nodes),
/// so that `validate` finds what `bridge` would refuse; errors at the key.
fn check_network(src: &Source, scenario: &Scenario) -> Result<(), FileError> {
    use crate::net::{NetFile, NetLoadError, load_network};
    let bus = &scenario.bus;
    let dbc = bus.dbc.as_deref().map_or(NetFile::Builtin, NetFile::Path);
    let mapping = bus
        .mapping
        .as_deref()
        .map_or(NetFile::Builtin, NetFile::Path);
    let result = load_network(scenario, dbc, mapping, &bus.real);
    let Err(e) = result else {
        return Ok(());
    };
    let (key, message) = match e {
        NetLoadError::Mapping(e) => return Err(e),
        NetLoadError::Dbc(e) => ("dbc", format!("cannot load the DBC: {e}")),
        NetLoadError::UnknownNode { .. } => ("real", e.to_string()),
        NetLoadError::Io { ref path, .. } => {
            let is_mapping = bus
                .mapping
                .as_ref()
                .is_some_and(|m| m.display().to_string() == *path);
            if is_mapping {
                ("mapping", format!("cannot read the mapping: {e}"))
            } else {
                ("dbc", format!("cannot read the DBC: {e}"))
            }
        }
    };
    Err(FileError::at_path(src, &toml_path!["bus", key], message))
}

/// A setting the simulation refuses, at the key the user should change.
fn twin_error(src: &Source, cfg: &TwinConfig, e: &TwinError) -> FileError {
    use evtwin_sim::pack::PackError;
    let general = || format!("the simulation rejects this scenario: {e}");
    let (path, message) = match e {
        TwinError::OutOfRange {
            what: "BMS tick", ..
        } => {
            let tick_ms = cfg.bms.tick_s * 1000.0;
            let step_ms = cfg.step_s * 1000.0;
            let msg = format!(
                "the BMS ticks every {tick_ms} ms ([pack.bms] tick_ms), which must be a whole \
                 number of steps of step_ms = {step_ms}: change step_ms or tick_ms"
            );
            let tick = toml_path!["pack", "bms", "tick_ms"];
            if src.has(&tick) {
                (tick.to_vec(), msg)
            } else {
                (toml_path!["scenario", "step_ms"].to_vec(), msg)
            }
        }
        TwinError::OutOfRange { what, .. } => {
            let path = match *what {
                "step" => toml_path!["scenario", "step_ms"].to_vec(),
                "parameter refresh" => toml_path!["scenario", "parameter_refresh_ms"].to_vec(),
                "ambient" => toml_path!["environment", "ambient_c"].to_vec(),
                "initial temperature" => toml_path!["pack", "initial_temp_c"].to_vec(),
                "SOC min" => toml_path!["pack", "soc_min_pct"].to_vec(),
                "SOC max" => toml_path!["pack", "soc_max_pct"].to_vec(),
                _ => Vec::new(),
            };
            (path, general())
        }
        TwinError::Pack(PackError::ZeroCount { what }) => {
            (toml_path!["pack", *what].to_vec(), general())
        }
        TwinError::Pack(PackError::OutOfRange {
            what: "initial SOC",
            ..
        }) => (toml_path!["pack", "initial_soc_pct"].to_vec(), general()),
        TwinError::Pack(_) => (toml_path!["pack", "chemistry"].to_vec(), general()),
    };
    if path.is_empty() {
        FileError::at(src, 1, 1, message)
    } else {
        FileError::at_path(src, &path, message)
    }
}

/// The vehicle and its pack: preset values overlaid by the scenario's.
/// The vehicle and its pack, with the pack's controllers.
struct Car {
    vehicle: VehicleSpec,
    pack: PackSpec,
    pack_init: PackInit,
    chemistry: String,
    bms: BmsSpec,
    thermal: ThermalControlSpec,
    warnings: Vec<FileError>,
}

fn vehicle_and_pack(
    raw: &RawScenario,
    docs: &Docs,
    here: &Origin,
    preset_origin: Origin,
    preset: &RawVehicleFile,
    (ambient_c, step_ms): (f64, f64),
) -> Result<Car, FileError> {
    let src = docs.scenario;
    let v = raw.vehicle.clone();
    let pack_raw = preset
        .pack
        .clone()
        .merge(Some(raw.pack.clone()))
        .unwrap_or_default();
    let chemistry = docs.required(Section::Pack, "chemistry", pack_raw.chemistry.clone())?;
    // A chemistry path resolves against the file that names it.
    let chemistry_origin = if src.has(&toml_path!["pack", "chemistry"]) {
        here.clone()
    } else {
        preset_origin
    };
    let (cell_src, cell_origin) = assets::load(Kind::Cell, &chemistry, &chemistry_origin)
        .map_err(|m| docs.error(Section::Pack, "chemistry", m))?;
    let cell = crate::cell::cell(&cell_src, &cell_origin)?;
    let mut warnings = Vec::new();
    crate::plausible::ocv_monotonic(docs, &chemistry, &cell.table, &mut warnings);
    let pack = build::pack(docs, &pack_raw, cell)?;
    // A `[pack]` key with its default.
    let num = |key: &str, v: Option<f64>, default: f64, rule| {
        docs.num(Section::Pack, key, v.or(Some(default)), rule)
    };
    let soc_min = num(
        "soc_min_pct",
        pack_raw.soc_min_pct,
        0.0,
        Rule::Between(0.0, 50.0),
    )? / 100.0;
    let soc_max = num(
        "soc_max_pct",
        pack_raw.soc_max_pct,
        100.0,
        Rule::Between(50.0, 100.0),
    )? / 100.0;
    let initial_soc = num(
        "initial_soc_pct",
        pack_raw.initial_soc_pct,
        90.0,
        Rule::Between(0.0, 100.0),
    )? / 100.0;
    let initial_temp_c = num(
        "initial_temp_c",
        pack_raw.initial_temp_c,
        ambient_c,
        Rule::Between(-60.0, 80.0),
    )?;
    let cells = (pack.series * pack.parallel) as f64;
    let pack_mass_kg = cells * pack.cell.mass_kg / pack.cell_to_pack_mass_ratio;
    let vehicle = VehicleSpec {
        name: v
            .name
            .clone()
            .or(preset.name.clone())
            .unwrap_or_else(|| raw.vehicle.preset.clone()),
        body: build::body(
            docs,
            &preset.body.clone().merge(v.body).unwrap_or_default(),
            pack_mass_kg,
        )?,
        powertrain: build::powertrain(
            docs,
            &preset
                .powertrain
                .clone()
                .merge(v.powertrain)
                .unwrap_or_default(),
        )?,
        aux: build::aux(docs, &preset.aux.clone().merge(v.aux).unwrap_or_default())?,
        soc_min,
        soc_max,
    };
    crate::plausible::pack_mass(docs, &pack, pack_mass_kg, &vehicle, &mut warnings)?;
    Ok(Car {
        vehicle,
        pack_init: PackInit {
            soc: initial_soc,
            temp_c: initial_temp_c,
        },
        chemistry,
        bms: crate::controls::bms(docs, &pack_raw.bms.clone().unwrap_or_default(), step_ms)?,
        thermal: crate::controls::thermal(docs, &pack_raw.thermal.clone().unwrap_or_default())?,
        pack,
        warnings,
    })
}

fn driver(src: &Source, raw: &RawScenario) -> Result<DriverSpec, FileError> {
    use Rule::Positive;
    let d = &raw.driver;
    let num = |key: &str, v: Option<f64>, default: f64| {
        checked(
            src,
            &toml_path!["driver", key],
            key,
            v.unwrap_or(default),
            Positive,
        )
    };
    Ok(DriverSpec {
        max_accel_mps2: num("max_accel_mps2", d.max_accel_mps2, 4.0)?,
        max_decel_mps2: num("max_decel_mps2", d.max_decel_mps2, 6.0)?,
        comfort_accel_mps2: num("comfort_accel_mps2", d.comfort_accel_mps2, 1.5)?,
        comfort_decel_mps2: num("comfort_decel_mps2", d.comfort_decel_mps2, 1.5)?,
        max_jerk_mps3: checked(
            src,
            &toml_path!["driver", "max_jerk_mps3"],
            "max_jerk_mps3",
            d.max_jerk_mps3.unwrap_or(10.0),
            Rule::PositiveOrInf,
        )?,
        speed_gain_per_s: num("speed_gain_per_s", d.speed_gain_per_s, 2.0)?,
        trace_tolerance_mps: num("trace_tolerance_kph", d.trace_tolerance_kph, 3.218_688)? / 3.6,
    })
}

/// Whether `name` matches `pattern`, where `*` matches any run of characters.
pub(crate) fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || !name[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(p) => rest = &rest[p + mid.len()..],
            None => return false,
        }
    }
    true
}

fn trace(
    src: &Source,
    raw: &RawScenario,
    cat: &Catalogue,
    step_ms: f64,
) -> Result<(f64, Vec<Signal>), FileError> {
    let every = raw.trace.every_s.unwrap_or(1.0);
    checked(
        src,
        &toml_path!["trace", "every_s"],
        "every_s",
        every,
        Rule::Between(step_ms / 1000.0, 86_400.0),
    )?;
    let Some(patterns) = &raw.trace.signals else {
        return Ok((
            every,
            Scalar::ALL
                .iter()
                .filter(|s| !s.on_request_only())
                .map(|s| Signal::Scalar(*s))
                .collect(),
        ));
    };
    let mut signals = vec![Signal::Scalar(Scalar::TimeS)];
    for (k, p) in patterns.iter().enumerate() {
        let matched: Vec<Signal> = cat.iter().filter(|s| glob(p, &s.name())).collect();
        if matched.is_empty() {
            let msg = format!("`{p}` matches no signal (see `evtwin signals` for the list)");
            return Err(FileError::at_path(
                src,
                &toml_path!["trace", "signals", k],
                msg,
            ));
        }
        for s in matched {
            if !signals.contains(&s) {
                signals.push(s);
            }
        }
    }
    Ok((every, signals))
}

/// `[bus]`, with file paths relative to the scenario's folder.
fn bus(
    src: &Source,
    dir: &Path,
    raw: Option<&crate::raw::RawBus>,
) -> Result<BusSettings, FileError> {
    let Some(raw) = raw else {
        return Ok(BusSettings::default());
    };
    if let Some(speed) = raw.speed {
        checked(
            src,
            &toml_path!["bus", "speed"],
            "speed",
            speed,
            Rule::Between(1e-3, 1e6),
        )?;
    }
    if let Some(i) = &raw.interface
        && (i.is_empty() || i.len() > 15 || i.contains(['/', ' ']))
    {
        let msg = format!("`{i}` is not a network interface name (e.g. vcan0, can0, inproc)");
        return Err(FileError::at_path(
            src,
            &toml_path!["bus", "interface"],
            msg,
        ));
    }
    Ok(BusSettings {
        interface: raw.interface.clone(),
        dbc: raw.dbc.as_ref().map(|p| dir.join(p)),
        mapping: raw.mapping.as_ref().map(|p| dir.join(p)),
        real: raw.real.clone(),
        speed: raw.speed,
    })
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("pack.*", "pack.voltage_v"));
        assert!(glob("cell[*].temp_c", "cell[12].temp_c"));
        assert!(!glob("cell[*].temp_c", "cell[12].soc_pct"));
        assert!(glob("*_wh", "energy.drag_wh"));
        assert!(glob("time_s", "time_s"));
        assert!(!glob("pack.*_v", "pack.voltage_a"));
        assert!(glob("*", "anything"));
    }
}
