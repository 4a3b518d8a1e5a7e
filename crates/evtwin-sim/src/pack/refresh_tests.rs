//! The refresh rule against refreshing every step.

use super::super::{CoolantInput, Pack, PackInit, PackSpec, PackThermalSpec};
use super::{REFRESH_TOLERANCE, tolerances};
use crate::cell::tests::test_cell;
use crate::chemistry::{Arrhenius, CapacityVsTemp};
use crate::interp::Lut1;
use crate::rng::Rng;

/// The crate's test cell with an Arrhenius law (0.35 eV, the steep sulfide case)
/// and cold capacity on top of its table's own temperature dependence.
fn spec() -> PackSpec {
    let mut cell = test_cell();
    cell.arrhenius = Some(Arrhenius {
        activation_energy_ev: 0.35,
        reference_c: 25.0,
        above: None,
    });
    cell.capacity_vs_temp = Some(CapacityVsTemp::new(
        Lut1::new(vec![-20.0, 25.0], vec![0.8, 1.0]).unwrap(),
    ));
    PackSpec {
        cell,
        series: 16,
        parallel: 2,
        capacity_spread_pct: 2.0,
        resistance_spread_pct: 3.0,
        max_discharge_power_w: 1e9,
        max_charge_power_w: 1e9,
        stack_pressure_mpa: 1.0,
        cell_to_pack_mass_ratio: 0.8,
        cell_to_pack_volume_ratio: 0.6,
        thermal: PackThermalSpec {
            group_to_coolant_w_per_k: 2.0,
            neighbour_w_per_k: 0.5,
            coolant_heat_capacity_j_per_k: 20_000.0,
            enclosure_w_per_k: 1.0,
            radiator_w_per_k: 0.0,
        },
    }
}

/// A current like a city drive (A, positive discharging), by second.
fn drive_current_a(t_s: f64) -> f64 {
    6.0 + 4.5 * (t_s * 0.05).sin() + 3.0 * (t_s * 0.31).sin() - 2.0 * (t_s * 0.013).cos()
}

#[test]
fn tolerances_follow_the_steepest_slope() {
    let s = spec();
    let tol = tolerances(&s.cell, 1.0, REFRESH_TOLERANCE);
    let tol_t = tol.min_temp_k();
    // Arrhenius 0.35 eV at −60 °C: d ln R / dT = Ea / (k T²) ≈ 0.0895 /K; the table
    // itself moves R by ×4 from 25 to −20 °C (≈ 0.2 /K at −20 °C relative to 1/4…):
    // the threshold is a fraction of a kelvin.
    assert!(tol_t > 0.001 && tol_t < 0.06, "{tol_t}");
    // Warm, the Arrhenius slope is a third of that: a wider threshold.
    assert!(tol.temp_k(60.0) > 2.0 * tol_t);
    // The test table's R and C do not depend on SOC: an unbounded SOC window.
    assert_eq!(tol.soc_window(0.5), (f64::NEG_INFINITY, f64::INFINITY));
}

/// Runs a pack from −15 °C, warming with a heater, through a two-hour drive with a
/// 1 s step; returns every group's voltage at every step and the refresh count.
fn run(refresh_steps: u32) -> (Vec<f64>, Vec<f64>, u64) {
    let init = PackInit {
        soc: 0.9,
        temp_c: -15.0,
    };
    let mut pack = Pack::new(spec(), init, &mut Rng::new(3), 1.0, refresh_steps).unwrap();
    let (mut volts, mut temps, mut buf) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..7200 {
        let op = pack.operating_point();
        pack.commit(&op, drive_current_a(f64::from(k)));
        // A thermostat: the heater holds the coolant at 10 °C.
        let heat = CoolantInput {
            heater_w: if pack.coolant_temp_c() < 10.0 {
                400.0
            } else {
                0.0
            },
            ambient_c: -15.0,
            ..CoolantInput::default()
        };
        pack.thermal_step(1.0, &heat);
        pack.group_voltages_into(&mut buf);
        volts.extend_from_slice(&buf);
        temps.push(pack.temp_mean_c());
    }
    (volts, temps, pack.group_refreshes())
}

#[test]
fn refreshing_on_change_stays_within_its_bound_of_refreshing_every_step() {
    let (every, temps, n_every) = run(1);
    let (on_change, _, n_change) = run(u32::MAX);
    // The pack warmed through the steep part of the resistance law.
    assert!(temps[0] < -14.0 && *temps.last().unwrap() > 5.0);
    // Every slow parameter stays within 2ε of its every-step value, so a group's
    // voltage stays within 2ε of its largest DC drop, I·(R0 + R1 + R2), at the
    // coldest point (the test cell: 18 mΩ at 25 °C, ×4 from its table at −20 °C and
    // the Arrhenius factor at −15 °C; groups of two cells, spread ≤ 9 %).
    let r_dc = 0.018 * 4.0 * 1.09 / 2.0;
    let k = spec().cell.resistance_temp_factor(-15.0);
    let i_max = 15.5;
    let bound_v = 2.0 * REFRESH_TOLERANCE * i_max * r_dc * k;
    let worst = every
        .iter()
        .zip(&on_change)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < bound_v, "worst {worst} V, bound {bound_v} V");
    // And it was not trivially met: the rule refreshed far less often (this small
    // cell's temperature jitters by its own heat every second: about one step in
    // six; a car's pack far less, see tests/refresh.rs).
    assert!(n_every >= 16 * 7201);
    assert!(n_change * 4 < n_every, "{n_change} of {n_every}");
}

#[test]
fn the_soc_window_spans_segments_by_the_integrated_slope() {
    use crate::cell::{CellRow, CellTable};
    // Every resistance ∝ 1 + z: relative slope 1.0 per unit SOC on [0, 0.5] and
    // 0.667 on [0.5, 1] (secants over the segments, at their low ends).
    let rows: Vec<CellRow> = [0.0, 0.5, 1.0]
        .iter()
        .map(|&soc| CellRow {
            soc,
            temp_c: 25.0,
            ocv_v: 3.5 + 0.6 * soc,
            r0_ohm: 0.010 * (1.0 + soc),
            r1_ohm: 0.005 * (1.0 + soc),
            c1_f: 2000.0,
            r2_ohm: 0.003 * (1.0 + soc),
            c2_f: 100_000.0,
            anode_ocp_v: None,
        })
        .collect();
    let mut cell = test_cell();
    cell.table = CellTable::from_rows(&rows).unwrap();
    let tol = tolerances(&cell, 1.0, REFRESH_TOLERANCE);
    // ε = 0.005: 0.005 SOC below 0.5, 0.0075 above.
    let (lo, hi) = tol.soc_window(0.5);
    assert!(
        (lo - 0.495).abs() < 1e-12 && (hi - 0.5075).abs() < 1e-12,
        "{lo} {hi}"
    );
    // Flat past the table's ends: open on that side.
    assert_eq!(tol.soc_window(0.999).1, f64::INFINITY);
}
