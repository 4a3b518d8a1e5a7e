use super::*;
use crate::cell::tests::test_cell;
use crate::cell::{CellRow, CellTable};

fn spec(series: usize, parallel: usize, spread_pct: f64) -> PackSpec {
    PackSpec {
        cell: test_cell(),
        series,
        parallel,
        capacity_spread_pct: spread_pct,
        resistance_spread_pct: spread_pct,
        max_discharge_power_w: 1e9,
        max_charge_power_w: 1e9,
        stack_pressure_mpa: 1.0,
        cell_to_pack_mass_ratio: 0.8,
        cell_to_pack_volume_ratio: 0.6,
        thermal: PackThermalSpec {
            group_to_coolant_w_per_k: 2.0,
            neighbour_w_per_k: 0.5,
            coolant_heat_capacity_j_per_k: 50_000.0,
            enclosure_w_per_k: 10.0,
            radiator_w_per_k: 100.0,
        },
    }
}

/// A cell whose R and C do not depend on SOC or temperature.
fn constant_rc_spec() -> PackSpec {
    let mut s = spec(1, 1, 0.0);
    let mut rows = Vec::new();
    for temp_c in [-40.0, 80.0] {
        for soc in [0.0, 0.5, 1.0] {
            rows.push(CellRow {
                soc,
                temp_c,
                ocv_v: 3.2 + 0.8 * soc,
                r0_ohm: 0.010,
                r1_ohm: 0.005,
                c1_f: 2000.0,
                r2_ohm: 0.003,
                c2_f: 100_000.0,
                anode_ocp_v: None,
            });
        }
    }
    s.cell.table = CellTable::from_rows(&rows).unwrap();
    s
}

fn init(soc: f64) -> PackInit {
    PackInit { soc, temp_c: 25.0 }
}

fn step(pack: &mut Pack, current_a: f64) -> OperatingPoint {
    let op = pack.operating_point();
    pack.commit(&op, current_a);
    op
}

fn ambient(ambient_c: f64) -> CoolantInput {
    CoolantInput {
        ambient_c,
        ..CoolantInput::default()
    }
}

#[test]
fn rc_branches_follow_the_analytic_step_response() {
    let dt = 0.01;
    let mut pack = Pack::new(constant_rc_spec(), init(0.8), &mut Rng::new(1), dt, 100).unwrap();
    let current = 20.0;
    let (tau1, tau2) = (0.005 * 2000.0, 0.003 * 100_000.0);
    for k in 1..=12_000 {
        step(&mut pack, current);
        if k % 1000 == 0 {
            let t = f64::from(k) * dt;
            let (v1, v2) = pack.group_rc_v(0);
            let want1 = -current * 0.005 * (1.0 - (-t / tau1).exp());
            let want2 = -current * 0.003 * (1.0 - (-t / tau2).exp());
            assert!((v1 - want1).abs() < 1e-12, "t={t}: v1 {v1} vs {want1}");
            assert!((v2 - want2).abs() < 1e-12, "t={t}: v2 {v2} vs {want2}");
            let ocv = 3.2 + 0.8 * pack.group_soc(0);
            let want_v = ocv - current * 0.010 + want1 + want2;
            assert!((pack.group_voltage_v(0) - want_v).abs() < 1e-11);
        }
    }
    // Relaxation after the current stops: pure exponential decay.
    let (v1_off, v2_off) = pack.group_rc_v(0);
    for _ in 0..3000 {
        step(&mut pack, 0.0);
    }
    let (v1, v2) = pack.group_rc_v(0);
    assert!((v1 - v1_off * (-30.0 / tau1).exp()).abs() < 1e-13);
    assert!((v2 - v2_off * (-30.0 / tau2).exp()).abs() < 1e-13);
}

#[test]
fn coulomb_counting_matches_integrated_current_per_group() {
    let dt = 0.01;
    let mut pack = Pack::new(spec(12, 3, 2.0), init(0.9), &mut Rng::new(5), dt, 100).unwrap();
    let start: Vec<f64> = (0..12).map(|g| pack.group_soc(g)).collect();
    let mut amp_seconds = 0.0;
    for k in 0..50_000 {
        let current = 40.0 * (f64::from(k) * 0.001).sin() + 15.0;
        step(&mut pack, current);
        amp_seconds += current * dt;
    }
    for (g, z0) in start.iter().enumerate() {
        let want = amp_seconds / (3600.0 * pack.group_capacity_ah(g));
        let got = z0 - pack.group_soc(g);
        assert!(
            (got - want).abs() < 1e-12 * want.abs().max(1.0),
            "group {g}"
        );
    }
    // Spread makes groups differ.
    let (lo, hi) = pack.soc_range();
    assert!(hi - lo > 1e-4);
}

#[test]
fn each_step_balances_chemical_losses_and_terminal_energy() {
    let mut pack = Pack::new(spec(8, 2, 3.0), init(0.95), &mut Rng::new(9), 0.01, 37).unwrap();
    for k in 0..20_000 {
        let power_w = 3000.0 * (f64::from(k) * 0.002).sin();
        let op = pack.operating_point();
        let current = op.current_for_power(power_w);
        pack.commit(&op, current);
        let e = pack.last().energy;
        let sum = e.ohmic_j + e.polarisation_j + e.terminal_j;
        assert!((e.chemical_j - sum).abs() < 1e-9 * e.chemical_j.abs().max(1.0));
        // The solved current delivers the requested mean power.
        assert!((pack.last().power_w - power_w).abs() < 1e-9 * power_w.abs().max(1.0));
    }
}

#[test]
fn group_heat_adds_up_to_the_pack_losses() {
    // No conduction: every joule of loss stays in the group that made it.
    let mut s = spec(8, 2, 3.0);
    s.thermal.group_to_coolant_w_per_k = 0.0;
    // Neighbours may exchange heat: the sum over the groups is what counts.
    let mut pack = Pack::new(s, init(0.9), &mut Rng::new(4), 0.01, 50).unwrap();
    let heat_cap = 2.0 * 0.07 * 1000.0;
    let total_temp = |p: &Pack| (0..8).map(|g| p.group_temp_c(g)).sum::<f64>();
    let mut losses = 0.0;
    let t0 = total_temp(&pack);
    for k in 0..30_000 {
        let current = 30.0 + 20.0 * (f64::from(k) * 0.003).sin();
        step(&mut pack, current);
        let e = pack.last().energy;
        losses += e.ohmic_j + e.polarisation_j;
        if k % 10 == 9 {
            pack.thermal_step(0.1, &ambient(25.0));
        }
    }
    let heated = (total_temp(&pack) - t0) * heat_cap;
    assert!(losses > 1000.0);
    assert!(
        (heated - losses).abs() < 1e-9 * losses,
        "{heated} vs {losses}"
    );
}

#[test]
fn chemical_energy_is_the_ocv_integral() {
    // test_cell OCV = 3.0 + 1.2·z: ∫OCV dq = Q·3600·[3.0 z + 0.6 z²] per group.
    let mut pack = Pack::new(spec(4, 2, 0.0), init(0.9), &mut Rng::new(1), 0.01, 100).unwrap();
    let mut chemical = 0.0;
    for _ in 0..120_000 {
        step(&mut pack, 3.0);
        chemical += pack.last().energy.chemical_j;
    }
    let z1 = pack.group_soc(0);
    let f = |z: f64| 3.0 * z + 0.6 * z * z;
    let want = 4.0 * 10.0 * 3600.0 * (f(0.9) - f(z1));
    assert!((z1 - (0.9 - 3.0 * 1200.0 / 36_000.0)).abs() < 1e-12);
    assert!(
        (chemical - want).abs() < 1e-9 * want,
        "{chemical} vs {want}"
    );
}

#[test]
fn voltage_limits_bound_the_end_of_step_cell_voltage() {
    let mut pack = Pack::new(spec(6, 1, 2.0), init(0.97), &mut Rng::new(2), 0.01, 100).unwrap();
    let op = step(&mut pack, 0.0);
    assert!(op.charge_limit_a < 10.0, "near full, little charge room");
    let op = pack.operating_point();
    pack.commit(&op, -op.charge_limit_a);
    let vmax = pack.cell_v_max().0;
    assert!(
        (vmax - 4.2).abs() < 1e-9 || op.charge_limit_a >= 10.0 - 1e-9,
        "{vmax}"
    );
    let mut pack = Pack::new(spec(6, 1, 2.0), init(0.02), &mut Rng::new(2), 0.01, 100).unwrap();
    let op = pack.operating_point();
    pack.commit(&op, op.discharge_limit_a);
    let vmin = pack.cell_v_min().0;
    assert!(
        (vmin - 2.8).abs() < 1e-9 || op.discharge_limit_a >= 25.0 - 1e-9,
        "{vmin}"
    );
}

#[test]
fn spread_is_seeded() {
    let caps = |seed| {
        let pack = Pack::new(spec(20, 1, 1.0), init(0.5), &mut Rng::new(seed), 0.01, 100).unwrap();
        (0..20)
            .map(|g| pack.group_capacity_ah(g))
            .collect::<Vec<_>>()
    };
    assert_eq!(caps(4), caps(4));
    assert_ne!(caps(4), caps(5));
    assert!(
        caps(4)
            .iter()
            .all(|q| (q / 5.0 - 1.0).abs() <= 0.03 + 1e-12)
    );
}

#[test]
fn heat_flows_to_coolant_and_ambient() {
    let mut pack = Pack::new(spec(4, 1, 0.0), init(0.5), &mut Rng::new(1), 0.1, 10).unwrap();
    for _ in 0..36_000 {
        step(&mut pack, 0.0);
        pack.thermal_step(0.1, &ambient(-10.0));
    }
    // One hour at −10 °C ambient with no current: everything cools toward ambient.
    assert!(pack.temp_max_c() < 20.0 && pack.temp_max_c() > -10.0);
    assert!(pack.coolant_temp_c() < pack.temp_min().0);
    // The radiator cools faster; the heater warms.
    let mut open = pack.clone();
    for _ in 0..3_000 {
        open.thermal_step(
            0.1,
            &CoolantInput {
                radiator_open: true,
                ..ambient(-10.0)
            },
        );
        pack.thermal_step(0.1, &ambient(-10.0));
    }
    assert!(open.coolant_temp_c() < pack.coolant_temp_c() - 1.0);
    let mut heated = pack.clone();
    for _ in 0..3_000 {
        heated.thermal_step(
            0.1,
            &CoolantInput {
                heater_w: 5_000.0,
                ..ambient(-10.0)
            },
        );
    }
    assert!(heated.temp_min().0 > pack.temp_max_c());
}

#[test]
fn neighbours_share_a_hot_spot() {
    let mut s = spec(5, 1, 0.0);
    s.thermal.group_to_coolant_w_per_k = 0.0;
    let mut pack = Pack::new(s, init(0.5), &mut Rng::new(1), 0.1, 10).unwrap();
    pack.heat_group(2, 10.0);
    let total = |p: &Pack| (0..5).map(|g| p.group_temp_c(g)).sum::<f64>();
    let before = total(&pack);
    for _ in 0..20_000 {
        pack.thermal_step(0.1, &ambient(25.0));
    }
    // The hot spot spreads to its neighbours without losing heat (no coolant path,
    // and the enclosure only reaches the coolant).
    assert!((total(&pack) - before).abs() < 1e-9);
    assert!(pack.group_temp_c(1) > 25.5 && pack.group_temp_c(3) > 25.5);
    assert!(pack.group_temp_c(2) < 35.0);
}

#[test]
fn the_thermal_network_conserves_energy() {
    // Heat stored in the groups and the coolant changes by exactly the cells' heat,
    // plus the heater, minus the chiller and what leaves to ambient.
    let mut pack = Pack::new(spec(6, 2, 3.0), init(0.7), &mut Rng::new(7), 0.01, 100).unwrap();
    let stored = |p: &Pack| {
        let groups: f64 = (0..p.groups())
            .map(|g| p.group_temp_c(g) / p.inv_heat_cap[g])
            .sum();
        groups + p.coolant_temp_c() * p.spec.thermal.coolant_heat_capacity_j_per_k
    };
    let before = stored(&pack);
    let (mut cells_j, mut net_in_j) = (0.0, 0.0);
    for tick in 0..6_000 {
        for _ in 0..10 {
            step(&mut pack, 40.0);
            cells_j += pack.last().heat_w * 0.01;
        }
        let input = CoolantInput {
            heater_w: if tick < 3_000 { 800.0 } else { 0.0 },
            chiller_w: if tick >= 3_000 { 500.0 } else { 0.0 },
            radiator_open: tick % 2 == 0,
            ambient_c: -5.0,
        };
        let flows = pack.thermal_step(0.1, &input);
        net_in_j += (input.heater_w - input.chiller_w - flows.coolant_to_ambient_w) * 0.1;
    }
    let change = stored(&pack) - before;
    assert!(cells_j > 1_000.0, "{cells_j}");
    assert!(
        (change - (cells_j + net_in_j)).abs() < 1e-9 * before.abs(),
        "stored {change} J, in {} J",
        cells_j + net_in_j
    );
}

#[test]
fn bad_designs_are_rejected() {
    let mut s = spec(0, 1, 0.0);
    assert_eq!(
        Pack::new(s.clone(), init(0.5), &mut Rng::new(1), 0.01, 1).err(),
        Some(PackError::ZeroCount { what: "series" })
    );
    s.series = 2;
    s.capacity_spread_pct = -1.0;
    assert!(matches!(
        Pack::new(s, init(0.5), &mut Rng::new(1), 0.01, 1),
        Err(PackError::OutOfRange { .. })
    ));
}

#[test]
fn a_one_rc_table_runs_with_its_second_branch_absent() {
    let mut s = constant_rc_spec();
    let mut rows = Vec::new();
    for temp_c in [-40.0, 80.0] {
        for soc in [0.0, 0.5, 1.0] {
            rows.push(CellRow {
                soc,
                temp_c,
                ocv_v: 3.2 + 0.8 * soc,
                r0_ohm: 0.010,
                r1_ohm: 0.005,
                c1_f: 2000.0,
                r2_ohm: 0.0,
                c2_f: 0.0,
                anode_ocp_v: None,
            });
        }
    }
    s.cell.table = CellTable::from_rows(&rows).unwrap();
    let dt = 0.5;
    let mut pack = Pack::new(s, init(0.8), &mut Rng::new(1), dt, 1).unwrap();
    for k in 1..=200 {
        let op = step(&mut pack, 20.0);
        assert!(op.emf_v.is_finite() && op.resistance_ohm.is_finite());
        let t = f64::from(k) * dt;
        let (v1, v2) = pack.group_rc_v(0);
        assert_eq!(v2, 0.0);
        let want1 = -20.0 * 0.005 * (1.0 - (-t / 10.0).exp());
        assert!((v1 - want1).abs() < 1e-12, "t={t}: {v1} vs {want1}");
        let e = pack.last().energy;
        let sum = e.ohmic_j + e.polarisation_j + e.terminal_j;
        assert!((e.chemical_j - sum).abs() < 1e-9 * e.chemical_j.abs());
    }
}
