//! Plausibility of what validates key by key: the pack against the car it
//! sits in, the cell's OCV against its SOC. What cannot be is refused; what is
//! merely unusual is a warning (the run goes on, `evtwin` prints it).

use evtwin_sim::VehicleSpec;
use evtwin_sim::cell::CellTable;
use evtwin_sim::pack::PackSpec;

use crate::build::{Docs, Section};
use crate::source::FileError;

/// The heaviest car the model takes (as `test_mass_kg` allows), kg.
const MAX_TEST_MASS_KG: f64 = 60_000.0;

/// Above this share of the car's mass a pack is unusual (real cars: 20–35 %).
const PACK_SHARE_WARN: f64 = 0.5;

/// The pack's mass against the car's: refused when the car would be heavier
/// than any the model takes, or lighter than its own pack; a warning when the
/// pack is more than half of the car.
pub(crate) fn pack_mass(
    docs: &Docs,
    pack: &PackSpec,
    pack_mass_kg: f64,
    vehicle: &VehicleSpec,
    warnings: &mut Vec<FileError>,
) -> Result<(), FileError> {
    let total = vehicle.body.test_mass_kg;
    let key = if docs
        .scenario
        .has(&crate::source::toml_path!["pack", "parallel"])
    {
        "parallel"
    } else {
        "series"
    };
    let design = format!(
        "{}s{}p of {} kg cells weighs {:.0} kg",
        pack.series, pack.parallel, pack.cell.mass_kg, pack_mass_kg
    );
    if total > MAX_TEST_MASS_KG {
        let msg = format!(
            "the pack ({design}) makes the car {:.1} t, more than the {:.0} t the model takes: \
             fewer cells in series or parallel",
            total / 1000.0,
            MAX_TEST_MASS_KG / 1000.0
        );
        return Err(docs.error(Section::Pack, key, msg));
    }
    if pack_mass_kg >= total {
        let msg =
            format!("the pack ({design}) is heavier than the whole car (test_mass_kg = {total})");
        return Err(docs.error(Section::Pack, key, msg));
    }
    if pack_mass_kg > PACK_SHARE_WARN * total {
        let msg = format!(
            "implausible: the pack ({design}) is {:.0} % of the car's {total:.0} kg \
             (real cars: 20–35 %)",
            100.0 * pack_mass_kg / total
        );
        warnings.push(docs.error(Section::Pack, key, msg));
    }
    Ok(())
}

/// A warning when OCV falls as SOC rises in the table (the first such
/// segment, at the first temperature where it does).
pub(crate) fn ocv_monotonic(
    docs: &Docs,
    chemistry: &str,
    table: &CellTable,
    warnings: &mut Vec<FileError>,
) {
    let axes = table.axes();
    for &temp_c in axes.b() {
        let ocv = |soc: f64| table.params(soc, temp_c).ocv_v;
        let falls = axes.a().windows(2).find(|w| ocv(w[1]) < ocv(w[0]));
        if let Some(w) = falls {
            let msg = format!(
                "implausible cell table of `{chemistry}`: OCV falls from {:.4} V to {:.4} V \
                 between SOC {} % and {} % at {temp_c} °C (OCV rises with SOC)",
                ocv(w[0]),
                ocv(w[1]),
                w[0] * 100.0,
                w[1] * 100.0
            );
            warnings.push(docs.error(Section::Pack, "chemistry", msg));
            return;
        }
    }
}
