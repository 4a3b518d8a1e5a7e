//! Validation of vehicle presets, packs and cells into simulation settings.
//! A value may come from the preset or from an override in the scenario; an error
//! points at whichever file set it (or at the preset when it is missing).

use evtwin_sim::aux::AuxSpec;
use evtwin_sim::cell::CellSpec;
use evtwin_sim::interp::Lut1;
use evtwin_sim::pack::{PackSpec, PackThermalSpec};
use evtwin_sim::vehicle::{BodySpec, Coastdown, MotorMap, PowertrainSpec};

use crate::raw::{RawAux, RawBody, RawPack, RawPowertrain};
use crate::source::{FileError, Seg, Source, toml_path};

/// Most series groups a pack may have (1000 V class packs have about 200–260).
const MAX_SERIES: u32 = 2000;
/// Most cells in parallel per group (cylindrical packs reach the high tens).
const MAX_PARALLEL: u32 = 1000;

/// Where a vehicle value lives in the scenario and in the preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Body,
    Powertrain,
    Aux,
    Pack,
    Thermal,
    Bms,
}

impl Section {
    fn in_scenario(self) -> Vec<Seg> {
        match self {
            Self::Body => toml_path!["vehicle", "body"].to_vec(),
            Self::Powertrain => toml_path!["vehicle", "powertrain"].to_vec(),
            Self::Aux => toml_path!["vehicle", "aux"].to_vec(),
            Self::Pack => toml_path!["pack"].to_vec(),
            Self::Thermal => toml_path!["pack", "thermal"].to_vec(),
            Self::Bms => toml_path!["pack", "bms"].to_vec(),
        }
    }

    fn in_preset(self) -> Vec<Seg> {
        match self {
            Self::Body => toml_path!["body"].to_vec(),
            Self::Powertrain => toml_path!["powertrain"].to_vec(),
            Self::Aux => toml_path!["aux"].to_vec(),
            Self::Pack => toml_path!["pack"].to_vec(),
            Self::Thermal => toml_path!["pack", "thermal"].to_vec(),
            Self::Bms => toml_path!["pack", "bms"].to_vec(),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Body => "[body]",
            Self::Powertrain => "[powertrain]",
            Self::Aux => "[aux]",
            Self::Pack => "[pack]",
            Self::Thermal => "[pack.thermal]",
            Self::Bms => "[pack.bms]",
        }
    }
}

/// Range rules for numbers. All but `PositiveOrInf` require a finite number.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rule {
    Positive,
    /// Greater than 0; `inf` allowed (means "no bound").
    PositiveOrInf,
    NonNegative,
    /// Inclusive bounds.
    Between(f64, f64),
}

impl Rule {
    fn check(self, v: f64) -> Result<(), String> {
        let ok = match self {
            Self::Positive => v.is_finite() && v > 0.0,
            Self::PositiveOrInf => v > 0.0,
            Self::NonNegative => v.is_finite() && v >= 0.0,
            Self::Between(lo, hi) => v >= lo && v <= hi,
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            Self::Positive => "must be a finite number greater than 0".to_owned(),
            Self::PositiveOrInf => "must be greater than 0 (or inf)".to_owned(),
            Self::NonNegative => "must be a finite number, 0 or more".to_owned(),
            Self::Between(lo, hi) => format!("must be between {lo} and {hi}"),
        })
    }
}

/// A number checked against `rule`, with the error at `path` in `src`.
pub(crate) fn checked(
    src: &Source,
    at: &[Seg],
    name: &str,
    v: f64,
    rule: Rule,
) -> Result<f64, FileError> {
    rule.check(v)
        .map(|()| v)
        .map_err(|why| FileError::at_path(src, at, format!("{name} = {v} {why}")))
}

/// The scenario and the vehicle preset it uses.
pub(crate) struct Docs<'a> {
    pub scenario: &'a Source,
    pub preset: &'a Source,
}

impl Docs<'_> {
    pub(crate) fn error(&self, sec: Section, key: &str, message: String) -> FileError {
        let mut in_scenario = sec.in_scenario();
        in_scenario.push(key.into());
        let mut in_preset = sec.in_preset();
        in_preset.push(key.into());
        if self.scenario.has(&in_scenario) {
            FileError::at_path(self.scenario, &in_scenario, message)
        } else {
            FileError::at_path(self.preset, &in_preset, message)
        }
    }

    /// Of two keys that only make sense together, the one to blame: the one the
    /// scenario set, if any (else the second, in the preset).
    fn pair_key<'k>(&self, sec: Section, first: &'k str, second: &'k str) -> &'k str {
        let mut in_scenario = sec.in_scenario();
        in_scenario.push(first.into());
        if self.scenario.has(&in_scenario) {
            first
        } else {
            second
        }
    }

    pub(crate) fn required<T>(
        &self,
        sec: Section,
        key: &str,
        v: Option<T>,
    ) -> Result<T, FileError> {
        v.ok_or_else(|| {
            let msg = format!(
                "`{key}` is missing from {}: set it in the preset or the scenario",
                sec.label()
            );
            self.error(sec, key, msg)
        })
    }

    pub(crate) fn num(
        &self,
        sec: Section,
        key: &str,
        v: Option<f64>,
        rule: Rule,
    ) -> Result<f64, FileError> {
        let v = self.required(sec, key, v)?;
        rule.check(v)
            .map(|()| v)
            .map_err(|why| self.error(sec, key, format!("{key} = {v} {why}")))
    }

    fn count(&self, sec: Section, key: &str, v: Option<u32>, max: u32) -> Result<u32, FileError> {
        let v = self.required(sec, key, v)?;
        if v == 0 || v > max {
            return Err(self.error(sec, key, format!("{key} must be from 1 to {max}, not {v}")));
        }
        Ok(v)
    }
}

/// The body. Its test mass is given whole (`test_mass_kg`) or without the pack
/// (`mass_without_pack_kg`, the pack's `pack_mass_kg` added); a key the scenario
/// sets wins over the preset's.
pub(crate) fn body(d: &Docs, b: &RawBody, pack_mass_kg: f64) -> Result<BodySpec, FileError> {
    use Rule::Between;
    let s = Section::Body;
    let in_scenario = |k: &str| d.scenario.has(&toml_path!["vehicle", "body", k]);
    let whole = if in_scenario("test_mass_kg") {
        true
    } else if in_scenario("mass_without_pack_kg") {
        false
    } else {
        b.test_mass_kg.is_some()
    };
    let test_mass_kg = if whole {
        d.num(s, "test_mass_kg", b.test_mass_kg, Between(100.0, 60_000.0))?
    } else {
        let rest = d.num(
            s,
            "mass_without_pack_kg",
            b.mass_without_pack_kg,
            Between(100.0, 60_000.0),
        )?;
        rest + pack_mass_kg
    };
    let coastdown = coastdown(d, b)?;
    // With coast-down coefficients the physical road-load figures are optional
    // (checked where given, unused).
    let physical = |key: &str, v: Option<f64>, rule| match v {
        None if coastdown.is_some() => Ok(0.0),
        _ => d.num(s, key, v, rule),
    };
    Ok(BodySpec {
        test_mass_kg,
        drag_coefficient: physical("drag_coefficient", b.drag_coefficient, Between(0.05, 2.0))?,
        frontal_area_m2: physical("frontal_area_m2", b.frontal_area_m2, Between(0.3, 15.0))?,
        rolling_resistance: physical(
            "rolling_resistance",
            b.rolling_resistance,
            Between(0.0, 0.05),
        )?,
        wheel_radius_m: d.num(s, "wheel_radius_m", b.wheel_radius_m, Between(0.1, 1.0))?,
        wheel_inertia_kg_m2: d.num(
            s,
            "wheel_inertia_kg_m2",
            b.wheel_inertia_kg_m2,
            Rule::NonNegative,
        )?,
        wheel_count: d.count(s, "wheel_count", b.wheel_count, 32)?,
        coastdown,
    })
}

/// `coastdown_a_n`, `coastdown_b_n_per_kph`, `coastdown_c_n_per_kph2`: all three
/// or none.
fn coastdown(d: &Docs, b: &RawBody) -> Result<Option<Coastdown>, FileError> {
    use Rule::Between;
    let s = Section::Body;
    let keys = [
        ("coastdown_a_n", b.coastdown_a_n, Between(0.0, 5000.0)),
        (
            "coastdown_b_n_per_kph",
            b.coastdown_b_n_per_kph,
            Between(-50.0, 50.0),
        ),
        (
            "coastdown_c_n_per_kph2",
            b.coastdown_c_n_per_kph2,
            Between(0.0, 1.0),
        ),
    ];
    if keys.iter().all(|k| k.1.is_none()) {
        return Ok(None);
    }
    let mut v = [0.0; 3];
    for (slot, (key, value, rule)) in v.iter_mut().zip(keys) {
        // A missing one of the three is reported by `num` as a missing key.
        *slot = d.num(s, key, value, rule)?;
    }
    Ok(Some(Coastdown::from_kph(v[0], v[1], v[2])))
}

pub(crate) fn powertrain(d: &Docs, p: &RawPowertrain) -> Result<PowertrainSpec, FileError> {
    use Rule::{Between, Positive};
    let s = Section::Powertrain;
    let loads = d.required(s, "motor_efficiency_load", p.motor_efficiency_load.clone())?;
    let effs = d.required(s, "motor_efficiency", p.motor_efficiency.clone())?;
    let blame = d.pair_key(s, "motor_efficiency_load", "motor_efficiency");
    if loads.len() != effs.len() {
        let msg = format!(
            "motor_efficiency_load has {} points but motor_efficiency has {}",
            loads.len(),
            effs.len()
        );
        return Err(d.error(s, blame, msg));
    }
    let motor_map =
        MotorMap::new(loads, effs).map_err(|e| d.error(s, blame, format!("motor map: {e}")))?;
    Ok(PowertrainSpec {
        transmission_efficiency: d.num(
            s,
            "transmission_efficiency",
            p.transmission_efficiency,
            Between(0.5, 1.0),
        )?,
        motor_peak_power_w: d.num(s, "motor_peak_power_kw", p.motor_peak_power_kw, Positive)?
            * 1000.0,
        motor_peak_torque_nm: d.num(s, "motor_peak_torque_nm", p.motor_peak_torque_nm, Positive)?,
        gear_ratio: d.num(s, "gear_ratio", p.gear_ratio, Positive)?,
        motor_map,
        regen_max_fraction: d.num(
            s,
            "regen_max_fraction",
            p.regen_max_fraction,
            Between(0.0, 1.0),
        )?,
        regen_fade_a: d.num(s, "regen_fade_a", p.regen_fade_a, Rule::NonNegative)?,
        regen_fade_b_per_mph: d.num(
            s,
            "regen_fade_b_per_mph",
            p.regen_fade_b_per_mph,
            Rule::NonNegative,
        )?,
        max_speed_mps: d.num(s, "max_speed_kph", p.max_speed_kph, Positive)? / 3.6,
    })
}

pub(crate) fn aux(d: &Docs, a: &RawAux) -> Result<AuxSpec, FileError> {
    use Rule::{NonNegative, Positive};
    let s = Section::Aux;
    let temps = d.required(s, "heating_cop_ambient_c", a.heating_cop_ambient_c.clone())?;
    let cops = d.required(s, "heating_cop", a.heating_cop.clone())?;
    let blame = d.pair_key(s, "heating_cop_ambient_c", "heating_cop");
    if let Some(c) = cops.iter().find(|c| !(c.is_finite() && **c > 0.0)) {
        return Err(d.error(
            s,
            "heating_cop",
            format!("a COP of {c} is not a number above 0"),
        ));
    }
    let heating_cop = Lut1::named(("heating_cop_ambient_c", temps), ("heating_cop", cops))
        .map_err(|e| d.error(s, blame, format!("heating COP curve: {e}")))?;
    Ok(AuxSpec {
        base_w: d.num(s, "base_w", a.base_w, NonNegative)?,
        cabin_setpoint_c: d.num(
            s,
            "cabin_setpoint_c",
            a.cabin_setpoint_c,
            Rule::Between(10.0, 30.0),
        )?,
        deadband_k: d.num(s, "deadband_k", a.deadband_k, NonNegative)?,
        cabin_ua_w_per_k: d.num(s, "cabin_ua_w_per_k", a.cabin_ua_w_per_k, NonNegative)?,
        heating_cop,
        cooling_cop: d.num(s, "cooling_cop", a.cooling_cop, Positive)?,
        hvac_max_w: d.num(s, "hvac_max_kw", a.hvac_max_kw, NonNegative)? * 1000.0,
    })
}

/// The pack design (not its initial state).
pub(crate) fn pack(d: &Docs, p: &RawPack, cell: CellSpec) -> Result<PackSpec, FileError> {
    use Rule::{Between, NonNegative, Positive};
    let s = Section::Pack;
    let t = p.thermal.clone().unwrap_or_default();
    let th = Section::Thermal;
    Ok(PackSpec {
        series: d.count(s, "series", p.series, MAX_SERIES)? as usize,
        parallel: d.count(s, "parallel", p.parallel, MAX_PARALLEL)? as usize,
        capacity_spread_pct: d.num(
            s,
            "capacity_spread_pct",
            p.capacity_spread_pct.or(Some(0.0)),
            Between(0.0, 20.0),
        )?,
        resistance_spread_pct: d.num(
            s,
            "resistance_spread_pct",
            p.resistance_spread_pct.or(Some(0.0)),
            Between(0.0, 20.0),
        )?,
        max_discharge_power_w: d.num(
            s,
            "max_discharge_power_kw",
            p.max_discharge_power_kw,
            Positive,
        )? * 1000.0,
        max_charge_power_w: d.num(s, "max_charge_power_kw", p.max_charge_power_kw, Positive)?
            * 1000.0,
        // Default: the pressure the cell's resistances were given at.
        stack_pressure_mpa: d.num(
            s,
            "stack_pressure_mpa",
            p.stack_pressure_mpa
                .or(Some(cell.pressure.map_or(1.0, |c| c.reference_mpa))),
            Between(0.01, 100.0),
        )?,
        cell_to_pack_mass_ratio: d.num(
            s,
            "cell_to_pack_mass_ratio",
            p.cell_to_pack_mass_ratio,
            Between(0.1, 1.0),
        )?,
        cell_to_pack_volume_ratio: d.num(
            s,
            "cell_to_pack_volume_ratio",
            p.cell_to_pack_volume_ratio,
            Between(0.1, 1.0),
        )?,
        thermal: PackThermalSpec {
            group_to_coolant_w_per_k: d.num(
                th,
                "group_to_coolant_w_per_k",
                t.group_to_coolant_w_per_k,
                NonNegative,
            )?,
            coolant_heat_capacity_j_per_k: d.num(
                th,
                "coolant_heat_capacity_kj_per_k",
                t.coolant_heat_capacity_kj_per_k,
                Positive,
            )? * 1000.0,
            neighbour_w_per_k: d.num(th, "neighbour_w_per_k", t.neighbour_w_per_k, NonNegative)?,
            enclosure_w_per_k: d.num(th, "enclosure_w_per_k", t.enclosure_w_per_k, NonNegative)?,
            radiator_w_per_k: d.num(th, "radiator_w_per_k", t.radiator_w_per_k, NonNegative)?,
        },
        cell,
    })
}
