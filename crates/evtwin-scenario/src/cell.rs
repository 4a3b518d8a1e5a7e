//! Cell definition files (`assets/cells/*.toml`) and their parameter tables.

use evtwin_sim::cell::{CellSpec, CellTable};
use evtwin_sim::chemistry::{
    Anode, Arrhenius, CapacityVsTemp, PressureSpec, Regime, TemperatureLimits,
};
use evtwin_sim::interp::Lut1;

use crate::assets::{self, Kind, Origin};
use crate::build::{Rule, checked};
use crate::raw::{RawAnode, RawCapacity, RawCell, RawPressure, RawResistance, RawTemperature};
use crate::source::{FileError, Source, toml_error, toml_path};

/// Loads a cell by its shipped name (`sulfide`) or the path of its `.toml`
/// (relative paths from the working directory), for `evtwin cell`.
pub fn load_cell(reference: &str) -> Result<CellSpec, FileError> {
    let here = Origin::Dir(std::path::PathBuf::new());
    let (src, origin) = assets::load(Kind::Cell, reference, &here).map_err(|m| {
        let arg = Source {
            name: "CELL".into(),
            text: reference.to_owned(),
        };
        FileError::at(&arg, 1, 1, m)
    })?;
    cell(&src, &origin)
}

/// Loads and validates a cell definition and its parameter table.
pub(crate) fn cell(src: &Source, origin: &Origin) -> Result<CellSpec, FileError> {
    use Rule::{Between, Positive};
    let raw: RawCell = toml::from_str(&src.text).map_err(|e| toml_error(src, &e))?;
    let num = |key: &str, v: f64, rule| checked(src, &toml_path![key], key, v, rule);
    let capacity_ah = num("capacity_ah", raw.capacity_ah, Positive)?;
    let voltage_max_v = num("voltage_max_v", raw.voltage_max_v, Between(0.5, 10.0))?;
    let voltage_min_v = num("voltage_min_v", raw.voltage_min_v, Between(0.1, 10.0))?;
    if voltage_min_v >= voltage_max_v {
        let msg = format!(
            "voltage_min_v = {voltage_min_v} must be below voltage_max_v = {voltage_max_v}"
        );
        return Err(FileError::at_path(src, &toml_path!["voltage_min_v"], msg));
    }
    let (table_src, _) = assets::load(Kind::CellTable, &raw.table, origin)
        .map_err(|m| FileError::at_path(src, &toml_path!["table"], m))?;
    let table = CellTable::parse_csv(&table_src.text)
        .map_err(|e| FileError::at(&table_src, e.line, e.column, e.message))?;
    let arrhenius = raw
        .resistance
        .as_ref()
        .map(|r| resistance(src, r, &table))
        .transpose()?;
    Ok(CellSpec {
        name: raw.name.clone(),
        capacity_ah,
        voltage_max_v,
        voltage_min_v,
        max_charge_c: num("max_charge_c", raw.max_charge_c, Positive)?,
        max_discharge_c: num("max_discharge_c", raw.max_discharge_c, Positive)?,
        mass_kg: num("mass_kg", raw.mass_kg, Positive)?,
        volume_l: num("volume_l", raw.volume_l, Positive)?,
        specific_heat_j_per_kg_k: num(
            "specific_heat_j_per_kg_k",
            raw.specific_heat_j_per_kg_k,
            Positive,
        )?,
        table,
        arrhenius,
        capacity_vs_temp: raw
            .capacity
            .as_ref()
            .map(|c| capacity(src, c))
            .transpose()?,
        pressure: raw
            .pressure
            .as_ref()
            .map(|p| pressure(src, p))
            .transpose()?,
        temperature: temperature(src, &raw.temperature)?,
        anode: raw
            .anode
            .as_ref()
            .map(|a| anode(src, a, raw.pressure.as_ref()))
            .transpose()?,
    })
}

fn anode(src: &Source, a: &RawAnode, pressure: Option<&RawPressure>) -> Result<Anode, FileError> {
    use Rule::{Between, Positive};
    let at = |k: &str| toml_path!["anode", k];
    let need = |k: &str, v: Option<f64>, rule| {
        let v = v.ok_or_else(|| {
            let msg = format!("a {} anode needs `{k}`", a.kind);
            FileError::at_path(src, &toml_path!["anode"], msg)
        })?;
        checked(src, &at(k), k, v, rule)
    };
    match a.kind.as_str() {
        "graphite" => Ok(Anode::Graphite {
            resistance_fraction: need(
                "resistance_fraction",
                a.resistance_fraction,
                Between(0.01, 1.0),
            )?,
        }),
        "lithium-metal" => Ok(Anode::LithiumMetal {
            area_cm2: need("area_cm2", a.area_cm2, Positive)?,
            ccd_ma_per_cm2: need("ccd_ma_per_cm2", a.ccd_ma_per_cm2, Positive)?,
            ccd_reference_c: need("ccd_reference_c", a.ccd_reference_c, Between(-60.0, 150.0))?,
            ccd_activation_energy_ev: need(
                "ccd_activation_energy_ev",
                a.ccd_activation_energy_ev,
                Between(0.0, 3.0),
            )?,
            ccd_reference_mpa: pressure.map_or(1.0, |p| p.reference_mpa),
            ccd_pressure_exponent: need(
                "ccd_pressure_exponent",
                a.ccd_pressure_exponent,
                Between(0.0, 3.0),
            )?,
        }),
        other => {
            let msg = format!("unknown anode kind `{other}` (graphite or lithium-metal)");
            Err(FileError::at_path(src, &at("kind"), msg))
        }
    }
}

fn resistance(src: &Source, r: &RawResistance, table: &CellTable) -> Result<Arrhenius, FileError> {
    let at = |k: &str| toml_path!["resistance", k];
    let Some(reference_c) = table.single_temperature_c() else {
        let msg = "the table already has several temperatures: give it at one temperature to use [resistance], or drop [resistance]";
        return Err(FileError::at_path(src, &toml_path!["resistance"], msg));
    };
    let ea = |k: &str, v: f64| checked(src, &at(k), k, v, Rule::Between(0.01, 3.0));
    let activation_energy_ev = ea("activation_energy_ev", r.activation_energy_ev)?;
    let above = match (r.transition_c, r.activation_energy_above_ev) {
        (None, None) => None,
        (Some(t), Some(e)) => Some(Regime {
            transition_c: checked(
                src,
                &at("transition_c"),
                "transition_c",
                t,
                Rule::Between(-60.0, 150.0),
            )?,
            activation_energy_ev: ea("activation_energy_above_ev", e)?,
        }),
        _ => {
            let msg = "transition_c and activation_energy_above_ev go together";
            return Err(FileError::at_path(src, &toml_path!["resistance"], msg));
        }
    };
    Ok(Arrhenius {
        activation_energy_ev,
        reference_c,
        above,
    })
}

fn capacity(src: &Source, c: &RawCapacity) -> Result<CapacityVsTemp, FileError> {
    if let Some(f) = c.fraction.iter().find(|f| !(**f >= 0.0 && **f <= 1.0)) {
        let msg = format!("a capacity fraction of {f} is not in [0, 1]");
        return Err(FileError::at_path(
            src,
            &toml_path!["capacity", "fraction"],
            msg,
        ));
    }
    let curve = Lut1::named(
        ("temp_c", c.temp_c.clone()),
        ("fraction", c.fraction.clone()),
    )
    .map_err(|e| FileError::at_path(src, &toml_path!["capacity"], e.to_string()))?;
    Ok(CapacityVsTemp::new(curve))
}

fn pressure(src: &Source, p: &RawPressure) -> Result<PressureSpec, FileError> {
    let num = |k: &str, v: f64, rule| checked(src, &toml_path!["pressure", k], k, v, rule);
    Ok(PressureSpec {
        reference_mpa: num("reference_mpa", p.reference_mpa, Rule::Between(0.01, 100.0))?,
        interface_fraction: num(
            "interface_fraction",
            p.interface_fraction,
            Rule::Between(0.0, 1.0),
        )?,
    })
}

fn temperature(src: &Source, t: &RawTemperature) -> Result<TemperatureLimits, FileError> {
    let c = |k: &str, v: f64| {
        checked(
            src,
            &toml_path!["temperature", k],
            k,
            v,
            Rule::Between(-60.0, 150.0),
        )
    };
    let limits = TemperatureLimits {
        charge_min_c: c("charge_min_c", t.charge_min_c)?,
        charge_max_c: c("charge_max_c", t.charge_max_c)?,
        discharge_min_c: c("discharge_min_c", t.discharge_min_c)?,
        discharge_max_c: c("discharge_max_c", t.discharge_max_c)?,
        charge_optimum_c: c("charge_optimum_c", t.charge_optimum_c)?,
    };
    let ordered = limits.charge_min_c <= limits.charge_optimum_c
        && limits.charge_optimum_c <= limits.charge_max_c
        && limits.discharge_min_c < limits.discharge_max_c;
    if !ordered {
        let msg = "need charge_min_c ≤ charge_optimum_c ≤ charge_max_c and discharge_min_c < discharge_max_c";
        return Err(FileError::at_path(src, &toml_path!["temperature"], msg));
    }
    Ok(limits)
}
