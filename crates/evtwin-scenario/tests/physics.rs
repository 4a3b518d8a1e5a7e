//! Tests that would catch a wrong physics model: cycle integration, road-load
//! energies against hand calculations, energy closure, coulomb counting.

// In tests and benches a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use evtwin_sim::cycle::Cycle;
use evtwin_sim::vehicle::air_density_kg_m3;

/// `(file, distance_km)` rows of the table in `../shared/data/cycles/README.md`.
fn readme_distances() -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(common::shared("cycles/README.md")).unwrap();
    let rows: Vec<(String, f64)> = text
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains(".csv"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let file = cells[1].split_whitespace().next().unwrap().to_owned();
            (file, cells[4].parse().unwrap())
        })
        .collect();
    assert_eq!(rows.len(), 12, "the README lists twelve cycles");
    rows
}

fn load_cycle(file: &str) -> Cycle {
    let text = std::fs::read_to_string(common::shared(&format!("cycles/{file}"))).unwrap();
    Cycle::parse_csv(&text).unwrap()
}

#[test]
fn cycle_distances_match_the_readme() {
    for (file, km) in readme_distances() {
        let d = load_cycle(&file).distance_m() / 1000.0;
        // The README prints 4 decimals: agree to half a unit of the last digit.
        assert!(
            (d - km).abs() <= 0.5e-4 + 1e-12,
            "{file}: {d} km vs README {km} km"
        );
    }
}

#[test]
fn the_car_covers_each_cycle_distance_to_1e6() {
    for (file, _) in readme_distances() {
        let want = load_cycle(&file).distance_m();
        let mut misses = 0;
        let twin = common::run(&common::on_cycle(&file, true), |t| {
            misses += u32::from(t.last_step().trace_miss);
        });
        let got = twin.odometer_m();
        assert!(
            (got / want - 1.0).abs() < 1e-6,
            "{file}: drove {got} m, cycle {want} m"
        );
        assert_eq!(misses, 0, "{file}: trace miss");
    }
}

#[test]
fn default_driver_follows_the_cycles_within_the_epa_tolerance() {
    // Jerk-limited (10 m/s³): small lags, never beyond ±2 mph; distance within 0.1 %.
    for file in ["udds.csv", "hwfet.csv", "us06.csv", "wltc_3b.csv"] {
        let want = load_cycle(file).distance_m();
        let mut misses = 0;
        let twin = common::run(&common::on_cycle(file, false), |t| {
            misses += u32::from(t.last_step().trace_miss);
        });
        let got = twin.odometer_m();
        assert!((got / want - 1.0).abs() < 1e-3, "{file}: {got} vs {want}");
        assert_eq!(misses, 0, "{file}");
    }
}

/// ∫ v³ dt over one sample interval with speed linear from `a` to `b` over `dt`.
fn cube_integral(a: f64, b: f64, dt: f64) -> f64 {
    (a * a * a + a * a * b + a * b * b + b * b * b) / 4.0 * dt
}

#[test]
fn road_load_energies_match_a_hand_calculation() {
    let text = std::fs::read_to_string(common::shared("cycles/udds.csv")).unwrap();
    let rows: Vec<(f64, f64)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<f64> = l.split(',').map(|x| x.parse().unwrap()).collect();
            (f[0], f[1])
        })
        .collect();
    // Model 3 reference: m 1752 kg, Cd 0.23, A 2.22 m², Crr 0.007, J 0.815 × 4, r 0.334.
    let (m, cd_a, crr) = (1752.0, 0.23 * 2.22, 0.007);
    let rho = air_density_kg_m3(20.0);
    let mut drag = 0.0;
    let mut distance = 0.0;
    let mut t_peak = 0.0;
    let mut v_peak = 0.0;
    for w in rows.windows(2) {
        let ((t0, v0), (t1, v1)) = (w[0], w[1]);
        drag += 0.5 * rho * cd_a * cube_integral(v0, v1, t1 - t0);
        distance += 0.5 * (v0 + v1) * (t1 - t0);
        if v1 > v_peak {
            (t_peak, v_peak) = (t1, v1);
        }
    }
    let rolling = m * 9.81 * crr * distance;
    let m_eff = m + 4.0 * 0.815 / (0.334 * 0.334);
    let kinetic_at_peak = 0.5 * m_eff * v_peak * v_peak;

    let scenario = common::on_cycle("udds.csv", true);
    let mut kinetic_seen = None;
    let twin = common::run(&scenario, |twin| {
        if kinetic_seen.is_none() && twin.time_s() >= t_peak - 1e-9 {
            kinetic_seen = Some(twin.ledger().kinetic_j);
        }
    });
    let l = twin.ledger();
    // 10 ms midpoint steps against the exact integral: agreement to 1e-4.
    assert!(
        (l.drag_j / drag - 1.0).abs() < 1e-4,
        "drag {} vs {drag}",
        l.drag_j
    );
    assert!(
        (l.rolling_j / rolling - 1.0).abs() < 1e-9,
        "rolling {} vs {rolling}",
        l.rolling_j
    );
    let k = kinetic_seen.unwrap();
    assert!(
        (k / kinetic_at_peak - 1.0).abs() < 1e-9,
        "kinetic {k} vs {kinetic_at_peak}"
    );
    // Back at rest: all kinetic energy is gone again.
    assert!(l.kinetic_j.abs() < 1e-6 * kinetic_at_peak);
    assert_eq!(l.grade_j, 0.0);
}

#[test]
fn energy_closes_over_whole_cycles() {
    for file in ["udds.csv", "hwfet.csv", "us06.csv"] {
        let twin = common::run(&common::on_cycle(file, false), |_| {});
        let l = twin.ledger();
        let uses = l.drag_j
            + l.rolling_j
            + l.grade_j
            + l.kinetic_j
            + l.friction_brake_j
            + l.transmission_loss_j
            + l.motor_loss_j
            + l.aux_j
            + l.battery_loss_j;
        let gap = (l.chemical_j - uses).abs() / l.chemical_j;
        eprintln!("{file}: closure gap {gap:e}");
        assert!(
            gap < 1e-3,
            "{file}: chemical {} J vs uses {uses} J ({gap:e})",
            l.chemical_j
        );
        // Regeneration really happened and was counted.
        assert!(
            l.regen_j > 0.05 * l.chemical_j,
            "{file}: regen {}",
            l.regen_j
        );
        assert!(l.friction_brake_j > 0.0);
    }
}

#[test]
fn pack_soc_follows_integrated_current() {
    let scenario = common::on_cycle("us06.csv", false);
    let dt = scenario.config.step_s;
    let mut amp_s = 0.0;
    // `run` calls back once after every step, the last one included.
    let twin = common::run(&scenario, |t| amp_s += t.pack().last().current_a * dt);
    let want = amp_s / 3600.0 / twin.pack().mean_group_capacity_ah();
    let got = scenario.config.pack_init.soc - twin.pack().soc();
    assert!(want > 0.01, "US06 uses a few % of the pack: {want}");
    assert!(
        ((got - want) / want).abs() < 1e-9,
        "ΔSOC {got} vs ∫I dt / Q {want}"
    );
}
